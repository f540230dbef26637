//! Running at CI scale: shards, parallel jobs, reports, snapshot checks.

use std::collections::BTreeSet;

use crate::{hooksim, snapshot_copy, stdout};

fn listed(args: &[&str]) -> BTreeSet<String> {
    let output = hooksim(args);
    assert_eq!(output.status.code(), Some(0), "{}", crate::stderr(&output));
    stdout(&output)
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|p| p.ends_with(".yaml"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn three_partitions_take_every_scenario_exactly_once() {
    let all = listed(&["list", "scenarios"]);
    assert!(all.len() > 10, "{all:?}");
    let shards: Vec<BTreeSet<String>> = (1..=3)
        .map(|k| listed(&["list", "scenarios", "--partition", &format!("{k}/3")]))
        .collect();
    let total: usize = shards.iter().map(BTreeSet::len).sum();
    assert_eq!(total, all.len(), "a scenario is in two shards");
    let union: BTreeSet<String> = shards.into_iter().flatten().collect();
    assert_eq!(union, all);
}

/// Every `.snap.new` under `dir`, as names relative to it.
fn pending_snapshots(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(".snap.new") {
                found.push(
                    path.strip_prefix(dir)
                        .unwrap_or(&path)
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    found.sort();
    found
}

#[test]
fn eight_jobs_give_the_same_verdicts_and_snapshots_as_one() {
    let run = |jobs: &str| {
        let snapshots = snapshot_copy();
        let dir = snapshots.path().to_str().expect("utf-8").to_owned();
        let output = hooksim(&["run", "scenarios", "--jobs", jobs, "--snapshot-dir", &dir]);
        let lines: Vec<String> = stdout(&output)
            .lines()
            .filter(|l| l.starts_with("PASS") || l.starts_with("FAIL") || l.contains(" passed, "))
            .map(str::to_owned)
            .collect();
        (
            output.status.code(),
            lines,
            pending_snapshots(snapshots.path()),
        )
    };
    let one = run("1");
    let eight = run("8");
    assert_eq!(one.0, Some(0), "{:?}", one.1);
    assert_eq!(one, eight);
}

#[test]
fn reports_are_written_and_name_the_failing_rule() {
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshots = snapshot_copy();
    let path = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_owned();
    // A receiver that is never there: every delivery rule fails, by name.
    let output = hooksim(&[
        "run",
        "scenarios/hemnet",
        "--filter",
        "rule:acknowledge-with-200",
        "--target",
        "hemnet=http://127.0.0.1:9/",
        "--snapshot-dir",
        snapshots.path().to_str().expect("utf-8"),
        "--junit",
        &path("out.xml"),
        "--json",
        &path("out.json"),
        "--html",
        &path("out.html"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let xml = std::fs::read_to_string(dir.path().join("out.xml")).expect("junit written");
    assert!(
        xml.contains("<testcase name=\"hemnet/acknowledge-with-200\""),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"hemnet/acknowledge-with-200: step 1"),
        "{xml}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out.json")).expect("json written"),
    )
    .expect("valid JSON");
    assert_eq!(json["schema"], "hooksim-report/1");
    assert_eq!(json["summary"]["failed"], 1);
    let attempt = &json["scenarios"][0]["steps"][0]["deliveries"][0]["attempts"][0];
    assert_eq!(attempt["outcome"], "connect-refused");
    assert!(attempt["latency_ms"].is_number());
    let html = std::fs::read_to_string(dir.path().join("out.html")).expect("html written");
    assert!(
        html.contains("<svg class=\"timeline\"") && html.contains("o-connection"),
        "{html}"
    );
}

#[test]
fn snapshot_check_flags_pending_and_unmatched_files() {
    let snapshots = snapshot_copy();
    let dir = snapshots.path().to_str().expect("utf-8");
    let clean = hooksim(&["snapshots", "--check", "--dir", dir]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    std::fs::write(
        snapshots.path().join("hemnet/gone.snap"),
        "---\nsource: x\n---\nx\n",
    )
    .expect("write");
    std::fs::write(
        snapshots
            .path()
            .join("hemnet/duplicate-acknowledged.snap.new"),
        "---\n---\ny\n",
    )
    .expect("write");
    let dirty = hooksim(&["snapshots", "--check", "--dir", dir]);
    let out = stdout(&dirty);
    assert_eq!(dirty.status.code(), Some(1), "{out}");
    assert!(
        out.contains("unmatched:") && out.contains("gone.snap"),
        "{out}"
    );
    assert!(
        out.contains("pending:") && out.contains("duplicate-acknowledged.snap.new"),
        "{out}"
    );
}
