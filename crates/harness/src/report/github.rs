//! GitHub Actions output: workflow-command annotations that point at the
//! scenario file's line, and a Markdown job summary.
//!
//! - A failed expectation is an `::error` at its step's line, titled with
//!   the rule; the message says what was expected, what came, and the
//!   rule's basis and source.
//! - A rule that rests on an assumption and did not hold is a `::warning`
//!   (an `::error` under `--strict`).
//! - A skip, or a new snapshot, is a `::notice`; a transcript that differs
//!   from its snapshot is a `::warning`.
//! - A scenario that could not run is an `::error` at its first line.
//!
//! The summary gives the totals, then a table per provider with the
//! failures first: the rule, the step and why.

use std::fmt::Write as _;

use crate::expect::Check;
use crate::scenario::Basis;
use crate::snapshot::SnapshotStatus;
use crate::suite::{ScenarioResult, Verdict};
use crate::transcript::subscription_suffix;

/// How loud an annotation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Notice => "notice",
        }
    }
}

/// One annotation: where it points and what it says.
struct Annotation<'a> {
    level: Level,
    result: &'a ScenarioResult,
    line: usize,
    column: Option<usize>,
    title: String,
    message: String,
}

impl Annotation<'_> {
    fn render(&self) -> String {
        let path = self.result.run.scenario.path.display().to_string();
        let mut properties = format!("file={},line={}", property(&path), self.line);
        if let Some(column) = self.column {
            let _ = write!(properties, ",col={column}");
        }
        format!(
            "::{} {properties},title={}::{}",
            self.level.command(),
            property(&self.title),
            data(&self.message)
        )
    }
}

/// Every annotation of the run, one workflow command per line.
pub fn annotations(results: &[ScenarioResult]) -> String {
    let mut out = String::new();
    for result in results {
        for annotation in annotations_of(result) {
            out.push_str(&annotation.render());
            out.push('\n');
        }
    }
    out
}

fn annotations_of(result: &ScenarioResult) -> Vec<Annotation<'_>> {
    let run = &result.run;
    let s = &run.scenario;
    let mut found = Vec::new();
    let at_top = |level, title: String, message: String| Annotation {
        level,
        result,
        line: 1,
        column: None,
        title,
        message,
    };
    if let Some(skip) = &run.skipped {
        found.push(at_top(
            Level::Notice,
            format!("SKIP {}", s.rule),
            format!("skipped: {}", skip.reason),
        ));
        return found;
    }
    for (step, check) in run.failed_checks() {
        let level = if check.fails() || result.strict {
            Level::Error
        } else {
            Level::Warning
        };
        found.push(Annotation {
            level,
            result,
            line: step.location.line,
            column: Some(step.location.column),
            title: format!(
                "{} {}: step {} {}",
                level_word(level),
                s.rule,
                step.number,
                step.record.title()
            ),
            message: format!("{}\n{}", expected_got(check), rule_line(result, check)),
        });
    }
    if let Some(error) = &run.error {
        found.push(at_top(
            Level::Error,
            format!("FAIL {}", s.rule),
            format!("could not run: {error}\nrule source: {}", s.source),
        ));
    }
    match &result.snapshot {
        Some(SnapshotStatus::Changed { .. }) => found.push(at_top(
            Level::Warning,
            format!("snapshot {}", s.rule),
            "the transcript differs from its snapshot (pending review: hooksim snapshots review)"
                .to_owned(),
        )),
        Some(SnapshotStatus::BuiltinDiffers { .. }) => found.push(at_top(
            Level::Warning,
            format!("snapshot {}", s.rule),
            "the transcript differs from the built-in snapshot".to_owned(),
        )),
        Some(SnapshotStatus::New { .. }) => found.push(at_top(
            Level::Notice,
            format!("snapshot {}", s.rule),
            "a new snapshot is pending review (hooksim snapshots review)".to_owned(),
        )),
        _ => {}
    }
    found
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::Error => "FAIL",
        Level::Warning => "WARN",
        Level::Notice => "NOTE",
    }
}

