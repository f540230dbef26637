//! The YAML document as a plain tree in which every key and value knows
//! where it stands, so validation can point at any node and suggest fixes.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

/// One YAML node and where it stands in the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: NodeKind,
    /// Where the node is used (for an alias `*a`, the alias).
    pub at: Location,
    /// Where the node's text is written (for an alias, the anchored node).
    pub defined: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    /// Entries in file order; keys are nodes too, so they can be pointed at.
    Map(Vec<(Node, Node)>),
    Seq(Vec<Node>),
    Str(String),
    /// Wide enough for every YAML integer serde-saphyr reads (u64 and i64).
    Int(i128),
    Float(f64),
    Bool(bool),
    Null,
}

impl NodeKind {
    /// How an error message names what it found: "a string", "a list", ...
    pub fn article_name(&self) -> &'static str {
        match self {
            Self::Map(_) => "a mapping",
            Self::Seq(_) => "a list",
            Self::Str(_) => "a string",
            Self::Int(_) => "a number",
            Self::Float(_) => "a number",
            Self::Bool(_) => "a boolean",
            Self::Null => "nothing (null)",
        }
    }
}

/// Parse a whole document. Booleans are only `true`/`false` (YAML 1.2), so
/// `NO` stays a Norwegian country code.
pub(crate) fn parse_tree(text: &str) -> Result<Node, serde_saphyr::Error> {
    let options = serde_saphyr::Options {
        budget: Some(serde_saphyr::Budget {
            // A scenario is a few levels deep; a low cap keeps recursion off the stack's edge.
            max_depth: 64,
            ..serde_saphyr::Budget::default()
        }),
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        strict_booleans: true,
        // We render errors ourselves, with miette.
        with_snippet: false,
        ..serde_saphyr::Options::default()
    };
    serde_saphyr::from_str_with_options(text, options)
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<NodeKind>::deserialize(deserializer)?;
        Ok(Node {
            kind: spanned.value,
            at: spanned.referenced,
            defined: spanned.defined,
        })
    }
}

impl<'de> Deserialize<'de> for NodeKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeKindVisitor)
    }
}

struct NodeKindVisitor;

impl<'de> Visitor<'de> for NodeKindVisitor {
    type Value = NodeKind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<NodeKind, E> {
        Ok(NodeKind::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<NodeKind, E> {
        Ok(NodeKind::Int(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<NodeKind, E> {
        Ok(NodeKind::Int(value.into()))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<NodeKind, E> {
        Ok(NodeKind::Int(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<NodeKind, E> {
        Ok(NodeKind::Float(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<NodeKind, E> {
        Ok(NodeKind::Str(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<NodeKind, E> {
        Ok(NodeKind::Str(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<NodeKind, E> {
        Ok(NodeKind::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<NodeKind, E> {
        Ok(NodeKind::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<NodeKind, D::Error> {
        NodeKind::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<NodeKind, A::Error> {
        let mut nodes = Vec::new();
        while let Some(node) = items.next_element::<Node>()? {
            nodes.push(node);
        }
        Ok(NodeKind::Seq(nodes))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<NodeKind, A::Error> {
        let mut pairs = Vec::new();
        while let Some(key) = entries.next_key::<Node>()? {
            let value = entries.next_value::<Node>()?;
            pairs.push((key, value));
        }
        Ok(NodeKind::Map(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(node: &Node) -> &NodeKind {
        &node.kind
    }

    #[test]
    fn every_key_and_value_knows_its_line_and_column() {
        let tree = parse_tree("name: x\nsteps:\n  - wait: 5m\n").expect("valid YAML");
        let NodeKind::Map(entries) = kind(&tree) else {
            panic!("root is a mapping: {tree:?}")
        };
        let (steps_key, steps) = &entries[1];
        assert_eq!((steps_key.at.line(), steps_key.at.column()), (2, 1));
        let NodeKind::Seq(items) = kind(steps) else {
            panic!("steps is a list: {steps:?}")
        };
        let NodeKind::Map(step) = kind(&items[0]) else {
            panic!("a step is a mapping")
        };
        let (wait, duration) = &step[0];
        assert_eq!((wait.at.line(), wait.at.column()), (3, 5));
        assert_eq!((duration.at.line(), duration.at.column()), (3, 11));
        assert_eq!(duration.kind, NodeKind::Str("5m".into()));
    }

    #[test]
    fn scalars_keep_their_yaml_types() {
        let tree = parse_tree("[1, -1, 1.5, true, NO, null, '7', ~]").expect("valid YAML");
        let NodeKind::Seq(items) = tree.kind else {
            panic!("a list")
        };
        let kinds: Vec<NodeKind> = items.into_iter().map(|n| n.kind).collect();
        assert_eq!(
            kinds,
            [
                NodeKind::Int(1),
                NodeKind::Int(-1),
                NodeKind::Float(1.5),
                NodeKind::Bool(true),
                NodeKind::Str("NO".into()),
                NodeKind::Null,
                NodeKind::Str("7".into()),
                NodeKind::Null,
            ]
        );
    }
}
