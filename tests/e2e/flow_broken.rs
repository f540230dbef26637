//! Receivers that each get one Flow rule wrong, as a customer might. Pointed
//! at them with `--target flow=URL`, the Flow suite must fail exactly those
//! rules, by name; against the reference receiver it must pass.

use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::json;

use crate::assert_suite_passes_against_the_reference_receiver;
use crate::receivers::{failed_rules, json, rules, run_suite_against, serve};

const ROUTE: &str = "/webhooks/flow";

/// Every EventType the seed documents (both DynamicSaleTextChanged forms share one).
const DOCUMENTED_EVENT_TYPES: [&str; 21] = [
    "AppropriationDateChanged",
    "CaseStatusChanged",
    "CaseSold",
    "PublicationChanged",
    "OppdragCreated",
    "InteressentCreated",
    "InteressentChanged",
    "InteressentDeleted",
    "AktivitetCreated",
    "AktivitetChanged",
    "AktivitetDeleted",
    "SettlementStatusChanged",
    "SellerInsuranceChanged",
    "MarketingPackageChanged",
    "ChecklistItemChecked",
    "EmployeeChanged",
    "OfficeChanged",
    "DynamicSaleTextChanged",
    "HyperlinkChanged",
    "ActivityParticipantCreated",
    "ActivityParticipantDeleted",
];

/// The rules whose scenarios connect the receiver to Flow's API
/// (`POST /flow/connect`) and expect the reads that follow. A receiver
/// without that endpoint, as every delivery-only receiver here, fails them
/// all besides the rule it gets wrong.
const API_RULES: [&str; 9] = [
    "flow/api-case-status-read-back",
    "flow/api-missing-permission-not-retried",
    "flow/api-published-price-read-back",
    "flow/api-rate-limit-waited-out",
    "flow/api-sale-text-header",
    "flow/api-sale-text-reload",
    "flow/api-seller-insurance-read-back",
    "flow/api-settlement-status-read-back",
    "flow/api-transfer-date-read-back",
];

/// `names` and the [`API_RULES`], as [`failed_rules`] reports them.
fn with_api_rules(names: &[&str]) -> std::collections::BTreeSet<String> {
    let mut all = rules(names);
    all.extend(rules(&API_RULES));
    all
}

/// `hooksim run scenarios/flow --target flow=URL`: exit code and console output.
fn run_flow_suite_against(url: &str) -> (Option<i32>, String) {
    run_suite_against(&["scenarios/flow"], &format!("flow={url}"), &[])
}

#[test]
fn the_flow_suite_passes_against_the_reference_receiver() {
    let out = assert_suite_passes_against_the_reference_receiver("scenarios/flow");
    assert!(
        out.contains("PASS flow/every-event-acknowledged  (22 steps, 22 attempts)"),
        "{out}"
    );
}

#[test]
fn a_receiver_that_requires_payload_case_id_fails_the_shape_rules() {
    let router = Router::new().route(
        ROUTE,
        post(|body: Bytes| async move {
            // The mistake: every Payload is taken to be an object with a CaseId.
            let event = json(&body);
            if event["Payload"]["CaseId"].is_u64() {
                StatusCode::OK
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }),
    );
    let (url, _runtime) = serve(router, ROUTE);
    let (code, out) = run_flow_suite_against(&url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        with_api_rules(&[
            "flow/array-payload",
            "flow/every-event-acknowledged",
            "flow/payload-without-case-id",
            // Boundary ids (negative, beyond u64) are still Flow's integers.
            "flow/strange-but-valid",
        ]),
        "{out}"
    );
    assert!(
        out.contains("expected acknowledged: true, got false"),
        "{out}"
    );
}

#[test]
fn a_receiver_that_refuses_unknown_event_types_fails_forward_compatibility() {
    let router = Router::new().route(
        ROUTE,
        post(|body: Bytes| async move {
            // The mistake: a closed list of event types, anything else is an error.
            let event = json(&body);
            let known = event["EventType"]
                .as_str()
                .is_some_and(|t| DOCUMENTED_EVENT_TYPES.contains(&t));
            if known {
                StatusCode::OK
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }),
    );
    let (url, _runtime) = serve(router, ROUTE);
    let (code, out) = run_flow_suite_against(&url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        with_api_rules(&["flow/unknown-event-types-acknowledged"]),
        "{out}"
    );
    assert!(out.contains("rejected 500"), "{out}");
}

/// `hooksim run` of the settlement read-back scenario with `--target target`.
fn run_read_back_scenario_against(target: &str) -> (Option<i32>, String) {
    run_suite_against(
        &["scenarios/flow/api-settlement-status-read-back.yaml"],
        target,
        &[],
    )
}

#[test]
fn a_receiver_that_acknowledges_but_never_reads_back_fails_the_read_back_rule() {
    // The mistake: the event is taken for the news itself. Connecting
    // succeeds and every delivery gets its 200, but nothing is ever read
    // from Flow, so the new settlement status is never learnt.
    let router = Router::new()
        .route(
            "/flow/connect",
            post(|| async { Json(json!({ "connected": true })) }),
        )
        .route(ROUTE, post(|| async { StatusCode::OK }));
    let (url, _runtime) = serve(router, ROUTE);
    let (code, out) = run_read_back_scenario_against(&format!("flow={url}"));
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        rules(&["flow/api-settlement-status-read-back"]),
        "{out}"
    );
    assert!(out.contains("expected calls: 1, got 0"), "{out}");
}

#[test]
fn the_same_scenario_passes_against_the_reference_receiver_pointed_at_directly() {
    // The reference receiver as a customer's would be passed in: the
    // connect probe, the delivery and the read all go to one origin.
    let router = hooksim_receiver::router(hooksim_receiver::ReceiverConfig::default());
    let (url, _runtime) = serve(router, "");
    let (code, out) = run_read_back_scenario_against(&url);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("1 passed, 0 failed"), "{out}");
}
