//! The scenario file model (v1). A scenario names one contract rule of one
//! provider and proves it with steps sent to a receiver.

pub(crate) mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hooksim_simulator::providers::ProviderId;

use crate::read::{error, tree};

pub use crate::expect::{Basis, Expectations, StatusExpectation};
pub use crate::read::error::{FurtherProblem, MAX_SHOWN, ScenarioError, ScenarioErrorKind};
pub use crate::read::interpolate::{InterpolationError, interpolate};
pub use crate::read::{Location, Override, UnsetSetting};
pub use crate::steps::api::ApiChange;
pub use crate::steps::deliver::Deliver;
pub use crate::steps::expect_callback::ExpectCallback;
pub use crate::steps::probe::Probe;
pub use crate::steps::register::Register;
pub use crate::steps::rotate_keys::RotateKeys;
pub use crate::steps::{Action, Step, step_heading};

/// A validated scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file it was read from, as given.
    pub path: PathBuf,
    pub name: String,
    pub provider: ProviderId,
    /// The contract rule this scenario proves (`hemnet/signature-raw-body`).
    pub rule: String,
    /// Where the rule is documented.
    pub source: String,
    /// A path joined to the run's base URL, or an absolute URL.
    pub target: Option<String>,
    /// Provider settings (`secret`, ...), environment already interpolated.
    pub settings: BTreeMap<String, String>,
    pub seed: Option<u64>,
    /// Several endpoints subscribed to the same events; every delivery goes
    /// to all of them at once. Empty: deliveries go to `target` alone.
    pub subscriptions: Vec<Subscription>,
    pub steps: Vec<Step>,
    /// What the rule stands on, which decides what its failure means.
    pub basis: Basis,
    /// Settings only a receiver's team can give (`contact_lookup`, `api`):
    /// against a receiver hooksim did not write, the scenario is skipped,
    /// naming them, until they are set.
    pub requires: Vec<String>,
    /// `receiver: reference`: the scenario shows the provider's own
    /// behaviour with hooksim's reference receiver as the other side, like
    /// a stand-in, whatever `--target` says.
    pub reference_only: bool,
    /// Settings whose value needs an environment variable that is not set
    /// (`secret: "${env:HEMNET_SECRET}"`): not an error until a run needs
    /// the value and neither the environment nor `--set` gives it.
    pub unset_settings: Vec<UnsetSetting>,
}

/// One endpoint subscribed to the scenario's events (`subscriptions:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Names the subscription in transcripts and failures.
    pub name: String,
    /// Like the scenario's `target`; the scenario's when not given.
    pub target: Option<String>,
    /// The key this subscription's deliveries are signed with; unsigned without one.
    pub secret: Option<String>,
}

/// Read and validate a scenario file. An unreadable file is a
/// [`ScenarioError`] without a position.
pub fn load_scenario(path: &Path) -> Result<Scenario, ScenarioError> {
    let bytes = std::fs::read(path).map_err(|cause| ScenarioError::unreadable(path, cause))?;
    parse_scenario_bytes(path, bytes)
}

/// Validate a scenario's bytes as a file holds them: not UTF-8 is a
/// mistake at the first bad byte, like any other.
pub fn parse_scenario_bytes(path: &Path, bytes: Vec<u8>) -> Result<Scenario, ScenarioError> {
    let text = String::from_utf8(bytes).map_err(|e| not_utf8(path, &e))?;
    parse_scenario(path, &text)
}

/// A file that is not UTF-8, pointed at its first bad byte.
fn not_utf8(path: &Path, error: &std::string::FromUtf8Error) -> ScenarioError {
    let bytes = error.as_bytes();
    let at = error.utf8_error().valid_up_to();
    let bad = bytes.get(at).copied().unwrap_or_default();
    // What is drawn is the text as far as it is valid, and the rest lossily.
    let shown = String::from_utf8_lossy(bytes);
    let problem = error::Problem::new(
        ScenarioErrorKind::Syntax,
        format!("the file is not UTF-8: byte 0x{bad:02X} cannot start or continue a character"),
        "not UTF-8",
    )
    .with_help("save the file as UTF-8 (YAML files are text in UTF-8)");
    ScenarioError::at(path, &shown, at..at + 1, problem)
}

/// Validate a scenario's text; `path` names it in errors. `${env:...}` is
/// resolved from the process environment.
pub fn parse_scenario(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    parse_scenario_with_env(path, text, &|name| std::env::var(name).ok())
}

/// [`parse_scenario`] with `${env:NAME}` resolved by `env` instead of the
/// process environment.
pub fn parse_scenario_with_env(
    path: &Path,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Scenario, ScenarioError> {
    // serde-saphyr skips a leading byte-order mark and counts positions after it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let root = tree::parse_tree(text).map_err(|error| syntax_error(path, text, &error))?;
    validate::validate(path, text, &root, env)
}

fn syntax_error(path: &Path, text: &str, error: &serde_saphyr::Error) -> ScenarioError {
    let location = error.location();
    let full = error.to_string();
    // The parser appends its own position; ours is in the rendering.
    let message = location
        .and_then(|at| {
            full.strip_suffix(&format!(" at line {}, column {}", at.line(), at.column()))
        })
        .unwrap_or(&full);
    let mut at = location.map_or(0..0, |at| {
        error::parser_span_to_bytes(text, at.span().offset(), at.span().len())
    });
    let mut problem = error::Problem::new(
        ScenarioErrorKind::Syntax,
        format!("invalid YAML: {message}"),
        "here",
    );
    if message.contains("tab") {
        // The parser points just past the tab; the tab is what to fix.
        let line_start = text[..at.start]
            .rfind('\n')
            .map_or(0, |newline| newline + 1);
        if let Some(tab) = text[line_start..at.start.min(text.len())].rfind('\t') {
            at = line_start + tab..line_start + tab + 1;
            problem.label = "tab".to_owned();
        }
        problem = problem.with_help("indent with spaces: YAML does not allow tabs in indentation");
    } else if message.contains("did not find expected") {
        problem = problem
            .with_help("check the indentation: the keys of one mapping start in the same column");
    } else if message.contains("Depth") {
        problem = problem.with_help("a scenario file may nest at most 64 levels deep");
    } else if message.contains("duplicate") {
        problem = problem.with_help("a key may appear only once in a mapping");
    }
    ScenarioError::at(path, text, at, problem)
}

#[cfg(test)]
mod tests;
