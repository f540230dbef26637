//! EverReal external-integration webhooks (Germany; rentals): listing,
//! candidate, viewing, contract, owner, property and unit events of one
//! EverReal customer (a property manager on `{subdomain}.everreal.co`).
//!
//! Source: "Webhooks" ([`DOCUMENTATION`], section "Event Types") for the 29
//! event types (the seed's copy lists 28 in seven families; the page also
//! lists PROTOCOL_COMPLETED, a protocol event), and the pages under it, one
//! per event, for the delivery envelope `{uuid, operation, subdomain,
//! language, createdAt, data}` and the `data` of five events:
//! LISTING_CANDIDATE_APPLIED, CANDIDATE_PARSED,
//! LISTING_CANDIDATE_SCHEDULE_INVITED_VIEWING, LISTING_CONTRACT_FLOW_STARTED
//! and LISTING_CONTRACT_FLOW_SIGNED. `UNIT_TYPE` and `PROPERTY_TYPE` members
//! come from the GraphQL units and properties mutation pages, the
//! `contractFlowType` members from the contract query page
//! ([`CONTRACT_QUERY_DOCUMENTATION`]).
//! Assumed: the `data` of the other 24 events (modelled on their documented
//! siblings and on the GraphQL inputs), that a contract event's
//! `contractData` (typed `any`) is the Contract's `terms`, the members of the other enums,
//! what `operation` and `language` carry, the whole delivery policy (no
//! signature, 10 s timeouts, any 2xx, retries like Standard Webhooks, no
//! redirects), compact JSON on the wire, and that enums and payloads may grow.

use std::time::Duration;

use rand::Rng;
use serde_json::{Map, Value, json};

use crate::encoding::Encoding;
use crate::error::SimulatorError;
use crate::fake::calendar::{self, UtcDateTime};
use crate::fake::{self, DE_DE, SeededRng};
use crate::policy::{DeliveryPolicy, Fact, Provenance, Source, SuccessRule};
use crate::providers::{
    AttemptStamp, EventSpec, FuzzPaths, HeaderLine, JSON_CONTENT_TYPE, Provider, ProviderId,
    SettingSpec,
};
use crate::schedule::Schedule;
use crate::signing::SignatureScheme;

/// The page that lists every event type (under "Event Types").
pub const DOCUMENTATION: &str = "https://api-docs.everreal.co/webhooks";

/// Pages of EverReal's API docs that give an event's `data`, each under a
/// heading that is the event's name.
pub const CANDIDATE_APPLIED_DOCUMENTATION: Source = Source::new(
    "https://api-docs.everreal.co/webhooks/candidates-events/listing_candidate_applied",
    LISTING_CANDIDATE_APPLIED,
);
pub const CANDIDATE_PARSED_DOCUMENTATION: Source = Source::new(
    "https://api-docs.everreal.co/webhooks/candidates-events/candidate_parsed",
    CANDIDATE_PARSED,
);
pub const INVITED_VIEWING_DOCUMENTATION: Source = Source::new(
    "https://api-docs.everreal.co/webhooks/listing-scheduling-events/listing_candidate_schedule_invited_viewing",
    SCHEDULE_INVITED_VIEWING,
);
pub const CONTRACT_STARTED_DOCUMENTATION: Source = Source::new(
    "https://api-docs.everreal.co/webhooks/listing-contracting-events/listing_contract_flow_started",
    CONTRACT_FLOW_STARTED,
);
pub const CONTRACT_SIGNED_DOCUMENTATION: Source = Source::new(
    "https://api-docs.everreal.co/webhooks/listing-contracting-events/listing_contract_flow_signed",
    CONTRACT_FLOW_SIGNED,
);

/// The GraphQL contract query page: the `Contract` type, its
/// `contractFlowType` members and its `terms`.
pub const CONTRACT_QUERY_DOCUMENTATION: &str =
    "https://api-docs.everreal.co/endpoints/contract/contract-query";
/// Where the `contractFlowType` members are listed.
pub const CONTRACT_FLOW_TYPE_SOURCE: Source =
    Source::new(CONTRACT_QUERY_DOCUMENTATION, "contractFlowType");
/// Where the Contract's `terms` are given.
pub const CONTRACT_TERMS_SOURCE: Source = Source::new(CONTRACT_QUERY_DOCUMENTATION, "terms");
/// A contract event's `contractData` is typed `any` on the event pages; the
/// Contract's `terms` is its likely shape, not a documented one.
pub const CONTRACT_DATA_SHAPE: Provenance = Provenance::Assumed {
    why: "likely shape: contractData is typed `any` on the contract events' pages; \
          the Contract's terms {rent, deposit, heatingCosts, utilityCosts, \
          totalMonthlyRent, contractStartDate, contractEndDate} on \
          api-docs.everreal.co/endpoints/contract/contract-query",
};

/// Listing events.
pub const LISTING_CREATED: &str = "LISTING_CREATED";
pub const LISTING_UPDATED: &str = "LISTING_UPDATED";
pub const LISTING_ARCHIVED: &str = "LISTING_ARCHIVED";
pub const LISTING_ACTIVATED: &str = "LISTING_ACTIVATED";
pub const LISTING_DEACTIVATED: &str = "LISTING_DEACTIVATED";
pub const LISTING_PUBLISHED_TO_CHANNEL: &str = "LISTING_PUBLISHED_TO_CHANNEL";
pub const LISTING_UNPUBLISHED_FROM_CHANNEL: &str = "LISTING_UNPUBLISHED_FROM_CHANNEL";
/// Candidate events.
pub const CANDIDATE_PARSED: &str = "CANDIDATE_PARSED";
pub const LISTING_CANDIDATE_APPLIED: &str = "LISTING_CANDIDATE_APPLIED";
/// Scheduling (viewing) events.
pub const SCHEDULE_INVITED_VIEWING: &str = "LISTING_CANDIDATE_SCHEDULE_INVITED_VIEWING";
pub const SCHEDULE_NEW_TIMESLOTS_REQUESTED: &str =
    "LISTING_CANDIDATE_SCHEDULE_NEW_TIMESLOTS_REQUESTED";
pub const SCHEDULE_TIMESLOT_BOOKED_ADMIN: &str = "LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKED_ADMIN";
pub const SCHEDULE_TIMESLOT_BOOKED_CANDIDATE: &str =
    "LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKED_CANDIDATE";
pub const SCHEDULE_BOOKING_REMOVED_ADMIN: &str =
    "LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKING_REMOVED_ADMIN";
pub const SCHEDULE_BOOKING_REMOVED_CANDIDATE: &str =
    "LISTING_CANDIDATE_SCHEDULE_TIMESLOT_BOOKING_REMOVED_CANDIDATE";
/// Contracting events.
pub const CONTRACT_FLOW_STARTED: &str = "LISTING_CONTRACT_FLOW_STARTED";
pub const CONTRACT_FLOW_WITHDRAWN: &str = "LISTING_CONTRACT_FLOW_WITHDRAWN";
pub const CONTRACT_FLOW_PARTIALLY_SIGNED: &str = "LISTING_CONTRACT_FLOW_PARTIALLY_SIGNED";
pub const CONTRACT_FLOW_SIGNED: &str = "LISTING_CONTRACT_FLOW_SIGNED";
/// Owner, property and unit events.
pub const OWNER_CREATED: &str = "OWNER_CREATED";
pub const OWNER_UPDATED: &str = "OWNER_UPDATED";
pub const OWNER_DELETED: &str = "OWNER_DELETED";
pub const PROPERTY_CREATED: &str = "PROPERTY_CREATED";
pub const PROPERTY_UPDATED: &str = "PROPERTY_UPDATED";
pub const PROPERTY_DELETED: &str = "PROPERTY_DELETED";
pub const UNIT_CREATED: &str = "UNIT_CREATED";
pub const UNIT_UPDATED: &str = "UNIT_UPDATED";
pub const UNIT_DELETED: &str = "UNIT_DELETED";
/// Protocol events: listed on the webhooks page, not in the seed's copy.
pub const PROTOCOL_COMPLETED: &str = "PROTOCOL_COMPLETED";

const LISTING_SHAPE_ASSUMED: Provenance = Provenance::Assumed {
    why: "listed under Event Types; its data is not published: the listing reference \
          of LISTING_CANDIDATE_APPLIED plus a status",
};
const VIEWING_SHAPE_ASSUMED: Provenance = Provenance::Assumed {
    why: "listed under Event Types; its data is not published: the documented \
          LISTING_CANDIDATE_SCHEDULE_INVITED_VIEWING data plus the time slot",
};
const CONTRACT_SHAPE_ASSUMED: Provenance = Provenance::Assumed {
    why: "listed under Event Types; its data is not published: the shape of the \
          documented LISTING_CONTRACT_FLOW_STARTED and _SIGNED",
};
const OWNER_SHAPE_ASSUMED: Provenance = Provenance::Assumed {
    why: "listed under Event Types; its data is not published: the GraphQL OwnerInput \
          (api-docs.everreal.co owners mutation) with EverReal's id",
};
const PROPERTY_SHAPE_ASSUMED: Provenance = Provenance::Assumed {
    why: "listed under Event Types; its data is not published: the property of the \
          documented listing reference plus name and category from the GraphQL PropertyInput",
};
const UNIT_SHAPE_ASSUMED: Provenance = Provenance::Assumed {
    why: "listed under Event Types; its data is not published: the unit of the \
          documented listing reference plus fields of the GraphQL UnitInput",
};
const PROTOCOL_SHAPE_ASSUMED: Provenance = Provenance::Assumed {
    why: "listed under Event Types (protocol events); its data is not published: \
          the protocol's id, kind and completion time, the unit and contract it \
          belongs to, and its PDF in the documented contract file shape",
};
const DELETION_SHAPE_ASSUMED: Provenance = Provenance::Assumed {
    why: "listed under Event Types; its data is not published: only the id of what was deleted",
};

