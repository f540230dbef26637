//! The deterministic record of a scenario run: for a given seed the same
//! text every time (nominal times, volatile values redacted, no latencies),
//! so snapshots of it show only real changes.

use std::fmt::Write as _;

use hooksim_simulator::policy::{DeliveryPolicy, Fact};
use hooksim_simulator::schedule::format_nominal;

use crate::runner::{ReceiverUnderTest, ScenarioRun};
use crate::scenario::step_heading;
pub use crate::steps::Answers;

/// Render `run` as transcript text. Against a receiver hooksim did not
/// write, identities are fresh on every run; the transcript shows them as
/// the seed made them, so it reads the same every time.
pub fn render(run: &ScenarioRun) -> String {
    render_with(run, Answers::LeftOut)
}

/// [`render`], with the receiver's answers if asked (`hooksim send`).
pub fn render_with(run: &ScenarioRun, answers: Answers) -> String {
    let text = render_as_sent(run, answers);
    if run.replacements.is_empty() {
        text
    } else {
        hooksim_simulator::identity::show_seeded(&text, &run.replacements)
    }
}

fn render_as_sent(run: &ScenarioRun, answers: Answers) -> String {
    let mut out = String::new();
    let s = &run.scenario;
    // Writing into a String cannot fail; `let _ =` keeps that out of every line.
    let _ = writeln!(out, "scenario: {}", s.name);
    let _ = writeln!(out, "rule: {}", s.rule);
    let _ = writeln!(out, "source: {}", s.source);
    let _ = writeln!(out, "provider: {}", s.provider);
    let _ = writeln!(out, "seed: {}", run.seed);
    if run.fresh_identities {
        let _ = writeln!(
            out,
            "receiver: yours; event ids are new on every run, shown here as the seed makes them"
        );
    } else if run.receiver == ReceiverUnderTest::Theirs {
        let _ = writeln!(out, "receiver: yours");
    }
    if let Some(skip) = &run.skipped {
        let _ = writeln!(out, "\nskipped: {}", skip.reason);
        return out;
    }
    render_policy(&mut out, &run.policy);
    if let Some(setup) = &run.api_setup {
        let _ = writeln!(out, "{setup}");
    }
    for step in &run.steps {
        let _ = writeln!(out);
        let heading = step_heading(step.number, step.location.line);
        step.record.transcript(&mut out, &heading, answers);
        for check in &step.checks {
            let verdict = match (check.passed, check.warns()) {
                (true, _) => "ok",
                (false, true) => "WARNING (the rule rests on an assumption)",
                (false, false) => "FAILED",
            };
            let on = subscription_suffix(check);
            let _ = writeln!(
                out,
                "  expect {}{on}: {} -> {} {verdict}",
                check.key, check.expected, check.actual
            );
        }
    }
    if !run.api_calls.is_empty() {
        let _ = writeln!(out, "\nprovider API calls, in order:");
        for call in &run.api_calls {
            let _ = writeln!(out, "  {call}");
        }
    }
    if let Some(error) = &run.error {
        let _ = writeln!(out, "\nstopped: {error}");
    }
    out
}

/// ` (crm)` for a check on one of several subscriptions.
pub(crate) fn subscription_suffix(check: &crate::expect::Check) -> String {
    check
        .subscription
        .as_deref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default()
}

fn render_policy(out: &mut String, policy: &DeliveryPolicy) {
    fn line<T>(out: &mut String, name: &str, fact: &Fact<T>, shown: String) {
        let _ = writeln!(out, "  {name}: {shown} ({})", fact.provenance.label());
    }
    let _ = writeln!(out, "policy:");
    line(
        out,
        "connect timeout",
        &policy.connect_timeout,
        format_nominal(policy.connect_timeout.value),
    );
    line(
        out,
        "response timeout",
        &policy.response_timeout,
        format_nominal(policy.response_timeout.value),
    );
    line(
        out,
        "success",
        &policy.success,
        policy.success.value.to_string(),
    );
    let schedule = &policy.schedule.value;
    line(
        out,
        "schedule",
        &policy.schedule,
        format!(
            "{} attempts over {}",
            schedule.attempts(),
            format_nominal(schedule.span())
        ),
    );
    line(
        out,
        "redirects",
        &policy.redirects_fail,
        "not followed, a 3xx fails".to_owned(),
    );
}
