//! Finding, reading and selecting scenarios, shared by `run` and `list`.

use std::path::PathBuf;

use hooksim_harness::scenario::{Scenario, load_scenario};
use hooksim_harness::selection::{Filter, Partition, select};
use hooksim_harness::suite::find_scenario_files;

use super::fail;
use crate::args::SelectArgs;
use crate::exit::Exit;

/// The selected scenarios, or the exit code of what went wrong (already printed).
pub fn select_scenarios(args: &SelectArgs) -> Result<Vec<Scenario>, Exit> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        args.paths.clone()
    };
    let filters = args
        .filters
        .iter()
        .map(|f| f.parse::<Filter>())
        .collect::<Result<Vec<_>, _>>();
    let partition = args
        .partition
        .as_deref()
        .map(str::parse::<Partition>)
        .transpose();
    let (filters, partition) = match (filters, partition) {
        (Ok(filters), Ok(partition)) => (filters, partition),
        (Err(e), _) | (_, Err(e)) => return Err(fail(&e)),
    };
    let files = find_scenario_files(&paths).map_err(|e| fail(&e))?;
    if files.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "error: no scenario files (*.yaml) under {}",
            shown.join(", ")
        );
        return Err(Exit::BadInput);
    }
    let scenarios = load_all(&files).ok_or(Exit::BadInput)?;
    Ok(select(scenarios, &filters, partition))
}

/// Read every file, reporting every mistake (not just the first file's).
fn load_all(files: &[PathBuf]) -> Option<Vec<Scenario>> {
    let mut scenarios = Vec::with_capacity(files.len());
    let mut ok = true;
    for file in files {
        match load_scenario(file) {
            Ok(scenario) => scenarios.push(scenario),
            Err(error) => {
                ok = false;
                eprintln!("{:?}", miette::Report::new(error));
            }
        }
    }
    ok.then_some(scenarios)
}
