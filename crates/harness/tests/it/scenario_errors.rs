//! What a QA engineer sees for typical mistakes in a scenario file: the
//! rendered miette report, snapshotted.

use std::path::Path;

use hooksim_harness::scenario::{
    MAX_SHOWN, ScenarioError, ScenarioErrorKind, load_scenario, parse_scenario,
};

/// Render as the CLI does, without colours, at a fixed width.
fn render(error: &ScenarioError) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, error)
        .expect("rendering into a String cannot fail");
    out
}

/// Parse `text` as `scenarios/hemnet/<name>.yaml`, expect an error of
/// `kind`, and return its rendering.
fn rendered_error(name: &str, text: &str, kind: ScenarioErrorKind) -> String {
    let path = format!("scenarios/hemnet/{name}.yaml");
    match parse_scenario(Path::new(&path), text) {
        Ok(scenario) => panic!("{name}: expected an error, parsed {scenario:#?}"),
        Err(error) => {
            assert_eq!(error.kind, kind, "{name}: {error:?}");
            render(&error)
        }
    }
}

#[test]
fn misspelt_expectation_key() {
    let text = r#"name: A delivery is acknowledged
provider: hemnet
rule: hemnet/acknowledge-2xx
source: seeds/001.txt
steps:
  - deliver: { event: CONTACT.CREATE }
    expect: { acknowleged: true, attempts: 1 }
"#;
    insta::assert_snapshot!(rendered_error(
        "acknowledged",
        text,
        ScenarioErrorKind::UnknownKey
    ));
}

#[test]
fn misspelt_step() {
    let text = r#"name: A delivery is acknowledged
provider: hemnet
rule: hemnet/acknowledge-2xx
source: seeds/001.txt
steps:
  - delivr:
      event: CONTACT.CREATE
    expect: { acknowledged: true }
"#;
    insta::assert_snapshot!(rendered_error(
        "acknowledged",
        text,
        ScenarioErrorKind::UnknownStep
    ));
}

#[test]
fn unknown_provider() {
    let text = r#"name: A delivery is acknowledged
provider: hemet
rule: hemnet/acknowledge-2xx
source: seeds/001.txt
steps:
  - deliver: { event: CONTACT.CREATE }
"#;
    insta::assert_snapshot!(rendered_error(
        "acknowledged",
        text,
        ScenarioErrorKind::UnknownProvider
    ));
}

#[test]
fn unknown_event() {
    let text = r#"name: A delivery is acknowledged
provider: hemnet
rule: hemnet/acknowledge-2xx
source: seeds/001.txt
steps:
  - deliver:
      event: CONTACT.CRATE
      as: first
"#;
    insta::assert_snapshot!(rendered_error(
        "acknowledged",
        text,
        ScenarioErrorKind::UnknownEvent
    ));
}

#[test]
fn duration_in_words() {
    let text = r#"name: Retries keep the schedule
provider: hemnet
rule: hemnet/retry-schedule
source: seeds/002.txt
steps:
  - deliver: { event: CONTACT.CREATE }
  - wait: 5 minutes
"#;
    insta::assert_snapshot!(rendered_error(
        "retries",
        text,
        ScenarioErrorKind::BadDuration
    ));
}

#[test]
fn duration_with_an_unknown_unit() {
    let text = r#"name: Retries keep the schedule
provider: hemnet
rule: hemnet/retry-schedule
source: seeds/002.txt
steps:
  - wait: 10x
"#;
    insta::assert_snapshot!(rendered_error(
        "retries",
        text,
        ScenarioErrorKind::BadDuration
    ));
}

#[test]
fn attempts_in_words() {
    let text = r#"name: A delivery is acknowledged
provider: hemnet
rule: hemnet/acknowledge-2xx
source: seeds/001.txt
steps:
  - deliver: { event: CONTACT.CREATE }
    expect:
      acknowledged: true
      attempts: two
"#;
    insta::assert_snapshot!(rendered_error(
        "acknowledged",
        text,
        ScenarioErrorKind::WrongType
    ));
}

