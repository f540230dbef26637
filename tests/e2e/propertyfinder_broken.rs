//! Receivers that each get one Property Finder rule wrong (PF Expert or the
//! Enterprise API), as a customer might. Pointed at them with `--target
//! BASE_URL`, the suites must fail exactly those rules, by name; against the
//! reference receiver they must pass.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use hooksim_simulator::providers::Provider;
use hooksim_simulator::providers::propertyfinder::PropertyFinder;
use hooksim_simulator::signing::hmac_sha256_hex;
use serde_json::json;

use crate::receivers::{failed_rules, json, rules, run_suite_against, serve, signature};
use crate::{assert_suite_passes_against_the_reference_receiver, repo_root};

/// The secret the Atlas scenarios sign with when `ATLAS_SECRET` is unset.
const ATLAS_SECRET: &str = "hooksim-test-secret";

/// The scenarios of `suite` that reach the receiver under test: stand-in
/// scenarios never do (and the 5 s timeout one costs real seconds), nor do
/// those shown with the reference receiver. Those that use the provider
/// API need a receiver started with it, which the receivers here, each
/// wrong about one delivery rule, are not.
fn receiver_scenarios(suite: &str) -> Vec<String> {
    scenarios_where(suite, |text| {
        !text.contains("target: stand-in:")
            && !text.contains("receiver: reference")
            && !text.contains("requires: [api")
    })
}

/// `suite/file.yaml` for every scenario of `suite` whose text `keep` accepts, sorted.
fn scenarios_where(suite: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut paths: Vec<String> = std::fs::read_dir(repo_root().join(suite))
        .expect("the suite exists")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| keep(&std::fs::read_to_string(path).expect("scenario text")))
        .map(|path| {
            let name = path.file_name().expect("named").to_string_lossy();
            format!("{suite}/{name}")
        })
        .collect();
    paths.sort();
    paths
}

/// Runs the receiver-facing scenarios of `suite` against `base_url`; the
/// Atlas receivers here serve an unsigned subscription at `/propertyfinder-atlas`.
fn run_receiver_scenarios_against(suite: &str, base_url: &str) -> (Option<i32>, String) {
    let scenarios = receiver_scenarios(suite);
    let scenarios: Vec<&str> = scenarios.iter().map(String::as_str).collect();
    run_suite_against(
        &scenarios,
        base_url,
        &[
            "--set",
            "propertyfinder-atlas.unsigned_target=/propertyfinder-atlas",
        ],
    )
}

fn signed_by_us(headers: &HeaderMap, body: &[u8]) -> bool {
    signature(headers) == Some(hmac_sha256_hex(ATLAS_SECRET.as_bytes(), body).as_str())
}

#[test]
fn both_property_finder_suites_pass_against_the_reference_receiver() {
    for suite in ["scenarios/propertyfinder", "scenarios/propertyfinder-atlas"] {
        assert_suite_passes_against_the_reference_receiver(suite);
    }
}

#[test]
fn a_pf_receiver_that_requires_a_sub_namespace_fails_the_null_rules() {
    let router = Router::new().route(
        "/propertyfinder",
        post(|body: Bytes| async move {
            // The mistake: sub_namespace read as a required string.
            if json(&body)["concept"]["sub_namespace"].is_string() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            }
        }),
    );
    let (url, _runtime) = serve(router, "");
    let (code, out) = run_receiver_scenarios_against("scenarios/propertyfinder", &url);
    assert_eq!(code, Some(1), "{out}");
    // Every scenario that sends a null, whether by `set` or by its seed.
    assert_eq!(
        failed_rules(&out),
        rules(&[
            "propertyfinder/attributes-may-be-added",
            "propertyfinder/every-event-acknowledged",
            "propertyfinder/strange-but-valid",
            "propertyfinder/sub-namespace-null",
            "propertyfinder/unknown-events-acknowledged",
        ]),
        "{out}"
    );
    assert!(out.contains("rejected 422"), "{out}");
}

#[test]
fn a_pf_receiver_with_a_closed_event_list_fails_forward_compatibility() {
    let router = Router::new().route(
        "/propertyfinder",
        post(|body: Bytes| async move {
            let known = json(&body)["event"]
                .as_str()
                .is_some_and(|event| PropertyFinder.event(event).is_ok());
            if known {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            }
        }),
    );
    let (url, _runtime) = serve(router, "");
    let (code, out) = run_receiver_scenarios_against("scenarios/propertyfinder", &url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        rules(&["propertyfinder/unknown-events-acknowledged"]),
        "{out}"
    );
}

