//! Runs scenarios: steps in order against the resolved target, each
//! delivery under its provider's full policy on a nominal clock.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use hooksim_simulator::api::ProviderApis;
use hooksim_simulator::clock::{Clock, TimeScale};
use hooksim_simulator::delivery::{Delivery, PreparedDelivery, Verdict, deliver_to_all};
use hooksim_simulator::payload::set_path;
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::{Provider, ProviderId};
use hooksim_simulator::schedule::Schedule;
use hooksim_simulator::signing::{Forgery, SigningKey, SigningKeys};
use hooksim_simulator::stand_in::{Behaviour, StandIn};
use hooksim_simulator::transport::Transport;
use rand::SeedableRng;
use serde_json::Value;

use crate::error::HarnessError;
use crate::expect::{Check, check_delivery};
use crate::provider_api::{
    self, CallbackRecord, Placeholders, ProbeRecord, RegistrationRecord, describe_call,
    registered_targets,
};
use crate::scenario::{Action, Deliver, Location, Override, RotateKeys, Scenario, Step};
use crate::stand_in::{STAND_IN_PREFIX, STAND_IN_SPEEDUP, compressed, parse_stand_in};
use crate::suggest::did_you_mean;

/// Where deliveries go: `--target URL` (a base URL the scenario's relative
/// target is joined to) and `--target PROVIDER=URL` (that provider's exact URL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    pub base: Option<String>,
    pub exact: BTreeMap<ProviderId, String>,
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
fn parse_provider(id: &str, context: &str) -> Result<ProviderId, HarnessError> {
    ProviderId::parse(id).map_err(|e| {
        let ids: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
        HarnessError::Usage(format!(
            "{context}{e}; {}",
            did_you_mean(id, &ids, "known providers")
        ))
    })
}

fn check_url(arg: &str, url: &str) -> Result<String, HarnessError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(url.to_owned())
    } else {
        Err(HarnessError::Usage(format!(
            "--target {arg}: `{url}` is not an http:// or https:// URL"
        )))
    }
}

/// A `--set provider.key=value` from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingOverride {
    pub provider: ProviderId,
    pub key: String,
    pub value: String,
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
        let known = provider.provider().settings();
        if !known.iter().any(|s| s.name == key) {
            let names: Vec<&str> = known.iter().map(|s| s.name).collect();
            return Err(usage(format!(
                "{provider} has no setting `{key}` (it has: {})",
                names.join(", ")
            )));
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
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            targets: Targets::default(),
            settings: Vec::new(),
            seed: None,
            time_scale: TimeScale::Instant,
        }
    }
}

/// The settings a scenario runs with: provider defaults, then the file's,
/// then the command line's.
pub fn effective_settings(
    scenario: &Scenario,
    overrides: &[SettingOverride],
) -> BTreeMap<String, String> {
    let mut settings: BTreeMap<String, String> = scenario
        .provider
        .provider()
        .settings()
        .iter()
        .filter_map(|s| s.default.map(|d| (s.name.to_owned(), d.to_owned())))
        .collect();
    settings.extend(scenario.settings.clone());
    for o in overrides.iter().filter(|o| o.provider == scenario.provider) {
        settings.insert(o.key.clone(), o.value.clone());
    }
    settings
}

/// Every key a scenario's deliveries are signed with at the start (its
/// `secret` setting or its subscriptions' secrets): what a receiver under
/// test must trust.
pub fn signing_secrets(scenario: &Scenario, overrides: &[SettingOverride]) -> Vec<String> {
    let settings = effective_settings(scenario, overrides);
    route_specs(scenario, &settings)
        .into_iter()
        .filter_map(|(_, _, secret)| secret.map(str::to_owned))
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
    ApiChanged { rate_limited: bool },
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
}

impl ScenarioRun {
    pub fn failed_checks(&self) -> impl Iterator<Item = (&StepRun, &Check)> {
        self.steps
            .iter()
            .flat_map(|s| s.failed_checks().map(move |c| (s, c)))
    }

