//! The `burst` step: many deliveries of one event at once, to measure how a
//! receiver acknowledges under load. Each delivery is a single attempt (a
//! retry would hide a slow acknowledgement), under the provider's timeouts
//! and success rule and signed as `deliver` signs. Only counts per outcome
//! class and a fixed-size latency histogram are kept, never a body or a
//! single latency, so memory does not grow with `count`.

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use hooksim_simulator::SimulatorError;
use hooksim_simulator::delivery::{judge, request_id, unix_ms_now};
use hooksim_simulator::payload::set_path;
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::{Provider, ProviderId};
use hooksim_simulator::schedule::format_nominal;
use hooksim_simulator::signing::SigningKeys;
use hooksim_simulator::template::HeadTemplate;
use hooksim_simulator::transport::keep_alive::KeepAlive;
use hooksim_simulator::transport::tls::Tls;
use rand::SeedableRng;
use serde_json::{Value, json};

use super::{Ran, ReadContext, Record, StepCx, StepKind, event_shape};
use crate::error::HarnessError;
use crate::expect::{
    Allowed, BURST_EXPECTATIONS, Basis, Check, Expectations, read_expectation,
};
use crate::latency::LatencyHistogram;
use crate::read::shape::{Key, Shape};
use crate::read::{Node, Reader};
use crate::state::sending_policy;
use crate::steps::Answers;

mod payloads;
mod read;

pub use payloads::{BurstPayloads, POOL_SIZE, Rendered, Scratch};
/// What `set:` holds: exported for building a [`Burst`] outside a scenario.
pub use crate::read::Override;

/// The most deliveries one burst may ask for: a load loop stays bounded.
pub const MAX_COUNT: u32 = 1_000_000;
/// The most deliveries in flight at once.
pub const MAX_CONCURRENCY: u32 = 1_024;
/// A burst stops starting deliveries after this much real time, and
/// records what it did (the step then fails: not everything was sent).
pub const MAX_WALL_TIME: Duration = Duration::from_secs(120);

/// `burst: { event, count, concurrency, rate?, set? }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    pub event: String,
    pub count: u32,
    pub concurrency: u32,
    pub rate: Option<Rate>,
    /// Payload overrides applied to every delivery, in file order.
    pub set: Vec<Override>,
}

fn keys(provider: Option<ProviderId>) -> Vec<Key> {
    vec![
        Key::required(
            "event",
            "The event every delivery of the burst sends, each with its own data.",
            event_shape(provider),
        ),
        Key::required(
            "count",
            "How many deliveries to send, from 1 to 1000000.",
            Shape::integer(1, MAX_COUNT),
        ),
        Key::required(
            "concurrency",
            "How many deliveries may be in flight at once, from 1 to 1024.",
            Shape::integer(1, MAX_CONCURRENCY),
        ),
        Key::optional(
            "rate",
            "Start no more deliveries than this: a whole number per second or minute, like `500/s` or `600/m`.",
            Shape::Pattern(r"^\s*[0-9]+\s*/\s*(s|m)\s*$"),
        ),
        Key::optional(
            "set",
            "Payload overrides by dotted path applied to every delivery, like `{ data.message: hi }`.",
            Shape::dictionary(None, Shape::Any),
        ),
    ]
}

impl StepKind for Burst {
    const KEYWORD: &'static str = "burst";
    const SUMMARY: &'static str = "Many single-attempt deliveries at once, measuring how the receiver acknowledges under load.";
    const EXPECTS: Allowed = Allowed::keys(&BURST_EXPECTATIONS);

