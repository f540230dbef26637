//! `POST /propertyfinder` (PF Expert, unsigned) and `POST
//! /propertyfinder-atlas[/signed]` (Enterprise API): tolerance, dedupe, order,
//! and the signed subscription's refusals.

use hooksim_receiver::{AtlasConfig, ReceiverConfig, ReceiverError, RunningReceiver};
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::providers::Provider;
use hooksim_simulator::providers::propertyfinder::PropertyFinder;
use hooksim_simulator::providers::propertyfinder_atlas::PropertyFinderAtlas;
use serde_json::{Value, json};

use crate::{
    TestResult, assert_refused, get_json, post_json, sign, start_with, wait_for_count,
    wait_for_json, wait_until_stored,
};

const SECRET: &str = "atlas-secret-1234";

const PF_PROBE: &str = "/propertyfinder/notifications";
const SIGNED: &str = "/propertyfinder-atlas/signed";
const SIGNED_PROBE: &str = "/propertyfinder-atlas/signed/events";
const UNSIGNED: &str = "/propertyfinder-atlas";
const UNSIGNED_PROBE: &str = "/propertyfinder-atlas/events";

/// A receiver whose signed Atlas subscription trusts exactly `secrets`.
async fn start_with_atlas_secrets(secrets: &[&str]) -> TestResult<RunningReceiver> {
    start_with(ReceiverConfig {
        propertyfinder_atlas: AtlasConfig {
            trusted_secrets: secrets.iter().map(|s| s.to_string()).collect(),
        },
        ..ReceiverConfig::default()
    })
    .await
}

async fn post(
    receiver: &RunningReceiver,
    path: &str,
    body: &[u8],
    signature: Option<&str>,
) -> TestResult<reqwest::Response> {
    let signature: Vec<(&str, &str)> = signature
        .map(|signature| ("X-Signature", signature))
        .into_iter()
        .collect();
    post_json(receiver, path, body, &signature).await
}

async fn status(
    receiver: &RunningReceiver,
    path: &str,
    body: &[u8],
    signature: Option<&str>,
) -> TestResult<u16> {
    Ok(post(receiver, path, body, signature)
        .await?
        .status()
        .as_u16())
}

fn bytes(value: &Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

fn notification(event: &str, client: u64, id: u64, sub_namespace: Value) -> Value {
    let namespace = event.split('.').next().unwrap_or_default();
    json!({
        "event": event,
        "client": client,
        "concept": {"id": id, "namespace": namespace, "sub_namespace": sub_namespace},
    })
}

fn atlas_event(id: &str, event_type: &str) -> Value {
    json!({
        "id": id,
        "type": event_type,
        "timestamp": "2025-05-01T08:30:00Z",
        "entity": {"id": "12345678", "type": "lead"},
        "payload": {"sender": {"name": "Fatima Khan", "phone": "+971501234567"}},
    })
}

// PF Expert

#[tokio::test]
async fn every_pf_expert_event_from_the_catalogue_is_acknowledged_and_stored() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    for (seed, spec) in PropertyFinder.events().iter().enumerate() {
        let body = PropertyFinder.build(spec.name, &mut seeded_rng(seed as u64))?;
        assert_eq!(
            status(&receiver, "/propertyfinder", &bytes(&body), None).await?,
            200,
            "{body}"
        );
    }
    let count = PropertyFinder.events().len() as u64;
    let summary = wait_for_count(&receiver, PF_PROBE, count).await?;
    assert_eq!(summary["duplicates_ignored"], 0);
    Ok(())
}

#[tokio::test]
async fn a_null_or_missing_sub_namespace_is_tolerated() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    let null = notification("property.new", 9999, 888_999, Value::Null);
    let mut missing = notification("lead.new", 434, 1_001, Value::Null);
    missing["concept"]
        .as_object_mut()
        .ok_or("concept is an object")?
        .remove("sub_namespace");
    for body in [null, missing] {
        assert_eq!(
            status(&receiver, "/propertyfinder", &bytes(&body), None).await?,
            200
        );
    }
    wait_until_stored(&receiver, PF_PROBE, "property.new:9999:888999").await?;
    wait_until_stored(&receiver, PF_PROBE, "lead.new:434:1001").await?;
    Ok(())
}

