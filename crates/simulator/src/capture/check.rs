//! The drift check: one capture held against hooksim's model of its
//! provider. Each difference is a named [`Finding`], so a team can attach
//! the report to an issue and we can tell at a glance what changed: a new
//! attribute, a new enum member, an unknown event, a type change, a missing
//! attribute, a different encoding, a header of another form, a signature
//! that does not verify.
//!
//! The payload is walked against the event's [`Shape`] here rather than
//! handed to a JSON Schema validator: a validator says "invalid", and the
//! report must say which kind of drift it is and where.

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::capture::Capture;
use crate::contract::{Shape, Text};
use crate::providers::{AttemptStamp, Provider};
use crate::signing::verify_hmac_sha256_hex;

/// What one capture's check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The provider the capture names.
    pub provider: String,
    /// The catalogue event the body was recognised as.
    pub event: Option<&'static str>,
    pub findings: Vec<Finding>,
}

impl Report {
    /// True when anything differs from hooksim's model (notes aside).
    pub fn drifts(&self) -> bool {
        self.findings.iter().any(Finding::is_drift)
    }

    /// The findings that are drift.
    pub fn drift(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_drift())
    }
}

/// One difference, or one thing the check could not look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// The finding in a line, for the report.
    pub message: String,
}

impl Finding {
    pub fn is_drift(&self) -> bool {
        self.severity == Severity::Drift
    }
}

/// Whether a finding means the provider differs from hooksim's model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The capture differs from the model: exit 1.
    Drift,
    /// Something the check could not look at, said so it is not mistaken for a match.
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Drift => "drift",
            Self::Note => "note",
        })
    }
}

/// What kind of difference a finding is. Paths are dotted, arrays by index
/// (`data.listing.id`, `Payload.0.Id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingKind {
    /// The capture names a provider hooksim does not know.
    UnknownProvider {
        name: String,
    },
    /// The body is not JSON (or not UTF-8, or not base64 in the file).
    NotJson {
        reason: String,
    },
    /// No catalogue event has the name the body gives (`name`, read at `path`).
    UnknownEvent {
        path: String,
        name: Option<String>,
    },
    /// The body has an attribute the model does not.
    NewAttribute {
        path: String,
    },
    /// A string (or integer code) outside the model's list.
    NewEnumMember {
        path: String,
        value: String,
    },
    /// A value of another JSON type, or a string of another format.
    TypeChanged {
        path: String,
        expected: String,
        got: String,
    },
    /// An attribute the model has as always sent is not there.
    MissingAttribute {
        path: String,
    },
    /// The body's bytes are not what the provider's encoding makes of its
    /// own parsed value: `what` says how, at byte `offset`.
    EncodingDiffers {
        offset: usize,
        what: String,
    },
    HeaderMissing {
        name: String,
    },
    /// A per-attempt header of another form (a timestamp in seconds).
    HeaderForm {
        name: String,
        expected: String,
        got: String,
    },
    /// A header the model sends unchanged has another value.
    HeaderValue {
        name: String,
        expected: String,
        got: String,
    },
    SignatureMissing {
        header: String,
    },
    /// No signature in the header verifies with the secret given.
    SignatureInvalid {
        header: String,
    },
    /// No secret given: the signature was not checked (a note).
    SignatureUnchecked {
        header: String,
    },
}

/// Check `capture` against hooksim's model of its provider; `secret` is the
/// webhook key or subscription secret, to verify the signature with.
pub fn check(capture: &Capture, secret: Option<&str>) -> Report {
    let mut report = Report {
        provider: capture.provider.clone(),
        event: None,
        findings: Vec::new(),
    };
    let Some(id) = capture.provider_id() else {
        report.findings.push(drift(
            FindingKind::UnknownProvider {
                name: capture.provider.clone(),
            },
            format!("unknown provider `{}`", capture.provider),
        ));
        return report;
    };
    let provider = id.provider();
    let body = capture.body();
    if let Ok(body) = &body {
        let (event, findings) = check_body(provider, body);
        report.event = event;
        report.findings.extend(findings);
    } else {
        report.findings.push(not_json("body_base64 is not base64"));
    }
    report.findings.extend(check_headers(provider, capture));
    if let Ok(body) = &body {
        report
            .findings
            .extend(check_signature(provider, capture, body, secret));
    }
    report
}

