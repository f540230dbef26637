use std::path::Path;

use proptest::prelude::*;
use serde_json::json;

use std::time::Duration;

use hooksim_simulator::signing::Forgery;

use super::*;
use crate::steps::forge::Forge;
use crate::steps::redeliver::Redeliver;
use crate::steps::wait::Wait;

const FULL: &str = r#"name: Signature holds over the raw body with escaped characters
provider: hemnet
rule: hemnet/signature-raw-body          # the contract rule this proves
source: https://integration.testhemnet.se/webhook/documentation § Validating incoming requests   # where the rule is documented
target: /hemnet
settings: { secret: "${env:HEMNET_SECRET:-hooksim-test-secret}" }
seed: 7
steps:
  - deliver:
      event: CONTACT.CREATE
      as: first
      set: { data.message: "Tom & Jerry <3 >", data.email: null, data.tags: [a, 2], data.n: 1.5, data.host: "${env:HOST}" }
    expect: { acknowledged: true, attempts: 1 }
  - redeliver: first
    expect: { acknowledged: true }
  - forge: { from: first, signature: wrong-key }
    expect: { acknowledged: false, status: 401, gave_up: false }
  - rotate_keys: { old: hooksim-retired-key }
  - rotate_keys: { new: "$${literal}", finished: true }
  - wait: 1h 30m
  - deliver: CONTACT.CREATE
"#;

fn ci_env(name: &str) -> Option<String> {
    (name == "HOST").then(|| "receiver.test".to_owned())
}

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    parse_scenario_with_env(Path::new("scenarios/hemnet/full.yaml"), text, &ci_env)
}

fn parse_err(text: &str) -> ScenarioError {
    match parse(text) {
        Ok(scenario) => panic!("expected an error, parsed {scenario:#?}"),
        Err(error) => error,
    }
}

fn step(action: Action, expect: Expectations, line: usize, column: usize) -> Step {
    Step {
        action,
        expect,
        location: Location { line, column },
    }
}

#[test]
fn a_full_scenario_parses_into_its_model() {
    let scenario = parse(FULL).expect("the full example is valid");
    let expected = Scenario {
        path: "scenarios/hemnet/full.yaml".into(),
        name: "Signature holds over the raw body with escaped characters".into(),
        provider: ProviderId::Hemnet,
        rule: "hemnet/signature-raw-body".into(),
        source:
            "https://integration.testhemnet.se/webhook/documentation § Validating incoming requests"
                .into(),
        target: Some("/hemnet".into()),
        settings: [("secret".to_owned(), "hooksim-test-secret".to_owned())].into(),
        seed: Some(7),
        subscriptions: Vec::new(),
        basis: crate::scenario::Basis::Documented,
        requires: Vec::new(),
        reference_only: false,
        unset_settings: Vec::new(),
        steps: vec![
            step(
                Action::Deliver(Deliver {
                    event: "CONTACT.CREATE".into(),
                    alias: Some("first".into()),
                    set: vec![
                        Override {
                            path: "data.message".into(),
                            value: json!("Tom & Jerry <3 >"),
                        },
                        Override {
                            path: "data.email".into(),
                            value: json!(null),
                        },
                        Override {
                            path: "data.tags".into(),
                            value: json!(["a", 2]),
                        },
                        Override {
                            path: "data.n".into(),
                            value: json!(1.5),
                        },
                        Override {
                            path: "data.host".into(),
                            value: json!("receiver.test"),
                        },
                    ],
                    max_attempts: None,
                    to_registered: false,
                }),
                Expectations {
                    acknowledged: Some(true),
                    attempts: Some(1),
                    ..Expectations::default()
                },
                9,
                5,
            ),
            step(
                Action::Redeliver(Redeliver {
                    from: "first".into(),
                }),
                Expectations {
                    acknowledged: Some(true),
                    ..Expectations::default()
                },
                14,
                5,
            ),
            step(
                Action::Forge(Forge {
                    from: "first".into(),
                    forgery: Forgery::WrongKey,
                }),
                Expectations {
                    acknowledged: Some(false),
                    status: Some(crate::scenario::StatusExpectation::Exactly(401)),
                    gave_up: Some(false),
                    attempts: None,
                    ..Expectations::default()
                },
                16,
                5,
            ),
            step(
                Action::RotateKeys(RotateKeys {
                    old: Some("hooksim-retired-key".into()),
                    new: None,
                    finished: false,
                }),
                Expectations::default(),
                18,
                5,
            ),
            step(
                Action::RotateKeys(RotateKeys {
                    old: None,
                    new: Some("${literal}".into()),
                    finished: true,
                }),
                Expectations::default(),
                19,
                5,
            ),
            step(
                Action::Wait(Wait {
                    duration: Duration::from_secs(90 * 60),
                }),
                Expectations::default(),
                20,
                5,
            ),
            step(
                Action::Deliver(Deliver {
                    event: "CONTACT.CREATE".into(),
                    alias: None,
                    set: Vec::new(),
                    max_attempts: None,
                    to_registered: false,
                }),
                Expectations::default(),
                21,
                5,
            ),
        ],
    };
    assert_eq!(scenario, expected);
}

