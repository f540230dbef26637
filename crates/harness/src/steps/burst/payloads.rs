//! A burst's bodies, cheap per delivery and each its own.
//!
//! Building and encoding a payload in full (seeded fake data into a
//! `serde_json` map, then the provider's encoder) cost about as much as
//! sending it. So a burst builds a pool of payloads once, each from its own
//! seeded stream as a single delivery's would be, and encodes each once as
//! a [`PayloadTemplate`] with holes at the event's identity. A delivery
//! takes a pooled payload by a seeded draw (its own person), renews the
//! identity values (its own ids: a receiver that deduplicates sees a new
//! event every time), encodes only those into the holes (its own escaping)
//! and signs its own bytes with keys made ready once. A property test holds
//! the rendered bytes to what the full encoder gives.

use bytes::{Bytes, BytesMut};
use hooksim_simulator::SimulatorError;
use hooksim_simulator::identity::Renewal;
use hooksim_simulator::payload::get_path;
use hooksim_simulator::providers::Provider;
use hooksim_simulator::signing::{Signer, SigningKeys};
use hooksim_simulator::template::PayloadTemplate;
use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng as _};
use serde_json::Value;

use super::{Burst, burst_payload};

/// Payloads built before a burst starts, at most: enough that deliveries
/// carry many different people, few enough to build in milliseconds.
pub const POOL_SIZE: u32 = 1_024;

/// An arbitrary odd constant: a delivery's draws (which pooled payload,
/// which fresh ids) come from other streams than the pool's own payloads.
const DRAW_SEED_MIX: u64 = 0x2b7e_1516_28ae_d2a7;
/// An odd multiplier (the golden ratio's, as SplitMix uses it) that spreads
/// neighbouring delivery numbers apart before seeding.
const DRAW_STREAM_STEP: u64 = 0x9e37_79b9_7f4a_7c15;

/// Where a burst's bodies come from, and what signs them.
#[derive(Debug)]
pub struct BurstPayloads {
    provider: &'static dyn Provider,
    source: Source,
    /// Present when deliveries are signed: the provider signs and a key is set.
    signer: Option<Signer>,
    seed: u64,
    step_index: usize,
}

#[derive(Debug)]
enum Source {
    /// Pooled payloads, encoded with holes at their identity.
    Pool(Vec<Pooled>),
    /// Every delivery built and encoded in full: the payloads could not be
    /// made templates (an override holds the character that marks holes).
    Built(Box<Burst>),
}

#[derive(Debug)]
struct Pooled {
    template: PayloadTemplate,
    /// How the seeded value of each hole is renewed per delivery.
    identity: Vec<Renewal>,
}

/// One worker's buffers, reused from delivery to delivery.
#[derive(Debug, Default)]
pub struct Scratch {
    body: BytesMut,
    signature: BytesMut,
    identity: Vec<Value>,
}

/// One delivery's body and, when signed, its signature header's value.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub body: Bytes,
    pub signature: Option<Bytes>,
}

impl BurstPayloads {
    /// The payloads of `burst`'s `count` deliveries from `provider`, signed
    /// with `keys` (none: unsigned), as the scenario's `seed` and the
    /// step's position make them.
    pub fn new(
        provider: &'static dyn Provider,
        keys: &SigningKeys,
        burst: &Burst,
        seed: u64,
        step_index: usize,
        count: u32,
    ) -> Result<Self, SimulatorError> {
        let signer = provider
            .signature()
            .filter(|_| !keys.keys.is_empty())
            .map(|scheme| Signer::new(&scheme, keys));
        // An identity the scenario sets stays as it set it.
        let holes: Vec<&str> = provider
            .identity_paths()
            .iter()
            .copied()
            .filter(|path| !burst.set.iter().any(|o| overlaps(&o.path, path)))
            .collect();
        let mut pool = Vec::new();
        for index in 0..count.clamp(1, POOL_SIZE) {
            let payload = burst_payload(provider, seed, step_index, burst, index)?;
            // Only values whose shape `identity` can renew become holes.
            let (renewable, identity): (Vec<&str>, Vec<Renewal>) = holes
                .iter()
                .filter_map(|path| Some((*path, Renewal::of(get_path(&payload, path)?)?)))
                .unzip();
            let Ok(template) = PayloadTemplate::compile(provider.encoding(), &payload, &renewable)
            else {
                pool.clear();
                break;
            };
            pool.push(Pooled { template, identity });
        }
        let source = if pool.is_empty() {
            Source::Built(Box::new(burst.clone()))
        } else {
            Source::Pool(pool)
        };
        Ok(Self {
            provider,
            source,
            signer,
            seed,
            step_index,
        })
    }

