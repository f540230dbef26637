//! Spark Platform / Flexmls news-feed webhooks (US MLS), received the way we
//! advise a Spark developer to receive them.
//!
//! Source: "Developers: News Feed Webhooks"
//! (<https://www.sparkplatform.com/docs/api_services/developers/newsfeed_webhooks>,
//! section "Requests to Webhooks").
//! Documented: the body `{Listing:{Id}, Subscriber:{Id, Type, OwnerId},
//! NewsFeed:{Id, Event, EventTimestamp, Type, Subscription:{Id}}}` with
//! 26-digit string ids; a 1 s connection timeout and a 5 s timeout; anything
//! outside 200-299, or a timeout, is retried. Spark's news feed metadata
//! lists the `Event` values (New, OpenHouse, Pending, PriceChange, Sold,
//! BackOnMarket, Extension, StatusChange, Recommended) and says the list is
//! what is "currently supported", so more may come.
//! Not documented: a signature (none is sent), an event id, ordering.
//!
//! The body names a listing and why a subscriber hears about it; it carries
//! no listing data. So, as with any unsigned webhook, the content is a hint:
//! this receiver queues a read of the listing from the Spark API with its own
//! key, and a forged delivery can at worst cause one redundant read. The same
//! read makes order irrelevant: it returns the listing as it is now, whether
//! a PriceChange arrives before or after the New that preceded it.
//!
//! Five seconds is all Spark waits, so the endpoint parses, hands off and
//! answers at once; everything else happens in a background task.
//!
//! Registering the webhook is the receiver's job too, through Spark's
//! "News Feed Webhooks" API (`POST /v1/developers/newsfeeds/webhooks`).
//! Spark creates a webhook inactive unless `"Active": true` is sent, and an
//! inactive webhook is sent nothing, so `POST /spark/connect` always sends
//! it (unless asked to show that mistake). `Uri` is unique per developer, so
//! connecting twice finds the webhook already there and keeps it.
//!
//! Routes: `POST /spark` and `GET /spark/events` (deliveries and what they
//! stored); `POST /spark/connect {"api", "token", "connection"?}` (register
//! `http://{Host}/spark/connections/{connection}` with a Spark account; the
//! connection is called `default` when the request names none);
//! `POST /spark/connections/{connection}` and
//! `GET /spark/connections/{connection}/events` (the same as the first two,
//! for one connected account, kept apart from every other so scenarios
//! sharing this receiver never see each other's). In production, put
//! `/spark/connect` behind your own admin authentication.

use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tracing::{error, info, info_span, warn};

use crate::answer::{Acknowledged, Rejection, hand_off_and_acknowledge};
use crate::provider_api::{self, ApiAnswer, ApiClient, ConnectFailure, Connections, webhook_url};
use crate::store::{DedupeStore, ReadQueue, Recorded, StoreSummary};

/// A delivery is about 350 bytes; this leaves room for attributes Spark may
/// add while refusing to buffer anything that is clearly not a notification.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// One news feed notification. `Listing.Id` and the `NewsFeed` fields that
/// identify the event are required; everything else is optional, and
/// attributes Spark adds later are ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Notification {
    pub listing: ListingRef,
    #[serde(default)]
    pub subscriber: Option<Subscriber>,
    pub news_feed: NewsFeed,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListingRef {
    pub id: String,
}

/// Who the feed notifies. Nothing here is needed to act on the event.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subscriber {
    pub id: Option<String>,
    #[serde(rename = "Type")]
    pub kind: Option<SubscriberType>,
    /// The account that owns a Contact subscriber.
    pub owner_id: Option<String>,
}

/// `Member` (an account) or `Contact` (a contact record owned by an account);
/// other types land in `Other` rather than failing the delivery.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum SubscriberType {
    Member,
    Contact,
    Other(String),
}

