//! EverReal's deliveries: one envelope for every event (each event page
//! gives it as `IWebhookDispatcher<T>`, generic over `data`), and the `data`
//! of each entity written once: the listing reference, candidates,
//! viewings, contracts, owners, properties, units and protocols. The five
//! events whose pages give their `data` are documented, and so are the
//! members of UNIT_TYPE, PROPERTY_TYPE, PROPERTY_CATEGORY and
//! contractFlowType; the rest is assumed (each event's provenance says on
//! what), as are the formats the pages type only as `string` (uuids,
//! emails, dates) and the members of every other enum. An attribute a page
//! marks optional (`?`) is optional here, wherever its interface is reused.
//! Amounts, areas and room counts are numbers (the GraphQL schema types
//! them `Float`: 845.50 €, 72.5 m², 2.5 rooms) though hooksim sends whole
//! ones; counts, floors, file sizes and positions are integers.

use crate::contract::{
    Field, Shape, array, date, date_time, email, field, object, one_of, pattern, text, uuid,
};
use crate::policy::Provenance;
use crate::providers::everreal::{
    CANDIDATE_APPLIED_DOCUMENTATION, CANDIDATE_PARSED, CANDIDATE_SOURCES, CHANNELS,
    CONTRACT_DATA_SHAPE, CONTRACT_FLOW_PARTIALLY_SIGNED, CONTRACT_FLOW_SIGNED,
    CONTRACT_FLOW_STARTED, CONTRACT_FLOW_TYPE_SOURCE, CONTRACT_FLOW_TYPES, CONTRACT_FLOW_WITHDRAWN,
    CONTRACT_STATUSES, ContractStage, EMPLOYMENT_TYPES, EverReal, HOUSEHOLD_PERSON_TYPES,
    INTEGRATION_TYPES, LANGUAGES, LISTING_ACTIVATED, LISTING_ARCHIVED, LISTING_CANDIDATE_APPLIED,
    LISTING_CREATED, LISTING_DEACTIVATED, LISTING_PUBLISHED_TO_CHANNEL, LISTING_STATUSES,
    LISTING_UNPUBLISHED_FROM_CHANNEL, LISTING_UPDATED, OWNER_CREATED, OWNER_UPDATED,
    PROPERTY_CATEGORIES, PROPERTY_CREATED, PROPERTY_ENUMS_SOURCE, PROPERTY_TYPES, PROPERTY_UPDATED,
    PROTOCOL_COMPLETED, PROTOCOL_TYPES, SCHEDULE_BOOKING_REMOVED_ADMIN,
    SCHEDULE_BOOKING_REMOVED_CANDIDATE, SCHEDULE_INVITED_VIEWING, SCHEDULE_NEW_TIMESLOTS_REQUESTED,
    SCHEDULE_TIMESLOT_BOOKED_ADMIN, SCHEDULE_TIMESLOT_BOOKED_CANDIDATE, UNIT_CREATED,
    UNIT_TYPE_SOURCE, UNIT_TYPES, UNIT_UPDATED,
};
use crate::providers::{EventSpec, Provider};

const UUID_ID: &str =
    "the pages type ids as string; a uuid, as the registration example's Location is";
const EMAIL: &str = "typed string; an email address by its meaning";
const PORTAL_CODES: &str = "typed string or CANDIDATE_SOURCE; the portals' codes are not published";

pub(crate) fn shape(event: &str) -> Option<Shape> {
    let spec = EverReal.event(event).ok()?;
    let data = match spec.name {
        LISTING_CREATED | LISTING_UPDATED | LISTING_ARCHIVED | LISTING_ACTIVATED
        | LISTING_DEACTIVATED => listing(false),
        LISTING_PUBLISHED_TO_CHANNEL | LISTING_UNPUBLISHED_FROM_CHANNEL => listing(true),
        CANDIDATE_PARSED => candidate_parsed(),
        LISTING_CANDIDATE_APPLIED => candidate_applied(),
        SCHEDULE_INVITED_VIEWING | SCHEDULE_NEW_TIMESLOTS_REQUESTED => viewing(false),
        SCHEDULE_TIMESLOT_BOOKED_ADMIN
        | SCHEDULE_TIMESLOT_BOOKED_CANDIDATE
        | SCHEDULE_BOOKING_REMOVED_ADMIN
        | SCHEDULE_BOOKING_REMOVED_CANDIDATE => viewing(true),
        CONTRACT_FLOW_STARTED => contract(ContractStage::Started),
        CONTRACT_FLOW_WITHDRAWN => contract(ContractStage::Withdrawn),
        CONTRACT_FLOW_PARTIALLY_SIGNED => contract(ContractStage::PartiallySigned),
        CONTRACT_FLOW_SIGNED => contract(ContractStage::Signed),
        OWNER_CREATED | OWNER_UPDATED => owner(),
        PROPERTY_CREATED | PROPERTY_UPDATED => property(),
        UNIT_CREATED | UNIT_UPDATED => unit(),
        PROTOCOL_COMPLETED => protocol(),
        // The deletions: only the id of what was deleted.
        _ => object([id("id")]),
    };
    Some(envelope(spec, data))
}