    /// Whether deliveries carry a signature header.
    pub fn signed(&self) -> bool {
        self.signer.is_some()
    }

    /// Whether bodies come from templates (else each is built in full).
    pub fn templated(&self) -> bool {
        matches!(self.source, Source::Pool(_))
    }

    /// The `index`th delivery's body and signature, written into `scratch`.
    pub fn render(&self, index: u32, scratch: &mut Scratch) -> Result<Rendered, SimulatorError> {
        let body = match &self.source {
            Source::Pool(pool) => {
                // A small generator per delivery: seeding a ChaCha stream and
                // filling its first block cost more than the draws it serves.
                let stream = ((self.step_index as u64) << 32) | u64::from(index);
                let mut draws = SmallRng::seed_from_u64(
                    (self.seed ^ DRAW_SEED_MIX).wrapping_add(stream.wrapping_mul(DRAW_STREAM_STEP)),
                );
                let pooled = &pool[draws.random_range(0..pool.len())];
                if scratch.identity.len() < pooled.identity.len() {
                    scratch.identity.resize(pooled.identity.len(), Value::Null);
                }
                for (renewal, slot) in pooled.identity.iter().zip(&mut scratch.identity) {
                    renewal.write(&mut draws, slot);
                }
                pooled
                    .template
                    .render(&scratch.identity, &mut scratch.body)
            }
            Source::Built(burst) => {
                let payload =
                    burst_payload(self.provider, self.seed, self.step_index, burst, index)?;
                Bytes::from(self.provider.encode(&payload))
            }
        };
        let signature = self.signer.as_ref().map(|signer| {
            signer.sign_into(&body, &mut scratch.signature);
            scratch.signature.split().freeze()
        });
        Ok(Rendered { body, signature })
    }
}

