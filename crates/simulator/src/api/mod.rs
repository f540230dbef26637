//! The providers' own REST APIs, played by hooksim: webhook registration
//! (with each provider's auth and error bodies), Flow's follow-up reads, and
//! a journal of every call a receiver makes.
//!
//! One server holds every provider, each under `/<provider-id>` (so Spark's
//! `/v1/developers/newsfeeds/webhooks` is at
//! `{server}/spark/v1/developers/newsfeeds/webhooks`): a scenario hands the
//! receiver `{server}/<provider-id>` as the provider's API base URL. Each
//! scenario gets its own server, so registrations and journals never mix.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::providers::ProviderId;

mod auth;
pub mod everreal;
pub mod flow;
pub mod live;
pub mod propertyfinder;
pub mod propertyfinder_atlas;
pub mod spark;

pub use auth::{ClientAuth, Credentials, Token, TokenRequest, basic_authorization};

/// The providers with an API here. Hemnet has none: its webhooks are set up
/// on a settings page (Hemnet's page, "Get started").
pub const PROVIDERS_WITH_APIS: [ProviderId; 5] = [
    ProviderId::Spark,
    ProviderId::Flow,
    ProviderId::PropertyFinder,
    ProviderId::PropertyFinderAtlas,
    ProviderId::EverReal,
];

/// What a client of `provider`'s API sends to get in, with `credentials`;
/// `None` for a provider without an API here.
pub fn client_auth(provider: ProviderId, credentials: &Credentials) -> Option<ClientAuth> {
    match provider {
        ProviderId::Spark => Some(spark::client_auth(credentials)),
        ProviderId::Flow => Some(flow::client_auth(credentials)),
        ProviderId::PropertyFinder => Some(propertyfinder::client_auth(credentials)),
        ProviderId::PropertyFinderAtlas => Some(propertyfinder_atlas::client_auth(credentials)),
        ProviderId::EverReal => Some(everreal::client_auth(credentials)),
        ProviderId::Hemnet => None,
    }
}

/// At most this much of a request body is kept in the journal.
const JOURNAL_BODY_LIMIT: usize = 16 * 1024;

/// One call a receiver made to a provider API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub provider: Option<ProviderId>,
    pub method: String,
    /// The path below the provider's base URL (`/v1/developers/newsfeeds/webhooks`).
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// The first [`JOURNAL_BODY_LIMIT`] bytes of the request body, as text.
    pub body: String,
}

/// A webhook a receiver registered through a provider API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub provider: ProviderId,
    /// The id the API gave it (its own format per provider).
    pub id: String,
    /// The event it is for; `None` where a registration covers every event (Spark).
    pub event: Option<String>,
    pub url: String,
    /// Spark webhooks start inactive; the others are active when created.
    pub active: bool,
    /// Atlas: the secret deliveries to it are signed with.
    pub secret: Option<String>,
}

/// How a scenario has the provider APIs behave beside their documented
/// defaults, so a receiver configured once, at start-up, meets each case
/// without being given other credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiConditions {
    /// The rate limit is reached: Flow's read APIs answer 429 with
    /// rate-limit headers, Spark's API 503 with code 1550.
    pub rate_limited: bool,
    /// The receiver's token may only read: Spark's Public role, a PF Expert
    /// user token instead of a client level one.
    pub token_read_only: bool,
    /// Atlas refuses the receiver's API key pair.
    pub credentials_refused: bool,
    /// Flow's API user lacks the "Cases - Read" permission.
    pub without_cases_read: bool,
    /// PF Expert answers a new hook with the documented `"event:"` key.
    pub event_key_typo: bool,
    /// Atlas's API key pair was created without this optional scope.
    pub atlas_missing_scope: Option<propertyfinder_atlas::Scope>,
}

/// Everything one scenario's APIs know. Cloned handles share it.
#[derive(Debug, Clone, Default)]
pub struct ApiState {
    world: Arc<Mutex<World>>,
}

#[derive(Debug, Default)]
pub struct World {
    pub credentials: Credentials,
    pub journal: Vec<JournalEntry>,
    pub registrations: Vec<Registration>,
    /// Events delivered so far, per provider, so read APIs answer what the
    /// events announced (Flow's `SettlementStatuses` after `SettlementStatusChanged`).
    pub delivered: Vec<(ProviderId, Value)>,
    /// How a scenario has the APIs behave beside their documented defaults.
    pub conditions: ApiConditions,
    /// A counter for ids the APIs hand out.
    pub next_id: u64,
    /// How many tokens PF Expert issued: apart from `next_id`, so fetching a
    /// token leaves the hook ids the doc's example starts from.
    pub tokens_issued: u64,
    /// Atlas's token rate limit and subscription times.
    pub atlas: propertyfinder_atlas::AtlasState,
}

