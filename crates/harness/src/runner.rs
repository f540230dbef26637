//! Runs scenarios: steps in order against the resolved target, each
//! delivery under its provider's full policy on a nominal clock.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hooksim_simulator::api::{ApiConditions, ApiState, JournalEntry, ProviderApis};
use hooksim_simulator::clock::{Clock, TimeScale};
use hooksim_simulator::delivery::{Delivery, PreparedDelivery, Verdict, deliver_to_all};
use hooksim_simulator::identity::{Replacement, freshen};
use hooksim_simulator::payload::set_path;
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::{Provider, ProviderId};
use hooksim_simulator::schedule::Schedule;
use hooksim_simulator::signing::{Forgery, SigningKey, SigningKeys};
use hooksim_simulator::stand_in::{Behaviour, StandIn};
use hooksim_simulator::transport::Transport;
use hooksim_simulator::transport::tls::Tls;
use rand::SeedableRng;
use serde_json::Value;

use crate::error::HarnessError;
use crate::expect::{Check, check_delivery};
use crate::provider_api::{
    self, CallbackRecord, Placeholders, ProbeRecord, ReceiverCall, RegistrationCall,
    RegistrationRecord, announced_ids, describe_call, names_one_of, path_of, registered_targets,
};
use crate::scenario::{
    Action, ApiChange, Deliver, Location, Override, RotateKeys, Scenario, Step, step_heading,
};
pub use crate::settings::SettingOverride;
use crate::settings::{Skip, effective_settings, method_and_target, missing_requirement};
use crate::stand_in::{STAND_IN_PREFIX, STAND_IN_SPEEDUP, compressed, parse_stand_in};
use crate::suggest::did_you_mean;

/// Where deliveries go: `--target URL` (a base URL the scenario's relative
/// target is joined to) and `--target PROVIDER=URL` (that provider's exact URL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    pub base: Option<String>,
    pub exact: BTreeMap<ProviderId, String>,
    /// The base URL of hooksim's own reference receiver, when this run
    /// started it: a target there is hooksim playing the receiver.
    pub reference: Option<String>,
}

impl Targets {
    /// Read one `--target` value: `URL` or `PROVIDER=URL`.
    pub fn add_arg(&mut self, arg: &str) -> Result<(), HarnessError> {
        match arg.split_once('=') {
            Some((provider, url)) if !provider.contains('/') => {
                let provider = parse_provider(provider, &format!("--target {arg}: "))?;
                self.exact.insert(provider, check_url(arg, url)?);
            }
            _ => self.base = Some(check_url(arg, arg)?),
        }
        Ok(())
    }
}

/// A provider id from the command line, with a suggestion when it is close to one.
pub(crate) fn parse_provider(id: &str, context: &str) -> Result<ProviderId, HarnessError> {
    ProviderId::parse(id).map_err(|e| {
        let ids: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
        HarnessError::Usage(format!(
            "{context}{e}; {}",
            did_you_mean(id, &ids, "known providers")
        ))
    })
}

pub(crate) fn check_url(arg: &str, url: &str) -> Result<String, HarnessError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(url.to_owned())
    } else {
        Err(HarnessError::Usage(format!(
            "--target {arg}: `{url}` is not an http:// or https:// URL"
        )))
    }
}

impl SettingOverride {
    pub fn parse(arg: &str) -> Result<Self, HarnessError> {
        let usage = |why: String| HarnessError::Usage(format!("--set {arg}: {why}"));
        let (name, value) = arg
            .split_once('=')
            .ok_or_else(|| usage("expected provider.key=value".into()))?;
        let (provider, key) = name
            .split_once('.')
            .ok_or_else(|| usage("expected provider.key=value".into()))?;
        let provider = parse_provider(provider, &format!("--set {arg}: "))?;
        let names = crate::settings::setting_names(provider);
        if !names.contains(&key) {
            let hint = did_you_mean(key, &names, "it has");
            return Err(usage(format!("{provider} has no setting `{key}`; {hint}")));
        }
        if key == "admin_header" && !value.trim().is_empty() {
            provider_api::header_line(value).map_err(usage)?;
        }
        Ok(Self {
            provider,
            key: key.to_owned(),
            value: value.to_owned(),
        })
    }
}

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
}

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
        }
    }
}

/// Who plays the receiver a scenario's deliveries go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiverUnderTest {
    /// hooksim itself: stand-ins and its reference receiver. Built-in
    /// snapshots record this; the reference receiver's settings apply.
    Hooksim,
    /// A receiver hooksim did not write (`--target`).
    Theirs,
}

/// Whether `scenario` tests a receiver hooksim did not write: a route that
/// is neither a stand-in nor the run's reference receiver.
pub fn receiver_under_test(scenario: &Scenario, targets: &Targets) -> ReceiverUnderTest {
    if scenario.reference_only {
        return ReceiverUnderTest::Hooksim;
    }
    let is_reference = |url: &str| {
        targets
            .reference
            .as_deref()
            .is_some_and(|reference| url.starts_with(reference))
    };
    let no_settings = BTreeMap::new();
    let theirs = route_specs(scenario, &no_settings)
        .into_iter()
        .any(
            |(_, target, _)| match destination(scenario, target, targets, &no_settings) {
                Ok(Destination::StandIn(_)) => false,
                Ok(Destination::Url(url)) => !is_reference(&url),
                Ok(Destination::BasePath(_)) => !targets.base.as_deref().is_some_and(is_reference),
                Ok(Destination::ReceiverPath(_)) => {
                    receiver_base(scenario, targets).is_none_or(|base| !is_reference(&base))
                }
                Err(_) => true,
            },
        );
    if theirs {
        ReceiverUnderTest::Theirs
    } else {
        ReceiverUnderTest::Hooksim
    }
}

/// What a scenario will run with, decided before anything is sent.
#[derive(Debug, Clone)]
pub struct ScenarioPlan {
    pub receiver: ReceiverUnderTest,
    pub settings: BTreeMap<String, String>,
    /// Set when a setting the scenario requires is missing: it does not run.
    pub skip: Option<Skip>,
}

