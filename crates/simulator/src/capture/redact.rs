//! Personal data out of captures, so they can be committed as fixtures.
//!
//! Names, emails, phone numbers, addresses and free text are replaced with
//! fake text of the same shape and script: every letter becomes another
//! letter of its own script and case, every digit another digit (a leading
//! non-zero digit stays non-zero), and everything else (spaces,
//! punctuation, `@`, `.`, `+`) stays where it was. So a Swedish street name
//! stays Latin with its å, ä and ö positions, an Arabic name stays Arabic,
//! an email stays an email, and a phone stays a phone of the same length.
//!
//! The replacement of a value depends only on the seed and the value, so
//! the same person or id in two captures gets the same replacement:
//! redacted captures stay consistent with each other.
//!
//! What is replaced is read off the event's contract ([`crate::contract`]):
//! free text, emails, and the phone-shaped patterns (`^\+...`). Ids
//! (uuids, ULIDs, numbers), dates, enums and values that name the event are
//! kept, so a redacted capture still validates against the event's schema.
//! Attributes the contract does not know are free text to the redactor,
//! in case they hold personal data.
//!
//! The body is then encoded again the provider's way, so the original
//! signature no longer fits it: the signature headers are replaced by
//! [`REDACTED_SIGNATURE`], and `redacted` on the capture names the seed.

use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::capture::check::event_of;
use crate::capture::{Capture, Redaction};
use crate::contract::{Shape, Text};
use crate::fake::SeededRng;
use crate::providers::Provider;

/// What a redacted capture carries where the signature was.
pub const REDACTED_SIGNATURE: &str =
    "[redacted: the body changed, so the signature no longer fits]";

/// Why a capture could not be redacted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedactError {
    #[error("provider `{0}` is not one hooksim knows")]
    UnknownProvider(String),
    #[error("the body is not JSON, so nothing in it can be told apart: {0}")]
    NotJson(String),
}

/// `capture` with its personal data replaced (see the module's doc).
pub fn redact(capture: &Capture, seed: u64) -> Result<Capture, RedactError> {
    let provider = capture
        .provider_id()
        .ok_or_else(|| RedactError::UnknownProvider(capture.provider.clone()))?
        .provider();
    let body = capture
        .body()
        .map_err(|e| RedactError::NotJson(e.to_string()))?;
    let mut payload: Value =
        serde_json::from_slice(&body).map_err(|e| RedactError::NotJson(e.to_string()))?;
    let shape = event_of(provider, &payload).and_then(|event| provider.payload_shape(event).ok());
    let scrambler = Scrambler { seed };
    scrambler.walk(&mut payload, shape.as_ref(), "");
    let encoded = provider.encode(&payload);
    let mut redacted = Capture::new(
        provider.id(),
        capture.received_at.clone(),
        (
            capture.method.clone(),
            capture.path.clone(),
            capture.query.clone(),
        ),
        redacted_headers(provider, &capture.headers),
        &encoded,
        capture.answer.clone(),
    );
    redacted.redacted = Some(Redaction { seed });
    Ok(redacted)
}

/// The headers, the signature's replaced (the body it signed is gone).
fn redacted_headers(
    provider: &dyn Provider,
    headers: &[(String, String)],
) -> Vec<(String, String)> {
    let signature = provider.signature().map(|s| s.header);
    headers
        .iter()
        .map(|(name, value)| {
            if signature.is_some_and(|h| h.eq_ignore_ascii_case(name)) {
                (name.clone(), REDACTED_SIGNATURE.to_owned())
            } else {
                (name.clone(), value.clone())
            }
        })
        .collect()
}

struct Scrambler {
    seed: u64,
}

impl Scrambler {
    /// Replace the personal strings of `value`, read with `shape` (none:
    /// an attribute the contract does not know).
    fn walk(&self, value: &mut Value, shape: Option<&Shape>, name: &str) {
        let shape = shape.map(Shape::non_null);
        match value {
            Value::String(text) if is_personal(shape, name) => *text = self.scramble(text),
            Value::Array(items) => {
                let items_shape = match shape {
                    Some(Shape::Array(items)) => Some(items.as_ref()),
                    _ => None,
                };
                for item in items {
                    self.walk(item, items_shape, name);
                }
            }
            Value::Object(object) => {
                for (key, inner) in object.iter_mut() {
                    self.walk(inner, field_shape(shape, key), key);
                }
            }
            _ => {}
        }
    }

