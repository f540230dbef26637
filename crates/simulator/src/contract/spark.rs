//! Spark's news feed delivery: one body for every event, documented under
//! "Requests to Webhooks" by its example and attribute table.

use crate::contract::{Shape, date_time, field, object, one_of, pattern};
use crate::policy::Source;
use crate::providers::spark::{
    DOCUMENTATION, RECOMMENDED, RECOMMENDED_FEED_TYPE_PROVENANCE, SAVED_SEARCH_EVENTS_SOURCE,
    SUBSCRIBER_CONTACT, SUBSCRIBER_MEMBER, news_feed_type,
};
use crate::providers::{Provider, spark::Spark};

const BODY: Source = Source::new(DOCUMENTATION, "Requests to Webhooks");
const SUBSCRIBER_TYPES: &[&str] = &[SUBSCRIBER_MEMBER, SUBSCRIBER_CONTACT];

/// A Spark id: 26 digits, the creation time down to the microsecond then a
/// counter (documented by the examples' form).
fn spark_id() -> Shape {
    pattern(
        "^[0-9]{26}$",
        "a Spark id: 26 digits, the creation time (yyyymmddhhmmss and microseconds) then a counter",
    )
}

pub(crate) fn shape(event: &str) -> Option<Shape> {
    let spec = Spark.event(event).ok()?;
    let feed_type = field("Type", Shape::Tag(news_feed_type(spec.name)));
    let feed_type = if spec.name == RECOMMENDED {
        feed_type.provenance(RECOMMENDED_FEED_TYPE_PROVENANCE)
    } else {
        feed_type.documented(SAVED_SEARCH_EVENTS_SOURCE)
    };
    Some(object([
        field("Listing", object([field("Id", spark_id())])).documented(BODY),
        field(
            "Subscriber",
            object([
                field("Id", spark_id()),
                field("Type", one_of(SUBSCRIBER_TYPES)),
                field("OwnerId", spark_id()),
            ]),
        )
        .documented(BODY),
        field(
            "NewsFeed",
            object([
                field("Id", spark_id()),
                field("Event", Shape::Tag(spec.name)),
                field("EventTimestamp", date_time()),
                feed_type,
                field("Subscription", object([field("Id", spark_id())])),
            ]),
        )
        .documented(BODY),
    ]))
}
