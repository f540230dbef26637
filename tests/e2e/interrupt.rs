//! Ctrl-C in the middle of a suite: the first stops the run, keeps what
//! finished (console summary, JUnit, JSON, HTML; the scenario in flight
//! marked interrupted, the rest not started) and exits 130.

use std::io::Read as _;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const QUICK: &str = "name: Acknowledged by a stand-in\nprovider: hemnet\nrule: hemnet/interrupt-quick\nsource: test\ntarget: stand-in:status/200\nsteps:\n  - deliver: CONTACT.CREATE\n    expect: { acknowledged: true }\n";

fn stalled(n: usize, url: &str) -> String {
    format!(
        "name: A receiver that never answers\nprovider: hemnet\nrule: hemnet/interrupt-stalled-{n}\nsource: test\ntarget: {url}\nsteps:\n  - deliver: {{ event: CONTACT.CREATE, max_attempts: 1 }}\n    expect: {{ acknowledged: true }}\n"
    )
}

#[test]
fn the_first_ctrl_c_keeps_what_finished_in_every_report_and_exits_130() {
    // Accepts and never answers: each attempt waits out Hemnet's 10 s.
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}/hemnet", listener.local_addr().expect("addr"));
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(8).flatten() {
            held.push(stream);
        }
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let scenarios = dir.path().join("scenarios/hemnet");
    std::fs::create_dir_all(&scenarios).expect("mkdir");
    std::fs::write(scenarios.join("a-quick.yaml"), QUICK).expect("write");
    for n in 1..=3 {
        std::fs::write(
            scenarios.join(format!("b-stalled-{n}.yaml")),
            stalled(n, &url),
        )
        .expect("write");
    }
    let reports = dir.path().join("reports");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hooksim"))
        .current_dir(dir.path())
        .args(["run", "scenarios", "--jobs", "1"])
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
    // The quick scenario is done well within this; the first stalled one is in flight.
    std::thread::sleep(Duration::from_secs(3));
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
    assert_eq!(status.code(), Some(130), "{out}\n{err}");
    assert!(took < Duration::from_secs(5), "took {took:?} after Ctrl-C");
    assert!(err.contains("interrupted: no scenario starts now"), "{err}");
    assert!(
        out.contains("interrupted: 1 scenario(s) finished, 1 stopped part way, 2 not started"),
        "{out}"
    );
    assert!(out.contains("PASS hemnet/interrupt-quick"), "{out}");
    let junit = std::fs::read_to_string(reports.join("junit.xml")).expect("a JUnit report");
    assert!(junit.contains("hemnet/interrupt-quick"), "{junit}");
    assert!(junit.contains("interrupted (Ctrl-C)"), "{junit}");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(reports.join("report.json")).expect("a JSON report"),
    )
    .expect("whole JSON");
    assert_eq!(json["summary"]["total"], 2, "{json}");
    let html = std::fs::read_to_string(reports.join("report.html")).expect("an HTML report");
    assert!(html.trim_end().ends_with("</html>"), "a whole page");
    // No temporary file is left beside the reports.
    let left: Vec<_> = std::fs::read_dir(&reports)
        .expect("reports")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left.len(), 3, "{left:?}");
    drop(holder);
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
