//! From the spanned YAML tree to a typed [`Scenario`], by hand, so every
//! mistake points at its node and names the fix. Problems are collected and
//! all of them are reported, in file order, the first leading.

use std::collections::BTreeMap;
use std::ops::{Range, RangeInclusive};
use std::path::Path;

use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::signing::Forgery;

use super::error::{
    Problem, ScenarioError, ScenarioErrorKind as Kind, line_and_column, parser_span_to_bytes,
};
use super::interpolate::{InterpolationError, interpolate};
use super::tree::{Node, NodeKind};
use super::{
    Action, ApiChange, Basis, Callback, Deliver, Expectations, Location, Override, Probe, Register,
    RotateKeys, Scenario, StatusExpectation, Step, Subscription, UnsetSetting,
};

mod burst;
mod fuzz;

/// The longest real wait a step may ask for (`within:`).
const MAX_REAL_WAIT: std::time::Duration = std::time::Duration::from_secs(300);
use crate::duration::{DURATION_HELP, parse_nominal_duration, suggest_nominal_duration};
use crate::stand_in::{STAND_IN_PREFIX, parse_stand_in};
use crate::suggest::{backticked, closest, did_you_mean};

const TOP_LEVEL_KEYS: [&str; 12] = [
    "name",
    "provider",
    "rule",
    "source",
    "basis",
    "requires",
    "receiver",
    "target",
    "settings",
    "seed",
    "subscriptions",
    "steps",
];
const ACTIONS: [&str; 13] = [
    "deliver",
    "redeliver",
    "forge",
    "rotate_keys",
    "wait",
    "probe",
    "await_registration",
    "expect_callback",
    "api",
    "register",
    "unregister",
    "burst",
    "fuzz",
];
const API_KEYS: [&str; 5] = [
    "rate_limited",
    "token",
    "credentials",
    "cases_read",
    "event_key_typo",
];
const PROBE_KEYS: [&str; 7] = [
    "method", "path", "json", "headers", "params", "count_at", "within",
];
const REGISTER_KEYS: [&str; 2] = ["event", "within"];
/// How long a `register` step waits for the registration by default.
const DEFAULT_REGISTRATION_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
const AWAIT_REGISTRATION_KEYS: [&str; 2] = ["event", "within"];
const CALLBACK_KEYS: [&str; 5] = ["method", "path", "query", "count", "within"];
const HTTP_METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const SUBSCRIPTION_KEYS: [&str; 3] = ["name", "target", "secret"];
const DELIVER_KEYS: [&str; 5] = ["event", "as", "set", "max_attempts", "to"];
const REDELIVER_KEYS: [&str; 1] = ["from"];
const FORGE_KEYS: [&str; 2] = ["from", "signature"];
const ROTATE_KEYS_KEYS: [&str; 3] = ["old", "new", "finished"];
const EXPECT_KEYS: [&str; 7] = [
    "acknowledged",
    "status",
    "attempts",
    "gave_up",
    "json",
    "count",
    "registered",
];

/// Turn a parsed document into a scenario, or its problems in file order.
pub(crate) fn validate(
    path: &Path,
    text: &str,
    root: &Node,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Scenario, ScenarioError> {
    let mut validator = Validator {
        text,
        env,
        problems: Vec::new(),
        unset_settings: Vec::new(),
    };
    let scenario = validator.scenario(path, root);
    let mut problems = validator.problems;
    problems.sort_by_key(|(at, _)| at.start);
    // A node has one mistake: a second problem at the same node is the
    // first seen again by another check (or a consequence of it), and the
    // one found first wins (the sort is stable). A missing key has no node
    // of its own and stands at its mapping's, beside other mistakes.
    problems.dedup_by(|(at, later), (kept_at, kept)| {
        at.start == kept_at.start && later.kind != Kind::MissingKey && kept.kind != Kind::MissingKey
    });
    let mut problems = problems.into_iter();
    match (problems.next(), scenario) {
        (Some(first), _) => Err(ScenarioError::all(path, text, first, problems.collect())),
        (None, Some(scenario)) => Ok(scenario),
        // Every path that gives up on the scenario records a problem first.
        (None, None) => Err(ScenarioError::at(
            path,
            text,
            0..0,
            Problem::new(
                Kind::InvalidValue,
                "this scenario could not be read",
                "here",
            ),
        )),
    }
}

struct Validator<'a> {
    text: &'a str,
    env: &'a dyn Fn(&str) -> Option<String>,
    /// Byte range in the file and what is wrong there.
    problems: Vec<(Range<usize>, Problem)>,
    /// Settings an unset environment variable leaves without a value.
    unset_settings: Vec<UnsetSetting>,
}

/// A mapping's entries after unknown keys were reported.
struct Entries<'n> {
    /// The node a missing key is reported at: the mapping's own key when it
    /// has one (`deliver:`), else the mapping.
    owner: &'n Node,
    /// How messages name the mapping ("a scenario", "`deliver`").
    what: String,
    known: Vec<(&'static str, &'n Node, &'n Node)>,
}

impl<'n> Entries<'n> {
    fn get(&self, name: &str) -> Option<&'n Node> {
        self.known
            .iter()
            .find(|(key, _, _)| *key == name)
            .map(|(_, _, value)| *value)
    }
}

/// What steps need to know about the rest of the file.
struct StepContext {
    provider: Option<ProviderId>,
    /// Aliases defined by the delivers read so far, with their lines.
    defined: Vec<(String, usize)>,
    /// Every alias any deliver in the file defines, with its line.
    declared: Vec<(String, usize)>,
}

