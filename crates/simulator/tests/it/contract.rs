//! The contract hooksim publishes against the payloads it sends: every
//! event of every provider, many seeds, under the closed schema (exactly
//! what hooksim sends); fuzz cases under the published one (what a receiver
//! must accept); and the fuzzer's surface read off the same shapes.

use hooksim_simulator::contract::{Openness, Shape, event_schema};
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::fuzz::FuzzSurface;
use hooksim_simulator::providers::{Provider, ProviderId};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

/// Catalogue payloads checked per event, and fuzz cases.
const SEEDS: u64 = 48;
const FUZZ_CASES: usize = 48;

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("the schema compiles: {e}\n{schema:#}"))
}

/// Every way `payload` breaks `validator`, one line each.
fn violations(validator: &jsonschema::Validator, payload: &Value) -> Vec<String> {
    validator
        .iter_errors(payload)
        .map(|e| format!("at `{}`: {e}", e.instance_path()))
        .collect()
}

fn events(id: ProviderId) -> impl Iterator<Item = (&'static dyn Provider, &'static str)> {
    let provider = id.provider();
    provider.events().iter().map(move |e| (provider, e.name))
}

/// The checks below, once per provider (`cargo test contract::flow`).
macro_rules! per_provider {
    ($($module:ident: $id:expr),* $(,)?) => {$(
        mod $module {
            use super::*;

            #[test]
            fn every_payload_hooksim_builds_is_what_its_closed_contract_says() {
                super::built_payloads_fit_the_closed_contract($id);
            }

            #[test]
            fn every_fuzz_case_is_valid_under_the_published_contract() {
                super::fuzz_cases_fit_the_published_contract($id);
            }

            #[test]
            fn the_fuzzer_varies_only_what_the_contract_lets_vary() {
                super::fuzz_surface_follows_the_contract($id);
            }

            #[test]
            fn the_closed_contract_rejects_what_hooksim_does_not_send() {
                super::the_closed_contract_can_fail($id);
            }
        }
    )*};
}

per_provider! {
    hemnet: ProviderId::Hemnet,
    spark: ProviderId::Spark,
    flow: ProviderId::Flow,
    propertyfinder: ProviderId::PropertyFinder,
    propertyfinder_atlas: ProviderId::PropertyFinderAtlas,
    everreal: ProviderId::EverReal,
}

fn closed(provider: &dyn Provider, event: &str) -> jsonschema::Validator {
    let shape = provider
        .payload_shape(event)
        .expect("every event has a contract");
    validator(&shape.schema(Openness::CLOSED))
}

fn published(provider: &dyn Provider, event: &str) -> jsonschema::Validator {
    let schema = event_schema(provider, event, Openness::published(provider))
        .expect("every event has a contract");
    validator(&schema)
}

fn built_payloads_fit_the_closed_contract(id: ProviderId) {
    let mut broken = Vec::new();
    for (provider, event) in events(id) {
        let validator = closed(provider, event);
        for seed in 0..SEEDS {
            let payload = provider
                .build(event, &mut seeded_rng(seed))
                .expect("catalogue events build");
            for v in violations(&validator, &payload) {
                broken.push(format!("{} {event} seed {seed} {v}", provider.id()));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

fn fuzz_cases_fit_the_published_contract(id: ProviderId) {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let mut broken = Vec::new();
    let mut checked = 0;
    for (provider, event) in events(id) {
        let validator = published(provider, event);
        let surface = FuzzSurface::new(provider, event).expect("a catalogue event");
        if surface.is_empty() {
            continue;
        }
        let cases = surface.cases();
        for _ in 0..FUZZ_CASES {
            let case = cases.new_tree(&mut runner).expect("a case").current();
            let payload = surface.payload(&case).expect("the case applies");
            checked += 1;
            for v in violations(&validator, &payload) {
                broken.push(format!(
                    "{} {event} {:?}: {v}",
                    provider.id(),
                    case.mutations
                ));
            }
        }
    }
    assert!(checked >= FUZZ_CASES, "{id}: only {checked} fuzz cases");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// The parent object's field for a dotted `path`.
fn field_required(shape: &Shape, path: &str) -> Option<bool> {
    let (parent, name) = path.rsplit_once('.').unwrap_or(("", path));
    match shape.at(parent)?.non_null() {
        Shape::Object(fields) => fields.iter().find(|f| f.name == name).map(|f| f.required),
        _ => None,
    }
}

fn fuzz_surface_follows_the_contract(id: ProviderId) {
    let mut wrong = Vec::new();
    for (provider, event) in events(id) {
        let shape = provider.payload_shape(event).expect("a contract");
        let paths = provider.fuzz_paths(event);
        let mut check = |path: &str, what: &str, ok: fn(&Shape) -> bool| {
            if !shape.at(path).is_some_and(ok) {
                wrong.push(format!("{} {event} `{path}` is not {what}", provider.id()));
            }
        };
        for path in paths.nullable {
            check(path, "nullable", Shape::admits_null);
        }
        for path in paths.enums {
            check(path, "an enum", |s| {
                matches!(s.non_null(), Shape::Enum(_) | Shape::Tag(_))
            });
        }
        for path in paths.free_text {
            check(path, "free text", |s| {
                matches!(
                    s.non_null(),
                    Shape::Text(hooksim_simulator::contract::Text::Free)
                )
            });
        }
        for path in paths.free_numbers {
            check(path, "a number", |s| match s.non_null() {
                Shape::Integer | Shape::Number => true,
                Shape::OneOf(shapes) => shapes
                    .iter()
                    .any(|s| matches!(s, Shape::Integer | Shape::Number)),
                _ => false,
            });
        }
        for code in provider.fuzz_integer_enums(event) {
            check(code.path, "integer codes", |s| {
                matches!(s.non_null(), Shape::Codes(_))
            });
        }
        for path in provider.fuzz_optional(event) {
            if field_required(&shape, path) != Some(false) {
                wrong.push(format!(
                    "{} {event} `{path}` is not optional",
                    provider.id()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The closed contract can fail: an attribute hooksim does not send, and a
/// value of the wrong type, break it for every event; the published one
/// takes the attribute where the provider says attributes are added.
fn the_closed_contract_can_fail(id: ProviderId) {
    for (provider, event) in events(id) {
        let payload = provider
            .build(event, &mut seeded_rng(1))
            .expect("catalogue events build");
        let mut added = payload.clone();
        let mut wrong_type = payload.clone();
        let target = match (&mut added, &mut wrong_type) {
            (Value::Object(a), Value::Object(w)) => {
                a.insert("hooksimNewAttribute".into(), Value::from(1));
                w.clear();
                true
            }
            (Value::Array(a), Value::Array(w)) => {
                a.push(Value::from("not an item"));
                w.push(Value::Null);
                true
            }
            _ => false,
        };
        assert!(
            target,
            "{} {event}: the payload is an object or an array",
            provider.id()
        );
        let closed = closed(provider, event);
        assert!(
            !violations(&closed, &added).is_empty(),
            "{} {event}: an added attribute passes",
            provider.id()
        );
        assert!(
            !violations(&closed, &wrong_type).is_empty(),
            "{} {event}: a changed payload passes",
            provider.id()
        );
        if provider.attributes_may_be_added() && payload.is_object() {
            let published = published(provider, event);
            assert!(
                violations(&published, &added).is_empty(),
                "{} {event}: the published contract refuses an added attribute",
                provider.id()
            );
        }
    }
}
