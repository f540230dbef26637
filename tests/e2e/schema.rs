//! `hooksim schema` checked by a real JSON Schema validator
//! (check-jsonschema, from PyPI; tests/strangers/install.sh installs it):
//! it accepts every built-in scenario (as `hooksim suites export` writes
//! them) and every valid fixture, and rejects every typo fixture that
//! `hooksim list` rejects. That the fixtures cover every key of the schema
//! is crates/harness/tests/it/schema.rs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::{
    assert_check_jsonschema_accepts, check_jsonschema, files_under, hooksim, repo_root, stderr,
    stdout,
};

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let files = files_under(dir, ".yaml");
    assert!(!files.is_empty(), "no YAML files under {}", dir.display());
    files
}

/// The schema `hooksim schema` prints, in a file of `dir`.
fn schema_file(dir: &Path) -> PathBuf {
    let output = hooksim(&["schema"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let schema: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("hooksim schema prints JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let path = dir.join("scenario.schema.json");
    std::fs::write(&path, stdout(&output)).expect("write the schema");
    path
}

#[test]
fn a_real_validator_accepts_every_built_in_scenario_and_every_valid_fixture_with_the_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    let schema = schema_file(dir.path());
    let exported = dir.path().join("suites");
    let output = hooksim(&["suites", "export", exported.to_str().expect("a UTF-8 path")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut files = yaml_files(&exported.join("scenarios"));
    files.extend(yaml_files(&repo_root().join("tests/fixtures/schema/valid")));
    let schema = schema.to_str().expect("a UTF-8 path");
    assert_check_jsonschema_accepts(&["--schemafile", schema], &files);
}

#[test]
fn a_real_validator_rejects_every_typo_fixture_that_hooksim_rejects_with_the_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    let schema = schema_file(dir.path());
    let typos = yaml_files(&repo_root().join("tests/fixtures/schema/typos"));
    for typo in &typos {
        let listed = hooksim(&["list", typo.to_str().expect("a UTF-8 path")]);
        assert_eq!(
            listed.status.code(),
            Some(2),
            "{}: hooksim list should reject it\n{}",
            typo.display(),
            stdout(&listed)
        );
    }
    let schema = schema.to_str().expect("a UTF-8 path");
    let checked = check_jsonschema(&["--schemafile", schema, "--output-format", "json"], &typos);
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&checked)).expect("check-jsonschema's JSON report");
    let rejected: BTreeSet<PathBuf> = ["errors", "parse_errors"]
        .iter()
        .flat_map(|kind| report[kind].as_array().cloned().unwrap_or_default())
        .filter_map(|error| error["filename"].as_str().map(PathBuf::from))
        .collect();
    let accepted: Vec<&PathBuf> = typos.iter().filter(|t| !rejected.contains(*t)).collect();
    assert!(
        accepted.is_empty(),
        "the schema accepts typos hooksim rejects: {accepted:?}"
    );
}
