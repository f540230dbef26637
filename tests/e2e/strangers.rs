//! The built-in suites against receivers hooksim did not write: plain
//! programs in `tests/strangers/`, written the way customers write them
//! (Flask with sqlite, Express, Python's standard library), each with its own
//! routes, its own allowed 2xx, its own store, configured at start-up, and
//! no endpoint of hooksim's. A correct one passes its provider's suite with
//! only `--target` (and the secret): skips allowed, each naming its setting,
//! on a first run and on a second against the same process. Given the
//! settings, the skipped scenarios run and pass; the deliberate mistakes of
//! the same programs fail by name.
//!
//! The programs need Flask (PyPI) and Express (npm): `bash
//! tests/strangers/install.sh` installs both, as `.ci/run` does.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::receivers::{failed_rules, free_port, summary};
use crate::{hooksim, repo_root, stderr, stdout};

const ADMIN_TOKEN: &str = "stranger-admin-token";
const HEMNET_KEY: &str = "stranger-hemnet-key";
const ATLAS_SECRET: &str = "stranger-atlas-secret";

/// The credentials hooksim's provider APIs accept (docs/receivers.md).
const API_TOKEN: &str = "hooksim-api-token";
const API_CLIENT_ID: &str = "hooksim-client";
const API_CLIENT_SECRET: &str = "hooksim-client-secret";

/// A stranger receiver running as its own process; killed when dropped.
struct Stranger {
    child: Child,
    base: String,
}

impl Drop for Stranger {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Which program, and how it is started.
enum Program {
    Flask,
    Express,
    Stdlib,
}

impl Program {
    fn command(&self) -> Command {
        let root = repo_root();
        let (runtime, script): (PathBuf, PathBuf) = match self {
            Self::Flask => (
                root.join("target/strangers/venv/bin/python"),
                root.join("tests/strangers/flask_receiver.py"),
            ),
            Self::Express => (
                PathBuf::from("node"),
                root.join("tests/strangers/node/express_receiver.js"),
            ),
            Self::Stdlib => (
                PathBuf::from("python3"),
                root.join("tests/strangers/stdlib_receiver.py"),
            ),
        };
        let installed = match self {
            Self::Flask => runtime.exists(),
            Self::Express => root
                .join("tests/strangers/node/node_modules/express")
                .exists(),
            Self::Stdlib => true,
        };
        assert!(
            installed,
            "the stranger receivers need Flask and Express: run `bash tests/strangers/install.sh` first"
        );
        let mut command = Command::new(runtime);
        command.arg(script);
        command
    }
}

/// Start `program` with `env`, and wait for its `listening on` line.
fn start(program: Program, env: &[(&str, String)]) -> Stranger {
    let port = free_port();
    let mut command = program.command();
    command
        .env("PORT", port.to_string())
        .env("ADMIN_TOKEN", ADMIN_TOKEN)
        .env("ADMIN_KEY", ADMIN_TOKEN)
        .env("NO_PROXY", "127.0.0.1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("the stranger receiver starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (ready, listening) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("listening on") {
                let _ = ready.send(());
            }
        }
    });
    let stranger = Stranger {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    listening
        .recv_timeout(Duration::from_secs(20))
        .expect("the stranger receiver says it is listening within 20 s");
    stranger
}

/// `hooksim run ARGS...`: exit code and console output (stderr appended).
fn run(args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["run"];
    all.extend(args);
    let output = hooksim(&all);
    (
        output.status.code(),
        format!("{}\n{}", stdout(&output), stderr(&output)),
    )
}

/// The rules of the `SKIP rule  (needs SETTING)` lines, with their setting.
fn skipped(out: &str) -> Vec<(String, String)> {
    out.lines()
        .filter_map(|l| l.strip_prefix("SKIP "))
        .filter_map(|l| {
            let rule = l.split_whitespace().next()?;
            let setting = l.split("(needs ").nth(1)?.split(')').next()?;
            Some((rule.trim_end_matches(':').to_owned(), setting.to_owned()))
        })
        .collect()
}

/// No failure, and every skip names a setting with an example.
fn assert_passes(code: Option<i32>, out: &str) -> (usize, usize) {
    let (passed, failed, skipped_count) = summary(out);
    assert_eq!((code, failed), (Some(0), 0), "{out}");
    for (rule, setting) in skipped(out) {
        assert!(
            out.contains(&format!("skipped: needs {setting} ("))
                && out.contains("; for example: --set "),
            "{rule} is skipped without naming {setting} and an example:\n{out}"
        );
    }
    (passed, skipped_count)
}

