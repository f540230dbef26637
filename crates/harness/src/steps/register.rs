//! `register`: ask the receiver to register its webhook through the
//! provider's API (its `register` setting says how), and wait for the
//! registration to show up there. `unregister` shares its call.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use hooksim_simulator::api::Registration;
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::transport::Transport;

use super::{Ran, ReadContext, Record, StepCx, StepKind, covered_event_key};
use crate::error::HarnessError;
use crate::expect::{Allowed, Check, Expectations};
use crate::provider_api::{POLL, Placeholders, ProbeRecord, ReceiverCall, described_registrations};
use crate::read::shape::{Key, Shape, names};
use crate::read::{Kind, Node, NodeKind, Problem, Reader, optional};
use crate::settings::method_and_target;
use crate::state::ReceiverUnderTest;
use crate::steps::{Answers, body_excerpt};

/// How long a `register` step waits for the registration by default.
const DEFAULT_REGISTRATION_WAIT: Duration = Duration::from_secs(5);

/// What a registration step may expect, and the help for anything else.
pub(crate) const REGISTRATION_EXPECTS: Allowed = Allowed {
    keys: &["registered"],
    only: Some("a `register` or `unregister` step expects only `registered`"),
};

/// `register: { event?, within? }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// Wait for a registration that covers this event (any, when not given).
    pub event: Option<String>,
    /// How long the registration may take to show up, once asked for.
    pub within: Duration,
}

fn keys(provider: Option<ProviderId>) -> Vec<Key> {
    vec![
        covered_event_key(provider),
        Key::optional(
            "within",
            "How long (real time, at most 5m) the registration may take to show up once asked for; 5s when not given.",
            Shape::Duration,
        ),
    ]
}

/// Whether `provider` (any, when `None`) has the receiver setting a
/// registration step calls.
pub(crate) fn has_setting(provider: Option<ProviderId>, setting: &str) -> bool {
    provider.is_none_or(|p| crate::settings::receiver_setting(p, setting).is_some())
}

impl StepKind for Register {
    const KEYWORD: &'static str = "register";
    const SUMMARY: &'static str = "Ask the receiver to register its webhook through the provider's API (its `register` setting), and wait for the registration. `register:` alone registers for every event.";
    const EXPECTS: Allowed = REGISTRATION_EXPECTS;

    fn shape(provider: Option<ProviderId>) -> Option<Shape> {
        has_setting(provider, "register")
            .then(|| Shape::Either(vec![Shape::Nothing, Shape::Mapping(keys(provider))]))
    }

    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        require_setting(r, key, "register", cx.provider);
        if value.kind == NodeKind::Null {
            return Some(Register {
                event: None,
                within: DEFAULT_REGISTRATION_WAIT,
            });
        }
        let entries = r.entries(value, key, "`register`", &names(&keys(cx.provider)))?;
        let event = entries.get("event").map(|node| r.event(node, cx.provider));
        let within = entries
            .get("within")
            .map(|node| r.real_duration(node, "within"));
        Some(Register {
            event: optional(event)?,
            within: optional(within)?.unwrap_or(DEFAULT_REGISTRATION_WAIT),
        })
    }

    fn default_expect() -> Expectations {
        Expectations {
            registered: Some(true),
            ..Expectations::default()
        }
    }

    fn uses_provider_api(&self) -> bool {
        true
    }

    fn calls_receiver(&self) -> bool {
        true
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        registration(cx, true, self.event.as_deref(), self.within).await
    }
}

/// A step that calls a receiver setting only exists for the providers
/// that have the setting.
pub(crate) fn require_setting(
    r: &mut Reader<'_>,
    key: &Node,
    keyword: &str,
    provider: Option<ProviderId>,
) {
    let Some(provider) = provider else { return };
    if !has_setting(Some(provider), keyword) {
        r.report(
            key,
            Problem::new(
                Kind::InvalidValue,
                format!(
                    "`{provider}` has no API that {} webhooks, so there is nothing to `{keyword}`",
                    if keyword == "register" { "registers" } else { "deletes" }
                ),
                "not for this provider",
            )
            .with_help("registrations are made through the Spark, PF Expert, Atlas and EverReal APIs (deleted through PF Expert's and Atlas's)"),
        );
    }
}

