//! Visma Real Estate "Flow" webhooks (Norway; the estate agents' case system),
//! received the way we advise.
//!
//! Source: "Subscribing to WebHooks" of the Flow Core API (no public copy;
//! each event has a section of its own there).
//! Documented: the envelope `{EventType, EventCreatedDate, Payload}`; Payload
//! shapes differ per event (most carry a `CaseId`, but `EmployeeChanged`,
//! `OfficeChanged`, `InteressentDeleted` and `SellerInsuranceChanged` do not,
//! and `DynamicSaleTextChanged`'s Payload is an array with `RequireReload`
//! beside it); an event only says *what* changed, and the receiver reads the
//! new state from Flow's API (the seed names the read for each event).
//! Assumed: deliveries are not signed, any 2xx acknowledges, failed ones are
//! retried (so the same event can arrive twice), and events may arrive out
//! of order.
//!
//! Because nothing proves a delivery came from Flow, its content is treated
//! as a hint and never as data: the receiver only queues reads that it will
//! make against Flow's API with its own credentials, so a forged event can at
//! worst cause a redundant read. For the same reason order does not matter:
//! each read fetches the state as it is now.
//!
//! Making those reads needs Flow's API and an API user's client credentials.
//! `POST /flow/connect {api, client_id, client_secret[, connection]}` hands
//! them over: the receiver asks Flow's token endpoint at once (so wrong
//! credentials are refused now, not at the first event), remembers the
//! connection, and answers the webhook URL to subscribe in Flow. The seed
//! documents no API for subscribing, so registering the URL is left to
//! Flow's admin. Deliveries to that URL are read back in a background task:
//! one token per connection, reused until Flow refuses it; a 429 is waited
//! out as its `X-RateLimit-Delayed-By-Milliseconds` says; a 403 (a missing
//! permission) is recorded, not retried, since retrying cannot grant it.
//!
//! Routes: `POST /flow` and `GET /flow/events` (deliveries without a
//! connection: reads are only queued); `POST /flow/connect`;
//! `POST /flow/connections/{name}` and `GET /flow/connections/{name}/events`
//! (one connection's deliveries, and the reads made for them).

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
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
use sha2::{Digest, Sha256};
use tracing::{Instrument, Span, error, info, info_span, warn};

use crate::answer::{Acknowledged, Rejection, hand_off_and_acknowledge};
use crate::provider_api::{
    ConnectFailure, Connections, connection_name, read_request, webhook_url,
};
use crate::store::{DedupeStore, ReadQueue, Recorded, StoreSummary};

/// Flow's events are a few ids; a `DynamicSaleTextChanged` naming thousands
/// of cases still fits comfortably. Anything larger is not an event.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How many hex digits of the envelope digest go into an event's identity:
/// 64 bits, plenty to tell one notification from another, short enough to read.
const IDENTITY_DIGEST_HEX_DIGITS: usize = 16;

/// One Flow event as delivered. Only `EventType` is required; everything
/// else is kept as sent, because shapes differ per event and Flow may add
/// events and fields.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowEvent {
    pub event_type: String,
    /// `EventCreatedDate` as sent (`2022-04-28T11:26:41.5334824+02:00`), if any.
    pub created: Option<String>,
    /// An object for most events, an array for `DynamicSaleTextChanged`.
    pub payload: Value,
    /// The whole envelope, including fields beside the Payload
    /// (`RequireReload`, `DynamicSaleTextHeaderId`, ...).
    pub envelope: Map<String, Value>,
}

/// Why a body is not a Flow event.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("body is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("body is JSON but not an object")]
    NotAnObject,
    #[error("body has no string `EventType`")]
    NoEventType,
}

impl FlowEvent {
    /// Reads the envelope, requiring only a JSON object with a string `EventType`.
    pub fn parse(body: &[u8]) -> Result<Self, EnvelopeError> {
        let Value::Object(envelope) = serde_json::from_slice(body)? else {
            return Err(EnvelopeError::NotAnObject);
        };
        let event_type = envelope
            .get("EventType")
            .and_then(Value::as_str)
            .ok_or(EnvelopeError::NoEventType)?
            .to_owned();
        let created = envelope
            .get("EventCreatedDate")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let payload = envelope.get("Payload").cloned().unwrap_or(Value::Null);
        Ok(Self {
            event_type,
            created,
            payload,
            envelope,
        })
    }

