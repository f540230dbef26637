//! What a scenario file's keys may hold, written once beside the code that
//! reads them: the reader takes its key names from a [`Key`] list, and
//! `hooksim schema` turns the same list into JSON Schema, so the two cannot
//! name different keys.

use serde_json::{Map, Value, json};

/// A value written as `${env:NAME}` is read from the environment, so a
/// schema cannot check it against a list or a pattern; it lets it pass.
const INTERPOLATED: &str = r"\$\{env:";

/// A duration as [`crate::duration`] reads it: `250ms`, `30s`, `1h 30m`.
const DURATION: &str = r"^\s*[0-9]+\s*(ms|s|m|h|d)(\s*[0-9]+\s*(ms|s|m|h|d))*\s*$";

/// A target: anything but a `stand-in:` hooksim does not play (see
/// [`crate::stand_in`]).
const TARGET: &str = r"^(?!stand-in:)|^stand-in:(refuse-connections|status/[1-5][0-9][0-9]|slow/\s*[0-9]+\s*(ms|s|m|h|d)(\s*[0-9]+\s*(ms|s|m|h|d))*\s*)$";

/// One key of a mapping: its name, whether it must be there, what it means
/// and what it may hold.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub name: &'static str,
    pub required: bool,
    pub description: String,
    pub shape: Shape,
}

impl Key {
    pub(crate) fn required(
        name: &'static str,
        description: impl Into<String>,
        shape: Shape,
    ) -> Self {
        Self {
            name,
            required: true,
            description: description.into(),
            shape,
        }
    }

    pub(crate) fn optional(
        name: &'static str,
        description: impl Into<String>,
        shape: Shape,
    ) -> Self {
        Self {
            required: false,
            ..Self::required(name, description, shape)
        }
    }
}

/// The names of `keys`, in their order: what a reader accepts.
pub(crate) fn names(keys: &[Key]) -> Vec<&'static str> {
    keys.iter().map(|key| key.name).collect()
}

/// What a value may be.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// Anything YAML can hold (a JSON payload, a value to set).
    Any,
    /// Text, or a number or boolean taken as written.
    Scalar,
    Text,
    /// One of these words.
    Words(Vec<String>),
    /// Text matching a regular expression.
    Pattern(&'static str),
    /// A duration, like `5m` or `1h 30m`.
    Duration,
    Integer {
        min: i128,
        max: i128,
    },
    Boolean,
    /// No value at all (`register:` alone).
    Nothing,
    /// A mapping of exactly these keys.
    Mapping(Vec<Key>),
    /// A mapping of these keys, at least one of them given.
    SomeOf(Vec<Key>),
    /// Where deliveries go: a path, a URL, or a stand-in.
    Target,
    /// A mapping of any names (or of these names) to values of one shape.
    Dictionary {
        names: Option<Vec<String>>,
        value: Box<Shape>,
    },
    List {
        item: Box<Shape>,
        min_items: usize,
    },
    /// Any of these forms (`deliver: EVENT` or `deliver: { ... }`).
    Either(Vec<Shape>),
    /// This value and no other.
    Exactly(Value),
}

impl Shape {
    pub(crate) fn words<S: ToString>(words: impl IntoIterator<Item = S>) -> Self {
        Self::Words(words.into_iter().map(|w| w.to_string()).collect())
    }

    pub(crate) fn integer(min: impl Into<i128>, max: impl Into<i128>) -> Self {
        Self::Integer {
            min: min.into(),
            max: max.into(),
        }
    }

    pub(crate) fn list(item: Shape, min_items: usize) -> Self {
        Self::List {
            item: Box::new(item),
            min_items,
        }
    }

    pub(crate) fn dictionary(names: Option<Vec<String>>, value: Shape) -> Self {
        Self::Dictionary {
            names,
            value: Box::new(value),
        }
    }

