//! JUnit XML: one testsuite per provider, one testcase per scenario (named
//! by its rule); a failure carries the rule, its source and the failing
//! attempt, and the transcript goes to system-out.

use std::collections::BTreeMap;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::error::HarnessError;
use crate::report::console;
use crate::scenario::step_heading;
use crate::suite::ScenarioResult;

pub fn render(results: &[ScenarioResult]) -> Result<String, HarnessError> {
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    let mut total = Duration::ZERO;
    for result in results {
        let scenario = &result.run.scenario;
        let provider = scenario.provider.as_str();
        let mut case = TestCase::new(scenario.rule.as_str(), status(result));
        case.set_classname(format!("hooksim.{provider}"));
        let time = real_time(result);
        total += time;
        case.set_time(time);
        case.add_property(("name", scenario.name.as_str()));
        case.add_property(("source", scenario.source.as_str()));
        case.add_property(("file", scenario.path.to_string_lossy().as_ref()));
        case.add_property(("basis", scenario.basis.name()));
        if result.verdict() == crate::suite::Verdict::Warned {
            // JUnit has no warning: a passed case says it in a property.
            case.add_property(("warning", console::failure_summary(result).trim_end()));
        }
        case.set_system_out(result.transcript.as_str());
        suites
            .entry(provider)
            .or_insert_with(|| TestSuite::new(format!("hooksim {provider}")))
            .add_test_case(case);
    }
    let mut report = Report::new("hooksim");
    report.set_time(total);
    report.add_test_suites(suites.into_values());
    report
        .to_string()
        .map_err(|e| HarnessError::Report(format!("JUnit XML: {e}")))
}

fn status(result: &ScenarioResult) -> TestCaseStatus {
    let run = &result.run;
    if let Some(skip) = &run.skipped {
        let mut status = TestCaseStatus::skipped();
        status.set_message(skip.reason.as_str());
        return status;
    }
    if result.passed() {
        return TestCaseStatus::success();
    }
    let kind = if run.error.is_some() {
        NonSuccessKind::Error
    } else {
        NonSuccessKind::Failure
    };
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(headline(result));
    status.set_type(run.scenario.rule.as_str());
    status.set_description(console::failure_details(result));
    status
}

/// The first thing that went wrong, in a line, naming the rule.
fn headline(result: &ScenarioResult) -> String {
    let run = &result.run;
    let rule = &run.scenario.rule;
    if let Some(error) = &run.error {
        return format!("{rule}: could not run: {error}");
    }
    let first = run
        .failing_checks()
        .next()
        .or_else(|| run.failed_checks().next());
    if let Some((step, check)) = first {
        let title = step.record.delivery().map_or("", |d| d.title.as_str());
        return format!(
            "{rule}: {} {title}: expected {}: {}, got {}",
            step_heading(step.number, step.location.line),
            check.key,
            check.expected,
            check.actual
        );
    }
    format!("{rule}: failed")
}

/// Real time spent on the receiver: the sum of attempt latencies.
fn real_time(result: &ScenarioResult) -> Duration {
    result
        .run
        .steps
        .iter()
        .filter_map(|s| s.record.delivery())
        .flat_map(|d| d.sends.iter())
        .flat_map(|s| s.delivery.attempts.iter())
        .map(|a| a.latency)
        .sum()
}
