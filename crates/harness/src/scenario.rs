//! The scenario file model (v1). A scenario names one contract rule of one
//! provider and proves it with steps sent to a receiver.

mod error;
mod interpolate;
mod tree;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::signing::Forgery;

pub use error::{FurtherProblem, MAX_SHOWN, ScenarioError, ScenarioErrorKind};
pub use interpolate::{InterpolationError, interpolate};

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

/// A setting left without a value by an unset `${env:NAME}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsetSetting {
    pub setting: String,
    /// The environment variable it needs.
    pub variable: String,
    /// Where the value stands in the file.
    pub location: Location,
}

/// What a rule stands on. A failed expectation of a documented rule or of a
/// robustness practice fails the run; one that rests on a guess about the
/// provider only warns, unless the run is `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub enum Basis {
    /// A fact the provider documents (the scenario's `source`).
    #[default]
    Documented,
    /// What a robust receiver does whatever the provider documents, for a
    /// reason the source gives (event lists have grown, deliveries repeat).
    Practice,
    /// A guess about the provider's behaviour (an assumed timeout, schedule
    /// or load).
    Assumed,
}

impl Basis {
    pub const ALL: [Basis; 3] = [Self::Documented, Self::Practice, Self::Assumed];

    /// The word in scenario files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Documented => "documented",
            Self::Practice => "practice",
            Self::Assumed => "assumed",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|basis| basis.name() == name)
    }
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

/// Where something stands in a scenario file (1-based); line 0 for a step
/// no file holds (`hooksim send`'s one delivery).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// How messages name step `number` at `line`: `step 3 (line 12)`, or
/// `step 1` where no file holds the step (line 0).
pub fn step_heading(number: usize, line: usize) -> String {
    if line == 0 {
        format!("step {number}")
    } else {
        format!("step {number} (line {line})")
    }
}

/// One step and what it must produce.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub action: Action,
    pub expect: Expectations,
    /// Where the step's action key stands.
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send an event under the provider's full policy.
    Deliver(Deliver),
    /// Send an earlier delivery again, byte for byte, as the provider does on
    /// a duplicate.
    Redeliver { from: String },
    /// Send an earlier delivery once more with a forged signature, once
    /// (a forger does not retry on the provider's schedule).
    Forge { from: String, forgery: Forgery },
    /// Change the keys deliveries are signed with.
    RotateKeys(RotateKeys),
    /// Let nominal time pass.
    Wait { duration: Duration },
    /// An HTTP call to the receiver's own API, with `expect: { status, json }`.
    Probe(Probe),
    /// Wait (real time) until the receiver registered a webhook through the
    /// provider's API, for `event` when given.
    AwaitRegistration {
        event: Option<String>,
        within: Duration,
    },
    /// Wait (real time) until the receiver called the provider's API as described.
    ExpectCallback(Callback),
    /// Change how the provider's API behaves from here on.
    Api(ApiChange),
    /// Ask the receiver to register its webhook through the provider's API
    /// (its `register` setting), and wait for the registration.
    Register(Register),
    /// Ask the receiver to remove its registrations (its `unregister` setting).
    Unregister,
    /// Many single-attempt deliveries at once, measuring acknowledgement under load.
    Burst(crate::burst::Burst),
    /// Strange but valid payloads, one attempt each; the first failure shrunk.
    Fuzz(crate::fuzz_step::Fuzz),
}

/// `probe: { method, path, json?, headers?, params?, count_at? }`. `path` is
/// joined to the receiver's base URL unless it is an absolute URL;
/// `{{api.*}}`, `{{settings.*}}` and `{{sent.ALIAS.path}}` placeholders are
/// filled in at run time, then each `{name}` from `params`.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub method: String,
    pub path: String,
    pub json: Option<serde_json::Value>,
    /// `Name: value` lines; one that is empty once filled is not sent (an
    /// optional setting left unset).
    pub headers: Vec<String>,
    /// Values for the `{name}`s in the filled path (`{id}` in a setting).
    pub params: Vec<(String, String)>,
    /// Where in the JSON answer the `count` expectation reads; see
    /// [`crate::provider_api::stored_count`].
    pub count_at: Option<String>,
    /// Ask again (real time) until the expectations hold or this passes:
    /// receivers store in the background, so a first answer may be early.
    pub within: Option<Duration>,
}

/// `api: { ... }`: conditions of the provider API from this step on; an
/// unset field keeps what was in force.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiChange {
    /// Flow's reads answer 429 with rate-limit headers.
    pub rate_limited: Option<bool>,
    /// `token: read-only`: Spark's Public role, a PF Expert user token.
    pub token_read_only: Option<bool>,
    /// `credentials: refused`: Atlas refuses the API key pair.
    pub credentials_refused: Option<bool>,
    /// `cases_read: false`: Flow's API user lacks "Cases - Read".
    pub cases_read: Option<bool>,
    /// PF Expert answers a new hook with the documented `"event:"` key.
    pub event_key_typo: Option<bool>,
}