#[test]
fn optional_keys_may_be_left_out() {
    let scenario = parse("name: n\nprovider: hemnet\nrule: r\nsource: s\nsteps:\n  - wait: 5m\n")
        .expect("minimal scenario");
    assert_eq!(scenario.target, None);
    assert_eq!(scenario.seed, None);
    assert!(scenario.settings.is_empty());
    assert!(scenario.steps[0].expect.is_empty());
}

#[test]
fn numbers_used_as_text_keep_their_spelling() {
    let scenario = parse("name: 2024\nprovider: hemnet\nrule: r\nsource: s\nsettings: { secret: 0123.50 }\nsteps:\n  - wait: 5m\n")
        .expect("numbers are text where text is expected");
    assert_eq!(scenario.name, "2024");
    assert_eq!(scenario.settings["secret"], "0123.50");
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let scenario = parse(&format!("\u{feff}{FULL}")).expect("a BOM does not change the scenario");
    assert_eq!(scenario.steps.len(), 7);
}

#[test]
fn the_first_error_in_file_order_is_reported() {
    let error = parse_err(
        "name: n\nprovider: hemnet\nrule: r\nsource: s\nseed: -1\nsteps:\n  - wait: 5 minutes\n",
    );
    assert_eq!(
        (error.kind, error.line, error.column),
        (ScenarioErrorKind::InvalidValue, 5, 7)
    );
    // `steps` comes first, so its problem wins over the misspelt key below it.
    let error = parse_err(
        "steps:\n  - delivr: CONTACT.CREATE\nname: n\nprovider: hemnet\nrule: r\nsource: s\nsed: 1\n",
    );
    assert_eq!(
        (error.kind, error.line, error.column),
        (ScenarioErrorKind::UnknownStep, 2, 5)
    );
}

#[test]
fn events_and_settings_are_checked_against_a_provider_named_later() {
    let error = parse_err(
        "name: n\nrule: r\nsource: s\nsettings: { secrte: x }\nsteps:\n  - wait: 5m\nprovider: hemnet\n",
    );
    assert_eq!(
        (error.kind, error.line, error.column),
        (ScenarioErrorKind::UnknownSetting, 4, 13)
    );
    assert_eq!(error.help(), Some("did you mean `secret`?"));
}

#[test]
fn errors_point_at_the_offending_bytes() {
    let text = "name: Åsa ${env:NOT_SET_ANYWHERE}\nprovider: hemnet\nrule: r\nsource: s\nsteps:\n  - wait: 5m\n";
    let error = parse_err(text);
    assert_eq!(error.kind, ScenarioErrorKind::Interpolation);
    let span = error.span().expect("the error has a span");
    assert_eq!(&text[span], "${env:NOT_SET_ANYWHERE}");
    assert_eq!((error.line, error.column), (1, 11));
}

#[test]
fn aliases_must_come_from_an_earlier_deliver() {
    let head = "name: n\nprovider: hemnet\nrule: r\nsource: s\nsteps:\n";
    let later = parse_err(&format!(
        "{head}  - redeliver: first\n  - deliver: {{ event: CONTACT.CREATE, as: first }}\n"
    ));
    assert_eq!(
        (later.kind, later.line, later.column),
        (ScenarioErrorKind::UndefinedAlias, 6, 16)
    );
    assert!(
        later.help().is_some_and(|help| help.contains("line 7")),
        "{later:?}"
    );
    let twice = parse_err(&format!(
        "{head}  - deliver: {{ event: CONTACT.CREATE, as: a }}\n  - deliver: {{ event: CONTACT.CREATE, as: a }}\n"
    ));
    assert_eq!(
        (twice.kind, twice.line),
        (ScenarioErrorKind::DuplicateAlias, 7)
    );
}

