//! Templates render byte for byte what the full path gives, for every event
//! of every provider: a body with any of its values cut out and written
//! back at send time, and a head with its stamp and signature written in.

use bytes::{Bytes, BytesMut};
use hooksim_simulator::delivery::{PreparedDelivery, headers_at};
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::identity::{Renewal, fresh_like};
use hooksim_simulator::payload::{get_path, set_path};
use hooksim_simulator::providers::{AttemptStamp, Provider, ProviderId};
use hooksim_simulator::template::{HeadTemplate, PayloadTemplate};
use hooksim_simulator::transport::keep_alive::{KeepAlive, finish_head};
use hooksim_simulator::transport::tls::Tls;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

/// Every scalar's dotted path in `value`, array items by index.
fn leaf_paths(value: &Value, prefix: &str, out: &mut Vec<String>) {
    let child = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                leaf_paths(item, &child(key), out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                leaf_paths(item, &child(&i.to_string()), out);
            }
        }
        _ if !prefix.is_empty() => out.push(prefix.to_owned()),
        _ => {}
    }
}

/// What the full path sends: `payload` with `values` at `holes`, encoded.
fn encoded_in_full(
    provider: &dyn Provider,
    payload: &Value,
    holes: &[&str],
    values: &[Value],
) -> Vec<u8> {
    let mut expected = payload.clone();
    for (path, value) in holes.iter().zip(values) {
        set_path(&mut expected, path, value.clone()).expect("a leaf of the payload");
    }
    provider.encode(&expected)
}

fn rendered(template: &PayloadTemplate, values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    template.render_into(values, &mut out).expect("into memory");
    out
}

/// Values whose encoding needs care: the characters the HTML-safe encoder
/// escapes, the ones JSON itself escapes, non-ASCII, and other types.
fn tricky_values() -> Vec<Value> {
    vec![
        json!("Tom & Jerry <3 > \u{2028}\u{2029}"),
        json!("\"quoted\" \\ back\nslash \u{1} \u{7f} å ö 😀"),
        json!(""),
        json!(-12.625),
        json!(u64::MAX),
        json!(null),
        json!(true),
        json!({"k&": ["<a>", 1]}),
        json!("\u{F8FF}0\u{F8FF}"),
    ]
}

#[test]
fn every_value_of_every_event_can_be_a_hole() {
    let tricky = tricky_values();
    for id in ProviderId::ALL {
        let provider = id.provider();
        for event in provider.events() {
            for seed in 0..6 {
                let payload = provider
                    .build(event.name, &mut seeded_rng(seed))
                    .expect("a catalogued event builds");
                let mut leaves = Vec::new();
                leaf_paths(&payload, "", &mut leaves);
                let holes: Vec<&str> = leaves.iter().map(String::as_str).collect();
                let template = PayloadTemplate::compile(provider.encoding(), &payload, &holes)
                    .expect("a built payload compiles");
                // The seeded values back in their holes: the payload as built.
                let seeded: Vec<Value> = holes
                    .iter()
                    .map(|path| get_path(&payload, path).cloned().expect("a leaf"))
                    .collect();
                assert_eq!(
                    rendered(&template, &seeded),
                    provider.encode(&payload),
                    "{id} {} seed {seed}",
                    event.name
                );
                // Values that need escaping, each in every hole.
                let values: Vec<Value> = (0..holes.len())
                    .map(|i| tricky[(i + seed as usize) % tricky.len()].clone())
                    .collect();
                assert_eq!(
                    rendered(&template, &values),
                    encoded_in_full(provider, &payload, &holes, &values),
                    "{id} {} seed {seed}",
                    event.name
                );
            }
        }
    }
}

#[test]
fn renewed_identities_render_as_the_encoder_writes_them() {
    for id in ProviderId::ALL {
        let provider = id.provider();
        for event in provider.events() {
            let payload = provider
                .build(event.name, &mut seeded_rng(3))
                .expect("a catalogued event builds");
            let holes: Vec<&str> = provider
                .identity_paths()
                .iter()
                .copied()
                .filter(|path| get_path(&payload, path).and_then(Renewal::of).is_some())
                .collect();
            assert!(
                !holes.is_empty(),
                "{id} {}: no identity to renew",
                event.name
            );
            let template = PayloadTemplate::compile(provider.encoding(), &payload, &holes)
                .expect("a built payload compiles");
            let mut rng = seeded_rng(9);
            let fresh: Vec<Value> = holes
                .iter()
                .map(|path| {
                    fresh_like(get_path(&payload, path).expect("present"), &mut rng)
                        .expect("renewable")
                })
                .collect();
            let body = rendered(&template, &fresh);
            assert_eq!(body, encoded_in_full(provider, &payload, &holes, &fresh));
            assert_ne!(body, provider.encode(&payload), "{id} {}", event.name);
        }
    }
}