/// Every event, in the seed's order, then PROTOCOL_COMPLETED.
const EVENTS: &[EventSpec] = &[
    EventSpec {
        name: LISTING_CREATED,
        summary: "A listing (a unit offered for rent) was created.",
        provenance: LISTING_SHAPE_ASSUMED,
    },
    EventSpec {
        name: LISTING_UPDATED,
        summary: "A listing was changed.",
        provenance: LISTING_SHAPE_ASSUMED,
    },
    EventSpec {
        name: LISTING_ARCHIVED,
        summary: "A listing was archived.",
        provenance: LISTING_SHAPE_ASSUMED,
    },
    EventSpec {
        name: LISTING_ACTIVATED,
        summary: "A listing was activated.",
        provenance: LISTING_SHAPE_ASSUMED,
    },
    EventSpec {
        name: LISTING_DEACTIVATED,
        summary: "A listing was deactivated.",
        provenance: LISTING_SHAPE_ASSUMED,
    },
    EventSpec {
        name: LISTING_PUBLISHED_TO_CHANNEL,
        summary: "A listing was published to a portal (channel).",
        provenance: LISTING_SHAPE_ASSUMED,
    },
    EventSpec {
        name: LISTING_UNPUBLISHED_FROM_CHANNEL,
        summary: "A listing was taken off a portal (channel).",
        provenance: LISTING_SHAPE_ASSUMED,
    },
    EventSpec {
        name: CANDIDATE_PARSED,
        summary: "An application from a portal was parsed into a candidate.",
        provenance: Provenance::Documented {
            source: CANDIDATE_PARSED_DOCUMENTATION,
        },
    },
    EventSpec {
        name: LISTING_CANDIDATE_APPLIED,
        summary: "A candidate applied to a listing.",
        provenance: Provenance::Documented {
            source: CANDIDATE_APPLIED_DOCUMENTATION,
        },
    },
    EventSpec {
        name: SCHEDULE_INVITED_VIEWING,
        summary: "An admin invited a candidate to a viewing.",
        provenance: Provenance::Documented {
            source: INVITED_VIEWING_DOCUMENTATION,
        },
    },
    EventSpec {
        name: SCHEDULE_NEW_TIMESLOTS_REQUESTED,
        summary: "A candidate asked for other viewing time slots.",
        provenance: VIEWING_SHAPE_ASSUMED,
    },
    EventSpec {
        name: SCHEDULE_TIMESLOT_BOOKED_ADMIN,
        summary: "An admin booked a viewing time slot for a candidate.",
        provenance: VIEWING_SHAPE_ASSUMED,
    },
    EventSpec {
        name: SCHEDULE_TIMESLOT_BOOKED_CANDIDATE,
        summary: "A candidate booked a viewing time slot.",
        provenance: VIEWING_SHAPE_ASSUMED,
    },
    EventSpec {
        name: SCHEDULE_BOOKING_REMOVED_ADMIN,
        summary: "An admin removed a candidate's viewing booking.",
        provenance: VIEWING_SHAPE_ASSUMED,
    },
    EventSpec {
        name: SCHEDULE_BOOKING_REMOVED_CANDIDATE,
        summary: "A candidate removed their viewing booking.",
        provenance: VIEWING_SHAPE_ASSUMED,
    },
    EventSpec {
        name: CONTRACT_FLOW_STARTED,
        summary: "A rental contract was created for signing.",
        provenance: Provenance::Documented {
            source: CONTRACT_STARTED_DOCUMENTATION,
        },
    },
    EventSpec {
        name: CONTRACT_FLOW_WITHDRAWN,
        summary: "A rental contract was withdrawn before it was signed.",
        provenance: CONTRACT_SHAPE_ASSUMED,
    },
    EventSpec {
        name: CONTRACT_FLOW_PARTIALLY_SIGNED,
        summary: "One party signed the rental contract.",
        provenance: CONTRACT_SHAPE_ASSUMED,
    },
    EventSpec {
        name: CONTRACT_FLOW_SIGNED,
        summary: "Candidate and owner both signed the rental contract.",
        provenance: Provenance::Documented {
            source: CONTRACT_SIGNED_DOCUMENTATION,
        },
    },
    EventSpec {
        name: OWNER_CREATED,
        summary: "An owner was created.",
        provenance: OWNER_SHAPE_ASSUMED,
    },
    EventSpec {
        name: OWNER_UPDATED,
        summary: "An owner was changed.",
        provenance: OWNER_SHAPE_ASSUMED,
    },
    EventSpec {
        name: OWNER_DELETED,
        summary: "An owner was deleted.",
        provenance: DELETION_SHAPE_ASSUMED,
    },
    EventSpec {
        name: PROPERTY_CREATED,
        summary: "A property (building or plot) was created.",
        provenance: PROPERTY_SHAPE_ASSUMED,
    },
    EventSpec {
        name: PROPERTY_UPDATED,
        summary: "A property was changed.",
        provenance: PROPERTY_SHAPE_ASSUMED,
    },
    EventSpec {
        name: PROPERTY_DELETED,
        summary: "A property was deleted.",
        provenance: DELETION_SHAPE_ASSUMED,
    },
    EventSpec {
        name: UNIT_CREATED,
        summary: "A unit (flat, parking space, shop...) was created.",
        provenance: UNIT_SHAPE_ASSUMED,
    },
    EventSpec {
        name: UNIT_UPDATED,
        summary: "A unit was changed.",
        provenance: UNIT_SHAPE_ASSUMED,
    },
    EventSpec {
        name: UNIT_DELETED,
        summary: "A unit was deleted.",
        provenance: DELETION_SHAPE_ASSUMED,
    },
    EventSpec {
        name: PROTOCOL_COMPLETED,
        summary: "A handover protocol (move-in or move-out) was completed.",
        provenance: PROTOCOL_SHAPE_ASSUMED,
    },
];

/// Keys of every delivery, in the documented interface's order.
pub const ENVELOPE_KEYS: &[&str] = &[
    "uuid",
    "operation",
    "subdomain",
    "language",
    "createdAt",
    "data",
];

/// `data` keys of the documented events, in the documentation's order.
pub const CANDIDATE_APPLIED_KEYS: &[&str] = &[
    "id",
    "candidateSource",
    "email",
    "firstName",
    "lastName",
    "listing",
];
pub const INVITED_VIEWING_KEYS: &[&str] = &["invitationId", "listing", "candidate"];
pub const LISTING_REFERENCE_KEYS: &[&str] = &["id", "property", "unit"];
pub const PROPERTY_REFERENCE_KEYS: &[&str] = &["id", "objectId", "type", "address"];
pub const ADDRESS_KEYS: &[&str] = &[
    "zip",
    "city",
    "streetNumber",
    "streetName",
    "placeId",
    "location",
];
pub const UNIT_REFERENCE_KEYS: &[&str] = &["id", "objectId", "name", "type"];
/// CANDIDATE_PARSED attributes the documentation marks optional (`?`).
pub const CANDIDATE_PARSED_OPTIONAL_KEYS: &[&str] = &[
    "internalId",
    "phoneNumber",
    "street",
    "number",
    "zipCode",
    "city",
    "employmentType",
    "hasPets",
    "netMonthlyIncome",
    "netMonthlyIncomeRanges",
    "noTotalPeopleMovingIn",
    "householdPersons",
    "message",
    "desiredStartDate",
];
/// CANDIDATE_PARSED attributes that are always there, in the documentation's order.
pub const CANDIDATE_PARSED_REQUIRED_KEYS: &[&str] = &[
    "portalId",
    "externalListingId",
    "candidateSource",
    "integrationType",
    "email",
    "firstName",
    "lastName",
    "integration",
];

/// The GraphQL units mutation page, whose enum table lists the `UNIT_TYPE` members.
pub const UNIT_TYPE_SOURCE: Source = Source::new(
    "https://api-docs.everreal.co/endpoints/units/units-mutation",
    "Enum table maps",
);
/// The GraphQL properties mutation page, which lists the `PROPERTY_TYPE` and
/// `PROPERTY_CATEGORY` members.
pub const PROPERTY_ENUMS_SOURCE: Source = Source::new(
    "https://api-docs.everreal.co/endpoints/properties/properties-mutation",
    "Schema Definition",
);

/// `UNIT_TYPE` members (documented on the GraphQL units mutation page);
/// flats come first and are drawn most often, as a rentals platform lists.
pub const UNIT_TYPES: &[&str] = &[
    "APARTMENT",
    "HOUSE",
    "PARKING",
    "OFFICE",
    "STORE",
    "GASTRONOMY",
    "INDUSTRY",
    "SPECIAL_PURPOSE",
];
/// `PROPERTY_TYPE` members (documented on the GraphQL properties mutation page).
pub const PROPERTY_TYPES: &[&str] = &["BUILDING", "LAND"];
/// `PROPERTY_CATEGORY` members (documented on the GraphQL properties mutation page).
pub const PROPERTY_CATEGORIES: &[&str] =
    &["RESIDENTIAL", "COMMERCIAL", "RESIDENTIAL_AND_COMMERCIAL"];