#[tokio::test]
async fn a_repeated_notification_is_acknowledged_and_stored_once() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    let body = bytes(&notification("lead.assigned", 434, 77, json!("buyer")));
    for _ in 0..2 {
        assert_eq!(
            status(&receiver, "/propertyfinder", &body, None).await?,
            200
        );
    }
    let summary = wait_for_json(&receiver, PF_PROBE, |s| s["duplicates_ignored"] == 1).await?;
    assert_eq!(
        summary,
        json!({"count": 1, "ids": ["lead.assigned:434:77"], "duplicates_ignored": 1})
    );
    Ok(())
}

#[tokio::test]
async fn an_update_that_overtakes_its_creation_is_kept() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    let updated = bytes(&notification("lead.updated", 434, 4242, Value::Null));
    let created = bytes(&notification("lead.new", 434, 4242, Value::Null));
    assert_eq!(
        status(&receiver, "/propertyfinder", &updated, None).await?,
        200
    );
    wait_until_stored(&receiver, PF_PROBE, "lead.updated:434:4242").await?;
    assert_eq!(
        status(&receiver, "/propertyfinder", &created, None).await?,
        200
    );
    let summary = wait_until_stored(&receiver, PF_PROBE, "lead.new:434:4242").await?;
    assert_eq!(
        summary["ids"],
        json!(["lead.updated:434:4242", "lead.new:434:4242"])
    );
    assert_eq!(summary["duplicates_ignored"], 0);
    Ok(())
}

#[tokio::test]
async fn the_same_event_for_other_clients_or_concepts_is_not_a_duplicate() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    for (client, id) in [(1, 10), (2, 10), (1, 11)] {
        let body = bytes(&notification("property.status", client, id, json!("sale")));
        assert_eq!(
            status(&receiver, "/propertyfinder", &body, None).await?,
            200
        );
    }
    let summary = wait_for_count(&receiver, PF_PROBE, 3).await?;
    assert_eq!(summary["duplicates_ignored"], 0);
    Ok(())
}

#[tokio::test]
async fn unknown_events_and_attributes_are_acknowledged() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    // The doc's own example event, not in its list: a known family, so kept.
    let undocumented = notification("property.updated", 9999, 888_999, Value::Null);
    // A family nobody knows: acknowledged, not stored.
    let unknown_family = notification("viewing.new", 9999, 5, json!("onsite"));
    let mut extended = notification("transaction.won", 9999, 6, json!("rent"));
    extended["version"] = json!(3);
    extended["concept"]["url"] = json!("https://example.invalid/transactions/6");
    for body in [&undocumented, &unknown_family, &extended] {
        assert_eq!(
            status(&receiver, "/propertyfinder", &bytes(body), None).await?,
            200,
            "{body}"
        );
    }
    let summary = wait_for_count(&receiver, PF_PROBE, 2).await?;
    // Background tasks may finish in either order.
    let mut stored: Vec<&str> = summary["ids"]
        .as_array()
        .ok_or("ids is a list")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    stored.sort_unstable();
    assert_eq!(
        stored,
        ["property.updated:9999:888999", "transaction.won:9999:6"]
    );
    Ok(())
}

#[tokio::test]
async fn a_body_that_is_not_a_notification_is_400() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    let not_notifications: [&[u8]; 5] = [
        b"not json",
        // The doc example's wrapper, made valid JSON: still not the documented body.
        br#"{"property":{"event":"property.updated","client":9999,"concept":{"id":888999,"namespace":"property","sub_namespace":null}}}"#,
        br#"{"event":"lead.new","client":434}"#,
        br#"{"event":"lead.new","client":"434","concept":{"id":1,"namespace":"lead"}}"#,
        br#"{"event":"lead.new","client":434,"concept":{"id":1.5,"namespace":"lead"}}"#,
    ];
    for body in not_notifications {
        let response = post(&receiver, "/propertyfinder", body, None).await?;
        assert_refused(response, 400, String::from_utf8_lossy(body)).await?;
    }
    assert_eq!(get_json(&receiver, PF_PROBE).await?["count"], 0);
    Ok(())
}