    /// What makes two deliveries the same event: `EventType/` and a digest
    /// of the whole envelope with object keys sorted.
    ///
    /// Flow sends no event id. A retry carries the same type, creation time
    /// (to the 100 ns tick) and Payload, so they identify the event; sorting
    /// keys keeps a re-serialised retry (other key order or spacing) the same
    /// event. Two genuinely different events that matched in every field
    /// would ask for the same reads, so treating them as one loses nothing.
    pub fn identity(&self) -> String {
        let mut canonical = String::new();
        write_canonical_json(&Value::Object(self.envelope.clone()), &mut canonical);
        let digest = hex::encode(Sha256::digest(canonical.as_bytes()));
        format!(
            "{}/{}",
            self.event_type,
            &digest[..IDENTITY_DIGEST_HEX_DIGITS]
        )
    }

    /// The reads from Flow's API this event asks for, as the seed documents
    /// them per event type. Events with no documented read, and event types
    /// Flow adds later, ask for none.
    pub fn follow_ups(&self) -> Result<Vec<FollowUp>, ShapeProblem> {
        let case_id = || integer_field(&self.payload, "CaseId");
        let follow_up = match self.event_type.as_str() {
            "AppropriationDateChanged" => FollowUp::CaseField {
                case_id: case_id()?,
                select: "TransferDate",
            },
            "CaseStatusChanged" => FollowUp::CaseField {
                case_id: case_id()?,
                select: "Status",
            },
            // A changed Finn publication may mean a new published asking price.
            "PublicationChanged" => FollowUp::PropertyConditions {
                case_id: case_id()?,
            },
            "SettlementStatusChanged" => FollowUp::SettlementStatuses {
                case_id: case_id()?,
            },
            "SellerInsuranceChanged" => FollowUp::PropertyInformation {
                property_id: integer_field(&self.payload, "PropertyId")?,
            },
            "DynamicSaleTextChanged" => return self.sale_text_follow_ups(),
            _ => return Ok(Vec::new()),
        };
        Ok(vec![follow_up])
    }

    /// One read per case in the Payload: every text when a reload is
    /// required, else the one header that changed.
    fn sale_text_follow_ups(&self) -> Result<Vec<FollowUp>, ShapeProblem> {
        // A missing RequireReload or header id falls back to reloading
        // everything: more reading, but nothing missed.
        let header_id = match self.envelope.get("RequireReload") {
            Some(Value::Bool(false)) => integer_value(
                self.envelope.get("DynamicSaleTextHeaderId"),
                "DynamicSaleTextHeaderId",
            )
            .ok(),
            _ => None,
        };
        // Documented as an array; a lone object is read as a list of one.
        let cases = match &self.payload {
            Value::Array(cases) => cases.as_slice(),
            single @ Value::Object(_) => std::slice::from_ref(single),
            _ => return Err(ShapeProblem::PayloadNotCaseList),
        };
        cases
            .iter()
            .map(|case| {
                let case_id = integer_field(case, "Id")?;
                Ok(match header_id {
                    Some(header_id) => FollowUp::SaleTextItem { case_id, header_id },
                    None => FollowUp::SaleTextItems { case_id },
                })
            })
            .collect()
    }
}

/// Why a known event could not be turned into reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeProblem {
    #[error("Payload has no integer `{0}`")]
    MissingId(&'static str),
    #[error("Payload is neither a list of cases nor one case")]
    PayloadNotCaseList,
}

/// An id from `object[name]`: a JSON integer, or a string of digits (a
/// serializer change from number to string must not lose the event).
fn integer_field(object: &Value, name: &'static str) -> Result<i64, ShapeProblem> {
    integer_value(object.get(name), name)
}

/// `value` read as an id named `name`, with the same leniency.
fn integer_value(value: Option<&Value>, name: &'static str) -> Result<i64, ShapeProblem> {
    match value {
        Some(Value::Number(number)) => number.as_i64(),
        Some(Value::String(text)) => text.trim().parse().ok(),
        _ => None,
    }
    .ok_or(ShapeProblem::MissingId(name))
}

/// A read from Flow's Core API that an event asks for (documented in the seed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum FollowUp {
    /// One field of a case, through the advanced property search.
    CaseField {
        case_id: i64,
        select: &'static str,
    },
    SettlementStatuses {
        case_id: i64,
    },
    /// Seller insurance: `Properties/{id}` takes the event's PropertyId.
    PropertyInformation {
        property_id: i64,
    },
    /// Needs the "Cases - Read" permission.
    PropertyConditions {
        case_id: i64,
    },
    SaleTextItems {
        case_id: i64,
    },
    SaleTextItem {
        case_id: i64,
        header_id: i64,
    },
}