impl Validator<'_> {
    fn scenario(&mut self, path: &Path, root: &Node) -> Option<Scenario> {
        if root.kind == NodeKind::Null {
            self.report(
                root,
                Problem::new(
                    Kind::MissingKey,
                    "the scenario file is empty",
                    "nothing here",
                )
                .with_help(format!(
                    "a scenario needs {}",
                    backticked(&["name", "provider", "rule", "source", "steps"])
                )),
            );
            return None;
        }
        let top = self.entries(root, root, "a scenario", &TOP_LEVEL_KEYS)?;
        let provider = top.get("provider").and_then(|node| self.provider(node));
        let name = self.required(
            &top,
            "name",
            "`name` says in a sentence what the scenario proves",
        );
        let name = name.and_then(|node| self.string(node, "name"));
        let provider_node = self.required(&top, "provider", &provider_help());
        let rule = self.required(
            &top,
            "rule",
            "`rule` names the contract rule this proves, like `hemnet/signature-raw-body`",
        );
        let rule = rule.and_then(|node| self.string(node, "rule"));
        let source = self.required(
            &top,
            "source",
            "`source` says where the rule is documented: the provider's page and its section, like `https://integration.testhemnet.se/webhook/documentation § Retries`",
        );
        let source = source.and_then(|node| self.string(node, "source"));
        let basis = top.get("basis").map(|node| self.basis(node));
        let requires = top
            .get("requires")
            .map(|node| self.requires(node, provider));
        let reference_only = top.get("receiver").map(|node| self.receiver(node));
        let target = top.get("target").map(|node| self.target(node));
        let settings = top
            .get("settings")
            .map(|node| self.settings(node, provider));
        let seed = top.get("seed").map(|node| {
            self.integer(
                node,
                "seed",
                0..=u64::MAX.into(),
                "a whole number from 0 to 18446744073709551615",
            )
        });
        let subscriptions = top
            .get("subscriptions")
            .map(|node| self.subscriptions(node, provider));
        let steps = self.required(
            &top,
            "steps",
            "`steps` lists what to send, like `- deliver: { event: CONTACT.CREATE }`",
        );
        let steps = steps.and_then(|node| self.steps(node, provider));
        provider_node?;
        Some(Scenario {
            path: path.to_owned(),
            name: name?,
            provider: provider?,
            rule: rule?,
            source: source?,
            target: optional(target)?,
            settings: optional(settings)?.unwrap_or_default(),
            seed: optional(seed)?.and_then(|seed| u64::try_from(seed).ok()),
            subscriptions: optional(subscriptions)?.unwrap_or_default(),
            steps: steps?,
            basis: optional(basis)?.unwrap_or_default(),
            requires: optional(requires)?.unwrap_or_default(),
            reference_only: optional(reference_only)?.unwrap_or(false),
            unset_settings: std::mem::take(&mut self.unset_settings),
        })
    }

    /// `basis: documented | practice | assumed`.
    fn basis(&mut self, node: &Node) -> Option<Basis> {
        let name = self.string(node, "basis")?;
        if let Some(basis) = Basis::from_name(&name) {
            return Some(basis);
        }
        let names: Vec<&str> = Basis::ALL.iter().map(|b| b.name()).collect();
        self.report(
            node,
            Problem::new(Kind::InvalidValue, format!("unknown basis `{name}`"), "not a basis")
                .with_help(format!(
                    "{}; `documented`: the provider documents the rule, `practice`: what a robust receiver does (say why in `source`), `assumed`: a guess about the provider (its failure only warns unless --strict)",
                    did_you_mean(&name, &names, "a rule stands on one of")
                )),
        );
        None
    }

    /// `requires: [contact_lookup, ...]`: settings of the scenario's provider.
    fn requires(&mut self, node: &Node, provider: Option<ProviderId>) -> Option<Vec<String>> {
        let NodeKind::Seq(items) = &node.kind else {
            self.wrong_type(
                node,
                "`requires`",
                "a list of setting names, like `[contact_lookup]`",
            );
            return None;
        };
        let names = provider.map(crate::settings::setting_names);
        let mut required = Vec::with_capacity(items.len());
        let mut complete = true;
        for item in items {
            let Some(name) = self.string(item, "requires") else {
                complete = false;
                continue;
            };
            if !self.known_setting(item, provider, names.as_deref(), &name) {
                complete = false;
                continue;
            }
            required.push(name);
        }
        complete.then_some(required)
    }

    /// Whether `name` is one of `provider`'s settings (`names`); reported at
    /// `node` when it is not. Without a known provider nothing can be said.
    fn known_setting(
        &mut self,
        node: &Node,
        provider: Option<ProviderId>,
        names: Option<&[&str]>,
        name: &str,
    ) -> bool {
        let (Some(provider), Some(names)) = (provider, names) else {
            return true;
        };
        if names.contains(&name) {
            return true;
        }
        self.report(
            node,
            Problem::new(
                Kind::UnknownSetting,
                format!("`{provider}` has no setting `{name}`"),
                "unknown setting",
            )
            .with_help(did_you_mean(name, names, &format!("{provider} settings"))),
        );
        false
    }

    /// `receiver: reference`.
    fn receiver(&mut self, node: &Node) -> Option<bool> {
        let name = self.string(node, "receiver")?;
        if name == "reference" {
            return Some(true);
        }
        self.report(
            node,
            Problem::new(Kind::InvalidValue, format!("unknown receiver `{name}`"), "not a receiver")
                .with_help("`receiver: reference` runs the scenario against hooksim's reference receiver whatever --target says; leave it out to test the receiver under test"),
        );
        None
    }

    /// A `target`: a path, a URL, or a stand-in hooksim plays itself.
    fn target(&mut self, node: &Node) -> Option<String> {
        let target = self.string(node, "target")?;
        if let Some(spec) = target.strip_prefix(STAND_IN_PREFIX)
            && let Err(message) = parse_stand_in(spec)
        {
            let problem = Problem::new(Kind::InvalidValue, message, "not a stand-in").with_help(
                    "stand-ins: `stand-in:refuse-connections`, `stand-in:status/CODE`, `stand-in:slow/DURATION`",
                );
            self.report(node, problem);
            return None;
        }
        Some(target)
    }

    /// `subscriptions: [{ name, target?, secret? }, ...]`, names unique.
    fn subscriptions(
        &mut self,
        node: &Node,
        provider: Option<ProviderId>,
    ) -> Option<Vec<Subscription>> {
        let NodeKind::Seq(items) = &node.kind else {
            self.wrong_type(
                node,
                "`subscriptions`",
                "a list like `- { name: crm, target: /hooks, secret: KEY }`",
            );
            return None;
        };
        if items.is_empty() {
            self.report(
                node,
                Problem::new(
                    Kind::InvalidValue,
                    "`subscriptions` is empty",
                    "no subscription",
                )
                .with_help("list at least one subscription, or leave `subscriptions` out"),
            );
            return None;
        }
        let signs = provider.is_none_or(|p| p.provider().signature().is_some());
        let mut subscriptions = Vec::with_capacity(items.len());
        let mut complete = true;
        for item in items {
            let Some(entries) = self.entries(item, item, "a subscription", &SUBSCRIPTION_KEYS)
            else {
                complete = false;
                continue;
            };
            let name_node =
                self.required(&entries, "name", "name the subscription, like `name: crm`");
            let name = name_node.and_then(|n| self.string(n, "name"));
            if let (Some(name), Some(name_node)) = (&name, name_node)
                && subscriptions.iter().any(|s: &Subscription| &s.name == name)
            {
                self.report(
                    name_node,
                    Problem::new(
                        Kind::InvalidValue,
                        format!("two subscriptions are called `{name}`"),
                        "used before",
                    )
                    .with_help("give every subscription its own name"),
                );
                complete = false;
                continue;
            }
            let target = entries.get("target").map(|n| self.target(n));
            let secret = entries.get("secret").map(|n| {
                if !signs {
                    let provider = provider.map(|p| p.to_string()).unwrap_or_default();
                    self.report(
                        n,
                        Problem::new(
                            Kind::InvalidValue,
                            format!("`{provider}` does not sign deliveries"),
                            "no signature to make",
                        )
                        .with_help("leave `secret` out"),
                    );
                    return None;
                }
                self.string(n, "secret")
            });
            match (name, optional(target), optional(secret)) {
                (Some(name), Some(target), Some(secret)) => subscriptions.push(Subscription {
                    name,
                    target,
                    secret,
                }),
                _ => complete = false,
            }
        }
        complete.then_some(subscriptions)
    }

    fn provider(&mut self, node: &Node) -> Option<ProviderId> {
        let id = self.string(node, "provider")?;
        if let Ok(provider) = ProviderId::parse(&id) {
            return Some(provider);
        }
        let ids: Vec<&str> = ProviderId::ALL.iter().map(ProviderId::as_str).collect();
        self.report(
            node,
            Problem::new(
                Kind::UnknownProvider,
                format!("unknown provider `{id}`"),
                "not a provider hooksim plays",
            )
            .with_help(did_you_mean(&id, &ids, "known providers")),
        );
        None
    }

    fn settings(
        &mut self,
        node: &Node,
        provider: Option<ProviderId>,
    ) -> Option<BTreeMap<String, String>> {
        let NodeKind::Map(entries) = &node.kind else {
            self.wrong_type(
                node,
                "`settings`",
                "a mapping of setting names to values, like `{ secret: ... }`",
            );
            return None;
        };
        let names: Option<Vec<&str>> = provider.map(crate::settings::setting_names);
        let mut settings = BTreeMap::new();
        let mut complete = true;
        for (key, value) in entries {
            let Some(name) = self.key_name(key) else {
                complete = false;
                continue;
            };
            if !self.known_setting(key, provider, names.as_deref(), &name) {
                complete = false;
                continue;
            }
            // An unset variable is the run's business: `--set` may give
            // the value, and `list` needs none.
            if let Some(variable) = self.unset_variable(value) {
                self.unset_settings.push(UnsetSetting {
                    setting: name,
                    variable,
                    location: self.location(value),
                });
                continue;
            }
            match self.string(value, &format!("settings.{name}")) {
                Some(text) => {
                    settings.insert(name, text);
                }
                None => complete = false,
            }
        }
        complete.then_some(settings)
    }

    /// The variable a scalar's `${env:NAME}` needs and the environment
    /// lacks, when that is its only problem.
    fn unset_variable(&self, node: &Node) -> Option<String> {
        if !is_scalar(&node.kind) || node.kind == NodeKind::Null {
            return None;
        }
        let text = self.raw_or_string(node);
        match interpolate(&text, self.env) {
            Err(InterpolationError::Unset { name, .. }) => Some(name),
            _ => None,
        }
    }

    fn steps(&mut self, node: &Node, provider: Option<ProviderId>) -> Option<Vec<Step>> {
        let NodeKind::Seq(items) = &node.kind else {
            self.wrong_type(node, "`steps`", "a list of steps, each starting with `-`");
            return None;
        };
        if items.is_empty() {
            self.report(
                node,
                Problem::new(Kind::InvalidValue, "`steps` is empty", "no steps").with_help(
                    "add at least one step, like `- deliver: { event: CONTACT.CREATE }`",
                ),
            );
            return None;
        }
        let mut context = StepContext {
            provider,
            defined: Vec::new(),
            declared: declared_aliases(items),
        };
        let mut steps = Vec::with_capacity(items.len());
        let mut complete = true;
        for item in items {
            match self.step(item, &mut context) {
                Some(step) => steps.push(step),
                None => complete = false,
            }
        }
        complete.then_some(steps)
    }

    fn step(&mut self, node: &Node, context: &mut StepContext) -> Option<Step> {
        let NodeKind::Map(entries) = &node.kind else {
            self.wrong_type(
                node,
                "a step",
                "a mapping like `- deliver: { event: ... }` or `- wait: 5m`",
            );
            return None;
        };
        let mut action: Option<(&str, &Node, &Node)> = None;
        let mut expect: Option<(&Node, &Node)> = None;
        let mut problems_before = self.problems.len();
        for (key, value) in entries {
            let Some(name) = self.key_name(key) else {
                continue;
            };
            if name == "expect" {
                expect = Some((key, value));
            } else if let Some(keyword) = ACTIONS.iter().find(|keyword| **keyword == name) {
                match action {
                    Some((first, _, _)) => self.report(
                        key,
                        Problem::new(
                            Kind::StepActions,
                            format!("a step does one thing, but this one has both `{first}` and `{keyword}`"),
                            "a second action",
                        )
                        .with_help("split them into two steps, each starting with `-`"),
                    ),
                    None => action = Some((keyword, key, value)),
                }
            } else if closest(&name, &[ACTIONS.as_slice(), &["expect"]].concat()) == Some("expect")
            {
                self.report(
                    key,
                    Problem::new(
                        Kind::UnknownKey,
                        format!("unknown key `{name}`"),
                        "unknown key",
                    )
                    .with_help("did you mean `expect`?"),
                );
            } else {
                self.report(
                    key,
                    Problem::new(
                        Kind::UnknownStep,
                        format!("unknown step `{name}`"),
                        "not a step",
                    )
                    .with_help(did_you_mean(
                        &name,
                        &ACTIONS,
                        "a step is one of",
                    )),
                );
            }
        }
        let Some((keyword, key, value)) = action else {
            // A misspelt action was reported above; "no action" would only repeat it.
            if self.problems.len() == problems_before {
                self.report(
                    node,
                    Problem::new(Kind::StepActions, "this step has no action", "no action")
                        .with_help(format!(
                            "start the step with one of {}",
                            backticked(&ACTIONS)
                        )),
                );
            }
            return None;
        };
        problems_before = self.problems.len();
        let action = match keyword {
            "deliver" => self.deliver(key, value, context).map(Action::Deliver),
            "redeliver" => self.redeliver(key, value, context),
            "forge" => self.forge(key, value, context),
            "rotate_keys" => self.rotate_keys(key, value, context),
            "probe" => self.probe(key, value),
            "await_registration" => self.await_registration(key, value, context),
            "expect_callback" => self.expect_callback(key, value),
            "api" => self.api(key, value, context.provider),
            "register" => self.register(key, value, context),
            "unregister" => self.unregister(key, value, context.provider),
            "burst" => self.burst(key, value, context),
            "fuzz" => self.fuzz(key, value, context),
            _ => self.wait(value),
        };
        let expect = match expect {
            Some((expect_key, _))
                if matches!(
                    keyword,
                    "rotate_keys" | "wait" | "await_registration" | "expect_callback"
                ) =>
            {
                self.report(
                    expect_key,
                    Problem::new(Kind::ExpectNotAllowed, format!("`{keyword}` steps have nothing to expect"), "not allowed here")
                        .with_help("`expect` checks a delivery: put it on the `deliver`, `redeliver` or `forge` step it is about"),
                );
                None
            }
            Some((_, expect_value)) if keyword == "burst" => self.burst_expectations(expect_value),
            Some((_, expect_value)) if keyword == "fuzz" => self.fuzz_expectations(expect_value),
            Some((_, expect_value)) => {
                self.burst_only_keys(expect_value, keyword);
                self.step_only_keys(expect_value, keyword);
                self.expectations(expect_value)
            }
            None if matches!(keyword, "register" | "unregister") => Some(Expectations {
                registered: Some(keyword == "register"),
                ..Expectations::default()
            }),
            None => Some(Expectations::default()),
        };
        if self.problems.len() > problems_before {
            return None;
        }
        Some(Step {
            action: action?,
            expect: expect?,
            location: self.location(key),
        })
    }

    fn deliver(&mut self, key: &Node, value: &Node, context: &mut StepContext) -> Option<Deliver> {
        if is_scalar(&value.kind) && value.kind != NodeKind::Null {
            // `deliver: CONTACT.CREATE` is short for `deliver: { event: CONTACT.CREATE }`.
            let event = self.event(value, context.provider)?;
            return Some(Deliver {
                event,
                alias: None,
                set: Vec::new(),
                max_attempts: None,
                to_registered: false,
            });
        }
        let entries = self.entries(value, key, "`deliver`", &DELIVER_KEYS)?;
        let event = self.required(
            &entries,
            "event",
            "name the event to send, like `event: CONTACT.CREATE`",
        );
        let event = event.and_then(|node| self.event(node, context.provider));
        let alias = entries
            .get("as")
            .map(|node| self.alias_definition(node, context));
        let set = entries.get("set").map(|node| self.overrides(node));
        let to_registered = entries.get("to").map(|node| {
            let to = self.string(node, "to")?;
            if to == "registered" {
                return Some(true);
            }
            self.report(
                node,
                Problem::new(Kind::InvalidValue, format!("unknown destination `{to}`"), "not a destination")
                    .with_help("`to: registered` delivers to what the receiver registered through the provider's API; leave `to` out to use the scenario's target"),
            );
            None
        });
        let max_attempts = entries.get("max_attempts").map(|node| {
            self.integer(
                node,
                "max_attempts",
                1..=u32::MAX.into(),
                "a whole number of at least 1",
            )
            .map(|n| n as u32)
        });
        Some(Deliver {
            event: event?,
            alias: optional(alias)?,
            set: optional(set)?.unwrap_or_default(),
            max_attempts: optional(max_attempts)?,
            to_registered: optional(to_registered)?.unwrap_or(false),
        })
    }

    fn event(&mut self, node: &Node, provider: Option<ProviderId>) -> Option<String> {
        let event = self.string(node, "event")?;
        // Without a known provider there is no catalogue to check against; the provider's own error says why.
        let provider = provider?;
        let names: Vec<&str> = provider
            .provider()
            .events()
            .iter()
            .map(|spec| spec.name)
            .collect();
        if names.contains(&event.as_str()) {
            return Some(event);
        }
        self.report(
            node,
            Problem::new(
                Kind::UnknownEvent,
                format!("`{provider}` has no event `{event}`"),
                "unknown event",
            )
            .with_help(did_you_mean(&event, &names, &format!("{provider} events"))),
        );
        None
    }

    fn alias_definition(&mut self, node: &Node, context: &mut StepContext) -> Option<String> {
        let alias = self.string(node, "as")?;
        if alias.trim().is_empty() {
            self.report(
                node,
                Problem::new(
                    Kind::InvalidValue,
                    "an alias cannot be empty",
                    "empty alias",
                ),
            );
            return None;
        }
        if let Some((_, line)) = context
            .defined
            .iter()
            .find(|(defined, _)| *defined == alias)
        {
            let problem = Problem::new(
                Kind::DuplicateAlias,
                format!("alias `{alias}` is already defined on line {line}"),
                "defined again here",
            )
            .with_help("give each deliver its own `as:` name");
            self.report(node, problem);
            return None;
        }
        context.defined.push((alias.clone(), line_of(node)));
        Some(alias)
    }

    fn overrides(&mut self, node: &Node) -> Option<Vec<Override>> {
        let pairs = self.dotted_values(
            node,
            "`set`",
            "a mapping of dotted paths to values, like `{ data.message: \"hi\" }`",
        )?;
        Some(
            pairs
                .into_iter()
                .map(|(path, value)| Override { path, value })
                .collect(),
        )
    }

    /// A mapping of dotted paths to values (`set:`, a probe's `json:`).
    fn dotted_values(
        &mut self,
        node: &Node,
        what: &str,
        expected: &str,
    ) -> Option<Vec<(String, serde_json::Value)>> {
        let NodeKind::Map(entries) = &node.kind else {
            self.wrong_type(node, what, expected);
            return None;
        };
        let mut pairs = Vec::with_capacity(entries.len());
        let mut complete = true;
        for (key, value) in entries {
            let Some(path) = self.key_name(key) else {
                complete = false;
                continue;
            };
            if path.split('.').any(|segment| segment.trim().is_empty()) {
                self.report(
                    key,
                    Problem::new(
                        Kind::InvalidValue,
                        format!("`{path}` is not a dotted path"),
                        "empty path segment",
                    )
                    .with_help(
                        "name a field by its path, like `data.message` or `data.contact.email`",
                    ),
                );
                complete = false;
                continue;
            }
            match self.json(value) {
                Some(value) => pairs.push((path, value)),
                None => complete = false,
            }
        }
        complete.then_some(pairs)
    }

    /// Any YAML value as JSON, strings interpolated.
    fn json(&mut self, node: &Node) -> Option<serde_json::Value> {
        use serde_json::Value;
        Some(match &node.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(value) => Value::Bool(*value),
            NodeKind::Int(value) => match (i64::try_from(*value), u64::try_from(*value)) {
                (Ok(signed), _) => Value::from(signed),
                (_, Ok(unsigned)) => Value::from(unsigned),
                // serde-saphyr only yields values that fit i64 or u64.
                _ => Value::String(value.to_string()),
            },
            NodeKind::Float(value) => serde_json::Number::from_f64(*value)
                .map_or_else(|| Value::String(self.raw_text(node)), Value::Number),
            NodeKind::Str(_) => Value::String(self.string(node, "this value")?),
            NodeKind::Seq(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.json(item));
                }
                Value::Array(values.into_iter().collect::<Option<_>>()?)
            }
            NodeKind::Map(entries) => {
                let mut object = serde_json::Map::new();
                let mut complete = true;
                for (key, value) in entries {
                    match (self.key_name(key), self.json(value)) {
                        (Some(key), Some(value)) => {
                            object.insert(key, value);
                        }
                        _ => complete = false,
                    }
                }
                if !complete {
                    return None;
                }
                Value::Object(object)
            }
        })
    }

    fn redeliver(&mut self, key: &Node, value: &Node, context: &StepContext) -> Option<Action> {
        let from = if !matches!(value.kind, NodeKind::Map(_)) {
            value
        } else {
            let entries = self.entries(value, key, "`redeliver`", &REDELIVER_KEYS)?;
            self.required(
                &entries,
                "from",
                "name the delivery to send again by its alias: `redeliver: first`",
            )?
        };
        let from = self.alias_reference(from, "redeliver", context)?;
        Some(Action::Redeliver { from })
    }

    fn forge(&mut self, key: &Node, value: &Node, context: &StepContext) -> Option<Action> {
        self.require_signing(key, "forge", context.provider);
        let entries = self.entries(value, key, "`forge`", &FORGE_KEYS)?;
        let from = self.required(
            &entries,
            "from",
            "name the delivery to forge by its alias: `from: first`",
        );
        let from = from.and_then(|node| self.alias_reference(node, "forge", context));
        let signature = self.required(
            &entries,
            "signature",
            &format!("say how to forge it: {}", forgery_names()),
        );
        let forgery = signature.and_then(|node| self.forgery(node));
        Some(Action::Forge {
            from: from?,
            forgery: forgery?,
        })
    }

    fn forgery(&mut self, node: &Node) -> Option<Forgery> {
        let name = self.string(node, "signature")?;
        if let Some(forgery) = Forgery::from_name(&name) {
            return Some(forgery);
        }
        let names: Vec<&str> = Forgery::ALL.iter().map(Forgery::name).collect();
        self.report(
            node,
            Problem::new(
                Kind::UnknownForgery,
                format!("unknown forgery `{name}`"),
                "not a forgery",
            )
            .with_help(did_you_mean(&name, &names, "forgeries")),
        );
        None
    }

    fn rotate_keys(&mut self, key: &Node, value: &Node, context: &StepContext) -> Option<Action> {
        self.require_signing(key, "rotate_keys", context.provider);
        let entries = self.entries(value, key, "`rotate_keys`", &ROTATE_KEYS_KEYS)?;
        if entries.known.is_empty() {
            self.report(
                key,
                Problem::new(Kind::MissingKey, "`rotate_keys` needs `old`, `new` or `finished`", "nothing to rotate")
                    .with_help("`old: KEY` signs with KEY as the old key, `new: KEY` adds KEY as the new one, `finished: true` drops the old key"),
            );
            return None;
        }
        let old = entries.get("old").map(|node| self.string(node, "old"));
        let new = entries.get("new").map(|node| self.string(node, "new"));
        let finished = entries
            .get("finished")
            .map(|node| self.boolean(node, "finished"));
        Some(Action::RotateKeys(RotateKeys {
            old: optional(old)?,
            new: optional(new)?,
            finished: optional(finished)?.unwrap_or(false),
        }))
    }

    fn probe(&mut self, key: &Node, value: &Node) -> Option<Action> {
        let entries = self.entries(value, key, "`probe`", &PROBE_KEYS)?;
        let method = entries.get("method").map(|node| self.http_method(node));
        let path = self.required(
            &entries,
            "path",
            "say what to call on the receiver, like `path: /hemnet/contacts`",
        );
        let path = path.and_then(|node| self.probe_path(node));
        let json = entries.get("json").map(|node| self.json(node));
        let headers = entries.get("headers").map(|node| self.header_lines(node));
        let params = entries.get("params").map(|node| self.params(node));
        let count_at = entries
            .get("count_at")
            .map(|node| self.string(node, "count_at"));
        let within = entries
            .get("within")
            .map(|node| self.real_duration(node, "within"));
        Some(Action::Probe(Probe {
            method: optional(method)?.unwrap_or_else(|| "GET".to_owned()),
            path: path?,
            json: optional(json)?,
            headers: optional(headers)?.unwrap_or_default(),
            params: optional(params)?.unwrap_or_default(),
            count_at: optional(count_at)?.filter(|at| !at.is_empty()),
            within: optional(within)?,
        }))
    }

    fn await_registration(
        &mut self,
        key: &Node,
        value: &Node,
        context: &StepContext,
    ) -> Option<Action> {
        let entries = self.entries(value, key, "`await_registration`", &AWAIT_REGISTRATION_KEYS)?;
        let event = entries
            .get("event")
            .map(|node| self.event(node, context.provider));
        let within = self.required(
            &entries,
            "within",
            "say how long to wait, like `within: 5s`",
        );
        let within = within.and_then(|node| self.real_duration(node, "within"));
        Some(Action::AwaitRegistration {
            event: optional(event)?,
            within: within?,
        })
    }

    fn expect_callback(&mut self, key: &Node, value: &Node) -> Option<Action> {
        let entries = self.entries(value, key, "`expect_callback`", &CALLBACK_KEYS)?;
        let method = entries.get("method").map(|node| self.http_method(node));
        let path = self.required(
            &entries,
            "path",
            "say which call, relative to the provider's API, like `path: /flow/api/Properties/*/SettlementStatuses`",
        );
        let path = path.and_then(|node| self.path(node));
        let query = entries.get("query").map(|node| self.string(node, "query"));
        let count = entries.get("count").map(|node| {
            self.integer(node, "count", 0..=u32::MAX.into(), "a whole number")
                .map(|n| n as u32)
        });
        let within = self.required(
            &entries,
            "within",
            "say how long to wait, like `within: 5s`",
        );
        let within = within.and_then(|node| self.real_duration(node, "within"));
        Some(Action::ExpectCallback(Callback {
            method: optional(method)?.unwrap_or_else(|| "GET".to_owned()),
            path: path?,
            query: optional(query)?,
            count: optional(count)?,
            within: within?,
        }))
    }

    /// `api: { rate_limited: true, ... }`: each key only for the provider
    /// whose API has that condition.
    fn api(&mut self, key: &Node, value: &Node, provider: Option<ProviderId>) -> Option<Action> {
        let entries = self.entries(value, key, "`api`", &API_KEYS)?;
        if entries.known.is_empty() {
            self.report(
                key,
                Problem::new(Kind::MissingKey, "`api` changes nothing", "no condition")
                    .with_help(format!("give one of {}", backticked(&API_KEYS))),
            );
            return None;
        }
        let mut change = ApiChange::default();
        let mut complete = true;
        for (name, key_node, value) in &entries.known {
            let (providers, parsed): (&[ProviderId], Option<bool>) = match *name {
                "rate_limited" => (&[ProviderId::Flow], self.boolean(value, name)),
                "cases_read" => (&[ProviderId::Flow], self.boolean(value, name)),
                "event_key_typo" => (&[ProviderId::PropertyFinder], self.boolean(value, name)),
                "token" => (
                    &[ProviderId::Spark, ProviderId::PropertyFinder],
                    self.word(value, name, &["read-only", "full"])
                        .map(|word| word == "read-only"),
                ),
                _ => (
                    &[ProviderId::PropertyFinderAtlas],
                    self.word(value, name, &["refused", "accepted"])
                        .map(|word| word == "refused"),
                ),
            };
            if let Some(provider) = provider.filter(|p| !providers.contains(p)) {
                let owners: Vec<&str> = providers.iter().map(ProviderId::as_str).collect();
                self.report(
                    key_node,
                    Problem::new(
                        Kind::InvalidValue,
                        format!("the {provider} API has no `{name}` condition"),
                        "not for this provider",
                    )
                    .with_help(format!(
                        "`{name}` is a condition of {}",
                        backticked(&owners)
                    )),
                );
                complete = false;
                continue;
            }
            let Some(on) = parsed else {
                complete = false;
                continue;
            };
            match *name {
                "rate_limited" => change.rate_limited = Some(on),
                "cases_read" => change.cases_read = Some(on),
                "event_key_typo" => change.event_key_typo = Some(on),
                "token" => change.token_read_only = Some(on),
                _ => change.credentials_refused = Some(on),
            }
        }
        complete.then_some(Action::Api(change))
    }

    /// One of `words`, as written.
    fn word(&mut self, node: &Node, what: &str, words: &[&str]) -> Option<String> {
        let text = self.string(node, what)?;
        if words.contains(&text.as_str()) {
            return Some(text);
        }
        self.report(
            node,
            Problem::new(
                Kind::InvalidValue,
                format!("`{what}: {text}` is not known"),
                "unknown value",
            )
            .with_help(did_you_mean(&text, words, &format!("`{what}` is one of"))),
        );
        None
    }

    /// `register: { event?, within? }`, for a provider with a registration API.
    fn register(&mut self, key: &Node, value: &Node, context: &StepContext) -> Option<Action> {
        self.require_setting(key, "register", context.provider, "register");
        let register = if value.kind == NodeKind::Null {
            Register {
                event: None,
                within: DEFAULT_REGISTRATION_WAIT,
            }
        } else {
            let entries = self.entries(value, key, "`register`", &REGISTER_KEYS)?;
            let event = entries
                .get("event")
                .map(|node| self.event(node, context.provider));
            let within = entries
                .get("within")
                .map(|node| self.real_duration(node, "within"));
            Register {
                event: optional(event)?,
                within: optional(within)?.unwrap_or(DEFAULT_REGISTRATION_WAIT),
            }
        };
        Some(Action::Register(register))
    }

    /// `unregister: {}`, for a provider whose API deletes registrations.
    fn unregister(
        &mut self,
        key: &Node,
        value: &Node,
        provider: Option<ProviderId>,
    ) -> Option<Action> {
        self.require_setting(key, "unregister", provider, "unregister");
        if value.kind != NodeKind::Null {
            self.entries(value, key, "`unregister`", &[])?;
        }
        Some(Action::Unregister)
    }

    /// A step that calls a receiver setting only exists for the providers
    /// that have the setting.
    fn require_setting(
        &mut self,
        key: &Node,
        keyword: &str,
        provider: Option<ProviderId>,
        setting: &str,
    ) {
        let Some(provider) = provider else { return };
        if crate::settings::receiver_setting(provider, setting).is_none() {
            self.report(
                key,
                Problem::new(
                    Kind::InvalidValue,
                    format!(
                        "`{provider}` has no API that {} webhooks, so there is nothing to `{keyword}`",
                        if keyword == "register" { "registers" } else { "deletes" }
                    ),
                    "not for this provider",
                )
                .with_help("registrations are made through the Spark, PF Expert, Atlas and EverReal APIs (deleted through PF Expert's and Atlas's)"),
            );
        }
    }

    /// A probe's `path`: a path, an absolute URL, or a placeholder that
    /// becomes one (`{{settings.contact_lookup}}`).
    fn probe_path(&mut self, node: &Node) -> Option<String> {
        let text = self.string(node, "path")?;
        if text.starts_with("http://") || text.starts_with("https://") || text.starts_with("{{") {
            return Some(text);
        }
        self.path(node)
    }

    /// `headers: ["Name: value", ...]`.
    fn header_lines(&mut self, node: &Node) -> Option<Vec<String>> {
        let NodeKind::Seq(items) = &node.kind else {
            self.wrong_type(
                node,
                "`headers`",
                "a list of `Name: value` lines, like `[\"{{settings.admin_header}}\"]`",
            );
            return None;
        };
        let mut lines = Vec::with_capacity(items.len());
        for item in items {
            let line = self.string(item, "headers")?;
            let placeholder = line.trim_start().starts_with("{{");
            let named = line
                .split_once(':')
                .is_some_and(|(name, _)| !name.trim().is_empty() && !name.contains(' '));
            if !placeholder && !named {
                self.report(
                    item,
                    Problem::new(
                        Kind::InvalidValue,
                        format!("`{}` is not a header line", shorten(&line)),
                        "not `Name: value`",
                    )
                    .with_help(
                        "write a header as `Name: value`, like `Authorization: Bearer TOKEN`",
                    ),
                );
                return None;
            }
            lines.push(line);
        }
        Some(lines)
    }

    /// `params: { id: "{{sent.lead.data.id}}" }`: text for each `{name}`.
    fn params(&mut self, node: &Node) -> Option<Vec<(String, String)>> {
        let NodeKind::Map(entries) = &node.kind else {
            self.wrong_type(
                node,
                "`params`",
                "a mapping of names to values, like `{ id: \"{{sent.lead.data.id}}\" }`",
            );
            return None;
        };
        let mut params = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let name = self.key_name(key)?;
            let value = self.scalar_text(value, &format!("params.{name}"))?;
            params.push((name, value));
        }
        Some(params)
    }

    fn http_method(&mut self, node: &Node) -> Option<String> {
        let method = self.string(node, "method")?;
        let upper = method.to_ascii_uppercase();
        if HTTP_METHODS.contains(&upper.as_str()) {
            return Some(upper);
        }
        self.report(
            node,
            Problem::new(
                Kind::InvalidValue,
                format!("unknown HTTP method `{method}`"),
                "not a method",
            )
            .with_help(did_you_mean(&upper, &HTTP_METHODS, "methods")),
        );
        None
    }

    fn path(&mut self, node: &Node) -> Option<String> {
        let path = self.string(node, "path")?;
        if path.starts_with('/') {
            return Some(path);
        }
        self.report(
            node,
            Problem::new(
                Kind::InvalidValue,
                format!("`{path}` does not start with `/`"),
                "not a path",
            )
            .with_help("write a path like `/hemnet/contacts`"),
        );
        None
    }

    /// A duration of real waiting (`within: 5s`); capped so no scenario can hang CI.
    fn real_duration(&mut self, node: &Node, what: &str) -> Option<std::time::Duration> {
        let text = self.string(node, what)?;
        match parse_nominal_duration(&text) {
            Ok(duration) if duration <= MAX_REAL_WAIT => Some(duration),
            Ok(_) => {
                self.report(
                    node,
                    Problem::new(
                        Kind::InvalidValue,
                        format!("`{what}: {text}` waits too long"),
                        "too long",
                    )
                    .with_help("real waits are capped at 5m so a scenario cannot hang a CI run"),
                );
                None
            }
            Err(error) => {
                self.report(
                    node,
                    Problem::new(
                        Kind::BadDuration,
                        format!("invalid duration `{text}`: {error}"),
                        "not a duration",
                    )
                    .with_help(DURATION_HELP),
                );
                None
            }
        }
    }

    fn wait(&mut self, node: &Node) -> Option<Action> {
        if !is_scalar(&node.kind) || node.kind == NodeKind::Null {
            self.wrong_type(node, "`wait`", "a duration, like `90m` or `1h 30m`");
            return None;
        }
        let text = self.string(node, "wait")?;
        match parse_nominal_duration(&text) {
            Ok(duration) => Some(Action::Wait { duration }),
            Err(error) => {
                let at = match error.at() {
                    Some(inner) => self.inside(node, &text, inner),
                    None => self.span(node),
                };
                self.problems.push((
                    at,
                    Problem::new(
                        Kind::BadDuration,
                        format!("invalid duration `{text}`: {error}"),
                        "not a duration",
                    )
                    .with_help(match suggest_nominal_duration(&text) {
                        Some(suggestion) => {
                            format!("did you mean `{suggestion}`?\n{DURATION_HELP}")
                        }
                        None => DURATION_HELP.to_owned(),
                    }),
                ));
                None
            }
        }
    }

    /// `forge` and `rotate_keys` only mean something for a provider that signs.
    fn require_signing(&mut self, key: &Node, keyword: &str, provider: Option<ProviderId>) {
        if let Some(provider) =
            provider.filter(|provider| provider.provider().signature().is_none())
        {
            self.report(
                key,
                Problem::new(
                    Kind::InvalidValue,
                    format!("`{provider}` does not sign its deliveries, so `{keyword}` has nothing to work on"),
                    "needs a signing provider",
                ),
            );
        }
    }

    fn alias_reference(
        &mut self,
        node: &Node,
        keyword: &str,
        context: &StepContext,
    ) -> Option<String> {
        let alias = self.string(node, keyword)?;
        if context.defined.iter().any(|(defined, _)| *defined == alias) {
            return Some(alias);
        }
        let line = line_of(node);
        if (context.declared.iter()).any(|(declared, at)| *declared == alias && *at < line) {
            // An earlier step names it but did not define it: that step's
            // own mistake is reported, and this would only repeat it.
            return None;
        }
        let later = context
            .declared
            .iter()
            .find(|(declared, at)| *declared == alias && *at > line);
        let problem = if let Some((_, line)) = later {
            Problem::new(Kind::UndefinedAlias, format!("`{alias}` is not defined yet"), "used before its deliver")
                .with_help(format!("the deliver on line {line} defines `{alias}`; steps run top to bottom, so move it above this step"))
        } else {
            let defined: Vec<&str> = context
                .defined
                .iter()
                .map(|(defined, _)| defined.as_str())
                .collect();
            let help = match closest(&alias, &defined) {
                Some(candidate) => format!("did you mean `{candidate}`?"),
                None if defined.is_empty() => {
                    format!("name a delivery with `as: {alias}` on a deliver step before this one")
                }
                None => format!("aliases defined so far: {}", backticked(&defined)),
            };
            Problem::new(
                Kind::UndefinedAlias,
                format!("no earlier deliver is named `{alias}`"),
                "undefined alias",
            )
            .with_help(help)
        };
        self.report(node, problem);
        None
    }

    fn expectations(&mut self, node: &Node) -> Option<Expectations> {
        let entries = self.entries(node, node, "`expect`", &EXPECT_KEYS)?;
        let acknowledged = entries
            .get("acknowledged")
            .map(|node| self.boolean(node, "acknowledged"));
        let status = entries.get("status").map(|node| self.status(node));
        let attempts = entries.get("attempts").map(|node| {
            self.integer(
                node,
                "attempts",
                // 0: nothing was sent (no active registration to deliver to).
                0..=u32::MAX.into(),
                "a whole number",
            )
        });
        let gave_up = entries
            .get("gave_up")
            .map(|node| self.boolean(node, "gave_up"));
        let json = entries.get("json").map(|node| self.json_expectations(node));
        let count = entries.get("count").map(|node| {
            self.integer(node, "count", 0..=u64::MAX.into(), "a whole number")
                .and_then(|n| u64::try_from(n).ok())
        });
        let registered = entries
            .get("registered")
            .map(|node| self.boolean(node, "registered"));
        Some(Expectations {
            acknowledged: optional(acknowledged)?,
            status: optional(status)?,
            count: optional(count)?,
            registered: optional(registered)?,
            attempts: optional(attempts)?.and_then(|attempts| u32::try_from(attempts).ok()),
            gave_up: optional(gave_up)?,
            json: optional(json)?.unwrap_or_default(),
            ..Expectations::default()
        })
    }

    /// `status: 204`, or a class: `status: 2xx`.
    fn status(&mut self, node: &Node) -> Option<StatusExpectation> {
        if let NodeKind::Str(text) = &node.kind
            && let Some(class) = text.strip_suffix("xx").and_then(|d| d.parse::<u16>().ok())
            && (1..=5).contains(&class)
        {
            return Some(StatusExpectation::Class(class));
        }
        if matches!(node.kind, NodeKind::Str(_)) {
            self.wrong_type(
                node,
                "`status`",
                "an HTTP status from 100 to 599, or a class like `2xx`",
            );
            return None;
        }
        self.integer(
            node,
            "status",
            100..=599,
            "an HTTP status from 100 to 599, or a class like `2xx`",
        )
        .and_then(|status| u16::try_from(status).ok())
        .map(StatusExpectation::Exactly)
    }

    /// Expectations that only some steps have: `json` and `count` on
    /// probes, `registered` on (un)registrations, which expect nothing else.
    fn step_only_keys(&mut self, node: &Node, keyword: &str) {
        let NodeKind::Map(entries) = &node.kind else {
            return;
        };
        let registration = matches!(keyword, "register" | "unregister");
        for (key, _) in entries {
            let NodeKind::Str(name) = &key.kind else {
                continue;
            };
            let allowed = match name.as_str() {
                "json" | "count" => keyword == "probe",
                "registered" => registration,
                _ => !registration,
            };
            if !allowed {
                let help = if registration {
                    "a `register` or `unregister` step expects only `registered`".to_owned()
                } else if name == "registered" {
                    "`registered` goes on a `register` or `unregister` step".to_owned()
                } else {
                    format!("`{name}` checks a probe's answer: put it on a `probe` step")
                };
                self.report(
                    key,
                    Problem::new(
                        Kind::ExpectNotAllowed,
                        format!("`{keyword}` steps do not expect `{name}`"),
                        "not allowed here",
                    )
                    .with_help(help),
                );
            }
        }
    }

    /// `json: { count: 1, ids.0: "abc" }`: dotted paths to expected values.
    fn json_expectations(&mut self, node: &Node) -> Option<Vec<(String, serde_json::Value)>> {
        self.dotted_values(
            node,
            "`json`",
            "a mapping of dotted paths to values, like `{ count: 1 }`",
        )
    }

    // ---- generic checks ----

    /// A mapping's entries, reporting unknown keys. `owner` is where a
    /// missing key will be reported.
    fn entries<'n>(
        &mut self,
        node: &'n Node,
        owner: &'n Node,
        what: &str,
        known: &[&'static str],
    ) -> Option<Entries<'n>> {
        let NodeKind::Map(pairs) = &node.kind else {
            self.wrong_type(node, what, &format!("a mapping with {}", backticked(known)));
            return None;
        };
        let mut entries = Entries {
            owner,
            what: what.to_owned(),
            known: Vec::with_capacity(pairs.len()),
        };
        for (key, value) in pairs {
            let Some(name) = self.key_name(key) else {
                continue;
            };
            match known.iter().find(|candidate| **candidate == name) {
                Some(candidate) => entries.known.push((candidate, key, value)),
                None => self.report(
                    key,
                    Problem::new(
                        Kind::UnknownKey,
                        format!("unknown key `{name}`"),
                        "unknown key",
                    )
                    .with_help(did_you_mean(
                        &name,
                        known,
                        &format!("valid keys in {what}"),
                    )),
                ),
            }
        }
        Some(entries)
    }

    fn required<'n>(&mut self, entries: &Entries<'n>, name: &str, help: &str) -> Option<&'n Node> {
        let value = entries.get(name);
        if value.is_none() {
            let label = format!("{} without `{name}`", entries.what);
            self.report(
                entries.owner,
                Problem::new(
                    Kind::MissingKey,
                    format!("missing required key `{name}`"),
                    label,
                )
                .with_help(help),
            );
        }
        value
    }

    /// A mapping key as text; keys that are lists or mappings are reported.
    fn key_name(&mut self, key: &Node) -> Option<String> {
        if is_scalar(&key.kind) && key.kind != NodeKind::Null {
            return Some(self.raw_or_string(key));
        }
        self.report(
            key,
            Problem::new(
                Kind::WrongType,
                "a key must be a plain name",
                format!("{} used as a key", key.kind.article_name()),
            ),
        );
        None
    }

    /// A scalar as text, before interpolation; numbers and booleans are
    /// taken as written (`secret: 0123`).
    fn scalar_text(&mut self, node: &Node, what: &str) -> Option<String> {
        if is_scalar(&node.kind) && node.kind != NodeKind::Null {
            return Some(self.raw_or_string(node));
        }
        self.wrong_type(node, &format!("`{what}`"), "a string");
        None
    }

    /// A string with `${env:...}` resolved: every string value may use it.
    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        let text = self.scalar_text(node, what)?;
        match interpolate(&text, self.env) {
            Ok(value) => Some(value),
            Err(error) => {
                let at = self.inside(node, &text, error.at());
                let label = match &error {
                    InterpolationError::Unset { .. } => "not set",
                    InterpolationError::Unterminated { .. } => "no closing `}`",
                    InterpolationError::UnknownForm { .. } | InterpolationError::BadName { .. } => {
                        "not an interpolation"
                    }
                };
                let help = match &error {
                    InterpolationError::Unset { name, .. } => {
                        format!(
                            "set `{name}` in the environment, or give a default: `${{env:{name}:-default}}`"
                        )
                    }
                    _ => "write `${env:NAME}` or `${env:NAME:-default}`; `$${` is a literal `${`"
                        .to_owned(),
                };
                self.problems.push((
                    at,
                    Problem::new(Kind::Interpolation, error.to_string(), label).with_help(help),
                ));
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        if let NodeKind::Bool(value) = node.kind {
            return Some(value);
        }
        self.wrong_type(node, &format!("`{what}`"), "`true` or `false`");
        None
    }

    fn integer(
        &mut self,
        node: &Node,
        what: &str,
        allowed: RangeInclusive<i128>,
        expected: &str,
    ) -> Option<i128> {
        match node.kind {
            NodeKind::Int(value) if allowed.contains(&value) => Some(value),
            NodeKind::Int(value) => {
                self.report(
                    node,
                    Problem::new(
                        Kind::InvalidValue,
                        format!("`{what}` must be {expected}"),
                        format!("found {value}"),
                    ),
                );
                None
            }
            _ => {
                self.wrong_type(node, &format!("`{what}`"), expected);
                None
            }
        }
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        let found = match &node.kind {
            NodeKind::Str(text) => format!("found the string `{}`", shorten(text)),
            NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) => {
                format!("found `{}`", shorten(&self.raw_or_string(node)))
            }
            other => format!("found {}", other.article_name()),
        };
        self.report(
            node,
            Problem::new(Kind::WrongType, format!("{what} must be {expected}"), found),
        );
    }

    // ---- positions ----

    fn report(&mut self, node: &Node, problem: Problem) {
        let at = self.span(node);
        self.problems.push((at, problem));
    }

    /// Byte range of a node. Block mappings have an empty span at their
    /// first key; use that key's span so the caret has a width.
    fn span(&self, node: &Node) -> Range<usize> {
        let span = node.at.span();
        let first_key = match &node.kind {
            NodeKind::Map(entries) => entries.first().map(|(key, _)| key),
            _ => None,
        };
        if let (true, Some(first_key)) = (span.is_empty(), first_key) {
            return self.span(first_key);
        }
        parser_span_to_bytes(self.text, span.offset(), span.len())
    }

    /// Line and character column where a node starts (the parser counts columns in bytes).
    fn location(&self, node: &Node) -> Location {
        let (line, column) = line_and_column(self.text, self.span(node).start);
        Location { line, column }
    }

    /// Byte range of `inner` (a byte range of `value`) in the file, when the
    /// scalar is written plain or quoted without escapes; else the scalar's span.
    fn inside(&self, node: &Node, value: &str, inner: Range<usize>) -> Range<usize> {
        let whole = self.span(node);
        let written = self.text.get(whole.clone()).unwrap_or_default().trim_end();
        let quoted = written.len() >= 2
            && (written.starts_with('"') && written.ends_with('"')
                || written.starts_with('\'') && written.ends_with('\''));
        let content_start = if written == value {
            whole.start
        } else if quoted && written.get(1..written.len() - 1) == Some(value) {
            whole.start + 1
        } else {
            return whole;
        };
        content_start + inner.start..content_start + inner.end
    }

    /// A scalar as written in the file (`1.50`, `0x1F`, `TRUE`), so numbers
    /// used as text keep their spelling; strings as parsed.
    fn raw_or_string(&self, node: &Node) -> String {
        match &node.kind {
            NodeKind::Str(text) => text.clone(),
            _ => self.raw_text(node),
        }
    }

    fn raw_text(&self, node: &Node) -> String {
        let span = node.defined.span();
        let range = parser_span_to_bytes(self.text, span.offset(), span.len());
        let written = self.text.get(range).unwrap_or_default().trim();
        if !written.is_empty() {
            return written.to_owned();
        }
        match &node.kind {
            NodeKind::Int(value) => value.to_string(),
            NodeKind::Float(value) => value.to_string(),
            NodeKind::Bool(value) => value.to_string(),
            _ => String::new(),
        }
    }
}

