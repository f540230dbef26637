//! Property Finder "PF Expert" CRM hooks (UAE/MENA portal): a client's CRM is
//! told that a lead, landlord, property, user or transaction changed.
//!
//! Source: PF Expert "Hooks" ([`DOCUMENTATION`]; each fact below names its
//! section). Documented there: the 22 events; the body `{event, client,
//! concept: {id, namespace, sub_namespace}}` with integer ids and a
//! `sub_namespace` that is "not always mentioned" (the example sends null);
//! namespace `property` for a property event (by example). The doc's delivery
//! example wraps that body in `{"property": {...}}`, which is not even valid
//! JSON (a keyless member, a trailing comma): we take it as a doc error and
//! send the bare object its field table describes. That example's event,
//! `property.updated`, is not among the 22; scenarios send it as an event a
//! receiver does not know. Assumed here: every delivery rule (no signature,
//! 10 s timeouts, any 2xx, the retry gaps, redirects not followed, the
//! Content-Type header), that the namespace of the other families is the
//! event's prefix, which `sub_namespace` values appear and how often, and (for
//! the fuzzer) that the body may gain attributes and its namespaces new values.

use std::time::Duration;

use rand::Rng;
use serde_json::{Value, json};

use crate::encoding::Encoding;
use crate::error::SimulatorError;
use crate::fake::{self, SeededRng};
use crate::policy::{DeliveryPolicy, Fact, Provenance, Source, SuccessRule};
use crate::providers::{
    AttemptStamp, EventSpec, FuzzPaths, HeaderLine, JSON_CONTENT_TYPE, Provider, ProviderId,
    SettingSpec,
};
use crate::schedule::Schedule;
use crate::signing::SignatureScheme;

/// The page every documented fact below comes from.
pub const DOCUMENTATION: &str = "https://expert.propertyfinder.ae/documentation/hook";

/// The section that lists the events a hook can be created for.
const EVENT_DOCUMENTED: Provenance = Provenance::Documented {
    source: Source::new(DOCUMENTATION, "Create hook"),
};
/// The section with the delivery body, its field tables and its example.
pub(crate) const DELIVERY: Source =
    Source::new(DOCUMENTATION, "Listen to hook events from client system");
const DELIVERY_DOCUMENTED: Provenance = Provenance::Documented { source: DELIVERY };

/// Every event a client can register a hook for, in the documentation's order
/// (documented: "Available events").
const EVENTS: &[EventSpec] = &[
    documented("lead.new", "A lead was created."),
    documented("lead.assigned", "A lead was assigned to an agent."),
    documented("lead.status", "A lead's status changed."),
    documented("lead.updated", "A lead was updated."),
    documented("lead.deleted", "A lead was deleted."),
    documented("landlord.new", "A landlord was created."),
    documented("landlord.assigned", "A landlord was assigned to an agent."),
    documented("landlord.updated", "A landlord was updated."),
    documented("landlord.deleted", "A landlord was deleted."),
    documented("property.new", "A property was created."),
    documented("property.deleted", "A property was deleted."),
    documented("property.assigned", "A property was assigned to an agent."),
    documented("property.status", "A property's status changed."),
    documented("property.state", "A property's state changed."),
    documented("user.new", "A user was created."),
    documented("user.updated", "A user was updated."),
    documented("user.deleted", "A user was deleted."),
    documented("transaction.new", "A transaction was created."),
    documented("transaction.won", "A transaction was won."),
    documented("transaction.lost", "A transaction was lost."),
    documented("transaction.updated", "A transaction was updated."),
    documented("transaction.deleted", "A transaction was deleted."),
];

const fn documented(name: &'static str, summary: &'static str) -> EventSpec {
    EventSpec {
        name,
        summary,
        provenance: EVENT_DOCUMENTED,
    }
}

/// The keys of the delivery body and of its `concept`, in the documentation's
/// order (documented).
pub const BODY_KEYS: &[&str] = &["event", "client", "concept"];
pub const CONCEPT_KEYS: &[&str] = &["id", "namespace", "sub_namespace"];

/// What `concept.namespace` and `concept.sub_namespace` hold for one family
/// of events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Namespace {
    /// The event prefix (`lead` in `lead.new`) and the namespace sent with it.
    pub name: &'static str,
    /// Values `sub_namespace` takes when it is "mentioned"; empty: always null.
    pub sub_namespaces: &'static [&'static str],
    /// Where the namespace value comes from.
    pub provenance: Provenance,
}

const PREFIX_ASSUMED: Provenance = Provenance::Assumed {
    why: "the doc shows only a property example; other families are taken to send their event prefix",
};