    fn shape(provider: Option<ProviderId>) -> Option<Shape> {
        Some(Shape::Mapping(keys(provider)))
    }

    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        read::read_burst(r, key, value, cx)
    }

    /// `expect: { all_acknowledged, p99_under }`: a burst expects nothing else.
    fn read_expect(r: &mut Reader<'_>, _: &Node, node: &Node) -> Option<Expectations> {
        let entries = r.entries(node, node, "a burst's `expect`", &BURST_EXPECTATIONS)?;
        let mut expect = Expectations::default();
        let mut complete = true;
        for (name, _, value) in &entries.known {
            complete &= read_expectation(r, name, value, &mut expect).is_some();
        }
        complete.then_some(expect)
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        let routes = &cx.state.routes;
        let [route] = routes.as_slice() else {
            return Err(cx.bad_step(format!(
                "a burst goes to one target; this scenario has {} subscriptions",
                routes.len()
            )));
        };
        let policy = sending_policy(routes, cx.policy);
        let plan = BurstPlan {
            provider: cx.provider.provider(),
            policy: &policy,
            url: &route.url,
            tls: cx.transport.tls().clone(),
            keys: &route.keys,
            seed: cx.data_seed(),
            step_index: cx.index,
            wall_time_limit: MAX_WALL_TIME,
        };
        // A payload that cannot be built is the scenario's fault; find it before sending.
        plan.payload(self, 0).map_err(|e| cx.step_error(e))?;
        let record = run_burst(&plan, self)
            .await
            .map_err(|source| cx.engine_error(source))?;
        let checks = check_burst(cx.expect, &record, cx.provider, &policy);
        Ok((Arc::new(record), checks))
    }
}

impl Record for BurstRecord {
    fn transcript(&self, out: &mut String, heading: &str, _: Answers) {
        let _ = writeln!(out, "{heading}: {}: {}", self.title(), self.outcome_summary());
        for o in &self.burst.set {
            let _ = writeln!(out, "  set {} = {}", o.path, o.value);
        }
    }

    fn title(&self) -> String {
        BurstRecord::title(self)
    }

    fn failure_details(&self, out: &mut String, _: ProviderId, _: &DeliveryPolicy) {
        let _ = writeln!(out, "    {}", self.figures());
    }

    fn json_kind(&self) -> &'static str {
        "burst"
    }

    fn json_title(&self) -> String {
        format!("{}: {}", BurstRecord::title(self), self.outcome_summary())
    }

    fn json_section(&self) -> Option<(&'static str, Value)> {
        Some(("burst", self.report()))
    }

    fn attempts(&self) -> usize {
        usize::try_from(self.sent).unwrap_or(usize::MAX)
    }
}

/// A target rate of deliveries started per second (`500/s`, `600/m`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// As written: so many per unit.
    pub amount: u32,
    pub per: RateUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    Second,
    Minute,
}

impl Rate {
    pub const HELP: &str =
        "a rate is a whole number of deliveries per second or minute: `500/s`, `600/m`";

    pub fn parse(text: &str) -> Result<Self, String> {
        let (amount, unit) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not a rate"))?;
        let amount: u32 = amount
            .trim()
            .parse()
            .map_err(|_| format!("`{}` is not a whole number", amount.trim()))?;
        if amount == 0 {
            return Err("a rate of 0 would never send".to_owned());
        }
        let per = match unit.trim() {
            "s" => RateUnit::Second,
            "m" => RateUnit::Minute,
            other => return Err(format!("`{other}` is not a rate unit (use `s` or `m`)")),
        };
        Ok(Self { amount, per })
    }

    /// When the `index`th delivery (0-based) may start, after the first.
    fn start_offset(&self, index: u32) -> Duration {
        let unit = match self.per {
            RateUnit::Second => Duration::from_secs(1),
            RateUnit::Minute => Duration::from_secs(60),
        };
        unit.mul_f64(f64::from(index) / f64::from(self.amount))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.per {
            RateUnit::Second => "s",
            RateUnit::Minute => "m",
        };
        write!(f, "{}/{unit}", self.amount)
    }
}

/// What a burst did: counts and a latency histogram, nothing per request.
#[derive(Debug, Clone)]
pub struct BurstRecord {
    pub burst: Burst,
    /// Deliveries started (fewer than asked when the wall-time limit struck).
    pub sent: u64,
    /// Deliveries per outcome class (`Outcome::kind()`), in name order.
    pub outcomes: BTreeMap<&'static str, u64>,
    /// Time from sending to the answer (or to the failure), every attempt.
    pub latency: LatencyHistogram,
    pub wall_time: Duration,
    /// Bytes of one body: every delivery's payload has the same shape.
    pub body_bytes: usize,
    pub stopped_by_wall_time: bool,
    /// The limit that applied, to say so when it struck.
    pub wall_time_limit: Duration,
}

