//! Receivers that break the HTTP exchange itself, played with raw TCP.

use std::time::Duration;

use hooksim_simulator::clock::{Clock, TimeScale};
use hooksim_simulator::delivery::{PreparedDelivery, attempt_headers, deliver, judge};
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::outcome::Outcome;
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::schedule::Schedule;
use hooksim_simulator::signing::{SigningKey, SigningKeys};
use hooksim_simulator::transport::keep_alive::KeepAlive;
use hooksim_simulator::transport::tls::Tls;
use hooksim_simulator::transport::{RESPONSE_EXCERPT_LIMIT, ResponseExcerpt, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy)]
enum Misbehaviour {
    /// Closes the moment it accepts, before the request arrives or after:
    /// the kernel then sends a FIN or an RST, at random.
    CloseOnAccept,
    CloseWithoutAnswer,
    ResetBeforeAnswering,
    ResetMidAnswer,
    Garbage,
    HugeBody,
}

/// Accept connections and misbehave on each, until the test ends.
async fn misbehaving_receiver(how: Misbehaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hemnet", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        // Bounded: a test sends a handful of requests at most.
        for _ in 0..256 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(misbehave(stream, how));
        }
    });
    url
}

async fn misbehave(mut stream: TcpStream, how: Misbehaviour) {
    if let Misbehaviour::CloseOnAccept = how {
        drop(stream);
        return;
    }
    let mut buf = vec![0u8; 64 * 1024];
    let _ = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await;
    match how {
        Misbehaviour::CloseWithoutAnswer | Misbehaviour::CloseOnAccept => drop(stream),
        Misbehaviour::ResetBeforeAnswering => {
            // Zero linger makes close send RST instead of FIN.
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Misbehaviour::ResetMidAnswer => {
            let head = "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\ncontent-type: text/plain\r\n\r\npartial";
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
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

/// How an attempt is sent: by the pooled client of ordinary deliveries, or
/// over a burst worker's own keep-alive connection. Both must see the same.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Via {
    Pooled,
    KeepAlive,
}

pub(crate) const BOTH: [Via; 2] = [Via::Pooled, Via::KeepAlive];

/// One Hemnet delivery attempt to `url`; an https one trusts what `tls` trusts.
pub(crate) async fn one_attempt(
    url: String,
    via: Via,
    tls: &Tls,
) -> (Outcome, Option<ResponseExcerpt>) {
    let hemnet = ProviderId::Hemnet.provider();
    let payload = hemnet
        .build("CONTACT.CREATE", &mut seeded_rng(3))
        .expect("builds");
    let keys = SigningKeys::single(SigningKey::new("secret", "k"));
    let policy = hemnet.policy();
    let prepared = PreparedDelivery::new(hemnet, url.clone(), &payload, &keys, None);
    match via {
        Via::Pooled => {
            let delivery = deliver(
                &Transport::with_tls(tls.clone()),
                hemnet,
                &policy,
                &Schedule::once(),
                &prepared,
                &mut Clock::new(TimeScale::Instant),
            )
            .await
            .expect("delivery runs");
            let attempt = delivery.attempts.into_iter().next().expect("one attempt");
            (attempt.outcome, attempt.response)
        }
        Via::KeepAlive => {
            let mut connection = KeepAlive::new(&url, policy.connect_timeout.value, tls.clone());
            let exchange = connection
                .send(
                    &attempt_headers(hemnet, &prepared),
                    prepared.body.clone(),
                    policy.response_timeout.value,
                )
                .await
                .expect("the exchange runs");
            judge(&policy, exchange.result)
        }
    }
}

#[tokio::test]
async fn closing_without_an_answer_is_classified() {
    for via in BOTH {
        let url = misbehaving_receiver(Misbehaviour::CloseWithoutAnswer).await;
        let (outcome, _) = one_attempt(url, via, &Tls::system()).await;
        assert_eq!(outcome, Outcome::ClosedWithoutResponse, "{via:?}");
    }
}

#[tokio::test]
async fn closing_on_accept_is_named_the_same_every_time() {
    for via in BOTH {
        let url = misbehaving_receiver(Misbehaviour::CloseOnAccept).await;
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..60 {
            let (outcome, _) = one_attempt(url.clone(), via, &Tls::system()).await;
            *seen.entry(outcome.to_string()).or_insert(0) += 1;
        }
        assert_eq!(
            seen.keys().collect::<Vec<_>>(),
            ["closed without response"],
            "{via:?}: {seen:?}"
        );
    }
}

#[tokio::test]
async fn a_reset_before_answering_is_a_close_and_one_mid_answer_a_reset() {
    for via in BOTH {
        let (outcome, _) = one_attempt(
            misbehaving_receiver(Misbehaviour::ResetBeforeAnswering).await,
            via,
            &Tls::system(),
        )
        .await;
        assert_eq!(outcome, Outcome::ClosedWithoutResponse, "{via:?}");
        let (outcome, _) = one_attempt(
            misbehaving_receiver(Misbehaviour::ResetMidAnswer).await,
            via,
            &Tls::system(),
        )
        .await;
        assert_eq!(outcome, Outcome::Reset, "{via:?}");
    }
}

#[tokio::test]
async fn garbage_is_a_malformed_response() {
    for via in BOTH {
        let url = misbehaving_receiver(Misbehaviour::Garbage).await;
        let (outcome, _) = one_attempt(url, via, &Tls::system()).await;
        assert!(
            matches!(outcome, Outcome::MalformedResponse { .. }),
            "{via:?}: got {outcome:?}"
        );
    }
}

#[tokio::test]
async fn a_gigabyte_answer_is_cut_at_the_excerpt_limit() {
    for via in BOTH {
        let url = misbehaving_receiver(Misbehaviour::HugeBody).await;
        let (outcome, response) = one_attempt(url, via, &Tls::system()).await;
        assert_eq!(outcome, Outcome::Acknowledged { status: 200 }, "{via:?}");
        let excerpt = response.expect("answered");
        assert!(excerpt.truncated, "{via:?}");
        assert_eq!(excerpt.body.len(), RESPONSE_EXCERPT_LIMIT, "{via:?}");
    }
}