/// One entry per event family. `sub_namespace` values are all assumed: the doc
/// only says "type of resource (not always mentioned)" and shows null; we take
/// it to separate sales from rentals where PF Expert does, and to be absent
/// for landlords and users.
pub const NAMESPACES: &[Namespace] = &[
    Namespace {
        name: "lead",
        sub_namespaces: &["buyer", "tenant"],
        provenance: PREFIX_ASSUMED,
    },
    Namespace {
        name: "landlord",
        sub_namespaces: &[],
        provenance: PREFIX_ASSUMED,
    },
    Namespace {
        name: "property",
        sub_namespaces: &["sale", "rent"],
        provenance: DELIVERY_DOCUMENTED,
    },
    Namespace {
        name: "user",
        sub_namespaces: &[],
        provenance: PREFIX_ASSUMED,
    },
    Namespace {
        name: "transaction",
        sub_namespaces: &["sale", "rent"],
        provenance: PREFIX_ASSUMED,
    },
];

/// Share of deliveries that name a `sub_namespace` where the family has one
/// (assumed: "not always mentioned", so about half the time).
const SUB_NAMESPACE_MENTIONED: f64 = 0.5;

/// The family an event belongs to, if it is one PF Expert documents.
pub fn namespace_of(event: &str) -> Option<&'static Namespace> {
    let (prefix, _) = event.split_once('.')?;
    NAMESPACES.iter().find(|n| n.name == prefix)
}

/// What a fuzzer may vary, the same for every event since every body has
/// the same shape. No free text: the body is ids and resource types only.
///
/// `sub_namespace` may be null (documented: "not always mentioned", and the
/// doc's example sends null).
pub const NULLABLE_PATHS: &[&str] = &["concept.sub_namespace"];

/// The client and concept ids: documented as integers, their range is not
/// (the doc shows 434, 9999 and 888999), so any integer is fair.
pub const FREE_NUMBER_PATHS: &[&str] = &["client", "concept.id"];

/// Both "type of resource" strings (documented as strings; the doc lists no
/// members for either). `event` is left alone: a fuzz case stays the event
/// it was built as, and events outside the list are a scenario of their own.
pub const ENUM_PATHS: &[&str] = &["concept.namespace", "concept.sub_namespace"];

/// Client ids in the doc are 434 and 9999; concept ids such as 888999. The
/// ranges keep to those sizes (assumed).
const CLIENT_IDS: std::ops::RangeInclusive<u32> = 100..=99_999;
const CONCEPT_IDS: std::ops::RangeInclusive<u32> = 100_000..=9_999_999;

/// Headers on every request (assumed: the doc shows none; the body is JSON).
const FIXED_HEADERS: &[(&str, &str)] = &[JSON_CONTENT_TYPE];
const HEADER_FACTS: &[Fact<&str>] = &[Fact::assumed(
    "Content-Type",
    "the doc shows a JSON body and no headers; application/json is the usual value",
)];

const TIMEOUT_ASSUMPTION: &str = "PF Expert documents no timeout; 10 s is the common default";
const SUCCESS_ASSUMPTION: &str =
    "PF Expert documents no success rule; any 2xx, as most webhook senders";
const REDIRECTS_ASSUMPTION: &str =
    "PF Expert says nothing of redirects; like most senders it does not follow them";
/// Retries (assumed): the doc mentions none at all, so we use the schedule
/// of Standard Webhooks senders, [`Schedule::standard_webhooks`] (as for Visma Flow).
const SCHEDULE_ASSUMPTION: &str = "PF Expert documents no retries; the Standard Webhooks schedule \
     (5 s, 5 m, 30 m, 2 h, 5 h, 10 h, 10 h), as for Visma Flow";

/// PF Expert's hook sender.
#[derive(Debug, Clone, Copy, Default)]
pub struct PropertyFinder;

impl Provider for PropertyFinder {
    fn id(&self) -> ProviderId {
        ProviderId::PropertyFinder
    }

