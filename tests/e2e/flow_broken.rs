//! Receivers that each get one Flow rule wrong, as a customer might. Pointed
//! at them with `--target flow=URL`, the Flow suite must fail exactly those
//! rules, by name; against the reference receiver it must pass.

use std::collections::BTreeSet;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use bytes::Bytes;
use serde_json::Value;

use crate::{hooksim, repo_root, snapshot_copy, stderr, stdout};

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

/// Serve `router` on a free loopback port from a runtime of its own; the
/// URL is the customer's webhook endpoint.
fn serve(router: Router) -> (String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}{ROUTE}", listener.local_addr().expect("addr"));
    runtime.spawn(async move { axum::serve(listener, router).await });
    (url, runtime)
}

/// `hooksim run scenarios/flow --target flow=URL`: exit code and console output.
fn run_flow_suite_against(url: &str) -> (Option<i32>, String) {
    let snapshots = snapshot_copy();
    let target = format!("flow={url}");
    let dir = snapshots.path().to_str().expect("utf-8 path");
    let output = hooksim(&[
        "run",
        "scenarios/flow",
        "--target",
        &target,
        "--snapshot-dir",
        dir,
    ]);
    (output.status.code(), stdout(&output))
}

/// The rules of the `FAIL rule: name` lines in the console summary.
fn failed_rules(out: &str) -> BTreeSet<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix("FAIL "))
        .filter_map(|l| l.split_whitespace().next())
        .map(|rule| rule.trim_end_matches(':').to_owned())
        .collect()
}

fn rules(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

#[test]
fn the_flow_suite_passes_against_the_reference_receiver() {
    let snapshots = snapshot_copy();
    let dir = snapshots.path().to_str().expect("utf-8 path");
    let output = hooksim(&["run", "scenarios/flow", "--snapshot-dir", dir]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}\n{}", stderr(&output));
    let scenario_count = std::fs::read_dir(repo_root().join("scenarios/flow"))
        .expect("the flow suite exists")
        .count();
    assert!(
        out.contains(&format!("{scenario_count} passed, 0 failed")),
        "{out}"
    );
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
            let event: Value = serde_json::from_slice(&body).unwrap_or_default();
            if event["Payload"]["CaseId"].is_u64() {
                StatusCode::OK
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }),
    );
    let (url, _runtime) = serve(router);
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
            let event: Value = serde_json::from_slice(&body).unwrap_or_default();
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
    let (url, _runtime) = serve(router);
    let (code, out) = run_flow_suite_against(&url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        rules(&["flow/unknown-event-types-acknowledged"]),
        "{out}"
    );
    assert!(out.contains("rejected 500"), "{out}");
}