/// Plan `scenario`: who plays the receiver, its settings, and whether it
/// is skipped. Settings that cannot work are bad input, found here, before
/// any scenario sends anything.
pub fn plan_scenario(
    scenario: &Scenario,
    options: &RunOptions,
) -> Result<ScenarioPlan, HarnessError> {
    unset_settings_given(scenario, &options.settings)?;
    let receiver = receiver_under_test(scenario, &options.targets);
    let settings = effective_settings(
        scenario,
        &options.settings,
        receiver == ReceiverUnderTest::Hooksim,
    );
    crate::settings::check_values(scenario.provider, &settings).map_err(|message| {
        HarnessError::Target {
            path: scenario.path.clone(),
            message,
        }
    })?;
    let skip = match receiver {
        ReceiverUnderTest::Theirs => missing_requirement(scenario, &settings),
        ReceiverUnderTest::Hooksim => None,
    };
    Ok(ScenarioPlan {
        receiver,
        settings,
        skip,
    })
}

/// A setting whose `${env:NAME}` is unset needs the value from `--set` (or
/// the config file): without one the scenario cannot run as written.
fn unset_settings_given(
    scenario: &Scenario,
    overrides: &[SettingOverride],
) -> Result<(), HarnessError> {
    let missing: Vec<String> = scenario
        .unset_settings
        .iter()
        .filter(|unset| {
            !overrides
                .iter()
                .any(|o| o.provider == scenario.provider && o.key == unset.setting)
        })
        .map(|unset| {
            format!(
                "{}:{}:{}: settings.{} needs the environment variable `{}`, which is not set; set it, or give the value with --set {}.{}=VALUE (or `{}` under [providers.{}] in hooksim.toml)",
                scenario.path.display(),
                unset.location.line,
                unset.location.column,
                unset.setting,
                unset.variable,
                scenario.provider.as_str(),
                unset.setting,
                unset.setting,
                scenario.provider.as_str(),
            )
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(HarnessError::Usage(missing.join("\n")))
    }
}

/// A planned scenario's `api` setting, checked against the APIs this run
/// serves: a receiver started with another address would call nothing.
pub fn check_api_setting(
    scenario: &Scenario,
    plan: &ScenarioPlan,
    shared: Option<&SharedApis>,
) -> Result<(), HarnessError> {
    let uses_api = plan.receiver == ReceiverUnderTest::Theirs
        && plan.skip.is_none()
        && needs_provider_apis(scenario);
    let (true, Some(given)) = (uses_api, plan.settings.get("api")) else {
        return Ok(());
    };
    let provider = scenario.provider;
    let served = shared.map(|shared| shared.apis().base_url(provider));
    match served {
        Some(served) if given.trim_end_matches('/') == served => Ok(()),
        Some(served) => Err(HarnessError::Usage(format!(
            "{provider}.api is {given}, but this run serves the {provider} API at {served}: \
             start your receiver with {served}, or pass --api-addr for the address it uses"
        ))),
        None => Err(HarnessError::Usage(format!(
            "{provider}.api is set, but this run serves no provider API"
        ))),
    }
}

/// The provider APIs at one address for a whole run, so a receiver started
/// with that address (and the documented credentials) uses them. Scenarios
/// that use them take turns: registrations and conditions are each one's
/// own while it runs. Calls are told apart by the ids they name.
#[derive(Debug)]
pub struct SharedApis {
    apis: ProviderApis,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl SharedApis {
    pub async fn start(addr: SocketAddr) -> std::io::Result<Self> {
        Ok(Self {
            apis: ProviderApis::start(addr).await?,
            turn: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    pub fn apis(&self) -> &ProviderApis {
        &self.apis
    }
}

/// Every key a scenario's deliveries are signed with at the start (its
/// `secret` setting or its subscriptions' secrets): what a receiver under
/// test must trust.
pub fn signing_secrets(scenario: &Scenario, overrides: &[SettingOverride]) -> Vec<String> {
    let settings = effective_settings(scenario, overrides, true);
    route_specs(scenario, &settings)
        .into_iter()
        .filter_map(|(_, _, secret)| secret.filter(|s| !s.is_empty()).map(str::to_owned))
        .collect()
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

#[derive(Debug, Clone)]
pub enum StepRecord {
    Delivery(Box<DeliveryRecord>),
    KeysRotated { keys: Vec<String> },
    Waited { duration: Duration, now: Duration },
    Probed(ProbeRecord),
    AwaitedRegistration(RegistrationRecord),
    Callbacks(CallbackRecord),
    ApiChanged(ApiChange),
    Registration(RegistrationCall),
    Burst(Box<crate::burst::BurstRecord>),
    Fuzz(Box<crate::fuzz_step::FuzzRecord>),
}

/// One event as sent and answered, to every route the scenario has.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    /// `deliver CONTACT.CREATE as first`, `forge first (wrong-key)`, ...
    pub title: String,
    pub overrides: Vec<Override>,
    pub forgery: Option<Forgery>,
    /// One per route, in the file's order of subscriptions.
    pub sends: Vec<RouteDelivery>,
    /// Why nothing was sent, when nothing was (no active registration).
    pub note: Option<String>,
}

/// The delivery of one event to one route.
#[derive(Debug, Clone)]
pub struct RouteDelivery {
    /// The subscription's name; `None` for a scenario's single target.
    pub subscription: Option<String>,
    /// The target as the scenario names it (never the run's real URL, which
    /// changes from run to run).
    pub target_shown: String,
    pub body: Bytes,
    pub delivery: Delivery,
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
        self.steps
            .iter()
            .map(|s| match &s.record {
                StepRecord::Delivery(d) => d.sends.iter().map(|r| r.delivery.attempts.len()).sum(),
                StepRecord::Burst(b) => usize::try_from(b.sent).unwrap_or(usize::MAX),
                // One attempt per case; shrinking's resends are not counted.
                StepRecord::Fuzz(f) => usize::try_from(f.cases_run).unwrap_or(usize::MAX),
                _ => 0,
            })
            .sum()
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
    let provider = scenario.provider.provider();
    let mut run = ScenarioRun::new(scenario, options, plan.receiver);
    if let Some(skip) = &plan.skip {
        run.skipped = Some(skip.clone());
        return run;
    }
    let mut state = match ScenarioState::new(&run.scenario, plan, options).await {
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
    let steps = run.scenario.steps.clone();
    for (index, step) in steps.iter().enumerate() {
        match state.run_step(transport, provider, &run, index, step).await {
            Ok(mut step_run) => {
                // A check stands on no more than its rule does.
                for check in &mut step_run.checks {
                    check.basis = check.basis.max(run.scenario.basis);
                }
                run.steps.push(step_run);
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

/// One place a scenario's deliveries go: its target, or one subscription.
struct Route {
    subscription: Option<String>,
    url: String,
    target_shown: String,
    keys: SigningKeys,
    /// The stand-in receiver this route targets, if any; stops when dropped.
    stand_in: Option<StandIn>,
}

/// The policy deliveries to `routes` really run under: when hooksim plays
/// every receiver itself, in compressed real time (see [`STAND_IN_SPEEDUP`]).
fn sending_policy(routes: &[Route], policy: &DeliveryPolicy) -> DeliveryPolicy {
    if !routes.is_empty() && routes.iter().all(|r| r.stand_in.is_some()) {
        policy.compressed(STAND_IN_SPEEDUP)
    } else {
        policy.clone()
    }
}

/// The provider APIs a scenario talks to.
enum ScenarioApis {
    /// Its own instance: hooksim plays the receiver, and tells it the API.
    Own(ProviderApis),
    /// The run's, this scenario's alone while it holds its turn; its part of
    /// the journal starts at `journal_start` and names its ids.
    Shared {
        shared: Arc<SharedApis>,
        _turn: tokio::sync::OwnedMutexGuard<()>,
        journal_start: usize,
    },
}

impl ScenarioApis {
    fn apis(&self) -> &ProviderApis {
        match self {
            Self::Own(apis) => apis,
            Self::Shared { shared, .. } => shared.apis(),
        }
    }
}

/// What a scenario carries from step to step.
struct ScenarioState {
    routes: Vec<Route>,
    clock: Clock,
    sent: HashMap<String, Value>,
    /// Every payload delivered, in order: the ids a shared API's calls name.
    delivered: Vec<Value>,
    /// The provider APIs, when a step needs them.
    apis: Option<ScenarioApis>,
    /// Where deliveries are told to the provider API, so its reads agree.
    records_to: Option<ApiState>,
    /// Where probes go: the receiver's base URL.
    receiver_base: Option<String>,
    settings: BTreeMap<String, String>,
    receiver: ReceiverUnderTest,
    run_nonce: Option<u64>,
    /// Identities sent fresh, to show as the seed made them.
    replacements: Vec<Replacement>,
}

impl ScenarioState {
    async fn new(
        scenario: &Scenario,
        plan: &ScenarioPlan,
        options: &RunOptions,
    ) -> Result<Self, HarnessError> {
        let settings = plan.settings.clone();
        let shared = options
            .shared_apis
            .clone()
            .filter(|_| plan.receiver == ReceiverUnderTest::Theirs);
        let apis = match (needs_provider_apis(scenario), shared.clone()) {
            (false, _) => None,
            (true, Some(shared)) => {
                let turn = shared.turn.clone().lock_owned().await;
                let journal_start = shared.apis().state().begin_scenario();
                Some(ScenarioApis::Shared {
                    shared,
                    _turn: turn,
                    journal_start,
                })
            }
            (true, None) => {
                let started = ProviderApis::start(SocketAddr::from(([127, 0, 0, 1], 0))).await;
                Some(ScenarioApis::Own(started.map_err(|source| {
                    HarnessError::Engine {
                        path: scenario.path.clone(),
                        step: 0,
                        source: hooksim_simulator::SimulatorError::Client(format!(
                            "cannot start the provider APIs: {source}"
                        )),
                    }
                })?))
            }
        };
        let records_to = match (&apis, shared) {
            (Some(apis), _) => Some(apis.apis().state().clone()),
            (None, Some(shared)) => Some(shared.apis().state().clone()),
            (None, None) => None,
        };
        let no_sent = HashMap::new();
        let placeholders = Placeholders {
            apis: apis.as_ref().map(ScenarioApis::apis),
            provider: scenario.provider,
            sent: &no_sent,
            settings: &settings,
        };
        let mut routes = Vec::new();
        for (subscription, target, secret) in route_specs(scenario, &settings) {
            // A target may name this scenario's API connection (`{{api.connection}}`),
            // so a shared receiver can tell scenarios apart; transcripts show it unfilled.
            // A target a setting gives is resolved by `destination`, which
            // must still see that it came from a setting.
            let filled = match target {
                Some(t) if t.contains("{{") && !t.contains("{{settings.") => Some(
                    placeholders
                        .fill(t)
                        .map_err(|message| HarnessError::Target {
                            path: scenario.path.clone(),
                            message,
                        })?,
                ),
                _ => None,
            };
            let (url, stand_in) = resolve_target(
                scenario,
                filled.as_deref().or(target),
                &options.targets,
                &settings,
            )
            .await?;
            // What the file says, where the real URL holds a port or a
            // connection name that changes from run to run.
            let target_shown = match target {
                Some(t) if t.starts_with(STAND_IN_PREFIX) || t.contains("{{api.") => t.to_owned(),
                _ => path_of(&url).to_owned(),
            };
            routes.push(Route {
                subscription,
                url,
                target_shown,
                keys: signing_keys(scenario, secret),
                stand_in,
            });
        }
        Ok(Self {
            routes,
            clock: Clock::new(options.time_scale),
            sent: HashMap::new(),
            delivered: Vec::new(),
            apis,
            records_to,
            receiver_base: receiver_base(scenario, &options.targets),
            settings,
            receiver: plan.receiver,
            run_nonce: options.run_nonce,
            replacements: Vec::new(),
        })
    }

    fn placeholders(&self, provider: ProviderId) -> Placeholders<'_> {
        Placeholders {
            apis: self.apis.as_ref().map(ScenarioApis::apis),
            provider,
            sent: &self.sent,
            settings: &self.settings,
        }
    }

    /// The calls to the provider API that are this scenario's: all of its
    /// own instance's; of the run's, those since it began that name its ids.
    fn journal(&self) -> Vec<JournalEntry> {
        match &self.apis {
            None => Vec::new(),
            Some(ScenarioApis::Own(apis)) => apis.state().journal(),
            Some(ScenarioApis::Shared {
                shared,
                journal_start,
                ..
            }) => {
                let ids = announced_ids(&self.delivered);
                let journal = shared.apis().state().journal();
                // A 401 is a long-lived receiver renewing a token an earlier
                // run's API issued: shown, it would make runs differ.
                journal
                    .into_iter()
                    .skip(*journal_start)
                    .filter(|entry| entry.status != 401 && names_one_of(entry, &ids))
                    .collect()
            }
        }
    }

    /// Before the first step of a scenario that needs the receiver to use
    /// the provider API: hooksim connects its reference receiver where that
    /// is done up front (Flow); a receiver of the team's was started with
    /// the address. Returns the transcript's line about it.
    async fn set_up_api(
        &self,
        transport: &Transport,
        scenario: &Scenario,
    ) -> Result<Option<String>, HarnessError> {
        let provider = scenario.provider;
        if !scenario.requires.iter().any(|r| r == "api") {
            return Ok(None);
        }
        if self.receiver == ReceiverUnderTest::Theirs {
            return Ok(Some(format!(
                "api: your receiver was started with this run's {provider} API ({provider}.api)"
            )));
        }
        if !crate::reference_receiver::connects_before_steps(provider) {
            return Ok(None);
        }
        let (Some(apis), Some(base)) = (&self.apis, &self.receiver_base) else {
            return Ok(None);
        };
        let body = crate::reference_receiver::connect_body(provider, apis.apis(), None, None);
        let call = ReceiverCall {
            method: "POST",
            target: &crate::reference_receiver::connect_path(provider),
            params: &[],
            headers: &[],
            json: Some(&body),
        };
        let failed = |message: String| HarnessError::Target {
            path: scenario.path.clone(),
            message: format!(
                "the reference receiver could not connect to the {provider} API: {message}"
            ),
        };
        let placeholders = self.placeholders(provider);
        let (record, status) = call
            .send(transport, base, &placeholders)
            .await
            .map_err(failed)?;
        if !status.is_some_and(|s| (200..300).contains(&s)) {
            return Err(failed(format!("{} {}", record.answer, record.body)));
        }
        Ok(Some(format!(
            "api: the reference receiver connected to this scenario's {provider} API"
        )))
    }

    async fn run_step(
        &mut self,
        transport: &Transport,
        provider: &dyn Provider,
        run: &ScenarioRun,
        index: usize,
        step: &Step,
    ) -> Result<StepRun, HarnessError> {
        let scenario = &run.scenario;
        let step_error = |source| HarnessError::Step {
            path: scenario.path.clone(),
            step: index + 1,
            line: step.location.line,
            source,
        };
        let bad_step = |message: String| HarnessError::Target {
            path: scenario.path.clone(),
            message: format!("{}: {message}", step_heading(index + 1, step.location.line)),
        };
        let placeholders = self.placeholders(scenario.provider);
        let finished = |record, checks| StepRun {
            number: index + 1,
            location: step.location,
            record,
            checks,
        };
        match &step.action {
            Action::Probe(probe) => {
                let base = self.receiver_base.as_deref().ok_or_else(|| {
                    bad_step("a probe needs the receiver's base URL: pass --target URL".to_owned())
                })?;
                let (record, checks) =
                    provider_api::probe(transport, base, probe, &step.expect, &placeholders)
                        .await
                        .map_err(bad_step)?;
                return Ok(finished(StepRecord::Probed(record), checks));
            }
            Action::AwaitRegistration { event, within } => {
                let apis = self
                    .apis
                    .as_ref()
                    .map(ScenarioApis::apis)
                    .ok_or_else(|| bad_step("no provider API".to_owned()))?;
                let (record, checks) = provider_api::await_registration(
                    apis,
                    scenario.provider,
                    event.as_deref(),
                    *within,
                )
                .await;
                return Ok(finished(StepRecord::AwaitedRegistration(record), checks));
            }
            Action::ExpectCallback(callback) => {
                if self.apis.is_none() {
                    return Err(bad_step("no provider API".to_owned()));
                }
                let journal = || self.journal();
                let (record, checks) = provider_api::expect_callback(
                    &journal,
                    scenario.provider,
                    callback,
                    &placeholders,
                )
                .await
                .map_err(bad_step)?;
                return Ok(finished(StepRecord::Callbacks(record), checks));
            }
            Action::Api(change) => {
                let apis = self
                    .apis
                    .as_ref()
                    .map(ScenarioApis::apis)
                    .ok_or_else(|| bad_step("no provider API".to_owned()))?;
                apis.state()
                    .set_conditions(changed(apis.state().conditions(), change));
                return Ok(finished(StepRecord::ApiChanged(change.clone()), Vec::new()));
            }
            Action::Register(register) => {
                let (record, checks) = self
                    .registration(
                        transport,
                        scenario,
                        step,
                        true,
                        register.event.as_deref(),
                        register.within,
                    )
                    .await
                    .map_err(bad_step)?;
                return Ok(finished(StepRecord::Registration(record), checks));
            }
            Action::Unregister => {
                let (record, checks) = self
                    .registration(transport, scenario, step, false, None, UNREGISTER_WAIT)
                    .await
                    .map_err(bad_step)?;
                return Ok(finished(StepRecord::Registration(record), checks));
            }
            Action::Burst(burst) => {
                let [route] = self.routes.as_slice() else {
                    return Err(bad_step(format!(
                        "a burst goes to one target; this scenario has {} subscriptions",
                        self.routes.len()
                    )));
                };
                let policy = sending_policy(&self.routes, &run.policy);
                let plan = crate::burst::BurstPlan {
                    provider: scenario.provider.provider(),
                    policy: &policy,
                    url: &route.url,
                    tls: transport.tls().clone(),
                    keys: &route.keys,
                    seed: run.seed ^ crate::selection::fnv1a(scenario.rule.as_bytes()),
                    step_index: index,
                    wall_time_limit: crate::burst::MAX_WALL_TIME,
                };
                // A payload that cannot be built is the scenario's fault; find it before sending.
                plan.payload(burst, 0).map_err(step_error)?;
                let record = crate::burst::run_burst(&plan, burst)
                    .await
                    .map_err(|source| HarnessError::Engine {
                        path: scenario.path.clone(),
                        step: index + 1,
                        source,
                    })?;
                let checks =
                    crate::burst::check_burst(&step.expect, &record, scenario.provider, &policy);
                return Ok(finished(StepRecord::Burst(Box::new(record)), checks));
            }
            Action::Fuzz(fuzz) => {
                let [route] = self.routes.as_slice() else {
                    return Err(bad_step(format!(
                        "a fuzz step goes to one target; this scenario has {} subscriptions",
                        self.routes.len()
                    )));
                };
                let policy = sending_policy(&self.routes, &run.policy);
                let plan = crate::fuzz_step::FuzzPlan {
                    // The 'static profile: the search thread outlives this borrow's scope.
                    provider: scenario.provider.provider(),
                    policy: &policy,
                    url: &route.url,
                    keys: &route.keys,
                };
                let record = crate::fuzz_step::run_fuzz(transport, &plan, fuzz, run.seed)
                    .await
                    .map_err(step_error)?;
                let checks = vec![record.check()];
                return Ok(finished(StepRecord::Fuzz(Box::new(record)), checks));
            }
            _ => {}
        }
        let (title, payload, overrides, forgery) = match &step.action {
            Action::Deliver(d) => {
                // The rule is mixed in so two scenarios with the same seed still send
                // different people and ids: parallel scenarios never look like duplicates.
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
                    run.seed ^ crate::selection::fnv1a(scenario.rule.as_bytes()),
                );
                // One stream per step: adding a step does not change the data of the others.
                rng.set_stream(index as u64);
                let mut payload = provider.build(&d.event, &mut rng).map_err(step_error)?;
                for o in &d.set {
                    set_path(&mut payload, &o.path, o.value.clone()).map_err(step_error)?;
                }
                if let (ReceiverUnderTest::Theirs, Some(nonce)) = (self.receiver, self.run_nonce) {
                    self.freshen_identity(&mut payload, provider, scenario, index, &d.set, nonce);
                }
                if let Some(alias) = &d.alias {
                    self.sent.insert(alias.clone(), payload.clone());
                }
                let mut title = match &d.alias {
                    Some(alias) => format!("deliver {} as {alias}", d.event),
                    None => format!("deliver {}", d.event),
                };
                if let Some(n) = d.max_attempts {
                    title.push_str(&format!(
                        " (schedule cut at {n} attempt{})",
                        if n == 1 { "" } else { "s" }
                    ));
                }
                if d.to_registered {
                    title.push_str(" to registered");
                }
                (title, payload, d.set.clone(), None)
            }
            Action::Redeliver { from } => (
                format!("redeliver {from}"),
                self.recall(scenario, index, from)?,
                Vec::new(),
                None,
            ),
            Action::Forge { from, forgery } => (
                format!("forge {from} ({})", forgery.name()),
                self.recall(scenario, index, from)?,
                Vec::new(),
                Some(*forgery),
            ),
            Action::RotateKeys(rotation) => {
                self.rotate(rotation);
                return Ok(StepRun {
                    number: index + 1,
                    location: step.location,
                    record: StepRecord::KeysRotated {
                        keys: self
                            .routes
                            .first()
                            .map(|r| r.keys.keys.iter().map(|k| k.name.clone()).collect())
                            .unwrap_or_default(),
                    },
                    checks: Vec::new(),
                });
            }
            Action::Probe(_)
            | Action::AwaitRegistration { .. }
            | Action::ExpectCallback(_)
            | Action::Api(_)
            | Action::Register(_)
            | Action::Unregister
            | Action::Burst(_)
            | Action::Fuzz(_) => unreachable!("handled above"),
            Action::Wait { duration } => {
                self.clock.advance(*duration).await;
                return Ok(StepRun {
                    number: index + 1,
                    location: step.location,
                    record: StepRecord::Waited {
                        duration: *duration,
                        now: self.clock.now(),
                    },
                    checks: Vec::new(),
                });
            }
        };
        let to_registered = matches!(
            &step.action,
            Action::Deliver(Deliver {
                to_registered: true,
                ..
            })
        );
        let mut note = None;
        let routes: Vec<Route> = if to_registered {
            let apis = self
                .apis
                .as_ref()
                .map(ScenarioApis::apis)
                .ok_or_else(|| bad_step("no provider API".to_owned()))?;
            let event = match &step.action {
                Action::Deliver(d) => d.event.as_str(),
                _ => "",
            };
            match registered_targets(apis, scenario.provider, event) {
                Ok(registrations) => registrations
                    .into_iter()
                    .map(|r| Route {
                        subscription: Some(format!("registration {}", r.id)),
                        target_shown: "[registered url]".to_owned(),
                        keys: signing_keys(scenario, r.secret.as_deref()),
                        url: r.url,
                        stand_in: None,
                    })
                    .collect(),
                Err(why) => {
                    note = Some(why);
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        let routes = if to_registered { &routes } else { &self.routes };
        if let Some(api) = &self.records_to {
            api.record_delivery(scenario.provider, payload.clone());
        }
        self.delivered.push(payload.clone());
        let prepared: Vec<PreparedDelivery> = routes
            .iter()
            .map(|r| PreparedDelivery::new(provider, r.url.clone(), &payload, &r.keys, forgery))
            .collect();
        // A forger sends once; the provider's schedule is for the provider's own deliveries.
        let schedule = match (&step.action, forgery) {
            (_, Some(_)) => Schedule::once(),
            (
                Action::Deliver(Deliver {
                    max_attempts: Some(n),
                    ..
                }),
                None,
            ) => run.policy.schedule.value.truncated(*n),
            _ => run.policy.schedule.value.clone(),
        };
        let deliveries = deliver_to_all(
            transport,
            provider,
            &sending_policy(routes, &run.policy),
            &schedule,
            &prepared,
            &mut self.clock,
        )
        .await
        .map_err(|source| HarnessError::Engine {
            path: scenario.path.clone(),
            step: index + 1,
            source,
        })?;
        let mut checks = Vec::new();
        if routes.is_empty() {
            // Nothing was sent: every expectation is checked against an empty delivery.
            let nothing = Delivery {
                attempts: Vec::new(),
                verdict: Verdict::GaveUp,
            };
            checks.extend(check_delivery(&step.expect, &nothing, &run.policy));
        }
        let mut sends = Vec::with_capacity(deliveries.len());
        for ((route, prepared), delivery) in routes.iter().zip(prepared).zip(deliveries) {
            checks.extend(
                check_delivery(&step.expect, &delivery, &run.policy)
                    .into_iter()
                    .map(|c| c.for_subscription(route.subscription.clone())),
            );
            sends.push(RouteDelivery {
                subscription: route.subscription.clone(),
                target_shown: route.target_shown.clone(),
                body: prepared.body,
                delivery,
            });
        }
        Ok(StepRun {
            number: index + 1,
            location: step.location,
            record: StepRecord::Delivery(Box::new(DeliveryRecord {
                title,
                overrides,
                forgery,
                sends,
                note,
            })),
            checks,
        })
    }

    fn recall(
        &self,
        scenario: &Scenario,
        index: usize,
        alias: &str,
    ) -> Result<Value, HarnessError> {
        self.sent
            .get(alias)
            .cloned()
            .ok_or_else(|| HarnessError::Target {
                path: scenario.path.clone(),
                message: format!(
                    "step {}: no earlier delivery is called `{alias}`",
                    index + 1
                ),
            })
    }

    /// Fresh values at the provider's identity paths (those the scenario
    /// does not set itself), drawn from the run's nonce.
    fn freshen_identity(
        &mut self,
        payload: &mut Value,
        provider: &dyn Provider,
        scenario: &Scenario,
        index: usize,
        set: &[Override],
        nonce: u64,
    ) {
        let paths: Vec<&str> = provider
            .identity_paths()
            .iter()
            .copied()
            .filter(|path| {
                !set.iter()
                    .any(|o| o.path == *path || path.starts_with(&format!("{}.", o.path)))
            })
            .collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
            nonce ^ crate::selection::fnv1a(scenario.rule.as_bytes()),
        );
        rng.set_stream(index as u64);
        self.replacements.extend(freshen(payload, &paths, &mut rng));
    }

    /// Ask the receiver to register (or unregister) through its setting;
    /// the reference receiver is handed the scenario's API in the body.
    async fn registration(
        &self,
        transport: &Transport,
        scenario: &Scenario,
        step: &Step,
        register: bool,
        event: Option<&str>,
        within: Duration,
    ) -> Result<(RegistrationCall, Vec<Check>), String> {
        let provider = scenario.provider;
        let setting = if register { "register" } else { "unregister" };
        let base = self
            .receiver_base
            .as_deref()
            .ok_or_else(|| format!("`{setting}` calls the receiver: pass --target URL"))?;
        let apis = self
            .apis
            .as_ref()
            .map(ScenarioApis::apis)
            .ok_or_else(|| "no provider API".to_owned())?;
        let value = self.settings.get(setting).cloned().unwrap_or_default();
        let (method, target) = method_and_target(&value);
        let body = match (self.receiver, register) {
            (ReceiverUnderTest::Hooksim, true) => {
                let secret = self.settings.get("secret").map(String::as_str);
                crate::reference_receiver::connect_body(provider, apis, secret, event)
            }
            (ReceiverUnderTest::Hooksim, false) => crate::reference_receiver::disconnect_body(apis),
            (ReceiverUnderTest::Theirs, _) => serde_json::json!({}),
        };
        let headers = self.admin_headers();
        let call = ReceiverCall {
            method: &method,
            target: &target,
            params: &[],
            headers: &headers,
            json: Some(&body),
        };
        let placeholders = self.placeholders(provider);
        provider_api::registration(
            transport,
            base,
            &call,
            &placeholders,
            register,
            event,
            within,
            &step.expect,
        )
        .await
    }

    /// The `admin_header` setting, as a probe's header lines.
    fn admin_headers(&self) -> Vec<String> {
        self.settings
            .get("admin_header")
            .filter(|h| !h.trim().is_empty())
            .cloned()
            .into_iter()
            .collect()
    }

    fn rotate(&mut self, rotation: &RotateKeys) {
        for route in &mut self.routes {
            route.keys = rotated(&route.keys, rotation);
        }
    }
}

/// The keys after a rotation step: `old` goes before the current key, `new`
/// after it; `finished` keeps only the newest.
fn rotated(keys: &SigningKeys, rotation: &RotateKeys) -> SigningKeys {
    let current = keys.keys.last().cloned();
    let old = rotation
        .old
        .as_ref()
        .map(|k| SigningKey::new("old", k.clone()));
    let new = rotation
        .new
        .as_ref()
        .map(|k| SigningKey::new("new", k.clone()));
    let keys: Vec<SigningKey> = match (old, new) {
        (Some(old), Some(new)) => vec![old, new],
        (Some(old), None) => [Some(old), current].into_iter().flatten().collect(),
        (None, Some(new)) => [current, Some(new)].into_iter().flatten().collect(),
        (None, None) => current.into_iter().collect(),
    };
    let keys = if rotation.finished {
        keys.into_iter().last().into_iter().collect()
    } else {
        keys
    };
    SigningKeys { keys }
}

/// How long an `unregister` step waits for the registrations to go.
const UNREGISTER_WAIT: Duration = Duration::from_secs(5);

/// `conditions` with what `change` sets.
fn changed(conditions: ApiConditions, change: &ApiChange) -> ApiConditions {
    ApiConditions {
        rate_limited: change.rate_limited.unwrap_or(conditions.rate_limited),
        token_read_only: change.token_read_only.unwrap_or(conditions.token_read_only),
        credentials_refused: change
            .credentials_refused
            .unwrap_or(conditions.credentials_refused),
        without_cases_read: change
            .cases_read
            .map_or(conditions.without_cases_read, |read| !read),
        event_key_typo: change.event_key_typo.unwrap_or(conditions.event_key_typo),
    }
}

/// Whether a scenario talks to provider APIs (and so gets its own).
pub fn needs_provider_apis(scenario: &Scenario) -> bool {
    if scenario.requires.iter().any(|r| r == "api") {
        return true;
    }
    let targets = scenario.target.iter().chain(
        scenario
            .subscriptions
            .iter()
            .filter_map(|s| s.target.as_ref()),
    );
    if targets.into_iter().any(|t| t.contains("{{api.")) {
        return true;
    }
    scenario.steps.iter().any(|step| match &step.action {
        Action::AwaitRegistration { .. }
        | Action::ExpectCallback(_)
        | Action::Api(_)
        | Action::Register(_)
        | Action::Unregister => true,
        Action::Deliver(d) => d.to_registered,
        Action::Probe(p) => {
            p.path.contains("{{api.")
                || p.json
                    .as_ref()
                    .is_some_and(|j| j.to_string().contains("{{api."))
        }
        _ => false,
    })
}

/// The receiver's own base URL, for probes: `--target PROVIDER=URL`'s origin,
/// else `--target URL` (the built-in receiver when none is given); the
/// reference receiver for a `receiver: reference` scenario.
fn receiver_base(scenario: &Scenario, targets: &Targets) -> Option<String> {
    if scenario.reference_only {
        return targets.reference.clone();
    }
    if let Some(url) = targets.exact.get(&scenario.provider) {
        let scheme_end = url.find("://").map_or(0, |i| i + 3);
        let origin_end = url[scheme_end..]
            .find('/')
            .map_or(url.len(), |i| scheme_end + i);
        return Some(url[..origin_end].to_owned());
    }
    targets.base.clone()
}

/// `(subscription, target, secret)` for every route of a scenario: one per
/// subscription, or the scenario's own target and `secret` setting.
fn route_specs<'a>(
    scenario: &'a Scenario,
    settings: &'a BTreeMap<String, String>,
) -> Vec<(Option<String>, Option<&'a str>, Option<&'a str>)> {
    if scenario.subscriptions.is_empty() {
        return vec![(
            None,
            scenario.target.as_deref(),
            settings.get("secret").map(String::as_str),
        )];
    }
    scenario
        .subscriptions
        .iter()
        .map(|s| {
            let target = s.target.as_deref().or(scenario.target.as_deref());
            // `secret: "{{settings.secret}}"`: the run's setting, as `--set` gives it.
            let secret = match s.secret.as_deref().and_then(named_setting) {
                Some(name) => settings.get(name).map(String::as_str),
                None => s.secret.as_deref(),
            };
            (Some(s.name.clone()), target, secret)
        })
        .collect()
}

/// `NAME` of a value that is exactly one `{{settings.NAME}}`.
fn named_setting(value: &str) -> Option<&str> {
    value
        .trim()
        .strip_prefix("{{")?
        .strip_suffix("}}")?
        .trim()
        .strip_prefix("settings.")
}

/// No secret (or an empty one) means unsigned deliveries: Atlas sends no
/// X-Signature to a subscription without one. Providers that always sign
/// (Hemnet) default it.
fn signing_keys(scenario: &Scenario, secret: Option<&str>) -> SigningKeys {
    match (
        scenario.provider.provider().signature(),
        secret.filter(|s| !s.is_empty()),
    ) {
        (Some(_), Some(secret)) => SigningKeys::single(SigningKey::new("secret", secret)),
        _ => SigningKeys { keys: Vec::new() },
    }
}

/// Where a scenario's deliveries go, before any port is reserved.
enum Destination<'a> {
    /// A receiver hooksim plays itself.
    StandIn(Behaviour),
    Url(String),
    /// A path to join to the run's base URL.
    BasePath(&'a str),
    /// A path (from a setting, or of a `receiver: reference` scenario) to
    /// join to the receiver's own base URL.
    ReceiverPath(String),
}

/// A stand-in first (it is part of what the scenario proves), then the
/// reference receiver of a `receiver: reference` scenario, then a target
/// a setting gives (`{{settings.unsigned_target}}`: the team said where),
/// then `--target PROVIDER=URL`, then an absolute target in the file, then
/// the file's path joined to `--target URL`.
fn destination<'a>(
    scenario: &Scenario,
    target: Option<&'a str>,
    targets: &Targets,
    settings: &BTreeMap<String, String>,
) -> Result<Destination<'a>, HarnessError> {
    let bad_target = |message: String| HarnessError::Target {
        path: scenario.path.clone(),
        message,
    };
    if let Some(spec) = target.and_then(|t| t.strip_prefix(STAND_IN_PREFIX)) {
        return parse_stand_in(spec)
            .map(Destination::StandIn)
            .map_err(bad_target);
    }
    if scenario.reference_only {
        return Ok(Destination::ReceiverPath(target.unwrap_or("").to_owned()));
    }
    if let Some(written) = target.filter(|t| t.contains("{{settings.")) {
        let no_sent = HashMap::new();
        let placeholders = Placeholders {
            apis: None,
            provider: scenario.provider,
            sent: &no_sent,
            settings,
        };
        let filled = placeholders.fill_settings(written).map_err(bad_target)?;
        return Ok(
            if filled.starts_with("http://") || filled.starts_with("https://") {
                Destination::Url(filled)
            } else {
                Destination::ReceiverPath(filled)
            },
        );
    }
    if let Some(url) = targets.exact.get(&scenario.provider) {
        return Ok(Destination::Url(url.clone()));
    }
    match target {
        Some(t) if t.starts_with("http://") || t.starts_with("https://") => {
            Ok(Destination::Url(t.to_owned()))
        }
        Some(t) if t.contains(':') && !t.starts_with('/') => Err(bad_target(format!(
            "target `{t}` is neither a path, an http(s) URL, nor `{STAND_IN_PREFIX}...`"
        ))),
        _ => Ok(Destination::BasePath(target.unwrap_or(""))),
    }
}

/// True when `scenario` sends to the run's base URL, so one must be given
/// (or the reference receiver started).
pub fn needs_base_url(scenario: &Scenario, targets: &Targets) -> bool {
    if scenario.reference_only {
        return false;
    }
    let calls_receiver = scenario.steps.iter().any(|s| {
        matches!(
            s.action,
            Action::Probe(_) | Action::Register(_) | Action::Unregister
        )
    });
    if calls_receiver && !targets.exact.contains_key(&scenario.provider) {
        return true;
    }
    let no_settings = BTreeMap::new();
    route_specs(scenario, &no_settings)
        .into_iter()
        .any(|(_, target, _)| {
            matches!(
                destination(scenario, target, targets, &no_settings),
                Ok(Destination::BasePath(_))
            )
        })
}

/// True when `scenario` runs against the reference receiver whatever the
/// targets (`receiver: reference`), so this run must start it.
pub fn needs_reference_receiver(scenario: &Scenario, targets: &Targets) -> bool {
    scenario.reference_only || (targets.base.is_none() && needs_base_url(scenario, targets))
}

/// The URL for a scenario's deliveries, and the stand-in that answers
/// there when the scenario names one.
async fn resolve_target(
    scenario: &Scenario,
    target: Option<&str>,
    targets: &Targets,
    settings: &BTreeMap<String, String>,
) -> Result<(String, Option<StandIn>), HarnessError> {
    match destination(scenario, target, targets, settings)? {
        Destination::StandIn(behaviour) => {
            let stand_in = StandIn::start(compressed(behaviour))
                .await
                .map_err(|source| HarnessError::Engine {
                    path: scenario.path.clone(),
                    step: 0,
                    source: hooksim_simulator::SimulatorError::Client(format!(
                        "cannot start the stand-in receiver: {source}"
                    )),
                })?;
            Ok((stand_in.url().to_owned(), Some(stand_in)))
        }
        Destination::Url(url) => Ok((url, None)),
        Destination::ReceiverPath(path) => {
            let base = receiver_base(scenario, targets).ok_or_else(|| HarnessError::Target {
                path: scenario.path.clone(),
                message: format!(
                    "`{path}` is a path on the receiver, but there is no receiver base URL: pass --target URL"
                ),
            })?;
            Ok((joined(&base, &path), None))
        }
        Destination::BasePath(path) => {
            let base = targets
                .base
                .as_deref()
                .ok_or_else(|| HarnessError::Target {
                    path: scenario.path.clone(),
                    message: format!(
                        "no target for {}: pass --target URL or --target {}=URL",
                        scenario.provider, scenario.provider
                    ),
                })?;
            Ok((joined(base, path), None))
        }
    }
}

/// `base` and `path` with one `/` between them.
fn joined(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(text: &str) -> Scenario {
        crate::scenario::parse_scenario(std::path::Path::new("scenarios/hemnet/x.yaml"), text)
            .expect("a valid scenario")
    }

    const LOOKUP: &str = "name: n\nprovider: hemnet\nrule: hemnet/r\nsource: s\nrequires: [contact_lookup]\ntarget: /hemnet\nsteps:\n  - deliver: { event: CONTACT.CREATE }\n";

    fn options(targets: Targets) -> RunOptions {
        RunOptions {
            targets,
            ..RunOptions::default()
        }
    }

    #[test]
    fn who_plays_the_receiver_follows_the_targets() {
        let s = scenario(LOOKUP);
        let reference = "http://127.0.0.1:4000".to_owned();
        let ours = Targets {
            base: Some(reference.clone()),
            reference: Some(reference.clone()),
            ..Targets::default()
        };
        assert_eq!(receiver_under_test(&s, &ours), ReceiverUnderTest::Hooksim);
        let theirs = Targets {
            exact: [(ProviderId::Hemnet, "http://127.0.0.1:5000/hooks".to_owned())].into(),
            ..ours.clone()
        };
        assert_eq!(receiver_under_test(&s, &theirs), ReceiverUnderTest::Theirs);
        let stand_in = scenario(&LOOKUP.replace("target: /hemnet", "target: stand-in:status/200"));
        assert_eq!(
            receiver_under_test(&stand_in, &theirs),
            ReceiverUnderTest::Hooksim
        );
        let shown = scenario(&LOOKUP.replace("requires:", "receiver: reference\nrequires:"));
        assert_eq!(
            receiver_under_test(&shown, &theirs),
            ReceiverUnderTest::Hooksim
        );
    }

    #[test]
    fn a_receiver_of_theirs_without_a_required_setting_is_skipped_and_told_how() {
        let s = scenario(LOOKUP);
        let theirs = options(Targets {
            base: Some("http://127.0.0.1:5000".to_owned()),
            ..Targets::default()
        });
        let plan = plan_scenario(&s, &theirs).expect("a plan");
        let skip = plan.skip.expect("skipped");
        assert_eq!(skip.setting, "hemnet.contact_lookup");
        assert!(
            skip.reason
                .ends_with("for example: --set hemnet.contact_lookup=/api/leads?contact_id={id}"),
            "{}",
            skip.reason
        );
        let mut given = theirs.clone();
        given
            .settings
            .push(SettingOverride::parse("hemnet.contact_lookup=/leads/{id}").expect("a setting"));
        assert!(plan_scenario(&s, &given).expect("a plan").skip.is_none());
        // hooksim's own receiver brings its own values.
        let reference = "http://127.0.0.1:4000".to_owned();
        let ours = options(Targets {
            base: Some(reference.clone()),
            reference: Some(reference),
            ..Targets::default()
        });
        let plan = plan_scenario(&s, &ours).expect("a plan");
        assert!(plan.skip.is_none());
        assert_eq!(
            plan.settings.get("contact_lookup").map(String::as_str),
            Some("/hemnet/contacts/{id}")
        );
    }

    #[test]
    fn settings_are_checked_as_they_are_read() {
        assert!(
            SettingOverride::parse("hemnet.contact_lokup=/x")
                .is_err_and(|e| e.to_string().contains("did you mean `contact_lookup`?"))
        );
        assert!(SettingOverride::parse("hemnet.admin_header=no colon").is_err());
        assert!(SettingOverride::parse("hemnet.admin_header=X-Key: k").is_ok());
        assert!(SettingOverride::parse("hemnet.register=/x").is_err());
    }

    #[test]
    fn api_conditions_change_only_what_a_step_names() {
        let before = ApiConditions {
            rate_limited: true,
            ..ApiConditions::default()
        };
        let after = changed(
            before.clone(),
            &ApiChange {
                cases_read: Some(false),
                ..ApiChange::default()
            },
        );
        assert!(after.rate_limited && after.without_cases_read);
        let reset = changed(
            after,
            &ApiChange {
                rate_limited: Some(false),
                cases_read: Some(true),
                ..ApiChange::default()
            },
        );
        assert_eq!(reset, ApiConditions::default());
    }
}
