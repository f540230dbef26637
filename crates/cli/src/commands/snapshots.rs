//! `hooksim snapshots review|accept|reject` and `hooksim snapshots --check`.

use std::io::{BufRead as _, IsTerminal as _};
use std::path::{Path, PathBuf};

use hooksim_harness::snapshot::{
    accept, pending_diff, pending_snapshots, reject, snapshot_path, unmatched_snapshots,
};

use super::fail;
use crate::args::{SnapshotsArgs, SnapshotsCommand};
use crate::exit::Exit;

pub fn snapshots(config: Option<&Path>, args: SnapshotsArgs) -> Exit {
    let (dir, scenarios) = match folders(config, &args) {
        Ok(folders) => folders,
        Err(exit) => return exit,
    };
    match (&args.action, args.check) {
        (None, true) => check(&dir, &scenarios),
        (None, false) => {
            errln!("error: say what to do: review, accept, reject, or --check");
            Exit::BadInput
        }
        (Some(action), _) => {
            if !dir.is_dir() {
                errln!(
                    "error: no snapshots folder {}: pass --dir DIR (the folder the run's --snapshot-dir named; a run's SNAPSHOT lines show the command)",
                    dir.display()
                );
                return Exit::BadInput;
            }
            let pending = match pending_snapshots(&dir) {
                Ok(pending) => pending,
                Err(e) => return fail(&e),
            };
            if pending.is_empty() {
                outln!("no pending snapshots under {}", dir.display());
                return Exit::Pass;
            }
            match action {
                SnapshotsCommand::Review => review(&pending),
                SnapshotsCommand::Accept => every(&pending, "accepted", |p| accept(p).map(|_| ())),
                SnapshotsCommand::Reject => every(&pending, "rejected", reject),
            }
        }
    }
}

/// The snapshots folder (`--dir`, else hooksim.toml's `snapshot_dir`,
/// else `snapshots`) and the scenarios whose snapshots `--check` expects
/// (`--scenarios`, else hooksim.toml's `scenarios`, else `scenarios`).
fn folders(config: Option<&Path>, args: &SnapshotsArgs) -> Result<(PathBuf, Vec<PathBuf>), Exit> {
    let none = crate::args::SelectArgs::default();
    let resolved = crate::config::resolve(config, &none, None).map_err(|error| {
        errln!("{:?}", miette::Report::new(error));
        Exit::BadInput
    })?;
    let dir = args.dir.clone().unwrap_or_else(|| {
        resolved
            .snapshot_dir
            .map_or_else(|| PathBuf::from("snapshots"), |d| d.value)
    });
    let scenarios = if !args.scenarios.is_empty() {
        args.scenarios.clone()
    } else if !resolved.paths.is_empty() {
        resolved.paths.into_iter().map(|p| p.value).collect()
    } else {
        vec![PathBuf::from("scenarios")]
    };
    Ok((dir, scenarios))
}

fn every(
    pending: &[PathBuf],
    done: &str,
    act: impl Fn(&Path) -> Result<(), hooksim_harness::HarnessError>,
) -> Exit {
    for path in pending {
        if let Err(e) = act(path) {
            return fail(&e);
        }
        outln!("{done} {}", path.display());
    }
    Exit::Pass
}

/// One pending change at a time: its diff, then a question on stdin.
fn review(pending: &[PathBuf]) -> Exit {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let (mut accepted, mut rejected, mut skipped) = (0, 0, 0);
    for (i, path) in pending.iter().enumerate() {
        let diff = match pending_diff(path) {
            Ok(diff) => diff,
            Err(e) => return fail(&e),
        };
        outln!("\n[{}/{}] {}", i + 1, pending.len(), path.display());
        for line in diff.lines() {
            outln!("{}", paint(line, color));
        }
        let answer = loop {
            out!("accept (a), reject (r), skip (s), quit (q)? ");
            match lines.next() {
                Some(Ok(line)) => match line.trim() {
                    "a" | "accept" => break 'a',
                    "r" | "reject" => break 'r',
                    "s" | "skip" | "" => break 's',
                    "q" | "quit" => break 'q',
                    _ => outln!("please answer a, r, s or q"),
                },
                // No more input (not a terminal, or closed): leave the rest pending.
                _ => break 'q',
            }
        };
        let outcome = match answer {
            'a' => accept(path).map(|_| accepted += 1),
            'r' => reject(path).map(|_| rejected += 1),
            'q' => {
                skipped += pending.len() - i;
                break;
            }
            _ => {
                skipped += 1;
                Ok(())
            }
        };
        if let Err(e) = outcome {
            return fail(&e);
        }
    }
    outln!("{accepted} accepted, {rejected} rejected, {skipped} left pending");
    Exit::Pass
}

/// `hooksim snapshots review`, with `--dir` unless `dir` is the default.
fn review_command(dir: &Path) -> String {
    if dir == Path::new("snapshots") {
        "hooksim snapshots review".to_owned()
    } else {
        format!("hooksim snapshots review --dir {}", dir.display())
    }
}

fn paint(line: &str, color: bool) -> String {
    match (color, line.chars().next()) {
        (true, Some('+')) if !line.starts_with("+++") => format!("\x1b[32m{line}\x1b[0m"),
        (true, Some('-')) if !line.starts_with("---") => format!("\x1b[31m{line}\x1b[0m"),
        (true, Some('@')) => format!("\x1b[36m{line}\x1b[0m"),
        _ => line.to_owned(),
    }
}

/// For CI: nothing pending, and no accepted snapshot without its scenario.
fn check(dir: &Path, scenarios: &[PathBuf]) -> Exit {
    let pending = match pending_snapshots(dir) {
        Ok(pending) => pending,
        Err(e) => return fail(&e),
    };
    let Ok(loaded) = super::select::load_paths(scenarios) else {
        return Exit::BadInput;
    };
    let expected: Vec<PathBuf> = loaded
        .iter()
        .map(|s| snapshot_path(&s.path, s.provider.as_str(), Some(dir)))
        .collect();
    let unmatched = match unmatched_snapshots(dir, &expected) {
        Ok(unmatched) => unmatched,
        Err(e) => return fail(&e),
    };
    for path in &pending {
        outln!(
            "pending: {} (review with `{}`)",
            path.display(),
            review_command(dir)
        );
    }
    for path in &unmatched {
        outln!(
            "unmatched: {} (no scenario writes it; delete it or restore its scenario)",
            path.display()
        );
    }
    if pending.is_empty() && unmatched.is_empty() {
        outln!(
            "snapshots clean: {} scenarios, nothing pending or unmatched",
            expected.len()
        );
        Exit::Pass
    } else {
        Exit::Failed
    }
}
