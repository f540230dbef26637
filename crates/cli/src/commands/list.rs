//! `hooksim list`: the scenarios a run would take.

use super::select::select_scenarios;
use crate::args::SelectArgs;
use crate::exit::Exit;

pub fn list(args: SelectArgs) -> Exit {
    let scenarios = match select_scenarios(&args) {
        Ok(scenarios) => scenarios,
        Err(exit) => return exit,
    };
    for s in &scenarios {
        println!(
            "{:<22} {:<48} {}",
            s.provider.as_str(),
            s.rule,
            s.path.display()
        );
    }
    println!(
        "{} scenario{}",
        scenarios.len(),
        if scenarios.len() == 1 { "" } else { "s" }
    );
    Exit::Pass
}
