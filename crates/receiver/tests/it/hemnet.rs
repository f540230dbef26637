//! `POST /hemnet`: signatures, rotation, tolerance, dedupe, and the answers
//! Hemnet gets for each (it retries anything but 200).

use hooksim_receiver::RunningReceiver;
use serde_json::{Value, json};

use crate::{TestResult, assert_refused, get_json, post_json, sign, start_receiver, wait_for_json};

const KEY: &str = "current-key";
const OLD_KEY: &str = "old-key";
const NEW_KEY: &str = "new-key";
const CONTACTS_PROBE: &str = "/hemnet/contacts";

/// A contact with every documented attribute set, as in Hemnet's example.
fn contact(id: &str) -> Value {
    json!({
        "id": id,
        "recipientType": "BROKER",
        "email": "[email protected]",
        "phone": "070111222333",
        "firstName": "John",
        "lastName": "Doe",
        "message": "I am interested in this property",
        "listing": { "id": 12345678, "externalId": "abc123def" },
        "broker": { "id": 12345, "email": "[email protected]", "fullName": "Anon Ymous" },
        "brokerAgency": { "id": 654321, "externalId": 123 },
        "contactPreference": "EMAIL",
        "contactReason": "OTHER",
        "streetName": "Test street",
        "streetNumber": "12A",
        "postalCity": "Testköping",
        "preapprovedMortgage": false,
        "source": "LISTING_FOR_SALE_CONTACT_FORM"
    })
}

fn contact_created(data: Value) -> Vec<u8> {
    json!({ "type": "CONTACT", "action": "CREATE", "data": data })
        .to_string()
        .into_bytes()
}

/// Sends `body` with Hemnet's headers; `signature: None` leaves X-Signature out.
async fn deliver(
    receiver: &RunningReceiver,
    body: &[u8],
    signature: Option<&str>,
) -> TestResult<reqwest::Response> {
    let mut headers = vec![
        ("User-Agent", "Hemnet API Client"),
        ("X-Timestamp", "1712918356462"),
        ("X-Request-Id", "d2caad70-082f-4553-bbde-dbdca520361a"),
    ];
    headers.extend(signature.map(|signature| ("X-Signature", signature)));
    post_json(receiver, "/hemnet", body, &headers).await
}

/// Delivers `body` signed with `KEY` and returns the status.
async fn deliver_signed(receiver: &RunningReceiver, body: &[u8]) -> TestResult<u16> {
    let response = deliver(receiver, body, Some(&sign(KEY, body))).await?;
    Ok(response.status().as_u16())
}

/// Waits until contact `id` is stored and returns the store summary.
async fn wait_until_stored(receiver: &RunningReceiver, id: &str) -> TestResult<Value> {
    crate::wait_until_stored(receiver, CONTACTS_PROBE, id).await
}

/// Asserts a 401 with a JSON error body.
async fn assert_unauthorized(response: reqwest::Response) -> TestResult {
    assert_refused(response, 401, "a forgery").await
}

#[tokio::test]
async fn a_validly_signed_contact_is_acknowledged_with_200_and_stored() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let body = contact_created(contact("c7bc3070-fca2-4ccc-a705-c0b275fdf0a1"));

    assert_eq!(deliver_signed(&receiver, &body).await?, 200);

    let summary = wait_until_stored(&receiver, "c7bc3070-fca2-4ccc-a705-c0b275fdf0a1").await?;
    assert_eq!(
        summary,
        json!({
            "count": 1,
            "ids": ["c7bc3070-fca2-4ccc-a705-c0b275fdf0a1"],
            "duplicates_ignored": 0
        })
    );
    Ok(())
}

#[tokio::test]
async fn escaped_characters_verify_on_the_raw_bytes() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    // Hemnet escapes & < > inside strings; the signature covers these bytes.
    let body = br#"{"type":"CONTACT","action":"CREATE","data":{"id":"escaped-1","recipientType":"BROKER","message":"Tom \u0026 Jerry \u003c3 \u003e","contactPreference":"EMAIL","source":"LISTING_FOR_SALE_CONTACT_FORM"}}"#;

    assert_eq!(deliver_signed(&receiver, body).await?, 200);
    wait_until_stored(&receiver, "escaped-1").await?;

    // A receiver that signed its own re-serialisation would compute this,
    // with `&` unescaped, and wrongly reject Hemnet; the receiver must not
    // accept it either, since it is not what was sent.
    let reserialised = serde_json::to_vec(&serde_json::from_slice::<Value>(body)?)?;
    assert_ne!(reserialised, body.to_vec());
    let response = deliver(&receiver, body, Some(&sign(KEY, &reserialised))).await?;
    assert_unauthorized(response).await
}