// What the fuzzer may vary, event family by event family. Left alone
// everywhere: ids, `objectId`s, emails, phone numbers, postcodes, `placeId`,
// coordinates (a latitude has a range), dates, file paths and MIME types,
// and the envelope (`operation` names the event; `subdomain` and `language`
// are codes). Free text: names, addresses, a unit's label, an applicant's
// message and answers. Free numbers: amounts, counts, sizes and numeric
// ids, typed `number` without a range. Nullable only where the builder
// already sends null: attributes the GraphQL schema makes nullable (the
// webhook interfaces mark attributes optional, `?`, which `JSON.stringify`
// leaves out rather than nulls).

/// Listing events: the listing reference at `data` (assumed shape); `status`
/// has assumed members.
const LISTING_FUZZ: FuzzPaths = FuzzPaths {
    nullable: &[],
    free_text: &[
        "data.property.address.streetName",
        "data.property.address.streetNumber",
        "data.property.address.city",
        "data.unit.name",
    ],
    free_numbers: &[],
    enums: &["data.property.type", "data.unit.type", "data.status"],
};

/// LISTING_PUBLISHED_TO_CHANNEL and _UNPUBLISHED_FROM_CHANNEL: a listing
/// event plus the portal (assumed members).
const LISTING_CHANNEL_FUZZ: FuzzPaths = FuzzPaths {
    enums: &[
        "data.property.type",
        "data.unit.type",
        "data.status",
        "data.channel",
    ],
    ..LISTING_FUZZ
};

/// LISTING_CANDIDATE_APPLIED (documented): the applicant's name and the
/// listing reference's address and unit name; `CANDIDATE_SOURCE`,
/// `PROPERTY_TYPE` and `UNIT_TYPE` are the interface's enums.
const CANDIDATE_APPLIED_FUZZ: FuzzPaths = FuzzPaths {
    nullable: &[],
    free_text: &[
        "data.firstName",
        "data.lastName",
        "data.listing.property.address.streetName",
        "data.listing.property.address.streetNumber",
        "data.listing.property.address.city",
        "data.listing.unit.name",
    ],
    free_numbers: &[],
    enums: &[
        "data.candidateSource",
        "data.listing.property.type",
        "data.listing.unit.type",
    ],
};

/// CANDIDATE_PARSED (documented): what the applicant typed into the portal's
/// form; the numbers (`number`, or `string | number` for
/// `integration.internalId`) have no documented range. `candidateSource`,
/// `integrationType` and `integration.type` are typed `string` but hold
/// portal codes, so they vary as enums. Most paths are optional and left out
/// now and then; the fuzzer skips a path the payload lacks.
const CANDIDATE_PARSED_FUZZ: FuzzPaths = FuzzPaths {
    nullable: &[],
    free_text: &[
        "data.firstName",
        "data.lastName",
        "data.street",
        "data.number",
        "data.city",
        "data.hasPets.answer",
        "data.message",
    ],
    free_numbers: &[
        "data.netMonthlyIncome",
        "data.netMonthlyIncomeRanges.from",
        "data.netMonthlyIncomeRanges.to",
        "data.noTotalPeopleMovingIn",
        "data.householdPersons.count",
        "data.integration.internalId",
    ],
    enums: &[
        "data.candidateSource",
        "data.integrationType",
        "data.employmentType.selectedValue",
        "data.integration.type",
    ],
};

/// Viewing events: the documented listing reference at `data.listing`; the
/// candidate carries only an id and an email, the time slot dates.
const VIEWING_FUZZ: FuzzPaths = FuzzPaths {
    nullable: &[],
    free_text: &[
        "data.listing.property.address.streetName",
        "data.listing.property.address.streetNumber",
        "data.listing.property.address.city",
        "data.listing.unit.name",
    ],
    free_numbers: &[],
    enums: &["data.listing.property.type", "data.listing.unit.type"],
};

/// Contract events without an audit trail: the file's name and its
/// `order` and `size` (documented `string` and `number`), the amounts of the
/// rent terms in `contractData` (typed `any`; the `terms` shape is assumed),
/// `CONTRACT_STATUS` and `contractFlowType`.
const CONTRACT_FUZZ: FuzzPaths = FuzzPaths {
    nullable: &[],
    free_text: &["data.contractFile.name"],
    free_numbers: &[
        "data.contractData.rent",
        "data.contractData.deposit",
        "data.contractData.heatingCosts",
        "data.contractData.utilityCosts",
        "data.contractData.totalMonthlyRent",
        "data.contractFile.order",
        "data.contractFile.size",
    ],
    enums: &["data.status", "data.contractFlowType"],
};

/// LISTING_CONTRACT_FLOW_SIGNED (documented): [`CONTRACT_FUZZ`] plus the
/// audit trail file.
const CONTRACT_SIGNED_FUZZ: FuzzPaths = FuzzPaths {
    free_text: &["data.contractFile.name", "data.auditTrailFile.name"],
    free_numbers: &[
        "data.contractData.rent",
        "data.contractData.deposit",
        "data.contractData.heatingCosts",
        "data.contractData.utilityCosts",
        "data.contractData.totalMonthlyRent",
        "data.contractFile.order",
        "data.contractFile.size",
        "data.auditTrailFile.order",
        "data.auditTrailFile.size",
    ],
    ..CONTRACT_FUZZ
};

/// PROTOCOL_COMPLETED (assumed shape): the file's name, `order` and `size`,
/// and the protocol's kind (assumed members).
const PROTOCOL_FUZZ: FuzzPaths = FuzzPaths {
    free_text: &["data.protocolFile.name"],
    free_numbers: &["data.protocolFile.order", "data.protocolFile.size"],
    enums: &["data.type"],
    ..FuzzPaths::NONE
};

/// Owner events (assumed shape): names and address; `companyName` is null
/// for private owners (built so).
const OWNER_FUZZ: FuzzPaths = FuzzPaths {
    nullable: &["data.companyName"],
    free_text: &[
        "data.firstName",
        "data.lastName",
        "data.companyName",
        "data.address.streetName",
        "data.address.streetNumber",
        "data.address.city",
    ],
    free_numbers: &[],
    enums: &[],
};

/// Property events (assumed shape): name and address; `PROPERTY_TYPE` and
/// `PROPERTY_CATEGORY` (documented members).
const PROPERTY_FUZZ: FuzzPaths = FuzzPaths {
    nullable: &[],
    free_text: &[
        "data.name",
        "data.address.streetName",
        "data.address.streetNumber",
        "data.address.city",
    ],
    free_numbers: &[],
    enums: &["data.type", "data.category"],
};

/// Unit events (assumed shape): the unit's label, its floor, area, rooms and
/// rent; `livingSurface` and `rooms` are null for units without them (built
/// so); `UNIT_TYPE` (documented members).
const UNIT_FUZZ: FuzzPaths = FuzzPaths {
    nullable: &["data.livingSurface", "data.rooms"],
    free_text: &["data.name"],
    free_numbers: &[
        "data.floorNo",
        "data.livingSurface",
        "data.rooms.rooms",
        "data.rooms.bathrooms",
        "data.targetRent",
    ],
    enums: &["data.type"],
};

/// CANDIDATE_PARSED attributes its page marks optional (`?`), as paths: the
/// top-level ones ([`CANDIDATE_PARSED_OPTIONAL_KEYS`]), `hasPets.answer`
/// and `integration.externalListingId`.
const CANDIDATE_PARSED_OPTIONAL_PATHS: &[&str] = &[
    "data.internalId",
    "data.phoneNumber",
    "data.street",
    "data.number",
    "data.zipCode",
    "data.city",
    "data.employmentType",
    "data.hasPets",
    "data.hasPets.answer",
    "data.netMonthlyIncome",
    "data.netMonthlyIncomeRanges",
    "data.noTotalPeopleMovingIn",
    "data.householdPersons",
    "data.message",
    "data.desiredStartDate",
    "data.integration.externalListingId",
];
/// LISTING_CANDIDATE_APPLIED: the address's `location` is optional (`?`) on its page.
const CANDIDATE_APPLIED_OPTIONAL_PATHS: &[&str] = &["data.listing.property.address.location"];
/// LISTING_CONTRACT_FLOW_SIGNED: every attribute but `id` is optional (`?`) on its page.
const CONTRACT_SIGNED_OPTIONAL_PATHS: &[&str] = &[
    "data.metadata",
    "data.contractData",
    "data.status",
    "data.contractFile",
    "data.auditTrailFile",
];

