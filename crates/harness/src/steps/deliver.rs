//! `deliver`: send an event under the provider's full policy (its headers,
//! signature, timeouts, success rule and retry schedule), to every route
//! of the scenario at once. Its sending is shared by `redeliver` and
//! `forge`, and its record by all three.

use std::fmt::Write as _;

use bytes::Bytes;
use hooksim_simulator::delivery::{Attempt, Delivery, PreparedDelivery, Verdict, deliver_to_all};
use hooksim_simulator::identity::freshen;
use hooksim_simulator::outcome::Outcome;
use hooksim_simulator::payload::set_path;
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::{Provider, ProviderId};
use hooksim_simulator::schedule::{Schedule, format_nominal};
use hooksim_simulator::signing::{Forgery, Signature};
use serde_json::Value;
use std::sync::Arc;

use rand::SeedableRng;

use super::{Ran, ReadContext, Record, StepCx, StepKind, aliases, check_overrides, event_shape};
use crate::error::HarnessError;
use crate::expect::check_delivery;
use crate::provider_api::registered_targets;
use crate::read::shape::{Key, Shape, names};
use crate::read::{Entries, Kind, Node, NodeKind, Override, Problem, Reader, is_scalar, optional};
use crate::state::{ReceiverUnderTest, Route, sending_policy, signing_keys};
use crate::steps::{Answers, body_excerpt};

#[derive(Debug, Clone, PartialEq)]
pub struct Deliver {
    /// An event from the provider's catalogue (`CONTACT.CREATE`).
    pub event: String,
    /// A name later steps use to refer to this delivery (`as:`).
    pub alias: Option<String>,
    /// Payload overrides by dotted path, in file order.
    pub set: Vec<Override>,
    /// Cut the provider's retry schedule after this many attempts, for
    /// scenarios where each attempt costs real time (a timeout rule).
    pub max_attempts: Option<u32>,
    /// `to: registered`: deliver to every active registration the receiver
    /// made through the provider's API, instead of the scenario's target.
    pub to_registered: bool,
}

fn keys(provider: Option<ProviderId>) -> Vec<Key> {
    vec![
        Key::required(
            "event",
            "An event from the provider's catalogue, like `CONTACT.CREATE` (`hooksim providers show PROVIDER` lists them).",
            event_shape(provider),
        ),
        Key::optional(
            "as",
            "A name for this delivery, which later `redeliver` and `forge` steps refer to.",
            Shape::Text,
        ),
        Key::optional(
            "set",
            "Payload overrides by dotted path, applied in file order, like `{ data.message: hi }`.",
            Shape::dictionary(None, Shape::Any),
        ),
        max_attempts_key(),
        Key::optional(
            "to",
            "`registered`: deliver to every active registration the receiver made through the provider's API, instead of the scenario's target.",
            Shape::words(["registered"]),
        ),
    ]
}

impl StepKind for Deliver {
    const KEYWORD: &'static str = "deliver";
    const SUMMARY: &'static str = "Send an event under the provider's full policy: its headers, signature, timeouts, success rule and retry schedule. `deliver: EVENT` is short for `deliver: { event: EVENT }`.";

