//! `forge`: send an earlier delivery once more with a forged signature,
//! once (a forger does not retry on the provider's schedule).

use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::schedule::Schedule;
use hooksim_simulator::signing::Forgery;

use super::deliver::{Sending, send};
use super::redeliver::recall;
use super::{Ran, ReadContext, StepCx, StepKind, aliases, require_signing, signs};
use crate::error::HarnessError;
use crate::read::shape::{Key, Shape, names};
use crate::read::{Kind, Node, Problem, Reader};
use crate::suggest::{backticked, did_you_mean};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forge {
    /// The alias of the delivery to forge.
    pub from: String,
    pub forgery: Forgery,
}

fn forgery_names() -> Vec<&'static str> {
    Forgery::ALL.iter().map(Forgery::name).collect()
}

fn keys() -> Vec<Key> {
    vec![
        Key::required(
            "from",
            "The `as:` alias of an earlier `deliver` step whose payload is sent again.",
            Shape::Text,
        ),
        Key::required(
            "signature",
            "How the signature is forged: `wrong-key` signs with another key, `missing-header` leaves the signature header out, `malformed-value` sends a value not in the provider's form, `body-changed-after-signing` changes the body after signing.",
            Shape::words(forgery_names()),
        ),
    ]
}

impl StepKind for Forge {
    const KEYWORD: &'static str = "forge";
    const SUMMARY: &'static str = "Send an earlier delivery once more with a forged signature, once: the receiver must reject it.";

    fn shape(provider: Option<ProviderId>) -> Option<Shape> {
        signs(provider).then(|| Shape::Mapping(keys()))
    }

    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        require_signing(r, key, "forge", cx.provider);
        let entries = r.entries(value, key, "`forge`", &names(&keys()))?;
        let from = r.required(
            &entries,
            "from",
            "name the delivery to forge by its alias: `from: first`",
        );
        let from = from.and_then(|node| aliases::alias_reference(r, node, "forge", cx));
        let signature = r.required(
            &entries,
            "signature",
            &format!("say how to forge it: {}", backticked(&forgery_names())),
        );
        let forgery = signature.and_then(|node| read_forgery(r, node));
        Some(Forge {
            from: from?,
            forgery: forgery?,
        })
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        let payload = recall(cx, &self.from)?;
        send(
            cx,
            Sending {
                title: format!("forge {} ({})", self.from, self.forgery.name()),
                payload,
                overrides: Vec::new(),
                forgery: Some(self.forgery),
                // A forger sends once; the provider's schedule is for the provider's own deliveries.
                schedule: Schedule::once(),
                to_registered: None,
                exact: None,
            },
        )
        .await
    }
}

fn read_forgery(r: &mut Reader<'_>, node: &Node) -> Option<Forgery> {
    let name = r.string(node, "signature")?;
    if let Some(forgery) = Forgery::from_name(&name) {
        return Some(forgery);
    }
    r.report(
        node,
        Problem::new(
            Kind::UnknownForgery,
            format!("unknown forgery `{name}`"),
            "not a forgery",
        )
        .with_help(did_you_mean(&name, &forgery_names(), "forgeries")),
    );
    None
}
