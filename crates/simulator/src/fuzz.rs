//! Strange but valid payloads: a catalogue payload with some of its values
//! replaced by what the provider's contract still allows. Free text gets
//! any script, the characters the provider escapes, empty and long strings;
//! free numbers get boundary values of their own type; documented nullables
//! get `null`; documented-optional attributes are left out; enums get new
//! members (integer enums new codes) and objects new attributes only when
//! the provider documents that they may grow. No documented type changes.
//!
//! The strategies are proptest's, so a failing case shrinks to a minimal one.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Number, Value};

use crate::error::SimulatorError;
use crate::fake::seeded_rng;
use crate::payload::{get_path, remove_path, set_path};
use crate::providers::{IntegerEnum, Provider};

/// The longest text a case puts in one attribute, in bytes.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

/// The most changes one case makes to its payload.
const MAX_MUTATIONS: usize = 8;

/// One change to a catalogue payload.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    /// Free text at `path` becomes `text`.
    Text { path: &'static str, text: String },
    /// A free number at `path` becomes a boundary value of its own type.
    Number { path: &'static str, value: Boundary },
    /// A documented nullable at `path` becomes `null`.
    Null { path: &'static str },
    /// The enum at `path` gets a member the provider has not sent yet.
    NewEnumMember { path: &'static str, member: String },
    /// The integer enum at `path` gets a code the provider has not listed.
    NewEnumCode { path: &'static str, code: i64 },
    /// The documented-optional attribute at `path` is left out.
    Omit { path: &'static str },
    /// The object at `parent` (`""` is the payload itself) gets an attribute
    /// it did not have.
    NewAttribute {
        parent: &'static str,
        name: String,
        value: Value,
    },
}

/// A boundary number: integers replace integers, floats replace floats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boundary {
    pub integer: i64,
    pub float: f64,
}

/// Integers at the edges of the usual storage types.
const BOUNDARY_INTEGERS: &[i64] = &[
    0,
    -1,
    1,
    i32::MAX as i64,
    i32::MIN as i64,
    u32::MAX as i64,
    (1 << 53) + 1,
    i64::MAX,
    i64::MIN,
];
/// Floats that round-trip poorly or sit at the edges of f64.
const BOUNDARY_FLOATS: &[f64] = &[0.0, -1.0, 0.1, f64::MIN_POSITIVE, 1e308, -1e308];

/// Emoji built from several code points: ZWJ families, flags, skin tones,
/// keycaps and a variation selector.
const COMPOSED_EMOJI: &[&str] = &[
    "\u{1F469}\u{200D}\u{1F469}\u{200D}\u{1F467}",
    "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}",
    "\u{1F44D}\u{1F3FD}",
    "\u{1F9D1}\u{1F3FF}\u{200D}\u{1F4BB}",
    "\u{1F1F8}\u{1F1EA}",
    "1\u{FE0F}\u{20E3}",
    "\u{2764}\u{FE0F}",
];

/// Characters JSON or HTML-safe encoders escape, and the JavaScript line
/// terminators that are valid in JSON but not in older JavaScript.
const ESCAPED_CHARACTERS: &[&str] = &[
    "&",
    "<",
    ">",
    "\"",
    "'",
    "\\",
    "/",
    "\u{2028}",
    "\u{2029}",
    "\u{0}",
    "\t",
    "\n",
    "\r",
    "\u{1B}",
    "\u{7F}",
    "</script>",
    "&amp;",
    "\\u0026",
];

/// A one-of strategy over character ranges, as a string of 1 to 8 of them.
fn run_of(ranges: &'static [(char, char)]) -> BoxedStrategy<String> {
    let chars = select(ranges).prop_flat_map(|(low, high)| proptest::char::range(low, high));
    vec(chars, 1..=8)
        .prop_map(|chars| chars.into_iter().collect())
        .boxed()
}

const LATIN: &[(char, char)] = &[('a', 'z'), ('A', 'Z'), ('\u{C0}', '\u{FF}')];
const CJK: &[(char, char)] = &[
    ('\u{4E00}', '\u{9FFF}'),
    ('\u{3040}', '\u{30FF}'),
    ('\u{AC00}', '\u{D7A3}'),
];
const RIGHT_TO_LEFT: &[(char, char)] = &[('\u{0621}', '\u{064A}'), ('\u{05D0}', '\u{05EA}')];
const DEVANAGARI: &[(char, char)] = &[('\u{0905}', '\u{0939}')];
const EMOJI: &[(char, char)] = &[('\u{1F600}', '\u{1F64F}'), ('\u{1F300}', '\u{1F5FF}')];
/// Letters followed by combining marks (acute, diaeresis, ring, dot below).
const COMBINING: &[(char, char)] = &[('\u{0300}', '\u{036F}')];

/// One piece of strange text; a text is a few pieces in a row. Earlier
/// alternatives are simpler, so shrinking prefers them.
fn text_piece() -> BoxedStrategy<String> {
    prop_oneof![
        run_of(LATIN),
        run_of(CJK),
        run_of(RIGHT_TO_LEFT),
        run_of(DEVANAGARI),
        run_of(EMOJI),
        select(COMPOSED_EMOJI).prop_map(str::to_owned),
        run_of(COMBINING).prop_map(|marks| format!("e{marks}")),
        select(ESCAPED_CHARACTERS).prop_map(str::to_owned),
        // Long text, bounded so a case stays a sensible request.
        (1..=MAX_TEXT_BYTES).prop_map(|n| "x".repeat(n)),
    ]
    .boxed()
}

/// Strange text, possibly empty, at most [`MAX_TEXT_BYTES`] bytes.
pub fn strange_text() -> BoxedStrategy<String> {
    vec(text_piece(), 0..=4)
        .prop_map(|pieces| truncate_to_bytes(pieces.concat(), MAX_TEXT_BYTES))
        .boxed()
}

fn truncate_to_bytes(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// A catalogue payload (built from `seed`) and the changes made to it.
#[derive(Debug, Clone, PartialEq)]
pub struct FuzzCase {
    /// Seeds the catalogue payload; not shrunk, so a shrinking case keeps
    /// its identity and only loses changes.
    pub seed: u64,
    pub mutations: Vec<Mutation>,
}

/// One kind of change a fuzzer makes to an event, and where: what
/// `hooksim providers show` lists, so a receiver team knows what to expect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variation {
    /// The change, in a phrase.
    pub kind: &'static str,
    /// The dotted paths it is made at; `""` is the payload itself.
    pub paths: Vec<&'static str>,
}

/// What a fuzzer may vary in one event of one provider.
#[derive(Debug, Clone, Copy)]
pub struct FuzzSurface {
    pub provider: &'static dyn Provider,
    pub event: &'static str,
}

impl FuzzSurface {
    /// The surface of `event`, which must be in `provider`'s catalogue.
    pub fn new(provider: &'static dyn Provider, event: &str) -> Result<Self, SimulatorError> {
        let spec = provider.event(event)?;
        Ok(Self {
            provider,
            event: spec.name,
        })
    }

    /// True when the provider documents nothing a fuzzer may vary.
    pub fn is_empty(&self) -> bool {
        self.mutation_kinds().is_empty()
    }

    fn mutation_kinds(&self) -> Vec<BoxedStrategy<Mutation>> {
        let p = self.provider;
        let paths = p.fuzz_paths(self.event);
        let mut kinds = Vec::new();
        let text = paths.free_text;
        if !text.is_empty() {
            kinds.push(
                (select(text), strange_text())
                    .prop_map(|(path, text)| Mutation::Text { path, text })
                    .boxed(),
            );
        }
        let numbers = paths.free_numbers;
        if !numbers.is_empty() {
            kinds.push(
                (
                    select(numbers),
                    select(BOUNDARY_INTEGERS),
                    select(BOUNDARY_FLOATS),
                )
                    .prop_map(|(path, integer, float)| Mutation::Number {
                        path,
                        value: Boundary { integer, float },
                    })
                    .boxed(),
            );
        }
        let nullable = paths.nullable;
        if !nullable.is_empty() {
            kinds.push(
                select(nullable)
                    .prop_map(|path| Mutation::Null { path })
                    .boxed(),
            );
        }
        let enums = paths.enums;
        if p.enums_may_grow() && !enums.is_empty() {
            kinds.push(
                (select(enums), "[A-Z][A-Z_]{0,23}")
                    .prop_map(|(path, member)| Mutation::NewEnumMember { path, member })
                    .boxed(),
            );
        }
        let codes = p.fuzz_integer_enums(self.event);
        if p.enums_may_grow() && !codes.is_empty() {
            kinds.push(
                select(codes)
                    .prop_flat_map(|code_enum| (Just(code_enum.path), new_code(code_enum)))
                    .prop_map(|(path, code)| Mutation::NewEnumCode { path, code })
                    .boxed(),
            );
        }
        let optional = p.fuzz_optional(self.event);
        if !optional.is_empty() {
            kinds.push(
                select(optional)
                    .prop_map(|path| Mutation::Omit { path })
                    .boxed(),
            );
        }
        if p.attributes_may_be_added() {
            let parents = self.object_paths();
            kinds.push(
                (
                    select(parents),
                    "[a-z][a-zA-Z]{0,15}",
                    new_attribute_value(),
                )
                    .prop_map(|(parent, name, value)| Mutation::NewAttribute {
                        parent,
                        name,
                        value,
                    })
                    .boxed(),
            );
        }
        kinds
    }

    /// Each kind of change [`Self::cases`] makes, with its paths: one entry
    /// per strategy of `mutation_kinds`, under the same conditions.
    pub fn variations(&self) -> Vec<Variation> {
        let p = self.provider;
        let paths = p.fuzz_paths(self.event);
        let mut varied = Vec::new();
        let mut push = |kind: &'static str, paths: &[&'static str]| {
            if !paths.is_empty() {
                varied.push(Variation {
                    kind,
                    paths: paths.to_vec(),
                });
            }
        };
        push(
            "any text (every script, escaped characters, empty, up to 16 KiB)",
            paths.free_text,
        );
        push("boundary numbers of the same type", paths.free_numbers);
        push("null (documented nullable)", paths.nullable);
        if p.enums_may_grow() {
            push("new enum members", paths.enums);
            let codes: Vec<&'static str> = p
                .fuzz_integer_enums(self.event)
                .iter()
                .map(|code_enum| code_enum.path)
                .collect();
            push("new integer codes (0 to 999, not yet listed)", &codes);
        }
        push(
            "left out (documented optional)",
            p.fuzz_optional(self.event),
        );
        if p.attributes_may_be_added() {
            push("new attributes in", &self.object_paths());
        }
        varied
    }

    /// The payload itself and every object above a path the provider named.
    fn object_paths(&self) -> Vec<&'static str> {
        let paths = self.provider.fuzz_paths(self.event);
        let mut parents: Vec<&'static str> = vec![""];
        for path in [
            paths.free_text,
            paths.free_numbers,
            paths.nullable,
            paths.enums,
        ]
        .concat()
        {
            let mut rest = path;
            while let Some((parent, _)) = rest.rsplit_once('.') {
                if !parents.contains(&parent) {
                    parents.push(parent);
                }
                rest = parent;
            }
        }
        parents
    }

    /// Cases: a fresh catalogue payload each, with up to [`MAX_MUTATIONS`] changes.
    pub fn cases(&self) -> BoxedStrategy<FuzzCase> {
        let kinds = self.mutation_kinds();
        let mutations = if kinds.is_empty() {
            Just(Vec::new()).boxed()
        } else {
            vec(proptest::strategy::Union::new(kinds), 0..=MAX_MUTATIONS).boxed()
        };
        (any::<u64>().no_shrink(), mutations)
            .prop_map(|(seed, mutations)| FuzzCase { seed, mutations })
            .boxed()
    }

    /// The catalogue payload `case` starts from, before its changes.
    pub fn base_payload(&self, case: &FuzzCase) -> Result<Value, SimulatorError> {
        self.provider.build(self.event, &mut seeded_rng(case.seed))
    }

    /// The payload `case` stands for: the catalogue payload of its seed with
    /// every change applied that still fits it (a change to an attribute the
    /// payload does not have, or has as `null`, is skipped).
    pub fn payload(&self, case: &FuzzCase) -> Result<Value, SimulatorError> {
        let mut payload = self.base_payload(case)?;
        for mutation in &case.mutations {
            apply(&mut payload, mutation)?;
        }
        Ok(payload)
    }
}

/// The highest new code tried: small codes, as a grown enum numbers its
/// next members, not random 64-bit values.
const MAX_NEW_CODE: i64 = 999;

/// A code of `code_enum` the provider has not listed.
fn new_code(code_enum: IntegerEnum) -> BoxedStrategy<i64> {
    (0..=MAX_NEW_CODE)
        .prop_filter("a code not listed yet", move |code| {
            !code_enum.known.contains(code)
        })
        .boxed()
}

/// A value for a new attribute: any JSON type, since the attribute is new.
fn new_attribute_value() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        select(BOUNDARY_INTEGERS).prop_map(Value::from),
        strange_text().prop_map(Value::String),
        strange_text().prop_map(|text| {
            let mut object = Map::new();
            object.insert("value".to_owned(), Value::String(text));
            Value::Object(object)
        }),
    ]
    .boxed()
}

