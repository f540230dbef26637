//! Ctrl-C in the middle of a suite: the first stops the run, keeps what
//! finished (console summary, JUnit, JSON, HTML; the scenario in flight
//! marked interrupted, the rest not started) and exits 130, whenever it
//! comes.

use std::io::Read as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const QUICK: &str = "name: Acknowledged by a stand-in\nprovider: hemnet\nrule: hemnet/interrupt-quick\nsource: test\ntarget: stand-in:status/200\nsteps:\n  - deliver: CONTACT.CREATE\n    expect: { acknowledged: true }\n";

/// Acknowledged, then 45 nominal minutes: 2.7 s under [`TIME_SCALE`].
fn paced(n: usize) -> String {
    format!(
        "name: Acknowledged, then a pause\nprovider: hemnet\nrule: hemnet/interrupt-paced-{n}\nsource: test\ntarget: stand-in:status/200\nsteps:\n  - deliver: CONTACT.CREATE\n    expect: {{ acknowledged: true }}\n  - wait: 45m\n"
    )
}

/// Real time runs this many times slower than the `wait` steps' nominal time.
const TIME_SCALE: &str = "1000";

fn stalled(n: usize, url: &str) -> String {
    format!(
        "name: A receiver that never answers\nprovider: hemnet\nrule: hemnet/interrupt-stalled-{n}\nsource: test\ntarget: {url}\nsteps:\n  - deliver: {{ event: CONTACT.CREATE, max_attempts: 1 }}\n    expect: {{ acknowledged: true }}\n"
    )
}

/// The suite's rules in the order `--jobs 1` runs them: the quick one
/// ends at once, each paced one 2.7 s after it starts, a stalled one
/// waits out Hemnet's 10 s.
const SUITE: [&str; 5] = [
    "hemnet/interrupt-quick",
    "hemnet/interrupt-paced-1",
    "hemnet/interrupt-paced-2",
    "hemnet/interrupt-stalled-1",
    "hemnet/interrupt-stalled-2",
];

/// When Ctrl-C comes (seconds into the run), and how many of [`SUITE`]
/// have finished by then: the next is in flight (a paced one waiting, or
/// the first stalled one waiting for an answer), the rest not started.
/// Each is a second or more from a scenario's end.
const INTERRUPTS: [(u64, usize); 3] = [(1, 1), (4, 2), (7, 3)];

#[test]
fn ctrl_c_at_1_4_and_7_seconds_keeps_what_finished_in_every_report_and_exits_130() {
    // Accepts and never answers: each attempt waits out Hemnet's 10 s.
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}/hemnet", listener.local_addr().expect("addr"));
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(8).flatten() {
            held.push(stream);
        }
    });
    // All at once: the three together take as long as the last.
    let runs: Vec<_> = INTERRUPTS
        .into_iter()
        .map(|(at, finished)| {
            let url = url.clone();
            std::thread::spawn(move || interrupted_at(Duration::from_secs(at), finished, &url))
        })
        .collect();
    for run in runs {
        if let Err(panic) = run.join() {
            std::panic::resume_unwind(panic);
        }
    }
    drop(holder);
}

