//! Property Finder Enterprise API ("Atlas") webhooks, received the way the
//! Enterprise API documentation asks (api-docs.propertyfinder.net, Webhooks,
//! as collected in PROVIDERS.md).
//!
//! Documented: the envelope `{id, type, timestamp, entity: {id, type},
//! payload}`; answer within 5 s with any 2xx; non-2xx, errors and timeouts are
//! retried; delivery is at least once, so dedupe on `id`; a subscription made
//! with a secret gets `X-Signature` (hex HMAC-SHA256 of the body) on every
//! delivery, one made without gets no header at all.
//!
//! Two routes, one per kind of subscription, because whether to demand a
//! signature is decided by how you subscribed, never by the request: a
//! receiver that checks the signature only "when there is one" accepts any
//! forgery that simply leaves the header out.
//! - `POST /propertyfinder-atlas/signed`: subscribed with a secret; a missing
//!   or wrong `X-Signature` is 401.
//! - `POST /propertyfinder-atlas`: subscribed without one; nothing to verify,
//!   so act only on what you can re-read from the API with your own token.
//!
//! Both parse the envelope, hand the work to a background task and answer 200.

use std::fmt;
use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;
use tracing::{error, info, info_span, warn};

use crate::answer::{Acknowledged, Rejection, hand_off_and_acknowledge};
use crate::signature::TrustedKeys;
use crate::store::{DedupeStore, Recorded, StoreSummary};
use crate::{DEFAULT_TEST_SECRET, ReceiverError};

/// Atlas events are small JSON documents; anything this big is not one.
const MAX_BODY_BYTES: usize = 256 * 1024;

const SIGNATURE_HEADER: &str = "X-Signature";

/// How to trust deliveries to the signed subscription.
#[derive(Clone)]
pub struct AtlasConfig {
    /// Secrets given to `POST /v1/webhooks` (at most 32 characters there). A
    /// signature under any of them is accepted, so a new secret can be added
    /// before the subscription is re-created with it. Empty: the signed route
    /// rejects everything (the unsigned route is unaffected).
    pub trusted_secrets: Vec<String>,
}

impl Default for AtlasConfig {
    fn default() -> Self {
        Self {
            trusted_secrets: vec![DEFAULT_TEST_SECRET.to_owned()],
        }
    }
}

// Secrets must not reach a log line through a printed config.
impl fmt::Debug for AtlasConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtlasConfig")
            .field(
                "trusted_secrets",
                &format_args!("[{} redacted]", self.trusted_secrets.len()),
            )
            .finish()
    }
}

impl AtlasConfig {
    /// An empty secret is a misconfiguration (an unset variable, usually):
    /// anyone can sign with it. No secrets at all is allowed, since a
    /// deployment may use only unsigned subscriptions.
    pub(crate) fn validate(&self) -> Result<(), ReceiverError> {
        if self.trusted_secrets.iter().any(String::is_empty) {
            return Err(ReceiverError::EmptyTrustedKey {
                provider: "propertyfinder-atlas",
            });
        }
        Ok(())
    }
}

/// The documented envelope. Only `id` and `type` are required: `id` is the
/// dedupe key and `type` says what to do. The rest is optional so a change
/// in them cannot lose an event; unknown attributes are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct AtlasEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub timestamp: Option<String>,
    pub entity: Option<Entity>,
    // Payload shapes are not documented, so the payload stays raw JSON.
    #[serde(default)]
    pub payload: Value,
}

/// What the event is about.
#[derive(Debug, Clone, Deserialize)]
pub struct Entity {
    /// Raw JSON: the documentation does not say whether ids are strings or numbers.
    pub id: Option<Value>,
    #[serde(rename = "type")]
    pub entity_type: Option<String>,
}

/// The documented event types; one Property Finder adds later lands in
/// `Other` and is acknowledged without being acted on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum EventType {
    UserCreated,
    UserUpdated,
    UserDeleted,
    UserActivated,
    UserDeactivated,
    LeadCreated,
    LeadUpdated,
    LeadAssigned,
    PublicProfileVerificationApproved,
    PublicProfileVerificationRejected,
    ListingPublished,
    ListingUnpublished,
    ListingAction,
    ListingPublishFailed,
    Other(String),
}

impl From<String> for EventType {
    fn from(value: String) -> Self {
        match value.as_str() {
            "user.created" => Self::UserCreated,
            "user.updated" => Self::UserUpdated,
            "user.deleted" => Self::UserDeleted,
            "user.activated" => Self::UserActivated,
            "user.deactivated" => Self::UserDeactivated,
            "lead.created" => Self::LeadCreated,
            "lead.updated" => Self::LeadUpdated,
            "lead.assigned" => Self::LeadAssigned,
            "publicProfile.verification.approved" => Self::PublicProfileVerificationApproved,
            "publicProfile.verification.rejected" => Self::PublicProfileVerificationRejected,
            "listing.published" => Self::ListingPublished,
            "listing.unpublished" => Self::ListingUnpublished,
            "listing.action" => Self::ListingAction,
            "listing.publishFailed" => Self::ListingPublishFailed,
            _ => Self::Other(value),
        }
    }
}

