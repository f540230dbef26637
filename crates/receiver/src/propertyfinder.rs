//! Property Finder "PF Expert" hooks (UAE/MENA portal), received the way we
//! advise a PF Expert client to receive them.
//!
//! Source: PF Expert "Hooks" (<https://expert.propertyfinder.ae/documentation/hook>,
//! section "Listen to hook events from client system"). Documented:
//! the body `{"event", "client", "concept": {"id", "namespace",
//! "sub_namespace"}}`, integer ids, a `sub_namespace` that is "not always
//! mentioned" (null in the doc's example), 22 events. The doc's example wraps
//! the body in a `{"property": ...}` that is not valid JSON; we take that as a
//! doc error and expect the bare object (a wrapped body gets a 400).
//! Not documented, so assumed by hooksim: no signature, retries, any 2xx.
//!
//! The body is a pointer, not the data: it names a resource of a client and
//! what happened to it. So this receiver treats every delivery as "re-read
//! this concept from the PF Expert API with our own token", which also makes
//! it safe without a signature: a forged delivery can only cause an extra
//! read of data we are entitled to, never write what a forger chose. (In
//! production, keep the URL unguessable and check `client` is yours.)
//!
//! Connecting, as a CRM sets itself up: `POST /propertyfinder/connect
//! {"api", "api_key", "api_secret", "auth"?, "connection"?, "events"?}` gets
//! a token from `POST {auth}/auth/oauth/v1/token` (HTTP Basic
//! `api_key:api_secret`, body `{"scope":"openid","grant_type":
//! "client_credentials"}`, as PF Expert's "Introduction" documents; `auth`
//! is the token host, `https://auth.propertyfinder.com` in production, and
//! defaults to `api`), then registers one hook per event (every documented
//! event unless `events` names fewer) through `POST {api}/hooks` with it as
//! Bearer, at `http://{Host}/propertyfinder/connections/{connection}`; `POST
//! /propertyfinder/disconnect {"connection"}` gets a fresh token (they last
//! 30 minutes and cannot be refreshed) and deletes them again. A
//! connection's deliveries are handled like `POST /propertyfinder` but stored
//! apart (`GET /propertyfinder/connections/{connection}/notifications`), so
//! scenarios sharing this receiver never see each other's. In production,
//! put these two endpoints behind your own admin authentication.

use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use tracing::{info, info_span, warn};

use crate::answer::{Acknowledged, Rejection, hand_off_and_acknowledge};
use crate::store::{DedupeStore, Recorded, StoreSummary};

use crate::provider_api::{
    ApiClient, ConnectFailure, Connections, deliver_to_connection, webhook_url,
};

/// A notification is about a hundred bytes; this leaves room for attributes
/// PF may add, even long ones (a fuzz case can add eight of 16 KiB each),
/// while refusing to buffer anything that is clearly not one.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// One delivery: `event` happened to `concept` of `client`. Unknown attributes
/// are ignored, so PF can add some without breaking us.
#[derive(Debug, Clone, Deserialize)]
pub struct Notification {
    /// Kept as text: PF can add events (its own example sends
    /// `property.updated`, which is not in its list).
    pub event: String,
    pub client: ResourceId,
    pub concept: Concept,
}

/// An id the doc types as "integer" and nothing more: no range, no sign. So
/// any integer JSON can carry is taken (an unsigned type would answer a
/// negative id with 400, and lose that notification); a fraction or a
/// string is not an integer and still fails.
pub type ResourceId = i128;

/// The resource a notification is about.
#[derive(Debug, Clone, Deserialize)]
pub struct Concept {
    pub id: ResourceId,
    pub namespace: Namespace,
    /// "Not always mentioned": null or absent as often as not.
    #[serde(default)]
    pub sub_namespace: Option<String>,
}

/// The families of resources PF Expert sends hooks for; anything else is kept
/// in `Other` so a new family parses instead of failing the delivery.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum Namespace {
    Lead,
    Landlord,
    Property,
    User,
    Transaction,
    Other(String),
}

impl From<String> for Namespace {
    fn from(value: String) -> Self {
        match value.as_str() {
            "lead" => Self::Lead,
            "landlord" => Self::Landlord,
            "property" => Self::Property,
            "user" => Self::User,
            "transaction" => Self::Transaction,
            _ => Self::Other(value),
        }
    }
}

