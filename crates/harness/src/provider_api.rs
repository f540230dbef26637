//! Steps that involve the provider APIs hooksim plays (registrations, the
//! journal of calls a receiver makes) and the receiver's own API (probes).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use hooksim_simulator::api::{ProviderApis, Registration};
use hooksim_simulator::payload::get_path;
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::transport::{Call, Transport};
use serde_json::Value;

/// How often a real-time wait looks again.
pub(crate) const POLL: Duration = Duration::from_millis(20);
/// A probe waits at most this long for the receiver's answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// What `{{api.NAME}}` may name: the provider API's address and credentials.
pub(crate) const API_PLACEHOLDERS: [&str; 6] = [
    "base_url",
    "connection",
    "token",
    "read_only_token",
    "client_id",
    "client_secret",
];

/// What placeholders can refer to.
#[derive(Debug, Clone, Copy)]
pub struct Placeholders<'a> {
    pub apis: Option<&'a ProviderApis>,
    pub provider: ProviderId,
    pub sent: &'a HashMap<String, Value>,
    /// The scenario's effective settings (`{{settings.contact_lookup}}`).
    pub settings: &'a BTreeMap<String, String>,
}

impl Placeholders<'_> {
    /// The value of one `{{name}}`: `api.base_url`, `api.token`,
    /// `api.read_only_token`, `api.client_id`, `api.client_secret`, or
    /// `sent.ALIAS.dotted.path`.
    fn value(&self, name: &str) -> Result<Value, String> {
        if let Some(setting) = name.strip_prefix("settings.") {
            // An unset setting is empty: a scenario that cannot do without it
            // names it in `requires` and is skipped before anything is sent.
            let text = self.settings.get(setting).cloned().unwrap_or_default();
            // A reference value may itself name the API (`{{api.base_url}}`).
            let inner = Placeholders {
                settings: &BTreeMap::new(),
                ..*self
            };
            return inner.fill(&text).map(Value::String);
        }
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
                        "unknown placeholder `{{{{{name}}}}}`: api.{}",
                        API_PLACEHOLDERS.join(", api.")
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
            "unknown placeholder `{{{{{name}}}}}`: use `{{{{api.…}}}}`, `{{{{settings.NAME}}}}` or `{{{{sent.ALIAS.path}}}}`"
        ))
    }

    /// `text` with every `{{...}}` replaced by its value (strings unquoted).
    pub fn fill(&self, text: &str) -> Result<String, String> {
        self.fill_where(text, &|_| true)
    }

    /// `text` as a transcript shows it: every placeholder filled except
    /// those of the provider API (`{{api.connection}}` holds a port that
    /// changes from run to run).
    pub fn fill_for_transcript(&self, text: &str) -> String {
        self.fill_where(text, &|name| !name.starts_with("api."))
            .unwrap_or_else(|_| text.to_owned())
    }

    /// `text` with only its `{{settings.*}}` filled.
    pub fn fill_settings(&self, text: &str) -> Result<String, String> {
        self.fill_where(text, &|name| name.starts_with("settings."))
    }

    fn fill_where(&self, text: &str, wanted: &dyn Fn(&str) -> bool) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| format!("`{text}`: `{{{{` without `}}}}`"))?;
            let name = after[..end].trim();
            if !wanted(name) {
                out.push_str(&rest[start..start + 2 + end + 2]);
                rest = &after[end + 2..];
                continue;
            }
            match self.value(name)? {
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
    /// The path as sent (an absolute URL's origin left out, `{{api.*}}`
    /// placeholders left as written: they hold ports).
    pub path: String,
    /// `200`, or what went wrong (`connection refused`).
    pub answer: String,
    pub body: String,
}

/// A call hooksim makes to the receiver's own API: a probe, a registration
/// trigger. `target` is a path joined to `base_url`, or an absolute URL.
#[derive(Debug)]
pub struct ReceiverCall<'a> {
    pub method: &'a str,
    pub target: &'a str,
    pub params: &'a [(String, String)],
    pub headers: &'a [String],
    pub json: Option<&'a Value>,
}

