//! The built-in suites, embedded in the binary at build time: every
//! scenario of the repository's `scenarios/` and the reference receiver's
//! snapshots of them. A run names them `builtin:` (all of them),
//! `builtin:hemnet` (one provider's) or `builtin:hemnet/signature-raw-body.yaml`
//! (one file); they read like files, and errors point into them.

use std::path::{Path, PathBuf};

use crate::error::HarnessError;
use crate::suggest::did_you_mean;

include!(concat!(env!("OUT_DIR"), "/builtin_files.rs"));

/// How a run names the built-in suites.
pub const PREFIX: &str = "builtin:";

/// One embedded scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinFile {
    /// Below `scenarios/`, like `hemnet/signature-raw-body.yaml`.
    pub relative: &'static str,
    pub text: &'static str,
}

impl BuiltinFile {
    /// The name it goes by in a run: `builtin:hemnet/….yaml`.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(format!("{PREFIX}{}", self.relative))
    }
}

/// Every embedded scenario, in path order.
pub fn scenarios() -> impl Iterator<Item = BuiltinFile> {
    SCENARIOS
        .iter()
        .map(|(relative, text)| BuiltinFile { relative, text })
}

/// Whether a command-line path names built-in scenarios.
pub fn is_builtin(path: &Path) -> bool {
    path.to_str().is_some_and(|p| p.starts_with(PREFIX))
}

/// The path below the built-in `scenarios/` of a scenario a run read from
/// the binary (`builtin:hemnet/x.yaml` → `hemnet/x.yaml`).
pub fn relative(path: &Path) -> Option<&str> {
    path.to_str()?.strip_prefix(PREFIX)
}

/// The files `builtin:SELECTOR` names: all for an empty selector, else a
/// provider folder, a folder below it, or one file.
pub fn select(selector: &str) -> Result<Vec<BuiltinFile>, HarnessError> {
    let selector = selector.trim_matches('/');
    let found: Vec<BuiltinFile> = scenarios()
        .filter(|file| {
            selector.is_empty()
                || file.relative == selector
                || file
                    .relative
                    .strip_prefix(selector)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .collect();
    if found.is_empty() {
        let mut names: Vec<&str> = scenarios()
            .filter_map(|file| file.relative.split('/').next())
            .collect();
        names.dedup();
        return Err(HarnessError::Usage(format!(
            "`{PREFIX}{selector}` names no built-in scenario; {}",
            did_you_mean(selector, &names, "the built-in suites")
        )));
    }
    Ok(found)
}

/// The reference receiver's accepted transcript of a built-in scenario,
/// by the snapshot's path below `snapshots/` (`hemnet/x.snap`).
pub fn snapshot(relative: &str) -> Option<&'static str> {
    SNAPSHOTS
        .iter()
        .find(|(path, _)| *path == relative)
        .map(|(_, text)| *text)
}

/// Write the built-in suites (of one provider, when given) to
/// `dir/scenarios/…` and their snapshots to `dir/snapshots/…`, the layout
/// `hooksim run dir/scenarios` reads. Never overwrites a file unless
/// `force`; returns what was written.
pub fn export(
    dir: &Path,
    provider: Option<&str>,
    force: bool,
) -> Result<Vec<PathBuf>, HarnessError> {
    let in_scope = |relative: &str| provider.is_none_or(|p| relative.split('/').next() == Some(p));
    let scenarios = SCENARIOS
        .iter()
        .filter(|(relative, _)| in_scope(relative))
        .map(|(relative, text)| (dir.join("scenarios").join(relative), *text));
    let snapshots = SNAPSHOTS
        .iter()
        .filter(|(relative, _)| in_scope(relative))
        .map(|(relative, text)| (dir.join("snapshots").join(relative), *text));
    let files: Vec<(PathBuf, &str)> = scenarios.chain(snapshots).collect();
    if !force {
        let existing: Vec<String> = files
            .iter()
            .filter(|(path, _)| path.exists())
            .map(|(path, _)| path.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(HarnessError::Usage(format!(
                "{} file(s) already exist (first: {}); export to an empty folder, or pass --force to overwrite",
                existing.len(),
                existing[0]
            )));
        }
    }
    let mut written = Vec::with_capacity(files.len());
    for (path, text) in files {
        let io = |source| HarnessError::Write {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, text).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_an_embedded_suite_with_snapshots() {
        for provider in hooksim_simulator::providers::ProviderId::ALL {
            let files = select(provider.as_str()).expect("a suite per provider");
            assert!(!files.is_empty(), "{provider:?}");
            for file in files {
                let snap = format!(
                    "{}.snap",
                    file.relative
                        .strip_suffix(".yaml")
                        .expect("built-in scenarios end in .yaml")
                );
                assert!(
                    snapshot(&snap).is_some(),
                    "no snapshot for {}",
                    file.relative
                );
            }
        }
    }

    #[test]
    fn selectors_name_folders_and_files_not_prefixes() {
        let one = select("hemnet/acknowledge-exactly-200.yaml").expect("one file");
        assert_eq!(one.len(), 1);
        assert_eq!(
            one[0].path(),
            PathBuf::from("builtin:hemnet/acknowledge-exactly-200.yaml")
        );
        // `propertyfinder` is not a prefix match for `propertyfinder-atlas`.
        assert!(
            select("propertyfinder")
                .expect("pf")
                .iter()
                .all(|f| f.relative.starts_with("propertyfinder/"))
        );
        let error = select("hemet").expect_err("typo");
        assert!(
            error.to_string().contains("did you mean `hemnet`"),
            "{error}"
        );
        assert_eq!(select("").expect("all").len(), SCENARIOS.len());
    }

    #[test]
    fn export_writes_the_repository_layout_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().expect("temp dir");
        let written = export(dir.path(), Some("spark"), false).expect("exported");
        assert!(
            written
                .iter()
                .any(|p| p.starts_with(dir.path().join("scenarios/spark")))
        );
        assert!(
            written
                .iter()
                .any(|p| p.starts_with(dir.path().join("snapshots/spark")))
        );
        assert!(!dir.path().join("scenarios/hemnet").exists());
        let again = export(dir.path(), Some("spark"), false).expect_err("exists");
        assert!(again.to_string().contains("--force"), "{again}");
        export(dir.path(), Some("spark"), true).expect("forced");
    }
}
