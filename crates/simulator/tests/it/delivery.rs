use std::time::Duration;

use hooksim_simulator::clock::{Clock, TimeScale};
use hooksim_simulator::delivery::{PreparedDelivery, Verdict, deliver};
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::outcome::Outcome;
use hooksim_simulator::policy::{DeliveryPolicy, Fact};
use hooksim_simulator::providers::{Provider, ProviderId};
use hooksim_simulator::schedule::Schedule;
use hooksim_simulator::signing::{Forgery, SigningKey, SigningKeys, hmac_sha256_hex};
use hooksim_simulator::transport::Transport;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn hemnet() -> &'static dyn Provider {
    ProviderId::Hemnet.provider()
}

fn keys() -> SigningKeys {
    SigningKeys::single(SigningKey::new("secret", "k-test"))
}

fn prepared(url: String, keys: &SigningKeys, forgery: Option<Forgery>) -> PreparedDelivery {
    let mut payload = hemnet()
        .build("CONTACT.CREATE", &mut seeded_rng(1))
        .expect("hemnet builds its own event");
    payload["data"]["message"] = "Tom & Jerry <3 > på Storgatan".into();
    PreparedDelivery::new(hemnet(), url, &payload, keys, forgery)
}

/// A receiver that answers `status` once, then 200.
async fn fails_once_then_acknowledges(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn retries_after_500_at_the_first_nominal_gap() {
    let server = fails_once_then_acknowledges(500).await;
    let policy = hemnet().policy();
    let mut clock = Clock::new(TimeScale::Instant);
    let delivery = deliver(
        &Transport::new(),
        hemnet(),
        &policy,
        &policy.schedule.value,
        &prepared(server.uri(), &keys(), None),
        &mut clock,
    )
    .await
    .expect("delivery runs");
    let seen: Vec<_> = delivery
        .attempts
        .iter()
        .map(|a| (a.outcome.clone(), a.nominal_at))
        .collect();
    assert_eq!(
        seen,
        [
            (Outcome::Rejected { status: 500 }, Duration::ZERO),
            (
                Outcome::Acknowledged { status: 200 },
                policy.schedule.value.gaps()[0]
            ),
        ]
    );
    assert_eq!(policy.schedule.value.gaps()[0], Duration::from_secs(60));
    assert_eq!(delivery.verdict, Verdict::Delivered);
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_is_a_response_timeout_in_real_time() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let mut policy = hemnet().policy();
    policy.response_timeout = Fact::assumed(Duration::from_millis(300), "test");
    let started = std::time::Instant::now();
    let delivery = deliver(
        &Transport::new(),
        hemnet(),
        &policy,
        &Schedule::once(),
        &prepared(server.uri(), &keys(), None),
        &mut Clock::new(TimeScale::Instant),
    )
    .await
    .expect("delivery runs");
    let attempt = &delivery.attempts[0];
    assert_eq!(attempt.outcome, Outcome::ResponseTimeout);
    assert!(
        attempt.latency >= Duration::from_millis(300),
        "waited {:?}",
        attempt.latency
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "did not wait for the slow answer"
    );
    assert_eq!(delivery.verdict, Verdict::GaveUp);
}

#[tokio::test]
async fn a_port_nobody_listens_on_is_connect_refused_on_every_attempt() {
    // Bound but not listening: connects are refused and nobody else can take the port.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let url = format!("http://{}/hemnet", socket.local_addr().expect("addr"));
    let policy = hemnet().policy();
    let mut clock = Clock::new(TimeScale::Instant);
    let delivery = deliver(
        &Transport::new(),
        hemnet(),
        &policy,
        &policy.schedule.value,
        &prepared(url, &keys(), None),
        &mut clock,
    )
    .await
    .expect("delivery runs");
    assert!(
        delivery
            .attempts
            .iter()
            .all(|a| a.outcome == Outcome::ConnectRefused)
    );
    assert_eq!(delivery.attempts.len(), policy.schedule.value.attempts());
    assert_eq!(clock.now(), policy.schedule.value.span());
    assert_eq!(delivery.verdict, Verdict::GaveUp);
}

#[tokio::test]
async fn the_signature_matches_the_bytes_the_receiver_got() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let prepared = prepared(server.uri(), &keys(), None);
    deliver(
        &Transport::new(),
        hemnet(),
        &hemnet().policy(),
        &Schedule::once(),
        &prepared,
        &mut Clock::new(TimeScale::Instant),
    )
    .await
    .expect("delivery runs");
    let requests = server.received_requests().await.expect("recording is on");
    let request = &requests[0];
    assert_eq!(
        request.body,
        prepared.body.as_ref(),
        "the exact signed bytes were sent"
    );
    let body = std::str::from_utf8(&request.body).expect("utf-8");
    assert!(
        body.contains(r"Tom \u0026 Jerry \u003c3 \u003e på"),
        "{body}"
    );
    let signature = request
        .headers
        .get("x-signature")
        .expect("signed")
        .to_str()
        .expect("ascii");
    assert_eq!(signature, hmac_sha256_hex(b"k-test", &request.body));
    for name in ["user-agent", "content-type", "x-timestamp", "x-request-id"] {
        assert!(request.headers.contains_key(name), "missing {name}");
    }
    assert_eq!(request.headers["user-agent"], "Hemnet API Client");
}

