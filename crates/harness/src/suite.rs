//! Finding scenario files: files as given, directories searched for
//! `*.yaml` / `*.yml`, in a stable (sorted) order.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::HarnessError;
use crate::runner::{ReceiverUnderTest, ScenarioPlan, SharedApis, plan_scenario};

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
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    pub run: crate::runner::RunOptions,
    pub snapshots: crate::snapshot::SnapshotMode,
    /// `--snapshot-dir`: where `<provider>/` snapshots live. Given, it is the
    /// team's own folder, and transcripts of their receiver are compared
    /// with it; not given, only hooksim's own runs (stand-ins, the reference
    /// receiver) are compared, with the snapshots beside `scenarios/`.
    pub snapshot_root: Option<PathBuf>,
    /// How many scenarios run at once; 0 picks [`default_jobs`].
    pub jobs: usize,
    /// Warnings (failed rules that rest on a guess) fail the run.
    pub strict: bool,
    /// Where the provider APIs are served for receivers started with their
    /// address, when a scenario needs them.
    pub api_addr: SocketAddr,
    /// Start no scenario after one fails.
    pub fail_fast: bool,
}

/// The documented default address of the provider APIs for a whole run.
pub const DEFAULT_API_ADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8090);

impl Default for SuiteOptions {
    fn default() -> Self {
        Self {
            run: crate::runner::RunOptions::default(),
            snapshots: crate::snapshot::SnapshotMode::default(),
            snapshot_root: None,
            jobs: 0,
            strict: false,
            api_addr: DEFAULT_API_ADDR,
            fail_fast: false,
        }
    }
}

/// Scenarios mostly wait on the network, so several per core keep it busy.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get() * 4)
}

/// What a scenario's run means. Verdicts come from expectations only;
/// snapshots show change and never decide one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// Passed, but a rule that rests on a guess did not hold.
    Warned,
    Failed,
    /// A setting it requires is not set (a receiver hooksim did not write).
    Skipped,
    /// A step could not run.
    Errored,
}

impl Verdict {
    /// `PASS`, `WARN`, `FAIL`, `SKIP`, `FAIL` (an error fails).
    pub fn label(self) -> &'static str {
        match self {
            Self::Passed => "PASS",
            Self::Warned => "WARN",
            Self::Failed | Self::Errored => "FAIL",
            Self::Skipped => "SKIP",
        }
    }

    /// The word reports use: `passed`, `warned`, `failed`, `skipped`, `error`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Warned => "warned",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Errored => "error",
        }
    }

    /// Counted among the `passed` of `N passed, N failed, N skipped`.
    pub fn is_pass(self) -> bool {
        matches!(self, Self::Passed | Self::Warned)
    }

    pub fn is_failure(self) -> bool {
        matches!(self, Self::Failed | Self::Errored)
    }
}

/// A scenario's run, its transcript and how that compared with the snapshot.
#[derive(Debug)]
pub struct ScenarioResult {
    pub run: crate::runner::ScenarioRun,
    pub transcript: String,
    /// `None` when nothing was compared: the scenario stopped on an error or
    /// was skipped.
    pub snapshot: Option<crate::snapshot::SnapshotStatus>,
    /// The run was `--strict`: warnings fail.
    pub strict: bool,
}

impl ScenarioResult {
    pub fn verdict(&self) -> Verdict {
        let run = &self.run;
        if run.skipped.is_some() {
            Verdict::Skipped
        } else if run.error.is_some() {
            Verdict::Errored
        } else if run.failing_checks().next().is_some() {
            Verdict::Failed
        } else if run.warnings().next().is_some() {
            if self.strict {
                Verdict::Failed
            } else {
                Verdict::Warned
            }
        } else {
            Verdict::Passed
        }
    }

    /// Not failed: passed, warned, or skipped.
    pub fn passed(&self) -> bool {
        !self.verdict().is_failure()
    }
}

/// Scenarios planned (who plays the receiver, settings, skips) and the
/// provider APIs started for the run, before anything is sent.
pub struct PreparedSuite {
    scenarios: Vec<(crate::scenario::Scenario, ScenarioPlan)>,
    options: SuiteOptions,
}

