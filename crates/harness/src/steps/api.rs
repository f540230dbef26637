//! `api`: change how the provider API hooksim serves behaves from this
//! step on (rate limits, a read-only token, refused credentials, ...);
//! an unset condition keeps what was in force.

use std::fmt::Write as _;
use std::sync::Arc;

use hooksim_simulator::api::ApiConditions;
use hooksim_simulator::api::propertyfinder_atlas::Scope;
use hooksim_simulator::providers::ProviderId;

use super::{Ran, ReadContext, Record, StepCx, StepKind};
use crate::error::HarnessError;
use crate::expect::Allowed;
use crate::read::shape::{Key, Shape, names};
use crate::read::{Kind, Node, Problem, Reader};
use crate::suggest::backticked;
use crate::steps::Answers;

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
    /// `missing_scope: leads:read`: Atlas's key pair lacks that scope
    /// (`Some(None)`, from `none`: it has them all again).
    pub missing_scope: Option<Option<Scope>>,
}

/// The words `missing_scope` takes: the optional scopes, and `none`.
fn missing_scope_words() -> Vec<&'static str> {
    Scope::OPTIONAL
        .iter()
        .map(|scope| scope.as_str())
        .chain(["none"])
        .collect()
}

/// Every condition: its key, the providers whose API has it, and its values.
fn conditions() -> Vec<(Key, &'static [ProviderId])> {
    vec![
        (
            Key::optional(
                "rate_limited",
                "Flow: reads answer 429 with the rate-limit headers; Spark: every call answers 503 with code 1550 (Over rate limit).",
                Shape::Boolean,
            ),
            &[ProviderId::Flow, ProviderId::Spark],
        ),
        (
            Key::optional(
                "token",
                "`read-only`: the token may not write (Spark's Public role, a PF Expert user token); `full` gives the write role back.",
                Shape::words(["read-only", "full"]),
            ),
            &[ProviderId::Spark, ProviderId::PropertyFinder],
        ),
        (
            Key::optional(
                "credentials",
                "`refused`: Atlas refuses the API key pair; `accepted` takes it again.",
                Shape::words(["refused", "accepted"]),
            ),
            &[ProviderId::PropertyFinderAtlas],
        ),
        (
            Key::optional(
                "cases_read",
                "Flow: `false` takes \"Cases - Read\" from the API user, so case reads are refused.",
                Shape::Boolean,
            ),
            &[ProviderId::Flow],
        ),
        (
            Key::optional(
                "event_key_typo",
                "PF Expert: answer a new hook with the documented `\"event:\"` key (the colon in the name).",
                Shape::Boolean,
            ),
            &[ProviderId::PropertyFinder],
        ),
        (
            Key::optional(
                "missing_scope",
                "Atlas: the API key pair was created without this scope, so subscribing to its events is 403; `none` gives it back.",
                Shape::words(missing_scope_words()),
            ),
            &[ProviderId::PropertyFinderAtlas],
        ),
    ]
}

/// The conditions of `provider`'s API (all, when `None`).
fn keys(provider: Option<ProviderId>) -> Vec<Key> {
    conditions()
        .into_iter()
        .filter(|(_, owners)| provider.is_none_or(|p| owners.contains(&p)))
        .map(|(key, _)| key)
        .collect()
}

impl StepKind for ApiChange {
    const KEYWORD: &'static str = "api";
    const SUMMARY: &'static str = "Change how the provider API hooksim serves behaves from this step on; a condition left out keeps what was in force.";
    const EXPECTS: Allowed = Allowed::NOTHING;

    fn shape(provider: Option<ProviderId>) -> Option<Shape> {
        let keys = keys(provider);
        (!keys.is_empty()).then_some(Shape::SomeOf(keys))
    }

