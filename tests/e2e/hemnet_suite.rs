use crate::{hooksim, snapshot_copy, stdout};

#[test]
fn every_hemnet_scenario_passes_against_the_reference_receiver() {
    let snapshots = snapshot_copy();
    let dir = snapshots.path().to_str().expect("utf-8 path");
    let output = hooksim(&["run", "scenarios/hemnet", "--snapshot-dir", dir]);
    let out = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{out}\n{}",
        crate::stderr(&output)
    );
    let scenario_count = std::fs::read_dir(crate::repo_root().join("scenarios/hemnet"))
        .expect("suite")
        .count();
    assert!(
        out.contains(&format!("{scenario_count} passed, 0 failed")),
        "{out}"
    );
    assert!(
        out.contains("PASS hemnet/retry-schedule  (1 step, 17 attempts)"),
        "{out}"
    );
}

#[test]
fn the_seven_day_schedule_snapshot_shows_every_nominal_attempt() {
    let snapshot = std::fs::read_to_string(
        crate::repo_root().join("snapshots/hemnet/retry-schedule-7-days.snap"),
    )
    .expect("accepted snapshot");
    let times: Vec<&str> = snapshot
        .lines()
        .filter_map(|l| l.trim().strip_prefix("attempt "))
        .filter_map(|l| l.split(" at ").nth(1))
        .filter_map(|l| l.split(':').next())
        .collect();
    assert_eq!(times.len(), 17, "{snapshot}");
    assert_eq!(times[0], "+0s");
    assert_eq!(times[1], "+1m");
    assert_eq!(times[16], "+6d 10h 7m");
}