impl ReceiverCall<'_> {
    /// The URL, the path a transcript shows, the headers and the body, all
    /// filled in.
    fn prepare(
        &self,
        base_url: &str,
        placeholders: &Placeholders<'_>,
    ) -> Result<(Call, String), String> {
        let mut target = placeholders.fill(self.target)?;
        let mut shown = placeholders.fill_for_transcript(self.target);
        // A value goes into a path or a query: anything but the unreserved
        // characters is percent-encoded.
        for (name, value) in self.params {
            let pattern = format!("{{{name}}}");
            target = target.replace(&pattern, &percent_encoded(&placeholders.fill(value)?));
            shown = shown.replace(
                &pattern,
                &percent_encoded(&placeholders.fill_for_transcript(value)),
            );
        }
        let url = if is_absolute(&target) {
            target
        } else if target.starts_with('/') {
            format!("{}{target}", base_url.trim_end_matches('/'))
        } else {
            return Err(format!(
                "`{target}` is neither a path nor an http(s) URL (check the setting it came from)"
            ));
        };
        let mut headers = Vec::new();
        for line in self.headers {
            let line = placeholders.fill(line)?;
            if !line.trim().is_empty() {
                headers.push(header_line(&line)?);
            }
        }
        let json = self.json.map(|j| placeholders.fill_json(j)).transpose()?;
        let call = Call {
            method: self.method.to_owned(),
            url,
            headers,
            json,
            timeout: PROBE_TIMEOUT,
        };
        Ok((call, path_of(&shown).to_owned()))
    }

    /// Send it once: the record and the JSON answer, when there is one.
    pub(crate) async fn send(
        &self,
        transport: &Transport,
        base_url: &str,
        placeholders: &Placeholders<'_>,
    ) -> Result<(ProbeRecord, Option<u16>), String> {
        let (call, path) = self.prepare(base_url, placeholders)?;
        let exchange = transport.call(&call).await.map_err(|e| e.to_string())?;
        let (status, body) = match &exchange.result {
            Ok(response) => (
                Some(response.status),
                String::from_utf8_lossy(&response.excerpt.body).into_owned(),
            ),
            Err(failure) => (None, format!("{failure:?}")),
        };
        let answer = status.map_or_else(|| body.clone(), |s| s.to_string());
        let record = ProbeRecord {
            method: self.method.to_owned(),
            path,
            answer,
            body,
        };
        Ok((record, status))
    }
}

fn is_absolute(target: &str) -> bool {
    target.starts_with("http://") || target.starts_with("https://")
}

/// `/leads?x=1` of `http://host:port/leads?x=1`; a path stays as it is.
pub fn path_of(target: &str) -> &str {
    let Some(scheme_end) = target.find("://").map(|i| i + 3) else {
        return target;
    };
    target[scheme_end..]
        .find('/')
        .map_or("/", |i| &target[scheme_end + i..])
}

/// `Name: value` as a header, or why it is not one.
pub fn header_line(line: &str) -> Result<(String, String), String> {
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| format!("header `{line}` is not `Name: value`"))?;
    let name = name.trim();
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    let value = value.trim();
    if !token || value.bytes().any(|b| b == b'\r' || b == b'\n') {
        return Err(format!("header `{line}` is not `Name: value`"));
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// The ids a scenario's deliveries announced, as words: the text of every
/// string and number of four characters or more in their payloads. A call
/// to a provider API shared by a whole run belongs to the scenario whose
/// ids it names (Flow's reads name the case).
pub fn announced_ids<'a>(payloads: impl IntoIterator<Item = &'a Value>) -> BTreeSet<String> {
    fn walk(value: &Value, ids: &mut BTreeSet<String>) {
        match value {
            Value::String(text) if text.len() >= 4 && text.len() <= 64 => {
                ids.insert(text.clone());
            }
            Value::Number(n) if n.to_string().len() >= 4 => {
                ids.insert(n.to_string());
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, ids)),
            Value::Object(map) => map.values().for_each(|item| walk(item, ids)),
            _ => {}
        }
    }
    let mut ids = BTreeSet::new();
    for payload in payloads {
        walk(payload, &mut ids);
    }
    ids
}

