//! Where a scenario's deliveries and calls go: `--target` values, the
//! scenario's own targets and subscriptions, stand-ins, and the URLs they
//! resolve to.

use std::collections::{BTreeMap, HashMap};

use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::stand_in::{Behaviour, StandIn};

use crate::error::HarnessError;
use crate::provider_api::{self, Placeholders};
use crate::scenario::Scenario;
use crate::settings::SettingOverride;
use crate::stand_in::{STAND_IN_PREFIX, compressed, parse_stand_in};
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
    hooksim_simulator::transport::check_url(url)
        .map(|()| url.to_owned())
        .map_err(|why| HarnessError::Usage(format!("--target {arg}: {why}")))
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

/// The receiver's own base URL, for probes: `--target PROVIDER=URL`'s origin,
/// else `--target URL` (the built-in receiver when none is given); the
/// reference receiver for a `receiver: reference` scenario.
pub(crate) fn receiver_base(scenario: &Scenario, targets: &Targets) -> Option<String> {
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
pub(crate) fn route_specs<'a>(
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

/// Where a scenario's deliveries go, before any port is reserved.
pub(crate) enum Destination<'a> {
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
pub(crate) fn destination<'a>(
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

/// The URL for a scenario's deliveries, and the stand-in that answers
/// there when the scenario names one.
pub(crate) async fn resolve_target(
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