/// Ask the receiver to register (or unregister) through its setting;
/// the reference receiver is handed the scenario's API in the body.
pub(crate) async fn registration(
    cx: &mut StepCx<'_>,
    register: bool,
    event: Option<&str>,
    within: Duration,
) -> Result<Ran, HarnessError> {
    let state = &*cx.state;
    let provider = cx.provider;
    let setting = if register { "register" } else { "unregister" };
    let base = state
        .receiver_base
        .as_deref()
        .ok_or_else(|| cx.bad_step(format!("`{setting}` calls the receiver: pass --target URL")))?;
    let apis = state.provider_apis().map_err(|m| cx.bad_step(m))?;
    let value = state.settings.get(setting).cloned().unwrap_or_default();
    let (method, target) = method_and_target(&value);
    let body = match (state.receiver, register) {
        (ReceiverUnderTest::Hooksim, true) => {
            let secret = state.settings.get("secret").map(String::as_str);
            crate::reference_receiver::connect_body(provider, apis, secret, event)
        }
        (ReceiverUnderTest::Hooksim, false) => crate::reference_receiver::disconnect_body(apis),
        (ReceiverUnderTest::Theirs, _) => serde_json::json!({}),
    };
    let headers = state.admin_headers();
    let call = ReceiverCall {
        method: &method,
        target: &target,
        params: &[],
        headers: &headers,
        json: Some(&body),
    };
    let placeholders = state.placeholders(provider);
    let (record, checks) = registration_call(
        cx.transport,
        base,
        &call,
        &placeholders,
        register,
        event,
        within,
        cx.expect,
    )
    .await
    .map_err(|m| cx.bad_step(m))?;
    Ok((Arc::new(record), checks))
}

/// Ask the receiver to register (`register: true`) or to remove its
/// registrations, then wait up to `within` for the provider's API to show
/// it. Two checks: whether a registration (covering `event`) is there, and
/// whether the receiver's answer told the truth about it (2xx exactly when
/// it did what was asked), since whoever set the receiver up reads that.
#[allow(clippy::too_many_arguments)]
async fn registration_call(
    transport: &Transport,
    base_url: &str,
    call: &ReceiverCall<'_>,
    placeholders: &Placeholders<'_>,
    register: bool,
    event: Option<&str>,
    within: Duration,
    expect: &Expectations,
) -> Result<(RegistrationCall, Vec<Check>), String> {
    let apis = placeholders
        .apis
        .ok_or_else(|| "this scenario has no provider API".to_owned())?;
    let provider = placeholders.provider;
    let (record, status) = call.send(transport, base_url, placeholders).await?;
    let succeeded = status.is_some_and(|s| (200..300).contains(&s));
    let covers =
        |r: &Registration| event.is_none() || r.event.is_none() || r.event.as_deref() == event;
    let present = || apis.state().registrations(provider).iter().any(covers);
    // The receiver may answer first and finish the work right after.
    let deadline = tokio::time::Instant::now() + within;
    let mut now_present = present();
    while succeeded && now_present != register && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(POLL).await;
        now_present = present();
    }
    let did_it = now_present == register;
    let mut checks = Vec::new();
    if let Some(expected) = expect.registered {
        checks.push(Check::new("registered", expected, now_present));
    }
    let (done, not_done) = if register {
        ("2xx (it registered)", "an error (nothing registered)")
    } else {
        (
            "2xx (nothing left registered)",
            "an error (still registered)",
        )
    };
    checks.push(Check::judged(
        "answer",
        if did_it { done } else { not_done },
        &record.answer,
        succeeded == did_it,
    ));
    let registrations = described_registrations(apis, provider);
    let step = RegistrationCall {
        keyword: if register { "register" } else { "unregister" },
        call: record,
        event: event.map(str::to_owned),
        registrations,
    };
    Ok((step, checks))
}


/// What a `register` or `unregister` step did.
#[derive(Debug, Clone)]
pub struct RegistrationCall {
    /// `register` or `unregister`.
    pub keyword: &'static str,
    /// The call to the receiver and its answer.
    pub call: ProbeRecord,
    pub event: Option<String>,
    /// Every registration of the provider at the end, as [`crate::provider_api::describe_registration`] has them.
    pub registrations: Vec<String>,
}

impl RegistrationCall {
    /// `register for lead.new: POST /admin/hooks`.
    pub fn what(&self) -> String {
        let what = match &self.event {
            Some(event) => format!("{} for {event}", self.keyword),
            None => self.keyword.to_owned(),
        };
        format!("{what}: {} {}", self.call.method, self.call.path)
    }
}


impl Record for RegistrationCall {
    fn transcript(&self, out: &mut String, heading: &str, _: Answers) {
        let _ = writeln!(out, "{heading}: {} -> {}", self.what(), self.call.answer);
        for line in &self.registrations {
            let _ = writeln!(out, "  registered: {line}");
        }
    }

    fn title(&self) -> String {
        format!("{} -> {}", self.what(), self.call.answer)
    }

    fn failure_details(&self, out: &mut String, provider: ProviderId, _: &DeliveryPolicy) {
        if !self.call.body.is_empty() {
            let body = body_excerpt(&self.call.body);
            let _ = writeln!(out, "    response body: {body}");
        }
        let seen = if self.registrations.is_empty() {
            "none".to_owned()
        } else {
            self.registrations.join("; ")
        };
        let _ = writeln!(out, "    registrations in the {provider} API: {seen}");
    }

    fn json_kind(&self) -> &'static str {
        self.keyword
    }

    fn json_title(&self) -> String {
        self.title()
    }
}
