//! Receivers that each get one Spark rule wrong, as a customer might. Pointed
//! at them with `--target spark=URL`, the Spark suite must fail those rules,
//! by name; against the reference receiver it must pass.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use bytes::Bytes;
use serde_json::Value;

use crate::{hooksim, repo_root, snapshot_copy, stderr, stdout};

const ROUTE: &str = "/webhooks/spark";

/// The `NewsFeed.Event` values Spark's news feed metadata lists.
const DOCUMENTED_EVENTS: [&str; 9] = [
    "New",
    "OpenHouse",
    "Pending",
    "PriceChange",
    "Sold",
    "BackOnMarket",
    "Extension",
    "StatusChange",
    "Recommended",
];

/// Serve `router` on a free loopback port from a runtime of its own; the
/// URL is the customer's webhook endpoint.
fn serve(router: Router) -> (String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
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

/// `hooksim run PATH --target spark=URL`: exit code and console output.
fn run_against(path: &str, url: &str) -> (Option<i32>, String) {
    let snapshots = snapshot_copy();
    let target = format!("spark={url}");
    let dir = snapshots.path().to_str().expect("utf-8 path");
    let output = hooksim(&["run", path, "--target", &target, "--snapshot-dir", dir]);
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
fn the_spark_suite_passes_against_the_reference_receiver() {
    let snapshots = snapshot_copy();
    let dir = snapshots.path().to_str().expect("utf-8 path");
    let output = hooksim(&["run", "scenarios/spark", "--snapshot-dir", dir]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}\n{}", stderr(&output));
    let scenario_count = std::fs::read_dir(repo_root().join("scenarios/spark"))
        .expect("the spark suite exists")
        .count();
    assert!(
        out.contains(&format!("{scenario_count} passed, 0 failed")),
        "{out}"
    );
    assert!(
        out.contains("PASS spark/every-event-acknowledged  (9 steps, 9 attempts)"),
        "{out}"
    );
    assert!(
        out.contains("PASS spark/retry-schedule  (1 step, 8 attempts)"),
        "{out}"
    );
}

#[test]
fn a_receiver_that_works_before_answering_fails_the_5_second_rule() {
    let router = Router::new().route(
        ROUTE,
        post(|| async {
            // The mistake: the work (here, six seconds of it) happens before the answer.
            tokio::time::sleep(Duration::from_secs(6)).await;
            StatusCode::OK
        }),
    );
    let (url, _runtime) = serve(router);
    // Only this rule's file: each slow attempt costs real time.
    let (code, out) = run_against("scenarios/spark/respond-within-5s.yaml", &url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        BTreeSet::from(["spark/respond-within-5s".to_owned()]),
        "{out}"
    );
    assert!(
        out.contains("expected acknowledged: true, got false"),
        "{out}"
    );
}

#[test]
fn a_receiver_that_redirects_fails_the_2xx_rule() {
    let router = Router::new().route(
        ROUTE,
        post(|| async {
            // The mistake: the endpoint moved, and the old one redirects to it.
            (
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, "/webhooks/spark/v2")],
            )
                .into_response()
        }),
    );
    let (url, _runtime) = serve(router);
    let (code, out) = run_against("scenarios/spark", &url);
    assert_eq!(code, Some(1), "{out}");
    let failed = failed_rules(&out);
    assert!(failed.contains("spark/acknowledge-with-2xx"), "{out}");
    assert!(failed.contains("spark/every-event-acknowledged"), "{out}");
    // Scenarios that play Spark against its own stand-ins still pass.
    for rule in [
        "spark/redirect-not-followed",
        "spark/slow-answer-is-a-failure",
        "spark/any-2xx-acknowledges",
        "spark/retry-schedule",
    ] {
        assert!(!failed.contains(rule), "{rule} should pass:\n{out}");
    }
    assert!(out.contains("redirect 301"), "{out}");
}

#[test]
fn a_receiver_that_refuses_unknown_event_values_fails_forward_compatibility() {
    let router = Router::new().route(
        ROUTE,
        post(|body: Bytes| async move {
            // The mistake: a closed list of events, anything else is an error.
            let notification: Value = serde_json::from_slice(&body).unwrap_or_default();
            let known = notification["NewsFeed"]["Event"]
                .as_str()
                .is_some_and(|event| DOCUMENTED_EVENTS.contains(&event));
            if known {
                StatusCode::OK
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }),
    );
    let (url, _runtime) = serve(router);
    let (code, out) = run_against("scenarios/spark", &url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        BTreeSet::from(["spark/unknown-event-values-acknowledged".to_owned()]),
        "{out}"
    );
    assert!(out.contains("rejected 500"), "{out}");
}
