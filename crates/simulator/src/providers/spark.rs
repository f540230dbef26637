//! Spark Platform / Flexmls news-feed webhooks (US MLS): a listing event in a
//! news feed (a saved search's matches), posted to the developer's webhook.
//!
//! Source: "Developers: News Feed Webhooks" ([`DOCUMENTATION`]; each fact
//! below names its section). Documented there: the body `{Listing:{Id},
//! Subscriber:{Id, Type, OwnerId}, NewsFeed:{Id, Event, EventTimestamp, Type,
//! Subscription:{Id}}}`, 26-digit ids, `Subscriber.Type` Member or Contact, a
//! 1 s connection timeout and a 5 s timeout (the page says "a 5 second
//! connection timeout" right after the 1 s one; read as the response
//! timeout), success = any status 200-299, anything else or a timeout
//! retried. The `NewsFeed.Event` values come from Spark's "News Feeds:
//! Metadata" page, [`EVENT_TYPES_DOCUMENTATION`] (the webhook page's example
//! shows `New`); the metadata's `SavedSearchEvents` is the same list
//! without Recommended, so a Recommended delivery is not of `NewsFeed.Type`
//! SavedSearch. Assumed: the retry gaps, that redirects are not followed,
//! that deliveries are not signed, the User-Agent value (the page names
//! none), Recommended's feed type, compact JSON on the wire,
//! how the digits after an id's timestamp are made, the time windows ids fall
//! in, and that the enums and the body may grow.

use std::time::Duration;

use rand::Rng;
use serde_json::{Value, json};

use crate::encoding::Encoding;
use crate::error::SimulatorError;
use crate::fake::SeededRng;
use crate::fake::calendar::{self, UtcDateTime};
use crate::policy::{DeliveryPolicy, Fact, Provenance, Source, SuccessRule};
use crate::providers::{
    AttemptStamp, EventSpec, FuzzPaths, HeaderLine, JSON_CONTENT_TYPE, Provider, ProviderId,
    SettingSpec,
};
use crate::schedule::Schedule;
use crate::signing::SignatureScheme;

/// The page every webhook fact below comes from.
pub const DOCUMENTATION: &str =
    "https://www.sparkplatform.com/docs/api_services/developers/newsfeed_webhooks";

/// Where Spark lists the news feed event types a feed can carry.
pub const EVENT_TYPES_DOCUMENTATION: &str =
    "https://www.sparkplatform.com/docs/api_services/newsfeed/meta";

/// The section with the delivery body, its example (event `New`), the two
/// timeouts and the success rule.
const REQUESTS_TO_WEBHOOKS: Source = Source::new(DOCUMENTATION, "Requests to Webhooks");

/// The page names two timeouts, both "connection": the second is read as the
/// response timeout.
const RESPONSE_TIMEOUT_SOURCE: Source = Source::new(
    DOCUMENTATION,
    "Requests to Webhooks (its second timeout, read as the response timeout)",
);

const EVENT_TYPE_DOCUMENTED: Provenance = Provenance::Documented {
    source: Source::new(EVENT_TYPES_DOCUMENTATION, "Events"),
};

/// The metadata's list of the events a saved search's feed carries: every
/// event but Recommended.
pub const SAVED_SEARCH_EVENTS_SOURCE: Source =
    Source::new(EVENT_TYPES_DOCUMENTATION, "SavedSearchEvents");

/// The one event the webhook page itself shows.
pub const NEW: &str = "New";
pub const OPEN_HOUSE: &str = "OpenHouse";
pub const PENDING: &str = "Pending";
pub const PRICE_CHANGE: &str = "PriceChange";
pub const SOLD: &str = "Sold";
pub const BACK_ON_MARKET: &str = "BackOnMarket";
pub const EXTENSION: &str = "Extension";
pub const STATUS_CHANGE: &str = "StatusChange";
pub const RECOMMENDED: &str = "Recommended";

