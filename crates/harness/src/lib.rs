//! hooksim-harness: scenario files in, verdicts, transcripts and snapshots out.
//!
//! A [`scenario::Scenario`] is read and validated from YAML, run step by step
//! by the [`runner`] through the simulator's delivery engine (each step's
//! reading, running and record in its own module of [`steps`]), checked by
//! [`expect`], written down by [`transcript`] and compared by [`snapshot`].
//! [`schema`] publishes the file format as JSON Schema, from the same
//! definitions the reader uses.
//! Nothing here speaks HTTP beyond what the simulator returns.

pub mod builtin;
pub mod duration;
pub mod error;
pub mod expect;
pub mod file;
pub(crate) mod hash;
pub mod interrupt;
pub mod latency;
pub mod provider_api;
pub(crate) mod read;
pub mod reference_receiver;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod schema;
pub mod selection;
pub mod send;
pub mod settings;
pub mod snapshot;
pub mod stand_in;
pub mod state;
pub mod steps;
pub mod suggest;
pub mod suite;
pub mod transcript;

pub use error::HarnessError;
