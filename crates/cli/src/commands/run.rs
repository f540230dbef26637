//! `hooksim run`: scenarios in, console report (and report files) out.

use std::collections::BTreeSet;
use std::io::IsTerminal as _;
use std::path::Path;

use hooksim_harness::interrupt::StopRun;
use hooksim_harness::report::{console, github, html, json, junit};
use hooksim_harness::runner::{
    ReceiverUnderTest, RunOptions, SettingOverride, Targets, needs_provider_apis,
    needs_reference_receiver, signing_secrets,
};
use hooksim_harness::scenario::Scenario;
use hooksim_harness::snapshot::{SnapshotMode, SnapshotStatus};
use hooksim_harness::suite::{ScenarioResult, SuiteOptions, prepare};
use hooksim_simulator::clock::TimeScale;
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::transport::tls::Tls;

use super::fail;
use super::select::configured_scenarios;
use super::tls::tls_settings;
use crate::args::{ConsoleFormat, RunArgs};
use crate::exit::Exit;

pub async fn run(config: Option<&Path>, args: RunArgs) -> Exit {
    let (resolved, scenarios) = match configured_scenarios(config, &args.select, Some(&args)) {
        Ok(configured) => configured,
        Err(exit) => return exit,
    };
    if scenarios.is_empty() && args.select.partition.is_none() {
        errln!("error: no scenario matches the filters");
        return Exit::BadInput;
    }
    let tls = match tls_settings(
        &resolved
            .ca_certs
            .iter()
            .map(|c| c.value.clone())
            .collect::<Vec<_>>(),
        resolved.insecure.value,
    ) {
        Ok(tls) => tls,
        Err(exit) => return exit,
    };
    let targets: Vec<String> = resolved.targets.iter().map(|t| t.value.clone()).collect();
    let settings: Vec<String> = resolved.settings.iter().map(|s| s.value.clone()).collect();
    let mut options = match run_options(&targets, &settings, args.seed, args.time_scale, tls) {
        Ok(options) => options,
        Err(e) => return fail(&e),
    };
    if let Some(limit) = args.scenario_timeout {
        options.scenario_time_limit = limit;
    }
    let wants_reference_receiver = scenarios
        .iter()
        .any(|s| needs_reference_receiver(s, &options.targets));
    let receiver = if wants_reference_receiver {
        match start_reference_receiver(&scenarios, &options).await {
            Ok(receiver) => {
                outln!("reference receiver listening at {}", receiver.base_url());
                if options.targets.base.is_none() {
                    options.targets.base = Some(receiver.base_url());
                }
                options.targets.reference = Some(receiver.base_url());
                Some(receiver)
            }
            Err(e) => {
                errln!("error: cannot start the reference receiver: {e}");
                return Exit::Runtime;
            }
        }
    } else {
        None
    };
    let suite = SuiteOptions {
        run: options,
        snapshots: if args.update_snapshots {
            SnapshotMode::Update
        } else {
            SnapshotMode::Check
        },
        snapshot_root: resolved.snapshot_dir.as_ref().map(|d| d.value.clone()),
        jobs: resolved.jobs.as_ref().map_or(0, |j| j.value),
        strict: resolved.strict.value,
        api_addr: resolved.api_addr.value,
        fail_fast: args.fail_fast,
    };
    let count = scenarios.len();
    let prepared = match prepare(scenarios, suite).await {
        Ok(prepared) => prepared,
        Err(e) => return fail(&e),
    };
    let own_apis = prepared
        .plans()
        .filter(|(s, p)| p.receiver == ReceiverUnderTest::Hooksim && needs_provider_apis(s))
        .count();
    if own_apis > 0 {
        outln!(
            "provider APIs: {own_apis} scenario(s) run against hooksim's reference receiver get their own instance on a free 127.0.0.1 port"
        );
    }
    if let Some(addr) = prepared.shared_api_addr() {
        let credentials = hooksim_simulator::api::Credentials::default();
        outln!(
            "provider APIs for your receiver at http://{addr}/<provider> (token {}, read-only token {}, client id {} / secret {}); \
             the scenarios that use them run one at a time",
            credentials.token,
            credentials.read_only_token,
            credentials.client_id,
            credentials.client_secret
        );
    }
    let (stop, interrupt) = StopRun::new();
    let interrupted = interrupt.clone();
    // The first Ctrl-C stops the run and keeps what finished; a second
    // quits at once.
    let on_ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            errln!(
                "\ninterrupted: no scenario starts now, running ones stop; the reports hold what finished (Ctrl-C again quits at once)"
            );
            stop.stop();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(Exit::Interrupted as i32);
            }
        }
    });
    let prepared = prepared.interrupted_by(interrupt);
    let progress = progress_bar(count);
    let results = prepared
        .run(&|result| {
            if let Some(bar) = &progress {
                bar.set_message(result.run.scenario.rule.clone());
                bar.inc(1);
            }
        })
        .await;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let reference_url = receiver.as_ref().map(|r| r.base_url());
    if let Some(receiver) = receiver {
        receiver.shutdown().await;
    }
    let was_interrupted = interrupted.is_set();
    on_ctrl_c.abort();
    let results = match results {
        Ok(results) => results,
        Err(e) => return fail(&e),
    };
    print_console(&results);
    if args.fail_fast && !was_interrupted && results.len() < count {
        outln!(
            "fail-fast: {} scenario(s) not started after the first failure",
            count - results.len()
        );
    }
    if was_interrupted {
        let stopped = results
            .iter()
            .filter(|r| {
                matches!(
                    r.run.error,
                    Some(hooksim_harness::HarnessError::Interrupted { .. })
                )
            })
            .count();
        outln!(
            "interrupted: {} scenario(s) finished, {stopped} stopped part way, {} not started",
            results.len() - stopped,
            count - results.len()
        );
    }
    // Every report is written that can be: one that cannot does not keep
    // the others from being written.
    let mut unwritten = false;
    if console_format(args.format) == ConsoleFormat::Github {
        out!("{}", github::annotations(&results));
        unwritten |= append_job_summary(&github::summary(&results), args.format.is_some()).is_err();
    }
    if let Some(path) = resolved.junit.as_ref().map(|j| &j.value) {
        match junit::render(&results) {
            Ok(xml) => unwritten |= write_report(path, &xml).is_err(),
            Err(e) => {
                fail(&e);
                unwritten = true;
            }
        }
    }
    if let Some(path) = resolved.json.as_ref().map(|j| &j.value) {
        unwritten |= write_report(path, &json::render(&results)).is_err();
    }
    if let Some(path) = resolved.html.as_ref().map(|h| &h.value) {
        let mut shown = targets;
        if let Some(url) = reference_url {
            shown.push(format!("hooksim's reference receiver ({url})"));
        }
        let info = html::RunInfo {
            targets: shown,
            seed: args.seed,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            date: now_utc(),
        };
        unwritten |= write_report(path, &html::render(&results, &info)).is_err();
    }
    if was_interrupted {
        Exit::Interrupted
    } else if unwritten {
        Exit::Runtime
    } else {
        verdict(&results)
    }
}

