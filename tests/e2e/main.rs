//! End to end: the `hooksim` binary on the built-in scenarios, against the
//! reference receiver and against receivers that get one rule wrong.

mod action;
mod broken_receivers;
mod browser;
mod burst;
mod capture;
mod ci_scale;
mod cli;
mod contract;
mod drift;
mod everreal_broken;
mod flow_broken;
mod fuzz_broken;
mod github;
mod hemnet_suite;
mod https;
mod interrupt;
mod propertyfinder_broken;
mod receivers;
mod schema;
mod secrets;
mod send;
mod serve;
mod setup;
mod spark_broken;
mod strangers;
mod tls_receiver;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (the root manifest is the `hooksim` package's).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run `hooksim` from the repository root with `args`. The scenarios' secret
/// variables are unset, so they sign with their defaults (which the reference
/// receiver trusts) whatever the caller's environment holds.
pub fn hooksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hooksim"))
        .args(args)
        .current_dir(repo_root())
        .env_remove("HEMNET_SECRET")
        .env_remove("ATLAS_SECRET")
        .output()
        .expect("the hooksim binary runs")
}

/// check-jsonschema, the validator the e2e tests run beside hooksim (from
/// PyPI: `bash tests/strangers/install.sh` installs it), with `options`,
/// on `files`.
pub fn check_jsonschema<F: AsRef<OsStr>>(
    options: &[&str],
    files: impl IntoIterator<Item = F>,
) -> Output {
    Command::new(repo_root().join("target/strangers/venv/bin/check-jsonschema"))
        .args(options)
        .args(files)
        .output()
        .expect("check-jsonschema runs (bash tests/strangers/install.sh installs it)")
}

/// Asserts that check-jsonschema with `options` finds all of `files` valid.
pub fn assert_check_jsonschema_accepts<F: AsRef<OsStr>>(
    options: &[&str],
    files: impl IntoIterator<Item = F>,
) {
    let checked = check_jsonschema(options, files);
    assert!(
        checked.status.success(),
        "{}{}",
        stdout(&checked),
        stderr(&checked)
    );
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `hooksim run SUITE` against the built-in reference receiver: asserts that it
/// exits 0 with every scenario of the suite passed, and returns the console output.
pub fn assert_suite_passes_against_the_reference_receiver(suite: &str) -> String {
    let snapshots = snapshot_copy();
    let dir = snapshots.path().to_str().expect("utf-8 path");
    let output = hooksim(&["run", suite, "--snapshot-dir", dir]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}\n{}", stderr(&output));
    let scenario_count = std::fs::read_dir(repo_root().join(suite))
        .expect("the suite exists")
        .count();
    assert!(
        out.contains(&format!("{scenario_count} passed, 0 failed, 0 skipped")),
        "{out}"
    );
    // A changed transcript is no failure of the run, but here it is a
    // regression: the accepted snapshots are hooksim's own.
    assert!(!out.contains("SNAPSHOT "), "{out}");
    out
}

/// Every file under `dir` (any depth) whose name ends with `suffix`, sorted.
pub fn files_under(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("a readable folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Scenario `files` (path below `scenarios/`, text) written in `dir/scenarios`.
pub fn write_scenarios(dir: &Path, files: &[(&str, &str)]) {
    for (file, text) in files {
        let path = dir.join("scenarios").join(file);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

/// A copy of the accepted snapshots, so a test run never writes into the repository.
pub fn snapshot_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&repo_root().join("snapshots"), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("snapshots folder exists") {
        let path = entry.expect("entry").path();
        let dest = to.join(path.file_name().expect("named"));
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).expect("copy");
        }
    }
}