fn apply(payload: &mut Value, mutation: &Mutation) -> Result<(), SimulatorError> {
    match mutation {
        Mutation::Text { path, text } => {
            if get_path(payload, path).is_some_and(Value::is_string) {
                set_path(payload, path, Value::String(text.clone()))?;
            }
        }
        Mutation::Number { path, value } => {
            let replacement = match get_path(payload, path) {
                Some(Value::Number(n)) if n.is_f64() => {
                    Number::from_f64(value.float).map(Value::Number)
                }
                Some(Value::Number(_)) => Some(Value::from(value.integer)),
                _ => None,
            };
            if let Some(replacement) = replacement {
                set_path(payload, path, replacement)?;
            }
        }
        Mutation::Null { path } => {
            if get_path(payload, path).is_some() {
                set_path(payload, path, Value::Null)?;
            }
        }
        Mutation::NewEnumMember { path, member } => {
            if get_path(payload, path).is_some_and(Value::is_string) {
                set_path(payload, path, Value::String(member.clone()))?;
            }
        }
        Mutation::NewEnumCode { path, code } => {
            if get_path(payload, path).is_some_and(|v| v.is_i64() || v.is_u64()) {
                set_path(payload, path, Value::from(*code))?;
            }
        }
        Mutation::Omit { path } => {
            remove_path(payload, path);
        }
        Mutation::NewAttribute {
            parent,
            name,
            value,
        } => {
            let object = if parent.is_empty() {
                Some(&*payload)
            } else {
                get_path(payload, parent)
            };
            // New in any casing: a case-insensitive deserializer (.NET's, for
            // PascalCase providers) would fold `caseId` onto `CaseId`.
            let fresh = object
                .and_then(Value::as_object)
                .is_some_and(|o| !o.keys().any(|key| key.eq_ignore_ascii_case(name)));
            if fresh {
                let path = if parent.is_empty() {
                    name.clone()
                } else {
                    format!("{parent}.{name}")
                };
                set_path(payload, &path, value.clone())?;
            }
        }
    }
    Ok(())
}

