//! Hemnet API webhooks (Sweden): portal leads sent to brokers and agencies.
//!
//! Source: Hemnet's "Manage webhook" page ([`DOCUMENTATION`]; each fact below
//! names its section). Documented there: the `CONTACT`/`CREATE` event and every
//! Contact attribute, its enums and nullability, the headers, the `X-Signature`
//! HMAC (two while keys rotate), the `\u0026`-style escaping of the body,
//! success = `200 OK`, exponential retries over 7 days. Assumed here: 10 s
//! timeouts, the retry gaps (1 min doubling, capped at 24 h), that redirects
//! are not followed, and which Contact fields are null for which `source` /
//! `recipientType`.

use std::time::Duration;

use rand::Rng;
use serde_json::{Value, json};

use crate::encoding::Encoding;
use crate::error::SimulatorError;
use crate::fake::{self, SV_SE, SeededRng};
use crate::policy::{DeliveryPolicy, Fact, Provenance, Source, SuccessRule};
use crate::providers::{
    AttemptStamp, EventSpec, FuzzPaths, HeaderLine, JSON_CONTENT_TYPE, Provider, ProviderId,
    SettingSpec,
};
use crate::schedule::Schedule;
use crate::signing::SignatureScheme;

/// The page every documented fact below comes from.
pub const DOCUMENTATION: &str = "https://integration.testhemnet.se/webhook/documentation";

/// The section that lists the events.
const EVENT_TYPES: Source = Source::new(DOCUMENTATION, "Types of events");
/// The section that asks for a `200 OK` and retries anything else.
const RETRIES: Source = Source::new(DOCUMENTATION, "Retries");

/// The one event Hemnet sends (documented): a lead, `type` CONTACT, `action` CREATE.
pub const CONTACT_CREATE: &str = "CONTACT.CREATE";

const EVENTS: &[EventSpec] = &[EventSpec {
    name: CONTACT_CREATE,
    summary: "A Hemnet user contacted a broker or an agency (a lead).",
    provenance: Provenance::Documented {
        source: EVENT_TYPES,
    },
}];

/// Every attribute of the Contact object, in the documentation's order (documented).
pub const CONTACT_ATTRIBUTES: &[&str] = &[
    "id",
    "recipientType",
    "email",
    "phone",
    "firstName",
    "lastName",
    "message",
    "listing",
    "broker",
    "brokerAgency",
    "contactPreference",
    "contactReason",
    "streetName",
    "streetNumber",
    "postalCity",
    "preapprovedMortgage",
    "source",
];

/// The Contact attributes the documentation marks `nullable` (documented).
/// Generated contacts fill them all, except for [`SOURCES_WITHOUT_LISTING`]
/// and agency recipients; scenarios set the rest to null on purpose.
pub const NULLABLE_CONTACT_ATTRIBUTES: &[&str] = &[
    "email",
    "phone",
    "firstName",
    "lastName",
    "message",
    "listing",
    "broker",
    "brokerAgency",
    "contactReason",
    "streetName",
    "streetNumber",
    "postalCity",
    "preapprovedMortgage",
];

/// Attributes of `listing`, `broker` and `brokerAgency`, from the
/// documentation's example Contact (documented by example only).
pub const LISTING_ATTRIBUTES: &[&str] = &["id", "externalId"];
pub const BROKER_ATTRIBUTES: &[&str] = &["id", "email", "fullName"];
pub const BROKER_AGENCY_ATTRIBUTES: &[&str] = &["id", "externalId"];

/// `recipientType` members (documented; "enums may grow").
pub const RECIPIENT_TYPES: &[&str] = &["BROKER", "BROKER_AGENCY"];
/// `contactPreference` members (documented).
pub const CONTACT_PREFERENCES: &[&str] = &["EMAIL", "PHONE"];
/// `contactReason` members (documented; the attribute is nullable).
pub const CONTACT_REASONS: &[&str] = &["SELLING_ADVICE", "BUYING_ADVICE", "OTHER"];
/// `source` members (documented).
pub const CONTACT_SOURCES: &[&str] = &[
    "BROKER_PROFILE_CONTACT_FORM",
    "BROKER_AGENCY_PAGE_CONTACT_FORM",
    "LISTING_UPCOMING_CONTACT_FORM",
    "LISTING_FOR_SALE_CONTACT_FORM",
    "LISTING_SOLD_CONTACT_FORM",
];

