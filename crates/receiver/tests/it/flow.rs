//! `POST /flow`: every documented event shape, tolerance, dedupe without an
//! event id, and the reads each event queues; connected to a Flow API, the
//! reads actually made, as Flow asks to be called.

use hooksim_receiver::RunningReceiver;
use hooksim_simulator::api::ProviderApis;
use hooksim_simulator::api::flow::CLIENT_WITHOUT_CASES_READ;
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::providers::flow::Flow;
use hooksim_simulator::providers::{Provider, ProviderId};
use serde_json::{Value, json};

use crate::{
    TestResult, assert_refused, get_json, post_json, start_default_receiver, strings,
    wait_for_count, wait_for_json,
};

const EVENTS_PROBE: &str = "/flow/events";
const CREATED: &str = "2022-04-28T11:26:41.5334824+02:00";

/// Sends `body` with the headers hooksim sends for Flow; returns the status.
async fn deliver(receiver: &RunningReceiver, body: &[u8]) -> TestResult<u16> {
    let response = post_json(receiver, "/flow", body, &[]).await?;
    Ok(response.status().as_u16())
}

async fn deliver_json(receiver: &RunningReceiver, body: &Value) -> TestResult<u16> {
    deliver(receiver, body.to_string().as_bytes()).await
}

fn flow_event(event_type: &str, payload: Value) -> Value {
    json!({ "EventType": event_type, "EventCreatedDate": CREATED, "Payload": payload })
}

/// Storage is asynchronous: proves nothing else was stored by delivering a
/// marker last and waiting for it.
async fn stored_after_marker(
    receiver: &RunningReceiver,
    expected_before: u64,
) -> TestResult<Value> {
    let marker = flow_event("CaseSold", json!({ "CaseId": 999_999_999 }));
    assert_eq!(deliver_json(receiver, &marker).await?, 200);
    wait_for_count(receiver, EVENTS_PROBE, expected_before + 1).await
}

fn pending_reads(summary: &Value) -> Vec<&str> {
    strings(&summary["pending_reads"])
}

