//! The attempt loop: send, classify by the provider's success rule, and on
//! failure wait (nominally) for the next slot of the schedule, until one
//! attempt succeeds or the schedule is spent.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde_json::Value;

use crate::clock::Clock;
use crate::error::SimulatorError;
use crate::outcome::Outcome;
use crate::policy::{DeliveryPolicy, SuccessRule};
use crate::providers::{AttemptStamp, HeaderLine, Provider};
use crate::schedule::Schedule;
use crate::signing::{Forgery, Signature, SigningKeys, forger_key};
use crate::transport::{OutgoingRequest, Response, ResponseExcerpt, Transport, TransportFailure};

/// Everything needed to deliver one event, fixed across attempts.
#[derive(Debug, Clone)]
pub struct PreparedDelivery {
    pub url: String,
    /// The exact bytes that were signed and will be sent on every attempt.
    pub body: Bytes,
    /// The signature header, if the provider signs (and a forger left one).
    pub signature: Option<Signature>,
}

impl PreparedDelivery {
    /// Encode `payload` the provider's way and sign the bytes with `keys`,
    /// or forge the result as `forgery` says.
    pub fn new(
        provider: &dyn Provider,
        url: String,
        payload: &Value,
        keys: &SigningKeys,
        forgery: Option<Forgery>,
    ) -> Self {
        let body = Bytes::from(provider.encode(payload));
        let Some(scheme) = provider.signature() else {
            return Self {
                url,
                body,
                signature: None,
            };
        };
        // No key means an unsigned subscription (Atlas without a secret): no
        // header at all, not an empty one.
        let signed = |keys: &SigningKeys| (!keys.keys.is_empty()).then(|| scheme.sign(&body, keys));
        let signature = match forgery {
            None => signed(keys),
            Some(Forgery::WrongKey) => Some(scheme.sign(&body, &SigningKeys::single(forger_key()))),
            Some(Forgery::MissingHeader) => None,
            Some(Forgery::MalformedValue) => Some(Signature {
                header: scheme.header,
                value: MALFORMED_SIGNATURE.to_owned(),
                redacted: MALFORMED_SIGNATURE.to_owned(),
            }),
            Some(Forgery::BodyChangedAfterSigning) => {
                let signature = signed(keys);
                let mut changed = payload.clone();
                tamper(&mut changed);
                return Self {
                    url,
                    body: Bytes::from(provider.encode(&changed)),
                    signature,
                };
            }
        };
        Self {
            url,
            body,
            signature,
        }
    }
}

/// Not hex and not 64 characters: a header no verifier should accept.
pub const MALFORMED_SIGNATURE: &str = "sha256=not-a-hex-signature!";

/// Change the longest string in the payload (in a lead, the free-text
/// message), as an attacker editing a delivery in transit would; a payload
/// without strings gains a key instead.
fn tamper(payload: &mut Value) {
    fn longest_string(value: &mut Value) -> Option<&mut String> {
        match value {
            Value::String(s) => Some(s),
            Value::Array(items) => items.iter_mut().filter_map(longest_string).reduce(longer),
            Value::Object(map) => map.values_mut().filter_map(longest_string).reduce(longer),
            _ => None,
        }
    }
    // On a tie the earlier string wins, so the choice is stable.
    fn longer<'a>(a: &'a mut String, b: &'a mut String) -> &'a mut String {
        if b.len() > a.len() { b } else { a }
    }
    match longest_string(payload) {
        Some(s) => s.push_str(" (changed in transit)"),
        None => {
            if let Value::Object(map) = payload {
                map.insert("tampered".to_owned(), Value::Bool(true));
            }
        }
    }
}

/// One attempt as it happened.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// 1-based attempt number.
    pub number: u32,
    /// Nominal time of the attempt since the scenario began.
    pub nominal_at: Duration,
    pub outcome: Outcome,
    /// Real time from sending to the end of the response (or failure).
    pub latency: Duration,
    /// The headers this attempt carried, in order.
    pub headers: Vec<HeaderLine>,
    pub response: Option<ResponseExcerpt>,
}

/// How the delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// An attempt satisfied the success rule.
    Delivered,
    /// Every attempt the schedule allows failed.
    GaveUp,
}

/// A delivery and all its attempts.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub attempts: Vec<Attempt>,
    pub verdict: Verdict,
}

impl Delivery {
    pub fn last_attempt(&self) -> Option<&Attempt> {
        self.attempts.last()
    }

    pub fn is_delivered(&self) -> bool {
        self.verdict == Verdict::Delivered
    }
}

/// Deliver `prepared` under `policy` with `schedule` (the policy's schedule
/// unless the caller narrows it, as a forger's single shot does).
pub async fn deliver(
    transport: &Transport,
    provider: &dyn Provider,
    policy: &DeliveryPolicy,
    schedule: &Schedule,
    prepared: &PreparedDelivery,
    clock: &mut Clock,
) -> Result<Delivery, SimulatorError> {
    let mut attempts = Vec::with_capacity(schedule.attempts());
    let mut gaps = schedule.gaps().iter();
    for number in 1u32.. {
        let request = OutgoingRequest {
            url: prepared.url.clone(),
            headers: attempt_headers(provider, prepared),
            body: prepared.body.clone(),
        };
        let exchange = transport
            .send(
                &request,
                policy.connect_timeout.value,
                policy.response_timeout.value,
            )
            .await?;
        let (outcome, response) = judge(policy, exchange.result);
        let acknowledged = outcome.is_acknowledged();
        attempts.push(Attempt {
            number,
            nominal_at: clock.now(),
            outcome,
            latency: exchange.latency,
            headers: request.headers,
            response,
        });
        if acknowledged {
            return Ok(Delivery {
                attempts,
                verdict: Verdict::Delivered,
            });
        }
        match gaps.next() {
            Some(gap) => clock.advance(*gap).await,
            None => break,
        }
    }
    Ok(Delivery {
        attempts,
        verdict: Verdict::GaveUp,
    })
}

