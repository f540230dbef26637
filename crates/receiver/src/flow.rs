//! Visma Real Estate "Flow" webhooks (Norway; the estate agents' case system),
//! received the way we advise.
//!
//! Source: "Subscribing to WebHooks" (`seeds/000_fa7d5aeb1ba371d7.txt`).
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

use std::fmt;
use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tracing::{error, info, info_span, warn};

use crate::answer::{Acknowledged, Rejection, hand_off_and_acknowledge};
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

impl fmt::Display for FollowUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CaseField { case_id, select } => write!(
                f,
                "POST /flow/api/Search/AdvancedPropertySearch?$filter=Id eq {case_id}&$select={select}"
            ),
            Self::SettlementStatuses { case_id } => {
                write!(f, "GET /flow/api/Properties/{case_id}/SettlementStatuses")
            }
            Self::PropertyInformation { property_id } => {
                write!(f, "GET /flow/api/Properties/{property_id}/Information")
            }
            Self::PropertyConditions { case_id } => {
                write!(f, "GET /flow/api/Conditions/Properties/{case_id}")
            }
            Self::SaleTextItems { case_id } => write!(
                f,
                "GET /flow/api/DynamicSaleText/Cases/{case_id}/DynamicSaleTextItems"
            ),
            Self::SaleTextItem { case_id, header_id } => write!(
                f,
                "GET /flow/api/DynamicSaleText/Cases/{case_id}/DynamicSaleTextItems/{header_id}"
            ),
        }
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

#[derive(Debug, Clone)]
struct FlowState {
    events: Arc<EventStore>,
    /// Reads waiting to be made against Flow's API. In production this is a
    /// durable work queue; a worker draining it makes the calls.
    pending_reads: Arc<ReadQueue<FollowUp>>,
}

/// What `GET /flow/events` shows.
#[derive(Debug, Serialize)]
struct EventsSummary {
    #[serde(flatten)]
    stored: StoreSummary,
    pending_reads: Vec<FollowUp>,
}

/// `POST /flow` (deliveries) and `GET /flow/events` (what was stored).
pub(crate) fn routes() -> Router {
    let state = FlowState {
        events: Arc::new(EventStore::new()),
        pending_reads: Arc::new(ReadQueue::new()),
    };
    Router::new()
        .route(
            "/flow",
            post(receive_delivery).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/flow/events", get(list_events))
        .with_state(state)
}

/// `POST /flow`: parse the envelope, hand the work off, answer 200.
async fn receive_delivery(
    State(state): State<FlowState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Acknowledged, Rejection> {
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
    // Answer now, work later: a slow answer counts as a failed attempt and
    // brings the same event back. Any 2xx acknowledges (assumed).
    Ok(hand_off_and_acknowledge(span, move || {
        process_event(event, &state);
    }))
}

/// The background half: deduplicate, then queue the reads the event asks for.
fn process_event(event: FlowEvent, state: &FlowState) {
    let identity = event.identity();
    let follow_ups = event.follow_ups();
    let event_type = event.event_type.clone();
    if state.events.record(identity.clone(), event) == Recorded::Duplicate {
        info!(%identity, "event already seen; duplicate ignored");
        return;
    }
    match follow_ups {
        Ok(reads) if reads.is_empty() => {
            // Documented events without a documented read, and event types
            // Flow adds later: acknowledged, stored, nothing to fetch. A retry
            // would not teach this code anything new.
            info!(%identity, %event_type, "stored; no read needed");
        }
        Ok(reads) => {
            info!(%identity, reads = reads.len(), "stored; reads queued");
            state.pending_reads.extend(reads);
        }
        Err(problem) => {
            // Still acknowledged: Flow would resend the same bytes, which
            // would fail the same way. A human has to look at it.
            error!(%identity, %event_type, %problem, "stored, but its Payload names nothing to read");
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
