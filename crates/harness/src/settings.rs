//! Settings: what a provider reads (its `secret`, from the simulator's
//! profile) and what only the receiver's team can say (where their lookup
//! API is, how their receiver is told to register, that it was started
//! with hooksim's provider API). Scenarios name the receiver settings they
//! need in `requires:`; against a receiver hooksim did not write they are
//! skipped until those are set. When hooksim plays the receiver itself, the
//! reference receiver's values stand in.

use std::collections::BTreeMap;

use hooksim_simulator::providers::ProviderId;

/// A setting about the receiver under test, not about the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverSetting {
    pub name: &'static str,
    pub summary: &'static str,
    /// The reference receiver's value, used only when hooksim plays the
    /// receiver itself. `{provider}` is the provider's id.
    pub reference: Option<&'static str>,
    /// What a team might set, for messages (`{provider}` as above).
    pub example: &'static str,
    /// The providers it applies to.
    pub providers: &'static [ProviderId],
}

const ALL: &[ProviderId] = &ProviderId::ALL;
const WITH_API: &[ProviderId] = &hooksim_simulator::api::PROVIDERS_WITH_APIS;
const WITH_REGISTRATION: &[ProviderId] = &[
    ProviderId::Spark,
    ProviderId::PropertyFinder,
    ProviderId::PropertyFinderAtlas,
    ProviderId::EverReal,
];
const WITH_DELETION: &[ProviderId] = &[ProviderId::PropertyFinder, ProviderId::PropertyFinderAtlas];

/// Every receiver setting.
pub const RECEIVER_SETTINGS: &[ReceiverSetting] = &[
    ReceiverSetting {
        name: "admin_header",
        summary: "a header (`Name: value`) sent with every call hooksim makes to your receiver's own endpoints (lookups, registration)",
        reference: None,
        example: "Authorization: Bearer ADMIN_TOKEN",
        providers: ALL,
    },
    ReceiverSetting {
        name: "contact_lookup",
        summary: "your API that lists what you stored for a Hemnet contact: a path (or URL) with `{id}` for the contact id, answering JSON",
        reference: Some("/hemnet/contacts/{id}"),
        example: "/api/leads?contact_id={id}",
        providers: &[ProviderId::Hemnet],
    },
    ReceiverSetting {
        name: "contact_lookup_count",
        summary: "where in the lookup's JSON answer the number of stored leads is (a dotted path); unset: the answer is a list, counted",
        reference: Some("stored"),
        example: "total",
        providers: &[ProviderId::Hemnet],
    },
    ReceiverSetting {
        name: "api",
        summary: "the provider API base URL your receiver was started with; it must be the one this run serves (--api-addr)",
        reference: Some("{{api.base_url}}"),
        example: "http://127.0.0.1:8090/{provider}",
        providers: WITH_API,
    },
    ReceiverSetting {
        name: "register",
        summary: "your endpoint that makes the receiver register its webhook through the provider API (`[METHOD] PATH`, POST by default); it must answer 2xx only when registered",
        reference: Some("/{provider}/connect"),
        example: "POST /admin/{provider}/register",
        providers: WITH_REGISTRATION,
    },
    ReceiverSetting {
        name: "unregister",
        summary: "your endpoint that makes the receiver delete its webhooks through the provider API (`[METHOD] PATH`, POST by default)",
        reference: Some("/{provider}/disconnect"),
        example: "DELETE /admin/{provider}/hooks",
        providers: WITH_DELETION,
    },
    ReceiverSetting {
        name: "unsigned_target",
        summary: "the endpoint of a subscription made without a secret (Atlas then sends no X-Signature): a path joined to the base URL, or a URL",
        reference: Some("/propertyfinder-atlas"),
        example: "http://127.0.0.1:3000/webhooks/atlas-analytics",
        providers: &[ProviderId::PropertyFinderAtlas],
    },
];

/// The receiver settings of `provider`.
pub fn receiver_settings(provider: ProviderId) -> impl Iterator<Item = &'static ReceiverSetting> {
    RECEIVER_SETTINGS
        .iter()
        .filter(move |setting| setting.providers.contains(&provider))
}

/// One receiver setting of `provider`, by name.
pub fn receiver_setting(provider: ProviderId, name: &str) -> Option<&'static ReceiverSetting> {
    receiver_settings(provider).find(|setting| setting.name == name)
}

/// Every setting name `provider` takes: its own, then the receiver's.
pub fn setting_names(provider: ProviderId) -> Vec<&'static str> {
    provider
        .provider()
        .settings()
        .iter()
        .map(|setting| setting.name)
        .chain(receiver_settings(provider).map(|setting| setting.name))
        .collect()
}

impl ReceiverSetting {
    /// The reference receiver's value for `provider`.
    pub fn reference_value(&self, provider: ProviderId) -> Option<String> {
        self.reference
            .map(|value| value.replace("{provider}", provider.as_str()))
    }

    /// An example for `provider`, as `--set` takes it.
    pub fn example_flag(&self, provider: ProviderId) -> String {
        let value = self.example.replace("{provider}", provider.as_str());
        let quoted = if value.contains(' ') {
            format!("'{provider}.{}={value}'", self.name)
        } else {
            format!("{provider}.{}={value}", self.name)
        };
        format!("--set {quoted}")
    }
}

/// A `--set provider.key=value` from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingOverride {
    pub provider: ProviderId,
    pub key: String,
    pub value: String,
}

