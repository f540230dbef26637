//! `probe`: an HTTP call to the receiver's own API (a lookup of what it
//! stored), checked by status, JSON values and record count, asked again
//! until the expectations hold or `within` is spent.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use hooksim_simulator::payload::get_path;
use hooksim_simulator::providers::ProviderId;
use serde_json::Value;

use super::{Ran, ReadContext, Record, StepCx, StepKind};
use crate::error::HarnessError;
use crate::expect::{Allowed, Check, Expectations};
use crate::provider_api::{POLL, ProbeRecord, ReceiverCall};
use crate::read::shape::{Key, Shape, names};
use crate::read::{HTTP_METHODS, Kind, Node, NodeKind, Problem, Reader, optional, shorten};
use crate::steps::{Answers, body_excerpt};

/// `probe: { method, path, json?, headers?, params?, count_at? }`. `path` is
/// joined to the receiver's base URL unless it is an absolute URL;
/// `{{api.*}}`, `{{settings.*}}` and `{{sent.ALIAS.path}}` placeholders are
/// filled in at run time, then each `{name}` from `params`.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub method: String,
    pub path: String,
    pub json: Option<serde_json::Value>,
    /// `Name: value` lines; one that is empty once filled is not sent (an
    /// optional setting left unset).
    pub headers: Vec<String>,
    /// Values for the `{name}`s in the filled path (`{id}` in a setting).
    pub params: Vec<(String, String)>,
    /// Where in the JSON answer the `count` expectation reads; see
    /// [`stored_count`].
    pub count_at: Option<String>,
    /// Ask again (real time) until the expectations hold or this passes:
    /// receivers store in the background, so a first answer may be early.
    pub within: Option<Duration>,
}

/// `GET`, `get`, ...: methods are read in any case.
pub(crate) fn method_shape() -> Shape {
    Shape::words(
        HTTP_METHODS
            .iter()
            .flat_map(|m| [(*m).to_owned(), m.to_ascii_lowercase()]),
    )
}

fn keys() -> Vec<Key> {
    vec![
        Key::optional("method", "The HTTP method; `GET` when not given.", method_shape()),
        Key::required(
            "path",
            "What to call on the receiver: a path joined to its base URL, an absolute URL, or a placeholder that becomes one, like `{{settings.contact_lookup}}`.",
            Shape::Text,
        ),
        Key::optional(
            "json",
            "A JSON body to send; `{{...}}` placeholders in it are filled in.",
            Shape::Any,
        ),
        Key::optional(
            "headers",
            "Header lines to send, `Name: value`; a line that is empty once filled in is not sent.",
            Shape::list(Shape::Text, 0),
        ),
        Key::optional(
            "params",
            "Values for the `{name}`s in the filled-in path, like `{ id: \"{{sent.lead.data.id}}\" }`.",
            Shape::dictionary(None, Shape::Scalar),
        ),
        Key::optional(
            "count_at",
            "Where in the JSON answer `count` reads: a dotted path to a list or a number.",
            Shape::Text,
        ),
        Key::optional(
            "within",
            "Ask again until the expectations hold or this much real time has passed (at most 5m): receivers may store in the background.",
            Shape::Duration,
        ),
    ]
}

impl StepKind for Probe {
    const KEYWORD: &'static str = "probe";
    const SUMMARY: &'static str = "Call the receiver's own API (a lookup of what it stored) and check the answer.";
    const EXPECTS: Allowed = Allowed::keys(&["status", "json", "count"]);

