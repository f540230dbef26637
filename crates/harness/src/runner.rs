//! Runs scenarios: steps in order against the resolved target, each
//! delivery under its provider's full policy on a nominal clock.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use hooksim_simulator::clock::{Clock, TimeScale};
use hooksim_simulator::delivery::{Delivery, PreparedDelivery, deliver};
use hooksim_simulator::payload::set_path;
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::{Provider, ProviderId};
use hooksim_simulator::schedule::Schedule;
use hooksim_simulator::signing::{Forgery, SigningKey, SigningKeys};
use hooksim_simulator::transport::Transport;
use rand::SeedableRng;
use serde_json::Value;

use crate::error::HarnessError;
use crate::expect::{Check, check_delivery};
use crate::scenario::{Action, Location, Override, RotateKeys, Scenario, Step};
use crate::suggest::did_you_mean;

/// A scenario `target` that names a stand-in receiver hooksim provides
/// itself instead of the receiver under test.
pub const STAND_IN_REFUSE: &str = "stand-in:refuse-connections";

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
}

/// One delivery as sent and answered.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    /// `deliver CONTACT.CREATE as first`, `forge first (wrong-key)`, ...
    pub title: String,
    pub overrides: Vec<Override>,
    /// The target as the scenario names it (never the run's real URL, which
    /// changes from run to run).
    pub target_shown: String,
    pub body: Bytes,
    pub forgery: Option<Forgery>,
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
                StepRecord::Delivery(d) => d.delivery.attempts.len(),
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
    run
}

/// What a scenario carries from step to step.
struct ScenarioState {
    url: String,
    /// Holds a bound-but-not-listening port for the refusing stand-in.
    _stand_in: Option<tokio::net::TcpSocket>,
    keys: SigningKeys,
    clock: Clock,
    sent: HashMap<String, Value>,
}

impl ScenarioState {
    async fn new(scenario: &Scenario, options: &RunOptions) -> Result<Self, HarnessError> {
        let settings = effective_settings(scenario, &options.settings);
        let provider = scenario.provider.provider();
        let keys = match (provider.signature(), settings.get("secret")) {
            (Some(_), Some(secret)) => {
                SigningKeys::single(SigningKey::new("secret", secret.clone()))
            }
            (Some(_), None) => {
                return Err(HarnessError::Setting {
                    path: scenario.path.clone(),
                    message: format!(
                        "{} signs deliveries: set `settings.secret` or --set {}.secret=KEY",
                        provider.id(),
                        provider.id()
                    ),
                });
            }
            (None, _) => SigningKeys { keys: Vec::new() },
        };
        let (url, stand_in) = resolve_target(scenario, &options.targets)?;
        Ok(Self {
            url,
            _stand_in: stand_in,
            keys,
            clock: Clock::new(options.time_scale),
            sent: HashMap::new(),
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
        let target_shown = scenario
            .target
            .clone()
            .unwrap_or_else(|| "[target]".to_owned());
        let (title, payload, overrides, forgery) = match &step.action {
            Action::Deliver(d) => {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(run.seed);
                // One stream per step: adding a step does not change the data of the others.
                rng.set_stream(index as u64);
                let mut payload = provider.build(&d.event, &mut rng).map_err(step_error)?;
                for o in &d.set {
                    set_path(&mut payload, &o.path, o.value.clone()).map_err(step_error)?;
                }
                if let Some(alias) = &d.alias {
                    self.sent.insert(alias.clone(), payload.clone());
                }
                let title = match &d.alias {
                    Some(alias) => format!("deliver {} as {alias}", d.event),
                    None => format!("deliver {}", d.event),
                };
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
                        keys: self.keys.keys.iter().map(|k| k.name.clone()).collect(),
                    },
                    checks: Vec::new(),
                });
            }
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
        let prepared =
            PreparedDelivery::new(provider, self.url.clone(), &payload, &self.keys, forgery);
        // A forger sends once; the provider's schedule is for the provider's own deliveries.
        let schedule = if forgery.is_some() {
            Schedule::once()
        } else {
            run.policy.schedule.value.clone()
        };
        let delivery = deliver(
            transport,
            provider,
            &run.policy,
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
        let checks = check_delivery(&step.expect, &delivery);
        Ok(StepRun {
            number: index + 1,
            location: step.location,
            record: StepRecord::Delivery(Box::new(DeliveryRecord {
                title,
                overrides,
                target_shown,
                body: prepared.body,
                forgery,
                delivery,
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
        let current = self.keys.keys.last().cloned();
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
        self.keys.keys = if rotation.finished {
            keys.into_iter().last().into_iter().collect()
        } else {
            keys
        };
    }
}

/// Where a scenario's deliveries go, before any port is reserved.
enum Destination<'a> {
    /// hooksim's own receiver that refuses every connection.
    RefusingStandIn,
    Url(String),
    /// A path to join to the run's base URL.
    BasePath(&'a str),
}

/// A stand-in first (it is part of what the scenario proves), then
/// `--target PROVIDER=URL`, then an absolute target in the file, then the
/// file's path joined to `--target URL`.
fn destination<'a>(
    scenario: &'a Scenario,
    targets: &Targets,
) -> Result<Destination<'a>, HarnessError> {
    let target = scenario.target.as_deref();
    if target == Some(STAND_IN_REFUSE) {
        return Ok(Destination::RefusingStandIn);
    }
    if let Some(url) = targets.exact.get(&scenario.provider) {
        return Ok(Destination::Url(url.clone()));
    }
    match target {
        Some(t) if t.starts_with("http://") || t.starts_with("https://") => {
            Ok(Destination::Url(t.to_owned()))
        }
        Some(t) if t.contains(':') && !t.starts_with('/') => Err(HarnessError::Target {
            path: scenario.path.clone(),
            message: format!(
                "target `{t}` is neither a path, an http(s) URL, nor `{STAND_IN_REFUSE}`"
            ),
        }),
        _ => Ok(Destination::BasePath(target.unwrap_or(""))),
    }
}

/// True when `scenario` sends to the run's base URL, so one must be given
/// (or the reference receiver started).
pub fn needs_base_url(scenario: &Scenario, targets: &Targets) -> bool {
    matches!(destination(scenario, targets), Ok(Destination::BasePath(_)))
}

/// The URL for a scenario's deliveries, and the socket that keeps a
/// refusing stand-in's port reserved while the scenario runs.
fn resolve_target(
    scenario: &Scenario,
    targets: &Targets,
) -> Result<(String, Option<tokio::net::TcpSocket>), HarnessError> {
    match destination(scenario, targets)? {
        Destination::RefusingStandIn => {
            let (url, socket) = refusing_url().map_err(|source| HarnessError::Engine {
                path: scenario.path.clone(),
                step: 0,
                source: hooksim_simulator::SimulatorError::Client(format!(
                    "cannot reserve a refusing port: {source}"
                )),
            })?;
            Ok((url, Some(socket)))
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

/// A loopback port that is bound but not listening: connecting to it is
/// refused at once, and no other process can take the port meanwhile.
fn refusing_url() -> std::io::Result<(String, tokio::net::TcpSocket)> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = socket.local_addr()?;
    Ok((format!("http://{addr}/"), socket))
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
        steps: vec![Step {
            action: Action::Deliver(crate::scenario::Deliver {
                event: event.to_owned(),
                alias: None,
                set,
            }),
            expect: crate::scenario::Expectations::default(),
            location: Location::default(),
        }],
    })
}
