//! https receivers whose certificates the test makes: trusted when their CA
//! is given, a named certificate outcome when not, a named handshake
//! outcome when the port does not speak TLS; deliveries, calls (probes) and
//! a burst's keep-alive connections alike.

#[path = "../../../../tests/e2e/tls_receiver.rs"]
mod tls_receiver;

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use bytes::Bytes;
use hooksim_simulator::outcome::Outcome;
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::transport::keep_alive::KeepAlive;
use hooksim_simulator::transport::tls::{Tls, TlsOptions};
use hooksim_simulator::transport::{Call, Transport, TransportFailure};
use tokio::io::AsyncReadExt;

use crate::misbehaving::{Via, one_attempt};
use tls_receiver::{Identity, serve_https};

/// The names a loopback receiver's certificate is for.
const LOOPBACK: &[&str] = &["localhost", "127.0.0.1"];

/// Acknowledges Hemnet deliveries and answers a lookup, as a receiver's API would.
fn receiver() -> Router {
    Router::new()
        .route("/hemnet", post(|| async { StatusCode::OK }))
        .route("/contacts/{id}", get(|| async { "{\"stored\":1}" }))
}

/// Trust the CA (or self-signed certificate) of `identity`, besides the system's.
fn trusting(identity: &Identity) -> Tls {
    let dir = tempfile::tempdir().expect("temp dir");
    Tls::load(&TlsOptions {
        ca_certs: vec![identity.write_trust_pem(dir.path())],
        insecure: false,
    })
    .expect("the CA file loads")
}

/// The outcome of one Hemnet delivery to `url`: the same whether the
/// pooled client sends it or a burst's keep-alive connection does.
async fn delivered_to(url: &str, tls: Tls) -> Outcome {
    let policy = ProviderId::Hemnet.provider().policy();
    let transport = Transport::with_tls(tls);
    let (pooled, _) = one_attempt(url.to_owned(), Via::Pooled, &transport, &policy).await;
    let (kept_alive, _) = one_attempt(url.to_owned(), Via::KeepAlive, &transport, &policy).await;
    assert_eq!(pooled, kept_alive, "pooled and keep-alive disagree");
    pooled
}

fn certificate_detail(outcome: &Outcome) -> &str {
    match outcome {
        Outcome::TlsCertificate { detail } => detail,
        other => panic!("expected a certificate outcome, got {other}"),
    }
}

#[tokio::test]
async fn an_https_receiver_whose_ca_is_given_acknowledges() {
    let identity = Identity::issued(LOOPBACK);
    let addr = serve_https(receiver(), &identity).await;
    let outcome = delivered_to(&format!("https://{addr}/hemnet"), trusting(&identity)).await;
    assert_eq!(outcome, Outcome::Acknowledged { status: 200 });
    let by_name = format!("https://localhost:{}/hemnet", addr.port());
    let outcome = delivered_to(&by_name, trusting(&identity)).await;
    assert_eq!(outcome, Outcome::Acknowledged { status: 200 });
}

#[tokio::test]
async fn a_self_signed_receiver_is_trusted_by_its_own_certificate() {
    let identity = Identity::self_signed(LOOPBACK);
    let addr = serve_https(receiver(), &identity).await;
    let outcome = delivered_to(&format!("https://{addr}/hemnet"), trusting(&identity)).await;
    assert_eq!(outcome, Outcome::Acknowledged { status: 200 });
}

#[tokio::test]
async fn without_its_ca_the_certificate_is_refused_as_an_unknown_issuer() {
    let identity = Identity::self_signed(LOOPBACK);
    let addr = serve_https(receiver(), &identity).await;
    let outcome = delivered_to(&format!("https://{addr}/hemnet"), Tls::system()).await;
    assert_eq!(outcome.kind(), "tls-certificate", "{outcome}");
    assert!(
        certificate_detail(&outcome).starts_with("unknown issuer"),
        "{outcome}"
    );
    assert!(
        outcome
            .to_string()
            .starts_with("TLS certificate refused: unknown issuer"),
        "{outcome}"
    );
}

