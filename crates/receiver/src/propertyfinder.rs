//! Property Finder "PF Expert" hooks (UAE/MENA portal), received the way we
//! advise a PF Expert client to receive them.
//!
//! Source: PF Expert "Hooks" (`seeds/001_290fab7d7a645ae5.txt`). Documented:
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

use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use tracing::{info, info_span, warn};

use crate::answer::{Acknowledged, Rejection, hand_off_and_acknowledge};
use crate::store::{DedupeStore, Recorded, StoreSummary};

/// A notification is about a hundred bytes; this leaves room for attributes
/// PF may add while refusing to buffer anything that is clearly not one.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// One delivery: `event` happened to `concept` of `client`. Unknown attributes
/// are ignored, so PF can add some without breaking us.
#[derive(Debug, Clone, Deserialize)]
pub struct Notification {
    /// Kept as text: PF can add events (its own example sends
    /// `property.updated`, which is not in its list).
    pub event: String,
    pub client: u64,
    pub concept: Concept,
}

/// The resource a notification is about.
#[derive(Debug, Clone, Deserialize)]
pub struct Concept {
    pub id: u64,
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

#[derive(Debug, Clone)]
struct PropertyFinderState {
    notifications: Arc<NotificationStore>,
}

/// `POST /propertyfinder` (deliveries) and `GET /propertyfinder/notifications`
/// (what was stored).
pub(crate) fn routes() -> Router {
    let state = PropertyFinderState {
        notifications: Arc::new(NotificationStore::new()),
    };
    Router::new()
        .route(
            "/propertyfinder",
            post(receive_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/propertyfinder/notifications", get(list_notifications))
        .with_state(state)
}

/// `POST /propertyfinder`: parse, hand off, answer 200.
async fn receive_delivery(
    State(state): State<PropertyFinderState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Rejection> {
    let body = body?;
    let notification: Notification = serde_json::from_slice(&body).map_err(|error| {
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
    let notifications = Arc::clone(&state.notifications);
    Ok(hand_off_and_acknowledge(span, move || {
        process_notification(notification, &notifications);
    }))
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
