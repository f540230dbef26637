//! Property Finder Enterprise API ("Atlas") webhooks (UAE/MENA portal): the
//! newer API most new PF integrations use, beyond the seeds.
//!
//! Source: Property Finder's Enterprise API documentation ([`DOCUMENTATION`];
//! each fact below names its section), as collected in PROVIDERS.md. Documented
//! there: the event names; the envelope `{id, type, timestamp, entity: {id,
//! type}, payload}`; answer within 5 s; any 2xx is success; non-2xx, connection
//! errors and timeouts are retried; delivery is at least once (dedupe on `id`);
//! a subscription's optional secret (at most 32 characters) makes every
//! delivery carry `X-Signature`, the hex HMAC-SHA256 of the body, and without
//! one there is no header. Several subscriptions to one event are delivered in
//! parallel and unordered (not modelled: one subscription here). PROVIDERS.md
//! names 14 events although the brief spoke of 16; we implement the 14 named
//! and invent none. Assumed here: everything inside `payload` (only the
//! envelope is documented), the `id` format `<type>_<uuid>`, `entity.id` as a
//! string of digits, `entity.type` as the event's family, the timestamp format,
//! the Content-Type header, the 5 s connect timeout, the retry gaps, that
//! redirects are not followed, a `,` between signatures should keys ever rotate
//! (Property Finder documents no rotation), and (for the fuzzer) that payloads
//! may gain attributes.

use std::time::Duration;

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};

use crate::encoding::compact_json;
use crate::error::SimulatorError;
use crate::fake::{self, Community, EN_AE, SeededRng, UAE_COMMUNITIES, UtcDateTime};
use crate::policy::{DeliveryPolicy, Fact, Provenance, Source, SuccessRule};
use crate::providers::{
    AttemptStamp, EventSpec, FuzzPaths, HeaderLine, JSON_CONTENT_TYPE, Provider, ProviderId,
    SettingSpec,
};
use crate::schedule::Schedule;
use crate::signing::SignatureScheme;

/// Where every documented fact below comes from.
pub const DOCUMENTATION: &str = "https://api-docs.propertyfinder.net/enterprise-api/index.html";

/// The section with one payload per event.
const EVENT_DOCUMENTED: Provenance = Provenance::Documented {
    source: Source::new(DOCUMENTATION, "Webhooks, Events"),
};
/// The section with the 5 s timeout, the success rule and the retries.
const DELIVERY_BEHAVIOR: Source = Source::new(DOCUMENTATION, "Webhooks, Delivery Behavior");

/// What an event is about, sent as `entity.type` (assumed: the event's family).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    User,
    Lead,
    PublicProfile,
    Listing,
}

impl EntityKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Lead => "lead",
            Self::PublicProfile => "publicProfile",
            Self::Listing => "listing",
        }
    }
}

/// One catalogue entry: the event and the entity it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtlasEvent {
    pub spec: EventSpec,
    pub entity: EntityKind,
}

const fn event(name: &'static str, summary: &'static str, entity: EntityKind) -> AtlasEvent {
    AtlasEvent {
        spec: EventSpec {
            name,
            summary,
            provenance: EVENT_DOCUMENTED,
        },
        entity,
    }
}

/// Every event Property Finder documents for Enterprise API webhooks (14).
pub const ATLAS_EVENTS: &[AtlasEvent] = &[
    event("user.created", "A user was created.", EntityKind::User),
    event("user.updated", "A user was updated.", EntityKind::User),
    event("user.deleted", "A user was deleted.", EntityKind::User),
    event("user.activated", "A user was activated.", EntityKind::User),
    event(
        "user.deactivated",
        "A user was deactivated.",
        EntityKind::User,
    ),
    event("lead.created", "A lead came in.", EntityKind::Lead),
    event("lead.updated", "A lead was updated.", EntityKind::Lead),
    event(
        "lead.assigned",
        "A lead was assigned to an agent.",
        EntityKind::Lead,
    ),
    event(
        "publicProfile.verification.approved",
        "An agent's public profile passed verification.",
        EntityKind::PublicProfile,
    ),
    event(
        "publicProfile.verification.rejected",
        "An agent's public profile failed verification.",
        EntityKind::PublicProfile,
    ),
    event(
        "listing.published",
        "A listing went live.",
        EntityKind::Listing,
    ),
    event(
        "listing.unpublished",
        "A listing was taken down.",
        EntityKind::Listing,
    ),
    event(
        "listing.action",
        "Something was done to a listing.",
        EntityKind::Listing,
    ),
    event(
        "listing.publishFailed",
        "A listing could not be published.",
        EntityKind::Listing,
    ),
];