#[test]
fn an_unreadable_file_is_an_error_without_a_position() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("missing.yaml");
    let error = load_scenario(&path).expect_err("the file does not exist");
    assert_eq!(
        (error.kind, error.line, error.column, error.span()),
        (ScenarioErrorKind::Unreadable, 0, 0, None)
    );
}

#[test]
fn load_reads_the_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("ok.yaml");
    std::fs::write(
        &path,
        "name: n\nprovider: hemnet\nrule: r\nsource: s\nsteps:\n  - wait: 5m\n",
    )
    .expect("write scenario");
    assert_eq!(load_scenario(&path).expect("valid scenario").path, path);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for depth in [58, 100_000] {
        let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let text = format!(
            "name: n\nprovider: hemnet\nrule: r\nsource: s\nsteps:\n  - deliver: {{ event: CONTACT.CREATE, set: {{ data.x: {nested} }} }}\n"
        );
        let parsed = parse(&text);
        assert_eq!(parsed.is_ok(), depth == 58, "depth {depth}: {parsed:?}");
    }
}

/// A place in `text` and what to put there, for mutating a valid scenario.
#[derive(Debug, Clone)]
enum Mutation {
    Delete {
        at: prop::sample::Index,
        len: usize,
    },
    Insert {
        at: prop::sample::Index,
        text: String,
    },
    SwapLines {
        a: prop::sample::Index,
        b: prop::sample::Index,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 1usize..12)
            .prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<prop::sample::Index>(), "[ -~\\t\\nåé€]{1,8}")
            .prop_map(|(at, text)| Mutation::Insert { at, text }),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Mutation::SwapLines { a, b }),
    ]
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let chars: Vec<char> = text.chars().collect();
    match mutation {
        Mutation::Delete { at, len } => {
            let start = at.index(chars.len());
            let end = (start + len).min(chars.len());
            chars[..start].iter().chain(&chars[end..]).collect()
        }
        Mutation::Insert { at, text } => {
            let start = at.index(chars.len() + 1);
            chars[..start]
                .iter()
                .copied()
                .chain(text.chars())
                .chain(chars[start..].iter().copied())
                .collect()
        }
        Mutation::SwapLines { a, b } => {
            let mut lines: Vec<&str> = text.lines().collect();
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
            lines.join("\n")
        }
    }
}

fn check_error_points_inside(text: &str, error: &ScenarioError) -> Result<(), TestCaseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let span = error
        .span()
        .ok_or_else(|| TestCaseError::fail("parse errors have a span"))?;
    prop_assert!(
        span.end <= text.len()
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end)
    );
    prop_assert!(error.line >= 1 && error.column >= 1);
    let mut last = span.start;
    for further in error.further() {
        let span = further.span();
        prop_assert!(
            span.end <= text.len()
                && text.is_char_boundary(span.start)
                && text.is_char_boundary(span.end)
        );
        prop_assert!(further.line >= 1 && further.column >= 1);
        prop_assert!(span.start >= last, "further problems follow in file order");
        last = span.start;
    }
    prop_assert!(error.further().count() < crate::scenario::MAX_SHOWN);
    Ok(())
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        if let Err(error) = parse(&text) {
            check_error_points_inside(&text, &error)?;
        }
    }

    #[test]
    fn yaml_like_text_never_panics(text in "[a-z_:{}\\[\\],\\-\"' \\n\\t#&*!|>$.0-9]{0,160}") {
        if let Err(error) = parse(&text) {
            check_error_points_inside(&text, &error)?;
        }
    }

    #[test]
    fn mutations_of_a_valid_scenario_never_panic(mutations in prop::collection::vec(mutation(), 1..4)) {
        let text = mutations.iter().fold(FULL.to_owned(), |text, mutation| apply(&text, mutation));
        if let Err(error) = parse(&text) {
            check_error_points_inside(&text, &error)?;
        }
    }
}