impl ApiState {
    /// The shared state, locked. A poisoned lock only means a handler
    /// panicked mid-update; the data is still the best there is.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn journal(&self) -> Vec<JournalEntry> {
        self.world().journal.clone()
    }

    /// Every registration of `provider`, in the order they were made.
    pub fn registrations(&self, provider: ProviderId) -> Vec<Registration> {
        self.world()
            .registrations
            .iter()
            .filter(|r| r.provider == provider)
            .cloned()
            .collect()
    }

    /// Tell the APIs an event was delivered, so reads agree with it.
    pub fn record_delivery(&self, provider: ProviderId, payload: Value) {
        self.world().delivered.push((provider, payload));
    }

    /// The conditions in force; see [`ApiConditions`].
    pub fn conditions(&self) -> ApiConditions {
        self.world().conditions.clone()
    }

    pub fn set_conditions(&self, conditions: ApiConditions) {
        self.world().conditions = conditions;
    }

    /// Make the APIs new for the next scenario on a server shared by a
    /// whole run: no registrations, documented behaviour. The journal and
    /// the delivered events stay (calls about earlier deliveries may still
    /// arrive); the answer is where this scenario's part of the journal starts.
    pub fn begin_scenario(&self) -> usize {
        let mut world = self.world();
        world.registrations.clear();
        world.conditions = ApiConditions::default();
        world.atlas = propertyfinder_atlas::AtlasState::default();
        world.journal.len()
    }

    pub fn credentials(&self) -> Credentials {
        self.world().credentials.clone()
    }
}

impl World {
    /// A fresh id, unique within this API server.
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// Every provider's API under `/<provider-id>`, with the journal around them.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .nest("/spark", spark::routes())
        .nest("/flow", flow::routes())
        .nest("/propertyfinder", propertyfinder::routes())
        .nest("/propertyfinder-atlas", propertyfinder_atlas::routes())
        .nest("/everreal", everreal::routes())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_in_journal,
        ))
        .with_state(state)
}

/// Record the call and its answer. The body is read here and handed on
/// unchanged, so handlers see exactly what the receiver sent.
async fn record_in_journal(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 4 * 1024 * 1024)
        .await
        .unwrap_or_else(|_| Bytes::new());
    let full_path = parts.uri.path().to_owned();
    let (provider, path) = split_provider(&full_path);
    let query = parts.uri.query().map(str::to_owned);
    let method = parts.method.to_string();
    let kept = &bytes[..bytes.len().min(JOURNAL_BODY_LIMIT)];
    let body_text = String::from_utf8_lossy(kept).into_owned();
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    state.world().journal.push(JournalEntry {
        provider,
        method,
        path,
        query,
        status: response.status().as_u16(),
        body: body_text,
    });
    response
}

/// `/spark/v1/x` → (Spark, `/v1/x`).
fn split_provider(path: &str) -> (Option<ProviderId>, String) {
    let trimmed = path.trim_start_matches('/');
    let (first, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    match ProviderId::parse(first) {
        Ok(provider) => (Some(provider), format!("/{rest}")),
        Err(_) => (None, path.to_owned()),
    }
}

/// A provider API server running in the background; stops when dropped.
#[derive(Debug)]
pub struct ProviderApis {
    addr: SocketAddr,
    state: ApiState,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
}

impl ProviderApis {
    /// Serve every provider API on `addr` (port 0: a free port).
    pub async fn start(addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = ApiState::default();
        let app = router(state.clone());
        let (stop, server) = serve_until_stopped(listener, app);
        Ok(Self {
            addr,
            state,
            stop: Some(stop),
            server,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API base URL a receiver of `provider` is given.
    pub fn base_url(&self, provider: ProviderId) -> String {
        format!("http://{}/{}", self.addr, provider.as_str())
    }

    pub fn state(&self) -> &ApiState {
        &self.state
    }

    /// A name unique to this server among those running on the machine
    /// (`c` and its port): a receiver shared by several scenarios keys its
    /// connection to each scenario's APIs by it.
    pub fn connection(&self) -> String {
        format!("c{}", self.addr.port())
    }
}

impl Drop for ProviderApis {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.server.abort();
    }
}

/// Serve `app` on `listener` until the sender returned is used (or
/// dropped); the handle ends when requests in flight have been answered.
pub(crate) fn serve_until_stopped(
    listener: TcpListener,
    app: axum::Router,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    (stop, server)
}