#[test]
fn a_payload_holding_the_hole_mark_is_refused_not_misread() {
    let payload = json!({"id": "a", "note": "\u{F8FF}0\u{F8FF}"});
    let compact = hooksim_simulator::encoding::Encoding::Compact;
    assert!(PayloadTemplate::compile(compact, &payload, &["id"]).is_err());
    // Without holes there is nothing to misread.
    let whole = PayloadTemplate::compile(compact, &payload, &[]).expect("no holes");
    assert_eq!(
        rendered(&whole, &[]),
        serde_json::to_vec(&payload).expect("JSON")
    );
}

#[test]
fn a_body_rendered_into_a_reused_buffer_is_the_same_body() {
    let provider = ProviderId::Hemnet.provider();
    let payload = provider
        .build("CONTACT.CREATE", &mut seeded_rng(1))
        .expect("builds");
    let template =
        PayloadTemplate::compile(provider.encoding(), &payload, &["data.id"]).expect("compiles");
    let mut buffer = BytesMut::new();
    let mut rng = seeded_rng(2);
    for _ in 0..3 {
        let fresh = [fresh_like(&payload["data"]["id"], &mut rng).expect("a uuid")];
        let body = template.render(&fresh, &mut buffer);
        assert_eq!(body.as_ref(), rendered(&template, &fresh).as_slice());
    }
}

/// The head the full path writes for `stamp`.
fn full_head(
    provider: &dyn Provider,
    connection: &KeepAlive,
    signature: Option<&str>,
    stamp: &AttemptStamp,
    body_len: usize,
) -> String {
    let prepared = PreparedDelivery {
        url: String::new(),
        body: Bytes::new(),
        signature: provider.signature().zip(signature).map(|(scheme, value)| {
            hooksim_simulator::signing::Signature {
                header: scheme.header,
                value: value.to_owned(),
                redacted: String::new(),
            }
        }),
    };
    let mut head = connection
        .head(&headers_at(provider, &prepared, stamp))
        .expect("valid headers");
    finish_head(&mut head, body_len);
    String::from_utf8(head).expect("a head is text")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any event, any seed, any leaves cut out, any values written back.
    #[test]
    fn a_template_renders_what_the_encoder_gives(
        provider in 0..ProviderId::ALL.len(),
        event in any::<Index>(),
        seed in any::<u64>(),
        picks in prop::collection::vec(any::<Index>(), 0..6),
        values in prop::collection::vec(
            prop_oneof![
                any::<String>().prop_map(Value::from),
                "[&<>\"\\\\a-z\u{2028}\u{2029}\u{1}]{0,12}".prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<i32>().prop_map(|n| Value::from(f64::from(n) / 8.0)),
                any::<bool>().prop_map(Value::from),
                Just(Value::Null),
            ],
            6,
        ),
    ) {
        let provider = ProviderId::ALL[provider].provider();
        let event = event.get(provider.events()).name;
        let payload = provider.build(event, &mut seeded_rng(seed)).expect("builds");
        let mut leaves = Vec::new();
        leaf_paths(&payload, "", &mut leaves);
        let mut holes: Vec<&str> = picks.iter().map(|pick| pick.get(&leaves).as_str()).collect();
        holes.sort_unstable();
        holes.dedup();
        let template = PayloadTemplate::compile(provider.encoding(), &payload, &holes).expect("compiles");
        prop_assert_eq!(
            rendered(&template, &values),
            encoded_in_full(provider, &payload, &holes, &values[..holes.len()])
        );
    }

    /// The head with its slots written is the head built in full, header
    /// for header and in the same order, signed or not.
    #[test]
    fn a_head_template_writes_what_the_full_head_holds(
        unix_ms in 1_000_000_000_000u64..9_999_999_999_999,
        id in any::<u128>(),
        signed in any::<bool>(),
        signature in "[0-9a-f]{64}(,[0-9a-f]{64})?",
        body_len in 0usize..2_000_000,
    ) {
        let connection = KeepAlive::new("http://127.0.0.1:9/hooks?x=1", std::time::Duration::from_secs(1), Tls::system());
        let request_id = uuid::Builder::from_random_bytes(id.to_le_bytes()).into_uuid();
        let stamp = AttemptStamp { unix_ms, request_id: request_id.to_string() };
        for id in ProviderId::ALL {
            let provider = id.provider();
            let signed = signed && provider.signature().is_some();
            let template = HeadTemplate::new(provider, &connection, signed).expect("a template");
            let mut head = Vec::new();
            template
                .render_into(unix_ms, request_id, signed.then_some(signature.as_bytes()), body_len, &mut head)
                .expect("renders");
            prop_assert_eq!(
                String::from_utf8(head).expect("a head is text"),
                full_head(provider, &connection, signed.then_some(signature.as_str()), &stamp, body_len),
                "{}", id
            );
        }
    }
}

#[test]
fn a_signed_head_without_a_signature_is_an_error() {
    let connection = KeepAlive::new(
        "http://127.0.0.1:9/",
        std::time::Duration::from_secs(1),
        Tls::system(),
    );
    let provider = ProviderId::Hemnet.provider();
    let template = HeadTemplate::new(provider, &connection, true).expect("a template");
    assert!(
        template
            .render_into(1, uuid::Uuid::nil(), None, 0, &mut Vec::new())
            .is_err()
    );
}
