//! The drift check on captures made the way hooksim's sender delivers:
//! every event of every provider matches, and each hand-made difference
//! gives its named finding.

use hooksim_simulator::capture::check::{FindingKind, Report, check};
use hooksim_simulator::capture::{Answer, Capture};
use hooksim_simulator::delivery::{PreparedDelivery, attempt_headers};
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::signing::{SigningKey, SigningKeys};
use serde_json::{Value, json};

const SECRET: &str = "capture-check-secret";

fn keys() -> SigningKeys {
    SigningKeys::single(SigningKey::new("k", SECRET))
}

/// What the capture server keeps of one delivery of `payload` signed with
/// `keys`: the sender's own body, headers and signature, names lowercase.
fn delivered(id: ProviderId, payload: &Value, keys: &SigningKeys) -> Capture {
    let provider = id.provider();
    let prepared = PreparedDelivery::new(provider, "http://x/".to_owned(), payload, keys, None);
    let headers = attempt_headers(provider, &prepared)
        .into_iter()
        .map(|h| (h.name.to_ascii_lowercase(), h.value))
        .collect();
    captured(id, headers, &prepared.body)
}

fn captured(id: ProviderId, headers: Vec<(String, String)>, body: &[u8]) -> Capture {
    Capture::new(
        id,
        "2026-12-03T15:40:00.123Z".to_owned(),
        ("POST".to_owned(), format!("/{id}"), None),
        headers,
        body,
        Answer {
            status: 200,
            forwarded_to: None,
        },
    )
}

fn built(id: ProviderId, event: &str, seed: u64) -> Value {
    id.provider()
        .build(event, &mut seeded_rng(seed))
        .unwrap_or_else(|e| panic!("{id} {event}: {e}"))
}

fn drift_of(report: &Report) -> Vec<&FindingKind> {
    report.drift().map(|f| &f.kind).collect()
}

fn hemnet() -> Value {
    built(ProviderId::Hemnet, "CONTACT.CREATE", 7)
}

/// The Hemnet delivery of `payload`, checked with the secret.
fn hemnet_checked(payload: &Value) -> Report {
    check(
        &delivered(ProviderId::Hemnet, payload, &keys()),
        Some(SECRET),
    )
}

fn set_header(capture: &mut Capture, name: &str, value: &str) {
    for (n, v) in &mut capture.headers {
        if n.eq_ignore_ascii_case(name) {
            *v = value.to_owned();
        }
    }
}

#[test]
fn hooksims_own_deliveries_of_every_event_of_every_provider_match() {
    for id in ProviderId::ALL {
        let provider = id.provider();
        for spec in provider.events() {
            for seed in [0, 1, 7, 42, 1234] {
                let payload = built(id, spec.name, seed);
                let report = check(&delivered(id, &payload, &keys()), Some(SECRET));
                assert!(
                    !report.drifts(),
                    "{id} {} seed {seed}: {:#?}\n{payload}",
                    spec.name,
                    report.findings
                );
                assert_eq!(report.event, Some(spec.name), "{id} seed {seed}");
                assert!(report.findings.is_empty(), "{:#?}", report.findings);
            }
        }
    }
}

#[test]
fn without_a_secret_the_signature_is_a_note_and_an_unsigned_atlas_delivery_matches() {
    let report = check(&delivered(ProviderId::Hemnet, &hemnet(), &keys()), None);
    assert!(!report.drifts(), "{:#?}", report.findings);
    assert!(matches!(
        report.findings.as_slice(),
        [f] if matches!(f.kind, FindingKind::SignatureUnchecked { .. })
    ));
    let unsigned = SigningKeys { keys: Vec::new() };
    let atlas = built(ProviderId::PropertyFinderAtlas, "lead.created", 3);
    let capture = delivered(ProviderId::PropertyFinderAtlas, &atlas, &unsigned);
    assert!(!check(&capture, None).drifts());
    // With a secret, the team says the subscription has one: it must be signed.
    assert_eq!(
        drift_of(&check(&capture, Some(SECRET))),
        [&FindingKind::SignatureMissing {
            header: "X-Signature".to_owned()
        }]
    );
}

