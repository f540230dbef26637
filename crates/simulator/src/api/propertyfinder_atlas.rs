//! Property Finder's Enterprise ("Atlas") API, the parts a webhook receiver
//! calls: `POST /v1/auth/token`, then `GET`/`POST /v1/webhooks` and
//! `DELETE /v1/webhooks/{eventId}` with the token as `Authorization: Bearer`.
//!
//! Source: api-docs.propertyfinder.net, Enterprise API (as collected in
//! PROVIDERS.md). Documented: the token request `{apiKey, apiSecret}` and its
//! answer `{accessToken, expiresIn: 1800, tokenType: "Bearer"}`; the token
//! endpoint allows 60 requests a minute, then answers 429 (Rate Limiting);
//! the list `{data: [...]}` filtered by `?eventType=`; a subscription
//! `{eventId, callbackUrl, secret?}` with a secret of at most 32 characters,
//! answered 201 `{eventId, url, createdAt}`, or 409 when already subscribed,
//! or 422 when invalid; deletion by event, 204; several subscriptions to one
//! event are allowed. Scopes (Authorization): an API key holds the scopes it
//! was created with, for good; every webhooks endpoint needs
//! `webhooks:full_access` (a default scope, always held), and subscribing
//! needs the event kind's read scope too (`listings:read`, `leads:read`,
//! `users:read`, the last for public profile events as well); a token
//! without a scope a call needs is 403. Errors (Errors, Formats): every
//! error carries a stable code; the legacy shape by default, and
//! `application/problem+json` `{type, code, title, detail, status,
//! attributes: {trace_id}}` (plus `errors` with JSON Pointers for a field)
//! only when the request sends `X-PF-Error-Format: problem-json-v2`; `type`
//! is a page of the catalogue at problems.atlas.propertyfinder.com (the
//! 400, 401, 403 and 422 pages are documented, the others follow their
//! pattern). The API key pair is `{{api.client_id}}` / `{{api.client_secret}}`,
//! holding every scope a receiver needs; a scenario's `api: { missing_scope:
//! ... }` stands for a key created without one.
//!
//! Assumed: the legacy shape, `{"code", "message"}` as `application/json`
//! (no copy of it was found); "already subscribed" means the same `eventId`
//! and `callbackUrl`; a body that is not a JSON object is 400, a wrong key
//! pair 401, a missing or unknown token 401, an unknown subscription 404;
//! the checks run in the order auth, endpoint scope, body, event scope;
//! list items are shaped as the creation answer (the secret is never shown
//! again); deleting an event removes every subscription to it; an empty
//! secret is refused like an over-long one (anyone can sign with the empty
//! key); unknown members of a request are ignored; the 429 carries
//! `Retry-After`; the per-field `errors` items are `{pointer, detail}`.
//! Not modelled: token expiry (a scenario lasts seconds of real time, and
//! its nominal waits do not move this API's clock) and the 650 requests a
//! minute of the other endpoints (no receiver under test comes near it).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::{ClientAuth, Token, TokenRequest};
use super::propertyfinder::is_http_url;
use super::{ApiState, Credentials, Registration};
use crate::fake::UtcDateTime;
use crate::providers::ProviderId;
use crate::providers::propertyfinder_atlas::{MAX_SECRET_CHARS, atlas_event};
use crate::signing::{hmac_sha256_hex, verify_hmac_sha256_hex};

/// Documented: tokens last 30 minutes.
pub const TOKEN_LIFETIME_S: u64 = 1800;

/// Documented: the token endpoint allows 60 requests per minute.
pub const TOKEN_REQUESTS_PER_MINUTE: usize = 60;
const RATE_WINDOW: Duration = Duration::from_secs(60);

/// The request header that asks for problem+json errors, and its value (documented).
pub const ERROR_FORMAT_HEADER: &str = "X-PF-Error-Format";
pub const PROBLEM_JSON_V2: &str = "problem-json-v2";

/// Where the error catalogue's pages are (documented).
pub const PROBLEM_TYPE_BASE: &str = "https://problems.atlas.propertyfinder.com/";

/// The scopes the webhooks endpoints and events need (documented names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every webhooks endpoint; a default scope every key holds.
    WebhooksFullAccess,
    /// Subscribing to `listing.*`.
    ListingsRead,
    /// Subscribing to `lead.*`.
    LeadsRead,
    /// Subscribing to `user.*` and `publicProfile.*`.
    UsersRead,
}

