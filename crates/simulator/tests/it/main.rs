//! The delivery engine against stand-in receivers: wiremock for well-formed
//! HTTP, raw TCP for receivers that misbehave below HTTP.

mod delivery;
mod misbehaving;