/// The settings a scenario runs with: the provider's defaults, then (when
/// hooksim plays the receiver) the reference receiver's values, then the
/// file's `settings`, then the command line's.
pub fn effective_settings(
    provider: ProviderId,
    file: &BTreeMap<String, String>,
    overrides: &[SettingOverride],
    reference_receiver: bool,
) -> BTreeMap<String, String> {
    let mut settings: BTreeMap<String, String> = provider
        .provider()
        .settings()
        .iter()
        .filter_map(|s| s.default.map(|d| (s.name.to_owned(), d.to_owned())))
        .collect();
    if reference_receiver {
        for setting in receiver_settings(provider) {
            if let Some(value) = setting.reference_value(provider) {
                settings.insert(setting.name.to_owned(), value);
            }
        }
    }
    settings.extend(file.clone());
    for o in overrides.iter().filter(|o| o.provider == provider) {
        settings.insert(o.key.clone(), o.value.clone());
    }
    settings
}

/// The first setting `requires` names that `settings` leaves unset (or
/// empty), with the message a skip gives.
pub fn missing_requirement(
    provider: ProviderId,
    requires: &[String],
    settings: &BTreeMap<String, String>,
) -> Option<Skip> {
    let name = requires
        .iter()
        .find(|name| settings.get(*name).is_none_or(|v| v.trim().is_empty()))?;
    let reason = match receiver_setting(provider, name) {
        Some(setting) => format!(
            "needs {provider}.{name} ({}); for example: {}",
            setting.summary,
            setting.example_flag(provider)
        ),
        None => {
            let summary = provider
                .provider()
                .settings()
                .iter()
                .find(|setting| setting.name == name)
                .map_or("a setting of the provider", |setting| setting.summary);
            format!(
                "needs {provider}.{name} ({}); for example: --set {provider}.{name}=VALUE",
                summary.trim_end_matches('.')
            )
        }
    };
    Some(Skip {
        setting: format!("{provider}.{name}"),
        reason,
    })
}

/// Receiver settings whose values cannot work: a header that is not
/// `Name: value`, an endpoint that is neither a path nor an http(s) URL.
/// Checked before anything is sent; the message names the setting.
pub fn check_values(
    provider: ProviderId,
    settings: &BTreeMap<String, String>,
) -> Result<(), String> {
    let is_url = |t: &str| t.starts_with("http://") || t.starts_with("https://");
    for (name, value) in settings {
        let value = value.trim();
        if value.is_empty() || value.contains("{{") {
            continue;
        }
        let wrong = match name.as_str() {
            "admin_header" => crate::provider_api::header_line(value).err(),
            "register" | "unregister" => {
                let (_, target) = method_and_target(value);
                (!target.starts_with('/') && !is_url(&target))
                    .then(|| format!("`{target}` is neither a path nor an http(s) URL"))
            }
            "contact_lookup" | "unsigned_target" => (!value.starts_with('/') && !is_url(value))
                .then(|| "neither a path nor an http(s) URL".to_owned()),
            "api" => (!is_url(value)).then(|| "not an http(s) URL".to_owned()),
            _ => None,
        };
        if let Some(why) = wrong {
            return Err(format!("{provider}.{name} = `{value}`: {why}"));
        }
    }
    Ok(())
}

/// Why a scenario did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// `hemnet.contact_lookup`.
    pub setting: String,
    /// The whole sentence, with an example.
    pub reason: String,
}

/// A `[METHOD] PATH` setting (`register`), POST when no method is given.
pub fn method_and_target(value: &str) -> (String, String) {
    let value = value.trim();
    match value.split_once(' ') {
        Some((method, rest))
            if method.chars().all(|c| c.is_ascii_alphabetic()) && !rest.trim().is_empty() =>
        {
            (method.to_ascii_uppercase(), rest.trim().to_owned())
        }
        _ => ("POST".to_owned(), value.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_may_name_its_method() {
        assert_eq!(
            method_and_target("DELETE /admin/hooks"),
            ("DELETE".to_owned(), "/admin/hooks".to_owned())
        );
        assert_eq!(
            method_and_target("/admin/register"),
            ("POST".to_owned(), "/admin/register".to_owned())
        );
    }

    #[test]
    fn values_that_cannot_work_are_refused() {
        let check = |name: &str, value: &str| {
            check_values(
                ProviderId::Spark,
                &BTreeMap::from([(name.to_owned(), value.to_owned())]),
            )
        };
        assert!(check("register", "POST /admin/spark").is_ok());
        assert!(check("register", "admin/spark").is_err());
        assert!(check("api", "127.0.0.1:8090/spark").is_err());
        assert!(check("admin_header", "Bearer x").is_err());
        assert!(check("api", "{{api.base_url}}").is_ok());
        assert!(check("register", "").is_ok());
    }

    #[test]
    fn every_receiver_setting_has_an_example_and_a_provider() {
        for setting in RECEIVER_SETTINGS {
            assert!(!setting.example.is_empty() && !setting.providers.is_empty());
        }
        assert_eq!(
            receiver_setting(ProviderId::Hemnet, "contact_lookup")
                .map(|s| s.example_flag(ProviderId::Hemnet)),
            Some("--set hemnet.contact_lookup=/api/leads?contact_id={id}".to_owned())
        );
        assert!(receiver_setting(ProviderId::Hemnet, "register").is_none());
    }
}