/// Asserts that every path `provider` declares for `event` holds, in
/// `body` (a payload built for it), the JSON type a fuzzer writes there or
/// sits under a declared null, and that every nullable path is there: what
/// the providers' tests check of their declarations.
/// A value's JSON type (integers and floats apart), which no fuzzed value
/// may change.
#[cfg(test)]
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
pub(crate) fn assert_declared_paths_resolve(provider: &dyn Provider, event: &str, body: &Value) {
    let paths = provider.fuzz_paths(event);
    // `path` is, or sits under, a nullable path that is null in `body`.
    let under_a_null = |path: &str| {
        paths.nullable.iter().any(|n| {
            let covers = path == *n || path.strip_prefix(n).is_some_and(|r| r.starts_with('.'));
            covers && get_path(body, n).is_some_and(Value::is_null)
        })
    };
    let typed = |declared: &[&str], is_type: fn(&Value) -> bool, type_name: &str| {
        for path in declared {
            let value = get_path(body, path);
            assert!(
                value.is_some_and(is_type) || under_a_null(path),
                "{event}: {path} is not a {type_name}: {value:?} in {body}"
            );
        }
    };
    typed(paths.free_text, Value::is_string, "string");
    typed(paths.free_numbers, Value::is_number, "number");
    typed(paths.enums, Value::is_string, "string");
    for path in paths.nullable {
        let parent_null = path
            .rsplit_once('.')
            .is_some_and(|(parent, _)| get_path(body, parent).is_some_and(Value::is_null));
        assert!(
            get_path(body, path).is_some() || parent_null,
            "{event}: {path} is missing in {body}"
        );
    }
}

