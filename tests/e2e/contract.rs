//! `hooksim providers export`: the six AsyncAPI documents parse cleanly
//! with the official parser (@asyncapi/parser, from npm;
//! tests/strangers/install.sh installs it), a broken one does not, and
//! the per-event JSON Schemas are valid 2020-12 schemas (check-jsonschema's
//! metaschema check). That hooksim's payloads fit them is
//! crates/simulator/tests/it/contract.rs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hooksim_simulator::providers::ProviderId;

use crate::{assert_check_jsonschema_accepts, files_under, hooksim, repo_root, stderr, stdout};

fn parse_asyncapi(files: &[PathBuf]) -> Output {
    Command::new("node")
        .arg(repo_root().join("tests/contract/parse-asyncapi.mjs"))
        .args(files)
        .output()
        .expect("node runs (tests/strangers/install.sh)")
}

fn export(format: &str, out: &Path) {
    let output = hooksim(&[
        "providers",
        "export",
        "--format",
        format,
        "--out",
        out.to_str().expect("a UTF-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn every_providers_asyncapi_document_parses_cleanly_with_the_official_parser() {
    let dir = tempfile::tempdir().expect("temp dir");
    export("asyncapi", dir.path());
    let documents = files_under(dir.path(), ".asyncapi.json");
    assert_eq!(documents.len(), ProviderId::ALL.len());
    let parsed = parse_asyncapi(&documents);
    let report = stdout(&parsed);
    assert_eq!(parsed.status.code(), Some(0), "{report}{}", stderr(&parsed));
    for id in ProviderId::ALL {
        let events = id.provider().events().len();
        let line = format!(
            "{id}.asyncapi.json: valid AsyncAPI 3.0.0, {events} channels, {events} operations, {events} messages"
        );
        assert!(report.contains(&line), "no `{line}` in\n{report}");
    }
}

#[test]
fn the_parser_check_fails_a_broken_document() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = hooksim(&["providers", "export", "hemnet", "--format", "asyncapi"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut document: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("the document is JSON");
    // An operation whose channel is not in the document.
    document["operations"]["send.CONTACT.CREATE"]["channel"]["$ref"] = "#/channels/missing".into();
    let broken = dir.path().join("broken.asyncapi.json");
    std::fs::write(&broken, document.to_string()).expect("write");
    let parsed = parse_asyncapi(&[broken]);
    assert_eq!(parsed.status.code(), Some(1), "{}", stdout(&parsed));
    assert!(stdout(&parsed).contains("invalid"), "{}", stdout(&parsed));
}

#[test]
fn every_event_schema_is_a_valid_2020_12_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    export("json-schema", dir.path());
    let schemas = files_under(dir.path(), ".schema.json");
    let events: usize = ProviderId::ALL
        .iter()
        .map(|id| id.provider().events().len())
        .sum();
    assert_eq!(schemas.len(), events);
    assert_check_jsonschema_accepts(&["--check-metaschema"], &schemas);
}

#[test]
fn an_unknown_provider_or_many_documents_without_a_folder_are_bad_input() {
    let output = hooksim(&["providers", "export", "hemnett", "--format", "asyncapi"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("hemnet"), "{}", stderr(&output));
    let output = hooksim(&["providers", "export", "--format", "json-schema"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--out DIR"), "{}", stderr(&output));
}
