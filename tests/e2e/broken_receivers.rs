//! Receivers that each get one Hemnet rule wrong, as a customer might. The
//! suite must fail exactly those rules, by name, when pointed at them the
//! way a new user would: `--target hemnet=URL --set hemnet.secret=KEY`.

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use bytes::Bytes;
use hooksim_simulator::signing::hmac_sha256_hex;

use crate::{hooksim, snapshot_copy, stdout};

const KEY: &str = "customer-key-123";

/// Serve `router` on a free loopback port from a runtime of its own.
fn serve(router: Router) -> (String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!(
        "http://{}/webhooks/hemnet",
        listener.local_addr().expect("addr")
    );
    runtime.spawn(async move { axum::serve(listener, router).await });
    (url, runtime)
}

fn signature(headers: &HeaderMap) -> &str {
    headers
        .get("x-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn run_suite_against(url: &str) -> (Option<i32>, String) {
    let snapshots = snapshot_copy();
    let target = format!("hemnet={url}");
    let secret = format!("hemnet.secret={KEY}");
    let dir = snapshots.path().to_str().expect("utf-8 path");
    let output = hooksim(&[
        "run",
        "scenarios/hemnet",
        "--target",
        &target,
        "--set",
        &secret,
        "--snapshot-dir",
        dir,
    ]);
    (output.status.code(), stdout(&output))
}

fn failed_rules(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix("FAIL "))
        .filter_map(|l| l.split_whitespace().next())
        .map(|rule| rule.trim_end_matches(':').to_owned())
        .collect()
}

#[test]
fn a_receiver_that_verifies_a_reserialised_body_fails_the_raw_body_rule() {
    let router = Router::new().route(
        "/webhooks/hemnet",
        post(|headers: HeaderMap, body: Bytes| async move {
            // The mistake: parse, serialise again, sign that.
            let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
                return StatusCode::BAD_REQUEST;
            };
            let reserialised = serde_json::to_vec(&value).unwrap_or_default();
            if signature(&headers) == hmac_sha256_hex(KEY.as_bytes(), &reserialised) {
                StatusCode::OK
            } else {
                StatusCode::UNAUTHORIZED
            }
        }),
    );
    let (url, _runtime) = serve(router);
    let (code, out) = run_suite_against(&url);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        failed_rules(&out).contains(&"hemnet/signature-raw-body".to_owned()),
        "{out}"
    );
    assert!(
        out.contains("expected acknowledged: true, got false"),
        "{out}"
    );
}

#[test]
fn a_receiver_that_ignores_signatures_fails_every_forgery_rule() {
    let router = Router::new().route("/webhooks/hemnet", post(|| async { StatusCode::OK }));
    let (url, _runtime) = serve(router);
    let (code, out) = run_suite_against(&url);
    assert_eq!(code, Some(1), "{out}");
    let failed = failed_rules(&out);
    for forgery in [
        "wrong-key",
        "missing-header",
        "malformed-value",
        "body-changed-after-signing",
    ] {
        let rule = format!("hemnet/reject-forged-{forgery}");
        assert!(failed.contains(&rule), "{rule} should fail:\n{out}");
    }
    assert!(
        !failed.contains(&"hemnet/signature-raw-body".to_owned()),
        "{out}"
    );
}

#[test]
fn a_receiver_that_answers_202_fails_the_exactly_200_rule() {
    let router = Router::new().route(
        "/webhooks/hemnet",
        post(|headers: HeaderMap, body: Bytes| async move {
            let valid = signature(&headers)
                .split(',')
                .any(|s| s == hmac_sha256_hex(KEY.as_bytes(), &body));
            if valid {
                StatusCode::ACCEPTED
            } else {
                StatusCode::UNAUTHORIZED
            }
        }),
    );
    let (url, _runtime) = serve(router);
    let (code, out) = run_suite_against(&url);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        failed_rules(&out).contains(&"hemnet/acknowledge-with-200".to_owned()),
        "{out}"
    );
    assert!(out.contains("rejected 202"), "{out}");
}