impl Notification {
    /// What identifies a notification: PF Expert sends no delivery id,
    /// version or timestamp, so a retry and a repeat are the same three
    /// values. See [`process_notification`] for why that is enough.
    fn dedupe_key(&self) -> String {
        format!("{}:{}:{}", self.event, self.client, self.concept.id)
    }
}

type NotificationStore = DedupeStore<Notification>;

/// Every event PF Expert documents: this receiver acts on every family, so
/// it registers for all of them unless the connect request names fewer.
const DOCUMENTED_EVENTS: &[&str] = &[
    "lead.new",
    "lead.assigned",
    "lead.status",
    "lead.updated",
    "lead.deleted",
    "landlord.new",
    "landlord.assigned",
    "landlord.updated",
    "landlord.deleted",
    "property.new",
    "property.deleted",
    "property.assigned",
    "property.status",
    "property.state",
    "user.new",
    "user.updated",
    "user.deleted",
    "transaction.new",
    "transaction.won",
    "transaction.lost",
    "transaction.updated",
    "transaction.deleted",
];

/// Where PF Expert issues tokens, below its auth host (documented).
const TOKEN_PATH: &str = "/auth/oauth/v1/token";

/// One PF Expert account this receiver is connected to: where its API and
/// token endpoint are, the key pair to get tokens with, the hooks
/// registered there, and what arrived.
#[derive(Clone)]
struct PfConnection {
    api: String,
    auth: String,
    api_key: String,
    api_secret: String,
    /// `(event, hook id)`, in the order they were registered.
    hooks: Vec<(String, String)>,
    notifications: Arc<NotificationStore>,
}

#[derive(Clone)]
struct PropertyFinderState {
    notifications: Arc<NotificationStore>,
    connections: Arc<Connections<PfConnection>>,
}

