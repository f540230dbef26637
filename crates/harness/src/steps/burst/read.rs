//! Reading a `burst` step: its keys, bounds and rate.

use super::{Burst, MAX_CONCURRENCY, MAX_COUNT, Rate, burst_payload};
use crate::read::shape::names;
use crate::read::{Kind, Node, NodeKind, Problem, Reader, is_scalar, optional};
use crate::steps::{ReadContext, check_overrides};

pub(super) fn read_burst(
    r: &mut Reader<'_>,
    key: &Node,
    value: &Node,
    context: &ReadContext,
) -> Option<Burst> {
    let entries = r.entries(value, key, "`burst`", &names(&super::keys(context.provider)))?;
    let event = r.required(
        &entries,
        "event",
        "name the event to send, like `event: CONTACT.CREATE`",
    );
    let event = event.and_then(|node| r.event(node, context.provider));
    let count = r.required(
        &entries,
        "count",
        "say how many deliveries to send, like `count: 1000`",
    );
    let count = count.and_then(|node| {
        r.integer(
            node,
            "count",
            1..=MAX_COUNT.into(),
            &format!("a whole number from 1 to {MAX_COUNT}"),
        )
    });
    let concurrency = r.required(
        &entries,
        "concurrency",
        "say how many deliveries may be in flight at once, like `concurrency: 64`",
    );
    let concurrency = concurrency.and_then(|node| {
        r.integer(
            node,
            "concurrency",
            1..=MAX_CONCURRENCY.into(),
            &format!("a whole number from 1 to {MAX_CONCURRENCY}"),
        )
    });
    let rate = entries.get("rate").map(|node| read_rate(r, node));
    let set = entries.get("set").map(|node| r.overrides(node));
    let burst = Burst {
        event: event?,
        count: u32::try_from(count?).ok()?,
        concurrency: u32::try_from(concurrency?).ok()?,
        rate: optional(rate)?,
        set: Vec::new(),
    };
    let set = optional(set)?.unwrap_or_default();
    // The first delivery's payload as `run` builds it, before `set`.
    if let (Some(node), Some(provider), Some(seed)) =
        (entries.get("set"), context.provider, context.data_seed)
        && let Ok(payload) = burst_payload(provider.provider(), seed, context.index, &burst, 0)
        && !check_overrides(r, node, &set, payload)
    {
        return None;
    }
    Some(Burst { set, ..burst })
}

fn read_rate(r: &mut Reader<'_>, node: &Node) -> Option<Rate> {
    if !is_scalar(&node.kind) || node.kind == NodeKind::Null {
        r.wrong_type(node, "`rate`", "a rate, like `500/s`");
        return None;
    }
    let text = r.string(node, "rate")?;
    match Rate::parse(&text) {
        Ok(rate) => Some(rate),
        Err(why) => {
            r.report(
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

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use crate::steps::burst::RateUnit;
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
