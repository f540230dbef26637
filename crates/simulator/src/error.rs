use crate::providers::ProviderId;

/// Everything the simulator can refuse to do.
#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    #[error("unknown provider `{0}`")]
    UnknownProvider(String),
    #[error("{provider} has no event `{event}`")]
    UnknownEvent { provider: ProviderId, event: String },
    #[error("{provider} has no payload contract for `{event}`")]
    NoContract {
        provider: ProviderId,
        event: &'static str,
    },
    #[error("cannot set `{path}`: {reason}")]
    InvalidOverride { path: String, reason: String },
    #[error("invalid target URL `{url}`: {reason}")]
    InvalidTarget { url: String, reason: String },
    #[error("CA certificate file {}: {reason}", path.display())]
    CaCertificate {
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}
