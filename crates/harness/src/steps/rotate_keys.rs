//! `rotate_keys`: change the keys deliveries are signed with, as a
//! provider does while a secret is rotated (two signatures at once).

use std::fmt::Write as _;
use std::sync::Arc;

use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::signing::{SigningKey, SigningKeys};

use super::{Ran, ReadContext, Record, StepCx, StepKind, require_signing, signs};
use crate::error::HarnessError;
use crate::expect::Allowed;
use crate::read::shape::{Key, Shape, names};
use crate::read::{Kind, Node, Problem, Reader, optional};
use crate::steps::Answers;

/// `rotate_keys: { old: K1 }` signs `old,new` with K1 as the old key and the
/// current key as the new one; `{ new: K2 }` keeps the current key as old and
/// adds K2; `finished: true` drops the old key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RotateKeys {
    pub old: Option<String>,
    pub new: Option<String>,
    pub finished: bool,
}

fn keys() -> Vec<Key> {
    vec![
        Key::optional(
            "old",
            "Sign with this key as the old one, before the current key.",
            Shape::Scalar,
        ),
        Key::optional(
            "new",
            "Keep the current key as the old one and add this key as the new one.",
            Shape::Scalar,
        ),
        Key::optional(
            "finished",
            "`true`: the rotation is over; only the newest key signs.",
            Shape::Boolean,
        ),
    ]
}

impl StepKind for RotateKeys {
    const KEYWORD: &'static str = "rotate_keys";
    const SUMMARY: &'static str =
        "Change the keys deliveries are signed with, as the provider does while a secret is rotated.";
    const EXPECTS: Allowed = Allowed::NOTHING;

    fn shape(provider: Option<ProviderId>) -> Option<Shape> {
        signs(provider).then(|| Shape::SomeOf(keys()))
    }

    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        require_signing(r, key, "rotate_keys", cx.provider);
        let entries = r.entries(value, key, "`rotate_keys`", &names(&keys()))?;
        if entries.known.is_empty() {
            r.report(
                key,
                Problem::new(Kind::MissingKey, "`rotate_keys` needs `old`, `new` or `finished`", "nothing to rotate")
                    .with_help("`old: KEY` signs with KEY as the old key, `new: KEY` adds KEY as the new one, `finished: true` drops the old key"),
            );
            return None;
        }
        let old = entries.get("old").map(|node| r.string(node, "old"));
        let new = entries.get("new").map(|node| r.string(node, "new"));
        let finished = entries
            .get("finished")
            .map(|node| r.boolean(node, "finished"));
        Some(RotateKeys {
            old: optional(old)?,
            new: optional(new)?,
            finished: optional(finished)?.unwrap_or(false),
        })
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        for route in &mut cx.state.routes {
            route.keys = rotated(&route.keys, self);
        }
        let keys = cx
            .state
            .routes
            .first()
            .map(|r| r.keys.keys.iter().map(|k| k.name.clone()).collect())
            .unwrap_or_default();
        Ok((Arc::new(KeysRotated { keys }), Vec::new()))
    }
}

/// The keys after a rotation step: `old` goes before the current key, `new`
/// after it; `finished` keeps only the newest.
fn rotated(keys: &SigningKeys, rotation: &RotateKeys) -> SigningKeys {
    let current = keys.keys.last().cloned();
    let old = rotation
        .old
        .as_ref()
        .map(|k| SigningKey::new("old", k.clone()));
    let new = rotation
        .new
        .as_ref()
        .map(|k| SigningKey::new("new", k.clone()));
    let keys: Vec<SigningKey> = match (old, new) {
        (Some(old), Some(new)) => vec![old, new],
        (Some(old), None) => [Some(old), current].into_iter().flatten().collect(),
        (None, Some(new)) => [current, Some(new)].into_iter().flatten().collect(),
        (None, None) => current.into_iter().collect(),
    };
    let keys = if rotation.finished {
        keys.into_iter().last().into_iter().collect()
    } else {
        keys
    };
    SigningKeys { keys }
}

/// The names of the keys deliveries are signed with after a rotation.
#[derive(Debug, Clone)]
pub struct KeysRotated {
    pub keys: Vec<String>,
}

impl Record for KeysRotated {
    fn transcript(&self, out: &mut String, heading: &str, _: Answers) {
        let _ = writeln!(
            out,
            "{heading}: rotate_keys, now signing with: {}",
            self.keys.join(", ")
        );
    }

    fn json_kind(&self) -> &'static str {
        "keys-rotated"
    }

    fn json_title(&self) -> String {
        format!("rotate_keys: {}", self.keys.join(", "))
    }
}