/// Run [`SUITE`] with every report, Ctrl-C it `at` into the run, and check
/// that the reports hold the `finished` scenarios whole, the next one as
/// interrupted and nothing of the rest.
fn interrupted_at(at: Duration, finished: usize, stalled_url: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    write_suite(&dir.path().join("scenarios/hemnet"), stalled_url);
    let reports = dir.path().join("reports");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hooksim"))
        .current_dir(dir.path())
        .args([
            "run",
            "scenarios",
            "--jobs",
            "1",
            "--time-scale",
            TIME_SCALE,
        ])
        .arg("--junit")
        .arg(reports.join("junit.xml"))
        .arg("--json")
        .arg(reports.join("report.json"))
        .arg("--html")
        .arg(reports.join("report.html"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hooksim starts");
    std::thread::sleep(at);
    let sent = Instant::now();
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = child.wait().expect("hooksim ends");
    let took = sent.elapsed();
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("stdout");
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    let at = format!("Ctrl-C at {at:?}");
    assert_eq!(status.code(), Some(130), "{at}\n{out}\n{err}");
    assert!(
        took < Duration::from_secs(5),
        "{at}: took {took:?} after it"
    );
    assert!(
        err.contains("interrupted: no scenario starts now"),
        "{at}: {err}"
    );
    let (done, rest) = SUITE.split_at(finished);
    let (in_flight, not_started) = (rest[0], &rest[1..]);
    let summary = format!(
        "interrupted: {finished} scenario(s) finished, 1 stopped part way, {} not started",
        not_started.len()
    );
    assert!(out.contains(&summary), "{at}: {out}");
    assert!(
        out.contains(&format!("{finished} passed, 1 failed, 0 skipped")),
        "{at}: {out}"
    );
    let junit = std::fs::read_to_string(reports.join("junit.xml")).expect("a JUnit report");
    let json_text = std::fs::read_to_string(reports.join("report.json")).expect("a JSON report");
    let json: serde_json::Value = serde_json::from_str(&json_text).expect("whole JSON");
    let html = std::fs::read_to_string(reports.join("report.html")).expect("an HTML report");
    assert!(html.trim_end().ends_with("</html>"), "{at}: a whole page");
    assert_eq!(json["summary"]["total"], finished + 1, "{at}: {json}");
    assert_eq!(json["summary"]["passed"], finished, "{at}: {json}");
    let verdicts: Vec<(&str, &str)> = json["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| {
            let rule = s["rule"].as_str().expect("a rule");
            (rule, s["verdict"].as_str().expect("a verdict"))
        })
        .collect();
    let mut expected: Vec<(&str, &str)> = done.iter().map(|rule| (*rule, "passed")).collect();
    expected.push((in_flight, "error"));
    assert_eq!(verdicts, expected, "{at}");
    for rule in done {
        assert!(out.contains(&format!("PASS {rule}")), "{at}: {out}");
        assert!(junit.contains(rule), "{at}: {rule} in {junit}");
        assert!(html.contains(rule), "{at}: {rule} in the HTML report");
    }
    assert!(junit.contains("interrupted (Ctrl-C)"), "{at}: {junit}");
    for rule in not_started {
        let reported = [&out, &junit, &json_text, &html].map(|r| r.contains(rule));
        assert_eq!(reported, [false; 4], "{at}: {rule} was never started");
    }
    // No temporary file is left beside the reports.
    let left: Vec<_> = std::fs::read_dir(&reports)
        .expect("reports")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left.len(), 3, "{at}: {left:?}");
}

/// [`SUITE`]'s files in `dir`, named so that file order is run order.
fn write_suite(dir: &Path, stalled_url: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut files = vec![("a-quick.yaml".to_owned(), QUICK.to_owned())];
    for n in 1..=2 {
        files.push((format!("b-paced-{n}.yaml"), paced(n)));
        files.push((format!("c-stalled-{n}.yaml"), stalled(n, stalled_url)));
    }
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
}

#[test]
fn fail_fast_starts_nothing_after_the_first_failure_and_a_scenario_timeout_fails_a_hanging_receiver()
 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}/hemnet", listener.local_addr().expect("addr"));
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(4).flatten() {
            held.push(stream);
        }
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let scenarios = dir.path().join("scenarios/hemnet");
    std::fs::create_dir_all(&scenarios).expect("mkdir");
    // Hemnet's 10 s timeout would take 10 s; the scenario's limit is 1 s.
    std::fs::write(scenarios.join("a-stalled.yaml"), stalled(1, &url)).expect("write");
    std::fs::write(scenarios.join("b-quick.yaml"), QUICK).expect("write");
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_hooksim"))
        .current_dir(dir.path())
        .args([
            "run",
            "scenarios",
            "--jobs",
            "1",
            "--fail-fast",
            "--scenario-timeout",
            "1s",
        ])
        .output()
        .expect("hooksim runs");
    let took = started.elapsed();
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(out.contains("timed out at step 1"), "{out}");
    assert!(
        out.contains("the scenario ran for its limit of 1s"),
        "{out}"
    );
    assert!(
        out.contains("fail-fast: 1 scenario(s) not started after the first failure"),
        "{out}"
    );
    assert!(!out.contains("hemnet/interrupt-quick"), "{out}");
    drop(holder);
}
