//! What a scenario carries from step to step while it runs: where its
//! deliveries go and with which keys, its nominal clock, what it sent, and
//! the provider APIs it talks to. The runner builds and holds it; steps
//! read and change it.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;

use hooksim_simulator::api::{ApiState, JournalEntry, ProviderApis};
use hooksim_simulator::clock::Clock;
use hooksim_simulator::identity::Replacement;
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::signing::{SigningKey, SigningKeys};
use hooksim_simulator::stand_in::StandIn;
use serde_json::Value;

use crate::provider_api::{Placeholders, announced_ids, names_one_of};
use crate::stand_in::STAND_IN_SPEEDUP;

/// Who plays the receiver a scenario's deliveries go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiverUnderTest {
    /// hooksim itself: stand-ins and its reference receiver. Built-in
    /// snapshots record this; the reference receiver's settings apply.
    Hooksim,
    /// A receiver hooksim did not write (`--target`).
    Theirs,
}

/// The provider APIs at one address for a whole run, so a receiver started
/// with that address (and the documented credentials) uses them. Scenarios
/// that use them take turns: registrations and conditions are each one's
/// own while it runs. Calls are told apart by the ids they name.
#[derive(Debug)]
pub struct SharedApis {
    apis: ProviderApis,
    pub(crate) turn: Arc<tokio::sync::Mutex<()>>,
}

impl SharedApis {
    pub async fn start(addr: SocketAddr) -> std::io::Result<Self> {
        Ok(Self {
            apis: ProviderApis::start(addr).await?,
            turn: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    pub fn apis(&self) -> &ProviderApis {
        &self.apis
    }
}

/// One place a scenario's deliveries go: its target, or one subscription.
pub(crate) struct Route {
    pub subscription: Option<String>,
    pub url: String,
    pub target_shown: String,
    pub keys: SigningKeys,
    /// The stand-in receiver this route targets, if any; stops when dropped.
    pub stand_in: Option<StandIn>,
}

/// The policy deliveries to `routes` really run under: when hooksim plays
/// every receiver itself, in compressed real time (see [`STAND_IN_SPEEDUP`]).
pub(crate) fn sending_policy(routes: &[Route], policy: &DeliveryPolicy) -> DeliveryPolicy {
    if !routes.is_empty() && routes.iter().all(|r| r.stand_in.is_some()) {
        policy.compressed(STAND_IN_SPEEDUP)
    } else {
        policy.clone()
    }
}

/// No secret (or an empty one) means unsigned deliveries: Atlas sends no
/// X-Signature to a subscription without one. Providers that always sign
/// (Hemnet) default it.
pub(crate) fn signing_keys(provider: ProviderId, secret: Option<&str>) -> SigningKeys {
    match (
        provider.provider().signature(),
        secret.filter(|s| !s.is_empty()),
    ) {
        (Some(_), Some(secret)) => SigningKeys::single(SigningKey::new("secret", secret)),
        _ => SigningKeys { keys: Vec::new() },
    }
}

/// The provider APIs a scenario talks to.
pub(crate) enum ScenarioApis {
    /// Its own instance: hooksim plays the receiver, and tells it the API.
    Own(ProviderApis),
    /// The run's, this scenario's alone while it holds its turn; its part of
    /// the journal starts at `journal_start` and names its ids.
    Shared {
        shared: Arc<SharedApis>,
        _turn: tokio::sync::OwnedMutexGuard<()>,
        journal_start: usize,
    },
}

impl ScenarioApis {
    pub(crate) fn apis(&self) -> &ProviderApis {
        match self {
            Self::Own(apis) => apis,
            Self::Shared { shared, .. } => shared.apis(),
        }
    }
}

/// What a scenario carries from step to step.
pub(crate) struct ScenarioState {
    pub routes: Vec<Route>,
    pub clock: Clock,
    /// Payloads by the alias their deliver gave them.
    pub sent: HashMap<String, Value>,
    /// Every payload delivered, in order: the ids a shared API's calls name.
    pub delivered: Vec<Value>,
    /// The provider APIs, when a step needs them.
    pub apis: Option<ScenarioApis>,
    /// Where deliveries are told to the provider API, so its reads agree.
    pub records_to: Option<ApiState>,
    /// Where probes go: the receiver's base URL.
    pub receiver_base: Option<String>,
    pub settings: BTreeMap<String, String>,
    pub receiver: ReceiverUnderTest,
    pub run_nonce: Option<u64>,
    /// Identities sent fresh, to show as the seed made them.
    pub replacements: Vec<Replacement>,
}

impl ScenarioState {
    pub(crate) fn placeholders(&self, provider: ProviderId) -> Placeholders<'_> {
        Placeholders {
            apis: self.apis.as_ref().map(ScenarioApis::apis),
            provider,
            sent: &self.sent,
            settings: &self.settings,
        }
    }

    /// The provider APIs, for a step that needs them.
    pub(crate) fn provider_apis(&self) -> Result<&ProviderApis, String> {
        self.apis
            .as_ref()
            .map(ScenarioApis::apis)
            .ok_or_else(|| "no provider API".to_owned())
    }

    /// The calls to the provider API that are this scenario's: all of its
    /// own instance's; of the run's, those since it began that name its ids.
    pub(crate) fn journal(&self) -> Vec<JournalEntry> {
        match &self.apis {
            None => Vec::new(),
            Some(ScenarioApis::Own(apis)) => apis.state().journal(),
            Some(ScenarioApis::Shared {
                shared,
                journal_start,
                ..
            }) => {
                let ids = announced_ids(&self.delivered);
                let journal = shared.apis().state().journal();
                // A 401 is a long-lived receiver renewing a token an earlier
                // run's API issued: shown, it would make runs differ.
                journal
                    .into_iter()
                    .skip(*journal_start)
                    .filter(|entry| entry.status != 401 && names_one_of(entry, &ids))
                    .collect()
            }
        }
    }

    /// The `admin_header` setting, as a probe's header lines.
    pub(crate) fn admin_headers(&self) -> Vec<String> {
        self.settings
            .get("admin_header")
            .filter(|h| !h.trim().is_empty())
            .cloned()
            .into_iter()
            .collect()
    }
}