#[cfg(test)]
mod tests {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    use super::*;
    use crate::providers::ProviderId;
    use crate::providers::hemnet::{CONTACT_CREATE, CONTACT_ENUMS, NULLABLE_CONTACT_PATHS};

    #[test]
    fn variations_name_every_kind_of_change_the_cases_make() {
        for id in ProviderId::ALL {
            let provider = id.provider();
            for event in provider.events() {
                let surface = FuzzSurface::new(provider, event.name).expect("in the catalogue");
                let variations = surface.variations();
                assert_eq!(
                    variations.len(),
                    surface.mutation_kinds().len(),
                    "{id} {}: {variations:?}",
                    event.name
                );
                assert!(variations.iter().all(|v| !v.paths.is_empty()));
            }
        }
        let kinds: Vec<&str> = hemnet().variations().iter().map(|v| v.kind).collect();
        assert_eq!(kinds.len(), 5, "{kinds:?}");
        assert!(kinds.contains(&"null (documented nullable)"), "{kinds:?}");
    }

    fn hemnet() -> FuzzSurface {
        FuzzSurface::new(ProviderId::Hemnet.provider(), CONTACT_CREATE).expect("in the catalogue")
    }

    fn runner(cases: u32) -> TestRunner {
        TestRunner::new_with_rng(
            Config {
                cases,
                failure_persistence: None,
                ..Config::default()
            },
            TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
        )
    }

