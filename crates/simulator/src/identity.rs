//! Fresh event identities for runs against a receiver that outlives them.
//!
//! A receiver deduplicates by its provider's event identity (Hemnet's
//! contact id, Atlas's event `id`, ...). Seeded payloads carry the same
//! identity on every run, so a long-lived receiver would take a second run's
//! deliveries for duplicates of the first and answer differently (one lead
//! stored, then three). [`freshen`] gives the identity values a payload holds
//! new ones of the same shape: a uuid stays a valid v4 uuid, a 26-digit id
//! stays 26 digits, a timestamp keeps its instant to the second and its
//! length. Each pair it returns lets a transcript show the seeded value, so
//! transcripts stay the same from run to run.

use rand::Rng;
use serde_json::Value;

use crate::fake::{SeededRng, uuid_v4};
use crate::payload::get_path;

/// One identity value replaced: its text in the body as sent, and as the
/// seed made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub sent: String,
    pub seeded: String,
}

/// Replace the value at each of `paths` (those the payload has) with a fresh
/// one of the same shape; values of no shape [`fresh_like`] knows stay.
pub fn freshen(payload: &mut Value, paths: &[&str], rng: &mut SeededRng) -> Vec<Replacement> {
    let mut replaced = Vec::new();
    for path in paths {
        let Some(original) = get_path(payload, path).cloned() else {
            continue;
        };
        let Some(fresh) = fresh_like(&original, rng) else {
            continue;
        };
        if crate::payload::set_path(payload, path, fresh.clone()).is_ok() {
            replaced.push(Replacement {
                sent: text_of(&fresh),
                seeded: text_of(&original),
            });
        }
    }
    replaced
}

/// A new value shaped like `value`: every uuid in a string renewed (keeping
/// any prefix, as in `lead.created_<uuid>`), the fraction of an ISO 8601
/// timestamp redrawn, a string of digits or a positive integer redrawn with
/// as many digits. `None` for anything else.
pub fn fresh_like(value: &Value, rng: &mut SeededRng) -> Option<Value> {
    let mut fresh = Value::Null;
    Renewal::of(value)?.write(rng, &mut fresh);
    Some(fresh)
}

/// How a value is renewed, found once by reading it: a burst reads each
/// pooled identity once and renews it for every delivery
/// ([`Renewal::write`]) without reading it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    shape: Renewed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Renewed {
    /// Text whose uuids (starting at these bytes) are replaced.
    Uuids { text: String, at: Vec<usize> },
    /// An ISO 8601 timestamp whose fraction (`len` digits at byte 20) is redrawn.
    Fraction { text: String, len: usize },
    /// A string of digits, redrawn.
    Digits { len: usize, nonzero_first: bool },
    /// A positive integer of this many digits, redrawn.
    Number { digits: u32 },
}

impl Renewal {
    /// How `value` is renewed, or `None` when it has no shape this knows.
    pub fn of(value: &Value) -> Option<Self> {
        let shape = match value {
            Value::String(text) => renewed_text(text)?,
            Value::Number(number) => {
                let n = number.as_u64().filter(|n| *n > 0)?;
                Renewed::Number {
                    digits: n.ilog10() + 1,
                }
            }
            _ => return None,
        };
        Some(Self { shape })
    }

    /// A fresh value written into `slot`, reusing the text it already holds,
    /// so renewing allocates nothing once the slot holds a string.
    pub fn write<R: Rng + ?Sized>(&self, rng: &mut R, slot: &mut Value) {
        match &self.shape {
            Renewed::Number { digits } => {
                let fresh = (0..*digits).fold(0u64, |fresh, i| {
                    let low = if i == 0 { 1 } else { 0 };
                    fresh * 10 + u64::from(rng.random_range(low..10u8))
                });
                *slot = Value::from(fresh);
            }
            Renewed::Uuids { text, at } => {
                let out = text_slot(slot);
                let mut from = 0;
                for &start in at {
                    out.push_str(&text[from..start]);
                    let mut buffer = uuid::Uuid::encode_buffer();
                    out.push_str(uuid_v4(rng).hyphenated().encode_lower(&mut buffer));
                    from = start + UUID_LEN;
                }
                out.push_str(&text[from..]);
            }
            Renewed::Fraction { text, len } => {
                let out = text_slot(slot);
                out.push_str(&text[..FRACTION_AT]);
                push_random_digits(*len, false, rng, out);
                out.push_str(&text[FRACTION_AT + len..]);
            }
            Renewed::Digits { len, nonzero_first } => {
                push_random_digits(*len, *nonzero_first, rng, text_slot(slot));
            }
        }
    }
}

/// `slot` made an empty string, keeping its memory when it was one.
fn text_slot(slot: &mut Value) -> &mut String {
    if !slot.is_string() {
        *slot = Value::String(String::new());
    }
    let Value::String(out) = slot else {
        unreachable!("the slot was just made a string");
    };
    out.clear();
    out
}

/// How `text` is renewed: its uuids, else a timestamp's fraction, else
/// (all digits) every digit.
fn renewed_text(text: &str) -> Option<Renewed> {
    let at = uuid_starts(text);
    if !at.is_empty() {
        return Some(Renewed::Uuids {
            text: text.to_owned(),
            at,
        });
    }
    if let Some(fraction) = timestamp_fraction(text) {
        return Some(Renewed::Fraction {
            text: text.to_owned(),
            len: fraction.len(),
        });
    }
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| Renewed::Digits {
        len: text.len(),
        nonzero_first: !text.starts_with('0') && text.len() > 1,
    })
}