/// Every enum attribute of the Contact object with its documented members,
/// for scenarios that send a member Hemnet may add later.
pub const CONTACT_ENUMS: &[(&str, &[&str])] = &[
    ("recipientType", RECIPIENT_TYPES),
    ("contactPreference", CONTACT_PREFERENCES),
    ("contactReason", CONTACT_REASONS),
    ("source", CONTACT_SOURCES),
];

/// [`NULLABLE_CONTACT_ATTRIBUTES`] as payload paths, for the fuzzer (documented).
pub const NULLABLE_CONTACT_PATHS: &[&str] = &[
    "data.email",
    "data.phone",
    "data.firstName",
    "data.lastName",
    "data.message",
    "data.listing",
    "data.broker",
    "data.brokerAgency",
    "data.contactReason",
    "data.streetName",
    "data.streetNumber",
    "data.postalCity",
    "data.preapprovedMortgage",
];

/// Strings a person typed (names, message, address), which may hold any
/// text; assumed: emails, phones and ids keep their formats, so the fuzzer
/// leaves them alone.
pub const FREE_TEXT_CONTACT_PATHS: &[&str] = &[
    "data.firstName",
    "data.lastName",
    "data.message",
    "data.streetName",
    "data.streetNumber",
    "data.postalCity",
    "data.broker.fullName",
];

/// Integer ids of the nested objects (the example's integers; their range
/// is not documented, so any integer is fair).
pub const FREE_NUMBER_CONTACT_PATHS: &[&str] = &[
    "data.listing.id",
    "data.broker.id",
    "data.brokerAgency.id",
    "data.brokerAgency.externalId",
];

/// [`CONTACT_ENUMS`] as payload paths (documented; "enums may grow").
pub const CONTACT_ENUM_PATHS: &[&str] = &[
    "data.recipientType",
    "data.contactPreference",
    "data.contactReason",
    "data.source",
];

/// Sources that are not about a listing, so `listing` is null (assumed: the
/// forms sit on a broker's or an agency's page, not on a listing).
pub const SOURCES_WITHOUT_LISTING: &[&str] = &[
    "BROKER_PROFILE_CONTACT_FORM",
    "BROKER_AGENCY_PAGE_CONTACT_FORM",
];

/// Addresses Hemnet delivers from (documented; "may be extended").
pub const PRODUCTION_SOURCE_IPS: &[&str] = &["52.215.23.149", "52.48.66.139", "52.18.194.163"];
pub const SANDBOX_SOURCE_IPS: &[&str] = &["34.252.42.223", "54.72.180.48", "34.249.104.221"];

/// The setting that holds the webhook key.
pub const SECRET_SETTING: &str = "secret";
pub const DEFAULT_SECRET: &str = "hooksim-test-secret";

const SETTINGS: &[SettingSpec] = &[SettingSpec {
    name: SECRET_SETTING,
    summary: "The webhook key from Hemnet's webhook settings page; signs every delivery.",
    default: Some(DEFAULT_SECRET),
}];

/// Headers with the same value on every request, in the documentation's order (documented).
const FIXED_HEADERS: &[(&str, &str)] = &[("User-Agent", "Hemnet API Client"), JSON_CONTENT_TYPE];
const TIMESTAMP_HEADER: &str = "X-Timestamp";
const REQUEST_ID_HEADER: &str = "X-Request-Id";

/// The section listing every header a delivery carries, the signature's too.
const HEADERS: Source = Source::new(DOCUMENTATION, "Headers");

const SIGNATURE: SignatureScheme = SignatureScheme {
    header: "X-Signature",
    rotation_separator: ",",
    // Documented under "Headers": two signatures, comma-separated, while keys rotate.
    rotation: Provenance::Documented { source: HEADERS },
};