/// Portals applications come from, as `candidateSource` members (assumed:
/// the enum's members are not published); [`INTEGRATION_TYPES`] holds, at
/// the same place, the `integrationType` each sends.
pub const CANDIDATE_SOURCES: &[&str] = &["IMMOSCOUT24", "IMMOWELT", "KLEINANZEIGEN", "WEBSITE"];
/// The `integrationType` of each of [`CANDIDATE_SOURCES`], in its order (assumed).
pub const INTEGRATION_TYPES: &[&str] = &["IS24", "IMMOWELT", "KLEINANZEIGEN", "WEBSITE"];
const _: () = assert!(CANDIDATE_SOURCES.len() == INTEGRATION_TYPES.len());
/// Employment types an applicant picks (assumed members of `EMPLOYMENT_TYPE`).
pub const EMPLOYMENT_TYPES: &[&str] = &[
    "EMPLOYEE",
    "SELF_EMPLOYED",
    "CIVIL_SERVANT",
    "STUDENT",
    "RETIRED",
];
/// `contractFlowType` members: how a contract is concluded (documented:
/// [`CONTRACT_FLOW_TYPE_SOURCE`]).
pub const CONTRACT_FLOW_TYPES: &[&str] = &[
    "VIRTUAL",
    "OFFLINE",
    "DOWNLOAD_UPLOAD",
    "ELECTRONIC_SIGNATURE_V2",
    "ELECTRONIC_SIGNATURE_QES",
];
/// Keys of a contract event's `contractData`: the Contract's `terms`, in
/// the page's order ([`CONTRACT_TERMS_SOURCE`]). That the webhook's
/// `contractData` has this shape is assumed ([`CONTRACT_DATA_SHAPE`]).
pub const CONTRACT_TERMS_KEYS: &[&str] = &[
    "rent",
    "deposit",
    "heatingCosts",
    "utilityCosts",
    "totalMonthlyRent",
    "contractStartDate",
    "contractEndDate",
];
/// `IHouseholdPersonsValue` types (assumed: the interface is not published).
const ADULT: &str = "ADULT";
const CHILD: &str = "CHILD";
pub const HOUSEHOLD_PERSON_TYPES: &[&str] = &[ADULT, CHILD];
/// A listing's status (assumed members: EverReal publishes none).
const LISTING_STATUS_ACTIVE: &str = "ACTIVE";
const LISTING_STATUS_INACTIVE: &str = "INACTIVE";
const LISTING_STATUS_ARCHIVED: &str = "ARCHIVED";
pub const LISTING_STATUSES: &[&str] = &[
    LISTING_STATUS_ACTIVE,
    LISTING_STATUS_INACTIVE,
    LISTING_STATUS_ARCHIVED,
];
/// Kinds of handover protocol (assumed members: EverReal publishes none).
pub const PROTOCOL_TYPES: &[&str] = &["MOVE_IN", "MOVE_OUT"];
/// Portals a listing is published to (assumed).
pub const CHANNELS: &[&str] = &["IMMOSCOUT24", "IMMOWELT", "KLEINANZEIGEN", "HOMEPAGE"];
/// The `language` of a delivery (assumed: the customer's; most work in German).
const GERMAN: &str = "de";
const ENGLISH: &str = "en";
pub const LANGUAGES: &[&str] = &[GERMAN, ENGLISH];
/// EverReal customers, as their subdomains (assumed: fictitious property managers).
const SUBDOMAINS: &[&str] = &[
    "wohnbau-nord",
    "stadtwohnen",
    "rheinland-immobilien",
    "isar-wohnbau",
    "hausverwaltung-becker",
];

/// Deliveries happen in this window (assumed: recent, fixed so snapshots stay put).
const DELIVERIES_FROM: UtcDateTime = UtcDateTime::from_date(2024, 1, 1);
const DELIVERIES_UNTIL: UtcDateTime = UtcDateTime::from_date(2026, 1, 1);

const POLICY_ASSUMPTION: &str = "EverReal documents no delivery policy; the common default";
const CONNECT_TIMEOUT: Fact<Duration> = Fact::assumed(Duration::from_secs(10), POLICY_ASSUMPTION);
const RESPONSE_TIMEOUT: Fact<Duration> = Fact::assumed(Duration::from_secs(10), POLICY_ASSUMPTION);
const SUCCESS: Fact<SuccessRule> = Fact::assumed(SuccessRule::Any2xx, POLICY_ASSUMPTION);
const REDIRECTS_FAIL: Fact<bool> = Fact::assumed(
    true,
    "EverReal documents no redirect handling; a 3xx is taken as a failed attempt",
);
/// Retry gaps (assumed): EverReal documents none, so [`Schedule::standard_webhooks`].
const SCHEDULE_ASSUMPTION: &str = "EverReal documents no retries; Standard Webhooks' gaps: \
     5 s, 5 m, 30 m, 2 h, 5 h, 10 h, 10 h";

/// EverReal's webhook sender.
#[derive(Debug, Clone, Copy, Default)]
pub struct EverReal;

impl Provider for EverReal {
    fn id(&self) -> ProviderId {
        ProviderId::EverReal
    }

    fn title(&self) -> &'static str {
        "EverReal external-integration webhooks (Germany; rentals)"
    }

    fn documentation(&self) -> &'static str {
        DOCUMENTATION
    }

    fn events(&self) -> &'static [EventSpec] {
        EVENTS
    }

    fn build(&self, event: &str, rng: &mut SeededRng) -> Result<Value, SimulatorError> {
        let spec = self.event(event)?;
        let uuid = fake::uuid_v4(rng).to_string();
        let subdomain = fake::one_of(SUBDOMAINS, rng);
        // Assumed: most EverReal customers work in German.
        let language = if rng.random_bool(0.85) {
            GERMAN
        } else {
            ENGLISH
        };
        let created_at = calendar::between(rng, DELIVERIES_FROM, DELIVERIES_UNTIL);
        let data = event_data(spec.name, created_at, rng);
        Ok(json!({
            "uuid": uuid,
            // Assumed: the operation is the event type the webhook was registered for.
            "operation": spec.name,
            "subdomain": subdomain,
            "language": language,
            // Documented as a `Date`, which JSON.stringify writes as ISO 8601 with ms.
            "createdAt": created_at.iso8601_millis(),
            "data": data,
        }))
    }

    /// Compact JSON, as `JSON.stringify` writes it (assumed).
    fn encoding(&self) -> Encoding {
        Encoding::Compact
    }

    /// Assumed: EverReal documents no signature or shared secret.
    fn signature(&self) -> Option<SignatureScheme> {
        None
    }

    /// JSON (assumed header: the docs show JSON bodies, not headers).
    fn headers(&self, _stamp: &AttemptStamp) -> Vec<HeaderLine> {
        HeaderLine::all_fixed(&[JSON_CONTENT_TYPE])
    }

    fn header_facts(&self) -> &'static [Fact<&'static str>] {
        const FACTS: &[Fact<&str>] = &[Fact::assumed(
            "Content-Type",
            "the docs show JSON bodies, not headers; application/json is the usual value",
        )];
        FACTS
    }

    fn policy(&self) -> DeliveryPolicy {
        DeliveryPolicy {
            connect_timeout: CONNECT_TIMEOUT,
            response_timeout: RESPONSE_TIMEOUT,
            success: SUCCESS,
            schedule: Fact::assumed(Schedule::standard_webhooks(), SCHEDULE_ASSUMPTION),
            redirects_fail: REDIRECTS_FAIL,
        }
    }

    /// Nothing to set: deliveries carry no secret.
    fn settings(&self) -> &'static [SettingSpec] {
        &[]
    }

    /// The envelope's `uuid` names one delivery's event (documented on each
    /// event's page; that receivers dedupe on it is assumed).
    fn identity_paths(&self) -> &'static [&'static str] {
        &["uuid"]
    }

    fn fuzz_paths(&self, event: &str) -> FuzzPaths {
        event_fuzz_paths(event)
    }

    /// The attributes the pages of the documented events mark optional
    /// (`?`): an interface's optional attribute is left out of the JSON when
    /// it has no value. None for the events whose data is assumed.
    fn fuzz_optional(&self, event: &str) -> &'static [&'static str] {
        match event {
            CANDIDATE_PARSED => CANDIDATE_PARSED_OPTIONAL_PATHS,
            LISTING_CANDIDATE_APPLIED => CANDIDATE_APPLIED_OPTIONAL_PATHS,
            CONTRACT_FLOW_SIGNED => CONTRACT_SIGNED_OPTIONAL_PATHS,
            _ => &[],
        }
    }

    /// Assumed (EverReal publishes no stability rule): `CANDIDATE_SOURCE`
    /// follows the portals EverReal integrates, `UNIT_TYPE` and
    /// `PROPERTY_TYPE` its product, and the webhook page already lists
    /// events the seed does not; `everreal/enum-values-may-grow` asks the
    /// same of a receiver.
    fn enums_may_grow(&self) -> bool {
        true
    }

    /// Assumed (EverReal publishes no stability rule): `data` is given as
    /// TypeScript interfaces with no promise that they are closed, and
    /// CANDIDATE_PARSED's already has fourteen optional attributes;
    /// `everreal/attributes-may-be-added` asks the same of a receiver.
    fn attributes_may_be_added(&self) -> bool {
        true
    }
}

/// What the fuzzer may vary in `event`, following [`event_data`]'s shapes;
/// nothing for deletions (an id only) and events not in the catalogue.
fn event_fuzz_paths(event: &str) -> FuzzPaths {
    match event {
        LISTING_CREATED | LISTING_UPDATED | LISTING_ARCHIVED | LISTING_ACTIVATED
        | LISTING_DEACTIVATED => LISTING_FUZZ,
        LISTING_PUBLISHED_TO_CHANNEL | LISTING_UNPUBLISHED_FROM_CHANNEL => LISTING_CHANNEL_FUZZ,
        CANDIDATE_PARSED => CANDIDATE_PARSED_FUZZ,
        LISTING_CANDIDATE_APPLIED => CANDIDATE_APPLIED_FUZZ,
        SCHEDULE_INVITED_VIEWING
        | SCHEDULE_NEW_TIMESLOTS_REQUESTED
        | SCHEDULE_TIMESLOT_BOOKED_ADMIN
        | SCHEDULE_TIMESLOT_BOOKED_CANDIDATE
        | SCHEDULE_BOOKING_REMOVED_ADMIN
        | SCHEDULE_BOOKING_REMOVED_CANDIDATE => VIEWING_FUZZ,
        CONTRACT_FLOW_STARTED | CONTRACT_FLOW_WITHDRAWN | CONTRACT_FLOW_PARTIALLY_SIGNED => {
            CONTRACT_FUZZ
        }
        CONTRACT_FLOW_SIGNED => CONTRACT_SIGNED_FUZZ,
        OWNER_CREATED | OWNER_UPDATED => OWNER_FUZZ,
        PROPERTY_CREATED | PROPERTY_UPDATED => PROPERTY_FUZZ,
        UNIT_CREATED | UNIT_UPDATED => UNIT_FUZZ,
        PROTOCOL_COMPLETED => PROTOCOL_FUZZ,
        _ => FuzzPaths::NONE,
    }
}

