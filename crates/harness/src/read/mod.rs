//! Reading scenario files: the YAML tree whose every node knows where it
//! stands, the errors that point at a node and name the fix, and the
//! [`Reader`] that the top level ([`crate::scenario`]) and every step
//! ([`crate::steps`]) read their keys with. Problems are collected and all
//! of them are reported, in file order, the first leading.

pub(crate) mod error;
pub(crate) mod interpolate;
pub(crate) mod shape;
pub(crate) mod tree;

use std::ops::{Range, RangeInclusive};
use std::path::Path;
use std::time::Duration;

use hooksim_simulator::providers::ProviderId;

use crate::duration::{DURATION_HELP, parse_nominal_duration, suggest_nominal_duration};
use crate::provider_api::API_PLACEHOLDERS;
use crate::suggest::{backticked, did_you_mean};
pub(crate) use error::{
    Problem, ScenarioError, ScenarioErrorKind as Kind, line_and_column, parser_span_to_bytes,
};
use interpolate::{InterpolationError, interpolate};
pub(crate) use tree::{Node, NodeKind};

/// The longest real wait a step may ask for (`within:`).
pub(crate) const MAX_REAL_WAIT: Duration = Duration::from_secs(300);
pub(crate) const HTTP_METHODS: [&str; 7] =
    ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Where something stands in a scenario file (1-based); line 0 for a step
/// no file holds (`hooksim send`'s one delivery).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// A payload override: the value at a dotted path (`set:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub path: String,
    pub value: serde_json::Value,
}

/// A setting left without a value by an unset `${env:NAME}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsetSetting {
    pub setting: String,
    /// The environment variable it needs.
    pub variable: String,
    /// Where the value stands in the file.
    pub location: Location,
}

/// Reads nodes into values, recording every problem with its place.
pub(crate) struct Reader<'a> {
    pub(crate) text: &'a str,
    pub(crate) env: &'a dyn Fn(&str) -> Option<String>,
    /// Byte range in the file and what is wrong there.
    pub(crate) problems: Vec<(Range<usize>, Problem)>,
    /// Settings an unset environment variable leaves without a value.
    pub(crate) unset_settings: Vec<UnsetSetting>,
}

/// A mapping's entries after unknown keys were reported.
pub(crate) struct Entries<'n> {
    /// The node a missing key is reported at: the mapping's own key when it
    /// has one (`deliver:`), else the mapping.
    owner: &'n Node,
    /// How messages name the mapping ("a scenario", "`deliver`").
    what: String,
    pub(crate) known: Vec<(&'static str, &'n Node, &'n Node)>,
}

