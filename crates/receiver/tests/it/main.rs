//! Integration tests: the receiver started on a free loopback port, driven
//! over real HTTP the way a provider would drive it.

mod everreal;
mod flow;
mod hemnet;
mod lifecycle;
mod propertyfinder;
mod spark;

use std::error::Error;
use std::time::{Duration, Instant};

use hooksim_receiver::{HemnetConfig, ReceiverConfig, RunningReceiver, start};
use hooksim_simulator::signing::hmac_sha256_hex;
use serde_json::Value;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// A receiver with `config`, on a free loopback port.
async fn start_with(config: ReceiverConfig) -> TestResult<RunningReceiver> {
    Ok(start("127.0.0.1:0".parse()?, config).await?)
}

/// A receiver with the default config, as `hooksim run` starts it.
async fn start_default_receiver() -> TestResult<RunningReceiver> {
    start_with(ReceiverConfig::default()).await
}

/// A receiver that trusts exactly `hemnet_keys`.
async fn start_receiver(hemnet_keys: &[&str]) -> TestResult<RunningReceiver> {
    start_with(ReceiverConfig {
        hemnet: HemnetConfig {
            trusted_keys: hemnet_keys.iter().map(|key| key.to_string()).collect(),
        },
        ..ReceiverConfig::default()
    })
    .await
}

/// A client that ignores proxy settings from the environment, so requests to
/// loopback never leave the machine.
fn client() -> TestResult<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()?)
}

async fn get_json(receiver: &RunningReceiver, path: &str) -> TestResult<Value> {
    let response = client()?
        .get(format!("{}{path}", receiver.base_url()))
        .send()
        .await?;
    assert_eq!(response.status(), 200, "GET {path}");
    Ok(serde_json::from_slice(&response.bytes().await?)?)
}

/// Polls `path` until `done` holds: storage happens in a background task
/// after the 200, so it is observed eventually, within a bounded wait.
async fn wait_for_json(
    receiver: &RunningReceiver,
    path: &str,
    done: impl Fn(&Value) -> bool,
) -> TestResult<Value> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let value = get_json(receiver, path).await?;
        if done(&value) {
            return Ok(value);
        }
        if Instant::now() > deadline {
            return Err(format!("{path} never reached the expected state; last: {value}").into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// POSTs `body` to `path` as JSON, with `headers` besides `Content-Type`,
/// the way a provider delivers.
async fn post_json(
    receiver: &RunningReceiver,
    path: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> TestResult<reqwest::Response> {
    let mut request = client()?
        .post(format!("{}{path}", receiver.base_url()))
        .header("Content-Type", "application/json")
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Ok(request.send().await?)
}

/// Asserts a refusal: `status` with a JSON `{"error": "..."}` body, which is
/// what the provider's delivery log shows. `context` names the case.
async fn assert_refused(
    response: reqwest::Response,
    status: u16,
    context: impl std::fmt::Display,
) -> TestResult {
    assert_eq!(response.status(), status, "{context}");
    let body: Value = serde_json::from_slice(&response.bytes().await?)?;
    assert!(body["error"].is_string(), "{status} body: {body}");
    Ok(())
}

/// Waits until the probe at `path` counts `count` stored items and returns its answer.
async fn wait_for_count(receiver: &RunningReceiver, path: &str, count: u64) -> TestResult<Value> {
    wait_for_json(receiver, path, |summary| summary["count"] == count).await
}

/// Waits until the probe at `path` lists `id` and returns its answer.
async fn wait_until_stored(receiver: &RunningReceiver, path: &str, id: &str) -> TestResult<Value> {
    wait_for_json(receiver, path, |summary| {
        summary["ids"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|stored| stored == id))
    })
    .await
}

/// The strings of a JSON array (empty when it is not one).
fn strings(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Hex HMAC-SHA256 of `body` under `key`, as Hemnet and Property Finder sign.
fn sign(key: &str, body: &[u8]) -> String {
    hmac_sha256_hex(key.as_bytes(), body)
}