const EVENTS: &[EventSpec] = &{
    let mut specs = [ATLAS_EVENTS[0].spec; ATLAS_EVENTS.len()];
    let mut i = 0;
    while i < ATLAS_EVENTS.len() {
        specs[i] = ATLAS_EVENTS[i].spec;
        i += 1;
    }
    specs
};

/// The envelope's keys, in the documentation's order (documented).
pub const ENVELOPE_KEYS: &[&str] = &["id", "type", "timestamp", "entity", "payload"];
pub const ENTITY_KEYS: &[&str] = &["id", "type"];

/// The catalogue entry for `name`, if Property Finder documents it.
pub fn atlas_event(name: &str) -> Option<&'static AtlasEvent> {
    ATLAS_EVENTS.iter().find(|e| e.spec.name == name)
}

/// The setting that holds the subscription's secret.
pub const SECRET_SETTING: &str = "secret";
/// Documented: `POST /v1/webhooks` takes a secret of at most 32 characters.
pub const MAX_SECRET_CHARS: usize = 32;

const SETTINGS: &[SettingSpec] = &[SettingSpec {
    name: SECRET_SETTING,
    summary: "The subscription's optional secret (at most 32 characters, as POST /v1/webhooks \
              allows); set: every delivery carries X-Signature; unset: none does.",
    // No default: a subscription without a secret is documented and common.
    default: None,
}];

const SIGNATURE: SignatureScheme = SignatureScheme {
    header: "X-Signature",
    rotation_separator: ",",
};

/// Headers on every request (assumed: the body is JSON; no other header is documented).
const FIXED_HEADERS: &[(&str, &str)] = &[JSON_CONTENT_TYPE];
/// The section with `X-Signature` (sent only for a subscription with a secret).
const SIGNATURE_DOCUMENTED: Source =
    Source::new(DOCUMENTATION, "Webhooks, Security — HMAC Signature");
const HEADER_FACTS: &[Fact<&str>] = &[
    Fact::assumed(
        "Content-Type",
        "the doc shows JSON payloads, not this header; application/json is the usual value",
    ),
    Fact::documented(SIGNATURE.header, SIGNATURE_DOCUMENTED),
];

/// Retry gaps (assumed): retries are documented, their timing is not, so we
/// use [`Schedule::standard_webhooks`] as for Visma Flow and PF Expert.
const SCHEDULE_ASSUMPTION: &str = "retries are documented, their timing is not; the Standard \
     Webhooks schedule (5 s, 5 m, 30 m, 2 h, 5 h, 10 h, 10 h), as for Visma Flow";
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT_ASSUMPTION: &str =
    "the doc gives 5 s to respond, nothing for connecting; the same 5 s";
const REDIRECTS_ASSUMPTION: &str = "success is any 2xx; a redirect is not one and is not followed";

/// Generated timestamps fall within 2025 (assumed: any recent instant will do;
/// fixed so a seed always yields the same body).
const TIMESTAMPS_FROM: UtcDateTime = UtcDateTime::from_date(2025, 1, 1);
const TIMESTAMP_SPAN_S: u64 = 365 * 24 * 60 * 60;