impl<'n> Entries<'n> {
    /// The key node of `name`, to report a problem with the key itself.
    pub(crate) fn key(&self, name: &str) -> Option<&'n Node> {
        self.known
            .iter()
            .find(|(key, _, _)| *key == name)
            .map(|(_, key, _)| *key)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'n Node> {
        self.known
            .iter()
            .find(|(key, _, _)| *key == name)
            .map(|(_, _, value)| *value)
    }
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str, env: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            text,
            env,
            problems: Vec::new(),
            unset_settings: Vec::new(),
        }
    }

    /// What was read, or its problems in file order.
    pub(crate) fn finish<T>(self, path: &Path, read: Option<T>) -> Result<T, ScenarioError> {
        let text = self.text;
        let mut problems = self.problems;
        problems.sort_by_key(|(at, _)| at.start);
        // A node has one mistake: a second problem at the same node is the
        // first seen again by another check (or a consequence of it), and the
        // one found first wins (the sort is stable). A missing key has no node
        // of its own and stands at its mapping's, beside other mistakes.
        problems.dedup_by(|(at, later), (kept_at, kept)| {
            at.start == kept_at.start
                && later.kind != Kind::MissingKey
                && kept.kind != Kind::MissingKey
        });
        let mut problems = problems.into_iter();
        match (problems.next(), read) {
            (Some(first), _) => Err(ScenarioError::all(path, text, first, problems.collect())),
            (None, Some(read)) => Ok(read),
            // Every path that gives up on the scenario records a problem first.
            (None, None) => Err(ScenarioError::at(
                path,
                text,
                0..0,
                Problem::new(
                    Kind::InvalidValue,
                    "this scenario could not be read",
                    "here",
                ),
            )),
        }
    }

    /// A mapping's entries, reporting unknown keys. `owner` is where a
    /// missing key will be reported.
    pub(crate) fn entries<'n>(
        &mut self,
        node: &'n Node,
        owner: &'n Node,
        what: &str,
        known: &[&'static str],
    ) -> Option<Entries<'n>> {
        let NodeKind::Map(pairs) = &node.kind else {
            self.wrong_type(node, what, &format!("a mapping with {}", backticked(known)));
            return None;
        };
        let mut entries = Entries {
            owner,
            what: what.to_owned(),
            known: Vec::with_capacity(pairs.len()),
        };
        for (key, value) in pairs {
            let Some(name) = self.key_name(key) else {
                continue;
            };
            match known.iter().find(|candidate| **candidate == name) {
                Some(candidate) => entries.known.push((candidate, key, value)),
                None => self.report(
                    key,
                    Problem::new(
                        Kind::UnknownKey,
                        format!("unknown key `{name}`"),
                        "unknown key",
                    )
                    .with_help(did_you_mean(
                        &name,
                        known,
                        &format!("valid keys in {what}"),
                    )),
                ),
            }
        }
        Some(entries)
    }

    pub(crate) fn required<'n>(
        &mut self,
        entries: &Entries<'n>,
        name: &str,
        help: &str,
    ) -> Option<&'n Node> {
        let value = entries.get(name);
        if value.is_none() {
            let label = format!("{} without `{name}`", entries.what);
            self.report(
                entries.owner,
                Problem::new(
                    Kind::MissingKey,
                    format!("missing required key `{name}`"),
                    label,
                )
                .with_help(help),
            );
        }
        value
    }

    /// A mapping key as text; keys that are lists or mappings are reported.
    pub(crate) fn key_name(&mut self, key: &Node) -> Option<String> {
        if is_scalar(&key.kind) && key.kind != NodeKind::Null {
            return Some(self.raw_or_string(key));
        }
        self.report(
            key,
            Problem::new(
                Kind::WrongType,
                "a key must be a plain name",
                format!("{} used as a key", key.kind.article_name()),
            ),
        );
        None
    }

    /// A scalar as text, before interpolation; numbers and booleans are
    /// taken as written (`secret: 0123`).
    pub(crate) fn scalar_text(&mut self, node: &Node, what: &str) -> Option<String> {
        if is_scalar(&node.kind) && node.kind != NodeKind::Null {
            return Some(self.raw_or_string(node));
        }
        self.wrong_type(node, &format!("`{what}`"), "a string");
        None
    }

    /// A string with `${env:...}` resolved: every string value may use it.
    pub(crate) fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        let text = self.scalar_text(node, what)?;
        match interpolate(&text, self.env) {
            Ok(value) => Some(value),
            Err(error) => {
                let at = self.inside(node, &text, error.at());
                let label = match &error {
                    InterpolationError::Unset { .. } => "not set",
                    InterpolationError::Unterminated { .. } => "no closing `}`",
                    InterpolationError::UnknownForm { .. } | InterpolationError::BadName { .. } => {
                        "not an interpolation"
                    }
                };
                let help = match &error {
                    InterpolationError::Unset { name, .. } => {
                        format!(
                            "set `{name}` in the environment, or give a default: `${{env:{name}:-default}}`"
                        )
                    }
                    _ => "write `${env:NAME}` or `${env:NAME:-default}`; `$${` is a literal `${`"
                        .to_owned(),
                };
                self.problems.push((
                    at,
                    Problem::new(Kind::Interpolation, error.to_string(), label).with_help(help),
                ));
                None
            }
        }
    }

    pub(crate) fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        if let NodeKind::Bool(value) = node.kind {
            return Some(value);
        }
        self.wrong_type(node, &format!("`{what}`"), "`true` or `false`");
        None
    }

    pub(crate) fn integer(
        &mut self,
        node: &Node,
        what: &str,
        allowed: RangeInclusive<i128>,
        expected: &str,
    ) -> Option<i128> {
        match node.kind {
            NodeKind::Int(value) if allowed.contains(&value) => Some(value),
            NodeKind::Int(value) => {
                self.report(
                    node,
                    Problem::new(
                        Kind::InvalidValue,
                        format!("`{what}` must be {expected}"),
                        format!("found {value}"),
                    ),
                );
                None
            }
            _ => {
                self.wrong_type(node, &format!("`{what}`"), expected);
                None
            }
        }
    }

    pub(crate) fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        let found = match &node.kind {
            NodeKind::Str(text) => format!("found the string `{}`", shorten(text)),
            NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) => {
                format!("found `{}`", shorten(&self.raw_or_string(node)))
            }
            other => format!("found {}", other.article_name()),
        };
        self.report(
            node,
            Problem::new(Kind::WrongType, format!("{what} must be {expected}"), found),
        );
    }

    // ---- positions ----

    pub(crate) fn report(&mut self, node: &Node, problem: Problem) {
        let at = self.span(node);
        self.problems.push((at, problem));
    }

    /// Byte range of a node. Block mappings have an empty span at their
    /// first key; use that key's span so the caret has a width.
    pub(crate) fn span(&self, node: &Node) -> Range<usize> {
        let span = node.at.span();
        let first_key = match &node.kind {
            NodeKind::Map(entries) => entries.first().map(|(key, _)| key),
            _ => None,
        };
        if let (true, Some(first_key)) = (span.is_empty(), first_key) {
            return self.span(first_key);
        }
        parser_span_to_bytes(self.text, span.offset(), span.len())
    }

    /// Line and character column where a node starts (the parser counts columns in bytes).
    pub(crate) fn location(&self, node: &Node) -> Location {
        let (line, column) = line_and_column(self.text, self.span(node).start);
        Location { line, column }
    }

    /// Byte range of `inner` (a byte range of `value`) in the file, when the
    /// scalar is written plain or quoted without escapes; else the scalar's span.
    pub(crate) fn inside(&self, node: &Node, value: &str, inner: Range<usize>) -> Range<usize> {
        let whole = self.span(node);
        let written = self.text.get(whole.clone()).unwrap_or_default().trim_end();
        let quoted = written.len() >= 2
            && (written.starts_with('"') && written.ends_with('"')
                || written.starts_with('\'') && written.ends_with('\''));
        let content_start = if written == value {
            whole.start
        } else if quoted && written.get(1..written.len() - 1) == Some(value) {
            whole.start + 1
        } else {
            return whole;
        };
        content_start + inner.start..content_start + inner.end
    }

    /// A scalar as written in the file (`1.50`, `0x1F`, `TRUE`), so numbers
    /// used as text keep their spelling; strings as parsed.
    pub(crate) fn raw_or_string(&self, node: &Node) -> String {
        match &node.kind {
            NodeKind::Str(text) => text.clone(),
            _ => self.raw_text(node),
        }
    }

    pub(crate) fn raw_text(&self, node: &Node) -> String {
        let span = node.defined.span();
        let range = parser_span_to_bytes(self.text, span.offset(), span.len());
        let written = self.text.get(range).unwrap_or_default().trim();
        if !written.is_empty() {
            return written.to_owned();
        }
        match &node.kind {
            NodeKind::Int(value) => value.to_string(),
            NodeKind::Float(value) => value.to_string(),
            NodeKind::Bool(value) => value.to_string(),
            _ => String::new(),
        }
    }

    pub(crate) fn event(&mut self, node: &Node, provider: Option<ProviderId>) -> Option<String> {
        let event = self.string(node, "event")?;
        // Without a known provider there is no catalogue to check against; the provider's own error says why.
        let provider = provider?;
        let names: Vec<&str> = provider
            .provider()
            .events()
            .iter()
            .map(|spec| spec.name)
            .collect();
        if names.contains(&event.as_str()) {
            return Some(event);
        }
        self.report(
            node,
            Problem::new(
                Kind::UnknownEvent,
                format!("`{provider}` has no event `{event}`"),
                "unknown event",
            )
            .with_help(did_you_mean(&event, &names, &format!("{provider} events"))),
        );
        None
    }

    pub(crate) fn overrides(&mut self, node: &Node) -> Option<Vec<Override>> {
        let pairs = self.dotted_values(
            node,
            "`set`",
            "a mapping of dotted paths to values, like `{ data.message: \"hi\" }`",
        )?;
        Some(
            pairs
                .into_iter()
                .map(|(path, value)| Override { path, value })
                .collect(),
        )
    }

    /// A mapping of dotted paths to values (`set:`, a probe's `json:`).
    pub(crate) fn dotted_values(
        &mut self,
        node: &Node,
        what: &str,
        expected: &str,
    ) -> Option<Vec<(String, serde_json::Value)>> {
        let NodeKind::Map(entries) = &node.kind else {
            self.wrong_type(node, what, expected);
            return None;
        };
        let mut pairs = Vec::with_capacity(entries.len());
        let mut complete = true;
        for (key, value) in entries {
            let Some(path) = self.key_name(key) else {
                complete = false;
                continue;
            };
            if path.split('.').any(|segment| segment.trim().is_empty()) {
                self.report(
                    key,
                    Problem::new(
                        Kind::InvalidValue,
                        format!("`{path}` is not a dotted path"),
                        "empty path segment",
                    )
                    .with_help(
                        "name a field by its path, like `data.message` or `data.contact.email`",
                    ),
                );
                complete = false;
                continue;
            }
            match self.json(value) {
                Some(value) => pairs.push((path, value)),
                None => complete = false,
            }
        }
        complete.then_some(pairs)
    }

    /// Any YAML value as JSON, strings interpolated.
    pub(crate) fn json(&mut self, node: &Node) -> Option<serde_json::Value> {
        use serde_json::Value;
        Some(match &node.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(value) => Value::Bool(*value),
            NodeKind::Int(value) => match (i64::try_from(*value), u64::try_from(*value)) {
                (Ok(signed), _) => Value::from(signed),
                (_, Ok(unsigned)) => Value::from(unsigned),
                // serde-saphyr only yields values that fit i64 or u64.
                _ => Value::String(value.to_string()),
            },
            NodeKind::Float(value) => serde_json::Number::from_f64(*value)
                .map_or_else(|| Value::String(self.raw_text(node)), Value::Number),
            NodeKind::Str(_) => Value::String(self.string(node, "this value")?),
            NodeKind::Seq(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.json(item));
                }
                Value::Array(values.into_iter().collect::<Option<_>>()?)
            }
            NodeKind::Map(entries) => {
                let mut object = serde_json::Map::new();
                let mut complete = true;
                for (key, value) in entries {
                    match (self.key_name(key), self.json(value)) {
                        (Some(key), Some(value)) => {
                            object.insert(key, value);
                        }
                        _ => complete = false,
                    }
                }
                if !complete {
                    return None;
                }
                Value::Object(object)
            }
        })
    }

    /// One of `words`, as written.
    pub(crate) fn word(&mut self, node: &Node, what: &str, words: &[&str]) -> Option<String> {
        let text = self.string(node, what)?;
        if words.contains(&text.as_str()) {
            return Some(text);
        }
        self.report(
            node,
            Problem::new(
                Kind::InvalidValue,
                format!("`{what}: {text}` is not known"),
                "unknown value",
            )
            .with_help(did_you_mean(&text, words, &format!("`{what}` is one of"))),
        );
        None
    }

    pub(crate) fn http_method(&mut self, node: &Node) -> Option<String> {
        let method = self.string(node, "method")?;
        let upper = method.to_ascii_uppercase();
        if HTTP_METHODS.contains(&upper.as_str()) {
            return Some(upper);
        }
        self.report(
            node,
            Problem::new(
                Kind::InvalidValue,
                format!("unknown HTTP method `{method}`"),
                "not a method",
            )
            .with_help(did_you_mean(&upper, &HTTP_METHODS, "methods")),
        );
        None
    }

    pub(crate) fn path(&mut self, node: &Node) -> Option<String> {
        let path = self.string(node, "path")?;
        if path.starts_with('/') {
            return Some(path);
        }
        self.report(
            node,
            Problem::new(
                Kind::InvalidValue,
                format!("`{path}` does not start with `/`"),
                "not a path",
            )
            .with_help("write a path like `/hemnet/contacts`"),
        );
        None
    }

    /// A duration of real waiting (`within: 5s`); capped so no scenario can hang CI.
    pub(crate) fn real_duration(&mut self, node: &Node, what: &str) -> Option<std::time::Duration> {
        let duration = self.nominal_duration(node, what, "a duration like `5s`")?;
        if duration <= MAX_REAL_WAIT {
            return Some(duration);
        }
        let text = self.string(node, what)?;
        self.report(
            node,
            Problem::new(
                Kind::InvalidValue,
                format!("`{what}: {text}` waits too long"),
                "too long",
            )
            .with_help("real waits are capped at 5m so a scenario cannot hang a CI run"),
        );
        None
    }

    /// Every `{{...}}` in the strings of `node` (a whole mapping or list
    /// included) names something a run can fill: `{{api.NAME}}` one of the
    /// API's values, `{{settings.NAME}}` a setting of `provider`, and
    /// `{{sent.ALIAS...}}` a delivery `sent` knows of (none where `sent` is
    /// `None`: a target is filled before any step). False when one does not.
    pub(crate) fn placeholders(
        &mut self,
        node: &Node,
        provider: Option<ProviderId>,
        sent: Option<&dyn Fn(&str) -> bool>,
    ) -> bool {
        // Every string is looked at, so each mistake is reported.
        match &node.kind {
            NodeKind::Map(entries) => {
                let mut ok = true;
                for (_, value) in entries {
                    ok &= self.placeholders(value, provider, sent);
                }
                ok
            }
            NodeKind::Seq(items) => {
                let mut ok = true;
                for item in items {
                    ok &= self.placeholders(item, provider, sent);
                }
                ok
            }
            NodeKind::Str(text) => {
                let text = text.clone();
                self.placeholders_in(node, &text, provider, sent)
            }
            _ => true,
        }
    }

    fn placeholders_in(
        &mut self,
        node: &Node,
        text: &str,
        provider: Option<ProviderId>,
        sent: Option<&dyn Fn(&str) -> bool>,
    ) -> bool {
        let mut from = 0;
        while let Some(open) = text[from..].find("{{").map(|at| from + at) {
            let Some(close) = text[open..].find("}}").map(|at| open + at) else {
                let at = self.inside(node, text, open..open + 2);
                self.problems.push((
                    at,
                    Problem::new(Kind::InvalidValue, "`{{` without `}}`", "not closed")
                        .with_help("a placeholder is `{{settings.NAME}}`, `{{api.NAME}}` or `{{sent.ALIAS.path}}`"),
                ));
                return false;
            };
            let name = text[open + 2..close].trim();
            if let Some(problem) = unknown_placeholder(name, provider, sent) {
                let at = self.inside(node, text, open..close + 2);
                self.problems.push((at, problem));
                return false;
            }
            from = close + 2;
        }
        true
    }

    /// A nominal duration (`wait: 90m`, `p99_under: 2s`); a mistake is
    /// pointed at where in the text it is, with a suggestion when one fits.
    pub(crate) fn nominal_duration(
        &mut self,
        node: &Node,
        what: &str,
        expected: &str,
    ) -> Option<Duration> {
        if !is_scalar(&node.kind) || node.kind == NodeKind::Null {
            self.wrong_type(node, &format!("`{what}`"), expected);
            return None;
        }
        let text = self.string(node, what)?;
        match parse_nominal_duration(&text) {
            Ok(duration) => Some(duration),
            Err(error) => {
                let at = match error.at() {
                    Some(inner) => self.inside(node, &text, inner),
                    None => self.span(node),
                };
                self.problems.push((
                    at,
                    Problem::new(
                        Kind::BadDuration,
                        format!("invalid duration `{text}`: {error}"),
                        "not a duration",
                    )
                    .with_help(match suggest_nominal_duration(&text) {
                        Some(suggestion) => {
                            format!("did you mean `{suggestion}`?\n{DURATION_HELP}")
                        }
                        None => DURATION_HELP.to_owned(),
                    }),
                ));
                None
            }
        }
    }
}

