//! Spark Platform / Flexmls news-feed webhooks (US MLS), received the way we
//! advise a Spark developer to receive them.
//!
//! Source: "Developers: News Feed Webhooks" (`seeds/002_c95171b849b71e6a.txt`).
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

use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::{error, info, info_span, warn};

use crate::answer::{Acknowledged, Rejection, hand_off_and_acknowledge};
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

#[derive(Debug, Clone)]
struct SparkState {
    notifications: Arc<NotificationStore>,
    /// Listings waiting to be read from the Spark API, each once. In
    /// production this is a durable work queue drained by a worker.
    listings_to_read: Arc<ReadQueue<String>>,
}

/// What `GET /spark/events` shows.
#[derive(Debug, Serialize)]
struct EventsSummary {
    #[serde(flatten)]
    stored: StoreSummary,
    /// `GET /v1/listings/<Id>` calls queued, in arrival order.
    listings_to_read: Vec<String>,
}

/// `POST /spark` (deliveries) and `GET /spark/events` (what was stored).
pub(crate) fn routes() -> Router {
    let state = SparkState {
        notifications: Arc::new(NotificationStore::new()),
        listings_to_read: Arc::new(ReadQueue::new()),
    };
    Router::new()
        .route(
            "/spark",
            post(receive_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/spark/events", get(list_events))
        .with_state(state)
}

/// `POST /spark`: parse, hand the work off, answer 200.
async fn receive_delivery(
    State(state): State<SparkState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Rejection> {
    let body = body?;
    let notification = Notification::parse(&body).map_err(|error| {
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
        process_notification(notification, &state);
    }))
}

/// The background half: deduplicate, then queue a read of the listing.
fn process_notification(notification: Notification, state: &SparkState) {
    let identity = notification.identity();
    let listing = notification.listing.id.clone();
    if let NewsFeedEvent::Other(event) = &notification.news_feed.event {
        // Acknowledged all the same: a retry would not teach this code the
        // new event, and the listing read below is still the right reaction.
        warn!(%identity, event, "event value not documented yet; treated as a listing change");
    }
    if state.notifications.record(identity.clone(), notification) == Recorded::Duplicate {
        info!(%identity, "notification already seen; duplicate ignored");
        return;
    }
    if listing.is_empty() {
        error!(%identity, "stored, but Listing.Id is empty: nothing to read");
    } else if state.listings_to_read.push_unless_queued(listing) {
        info!(%identity, "stored; listing read queued");
    } else {
        // Another feed, or a later event, already asked for this listing: one
        // read returns its current state for all of them.
        info!(%identity, "stored; listing read already queued");
    }
}

/// `GET /spark/events`: what the background workers stored and queued.
async fn list_events(State(state): State<SparkState>) -> Json<EventsSummary> {
    Json(EventsSummary {
        stored: state.notifications.summary(),
        listings_to_read: state.listings_to_read.queued(),
    })
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
