//! Spark Platform's news-feed webhook management API, as a developer's
//! receiver meets it: `/<version>/developers/newsfeeds/webhooks[/<Id>]`.
//!
//! Source: "Developers: News Feed Webhooks"
//! (<https://www.sparkplatform.com/docs/api_services/developers/newsfeed_webhooks>,
//! sections "Supported Roles", "All News Feed Webhooks", "Individual News
//! Feed Webhook" and "Developers: News Feed Webhooks Description").
//! Documented there: GET lists and POST creates on the collection, PUT and
//! DELETE on it answer 405 ("Not implemented"); GET, PUT and DELETE on one
//! webhook, POST on it 405; the record `{Id, ResourceUri, Uri, Active,
//! ModificationTimestamp}` with a 26-digit `Id` and the list envelope
//! `{"D":{"Success":true,"Results":[...]}}`; `Uri` required and unique per
//! developer; `Active` false by default; the Public role reads only.
//! From Spark's "Standard Response Format" page
//! (sparkplatform.com/docs/supporting_documentation/standard_response_format):
//! `{"D":{"Success":true}}`, creation adding `Results:[{ResourceUri}]`,
//! failure `{"D":{"Success":false,"Code","Message"}}` with a non-2xx status.
//! From its "Error Codes" page (.../supporting_documentation/error_codes):
//! 1000/401 invalid key, 1016/400 no `X-SparkApi-User-Agent`, 1017/405
//! read-only key writing, 1035/400 not JSON (or not sent as
//! `application/json`), 1050/400 a required parameter missing, 1053/400 a
//! parameter breaking its constraints, 1055/409 a write conflicting with
//! existing data, 404 and 405 passed through as codes; 1550 "Over rate
//! limit" is answered with 503, not 429 (played when a scenario asks for it,
//! `api: { rate_limited: true }`: every call then answers 503 with code 1550,
//! never 429; the limit's size is not documented). From its "Personal
//! Access Token" page (sparkplatform.com/docs/authentication/access_token):
//! `Authorization: Bearer <token>` and the required `X-SparkApi-User-Agent`.
//!
//! Assumed (marked where decided below): the order the checks run in, the
//! `OAuth <token>` scheme accepted beside `Bearer`, which code each body
//! mistake gets, 1055/409 for a `Uri` already registered, 201 for a
//! creation, the `Uri` having to be an absolute http(s) URL, the clock ids
//! and timestamps are made from, and that the record answers at its
//! documented `ResourceUri` (`/v1/developers/webhooks/<Id>`, without
//! `newsfeeds`) as well as under the collection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use rand::SeedableRng;
use serde_json::{Map, Value, json};

use super::auth::{ClientAuth, Token};
use super::{ApiState, Credentials, Registration, World};
use crate::fake::{SeededRng, UtcDateTime};
use crate::providers::ProviderId;
use crate::providers::spark::spark_id;

/// The header every Spark API request must carry (documented, Personal
/// Access Token page; error code 1016 when it is missing).
pub const USER_AGENT_HEADER: &str = "X-SparkApi-User-Agent";

/// Ids and `ModificationTimestamp`s are read off this clock plus one second
/// per change, so transcripts never show the wall clock (assumed: any fixed
/// instant does).
const CLOCK_BASE: UtcDateTime = UtcDateTime::from_date(2025, 6, 2).plus_hours(8);

/// Who a request is, by its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// IDX, VOW, Portal or Private: reads and writes (documented).
    Writer,
    /// Public: reads only (documented).
    Reader,
}

/// Every failure this API answers, each with its documented status and code.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    InvalidKey,
    UserAgentMissing,
    ReadOnlyKey,
    MethodNotAllowed,
    NotFound,
    InvalidJson(String),
    MissingParameter(String),
    BadParameter(String),
    Conflict(String),
    OverRateLimit,
}