type EventStore = DedupeStore<AtlasEvent>;

/// One webhook subscription: its keys (none when made without a secret) and
/// what it stored. Each has its own store, as two subscriptions would in
/// two systems.
#[derive(Debug, Clone)]
struct Subscription {
    name: &'static str,
    keys: Option<TrustedKeys>,
    events: Arc<EventStore>,
}

/// The signed and unsigned subscriptions' routes and their probes:
/// `GET /propertyfinder-atlas/signed/events`, `GET /propertyfinder-atlas/events`.
pub(crate) fn routes(config: AtlasConfig) -> Router {
    let signed = Subscription {
        name: "signed",
        keys: Some(TrustedKeys::new(&config.trusted_secrets)),
        events: Arc::new(EventStore::new()),
    };
    let unsigned = Subscription {
        name: "unsigned",
        keys: None,
        events: Arc::new(EventStore::new()),
    };
    let subscription_routes = |path: &str, subscription: Subscription| {
        Router::new()
            .route(
                path,
                post(receive_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
            )
            .route(&format!("{path}/events"), get(list_events))
            .with_state(subscription)
    };
    subscription_routes("/propertyfinder-atlas/signed", signed)
        .merge(subscription_routes("/propertyfinder-atlas", unsigned))
}

/// `POST` to either subscription: verify when it has a secret, parse, hand
/// off, answer 200.
async fn receive_delivery(
    State(subscription): State<Subscription>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Rejection> {
    let body = body?;
    if let Some(keys) = &subscription.keys {
        // Verify the bytes as received, before parsing: a re-serialised body
        // is different bytes. Commas are tolerated in case Property Finder
        // ever sends two signatures while a secret changes.
        keys.verify_header(&headers, SIGNATURE_HEADER, &body)
            .inspect_err(|rejection| {
                if matches!(rejection, Rejection::SignatureMismatch { .. }) {
                    warn!(
                        subscription = subscription.name,
                        "rejected a delivery whose signature does not verify"
                    );
                }
            })?;
    }

    let event: AtlasEvent = serde_json::from_slice(&body).map_err(|error| {
        error!(subscription = subscription.name, %error, "body is not an Atlas event; answering 400");
        // 400, so Property Finder retries: a receiver fixed meanwhile
        // still gets the event, where a 200 would lose it.
        Rejection::not_understood("a Property Finder webhook event", error)
    })?;

    // Answer now, work later: Property Finder gives 5 s and retries after.
    let span = info_span!(
        "propertyfinder_atlas_event",
        subscription = subscription.name,
        event_id = %event.id,
    );
    let events = Arc::clone(&subscription.events);
    Ok(hand_off_and_acknowledge(span, move || {
        process_event(event, &events);
    }))
}

/// The background half: act once per event `id`.
fn process_event(event: AtlasEvent, events: &EventStore) {
    if let EventType::Other(event_type) = &event.event_type {
        // Acknowledged already; retrying would not make it understood.
        warn!(%event_type, "event type not handled yet; ignored");
        return;
    }
    // At least once, documented: a retry after a lost 200 carries the same
    // `id`, so the id, not the delivery, decides what is new.
    let id = event.id.clone();
    let event_type = event.event_type.clone();
    match events.record(id.clone(), event) {
        Recorded::New => info!(%id, ?event_type, "stored a new event"),
        Recorded::Duplicate => info!(%id, "event already stored; duplicate ignored"),
    }
}

/// `GET .../events`: what the background workers stored for a subscription.
async fn list_events(State(subscription): State<Subscription>) -> Json<StoreSummary> {
    Json(subscription.events.summary())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_envelope_and_keeps_unknown_types() {
        let event: AtlasEvent = serde_json::from_str(
            r#"{"id":"lead.created_1","type":"lead.created","timestamp":"2025-01-01T00:00:00Z","entity":{"id":"42","type":"lead"},"payload":{"x":1},"extra":true}"#,
        )
        .expect("the documented envelope parses");
        assert_eq!(event.event_type, EventType::LeadCreated);

        let unknown: AtlasEvent =
            serde_json::from_str(r#"{"id":"a_1","type":"project.launched","entity":{"id":7}}"#)
                .expect("an unknown type with a numeric entity id parses");
        assert_eq!(
            unknown.event_type,
            EventType::Other("project.launched".to_owned())
        );
    }

    #[test]
    fn an_envelope_without_an_id_does_not_parse() {
        assert!(serde_json::from_str::<AtlasEvent>(r#"{"type":"lead.created"}"#).is_err());
    }

    #[test]
    fn the_config_hides_secrets_and_refuses_an_empty_one() {
        let config = AtlasConfig::default();
        assert!(!format!("{config:?}").contains(DEFAULT_TEST_SECRET));
        assert!(config.validate().is_ok());
        let no_secrets = AtlasConfig {
            trusted_secrets: Vec::new(),
        };
        assert!(no_secrets.validate().is_ok());
        let empty = AtlasConfig {
            trusted_secrets: vec![String::new()],
        };
        assert!(matches!(
            empty.validate(),
            Err(ReceiverError::EmptyTrustedKey {
                provider: "propertyfinder-atlas"
            })
        ));
    }
}