    /// Each key only for the provider whose API has that condition.
    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        let all = names(&keys(None));
        let entries = r.entries(value, key, "`api`", &all)?;
        if entries.known.is_empty() {
            r.report(
                key,
                Problem::new(Kind::MissingKey, "`api` changes nothing", "no condition")
                    .with_help(format!("give one of {}", backticked(&all))),
            );
            return None;
        }
        let conditions = conditions();
        let mut change = ApiChange::default();
        let mut complete = true;
        for (name, key_node, value) in &entries.known {
            let owners = conditions
                .iter()
                .find(|(key, _)| key.name == *name)
                .map_or(&[][..], |(_, owners)| *owners);
            // `missing_scope`'s value: a scope, or none missing.
            let mut scope = None;
            let parsed = match *name {
                "token" => r
                    .word(value, name, &["read-only", "full"])
                    .map(|word| word == "read-only"),
                "credentials" => r
                    .word(value, name, &["refused", "accepted"])
                    .map(|word| word == "refused"),
                "missing_scope" => {
                    scope = r
                        .word(value, name, &missing_scope_words())
                        .map(|word| Scope::parse(&word));
                    scope.map(|_| true)
                }
                _ => r.boolean(value, name),
            };
            if let Some(provider) = cx.provider.filter(|p| !owners.contains(p)) {
                let owners: Vec<&str> = owners.iter().map(ProviderId::as_str).collect();
                r.report(
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
                "missing_scope" => change.missing_scope = scope,
                _ => change.credentials_refused = Some(on),
            }
        }
        complete.then_some(change)
    }

    fn uses_provider_api(&self) -> bool {
        true
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        let apis = cx.state.provider_apis().map_err(|m| cx.bad_step(m))?;
        apis.state()
            .set_conditions(changed(apis.state().conditions(), self));
        Ok((Arc::new(self.clone()), Vec::new()))
    }
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
        if let Some(missing) = self.missing_scope {
            parts.push(format!(
                "missing_scope = {}",
                missing.map_or("none", Scope::as_str)
            ));
        }
        parts.join(", ")
    }
}

/// `conditions` with what `change` sets.
fn changed(conditions: ApiConditions, change: &ApiChange) -> ApiConditions {
    ApiConditions {
        rate_limited: change.rate_limited.unwrap_or(conditions.rate_limited),
        token_read_only: change.token_read_only.unwrap_or(conditions.token_read_only),
        credentials_refused: change
            .credentials_refused
            .unwrap_or(conditions.credentials_refused),
        without_cases_read: change
            .cases_read
            .map_or(conditions.without_cases_read, |read| !read),
        event_key_typo: change.event_key_typo.unwrap_or(conditions.event_key_typo),
        atlas_missing_scope: change
            .missing_scope
            .unwrap_or(conditions.atlas_missing_scope),
    }
}

impl Record for ApiChange {
    fn transcript(&self, out: &mut String, heading: &str, _: Answers) {
        let _ = writeln!(out, "{heading}: api: {}", self.describe());
    }

    fn json_kind(&self) -> &'static str {
        "api"
    }

    fn json_title(&self) -> String {
        format!("api: {}", self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_conditions_change_only_what_a_step_names() {
        let before = ApiConditions {
            rate_limited: true,
            ..ApiConditions::default()
        };
        let after = changed(
            before.clone(),
            &ApiChange {
                cases_read: Some(false),
                ..ApiChange::default()
            },
        );
        assert!(after.rate_limited && after.without_cases_read);
        let reset = changed(
            after,
            &ApiChange {
                rate_limited: Some(false),
                cases_read: Some(true),
                ..ApiChange::default()
            },
        );
        assert_eq!(reset, ApiConditions::default());
        let without = changed(
            ApiConditions::default(),
            &ApiChange {
                missing_scope: Some(Some(Scope::LeadsRead)),
                ..ApiChange::default()
            },
        );
        assert_eq!(without.atlas_missing_scope, Some(Scope::LeadsRead));
        let kept = changed(without.clone(), &ApiChange::default());
        assert_eq!(kept, without);
        let back = ApiChange {
            missing_scope: Some(None),
            ..ApiChange::default()
        };
        assert_eq!(back.describe(), "missing_scope = none");
        assert_eq!(changed(kept, &back), ApiConditions::default());
    }
}