/// One entry per `NewsFeed.Event` value, in the metadata page's order.
const EVENTS: &[EventSpec] = &[
    EventSpec {
        name: NEW,
        summary: "A listing newly matches the feed's saved search.",
        provenance: Provenance::Documented {
            source: REQUESTS_TO_WEBHOOKS,
        },
    },
    EventSpec {
        name: OPEN_HOUSE,
        summary: "An open house was scheduled for a matching listing.",
        provenance: EVENT_TYPE_DOCUMENTED,
    },
    EventSpec {
        name: PENDING,
        summary: "A matching listing went under contract (pending).",
        provenance: EVENT_TYPE_DOCUMENTED,
    },
    EventSpec {
        name: PRICE_CHANGE,
        summary: "A matching listing's price changed.",
        provenance: EVENT_TYPE_DOCUMENTED,
    },
    EventSpec {
        name: SOLD,
        summary: "A matching listing sold (closed).",
        provenance: EVENT_TYPE_DOCUMENTED,
    },
    EventSpec {
        name: BACK_ON_MARKET,
        summary: "A matching listing came back on the market.",
        provenance: EVENT_TYPE_DOCUMENTED,
    },
    EventSpec {
        name: EXTENSION,
        summary: "A matching listing's listing agreement was extended.",
        provenance: EVENT_TYPE_DOCUMENTED,
    },
    EventSpec {
        name: STATUS_CHANGE,
        summary: "A matching listing's status changed otherwise.",
        provenance: EVENT_TYPE_DOCUMENTED,
    },
    EventSpec {
        name: RECOMMENDED,
        summary: "An agent recommended a listing to the subscriber (not a saved-search event).",
        provenance: EVENT_TYPE_DOCUMENTED,
    },
];

/// Top-level keys of a delivery, in the documentation's order (documented).
pub const BODY_KEYS: &[&str] = &["Listing", "Subscriber", "NewsFeed"];
pub const LISTING_KEYS: &[&str] = &["Id"];
pub const SUBSCRIBER_KEYS: &[&str] = &["Id", "Type", "OwnerId"];
pub const NEWS_FEED_KEYS: &[&str] = &["Id", "Event", "EventTimestamp", "Type", "Subscription"];
pub const SUBSCRIPTION_KEYS: &[&str] = &["Id"];

/// `Subscriber.Type` members: `Member` in the example, `Contact` in the
/// attribute table (documented; other types may exist).
pub const SUBSCRIBER_MEMBER: &str = "Member";
pub const SUBSCRIBER_CONTACT: &str = "Contact";

/// `NewsFeed.Type` of the saved-search events, every event but Recommended
/// (documented: the webhook page names `SavedSearch`, "such as
/// SavedSearch", and [`SAVED_SEARCH_EVENTS_SOURCE`] lists its events).
pub const NEWS_FEED_TYPE: &str = "SavedSearch";

/// `NewsFeed.Type` of a Recommended delivery. Assumed: Recommended is not a
/// saved-search event ([`SAVED_SEARCH_EVENTS_SOURCE`]) and no page names its
/// feed type; Flexmls agents recommend listings into a contact's portal
/// cart, so `Cart`.
pub const RECOMMENDED_FEED_TYPE: &str = "Cart";

/// Where [`RECOMMENDED_FEED_TYPE`] comes from: a guess.
pub const RECOMMENDED_FEED_TYPE_PROVENANCE: Provenance = Provenance::Assumed {
    why: "Recommended is not in the metadata's SavedSearchEvents, so not SavedSearch; \
          no page names its feed type; Flexmls agents recommend into a contact's portal cart",
};

/// The feed type a delivery of `event` carries.
pub fn news_feed_type(event: &str) -> &'static str {
    if event == RECOMMENDED {
        RECOMMENDED_FEED_TYPE
    } else {
        NEWS_FEED_TYPE
    }
}

/// Characters in every Spark id (documented: "20100000000000000000000000").
pub const ID_LENGTH: usize = 26;

