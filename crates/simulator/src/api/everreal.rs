//! EverReal's webhook registration API: list, register and delete the
//! webhooks of one EverReal customer (`https://{subdomain}.everreal.co`).
//!
//! Source: "Webhooks" (<https://api-docs.everreal.co/webhooks>, sections
//! "List Webhooks", "Register a new Webhook" and "Delete a Webhook"): `GET`
//! and `POST /api/external-integrations/webhooks`, `DELETE .../webhooks/:id`, a Bearer
//! token on each, the POST body `{"type", "url"}`, the record `{id, type,
//! partnerId, companyId, connectedByUserId, url, createdAt, updatedAt,
//! deletedAt}`; the page's full registration example (after "Event
//! Types") answers 200 with the new id, bare (not a URL), in a `Location`
//! header; a missing or wrong token gets 403
//! `{"code":"server_error","statusCode":403}`.
//!
//! Assumed (documented nowhere): the status codes beside 200 and 403 (no
//! body for a registration; 204 for a deletion; 400 for a bad body; 404
//! for an unknown id) and their bodies, shaped like the 403; that `type`
//! must be one of the documented event types; that the same type and URL
//! may be registered twice (nothing says otherwise; a careful client lists
//! first); that a deleted webhook leaves the list; the ids (uuids, fixed
//! per server and order) and the partner, company and user ids, fixed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::auth::ClientAuth;
use super::{ApiState, Credentials, Registration};
use crate::fake::calendar::UtcDateTime;
use crate::fake::{seeded_rng, uuid_v4};
use crate::providers::ProviderId;

/// The integration partner the scenario's token belongs to (assumed).
pub const PARTNER_ID: &str = "6f1c2a0e-5b7d-4c8e-9a3f-1d2e3f4a5b6c";
/// The EverReal customer (a property manager) the token acts for (assumed).
pub const COMPANY_ID: &str = "0b8e4d2c-7a9f-4e1b-8c3d-5f6a7b8c9d0e";
/// The EverReal user who connected the integration (assumed).
pub const CONNECTED_BY_USER_ID: &str = "3d5f7a9b-1c2e-4f6a-8b0c-2e4f6a8c0e1f";

/// Registrations are stamped from here on, one second apart (fixed, so
/// transcripts stay the same from run to run).
const FIRST_CREATED_AT: UtcDateTime = UtcDateTime::from_date(2025, 1, 6);

const COLLECTION: &str = "/api/external-integrations/webhooks";

/// `GET`/`POST` on the collection, `DELETE` on one webhook.
pub fn routes() -> Router<ApiState> {
    Router::new()
        .route(COLLECTION, get(list_webhooks).post(register_webhook))
        .route(
            "/api/external-integrations/webhooks/{id}",
            delete(delete_webhook),
        )
        // When each webhook was made: one router per scenario's server.
        .layer(Extension(Arc::new(CreationOrder::default())))
}

/// The sequence number each webhook got, so its record can show when it was made.
#[derive(Debug, Default)]
struct CreationOrder {
    numbers: Mutex<HashMap<String, u64>>,
}

impl CreationOrder {
    fn record(&self, id: String, number: u64) {
        // One insert per update: a panicked holder leaves nothing half-done.
        self.numbers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, number);
    }

    fn number(&self, id: &str) -> u64 {
        self.numbers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .copied()
            .unwrap_or_default()
    }
}

/// Every way the API turns a call away. Only the 403 is documented; the
/// others take its shape and add a `message` (assumed).
#[derive(Debug)]
enum Refusal {
    /// A missing or wrong token: `{"code":"server_error","statusCode":403}`.
    Forbidden,
    /// A registration body without a documented type or an http(s) URL (400).
    BadRequest(String),
    /// No webhook with that id (404).
    NotFound(String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            Self::Forbidden => (StatusCode::FORBIDDEN, "server_error", None),
            Self::BadRequest(why) => (StatusCode::BAD_REQUEST, "bad_request", Some(why)),
            Self::NotFound(what) => (StatusCode::NOT_FOUND, "not_found", Some(what)),
        };
        let mut body = json!({ "code": code, "statusCode": status.as_u16() });
        if let Some(message) = message {
            body["message"] = Value::String(message);
        }
        (status, Json(body)).into_response()
    }
}

/// What an EverReal client sends: the token as Bearer (documented; how it
/// is obtained, an OAuth2 password grant, is not played here).
pub fn client_auth(credentials: &Credentials) -> ClientAuth {
    ClientAuth::bearer(&credentials.token)
}