impl BurstRecord {
    pub fn acknowledged(&self) -> u64 {
        self.outcomes.get("acknowledged").copied().unwrap_or(0)
    }

    /// `burst CONTACT.CREATE x10000 at concurrency 64`.
    pub fn title(&self) -> String {
        let b = &self.burst;
        let rate = b.rate.map(|r| format!(", {r}")).unwrap_or_default();
        format!(
            "burst {} x{} at concurrency {}{rate}",
            b.event, b.count, b.concurrency
        )
    }

    /// `10000 acknowledged` or `9990 acknowledged, 10 response-timeout`:
    /// classes and counts only, so it reads the same on every run.
    pub fn outcome_summary(&self) -> String {
        let mut parts: Vec<String> = self
            .outcomes
            .iter()
            .map(|(kind, count)| format!("{count} {kind}"))
            .collect();
        if parts.is_empty() {
            parts.push("nothing sent".to_owned());
        }
        // Acknowledged first: it is what the reader looks for.
        parts.sort_by_key(|part| !part.ends_with(" acknowledged"));
        parts.join(", ")
    }

    /// The measured figures in a line, for a failure report (never a transcript).
    pub fn figures(&self) -> String {
        format!(
            "{} sent in {}, {:.0}/s; latency p50 {}, p90 {}, p99 {}, max {}",
            self.sent,
            format_measured(self.wall_time),
            self.throughput_per_second(),
            format_measured(self.latency.percentile(0.50)),
            format_measured(self.latency.percentile(0.90)),
            format_measured(self.latency.percentile(0.99)),
            format_measured(self.latency.max())
        )
    }

    /// Deliveries answered per second of wall time.
    pub fn throughput_per_second(&self) -> f64 {
        let seconds = self.wall_time.as_secs_f64();
        if seconds > 0.0 {
            self.sent as f64 / seconds
        } else {
            0.0
        }
    }

    /// The figures for the JSON report (docs/json-report.md).
    pub fn report(&self) -> Value {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        json!({
            "event": self.burst.event,
            "count": self.burst.count,
            "concurrency": self.burst.concurrency,
            "rate": self.burst.rate.map(|r| r.to_string()),
            "sent": self.sent,
            "outcomes": self.outcomes,
            "body_bytes": self.body_bytes,
            "latency_ms": {
                "p50": ms(self.latency.percentile(0.50)),
                "p90": ms(self.latency.percentile(0.90)),
                "p99": ms(self.latency.percentile(0.99)),
                "max": ms(self.latency.max()),
            },
            "throughput_per_s": self.throughput_per_second(),
            "wall_time_ms": ms(self.wall_time),
            "stopped_by_wall_time": self.stopped_by_wall_time,
        })
    }
}

/// Where and how a burst sends: the scenario's single route and policy.
#[derive(Debug)]
pub struct BurstPlan<'a> {
    /// The 'static profile: every worker task holds it.
    pub provider: &'static dyn Provider,
    pub policy: &'a DeliveryPolicy,
    pub url: &'a str,
    /// What an https receiver's certificate is checked against.
    pub tls: Tls,
    pub keys: &'a SigningKeys,
    /// The scenario's seed mixed with its rule, as `deliver` uses it.
    pub seed: u64,
    /// The step's 0-based position: every delivery gets its own rng stream.
    pub step_index: usize,
    /// No delivery starts after this much real time ([`MAX_WALL_TIME`] in a run).
    pub wall_time_limit: Duration,
}

impl BurstPlan<'_> {
    /// The payload of the `index`th delivery: its own rng stream, so a
    /// delivery's data depends only on the seed, the step and its number.
    pub fn payload(&self, burst: &Burst, index: u32) -> Result<Value, SimulatorError> {
        burst_payload(self.provider, self.seed, self.step_index, burst, index)
    }
}

