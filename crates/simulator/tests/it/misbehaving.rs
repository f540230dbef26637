//! Receivers that break the HTTP exchange itself, played with raw TCP.

use std::time::Duration;

use hooksim_simulator::clock::{Clock, TimeScale};
use hooksim_simulator::delivery::{PreparedDelivery, deliver};
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::outcome::Outcome;
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::schedule::Schedule;
use hooksim_simulator::signing::{SigningKey, SigningKeys};
use hooksim_simulator::transport::{RESPONSE_EXCERPT_LIMIT, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy)]
enum Misbehaviour {
    CloseWithoutAnswer,
    Reset,
    Garbage,
    HugeBody,
}

/// Accept connections and misbehave on each, until the test ends.
async fn misbehaving_receiver(how: Misbehaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hemnet", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        // Bounded: a test sends a handful of requests at most.
        for _ in 0..32 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(misbehave(stream, how));
        }
    });
    url
}

async fn misbehave(mut stream: TcpStream, how: Misbehaviour) {
    let mut buf = vec![0u8; 64 * 1024];
    let _ = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await;
    match how {
        Misbehaviour::CloseWithoutAnswer => drop(stream),
        Misbehaviour::Reset => {
            // Zero linger makes close send RST instead of FIN.
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Misbehaviour::Garbage => {
            let _ = stream.write_all(b"this is not http at all\r\n\r\n").await;
        }
        Misbehaviour::HugeBody => {
            let head =
                "HTTP/1.1 200 OK\r\ncontent-length: 1073741824\r\ncontent-type: text/plain\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b'x'; 64 * 1024];
            // At most 1 GiB, and in practice only until the client hangs up.
            for _ in 0..16_384 {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn one_attempt(url: String) -> hooksim_simulator::delivery::Attempt {
    let hemnet = ProviderId::Hemnet.provider();
    let payload = hemnet
        .build("CONTACT.CREATE", &mut seeded_rng(3))
        .expect("builds");
    let keys = SigningKeys::single(SigningKey::new("secret", "k"));
    let prepared = PreparedDelivery::new(hemnet, url, &payload, &keys, None);
    let delivery = deliver(
        &Transport::new(),
        hemnet,
        &hemnet.policy(),
        &Schedule::once(),
        &prepared,
        &mut Clock::new(TimeScale::Instant),
    )
    .await
    .expect("delivery runs");
    delivery.attempts.into_iter().next().expect("one attempt")
}

#[tokio::test]
async fn closing_without_an_answer_is_classified() {
    let attempt = one_attempt(misbehaving_receiver(Misbehaviour::CloseWithoutAnswer).await).await;
    assert_eq!(attempt.outcome, Outcome::ClosedWithoutResponse);
}

#[tokio::test]
async fn a_reset_is_classified() {
    let attempt = one_attempt(misbehaving_receiver(Misbehaviour::Reset).await).await;
    assert_eq!(attempt.outcome, Outcome::Reset);
}

#[tokio::test]
async fn garbage_is_a_malformed_response() {
    let attempt = one_attempt(misbehaving_receiver(Misbehaviour::Garbage).await).await;
    assert!(
        matches!(attempt.outcome, Outcome::MalformedResponse { .. }),
        "got {:?}",
        attempt.outcome
    );
}

#[tokio::test]
async fn a_gigabyte_answer_is_cut_at_the_excerpt_limit() {
    let attempt = one_attempt(misbehaving_receiver(Misbehaviour::HugeBody).await).await;
    assert_eq!(attempt.outcome, Outcome::Acknowledged { status: 200 });
    let excerpt = attempt.response.expect("answered");
    assert!(excerpt.truncated);
    assert_eq!(excerpt.body.len(), RESPONSE_EXCERPT_LIMIT);
}
