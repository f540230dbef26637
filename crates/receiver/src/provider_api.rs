//! What every receiver needs to connect itself through a provider's API the
//! way a customer's system does: a JSON client, the connections made (by
//! name, so scenarios sharing one receiver stay apart), and the answers a
//! connect request gets.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::answer::{Acknowledged, Rejection};

/// The connection a request without a `connection` name means.
pub(crate) const DEFAULT_CONNECTION: &str = "default";

/// The longest connection name taken: it becomes a path segment.
const MAX_CONNECTION_NAME: usize = 64;

/// A provider API that has not answered by then is reported as unreachable,
/// well before a caller of `/connect` gives up on us.
const API_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// At most this much of a refusal is passed back to whoever asked to connect.
const REFUSAL_EXCERPT_BYTES: usize = 1024;

/// Connections by name. A production receiver keeps them in its database.
pub(crate) struct Connections<T> {
    by_name: Mutex<HashMap<String, T>>,
}

impl<T: Clone> Connections<T> {
    pub(crate) fn new() -> Self {
        Self {
            by_name: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<T> {
        self.lock().get(name).cloned()
    }

    /// The connection called `name`, or the 404 for a name never connected.
    pub(crate) fn known(&self, name: &str) -> Result<T, ConnectFailure> {
        self.get(name)
            .ok_or_else(|| ConnectFailure::unknown_connection(name))
    }

    pub(crate) fn insert(&self, name: &str, connection: T) {
        self.lock().insert(name.to_owned(), connection);
    }

    pub(crate) fn remove(&self, name: &str) -> Option<T> {
        self.lock().remove(name)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, T>> {
        // Every update is one insert or remove: a panicked holder cannot
        // leave the map half-written, so keep serving.
        self.by_name.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A delivery to `{route}/connections/{name}`, handed to `accept` with the
/// connection it is for; a name never connected is 404, since no webhook of
/// ours points there.
pub(crate) fn deliver_to_connection<T: Clone>(
    connections: &Connections<T>,
    name: &str,
    body: Result<Bytes, BytesRejection>,
    accept: impl FnOnce(&T, &[u8]) -> Result<Acknowledged, Rejection>,
) -> Response {
    let known = match connections.known(name) {
        Ok(known) => known,
        Err(unknown) => return unknown.into_response(),
    };
    match body {
        Ok(body) => accept(&known, &body).into_response(),
        Err(rejection) => Rejection::from(rejection).into_response(),
    }
}

/// `name`, or [`DEFAULT_CONNECTION`], if it can stand as one path segment.
pub(crate) fn connection_name(name: Option<&str>) -> Result<String, ConnectFailure> {
    let name = name.unwrap_or(DEFAULT_CONNECTION);
    let fits = !name.is_empty()
        && name.len() <= MAX_CONNECTION_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if fits {
        Ok(name.to_owned())
    } else {
        Err(ConnectFailure::BadRequest(format!(
            "`connection` must be 1 to {MAX_CONNECTION_NAME} letters, digits, `-` or `_`"
        )))
    }
}

/// The JSON body of a connect or disconnect request; `expected` names its
/// required members for the error.
pub(crate) fn read_request<T: DeserializeOwned>(
    body: &[u8],
    expected: &str,
) -> Result<T, ConnectFailure> {
    serde_json::from_slice(body)
        .map_err(|error| ConnectFailure::BadRequest(format!("expected {expected}: {error}")))
}

/// Where the provider should deliver a connection's events: this receiver
/// as the caller reached it (its `Host`), at `{route}/connections/{name}`.
pub(crate) fn webhook_url(
    headers: &HeaderMap,
    route: &str,
    connection: &str,
) -> Result<String, ConnectFailure> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            ConnectFailure::BadRequest(
                "no Host header: cannot tell the provider where to reach this receiver".to_owned(),
            )
        })?;
    Ok(format!("http://{host}{route}/connections/{connection}"))
}

/// A JSON client for a provider API.
#[derive(Debug, Clone)]
pub(crate) struct ApiClient {
    client: reqwest::Client,
}

/// What a provider API answered to one call.
#[derive(Debug)]
pub(crate) struct ApiAnswer {
    /// `POST http://.../hooks`, for messages.
    pub(crate) call: String,
    pub(crate) status: u16,
    /// The body as JSON; as a string when it is not JSON; null when empty.
    pub(crate) body: Value,
}

impl ApiClient {
    pub(crate) fn new() -> Result<Self, ConnectFailure> {
        Self::with_headers(HeaderMap::new())
    }

    /// A client that sends `headers` on every call (Spark's user agent header).
    pub(crate) fn with_headers(headers: HeaderMap) -> Result<Self, ConnectFailure> {
        // No proxy: a provider API on loopback must be reached directly.
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(API_CALL_TIMEOUT)
            .default_headers(headers)
            .build()
            .map_err(|error| ConnectFailure::Internal(format!("no HTTP client: {error}")))?;
        Ok(Self { client })
    }

    /// `method url`, with `token` as `Authorization: Bearer` and `body` as JSON.
    pub(crate) async fn call(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<ApiAnswer, ConnectFailure> {
        let call = format!("{method} {url}");
        let mut request = self.client.request(method, url);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(call, request, body).await
    }

    /// `POST url` with `user:password` as HTTP Basic and `body` as JSON: a
    /// token request that authenticates in the header (PF Expert's).
    pub(crate) async fn call_with_basic_auth(
        &self,
        url: &str,
        (user, password): (&str, &str),
        body: &Value,
    ) -> Result<ApiAnswer, ConnectFailure> {
        let request = self.client.post(url).basic_auth(user, Some(password));
        self.send(format!("POST {url}"), request, Some(body)).await
    }

    /// Send `request` (`call` names it in messages) with `body` as JSON.
    async fn send(
        &self,
        call: String,
        mut request: reqwest::RequestBuilder,
        body: Option<&Value>,
    ) -> Result<ApiAnswer, ConnectFailure> {
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let unreachable = |error: reqwest::Error| ConnectFailure::Unreachable {
            call: call.clone(),
            error: error.to_string(),
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(unreachable)?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                let kept = &bytes[..bytes.len().min(REFUSAL_EXCERPT_BYTES)];
                Value::String(String::from_utf8_lossy(kept).into_owned())
            })
        };
        Ok(ApiAnswer { call, status, body })
    }
}

impl ApiAnswer {
    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body of a 2xx answer; anything else is a refusal.
    pub(crate) fn expect_success(self) -> Result<Value, ConnectFailure> {
        if self.is_success() {
            Ok(self.body)
        } else {
            Err(self.refused())
        }
    }

