//! A distinctive secret, given every way hooksim takes one, appears in no
//! output: not the console, not a report of any format, not a snapshot,
//! not `hooksim config`, not `send`'s transcript, not trace-level logs.
//! `serve` (a secret registered through its Atlas API) is in serve.rs.

use std::process::{Command, Output};

const SECRET: &str = "s3cr3t-hooksim-7f3a9c";

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hooksim"))
        .current_dir(dir)
        .args(args)
        .env("RUST_LOG", "trace")
        .env("TEAM_SECRET", SECRET)
        .output()
        .expect("hooksim runs")
}

fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} holds the secret:\n{text}");
}

fn outputs(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_secret_given_by_flag_config_or_environment_is_in_no_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path();
    let set = format!("hemnet.secret={SECRET}");
    let run_args = [
        "run",
        "builtin:hemnet",
        "--set",
        &set,
        "--junit",
        "reports/junit.xml",
        "--json",
        "reports/report.json",
        "--html",
        "reports/report.html",
        "--snapshot-dir",
        "kept",
        "--update-snapshots",
    ];
    let ran = run(path, &run_args);
    let console = outputs(&ran);
    assert!(console.contains(" passed, 0 failed"), "{console}");
    assert_no_secret("the console and trace logs", &console);
    for report in [
        "reports/junit.xml",
        "reports/report.json",
        "reports/report.html",
    ] {
        let text = std::fs::read_to_string(path.join(report)).expect("a report");
        assert_no_secret(report, &text);
    }
    let mut snapshots = 0;
    for entry in walk(&path.join("kept")) {
        snapshots += 1;
        assert_no_secret(
            &entry.display().to_string(),
            &std::fs::read_to_string(&entry).expect("a snapshot"),
        );
    }
    assert!(snapshots > 5, "{snapshots} snapshots kept");
    // From hooksim.toml through the environment, as `hooksim config` shows it.
    std::fs::write(
        path.join("hooksim.toml"),
        "[providers.hemnet]\nsecret = \"${env:TEAM_SECRET}\"\n",
    )
    .expect("write config");
    let config = run(path, &["config"]);
    let shown = outputs(&config);
    assert!(shown.contains("redacted"), "{shown}");
    assert_no_secret("hooksim config", &shown);
    // `send`, whatever the receiver answers.
    let sent = run(
        path,
        &[
            "send",
            "hemnet",
            "CONTACT.CREATE",
            "--target",
            "http://127.0.0.1:9/hemnet",
            "--secret",
            SECRET,
            "--once",
        ],
    );
    assert_no_secret("hooksim send", &outputs(&sent));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("a folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}
