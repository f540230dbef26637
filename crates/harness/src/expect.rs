//! Expectations and their verdicts: what a step promised (the `expect`
//! keys, read here for every step) and what happened.

use std::time::Duration;

use hooksim_simulator::delivery::Delivery;
use hooksim_simulator::outcome::Outcome;
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::schedule::format_nominal;

use crate::read::shape::{Key, Shape};
use crate::read::{Kind, Node, NodeKind, Problem, Reader};
use crate::suggest::{backticked, did_you_mean};

/// What a rule stands on. A failed expectation of a documented rule or of a
/// robustness practice fails the run; one that rests on a guess about the
/// provider only warns, unless the run is `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub enum Basis {
    /// A fact the provider documents (the scenario's `source`).
    #[default]
    Documented,
    /// What a robust receiver does whatever the provider documents, for a
    /// reason the source gives (event lists have grown, deliveries repeat).
    Practice,
    /// A guess about the provider's behaviour (an assumed timeout, schedule
    /// or load).
    Assumed,
}

impl Basis {
    pub const ALL: [Basis; 3] = [Self::Documented, Self::Practice, Self::Assumed];

    /// The word in scenario files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Documented => "documented",
            Self::Practice => "practice",
            Self::Assumed => "assumed",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|basis| basis.name() == name)
    }
}

/// What a step must produce. Unset fields are not checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expectations {
    /// The provider counted the delivery as delivered.
    pub acknowledged: Option<bool>,
    /// The status of the last attempt (of a probe: its answer).
    pub status: Option<StatusExpectation>,
    /// How many attempts were made.
    pub attempts: Option<u32>,
    /// The schedule was spent without success.
    pub gave_up: Option<bool>,
    /// Probe only: values at dotted paths of the JSON response body.
    pub json: Vec<(String, serde_json::Value)>,
    /// Probe only: how many records the answer holds (see `count_at`).
    pub count: Option<u64>,
    /// Register and unregister only: a registration is (or is no longer) in
    /// the provider's API.
    pub registered: Option<bool>,
    /// Burst only: every delivery of the burst was acknowledged.
    pub all_acknowledged: Option<bool>,
    /// Burst only: the 99th-percentile acknowledgement latency is below
    /// this; the provider's response timeout when not given.
    pub p99_under: Option<Duration>,
}

/// `status: 204` or a class, `status: 2xx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusExpectation {
    Exactly(u16),
    /// The hundreds digit: `2` for `2xx`.
    Class(u16),
}

impl StatusExpectation {
    pub fn matches(self, status: u16) -> bool {
        match self {
            Self::Exactly(expected) => status == expected,
            Self::Class(class) => status / 100 == class,
        }
    }
}

impl std::fmt::Display for StatusExpectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exactly(status) => write!(f, "{status}"),
            Self::Class(class) => write!(f, "{class}xx"),
        }
    }
}

impl Expectations {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Every key an `expect` may have, on the steps that allow it: what it
/// checks and what it holds.
pub(crate) fn expectation_keys() -> Vec<Key> {
    vec![
        Key::optional(
            "acknowledged",
            "The provider counted the delivery as delivered: its success rule held for the last attempt.",
            Shape::Boolean,
        ),
        Key::optional(
            "status",
            "The HTTP status of the last attempt (of a probe or registration: of its answer), exactly (`204`) or by class (`2xx`).",
            Shape::Either(vec![Shape::integer(100, 599), Shape::Pattern("^[1-5]xx$")]),
        ),
        Key::optional(
            "attempts",
            "How many attempts were made, retries included (0: nothing was sent).",
            Shape::integer(0, u32::MAX),
        ),
        Key::optional(
            "gave_up",
            "The provider's retry schedule was spent without a success.",
            Shape::Boolean,
        ),
        Key::optional(
            "json",
            "Probe only: values at dotted paths of the JSON answer, like `{ data.count: 1 }`.",
            Shape::dictionary(None, Shape::Any),
        ),
        Key::optional(
            "count",
            "Probe only: how many records the answer holds (a list's length, 1 for an object, 0 for a 404; see `count_at`).",
            Shape::integer(0, u64::MAX),
        ),
        Key::optional(
            "registered",
            "Register and unregister only: a registration is (or is no longer) in the provider's API.",
            Shape::Boolean,
        ),
        Key::optional(
            "all_acknowledged",
            "Burst only: every delivery of the burst was acknowledged.",
            Shape::Boolean,
        ),
        Key::optional(
            "p99_under",
            "Burst only: the 99th-percentile acknowledgement latency is below this; the provider's response timeout when not given.",
            Shape::Duration,
        ),
    ]
}

/// The keys a single delivery (and a probe, a registration) may expect.
pub(crate) const DELIVERY_EXPECTATIONS: [&str; 4] =
    ["acknowledged", "status", "attempts", "gave_up"];
/// What only a burst expects.
pub(crate) const BURST_EXPECTATIONS: [&str; 2] = ["all_acknowledged", "p99_under"];
/// The `expect` schema of a step that allows `allowed`.
pub(crate) fn expect_shape(allowed: &[&str]) -> Shape {
    Shape::Mapping(
        expectation_keys()
            .into_iter()
            .filter(|key| allowed.contains(&key.name))
            .collect(),
    )
}

/// What a step's `expect` may hold, for the reader and the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Allowed {
    pub keys: &'static [&'static str],
    /// The help for any other key, when the step says it best (`register`).
    pub only: Option<&'static str>,
}

