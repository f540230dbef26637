//! Stored captures:
//! - `hooksim capture check DIR [--secret KEY]`: every capture checked
//!   against hooksim's model of its provider, one block per capture, a
//!   total line, and the exit code: 0 when every capture matches, 1 when
//!   any drifts, 2 when DIR or a file in it is not what it should be.
//! - `hooksim capture redact DIR [--seed N]`: every capture's personal data
//!   replaced, in place (each file written whole).

use std::path::Path;

use hooksim_simulator::capture::check::{Report, check as check_capture};
use hooksim_simulator::capture::redact::redact;
use hooksim_simulator::capture::{Capture, capture_files};

use crate::exit::Exit;

pub fn check(dir: &Path, secret: Option<String>) -> Exit {
    let captures = match read_all(dir) {
        Ok(captures) => captures,
        Err(exit) => return exit,
    };
    let mut drifting = 0;
    for (path, capture) in &captures {
        let shown = path.strip_prefix(dir).unwrap_or(path);
        let report = check_capture(capture, secret.as_deref());
        if report.drifts() {
            drifting += 1;
        }
        print_report(&shown.display().to_string(), &report);
    }
    let total = captures.len();
    outln!(
        "{total} capture{}: {} match, {drifting} drift",
        if total == 1 { "" } else { "s" },
        total - drifting
    );
    if drifting == 0 {
        Exit::Pass
    } else {
        Exit::Failed
    }
}

/// Redact every capture under `dir` in place; a capture that cannot be
/// redacted (not JSON) is named and left as it was, and the exit says so.
pub fn redact_all(dir: &Path, seed: u64) -> Exit {
    let captures = match read_all(dir) {
        Ok(captures) => captures,
        Err(exit) => return exit,
    };
    let mut failed = 0;
    for (path, capture) in &captures {
        let written = redact(capture, seed)
            .map_err(|e| e.to_string())
            .and_then(|redacted| {
                hooksim_harness::file::write_whole(path, redacted.to_file_text().as_bytes())
                    .map_err(|e| e.to_string())
            });
        if let Err(why) = written {
            errln!("error: {}: not redacted: {why}", path.display());
            failed += 1;
        }
    }
    outln!(
        "redacted {} of {} captures in {} (seed {seed})",
        captures.len() - failed,
        captures.len(),
        dir.display()
    );
    if failed == 0 {
        Exit::Pass
    } else {
        Exit::Runtime
    }
}

/// Every capture under `dir`, all read before any is used: a folder with
/// a file that is not a capture is bad input, not half a job.
fn read_all(dir: &Path) -> Result<Vec<(std::path::PathBuf, Capture)>, Exit> {
    let files = match capture_files(dir) {
        Ok(files) if files.is_empty() => {
            errln!(
                "error: {}: no captures (*.capture.json) here",
                dir.display()
            );
            return Err(Exit::BadInput);
        }
        Ok(files) => files,
        Err(e) => {
            errln!("error: {e}");
            return Err(Exit::BadInput);
        }
    };
    let mut captures = Vec::with_capacity(files.len());
    for path in files {
        match Capture::read(&path) {
            Ok(capture) => captures.push((path, capture)),
            Err(e) => {
                errln!("error: {e}");
                return Err(Exit::BadInput);
            }
        }
    }
    Ok(captures)
}

/// `FILE PROVIDER EVENT: matches`, or the same head and a line per finding.
fn print_report(file: &str, report: &Report) {
    let event = report.event.unwrap_or("(unknown event)");
    let verdict = if report.drifts() { "drifts" } else { "matches" };
    outln!("{file} {} {event}: {verdict}", report.provider);
    for finding in &report.findings {
        outln!("  {}: {}", finding.severity, finding.message);
    }
}
