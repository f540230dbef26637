//! Property Finder Enterprise API ("Atlas") webhooks, received the way the
//! Enterprise API documentation asks (api-docs.propertyfinder.net, Webhooks,
//! as collected in PROVIDERS.md).
//!
//! Documented: the envelope `{id, type, timestamp, entity: {id, type},
//! payload}`, whose `id` is a uuid in the schema but not in every example
//! (`lead-created-12345678`), so it is kept as an opaque string; a
//! listing's `entity.id` is a ULID; each event's payload members; answer
//! within 5 s with any 2xx; non-2xx, errors and timeouts are retried;
//! delivery is at least once, so dedupe on `id`; a subscription made with a
//! secret gets `X-Signature` (hex HMAC-SHA256 of the body) on every
//! delivery, one made without gets no header at all. A project lead never
//! gets `lead.created`: its first event is `lead.assigned` or
//! `lead.updated`, so a CRM that creates leads only on `lead.created` never
//! sees project leads. Here every lead event is stored alike.
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
//!
//! Connecting, as a customer's system subscribes itself: `POST
//! /propertyfinder-atlas/connect {"api", "api_key", "api_secret", "secret"?,
//! "events"?, "connection"?}` gets a token from `POST {api}/v1/auth/token`
//! and subscribes `http://{Host}/propertyfinder-atlas/connections/{connection}`
//! to each event (every documented one unless `events` names fewer) through
//! `POST {api}/v1/webhooks`, with the secret when one is given; `POST
//! /propertyfinder-atlas/disconnect {"connection"}` deletes the subscriptions.
//! The connection's route verifies X-Signature exactly when it subscribed
//! with a secret (the same rule as the two routes above), and stores apart
//! (`GET /propertyfinder-atlas/connections/{connection}/events`).

use std::fmt;
use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use tracing::{error, info, info_span, warn};

use crate::answer::{Acknowledged, Rejection, hand_off_and_acknowledge};
use crate::provider_api::{
    self, ApiClient, ConnectFailure, Connections, deliver_to_connection, webhook_url,
};
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
/// in them cannot lose an event; unknown attributes are ignored. The
/// payload stays raw JSON: most of its inner shapes are documented only as
/// `{}`, and an empty one (`listing.published`) is as valid as a full one.
#[derive(Debug, Clone, Deserialize)]
pub struct AtlasEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub timestamp: Option<String>,
    pub entity: Option<Entity>,
    #[serde(default)]
    pub payload: Value,
}