#[test]
fn a_pf_receiver_that_answers_409_to_a_repeat_fails_the_duplicate_rule() {
    let seen: Arc<Mutex<HashSet<String>>> = Arc::default();
    let router = Router::new()
        .route(
            "/propertyfinder",
            post(
                |State(seen): State<Arc<Mutex<HashSet<String>>>>, body: Bytes| async move {
                    let body = json(&body);
                    let key = format!(
                        "{}:{}:{}",
                        body["event"], body["client"], body["concept"]["id"]
                    );
                    // The mistake: a repeat is refused instead of acknowledged.
                    let new = seen.lock().map(|mut s| s.insert(key)).unwrap_or(false);
                    if new {
                        StatusCode::OK
                    } else {
                        StatusCode::CONFLICT
                    }
                },
            ),
        )
        .with_state(seen);
    let (url, _runtime) = serve(router, "");
    let (code, out) = run_receiver_scenarios_against("scenarios/propertyfinder", &url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        rules(&["propertyfinder/duplicate-acknowledged"]),
        "{out}"
    );
    assert!(out.contains("rejected 409"), "{out}");
}

/// The reference behaviour of both Atlas routes, except where `mistake`
/// says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AtlasMistake {
    /// The signed route checks X-Signature only when there is one.
    VerifiesOnlyWhenPresent,
    /// The unsigned route demands a signature too.
    AlwaysDemandsSignature,
    /// A repeated `id` is refused with 409 (per route, as two systems would).
    RefusesRepeatedIds,
    /// A lead event about a lead no `lead.created` announced is refused
    /// with 404, as a CRM that only updates leads it created would: project
    /// leads, which never get `lead.created`, are all lost.
    UpdatesOnlyCreatedLeads,
}

fn atlas_receiver(mistake: AtlasMistake) -> Router {
    let seen: Arc<Mutex<HashSet<(bool, String)>>> = Arc::default();
    let answer = move |signed_route: bool, headers: HeaderMap, body: Bytes| {
        let seen = Arc::clone(&seen);
        async move {
            let verified = signed_by_us(&headers, &body);
            let must_verify = match mistake {
                AtlasMistake::VerifiesOnlyWhenPresent if signed_route => {
                    signature(&headers).is_some()
                }
                AtlasMistake::AlwaysDemandsSignature => true,
                _ => signed_route,
            };
            if must_verify && !verified {
                return StatusCode::UNAUTHORIZED;
            }
            if mistake == AtlasMistake::RefusesRepeatedIds {
                let id = json(&body)["id"].as_str().unwrap_or_default().to_owned();
                let new = seen
                    .lock()
                    .map(|mut s| s.insert((signed_route, id)))
                    .unwrap_or(false);
                if !new {
                    return StatusCode::CONFLICT;
                }
            }
            if mistake == AtlasMistake::UpdatesOnlyCreatedLeads {
                let event = json(&body);
                let lead = event["entity"]["id"].as_str().unwrap_or_default();
                let key = (signed_route, lead.to_owned());
                let mut seen = seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                match event["type"].as_str() {
                    Some("lead.created") => {
                        seen.insert(key);
                    }
                    Some("lead.updated" | "lead.assigned") if !seen.contains(&key) => {
                        return StatusCode::NOT_FOUND;
                    }
                    _ => {}
                }
            }
            StatusCode::OK
        }
    };
    let signed = answer.clone();
    Router::new()
        .route(
            "/propertyfinder-atlas/signed",
            post(move |headers: HeaderMap, body: Bytes| signed(true, headers, body)),
        )
        .route(
            "/propertyfinder-atlas",
            post(move |headers: HeaderMap, body: Bytes| answer(false, headers, body)),
        )
}

#[test]
fn an_atlas_receiver_that_verifies_only_present_signatures_accepts_unsigned_forgeries() {
    let (url, _runtime) = serve(atlas_receiver(AtlasMistake::VerifiesOnlyWhenPresent), "");
    let (code, out) = run_receiver_scenarios_against("scenarios/propertyfinder-atlas", &url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        rules(&["propertyfinder-atlas/reject-forged-missing-header"]),
        "{out}"
    );
    assert!(
        out.contains("expected acknowledged: false, got true"),
        "{out}"
    );
}

#[test]
fn an_atlas_receiver_that_always_demands_a_signature_fails_unsigned_subscriptions() {
    let (url, _runtime) = serve(atlas_receiver(AtlasMistake::AlwaysDemandsSignature), "");
    let (code, out) = run_receiver_scenarios_against("scenarios/propertyfinder-atlas", &url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        rules(&[
            "propertyfinder-atlas/parallel-subscriptions",
            "propertyfinder-atlas/unsigned-subscription",
        ]),
        "{out}"
    );
    assert!(out.contains("rejected 401"), "{out}");
}

#[test]
fn an_atlas_receiver_that_answers_409_to_a_repeated_id_fails_at_least_once() {
    let (url, _runtime) = serve(atlas_receiver(AtlasMistake::RefusesRepeatedIds), "");
    let (code, out) = run_receiver_scenarios_against("scenarios/propertyfinder-atlas", &url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        rules(&[
            "propertyfinder-atlas/duplicate-acknowledged",
            "propertyfinder-atlas/parallel-subscriptions",
        ]),
        "{out}"
    );
    assert!(out.contains("rejected 409"), "{out}");
}