// Atlas

#[tokio::test]
async fn every_atlas_event_from_the_catalogue_is_acknowledged_on_both_routes() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    for (seed, spec) in PropertyFinderAtlas.events().iter().enumerate() {
        let body = bytes(&PropertyFinderAtlas.build(spec.name, &mut seeded_rng(seed as u64))?);
        assert_eq!(
            status(&receiver, SIGNED, &body, Some(&sign(SECRET, &body))).await?,
            200,
            "{}",
            spec.name
        );
        assert_eq!(
            status(&receiver, UNSIGNED, &body, None).await?,
            200,
            "{}",
            spec.name
        );
    }
    let count = PropertyFinderAtlas.events().len() as u64;
    wait_for_count(&receiver, SIGNED_PROBE, count).await?;
    wait_for_count(&receiver, UNSIGNED_PROBE, count).await?;
    Ok(())
}

#[tokio::test]
async fn the_signed_route_refuses_missing_wrong_and_malformed_signatures() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    let body = bytes(&atlas_event("lead.created_forged", "lead.created"));
    let good = sign(SECRET, &body);
    let tampered = String::from_utf8(body.clone())?.replace("Fatima", "Mallory");

    let cases: [(&[u8], Option<String>); 7] = [
        (&body, None),
        (&body, Some(sign("not-our-secret", &body))),
        (&body, Some(String::new())),
        (&body, Some("z".repeat(64))),
        (&body, Some(good[..62].to_owned())),
        (&body, Some(good.to_uppercase() + "00")),
        (tampered.as_bytes(), Some(good.clone())),
    ];
    for (sent, signature) in cases {
        let response = post(&receiver, SIGNED, sent, signature.as_deref()).await?;
        assert_refused(response, 401, format!("X-Signature: {signature:?}")).await?;
    }

    // Nothing forged was stored: a valid marker arrives alone.
    let marker = bytes(&atlas_event("lead.created_marker", "lead.created"));
    assert_eq!(
        status(&receiver, SIGNED, &marker, Some(&sign(SECRET, &marker))).await?,
        200
    );
    let summary = wait_until_stored(&receiver, SIGNED_PROBE, "lead.created_marker").await?;
    assert_eq!(summary["ids"], json!(["lead.created_marker"]));
    Ok(())
}

#[tokio::test]
async fn the_signed_route_accepts_any_trusted_secret_and_uppercase_hex() -> TestResult {
    let receiver = start_with_atlas_secrets(&["old-secret", "new-secret"]).await?;
    for (id, secret) in [("a_1", "old-secret"), ("a_2", "new-secret")] {
        let body = bytes(&atlas_event(id, "user.updated"));
        assert_eq!(
            status(&receiver, SIGNED, &body, Some(&sign(secret, &body))).await?,
            200,
            "{secret}"
        );
    }
    let body = bytes(&atlas_event("a_3", "user.updated"));
    let upper = sign("new-secret", &body).to_uppercase();
    assert_eq!(status(&receiver, SIGNED, &body, Some(&upper)).await?, 200);
    Ok(())
}

#[tokio::test]
async fn a_receiver_without_secrets_refuses_every_signed_delivery() -> TestResult {
    let receiver = start_with_atlas_secrets(&[]).await?;
    let body = bytes(&atlas_event("lead.created_1", "lead.created"));
    assert_eq!(
        status(&receiver, SIGNED, &body, Some(&sign("", &body))).await?,
        401
    );
    // The unsigned subscription does not depend on secrets.
    assert_eq!(status(&receiver, UNSIGNED, &body, None).await?, 200);
    Ok(())
}