/// A free address for the provider APIs (`--api-addr`) and the base URL a
/// receiver of `provider` is started with there.
fn provider_api(provider: &str) -> (String, String) {
    let addr = format!("127.0.0.1:{}", free_port());
    (format!("http://{addr}/{provider}"), addr)
}

fn setting(provider: &str, name: &str, value: &str) -> String {
    format!("{provider}.{name}={value}")
}

/// `SUITE --target TARGET --set S...`.
fn with_settings<'a>(suite: &'a str, target: &'a str, settings: &'a [String]) -> Vec<&'a str> {
    let mut args = vec![suite, "--target", target];
    for s in settings {
        args.extend(["--set", s.as_str()]);
    }
    args
}

/// The same against a receiver started with the provider APIs at `api_addr`.
fn with_api<'a>(
    suite: &'a str,
    target: &'a str,
    api_addr: &'a str,
    settings: &'a [String],
) -> Vec<&'a str> {
    let mut args = with_settings(suite, target, settings);
    args.extend(["--api-addr", api_addr]);
    args
}

/// Run a suite against one stranger twice with the same arguments (the
/// second run meets what the first left in its store), keeping snapshots in
/// a folder of the team's own: both runs pass with the same counts, the
/// first writes every transcript as new, and once those are accepted the
/// second matches every one of them.
fn passes_twice(args: &[&str]) -> (usize, usize, String) {
    let snapshots = tempfile::tempdir().expect("temp dir");
    let dir = snapshots.path().to_str().expect("utf-8");
    let mut args = args.to_vec();
    args.extend(["--snapshot-dir", dir]);
    let (code, first) = run(&args);
    let counts = assert_passes(code, &first);
    let accepted = hooksim(&["snapshots", "accept", "--dir", dir]);
    assert_eq!(accepted.status.code(), Some(0), "{}", stderr(&accepted));
    let (code, second) = run(&args);
    assert_eq!(
        assert_passes(code, &second),
        counts,
        "{first}\n---\n{second}"
    );
    assert!(
        !second.contains("SNAPSHOT "),
        "the second run's transcripts differ from the first's:\n{second}"
    );
    (counts.0, counts.1, first)
}

fn hemnet_keys() -> Vec<(&'static str, String)> {
    vec![("HEMNET_WEBHOOK_KEYS", HEMNET_KEY.to_owned())]
}

#[test]
fn a_flask_hemnet_receiver_passes_with_only_its_target_and_key_and_skips_its_lookup() {
    let flask = start(Program::Flask, &hemnet_keys());
    let target = format!("hemnet={}/webhooks/hemnet-leads", flask.base);
    let secret = setting("hemnet", "secret", HEMNET_KEY);
    let args = [
        "scenarios/hemnet",
        "--target",
        target.as_str(),
        "--set",
        secret.as_str(),
    ];
    // Without a snapshot folder of the team's, nothing is compared.
    let (code, out) = run(&args);
    assert_passes(code, &out);
    assert!(out.contains("transcript(s) not compared"), "{out}");
    let (_, skips, out) = passes_twice(&args);
    assert_eq!(skips, 1, "{out}");
    assert_eq!(
        skipped(&out),
        [(
            "hemnet/duplicate-stored-once".to_owned(),
            "hemnet.contact_lookup".to_owned()
        )],
        "{out}"
    );
    assert!(
        out.contains("--set hemnet.contact_lookup=/api/leads?contact_id={id}"),
        "{out}"
    );
}

fn hemnet_lookup_settings() -> Vec<String> {
    vec![
        setting("hemnet", "secret", HEMNET_KEY),
        setting("hemnet", "contact_lookup", "/api/leads?contact_id={id}"),
        setting("hemnet", "contact_lookup_count", "total"),
        setting(
            "hemnet",
            "admin_header",
            &format!("Authorization: Bearer {ADMIN_TOKEN}"),
        ),
    ]
}

