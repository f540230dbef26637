//! Runs scenarios: steps in order against the resolved target, each
//! delivery under its provider's full policy on a nominal clock. The runner
//! plans a scenario (`runner/plan.rs`), sets it up (`runner/setup.rs`: routes, clock,
//! provider APIs), then hands each step the scenario's state
//! ([`crate::state`]); what a step does is its own module's business
//! ([`crate::steps`]).

mod plan;
mod setup;
mod targets;

use std::sync::Arc;
use std::time::Duration;

use hooksim_simulator::clock::TimeScale;
use hooksim_simulator::identity::Replacement;
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::transport::Transport;
use hooksim_simulator::transport::tls::Tls;

use crate::error::HarnessError;
use crate::expect::Check;
use crate::interrupt::Interrupt;
use crate::provider_api::describe_call;
use crate::read::Location;
use crate::scenario::Scenario;
use crate::settings::Skip;
use crate::state::ScenarioState;
use crate::steps::StepCx;

pub use crate::settings::SettingOverride;
pub use crate::state::{ReceiverUnderTest, SharedApis};
pub use crate::steps::StepRecord;
pub use crate::steps::deliver::{DeliveryRecord, RouteDelivery};
pub use plan::{
    ScenarioPlan, check_api_setting, needs_base_url, needs_provider_apis, needs_reference_receiver,
    plan_scenario, receiver_under_test, signing_secrets,
};
pub use targets::Targets;
pub(crate) use targets::{check_url, parse_provider};

/// How a run behaves, beyond the scenarios themselves.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub targets: Targets,
    pub settings: Vec<SettingOverride>,
    /// Replaces every scenario's own seed.
    pub seed: Option<u64>,
    pub time_scale: TimeScale,
    /// The provider APIs for the whole run, for receivers started with their
    /// address (those hooksim did not write).
    pub shared_apis: Option<Arc<SharedApis>>,
    /// Mixed into the identities sent to receivers hooksim did not write,
    /// so every run sends new ones (see [`hooksim_simulator::identity`]);
    /// `None` sends them as the seed makes them (`hooksim send`).
    pub run_nonce: Option<u64>,
    /// What an https receiver's certificate is checked against; a suite's
    /// transport is built with it.
    pub tls: Tls,
    /// Ctrl-C: a scenario stops at once, keeping the steps it finished.
    pub interrupt: Option<Interrupt>,
    /// A scenario that has run this long (real time) stops, failed as timed
    /// out, with the steps it finished.
    pub scenario_time_limit: Duration,
}

/// How long a scenario may run (real time) unless `--scenario-timeout` says:
/// longer than any scenario of the built-in suites against a hanging
/// receiver takes, short enough that a CI job ends.
pub const DEFAULT_SCENARIO_TIME_LIMIT: Duration = Duration::from_secs(600);

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            targets: Targets::default(),
            settings: Vec::new(),
            seed: None,
            time_scale: TimeScale::Instant,
            shared_apis: None,
            run_nonce: None,
            tls: Tls::system(),
            interrupt: None,
            scenario_time_limit: DEFAULT_SCENARIO_TIME_LIMIT,
        }
    }
}

/// What one step did.
#[derive(Debug, Clone)]
pub struct StepRun {
    /// 1-based position in the scenario.
    pub number: usize,
    pub location: Location,
    pub record: StepRecord,
    pub checks: Vec<Check>,
}

impl StepRun {
    pub fn failed_checks(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.passed)
    }
}

/// A scenario and everything that happened when it ran.
#[derive(Debug)]
pub struct ScenarioRun {
    pub scenario: Scenario,
    pub seed: u64,
    pub policy: DeliveryPolicy,
    pub steps: Vec<StepRun>,
    /// Set when a step could not run; later steps were skipped.
    pub error: Option<HarnessError>,
    /// Every call the receiver made to the provider APIs, in order (empty
    /// when the scenario had none).
    pub api_calls: Vec<String>,
    /// Who played the receiver.
    pub receiver: ReceiverUnderTest,
    /// Why the scenario did not run, when it did not.
    pub skipped: Option<Skip>,
    /// How the receiver met the provider API, for the transcript.
    pub api_setup: Option<String>,
    /// Identities sent fresh (a receiver hooksim did not write), which the
    /// transcript shows as the seed made them.
    pub replacements: Vec<Replacement>,
    /// Whether identities were sent fresh (the run has a nonce).
    pub fresh_identities: bool,
}

