//! What preparing one burst delivery costs, step by step: the full path a
//! single delivery takes, then each saving issue 16 made, one added at a
//! time, all in one run. Prints nanoseconds of CPU per delivery (the median
//! of several rounds) and each step's saving. No network: the transport's
//! share is measured by `just bench throughput`.
//!
//! `cargo bench -p hooksim-harness --bench burst_prepare` (run by
//! `just bench prepare`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use hooksim_harness::steps::burst::{Burst, BurstPayloads, Override, Scratch};
use hooksim_simulator::delivery::{PreparedDelivery, attempt_headers, request_id, unix_ms_now};
use hooksim_simulator::fake::uuid_v4;
use hooksim_simulator::providers::{Provider, ProviderId};
use hooksim_simulator::signing::{Signature, SigningKey, SigningKeys};
use hooksim_simulator::template::HeadTemplate;
use hooksim_simulator::transport::keep_alive::{KeepAlive, finish_head};
use hooksim_simulator::transport::tls::Tls;
use rand::SeedableRng as _;
use rand::rngs::SmallRng;
use rand_chacha::ChaCha8Rng;

/// Deliveries per round, and rounds per step (the median is printed).
const DELIVERIES: u32 = 20_000;
const ROUNDS: usize = 7;

/// Nanoseconds per delivery of `prepare`, the median of [`ROUNDS`].
fn per_delivery(mut prepare: impl FnMut(u32)) -> f64 {
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            let first = round as u32 * DELIVERIES;
            let started = Instant::now();
            for index in first..first + DELIVERIES {
                prepare(index);
            }
            started.elapsed().as_nanos() as f64 / f64::from(DELIVERIES)
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[ROUNDS / 2]
}

/// A signature header as the full path carries it, from the signer's bytes.
fn signature_of(bytes: &[u8]) -> Signature {
    Signature {
        header: "X-Signature",
        value: String::from_utf8(bytes.to_vec()).expect("hex is ASCII"),
        redacted: "[hmac-sha256 key=bench]".to_owned(),
    }
}

