//! Hemnet webhooks (Sweden; portal leads), received the way Hemnet asks.
//!
//! Source: Hemnet's "Manage webhook" page (<https://integration.testhemnet.se/webhook/documentation>,
//! sections "Headers", "Validating incoming requests", "Idempotency",
//! "Retries" and "Stability guarantee").
//! Documented: `X-Signature` is hex HMAC-SHA256 of the raw body, two of them
//! (`old,new`) while keys rotate; strings escape `& < >` as `\u0026`-style
//! sequences, so only the raw bytes verify; success is exactly `200 OK`,
//! anything else is retried for 7 days; deliveries can repeat; attributes,
//! enum members and events may be added at any time.
//! Assumed: `X-Timestamp` is not signed, so it is logged but not trusted.
//!
//! The endpoint does the least that must happen before answering (verify,
//! parse the envelope) and hands the rest to a background task, because
//! Hemnet counts a slow answer as a failed delivery.

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
use tracing::{Instrument, Span, error, info, info_span, warn};

use crate::DEFAULT_TEST_SECRET;
use crate::answer::{Acknowledged, Rejection, hand_off_and_acknowledge};
use crate::signature::TrustedKeys;
use crate::store::{DedupeStore, ItemSummary, Recorded, StoreSummary};

/// Hemnet's leads are small JSON documents; anything this big is not one,
/// and reading it whole before verifying would invite memory exhaustion.
const MAX_BODY_BYTES: usize = 1024 * 1024;

const SIGNATURE_HEADER: &str = "X-Signature";
const REQUEST_ID_HEADER: &str = "x-request-id";
const TIMESTAMP_HEADER: &str = "x-timestamp";

/// How to trust Hemnet deliveries.
#[derive(Clone)]
pub struct HemnetConfig {
    /// Webhook keys from Hemnet's settings page. A signature made with any of
    /// them is accepted; list old and new together while rotating.
    pub trusted_keys: Vec<String>,
}

impl Default for HemnetConfig {
    fn default() -> Self {
        Self {
            trusted_keys: vec![DEFAULT_TEST_SECRET.to_owned()],
        }
    }
}

// Keys are secrets: a config printed in a log must not leak them.
impl fmt::Debug for HemnetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HemnetConfig")
            .field(
                "trusted_keys",
                &format_args!("[{} redacted]", self.trusted_keys.len()),
            )
            .finish()
    }
}

/// A Hemnet Contact: someone asked a broker or agency to get in touch.
///
/// Only `id` is required: it is the dedupe key, and a contact without one
/// cannot be stored safely. Everything else is optional even where Hemnet
/// documents it as never null, because a lead is worth more than a schema.
/// Unknown attributes are ignored (Hemnet may add them at any time).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    pub recipient_type: Option<RecipientType>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub message: Option<String>,
    // The shapes of these three are only shown by example (ids are numbers
    // in one place and strings in another), so they stay raw JSON.
    pub listing: Option<Value>,
    pub broker: Option<Value>,
    pub broker_agency: Option<Value>,
    pub contact_preference: Option<ContactPreference>,
    pub contact_reason: Option<ContactReason>,
    pub street_name: Option<String>,
    pub street_number: Option<String>,
    pub postal_city: Option<String>,
    pub preapproved_mortgage: Option<bool>,
    pub source: Option<ContactSource>,
}

// Hemnet's enums "may grow", so each one keeps unknown members in `Other`
// instead of failing the whole contact.

/// Who the contact is addressed to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum RecipientType {
    Broker,
    BrokerAgency,
    Other(String),
}

impl From<String> for RecipientType {
    fn from(value: String) -> Self {
        match value.as_str() {
            "BROKER" => Self::Broker,
            "BROKER_AGENCY" => Self::BrokerAgency,
            _ => Self::Other(value),
        }
    }
}

/// How the contact wants to be reached.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum ContactPreference {
    Email,
    Phone,
    Other(String),
}

impl From<String> for ContactPreference {
    fn from(value: String) -> Self {
        match value.as_str() {
            "EMAIL" => Self::Email,
            "PHONE" => Self::Phone,
            _ => Self::Other(value),
        }
    }
}

/// Why the contact reached out.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum ContactReason {
    SellingAdvice,
    BuyingAdvice,
    Other(String),
}

impl From<String> for ContactReason {
    fn from(value: String) -> Self {
        // Hemnet's own `OTHER` and members added later both land in `Other`,
        // keeping the original text so nothing is lost.
        match value.as_str() {
            "SELLING_ADVICE" => Self::SellingAdvice,
            "BUYING_ADVICE" => Self::BuyingAdvice,
            _ => Self::Other(value),
        }
    }
}

/// The page or form the contact came from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum ContactSource {
    BrokerProfileContactForm,
    BrokerAgencyPageContactForm,
    ListingUpcomingContactForm,
    ListingForSaleContactForm,
    ListingSoldContactForm,
    Other(String),
}

impl From<String> for ContactSource {
    fn from(value: String) -> Self {
        match value.as_str() {
            "BROKER_PROFILE_CONTACT_FORM" => Self::BrokerProfileContactForm,
            "BROKER_AGENCY_PAGE_CONTACT_FORM" => Self::BrokerAgencyPageContactForm,
            "LISTING_UPCOMING_CONTACT_FORM" => Self::ListingUpcomingContactForm,
            "LISTING_FOR_SALE_CONTACT_FORM" => Self::ListingForSaleContactForm,
            "LISTING_SOLD_CONTACT_FORM" => Self::ListingSoldContactForm,
            _ => Self::Other(value),
        }
    }
}