/// The `data` of `event`, which is in the catalogue.
fn event_data(event: &str, created_at: UtcDateTime, rng: &mut SeededRng) -> Value {
    match event {
        LISTING_CREATED | LISTING_DEACTIVATED => listing_data(LISTING_STATUS_INACTIVE, None, rng),
        LISTING_UPDATED | LISTING_ACTIVATED => listing_data(LISTING_STATUS_ACTIVE, None, rng),
        LISTING_ARCHIVED => listing_data(LISTING_STATUS_ARCHIVED, None, rng),
        LISTING_PUBLISHED_TO_CHANNEL | LISTING_UNPUBLISHED_FROM_CHANNEL => {
            let channel = fake::one_of(CHANNELS, rng);
            listing_data(LISTING_STATUS_ACTIVE, Some(channel), rng)
        }
        CANDIDATE_PARSED => candidate_parsed(created_at, rng),
        LISTING_CANDIDATE_APPLIED => candidate_applied(rng),
        SCHEDULE_INVITED_VIEWING | SCHEDULE_NEW_TIMESLOTS_REQUESTED => viewing(None, rng),
        SCHEDULE_TIMESLOT_BOOKED_ADMIN
        | SCHEDULE_TIMESLOT_BOOKED_CANDIDATE
        | SCHEDULE_BOOKING_REMOVED_ADMIN
        | SCHEDULE_BOOKING_REMOVED_CANDIDATE => viewing(Some(created_at), rng),
        CONTRACT_FLOW_STARTED => contract(ContractStage::Started, created_at, rng),
        CONTRACT_FLOW_WITHDRAWN => contract(ContractStage::Withdrawn, created_at, rng),
        CONTRACT_FLOW_PARTIALLY_SIGNED => contract(ContractStage::PartiallySigned, created_at, rng),
        CONTRACT_FLOW_SIGNED => contract(ContractStage::Signed, created_at, rng),
        OWNER_CREATED | OWNER_UPDATED => owner(rng),
        PROPERTY_CREATED | PROPERTY_UPDATED => property(rng),
        UNIT_CREATED | UNIT_UPDATED => unit(rng),
        PROTOCOL_COMPLETED => protocol(created_at, rng),
        // The deletions, and any event added to the catalogue without a shape of its own.
        _ => json!({ "id": id(rng) }),
    }
}

fn id(rng: &mut SeededRng) -> String {
    fake::uuid_v4(rng).to_string()
}

/// A Google Places id, as `placeId` looks (assumed: the name says so).
fn place_id(rng: &mut SeededRng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let tail: String = (0..23)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("ChIJ{tail}")
}

/// A coordinate near `centre`, to six decimals (about 10 cm).
fn near(centre: f64, rng: &mut SeededRng) -> f64 {
    let value = centre + rng.random_range(-0.01..0.01);
    (value * 1e6).round() / 1e6
}

/// The address of a property, in the webhook's own field names (documented).
fn address(rng: &mut SeededRng) -> Value {
    let place = fake::german_place(rng);
    json!({
        "zip": place.postcode,
        "city": place.city,
        "streetNumber": fake::street_number(&DE_DE, rng),
        "streetName": fake::german_street(rng),
        "placeId": place_id(rng),
        "location": {
            "lat": near(place.latitude, rng),
            "lng": near(place.longitude, rng),
        },
    })
}

/// A property manager's object number (assumed format: four digits).
fn object_number(rng: &mut SeededRng) -> String {
    format!("{:04}", rng.random_range(1..=9_999u16))
}

/// Mostly flats, some parking spaces, now and then anything else.
fn unit_type(rng: &mut SeededRng) -> &'static str {
    match rng.random_range(0..10u8) {
        0..=6 => "APARTMENT",
        7 => "PARKING",
        _ => fake::one_of(UNIT_TYPES, rng),
    }
}

/// A unit's display name, the way property managers label them (assumed).
fn unit_name(unit_type: &str, floor: u8, rng: &mut SeededRng) -> String {
    let number = rng.random_range(1..=40u8);
    match unit_type {
        "APARTMENT" => {
            let side = fake::one_of(&["links", "rechts", "Mitte"], rng);
            if floor == 0 {
                format!("WE {number:02} – EG {side}")
            } else {
                format!("WE {number:02} – {floor}. OG {side}")
            }
        }
        "PARKING" => format!("Stellplatz {number}"),
        "HOUSE" => format!("Reihenhaus {number}"),
        "OFFICE" => format!("Büro {number:02}"),
        "STORE" => format!("Ladenlokal {number:02}"),
        _ => format!("Einheit {number:02}"),
    }
}

/// The `listing` object that candidate and viewing events carry (documented).
fn listing_reference(rng: &mut SeededRng) -> Value {
    let property_object = object_number(rng);
    let unit_type = unit_type(rng);
    // Assumed: most properties are buildings; rented units sit in one.
    let property_type = if rng.random_bool(0.95) {
        "BUILDING"
    } else {
        "LAND"
    };
    json!({
        "id": id(rng),
        "property": {
            "id": id(rng),
            "objectId": property_object,
            "type": property_type,
            "address": address(rng),
        },
        "unit": {
            "id": id(rng),
            "objectId": format!("{property_object}-{:03}", rng.random_range(1..=120u16)),
            "name": unit_name(unit_type, rng.random_range(0..=5), rng),
            "type": unit_type,
        },
    })
}

/// Listing events (assumed): the documented listing reference with the
/// listing's status, and the portal for channel events.
fn listing_data(status: &str, channel: Option<&str>, rng: &mut SeededRng) -> Value {
    let mut data = as_map(listing_reference(rng));
    data.insert("status".to_owned(), Value::from(status));
    if let Some(channel) = channel {
        data.insert("channel".to_owned(), Value::from(channel));
    }
    Value::Object(data)
}

/// LISTING_CANDIDATE_APPLIED (documented).
fn candidate_applied(rng: &mut SeededRng) -> Value {
    let applicant = fake::person(&DE_DE, rng);
    let (source, _) = portal(rng);
    json!({
        "id": id(rng),
        "candidateSource": source,
        "email": applicant.email,
        "firstName": applicant.first_name,
        "lastName": applicant.last_name,
        "listing": listing_reference(rng),
    })
}

/// A portal, as its (`candidateSource`, `integrationType`).
fn portal(rng: &mut SeededRng) -> (&'static str, &'static str) {
    let at = rng.random_range(0..CANDIDATE_SOURCES.len());
    (CANDIDATE_SOURCES[at], INTEGRATION_TYPES[at])
}

/// CANDIDATE_PARSED (documented), with each optional attribute left out now
/// and then, as portal forms do not ask for everything (assumed).
fn candidate_parsed(created_at: UtcDateTime, rng: &mut SeededRng) -> Value {
    let applicant = fake::person(&DE_DE, rng);
    let home = fake::german_place(rng);
    let (source, integration_type) = portal(rng);
    let portal_id = rng.random_range(100_000_000..=999_999_999u32).to_string();
    let external_listing_id = rng.random_range(100_000_000..=199_999_999u32).to_string();
    let listing_id = id(rng);
    let people = rng.random_range(1..=5u8);
    let income_from = rng.random_range(3..=10u32) * 500;
    let moving_in = created_at.plus_days(rng.random_range(14..=120));

    let mut data = Map::new();
    let mut put = |key: &str, value: Value| {
        data.insert(key.to_owned(), value);
    };
    put("portalId", Value::from(portal_id));
    put(
        "externalListingId",
        Value::from(external_listing_id.clone()),
    );
    let optional: [(&str, Value); 14] = [
        ("internalId", Value::from(listing_id.clone())),
        ("phoneNumber", Value::from(applicant.phone.clone())),
        ("street", Value::from(fake::german_street(rng))),
        ("number", Value::from(fake::street_number(&DE_DE, rng))),
        ("zipCode", Value::from(home.postcode)),
        ("city", Value::from(home.city)),
        (
            "employmentType",
            json!({ "selectedValue": fake::one_of(EMPLOYMENT_TYPES, rng) }),
        ),
        (
            "hasPets",
            if rng.random_bool(0.3) {
                json!({ "checked": true, "answer": "Eine Katze" })
            } else {
                json!({ "checked": false })
            },
        ),
        (
            "netMonthlyIncome",
            Value::from(income_from + rng.random_range(0..500u32)),
        ),
        (
            "netMonthlyIncomeRanges",
            json!({ "from": income_from, "to": income_from + 500 }),
        ),
        ("noTotalPeopleMovingIn", Value::from(people)),
        (
            "householdPersons",
            // Assumed shape of IHouseholdPersonsValue: one entry per person.
            json!({
                "count": people,
                "values": (0..people)
                    .map(|n| json!({ "type": if n < 2 { ADULT } else { CHILD } }))
                    .collect::<Vec<_>>(),
            }),
        ),
        ("message", Value::from(fake::lead_message(&DE_DE, rng))),
        ("desiredStartDate", Value::from(moving_in.date())),
    ];
    let mut optional = optional.into_iter();
    // Documented order: internalId comes before candidateSource, the rest after lastName.
    if let Some((key, value)) = optional.next()
        && rng.random_bool(0.8)
    {
        put(key, value);
    }
    put("candidateSource", Value::from(source));
    put("integrationType", Value::from(integration_type));
    put("email", Value::from(applicant.email));
    put("firstName", Value::from(applicant.first_name));
    put("lastName", Value::from(applicant.last_name));
    for (key, value) in optional {
        if rng.random_bool(0.8) {
            put(key, value);
        }
    }
    put(
        "integration",
        json!({
            "id": id(rng),
            "listingId": listing_id,
            "companyIntegrationId": id(rng),
            "internalId": rng.random_range(10_000..=99_999u32),
            "type": integration_type,
            "externalListingId": external_listing_id,
        }),
    );
    Value::Object(data)
}