impl Allowed {
    /// A step with nothing to expect.
    pub(crate) const NOTHING: Allowed = Allowed {
        keys: &[],
        only: None,
    };

    pub(crate) const fn keys(keys: &'static [&'static str]) -> Self {
        Self { keys, only: None }
    }
}

/// Read a step's `expect: { ... }`: the keys `allowed` has; any other gets
/// the reason it is not for `keyword` steps and where it belongs.
pub(crate) fn read_expectations(
    r: &mut Reader<'_>,
    expect_key: &Node,
    node: &Node,
    keyword: &str,
    allowed: Allowed,
) -> Option<Expectations> {
    if allowed.keys.is_empty() {
        r.report(
            expect_key,
            Problem::new(Kind::ExpectNotAllowed, format!("`{keyword}` steps have nothing to expect"), "not allowed here")
                .with_help("`expect` checks a delivery: put it on the `deliver`, `redeliver` or `forge` step it is about"),
        );
        return None;
    }
    let NodeKind::Map(pairs) = &node.kind else {
        r.wrong_type(
            node,
            "`expect`",
            &format!("a mapping with {}", backticked(allowed.keys)),
        );
        return None;
    };
    let mut expect = Expectations::default();
    let mut complete = true;
    for (key, value) in pairs {
        let Some(name) = r.key_name(key) else {
            complete = false;
            continue;
        };
        if allowed.keys.contains(&name.as_str()) {
            complete &= read_expectation(r, &name, value, &mut expect).is_some();
            continue;
        }
        complete = false;
        let problem = if BURST_EXPECTATIONS.contains(&name.as_str()) {
            Problem::new(
                Kind::UnknownKey,
                format!("`{name}` is only for `burst` steps"),
                format!("not on a `{keyword}` step"),
            )
            .with_help("a single delivery expects `acknowledged`, `status`, `attempts` or `gave_up`; a `burst` step expects `all_acknowledged` and `p99_under`")
        } else if allowed.only.is_some() || expectation_keys().iter().any(|k| k.name == name) {
            let help = match (allowed.only, name.as_str()) {
                (Some(only), _) => only.to_owned(),
                (None, "registered") => {
                    "`registered` goes on a `register` or `unregister` step".to_owned()
                }
                (None, "json" | "count") => {
                    format!("`{name}` checks a probe's answer: put it on a `probe` step")
                }
                (None, _) => format!(
                    "`{name}` checks a delivery (`deliver`, `redeliver`, `forge`); a `{keyword}` step expects {}",
                    backticked(allowed.keys)
                ),
            };
            Problem::new(
                Kind::ExpectNotAllowed,
                format!("`{keyword}` steps do not expect `{name}`"),
                "not allowed here",
            )
            .with_help(help)
        } else {
            Problem::new(
                Kind::UnknownKey,
                format!("unknown key `{name}`"),
                "unknown key",
            )
            .with_help(did_you_mean(&name, allowed.keys, "valid keys in `expect`"))
        };
        r.report(key, problem);
    }
    complete.then_some(expect)
}

/// One expectation's value into `expect`; `None` when it is wrong (reported).
pub(crate) fn read_expectation(
    r: &mut Reader<'_>,
    name: &str,
    node: &Node,
    expect: &mut Expectations,
) -> Option<()> {
    match name {
        "acknowledged" => expect.acknowledged = Some(r.boolean(node, name)?),
        "status" => expect.status = Some(read_status(r, node)?),
        // 0: nothing was sent (no active registration to deliver to).
        "attempts" => {
            let attempts = r.integer(node, name, 0..=u32::MAX.into(), "a whole number")?;
            expect.attempts = u32::try_from(attempts).ok();
        }
        "gave_up" => expect.gave_up = Some(r.boolean(node, name)?),
        "json" => {
            expect.json = r.dotted_values(
                node,
                "`json`",
                "a mapping of dotted paths to values, like `{ count: 1 }`",
            )?;
        }
        "count" => {
            let count = r.integer(node, name, 0..=u64::MAX.into(), "a whole number")?;
            expect.count = u64::try_from(count).ok();
        }
        "registered" => expect.registered = Some(r.boolean(node, name)?),
        "all_acknowledged" => expect.all_acknowledged = Some(r.boolean(node, name)?),
        _ => expect.p99_under = Some(read_latency_bound(r, node)?),
    }
    Some(())
}