/// The documented envelope `{"type", "action", "data"}`. Type and action are
/// plain strings so events Hemnet adds later still parse.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    event_type: String,
    action: String,
    #[serde(default)]
    data: Value,
}

type ContactStore = DedupeStore<Contact>;

#[derive(Debug, Clone)]
struct HemnetState {
    keys: TrustedKeys,
    contacts: Arc<ContactStore>,
}

/// `POST /hemnet` (deliveries) and `GET /hemnet/contacts` (what was stored).
pub(crate) fn routes(config: HemnetConfig) -> Router {
    let state = HemnetState {
        keys: TrustedKeys::new(&config.trusted_keys),
        contacts: Arc::new(ContactStore::new()),
    };
    Router::new()
        .route(
            "/hemnet",
            post(receive_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/hemnet/contacts", get(list_contacts))
        .route("/hemnet/contacts/{id}", get(show_contact))
        .with_state(state)
}

/// `POST /hemnet`: everything below runs inside a span naming the delivery.
async fn receive_delivery(
    State(state): State<HemnetState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Rejection> {
    // Hemnet's X-Request-Id is new per attempt; carrying it through every log
    // line (the background task's too) lets one delivery be traced end to end.
    let span = info_span!(
        "hemnet_delivery",
        request_id = header_text(&headers, REQUEST_ID_HEADER).unwrap_or("-"),
        timestamp = header_text(&headers, TIMESTAMP_HEADER).unwrap_or("-"),
    );
    accept_delivery(state, &headers, body)
        .instrument(span)
        .await
}

/// Verifies, parses the envelope, hands the work off, answers 200.
async fn accept_delivery(
    state: HemnetState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Rejection> {
    let body = body?;
    // Verify the bytes exactly as received, before parsing anything: parsing
    // and re-serialising would turn Hemnet's `\u0026` back into `&` and change
    // the bytes, and nothing unauthenticated should be acted on anyway. While
    // keys rotate the header holds two signatures, `old,new`.
    state
        .keys
        .verify_header(headers, SIGNATURE_HEADER, &body)
        .inspect_err(|rejection| {
            if matches!(rejection, Rejection::SignatureMismatch { .. }) {
                warn!("rejected a delivery whose signature does not verify");
            }
        })?;

    let envelope: Envelope = serde_json::from_slice(&body).map_err(|error| {
        error!(%error, "signed body is not a Hemnet envelope; answering 400 so Hemnet retries");
        // 400, not 200: the signature proves this is Hemnet (or our own
        // key-holder), so it is a broken contract, quite possibly our
        // parser's fault. A non-200 keeps the delivery in Hemnet's retry
        // queue for 7 days and visible as failing on their side, so a fix
        // deployed meanwhile still receives it; a 200 would lose it silently.
        Rejection::not_understood("a Hemnet webhook envelope", error)
    })?;

    // Answer now, work later: Hemnet treats a slow answer as a failure and
    // retries. Exactly 200: Hemnet retries anything else, 202 and 204 included.
    let contacts = Arc::clone(&state.contacts);
    Ok(hand_off_and_acknowledge(Span::current(), move || {
        process_event(envelope, &contacts);
    }))
}

/// The background half: act on the event, idempotently.
fn process_event(envelope: Envelope, contacts: &ContactStore) {
    match (envelope.event_type.as_str(), envelope.action.as_str()) {
        ("CONTACT", "CREATE") => record_contact(envelope.data, contacts),
        // Hemnet may add events at any time. They were already acknowledged:
        // a retry would not teach this code to understand them.
        (event_type, action) => warn!(event_type, action, "event not handled yet; ignored"),
    }
}

fn record_contact(data: Value, contacts: &ContactStore) {
    // A contact that doesn't parse (no `id`, or a changed data type) stays
    // acknowledged: Hemnet would resend the same bytes, which would fail the
    // same way for 7 days. Log it loudly for a human instead.
    let contact: Contact = match serde_json::from_value(data) {
        Ok(contact) => contact,
        Err(error) => {
            error!(%error, "CONTACT/CREATE without a usable contact; acknowledged, not stored");
            return;
        }
    };
    let id = contact.id.clone();
    let source = contact.source.clone();
    // Hemnet may deliver the same webhook twice (network trouble, a 200 it
    // never saw), so the contact id, not the delivery, decides what is new.
    match contacts.record(id.clone(), contact) {
        Recorded::New => info!(contact_id = %id, ?source, "stored a new contact"),
        Recorded::Duplicate => info!(contact_id = %id, "contact already stored; duplicate ignored"),
    }
}

/// `GET /hemnet/contacts`: what the background workers stored, for probes.
async fn list_contacts(State(state): State<HemnetState>) -> Json<StoreSummary> {
    Json(state.contacts.summary())
}

/// `GET /hemnet/contacts/{id}`: how often one contact was delivered and how
/// many copies were kept (404 when no delivery carried it).
async fn show_contact(
    State(state): State<HemnetState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<ItemSummary>, axum::http::StatusCode> {
    state
        .contacts
        .item_summary(&id)
        .map(Json)
        .ok_or(axum::http::StatusCode::NOT_FOUND)
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}