#[tokio::test]
async fn every_event_hooksim_sends_is_acknowledged_and_stored() -> TestResult {
    let receiver = start_default_receiver().await?;
    let events = Flow.events();
    for (seed, spec) in (0u64..).zip(events) {
        let body = Flow.encode(&Flow.build(spec.name, &mut seeded_rng(seed))?);
        assert_eq!(deliver(&receiver, &body).await?, 200, "{}", spec.name);
    }

    let summary = wait_for_count(&receiver, EVENTS_PROBE, events.len() as u64).await?;
    assert_eq!(summary["duplicates_ignored"], 0);
    let ids = summary["ids"].as_array().ok_or("ids is a list")?;
    for spec in events {
        let wire_type = spec.name.split('.').next().unwrap_or_default();
        let prefix = format!("{wire_type}/");
        assert!(
            ids.iter()
                .any(|id| id.as_str().is_some_and(|id| id.starts_with(&prefix))),
            "{} not stored: {summary}",
            spec.name
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_redelivered_event_is_acknowledged_and_stored_once() -> TestResult {
    let receiver = start_default_receiver().await?;
    let body = flow_event("SettlementStatusChanged", json!({ "CaseId": 4711 }));

    assert_eq!(deliver_json(&receiver, &body).await?, 200);
    assert_eq!(deliver_json(&receiver, &body).await?, 200);

    let summary = wait_for_json(&receiver, EVENTS_PROBE, |summary| {
        summary["duplicates_ignored"] == 1
    })
    .await?;
    assert_eq!(summary["count"], 1);
    assert_eq!(
        pending_reads(&summary),
        ["GET /flow/api/Properties/4711/SettlementStatuses"],
        "a duplicate queues no second read"
    );
    Ok(())
}

#[tokio::test]
async fn a_retry_serialised_differently_is_still_a_duplicate() -> TestResult {
    let receiver = start_default_receiver().await?;
    let compact = br#"{"EventType":"InteressentChanged","EventCreatedDate":"2024-05-09T11:26:41.5334824+02:00","Payload":{"Id":1,"ContactId":2,"CaseId":3}}"#;
    let reordered = br#"{
        "Payload": { "CaseId": 3, "ContactId": 2, "Id": 1 },
        "EventCreatedDate": "2024-05-09T11:26:41.5334824+02:00",
        "EventType": "InteressentChanged"
    }"#;

    assert_eq!(deliver(&receiver, compact).await?, 200);
    assert_eq!(deliver(&receiver, reordered).await?, 200);

    let summary = wait_for_json(&receiver, EVENTS_PROBE, |summary| {
        summary["duplicates_ignored"] == 1
    })
    .await?;
    assert_eq!(summary["count"], 1);
    Ok(())
}

#[tokio::test]
async fn the_same_payload_at_another_time_is_a_new_event() -> TestResult {
    let receiver = start_default_receiver().await?;
    let first = flow_event("CaseStatusChanged", json!({ "CaseId": 7 }));
    let mut second = first.clone();
    second["EventCreatedDate"] = json!("2022-04-28T11:30:02.0000001+02:00");

    assert_eq!(deliver_json(&receiver, &first).await?, 200);
    assert_eq!(deliver_json(&receiver, &second).await?, 200);

    let summary = wait_for_count(&receiver, EVENTS_PROBE, 2).await?;
    assert_eq!(summary["duplicates_ignored"], 0);
    Ok(())
}

#[tokio::test]
async fn payloads_without_a_case_id_or_as_arrays_are_acknowledged() -> TestResult {
    let receiver = start_default_receiver().await?;
    let guid = "fb4d7e56-1be7-49a5-994f-646890ece2a7";
    let shapes = [
        flow_event(
            "EmployeeChanged",
            json!({ "EmployeeId": 1, "EmployeeGuid": guid }),
        ),
        flow_event(
            "OfficeChanged",
            json!({ "OfficeId": 1, "OfficeGuid": guid }),
        ),
        flow_event("InteressentDeleted", json!({ "Id": 1 })),
        flow_event("SellerInsuranceChanged", json!({ "PropertyId": 1 })),
        json!({
            "EventType": "DynamicSaleTextChanged",
            "EventCreatedDate": CREATED,
            "Payload": [{ "Id": 1, "Guid": guid }],
            "RequireReload": true
        }),
        // Broken shapes of documented events: acknowledged all the same,
        // because a retry would carry the same bytes.
        flow_event("CaseStatusChanged", json!({})),
        flow_event("SettlementStatusChanged", Value::Null),
        json!({ "EventType": "CaseSold" }),
    ];
    for body in &shapes {
        assert_eq!(deliver_json(&receiver, body).await?, 200, "{body}");
    }
    stored_after_marker(&receiver, shapes.len() as u64).await?;
    Ok(())
}

#[tokio::test]
async fn unknown_event_types_and_fields_are_acknowledged_and_stored_without_reads() -> TestResult {
    let receiver = start_default_receiver().await?;
    let unknown = [
        flow_event("SomethingNew", json!({ "CaseId": 1 })),
        flow_event("ViewingBooked", json!([{ "Id": 1 }])),
        flow_event("LeadReceived", json!("not an object")),
    ];
    for body in &unknown {
        assert_eq!(deliver_json(&receiver, body).await?, 200, "{body}");
    }
    let mut extended = flow_event(
        "AppropriationDateChanged",
        json!({ "CaseId": 12, "TransferDate": "2024-06-01", "Source": { "System": "Flow" } }),
    );
    extended["Version"] = json!(2);
    assert_eq!(deliver_json(&receiver, &extended).await?, 200);

    let summary = wait_for_count(&receiver, EVENTS_PROBE, 4).await?;
    assert_eq!(
        pending_reads(&summary),
        ["POST /flow/api/Search/AdvancedPropertySearch?$filter=Id eq 12&$select=TransferDate"]
    );
    Ok(())
}

#[tokio::test]
async fn an_update_before_its_case_exists_is_acknowledged() -> TestResult {
    let receiver = start_default_receiver().await?;
    let update = flow_event("CaseStatusChanged", json!({ "CaseId": 4711 }));
    let mut created = flow_event("OppdragCreated", json!({ "CaseId": 4711 }));
    created["EventCreatedDate"] = json!("2022-04-28T11:20:00.0000000+02:00");

    assert_eq!(deliver_json(&receiver, &update).await?, 200);
    assert_eq!(deliver_json(&receiver, &created).await?, 200);
    wait_for_count(&receiver, EVENTS_PROBE, 2).await?;
    Ok(())
}

#[tokio::test]
async fn sale_text_events_queue_one_read_per_case() -> TestResult {
    let receiver = start_default_receiver().await?;
    let reload = json!({
        "EventType": "DynamicSaleTextChanged",
        "EventCreatedDate": CREATED,
        "Payload": [{ "Id": 31, "Guid": "a" }, { "Id": 32, "Guid": "b" }],
        "RequireReload": true
    });
    assert_eq!(deliver_json(&receiver, &reload).await?, 200);
    let summary = wait_for_count(&receiver, EVENTS_PROBE, 1).await?;
    assert_eq!(
        pending_reads(&summary),
        [
            "GET /flow/api/DynamicSaleText/Cases/31/DynamicSaleTextItems",
            "GET /flow/api/DynamicSaleText/Cases/32/DynamicSaleTextItems"
        ]
    );

    let one_header = json!({
        "EventType": "DynamicSaleTextChanged",
        "EventCreatedDate": CREATED,
        "Payload": [{ "Id": 33, "Guid": "c" }],
        "DynamicSaleTextHeaderId": 5,
        "UpdatedDateTime": CREATED,
        "RequireReload": false
    });
    assert_eq!(deliver_json(&receiver, &one_header).await?, 200);
    let summary = wait_for_count(&receiver, EVENTS_PROBE, 2).await?;
    assert!(
        pending_reads(&summary)
            .contains(&"GET /flow/api/DynamicSaleText/Cases/33/DynamicSaleTextItems/5"),
        "{summary}"
    );
    Ok(())
}

#[tokio::test]
async fn a_body_that_is_not_a_flow_event_is_400_and_not_stored() -> TestResult {
    let receiver = start_default_receiver().await?;
    let not_events: [&[u8]; 5] = [
        b"this is not json",
        br#"{"EventType":"CaseSold","Payload":"#,
        br#"[{"EventType":"CaseSold"}]"#,
        br#"{"Payload":{"CaseId":1}}"#,
        br#"{"EventType":12,"Payload":{"CaseId":1}}"#,
    ];
    for body in not_events {
        let response = post_json(&receiver, "/flow", body, &[]).await?;
        assert_refused(response, 400, String::from_utf8_lossy(body)).await?;
    }
    let summary = stored_after_marker(&receiver, 0).await?;
    assert_eq!(summary["count"], 1);
    Ok(())
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413() -> TestResult {
    let receiver = start_default_receiver().await?;
    let cases: Vec<Value> = (0..40_000)
        .map(|id| json!({ "Id": id, "Guid": "fb4d7e56-1be7-49a5-994f-646890ece2a7" }))
        .collect();
    let body =
        json!({ "EventType": "DynamicSaleTextChanged", "Payload": cases, "RequireReload": true });
    assert!(body.to_string().len() > 1024 * 1024);

    assert_eq!(deliver_json(&receiver, &body).await?, 413);
    Ok(())
}

#[tokio::test]
async fn the_events_probe_starts_empty() -> TestResult {
    let receiver = start_default_receiver().await?;
    assert_eq!(
        get_json(&receiver, EVENTS_PROBE).await?,
        json!({ "count": 0, "ids": [], "duplicates_ignored": 0, "pending_reads": [] })
    );
    Ok(())
}

/// `POST /flow/connect` to `receiver` for `apis`'s Flow, as `client_id`
/// with `client_secret`: status and answer.
async fn connect(
    receiver: &RunningReceiver,
    apis: &ProviderApis,
    client_id: &str,
    client_secret: &str,
) -> TestResult<(u16, Value)> {
    let body = json!({
        "api": apis.base_url(ProviderId::Flow),
        "client_id": client_id,
        "client_secret": client_secret,
        "connection": apis.connection(),
    });
    let response = post_json(receiver, "/flow/connect", body.to_string().as_bytes(), &[]).await?;
    let status = response.status().as_u16();
    Ok((status, serde_json::from_slice(&response.bytes().await?)?))
}

/// A receiver connected, as `client_id` (the scenario's own when `None`),
/// to a Flow API of its own: the receiver and the API.
async fn connected(client_id: Option<&str>) -> TestResult<(RunningReceiver, ProviderApis)> {
    let receiver = start_default_receiver().await?;
    let apis = ProviderApis::start("127.0.0.1:0".parse()?).await?;
    let credentials = apis.state().credentials();
    let client_id = client_id.unwrap_or(&credentials.client_id);
    let (status, answer) = connect(&receiver, &apis, client_id, &credentials.client_secret).await?;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["connected"], true, "{answer}");
    assert_eq!(
        answer["webhook_url"],
        format!(
            "{}/flow/connections/{}",
            receiver.base_url(),
            apis.connection()
        )
    );
    Ok((receiver, apis))
}

/// Delivers `event` the way a scenario does: the API learns of it, then
/// the connection's webhook URL gets it.
async fn deliver_connected(
    receiver: &RunningReceiver,
    apis: &ProviderApis,
    event: &Value,
) -> TestResult<u16> {
    apis.state()
        .record_delivery(ProviderId::Flow, event.clone());
    let path = format!("/flow/connections/{}", apis.connection());
    let response = post_json(receiver, &path, event.to_string().as_bytes(), &[]).await?;
    Ok(response.status().as_u16())
}

/// Waits until the connection has made `count` reads; its events probe.
async fn reads_made(
    receiver: &RunningReceiver,
    apis: &ProviderApis,
    count: usize,
) -> TestResult<Value> {
    let path = format!("/flow/connections/{}/events", apis.connection());
    wait_for_json(receiver, &path, |summary| {
        summary["reads"]
            .as_array()
            .is_some_and(|reads| reads.len() >= count)
    })
    .await
}

/// `METHOD path?query -> status` of every call the receiver made to the API.
fn calls(apis: &ProviderApis) -> Vec<String> {
    apis.state()
        .journal()
        .iter()
        .map(|call| {
            let query = call
                .query
                .as_deref()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            format!("{} {}{query} -> {}", call.method, call.path, call.status)
        })
        .collect()
}

#[tokio::test]
async fn a_connected_receiver_reads_back_the_settlement_status_the_event_announced() -> TestResult {
    let (receiver, apis) = connected(None).await?;
    let event = flow_event("SettlementStatusChanged", json!({ "CaseId": 224_393 }));
    assert_eq!(deliver_connected(&receiver, &apis, &event).await?, 200);

    let summary = reads_made(&receiver, &apis, 1).await?;
    assert_eq!(summary["count"], 1);
    let read = &summary["reads"][0];
    assert_eq!(
        read["read"],
        "GET /flow/api/Properties/224393/SettlementStatuses"
    );
    assert_eq!(read["status"], 200);
    // The status the seed's list lacks (Core.Api.Demo's SettlementStatusType).
    assert_eq!(read["answer"]["SettlementStatus"], "ReadyForSettlement");
    assert_eq!(read["tries"], 1);
    assert_eq!(
        calls(&apis),
        [
            "POST /flow/authtoken -> 200",
            "GET /flow/api/Properties/224393/SettlementStatuses -> 200",
        ]
    );
    Ok(())
}

#[tokio::test]
async fn the_search_is_made_with_the_filter_and_select_the_seed_gives() -> TestResult {
    let (receiver, apis) = connected(None).await?;
    let event = flow_event("AppropriationDateChanged", json!({ "CaseId": 31 }));
    assert_eq!(deliver_connected(&receiver, &apis, &event).await?, 200);

    let summary = reads_made(&receiver, &apis, 1).await?;
    let read = &summary["reads"][0];
    assert_eq!(read["status"], 200);
    assert_eq!(read["answer"]["Count"], 1);
    assert!(
        read["answer"]["Results"][0]["TransferDate"].is_string(),
        "{read}"
    );
    assert!(
        calls(&apis).contains(
            &"POST /flow/api/Search/AdvancedPropertySearch?$filter=Id%20eq%2031&$select=TransferDate -> 200"
                .to_owned()
        ),
        "{:?}",
        calls(&apis)
    );
    Ok(())
}

#[tokio::test]
async fn a_redelivered_event_is_read_once() -> TestResult {
    let (receiver, apis) = connected(None).await?;
    let event = flow_event("SellerInsuranceChanged", json!({ "PropertyId": 6 }));
    assert_eq!(deliver_connected(&receiver, &apis, &event).await?, 200);
    assert_eq!(deliver_connected(&receiver, &apis, &event).await?, 200);
    let marker = flow_event("SettlementStatusChanged", json!({ "CaseId": 6 }));
    assert_eq!(deliver_connected(&receiver, &apis, &marker).await?, 200);

    let summary = reads_made(&receiver, &apis, 2).await?;
    assert_eq!(summary["duplicates_ignored"], 1);
    let reads: Vec<&str> = summary["reads"]
        .as_array()
        .map(|reads| reads.iter().filter_map(|r| r["read"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        reads,
        [
            "GET /flow/api/Properties/6/Information",
            "GET /flow/api/Properties/6/SettlementStatuses"
        ]
    );
    assert_eq!(summary["reads"][0]["answer"]["SellerInsuranceType"], "Yes");
    Ok(())
}

#[tokio::test]
async fn a_missing_permission_is_recorded_and_not_retried() -> TestResult {
    let (receiver, apis) = connected(Some(CLIENT_WITHOUT_CASES_READ)).await?;
    let event = flow_event(
        "PublicationChanged",
        json!({ "CaseId": 12, "PublicationId": 3, "Type": 1 }),
    );
    assert_eq!(deliver_connected(&receiver, &apis, &event).await?, 200);

    let summary = reads_made(&receiver, &apis, 1).await?;
    let read = &summary["reads"][0];
    assert_eq!(read["status"], 403);
    assert_eq!(read["tries"], 1);
    assert_eq!(
        read["answer"]["MissingPermissions"],
        json!(["Cases - Read"])
    );
    let conditions = calls(&apis)
        .iter()
        .filter(|call| call.starts_with("GET /flow/api/Conditions/Properties/12"))
        .count();
    assert_eq!(conditions, 1);
    Ok(())
}

#[tokio::test]
async fn a_throttled_read_is_tried_again_after_the_wait_flow_names() -> TestResult {
    let (receiver, apis) = connected(None).await?;
    apis.state()
        .set_conditions(hooksim_simulator::api::ApiConditions {
            rate_limited: true,
            ..Default::default()
        });
    let event = flow_event("SettlementStatusChanged", json!({ "CaseId": 77 }));
    assert_eq!(deliver_connected(&receiver, &apis, &event).await?, 200);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !calls(&apis).iter().any(|call| call.ends_with("-> 429")) {
        assert!(std::time::Instant::now() < deadline, "{:?}", calls(&apis));
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    apis.state()
        .set_conditions(hooksim_simulator::api::ApiConditions::default());

    let summary = reads_made(&receiver, &apis, 1).await?;
    let read = &summary["reads"][0];
    assert_eq!(read["status"], 200);
    assert_eq!(read["tries"], 2);
    assert_eq!(
        calls(&apis),
        [
            "POST /flow/authtoken -> 200",
            "GET /flow/api/Properties/77/SettlementStatuses -> 429",
            "GET /flow/api/Properties/77/SettlementStatuses -> 200",
        ]
    );
    Ok(())
}

#[tokio::test]
async fn wrong_client_credentials_are_refused_at_connect() -> TestResult {
    let receiver = start_default_receiver().await?;
    let apis = ProviderApis::start("127.0.0.1:0".parse()?).await?;
    let client_id = apis.state().credentials().client_id;
    let (status, answer) = connect(&receiver, &apis, &client_id, "not-the-secret").await?;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["api_status"], 400, "{answer}");
    assert_eq!(answer["api_answer"]["error"], "invalid_client", "{answer}");

    let never_connected = format!("/flow/connections/{}", apis.connection());
    let event = flow_event("CaseSold", json!({ "CaseId": 1 }));
    let response = post_json(
        &receiver,
        &never_connected,
        event.to_string().as_bytes(),
        &[],
    )
    .await?;
    assert_eq!(response.status(), 404);
    Ok(())
}

#[tokio::test]
async fn a_connect_request_without_credentials_is_400() -> TestResult {
    let receiver = start_default_receiver().await?;
    for body in [
        json!({ "api": "http://127.0.0.1:9" }),
        json!({ "api": "ftp://x", "client_id": "a", "client_secret": "b" }),
        json!({ "api": "http://127.0.0.1:9", "client_id": "a", "client_secret": "b", "connection": "../x" }),
    ] {
        let response =
            post_json(&receiver, "/flow/connect", body.to_string().as_bytes(), &[]).await?;
        assert_refused(response, 400, &body).await?;
    }
    Ok(())
}
