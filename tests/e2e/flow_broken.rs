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
        // The API scenarios are skipped (no `flow.api`), not failed.
        rules(&[
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
        rules(&["flow/unknown-event-types-acknowledged"]),
        "{out}"
    );
    assert!(out.contains("rejected 500"), "{out}");
}

/// `hooksim run` of the settlement read-back scenario with `--target target`
/// and `extra` arguments.
fn run_read_back_scenario_against(target: &str, extra: &[&str]) -> (Option<i32>, String) {
    run_suite_against(
        &["scenarios/flow/api-settlement-status-read-back.yaml"],
        target,
        extra,
    )
}

#[test]
fn a_receiver_that_acknowledges_but_never_reads_back_fails_the_read_back_rule() {
    // The mistake: the event is taken for the news itself. Every delivery
    // gets its 200, but nothing is ever read from Flow, so the new
    // settlement status is never learnt. It says it was started with this
    // run's Flow API (`flow.api`).
    let router = Router::new().route(ROUTE, post(|| async { StatusCode::OK }));
    let (url, _runtime) = serve(router, ROUTE);
    let port = crate::receivers::free_port();
    let api_addr = format!("127.0.0.1:{port}");
    let api = format!("flow.api=http://{api_addr}/flow");
    let (code, out) = run_read_back_scenario_against(
        &format!("flow={url}"),
        &["--api-addr", &api_addr, "--set", &api],
    );
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        rules(&["flow/api-settlement-status-read-back"]),
        "{out}"
    );
    assert!(out.contains("expected calls: 1, got 0"), "{out}");
}

#[test]
fn without_the_api_setting_the_read_back_rule_is_skipped_saying_how_to_run_it() {
    // The reference receiver pointed at as a customer's would be: hooksim
    // cannot know how it meets Flow's API, so the scenario says what to set.
    let router = hooksim_receiver::router(hooksim_receiver::ReceiverConfig::default());
    let (url, _runtime) = serve(router, "");
    let (code, out) = run_read_back_scenario_against(&url, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("0 passed, 0 failed, 1 skipped"), "{out}");
    assert!(
        out.contains("SKIP flow/api-settlement-status-read-back  (needs flow.api)"),
        "{out}"
    );
    assert!(
        out.contains("--set flow.api=http://127.0.0.1:8090/flow"),
        "{out}"
    );
}
