//! Expectations and their verdicts: what a step promised and what happened.

use hooksim_simulator::delivery::Delivery;

use crate::scenario::Expectations;

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
}

impl Check {
    pub fn new(key: &'static str, expected: impl ToString, actual: impl ToString) -> Self {
        let expected = expected.to_string();
        let actual = actual.to_string();
        let passed = expected == actual;
        Self {
            key,
            expected,
            actual,
            passed,
            subscription: None,
        }
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
pub fn check_delivery(expect: &Expectations, delivery: &Delivery) -> Vec<Check> {
    let mut checks = Vec::new();
    if let Some(acknowledged) = expect.acknowledged {
        checks.push(Check::new(
            "acknowledged",
            acknowledged,
            delivery.is_delivered(),
        ));
    }
    if let Some(status) = expect.status {
        let actual = match delivery.last_attempt().and_then(|a| a.outcome.status()) {
            Some(status) => status.to_string(),
            None => match delivery.last_attempt() {
                Some(attempt) => format!("no status ({})", attempt.outcome),
                None => "no attempt".to_owned(),
            },
        };
        checks.push(Check::new("status", status, actual));
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
            status: Some(200),
            attempts: Some(1),
            gave_up: Some(false),
            ..Default::default()
        };
        let checks = check_delivery(&expect, &d);
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
                status: Some(200),
                ..Default::default()
            },
            &d,
        );
        assert_eq!(checks[0].actual, "no status (connection refused)");
        assert!(!checks[0].passed);
    }
}