/// The delivery around `data`. An event whose page gives no payload is
/// still sent in the generic envelope the other pages give.
fn envelope(spec: &EventSpec, data: Shape) -> Shape {
    let source = match spec.provenance {
        Provenance::Documented { source } => source,
        Provenance::Assumed { .. } => CANDIDATE_APPLIED_DOCUMENTATION,
    };
    object([
        field("uuid", uuid()).assumed("typed string; a uuid by its name"),
        field("operation", Shape::Tag(spec.name))
            .assumed("typed string; the event type the webhook was registered for"),
        field("subdomain", subdomain())
            .assumed("typed string; the customer's {subdomain}.everreal.co, a DNS label"),
        field("language", one_of(LANGUAGES))
            .assumed("typed string; the customer's language, German mostly, else English"),
        field("createdAt", date_time()).documented(source),
        field("data", data),
    ])
}

fn subdomain() -> Shape {
    pattern(
        "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
        "the customer's subdomain of everreal.co: a DNS label",
    )
}

/// An EverReal id.
fn id(name: &'static str) -> Field {
    field(name, uuid()).assumed(UUID_ID)
}

fn email_address(name: &'static str) -> Field {
    field(name, email()).assumed(EMAIL)
}

/// The `listing` of the candidate and viewing events (documented on their pages).
fn listing_reference_fields() -> Vec<Field> {
    vec![
        id("id"),
        field(
            "property",
            object([
                id("id"),
                field("objectId", text()),
                field("type", one_of(PROPERTY_TYPES)).documented(PROPERTY_ENUMS_SOURCE),
                field("address", address()),
            ]),
        ),
        field("unit", object(unit_reference_fields())),
    ]
}

/// A property's address under the webhooks' names; `location` and its
/// coordinates are optional (`?`) on the listing reference.
fn address() -> Shape {
    object([
        field("zip", text()),
        field("city", text()),
        field("streetNumber", text()),
        field("streetName", text()),
        field("placeId", text()),
        field(
            "location",
            object([
                field("lat", Shape::Number).optional(),
                field("lng", Shape::Number).optional(),
            ]),
        )
        .optional(),
    ])
}

/// The unit of the listing reference, which the unit events extend.
fn unit_reference_fields() -> Vec<Field> {
    vec![
        id("id"),
        field("objectId", text()),
        field("name", text()),
        field("type", one_of(UNIT_TYPES)).documented(UNIT_TYPE_SOURCE),
    ]
}

/// Listing events: the listing reference with the listing's status, and
/// for channel events the portal.
fn listing(channel: bool) -> Shape {
    let mut fields = listing_reference_fields();
    fields.push(field("status", one_of(LISTING_STATUSES)));
    if channel {
        fields.push(field("channel", one_of(CHANNELS)));
    }
    object(fields)
}

fn candidate_applied() -> Shape {
    object([
        id("id"),
        field("candidateSource", one_of(CANDIDATE_SOURCES)).assumed(PORTAL_CODES),
        email_address("email"),
        field("firstName", text()),
        field("lastName", text()),
        field("listing", object(listing_reference_fields())),
    ])
}

/// What the applicant typed into the portal's form: most of it optional (`?`).
fn candidate_parsed() -> Shape {
    let optional_text = |name| field(name, text()).optional();
    object([
        field("portalId", text()),
        field("externalListingId", text()),
        id("internalId").optional(),
        field("candidateSource", one_of(CANDIDATE_SOURCES)).assumed(PORTAL_CODES),
        field("integrationType", one_of(INTEGRATION_TYPES)).assumed(PORTAL_CODES),
        email_address("email"),
        field("firstName", text()),
        field("lastName", text()),
        optional_text("phoneNumber"),
        optional_text("street"),
        optional_text("number"),
        optional_text("zipCode"),
        optional_text("city"),
        field(
            "employmentType",
            object([field("selectedValue", one_of(EMPLOYMENT_TYPES))
                .optional()
                .assumed("EMPLOYMENT_TYPE's members are not published")]),
        )
        .optional(),
        field(
            "hasPets",
            object([
                field("checked", Shape::Boolean).optional(),
                optional_text("answer"),
            ]),
        )
        .optional(),
        field("netMonthlyIncome", Shape::Number).optional(),
        field(
            "netMonthlyIncomeRanges",
            object([
                field("from", Shape::Number).optional(),
                field("to", Shape::Number).optional(),
            ]),
        )
        .optional(),
        field("noTotalPeopleMovingIn", Shape::Integer).optional(),
        field(
            "householdPersons",
            object([
                field("count", Shape::Integer).optional(),
                field(
                    "values",
                    array(object([field("type", one_of(HOUSEHOLD_PERSON_TYPES))])),
                )
                .optional()
                .assumed("IHouseholdPersonsValue is not published: one entry per person"),
            ]),
        )
        .optional(),
        optional_text("message"),
        field("desiredStartDate", date())
            .optional()
            .assumed("typed string; the day the applicant wants to move in"),
        field(
            "integration",
            object([
                id("id"),
                id("listingId"),
                id("companyIntegrationId"),
                // Typed `string | number`; hooksim sends the number.
                field("internalId", Shape::OneOf(vec![Shape::Integer, text()])),
                field("type", one_of(INTEGRATION_TYPES)).assumed(PORTAL_CODES),
                optional_text("externalListingId"),
            ]),
        ),
    ])
}

