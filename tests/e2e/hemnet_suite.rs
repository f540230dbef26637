use crate::assert_suite_passes_against_the_reference_receiver;

#[test]
fn every_hemnet_scenario_passes_against_the_reference_receiver() {
    let out = assert_suite_passes_against_the_reference_receiver("scenarios/hemnet");
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
