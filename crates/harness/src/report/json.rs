//! The JSON report: everything a run knows, real latencies included.
//! Schema (`hooksim-report/1`): docs/json-report.md.

use serde_json::{Value, json};

use crate::runner::{RouteDelivery, StepRun};
use crate::snapshot::SnapshotStatus;
use crate::suite::ScenarioResult;

pub const SCHEMA: &str = "hooksim-report/1";

pub fn render(results: &[ScenarioResult]) -> String {
    let (passed, failed, skipped, warned) = crate::report::console::counts(results);
    let report = json!({
        "schema": SCHEMA,
        "summary": {
            "total": results.len(),
            "passed": passed,
            "failed": failed,
            "skipped": skipped,
            "warned": warned,
        },
        "scenarios": results.iter().map(scenario).collect::<Vec<_>>(),
    });
    // Serialising a Value into a String cannot fail.
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

fn scenario(result: &ScenarioResult) -> Value {
    let run = &result.run;
    let s = &run.scenario;
    let policy = &run.policy;
    json!({
        "path": s.path.to_string_lossy().replace('\\', "/"),
        "name": s.name,
        "provider": s.provider.as_str(),
        "rule": s.rule,
        "source": s.source,
        "seed": run.seed,
        "basis": s.basis.name(),
        "receiver": match run.receiver {
            crate::runner::ReceiverUnderTest::Hooksim => "hooksim",
            crate::runner::ReceiverUnderTest::Theirs => "yours",
        },
        "verdict": result.verdict().name(),
        "passed": result.verdict().is_pass(),
        "skipped": run.skipped.as_ref().map(|skip| json!({ "setting": skip.setting, "reason": skip.reason })),
        "error": run.error.as_ref().map(|e| e.to_string()),
        "snapshot": snapshot(result.snapshot.as_ref()),
        "policy": {
            "connect_timeout_ms": policy.connect_timeout.value.as_millis() as u64,
            "response_timeout_ms": policy.response_timeout.value.as_millis() as u64,
            "success": policy.success.value.to_string(),
            "schedule_offsets_ms": policy.schedule.value.offsets().iter().map(|o| o.as_millis() as u64).collect::<Vec<_>>(),
        },
        "steps": run.steps.iter().map(step).collect::<Vec<_>>(),
        "transcript": result.transcript,
    })
}

fn snapshot(status: Option<&SnapshotStatus>) -> Value {
    match status {
        None => Value::Null,
        Some(SnapshotStatus::Matched) => json!({ "status": "matched" }),
        Some(SnapshotStatus::Updated { path }) => json!({ "status": "updated", "path": path }),
        Some(SnapshotStatus::New { pending }) => json!({ "status": "new", "pending": pending }),
        Some(SnapshotStatus::Changed { pending, diff }) => {
            json!({ "status": "changed", "pending": pending, "diff": diff })
        }
        Some(SnapshotStatus::NotAccepted { path }) => {
            json!({ "status": "not-accepted", "path": path })
        }
        Some(SnapshotStatus::BuiltinDiffers { diff }) => {
            json!({ "status": "builtin-differs", "diff": diff })
        }
        Some(SnapshotStatus::NotKept) => json!({ "status": "not-kept" }),
    }
}

fn step(step: &StepRun) -> Value {
    let checks: Vec<Value> = step
        .checks
        .iter()
        .map(|c| {
            json!({
                "key": c.key,
                "expected": c.expected,
                "actual": c.actual,
                "passed": c.passed,
                "level": if c.passed { "ok" } else if c.warns() { "warning" } else { "failure" },
                "basis": c.basis.name(),
                "subscription": c.subscription,
            })
        })
        .collect();
    let record = &step.record;
    let deliveries: Vec<Value> = record
        .delivery()
        .map(|d| d.sends.iter().map(delivery).collect())
        .unwrap_or_default();
    let section = |name: &str| match record.json_section() {
        Some((own, value)) if own == name => value,
        _ => Value::Null,
    };
    json!({
        "number": step.number,
        "line": step.location.line,
        "kind": record.json_kind(),
        "title": record.json_title(),
        "checks": checks,
        "deliveries": deliveries,
        "burst": section("burst"),
        "fuzz": section("fuzz"),
    })
}

fn delivery(send: &RouteDelivery) -> Value {
    let attempts: Vec<Value> = send
        .delivery
        .attempts
        .iter()
        .map(|a| {
            json!({
                "number": a.number,
                "nominal_at_ms": a.nominal_at.as_millis() as u64,
                "outcome": a.outcome.kind(),
                "detail": a.outcome.to_string(),
                "status": a.outcome.status(),
                "latency_ms": a.latency.as_secs_f64() * 1000.0,
                "response_bytes": a.response.as_ref().map(|r| r.body.len()),
                "response_truncated": a.response.as_ref().map(|r| r.truncated),
            })
        })
        .collect();
    json!({
        "subscription": send.subscription,
        "target": send.target_shown,
        "body_bytes": send.body.len(),
        "delivered": send.delivery.is_delivered(),
        "attempts": attempts,
    })
}
