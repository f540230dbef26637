//! Snapshots in insta's `.snap` format: a YAML header between `---` lines
//! (with `source:` naming the scenario), then the transcript. A changed
//! transcript is written as `.snap.new` beside the accepted one, so both
//! `hooksim snapshots accept` and `cargo insta review` can take it from there.
//!
//! A snapshot shows change; it never decides a verdict. A new or changed
//! transcript waits as `.snap.new` for review, and `hooksim snapshots
//! --check` fails on it for the CI that wants that gate.

use std::path::{Path, PathBuf};

use crate::error::HarnessError;

/// What to do when a transcript differs from its snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SnapshotMode {
    /// Write `.snap.new` for review.
    #[default]
    Check,
    /// Overwrite the `.snap`.
    Update,
    /// `Update` for a transcript with a failed expectation: nothing is
    /// written, since a golden file must never hold a failure.
    Refuse,
}

/// How a transcript compared with its snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotStatus {
    Matched,
    /// Written in [`SnapshotMode::Update`] (new or changed).
    Updated {
        path: PathBuf,
    },
    /// There was no snapshot; the transcript waits in `pending`.
    New {
        pending: PathBuf,
    },
    /// The snapshot differs; `diff` is a unified diff, old to new.
    Changed {
        pending: PathBuf,
        diff: String,
    },
    /// `--update-snapshots` did not accept it: an expectation failed.
    NotAccepted {
        path: PathBuf,
    },
    /// A `builtin:` scenario's transcript differs from the snapshot
    /// embedded with it; nothing is written.
    BuiltinDiffers {
        diff: String,
    },
    /// Not compared: the team keeps no snapshot folder (`--snapshot-dir`),
    /// and the built-in snapshots record something else: hooksim playing
    /// the receiver, with the scenario's own seed and settings.
    NotKept,
}

impl SnapshotStatus {
    /// Nothing waits for review.
    pub fn is_settled(&self) -> bool {
        matches!(self, Self::Matched | Self::Updated { .. } | Self::NotKept)
    }
}

/// `<root>/<provider>/<path>.snap`: `<root>` is `snapshot_root` when given,
/// else the `snapshots` folder beside the `scenarios` folder the file lives
/// in, or beside the file itself when it lives in none (wherever the run
/// stands). `<path>` is the file's path below that `scenarios` folder (its
/// file name when there is none; below the built-in `scenarios/` for a
/// `builtin:` scenario), its provider folder left out, so
/// `scenarios/hemnet/rotation.yaml` writes `snapshots/hemnet/rotation.snap`
/// and two files of one name in different folders never share a snapshot.
pub fn snapshot_path(
    scenario_path: &Path,
    provider: &str,
    snapshot_root: Option<&Path>,
) -> PathBuf {
    use std::path::Component;
    let scenarios_folder = scenario_path
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "scenarios"));
    let (below, default_root) = match (crate::builtin::relative(scenario_path), scenarios_folder) {
        (Some(relative), _) => (PathBuf::from(relative), PathBuf::from("snapshots")),
        (None, Some(scenarios)) => (
            scenario_path
                .strip_prefix(scenarios)
                .map_or_else(|_| scenario_path.to_owned(), Path::to_owned),
            scenarios
                .parent()
                .map_or_else(|| PathBuf::from("snapshots"), |p| p.join("snapshots")),
        ),
        (None, None) => (
            PathBuf::from(scenario_path.file_name().unwrap_or_default()),
            scenario_path
                .parent()
                .map_or_else(|| PathBuf::from("snapshots"), |p| p.join("snapshots")),
        ),
    };
    let mut parts: Vec<String> = below
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if parts.len() > 1 && parts[0] == provider {
        parts.remove(0);
    }
    if let Some(file) = parts.last_mut() {
        let stem = Path::new(file.as_str())
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        *file = format!("{stem}.snap");
    }
    let root = snapshot_root.map_or(default_root, Path::to_owned);
    parts
        .into_iter()
        .fold(root.join(provider), |path, part| path.join(part))
}

