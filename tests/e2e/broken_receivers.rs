//! Receivers that each get one Hemnet rule wrong, as a customer might. The
//! suite must fail exactly those rules, by name, when pointed at them the
//! way a new user would: `--target hemnet=URL --set hemnet.secret=KEY`.

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use bytes::Bytes;
use hooksim_simulator::signing::hmac_sha256_hex;

use crate::receivers::{failed_rules, run_suite_against, serve, signature};

const KEY: &str = "customer-key-123";
const ROUTE: &str = "/webhooks/hemnet";

/// `hooksim run scenarios/hemnet --target hemnet=URL --set hemnet.secret=KEY`.
fn run_hemnet_suite_against(url: &str) -> (Option<i32>, String) {
    let target = format!("hemnet={url}");
    let secret = format!("hemnet.secret={KEY}");
    run_suite_against(&["scenarios/hemnet"], &target, &["--set", &secret])
}

#[test]
fn a_receiver_that_verifies_a_reserialised_body_fails_the_raw_body_rule() {
    let router = Router::new().route(
        ROUTE,
        post(|headers: HeaderMap, body: Bytes| async move {
            // The mistake: parse, serialise again, sign that.
            let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
                return StatusCode::BAD_REQUEST;
            };
            let reserialised = serde_json::to_vec(&value).unwrap_or_default();
            let expected = hmac_sha256_hex(KEY.as_bytes(), &reserialised);
            if signature(&headers) == Some(expected.as_str()) {
                StatusCode::OK
            } else {
                StatusCode::UNAUTHORIZED
            }
        }),
    );
    let (url, _runtime) = serve(router, ROUTE);
    let (code, out) = run_hemnet_suite_against(&url);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        failed_rules(&out).contains("hemnet/signature-raw-body"),
        "{out}"
    );
    assert!(
        out.contains("expected acknowledged: true, got false"),
        "{out}"
    );
}

#[test]
fn a_receiver_that_ignores_signatures_fails_every_forgery_rule() {
    let router = Router::new().route(ROUTE, post(|| async { StatusCode::OK }));
    let (url, _runtime) = serve(router, ROUTE);
    let (code, out) = run_hemnet_suite_against(&url);
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
    assert!(!failed.contains("hemnet/signature-raw-body"), "{out}");
}

#[test]
fn a_receiver_that_answers_202_fails_the_exactly_200_rule() {
    let router = Router::new().route(
        ROUTE,
        post(|headers: HeaderMap, body: Bytes| async move {
            let valid = signature(&headers)
                .unwrap_or_default()
                .split(',')
                .any(|s| s == hmac_sha256_hex(KEY.as_bytes(), &body));
            if valid {
                StatusCode::ACCEPTED
            } else {
                StatusCode::UNAUTHORIZED
            }
        }),
    );
    let (url, _runtime) = serve(router, ROUTE);
    let (code, out) = run_hemnet_suite_against(&url);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        failed_rules(&out).contains("hemnet/acknowledge-with-200"),
        "{out}"
    );
    assert!(out.contains("rejected 202"), "{out}");
}

#[test]
fn a_receiver_that_stores_a_redelivery_twice_fails_the_probe() {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use axum::extract::{Path, State};
    use axum::routing::get;

    type Stored = Arc<Mutex<HashMap<String, u64>>>;
    // The mistake: acknowledges duplicates (right) but stores every delivery (wrong).
    let router = Router::new()
        .route(
            ROUTE,
            post(
                |State(stored): State<Stored>, headers: HeaderMap, body: Bytes| async move {
                    let signed = signature(&headers).is_some_and(|s| {
                        s.split(',')
                            .any(|s| s == hmac_sha256_hex(KEY.as_bytes(), &body))
                    });
                    if !signed {
                        return StatusCode::UNAUTHORIZED;
                    }
                    let value: serde_json::Value =
                        serde_json::from_slice(&body).unwrap_or_default();
                    let id = value["data"]["id"].as_str().unwrap_or_default().to_owned();
                    *stored.lock().expect("not poisoned").entry(id).or_insert(0) += 1;
                    StatusCode::OK
                },
            ),
        )
        .route(
            "/hemnet/contacts/{id}",
            get(
                |State(stored): State<Stored>, Path(id): Path<String>| async move {
                    let copies = stored
                        .lock()
                        .expect("not poisoned")
                        .get(&id)
                        .copied()
                        .unwrap_or(0);
                    axum::Json(
                        serde_json::json!({ "id": id, "stored": copies, "deliveries": copies }),
                    )
                },
            ),
        )
        .with_state(Stored::default());
    let (url, _runtime) = serve(router, ROUTE);
    let target = format!("hemnet={url}");
    let secret = format!("hemnet.secret={KEY}");
    // Without its lookup named, the scenario cannot ask, and is skipped.
    let (code, out) = run_suite_against(
        &["scenarios/hemnet/duplicate-stored-once.yaml"],
        &target,
        &["--set", &secret],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("0 passed, 0 failed, 1 skipped"), "{out}");
    let (code, out) = run_suite_against(
        &["scenarios/hemnet/duplicate-stored-once.yaml"],
        &target,
        &[
            "--set",
            &secret,
            "--set",
            "hemnet.contact_lookup=/hemnet/contacts/{id}",
            "--set",
            "hemnet.contact_lookup_count=stored",
        ],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        failed_rules(&out).contains("hemnet/duplicate-stored-once"),
        "{out}"
    );
    assert!(out.contains("expected count: 1, got 2"), "{out}");
}
