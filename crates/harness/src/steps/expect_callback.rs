//! `expect_callback`: wait (real time) until the receiver called the
//! provider's API as described (a read after a delivery that announced a
//! change, say), and count the calls.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::ProviderId;

use super::probe::method_shape;
use super::{Ran, ReadContext, Record, StepCx, StepKind};
use crate::error::HarnessError;
use crate::expect::{Allowed, Check};
use crate::provider_api::{POLL, Placeholders, describe_call};
use crate::read::shape::{Key, Shape, names};
use crate::read::{Node, Reader, optional};
use crate::steps::Answers;

/// `expect_callback: { method, path, query?, count?, within }`. `path` is
/// relative to the provider's API base; `*` matches one path segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectCallback {
    pub method: String,
    pub path: String,
    /// Must appear in the call's query string.
    pub query: Option<String>,
    /// Exactly this many matching calls; at least one when not given.
    pub count: Option<u32>,
    pub within: Duration,
}

fn keys() -> Vec<Key> {
    vec![
        Key::optional("method", "The call's HTTP method; `GET` when not given.", method_shape()),
        Key::required(
            "path",
            "The call's path, relative to the provider's API, like `/flow/api/Properties/*/SettlementStatuses`; `*` matches one segment.",
            Shape::Pattern("^/"),
        ),
        Key::optional(
            "query",
            "What the call's query string must hold: `name=value` pairs joined by `&` (a value may be a comma-separated list), or a bare `name`.",
            Shape::Text,
        ),
        Key::optional(
            "count",
            "Exactly this many matching calls; at least one when not given.",
            Shape::integer(0, u32::MAX),
        ),
        Key::required(
            "within",
            "How long (real time, at most 5m) the calls may take to come.",
            Shape::Duration,
        ),
    ]
}

impl StepKind for ExpectCallback {
    const KEYWORD: &'static str = "expect_callback";
    const SUMMARY: &'static str = "Wait (real time) until the receiver called the provider's API as described.";
    const EXPECTS: Allowed = Allowed::NOTHING;

    fn shape(_: Option<ProviderId>) -> Option<Shape> {
        Some(Shape::Mapping(keys()))
    }

    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        let entries = r.entries(value, key, "`expect_callback`", &names(&keys()))?;
        if !cx.placeholders(r, value) {
            return None;
        }
        let method = entries.get("method").map(|node| r.http_method(node));
        let path = r.required(
            &entries,
            "path",
            "say which call, relative to the provider's API, like `path: /flow/api/Properties/*/SettlementStatuses`",
        );
        let path = path.and_then(|node| r.path(node));
        let query = entries.get("query").map(|node| r.string(node, "query"));
        let count = entries.get("count").map(|node| {
            r.integer(node, "count", 0..=u32::MAX.into(), "a whole number")
                .map(|n| n as u32)
        });
        let within = r.required(
            &entries,
            "within",
            "say how long to wait, like `within: 5s`",
        );
        let within = within.and_then(|node| r.real_duration(node, "within"));
        Some(ExpectCallback {
            method: optional(method)?.unwrap_or_else(|| "GET".to_owned()),
            path: path?,
            query: optional(query)?,
            count: optional(count)?,
            within: within?,
        })
    }

    fn uses_provider_api(&self) -> bool {
        true
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        if cx.state.apis.is_none() {
            return Err(cx.bad_step("no provider API"));
        }
        let state = &*cx.state;
        let journal = || state.journal();
        let placeholders = state.placeholders(cx.provider);
        let (record, checks) = expect_callback(&journal, cx.provider, self, &placeholders)
            .await
            .map_err(|m| cx.bad_step(m))?;
        Ok((Arc::new(record), checks))
    }
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


/// Wait (real time) until the receiver made the calls `callback` describes,
/// among those `journal` gives (the scenario's own).
async fn expect_callback(
    journal: &dyn Fn() -> Vec<hooksim_simulator::api::JournalEntry>,
    provider: ProviderId,
    callback: &ExpectCallback,
    placeholders: &Placeholders<'_>,
) -> Result<(CallbackRecord, Vec<Check>), String> {
    let path = placeholders.fill(&callback.path)?;
    let query = callback
        .query
        .as_deref()
        .map(|q| placeholders.fill(q))
        .transpose()?;
    let matches = || {
        journal()
            .iter()
            .filter(|e| e.provider == Some(provider))
            // A call refused for its token is the receiver renewing an
            // expired one (a long-lived receiver meets a new run's API), not
            // another read: it is not counted.
            .filter(|e| e.status != 401)
            .filter(|e| e.method == callback.method && path_matches(&path, &e.path))
            .filter(|e| {
                query
                    .as_deref()
                    .is_none_or(|q| query_matches(q, e.query.as_deref().unwrap_or("")))
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
    let calls = journal()
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

/// Whether a call's query string has what `wanted` asks for: each
/// `name=value` of it a parameter of that name (percent-decoded) whose
/// value is the same or, for a comma-separated list (`$select=Id,Status`),
/// holds every item wanted; a bare `name` that the parameter is there.
fn query_matches(wanted: &str, query: &str) -> bool {
    let params: Vec<(String, String)> = query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decoded(name), percent_decoded(value))
        })
        .collect();
    wanted.split('&').all(|pair| {
        let (name, value) = match pair.split_once('=') {
            Some((name, value)) => (percent_decoded(name), Some(percent_decoded(value))),
            None => (percent_decoded(pair), None),
        };
        params.iter().any(|(have_name, have_value)| {
            *have_name == name
                && value.as_deref().is_none_or(|value| {
                    have_value == value || {
                        let items: Vec<&str> = have_value.split(',').map(str::trim).collect();
                        value.split(',').all(|item| items.contains(&item.trim()))
                    }
                })
        })
    })
}

/// `%24select` → `$select`, `+` → space; bytes that do not decode stay.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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


impl Record for CallbackRecord {
    fn transcript(&self, out: &mut String, heading: &str, _: Answers) {
        let _ = writeln!(
            out,
            "{heading}: expect_callback {}: {} matching call(s)",
            self.wanted, self.matched
        );
    }

    fn title(&self) -> String {
        format!("expect_callback {}", self.wanted)
    }

    fn failure_details(&self, out: &mut String, provider: ProviderId, _: &DeliveryPolicy) {
        let seen = if self.calls.is_empty() {
            "none".to_owned()
        } else {
            self.calls.join("; ")
        };
        let _ = writeln!(
            out,
            "    calls the receiver made to the {provider} API: {seen}"
        );
    }

    fn json_kind(&self) -> &'static str {
        "expect-callback"
    }

    fn json_title(&self) -> String {
        format!("expect_callback {}: {} matching", self.wanted, self.matched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider_api::percent_encoded;

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
    fn a_query_matches_by_parameter_and_list_item() {
        assert!(query_matches(
            "$select=Status",
            "$filter=Id%20eq%201&$select=Id,Status"
        ));
        assert!(query_matches(
            "$select=Status",
            "%24filter=Id+eq+1&%24select=Status"
        ));
        assert!(!query_matches("$select=Status", "$select=TransferDate"));
        assert!(!query_matches("$select=Status", "$filter=Status"));
        assert!(query_matches("$filter", "$filter=Id eq 1"));
        assert_eq!(percent_decoded("a%2"), "a%2");
        assert_eq!(percent_encoded("a b/ü-1"), "a%20b%2F%C3%BC-1");
        assert_eq!(percent_decoded(&percent_encoded("a b/ü-1")), "a b/ü-1");
    }
}