impl Scope {
    /// Every scope the scenario's key pair holds, unless a scenario says otherwise.
    pub const ALL: [Scope; 4] = [
        Self::WebhooksFullAccess,
        Self::ListingsRead,
        Self::LeadsRead,
        Self::UsersRead,
    ];

    /// The optional scopes a key may have been created without (documented:
    /// `webhooks:full_access` is a default scope and cannot be disabled).
    pub const OPTIONAL: [Scope; 3] = [Self::ListingsRead, Self::LeadsRead, Self::UsersRead];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebhooksFullAccess => "webhooks:full_access",
            Self::ListingsRead => "listings:read",
            Self::LeadsRead => "leads:read",
            Self::UsersRead => "users:read",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }

    /// The read scope subscribing to `event` needs; `None` for an event not sent.
    pub fn for_event(event: &str) -> Option<Self> {
        let atlas = atlas_event(event)?;
        Self::parse(atlas.entity.read_scope())
    }
}

/// What this API keeps between calls beside the registrations.
#[derive(Debug, Default)]
pub struct AtlasState {
    /// When the last token requests came in (at most a minute's worth).
    token_requests: VecDeque<Instant>,
    /// `createdAt` of each subscription, by registration id.
    created_at: HashMap<String, String>,
}

impl AtlasState {
    /// Count a token request at `now`; `Err(wait)` past the limit, with how
    /// long until the oldest request in the window leaves it.
    fn admit_token_request(&mut self, now: Instant) -> Result<(), Duration> {
        while self
            .token_requests
            .front()
            .is_some_and(|at| now.duration_since(*at) >= RATE_WINDOW)
        {
            self.token_requests.pop_front();
        }
        if self.token_requests.len() >= TOKEN_REQUESTS_PER_MINUTE {
            let oldest = self.token_requests.front().copied().unwrap_or(now);
            return Err(RATE_WINDOW.saturating_sub(now.duration_since(oldest)));
        }
        self.token_requests.push_back(now);
        Ok(())
    }
}

/// `/v1/auth/token`, `/v1/webhooks`, `/v1/webhooks/{eventId}`, each error in
/// the format the request asks for.
pub fn routes() -> Router<ApiState> {
    Router::new()
        .route(TOKEN_PATH, post(issue_token))
        .route("/v1/webhooks", get(list_webhooks).post(subscribe))
        .route("/v1/webhooks/{event_id}", delete(unsubscribe))
        .layer(middleware::from_fn(answer_errors_as_asked))
}

/// An error answer. It goes out in the legacy shape unless the request
/// asked for problem+json ([`answer_errors_as_asked`]).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    status: StatusCode,
    detail: String,
    /// The request member at fault (`/secret`), for `errors`.
    pointer: Option<String>,
    /// For a 429: seconds until a retry may succeed.
    retry_after_s: Option<u64>,
}

