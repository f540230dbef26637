//! What a receiver did with one attempt, named case by case.

use std::fmt;

/// The result of one delivery attempt as the provider sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The status satisfied the provider's success rule.
    Acknowledged { status: u16 },
    /// The receiver answered, but not with a status the provider accepts.
    Rejected { status: u16 },
    /// A 3xx: providers do not follow redirects, so the attempt failed.
    Redirect {
        status: u16,
        location: Option<String>,
    },
    /// Nothing listens at the target (TCP RST on connect).
    ConnectRefused,
    /// The connection (TCP, and for https the TLS handshake) did not open
    /// within the connect timeout, which ends before the response timeout
    /// does (see [`connect_budget`](crate::transport::connect_budget)).
    ConnectTimeout,
    /// Connected, but the full response did not arrive within the response timeout.
    ResponseTimeout,
    /// The receiver ended the connection, reset or closed, after its
    /// answer began: the answer was cut off (a body shorter than its
    /// `content-length`, a chunked body without its last chunk).
    Reset,
    /// The receiver ended the connection, closed or reset, before any of
    /// an answer (which of the two a client sees is the kernel's timing,
    /// so both are this).
    ClosedWithoutResponse,
    /// The receiver sent bytes that are not a valid HTTP response.
    MalformedResponse { detail: String },
    /// https: the receiver's certificate was refused (unknown issuer, expired, name mismatch, ...).
    TlsCertificate { detail: String },
    /// https: the TLS handshake failed for another reason (the port speaks plain http, no common version, ...).
    TlsHandshake { detail: String },
    /// The target could not be reached for another reason (DNS, ...).
    Unreachable { detail: String },
}

impl Outcome {
    pub fn is_acknowledged(&self) -> bool {
        matches!(self, Self::Acknowledged { .. })
    }

    /// The HTTP status, when the receiver answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Acknowledged { status }
            | Self::Rejected { status }
            | Self::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A short stable name for the kind of outcome (`acknowledged`, `reset`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Acknowledged { .. } => "acknowledged",
            Self::Rejected { .. } => "rejected",
            Self::Redirect { .. } => "redirect",
            Self::ConnectRefused => "connect-refused",
            Self::ConnectTimeout => "connect-timeout",
            Self::ResponseTimeout => "response-timeout",
            Self::Reset => "reset",
            Self::ClosedWithoutResponse => "closed-without-response",
            Self::MalformedResponse { .. } => "malformed-response",
            Self::TlsCertificate { .. } => "tls-certificate",
            Self::TlsHandshake { .. } => "tls-handshake",
            Self::Unreachable { .. } => "unreachable",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Acknowledged { status } => write!(f, "acknowledged {status}"),
            Self::Rejected { status } => write!(f, "rejected {status}"),
            Self::Redirect {
                status,
                location: Some(to),
            } => write!(f, "redirect {status} to {to} (not followed)"),
            Self::Redirect {
                status,
                location: None,
            } => write!(f, "redirect {status} (not followed)"),
            Self::ConnectRefused => f.write_str("connection refused"),
            Self::ConnectTimeout => f.write_str("connect timeout"),
            Self::ResponseTimeout => f.write_str("response timeout"),
            Self::Reset => f.write_str("connection reset"),
            Self::ClosedWithoutResponse => f.write_str("closed without response"),
            Self::MalformedResponse { detail } => write!(f, "malformed response: {detail}"),
            Self::TlsCertificate { detail } => write!(f, "TLS certificate refused: {detail}"),
            Self::TlsHandshake { detail } => write!(f, "TLS handshake failed: {detail}"),
            Self::Unreachable { detail } => write!(f, "unreachable: {detail}"),
        }
    }
}