/// `status: 204`, or a class: `status: 2xx`.
fn read_status(r: &mut Reader<'_>, node: &Node) -> Option<StatusExpectation> {
    if let NodeKind::Str(text) = &node.kind
        && let Some(class) = text.strip_suffix("xx").and_then(|d| d.parse::<u16>().ok())
        && (1..=5).contains(&class)
    {
        return Some(StatusExpectation::Class(class));
    }
    if matches!(node.kind, NodeKind::Str(_)) {
        r.wrong_type(
            node,
            "`status`",
            "an HTTP status from 100 to 599, or a class like `2xx`",
        );
        return None;
    }
    r.integer(
        node,
        "status",
        100..=599,
        "an HTTP status from 100 to 599, or a class like `2xx`",
    )
    .and_then(|status| u16::try_from(status).ok())
    .map(StatusExpectation::Exactly)
}

/// `p99_under: 2s`: more than zero.
fn read_latency_bound(r: &mut Reader<'_>, node: &Node) -> Option<Duration> {
    let bound = r.nominal_duration(node, "p99_under", "a duration, like `2s` or `500ms`")?;
    if !bound.is_zero() {
        return Some(bound);
    }
    r.report(
        node,
        Problem::new(
            Kind::InvalidValue,
            "`p99_under` must be more than zero",
            "no latency is under 0",
        ),
    );
    None
}

/// One expectation checked against a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The expectation's key in the file (`acknowledged`).
    pub key: &'static str,
    pub expected: String,
    pub actual: String,
    pub passed: bool,
    /// The subscription the delivery went to, when the scenario has several.
    pub subscription: Option<String>,
    /// What the check stands on: the scenario's basis, or `Assumed` when its
    /// failure came from a guessed fact (an assumed timeout).
    pub basis: Basis,
}

impl Check {
    pub fn new(key: &'static str, expected: impl ToString, actual: impl ToString) -> Self {
        let expected = expected.to_string();
        let actual = actual.to_string();
        let passed = expected == actual;
        Self::judged(key, expected, actual, passed)
    }

    /// A check whose verdict is not "the texts are equal" (`status: 2xx`).
    pub fn judged(
        key: &'static str,
        expected: impl ToString,
        actual: impl ToString,
        passed: bool,
    ) -> Self {
        Self {
            key,
            expected: expected.to_string(),
            actual: actual.to_string(),
            passed,
            subscription: None,
            basis: Basis::Documented,
        }
    }

    /// A failure that only warns: it does not fail the run unless `--strict`.
    pub fn warns(&self) -> bool {
        !self.passed && self.basis == Basis::Assumed
    }

    /// A failure that fails the run.
    pub fn fails(&self) -> bool {
        !self.passed && self.basis != Basis::Assumed
    }

    /// The same check, said of one subscription's delivery.
    pub fn for_subscription(self, subscription: Option<String>) -> Self {
        Self {
            subscription,
            ..self
        }
    }
}

/// Check every expectation that is set, in the order of the file format.
/// A failure caused by a timeout the provider does not document rests on
/// that guess, and says so.
pub fn check_delivery(
    expect: &Expectations,
    delivery: &Delivery,
    policy: &DeliveryPolicy,
) -> Vec<Check> {
    let mut checks = unchecked_delivery(expect, delivery);
    let assumed_timeout = delivery.last_attempt().and_then(|attempt| {
        let fact = match attempt.outcome {
            Outcome::ConnectTimeout => &policy.connect_timeout,
            Outcome::ResponseTimeout => &policy.response_timeout,
            _ => return None,
        };
        fact.provenance
            .is_assumed()
            .then(|| format_nominal(fact.value))
    });
    if let Some(timeout) = assumed_timeout {
        for check in checks.iter_mut().filter(|c| !c.passed) {
            check.basis = Basis::Assumed;
            check.actual = format!("{} (after an assumed {timeout} timeout)", check.actual);
        }
    }
    checks
}

