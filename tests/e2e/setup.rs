//! A receiver team's setup, as a newcomer meets it: the binary on its own
//! in an empty folder (the suites are inside it), `hooksim init`, the config
//! file, filters, and the rough edges that used to cut (a closed pipe, an
//! unset variable that `--set` supplies, snapshot hints without `--dir`).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::receivers::summary;
use crate::{repo_root, stderr, stdout};

/// `hooksim ARGS...` run in `dir` (so hooksim.toml and `scenarios/` are
/// looked for there), with the scenarios' secret variables unset.
fn hooksim_in(dir: &Path, args: &[&str]) -> Output {
    hooksim_at(Path::new(env!("CARGO_BIN_EXE_hooksim")), dir, args)
}

fn hooksim_at(binary: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(binary)
        .args(args)
        .current_dir(dir)
        .env_remove("HEMNET_SECRET")
        .env_remove("ATLAS_SECRET")
        .env_remove("HEMNET_WEBHOOK_SECRET")
        .output()
        .expect("the hooksim binary runs")
}

fn both(output: &Output) -> String {
    format!("{}\n{}", stdout(output), stderr(output))
}

fn builtin_count() -> usize {
    let mut count = 0;
    let mut stack = vec![repo_root().join("scenarios")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read scenarios").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                count += 1;
            }
        }
    }
    count
}