fn drift(kind: FindingKind, message: String) -> Finding {
    Finding {
        kind,
        severity: Severity::Drift,
        message,
    }
}

fn note(kind: FindingKind, message: String) -> Finding {
    Finding {
        kind,
        severity: Severity::Note,
        message,
    }
}

fn not_json(reason: &str) -> Finding {
    drift(
        FindingKind::NotJson {
            reason: reason.to_owned(),
        },
        format!("the body is not JSON: {reason}"),
    )
}

/// The event the body is, and what differs in its payload and encoding.
fn check_body(provider: &dyn Provider, body: &[u8]) -> (Option<&'static str>, Vec<Finding>) {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => return (None, vec![not_json(&e.to_string())]),
    };
    let (event, mut findings) = match recognise(provider, &value) {
        Ok((event, findings)) => (Some(event), findings),
        Err(unknown) => (None, vec![unknown]),
    };
    findings.extend(check_encoding(provider, body, &value));
    (event, findings)
}

/// The catalogue event `value` is (see [`recognise`]), when it is one.
pub fn event_of(provider: &dyn Provider, value: &Value) -> Option<&'static str> {
    recognise(provider, value).ok().map(|(event, _)| event)
}

/// The catalogue event `value` is, with its payload's findings: of the
/// events whose name matches the body's, the one it differs from least
/// (Flow's two `DynamicSaleTextChanged` entries share a name and differ in
/// their attributes).
fn recognise(
    provider: &dyn Provider,
    value: &Value,
) -> Result<(&'static str, Vec<Finding>), Finding> {
    let shapes: Vec<(&'static str, Shape)> = provider
        .events()
        .iter()
        .filter_map(|spec| Some((spec.name, provider.payload_shape(spec.name).ok()?)))
        .collect();
    let naming = shapes
        .first()
        .map(|(_, shape)| naming_paths(shape))
        .unwrap_or_default();
    let named = |shape: &Shape| {
        naming.iter().all(|path| match shape.at(path) {
            Some(Shape::Tag(v) | Shape::Const(v)) => lookup(value, path) == Some(&json_str(v)),
            _ => false,
        })
    };
    let mut best: Option<(&'static str, Vec<Finding>)> = None;
    for (event, shape) in shapes.iter().filter(|(_, shape)| named(shape)) {
        let findings = Walk::new(provider).run(shape, value);
        if best.as_ref().is_none_or(|(_, b)| findings.len() < b.len()) {
            best = Some((event, findings));
        }
    }
    best.ok_or_else(|| unknown_event(provider, value, &naming))
}

fn json_str(text: &str) -> Value {
    Value::String(text.to_owned())
}

/// Where a body names its event: the path of the first event's first tag
/// (Spark's `NewsFeed.Event`), or, for a provider with one event and no
/// tag (Hemnet), the paths of its constants (`type`, `action`).
fn naming_paths(shape: &Shape) -> Vec<String> {
    let mut tags = Vec::new();
    let mut constants = Vec::new();
    marked_paths(shape, String::new(), &mut tags, &mut constants);
    match tags.into_iter().next() {
        Some(tag) => vec![tag],
        None => constants,
    }
}

/// The paths of tags and constants reached through objects alone: the ones
/// every body of the event carries.
fn marked_paths(shape: &Shape, at: String, tags: &mut Vec<String>, constants: &mut Vec<String>) {
    match shape {
        Shape::Tag(_) => tags.push(at),
        Shape::Const(_) => constants.push(at),
        Shape::Object(fields) => {
            for f in fields.iter().filter(|f| f.required) {
                marked_paths(&f.shape, join(&at, f.name), tags, constants);
            }
        }
        _ => {}
    }
}

fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |value, step| match value {
        Value::Object(map) => map.get(step),
        Value::Array(items) => items.get(step.parse::<usize>().ok()?),
        _ => None,
    })
}

