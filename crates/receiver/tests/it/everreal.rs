//! `POST /everreal`: every event hooksim sends, dedupe on `uuid`, tolerance,
//! and entities that keep their newest state when events arrive out of order;
//! `POST /everreal/connect`: registering through EverReal's API.

use hooksim_receiver::RunningReceiver;
use hooksim_simulator::api::ProviderApis;
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::providers::everreal::EverReal;
use hooksim_simulator::providers::{Provider, ProviderId};
use serde_json::{Value, json};

use crate::{
    TestResult, get_json, post_json, start_default_receiver, wait_for_count, wait_for_json,
};

const PROBE: &str = "/everreal/notifications";

async fn deliver(receiver: &RunningReceiver, body: &[u8]) -> TestResult<u16> {
    let response = post_json(receiver, "/everreal", body, &[]).await?;
    Ok(response.status().as_u16())
}

async fn deliver_json(receiver: &RunningReceiver, body: &Value) -> TestResult<u16> {
    deliver(receiver, body.to_string().as_bytes()).await
}

fn notification(uuid: &str, operation: &str, created_at: &str, data: Value) -> Value {
    json!({
        "uuid": uuid,
        "operation": operation,
        "subdomain": "stadtwohnen",
        "language": "de",
        "createdAt": created_at,
        "data": data,
    })
}

#[tokio::test]
async fn every_event_hooksim_sends_is_acknowledged_and_stored() -> TestResult {
    let receiver = start_default_receiver().await?;
    let mut uuids = Vec::new();
    for (seed, spec) in (0u64..).zip(EverReal.events()) {
        let payload = EverReal.build(spec.name, &mut seeded_rng(seed))?;
        uuids.push(payload["uuid"].clone());
        assert_eq!(
            deliver(&receiver, &EverReal.encode(&payload)).await?,
            200,
            "{}",
            spec.name
        );
    }

    let summary = wait_for_count(&receiver, PROBE, EverReal.events().len() as u64).await?;
    assert_eq!(summary["duplicates_ignored"], 0);
    let stored = summary["ids"].as_array().ok_or("ids is a list")?;
    for uuid in &uuids {
        assert!(stored.contains(uuid), "{uuid} not stored: {summary}");
    }
    // Every event but CANDIDATE_PARSED names an entity.
    let entities = summary["entities"].as_object().ok_or("entities is a map")?;
    assert_eq!(entities.len(), EverReal.events().len() - 1, "{summary}");
    Ok(())
}

#[tokio::test]
async fn the_same_uuid_twice_is_acknowledged_and_stored_once() -> TestResult {
    let receiver = start_default_receiver().await?;
    let body = notification(
        "0c2f7c7e-4b43-4d8e-9d4c-5f1f3c1b2a10",
        "OWNER_CREATED",
        "2025-03-01T09:00:00.000Z",
        json!({ "id": "owner-1", "firstName": "Jürgen", "lastName": "Weiß" }),
    );
    assert_eq!(deliver_json(&receiver, &body).await?, 200);
    assert_eq!(deliver_json(&receiver, &body).await?, 200);

    let summary = wait_for_json(&receiver, PROBE, |s| s["duplicates_ignored"] == 1).await?;
    assert_eq!(summary["count"], 1);
    assert_eq!(
        summary["ids"],
        json!(["0c2f7c7e-4b43-4d8e-9d4c-5f1f3c1b2a10"])
    );
    Ok(())
}

#[tokio::test]
async fn an_update_before_its_create_keeps_the_newer_state() -> TestResult {
    let receiver = start_default_receiver().await?;
    let update = notification(
        "11111111-1111-4111-8111-111111111111",
        "LISTING_UPDATED",
        "2025-03-01T10:00:00.000Z",
        json!({ "id": "listing-1", "status": "ACTIVE" }),
    );
    let create = notification(
        "22222222-2222-4222-8222-222222222222",
        "LISTING_CREATED",
        "2025-03-01T09:00:00.000Z",
        json!({ "id": "listing-1", "status": "INACTIVE" }),
    );
    assert_eq!(deliver_json(&receiver, &update).await?, 200);
    // Wait for the update to be applied, so the create surely arrives second.
    wait_for_count(&receiver, PROBE, 1).await?;
    assert_eq!(deliver_json(&receiver, &create).await?, 200);

    let summary = wait_for_count(&receiver, PROBE, 2).await?;
    assert_eq!(
        summary["entities"]["listing:listing-1"],
        json!({ "operation": "LISTING_UPDATED", "createdAt": "2025-03-01T10:00:00.000Z" })
    );
    Ok(())
}

