//! PF Expert's API as a PF Expert client's CRM calls it: the OAuth
//! client-credentials token (`POST /auth/oauth/v1/token`), then hook
//! registration, `POST /hooks` and `DELETE /hooks/{id}`, with that token.
//!
//! Sources: PF Expert "Introduction"
//! (<https://expert.propertyfinder.ae/documentation/introduction/>, section
//! "Security and Authentication"): customer care hands out the integration
//! credentials; `POST https://auth.propertyfinder.com/auth/oauth/v1/token`
//! with HTTP Basic `apiKey:apiSecret` and the body `{"scope":"openid",
//! "grant_type":"client_credentials"}`, answered `{access_token, token_type:
//! "Bearer", expires_in: 1800}`, no refresh token; the API at
//! `https://api-v2.mycrm.com`. PF Expert "Hooks"
//! (<https://expert.propertyfinder.ae/documentation/hook>, sections "Create
//! hook" and "Delete hook"): the two endpoints; the request `{"hook":
//! {"event", "target"}}`; the response, a Hook object `{"hook": {"id",
//! "event:", "target", "client": {"id"}}}` (the doc's `"event:"` key is a
//! typo, see below); the 22 events; that a client level token is needed
//! (customer care hands out the client level credentials); that a client can
//! subscribe only one endpoint per event.
//!
//! Here the token endpoint and the API share the scenario's base URL (the
//! two hosts are one server), and the key pair is `{{api.client_id}}` /
//! `{{api.client_secret}}`. Assumed: the token endpoint's refusals, shaped as
//! OAuth 2 servers answer them (RFC 6749 § 5.2: `{"error",
//! "error_description"}`; bad or missing Basic credentials 401
//! `invalid_client` with `WWW-Authenticate: Basic`; a body that is not JSON
//! or lacks `grant_type` 400 `invalid_request`; another grant 400
//! `unsupported_grant_type`; a missing scope or one other than `openid` 400
//! `invalid_scope`); the token's format; that a user level key pair
//! ([`USER_LEVEL_API_KEY`], for manual use) gets tokens whose hook calls are
//! 403. Not modelled: token expiry (a scenario lasts seconds of real time).
//!
//! Assumed for the hooks (the doc shows neither statuses nor error bodies):
//! 201 for a new hook and 204 for a deletion; a missing or unknown token is
//! 401 and a token that is not client level is 403; a body that is not a
//! hook is 400 and an unknown event or a target that is not an http(s) URL
//! is 422; an unknown hook id is 404; every error body is `{"code": STATUS,
//! "message": TEXT}`; a second hook for an event REPLACES the first (the
//! earlier id is gone), because no endpoint lists hooks, so a client refused
//! for a hook whose id it lost could never free the event again; the client
//! behind the token is 434 (the doc's example).
//!
//! The `"event:"` typo is opt-in: a scenario turns it on for the whole API
//! (`api: { event_key_typo: true }`, for a receiver configured once), or
//! hands the receiver the same API under `/quirks/event-key-typo`; either
//! answers with the doc's literal key, so a receiver can prove it reads only
//! what it needs (`hook.id`) and survives the doc being right about its own typo.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use serde_json::{Map, Value, json};

use super::auth::{ClientAuth, Token, TokenRequest, basic_authorization, basic_credentials};
use super::{ApiState, Credentials, Registration};
use crate::providers::ProviderId;
use crate::signing::{hmac_sha256_hex, verify_hmac_sha256_hex};

/// Documented: where a key pair is exchanged for a token (below the auth host).
pub const TOKEN_PATH: &str = "/auth/oauth/v1/token";

/// Documented: what a token request's body holds.
pub const TOKEN_REQUEST_BODY: &str = r#"{"scope":"openid","grant_type":"client_credentials"}"#;

/// Documented: a token lasts 30 minutes (`expires_in`).
pub const TOKEN_LIFETIME_S: u64 = 1800;