/// Compare a `builtin:` scenario's transcript with the snapshot embedded
/// beside it. Nothing is written: the embedded suites belong to the binary.
pub fn compare_builtin(scenario_path: &Path, provider: &str, transcript: &str) -> SnapshotStatus {
    let name = snapshot_path(scenario_path, provider, Some(Path::new("")));
    let name = name.to_string_lossy().replace('\\', "/");
    match crate::builtin::snapshot(&name) {
        Some(text) if normalise(snapshot_body(text)) == normalise(transcript) => {
            SnapshotStatus::Matched
        }
        Some(text) => SnapshotStatus::BuiltinDiffers {
            diff: unified_diff(snapshot_body(text), transcript),
        },
        None => SnapshotStatus::NotKept,
    }
}

/// The command that takes pending snapshots under `root` from here: with
/// `--dir` unless `root` is the folder the command reads by default.
pub fn accept_command(action: &str, pending: &Path, provider: &str) -> String {
    // The root is the folder above the shallowest `<provider>` folder.
    let root = pending
        .ancestors()
        .filter(|a| a.file_name().is_some_and(|n| n == provider))
        .last()
        .and_then(Path::parent);
    match root {
        Some(root) if root != Path::new("snapshots") => {
            let shown = root.display().to_string();
            let quoted = if shown.contains(' ') {
                format!("'{shown}'")
            } else {
                shown
            };
            format!("hooksim snapshots {action} --dir {quoted}")
        }
        _ => format!("hooksim snapshots {action}"),
    }
}

