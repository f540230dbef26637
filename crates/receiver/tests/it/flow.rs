//! `POST /flow`: every documented event shape, tolerance, dedupe without an
//! event id, and the reads each event queues.

use hooksim_receiver::RunningReceiver;
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::providers::Provider;
use hooksim_simulator::providers::flow::Flow;
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