/// Lead channels, statuses, user roles, listing actions and failure reasons
/// are all assumed: only the envelope is documented.
/// Initials of the (fictitious) agencies in `EN_AE`'s work email domains.
pub const AGENCY_INITIALS: &[&str] = &["MH", "PC", "GK", "DR"];
pub const LEAD_CHANNELS: &[&str] = &["email", "whatsapp", "call"];
pub const LEAD_UPDATED_STATUSES: &[&str] =
    &["contacted", "viewing_scheduled", "negotiating", "closed"];
pub const USER_ROLES: &[&str] = &["agent", "admin", "manager"];
pub const OFFERING_TYPES: &[&str] = &["sale", "rent"];
pub const PROPERTY_TYPES: &[&str] = &["apartment", "villa", "townhouse", "penthouse"];
pub const LISTING_ACTIONS: &[&str] = &["featured", "premium", "refreshed"];
pub const PUBLISH_FAILURES: &[&str] = &[
    "The permit number does not match the listing.",
    "The permit has expired.",
    "The price is outside the permitted range.",
    "At least one photo is required.",
];
pub const VERIFICATION_REJECTIONS: &[&str] = &[
    "The broker card does not match the profile name.",
    "The profile photo does not meet the guidelines.",
    "The broker licence has expired.",
];

// What a fuzzer may vary, payload kind by payload kind. Every `payload`
// shape is assumed (only the envelope is documented), so these are the
// attributes hooksim itself sends, kept to the types it sends them with:
// free text is names, messages, places and reasons a person wrote; free
// numbers are ids, counts and prices, whose range nothing documents;
// nullable is only what the builder itself sends as null for the event;
// enums are attributes picked from a table above (roles, channels,
// statuses...). The envelope (`id`, `type`, `timestamp`, `entity`) is ids,
// a date and codes, left alone.

/// Users: the names and the public profile's name and id.
pub const USER_FUZZ: FuzzPaths = FuzzPaths {
    free_text: &[
        "payload.firstName",
        "payload.lastName",
        "payload.publicProfile.name",
    ],
    free_numbers: &["payload.publicProfile.id"],
    nullable: &[],
    enums: &["payload.role", "payload.status"],
};

/// Leads: what the sender typed; `message` is null for a call, as built.
/// The listing's id and reference are formatted strings, left alone.
pub const LEAD_FUZZ: FuzzPaths = FuzzPaths {
    free_text: &[
        "payload.sender.name",
        "payload.message",
        "payload.publicProfile.name",
    ],
    free_numbers: &["payload.publicProfile.id"],
    nullable: &["payload.message"],
    enums: &["payload.channel", "payload.status"],
};

/// An approved verification has a null `reason`, as built.
pub const APPROVED_FUZZ: FuzzPaths = FuzzPaths {
    free_text: &["payload.publicProfile.name"],
    free_numbers: &["payload.publicProfile.id", "payload.userId"],
    nullable: &["payload.verification.reason"],
    enums: &["payload.verification.status"],
};

/// A rejection always gives its reason (never null as built), in words.
pub const REJECTED_FUZZ: FuzzPaths = FuzzPaths {
    free_text: &["payload.publicProfile.name", "payload.verification.reason"],
    free_numbers: &["payload.publicProfile.id", "payload.userId"],
    nullable: &[],
    enums: &["payload.verification.status"],
};

/// Listings: place names, the bedroom count and the price. The reference
/// and the currency are codes, left alone.
pub const LISTING_FUZZ: FuzzPaths = FuzzPaths {
    free_text: &[
        "payload.location.community",
        "payload.location.city",
        "payload.publicProfile.name",
    ],
    free_numbers: &[
        "payload.bedrooms",
        "payload.price.amount",
        "payload.publicProfile.id",
    ],
    nullable: &[],
    enums: &[
        "payload.status",
        "payload.offeringType",
        "payload.propertyType",
    ],
};

/// [`LISTING_FUZZ`] and the action taken.
pub const LISTING_ACTION_FUZZ: FuzzPaths = FuzzPaths {
    enums: &[
        "payload.status",
        "payload.offeringType",
        "payload.propertyType",
        "payload.action",
    ],
    ..LISTING_FUZZ
};