#[test]
fn the_binary_copied_to_an_empty_folder_runs_every_embedded_scenario_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let binary = dir.path().join("hooksim");
    std::fs::copy(env!("CARGO_BIN_EXE_hooksim"), &binary).expect("copy the binary");
    let output = hooksim_at(&binary, dir.path(), &["run"]);
    let out = both(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert_eq!(summary(&out), (builtin_count(), 0, 0), "{out}");
    assert!(out.contains("built-in scenarios"), "{out}");
    // Compared with the snapshots inside the binary: nothing differs, nothing is written.
    assert!(!out.contains("SNAPSHOT"), "{out}");
    assert!(!out.contains("not compared"), "{out}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("hooksim")]);
    // One provider's suite by name, and a typo with a suggestion.
    let spark = hooksim_at(&binary, dir.path(), &["list", "builtin:spark"]);
    assert!(
        stdout(&spark)
            .lines()
            .all(|l| l.starts_with("spark ") || l.ends_with("scenarios")),
        "{}",
        stdout(&spark)
    );
    let typo = hooksim_at(&binary, dir.path(), &["list", "builtin:sprak"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        stderr(&typo).contains("did you mean `spark`"),
        "{}",
        stderr(&typo)
    );
    // A path that is not there says so once, with the way to the built-in suites.
    let missing = hooksim_at(&binary, dir.path(), &["run", "scenarios"]);
    assert_eq!(missing.status.code(), Some(2));
    let error = stderr(&missing);
    assert_eq!(error.matches("error:").count(), 1, "{error}");
    assert!(
        error.contains("no such file or folder") && error.contains("builtin:"),
        "{error}"
    );
}

#[test]
fn suites_export_writes_a_suite_that_runs_from_its_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let export = hooksim_in(
        dir.path(),
        &["suites", "export", "team", "--provider", "spark"],
    );
    assert_eq!(export.status.code(), Some(0), "{}", both(&export));
    let scenarios = dir.path().join("team/scenarios/spark");
    assert!(scenarios.join("duplicate-acknowledged.yaml").is_file());
    assert!(
        dir.path()
            .join("team/snapshots/spark/duplicate-acknowledged.snap")
            .is_file()
    );
    // Against the reference receiver, the exported snapshots match.
    let run = hooksim_in(dir.path(), &["run", "team/scenarios"]);
    let out = both(&run);
    assert_eq!(run.status.code(), Some(0), "{out}");
    assert!(!out.contains("SNAPSHOT"), "{out}");
    let again = hooksim_in(dir.path(), &["suites", "export", "team"]);
    assert_eq!(again.status.code(), Some(2), "{}", both(&again));
}

/// `hooksim init` for Hemnet and Spark in `dir`.
fn init(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["init", "--provider", "hemnet", "--provider", "spark"];
    args.extend(extra);
    hooksim_in(dir, &args)
}

#[test]
fn init_then_run_passes_against_the_reference_receiver_and_init_does_not_overwrite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = init(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", both(&output));
    for file in [
        "hooksim.toml",
        "scenarios/hemnet/first-delivery.yaml",
        "scenarios/spark/first-delivery.yaml",
        ".github/workflows/webhooks.yml",
        "scenario.schema.json",
    ] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    // The examples name the schema beside them, as editors resolve it.
    let example = std::fs::read_to_string(dir.path().join("scenarios/hemnet/first-delivery.yaml"))
        .expect("the example");
    assert!(
        example.starts_with("# yaml-language-server: $schema=../../scenario.schema.json\n"),
        "{example}"
    );
    let run = hooksim_in(dir.path(), &["run"]);
    let out = both(&run);
    assert_eq!(run.status.code(), Some(0), "{out}");
    let hemnet_and_spark = repo_root().join("scenarios");
    let expected = ["hemnet", "spark"]
        .iter()
        .map(|p| {
            std::fs::read_dir(hemnet_and_spark.join(p))
                .expect("a suite")
                .count()
        })
        .sum::<usize>()
        + 2;
    assert_eq!(summary(&out), (expected, 0, 0), "{out}");
    assert!(
        dir.path().join("hooksim-reports/junit.xml").is_file(),
        "{out}"
    );
    // From a folder below, the same file is found.
    let below = dir.path().join("scenarios");
    let listed = hooksim_in(&below, &["list"]);
    assert!(
        stdout(&listed).contains(&format!("{expected} scenarios")),
        "{}",
        both(&listed)
    );
    let again = init(dir.path(), &[]);
    assert_eq!(again.status.code(), Some(2), "{}", both(&again));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
}

#[test]
fn config_values_show_where_they_came_from_with_secrets_redacted_and_flags_win() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("hooksim.toml"),
        "scenarios = [\"builtin:hemnet\"]\njobs = 3\n\n[providers.hemnet]\ntarget = \"http://127.0.0.1:9/webhooks\"\nsecret = \"${env:HOOKSIM_E2E_KEY:-top-secret-key}\"\n",
    )
    .expect("write config");
    let output = hooksim_in(dir.path(), &["config", "--jobs", "5"]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", both(&output));
    assert!(out.contains("config file: hooksim.toml"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("jobs") && l.contains("= 5") && l.ends_with("# --jobs")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("hemnet=http://127.0.0.1:9/webhooks")
                && l.ends_with("# hooksim.toml:5:10")),
        "{out}"
    );
    assert!(
        out.contains("hemnet.secret=<redacted, 14 characters>"),
        "{out}"
    );
    assert!(!out.contains("top-secret-key"), "{out}");
    // A mistake in the file is bad input at its line and column, before anything is sent.
    std::fs::write(
        dir.path().join("hooksim.toml"),
        "jobs = 3\n[providers.hemnet]\nsecrte = \"k\"\n",
    )
    .expect("write config");
    let output = hooksim_in(dir.path(), &["run"]);
    assert_eq!(output.status.code(), Some(2), "{}", both(&output));
    assert!(
        stderr(&output).contains("hooksim.toml:3:1"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("did you mean `secret`"),
        "{}",
        stderr(&output)
    );
    assert!(
        !stdout(&output).contains("reference receiver listening"),
        "{}",
        stdout(&output)
    );
    // --config names another file.
    std::fs::write(dir.path().join("other.toml"), "jobs = 7\n").expect("write config");
    let other = hooksim_in(dir.path(), &["config", "--config", "other.toml"]);
    assert!(
        stdout(&other)
            .lines()
            .any(|l| l.starts_with("jobs") && l.contains("= 7")),
        "{}",
        both(&other)
    );
}

#[test]
fn filters_match_file_names_and_exclude_with_a_bang_or_exclude() {
    let listed = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["list", "builtin:"];
        all.extend(args);
        let output = hooksim_in(&repo_root(), &all);
        assert_eq!(output.status.code(), Some(0), "{}", both(&output));
        stdout(&output)
            .lines()
            .filter(|l| l.contains("builtin:"))
            .map(|l| l.rsplit(' ').next().unwrap_or_default().to_owned())
            .collect()
    };
    let bursts = listed(&["--filter", "burst"]);
    assert!(
        !bursts.is_empty() && bursts.iter().all(|p| p.contains("burst")),
        "{bursts:?}"
    );
    let flow = listed(&["--filter", "provider:Flow"]);
    let without_api = listed(&["--filter", "provider:flo", "--filter", "!api"]);
    assert!(
        !without_api.is_empty() && without_api.len() < flow.len(),
        "{without_api:?}"
    );
    assert!(
        without_api
            .iter()
            .all(|p| p.starts_with("builtin:flow/") && !p.contains("api")),
        "{without_api:?}"
    );
    assert_eq!(
        listed(&["--filter", "provider:flo", "--exclude", "api"]),
        without_api
    );
}

