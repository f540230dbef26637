//! Receivers that each get one Flow rule wrong, as a customer might. Pointed
//! at them with `--target flow=URL`, the Flow suite must fail exactly those
//! rules, by name; against the reference receiver it must pass.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use bytes::Bytes;

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
        rules(&[
            "flow/array-payload",
            "flow/every-event-acknowledged",
            "flow/payload-without-case-id",
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
        rules(&["flow/unknown-event-types-acknowledged"]),
        "{out}"
    );
    assert!(out.contains("rejected 500"), "{out}");
}
