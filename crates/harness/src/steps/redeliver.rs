//! `redeliver`: send an earlier delivery again, byte for byte, under the
//! provider's full policy, as the provider does on a duplicate.

use hooksim_simulator::providers::ProviderId;

use super::deliver::{Sending, send};
use super::{Ran, ReadContext, StepCx, StepKind, aliases};
use crate::error::HarnessError;
use crate::read::shape::{Key, Shape, names};
use crate::read::{Node, NodeKind, Reader};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeliver {
    /// The alias of the delivery to send again.
    pub from: String,
}

fn keys() -> Vec<Key> {
    vec![Key::required(
        "from",
        "The `as:` alias of an earlier `deliver` step.",
        Shape::Text,
    )]
}

impl StepKind for Redeliver {
    const KEYWORD: &'static str = "redeliver";
    const SUMMARY: &'static str = "Send an earlier delivery again, byte for byte, as the provider does on a duplicate. `redeliver: ALIAS` is short for `redeliver: { from: ALIAS }`.";

    fn shape(_: Option<ProviderId>) -> Option<Shape> {
        Some(Shape::Either(vec![Shape::Text, Shape::Mapping(keys())]))
    }

    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        let from = if !matches!(value.kind, NodeKind::Map(_)) {
            value
        } else {
            let entries = r.entries(value, key, "`redeliver`", &names(&keys()))?;
            r.required(
                &entries,
                "from",
                "name the delivery to send again by its alias: `redeliver: first`",
            )?
        };
        let from = aliases::alias_reference(r, from, "redeliver", cx)?;
        Some(Redeliver { from })
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        let payload = recall(cx, &self.from)?;
        let schedule = cx.policy.schedule.value.clone();
        send(
            cx,
            Sending {
                title: format!("redeliver {}", self.from),
                payload,
                overrides: Vec::new(),
                forgery: None,
                schedule,
                to_registered: None,
                exact: None,
            },
        )
        .await
    }
}

/// The payload an earlier deliver sent as `alias`.
pub(crate) fn recall(cx: &StepCx<'_>, alias: &str) -> Result<serde_json::Value, HarnessError> {
    cx.state
        .sent
        .get(alias)
        .cloned()
        .ok_or_else(|| HarnessError::Target {
            path: cx.path.to_owned(),
            message: format!(
                "step {}: no earlier delivery is called `{alias}`",
                cx.index + 1
            ),
        })
}