    #[test]
    fn documented_types_never_change_and_nulls_only_where_documented() {
        let surface = hemnet();
        runner(300)
            .run(&surface.cases(), |case| {
                let base = surface.base_payload(&case).expect("catalogue event");
                let fuzzed = surface.payload(&case).expect("changes fit");
                let (Some(before), Some(after)) =
                    (base["data"].as_object(), fuzzed["data"].as_object())
                else {
                    panic!("data is an object");
                };
                for (key, old) in before {
                    let new = &after[key];
                    let nulled = new.is_null() && !old.is_null();
                    if nulled {
                        let path = format!("data.{key}");
                        prop_assert!(NULLABLE_CONTACT_PATHS.contains(&path.as_str()), "{}", path);
                    } else if !old.is_null() && !old.is_object() {
                        prop_assert_eq!(json_kind(old), json_kind(new), "data.{}", key);
                    }
                }
                prop_assert_eq!(&fuzzed["type"], &base["type"]);
                prop_assert_eq!(&fuzzed["action"], &base["action"]);
                prop_assert_eq!(&fuzzed["data"]["id"], &base["data"]["id"]);
                let message = fuzzed["data"]["message"].as_str().unwrap_or("");
                prop_assert!(message.len() <= MAX_TEXT_BYTES);
                Ok(())
            })
            .expect("every case keeps the contract");
    }

    #[test]
    fn cases_reach_every_kind_of_change() {
        let surface = hemnet();
        let strategy = surface.cases();
        let mut runner = runner(1);
        let mut seen = Vec::new();
        let mut texts = String::new();
        for _ in 0..400 {
            let case = strategy
                .new_tree(&mut runner)
                .expect("no rejections")
                .current();
            for m in case.mutations {
                if let Mutation::Text { text, .. } = &m {
                    texts.push_str(text);
                }
                let kind = match m {
                    Mutation::Text { .. } => "text",
                    Mutation::Number { .. } => "number",
                    Mutation::Null { .. } => "null",
                    Mutation::NewEnumMember { path, member } => {
                        let attribute = path.trim_start_matches("data.");
                        let known = CONTACT_ENUMS
                            .iter()
                            .find(|(name, _)| *name == attribute)
                            .expect("an enum path");
                        assert!(known.1.iter().all(|m| !m.is_empty()), "{member}");
                        "enum"
                    }
                    Mutation::NewAttribute { .. } => "attribute",
                    Mutation::NewEnumCode { .. } | Mutation::Omit { .. } => {
                        panic!("Hemnet declares no integer enums or optional attributes: {m:?}")
                    }
                };
                if !seen.contains(&kind) {
                    seen.push(kind);
                }
            }
        }
        seen.sort_unstable();
        assert_eq!(seen, ["attribute", "enum", "null", "number", "text"]);
        for sample in ["\u{2028}", "\u{200D}", "&"] {
            assert!(texts.contains(sample), "no {sample:?} in 400 cases");
        }
        assert!(
            texts
                .chars()
                .any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
        );
        assert!(
            texts
                .chars()
                .any(|c| ('\u{0621}'..='\u{064A}').contains(&c))
        );
        assert!(
            texts
                .chars()
                .any(|c| ('\u{0905}'..='\u{0939}').contains(&c))
        );
    }

