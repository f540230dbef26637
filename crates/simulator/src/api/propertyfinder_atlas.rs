//! Property Finder's Enterprise ("Atlas") API, the parts a webhook receiver
//! calls: `POST /v1/auth/token`, then `GET`/`POST /v1/webhooks` and
//! `DELETE /v1/webhooks/{eventId}` with the token as `Authorization: Bearer`.
//!
//! Source: api-docs.propertyfinder.net, Enterprise API (as collected in
//! PROVIDERS.md). Documented: the token request `{apiKey, apiSecret}` and its
//! answer `{accessToken, expiresIn: 1800, tokenType: "Bearer"}`; the list
//! `{data: [...]}` filtered by `?eventType=`; a subscription `{eventId,
//! callbackUrl, secret?}` with a secret of at most 32 characters, answered
//! 201, or 409 when already subscribed, or 422 when invalid; deletion by
//! event, 204; errors as `application/problem+json` (`type`, `title`,
//! `status`, `detail`); several subscriptions to one event are allowed.
//! The API key pair is `{{api.client_id}}` / `{{api.client_secret}}`.
//!
//! Assumed: "already subscribed" means the same `eventId` and `callbackUrl`;
//! a body that is not a JSON object is 400, a wrong key pair 401, a missing
//! or unknown token 401, an unknown subscription 404; problem `type` is
//! `about:blank` with the status's reason as `title`; list items are
//! `{eventId, callbackUrl}` (the secret is never shown again); deleting an
//! event removes every subscription to it; an empty secret is refused like
//! an over-long one (anyone can sign with the empty key). Scopes, minimal:
//! `webhooks:read` lists, `webhooks:write` subscribes and deletes, a key pair
//! holds both, and a token request may ask for fewer with an OAuth-style
//! `scope` (space separated); a token without the scope a call needs is 403.
//! Not modelled: token expiry (a scenario lasts seconds of real time, and
//! its nominal waits do not move this API's clock) and the 650 requests a
//! minute limit (no receiver under test comes near it).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::{ClientAuth, Token, TokenRequest};
use super::propertyfinder::is_http_url;
use super::{ApiState, Credentials, Registration};
use crate::providers::ProviderId;
use crate::providers::propertyfinder_atlas::{MAX_SECRET_CHARS, atlas_event};
use crate::signing::{hmac_sha256_hex, verify_hmac_sha256_hex};

/// Documented: tokens last 30 minutes.
pub const TOKEN_LIFETIME_S: u64 = 1800;

/// What a token may do (assumed names; the doc names no scopes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `GET /v1/webhooks`.
    WebhooksRead,
    /// `POST /v1/webhooks`, `DELETE /v1/webhooks/{eventId}`.
    WebhooksWrite,
}

impl Scope {
    /// Every scope the scenario's key pair holds.
    pub const ALL: [Scope; 2] = [Self::WebhooksRead, Self::WebhooksWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebhooksRead => "webhooks:read",
            Self::WebhooksWrite => "webhooks:write",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }
}

/// `/v1/auth/token`, `/v1/webhooks`, `/v1/webhooks/{eventId}`.
pub fn routes() -> Router<ApiState> {
    Router::new()
        .route(TOKEN_PATH, post(issue_token))
        .route("/v1/webhooks", get(list_webhooks).post(subscribe))
        .route("/v1/webhooks/{event_id}", delete(unsubscribe))
}

/// An RFC 9457 problem, the documented error format.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    status: StatusCode,
    detail: String,
}

impl Problem {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        let mut response = (self.status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
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
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
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

/// The token on the request must grant `needed`.
fn require_scope(state: &ApiState, headers: &HeaderMap, needed: Scope) -> Result<(), Problem> {
    let credentials = state.credentials();
    let token = client_auth(&credentials).presented_token(headers).ok_or_else(|| {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "an access token is required: Authorization: Bearer <accessToken> from POST /v1/auth/token",
        )
    })?;
    let scopes = scopes_of(&credentials, token)
        .ok_or_else(|| Problem::new(StatusCode::UNAUTHORIZED, "the access token is not valid"))?;
    if scopes.contains(&needed) {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            format!("the access token lacks the `{}` scope", needed.as_str()),
        ))
    }
}