/// Viewing events: the documented invitation, plus (assumed) the booked or
/// removed time slot, a half-hour viewing during working hours.
fn viewing(slot_after: Option<UtcDateTime>, rng: &mut SeededRng) -> Value {
    let candidate = fake::person(&DE_DE, rng);
    let mut data = Map::new();
    data.insert("invitationId".to_owned(), Value::from(id(rng)));
    data.insert("listing".to_owned(), listing_reference(rng));
    data.insert(
        "candidate".to_owned(),
        json!({ "id": id(rng), "email": candidate.email }),
    );
    if let Some(after) = slot_after {
        let day =
            UtcDateTime::from_unix_ms(after.unix_ms() - after.unix_ms().rem_euclid(86_400_000));
        // 07:00-16:00 UTC is 08:00/09:00-17:00/18:00 in Germany.
        let start = day
            .plus_days(rng.random_range(1..=14))
            .plus_hours(rng.random_range(7..=15))
            .plus_minutes(30 * rng.random_range(0..=1));
        data.insert(
            "timeslot".to_owned(),
            json!({
                "id": id(rng),
                "startDate": start.iso8601_millis(),
                "endDate": start.plus_minutes(30).iso8601_millis(),
            }),
        );
    }
    Value::Object(data)
}

/// Where a contract is in its flow: one per contracting event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContractStage {
    Started,
    Withdrawn,
    PartiallySigned,
    Signed,
}

impl ContractStage {
    /// Assumed members of `CONTRACT_STATUS`, one per stage.
    const fn status(self) -> &'static str {
        match self {
            Self::Started => "STARTED",
            Self::Withdrawn => "WITHDRAWN",
            Self::PartiallySigned => "PARTIALLY_SIGNED",
            Self::Signed => "SIGNED",
        }
    }
}

/// `CONTRACT_STATUS` members (assumed: EverReal publishes none), one per stage.
pub const CONTRACT_STATUSES: &[&str] = &[
    ContractStage::Started.status(),
    ContractStage::Withdrawn.status(),
    ContractStage::PartiallySigned.status(),
    ContractStage::Signed.status(),
];

/// A PDF in EverReal's document store under `folder/owner_id` (attribute
/// names documented for contract files; values assumed).
fn stored_file(folder: &str, owner_id: &str, name: &str, order: u8, rng: &mut SeededRng) -> Value {
    json!({
        "name": name,
        "resourcePath": format!("{folder}/{owner_id}/{name}"),
        "order": order,
        "size": rng.random_range(80_000..=900_000u32),
        "type": "application/pdf",
    })
}

/// A contract's `terms` (keys documented on the contract query page; that
/// `contractData` carries them, and the amounts, are assumed): rent from the
/// first of a month one to three months ahead, three months' deposit (the
/// German legal maximum), open-ended mostly, else for two years.
fn contract_terms(created_at: UtcDateTime, rng: &mut SeededRng) -> Value {
    let rent = rng.random_range(45..=260u32) * 10;
    let heating_costs = rng.random_range(5..=20u32) * 10;
    let utility_costs = rng.random_range(8..=30u32) * 10;
    let start = created_at.plus_days(rng.random_range(30..=90)).civil();
    let end = if rng.random_bool(0.85) {
        Value::Null
    } else {
        Value::from(format!("{:04}-{:02}-01", start.year + 2, start.month))
    };
    json!({
        "rent": rent,
        "deposit": rent * 3,
        "heatingCosts": heating_costs,
        "utilityCosts": utility_costs,
        "totalMonthlyRent": rent + heating_costs + utility_costs,
        "contractStartDate": format!("{:04}-{:02}-01", start.year, start.month),
        "contractEndDate": end,
    })
}

/// Contract events: STARTED and SIGNED as documented (the template id only
/// when started, the audit trail only when signed); WITHDRAWN and
/// PARTIALLY_SIGNED assumed to share their shape.
fn contract(stage: ContractStage, created_at: UtcDateTime, rng: &mut SeededRng) -> Value {
    let contract_id = id(rng);
    let mut data = Map::new();
    data.insert("id".to_owned(), Value::from(contract_id.clone()));
    if stage == ContractStage::Started {
        data.insert("contractTemplateId".to_owned(), Value::from(id(rng)));
    }
    data.insert(
        "metadata".to_owned(),
        json!({ "unitId": id(rng), "listingId": id(rng), "candidateId": id(rng) }),
    );
    data.insert("contractData".to_owned(), contract_terms(created_at, rng));
    data.insert("status".to_owned(), Value::from(stage.status()));
    data.insert(
        "contractFlowType".to_owned(),
        Value::from(fake::one_of(CONTRACT_FLOW_TYPES, rng)),
    );
    let file = |name: &str, order: u8, rng: &mut SeededRng| {
        stored_file("contracts", &contract_id, name, order, rng)
    };
    data.insert("contractFile".to_owned(), file("Mietvertrag.pdf", 0, rng));
    if stage == ContractStage::Signed {
        data.insert(
            "auditTrailFile".to_owned(),
            file("Signaturprotokoll.pdf", 1, rng),
        );
    }
    Value::Object(data)
}

/// PROTOCOL_COMPLETED (assumed throughout): a move-in or move-out handover
/// protocol of a unit under a contract, completed shortly before the
/// delivery, with its PDF.
fn protocol(created_at: UtcDateTime, rng: &mut SeededRng) -> Value {
    let protocol_id = id(rng);
    let completed = created_at.plus_minutes(-rng.random_range(1..=30));
    let kind = fake::one_of(PROTOCOL_TYPES, rng);
    json!({
        "id": protocol_id,
        "type": kind,
        "metadata": { "unitId": id(rng), "contractId": id(rng) },
        "completedAt": completed.iso8601_millis(),
        "protocolFile": stored_file("protocols", &protocol_id, "Übergabeprotokoll.pdf", 0, rng),
    })
}

/// Owner events (assumed): the GraphQL OwnerInput's fields with EverReal's id;
/// `companyName` is null for private owners (nullable in the GraphQL schema).
fn owner(rng: &mut SeededRng) -> Value {
    let person = fake::person(&DE_DE, rng);
    let place = fake::german_place(rng);
    let company = if rng.random_bool(0.3) {
        Value::from(format!("{} Grundbesitz GmbH", person.last_name))
    } else {
        Value::Null
    };
    json!({
        "id": id(rng),
        "externalOwnerId": format!("{}+{:06}", rng.random_range(10_000..=99_999u32), rng.random_range(0..1_000_000u32)),
        "firstName": person.first_name,
        "lastName": person.last_name,
        "companyName": company,
        "email": person.email,
        "phoneNo": person.phone,
        "address": {
            "streetName": fake::german_street(rng),
            "streetNumber": fake::street_number(&DE_DE, rng),
            "zipCode": place.postcode,
            "city": place.city,
            "country": "DE",
        },
    })
}

