//! The credentials a scenario's provider APIs accept, and reading them off
//! requests.

use axum::http::HeaderMap;

/// What each provider API accepts. Fixed, documented strings: scenarios pass
/// them to the receiver under test (`{{api.token}}`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Bearer/API token for Spark (a write role) and EverReal.
    pub token: String,
    /// A Spark token of the Public role: reads only.
    pub read_only_token: String,
    /// Flow's OAuth2 client credentials, and the API key pairs of Atlas
    /// and PF Expert (PF Expert's a client level one).
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

/// How a client of one provider API gets in, with the values this server
/// accepts. `hooksim serve` prints it, and the API's own check reads the
/// schemes, the token and the required headers from it, so what is printed
/// is what is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAuth {
    /// Where the API issues its own tokens: ask for one first.
    pub token_request: Option<TokenRequest>,
    /// `Authorization` schemes accepted, the documented one first.
    pub schemes: &'static [&'static str],
    /// What follows the scheme.
    pub token: Token,
    /// Further headers every call must carry, each with a value that will
    /// do (any value but an empty one is accepted).
    pub required_headers: &'static [(&'static str, &'static str)],
    /// Other credentials the API knows, each with what it stands for.
    pub others: Vec<(String, &'static str)>,
}

/// The token of the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A token the provider hands out beforehand (a developer page, customer care).
    Fixed(String),
    /// The named field of the token request's JSON answer.
    Issued { field: &'static str },
}

/// A token request: `POST {base}{path}` with this body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// Below the API's base URL.
    pub path: &'static str,
    /// The request's `Authorization` value, where the client authenticates
    /// in a header rather than the body (PF Expert's HTTP Basic).
    pub authorization: Option<String>,
    pub content_type: &'static str,
    pub body: String,
}

/// `Basic base64(user:password)`, as RFC 7617 builds it.
pub fn basic_authorization(user: &str, password: &str) -> String {
    use base64::Engine as _;
    let pair = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {pair}")
}

/// The `(user, password)` of a request's `Authorization: Basic` header;
/// `None` without one, or when it does not decode to `user:password`.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine as _;
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let pair = String::from_utf8(decoded).ok()?;
    let (user, password) = pair.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

impl ClientAuth {
    /// `Authorization: Bearer TOKEN` with a fixed token, and nothing else.
    pub fn bearer(token: &str) -> Self {
        Self {
            token_request: None,
            schemes: &["Bearer"],
            token: Token::Fixed(token.to_owned()),
            required_headers: &[],
            others: Vec::new(),
        }
    }

    /// The token a request carries under one of the accepted schemes.
    pub fn presented_token<'h>(&self, headers: &'h HeaderMap) -> Option<&'h str> {
        let value = headers
            .get(axum::http::header::AUTHORIZATION)?
            .to_str()
            .ok()?;
        let (scheme, token) = value.split_once(' ')?;
        self.schemes
            .iter()
            .any(|accepted| scheme.eq_ignore_ascii_case(accepted))
            .then_some(token.trim())
    }

    /// True when the request carries the fixed token.
    pub fn accepts(&self, headers: &HeaderMap) -> bool {
        match (&self.token, self.presented_token(headers)) {
            (Token::Fixed(expected), Some(token)) => token == expected,
            _ => false,
        }
    }

    /// The first required header a request lacks or sends empty.
    pub fn missing_header(&self, headers: &HeaderMap) -> Option<&'static str> {
        self.required_headers
            .iter()
            .map(|(name, _)| *name)
            .find(|name| {
                headers
                    .get(*name)
                    .and_then(|value| value.to_str().ok())
                    .is_none_or(|value| value.trim().is_empty())
            })
    }

    /// The `Authorization` value a client sends, in the documented scheme;
    /// an issued token shows as `<field>`.
    pub fn authorization(&self) -> String {
        let scheme = self.schemes.first().copied().unwrap_or("Bearer");
        match &self.token {
            Token::Fixed(token) => format!("{scheme} {token}"),
            Token::Issued { field } => format!("{scheme} <{field}>"),
        }
    }
}

/// A header map of `pairs`, for the APIs' unit tests.
#[cfg(test)]
pub(crate) fn header_map(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let value = axum::http::HeaderValue::from_str(value).expect("a test header value");
        map.insert(*name, value);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::header_map as headers;
    use super::*;

    #[test]
    fn tokens_come_under_the_accepted_schemes_only() {
        let auth = ClientAuth {
            schemes: &["Bearer", "OAuth"],
            ..ClientAuth::bearer("abc")
        };
        for value in ["Bearer abc", "bearer abc", "OAuth abc"] {
            let sent = headers(&[("authorization", value)]);
            assert_eq!(auth.presented_token(&sent), Some("abc"), "{value}");
            assert!(auth.accepts(&sent), "{value}");
        }
        assert_eq!(
            auth.presented_token(&headers(&[("authorization", "Basic abc")])),
            None
        );
        assert_eq!(auth.presented_token(&HeaderMap::new()), None);
        assert!(!auth.accepts(&headers(&[("authorization", "Bearer abd")])));
        assert_eq!(auth.authorization(), "Bearer abc");
    }

    #[test]
    fn basic_credentials_read_back_what_basic_authorization_writes() {
        let value = basic_authorization("key", "se:cret");
        // RFC 7617's own example pair, to pin the encoding.
        assert_eq!(
            basic_authorization("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        let sent = headers(&[("authorization", &value)]);
        assert_eq!(
            basic_credentials(&sent),
            Some(("key".to_owned(), "se:cret".to_owned()))
        );
        for refused in ["Bearer a2V5OnNlY3JldA==", "Basic !!!", "Basic a2V5"] {
            assert_eq!(
                basic_credentials(&headers(&[("authorization", refused)])),
                None,
                "{refused}"
            );
        }
        assert_eq!(basic_credentials(&HeaderMap::new()), None);
    }

    #[test]
    fn required_headers_must_be_there_and_not_empty() {
        let auth = ClientAuth {
            required_headers: &[("x-agent", "me")],
            ..ClientAuth::bearer("abc")
        };
        assert_eq!(auth.missing_header(&HeaderMap::new()), Some("x-agent"));
        assert_eq!(
            auth.missing_header(&headers(&[("x-agent", " ")])),
            Some("x-agent")
        );
        assert_eq!(auth.missing_header(&headers(&[("x-agent", "me")])), None);
    }
}