impl std::fmt::Debug for PreparedSuite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedSuite")
            .field("scenarios", &self.scenarios.len())
            .finish_non_exhaustive()
    }
}

/// Plan every scenario and start what the run needs; every mistake in the
/// settings is found here, before any delivery.
pub async fn prepare(
    scenarios: Vec<crate::scenario::Scenario>,
    mut options: SuiteOptions,
) -> Result<PreparedSuite, HarnessError> {
    let mut planned = Vec::with_capacity(scenarios.len());
    let mut problems = Vec::new();
    for scenario in scenarios {
        match plan_scenario(&scenario, &options.run) {
            Ok(plan) => planned.push((scenario, plan)),
            Err(error) => problems.push(error.to_string()),
        }
    }
    check_snapshot_names(&planned, &options, &mut problems);
    if !problems.is_empty() {
        return Err(HarnessError::Usage(problems.join("\n")));
    }
    let wants_shared = planned.iter().any(|(scenario, plan)| {
        plan.receiver == ReceiverUnderTest::Theirs
            && plan.skip.is_none()
            && crate::runner::needs_provider_apis(scenario)
    });
    if wants_shared && options.run.shared_apis.is_none() {
        let shared = SharedApis::start(options.api_addr)
            .await
            .map_err(|source| HarnessError::ApiServer {
                addr: options.api_addr,
                source,
            })?;
        options.run.shared_apis = Some(Arc::new(shared));
    }
    for (scenario, plan) in &planned {
        if let Err(error) =
            crate::runner::check_api_setting(scenario, plan, options.run.shared_apis.as_deref())
        {
            problems.push(format!("{}: {error}", scenario.path.display()));
        }
    }
    if !problems.is_empty() {
        return Err(HarnessError::Usage(problems.join("\n")));
    }
    Ok(PreparedSuite {
        scenarios: planned,
        options,
    })
}

/// Two scenario files must never write the same snapshot.
fn check_snapshot_names(
    planned: &[(crate::scenario::Scenario, ScenarioPlan)],
    options: &SuiteOptions,
    problems: &mut Vec<String>,
) {
    let mut seen: std::collections::BTreeMap<PathBuf, &Path> = std::collections::BTreeMap::new();
    for (scenario, _) in planned {
        let snapshot = crate::snapshot::snapshot_path(
            &scenario.path,
            scenario.provider.as_str(),
            options.snapshot_root.as_deref(),
        );
        if let Some(first) = seen.insert(snapshot.clone(), &scenario.path) {
            problems.push(format!(
                "{} and {} would both write {}: rename one",
                first.display(),
                scenario.path.display(),
                snapshot.display()
            ));
        }
    }
}

impl PreparedSuite {
    /// The provider APIs served for the whole run, when any scenario needs them.
    pub fn shared_api_addr(&self) -> Option<SocketAddr> {
        self.options
            .run
            .shared_apis
            .as_ref()
            .map(|shared| shared.apis().addr())
    }

    /// Stop when `interrupt` says so (Ctrl-C): no scenario starts, and a
    /// running one stops at once, keeping the steps it finished.
    pub fn interrupted_by(mut self, interrupt: crate::interrupt::Interrupt) -> Self {
        self.options.run.interrupt = Some(interrupt);
        self
    }

    /// The plans, in file order.
    pub fn plans(&self) -> impl Iterator<Item = (&crate::scenario::Scenario, &ScenarioPlan)> {
        self.scenarios.iter().map(|(s, p)| (s, p))
    }