const HEADER_FACTS: &[Fact<&str>] = &[
    Fact::documented("User-Agent", HEADERS),
    Fact::documented("Content-Type", HEADERS),
    Fact::documented(TIMESTAMP_HEADER, HEADERS),
    Fact::documented(SIGNATURE.header, HEADERS),
    Fact::documented(REQUEST_ID_HEADER, HEADERS),
];

const TIMEOUT_ASSUMPTION: &str = "Hemnet documents no timeout; 10 s is the common default";
const CONNECT_TIMEOUT: Fact<Duration> = Fact::assumed(Duration::from_secs(10), TIMEOUT_ASSUMPTION);
const RESPONSE_TIMEOUT: Fact<Duration> = Fact::assumed(Duration::from_secs(10), TIMEOUT_ASSUMPTION);
const SUCCESS: Fact<SuccessRule> = Fact::documented(SuccessRule::Exactly(200), RETRIES);
const REDIRECTS_FAIL: Fact<bool> = Fact::assumed(
    true,
    "Hemnet asks for a 200 OK; a redirect is not one and is not followed",
);

/// Retry gaps: the documentation says exponential backoff over 7 days but not
/// the gaps, so they start at a minute, double and stop growing at a day.
const RETRY_FIRST_GAP: Duration = Duration::from_secs(60);
const RETRY_GAP_CAP: Duration = Duration::from_secs(24 * 60 * 60);
const RETRY_HORIZON: Duration = Duration::from_secs(7 * 24 * 60 * 60);
const SCHEDULE_ASSUMPTION: &str = "Hemnet documents exponential backoff over 7 days, not the gaps; \
     1 min doubling, each gap capped at 24 h";

/// Hemnet's webhook sender.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hemnet;

impl Provider for Hemnet {
    fn id(&self) -> ProviderId {
        ProviderId::Hemnet
    }

    fn title(&self) -> &'static str {
        "Hemnet API webhooks (Sweden; portal leads)"
    }

    fn documentation(&self) -> &'static str {
        DOCUMENTATION
    }

    fn events(&self) -> &'static [EventSpec] {
        EVENTS
    }

    fn build(&self, event: &str, rng: &mut SeededRng) -> Result<Value, SimulatorError> {
        let spec = self.event(event)?;
        match spec.name {
            CONTACT_CREATE => {
                // Moved in, not interpolated: `json!` would copy the contact
                // through a serializer (a third of a burst's payload work).
                let mut payload = json!({"type": "CONTACT", "action": "CREATE", "data": null});
                payload["data"] = contact(rng);
                Ok(payload)
            }
            _ => Err(SimulatorError::UnknownEvent {
                provider: self.id(),
                event: event.to_owned(),
            }),
        }
    }

    /// Documented: "we encode these as html entities (\u0026 instead of &)".
    fn encoding(&self) -> Encoding {
        Encoding::HtmlSafe
    }

    fn signature(&self) -> Option<SignatureScheme> {
        Some(SIGNATURE)
    }

    /// In the documentation's order; `X-Signature` (between the timestamp and
    /// the request id there) is added by whoever signs the body.
    fn headers(&self, stamp: &AttemptStamp) -> Vec<HeaderLine> {
        let mut headers = HeaderLine::all_fixed(FIXED_HEADERS);
        headers.push(HeaderLine::volatile(
            TIMESTAMP_HEADER,
            stamp.unix_ms.to_string(),
            "[unix-ms]",
        ));
        headers.push(HeaderLine::volatile(
            REQUEST_ID_HEADER,
            stamp.request_id.clone(),
            "[uuid]",
        ));
        headers
    }

    fn header_facts(&self) -> &'static [Fact<&'static str>] {
        HEADER_FACTS
    }

    fn policy(&self) -> DeliveryPolicy {
        DeliveryPolicy {
            connect_timeout: CONNECT_TIMEOUT,
            response_timeout: RESPONSE_TIMEOUT,
            success: SUCCESS,
            schedule: Fact::assumed(
                Schedule::exponential(RETRY_FIRST_GAP, RETRY_GAP_CAP, RETRY_HORIZON),
                SCHEDULE_ASSUMPTION,
            ),
            redirects_fail: REDIRECTS_FAIL,
        }
    }

    fn settings(&self) -> &'static [SettingSpec] {
        SETTINGS
    }

    /// The contact's `data.id`: a receiver stores a lead once per contact
    /// (documented under "Idempotency"); `X-Request-Id` is new on every
    /// attempt (assumed).
    fn identity_paths(&self) -> &'static [&'static str] {
        &["data.id"]
    }

    fn fuzz_paths(&self, event: &str) -> FuzzPaths {
        if event != CONTACT_CREATE {
            return FuzzPaths::NONE;
        }
        FuzzPaths {
            nullable: NULLABLE_CONTACT_PATHS,
            free_text: FREE_TEXT_CONTACT_PATHS,
            free_numbers: FREE_NUMBER_CONTACT_PATHS,
            enums: CONTACT_ENUM_PATHS,
        }
    }

    /// Documented under "Stability guarantee": "Enums may grow".
    fn enums_may_grow(&self) -> bool {
        true
    }

    /// Documented under "Stability guarantee": attributes are added, never
    /// removed or retyped without a deprecation period.
    fn attributes_may_be_added(&self) -> bool {
        true
    }
}

