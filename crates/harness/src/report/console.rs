//! The console report: one line per scenario, then every failure with the
//! rule it proves and why it failed, then `N passed, N failed`.

use std::fmt::Write as _;

use hooksim_simulator::outcome::Outcome;
use hooksim_simulator::schedule::format_nominal;

use crate::runner::StepRecord;
use crate::snapshot::SnapshotStatus;
use crate::suite::ScenarioResult;
use crate::transcript::subscription_suffix;

/// `PASS hemnet/rule  (3 steps, 4 attempts)  path`.
pub fn scenario_line(result: &ScenarioResult) -> String {
    let run = &result.run;
    let verdict = if result.passed() { "PASS" } else { "FAIL" };
    let failed = run.failed_checks().count();
    let why = match (&run.error, failed, &result.snapshot) {
        (Some(_), _, _) => "  could not run".to_owned(),
        (None, 0, Some(SnapshotStatus::New { .. })) => "  no accepted snapshot".to_owned(),
        (None, 0, Some(SnapshotStatus::Changed { .. })) => {
            "  transcript differs from snapshot".to_owned()
        }
        (None, 0, _) => String::new(),
        (None, n, _) => format!("  {n} expectation{} failed", plural(n)),
    };
    let steps = run.steps.len();
    let attempts = run.attempt_count();
    format!(
        "{verdict} {}  ({steps} step{}, {attempts} attempt{}){why}  {}",
        run.scenario.rule,
        plural(steps),
        plural(attempts),
        run.scenario.path.display()
    )
}

/// Why a scenario failed, as indented lines; empty when it passed.
pub fn failure_details(result: &ScenarioResult) -> String {
    let mut out = failure_summary(result);
    out.push_str(&snapshot_details(result));
    out
}

/// Why a scenario failed, without the snapshot diff; empty when it passed.
pub fn failure_summary(result: &ScenarioResult) -> String {
    let mut out = String::new();
    if result.passed() {
        return out;
    }
    let run = &result.run;
    let s = &run.scenario;
    let _ = writeln!(out, "FAIL {}: {}", s.rule, s.name);
    let _ = writeln!(out, "  rule source: {}", s.source);
    let _ = writeln!(out, "  file: {}", s.path.display());
    for step in run
        .steps
        .iter()
        .filter(|s| s.failed_checks().next().is_some())
    {
        let title = match &step.record {
            StepRecord::Delivery(record) => record.title.clone(),
            StepRecord::Probed(probe) => {
                format!("probe {} {} -> {}", probe.method, probe.path, probe.answer)
            }
            StepRecord::AwaitedRegistration(wait) => {
                format!(
                    "await_registration for {}",
                    wait.event.as_deref().unwrap_or("any event")
                )
            }
            StepRecord::Callbacks(calls) => format!("expect_callback {}", calls.wanted),
            StepRecord::Burst(burst) => burst.title(),
            StepRecord::Fuzz(fuzz) => fuzz.title(),
            StepRecord::KeysRotated { .. }
            | StepRecord::Waited { .. }
            | StepRecord::ApiChanged { .. } => String::new(),
        };
        let _ = writeln!(
            out,
            "  step {} (line {}) {title}:",
            step.number, step.location.line
        );
        for check in step.failed_checks() {
            let on = subscription_suffix(check);
            let _ = writeln!(
                out,
                "    expected {}{on}: {}, got {}",
                check.key, check.expected, check.actual
            );
        }
        match &step.record {
            StepRecord::Probed(probe) if !probe.body.is_empty() => {
                let body: String = probe.body.chars().take(200).collect();
                let _ = writeln!(out, "    response body: {}", body.trim());
            }
            StepRecord::AwaitedRegistration(wait) => {
                let seen = if wait.registrations.is_empty() {
                    "none".to_owned()
                } else {
                    wait.registrations.join("; ")
                };
                let _ = writeln!(out, "    registrations seen: {seen}");
            }
            StepRecord::Callbacks(calls) => {
                let seen = if calls.calls.is_empty() {
                    "none".to_owned()
                } else {
                    calls.calls.join("; ")
                };
                let _ = writeln!(
                    out,
                    "    calls the receiver made to the {} API: {seen}",
                    run.scenario.provider
                );
            }
            StepRecord::Burst(burst) => {
                let _ = writeln!(out, "    {}", burst.figures());
            }
            StepRecord::Fuzz(fuzz) => {
                if let Some(failure) = &fuzz.failure {
                    let body = String::from_utf8_lossy(&failure.minimal_body);
                    let _ = writeln!(out, "    minimal failing body as sent: {body}");
                }
            }
            _ => {}
        }
        let StepRecord::Delivery(record) = &step.record else {
            continue;
        };
        if let Some(note) = &record.note {
            let _ = writeln!(out, "    {note}");
        }
        for send in &record.sends {
            let Some(attempt) = send.delivery.last_attempt() else {
                continue;
            };
            let on = send
                .subscription
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            let _ = write!(
                out,
                "    last attempt{on} {} at +{}: {}",
                attempt.number,
                format_nominal(attempt.nominal_at),
                attempt.outcome
            );
            if matches!(
                attempt.outcome,
                Outcome::Rejected { .. } | Outcome::Redirect { .. }
            ) {
                let _ = write!(
                    out,
                    " ({} counts only {} as delivered)",
                    run.scenario.provider, run.policy.success.value
                );
            }
            if let Some(excerpt) = attempt.response.as_ref().filter(|r| !r.body.is_empty()) {
                let body: String = String::from_utf8_lossy(&excerpt.body)
                    .chars()
                    .take(200)
                    .collect();
                let _ = write!(out, ", response body: {}", body.trim());
            }
            let _ = writeln!(out);
        }
    }
    if let Some(error) = &run.error {
        let _ = writeln!(out, "  could not run: {error}");
    }
    out
}

/// How the transcript compared with its snapshot, when not cleanly.
pub fn snapshot_details(result: &ScenarioResult) -> String {
    let mut out = String::new();
    match &result.snapshot {
        Some(SnapshotStatus::New { pending }) => {
            let _ = writeln!(
                out,
                "  no accepted snapshot yet: wrote {} (review, then `hooksim snapshots accept`)",
                pending.display()
            );
        }
        Some(SnapshotStatus::Changed { pending, diff }) => {
            let _ = writeln!(
                out,
                "  transcript differs from the snapshot: wrote {}",
                pending.display()
            );
            for line in diff.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        _ => {}
    }
    out
}

/// The closing line: `N passed, N failed`.
pub fn summary_line(results: &[ScenarioResult]) -> String {
    let passed = results.iter().filter(|r| r.passed()).count();
    format!("{passed} passed, {} failed", results.len() - passed)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
