//! Expectations and their verdicts: what a step promised and what happened.

use hooksim_simulator::delivery::Delivery;
use hooksim_simulator::outcome::Outcome;
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::schedule::format_nominal;

use crate::scenario::{Basis, Expectations};

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
            status: Some(crate::scenario::StatusExpectation::Exactly(200)),
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
                status: Some(crate::scenario::StatusExpectation::Exactly(200)),
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
            status: Some(crate::scenario::StatusExpectation::Class(2)),
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
            status: Some(crate::scenario::StatusExpectation::Class(2)),
            ..Default::default()
        };
        let checks = check_delivery(&expect, &d, &hemnet_policy());
        assert!(
            checks[0].passed && checks[0].expected == "2xx",
            "{checks:?}"
        );
    }
}
