//! `hooksim capture-check DIR [--secret KEY]` (to become `hooksim capture
//! check`): every stored capture checked against hooksim's model of its
//! provider, one block per capture, a total line, and the exit code: 0 when
//! every capture matches, 1 when any drifts, 2 when DIR or a file in it is
//! not what it should be.

use std::path::Path;

use hooksim_simulator::capture::check::{Report, check as check_capture};
use hooksim_simulator::capture::{Capture, capture_files};

use crate::exit::Exit;

pub fn check(dir: &Path, secret: Option<String>) -> Exit {
    let files = match capture_files(dir) {
        Ok(files) if files.is_empty() => {
            errln!(
                "error: {}: no captures (*.capture.json) here",
                dir.display()
            );
            return Exit::BadInput;
        }
        Ok(files) => files,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    // Every file is read before any is reported: a folder with a file that
    // is not a capture is bad input, not half a report.
    let mut captures = Vec::with_capacity(files.len());
    for path in files {
        match Capture::read(&path) {
            Ok(capture) => captures.push((path, capture)),
            Err(e) => {
                errln!("error: {e}");
                return Exit::BadInput;
            }
        }
    }
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

/// `FILE PROVIDER EVENT: matches`, or the same head and a line per finding.
fn print_report(file: &str, report: &Report) {
    let event = report.event.unwrap_or("(unknown event)");
    let verdict = if report.drifts() { "drifts" } else { "matches" };
    outln!("{file} {} {event}: {verdict}", report.provider);
    for finding in &report.findings {
        outln!("  {}: {}", finding.severity, finding.message);
    }
}
