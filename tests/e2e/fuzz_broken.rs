//! The `fuzz` step against a Hemnet receiver that checks signatures but
//! crashes on an emoji in a lead's message: the step must fail and shrink
//! the payload down to that one emoji.

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use bytes::Bytes;
use hooksim_simulator::signing::hmac_sha256_hex;

use crate::receivers::{failed_rules, json, run_suite_against, serve, signature};

const KEY: &str = "customer-key-123";
const ROUTE: &str = "/webhooks/hemnet";
const SCENARIO: &str = "scenarios/hemnet/fuzz-strange-but-valid.yaml";

fn is_emoji(c: char) -> bool {
    ('\u{1F300}'..='\u{1FAFF}').contains(&c)
}

#[test]
fn a_receiver_that_crashes_on_an_emoji_fails_fuzzing_with_the_emoji_shown() {
    let router = Router::new().route(
        ROUTE,
        post(|headers: HeaderMap, body: Bytes| async move {
            let expected = hmac_sha256_hex(KEY.as_bytes(), &body);
            let signed = signature(&headers)
                .unwrap_or_default()
                .split(',')
                .any(|s| s == expected);
            if !signed {
                return StatusCode::UNAUTHORIZED;
            }
            // The bug: a message with an emoji reaches a column that cannot hold one.
            let payload = json(&body);
            let message = payload["data"]["message"].as_str().unwrap_or_default();
            if message.chars().any(is_emoji) {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            }
        }),
    );
    let (url, _runtime) = serve(router, ROUTE);
    let target = format!("hemnet={url}");
    let secret = format!("hemnet.secret={KEY}");
    let (code, out) = run_suite_against(&[SCENARIO], &target, &["--set", &secret]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        failed_rules(&out).contains("hemnet/strange-but-valid"),
        "{out}"
    );
    let marker = "minimal failing payload, answered rejected 500: ";
    let line = out
        .lines()
        .find(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("no minimal payload shown:\n{out}"));
    let shown = &line[line.find(marker).expect("found above") + marker.len()..];
    let minimal: serde_json::Value =
        serde_json::from_str(shown.trim_end().trim_end_matches(')')).expect("the payload is JSON");
    let message = minimal["data"]["message"]
        .as_str()
        .expect("a string message");
    let chars: Vec<char> = message.chars().collect();
    assert!(
        chars.len() == 1 && is_emoji(chars[0]),
        "shrunk to {message:?}, not one emoji:\n{out}"
    );
    assert!(out.contains("minimal failing body as sent: "), "{out}");
}
