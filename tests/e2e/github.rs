//! `hooksim run` under GitHub Actions: an annotation per failed expectation
//! at its step's line, warnings and skips as their own levels, and a
//! Markdown job summary appended to $GITHUB_STEP_SUMMARY. Plain output
//! elsewhere is unchanged (no `::` lines).

use std::path::Path;
use std::process::{Command, Output};

use crate::{stderr, stdout};

const PASSES: &str = "name: A 200 acknowledges\nprovider: hemnet\nrule: hemnet/github-passes\nsource: https://integration.testhemnet.se/webhook/documentation § Retries\ntarget: stand-in:status/200\nsteps:\n  - deliver: CONTACT.CREATE\n    expect: { acknowledged: true }\n";
const FAILS: &str = "name: A 500 is not an acknowledgement\nprovider: hemnet\nrule: hemnet/github-fails\nsource: https://integration.testhemnet.se/webhook/documentation § Retries\ntarget: stand-in:status/500\nsteps:\n  - wait: 1m\n  - deliver: { event: CONTACT.CREATE, max_attempts: 1 }\n    expect: { acknowledged: true, status: 200 }\n";
const WARNS: &str = "name: An assumed rule that does not hold\nprovider: everreal\nrule: everreal/github-warns\nsource: https://api-docs.everreal.co/webhooks § Webhooks; assumed\nbasis: assumed\ntarget: stand-in:status/204\nsteps:\n  - deliver: OWNER_CREATED\n    expect: { status: 200 }\n";
const SKIPS: &str = "name: Needs a registration endpoint\nprovider: spark\nrule: spark/github-skips\nsource: https://www.sparkplatform.com/docs/api_services/developers/newsfeed_webhooks § Supported Roles\nrequires: [api, register]\ntarget: /spark\nsteps:\n  - register: {}\n    expect: { registered: true }\n";

fn suite(dir: &Path) {
    crate::write_scenarios(
        dir,
        &[
            ("hemnet/a-passes.yaml", PASSES),
            ("hemnet/b-fails.yaml", FAILS),
            ("everreal/c-warns.yaml", WARNS),
            ("spark/d-skips.yaml", SKIPS),
        ],
    );
}

/// `hooksim run scenarios` in `dir` against a receiver of the team's own
/// (the skip's reason; nothing is sent there), with `env` set.
fn run(dir: &Path, env: &[(&str, &str)], extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hooksim"))
        .current_dir(dir)
        .args([
            "run",
            "scenarios",
            "--jobs",
            "1",
            "--target",
            "http://127.0.0.1:9",
        ])
        .args(extra)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .envs(env.iter().copied())
        .output()
        .expect("hooksim runs")
}

#[test]
fn under_github_actions_each_failure_is_annotated_at_its_step_and_the_job_summary_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    suite(dir.path());
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step's summary\n").expect("write");
    let output = run(
        dir.path(),
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().expect("UTF-8")),
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let printed = stdout(&output);
    let annotations: Vec<&str> = printed.lines().filter(|l| l.starts_with("::")).collect();
    insta::assert_snapshot!("github_annotations", annotations.join("\n"));
    // The failure points at the deliver step (line 8 of its file, after a wait).
    assert!(
        annotations.iter().any(|l| l.starts_with(
            "::error file=scenarios/hemnet/b-fails.yaml,line=8,col=5,title=FAIL hemnet/github-fails"
        )),
        "{printed}"
    );
    let written = std::fs::read_to_string(&summary).expect("the summary file");
    assert!(
        written.starts_with("earlier step's summary\n## hooksim: "),
        "{written}"
    );
    insta::assert_snapshot!("github_job_summary", written);
    // The plain lines are there too, unchanged.
    assert!(
        printed.contains("2 passed, 1 failed, 1 skipped"),
        "{printed}"
    );
}

#[test]
fn a_passing_run_writes_a_summary_too_and_plain_output_has_no_annotations() {
    let dir = tempfile::tempdir().expect("temp dir");
    suite(dir.path());
    let summary = dir.path().join("summary.md");
    let only_passing = ["--filter", "rule:github-passes"];
    let output = run(
        dir.path(),
        &[("GITHUB_STEP_SUMMARY", summary.to_str().expect("UTF-8"))],
        &[&only_passing[..], &["--format", "github"]].concat(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let written = std::fs::read_to_string(&summary).expect("the summary file");
    assert!(
        written.starts_with("## hooksim: 1 passed, 0 failed, 0 skipped"),
        "{written}"
    );
    // Elsewhere (no GITHUB_ACTIONS, no --format): not one workflow command.
    let plain = run(dir.path(), &[], &[]);
    assert_eq!(plain.status.code(), Some(1), "{}", stderr(&plain));
    assert!(
        !stdout(&plain).lines().any(|l| l.starts_with("::")),
        "{}",
        stdout(&plain)
    );
    // Asked for without a summary file: said, not an error.
    let no_file = run(
        dir.path(),
        &[],
        &[&only_passing[..], &["--format", "github"]].concat(),
    );
    assert_eq!(no_file.status.code(), Some(0), "{}", stderr(&no_file));
    assert!(
        stderr(&no_file).contains("GITHUB_STEP_SUMMARY is not set"),
        "{}",
        stderr(&no_file)
    );
}
