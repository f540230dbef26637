//! Hemnet's CONTACT.CREATE payload: the Contact object's attributes,
//! types, enums and nullability are documented under "The Contact object";
//! the nested objects' attributes and the formats come from its example.

use crate::contract::{Field, Shape, email, field, object, one_of, text, uuid};
use crate::policy::Source;
use crate::providers::hemnet::{
    CONTACT_CREATE, CONTACT_PREFERENCES, CONTACT_REASONS, CONTACT_SOURCES, DOCUMENTATION,
    RECIPIENT_TYPES,
};

const CONTACT_OBJECT: Source = Source::new(DOCUMENTATION, "The Contact object");
const EXAMPLE: &str =
    "the documentation's example Contact; the attribute list types it only as an object";

pub(crate) fn shape(event: &str) -> Option<Shape> {
    (event == CONTACT_CREATE).then(|| {
        object([
            field("type", Shape::Const("CONTACT")).documented(EVENT_PAYLOAD),
            field("action", Shape::Const("CREATE")).documented(EVENT_PAYLOAD),
            field("data", contact()).documented(CONTACT_OBJECT),
        ])
    })
}

const EVENT_PAYLOAD: Source = Source::new(DOCUMENTATION, "Types of events");

/// A documented attribute of the Contact object.
fn documented(name: &'static str, shape: Shape) -> Field {
    field(name, shape).documented(CONTACT_OBJECT)
}

fn contact() -> Shape {
    let nullable_text = |name| documented(name, text().nullable());
    object([
        field("id", uuid()).assumed("documented as a string; the example is a uuid"),
        documented("recipientType", one_of(RECIPIENT_TYPES)),
        field("email", email().nullable())
            .assumed("documented as a nullable string; an email address by its meaning"),
        nullable_text("phone"),
        nullable_text("firstName"),
        nullable_text("lastName"),
        nullable_text("message"),
        documented(
            "listing",
            object([
                field("id", Shape::Integer).assumed(EXAMPLE),
                field("externalId", text()).assumed(EXAMPLE),
            ])
            .nullable(),
        ),
        documented(
            "broker",
            object([
                field("id", Shape::Integer).assumed(EXAMPLE),
                field("email", email()).assumed(EXAMPLE),
                field("fullName", text()).assumed(EXAMPLE),
            ])
            .nullable(),
        ),
        documented(
            "brokerAgency",
            object([
                field("id", Shape::Integer).assumed(EXAMPLE),
                field("externalId", Shape::Integer).assumed(EXAMPLE),
            ])
            .nullable(),
        ),
        documented("contactPreference", one_of(CONTACT_PREFERENCES)),
        documented("contactReason", one_of(CONTACT_REASONS).nullable()),
        nullable_text("streetName"),
        nullable_text("streetNumber"),
        nullable_text("postalCity"),
        documented("preapprovedMortgage", Shape::Boolean.nullable()),
        documented("source", one_of(CONTACT_SOURCES)),
    ])
}