/// A key pair that is user level, not client level (assumed, for manual use
/// with `hooksim serve`): it gets tokens, with the scenario's secret, and
/// their hook calls are 403.
pub const USER_LEVEL_API_KEY: &str = "hooksim-user-level-key";

/// Where the API that answers with the doc's `"event:"` key is mounted.
pub const EVENT_KEY_TYPO_PREFIX: &str = "/quirks/event-key-typo";

/// The client every hook belongs to: the doc's example client (assumed:
/// one client per token, and the scenario's token is that client's).
pub const CLIENT_ID: u64 = 434;

/// Hook ids count up from here, so the first is the doc's example id 223443
/// (assumed format: the doc shows one integer id).
const HOOK_ID_BASE: u64 = 223_442;

/// The key a hook's event is answered under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventKey {
    /// `"event"`, as the request spells it.
    Plain,
    /// `"event:"`, as the doc's response example literally spells it.
    DocTypo,
}

impl EventKey {
    fn as_str(self) -> &'static str {
        match self {
            Self::Plain => "event",
            Self::DocTypo => "event:",
        }
    }
}

/// The token endpoint, `/hooks`, `/hooks/{id}`, and the hooks again under
/// [`EVENT_KEY_TYPO_PREFIX`].
pub fn routes() -> Router<ApiState> {
    Router::new()
        .route(TOKEN_PATH, post(issue_token))
        .route("/hooks", post(create_hook))
        .route("/hooks/{id}", delete(delete_hook))
        .route(
            &format!("{EVENT_KEY_TYPO_PREFIX}/hooks"),
            post(create_hook_with_doc_typo),
        )
        .route(
            &format!("{EVENT_KEY_TYPO_PREFIX}/hooks/{{id}}"),
            delete(delete_hook),
        )
}

/// An error as this API answers it: `{"code": STATUS, "message": TEXT}` (assumed shape).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"code": self.status.as_u16(), "message": self.message});
        (self.status, axum::Json(body)).into_response()
    }
}

/// What a PF Expert client sends: its key pair as HTTP Basic to
/// [`TOKEN_PATH`] with [`TOKEN_REQUEST_BODY`] (documented), then the issued
/// `access_token` as Bearer.
pub fn client_auth(credentials: &Credentials) -> ClientAuth {
    ClientAuth {
        token_request: Some(TokenRequest {
            path: TOKEN_PATH,
            authorization: Some(basic_authorization(
                &credentials.client_id,
                &credentials.client_secret,
            )),
            content_type: "application/json",
            body: TOKEN_REQUEST_BODY.to_owned(),
        }),
        schemes: &["Bearer"],
        token: Token::Issued {
            field: "access_token",
        },
        required_headers: &[],
        others: vec![
            (
                format!(
                    "API key {}, secret {}",
                    credentials.client_id, credentials.client_secret
                ),
                "the client level key pair the Basic header above carries",
            ),
            (
                format!("API key {USER_LEVEL_API_KEY} (same secret)"),
                "user level, not client level: hooks answer 403",
            ),
        ],
    }
}

/// Whose credentials a token was issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyLevel {
    /// Client level: may register hooks (documented as required).
    Client,
    /// A user's: may not (assumed answer 403).
    User,
}

impl KeyLevel {
    fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::User => "user",
        }
    }

    /// The level of the key pair `api_key`:`api_secret`, if this API knows it.
    fn of(credentials: &Credentials, api_key: &str, api_secret: &str) -> Option<Self> {
        if api_secret != credentials.client_secret {
            None
        } else if api_key == credentials.client_id {
            Some(Self::Client)
        } else if api_key == USER_LEVEL_API_KEY {
            Some(Self::User)
        } else {
            None
        }
    }
}

/// A token is `pfexpert.LEVEL.N.MAC`: the key pair's level, a serial and an
/// HMAC over both under the API secret. The API checks a token by
/// recomputing the MAC, so it keeps none, and a run always issues the same.
fn token_for(credentials: &Credentials, level: KeyLevel, serial: u64) -> String {
    let claims = format!("pfexpert.{}.{serial}", level.as_str());
    let mac = hmac_sha256_hex(credentials.client_secret.as_bytes(), claims.as_bytes());
    format!("{claims}.{mac}")
}

