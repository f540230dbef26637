//! Allocations per burst delivery, counted by a counting allocator: none to
//! render a body and sign it, none to write its head, and none for the
//! whole exchange over a keep-alive connection once its buffers have grown.
//!
//! Counts are per thread, so tests running beside each other do not mix.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::Duration;

use hooksim_harness::steps::burst::{Burst, BurstPayloads, Scratch};
use hooksim_simulator::delivery::{request_id, unix_ms_now};
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::signing::{SigningKey, SigningKeys};
use hooksim_simulator::template::HeadTemplate;
use hooksim_simulator::transport::keep_alive::KeepAlive;
use hooksim_simulator::transport::tls::Tls;

/// Allocations this thread made while `work` ran (`allocation-counter`
/// is this test binary's global allocator).
fn allocations(work: impl FnOnce()) -> u64 {
    allocation_counter::measure(work).count_total
}

const DELIVERIES: u32 = 1_000;

/// The bench's burst: Hemnet leads, signed (two keys, as while rotating).
fn hemnet_payloads() -> BurstPayloads {
    let burst = Burst {
        event: "CONTACT.CREATE".to_owned(),
        count: 100_000,
        concurrency: 64,
        rate: None,
        set: Vec::new(),
    };
    let keys = SigningKeys::rotating(
        SigningKey::new("old", "bench-old"),
        SigningKey::new("new", "bench-new"),
    );
    let provider = ProviderId::Hemnet.provider();
    BurstPayloads::new(provider, &keys, &burst, 1, 0, burst.count).expect("a pool")
}

#[test]
fn rendering_and_signing_a_body_allocates_nothing() {
    let payloads = hemnet_payloads();
    assert!(payloads.templated() && payloads.signed());
    let mut scratch = Scratch::default();
    // The buffers grow to their size on the first deliveries.
    for index in 0..16 {
        drop(payloads.render(index, &mut scratch).expect("renders"));
    }
    let made = allocations(|| {
        for index in 16..16 + DELIVERIES {
            // Dropped before the next, as a sent body is.
            let rendered = payloads.render(index, &mut scratch).expect("renders");
            assert!(rendered.body.len() > 500 && rendered.signature.is_some());
        }
    });
    assert_eq!(made, 0, "{made} allocations in {DELIVERIES} deliveries");
}

#[test]
fn writing_a_head_allocates_nothing() {
    let connection = KeepAlive::new(
        "http://127.0.0.1:9/hemnet",
        Duration::from_secs(1),
        Tls::system(),
    );
    let provider = ProviderId::Hemnet.provider();
    let heads = HeadTemplate::new(provider, &connection, true).expect("a template");
    let mut head = Vec::new();
    let mut write_head = || {
        head.clear();
        heads
            .render_into(
                unix_ms_now(),
                request_id(),
                Some(b"0123abcd"),
                1024,
                &mut head,
            )
            .expect("renders");
        assert!(head.ends_with(b"content-length: 1024\r\n\r\n"));
    };
    // The buffer grows to its size on the first heads.
    for _ in 0..16 {
        write_head();
    }
    let made = allocations(|| {
        for _ in 0..DELIVERIES {
            write_head();
        }
    });
    assert_eq!(made, 0, "{made} allocations in {DELIVERIES} heads");
}

/// A receiver on its own thread answering every request `200 ok` over one
/// keep-alive connection.
fn answering_receiver() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hemnet", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        let mut pending = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        // Bounded: the test sends a known number of requests.
        for _ in 0..(DELIVERIES + 100) {
            // One request: its head, then content-length bytes of body.
            let request_end = loop {
                if let Some(end) = whole_request(&pending) {
                    break end;
                }
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => pending.extend_from_slice(&chunk[..n]),
                }
            };
            pending.drain(..request_end);
            let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nok\n";
            if stream.write_all(answer).is_err() {
                return;
            }
        }
    });
    url
}

/// The length of the first whole request in `bytes`, if it is all there.
fn whole_request(bytes: &[u8]) -> Option<usize> {
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&bytes[..head_end]).ok()?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    (bytes.len() >= head_end + length).then_some(head_end + length)
}

/// One worker's state, as a burst worker holds it.
struct Worker {
    payloads: BurstPayloads,
    connection: KeepAlive,
    heads: HeadTemplate,
    scratch: Scratch,
    request: Vec<u8>,
}

impl Worker {
    async fn deliver(&mut self, index: u32) {
        let rendered = self
            .payloads
            .render(index, &mut self.scratch)
            .expect("renders");
        self.request.clear();
        self.heads
            .render_into(
                unix_ms_now(),
                request_id(),
                rendered.signature.as_deref(),
                rendered.body.len(),
                &mut self.request,
            )
            .expect("renders");
        self.request.extend_from_slice(&rendered.body);
        let exchange = self
            .connection
            .send_request(&self.request, Duration::from_secs(5))
            .await;
        assert_eq!(exchange.result.expect("answered").status, 200);
    }
}

#[test]
fn a_whole_delivery_allocates_nothing() {
    let url = answering_receiver();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let connection = KeepAlive::new(&url, Duration::from_secs(5), Tls::system());
    let heads =
        HeadTemplate::new(ProviderId::Hemnet.provider(), &connection, true).expect("a template");
    let mut worker = Worker {
        payloads: hemnet_payloads(),
        connection,
        heads,
        scratch: Scratch::default(),
        request: Vec::new(),
    };
    // Connected, and every buffer at its size.
    runtime.block_on(async {
        for index in 0..16 {
            worker.deliver(index).await;
        }
    });
    // The runtime is single-threaded: everything the deliveries do is counted.
    let made = allocations(|| {
        runtime.block_on(async {
            for index in 16..16 + DELIVERIES {
                worker.deliver(index).await;
            }
        });
    });
    // The request is written into the worker's buffer, the answer read into
    // the connection's, and the excerpt is a slice of it.
    assert_eq!(made, 0, "{made} allocations in {DELIVERIES} deliveries");
}