const UUID_LEN: usize = 36;
/// Where a timestamp's fraction starts, after `YYYY-MM-DDTHH:MM:SS.`.
const FRACTION_AT: usize = 20;

/// Where each 8-4-4-4-12 hex group in `text` starts, left to right, not overlapping.
fn uuid_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut i = 0;
    while i + UUID_LEN <= bytes.len() {
        if is_uuid(&bytes[i..i + UUID_LEN]) {
            starts.push(i);
            i += UUID_LEN;
        } else {
            i += 1;
        }
    }
    starts
}

fn is_uuid(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => b.is_ascii_hexdigit(),
    })
}

/// The fractional-second digits of `YYYY-MM-DDTHH:MM:SS.fff...`.
fn timestamp_fraction(text: &str) -> Option<&str> {
    let shape = text.as_bytes();
    let date_time = shape.len() > 20
        && shape[4] == b'-'
        && shape[7] == b'-'
        && shape[10] == b'T'
        && shape[13] == b':'
        && shape[16] == b':'
        && shape[19] == b'.';
    if !date_time {
        return None;
    }
    let rest = &text[FRACTION_AT..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

fn push_random_digits<R: Rng + ?Sized>(
    len: usize,
    nonzero_first: bool,
    rng: &mut R,
    out: &mut String,
) {
    for i in 0..len {
        let low = if i == 0 && nonzero_first { 1 } else { 0 };
        out.push(char::from(b'0' + rng.random_range(low..10u8)));
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `text` with each replacement's sent value put back to its seeded one,
/// wherever it stands as a whole word (not inside a longer run of letters
/// and digits), so a transcript reads the same on every run.
pub fn show_seeded(text: &str, replacements: &[Replacement]) -> String {
    let mut out = text.to_owned();
    for replacement in replacements {
        out = replace_words(&out, &replacement.sent, &replacement.seeded);
    }
    out
}

fn replace_words(text: &str, from: &str, to: &str) -> String {
    if from.is_empty() || from == to {
        return text.to_owned();
    }
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back().or(out.chars().next_back());
        let after = rest[at + from.len()..].chars().next();
        out.push_str(&rest[..at]);
        if is_word(before) || is_word(after) {
            out.push_str(from);
        } else {
            out.push_str(to);
        }
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::seeded_rng;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn renews_identities_in_their_own_shape() {
        let mut rng = seeded_rng(1);
        let mut payload = json!({
            "id": "lead.created_5ecaffef-441a-4779-833e-0b0339419c97",
            "data": {"id": "93f83d00-29c3-4e02-9cf2-03a2a520488c"},
            "Listing": {"Id": "20250715165945300105000003"},
            "EventCreatedDate": "2025-07-19T08:07:15.4156442+02:00",
            "concept": {"id": 4989379},
            "name": "Sven",
        });
        let before = payload.clone();
        let replaced = freshen(
            &mut payload,
            &[
                "id",
                "data.id",
                "Listing.Id",
                "EventCreatedDate",
                "concept.id",
                "name",
                "missing",
            ],
            &mut rng,
        );
        assert_eq!(replaced.len(), 5, "{replaced:?}");
        for r in &replaced {
            assert_ne!(r.sent, r.seeded);
            assert_eq!(r.sent.len(), r.seeded.len(), "{r:?}");
        }
        let id = payload["id"].as_str().expect("text");
        assert!(id.starts_with("lead.created_"), "{id}");
        let uuid = uuid::Uuid::parse_str(payload["data"]["id"].as_str().expect("text"))
            .expect("still a uuid");
        assert_eq!(uuid.get_version_num(), 4);
        let date = payload["EventCreatedDate"].as_str().expect("text");
        assert!(
            date.starts_with("2025-07-19T08:07:15.") && date.ends_with("+02:00"),
            "{date}"
        );
        assert_eq!(
            payload["concept"]["id"]
                .as_u64()
                .map(|n| n.to_string().len()),
            Some(7)
        );
        assert_eq!(payload["name"], before["name"]);
    }

    #[test]
    fn shows_the_seeded_values_only_as_whole_words() {
        let replacements = [Replacement {
            sent: "4711".to_owned(),
            seeded: "1234".to_owned(),
        }];
        assert_eq!(
            show_seeded("GET /cases/4711?x=47110 id 4711", &replacements),
            "GET /cases/1234?x=47110 id 1234"
        );
    }

    proptest! {
        #[test]
        fn a_freshened_payload_shown_seeded_is_the_seeded_payload(seed in any::<u64>()) {
            let mut rng = seeded_rng(seed);
            let seeded = json!({"data": {"id": "93f83d00-29c3-4e02-9cf2-03a2a520488c", "phone": "+46761860126"}});
            let mut sent = seeded.clone();
            let replaced = freshen(&mut sent, &["data.id"], &mut rng);
            prop_assert_eq!(show_seeded(&sent.to_string(), &replaced), seeded.to_string());
        }
    }
}
