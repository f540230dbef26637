//! The binary's own behaviour: bad input, listings, one-off sends, snapshots.

use crate::{hooksim, stderr, stdout};

fn write_scenario(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let folder = dir.join("scenarios/hemnet");
    std::fs::create_dir_all(&folder).expect("mkdir");
    let path = folder.join(name);
    std::fs::write(&path, text).expect("write scenario");
    path
}

const VALID: &str = "name: One lead\nprovider: hemnet\nrule: hemnet/example\nsource: test\ntarget: /hemnet\nsteps:\n  - deliver: { event: CONTACT.CREATE }\n    expect: { acknowledged: true }\n";

#[test]
fn a_typo_is_shown_at_file_line_column_with_a_suggestion_and_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_scenario(
        dir.path(),
        "typo.yaml",
        &VALID.replace("acknowledged", "acknowleged"),
    );
    let output = hooksim(&["run", path.to_str().expect("utf-8")]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("typo.yaml:8:15"), "{err}");
    assert!(err.contains("did you mean `acknowledged`?"), "{err}");
}

#[test]
fn an_unknown_provider_on_the_command_line_exits_2() {
    let output = hooksim(&[
        "run",
        "scenarios/hemnet",
        "--target",
        "hemet=http://127.0.0.1:9/",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown provider `hemet`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_target_or_jobs_value_that_cannot_work_is_bad_input_before_anything_is_sent() {
    for (args, says) in [
        (&["--target", "http://[::1"][..], "is not a URL"),
        (&["--target", "http://"][..], "is not a URL"),
        (&["--target", "http://127.0.0.1:99999"][..], "port 99999"),
        (
            &["--target", "hemnet=ftp://x"][..],
            "not an http:// or https:// URL",
        ),
        (&["--jobs", "0"][..], "must be at least 1"),
    ] {
        let mut all = vec!["run", "builtin:hemnet"];
        all.extend(args);
        let output = hooksim(&all);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        // Nothing ran: no scenario line, no summary.
        assert!(
            !stdout(&output).contains("passed"),
            "{args:?}: {}",
            stdout(&output)
        );
    }
}

#[test]
fn a_mistake_on_a_line_past_column_65535_is_shown_not_panicked_on_even_into_a_closed_pipe() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("long.yaml");
    std::fs::write(&path, format!("name: \"{}\" x\n", "A".repeat(65_530))).expect("write");
    let output = hooksim(&["list", path.to_str().expect("utf-8")]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("long.yaml:1:65540"), "{err}");
    assert!(err.len() < 2_000, "{} bytes of stderr", err.len());
    // stderr closed after 100 bytes, as `2>&1 | head -c 100` does.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hooksim"))
        .args(["list", path.to_str().expect("utf-8")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("hooksim starts");
    let mut pipe = child.stderr.take().expect("stderr");
    let mut first = [0u8; 100];
    std::io::Read::read_exact(&mut pipe, &mut first).expect("100 bytes of stderr");
    drop(pipe);
    let status = child.wait().expect("hooksim ends");
    assert_eq!(status.code(), Some(2));
}

#[test]
fn providers_lists_and_shows_with_provenance() {
    let list = hooksim(&["providers"]);
    assert_eq!(list.status.code(), Some(0));
    assert!(stdout(&list).contains("hemnet"), "{}", stdout(&list));
    let show = hooksim(&["providers", "show", "hemnet"]);
    let out = stdout(&show);
    assert!(out.contains("exactly 200"), "{out}");
    assert!(out.contains("(assumed:"), "{out}");
    assert!(
        out.contains("documentation: https://integration.testhemnet.se/webhook/documentation\n"),
        "{out}"
    );
    // A documented fact cites the provider's public page and its section.
    assert!(
        out.contains(
            "(documented: https://integration.testhemnet.se/webhook/documentation § Retries)"
        ),
        "{out}"
    );
    assert!(!out.contains("seeds/"), "{out}");
    // Every header is marked, not only the timeouts and the schedule.
    let hemnet_headers = "\nheaders (each documented or assumed):\n".to_owned()
        + &[
            "User-Agent: Hemnet API Client",
            "Content-Type: application/json",
            "X-Timestamp: [unix-ms]",
            "X-Request-Id: [uuid]",
            "X-Signature: lowercase hex HMAC-SHA256 of the raw body",
            "  while keys rotate `old,new`",
        ]
        .map(|line| {
            format!(
                "  {line}\n    (documented: https://integration.testhemnet.se/webhook/documentation § Headers)\n"
            )
        })
        .concat();
    assert!(out.contains(&hemnet_headers), "{out}");
    // Atlas documents its signature but no rotation: the two-signature form is assumed.
    let atlas = stdout(&hooksim(&["providers", "show", "propertyfinder-atlas"]));
    assert!(
        atlas.contains("    while keys rotate `old,new`\n    (assumed: Property Finder documents no key rotation"),
        "{atlas}"
    );
    let spark = stdout(&hooksim(&["providers", "show", "spark"]));
    assert!(
        spark.contains("  User-Agent: Spark Platform news feed webhooks\n    (assumed: "),
        "{spark}"
    );
    // And what the fuzzer may vary, per event, with the events that vary alike together.
    let pf_expert = stdout(&hooksim(&["providers", "show", "propertyfinder"]));
    assert!(
        pf_expert.ends_with(
            "  every event (22):\n    boundary numbers of the same type: client, concept.id\n    null (documented nullable): concept.sub_namespace\n    new enum members: concept.namespace, concept.sub_namespace\n    new attributes in: (the body), concept\n"
        ),
        "{pf_expert}"
    );
    assert!(out.contains("\n  CONTACT.CREATE:\n    any text "), "{out}");
    assert_eq!(
        hooksim(&["providers", "show", "nope"]).status.code(),
        Some(2)
    );
}

#[test]
fn send_delivers_once_under_the_full_policy_and_prints_the_transcript() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let receiver = runtime
        .block_on(hooksim_receiver::start(
            "127.0.0.1:0".parse().expect("addr"),
            Default::default(),
        ))
        .expect("reference receiver starts");
    let target = format!("{}/hemnet", receiver.base_url());
    let output = hooksim(&[
        "send",
        "hemnet",
        "CONTACT.CREATE",
        "--target",
        &target,
        "--secret",
        "hooksim-test-secret",
        "--set",
        "data.message=Tom & Jerry",
    ]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    assert!(out.contains("attempt 1 at +0s: acknowledged 200"), "{out}");
    assert!(out.contains(r"Tom \u0026 Jerry"), "{out}");
    let wrong = hooksim(&[
        "send",
        "hemnet",
        "CONTACT.CRATE",
        "--target",
        &target,
        "--secret",
        "k",
    ]);
    assert_eq!(wrong.status.code(), Some(2));
    runtime.block_on(receiver.shutdown());
}

#[test]
fn a_new_transcript_waits_for_review_and_only_snapshots_check_fails_on_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_scenario(dir.path(), "one-lead.yaml", VALID);
    let path = path.to_str().expect("utf-8");
    let snapshots = dir.path().join("snapshots");
    let snapshots = snapshots.to_str().expect("utf-8");
    let scenarios = dir.path().join("scenarios");
    let scenarios = scenarios.to_str().expect("utf-8");
    let check = || {
        hooksim(&[
            "snapshots",
            "--check",
            "--dir",
            snapshots,
            "--scenarios",
            scenarios,
        ])
    };
    // A snapshot shows change; it never fails the run.
    let first = hooksim(&["run", path]);
    assert_eq!(first.status.code(), Some(0), "{}", stdout(&first));
    assert!(
        stdout(&first).contains("1 passed, 0 failed, 0 skipped"),
        "{}",
        stdout(&first)
    );
    assert!(
        stdout(&first).contains("(new snapshot pending review)"),
        "{}",
        stdout(&first)
    );
    let pending = dir.path().join("snapshots/hemnet/one-lead.snap.new");
    assert!(pending.exists(), "{}", stdout(&first));
    // The CI that wants a gate on it has one.
    assert_eq!(check().status.code(), Some(1), "{}", stdout(&check()));
    let accept = hooksim(&["snapshots", "accept", "--dir", snapshots]);
    assert_eq!(accept.status.code(), Some(0));
    assert!(dir.path().join("snapshots/hemnet/one-lead.snap").exists());
    let second = hooksim(&["run", path]);
    assert_eq!(second.status.code(), Some(0), "{}", stdout(&second));
    assert!(!stdout(&second).contains("SNAPSHOT"), "{}", stdout(&second));
    assert_eq!(check().status.code(), Some(0), "{}", stdout(&check()));
}

#[test]
fn update_snapshots_never_accepts_a_transcript_with_a_failed_expectation() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Hemnet acknowledges with 200 only, so expecting a 202 fails.
    let failing = VALID.replace(
        "{ acknowledged: true }",
        "{ acknowledged: true, status: 202 }",
    );
    let path = write_scenario(dir.path(), "wrong.yaml", &failing);
    let output = hooksim(&["run", path.to_str().expect("utf-8"), "--update-snapshots"]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("not accepted into"), "{out}");
    let snapshots = dir.path().join("snapshots/hemnet");
    assert!(!snapshots.join("wrong.snap").exists(), "{out}");
    assert!(!snapshots.join("wrong.snap.new").exists(), "{out}");
}

#[test]
fn two_scenario_files_that_would_share_a_snapshot_are_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let yaml = write_scenario(dir.path(), "same.yaml", VALID);
    write_scenario(dir.path(), "same.yml", VALID);
    let folder = yaml.parent().expect("a folder");
    let output = hooksim(&["run", folder.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("would both write"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn every_mistake_in_a_scenario_file_is_shown_in_one_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "name: One lead\nprovider: hemnet\nrule: hemnet/example\nsource: test\ntimeout: 5s\nsteps:\n  - deliver: { event: CONTACT.CRATE }\n  - wait: 5 minutes\n";
    let path = write_scenario(dir.path(), "three.yaml", text);
    let output = hooksim(&["list", path.to_str().expect("utf-8")]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    for (at, message) in [
        ("three.yaml:5:1", "unknown key `timeout`"),
        ("three.yaml:7:23", "`hemnet` has no event `CONTACT.CRATE`"),
        ("three.yaml:8:13", "invalid duration `5 minutes`"),
    ] {
        assert!(err.contains(at), "{at} in {err}");
        assert!(err.contains(message), "{message} in {err}");
    }
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
}