    /// `text` with every letter and digit replaced by one of its own kind,
    /// the same for the same `text` under the same seed.
    fn scramble(&self, text: &str) -> String {
        let mut rng = SeededRng::seed_from_u64(self.seed ^ fnv1a(text.as_bytes()));
        let mut first_digit = true;
        text.chars()
            .map(|c| {
                let replaced = same_kind(c, first_digit, &mut rng);
                if c.is_ascii_digit() {
                    first_digit = false;
                } else if !c.is_alphanumeric() {
                    first_digit = true;
                }
                replaced
            })
            .collect()
    }
}

/// The shape of attribute `key` of an object shaped `shape`: when several
/// alternatives (`OneOf`) have it, the first that does.
fn field_shape<'a>(shape: Option<&'a Shape>, key: &str) -> Option<&'a Shape> {
    match shape? {
        Shape::Object(fields) => fields.iter().find(|f| f.name == key).map(|f| &f.shape),
        Shape::OneOf(shapes) => shapes.iter().find_map(|s| field_shape(Some(s), key)),
        _ => None,
    }
}

/// Whether a string with this shape (at attribute `name`) may be personal.
fn is_personal(shape: Option<&Shape>, name: &str) -> bool {
    match shape {
        // Not in the contract: it may be anything.
        None => true,
        Some(Shape::Text(Text::Free | Text::Email)) => true,
        Some(Shape::Text(Text::Pattern { regex, .. })) => {
            regex.starts_with("^\\+") || name.to_ascii_lowercase().contains("phone")
        }
        Some(Shape::OneOf(shapes)) => shapes.iter().any(|s| is_personal(Some(s), name)),
        Some(_) => false,
    }
}

/// A character of the same kind as `c`: a letter of its own script and
/// case, a digit (non-zero where `c` leads a number and is non-zero), or
/// `c` itself.
fn same_kind(c: char, leading: bool, rng: &mut SeededRng) -> char {
    let pick = |rng: &mut SeededRng, from: &[char]| from[rng.random_range(0..from.len())];
    match c {
        'a'..='z' => pick(rng, &LOWER),
        'A'..='Z' => pick(rng, &UPPER),
        '0' => '0',
        '1'..='9' if leading => char::from(b'1' + rng.random_range(0..9u8)),
        '0'..='9' => char::from(b'0' + rng.random_range(0..10u8)),
        c if LATIN_LOWER.contains(&c) => pick(rng, &LATIN_LOWER),
        c if LATIN_UPPER.contains(&c) => pick(rng, &LATIN_UPPER),
        // Cyrillic а..я and А..Я, Arabic letters ا..ي: a letter of the same range.
        '\u{0430}'..='\u{044F}' => from_range(rng, 0x0430, 0x044F),
        '\u{0410}'..='\u{042F}' => from_range(rng, 0x0410, 0x042F),
        '\u{0627}'..='\u{064A}' => from_range(rng, 0x0627, 0x064A),
        other => other,
    }
}

fn from_range(rng: &mut SeededRng, first: u32, last: u32) -> char {
    char::from_u32(rng.random_range(first..=last)).unwrap_or('x')
}

const LOWER: [char; 26] = [
    'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's',
    't', 'u', 'v', 'w', 'x', 'y', 'z',
];
const UPPER: [char; 26] = [
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S',
    'T', 'U', 'V', 'W', 'X', 'Y', 'Z',
];
/// Accented Latin letters the providers' languages use (Swedish, Norwegian,
/// German, French, Spanish): one stays one of them.
const LATIN_LOWER: [char; 12] = ['å', 'ä', 'ö', 'ø', 'æ', 'ü', 'ß', 'é', 'è', 'á', 'ñ', 'ç'];
const LATIN_UPPER: [char; 11] = ['Å', 'Ä', 'Ö', 'Ø', 'Æ', 'Ü', 'É', 'È', 'Á', 'Ñ', 'Ç'];

