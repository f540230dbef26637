//! Receivers that each get one EverReal rule wrong, as a customer might.
//! Pointed at them with `--target everreal=URL`, the EverReal suite must fail
//! exactly those rules, by name; against the reference receiver it must pass.

use std::collections::BTreeSet;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use bytes::Bytes;
use serde_json::Value;

use crate::{hooksim, repo_root, snapshot_copy, stderr, stdout};

const ROUTE: &str = "/webhooks/everreal";

/// The 28 event types the seed lists.
const DOCUMENTED_OPERATIONS: [&str; 28] = [
    "LISTING_CREATED",
    "LISTING_UPDATED",
    "LISTING_ARCHIVED",
    "LISTING_ACTIVATED",
    "LISTING_DEACTIVATED",
    "LISTING_PUBLISHED_TO_CHANNEL",
    "LISTING_UNPUBLISHED_FROM_CHANNEL",
    "CANDIDATE_PARSED",
    "LISTING_CANDIDATE_APPLIED",
    "LISTING_CANDIDATE_SCHEDULE_INVITED_VIEWING",
    "LISTING_CANDIDATE_SCHEDULE_NEW_TIMESLOTS_REQUESTED",
    "LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKED_ADMIN",
    "LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKED_CANDIDATE",
    "LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKING_REMOVED_ADMIN",
    "LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKING_REMOVED_CANDIDATE",
    "LISTING_CONTRACT_FLOW_STARTED",
    "LISTING_CONTRACT_FLOW_WITHDRAWN",
    "LISTING_CONTRACT_FLOW_PARTIALLY_SIGNED",
    "LISTING_CONTRACT_FLOW_SIGNED",
    "OWNER_CREATED",
    "OWNER_UPDATED",
    "OWNER_DELETED",
    "PROPERTY_CREATED",
    "PROPERTY_UPDATED",
    "PROPERTY_DELETED",
    "UNIT_CREATED",
    "UNIT_UPDATED",
    "UNIT_DELETED",
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

/// `hooksim run scenarios/everreal --target everreal=URL`: exit code and console output.
fn run_everreal_suite_against(url: &str) -> (Option<i32>, String) {
    let snapshots = snapshot_copy();
    let target = format!("everreal={url}");
    let dir = snapshots.path().to_str().expect("utf-8 path");
    let output = hooksim(&[
        "run",
        "scenarios/everreal",
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

#[test]
fn the_everreal_suite_passes_against_the_reference_receiver() {
    let snapshots = snapshot_copy();
    let dir = snapshots.path().to_str().expect("utf-8 path");
    let output = hooksim(&["run", "scenarios/everreal", "--snapshot-dir", dir]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}\n{}", stderr(&output));
    let scenario_count = std::fs::read_dir(repo_root().join("scenarios/everreal"))
        .expect("the everreal suite exists")
        .count();
    assert!(
        out.contains(&format!("{scenario_count} passed, 0 failed")),
        "{out}"
    );
    assert!(
        out.contains("PASS everreal/every-event-acknowledged  (28 steps, 28 attempts)"),
        "{out}"
    );
}

#[test]
fn a_receiver_that_refuses_unknown_operations_fails_forward_compatibility() {
    let router = Router::new().route(
        ROUTE,
        post(|body: Bytes| async move {
            // The mistake: a closed list of event types, anything else is an error.
            let notification: Value = serde_json::from_slice(&body).unwrap_or_default();
            let known = notification["operation"]
                .as_str()
                .is_some_and(|operation| DOCUMENTED_OPERATIONS.contains(&operation));
            if known {
                StatusCode::OK
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }),
    );
    let (url, _runtime) = serve(router);
    let (code, out) = run_everreal_suite_against(&url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        BTreeSet::from(["everreal/unknown-event-types-acknowledged".to_owned()]),
        "{out}"
    );
    assert!(out.contains("rejected 500"), "{out}");
}

#[test]
fn a_receiver_that_rejects_nulls_fails_the_optional_attributes_rule() {
    let router = Router::new().route(
        ROUTE,
        post(|body: Bytes| async move {
            // The mistake: a schema where every attribute of `data` must have a value.
            let notification: Value = serde_json::from_slice(&body).unwrap_or_default();
            let has_null = notification["data"]
                .as_object()
                .is_some_and(|data| data.values().any(Value::is_null));
            if has_null {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            }
        }),
    );
    let (url, _runtime) = serve(router);
    let (code, out) = run_everreal_suite_against(&url);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        failed_rules(&out).contains("everreal/documented-optional-attributes"),
        "{out}"
    );
    assert!(out.contains("rejected 422"), "{out}");
}
