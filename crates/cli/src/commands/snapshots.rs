//! `hooksim snapshots review|accept|reject` and `hooksim snapshots --check`.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use hooksim_harness::scenario::load_scenario;
use hooksim_harness::snapshot::{
    accept, pending_diff, pending_snapshots, reject, snapshot_path, unmatched_snapshots,
};
use hooksim_harness::suite::find_scenario_files;

use super::fail;
use crate::args::{SnapshotsArgs, SnapshotsCommand};
use crate::exit::Exit;

pub fn snapshots(args: SnapshotsArgs) -> Exit {
    match (&args.action, args.check) {
        (None, true) => check(&args.dir, &args.scenarios),
        (None, false) => {
            eprintln!("error: say what to do: review, accept, reject, or --check");
            Exit::BadInput
        }
        (Some(action), _) => {
            let pending = match pending_snapshots(&args.dir) {
                Ok(pending) => pending,
                Err(e) => return fail(&e),
            };
            if pending.is_empty() {
                println!("no pending snapshots under {}", args.dir.display());
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

fn every(
    pending: &[PathBuf],
    done: &str,
    act: impl Fn(&Path) -> Result<(), hooksim_harness::HarnessError>,
) -> Exit {
    for path in pending {
        if let Err(e) = act(path) {
            return fail(&e);
        }
        println!("{done} {}", path.display());
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
        println!("\n[{}/{}] {}", i + 1, pending.len(), path.display());
        for line in diff.lines() {
            println!("{}", paint(line, color));
        }
        let answer = loop {
            print!("accept (a), reject (r), skip (s), quit (q)? ");
            let _ = std::io::stdout().flush();
            match lines.next() {
                Some(Ok(line)) => match line.trim() {
                    "a" | "accept" => break 'a',
                    "r" | "reject" => break 'r',
                    "s" | "skip" | "" => break 's',
                    "q" | "quit" => break 'q',
                    _ => println!("please answer a, r, s or q"),
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
    println!("{accepted} accepted, {rejected} rejected, {skipped} left pending");
    Exit::Pass
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
fn check(dir: &Path, scenarios: &Path) -> Exit {
    let pending = match pending_snapshots(dir) {
        Ok(pending) => pending,
        Err(e) => return fail(&e),
    };
    let files = match find_scenario_files(&[scenarios.to_owned()]) {
        Ok(files) => files,
        Err(e) => return fail(&e),
    };
    let mut expected = Vec::with_capacity(files.len());
    for file in &files {
        match load_scenario(file) {
            Ok(s) => expected.push(snapshot_path(&s.path, s.provider.as_str(), Some(dir))),
            Err(error) => {
                eprintln!("{:?}", miette::Report::new(error));
                return Exit::BadInput;
            }
        }
    }
    let unmatched = match unmatched_snapshots(dir, &expected) {
        Ok(unmatched) => unmatched,
        Err(e) => return fail(&e),
    };
    for path in &pending {
        println!(
            "pending: {} (review with `hooksim snapshots review`)",
            path.display()
        );
    }
    for path in &unmatched {
        println!(
            "unmatched: {} (no scenario writes it; delete it or restore its scenario)",
            path.display()
        );
    }
    if pending.is_empty() && unmatched.is_empty() {
        println!(
            "snapshots clean: {} scenarios, nothing pending or unmatched",
            expected.len()
        );
        Exit::Pass
    } else {
        Exit::Failed
    }
}
