//! Visma Real Estate "Flow" Core API webhooks (Norway; the estate agents' case system).
//!
//! Source: "Subscribing to WebHooks" of the Flow Core API ([`DOCUMENTATION`]:
//! no public copy was found, so it is cited by title; each event cites the
//! section the page gives it). Documented there: the envelope `{EventType,
//! EventCreatedDate, Payload}`, the date format (7 fractional digits, local
//! offset), every event type with its Payload shape (integer ids, GUIDs,
//! `DynamicSaleTextChanged`'s array Payload with top-level `RequireReload` and,
//! when false, `DynamicSaleTextHeaderId` and `UpdatedDateTime`), the Finn
//! publication types, the activity-participant types, and the follow-up reads
//! with their SettlementStatus and SellerInsuranceType values. The page lists
//! 22 example bodies for 21 event types: `DynamicSaleTextChanged` has two
//! forms, so the catalogue has 22 entries.
//!
//! Assumed (Flow documents none of it): no delivery signature, 10 s timeouts,
//! any 2xx is success, the Standard Webhooks retry schedule, redirects not
//! followed, the request headers beyond `Content-Type`, id ranges, the integer
//! members of the activities' `Type`, checklist keys, that
//! `EventCreatedDate` is Oslo time (the page shows `+02:00` in April), and
//! that enums may grow and events gain fields (for the fuzzer, as the
//! `flow/enum-values-may-grow` and `flow/attributes-may-be-added` rules do).

use std::ops::RangeInclusive;
use std::time::Duration;

use rand::Rng;
use serde_json::{Map, Value};

use crate::api::flow::CORE_API_DEMO;
use crate::encoding::Encoding;
use crate::error::SimulatorError;
use crate::fake::calendar::{civil_from_days, days_from_civil};
use crate::fake::{self, SeededRng};
use crate::policy::{DeliveryPolicy, Fact, Provenance, Source, SuccessRule};
use crate::providers::{
    AttemptStamp, EventSpec, FuzzPaths, HeaderLine, IntegerEnum, JSON_CONTENT_TYPE, Provider,
    ProviderId, SettingSpec,
};
use crate::schedule::Schedule;
use crate::signing::SignatureScheme;

/// The page every documented fact below comes from.
pub const DOCUMENTATION: &str = "Visma Real Estate Flow Core API, Subscribing to WebHooks";

/// Every event type has a section of its own on the page, named by it.
const fn documented_under(event_type: &'static str) -> Provenance {
    Provenance::Documented {
        source: Source::new(DOCUMENTATION, event_type),
    }
}

/// The catalogue name of `DynamicSaleTextChanged` with `RequireReload: false`
/// (one sale-text header changed; re-read that header).
pub const SALE_TEXT_CHANGED: &str = "DynamicSaleTextChanged";
/// The catalogue name of `DynamicSaleTextChanged` with `RequireReload: true`
/// (texts added, deleted or moved; re-read every text of the case). On the
/// wire its `EventType` is plain `DynamicSaleTextChanged`.
pub const SALE_TEXT_RELOAD: &str = "DynamicSaleTextChanged.Reload";

/// The kinds of number Flow uses as ids. The seed shows every id as the
/// integer `1`; the ranges are assumed, sized like a national system's
/// identity columns (many cases and contacts, few offices and packages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdSpace {
    /// A case ("oppdrag"). `Properties/{id}` endpoints take the same number.
    Case,
    Contact,
    /// A stakeholder ("interessent") on a case.
    Stakeholder,
    /// An activity ("aktivitet"): showing, meeting, task...
    Activity,
    ActivityParticipant,
    Publication,
    MarketingPackage,
    ChecklistItem,
    ChecklistDefinition,
    Employee,
    Office,
    GeneralText,
    SaleTextHeader,
}

impl IdSpace {
    fn range(self) -> RangeInclusive<u32> {
        match self {
            Self::Case => 100_000..=999_999,
            Self::Contact | Self::Stakeholder | Self::ChecklistItem => 1_000_000..=9_999_999,
            Self::Activity | Self::ActivityParticipant => 10_000_000..=99_999_999,
            Self::Publication => 10_000..=999_999,
            Self::MarketingPackage => 1..=500,
            Self::ChecklistDefinition => 1..=2_000,
            Self::Employee => 1..=20_000,
            Self::Office => 1..=2_000,
            Self::GeneralText | Self::SaleTextHeader => 1..=100_000,
        }
    }
}

/// What one Payload field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldValue {
    /// An integer id (documented type; range assumed).
    Id(IdSpace),
    /// A lowercase hyphenated GUID, as in the seed's examples.
    Guid,
    /// `PublicationChanged.Type`: a [`PUBLICATION_TYPES`] number.
    PublicationType,
    /// `Aktivitet*.Type`: an integer (documented); members assumed.
    ActivityTypeNumber,
    /// `ActivityParticipant*.Type`: an [`ACTIVITY_PARTICIPANT_TYPES`] member.
    ParticipantType,
    /// `ActivityParticipant*.StakeholderId`: documented as returned only for
    /// a showing whose contact is a stakeholder on the case; otherwise the
    /// key is left out (assumed reading of "only returned").
    StakeholderIdOfShowing,
    /// `ChecklistItemChecked.Key`: a [`CHECKLIST_KEYS`] member.
    ChecklistKey,
}

/// How an event's Payload is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PayloadShape {
    /// An object with exactly these fields, in the seed's order.
    Object(&'static [(&'static str, FieldValue)]),
    /// `DynamicSaleTextChanged`: an array of `{Id, Guid}`, one per case whose
    /// sale text changed, with `RequireReload` (and, when false,
    /// `DynamicSaleTextHeaderId`, `UpdatedDateTime`) beside the Payload.
    SaleTextCases { require_reload: bool },
}

/// One catalogue entry: the event as scenarios name it, what Flow puts in
/// `EventType`, and the Payload's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CatalogueEntry {
    pub(crate) spec: EventSpec,
    pub(crate) event_type: &'static str,
    pub(crate) payload: PayloadShape,
}

const fn documented(
    name: &'static str,
    summary: &'static str,
    payload: &'static [(&'static str, FieldValue)],
) -> CatalogueEntry {
    CatalogueEntry {
        spec: EventSpec {
            name,
            summary,
            provenance: documented_under(name),
        },
        event_type: name,
        payload: PayloadShape::Object(payload),
    }
}

const CASE_ONLY: &[(&str, FieldValue)] = &[("CaseId", FieldValue::Id(IdSpace::Case))];
const STAKEHOLDER: &[(&str, FieldValue)] = &[
    ("Id", FieldValue::Id(IdSpace::Stakeholder)),
    ("ContactId", FieldValue::Id(IdSpace::Contact)),
    ("CaseId", FieldValue::Id(IdSpace::Case)),
];
const ACTIVITY: &[(&str, FieldValue)] = &[
    ("Id", FieldValue::Id(IdSpace::Activity)),
    ("CaseId", FieldValue::Id(IdSpace::Case)),
    ("Type", FieldValue::ActivityTypeNumber),
];
const ACTIVITY_PARTICIPANT: &[(&str, FieldValue)] = &[
    ("Id", FieldValue::Id(IdSpace::ActivityParticipant)),
    ("CaseId", FieldValue::Id(IdSpace::Case)),
    ("StakeholderId", FieldValue::StakeholderIdOfShowing),
    ("ContactId", FieldValue::Id(IdSpace::Contact)),
    ("ActivityId", FieldValue::Id(IdSpace::Activity)),
    ("Type", FieldValue::ParticipantType),
];

