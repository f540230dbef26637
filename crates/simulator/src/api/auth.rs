//! The credentials a scenario's provider APIs accept, and reading them off
//! requests.

use axum::http::HeaderMap;

/// What each provider API accepts. Fixed, documented strings: scenarios pass
/// them to the receiver under test (`{{api.token}}`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Bearer/API token for Spark (a write role), PF Expert (client level) and EverReal.
    pub token: String,
    /// A Spark token of the Public role: reads only.
    pub read_only_token: String,
    /// Flow's OAuth2 client credentials, and Atlas's API key pair.
    pub client_id: String,
    pub client_secret: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Self {
            token: "hooksim-api-token".to_owned(),
            read_only_token: "hooksim-read-only-token".to_owned(),
            client_id: "hooksim-client".to_owned(),
            client_secret: "hooksim-client-secret".to_owned(),
        }
    }
}

/// The token of an `Authorization: Bearer TOKEN` header, if there is one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}