fn print_console(results: &[ScenarioResult]) {
    for result in results {
        outln!("{}", console::scenario_line(result));
    }
    let not_compared = results
        .iter()
        .filter(|r| r.snapshot == Some(SnapshotStatus::NotKept))
        .count();
    if not_compared > 0 {
        outln!(
            "snapshots: {not_compared} transcript(s) not compared: the built-in snapshots record hooksim's reference \
             receiver and stand-ins with each scenario's own seed and settings; keep your own with --snapshot-dir DIR"
        );
    }
    let failures: Vec<String> = results
        .iter()
        .map(console::failure_summary)
        .filter(|d| !d.is_empty())
        .collect();
    if !failures.is_empty() {
        outln!();
        for failure in &failures {
            outln!("{failure}");
        }
    }
    let snapshots: String = results.iter().map(console::snapshot_details).collect();
    if !snapshots.is_empty() {
        outln!("\n{snapshots}");
    }
    if let Some(warnings) = console::warnings_line(results) {
        outln!("{warnings}");
    }
    outln!("{}", console::summary_line(results));
}

fn verdict(results: &[ScenarioResult]) -> Exit {
    // A scenario that ran out of time failed for its receiver (it hangs):
    // a failure, not hooksim's error.
    let errors: Vec<_> = results
        .iter()
        .filter_map(|r| r.run.error.as_ref())
        .filter(|e| !matches!(e, hooksim_harness::HarnessError::TimedOut { .. }))
        .collect();
    if errors.iter().any(|e| e.is_bad_input()) {
        Exit::BadInput
    } else if !errors.is_empty() {
        Exit::Runtime
    } else if results.iter().all(ScenarioResult::passed) {
        Exit::Pass
    } else {
        Exit::Failed
    }
}

