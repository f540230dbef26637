//! Receivers that break the HTTP exchange itself, played with raw TCP, and
//! one delivery attempt sent to them either way hooksim sends: by the
//! pooled client or over a burst's keep-alive connection. The hostile
//! matrix (`hostile.rs`) runs every behaviour here.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use hooksim_simulator::clock::{Clock, TimeScale};
use hooksim_simulator::delivery::{PreparedDelivery, attempt_headers, deliver, judge};
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::outcome::Outcome;
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::schedule::Schedule;
use hooksim_simulator::signing::{SigningKey, SigningKeys};
use hooksim_simulator::transport::keep_alive::KeepAlive;
use hooksim_simulator::transport::{ResponseExcerpt, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What a misbehaving receiver does on every connection it accepts.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Misbehaviour {
    /// Reads whatever comes and never writes a byte, until the client hangs
    /// up. To an https client: accepts TCP and never speaks TLS.
    NeverAnswers,
    /// Closes the moment it accepts, before the request arrives or after:
    /// the kernel then sends a FIN or an RST, at random.
    CloseOnAccept,
    /// Reads the request, then closes (FIN).
    CloseWithoutAnswer,
    /// Reads the request, then resets (RST).
    ResetAfterReading,
    /// Begins a 200 answer, then resets part way through its body.
    ResetMidAnswer,
    /// Answers bytes that are not HTTP, then closes.
    Garbage,
    /// A 200 whose `content-length` is 1 GiB, written until the client hangs up.
    GigabyteBody,
    /// A 200 whose `content-length` promises more than is sent, then closes.
    LyingLengthThenClose,
    /// A 200 whose `content-length` promises more than is sent, then waits.
    LyingLengthHeldOpen,
    /// The response head one byte a second (slowloris).
    SlowlorisHead,
    /// A 200 saying `connection: close`, with no length and no body, then closes.
    CloseWithoutBody,
    /// An HTTP/1.0 200 without a length: the body runs to the close.
    Http10WithoutLength,
    /// A 302 to the very path it was sent to, for every request.
    RedirectToItself,
    /// `100 Continue`, then nothing.
    ContinueThenNothing,
}

impl Misbehaviour {
    /// Whether the receiver reads the whole request before it misbehaves,
    /// so that a close sends FIN, not the RST a socket closed with unread
    /// data sends.
    fn reads_the_request_first(self) -> bool {
        !matches!(self, Self::CloseOnAccept | Self::NeverAnswers)
    }
}

/// The body [`Misbehaviour::Http10WithoutLength`] sends before it closes.
pub(crate) const HTTP10_BODY: &[u8] = b"stored, says HTTP/1.0";

/// The head of an answer that promises 1000 bytes of body, and the part of
/// them [`Misbehaviour::ResetMidAnswer`] and the lying lengths send.
const PROMISES_1000: &str =
    "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\ncontent-type: text/plain\r\n\r\n";
const LYING_PART: &[u8] = b"partial";

/// The longest a receiver holds a connection the client has not hung up.
const HOLD_AT_MOST: Duration = Duration::from_secs(30);

/// A misbehaving receiver on a loopback port, and what it saw.
pub(crate) struct Misbehaving {
    pub addr: SocketAddr,
    pub tally: Arc<Tally>,
}

/// What a misbehaving receiver counted, over all its connections.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub connections: AtomicUsize,
    /// Requests read whole (head and `content-length` body).
    pub requests: AtomicUsize,
    /// Bytes of response body written (accepted by the kernel).
    pub body_bytes_written: AtomicU64,
    /// Connections the receiver is done with: it closed them, or the client hung up.
    pub ended: AtomicUsize,
}

impl Misbehaving {
    /// `http://` or `https://` to this receiver's Hemnet path.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}/hemnet", self.addr)
    }
}