pub(super) fn burst_payload(
    provider: &dyn Provider,
    seed: u64,
    step_index: usize,
    burst: &Burst,
    index: u32,
) -> Result<Value, SimulatorError> {
    // Mixed with a constant so a burst's streams never repeat a deliver step's.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ BURST_SEED_MIX);
    rng.set_stream(((step_index as u64) << 32) | u64::from(index));
    let mut payload = provider.build(&burst.event, &mut rng)?;
    for o in &burst.set {
        set_path(&mut payload, &o.path, o.value.clone())?;
    }
    Ok(payload)
}

/// An arbitrary odd constant: keeps burst payloads apart from deliver payloads.
const BURST_SEED_MIX: u64 = 0x5a0f_3a2c_9d4e_b001;

/// Send the burst: at most `concurrency` in flight, no faster than `rate`,
/// starting no delivery after the plan's wall-time limit.
///
/// `concurrency` worker tasks each take the next delivery number, render
/// its body from the burst's pool ([`BurstPayloads`]), send it and tally
/// the outcome; the tallies are merged at the end. The workers run on threads of their own, one per core, each with a
/// single-threaded runtime driving its share of them: on 2 cores that gave
/// 17% more deliveries per second than the same workers on the shared
/// work-stealing runtime, whose cross-thread wake-ups cost more than a
/// delivery's own work.
pub async fn run_burst(plan: &BurstPlan<'_>, burst: &Burst) -> Result<BurstRecord, SimulatorError> {
    let concurrency = burst.concurrency.clamp(1, MAX_CONCURRENCY);
    let count = burst.count.min(MAX_COUNT);
    let body_bytes = plan.provider.encode(&plan.payload(burst, 0)?).len();
    // Built before the clock starts: the pool is the burst's preparation,
    // not part of how fast the receiver acknowledges.
    let payloads = BurstPayloads::new(
        plan.provider,
        plan.keys,
        burst,
        plan.seed,
        plan.step_index,
        count,
    )?;
    let started = Instant::now();
    let deadline = started + plan.wall_time_limit.min(MAX_WALL_TIME);
    let shared = Arc::new(Shared {
        provider: plan.provider,
        policy: plan.policy.clone(),
        url: plan.url.to_owned(),
        tls: plan.tls.clone(),
        payloads,
        rate: burst.rate,
        count,
        started,
        deadline,
        next: AtomicU32::new(0),
        stop: AtomicBool::new(false),
    });
    // The run cancelled (this future dropped): the threads take no more deliveries.
    let _stop = StopOnDrop(Arc::clone(&shared));
    let workers = concurrency.min(count.max(1)) as usize;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = cores.min(workers);
    let (done, mut finished) = tokio::sync::mpsc::unbounded_channel();
    for thread in 0..threads {
        let share = workers / threads + usize::from(thread < workers % threads);
        let (shared, done) = (Arc::clone(&shared), done.clone());
        std::thread::Builder::new()
            .name("hooksim-burst".to_owned())
            .spawn(move || {
                let _ = done.send(run_share(&shared, share));
            })
            .map_err(|e| SimulatorError::Client(format!("cannot start a burst thread: {e}")))?;
    }
    drop(done);
    let mut tally = Tally::default();
    let mut failure = None;
    let mut reported = 0;
    while let Some(result) = finished.recv().await {
        reported += 1;
        match result {
            Ok(share) => tally.merge(share),
            Err(error) => {
                failure.get_or_insert(error);
            }
        }
    }
    if reported < threads {
        failure.get_or_insert(SimulatorError::Client(
            "a burst thread stopped without a result".to_owned(),
        ));
    }
    if let Some(error) = failure {
        return Err(error);
    }
    Ok(BurstRecord {
        burst: burst.clone(),
        stopped_by_wall_time: tally.sent < u64::from(count),
        sent: tally.sent,
        outcomes: tally.outcomes,
        latency: tally.latency,
        wall_time: started.elapsed(),
        body_bytes,
        wall_time_limit: deadline - started,
    })
}

