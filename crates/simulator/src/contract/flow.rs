//! Flow's event bodies, read off the provider's catalogue so they name the
//! same fields in the same order as the builder. Documented: the envelope
//! `{EventType, EventCreatedDate, Payload}` every example on the page shows,
//! and each Payload by the example in its event's section. Assumed: the
//! activities' `Type` codes and the checklist `Key` members (the page shows
//! `1` and a placeholder).

use crate::contract::{Field, Shape, array, codes, field, object, one_of, pattern, uuid};
use crate::policy::{Provenance, Source};
use crate::providers::flow::{
    ACTIVITY_CODES, ACTIVITY_PARTICIPANT_TYPES, CATALOGUE, CHECKLIST_KEYS, DOCUMENTATION,
    FieldValue, PUBLICATION_CODES, PayloadShape,
};

/// The page's introduction to its examples, which every event's envelope follows.
const ENVELOPE: Source = Source::new(DOCUMENTATION, "Supported event types");
/// `ActivityParticipantDeleted` refers to this section for its `Type` list.
const PARTICIPANT_TYPES: Source = Source::new(DOCUMENTATION, "ActivityParticipantCreated");

const ACTIVITY_TYPE_ASSUMPTION: &str = "the page shows an integer (1) and lists no members; \
     1 to 10, numbering the participant types after Unknown, are assumed";
const CHECKLIST_KEY_ASSUMPTION: &str = "the page shows only the placeholder ChecklistItemKey; the keys of a sale's usual steps are assumed";

/// Flow's date: local time to the 100 ns tick (7 fractional digits) and the
/// offset, as `2022-04-28T11:26:41.5334824+02:00`.
fn flow_date() -> Shape {
    pattern(
        "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\\.[0-9]{7}[+-]([01][0-9]|2[0-3]):[0-5][0-9]$",
        "a Flow date: local date and time with 7 fractional digits (.NET ticks) and the UTC offset",
    )
}

pub(crate) fn shape(event: &str) -> Option<Shape> {
    let entry = CATALOGUE.iter().find(|entry| entry.spec.name == event)?;
    let section = entry.spec.provenance;
    let documented = |name, shape| field(name, shape).provenance(section);
    let mut fields = vec![
        field("EventType", Shape::Tag(entry.event_type)).documented(ENVELOPE),
        field("EventCreatedDate", flow_date()).documented(ENVELOPE),
    ];
    match entry.payload {
        PayloadShape::Object(payload) => {
            let payload = payload
                .iter()
                .map(|(name, value)| payload_field(name, *value, section));
            fields.push(documented("Payload", object(payload)));
        }
        PayloadShape::SaleTextCases { require_reload } => {
            let case = object([documented("Id", Shape::Integer), documented("Guid", uuid())]);
            fields.push(documented("Payload", array(case)));
            if !require_reload {
                fields.push(documented("DynamicSaleTextHeaderId", Shape::Integer));
                fields.push(documented("UpdatedDateTime", flow_date()));
            }
            fields.push(documented("RequireReload", Shape::Boolean));
        }
    }
    Some(object(fields))
}

/// The Payload attribute `name` holding `value`, documented under `section`
/// unless its members are assumed.
fn payload_field(name: &'static str, value: FieldValue, section: Provenance) -> Field {
    let documented = |shape| field(name, shape).provenance(section);
    match value {
        FieldValue::Id(_) => documented(Shape::Integer),
        FieldValue::Guid => documented(uuid()),
        FieldValue::PublicationType => documented(codes(PUBLICATION_CODES)),
        FieldValue::ActivityTypeNumber => {
            field(name, codes(ACTIVITY_CODES)).assumed(ACTIVITY_TYPE_ASSUMPTION)
        }
        FieldValue::ParticipantType => {
            field(name, one_of(ACTIVITY_PARTICIPANT_TYPES)).documented(PARTICIPANT_TYPES)
        }
        // Documented as returned only for a showing whose contact is a
        // stakeholder on the case: left out otherwise.
        FieldValue::StakeholderIdOfShowing => documented(Shape::Integer).optional(),
        FieldValue::ChecklistKey => {
            field(name, one_of(CHECKLIST_KEYS)).assumed(CHECKLIST_KEY_ASSUMPTION)
        }
    }
}