    #[test]
    fn a_failing_case_shrinks_to_the_offending_text() {
        let surface = hemnet();
        let has_emoji = |text: &str| {
            text.chars()
                .any(|c| ('\u{1F300}'..='\u{1FAFF}').contains(&c))
        };
        let error = runner(500)
            .run(&surface.cases(), |case| {
                let payload = surface.payload(&case).expect("changes fit");
                let message = payload["data"]["message"].as_str().unwrap_or("");
                prop_assert!(!has_emoji(message));
                Ok(())
            })
            .expect_err("some case puts an emoji in the message");
        let proptest::test_runner::TestError::Fail(_, minimal) = error else {
            panic!("not an abort");
        };
        let payload = surface.payload(&minimal).expect("changes fit");
        assert_eq!(minimal.mutations.len(), 1, "{minimal:?}");
        let message = payload["data"]["message"].as_str().expect("a string");
        assert!(has_emoji(message), "{message:?}");
        assert!(message.chars().count() <= 2, "{message:?}");
    }

    #[test]
    fn a_new_attribute_never_shadows_one_in_another_casing() {
        let surface = hemnet();
        let case = |name: &str| FuzzCase {
            seed: 1,
            mutations: vec![Mutation::NewAttribute {
                parent: "data",
                name: name.to_owned(),
                value: Value::Bool(true),
            }],
        };
        let base = surface
            .payload(&FuzzCase {
                seed: 1,
                mutations: Vec::new(),
            })
            .expect("builds");
        // `Email` next to `email` is what a case-insensitive reader folds together.
        let shadowing = surface.payload(&case("Email")).expect("fits");
        assert_eq!(shadowing, base);
        let fresh = surface.payload(&case("emailTwo")).expect("fits");
        assert_eq!(fresh["data"]["emailTwo"], Value::Bool(true));
    }

    /// The changes of `count` cases drawn for `surface`.
    fn drawn_mutations(surface: &FuzzSurface, count: usize) -> Vec<Mutation> {
        let strategy = surface.cases();
        let mut runner = runner(1);
        (0..count)
            .flat_map(|_| {
                strategy
                    .new_tree(&mut runner)
                    .expect("no rejections")
                    .current()
                    .mutations
            })
            .collect()
    }

    /// True when 200 cases drawn for `event` make some change `wanted` picks.
    fn draws_any(
        provider: &'static dyn Provider,
        event: &str,
        wanted: fn(&Mutation) -> bool,
    ) -> bool {
        let surface = FuzzSurface::new(provider, event).expect("in the catalogue");
        drawn_mutations(&surface, 200).iter().any(wanted)
    }

