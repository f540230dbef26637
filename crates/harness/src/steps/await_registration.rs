//! `await_registration`: wait (real time) until the receiver registered a
//! webhook through the provider's API, for an event when one is named.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use hooksim_simulator::api::{ProviderApis, Registration};
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::ProviderId;

use super::{Ran, ReadContext, Record, StepCx, StepKind, covered_event_key};
use crate::error::HarnessError;
use crate::expect::{Allowed, Check};
use crate::provider_api::{POLL, described_registrations};
use crate::read::shape::{Key, Shape, names};
use crate::read::{Node, Reader, optional};
use crate::steps::Answers;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitRegistration {
    /// A registration that covers this event (any, when not given).
    pub event: Option<String>,
    pub within: Duration,
}

fn keys(provider: Option<ProviderId>) -> Vec<Key> {
    vec![
        covered_event_key(provider),
        Key::required(
            "within",
            "How long (real time, at most 5m) the registration may take to show up.",
            Shape::Duration,
        ),
    ]
}

impl StepKind for AwaitRegistration {
    const KEYWORD: &'static str = "await_registration";
    const SUMMARY: &'static str = "Wait (real time) until the receiver registered a webhook through the provider's API.";
    const EXPECTS: Allowed = Allowed::NOTHING;

    fn shape(provider: Option<ProviderId>) -> Option<Shape> {
        Some(Shape::Mapping(keys(provider)))
    }

    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        let entries = r.entries(value, key, "`await_registration`", &names(&keys(cx.provider)))?;
        let event = entries.get("event").map(|node| r.event(node, cx.provider));
        let within = r.required(
            &entries,
            "within",
            "say how long to wait, like `within: 5s`",
        );
        let within = within.and_then(|node| r.real_duration(node, "within"));
        Some(AwaitRegistration {
            event: optional(event)?,
            within: within?,
        })
    }

    fn uses_provider_api(&self) -> bool {
        true
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        let apis = cx.state.provider_apis().map_err(|m| cx.bad_step(m))?;
        let (record, checks) =
            await_registration(apis, cx.provider, self.event.as_deref(), self.within).await;
        Ok((Arc::new(record), checks))
    }
}

/// What a wait for a registration found.
#[derive(Debug, Clone)]
pub struct RegistrationRecord {
    pub event: Option<String>,
    /// `id event active` of every registration of the provider at the end.
    pub registrations: Vec<String>,
}

/// Wait (real time, at most `within`) until `provider` has a registration
/// for `event` (any event when `None`).
async fn await_registration(
    apis: &ProviderApis,
    provider: ProviderId,
    event: Option<&str>,
    within: Duration,
) -> (RegistrationRecord, Vec<Check>) {
    let covers =
        |r: &Registration| event.is_none() || r.event.is_none() || r.event.as_deref() == event;
    let deadline = tokio::time::Instant::now() + within;
    let found = loop {
        let found = apis.state().registrations(provider).iter().any(covers);
        if found || tokio::time::Instant::now() >= deadline {
            break found;
        }
        tokio::time::sleep(POLL).await;
    };
    let registrations = described_registrations(apis, provider);
    let record = RegistrationRecord {
        event: event.map(str::to_owned),
        registrations,
    };
    (record, vec![Check::new("registered", true, found)])
}


impl Record for RegistrationRecord {
    fn transcript(&self, out: &mut String, heading: &str, _: Answers) {
        let event = self.event.as_deref().unwrap_or("any event");
        let _ = writeln!(out, "{heading}: await_registration for {event}");
        for registration in &self.registrations {
            let _ = writeln!(out, "  registered: {registration}");
        }
    }

    fn title(&self) -> String {
        format!(
            "await_registration for {}",
            self.event.as_deref().unwrap_or("any event")
        )
    }

    fn failure_details(&self, out: &mut String, _: ProviderId, _: &DeliveryPolicy) {
        let seen = if self.registrations.is_empty() {
            "none".to_owned()
        } else {
            self.registrations.join("; ")
        };
        let _ = writeln!(out, "    registrations seen: {seen}");
    }

    fn json_kind(&self) -> &'static str {
        "await-registration"
    }

    fn json_title(&self) -> String {
        format!("await_registration: {}", self.registrations.join("; "))
    }
}
