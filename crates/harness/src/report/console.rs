//! The console report: one line per scenario, then every failure (and
//! warning, and skip) with the rule it proves and why, then
//! `N passed, N failed, N skipped`.

use std::fmt::Write as _;

use crate::scenario::{Basis, step_heading};
use crate::snapshot::{SnapshotStatus, accept_command};
use crate::suite::{ScenarioResult, Verdict};
use crate::transcript::subscription_suffix;

/// `PASS hemnet/rule  (3 steps, 4 attempts)  path`.
pub fn scenario_line(result: &ScenarioResult) -> String {
    let run = &result.run;
    let verdict = result.verdict();
    if let Some(skip) = &run.skipped {
        return format!(
            "{} {}  (needs {})  {}",
            verdict.label(),
            run.scenario.rule,
            skip.setting,
            run.scenario.path.display()
        );
    }
    let failing = run.failing_checks().count();
    let warned = run.warnings().count();
    let mut why = match (&run.error, failing, warned) {
        (Some(_), _, _) => "  could not run".to_owned(),
        (None, 0, 0) => String::new(),
        (None, 0, n) => format!(
            "  {n} expectation{} of an assumed rule did not hold",
            plural(n)
        ),
        (None, n, _) => format!("  {n} expectation{} failed", plural(n)),
    };
    match &result.snapshot {
        Some(SnapshotStatus::New { .. }) => why.push_str("  (new snapshot pending review)"),
        Some(SnapshotStatus::Changed { .. }) => {
            why.push_str("  (transcript differs from snapshot: pending review)");
        }
        Some(SnapshotStatus::BuiltinDiffers { .. }) => {
            why.push_str("  (transcript differs from the built-in snapshot)");
        }
        _ => {}
    }
    let steps = run.steps.len();
    let attempts = run.attempt_count();
    format!(
        "{} {}  ({steps} step{}, {attempts} attempt{}){why}  {}",
        verdict.label(),
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

/// Why a scenario failed, warned or was skipped, without the snapshot
/// diff; empty when it passed.
pub fn failure_summary(result: &ScenarioResult) -> String {
    let mut out = String::new();
    let verdict = result.verdict();
    if verdict == Verdict::Passed {
        return out;
    }
    let run = &result.run;
    let s = &run.scenario;
    let _ = writeln!(out, "{} {}: {}", verdict.label(), s.rule, s.name);
    if let Some(skip) = &run.skipped {
        let _ = writeln!(out, "  skipped: {}", skip.reason);
        let _ = writeln!(out, "  file: {}", s.path.display());
        return out;
    }
    let _ = writeln!(out, "  rule source: {}", s.source);
    let basis = match s.basis {
        Basis::Documented => "documented (the provider documents the rule)",
        Basis::Practice => "practice (what a robust receiver does; the source says why)",
        Basis::Assumed => "assumed (a guess about the provider: it warns unless --strict)",
    };
    let _ = writeln!(out, "  basis: {basis}");
    let _ = writeln!(out, "  file: {}", s.path.display());
    if run.failing_checks().next().is_none() && run.warnings().next().is_some() {
        let _ = writeln!(
            out,
            "  what did not hold rests on an assumption about {}, not on its documentation: {}",
            s.provider,
            if result.strict {
                "--strict fails it"
            } else {
                "a warning (--strict fails it)"
            }
        );
    }
    for step in run
        .steps
        .iter()
        .filter(|s| s.failed_checks().next().is_some())
    {
        let title = step.record.title();
        let _ = writeln!(
            out,
            "  {} {title}:",
            step_heading(step.number, step.location.line)
        );
        for check in step.failed_checks() {
            let on = subscription_suffix(check);
            let _ = writeln!(
                out,
                "    expected {}{on}: {}, got {}",
                check.key, check.expected, check.actual
            );
        }
        step.record
            .failure_details(&mut out, s.provider, &run.policy);
    }
    if let Some(error) = &run.error {
        let _ = writeln!(out, "  could not run: {error}");
    }
    out
}

/// How the transcript compared with its snapshot, when not cleanly.
pub fn snapshot_details(result: &ScenarioResult) -> String {
    let mut out = String::new();
    let rule = &result.run.scenario.rule;
    let provider = result.run.scenario.provider.as_str();
    match &result.snapshot {
        Some(SnapshotStatus::New { pending }) => {
            let _ = writeln!(
                out,
                "SNAPSHOT {rule}: new, no accepted snapshot yet: wrote {} (`{}`, or `{}`)",
                pending.display(),
                accept_command("review", pending, provider),
                accept_command("accept", pending, provider),
            );
        }
        Some(SnapshotStatus::Changed { pending, diff }) => {
            let _ = writeln!(
                out,
                "SNAPSHOT {rule}: the transcript differs from the accepted snapshot: wrote {} (not a failure; `{}`; `hooksim snapshots --check` fails on it)",
                pending.display(),
                accept_command("review", pending, provider),
            );
            for line in diff.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        Some(SnapshotStatus::BuiltinDiffers { diff }) => {
            let _ = writeln!(
                out,
                "SNAPSHOT {rule}: the transcript differs from the snapshot built into hooksim (not a failure; nothing written: export the suite with `hooksim suites export DIR` to keep your own)"
            );
            for line in diff.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        Some(SnapshotStatus::NotAccepted { path }) => {
            let _ = writeln!(
                out,
                "SNAPSHOT {rule}: not accepted into {}: an expectation failed, and a snapshot must not hold a failure",
                path.display()
            );
        }
        _ => {}
    }
    out
}

/// How many results have each verdict: passed (warned included), failed
/// (errors included), skipped, warned.
pub fn counts<'a>(
    results: impl IntoIterator<Item = &'a ScenarioResult>,
) -> (usize, usize, usize, usize) {
    let verdicts: Vec<Verdict> = results.into_iter().map(ScenarioResult::verdict).collect();
    let count = |wanted: &dyn Fn(Verdict) -> bool| verdicts.iter().filter(|v| wanted(**v)).count();
    (
        count(&Verdict::is_pass),
        count(&Verdict::is_failure),
        count(&|v| v == Verdict::Skipped),
        count(&|v| v == Verdict::Warned),
    )
}

/// The closing line, in exactly this form (CI tools read it):
/// `N passed, N failed, N skipped`.
pub fn summary_line(results: &[ScenarioResult]) -> String {
    let (passed, failed, skipped, _) = counts(results);
    format!("{passed} passed, {failed} failed, {skipped} skipped")
}

/// The line before the summary when rules that rest on a guess did not
/// hold: `2 warnings: ...`; `None` when there were none.
pub fn warnings_line(results: &[ScenarioResult]) -> Option<String> {
    let (_, _, _, warned) = counts(results);
    (warned > 0).then(|| {
        format!(
            "{warned} warning{}: a rule that rests on an assumption about the provider did not hold (--strict fails it)",
            plural(warned)
        )
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