/// The body's enums, for the fuzzer: `Subscriber.Type` (Member or Contact,
/// "otherwise" an account), `NewsFeed.Event` (the metadata's list) and
/// `NewsFeed.Type` ("such as SavedSearch"), all documented. Nothing else in
/// the body may vary: the ids are 26-digit codes kept as strings, the
/// timestamp is a date, no attribute is a number or text a person typed,
/// and none is documented (or built) as null.
pub const ENUM_PATHS: &[&str] = &["Subscriber.Type", "NewsFeed.Event", "NewsFeed.Type"];

const FIXED_HEADERS: &[(&str, &str)] = &[
    // Delivery bodies are JSON (documented); the header value is the usual one.
    JSON_CONTENT_TYPE,
    // Assumed (undocumented: the page names no User-Agent header or value),
    // so hooksim sends a descriptive one.
    ("User-Agent", "Spark Platform news feed webhooks"),
];
const HEADER_FACTS: &[Fact<&str>] = &[
    Fact::assumed(
        "Content-Type",
        "the page documents a JSON body, not the header; application/json is the usual value",
    ),
    Fact::assumed(
        "User-Agent",
        "the page names no User-Agent; hooksim sends a descriptive one",
    ),
];

const CONNECT_TIMEOUT: Fact<Duration> =
    Fact::documented(Duration::from_secs(1), REQUESTS_TO_WEBHOOKS);
const RESPONSE_TIMEOUT: Fact<Duration> =
    Fact::documented(Duration::from_secs(5), RESPONSE_TIMEOUT_SOURCE);
const SUCCESS: Fact<SuccessRule> = Fact::documented(SuccessRule::Any2xx, REQUESTS_TO_WEBHOOKS);
const REDIRECTS_FAIL: Fact<bool> = Fact::assumed(
    true,
    "Spark counts only 200-299 as success and says nothing of redirects, so a 3xx is not followed",
);

/// Retry gaps (assumed): the page says failures are retried, not when.
const RETRY_GAPS: [Duration; 7] = [
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(15 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(4 * 60 * 60),
    Duration::from_secs(12 * 60 * 60),
    Duration::from_secs(24 * 60 * 60),
];
const SCHEDULE_ASSUMPTION: &str = "Spark documents that failures are retried, not when; \
     1 m, 5 m, 15 m, 1 h, 4 h, 12 h, 24 h";

/// Events happen in this window (assumed: recent, fixed so snapshots stay put).
const EVENTS_FROM: UtcDateTime = UtcDateTime::from_date(2024, 1, 1);
const EVENTS_UNTIL: UtcDateTime = UtcDateTime::from_date(2026, 1, 1);
/// Member accounts were opened in this window (assumed).
const ACCOUNTS_FROM: UtcDateTime = UtcDateTime::from_date(2009, 1, 1);
const ACCOUNTS_UNTIL: UtcDateTime = UtcDateTime::from_date(2021, 1, 1);

/// Spark's webhook sender for news feeds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spark;

impl Provider for Spark {
    fn id(&self) -> ProviderId {
        ProviderId::Spark
    }

    fn title(&self) -> &'static str {
        "Spark Platform / Flexmls news feed webhooks (US MLS; saved-search listing events)"
    }

    fn documentation(&self) -> &'static str {
        DOCUMENTATION
    }

    fn events(&self) -> &'static [EventSpec] {
        EVENTS
    }

    fn build(&self, event: &str, rng: &mut SeededRng) -> Result<Value, SimulatorError> {
        let spec = self.event(event)?;
        Ok(news_feed_delivery(spec.name, rng))
    }

    /// Compact JSON (assumed: the page shows the body pretty-printed, which
    /// is how documentation shows JSON, not necessarily how it is sent).
    fn encoding(&self) -> Encoding {
        Encoding::Compact
    }

    /// Assumed: the page describes no signature or shared secret.
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
            schedule: Fact::assumed(Schedule::from_gaps(RETRY_GAPS), SCHEDULE_ASSUMPTION),
            redirects_fail: REDIRECTS_FAIL,
        }
    }

    /// Nothing to set: Spark deliveries carry no secret.
    fn settings(&self) -> &'static [SettingSpec] {
        &[]
    }

    /// A notification has no id of its own ("Requests to Webhooks"); the
    /// listing it is about is what a receiver keys its work by (assumed).
    fn identity_paths(&self) -> &'static [&'static str] {
        &["Listing.Id"]
    }

    /// [`ENUM_PATHS`] for every event: they all share the documented body.
    fn fuzz_paths(&self, event: &str) -> FuzzPaths {
        if self.event(event).is_err() {
            return FuzzPaths::NONE;
        }
        FuzzPaths {
            enums: ENUM_PATHS,
            ..FuzzPaths::NONE
        }
    }

    /// Assumed (the webhook page has no stability rule): it names
    /// `NewsFeed.Type` only "such as SavedSearch" and leaves `Subscriber.Type`
    /// open ("otherwise"), and the metadata lists the events "currently
    /// supported"; `spark/types-may-grow` and
    /// `spark/unknown-event-values-acknowledged` ask the same of a receiver.
    fn enums_may_grow(&self) -> bool {
        true
    }

    /// Assumed (the webhook page has no stability rule): it gives the body
    /// as "an example of the JSON payload", not a closed schema;
    /// `spark/attributes-may-be-added` asks the same of a receiver.
    fn attributes_may_be_added(&self) -> bool {
        true
    }
}

