//! hooksim-receiver: a correct webhook receiver for every provider hooksim
//! simulates, written the way we advise receiver teams to write theirs.
//!
//! It is the default target of `hooksim run`, so the built-in suites pass out
//! of the box, and it is living documentation: each provider's module shows,
//! step by step and with the reason for each step, how to verify, acknowledge
//! and deduplicate that provider's deliveries.
//!
//! Routes:
//! - `GET /health`: liveness.
//! - `POST /everreal`, `GET /everreal/notifications`, `POST /everreal/connect`,
//!   `/everreal/connections/{name}[/notifications]`: see [`everreal`].
//! - `POST /flow`, `GET /flow/events`, `POST /flow/connect`,
//!   `/flow/connections/{name}[/events]`: see [`flow`].
//! - `POST /hemnet`, `GET /hemnet/contacts`: see [`hemnet`].
//! - `POST /propertyfinder`, `GET /propertyfinder/notifications`: see [`propertyfinder`].
//! - `POST /propertyfinder-atlas[/signed]`, `GET /propertyfinder-atlas[/signed]/events`: see [`propertyfinder_atlas`].
//! - `POST /spark`, `GET /spark/events`: see [`spark`].

use std::io;
use std::net::SocketAddr;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::{error, info};

mod answer;
pub mod everreal;
pub mod flow;
pub mod hemnet;
pub mod propertyfinder;
pub mod propertyfinder_atlas;
mod provider_api;
mod signature;
pub mod spark;
mod store;

pub use hemnet::HemnetConfig;
pub use propertyfinder_atlas::AtlasConfig;

/// The key hooksim signs with unless a scenario says otherwise, so the
/// default receiver and the default simulator agree without setup.
pub const DEFAULT_TEST_SECRET: &str = "hooksim-test-secret";

/// Per-provider settings for the receiver.
#[derive(Debug, Clone, Default)]
pub struct ReceiverConfig {
    pub hemnet: HemnetConfig,
    pub propertyfinder_atlas: AtlasConfig,
}

impl ReceiverConfig {
    /// Refuses configurations that could only reject every delivery or, worse,
    /// accept forged ones. [`start`] calls this; call it yourself before [`router`].
    pub fn validate(&self) -> Result<(), ReceiverError> {
        self.propertyfinder_atlas.validate()?;
        let provider = "hemnet";
        if self.hemnet.trusted_keys.is_empty() {
            return Err(ReceiverError::NoTrustedKeys { provider });
        }
        // Anyone can sign with the empty key, so it must never be trusted.
        if self.hemnet.trusted_keys.iter().any(String::is_empty) {
            return Err(ReceiverError::EmptyTrustedKey { provider });
        }
        Ok(())
    }
}

/// Why the receiver could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    #[error("{provider}: no trusted keys configured, so every delivery would be rejected")]
    NoTrustedKeys { provider: &'static str },
    #[error("{provider}: an empty key is configured; anyone can sign with it")]
    EmptyTrustedKey { provider: &'static str },
    #[error("could not listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("could not read the address the receiver listens on")]
    LocalAddr(#[source] io::Error),
}

/// Every provider's routes plus `GET /health`.
///
/// Keys are not checked here (see [`ReceiverConfig::validate`]); an empty key
/// is ignored rather than trusted, so a bad config fails closed.
pub fn router(config: ReceiverConfig) -> Router {
    Router::new()
        .route("/health", get(health))
        .merge(everreal::routes())
        .merge(flow::routes())
        .merge(hemnet::routes(config.hemnet))
        .merge(propertyfinder::routes())
        .merge(propertyfinder_atlas::routes(config.propertyfinder_atlas))
        .merge(spark::routes())
}

async fn health() -> StatusCode {
    StatusCode::OK
}

/// A receiver serving in the background. Dropping it stops the server too
/// (without waiting); [`RunningReceiver::shutdown`] stops it and waits.
#[derive(Debug)]
pub struct RunningReceiver {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    server: JoinHandle<()>,
}

impl RunningReceiver {
    /// The address actually bound (the real port when asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`, ready to join with a route such as `/hemnet`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets requests in flight finish, then returns.
    pub async fn shutdown(self) {
        // An error means the server already stopped on its own, which is
        // what we are asking for anyway.
        let _ = self.stop.send(());
        if let Err(error) = self.server.await {
            error!(%error, "receiver task ended abnormally");
        }
    }
}

/// Binds `addr` (port 0 picks a free port) and serves [`router`] in a tokio
/// task until [`RunningReceiver::shutdown`] or drop.
pub async fn start(
    addr: SocketAddr,
    config: ReceiverConfig,
) -> Result<RunningReceiver, ReceiverError> {
    config.validate()?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ReceiverError::Bind { addr, source })?;
    let addr = listener.local_addr().map_err(ReceiverError::LocalAddr)?;
    let app = router(config);

    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        // Resolves on `shutdown` and also when the handle is dropped
        // (the sender's drop closes the channel), so no server outlives its owner.
        let signal = async {
            let _ = stopped.await;
        };
        if let Err(error) = axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .await
        {
            error!(%error, "receiver stopped serving");
        }
    });
    info!(%addr, "receiver listening");
    Ok(RunningReceiver { addr, stop, server })
}