#[tokio::test]
async fn the_unsigned_route_accepts_without_a_signature_into_its_own_store() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    let body = bytes(&atlas_event("listing.published_1", "listing.published"));
    assert_eq!(status(&receiver, UNSIGNED, &body, None).await?, 200);
    wait_until_stored(&receiver, UNSIGNED_PROBE, "listing.published_1").await?;
    assert_eq!(get_json(&receiver, SIGNED_PROBE).await?["count"], 0);
    Ok(())
}

#[tokio::test]
async fn an_atlas_event_is_stored_once_per_id() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    let first = bytes(&atlas_event("lead.created_dup", "lead.created"));
    let mut resent = atlas_event("lead.created_dup", "lead.created");
    resent["timestamp"] = json!("2025-05-01T08:31:00Z");
    let resent = bytes(&resent);
    for body in [&first, &first, &resent] {
        assert_eq!(
            status(&receiver, SIGNED, body, Some(&sign(SECRET, body))).await?,
            200
        );
    }
    let summary = wait_for_json(&receiver, SIGNED_PROBE, |s| s["duplicates_ignored"] == 2).await?;
    assert_eq!(
        summary,
        json!({"count": 1, "ids": ["lead.created_dup"], "duplicates_ignored": 2})
    );
    Ok(())
}

#[tokio::test]
async fn unknown_atlas_types_and_attributes_are_acknowledged() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    let unknown = bytes(&atlas_event("project.launched_1", "project.launched"));
    let mut extended = atlas_event("lead.updated_1", "lead.updated");
    extended["version"] = json!(2);
    extended["entity"]["url"] = json!("https://example.invalid/leads/1");
    extended["payload"]["score"] = json!(0.8);
    let extended = bytes(&extended);
    for body in [&unknown, &extended] {
        assert_eq!(
            status(&receiver, SIGNED, body, Some(&sign(SECRET, body))).await?,
            200
        );
    }
    let summary = wait_until_stored(&receiver, SIGNED_PROBE, "lead.updated_1").await?;
    assert_eq!(
        summary["ids"],
        json!(["lead.updated_1"]),
        "unknown types are not stored"
    );
    Ok(())
}

#[tokio::test]
async fn a_body_that_is_not_an_atlas_event_is_400_once_trusted() -> TestResult {
    let receiver = start_with_atlas_secrets(&[SECRET]).await?;
    let not_events: [&[u8]; 3] = [
        b"not json",
        br#"{"type":"lead.created","payload":{}}"#,
        br#"{"id":7,"type":"lead.created"}"#,
    ];
    for body in not_events {
        let signed = post(&receiver, SIGNED, body, Some(&sign(SECRET, body))).await?;
        assert_eq!(signed.status(), 400, "{}", String::from_utf8_lossy(body));
        assert_eq!(status(&receiver, UNSIGNED, body, None).await?, 400);
        // Unsigned, it never reaches the parser on the signed route.
        assert_eq!(
            status(&receiver, SIGNED, body, Some(&sign("forger", body))).await?,
            401
        );
    }
    Ok(())
}

#[tokio::test]
async fn an_empty_atlas_secret_does_not_start() -> TestResult {
    let result = start_with_atlas_secrets(&["good", ""]).await;
    assert!(matches!(
        result,
        Err(e) if matches!(
            e.downcast_ref::<ReceiverError>(),
            Some(ReceiverError::EmptyTrustedKey { provider: "propertyfinder-atlas" })
        )
    ));
    Ok(())
}

// Connecting through the provider APIs (hooksim's PF Expert and Atlas APIs)

mod connect {
    use std::net::SocketAddr;

    use hooksim_receiver::{ReceiverConfig, RunningReceiver};
    use hooksim_simulator::api::{Credentials, ProviderApis, Registration};
    use hooksim_simulator::providers::ProviderId;
    use serde_json::{Value, json};

    use crate::{TestResult, client, get_json, post_json, sign, start_with, wait_for_count};