    fn title(&self) -> &'static str {
        "Property Finder PF Expert CRM hooks (UAE/MENA portal)"
    }

    fn documentation(&self) -> &'static str {
        DOCUMENTATION
    }

    fn events(&self) -> &'static [EventSpec] {
        EVENTS
    }

    fn build(&self, event: &str, rng: &mut SeededRng) -> Result<Value, SimulatorError> {
        let spec = self.event(event)?;
        // Every catalogue event has a documented family; this only guards the tables.
        let namespace = namespace_of(spec.name).ok_or_else(|| SimulatorError::UnknownEvent {
            provider: self.id(),
            event: event.to_owned(),
        })?;
        let client = rng.random_range(CLIENT_IDS);
        let concept_id = rng.random_range(CONCEPT_IDS);
        let sub_namespace =
            if !namespace.sub_namespaces.is_empty() && rng.random_bool(SUB_NAMESPACE_MENTIONED) {
                Value::from(fake::one_of(namespace.sub_namespaces, rng))
            } else {
                Value::Null
            };
        Ok(json!({
            "event": spec.name,
            "client": client,
            "concept": {
                "id": concept_id,
                "namespace": namespace.name,
                "sub_namespace": sub_namespace,
            },
        }))
    }

    /// Compact JSON (assumed: the doc shows the example compact, without escapes).
    fn encoding(&self) -> Encoding {
        Encoding::Compact
    }

    /// PF Expert does not sign deliveries (assumed: the doc mentions no signature).
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
        let timeout = Duration::from_secs(10);
        DeliveryPolicy {
            connect_timeout: Fact::assumed(timeout, TIMEOUT_ASSUMPTION),
            response_timeout: Fact::assumed(timeout, TIMEOUT_ASSUMPTION),
            success: Fact::assumed(SuccessRule::Any2xx, SUCCESS_ASSUMPTION),
            schedule: Fact::assumed(Schedule::standard_webhooks(), SCHEDULE_ASSUMPTION),
            redirects_fail: Fact::assumed(true, REDIRECTS_ASSUMPTION),
        }
    }

    /// Nothing to configure: no secret, and the client id comes with each body.
    fn settings(&self) -> &'static [SettingSpec] {
        &[]
    }

    /// A hook carries no event id (its body's table has none); the concept it
    /// names is what a receiver fetches and keys its work by (assumed).
    fn identity_paths(&self) -> &'static [&'static str] {
        &["concept.id"]
    }

    /// The same for every event: they all share the documented body.
    fn fuzz_paths(&self, event: &str) -> FuzzPaths {
        if self.event(event).is_err() {
            return FuzzPaths::NONE;
        }
        FuzzPaths {
            nullable: NULLABLE_PATHS,
            free_numbers: FREE_NUMBER_PATHS,
            enums: ENUM_PATHS,
            ..FuzzPaths::NONE
        }
    }

    /// Assumed: PF Expert states no stability rule. But it documents no
    /// members for `namespace` or `sub_namespace` (only "type of resource"),
    /// so there is no closed list to keep to, and its own example sends an
    /// event outside its list; the suite's rule
    /// `propertyfinder/unknown-events-acknowledged` already sends new values.
    fn enums_may_grow(&self) -> bool {
        true
    }

    /// Assumed: the body is "a serialized version of a Version (internal
    /// resource) of the object", so it follows that resource as it gains
    /// attributes; the suite's rule `propertyfinder/attributes-may-be-added`
    /// already asks receivers to ignore them.
    fn attributes_may_be_added(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::seeded_rng;
    use crate::fuzz::FuzzSurface;
    use crate::providers::keys;

    fn build(event: &str, seed: u64) -> Value {
        PropertyFinder
            .build(event, &mut seeded_rng(seed))
            .expect("the event is in the catalogue")
    }

    #[test]
    fn the_catalogue_is_the_documented_22_events() {
        let names: Vec<&str> = EVENTS.iter().map(|e| e.name).collect();
        assert_eq!(names.len(), 22);
        assert_eq!(names.first(), Some(&"lead.new"));
        assert_eq!(names.last(), Some(&"transaction.deleted"));
        assert!(
            !names.contains(&"property.updated"),
            "only in the doc's example"
        );
        assert!(EVENTS.iter().all(|e| !e.provenance.is_assumed()));
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn every_event_builds_the_documented_body() {
        for spec in EVENTS {
            for seed in 0..40 {
                let body = build(spec.name, seed);
                assert_eq!(keys(&body), BODY_KEYS, "{}", spec.name);
                assert_eq!(keys(&body["concept"]), CONCEPT_KEYS, "{}", spec.name);
                assert_eq!(body["event"], spec.name);
                let client = body["client"].as_u64().expect("client is an integer");
                assert!(CLIENT_IDS.contains(&u32::try_from(client).expect("fits")));
                let id = body["concept"]["id"].as_u64().expect("id is an integer");
                assert!(CONCEPT_IDS.contains(&u32::try_from(id).expect("fits")));
                let prefix = spec.name.split('.').next().expect("a prefix");
                assert_eq!(body["concept"]["namespace"], prefix);
                let sub = &body["concept"]["sub_namespace"];
                assert!(sub.is_null() || sub.is_string(), "{sub}");
            }
        }
    }

    #[test]
    fn same_seed_same_body() {
        for spec in EVENTS {
            assert_eq!(build(spec.name, 9), build(spec.name, 9));
        }
        assert_ne!(build("lead.new", 1), build("lead.new", 2));
    }

    #[test]
    fn sub_namespace_is_null_or_a_family_member() {
        let mut nulls = 0;
        let mut mentioned = 0;
        for seed in 0..200 {
            for event in ["lead.new", "property.status", "transaction.won"] {
                let body = build(event, seed);
                let family = namespace_of(event).expect("a documented family");
                match body["concept"]["sub_namespace"].as_str() {
                    Some(sub) => {
                        mentioned += 1;
                        assert!(family.sub_namespaces.contains(&sub), "{event}: {sub}");
                    }
                    None => nulls += 1,
                }
            }
            for event in ["landlord.new", "user.deleted"] {
                assert!(build(event, seed)["concept"]["sub_namespace"].is_null());
            }
        }
        assert!(
            nulls > 100 && mentioned > 100,
            "{nulls} nulls, {mentioned} mentioned"
        );
    }

    #[test]
    fn only_the_property_namespace_is_documented() {
        for namespace in NAMESPACES {
            assert_eq!(
                namespace.provenance.is_assumed(),
                namespace.name != "property",
                "{}",
                namespace.name
            );
        }
        assert!(EVENTS.iter().all(|e| namespace_of(e.name).is_some()));
        assert_eq!(namespace_of("viewing.new"), None);
        assert_eq!(namespace_of("lead"), None);
    }

    fn assert_fuzz_paths_resolve(event: &str, body: &Value) {
        crate::fuzz::assert_declared_paths_resolve(&PropertyFinder, event, body);
    }

    #[test]
    fn fuzz_paths_resolve_to_their_documented_types() {
        for spec in EVENTS {
            for seed in 0..20 {
                assert_fuzz_paths_resolve(spec.name, &build(spec.name, seed));
            }
        }
    }

    #[test]
    fn every_event_can_be_fuzzed_and_nothing_else() {
        let provider = ProviderId::PropertyFinder.provider();
        for spec in EVENTS {
            let surface = FuzzSurface::new(provider, spec.name).expect("in the catalogue");
            assert!(!surface.is_empty(), "{}", spec.name);
            assert!(
                provider.fuzz_paths(spec.name).free_text.is_empty(),
                "no free text"
            );
        }
        assert!(
            PropertyFinder
                .fuzz_paths("property.updated")
                .free_numbers
                .is_empty()
        );
        assert!(
            PropertyFinder
                .fuzz_paths("property.updated")
                .nullable
                .is_empty()
        );
        assert!(
            PropertyFinder
                .fuzz_paths("property.updated")
                .enums
                .is_empty()
        );
    }

    #[test]
    fn only_the_documented_null_is_nullable() {
        assert_eq!(NULLABLE_PATHS, ["concept.sub_namespace"]);
        assert!(
            !ENUM_PATHS.contains(&"event"),
            "a fuzz case keeps its event"
        );
    }

    #[test]
    fn unknown_event_is_refused() {
        let error = PropertyFinder.build("property.updated", &mut seeded_rng(1));
        assert!(matches!(
            error,
            Err(SimulatorError::UnknownEvent { provider: ProviderId::PropertyFinder, ref event })
                if event == "property.updated"
        ));
    }

    #[test]
    fn encodes_compact_json_like_the_doc_example() {
        let body = json!({
            "event": "property.new",
            "client": 9999,
            "concept": {"id": 888999, "namespace": "property", "sub_namespace": null},
        });
        assert_eq!(
            PropertyFinder.encode(&body),
            br#"{"event":"property.new","client":9999,"concept":{"id":888999,"namespace":"property","sub_namespace":null}}"#
        );
    }

    #[test]
    fn unsigned_with_assumed_policy() {
        assert_eq!(PropertyFinder.signature(), None);
        assert!(PropertyFinder.settings().is_empty());
        let policy = PropertyFinder.policy();
        assert!(policy.success.value.accepts(204));
        assert!(!policy.success.value.accepts(301));
        for provenance in [
            policy.connect_timeout.provenance,
            policy.response_timeout.provenance,
            policy.success.provenance,
            policy.schedule.provenance,
            policy.redirects_fail.provenance,
        ] {
            assert!(provenance.is_assumed());
        }
        assert_eq!(policy.schedule.value.attempts(), 8);
        assert_eq!(
            policy.schedule.value.span(),
            Duration::from_secs(5 + 5 * 60 + 30 * 60 + (2 + 5 + 10 + 10) * 3600)
        );
        let stamp = AttemptStamp {
            unix_ms: 1,
            request_id: "r".to_owned(),
        };
        let headers: Vec<(&str, String)> = PropertyFinder
            .headers(&stamp)
            .into_iter()
            .map(|h| (h.name, h.value))
            .collect();
        assert_eq!(headers, [("Content-Type", "application/json".to_owned())]);
    }
}