    /// For a deletion: gone already (404) is as good as deleted now.
    pub(crate) fn expect_deleted(self) -> Result<(), ConnectFailure> {
        if self.is_success() || self.status == 404 {
            Ok(())
        } else {
            Err(self.refused())
        }
    }

    /// This answer as the reason a connect request failed.
    pub(crate) fn refused(self) -> ConnectFailure {
        ConnectFailure::Refused {
            call: self.call,
            status: self.status,
            body: self.body,
        }
    }
}

/// Why a connect or disconnect request did not succeed. Answered as
/// `{"registered": false, "error": TEXT}`, plus `api_status` and `api_answer`
/// when the provider API refused, so the caller sees the provider's reason.
#[derive(Debug)]
pub(crate) enum ConnectFailure {
    /// The request to us is wrong (400).
    BadRequest(String),
    /// No connection of that name was made here (404).
    UnknownConnection(String),
    /// The provider API could not be reached or did not answer in time (502).
    Unreachable { call: String, error: String },
    /// The provider API answered with an error (502).
    Refused {
        call: String,
        status: u16,
        body: Value,
    },
    /// The provider API answered 2xx without what it documents (502).
    Unexpected { call: String, why: String },
    /// We could not even start (500).
    Internal(String),
}

impl ConnectFailure {
    pub(crate) fn unknown_connection(name: &str) -> Self {
        Self::UnknownConnection(name.to_owned())
    }

    pub(crate) fn unexpected(call: &str, why: &str) -> Self {
        Self::Unexpected {
            call: call.to_owned(),
            why: why.to_owned(),
        }
    }
}

impl IntoResponse for ConnectFailure {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            Self::BadRequest(why) => (StatusCode::BAD_REQUEST, json!({"error": why})),
            Self::UnknownConnection(name) => (
                StatusCode::NOT_FOUND,
                json!({"error": format!("no connection named `{name}` was made here")}),
            ),
            Self::Unreachable { call, error } => (
                StatusCode::BAD_GATEWAY,
                json!({"error": format!("{call} got no answer: {error}")}),
            ),
            Self::Refused { call, status, body } => (
                StatusCode::BAD_GATEWAY,
                json!({
                    "error": format!("{call} was refused with {status}"),
                    "api_status": status,
                    "api_answer": body,
                }),
            ),
            Self::Unexpected { call, why } => (
                StatusCode::BAD_GATEWAY,
                json!({"error": format!("{call}: {why}")}),
            ),
            Self::Internal(why) => (StatusCode::INTERNAL_SERVER_ERROR, json!({"error": why})),
        };
        let mut body = body;
        // A connect that failed registered nothing new; a 404 is about a
        // name, not a registration, so it says only that.
        if status != StatusCode::NOT_FOUND {
            body["registered"] = Value::Bool(false);
        }
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_names_are_one_safe_path_segment() {
        assert_eq!(connection_name(None).ok().as_deref(), Some("default"));
        assert_eq!(
            connection_name(Some("c41234")).ok().as_deref(),
            Some("c41234")
        );
        for bad in ["", "a/b", "../x", "a b", &"x".repeat(65)] {
            assert!(
                matches!(
                    connection_name(Some(bad)),
                    Err(ConnectFailure::BadRequest(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_webhook_url_is_this_receiver_as_the_caller_reached_it() {
        let mut headers = HeaderMap::new();
        assert!(webhook_url(&headers, "/propertyfinder", "c1").is_err());
        headers.insert(
            header::HOST,
            "127.0.0.1:4000".parse().expect("a header value"),
        );
        assert_eq!(
            webhook_url(&headers, "/propertyfinder", "c1")
                .ok()
                .as_deref(),
            Some("http://127.0.0.1:4000/propertyfinder/connections/c1")
        );
    }

    #[test]
    fn a_deletion_of_something_gone_counts_as_done() {
        let answer = |status| ApiAnswer {
            call: "DELETE http://api/hooks/1".to_owned(),
            status,
            body: Value::Null,
        };
        assert!(answer(204).expect_deleted().is_ok());
        assert!(answer(404).expect_deleted().is_ok());
        assert!(matches!(
            answer(401).expect_deleted(),
            Err(ConnectFailure::Refused { status: 401, .. })
        ));
        assert!(answer(404).expect_success().is_err());
    }
}
