//! The top level of a scenario file, from the spanned YAML tree to a
//! typed [`Scenario`], by hand, so every mistake points at its node and
//! names the fix. The steps read themselves ([`crate::steps`]); the shared
//! helpers are the [`Reader`]'s.

use std::collections::BTreeMap;
use std::path::Path;

use hooksim_simulator::providers::ProviderId;

use super::{Basis, Scenario, ScenarioError, Subscription, UnsetSetting};
use crate::read::interpolate::{InterpolationError, interpolate};
use crate::read::shape::{Key, Shape, names};
use crate::read::{Kind, Node, NodeKind, Problem, Reader, is_scalar, optional, shorten};
use crate::stand_in::{STAND_IN_PREFIX, parse_stand_in};
use crate::steps::{read_steps, signs};
use crate::suggest::{backticked, did_you_mean};

/// Every key of a scenario's top level, for a scenario of `provider` (of
/// any provider when `None`), steps aside: [`crate::schema`] adds them.
pub(crate) fn top_level_keys(provider: Option<ProviderId>) -> Vec<Key> {
    let setting_names = provider.map(|p| {
        crate::settings::setting_names(p)
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    });
    let setting = match &setting_names {
        Some(names) => Shape::Words(names.clone()),
        None => Shape::Text,
    };
    vec![
        Key::required(
            "name",
            "What the scenario proves, in a sentence.",
            Shape::Text,
        ),
        Key::required(
            "provider",
            "The platform this scenario plays.",
            Shape::words(ProviderId::ALL.iter().map(ProviderId::as_str)),
        ),
        Key::required(
            "rule",
            "The contract rule this scenario proves, like `hemnet/signature-raw-body`.",
            Shape::Text,
        ),
        Key::required(
            "source",
            "Where the rule is documented: the provider's page and its section, like `https://integration.testhemnet.se/webhook/documentation § Retries`.",
            Shape::Text,
        ),
        Key::optional(
            "basis",
            "What the rule stands on: `documented` (the provider documents it; the default), `practice` (what a robust receiver does, for a reason `source` gives), `assumed` (a guess about the provider: its failure only warns unless --strict).",
            Shape::words(Basis::ALL.iter().map(|b| b.name())),
        ),
        Key::optional(
            "requires",
            "Settings only a receiver's team can give, like `[contact_lookup]`: against a receiver hooksim did not write, the scenario is skipped until they are set.",
            Shape::list(setting.clone(), 0),
        ),
        Key::optional(
            "receiver",
            "`reference`: run against hooksim's reference receiver whatever --target says, to show the provider's own behaviour.",
            Shape::words(["reference"]),
        ),
        Key::optional(
            "target",
            "Where deliveries go: a path joined to --target's base URL, an absolute URL, or a stand-in hooksim plays itself (`stand-in:refuse-connections`, `stand-in:status/CODE`, `stand-in:slow/DURATION`).",
            Shape::Target,
        ),
        Key::optional(
            "settings",
            "Provider and receiver settings (`secret`, ...); `--set PROVIDER.KEY=VALUE` overrides them.",
            Shape::dictionary(setting_names, Shape::Scalar),
        ),
        Key::optional(
            "seed",
            "The seed of the fake data sent; --seed overrides it.",
            Shape::integer(0, u64::MAX),
        ),
        Key::optional(
            "subscriptions",
            "Several endpoints subscribed to the same events; every delivery goes to all of them at once.",
            Shape::list(Shape::Mapping(subscription_keys(provider)), 1),
        ),
        Key::required(
            "steps",
            "What to send and check, in order, like `- deliver: { event: CONTACT.CREATE }`.",
            Shape::list(Shape::Any, 1),
        ),
    ]
}

/// Every key of one subscription (no `secret` for a provider that does not sign).
pub(crate) fn subscription_keys(provider: Option<ProviderId>) -> Vec<Key> {
    let mut keys = vec![
        Key::required(
            "name",
            "Names the subscription in transcripts and failures.",
            Shape::Text,
        ),
        Key::optional(
            "target",
            "Like the scenario's `target`; the scenario's when not given.",
            Shape::Target,
        ),
    ];
    if signs(provider) {
        keys.push(Key::optional(
            "secret",
            "The key this subscription's deliveries are signed with; unsigned without one.",
            Shape::Scalar,
        ));
    }
    keys
}

