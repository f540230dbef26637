//! Validating `burst` steps and their expectations.

use super::{
    Action, DURATION_HELP, Expectations, Kind, Node, NodeKind, Problem, StepContext, Validator,
    is_scalar, optional, parse_nominal_duration, suggest_nominal_duration,
};
use crate::burst::{Burst, MAX_CONCURRENCY, MAX_COUNT, Rate};

const BURST_KEYS: [&str; 5] = ["event", "count", "concurrency", "rate", "set"];
/// What a burst step may expect; nothing else may expect these.
pub(super) const BURST_EXPECT_KEYS: [&str; 2] = ["all_acknowledged", "p99_under"];

impl Validator<'_> {
    pub(super) fn burst(
        &mut self,
        key: &Node,
        value: &Node,
        context: &StepContext,
    ) -> Option<Action> {
        let entries = self.entries(value, key, "`burst`", &BURST_KEYS)?;
        let event = self.required(
            &entries,
            "event",
            "name the event to send, like `event: CONTACT.CREATE`",
        );
        let event = event.and_then(|node| self.event(node, context.provider));
        let count = self.required(
            &entries,
            "count",
            "say how many deliveries to send, like `count: 1000`",
        );
        let count = count.and_then(|node| {
            self.integer(
                node,
                "count",
                1..=MAX_COUNT.into(),
                &format!("a whole number from 1 to {MAX_COUNT}"),
            )
        });
        let concurrency = self.required(
            &entries,
            "concurrency",
            "say how many deliveries may be in flight at once, like `concurrency: 64`",
        );
        let concurrency = concurrency.and_then(|node| {
            self.integer(
                node,
                "concurrency",
                1..=MAX_CONCURRENCY.into(),
                &format!("a whole number from 1 to {MAX_CONCURRENCY}"),
            )
        });
        let rate = entries.get("rate").map(|node| self.rate(node));
        let set = entries.get("set").map(|node| self.overrides(node));
        Some(Action::Burst(Burst {
            event: event?,
            count: u32::try_from(count?).ok()?,
            concurrency: u32::try_from(concurrency?).ok()?,
            rate: optional(rate)?,
            set: optional(set)?.unwrap_or_default(),
        }))
    }

    fn rate(&mut self, node: &Node) -> Option<Rate> {
        if !is_scalar(&node.kind) || node.kind == NodeKind::Null {
            self.wrong_type(node, "`rate`", "a rate, like `500/s`");
            return None;
        }
        let text = self.string(node, "rate")?;
        match Rate::parse(&text) {
            Ok(rate) => Some(rate),
            Err(why) => {
                self.report(
                    node,
                    Problem::new(
                        Kind::InvalidValue,
                        format!("invalid rate: {why}"),
                        "not a rate",
                    )
                    .with_help(Rate::HELP),
                );
                None
            }
        }
    }

    /// `expect: { all_acknowledged, p99_under }` on a burst step.
    pub(super) fn burst_expectations(&mut self, node: &Node) -> Option<Expectations> {
        let entries = self.entries(node, node, "a burst's `expect`", &BURST_EXPECT_KEYS)?;
        let all_acknowledged = entries
            .get("all_acknowledged")
            .map(|node| self.boolean(node, "all_acknowledged"));
        let p99_under = entries
            .get("p99_under")
            .map(|node| self.latency_bound(node));
        Some(Expectations {
            all_acknowledged: optional(all_acknowledged)?,
            p99_under: optional(p99_under)?,
            ..Expectations::default()
        })
    }

    fn latency_bound(&mut self, node: &Node) -> Option<std::time::Duration> {
        if !is_scalar(&node.kind) || node.kind == NodeKind::Null {
            self.wrong_type(node, "`p99_under`", "a duration, like `2s` or `500ms`");
            return None;
        }
        let text = self.string(node, "p99_under")?;
        match parse_nominal_duration(&text) {
            Ok(bound) if !bound.is_zero() => Some(bound),
            Ok(_) => {
                self.report(
                    node,
                    Problem::new(
                        Kind::InvalidValue,
                        "`p99_under` must be more than zero",
                        "no latency is under 0",
                    ),
                );
                None
            }
            Err(error) => {
                let help = match suggest_nominal_duration(&text) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?\n{DURATION_HELP}"),
                    None => DURATION_HELP.to_owned(),
                };
                self.report(
                    node,
                    Problem::new(
                        Kind::BadDuration,
                        format!("invalid duration `{text}`: {error}"),
                        "not a duration",
                    )
                    .with_help(help),
                );
                None
            }
        }
    }

    /// Report `all_acknowledged` or `p99_under` on a step that is not a
    /// burst, before the generic unknown-key report at the same spot.
    pub(super) fn burst_only_keys(&mut self, node: &Node, keyword: &str) {
        let NodeKind::Map(pairs) = &node.kind else {
            return;
        };
        for (key, _) in pairs {
            if let NodeKind::Str(name) = &key.kind
                && BURST_EXPECT_KEYS.contains(&name.as_str())
            {
                self.report(
                    key,
                    Problem::new(
                        Kind::UnknownKey,
                        format!("`{name}` is only for `burst` steps"),
                        format!("not on a `{keyword}` step"),
                    )
                    .with_help("a single delivery expects `acknowledged`, `status`, `attempts` or `gave_up`; a `burst` step expects `all_acknowledged` and `p99_under`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use crate::burst::RateUnit;
    use crate::scenario::{Action, ScenarioError, ScenarioErrorKind, parse_scenario_with_env};

    fn scenario_with(steps: &str) -> String {
        format!(
            "name: burst\nprovider: hemnet\nrule: hemnet/burst\nsource: seeds\ntarget: /hemnet\nsteps:\n{steps}"
        )
    }

    fn parse(steps: &str) -> Result<crate::scenario::Scenario, ScenarioError> {
        parse_scenario_with_env(Path::new("burst.yaml"), &scenario_with(steps), &|_| None)
    }

    fn parse_err(steps: &str) -> ScenarioError {
        match parse(steps) {
            Ok(scenario) => panic!("expected an error, parsed {scenario:#?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn a_full_burst_parses() {
        let scenario = parse(
            "  - burst: { event: CONTACT.CREATE, count: 10000, concurrency: 64, rate: 500/s, set: { data.message: hi } }\n    expect: { all_acknowledged: true, p99_under: 2s }\n",
        )
        .expect("a valid burst");
        let step = &scenario.steps[0];
        let Action::Burst(burst) = &step.action else {
            panic!("a burst step, got {:?}", step.action);
        };
        assert_eq!(burst.event, "CONTACT.CREATE");
        assert_eq!((burst.count, burst.concurrency), (10_000, 64));
        let rate = burst.rate.expect("a rate");
        assert_eq!((rate.amount, rate.per), (500, RateUnit::Second));
        assert_eq!(burst.set[0].path, "data.message");
        assert_eq!(step.expect.all_acknowledged, Some(true));
        assert_eq!(step.expect.p99_under, Some(Duration::from_secs(2)));
        assert_eq!(step.expect.acknowledged, None);
    }

    #[test]
    fn p99_under_may_be_left_to_the_default() {
        let scenario = parse("  - burst: { event: CONTACT.CREATE, count: 5, concurrency: 2 }\n")
            .expect("a valid burst");
        assert_eq!(scenario.steps[0].expect.p99_under, None);
    }

    #[test]
    fn count_and_concurrency_are_bounded() {
        let error =
            parse_err("  - burst: { event: CONTACT.CREATE, count: 1000001, concurrency: 2 }\n");
        assert_eq!(error.kind, ScenarioErrorKind::InvalidValue);
        assert!(error.message.contains("1000000"), "{}", error.message);
        let error = parse_err("  - burst: { event: CONTACT.CREATE, count: 5, concurrency: 0 }\n");
        assert!(error.message.contains("concurrency"), "{}", error.message);
        let error = parse_err("  - burst: { event: CONTACT.CREATE, concurrency: 2 }\n");
        assert_eq!(error.kind, ScenarioErrorKind::MissingKey);
        assert!(error.message.contains("count"), "{}", error.message);
    }

    #[test]
    fn bad_rates_and_keys_are_named() {
        let error = parse_err(
            "  - burst: { event: CONTACT.CREATE, count: 5, concurrency: 2, rate: 5/h }\n",
        );
        assert!(error.message.contains("invalid rate"), "{}", error.message);
        let error =
            parse_err("  - burst: { event: CONTACT.CREATE, count: 5, concurrency: 2, rat: 5/s }\n");
        assert_eq!(error.kind, ScenarioErrorKind::UnknownKey);
        assert_eq!(error.help(), Some("did you mean `rate`?"));
        let error = parse_err("  - burst: { event: CONTACT.CRATE, count: 5, concurrency: 2 }\n");
        assert_eq!(error.kind, ScenarioErrorKind::UnknownEvent);
    }

    #[test]
    fn burst_expectations_stay_on_burst_steps() {
        let error =
            parse_err("  - deliver: CONTACT.CREATE\n    expect: { all_acknowledged: true }\n");
        assert_eq!(error.kind, ScenarioErrorKind::UnknownKey);
        assert_eq!(
            error.message,
            "`all_acknowledged` is only for `burst` steps"
        );
        let error = parse_err(
            "  - burst: { event: CONTACT.CREATE, count: 5, concurrency: 2 }\n    expect: { acknowledged: true }\n",
        );
        assert_eq!(error.kind, ScenarioErrorKind::UnknownKey);
        assert_eq!(error.help(), Some("did you mean `all_acknowledged`?"));
        let error = parse_err(
            "  - burst: { event: CONTACT.CREATE, count: 5, concurrency: 2 }\n    expect: { p99_under: 2 seconds }\n",
        );
        assert_eq!(error.kind, ScenarioErrorKind::BadDuration);
        let error = parse_err(
            "  - burst: { event: CONTACT.CREATE, count: 5, concurrency: 2 }\n    expect: { p99_under: 0s }\n",
        );
        assert!(
            error.message.contains("more than zero"),
            "{}",
            error.message
        );
    }
}
