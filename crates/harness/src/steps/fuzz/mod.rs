//! The `fuzz` step: strange but valid payloads of one event, each sent once,
//! signed, under the provider's timeouts and success rule (a single attempt:
//! a retry would only resend the same bytes). The first case the receiver
//! does not acknowledge is shrunk by proptest to a minimal failing payload.
//!
//! proptest's runner is synchronous, so it runs on a blocking thread and
//! asks this task to send each payload over a channel: deliveries stay on
//! the async runtime that owns the transport, whatever its flavour, and
//! neither side ever blocks a runtime worker.

use std::cell::Cell;

use bytes::Bytes;
use hooksim_simulator::SimulatorError;
use hooksim_simulator::clock::{Clock, TimeScale};
use hooksim_simulator::delivery::{PreparedDelivery, deliver};
use hooksim_simulator::fuzz::{FuzzCase, FuzzSurface};
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::Provider;
use hooksim_simulator::schedule::Schedule;
use hooksim_simulator::signing::SigningKeys;
use hooksim_simulator::transport::Transport;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use std::fmt::Write as _;
use std::sync::Arc;

use hooksim_simulator::providers::ProviderId;
use serde_json::json;

use super::{Ran, ReadContext, Record, StepCx, StepKind, event_shape};
use crate::error::HarnessError;
use crate::expect::{Allowed, Check, Expectations};
use crate::read::shape::{Key, Shape};
use crate::read::{Node, Reader};
use crate::state::sending_policy;
use crate::steps::Answers;

mod read;

/// The most cases one fuzz step may ask for: CI stays fast.
pub const MAX_CASES: u32 = 10_000;

/// The most payloads shrinking may send after the first failure.
const MAX_SHRINK_ITERS: u32 = 1_000;

/// `fuzz: { event, cases, seed? }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fuzz {
    pub event: String,
    pub cases: u32,
    /// The scenario's seed when not given.
    pub seed: Option<u64>,
}

fn keys(provider: Option<ProviderId>) -> Vec<Key> {
    vec![
        Key::required(
            "event",
            "The event whose payloads are varied.",
            event_shape(provider),
        ),
        Key::required(
            "cases",
            "How many payloads to send, from 1 to 10000, one attempt each.",
            Shape::integer(1, MAX_CASES),
        ),
        Key::optional(
            "seed",
            "The seed of the variations; the scenario's seed when not given.",
            Shape::integer(0, u64::MAX),
        ),
    ]
}

impl StepKind for Fuzz {
    const KEYWORD: &'static str = "fuzz";
    const SUMMARY: &'static str = "Strange but valid payloads of one event, one attempt each; the first one not acknowledged is shrunk to a minimal failing payload.";
    const EXPECTS: Allowed = Allowed::keys(&["acknowledged"]);

    fn shape(provider: Option<ProviderId>) -> Option<Shape> {
        Some(Shape::Mapping(keys(provider)))
    }

    fn expect_shape() -> Option<Shape> {
        Some(Shape::Mapping(vec![Key::optional(
            "acknowledged",
            "Every case was acknowledged: strange but valid payloads are still valid, so only `true`.",
            Shape::Exactly(json!(true)),
        )]))
    }

    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        read::read_fuzz(r, key, value, cx)
    }

    fn read_expect(r: &mut Reader<'_>, _: &Node, node: &Node) -> Option<Expectations> {
        read::read_fuzz_expect(r, node)
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        let routes = &cx.state.routes;
        let [route] = routes.as_slice() else {
            return Err(cx.bad_step(format!(
                "a fuzz step goes to one target; this scenario has {} subscriptions",
                routes.len()
            )));
        };
        let policy = sending_policy(routes, cx.policy);
        let plan = FuzzPlan {
            // The 'static profile: the search thread outlives this borrow's scope.
            provider: cx.provider.provider(),
            policy: &policy,
            url: &route.url,
            keys: &route.keys,
        };
        let record = run_fuzz(cx.transport, &plan, self, cx.seed)
            .await
            .map_err(|e| cx.step_error(e))?;
        let checks = vec![record.check()];
        Ok((Arc::new(record), checks))
    }
}

