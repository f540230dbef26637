//! Property Finder Enterprise API (Atlas) events: the documented envelope
//! `{id, type, timestamp, entity: {id, type}, payload}` and each event's
//! payload members ("Webhooks, Events"), the lead values ("Leads, Fetch
//! Leads") and `whatsappUsername` (Changelog). Assumed, as the provider
//! file says: what sits inside the members the documentation shows without
//! a shape, which of them are null, and the non-listing entity ids.

use crate::contract::{
    Field, Shape, array, date_time, email, field, object, one_of, pattern, text, ulid, uri, uuid,
};
use crate::policy::Source;
use crate::providers::propertyfinder_atlas::{
    ACTION_EXPIRY_REASONS, ACTION_STATUSES, ACTION_TYPES, DOCUMENTATION, EMAIL_CONTACT,
    EXPIRE_ACTIONS, EntityKind, FAILURE_TYPES, LEAD_CHANNELS, LEAD_ENTITY_TYPES, LEAD_STATUSES,
    NON_PROJECT_LEAD_ENTITY_TYPES, PHONE_CONTACT, USER_ATTRIBUTES, WEBHOOK_EVENTS,
    WHATSAPP_USERNAME_CONTACT, atlas_event,
};

const LEADS: Source = Source::new(DOCUMENTATION, "Leads, Fetch Leads");
const CHANGELOG: Source = Source::new(DOCUMENTATION, "Changelog, 2026-06-30");

pub(crate) fn shape(event: &str) -> Option<Shape> {
    let atlas = atlas_event(event)?;
    let name = atlas.spec.name;
    let payload = match atlas.entity {
        EntityKind::User => user(name),
        EntityKind::Lead => lead(name),
        EntityKind::PublicProfile => verification(name),
        EntityKind::Listing => listing(name),
    };
    Some(object([
        documented("id", uuid()),
        documented("type", Shape::Tag(name)),
        documented("timestamp", date_time()),
        documented(
            "entity",
            object([
                entity_id(atlas.entity),
                field("type", Shape::Tag(atlas.entity.as_str())),
            ]),
        ),
        documented("payload", payload),
    ]))
}

/// An attribute documented under "Webhooks, Events".
fn documented(name: &'static str, shape: Shape) -> Field {
    field(name, shape).documented(WEBHOOK_EVENTS)
}

/// A listing's id is a ULID (documented by example); the others are assumed.
fn entity_id(kind: EntityKind) -> Field {
    match kind {
        EntityKind::Listing => documented("id", ulid()),
        EntityKind::User | EntityKind::Lead | EntityKind::PublicProfile => field(
            "id",
            pattern("^[1-9][0-9]*$", "an id: decimal digits, the first not zero"),
        )
        .assumed(
            "only a listing's id is documented (a ULID); the others are taken to be the API's \
             numeric ids, as strings",
        ),
    }
}

/// A listing reference as agencies number them (assumed format).
fn listing_reference() -> Shape {
    pattern(
        "^[A-Z]{2}-[RS]-[0-9]{4}$",
        "a listing reference: the agency's initials, R(ent) or S(ale), a four-digit serial",
    )
}

/// An agent's public profile, named by its id.
fn profile() -> Shape {
    object([field("id", Shape::Integer).assumed(
        "the member is documented without its shape; taken to be {id}, the agent's public \
         profile id, an integer as the Enterprise API's requests take it",
    )])
}

/// One text in the two languages Property Finder writes them in.
fn bilingual() -> Shape {
    const KEYS: &str = "English and Arabic are documented; the keys `en` and `ar` are assumed";
    object([
        field("en", text()).assumed(KEYS),
        field("ar", text()).assumed(KEYS),
    ])
}

fn user(event: &str) -> Shape {
    let email = documented("email", email());
    if event != "user.updated" {
        return object([email]);
    }
    object([
        email,
        field("changes", array(one_of(USER_ATTRIBUTES))).assumed(
            "documented as a member without its form; taken to list the names of the \
             attributes that changed",
        ),
    ])
}

/// A lead is about one entity: the member for it is an object and the
/// others are null. `lead.created` is never about a project (documented).
fn lead(event: &str) -> Shape {
    let entity_type = if event == "lead.created" {
        documented("entityType", one_of(NON_PROJECT_LEAD_ENTITY_TYPES))
    } else {
        field("entityType", one_of(LEAD_ENTITY_TYPES)).documented(LEADS)
    };
    let project_side = |name| {
        field(name, object([field("id", uuid())]).nullable()).assumed(
            "documented as a member without its shape; taken to be {id}, a uuid, null unless \
             the lead is about a project",
        )
    };
    object([
        field("channel", one_of(LEAD_CHANNELS)).documented(LEADS),
        field("status", one_of(LEAD_STATUSES)).documented(LEADS),
        entity_type,
        documented("publicProfile", profile()),
        field(
            "listing",
            object([field("id", ulid()), field("reference", listing_reference())]).nullable(),
        )
        .assumed(
            "documented as a member without its shape; taken to be {id, reference}, the id a \
             ULID like a listing event's, null unless the lead is about a listing",
        ),
        project_side("project"),
        project_side("developer"),
        field("responseLink", uri())
            .assumed("documented as a member; taken to link to the lead in PF Expert"),
        field(
            "sender",
            object([field("name", text()), field("contacts", array(contact()))]),
        )
        .assumed(
            "documented as a member; taken to be {name, contacts}, each contact a {type, value}",
        ),
    ])
}

