//! The steps a scenario takes, one module each. A step's module holds all
//! of it: its model in the file, how it is read (with spans and
//! suggestions), which expectations it allows, its schema, how it runs,
//! and what it writes in the transcript and the reports.
//!
//! Adding a step: a new module here with a type that implements
//! `StepKind` (and a [`Record`] for what it did, unless it shares one),
//! and its line in the `steps!` list below. Nothing else names steps.
//!
//! Steps depend on the reading toolkit (`crate::read`), the expectations
//! ([`crate::expect`]) and the scenario's state ([`crate::state`]), never
//! on the scenario model or the runner, which depend on them.

mod aliases;
mod record;

use std::fmt::Debug;
use std::path::Path;

use hooksim_simulator::SimulatorError;
use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::transport::Transport;
use rand::SeedableRng;

pub(crate) use aliases::ReadContext;
pub(crate) use record::body_excerpt;
pub use record::{Answers, Record, StepRecord};

use crate::error::HarnessError;
use crate::expect::{
    Allowed, Check, DELIVERY_EXPECTATIONS, Expectations, expect_shape, read_expectations,
};
use crate::read::shape::{Key, Shape};
use crate::read::{Kind, Location, Node, NodeKind, Problem, Reader};
use crate::state::ScenarioState;
use crate::suggest::{backticked, closest, did_you_mean};

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

/// One kind of step: everything about it but the order it runs in.
pub(crate) trait StepKind: Sized {
    /// The step's key in the file (`deliver`).
    const KEYWORD: &'static str;
    /// What the step does, in a sentence: the schema's description.
    const SUMMARY: &'static str;
    /// What its `expect` may hold.
    const EXPECTS: Allowed = Allowed::keys(&DELIVERY_EXPECTATIONS);

    /// The forms its value may take in a scenario of `provider` (of any
    /// provider when `None`); `None` when that provider has no such step.
    fn shape(provider: Option<ProviderId>) -> Option<Shape>;

    /// Read the step's value; every mistake is reported to `r`.
    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self>;

    /// Read its `expect`.
    fn read_expect(r: &mut Reader<'_>, expect_key: &Node, node: &Node) -> Option<Expectations> {
        read_expectations(r, expect_key, node, Self::KEYWORD, Self::EXPECTS)
    }

    /// The schema of its `expect`; `None` when it expects nothing.
    fn expect_shape() -> Option<Shape> {
        (!Self::EXPECTS.keys.is_empty()).then(|| expect_shape(Self::EXPECTS.keys))
    }

    /// What a step without `expect` checks.
    fn default_expect() -> Expectations {
        Expectations::default()
    }

    /// Whether the step talks to the provider APIs hooksim serves.
    fn uses_provider_api(&self) -> bool {
        false
    }

    /// Whether the step calls the receiver's own API (so it needs its base URL).
    fn calls_receiver(&self) -> bool {
        false
    }

    /// Run it: what it did and what its expectations found.
    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError>;
}

/// What a step did, and its checks.
pub(crate) type Ran = (StepRecord, Vec<Check>);

/// What a running step is given: the scenario's state, and what it needs
/// to know about the scenario and itself.
pub(crate) struct StepCx<'a> {
    pub transport: &'a Transport,
    pub state: &'a mut ScenarioState,
    pub path: &'a Path,
    pub provider: ProviderId,
    /// The scenario's rule, mixed into seeds so two scenarios with the same
    /// seed still send different people and ids.
    pub rule: &'a str,
    pub seed: u64,
    pub policy: &'a DeliveryPolicy,
    /// 0-based position in the scenario.
    pub index: usize,
    pub location: Location,
    pub expect: &'a Expectations,
}

impl StepCx<'_> {
    /// A step that cannot run as written, named by its heading.
    pub(crate) fn bad_step(&self, message: impl std::fmt::Display) -> HarnessError {
        HarnessError::Target {
            path: self.path.to_owned(),
            message: format!(
                "{}: {message}",
                step_heading(self.index + 1, self.location.line)
            ),
        }
    }

    /// The scenario's payload could not be made (a bad `set`, say).
    pub(crate) fn step_error(&self, source: SimulatorError) -> HarnessError {
        HarnessError::Step {
            path: self.path.to_owned(),
            step: self.index + 1,
            line: self.location.line,
            source,
        }
    }

    /// The delivery engine failed.
    pub(crate) fn engine_error(&self, source: SimulatorError) -> HarnessError {
        HarnessError::Engine {
            path: self.path.to_owned(),
            step: self.index + 1,
            source,
        }
    }

    /// The seed of this step's data: the run's, mixed with the rule.
    pub(crate) fn data_seed(&self) -> u64 {
        self.seed ^ crate::hash::fnv1a(self.rule.as_bytes())
    }

    /// The random stream of this step's data: one per step, so adding a
    /// step does not change the data of the others.
    pub(crate) fn rng(&self, seed: u64) -> rand_chacha::ChaCha8Rng {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(self.index as u64);
        rng
    }
}

