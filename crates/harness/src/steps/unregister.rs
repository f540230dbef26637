//! `unregister`: ask the receiver to remove its registrations through the
//! provider's API (its `unregister` setting), and wait for them to go.

use std::time::Duration;

use hooksim_simulator::providers::ProviderId;

use super::register::{REGISTRATION_EXPECTS, has_setting, registration, require_setting};
use super::{Ran, ReadContext, StepCx, StepKind};
use crate::error::HarnessError;
use crate::expect::{Allowed, Expectations};
use crate::read::shape::Shape;
use crate::read::{Node, NodeKind, Reader};

/// How long an `unregister` step waits for the registrations to go.
const UNREGISTER_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unregister;

impl StepKind for Unregister {
    const KEYWORD: &'static str = "unregister";
    const SUMMARY: &'static str = "Ask the receiver to remove its registrations through the provider's API (its `unregister` setting), and wait for them to go. Written `unregister: {}` or `unregister:` alone.";
    const EXPECTS: Allowed = REGISTRATION_EXPECTS;

    fn shape(provider: Option<ProviderId>) -> Option<Shape> {
        has_setting(provider, "unregister")
            .then(|| Shape::Either(vec![Shape::Nothing, Shape::Mapping(Vec::new())]))
    }

    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        require_setting(r, key, "unregister", cx.provider);
        if value.kind != NodeKind::Null {
            r.entries(value, key, "`unregister`", &[])?;
        }
        Some(Unregister)
    }

    fn default_expect() -> Expectations {
        Expectations {
            registered: Some(false),
            ..Expectations::default()
        }
    }

    fn uses_provider_api(&self) -> bool {
        true
    }

    fn calls_receiver(&self) -> bool {
        true
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        registration(cx, false, None, UNREGISTER_WAIT).await
    }
}