    async fn start_apis() -> TestResult<ProviderApis> {
        Ok(ProviderApis::start(SocketAddr::from(([127, 0, 0, 1], 0))).await?)
    }

    async fn start_receiver() -> TestResult<RunningReceiver> {
        start_with(ReceiverConfig::default()).await
    }

    /// POSTs `body` to the receiver's `path`: its status and JSON answer.
    async fn ask(receiver: &RunningReceiver, path: &str, body: &Value) -> TestResult<(u16, Value)> {
        let response = post_json(receiver, path, body.to_string().as_bytes(), &[]).await?;
        let status = response.status().as_u16();
        Ok((status, serde_json::from_slice(&response.bytes().await?)?))
    }

    /// Delivers `body` to a registration, as the provider would.
    async fn deliver(
        registration: &Registration,
        body: &[u8],
        signature: Option<&str>,
    ) -> TestResult<u16> {
        let mut request = client()?
            .post(&registration.url)
            .header("Content-Type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("X-Signature", signature);
        }
        Ok(request.send().await?.status().as_u16())
    }

    /// Connect with the scenario's API key and `secret`.
    fn pf_connect(apis: &ProviderApis, secret: &str, connection: &str) -> Value {
        json!({
            "api": apis.base_url(ProviderId::PropertyFinder),
            "api_key": Credentials::default().client_id,
            "api_secret": secret,
            "connection": connection,
            "events": ["lead.new", "lead.updated"],
        })
    }

    fn atlas_connect(apis: &ProviderApis, connection: &str, secret: Option<&str>) -> Value {
        let credentials = Credentials::default();
        let mut body = json!({
            "api": apis.base_url(ProviderId::PropertyFinderAtlas),
            "api_key": credentials.client_id,
            "api_secret": credentials.client_secret,
            "connection": connection,
            "events": ["lead.created"],
        });
        if let Some(secret) = secret {
            body["secret"] = Value::from(secret);
        }
        body
    }

    const LEAD: &[u8] = br#"{"event":"lead.new","client":434,"concept":{"id":7,"namespace":"lead","sub_namespace":null}}"#;
    const ATLAS_LEAD: &[u8] = br#"{"id":"lead.created_1","type":"lead.created","timestamp":"2025-05-01T08:30:00Z","entity":{"id":"1","type":"lead"},"payload":{}}"#;

    #[tokio::test]
    async fn pf_expert_connect_registers_a_hook_per_event_and_disconnect_deletes_them() -> TestResult
    {
        let apis = start_apis().await?;
        let receiver = start_receiver().await?;
        let secret = Credentials::default().client_secret;

        let (status, answer) = ask(
            &receiver,
            "/propertyfinder/connect",
            &pf_connect(&apis, &secret, "c1"),
        )
        .await?;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["registered"], true);
        assert_eq!(answer["id"], "223443");
        assert_eq!(
            answer["hooks"],
            json!([{"event": "lead.new", "id": "223443"}, {"event": "lead.updated", "id": "223444"}])
        );
        let hooks = apis.state().registrations(ProviderId::PropertyFinder);
        let expected_url = format!("{}/propertyfinder/connections/c1", receiver.base_url());
        assert!(
            hooks.iter().all(|h| h.url == expected_url && h.active),
            "{hooks:?}"
        );

        assert_eq!(deliver(&hooks[0], LEAD, None).await?, 200);
        wait_for_count(&receiver, "/propertyfinder/connections/c1/notifications", 1).await?;
        assert_eq!(
            get_json(&receiver, "/propertyfinder/notifications").await?["count"],
            0
        );