impl Record for FuzzRecord {
    fn transcript(&self, out: &mut String, heading: &str, _: Answers) {
        let _ = writeln!(out, "{heading}: {}: {}", FuzzRecord::title(self), self.summary());
        if let Some(failure) = &self.failure {
            let body = String::from_utf8_lossy(&failure.minimal_body);
            let _ = writeln!(
                out,
                "  minimal failing payload ({} bytes): {body}",
                failure.minimal_body.len()
            );
        }
    }

    fn title(&self) -> String {
        FuzzRecord::title(self)
    }

    fn failure_details(&self, out: &mut String, _: ProviderId, _: &DeliveryPolicy) {
        if let Some(failure) = &self.failure {
            let body = String::from_utf8_lossy(&failure.minimal_body);
            let _ = writeln!(out, "    minimal failing body as sent: {body}");
        }
    }

    fn json_kind(&self) -> &'static str {
        "fuzz"
    }

    fn json_title(&self) -> String {
        format!("{}: {}", FuzzRecord::title(self), self.summary())
    }

    fn json_section(&self) -> Option<(&'static str, Value)> {
        Some(("fuzz", self.report()))
    }

    /// One attempt per case; shrinking's resends are not counted.
    fn attempts(&self) -> usize {
        usize::try_from(self.cases_run).unwrap_or(usize::MAX)
    }
}

/// What a fuzz step did.
#[derive(Debug, Clone)]
pub struct FuzzRecord {
    pub event: String,
    pub cases: u32,
    pub seed: u64,
    /// Cases sent before the first failure (all of them when none failed).
    pub cases_run: u32,
    pub failure: Option<FuzzFailure>,
}

/// The first unacknowledged case, shrunk.
#[derive(Debug, Clone)]
pub struct FuzzFailure {
    /// 1-based number of the first case that was not acknowledged.
    pub case: u32,
    /// The smallest payload found that is still not acknowledged.
    pub minimal_payload: Value,
    /// Its bytes as sent.
    pub minimal_body: Bytes,
    /// How the receiver answered it.
    pub outcome: String,
}

impl FuzzRecord {
    /// `fuzz CONTACT.CREATE: 200 cases, seed 7, one attempt each`.
    pub fn title(&self) -> String {
        format!(
            "fuzz {}: {} cases, seed {}, one attempt each",
            self.event, self.cases, self.seed
        )
    }

    /// `all 200 acknowledged`, or the case that failed and how.
    pub fn summary(&self) -> String {
        match &self.failure {
            None => format!("all {} acknowledged", self.cases_run),
            Some(f) => format!(
                "case {} of {} not acknowledged; shrunk to a payload answered {}",
                f.case, self.cases, f.outcome
            ),
        }
    }

    /// The JSON report's `fuzz` object.
    pub fn report(&self) -> Value {
        serde_json::json!({
            "event": self.event,
            "cases": self.cases,
            "seed": self.seed,
            "cases_run": self.cases_run,
            "first_failing_case": self.failure.as_ref().map(|f| f.case),
            "minimal_payload": self.failure.as_ref().map(|f| f.minimal_payload.clone()),
            "minimal_outcome": self.failure.as_ref().map(|f| f.outcome.clone()),
        })
    }

    /// The check a fuzz step makes: every case acknowledged.
    pub fn check(&self) -> Check {
        let actual = match &self.failure {
            None => "true".to_owned(),
            Some(f) => format!(
                "false (case {} of {}; minimal failing payload, answered {}: {})",
                f.case, self.cases, f.outcome, f.minimal_payload
            ),
        };
        Check::new("acknowledged", true, actual)
    }
}

/// Where and how a fuzz step sends.
#[derive(Debug)]
pub struct FuzzPlan<'a> {
    pub provider: &'static dyn Provider,
    pub policy: &'a DeliveryPolicy,
    pub url: &'a str,
    pub keys: &'a SigningKeys,
}

/// A payload the proptest thread wants sent, and where to say how it went.
type Request = (Value, oneshot::Sender<Result<Sent, SimulatorError>>);

#[derive(Debug)]
struct Sent {
    acknowledged: bool,
    outcome: String,
    body: Bytes,
}