#[tokio::test]
async fn insecure_accepts_any_certificate() {
    let identity = Identity::self_signed(&["receiver.example"]);
    let addr = serve_https(receiver(), &identity).await;
    let insecure = Tls::load(&TlsOptions {
        ca_certs: Vec::new(),
        insecure: true,
    })
    .expect("no files to read");
    let outcome = delivered_to(&format!("https://{addr}/hemnet"), insecure).await;
    assert_eq!(outcome, Outcome::Acknowledged { status: 200 });
}

#[tokio::test]
async fn https_to_a_plain_http_port_is_a_handshake_failure() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, receiver()).await });
    let outcome = delivered_to(&format!("https://{addr}/hemnet"), Tls::system()).await;
    assert!(
        matches!(&outcome, Outcome::TlsHandshake { detail } if detail.contains("not TLS")),
        "{outcome}"
    );
    assert_eq!(outcome.kind(), "tls-handshake");
}

#[tokio::test]
async fn a_receiver_that_hangs_up_mid_handshake_is_a_handshake_failure() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            // Read all of the client's hello (it then waits for ours), so
            // closing sends FIN rather than RST.
            let mut hello = [0u8; 4096];
            let read_all = async { while socket.read(&mut hello).await.is_ok_and(|n| n > 0) {} };
            let _ = tokio::time::timeout(Duration::from_millis(200), read_all).await;
        }
    });
    let outcome = delivered_to(&format!("https://{addr}/hemnet"), Tls::system()).await;
    assert!(
        matches!(&outcome, Outcome::TlsHandshake { detail } if detail.contains("closed the connection during the handshake")),
        "{outcome}"
    );
}

#[tokio::test]
async fn a_certificate_for_another_name_is_a_name_mismatch() {
    let identity = Identity::issued(&["receiver.example"]);
    let addr = serve_https(receiver(), &identity).await;
    let outcome = delivered_to(&format!("https://{addr}/hemnet"), trusting(&identity)).await;
    assert_eq!(
        certificate_detail(&outcome),
        "name mismatch: issued for receiver.example, not 127.0.0.1"
    );
}

#[tokio::test]
async fn an_expired_certificate_is_refused_as_expired() {
    let identity = Identity::expired(LOOPBACK);
    let addr = serve_https(receiver(), &identity).await;
    let outcome = delivered_to(&format!("https://{addr}/hemnet"), trusting(&identity)).await;
    assert_eq!(certificate_detail(&outcome), "expired");
}

#[tokio::test]
async fn a_probe_call_trusts_what_deliveries_trust() {
    let identity = Identity::issued(LOOPBACK);
    let addr = serve_https(receiver(), &identity).await;
    let call = Call {
        method: "GET".to_owned(),
        url: format!("https://{addr}/contacts/42"),
        headers: Vec::new(),
        json: None,
        timeout: Duration::from_secs(5),
    };
    let trusted = Transport::with_tls(trusting(&identity))
        .call(&call)
        .await
        .expect("the call runs");
    let response = trusted.result.expect("an answer");
    assert_eq!(response.status, 200);
    assert_eq!(response.excerpt.body, Bytes::from_static(b"{\"stored\":1}"));
    let untrusted = Transport::new().call(&call).await.expect("the call runs");
    assert!(
        matches!(&untrusted.result, Err(TransportFailure::TlsCertificate(why)) if why.starts_with("unknown issuer")),
        "{:?}",
        untrusted.result
    );
}

#[tokio::test]
async fn a_keep_alive_connection_sends_one_delivery_after_another_over_tls() {
    let identity = Identity::issued(LOOPBACK);
    let addr = serve_https(receiver(), &identity).await;
    let url = format!("https://{addr}/hemnet");
    let body = || Bytes::from_static(b"{}");
    let mut connection = KeepAlive::new(&url, Duration::from_secs(5), trusting(&identity));
    for _ in 0..2 {
        let exchange = connection
            .send(&[], body(), Duration::from_secs(5))
            .await
            .expect("an exchange");
        assert_eq!(exchange.result.expect("an answer").status, 200);
    }
}
