//! Mutated and broken scenario files through the reader: whatever the
//! bytes, it returns a scenario or an error with a place, and the error
//! renders, never a panic. The built-in scenarios and the schema fixtures
//! are the seeds; each case makes up to eight changes (byte flips, cuts,
//! repeated or dropped lines, tabs, a byte-order mark, anchors and aliases,
//! deep nesting, huge numbers, bytes that are not UTF-8, a very long line).
//! `HOOKSIM_FUZZ_CASES` sets the number of cases (CI runs the default;
//! `just fuzz` a million). Inputs that once broke the reader are kept in
//! tests/fixtures/parser-regressions and read on every run.

use std::path::{Path, PathBuf};

use hooksim_harness::scenario::{ScenarioError, ScenarioErrorKind, parse_scenario_bytes};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Cases per run unless `HOOKSIM_FUZZ_CASES` says otherwise.
const DEFAULT_CASES: u32 = 512;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn yaml_under(dir: &Path, into: &mut Vec<Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            yaml_under(&path, into);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            into.push(std::fs::read(&path).expect("a readable seed"));
        }
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    yaml_under(&repo().join("scenarios"), &mut seeds);
    yaml_under(&repo().join("tests/fixtures/schema"), &mut seeds);
    assert!(seeds.len() > 50, "{} seeds", seeds.len());
    seeds
}

/// What YAML and the reader find hard, put in at a place.
const SNIPPETS: &[&[u8]] = &[
    b"\t",
    "\u{feff}".as_bytes(),
    b"{",
    b"}",
    b"[",
    b"]",
    b"&a ",
    b"*a",
    b"<<: *a\n",
    b"!!binary ",
    b"99999999999999999999999999999",
    b"-1e999",
    b"~",
    b": :",
    b"- - -\n",
    b"\"",
    b"'",
    b"\x00",
    b"\r",
    b"\xff",
    b"\xc3",
    b"${env:",
    b"{{sent.",
    b"{{",
    b"stand-in:",
    b"\n  - wait: 5m\n",
    b"\nsteps:\n",
    b"? ",
    b"%YAML 1.1\n",
    b"---\n",
];

#[derive(Debug, Clone)]
enum Change {
    FlipBit { at: usize, bit: u8 },
    Cut { at: usize },
    RepeatLine { at: usize },
    DropLine { at: usize },
    Insert { at: usize, snippet: usize },
    Nest { at: usize, depth: usize },
    LongRun { at: usize },
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        4 => (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Change::FlipBit { at, bit }),
        1 => any::<usize>().prop_map(|at| Change::Cut { at }),
        2 => any::<usize>().prop_map(|at| Change::RepeatLine { at }),
        2 => any::<usize>().prop_map(|at| Change::DropLine { at }),
        6 => (any::<usize>(), 0..SNIPPETS.len()).prop_map(|(at, snippet)| Change::Insert { at, snippet }),
        1 => (any::<usize>(), 1usize..200).prop_map(|(at, depth)| Change::Nest { at, depth }),
        1 => any::<usize>().prop_map(|at| Change::LongRun { at }),
    ]
}

fn line_bounds(text: &[u8], at: usize) -> (usize, usize) {
    let start = text[..at]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let end = text[at..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(text.len(), |i| at + i + 1);
    (start, end)
}

fn apply(mut text: Vec<u8>, changes: &[Change]) -> Vec<u8> {
    for change in changes {
        let len = text.len();
        let at = |n: usize| if len == 0 { 0 } else { n % (len + 1) };
        match *change {
            Change::FlipBit { at: n, bit } if len > 0 => text[n % len] ^= 1 << bit,
            Change::FlipBit { .. } => {}
            Change::Cut { at: n } => text.truncate(at(n)),
            Change::RepeatLine { at: n } if len > 0 => {
                let (start, end) = line_bounds(&text, n % len);
                let line = text[start..end].to_vec();
                text.splice(end..end, line);
            }
            Change::DropLine { at: n } if len > 0 => {
                let (start, end) = line_bounds(&text, n % len);
                text.drain(start..end);
            }
            Change::RepeatLine { .. } | Change::DropLine { .. } => {}
            Change::Insert { at: n, snippet } => {
                let at = at(n);
                text.splice(at..at, SNIPPETS[snippet].iter().copied());
            }
            Change::Nest { at: n, depth } => {
                let at = at(n);
                text.splice(at..at, std::iter::repeat_n(b'[', depth));
            }
            Change::LongRun { at: n } => {
                let at = at(n);
                text.splice(at..at, std::iter::repeat_n(b'A', 70_000));
            }
        }
    }
    text
}

/// The reader's answer holds: a mistake has a place (unless the file could
/// not be read at all) and renders; returns whether it was a mistake.
fn check(name: &str, bytes: Vec<u8>) -> Result<bool, String> {
    match parse_scenario_bytes(Path::new(name), bytes) {
        Ok(_) => Ok(false),
        Err(error) => {
            if error.kind != ScenarioErrorKind::Unreadable
                && (error.line() == 0 || error.column() == 0)
            {
                return Err(format!("no place: {error:?}"));
            }
            for further in error.further() {
                if further.line == 0 || further.column == 0 {
                    return Err(format!("a further mistake without a place: {further:?}"));
                }
            }
            let shown = render(&error);
            if !shown.contains(name) {
                return Err(format!("rendered without the file's name:\n{shown}"));
            }
            Ok(true)
        }
    }
}

fn render(error: &ScenarioError) -> String {
    let mut out = String::new();
    // A rendering error is a fmt::Error from a write into a String: none can happen.
    let _ = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, error);
    out
}

#[test]
fn every_kept_regression_reads_as_a_mistake_with_a_place() {
    let dir = repo().join("tests/fixtures/parser-regressions");
    let mut inputs = Vec::new();
    yaml_under(&dir, &mut inputs);
    assert!(inputs.len() >= 5, "{} regressions", inputs.len());
    for (n, bytes) in inputs.into_iter().enumerate() {
        assert_eq!(check(&format!("regression-{n}.yaml"), bytes), Ok(true));
    }
}

#[test]
fn no_mutated_scenario_file_panics_the_reader_and_every_mistake_has_a_place() {
    let cases = std::env::var("HOOKSIM_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let seeds = seeds();
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    // A fixed seed: CI runs the same cases every time; `just fuzz` many more.
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let count = std::cell::Cell::new((0u64, 0u64));
    let strategy = (0..seeds.len(), proptest::collection::vec(change(), 1..8));
    let result = runner.run(&strategy, |(seed, changes)| {
        let bytes = apply(seeds[seed].clone(), &changes);
        let mistake = check("fuzzed.yaml", bytes).map_err(TestCaseError::fail)?;
        let (all, mistakes) = count.get();
        count.set((all + 1, mistakes + u64::from(mistake)));
        Ok(())
    });
    let (all, mistakes) = count.get();
    println!("{all} mutated scenario files read: {mistakes} with mistakes, no panic");
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