/// One thread's part of a burst: `workers` workers on a single-threaded
/// runtime, their tallies merged. A worker that fails or panics stops the
/// whole burst (the others take no more deliveries).
fn run_share(shared: &Arc<Shared>, workers: usize) -> Result<Tally, SimulatorError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SimulatorError::Client(format!("cannot start a burst runtime: {e}")))?;
    runtime.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..workers {
            set.spawn(work(Arc::clone(shared)));
        }
        let mut tally = Tally::default();
        let mut failure = None;
        while let Some(joined) = set.join_next().await {
            let result = joined.unwrap_or_else(|join_error| {
                Err(SimulatorError::Client(format!(
                    "a burst worker stopped: {join_error}"
                )))
            });
            match result {
                Ok(worker) => tally.merge(worker),
                Err(error) => {
                    shared.stop.store(true, Ordering::Relaxed);
                    failure.get_or_insert(error);
                }
            }
        }
        failure.map_or(Ok(tally), Err)
    })
}

/// Tells a burst's threads to stop when the burst's future goes away.
struct StopOnDrop(Arc<Shared>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::Relaxed);
    }
}

/// What the workers of one burst share.
struct Shared {
    provider: &'static dyn Provider,
    policy: DeliveryPolicy,
    url: String,
    tls: Tls,
    payloads: BurstPayloads,
    rate: Option<Rate>,
    count: u32,
    started: Instant,
    deadline: Instant,
    /// The next delivery number to take.
    next: AtomicU32,
    /// A worker failed, or the burst was cancelled: take no more deliveries.
    stop: AtomicBool,
}

/// One worker's counts, merged into the record at the end.
#[derive(Default)]
struct Tally {
    sent: u64,
    outcomes: BTreeMap<&'static str, u64>,
    latency: LatencyHistogram,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.sent += other.sent;
        for (kind, count) in other.outcomes {
            *self.outcomes.entry(kind).or_default() += count;
        }
        self.latency.merge(&other.latency);
    }
}

/// Take delivery numbers until none are left, the deadline passes or
/// another worker failed; one attempt each, over this worker's own
/// keep-alive connection (reopened after a failure). The head is written
/// once and each delivery's body, signature and stamp are written into this
/// worker's own buffers.
async fn work(shared: Arc<Shared>) -> Result<Tally, SimulatorError> {
    let mut connection = KeepAlive::new(
        &shared.url,
        shared.policy.connect_timeout.value,
        shared.tls.clone(),
    );
    let heads = HeadTemplate::new(shared.provider, &connection, shared.payloads.signed())?;
    let mut scratch = Scratch::default();
    // The whole request, head and body, written here and sent in one write.
    let mut request = Vec::new();
    let mut tally = Tally::default();
    while !shared.stop.load(Ordering::Relaxed) {
        let index = shared.next.fetch_add(1, Ordering::Relaxed);
        if index >= shared.count {
            break;
        }
        if let Some(rate) = shared.rate {
            let start_at = shared.started + rate.start_offset(index);
            if start_at >= shared.deadline {
                break;
            }
            tokio::time::sleep_until(start_at.into()).await;
        }
        if Instant::now() >= shared.deadline {
            break;
        }
        request.clear();
        let prepared = shared
            .payloads
            .render(index, &mut scratch)
            .and_then(|rendered| {
                heads.render_into(
                    unix_ms_now(),
                    request_id(),
                    rendered.signature.as_deref(),
                    rendered.body.len(),
                    &mut request,
                )?;
                request.extend_from_slice(&rendered.body);
                Ok(())
            });
        if let Err(error) = prepared {
            shared.stop.store(true, Ordering::Relaxed);
            return Err(error);
        }
        let exchange = connection
            .send_request(&request, shared.policy.response_timeout.value)
            .await;
        let (outcome, _) = judge(&shared.policy, exchange.result);
        tally.sent += 1;
        *tally.outcomes.entry(outcome.kind()).or_default() += 1;
        tally.latency.record(exchange.latency);
    }
    Ok(tally)
}