/// FNV-1a: a stable hash of a value, so its replacement is the same in
/// every capture.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Answer;
    use crate::contract::Openness;
    use crate::fake::seeded_rng;
    use crate::providers::ProviderId;

    fn captured(id: ProviderId, event: &str, seed: u64, set: impl Fn(&mut Value)) -> Capture {
        let provider = id.provider();
        let mut payload = provider
            .build(event, &mut seeded_rng(seed))
            .expect("catalogue events build");
        set(&mut payload);
        Capture::new(
            id,
            "2026-12-03T16:00:00.000Z".to_owned(),
            ("POST".to_owned(), "/hooks".to_owned(), None),
            vec![("x-signature".to_owned(), "ab".repeat(32))],
            &provider.encode(&payload),
            Answer {
                status: 200,
                forwarded_to: None,
            },
        )
    }

    fn payload(capture: &Capture) -> Value {
        serde_json::from_slice(&capture.body().expect("base64")).expect("JSON")
    }

    #[test]
    fn personal_data_is_replaced_with_the_same_shape_and_script() {
        let original = captured(ProviderId::Hemnet, "CONTACT.CREATE", 3, |p| {
            p["data"]["firstName"] = "Åsa-Märta".into();
            p["data"]["phone"] = "+46701234567".into();
            p["data"]["email"] = "asa.marta@example.se".into();
        });
        let redacted = redact(&original, 9).expect("redacts");
        let (before, after) = (payload(&original), payload(&redacted));
        let name = after["data"]["firstName"].as_str().expect("a name");
        assert_ne!(name, "Åsa-Märta");
        assert_eq!(name.chars().count(), 9);
        assert_eq!(name.chars().nth(3), Some('-'));
        assert!(
            !name.chars().next().is_some_and(|c| c.is_ascii()),
            "Å stays accented: {name}"
        );
        let phone = after["data"]["phone"].as_str().expect("a phone");
        assert!(phone.starts_with('+') && phone.len() == 12 && phone != "+46701234567");
        let email = after["data"]["email"].as_str().expect("an email");
        assert!(
            email.contains('@') && email.matches('.').count() == 2,
            "{email}"
        );
        assert_ne!(email, "asa.marta@example.se");
        // Ids, enums and the event's names are kept.
        for path in ["id", "source", "recipientType"] {
            assert_eq!(after["data"][path], before["data"][path], "{path}");
        }
        assert_eq!(after["type"], "CONTACT");
        assert_eq!(redacted.redacted, Some(Redaction { seed: 9 }));
        assert_eq!(
            redacted.header_values("X-Signature").collect::<Vec<_>>(),
            [REDACTED_SIGNATURE]
        );
    }

    #[test]
    fn the_same_value_gets_the_same_replacement_in_every_capture() {
        let same_person = |seed| {
            captured(ProviderId::Hemnet, "CONTACT.CREATE", seed, |p| {
                p["data"]["lastName"] = "Lindqvist".into();
            })
        };
        let a = payload(&redact(&same_person(1), 5).expect("redacts"));
        let b = payload(&redact(&same_person(2), 5).expect("redacts"));
        assert_eq!(a["data"]["lastName"], b["data"]["lastName"]);
        let other_seed = payload(&redact(&same_person(1), 6).expect("redacts"));
        assert_ne!(a["data"]["lastName"], other_seed["data"]["lastName"]);
    }

    #[test]
    fn a_redacted_capture_still_fits_its_events_contract() {
        for id in ProviderId::ALL {
            let provider = id.provider();
            for spec in provider.events() {
                let original = captured(id, spec.name, 4, |_| {});
                let after = payload(&redact(&original, 1).expect("redacts"));
                assert_eq!(event_of(provider, &after), Some(spec.name), "{id}");
                let schema = provider
                    .payload_shape(spec.name)
                    .expect("a contract")
                    .schema(Openness::CLOSED);
                let validator = jsonschema::options()
                    .should_validate_formats(true)
                    .build(&schema)
                    .expect("the schema compiles");
                let errors: Vec<String> = validator
                    .iter_errors(&after)
                    .map(|e| e.to_string())
                    .collect();
                assert!(errors.is_empty(), "{id} {}: {errors:?}", spec.name);
            }
        }
    }

    #[test]
    fn a_body_that_is_not_json_is_refused() {
        let mut capture = captured(ProviderId::Spark, "New", 1, |_| {});
        capture.body_base64 = "bm90IGpzb24=".to_owned();
        assert!(matches!(redact(&capture, 1), Err(RedactError::NotJson(_))));
    }
}