/// Accept connections and misbehave on each, until the test ends.
pub(crate) async fn misbehaving_receiver(how: Misbehaviour) -> Misbehaving {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let tally = Arc::new(Tally::default());
    let counted = Arc::clone(&tally);
    tokio::spawn(async move {
        // Bounded: a test opens a few dozen connections at most.
        for _ in 0..256 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            counted.connections.fetch_add(1, Ordering::SeqCst);
            let tally = Arc::clone(&counted);
            tokio::spawn(async move {
                misbehave(stream, how, &tally).await;
                tally.ended.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    Misbehaving { addr, tally }
}

async fn misbehave(mut stream: TcpStream, how: Misbehaviour, tally: &Tally) {
    use Misbehaviour as M;
    if how.reads_the_request_first() {
        if !read_request(&mut stream).await {
            return;
        }
        tally.requests.fetch_add(1, Ordering::SeqCst);
    }
    match how {
        // Dropping the stream closes it.
        M::CloseOnAccept | M::CloseWithoutAnswer => {}
        M::NeverAnswers => until_hung_up(&mut stream).await,
        M::ResetAfterReading => reset(stream),
        M::ResetMidAnswer => {
            let _ = stream.write_all(PROMISES_1000.as_bytes()).await;
            let _ = stream.write_all(LYING_PART).await;
            // Let the head arrive before the reset does.
            tokio::time::sleep(Duration::from_millis(50)).await;
            reset(stream);
        }
        M::Garbage => {
            let _ = stream.write_all(b"this is not http at all\r\n\r\n").await;
        }
        M::GigabyteBody => {
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
                tally
                    .body_bytes_written
                    .fetch_add(chunk.len() as u64, Ordering::SeqCst);
            }
        }
        M::LyingLengthThenClose | M::LyingLengthHeldOpen => {
            let _ = stream.write_all(PROMISES_1000.as_bytes()).await;
            let _ = stream.write_all(LYING_PART).await;
            if let M::LyingLengthHeldOpen = how {
                until_hung_up(&mut stream).await;
            }
        }
        M::SlowlorisHead => {
            let head = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
            // Bounded by the head's length: some forty seconds at most.
            for byte in head {
                if stream.write_all(&[*byte]).await.is_err()
                    || hung_up_within(&mut stream, Duration::from_secs(1)).await
                {
                    return;
                }
            }
        }
        M::CloseWithoutBody => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n")
                .await;
        }
        M::Http10WithoutLength => {
            let _ = stream
                .write_all(b"HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\n")
                .await;
            let _ = stream.write_all(HTTP10_BODY).await;
        }
        M::RedirectToItself => {
            let redirect = b"HTTP/1.1 302 Found\r\nlocation: /hemnet\r\ncontent-length: 0\r\n\r\n";
            // Every request on the connection, as a real loop would (bounded).
            for _ in 0..100 {
                if stream.write_all(redirect).await.is_err() || !read_request(&mut stream).await {
                    return;
                }
                tally.requests.fetch_add(1, Ordering::SeqCst);
            }
        }
        M::ContinueThenNothing => {
            let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
            until_hung_up(&mut stream).await;
        }
    }
}

/// Close with an RST: zero linger makes close send one instead of a FIN.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

/// Read one whole request (within a second); false if it never came.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut pending = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let read = async {
        // Bounded: a request of a megabyte at most.
        while pending.len() < 1024 * 1024 {
            if whole_request(&pending).is_some() {
                return true;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => pending.extend_from_slice(&chunk[..n]),
            }
        }
        false
    };
    tokio::time::timeout(Duration::from_secs(1), read)
        .await
        .unwrap_or(false)
}

/// Read and drop whatever comes until the client hangs up (or
/// [`HOLD_AT_MOST`] has passed).
async fn until_hung_up(stream: &mut TcpStream) {
    let mut sink = [0u8; 16 * 1024];
    let drain = async { while stream.read(&mut sink).await.is_ok_and(|n| n > 0) {} };
    let _ = tokio::time::timeout(HOLD_AT_MOST, drain).await;
}

/// Whether the client hangs up within `wait`.
async fn hung_up_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut sink = [0u8; 1024];
    matches!(
        tokio::time::timeout(wait, stream.read(&mut sink)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// The length of the first complete request in `buffer`, if there is one.
pub(crate) fn whole_request(buffer: &[u8]) -> Option<usize> {
    let head_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    (buffer.len() >= head_end + length).then_some(head_end + length)
}

/// How an attempt is sent: by the pooled client of ordinary deliveries, or
/// over a burst worker's own keep-alive connection. Both must see the same.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Via {
    Pooled,
    KeepAlive,
}

pub(crate) const BOTH: [Via; 2] = [Via::Pooled, Via::KeepAlive];

/// One Hemnet delivery attempt to `url` under `policy`, through
/// `transport`'s pooled client or over a keep-alive connection of its own
/// that trusts what `transport` trusts.
pub(crate) async fn one_attempt(
    url: String,
    via: Via,
    transport: &Transport,
    policy: &DeliveryPolicy,
) -> (Outcome, Option<ResponseExcerpt>) {
    let hemnet = ProviderId::Hemnet.provider();
    let payload = hemnet
        .build("CONTACT.CREATE", &mut seeded_rng(3))
        .expect("builds");
    let keys = SigningKeys::single(SigningKey::new("secret", "k"));
    let prepared = PreparedDelivery::new(hemnet, url.clone(), &payload, &keys, None);
    match via {
        Via::Pooled => {
            let delivery = deliver(
                transport,
                hemnet,
                policy,
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
            let mut connection =
                KeepAlive::new(&url, policy.connect_timeout.value, transport.tls().clone());
            let exchange = connection
                .send(
                    &attempt_headers(hemnet, &prepared),
                    prepared.body.clone(),
                    policy.response_timeout.value,
                )
                .await
                .expect("the exchange runs");
            judge(policy, exchange.result)
        }
    }
}