/// Every `as:` of every step's action (a misspelt `delivr:` too), with its
/// line, to tell "defined later" from "never defined", and both from "its
/// step has a mistake of its own".
fn declared_aliases(steps: &[Node]) -> Vec<(String, usize)> {
    let mut declared = Vec::new();
    for step in steps {
        let NodeKind::Map(actions) = &step.kind else {
            continue;
        };
        for (_, action) in actions {
            if let Some(
                alias @ Node {
                    kind: NodeKind::Str(name),
                    ..
                },
            ) = entry(action, "as")
            {
                declared.push((name.clone(), line_of(alias)));
            }
        }
    }
    declared
}

fn entry<'n>(node: &'n Node, name: &str) -> Option<&'n Node> {
    let NodeKind::Map(entries) = &node.kind else {
        return None;
    };
    entries
        .iter()
        .find(|(key, _)| key.kind == NodeKind::Str(name.to_owned()))
        .map(|(_, value)| value)
}

/// An optional field's outcome: absent is fine (`Some(None)`), present but
/// invalid is not (`None`, its problem already reported).
fn optional<T>(field: Option<Option<T>>) -> Option<Option<T>> {
    match field {
        None => Some(None),
        Some(value) => value.map(Some),
    }
}

fn is_scalar(kind: &NodeKind) -> bool {
    !matches!(kind, NodeKind::Map(_) | NodeKind::Seq(_))
}

fn line_of(node: &Node) -> usize {
    usize::try_from(node.at.line()).unwrap_or(usize::MAX)
}

/// Long values are cut in messages; the caret shows the whole of them.
fn shorten(text: &str) -> String {
    const LIMIT: usize = 40;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn provider_help() -> String {
    let ids: Vec<&str> = ProviderId::ALL.iter().map(ProviderId::as_str).collect();
    format!(
        "`provider` is the platform this scenario plays: {}",
        backticked(&ids)
    )
}

fn forgery_names() -> String {
    let names: Vec<&str> = Forgery::ALL.iter().map(Forgery::name).collect();
    backticked(&names)
}