/// Every event in the seed, in its order (documented).
pub(crate) const CATALOGUE: &[CatalogueEntry] = &[
    documented(
        "AppropriationDateChanged",
        "The case's takeover date (\"overtagelsesdato\") changed; re-read TransferDate.",
        CASE_ONLY,
    ),
    documented(
        "CaseStatusChanged",
        "The case's status changed; re-read Status.",
        CASE_ONLY,
    ),
    documented("CaseSold", "The case was marked as sold.", CASE_ONLY),
    documented(
        "PublicationChanged",
        "A Finn publication of the case changed (Type 1 Finn, 150 Finn coming for sale).",
        &[
            ("CaseId", FieldValue::Id(IdSpace::Case)),
            ("PublicationId", FieldValue::Id(IdSpace::Publication)),
            ("Type", FieldValue::PublicationType),
        ],
    ),
    documented("OppdragCreated", "A new case was created.", CASE_ONLY),
    documented(
        "InteressentCreated",
        "A stakeholder was added to a case.",
        STAKEHOLDER,
    ),
    documented(
        "InteressentChanged",
        "A stakeholder's data changed.",
        STAKEHOLDER,
    ),
    documented(
        "InteressentDeleted",
        "A stakeholder was deleted; the Payload carries only its Id (no CaseId).",
        &[("Id", FieldValue::Id(IdSpace::Stakeholder))],
    ),
    documented(
        "AktivitetCreated",
        "An activity was created on a case.",
        ACTIVITY,
    ),
    documented("AktivitetChanged", "An activity changed.", ACTIVITY),
    documented(
        "AktivitetDeleted",
        "An activity was deleted.",
        &[
            ("Id", FieldValue::Id(IdSpace::Activity)),
            ("CaseId", FieldValue::Id(IdSpace::Case)),
        ],
    ),
    documented(
        "SettlementStatusChanged",
        "The settlement status of a case changed; re-read its SettlementStatuses.",
        CASE_ONLY,
    ),
    documented(
        "SellerInsuranceChanged",
        "The seller's insurance choice changed; the Payload carries PropertyId, not CaseId.",
        &[("PropertyId", FieldValue::Id(IdSpace::Case))],
    ),
    documented(
        "MarketingPackageChanged",
        "The case's marketing package changed.",
        &[
            (
                "MarketingPackageId",
                FieldValue::Id(IdSpace::MarketingPackage),
            ),
            ("CaseId", FieldValue::Id(IdSpace::Case)),
            ("CaseGuid", FieldValue::Guid),
        ],
    ),
    documented(
        "ChecklistItemChecked",
        "A checklist item on a case was checked.",
        &[
            ("CaseId", FieldValue::Id(IdSpace::Case)),
            ("CaseGuid", FieldValue::Guid),
            ("Id", FieldValue::Id(IdSpace::ChecklistItem)),
            ("Key", FieldValue::ChecklistKey),
            ("DefinitionId", FieldValue::Id(IdSpace::ChecklistDefinition)),
        ],
    ),
    documented(
        "EmployeeChanged",
        "An employee changed (no CaseId).",
        &[
            ("EmployeeId", FieldValue::Id(IdSpace::Employee)),
            ("EmployeeGuid", FieldValue::Guid),
        ],
    ),
    documented(
        "OfficeChanged",
        "An office changed (no CaseId).",
        &[
            ("OfficeId", FieldValue::Id(IdSpace::Office)),
            ("OfficeGuid", FieldValue::Guid),
        ],
    ),
    CatalogueEntry {
        spec: EventSpec {
            name: SALE_TEXT_RELOAD,
            summary: "DynamicSaleTextChanged, RequireReload true: sale texts added, deleted or \
                      moved; ARRAY Payload of {Id, Guid} cases; re-read all their texts.",
            provenance: documented_under(SALE_TEXT_CHANGED),
        },
        event_type: SALE_TEXT_CHANGED,
        payload: PayloadShape::SaleTextCases {
            require_reload: true,
        },
    },
    CatalogueEntry {
        spec: EventSpec {
            name: SALE_TEXT_CHANGED,
            summary: "DynamicSaleTextChanged, RequireReload false: one text changed; ARRAY \
                      Payload of {Id, Guid} cases plus DynamicSaleTextHeaderId, UpdatedDateTime.",
            provenance: documented_under(SALE_TEXT_CHANGED),
        },
        event_type: SALE_TEXT_CHANGED,
        payload: PayloadShape::SaleTextCases {
            require_reload: false,
        },
    },
    documented(
        "HyperlinkChanged",
        "A hyperlink in one of the case's general texts changed.",
        &[
            ("GeneralTextId", FieldValue::Id(IdSpace::GeneralText)),
            ("CaseId", FieldValue::Id(IdSpace::Case)),
            ("CaseGuid", FieldValue::Guid),
        ],
    ),
    documented(
        "ActivityParticipantCreated",
        "A participant was added to an activity (StakeholderId only for showings).",
        ACTIVITY_PARTICIPANT,
    ),
    documented(
        "ActivityParticipantDeleted",
        "A participant was removed from an activity (StakeholderId only for showings).",
        ACTIVITY_PARTICIPANT,
    ),
];

const CATALOGUE_LEN: usize = CATALOGUE.len();

/// The catalogue's [`EventSpec`]s, in the same order.
static EVENTS: [EventSpec; CATALOGUE_LEN] = {
    let mut specs = [CATALOGUE[0].spec; CATALOGUE_LEN];
    let mut at = 1;
    while at < CATALOGUE_LEN {
        specs[at] = CATALOGUE[at].spec;
        at += 1;
    }
    specs
};

/// `PublicationChanged.Type` members: Finn = 1, FinnComingForSale = 150
/// (documented in the seed). The sources conflict on 150: Visma's
/// Core.Api.Demo (`PublicationProviderType`) gives FinnComingForSale no
/// explicit value, which in C# would make it 2. The webhook page is the
/// primary source, so the seed's 150 is kept.
pub const PUBLICATION_TYPES: &[(&str, u64)] = &[("Finn", 1), ("FinnComingForSale", 150)];

/// Where `ReadyForSettlement` is documented: the `SettlementStatusType`
/// enum of Visma's Core.Api.Demo; the seed's list lacks it.
pub const READY_FOR_SETTLEMENT_SOURCE: Source =
    Source::new(CORE_API_DEMO, "Models/Enums/SettlementStatusType.cs");