fn main() {
    // The bench's burst: Hemnet leads of about 1 KB, signed with one key.
    let burst = Burst {
        event: "CONTACT.CREATE".to_owned(),
        count: 200_000,
        concurrency: 64,
        rate: None,
        set: Vec::new(),
    };
    let provider: &'static dyn Provider = ProviderId::Hemnet.provider();
    let keys = SigningKeys::single(SigningKey::new("bench", "bench-secret"));
    let scheme = provider.signature().expect("Hemnet signs");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let _inside = runtime.enter();
    let connection = KeepAlive::new(
        "http://127.0.0.1:9/hemnet",
        Duration::from_secs(10),
        Tls::system(),
    );
    let started = Instant::now();
    let payloads = BurstPayloads::new(provider, &keys, &burst, 1, 0, burst.count).expect("a pool");
    let pool_built = started.elapsed();
    // Unsigned: the full path signs as a single delivery does, below.
    let full = BurstPayloads::new(
        provider,
        &SigningKeys { keys: Vec::new() },
        &Burst {
            // The mark that finds holes, in the message: every delivery built in full.
            set: payloads_cannot_template(),
            ..burst.clone()
        },
        1,
        0,
        burst.count,
    )
    .expect("built in full");
    assert!(payloads.templated() && !full.templated());
    let heads = HeadTemplate::new(provider, &connection, true).expect("a template");
    let mut scratch = Scratch::default();
    let mut request = Vec::new();
    // A delivery headed as a single delivery is: every header stamped as
    // text and checked, then the body after it. Its body comes from
    // `source`; it is signed by `SignatureScheme::sign` (keying the HMAC
    // each time), or with the value of the burst's signer when `keyed`.
    let mut headed_in_full = |source: &BurstPayloads, keyed: bool, index: u32| {
        let rendered = source.render(index, &mut scratch).expect("renders");
        let signature = if keyed {
            signature_of(rendered.signature.as_deref().expect("signed"))
        } else {
            scheme.sign(&rendered.body, &keys)
        };
        let prepared = PreparedDelivery {
            url: String::new(),
            signature: Some(signature),
            body: rendered.body,
        };
        request = connection
            .head(&attempt_headers(provider, &prepared))
            .expect("a head");
        finish_head(&mut request, prepared.body.len());
        request.extend_from_slice(&prepared.body);
        black_box(&request);
    };

    let mut steps: Vec<(&str, f64)> = Vec::new();
    // 0. The path of a single delivery: build the payload with its own
    //    ChaCha stream, encode it whole, key the HMAC and sign, stamp and
    //    check every header.
    steps.push((
        "full build, encode, sign, head (before)",
        per_delivery(|index| headed_in_full(&full, false, index)),
    ));
    // 1. The body from a pooled template, its identity renewed.
    steps.push((
        "+ pooled template body",
        per_delivery(|index| headed_in_full(&payloads, false, index)),
    ));
    // 2. Signed by an HMAC keyed once, into a reused buffer.
    steps.push((
        "+ HMAC keyed once",
        per_delivery(|index| headed_in_full(&payloads, true, index)),
    ));
    // 3. The head from a template, stamp and signature written into the
    //    reused request buffer with the body.
    steps.push((
        "+ head template (after)",
        per_delivery(|index| {
            let rendered = payloads.render(index, &mut scratch).expect("renders");
            request.clear();
            heads
                .render_into(
                    unix_ms_now(),
                    request_id(),
                    rendered.signature.as_deref(),
                    rendered.body.len(),
                    &mut request,
                )
                .expect("a head");
            request.extend_from_slice(&rendered.body);
            black_box(&request);
        }),
    ));

    println!(
        "preparing one burst delivery (Hemnet CONTACT.CREATE, ~1 KB, signed), ns per delivery, median of {ROUNDS} rounds of {DELIVERIES}:"
    );
    let mut before = None;
    for (step, ns) in &steps {
        match before {
            Some(previous) => {
                println!("  {step:<42} {ns:>7.0} ns  (saves {:.0} ns)", previous - ns)
            }
            None => println!("  {step:<42} {ns:>7.0} ns"),
        }
        before = Some(*ns);
    }
    let (first, last) = (steps[0].1, steps[steps.len() - 1].1);
    println!("  after / before: {:.2}", last / first);
    println!(
        "  the pool of {} payloads took {:.1} ms to build, once per burst",
        hooksim_harness::steps::burst::POOL_SIZE,
        pool_built.as_secs_f64() * 1000.0
    );

    // The per-delivery generator of the draws: a ChaCha stream seeded and
    // filled once per delivery, against a small generator.
    let chacha = per_delivery(|index| {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        rng.set_stream(u64::from(index));
        black_box(uuid_v4(&mut rng));
    });
    let small = per_delivery(|index| {
        let mut rng = SmallRng::seed_from_u64(u64::from(index));
        black_box(uuid_v4(&mut rng));
    });
    println!(
        "a delivery's draws (seed and one uuid): ChaCha8 stream {chacha:.0} ns, small generator {small:.0} ns"
    );

    // The response deadline: a fresh timeout per request against one timer moved.
    let fresh = per_delivery(|_| {
        runtime.block_on(async {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            // Pending once, as a request is until its answer comes: the
            // timer is then registered with the runtime, and taken out again.
            let answer = async {
                tokio::task::yield_now().await;
                1
            };
            black_box(tokio::time::timeout_at(deadline, answer).await.ok());
        });
    });
    let mut timer = Box::pin(tokio::time::sleep(Duration::from_secs(10)));
    let moved = per_delivery(|_| {
        runtime.block_on(async {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            timer.as_mut().reset(deadline);
            // Polled while the answer is pending, then left for the next request.
            let mut answer = std::pin::pin!(tokio::task::yield_now());
            let polled = std::future::poll_fn(|cx| {
                if answer.as_mut().poll(cx).is_ready() {
                    return std::task::Poll::Ready(1);
                }
                timer.as_mut().poll(cx).map(|()| 0)
            })
            .await;
            black_box(polled);
        });
    });
    println!(
        "the response deadline: a fresh timeout {fresh:.0} ns, one timer moved {moved:.0} ns (each inside a block_on)"
    );
}

/// An override the templates refuse (it holds their hole mark), so the
/// burst builds every delivery in full.
fn payloads_cannot_template() -> Vec<Override> {
    vec![Override {
        path: "data.message".to_owned(),
        value: serde_json::Value::from("\u{F8FF}0\u{F8FF}"),
    }]
}