/// A sender's contact: its `value` is written as its `type` says.
fn contact() -> Shape {
    const ASSUMED: &str =
        "only whatsappUsername is documented; the phone and email types are assumed";
    let contact = |kind: Field, value| object([kind, field("value", value)]);
    Shape::OneOf(vec![
        contact(
            field("type", Shape::Const(PHONE_CONTACT)).assumed(ASSUMED),
            pattern("^\\+[1-9][0-9]{6,14}$", "a phone number in E.164 form"),
        ),
        contact(
            field("type", Shape::Const(EMAIL_CONTACT)).assumed(ASSUMED),
            email(),
        ),
        contact(
            field("type", Shape::Const(WHATSAPP_USERNAME_CONTACT)).documented(CHANGELOG),
            text(),
        ),
    ])
}

fn verification(event: &str) -> Shape {
    let email = documented("email", email());
    if event == "publicProfile.verification.rejected" {
        object([email, documented("reason", text())])
    } else {
        object([email])
    }
}

fn listing(event: &str) -> Shape {
    match event {
        "listing.action" => listing_action(),
        "listing.publishFailed" => object([
            documented("failureType", one_of(FAILURE_TYPES)),
            documented("reasons", array(bilingual())),
        ]),
        // Documented: published and unpublished carry an empty payload.
        _ => object([]),
    }
}

fn listing_action() -> Shape {
    object([
        documented("actionType", one_of(ACTION_TYPES)),
        documented("status", one_of(ACTION_STATUSES)),
        field("reason", one_of(ACTION_EXPIRY_REASONS).nullable()).assumed(
            "documented as why an expired action expired; taken to be null before it expires",
        ),
        field("entityType", Shape::Const(EntityKind::Listing.as_str()))
            .assumed("documented as a member; taken to be always the listing the event is about"),
        documented("expiresAt", date_time()),
        field("expireAction", one_of(EXPIRE_ACTIONS).nullable()).assumed(
            "the values are documented; taken to be null for an action that does nothing when \
             it expires",
        ),
        field("message", bilingual()).assumed(
            "documented as a member without its shape; taken to be in English and Arabic like \
             a failure's reasons",
        ),
        field("remarks", text().nullable()).assumed(
            "documented as a member; taken to be PF Support's words, null when it adds none",
        ),
        documented("agent", profile()),
        field("listing", object([field("reference", listing_reference())])).assumed(
            "documented as a member without its shape; taken to be {reference}, as the entity \
             is the listing",
        ),
    ])
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::contract::Openness;
    use crate::fake::seeded_rng;
    use crate::payload::set_path;
    use crate::providers::Provider;
    use crate::providers::propertyfinder_atlas::{ATLAS_EVENTS, PropertyFinderAtlas};

    fn built(event: &str, seed: u64) -> Value {
        PropertyFinderAtlas
            .build(event, &mut seeded_rng(seed))
            .expect("a catalogue event")
    }

    /// Every object in `value` has the attributes of its `shape`, in order.
    fn assert_in_order(value: &Value, shape: &Shape, at: &str) {
        match (value, shape.non_null()) {
            (Value::Object(attributes), Shape::Object(fields)) => {
                let sent: Vec<&str> = attributes.keys().map(String::as_str).collect();
                let listed: Vec<&str> = fields.iter().map(|f| f.name).collect();
                assert_eq!(sent, listed, "at `{at}`");
                for (f, value) in fields.iter().zip(attributes.values()) {
                    assert_in_order(value, &f.shape, &format!("{at}.{}", f.name));
                }
            }
            (Value::Array(items), Shape::Array(item)) => {
                for value in items {
                    assert_in_order(value, item, at);
                }
            }
            // The contact whose `type` the value has.
            (Value::Object(_), Shape::OneOf(shapes)) => {
                let named = |s: &&Shape| matches!(s.at("type"), Some(Shape::Const(kind)) if value["type"] == *kind);
                let variant = shapes
                    .iter()
                    .find(named)
                    .unwrap_or_else(|| panic!("a variant for {value} at `{at}`"));
                assert_in_order(value, variant, at);
            }
            _ => {}
        }
    }

    #[test]
    fn every_event_lists_what_it_sends_in_the_order_sent() {
        for atlas in ATLAS_EVENTS {
            let name = atlas.spec.name;
            let shape = shape(name).expect("a catalogue event");
            for seed in 0..16 {
                assert_in_order(&built(name, seed), &shape, name);
            }
        }
        assert_eq!(shape("lead.new"), None);
    }

    #[test]
    fn the_closed_contract_checks_ids_and_contact_values() {
        let valid = |event, body: &Value| {
            let schema = shape(event).expect("an event").schema(Openness::CLOSED);
            jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .expect("the schema compiles")
                .is_valid(body)
        };
        assert!(valid("listing.published", &built("listing.published", 4)));
        let broken = [
            ("listing.published", "id", json!("lead-created-12345678")),
            ("listing.published", "entity.id", json!("12345678")),
            (
                "user.created",
                "entity.id",
                json!("01K0YB4HEKM08V901DVJ5ATVYF"),
            ),
            (
                "lead.updated",
                "payload.sender.contacts.0.value",
                json!("a@b.ae"),
            ),
            ("listing.action", "payload.expiresAt", json!("2025-08-24")),
        ];
        for (event, path, value) in broken {
            let mut body = built(event, 4);
            set_path(&mut body, path, value).expect("the path is there");
            assert!(!valid(event, &body), "{event}: {path} {}", body);
        }
    }

    #[test]
    fn a_new_lead_is_never_about_a_project() {
        let entity_type = |event| shape(event).and_then(|s| s.at("payload.entityType").cloned());
        let Some(Shape::Enum(created)) = entity_type("lead.created") else {
            panic!("an enum");
        };
        assert!(!created.contains(&"project"));
        assert_eq!(
            entity_type("lead.assigned"),
            Some(one_of(LEAD_ENTITY_TYPES))
        );
    }
}