/// Property events (assumed): the documented property reference plus a name
/// and category.
fn property(rng: &mut SeededRng) -> Value {
    let address = address(rng);
    let street = address["streetName"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let number = address["streetNumber"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    json!({
        "id": id(rng),
        "objectId": object_number(rng),
        "name": format!("{street} {number}"),
        "type": "BUILDING",
        "category": fake::one_of(PROPERTY_CATEGORIES, rng),
        "address": address,
    })
}

/// Unit events (assumed): the documented unit reference plus some UnitInput
/// fields; living area and rooms are null for units without them (both
/// nullable in the GraphQL schema).
fn unit(rng: &mut SeededRng) -> Value {
    let unit_type = unit_type(rng);
    let floor = rng.random_range(0..=5u8);
    let (living_surface, rooms, target_rent) = match unit_type {
        "APARTMENT" | "HOUSE" => {
            let area = rng.random_range(28..=140u32);
            // Cold rent per square metre in German cities, in whole euros.
            let rent = area * rng.random_range(8..=19u32);
            let rooms = (area / 25).clamp(1, 5);
            (
                Value::from(area),
                json!({ "rooms": rooms, "bathrooms": 1 }),
                rent,
            )
        }
        "PARKING" => (Value::Null, Value::Null, rng.random_range(4..=15u32) * 10),
        _ => (Value::Null, Value::Null, rng.random_range(40..=400u32) * 10),
    };
    json!({
        "id": id(rng),
        "objectId": format!("{}-{:03}", object_number(rng), rng.random_range(1..=120u16)),
        "name": unit_name(unit_type, floor, rng),
        "type": unit_type,
        "propertyId": id(rng),
        "floorNo": floor,
        "livingSurface": living_surface,
        "rooms": rooms,
        "targetRent": target_rent,
    })
}

/// The object inside `value`; builders only pass objects made with `json!({..})`.
fn as_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::seeded_rng;

    fn build(event: &str, seed: u64) -> Value {
        EverReal
            .build(event, &mut seeded_rng(seed))
            .expect("the event is in the catalogue")
    }

    fn keys(value: &Value) -> Vec<&str> {
        value
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    fn assert_listing_reference(listing: &Value) {
        assert_eq!(keys(listing), LISTING_REFERENCE_KEYS);
        assert_eq!(keys(&listing["property"]), PROPERTY_REFERENCE_KEYS);
        assert_eq!(keys(&listing["property"]["address"]), ADDRESS_KEYS);
        assert_eq!(keys(&listing["unit"]), UNIT_REFERENCE_KEYS);
        assert!(PROPERTY_TYPES.contains(&listing["property"]["type"].as_str().unwrap_or("?")));
        assert!(UNIT_TYPES.contains(&listing["unit"]["type"].as_str().unwrap_or("?")));
        let location = &listing["property"]["address"]["location"];
        assert!(
            location["lat"].is_f64() && location["lng"].is_f64(),
            "{location}"
        );
        let zip = listing["property"]["address"]["zip"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(zip.len(), 5);
    }

    fn is_uuid_v4(value: &Value) -> bool {
        value
            .as_str()
            .and_then(|s| uuid::Uuid::parse_str(s).ok())
            .is_some_and(|u| u.get_version_num() == 4)
    }

    /// True when `path` may be missing from a built payload: an ancestor is
    /// null, or the path sits under an attribute CANDIDATE_PARSED's interface
    /// marks optional (`hasPets.answer` is itself optional).
    fn may_be_absent(event: &str, payload: &Value, path: &str) -> bool {
        let segments: Vec<&str> = path.split('.').collect();
        let null_ancestor = (1..segments.len()).any(|depth| {
            crate::payload::get_path(payload, &segments[..depth].join("."))
                .is_some_and(Value::is_null)
        });
        let optional = event == CANDIDATE_PARSED
            && (CANDIDATE_PARSED_OPTIONAL_KEYS.contains(&segments[1])
                || path == "data.hasPets.answer");
        null_ancestor || optional
    }

    /// Every declared path resolves to a value of its kind (`is_kind`), or
    /// to null where declared nullable, or may be absent; and each resolves
    /// to its kind for some seed, so no path is a typo.
    fn assert_paths(event: &str, paths: &[&str], kind: &str, is_kind: fn(&Value) -> bool) {
        let nullable = EverReal.fuzz_paths(event).nullable;
        for path in paths {
            let mut seen = false;
            for seed in 0..60 {
                let payload = build(event, seed);
                match crate::payload::get_path(&payload, path) {
                    Some(value) if is_kind(value) => seen = true,
                    Some(Value::Null) if nullable.contains(path) => {}
                    None if may_be_absent(event, &payload, path) => {}
                    other => panic!("{event} {path} at seed {seed}: {other:?} is not a {kind}"),
                }
            }
            assert!(seen, "{event} {path} is never a {kind}");
        }
    }

    #[test]
    fn fuzz_paths_resolve_to_their_documented_types() {
        for spec in EverReal.events() {
            let event = spec.name;
            assert_paths(
                event,
                EverReal.fuzz_paths(event).free_text,
                "string",
                Value::is_string,
            );
            assert_paths(
                event,
                EverReal.fuzz_paths(event).free_numbers,
                "number",
                Value::is_number,
            );
            assert_paths(
                event,
                EverReal.fuzz_paths(event).enums,
                "string",
                Value::is_string,
            );
            for path in EverReal.fuzz_paths(event).nullable {
                for seed in 0..60 {
                    let payload = build(event, seed);
                    assert!(
                        crate::payload::get_path(&payload, path).is_some()
                            || may_be_absent(event, &payload, path),
                        "{event} {path} at seed {seed}"
                    );
                }
            }
        }
    }

    #[test]
    fn nullable_paths_are_null_in_some_built_payload() {
        for spec in EverReal.events() {
            for path in EverReal.fuzz_paths(spec.name).nullable {
                assert!(
                    (0..60).any(|seed| {
                        crate::payload::get_path(&build(spec.name, seed), path)
                            .is_some_and(Value::is_null)
                    }),
                    "{} {path} is never built null",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn every_event_but_the_deletions_declares_something_to_vary() {
        for spec in EverReal.events() {
            let event = spec.name;
            let declared = [
                EverReal.fuzz_paths(event).nullable,
                EverReal.fuzz_paths(event).free_text,
                EverReal.fuzz_paths(event).free_numbers,
                EverReal.fuzz_paths(event).enums,
            ]
            .concat();
            let deletion = [OWNER_DELETED, PROPERTY_DELETED, UNIT_DELETED].contains(&event);
            assert_eq!(declared.is_empty(), deletion, "{event}");
            let surface = crate::fuzz::FuzzSurface::new(ProviderId::EverReal.provider(), event)
                .expect("in the catalogue");
            // Deletions still get new attributes on the envelope.
            assert!(!surface.is_empty(), "{event}");
        }
        assert!(EverReal.fuzz_paths("LISTING_DELETED").free_text.is_empty());
    }

    #[test]
    fn the_catalogue_lists_the_seeds_28_events_and_protocol_completed() {
        assert_eq!(EverReal.events().len(), 29);
        let mut names: Vec<&str> = EverReal.events().iter().map(|e| e.name).collect();
        assert_eq!(names.last(), Some(&PROTOCOL_COMPLETED));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 29, "no event twice");
        let protocol = EverReal
            .event(PROTOCOL_COMPLETED)
            .expect("in the catalogue");
        assert!(
            protocol.provenance.is_assumed(),
            "its data is not published"
        );
    }

    #[test]
    fn protocol_completed_carries_its_protocol_and_file() {
        for seed in 0..50 {
            let body = build(PROTOCOL_COMPLETED, seed);
            let data = &body["data"];
            assert_eq!(
                keys(data),
                ["id", "type", "metadata", "completedAt", "protocolFile"]
            );
            assert!(is_uuid_v4(&data["id"]));
            assert!(PROTOCOL_TYPES.contains(&data["type"].as_str().unwrap_or("?")));
            let completed = data["completedAt"].as_str().expect("a date");
            assert!(completed < body["createdAt"].as_str().expect("a date"));
            assert_eq!(
                keys(&data["protocolFile"]),
                ["name", "resourcePath", "order", "size", "type"]
            );
        }
    }

    #[test]
    fn contract_flow_types_are_the_documented_ones() {
        let mut seen = std::collections::BTreeSet::new();
        for event in [
            CONTRACT_FLOW_STARTED,
            CONTRACT_FLOW_WITHDRAWN,
            CONTRACT_FLOW_PARTIALLY_SIGNED,
            CONTRACT_FLOW_SIGNED,
        ] {
            for seed in 0..200 {
                let flow_type = build(event, seed)["data"]["contractFlowType"]
                    .as_str()
                    .expect("a string")
                    .to_owned();
                assert!(
                    CONTRACT_FLOW_TYPES.contains(&flow_type.as_str()),
                    "{event} at seed {seed}: {flow_type}"
                );
                seen.insert(flow_type);
            }
        }
        assert_eq!(
            seen.len(),
            CONTRACT_FLOW_TYPES.len(),
            "every member is sent"
        );
        assert_eq!(
            CONTRACT_FLOW_TYPES,
            [
                "VIRTUAL",
                "OFFLINE",
                "DOWNLOAD_UPLOAD",
                "ELECTRONIC_SIGNATURE_V2",
                "ELECTRONIC_SIGNATURE_QES"
            ]
        );
    }

    #[test]
    fn contract_facts_cite_the_contract_query_page() {
        for source in [CONTRACT_FLOW_TYPE_SOURCE, CONTRACT_TERMS_SOURCE] {
            assert_eq!(source.page, CONTRACT_QUERY_DOCUMENTATION);
            assert!(source.page.starts_with("https://api-docs.everreal.co/"));
        }
        assert!(CONTRACT_DATA_SHAPE.is_assumed());
        assert!(CONTRACT_DATA_SHAPE.to_string().contains("likely shape"));
    }

    #[test]
    fn contract_data_follows_the_contract_terms() {
        let mut open_ended = 0;
        for seed in 0..200 {
            let terms = &build(CONTRACT_FLOW_SIGNED, seed)["data"]["contractData"];
            assert_eq!(keys(terms), CONTRACT_TERMS_KEYS, "seed {seed}");
            let amount = |key: &str| terms[key].as_u64().expect("an amount");
            assert_eq!(
                amount("totalMonthlyRent"),
                amount("rent") + amount("heatingCosts") + amount("utilityCosts")
            );
            assert_eq!(amount("deposit"), 3 * amount("rent"));
            let start = terms["contractStartDate"].as_str().expect("a date");
            assert!(start.len() == 10 && start.ends_with("-01"), "{start}");
            match &terms["contractEndDate"] {
                Value::Null => open_ended += 1,
                Value::String(end) => assert!(end.as_str() > start, "{end} after {start}"),
                other => panic!("contractEndDate {other}"),
            }
        }
        assert!(open_ended > 100 && open_ended < 200, "{open_ended}");
    }

    #[test]
    fn optional_paths_are_documented_and_built() {
        for (event, optional) in [
            (CANDIDATE_PARSED, CANDIDATE_PARSED_OPTIONAL_PATHS),
            (LISTING_CANDIDATE_APPLIED, CANDIDATE_APPLIED_OPTIONAL_PATHS),
            (CONTRACT_FLOW_SIGNED, CONTRACT_SIGNED_OPTIONAL_PATHS),
        ] {
            assert_eq!(EverReal.fuzz_optional(event), optional);
            for path in optional {
                assert!(
                    (0..60)
                        .any(|seed| crate::payload::get_path(&build(event, seed), path).is_some()),
                    "{event} {path} is never built"
                );
            }
        }
        for top in CANDIDATE_PARSED_OPTIONAL_KEYS {
            let path = format!("data.{top}");
            assert!(
                CANDIDATE_PARSED_OPTIONAL_PATHS.contains(&path.as_str()),
                "{path}"
            );
        }
        for event in [CONTRACT_FLOW_STARTED, OWNER_CREATED, PROTOCOL_COMPLETED] {
            assert!(EverReal.fuzz_optional(event).is_empty(), "{event}");
        }
    }

    #[test]
    fn every_event_builds_the_documented_envelope() {
        for spec in EverReal.events() {
            for seed in 0..30 {
                let body = build(spec.name, seed);
                assert_eq!(keys(&body), ENVELOPE_KEYS, "{}", spec.name);
                assert!(is_uuid_v4(&body["uuid"]), "{body}");
                assert_eq!(body["operation"], spec.name);
                assert!(SUBDOMAINS.contains(&body["subdomain"].as_str().unwrap_or("?")));
                assert!(matches!(body["language"].as_str(), Some("de" | "en")));
                let created = body["createdAt"].as_str().expect("createdAt is a string");
                assert_eq!(created.len(), "2020-09-30T10:07:28.052Z".len(), "{created}");
                assert!(created.ends_with('Z'));
                assert!(body["data"].is_object(), "{}", spec.name);
                assert!(!keys(&body["data"]).is_empty(), "{}", spec.name);
            }
        }
    }

    #[test]
    fn candidate_applied_has_the_documented_data() {
        for seed in 0..100 {
            let data = &build(LISTING_CANDIDATE_APPLIED, seed)["data"];
            assert_eq!(keys(data), CANDIDATE_APPLIED_KEYS);
            assert!(is_uuid_v4(&data["id"]));
            assert!(
                data["email"]
                    .as_str()
                    .is_some_and(|e| e.is_ascii() && e.contains('@'))
            );
            assert_listing_reference(&data["listing"]);
        }
    }

    #[test]
    fn viewings_carry_the_documented_invitation() {
        for event in [
            SCHEDULE_INVITED_VIEWING,
            SCHEDULE_NEW_TIMESLOTS_REQUESTED,
            SCHEDULE_TIMESLOT_BOOKED_ADMIN,
            SCHEDULE_BOOKING_REMOVED_CANDIDATE,
        ] {
            let body = build(event, 3);
            let data = &body["data"];
            assert_eq!(keys(data)[..3], *INVITED_VIEWING_KEYS, "{event}");
            assert_listing_reference(&data["listing"]);
            assert_eq!(keys(&data["candidate"]), ["id", "email"]);
            let slot = &data["timeslot"];
            if event == SCHEDULE_INVITED_VIEWING || event == SCHEDULE_NEW_TIMESLOTS_REQUESTED {
                assert!(slot.is_null(), "{event}");
            } else {
                let start = slot["startDate"].as_str().expect("a start");
                assert!(
                    start > body["createdAt"].as_str().expect("createdAt"),
                    "{body}"
                );
            }
        }
    }

    #[test]
    fn candidate_parsed_keeps_required_attributes_and_omits_only_optional_ones() {
        let mut omitted_something = false;
        for seed in 0..100 {
            let data = &build(CANDIDATE_PARSED, seed)["data"];
            let present = keys(data);
            for required in CANDIDATE_PARSED_REQUIRED_KEYS {
                assert!(present.contains(required), "{required} at seed {seed}");
            }
            for key in &present {
                assert!(
                    CANDIDATE_PARSED_REQUIRED_KEYS.contains(key)
                        || CANDIDATE_PARSED_OPTIONAL_KEYS.contains(key),
                    "{key} is not documented"
                );
            }
            omitted_something |= present.len() < 22;
            assert_eq!(
                keys(&data["integration"]),
                [
                    "id",
                    "listingId",
                    "companyIntegrationId",
                    "internalId",
                    "type",
                    "externalListingId"
                ]
            );
            assert!(
                data.as_object()
                    .is_some_and(|o| o.values().all(|v| !v.is_null()))
            );
        }
        assert!(omitted_something);
    }

    #[test]
    fn contracts_follow_the_documented_started_and_signed_shapes() {
        let started = &build(CONTRACT_FLOW_STARTED, 8)["data"];
        assert_eq!(
            keys(started),
            [
                "id",
                "contractTemplateId",
                "metadata",
                "contractData",
                "status",
                "contractFlowType",
                "contractFile"
            ]
        );
        let signed = &build(CONTRACT_FLOW_SIGNED, 8)["data"];
        assert_eq!(
            keys(signed),
            [
                "id",
                "metadata",
                "contractData",
                "status",
                "contractFlowType",
                "contractFile",
                "auditTrailFile"
            ]
        );
        assert_eq!(
            keys(&signed["contractFile"]),
            ["name", "resourcePath", "order", "size", "type"]
        );
        assert_eq!(
            keys(&signed["metadata"]),
            ["unitId", "listingId", "candidateId"]
        );
        assert_eq!(
            build(CONTRACT_FLOW_WITHDRAWN, 8)["data"]["status"],
            "WITHDRAWN"
        );
        assert_eq!(
            keys(&signed["auditTrailFile"]),
            ["name", "resourcePath", "order", "size", "type"]
        );
    }

    #[test]
    fn deletions_carry_the_id_only() {
        for event in [OWNER_DELETED, PROPERTY_DELETED, UNIT_DELETED] {
            let data = &build(event, 2)["data"];
            assert_eq!(keys(data), ["id"]);
            assert!(is_uuid_v4(&data["id"]));
        }
    }

    #[test]
    fn data_is_german() {
        let owner = &build(OWNER_CREATED, 4)["data"];
        assert_eq!(owner["address"]["country"], "DE");
        assert!(
            owner["phoneNo"]
                .as_str()
                .is_some_and(|p| p.starts_with("+491"))
        );
        let mut cities = std::collections::BTreeSet::new();
        for seed in 0..100 {
            let listing = &build(LISTING_UPDATED, seed)["data"];
            cities.insert(
                listing["property"]["address"]["city"]
                    .as_str()
                    .unwrap_or("?")
                    .to_owned(),
            );
        }
        assert!(
            cities.len() > 5
                && cities
                    .iter()
                    .all(|c| DE_DE.postal_cities.contains(&c.as_str()))
        );
    }

    #[test]
    fn same_seed_same_delivery() {
        for spec in EverReal.events() {
            assert_eq!(build(spec.name, 11), build(spec.name, 11), "{}", spec.name);
        }
        assert_ne!(
            build(OWNER_CREATED, 1)["uuid"],
            build(OWNER_CREATED, 2)["uuid"]
        );
    }

    #[test]
    fn unknown_events_are_refused() {
        assert!(matches!(
            EverReal.build("LISTING_DELETED", &mut seeded_rng(1)),
            Err(SimulatorError::UnknownEvent { provider: ProviderId::EverReal, ref event }) if event == "LISTING_DELETED"
        ));
    }

    #[test]
    fn documented_events_name_their_page() {
        let documented: Vec<&str> = EverReal
            .events()
            .iter()
            .filter(|e| !e.provenance.is_assumed())
            .map(|e| e.name)
            .collect();
        assert_eq!(
            documented,
            [
                CANDIDATE_PARSED,
                LISTING_CANDIDATE_APPLIED,
                SCHEDULE_INVITED_VIEWING,
                CONTRACT_FLOW_STARTED,
                CONTRACT_FLOW_SIGNED
            ]
        );
    }

    #[test]
    fn policy_is_assumed_throughout() {
        let policy = EverReal.policy();
        assert!(policy.connect_timeout.provenance.is_assumed());
        assert!(policy.response_timeout.provenance.is_assumed());
        assert!(policy.success.provenance.is_assumed());
        assert!(policy.schedule.provenance.is_assumed());
        assert_eq!(policy.response_timeout.value, Duration::from_secs(10));
        assert!(policy.success.value.accepts(204) && !policy.success.value.accepts(301));
        assert_eq!(policy.schedule.value, Schedule::standard_webhooks());
        assert_eq!(EverReal.signature(), None);
        assert!(EverReal.settings().is_empty());
    }

    #[test]
    fn encodes_compact_json_with_raw_umlauts() {
        let mut body = build(OWNER_CREATED, 6);
        body["data"]["lastName"] = Value::from("Weiß & Söhne");
        let text = String::from_utf8(EverReal.encode(&body)).expect("UTF-8");
        assert!(text.starts_with(r#"{"uuid":""#), "{text}");
        assert!(text.contains(r#""lastName":"Weiß & Söhne""#), "{text}");
    }
}
