//! The GitHub Action (action.yml, composite): valid by GitHub's action
//! metadata schema, every input used, and its shell steps run the way the
//! runner runs them — the `cargo install` step aside, which a cache hit
//! skips; the binary under test plays the cached one — on a suite of
//! stand-in scenarios, with a partition and filters that hold spaces and
//! quotes. The README's workflow that uses it is a valid workflow.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{assert_check_jsonschema_accepts, hooksim, repo_root, stderr, stdout};

fn action() -> serde_json::Value {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).expect("action.yml");
    serde_saphyr::from_str(&text).expect("action.yml is YAML")
}

fn steps(action: &serde_json::Value) -> &[serde_json::Value] {
    action["runs"]["steps"].as_array().expect("runs.steps")
}

/// Every `inputs.NAME` an expression of `text` reads.
fn inputs_read(text: &str) -> Vec<String> {
    text.split("${{")
        .skip(1)
        .filter_map(|expression| expression.split_once("}}"))
        .flat_map(|(expression, _)| {
            expression
                .split("inputs.")
                .skip(1)
                .map(|rest| {
                    rest.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                        .collect()
                })
                .collect::<Vec<String>>()
        })
        .collect()
}

#[test]
fn action_yml_is_valid_action_metadata_whose_steps_use_every_input_and_call_the_scripts() {
    assert_check_jsonschema_accepts(
        &["--builtin-schema", "vendor.github-actions"],
        [repo_root().join("action.yml")],
    );
    let action = action();
    assert_eq!(action["runs"]["using"], "composite");
    let declared: BTreeSet<String> = action["inputs"]
        .as_object()
        .expect("inputs")
        .iter()
        .map(|(name, input)| {
            assert!(
                input["description"].is_string(),
                "{name} has no description"
            );
            assert!(input.get("default").is_some(), "{name} has no default");
            name.clone()
        })
        .collect();
    let read: BTreeSet<String> = steps(&action)
        .iter()
        .flat_map(|step| inputs_read(&step.to_string()))
        .collect();
    assert_eq!(read, declared, "inputs declared and inputs the steps read");

    let script = std::fs::read_to_string(repo_root().join(".github/action/run.sh"))
        .expect("the run step's script");
    for step in steps(&action) {
        let Some(run) = step["run"].as_str() else {
            continue;
        };
        // An expression in a script is pasted in before the shell reads it.
        assert!(!run.contains("${{"), "inputs reach scripts as env: {run}");
        assert_eq!(step["shell"], "bash", "{step}");
        for name in step["env"].as_object().into_iter().flatten().map(|e| e.0) {
            assert!(
                script.contains(&format!("${{{name}")),
                "run.sh reads {name}"
            );
        }
    }
    let run_step = step_with_id(&action, "run");
    assert_eq!(
        run_step["run"],
        r#"bash "$GITHUB_ACTION_PATH/.github/action/run.sh""#
    );
    assert!(
        step_with_id(&action, "source")["run"].as_str().is_some_and(
            |run| run.contains(r#"bash "$GITHUB_ACTION_PATH/.github/action/source-key.sh""#)
        )
    );
    // Installed from the action's own source into the folder the cache keeps.
    let install = steps(&action)
        .iter()
        .find(|s| s["if"] == "steps.cache.outputs.cache-hit != 'true'")
        .expect("an install step a cache hit skips");
    assert_eq!(
        install["run"],
        r#"cargo install --locked --path "$GITHUB_ACTION_PATH" --root "$HOME/.hooksim""#
    );
    assert_eq!(
        step_with_id(&action, "cache")["with"]["path"],
        "~/.hooksim/bin"
    );
    // The reports are uploaded when hooksim failed too.
    let upload = steps(&action)
        .iter()
        .find(|s| uses(s, "actions/upload-artifact"))
        .expect("an upload step");
    assert!(
        upload["if"]
            .as_str()
            .is_some_and(|c| c.starts_with("always()")),
        "{upload}"
    );
    for output in ["reports", "exit-code", "artifact-name"] {
        assert_eq!(
            action["outputs"][output]["value"],
            format!("${{{{ steps.run.outputs.{output} }}}}")
        );
    }
}

/// Whether `step` is `uses: ACTION@REF`, whatever the ref.
fn uses(step: &serde_json::Value, action: &str) -> bool {
    step["uses"]
        .as_str()
        .and_then(|u| u.split_once('@'))
        .is_some_and(|(name, _)| name == action)
}

fn step_with_id<'a>(action: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    steps(action)
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("a step with id {id}"))
}