#[test]
fn given_its_lookup_the_flask_hemnet_receiver_runs_every_scenario_twice_with_the_same_snapshots() {
    let flask = start(Program::Flask, &hemnet_keys());
    let target = format!("hemnet={}/webhooks/hemnet-leads", flask.base);
    let settings = hemnet_lookup_settings();
    let snapshots = tempfile::tempdir().expect("temp dir");
    let dir = snapshots.path().to_str().expect("utf-8");
    let mut args = with_settings("scenarios/hemnet", &target, &settings);
    args.extend(["--snapshot-dir", dir]);
    // First run: the team's own snapshot folder is empty, so every
    // transcript is new, pending review, and nothing fails for it.
    let (code, first) = run(&args);
    assert_eq!(assert_passes(code, &first), (17, 0), "{first}");
    assert!(
        first.contains("PASS hemnet/duplicate-stored-once"),
        "{first}"
    );
    assert!(first.contains("new, no accepted snapshot yet"), "{first}");
    let accepted = hooksim(&["snapshots", "accept", "--dir", dir]);
    assert_eq!(accepted.status.code(), Some(0), "{}", stderr(&accepted));
    // Second run against the same process: ids are new, transcripts the same.
    let (code, second) = run(&args);
    assert_eq!(assert_passes(code, &second), (17, 0), "{second}");
    assert!(!second.contains("SNAPSHOT "), "{second}");
    let check = hooksim(&[
        "snapshots",
        "--check",
        "--dir",
        dir,
        "--scenarios",
        "scenarios/hemnet",
    ]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    let transcript =
        std::fs::read_to_string(snapshots.path().join("hemnet/duplicate-stored-once.snap"))
            .expect("the accepted snapshot");
    // The transcript shows the path really asked, expanded, with the seeded id.
    assert!(
        transcript.contains("POST /webhooks/hemnet-leads")
            && transcript.contains("probe GET /api/leads?contact_id=")
            && !transcript.contains("{{"),
        "{transcript}"
    );
}

#[test]
fn a_flask_hemnet_receiver_that_stores_duplicates_fails_stored_once_by_name() {
    let mut env = hemnet_keys();
    env.push(("HEMNET_STORE_DUPLICATES", "1".to_owned()));
    let flask = start(Program::Flask, &env);
    let target = format!("hemnet={}/webhooks/hemnet-leads", flask.base);
    let settings = hemnet_lookup_settings();
    let args = with_settings("scenarios/hemnet", &target, &settings);
    let (code, out) = run(&args);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        crate::receivers::rules(&["hemnet/duplicate-stored-once"]),
        "{out}"
    );
    assert!(out.contains("expected count: 1, got 2"), "{out}");
    assert!(
        out.contains(
            "rule source: https://integration.testhemnet.se/webhook/documentation § Idempotency\n  basis: documented"
        ),
        "{out}"
    );
}

fn atlas_env(api: &str, secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ATLAS_API_BASE", api.to_owned()),
        ("ATLAS_API_KEY", API_CLIENT_ID.to_owned()),
        ("ATLAS_API_SECRET", API_CLIENT_SECRET.to_owned()),
        ("ATLAS_WEBHOOK_SECRET", secret.to_owned()),
    ]
}

#[test]
fn a_flask_atlas_receiver_answering_204_passes_and_given_its_settings_runs_everything() {
    let (api, api_addr) = provider_api("propertyfinder-atlas");
    let flask = start(Program::Flask, &atlas_env(&api, ATLAS_SECRET));
    let target = format!("propertyfinder-atlas={}/webhooks/atlas", flask.base);
    let secret = setting("propertyfinder-atlas", "secret", ATLAS_SECRET);
    let (_, skips, out) = passes_twice(&[
        "scenarios/propertyfinder-atlas",
        "--target",
        &target,
        "--set",
        &secret,
    ]);
    let settings_named: std::collections::BTreeSet<String> =
        skipped(&out).into_iter().map(|(_, s)| s).collect();
    assert_eq!(
        settings_named,
        [
            "propertyfinder-atlas.api",
            "propertyfinder-atlas.unsigned_target"
        ]
        .into_iter()
        .map(str::to_owned)
        .collect(),
        "{out}"
    );
    assert_eq!(skips, 7, "{out}");
    // Given the settings, nothing is skipped and nothing fails.
    let settings = vec![
        secret.clone(),
        setting("propertyfinder-atlas", "api", &api),
        setting(
            "propertyfinder-atlas",
            "register",
            "POST /admin/atlas/subscribe",
        ),
        setting(
            "propertyfinder-atlas",
            "unregister",
            "POST /admin/atlas/unsubscribe",
        ),
        setting(
            "propertyfinder-atlas",
            "unsigned_target",
            &format!("{}/webhooks/atlas-analytics", flask.base),
        ),
        setting(
            "propertyfinder-atlas",
            "admin_header",
            &format!("Authorization: Bearer {ADMIN_TOKEN}"),
        ),
    ];
    let args = with_api(
        "scenarios/propertyfinder-atlas",
        &target,
        &api_addr,
        &settings,
    );
    let (passed, skips, out) = passes_twice(&args);
    assert_eq!((passed, skips), (25, 0), "{out}");
}