#[tokio::test]
async fn unknown_operations_new_attributes_and_empty_optionals_are_acknowledged() -> TestResult {
    let receiver = start_default_receiver().await?;
    let bodies = [
        notification(
            "33333333-3333-4333-8333-333333333333",
            "INVOICE_CREATED",
            "2025-03-01T09:00:00.000Z",
            json!({ "id": "invoice-1", "amount": 1200 }),
        ),
        {
            let mut body = notification(
                "44444444-4444-4444-8444-444444444444",
                "LISTING_CANDIDATE_APPLIED",
                "2025-03-01T09:00:00.000Z",
                json!({ "id": "candidate-1", "candidateSource": "NEW_PORTAL", "email": "a@b.de",
                        "firstName": "Zoë", "lastName": "Öztürk", "score": 0.93,
                        "listing": { "id": "l", "property": null, "unit": null } }),
            );
            body["tenantId"] = json!("t-1");
            body
        },
        notification(
            "55555555-5555-4555-8555-555555555555",
            "CANDIDATE_PARSED",
            "2025-03-01T09:00:00.000Z",
            json!({ "portalId": "1", "externalListingId": "2", "candidateSource": "IMMOWELT",
                    "integrationType": "IMMOWELT", "email": "a@b.de", "firstName": "A", "lastName": "B",
                    "phoneNumber": null, "hasPets": null, "message": null, "integration": {} }),
        ),
        json!({ "uuid": "66666666-6666-4666-8666-666666666666", "operation": "UNIT_DELETED" }),
    ];
    for body in &bodies {
        assert_eq!(deliver_json(&receiver, body).await?, 200, "{body}");
    }
    wait_for_count(&receiver, PROBE, bodies.len() as u64).await?;
    Ok(())
}