impl Failure {
    fn status_and_code(&self) -> (StatusCode, u16) {
        match self {
            Self::InvalidKey => (StatusCode::UNAUTHORIZED, 1000),
            Self::UserAgentMissing => (StatusCode::BAD_REQUEST, 1016),
            Self::ReadOnlyKey => (StatusCode::METHOD_NOT_ALLOWED, 1017),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, 405),
            Self::NotFound => (StatusCode::NOT_FOUND, 404),
            Self::InvalidJson(_) => (StatusCode::BAD_REQUEST, 1035),
            Self::MissingParameter(_) => (StatusCode::BAD_REQUEST, 1050),
            Self::BadParameter(_) => (StatusCode::BAD_REQUEST, 1053),
            Self::Conflict(_) => (StatusCode::CONFLICT, 1055),
            Self::OverRateLimit => (StatusCode::SERVICE_UNAVAILABLE, 1550),
        }
    }

    fn message(&self) -> String {
        match self {
            Self::InvalidKey => "Invalid API key or access token".to_owned(),
            Self::UserAgentMissing => {
                format!("The {USER_AGENT_HEADER} header is required on every request")
            }
            Self::ReadOnlyKey => {
                "This key has read-only access: POST, PUT and DELETE are refused".to_owned()
            }
            Self::MethodNotAllowed => "Method not allowed on this resource".to_owned(),
            Self::NotFound => "Not found".to_owned(),
            Self::OverRateLimit => "Over rate limit".to_owned(),
            Self::InvalidJson(why)
            | Self::MissingParameter(why)
            | Self::BadParameter(why)
            | Self::Conflict(why) => why.clone(),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let body = json!({ "D": { "Success": false, "Code": code, "Message": self.message() } });
        (status, Json(body)).into_response()
    }
}

/// When each webhook last changed, by `Id`. Everything else about a webhook
/// lives in the scenario's registrations, which deliveries read.
#[derive(Debug, Default)]
struct ModificationTimes {
    by_id: Mutex<HashMap<String, UtcDateTime>>,
}

impl ModificationTimes {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, UtcDateTime>> {
        // Each update is one insert or remove: a panicked holder cannot
        // leave the map half-written.
        self.by_id.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

type Times = Extension<Arc<ModificationTimes>>;

/// The webhook API under `/<version>/developers/...`; anything else under
/// `/spark` is a Spark-style 404.
pub fn routes() -> Router<ApiState> {
    let collection = get(list_webhooks)
        .post(create_webhook)
        .fallback(collection_not_implemented);
    let one = get(show_webhook)
        .put(update_webhook)
        .delete(delete_webhook)
        .fallback(webhook_not_implemented);
    Router::new()
        .route("/{version}/developers/newsfeeds/webhooks", collection)
        .route("/{version}/developers/newsfeeds/webhooks/{id}", one.clone())
        // Assumed: the documented `ResourceUri` (no `newsfeeds`) addresses the record too.
        .route("/{version}/developers/webhooks/{id}", one)
        .fallback(unknown_resource)
        .layer(Extension(Arc::new(ModificationTimes::default())))
}

/// What a Spark client sends: its token as `Bearer <token>` (documented for
/// access tokens) or `OAuth <token>` (assumed: the OAuth 2 draft-10 scheme
/// Spark's OAuth page says it follows), and `X-SparkApi-User-Agent` with
/// any non-empty value (documented; the value names the application).
pub fn client_auth(credentials: &Credentials) -> ClientAuth {
    ClientAuth {
        token_request: None,
        schemes: &["Bearer", "OAuth"],
        token: Token::Fixed(credentials.token.clone()),
        required_headers: &[(USER_AGENT_HEADER, "hooksim-client")],
        others: vec![(
            format!("read-only token {}", credentials.read_only_token),
            "the Public role: reads only (a write answers 405, code 1017)",
        )],
    }
}

/// The role of the request's token, once the documented headers are there.
/// Assumed order: the key first, then the user agent.
fn authenticate(world: &World, headers: &HeaderMap) -> Result<Role, Failure> {
    let auth = client_auth(&world.credentials);
    let token = auth.presented_token(headers).ok_or(Failure::InvalidKey)?;
    let role = if token == world.credentials.token && !world.conditions.token_read_only {
        Role::Writer
    } else if token == world.credentials.token || token == world.credentials.read_only_token {
        Role::Reader
    } else {
        return Err(Failure::InvalidKey);
    };
    if auth.missing_header(headers).is_some() {
        return Err(Failure::UserAgentMissing);
    }
    Ok(role)
}

/// What a call does with the webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

/// Let a call in: a known key, the user agent header, the rate limit (when a
/// scenario has it reached), a role that may do what the call does
/// (documented: Public reads only), a version segment.
fn admit(world: &World, headers: &HeaderMap, version: &str, access: Access) -> Result<(), Failure> {
    let role = authenticate(world, headers)?;
    if world.conditions.rate_limited {
        return Err(Failure::OverRateLimit);
    }
    if access == Access::Write && role == Role::Reader {
        return Err(Failure::ReadOnlyKey);
    }
    check_version(version)
}

/// `v1`, `v2`...: any API version segment; anything else is not a Spark path.
fn check_version(version: &str) -> Result<(), Failure> {
    let digits = version.strip_prefix('v').ok_or(Failure::NotFound)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Failure::NotFound);
    }
    Ok(())
}