#[test]
fn an_unsigned_flask_atlas_receiver_skips_the_forgeries_it_cannot_tell() {
    let flask = start(Program::Flask, &atlas_env("http://127.0.0.1:9/none", ""));
    let analytics = format!("{}/webhooks/atlas-analytics", flask.base);
    let target = format!("propertyfinder-atlas={analytics}");
    let secret = setting("propertyfinder-atlas", "secret", "");
    let unsigned = setting("propertyfinder-atlas", "unsigned_target", &analytics);
    let (code, out) = run(&[
        "scenarios/propertyfinder-atlas",
        "--target",
        &target,
        "--set",
        &secret,
        "--set",
        &unsigned,
    ]);
    assert_passes(code, &out);
    let forgeries: Vec<String> = skipped(&out)
        .into_iter()
        .filter(|(_, setting)| setting == "propertyfinder-atlas.secret")
        .map(|(rule, _)| rule)
        .collect();
    assert_eq!(forgeries.len(), 4, "{out}");
    assert!(
        out.contains("PASS propertyfinder-atlas/unsigned-subscription"),
        "{out}"
    );
}

fn spark_env(api: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SPARK_API_BASE", api.to_owned()),
        ("SPARK_ACCESS_TOKEN", API_TOKEN.to_owned()),
        ("PF_API_BASE", api.replace("/spark", "/propertyfinder")),
        // hooksim serves PF Expert's token endpoint beside its API.
        ("PF_AUTH_BASE", api.replace("/spark", "/propertyfinder")),
        ("PF_API_KEY", API_CLIENT_ID.to_owned()),
        ("PF_API_SECRET", API_CLIENT_SECRET.to_owned()),
    ]
}

fn spark_settings(api: &str) -> Vec<String> {
    vec![
        setting("spark", "api", api),
        setting("spark", "register", "POST /admin/spark/webhook"),
        setting(
            "spark",
            "admin_header",
            &format!("X-Admin-Key: {ADMIN_TOKEN}"),
        ),
    ]
}

#[test]
fn an_express_spark_receiver_answering_204_passes_and_given_its_settings_runs_everything() {
    let (api, api_addr) = provider_api("spark");
    let express = start(Program::Express, &spark_env(&api));
    let target = format!("spark={}/integrations/spark/newsfeed", express.base);
    let (passed, skips, out) = passes_twice(&["scenarios/spark", "--target", &target]);
    assert_eq!((passed, skips), (15, 3), "{out}");
    assert!(
        skipped(&out)
            .iter()
            .all(|(_, setting)| setting == "spark.api"),
        "{out}"
    );
    let settings = spark_settings(&api);
    let args = with_api("scenarios/spark", &target, &api_addr, &settings);
    let (passed, skips, out) = passes_twice(&args);
    assert_eq!((passed, skips), (18, 0), "{out}");
}

#[test]
fn an_express_spark_receiver_that_registers_without_active_fails_with_the_reason() {
    let (api, api_addr) = provider_api("spark");
    let mut env = spark_env(&api);
    env.push(("SPARK_FORGET_ACTIVE", "1".to_owned()));
    let express = start(Program::Express, &env);
    let target = format!("spark={}/integrations/spark/newsfeed", express.base);
    let settings = spark_settings(&api);
    let args = with_api("scenarios/spark", &target, &api_addr, &settings);
    let (code, out) = run(&args);
    assert_eq!(code, Some(1), "{out}");
    // Asked again (spark/api-uri-unique), it finds its inactive webhook and
    // makes it active: only the first registration's mistake shows.
    assert_eq!(
        failed_rules(&out),
        crate::receivers::rules(&["spark/api-registered-webhook-receives"]),
        "{out}"
    );
    assert!(out.contains("are all inactive"), "{out}");
    assert!(out.contains("unless `\"Active\": true` is sent"), "{out}");
}