    /// The JSON Schema (2020-12) of this shape.
    pub(crate) fn schema(&self) -> Value {
        match self {
            Self::Any => json!({}),
            Self::Scalar => json!({ "type": ["string", "number", "boolean"] }),
            Self::Text => json!({ "type": "string" }),
            Self::Words(words) => interpolated(json!({ "enum": words })),
            Self::Pattern(pattern) => interpolated(json!({ "type": "string", "pattern": pattern })),
            Self::Duration => interpolated(json!({ "type": "string", "pattern": DURATION })),
            Self::Integer { min, max } => {
                json!({ "type": "integer", "minimum": number(*min), "maximum": number(*max) })
            }
            Self::Boolean => json!({ "type": "boolean" }),
            Self::Nothing => json!({ "type": "null" }),
            Self::Mapping(keys) => mapping(keys),
            Self::SomeOf(keys) => {
                let mut schema = mapping(keys);
                schema["minProperties"] = json!(1);
                schema
            }
            Self::Target => json!({ "type": "string", "pattern": TARGET }),
            Self::Dictionary { names, value } => {
                let mut schema =
                    json!({ "type": "object", "additionalProperties": value.schema() });
                if let Some(names) = names {
                    schema["propertyNames"] = json!({ "enum": names });
                }
                schema
            }
            Self::List { item, min_items } => {
                let mut schema = json!({ "type": "array", "items": item.schema() });
                if *min_items > 0 {
                    schema["minItems"] = json!(min_items);
                }
                schema
            }
            Self::Exactly(value) => json!({ "const": value }),
            Self::Either(shapes) => {
                // A form that is itself a choice (a word list that lets
                // `${env:...}` pass) joins this one: one level of choices.
                let mut forms = Vec::new();
                for schema in shapes.iter().map(Shape::schema) {
                    match schema.as_object().map(|o| (o.len(), o.get("anyOf"))) {
                        Some((1, Some(Value::Array(inner)))) => forms.extend(inner.iter().cloned()),
                        _ => forms.push(schema),
                    }
                }
                json!({ "anyOf": forms })
            }
        }
    }
}

/// A closed mapping: these keys, each described, the required ones required.
pub(crate) fn mapping(keys: &[Key]) -> Value {
    let mut properties = Map::new();
    for key in keys {
        let mut schema = key.shape.schema();
        schema["description"] = json!(key.description);
        properties.insert(key.name.to_owned(), schema);
    }
    let required: Vec<&str> = keys.iter().filter(|k| k.required).map(|k| k.name).collect();
    let mut schema = json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

fn interpolated(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "string", "pattern": INTERPOLATED }] })
}

/// Bounds as JSON numbers (u64::MAX does not fit an i64).
fn number(n: i128) -> Value {
    match (i64::try_from(n), u64::try_from(n)) {
        (Ok(signed), _) => json!(signed),
        (_, Ok(unsigned)) => json!(unsigned),
        _ => json!(n as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_describes_every_key_and_closes_the_rest() {
        let keys = [
            Key::required("event", "the event", Shape::Text),
            Key::optional("count", "how many", Shape::integer(1, 10)),
        ];
        let schema = mapping(&keys);
        assert_eq!(schema["required"], json!(["event"]));
        assert_eq!(schema["additionalProperties"], json!(false));
        assert_eq!(schema["properties"]["count"]["description"], "how many");
        assert_eq!(schema["properties"]["count"]["maximum"], 10);
        assert_eq!(names(&keys), ["event", "count"]);
    }

    #[test]
    fn lists_and_patterns_let_an_environment_variable_pass() {
        let schema = Shape::words(["a", "b"]).schema();
        assert_eq!(schema["anyOf"][0]["enum"], json!(["a", "b"]));
        assert_eq!(schema["anyOf"][1]["pattern"], INTERPOLATED);
        assert_eq!(
            Shape::integer(0, u64::MAX).schema()["maximum"],
            json!(u64::MAX)
        );
    }
}