    #[test]
    fn flow_type_codes_get_new_integer_codes_and_stay_integers() {
        let flow = ProviderId::Flow.provider();
        for (event, listed) in [
            ("PublicationChanged", &[1, 150][..]),
            ("AktivitetCreated", &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10][..]),
        ] {
            let surface = FuzzSurface::new(flow, event).expect("in the catalogue");
            let codes: Vec<i64> = drawn_mutations(&surface, 300)
                .into_iter()
                .filter_map(|m| match m {
                    Mutation::NewEnumCode { path, code } => {
                        assert_eq!(path, "Payload.Type", "{event}");
                        Some(code)
                    }
                    _ => None,
                })
                .collect();
            assert!(codes.len() > 20, "{event}: {} new codes", codes.len());
            assert!(
                codes.iter().all(|c| !listed.contains(c)),
                "{event}: {codes:?}"
            );
            let case = FuzzCase {
                seed: 4,
                mutations: vec![Mutation::NewEnumCode {
                    path: "Payload.Type",
                    code: codes[0],
                }],
            };
            let payload = surface.payload(&case).expect("fits");
            assert_eq!(payload["Payload"]["Type"], Value::from(codes[0]), "{event}");
        }
        // Only the integer codes: the participant Type is a string enum.
        let is_code = |m: &Mutation| matches!(m, Mutation::NewEnumCode { .. });
        assert!(!draws_any(flow, "ActivityParticipantCreated", is_code));
    }

    #[test]
    fn a_new_code_never_turns_a_string_into_a_number() {
        let surface = FuzzSurface::new(ProviderId::Flow.provider(), "ChecklistItemChecked")
            .expect("in the catalogue");
        let case = FuzzCase {
            seed: 2,
            mutations: vec![Mutation::NewEnumCode {
                path: "Payload.Key",
                code: 77,
            }],
        };
        let base = surface
            .payload(&FuzzCase {
                seed: 2,
                mutations: Vec::new(),
            })
            .expect("builds");
        assert_eq!(surface.payload(&case).expect("fits"), base);
    }

    #[test]
    fn everreal_leaves_out_only_documented_optional_attributes() {
        let everreal = ProviderId::EverReal.provider();
        let surface = FuzzSurface::new(everreal, "CANDIDATE_PARSED").expect("in the catalogue");
        let optional = everreal.fuzz_optional("CANDIDATE_PARSED");
        // `run` takes a `Fn`: the paths left out are counted through a cell.
        let left_out = std::cell::RefCell::new(Vec::new());
        runner(300)
            .run(&surface.cases(), |case| {
                let base = surface.base_payload(&case).expect("catalogue event");
                let fuzzed = surface.payload(&case).expect("changes fit");
                for (key, _) in base["data"].as_object().expect("an object") {
                    if fuzzed["data"].get(key).is_none() {
                        let path = format!("data.{key}");
                        prop_assert!(optional.contains(&path.as_str()), "{} left out", path);
                        left_out.borrow_mut().push(path);
                    }
                }
                prop_assert_eq!(&fuzzed["uuid"], &base["uuid"]);
                prop_assert_eq!(&fuzzed["data"]["email"], &base["data"]["email"]);
                prop_assert_eq!(&fuzzed["data"]["portalId"], &base["data"]["portalId"]);
                Ok(())
            })
            .expect("only optional attributes go");
        let left_out = left_out.into_inner();
        assert!(left_out.len() > 20, "{left_out:?}");
        let is_omission = |m: &Mutation| matches!(m, Mutation::Omit { .. });
        assert!(draws_any(everreal, "CANDIDATE_PARSED", is_omission));
        // Events whose data is assumed have nothing documented as optional.
        assert!(!draws_any(everreal, "OWNER_CREATED", is_omission));
    }

    #[test]
    fn an_omitted_attribute_is_gone_not_null() {
        let surface = FuzzSurface::new(
            ProviderId::EverReal.provider(),
            "LISTING_CONTRACT_FLOW_SIGNED",
        )
        .expect("in the catalogue");
        let case = FuzzCase {
            seed: 3,
            mutations: vec![
                Mutation::Omit {
                    path: "data.contractFile",
                },
                // A change under what was left out is skipped.
                Mutation::Text {
                    path: "data.contractFile.name",
                    text: "x".to_owned(),
                },
            ],
        };
        let payload = surface.payload(&case).expect("fits");
        assert!(payload["data"].get("contractFile").is_none(), "{payload}");
        assert!(payload["data"]["auditTrailFile"].is_object());
    }

    #[test]
    fn long_text_is_bounded() {
        let long = truncate_to_bytes("å".repeat(MAX_TEXT_BYTES), MAX_TEXT_BYTES);
        assert!(long.len() <= MAX_TEXT_BYTES);
        assert_eq!(long.chars().count(), MAX_TEXT_BYTES / 2);
    }
}