/// The level of a token this API issued; `None` for any other string.
fn level_of(credentials: &Credentials, token: &str) -> Option<KeyLevel> {
    let (claims, mac) = token.rsplit_once('.')?;
    if !verify_hmac_sha256_hex(credentials.client_secret.as_bytes(), claims.as_bytes(), mac) {
        return None;
    }
    match claims.split('.').nth(1)? {
        "client" => Some(KeyLevel::Client),
        "user" => Some(KeyLevel::User),
        _ => None,
    }
}

/// Why the token endpoint refused: an OAuth 2 error (RFC 6749 § 5.2; the
/// shape is assumed, PF Expert documents no refusal).
#[derive(Debug, Clone, PartialEq, Eq)]
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn bad_request(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    /// Client authentication in the `Authorization` header failed: 401 and
    /// a challenge, as § 5.2 asks for that case.
    fn invalid_client(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: description.into(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"PF Expert\""),
            );
        }
        response
    }
}

/// The level of the key pair a token request authenticates with.
fn authenticate_client(
    credentials: &Credentials,
    headers: &HeaderMap,
) -> Result<KeyLevel, OAuthError> {
    let (api_key, api_secret) = basic_credentials(headers).ok_or_else(|| {
        OAuthError::invalid_client("send the API key and secret as HTTP Basic: apiKey:apiSecret")
    })?;
    KeyLevel::of(credentials, &api_key, &api_secret)
        .ok_or_else(|| OAuthError::invalid_client("unknown API key or wrong API secret"))
}

/// A token request's body must ask for the documented grant and scope.
fn check_grant(body: &[u8]) -> Result<(), OAuthError> {
    let request: Map<String, Value> = serde_json::from_slice(body).map_err(|error| {
        OAuthError::bad_request(
            "invalid_request",
            format!("expected the JSON body {TOKEN_REQUEST_BODY}: {error}"),
        )
    })?;
    match request.get("grant_type").and_then(Value::as_str) {
        Some("client_credentials") => {}
        Some(other) => {
            return Err(OAuthError::bad_request(
                "unsupported_grant_type",
                format!("grant_type `{other}` is not supported; use client_credentials"),
            ));
        }
        None => {
            return Err(OAuthError::bad_request(
                "invalid_request",
                "grant_type is missing or not a string",
            ));
        }
    }
    let asked = request.get("scope").and_then(Value::as_str).unwrap_or("");
    let scopes: Vec<&str> = asked.split_whitespace().collect();
    if scopes != ["openid"] {
        return Err(OAuthError::bad_request(
            "invalid_scope",
            format!("scope `{asked}` is not granted; ask for `openid`"),
        ));
    }
    Ok(())
}

/// `POST /auth/oauth/v1/token`: HTTP Basic key pair and the documented
/// body, answered with a Bearer token for 1800 s.
async fn issue_token(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let credentials = state.credentials();
    let level = authenticate_client(&credentials, &headers)?;
    check_grant(&body)?;
    let serial = {
        let mut world = state.world();
        world.tokens_issued += 1;
        world.tokens_issued
    };
    let answer = json!({
        "access_token": token_for(&credentials, level, serial),
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_S,
    });
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(answer)).into_response())
}

/// Hooks need a client level token (documented); what each other answer is, assumed.
fn require_client_token(state: &ApiState, headers: &HeaderMap) -> Result<(), ApiError> {
    let (credentials, conditions) = {
        let world = state.world();
        (world.credentials.clone(), world.conditions.clone())
    };
    let token = client_auth(&credentials)
        .presented_token(headers)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                format!(
                    "a client level token is required: Authorization: Bearer <access_token> from POST {TOKEN_PATH}"
                ),
            )
        })?;
    match level_of(&credentials, token) {
        None => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid token")),
        // A scenario may make the client's own key pair a user's.
        Some(KeyLevel::Client) if !conditions.token_read_only => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this token is not client level; hooks need a client level token from customer care",
        )),
    }
}