#[tokio::test]
async fn during_rotation_a_new_key_receiver_accepts_old_comma_new() -> TestResult {
    let receiver = start_receiver(&[NEW_KEY]).await?;
    let body = contact_created(contact("rotation-new"));
    let header = format!("{},{}", sign(OLD_KEY, &body), sign(NEW_KEY, &body));

    let response = deliver(&receiver, &body, Some(&header)).await?;
    assert_eq!(response.status(), 200);
    Ok(())
}

#[tokio::test]
async fn during_rotation_an_old_key_receiver_accepts_old_comma_new() -> TestResult {
    let receiver = start_receiver(&[OLD_KEY]).await?;
    let body = contact_created(contact("rotation-old"));
    // Whitespace around the comma is tolerated.
    let header = format!("{} , {}", sign(OLD_KEY, &body), sign(NEW_KEY, &body));

    let response = deliver(&receiver, &body, Some(&header)).await?;
    assert_eq!(response.status(), 200);
    Ok(())
}

#[tokio::test]
async fn a_receiver_trusting_both_keys_accepts_either_alone() -> TestResult {
    let receiver = start_receiver(&[OLD_KEY, NEW_KEY]).await?;
    let body = contact_created(contact("both-keys"));

    for key in [OLD_KEY, NEW_KEY] {
        let response = deliver(&receiver, &body, Some(&sign(key, &body))).await?;
        assert_eq!(response.status(), 200, "signed with {key}");
    }
    Ok(())
}

#[tokio::test]
async fn a_signature_under_an_untrusted_key_is_401() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let body = contact_created(contact("wrong-key"));

    let response = deliver(&receiver, &body, Some(&sign("attacker-key", &body))).await?;
    assert_unauthorized(response).await
}

#[tokio::test]
async fn a_missing_signature_is_401() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let body = contact_created(contact("unsigned"));

    let response = deliver(&receiver, &body, None).await?;
    assert_unauthorized(response).await
}

#[tokio::test]
async fn malformed_signatures_are_401() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let body = contact_created(contact("malformed"));
    let good = sign(KEY, &body);

    let malformed = [
        "z".repeat(64),        // not hex
        good[..62].to_owned(), // too short
        format!("{good}00"),   // too long
        String::new(),         // empty
        ",,".to_owned(),       // only separators
        good[1..].to_owned(),  // odd length
    ];
    for signature in malformed {
        let response = deliver(&receiver, &body, Some(&signature)).await?;
        assert_eq!(response.status(), 401, "X-Signature: {signature:?}");
    }
    Ok(())
}

#[tokio::test]
async fn a_body_changed_after_signing_is_401() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let body = contact_created(contact("tampered"));
    let signature = sign(KEY, &body);
    let tampered = String::from_utf8(body)?.replace("John", "Mallory");

    let response = deliver(&receiver, tampered.as_bytes(), Some(&signature)).await?;
    assert_unauthorized(response).await
}

#[tokio::test]
async fn a_rejected_delivery_is_not_stored() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let forged = contact_created(contact("forged"));
    let response = deliver(&receiver, &forged, Some(&sign("attacker-key", &forged))).await?;
    assert_eq!(response.status(), 401);

    // Storage is asynchronous, so prove absence by waiting for a later,
    // valid contact and checking the forged one never joined it.
    assert_eq!(
        deliver_signed(&receiver, &contact_created(contact("marker"))).await?,
        200
    );
    let summary = wait_until_stored(&receiver, "marker").await?;
    assert_eq!(summary["ids"], json!(["marker"]));
    Ok(())
}

#[tokio::test]
async fn a_duplicate_delivery_is_acknowledged_and_stored_once() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let body = contact_created(contact("dup-1"));

    assert_eq!(deliver_signed(&receiver, &body).await?, 200);
    assert_eq!(deliver_signed(&receiver, &body).await?, 200);

    let summary = wait_for_json(&receiver, CONTACTS_PROBE, |summary| {
        summary["duplicates_ignored"] == 1
    })
    .await?;
    assert_eq!(
        summary,
        json!({ "count": 1, "ids": ["dup-1"], "duplicates_ignored": 1 })
    );
    Ok(())
}

#[tokio::test]
async fn the_same_contact_id_in_a_different_body_is_still_a_duplicate() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let mut resent = contact("dup-2");
    resent["message"] = json!("sent again with different bytes");

    assert_eq!(
        deliver_signed(&receiver, &contact_created(contact("dup-2"))).await?,
        200
    );
    assert_eq!(
        deliver_signed(&receiver, &contact_created(resent)).await?,
        200
    );

    let summary = wait_for_json(&receiver, CONTACTS_PROBE, |summary| {
        summary["duplicates_ignored"] == 1
    })
    .await?;
    assert_eq!(summary["count"], 1);
    Ok(())
}

