//! `hooksim send`: one event of a provider to one URL, as a scenario of one
//! step, and what the sender should hear before it goes (a default key).

use std::collections::BTreeMap;
use std::path::PathBuf;

use hooksim_simulator::providers::ProviderId;
use serde_json::Value;

use crate::error::HarnessError;
use crate::runner::{check_url, parse_provider};
use crate::scenario::{Action, Basis, Deliver, Expectations, Location, Override, Scenario, Step};
use crate::steps::replay::{self, Replay};
use crate::suggest::did_you_mean;

/// The setting a signing provider reads its key from (as scenarios set it).
const SECRET_SETTING: &str = "secret";

/// What `hooksim send` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRequest {
    pub provider: String,
    /// What to send: an event hooksim builds, or a file's payload.
    pub what: Sent,
    /// The exact URL to deliver to.
    pub url: String,
    /// The webhook key; `None` leaves the provider's default (or no signature).
    pub secret: Option<String>,
    /// `PATH=VALUE` payload overrides; a value that parses as JSON is JSON.
    pub overrides: Vec<String>,
    pub seed: u64,
    pub attempts: Attempts,
}

/// What a send sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// An event of the catalogue, built with fake data (`CONTACT.CREATE`).
    Event(String),
    /// A capture file's or a JSON file's payload, re-encoded and signed
    /// with the send's key; `exact`: a capture's own bytes and signature.
    Body { file: PathBuf, exact: bool },
}

/// How much of the provider's retry schedule a send may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempts {
    /// Every attempt the schedule has (Hemnet: 17 over 7 days, nominal).
    Schedule,
    /// The first N attempts of the schedule (1: one attempt, no retry).
    AtMost(u32),
}

/// A send ready to run, and what to tell the sender first.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedSend {
    pub scenario: Scenario,
    /// Choices made for the sender that they did not state (a default key).
    pub notes: Vec<String>,
}

/// Check `request` against the provider and build its one-step scenario.
pub fn prepare_send(request: &SendRequest) -> Result<PreparedSend, HarnessError> {
    let id = parse_provider(&request.provider, "")?;
    let provider = id.provider();
    let url = check_url(&request.url, &request.url)?;
    let max_attempts = max_attempts(id, request.attempts)?;
    let set = request
        .overrides
        .iter()
        .map(|o| {
            let (path, value) = o
                .split_once('=')
                .ok_or_else(|| HarnessError::Usage(format!("--set {o}: expected PATH=VALUE")))?;
            let value =
                serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
            Ok(Override {
                path: path.to_owned(),
                value,
            })
        })
        .collect::<Result<Vec<_>, HarnessError>>()?;
    let (name, action) = match &request.what {
        Sent::Event(event) => {
            if let Err(e) = provider.event(event) {
                let events: Vec<&str> = provider.events().iter().map(|e| e.name).collect();
                let hint = did_you_mean(event, &events, "its events are");
                return Err(HarnessError::Usage(format!("{e}; {hint}")));
            }
            let deliver = Deliver {
                event: event.clone(),
                alias: None,
                set,
                max_attempts,
                to_registered: false,
            };
            (event.clone(), Action::Deliver(deliver))
        }
        Sent::Body { file, exact } => {
            let mut replay = body_replay(id, file, *exact, set, &request.secret)?;
            replay.max_attempts = max_attempts;
            (file.display().to_string(), Action::Replay(replay))
        }
    };
    let secret = match &request.what {
        // An exact replay keeps its signature: there is no key to default to.
        Sent::Body { exact: true, .. } => None,
        _ => Some(request.secret.clone()),
    };
    let (settings, notes) = match secret {
        Some(secret) => signing(id, secret)?,
        None => (BTreeMap::new(), Vec::new()),
    };
    let scenario = Scenario {
        path: PathBuf::from(format!("send {id} {name}")),
        name: format!("send {name}"),
        provider: id,
        rule: format!("{id}/send"),
        source: provider.documentation().to_owned(),
        target: Some(url),
        settings,
        seed: Some(request.seed),
        subscriptions: Vec::new(),
        basis: Basis::Documented,
        requires: Vec::new(),
        reference_only: false,
        unset_settings: Vec::new(),
        steps: vec![Step {
            action,
            expect: Expectations::default(),
            // No file holds this step: line 0, which headings leave out.
            location: Location::default(),
        }],
    };
    Ok(PreparedSend { scenario, notes })
}

/// `--body FILE`: its payload re-signed (with `set` applied), or with
/// `exact` its capture's bytes and signature, which nothing may change.
fn body_replay(
    id: ProviderId,
    file: &std::path::Path,
    exact: bool,
    set: Vec<Override>,
    secret: &Option<String>,
) -> Result<Replay, HarnessError> {
    let shown = file.display();
    if exact && !set.is_empty() {
        return Err(HarnessError::Usage(format!(
            "--set with --exact: a byte-exact body cannot change; leave out --exact to re-sign \
             the payload of `{shown}` with your changes"
        )));
    }
    if exact && secret.is_some() {
        return Err(HarnessError::Usage(format!(
            "--secret with --exact: the capture `{shown}` is sent with its original signature; \
             leave out --exact to sign it with --secret"
        )));
    }
    let body = replay::load(file, Some(id), !exact)
        .map_err(|why| HarnessError::Usage(format!("--body {shown}: {why}")))?;
    if let replay::Replayed::Resigned(payload) = &body {
        let mut payload = payload.clone();
        for o in &set {
            hooksim_simulator::payload::set_path(&mut payload, &o.path, o.value.clone())
                .map_err(|e| HarnessError::Usage(format!("--set {}: {e}", o.path)))?;
        }
    }
    Ok(Replay {
        file: file.to_owned(),
        body,
        set,
        max_attempts: None,
    })
}