/// `ActivityParticipant*.Type` members, in the seed's order (documented).
pub const ACTIVITY_PARTICIPANT_TYPES: &[&str] = &[
    "Unknown",
    "TaskActivity",
    "TelephoneActivity",
    "ShowingActivity",
    "InspectionActivity",
    "TransferActivity",
    "ContractMeetingActivity",
    "MeetingActivity",
    "LeadActivity",
    "StakeholderActivity",
    "BuyerLeadActivity",
];

/// The participant type for which `StakeholderId` is sent (documented: "Showing").
pub const SHOWING_PARTICIPANT_TYPE: &str = "ShowingActivity";

/// `SettlementStatus` values of `GET /flow/api/Properties/{id}/SettlementStatuses`
/// with their Norwegian meaning: the seed's seven, in its order (`General`
/// has no meaning there), then `ReadyForSettlement`, which only the demo's
/// enum lists ([`READY_FOR_SETTLEMENT_SOURCE`]; placed last as its place
/// among the others is not taken from there).
pub const SETTLEMENT_STATUSES: &[(&str, &str)] = &[
    ("Waiting", "Venter"),
    ("General", ""),
    ("TransferredToSettlement", "Overført til oppgjør"),
    ("SettlementReceived", "Mottatt oppgjør"),
    ("DeedSentToRegistration", "Skjøte sendt til tinglysning"),
    ("SettlementCompleted", "Oppgjør gjennomført"),
    ("Archived", "Arkivert"),
    (READY_FOR_SETTLEMENT, "Klar til oppgjør"),
];

/// The settlement status the seed's list lacks ([`READY_FOR_SETTLEMENT_SOURCE`]).
pub const READY_FOR_SETTLEMENT: &str = "ReadyForSettlement";

/// `SellerInsuranceType` values of `GET /flow/api/Properties/{id}/Information`
/// with their Norwegian meaning (documented).
pub const SELLER_INSURANCE_TYPES: &[(&str, &str)] = &[
    ("Unknown", "Ikke valgt"),
    ("Yes", "Ja"),
    ("SellerNo", "Nei - selger ønsker ikke boligselgerforsikring"),
    (
        "TermsNo",
        "Nei - selger kan ikke tegne boligselgerforsikring iht. vilkår",
    ),
];

/// `ChecklistItemChecked.Key` values. The seed shows only the placeholder
/// `ChecklistItemKey`; these PascalCase keys for a Norwegian sale's usual
/// steps are assumed.
pub const CHECKLIST_KEYS: &[&str] = &[
    "AssignmentAgreementSigned",
    "SellerIdentityVerified",
    "AntiMoneyLaunderingCheckDone",
    "ConditionReportReceived",
    "PhotographerBooked",
    "ProspectusApproved",
    "PublishedOnFinn",
    "PurchaseContractSigned",
    "SettlementCompleted",
];

/// `Aktivitet*.Type` is an integer in the seed with no members listed;
/// assumed to number the participant types after `Unknown` (1 = TaskActivity).
const ACTIVITY_TYPE_NUMBERS: RangeInclusive<u64> = 1..=10;

/// The integer enums a fuzzer may give a new code (Flow's enums may grow,
/// assumed as for the string enums): `PublicationChanged.Type` beside its
/// documented [`PUBLICATION_TYPES`], `Aktivitet*.Type` beside the codes
/// [`ACTIVITY_TYPE_NUMBERS`] assumes.
const PUBLICATION_TYPE_CODES: &[IntegerEnum] = &[IntegerEnum {
    path: "Payload.Type",
    known: PUBLICATION_CODES,
}];
const ACTIVITY_TYPE_CODES: &[IntegerEnum] = &[IntegerEnum {
    path: "Payload.Type",
    known: ACTIVITY_CODES,
}];
/// [`PUBLICATION_TYPES`]' numbers, as the fuzzer and the contract take codes.
pub(crate) const PUBLICATION_CODES: &[i64] = &[1, 150];
/// [`ACTIVITY_TYPE_NUMBERS`], as the fuzzer and the contract take codes.
pub(crate) const ACTIVITY_CODES: &[i64] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/// Paths of `Payload.CaseId` alone, the whole Payload of most case events.
const CASE_ID_PATHS: &[&str] = &["Payload.CaseId"];
const STAKEHOLDER_ID_PATHS: &[&str] = &["Payload.Id", "Payload.ContactId", "Payload.CaseId"];
const ACTIVITY_ID_PATHS: &[&str] = &["Payload.Id", "Payload.CaseId"];
/// `StakeholderId` is left out: it is sent only for some showings, and a
/// declared path must be in every payload the catalogue builds.
const ACTIVITY_PARTICIPANT_ID_PATHS: &[&str] = &[
    "Payload.Id",
    "Payload.CaseId",
    "Payload.ContactId",
    "Payload.ActivityId",
];
/// The first case of the array Payload: the builder always names at least one.
const SALE_TEXT_RELOAD_ID_PATHS: &[&str] = &["Payload.0.Id"];
const SALE_TEXT_CHANGED_ID_PATHS: &[&str] = &["Payload.0.Id", "DynamicSaleTextHeaderId"];

/// Per event, the integer ids a fuzzer may set to any integer (the seed
/// documents their type, every example is `1`, and no range is given).
/// GUIDs, dates, `RequireReload` and the `Type` codes keep their values.
const FREE_NUMBER_PATHS: &[(&str, &[&str])] = &[
    ("AppropriationDateChanged", CASE_ID_PATHS),
    ("CaseStatusChanged", CASE_ID_PATHS),
    ("CaseSold", CASE_ID_PATHS),
    (
        "PublicationChanged",
        &["Payload.CaseId", "Payload.PublicationId"],
    ),
    ("OppdragCreated", CASE_ID_PATHS),
    ("InteressentCreated", STAKEHOLDER_ID_PATHS),
    ("InteressentChanged", STAKEHOLDER_ID_PATHS),
    ("InteressentDeleted", &["Payload.Id"]),
    ("AktivitetCreated", ACTIVITY_ID_PATHS),
    ("AktivitetChanged", ACTIVITY_ID_PATHS),
    ("AktivitetDeleted", ACTIVITY_ID_PATHS),
    ("SettlementStatusChanged", CASE_ID_PATHS),
    ("SellerInsuranceChanged", &["Payload.PropertyId"]),
    (
        "MarketingPackageChanged",
        &["Payload.MarketingPackageId", "Payload.CaseId"],
    ),
    (
        "ChecklistItemChecked",
        &["Payload.CaseId", "Payload.Id", "Payload.DefinitionId"],
    ),
    ("EmployeeChanged", &["Payload.EmployeeId"]),
    ("OfficeChanged", &["Payload.OfficeId"]),
    (SALE_TEXT_RELOAD, SALE_TEXT_RELOAD_ID_PATHS),
    (SALE_TEXT_CHANGED, SALE_TEXT_CHANGED_ID_PATHS),
    (
        "HyperlinkChanged",
        &["Payload.GeneralTextId", "Payload.CaseId"],
    ),
    ("ActivityParticipantCreated", ACTIVITY_PARTICIPANT_ID_PATHS),
    ("ActivityParticipantDeleted", ACTIVITY_PARTICIPANT_ID_PATHS),
];

