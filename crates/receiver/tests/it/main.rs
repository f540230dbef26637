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
use serde_json::Value;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// A receiver that trusts exactly `hemnet_keys`.
async fn start_receiver(hemnet_keys: &[&str]) -> TestResult<RunningReceiver> {
    let config = ReceiverConfig {
        hemnet: HemnetConfig {
            trusted_keys: hemnet_keys.iter().map(|key| key.to_string()).collect(),
        },
        ..ReceiverConfig::default()
    };
    Ok(start("127.0.0.1:0".parse()?, config).await?)
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
