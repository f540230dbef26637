//! hooksim-harness: scenario files in, verdicts, transcripts and snapshots out.
//!
//! A [`scenario::Scenario`] is read and validated from YAML, run step by step
//! by the [`runner`] through the simulator's delivery engine, checked by
//! [`expect`], written down by [`transcript`] and compared by [`snapshot`].
//! Nothing here speaks HTTP beyond what the simulator returns.

pub mod builtin;
pub mod burst;
pub mod duration;
pub mod error;
pub mod expect;
pub mod fuzz_step;
pub mod latency;
pub mod provider_api;
pub mod reference_receiver;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod selection;
pub mod send;
pub mod settings;
pub mod snapshot;
pub mod stand_in;
pub mod suggest;
pub mod suite;
pub mod transcript;

pub use error::HarnessError;
