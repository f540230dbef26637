//! hooksim-simulator: how real-estate platforms deliver webhooks.
//!
//! A [`providers::Provider`] knows one platform's events, payloads, encoding,
//! headers, signature and [`policy::DeliveryPolicy`]. The [`delivery`] engine
//! sends a prepared request under that policy: real request timeouts, nominal
//! retry gaps on a [`clock::Clock`], one [`outcome::Outcome`] per attempt.
//! Nothing here knows about scenarios.

pub mod api;
pub mod capture;
pub mod clock;
pub mod contract;
pub mod delivery;
pub mod encoding;
pub mod error;
pub mod fake;
pub mod fuzz;
pub mod identity;
pub mod outcome;
pub mod payload;
pub mod policy;
pub mod providers;
pub mod schedule;
pub mod signing;
pub mod stand_in;
pub mod template;
pub mod transport;

pub use error::SimulatorError;
