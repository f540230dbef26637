//! The harness's integration tests, one binary (see STYLE.md, point 7).

mod scenario_errors;
mod sources;
mod stand_in_time;