/// [`LISTING_FUZZ`] and the (one, as built) reason publishing failed.
pub const LISTING_FAILED_FUZZ: FuzzPaths = FuzzPaths {
    free_text: &[
        "payload.location.community",
        "payload.location.city",
        "payload.publicProfile.name",
        "payload.reasons.0",
    ],
    ..LISTING_FUZZ
};

/// What a fuzzer may vary in `event`; nothing for an event not in the catalogue.
pub fn event_fuzz_paths(event: &str) -> FuzzPaths {
    let Some(atlas) = atlas_event(event) else {
        return FuzzPaths::NONE;
    };
    match (atlas.entity, atlas.spec.name) {
        (EntityKind::User, _) => USER_FUZZ,
        (EntityKind::Lead, _) => LEAD_FUZZ,
        (EntityKind::PublicProfile, "publicProfile.verification.rejected") => REJECTED_FUZZ,
        (EntityKind::PublicProfile, _) => APPROVED_FUZZ,
        (EntityKind::Listing, "listing.action") => LISTING_ACTION_FUZZ,
        (EntityKind::Listing, "listing.publishFailed") => LISTING_FAILED_FUZZ,
        (EntityKind::Listing, _) => LISTING_FUZZ,
    }
}

/// Property Finder's Enterprise API webhook sender.
#[derive(Debug, Clone, Copy, Default)]
pub struct PropertyFinderAtlas;

impl Provider for PropertyFinderAtlas {
    fn id(&self) -> ProviderId {
        ProviderId::PropertyFinderAtlas
    }

    fn title(&self) -> &'static str {
        "Property Finder Enterprise API (Atlas) webhooks (UAE/MENA portal)"
    }

    fn documentation(&self) -> &'static str {
        DOCUMENTATION
    }

    fn events(&self) -> &'static [EventSpec] {
        EVENTS
    }

    fn build(&self, event: &str, rng: &mut SeededRng) -> Result<Value, SimulatorError> {
        let atlas = atlas_event(event).ok_or_else(|| SimulatorError::UnknownEvent {
            provider: self.id(),
            event: event.to_owned(),
        })?;
        let name = atlas.spec.name;
        // Documented: dedupe on `id`; assumed: its shape, the type then a uuid.
        let id = format!("{name}_{}", fake::uuid_v4(rng));
        let offset_s = rng.random_range(0..TIMESTAMP_SPAN_S);
        // Under a year of seconds, so the conversion is exact.
        let timestamp = TIMESTAMPS_FROM
            .plus_seconds(i64::try_from(offset_s).unwrap_or(i64::MAX))
            .iso8601_seconds();
        let entity_id = digits(rng, 8);
        let payload = match atlas.entity {
            EntityKind::User => user_payload(name, rng),
            EntityKind::Lead => lead_payload(name, rng),
            EntityKind::PublicProfile => verification_payload(name, rng),
            EntityKind::Listing => listing_payload(name, rng),
        };
        Ok(json!({
            "id": id,
            "type": name,
            "timestamp": timestamp,
            "entity": {"id": entity_id, "type": atlas.entity.as_str()},
            "payload": payload,
        }))
    }

    /// Compact JSON (assumed: nothing documents the bytes; the signature covers them).
    fn encode(&self, payload: &Value) -> Vec<u8> {
        compact_json(payload)
    }

    /// Only subscriptions with a secret are signed; the harness leaves the
    /// header out when the `secret` setting is unset, as Property Finder does.
    fn signature(&self) -> Option<SignatureScheme> {
        Some(SIGNATURE)
    }

    fn headers(&self, _stamp: &AttemptStamp) -> Vec<HeaderLine> {
        HeaderLine::all_fixed(FIXED_HEADERS)
    }

    fn header_facts(&self) -> &'static [Fact<&'static str>] {
        HEADER_FACTS
    }

    fn policy(&self) -> DeliveryPolicy {
        DeliveryPolicy {
            connect_timeout: Fact::assumed(RESPONSE_TIMEOUT, CONNECT_TIMEOUT_ASSUMPTION),
            response_timeout: Fact::documented(RESPONSE_TIMEOUT, DELIVERY_BEHAVIOR),
            success: Fact::documented(SuccessRule::Any2xx, DELIVERY_BEHAVIOR),
            schedule: Fact::assumed(Schedule::standard_webhooks(), SCHEDULE_ASSUMPTION),
            redirects_fail: Fact::assumed(true, REDIRECTS_ASSUMPTION),
        }
    }

    fn settings(&self) -> &'static [SettingSpec] {
        SETTINGS
    }

    /// The event `id`: delivery is at least once and receivers dedupe on it
    /// (documented, see PROVIDERS.md).
    fn identity_paths(&self) -> &'static [&'static str] {
        &["id"]
    }

    fn fuzz_paths(&self, event: &str) -> FuzzPaths {
        event_fuzz_paths(event)
    }

    /// Not documented, and the members are hooksim's own assumption, so the
    /// fuzzer sends none it has not seen; new event types are a scenario of
    /// their own (`propertyfinder-atlas/unknown-events-acknowledged`).
    fn enums_may_grow(&self) -> bool {
        false
    }

    /// Assumed: no stability rule is documented, but only the envelope is:
    /// a payload's shape is Property Finder's to change, and the suite's
    /// rule `propertyfinder-atlas/attributes-may-be-added` already asks
    /// receivers to ignore attributes they do not know.
    fn attributes_may_be_added(&self) -> bool {
        true
    }
}