/// Why `{{name}}` cannot be filled, if it cannot.
fn unknown_placeholder(
    name: &str,
    provider: Option<ProviderId>,
    sent: Option<&dyn Fn(&str) -> bool>,
) -> Option<Problem> {
    let unknown = |help: String| {
        Some(
            Problem::new(
                Kind::InvalidValue,
                format!("unknown placeholder `{{{{{name}}}}}`"),
                "nothing by this name",
            )
            .with_help(help),
        )
    };
    if let Some(field) = name.strip_prefix("api.") {
        if API_PLACEHOLDERS.contains(&field) {
            return None;
        }
        let fields: Vec<String> = API_PLACEHOLDERS
            .iter()
            .map(|f| format!("api.{f}"))
            .collect();
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        return unknown(did_you_mean(name, &fields, "the provider API gives"));
    }
    if let Some(setting) = name.strip_prefix("settings.") {
        // Without a known provider there are no settings to check against.
        let provider = provider?;
        let names = crate::settings::setting_names(provider);
        if names.contains(&setting) {
            return None;
        }
        return unknown(did_you_mean(
            setting,
            &names,
            &format!("{provider} settings"),
        ));
    }
    if let Some(rest) = name.strip_prefix("sent.") {
        let alias = rest.split('.').next().unwrap_or_default();
        return match sent {
            Some(defined) if defined(alias) => None,
            Some(_) => Some(
                Problem::new(
                    Kind::UndefinedAlias,
                    format!("no earlier deliver is named `{alias}`"),
                    "undefined alias",
                )
                .with_help(format!(
                    "`{{{{sent.{alias}...}}}}` reads what a deliver step with `as: {alias}` sent; define it above this step"
                )),
            ),
            None => unknown(
                "a target is filled before any step, so it cannot name what was sent; use `{{settings.NAME}}` or `{{api.NAME}}`".to_owned(),
            ),
        };
    }
    unknown(
        "a placeholder is `{{settings.NAME}}`, `{{api.NAME}}` or `{{sent.ALIAS.path}}`".to_owned(),
    )
}

pub(crate) fn entry<'n>(node: &'n Node, name: &str) -> Option<&'n Node> {
    let NodeKind::Map(entries) = &node.kind else {
        return None;
    };
    entries
        .iter()
        .find(|(key, _)| key.kind == NodeKind::Str(name.to_owned()))
        .map(|(_, value)| value)
}

/// An optional field's outcome: absent is fine (`Some(None)`), present but
/// invalid is not (`None`, its problem already reported).
pub(crate) fn optional<T>(field: Option<Option<T>>) -> Option<Option<T>> {
    match field {
        None => Some(None),
        Some(value) => value.map(Some),
    }
}

pub(crate) fn is_scalar(kind: &NodeKind) -> bool {
    !matches!(kind, NodeKind::Map(_) | NodeKind::Seq(_))
}

pub(crate) fn line_of(node: &Node) -> usize {
    usize::try_from(node.at.line()).unwrap_or(usize::MAX)
}

/// Long values are cut in messages; the caret shows the whole of them.
pub(crate) fn shorten(text: &str) -> String {
    const LIMIT: usize = 40;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
