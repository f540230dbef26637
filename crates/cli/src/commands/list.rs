//! `hooksim list`: the scenarios a run would take.

use std::path::Path;

use super::select::configured_scenarios;
use crate::args::SelectArgs;
use crate::exit::Exit;

/// hooksim.toml's `scenarios` and filters apply as they would to `hooksim run`.
pub fn list(config: Option<&Path>, args: &SelectArgs) -> Exit {
    let scenarios = match configured_scenarios(config, args, None) {
        Ok((_, scenarios)) => scenarios,
        Err(exit) => return exit,
    };
    for s in &scenarios {
        outln!(
            "{:<22} {:<48} {}",
            s.provider.as_str(),
            s.rule,
            s.path.display()
        );
    }
    outln!(
        "{} scenario{}",
        scenarios.len(),
        if scenarios.len() == 1 { "" } else { "s" }
    );
    Exit::Pass
}