fn unknown_event(provider: &dyn Provider, value: &Value, naming: &[String]) -> Finding {
    let found: Vec<Option<&str>> = naming
        .iter()
        .map(|path| lookup(value, path).and_then(Value::as_str))
        .collect();
    let name = found
        .iter()
        .copied()
        .collect::<Option<Vec<&str>>>()
        .map(|parts| parts.join("."));
    let path = naming.join("+");
    let message = match &name {
        Some(name) => format!(
            "unknown event `{name}` (at {path}): not in {}'s catalogue",
            provider.id()
        ),
        None => format!("unknown event: the body has no event name at {path}"),
    };
    drift(FindingKind::UnknownEvent { path, name }, message)
}

/// The dotted path of `name` below `at`.
fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_owned()
    } else {
        format!("{at}.{name}")
    }
}

/// A walk of one payload against one shape, gathering findings.
struct Walk<'p> {
    provider: &'p dyn Provider,
    patterns: HashMap<&'static str, Option<regex::Regex>>,
    findings: Vec<Finding>,
}

impl<'p> Walk<'p> {
    fn new(provider: &'p dyn Provider) -> Self {
        Self {
            provider,
            patterns: HashMap::new(),
            findings: Vec::new(),
        }
    }

    fn run(mut self, shape: &Shape, value: &Value) -> Vec<Finding> {
        self.value(shape, value, "");
        self.findings
    }

    fn value(&mut self, shape: &Shape, value: &Value, at: &str) {
        match (shape, value) {
            (Shape::Nullable(_), Value::Null) => {}
            (Shape::Nullable(inner), _) => self.value(inner, value, at),
            (Shape::OneOf(shapes), _) => self.one_of(shapes, value, at),
            (Shape::Object(fields), Value::Object(map)) => {
                for f in fields {
                    let path = join(at, f.name);
                    match map.get(f.name) {
                        Some(value) => self.value(&f.shape, value, &path),
                        None if f.required => self.missing(path),
                        None => {}
                    }
                }
                for key in map.keys().filter(|k| fields.iter().all(|f| f.name != *k)) {
                    self.new_attribute(join(at, key));
                }
            }
            (Shape::Array(items), Value::Array(values)) => {
                for (i, value) in values.iter().enumerate() {
                    self.value(items, value, &join(at, &i.to_string()));
                }
            }
            (Shape::Text(text), Value::String(s)) => {
                if !self.text_matches(*text, s) {
                    self.type_changed(at, shape, format!("the string {}", quoted(s)));
                }
            }
            (Shape::Enum(members), Value::String(s)) => {
                if !members.contains(&s.as_str()) {
                    self.new_member(at, s.clone());
                }
            }
            (Shape::Tag(expected) | Shape::Const(expected), Value::String(s)) => {
                if s != expected {
                    self.new_member(at, s.clone());
                }
            }
            (Shape::Codes(known), Value::Number(n)) if is_integer(n) => {
                if !n.as_i64().is_some_and(|n| known.contains(&n)) {
                    self.new_member(at, n.to_string());
                }
            }
            (Shape::Integer, Value::Number(n)) if is_integer(n) => {}
            (Shape::Number, Value::Number(_)) | (Shape::Boolean, Value::Bool(_)) => {}
            _ => self.type_changed(at, shape, json_type(value)),
        }
    }