impl FollowUp {
    /// The search is a POST (documented); every other read a GET.
    pub fn method(&self) -> Method {
        match self {
            Self::CaseField { .. } => Method::POST,
            _ => Method::GET,
        }
    }

    /// The path below Flow's origin, with the query as the seed writes it
    /// (unencoded; an HTTP client encodes the spaces).
    pub fn path_and_query(&self) -> String {
        match self {
            Self::CaseField { case_id, select } => format!(
                "/flow/api/Search/AdvancedPropertySearch?$filter=Id eq {case_id}&$select={select}"
            ),
            Self::SettlementStatuses { case_id } => {
                format!("/flow/api/Properties/{case_id}/SettlementStatuses")
            }
            Self::PropertyInformation { property_id } => {
                format!("/flow/api/Properties/{property_id}/Information")
            }
            Self::PropertyConditions { case_id } => {
                format!("/flow/api/Conditions/Properties/{case_id}")
            }
            Self::SaleTextItems { case_id } => {
                format!("/flow/api/DynamicSaleText/Cases/{case_id}/DynamicSaleTextItems")
            }
            Self::SaleTextItem { case_id, header_id } => format!(
                "/flow/api/DynamicSaleText/Cases/{case_id}/DynamicSaleTextItems/{header_id}"
            ),
        }
    }
}

impl fmt::Display for FollowUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method(), self.path_and_query())
    }
}

impl From<FollowUp> for String {
    fn from(follow_up: FollowUp) -> Self {
        follow_up.to_string()
    }
}