#[test]
fn negative_seed() {
    let text = r#"name: A delivery is acknowledged
provider: hemnet
rule: hemnet/acknowledge-2xx
source: seeds/001.txt
seed: -1
steps:
  - deliver: { event: CONTACT.CREATE }
"#;
    insta::assert_snapshot!(rendered_error(
        "acknowledged",
        text,
        ScenarioErrorKind::InvalidValue
    ));
}

#[test]
fn undefined_alias() {
    let text = r#"name: Duplicates are acknowledged once
provider: hemnet
rule: hemnet/duplicates
source: seeds/003.txt
steps:
  - deliver: { event: CONTACT.CREATE, as: first }
  - redeliver: frist
    expect: { acknowledged: true }
"#;
    insta::assert_snapshot!(rendered_error(
        "duplicates",
        text,
        ScenarioErrorKind::UndefinedAlias
    ));
}

#[test]
fn alias_used_before_its_deliver() {
    let text = r#"name: Duplicates are acknowledged once
provider: hemnet
rule: hemnet/duplicates
source: seeds/003.txt
steps:
  - forge: { from: first, signature: wrong-key }
  - deliver: { event: CONTACT.CREATE, as: first }
"#;
    insta::assert_snapshot!(rendered_error(
        "duplicates",
        text,
        ScenarioErrorKind::UndefinedAlias
    ));
}

#[test]
fn unknown_forgery() {
    let text = r#"name: Forged signatures are refused
provider: hemnet
rule: hemnet/signature
source: seeds/004.txt
steps:
  - deliver: { event: CONTACT.CREATE, as: first }
  - forge: { from: first, signature: wrong-keys }
    expect: { acknowledged: false }
"#;
    insta::assert_snapshot!(rendered_error(
        "forged",
        text,
        ScenarioErrorKind::UnknownForgery
    ));
}

#[test]
fn missing_provider() {
    let text = r#"name: A delivery is acknowledged
rule: hemnet/acknowledge-2xx
source: seeds/001.txt
steps:
  - deliver: { event: CONTACT.CREATE }
"#;
    insta::assert_snapshot!(rendered_error(
        "acknowledged",
        text,
        ScenarioErrorKind::MissingKey
    ));
}

#[test]
fn tab_indentation() {
    let text = "name: A delivery is acknowledged\nprovider: hemnet\nrule: hemnet/acknowledge-2xx\nsource: seeds/001.txt\nsteps:\n\t- deliver: { event: CONTACT.CREATE }\n";
    insta::assert_snapshot!(rendered_error(
        "acknowledged",
        text,
        ScenarioErrorKind::Syntax
    ));
}

#[test]
fn misindented_expect() {
    let text = r#"name: A delivery is acknowledged
provider: hemnet
rule: hemnet/acknowledge-2xx
source: seeds/001.txt
steps:
  - deliver: { event: CONTACT.CREATE }
     expect: { acknowledged: true }
"#;
    insta::assert_snapshot!(rendered_error(
        "acknowledged",
        text,
        ScenarioErrorKind::Syntax
    ));
}

#[test]
fn two_actions_in_one_step() {
    let text = r#"name: Retries keep the schedule
provider: hemnet
rule: hemnet/retry-schedule
source: seeds/002.txt
steps:
  - deliver: { event: CONTACT.CREATE }
    wait: 5m
"#;
    insta::assert_snapshot!(rendered_error(
        "retries",
        text,
        ScenarioErrorKind::StepActions
    ));
}

#[test]
fn expect_on_wait() {
    let text = r#"name: Retries keep the schedule
provider: hemnet
rule: hemnet/retry-schedule
source: seeds/002.txt
steps:
  - deliver: { event: CONTACT.CREATE }
  - wait: 90m
    expect: { attempts: 3 }
"#;
    insta::assert_snapshot!(rendered_error(
        "retries",
        text,
        ScenarioErrorKind::ExpectNotAllowed
    ));
}