    /// Accepted when one alternative fits; else the findings of the one
    /// that comes closest.
    fn one_of(&mut self, shapes: &[Shape], value: &Value, at: &str) {
        let mut closest: Option<Vec<Finding>> = None;
        for shape in shapes {
            let mut walk = Walk::new(self.provider);
            walk.patterns = std::mem::take(&mut self.patterns);
            walk.value(shape, value, at);
            self.patterns = walk.patterns;
            if walk.findings.is_empty() {
                return;
            }
            if closest
                .as_ref()
                .is_none_or(|c| walk.findings.len() < c.len())
            {
                closest = Some(walk.findings);
            }
        }
        self.findings.extend(closest.unwrap_or_default());
    }

    fn text_matches(&mut self, text: Text, s: &str) -> bool {
        match text {
            Text::Free => true,
            Text::Uuid => is_uuid(s),
            Text::DateTime => is_rfc3339_date_time(s),
            Text::Date => is_rfc3339_date(s),
            Text::Email => is_email(s),
            Text::Uri => is_uri(s),
            Text::Ulid => is_ulid(s),
            Text::Pattern { regex, .. } => self
                .patterns
                .entry(regex)
                .or_insert_with(|| regex::Regex::new(regex).ok())
                .as_ref()
                // The contracts' patterns are ours and compile (the
                // contract tests validate with them); one that did not
                // would be our bug, not the provider's drift.
                .is_none_or(|r| r.is_match(s)),
        }
    }

    fn may_be_added(&self) -> String {
        let id = self.provider.id();
        if self.provider.attributes_may_be_added() {
            format!("{id} says attributes may be added")
        } else {
            format!("{id} does not say attributes may be added")
        }
    }

    fn new_attribute(&mut self, path: String) {
        let message = format!("new attribute {path} ({})", self.may_be_added());
        self.findings
            .push(drift(FindingKind::NewAttribute { path }, message));
    }

    fn new_member(&mut self, path: &str, value: String) {
        let id = self.provider.id();
        let grows = if self.provider.enums_may_grow() {
            format!("{id} says enums may grow")
        } else {
            format!("{id} does not say enums may grow")
        };
        let message = format!("new enum member {path} = {} ({grows})", quoted(&value));
        self.findings.push(drift(
            FindingKind::NewEnumMember {
                path: path.to_owned(),
                value,
            },
            message,
        ));
    }

    fn missing(&mut self, path: String) {
        let message = format!("missing attribute {path}: hooksim's model has it in every delivery");
        self.findings
            .push(drift(FindingKind::MissingAttribute { path }, message));
    }

    fn type_changed(&mut self, at: &str, shape: &Shape, got: String) {
        let expected = described(shape);
        let path = if at.is_empty() { "the body" } else { at };
        let message = format!("type changed: {path} is {got}, hooksim's model has {expected}");
        self.findings.push(drift(
            FindingKind::TypeChanged {
                path: at.to_owned(),
                expected,
                got,
            },
            message,
        ));
    }
}

fn is_integer(n: &serde_json::Number) -> bool {
    n.is_i64() || n.is_u64()
}

/// A value's JSON type, with the value when it is short.
fn json_type(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) if is_integer(n) => format!("the integer {n}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", quoted(s)),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// `s` in quotes, cut short when long.
fn quoted(s: &str) -> String {
    const LONGEST: usize = 40;
    match s.char_indices().nth(LONGEST) {
        Some((cut, _)) => format!("{:?}…", &s[..cut]),
        None => format!("{s:?}"),
    }
}