/// Whether a journalled call names one of `ids` in its path or query.
pub fn names_one_of(entry: &hooksim_simulator::api::JournalEntry, ids: &BTreeSet<String>) -> bool {
    let query = entry.query.as_deref().unwrap_or("");
    let decoded = query.replace("%20", " ").replace('+', " ");
    entry
        .path
        .split('/')
        .chain(decoded.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '.' || c == ':')))
        .any(|word| ids.contains(word))
}

/// Every registration of `provider`, as [`describe_registration`] has it.
pub(crate) fn described_registrations(apis: &ProviderApis, provider: ProviderId) -> Vec<String> {
    apis.state()
        .registrations(provider)
        .iter()
        .map(describe_registration)
        .collect()
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

/// A journalled call as a transcript shows it.
pub fn describe_call(entry: &hooksim_simulator::api::JournalEntry) -> String {
    let query = entry
        .query
        .as_deref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    format!("{} {}{query} -> {}", entry.method, entry.path, entry.status)
}

/// `text` with every byte but RFC 3986's unreserved ones as `%XX`.
pub(crate) fn percent_encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_sent_values_keeping_their_type() {
        let mut sent = HashMap::new();
        sent.insert("status".to_owned(), json!({"Payload": {"CaseId": 42}}));
        let settings = BTreeMap::from([("contact_lookup".to_owned(), "/leads/{id}".to_owned())]);
        let p = Placeholders {
            apis: None,
            provider: ProviderId::Flow,
            sent: &sent,
            settings: &settings,
        };
        assert_eq!(
            p.fill("{{settings.contact_lookup}}").as_deref(),
            Ok("/leads/{id}")
        );
        assert_eq!(p.fill("{{settings.unset}}").as_deref(), Ok(""));
        assert_eq!(
            p.fill_for_transcript("/x/{{api.connection}}/{{sent.status.Payload.CaseId}}"),
            "/x/{{api.connection}}/42"
        );
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

    #[test]
    fn header_lines_are_checked() {
        assert_eq!(
            header_line("Authorization: Bearer x").ok(),
            Some(("Authorization".to_owned(), "Bearer x".to_owned()))
        );
        assert!(header_line("no colon").is_err());
        assert!(header_line("Bad Name: x").is_err());
        assert_eq!(path_of("http://127.0.0.1:9/a?b=1"), "/a?b=1");
        assert_eq!(path_of("http://127.0.0.1:9"), "/");
        assert_eq!(path_of("/a"), "/a");
    }

    #[test]
    fn a_call_belongs_to_the_scenario_whose_ids_it_names() {
        let ids = announced_ids([&json!({"Payload": {"CaseId": 275292, "Kind": 7}})]);
        let entry = |path: &str, query: Option<&str>| hooksim_simulator::api::JournalEntry {
            provider: Some(ProviderId::Flow),
            method: "GET".to_owned(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            status: 200,
            body: String::new(),
        };
        assert!(names_one_of(
            &entry("/api/Properties/275292/Information", None),
            &ids
        ));
        assert!(names_one_of(
            &entry(
                "/api/Search/AdvancedPropertySearch",
                Some("$filter=Id%20eq%20275292&$select=Status")
            ),
            &ids
        ));
        assert!(!names_one_of(
            &entry("/api/Properties/2752921/Information", None),
            &ids
        ));
        assert!(!names_one_of(&entry("/authtoken", None), &ids));
    }
}