/// The attributes inside `{"D": {...}}`. Documented: 1035 when the body is
/// not JSON or not sent as `application/json`. Assumed: 1050 when `D` is
/// missing, 1053 when it is not an object.
fn writable_attributes(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, Failure> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Failure::InvalidJson(
            "The request body must be sent with Content-Type: application/json".to_owned(),
        ));
    }
    let parsed: Value = serde_json::from_slice(body)
        .map_err(|error| Failure::InvalidJson(format!("The request body is not JSON: {error}")))?;
    match parsed.get("D") {
        None => Err(Failure::MissingParameter(
            "The request body must be {\"D\": {...}}".to_owned(),
        )),
        Some(Value::Object(attributes)) => Ok(attributes.clone()),
        Some(_) => Err(Failure::BadParameter("D must be an object".to_owned())),
    }
}

/// `Uri`, when given: an absolute http(s) URL (assumed: Spark must be able
/// to POST to it), or 1053.
fn uri_attribute(attributes: &Map<String, Value>) -> Result<Option<String>, Failure> {
    let Some(value) = attributes.get("Uri") else {
        return Ok(None);
    };
    let uri = value
        .as_str()
        .ok_or_else(|| Failure::BadParameter("Uri must be a string".to_owned()))?;
    let parsed = reqwest::Url::parse(uri)
        .map_err(|error| Failure::BadParameter(format!("Uri is not a URL: {error}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Failure::BadParameter(
            "Uri must be an http or https URL".to_owned(),
        ));
    }
    Ok(Some(uri.to_owned()))
}

/// `Active`, when given: a boolean, or 1053 (assumed: `null` is no boolean either).
fn active_attribute(attributes: &Map<String, Value>) -> Result<Option<bool>, Failure> {
    match attributes.get("Active") {
        None => Ok(None),
        Some(Value::Bool(active)) => Ok(Some(*active)),
        Some(_) => Err(Failure::BadParameter(
            "Active must be true or false".to_owned(),
        )),
    }
}

/// Documented: `Uri` is unique per developer (here, per API server: every
/// token belongs to the same developer). Assumed: a clash is 1055/409, the
/// documented code for a write conflicting with existing data.
fn ensure_unique(world: &World, uri: &str, except: Option<&str>) -> Result<(), Failure> {
    let taken = spark_webhooks(world).any(|r| r.url == uri && Some(r.id.as_str()) != except);
    if taken {
        return Err(Failure::Conflict(format!(
            "A webhook with Uri {uri} already exists for this developer"
        )));
    }
    Ok(())
}

fn spark_webhooks(world: &World) -> impl Iterator<Item = &Registration> {
    world
        .registrations
        .iter()
        .filter(|r| r.provider == ProviderId::Spark)
}