fn unchecked_delivery(expect: &Expectations, delivery: &Delivery) -> Vec<Check> {
    let mut checks = Vec::new();
    if let Some(acknowledged) = expect.acknowledged {
        checks.push(Check::new(
            "acknowledged",
            acknowledged,
            delivery.is_delivered(),
        ));
    }
    if let Some(expected) = expect.status {
        let status = delivery.last_attempt().and_then(|a| a.outcome.status());
        let actual = match status {
            Some(status) => status.to_string(),
            None => match delivery.last_attempt() {
                Some(attempt) => format!("no status ({})", attempt.outcome),
                None => "no attempt".to_owned(),
            },
        };
        let passed = status.is_some_and(|status| expected.matches(status));
        checks.push(Check::judged("status", expected, actual, passed));
    }
    if let Some(attempts) = expect.attempts {
        checks.push(Check::new("attempts", attempts, delivery.attempts.len()));
    }
    if let Some(gave_up) = expect.gave_up {
        checks.push(Check::new("gave_up", gave_up, !delivery.is_delivered()));
    }
    checks
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use hooksim_simulator::delivery::{Attempt, Verdict};
    use hooksim_simulator::outcome::Outcome;

    use super::*;

    fn delivery(outcomes: &[Outcome], verdict: Verdict) -> Delivery {
        let attempts = outcomes
            .iter()
            .enumerate()
            .map(|(i, outcome)| Attempt {
                number: i as u32 + 1,
                nominal_at: Duration::ZERO,
                outcome: outcome.clone(),
                latency: Duration::ZERO,
                headers: Vec::new(),
                response: None,
            })
            .collect();
        Delivery { attempts, verdict }
    }

    #[test]
    fn reports_each_set_expectation() {
        let d = delivery(
            &[
                Outcome::Rejected { status: 500 },
                Outcome::Acknowledged { status: 200 },
            ],
            Verdict::Delivered,
        );
        let expect = Expectations {
            acknowledged: Some(true),
            status: Some(StatusExpectation::Exactly(200)),
            attempts: Some(1),
            gave_up: Some(false),
            ..Default::default()
        };
        let checks = check_delivery(&expect, &d, &hemnet_policy());
        let failed: Vec<_> = checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| (c.key, c.actual.as_str()))
            .collect();
        assert_eq!(failed, [("attempts", "2")]);
    }

    #[test]
    fn status_without_answer_says_what_happened() {
        let d = delivery(&[Outcome::ConnectRefused], Verdict::GaveUp);
        let checks = check_delivery(
            &Expectations {
                status: Some(StatusExpectation::Exactly(200)),
                ..Default::default()
            },
            &d,
            &hemnet_policy(),
        );
        assert_eq!(checks[0].actual, "no status (connection refused)");
        assert!(!checks[0].passed);
    }

    fn hemnet_policy() -> DeliveryPolicy {
        hooksim_simulator::providers::ProviderId::Hemnet
            .provider()
            .policy()
    }

    #[test]
    fn a_failure_after_an_assumed_timeout_only_warns() {
        let expect = Expectations {
            acknowledged: Some(true),
            status: Some(StatusExpectation::Class(2)),
            ..Default::default()
        };
        let timed_out = delivery(&[Outcome::ResponseTimeout], Verdict::GaveUp);
        // Hemnet's 10 s timeout is assumed; Spark's 5 s is documented.
        let checks = check_delivery(&expect, &timed_out, &hemnet_policy());
        assert!(checks.iter().all(Check::warns), "{checks:?}");
        assert!(
            checks[0].actual.ends_with("(after an assumed 10s timeout)"),
            "{checks:?}"
        );
        let spark = hooksim_simulator::providers::ProviderId::Spark
            .provider()
            .policy();
        let checks = check_delivery(&expect, &timed_out, &spark);
        assert!(checks.iter().all(Check::fails), "{checks:?}");
        let rejected = delivery(&[Outcome::Rejected { status: 500 }], Verdict::GaveUp);
        let checks = check_delivery(&expect, &rejected, &hemnet_policy());
        assert!(checks.iter().all(Check::fails), "{checks:?}");
    }

    #[test]
    fn a_status_class_accepts_any_status_in_it() {
        let d = delivery(&[Outcome::Acknowledged { status: 204 }], Verdict::Delivered);
        let expect = Expectations {
            status: Some(StatusExpectation::Class(2)),
            ..Default::default()
        };
        let checks = check_delivery(&expect, &d, &hemnet_policy());
        assert!(
            checks[0].passed && checks[0].expected == "2xx",
            "{checks:?}"
        );
    }
}