#[test]
fn unset_environment_variable() {
    // Outside `settings`, an unset variable is a mistake of the file.
    let text = r#"name: Signature holds over the raw body
provider: hemnet
rule: hemnet/signature-raw-body
source: seeds/004.txt
target: "${env:HOOKSIM_TEST_VARIABLE_NOBODY_SETS}/hemnet"
steps:
  - deliver: { event: CONTACT.CREATE }
"#;
    insta::assert_snapshot!(rendered_error(
        "signature",
        text,
        ScenarioErrorKind::Interpolation
    ));
}

#[test]
fn an_unset_variable_in_a_setting_waits_for_the_run_with_its_place() {
    // `--set` may give the value, and `list` needs none: the run decides.
    let text = r#"name: Signature holds over the raw body
provider: hemnet
rule: hemnet/signature-raw-body
source: seeds/004.txt
settings: { secret: "${env:HOOKSIM_TEST_VARIABLE_NOBODY_SETS}" }
steps:
  - deliver: { event: CONTACT.CREATE }
"#;
    let scenario = parse_scenario(Path::new("scenarios/hemnet/signature.yaml"), text)
        .expect("an unset setting variable is not a file mistake");
    assert!(!scenario.settings.contains_key("secret"));
    let unset = &scenario.unset_settings;
    assert_eq!(unset.len(), 1);
    assert_eq!(unset[0].setting, "secret");
    assert_eq!(unset[0].variable, "HOOKSIM_TEST_VARIABLE_NOBODY_SETS");
    assert_eq!((unset[0].location.line, unset[0].location.column), (5, 21));
}

#[test]
fn unknown_key_with_nothing_close() {
    let text = r#"name: A delivery is acknowledged
provider: hemnet
rule: hemnet/acknowledge-2xx
source: seeds/001.txt
steps:
  - deliver: { event: CONTACT.CREATE, timeout: 5s }
"#;
    insta::assert_snapshot!(rendered_error(
        "acknowledged",
        text,
        ScenarioErrorKind::UnknownKey
    ));
}

#[test]
fn status_out_of_range() {
    let text = r#"name: A delivery is acknowledged
provider: hemnet
rule: hemnet/acknowledge-2xx
source: seeds/001.txt
steps:
  - deliver: { event: CONTACT.CREATE }
    expect: { status: 700 }
"#;
    insta::assert_snapshot!(rendered_error(
        "acknowledged",
        text,
        ScenarioErrorKind::InvalidValue
    ));
}

#[test]
fn positions_are_in_characters_after_non_ascii_text() {
    let text = "name: Ångström på Höjden\nprovider: hemnet\nrule: r\nsource: s\nsteps:\n  - deliver: { event: CONTACT.CREATE, set: { data.namn: Åsa }, ass: x }\n";
    let error = parse_scenario(Path::new("s.yaml"), text).expect_err("`ass` is not a key");
    assert_eq!((error.line(), error.column()), (6, 64));
    let span = error.span().expect("the error has a span");
    assert_eq!(&text[span], "ass");
}

#[test]
fn unreadable_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let error =
        load_scenario(&dir.path().join("nowhere.yaml")).expect_err("the file does not exist");
    assert_eq!(error.kind, ScenarioErrorKind::Unreadable);
    let rendered = render(&error);
    assert!(rendered.contains("cannot read scenario file"), "{rendered}");
    assert!(rendered.contains("nowhere.yaml"), "{rendered}");
}

#[test]
fn misspelt_required_setting() {
    let text = r#"name: A redelivered lead is stored once
provider: hemnet
rule: hemnet/duplicate-stored-once
source: seeds/004.txt
requires: [contact_lokup]
steps:
  - deliver: { event: CONTACT.CREATE }
"#;
    insta::assert_snapshot!(rendered_error(
        "stored-once",
        text,
        ScenarioErrorKind::UnknownSetting
    ));
}

#[test]
fn unknown_basis() {
    let text = r#"name: A lead is acknowledged
provider: hemnet
rule: hemnet/acknowledge
source: seeds/004.txt
basis: guessed
steps:
  - deliver: { event: CONTACT.CREATE }
"#;
    insta::assert_snapshot!(rendered_error(
        "basis",
        text,
        ScenarioErrorKind::InvalidValue
    ));
}