impl Problem {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            pointer: None,
            retry_after_s: None,
        }
    }

    /// A 422 about the request member `name`.
    fn invalid(name: &str, detail: impl Into<String>) -> Self {
        Self {
            pointer: Some(format!("/{name}")),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
        }
    }

    /// `unprocessable-entity`: the status's reason phrase as the catalogue spells it.
    fn slug(&self) -> String {
        self.status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
            .replace(' ', "-")
    }

    /// `common_http_422-unprocessable-entity`, as the catalogue names its pages.
    fn code(&self) -> String {
        format!("common_http_{}-{}", self.status.as_u16(), self.slug())
    }

    /// The catalogue page: `.../common-http-422-unprocessable-entity/`.
    fn type_uri(&self) -> String {
        format!(
            "{PROBLEM_TYPE_BASE}common-http-{}-{}/",
            self.status.as_u16(),
            self.slug()
        )
    }

    /// The legacy shape (assumed: only its stable code is documented).
    fn legacy_body(&self) -> Value {
        json!({"code": self.code(), "message": self.detail})
    }

    fn problem_body(&self) -> Value {
        let mut body = json!({
            "type": self.type_uri(),
            "code": self.code(),
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "detail": self.detail,
            "status": self.status.as_u16(),
            "attributes": {"trace_id": next_trace_id()},
        });
        if let Some(pointer) = &self.pointer {
            body["errors"] = json!([{"pointer": pointer, "detail": self.detail}]);
        }
        body
    }

    fn respond(&self, body: &Value, content_type: &'static str) -> Response {
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(seconds) = self.retry_after_s {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl IntoResponse for Problem {
    /// The legacy shape, with the problem kept for [`answer_errors_as_asked`].
    fn into_response(self) -> Response {
        let mut response = self.respond(&self.legacy_body(), "application/json");
        response.extensions_mut().insert(self);
        response
    }
}

/// 32 hex digits, new for every problem answered, like a trace id.
fn next_trace_id() -> String {
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
    let digest = hmac_sha256_hex(b"hooksim trace", &serial.to_be_bytes());
    digest[..32].to_owned()
}

/// Whether the request opted in to problem+json errors.
fn wants_problem_json(headers: &HeaderMap) -> bool {
    headers
        .get(ERROR_FORMAT_HEADER)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().eq_ignore_ascii_case(PROBLEM_JSON_V2))
}

/// Every error is a [`Problem`]; this answers it as problem+json when the
/// request sent `X-PF-Error-Format: problem-json-v2`, so the handlers need
/// not know which format was asked for.
async fn answer_errors_as_asked(request: Request, next: Next) -> Response {
    let problem_json = wants_problem_json(request.headers());
    let response = next.run(request).await;
    match response.extensions().get::<Problem>() {
        Some(problem) if problem_json => {
            problem.respond(&problem.problem_body(), "application/problem+json")
        }
        _ => response,
    }
}

/// The body as a JSON object; anything else is 400 (assumed).
fn json_object(body: &[u8]) -> Result<Map<String, Value>, Problem> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object",
        )),
        Err(error) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON: {error}"),
        )),
    }
}

/// A string member of `object`, or 422 naming it.
fn required_text(object: &Map<String, Value>, name: &str) -> Result<String, Problem> {
    object
        .get(name)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            Problem::invalid(
                name,
                format!("`{name}` is required and must be a non-empty string"),
            )
        })
}

/// A token is `atlas.N.SCOPES.MAC`: a serial, the scopes it grants and an
/// HMAC over both under the API secret. The API checks it by recomputing the
/// MAC, so it hands out a fresh token per request without keeping any, and
/// the same run always issues the same tokens.
fn token_for(credentials: &Credentials, serial: u64, scopes: &[Scope]) -> String {
    let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let claims = format!("atlas.{serial}.{}", names.join(","));
    let mac = hmac_sha256_hex(credentials.client_secret.as_bytes(), claims.as_bytes());
    format!("{claims}.{mac}")
}

/// The scopes a token this API issued grants; `None` for any other string.
fn scopes_of(credentials: &Credentials, token: &str) -> Option<Vec<Scope>> {
    let (claims, mac) = token.rsplit_once('.')?;
    if !verify_hmac_sha256_hex(credentials.client_secret.as_bytes(), claims.as_bytes(), mac) {
        return None;
    }
    let (_, scopes) = claims.rsplit_once('.')?;
    scopes
        .split(',')
        .filter(|name| !name.is_empty())
        .map(Scope::parse)
        .collect()
}

/// Where an API key pair is exchanged for a token (documented).
const TOKEN_PATH: &str = "/v1/auth/token";

/// What an Atlas client sends: its API key pair as JSON to [`TOKEN_PATH`]
/// (documented), then the issued `accessToken` as Bearer.
pub fn client_auth(credentials: &Credentials) -> ClientAuth {
    ClientAuth {
        token_request: Some(TokenRequest {
            path: TOKEN_PATH,
            authorization: None,
            content_type: "application/json",
            body: json!({
                "apiKey": credentials.client_id,
                "apiSecret": credentials.client_secret,
            })
            .to_string(),
        }),
        schemes: &["Bearer"],
        token: Token::Issued {
            field: "accessToken",
        },
        required_headers: &[],
        others: Vec::new(),
    }
}