/// Whether setting `set` changes the value at `path` (the same value, one
/// inside it, or one it is inside).
fn overlaps(set: &str, path: &str) -> bool {
    let within = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    };
    within(set, path) || within(path, set)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use hooksim_simulator::providers::ProviderId;
    use hooksim_simulator::signing::SigningKey;

    use super::*;
    use crate::read::Override;

    fn burst(event: &str, set: Vec<Override>) -> Burst {
        Burst {
            event: event.to_owned(),
            count: 3_000,
            concurrency: 8,
            rate: None,
            set,
        }
    }

    fn keys() -> SigningKeys {
        SigningKeys::rotating(SigningKey::new("old", "k1"), SigningKey::new("new", "k2"))
    }

    /// `n` deliveries' bodies and signatures, rendered as a worker renders them.
    fn rendered(payloads: &BurstPayloads, n: u32) -> Vec<Rendered> {
        let mut scratch = Scratch::default();
        (0..n)
            .map(|i| payloads.render(i, &mut scratch).expect("renders"))
            .collect()
    }

    #[test]
    fn every_body_is_what_the_encoder_writes_and_signed_as_deliver_signs() {
        for id in ProviderId::ALL {
            let provider = id.provider();
            for event in provider.events() {
                // A pool of 40, each pooled payload sent about once.
                let payloads =
                    BurstPayloads::new(provider, &keys(), &burst(event.name, vec![]), 7, 2, 40)
                        .expect("a pool");
                assert!(payloads.templated(), "{id} {}", event.name);
                for Rendered { body, signature } in rendered(&payloads, 40) {
                    let parsed: Value = serde_json::from_slice(&body).expect("JSON");
                    assert_eq!(provider.encode(&parsed), body.as_ref(), "{id} {}", event.name);
                    let expected = provider.signature().map(|s| s.sign(&body, &keys()).value);
                    let signature = signature.map(|s| String::from_utf8(s.to_vec()).expect("ASCII"));
                    assert_eq!(signature, expected, "{id} {}", event.name);
                }
            }
        }
    }

    #[test]
    fn each_delivery_has_its_own_identity_and_many_have_their_own_person() {
        for id in ProviderId::ALL {
            let provider = id.provider();
            let event = provider.events()[0].name;
            let payloads = BurstPayloads::new(provider, &keys(), &burst(event, vec![]), 1, 0, 3_000)
                .expect("a pool");
            let bodies: Vec<Value> = rendered(&payloads, 2_000)
                .iter()
                .map(|r| serde_json::from_slice(&r.body).expect("JSON"))
                .collect();
            for path in provider.identity_paths() {
                let seen: HashSet<String> = bodies
                    .iter()
                    .filter_map(|body| get_path(body, path))
                    .map(Value::to_string)
                    .collect();
                // Ids with few digits may meet by chance, as a provider's own would.
                assert!(seen.len() >= 1_980, "{id} {event} {path}: {} distinct", seen.len());
            }
        }
        let hemnet = ProviderId::Hemnet.provider();
        let payloads =
            BurstPayloads::new(hemnet, &keys(), &burst("CONTACT.CREATE", vec![]), 1, 0, 3_000)
                .expect("a pool");
        let people: HashSet<String> = rendered(&payloads, 2_000)
            .iter()
            .map(|r| {
                let body: Value = serde_json::from_slice(&r.body).expect("JSON");
                body["data"]["email"].to_string()
            })
            .collect();
        assert!(people.len() > 700, "{} people", people.len());
    }

    #[test]
    fn the_same_seed_sends_the_same_bodies() {
        let hemnet = ProviderId::Hemnet.provider();
        let make = || {
            BurstPayloads::new(hemnet, &keys(), &burst("CONTACT.CREATE", vec![]), 5, 1, 3_000)
                .expect("a pool")
        };
        let bodies = |p: &BurstPayloads| -> Vec<Bytes> {
            rendered(p, 50).into_iter().map(|r| r.body).collect()
        };
        assert_eq!(bodies(&make()), bodies(&make()));
    }

    #[test]
    fn an_identity_the_scenario_sets_is_sent_as_set() {
        let hemnet = ProviderId::Hemnet.provider();
        let set = vec![Override {
            path: "data.id".to_owned(),
            value: Value::from("fixed-id"),
        }];
        let payloads = BurstPayloads::new(hemnet, &keys(), &burst("CONTACT.CREATE", set), 5, 1, 3_000)
            .expect("a pool");
        for r in rendered(&payloads, 20) {
            let body: Value = serde_json::from_slice(&r.body).expect("JSON");
            assert_eq!(body["data"]["id"], "fixed-id");
        }
    }

    #[test]
    fn a_payload_templates_cannot_hold_is_built_in_full() {
        let hemnet = ProviderId::Hemnet.provider();
        let set = vec![Override {
            path: "data.message".to_owned(),
            value: Value::from("\u{F8FF}0\u{F8FF}"),
        }];
        let burst = burst("CONTACT.CREATE", set);
        let payloads = BurstPayloads::new(hemnet, &keys(), &burst, 5, 1, 3_000).expect("a pool");
        assert!(!payloads.templated());
        let mut scratch = Scratch::default();
        let body = payloads.render(3, &mut scratch).expect("renders").body;
        let full = hemnet.encode(&burst_payload(hemnet, 5, 1, &burst, 3).expect("builds"));
        assert_eq!(body.as_ref(), full.as_slice());
    }

    #[test]
    fn an_override_of_an_identity_or_around_it_keeps_it() {
        assert!(overlaps("data.id", "data.id"));
        assert!(overlaps("data", "data.id"));
        assert!(overlaps("data.id.x", "data.id"));
        assert!(!overlaps("data.idx", "data.id"));
        assert!(!overlaps("data.message", "data.id"));
    }
}
