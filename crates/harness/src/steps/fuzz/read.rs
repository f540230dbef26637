//! Reading a `fuzz` step and its one expectation.

use super::{Fuzz, MAX_CASES};
use crate::expect::Expectations;
use crate::read::shape::names;
use crate::read::{Kind, Node, Problem, Reader, optional};
use crate::steps::{ReadContext, StepKind};

pub(super) fn read_fuzz(
    r: &mut Reader<'_>,
    key: &Node,
    value: &Node,
    context: &ReadContext,
) -> Option<Fuzz> {
    let entries = r.entries(value, key, "`fuzz`", &names(&super::keys(context.provider)))?;
    let event = r.required(
        &entries,
        "event",
        "name the event to fuzz, like `event: CONTACT.CREATE`",
    );
    let event = event.and_then(|node| r.event(node, context.provider));
    let cases = r.required(
        &entries,
        "cases",
        "say how many payloads to send, like `cases: 200`",
    );
    let cases = cases.and_then(|node| {
        r.integer(
            node,
            "cases",
            1..=MAX_CASES.into(),
            &format!("a whole number from 1 to {MAX_CASES}"),
        )
    });
    let seed = entries.get("seed").map(|node| {
        r.integer(node, "seed", 0..=u64::MAX.into(), "a whole number")
            .and_then(|seed| u64::try_from(seed).ok())
    });
    Some(Fuzz {
        event: event?,
        cases: u32::try_from(cases?).ok()?,
        seed: optional(seed)?,
    })
}

/// `expect: { acknowledged: true }`: what every fuzz case must be.
pub(super) fn read_fuzz_expect(r: &mut Reader<'_>, node: &Node) -> Option<Expectations> {
    let entries = r.entries(node, node, "a fuzz step's `expect`", Fuzz::EXPECTS.keys)?;
    let acknowledged = entries.get("acknowledged").map(|node| {
        let acknowledged = r.boolean(node, "acknowledged")?;
        if acknowledged {
            return Some(true);
        }
        r.report(
            node,
            Problem::new(
                Kind::InvalidValue,
                "a fuzz step proves every case is acknowledged",
                "must be true",
            )
            .with_help("strange but valid payloads are still valid: a receiver must acknowledge them all; write `acknowledged: true`"),
        );
        None
    });
    Some(Expectations {
        acknowledged: optional(acknowledged)?,
        ..Expectations::default()
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::steps::fuzz::Fuzz;
    use crate::scenario::{Action, parse_scenario_with_env};

    fn parse(steps: &str) -> Result<crate::scenario::Scenario, String> {
        let text = format!(
            "name: n\nprovider: hemnet\nrule: hemnet/r\nsource: s\ntarget: /hemnet\nsteps:\n{steps}"
        );
        parse_scenario_with_env(Path::new("f.yaml"), &text, &|_| None).map_err(|e| e.to_string())
    }

    #[test]
    fn a_fuzz_step_parses() {
        let scenario = parse(
            "  - fuzz: { event: CONTACT.CREATE, cases: 200, seed: 7 }\n    expect: { acknowledged: true }\n",
        )
        .expect("valid");
        assert_eq!(
            scenario.steps[0].action,
            Action::Fuzz(Fuzz {
                event: "CONTACT.CREATE".to_owned(),
                cases: 200,
                seed: Some(7),
            })
        );
        assert_eq!(scenario.steps[0].expect.acknowledged, Some(true));
    }

    #[test]
    fn bad_fuzz_steps_say_why() {
        for (steps, says) in [
            ("  - fuzz: { event: CONTACT.CREATE }\n", "cases"),
            (
                "  - fuzz: { event: CONTACT.CREATE, cases: 0 }\n",
                "`cases` must be",
            ),
            ("  - fuzz: { event: NOPE, cases: 3 }\n", "no event `NOPE`"),
            (
                "  - fuzz: { event: CONTACT.CREATE, cases: 3 }\n    expect: { acknowledged: false }\n",
                "every case is acknowledged",
            ),
            (
                "  - fuzz: { event: CONTACT.CREATE, cases: 3 }\n    expect: { status: 200 }\n",
                "status",
            ),
        ] {
            let error = parse(steps).expect_err(steps);
            assert!(error.contains(says), "{steps}: {error}");
        }
    }
}