/// The burst's checks. `p99_under` is always checked: against the step's
/// bound, or the provider's response timeout when the step gives none (a
/// p99 beyond it means the provider counts those deliveries as failed).
pub fn check_burst(
    expect: &Expectations,
    record: &BurstRecord,
    provider: ProviderId,
    policy: &DeliveryPolicy,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let count = record.burst.count;
    if record.stopped_by_wall_time {
        checks.push(Check::new(
            "sent",
            format!("all {count}"),
            format!(
                "{} of {count}: stopped at the {} wall-time limit",
                record.sent,
                format_nominal(record.wall_time_limit)
            ),
        ));
    }
    if let Some(wanted) = expect.all_acknowledged {
        let all = record.acknowledged() == u64::from(count);
        let all_text = format!("all {count} acknowledged");
        let actual = if all {
            all_text.clone()
        } else {
            format!(
                "{} of {count} acknowledged ({})",
                record.acknowledged(),
                record.outcome_summary()
            )
        };
        let expected = if wanted {
            all_text
        } else {
            format!("not all {count} acknowledged")
        };
        checks.push(Check::judged(
            "all_acknowledged",
            expected,
            actual,
            all == wanted,
        ));
    }
    let timeout = policy.response_timeout.value;
    let bound = expect.p99_under.unwrap_or(timeout);
    let p99 = record.latency.percentile(0.99);
    let expected = format!("p99 under {}", format_nominal(bound));
    let passed = p99 < bound;
    // A passing check shows no figure, so the transcript stays the same run to run.
    let actual = if passed {
        expected.clone()
    } else {
        format!(
            "p99 {} > {} ({provider} response timeout {})",
            format_measured(p99),
            format_nominal(bound),
            format_nominal(timeout)
        )
    };
    checks.push(Check::judged("p99_under", expected, actual, passed));
    // A failure that only an assumed timeout made (deliveries timed out, or
    // the bound is that timeout) rests on that guess.
    let timed_out = ["connect-timeout", "response-timeout"]
        .iter()
        .any(|kind| record.outcomes.get(kind).is_some_and(|n| *n > 0));
    let guessed_bound =
        expect.p99_under.is_none() && policy.response_timeout.provenance.is_assumed();
    let guessed_timeouts = timed_out
        && (policy.response_timeout.provenance.is_assumed()
            || policy.connect_timeout.provenance.is_assumed());
    for check in checks.iter_mut().filter(|c| !c.passed) {
        let only_the_bound = check.key == "p99_under" && guessed_bound;
        if guessed_timeouts || only_the_bound {
            check.basis = Basis::Assumed;
        }
    }
    checks
}

