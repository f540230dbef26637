//! PF Expert's hook body, the same for all 22 events: `{event, client,
//! concept: {id, namespace, sub_namespace}}`, documented by the field tables
//! under "Listen to hook events from client system". Assumed: the namespace
//! of every family but `property`, and every `sub_namespace` member.

use crate::contract::{Shape, field, object, one_of};
use crate::providers::Provider;
use crate::providers::propertyfinder::{DELIVERY, PropertyFinder, namespace_of};

const SUB_NAMESPACE_ASSUMED: &str = "documented as a \"type of resource (not always mentioned)\" \
     with no members, and null in the example; the members (sales or rentals where PF Expert \
     separates them, none for landlords and users) are assumed";

pub(crate) fn shape(event: &str) -> Option<Shape> {
    let spec = PropertyFinder.event(event).ok()?;
    let namespace = namespace_of(spec.name)?;
    Some(object([
        field("event", Shape::Tag(spec.name)).documented(DELIVERY),
        field("client", Shape::Integer).documented(DELIVERY),
        field(
            "concept",
            object([
                field("id", Shape::Integer).documented(DELIVERY),
                // Names the event's family, so it is the event's own value.
                field("namespace", Shape::Tag(namespace.name)).provenance(namespace.provenance),
                // A family without sub-namespaces lists none: always null as sent.
                field("sub_namespace", one_of(namespace.sub_namespaces).nullable())
                    .assumed(SUB_NAMESPACE_ASSUMED),
            ]),
        )
        .documented(DELIVERY),
    ]))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::contract::Openness;
    use crate::providers::propertyfinder::{BODY_KEYS, CONCEPT_KEYS};

    fn names(shape: &Shape) -> Vec<&'static str> {
        match shape {
            Shape::Object(fields) => fields.iter().map(|f| f.name).collect(),
            other => panic!("an object: {other:?}"),
        }
    }

    #[test]
    fn every_event_has_the_documented_body_in_order() {
        for spec in PropertyFinder.events() {
            let shape = shape(spec.name).expect("a catalogue event");
            assert_eq!(names(&shape), BODY_KEYS, "{}", spec.name);
            let concept = shape.at("concept").expect("a concept");
            assert_eq!(names(concept), CONCEPT_KEYS, "{}", spec.name);
        }
        assert_eq!(shape("property.updated"), None, "only in the doc's example");
    }

    #[test]
    fn a_family_without_sub_namespaces_sends_only_null() {
        let valid = |event, openness, sub_namespace: Value| {
            let schema = shape(event).expect("an event").schema(openness);
            let namespace = namespace_of(event).map(|n| n.name);
            let body = json!({
                "event": event,
                "client": 9999,
                "concept": {"id": 888999, "namespace": namespace, "sub_namespace": sub_namespace},
            });
            jsonschema::is_valid(&schema, &body)
        };
        let published = Openness::published(&PropertyFinder);
        assert!(valid("landlord.new", Openness::CLOSED, Value::Null));
        assert!(!valid("landlord.new", Openness::CLOSED, json!("sale")));
        assert!(valid("landlord.new", published, json!("sale")));
        assert!(valid("property.new", Openness::CLOSED, json!("rent")));
        assert!(!valid("property.new", Openness::CLOSED, json!("tenant")));
    }
}