impl ScenarioRun {
    fn new(scenario: Scenario, options: &RunOptions, receiver: ReceiverUnderTest) -> Self {
        Self {
            policy: scenario.provider.provider().policy(),
            seed: options.seed.or(scenario.seed).unwrap_or(0),
            scenario,
            steps: Vec::new(),
            error: None,
            api_calls: Vec::new(),
            receiver,
            skipped: None,
            api_setup: None,
            replacements: Vec::new(),
            fresh_identities: receiver == ReceiverUnderTest::Theirs && options.run_nonce.is_some(),
        }
    }

    pub fn failed_checks(&self) -> impl Iterator<Item = (&StepRun, &Check)> {
        self.steps
            .iter()
            .flat_map(|s| s.failed_checks().map(move |c| (s, c)))
    }

    pub fn expectations_hold(&self) -> bool {
        self.error.is_none() && self.failed_checks().next().is_none()
    }

    /// Failed checks that fail the run (not those that only warn).
    pub fn failing_checks(&self) -> impl Iterator<Item = (&StepRun, &Check)> {
        self.failed_checks().filter(|(_, c)| c.fails())
    }

    /// Failed checks of rules that rest on a guess.
    pub fn warnings(&self) -> impl Iterator<Item = (&StepRun, &Check)> {
        self.failed_checks().filter(|(_, c)| c.warns())
    }

    pub fn attempt_count(&self) -> usize {
        self.steps.iter().map(|s| s.record.attempts()).sum()
    }
}

/// Plan and run one scenario (for callers that run one at a time).
pub async fn run_scenario(
    transport: &Transport,
    scenario: Scenario,
    options: &RunOptions,
) -> ScenarioRun {
    match plan_scenario(&scenario, options) {
        Ok(plan) => run_planned(transport, scenario, &plan, options).await,
        Err(error) => {
            let mut run = ScenarioRun::new(scenario, options, ReceiverUnderTest::Theirs);
            run.error = Some(error);
            run
        }
    }
}

/// Run one planned scenario to the end (or to the first step that cannot
/// run); a skipped one only says why.
pub async fn run_planned(
    transport: &Transport,
    scenario: Scenario,
    plan: &ScenarioPlan,
    options: &RunOptions,
) -> ScenarioRun {
    let mut run = ScenarioRun::new(scenario, options, plan.receiver);
    if let Some(skip) = &plan.skip {
        run.skipped = Some(skip.clone());
        return run;
    }
    let mut state = match ScenarioState::start(&run.scenario, plan, options).await {
        Ok(state) => state,
        Err(error) => {
            run.error = Some(error);
            return run;
        }
    };
    match state.set_up_api(transport, &run.scenario).await {
        Ok(setup) => run.api_setup = setup,
        Err(error) => {
            run.error = Some(error);
            return run;
        }
    }
    let deadline = tokio::time::Instant::now() + options.scenario_time_limit;
    for (index, step) in run.scenario.steps.iter().enumerate() {
        let mut cx = StepCx {
            transport,
            state: &mut state,
            path: &run.scenario.path,
            provider: run.scenario.provider,
            rule: &run.scenario.rule,
            seed: run.seed,
            policy: &run.policy,
            index,
            location: step.location,
            expect: &step.expect,
        };
        // A step is dropped where it stands when the run is interrupted or
        // the scenario's time is up (a delivery in flight included): what
        // finished is kept.
        let mut interrupt = options.interrupt.clone();
        let asked_to_stop = async {
            match interrupt.as_mut() {
                Some(interrupt) => interrupt.wait().await,
                None => std::future::pending().await,
            }
        };
        let ran = tokio::select! {
            ran = step.action.run(&mut cx) => ran,
            () = asked_to_stop => {
                run.error = Some(HarnessError::Interrupted {
                    path: run.scenario.path.clone(),
                    step: index + 1,
                    line: step.location.line,
                });
                break;
            }
            () = tokio::time::sleep_until(deadline) => {
                run.error = Some(HarnessError::TimedOut {
                    path: run.scenario.path.clone(),
                    step: index + 1,
                    line: step.location.line,
                    limit: options.scenario_time_limit,
                });
                break;
            }
        };
        match ran {
            Ok((record, mut checks)) => {
                // A check stands on no more than its rule does.
                for check in &mut checks {
                    check.basis = check.basis.max(run.scenario.basis);
                }
                run.steps.push(StepRun {
                    number: index + 1,
                    location: step.location,
                    record,
                    checks,
                });
            }
            Err(error) => {
                run.error = Some(error);
                break;
            }
        }
    }
    run.api_calls = state.journal().iter().map(describe_call).collect();
    run.replacements = std::mem::take(&mut state.replacements);
    run
}