/// The list of steps: `Variant(module::Type)`, in the order editors and
/// messages list them.
macro_rules! steps {
    ($($variant:ident($module:ident::$kind:ident)),+ $(,)?) => {
        $(pub mod $module;)+

        /// What a step does.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Action {
            $($variant($module::$kind),)+
        }

        /// Every step's keyword, in the list's order.
        pub const KEYWORDS: &[&str] = &[$(<$module::$kind as StepKind>::KEYWORD,)+];

        impl Action {
            /// The step's keyword in the file.
            pub fn keyword(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => <$module::$kind as StepKind>::KEYWORD,)+
                }
            }

            /// Whether the step talks to the provider APIs hooksim serves.
            pub fn uses_provider_api(&self) -> bool {
                match self {
                    $(Self::$variant(step) => step.uses_provider_api(),)+
                }
            }

            /// Whether the step calls the receiver's own API.
            pub fn calls_receiver(&self) -> bool {
                match self {
                    $(Self::$variant(step) => step.calls_receiver(),)+
                }
            }

            pub(crate) async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
                match self {
                    $(Self::$variant(step) => step.run(cx).await,)+
                }
            }
        }

        /// Read the action `keyword` (one of [`KEYWORDS`]) and its `expect`.
        fn read_action(
            keyword: &str,
            r: &mut Reader<'_>,
            key: &Node,
            value: &Node,
            expect: Option<(&Node, &Node)>,
            cx: &mut ReadContext,
        ) -> (Option<Action>, Option<Expectations>) {
            $(
                if keyword == <$module::$kind as StepKind>::KEYWORD {
                    let action = <$module::$kind>::read(r, key, value, cx).map(Action::$variant);
                    let expect = match expect {
                        Some((expect_key, node)) => <$module::$kind>::read_expect(r, expect_key, node),
                        None => Some(<$module::$kind>::default_expect()),
                    };
                    return (action, expect);
                }
            )+
            (None, None)
        }

        /// Every step a scenario of `provider` may take, as schema fragments.
        pub(crate) fn step_schemas(provider: Option<ProviderId>) -> Vec<StepSchema> {
            let mut schemas = Vec::new();
            $(
                if let Some(shape) = <$module::$kind>::shape(provider) {
                    schemas.push(StepSchema {
                        keyword: <$module::$kind as StepKind>::KEYWORD,
                        summary: <$module::$kind as StepKind>::SUMMARY,
                        shape,
                        expect: <$module::$kind>::expect_shape(),
                    });
                }
            )+
            schemas
        }
    };
}

steps! {
    Deliver(deliver::Deliver),
    Redeliver(redeliver::Redeliver),
    Forge(forge::Forge),
    Replay(replay::Replay),
    RotateKeys(rotate_keys::RotateKeys),
    Wait(wait::Wait),
    Probe(probe::Probe),
    AwaitRegistration(await_registration::AwaitRegistration),
    ExpectCallback(expect_callback::ExpectCallback),
    Api(api::ApiChange),
    Register(register::Register),
    Unregister(unregister::Unregister),
    Burst(burst::Burst),
    Fuzz(fuzz::Fuzz),
}

/// One step as the schema has it.
pub(crate) struct StepSchema {
    pub keyword: &'static str,
    pub summary: &'static str,
    pub shape: Shape,
    pub expect: Option<Shape>,
}

impl StepSchema {
    /// `{ KEYWORD: ..., expect?: ... }`, nothing else.
    pub(crate) fn keys(&self) -> Vec<Key> {
        let mut keys = vec![Key::required(
            self.keyword,
            self.summary,
            self.shape.clone(),
        )];
        if let Some(expect) = &self.expect {
            keys.push(Key::optional(
                "expect",
                format!(
                    "What the `{}` step must produce; a key left out is not checked.",
                    self.keyword
                ),
                expect.clone(),
            ));
        }
        keys
    }
}

/// `steps: [...]`: every step of the file, each checked against the ones
/// before it (aliases) and the scenario's provider.
pub(crate) fn read_steps(
    r: &mut Reader<'_>,
    node: &Node,
    provider: Option<ProviderId>,
    data_seed: Option<u64>,
    scenario_path: &Path,
) -> Option<Vec<Step>> {
    let NodeKind::Seq(items) = &node.kind else {
        r.wrong_type(node, "`steps`", "a list of steps, each starting with `-`");
        return None;
    };
    if items.is_empty() {
        r.report(
            node,
            Problem::new(Kind::InvalidValue, "`steps` is empty", "no steps")
                .with_help("add at least one step, like `- deliver: { event: CONTACT.CREATE }`"),
        );
        return None;
    }
    let folder = scenario_path.parent().map(Path::to_owned);
    let mut cx = ReadContext::new(provider, items, data_seed, folder);
    let mut steps = Vec::with_capacity(items.len());
    let mut complete = true;
    for (index, item) in items.iter().enumerate() {
        cx.index = index;
        match read_step(r, item, &mut cx) {
            Some(step) => steps.push(step),
            None => complete = false,
        }
    }
    complete.then_some(steps)
}