#[test]
fn during_a_rotation_either_signature_verifies() {
    for (old, new) in [("retired-key", SECRET), (SECRET, "next-key")] {
        let rotating =
            SigningKeys::rotating(SigningKey::new("old", old), SigningKey::new("new", new));
        let capture = delivered(ProviderId::Hemnet, &hemnet(), &rotating);
        assert!(
            capture
                .header_values("x-signature")
                .all(|v| v.contains(','))
        );
        let report = check(&capture, Some(SECRET));
        assert!(!report.drifts(), "{:#?}", report.findings);
    }
    let strangers = SigningKeys::rotating(SigningKey::new("a", "one"), SigningKey::new("b", "two"));
    let report = check(
        &delivered(ProviderId::Hemnet, &hemnet(), &strangers),
        Some(SECRET),
    );
    assert!(report.findings[0].message.contains("neither signature"));
}

#[test]
fn a_new_attribute_is_named_and_hemnet_is_said_to_allow_it() {
    let mut payload = hemnet();
    payload["data"]["newThing"] = json!(1);
    let report = hemnet_checked(&payload);
    assert_eq!(
        drift_of(&report),
        [&FindingKind::NewAttribute {
            path: "data.newThing".to_owned()
        }]
    );
    assert_eq!(
        report.findings[0].message,
        "new attribute data.newThing (hemnet says attributes may be added)"
    );
}

#[test]
fn a_new_enum_member_is_named() {
    let mut payload = hemnet();
    payload["data"]["source"] = json!("NEW_FORM");
    assert_eq!(
        drift_of(&hemnet_checked(&payload)),
        [&FindingKind::NewEnumMember {
            path: "data.source".to_owned(),
            value: "NEW_FORM".to_owned()
        }]
    );
}

#[test]
fn a_missing_documented_attribute_is_named() {
    let mut payload = hemnet();
    payload["data"]
        .as_object_mut()
        .expect("data is an object")
        .shift_remove("email");
    assert_eq!(
        drift_of(&hemnet_checked(&payload)),
        [&FindingKind::MissingAttribute {
            path: "data.email".to_owned()
        }]
    );
}

#[test]
fn a_timestamp_in_seconds_is_a_changed_header_form() {
    let mut capture = delivered(ProviderId::Hemnet, &hemnet(), &keys());
    set_header(&mut capture, "X-Timestamp", "1712918356");
    let report = check(&capture, Some(SECRET));
    assert_eq!(
        drift_of(&report),
        [&FindingKind::HeaderForm {
            name: "X-Timestamp".to_owned(),
            expected: "13 digits, Unix milliseconds".to_owned(),
            got: "10 digits: seconds, not milliseconds".to_owned(),
        }]
    );
    set_header(&mut capture, "x-request-id", "42");
    set_header(&mut capture, "user-agent", "Hemnet API Client 2");
    let kinds: Vec<String> = check(&capture, Some(SECRET))
        .drift()
        .map(|f| f.message.clone())
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:#?}");
    assert!(
        kinds
            .iter()
            .any(|k| k.starts_with("header X-Request-Id: \"42\""))
    );
    let capture = captured(ProviderId::Hemnet, Vec::new(), b"{}");
    assert!(check(&capture, None).drift().any(|f| matches!(
        &f.kind,
        FindingKind::HeaderMissing { name } if name == "X-Timestamp"
    )));
}