/// Run `fuzz` with `seed` (the step's own, else the caller's).
pub async fn run_fuzz(
    transport: &Transport,
    plan: &FuzzPlan<'_>,
    fuzz: &Fuzz,
    seed: u64,
) -> Result<FuzzRecord, SimulatorError> {
    let seed = fuzz.seed.unwrap_or(seed);
    let surface = FuzzSurface::new(plan.provider, &fuzz.event)?;
    if surface.is_empty() {
        return Err(SimulatorError::Client(format!(
            "{} documents nothing about `{}` a fuzzer may vary (no free text, free numbers, nullables or growth rules)",
            plan.provider.id(),
            fuzz.event
        )));
    }
    let (requests, mut incoming) = mpsc::channel::<Request>(1);
    let cases = fuzz.cases;
    let search = tokio::task::spawn_blocking(move || search(surface, cases, seed, requests));
    let schedule = Schedule::once();
    let mut last_failure: Option<(Value, Sent)> = None;
    while let Some((payload, reply)) = incoming.recv().await {
        let prepared = PreparedDelivery::new(
            plan.provider,
            plan.url.to_owned(),
            &payload,
            plan.keys,
            None,
        );
        // Each case stands alone: a fresh nominal clock, no retry gap to wait.
        let mut clock = Clock::new(TimeScale::Instant);
        let sent = deliver(
            transport,
            plan.provider,
            plan.policy,
            &schedule,
            &prepared,
            &mut clock,
        )
        .await
        .map(|delivery| {
            let outcome = delivery
                .last_attempt()
                .map_or_else(|| "nothing".to_owned(), |a| a.outcome.to_string());
            Sent {
                acknowledged: delivery.is_delivered(),
                outcome,
                body: prepared.body,
            }
        });
        if let Ok(sent) = &sent
            && !sent.acknowledged
        {
            last_failure = Some((
                payload.clone(),
                Sent {
                    acknowledged: false,
                    outcome: sent.outcome.clone(),
                    body: sent.body.clone(),
                },
            ));
        }
        // The search thread gone means it stopped early; nothing is waiting for this answer.
        let _ = reply.send(sent);
    }
    let verdict = search
        .await
        .map_err(|e| SimulatorError::Client(format!("the fuzz search stopped: {e}")))??;
    let failure = match verdict.minimal {
        None => None,
        Some(minimal) => {
            let (payload, sent) = last_failure
                .filter(|(payload, _)| *payload == minimal)
                .ok_or_else(|| {
                    SimulatorError::Client(
                        "the minimal failing payload was never sent; the receiver answered differently to the same payload".to_owned(),
                    )
                })?;
            Some(FuzzFailure {
                case: verdict.first_failing_case,
                minimal_payload: payload,
                minimal_body: sent.body,
                outcome: sent.outcome,
            })
        }
    };
    Ok(FuzzRecord {
        event: fuzz.event.clone(),
        cases,
        seed,
        cases_run: verdict.cases_run,
        failure,
    })
}

/// What the proptest search found.
#[derive(Debug)]
struct Verdict {
    cases_run: u32,
    first_failing_case: u32,
    /// The shrunk payload, when some case failed.
    minimal: Option<Value>,
}