/// `len` decimal digits, the first not zero, as an id string.
fn digits(rng: &mut SeededRng, len: u32) -> String {
    let low = 10u64.pow(len.saturating_sub(1));
    rng.random_range(low..low * 10).to_string()
}

/// An agent's public profile as other payloads point at it.
fn profile_reference(rng: &mut SeededRng) -> Value {
    let first_name = fake::first_name(&EN_AE, rng);
    let last_name = fake::last_name(&EN_AE, rng);
    json!({"id": rng.random_range(10_000..=999_999u32), "name": format!("{first_name} {last_name}")})
}

/// A listing reference as agencies number them: the agency's initials, S(ale)
/// or R(ent), a serial (assumed format).
fn listing_reference(offering_type: &str, rng: &mut SeededRng) -> String {
    let agency = fake::one_of(AGENCY_INITIALS, rng);
    let kind = if offering_type == "rent" { 'R' } else { 'S' };
    format!("{agency}-{kind}-{:04}", rng.random_range(1..=9_999u32))
}

/// Where a listing is. The table is never empty (tested); the fallback only
/// keeps an edited table from stopping a delivery.
fn community(rng: &mut SeededRng) -> Community {
    UAE_COMMUNITIES.choose(rng).copied().unwrap_or(Community {
        name: "Dubai Marina",
        city: "Dubai",
    })
}

fn user_payload(event: &str, rng: &mut SeededRng) -> Value {
    let first_name = fake::first_name(&EN_AE, rng);
    let last_name = fake::last_name(&EN_AE, rng);
    let email = fake::work_email_address(&EN_AE, first_name, last_name, rng);
    let status = match event {
        "user.deactivated" | "user.deleted" => "inactive",
        _ => "active",
    };
    json!({
        "email": email,
        "firstName": first_name,
        "lastName": last_name,
        "mobile": fake::mobile_number(&EN_AE, rng),
        "role": fake::one_of(USER_ROLES, rng),
        "status": status,
        "publicProfile": {
            "id": rng.random_range(10_000..=999_999u32),
            "name": format!("{first_name} {last_name}"),
        },
    })
}