/// True for an absolute `http://` or `https://` URL with a host: somewhere a
/// provider can POST to.
pub(super) fn is_http_url(text: &str) -> bool {
    text.parse::<Uri>().is_ok_and(|uri| {
        matches!(uri.scheme_str(), Some("http" | "https"))
            && uri.host().is_some_and(|host| !host.is_empty())
    })
}

/// The `event` and `target` of a `{"hook": {...}}` body.
fn read_hook_request(body: &[u8]) -> Result<(String, String), ApiError> {
    let bad_request = |why: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("expected {{\"hook\": {{\"event\": ..., \"target\": ...}}}}: {why}"),
        )
    };
    let request: Value =
        serde_json::from_slice(body).map_err(|error| bad_request(&error.to_string()))?;
    let hook = request
        .get("hook")
        .filter(|hook| hook.is_object())
        .ok_or_else(|| bad_request("no `hook` object"))?;
    let text = |name: &str| {
        hook.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| bad_request(&format!("`hook.{name}` is missing or not a string")))
    };
    let event = text("event")?;
    let target = text("target")?;
    let known = ProviderId::PropertyFinder.provider().event(&event).is_ok();
    if !known {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("unknown event `{event}`: see the available events"),
        ));
    }
    if !is_http_url(&target) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("target `{target}` is not an http(s) URL"),
        ));
    }
    Ok((event, target))
}

type Created = (StatusCode, axum::Json<Value>);

