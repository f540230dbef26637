//! A self-contained HTML page: a row per scenario (failures first) and, per
//! delivery, a timeline of its attempts on a nominal time axis from seconds
//! to days, each attempt coloured by outcome with its detail on hover.

use std::fmt::Write as _;
use std::time::Duration;

use hooksim_simulator::outcome::Outcome;
use hooksim_simulator::schedule::format_nominal;

use crate::report::console;
use crate::runner::RouteDelivery;
use crate::scenario::step_heading;
use crate::suite::{ScenarioResult, Verdict};

const WIDTH: f64 = 720.0;
const LEFT: f64 = 10.0;

pub fn render(results: &[ScenarioResult]) -> String {
    let mut order: Vec<&ScenarioResult> = results.iter().collect();
    // Failures first; otherwise the run's own (stable) order.
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
         <h1>hooksim report</h1>\n<p class=\"summary\">{summary}</p>\n{warnings}{LEGEND}\n<table>\n\
         <tr><th>verdict</th><th>rule</th><th>scenario</th><th>attempts</th></tr>\n",
    );
    for result in order {
        scenario_rows(&mut page, result, horizon);
    }
    page.push_str("</table>\n</body></html>\n");
    page
}

fn scenario_rows(page: &mut String, result: &ScenarioResult, horizon: Duration) {
    let run = &result.run;
    let s = &run.scenario;
    let verdict = result.verdict();
    let class = match verdict {
        Verdict::Passed => "pass",
        Verdict::Warned => "warn",
        Verdict::Skipped => "skip",
        Verdict::Failed | Verdict::Errored => "fail",
    };
    let verdict = verdict.label();
    let _ = write!(
        page,
        "<tr class=\"{class}\"><td class=\"verdict\">{verdict}</td><td><code>{}</code><div class=\"source\">{}</div></td>\
         <td>{}<div class=\"source\">{}</div></td><td>{}</td></tr>\n<tr class=\"detail\"><td></td><td colspan=\"3\">",
        escape(&s.rule),
        escape(&s.source),
        escape(&s.name),
        escape(&s.path.to_string_lossy()),
        run.attempt_count()
    );
    if result.verdict() != Verdict::Passed {
        let _ = write!(
            page,
            "<pre class=\"why\">{}</pre>",
            escape(&console::failure_summary(result))
        );
        let snapshot = console::snapshot_details(result);
        if !snapshot.is_empty() {
            let _ = write!(
                page,
                "<details><summary>snapshot</summary><pre class=\"diff\">{}</pre></details>",
                escape(&snapshot)
            );
        }
    }
    for step in &run.steps {
        let Some(record) = step.record.delivery() else {
            continue;
        };
        for send in &record.sends {
            let to = send
                .subscription
                .as_deref()
                .map(|n| format!(" → {n}"))
                .unwrap_or_default();
            let _ = write!(
                page,
                "<div class=\"delivery\"><div class=\"title\">{}: {}{}</div>{}</div>",
                step_heading(step.number, step.location.line),
                escape(&record.title),
                escape(&to),
                timeline(send, horizon)
            );
        }
    }
    page.push_str("</td></tr>\n");
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
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"16\" r=\"6\" class=\"{}\"><title>{}</title></circle>",
            x(attempt.nominal_at, horizon),
            outcome_class(&attempt.outcome),
            escape(&tip)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn outcome_class(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Acknowledged { .. } => "o-ack",
        Outcome::Rejected { .. } => "o-rejected",
        Outcome::Redirect { .. } => "o-redirect",
        Outcome::ConnectTimeout | Outcome::ResponseTimeout => "o-timeout",
        Outcome::ConnectRefused | Outcome::Reset | Outcome::ClosedWithoutResponse => "o-connection",
        Outcome::TlsCertificate { .. } | Outcome::TlsHandshake { .. } => "o-tls",
        Outcome::MalformedResponse { .. } | Outcome::Unreachable { .. } => "o-other",
    }
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

const LEGEND: &str = "<p class=\"legend\"><span class=\"dot o-ack\"></span>acknowledged \
<span class=\"dot o-rejected\"></span>rejected <span class=\"dot o-redirect\"></span>redirect \
<span class=\"dot o-timeout\"></span>timeout <span class=\"dot o-connection\"></span>refused / reset / closed \
<span class=\"dot o-tls\"></span>TLS certificate / handshake \
<span class=\"dot o-other\"></span>malformed / unreachable</p>";

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}\
table{border-collapse:collapse;width:100%;table-layout:fixed}th:nth-child(1){width:70px}\
th:nth-child(2){width:34%}th:nth-child(4){width:80px}pre{overflow-x:auto}pre.diff{font-size:11px;background:#f6f8fa;padding:8px}th{text-align:left;border-bottom:2px solid #ccc;padding:6px}\
td{padding:6px;vertical-align:top}tr.pass td.verdict{color:#1a7f37;font-weight:bold}\
tr.fail td.verdict{color:#cf222e;font-weight:bold}tr.warn td.verdict{color:#9a6700;font-weight:bold}tr.skip td.verdict{color:#6e7781;font-weight:bold}.warnings{color:#9a6700}tr.detail td{border-bottom:1px solid #eee}\
.source{color:#666;font-size:12px}.summary{font-size:16px}pre.why{background:#fff5f5;padding:8px;\
white-space:pre-wrap;font-size:12px}.delivery{margin:4px 0}.title{font-size:12px;color:#444}\
.axis{stroke:#999;stroke-width:1}.tick{stroke:#999}.label{font-size:10px;fill:#666;text-anchor:middle}\
circle{stroke:#fff;stroke-width:1.5}.o-ack{fill:#2da44e;background:#2da44e}.o-rejected{fill:#fb8500;background:#fb8500}\
.o-redirect{fill:#8250df;background:#8250df}.o-timeout{fill:#d4a72c;background:#d4a72c}\
.o-connection{fill:#cf222e;background:#cf222e}.o-tls{fill:#0969da;background:#0969da}.o-other{fill:#6e7781;background:#6e7781}\
.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin:0 4px 0 12px}";

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