/// The wall clock now, `2026-12-03T15:20:00Z`.
fn now_utc() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    hooksim_simulator::fake::UtcDateTime::from_unix_ms(ms).iso8601_seconds()
}

/// `--format`, else `github` inside GitHub Actions (`GITHUB_ACTIONS=true`).
fn console_format(asked: Option<ConsoleFormat>) -> ConsoleFormat {
    asked.unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
            ConsoleFormat::Github
        } else {
            ConsoleFormat::Plain
        }
    })
}

/// Append the job summary to `$GITHUB_STEP_SUMMARY`, the file GitHub shows
/// on the run's page. Without that variable there is nowhere to write it:
/// said when `--format github` was asked for, silent otherwise.
fn append_job_summary(summary: &str, asked: bool) -> Result<(), Exit> {
    use std::io::Write as _;
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        if asked {
            errln!("note: GITHUB_STEP_SUMMARY is not set, so no job summary is written");
        }
        return Ok(());
    };
    let path = std::path::PathBuf::from(path);
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(summary.as_bytes()))
        .map_err(|e| {
            errln!(
                "error: cannot write the job summary to {}: {e}",
                path.display()
            );
            Exit::Runtime
        })
}

/// A report, written whole (no reader sees half of it); a failure is said.
fn write_report(path: &Path, text: &str) -> Result<(), Exit> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(parent);
    }
    hooksim_harness::file::write_whole(path, text.as_bytes()).map_err(|e| {
        errln!("error: cannot write {}: {e}", path.display());
        Exit::Runtime
    })
}

/// A bar on a terminal; nothing in CI or when output is piped, where the
/// ordered lines at the end say it all.
fn progress_bar(len: usize) -> Option<indicatif::ProgressBar> {
    let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !interactive {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}") {
        bar.set_style(style);
    }
    Some(bar)
}

fn run_options(
    targets: &[String],
    settings: &[String],
    seed: Option<u64>,
    time_scale: Option<f64>,
    tls: Tls,
) -> Result<RunOptions, hooksim_harness::HarnessError> {
    let mut parsed = Targets::default();
    for target in targets {
        parsed.add_arg(target)?;
    }
    let settings = settings
        .iter()
        .map(|s| SettingOverride::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let time_scale = match time_scale {
        Some(factor) if factor > 0.0 && factor.is_finite() => TimeScale::Compressed { factor },
        Some(factor) => {
            return Err(hooksim_harness::HarnessError::Usage(format!(
                "--time-scale {factor}: must be a positive number"
            )));
        }
        None => TimeScale::Instant,
    };
    Ok(RunOptions {
        targets: parsed,
        settings,
        seed,
        time_scale,
        shared_apis: None,
        // New identities on every run, for receivers that outlive it.
        run_nonce: Some(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
                ^ u64::from(std::process::id()).rotate_left(32),
        ),
        tls,
        interrupt: None,
        scenario_time_limit: hooksim_harness::runner::DEFAULT_SCENARIO_TIME_LIMIT,
    })
}

/// Start the reference receiver trusting every key the selected scenarios sign with.
async fn start_reference_receiver(
    scenarios: &[Scenario],
    options: &RunOptions,
) -> Result<hooksim_receiver::RunningReceiver, hooksim_receiver::ReceiverError> {
    let secrets_of = |provider: ProviderId| -> BTreeSet<String> {
        scenarios
            .iter()
            .filter(|s| s.provider == provider)
            .flat_map(|s| signing_secrets(s, &options.settings))
            .collect()
    };
    let mut config = hooksim_receiver::ReceiverConfig::default();
    let hemnet_keys = secrets_of(ProviderId::Hemnet);
    if !hemnet_keys.is_empty() {
        config.hemnet.trusted_keys = hemnet_keys.into_iter().collect();
    }
    let atlas_secrets = secrets_of(ProviderId::PropertyFinderAtlas);
    if !atlas_secrets.is_empty() {
        config.propertyfinder_atlas.trusted_secrets = atlas_secrets.into_iter().collect();
    }
    hooksim_receiver::start(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), config).await
}