fn lead_payload(event: &str, rng: &mut SeededRng) -> Value {
    let sender = fake::person(&EN_AE, rng);
    let channel = fake::one_of(LEAD_CHANNELS, rng);
    // A call leaves no written message (assumed), so `message` is null there.
    let message = if channel == "call" {
        Value::Null
    } else {
        Value::from(fake::lead_message(&EN_AE, rng))
    };
    let offering_type = fake::one_of(OFFERING_TYPES, rng);
    let status = match event {
        "lead.updated" => fake::one_of(LEAD_UPDATED_STATUSES, rng),
        _ => "new",
    };
    json!({
        "channel": channel,
        "status": status,
        "listing": {
            "id": digits(rng, 8),
            "reference": listing_reference(offering_type, rng),
        },
        "publicProfile": profile_reference(rng),
        "sender": {
            "name": sender.full_name(),
            "phone": sender.phone,
            "email": sender.email,
        },
        "message": message,
    })
}

fn verification_payload(event: &str, rng: &mut SeededRng) -> Value {
    let profile = profile_reference(rng);
    let (status, reason) = if event.ends_with(".rejected") {
        (
            "rejected",
            Value::from(fake::one_of(VERIFICATION_REJECTIONS, rng)),
        )
    } else {
        ("approved", Value::Null)
    };
    json!({
        "publicProfile": profile,
        "userId": rng.random_range(10_000..=999_999u32),
        "verification": {"status": status, "reason": reason},
    })
}