/// Viewing events: the documented invitation, and the booked or removed
/// time slot where there is one.
fn viewing(timeslot: bool) -> Shape {
    let mut fields = vec![
        id("invitationId"),
        field("listing", object(listing_reference_fields())),
        field("candidate", object([id("id"), email_address("email")])),
    ];
    if timeslot {
        fields.push(field(
            "timeslot",
            object([
                id("id"),
                field("startDate", date_time()),
                field("endDate", date_time()),
            ]),
        ));
    }
    object(fields)
}

/// Contract events as LISTING_CONTRACT_FLOW_STARTED and _SIGNED give them:
/// everything but the id and the flow type optional (`?`); the template id
/// only when started, the audit trail only when signed.
fn contract(stage: ContractStage) -> Shape {
    let mut fields = vec![id("id")];
    if stage == ContractStage::Started {
        fields.push(id("contractTemplateId").optional());
    }
    fields.extend([
        field(
            "metadata",
            object([
                id("unitId").optional(),
                id("listingId").optional(),
                id("candidateId").optional(),
            ]),
        )
        .optional(),
        field("contractData", contract_terms())
            .optional()
            .provenance(CONTRACT_DATA_SHAPE),
        field("status", one_of(CONTRACT_STATUSES))
            .optional()
            .assumed("CONTRACT_STATUS's members are not published: one per contracting event"),
        field("contractFlowType", one_of(CONTRACT_FLOW_TYPES))
            .documented(CONTRACT_FLOW_TYPE_SOURCE),
        field("contractFile", stored_file()).optional(),
    ]);
    if stage == ContractStage::Signed {
        fields.push(field("auditTrailFile", stored_file()).optional());
    }
    object(fields)
}

/// The Contract's `terms`: amounts in euros, and the first and last day of
/// the tenancy (none when it is open-ended).
fn contract_terms() -> Shape {
    object([
        field("rent", Shape::Number),
        field("deposit", Shape::Number),
        field("heatingCosts", Shape::Number),
        field("utilityCosts", Shape::Number),
        field("totalMonthlyRent", Shape::Number),
        field("contractStartDate", date()),
        field("contractEndDate", date().nullable()),
    ])
}

/// A file in EverReal's document store, as the contract events give
/// `contractFile`: every attribute optional (`?`).
fn stored_file() -> Shape {
    object([
        field("name", text()).optional(),
        field("resourcePath", text()).optional(),
        field("order", Shape::Integer).optional(),
        field("size", Shape::Integer).optional(),
        field(
            "type",
            pattern(
                "^[a-z]+/[a-z0-9][a-z0-9.+-]*$",
                "a MIME type (application/pdf)",
            ),
        )
        .optional()
        .assumed("typed string; the file's MIME type by its meaning"),
    ])
}

/// Owner events: the GraphQL OwnerInput with EverReal's id; `companyName`
/// is null for private owners.
fn owner() -> Shape {
    object([
        id("id"),
        field("externalOwnerId", text()),
        field("firstName", text()),
        field("lastName", text()),
        field("companyName", text().nullable()),
        email_address("email"),
        field("phoneNo", text()),
        field(
            "address",
            object([
                field("streetName", text()),
                field("streetNumber", text()),
                field("zipCode", text()),
                field("city", text()),
                field(
                    "country",
                    pattern("^[A-Z]{2}$", "an ISO 3166-1 alpha-2 country code"),
                ),
            ]),
        ),
    ])
}

/// Property events: the listing reference's property with a name and category.
fn property() -> Shape {
    object([
        id("id"),
        field("objectId", text()),
        field("name", text()),
        field("type", one_of(PROPERTY_TYPES)).documented(PROPERTY_ENUMS_SOURCE),
        field("category", one_of(PROPERTY_CATEGORIES)).documented(PROPERTY_ENUMS_SOURCE),
        field("address", address()),
    ])
}

/// Unit events: the listing reference's unit with some UnitInput fields;
/// living area and rooms are null for units without them.
fn unit() -> Shape {
    let mut fields = unit_reference_fields();
    fields.extend([
        id("propertyId"),
        field("floorNo", Shape::Integer),
        field("livingSurface", Shape::Number.nullable()),
        field(
            "rooms",
            object([
                field("rooms", Shape::Number),
                field("bathrooms", Shape::Number),
            ])
            .nullable(),
        ),
        field("targetRent", Shape::Number),
    ]);
    object(fields)
}

/// PROTOCOL_COMPLETED: the protocol, what it belongs to, and its PDF in the
/// contract events' file shape.
fn protocol() -> Shape {
    object([
        id("id"),
        field("type", one_of(PROTOCOL_TYPES)),
        field("metadata", object([id("unitId"), id("contractId")])),
        field("completedAt", date_time()),
        field("protocolFile", stored_file()),
    ])
}