#[test]
fn an_express_pf_expert_receiver_passes_and_given_its_settings_runs_everything() {
    let (api, api_addr) = provider_api("spark");
    let express = start(Program::Express, &spark_env(&api));
    let target = format!("propertyfinder={}/crm/propertyfinder/hooks", express.base);
    let (_, skips, out) = passes_twice(&["scenarios/propertyfinder", "--target", &target]);
    assert_eq!(skips, 4, "{out}");
    let pf_api = api.replace("/spark", "/propertyfinder");
    let settings = vec![
        setting("propertyfinder", "api", &pf_api),
        setting(
            "propertyfinder",
            "register",
            "POST /admin/propertyfinder/hooks",
        ),
        setting(
            "propertyfinder",
            "unregister",
            "DELETE /admin/propertyfinder/hooks",
        ),
        setting(
            "propertyfinder",
            "admin_header",
            &format!("X-Admin-Key: {ADMIN_TOKEN}"),
        ),
    ];
    let args = with_api("scenarios/propertyfinder", &target, &api_addr, &settings);
    let (passed, skips, out) = passes_twice(&args);
    assert_eq!((passed, skips), (14, 0), "{out}");
}

fn flow_env(api: &str) -> Vec<(&'static str, String)> {
    vec![
        ("FLOW_API_BASE", api.to_owned()),
        ("FLOW_CLIENT_ID", API_CLIENT_ID.to_owned()),
        ("FLOW_CLIENT_SECRET", API_CLIENT_SECRET.to_owned()),
        ("EVERREAL_API_BASE", api.replace("/flow", "/everreal")),
        ("EVERREAL_TOKEN", API_TOKEN.to_owned()),
    ]
}

#[test]
fn a_stdlib_flow_receiver_answering_202_passes_and_given_its_api_reads_back() {
    let (api, api_addr) = provider_api("flow");
    let stdlib = start(Program::Stdlib, &flow_env(&api));
    let target = format!("flow={}/api/flow/events", stdlib.base);
    let (_, skips, out) = passes_twice(&["scenarios/flow", "--target", &target]);
    assert_eq!(skips, 9, "{out}");
    let api_setting = setting("flow", "api", &api);
    let args = [
        "scenarios/flow",
        "--target",
        &target,
        "--api-addr",
        &api_addr,
        "--set",
        &api_setting,
    ];
    let (passed, skips, out) = passes_twice(&args);
    assert_eq!((passed, skips), (22, 0), "{out}");
}

#[test]
fn a_stdlib_flow_receiver_that_never_reads_back_fails_the_callback_rules() {
    let (api, api_addr) = provider_api("flow");
    let mut env = flow_env(&api);
    env.push(("FLOW_SKIP_READS", "1".to_owned()));
    let stdlib = start(Program::Stdlib, &env);
    let target = format!("flow={}/api/flow/events", stdlib.base);
    let api_setting = setting("flow", "api", &api);
    let (code, out) = run(&[
        "scenarios/flow/api-settlement-status-read-back.yaml",
        "scenarios/flow/api-case-status-read-back.yaml",
        "--target",
        &target,
        "--api-addr",
        &api_addr,
        "--set",
        &api_setting,
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        failed_rules(&out),
        crate::receivers::rules(&[
            "flow/api-case-status-read-back",
            "flow/api-settlement-status-read-back"
        ]),
        "{out}"
    );
    assert!(out.contains("expected calls: 1, got 0"), "{out}");
}

#[test]
fn a_stdlib_everreal_receiver_passes_and_given_its_settings_registers() {
    let (api, api_addr) = provider_api("flow");
    let stdlib = start(Program::Stdlib, &flow_env(&api));
    let target = format!("everreal={}/api/everreal/webhook", stdlib.base);
    let (_, skips, out) = passes_twice(&["scenarios/everreal", "--target", &target]);
    assert_eq!(skips, 1, "{out}");
    let settings = vec![
        setting("everreal", "api", &api.replace("/flow", "/everreal")),
        setting("everreal", "register", "/admin/everreal/register"),
        setting(
            "everreal",
            "admin_header",
            &format!("Authorization: Bearer {ADMIN_TOKEN}"),
        ),
    ];
    let args = with_api("scenarios/everreal", &target, &api_addr, &settings);
    let (passed, skips, out) = passes_twice(&args);
    assert_eq!((passed, skips), (12, 0), "{out}");
}

#[test]
fn an_api_setting_that_is_not_the_served_address_is_bad_input_before_anything_is_sent() {
    let api_setting = setting("flow", "api", "http://127.0.0.1:1/flow");
    let (code, out) = run(&[
        "scenarios/flow",
        "--target",
        "flow=http://127.0.0.1:9/hooks",
        "--api-addr",
        "127.0.0.1:0",
        "--set",
        &api_setting,
    ]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("but this run serves the flow API at"), "{out}");
    assert!(!out.contains("passed, "), "{out}");
}
