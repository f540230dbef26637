//! `POST /spark`: every news feed event hooksim sends, tolerance, dedupe
//! without an event id, and the listing reads the events queue.

use hooksim_receiver::RunningReceiver;
use hooksim_simulator::fake::seeded_rng;
use hooksim_simulator::providers::Provider;
use hooksim_simulator::providers::spark::Spark;
use serde_json::{Value, json};

use crate::{
    TestResult, assert_refused, get_json, post_json, start_default_receiver, strings,
    wait_for_count, wait_for_json,
};

const EVENTS_PROBE: &str = "/spark/events";
const LISTING: &str = "20100000000000000000000000";

/// Sends `body` with the headers hooksim sends for Spark; returns the status.
async fn deliver(receiver: &RunningReceiver, body: &[u8]) -> TestResult<u16> {
    let user_agent = ("User-Agent", "Spark Platform news feed webhooks");
    let response = post_json(receiver, "/spark", body, &[user_agent]).await?;
    Ok(response.status().as_u16())
}

async fn deliver_json(receiver: &RunningReceiver, body: &Value) -> TestResult<u16> {
    deliver(receiver, body.to_string().as_bytes()).await
}

/// The documentation's example body (with its missing comma restored).
fn notification(listing: &str, event: &str, timestamp: &str) -> Value {
    json!({
        "Listing": { "Id": listing },
        "Subscriber": {
            "Id": "20140815000000000001000000",
            "Type": "Member",
            "OwnerId": "20140815000000000001000000"
        },
        "NewsFeed": {
            "Id": "20180411141756698053000006",
            "Event": event,
            "EventTimestamp": timestamp,
            "Type": "SavedSearch",
            "Subscription": { "Id": "20180113050000000001000000" }
        }
    })
}

fn listings_to_read(summary: &Value) -> Vec<&str> {
    strings(&summary["listings_to_read"])
}

#[tokio::test]
async fn every_event_hooksim_sends_is_acknowledged_and_queues_its_listing() -> TestResult {
    let receiver = start_default_receiver().await?;
    let mut listings = Vec::new();
    for (seed, spec) in (0u64..).zip(Spark.events()) {
        let payload = Spark.build(spec.name, &mut seeded_rng(seed))?;
        listings.push(
            payload["Listing"]["Id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
        assert_eq!(
            deliver(&receiver, &Spark.encode(&payload)).await?,
            200,
            "{}",
            spec.name
        );
    }

    let summary = wait_for_count(&receiver, EVENTS_PROBE, Spark.events().len() as u64).await?;
    assert_eq!(summary["duplicates_ignored"], 0);
    let mut queued = listings_to_read(&summary);
    queued.sort_unstable();
    listings.sort_unstable();
    assert_eq!(queued, listings);
    Ok(())
}

#[tokio::test]
async fn a_retried_notification_is_acknowledged_and_stored_once() -> TestResult {
    let receiver = start_default_receiver().await?;
    let body = notification(LISTING, "New", "2018-04-18T11:12:56Z");

    assert_eq!(deliver_json(&receiver, &body).await?, 200);
    assert_eq!(deliver_json(&receiver, &body).await?, 200);

    let summary = wait_for_json(&receiver, EVENTS_PROBE, |s| s["duplicates_ignored"] == 1).await?;
    assert_eq!(summary["count"], 1);
    assert_eq!(
        summary["ids"],
        json!(["20180411141756698053000006/20100000000000000000000000/New/2018-04-18T11:12:56Z"])
    );
    assert_eq!(listings_to_read(&summary), [LISTING]);
    Ok(())
}

#[tokio::test]
async fn later_events_for_the_same_listing_are_new_but_read_it_once() -> TestResult {
    let receiver = start_default_receiver().await?;
    // Out of order: the price change (later) arrives before the listing's New.
    let price_change = notification(LISTING, "PriceChange", "2018-04-20T09:00:00Z");
    let new = notification(LISTING, "New", "2018-04-18T11:12:56Z");
    let mut other_feed = new.clone();
    other_feed["NewsFeed"]["Id"] = json!("20180411141756698053000007");

    for body in [&price_change, &new, &other_feed] {
        assert_eq!(deliver_json(&receiver, body).await?, 200);
    }
    let summary = wait_for_count(&receiver, EVENTS_PROBE, 3).await?;
    assert_eq!(summary["duplicates_ignored"], 0);
    assert_eq!(listings_to_read(&summary), [LISTING]);
    Ok(())
}

#[tokio::test]
async fn unknown_event_values_and_new_attributes_are_acknowledged() -> TestResult {
    let receiver = start_default_receiver().await?;
    let mut unknown = notification(LISTING, "VirtualTourAdded", "2018-04-18T11:12:56Z");
    unknown["NewsFeed"]["Type"] = json!("ListingCart");
    unknown["Subscriber"]["Type"] = json!("Office");
    let mut extended = notification("20100000000000000000000001", "Sold", "2018-04-18T11:12:56Z");
    extended["Listing"]["StandardStatus"] = json!("Closed");
    extended["NewsFeed"]["Name"] = json!("Downtown condos < $400k");
    extended["Mls"] = json!({ "Id": "20000426143505724628000000" });
    let mut no_subscriber =
        notification("20100000000000000000000002", "New", "2018-04-18T11:12:56Z");
    no_subscriber
        .as_object_mut()
        .ok_or("an object")?
        .remove("Subscriber");

    for body in [&unknown, &extended, &no_subscriber] {
        assert_eq!(deliver_json(&receiver, body).await?, 200, "{body}");
    }
    let summary = wait_for_count(&receiver, EVENTS_PROBE, 3).await?;
    assert_eq!(listings_to_read(&summary).len(), 3);
    Ok(())
}

#[tokio::test]
async fn a_body_that_is_not_a_notification_is_400_and_not_stored() -> TestResult {
    let receiver = start_default_receiver().await?;
    let mut no_listing = notification(LISTING, "New", "2018-04-18T11:12:56Z");
    no_listing
        .as_object_mut()
        .ok_or("an object")?
        .remove("Listing");
    let mut no_timestamp = notification(LISTING, "New", "2018-04-18T11:12:56Z");
    no_timestamp["NewsFeed"]
        .as_object_mut()
        .ok_or("an object")?
        .remove("EventTimestamp");
    // The documentation's example verbatim: a comma is missing after NewsFeed.Id.
    let documented_typo = br#"{"Listing":{"Id":"1"},"NewsFeed":{"Id":"2" "Event":"New"}}"#;

    let bodies = [
        no_listing.to_string().into_bytes(),
        no_timestamp.to_string().into_bytes(),
        documented_typo.to_vec(),
        b"[]".to_vec(),
    ];
    for body in &bodies {
        let response = post_json(&receiver, "/spark", body, &[]).await?;
        assert_refused(response, 400, String::from_utf8_lossy(body)).await?;
    }
    // A valid one afterwards proves the refused ones were never stored.
    let marker = notification(LISTING, "New", "2018-04-18T11:12:56Z");
    assert_eq!(deliver_json(&receiver, &marker).await?, 200);
    let summary = wait_for_count(&receiver, EVENTS_PROBE, 1).await?;
    assert_eq!(summary["count"], 1);
    Ok(())
}

#[tokio::test]
async fn the_events_probe_starts_empty() -> TestResult {
    let receiver = start_default_receiver().await?;
    assert_eq!(
        get_json(&receiver, EVENTS_PROBE).await?,
        json!({ "count": 0, "ids": [], "duplicates_ignored": 0, "listings_to_read": [] })
    );
    Ok(())
}