/// The pending file beside a snapshot.
pub fn pending_path(snapshot: &Path) -> PathBuf {
    let mut name = snapshot.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// Compare `transcript` with the snapshot at `path`; write as `mode` says.
/// `source` goes into the header (the scenario path).
pub fn compare(
    path: &Path,
    source: &str,
    transcript: &str,
    mode: SnapshotMode,
) -> Result<SnapshotStatus, HarnessError> {
    let io = |source| HarnessError::Snapshot {
        path: path.to_owned(),
        source,
    };
    let pending = pending_path(path);
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(snapshot_body(&text).to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(e)),
    };
    let file = render_file(source, transcript);
    if existing.as_deref().map(normalise) == Some(normalise(transcript)) {
        remove_if_present(&pending).map_err(io)?;
        return Ok(SnapshotStatus::Matched);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    match (mode, existing) {
        (SnapshotMode::Update, _) => {
            crate::file::write_whole(path, file.as_bytes()).map_err(io)?;
            remove_if_present(&pending).map_err(io)?;
            Ok(SnapshotStatus::Updated {
                path: path.to_owned(),
            })
        }
        (SnapshotMode::Refuse, _) => Ok(SnapshotStatus::NotAccepted {
            path: path.to_owned(),
        }),
        (SnapshotMode::Check, None) => {
            crate::file::write_whole(&pending, file.as_bytes()).map_err(io)?;
            Ok(SnapshotStatus::New { pending })
        }
        (SnapshotMode::Check, Some(old)) => {
            crate::file::write_whole(&pending, file.as_bytes()).map_err(io)?;
            Ok(SnapshotStatus::Changed {
                pending,
                diff: unified_diff(&old, transcript),
            })
        }
    }
}

/// Every `.snap.new` under `root`, sorted.
pub fn pending_snapshots(root: &Path) -> Result<Vec<PathBuf>, HarnessError> {
    let mut found = Vec::new();
    collect_with_suffix(root, ".snap.new", &mut found).map_err(|source| {
        HarnessError::Snapshot {
            path: root.to_owned(),
            source,
        }
    })?;
    found.sort();
    Ok(found)
}

fn collect_with_suffix(dir: &Path, suffix: &str, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_with_suffix(&path, suffix, found)?;
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
    Ok(())
}

/// Promote a `.snap.new` to its `.snap`; returns the accepted path.
pub fn accept(pending: &Path) -> Result<PathBuf, HarnessError> {
    let accepted = accepted_path(pending);
    std::fs::rename(pending, &accepted).map_err(|source| HarnessError::Snapshot {
        path: pending.to_owned(),
        source,
    })?;
    Ok(accepted)
}

/// Delete a `.snap.new`.
pub fn reject(pending: &Path) -> Result<(), HarnessError> {
    std::fs::remove_file(pending).map_err(|source| HarnessError::Snapshot {
        path: pending.to_owned(),
        source,
    })
}

/// The accepted snapshot a `.snap.new` would replace.
pub fn accepted_path(pending: &Path) -> PathBuf {
    let text = pending.to_string_lossy();
    PathBuf::from(text.strip_suffix(".new").unwrap_or(&text))
}

/// What accepting `pending` would change: a unified diff of the transcript
/// bodies (everything is added when there is no accepted snapshot yet).
pub fn pending_diff(pending: &Path) -> Result<String, HarnessError> {
    let read = |path: &Path| match std::fs::read_to_string(path) {
        Ok(text) => Ok(snapshot_body(&text).to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(HarnessError::Snapshot {
            path: path.to_owned(),
            source,
        }),
    };
    Ok(unified_diff(
        &read(&accepted_path(pending))?,
        &read(pending)?,
    ))
}

/// Every `.snap` under `root` that no scenario in `expected` would write:
/// left behind by a renamed or deleted scenario.
pub fn unmatched_snapshots(
    root: &Path,
    expected: &[PathBuf],
) -> Result<Vec<PathBuf>, HarnessError> {
    let mut found = Vec::new();
    collect_with_suffix(root, ".snap", &mut found).map_err(|source| HarnessError::Snapshot {
        path: root.to_owned(),
        source,
    })?;
    let expected: std::collections::BTreeSet<PathBuf> = expected
        .iter()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
        .collect();
    found.retain(|p| !expected.contains(&std::path::absolute(p).unwrap_or_else(|_| p.clone())));
    found.sort();
    Ok(found)
}

fn render_file(source: &str, transcript: &str) -> String {
    format!(
        "---\nsource: {}\nexpression: transcript\n---\n{}\n",
        yaml_scalar(source),
        transcript.trim_end()
    )
}

/// The text after the header, as insta reads it.
fn snapshot_body(file: &str) -> &str {
    let Some(rest) = file.strip_prefix("---\n") else {
        return file;
    };
    match rest.find("\n---\n") {
        Some(end) => &rest[end + 5..],
        None => file,
    }
}

/// insta ignores trailing whitespace at the end; so do we, and line endings.
fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n").trim_end().to_owned()
}

fn yaml_scalar(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        text.to_owned()
    } else {
        format!("{text:?}")
    }
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// A unified diff of two transcripts, old to new.
pub fn unified_diff(old: &str, new: &str) -> String {
    // Both end in exactly one newline, so the diff never reports a missing one.
    let old = format!("{}\n", old.trim_end());
    let new = format!("{}\n", new.trim_end());
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(2)
        .header("snapshot", "this run")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_follows_the_scenarios_folder() {
        let p = snapshot_path(
            Path::new("repo/scenarios/hemnet/rotation.yaml"),
            "hemnet",
            None,
        );
        assert_eq!(p, Path::new("repo/snapshots/hemnet/rotation.snap"));
        let p = snapshot_path(Path::new("x.yaml"), "hemnet", None);
        assert_eq!(p, Path::new("snapshots/hemnet/x.snap"));
        // Outside a `scenarios` folder, the snapshots go beside the file,
        // wherever the run stands.
        let p = snapshot_path(Path::new("elsewhere/deep/x.yaml"), "hemnet", None);
        assert_eq!(p, Path::new("elsewhere/deep/snapshots/hemnet/x.snap"));
        let p = snapshot_path(
            Path::new("/tmp/team/x.yaml"),
            "hemnet",
            Some(Path::new("mine")),
        );
        assert_eq!(p, Path::new("mine/hemnet/x.snap"));
        let p = snapshot_path(
            Path::new("builtin:hemnet/sub/x.yaml"),
            "hemnet",
            Some(Path::new("")),
        );
        assert_eq!(p, Path::new("hemnet/sub/x.snap"));
        // Two files of one name in two folders get two snapshots.
        let a = snapshot_path(Path::new("scenarios/team-a/x.yaml"), "hemnet", None);
        let b = snapshot_path(Path::new("scenarios/team-b/x.yaml"), "hemnet", None);
        assert_eq!(a, Path::new("snapshots/hemnet/team-a/x.snap"));
        assert_ne!(a, b);
        let p = snapshot_path(
            Path::new("/abs/scenarios/hemnet/x.yml"),
            "hemnet",
            Some(Path::new("mine")),
        );
        assert_eq!(p, Path::new("mine/hemnet/x.snap"));
    }

    #[test]
    fn accept_hints_name_the_folder_unless_it_is_the_default() {
        let hint = |p: &str| accept_command("accept", Path::new(p), "hemnet");
        assert_eq!(
            hint("snapshots/hemnet/x.snap.new"),
            "hooksim snapshots accept"
        );
        assert_eq!(
            hint("my-snaps/hemnet/hemnet/x.snap.new"),
            "hooksim snapshots accept --dir my-snaps"
        );
        assert_eq!(
            hint("/repo/snapshots/hemnet/x.snap.new"),
            "hooksim snapshots accept --dir /repo/snapshots"
        );
    }

    #[test]
    fn builtin_transcripts_compare_with_the_embedded_snapshots() {
        let file = crate::builtin::scenarios()
            .next()
            .expect("a built-in scenario");
        let provider = file.relative.split('/').next().expect("a provider folder");
        let name = snapshot_path(&file.path(), provider, Some(Path::new("")));
        let embedded = crate::builtin::snapshot(&name.to_string_lossy()).expect("embedded");
        let body = snapshot_body(embedded);
        assert_eq!(
            compare_builtin(&file.path(), provider, body),
            SnapshotStatus::Matched
        );
        assert!(matches!(
            compare_builtin(&file.path(), provider, "something else"),
            SnapshotStatus::BuiltinDiffers { .. }
        ));
    }

    #[test]
    fn new_changed_matched_and_accepted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let snap = dir.path().join("hemnet/a.snap");
        let status = compare(
            &snap,
            "scenarios/hemnet/a.yaml",
            "one\n",
            SnapshotMode::Check,
        )
        .expect("compare");
        assert_eq!(
            status,
            SnapshotStatus::New {
                pending: pending_path(&snap)
            }
        );
        assert_eq!(
            pending_snapshots(dir.path()).expect("list"),
            [pending_path(&snap)]
        );
        accept(&pending_path(&snap)).expect("accept");
        assert_eq!(
            compare(&snap, "s", "one", SnapshotMode::Check).expect("compare"),
            SnapshotStatus::Matched
        );
        let SnapshotStatus::Changed { diff, .. } =
            compare(&snap, "s", "two", SnapshotMode::Check).expect("compare")
        else {
            panic!("expected a change");
        };
        assert!(diff.contains("-one") && diff.contains("+two"), "{diff}");
        assert!(matches!(
            compare(&snap, "s", "two", SnapshotMode::Update).expect("compare"),
            SnapshotStatus::Updated { .. }
        ));
        assert!(pending_snapshots(dir.path()).expect("list").is_empty());
        // A failed transcript is never accepted, and nothing is written.
        assert!(matches!(
            compare(&snap, "s", "three FAILED", SnapshotMode::Refuse).expect("compare"),
            SnapshotStatus::NotAccepted { .. }
        ));
        assert!(pending_snapshots(dir.path()).expect("list").is_empty());
        let file = std::fs::read_to_string(&snap).expect("read");
        assert!(
            file.starts_with("---\nsource: s\nexpression: transcript\n---\ntwo"),
            "{file}"
        );
    }
}