#[tokio::test]
async fn unknown_events_are_acknowledged_and_ignored() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let unknown = [
        json!({ "type": "LISTING", "action": "CREATE", "data": { "id": "listing-1" } }),
        json!({ "type": "CONTACT", "action": "DELETE", "data": contact("deleted-1") }),
        json!({ "type": "CONTACT", "action": "CREATE_V2", "data": "not an object" }),
    ];
    for event in unknown {
        let body = event.to_string().into_bytes();
        assert_eq!(deliver_signed(&receiver, &body).await?, 200, "{event}");
    }

    assert_eq!(
        deliver_signed(&receiver, &contact_created(contact("marker"))).await?,
        200
    );
    let summary = wait_until_stored(&receiver, "marker").await?;
    assert_eq!(
        summary["ids"],
        json!(["marker"]),
        "only CONTACT/CREATE is stored"
    );
    Ok(())
}

#[tokio::test]
async fn unknown_attributes_are_tolerated() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let mut data = contact("extra-attrs");
    data["viewingBooked"] = json!({ "at": "2024-05-01T10:00:00Z" });
    data["score"] = json!(0.93);
    let body = json!({
        "type": "CONTACT",
        "action": "CREATE",
        "version": 2,
        "data": data
    })
    .to_string()
    .into_bytes();

    assert_eq!(deliver_signed(&receiver, &body).await?, 200);
    wait_until_stored(&receiver, "extra-attrs").await?;
    Ok(())
}

#[tokio::test]
async fn new_enum_members_are_tolerated() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let mut data = contact("new-enums");
    data["recipientType"] = json!("BROKER_TEAM");
    data["contactPreference"] = json!("SMS");
    data["contactReason"] = json!("VALUATION");
    data["source"] = json!("APP_CHAT");

    assert_eq!(
        deliver_signed(&receiver, &contact_created(data)).await?,
        200
    );
    wait_until_stored(&receiver, "new-enums").await?;
    Ok(())
}

#[tokio::test]
async fn every_nullable_attribute_may_be_null() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let mut data = contact("all-nulls");
    // The simulator's list is the seed's: every attribute marked nullable.
    for nullable in hooksim_simulator::providers::hemnet::NULLABLE_CONTACT_ATTRIBUTES {
        data[*nullable] = Value::Null;
    }

    assert_eq!(
        deliver_signed(&receiver, &contact_created(data)).await?,
        200
    );
    wait_until_stored(&receiver, "all-nulls").await?;
    Ok(())
}

#[tokio::test]
async fn a_minimal_contact_with_only_an_id_is_stored() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let body = contact_created(json!({ "id": "bare" }));

    assert_eq!(deliver_signed(&receiver, &body).await?, 200);
    wait_until_stored(&receiver, "bare").await?;
    Ok(())
}

#[tokio::test]
async fn a_contact_without_an_id_is_acknowledged_but_not_stored() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    for data in [
        json!({ "email": "[email protected]" }),
        json!({ "id": 42 }),
        Value::Null,
    ] {
        assert_eq!(
            deliver_signed(&receiver, &contact_created(data.clone())).await?,
            200,
            "{data}"
        );
    }

    assert_eq!(
        deliver_signed(&receiver, &contact_created(contact("marker"))).await?,
        200
    );
    let summary = wait_until_stored(&receiver, "marker").await?;
    assert_eq!(summary["ids"], json!(["marker"]));
    Ok(())
}

#[tokio::test]
async fn a_signed_body_that_is_not_the_envelope_is_400() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let not_envelopes: [&[u8]; 4] = [
        b"this is not json",
        br#"{"type":"CONTACT","action":"CREATE","data":"#,
        br#"{"action":"CREATE","data":{}}"#,
        br#"{"type":1,"action":"CREATE","data":{}}"#,
    ];
    for body in not_envelopes {
        let response = deliver(&receiver, body, Some(&sign(KEY, body))).await?;
        assert_refused(response, 400, String::from_utf8_lossy(body)).await?;
    }
    Ok(())
}

#[tokio::test]
async fn an_unsigned_body_that_is_not_json_is_401_not_400() -> TestResult {
    // The signature is checked first: an outsider learns nothing about parsing.
    let receiver = start_receiver(&[KEY]).await?;
    let response = deliver(
        &receiver,
        b"not json",
        Some(&sign("attacker-key", b"not json")),
    )
    .await?;
    assert_unauthorized(response).await
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    let mut data = contact("huge");
    data["message"] = json!("x".repeat(1024 * 1024));
    let body = contact_created(data);

    let response = deliver(&receiver, &body, Some(&sign(KEY, &body))).await?;
    assert_eq!(response.status(), 413);
    Ok(())
}

#[tokio::test]
async fn the_contacts_probe_starts_empty() -> TestResult {
    let receiver = start_receiver(&[KEY]).await?;
    assert_eq!(
        get_json(&receiver, CONTACTS_PROBE).await?,
        json!({ "count": 0, "ids": [], "duplicates_ignored": 0 })
    );
    Ok(())
}