#[test]
fn api_condition_of_another_provider() {
    let text = r#"name: A read-only key registers nothing
provider: propertyfinder
rule: propertyfinder/api-read-only-key-refused
source: seeds/001.txt
steps:
  - api: { rate_limited: true }
  - register: {}
    expect: { registered: false }
"#;
    insta::assert_snapshot!(rendered_error(
        "condition",
        text,
        ScenarioErrorKind::InvalidValue
    ));
}

#[test]
fn register_for_a_provider_without_a_registration_api() {
    let text = r#"name: Hemnet registers nothing
provider: hemnet
rule: hemnet/register
source: seeds/004.txt
steps:
  - register: {}
"#;
    insta::assert_snapshot!(rendered_error(
        "register",
        text,
        ScenarioErrorKind::InvalidValue
    ));
}

#[test]
fn a_probe_expectation_on_a_delivery() {
    let text = r#"name: A lead is acknowledged
provider: hemnet
rule: hemnet/acknowledge
source: seeds/004.txt
steps:
  - deliver: { event: CONTACT.CREATE }
    expect: { acknowledged: true, count: 1 }
"#;
    insta::assert_snapshot!(rendered_error(
        "count",
        text,
        ScenarioErrorKind::ExpectNotAllowed
    ));
}

#[test]
fn a_status_class_that_is_not_one() {
    let text = r#"name: A lead is acknowledged
provider: hemnet
rule: hemnet/acknowledge
source: seeds/004.txt
steps:
  - deliver: { event: CONTACT.CREATE }
    expect: { status: 2x }
"#;
    insta::assert_snapshot!(rendered_error("class", text, ScenarioErrorKind::WrongType));
}

/// Kind, line and column of every problem `error` shows, the first one first.
fn positions(error: &ScenarioError) -> Vec<(ScenarioErrorKind, usize, usize)> {
    std::iter::once((error.kind, error.line(), error.column()))
        .chain(error.further().map(|p| (p.kind, p.line, p.column)))
        .collect()
}

fn parse_err(text: &str) -> ScenarioError {
    parse_scenario(Path::new("scenarios/hemnet/retries.yaml"), text)
        .expect_err("the file has mistakes")
}

#[test]
fn every_independent_mistake_is_reported_at_its_line_and_column() {
    let text = r#"name: Retries keep the schedule
provider: hemnet
rule: hemnet/retry-schedule
source: seeds/002.txt
timeout: 5s
steps:
  - deliver: { event: CONTACT.CRATE }
  - wait: 5 minutes
"#;
    let error = parse_err(text);
    assert_eq!(
        positions(&error),
        [
            (ScenarioErrorKind::UnknownKey, 5, 1),
            (ScenarioErrorKind::UnknownEvent, 7, 23),
            (ScenarioErrorKind::BadDuration, 8, 13),
        ]
    );
    assert_eq!(error.omitted(), 0);
    insta::assert_snapshot!(render(&error));
}

#[test]
fn each_missing_key_is_a_mistake_of_its_own() {
    let text = "name: A delivery is acknowledged\nsteps:\n  - deliver: { event: CONTACT.CREATE }\n";
    let error = parse_err(text);
    let messages: Vec<String> = std::iter::once(error.message.clone())
        .chain(error.further().map(|p| p.message.clone()))
        .collect();
    assert_eq!(
        messages,
        [
            "missing required key `provider`",
            "missing required key `rule`",
            "missing required key `source`",
        ]
    );
}

#[test]
fn a_step_that_defines_no_alias_does_not_make_its_uses_mistakes() {
    let text = r#"name: Forged signatures are refused
provider: hemnet
rule: hemnet/signature
source: seeds/004.txt
steps:
  - delivr: { event: CONTACT.CREATE, as: first }
  - redeliver: first
  - forge: { from: first, signature: wrong-key }
"#;
    let error = parse_err(text);
    assert_eq!(positions(&error), [(ScenarioErrorKind::UnknownStep, 6, 5)]);
}

#[test]
fn a_key_two_checks_refuse_is_one_mistake() {
    let text = r#"name: A delivery is acknowledged
provider: hemnet
rule: hemnet/acknowledge-2xx
source: seeds/001.txt
steps:
  - deliver: { event: CONTACT.CREATE }
    expect: { all_acknowledged: true }
"#;
    let error = parse_err(text);
    assert_eq!(positions(&error), [(ScenarioErrorKind::UnknownKey, 7, 15)]);
}