    fn shape(_: Option<ProviderId>) -> Option<Shape> {
        Some(Shape::Mapping(keys()))
    }

    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        let entries = r.entries(value, key, "`probe`", &names(&keys()))?;
        // Every placeholder names something the run can fill, before anything is sent.
        if !cx.placeholders(r, value) {
            return None;
        }
        let method = entries.get("method").map(|node| r.http_method(node));
        let path = r.required(
            &entries,
            "path",
            "say what to call on the receiver, like `path: /hemnet/contacts`",
        );
        let path = path.and_then(|node| probe_path(r, node));
        let json = entries.get("json").map(|node| r.json(node));
        let headers = entries.get("headers").map(|node| header_lines(r, node));
        let params = entries.get("params").map(|node| params(r, node));
        let count_at = entries
            .get("count_at")
            .map(|node| r.string(node, "count_at"));
        let within = entries
            .get("within")
            .map(|node| r.real_duration(node, "within"));
        Some(Probe {
            method: optional(method)?.unwrap_or_else(|| "GET".to_owned()),
            path: path?,
            json: optional(json)?,
            headers: optional(headers)?.unwrap_or_default(),
            params: optional(params)?.unwrap_or_default(),
            count_at: optional(count_at)?.filter(|at| !at.is_empty()),
            within: optional(within)?,
        })
    }

    fn uses_provider_api(&self) -> bool {
        self.path.contains("{{api.")
            || self
                .json
                .as_ref()
                .is_some_and(|j| j.to_string().contains("{{api."))
    }

    fn calls_receiver(&self) -> bool {
        true
    }

    /// Call the receiver's own API and check the answer, again every
    /// [`POLL`] until the checks pass or `within` is spent.
    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        let base = cx.state.receiver_base.as_deref().ok_or_else(|| {
            cx.bad_step("a probe needs the receiver's base URL: pass --target URL")
        })?;
        let placeholders = cx.state.placeholders(cx.provider);
        let call = ReceiverCall {
            method: &self.method,
            target: &self.path,
            params: &self.params,
            headers: &self.headers,
            json: self.json.as_ref(),
        };
        let count_at = self
            .count_at
            .as_deref()
            .map(|at| placeholders.fill(at))
            .transpose()
            .map_err(|m| cx.bad_step(m))?
            .filter(|at| !at.trim().is_empty());
        let deadline = tokio::time::Instant::now() + self.within.unwrap_or_default();
        loop {
            let (record, status) = call
                .send(cx.transport, base, &placeholders)
                .await
                .map_err(|m| cx.bad_step(m))?;
            let checks = probe_checks(&record, status, cx.expect, count_at.as_deref());
            if checks.iter().all(|c| c.passed) || tokio::time::Instant::now() >= deadline {
                return Ok((Arc::new(record), checks));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// A probe's `path`: a path, an absolute URL, or a placeholder that
/// becomes one (`{{settings.contact_lookup}}`).
fn probe_path(r: &mut Reader<'_>, node: &Node) -> Option<String> {
    let text = r.string(node, "path")?;
    if text.starts_with("http://") || text.starts_with("https://") || text.starts_with("{{") {
        return Some(text);
    }
    r.path(node)
}

/// `headers: ["Name: value", ...]`.
fn header_lines(r: &mut Reader<'_>, node: &Node) -> Option<Vec<String>> {
    let NodeKind::Seq(items) = &node.kind else {
        r.wrong_type(
            node,
            "`headers`",
            "a list of `Name: value` lines, like `[\"{{settings.admin_header}}\"]`",
        );
        return None;
    };
    let mut lines = Vec::with_capacity(items.len());
    for item in items {
        let line = r.string(item, "headers")?;
        let placeholder = line.trim_start().starts_with("{{");
        let named = line
            .split_once(':')
            .is_some_and(|(name, _)| !name.trim().is_empty() && !name.contains(' '));
        if !placeholder && !named {
            r.report(
                item,
                Problem::new(
                    Kind::InvalidValue,
                    format!("`{}` is not a header line", shorten(&line)),
                    "not `Name: value`",
                )
                .with_help("write a header as `Name: value`, like `Authorization: Bearer TOKEN`"),
            );
            return None;
        }
        lines.push(line);
    }
    Some(lines)
}

/// `params: { id: "{{sent.lead.data.id}}" }`: text for each `{name}`.
fn params(r: &mut Reader<'_>, node: &Node) -> Option<Vec<(String, String)>> {
    let NodeKind::Map(entries) = &node.kind else {
        r.wrong_type(
            node,
            "`params`",
            "a mapping of names to values, like `{ id: \"{{sent.lead.data.id}}\" }`",
        );
        return None;
    };
    let mut params = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let name = r.key_name(key)?;
        let value = r.scalar_text(value, &format!("params.{name}"))?;
        params.push((name, value));
    }
    Some(params)
}

fn probe_checks(
    record: &ProbeRecord,
    status: Option<u16>,
    expect: &Expectations,
    count_at: Option<&str>,
) -> Vec<Check> {
    let mut checks = Vec::new();
    if let Some(expected) = expect.status {
        let passed = status.is_some_and(|status| expected.matches(status));
        checks.push(Check::judged("status", expected, &record.answer, passed));
    }
    let parsed: Option<Value> = serde_json::from_str(&record.body).ok();
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
    if let Some(expected) = expect.count {
        let actual = stored_count(status, parsed.as_ref(), count_at).map_or_else(
            || match count_at {
                Some(at) => format!("no count at `{at}` in the answer"),
                None => "an answer that is neither a JSON list nor an object".to_owned(),
            },
            |n| n.to_string(),
        );
        checks.push(Check::new("count", expected, actual));
    }
    checks
}

/// How many records a lookup's answer holds: the number (or list length) at
/// `count_at`; without it, a list's length, or 1 for an object; 0 for a 404.
pub fn stored_count(
    status: Option<u16>,
    body: Option<&Value>,
    count_at: Option<&str>,
) -> Option<u64> {
    if status == Some(404) {
        return Some(0);
    }
    let body = body?;
    let counted = match count_at {
        Some(at) => get_path(body, at)?,
        None => body,
    };
    match counted {
        Value::Array(items) => u64::try_from(items.len()).ok(),
        Value::Number(n) if count_at.is_some() => n.as_u64(),
        Value::Object(_) if count_at.is_none() => Some(1),
        _ => None,
    }
}


impl Record for ProbeRecord {
    fn transcript(&self, out: &mut String, heading: &str, _: Answers) {
        let _ = writeln!(
            out,
            "{heading}: probe {} {} -> {}",
            self.method, self.path, self.answer
        );
    }

    fn title(&self) -> String {
        format!("probe {} {} -> {}", self.method, self.path, self.answer)
    }

    fn failure_details(&self, out: &mut String, _: ProviderId, _: &hooksim_simulator::policy::DeliveryPolicy) {
        if !self.body.is_empty() {
            let _ = writeln!(out, "    response body: {}", body_excerpt(&self.body));
        }
    }

    fn json_kind(&self) -> &'static str {
        "probe"
    }

    fn json_title(&self) -> String {
        self.title()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_lookup_counts_a_list_an_object_or_the_number_it_names() {
        let list = json!([{"id": 1}, {"id": 2}]);
        assert_eq!(stored_count(Some(200), Some(&list), None), Some(2));
        assert_eq!(
            stored_count(Some(200), Some(&json!({"id": 1})), None),
            Some(1)
        );
        let wrapped = json!({"total": 3, "leads": [1, 2]});
        assert_eq!(
            stored_count(Some(200), Some(&wrapped), Some("total")),
            Some(3)
        );
        assert_eq!(
            stored_count(Some(200), Some(&wrapped), Some("leads")),
            Some(2)
        );
        assert_eq!(stored_count(Some(200), Some(&wrapped), Some("nope")), None);
        assert_eq!(stored_count(Some(404), None, None), Some(0));
        assert_eq!(stored_count(Some(200), Some(&json!("text")), None), None);
    }
}
