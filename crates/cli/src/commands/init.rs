//! `hooksim init`: a receiver team's starting point. `hooksim.toml` takes
//! the built-in suites of the chosen providers plus the team's own
//! `scenarios/`, with every target commented out (so `hooksim run` passes
//! against the built-in reference receiver until it is pointed at theirs);
//! one commented example scenario per provider; and a GitHub workflow that
//! installs hooksim, starts the receiver, waits for its port, runs, and
//! uploads the JUnit report.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use hooksim_harness::settings::receiver_settings;
use hooksim_simulator::providers::ProviderId;

use crate::args::InitArgs;
use crate::exit::Exit;

/// Where the workflow installs hooksim from (the git form of `cargo install`).
pub const HOOKSIM_GIT: &str = "https://github.com/hooksim/hooksim";

/// The scenario format's JSON Schema, at the project's root.
const SCHEMA_FILE: &str = "scenario.schema.json";

/// The JUnit report the config writes and the workflow uploads.
const JUNIT: &str = "hooksim-reports/junit.xml";

/// A first scenario for one provider: an event it sends, and the path the
/// reference receiver takes it on.
struct Example {
    provider: ProviderId,
    event: &'static str,
    path: &'static str,
    /// Where the receiver's own route for it might be, for the commented target.
    route: &'static str,
}

const EXAMPLES: [Example; 6] = [
    Example {
        provider: ProviderId::Hemnet,
        event: "CONTACT.CREATE",
        path: "/hemnet",
        route: "/webhooks/hemnet",
    },
    Example {
        provider: ProviderId::Spark,
        event: "New",
        path: "/spark",
        route: "/webhooks/spark",
    },
    Example {
        provider: ProviderId::Flow,
        event: "SettlementStatusChanged",
        path: "/flow",
        route: "/webhooks/flow",
    },
    Example {
        provider: ProviderId::PropertyFinder,
        event: "lead.assigned",
        path: "/propertyfinder",
        route: "/webhooks/propertyfinder",
    },
    Example {
        provider: ProviderId::PropertyFinderAtlas,
        event: "lead.created",
        path: "/propertyfinder-atlas/signed",
        route: "/webhooks/atlas",
    },
    Example {
        provider: ProviderId::EverReal,
        event: "LISTING_CANDIDATE_APPLIED",
        path: "/everreal",
        route: "/webhooks/everreal",
    },
];

pub fn init(args: &InitArgs) -> Exit {
    let providers = match chosen_providers(&args.providers) {
        Ok(providers) => providers,
        Err(message) => {
            errln!("error: {message}");
            return Exit::BadInput;
        }
    };
    let receiver_url = args
        .receiver_url
        .clone()
        .unwrap_or_else(|| "http://127.0.0.1:3000".to_owned());
    let Some(port) = url_port(&receiver_url) else {
        errln!(
            "error: --receiver-url {receiver_url}: expected http://HOST:PORT or https://HOST:PORT"
        );
        return Exit::BadInput;
    };
    let mut files: Vec<(PathBuf, String)> = vec![(
        PathBuf::from(crate::config::FILE_NAME),
        config_file(&providers, &receiver_url),
    )];
    for example in EXAMPLES.iter().filter(|e| providers.contains(&e.provider)) {
        files.push((
            Path::new("scenarios")
                .join(example.provider.as_str())
                .join("first-delivery.yaml"),
            example_scenario(example),
        ));
    }
    files.push((
        Path::new(".github/workflows").join("webhooks.yml"),
        workflow(args.receiver_command.as_deref(), port),
    ));
    // What the examples' first line names, so editors complete and check
    // scenario files; `hooksim schema` writes it again after an upgrade.
    match serde_json::to_string_pretty(&hooksim_harness::schema::scenario_schema()) {
        Ok(schema) => files.push((PathBuf::from(SCHEMA_FILE), schema + "\n")),
        Err(e) => {
            errln!("error: cannot write the scenario schema: {e}");
            return Exit::Runtime;
        }
    }
    let existing: Vec<String> = files
        .iter()
        .map(|(path, _)| args.dir.join(path))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if !existing.is_empty() && !args.force {
        errln!(
            "error: {} already exist(s); nothing written (pass --force to overwrite)",
            existing.join(", ")
        );
        return Exit::BadInput;
    }
    for (path, text) in &files {
        let path = args.dir.join(path);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, text));
        if let Err(e) = written {
            errln!("error: cannot write {}: {e}", path.display());
            return Exit::Runtime;
        }
        outln!("wrote {}", path.display());
    }
    outln!(
        "next: `hooksim run` (the built-in reference receiver plays yours until hooksim.toml points at it); then set each provider's `target` and `secret` in hooksim.toml"
    );
    Exit::Pass
}

