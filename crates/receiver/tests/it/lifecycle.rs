//! Starting, probing and stopping the receiver.

use hooksim_receiver::{DEFAULT_TEST_SECRET, HemnetConfig, ReceiverConfig, ReceiverError, start};

use crate::{TestResult, client, start_receiver};

#[tokio::test]
async fn health_answers_200_on_a_free_port() -> TestResult {
    let receiver = start_receiver(&["k"]).await?;
    assert_ne!(receiver.addr().port(), 0);
    assert_eq!(
        receiver.base_url(),
        format!("http://127.0.0.1:{}", receiver.addr().port())
    );

    let response = client()?
        .get(format!("{}/health", receiver.base_url()))
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    receiver.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn shutdown_stops_serving() -> TestResult {
    let receiver = start_receiver(&["k"]).await?;
    let url = format!("{}/health", receiver.base_url());
    receiver.shutdown().await;

    assert!(client()?.get(url).send().await.is_err());
    Ok(())
}

#[tokio::test]
async fn the_default_config_trusts_the_hooksim_test_secret() {
    let config = ReceiverConfig::default();
    assert_eq!(config.hemnet.trusted_keys, [DEFAULT_TEST_SECRET]);
    assert_eq!(DEFAULT_TEST_SECRET, "hooksim-test-secret");
    // Keys are secrets; the config must be safe to log.
    assert!(!format!("{config:?}").contains(DEFAULT_TEST_SECRET));
}

#[tokio::test]
async fn a_config_without_usable_keys_does_not_start() -> TestResult {
    let no_keys = ReceiverConfig {
        hemnet: HemnetConfig {
            trusted_keys: vec![],
        },
        ..ReceiverConfig::default()
    };
    let result = start("127.0.0.1:0".parse()?, no_keys).await;
    assert!(matches!(
        result,
        Err(ReceiverError::NoTrustedKeys { provider: "hemnet" })
    ));

    let empty_key = ReceiverConfig {
        hemnet: HemnetConfig {
            trusted_keys: vec!["good".into(), String::new()],
        },
        ..ReceiverConfig::default()
    };
    let result = start("127.0.0.1:0".parse()?, empty_key).await;
    assert!(matches!(
        result,
        Err(ReceiverError::EmptyTrustedKey { provider: "hemnet" })
    ));
    Ok(())
}

#[tokio::test]
async fn a_taken_port_is_a_bind_error() -> TestResult {
    let first = start_receiver(&["k"]).await?;
    let result = start(first.addr(), ReceiverConfig::default()).await;
    assert!(matches!(result, Err(ReceiverError::Bind { addr, .. }) if addr == first.addr()));
    first.shutdown().await;
    Ok(())
}