#[test]
fn a_closed_pipe_ends_list_and_run_quietly() {
    for args in [&["list", "builtin:"][..], &["run", "builtin:spark"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hooksim"))
            .args(args)
            .current_dir(repo_root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // Close our end before it writes, as `| head -1` does after its line.
        drop(child.stdout.take());
        let mut err = String::new();
        child
            .stderr
            .take()
            .expect("piped")
            .read_to_string(&mut err)
            .expect("stderr");
        let status = child.wait().expect("exit");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn an_unset_secret_variable_is_fine_for_list_and_check_and_for_run_when_set_gives_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("scenarios/hemnet");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(
        folder.join("lead.yaml"),
        "name: One lead\nprovider: hemnet\nrule: hemnet/example\nsource: test\ntarget: /hemnet\nsettings: { secret: \"${env:HEMNET_WEBHOOK_SECRET}\" }\nsteps:\n  - deliver: { event: CONTACT.CREATE }\n    expect: { acknowledged: true }\n",
    )
    .expect("write scenario");
    let list = hooksim_in(dir.path(), &["list"]);
    assert_eq!(list.status.code(), Some(0), "{}", both(&list));
    let check = hooksim_in(dir.path(), &["snapshots", "--check"]);
    assert_ne!(check.status.code(), Some(2), "{}", both(&check));
    // Without a value, the run says where the value is missing, before sending.
    let run = hooksim_in(dir.path(), &["run"]);
    assert_eq!(run.status.code(), Some(2), "{}", both(&run));
    assert!(stderr(&run).contains("lead.yaml:6:"), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("--set hemnet.secret=VALUE"),
        "{}",
        stderr(&run)
    );
    let given = hooksim_in(
        dir.path(),
        &["run", "--set", "hemnet.secret=from-the-command-line"],
    );
    assert_eq!(given.status.code(), Some(0), "{}", both(&given));
}

#[test]
fn snapshot_hints_name_the_folder_and_a_missing_folder_is_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = hooksim_in(
        dir.path(),
        &[
            "run",
            "builtin:spark/duplicate-acknowledged.yaml",
            "--snapshot-dir",
            "mine",
        ],
    );
    let out = both(&run);
    assert_eq!(run.status.code(), Some(0), "{out}");
    assert!(out.contains("hooksim snapshots accept --dir mine"), "{out}");
    let wrong = hooksim_in(dir.path(), &["snapshots", "accept"]);
    assert_eq!(wrong.status.code(), Some(2), "{}", both(&wrong));
    assert!(stderr(&wrong).contains("--dir"), "{}", stderr(&wrong));
    let right = hooksim_in(dir.path(), &["snapshots", "accept", "--dir", "mine"]);
    assert_eq!(right.status.code(), Some(0), "{}", both(&right));
    assert!(
        dir.path()
            .join("mine/spark/duplicate-acknowledged.snap")
            .is_file()
    );
    // --check knows the built-in scenario that writes it.
    let check = hooksim_in(
        dir.path(),
        &[
            "snapshots",
            "--check",
            "--dir",
            "mine",
            "--scenarios",
            "builtin:spark/duplicate-acknowledged.yaml",
        ],
    );
    assert_eq!(check.status.code(), Some(0), "{}", both(&check));
}

#[test]
fn a_scenario_outside_a_scenarios_folder_keeps_its_snapshots_beside_it_and_check_takes_several_folders()
 {
    let dir = tempfile::tempdir().expect("temp dir");
    let team: PathBuf = dir.path().join("team");
    std::fs::create_dir_all(&team).expect("mkdir");
    std::fs::write(
        team.join("lead.yaml"),
        "name: One lead\nprovider: spark\nrule: spark/example\nsource: test\ntarget: /spark\nsteps:\n  - deliver: { event: New }\n    expect: { acknowledged: true }\n",
    )
    .expect("write scenario");
    let elsewhere = tempfile::tempdir().expect("another folder");
    let path = team.join("lead.yaml");
    let run = hooksim_in(elsewhere.path(), &["run", path.to_str().expect("utf-8")]);
    assert_eq!(run.status.code(), Some(0), "{}", both(&run));
    assert!(
        team.join("snapshots/spark/lead.snap.new").is_file(),
        "{}",
        both(&run)
    );
    assert!(!elsewhere.path().join("snapshots").exists());
    // --check reads several scenario folders for what it expects.
    let exported = hooksim_in(
        dir.path(),
        &["suites", "export", ".", "--provider", "everreal"],
    );
    assert_eq!(exported.status.code(), Some(0), "{}", both(&exported));
    let check = hooksim_in(
        dir.path(),
        &[
            "snapshots",
            "--check",
            "--dir",
            "snapshots",
            "--scenarios",
            "scenarios/everreal",
            "--scenarios",
            "scenarios",
        ],
    );
    assert_eq!(check.status.code(), Some(0), "{}", both(&check));
}

/// Kills the receiver a workflow started, should the test end before its
/// own "Stop" step.
struct WorkflowReceiver(PathBuf);

impl Drop for WorkflowReceiver {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.0) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

/// Run the workflow's steps as GitHub would: its job `env`, `bash -e` for
/// each `run:`, `uses:` steps passed over (checkout, artifact upload), and
/// after a failure only the `if: always()` steps. The names of the steps
/// that failed come back.
fn run_workflow(dir: &Path, workflow: &serde_json::Value) -> Vec<String> {
    let job = &workflow["jobs"]["hooksim"];
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_hooksim"))
        .parent()
        .expect("bin dir");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut failed = Vec::new();
    for step in job["steps"].as_array().expect("steps") {
        let name = step["name"].as_str().unwrap_or("(unnamed)").to_owned();
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        let always = step["if"].as_str() == Some("always()");
        if !failed.is_empty() && !always {
            continue;
        }
        let mut command = Command::new("bash");
        command
            .args(["-e", "-c", script])
            .current_dir(dir)
            .env("PATH", &path)
            .env_remove("HEMNET_SECRET")
            .env_remove("HEMNET_WEBHOOK_SECRET");
        for (key, value) in job["env"].as_object().expect("job env") {
            command.env(key, value.as_str().expect("string env"));
        }
        let output = command.output().expect("bash runs");
        if !output.status.success() {
            eprintln!("step `{name}` failed:\n{}", both(&output));
            failed.push(name);
        }
    }
    failed
}

#[test]
fn the_init_workflow_is_a_valid_github_workflow_whose_commands_run_a_flask_receiver_and_fail_on_failures()
 {
    let root = repo_root();
    let venv = root.join("target/strangers/venv/bin");
    let dir = tempfile::tempdir().expect("temp dir");
    let port = crate::receivers::free_port();
    let receiver_command = format!(
        "PORT={port} HEMNET_WEBHOOK_KEYS=team-key ADMIN_TOKEN=admin {} {}",
        venv.join("python").display(),
        root.join("tests/strangers/flask_receiver.py").display()
    );
    let receiver_url = format!("http://127.0.0.1:{port}");
    let output = hooksim_in(
        dir.path(),
        &[
            "init",
            "--provider",
            "hemnet",
            "--receiver-command",
            &receiver_command,
            "--receiver-url",
            &receiver_url,
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", both(&output));
    let workflow_path = dir.path().join(".github/workflows/webhooks.yml");
    crate::assert_check_jsonschema_accepts(
        &["--builtin-schema", "vendor.github-workflows"],
        [&workflow_path],
    );
    let text = std::fs::read_to_string(&workflow_path).expect("read workflow");
    let workflow: serde_json::Value = serde_saphyr::from_str(&text).expect("YAML");
    // Pointed at the receiver as a team would: uncomment the target, give the key.
    let config = dir.path().join("hooksim.toml");
    let edited = std::fs::read_to_string(&config)
        .expect("read config")
        .replace(
            "# target = \"http://127.0.0.1:",
            "target = \"http://127.0.0.1:",
        )
        .replace("/webhooks/hemnet\"", "/webhooks/hemnet-leads\"")
        .replace(
            "# secret = \"${env:HEMNET_SECRET}\"",
            "secret = \"${env:TEAM_KEY:-team-key}\"",
        );
    std::fs::write(&config, &edited).expect("write config");
    let _receiver = WorkflowReceiver(dir.path().join("hooksim-reports/receiver.pid"));
    let failed = run_workflow(dir.path(), &workflow);
    assert!(failed.is_empty(), "failed steps: {failed:?}");
    let junit = std::fs::read_to_string(dir.path().join("hooksim-reports/junit.xml"))
        .expect("the JUnit report");
    assert!(
        junit.contains("hemnet/first-delivery-acknowledged"),
        "{junit}"
    );
    assert!(junit.contains("hemnet/signature-raw-body"), "{junit}");
    // The wrong key fails the run step, and the job with it; the report is still written.
    std::fs::write(
        &config,
        edited.replace("${env:TEAM_KEY:-team-key}", "not-the-key"),
    )
    .expect("write config");
    std::fs::remove_file(dir.path().join("hooksim-reports/junit.xml")).expect("remove report");
    let failed = run_workflow(dir.path(), &workflow);
    assert_eq!(failed, ["Run the webhook suites"]);
    assert!(dir.path().join("hooksim-reports/junit.xml").is_file());
}