/// A Spark id made at `created`: the creation time to the second, then six
/// digits of microseconds, then a short counter, 26 digits in all
/// (`20180411141756698053000006`). The shape is read off the documentation's
/// examples; how Spark fills the last twelve digits is assumed.
pub fn spark_id(created: UtcDateTime, rng: &mut SeededRng) -> String {
    let microseconds: u32 = rng.random_range(0..1_000_000);
    // The examples end in 000000, 000001000000, 000006, 000007: small counters.
    let counter: u32 = rng.random_range(0..10);
    format!("{}{microseconds:06}{counter:06}", created.compact_digits())
}

/// The documented body for one event, every id consistent in time: the
/// account before the saved search, the search before its news feed, the
/// listing before the event.
fn news_feed_delivery(event: &str, rng: &mut SeededRng) -> Value {
    let happened = calendar::between(rng, EVENTS_FROM, EVENTS_UNTIL);
    let listed = happened
        .plus_days(-rng.random_range(0..=180))
        .plus_minutes(-rng.random_range(1..=1_440));
    let searched = happened.plus_days(-rng.random_range(1..=400));
    let feed_created = searched.plus_minutes(rng.random_range(0..=60));

    let account_opened = calendar::between(rng, ACCOUNTS_FROM, ACCOUNTS_UNTIL);
    let account_id = spark_id(account_opened, rng);
    // Documented: for a Contact, Subscriber.Id is the contact record and
    // OwnerId the account that owns it; the Member example repeats its own Id.
    let (subscriber_type, subscriber_id) = if rng.random_bool(0.5) {
        let contact_added = searched.plus_days(-rng.random_range(0..=1_000));
        (SUBSCRIBER_CONTACT, spark_id(contact_added, rng))
    } else {
        (SUBSCRIBER_MEMBER, account_id.clone())
    };

    json!({
        "Listing": { "Id": spark_id(listed, rng) },
        "Subscriber": {
            "Id": subscriber_id,
            "Type": subscriber_type,
            "OwnerId": account_id,
        },
        "NewsFeed": {
            "Id": spark_id(feed_created, rng),
            "Event": event,
            "EventTimestamp": happened.iso8601_seconds(),
            "Type": news_feed_type(event),
            "Subscription": { "Id": spark_id(searched, rng) },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::seeded_rng;

    /// Keys of an object, in order; empty for anything else.
    fn keys(value: &Value) -> Vec<&str> {
        value
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    fn build(event: &str, seed: u64) -> Value {
        Spark
            .build(event, &mut seeded_rng(seed))
            .expect("the event is in the catalogue")
    }

    fn is_spark_id(value: &Value) -> bool {
        value
            .as_str()
            .is_some_and(|id| id.len() == ID_LENGTH && id.bytes().all(|b| b.is_ascii_digit()))
    }

    #[test]
    fn every_event_builds_with_the_documented_shape() {
        for spec in Spark.events() {
            for seed in 0..50 {
                let body = build(spec.name, seed);
                assert_eq!(keys(&body), BODY_KEYS);
                assert_eq!(keys(&body["Listing"]), LISTING_KEYS);
                assert_eq!(keys(&body["Subscriber"]), SUBSCRIBER_KEYS);
                assert_eq!(keys(&body["NewsFeed"]), NEWS_FEED_KEYS);
                assert_eq!(keys(&body["NewsFeed"]["Subscription"]), SUBSCRIPTION_KEYS);
                assert_eq!(body["NewsFeed"]["Event"], spec.name);
                assert_eq!(body["NewsFeed"]["Type"], news_feed_type(spec.name));
            }
        }
    }

    #[test]
    fn recommended_is_never_sent_as_a_saved_search() {
        for seed in 0..500 {
            let body = build(RECOMMENDED, seed);
            assert_ne!(body["NewsFeed"]["Type"], "SavedSearch", "seed {seed}");
            assert_eq!(body["NewsFeed"]["Type"], RECOMMENDED_FEED_TYPE);
        }
        assert!(RECOMMENDED_FEED_TYPE_PROVENANCE.is_assumed());
        for spec in Spark.events().iter().filter(|e| e.name != RECOMMENDED) {
            for seed in 0..50 {
                assert_eq!(build(spec.name, seed)["NewsFeed"]["Type"], "SavedSearch");
            }
        }
    }

    #[test]
    fn ids_are_26_digits_and_timestamps_are_utc_seconds() {
        for seed in 0..300 {
            let body = build(NEW, seed);
            for id in [
                &body["Listing"]["Id"],
                &body["Subscriber"]["Id"],
                &body["Subscriber"]["OwnerId"],
                &body["NewsFeed"]["Id"],
                &body["NewsFeed"]["Subscription"]["Id"],
            ] {
                assert!(is_spark_id(id), "{id} at seed {seed}");
            }
            let timestamp = body["NewsFeed"]["EventTimestamp"]
                .as_str()
                .expect("a string");
            assert_eq!(timestamp.len(), "2018-04-18T11:12:56Z".len(), "{timestamp}");
            assert!(timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T');
        }
    }

    #[test]
    fn ids_begin_with_a_creation_time_before_the_event() {
        for seed in 0..300 {
            let body = build(PRICE_CHANGE, seed);
            let event_digits: String = body["NewsFeed"]["EventTimestamp"]
                .as_str()
                .expect("a string")
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            for id in [
                &body["Listing"]["Id"],
                &body["NewsFeed"]["Id"],
                &body["NewsFeed"]["Subscription"]["Id"],
                &body["Subscriber"]["OwnerId"],
            ] {
                let created = &id.as_str().expect("a string")[..14];
                assert!(
                    created < event_digits.as_str(),
                    "{created} >= {event_digits}"
                );
            }
        }
    }

    #[test]
    fn members_own_themselves_and_contacts_have_an_owner() {
        let (mut members, mut contacts) = (0, 0);
        for seed in 0..200 {
            let subscriber = &build(NEW, seed)["Subscriber"];
            match subscriber["Type"].as_str() {
                Some(SUBSCRIBER_MEMBER) => {
                    members += 1;
                    assert_eq!(subscriber["Id"], subscriber["OwnerId"]);
                }
                Some(SUBSCRIBER_CONTACT) => {
                    contacts += 1;
                    assert_ne!(subscriber["Id"], subscriber["OwnerId"]);
                }
                other => panic!("unexpected subscriber type {other:?}"),
            }
        }
        assert!(members > 0 && contacts > 0);
    }

    #[test]
    fn same_seed_same_delivery() {
        for spec in Spark.events() {
            assert_eq!(build(spec.name, 7), build(spec.name, 7));
        }
        assert_ne!(build(NEW, 1), build(NEW, 2));
    }

    #[test]
    fn spark_id_reads_back_its_time() {
        let created = UtcDateTime::from_unix_ms(1_523_456_276_000);
        let id = spark_id(created, &mut seeded_rng(3));
        assert!(id.starts_with("20180411141756"), "{id}");
        assert_eq!(id.len(), ID_LENGTH);
    }

    #[test]
    fn unknown_events_are_refused() {
        assert!(matches!(
            Spark.build("Withdrawn", &mut seeded_rng(1)),
            Err(SimulatorError::UnknownEvent { provider: ProviderId::Spark, ref event }) if event == "Withdrawn"
        ));
    }

    #[test]
    fn encodes_compact_json_in_documented_order() {
        let body = String::from_utf8(Spark.encode(&build(NEW, 5))).expect("UTF-8");
        assert!(body.starts_with(r#"{"Listing":{"Id":""#), "{body}");
        assert!(body.contains(r#""NewsFeed":{"Id":""#), "{body}");
        assert!(!body.contains('\n'));
    }

    #[test]
    fn policy_as_documented_and_assumed() {
        let policy = Spark.policy();
        assert_eq!(policy.connect_timeout.value, Duration::from_secs(1));
        assert_eq!(policy.response_timeout.value, Duration::from_secs(5));
        assert!(!policy.connect_timeout.provenance.is_assumed());
        assert!(!policy.response_timeout.provenance.is_assumed());
        for status in [200, 201, 202, 204, 299] {
            assert!(policy.success.value.accepts(status), "{status}");
        }
        for status in [199, 301, 302, 400, 500] {
            assert!(!policy.success.value.accepts(status), "{status}");
        }
        assert!(policy.schedule.provenance.is_assumed());
        assert_eq!(policy.schedule.value.attempts(), 8);
        assert_eq!(
            policy.schedule.value.span(),
            Duration::from_secs(60 + 300 + 900 + 3_600 + 14_400 + 43_200 + 86_400)
        );
        assert!(policy.redirects_fail.value && policy.redirects_fail.provenance.is_assumed());
        assert_eq!(Spark.signature(), None);
        assert!(Spark.settings().is_empty());
    }

    #[test]
    fn headers_are_fixed() {
        let stamp = AttemptStamp {
            unix_ms: 1,
            request_id: "r".to_owned(),
        };
        let shown: Vec<(&str, String)> = Spark
            .headers(&stamp)
            .iter()
            .map(|h| (h.name, h.shown().to_owned()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Content-Type", "application/json".to_owned()),
                ("User-Agent", "Spark Platform news feed webhooks".to_owned()),
            ]
        );
    }

    #[test]
    fn fuzz_paths_are_strings_in_every_event() {
        for spec in Spark.events() {
            assert!(Spark.fuzz_paths(spec.name).nullable.is_empty());
            assert!(Spark.fuzz_paths(spec.name).free_text.is_empty());
            assert!(Spark.fuzz_paths(spec.name).free_numbers.is_empty());
            assert_eq!(Spark.fuzz_paths(spec.name).enums, ENUM_PATHS);
            for seed in 0..20 {
                let body = build(spec.name, seed);
                for path in ENUM_PATHS {
                    let value = crate::payload::get_path(&body, path);
                    assert!(value.is_some_and(Value::is_string), "{path}: {value:?}");
                }
            }
        }
        assert!(Spark.fuzz_paths("Withdrawn").enums.is_empty());
    }

    #[test]
    fn every_event_can_be_fuzzed() {
        for spec in Spark.events() {
            let surface = crate::fuzz::FuzzSurface::new(ProviderId::Spark.provider(), spec.name)
                .expect("in the catalogue");
            assert!(!surface.is_empty(), "{}", spec.name);
        }
    }

    #[test]
    fn only_new_is_documented_on_the_webhook_page() {
        for spec in Spark.events() {
            let expected = if spec.name == NEW {
                DOCUMENTATION
            } else {
                EVENT_TYPES_DOCUMENTATION
            };
            let Provenance::Documented { source } = spec.provenance else {
                panic!("{} is documented", spec.name);
            };
            assert_eq!(source.page, expected, "{}", spec.name);
        }
        assert_eq!(Spark.events().len(), 9);
    }
}