impl ApiChange {
    /// `rate_limited = true, token = read-only`: what a transcript shows.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(on) = self.rate_limited {
            parts.push(format!("rate_limited = {on}"));
        }
        if let Some(read_only) = self.token_read_only {
            parts.push(format!(
                "token = {}",
                if read_only { "read-only" } else { "full" }
            ));
        }
        if let Some(refused) = self.credentials_refused {
            parts.push(format!(
                "credentials = {}",
                if refused { "refused" } else { "accepted" }
            ));
        }
        if let Some(read) = self.cases_read {
            parts.push(format!("cases_read = {read}"));
        }
        if let Some(typo) = self.event_key_typo {
            parts.push(format!("event_key_typo = {typo}"));
        }
        parts.join(", ")
    }
}

/// `register: { event?, within? }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// Wait for a registration that covers this event (any, when not given).
    pub event: Option<String>,
    /// How long the registration may take to show up, once asked for.
    pub within: Duration,
}

/// `expect_callback: { method, path, query?, count?, within }`. `path` is
/// relative to the provider's API base; `*` matches one path segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    pub method: String,
    pub path: String,
    /// Must appear in the call's query string.
    pub query: Option<String>,
    /// Exactly this many matching calls; at least one when not given.
    pub count: Option<u32>,
    pub within: Duration,
}

impl Action {
    /// The step's keyword in the file.
    pub fn keyword(&self) -> &'static str {
        match self {
            Self::Deliver(_) => "deliver",
            Self::Redeliver { .. } => "redeliver",
            Self::Forge { .. } => "forge",
            Self::RotateKeys(_) => "rotate_keys",
            Self::Wait { .. } => "wait",
            Self::Probe(_) => "probe",
            Self::AwaitRegistration { .. } => "await_registration",
            Self::ExpectCallback(_) => "expect_callback",
            Self::Api(_) => "api",
            Self::Register(_) => "register",
            Self::Unregister => "unregister",
            Self::Burst(_) => "burst",
            Self::Fuzz(_) => "fuzz",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deliver {
    /// An event from the provider's catalogue (`CONTACT.CREATE`).
    pub event: String,
    /// A name later steps use to refer to this delivery (`as:`).
    pub alias: Option<String>,
    /// Payload overrides by dotted path, in file order.
    pub set: Vec<Override>,
    /// Cut the provider's retry schedule after this many attempts, for
    /// scenarios where each attempt costs real time (a timeout rule).
    pub max_attempts: Option<u32>,
    /// `to: registered`: deliver to every active registration the receiver
    /// made through the provider's API, instead of the scenario's target.
    pub to_registered: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub path: String,
    pub value: serde_json::Value,
}

/// `rotate_keys: { old: K1 }` signs `old,new` with K1 as the old key and the
/// current key as the new one; `{ new: K2 }` keeps the current key as old and
/// adds K2; `finished: true` drops the old key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RotateKeys {
    pub old: Option<String>,
    pub new: Option<String>,
    pub finished: bool,
}

/// What a step must produce. Unset fields are not checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expectations {
    /// The provider counted the delivery as delivered.
    pub acknowledged: Option<bool>,
    /// The status of the last attempt (of a probe: its answer).
    pub status: Option<StatusExpectation>,
    /// How many attempts were made.
    pub attempts: Option<u32>,
    /// The schedule was spent without success.
    pub gave_up: Option<bool>,
    /// Probe only: values at dotted paths of the JSON response body.
    pub json: Vec<(String, serde_json::Value)>,
    /// Probe only: how many records the answer holds (see `count_at`).
    pub count: Option<u64>,
    /// Register and unregister only: a registration is (or is no longer) in
    /// the provider's API.
    pub registered: Option<bool>,
    /// Burst only: every delivery of the burst was acknowledged.
    pub all_acknowledged: Option<bool>,
    /// Burst only: the 99th-percentile acknowledgement latency is below
    /// this; the provider's response timeout when not given.
    pub p99_under: Option<Duration>,
}

/// `status: 204` or a class, `status: 2xx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusExpectation {
    Exactly(u16),
    /// The hundreds digit: `2` for `2xx`.
    Class(u16),
}

impl StatusExpectation {
    pub fn matches(self, status: u16) -> bool {
        match self {
            Self::Exactly(expected) => status == expected,
            Self::Class(class) => status / 100 == class,
        }
    }
}

impl std::fmt::Display for StatusExpectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exactly(status) => write!(f, "{status}"),
            Self::Class(class) => write!(f, "{class}xx"),
        }
    }
}

impl Expectations {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Read and validate a scenario file. An unreadable file is a
/// [`ScenarioError`] without a position.
pub fn load_scenario(path: &Path) -> Result<Scenario, ScenarioError> {
    let text =
        std::fs::read_to_string(path).map_err(|cause| ScenarioError::unreadable(path, cause))?;
    parse_scenario(path, &text)
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
