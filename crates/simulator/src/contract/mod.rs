//! Each provider's contract as data: what every event's payload may hold,
//! written beside the builder that fills it (one file per provider here,
//! reading the provider's own constants), and published as JSON Schema and
//! AsyncAPI ([`asyncapi`]) for receiver teams to generate types from and
//! validate against.
//!
//! A [`Shape`] says what a value may be: its type, its format, the members
//! of an enum, whether it may be null, which attributes an object has and
//! which of them the provider may leave out, and, per attribute, whether
//! the provider documents it or we assumed it. It renders as JSON Schema in
//! one of two [`Openness`]es:
//! - **published**: what a receiver must accept. Where the provider says
//!   enums grow, a member it has not listed yet is valid; where it says
//!   attributes are added, an attribute it has not sent yet is valid. Every
//!   fuzz case hooksim sends is valid under it.
//! - **closed**: exactly what hooksim sends when it does not fuzz: every
//!   enum closed, no attribute beyond the listed ones. A test validates
//!   built payloads against it, so builder and contract cannot drift.

use serde_json::{Map, Value, json};

use crate::policy::{Provenance, Source};
use crate::providers::{Provider, ProviderId};

pub mod asyncapi;
pub(crate) mod everreal;
pub(crate) mod flow;
pub(crate) mod hemnet;
pub(crate) mod propertyfinder;
pub(crate) mod propertyfinder_atlas;
pub(crate) mod spark;

/// The payload shape of `event`, one of `id`'s events.
pub(crate) fn shape(id: ProviderId, event: &str) -> Option<Shape> {
    match id {
        ProviderId::Hemnet => hemnet::shape(event),
        ProviderId::Spark => spark::shape(event),
        ProviderId::Flow => flow::shape(event),
        ProviderId::PropertyFinder => propertyfinder::shape(event),
        ProviderId::PropertyFinderAtlas => propertyfinder_atlas::shape(event),
        ProviderId::EverReal => everreal::shape(event),
    }
}

/// The JSON Schema dialect of `--format json-schema`.
pub const JSON_SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// What one value in a payload may be.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// An object with these attributes, in the order the provider sends them.
    Object(Vec<Field>),
    /// An array whose every item has this shape.
    Array(Box<Shape>),
    Text(Text),
    /// A string from the provider's list.
    Enum(&'static [&'static str]),
    /// An integer code from the provider's list.
    Codes(&'static [i64]),
    Integer,
    Number,
    Boolean,
    /// Always this string (Hemnet's `type: CONTACT`).
    Const(&'static str),
    /// This string names the event (Spark's `NewsFeed.Event`): always this
    /// value in hooksim's own deliveries, while a provider whose enums grow
    /// may send a receiver one it has not listed.
    Tag(&'static str),
    /// This shape, or `null`.
    Nullable(Box<Shape>),
    /// One of these shapes (a payload whose form depends on the event's variant).
    OneOf(Vec<Shape>),
}

/// What a string holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// Anything a person or a system may write.
    Free,
    Uuid,
    /// An RFC 3339 date and time (with its offset).
    DateTime,
    /// An RFC 3339 full date.
    Date,
    Email,
    Uri,
    /// A ULID: 26 characters of Crockford's base 32.
    Ulid,
    /// Matches `regex`; `means` says what that is, for people.
    Pattern {
        regex: &'static str,
        means: &'static str,
    },
}

/// One attribute of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub shape: Shape,
    /// False when the provider may leave the attribute out.
    pub required: bool,
    /// Whether the provider documents this attribute or we assumed it, when
    /// it differs from the event's own provenance.
    pub provenance: Option<Provenance>,
}

/// How much a rendered schema lets through beyond what hooksim sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Openness {
    /// Objects may hold attributes not listed.
    pub attributes: bool,
    /// Enums may hold members (and codes) not listed.
    pub enums: bool,
}

impl Openness {
    /// Exactly what hooksim sends when it does not fuzz.
    pub const CLOSED: Self = Self {
        attributes: false,
        enums: false,
    };

    /// What a receiver of `provider` must accept: open where the provider
    /// says its enums grow and its objects gain attributes.
    pub fn published(provider: &dyn Provider) -> Self {
        Self {
            attributes: provider.attributes_may_be_added(),
            enums: provider.enums_may_grow(),
        }
    }
}

/// An object with `fields`.
pub fn object(fields: impl IntoIterator<Item = Field>) -> Shape {
    Shape::Object(fields.into_iter().collect())
}

/// An array of `items`.
pub fn array(items: Shape) -> Shape {
    Shape::Array(Box::new(items))
}

/// A required attribute.
pub fn field(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: true,
        provenance: None,
    }
}

pub const fn text() -> Shape {
    Shape::Text(Text::Free)
}

pub const fn uuid() -> Shape {
    Shape::Text(Text::Uuid)
}

pub const fn date_time() -> Shape {
    Shape::Text(Text::DateTime)
}

pub const fn date() -> Shape {
    Shape::Text(Text::Date)
}