/// What a shape admits, for people.
fn described(shape: &Shape) -> String {
    match shape {
        Shape::Object(_) => "an object".to_owned(),
        Shape::Array(_) => "an array".to_owned(),
        Shape::Text(text) => match text {
            Text::Free => "a string".to_owned(),
            Text::Uuid => "a uuid".to_owned(),
            Text::DateTime => "an RFC 3339 date-time".to_owned(),
            Text::Date => "an RFC 3339 date".to_owned(),
            Text::Email => "an email address".to_owned(),
            Text::Uri => "a URI".to_owned(),
            Text::Ulid => "a ULID".to_owned(),
            Text::Pattern { means, .. } => (*means).to_owned(),
        },
        Shape::Enum(members) => format!("a string, one of {}", members.join(", ")),
        Shape::Codes(known) => format!("an integer code ({} listed)", known.len()),
        Shape::Integer => "an integer".to_owned(),
        Shape::Number => "a number".to_owned(),
        Shape::Boolean => "a boolean".to_owned(),
        Shape::Const(value) | Shape::Tag(value) => format!("the string {value:?}"),
        Shape::Nullable(inner) => format!("{} or null", described(inner)),
        Shape::OneOf(shapes) => format!("one of {} forms", shapes.len()),
    }
}

/// Hyphenated, as every provider here writes them.
fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

fn is_ulid(s: &str) -> bool {
    s.len() == 26
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b)))
}

fn digits(s: &str, range: std::ops::RangeInclusive<u32>) -> bool {
    s.bytes().all(|b| b.is_ascii_digit()) && s.parse().is_ok_and(|n: u32| range.contains(&n))
}

/// `YYYY-MM-DD`.
fn is_rfc3339_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && digits(&s[..4], 0..=9999)
        && digits(&s[5..7], 1..=12)
        && digits(&s[8..10], 1..=31)
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (a leap second's 60 allowed).
fn is_rfc3339_date_time(s: &str) -> bool {
    let Some((date, time)) = s.split_once(['T', 't']) else {
        return false;
    };
    if !is_rfc3339_date(date) || time.len() < 9 || !time.is_char_boundary(8) {
        return false;
    }
    let (clock, rest) = time.split_at(8);
    let c = clock.as_bytes();
    let clock_ok = c[2] == b':'
        && c[5] == b':'
        && digits(&clock[..2], 0..=23)
        && digits(&clock[3..5], 0..=59)
        && digits(&clock[6..8], 0..=60);
    let offset = match rest.strip_prefix('.') {
        Some(fraction) => {
            let end = fraction
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(fraction.len());
            if end == 0 {
                return false;
            }
            &fraction[end..]
        }
        None => rest,
    };
    let offset_ok = match offset {
        "Z" | "z" => true,
        _ => {
            let o = offset.as_bytes();
            o.len() == 6
                && matches!(o[0], b'+' | b'-')
                && o[3] == b':'
                && digits(&offset[1..3], 0..=23)
                && digits(&offset[4..6], 0..=59)
        }
    };
    clock_ok && offset_ok
}

/// Something before and after one `@`, no spaces, a domain with a dot-free end.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// A scheme, a colon and something after it, no spaces.
fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        && !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
}

/// The body's bytes against what the provider's encoding makes of the same
/// parsed value: any difference is a sender that encodes otherwise.
fn check_encoding(provider: &dyn Provider, body: &[u8], value: &Value) -> Option<Finding> {
    let expected = provider.encode(value);
    let (offset, what) = first_difference(body, &expected)?;
    let message = format!(
        "encoding differs at byte {offset}: {what} ({} encodes {})",
        provider.id(),
        encoding_name(provider)
    );
    Some(drift(
        FindingKind::EncodingDiffers { offset, what },
        message,
    ))
}

/// The provider's encoding in words, told by what it makes of `&`.
fn encoding_name(provider: &dyn Provider) -> &'static str {
    if provider.encode(&json_str("&")) == b"\"\\u0026\"" {
        "compact JSON with & < > escaped as \\u0026 \\u003c \\u003e"
    } else {
        "compact JSON, characters raw"
    }
}