/// Where webhook `id` is among the registrations, or 404.
fn webhook_position(world: &World, id: &str) -> Result<usize, Failure> {
    world
        .registrations
        .iter()
        .position(|r| r.provider == ProviderId::Spark && r.id == id)
        .ok_or(Failure::NotFound)
}

/// The documented `ResourceUri` of a webhook: `/v1/developers/webhooks/<Id>`.
fn resource_uri(version: &str, id: &str) -> String {
    format!("/{version}/developers/webhooks/{id}")
}

/// A webhook as the documented GET answer shows it.
fn webhook_record(version: &str, webhook: &Registration, times: &ModificationTimes) -> Value {
    let modified = times.lock().get(&webhook.id).copied().unwrap_or(CLOCK_BASE);
    json!({
        "Id": webhook.id,
        "ResourceUri": resource_uri(version, &webhook.id),
        "Uri": webhook.url,
        "Active": webhook.active,
        "ModificationTimestamp": modified.iso8601_seconds(),
    })
}

/// The instant of a change numbered `n` on this server.
fn change_time(n: u64) -> UtcDateTime {
    CLOCK_BASE.plus_seconds(i64::try_from(n).unwrap_or(i64::MAX))
}

fn success(status: StatusCode, extra: Option<(&str, Value)>) -> Response {
    let mut d = Map::new();
    d.insert("Success".to_owned(), Value::Bool(true));
    if let Some((name, value)) = extra {
        d.insert(name.to_owned(), value);
    }
    (status, Json(json!({ "D": d }))).into_response()
}

/// GET on the collection: every webhook of the key, oldest first.
async fn list_webhooks(
    State(state): State<ApiState>,
    Extension(times): Times,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let world = state.world();
    admit(&world, &headers, &version, Access::Read)?;
    let results: Vec<Value> = spark_webhooks(&world)
        .map(|webhook| webhook_record(&version, webhook, &times))
        .collect();
    Ok(success(
        StatusCode::OK,
        Some(("Results", Value::Array(results))),
    ))
}

/// POST on the collection: a new webhook, inactive unless `Active: true`.
async fn create_webhook(
    State(state): State<ApiState>,
    Extension(times): Times,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let mut world = state.world();
    admit(&world, &headers, &version, Access::Write)?;
    let attributes = writable_attributes(&headers, &body)?;
    let uri = uri_attribute(&attributes)?.ok_or_else(|| {
        // Documented code for a required parameter not provided.
        Failure::MissingParameter("Uri is required".to_owned())
    })?;
    // Documented default: false, so a webhook created without it gets nothing.
    let active = active_attribute(&attributes)?.unwrap_or(false);
    ensure_unique(&world, &uri, None)?;

    let n = world.next_id();
    let created = change_time(n);
    // The provider's own id shape (creation time, then 12 digits), seeded by
    // the change number so the same scenario hands out the same ids.
    let id = spark_id(created, &mut SeededRng::seed_from_u64(n));
    times.lock().insert(id.clone(), created);
    world.registrations.push(Registration {
        provider: ProviderId::Spark,
        id: id.clone(),
        // A news feed webhook hears every event of the key's feeds.
        event: None,
        url: uri,
        active,
        secret: None,
    });
    let created_resource = json!([{ "ResourceUri": resource_uri(&version, &id) }]);
    // Assumed: 201 Created; the documentation only promises 200-299.
    Ok(success(
        StatusCode::CREATED,
        Some(("Results", created_resource)),
    ))
}

/// GET on one webhook: the record, in a one-element `Results`.
async fn show_webhook(
    State(state): State<ApiState>,
    Extension(times): Times,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let world = state.world();
    admit(&world, &headers, &version, Access::Read)?;
    let at = webhook_position(&world, &id)?;
    let record = webhook_record(&version, &world.registrations[at], &times);
    Ok(success(StatusCode::OK, Some(("Results", json!([record])))))
}

