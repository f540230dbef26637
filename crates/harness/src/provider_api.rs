//! Steps that involve the provider APIs hooksim plays (registrations, the
//! journal of calls a receiver makes) and the receiver's own API (probes).

use std::collections::HashMap;
use std::time::Duration;

use hooksim_simulator::api::{ProviderApis, Registration};
use hooksim_simulator::payload::get_path;
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::transport::{Call, Transport};
use serde_json::Value;

use crate::expect::Check;
use crate::scenario::{Callback, Expectations, Probe};

/// How often a real-time wait looks again.
const POLL: Duration = Duration::from_millis(20);
/// A probe waits at most this long for the receiver's answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// What placeholders can refer to.
#[derive(Debug, Clone, Copy)]
pub struct Placeholders<'a> {
    pub apis: Option<&'a ProviderApis>,
    pub provider: ProviderId,
    pub sent: &'a HashMap<String, Value>,
}

impl Placeholders<'_> {
    /// The value of one `{{name}}`: `api.base_url`, `api.token`,
    /// `api.read_only_token`, `api.client_id`, `api.client_secret`, or
    /// `sent.ALIAS.dotted.path`.
    fn value(&self, name: &str) -> Result<Value, String> {
        if let Some(field) = name.strip_prefix("api.") {
            let apis = self
                .apis
                .ok_or_else(|| format!("`{{{{{name}}}}}`: this scenario has no provider API"))?;
            let credentials = apis.state().credentials();
            let text = match field {
                "base_url" => apis.base_url(self.provider),
                "connection" => apis.connection(),
                "token" => credentials.token,
                "read_only_token" => credentials.read_only_token,
                "client_id" => credentials.client_id,
                "client_secret" => credentials.client_secret,
                _ => {
                    return Err(format!(
                        "unknown placeholder `{{{{{name}}}}}`: api.base_url, api.connection, api.token, api.read_only_token, api.client_id, api.client_secret"
                    ));
                }
            };
            return Ok(Value::String(text));
        }
        if let Some(rest) = name.strip_prefix("sent.") {
            let (alias, path) = rest.split_once('.').unwrap_or((rest, ""));
            let payload = self
                .sent
                .get(alias)
                .ok_or_else(|| format!("`{{{{{name}}}}}`: no delivery is called `{alias}`"))?;
            let value = if path.is_empty() {
                Some(payload)
            } else {
                get_path(payload, path)
            };
            return value
                .cloned()
                .ok_or_else(|| format!("`{{{{{name}}}}}`: `{alias}` has nothing at `{path}`"));
        }
        Err(format!(
            "unknown placeholder `{{{{{name}}}}}`: use `{{{{api.…}}}}` or `{{{{sent.ALIAS.path}}}}`"
        ))
    }

    /// `text` with every `{{...}}` replaced by its value (strings unquoted).
    pub fn fill(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| format!("`{text}`: `{{{{` without `}}}}`"))?;
            match self.value(after[..end].trim())? {
                Value::String(s) => out.push_str(&s),
                other => out.push_str(&other.to_string()),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Fill every string in `value`; a string that is exactly one placeholder
    /// takes the value's own JSON type (a number stays a number).
    pub fn fill_json(&self, value: &Value) -> Result<Value, String> {
        Ok(match value {
            Value::String(s) => {
                let trimmed = s.trim();
                let whole = trimmed
                    .strip_prefix("{{")
                    .and_then(|t| t.strip_suffix("}}"));
                match whole.filter(|inner| !inner.contains("{{")) {
                    Some(name) => self.value(name.trim())?,
                    None => Value::String(self.fill(s)?),
                }
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.fill_json(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.fill_json(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }
}

/// A probe as sent and answered.
#[derive(Debug, Clone)]
pub struct ProbeRecord {
    pub method: String,
    /// The path as the scenario writes it (placeholders unfilled: they hold ports).
    pub path: String,
    /// `200`, or what went wrong (`connection refused`).
    pub answer: String,
    pub body: String,
}

/// Call the receiver's own API and check the answer, again every
/// [`POLL`] until the checks pass or `probe.within` is spent.
pub async fn probe(
    transport: &Transport,
    base_url: &str,
    probe: &Probe,
    expect: &Expectations,
    placeholders: &Placeholders<'_>,
) -> Result<(ProbeRecord, Vec<Check>), String> {
    let deadline = tokio::time::Instant::now() + probe.within.unwrap_or_default();
    loop {
        let (record, checks) = probe_once(transport, base_url, probe, expect, placeholders).await?;
        if checks.iter().all(|c| c.passed) || tokio::time::Instant::now() >= deadline {
            return Ok((record, checks));
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn probe_once(
    transport: &Transport,
    base_url: &str,
    probe: &Probe,
    expect: &Expectations,
    placeholders: &Placeholders<'_>,
) -> Result<(ProbeRecord, Vec<Check>), String> {
    let path = placeholders.fill(&probe.path)?;
    let json = probe
        .json
        .as_ref()
        .map(|j| placeholders.fill_json(j))
        .transpose()?;
    let call = Call {
        method: probe.method.clone(),
        url: format!("{}{path}", base_url.trim_end_matches('/')),
        json,
        timeout: PROBE_TIMEOUT,
    };
    let exchange = transport.call(&call).await.map_err(|e| e.to_string())?;
    let (status, body) = match &exchange.result {
        Ok(response) => (
            Some(response.status),
            String::from_utf8_lossy(&response.excerpt.body).into_owned(),
        ),
        Err(failure) => (None, format!("{failure:?}")),
    };
    let answer = status.map_or_else(|| body.clone(), |s| s.to_string());
    let mut checks = Vec::new();
    if let Some(expected) = expect.status {
        checks.push(Check::new("status", expected, &answer));
    }
    let parsed: Option<Value> = serde_json::from_str(&body).ok();
    for (path, expected) in &expect.json {
        let actual = parsed
            .as_ref()
            .and_then(|v| get_path(v, path))
            .map_or_else(|| "nothing".to_owned(), Value::to_string);
        checks.push(Check::new(
            "json",
            format!("{path} = {expected}"),
            format!("{path} = {actual}"),
        ));
    }
    let record = ProbeRecord {
        method: probe.method.clone(),
        path: probe.path.clone(),
        answer,
        body,
    };
    Ok((record, checks))
}

/// What a wait for a registration found.
#[derive(Debug, Clone)]
pub struct RegistrationRecord {
    pub event: Option<String>,
    /// `id event active` of every registration of the provider at the end.
    pub registrations: Vec<String>,
}

/// Wait (real time, at most `within`) until `provider` has a registration
/// for `event` (any event when `None`).
pub async fn await_registration(
    apis: &ProviderApis,
    provider: ProviderId,
    event: Option<&str>,
    within: Duration,
) -> (RegistrationRecord, Vec<Check>) {
    let covers =
        |r: &Registration| event.is_none() || r.event.is_none() || r.event.as_deref() == event;
    let deadline = tokio::time::Instant::now() + within;
    let found = loop {
        let found = apis.state().registrations(provider).iter().any(covers);
        if found || tokio::time::Instant::now() >= deadline {
            break found;
        }
        tokio::time::sleep(POLL).await;
    };
    let registrations = apis
        .state()
        .registrations(provider)
        .iter()
        .map(describe_registration)
        .collect();
    let record = RegistrationRecord {
        event: event.map(str::to_owned),
        registrations,
    };
    (record, vec![Check::new("registered", true, found)])
}

/// `12 New active`: a registration as a transcript shows it (its URL holds a port).
pub fn describe_registration(r: &Registration) -> String {
    let event = r.event.as_deref().unwrap_or("every event");
    let state = if r.active { "active" } else { "inactive" };
    let signed = if r.secret.is_some() { ", signed" } else { "" };
    format!("{} for {event}, {state}{signed}", r.id)
}

/// The registrations a `deliver: { to: registered }` goes to, and why none
/// when there are none.
pub fn registered_targets(
    apis: &ProviderApis,
    provider: ProviderId,
    event: &str,
) -> Result<Vec<Registration>, String> {
    let all = apis.state().registrations(provider);
    let targets: Vec<Registration> = all
        .iter()
        .filter(|r| r.active && r.event.as_deref().is_none_or(|e| e == event))
        .cloned()
        .collect();
    if !targets.is_empty() {
        return Ok(targets);
    }
    let for_event: Vec<&Registration> = all
        .iter()
        .filter(|r| r.event.as_deref().is_none_or(|e| e == event))
        .collect();
    Err(match (all.len(), for_event.len()) {
        (0, _) => format!(
            "nothing delivered: the receiver registered no webhook through the {provider} API"
        ),
        (_, 0) => format!(
            "nothing delivered: the receiver registered {} webhook(s), none for `{event}`",
            all.len()
        ),
        (_, n) => format!(
            "nothing delivered: the receiver's {n} webhook(s) for `{event}` are all inactive{}",
            if provider == ProviderId::Spark {
                " (Spark webhooks are created inactive unless `\"Active\": true` is sent)"
            } else {
                ""
            }
        ),
    })
}

/// What a wait for callbacks found.
#[derive(Debug, Clone)]
pub struct CallbackRecord {
    /// `GET /flow/api/Properties/*/SettlementStatuses` (as written).
    pub wanted: String,
    pub matched: usize,
    /// `GET /path?query -> status` of every call to the provider's API.
    pub calls: Vec<String>,
}

/// A journalled call as a transcript shows it.
pub fn describe_call(entry: &hooksim_simulator::api::JournalEntry) -> String {
    let query = entry
        .query
        .as_deref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    format!("{} {}{query} -> {}", entry.method, entry.path, entry.status)
}

/// Wait (real time) until the receiver made the calls `callback` describes.
pub async fn expect_callback(
    apis: &ProviderApis,
    provider: ProviderId,
    callback: &Callback,
    placeholders: &Placeholders<'_>,
) -> Result<(CallbackRecord, Vec<Check>), String> {
    let path = placeholders.fill(&callback.path)?;
    let query = callback
        .query
        .as_deref()
        .map(|q| placeholders.fill(q))
        .transpose()?;
    let matches = || {
        apis.state()
            .journal()
            .iter()
            .filter(|e| e.provider == Some(provider))
            .filter(|e| e.method == callback.method && path_matches(&path, &e.path))
            .filter(|e| {
                query
                    .as_deref()
                    .is_none_or(|q| e.query.as_deref().unwrap_or("").contains(q))
            })
            .count()
    };
    let wanted = callback.count.map_or(1, |n| n as usize);
    let deadline = tokio::time::Instant::now() + callback.within;
    let mut matched = matches();
    while matched < wanted && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(POLL).await;
        matched = matches();
    }
    if callback.count.is_some() && matched == wanted {
        // An exact count: give a straggling extra call a moment to show up.
        tokio::time::sleep(Duration::from_millis(200)).await;
        matched = matches();
    }
    let calls = apis
        .state()
        .journal()
        .iter()
        .filter(|e| e.provider == Some(provider))
        .map(describe_call)
        .collect();
    let (expected, actual) = match callback.count {
        Some(n) => (n.to_string(), matched.to_string()),
        None => (
            "at least 1".to_owned(),
            if matched > 0 {
                "at least 1".to_owned()
            } else {
                "0".to_owned()
            },
        ),
    };
    let record = CallbackRecord {
        wanted: format!("{} {}", callback.method, callback.path),
        matched,
        calls,
    };
    Ok((record, vec![Check::new("calls", expected, actual)]))
}

/// `*` matches one path segment; everything else literally.
fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(p, s)| *p == "*" || p.eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_match_with_one_segment_wildcards() {
        assert!(path_matches(
            "/flow/api/Properties/*/SettlementStatuses",
            "/flow/api/Properties/42/SettlementStatuses"
        ));
        assert!(!path_matches(
            "/flow/api/Properties/*",
            "/flow/api/Properties/42/SettlementStatuses"
        ));
        assert!(path_matches("/v1/webhooks/", "/v1/webhooks"));
    }

    #[test]
    fn fills_sent_values_keeping_their_type() {
        let mut sent = HashMap::new();
        sent.insert("status".to_owned(), json!({"Payload": {"CaseId": 42}}));
        let p = Placeholders {
            apis: None,
            provider: ProviderId::Flow,
            sent: &sent,
        };
        assert_eq!(
            p.fill("/Properties/{{sent.status.Payload.CaseId}}/x")
                .as_deref(),
            Ok("/Properties/42/x")
        );
        assert_eq!(
            p.fill_json(&json!({"id": "{{ sent.status.Payload.CaseId }}"})),
            Ok(json!({"id": 42}))
        );
        assert!(
            p.fill("{{api.token}}")
                .is_err_and(|e| e.contains("no provider API"))
        );
        assert!(p.fill("{{sent.other.x}}").is_err());
        assert!(p.fill("{{nope").is_err());
    }
}
