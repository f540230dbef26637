//! EverReal external-integration webhooks (Germany; rentals), received the
//! way we advise an EverReal integration partner to receive them.
//!
//! Source: "Webhooks" (<https://api-docs.everreal.co/webhooks>, section
//! "Event Types") for the 28 event types; the page of each event under it
//! for the envelope `{uuid, operation, subdomain, language, createdAt,
//! data}` and the `data` of five events. Not documented, so assumed: no signature, any 2xx
//! acknowledges, failed deliveries are retried with the same body (so the
//! same `uuid` can arrive twice), `uuid` names the notification, and events
//! can arrive out of order.
//!
//! Unlike a pure pointer, some of these events carry data a receiver keeps
//! (an applicant's name and email, a signed contract's files), so arrival
//! order matters: an update that arrives before its create must not be
//! overwritten by the older create. This receiver keeps, per entity, the
//! newest notification by `createdAt` and ignores older ones. In production,
//! treat the data as a hint too (nothing is signed) and re-read the entity
//! from EverReal's GraphQL API with your own token before trusting it.
//!
//! Webhooks are registered through EverReal's API (same seed): `POST
//! /everreal/connect {api, token[, types, connection]}` lists the webhooks
//! already there, registers this receiver's URL for each type missing, and
//! takes each new id from the `Location` header (the bare id).
//!
//! Routes: `POST /everreal` and `GET /everreal/notifications`;
//! `POST /everreal/connect`; `POST /everreal/connections/{name}` and
//! `GET /everreal/connections/{name}/notifications` (one connected
//! customer's deliveries, kept apart from every other).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tracing::{info, info_span, warn};

use crate::answer::{Acknowledged, Rejection, hand_off_and_acknowledge};
use crate::provider_api::{
    ApiClient, ConnectFailure, Connections, connection_name, read_request, webhook_url,
};
use crate::store::{DedupeStore, Recorded, StoreSummary};

/// The largest documented event (CANDIDATE_PARSED with every optional
/// attribute) is a few kilobytes; this leaves room for a long message.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// One delivery. `uuid` (the dedupe key) and `operation` are required;
/// everything else is optional, `data` is kept as sent (its shape differs
/// per event), and attributes EverReal adds later are ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub uuid: String,
    pub operation: Operation,
    #[serde(default)]
    pub subdomain: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// As sent (`2020-09-30T10:07:28.052Z`).
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub data: Value,
}

/// The event type, kept as text: EverReal lists 29 and may add more.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Operation(pub String);

/// What an operation is about, read from its documented name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Listing,
    /// LISTING_CANDIDATE_APPLIED and CANDIDATE_PARSED.
    Candidate,
    /// LISTING_CANDIDATE_SCHEDULE_*: identified by `invitationId`.
    Viewing,
    /// LISTING_CONTRACT_FLOW_*.
    Contract,
    Owner,
    Property,
    Unit,
    /// PROTOCOL_* (PROTOCOL_COMPLETED is listed on the webhooks page).
    Protocol,
    /// An operation this code does not know yet.
    Unknown,
}

impl Family {
    fn name(self) -> &'static str {
        match self {
            Self::Listing => "listing",
            Self::Candidate => "candidate",
            Self::Viewing => "viewing",
            Self::Contract => "contract",
            Self::Owner => "owner",
            Self::Property => "property",
            Self::Unit => "unit",
            Self::Protocol => "protocol",
            Self::Unknown => "unknown",
        }
    }

    /// The `data` attribute that identifies the entity an event is about.
    fn id_attribute(self) -> &'static str {
        match self {
            Self::Viewing => "invitationId",
            _ => "id",
        }
    }
}

impl Operation {
    pub fn family(&self) -> Family {
        // Longest prefixes first: every scheduling and contract event also
        // starts with LISTING_.
        const FAMILIES: &[(&str, Family)] = &[
            ("LISTING_CANDIDATE_SCHEDULE_", Family::Viewing),
            ("LISTING_CONTRACT_FLOW_", Family::Contract),
            ("LISTING_CANDIDATE_", Family::Candidate),
            ("CANDIDATE_", Family::Candidate),
            ("LISTING_", Family::Listing),
            ("OWNER_", Family::Owner),
            ("PROPERTY_", Family::Property),
            ("UNIT_", Family::Unit),
            ("PROTOCOL_", Family::Protocol),
        ];
        FAMILIES
            .iter()
            .find(|(prefix, _)| self.0.starts_with(prefix))
            .map_or(Family::Unknown, |(_, family)| *family)
    }
}

