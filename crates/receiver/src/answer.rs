//! How an endpoint answers a delivery, the same way for every provider: a
//! `200` once the work is handed to a background task, or a refusal whose
//! status says why. Each provider module decides which answer a delivery
//! gets, and says there why that is right for that provider.

use std::fmt;

use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tracing::{Instrument, Span};

/// Every way an endpoint turns a delivery away, and the status each gets.
/// The body is always `{"error": "..."}`, for whoever reads the provider's
/// delivery log.
#[derive(Debug)]
pub(crate) enum Rejection {
    /// Too large (413) or cut off mid-read.
    UnreadableBody(BytesRejection),
    /// A signed delivery without its signature header (401).
    MissingSignature { header: &'static str },
    /// No signature in the header matches the body under a trusted key
    /// (401); malformed values (bad hex, wrong length, empty) end up here too.
    SignatureMismatch { header: &'static str },
    /// Read (and verified, where signed) but not the body the provider
    /// documents (400); `expected` names that body.
    NotUnderstood {
        expected: &'static str,
        error: String,
    },
}

impl Rejection {
    /// The body is not `expected` (`"a Spark news feed notification"`), for
    /// the reason `error` gives.
    pub(crate) fn not_understood(expected: &'static str, error: impl fmt::Display) -> Self {
        Self::NotUnderstood {
            expected,
            error: error.to_string(),
        }
    }
}

impl From<BytesRejection> for Rejection {
    fn from(rejection: BytesRejection) -> Self {
        Self::UnreadableBody(rejection)
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::UnreadableBody(rejection) => (rejection.status(), rejection.body_text()),
            Self::MissingSignature { header } => {
                (StatusCode::UNAUTHORIZED, format!("missing {header} header"))
            }
            // One answer for a wrong key, bad hex or a wrong length: telling
            // a forger which one it was helps only the forger.
            Self::SignatureMismatch { header } => (
                StatusCode::UNAUTHORIZED,
                format!("{header} does not match the body"),
            ),
            // 400, never 2xx: every provider here retries a failed delivery,
            // so it stays visible as failing while the parser is fixed and a
            // fixed receiver still gets it; an acknowledgement would lose it.
            Self::NotUnderstood { expected, error } => (
                StatusCode::BAD_REQUEST,
                format!("body is not {expected}: {error}"),
            ),
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}

/// A delivery taken in: `200 {"received": true}`. Exactly 200 because it is
/// the one status every provider here counts as delivered (Hemnet accepts
/// nothing else; the rest accept any 2xx).
#[derive(Debug)]
pub(crate) struct Acknowledged;

impl IntoResponse for Acknowledged {
    fn into_response(self) -> Response {
        Json(json!({ "received": true })).into_response()
    }
}

/// Answer now, work later: starts `work` in a background task inside `span`
/// (so its log lines name the delivery) and acknowledges at once, because a
/// slow answer is a failed attempt and brings the same delivery back.
///
/// An in-memory task dies with the process, and a provider does not resend
/// what it saw acknowledged: in production, write the delivery to a durable
/// queue (or an outbox table) here instead.
pub(crate) fn hand_off_and_acknowledge(
    span: Span,
    work: impl FnOnce() + Send + 'static,
) -> Acknowledged {
    tokio::spawn(async move { work() }.instrument(span));
    Acknowledged
}