#[test]
fn past_the_cap_the_rest_are_counted() {
    let keys: Vec<String> = (1..=30).map(|n| format!("bogus{n}: 1")).collect();
    let text = format!(
        "name: n\nprovider: hemnet\nrule: r\nsource: s\nsteps:\n  - deliver: {{ event: CONTACT.CREATE }}\n    expect: {{ {} }}\n",
        keys.join(", ")
    );
    let error = parse_err(&text);
    assert_eq!(error.further().count(), MAX_SHOWN - 1);
    assert_eq!(error.omitted(), 30 - MAX_SHOWN);
    let rendered = render(&error);
    assert!(
        rendered.contains("and 10 more mistakes in this file, not shown (only the first 20 are)"),
        "{rendered}"
    );
    assert!(rendered.contains("unknown key `bogus20`"), "{rendered}");
    assert!(!rendered.contains("unknown key `bogus21`"), "{rendered}");
}

#[test]
fn a_mistake_past_column_65535_is_drawn_in_a_window_at_its_real_column() {
    // miette's column arithmetic panics past 65,535; the line is cut.
    let text = format!("name: \"{}\" x\n", "A".repeat(65_530));
    let error = parse_scenario(Path::new("long.yaml"), &text).expect_err("trailing content");
    let shown = render(&error);
    assert!(shown.contains("[long.yaml:1:65540]"), "{shown}");
    assert!(shown.contains("…AAAA"), "{shown}");
    assert!(shown.len() < 2_000, "{} bytes drawn", shown.len());
    assert_eq!((error.line(), error.column()), (1, 65_540));
}

#[test]
fn a_long_line_with_many_mistakes_is_drawn_small_for_each() {
    // Twenty mistakes on one 4 MB line: each is drawn with a window, not the line.
    let keys: String = (0..25).map(|n| format!(", wrong{n}: 1")).collect();
    let text = format!(
        "name: \"{}\"\nprovider: hemnet\nrule: r\nsource: s\nsteps:\n  - deliver: {{ event: CONTACT.CREATE{keys} }}\n",
        "é".repeat(2_000_000)
    );
    let error = parse_scenario(Path::new("wide.yaml"), &text).expect_err("unknown keys");
    assert_eq!(error.further().count(), MAX_SHOWN - 1);
    let shown = render(&error);
    assert!(shown.len() < 40_000, "{} bytes drawn", shown.len());
    // The spans the API reports stay the file's.
    let first = error.span().expect("a span");
    assert_eq!(&text[first.clone()], "wrong0");
}

#[test]
fn a_file_that_is_not_utf8_is_shown_at_its_first_bad_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("latin1.yaml");
    std::fs::write(&path, b"name: ok\nrule: r\nsource: \"Malm\xf6\"\n").expect("write");
    let error = load_scenario(&path).expect_err("not UTF-8");
    assert_eq!(error.kind, ScenarioErrorKind::Syntax);
    assert_eq!((error.line(), error.column()), (3, 14));
    assert!(error.message.contains("0xF6"), "{}", error.message);
    assert!(render(&error).contains("not UTF-8"));
}

/// A Hemnet scenario with `target` and `steps` as given.
fn hemnet(target: &str, steps: &str) -> String {
    format!(
        "name: n\nprovider: hemnet\nrule: hemnet/r\nsource: s\nrequires: [contact_lookup]\ntarget: {target}\nsteps:\n{steps}"
    )
}

#[test]
fn a_placeholder_naming_an_alias_no_deliver_defined_is_found_before_sending() {
    let text = hemnet(
        "/hemnet",
        "  - deliver: { event: CONTACT.CREATE, as: lead }\n  - probe: { path: \"{{settings.contact_lookup}}\", params: { id: \"{{sent.lea.data.id}}\" } }\n    expect: { count: 1 }\n",
    );
    insta::assert_snapshot!(rendered_error(
        "sent-alias",
        &text,
        ScenarioErrorKind::UndefinedAlias
    ));
}