impl Notification {
    pub fn parse(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// `family:id` of the entity the event is about, when `data` names one
    /// (CANDIDATE_PARSED names none: the candidate has no EverReal id yet).
    pub fn entity(&self) -> Option<String> {
        let family = self.operation.family();
        if family == Family::Unknown {
            return None;
        }
        match self.data.get(family.id_attribute()) {
            Some(Value::String(id)) if !id.is_empty() => Some(format!("{}:{id}", family.name())),
            _ => None,
        }
    }
}

/// The newest notification seen for one entity.
#[derive(Debug, Clone, Serialize)]
struct EntityVersion {
    operation: String,
    #[serde(rename = "createdAt")]
    created_at: Option<String>,
}

/// What a notification did to its entity's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applied {
    First,
    Newer,
    /// Older than what is known: an out-of-order arrival, ignored.
    Older,
    /// No comparable `createdAt`: the later arrival wins.
    Unordered,
}

/// `createdAt` in the documented form, which sorts as text: `2020-09-30T10:07:28.052Z`.
fn sortable_timestamp(value: Option<&str>) -> Option<&str> {
    value.filter(|v| {
        let b = v.as_bytes();
        b.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && b[23] == b'Z'
    })
}

/// Newest version per entity, keyed by `family:id`.
#[derive(Debug, Default)]
struct EntityVersions {
    inner: Mutex<BTreeMap<String, EntityVersion>>,
}

impl EntityVersions {
    fn apply(&self, entity: String, incoming: EntityVersion) -> Applied {
        // Every update is a single insert; a panicked holder cannot leave it half-done.
        let mut versions = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(known) = versions.get(&entity) else {
            versions.insert(entity, incoming);
            return Applied::First;
        };
        let applied = match (
            sortable_timestamp(known.created_at.as_deref()),
            sortable_timestamp(incoming.created_at.as_deref()),
        ) {
            (Some(known), Some(incoming)) if incoming <= known => return Applied::Older,
            (Some(_), Some(_)) => Applied::Newer,
            _ => Applied::Unordered,
        };
        versions.insert(entity, incoming);
        applied
    }

