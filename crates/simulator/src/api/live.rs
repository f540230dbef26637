//! What `hooksim serve` adds to the APIs: a provider that actually sends.
//! Each active registration, as soon as it appears, gets one delivery of a
//! sample event under the provider's full policy, on real time.

use std::collections::HashSet;
use std::time::Duration;

use rand::SeedableRng;

use std::sync::Arc;

use crate::api::{ApiState, ProviderApis, Registration};
use crate::clock::{Clock, TimeScale};
use crate::delivery::{Delivery, PreparedDelivery, deliver};
use crate::fake::SeededRng;
use crate::signing::{SigningKey, SigningKeys};
use crate::transport::Transport;

/// How often registrations are looked at.
const POLL: Duration = Duration::from_millis(200);

/// Hears of each delivery as it ends.
pub type ReportFn =
    dyn Fn(&Registration, &str, Result<Delivery, crate::SimulatorError>) + Send + Sync;
pub type Report = Arc<ReportFn>;

/// Deliver to every new active registration until the task is dropped.
/// Each delivery runs on its own, so one receiver's retries (days, in real
/// time) hold up nobody else.
pub async fn deliver_to_new_registrations(
    apis: &ProviderApis,
    transport: Arc<Transport>,
    report: Report,
) {
    let mut served: HashSet<(String, String)> = HashSet::new();
    let mut deliveries = 0u64;
    loop {
        let fresh: Vec<Registration> = apis
            .state()
            .world()
            .registrations
            .iter()
            .filter(|r| {
                r.active && !served.contains(&(r.provider.as_str().to_owned(), r.id.clone()))
            })
            .cloned()
            .collect();
        for registration in fresh {
            served.insert((
                registration.provider.as_str().to_owned(),
                registration.id.clone(),
            ));
            deliveries += 1;
            let state = apis.state().clone();
            let transport = Arc::clone(&transport);
            let report = Arc::clone(&report);
            tokio::spawn(async move {
                deliver_sample(&state, &transport, &registration, deliveries, &*report).await
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn deliver_sample(
    state: &ApiState,
    transport: &Transport,
    registration: &Registration,
    seed: u64,
    report: &ReportFn,
) {
    let provider = registration.provider.provider();
    let event = match &registration.event {
        Some(event) => event.clone(),
        None => provider
            .events()
            .first()
            .map(|e| e.name.to_owned())
            .unwrap_or_default(),
    };
    let mut rng = SeededRng::seed_from_u64(seed);
    let outcome = match provider.build(&event, &mut rng) {
        Ok(payload) => {
            state.record_delivery(registration.provider, payload.clone());
            let keys = match &registration.secret {
                Some(secret) => SigningKeys::single(SigningKey::new("secret", secret.clone())),
                None => SigningKeys { keys: Vec::new() },
            };
            let prepared =
                PreparedDelivery::new(provider, registration.url.clone(), &payload, &keys, None);
            let policy = provider.policy();
            // A long-running provider waits its retry gaps for real.
            let mut clock = Clock::new(TimeScale::Compressed { factor: 1.0 });
            deliver(
                transport,
                provider,
                &policy,
                &policy.schedule.value,
                &prepared,
                &mut clock,
            )
            .await
        }
        Err(error) => Err(error),
    };
    report(registration, &event, outcome);
}
