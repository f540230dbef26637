//! Property Finder Enterprise API ("Atlas") webhooks (UAE/MENA portal): the
//! newer API most new PF integrations use, beyond the seeds.
//!
//! Source: Property Finder's Enterprise API documentation ([`DOCUMENTATION`];
//! each fact below names its section), as collected in PROVIDERS.md.
//! Documented: the 14 event names; the envelope `{id, type, timestamp,
//! entity: {id, type}, payload}` with `entity.type` the event's family and
//! timestamps like `2025-08-24T14:15:22Z`; an event `id` that is a uuid
//! (the schema's `<uuid>`; some examples read `lead-created-12345678`, so
//! receivers must treat it as an opaque string); a listing's `entity.id` is
//! a ULID (`01K0YB4HEKM08V901DVJ5ATVYF`); each event's payload members
//! (user.* `{email}`, user.updated adds `changes`; lead.* `{channel, status,
//! entityType, publicProfile, listing, project, developer, responseLink,
//! sender}`; verification `{email}`, a rejection adds `reason`;
//! listing.published/unpublished `{}`; listing.action `{actionType, status,
//! reason, entityType, expiresAt, expireAction, message, remarks, agent,
//! listing}`; listing.publishFailed `{failureType, reasons}` with each
//! reason in English and Arabic); the values of the lead channels, lead
//! statuses and entity types (Leads, Fetch Leads), of the action types,
//! action statuses, expiry reasons and expire actions (Webhooks, Events,
//! `listing.action`), of the failure types, and of `sender.contacts[].type`
//! including `whatsappUsername` (Changelog, 2026-06-30); that `lead.created`
//! is never sent for project leads, which get only `lead.assigned` or
//! `lead.updated`; answer within 5 s; any 2xx is success; non-2xx,
//! connection errors and timeouts are retried; delivery is at least once
//! (dedupe on `id`); a subscription's optional secret (at most 32
//! characters) makes every delivery carry `X-Signature`, the hex HMAC-SHA256
//! of the body, and without one there is no header. Several subscriptions to
//! one event are delivered in parallel and unordered (one subscription here;
//! scenarios subscribe more).
//!
//! Assumed, where the documentation shows `{}` or names a member without
//! its shape: what sits inside a lead's `publicProfile` (`{id}`), `listing`
//! (`{id, reference}`, the id a ULID), `project` and `developer` (`{id}`;
//! each of the three null when the lead is not about it) and `sender`
//! (`{name, contacts: [{type, value}]}`); an action's `agent` (`{id}`) and
//! `listing` (`{reference}`: the entity is the listing); `message` and each
//! of `reasons` (`{en, ar}`); `changes` (the names of the attributes that
//! changed); `responseLink` pointing at PF
//! Expert; a null `reason` before an action expires and a null
//! `expireAction` or `remarks` where an action has none; which entity types
//! and statuses go with which lead event; the non-listing `entity.id`s as
//! strings of digits; the Content-Type header, the 5 s connect timeout, the
//! retry gaps, that redirects are not followed, a `,` between signatures
//! should keys ever rotate (Property Finder documents no rotation), and (for
//! the fuzzer) that payloads may gain attributes.

use std::time::Duration;

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};

use crate::encoding::Encoding;
use crate::error::SimulatorError;
use crate::fake::{self, EN_AE, SeededRng, UtcDateTime};
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
pub(crate) const WEBHOOK_EVENTS: Source = Source::new(DOCUMENTATION, "Webhooks, Events");
const EVENT_DOCUMENTED: Provenance = Provenance::Documented {
    source: WEBHOOK_EVENTS,
};
/// The section with the 5 s timeout, the success rule and the retries.
const DELIVERY_BEHAVIOR: Source = Source::new(DOCUMENTATION, "Webhooks, Delivery Behavior");