    fn shape(provider: Option<ProviderId>) -> Option<Shape> {
        Some(Shape::Either(vec![
            event_shape(provider),
            Shape::Mapping(keys(provider)),
        ]))
    }

    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        if is_scalar(&value.kind) && value.kind != NodeKind::Null {
            // `deliver: CONTACT.CREATE` is short for `deliver: { event: CONTACT.CREATE }`.
            let event = r.event(value, cx.provider)?;
            return Some(Deliver {
                event,
                alias: None,
                set: Vec::new(),
                max_attempts: None,
                to_registered: false,
            });
        }
        let entries = r.entries(value, key, "`deliver`", &names(&keys(cx.provider)))?;
        let event = r.required(
            &entries,
            "event",
            "name the event to send, like `event: CONTACT.CREATE`",
        );
        let event = event.and_then(|node| r.event(node, cx.provider));
        let alias = entries
            .get("as")
            .map(|node| aliases::alias_definition(r, node, cx));
        let set = entries.get("set").map(|node| r.overrides(node));
        let to_registered = entries.get("to").map(|node| {
            let to = r.string(node, "to")?;
            if to == "registered" {
                return Some(true);
            }
            r.report(
                node,
                Problem::new(Kind::InvalidValue, format!("unknown destination `{to}`"), "not a destination")
                    .with_help("`to: registered` delivers to what the receiver registered through the provider's API; leave `to` out to use the scenario's target"),
            );
            None
        });
        let max_attempts = read_max_attempts(r, &entries);
        let deliver = Deliver {
            event: event?,
            alias: optional(alias)?,
            set: optional(set)?.unwrap_or_default(),
            max_attempts: optional(max_attempts)?,
            to_registered: optional(to_registered)?.unwrap_or(false),
        };
        // The payload this step would send, as `run` builds it.
        if let (Some(set), Some(provider), Some(seed)) =
            (entries.get("set"), cx.provider, cx.data_seed)
        {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(cx.index as u64);
            if let Ok(payload) = provider.provider().build(&deliver.event, &mut rng)
                && !check_overrides(r, set, &deliver.set, payload)
            {
                return None;
            }
        }
        Some(deliver)
    }

    fn uses_provider_api(&self) -> bool {
        self.to_registered
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        let provider = cx.provider.provider();
        // The rule is mixed in so two scenarios with the same seed still send
        // different people and ids: parallel scenarios never look like duplicates.
        let mut rng = cx.rng(cx.data_seed());
        let mut payload = provider
            .build(&self.event, &mut rng)
            .map_err(|e| cx.step_error(e))?;
        for o in &self.set {
            set_path(&mut payload, &o.path, o.value.clone()).map_err(|e| cx.step_error(e))?;
        }
        if let (ReceiverUnderTest::Theirs, Some(nonce)) = (cx.state.receiver, cx.state.run_nonce) {
            freshen_identity(cx, &mut payload, &self.set, nonce);
        }
        if let Some(alias) = &self.alias {
            cx.state.sent.insert(alias.clone(), payload.clone());
        }
        let mut title = match &self.alias {
            Some(alias) => format!("deliver {} as {alias}", self.event),
            None => format!("deliver {}", self.event),
        };
        let schedule = cut_schedule(cx, &mut title, self.max_attempts);
        if self.to_registered {
            title.push_str(" to registered");
        }
        send(
            cx,
            Sending {
                title,
                payload,
                overrides: self.set.clone(),
                forgery: None,
                schedule,
                to_registered: self.to_registered.then_some(self.event.as_str()),
                exact: None,
            },
        )
        .await
    }
}

/// `max_attempts:` of a step that sends under the provider's schedule.
pub(crate) fn max_attempts_key() -> Key {
    Key::optional(
        "max_attempts",
        "Cut the provider's retry schedule after this many attempts, where each costs real time (a timeout rule).",
        Shape::integer(1, u32::MAX),
    )
}

pub(crate) fn read_max_attempts(r: &mut Reader<'_>, entries: &Entries<'_>) -> Option<Option<u32>> {
    entries.get("max_attempts").map(|node| {
        r.integer(
            node,
            "max_attempts",
            1..=u32::MAX.into(),
            "a whole number of at least 1",
        )
        .map(|n| n as u32)
    })
}

/// The provider's schedule, cut after `max_attempts` when given (and the
/// title says so).
pub(crate) fn cut_schedule(cx: &StepCx<'_>, title: &mut String, max_attempts: Option<u32>) -> Schedule {
    let Some(n) = max_attempts else {
        return cx.policy.schedule.value.clone();
    };
    let plural = if n == 1 { "" } else { "s" };
    title.push_str(&format!(" (schedule cut at {n} attempt{plural})"));
    cx.policy.schedule.value.truncated(n)
}

/// Fresh values at the provider's identity paths (those the step does not
/// set itself), drawn from the run's nonce.
fn freshen_identity(cx: &mut StepCx<'_>, payload: &mut Value, set: &[Override], nonce: u64) {
    let paths: Vec<&str> = cx
        .provider
        .provider()
        .identity_paths()
        .iter()
        .copied()
        .filter(|path| {
            !set.iter()
                .any(|o| o.path == *path || path.starts_with(&format!("{}.", o.path)))
        })
        .collect();
    let mut rng = cx.rng(nonce ^ crate::hash::fnv1a(cx.rule.as_bytes()));
    cx.state
        .replacements
        .extend(freshen(payload, &paths, &mut rng));
}