/// The schedule cut `attempts` asks for; more attempts than the provider
/// ever makes is a mistake about the provider, so it is refused, not clamped.
fn max_attempts(id: ProviderId, attempts: Attempts) -> Result<Option<u32>, HarnessError> {
    let Attempts::AtMost(n) = attempts else {
        return Ok(None);
    };
    let most = id.provider().policy().schedule.value.attempts();
    if n == 0 || n as usize > most {
        return Err(HarnessError::Usage(format!(
            "--max-attempts {n}: {id}'s retry schedule has {most} attempts; give 1 to {most} \
             (or leave it out for all of them)"
        )));
    }
    Ok(Some(n))
}

/// The settings a send runs with, and a note where the provider signs but
/// no key was given. A key for a provider that signs nothing is refused:
/// the sender believes something is checked that is not.
fn signing(
    id: ProviderId,
    secret: Option<String>,
) -> Result<(BTreeMap<String, String>, Vec<String>), HarnessError> {
    let provider = id.provider();
    let mut settings = BTreeMap::new();
    let mut notes = Vec::new();
    match (provider.signature(), secret) {
        (None, Some(_)) => {
            return Err(HarnessError::Usage(format!(
                "--secret: {id} deliveries are not signed, so there is no key to give; \
                 leave --secret out (`hooksim providers show {id}` lists its headers)"
            )));
        }
        (Some(_), Some(secret)) => {
            settings.insert(SECRET_SETTING.to_owned(), secret);
        }
        (Some(scheme), None) => {
            let default = provider
                .settings()
                .iter()
                .find(|setting| setting.name == SECRET_SETTING)
                .and_then(|setting| setting.default);
            notes.push(match default {
                Some(key) => format!(
                    "no --secret given; signing with the default test key `{key}` \
                     (pass --secret with your receiver's key)"
                ),
                None => format!(
                    "no --secret given; sending without {}, as {id} does for a \
                     subscription without a secret (pass --secret to sign)",
                    scheme.header
                ),
            });
        }
        (None, None) => {}
    }
    Ok((settings, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(provider: &str, event: &str) -> SendRequest {
        SendRequest {
            provider: provider.to_owned(),
            what: Sent::Event(event.to_owned()),
            url: "http://127.0.0.1:9/hooks".to_owned(),
            secret: None,
            overrides: Vec::new(),
            seed: 0,
            attempts: Attempts::Schedule,
        }
    }

    fn usage(result: Result<PreparedSend, HarnessError>) -> String {
        match result {
            Err(HarnessError::Usage(message)) => message,
            other => panic!("expected bad input, got {other:?}"),
        }
    }

    #[test]
    fn a_signing_provider_without_a_key_says_which_key_it_uses() {
        let sent = prepare_send(&request("hemnet", "CONTACT.CREATE")).expect("valid");
        assert_eq!(
            sent.notes,
            [
                "no --secret given; signing with the default test key `hooksim-test-secret` \
              (pass --secret with your receiver's key)"
            ]
        );
        assert!(
            sent.scenario.settings.is_empty(),
            "the provider's default applies"
        );
        let atlas = prepare_send(&request("propertyfinder-atlas", "lead.created")).expect("valid");
        assert_eq!(atlas.notes.len(), 1);
        assert!(
            atlas.notes[0].contains("sending without X-Signature"),
            "{atlas:?}"
        );
    }

    #[test]
    fn a_given_key_is_used_without_a_note() {
        let mut with_key = request("hemnet", "CONTACT.CREATE");
        with_key.secret = Some("k".to_owned());
        let sent = prepare_send(&with_key).expect("valid");
        assert!(sent.notes.is_empty());
        assert_eq!(
            sent.scenario.settings.get("secret").map(String::as_str),
            Some("k")
        );
    }

    #[test]
    fn a_key_for_a_provider_that_signs_nothing_is_bad_input() {
        for (provider, event) in [("spark", "New"), ("flow", "OppdragCreated")] {
            let mut with_key = request(provider, event);
            with_key.secret = Some("k".to_owned());
            let message = usage(prepare_send(&with_key));
            assert!(
                message.contains(&format!("{provider} deliveries are not signed")),
                "{message}"
            );
            assert!(
                prepare_send(&request(provider, event))
                    .expect("valid")
                    .notes
                    .is_empty()
            );
        }
    }

    #[test]
    fn attempts_are_cut_within_the_schedule_only() {
        let mut once = request("hemnet", "CONTACT.CREATE");
        once.attempts = Attempts::AtMost(1);
        let sent = prepare_send(&once).expect("valid");
        let Action::Deliver(deliver) = &sent.scenario.steps[0].action else {
            panic!("a send delivers");
        };
        assert_eq!(deliver.max_attempts, Some(1));
        let most = ProviderId::Hemnet
            .provider()
            .policy()
            .schedule
            .value
            .attempts();
        for n in [0, most as u32 + 1] {
            let mut beyond = request("hemnet", "CONTACT.CREATE");
            beyond.attempts = Attempts::AtMost(n);
            let message = usage(prepare_send(&beyond));
            assert!(
                message.contains(&format!("has {most} attempts; give 1 to {most}")),
                "{message}"
            );
        }
        let mut all = request("hemnet", "CONTACT.CREATE");
        all.attempts = Attempts::AtMost(most as u32);
        assert!(prepare_send(&all).is_ok());
    }

    #[test]
    fn a_target_that_is_not_a_url_is_bad_input() {
        let mut relative = request("hemnet", "CONTACT.CREATE");
        relative.url = "/hemnet".to_owned();
        assert!(usage(prepare_send(&relative)).contains("is not an http:// or https:// URL"));
    }
}
