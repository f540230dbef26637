//! Finding, reading and selecting scenarios, shared by `run` and `list`.

use std::path::{Path, PathBuf};

use hooksim_harness::builtin;
use hooksim_harness::scenario::{Scenario, load_scenario, parse_scenario};
use hooksim_harness::selection::{Filter, Partition, select as select_from};
use hooksim_harness::suite::find_scenario_files;

use super::fail;
use crate::args::{RunArgs, SelectArgs};
use crate::config::Resolved;
use crate::exit::Exit;

/// The path a command takes when none is given: `./scenarios` when it is
/// there, else the built-in suites.
pub fn default_path() -> PathBuf {
    if Path::new("scenarios").exists() {
        PathBuf::from("scenarios")
    } else {
        PathBuf::from(builtin::PREFIX)
    }
}

/// The configuration (hooksim.toml under the flags) and the scenarios it
/// selects, or the exit code of what went wrong (already printed).
pub fn configured_scenarios(
    config: Option<&Path>,
    select: &SelectArgs,
    run: Option<&RunArgs>,
) -> Result<(Resolved, Vec<Scenario>), Exit> {
    let resolved = crate::config::resolve(config, select, run).map_err(|error| {
        errln!("{:?}", miette::Report::new(error));
        Exit::BadInput
    })?;
    let paths: Vec<PathBuf> = if resolved.paths.is_empty() {
        let path = default_path();
        if builtin::is_builtin(&path) {
            errln!(
                "note: no scenarios/ folder here (and no `scenarios` in hooksim.toml): taking the {} built-in scenarios (`builtin:`; `hooksim suites export DIR` writes them out)",
                builtin::scenarios().count()
            );
        }
        vec![path]
    } else {
        resolved.paths.iter().map(|p| p.value.clone()).collect()
    };
    let filters = resolved
        .filters
        .iter()
        .map(|f| f.value.parse::<Filter>())
        .collect::<Result<Vec<_>, _>>();
    let partition = select
        .partition
        .as_deref()
        .map(str::parse::<Partition>)
        .transpose();
    let (filters, partition) = match (filters, partition) {
        (Ok(filters), Ok(partition)) => (filters, partition),
        (Err(e), _) | (_, Err(e)) => return Err(fail(&e)),
    };
    let scenarios = load_paths(&paths)?;
    Ok((resolved, select_from(scenarios, &filters, partition)))
}

/// Every scenario under `paths`, in path order; every mistake of every
/// file is reported (not just the first file's).
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<Scenario>, Exit> {
    let (builtins, on_disk): (Vec<&PathBuf>, Vec<&PathBuf>) =
        paths.iter().partition(|p| builtin::is_builtin(p));
    let mut embedded = Vec::new();
    for path in builtins {
        let selector = builtin::relative(path).unwrap_or_default();
        embedded.extend(builtin::select(selector).map_err(|e| fail(&e))?);
    }
    embedded.sort_by_key(|file| file.relative);
    embedded.dedup();
    let files = if on_disk.is_empty() {
        Vec::new()
    } else {
        let on_disk: Vec<PathBuf> = on_disk.into_iter().cloned().collect();
        find_scenario_files(&on_disk).map_err(|e| fail(&e))?
    };
    if files.is_empty() && embedded.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        errln!(
            "error: no scenario files (*.yaml or *.yml) under {}",
            shown.join(", ")
        );
        return Err(Exit::BadInput);
    }
    let mut scenarios = Vec::with_capacity(files.len() + embedded.len());
    let mut ok = true;
    let mut keep = |loaded: Result<Scenario, hooksim_harness::scenario::ScenarioError>| match loaded
    {
        Ok(scenario) => scenarios.push(scenario),
        Err(error) => {
            ok = false;
            errln!("{:?}", miette::Report::new(error));
        }
    };
    for file in &embedded {
        keep(parse_scenario(&file.path(), file.text));
    }
    for file in &files {
        keep(load_scenario(file));
    }
    if ok {
        Ok(scenarios)
    } else {
        Err(Exit::BadInput)
    }
}
