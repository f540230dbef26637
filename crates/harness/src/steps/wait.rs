//! `wait`: let nominal time pass on the scenario's clock (a provider's
//! retry waits of days take milliseconds).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::schedule::format_nominal;

use super::{Ran, ReadContext, Record, StepCx, StepKind};
use crate::error::HarnessError;
use crate::expect::Allowed;
use crate::read::shape::Shape;
use crate::read::{Node, Reader};
use crate::steps::Answers;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub duration: Duration,
}

impl StepKind for Wait {
    const KEYWORD: &'static str = "wait";
    const SUMMARY: &'static str = "Let nominal time pass, like `90m` or `1h 30m`: the scenario's clock moves on at once.";
    const EXPECTS: Allowed = Allowed::NOTHING;

    fn shape(_: Option<ProviderId>) -> Option<Shape> {
        Some(Shape::Duration)
    }

    fn read(r: &mut Reader<'_>, _key: &Node, value: &Node, _cx: &mut ReadContext) -> Option<Self> {
        let duration = r.nominal_duration(value, "wait", "a duration, like `90m` or `1h 30m`")?;
        Some(Wait { duration })
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        cx.state.clock.advance(self.duration).await;
        let record = Waited {
            duration: self.duration,
            now: cx.state.clock.now(),
        };
        Ok((Arc::new(record), Vec::new()))
    }
}

/// How long a `wait` waited, and the nominal time after it.
#[derive(Debug, Clone)]
pub struct Waited {
    pub duration: Duration,
    pub now: Duration,
}

impl Record for Waited {
    fn transcript(&self, out: &mut String, heading: &str, _: Answers) {
        let _ = writeln!(
            out,
            "{heading}: wait {}, now at +{}",
            format_nominal(self.duration),
            format_nominal(self.now)
        );
    }

    fn json_kind(&self) -> &'static str {
        "waited"
    }

    fn json_title(&self) -> String {
        format!("wait {} ms", self.duration.as_millis())
    }
}