/// The scopes of the token on the request; 401 without a valid one.
fn presented_scopes(state: &ApiState, headers: &HeaderMap) -> Result<Vec<Scope>, Problem> {
    let credentials = state.credentials();
    let token = client_auth(&credentials).presented_token(headers).ok_or_else(|| {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "an access token is required: Authorization: Bearer <accessToken> from POST /v1/auth/token",
        )
    })?;
    scopes_of(&credentials, token)
        .ok_or_else(|| Problem::new(StatusCode::UNAUTHORIZED, "the access token is not valid"))
}

/// 403 unless `scopes` hold `needed`.
fn require(scopes: &[Scope], needed: Scope, what: &str) -> Result<(), Problem> {
    if scopes.contains(&needed) {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            format!("{what} needs the `{}` scope", needed.as_str()),
        ))
    }
}

/// The scopes the scenario's key pair was created with.
fn key_scopes(state: &ApiState) -> Vec<Scope> {
    let missing = state.conditions().atlas_missing_scope;
    Scope::ALL
        .into_iter()
        .filter(|scope| Some(*scope) != missing)
        .collect()
}

/// `POST /v1/auth/token {apiKey, apiSecret}` → a Bearer token with the key's scopes.
async fn issue_token(
    State(state): State<ApiState>,
    body: Bytes,
) -> Result<axum::Json<Value>, Problem> {
    if let Err(wait) = state.world().atlas.admit_token_request(Instant::now()) {
        return Err(Problem {
            // Whole seconds, rounded up, so a client that waits that long gets in.
            retry_after_s: Some(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)),
            ..Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("at most {TOKEN_REQUESTS_PER_MINUTE} token requests a minute"),
            )
        });
    }
    let request = json_object(&body)?;
    let api_key = required_text(&request, "apiKey")?;
    let api_secret = required_text(&request, "apiSecret")?;
    let credentials = state.credentials();
    let refused = state.conditions().credentials_refused;
    if refused || api_key != credentials.client_id || api_secret != credentials.client_secret {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "unknown API key or wrong API secret",
        ));
    }
    let scopes = key_scopes(&state);
    let serial = state.world().next_id();
    Ok(axum::Json(json!({
        "accessToken": token_for(&credentials, serial, &scopes),
        "expiresIn": TOKEN_LIFETIME_S,
        "tokenType": "Bearer",
    })))
}

#[derive(Debug, Deserialize)]
struct ListFilter {
    #[serde(rename = "eventType")]
    event_type: Option<String>,
}

/// A subscription as the creation answer and the list show it.
fn shown(registration: &Registration, created_at: &str) -> Value {
    json!({
        "eventId": registration.event,
        "url": registration.url,
        "createdAt": created_at,
    })
}

/// `GET /v1/webhooks[?eventType=...]` → `{data: [...]}`, oldest first.
async fn list_webhooks(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(filter): Query<ListFilter>,
) -> Result<axum::Json<Value>, Problem> {
    let scopes = presented_scopes(&state, &headers)?;
    require(&scopes, Scope::WebhooksFullAccess, "listing subscriptions")?;
    let world = state.world();
    let data: Vec<Value> = world
        .registrations
        .iter()
        .filter(|r| r.provider == ProviderId::PropertyFinderAtlas)
        .filter(|r| {
            filter
                .event_type
                .as_deref()
                .is_none_or(|wanted| r.event.as_deref() == Some(wanted))
        })
        .map(|r| {
            let created_at = world.atlas.created_at.get(&r.id).map_or("", String::as_str);
            shown(r, created_at)
        })
        .collect();
    Ok(axum::Json(json!({ "data": data })))
}

/// The `secret` member: absent or null is none; otherwise 1 to 32 characters.
fn optional_secret(request: &Map<String, Value>) -> Result<Option<String>, Problem> {
    let invalid = |why: String| Problem::invalid("secret", why);
    match request.get("secret") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(secret)) => {
            let chars = secret.chars().count();
            if chars == 0 {
                Err(invalid("`secret` must not be empty".to_owned()))
            } else if chars > MAX_SECRET_CHARS {
                Err(invalid(format!(
                    "`secret` is {chars} characters; at most {MAX_SECRET_CHARS} are allowed"
                )))
            } else {
                Ok(Some(secret.clone()))
            }
        }
        Some(_) => Err(invalid("`secret` must be a string".to_owned())),
    }
}

/// Now, as the API's timestamps read (`2025-08-24T14:15:22Z`).
fn now_iso8601() -> String {
    let unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        });
    UtcDateTime::from_unix_ms(unix_ms).iso8601_seconds()
}

