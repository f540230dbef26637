//! PF Expert's hook registration API, as a PF Expert client's CRM calls it:
//! `POST /hooks` and `DELETE /hooks/{id}`.
//!
//! Source: PF Expert "Hooks" (<https://expert.propertyfinder.ae/documentation/hook>,
//! sections "Create hook" and "Delete hook"). Documented
//! there: the two endpoints; the request `{"hook": {"event", "target"}}`; the
//! response, a Hook object `{"hook": {"id", "event:", "target", "client":
//! {"id"}}}` (the doc's `"event:"` key is a typo, see below); the 22 events;
//! that a client level token is needed (customer care hands it out: it is
//! `{{api.token}}` here, sent as `Authorization: Bearer`); that a client can
//! subscribe only one endpoint per event.
//!
//! Assumed (the doc shows neither statuses nor error bodies): 201 for a new
//! hook and 204 for a deletion; a missing or unknown token is 401 and a token
//! that is not client level (`{{api.read_only_token}}` plays a user's token)
//! is 403; a body that is not a hook is 400 and an unknown event or a target
//! that is not an http(s) URL is 422; an unknown hook id is 404; every error
//! body is `{"code": STATUS, "message": TEXT}`; a second hook for an event
//! REPLACES the first (the earlier id is gone), because no endpoint lists
//! hooks, so a client refused for a hook whose id it lost could never free
//! the event again; the client behind the token is 434 (the doc's example).
//!
//! The `"event:"` typo is opt-in: a scenario turns it on for the whole API
//! (`api: { event_key_typo: true }`, for a receiver configured once), or
//! hands the receiver the same API under `/quirks/event-key-typo`; either
//! answers with the doc's literal key, so a receiver can prove it reads only
//! what it needs (`hook.id`) and survives the doc being right about its own typo.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use serde_json::{Value, json};

use super::auth::ClientAuth;
use super::{ApiState, Credentials, Registration};
use crate::providers::ProviderId;

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

/// `/hooks`, `/hooks/{id}`, and the same under [`EVENT_KEY_TYPO_PREFIX`].
pub fn routes() -> Router<ApiState> {
    Router::new()
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

/// What a PF Expert client sends: its client level token as Bearer
/// (documented: customer care hands it out).
pub fn client_auth(credentials: &Credentials) -> ClientAuth {
    ClientAuth {
        others: vec![(
            format!("user token {}", credentials.read_only_token),
            "not client level: hooks answer 403",
        )],
        ..ClientAuth::bearer(&credentials.token)
    }
}

/// Hooks need a client level token (documented); what each other answer is, assumed.
fn require_client_token(state: &ApiState, headers: &HeaderMap) -> Result<(), ApiError> {
    let (credentials, conditions) = {
        let world = state.world();
        (world.credentials.clone(), world.conditions.clone())
    };
    match client_auth(&credentials).presented_token(headers) {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "a client level token is required: Authorization: Bearer <token>",
        )),
        Some(token) if token == credentials.token && !conditions.token_read_only => Ok(()),
        Some(token) if token == credentials.token || token == credentials.read_only_token => {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "this token is not client level; hooks need a client level token from customer care",
            ))
        }
        Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid token")),
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