        let (status, answer) = ask(
            &receiver,
            "/propertyfinder/disconnect",
            &json!({"connection": "c1"}),
        )
        .await?;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["registered"], false);
        assert!(
            apis.state()
                .registrations(ProviderId::PropertyFinder)
                .is_empty()
        );
        assert_eq!(deliver(&hooks[0], LEAD, None).await?, 404);
        let calls: Vec<String> = apis
            .state()
            .journal()
            .iter()
            .map(|c| format!("{} {} {}", c.method, c.path, c.status))
            .collect();
        assert_eq!(
            calls,
            [
                "POST /auth/oauth/v1/token 200",
                "POST /hooks 201",
                "POST /hooks 201",
                "POST /auth/oauth/v1/token 200",
                "DELETE /hooks/223443 204",
                "DELETE /hooks/223444 204"
            ]
        );
        Ok(())
    }

    #[tokio::test]
    async fn pf_expert_connect_reports_the_apis_refusal() -> TestResult {
        let apis = start_apis().await?;
        let receiver = start_receiver().await?;
        let (status, answer) = ask(
            &receiver,
            "/propertyfinder/connect",
            &pf_connect(&apis, "wrong", "c2"),
        )
        .await?;
        assert_eq!(status, 502, "{answer}");
        assert_eq!(answer["registered"], false);
        assert_eq!(answer["api_status"], 401);
        assert_eq!(answer["api_answer"]["error"], "invalid_client");
        assert!(
            apis.state()
                .journal()
                .iter()
                .all(|call| call.path == "/auth/oauth/v1/token"),
            "no hook is asked for without a token"
        );

        // A token is not a key pair: the old way to connect is refused.
        let (status, answer) = ask(
            &receiver,
            "/propertyfinder/connect",
            &json!({"api": "http://x", "token": "x"}),
        )
        .await?;
        assert_eq!(
            (status, answer["registered"].clone()),
            (400, json!(false)),
            "{answer}"
        );
        let bad_name = pf_connect(&apis, "x", "a/b");
        assert_eq!(
            ask(&receiver, "/propertyfinder/connect", &bad_name)
                .await?
                .0,
            400
        );
        Ok(())
    }

    #[tokio::test]
    async fn pf_expert_connect_reads_only_the_hook_id_so_the_docs_typo_is_harmless() -> TestResult {
        let apis = start_apis().await?;
        let receiver = start_receiver().await?;
        let mut body = pf_connect(&apis, &Credentials::default().client_secret, "c3");
        // Tokens come from the auth host, which is not where the hooks are.
        body["auth"] = json!(apis.base_url(ProviderId::PropertyFinder));
        body["api"] = json!(format!(
            "{}/quirks/event-key-typo",
            apis.base_url(ProviderId::PropertyFinder)
        ));
        let (status, answer) = ask(&receiver, "/propertyfinder/connect", &body).await?;
        assert_eq!(
            (status, answer["registered"].clone()),
            (200, json!(true)),
            "{answer}"
        );
        assert_eq!(
            apis.state().registrations(ProviderId::PropertyFinder).len(),
            2
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_delivery_to_a_connection_never_made_is_404() -> TestResult {
        let receiver = start_receiver().await?;
        for path in [
            "/propertyfinder/connections/nobody",
            "/propertyfinder-atlas/connections/nobody",
        ] {
            let response = post_json(&receiver, path, LEAD, &[]).await?;
            assert_eq!(response.status(), 404, "{path}");
        }
        let (status, _) = ask(
            &receiver,
            "/propertyfinder/disconnect",
            &json!({"connection": "nobody"}),
        )
        .await?;
        assert_eq!(status, 404);
        Ok(())
    }

    #[tokio::test]
    async fn atlas_connect_with_a_secret_demands_its_signature() -> TestResult {
        let apis = start_apis().await?;
        let receiver = start_receiver().await?;
        let secret = "connection-secret-1";
        let (status, answer) = ask(
            &receiver,
            "/propertyfinder-atlas/connect",
            &atlas_connect(&apis, "s1", Some(secret)),
        )
        .await?;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            (answer["registered"].clone(), answer["signed"].clone()),
            (json!(true), json!(true))
        );
        assert_eq!(answer["events"], json!(["lead.created"]));
        let subscriptions = apis.state().registrations(ProviderId::PropertyFinderAtlas);
        assert_eq!(subscriptions.len(), 1);
        assert_eq!(subscriptions[0].secret.as_deref(), Some(secret));
        let subscription = &subscriptions[0];

        assert_eq!(deliver(subscription, ATLAS_LEAD, None).await?, 401);
        assert_eq!(
            deliver(
                subscription,
                ATLAS_LEAD,
                Some(&sign("hooksim-test-secret", ATLAS_LEAD))
            )
            .await?,
            401
        );
        assert_eq!(
            deliver(subscription, ATLAS_LEAD, Some(&sign(secret, ATLAS_LEAD))).await?,
            200
        );
        wait_for_count(&receiver, "/propertyfinder-atlas/connections/s1/events", 1).await?;

        // Connecting again: the API answers 409, which counts as subscribed.
        let (status, answer) = ask(
            &receiver,
            "/propertyfinder-atlas/connect",
            &atlas_connect(&apis, "s1", Some(secret)),
        )
        .await?;
        assert_eq!(
            (status, answer["registered"].clone()),
            (200, json!(true)),
            "{answer}"
        );
        assert!(
            apis.state()
                .journal()
                .iter()
                .any(|c| c.path == "/v1/webhooks" && c.status == 409),
            "the second subscription was a conflict"
        );
        assert_eq!(
            apis.state()
                .registrations(ProviderId::PropertyFinderAtlas)
                .len(),
            1
        );

        let (status, _) = ask(
            &receiver,
            "/propertyfinder-atlas/disconnect",
            &json!({"connection": "s1"}),
        )
        .await?;
        assert_eq!(status, 200);
        assert!(
            apis.state()
                .registrations(ProviderId::PropertyFinderAtlas)
                .is_empty()
        );
        Ok(())
    }

    #[tokio::test]
    async fn atlas_connect_without_a_secret_takes_unsigned_deliveries() -> TestResult {
        let apis = start_apis().await?;
        let receiver = start_receiver().await?;
        let (status, answer) = ask(
            &receiver,
            "/propertyfinder-atlas/connect",
            &atlas_connect(&apis, "u1", None),
        )
        .await?;
        assert_eq!(
            (status, answer["signed"].clone()),
            (200, json!(false)),
            "{answer}"
        );
        let subscriptions = apis.state().registrations(ProviderId::PropertyFinderAtlas);
        assert!(subscriptions[0].secret.is_none());
        assert_eq!(deliver(&subscriptions[0], ATLAS_LEAD, None).await?, 200);
        wait_for_count(&receiver, "/propertyfinder-atlas/connections/u1/events", 1).await?;
        Ok(())
    }

    #[tokio::test]
    async fn atlas_connect_reports_a_refused_secret_and_keeps_nothing() -> TestResult {
        let apis = start_apis().await?;
        let receiver = start_receiver().await?;
        let too_long = "x".repeat(33);
        let (status, answer) = ask(
            &receiver,
            "/propertyfinder-atlas/connect",
            &atlas_connect(&apis, "l1", Some(&too_long)),
        )
        .await?;
        assert_eq!(status, 502, "{answer}");
        assert_eq!(answer["api_status"], 422);
        assert!(
            answer["api_answer"]["detail"]
                .as_str()
                .is_some_and(|d| d.contains("32")),
            "{answer}"
        );
        assert!(
            apis.state()
                .registrations(ProviderId::PropertyFinderAtlas)
                .is_empty()
        );
        let response = post_json(
            &receiver,
            "/propertyfinder-atlas/connections/l1",
            ATLAS_LEAD,
            &[],
        )
        .await?;
        assert_eq!(
            response.status(),
            404,
            "a refused connect leaves no connection behind"
        );

        let mut wrong_key = atlas_connect(&apis, "l2", None);
        wrong_key["api_secret"] = json!("guess");
        let (status, answer) = ask(&receiver, "/propertyfinder-atlas/connect", &wrong_key).await?;
        assert_eq!(
            (status, answer["api_status"].clone()),
            (502, json!(401)),
            "{answer}"
        );
        Ok(())
    }
}