#[test]
fn unknown_placeholders_are_found_before_sending() {
    for (target, steps, says) in [
        (
            "/hemnet",
            "  - probe: { path: \"/x/{{api.tokn}}\" }\n",
            "did you mean `api.token`?",
        ),
        (
            "/hemnet",
            "  - probe: { path: \"{{settings.contact_lokup}}\" }\n",
            "did you mean `contact_lookup`?",
        ),
        (
            "\"/hooks/{{sent.lead.id}}\"",
            "  - deliver: { event: CONTACT.CREATE, as: lead }\n",
            "a target is filled before any step",
        ),
        (
            "/hemnet",
            "  - probe: { path: \"/x/{{what}}\" }\n",
            "a placeholder is",
        ),
        (
            "/hemnet",
            "  - probe: { path: \"/x/{{api.token\" }\n",
            "a placeholder is",
        ),
    ] {
        let error = parse_scenario(Path::new("p.yaml"), &hemnet(target, steps))
            .expect_err("an unknown placeholder");
        let shown = render(&error);
        assert!(shown.contains(says), "{steps}: {shown}");
        assert!(error.line() > 0 && error.column() > 0, "{shown}");
    }
}

#[test]
fn a_target_hooksim_cannot_send_to_is_found_before_sending() {
    let ftp = parse_scenario(
        Path::new("t.yaml"),
        &hemnet("ftp://x", "  - deliver: CONTACT.CREATE\n"),
    )
    .expect_err("ftp");
    assert_eq!((ftp.line(), ftp.column()), (6, 9));
    assert!(
        ftp.message.contains("`ftp://x` is not a target"),
        "{}",
        ftp.message
    );
    let misspelt = parse_scenario(
        Path::new("t.yaml"),
        &hemnet("stand_in:status/200", "  - deliver: CONTACT.CREATE\n"),
    )
    .expect_err("stand_in");
    assert!(
        misspelt
            .help()
            .is_some_and(|h| h.starts_with("did you mean `stand-in:`?")),
        "{:?}",
        misspelt.help()
    );
    for fine in [
        "/hemnet",
        "hemnet",
        "http://127.0.0.1:9/x",
        "\"{{settings.contact_lookup}}\"",
    ] {
        parse_scenario(
            Path::new("t.yaml"),
            &hemnet(fine, "  - deliver: CONTACT.CREATE\n"),
        )
        .unwrap_or_else(|e| panic!("{fine}: {}", render(&e)));
    }
}

#[test]
fn a_set_that_cannot_apply_to_the_payload_is_found_before_sending() {
    let text = hemnet(
        "/hemnet",
        "  - deliver: { event: CONTACT.CREATE, set: { data: 5, data.message: x } }\n",
    );
    insta::assert_snapshot!(rendered_error(
        "set-through-a-number",
        &text,
        ScenarioErrorKind::InvalidValue
    ));
    let burst = hemnet(
        "/hemnet",
        "  - burst: { event: CONTACT.CREATE, count: 2, concurrency: 1, set: { type: 1, type.x: 2 } }\n",
    );
    let error = parse_scenario(Path::new("b.yaml"), &burst).expect_err("a burst's set too");
    assert!(
        error.message.contains("`type` is a number"),
        "{}",
        error.message
    );
}

#[test]
fn a_setting_or_an_absolute_target_that_cannot_work_is_found_at_its_place() {
    let header = parse_scenario(
        Path::new("s.yaml"),
        &hemnet("/hemnet", "  - deliver: CONTACT.CREATE\n").replace(
            "requires:",
            "settings: { admin_header: \"no colon\" }\nrequires:",
        ),
    )
    .expect_err("a header that is not `Name: value`");
    assert_eq!((header.line(), header.column()), (5, 27));
    let port = parse_scenario(
        Path::new("s.yaml"),
        &hemnet("http://127.0.0.1:99999/x", "  - deliver: CONTACT.CREATE\n"),
    )
    .expect_err("a port out of range");
    assert!(port.message.contains("port 99999"), "{}", port.message);
}