/// One step: exactly one action, and an `expect` when the step allows one.
fn read_step(r: &mut Reader<'_>, node: &Node, cx: &mut ReadContext) -> Option<Step> {
    let NodeKind::Map(entries) = &node.kind else {
        r.wrong_type(
            node,
            "a step",
            "a mapping like `- deliver: { event: ... }` or `- wait: 5m`",
        );
        return None;
    };
    let mut action: Option<(&str, &Node, &Node)> = None;
    let mut expect: Option<(&Node, &Node)> = None;
    let mut problems_before = r.problems.len();
    for (key, value) in entries {
        let Some(name) = r.key_name(key) else {
            continue;
        };
        if name == "expect" {
            expect = Some((key, value));
        } else if let Some(keyword) = KEYWORDS.iter().find(|keyword| **keyword == name) {
            match action {
                Some((first, _, _)) => r.report(
                    key,
                    Problem::new(
                        Kind::StepActions,
                        format!(
                            "a step does one thing, but this one has both `{first}` and `{keyword}`"
                        ),
                        "a second action",
                    )
                    .with_help("split them into two steps, each starting with `-`"),
                ),
                None => action = Some((keyword, key, value)),
            }
        } else if closest(&name, &[KEYWORDS, &["expect"]].concat()) == Some("expect") {
            r.report(
                key,
                Problem::new(
                    Kind::UnknownKey,
                    format!("unknown key `{name}`"),
                    "unknown key",
                )
                .with_help("did you mean `expect`?"),
            );
        } else {
            r.report(
                key,
                Problem::new(
                    Kind::UnknownStep,
                    format!("unknown step `{name}`"),
                    "not a step",
                )
                .with_help(did_you_mean(&name, KEYWORDS, "a step is one of")),
            );
        }
    }
    let Some((keyword, key, value)) = action else {
        // A misspelt action was reported above; "no action" would only repeat it.
        if r.problems.len() == problems_before {
            r.report(
                node,
                Problem::new(Kind::StepActions, "this step has no action", "no action").with_help(
                    format!("start the step with one of {}", backticked(KEYWORDS)),
                ),
            );
        }
        return None;
    };
    problems_before = r.problems.len();
    let (action, expect) = read_action(keyword, r, key, value, expect, cx);
    if r.problems.len() > problems_before {
        return None;
    }
    Some(Step {
        action: action?,
        expect: expect?,
        location: r.location(key),
    })
}

/// `forge` and `rotate_keys` only mean something for a provider that signs.
pub(crate) fn require_signing(
    r: &mut Reader<'_>,
    key: &Node,
    keyword: &str,
    provider: Option<ProviderId>,
) {
    if let Some(provider) = provider.filter(|provider| provider.provider().signature().is_none()) {
        r.report(
            key,
            Problem::new(
                Kind::InvalidValue,
                format!(
                    "`{provider}` does not sign its deliveries, so `{keyword}` has nothing to work on"
                ),
                "needs a signing provider",
            ),
        );
    }
}

/// `set:` applied, in order, to `payload` (what the step would send): a
/// path through a value that is not an object or a list (`data: 5` then
/// `data.message`) is reported at its key, before anything is sent.
pub(crate) fn check_overrides(
    r: &mut Reader<'_>,
    set: &Node,
    overrides: &[crate::read::Override],
    mut payload: serde_json::Value,
) -> bool {
    let NodeKind::Map(entries) = &set.kind else {
        return true;
    };
    for ((key, _), o) in entries.iter().zip(overrides) {
        if let Err(error) =
            hooksim_simulator::payload::set_path(&mut payload, &o.path, o.value.clone())
        {
            r.report(
                key,
                Problem::new(Kind::InvalidValue, error.to_string(), "cannot be set")
                    .with_help("each `set` path goes through objects (or list indexes) of the payload, in file order: an earlier path may have made a part of it a plain value"),
            );
            return false;
        }
    }
    true
}

/// Whether `provider` (any, when `None`) signs its deliveries.
pub(crate) fn signs(provider: Option<ProviderId>) -> bool {
    provider.is_none_or(|p| p.provider().signature().is_some())
}

/// `event:` of a step that waits for a registration: the event it must cover.
pub(crate) fn covered_event_key(provider: Option<ProviderId>) -> Key {
    Key::optional(
        "event",
        "Wait for a registration that covers this event; any registration when not given.",
        event_shape(provider),
    )
}

/// An event of `provider`'s catalogue (any text when `None`).
pub(crate) fn event_shape(provider: Option<ProviderId>) -> Shape {
    match provider {
        Some(provider) => Shape::words(provider.provider().events().iter().map(|e| e.name)),
        None => Shape::Text,
    }
}