/// Where `captured` first differs from `expected`, and how, in words.
pub fn first_difference(captured: &[u8], expected: &[u8]) -> Option<(usize, String)> {
    let offset = captured
        .iter()
        .zip(expected)
        .position(|(c, e)| c != e)
        .or_else(|| {
            (captured.len() != expected.len()).then(|| captured.len().min(expected.len()))
        })?;
    let (c, e) = (&captured[offset..], &expected[offset..]);
    let what = if e.is_empty() {
        if c.iter().all(u8::is_ascii_whitespace) {
            format!("{} after the JSON", whitespace_named(c))
        } else {
            format!("extra bytes after the JSON: {}", snippet(c))
        }
    } else if c.is_empty() {
        format!(
            "the body ends where hooksim's model goes on with {}",
            snippet(e)
        )
    } else if e.starts_with(b"\\u") && c[0] != b'\\' {
        format!(
            "{} is written raw where hooksim's model escapes it as {}",
            snippet(&c[..char_len(c)]),
            snippet(&e[..6.min(e.len())])
        )
    } else if c[0] == b'\\' && e[0] != b'\\' {
        let escape = if c.starts_with(b"\\u") { 6 } else { 2 };
        format!(
            "{} is an escape where hooksim's model writes {} raw",
            snippet(&c[..escape.min(c.len())]),
            snippet(&e[..char_len(e)])
        )
    } else if c[0].is_ascii_whitespace() {
        let run = c.iter().take_while(|b| b.is_ascii_whitespace()).count();
        format!(
            "{} where hooksim's model has none (pretty-printed or spaced JSON)",
            whitespace_named(&c[..run])
        )
    } else if e[0].is_ascii_whitespace() {
        "no whitespace where hooksim's model has some".to_owned()
    } else {
        format!("{} where hooksim's model has {}", snippet(c), snippet(e))
    };
    Some((offset, what))
}

/// The length of the UTF-8 character starting `bytes` (1 if it is not one).
fn char_len(bytes: &[u8]) -> usize {
    let len = match bytes[0] {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    };
    len.min(bytes.len())
}

fn whitespace_named(run: &[u8]) -> String {
    let kind = if run.contains(&b'\n') {
        "a line break"
    } else {
        "whitespace"
    };
    format!("{kind} ({})", snippet(run))
}

/// The first few bytes, as a quoted string.
fn snippet(bytes: &[u8]) -> String {
    const LONGEST: usize = 24;
    let shown = String::from_utf8_lossy(&bytes[..LONGEST.min(bytes.len())]).into_owned();
    let more = if bytes.len() > LONGEST { "…" } else { "" };
    let shown: String = shown
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    format!("`{shown}`{more}")
}

/// Each header the provider sends, in the form the model sends it.
fn check_headers(provider: &dyn Provider, capture: &Capture) -> Vec<Finding> {
    // The stamp's values are never compared: only fixed headers are, and
    // the volatile ones by their form.
    let stamp = AttemptStamp {
        unix_ms: 0,
        request_id: String::new(),
    };
    let mut findings = Vec::new();
    for line in provider.headers(&stamp) {
        let name = line.name;
        let Some(got) = capture.header_values(name).next() else {
            findings.push(drift(
                FindingKind::HeaderMissing {
                    name: name.to_owned(),
                },
                format!("header {name} missing{}", assumed_note(provider, name)),
            ));
            continue;
        };
        let form = match line.redacted.as_deref() {
            None if got != line.value => {
                let message = format!(
                    "header {name}: {got:?} (hooksim's model sends {:?}){}",
                    line.value,
                    assumed_note(provider, name)
                );
                findings.push(drift(
                    FindingKind::HeaderValue {
                        name: name.to_owned(),
                        expected: line.value,
                        got: got.to_owned(),
                    },
                    message,
                ));
                continue;
            }
            None => None,
            Some("[unix-ms]") => unix_ms_form(got).map(|got| ("13 digits, Unix milliseconds", got)),
            Some("[uuid]") => (!is_uuid(got)).then(|| ("a uuid", format!("{got:?}"))),
            // A volatile value of no form we check: being there is enough.
            Some(_) => None,
        };
        if let Some((expected, got)) = form {
            findings.push(drift(
                FindingKind::HeaderForm {
                    name: name.to_owned(),
                    expected: expected.to_owned(),
                    got: got.clone(),
                },
                format!("header {name}: {got} (hooksim's model sends {expected})"),
            ));
        }
    }
    findings
}