const PASSES: &str = "name: A 200 acknowledges\nprovider: hemnet\nrule: hemnet/action-passes\nsource: https://integration.testhemnet.se/webhook/documentation § Retries\ntarget: stand-in:status/200\nsteps:\n  - deliver: CONTACT.CREATE\n    expect: { acknowledged: true }\n";
const FAILS: &str = "name: A 500 is not an acknowledgement\nprovider: hemnet\nrule: hemnet/action-fails\nsource: https://integration.testhemnet.se/webhook/documentation § Retries\ntarget: stand-in:status/500\nsteps:\n  - deliver: { event: CONTACT.CREATE, max_attempts: 1 }\n    expect: { acknowledged: true }\n";
const QUOTED: &str = "name: 'Tom''s \"quoted\" delivery'\nprovider: hemnet\nrule: hemnet/action-quoted\nsource: https://integration.testhemnet.se/webhook/documentation § Retries\ntarget: stand-in:status/200\nsteps:\n  - deliver: CONTACT.CREATE\n    expect: { acknowledged: true }\n";
const EXCLUDED: &str = "name: Another 200 acknowledges\nprovider: hemnet\nrule: hemnet/action-excluded\nsource: https://integration.testhemnet.se/webhook/documentation § Retries\ntarget: stand-in:status/500\nsteps:\n  - deliver: { event: CONTACT.CREATE, max_attempts: 1 }\n    expect: { acknowledged: true }\n";
const UNMATCHED: &str = "name: Matched by no filter\nprovider: everreal\nrule: everreal/action-unmatched\nsource: https://api-docs.everreal.co/webhooks § Webhooks\ntarget: stand-in:status/500\nsteps:\n  - deliver: OWNER_CREATED\n    expect: { status: 200 }\n";

/// The filters of the run below: the second holds a space, quotes and an
/// apostrophe, the third (an exclusion) a space.
const FILTERS: [&str; 3] = [
    "name:acknowledge",
    "name:Tom's \"quoted\" delivery",
    "!name:Another 200",
];

/// The scenarios in `dir/scenarios`: three the filters take (one fails),
/// two they leave out (both would fail).
fn suite(dir: &Path) {
    crate::write_scenarios(
        dir,
        &[
            ("hemnet/a-passes.yaml", PASSES),
            ("hemnet/b-fails.yaml", FAILS),
            ("hemnet/c-quoted.yaml", QUOTED),
            ("hemnet/d-excluded.yaml", EXCLUDED),
            ("everreal/e-unmatched.yaml", UNMATCHED),
        ],
    );
    std::fs::create_dir_all(dir.join("ci config")).expect("mkdir");
    std::fs::write(dir.join("ci config/hooksim.toml"), "strict = false\n").expect("write");
}

/// What the action's steps did.
#[derive(Debug)]
struct ActionRun {
    /// The exit code of the last step that ran.
    code: Option<i32>,
    printed: String,
    /// Each step's outputs, by step id.
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    /// The arguments hooksim was started with, if it was.
    argv: Option<Vec<String>>,
    summary: String,
}