/// `POST /propertyfinder` (deliveries), `GET /propertyfinder/notifications`
/// (what was stored), and the same per connection, plus connect and disconnect.
pub(crate) fn routes() -> Router {
    let state = PropertyFinderState {
        notifications: Arc::new(NotificationStore::new()),
        connections: Arc::new(Connections::new()),
    };
    Router::new()
        .route(
            "/propertyfinder",
            post(receive_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/propertyfinder/notifications", get(list_notifications))
        .route("/propertyfinder/connect", post(connect))
        .route("/propertyfinder/disconnect", post(disconnect))
        .route(
            "/propertyfinder/connections/{connection}",
            post(receive_connection_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route(
            "/propertyfinder/connections/{connection}/notifications",
            get(list_connection_notifications),
        )
        .with_state(state)
}

/// `POST /propertyfinder`: parse, hand off, answer 200.
async fn receive_delivery(
    State(state): State<PropertyFinderState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Rejection> {
    accept_notification(&state.notifications, &body?)
}

/// `POST /propertyfinder/connections/{connection}`: the same, for a
/// connection this receiver made.
async fn receive_connection_delivery(
    State(state): State<PropertyFinderState>,
    Path(connection): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    deliver_to_connection(&state.connections, &connection, body, |known, body| {
        accept_notification(&known.notifications, body)
    })
}

/// Parse, hand off to the background, acknowledge.
fn accept_notification(
    notifications: &Arc<NotificationStore>,
    body: &[u8],
) -> Result<Acknowledged, Rejection> {
    let notification: Notification = serde_json::from_slice(body).map_err(|error| {
        warn!(%error, "body is not a PF Expert notification; answering 400");
        // Not `{event, client, concept}`: nothing to act on. 400, not 200: if
        // PF really sent this, it is a changed contract and a retry gives a
        // fixed receiver the chance to get it.
        Rejection::not_understood("a PF Expert hook notification", error)
    })?;

    // Answer now, work later: re-reading the concept from the PF Expert API
    // can take longer than the sender waits. Any 2xx would do (assumed).
    let span = info_span!(
        "propertyfinder_notification",
        event = %notification.event,
        client = notification.client,
        concept_id = notification.concept.id,
    );
    let notifications = Arc::clone(notifications);
    Ok(hand_off_and_acknowledge(span, move || {
        process_notification(notification, &notifications);
    }))
}

// The API secret must never reach a log line.
impl std::fmt::Debug for PfConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PfConnection")
            .field("api", &self.api)
            .field("auth", &self.auth)
            .field("api_key", &self.api_key)
            .field("hooks", &self.hooks)
            .finish_non_exhaustive()
    }
}

impl PfConnection {
    /// A fresh access token for a session of calls: tokens last 30 minutes
    /// and come with no refresh token (documented).
    async fn access_token(&self, client: &ApiClient) -> Result<String, ConnectFailure> {
        let url = format!("{}{TOKEN_PATH}", self.auth.trim_end_matches('/'));
        let body = json!({"scope": "openid", "grant_type": "client_credentials"});
        let answer = client
            .call_with_basic_auth(&url, (&self.api_key, &self.api_secret), &body)
            .await?
            .expect_success()?;
        answer["access_token"]
            .as_str()
            .filter(|token| !token.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| ConnectFailure::unexpected(&url, "no `access_token` in the answer"))
    }
}

/// What `POST /propertyfinder/connect` takes.
#[derive(Deserialize)]
struct ConnectRequest {
    /// The PF Expert API's base URL.
    api: String,
    /// The client level key pair customer care issued.
    api_key: String,
    api_secret: String,
    /// The token host's base URL, when it is not `api`'s.
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    connection: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
}

/// `POST /propertyfinder/connect`: register a hook per event, answer
/// `{"registered": true, "id": FIRST_HOOK_ID, "hooks": [{event, id}]}`, or
/// 502 with what PF Expert answered.
async fn connect(
    State(state): State<PropertyFinderState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ConnectFailure> {
    let request: ConnectRequest =
        crate::provider_api::read_request(&body, "{api, api_key, api_secret}")?;
    let connection = crate::provider_api::connection_name(request.connection.as_deref())?;
    let target = webhook_url(&headers, "/propertyfinder", &connection)?;
    let events = match request.events {
        Some(events) => events,
        None => DOCUMENTED_EVENTS.iter().map(|e| (*e).to_owned()).collect(),
    };
    let client = ApiClient::new()?;
    // Known before the first hook exists: PF may deliver the moment it does.
    let notifications = state
        .connections
        .get(&connection)
        .map_or_else(|| Arc::new(NotificationStore::new()), |c| c.notifications);
    let mut known = PfConnection {
        auth: request.auth.unwrap_or_else(|| request.api.clone()),
        api: request.api,
        api_key: request.api_key,
        api_secret: request.api_secret,
        hooks: Vec::new(),
        notifications,
    };
    let token = known.access_token(&client).await?;
    state.connections.insert(&connection, known.clone());
    let url = format!("{}/hooks", known.api.trim_end_matches('/'));
    for event in events {
        let body = json!({"hook": {"event": event, "target": target}});
        let answer = client
            .call(Method::POST, &url, Some(&token), Some(&body))
            .await?
            .expect_success()?;
        // Only the id is read: the doc's own example spells `event` as
        // `"event:"`, so nothing else in the answer is relied on.
        let id = match &answer["hook"]["id"] {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => {
                return Err(ConnectFailure::unexpected(
                    &url,
                    "no `hook.id` in the answer",
                ));
            }
        };
        info!(%connection, %event, hook = %id, "registered a PF Expert hook");
        known.hooks.push((event, id));
        state.connections.insert(&connection, known.clone());
    }
    let hooks: Vec<Value> = known
        .hooks
        .iter()
        .map(|(event, id)| json!({"event": event, "id": id}))
        .collect();
    let first = known.hooks.first().map(|(_, id)| id.clone());
    Ok(Json(
        json!({"registered": true, "id": first, "hooks": hooks}),
    ))
}

#[derive(Deserialize)]
struct DisconnectRequest {
    #[serde(default)]
    connection: Option<String>,
}

/// `POST /propertyfinder/disconnect`: delete the connection's hooks (one
/// already gone counts as deleted) and forget it.
async fn disconnect(
    State(state): State<PropertyFinderState>,
    body: Bytes,
) -> Result<Json<Value>, ConnectFailure> {
    let request: DisconnectRequest = crate::provider_api::read_request(&body, "{connection}")?;
    let connection = crate::provider_api::connection_name(request.connection.as_deref())?;
    let known = state.connections.known(&connection)?;
    let client = ApiClient::new()?;
    let token = known.access_token(&client).await?;
    let mut deleted = Vec::new();
    for (event, id) in &known.hooks {
        let url = format!("{}/hooks/{id}", known.api.trim_end_matches('/'));
        client
            .call(Method::DELETE, &url, Some(&token), None)
            .await?
            .expect_deleted()?;
        info!(%connection, %event, hook = %id, "deleted a PF Expert hook");
        deleted.push(json!({"event": event, "id": id}));
    }
    state.connections.remove(&connection);
    Ok(Json(json!({"registered": false, "deleted": deleted})))
}

/// The background half.
///
/// Deduplication is on event + client + concept id. Two deliveries with the
/// same three are either a retry or a second real change of the same kind;
/// the body cannot tell them apart. Both call for the same action (re-read
/// the concept, which always returns its current state), and re-reading is
/// idempotent, so a production receiver re-reads on every delivery while
/// storing each notification once. Order does not matter for the same
/// reason: a `lead.updated` that overtakes its `lead.new` reads the lead as
/// it is now, and the late `lead.new` reads it again, unchanged.
fn process_notification(notification: Notification, notifications: &NotificationStore) {
    let namespace = notification.concept.namespace.clone();
    if let Namespace::Other(name) = &namespace {
        // Acknowledged already: a retry would not teach us where to read
        // this family from. A human adds it.
        warn!(namespace = %name, "notification for an unknown family; ignored");
        return;
    }
    let key = notification.dedupe_key();
    match notifications.record(key.clone(), notification) {
        Recorded::New => info!(%key, ?namespace, "stored; re-reading the concept"),
        Recorded::Duplicate => info!(%key, "seen before; re-reading anyway, which is idempotent"),
    }
}

/// `GET /propertyfinder/notifications`: what the background workers stored.
async fn list_notifications(State(state): State<PropertyFinderState>) -> Json<StoreSummary> {
    Json(state.notifications.summary())
}

/// `GET /propertyfinder/connections/{connection}/notifications`.
async fn list_connection_notifications(
    State(state): State<PropertyFinderState>,
    Path(connection): Path<String>,
) -> Result<Json<StoreSummary>, ConnectFailure> {
    let known = state.connections.known(&connection)?;
    Ok(Json(known.notifications.summary()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_body_with_a_null_or_missing_sub_namespace() {
        let with_null: Notification = serde_json::from_str(
            r#"{"event":"property.updated","client":9999,"concept":{"id":888999,"namespace":"property","sub_namespace":null}}"#,
        )
        .expect("the doc's example, unwrapped, parses");
        assert_eq!(with_null.dedupe_key(), "property.updated:9999:888999");
        assert_eq!(with_null.concept.namespace, Namespace::Property);
        assert_eq!(with_null.concept.sub_namespace, None);

        let without: Notification = serde_json::from_str(
            r#"{"event":"lead.new","client":434,"concept":{"id":1,"namespace":"lead"},"extra":[1]}"#,
        )
        .expect("a missing sub_namespace and extra attributes parse");
        assert_eq!(without.concept.sub_namespace, None);
    }

    #[test]
    fn ids_are_any_integer_but_only_integers() {
        for (client, id) in [
            ("-9223372036854775808", "0"),
            ("18446744073709551615", "-1"),
            ("9007199254740993", "4294967295"),
        ] {
            let body = format!(
                r#"{{"event":"lead.new","client":{client},"concept":{{"id":{id},"namespace":"lead","sub_namespace":null}}}}"#
            );
            let notification: Notification =
                serde_json::from_str(&body).expect("an integer id of any size parses");
            assert_eq!(notification.dedupe_key(), format!("lead.new:{client}:{id}"));
        }
        for client in ["1.5", "\"434\"", "null"] {
            let body = format!(
                r#"{{"event":"lead.new","client":{client},"concept":{{"id":1,"namespace":"lead"}}}}"#
            );
            assert!(
                serde_json::from_str::<Notification>(&body).is_err(),
                "{client}"
            );
        }
    }

    #[test]
    fn an_unknown_family_is_kept_as_other() {
        let notification: Notification = serde_json::from_str(
            r#"{"event":"viewing.new","client":1,"concept":{"id":2,"namespace":"viewing","sub_namespace":"x"}}"#,
        )
        .expect("an unknown namespace parses");
        assert_eq!(
            notification.concept.namespace,
            Namespace::Other("viewing".to_owned())
        );
    }

    #[test]
    fn the_doc_example_wrapper_is_not_a_notification() {
        let wrapped = r#"{"property":{"event":"property.updated","client":9999,"concept":{"id":888999,"namespace":"property","sub_namespace":null}}}"#;
        assert!(serde_json::from_str::<Notification>(wrapped).is_err());
    }
}