/// Generate and shrink cases on this (blocking) thread; every send goes
/// through `requests` to the async side.
fn search(
    surface: FuzzSurface,
    cases: u32,
    seed: u64,
    requests: mpsc::Sender<Request>,
) -> Result<Verdict, SimulatorError> {
    let config = Config {
        cases,
        max_shrink_iters: MAX_SHRINK_ITERS,
        failure_persistence: None,
        verbose: 0,
        ..Config::default()
    };
    // The scenario seed, stretched to ChaCha's 32 bytes: the same cases for the same seed.
    let mut seed_bytes = [0u8; 32];
    for chunk in seed_bytes.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let sent = Cell::new(0u32);
    let first_failure = Cell::new(None::<u32>);
    let engine_error = Cell::new(None::<SimulatorError>);
    let result = runner.run(&surface.cases(), |case: FuzzCase| {
        let payload = surface
            .payload(&case)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (reply, answer) = oneshot::channel();
        requests
            .blocking_send((payload, reply))
            .map_err(|_| TestCaseError::fail("the delivery side stopped"))?;
        let sent_now = match answer.blocking_recv() {
            Ok(Ok(sent_now)) => sent_now,
            Ok(Err(error)) => {
                let message = error.to_string();
                engine_error.set(Some(error));
                return Err(TestCaseError::fail(message));
            }
            Err(_) => return Err(TestCaseError::fail("the delivery side stopped")),
        };
        if first_failure.get().is_none() {
            sent.set(sent.get() + 1);
        }
        if sent_now.acknowledged {
            Ok(())
        } else {
            if first_failure.get().is_none() {
                first_failure.set(Some(sent.get()));
            }
            Err(TestCaseError::fail(sent_now.outcome))
        }
    });
    // Closing the channel ends the async side's loop.
    drop(requests);
    if let Some(error) = engine_error.take() {
        return Err(error);
    }
    match result {
        Ok(()) => Ok(Verdict {
            cases_run: sent.get(),
            first_failing_case: 0,
            minimal: None,
        }),
        Err(TestError::Fail(_, minimal)) => {
            let first = first_failure.get().unwrap_or(sent.get());
            // proptest keeps the last failing case as the minimal one, so it is
            // also the last failing payload the async side sent.
            let payload = surface.payload(&minimal)?;
            Ok(Verdict {
                cases_run: first,
                first_failing_case: first,
                minimal: Some(payload),
            })
        }
        Err(TestError::Abort(reason)) => Err(SimulatorError::Client(format!(
            "the fuzz search gave up: {reason}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use hooksim_simulator::providers::ProviderId;
    use hooksim_simulator::providers::hemnet::CONTACT_CREATE;
    use hooksim_simulator::signing::SigningKey;
    use hooksim_simulator::stand_in::{Behaviour, StandIn};

    use super::*;

    async fn fuzz_against(status: u16, cases: u32, seed: u64) -> FuzzRecord {
        let stand_in = StandIn::start(Behaviour::Answer {
            status,
            after: Duration::ZERO,
        })
        .await
        .expect("a loopback port");
        let provider = ProviderId::Hemnet.provider();
        let policy = provider.policy();
        let keys = SigningKeys::single(SigningKey::new("secret", "k"));
        let plan = FuzzPlan {
            provider,
            policy: &policy,
            url: stand_in.url(),
            keys: &keys,
        };
        let fuzz = Fuzz {
            event: CONTACT_CREATE.to_owned(),
            cases,
            seed: None,
        };
        run_fuzz(&Transport::new(), &plan, &fuzz, seed)
            .await
            .expect("the stand-in answers")
    }

    // The default test runtime is single-threaded: the search thread must
    // not need a second worker to make progress.
    #[tokio::test]
    async fn every_case_acknowledged_on_a_single_threaded_runtime() {
        let record = fuzz_against(200, 25, 1).await;
        assert_eq!(record.cases_run, 25);
        assert!(record.failure.is_none());
        assert_eq!(record.summary(), "all 25 acknowledged");
        assert!(record.check().passed);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_receiver_failing_everything_fails_the_first_case_and_shrinks_to_no_change() {
        let record = fuzz_against(500, 25, 1).await;
        let failure = record.failure.as_ref().expect("case 1 fails");
        assert_eq!(failure.case, 1);
        assert_eq!(record.cases_run, 1);
        assert_eq!(failure.outcome, "rejected 500");
        // Every change shrinks away: the catalogue payload alone fails.
        assert_eq!(failure.minimal_payload["type"], "CONTACT");
        assert!(!record.check().passed);
        assert!(
            record
                .check()
                .actual
                .contains("minimal failing payload, answered rejected 500: {"),
            "{}",
            record.check().actual
        );
    }

    #[tokio::test]
    async fn the_same_seed_finds_the_same_minimal_payload() {
        let first = fuzz_against(500, 5, 9).await;
        let again = fuzz_against(500, 5, 9).await;
        let other = fuzz_against(500, 5, 10).await;
        let payload = |r: &FuzzRecord| r.failure.as_ref().map(|f| f.minimal_payload.clone());
        assert_eq!(payload(&first), payload(&again));
        assert_ne!(payload(&first), payload(&other));
    }
}