/// Turn a parsed document into a scenario, or its problems in file order.
pub(crate) fn validate(
    path: &Path,
    text: &str,
    root: &Node,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Scenario, ScenarioError> {
    let mut reader = Reader::new(text, env);
    let scenario = reader.scenario(path, root);
    reader.finish(path, scenario)
}

impl Reader<'_> {
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
        let top = self.entries(root, root, "a scenario", &names(&top_level_keys(None)))?;
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
        let target = top.get("target").map(|node| self.target(node, provider));
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
        // The seed a run without --seed gives the steps' data, so a `set`
        // that cannot apply to it is found here, as `run` would find it.
        let data_seed = match (&seed, &rule) {
            (None | Some(Some(_)), Some(rule)) => {
                let seed = seed.flatten().and_then(|s| u64::try_from(s).ok());
                Some(seed.unwrap_or(0) ^ crate::hash::fnv1a(rule.as_bytes()))
            }
            _ => None,
        };
        let steps = steps.and_then(|node| read_steps(self, node, provider, data_seed, path));
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
    fn target(&mut self, node: &Node, provider: Option<ProviderId>) -> Option<String> {
        let target = self.string(node, "target")?;
        if let Some(spec) = target.strip_prefix(STAND_IN_PREFIX) {
            if let Err(message) = parse_stand_in(spec) {
                let problem = Problem::new(Kind::InvalidValue, message, "not a stand-in")
                    .with_help(STAND_INS);
                self.report(node, problem);
                return None;
            }
            return Some(target);
        }
        // What is not a path, an http(s) URL or a placeholder has a scheme
        // hooksim cannot send to (`ftp://x`) or a misspelt `stand-in:`.
        let scheme = target
            .split_once(':')
            .map(|(scheme, _)| scheme)
            .filter(|scheme| !scheme.contains(['/', '{']));
        if let Some(scheme) = scheme
            && !matches!(scheme, "http" | "https")
        {
            let help = if strsim::damerau_levenshtein(scheme, "stand-in") <= 3 {
                format!("did you mean `stand-in:`? {STAND_INS}")
            } else {
                format!(
                    "a target is a path (`/hooks`), an http:// or https:// URL, or a stand-in; {STAND_INS}"
                )
            };
            self.report(
                node,
                Problem::new(
                    Kind::InvalidValue,
                    format!("`{}` is not a target hooksim can send to", shorten(&target)),
                    format!("`{scheme}:` is not http, https or stand-in"),
                )
                .with_help(help),
            );
            return None;
        }
        if (target.starts_with("http://") || target.starts_with("https://"))
            && !target.contains("{{")
            && let Err(why) = hooksim_simulator::transport::check_url(&target)
        {
            self.report(
                node,
                Problem::new(Kind::InvalidValue, why, "cannot be sent to")
                    .with_help("an absolute target is an http:// or https:// URL with a host, like `http://127.0.0.1:3000/hooks`"),
            );
            return None;
        }
        self.placeholders(node, provider, None).then_some(target)
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
        let signs = signs(provider);
        let mut subscriptions = Vec::with_capacity(items.len());
        let mut complete = true;
        for item in items {
            let Some(entries) = self.entries(
                item,
                item,
                "a subscription",
                &names(&subscription_keys(None)),
            ) else {
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
            let target = entries.get("target").map(|n| self.target(n, provider));
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
                let secret = self.string(n, "secret")?;
                self.placeholders(n, provider, None).then_some(secret)
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
            let Some(text) = self.string(value, &format!("settings.{name}")) else {
                complete = false;
                continue;
            };
            // A value that cannot work (a header that is not `Name: value`)
            // is found here, at its place, not when the run plans.
            let one = BTreeMap::from([(name.clone(), text.clone())]);
            if let Some(provider) = provider
                && let Err(why) = crate::settings::check_values(provider, &one)
            {
                self.report(value, Problem::new(Kind::InvalidValue, why, "cannot work"));
                complete = false;
                continue;
            }
            settings.insert(name, text);
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
}

/// The stand-ins hooksim plays, for messages.
const STAND_INS: &str =
    "stand-ins: `stand-in:refuse-connections`, `stand-in:status/CODE`, `stand-in:slow/DURATION`";

fn provider_help() -> String {
    let ids: Vec<&str> = ProviderId::ALL.iter().map(ProviderId::as_str).collect();
    format!(
        "`provider` is the platform this scenario plays: {}",
        backticked(&ids)
    )
}