pub const fn email() -> Shape {
    Shape::Text(Text::Email)
}

pub const fn uri() -> Shape {
    Shape::Text(Text::Uri)
}

pub const fn ulid() -> Shape {
    Shape::Text(Text::Ulid)
}

pub const fn pattern(regex: &'static str, means: &'static str) -> Shape {
    Shape::Text(Text::Pattern { regex, means })
}

pub const fn one_of(members: &'static [&'static str]) -> Shape {
    Shape::Enum(members)
}

pub const fn codes(known: &'static [i64]) -> Shape {
    Shape::Codes(known)
}

impl Shape {
    /// This shape, or `null`.
    pub fn nullable(self) -> Self {
        match self {
            Self::Nullable(_) => self,
            other => Self::Nullable(Box::new(other)),
        }
    }

    /// The shape at a dotted payload path (`data.listing.id`; a number steps
    /// into an array, `Payload.0.Id`), through nullables; `""` is this one.
    pub fn at(&self, path: &str) -> Option<&Shape> {
        if path.is_empty() {
            return Some(self);
        }
        path.split('.')
            .try_fold(self, |shape, step| shape.child(step))
    }

    fn child(&self, step: &str) -> Option<&Shape> {
        match self {
            Self::Object(fields) => fields.iter().find(|f| f.name == step).map(|f| &f.shape),
            Self::Array(items) if step.parse::<usize>().is_ok() => Some(items),
            Self::Nullable(inner) => inner.child(step),
            Self::OneOf(shapes) => shapes.iter().find_map(|s| s.child(step)),
            _ => None,
        }
    }

    /// True when `null` is a valid value here.
    pub fn admits_null(&self) -> bool {
        match self {
            Self::Nullable(_) => true,
            Self::OneOf(shapes) => shapes.iter().any(Shape::admits_null),
            _ => false,
        }
    }

    /// This shape without its `null` alternative.
    pub fn non_null(&self) -> &Shape {
        match self {
            Self::Nullable(inner) => inner.non_null(),
            other => other,
        }
    }

    /// The JSON Schema of this shape, as open as `openness` says.
    pub fn schema(&self, openness: Openness) -> Value {
        match self {
            Self::Object(fields) => {
                let mut properties = Map::new();
                let mut required = Vec::new();
                for f in fields {
                    let mut schema = f.shape.schema(openness);
                    if let Some(provenance) = &f.provenance {
                        annotate(&mut schema, provenance);
                    }
                    properties.insert(f.name.to_owned(), schema);
                    if f.required {
                        required.push(f.name);
                    }
                }
                json!({
                    "type": "object",
                    "properties": properties,
                    "required": required,
                    "additionalProperties": openness.attributes,
                })
            }
            Self::Array(items) => json!({"type": "array", "items": items.schema(openness)}),
            Self::Text(text) => text.schema(),
            // No member listed (PF Expert's landlord sub-namespaces): in the
            // closed form nothing is valid (a nullable one is then only
            // null); open, any string.
            Self::Enum([]) if openness.enums => json!({
                "type": "string",
                "description": "the provider lists no members yet (it says its enums grow)",
            }),
            Self::Enum([]) => json!({"not": {}, "description": "the provider lists no members"}),
            Self::Enum(members) if openness.enums => json!({
                "anyOf": [
                    {"type": "string", "enum": members},
                    {"type": "string", "description": "a member the provider adds later (it says its enums grow)"},
                ]
            }),
            Self::Enum(members) => json!({"type": "string", "enum": members}),
            Self::Codes(known) if openness.enums => json!({
                "anyOf": [
                    {"type": "integer", "enum": known},
                    {"type": "integer", "description": "a code the provider adds later (it says its enums grow)"},
                ]
            }),
            Self::Codes(known) => json!({"type": "integer", "enum": known}),
            Self::Integer => json!({"type": "integer"}),
            Self::Number => json!({"type": "number"}),
            Self::Boolean => json!({"type": "boolean"}),
            Self::Const(value) => json!({"type": "string", "const": value}),
            Self::Tag(value) if openness.enums => json!({
                "anyOf": [
                    {"type": "string", "const": value},
                    {"type": "string", "description": "a value the provider adds later (it says its enums grow)"},
                ]
            }),
            Self::Tag(value) => json!({"type": "string", "const": value}),
            Self::Nullable(inner) => nullable(inner.schema(openness)),
            Self::OneOf(shapes) => {
                json!({"oneOf": shapes.iter().map(|s| s.schema(openness)).collect::<Vec<_>>()})
            }
        }
    }
}

/// `schema`, or `null`: a second type where the schema has one plain type,
/// else an `anyOf` beside `{"type": "null"}`.
fn nullable(mut schema: Value) -> Value {
    let plain = schema
        .as_object()
        .is_some_and(|s| !s.contains_key("enum") && !s.contains_key("const"));
    if plain && let Some(Value::String(kind)) = schema.get("type").cloned() {
        schema["type"] = json!([kind, "null"]);
        return schema;
    }
    json!({"anyOf": [schema, {"type": "null"}]})
}