/// Per event, the string enums: the participant `Type` (documented members)
/// and the checklist `Key` (the seed shows a placeholder; its members are
/// assumed, as in [`CHECKLIST_KEYS`]). The integer codes
/// (`PublicationChanged.Type`, `Aktivitet*.Type`) are not here: a new member
/// here is a string; they get new integer codes instead
/// ([`PUBLICATION_TYPE_CODES`], [`ACTIVITY_TYPE_CODES`]).
const ENUM_PATHS: &[(&str, &[&str])] = &[
    ("ChecklistItemChecked", &["Payload.Key"]),
    ("ActivityParticipantCreated", &["Payload.Type"]),
    ("ActivityParticipantDeleted", &["Payload.Type"]),
];

/// The paths `table` lists for `event`; none for an event it does not list.
fn paths_for(table: &[(&str, &'static [&'static str])], event: &str) -> &'static [&'static str] {
    table
        .iter()
        .find(|(name, _)| *name == event)
        .map_or(&[], |(_, paths)| paths)
}

/// How many cases one `DynamicSaleTextChanged` names (assumed: a text shared
/// by a few cases changes them together).
const SALE_TEXT_CASES: RangeInclusive<usize> = 1..=3;

/// Headers on every request. Neither is documented: JSON bodies need the
/// content type, and the agent names hooksim rather than guess Visma's.
const FIXED_HEADERS: &[(&str, &str)] = &[
    JSON_CONTENT_TYPE,
    (
        "User-Agent",
        "hooksim-flow (assumed; Visma documents no User-Agent)",
    ),
];
const HEADER_FACTS: &[Fact<&str>] = &[
    Fact::assumed(
        "Content-Type",
        "the page shows JSON events, not headers; application/json is the usual value",
    ),
    Fact::assumed(
        "User-Agent",
        "Visma documents no User-Agent; hooksim names itself rather than guess",
    ),
];

const TIMEOUT_ASSUMPTION: &str = "Flow documents no timeout; 10 s is the common default";
const CONNECT_TIMEOUT: Fact<Duration> = Fact::assumed(Duration::from_secs(10), TIMEOUT_ASSUMPTION);
const RESPONSE_TIMEOUT: Fact<Duration> = Fact::assumed(Duration::from_secs(10), TIMEOUT_ASSUMPTION);
const SUCCESS: Fact<SuccessRule> = Fact::assumed(
    SuccessRule::Any2xx,
    "Flow documents no success rule; any 2xx, as most senders do",
);
const REDIRECTS_FAIL: Fact<bool> = Fact::assumed(
    true,
    "Flow documents no redirect handling; senders rarely follow one to an unknown host",
);

/// Retries (assumed): Flow documents none, so [`Schedule::standard_webhooks`],
/// the most widely published webhook schedule.
const SCHEDULE_ASSUMPTION: &str = "Flow documents no retries; the Standard Webhooks schedule \
     (immediately, then 5 s, 5 m, 30 m, 2 h, 5 h, 10 h, 10 h)";

/// Visma Flow's webhook sender.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flow;

impl Provider for Flow {
    fn id(&self) -> ProviderId {
        ProviderId::Flow
    }

    fn title(&self) -> &'static str {
        "Visma Real Estate Flow Core API webhooks (Norway; estate-agent case system)"
    }

    fn documentation(&self) -> &'static str {
        DOCUMENTATION
    }

    fn events(&self) -> &'static [EventSpec] {
        &EVENTS
    }

    fn build(&self, event: &str, rng: &mut SeededRng) -> Result<Value, SimulatorError> {
        let entry = CATALOGUE
            .iter()
            .find(|entry| entry.spec.name == event)
            .ok_or_else(|| SimulatorError::UnknownEvent {
                provider: self.id(),
                event: event.to_owned(),
            })?;
        Ok(envelope(entry, rng))
    }

    /// Plain compact JSON: the seed shows nothing else.
    fn encoding(&self) -> Encoding {
        Encoding::Compact
    }

    /// Flow documents no signature on deliveries (assumed: none is sent).
    fn signature(&self) -> Option<SignatureScheme> {
        None
    }

    fn headers(&self, _stamp: &AttemptStamp) -> Vec<HeaderLine> {
        HeaderLine::all_fixed(FIXED_HEADERS)
    }

    fn header_facts(&self) -> &'static [Fact<&'static str>] {
        HEADER_FACTS
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

    /// Nothing to configure: deliveries are not signed.
    fn settings(&self) -> &'static [SettingSpec] {
        &[]
    }

    /// An event carries no id (no event on the page has one); its creation
    /// time, to the 100 ns, tells two events apart (assumed: the case ids are
    /// what the follow-up reads ask about, so they stay).
    fn identity_paths(&self) -> &'static [&'static str] {
        &["EventCreatedDate"]
    }

    /// Ids and string enums only. Nothing nullable: the seed marks nothing
    /// so and the builder sends no null (a `StakeholderId` that is not
    /// returned is left out, not null). No free text: Flow's events carry
    /// ids, GUIDs, codes and dates, never text a person typed; the receiver
    /// reads names and texts from the API.
    fn fuzz_paths(&self, event: &str) -> FuzzPaths {
        FuzzPaths {
            free_numbers: paths_for(FREE_NUMBER_PATHS, event),
            enums: paths_for(ENUM_PATHS, event),
            ..FuzzPaths::NONE
        }
    }

    /// The `Type` codes: new ones a receiver must tolerate as it does new
    /// string members.
    fn fuzz_integer_enums(&self, event: &str) -> &'static [IntegerEnum] {
        match event {
            "PublicationChanged" => PUBLICATION_TYPE_CODES,
            "AktivitetCreated" | "AktivitetChanged" => ACTIVITY_TYPE_CODES,
            _ => &[],
        }
    }

    /// Assumed (the seed has no stability rule): its lists print a .NET
    /// system's enums at one moment, the activity `Type` has no list at all,
    /// and the 2024 participant events show Flow extends what it sends;
    /// `flow/enum-values-may-grow` asks the same of a receiver.
    fn enums_may_grow(&self) -> bool {
        true
    }

    /// Assumed (the seed has no stability rule): it already shows fields
    /// beside the Payload in one form of `DynamicSaleTextChanged` only, and
    /// `StakeholderId` on some participants only; `flow/attributes-may-be-added`
    /// asks the same of a receiver.
    fn attributes_may_be_added(&self) -> bool {
        true
    }
}

