//! Receivers that each get one Spark rule wrong, as a customer might. Pointed
//! at them with `--target spark=URL`, the Spark suite must fail those rules,
//! by name; against the reference receiver it must pass.

use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use bytes::Bytes;

use crate::assert_suite_passes_against_the_reference_receiver;
use crate::receivers::{failed_rules, json, rules, run_suite_against, serve};

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

/// `hooksim run PATH --target spark=URL`: exit code and console output.
fn run_against(path: &str, url: &str) -> (Option<i32>, String) {
    run_suite_against(&[path], &format!("spark={url}"), &[])
}

#[test]
fn the_spark_suite_passes_against_the_reference_receiver() {
    let out = assert_suite_passes_against_the_reference_receiver("scenarios/spark");
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
    let (url, _runtime) = serve(router, ROUTE);
    // Only this rule's file: each slow attempt costs real time.
    let (code, out) = run_against("scenarios/spark/respond-within-5s.yaml", &url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        rules(&["spark/respond-within-5s"]),
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
    let (url, _runtime) = serve(router, ROUTE);
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
            let notification = json(&body);
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
    let (url, _runtime) = serve(router, ROUTE);
    let (code, out) = run_against("scenarios/spark", &url);
    assert_eq!(code, Some(1), "{out}");
    // The `spark/api-*` scenarios are skipped: nothing says how it meets Spark's API.
    let failed = failed_rules(&out);
    let delivery_rules: Vec<&String> = failed
        .iter()
        .filter(|r| !r.starts_with("spark/api-"))
        .collect();
    // The fuzz step sends new events too, and finds the same mistake.
    assert_eq!(
        delivery_rules,
        [
            "spark/strange-but-valid",
            "spark/unknown-event-values-acknowledged"
        ],
        "{out}"
    );
    assert!(out.contains("rejected 500"), "{out}");
}

/// The customer's mistake the Spark docs warn about: registering the webhook
/// without `"Active": true`. Spark keeps it inactive and delivers nothing;
/// the scenario must fail and say so. The receiver was started with this
/// run's Spark API and registers at its own `/admin/spark`.
#[test]
fn a_receiver_that_registers_without_active_gets_nothing_and_is_told_why() {
    let port = crate::receivers::free_port();
    let api = format!("http://127.0.0.1:{port}/spark");
    let webhooks = format!("{api}/v1/developers/newsfeeds/webhooks");
    let router = Router::new()
        .route(ROUTE, post(|| async { StatusCode::OK }))
        .route(
            "/admin/spark",
            post(move |headers: axum::http::HeaderMap| {
                let webhooks = webhooks.clone();
                async move {
                    let host = headers
                        .get(header::HOST)
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let registered = reqwest::Client::new()
                        .post(&webhooks)
                        .bearer_auth("hooksim-api-token")
                        .header("X-SparkApi-User-Agent", "customer-receiver")
                        .header(header::CONTENT_TYPE, "application/json")
                        // The mistake: no "Active": true.
                        .body(
                            serde_json::json!({ "D": { "Uri": format!("http://{host}{ROUTE}") } })
                                .to_string(),
                        )
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    let status = if registered {
                        StatusCode::OK
                    } else {
                        StatusCode::BAD_GATEWAY
                    };
                    status.into_response()
                }
            }),
        );
    let (url, _runtime) = serve(router, ROUTE);
    let api_addr = format!("127.0.0.1:{port}");
    let (code, out) = run_suite_against(
        &["scenarios/spark/api-registered-webhook-receives.yaml"],
        &format!("spark={url}"),
        &[
            "--api-addr",
            &api_addr,
            "--set",
            &format!("spark.api={api}"),
            "--set",
            "spark.register=/admin/spark",
        ],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        failed_rules(&out).contains("spark/api-registered-webhook-receives"),
        "{out}"
    );
    assert!(out.contains("are all inactive"), "{out}");
    assert!(out.contains("unless `\"Active\": true` is sent"), "{out}");
}