/// What an event is about, sent as `entity.type` (documented: the examples
/// give each family's).
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

    /// The read scope a key needs to subscribe to this family's events,
    /// besides `webhooks:full_access` (documented: Authorization, Webhook
    /// Event-Based Permissions; public profile events need `users:read`).
    pub fn read_scope(&self) -> &'static str {
        match self {
            Self::User | Self::PublicProfile => "users:read",
            Self::Lead => "leads:read",
            Self::Listing => "listings:read",
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
    event(
        "lead.created",
        "A lead came in (never sent for project leads).",
        EntityKind::Lead,
    ),
    event("lead.updated", "A lead was updated.", EntityKind::Lead),
    event(
        "lead.assigned",
        "A lead was assigned to an agent (project leads mainly).",
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
        "A compliance or quality action on a listing was created, updated or expired.",
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

/// Each payload's members, in the documentation's order (documented).
pub const USER_KEYS: &[&str] = &["email"];
pub const USER_UPDATED_KEYS: &[&str] = &["email", "changes"];
pub const LEAD_KEYS: &[&str] = &[
    "channel",
    "status",
    "entityType",
    "publicProfile",
    "listing",
    "project",
    "developer",
    "responseLink",
    "sender",
];
pub const VERIFICATION_APPROVED_KEYS: &[&str] = &["email"];
pub const VERIFICATION_REJECTED_KEYS: &[&str] = &["email", "reason"];
pub const LISTING_ACTION_KEYS: &[&str] = &[
    "actionType",
    "status",
    "reason",
    "entityType",
    "expiresAt",
    "expireAction",
    "message",
    "remarks",
    "agent",
    "listing",
];
pub const PUBLISH_FAILED_KEYS: &[&str] = &["failureType", "reasons"];

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
    rotation: Provenance::Assumed {
        why: "Property Finder documents no key rotation; should keys rotate, hooksim sends old,new as Hemnet documents",
    },
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
/// A listing's ULID was minted up to this long before its event (assumed).
const LISTING_AGE_MAX_DAYS: i64 = 180;
/// An action's grace period, from the event to `expiresAt` (assumed).
const ACTION_GRACE_DAYS: std::ops::RangeInclusive<i64> = 3..=30;

/// Documented (Leads, Fetch Leads): the lead channels, statuses and entity types.
pub const LEAD_CHANNELS: &[&str] = &["whatsapp", "email", "call"];
pub const LEAD_STATUSES: &[&str] = &["sent", "delivered", "read", "replied"];
pub const LEAD_ENTITY_TYPES: &[&str] = &["listing", "project", "developer", "agent", "company"];
/// The documented entity types but `project`: what a `lead.created` may be
/// about (documented: it is never sent for project leads).
pub const NON_PROJECT_LEAD_ENTITY_TYPES: &[&str] = &["listing", "developer", "agent", "company"];
/// What a lead that is not a project lead is about (assumed: the
/// documented entity types but `project`, which `lead.created` never has,
/// and `developer`, kept with projects); listings most often.
const CREATED_LEAD_ENTITY_TYPES: &[&str] = &["listing", "listing", "listing", "agent", "company"];
/// Documented: `sender.contacts[].type` includes `whatsappUsername`
/// (Changelog, 2026-06-30); `phone` and `email` are assumed.
pub const SENDER_CONTACT_TYPES: &[&str] =
    &[PHONE_CONTACT, EMAIL_CONTACT, WHATSAPP_USERNAME_CONTACT];
pub const PHONE_CONTACT: &str = "phone";
pub const EMAIL_CONTACT: &str = "email";
pub const WHATSAPP_USERNAME_CONTACT: &str = "whatsappUsername";

/// Initials of the (fictitious) agencies in `EN_AE`'s work email domains,
/// which start listing references (assumed format).
pub const AGENCY_INITIALS: &[&str] = &["MH", "PC", "GK", "DR"];
/// The attribute names `user.updated`'s `changes` lists (assumed).
pub const USER_ATTRIBUTES: &[&str] =
    &["firstName", "lastName", "email", "mobile", "role", "status"];

/// Documented (Webhooks, Events, `listing.action`): the action statuses,
/// the reasons an action expires, and what may happen when it does.
pub const ACTION_STATUSES: &[&str] = &["pending", "dispute_created", "expired"];
pub const ACTION_EXPIRY_REASONS: &[&str] = &[
    "RESOLVED",
    "ACTION_TIMEOUT",
    "DISPUTE_ACCEPTED",
    "DISPUTE_REJECTED",
    "DANGLING_PARENT",
];
pub const EXPIRE_ACTIONS: &[&str] = &["listing_unpublish", "revalidate_permit"];

/// One kind of listing action: its documented `actionType`, and (assumed)
/// what happens if it expires unresolved and the message it comes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListingActionKind {
    pub action_type: &'static str,
    pub expire_action: Option<&'static str>,
    pub message_en: &'static str,
    pub message_ar: &'static str,
}

const fn action(
    action_type: &'static str,
    expire_action: Option<&'static str>,
    message_en: &'static str,
    message_ar: &'static str,
) -> ListingActionKind {
    ListingActionKind {
        action_type,
        expire_action,
        message_en,
        message_ar,
    }
}

/// UAE and common action types from the documented list; the expire
/// actions and messages are assumed.
pub const LISTING_ACTION_KINDS: &[ListingActionKind] = &[
    action(
        "listing_trakheesi_checks",
        Some("listing_unpublish"),
        "The DLD permit details do not match the listing. Correct them before the deadline.",
        "بيانات تصريح دائرة الأراضي والأملاك لا تطابق الإعلان. يرجى تصحيحها قبل الموعد النهائي.",
    ),
    action(
        "listing_adrec_expire_soon",
        Some("revalidate_permit"),
        "The ADREC permit expires soon. Renew it to keep the listing live.",
        "تصريح مركز أبوظبي العقاري ينتهي قريباً. يرجى تجديده لإبقاء الإعلان منشوراً.",
    ),
    action(
        "listing_invalid_brn",
        Some("listing_unpublish"),
        "The agent's broker registration number (BRN) is not valid.",
        "رقم تسجيل الوسيط الخاص بالوكيل غير صالح.",
    ),
    action(
        "unavailable_property",
        Some("listing_unpublish"),
        "The property was reported as no longer available.",
        "تم الإبلاغ عن أن العقار لم يعد متاحاً.",
    ),
    action(
        "listing_duplicate",
        Some("listing_unpublish"),
        "This listing duplicates another live listing.",
        "هذا الإعلان مكرر لإعلان آخر منشور.",
    ),
    action(
        "listing_price_issue",
        None,
        "The price looks wrong for this property. Check it and update the listing.",
        "يبدو أن سعر هذا العقار غير صحيح. يرجى التحقق منه وتحديث الإعلان.",
    ),
    action(
        "listing_location_update_required",
        None,
        "The location is incomplete. Choose a more specific one to keep your Quality Score.",
        "الموقع غير مكتمل. يرجى اختيار موقع أكثر تحديداً للحفاظ على نقاط الجودة.",
    ),
];

/// The `actionType`s hooksim sends (some of the documented ones), one per kind above.
pub const ACTION_TYPES: &[&str] = &{
    let mut types = [""; LISTING_ACTION_KINDS.len()];
    let mut i = 0;
    while i < LISTING_ACTION_KINDS.len() {
        types[i] = LISTING_ACTION_KINDS[i].action_type;
        i += 1;
    }
    types
};

/// Remarks PF Support may add to an action (assumed wording).
pub const ACTION_REMARKS: &[&str] = &[
    "A discrepancy was found in the specified location. Please verify the address.",
    "The permit number on the listing belongs to another property.",
    "Please upload the updated permit certificate.",
];

/// Documented (Webhooks, Events, `listing.publishFailed`): why publishing failed.
pub const FAILURE_TYPES: &[&str] = &["validation.failed", "feature.fulfillment.failed"];

/// A reason in the two languages Property Finder writes them in (the
/// languages are documented, the wording assumed).
pub type Bilingual = (&'static str, &'static str);

pub const VALIDATION_FAILURES: &[Bilingual] = &[
    (
        "The permit number does not match the listing.",
        "رقم التصريح لا يطابق الإعلان.",
    ),
    ("The permit has expired.", "انتهت صلاحية التصريح."),
    (
        "The price is outside the permitted range.",
        "السعر خارج النطاق المسموح به.",
    ),
    (
        "At least one photo is required.",
        "يجب إضافة صورة واحدة على الأقل.",
    ),
];
pub const FULFILLMENT_FAILURES: &[Bilingual] = &[
    (
        "The featured upgrade could not be applied: not enough credits.",
        "تعذر تطبيق ترقية الإعلان المميز: الرصيد غير كافٍ.",
    ),
    (
        "The premium upgrade is not available for this listing.",
        "الترقية المميزة غير متاحة لهذا الإعلان.",
    ),
];

/// Why a profile failed verification (the first is the documentation's
/// example, the others assumed).
pub const VERIFICATION_REJECTIONS: &[&str] = &[
    "Invalid BRN",
    "The broker card does not match the profile name.",
    "The profile photo does not meet the guidelines.",
];

// What a fuzzer may vary, event by event. Only what a person wrote is free
// text (a sender's name, remarks, messages, reasons); ids the API hands out
// as integers are free numbers; nullable is only what the builder itself
// sends as null for the event; enums are the documented value sets (which
// hooksim does not grow: Property Finder promises no stability rule). The
// envelope, emails, links, ULIDs and codes are left alone, so user events,
// approvals and the empty listing payloads vary only by new attributes.

/// Leads: the sender's name and the agent's profile id; whichever of
/// listing, project and developer the lead is not about is null, as built.
pub const LEAD_FUZZ: FuzzPaths = FuzzPaths {
    free_text: &["payload.sender.name"],
    free_numbers: &["payload.publicProfile.id"],
    nullable: &["payload.listing", "payload.project", "payload.developer"],
    enums: &["payload.channel", "payload.status", "payload.entityType"],
};

/// A rejection's reason is text a reviewer wrote.
pub const REJECTED_FUZZ: FuzzPaths = FuzzPaths {
    free_text: &["payload.reason"],
    free_numbers: &[],
    nullable: &[],
    enums: &[],
};

/// Actions: the messages and remarks, the agent's id; the expiry reason,
/// expire action and remarks are null where an action has none, as built.
pub const LISTING_ACTION_FUZZ: FuzzPaths = FuzzPaths {
    free_text: &[
        "payload.message.en",
        "payload.message.ar",
        "payload.remarks",
    ],
    free_numbers: &["payload.agent.id"],
    nullable: &["payload.reason", "payload.expireAction", "payload.remarks"],
    enums: &[
        "payload.actionType",
        "payload.status",
        "payload.reason",
        "payload.expireAction",
    ],
};

/// A failure's first reason, in both languages (one is always built).
pub const PUBLISH_FAILED_FUZZ: FuzzPaths = FuzzPaths {
    free_text: &["payload.reasons.0.en", "payload.reasons.0.ar"],
    free_numbers: &[],
    nullable: &[],
    enums: &["payload.failureType"],
};

/// What a fuzzer may vary in `event`; nothing for an event not in the catalogue.
pub fn event_fuzz_paths(event: &str) -> FuzzPaths {
    match event {
        "lead.created" | "lead.updated" | "lead.assigned" => LEAD_FUZZ,
        "publicProfile.verification.rejected" => REJECTED_FUZZ,
        "listing.action" => LISTING_ACTION_FUZZ,
        "listing.publishFailed" => PUBLISH_FAILED_FUZZ,
        _ => FuzzPaths::NONE,
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
        // Documented: a uuid, and receivers dedupe on it.
        let id = fake::uuid_v4(rng).to_string();
        let offset_s = rng.random_range(0..TIMESTAMP_SPAN_S);
        // Under a year of seconds, so the conversion is exact.
        let at = TIMESTAMPS_FROM.plus_seconds(i64::try_from(offset_s).unwrap_or(i64::MAX));
        let (entity_id, payload) = match atlas.entity {
            EntityKind::User => (digits(rng, 8), user_payload(name, rng)),
            EntityKind::Lead => {
                let lead_id = digits(rng, 8);
                let payload = lead_payload(name, &lead_id, at, rng);
                (lead_id, payload)
            }
            EntityKind::PublicProfile => {
                (profile_id(rng).to_string(), verification_payload(name, rng))
            }
            EntityKind::Listing => {
                let listing_id = listing_ulid(at, rng);
                (listing_id, listing_payload(name, at, rng))
            }
        };
        Ok(json!({
            "id": id,
            "type": name,
            "timestamp": at.iso8601_seconds(),
            "entity": {"id": entity_id, "type": atlas.entity.as_str()},
            "payload": payload,
        }))
    }

    /// Compact JSON (assumed: nothing documents the bytes; the signature covers them).
    fn encoding(&self) -> Encoding {
        Encoding::Compact
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

/// A public profile's id: an integer, as the Enterprise API's requests take it.
fn profile_id(rng: &mut SeededRng) -> u32 {
    rng.random_range(10_000..=999_999u32)
}

/// The ULID of a listing created up to [`LISTING_AGE_MAX_DAYS`] before `at`.
fn listing_ulid(at: UtcDateTime, rng: &mut SeededRng) -> String {
    let created = fake::calendar::between(rng, at.plus_days(-LISTING_AGE_MAX_DAYS), at);
    fake::ulid(created, rng)
}

/// A listing reference as agencies number them: the agency's initials, S(ale)
/// or R(ent), a serial (assumed format).
fn listing_reference(rng: &mut SeededRng) -> String {
    let agency = fake::one_of(AGENCY_INITIALS, rng);
    let kind = if rng.random_bool(0.5) { 'R' } else { 'S' };
    format!("{agency}-{kind}-{:04}", rng.random_range(1..=9_999u32))
}

/// An agency staff member's work address, as user and profile events carry it.
fn staff_email(rng: &mut SeededRng) -> String {
    let first_name = fake::first_name(&EN_AE, rng);
    let last_name = fake::last_name(&EN_AE, rng);
    fake::work_email_address(&EN_AE, first_name, last_name, rng)
}

fn user_payload(event: &str, rng: &mut SeededRng) -> Value {
    let email = staff_email(rng);
    if event != "user.updated" {
        return json!({"email": email});
    }
    // Each attribute changed with odds of 3 in 10, at least one (assumed).
    let mut changes: Vec<&str> = USER_ATTRIBUTES
        .iter()
        .copied()
        .filter(|_| rng.random_bool(0.3))
        .collect();
    if changes.is_empty() {
        changes.push(fake::one_of(USER_ATTRIBUTES, rng));
    }
    json!({"email": email, "changes": changes})
}

/// What a lead is about (`entityType`): `lead.created` is never sent for a
/// project lead (documented); project leads get assigned mostly (documented
/// "mainly"), then updated. The odds are assumed.
fn lead_entity_type(event: &str, rng: &mut SeededRng) -> &'static str {
    match event {
        "lead.created" => fake::one_of(CREATED_LEAD_ENTITY_TYPES, rng),
        "lead.assigned" if rng.random_bool(0.75) => "project",
        "lead.updated" if rng.random_bool(0.5) => "project",
        _ => fake::one_of(CREATED_LEAD_ENTITY_TYPES, rng),
    }
}

fn lead_payload(event: &str, lead_id: &str, at: UtcDateTime, rng: &mut SeededRng) -> Value {
    let entity_type = lead_entity_type(event, rng);
    let channel = fake::one_of(LEAD_CHANNELS, rng);
    // A new lead has been sent; later events see it delivered, read or replied.
    let status = match event {
        "lead.created" => "sent",
        _ => fake::one_of(LEAD_STATUSES, rng),
    };
    let sender = fake::person(&EN_AE, rng);
    let mut contacts = vec![
        json!({"type": PHONE_CONTACT, "value": sender.phone}),
        json!({"type": EMAIL_CONTACT, "value": sender.email}),
    ];
    if channel == "whatsapp" && rng.random_bool(0.5) {
        let handle = fake::ascii_mailbox_part(&EN_AE, &sender.first_name);
        let username = format!("{handle}{}", rng.random_range(10..1_000u32));
        contacts.push(json!({"type": WHATSAPP_USERNAME_CONTACT, "value": username}));
    }
    let listing = if entity_type == "listing" {
        json!({"id": listing_ulid(at, rng), "reference": listing_reference(rng)})
    } else {
        Value::Null
    };
    let (project, developer) = if entity_type == "project" {
        (
            json!({"id": fake::uuid_v4(rng).to_string()}),
            json!({"id": fake::uuid_v4(rng).to_string()}),
        )
    } else {
        (Value::Null, Value::Null)
    };
    json!({
        "channel": channel,
        "status": status,
        "entityType": entity_type,
        "publicProfile": {"id": profile_id(rng)},
        "listing": listing,
        "project": project,
        "developer": developer,
        "responseLink": format!("https://expert.propertyfinder.ae/leads/{lead_id}"),
        "sender": {"name": sender.full_name(), "contacts": contacts},
    })
}

fn verification_payload(event: &str, rng: &mut SeededRng) -> Value {
    let email = staff_email(rng);
    if event == "publicProfile.verification.rejected" {
        json!({"email": email, "reason": fake::one_of(VERIFICATION_REJECTIONS, rng)})
    } else {
        json!({"email": email})
    }
}

fn listing_payload(event: &str, at: UtcDateTime, rng: &mut SeededRng) -> Value {
    match event {
        "listing.action" => listing_action_payload(at, rng),
        "listing.publishFailed" => publish_failed_payload(rng),
        // Documented: these two carry an empty payload.
        _ => json!({}),
    }
}

fn listing_action_payload(at: UtcDateTime, rng: &mut SeededRng) -> Value {
    // The table is never empty (tested); the fallback only keeps an edited
    // table from stopping a delivery.
    let kind = LISTING_ACTION_KINDS
        .choose(rng)
        .copied()
        .unwrap_or(LISTING_ACTION_KINDS[0]);
    let status = fake::one_of(ACTION_STATUSES, rng);
    // Documented: `reason` says why an expired action expired.
    let reason = if status == "expired" {
        Value::from(fake::one_of(ACTION_EXPIRY_REASONS, rng))
    } else {
        Value::Null
    };
    let expires_at = at.plus_days(rng.random_range(ACTION_GRACE_DAYS));
    let remarks = if rng.random_bool(0.5) {
        Value::from(fake::one_of(ACTION_REMARKS, rng))
    } else {
        Value::Null
    };
    json!({
        "actionType": kind.action_type,
        "status": status,
        "reason": reason,
        "entityType": EntityKind::Listing.as_str(),
        "expiresAt": expires_at.iso8601_seconds(),
        "expireAction": kind.expire_action,
        "message": {"en": kind.message_en, "ar": kind.message_ar},
        "remarks": remarks,
        "agent": {"id": profile_id(rng)},
        "listing": {"reference": listing_reference(rng)},
    })
}

fn publish_failed_payload(rng: &mut SeededRng) -> Value {
    let failure_type = fake::one_of(FAILURE_TYPES, rng);
    let table = if failure_type == "validation.failed" {
        VALIDATION_FAILURES
    } else {
        FULFILLMENT_FAILURES
    };
    let count = rng.random_range(1..=table.len().min(2));
    let reasons: Vec<Value> = table
        .choose_multiple(rng, count)
        .map(|(en, ar)| json!({"en": en, "ar": ar}))
        .collect();
    json!({"failureType": failure_type, "reasons": reasons})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{seeded_rng, ulid_instant};
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

    fn text<'v>(value: &'v Value, path: &str) -> &'v str {
        get_path(value, path)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{path} is text in {value}"))
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
                assert!(!entity_id.is_empty(), "{name}");
                let timestamp = body["timestamp"].as_str().expect("a string timestamp");
                assert!(is_iso8601_utc(timestamp), "{timestamp}");
                assert!(timestamp.starts_with("2025-"), "{timestamp}");
                assert!(body["payload"].is_object(), "{name}");
            }
        }
    }

    #[test]
    fn event_ids_are_plain_v4_uuids() {
        for atlas in ATLAS_EVENTS {
            let name = atlas.spec.name;
            let body = build(name, 3);
            let id = body["id"].as_str().expect("a string id");
            assert_eq!(
                uuid::Uuid::parse_str(id).map(|u| u.get_version_num()),
                Ok(4),
                "{id}"
            );
            assert_eq!(id.len(), 36, "no prefix: {id}");
        }
        assert_ne!(
            build("lead.created", 1)["id"],
            build("lead.created", 2)["id"]
        );
    }

    #[test]
    fn a_listing_events_entity_id_is_a_ulid_minted_before_the_event() {
        for event in [
            "listing.published",
            "listing.unpublished",
            "listing.action",
            "listing.publishFailed",
        ] {
            for seed in 0..30 {
                let body = build(event, seed);
                let id = text(&body, "entity.id");
                let minted = ulid_instant(id).unwrap_or_else(|| panic!("a ULID: {id}"));
                let at = text(&body, "timestamp");
                assert!(
                    minted.iso8601_seconds().as_str() <= at,
                    "{id} minted {minted:?}, after {at}"
                );
            }
        }
        // Other entities are not listings: their ids are not ULIDs.
        let lead = build("lead.created", 1);
        assert!(text(&lead, "entity.id").bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn same_seed_same_event() {
        for atlas in ATLAS_EVENTS {
            assert_eq!(build(atlas.spec.name, 11), build(atlas.spec.name, 11));
        }
    }

    #[test]
    fn every_payload_has_its_documented_members_in_order() {
        let expected = |event: &str| match event {
            "user.updated" => USER_UPDATED_KEYS,
            "lead.created" | "lead.updated" | "lead.assigned" => LEAD_KEYS,
            "publicProfile.verification.approved" => VERIFICATION_APPROVED_KEYS,
            "publicProfile.verification.rejected" => VERIFICATION_REJECTED_KEYS,
            "listing.published" | "listing.unpublished" => &[],
            "listing.action" => LISTING_ACTION_KEYS,
            "listing.publishFailed" => PUBLISH_FAILED_KEYS,
            _ => USER_KEYS,
        };
        for atlas in ATLAS_EVENTS {
            let name = atlas.spec.name;
            for seed in 0..30 {
                let body = build(name, seed);
                assert_eq!(keys(&body["payload"]), expected(name), "{name}");
                if let Some(email) = body["payload"]["email"].as_str() {
                    assert!(email.contains('@'), "{email}");
                }
            }
        }
        let updated = build("user.updated", 5);
        let changes = updated["payload"]["changes"].as_array().expect("an array");
        assert!(!changes.is_empty());
        assert!(
            changes
                .iter()
                .all(|c| c.as_str().is_some_and(|c| USER_ATTRIBUTES.contains(&c)))
        );
    }

    #[test]
    fn leads_use_the_documented_values_and_point_at_what_they_are_about() {
        let mut usernames = 0;
        for event in ["lead.created", "lead.updated", "lead.assigned"] {
            for seed in 0..100 {
                let body = build(event, seed);
                let payload = &body["payload"];
                assert!(LEAD_CHANNELS.contains(&text(payload, "channel")));
                assert!(LEAD_STATUSES.contains(&text(payload, "status")));
                let entity_type = text(payload, "entityType");
                assert!(LEAD_ENTITY_TYPES.contains(&entity_type));
                // Exactly what the lead is about is there; the rest is null.
                assert_eq!(!payload["listing"].is_null(), entity_type == "listing");
                assert_eq!(!payload["project"].is_null(), entity_type == "project");
                assert_eq!(!payload["developer"].is_null(), entity_type == "project");
                if entity_type == "listing" {
                    let listing = text(payload, "listing.id");
                    assert!(ulid_instant(listing).is_some(), "{listing}");
                    let reference = text(payload, "listing.reference");
                    let parts: Vec<&str> = reference.split('-').collect();
                    assert!(
                        parts.len() == 3 && AGENCY_INITIALS.contains(&parts[0]),
                        "{reference}"
                    );
                }
                assert!(payload["publicProfile"]["id"].is_u64());
                let link = text(payload, "responseLink");
                assert!(link.starts_with("https://") && link.ends_with(text(&body, "entity.id")));
                let contacts = payload["sender"]["contacts"].as_array().expect("contacts");
                for contact in contacts {
                    assert!(SENDER_CONTACT_TYPES.contains(&text(contact, "type")));
                    assert!(!text(contact, "value").is_empty());
                }
                let phone = text(&contacts[0], "value");
                assert!(phone.starts_with("+9715") && phone.len() == 13, "{phone}");
                usernames += contacts
                    .iter()
                    .filter(|c| c["type"] == "whatsappUsername")
                    .inspect(|_| assert_eq!(payload["channel"], "whatsapp"))
                    .count();
            }
        }
        assert!(usernames > 0, "some WhatsApp leads carry a username");
        assert_eq!(build("lead.created", 1)["payload"]["status"], "sent");
    }

    #[test]
    fn lead_created_is_never_sent_for_a_project_lead_and_the_others_are() {
        for seed in 0..500 {
            let created = build("lead.created", seed);
            assert_ne!(created["payload"]["entityType"], "project", "seed {seed}");
            assert!(created["payload"]["project"].is_null(), "seed {seed}");
        }
        for event in ["lead.assigned", "lead.updated"] {
            let projects = (0..100)
                .filter(|seed| build(event, *seed)["payload"]["entityType"] == "project")
                .count();
            assert!(projects > 0, "{event} comes for project leads");
        }
    }

    #[test]
    fn verification_and_listing_payloads_follow_their_event() {
        for seed in 0..30 {
            assert_eq!(build("listing.published", seed)["payload"], json!({}));
            assert_eq!(build("listing.unpublished", seed)["payload"], json!({}));

            let rejected = build("publicProfile.verification.rejected", seed);
            let reason = text(&rejected, "payload.reason");
            assert!(VERIFICATION_REJECTIONS.contains(&reason));

            let failed = build("listing.publishFailed", seed);
            let failure = text(&failed, "payload.failureType");
            assert!(FAILURE_TYPES.contains(&failure));
            let reasons = failed["payload"]["reasons"].as_array().expect("reasons");
            assert!(!reasons.is_empty());
            for reason in reasons {
                assert_eq!(keys(reason), ["en", "ar"]);
                assert!(
                    text(reason, "ar")
                        .chars()
                        .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
                );
            }
        }
    }

    #[test]
    fn listing_actions_use_the_documented_values() {
        let mut expired = 0;
        for seed in 0..100 {
            let body = build("listing.action", seed);
            let payload = &body["payload"];
            let action_type = text(payload, "actionType");
            let kind = LISTING_ACTION_KINDS
                .iter()
                .find(|k| k.action_type == action_type)
                .expect("a documented action type");
            let status = text(payload, "status");
            assert!(ACTION_STATUSES.contains(&status));
            if status == "expired" {
                expired += 1;
                assert!(ACTION_EXPIRY_REASONS.contains(&text(payload, "reason")));
            } else {
                assert!(payload["reason"].is_null());
            }
            assert_eq!(payload["entityType"], "listing");
            let expires = text(payload, "expiresAt");
            assert!(is_iso8601_utc(expires) && expires > text(&body, "timestamp"));
            assert_eq!(payload["expireAction"].as_str(), kind.expire_action);
            if let Some(expire_action) = kind.expire_action {
                assert!(EXPIRE_ACTIONS.contains(&expire_action));
            }
            assert_eq!(text(payload, "message.en"), kind.message_en);
            assert_eq!(text(payload, "message.ar"), kind.message_ar);
            assert!(payload["remarks"].is_null() || payload["remarks"].is_string());
            assert!(payload["agent"]["id"].is_u64());
        }
        assert!(expired > 0, "100 seeds include an expired action");
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
    fn every_event_can_be_fuzzed_and_only_what_a_person_wrote_is_free_text() {
        let provider = ProviderId::PropertyFinderAtlas.provider();
        for atlas in ATLAS_EVENTS {
            let name = atlas.spec.name;
            let surface = FuzzSurface::new(provider, name).expect("in the catalogue");
            // New attributes, at least, since payloads may gain them.
            assert!(!surface.is_empty(), "{name}");
        }
        for event in ["lead.created", "listing.action", "listing.publishFailed"] {
            assert!(!provider.fuzz_paths(event).free_text.is_empty(), "{event}");
        }
        // Emails, links and empty payloads: nothing a person wrote.
        for event in ["user.created", "user.updated", "listing.published"] {
            assert_eq!(provider.fuzz_paths(event), FuzzPaths::NONE, "{event}");
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
    fn every_event_kind_names_its_documented_read_scope() {
        let scope = |event: &str| atlas_event(event).map(|e| e.entity.read_scope());
        assert_eq!(scope("listing.publishFailed"), Some("listings:read"));
        assert_eq!(scope("lead.assigned"), Some("leads:read"));
        assert_eq!(scope("user.deactivated"), Some("users:read"));
        assert_eq!(
            scope("publicProfile.verification.approved"),
            Some("users:read")
        );
    }

    #[test]
    fn a_new_lead_is_about_a_documented_entity_type_but_a_project() {
        let mut documented: Vec<&str> = NON_PROJECT_LEAD_ENTITY_TYPES.to_vec();
        documented.push("project");
        documented.sort_unstable();
        let mut all = LEAD_ENTITY_TYPES.to_vec();
        all.sort_unstable();
        assert_eq!(documented, all);
        assert!(
            CREATED_LEAD_ENTITY_TYPES
                .iter()
                .all(|t| NON_PROJECT_LEAD_ENTITY_TYPES.contains(t))
        );
    }

    #[test]
    fn the_tables_are_never_empty() {
        assert!(!LISTING_ACTION_KINDS.is_empty());
        for table in [VALIDATION_FAILURES, FULFILLMENT_FAILURES] {
            assert!(!table.is_empty());
        }
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
        let scheme = PropertyFinderAtlas.signature().expect("Atlas signs");
        assert_eq!(
            (scheme.header, scheme.rotation_separator),
            ("X-Signature", ",")
        );
        assert!(scheme.rotation.is_assumed(), "no rotation is documented");
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