/// ` (hooksim's value is assumed: why)` when the header is an assumption.
fn assumed_note(provider: &dyn Provider, name: &str) -> String {
    provider
        .header_facts()
        .iter()
        .find(|fact| fact.value.eq_ignore_ascii_case(name))
        .filter(|fact| fact.provenance.is_assumed())
        .map(|fact| format!(" (hooksim's value is {})", fact.provenance))
        .unwrap_or_default()
}

/// What is wrong with a Unix-milliseconds value, if anything.
fn unix_ms_form(value: &str) -> Option<String> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("{value:?}, not a number"));
    }
    match value.len() {
        13 => None,
        10 => Some("10 digits: seconds, not milliseconds".to_owned()),
        16 => Some("16 digits: microseconds, not milliseconds".to_owned()),
        19 => Some("19 digits: nanoseconds, not milliseconds".to_owned()),
        n => Some(format!("{n} digits")),
    }
}

/// Whether the provider signs only subscriptions that have a secret
/// (Atlas): its `secret` setting has no default.
fn signs_only_with_a_secret(provider: &dyn Provider) -> bool {
    provider
        .settings()
        .iter()
        .any(|setting| setting.name == "secret" && setting.default.is_none())
}

/// The signature header: there, of the scheme's form, and verified with
/// `secret` over the exact body (any one of a rotation's signatures).
fn check_signature(
    provider: &dyn Provider,
    capture: &Capture,
    body: &[u8],
    secret: Option<&str>,
) -> Vec<Finding> {
    let Some(scheme) = provider.signature() else {
        return Vec::new();
    };
    let header = scheme.header.to_owned();
    // A redacted capture's body was re-encoded: no signature can fit it.
    if let Some(redaction) = capture.redacted {
        return vec![note(
            FindingKind::SignatureUnchecked { header },
            format!(
                "not checked: the capture was redacted (seed {}), so its body is no longer the one signed",
                redaction.seed
            ),
        )];
    }
    let Some(value) = capture.header_values(scheme.header).next() else {
        return match secret {
            None if signs_only_with_a_secret(provider) => vec![note(
                FindingKind::SignatureUnchecked { header },
                format!(
                    "unsigned: {} signs only a subscription with a secret (give --secret to require one)",
                    provider.id()
                ),
            )],
            _ => vec![drift(
                FindingKind::SignatureMissing {
                    header: header.clone(),
                },
                format!("signature missing: no {header} header"),
            )],
        };
    };
    let signatures: Vec<&str> = value.split(scheme.rotation_separator).collect();
    let mut findings = Vec::new();
    if let Some(bad) = signatures.iter().find(|s| !is_lowercase_hex_sha256(s)) {
        let expected = format!(
            "64 lowercase hex digits (HMAC-SHA256), two joined by {:?} during a rotation",
            scheme.rotation_separator
        );
        let got = quoted(bad);
        findings.push(drift(
            FindingKind::HeaderForm {
                name: header.clone(),
                expected: expected.clone(),
                got: got.clone(),
            },
            format!("header {header}: {got} (hooksim's model sends {expected})"),
        ));
    }
    match secret {
        None => findings.push(note(
            FindingKind::SignatureUnchecked {
                header: header.clone(),
            },
            format!("signature not checked: give --secret to verify {header}"),
        )),
        Some(secret) => {
            let verifies = signatures
                .iter()
                .any(|s| verify_hmac_sha256_hex(secret.as_bytes(), body, s));
            if !verifies {
                let which = if signatures.len() > 1 {
                    "neither signature verifies"
                } else {
                    "the signature does not verify"
                };
                let message = format!(
                    "signature invalid: {which} in {header} over the exact body with the secret given"
                );
                findings.push(drift(FindingKind::SignatureInvalid { header }, message));
            }
        }
    }
    findings
}