fn listing_payload(event: &str, rng: &mut SeededRng) -> Value {
    let offering_type = fake::one_of(OFFERING_TYPES, rng);
    let reference = listing_reference(offering_type, rng);
    let community = community(rng);
    // Yearly rents and sale prices in AED, in round thousands.
    let price = match offering_type {
        "rent" => rng.random_range(45..=650u32) * 1_000,
        _ => rng.random_range(600..=15_000u32) * 1_000,
    };
    let property_type = fake::one_of(PROPERTY_TYPES, rng);
    // Only apartments come as studios (0 bedrooms).
    let bedrooms = match property_type {
        "apartment" => rng.random_range(0..=4u8),
        _ => rng.random_range(2..=7u8),
    };
    let mut payload = json!({
        "reference": reference,
        "status": "published",
        "offeringType": offering_type,
        "propertyType": property_type,
        "bedrooms": bedrooms,
        "price": {"amount": price, "currency": "AED"},
        "location": {"community": community.name, "city": community.city},
        "publicProfile": profile_reference(rng),
    });
    match event {
        "listing.unpublished" => payload["status"] = Value::from("unpublished"),
        "listing.action" => payload["action"] = Value::from(fake::one_of(LISTING_ACTIONS, rng)),
        "listing.publishFailed" => {
            payload["status"] = Value::from("failed");
            payload["reasons"] = json!([fake::one_of(PUBLISH_FAILURES, rng)]);
        }
        _ => {}
    }
    payload
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::seeded_rng;
    use crate::fuzz::FuzzSurface;
    use crate::payload::get_path;
    use crate::providers::keys;

    fn build(event: &str, seed: u64) -> Value {
        PropertyFinderAtlas
            .build(event, &mut seeded_rng(seed))
            .expect("the event is in the catalogue")
    }

    fn is_iso8601_utc(text: &str) -> bool {
        let bytes = text.as_bytes();
        bytes.len() == 20
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                10 => *b == b'T',
                13 | 16 => *b == b':',
                19 => *b == b'Z',
                _ => b.is_ascii_digit(),
            })
    }

    #[test]
    fn the_catalogue_is_the_14_documented_events() {
        let names: Vec<&str> = PropertyFinderAtlas
            .events()
            .iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names,
            [
                "user.created",
                "user.updated",
                "user.deleted",
                "user.activated",
                "user.deactivated",
                "lead.created",
                "lead.updated",
                "lead.assigned",
                "publicProfile.verification.approved",
                "publicProfile.verification.rejected",
                "listing.published",
                "listing.unpublished",
                "listing.action",
                "listing.publishFailed",
            ]
        );
        assert!(ATLAS_EVENTS.iter().all(|e| !e.spec.provenance.is_assumed()));
    }

    #[test]
    fn every_event_builds_the_documented_envelope() {
        for atlas in ATLAS_EVENTS {
            let name = atlas.spec.name;
            for seed in 0..30 {
                let body = build(name, seed);
                assert_eq!(keys(&body), ENVELOPE_KEYS, "{name}");
                assert_eq!(keys(&body["entity"]), ENTITY_KEYS, "{name}");
                assert_eq!(body["type"], name);
                assert_eq!(body["entity"]["type"], atlas.entity.as_str());
                let entity_id = body["entity"]["id"].as_str().expect("a string id");
                assert!(entity_id.len() == 8 && entity_id.bytes().all(|b| b.is_ascii_digit()));
                let timestamp = body["timestamp"].as_str().expect("a string timestamp");
                assert!(is_iso8601_utc(timestamp), "{timestamp}");
                assert!(timestamp.starts_with("2025-"), "{timestamp}");
                assert!(body["payload"].is_object(), "{name}");
            }
        }
    }

    #[test]
    fn ids_are_the_type_then_a_v4_uuid() {
        for atlas in ATLAS_EVENTS {
            let name = atlas.spec.name;
            let body = build(name, 3);
            let id = body["id"].as_str().expect("a string id");
            let uuid = id
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('_'))
                .expect("type then underscore");
            assert_eq!(
                uuid::Uuid::parse_str(uuid).map(|u| u.get_version_num()),
                Ok(4),
                "{id}"
            );
        }
        assert_ne!(
            build("lead.created", 1)["id"],
            build("lead.created", 2)["id"]
        );
    }

    #[test]
    fn same_seed_same_envelope() {
        for atlas in ATLAS_EVENTS {
            assert_eq!(build(atlas.spec.name, 11), build(atlas.spec.name, 11));
        }
    }

    #[test]
    fn leads_carry_a_uae_contact_and_a_listing_reference() {
        let mut calls = 0;
        for seed in 0..100 {
            let body = build("lead.created", seed);
            let payload = &body["payload"];
            let phone = payload["sender"]["phone"].as_str().expect("a phone");
            assert!(phone.starts_with("+9715") && phone.len() == 13, "{phone}");
            assert!(
                payload["sender"]["email"]
                    .as_str()
                    .is_some_and(|e| e.contains('@'))
            );
            let reference = payload["listing"]["reference"]
                .as_str()
                .expect("a reference");
            let parts: Vec<&str> = reference.split('-').collect();
            assert!(
                parts.len() == 3 && AGENCY_INITIALS.contains(&parts[0]),
                "{reference}"
            );
            assert!(
                ["S", "R"].contains(&parts[1]) && parts[2].len() == 4,
                "{reference}"
            );
            assert_eq!(payload["status"], "new");
            let is_call = payload["channel"] == "call";
            calls += usize::from(is_call);
            assert_eq!(payload["message"].is_null(), is_call);
        }
        assert!(calls > 0, "100 seeds include a call");
    }

    #[test]
    fn listing_and_verification_payloads_follow_their_event() {
        for seed in 0..30 {
            assert_eq!(
                build("listing.published", seed)["payload"]["status"],
                "published"
            );
            assert_eq!(
                build("listing.unpublished", seed)["payload"]["status"],
                "unpublished"
            );
            let failed = build("listing.publishFailed", seed);
            assert_eq!(failed["payload"]["status"], "failed");
            assert!(
                failed["payload"]["reasons"]
                    .as_array()
                    .is_some_and(|r| !r.is_empty())
            );
            let action = build("listing.action", seed);
            let action = action["payload"]["action"].as_str().expect("an action");
            assert!(LISTING_ACTIONS.contains(&action));
            let rejected = build("publicProfile.verification.rejected", seed);
            assert_eq!(rejected["payload"]["verification"]["status"], "rejected");
            assert!(rejected["payload"]["verification"]["reason"].is_string());
            let approved = build("publicProfile.verification.approved", seed);
            assert!(approved["payload"]["verification"]["reason"].is_null());
            assert_eq!(
                build("user.deactivated", seed)["payload"]["status"],
                "inactive"
            );
            assert_eq!(build("user.activated", seed)["payload"]["status"], "active");
        }
    }

    fn assert_fuzz_paths_resolve(event: &str, body: &Value) {
        crate::fuzz::assert_declared_paths_resolve(&PropertyFinderAtlas, event, body);
    }

    #[test]
    fn fuzz_paths_resolve_to_the_types_built() {
        for atlas in ATLAS_EVENTS {
            let event = atlas.spec.name;
            // Each free text is text for some seed, not always a null.
            let mut texts_seen: Vec<&str> = Vec::new();
            for seed in 0..30 {
                let body = build(event, seed);
                assert_fuzz_paths_resolve(event, &body);
                texts_seen.extend(
                    PropertyFinderAtlas
                        .fuzz_paths(event)
                        .free_text
                        .iter()
                        .filter(|path| get_path(&body, path).is_some_and(Value::is_string)),
                );
            }
            for path in PropertyFinderAtlas.fuzz_paths(event).free_text {
                assert!(texts_seen.contains(path), "{event}: {path} never text");
            }
        }
    }

    #[test]
    fn every_event_can_be_fuzzed() {
        let provider = ProviderId::PropertyFinderAtlas.provider();
        for atlas in ATLAS_EVENTS {
            let name = atlas.spec.name;
            let surface = FuzzSurface::new(provider, name).expect("in the catalogue");
            assert!(!surface.is_empty(), "{name}");
            assert!(!provider.fuzz_paths(name).free_text.is_empty(), "{name}");
            assert!(!provider.fuzz_paths(name).free_numbers.is_empty(), "{name}");
        }
        assert_eq!(event_fuzz_paths("lead.new"), FuzzPaths::NONE);
    }

    #[test]
    fn nullable_only_where_the_builder_sends_null() {
        for atlas in ATLAS_EVENTS {
            let name = atlas.spec.name;
            for path in PropertyFinderAtlas.fuzz_paths(name).nullable {
                let nulls = (0..100)
                    .filter(|seed| get_path(&build(name, *seed), path).is_some_and(Value::is_null))
                    .count();
                assert!(nulls > 0, "{name}: {path} is never built as null");
            }
        }
        assert!(
            PropertyFinderAtlas
                .fuzz_paths("publicProfile.verification.rejected")
                .nullable
                .is_empty()
        );
    }

    #[test]
    fn unknown_event_is_refused() {
        let error = PropertyFinderAtlas.build("lead.new", &mut seeded_rng(1));
        assert!(matches!(
            error,
            Err(SimulatorError::UnknownEvent { provider: ProviderId::PropertyFinderAtlas, ref event })
                if event == "lead.new"
        ));
    }

    #[test]
    fn formats_known_instants() {
        let iso8601_utc = |unix_s: i64| UtcDateTime::from_unix_ms(unix_s * 1_000).iso8601_seconds();
        assert_eq!(iso8601_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(TIMESTAMPS_FROM.iso8601_seconds(), "2025-01-01T00:00:00Z");
        assert_eq!(iso8601_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601_utc(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(iso8601_utc(1_767_225_599), "2025-12-31T23:59:59Z");
    }

    #[test]
    fn signed_only_with_a_secret_and_a_documented_policy() {
        assert_eq!(
            PropertyFinderAtlas.signature(),
            Some(SignatureScheme {
                header: "X-Signature",
                rotation_separator: ","
            })
        );
        let secret = &PropertyFinderAtlas.settings()[0];
        assert_eq!((secret.name, secret.default), (SECRET_SETTING, None));
        assert!(secret.summary.contains("32 characters"));

        let policy = PropertyFinderAtlas.policy();
        assert_eq!(policy.response_timeout.value, Duration::from_secs(5));
        assert!(!policy.response_timeout.provenance.is_assumed());
        assert!(!policy.success.provenance.is_assumed());
        assert!(policy.success.value.accepts(202));
        assert!(policy.connect_timeout.provenance.is_assumed());
        assert!(policy.schedule.provenance.is_assumed());
        assert!(policy.redirects_fail.provenance.is_assumed());
        assert_eq!(policy.schedule.value.attempts(), 8);
    }
}
