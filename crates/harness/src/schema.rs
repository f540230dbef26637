//! The scenario format as JSON Schema (2020-12), made from the same key
//! lists the reader uses: the top level's ([`crate::scenario`]) and every
//! step's ([`crate::steps`]). `hooksim schema` prints it; editors that
//! read `# yaml-language-server: $schema=...` complete and check scenario
//! files with it.
//!
//! A scenario of a known provider is checked against that provider's
//! events, settings, API conditions and steps (`allOf` of `if provider is
//! X then ...`); the plain `properties` take any provider.

use hooksim_simulator::providers::ProviderId;
use serde_json::{Value, json};

use crate::read::shape::mapping;
use crate::scenario::validate::top_level_keys;
use crate::steps::step_schemas;

/// The `$id` the schema names itself by.
pub const SCHEMA_ID: &str = "https://hooksim.dev/schema/scenario-v1.json";

/// The whole schema.
pub fn scenario_schema() -> Value {
    let mut schema = serde_json::Map::new();
    schema.insert(
        "$schema".to_owned(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    schema.insert("$id".to_owned(), json!(SCHEMA_ID));
    schema.insert("title".to_owned(), json!("hooksim scenario (v1)"));
    schema.insert(
        "description".to_owned(),
        json!(
            "A scenario names one contract rule of one provider and proves it with steps sent to a receiver. See docs/scenarios.md."
        ),
    );
    if let Value::Object(any_provider) = top_level(None) {
        schema.extend(any_provider);
    }
    let per_provider: Vec<Value> = ProviderId::ALL
        .iter()
        .map(|provider| {
            json!({
                "if": {
                    "properties": { "provider": { "const": provider.as_str() } },
                    "required": ["provider"],
                },
                "then": top_level(Some(*provider)),
            })
        })
        .collect();
    schema.insert("allOf".to_owned(), json!(per_provider));
    Value::Object(schema)
}

/// The top level for `provider` (any, when `None`), steps included.
fn top_level(provider: Option<ProviderId>) -> Value {
    let mut schema = mapping(&top_level_keys(provider));
    schema["properties"]["steps"]["items"] = step(provider);
    schema
}

/// One step: exactly one of the steps `provider` has, and its `expect`.
fn step(provider: Option<ProviderId>) -> Value {
    let forms: Vec<Value> = step_schemas(provider)
        .iter()
        .map(|step| {
            let mut form = mapping(&step.keys());
            form["title"] = json!(step.keyword);
            form
        })
        .collect();
    json!({
        "description": "One step: exactly one action key (`deliver`, `wait`, ...), and `expect` where the step checks something.",
        "type": "object",
        "oneOf": forms,
    })
}