/// `POST /v1/auth/token {apiKey, apiSecret, scope?}` → a Bearer token.
async fn issue_token(
    State(state): State<ApiState>,
    body: Bytes,
) -> Result<axum::Json<Value>, Problem> {
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
    let scopes = match request.get("scope") {
        None | Some(Value::Null) => Scope::ALL.to_vec(),
        Some(Value::String(asked)) => asked
            .split_whitespace()
            .map(|name| {
                Scope::parse(name).ok_or_else(|| {
                    Problem::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!("unknown scope `{name}`: webhooks:read, webhooks:write"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "`scope` must be a string of space-separated scopes",
            ));
        }
    };
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

/// A subscription as the list shows it.
fn listed(registration: &Registration) -> Value {
    json!({
        "eventId": registration.event,
        "callbackUrl": registration.url,
    })
}

/// `GET /v1/webhooks[?eventType=...]` → `{data: [...]}`, oldest first.
async fn list_webhooks(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(filter): Query<ListFilter>,
) -> Result<axum::Json<Value>, Problem> {
    require_scope(&state, &headers, Scope::WebhooksRead)?;
    let data: Vec<Value> = state
        .registrations(ProviderId::PropertyFinderAtlas)
        .iter()
        .filter(|r| {
            filter
                .event_type
                .as_deref()
                .is_none_or(|wanted| r.event.as_deref() == Some(wanted))
        })
        .map(listed)
        .collect();
    Ok(axum::Json(json!({ "data": data })))
}

/// The `secret` member: absent or null is none; otherwise 1 to 32 characters.
fn optional_secret(request: &Map<String, Value>) -> Result<Option<String>, Problem> {
    let invalid = |why: String| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, why);
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

/// `POST /v1/webhooks {eventId, callbackUrl, secret?}` → 201, 409 or 422.
async fn subscribe(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<Value>), Problem> {
    require_scope(&state, &headers, Scope::WebhooksWrite)?;
    let request = json_object(&body)?;
    let event_id = required_text(&request, "eventId")?;
    if atlas_event(&event_id).is_none() {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("`eventId` `{event_id}` is not an event this API sends"),
        ));
    }
    let callback_url = required_text(&request, "callbackUrl")?;
    if !is_http_url(&callback_url) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
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
    let answer = listed(&registration);
    world.registrations.push(registration);
    Ok((StatusCode::CREATED, axum::Json(answer)))
}

/// `DELETE /v1/webhooks/{eventId}` → 204; every subscription to the event goes.
async fn unsubscribe(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(event_id): Path<String>,
) -> Result<StatusCode, Problem> {
    require_scope(&state, &headers, Scope::WebhooksWrite)?;
    let mut world = state.world();
    let before = world.registrations.len();
    world.registrations.retain(|r| {
        !(r.provider == ProviderId::PropertyFinderAtlas
            && r.event.as_deref() == Some(event_id.as_str()))
    });
    if world.registrations.len() == before {
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
        let read = token_for(&credentials, 2, &[Scope::WebhooksRead]);
        assert_eq!(
            scopes_of(&credentials, &read),
            Some(vec![Scope::WebhooksRead])
        );
        let widened = read.replacen("webhooks:read", "webhooks:read,webhooks:write", 1);
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
    fn secrets_are_optional_and_at_most_32_characters() {
        let secret = |value: Value| {
            let mut request = Map::new();
            request.insert("secret".to_owned(), value);
            optional_secret(&request).map_err(|p| p.status)
        };
        assert_eq!(optional_secret(&Map::new()), Ok(None));
        assert_eq!(secret(Value::Null), Ok(None));
        let longest = "é".repeat(32);
        assert_eq!(secret(Value::from(longest.clone())), Ok(Some(longest)));
        assert_eq!(
            secret(Value::from("x".repeat(33))),
            Err(StatusCode::UNPROCESSABLE_ENTITY)
        );
        assert_eq!(
            secret(Value::from("")),
            Err(StatusCode::UNPROCESSABLE_ENTITY)
        );
        assert_eq!(secret(json!(42)), Err(StatusCode::UNPROCESSABLE_ENTITY));
    }
}
