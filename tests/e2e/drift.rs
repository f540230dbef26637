//! `hooksim capture check DIR`: a folder of captures checked against
//! hooksim's model; exit 0 when all match, 1 when one drifts, 2 for a file
//! that is not a capture.

use std::path::Path;

use hooksim_simulator::capture::{Answer, Capture, file_name};
use hooksim_simulator::delivery::{PreparedDelivery, attempt_headers};
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::signing::{SigningKey, SigningKeys};
use serde_json::{Value, json};

use crate::{hooksim, stderr, stdout};

const SECRET: &str = "drift-e2e-secret";

/// A Hemnet delivery of `payload` as the capture server stores it, in `dir/hemnet/NNNNNN`.
fn store(dir: &Path, n: u64, payload: &Value) {
    let provider = ProviderId::Hemnet.provider();
    let keys = SigningKeys::single(SigningKey::new("k", SECRET));
    let prepared = PreparedDelivery::new(provider, "http://x/".to_owned(), payload, &keys, None);
    let headers = attempt_headers(provider, &prepared)
        .into_iter()
        .map(|h| (h.name.to_ascii_lowercase(), h.value))
        .collect();
    let capture = Capture::new(
        ProviderId::Hemnet,
        "2026-12-03T15:40:00.123Z".to_owned(),
        ("POST".to_owned(), "/hemnet".to_owned(), None),
        headers,
        &prepared.body,
        Answer {
            status: 200,
            forwarded_to: None,
        },
    );
    let folder = dir.join("hemnet");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(folder.join(file_name(n)), capture.to_file_text()).expect("write");
}

fn contact() -> Value {
    ProviderId::Hemnet
        .provider()
        .build("CONTACT.CREATE", &mut seeded_rng(3))
        .expect("Hemnet's event")
}

fn capture_check(dir: &Path) -> std::process::Output {
    let dir = dir.to_str().expect("a UTF-8 path");
    hooksim(&["capture", "check", dir, "--secret", SECRET])
}

#[test]
fn a_folder_with_a_drifting_capture_exits_1_and_reports_both() {
    let dir = tempfile::tempdir().expect("temp dir");
    store(dir.path(), 1, &contact());
    let mut grown = contact();
    grown["data"]["newThing"] = json!(true);
    store(dir.path(), 2, &grown);
    let output = capture_check(dir.path());
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}{}", stderr(&output));
    let file = |n| format!("hemnet/{}", file_name(n));
    assert!(
        out.contains(&format!("{} hemnet CONTACT.CREATE: matches\n", file(1))),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{} hemnet CONTACT.CREATE: drifts\n  drift: new attribute data.newThing (hemnet says attributes may be added)\n",
            file(2)
        )),
        "{out}"
    );
    assert!(out.ends_with("2 captures: 1 match, 1 drift\n"), "{out}");
}

#[test]
fn a_folder_of_matching_captures_exits_0() {
    let dir = tempfile::tempdir().expect("temp dir");
    store(dir.path(), 1, &contact());
    let output = capture_check(dir.path());
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    assert!(out.ends_with("1 capture: 1 match, 0 drift\n"), "{out}");
    // Without --secret the signature is a note, not drift.
    let output = hooksim(&["capture", "check", dir.path().to_str().expect("UTF-8")]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("  note: signature not checked"));
}

#[test]
fn a_file_that_is_not_a_capture_or_no_folder_exits_2_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    store(dir.path(), 1, &contact());
    let garbage = dir.path().join("hemnet").join(file_name(2));
    std::fs::write(&garbage, "not json at all").expect("write");
    let output = capture_check(dir.path());
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stderr(&output).contains(&format!("{}: not a capture", garbage.display())),
        "{}",
        stderr(&output)
    );
    let output = capture_check(&dir.path().join("nowhere"));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nowhere"), "{}", stderr(&output));
}

#[test]
fn redacted_captures_keep_no_name_still_match_and_say_their_signature_is_unchecked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lead = contact();
    lead["data"]["firstName"] = json!("Gunnel");
    lead["data"]["lastName"] = json!("Åkesson");
    store(dir.path(), 1, &lead);
    store(dir.path(), 2, &lead);
    let folder = dir.path().to_str().expect("a UTF-8 path");
    let redacted = hooksim(&["capture", "redact", folder, "--seed", "3"]);
    assert_eq!(redacted.status.code(), Some(0), "{}", stderr(&redacted));
    let files: Vec<String> = [1, 2]
        .map(|n| {
            std::fs::read_to_string(dir.path().join("hemnet").join(file_name(n))).expect("read")
        })
        .into();
    for text in &files {
        assert!(
            !text.contains("Gunnel") && !text.contains("Åkesson"),
            "{text}"
        );
        assert!(text.contains("\"redacted\""), "{text}");
    }
    // The same person, redacted the same way in both.
    let names: Vec<Value> = files
        .iter()
        .map(|text| {
            let capture: Capture = serde_json::from_str(text).expect("a capture");
            let body: Value =
                serde_json::from_slice(&capture.body().expect("base64")).expect("JSON");
            body["data"]["lastName"].clone()
        })
        .collect();
    assert_eq!(names[0], names[1]);
    let checked = capture_check(dir.path());
    assert_eq!(checked.status.code(), Some(0), "{}", stdout(&checked));
    assert!(
        stdout(&checked).contains("redacted"),
        "{}",
        stdout(&checked)
    );
}

/// The report a team attaches to an issue, as it reads: one block per
/// capture, each finding named, the total.
#[test]
fn the_drift_report_reads_as_it_should() {
    let dir = tempfile::tempdir().expect("temp dir");
    // As sent, a new attribute, a new enum member, a missing attribute, a type change.
    let variants: [fn(&mut Value); 5] = [
        |_| {},
        |p| p["data"]["newThing"] = json!(true),
        |p| p["data"]["source"] = json!("NEW_FORM"),
        |p| {
            p["data"].as_object_mut().map(|data| data.remove("email"));
        },
        |p| p["data"]["preapprovedMortgage"] = json!("yes"),
    ];
    for (n, change) in variants.iter().enumerate() {
        let mut payload = contact();
        change(&mut payload);
        store(dir.path(), n as u64 + 1, &payload);
    }
    let output = capture_check(dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    insta::assert_snapshot!("drift_report", stdout(&output));
}