/// One event to send, and how.
pub(crate) struct Sending<'a> {
    pub title: String,
    pub payload: Value,
    pub overrides: Vec<Override>,
    pub forgery: Option<Forgery>,
    pub schedule: Schedule,
    /// Send to the receiver's registrations for this event, not the routes.
    pub to_registered: Option<&'a str>,
    /// These bytes and this signature instead of `payload` encoded and signed
    /// (a byte-exact `replay`).
    pub exact: Option<Exact>,
}

/// A body sent as it is, with the signature header value it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exact {
    pub body: Bytes,
    /// The signature header's value; `None` sends no signature header.
    pub signature: Option<String>,
}

impl Exact {
    fn prepared(&self, provider: &dyn Provider, url: String) -> PreparedDelivery {
        let signature = provider.signature().zip(self.signature.clone());
        PreparedDelivery {
            url,
            body: self.body.clone(),
            signature: signature.map(|(scheme, value)| Signature {
                header: scheme.header,
                value,
                redacted: "[the captured signature]".to_owned(),
            }),
        }
    }
}

/// Send one event to every route at once (or to every registration), on
/// the scenario's clock, and check each delivery.
pub(crate) async fn send(cx: &mut StepCx<'_>, sending: Sending<'_>) -> Result<Ran, HarnessError> {
    let provider = cx.provider.provider();
    let Sending {
        title,
        payload,
        overrides,
        forgery,
        schedule,
        to_registered,
        exact,
    } = sending;
    let mut note = None;
    let mut registered = Vec::new();
    if let Some(event) = to_registered {
        let apis = cx.state.provider_apis().map_err(|m| cx.bad_step(m))?;
        match registered_targets(apis, cx.provider, event) {
            Ok(registrations) => {
                registered = registrations
                    .into_iter()
                    .map(|r| Route {
                        subscription: Some(format!("registration {}", r.id)),
                        target_shown: "[registered url]".to_owned(),
                        keys: signing_keys(cx.provider, r.secret.as_deref()),
                        url: r.url,
                        stand_in: None,
                    })
                    .collect();
            }
            Err(why) => note = Some(why),
        }
    }
    if let Some(api) = &cx.state.records_to {
        api.record_delivery(cx.provider, payload.clone());
    }
    cx.state.delivered.push(payload.clone());
    let routes = if to_registered.is_some() {
        &registered
    } else {
        &cx.state.routes
    };
    let prepared: Vec<PreparedDelivery> = routes
        .iter()
        .map(|r| match &exact {
            Some(exact) => exact.prepared(provider, r.url.clone()),
            None => PreparedDelivery::new(provider, r.url.clone(), &payload, &r.keys, forgery),
        })
        .collect();
    let deliveries = deliver_to_all(
        cx.transport,
        provider,
        &sending_policy(routes, cx.policy),
        &schedule,
        &prepared,
        &mut cx.state.clock,
    )
    .await
    .map_err(|source| cx.engine_error(source))?;
    let mut checks = Vec::new();
    if routes.is_empty() {
        // Nothing was sent: every expectation is checked against an empty delivery.
        let nothing = Delivery {
            attempts: Vec::new(),
            verdict: Verdict::GaveUp,
        };
        checks.extend(check_delivery(cx.expect, &nothing, cx.policy));
    }
    let mut sends = Vec::with_capacity(deliveries.len());
    for ((route, prepared), delivery) in routes.iter().zip(prepared).zip(deliveries) {
        checks.extend(
            check_delivery(cx.expect, &delivery, cx.policy)
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
    let record = DeliveryRecord {
        title,
        overrides,
        forgery,
        sends,
        note,
    };
    Ok((Arc::new(record), checks))
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

impl Record for DeliveryRecord {
    fn transcript(&self, out: &mut String, heading: &str, answers: Answers) {
        let _ = writeln!(out, "{heading}: {}", self.title);
        for o in &self.overrides {
            let _ = writeln!(out, "  set {} = {}", o.path, o.value);
        }
        if let Some(forgery) = self.forgery {
            let _ = writeln!(out, "  forged: {}, sent once", forgery.name());
        }
        if let Some(note) = &self.note {
            let _ = writeln!(out, "  {note}");
        }
        if self.sends.len() > 1 {
            let _ = writeln!(
                out,
                "  to {} subscriptions at once, in no order",
                self.sends.len()
            );
        }
        for send in &self.sends {
            // A single target keeps the plain layout; subscriptions get a heading each.
            let indent = match &send.subscription {
                Some(name) => {
                    let _ = writeln!(out, "  subscription {name}:");
                    "    "
                }
                None => "  ",
            };
            render_send(out, send, indent, answers);
        }
    }

    fn title(&self) -> String {
        self.title.clone()
    }

    fn failure_details(&self, out: &mut String, provider: ProviderId, policy: &DeliveryPolicy) {
        if let Some(note) = &self.note {
            let _ = writeln!(out, "    {note}");
        }
        for send in &self.sends {
            let Some(attempt) = send.delivery.last_attempt() else {
                continue;
            };
            let on = send
                .subscription
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            let _ = write!(
                out,
                "    last attempt{on} {} at +{}: {}",
                attempt.number,
                format_nominal(attempt.nominal_at),
                attempt.outcome
            );
            if matches!(
                attempt.outcome,
                Outcome::Rejected { .. } | Outcome::Redirect { .. }
            ) {
                let _ = write!(
                    out,
                    " ({provider} counts only {} as delivered)",
                    policy.success.value
                );
            }
            if let Some(excerpt) = attempt.response.as_ref().filter(|r| !r.body.is_empty()) {
                let body = body_excerpt(&String::from_utf8_lossy(&excerpt.body));
                let _ = write!(out, ", response body: {body}");
            }
            let _ = writeln!(out);
        }
    }

    fn json_kind(&self) -> &'static str {
        "delivery"
    }

    fn json_title(&self) -> String {
        self.title.clone()
    }

    fn delivery(&self) -> Option<&DeliveryRecord> {
        Some(self)
    }

    fn attempts(&self) -> usize {
        self.sends.iter().map(|r| r.delivery.attempts.len()).sum()
    }
}

fn render_send(out: &mut String, send: &RouteDelivery, indent: &str, answers: Answers) {
    let _ = writeln!(out, "{indent}POST {}", send.target_shown);
    if let Some(first) = send.delivery.attempts.first() {
        for header in &first.headers {
            let _ = writeln!(out, "{indent}{}: {}", header.name, header.shown());
        }
    }
    let body = String::from_utf8_lossy(&send.body);
    let _ = writeln!(out, "{indent}body ({} bytes): {body}", send.body.len());
    let delivery = &send.delivery;
    for attempt in &delivery.attempts {
        let _ = writeln!(
            out,
            "{indent}attempt {} at +{}: {}",
            attempt.number,
            format_nominal(attempt.nominal_at),
            attempt.outcome
        );
        if let (Answers::Shown, Some(answer)) = (answers, answer(attempt)) {
            let _ = writeln!(out, "{indent}  {answer}");
        }
    }
    let n = delivery.attempts.len();
    let plural = if n == 1 { "" } else { "s" };
    let _ = match delivery.verdict {
        Verdict::Delivered => writeln!(out, "{indent}delivered after {n} attempt{plural}"),
        Verdict::GaveUp => writeln!(out, "{indent}gave up after {n} attempt{plural}"),
    };
}

/// `answered 500, body (27 bytes): {"error":"db down"}`; nothing when no
/// answer came (the outcome says why).
fn answer(attempt: &Attempt) -> Option<String> {
    let response = attempt.response.as_ref()?;
    let status = attempt
        .outcome
        .status()
        .map(|status| format!(" {status}"))
        .unwrap_or_default();
    if response.body.is_empty() {
        return Some(format!("answered{status} with an empty body"));
    }
    let size = if response.truncated {
        format!("more than {} bytes", response.body.len())
    } else {
        format!("{} bytes", response.body.len())
    };
    let body = body_excerpt(&String::from_utf8_lossy(&response.body));
    Some(format!("answered{status}, body ({size}): {body}"))
}