/// Who receives a contact from `source` (assumed: a broker-profile form
/// reaches the broker, an agency-page form the agency, a listing form either).
fn recipient_type_for(source: &str, rng: &mut SeededRng) -> &'static str {
    match source {
        "BROKER_PROFILE_CONTACT_FORM" => "BROKER",
        "BROKER_AGENCY_PAGE_CONTACT_FORM" => "BROKER_AGENCY",
        _ => fake::one_of(RECIPIENT_TYPES, rng),
    }
}

/// A Contact object with every documented attribute, in the documented order.
fn contact(rng: &mut SeededRng) -> Value {
    let id = fake::uuid_v4(rng).to_string();
    let source = fake::one_of(CONTACT_SOURCES, rng);
    let recipient_type = recipient_type_for(source, rng);
    let lead = fake::person(&SV_SE, rng);
    let message = fake::lead_message(&SV_SE, rng);
    let home = fake::street_address(&SV_SE, rng);

    let listing = if SOURCES_WITHOUT_LISTING.contains(&source) {
        Value::Null
    } else {
        // Hemnet listing ids are 8 digits; externalId is the broker system's own id.
        json!({
            "id": rng.random_range(10_000_000..=99_999_999u32),
            "externalId": fake::lowercase_alphanumeric(rng, 9),
        })
    };
    // Documented: broker information is there "if the recipientType is BROKER".
    let broker = if recipient_type == "BROKER" {
        let first_name = fake::first_name(&SV_SE, rng);
        let last_name = fake::last_name(&SV_SE, rng);
        json!({
            "id": rng.random_range(10_000..=99_999u32),
            "email": fake::work_email_address(&SV_SE, first_name, last_name, rng),
            "fullName": format!("{first_name} {last_name}"),
        })
    } else {
        Value::Null
    };
    // The documentation's example has an integer externalId here, unlike listing's string.
    let broker_agency = json!({
        "id": rng.random_range(100_000..=999_999u32),
        "externalId": rng.random_range(1..=9_999u32),
    });

    let mut contact = json!({
        "id": id,
        "recipientType": recipient_type,
        "email": lead.email,
        "phone": lead.phone,
        "firstName": lead.first_name,
        "lastName": lead.last_name,
        "message": message,
        "listing": null,
        "broker": null,
        "brokerAgency": null,
        "contactPreference": fake::one_of(CONTACT_PREFERENCES, rng),
        "contactReason": fake::one_of(CONTACT_REASONS, rng),
        "streetName": home.street_name,
        "streetNumber": home.street_number,
        "postalCity": home.postal_city,
        "preapprovedMortgage": rng.random_bool(0.5),
        "source": source,
    });
    // Moved into their places (which keep the documented order), not
    // interpolated: `json!` would copy each through a serializer.
    contact["listing"] = listing;
    contact["broker"] = broker;
    contact["brokerAgency"] = broker_agency;
    contact
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::seeded_rng;
    use crate::providers::keys;

    fn build(seed: u64) -> Value {
        Hemnet
            .build(CONTACT_CREATE, &mut seeded_rng(seed))
            .expect("CONTACT.CREATE is in the catalogue")
    }

    fn data(payload: &Value) -> &serde_json::Map<String, Value> {
        payload["data"].as_object().expect("data is an object")
    }

    #[test]
    fn fuzz_paths_name_documented_attributes() {
        let nullable: Vec<String> = NULLABLE_CONTACT_ATTRIBUTES
            .iter()
            .map(|a| format!("data.{a}"))
            .collect();
        assert_eq!(NULLABLE_CONTACT_PATHS, nullable.as_slice());
        let enums: Vec<String> = CONTACT_ENUMS
            .iter()
            .map(|(a, _)| format!("data.{a}"))
            .collect();
        assert_eq!(CONTACT_ENUM_PATHS, enums.as_slice());
        let payload = build(3);
        for path in FREE_TEXT_CONTACT_PATHS {
            let value = crate::payload::get_path(&payload, path);
            assert!(
                value.is_none_or(|v| v.is_string() || v.is_null()),
                "{path}: {value:?}"
            );
        }
    }

    #[test]
    fn same_seed_same_payload() {
        for seed in 0..50 {
            assert_eq!(build(seed), build(seed));
        }
        assert_ne!(build(1), build(2));
    }

    #[test]
    fn envelope_and_every_attribute_in_documented_order() {
        for seed in 0..200 {
            let payload = build(seed);
            assert_eq!(keys(&payload), ["type", "action", "data"]);
            assert_eq!(payload["type"], "CONTACT");
            assert_eq!(payload["action"], "CREATE");
            let contact = data(&payload);
            assert_eq!(
                contact.keys().map(String::as_str).collect::<Vec<_>>(),
                CONTACT_ATTRIBUTES
            );
            assert_eq!(keys(&contact["brokerAgency"]), BROKER_AGENCY_ATTRIBUTES);
            if !contact["listing"].is_null() {
                assert_eq!(keys(&contact["listing"]), LISTING_ATTRIBUTES);
            }
            if !contact["broker"].is_null() {
                assert_eq!(keys(&contact["broker"]), BROKER_ATTRIBUTES);
            }
        }
    }

    #[test]
    fn enums_stay_within_documented_members() {
        for seed in 0..200 {
            let payload = build(seed);
            let contact = data(&payload);
            for (attribute, members) in CONTACT_ENUMS {
                let member = contact[*attribute].as_str().expect("enums are strings");
                assert!(members.contains(&member), "{attribute} = {member}");
            }
        }
    }

    #[test]
    fn types_match_the_documentation() {
        for seed in 0..200 {
            let payload = build(seed);
            let contact = data(&payload);
            let id = contact["id"].as_str().expect("id is a string");
            assert_eq!(
                uuid::Uuid::parse_str(id).map(|u| u.get_version_num()),
                Ok(4)
            );
            for text in [
                "email",
                "phone",
                "firstName",
                "lastName",
                "message",
                "streetName",
                "streetNumber",
                "postalCity",
            ] {
                assert!(contact[text].is_string(), "{text}");
            }
            assert!(contact["preapprovedMortgage"].is_boolean());
            let agency = &contact["brokerAgency"];
            assert!(agency["id"].is_u64() && agency["externalId"].is_u64());
            if let Some(listing) = contact["listing"].as_object() {
                let id = listing["id"].as_u64().expect("listing id is an integer");
                assert!((10_000_000..=99_999_999).contains(&id));
                assert!(listing["externalId"].is_string());
            }
            if let Some(broker) = contact["broker"].as_object() {
                assert!(broker["id"].is_u64());
                assert!(
                    broker["email"]
                        .as_str()
                        .is_some_and(|e| e.is_ascii() && e.contains('@'))
                );
                assert!(broker["fullName"].is_string());
            }
        }
    }

    #[test]
    fn nulls_only_where_consistency_demands() {
        let mut seen_agency = false;
        let mut seen_without_listing = false;
        for seed in 0..300 {
            let payload = build(seed);
            let contact = data(&payload);
            let agency_recipient = contact["recipientType"] == "BROKER_AGENCY";
            let source = contact["source"].as_str().expect("source is a string");
            let without_listing = SOURCES_WITHOUT_LISTING.contains(&source);
            seen_agency |= agency_recipient;
            seen_without_listing |= without_listing;
            assert_eq!(contact["broker"].is_null(), agency_recipient, "seed {seed}");
            assert_eq!(contact["listing"].is_null(), without_listing, "seed {seed}");
            for attribute in NULLABLE_CONTACT_ATTRIBUTES {
                if !matches!(*attribute, "broker" | "listing") {
                    assert!(!contact[*attribute].is_null(), "{attribute} at seed {seed}");
                }
            }
        }
        assert!(
            seen_agency && seen_without_listing,
            "300 seeds cover both null cases"
        );
    }

    #[test]
    fn nullable_attributes_are_contact_attributes() {
        assert!(
            NULLABLE_CONTACT_ATTRIBUTES
                .iter()
                .all(|a| CONTACT_ATTRIBUTES.contains(a))
        );
        assert!(
            CONTACT_ENUMS
                .iter()
                .all(|(a, _)| CONTACT_ATTRIBUTES.contains(a))
        );
    }

    #[test]
    fn unknown_event_is_refused() {
        let error = Hemnet.build("CONTACT.DELETE", &mut seeded_rng(1));
        assert!(matches!(
            error,
            Err(SimulatorError::UnknownEvent { provider: ProviderId::Hemnet, ref event }) if event == "CONTACT.DELETE"
        ));
    }

    #[test]
    fn encodes_special_characters_as_unicode_escapes() {
        let mut payload = build(7);
        payload["data"]["message"] = Value::from("Tom & Jerry <3 > på Götgatan");
        let body = String::from_utf8(Hemnet.encode(&payload)).expect("JSON is UTF-8");
        assert!(
            body.contains(r#""message":"Tom \u0026 Jerry \u003c3 \u003e på Götgatan""#),
            "{body}"
        );
        assert!(body.starts_with(r#"{"type":"CONTACT","action":"CREATE","data":{"id":""#));
    }

    #[test]
    fn headers_in_documented_order_with_volatile_values_redacted() {
        let stamp = AttemptStamp {
            unix_ms: 1_712_918_356_462,
            request_id: "d2caad70-082f-4553-bbde-dbdca520361a".to_owned(),
        };
        let headers = Hemnet.headers(&stamp);
        let shown: Vec<(&str, &str)> = headers.iter().map(|h| (h.name, h.shown())).collect();
        assert_eq!(
            shown,
            [
                ("User-Agent", "Hemnet API Client"),
                ("Content-Type", "application/json"),
                ("X-Timestamp", "[unix-ms]"),
                ("X-Request-Id", "[uuid]"),
            ]
        );
        assert_eq!(headers[2].value, "1712918356462");
        assert_eq!(headers[3].value, stamp.request_id);
    }

    #[test]
    fn policy_and_signature_as_documented() {
        let policy = Hemnet.policy();
        assert!(policy.success.value.accepts(200));
        assert!(!policy.success.value.accepts(201));
        assert!(!policy.success.provenance.is_assumed());
        assert!(policy.schedule.provenance.is_assumed());
        assert!(policy.schedule.value.span() <= Duration::from_secs(7 * 24 * 60 * 60));
        assert_eq!(
            policy.schedule.value.gaps().first(),
            Some(&Duration::from_secs(60))
        );
        assert_eq!(policy.connect_timeout.value, Duration::from_secs(10));
        assert_eq!(
            Hemnet.signature(),
            Some(SignatureScheme {
                header: "X-Signature",
                rotation_separator: ",",
                rotation: Provenance::Documented { source: HEADERS },
            })
        );
        assert_eq!(Hemnet.settings()[0].default, Some("hooksim-test-secret"));
    }
}