/// JSON with object keys sorted at every level and no whitespace.
fn write_canonical_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by_key(|(key, _)| *key);
            out.push('{');
            for (at, (key, value)) in entries.into_iter().enumerate() {
                if at > 0 {
                    out.push(',');
                }
                // A JSON string's Display is its quoted, escaped form.
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical_json(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (at, item) in items.iter().enumerate() {
                if at > 0 {
                    out.push(',');
                }
                write_canonical_json(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

type EventStore = DedupeStore<FlowEvent>;

/// A Flow API that has not answered by then is reported as unreachable.
const FLOW_API_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a throttled read waits when Flow does not say: Visma's demo
/// client advises 3.5 s when unsure.
const DEFAULT_THROTTLE_WAIT: Duration = Duration::from_millis(3500);

/// The longest wait taken on Flow's word before trying a read again; a
/// longer one belongs on a durable queue, not in a sleeping task.
const MAX_THROTTLE_WAIT: Duration = Duration::from_secs(30);

/// Tries per read while Flow keeps answering 429. After that the read is
/// given up and logged: the next event for the case reads it again.
const MAX_THROTTLED_TRIES: u32 = 5;

#[derive(Clone)]
struct FlowState {
    events: Arc<EventStore>,
    /// Reads waiting to be made against Flow's API, for deliveries without a
    /// connection. In production this is a durable work queue; a worker
    /// draining it makes the calls.
    pending_reads: Arc<ReadQueue<FollowUp>>,
    connections: Arc<Connections<Arc<FlowConnection>>>,
}

/// What `GET /flow/events` shows.
#[derive(Debug, Serialize)]
struct EventsSummary {
    #[serde(flatten)]
    stored: StoreSummary,
    pending_reads: Vec<FollowUp>,
}

/// Deliveries, connecting, and what was stored and read; see the module header.
pub(crate) fn routes() -> Router {
    let state = FlowState {
        events: Arc::new(EventStore::new()),
        pending_reads: Arc::new(ReadQueue::new()),
        connections: Arc::new(Connections::new()),
    };
    Router::new()
        .route(
            "/flow",
            post(receive_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/flow/events", get(list_events))
        .route("/flow/connect", post(connect))
        .route(
            "/flow/connections/{name}",
            post(receive_connection_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route(
            "/flow/connections/{name}/events",
            get(list_connection_events),
        )
        .with_state(state)
}

/// Parses the envelope and names the delivery for the log lines of the
/// work it hands off.
fn read_event(body: Result<Bytes, BytesRejection>) -> Result<(FlowEvent, Span), Rejection> {
    let body = body?;
    let event = FlowEvent::parse(&body).map_err(|error| {
        warn!(%error, "not a Flow event; answering 400");
        // 400, not 200: if Flow really sent this, its retries keep it
        // visible as failing until someone looks, instead of losing it.
        Rejection::not_understood("a Flow webhook event", error)
    })?;
    let span = info_span!(
        "flow_delivery",
        event_type = %event.event_type,
        created = event.created.as_deref().unwrap_or("-"),
    );
    Ok((event, span))
}

/// `POST /flow`: parse the envelope, hand the work off, answer 200.
async fn receive_delivery(
    State(state): State<FlowState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Rejection> {
    let (event, span) = read_event(body)?;
    // Answer now, work later: a slow answer counts as a failed attempt and
    // brings the same event back. Any 2xx acknowledges (assumed).
    Ok(hand_off_and_acknowledge(span, move || {
        if let Some(reads) = store_and_plan(event, &state.events) {
            state.pending_reads.extend(reads);
        }
    }))
}

/// `POST /flow/connections/{name}`: the same, and the reads are made
/// against that connection's Flow. A name never connected is 404: Flow
/// keeps retrying (and its log shows why) until someone connects it.
async fn receive_connection_delivery(
    State(state): State<FlowState>,
    Path(name): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Response> {
    let Some(connection) = state.connections.get(&name) else {
        return Err(ConnectFailure::unknown_connection(&name).into_response());
    };
    let (event, span) = read_event(body).map_err(IntoResponse::into_response)?;
    Ok(hand_off_and_acknowledge(span, move || {
        if let Some(reads) = store_and_plan(event, &connection.events) {
            // Its own task: the reads wait on Flow, the next delivery must not.
            tokio::spawn(connection.make_reads(reads).instrument(Span::current()));
        }
    }))
}

/// The background half: deduplicate, then name the reads the event asks
/// for (`None` when there are none to make).
fn store_and_plan(event: FlowEvent, events: &EventStore) -> Option<Vec<FollowUp>> {
    let identity = event.identity();
    let follow_ups = event.follow_ups();
    let event_type = event.event_type.clone();
    if events.record(identity.clone(), event) == Recorded::Duplicate {
        info!(%identity, "event already seen; duplicate ignored");
        return None;
    }
    match follow_ups {
        Ok(reads) if reads.is_empty() => {
            // Documented events without a documented read, and event types
            // Flow adds later: acknowledged, stored, nothing to fetch. A retry
            // would not teach this code anything new.
            info!(%identity, %event_type, "stored; no read needed");
            None
        }
        Ok(reads) => {
            info!(%identity, reads = reads.len(), "stored; reads to make");
            Some(reads)
        }
        Err(problem) => {
            // Still acknowledged: Flow would resend the same bytes, which
            // would fail the same way. A human has to look at it.
            error!(%identity, %event_type, %problem, "stored, but its Payload names nothing to read");
            None
        }
    }
}

/// `GET /flow/events`: what the background workers stored and queued, for probes.
async fn list_events(State(state): State<FlowState>) -> Json<EventsSummary> {
    Json(EventsSummary {
        stored: state.events.summary(),
        pending_reads: state.pending_reads.queued(),
    })
}

/// What `GET /flow/connections/{name}/events` shows.
#[derive(Debug, Serialize)]
struct ConnectionSummary {
    #[serde(flatten)]
    stored: StoreSummary,
    /// Every read made, in order, with Flow's answer.
    reads: Vec<ReadDone>,
}

/// `GET /flow/connections/{name}/events`: one connection's events and reads.
async fn list_connection_events(
    State(state): State<FlowState>,
    Path(name): Path<String>,
) -> Result<Json<ConnectionSummary>, ConnectFailure> {
    let connection = state
        .connections
        .get(&name)
        .ok_or_else(|| ConnectFailure::unknown_connection(&name))?;
    Ok(Json(ConnectionSummary {
        stored: connection.events.summary(),
        reads: connection.reads().clone(),
    }))
}

/// `POST /flow/connect`: what an estate agency's Flow admin hands over.
#[derive(Debug, Deserialize)]
struct ConnectRequest {
    /// Flow's origin (`https://integration.webtopsolutions.com`; a scenario's
    /// own API in hooksim); the token endpoint and the API are under `/flow`.
    api: String,
    /// An API user's OAuth2 client credentials.
    client_id: String,
    client_secret: String,
    /// Where deliveries for this Flow go: `/flow/connections/{connection}`.
    #[serde(default)]
    connection: Option<String>,
}

/// Prove the credentials with a token, then remember the connection (a
/// second connect under the same name replaces its API and credentials and
/// keeps what it stored).
async fn connect(
    State(state): State<FlowState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ConnectFailure> {
    let body = body.map_err(|rejection| ConnectFailure::BadRequest(rejection.body_text()))?;
    let request: ConnectRequest =
        read_request(&body, "{api, client_id, client_secret[, connection]}")?;
    let name = connection_name(request.connection.as_deref())?;
    let webhook = webhook_url(&headers, "/flow", &name)?;
    let api = FlowApi::new(&request.api, request.client_id, request.client_secret)?;
    api.fresh_token().await?;
    let api = Arc::new(api);
    match state.connections.get(&name) {
        Some(connection) => *connection.api_slot() = api,
        None => state
            .connections
            .insert(&name, Arc::new(FlowConnection::new(api))),
    }
    info!(connection = %name, %webhook, "connected to Flow; subscribe the webhook URL in Flow");
    Ok(Json(json!({
        "connected": true,
        "connection": name,
        "webhook_url": webhook,
    })))
}

/// One Flow this receiver was connected to: its API, and what its
/// deliveries stored and read. A production receiver keeps these in its
/// database (the secret encrypted).
#[derive(Debug)]
struct FlowConnection {
    api: Mutex<Arc<FlowApi>>,
    events: EventStore,
    reads: Mutex<Vec<ReadDone>>,
    /// Reads are made one at a time in the order events arrived, as one
    /// worker draining a queue makes them, so they never race each other.
    lane: tokio::sync::Mutex<()>,
}

impl FlowConnection {
    fn new(api: Arc<FlowApi>) -> Self {
        Self {
            api: Mutex::new(api),
            events: EventStore::new(),
            reads: Mutex::new(Vec::new()),
            lane: tokio::sync::Mutex::new(()),
        }
    }

    fn api_slot(&self) -> MutexGuard<'_, Arc<FlowApi>> {
        // Only ever replaced whole, so a panicked holder leaves a usable value.
        self.api.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn reads(&self) -> MutexGuard<'_, Vec<ReadDone>> {
        // One push per update: a panicked holder leaves nothing half-written.
        self.reads.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes `reads` in turn and keeps what Flow answered. In production
    /// they go on a durable work queue instead, so none is lost with the process.
    async fn make_reads(self: Arc<Self>, reads: Vec<FollowUp>) {
        let _turn = self.lane.lock().await;
        let api = Arc::clone(&self.api_slot());
        for read in reads {
            let done = api.read(read).await;
            match done.status {
                Some(status) if (200..300).contains(&status) => {
                    info!(read = %done.read, status, "read from Flow");
                }
                // A warning, not an error: the record keeps Flow's reason
                // (a 403 names the permission to grant) for whoever looks.
                _ => warn!(read = %done.read, answer = %done.answer, "read from Flow failed"),
            }
            self.reads().push(done);
        }
    }
}

/// One read made against Flow's API, as `GET /flow/connections/{name}/events` shows it.
#[derive(Debug, Clone, Serialize)]
struct ReadDone {
    read: FollowUp,
    /// Flow's status for the last try; none when it never answered.
    status: Option<u16>,
    /// Flow's answer to the last try (JSON as sent), or why there is none.
    answer: Value,
    /// More than one after a throttled try or a refused token.
    tries: u32,
}

/// Why a call to Flow got no usable answer.
#[derive(Debug)]
enum ApiProblem {
    Unreachable {
        call: String,
        error: String,
    },
    Refused {
        call: String,
        status: u16,
        answer: Value,
    },
    Unexpected {
        call: String,
        why: String,
    },
}

impl fmt::Display for ApiProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreachable { call, error } => write!(f, "{call} got no answer: {error}"),
            Self::Refused {
                call,
                status,
                answer,
            } => write!(f, "{call} was refused with {status}: {answer}"),
            Self::Unexpected { call, why } => write!(f, "{call}: {why}"),
        }
    }
}

impl From<ApiProblem> for ConnectFailure {
    fn from(problem: ApiProblem) -> Self {
        match problem {
            ApiProblem::Unreachable { call, error } => Self::Unreachable { call, error },
            ApiProblem::Refused {
                call,
                status,
                answer,
            } => Self::Refused {
                call,
                status,
                body: answer,
            },
            ApiProblem::Unexpected { call, why } => Self::unexpected(&call, &why),
        }
    }
}

/// One answer from Flow.
#[derive(Debug)]
struct FlowAnswer {
    status: u16,
    /// JSON as sent; a string when it is not JSON; null when empty.
    body: Value,
    /// What a 429 says to wait.
    wait: Duration,
}

/// Flow's Core API as one connection reaches it.
#[derive(Debug)]
struct FlowApi {
    http: reqwest::Client,
    /// `https://integration.webtopsolutions.com`, without a trailing slash.
    origin: String,
    client_id: String,
    client_secret: String,
    /// The Bearer token in use; kept until Flow refuses it.
    token: Mutex<Option<String>>,
}

impl FlowApi {
    fn new(origin: &str, client_id: String, client_secret: String) -> Result<Self, ConnectFailure> {
        if !(origin.starts_with("http://") || origin.starts_with("https://")) {
            return Err(ConnectFailure::BadRequest(format!(
                "`api` must be Flow's http(s) origin, not `{origin}`"
            )));
        }
        // No proxy: a Flow played on loopback must be reached directly.
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(FLOW_API_TIMEOUT)
            .build()
            .map_err(|error| ConnectFailure::Internal(format!("no HTTP client: {error}")))?;
        Ok(Self {
            http,
            origin: origin.trim_end_matches('/').to_owned(),
            client_id,
            client_secret,
            token: Mutex::new(None),
        })
    }

    fn cached_token(&self) -> MutexGuard<'_, Option<String>> {
        // Only ever replaced whole, so a panicked holder leaves a usable value.
        self.token.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new token from `{origin}/flow/authtoken`: OAuth2 client
    /// credentials, form-encoded in the body as Visma's demo sends them.
    async fn fresh_token(&self) -> Result<String, ApiProblem> {
        let url = format!("{}/flow/authtoken", self.origin);
        let form = form_encoded(&[
            ("grant_type", "client_credentials"),
            ("client_id", &self.client_id),
            ("client_secret", &self.client_secret),
        ]);
        let request = self
            .http
            .post(&url)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form);
        let call = format!("POST {url}");
        let answer = self.send(request, &call).await?;
        if !(200..300).contains(&answer.status) {
            return Err(ApiProblem::Refused {
                call,
                status: answer.status,
                answer: answer.body,
            });
        }
        let token = answer.body["access_token"]
            .as_str()
            .filter(|token| !token.is_empty())
            .ok_or_else(|| ApiProblem::Unexpected {
                call,
                why: "the answer has no access_token".to_owned(),
            })?
            .to_owned();
        *self.cached_token() = Some(token.clone());
        Ok(token)
    }

    /// The token in use, or a new one.
    async fn token(&self) -> Result<String, ApiProblem> {
        let cached = self.cached_token().clone();
        match cached {
            Some(token) => Ok(token),
            None => self.fresh_token().await,
        }
    }

    /// Make `read`, as Flow asks to be called: a refused token is replaced
    /// once; a 429 is waited out (up to [`MAX_THROTTLED_TRIES`]); anything
    /// else, a 403 above all, is the answer.
    async fn read(&self, read: FollowUp) -> ReadDone {
        let url = format!("{}{}", self.origin, read.path_and_query());
        let call = format!("{} {url}", read.method());
        let mut tries = 0;
        let mut token_replaced = false;
        loop {
            tries += 1;
            let attempt = match self.token().await {
                Ok(token) => {
                    let request = self
                        .http
                        .request(read.method(), &url)
                        .bearer_auth(token)
                        .header(header::ACCEPT, "application/json");
                    self.send(request, &call).await
                }
                Err(problem) => Err(problem),
            };
            let answer = match attempt {
                Ok(answer) => answer,
                Err(problem) => {
                    return ReadDone {
                        read,
                        status: None,
                        answer: Value::String(problem.to_string()),
                        tries,
                    };
                }
            };
            match answer.status {
                401 if !token_replaced => {
                    token_replaced = true;
                    *self.cached_token() = None;
                }
                429 if tries < MAX_THROTTLED_TRIES => {
                    warn!(%call, wait_ms = answer.wait.as_millis(), "throttled by Flow; waiting as told");
                    tokio::time::sleep(answer.wait).await;
                }
                status => {
                    return ReadDone {
                        read,
                        status: Some(status),
                        answer: answer.body,
                        tries,
                    };
                }
            }
        }
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        call: &str,
    ) -> Result<FlowAnswer, ApiProblem> {
        let unreachable = |error: reqwest::Error| ApiProblem::Unreachable {
            call: call.to_owned(),
            error: error.to_string(),
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let wait = response
            .headers()
            .get("X-RateLimit-Delayed-By-Milliseconds")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse().ok())
            .map_or(DEFAULT_THROTTLE_WAIT, Duration::from_millis)
            .min(MAX_THROTTLE_WAIT);
        let bytes = response.bytes().await.map_err(unreachable)?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok(FlowAnswer { status, body, wait })
    }
}

/// `pairs` as an `application/x-www-form-urlencoded` body: letters, digits
/// and `*-._` as they are, a space as `+`, every other byte as `%XX`.
fn form_encoded(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        let mut out = String::with_capacity(text.len());
        for byte in text.bytes() {
            match byte {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                    out.push(char::from(byte));
                }
                b' ' => out.push('+'),
                other => out.push_str(&format!("%{other:02X}")),
            }
        }
        out
    };
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(body: Value) -> FlowEvent {
        FlowEvent::parse(body.to_string().as_bytes()).expect("a Flow event")
    }

    #[test]
    fn identity_ignores_key_order_and_spacing() {
        let compact = br#"{"EventType":"CaseSold","EventCreatedDate":"2022-04-28T11:26:41.5334824+02:00","Payload":{"CaseId":1,"X":[1,{"b":2,"a":1}]}}"#;
        let reordered = br#"{ "Payload": { "X": [1, {"a": 1, "b": 2}], "CaseId": 1 },
            "EventCreatedDate": "2022-04-28T11:26:41.5334824+02:00", "EventType": "CaseSold" }"#;
        let a = FlowEvent::parse(compact).expect("parses");
        let b = FlowEvent::parse(reordered).expect("parses");
        assert_eq!(a.identity(), b.identity());
        assert!(a.identity().starts_with("CaseSold/"));
        assert_eq!(a.identity().len(), "CaseSold/".len() + 16);
    }

    #[test]
    fn identity_changes_with_any_field() {
        let base = json!({"EventType": "CaseSold", "EventCreatedDate": "2022-04-28T11:26:41.5334824+02:00", "Payload": {"CaseId": 1}});
        let mut later = base.clone();
        later["EventCreatedDate"] = json!("2022-04-28T11:26:41.5334825+02:00");
        let mut other_case = base.clone();
        other_case["Payload"]["CaseId"] = json!(2);
        let mut extra = base.clone();
        extra["RequireReload"] = json!(true);
        let identities: Vec<String> = [base, later, other_case, extra]
            .into_iter()
            .map(|body| event(body).identity())
            .collect();
        for (at, identity) in identities.iter().enumerate() {
            assert!(!identities[at + 1..].contains(identity), "{identity}");
        }
    }

    #[test]
    fn canonical_json_escapes_keys_and_strings() {
        let mut out = String::new();
        write_canonical_json(&json!({"b\"": "x\ny", "a": [null, true, 1.5]}), &mut out);
        assert_eq!(out, r#"{"a":[null,true,1.5],"b\"":"x\ny"}"#);
    }

    #[test]
    fn envelope_errors_are_named() {
        assert!(matches!(
            FlowEvent::parse(b"nope"),
            Err(EnvelopeError::NotJson(_))
        ));
        assert!(matches!(
            FlowEvent::parse(b"[1]"),
            Err(EnvelopeError::NotAnObject)
        ));
        assert!(matches!(
            FlowEvent::parse(br#"{"EventType": 7}"#),
            Err(EnvelopeError::NoEventType)
        ));
        let bare =
            FlowEvent::parse(br#"{"EventType": "CaseSold"}"#).expect("only EventType is required");
        assert_eq!(bare.payload, Value::Null);
        assert_eq!(bare.created, None);
    }

    #[test]
    fn documented_reads_per_event() {
        let reads = |body: Value| {
            event(body)
                .follow_ups()
                .expect("readable")
                .into_iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            reads(json!({"EventType": "AppropriationDateChanged", "Payload": {"CaseId": 42}})),
            ["POST /flow/api/Search/AdvancedPropertySearch?$filter=Id eq 42&$select=TransferDate"]
        );
        assert_eq!(
            reads(json!({"EventType": "CaseStatusChanged", "Payload": {"CaseId": "43"}})),
            ["POST /flow/api/Search/AdvancedPropertySearch?$filter=Id eq 43&$select=Status"]
        );
        assert_eq!(
            reads(
                json!({"EventType": "PublicationChanged", "Payload": {"CaseId": 1, "PublicationId": 2, "Type": 150}})
            ),
            ["GET /flow/api/Conditions/Properties/1"]
        );
        assert_eq!(
            reads(json!({"EventType": "SettlementStatusChanged", "Payload": {"CaseId": 5}})),
            ["GET /flow/api/Properties/5/SettlementStatuses"]
        );
        assert_eq!(
            reads(json!({"EventType": "SellerInsuranceChanged", "Payload": {"PropertyId": 6}})),
            ["GET /flow/api/Properties/6/Information"]
        );
        assert_eq!(
            reads(
                json!({"EventType": "DynamicSaleTextChanged", "Payload": [{"Id": 7, "Guid": "g"}, {"Id": 8, "Guid": "h"}], "RequireReload": true})
            ),
            [
                "GET /flow/api/DynamicSaleText/Cases/7/DynamicSaleTextItems",
                "GET /flow/api/DynamicSaleText/Cases/8/DynamicSaleTextItems"
            ]
        );
        assert_eq!(
            reads(
                json!({"EventType": "DynamicSaleTextChanged", "Payload": [{"Id": 7, "Guid": "g"}], "DynamicSaleTextHeaderId": 9, "UpdatedDateTime": "2022-04-28T11:26:41.5334824+02:00", "RequireReload": false})
            ),
            ["GET /flow/api/DynamicSaleText/Cases/7/DynamicSaleTextItems/9"]
        );
        // No header id to read alone: read everything rather than nothing.
        assert_eq!(
            reads(
                json!({"EventType": "DynamicSaleTextChanged", "Payload": {"Id": 7}, "RequireReload": false})
            ),
            ["GET /flow/api/DynamicSaleText/Cases/7/DynamicSaleTextItems"]
        );
        for quiet in ["OppdragCreated", "EmployeeChanged", "SomethingNew"] {
            assert!(reads(json!({"EventType": quiet, "Payload": {"CaseId": 1}})).is_empty());
        }
    }

    #[test]
    fn token_requests_are_form_encoded_as_oauth2_expects() {
        assert_eq!(
            form_encoded(&[
                ("grant_type", "client_credentials"),
                ("client_secret", "a b&c=d/é+*-._~"),
            ]),
            "grant_type=client_credentials&client_secret=a+b%26c%3Dd%2F%C3%A9%2B*-._%7E"
        );
    }

    #[test]
    fn each_read_names_its_method_and_path() {
        let search = FollowUp::CaseField {
            case_id: 3,
            select: "Status",
        };
        assert_eq!(search.method(), Method::POST);
        assert_eq!(
            search.path_and_query(),
            "/flow/api/Search/AdvancedPropertySearch?$filter=Id eq 3&$select=Status"
        );
        let settlement = FollowUp::SettlementStatuses { case_id: 3 };
        assert_eq!(settlement.method(), Method::GET);
        assert_eq!(
            settlement.to_string(),
            "GET /flow/api/Properties/3/SettlementStatuses"
        );
    }

    #[test]
    fn shape_problems_are_reported_not_panicked_on() {
        let problem = |body: Value| event(body).follow_ups().expect_err("unreadable");
        assert_eq!(
            problem(json!({"EventType": "CaseStatusChanged", "Payload": [{"CaseId": 1}]})),
            ShapeProblem::MissingId("CaseId")
        );
        assert_eq!(
            problem(json!({"EventType": "SettlementStatusChanged", "Payload": null})),
            ShapeProblem::MissingId("CaseId")
        );
        assert_eq!(
            problem(
                json!({"EventType": "DynamicSaleTextChanged", "Payload": "7", "RequireReload": true})
            ),
            ShapeProblem::PayloadNotCaseList
        );
        assert_eq!(
            problem(
                json!({"EventType": "DynamicSaleTextChanged", "Payload": [{"Guid": "g"}], "RequireReload": true})
            ),
            ShapeProblem::MissingId("Id")
        );
    }
}
