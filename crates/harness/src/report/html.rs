//! A self-contained HTML page (no network: its style and marks are inline).
//!
//! - A header with the run's targets, seed, hooksim version and date.
//! - One folding box per scenario, failures first: open when it did not
//!   pass, folded when it did. A warned or skipped scenario says so.
//! - Every step with its checks, each marked held or not: deliveries,
//!   probes, callbacks and registrations alike.
//! - Per delivery, a timeline of its attempts on a nominal time axis from
//!   seconds to days. Each attempt has a colour and a shape by outcome (told
//!   apart without colour too), with a legend, and its detail on hover.
//! - A transcript that differs from its snapshot shows the diff, added and
//!   removed lines coloured and marked; when that is all that differs, the
//!   box says so.

use std::fmt::Write as _;
use std::time::Duration;

use hooksim_simulator::outcome::Outcome;
use hooksim_simulator::schedule::format_nominal;

use crate::report::console;
use crate::runner::{RouteDelivery, StepRun};
use crate::scenario::step_heading;
use crate::snapshot::SnapshotStatus;
use crate::suite::{ScenarioResult, Verdict};
use crate::transcript::subscription_suffix;

const WIDTH: f64 = 720.0;
const LEFT: f64 = 10.0;

/// What the page's header says about the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunInfo {
    /// Where deliveries went: `--target` values, or the reference receiver.
    pub targets: Vec<String>,
    /// `--seed`, when one was given (each scenario has its own otherwise).
    pub seed: Option<u64>,
    pub version: String,
    /// When the run ended, RFC 3339 UTC.
    pub date: String,
}

pub fn render(results: &[ScenarioResult], info: &RunInfo) -> String {
    let mut order: Vec<&ScenarioResult> = results.iter().collect();
    // Failures first, then warnings, then skips; otherwise the run's own (stable) order.
    order.sort_by_key(|r| match r.verdict() {
        Verdict::Failed | Verdict::Errored => 0,
        Verdict::Warned => 1,
        Verdict::Skipped => 2,
        Verdict::Passed => 3,
    });
    let horizon = horizon(results);
    let summary = console::summary_line(results);
    let warnings = console::warnings_line(results)
        .map(|line| format!("<p class=\"warnings\">{}</p>\n", escape(&line)))
        .unwrap_or_default();
    let mut page = String::new();
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>hooksim report</title><style>{STYLE}</style></head><body>\n\
         <header><h1>hooksim report</h1>{}</header>\n<p class=\"summary\">{summary}</p>\n{warnings}{}\n\
         <main>\n",
        header(info),
        legend(),
    );
    for result in order {
        scenario_box(&mut page, result, horizon);
    }
    page.push_str("</main>\n</body></html>\n");
    page
}

fn header(info: &RunInfo) -> String {
    let targets = if info.targets.is_empty() {
        "the scenarios' own targets".to_owned()
    } else {
        info.targets.join(", ")
    };
    let seed = info.seed.map_or_else(
        || "each scenario's own (shown in its box)".to_owned(),
        |seed| seed.to_string(),
    );
    format!(
        "<dl class=\"run\"><dt>target</dt><dd class=\"targets\">{}</dd><dt>seed</dt><dd>{}</dd>\
         <dt>hooksim</dt><dd class=\"version\">{}</dd><dt>date</dt><dd class=\"date\">{}</dd></dl>",
        escape(&targets),
        escape(&seed),
        escape(&info.version),
        escape(&info.date)
    )
}

