//! Setting a scenario up before its first step: its routes (with their
//! stand-ins), its clock, its provider APIs, and the reference receiver's
//! connection to them where that is done up front.

use std::collections::HashMap;
use std::net::SocketAddr;

use hooksim_simulator::api::ProviderApis;
use hooksim_simulator::clock::Clock;
use hooksim_simulator::transport::Transport;

use crate::error::HarnessError;
use crate::provider_api::{Placeholders, ReceiverCall, path_of};
use crate::scenario::Scenario;
use crate::stand_in::STAND_IN_PREFIX;
use crate::state::{ReceiverUnderTest, Route, ScenarioApis, ScenarioState, signing_keys};

use super::RunOptions;
use super::plan::{ScenarioPlan, needs_provider_apis};
use super::targets::{receiver_base, resolve_target, route_specs};

impl ScenarioState {
    pub(super) async fn start(
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
                keys: signing_keys(scenario.provider, secret),
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

    /// Before the first step of a scenario that needs the receiver to use
    /// the provider API: hooksim connects its reference receiver where that
    /// is done up front (Flow); a receiver of the team's was started with
    /// the address. Returns the transcript's line about it.
    pub(super) async fn set_up_api(
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
}