#[test]
fn a_re_serialised_body_is_an_encoding_difference_and_breaks_the_signature() {
    let mut payload = hemnet();
    payload["data"]["message"] = json!("Tom & Jerry");
    let signed = delivered(ProviderId::Hemnet, &payload, &keys());
    let plain = serde_json::to_vec(&payload).expect("JSON");
    let capture = captured(ProviderId::Hemnet, signed.headers.clone(), &plain);
    let report = check(&capture, Some(SECRET));
    let kinds = drift_of(&report);
    let Some(FindingKind::EncodingDiffers { offset, what }) = kinds.first() else {
        panic!("{:#?}", report.findings);
    };
    assert_eq!(&plain[*offset..*offset + 1], b"&");
    assert_eq!(
        what,
        "`&` is written raw where hooksim's model escapes it as `\\u0026`"
    );
    // Signed over the \u0026 bytes, so the raw-& body no longer verifies.
    assert!(matches!(kinds[1], FindingKind::SignatureInvalid { .. }));
    assert_eq!(kinds.len(), 2);
}

#[test]
fn a_signature_by_another_key_is_invalid() {
    let other = SigningKeys::single(SigningKey::new("other", "not-the-secret"));
    let report = check(
        &delivered(ProviderId::Hemnet, &hemnet(), &other),
        Some(SECRET),
    );
    assert_eq!(
        drift_of(&report),
        [&FindingKind::SignatureInvalid {
            header: "X-Signature".to_owned()
        }]
    );
    let mut capture = delivered(ProviderId::Hemnet, &hemnet(), &keys());
    capture.headers.retain(|(n, _)| n != "x-signature");
    assert!(matches!(
        drift_of(&check(&capture, None)).as_slice(),
        [FindingKind::SignatureMissing { .. }]
    ));
}

#[test]
fn an_unknown_spark_event_is_named_with_its_value() {
    let mut payload = built(ProviderId::Spark, "New", 3);
    payload["NewsFeed"]["Event"] = json!("Teleported");
    let report = check(&delivered(ProviderId::Spark, &payload, &keys()), None);
    assert_eq!(report.event, None);
    assert_eq!(
        drift_of(&report),
        [&FindingKind::UnknownEvent {
            path: "NewsFeed.Event".to_owned(),
            name: Some("Teleported".to_owned()),
        }]
    );
    let mut payload = hemnet();
    payload["action"] = json!("UPDATE");
    let report = hemnet_checked(&payload);
    assert!(matches!(
        drift_of(&report).as_slice(),
        [FindingKind::UnknownEvent { name: Some(name), .. }] if name == "CONTACT.UPDATE"
    ));
}

#[test]
fn a_spark_listing_id_as_a_number_is_a_type_change() {
    let mut payload = built(ProviderId::Spark, "PriceChange", 3);
    payload["Listing"]["Id"] = json!(20100000000000000u64);
    let report = check(&delivered(ProviderId::Spark, &payload, &keys()), None);
    let kinds = drift_of(&report);
    assert!(
        matches!(
            kinds.as_slice(),
            [FindingKind::TypeChanged { path, got, .. }] if path == "Listing.Id" && got == "the integer 20100000000000000"
        ),
        "{:#?}",
        report.findings
    );
    // A string of another form is a type change too, its format named.
    payload["Listing"]["Id"] = json!("L-1");
    let report = check(&delivered(ProviderId::Spark, &payload, &keys()), None);
    assert!(
        report.findings[0].message.contains("a Spark id: 26 digits"),
        "{}",
        report.findings[0].message
    );
}

#[test]
fn flows_two_sale_text_events_are_told_apart_by_their_attributes() {
    for event in ["DynamicSaleTextChanged", "DynamicSaleTextChanged.Reload"] {
        let payload = built(ProviderId::Flow, event, 5);
        let report = check(&delivered(ProviderId::Flow, &payload, &keys()), None);
        assert_eq!(report.event, Some(event));
    }
}

#[test]
fn a_body_that_is_not_json_and_an_unknown_provider_are_named() {
    let report = check(&captured(ProviderId::Spark, Vec::new(), b"<xml/>"), None);
    assert!(matches!(
        report.findings[0].kind,
        FindingKind::NotJson { .. }
    ));
    let mut capture = captured(ProviderId::Spark, Vec::new(), b"{}");
    capture.provider = "zillow".to_owned();
    assert_eq!(
        drift_of(&check(&capture, None)),
        [&FindingKind::UnknownProvider {
            name: "zillow".to_owned()
        }]
    );
}