/// The action's shell steps with `given` inputs (the rest at their
/// defaults) in the workspace `dir`, as the runner runs them: each step's
/// env with `${{ inputs.NAME }}` filled in, `bash --noprofile --norc -eo
/// pipefail` on the script, GITHUB_OUTPUT and GITHUB_PATH read after each
/// step, none after a failed one. The `uses:` steps (cache, upload) are
/// GitHub's own; the install step is skipped as on a cache hit, the binary
/// under test standing in for the cached one, behind a wrapper that records
/// its arguments.
fn run_action(dir: &Path, given: &[(&str, &str)]) -> ActionRun {
    let action = action();
    let mut inputs: BTreeMap<String, String> = action["inputs"]
        .as_object()
        .expect("inputs")
        .iter()
        .map(|(name, input)| {
            let default = input["default"].as_str().expect("a string default");
            (name.clone(), default.to_owned())
        })
        .collect();
    for (name, value) in given {
        assert!(inputs.contains_key(*name), "action.yml has no input {name}");
        inputs.insert((*name).to_owned(), (*value).to_owned());
    }
    let runner = tempfile::tempdir().expect("temp dir");
    let home = runner.path().join("home");
    let wrapper = runner.path().join("bin");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::fs::create_dir_all(&wrapper).expect("mkdir");
    let argv_file = runner.path().join("argv");
    let binary = Path::new(env!("CARGO_BIN_EXE_hooksim"));
    std::fs::write(
        wrapper.join("hooksim"),
        format!(
            "#!/bin/sh\nprintf '%s\\0' \"$@\" > '{}'\nexec '{}' \"$@\"\n",
            argv_file.display(),
            binary.display()
        ),
    )
    .expect("write the wrapper");
    make_executable(&wrapper.join("hooksim"));
    let summary = runner.path().join("summary.md");
    let mut path = vec![
        wrapper,
        binary.parent().expect("a folder").to_owned(),
        PathBuf::from("/usr/local/bin"),
        PathBuf::from("/usr/bin"),
        PathBuf::from("/bin"),
    ];
    let mut run = ActionRun {
        code: None,
        printed: String::new(),
        outputs: BTreeMap::new(),
        argv: None,
        summary: String::new(),
    };
    for (index, step) in steps(&action).iter().enumerate() {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        match step["if"].as_str() {
            None => {}
            Some("steps.cache.outputs.cache-hit != 'true'") => continue,
            Some(condition) => panic!("a condition this test does not play: {condition}"),
        }
        let script_file = runner.path().join(format!("step-{index}.sh"));
        std::fs::write(&script_file, script).expect("write the step");
        let output_file = runner.path().join(format!("output-{index}"));
        let path_file = runner.path().join(format!("path-{index}"));
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::join_paths(&path).expect("a PATH"))
            .env("HOME", &home)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", repo_root())
            .env("GITHUB_WORKSPACE", dir)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &path_file)
            .env("GITHUB_STEP_SUMMARY", &summary);
        for (name, value) in step["env"].as_object().into_iter().flatten() {
            command.env(name, fill_in(value.as_str().expect("a string"), &inputs));
        }
        let output = command.output().expect("bash runs");
        run.printed += &stdout(&output);
        run.printed += &stderr(&output);
        run.code = output.status.code();
        if let Some(id) = step["id"].as_str() {
            let written = std::fs::read_to_string(&output_file).unwrap_or_default();
            let outputs = written
                .lines()
                .map(|line| {
                    let (key, value) = line.split_once('=').expect("KEY=VALUE");
                    (key.to_owned(), value.to_owned())
                })
                .collect();
            run.outputs.insert(id.to_owned(), outputs);
        }
        // The runner puts GITHUB_PATH's folders first for the later steps.
        let added = std::fs::read_to_string(&path_file).unwrap_or_default();
        for folder in added.lines() {
            path.insert(0, PathBuf::from(folder));
        }
        if !output.status.success() {
            break;
        }
    }
    run.argv = std::fs::read(&argv_file).ok().map(|bytes| {
        bytes
            .split(|b| *b == 0)
            .filter(|word| !word.is_empty())
            .map(|word| String::from_utf8(word.to_vec()).expect("UTF-8"))
            .collect()
    });
    run.summary = std::fs::read_to_string(&summary).unwrap_or_default();
    run
}

/// `value` with each `${{ inputs.NAME }}` replaced by the input's value;
/// any other expression is one this test cannot play.
fn fill_in(value: &str, inputs: &BTreeMap<String, String>) -> String {
    let mut filled = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        filled += &rest[..start];
        let (expression, after) = rest[start + 3..].split_once("}}").expect("a closed ${{");
        let name = expression
            .trim()
            .strip_prefix("inputs.")
            .unwrap_or_else(|| panic!("an expression this test cannot play: {expression}"));
        filled += &inputs[name];
        rest = after;
    }
    filled + rest
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// The rules `hooksim list` takes in `dir` with these arguments.
fn listed(dir: &Path, args: &[&str]) -> BTreeSet<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_hooksim"))
        .arg("list")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("hooksim list runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stdout(&output)
        .lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        .filter(|rule| rule.contains('/'))
        .map(str::to_owned)
        .collect()
}

