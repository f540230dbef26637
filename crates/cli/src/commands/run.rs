//! `hooksim run`: scenarios in, console report out.

use std::collections::BTreeSet;
use std::path::PathBuf;

use hooksim_harness::report::console;
use hooksim_harness::runner::{
    RunOptions, SettingOverride, Targets, effective_settings, needs_base_url,
};
use hooksim_harness::scenario::{Scenario, load_scenario};
use hooksim_harness::snapshot::SnapshotMode;
use hooksim_harness::suite::{SuiteOptions, find_scenario_files, run_suite};
use hooksim_simulator::clock::TimeScale;
use hooksim_simulator::providers::ProviderId;

use super::fail;
use crate::args::RunArgs;
use crate::exit::Exit;

pub async fn run(args: RunArgs) -> Exit {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        args.paths
    };
    let files = match find_scenario_files(&paths) {
        Ok(files) => files,
        Err(e) => return fail(&e),
    };
    if files.is_empty() {
        eprintln!(
            "error: no scenario files (*.yaml) under {}",
            display_paths(&paths)
        );
        return Exit::BadInput;
    }
    let Some(scenarios) = load_all(&files) else {
        return Exit::BadInput;
    };
    let mut options = match run_options(&args.targets, &args.settings, args.seed, args.time_scale) {
        Ok(options) => options,
        Err(e) => return fail(&e),
    };
    let wants_reference_receiver = options.targets.base.is_none()
        && scenarios
            .iter()
            .any(|s| needs_base_url(s, &options.targets));
    let receiver = if wants_reference_receiver {
        match start_reference_receiver(&scenarios, &options).await {
            Ok(receiver) => {
                println!("reference receiver listening at {}", receiver.base_url());
                options.targets.base = Some(receiver.base_url());
                Some(receiver)
            }
            Err(e) => {
                eprintln!("error: cannot start the reference receiver: {e}");
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
        snapshot_root: args.snapshot_dir,
    };
    let results = match run_suite(scenarios, &suite).await {
        Ok(results) => results,
        Err(e) => return fail(&e),
    };
    if let Some(receiver) = receiver {
        receiver.shutdown().await;
    }
    for result in &results {
        println!("{}", console::scenario_line(result));
    }
    let failures: Vec<String> = results
        .iter()
        .map(console::failure_details)
        .filter(|d| !d.is_empty())
        .collect();
    if !failures.is_empty() {
        println!();
        for failure in &failures {
            println!("{failure}");
        }
    }
    println!("{}", console::summary_line(&results));
    let errors: Vec<_> = results
        .iter()
        .filter_map(|r| r.run.error.as_ref())
        .collect();
    if errors.iter().any(|e| e.is_bad_input()) {
        Exit::BadInput
    } else if !errors.is_empty() {
        Exit::Runtime
    } else if results.iter().all(|r| r.passed()) {
        Exit::Pass
    } else {
        Exit::Failed
    }
}

/// Read every file, reporting every mistake (not just the first file's).
fn load_all(files: &[PathBuf]) -> Option<Vec<Scenario>> {
    let mut scenarios = Vec::with_capacity(files.len());
    let mut ok = true;
    for file in files {
        match load_scenario(file) {
            Ok(scenario) => scenarios.push(scenario),
            Err(error) => {
                ok = false;
                eprintln!("{:?}", miette::Report::new(error));
            }
        }
    }
    ok.then_some(scenarios)
}

fn run_options(
    targets: &[String],
    settings: &[String],
    seed: Option<u64>,
    time_scale: Option<f64>,
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
    })
}

/// Start the reference receiver trusting every key the selected scenarios sign with.
async fn start_reference_receiver(
    scenarios: &[Scenario],
    options: &RunOptions,
) -> Result<hooksim_receiver::RunningReceiver, hooksim_receiver::ReceiverError> {
    let hemnet_keys: BTreeSet<String> = scenarios
        .iter()
        .filter(|s| s.provider == ProviderId::Hemnet)
        .filter_map(|s| effective_settings(s, &options.settings).remove("secret"))
        .collect();
    let mut config = hooksim_receiver::ReceiverConfig::default();
    if !hemnet_keys.is_empty() {
        config.hemnet.trusted_keys = hemnet_keys.into_iter().collect();
    }
    hooksim_receiver::start(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), config).await
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