fn scenario_box(page: &mut String, result: &ScenarioResult, horizon: Duration) {
    let run = &result.run;
    let s = &run.scenario;
    let verdict = result.verdict();
    let class = match verdict {
        Verdict::Passed => "pass",
        Verdict::Warned => "warn",
        Verdict::Skipped => "skip",
        Verdict::Failed | Verdict::Errored => "fail",
    };
    let snapshot_changed = matches!(
        result.snapshot,
        Some(SnapshotStatus::Changed { .. } | SnapshotStatus::BuiltinDiffers { .. })
    );
    // Folded when there is nothing to look at.
    let open = if verdict == Verdict::Passed && !snapshot_changed {
        ""
    } else {
        " open"
    };
    let _ = write!(
        page,
        "<details class=\"scenario {class}\"{open}><summary><span class=\"verdict\">{}</span> \
         <code class=\"rule\">{}</code> <span class=\"name\">{}</span> \
         <span class=\"counts\">{} step{}, {} attempt{}</span></summary>\
         <div class=\"source\">{} · {} · seed {}</div>",
        verdict.label(),
        escape(&s.rule),
        escape(&s.name),
        run.steps.len(),
        plural(run.steps.len()),
        run.attempt_count(),
        plural(run.attempt_count()),
        escape(&s.path.to_string_lossy()),
        escape(&s.source),
        run.seed,
    );
    let why = console::failure_summary(result);
    if !why.is_empty() {
        let _ = write!(page, "<pre class=\"why\">{}</pre>", escape(&why));
    }
    if snapshot_changed && why.is_empty() {
        page.push_str(
            "<p class=\"only-snapshot\">Every expectation held: only the transcript differs from its snapshot.</p>",
        );
    }
    snapshot_diff(page, result);
    for step in &run.steps {
        step_block(page, step, horizon);
    }
    page.push_str("</details>\n");
}

/// One step: its heading, its checks, and per delivery its timeline.
fn step_block(page: &mut String, step: &StepRun, horizon: Duration) {
    let _ = write!(
        page,
        "<div class=\"step\"><div class=\"title\">{}: {}</div>",
        step_heading(step.number, step.location.line),
        escape(&step.record.title())
    );
    if !step.checks.is_empty() {
        page.push_str("<ul class=\"checks\">");
        for check in &step.checks {
            let (class, mark) = if check.passed {
                ("held", "✓")
            } else if check.warns() {
                ("warned", "!")
            } else {
                ("broken", "✗")
            };
            let _ = write!(
                page,
                "<li class=\"{class}\"><span class=\"mark\">{mark}</span> {}{}: expected {}, got {}</li>",
                escape(check.key),
                escape(&subscription_suffix(check)),
                escape(&check.expected),
                escape(&check.actual)
            );
        }
        page.push_str("</ul>");
    }
    if let Some(record) = step.record.delivery() {
        for send in &record.sends {
            let to = send
                .subscription
                .as_deref()
                .map(|n| format!("→ {n}"))
                .unwrap_or_default();
            let _ = write!(
                page,
                "<div class=\"delivery\"><div class=\"to\">{}</div>{}</div>",
                escape(&to),
                timeline(send, horizon)
            );
        }
    }
    page.push_str("</div>");
}