/// The testcases of a JUnit report, by name (the scenario's rule).
fn junit_testcases(xml: &str) -> BTreeSet<String> {
    xml.split("<testcase name=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().expect("a name").to_owned())
        .collect()
}

#[test]
fn the_run_steps_pass_each_input_as_written_and_hand_on_hooksim_s_reports_and_exit_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    suite(dir.path());
    let filters = FILTERS.map(|f| format!("--filter={f}"));
    let everything: Vec<&str> = filters.iter().map(String::as_str).collect();
    let taken = listed(dir.path(), &everything);
    let expected: BTreeSet<String> = [
        "hemnet/action-passes",
        "hemnet/action-fails",
        "hemnet/action-quoted",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(taken, expected);
    let filter_input = format!("{}\n  {}  \n\n{}\n", FILTERS[0], FILTERS[1], FILTERS[2]);
    let mut shards = Vec::new();
    for partition in ["1/2", "2/2"] {
        let run = run_action(
            dir.path(),
            &[
                ("scenarios", "scenarios/hemnet\n  scenarios/everreal\n"),
                ("config", "ci config/hooksim.toml"),
                (
                    "targets",
                    "hemnet=http://127.0.0.1:9/hemnet\neverreal=http://127.0.0.1:9/everreal\n",
                ),
                ("filter", &filter_input),
                ("partition", partition),
                ("args", r#"--jobs 1 --set "hemnet.secret=two words""#),
                ("reports", "out/hooksim reports"),
            ],
        );
        let argv = run.argv.clone().expect("hooksim ran");
        let reports = "out/hooksim reports";
        let expected_argv: Vec<String> = [
            "run",
            "--format=github",
            &format!("--junit={reports}/junit.xml"),
            &format!("--html={reports}/report.html"),
            &format!("--json={reports}/report.json"),
            "--config=ci config/hooksim.toml",
            "--target=hemnet=http://127.0.0.1:9/hemnet",
            "--target=everreal=http://127.0.0.1:9/everreal",
            &filters[0],
            &filters[1],
            &filters[2],
            &format!("--partition={partition}"),
            "--jobs",
            "1",
            "--set",
            "hemnet.secret=two words",
            "--",
            "scenarios/hemnet",
            "scenarios/everreal",
        ]
        .map(str::to_owned)
        .into();
        assert_eq!(argv, expected_argv, "{}", run.printed);

        // The shard's scenarios, as `hooksim list` takes them, and no others ran.
        let shard = listed(
            dir.path(),
            &[&everything[..], &[&format!("--partition={partition}")]].concat(),
        );
        let report_dir = dir.path().join(reports);
        let junit = std::fs::read_to_string(report_dir.join("junit.xml")).expect("junit.xml");
        assert_eq!(junit_testcases(&junit), shard, "{junit}");
        let html = std::fs::read_to_string(report_dir.join("report.html")).expect("report.html");
        assert!(html.starts_with("<!doctype html>"));
        assert!(shard.iter().all(|rule| html.contains(rule.as_str())));
        assert!(report_dir.join("report.json").is_file());
        assert!(run.summary.starts_with("## hooksim: "), "{}", run.summary);

        // A failing scenario fails the step with hooksim's own code.
        let fails = shard.contains("hemnet/action-fails");
        let code = if fails { 1 } else { 0 };
        assert_eq!(run.code, Some(code), "{}", run.printed);
        let outputs = &run.outputs["run"];
        assert_eq!(outputs["exit-code"], code.to_string());
        assert_eq!(outputs["reports"], reports);
        let shard_name = partition.replace('/', "-of-");
        assert_eq!(
            outputs["artifact-name"],
            format!("hooksim-reports-{shard_name}")
        );
        assert_eq!(
            run.printed
                .lines()
                .any(|l| l.starts_with("::error file=scenarios/hemnet/b-fails.yaml,")),
            fails,
            "{}",
            run.printed
        );
        let key = &run.outputs["source"]["key"];
        assert!(
            key.len() == 64 && key.chars().all(|c| c.is_ascii_hexdigit()),
            "{key}"
        );
        std::fs::remove_dir_all(&report_dir).expect("clear the reports");
        shards.push((shard, key.clone()));
    }
    // The partition split the filtered scenarios in two, each taken once.
    let (first, second) = (&shards[0].0, &shards[1].0);
    assert!(!first.is_empty() && !second.is_empty(), "{shards:?}");
    assert!(first.is_disjoint(second));
    assert_eq!(&(first | second), &expected);
    // One source, one cache key.
    assert_eq!(shards[0].1, shards[1].1);
}

#[test]
fn with_every_input_at_its_default_the_run_is_hooksim_s_own_and_a_bad_input_is_said() {
    let dir = tempfile::tempdir().expect("temp dir");
    suite(dir.path());
    let run = run_action(dir.path(), &[]);
    assert_eq!(
        run.argv.as_deref(),
        Some(
            &[
                "run",
                "--format=github",
                "--junit=hooksim-reports/junit.xml",
                "--html=hooksim-reports/report.html",
                "--json=hooksim-reports/report.json",
                "--",
            ]
            .map(str::to_owned)[..]
        ),
        "{}",
        run.printed
    );
    // ./scenarios, every one of them: the failing ones fail the step.
    assert_eq!(run.code, Some(1), "{}", run.printed);
    assert!(
        run.printed.contains("2 passed, 3 failed, 0 skipped"),
        "{}",
        run.printed
    );
    assert_eq!(run.outputs["run"]["artifact-name"], "hooksim-reports");
    let junit =
        std::fs::read_to_string(dir.path().join("hooksim-reports/junit.xml")).expect("junit.xml");
    assert_eq!(junit_testcases(&junit).len(), 5);

    // Words that do not split: said as an annotation, and hooksim never starts.
    let run = run_action(dir.path(), &[("args", "--set 'hemnet.secret=unclosed")]);
    assert_eq!(run.code, Some(2), "{}", run.printed);
    assert!(run.argv.is_none());
    assert!(
        run.printed
            .contains("::error title=hooksim action::the args input does not split into words"),
        "{}",
        run.printed
    );
    // A partition hooksim refuses is its bad input (exit 2), handed on.
    let run = run_action(dir.path(), &[("partition", "4/3")]);
    assert_eq!(run.code, Some(2), "{}", run.printed);
    assert_eq!(run.outputs["run"]["exit-code"], "2");
    assert!(run.printed.contains("--partition 4/3"), "{}", run.printed);
}

/// The first ```yaml block of the README's "In GitHub Actions" section.
fn readme_workflow() -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let section = readme
        .split_once("\n## In GitHub Actions\n")
        .expect("the README's section")
        .1;
    let block = section.split_once("```yaml\n").expect("a yaml block").1;
    block
        .split_once("```")
        .expect("a closed block")
        .0
        .to_owned()
}

#[test]
fn the_readme_s_workflow_is_a_valid_workflow_that_shards_over_the_action_s_inputs() {
    let text = readme_workflow();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("webhooks.yml");
    std::fs::write(&file, &text).expect("write");
    assert_check_jsonschema_accepts(&["--builtin-schema", "vendor.github-workflows"], [&file]);
    let workflow: serde_json::Value = serde_saphyr::from_str(&text).expect("YAML");
    let job = &workflow["jobs"]["hooksim"];
    assert_eq!(
        job["strategy"]["matrix"]["partition"],
        serde_json::json!(["1/3", "2/3", "3/3"])
    );
    let steps = job["steps"].as_array().expect("steps");
    let the_action = steps
        .iter()
        .position(|s| uses(s, "hooksim/hooksim"))
        .expect("a step that uses the action");
    assert!(
        steps[..the_action].iter().any(|s| s["run"].is_string()),
        "the receiver starts first"
    );
    let with = steps[the_action]["with"].as_object().expect("with");
    assert_eq!(with["partition"], "${{ matrix.partition }}");
    let action = action();
    for name in with.keys() {
        assert!(action["inputs"].get(name).is_some(), "no input {name}");
    }
    // Its filters and targets are what hooksim takes.
    let filters: Vec<String> = with["filter"]
        .as_str()
        .expect("filter")
        .lines()
        .map(|f| format!("--filter={}", f.trim()))
        .collect();
    let mut args = vec!["builtin:".to_owned()];
    args.extend(filters);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let listed = hooksim(&[&["list"][..], &args].concat());
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    for target in with["targets"].as_str().expect("targets").lines() {
        let output = hooksim(&["config", "--target", target.trim(), "builtin:hemnet"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
}
