//! The deterministic record of a scenario run: for a given seed the same
//! text every time (nominal times, volatile values redacted, no latencies),
//! so snapshots of it show only real changes.

use std::fmt::Write as _;

use hooksim_simulator::delivery::{Attempt, Verdict};
use hooksim_simulator::policy::{DeliveryPolicy, Fact};
use hooksim_simulator::schedule::format_nominal;

use crate::runner::{DeliveryRecord, ReceiverUnderTest, RouteDelivery, ScenarioRun, StepRecord};
use crate::scenario::step_heading;

/// Render `run` as transcript text. Against a receiver hooksim did not
/// write, identities are fresh on every run; the transcript shows them as
/// the seed made them, so it reads the same every time.
pub fn render(run: &ScenarioRun) -> String {
    render_with(run, Answers::LeftOut)
}

/// Whether a transcript shows what the receiver answered to each attempt.
/// Snapshots leave the answers out: a receiver's body may change from run
/// to run (a timestamp, a request id) without anything having changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    LeftOut,
    /// A line under each attempt with the status and the start of the body.
    Shown,
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
        match &step.record {
            StepRecord::Delivery(record) => {
                let _ = writeln!(out, "{heading}: {}", record.title);
                render_delivery(&mut out, record, answers);
            }
            StepRecord::KeysRotated { keys } => {
                let _ = writeln!(
                    out,
                    "{heading}: rotate_keys, now signing with: {}",
                    keys.join(", ")
                );
            }
            StepRecord::Waited { duration, now } => {
                let _ = writeln!(
                    out,
                    "{heading}: wait {}, now at +{}",
                    format_nominal(*duration),
                    format_nominal(*now)
                );
            }
            StepRecord::Probed(probe) => {
                let _ = writeln!(
                    out,
                    "{heading}: probe {} {} -> {}",
                    probe.method, probe.path, probe.answer
                );
            }
            StepRecord::AwaitedRegistration(wait) => {
                let event = wait.event.as_deref().unwrap_or("any event");
                let _ = writeln!(out, "{heading}: await_registration for {event}");
                for registration in &wait.registrations {
                    let _ = writeln!(out, "  registered: {registration}");
                }
            }
            StepRecord::ApiChanged(change) => {
                let _ = writeln!(out, "{heading}: api: {}", change.describe());
            }
            StepRecord::Registration(registration) => {
                let _ = writeln!(
                    out,
                    "{heading}: {} -> {}",
                    registration.title(),
                    registration.call.answer
                );
                for line in &registration.registrations {
                    let _ = writeln!(out, "  registered: {line}");
                }
            }
            StepRecord::Fuzz(fuzz) => {
                let _ = writeln!(out, "{heading}: {}: {}", fuzz.title(), fuzz.summary());
                if let Some(failure) = &fuzz.failure {
                    let body = String::from_utf8_lossy(&failure.minimal_body);
                    let _ = writeln!(
                        out,
                        "  minimal failing payload ({} bytes): {body}",
                        failure.minimal_body.len()
                    );
                }
            }
            StepRecord::Burst(burst) => {
                let _ = writeln!(
                    out,
                    "{heading}: {}: {}",
                    burst.title(),
                    burst.outcome_summary()
                );
                for o in &burst.burst.set {
                    let _ = writeln!(out, "  set {} = {}", o.path, o.value);
                }
            }
            StepRecord::Callbacks(callbacks) => {
                let _ = writeln!(
                    out,
                    "{heading}: expect_callback {}: {} matching call(s)",
                    callbacks.wanted, callbacks.matched
                );
            }
        }
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

fn render_delivery(out: &mut String, record: &DeliveryRecord, answers: Answers) {
    for o in &record.overrides {
        let _ = writeln!(out, "  set {} = {}", o.path, o.value);
    }
    if let Some(forgery) = record.forgery {
        let _ = writeln!(out, "  forged: {}, sent once", forgery.name());
    }
    if let Some(note) = &record.note {
        let _ = writeln!(out, "  {note}");
    }
    if record.sends.len() > 1 {
        let _ = writeln!(
            out,
            "  to {} subscriptions at once, in no order",
            record.sends.len()
        );
    }
    for send in &record.sends {
        // A single target keeps the plain layout; subscriptions get a heading each.
        let indent = match &send.subscription {
            Some(name) => {
                let _ = writeln!(out, "  subscription {name}:");
                "    "
            }
            None => "  ",
        };
        render_send(out, send, indent, answers);
    }
}

fn render_send(out: &mut String, send: &RouteDelivery, indent: &str, answers: Answers) {
    let _ = writeln!(out, "{indent}POST {}", send.target_shown);
    if let Some(first) = send.delivery.attempts.first() {
        for header in &first.headers {
            let _ = writeln!(out, "{indent}{}: {}", header.name, header.shown());
        }
    }
    let body = String::from_utf8_lossy(&send.body);
    let _ = writeln!(out, "{indent}body ({} bytes): {body}", send.body.len());
    let delivery = &send.delivery;
    for attempt in &delivery.attempts {
        let _ = writeln!(
            out,
            "{indent}attempt {} at +{}: {}",
            attempt.number,
            format_nominal(attempt.nominal_at),
            attempt.outcome
        );
        if let (Answers::Shown, Some(answer)) = (answers, answer(attempt)) {
            let _ = writeln!(out, "{indent}  {answer}");
        }
    }
    let n = delivery.attempts.len();
    let plural = if n == 1 { "" } else { "s" };
    let _ = match delivery.verdict {
        Verdict::Delivered => writeln!(out, "{indent}delivered after {n} attempt{plural}"),
        Verdict::GaveUp => writeln!(out, "{indent}gave up after {n} attempt{plural}"),
    };
}

/// `answered 500, body (27 bytes): {"error":"db down"}`; nothing when no
/// answer came (the outcome says why).
fn answer(attempt: &Attempt) -> Option<String> {
    let response = attempt.response.as_ref()?;
    let status = attempt
        .outcome
        .status()
        .map(|status| format!(" {status}"))
        .unwrap_or_default();
    if response.body.is_empty() {
        return Some(format!("answered{status} with an empty body"));
    }
    let size = if response.truncated {
        format!("more than {} bytes", response.body.len())
    } else {
        format!("{} bytes", response.body.len())
    };
    let body = body_excerpt(&String::from_utf8_lossy(&response.body));
    Some(format!("answered{status}, body ({size}): {body}"))
}

/// The characters of a body shown in a line of output.
const EXCERPT_CHARS: usize = 200;

/// The start of a body on one line: line breaks and other control
/// characters as spaces, cut at [`EXCERPT_CHARS`] with a `…`.
pub(crate) fn body_excerpt(body: &str) -> String {
    let body = body.trim();
    let mut excerpt: String = body
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.chars().nth(EXCERPT_CHARS).is_some() {
        excerpt.push('…');
    }
    excerpt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_excerpt_is_one_line_and_says_where_it_was_cut() {
        assert_eq!(
            body_excerpt("  <h1>Bad\r\nGateway</h1>\n"),
            "<h1>Bad  Gateway</h1>"
        );
        let long = "é".repeat(EXCERPT_CHARS + 1);
        let excerpt = body_excerpt(&long);
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
        assert!(excerpt.ends_with("é…"), "{excerpt}");
        assert_eq!(
            body_excerpt(&long[..EXCERPT_CHARS * 2]),
            "é".repeat(EXCERPT_CHARS)
        );
    }
}