/// `{EventType, EventCreatedDate, Payload, ...}` in the seed's key order.
fn envelope(entry: &CatalogueEntry, rng: &mut SeededRng) -> Value {
    let created = FlowInstant::random_event_time(rng);
    let mut body = Map::new();
    body.insert("EventType".into(), entry.event_type.into());
    body.insert("EventCreatedDate".into(), created.to_flow_string().into());
    match entry.payload {
        PayloadShape::Object(fields) => {
            body.insert("Payload".into(), object_payload(fields, rng));
        }
        PayloadShape::SaleTextCases { require_reload } => {
            body.insert("Payload".into(), sale_text_cases(rng));
            if !require_reload {
                body.insert(
                    "DynamicSaleTextHeaderId".into(),
                    random_id(IdSpace::SaleTextHeader, rng),
                );
                // The text was saved shortly before the event was raised.
                let updated =
                    created.earlier_by_ticks(rng.random_range(0..=120 * TICKS_PER_SECOND));
                body.insert("UpdatedDateTime".into(), updated.to_flow_string().into());
            }
            body.insert("RequireReload".into(), require_reload.into());
        }
    }
    Value::Object(body)
}

/// A Payload object with `fields` in order.
fn object_payload(fields: &[(&str, FieldValue)], rng: &mut SeededRng) -> Value {
    // Drawn first because StakeholderId, listed before Type, depends on it.
    let participant_type = fields
        .iter()
        .any(|(_, value)| *value == FieldValue::ParticipantType)
        .then(|| participant_type(rng));
    let mut payload = Map::new();
    for (name, value) in fields {
        let drawn = match value {
            FieldValue::Id(space) => random_id(*space, rng),
            FieldValue::Guid => fake::uuid_v4(rng).to_string().into(),
            FieldValue::PublicationType => {
                let (_, number) = PUBLICATION_TYPES[rng.random_range(0..PUBLICATION_TYPES.len())];
                number.into()
            }
            FieldValue::ActivityTypeNumber => rng.random_range(ACTIVITY_TYPE_NUMBERS).into(),
            FieldValue::ParticipantType => participant_type.unwrap_or_default().into(),
            FieldValue::StakeholderIdOfShowing => {
                // Assumed: most people at a showing are already stakeholders.
                let stakeholder_present =
                    participant_type == Some(SHOWING_PARTICIPANT_TYPE) && rng.random_bool(0.8);
                if !stakeholder_present {
                    continue;
                }
                random_id(IdSpace::Stakeholder, rng)
            }
            FieldValue::ChecklistKey => fake::one_of(CHECKLIST_KEYS, rng).into(),
        };
        payload.insert((*name).to_owned(), drawn);
    }
    Value::Object(payload)
}

/// Participants are most often added to showings (assumed); the other
/// documented types share the rest evenly.
fn participant_type(rng: &mut SeededRng) -> &'static str {
    if rng.random_bool(0.4) {
        SHOWING_PARTICIPANT_TYPE
    } else {
        fake::one_of(ACTIVITY_PARTICIPANT_TYPES, rng)
    }
}

/// `[{"Id": caseId, "Guid": caseGuid}, ...]`.
fn sale_text_cases(rng: &mut SeededRng) -> Value {
    let count = rng.random_range(SALE_TEXT_CASES);
    (0..count)
        .map(|_| {
            let mut case = Map::new();
            case.insert("Id".into(), random_id(IdSpace::Case, rng));
            case.insert("Guid".into(), fake::uuid_v4(rng).to_string().into());
            Value::Object(case)
        })
        .collect()
}

fn random_id(space: IdSpace, rng: &mut SeededRng) -> Value {
    rng.random_range(space.range()).into()
}

/// .NET's unit of time, and the precision of Flow's dates (7 fractional digits).
const TICKS_PER_SECOND: i64 = 10_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// Generated events fall on a day of 2024 or 2025 (the seed's examples are
/// from 2022 and 2024), between 05:00 and 19:00 UTC, an agent's working day.
const EVENT_WINDOW_START_UNIX: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z
const EVENT_WINDOW_DAYS: i64 = 731;
const WORKING_DAY_UTC_SECONDS: std::ops::Range<i64> = 5 * 3_600..19 * 3_600;

/// An instant to the 100 ns tick, as Flow's dates carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlowInstant {
    /// Ticks since 1970-01-01T00:00:00Z.
    ticks: i64,
}

impl FlowInstant {
    /// `unix_seconds` plus `ticks` hundreds of nanoseconds.
    pub const fn from_unix(unix_seconds: i64, ticks: i64) -> Self {
        Self {
            ticks: unix_seconds * TICKS_PER_SECOND + ticks,
        }
    }

    /// A seeded moment inside the generation window.
    pub fn random_event_time(rng: &mut SeededRng) -> Self {
        let day = rng.random_range(0..EVENT_WINDOW_DAYS);
        let second = rng.random_range(WORKING_DAY_UTC_SECONDS);
        let tick = rng.random_range(0..TICKS_PER_SECOND);
        Self::from_unix(
            EVENT_WINDOW_START_UNIX + day * SECONDS_PER_DAY + second,
            tick,
        )
    }

    fn earlier_by_ticks(self, ticks: i64) -> Self {
        Self {
            ticks: self.ticks - ticks,
        }
    }

    fn unix_seconds(self) -> i64 {
        self.ticks.div_euclid(TICKS_PER_SECOND)
    }

    /// Oslo's offset from UTC at this instant: +1 h, +2 h in summer time
    /// (EU rule: last Sunday of March to last Sunday of October, 01:00 UTC).
    pub fn oslo_offset_seconds(self) -> i64 {
        let unix_seconds = self.unix_seconds();
        let (year, _, _) = civil_from_days(unix_seconds.div_euclid(SECONDS_PER_DAY));
        let summer_starts = last_sunday_of(year, 3) * SECONDS_PER_DAY + 3_600;
        let summer_ends = last_sunday_of(year, 10) * SECONDS_PER_DAY + 3_600;
        if (summer_starts..summer_ends).contains(&unix_seconds) {
            2 * 3_600
        } else {
            3_600
        }
    }

    /// Flow's format: Oslo local time, 7 fractional digits, the offset
    /// (`2022-04-28T11:26:41.5334824+02:00`).
    pub fn to_flow_string(self) -> String {
        let offset = self.oslo_offset_seconds();
        let local = self.unix_seconds() + offset;
        let (year, month, day) = civil_from_days(local.div_euclid(SECONDS_PER_DAY));
        let second_of_day = local.rem_euclid(SECONDS_PER_DAY);
        let fraction = self.ticks.rem_euclid(TICKS_PER_SECOND);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{fraction:07}+{:02}:{:02}",
            second_of_day / 3_600,
            second_of_day % 3_600 / 60,
            second_of_day % 60,
            offset / 3_600,
            offset % 3_600 / 60,
        )
    }
}