impl Text {
    fn schema(&self) -> Value {
        let format = |format: &str| json!({"type": "string", "format": format});
        match self {
            Self::Free => json!({"type": "string"}),
            Self::Uuid => format("uuid"),
            Self::DateTime => format("date-time"),
            Self::Date => format("date"),
            Self::Email => format("email"),
            Self::Uri => format("uri"),
            Self::Ulid => json!({
                "type": "string",
                "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$",
                "description": "a ULID (26 characters of Crockford's base 32)",
            }),
            Self::Pattern { regex, means } => {
                json!({"type": "string", "pattern": regex, "description": means})
            }
        }
    }
}

impl Field {
    /// The provider may leave this attribute out.
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// The provider documents this attribute, under `source`.
    pub fn documented(mut self, source: Source) -> Self {
        self.provenance = Some(Provenance::Documented { source });
        self
    }

    /// This attribute comes from `provenance`.
    pub fn provenance(mut self, provenance: Provenance) -> Self {
        self.provenance = Some(provenance);
        self
    }

    /// We assumed this attribute, for the reason `why`.
    pub fn assumed(mut self, why: &'static str) -> Self {
        self.provenance = Some(Provenance::Assumed { why });
        self
    }
}

/// Marks `schema` with where its fact comes from: `x-hooksim-provenance`
/// (`documented` or `assumed`) and `x-hooksim-source` (`page § section`) or
/// `x-hooksim-assumption` (why we assumed it).
pub fn annotate(schema: &mut Value, provenance: &Provenance) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    object.insert("x-hooksim-provenance".into(), provenance.label().into());
    match provenance {
        Provenance::Documented { source } => {
            object.insert("x-hooksim-source".into(), source.to_string().into());
        }
        Provenance::Assumed { why } => {
            object.insert("x-hooksim-assumption".into(), (*why).into());
        }
    }
}

/// The JSON Schema of one event's payload, standing alone (`--format
/// json-schema`): the dialect, an id, a title, the event's provenance.
pub fn event_schema(
    provider: &dyn Provider,
    event: &str,
    openness: Openness,
) -> Result<Value, crate::SimulatorError> {
    let spec = provider.event(event)?;
    let shape = provider.payload_shape(spec.name)?;
    let mut schema = shape.schema(openness);
    let head = json!({
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": format!("urn:hooksim:{}:{}", provider.id(), spec.name),
        "title": format!("{} {}", provider.id(), spec.name),
        "description": spec.summary,
    });
    if let (Some(schema), Value::Object(head)) = (schema.as_object_mut(), head) {
        let body = std::mem::take(schema);
        schema.extend(head);
        schema.extend(body);
    }
    annotate(&mut schema, &spec.provenance);
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Shape {
        object([
            field("id", uuid()),
            field("kind", one_of(&["A", "B"])),
            field("note", text().nullable()).optional(),
            field("items", array(object([field("n", codes(&[1, 2]))]))),
        ])
    }

    #[test]
    fn paths_step_through_objects_arrays_and_nullables() {
        let shape = sample();
        assert_eq!(shape.at(""), Some(&shape));
        assert_eq!(shape.at("items.0.n"), Some(&codes(&[1, 2])));
        assert!(shape.at("note").is_some_and(Shape::admits_null));
        assert_eq!(shape.at("missing"), None);
        assert_eq!(shape.at("id.deeper"), None);
    }

    #[test]
    fn closed_and_published_differ_only_where_the_provider_allows_growth() {
        let open = Openness {
            attributes: true,
            enums: true,
        };
        let closed = sample().schema(Openness::CLOSED);
        let published = sample().schema(open);
        assert_eq!(closed["additionalProperties"], false);
        assert_eq!(published["additionalProperties"], true);
        assert_eq!(closed["properties"]["kind"]["enum"], json!(["A", "B"]));
        assert_eq!(
            published["properties"]["kind"]["anyOf"][0]["enum"],
            json!(["A", "B"])
        );
        assert_eq!(closed["required"], json!(["id", "kind", "items"]));
        assert_eq!(
            closed["properties"]["note"]["type"],
            json!(["string", "null"])
        );
    }

    #[test]
    fn a_nullable_enum_keeps_its_members_and_adds_null() {
        let schema = one_of(&["X"]).nullable().schema(Openness::CLOSED);
        assert_eq!(
            schema,
            json!({"anyOf": [{"type": "string", "enum": ["X"]}, {"type": "null"}]})
        );
    }

    #[test]
    fn provenance_is_marked_on_the_attribute() {
        let shape = object([field("x", text()).assumed("not on the page")]);
        let schema = shape.schema(Openness::CLOSED);
        assert_eq!(schema["properties"]["x"]["x-hooksim-provenance"], "assumed");
        assert_eq!(
            schema["properties"]["x"]["x-hooksim-assumption"],
            "not on the page"
        );
    }
}