/// `POST /hooks`, answered with the key the request used.
async fn create_hook(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Created, ApiError> {
    // A scenario may ask for the answer as the documentation prints it.
    let key = if state.conditions().event_key_typo {
        EventKey::DocTypo
    } else {
        EventKey::Plain
    };
    register_hook(&state, &headers, &body, key)
}

/// `POST /quirks/event-key-typo/hooks`, answered with the doc's `"event:"`.
async fn create_hook_with_doc_typo(
    State(state): State<ApiState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Created, ApiError> {
    register_hook(&state, &headers, &body, EventKey::DocTypo)
}

/// Register `target` for `event`, replacing the client's earlier hook for
/// that event (one endpoint per event, documented; replacing rather than
/// refusing, assumed).
fn register_hook(
    state: &ApiState,
    headers: &HeaderMap,
    body: &[u8],
    key: EventKey,
) -> Result<Created, ApiError> {
    require_client_token(state, headers)?;
    let (event, target) = read_hook_request(body)?;
    let mut world = state.world();
    let id = HOOK_ID_BASE + world.next_id();
    world.registrations.retain(|r| {
        !(r.provider == ProviderId::PropertyFinder && r.event.as_deref() == Some(event.as_str()))
    });
    world.registrations.push(Registration {
        provider: ProviderId::PropertyFinder,
        id: id.to_string(),
        event: Some(event.clone()),
        url: target.clone(),
        active: true,
        secret: None,
    });
    let mut hook = serde_json::Map::new();
    hook.insert("id".to_owned(), Value::from(id));
    hook.insert(key.as_str().to_owned(), Value::from(event));
    hook.insert("target".to_owned(), Value::from(target));
    hook.insert("client".to_owned(), json!({"id": CLIENT_ID}));
    Ok((StatusCode::CREATED, axum::Json(json!({"hook": hook}))))
}

/// `DELETE /hooks/{id}`: the hook stops receiving at once.
async fn delete_hook(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    require_client_token(&state, &headers)?;
    let mut world = state.world();
    let before = world.registrations.len();
    world
        .registrations
        .retain(|r| !(r.provider == ProviderId::PropertyFinder && r.id == id));
    if world.registrations.len() == before {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no hook {id} for this client"),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_carries_its_key_level_and_cannot_be_altered() {
        let credentials = Credentials::default();
        let client = token_for(&credentials, KeyLevel::Client, 1);
        let user = token_for(&credentials, KeyLevel::User, 2);
        assert_eq!(level_of(&credentials, &client), Some(KeyLevel::Client));
        assert_eq!(level_of(&credentials, &user), Some(KeyLevel::User));
        let raised = user.replacen(".user.", ".client.", 1);
        assert_eq!(level_of(&credentials, &raised), None);
        assert_eq!(level_of(&credentials, &credentials.token), None);
        assert_eq!(level_of(&credentials, ""), None);
        let other = Credentials {
            client_secret: "another secret".to_owned(),
            ..Credentials::default()
        };
        assert_eq!(level_of(&other, &client), None);
    }

    #[test]
    fn key_pairs_are_client_or_user_level_and_need_the_secret() {
        let credentials = Credentials::default();
        let secret = credentials.client_secret.as_str();
        assert_eq!(
            KeyLevel::of(&credentials, &credentials.client_id, secret),
            Some(KeyLevel::Client)
        );
        assert_eq!(
            KeyLevel::of(&credentials, USER_LEVEL_API_KEY, secret),
            Some(KeyLevel::User)
        );
        assert_eq!(
            KeyLevel::of(&credentials, &credentials.client_id, "x"),
            None
        );
        assert_eq!(KeyLevel::of(&credentials, "someone", secret), None);
    }

    #[test]
    fn the_token_request_must_ask_for_client_credentials_and_openid() {
        assert_eq!(check_grant(TOKEN_REQUEST_BODY.as_bytes()), Ok(()));
        let error = |body: &str| check_grant(body.as_bytes()).map_err(|e| (e.status, e.error));
        let bad = |error: &'static str| Err((StatusCode::BAD_REQUEST, error));
        assert_eq!(error("scope=openid"), bad("invalid_request"));
        assert_eq!(error(r#"{"scope":"openid"}"#), bad("invalid_request"));
        assert_eq!(
            error(r#"{"scope":"openid","grant_type":"password"}"#),
            bad("unsupported_grant_type")
        );
        assert_eq!(
            error(r#"{"grant_type":"client_credentials"}"#),
            bad("invalid_scope")
        );
        assert_eq!(
            error(r#"{"scope":"openid profile","grant_type":"client_credentials"}"#),
            bad("invalid_scope")
        );
    }

    #[test]
    fn only_absolute_http_urls_are_targets() {
        for good in [
            "http://custom-platform.com/create-lead.php",
            "https://crm.example/hooks?x=1",
            "http://127.0.0.1:8080/propertyfinder",
        ] {
            assert!(is_http_url(good), "{good}");
        }
        for bad in [
            "",
            "/propertyfinder",
            "ftp://host/x",
            "custom-platform.com",
            "http://",
        ] {
            assert!(!is_http_url(bad), "{bad}");
        }
    }

    #[test]
    fn reads_the_documented_request_and_refuses_the_rest() {
        let documented = br#"{"hook":{"event":"lead.new","target":"http://custom-platform.com/create-lead.php"}}"#;
        assert_eq!(
            read_hook_request(documented),
            Ok((
                "lead.new".to_owned(),
                "http://custom-platform.com/create-lead.php".to_owned()
            ))
        );
        let status = |body: &[u8]| read_hook_request(body).map_err(|e| e.status);
        assert_eq!(status(b"not json"), Err(StatusCode::BAD_REQUEST));
        assert_eq!(
            status(br#"{"event":"lead.new","target":"http://a.b/"}"#),
            Err(StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            status(br#"{"hook":{"event":"lead.new"}}"#),
            Err(StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            status(br#"{"hook":{"event":"property.updated","target":"http://a.b/"}}"#),
            Err(StatusCode::UNPROCESSABLE_ENTITY)
        );
        assert_eq!(
            status(br#"{"hook":{"event":"lead.new","target":"/relative"}}"#),
            Err(StatusCode::UNPROCESSABLE_ENTITY)
        );
    }
}