/// The day number of the last Sunday of a 31-day `month` (March, October).
fn last_sunday_of(year: i64, month: i64) -> i64 {
    let last_day = days_from_civil(year, month, 31);
    // 1970-01-01 was a Thursday, four days after a Sunday.
    let days_since_sunday = (last_day + 4).rem_euclid(7);
    last_day - days_since_sunday
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    use super::*;
    use crate::fake::seeded_rng;
    use crate::fuzz::{FuzzSurface, json_kind};
    use crate::payload::get_path;

    /// The seed's Payload keys per event, transcribed independently of the
    /// catalogue so a slip in either shows up here.
    const SEED_PAYLOAD_KEYS: &[(&str, &[&str])] = &[
        ("AppropriationDateChanged", &["CaseId"]),
        ("CaseStatusChanged", &["CaseId"]),
        ("CaseSold", &["CaseId"]),
        ("PublicationChanged", &["CaseId", "PublicationId", "Type"]),
        ("OppdragCreated", &["CaseId"]),
        ("InteressentCreated", &["Id", "ContactId", "CaseId"]),
        ("InteressentChanged", &["Id", "ContactId", "CaseId"]),
        ("InteressentDeleted", &["Id"]),
        ("AktivitetCreated", &["Id", "CaseId", "Type"]),
        ("AktivitetChanged", &["Id", "CaseId", "Type"]),
        ("AktivitetDeleted", &["Id", "CaseId"]),
        ("SettlementStatusChanged", &["CaseId"]),
        ("SellerInsuranceChanged", &["PropertyId"]),
        (
            "MarketingPackageChanged",
            &["MarketingPackageId", "CaseId", "CaseGuid"],
        ),
        (
            "ChecklistItemChecked",
            &["CaseId", "CaseGuid", "Id", "Key", "DefinitionId"],
        ),
        ("EmployeeChanged", &["EmployeeId", "EmployeeGuid"]),
        ("OfficeChanged", &["OfficeId", "OfficeGuid"]),
        ("HyperlinkChanged", &["GeneralTextId", "CaseId", "CaseGuid"]),
        (
            "ActivityParticipantCreated",
            &[
                "Id",
                "CaseId",
                "StakeholderId",
                "ContactId",
                "ActivityId",
                "Type",
            ],
        ),
        (
            "ActivityParticipantDeleted",
            &[
                "Id",
                "CaseId",
                "StakeholderId",
                "ContactId",
                "ActivityId",
                "Type",
            ],
        ),
    ];

    /// Fields holding a GUID; every other Payload field but `Key` and the
    /// participant `Type` is an integer.
    const GUID_FIELDS: &[&str] = &["CaseGuid", "EmployeeGuid", "OfficeGuid", "Guid"];

    fn build(event: &str, seed: u64) -> Value {
        Flow.build(event, &mut seeded_rng(seed))
            .unwrap_or_else(|e| panic!("{event} builds: {e}"))
    }

    fn keys(value: &Value) -> Vec<&str> {
        value
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect()
    }

    fn is_guid(text: &str) -> bool {
        uuid::Uuid::parse_str(text).is_ok() && text.len() == 36 && text == text.to_lowercase()
    }

    /// `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}\+0[12]:00$` without a regex dependency.
    fn is_flow_date(text: &str) -> bool {
        let pattern = "dddd-dd-ddTdd:dd:dd.ddddddd+0o:00";
        text.len() == pattern.len()
            && text.chars().zip(pattern.chars()).all(|(c, p)| match p {
                'd' => c.is_ascii_digit(),
                'o' => matches!(c, '1' | '2'),
                literal => c == literal,
            })
    }

    fn unix(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> i64 {
        days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3_600 + minute * 60 + second
    }

    #[test]
    fn the_catalogue_has_every_seed_event_and_both_sale_text_forms() {
        let names: Vec<&str> = Flow.events().iter().map(|e| e.name).collect();
        assert_eq!(names.len(), 22);
        for (event, _) in SEED_PAYLOAD_KEYS {
            assert!(names.contains(event), "{event} missing");
        }
        assert!(names.contains(&SALE_TEXT_CHANGED) && names.contains(&SALE_TEXT_RELOAD));
        let mut wire_types: Vec<&str> = CATALOGUE.iter().map(|e| e.event_type).collect();
        wire_types.sort_unstable();
        wire_types.dedup();
        assert_eq!(wire_types.len(), 21, "21 EventTypes on the wire");
        assert!(Flow.events().iter().all(|e| !e.provenance.is_assumed()));
        assert_eq!(
            CATALOGUE.iter().map(|e| e.spec).collect::<Vec<_>>(),
            Flow.events()
        );
    }

    #[test]
    fn every_event_builds_the_documented_envelope_and_payload_keys() {
        for seed in 0..40 {
            for (event, payload_keys) in SEED_PAYLOAD_KEYS {
                let body = build(event, seed);
                assert_eq!(keys(&body), ["EventType", "EventCreatedDate", "Payload"]);
                assert_eq!(body["EventType"], *event);
                let mut expected = payload_keys.to_vec();
                // Documented as returned only for some showings.
                if body["Payload"].get("StakeholderId").is_none() {
                    expected.retain(|k| *k != "StakeholderId");
                }
                assert_eq!(keys(&body["Payload"]), expected, "{event} seed {seed}");
            }
        }
    }

    #[test]
    fn payload_values_have_the_documented_types() {
        for seed in 0..40 {
            for (event, _) in SEED_PAYLOAD_KEYS {
                let body = build(event, seed);
                for (key, value) in body["Payload"].as_object().expect("an object") {
                    match key.as_str() {
                        k if GUID_FIELDS.contains(&k) => {
                            assert!(value.as_str().is_some_and(is_guid), "{event}.{k} = {value}")
                        }
                        "Key" => {
                            assert!(value.as_str().is_some_and(|k| CHECKLIST_KEYS.contains(&k)))
                        }
                        "Type" if event.starts_with("ActivityParticipant") => assert!(
                            value
                                .as_str()
                                .is_some_and(|t| ACTIVITY_PARTICIPANT_TYPES.contains(&t)),
                            "{value}"
                        ),
                        k => assert!(
                            value.as_u64().is_some_and(|n| n >= 1),
                            "{event}.{k} = {value} is not a positive integer"
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn publication_types_are_finn_or_finn_coming_for_sale() {
        let mut seen = Vec::new();
        for seed in 0..100 {
            let body = build("PublicationChanged", seed);
            let number = body["Payload"]["Type"].as_u64().expect("an integer");
            assert!(number == 1 || number == 150, "{number}");
            seen.push(number);
        }
        assert!(seen.contains(&1) && seen.contains(&150));
    }

    #[test]
    fn no_case_id_where_the_seed_has_none() {
        let without_case_id = [
            "EmployeeChanged",
            "OfficeChanged",
            "InteressentDeleted",
            "SellerInsuranceChanged",
        ];
        for seed in 0..20 {
            for event in without_case_id {
                let body = build(event, seed);
                assert!(body["Payload"].is_object());
                assert!(body["Payload"].get("CaseId").is_none(), "{event}");
            }
            for event in [SALE_TEXT_CHANGED, SALE_TEXT_RELOAD] {
                assert!(build(event, seed)["Payload"].is_array(), "{event}");
            }
        }
    }

    #[test]
    fn sale_text_changed_has_both_documented_forms() {
        for seed in 0..50 {
            let reload = build(SALE_TEXT_RELOAD, seed);
            assert_eq!(
                keys(&reload),
                ["EventType", "EventCreatedDate", "Payload", "RequireReload"]
            );
            assert_eq!(reload["EventType"], "DynamicSaleTextChanged");
            assert_eq!(reload["RequireReload"], true);

            let one_text = build(SALE_TEXT_CHANGED, seed);
            assert_eq!(
                keys(&one_text),
                [
                    "EventType",
                    "EventCreatedDate",
                    "Payload",
                    "DynamicSaleTextHeaderId",
                    "UpdatedDateTime",
                    "RequireReload"
                ]
            );
            assert_eq!(one_text["EventType"], "DynamicSaleTextChanged");
            assert_eq!(one_text["RequireReload"], false);
            assert!(
                one_text["DynamicSaleTextHeaderId"]
                    .as_u64()
                    .is_some_and(|n| n >= 1)
            );
            let updated = one_text["UpdatedDateTime"].as_str().expect("a string");
            let created = one_text["EventCreatedDate"].as_str().expect("a string");
            assert!(is_flow_date(updated), "{updated}");
            // Same offset within two minutes except across a DST switch, never the case in office hours.
            assert!(updated <= created, "{updated} after {created}");

            for body in [&reload, &one_text] {
                let cases = body["Payload"].as_array().expect("an array");
                assert!((1..=3).contains(&cases.len()));
                for case in cases {
                    assert_eq!(keys(case), ["Id", "Guid"]);
                    assert!(case["Id"].as_u64().is_some_and(|n| n >= 100_000));
                    assert!(case["Guid"].as_str().is_some_and(is_guid));
                }
            }
        }
    }

    #[test]
    fn stakeholder_id_only_on_showings() {
        let mut with = 0;
        let mut without_on_showing = 0;
        for seed in 0..300 {
            for event in ["ActivityParticipantCreated", "ActivityParticipantDeleted"] {
                let payload = build(event, seed)["Payload"].clone();
                let showing = payload["Type"] == SHOWING_PARTICIPANT_TYPE;
                if payload.get("StakeholderId").is_some() {
                    assert!(showing, "{payload}");
                    with += 1;
                } else if showing {
                    without_on_showing += 1;
                }
            }
        }
        assert!(
            with > 0 && without_on_showing > 0,
            "{with} {without_on_showing}"
        );
    }

    #[test]
    fn same_seed_same_event() {
        for entry in CATALOGUE {
            let name = entry.spec.name;
            for seed in 0..20 {
                assert_eq!(build(name, seed), build(name, seed));
            }
            assert_ne!(build(name, 1), build(name, 2));
        }
    }

    #[test]
    fn event_dates_are_in_flows_format_with_oslo_offsets() {
        let mut offsets = Vec::new();
        for seed in 0..300 {
            let body = build("CaseSold", seed);
            let date = body["EventCreatedDate"].as_str().expect("a string");
            assert!(is_flow_date(date), "{date}");
            let month: u32 = date[5..7].parse().expect("two digits");
            let offset = &date[27..];
            // Whole winter and summer months; March and October switch mid-month.
            match month {
                11 | 12 | 1 | 2 => assert_eq!(offset, "+01:00", "{date}"),
                4..=9 => assert_eq!(offset, "+02:00", "{date}"),
                _ => {}
            }
            offsets.push(offset.to_owned());
        }
        assert!(offsets.iter().any(|o| o == "+01:00"));
        assert!(offsets.iter().any(|o| o == "+02:00"));
    }

    #[test]
    fn formats_the_seeds_example_date() {
        let instant = FlowInstant::from_unix(unix(2022, 4, 28, 9, 26, 41), 5_334_824);
        assert_eq!(
            instant.to_flow_string(),
            "2022-04-28T11:26:41.5334824+02:00"
        );
        let winter = FlowInstant::from_unix(unix(2024, 12, 31, 23, 0, 0), 7);
        assert_eq!(winter.to_flow_string(), "2025-01-01T00:00:00.0000007+01:00");
    }

    #[test]
    fn summer_time_switches_at_01_00_utc_on_the_last_sundays() {
        for (year, march, october) in [(2024, 31, 27), (2025, 30, 26), (2022, 27, 30)] {
            let starts = unix(year, 3, march, 1, 0, 0);
            let ends = unix(year, 10, october, 1, 0, 0);
            let offset =
                |unix_seconds| FlowInstant::from_unix(unix_seconds, 0).oslo_offset_seconds();
            assert_eq!(offset(starts - 1), 3_600, "{year}");
            assert_eq!(offset(starts), 7_200, "{year}");
            assert_eq!(offset(ends - 1), 7_200, "{year}");
            assert_eq!(offset(ends), 3_600, "{year}");
        }
        let spring_forward = FlowInstant::from_unix(unix(2024, 3, 31, 1, 0, 0), 0);
        assert_eq!(
            spring_forward.to_flow_string(),
            "2024-03-31T03:00:00.0000000+02:00"
        );
    }

    #[test]
    fn unknown_event_is_refused() {
        let error = Flow.build("CaseDeleted", &mut seeded_rng(1));
        assert!(matches!(
            error,
            Err(SimulatorError::UnknownEvent { provider: ProviderId::Flow, ref event }) if event == "CaseDeleted"
        ));
    }

    #[test]
    fn encodes_compact_json_in_key_order() {
        let body = build("MarketingPackageChanged", 3);
        let bytes = Flow.encode(&body);
        assert_eq!(
            bytes,
            serde_json::to_vec(&body).expect("a Value serialises")
        );
        let text = String::from_utf8(bytes).expect("JSON is UTF-8");
        assert!(text.starts_with(r#"{"EventType":"MarketingPackageChanged","EventCreatedDate":""#));
        assert!(
            text.contains(r#","Payload":{"MarketingPackageId":"#),
            "{text}"
        );
    }

    #[test]
    fn headers_policy_and_no_signature() {
        let stamp = AttemptStamp {
            unix_ms: 1_712_918_356_462,
            request_id: "d2caad70-082f-4553-bbde-dbdca520361a".to_owned(),
        };
        let headers = Flow.headers(&stamp);
        assert_eq!(headers[0].shown(), "application/json");
        assert_eq!(headers.len(), 2);
        assert!(headers.iter().all(|h| h.redacted.is_none()));
        assert_eq!(Flow.signature(), None);
        assert!(Flow.settings().is_empty());

        let policy = Flow.policy();
        assert!(policy.success.value.accepts(200) && policy.success.value.accepts(204));
        assert!(!policy.success.value.accepts(301) && !policy.success.value.accepts(500));
        assert_eq!(policy.response_timeout.value, Duration::from_secs(10));
        assert!(policy.redirects_fail.value);
        let offsets: Vec<u64> = policy
            .schedule
            .value
            .offsets()
            .iter()
            .map(Duration::as_secs)
            .collect();
        assert_eq!(offsets, [0, 5, 305, 2_105, 9_305, 27_305, 63_305, 99_305]);
        for fact in [
            policy.connect_timeout.provenance,
            policy.response_timeout.provenance,
            policy.success.provenance,
            policy.schedule.provenance,
            policy.redirects_fail.provenance,
        ] {
            assert!(fact.is_assumed(), "{fact}");
        }
    }

    /// Every declared path of `event`, with the JSON type it must hold.
    fn declared_paths(event: &str) -> Vec<(&'static str, &'static str)> {
        let typed = |paths: &'static [&'static str], kind| paths.iter().map(move |p| (*p, kind));
        typed(Flow.fuzz_paths(event).free_text, "string")
            .chain(typed(Flow.fuzz_paths(event).free_numbers, "integer"))
            .chain(typed(Flow.fuzz_paths(event).enums, "string"))
            .chain(typed(Flow.fuzz_paths(event).nullable, "nullable"))
            .collect()
    }

    #[test]
    fn declared_fuzz_paths_resolve_to_their_documented_types() {
        for entry in CATALOGUE {
            let event = entry.spec.name;
            for seed in 0..40 {
                let body = build(event, seed);
                for (path, kind) in declared_paths(event) {
                    let value = get_path(&body, path);
                    let fits = match kind {
                        "string" => value.is_some_and(Value::is_string),
                        "integer" => value.is_some_and(|v| v.is_i64() || v.is_u64()),
                        _ => {
                            let parent = path.rsplit_once('.').map(|(parent, _)| parent);
                            value.is_some()
                                || parent.and_then(|p| get_path(&body, p)) == Some(&Value::Null)
                        }
                    };
                    assert!(fits, "{event} seed {seed}: {path} = {value:?}, not {kind}");
                }
            }
        }
    }

    #[test]
    fn every_integer_id_and_no_other_value_is_a_free_number() {
        for entry in CATALOGUE {
            let event = entry.spec.name;
            let expected: Vec<String> = match entry.payload {
                PayloadShape::Object(fields) => fields
                    .iter()
                    .filter(|(_, value)| matches!(value, FieldValue::Id(_)))
                    .map(|(name, _)| format!("Payload.{name}"))
                    .collect(),
                PayloadShape::SaleTextCases { require_reload } => {
                    let mut paths = vec!["Payload.0.Id".to_owned()];
                    if !require_reload {
                        paths.push("DynamicSaleTextHeaderId".to_owned());
                    }
                    paths
                }
            };
            let mut declared = Flow.fuzz_paths(event).free_numbers.to_vec();
            let mut expected: Vec<&str> = expected.iter().map(String::as_str).collect();
            declared.sort_unstable();
            expected.sort_unstable();
            assert_eq!(declared, expected, "{event}");
        }
    }

    #[test]
    fn fuzz_tables_name_catalogue_events_once() {
        for table in [FREE_NUMBER_PATHS, ENUM_PATHS] {
            let mut names: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
            assert!(
                names.iter().all(|name| Flow.event(name).is_ok()),
                "{names:?}"
            );
            names.sort_unstable();
            let listed = names.len();
            names.dedup();
            assert_eq!(names.len(), listed, "an event listed twice");
        }
        assert_eq!(FREE_NUMBER_PATHS.len(), CATALOGUE_LEN);
        assert!(Flow.fuzz_paths("CaseDeleted").free_numbers.is_empty());
    }

    #[test]
    fn every_event_has_something_to_fuzz() {
        for event in Flow.events() {
            let surface = FuzzSurface::new(ProviderId::Flow.provider(), event.name)
                .expect("in the catalogue");
            assert!(!surface.is_empty(), "{}", event.name);
        }
    }

    /// The value at `path`, `""` being the body itself.
    fn value_at<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
        if path.is_empty() {
            Some(body)
        } else {
            get_path(body, path)
        }
    }

    #[test]
    fn fuzzed_events_keep_every_documented_type_and_fixed_value() {
        let config = Config {
            cases: 60,
            failure_persistence: None,
            ..Config::default()
        };
        for entry in CATALOGUE {
            let event = entry.spec.name;
            let surface =
                FuzzSurface::new(ProviderId::Flow.provider(), event).expect("in the catalogue");
            let codes: Vec<&str> = Flow
                .fuzz_integer_enums(event)
                .iter()
                .map(|code_enum| code_enum.path)
                .collect();
            let varied: Vec<&str> = [
                Flow.fuzz_paths(event).free_numbers,
                Flow.fuzz_paths(event).enums,
                &codes,
            ]
            .concat();
            let mut runner = TestRunner::new_with_rng(
                config.clone(),
                TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]),
            );
            runner
                .run(&surface.cases(), |case| {
                    let base = build(event, case.seed);
                    let fuzzed = surface.payload(&case).expect("changes fit");
                    // Every path of the catalogue payload, walked depth first.
                    let mut documented = vec![String::new()];
                    while let Some(path) = documented.pop() {
                        let (Some(old), Some(new)) =
                            (value_at(&base, &path), value_at(&fuzzed, &path))
                        else {
                            panic!("{event}: {path} lost");
                        };
                        prop_assert_eq!(json_kind(old), json_kind(new), "{}: {}", event, path);
                        let child = |key: String| {
                            if path.is_empty() {
                                key
                            } else {
                                format!("{path}.{key}")
                            }
                        };
                        match old {
                            Value::Object(map) => documented.extend(map.keys().cloned().map(child)),
                            Value::Array(items) => {
                                documented.extend((0..items.len()).map(|i| child(i.to_string())))
                            }
                            _ if varied.contains(&path.as_str()) => {}
                            _ => prop_assert_eq!(old, new, "{}: {}", event, path),
                        }
                    }
                    Ok(())
                })
                .unwrap_or_else(|e| panic!("{event}: {e}"));
        }
    }

    #[test]
    fn documented_enums_match_the_seed() {
        assert_eq!(ACTIVITY_PARTICIPANT_TYPES.len(), 11);
        assert!(ACTIVITY_PARTICIPANT_TYPES.contains(&SHOWING_PARTICIPANT_TYPE));
        assert_eq!(SETTLEMENT_STATUSES.len(), 8);
        assert_eq!(
            SETTLEMENT_STATUSES.last(),
            Some(&(READY_FOR_SETTLEMENT, "Klar til oppgjør"))
        );
        let publication_codes: Vec<i64> =
            PUBLICATION_TYPES.iter().map(|(_, n)| *n as i64).collect();
        assert_eq!(PUBLICATION_TYPE_CODES[0].known, publication_codes);
        let activity_codes: Vec<i64> = ACTIVITY_TYPE_NUMBERS.clone().map(|n| n as i64).collect();
        assert_eq!(ACTIVITY_TYPE_CODES[0].known, activity_codes);
        assert_eq!(SELLER_INSURANCE_TYPES.len(), 4);
        assert_eq!(PUBLICATION_TYPES, [("Finn", 1), ("FinnComingForSale", 150)]);
        assert!(
            ACTIVITY_TYPE_NUMBERS
                .clone()
                .all(|n| (n as usize) < ACTIVITY_PARTICIPANT_TYPES.len())
        );
    }
}
