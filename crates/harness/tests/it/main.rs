//! The harness's integration tests, one binary (see STYLE.md, point 7).

mod layers;
mod parser_fuzz;
mod scenario_errors;
mod schema;
mod sources;
mod stand_in_time;
