//! Receivers that each get one EverReal rule wrong, as a customer might.
//! Pointed at them with `--target everreal=URL`, the EverReal suite must fail
//! exactly those rules, by name; against the reference receiver it must pass.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use bytes::Bytes;
use serde_json::Value;

use crate::assert_suite_passes_against_the_reference_receiver;
use crate::receivers::{failed_rules, json, rules, run_suite_against, serve};

const ROUTE: &str = "/webhooks/everreal";

/// The 28 event types the seed lists and PROTOCOL_COMPLETED, which the
/// webhooks page lists beside them.
const DOCUMENTED_OPERATIONS: [&str; 29] = [
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
    "PROTOCOL_COMPLETED",
];

/// `hooksim run scenarios/everreal --target everreal=URL`: exit code and console output.
fn run_everreal_suite_against(url: &str) -> (Option<i32>, String) {
    run_suite_against(&["scenarios/everreal"], &format!("everreal={url}"), &[])
}

#[test]
fn the_everreal_suite_passes_against_the_reference_receiver() {
    let out = assert_suite_passes_against_the_reference_receiver("scenarios/everreal");
    assert!(
        out.contains("PASS everreal/every-event-acknowledged  (29 steps, 29 attempts)"),
        "{out}"
    );
}

#[test]
fn a_receiver_that_refuses_unknown_operations_fails_forward_compatibility() {
    let router = Router::new().route(
        ROUTE,
        post(|body: Bytes| async move {
            // The mistake: a closed list of event types, anything else is an error.
            let notification = json(&body);
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
    let (url, _runtime) = serve(router, ROUTE);
    let (code, out) = run_everreal_suite_against(&url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        // The API scenario is skipped (no `everreal.api`), not failed.
        rules(&["everreal/unknown-event-types-acknowledged"]),
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
            let notification = json(&body);
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
    let (url, _runtime) = serve(router, ROUTE);
    let (code, out) = run_everreal_suite_against(&url);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        failed_rules(&out).contains("everreal/documented-optional-attributes"),
        "{out}"
    );
    assert!(out.contains("rejected 422"), "{out}");
}
