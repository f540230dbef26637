//! Wire encodings of JSON bodies: plain compact JSON, and the Rails flavour.
//!
//! Providers built on Ruby on Rails send what ActiveSupport's `to_json` makes:
//! compact JSON whose strings have `&`, `<`, `>` written as `\u0026`, `\u003c`,
//! `\u003e` (so the JSON can sit inside an HTML `<script>` block) and U+2028 /
//! U+2029 as `\u2028` / `\u2029` (so it stays valid JavaScript). Receivers that
//! re-serialise the parsed body before checking a signature get different
//! bytes; reproducing the encoding exactly is what lets hooksim catch that.

use std::io;

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{Formatter, Serializer};

/// How a provider writes a JSON body on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Compact JSON exactly as `serde_json` writes it: keys in insertion
    /// order, no whitespace, non-ASCII as raw UTF-8. What most senders put
    /// on the wire.
    Compact,
    /// Compact JSON with HTML-sensitive characters escaped, Ruby `to_json`
    /// style: `&` `<` `>` U+2028 U+2029 as `\u` escapes, everything else as
    /// [`Encoding::Compact`] writes it.
    HtmlSafe,
}

impl Encoding {
    /// The bytes of `value` in this encoding.
    pub fn encode(self, value: &Value) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.encode_into(value, &mut bytes)
            // A `Value` has only string keys and a `Vec` never fails a write.
            .expect("serialising a serde_json::Value into a Vec cannot fail");
        bytes
    }

    /// Write `value` in this encoding to `out`, which may already hold the
    /// bytes before it: JSON values encode the same wherever they stand, so
    /// a body can be written piece by piece ([`crate::template`]).
    pub fn encode_into<W: io::Write>(self, value: &Value, out: W) -> io::Result<()> {
        let result = match self {
            Self::Compact => value.serialize(&mut Serializer::new(out)),
            Self::HtmlSafe => {
                value.serialize(&mut Serializer::with_formatter(out, HtmlSafeFormatter))
            }
        };
        result.map_err(io::Error::other)
    }
}

/// The escape for the character that starts at `bytes[0]`, if it is legal
/// JSON but unsafe to embed in HTML or JavaScript, and its length in bytes.
/// Looking at bytes, not chars: a string is scanned at memory speed, and
/// only `&` `<` `>` and the 0xE2 lead byte of U+2028 / U+2029 stop the scan.
fn html_escape(bytes: &[u8]) -> Option<(&'static str, usize)> {
    match bytes {
        [b'&', ..] => Some(("\\u0026", 1)),
        [b'<', ..] => Some(("\\u003c", 1)),
        [b'>', ..] => Some(("\\u003e", 1)),
        [0xE2, 0x80, 0xA8, ..] => Some(("\\u2028", 3)),
        [0xE2, 0x80, 0xA9, ..] => Some(("\\u2029", 3)),
        _ => None,
    }
}

/// serde_json's compact formatter, except that string fragments (the runs
/// between quotes, backslashes and control characters, which serde_json
/// escapes itself) have HTML-sensitive characters escaped too.
#[derive(Debug, Clone, Copy, Default)]
struct HtmlSafeFormatter;

impl Formatter for HtmlSafeFormatter {
    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        let bytes = fragment.as_bytes();
        // Most strings have nothing to escape: one pass without early exit
        // (which the compiler vectorises) tells, and they go out whole.
        let may_escape = bytes.iter().fold(false, |seen, b| {
            seen | matches!(b, b'&' | b'<' | b'>' | 0xE2)
        });
        if !may_escape {
            return writer.write_all(bytes);
        }
        let mut unwritten_from = 0;
        let mut at = 0;
        while at < bytes.len() {
            match html_escape(&bytes[at..]) {
                Some((escape, length)) => {
                    writer.write_all(&bytes[unwritten_from..at])?;
                    writer.write_all(escape.as_bytes())?;
                    at += length;
                    unwritten_from = at;
                }
                None => at += 1,
            }
        }
        writer.write_all(&bytes[unwritten_from..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Map, json};

    const HTML_SENSITIVE: [char; 5] = ['&', '<', '>', '\u{2028}', '\u{2029}'];

    #[test]
    fn escapes_a_lead_message_like_ruby() {
        let value = json!({"message": "Tom & Jerry <3 > å\u{2028}"});
        assert_eq!(
            Encoding::HtmlSafe.encode(&value),
            br#"{"message":"Tom \u0026 Jerry \u003c3 \u003e "#
                .iter()
                .chain("å".as_bytes())
                .chain(br#"\u2028"}"#)
                .copied()
                .collect::<Vec<u8>>()
        );
    }

    #[test]
    fn keeps_standard_escapes_and_key_order() {
        let value = json!({"z": "a\"b\\c\nd\u{1}", "a": [1, -2.5, null, true], "k&": {}});
        assert_eq!(
            Encoding::HtmlSafe.encode(&value),
            br#"{"z":"a\"b\\c\nd\u0001","a":[1,-2.5,null,true],"k\u0026":{}}"#
        );
    }

    /// Any text, with the characters that need care drawn often.
    fn tricky_string() -> impl Strategy<Value = String> {
        let tricky_char = prop_oneof![
            4 => any::<char>(),
            1 => prop::sample::select(vec![
                '&', '<', '>', '\u{2028}', '\u{2029}', '"', '\\', '/', '\n', '\u{0}', '\u{1f}',
                '\u{7f}', 'å', 'ö', '😀',
            ]),
        ];
        prop_oneof![
            any::<String>(),
            prop::collection::vec(tricky_char, 0..24).prop_map(String::from_iter),
        ]
    }

    /// The same text with the HTML-sensitive characters removed.
    fn plain_string() -> impl Strategy<Value = String> {
        tricky_string().prop_map(|s| s.replace(HTML_SENSITIVE, ""))
    }

    /// Arbitrary JSON whose strings come from `strings`. Floats are multiples
    /// of 1/8 so that they survive a text round trip exactly.
    fn json_value(strings: BoxedStrategy<String>) -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<i32>().prop_map(|n| Value::from(f64::from(n) / 8.0)),
            strings.clone().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec((strings.clone(), inner), 0..8)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    proptest! {
        #[test]
        fn round_trips_and_hides_html_sensitive_characters(value in json_value(tricky_string().boxed())) {
            let bytes = Encoding::HtmlSafe.encode(&value);
            let parsed: Value = serde_json::from_slice(&bytes).expect("our output is JSON");
            prop_assert_eq!(&parsed, &value);
            let text = std::str::from_utf8(&bytes).expect("JSON output is UTF-8");
            prop_assert!(!text.contains(HTML_SENSITIVE), "{}", text);
        }

        #[test]
        fn equals_serde_json_without_html_sensitive_characters(value in json_value(plain_string().boxed())) {
            let standard = serde_json::to_vec(&value).expect("a Value serialises");
            prop_assert_eq!(Encoding::HtmlSafe.encode(&value), standard);
        }
    }
}