fn chosen_providers(given: &[String]) -> Result<Vec<ProviderId>, String> {
    if given.is_empty() {
        return Ok(ProviderId::ALL.to_vec());
    }
    let mut chosen = Vec::new();
    for id in given.iter().flat_map(|g| g.split(',')) {
        let provider = ProviderId::parse(id.trim()).map_err(|e| {
            let ids: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
            format!(
                "--provider {id}: {e}; {}",
                hooksim_harness::suggest::did_you_mean(id, &ids, "known providers")
            )
        })?;
        if !chosen.contains(&provider) {
            chosen.push(provider);
        }
    }
    Ok(chosen)
}

/// The port of an http(s) URL, explicit or the scheme's.
fn url_port(url: &str) -> Option<u16> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?;
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => port.parse().ok(),
        _ => match scheme {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        },
    }
}

fn config_file(providers: &[ProviderId], receiver_url: &str) -> String {
    let suites = providers
        .iter()
        .map(|p| format!("\"builtin:{}\"", p.as_str()))
        .chain(std::iter::once("\"scenarios\"".to_owned()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = format!(
        r#"# hooksim.toml, written by `hooksim init` (every key: docs/config.md).
# Paths are relative to this file; strings may use ${{env:NAME}} and
# ${{env:NAME:-default}}; command-line flags override what is here.
# `hooksim config` prints what a run will use and where each value came from.

# What `hooksim run` takes: the built-in contract suites of your providers
# (`hooksim suites export DIR` writes them out to customise), and your own.
scenarios = [{suites}]

# A rule that rests on an assumption about a provider only warns; true fails it.
strict = false

# Keep your receiver's transcripts here and review changes as diffs
# (`hooksim snapshots review`).
# snapshot_dir = "hooksim-snapshots"

[reports]
junit = "{JUNIT}"
# json = "hooksim-reports/report.json"
# html = "hooksim-reports/report.html"
"#
    );
    for provider in providers {
        let route = EXAMPLES
            .iter()
            .find(|e| e.provider == *provider)
            .map_or("/webhooks", |e| e.route);
        let _ = write!(
            text,
            "\n# {}.\n# While `target` is commented out, hooksim's reference receiver plays yours.\n# A scenario that needs a setting below is skipped, naming it, until it is set.\n[providers.{}]\n# target = \"{receiver_url}{route}\"\n",
            provider.provider().title(),
            provider.as_str()
        );
        for setting in provider.provider().settings() {
            let _ = writeln!(
                text,
                "# {} = \"${{env:{}_{}}}\"   # {}",
                setting.name,
                provider.as_str().replace('-', "_").to_uppercase(),
                setting.name.to_uppercase(),
                setting.summary
            );
        }
        for setting in receiver_settings(*provider) {
            let example = setting.example.replace("{provider}", provider.as_str());
            let _ = writeln!(
                text,
                "# {} = \"{}\"   # {}",
                setting.name,
                example.replace('"', "\\\""),
                setting.summary.replace('\n', " ")
            );
        }
    }
    text
}

fn example_scenario(example: &Example) -> String {
    let provider = example.provider;
    let signed = provider
        .provider()
        .settings()
        .iter()
        .any(|s| s.name == "secret");
    let settings = if signed {
        let variable = format!(
            "{}_SECRET",
            provider.as_str().replace('-', "_").to_uppercase()
        );
        format!(
            "# The key deliveries are signed with; hooksim.toml's `secret` overrides it.\nsettings: {{ secret: \"${{env:{variable}:-hooksim-test-secret}}\" }}\n"
        )
    } else {
        String::new()
    };
    format!(
        r#"# yaml-language-server: $schema=../../{schema}
# Your first own scenario (docs/scenarios.md has every key; editors that
# read the line above complete and check them).
# One {id} event, delivered under the provider's real policy
# (headers, signature, timeouts, retries), must be acknowledged at once;
# the same delivery again (providers repeat deliveries) must be too.
name: A first {event} delivery and its repeat are acknowledged
provider: {id}
# The rule it proves, and where that rule is documented.
rule: {id}/first-delivery-acknowledged
source: "{source}"
basis: documented
# Joined to the run's base URL; hooksim.toml's `target` for {id} replaces it.
target: {path}
{settings}seed: 1
steps:
  - deliver: {{ event: {event}, as: first }}
    expect: {{ acknowledged: true, attempts: 1 }}
  - redeliver: first
    expect: {{ acknowledged: true, attempts: 1 }}
"#,
        schema = SCHEMA_FILE,
        id = provider.as_str(),
        event = example.event,
        path = example.path,
        source = provider
            .provider()
            .documentation()
            .replace('\\', "\\\\")
            .replace('"', "\\\""),
    )
}

/// The CI workflow. Every `run:` works on a developer's machine too (the
/// install is skipped when hooksim is already there).
pub fn workflow(receiver_command: Option<&str>, port: u16) -> String {
    let command = receiver_command.unwrap_or("echo 'edit RECEIVER_COMMAND in .github/workflows/webhooks.yml: how your receiver starts' >&2; exit 1");
    let command = command.replace('\'', "''");
    format!(
        r#"# Written by `hooksim init`: your receiver against the providers' webhooks
# on every push. hooksim.toml says what runs and where it is sent.
name: webhooks

on:
  push:
  pull_request:

jobs:
  hooksim:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    env:
      # How your receiver starts, and the port it listens on.
      RECEIVER_COMMAND: '{command}'
      RECEIVER_PORT: '{port}'
      HOOKSIM_GIT: '{HOOKSIM_GIT}'
    steps:
      - uses: actions/checkout@v4
      - name: Install hooksim
        run: command -v hooksim || cargo install --locked --git "$HOOKSIM_GIT" hooksim
      - name: Start the receiver
        run: |
          mkdir -p hooksim-reports
          nohup bash -c "$RECEIVER_COMMAND" > hooksim-reports/receiver.log 2>&1 &
          echo $! > hooksim-reports/receiver.pid
      - name: Wait for its port
        run: |
          for _ in $(seq 1 120); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$RECEIVER_PORT") 2>/dev/null; then exit 0; fi
            sleep 0.5
          done
          echo "the receiver did not open port $RECEIVER_PORT within 60 s" >&2
          cat hooksim-reports/receiver.log >&2
          exit 1
      - name: Run the webhook suites
        run: hooksim run
      - name: Stop the receiver
        if: always()
        run: kill "$(cat hooksim-reports/receiver.pid)" 2>/dev/null || true
      - name: Upload the JUnit report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: hooksim-junit
          path: {JUNIT}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_come_from_the_url_or_its_scheme() {
        assert_eq!(url_port("http://127.0.0.1:3000"), Some(3000));
        assert_eq!(url_port("http://localhost/x"), Some(80));
        assert_eq!(url_port("https://[::1]:8443/"), Some(8443));
        assert_eq!(url_port("127.0.0.1:3000"), None);
    }

    #[test]
    fn providers_are_checked_and_deduplicated() {
        assert_eq!(
            chosen_providers(&["hemnet,spark".into(), "hemnet".into()]),
            Ok(vec![ProviderId::Hemnet, ProviderId::Spark])
        );
        assert!(
            chosen_providers(&["hemet".into()]).is_err_and(|e| e.contains("did you mean `hemnet`"))
        );
    }

    #[test]
    fn every_example_scenario_is_valid() {
        for example in &EXAMPLES {
            let text = example_scenario(example);
            let path = PathBuf::from(format!(
                "scenarios/{}/first-delivery.yaml",
                example.provider.as_str()
            ));
            hooksim_harness::scenario::parse_scenario(&path, &text)
                .unwrap_or_else(|e| panic!("{}: {e:?}\n{text}", example.provider.as_str()));
        }
    }
}