fn expected_got(check: &Check) -> String {
    format!(
        "expected {}{}: {}, got {}",
        check.key,
        subscription_suffix(check),
        check.expected,
        check.actual
    )
}

/// The rule a check proves, its basis and where the provider says so.
fn rule_line(result: &ScenarioResult, check: &Check) -> String {
    let s = &result.run.scenario;
    let basis = match check.basis {
        Basis::Documented => "documented",
        Basis::Practice => "practice",
        Basis::Assumed => "assumed: it warns unless --strict",
    };
    format!("rule {} ({basis}): {}", s.rule, s.source)
}

/// A workflow command's message: `%`, CR and LF escaped.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as [`data`], and `:` and `,` too.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The job summary, in Markdown: the totals, then per provider a table of
/// its scenarios, failures first, each with its rule, the step and why.
pub fn summary(results: &[ScenarioResult]) -> String {
    let (passed, failed, skipped, warned) = super::console::counts(results);
    let mut out = format!("## hooksim: {passed} passed, {failed} failed, {skipped} skipped\n\n");
    if warned > 0 {
        let _ = writeln!(
            out,
            "{warned} passed with a warning: a rule that rests on an assumption about the provider did not hold (`--strict` fails it).\n"
        );
    }
    let mut providers: Vec<_> = results.iter().map(|r| r.run.scenario.provider).collect();
    providers.sort();
    providers.dedup();
    for provider in providers {
        let mut rows: Vec<&ScenarioResult> = results
            .iter()
            .filter(|r| r.run.scenario.provider == provider)
            .collect();
        rows.sort_by_key(|r| order(r.verdict()));
        let (passed, failed, skipped, _) = super::console::counts(rows.iter().copied());
        let _ = writeln!(
            out,
            "### {provider}: {passed} passed, {failed} failed, {skipped} skipped\n"
        );
        out.push_str("| verdict | rule | step | why |\n| --- | --- | --- | --- |\n");
        for result in rows {
            let (step, why) = step_and_why(result);
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} |",
                verdict_cell(result.verdict()),
                cell(&result.run.scenario.rule),
                cell(&step),
                cell(&why)
            );
        }
        out.push('\n');
    }
    out
}

/// Failures first, then warnings, skips and passes.
fn order(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Failed | Verdict::Errored => 0,
        Verdict::Warned => 1,
        Verdict::Skipped => 2,
        Verdict::Passed => 3,
    }
}

/// A mark and a word, so the verdict reads without colour.
fn verdict_cell(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Failed | Verdict::Errored => "❌ FAIL",
        Verdict::Warned => "⚠️ WARN",
        Verdict::Skipped => "⏭️ SKIP",
        Verdict::Passed => "✅ PASS",
    }
}

/// Where the scenario failed (file:line and the step) and why, for the
/// summary's row; the file alone when it passed.
fn step_and_why(result: &ScenarioResult) -> (String, String) {
    let run = &result.run;
    let s = &run.scenario;
    let path = s.path.display();
    let file = format!("`{path}`");
    if let Some(skip) = &run.skipped {
        return (file, skip.reason.clone());
    }
    if let Some((step, check)) = run.failed_checks().next() {
        let more = run.failed_checks().count() - 1;
        let also = match more {
            0 => String::new(),
            n => format!(" (and {n} more)"),
        };
        return (
            format!(
                "`{path}:{}` step {} {}",
                step.location.line,
                step.number,
                step.record.title()
            ),
            format!(
                "{}{also}; {}",
                expected_got(check),
                rule_line(result, check)
            ),
        );
    }
    if let Some(error) = &run.error {
        return (file, format!("could not run: {error}"));
    }
    (file, String::new())
}

/// Text for a Markdown table cell: pipes escaped, lines joined.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_properties_are_escaped_as_workflow_commands_need() {
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn table_cells_keep_their_pipes_and_lines() {
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
    }
}
