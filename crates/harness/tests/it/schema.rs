//! The JSON Schema `hooksim schema` prints and the scenario reader agree:
//! the valid fixtures (tests/fixtures/schema/valid) use every key the
//! schema names and no other, and read without a mistake; each typo
//! fixture (tests/fixtures/schema/typos) fails to read with the message its
//! first line names, and with as many mistakes as it says (one unless
//! `# errors: N`). That a real validator (check-jsonschema) accepts the
//! valid ones and rejects every typo is tests/e2e/schema.rs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hooksim_harness::scenario::{ScenarioError, parse_scenario_with_env};
use hooksim_harness::schema::scenario_schema;
use serde_json::Value;

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/schema")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

/// The keys an object schema names, through the forms of an `anyOf`.
fn properties(schema: &Value) -> Vec<(String, Value)> {
    let mut keys = Vec::new();
    if let Some(Value::Object(props)) = schema.get("properties") {
        keys.extend(props.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let Some(Value::Array(forms)) = schema.get("anyOf") {
        for form in forms {
            keys.extend(properties(form));
        }
    }
    keys
}

/// Every key the schema names, as a path: `seed`, `subscriptions[].name`,
/// `steps[].deliver.event`, `steps[].deliver.expect.status`.
fn schema_keys() -> BTreeSet<String> {
    let schema = scenario_schema();
    let mut keys = BTreeSet::new();
    for (key, _) in properties(&schema) {
        keys.insert(key);
    }
    for (key, _) in properties(&schema["properties"]["subscriptions"]["items"]) {
        keys.insert(format!("subscriptions[].{key}"));
    }
    let forms = schema["properties"]["steps"]["items"]["oneOf"]
        .as_array()
        .expect("steps are one of the step forms");
    for form in forms {
        let keyword = form["title"]
            .as_str()
            .expect("a step form has its keyword as title");
        for (key, value) in properties(form) {
            if key == keyword {
                keys.insert(format!("steps[].{keyword}"));
                for (inner, _) in properties(&value) {
                    keys.insert(format!("steps[].{keyword}.{inner}"));
                }
            } else {
                for (inner, _) in properties(&value) {
                    keys.insert(format!("steps[].{keyword}.{key}.{inner}"));
                }
            }
        }
    }
    keys
}

/// Every key a fixture uses, as [`schema_keys`] writes them.
fn fixture_keys(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).expect("a readable fixture");
    let doc: Value = serde_saphyr::from_str(&text).expect("a fixture is YAML");
    let mut keys = BTreeSet::new();
    let object = |v: &Value| v.as_object().cloned().unwrap_or_default();
    for (key, value) in object(&doc) {
        keys.insert(key.clone());
        match key.as_str() {
            "subscriptions" => {
                for sub in value.as_array().into_iter().flatten() {
                    keys.extend(object(sub).keys().map(|k| format!("subscriptions[].{k}")));
                }
            }
            "steps" => {
                for step in value.as_array().into_iter().flatten() {
                    let step = object(step);
                    let Some(keyword) = step.keys().find(|k| *k != "expect") else {
                        continue;
                    };
                    keys.insert(format!("steps[].{keyword}"));
                    keys.extend(
                        object(&step[keyword])
                            .keys()
                            .map(|k| format!("steps[].{keyword}.{k}")),
                    );
                    if let Some(expect) = step.get("expect") {
                        keys.extend(
                            object(expect)
                                .keys()
                                .map(|k| format!("steps[].{keyword}.expect.{k}")),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    keys
}

#[test]
fn the_valid_fixtures_use_every_key_the_schema_names_and_no_other() {
    let schema = schema_keys();
    let used: BTreeSet<String> = fixtures("valid")
        .iter()
        .flat_map(|f| fixture_keys(f))
        .collect();
    let unknown: Vec<&String> = used.difference(&schema).collect();
    let unused: Vec<&String> = schema.difference(&used).collect();
    assert!(
        unknown.is_empty(),
        "keys the fixtures use (and the reader accepts) that the schema lacks: {unknown:?}"
    );
    assert!(
        unused.is_empty(),
        "keys of the schema no valid fixture uses (add one to tests/fixtures/schema/valid): {unused:?}"
    );
}

/// Render as the CLI does, without colours.
fn render(error: &ScenarioError) -> String {
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(200)
        .render_report(&mut out, error)
        .expect("rendering into a String cannot fail");
    out
}

fn read(path: &Path) -> Result<hooksim_harness::scenario::Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).expect("a readable fixture");
    parse_scenario_with_env(path, &text, &|_| None)
}

#[test]
fn every_valid_fixture_reads() {
    for path in fixtures("valid") {
        if let Err(error) = read(&path) {
            panic!("{}: {}", path.display(), render(&error));
        }
    }
}

#[test]
fn every_typo_fixture_fails_to_read_as_its_first_lines_say() {
    for path in fixtures("typos") {
        let text = std::fs::read_to_string(&path).expect("a readable fixture");
        let mut lines = text.lines();
        let rejects = lines
            .next()
            .and_then(|line| line.strip_prefix("# rejects: "))
            .unwrap_or_else(|| panic!("{}: line 1 is not `# rejects: ...`", path.display()));
        let errors: usize = lines
            .next()
            .and_then(|line| line.strip_prefix("# errors: "))
            .map_or(1, |n| {
                n.trim().parse().expect("`# errors: N` holds a number")
            });
        match read(&path) {
            Ok(_) => panic!("{}: read without a mistake", path.display()),
            Err(error) => {
                let shown = render(&error);
                assert!(
                    shown.contains(rejects),
                    "{}: expected `{rejects}` in\n{shown}",
                    path.display()
                );
                assert_eq!(
                    1 + error.further().count(),
                    errors,
                    "{}: {shown}",
                    path.display()
                );
            }
        }
    }
}

/// The schema as an editor shows it, in part: the top level's keys with
/// their descriptions, and a Hemnet `deliver` step's form, whole.
#[test]
fn the_schema_reads_as_an_editor_shows_it() {
    let schema = scenario_schema();
    let mut shown = String::new();
    for (key, value) in properties(&schema) {
        let description = value["description"].as_str().unwrap_or("(none)");
        shown.push_str(&format!("{key}: {description}\n"));
    }
    let hemnet = schema["allOf"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|branch| branch["if"]["properties"]["provider"]["const"] == "hemnet")
        })
        .expect("a branch for hemnet");
    let deliver = hemnet["then"]["properties"]["steps"]["items"]["oneOf"]
        .as_array()
        .and_then(|forms| forms.iter().find(|form| form["title"] == "deliver"))
        .expect("hemnet has a deliver step");
    shown.push_str("\nhemnet's deliver step:\n");
    shown.push_str(&serde_json::to_string_pretty(deliver).expect("JSON"));
    insta::assert_snapshot!(shown);
}