    pub fn expectations_hold(&self) -> bool {
        self.error.is_none() && self.failed_checks().next().is_none()
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

/// Run one scenario to the end (or to the first step that cannot run).
pub async fn run_scenario(
    transport: &Transport,
    scenario: Scenario,
    options: &RunOptions,
) -> ScenarioRun {
    let provider = scenario.provider.provider();
    let seed = options.seed.or(scenario.seed).unwrap_or(0);
    let mut run = ScenarioRun {
        policy: provider.policy(),
        scenario,
        seed,
        steps: Vec::new(),
        error: None,
        api_calls: Vec::new(),
    };
    let mut state = match ScenarioState::new(&run.scenario, options).await {
        Ok(state) => state,
        Err(error) => {
            run.error = Some(error);
            return run;
        }
    };
    let steps = run.scenario.steps.clone();
    for (index, step) in steps.iter().enumerate() {
        match state.run_step(transport, provider, &run, index, step).await {
            Ok(step_run) => run.steps.push(step_run),
            Err(error) => {
                run.error = Some(error);
                break;
            }
        }
    }
    if let Some(apis) = &state.apis {
        run.api_calls = apis.state().journal().iter().map(describe_call).collect();
    }
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

/// What a scenario carries from step to step.
struct ScenarioState {
    routes: Vec<Route>,
    clock: Clock,
    sent: HashMap<String, Value>,
    /// This scenario's own provider APIs, when a step needs them.
    apis: Option<ProviderApis>,
    /// Where probes go: the receiver's base URL.
    receiver_base: Option<String>,
}

impl ScenarioState {
    async fn new(scenario: &Scenario, options: &RunOptions) -> Result<Self, HarnessError> {
        let settings = effective_settings(scenario, &options.settings);
        let apis = if needs_provider_apis(scenario) {
            let started = ProviderApis::start(SocketAddr::from(([127, 0, 0, 1], 0))).await;
            Some(started.map_err(|source| HarnessError::Engine {
                path: scenario.path.clone(),
                step: 0,
                source: hooksim_simulator::SimulatorError::Client(format!(
                    "cannot start the provider APIs: {source}"
                )),
            })?)
        } else {
            None
        };
        let no_sent = HashMap::new();
        let placeholders = Placeholders {
            apis: apis.as_ref(),
            provider: scenario.provider,
            sent: &no_sent,
        };
        let mut routes = Vec::new();
        for (subscription, target, secret) in route_specs(scenario, &settings) {
            // A target may name this scenario's API connection (`{{api.connection}}`),
            // so a shared receiver can tell scenarios apart; transcripts show it unfilled.
            let filled =
                match target {
                    Some(t) if t.contains("{{") => Some(placeholders.fill(t).map_err(
                        |message| HarnessError::Target {
                            path: scenario.path.clone(),
                            message,
                        },
                    )?),
                    _ => None,
                };
            let (url, stand_in) =
                resolve_target(scenario, filled.as_deref().or(target), &options.targets).await?;
            routes.push(Route {
                subscription,
                url,
                target_shown: target.unwrap_or("[target]").to_owned(),
                keys: signing_keys(scenario, secret),
                stand_in,
            });
        }
        Ok(Self {
            routes,
            clock: Clock::new(options.time_scale),
            sent: HashMap::new(),
            apis,
            receiver_base: receiver_base(scenario, &options.targets),
        })
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
            message: format!(
                "step {} (line {}): {message}",
                index + 1,
                step.location.line
            ),
        };
        let placeholders = Placeholders {
            apis: self.apis.as_ref(),
            provider: scenario.provider,
            sent: &self.sent,
        };
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
                let apis = self
                    .apis
                    .as_ref()
                    .ok_or_else(|| bad_step("no provider API".to_owned()))?;
                let (record, checks) =
                    provider_api::expect_callback(apis, scenario.provider, callback, &placeholders)
                        .await
                        .map_err(bad_step)?;
                return Ok(finished(StepRecord::Callbacks(record), checks));
            }
            Action::Api { rate_limited } => {
                let apis = self
                    .apis
                    .as_ref()
                    .ok_or_else(|| bad_step("no provider API".to_owned()))?;
                apis.state().set_rate_limited(*rate_limited);
                return Ok(finished(
                    StepRecord::ApiChanged {
                        rate_limited: *rate_limited,
                    },
                    Vec::new(),
                ));
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
            | Action::Api { .. }
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
        if let Some(apis) = &self.apis {
            apis.state()
                .record_delivery(scenario.provider, payload.clone());
        }
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
            checks.extend(check_delivery(&step.expect, &nothing));
        }
        let mut sends = Vec::with_capacity(deliveries.len());
        for ((route, prepared), delivery) in routes.iter().zip(prepared).zip(deliveries) {
            checks.extend(
                check_delivery(&step.expect, &delivery)
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

/// Whether a scenario talks to provider APIs (and so gets its own).
pub fn needs_provider_apis(scenario: &Scenario) -> bool {
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
        Action::AwaitRegistration { .. } | Action::ExpectCallback(_) | Action::Api { .. } => true,
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
/// else `--target URL` (the built-in receiver when none is given).
fn receiver_base(scenario: &Scenario, targets: &Targets) -> Option<String> {
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
            (Some(s.name.clone()), target, s.secret.as_deref())
        })
        .collect()
}

/// No secret means unsigned deliveries: Atlas sends no X-Signature to a
/// subscription without one. Providers that always sign (Hemnet) default it.
fn signing_keys(scenario: &Scenario, secret: Option<&str>) -> SigningKeys {
    match (scenario.provider.provider().signature(), secret) {
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
}

/// A stand-in first (it is part of what the scenario proves), then
/// `--target PROVIDER=URL`, then an absolute target in the file, then the
/// file's path joined to `--target URL`.
fn destination<'a>(
    scenario: &Scenario,
    target: Option<&'a str>,
    targets: &Targets,
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
    let probes = scenario
        .steps
        .iter()
        .any(|s| matches!(s.action, Action::Probe(_)));
    if probes && !targets.exact.contains_key(&scenario.provider) {
        return true;
    }
    let no_settings = BTreeMap::new();
    route_specs(scenario, &no_settings)
        .into_iter()
        .any(|(_, target, _)| {
            matches!(
                destination(scenario, target, targets),
                Ok(Destination::BasePath(_))
            )
        })
}

/// The URL for a scenario's deliveries, and the stand-in that answers
/// there when the scenario names one.
async fn resolve_target(
    scenario: &Scenario,
    target: Option<&str>,
    targets: &Targets,
) -> Result<(String, Option<StandIn>), HarnessError> {
    match destination(scenario, target, targets)? {
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
            Ok((
                format!(
                    "{}/{}",
                    base.trim_end_matches('/'),
                    path.trim_start_matches('/')
                ),
                None,
            ))
        }
    }
}

/// A scenario of one delivery, for `hooksim send`: `event` of `provider` to
/// `url`, signed with `secret`, with `PATH=VALUE` payload overrides (a value
/// that parses as JSON is JSON, anything else a string).
pub fn single_delivery(
    provider: &str,
    event: &str,
    url: &str,
    secret: Option<String>,
    overrides: &[String],
    seed: u64,
) -> Result<Scenario, HarnessError> {
    let id = parse_provider(provider, "")?;
    if let Err(e) = id.provider().event(event) {
        let events: Vec<&str> = id.provider().events().iter().map(|e| e.name).collect();
        let hint = did_you_mean(event, &events, "its events are");
        return Err(HarnessError::Usage(format!("{e}; {hint}")));
    }
    let set = overrides
        .iter()
        .map(|o| {
            let (path, value) = o
                .split_once('=')
                .ok_or_else(|| HarnessError::Usage(format!("--set {o}: expected PATH=VALUE")))?;
            let value =
                serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
            Ok(Override {
                path: path.to_owned(),
                value,
            })
        })
        .collect::<Result<Vec<_>, HarnessError>>()?;
    let mut settings = BTreeMap::new();
    if let Some(secret) = secret {
        settings.insert("secret".to_owned(), secret);
    }
    Ok(Scenario {
        path: std::path::PathBuf::from(format!("send {id} {event}")),
        name: format!("send {event}"),
        provider: id,
        rule: format!("{id}/send"),
        source: id.provider().documentation().to_owned(),
        target: Some(url.to_owned()),
        settings,
        seed: Some(seed),
        subscriptions: Vec::new(),
        steps: vec![Step {
            action: Action::Deliver(Deliver {
                event: event.to_owned(),
                alias: None,
                set,
                max_attempts: None,
                to_registered: false,
            }),
            expect: crate::scenario::Expectations::default(),
            location: Location::default(),
        }],
    })
}