/// The snapshot's diff, each added and removed line coloured and marked.
fn snapshot_diff(page: &mut String, result: &ScenarioResult) {
    let (said, diff) = match &result.snapshot {
        Some(SnapshotStatus::Changed { diff, .. }) => (
            "The transcript differs from the accepted snapshot (pending review: hooksim snapshots review).",
            diff,
        ),
        Some(SnapshotStatus::BuiltinDiffers { diff }) => (
            "The transcript differs from the snapshot built into hooksim.",
            diff,
        ),
        _ => return,
    };
    let _ = write!(
        page,
        "<div class=\"snapshot\"><p>{said}</p><pre class=\"diff\">"
    );
    for line in diff.lines() {
        let class = match line.as_bytes().first() {
            Some(b'+') if !line.starts_with("+++") => "added",
            Some(b'-') if !line.starts_with("---") => "removed",
            Some(b'@') => "hunk",
            _ => "same",
        };
        // Each span is a block of its own: no newline between them.
        let _ = write!(page, "<span class=\"{class}\">{}</span>", escape(line));
    }
    page.push_str("</pre></div>");
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The longest nominal time any attempt happens at, at least a minute.
fn horizon(results: &[ScenarioResult]) -> Duration {
    results
        .iter()
        .flat_map(|r| r.run.steps.iter())
        .filter_map(|s| s.record.delivery())
        .flat_map(|d| d.sends.iter())
        .flat_map(|s| s.delivery.attempts.iter())
        .map(|a| a.nominal_at)
        .max()
        .unwrap_or_default()
        .max(Duration::from_secs(60))
}

/// x position of a nominal offset: logarithmic, so the first minute and the
/// seventh day both get room.
fn x(at: Duration, horizon: Duration) -> f64 {
    let scale = (1.0 + horizon.as_secs_f64()).ln();
    LEFT + (WIDTH - 2.0 * LEFT) * (1.0 + at.as_secs_f64()).ln() / scale
}

fn timeline(send: &RouteDelivery, horizon: Duration) -> String {
    let mut svg = format!(
        "<svg class=\"timeline\" width=\"{WIDTH}\" height=\"46\" viewBox=\"0 0 {WIDTH} 46\" role=\"img\">\
         <line x1=\"{LEFT}\" y1=\"16\" x2=\"{}\" y2=\"16\" class=\"axis\"/>",
        WIDTH - LEFT
    );
    let ticks = [0, 60, 3_600, 86_400, 7 * 86_400].map(Duration::from_secs);
    for tick in ticks.into_iter().filter(|t| *t <= horizon) {
        let at = x(tick, horizon);
        let _ = write!(
            svg,
            "<line x1=\"{at:.1}\" y1=\"11\" x2=\"{at:.1}\" y2=\"21\" class=\"tick\"/>\
             <text x=\"{at:.1}\" y=\"38\" class=\"label\">+{}</text>",
            format_nominal(tick)
        );
    }
    for attempt in &send.delivery.attempts {
        let tip = format!(
            "attempt {} at +{}: {} ({} ms real)",
            attempt.number,
            format_nominal(attempt.nominal_at),
            attempt.outcome,
            attempt.latency.as_millis()
        );
        let kind = OutcomeKind::of(&attempt.outcome);
        let _ = write!(
            svg,
            "<g class=\"attempt {}\" data-outcome=\"{}\">{}<title>{}</title></g>",
            kind.class(),
            kind.name(),
            kind.mark(x(attempt.nominal_at, horizon), 16.0),
            escape(&tip)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Outcomes as the page tells them apart: by colour and by shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutcomeKind {
    Acknowledged,
    Rejected,
    Redirect,
    Timeout,
    Connection,
    Tls,
    Other,
}

impl OutcomeKind {
    const ALL: [Self; 7] = [
        Self::Acknowledged,
        Self::Rejected,
        Self::Redirect,
        Self::Timeout,
        Self::Connection,
        Self::Tls,
        Self::Other,
    ];

    fn of(outcome: &Outcome) -> Self {
        match outcome {
            Outcome::Acknowledged { .. } => Self::Acknowledged,
            Outcome::Rejected { .. } => Self::Rejected,
            Outcome::Redirect { .. } => Self::Redirect,
            Outcome::ConnectTimeout | Outcome::ResponseTimeout => Self::Timeout,
            Outcome::ConnectRefused | Outcome::Reset | Outcome::ClosedWithoutResponse => {
                Self::Connection
            }
            Outcome::TlsCertificate { .. } | Outcome::TlsHandshake { .. } => Self::Tls,
            Outcome::MalformedResponse { .. } | Outcome::Unreachable { .. } => Self::Other,
        }
    }

    fn class(self) -> &'static str {
        match self {
            Self::Acknowledged => "o-ack",
            Self::Rejected => "o-rejected",
            Self::Redirect => "o-redirect",
            Self::Timeout => "o-timeout",
            Self::Connection => "o-connection",
            Self::Tls => "o-tls",
            Self::Other => "o-other",
        }
    }

    /// The legend's words.
    fn name(self) -> &'static str {
        match self {
            Self::Acknowledged => "acknowledged",
            Self::Rejected => "rejected",
            Self::Redirect => "redirect",
            Self::Timeout => "timeout",
            Self::Connection => "refused / reset / closed",
            Self::Tls => "TLS certificate / handshake",
            Self::Other => "malformed / unreachable",
        }
    }

    /// The mark at (x, y): a shape of its own per kind, so the kinds differ
    /// without colour (circle, square, triangle, diamond, cross, ring, bar).
    fn mark(self, x: f64, y: f64) -> String {
        let r = 6.0;
        match self {
            Self::Acknowledged => format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r}\"/>"),
            Self::Rejected => format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{}\" height=\"{}\"/>",
                x - r,
                y - r,
                2.0 * r,
                2.0 * r
            ),
            Self::Redirect => format!(
                "<polygon points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\"/>",
                x,
                y - r - 1.0,
                x + r + 1.0,
                y + r,
                x - r - 1.0,
                y + r
            ),
            Self::Timeout => format!(
                "<polygon points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\"/>",
                x,
                y - r - 1.0,
                x + r + 1.0,
                y,
                x,
                y + r + 1.0,
                x - r - 1.0,
                y
            ),
            Self::Connection => format!(
                "<path d=\"M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}\" class=\"stroke\"/>",
                x - r,
                y - r,
                x + r,
                y + r,
                x + r,
                y - r,
                x - r,
                y + r
            ),
            Self::Tls => format!(
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.1}\" class=\"ring\"/>",
                r - 1.0
            ),
            Self::Other => format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{}\" height=\"4\"/>",
                x - r,
                y - 2.0,
                2.0 * r
            ),
        }
    }
}