fn is_lowercase_hex_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_payload_is_told_as_its_own_event() {
        use crate::fake::seeded_rng;
        for id in crate::providers::ProviderId::ALL {
            let provider = id.provider();
            for spec in provider.events() {
                for seed in 0..4 {
                    let payload = provider
                        .build(spec.name, &mut seeded_rng(seed))
                        .expect("catalogue events build");
                    assert_eq!(
                        event_of(provider, &payload),
                        Some(spec.name),
                        "{id} seed {seed}"
                    );
                }
            }
        }
        let unknown = serde_json::json!({"type": "CONTACT", "action": "DELETE", "data": {}});
        assert_eq!(
            event_of(crate::providers::ProviderId::Hemnet.provider(), &unknown),
            None
        );
    }

    #[test]
    fn rfc3339_date_times_with_and_without_fractions_and_offsets() {
        for good in [
            "2025-08-24T14:15:22Z",
            "2022-04-28T11:26:41.5334824+02:00",
            "2026-12-03T15:40:00.123z",
            "2016-12-31T23:59:60-08:00",
        ] {
            assert!(is_rfc3339_date_time(good), "{good}");
        }
        for bad in [
            "2025-08-24",
            "2025-08-24 14:15:22Z",
            "2025-08-24T14:15:22",
            "2025-13-24T14:15:22Z",
            "2025-08-24T24:15:22Z",
            "2025-08-24T14:15:22.Z",
            "2025-08-24T14:15:22+0200",
            "1756044922",
        ] {
            assert!(!is_rfc3339_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn a_timestamp_in_seconds_is_named_so() {
        assert_eq!(unix_ms_form("1712918356462"), None);
        assert_eq!(
            unix_ms_form("1712918356").as_deref(),
            Some("10 digits: seconds, not milliseconds")
        );
        assert!(unix_ms_form("17129x").is_some_and(|f| f.contains("not a number")));
    }

    #[test]
    fn the_first_difference_is_diagnosed() {
        let diagnosis = |c: &str, e: &str| first_difference(c.as_bytes(), e.as_bytes());
        assert_eq!(diagnosis("{\"a\":1}", "{\"a\":1}"), None);
        assert_eq!(
            diagnosis(r#"{"m":"Tom & J"}"#, r#"{"m":"Tom \u0026 J"}"#),
            Some((
                10,
                "`&` is written raw where hooksim's model escapes it as `\\u0026`".to_owned()
            ))
        );
        let (at, what) = diagnosis(r#"{"m":"\u00e5"}"#, r#"{"m":"å"}"#).expect("differs");
        assert_eq!(at, 6);
        assert!(
            what.contains("is an escape") && what.contains("å"),
            "{what}"
        );
        let (at, what) = diagnosis("{\"a\": 1}", "{\"a\":1}").expect("differs");
        assert_eq!(at, 5);
        assert!(what.starts_with("whitespace"), "{what}");
        let (at, what) = diagnosis("{\"a\":1}\n", "{\"a\":1}").expect("differs");
        assert_eq!((at, what.starts_with("a line break")), (7, true), "{what}");
    }

    #[test]
    fn ulids_uuids_emails_and_uris() {
        assert!(is_ulid("01K0YB4HEKM08V901DVJ5ATVYF"));
        assert!(!is_ulid("01K0YB4HEKM08V901DVJ5ATVYI"));
        assert!(is_uuid("d2caad70-082f-4553-bbde-dbdca520361a"));
        assert!(!is_uuid("d2caad70082f4553bbdedbdca520361a"));
        assert!(is_email("anna@example.se") && !is_email("anna at example.se"));
        assert!(is_uri("https://pf.example/lead/1") && !is_uri("/lead/1"));
    }
}
