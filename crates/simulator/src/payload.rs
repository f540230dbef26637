//! Scenario overrides on a built payload: `data.message: "Tom & Jerry"`.

use serde_json::{Map, Value};

use crate::error::SimulatorError;

/// Set the value at a dotted path (`data.listing.id`, `items.0.name`),
/// creating objects for missing keys. Array elements are addressed by index
/// and must exist.
pub fn set_path(root: &mut Value, path: &str, value: Value) -> Result<(), SimulatorError> {
    let invalid = |reason: String| SimulatorError::InvalidOverride {
        path: path.to_owned(),
        reason,
    };
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(invalid("empty path segment".to_owned()));
    }
    let (last, parents) = segments
        .split_last()
        .ok_or_else(|| invalid("empty path".to_owned()))?;
    let mut node = root;
    for (depth, segment) in parents.iter().enumerate() {
        node = match node {
            Value::Object(map) => map
                .entry(*segment)
                .or_insert_with(|| Value::Object(Map::new())),
            Value::Array(items) => {
                let len = items.len();
                let index = parse_index(segment, len).map_err(&invalid)?;
                &mut items[index]
            }
            Value::Null => {
                // A documented null being given content: make it an object.
                *node = Value::Object(Map::new());
                match node {
                    Value::Object(map) => map
                        .entry(*segment)
                        .or_insert_with(|| Value::Object(Map::new())),
                    _ => unreachable!("just assigned an object"),
                }
            }
            other => {
                return Err(invalid(format!(
                    "`{}` is a {}, not an object",
                    segments[..=depth].join("."),
                    kind(other)
                )));
            }
        };
    }
    match node {
        Value::Object(map) => {
            map.insert((*last).to_owned(), value);
            Ok(())
        }
        Value::Array(items) => {
            let index = parse_index(last, items.len()).map_err(&invalid)?;
            items[index] = value;
            Ok(())
        }
        Value::Null => {
            let mut map = Map::new();
            map.insert((*last).to_owned(), value);
            *node = Value::Object(map);
            Ok(())
        }
        other => Err(invalid(format!(
            "`{}` is a {}, not an object",
            parents.join("."),
            kind(other)
        ))),
    }
}

/// Read the value at a dotted path, if there is one.
pub fn get_path<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |node, segment| match node {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// Take the object attribute at a dotted path out, if it is there: the
/// attribute is gone, not null.
pub fn remove_path(root: &mut Value, path: &str) -> Option<Value> {
    let (parent, last) = match path.rsplit_once('.') {
        Some((parent, last)) => (get_path_mut(root, parent)?, last),
        None => (root, path),
    };
    parent.as_object_mut()?.remove(last)
}

fn get_path_mut<'a>(root: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    path.split('.').try_fold(root, |node, segment| match node {
        Value::Object(map) => map.get_mut(segment),
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    })
}

fn parse_index(segment: &str, len: usize) -> Result<usize, String> {
    match segment.parse::<usize>() {
        Ok(i) if i < len => Ok(i),
        Ok(i) => Err(format!("index {i} is past the end of an array of {len}")),
        Err(_) => Err(format!("`{segment}` is not an index into an array")),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_nested_and_creates_missing() {
        let mut v = json!({"data": {"message": "hi", "listing": null}});
        set_path(&mut v, "data.message", json!("Tom & Jerry")).expect("settable");
        set_path(&mut v, "data.listing.id", json!(7)).expect("null becomes object");
        set_path(&mut v, "data.newAttribute", json!(true)).expect("new key");
        assert_eq!(
            v,
            json!({"data": {"message": "Tom & Jerry", "listing": {"id": 7}, "newAttribute": true}})
        );
    }

    #[test]
    fn refuses_to_descend_into_scalars() {
        let mut v = json!({"data": {"message": "hi"}});
        let err = set_path(&mut v, "data.message.x", json!(1)).expect_err("string has no keys");
        assert!(
            err.to_string().contains("`data.message` is a string"),
            "{err}"
        );
    }

    #[test]
    fn removes_an_attribute_and_only_that() {
        let mut v = json!({"data": {"city": "Köln", "items": [{"a": 1, "b": 2}]}});
        assert_eq!(remove_path(&mut v, "data.city"), Some(json!("Köln")));
        assert_eq!(remove_path(&mut v, "data.items.0.a"), Some(json!(1)));
        assert_eq!(remove_path(&mut v, "data.missing"), None);
        assert_eq!(remove_path(&mut v, "data.items.0.b.c"), None);
        assert_eq!(v, json!({"data": {"items": [{"b": 2}]}}));
    }

    #[test]
    fn addresses_array_items() {
        let mut v = json!({"items": [{"a": 1}]});
        set_path(&mut v, "items.0.a", json!(2)).expect("index exists");
        assert_eq!(get_path(&v, "items.0.a"), Some(&json!(2)));
        assert!(set_path(&mut v, "items.3.a", json!(2)).is_err());
    }
}