#[tokio::test]
async fn a_body_without_uuid_or_operation_is_400_and_not_stored() -> TestResult {
    let receiver = start_default_receiver().await?;
    let bodies: [&[u8]; 4] = [
        br#"{"operation":"OWNER_CREATED","data":{"id":"o"}}"#,
        br#"{"uuid":"77777777-7777-4777-8777-777777777777","data":{"id":"o"}}"#,
        br#"{"uuid":7,"operation":"OWNER_CREATED"}"#,
        b"not json",
    ];
    for body in bodies {
        assert_eq!(
            deliver(&receiver, body).await?,
            400,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    let marker = notification(
        "88888888-8888-4888-8888-888888888888",
        "OWNER_DELETED",
        "2025-03-01T09:00:00.000Z",
        json!({ "id": "o" }),
    );
    assert_eq!(deliver_json(&receiver, &marker).await?, 200);
    let summary = wait_for_count(&receiver, PROBE, 1).await?;
    assert_eq!(
        summary["ids"],
        json!(["88888888-8888-4888-8888-888888888888"])
    );
    Ok(())
}

#[tokio::test]
async fn the_probe_starts_empty() -> TestResult {
    let receiver = start_default_receiver().await?;
    assert_eq!(
        get_json(&receiver, PROBE).await?,
        json!({ "count": 0, "ids": [], "duplicates_ignored": 0, "entities": {} })
    );
    Ok(())
}

/// `POST /everreal/connect` with `body` (its `api`, `token` and
/// `connection` filled from `apis` unless given): status and answer.
async fn connect(
    receiver: &RunningReceiver,
    apis: &ProviderApis,
    extra: Value,
) -> TestResult<(u16, Value)> {
    let mut body = json!({
        "api": apis.base_url(ProviderId::EverReal),
        "token": apis.state().credentials().token,
        "connection": apis.connection(),
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let response = post_json(
        receiver,
        "/everreal/connect",
        body.to_string().as_bytes(),
        &[],
    )
    .await?;
    let status = response.status().as_u16();
    Ok((status, serde_json::from_slice(&response.bytes().await?)?))
}

#[tokio::test]
async fn connect_registers_each_type_once_and_its_deliveries_are_kept_apart() -> TestResult {
    let receiver = start_default_receiver().await?;
    let apis = ProviderApis::start("127.0.0.1:0".parse()?).await?;
    let types = json!({ "types": ["LISTING_CANDIDATE_APPLIED", "OWNER_CREATED"] });

    let (status, answer) = connect(&receiver, &apis, types.clone()).await?;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["registered"], true);
    let url = format!(
        "{}/everreal/connections/{}",
        receiver.base_url(),
        apis.connection()
    );
    assert_eq!(answer["webhook_url"], url.as_str());
    let registrations = apis.state().registrations(ProviderId::EverReal);
    assert_eq!(registrations.len(), 2);
    assert!(registrations.iter().all(|r| r.url == url));
    assert_eq!(
        answer["webhooks"]["LISTING_CANDIDATE_APPLIED"],
        registrations[0].id.as_str()
    );

    // Connecting again finds both webhooks and registers nothing new.
    let (status, again) = connect(&receiver, &apis, types).await?;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["webhooks"], answer["webhooks"]);
    assert_eq!(apis.state().registrations(ProviderId::EverReal).len(), 2);

    let applied = notification(
        "2f0c9a6e-9d7b-4c1e-8f3a-5b6c7d8e9f01",
        "LISTING_CANDIDATE_APPLIED",
        "2025-07-24T11:46:55.158Z",
        json!({ "id": "c-1" }),
    );
    let response = post_json(
        &receiver,
        &url[receiver.base_url().len()..],
        applied.to_string().as_bytes(),
        &[],
    )
    .await?;
    assert_eq!(response.status(), 200);
    let probe = format!("/everreal/connections/{}/notifications", apis.connection());
    wait_for_count(&receiver, &probe, 1).await?;
    assert_eq!(
        get_json(&receiver, PROBE).await?["count"],
        0,
        "the plain route keeps its own"
    );
    Ok(())
}

#[tokio::test]
async fn without_types_the_applicant_events_are_registered() -> TestResult {
    let receiver = start_default_receiver().await?;
    let apis = ProviderApis::start("127.0.0.1:0".parse()?).await?;
    let (status, answer) = connect(&receiver, &apis, json!({})).await?;
    assert_eq!(status, 200, "{answer}");
    let events: Vec<Option<String>> = apis
        .state()
        .registrations(ProviderId::EverReal)
        .into_iter()
        .map(|r| r.event)
        .collect();
    assert_eq!(
        events,
        [
            Some("LISTING_CANDIDATE_APPLIED".to_owned()),
            Some("CANDIDATE_PARSED".to_owned())
        ]
    );
    Ok(())
}

#[tokio::test]
async fn a_refused_token_or_type_is_answered_with_everreal_s_reason() -> TestResult {
    let receiver = start_default_receiver().await?;
    let apis = ProviderApis::start("127.0.0.1:0".parse()?).await?;

    let (status, answer) = connect(&receiver, &apis, json!({ "token": "wrong" })).await?;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["registered"], false);
    assert_eq!(answer["api_status"], 403);
    assert_eq!(
        answer["api_answer"],
        json!({ "code": "server_error", "statusCode": 403 })
    );

    let (status, answer) = connect(&receiver, &apis, json!({ "types": ["NO_SUCH_EVENT"] })).await?;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["api_status"], 400);

    let (status, answer) = connect(&receiver, &apis, json!({ "types": [] })).await?;
    assert_eq!(status, 400, "{answer}");
    assert!(apis.state().registrations(ProviderId::EverReal).is_empty());
    Ok(())
}

#[tokio::test]
async fn a_delivery_to_a_connection_never_made_is_404() -> TestResult {
    let receiver = start_default_receiver().await?;
    let body = notification(
        "u-1",
        "OWNER_CREATED",
        "2025-07-24T11:46:55.158Z",
        json!({}),
    );
    let response = post_json(
        &receiver,
        "/everreal/connections/nobody",
        body.to_string().as_bytes(),
        &[],
    )
    .await?;
    assert_eq!(response.status(), 404);
    Ok(())
}
