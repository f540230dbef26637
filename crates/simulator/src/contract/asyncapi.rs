//! One AsyncAPI 3.0 document per provider: the application it describes is
//! the provider's webhook sender. One channel, one `send` operation (HTTP
//! `POST`) and one message per event; each message carries its headers
//! (the signature's too) and its published payload schema. Every fact is
//! marked with `x-hooksim-provenance`: documented (with its source) or
//! assumed (with why), and the delivery policy rides along as
//! `x-hooksim-delivery`.

use serde_json::{Map, Value, json};

use crate::SimulatorError;
use crate::contract::{Openness, annotate};
use crate::policy::{Fact, Provenance};
use crate::providers::{AttemptStamp, HeaderLine, Provider};
use crate::schedule::format_nominal;

/// The AsyncAPI version the documents follow.
pub const ASYNCAPI_VERSION: &str = "3.0.0";
/// The HTTP bindings' version.
const HTTP_BINDING_VERSION: &str = "0.3.0";

/// The AsyncAPI document of `provider`'s webhooks, its payloads as open
/// as a receiver must take them.
pub fn document(provider: &dyn Provider) -> Result<Value, SimulatorError> {
    document_with(provider, Openness::published(provider))
}

/// The AsyncAPI document of `provider`'s webhooks, its payloads as open as
/// `openness` says.
pub fn document_with(provider: &dyn Provider, openness: Openness) -> Result<Value, SimulatorError> {
    let headers = headers_schema(provider);
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    for spec in provider.events() {
        let name = spec.name;
        let mut payload = provider.payload_shape(name)?.schema(openness);
        payload["description"] = Value::from(format!("The body of a {name} delivery."));
        let mut message = json!({
            "name": name,
            "title": name,
            "summary": spec.summary,
            "contentType": "application/json",
            "headers": headers,
            "payload": payload,
            "bindings": {"http": {"bindingVersion": HTTP_BINDING_VERSION}},
        });
        annotate(&mut message, &spec.provenance);
        messages.insert(name.to_owned(), message);
        channels.insert(
            name.to_owned(),
            json!({
                "address": null,
                "title": name,
                "description": format!("{name} deliveries, posted to the webhook URL the receiver team registered (any path)."),
                "messages": {name: {"$ref": format!("#/components/messages/{name}")}},
            }),
        );
        operations.insert(
            format!("send.{name}"),
            json!({
                "action": "send",
                "title": format!("Deliver {name}"),
                "summary": spec.summary,
                "channel": {"$ref": format!("#/channels/{name}")},
                "messages": [{"$ref": format!("#/channels/{name}/messages/{name}")}],
                "bindings": {"http": {"method": "POST", "bindingVersion": HTTP_BINDING_VERSION}},
            }),
        );
    }
    let mut document = json!({
        "asyncapi": ASYNCAPI_VERSION,
        "id": format!("urn:hooksim:{}", provider.id()),
        "info": {
            "title": provider.title(),
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "The webhooks {} sends, as hooksim {} plays them: every event's payload, the headers and the signature, and the delivery policy (x-hooksim-delivery). Each fact says whether the provider documents it (x-hooksim-source) or hooksim assumed it (x-hooksim-assumption).",
                provider.id(),
                env!("CARGO_PKG_VERSION"),
            ),
            "x-hooksim-enums-may-grow": provider.enums_may_grow(),
            "x-hooksim-attributes-may-be-added": provider.attributes_may_be_added(),
            "x-hooksim-delivery": delivery(provider),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    });
    // A page with a public copy is linked; one without (Flow's) is named.
    let page = provider.documentation();
    if page.starts_with("https://") || page.starts_with("http://") {
        document["info"]["externalDocs"] =
            json!({"description": "The provider's webhook documentation", "url": page});
    } else {
        document["info"]["x-hooksim-documentation"] = page.into();
    }
    Ok(document)
}