/// What the event is about.
#[derive(Debug, Clone, Deserialize)]
pub struct Entity {
    /// Strings in the documentation (a ULID for a listing); raw JSON, so a
    /// number would not lose the event.
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
    let connections: Arc<Connections<AtlasConnection>> = Arc::new(Connections::new());
    let connection_routes = Router::new()
        .route("/propertyfinder-atlas/connect", post(connect))
        .route("/propertyfinder-atlas/disconnect", post(disconnect))
        .route(
            "/propertyfinder-atlas/connections/{connection}",
            post(receive_connection_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route(
            "/propertyfinder-atlas/connections/{connection}/events",
            get(list_connection_events),
        )
        .with_state(connections);
    subscription_routes("/propertyfinder-atlas/signed", signed)
        .merge(subscription_routes("/propertyfinder-atlas", unsigned))
        .merge(connection_routes)
}

/// `POST` to either subscription.
async fn receive_delivery(
    State(subscription): State<Subscription>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Rejection> {
    accept_event(&subscription, &headers, &body?)
}

/// `POST /propertyfinder-atlas/connections/{connection}`: checked as its
/// subscriptions were made (with a secret or without).
async fn receive_connection_delivery(
    State(connections): State<Arc<Connections<AtlasConnection>>>,
    Path(connection): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    deliver_to_connection(&connections, &connection, body, |known, body| {
        accept_event(&known.subscription, &headers, body)
    })
}

/// Verify when the subscription has a secret, parse, hand off, answer 200.
fn accept_event(
    subscription: &Subscription,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Acknowledged, Rejection> {
    if let Some(keys) = &subscription.keys {
        // Verify the bytes as received, before parsing: a re-serialised body
        // is different bytes. Commas are tolerated in case Property Finder
        // ever sends two signatures while a secret changes.
        keys.verify_header(headers, SIGNATURE_HEADER, body)
            .inspect_err(|rejection| {
                if matches!(rejection, Rejection::SignatureMismatch { .. }) {
                    warn!(
                        subscription = subscription.name,
                        "rejected a delivery whose signature does not verify"
                    );
                }
            })?;
    }

    let event: AtlasEvent = serde_json::from_slice(body).map_err(|error| {
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

/// Every event the Enterprise API documents for webhooks: this receiver
/// handles them all, so it subscribes to all unless told fewer.
const DOCUMENTED_EVENTS: &[&str] = &[
    "user.created",
    "user.updated",
    "user.deleted",
    "user.activated",
    "user.deactivated",
    "lead.created",
    "lead.updated",
    "lead.assigned",
    "publicProfile.verification.approved",
    "publicProfile.verification.rejected",
    "listing.published",
    "listing.unpublished",
    "listing.action",
    "listing.publishFailed",
];

/// A client for the Enterprise API that asks for its structured errors
/// (`X-PF-Error-Format: problem-json-v2`): the documentation calls the
/// default, legacy shape deprecated and says to adopt the new one now. A
/// refusal is passed on as it came, so either shape reaches the caller.
fn atlas_client() -> Result<ApiClient, ConnectFailure> {
    let mut headers = HeaderMap::new();
    headers.insert(
        "X-PF-Error-Format",
        HeaderValue::from_static("problem-json-v2"),
    );
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    ApiClient::with_headers(headers)
}

/// One Property Finder account this receiver subscribed at.
#[derive(Clone)]
struct AtlasConnection {
    api: String,
    api_key: String,
    api_secret: String,
    /// Every secret subscriptions were made with. Connecting again with a
    /// new one keeps the old: subscriptions that already existed (409) still
    /// sign with it. Once signed, a connection never accepts unsigned
    /// deliveries again, so a forger cannot downgrade it.
    secrets: Vec<String>,
    /// Subscribed events, in order.
    events: Vec<String>,
    /// What deliveries to the connection's route are checked against and stored in.
    subscription: Subscription,
}

// The API secret and webhook secrets must never reach a log line.
impl fmt::Debug for AtlasConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtlasConnection")
            .field("api", &self.api)
            .field("events", &self.events)
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .finish_non_exhaustive()
    }
}

/// What `POST /propertyfinder-atlas/connect` takes.
#[derive(Deserialize)]
struct ConnectRequest {
    api: String,
    api_key: String,
    api_secret: String,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    connection: Option<String>,
}

impl AtlasConnection {
    fn base(&self) -> &str {
        self.api.trim_end_matches('/')
    }

    /// A fresh access token: tokens last 30 minutes and cannot be refreshed,
    /// so every session of calls starts with one.
    async fn access_token(&self, client: &ApiClient) -> Result<String, ConnectFailure> {
        let url = format!("{}/v1/auth/token", self.base());
        let body = json!({"apiKey": self.api_key, "apiSecret": self.api_secret});
        let answer = client
            .call(Method::POST, &url, None, Some(&body))
            .await?
            .expect_success()?;
        answer["accessToken"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| ConnectFailure::unexpected(&url, "no `accessToken` in the answer"))
    }
}

/// `POST /propertyfinder-atlas/connect`: a token, then one subscription per
/// event; 409 (already subscribed) counts as subscribed, so connecting again
/// is safe. Answers `{"registered": true, "id": CALLBACK_URL, "events": [...],
/// "signed": BOOL}`, or 502 with what the API answered.
async fn connect(
    State(connections): State<Arc<Connections<AtlasConnection>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ConnectFailure> {
    let request: ConnectRequest = provider_api::read_request(&body, "{api, api_key, api_secret}")?;
    let name = provider_api::connection_name(request.connection.as_deref())?;
    let callback_url = webhook_url(&headers, "/propertyfinder-atlas", &name)?;
    let client = atlas_client()?;
    let previous = connections.get(&name);
    let mut known = previous.clone().unwrap_or_else(|| AtlasConnection {
        api: String::new(),
        api_key: String::new(),
        api_secret: String::new(),
        secrets: Vec::new(),
        events: Vec::new(),
        subscription: Subscription {
            name: "connection",
            keys: None,
            events: Arc::new(EventStore::new()),
        },
    });
    known.api = request.api;
    known.api_key = request.api_key;
    known.api_secret = request.api_secret;
    if let Some(secret) = &request.secret
        && !known.secrets.contains(secret)
    {
        known.secrets.push(secret.clone());
    }
    if !known.secrets.is_empty() {
        known.subscription.keys = Some(TrustedKeys::new(&known.secrets));
    }
    let token = known.access_token(&client).await?;
    // Known before the first subscription exists: deliveries may follow at once.
    connections.insert(&name, known.clone());
    let events = request
        .events
        .unwrap_or_else(|| DOCUMENTED_EVENTS.iter().map(|e| (*e).to_owned()).collect());
    let url = format!("{}/v1/webhooks", known.base());
    for (index, event) in events.into_iter().enumerate() {
        let mut body = json!({"eventId": event, "callbackUrl": callback_url});
        if let Some(secret) = &request.secret {
            body["secret"] = Value::from(secret.as_str());
        }
        let answer = client
            .call(Method::POST, &url, Some(&token), Some(&body))
            .await?;
        match answer.status {
            201 => info!(connection = %name, %event, "subscribed"),
            409 => info!(connection = %name, %event, "already subscribed"),
            _ => {
                if index == 0 {
                    // Nothing new exists at Property Finder: forget what this
                    // attempt added (a refused secret, above all).
                    match &previous {
                        Some(previous) => connections.insert(&name, previous.clone()),
                        None => {
                            connections.remove(&name);
                        }
                    }
                }
                return Err(answer.refused());
            }
        }
        if !known.events.contains(&event) {
            known.events.push(event);
        }
        connections.insert(&name, known.clone());
    }
    Ok(Json(json!({
        "registered": true,
        "id": callback_url,
        "events": known.events,
        "signed": known.subscription.keys.is_some(),
    })))
}

#[derive(Deserialize)]
struct DisconnectRequest {
    #[serde(default)]
    connection: Option<String>,
}

/// `POST /propertyfinder-atlas/disconnect`: delete every subscribed event's
/// subscriptions (gone already counts as deleted) and forget the connection.
async fn disconnect(
    State(connections): State<Arc<Connections<AtlasConnection>>>,
    body: Bytes,
) -> Result<Json<Value>, ConnectFailure> {
    let request: DisconnectRequest = provider_api::read_request(&body, "{connection}")?;
    let name = provider_api::connection_name(request.connection.as_deref())?;
    let known = connections.known(&name)?;
    let client = atlas_client()?;
    let token = known.access_token(&client).await?;
    for event in &known.events {
        let url = format!("{}/v1/webhooks/{event}", known.base());
        client
            .call(Method::DELETE, &url, Some(&token), None)
            .await?
            .expect_deleted()?;
        info!(connection = %name, %event, "unsubscribed");
    }
    connections.remove(&name);
    Ok(Json(json!({"registered": false, "deleted": known.events})))
}

/// `GET /propertyfinder-atlas/connections/{connection}/events`.
async fn list_connection_events(
    State(connections): State<Arc<Connections<AtlasConnection>>>,
    Path(connection): Path<String>,
) -> Result<Json<StoreSummary>, ConnectFailure> {
    let known = connections.known(&connection)?;
    Ok(Json(known.subscription.events.summary()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_envelope_and_keeps_unknown_types() {
        let event: AtlasEvent = serde_json::from_str(
            r#"{"id":"554f3eaf-814a-4068-80b8-7beaaedb7194","type":"lead.created","timestamp":"2025-01-01T00:00:00Z","entity":{"id":"42","type":"lead"},"payload":{"x":1},"extra":true}"#,
        )
        .expect("the documented envelope parses");
        assert_eq!(event.event_type, EventType::LeadCreated);
        let example: AtlasEvent = serde_json::from_str(
            r#"{"id":"lead-created-12345678","type":"listing.published","entity":{"id":"01K0YB4HEKM08V901DVJ5ATVYF","type":"listing"},"payload":{}}"#,
        )
        .expect("the documentation's other id shape and an empty payload parse");
        assert_eq!(example.id, "lead-created-12345678");
        assert_eq!(example.event_type, EventType::ListingPublished);

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