impl From<String> for SubscriberType {
    fn from(value: String) -> Self {
        match value.as_str() {
            "Member" => Self::Member,
            "Contact" => Self::Contact,
            _ => Self::Other(value),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NewsFeed {
    pub id: String,
    pub event: NewsFeedEvent,
    /// As sent (`2018-04-18T11:12:56Z`); compared as text, never parsed.
    pub event_timestamp: String,
    /// `SavedSearch`, or a feed type Spark adds.
    #[serde(rename = "Type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub subscription: Option<Value>,
}

/// The documented `NewsFeed.Event` values; one Spark adds later is kept in
/// `Other` with its text, acknowledged and handled like a listing change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum NewsFeedEvent {
    New,
    OpenHouse,
    Pending,
    PriceChange,
    Sold,
    BackOnMarket,
    Extension,
    StatusChange,
    Recommended,
    Other(String),
}

impl From<String> for NewsFeedEvent {
    fn from(value: String) -> Self {
        match value.as_str() {
            "New" => Self::New,
            "OpenHouse" => Self::OpenHouse,
            "Pending" => Self::Pending,
            "PriceChange" => Self::PriceChange,
            "Sold" => Self::Sold,
            "BackOnMarket" => Self::BackOnMarket,
            "Extension" => Self::Extension,
            "StatusChange" => Self::StatusChange,
            "Recommended" => Self::Recommended,
            _ => Self::Other(value),
        }
    }
}

impl NewsFeedEvent {
    /// The value as Spark spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::New => "New",
            Self::OpenHouse => "OpenHouse",
            Self::Pending => "Pending",
            Self::PriceChange => "PriceChange",
            Self::Sold => "Sold",
            Self::BackOnMarket => "BackOnMarket",
            Self::Extension => "Extension",
            Self::StatusChange => "StatusChange",
            Self::Recommended => "Recommended",
            Self::Other(value) => value,
        }
    }
}

impl Notification {
    /// Reads a delivery body; the error says which documented part is missing.
    pub fn parse(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// What makes two deliveries the same event:
    /// `NewsFeed.Id/Listing.Id/Event/EventTimestamp`.
    ///
    /// Spark sends no event id. A retry repeats the body, so all four match;
    /// the same listing changing again in the same feed has a later
    /// timestamp or another event; another subscriber's feed has another
    /// `NewsFeed.Id` and is a notification of its own.
    pub fn identity(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.news_feed.id,
            self.listing.id,
            self.news_feed.event.as_str(),
            self.news_feed.event_timestamp
        )
    }
}

type NotificationStore = DedupeStore<Notification>;

/// What one stream of deliveries stored and queued. In production these are
/// a table behind a unique key and a durable work queue drained by a worker.
#[derive(Debug)]
struct Feed {
    notifications: NotificationStore,
    /// Listings waiting to be read from the Spark API, each once.
    listings_to_read: ReadQueue<String>,
}

impl Feed {
    fn new() -> Self {
        Self {
            notifications: NotificationStore::new(),
            listings_to_read: ReadQueue::new(),
        }
    }

    fn summary(&self) -> EventsSummary {
        EventsSummary {
            stored: self.notifications.summary(),
            listings_to_read: self.listings_to_read.queued(),
        }
    }
}

/// A Spark account this receiver registered its webhook with: where its API
/// is (the listing reads go there), the webhook's id once Spark gave one,
/// and what its deliveries stored. A production receiver keeps the account's
/// token beside them, encrypted.
#[derive(Debug, Clone)]
struct SparkConnection {
    api: String,
    webhook_id: Option<String>,
    feed: Arc<Feed>,
}

#[derive(Clone)]
struct SparkState {
    /// Deliveries to the plain `/spark` route.
    feed: Arc<Feed>,
    connections: Arc<Connections<SparkConnection>>,
}

/// What `GET /spark/events` shows.
#[derive(Debug, Serialize)]
struct EventsSummary {
    #[serde(flatten)]
    stored: StoreSummary,
    /// `GET /v1/listings/<Id>` calls queued, in arrival order.
    listings_to_read: Vec<String>,
}