/// `POST /v1/webhooks {eventId, callbackUrl, secret?}` → 201 `{eventId, url,
/// createdAt}`, 403 without the event's read scope, 409 or 422.
async fn subscribe(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<Value>), Problem> {
    let scopes = presented_scopes(&state, &headers)?;
    require(&scopes, Scope::WebhooksFullAccess, "subscribing")?;
    let request = json_object(&body)?;
    let event_id = required_text(&request, "eventId")?;
    let Some(event_scope) = Scope::for_event(&event_id) else {
        return Err(Problem::invalid(
            "eventId",
            format!("`eventId` `{event_id}` is not an event this API sends"),
        ));
    };
    require(
        &scopes,
        event_scope,
        &format!("subscribing to `{event_id}`"),
    )?;
    let callback_url = required_text(&request, "callbackUrl")?;
    if !is_http_url(&callback_url) {
        return Err(Problem::invalid(
            "callbackUrl",
            format!("`callbackUrl` `{callback_url}` is not an http(s) URL"),
        ));
    }
    let secret = optional_secret(&request)?;
    let mut world = state.world();
    let already = world.registrations.iter().any(|r| {
        r.provider == ProviderId::PropertyFinderAtlas
            && r.event.as_deref() == Some(event_id.as_str())
            && r.url == callback_url
    });
    if already {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!("already subscribed to `{event_id}` at this callbackUrl"),
        ));
    }
    let registration = Registration {
        provider: ProviderId::PropertyFinderAtlas,
        id: world.next_id().to_string(),
        event: Some(event_id),
        url: callback_url,
        active: true,
        secret,
    };
    let created_at = now_iso8601();
    let answer = shown(&registration, &created_at);
    world
        .atlas
        .created_at
        .insert(registration.id.clone(), created_at);
    world.registrations.push(registration);
    Ok((StatusCode::CREATED, axum::Json(answer)))
}

