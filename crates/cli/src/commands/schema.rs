//! `hooksim schema`: the scenario format as JSON Schema (2020-12), for
//! editors (`# yaml-language-server: $schema=...`) and validators.

use crate::exit::Exit;

pub fn schema() -> Exit {
    let schema = hooksim_harness::schema::scenario_schema();
    match serde_json::to_string_pretty(&schema) {
        Ok(text) => {
            outln!("{text}");
            Exit::Pass
        }
        Err(e) => {
            errln!("error: cannot write the schema: {e}");
            Exit::Runtime
        }
    }
}