/// Deliveries, connecting, and what was stored; see the module header.
pub(crate) fn routes() -> Router {
    let state = SparkState {
        feed: Arc::new(Feed::new()),
        connections: Arc::new(Connections::new()),
    };
    Router::new()
        .route(
            "/spark",
            post(receive_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/spark/events", get(list_events))
        .route("/spark/connect", post(connect))
        .route(
            "/spark/connections/{connection}",
            post(receive_connection_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route(
            "/spark/connections/{connection}/events",
            get(list_connection_events),
        )
        .with_state(state)
}

/// `POST /spark`: parse, hand the work off, answer 200.
async fn receive_delivery(
    State(state): State<SparkState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Rejection> {
    take_delivery(&body?, Arc::clone(&state.feed))
}

/// `POST /spark/connections/{connection}`: the same, for a connection this
/// receiver made; any other name is 404, since no webhook of ours points there.
async fn receive_connection_delivery(
    State(state): State<SparkState>,
    Path(connection): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(known) = state.connections.get(&connection) else {
        return ConnectFailure::unknown_connection(&connection).into_response();
    };
    match body {
        Ok(body) => take_delivery(&body, known.feed).into_response(),
        Err(rejection) => Rejection::from(rejection).into_response(),
    }
}

fn take_delivery(body: &[u8], feed: Arc<Feed>) -> Result<Acknowledged, Rejection> {
    let notification = Notification::parse(body).map_err(|error| {
        warn!(%error, "not a Spark notification; answering 400");
        // 400, not 2xx: if Spark really sent this, its retries keep it
        // visible as failing while the parser is fixed, instead of lost.
        Rejection::not_understood("a Spark news feed notification", error)
    })?;
    let span = info_span!(
        "spark_delivery",
        event = notification.news_feed.event.as_str(),
        listing = %notification.listing.id,
        news_feed = %notification.news_feed.id,
    );
    // Answer now, work later: Spark gives up on an answer after 5 s and
    // sends the event again. Any 200-299 acknowledges.
    Ok(hand_off_and_acknowledge(span, move || {
        process_notification(notification, &feed);
    }))
}

/// The background half: deduplicate, then queue a read of the listing.
fn process_notification(notification: Notification, feed: &Feed) {
    let identity = notification.identity();
    let listing = notification.listing.id.clone();
    if let NewsFeedEvent::Other(event) = &notification.news_feed.event {
        // Acknowledged all the same: a retry would not teach this code the
        // new event, and the listing read below is still the right reaction.
        warn!(%identity, event, "event value not documented yet; treated as a listing change");
    }
    if feed.notifications.record(identity.clone(), notification) == Recorded::Duplicate {
        info!(%identity, "notification already seen; duplicate ignored");
        return;
    }
    if listing.is_empty() {
        error!(%identity, "stored, but Listing.Id is empty: nothing to read");
    } else if feed.listings_to_read.push_unless_queued(listing) {
        info!(%identity, "stored; listing read queued");
    } else {
        // Another feed, or a later event, already asked for this listing: one
        // read returns its current state for all of them.
        info!(%identity, "stored; listing read already queued");
    }
}

/// `GET /spark/events`: what the background workers stored and queued.
async fn list_events(State(state): State<SparkState>) -> Json<EventsSummary> {
    Json(state.feed.summary())
}

/// `GET /spark/connections/{connection}/events`: the same for one
/// connection, with its API and webhook.
async fn list_connection_events(
    State(state): State<SparkState>,
    Path(connection): Path<String>,
) -> Result<Json<Value>, ConnectFailure> {
    let known = state
        .connections
        .get(&connection)
        .ok_or_else(|| ConnectFailure::unknown_connection(&connection))?;
    let mut summary = json!(known.feed.summary());
    summary["api"] = json!(known.api);
    summary["webhook_id"] = json!(known.webhook_id);
    Ok(Json(summary))
}

/// What `POST /spark/connect` takes.
#[derive(Debug, Deserialize)]
struct ConnectRequest {
    /// The API's base URL (`https://sparkapi.com`; a scenario's own API in hooksim).
    api: String,
    /// An access token of a role that writes (IDX, VOW, Portal, Private).
    token: String,
    #[serde(default)]
    connection: Option<String>,
    /// `false` shows the classic mistake: the webhook is registered without
    /// `Active`, so Spark's default (inactive) applies and nothing arrives.
    #[serde(default = "active_unless_told_otherwise")]
    active: bool,
}

fn active_unless_told_otherwise() -> bool {
    true
}

/// `POST /spark/connect`: register this receiver's webhook with the Spark
/// account, answer `{"registered": true, "id", "active", "uri"}`, or 502
/// with what Spark answered.
async fn connect(
    State(state): State<SparkState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ConnectFailure> {
    let request: ConnectRequest = provider_api::read_request(&body, "{api, token}")?;
    let connection = provider_api::connection_name(request.connection.as_deref())?;
    let uri = webhook_url(&headers, "/spark", &connection)?;
    // Known before the webhook exists: Spark may deliver the moment it does.
    let feed = state
        .connections
        .get(&connection)
        .map_or_else(|| Arc::new(Feed::new()), |known| known.feed);
    let mut known = SparkConnection {
        api: request.api.trim_end_matches('/').to_owned(),
        webhook_id: None,
        feed,
    };
    state.connections.insert(&connection, known.clone());
    let api = SparkApi {
        client: spark_client()?,
        base: known.api.clone(),
        token: request.token,
    };
    let id = api.register(&uri, request.active).await?;
    info!(%connection, webhook = %id, %uri, active = request.active, "Spark webhook registered");
    known.webhook_id = Some(id.clone());
    state.connections.insert(&connection, known);
    Ok(Json(json!({
        "registered": true,
        "id": id,
        "active": request.active,
        "uri": uri,
    })))
}

/// The header every Spark API request must carry; Spark answers 400 (code
/// 1016) to a request without it.
const SPARK_USER_AGENT_HEADER: &str = "X-SparkApi-User-Agent";
/// How this receiver names itself in that header.
const SPARK_USER_AGENT: &str = "hooksim-reference-receiver";
/// A Spark API that has not answered by then is reported as unreachable,
/// well before whoever asked to connect gives up on us.
const WEBHOOKS: &str = "/v1/developers/newsfeeds/webhooks";
/// Spark's code for a write that conflicts with existing data: here, a `Uri`
/// this developer already registered.
const CONFLICT_CODE: i64 = 1055;

/// Every Spark call carries the user agent header, so the client sends it by default.
fn spark_client() -> Result<ApiClient, ConnectFailure> {
    let mut headers = HeaderMap::new();
    headers.insert(
        SPARK_USER_AGENT_HEADER,
        HeaderValue::from_static(SPARK_USER_AGENT),
    );
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    ApiClient::with_headers(headers)
}

/// Spark's news feed webhook API, as this receiver calls it.
#[derive(Debug)]
struct SparkApi {
    client: ApiClient,
    base: String,
    token: String,
}

impl SparkApi {
    /// Create the webhook; when its `Uri` is already registered (a second
    /// connect), find that webhook and make sure it is active. Its `Id`.
    async fn register(&self, uri: &str, active: bool) -> Result<String, ConnectFailure> {
        let mut attributes = json!({ "Uri": uri });
        if active {
            // Spark's default is inactive: without this, nothing is ever delivered.
            attributes["Active"] = json!(true);
        }
        let created = self
            .call(Method::POST, WEBHOOKS, Some(json!({ "D": attributes })))
            .await?;
        let conflict = created.body["D"]["Code"].as_i64() == Some(CONFLICT_CODE);
        if !conflict {
            let call = created.call.clone();
            let body = created.expect_success()?;
            let resource = body["D"]["Results"][0]["ResourceUri"]
                .as_str()
                .unwrap_or("");
            return match resource.rsplit('/').next() {
                Some(id) if !id.is_empty() => Ok(id.to_owned()),
                _ => Err(ConnectFailure::unexpected(
                    &call,
                    "no `ResourceUri` in the answer",
                )),
            };
        }
        let Some((id, is_active)) = self.find(uri).await? else {
            return Err(created.refused());
        };
        if active && !is_active {
            let activate = json!({ "D": { "Active": true } });
            let path = format!("{WEBHOOKS}/{id}");
            self.call(Method::PUT, &path, Some(activate))
                .await?
                .expect_success()?;
        }
        Ok(id)
    }

    /// The `Id` and `Active` of the webhook registered for `uri`, if any.
    async fn find(&self, uri: &str) -> Result<Option<(String, bool)>, ConnectFailure> {
        let listed = self
            .call(Method::GET, WEBHOOKS, None)
            .await?
            .expect_success()?;
        let found = listed["D"]["Results"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|webhook| webhook["Uri"] == json!(uri))
            .and_then(|webhook| {
                let id = webhook["Id"].as_str()?.to_owned();
                Some((id, webhook["Active"] == json!(true)))
            });
        Ok(found)
    }

    /// `method {base}{path}` with the account's token, and `body` as JSON.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<ApiAnswer, ConnectFailure> {
        let url = format!("{}{path}", self.base);
        self.client
            .call(method, &url, Some(&self.token), body.as_ref())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The documentation's example, with the comma it lacks after `NewsFeed.Id` restored.
    const DOCUMENTED_EXAMPLE: &str = r#"{
        "Listing": { "Id": "20100000000000000000000000" },
        "Subscriber": { "Id": "20140815000000000001000000", "Type": "Member", "OwnerId": "20140815000000000001000000" },
        "NewsFeed": {
            "Id": "20180411141756698053000006",
            "Event": "New",
            "EventTimestamp": "2018-04-18T11:12:56Z",
            "Type": "SavedSearch",
            "Subscription": { "Id": "20180113050000000001000000" }
        }
    }"#;

    fn example() -> Value {
        serde_json::from_str(DOCUMENTED_EXAMPLE).expect("the restored example is JSON")
    }

    fn parse(value: &Value) -> Result<Notification, serde_json::Error> {
        Notification::parse(value.to_string().as_bytes())
    }

    #[test]
    fn parses_the_documented_example() {
        let notification = parse(&example()).expect("documented shape");
        assert_eq!(notification.listing.id, "20100000000000000000000000");
        assert_eq!(notification.news_feed.event, NewsFeedEvent::New);
        let subscriber = notification.subscriber.expect("subscriber");
        assert_eq!(subscriber.kind, Some(SubscriberType::Member));
        assert_eq!(
            notification_identity(&example()),
            "20180411141756698053000006/20100000000000000000000000/New/2018-04-18T11:12:56Z"
        );
    }

    fn notification_identity(value: &Value) -> String {
        parse(value).expect("parses").identity()
    }

    #[test]
    fn tolerates_new_values_attributes_and_a_missing_subscriber() {
        let mut body = example();
        body["NewsFeed"]["Event"] = json!("VirtualTour");
        body["Subscriber"]["Type"] = json!("Office");
        body["NewsFeed"]["Type"] = json!("Cart");
        body["Listing"]["ListPrice"] = json!(450_000);
        body["Brokerage"] = json!({ "Id": "1" });
        let notification = parse(&body).expect("tolerant");
        assert_eq!(
            notification.news_feed.event,
            NewsFeedEvent::Other("VirtualTour".into())
        );
        assert_eq!(
            notification.subscriber.and_then(|s| s.kind),
            Some(SubscriberType::Other("Office".into()))
        );

        let mut without_subscriber = example();
        without_subscriber
            .as_object_mut()
            .expect("an object")
            .remove("Subscriber");
        assert!(parse(&without_subscriber).is_ok());
    }

    #[test]
    fn identity_tells_events_apart_and_retries_together() {
        let base = example();
        let mut later = base.clone();
        later["NewsFeed"]["EventTimestamp"] = json!("2018-04-19T08:00:00Z");
        let mut other_event = base.clone();
        other_event["NewsFeed"]["Event"] = json!("PriceChange");
        let mut other_feed = base.clone();
        other_feed["NewsFeed"]["Id"] = json!("20180411141756698053000007");
        let mut other_listing = base.clone();
        other_listing["Listing"]["Id"] = json!("20100000000000000000000001");
        let identities: Vec<String> = [&base, &later, &other_event, &other_feed, &other_listing]
            .into_iter()
            .map(notification_identity)
            .collect();
        for (at, identity) in identities.iter().enumerate() {
            assert!(!identities[at + 1..].contains(identity), "{identity}");
        }
        // The subscriber is not part of the event's identity.
        let mut other_subscriber = base.clone();
        other_subscriber["Subscriber"]["Type"] = json!("Contact");
        assert_eq!(notification_identity(&other_subscriber), identities[0]);
    }

    #[test]
    fn refuses_bodies_without_the_documented_identity() {
        for missing in ["Listing", "NewsFeed"] {
            let mut body = example();
            body.as_object_mut().expect("an object").remove(missing);
            let error = parse(&body).expect_err("incomplete");
            assert!(error.to_string().contains(missing), "{error}");
        }
        let mut no_event = example();
        no_event["NewsFeed"]
            .as_object_mut()
            .expect("an object")
            .remove("Event");
        assert!(parse(&no_event).is_err());
        assert!(Notification::parse(b"not json").is_err());
    }
}

/// `POST /spark/connect` against hooksim's own Spark API, over real HTTP.
#[cfg(test)]
mod connect_tests {
    use std::time::{Duration, Instant};

    use hooksim_simulator::api::{ProviderApis, Registration};
    use hooksim_simulator::providers::ProviderId;
    use serde_json::{Value, json};

    use crate::{ReceiverConfig, RunningReceiver};

    const NOTIFICATION: &str = r#"{"Listing":{"Id":"20100000000000000000000000"},"NewsFeed":{"Id":"20180411141756698053000006","Event":"New","EventTimestamp":"2018-04-18T11:12:56Z"}}"#;

    struct Setup {
        apis: ProviderApis,
        receiver: RunningReceiver,
        client: reqwest::Client,
    }

    async fn setup() -> Setup {
        let loopback = "127.0.0.1:0".parse().expect("a socket address");
        let apis = ProviderApis::start(loopback).await.expect("APIs start");
        let receiver = crate::start(loopback, ReceiverConfig::default())
            .await
            .expect("the receiver starts");
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a plain HTTP client");
        Setup {
            apis,
            receiver,
            client,
        }
    }

    impl Setup {
        fn connect_body(&self, token: &str, extra: Value) -> Value {
            let mut body = json!({
                "api": self.apis.base_url(ProviderId::Spark),
                "token": token,
                "connection": "c1",
            });
            for (key, value) in extra.as_object().into_iter().flatten() {
                body[key] = value.clone();
            }
            body
        }

        fn token(&self) -> String {
            self.apis.state().credentials().token
        }

        async fn post(&self, path: &str, body: &str) -> (u16, Value) {
            let request = self
                .client
                .post(format!("{}{path}", self.receiver.base_url()))
                .header("Content-Type", "application/json")
                .body(body.to_owned());
            status_and_json(request).await
        }

        async fn connect(&self, body: &Value) -> (u16, Value) {
            self.post("/spark/connect", &body.to_string()).await
        }

        async fn get(&self, path: &str) -> (u16, Value) {
            let url = format!("{}{path}", self.receiver.base_url());
            status_and_json(self.client.get(url)).await
        }

        fn registrations(&self) -> Vec<Registration> {
            self.apis.state().registrations(ProviderId::Spark)
        }

        fn calls(&self) -> Vec<String> {
            self.apis
                .state()
                .journal()
                .iter()
                .map(|e| format!("{} {} -> {}", e.method, e.path, e.status))
                .collect()
        }
    }

    /// The receiver's answer: its status, and its body as JSON (null when not JSON).
    async fn status_and_json(request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.expect("the receiver answers");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("a body");
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[tokio::test]
    async fn connect_registers_an_active_webhook_at_the_connection_url() {
        let setup = setup().await;
        let (status, answer) = setup
            .connect(&setup.connect_body(&setup.token(), json!({})))
            .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["registered"], json!(true));
        assert_eq!(answer["active"], json!(true));

        let registrations = setup.registrations();
        assert_eq!(registrations.len(), 1);
        let webhook = &registrations[0];
        assert_eq!(answer["id"], json!(webhook.id));
        assert!(webhook.active);
        assert_eq!(webhook.event, None);
        let url = format!("{}/spark/connections/c1", setup.receiver.base_url());
        assert_eq!(webhook.url, url);

        // A delivery to that URL is stored for the connection only.
        let path = "/spark/connections/c1";
        assert_eq!(setup.post(path, NOTIFICATION).await.0, 200);
        let deadline = Instant::now() + Duration::from_secs(5);
        let summary = loop {
            let (status, summary) = setup.get("/spark/connections/c1/events").await;
            assert_eq!(status, 200, "{summary}");
            if summary["count"] == json!(1) || Instant::now() > deadline {
                break summary;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        assert_eq!(summary["count"], json!(1), "{summary}");
        assert_eq!(summary["webhook_id"], json!(webhook.id));
        assert_eq!(setup.get("/spark/events").await.1["count"], json!(0));
        assert_eq!(
            setup.calls(),
            ["POST /v1/developers/newsfeeds/webhooks -> 201"]
        );
    }

    #[tokio::test]
    async fn connecting_again_finds_the_webhook_and_activates_it() {
        let setup = setup().await;
        let token = setup.token();
        let inactive = setup.connect_body(&token, json!({ "active": false }));
        let (status, first) = setup.connect(&inactive).await;
        assert_eq!((status, &first["active"]), (200, &json!(false)), "{first}");
        assert!(!setup.registrations()[0].active);

        let (status, second) = setup.connect(&setup.connect_body(&token, json!({}))).await;
        assert_eq!(status, 200, "{second}");
        assert_eq!(second["id"], first["id"]);
        let registrations = setup.registrations();
        assert_eq!(registrations.len(), 1);
        assert!(registrations[0].active);
        let id = registrations[0].id.clone();
        assert_eq!(
            setup.calls(),
            [
                "POST /v1/developers/newsfeeds/webhooks -> 201".to_owned(),
                "POST /v1/developers/newsfeeds/webhooks -> 409".to_owned(),
                "GET /v1/developers/newsfeeds/webhooks -> 200".to_owned(),
                format!("PUT /v1/developers/newsfeeds/webhooks/{id} -> 200"),
            ]
        );
    }

    #[tokio::test]
    async fn a_refusal_is_reported_with_spark_s_answer() {
        let setup = setup().await;
        let read_only = setup.apis.state().credentials().read_only_token;
        let (status, answer) = setup
            .connect(&setup.connect_body(&read_only, json!({})))
            .await;
        assert_eq!(status, 502, "{answer}");
        assert_eq!(answer["registered"], json!(false));
        assert_eq!(answer["api_status"], json!(405));
        assert_eq!(answer["api_answer"]["D"]["Code"], json!(1017));
        assert!(setup.registrations().is_empty());
    }

    #[tokio::test]
    async fn bad_requests_unknown_connections_and_unreachable_apis_are_told_apart() {
        let setup = setup().await;
        let (status, answer) = setup.post("/spark/connect", r#"{"api": "x"}"#).await;
        assert_eq!(
            (status, &answer["registered"]),
            (400, &json!(false)),
            "{answer}"
        );

        let bad_name = setup.connect_body(&setup.token(), json!({ "connection": "../x" }));
        assert_eq!(setup.connect(&bad_name).await.0, 400);

        // Nothing listens on port 9 of loopback: the API cannot be reached.
        let nowhere = json!({ "api": "http://127.0.0.1:9/spark", "token": "t" });
        let (status, answer) = setup.connect(&nowhere).await;
        assert_eq!(
            (status, &answer["registered"]),
            (502, &json!(false)),
            "{answer}"
        );

        let (status, _) = setup
            .post("/spark/connections/never-made", NOTIFICATION)
            .await;
        assert_eq!(status, 404);
        assert_eq!(
            setup.get("/spark/connections/never-made/events").await.0,
            404
        );
    }
}