/// Every outcome kind with its mark and words.
fn legend() -> String {
    let mut legend = String::from("<p class=\"legend\">");
    for kind in OutcomeKind::ALL {
        let _ = write!(
            legend,
            "<span class=\"key\"><svg width=\"16\" height=\"16\" viewBox=\"0 0 16 16\" class=\"{}\">{}</svg>{}</span> ",
            kind.class(),
            kind.mark(8.0, 8.0),
            kind.name()
        );
    }
    legend.push_str("</p>");
    legend
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}\
header dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:13px}dt{color:#666}dd{margin:0}\
.summary{font-size:16px}.warnings{color:#9a6700}\
details.scenario{border:1px solid #ddd;border-left-width:6px;border-radius:4px;margin:8px 0;padding:6px 10px}\
details.scenario>summary{cursor:pointer}details.pass{border-left-color:#1a7f37}details.fail{border-left-color:#cf222e}\
details.warn{border-left-color:#9a6700}details.skip{border-left-color:#6e7781}\
.verdict{font-weight:bold}.pass .verdict{color:#1a7f37}.fail .verdict{color:#cf222e}.warn .verdict{color:#9a6700}.skip .verdict{color:#6e7781}\
.counts,.source{color:#666;font-size:12px}.source{margin:4px 0;overflow-wrap:anywhere}\
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}pre.why{background:#fff5f5;padding:8px}\
.only-snapshot{background:#fff8c5;padding:6px 8px}.snapshot p{margin:6px 0}\
pre.diff{background:#f6f8fa;padding:8px;font-size:11px}pre.diff span{display:block;min-height:1em}\
pre.diff .added{background:#dafbe1;color:#116329}pre.diff .removed{background:#ffebe9;color:#82071e}pre.diff .hunk{color:#8250df}\
.step{margin:8px 0 4px}.step .title{font-size:12px;color:#444;font-weight:600}\
ul.checks{list-style:none;margin:2px 0;padding-left:12px;font-size:12px;overflow-wrap:anywhere}\
.checks .mark{display:inline-block;width:1.2em;font-weight:bold}.held .mark{color:#1a7f37}.broken .mark{color:#cf222e}.warned .mark{color:#9a6700}\
.delivery .to{font-size:12px;color:#444}\
.axis{stroke:#999;stroke-width:1}.tick{stroke:#999}.label{font-size:10px;fill:#666;text-anchor:middle}\
.attempt *,.legend svg *{stroke:#fff;stroke-width:1}.stroke{stroke-width:3!important;fill:none}\
.o-ack *{fill:#2da44e}.o-rejected *{fill:#fb8500}.o-redirect *{fill:#8250df}.o-timeout *{fill:#d4a72c}\
.o-connection .stroke{stroke:#cf222e!important}.o-tls .ring{fill:none;stroke:#0969da!important;stroke-width:3}.o-other *{fill:#6e7781}\
.legend .key{display:inline-flex;align-items:center;gap:4px;margin-right:12px;font-size:12px}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_grow_with_time_and_stay_inside() {
        let horizon = Duration::from_secs(7 * 86_400);
        let a = x(Duration::ZERO, horizon);
        let b = x(Duration::from_secs(60), horizon);
        let c = x(horizon, horizon);
        assert!(a < b && b < c);
        assert!((a - LEFT).abs() < 1e-9 && (c - (WIDTH - LEFT)).abs() < 1e-9);
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