    fn snapshot(&self) -> BTreeMap<String, EntityVersion> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

type NotificationStore = DedupeStore<Notification>;

/// The event types `POST /everreal/connect` registers when the request names
/// none: new applicants, whom most integrations exist to pick up.
const DEFAULT_TYPES: [&str; 2] = ["LISTING_CANDIDATE_APPLIED", "CANDIDATE_PARSED"];

/// An EverReal API that has not answered by then is reported as unreachable,
/// well before whoever asked to connect gives up on us.
const EVERREAL_API_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the webhook API sits below `https://{subdomain}.everreal.co` (documented).
const WEBHOOKS: &str = "/api/external-integrations/webhooks";

/// What one stream of deliveries stored. In production: a table behind a
/// unique key on `uuid`, and one row per entity.
#[derive(Debug)]
struct Inbox {
    notifications: NotificationStore,
    entities: EntityVersions,
}

#[derive(Clone)]
struct EverRealState {
    /// Deliveries to the plain `/everreal` route.
    unnamed: Arc<Inbox>,
    /// One inbox per EverReal customer connected through `/everreal/connect`.
    connections: Arc<Connections<Arc<Inbox>>>,
}

/// What `GET /everreal/notifications` shows.
#[derive(Debug, Serialize)]
struct NotificationsSummary {
    #[serde(flatten)]
    stored: StoreSummary,
    entities: BTreeMap<String, EntityVersion>,
}

/// Deliveries, connecting, and what was stored; see the module header.
pub(crate) fn routes() -> Router {
    let state = EverRealState {
        unnamed: Arc::new(Inbox::new()),
        connections: Arc::new(Connections::new()),
    };
    Router::new()
        .route(
            "/everreal",
            post(receive_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/everreal/notifications", get(list_notifications))
        .route("/everreal/connect", post(connect))
        .route(
            "/everreal/connections/{name}",
            post(receive_connection_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route(
            "/everreal/connections/{name}/notifications",
            get(list_connection_notifications),
        )
        .with_state(state)
}

/// `POST /everreal`: parse the envelope, hand the work off, answer 200.
async fn receive_delivery(
    State(state): State<EverRealState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Rejection> {
    take_delivery(body, state.unnamed)
}

/// `POST /everreal/connections/{name}`: the same, into that connection's
/// inbox. A name never connected is 404, so EverReal's log shows why.
async fn receive_connection_delivery(
    State(state): State<EverRealState>,
    Path(name): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Response> {
    let inbox = state
        .connections
        .get(&name)
        .ok_or_else(|| ConnectFailure::unknown_connection(&name).into_response())?;
    take_delivery(body, inbox).map_err(IntoResponse::into_response)
}

fn take_delivery(
    body: Result<Bytes, BytesRejection>,
    inbox: Arc<Inbox>,
) -> Result<Acknowledged, Rejection> {
    let body = body?;
    let notification = Notification::parse(&body).map_err(|error| {
        warn!(%error, "not an EverReal notification; answering 400");
        // 400, not 2xx: without a uuid nothing can be deduplicated, and
        // if EverReal really sent this its retries keep it visible.
        Rejection::not_understood("an EverReal webhook notification", error)
    })?;
    let span = info_span!(
        "everreal_delivery",
        uuid = %notification.uuid,
        operation = %notification.operation.0,
        subdomain = notification.subdomain.as_deref().unwrap_or("-"),
    );
    // Answer now, work later: a slow answer is a failed attempt and brings
    // the same notification back.
    Ok(hand_off_and_acknowledge(span, move || {
        inbox.process(notification);
    }))
}

impl Inbox {
    fn new() -> Self {
        Self {
            notifications: NotificationStore::new(),
            entities: EntityVersions::default(),
        }
    }

    /// The background half: deduplicate on `uuid`, then keep the entity's
    /// newest version.
    fn process(&self, notification: Notification) {
        let uuid = notification.uuid.clone();
        let entity = notification.entity();
        let family = notification.operation.family();
        let version = EntityVersion {
            operation: notification.operation.0.clone(),
            created_at: notification.created_at.clone(),
        };
        if self.notifications.record(uuid.clone(), notification) == Recorded::Duplicate {
            info!(%uuid, "notification already seen; duplicate ignored");
            return;
        }
        let Some(entity) = entity else {
            // Unknown operations and CANDIDATE_PARSED: stored, nothing to version.
            // Acknowledged either way: a retry would not make them known.
            if family == Family::Unknown {
                warn!(%uuid, "operation not handled yet; stored and ignored");
            } else {
                info!(%uuid, "stored");
            }
            return;
        };
        match self.entities.apply(entity.clone(), version) {
            Applied::First | Applied::Newer => info!(%uuid, %entity, "stored; entity updated"),
            Applied::Older => {
                info!(%uuid, %entity, "stored; older than what is known, so the entity keeps its newer state");
            }
            Applied::Unordered => {
                warn!(%uuid, %entity, "stored; no comparable createdAt, so the later arrival wins");
            }
        }
    }

    fn summary(&self) -> NotificationsSummary {
        NotificationsSummary {
            stored: self.notifications.summary(),
            entities: self.entities.snapshot(),
        }
    }
}

/// `GET /everreal/notifications`: what the background workers stored.
async fn list_notifications(State(state): State<EverRealState>) -> Json<NotificationsSummary> {
    Json(state.unnamed.summary())
}

/// `GET /everreal/connections/{name}/notifications`: the same, for one connection.
async fn list_connection_notifications(
    State(state): State<EverRealState>,
    Path(name): Path<String>,
) -> Result<Json<NotificationsSummary>, ConnectFailure> {
    let inbox = state
        .connections
        .get(&name)
        .ok_or_else(|| ConnectFailure::unknown_connection(&name))?;
    Ok(Json(inbox.summary()))
}

/// `POST /everreal/connect`: what an EverReal customer hands its integration partner.
#[derive(Debug, Deserialize)]
struct ConnectRequest {
    /// `https://{subdomain}.everreal.co` (a scenario's own API in hooksim).
    api: String,
    /// A Bearer token for that customer.
    token: String,
    /// The event types to register; [`DEFAULT_TYPES`] when absent.
    #[serde(default)]
    types: Option<Vec<String>>,
    /// Where deliveries go: `/everreal/connections/{connection}`.
    #[serde(default)]
    connection: Option<String>,
}

/// Register this receiver's webhook URL for each type through EverReal's
/// API. Listing first keeps a second connect from registering the same
/// webhook twice (EverReal documents no uniqueness, so it may accept both
/// and deliver every event twice). Answers `{"registered": true,
/// "webhooks": {TYPE: ID}, ...}`, or 502 with what the API answered.
async fn connect(
    State(state): State<EverRealState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ConnectFailure> {
    let body = body.map_err(|rejection| ConnectFailure::BadRequest(rejection.body_text()))?;
    let request: ConnectRequest = read_request(&body, "{api, token[, types, connection]}")?;
    let name = connection_name(request.connection.as_deref())?;
    let url = webhook_url(&headers, "/everreal", &name)?;
    let types = match request.types {
        Some(types) if types.is_empty() => {
            return Err(ConnectFailure::BadRequest(
                "`types` is empty: name at least one event type, or leave it out".to_owned(),
            ));
        }
        Some(types) => types,
        None => DEFAULT_TYPES.map(str::to_owned).to_vec(),
    };
    if !(request.api.starts_with("http://") || request.api.starts_with("https://")) {
        return Err(ConnectFailure::BadRequest(format!(
            "`api` must be EverReal's http(s) URL, not `{}`",
            request.api
        )));
    }
    let collection = format!("{}{WEBHOOKS}", request.api.trim_end_matches('/'));
    let client = ApiClient::new()?;
    let listed = client
        .call(Method::GET, &collection, Some(&request.token), None)
        .await?
        .expect_success()?;
    // The inbox exists before the first registration: EverReal may deliver
    // the moment it has one.
    if state.connections.get(&name).is_none() {
        state.connections.insert(&name, Arc::new(Inbox::new()));
    }
    let mut webhooks = Map::new();
    for event_type in types {
        let known = listed.as_array().and_then(|records| {
            records
                .iter()
                .find(|r| r["type"] == event_type.as_str() && r["url"] == url.as_str())
                .and_then(|r| r["id"].as_str())
        });
        let id = match known {
            Some(id) => id.to_owned(),
            None => register(&collection, &request.token, &event_type, &url).await?,
        };
        info!(connection = %name, %event_type, %id, "EverReal webhook registered");
        webhooks.insert(event_type, Value::String(id));
    }
    Ok(Json(json!({
        "registered": true,
        "connection": name,
        "webhook_url": url,
        "webhooks": webhooks,
    })))
}

/// `POST {collection}` `{"type", "url"}`; the new webhook's id is the
/// `Location` EverReal answers with (documented: the id alone, and the body
/// does not carry it). A URL's last segment is taken too, should EverReal
/// ever send one.
async fn register(
    collection: &str,
    token: &str,
    event_type: &str,
    url: &str,
) -> Result<String, ConnectFailure> {
    let call = format!("POST {collection}");
    // No proxy: an EverReal played on loopback must be reached directly.
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(EVERREAL_API_TIMEOUT)
        .build()
        .map_err(|error| ConnectFailure::Internal(format!("no HTTP client: {error}")))?;
    let unreachable = |error: reqwest::Error| ConnectFailure::Unreachable {
        call: call.clone(),
        error: error.to_string(),
    };
    let response = http
        .post(collection)
        .bearer_auth(token)
        .header(header::CONTENT_TYPE, "application/json")
        .body(json!({ "type": event_type, "url": url }).to_string())
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let bytes = response.bytes().await.map_err(unreachable)?;
    if !(200..300).contains(&status) {
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        return Err(ConnectFailure::Refused { call, status, body });
    }
    location
        .as_deref()
        .and_then(|location| location.trim_end_matches('/').rsplit('/').next())
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ConnectFailure::unexpected(&call, "no webhook id in the Location header"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn notification(operation: &str, data: Value) -> Notification {
        let body = json!({
            "uuid": "5de9bc1b-b4cb-4a9f-9cf9-91a32230d014",
            "operation": operation,
            "subdomain": "stadtwohnen",
            "language": "de",
            "createdAt": "2025-07-24T11:46:55.158Z",
            "data": data,
        });
        Notification::parse(body.to_string().as_bytes()).expect("an EverReal notification")
    }

    #[test]
    fn families_follow_the_documented_names() {
        let family = |name: &str| Operation(name.to_owned()).family();
        assert_eq!(family("LISTING_CREATED"), Family::Listing);
        assert_eq!(family("LISTING_UNPUBLISHED_FROM_CHANNEL"), Family::Listing);
        assert_eq!(family("LISTING_CANDIDATE_APPLIED"), Family::Candidate);
        assert_eq!(family("CANDIDATE_PARSED"), Family::Candidate);
        assert_eq!(
            family("LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKING_REMOVED_ADMIN"),
            Family::Viewing
        );
        assert_eq!(family("LISTING_CONTRACT_FLOW_SIGNED"), Family::Contract);
        assert_eq!(family("OWNER_DELETED"), Family::Owner);
        assert_eq!(family("PROPERTY_UPDATED"), Family::Property);
        assert_eq!(family("UNIT_CREATED"), Family::Unit);
        assert_eq!(family("PROTOCOL_COMPLETED"), Family::Protocol);
        assert_eq!(family("INVOICE_CREATED"), Family::Unknown);
    }

    #[test]
    fn entities_are_named_by_family_and_id() {
        assert_eq!(
            notification("LISTING_UPDATED", json!({ "id": "l-1" })).entity(),
            Some("listing:l-1".to_owned())
        );
        assert_eq!(
            notification(
                "LISTING_CANDIDATE_SCHEDULE_INVITED_VIEWING",
                json!({ "invitationId": "i-1", "listing": { "id": "l-1" } })
            )
            .entity(),
            Some("viewing:i-1".to_owned())
        );
        assert_eq!(
            notification("CANDIDATE_PARSED", json!({ "portalId": "1" })).entity(),
            None
        );
        assert_eq!(
            notification("SOMETHING_NEW", json!({ "id": "x" })).entity(),
            None
        );
        assert_eq!(
            notification("UNIT_DELETED", json!({ "id": 7 })).entity(),
            None
        );
    }

    #[test]
    fn only_uuid_and_operation_are_required() {
        let bare =
            Notification::parse(br#"{"uuid":"u","operation":"OWNER_CREATED"}"#).expect("minimal");
        assert_eq!(bare.data, Value::Null);
        assert_eq!(bare.created_at, None);
        assert!(Notification::parse(br#"{"operation":"OWNER_CREATED"}"#).is_err());
        assert!(Notification::parse(br#"{"uuid":"u"}"#).is_err());
        assert!(Notification::parse(b"[]").is_err());
    }

    #[test]
    fn newer_versions_win_and_older_ones_are_ignored() {
        let versions = EntityVersions::default();
        let version = |operation: &str, created_at: Option<&str>| EntityVersion {
            operation: operation.to_owned(),
            created_at: created_at.map(str::to_owned),
        };
        let key = || "listing:l-1".to_owned();
        assert_eq!(
            versions.apply(
                key(),
                version("LISTING_UPDATED", Some("2025-07-24T11:46:55.158Z"))
            ),
            Applied::First
        );
        // The create was made before the update and arrives after it.
        assert_eq!(
            versions.apply(
                key(),
                version("LISTING_CREATED", Some("2025-07-24T11:40:00.000Z"))
            ),
            Applied::Older
        );
        assert_eq!(versions.snapshot()[&key()].operation, "LISTING_UPDATED");
        assert_eq!(
            versions.apply(
                key(),
                version("LISTING_ARCHIVED", Some("2025-07-25T08:00:00.000Z"))
            ),
            Applied::Newer
        );
        assert_eq!(
            versions.apply(key(), version("LISTING_ACTIVATED", Some("yesterday"))),
            Applied::Unordered
        );
        assert_eq!(versions.snapshot()[&key()].operation, "LISTING_ACTIVATED");
    }

    #[test]
    fn only_the_documented_timestamp_form_is_compared() {
        assert!(sortable_timestamp(Some("2020-09-30T10:07:28.052Z")).is_some());
        assert!(sortable_timestamp(Some("2020-09-30T10:07:28Z")).is_none());
        assert!(sortable_timestamp(Some("2020-09-30T12:07:28.052+02:00")).is_none());
        assert!(sortable_timestamp(None).is_none());
    }
}