/// Every header a delivery carries, as a schema: fixed values as `const`,
/// the per-attempt ones by their form, each marked documented or assumed.
pub fn headers_schema(provider: &dyn Provider) -> Value {
    let stamp = AttemptStamp {
        unix_ms: 0,
        request_id: String::new(),
    };
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut add = |name: &str, mut schema: Value| {
        if let Some(provenance) = header_provenance(provider, name) {
            annotate(&mut schema, &provenance);
        }
        properties.insert(name.to_owned(), schema);
        required.push(name.to_owned());
    };
    for header in provider.headers(&stamp) {
        add(header.name, header_value(&header));
    }
    if let Some(scheme) = provider.signature() {
        let hex = "[0-9a-f]{64}";
        let separator = regex_escape(scheme.rotation_separator);
        let mut rotation = json!({"separator": scheme.rotation_separator});
        annotate(&mut rotation, &scheme.rotation);
        add(
            scheme.header,
            json!({
                "x-hooksim-rotation": rotation,
                "type": "string",
                "pattern": format!("^{hex}({separator}{hex})?$"),
                "description": format!(
                    "Lowercase hex HMAC-SHA256 of the raw body under the webhook key; while keys rotate, two: old{}new.",
                    scheme.rotation_separator
                ),
            }),
        );
    }
    json!({
        "type": "object",
        "description": "Request headers (HTTP header names match case-insensitively).",
        "properties": properties,
        "required": required,
    })
}

/// Where the provider's header `name` comes from, documented or assumed.
pub fn header_provenance(provider: &dyn Provider, name: &str) -> Option<Provenance> {
    provider
        .header_facts()
        .iter()
        .find(|fact| fact.value.eq_ignore_ascii_case(name))
        .map(|fact| fact.provenance)
}

fn header_value(header: &HeaderLine) -> Value {
    match header.redacted.as_deref() {
        None => json!({"type": "string", "const": header.value}),
        Some("[unix-ms]") => json!({
            "type": "string",
            "pattern": "^[0-9]{13}$",
            "description": "Unix time in milliseconds when the attempt was sent.",
        }),
        Some("[uuid]") => json!({
            "type": "string",
            "format": "uuid",
            "description": "A fresh uuid on every attempt.",
        }),
        Some(other) => json!({
            "type": "string",
            "description": format!("Changes on every attempt (a transcript shows {other})."),
        }),
    }
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\^$.|?*+()[]{}".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// The delivery policy, each fact with its provenance.
fn delivery(provider: &dyn Provider) -> Value {
    let policy = provider.policy();
    let fact = |value: Value, provenance: &Provenance| {
        let mut fact = json!({"value": value});
        annotate(&mut fact, provenance);
        fact
    };
    let duration =
        |d: &Fact<std::time::Duration>| fact(format_nominal(d.value).into(), &d.provenance);
    let schedule = &policy.schedule.value;
    let offsets = schedule.offsets_shown();
    json!({
        "connectTimeout": duration(&policy.connect_timeout),
        "responseTimeout": duration(&policy.response_timeout),
        "success": fact(policy.success.value.to_string().into(), &policy.success.provenance),
        "redirectsFollowed": fact((!policy.redirects_fail.value).into(), &policy.redirects_fail.provenance),
        "retrySchedule": fact(json!({
            "attempts": schedule.attempts(),
            "span": format_nominal(schedule.span()),
            "offsets": offsets,
        }), &policy.schedule.provenance),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ProviderId;

    #[test]
    fn a_document_has_a_channel_an_operation_and_a_message_per_event() {
        for id in ProviderId::ALL {
            let provider = id.provider();
            let doc = document(provider).expect("every event has a payload shape");
            let events = provider.events().len();
            assert_eq!(
                doc["channels"].as_object().map(Map::len),
                Some(events),
                "{id}"
            );
            assert_eq!(
                doc["operations"].as_object().map(Map::len),
                Some(events),
                "{id}"
            );
            assert_eq!(
                doc["components"]["messages"].as_object().map(Map::len),
                Some(events),
                "{id}"
            );
        }
    }

    #[test]
    fn hemnet_headers_carry_the_signature_and_their_provenance() {
        let headers = headers_schema(ProviderId::Hemnet.provider());
        assert_eq!(
            headers["properties"]["User-Agent"]["const"],
            "Hemnet API Client"
        );
        assert_eq!(
            headers["properties"]["X-Signature"]["x-hooksim-provenance"],
            "documented"
        );
        assert_eq!(
            headers["properties"]["X-Signature"]["pattern"],
            "^[0-9a-f]{64}(,[0-9a-f]{64})?$"
        );
    }

    #[test]
    fn regex_specials_are_escaped() {
        assert_eq!(regex_escape(", "), ", ");
        assert_eq!(regex_escape("|"), "\\|");
    }
}