#[test]
fn an_atlas_receiver_that_only_updates_leads_it_saw_created_loses_project_leads() {
    let (url, _runtime) = serve(atlas_receiver(AtlasMistake::UpdatesOnlyCreatedLeads), "");
    let (code, out) = run_receiver_scenarios_against("scenarios/propertyfinder-atlas", &url);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        rules(&[
            "propertyfinder-atlas/attributes-may-be-added",
            "propertyfinder-atlas/every-event-acknowledged",
            "propertyfinder-atlas/project-leads-without-lead-created",
        ]),
        "{out}"
    );
    assert!(out.contains("rejected 404"), "{out}");
}

/// How a PF Expert receiver's setup endpoint gets its hook wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PfSetupMistake {
    /// It says it registered whatever the API answered, as a setup script
    /// that never reads the answer would.
    IgnoresTheAnswer,
    /// It sends a fixed token to `/hooks` instead of asking the token
    /// endpoint for one, and reports the refusal truthfully.
    SkipsTheTokenRequest,
}

/// A receiver at `/hooks/pf` whose `/setup/pf` registers `lead.new` at
/// `api` with `mistake`; the runtime serving it, its URL and the API address.
fn pf_setup_receiver(mistake: PfSetupMistake) -> (String, tokio::runtime::Runtime, String, String) {
    let port = crate::receivers::free_port();
    let api = format!("http://127.0.0.1:{port}/propertyfinder");
    let hooks = format!("{api}/hooks");
    let token_url = format!("{api}/auth/oauth/v1/token");
    let router = Router::new()
        .route("/hooks/pf", post(|| async { StatusCode::OK }))
        .route(
            "/setup/pf",
            post(move |headers: HeaderMap| {
                let (hooks, token_url) = (hooks.clone(), token_url.clone());
                async move {
                    let host = headers
                        .get("host")
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let client = reqwest::Client::new();
                    let token = match mistake {
                        PfSetupMistake::SkipsTheTokenRequest => "hooksim-api-token".to_owned(),
                        PfSetupMistake::IgnoresTheAnswer => {
                            let answer = client
                                .post(&token_url)
                                .basic_auth("hooksim-client", Some("hooksim-client-secret"))
                                .header("content-type", "application/json")
                                .body(r#"{"scope":"openid","grant_type":"client_credentials"}"#)
                                .send()
                                .await
                                .expect("the token endpoint answers")
                                .bytes()
                                .await
                                .expect("an answer");
                            let answer: serde_json::Value =
                                serde_json::from_slice(&answer).expect("a JSON answer");
                            answer["access_token"].as_str().unwrap_or_default().to_owned()
                        }
                    };
                    let body = json!({"hook": {"event": "lead.new", "target": format!("http://{host}/hooks/pf")}});
                    let answer = client
                        .post(&hooks)
                        .bearer_auth(token)
                        .header("content-type", "application/json")
                        .body(body.to_string())
                        .send()
                        .await;
                    let registered = match mistake {
                        PfSetupMistake::IgnoresTheAnswer => true,
                        PfSetupMistake::SkipsTheTokenRequest => {
                            answer.is_ok_and(|a| a.status().is_success())
                        }
                    };
                    let status = if registered {
                        StatusCode::OK
                    } else {
                        StatusCode::BAD_GATEWAY
                    };
                    (status, Json(json!({"registered": registered}))).into_response()
                }
            }),
        );
    let (url, runtime) = serve(router, "");
    (url, runtime, api, format!("127.0.0.1:{port}"))
}

/// The PF Expert API scenarios against `mistake`'s receiver.
fn run_pf_setup(mistake: PfSetupMistake) -> (Option<i32>, String) {
    let (url, _runtime, api, api_addr) = pf_setup_receiver(mistake);
    run_suite_against(
        &[
            "scenarios/propertyfinder/api-client-level-token.yaml",
            "scenarios/propertyfinder/api-registered-hook-receives.yaml",
        ],
        &format!("propertyfinder={url}/hooks/pf"),
        &[
            "--api-addr",
            &api_addr,
            "--set",
            &format!("propertyfinder.api={api}"),
            "--set",
            "propertyfinder.register=/setup/pf",
        ],
    )
}

#[test]
fn a_receiver_that_ignores_the_apis_refusal_fails_the_refusal_rule() {
    let (code, out) = run_pf_setup(PfSetupMistake::IgnoresTheAnswer);
    assert_eq!(code, Some(1), "{out}");
    // The hook it did register still works.
    assert_eq!(
        failed_rules(&out),
        rules(&["propertyfinder/api-client-level-token"]),
        "{out}"
    );
    assert!(
        out.contains("expected answer: an error (nothing registered), got 200"),
        "{out}"
    );
}

/// Hooks need the Bearer token of the OAuth token endpoint: a receiver that
/// sends a fixed one registers nothing (and says so, so only the rule that
/// needs a hook fails).
#[test]
fn a_receiver_that_skips_the_token_request_registers_nothing() {
    let (code, out) = run_pf_setup(PfSetupMistake::SkipsTheTokenRequest);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        rules(&["propertyfinder/api-registered-hook-receives"]),
        "{out}"
    );
}