/// `DELETE /v1/webhooks/{eventId}` → 204; every subscription to the event goes.
async fn unsubscribe(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(event_id): Path<String>,
) -> Result<StatusCode, Problem> {
    let scopes = presented_scopes(&state, &headers)?;
    require(
        &scopes,
        Scope::WebhooksFullAccess,
        "deleting a subscription",
    )?;
    let mut world = state.world();
    let gone: Vec<String> = world
        .registrations
        .iter()
        .filter(|r| {
            r.provider == ProviderId::PropertyFinderAtlas
                && r.event.as_deref() == Some(event_id.as_str())
        })
        .map(|r| r.id.clone())
        .collect();
    world.registrations.retain(|r| !gone.contains(&r.id));
    for id in &gone {
        world.atlas.created_at.remove(id);
    }
    if gone.is_empty() {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            format!("no subscription to `{event_id}`"),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_grants_exactly_its_scopes_and_cannot_be_altered() {
        let credentials = Credentials::default();
        let full = token_for(&credentials, 1, &Scope::ALL);
        assert_eq!(scopes_of(&credentials, &full), Some(Scope::ALL.to_vec()));
        let leads = token_for(
            &credentials,
            2,
            &[Scope::WebhooksFullAccess, Scope::LeadsRead],
        );
        assert_eq!(
            scopes_of(&credentials, &leads),
            Some(vec![Scope::WebhooksFullAccess, Scope::LeadsRead])
        );
        let widened = leads.replacen("leads:read", "leads:read,listings:read", 1);
        assert_eq!(scopes_of(&credentials, &widened), None);
        assert_eq!(scopes_of(&credentials, "hooksim-api-token"), None);
        assert_eq!(scopes_of(&credentials, ""), None);
        let other = Credentials {
            client_secret: "another secret".to_owned(),
            ..Credentials::default()
        };
        assert_eq!(scopes_of(&other, &full), None);
    }

    #[test]
    fn each_event_needs_its_kinds_read_scope() {
        assert_eq!(
            Scope::for_event("listing.action"),
            Some(Scope::ListingsRead)
        );
        assert_eq!(Scope::for_event("lead.created"), Some(Scope::LeadsRead));
        assert_eq!(Scope::for_event("user.updated"), Some(Scope::UsersRead));
        assert_eq!(
            Scope::for_event("publicProfile.verification.rejected"),
            Some(Scope::UsersRead)
        );
        assert_eq!(Scope::for_event("lead.new"), None);
        assert!(!Scope::OPTIONAL.contains(&Scope::WebhooksFullAccess));
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
    }

    #[test]
    fn secrets_are_optional_and_at_most_32_characters() {
        let secret = |value: Value| {
            let mut request = Map::new();
            request.insert("secret".to_owned(), value);
            optional_secret(&request).map_err(|p| (p.status, p.pointer))
        };
        assert_eq!(optional_secret(&Map::new()), Ok(None));
        assert_eq!(secret(Value::Null), Ok(None));
        let longest = "é".repeat(32);
        assert_eq!(secret(Value::from(longest.clone())), Ok(Some(longest)));
        let refused = Err((StatusCode::UNPROCESSABLE_ENTITY, Some("/secret".to_owned())));
        assert_eq!(secret(Value::from("x".repeat(33))), refused);
        assert_eq!(secret(Value::from("")), refused);
        assert_eq!(secret(json!(42)), refused);
    }

    #[test]
    fn the_token_endpoint_admits_60_requests_in_any_minute() {
        let mut atlas = AtlasState::default();
        let start = Instant::now();
        for i in 0..TOKEN_REQUESTS_PER_MINUTE {
            let at = start + Duration::from_millis(100 * i as u64);
            assert_eq!(atlas.admit_token_request(at), Ok(()), "request {i}");
        }
        let sixty_first = start + Duration::from_secs(10);
        assert_eq!(
            atlas.admit_token_request(sixty_first),
            Err(Duration::from_secs(50))
        );
        // Refused requests do not count, and the window only keeps a minute.
        assert_eq!(atlas.token_requests.len(), TOKEN_REQUESTS_PER_MINUTE);
        assert_eq!(
            atlas.admit_token_request(start + Duration::from_secs(60)),
            Ok(())
        );
        assert_eq!(atlas.token_requests.len(), TOKEN_REQUESTS_PER_MINUTE);
        let much_later = start + Duration::from_secs(3600);
        assert_eq!(atlas.admit_token_request(much_later), Ok(()));
        assert_eq!(atlas.token_requests.len(), 1);
    }

    #[test]
    fn problems_follow_the_catalogue_in_both_formats() {
        let problem = Problem::invalid("secret", "too long");
        assert_eq!(
            problem.legacy_body(),
            json!({"code": "common_http_422-unprocessable-entity", "message": "too long"})
        );
        let body = problem.problem_body();
        assert_eq!(
            body["type"],
            "https://problems.atlas.propertyfinder.com/common-http-422-unprocessable-entity/"
        );
        assert_eq!(body["title"], "Unprocessable Entity");
        assert_eq!(body["status"], 422);
        assert_eq!(
            body["errors"],
            json!([{"pointer": "/secret", "detail": "too long"}])
        );
        let trace = body["attributes"]["trace_id"].as_str().expect("a trace id");
        assert!(trace.len() == 32 && trace.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(problem.problem_body()["attributes"], body["attributes"]);

        // The documented examples.
        let unauthorized = Problem::new(StatusCode::UNAUTHORIZED, "no token").problem_body();
        assert_eq!(unauthorized["code"], "common_http_401-unauthorized");
        assert_eq!(
            unauthorized["type"],
            "https://problems.atlas.propertyfinder.com/common-http-401-unauthorized/"
        );
        let forbidden = Problem::new(StatusCode::FORBIDDEN, "no scope").problem_body();
        assert_eq!(forbidden["code"], "common_http_403-forbidden");
        assert!(forbidden.get("errors").is_none());
        let limited = Problem::new(StatusCode::TOO_MANY_REQUESTS, "slow down");
        assert_eq!(limited.code(), "common_http_429-too-many-requests");
    }

    #[test]
    fn only_the_documented_header_asks_for_problem_json() {
        let asks = |value: &str| {
            wants_problem_json(&super::super::auth::header_map(&[(
                "x-pf-error-format",
                value,
            )]))
        };
        assert!(asks("problem-json-v2"));
        assert!(!asks("problem-json-v1"));
        assert!(!asks(""));
        assert!(!wants_problem_json(&HeaderMap::new()));
    }
}