/// PUT on one webhook: change `Uri` and/or `Active`.
async fn update_webhook(
    State(state): State<ApiState>,
    Extension(times): Times,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let mut world = state.world();
    admit(&world, &headers, &version, Access::Write)?;
    let at = webhook_position(&world, &id)?;
    let attributes = writable_attributes(&headers, &body)?;
    let uri = uri_attribute(&attributes)?;
    let active = active_attribute(&attributes)?;
    if let Some(uri) = &uri {
        ensure_unique(&world, uri, Some(&id))?;
    }
    let n = world.next_id();
    let webhook = &mut world.registrations[at];
    if let Some(uri) = uri {
        webhook.url = uri;
    }
    if let Some(active) = active {
        webhook.active = active;
    }
    times.lock().insert(id, change_time(n));
    Ok(success(StatusCode::OK, None))
}

/// DELETE on one webhook: gone, and no more deliveries to it.
async fn delete_webhook(
    State(state): State<ApiState>,
    Extension(times): Times,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let mut world = state.world();
    admit(&world, &headers, &version, Access::Write)?;
    let at = webhook_position(&world, &id)?;
    world.registrations.remove(at);
    times.lock().remove(&id);
    Ok(success(StatusCode::OK, None))
}

/// PUT and DELETE on the collection: documented "Not implemented", 405.
async fn collection_not_implemented(
    State(state): State<ApiState>,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Failure {
    not_implemented(&state, &version, &headers)
}

/// POST on one webhook: documented "Not implemented", 405.
async fn webhook_not_implemented(
    State(state): State<ApiState>,
    Path((version, _id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Failure {
    not_implemented(&state, &version, &headers)
}

/// Assumed: the key is checked before the method, as for every other call.
fn not_implemented(state: &ApiState, version: &str, headers: &HeaderMap) -> Failure {
    let world = state.world();
    match admit(&world, headers, version, Access::Read) {
        Err(failure) => failure,
        Ok(()) => Failure::MethodNotAllowed,
    }
}

/// Any other path under `/spark`: 404 in Spark's envelope.
async fn unknown_resource() -> Failure {
    Failure::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::auth::header_map as headers;

    #[test]
    fn failures_carry_the_documented_status_and_code() {
        let cases = [
            (Failure::InvalidKey, 401, 1000),
            (Failure::UserAgentMissing, 400, 1016),
            (Failure::ReadOnlyKey, 405, 1017),
            (Failure::MethodNotAllowed, 405, 405),
            (Failure::NotFound, 404, 404),
            (Failure::InvalidJson(String::new()), 400, 1035),
            (Failure::MissingParameter(String::new()), 400, 1050),
            (Failure::BadParameter(String::new()), 400, 1053),
            (Failure::Conflict(String::new()), 409, 1055),
            (Failure::OverRateLimit, 503, 1550),
        ];
        for (failure, status, code) in cases {
            let (got_status, got_code) = failure.status_and_code();
            assert_eq!(
                (got_status.as_u16(), got_code),
                (status, code),
                "{failure:?}"
            );
        }
    }

    #[test]
    fn tokens_come_as_bearer_or_oauth_with_the_user_agent() {
        let mut world = World::default();
        let token = world.credentials.token.clone();
        for scheme in ["Bearer", "OAuth"] {
            let sent = headers(&[
                ("authorization", &format!("{scheme} {token}")),
                ("x-sparkapi-user-agent", "tests"),
            ]);
            assert_eq!(authenticate(&world, &sent), Ok(Role::Writer), "{scheme}");
        }
        let basic = headers(&[
            ("authorization", &format!("Basic {token}")),
            ("x-sparkapi-user-agent", "tests"),
        ]);
        assert_eq!(authenticate(&world, &basic), Err(Failure::InvalidKey));
        let no_agent = headers(&[("authorization", &format!("Bearer {token}"))]);
        assert_eq!(
            authenticate(&world, &no_agent),
            Err(Failure::UserAgentMissing)
        );
        world.conditions.token_read_only = true;
        let read_only = headers(&[
            ("authorization", &format!("Bearer {token}")),
            ("x-sparkapi-user-agent", "tests"),
        ]);
        assert_eq!(authenticate(&world, &read_only), Ok(Role::Reader));
    }

    #[test]
    fn over_the_rate_limit_every_call_answers_503_with_code_1550() {
        let mut world = World::default();
        world.conditions.rate_limited = true;
        let token = world.credentials.token.clone();
        let sent = headers(&[
            ("authorization", &format!("Bearer {token}")),
            ("x-sparkapi-user-agent", "tests"),
        ]);
        for access in [Access::Read, Access::Write] {
            assert_eq!(
                admit(&world, &sent, "v1", access),
                Err(Failure::OverRateLimit)
            );
        }
        let response = Failure::OverRateLimit.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        // A key that is not one is still refused as such.
        let wrong = headers(&[
            ("authorization", "Bearer wrong"),
            ("x-sparkapi-user-agent", "tests"),
        ]);
        assert_eq!(
            admit(&world, &wrong, "v1", Access::Read),
            Err(Failure::InvalidKey)
        );
    }

    #[test]
    fn versions_are_v_and_digits() {
        assert!(check_version("v1").is_ok());
        assert!(check_version("v12").is_ok());
        for bad in ["", "v", "1", "vx", "v1a", "developers"] {
            assert_eq!(check_version(bad), Err(Failure::NotFound), "{bad}");
        }
    }

    #[test]
    fn bodies_need_json_and_a_d_object() {
        let json_type = headers(&[("content-type", "application/json; charset=utf-8")]);
        let text_type = headers(&[("content-type", "text/plain")]);
        assert!(writable_attributes(&json_type, br#"{"D":{"Uri":"x"}}"#).is_ok());
        let code =
            |result: Result<Map<String, Value>, Failure>| result.map_err(|f| f.status_and_code().1);
        assert_eq!(code(writable_attributes(&text_type, b"{}")), Err(1035));
        assert_eq!(
            code(writable_attributes(&HeaderMap::new(), b"{}")),
            Err(1035)
        );
        assert_eq!(code(writable_attributes(&json_type, b"{")), Err(1035));
        assert_eq!(code(writable_attributes(&json_type, b"{}")), Err(1050));
        assert_eq!(
            code(writable_attributes(&json_type, br#"{"D":[]}"#)),
            Err(1053)
        );
    }

    #[test]
    fn uri_and_active_are_checked() {
        let attributes = |value: Value| value.as_object().cloned().unwrap_or_default();
        assert_eq!(
            uri_attribute(&attributes(json!({"Uri": "https://example.com/hook"}))),
            Ok(Some("https://example.com/hook".to_owned()))
        );
        assert_eq!(uri_attribute(&attributes(json!({}))), Ok(None));
        for bad in [json!(7), json!("not a url"), json!("ftp://example.com/")] {
            assert!(
                matches!(
                    uri_attribute(&attributes(json!({ "Uri": bad }))),
                    Err(Failure::BadParameter(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(
            active_attribute(&attributes(json!({"Active": true}))),
            Ok(Some(true))
        );
        assert_eq!(active_attribute(&attributes(json!({}))), Ok(None));
        assert!(active_attribute(&attributes(json!({"Active": "yes"}))).is_err());
        assert!(active_attribute(&attributes(json!({"Active": null}))).is_err());
    }

    #[test]
    fn ids_and_times_come_from_the_change_number() {
        let first = spark_id(change_time(1), &mut SeededRng::seed_from_u64(1));
        let again = spark_id(change_time(1), &mut SeededRng::seed_from_u64(1));
        let second = spark_id(change_time(2), &mut SeededRng::seed_from_u64(2));
        assert_eq!(first, again);
        assert_ne!(first, second);
        assert_eq!(first.len(), 26);
        assert!(first.starts_with("20250602080001"), "{first}");
        assert_eq!(change_time(1).iso8601_seconds(), "2025-06-02T08:00:01Z");
    }
}