/// The headers of one attempt: the provider's own, stamped now (time,
/// request id), and the signature when there is one.
pub fn attempt_headers(provider: &dyn Provider, prepared: &PreparedDelivery) -> Vec<HeaderLine> {
    let stamp = AttemptStamp {
        unix_ms: unix_ms_now(),
        request_id: request_id().to_string(),
    };
    headers_at(provider, prepared, &stamp)
}

/// A fresh request id: random, but from the thread's generator (a
/// getrandom system call per attempt was a tenth of a burst's system calls).
pub fn request_id() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

/// [`attempt_headers`] for an attempt stamped `stamp`.
pub fn headers_at(
    provider: &dyn Provider,
    prepared: &PreparedDelivery,
    stamp: &AttemptStamp,
) -> Vec<HeaderLine> {
    let mut headers = provider.headers(stamp);
    if let Some(signature) = &prepared.signature {
        headers.push(HeaderLine::volatile(
            signature.header,
            signature.value.clone(),
            signature.redacted.clone(),
        ));
    }
    headers
}

/// The outcome of one exchange under the provider's success rule, and the
/// response excerpt when an answer came.
pub fn judge(
    policy: &DeliveryPolicy,
    result: Result<Response, TransportFailure>,
) -> (Outcome, Option<ResponseExcerpt>) {
    match result {
        Ok(response) => (
            classify_status(policy.success.value, response.status, response.location),
            Some(response.excerpt),
        ),
        Err(failure) => (outcome_of_failure(failure), None),
    }
}

/// Deliver one event to several subscriptions at once, as a provider that
/// fans out does: concurrently and in no particular order. Each delivery
/// follows the schedule on its own copy of the nominal clock; afterwards
/// `clock` stands at the latest of them. Results come in `prepared` order.
pub async fn deliver_to_all(
    transport: &Transport,
    provider: &dyn Provider,
    policy: &DeliveryPolicy,
    schedule: &Schedule,
    prepared: &[PreparedDelivery],
    clock: &mut Clock,
) -> Result<Vec<Delivery>, SimulatorError> {
    let runs = prepared.iter().map(|p| {
        let mut own_clock = clock.clone();
        async move {
            let delivery = deliver(transport, provider, policy, schedule, p, &mut own_clock).await;
            (delivery, own_clock)
        }
    });
    let mut deliveries = Vec::with_capacity(prepared.len());
    let mut latest = clock.clone();
    for (delivery, own_clock) in futures_util::future::join_all(runs).await {
        deliveries.push(delivery?);
        if own_clock.now() > latest.now() {
            latest = own_clock;
        }
    }
    *clock = latest;
    Ok(deliveries)
}

/// Map a status to an outcome under the provider's success rule.
pub fn classify_status(rule: SuccessRule, status: u16, location: Option<String>) -> Outcome {
    if rule.accepts(status) {
        Outcome::Acknowledged { status }
    } else if (300..400).contains(&status) {
        Outcome::Redirect { status, location }
    } else {
        Outcome::Rejected { status }
    }
}

fn outcome_of_failure(failure: TransportFailure) -> Outcome {
    match failure {
        TransportFailure::ConnectRefused => Outcome::ConnectRefused,
        TransportFailure::ConnectTimeout => Outcome::ConnectTimeout,
        TransportFailure::ResponseTimeout => Outcome::ResponseTimeout,
        TransportFailure::Reset => Outcome::Reset,
        TransportFailure::ClosedWithoutResponse => Outcome::ClosedWithoutResponse,
        TransportFailure::MalformedResponse(detail) => Outcome::MalformedResponse { detail },
        TransportFailure::TlsCertificate(detail) => Outcome::TlsCertificate { detail },
        TransportFailure::TlsHandshake(detail) => Outcome::TlsHandshake { detail },
        TransportFailure::Unreachable(detail) => Outcome::Unreachable { detail },
    }
}

/// The wall clock in milliseconds since the Unix epoch.
pub fn unix_ms_now() -> u64 {
    // A clock before 1970 is a broken machine; report 0 rather than fail a delivery.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_200_rejects_202() {
        assert_eq!(
            classify_status(SuccessRule::Exactly(200), 202, None),
            Outcome::Rejected { status: 202 }
        );
        assert_eq!(
            classify_status(SuccessRule::Any2xx, 202, None),
            Outcome::Acknowledged { status: 202 }
        );
        assert_eq!(
            classify_status(SuccessRule::Any2xx, 301, Some("/x".into())),
            Outcome::Redirect {
                status: 301,
                location: Some("/x".into())
            }
        );
    }
}
