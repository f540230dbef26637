//! Finding scenario files: files as given, directories searched for
//! `*.yaml` / `*.yml`, in a stable (sorted) order.

use std::path::{Path, PathBuf};

use crate::error::HarnessError;

/// Every scenario file under `paths`, sorted, without repeats.
pub fn find_scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, HarnessError> {
    let mut found = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| HarnessError::Discover {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, &mut found)?;
        } else {
            found.push(path.clone());
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), HarnessError> {
    let entries = std::fs::read_dir(dir).map_err(|source| HarnessError::Discover {
        path: dir.to_owned(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| HarnessError::Discover {
            path: dir.to_owned(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            walk(&path, found)?;
        } else if is_scenario_file(&path) {
            found.push(path);
        }
    }
    Ok(())
}

fn is_scenario_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_yaml_recursively_in_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sub = dir.path().join("hemnet");
        std::fs::create_dir(&sub).expect("mkdir");
        for name in ["b.yaml", "a.yml", "notes.md"] {
            std::fs::write(sub.join(name), "").expect("write");
        }
        let found = find_scenario_files(&[dir.path().to_owned()]).expect("found");
        assert_eq!(found, [sub.join("a.yml"), sub.join("b.yaml")]);
    }

    #[test]
    fn missing_path_is_bad_input() {
        let err = find_scenario_files(&[PathBuf::from("/no/such/scenarios")]).expect_err("missing");
        assert!(err.is_bad_input());
    }
}

/// Options for a whole run: the per-scenario options plus snapshots.
#[derive(Debug, Clone, Default)]
pub struct SuiteOptions {
    pub run: crate::runner::RunOptions,
    pub snapshots: crate::snapshot::SnapshotMode,
    /// Where `snapshots/<provider>/` lives, when not beside `scenarios/`.
    pub snapshot_root: Option<PathBuf>,
    /// How many scenarios run at once; 0 picks [`default_jobs`].
    pub jobs: usize,
}

/// Scenarios mostly wait on the network, so several per core keep it busy.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get() * 4)
}

/// A scenario's run, its transcript and how that compared with the snapshot.
#[derive(Debug)]
pub struct ScenarioResult {
    pub run: crate::runner::ScenarioRun,
    pub transcript: String,
    /// `None` when the scenario stopped on an error before it finished.
    pub snapshot: Option<crate::snapshot::SnapshotStatus>,
}

impl ScenarioResult {
    pub fn passed(&self) -> bool {
        self.run.expectations_hold() && self.snapshot.as_ref().is_some_and(|s| s.is_ok())
    }
}

/// Run every scenario and compare each transcript with its snapshot, up to
/// `jobs` at once. `finished` hears of each scenario as it ends (in any
/// order); the results come back in the order of `scenarios`.
pub async fn run_suite(
    scenarios: Vec<crate::scenario::Scenario>,
    options: &SuiteOptions,
    finished: &(dyn Fn(&ScenarioResult) + Sync),
) -> Result<Vec<ScenarioResult>, HarnessError> {
    use futures_util::stream::{self, StreamExt};

    let transport = hooksim_simulator::transport::Transport::new();
    let jobs = if options.jobs == 0 {
        default_jobs()
    } else {
        options.jobs
    };
    let count = scenarios.len();
    let mut results: Vec<(usize, Result<ScenarioResult, HarnessError>)> =
        stream::iter(scenarios.into_iter().enumerate())
            .map(|(index, scenario)| {
                let transport = &transport;
                async move {
                    let result = run_one(transport, scenario, options).await;
                    if let Ok(result) = &result {
                        finished(result);
                    }
                    (index, result)
                }
            })
            .buffer_unordered(jobs.max(1))
            .collect()
            .await;
    results.sort_by_key(|(index, _)| *index);
    let mut ordered = Vec::with_capacity(count);
    for (_, result) in results {
        ordered.push(result?);
    }
    Ok(ordered)
}

async fn run_one(
    transport: &hooksim_simulator::transport::Transport,
    scenario: crate::scenario::Scenario,
    options: &SuiteOptions,
) -> Result<ScenarioResult, HarnessError> {
    let run = crate::runner::run_scenario(transport, scenario, &options.run).await;
    let transcript = crate::transcript::render(&run);
    let snapshot = if run.error.is_some() {
        None
    } else {
        let path = crate::snapshot::snapshot_path(
            &run.scenario.path,
            run.scenario.provider.as_str(),
            options.snapshot_root.as_deref(),
        );
        let source = run.scenario.path.to_string_lossy().replace('\\', "/");
        Some(crate::snapshot::compare(
            &path,
            &source,
            &transcript,
            options.snapshots,
        )?)
    };
    Ok(ScenarioResult {
        run,
        transcript,
        snapshot,
    })
}
