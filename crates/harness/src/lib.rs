//! hooksim-harness: scenarios in, verdicts and snapshots out.

pub mod duration;
pub mod scenario;