/// A measured latency, short: `850ms`, `2.4s`, `12.35s`.
pub fn format_measured(latency: Duration) -> String {
    fn trimmed(text: String) -> String {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
    let ms = latency.as_secs_f64() * 1000.0;
    if ms < 1000.0 {
        format!("{}ms", trimmed(format!("{ms:.1}")))
    } else {
        format!("{}s", trimmed(format!("{:.2}", ms / 1000.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(outcomes: &[(&'static str, u64)], latencies_ms: &[u64]) -> BurstRecord {
        let mut latency = LatencyHistogram::new();
        for ms in latencies_ms {
            latency.record(Duration::from_millis(*ms));
        }
        let outcomes: BTreeMap<_, _> = outcomes.iter().copied().collect();
        BurstRecord {
            burst: Burst {
                event: "CONTACT.CREATE".to_owned(),
                count: outcomes.values().sum::<u64>() as u32,
                concurrency: 4,
                rate: None,
                set: Vec::new(),
            },
            sent: outcomes.values().sum(),
            outcomes,
            latency,
            wall_time: Duration::from_secs(1),
            body_bytes: 10,
            stopped_by_wall_time: false,
            wall_time_limit: MAX_WALL_TIME,
        }
    }

    #[test]
    fn rates_parse_and_space_starts() {
        let rate = Rate::parse("500/s").expect("a valid rate");
        assert_eq!(rate.to_string(), "500/s");
        assert_eq!(rate.start_offset(250), Duration::from_millis(500));
        let per_minute = Rate::parse("60/m").expect("a valid rate");
        assert_eq!(per_minute.start_offset(2), Duration::from_secs(2));
        assert!(Rate::parse("0/s").is_err());
        assert!(Rate::parse("500").is_err());
        assert!(Rate::parse("5/h").is_err());
        assert!(Rate::parse("x/s").is_err());
    }

    #[test]
    fn summary_lists_acknowledged_first_then_classes() {
        let r = record(&[("response-timeout", 3), ("acknowledged", 7)], &[1]);
        assert_eq!(r.outcome_summary(), "7 acknowledged, 3 response-timeout");
        assert_eq!(r.title(), "burst CONTACT.CREATE x10 at concurrency 4");
    }

    #[test]
    fn p99_defaults_to_the_response_timeout() {
        let policy = ProviderId::Hemnet.provider().policy();
        let timeout = policy.response_timeout.value;
        let fast = record(&[("acknowledged", 100)], &[5; 100]);
        let checks = check_burst(&Expectations::default(), &fast, ProviderId::Hemnet, &policy);
        assert_eq!(checks.len(), 1);
        assert!(checks[0].passed);
        assert_eq!(
            checks[0].expected,
            format!("p99 under {}", format_nominal(timeout))
        );
        assert_eq!(checks[0].actual, checks[0].expected);

        let slow_ms = timeout.as_millis() as u64 + 500;
        let slow = record(&[("response-timeout", 100)], &[slow_ms; 100]);
        let checks = check_burst(&Expectations::default(), &slow, ProviderId::Hemnet, &policy);
        assert!(!checks[0].passed);
        assert!(
            checks[0].actual.starts_with("p99 ") && checks[0].actual.contains("response timeout"),
            "{}",
            checks[0].actual
        );
    }

    #[test]
    fn failure_names_the_percentile_and_the_timeout() {
        let policy = ProviderId::Hemnet.provider().policy();
        let mut latencies = vec![100; 98];
        latencies.extend([2_400, 2_400]);
        let r = record(&[("acknowledged", 100)], &latencies);
        let expect = Expectations {
            all_acknowledged: Some(true),
            p99_under: Some(Duration::from_secs(2)),
            ..Expectations::default()
        };
        let checks = check_burst(&expect, &r, ProviderId::Hemnet, &policy);
        let failed: Vec<_> = checks.iter().filter(|c| !c.passed).collect();
        assert_eq!(failed.len(), 1);
        let timeout = format_nominal(policy.response_timeout.value);
        assert_eq!(
            failed[0].actual,
            format!("p99 2.4s > 2s (hemnet response timeout {timeout})")
        );
    }

    #[test]
    fn all_acknowledged_reports_the_classes() {
        let policy = ProviderId::Hemnet.provider().policy();
        let r = record(&[("acknowledged", 9), ("rejected", 1)], &[1; 10]);
        let expect = Expectations {
            all_acknowledged: Some(true),
            ..Expectations::default()
        };
        let checks = check_burst(&expect, &r, ProviderId::Hemnet, &policy);
        assert!(!checks[0].passed);
        assert_eq!(
            checks[0].actual,
            "9 of 10 acknowledged (9 acknowledged, 1 rejected)"
        );
    }

    /// A receiver on a loopback port that answers 200 after `delay`, and
    /// the most requests it ever had in hand at once.
    async fn slow_receiver(
        delay: Duration,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hemnet", listener.local_addr().expect("addr"));
        let in_hand = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&most);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let in_hand = Arc::clone(&in_hand);
                let most = Arc::clone(&most);
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 64 * 1024];
                    // One request per connection is enough here: read until the body arrived.
                    let mut read = 0;
                    loop {
                        match socket.read(&mut buffer[read..]).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => read += n,
                        }
                        let text = String::from_utf8_lossy(&buffer[..read]);
                        if let Some(end) = text.find("\r\n\r\n") {
                            let length = text
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase()
                                        .strip_prefix("content-length:")
                                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                                })
                                .unwrap_or(0);
                            if read >= end + 4 + length {
                                break;
                            }
                        }
                    }
                    let now = in_hand.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    in_hand.fetch_sub(1, Ordering::SeqCst);
                    let _ = socket
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                });
            }
        });
        (url, seen)
    }

    fn plan<'a>(
        url: &'a str,
        policy: &'a DeliveryPolicy,
        keys: &'a SigningKeys,
        wall_time_limit: Duration,
    ) -> BurstPlan<'a> {
        BurstPlan {
            provider: ProviderId::Hemnet.provider(),
            policy,
            url,
            tls: Tls::system(),
            keys,
            seed: 1,
            step_index: 0,
            wall_time_limit,
        }
    }

    fn burst(count: u32, concurrency: u32) -> Burst {
        Burst {
            event: "CONTACT.CREATE".to_owned(),
            count,
            concurrency,
            rate: None,
            set: Vec::new(),
        }
    }

    #[tokio::test]
    async fn never_more_than_concurrency_in_flight() {
        let (url, most) = slow_receiver(Duration::from_millis(20)).await;
        let policy = ProviderId::Hemnet.provider().policy();
        let keys = SigningKeys { keys: Vec::new() };
        let plan = plan(&url, &policy, &keys, MAX_WALL_TIME);
        let record = run_burst(&plan, &burst(40, 4))
            .await
            .expect("the burst runs");
        assert_eq!(record.sent, 40);
        assert_eq!(record.acknowledged(), 40, "{:?}", record.outcomes);
        assert_eq!(record.latency.count(), 40);
        let most = most.load(std::sync::atomic::Ordering::SeqCst);
        assert!((1..=4).contains(&most), "{most} in flight at once");
        assert!(!record.stopped_by_wall_time);
    }

    #[tokio::test]
    async fn the_wall_time_limit_stops_new_deliveries_and_says_so() {
        let (url, _) = slow_receiver(Duration::from_millis(50)).await;
        let policy = ProviderId::Hemnet.provider().policy();
        let keys = SigningKeys { keys: Vec::new() };
        let plan = plan(&url, &policy, &keys, Duration::from_millis(300));
        let record = run_burst(&plan, &burst(1_000, 1))
            .await
            .expect("the burst runs");
        assert!(record.stopped_by_wall_time);
        assert!(record.sent > 0 && record.sent < 20, "sent {}", record.sent);
        assert_eq!(record.acknowledged(), record.sent);
        let checks = check_burst(
            &Expectations::default(),
            &record,
            ProviderId::Hemnet,
            &policy,
        );
        assert_eq!(checks[0].key, "sent");
        assert!(!checks[0].passed);
        assert!(
            checks[0]
                .actual
                .ends_with("of 1000: stopped at the 300ms wall-time limit"),
            "{}",
            checks[0].actual
        );
    }

    #[tokio::test]
    async fn a_rate_spaces_the_starts() {
        let (url, _) = slow_receiver(Duration::ZERO).await;
        let policy = ProviderId::Hemnet.provider().policy();
        let keys = SigningKeys { keys: Vec::new() };
        let plan = plan(&url, &policy, &keys, MAX_WALL_TIME);
        let mut paced = burst(11, 8);
        paced.rate = Some(Rate::parse("50/s").expect("a valid rate"));
        let record = run_burst(&plan, &paced).await.expect("the burst runs");
        assert_eq!(record.acknowledged(), 11);
        // The 11th starts 10 × 20ms after the first.
        assert!(
            record.wall_time >= Duration::from_millis(200),
            "{:?}",
            record.wall_time
        );
    }

    #[test]
    fn payloads_differ_per_delivery_and_repeat_per_seed() {
        let policy = ProviderId::Hemnet.provider().policy();
        let keys = SigningKeys { keys: Vec::new() };
        let plan = plan("http://unused", &policy, &keys, MAX_WALL_TIME);
        let b = burst(3, 1);
        let first = plan.payload(&b, 0).expect("builds");
        assert_eq!(first, plan.payload(&b, 0).expect("builds"));
        assert_ne!(first, plan.payload(&b, 1).expect("builds"));
    }

    #[test]
    fn measured_latencies_read_short() {
        assert_eq!(format_measured(Duration::from_millis(850)), "850ms");
        assert_eq!(format_measured(Duration::from_micros(1_500)), "1.5ms");
        assert_eq!(format_measured(Duration::from_millis(2_400)), "2.4s");
        assert_eq!(format_measured(Duration::from_secs(10)), "10s");
    }
}
