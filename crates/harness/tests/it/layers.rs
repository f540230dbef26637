//! The steps stand on the reading toolkit, the expectations and the
//! scenario's state, never on the scenario model or the runner (which
//! stand on them): no module the steps use, directly or through others,
//! uses `crate::scenario` or `crate::runner`. Read from the sources, test
//! code and comments left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every top-level module of the harness and the top-level modules its
/// code (not its tests or comments) names as `crate::NAME`.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pending = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).expect("under src");
            let first = relative.components().next().expect("a path");
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned();
            let text = std::fs::read_to_string(&path).expect("a readable source");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let named = uses.entry(module).or_default();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (at, _) in line.match_indices("crate::") {
                    let name: String = line[at + "crate::".len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        named.insert(name);
                    }
                }
            }
        }
    }
    uses
}

#[test]
fn the_steps_never_reach_the_scenario_model_or_the_runner() {
    let uses = uses();
    assert!(uses.contains_key("steps"), "{:?}", uses.keys());
    let mut reached = BTreeSet::new();
    let mut path: BTreeMap<String, String> = BTreeMap::new();
    let mut pending = vec!["steps".to_owned()];
    while let Some(module) = pending.pop() {
        for used in uses.get(&module).into_iter().flatten() {
            if reached.insert(used.clone()) {
                path.insert(used.clone(), module.clone());
                pending.push(used.clone());
            }
        }
    }
    for forbidden in ["scenario", "runner", "schema", "suite", "report"] {
        assert!(
            !reached.contains(forbidden),
            "the steps reach `{forbidden}` (through `{}`)",
            path.get(forbidden).map_or("?", String::as_str)
        );
    }
    // The scenario model does use the steps: the layering is one-way.
    assert!(uses["scenario"].contains("steps"));
}