#[tokio::test]
async fn rotation_sends_old_comma_new_and_request_ids_change_per_attempt() {
    let server = fails_once_then_acknowledges(503).await;
    let keys = SigningKeys::rotating(
        SigningKey::new("old", "k-old"),
        SigningKey::new("new", "k-new"),
    );
    let policy = hemnet().policy();
    deliver(
        &Transport::new(),
        hemnet(),
        &policy,
        &policy.schedule.value,
        &prepared(server.uri(), &keys, None),
        &mut Clock::new(TimeScale::Instant),
    )
    .await
    .expect("delivery runs");
    let requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 2);
    let signature = requests[0].headers["x-signature"].to_str().expect("ascii");
    let expected = format!(
        "{},{}",
        hmac_sha256_hex(b"k-old", &requests[0].body),
        hmac_sha256_hex(b"k-new", &requests[0].body)
    );
    assert_eq!(signature, expected);
    assert_ne!(
        requests[0].headers["x-request-id"],
        requests[1].headers["x-request-id"]
    );
}

#[tokio::test]
async fn forgeries_break_the_signature_in_their_own_way() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    for forgery in Forgery::ALL {
        let prepared = prepared(server.uri(), &keys(), Some(forgery));
        let valid = hmac_sha256_hex(b"k-test", &prepared.body);
        match (forgery, &prepared.signature) {
            (Forgery::MissingHeader, None) => {}
            (Forgery::MissingHeader, Some(_)) => panic!("missing-header still has a signature"),
            (_, Some(signature)) => {
                assert_ne!(signature.value, valid, "{forgery:?} left a valid signature")
            }
            (_, None) => panic!("{forgery:?} dropped the header"),
        }
    }
    let original = prepared(server.uri(), &keys(), None);
    let changed = prepared(
        server.uri(),
        &keys(),
        Some(Forgery::BodyChangedAfterSigning),
    );
    assert_ne!(original.body, changed.body);
    assert_eq!(
        original.signature, changed.signature,
        "signed before the change"
    );
}

#[tokio::test]
async fn a_3xx_is_a_redirect_that_is_not_followed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/elsewhere"))
        .mount(&server)
        .await;
    let mut policy: DeliveryPolicy = hemnet().policy();
    policy.schedule = Fact::assumed(Schedule::once(), "test");
    let delivery = deliver(
        &Transport::new(),
        hemnet(),
        &policy,
        &Schedule::once(),
        &prepared(server.uri(), &keys(), None),
        &mut Clock::new(TimeScale::Instant),
    )
    .await
    .expect("delivery runs");
    assert_eq!(
        delivery.attempts[0].outcome,
        Outcome::Redirect {
            status: 301,
            location: Some("/elsewhere".into())
        }
    );
    assert_eq!(
        server.received_requests().await.expect("recording").len(),
        1,
        "redirect not followed"
    );
}