/// Refuses a call without the scenario's token.
fn authorize(state: &ApiState, headers: &HeaderMap) -> Result<(), Refusal> {
    if client_auth(&state.credentials()).accepts(headers) {
        Ok(())
    } else {
        Err(Refusal::Forbidden)
    }
}

/// The documented record of one registration.
fn record(registration: &Registration, order: &CreationOrder) -> Value {
    let number = i64::try_from(order.number(&registration.id)).unwrap_or(i64::MAX);
    let created = FIRST_CREATED_AT.plus_seconds(number).iso8601_millis();
    json!({
        "id": registration.id,
        "type": registration.event,
        "partnerId": PARTNER_ID,
        "companyId": COMPANY_ID,
        "connectedByUserId": CONNECTED_BY_USER_ID,
        "url": registration.url,
        "createdAt": created,
        "updatedAt": created,
        "deletedAt": null,
    })
}

/// `GET .../webhooks`: every live webhook, oldest first.
async fn list_webhooks(
    State(state): State<ApiState>,
    Extension(order): Extension<Arc<CreationOrder>>,
    headers: HeaderMap,
) -> Result<Json<Vec<Value>>, Refusal> {
    authorize(&state, &headers)?;
    let records = state
        .registrations(ProviderId::EverReal)
        .iter()
        .map(|registration| record(registration, &order))
        .collect();
    Ok(Json(records))
}

/// `POST .../webhooks` with `{"type", "url"}`: 200 and the new webhook's
/// id, bare, in `Location` (documented: the example's `Location` is the id
/// alone, not a URL).
async fn register_webhook(
    State(state): State<ApiState>,
    Extension(order): Extension<Arc<CreationOrder>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    authorize(&state, &headers)?;
    let (event, url) = registration_request(&body).map_err(Refusal::BadRequest)?;
    let id = {
        let mut world = state.world();
        let number = world.next_id();
        let id = uuid_v4(&mut seeded_rng(number)).to_string();
        order.record(id.clone(), number);
        world.registrations.push(Registration {
            provider: ProviderId::EverReal,
            id: id.clone(),
            event: Some(event),
            url,
            active: true,
            secret: None,
        });
        id
    };
    Ok((StatusCode::OK, [(header::LOCATION, id)]).into_response())
}

/// The event type and URL of a registration body, or why it is not one.
fn registration_request(body: &[u8]) -> Result<(String, String), String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let event = value
        .get("type")
        .and_then(Value::as_str)
        .ok_or("`type` (an event type) is required")?;
    let url = value
        .get("url")
        .and_then(Value::as_str)
        .ok_or("`url` is required")?;
    let known = ProviderId::EverReal.provider().events();
    if !known.iter().any(|spec| spec.name == event) {
        return Err(format!(
            "`{event}` is not an EverReal event type; see the Event Types list"
        ));
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!("`{url}` is not an http(s) URL"));
    }
    Ok((event.to_owned(), url.to_owned()))
}

/// `DELETE .../webhooks/:id`: 204, or 404 for an id this API never gave
/// (or already deleted).
async fn delete_webhook(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, Refusal> {
    authorize(&state, &headers)?;
    let mut world = state.world();
    let before = world.registrations.len();
    world
        .registrations
        .retain(|r| !(r.provider == ProviderId::EverReal && r.id == id));
    if world.registrations.len() == before {
        return Err(Refusal::NotFound(format!("no webhook with id `{id}`")));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_needs_a_documented_type_and_an_http_url() {
        assert_eq!(
            registration_request(br#"{"type":"LISTING_CREATED","url":"https://crm.example/hook"}"#),
            Ok((
                "LISTING_CREATED".to_owned(),
                "https://crm.example/hook".to_owned()
            ))
        );
        let refused = |body: &[u8], part: &str| {
            let why = registration_request(body).expect_err("refused");
            assert!(why.contains(part), "{why}");
        };
        refused(b"{", "not JSON");
        refused(br#"{"url":"https://x"}"#, "`type`");
        refused(br#"{"type":"LISTING_CREATED"}"#, "`url`");
        refused(
            br#"{"type":"LISTING_EXPLODED","url":"https://x"}"#,
            "LISTING_EXPLODED",
        );
        refused(br#"{"type":"UNIT_CREATED","url":"ftp://x"}"#, "ftp://x");
    }
}