    /// Run every scenario and compare each transcript with its snapshot, up
    /// to `jobs` at once. `finished` hears of each scenario as it ends (in
    /// any order); the results come back in file order. Interrupted (or
    /// after a failure, with `fail_fast`), the scenarios not started are
    /// left out.
    pub async fn run(
        self,
        finished: &(dyn Fn(&ScenarioResult) + Sync),
    ) -> Result<Vec<ScenarioResult>, HarnessError> {
        use futures_util::stream::{self, StreamExt};

        let transport =
            hooksim_simulator::transport::Transport::with_tls(self.options.run.tls.clone());
        let options = &self.options;
        let jobs = if options.jobs == 0 {
            default_jobs()
        } else {
            options.jobs
        };
        let count = self.scenarios.len();
        let interrupt = options.run.interrupt.clone();
        let failed = AtomicBool::new(false);
        let mut results: Vec<(usize, Option<Result<ScenarioResult, HarnessError>>)> =
            stream::iter(self.scenarios.into_iter().enumerate())
                .map(|(index, (scenario, plan))| {
                    let transport = &transport;
                    let interrupt = interrupt.clone();
                    let failed = &failed;
                    async move {
                        // Once interrupted (or failed, with --fail-fast), no scenario starts.
                        if interrupt.is_some_and(|i| i.is_set()) || failed.load(Ordering::Relaxed) {
                            return (index, None);
                        }
                        let result = run_one(transport, scenario, &plan, options).await;
                        if let Ok(result) = &result {
                            if options.fail_fast && !result.passed() {
                                failed.store(true, Ordering::Relaxed);
                            }
                            finished(result);
                        }
                        (index, Some(result))
                    }
                })
                .buffer_unordered(jobs.max(1))
                .collect()
                .await;
        results.sort_by_key(|(index, _)| *index);
        let mut ordered = Vec::with_capacity(count);
        for (_, result) in results {
            if let Some(result) = result {
                ordered.push(result?);
            }
        }
        Ok(ordered)
    }
}

/// [`prepare`] and [`PreparedSuite::run`] in one.
pub async fn run_suite(
    scenarios: Vec<crate::scenario::Scenario>,
    options: &SuiteOptions,
    finished: &(dyn Fn(&ScenarioResult) + Sync),
) -> Result<Vec<ScenarioResult>, HarnessError> {
    prepare(scenarios, options.clone())
        .await?
        .run(finished)
        .await
}

async fn run_one(
    transport: &hooksim_simulator::transport::Transport,
    scenario: crate::scenario::Scenario,
    plan: &ScenarioPlan,
    options: &SuiteOptions,
) -> Result<ScenarioResult, HarnessError> {
    let run = crate::runner::run_planned(transport, scenario, plan, &options.run).await;
    let transcript = crate::transcript::render(&run);
    let snapshot = if run.error.is_some() || run.skipped.is_some() {
        None
    } else {
        Some(snapshot_status(&run, &transcript, options)?)
    };
    Ok(ScenarioResult {
        run,
        transcript,
        snapshot,
        strict: options.strict,
    })
}

/// Compare a finished run's transcript where that means something. The
/// built-in snapshots record hooksim playing the receiver with each
/// scenario's own seed and settings; anything else is compared only with a
/// folder the team keeps (`--snapshot-dir`).
fn snapshot_status(
    run: &crate::runner::ScenarioRun,
    transcript: &str,
    options: &SuiteOptions,
) -> Result<crate::snapshot::SnapshotStatus, HarnessError> {
    use crate::snapshot::{SnapshotMode, SnapshotStatus};
    let scenario = &run.scenario;
    let as_recorded = run.receiver == ReceiverUnderTest::Hooksim
        && options.run.seed.is_none()
        && !options
            .run
            .settings
            .iter()
            .any(|o| o.provider == scenario.provider);
    if !as_recorded && options.snapshot_root.is_none() {
        return Ok(SnapshotStatus::NotKept);
    }
    if options.snapshot_root.is_none() && crate::builtin::is_builtin(&scenario.path) {
        return Ok(crate::snapshot::compare_builtin(
            &scenario.path,
            scenario.provider.as_str(),
            transcript,
        ));
    }
    let path = crate::snapshot::snapshot_path(
        &scenario.path,
        scenario.provider.as_str(),
        options.snapshot_root.as_deref(),
    );
    let source = scenario.path.to_string_lossy().replace('\\', "/");
    // A transcript with a failed expectation is never accepted as golden.
    let mode = match options.snapshots {
        SnapshotMode::Update if !run.expectations_hold() => SnapshotMode::Refuse,
        mode => mode,
    };
    crate::snapshot::compare(&path, &source, transcript, mode)
}
