//! What a scenario will run with, decided before anything is sent: who
//! plays the receiver, its settings, whether it is skipped, and what the
//! run must start for it (the reference receiver, provider APIs).

use std::collections::BTreeMap;

use crate::error::HarnessError;
use crate::scenario::Scenario;
use crate::settings::{SettingOverride, Skip, effective_settings, missing_requirement};
use crate::state::{ReceiverUnderTest, SharedApis};

use super::RunOptions;
use super::targets::{Destination, Targets, destination, receiver_base, route_specs};

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
    let settings = scenario_settings(
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
        ReceiverUnderTest::Theirs => {
            missing_requirement(scenario.provider, &scenario.requires, &settings)
        }
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

/// A scenario's settings: its provider's defaults, the reference
/// receiver's values when hooksim plays the receiver, the file's, then the
/// command line's.
pub(crate) fn scenario_settings(
    scenario: &Scenario,
    overrides: &[SettingOverride],
    reference_receiver: bool,
) -> BTreeMap<String, String> {
    effective_settings(
        scenario.provider,
        &scenario.settings,
        overrides,
        reference_receiver,
    )
}

/// Every key a scenario's deliveries are signed with at the start (its
/// `secret` setting or its subscriptions' secrets): what a receiver under
/// test must trust.
pub fn signing_secrets(scenario: &Scenario, overrides: &[SettingOverride]) -> Vec<String> {
    let settings = scenario_settings(scenario, overrides, true);
    route_specs(scenario, &settings)
        .into_iter()
        .filter_map(|(_, _, secret)| secret.filter(|s| !s.is_empty()).map(str::to_owned))
        .collect()
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
    scenario
        .steps
        .iter()
        .any(|step| step.action.uses_provider_api())
}

/// True when `scenario` sends to the run's base URL, so one must be given
/// (or the reference receiver started).
pub fn needs_base_url(scenario: &Scenario, targets: &Targets) -> bool {
    if scenario.reference_only {
        return false;
    }
    let calls_receiver = scenario.steps.iter().any(|s| s.action.calls_receiver());
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

#[cfg(test)]
mod tests {
    use hooksim_simulator::providers::ProviderId;

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
}
