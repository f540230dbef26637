//! One file per provider: its catalogue of events, payload builder, encoding,
//! headers, signature scheme and delivery policy. Adding a provider means
//! adding a file here and a line to [`ProviderId`].

use std::fmt;

use serde_json::Value;

use crate::contract::{self, Shape};
use crate::encoding::Encoding;
use crate::error::SimulatorError;
use crate::fake::SeededRng;
use crate::policy::{DeliveryPolicy, Fact, Provenance};
use crate::signing::SignatureScheme;

pub mod everreal;
pub mod flow;
pub mod hemnet;
pub mod propertyfinder;
pub mod propertyfinder_atlas;
pub mod spark;

/// The platforms hooksim can play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProviderId {
    Hemnet,
    Spark,
    Flow,
    PropertyFinder,
    PropertyFinderAtlas,
    EverReal,
}

impl ProviderId {
    pub const ALL: [ProviderId; 6] = [
        Self::Hemnet,
        Self::Spark,
        Self::Flow,
        Self::PropertyFinder,
        Self::PropertyFinderAtlas,
        Self::EverReal,
    ];

    /// The id used in scenario files, settings and on the command line.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Hemnet => "hemnet",
            Self::Spark => "spark",
            Self::Flow => "flow",
            Self::PropertyFinder => "propertyfinder",
            Self::PropertyFinderAtlas => "propertyfinder-atlas",
            Self::EverReal => "everreal",
        }
    }

    pub fn parse(id: &str) -> Result<Self, SimulatorError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == id)
            .ok_or_else(|| SimulatorError::UnknownProvider(id.to_owned()))
    }

    /// The profile that knows how this provider delivers.
    pub fn provider(&self) -> &'static dyn Provider {
        match self {
            Self::Hemnet => &hemnet::Hemnet,
            Self::Spark => &spark::Spark,
            Self::Flow => &flow::Flow,
            Self::PropertyFinder => &propertyfinder::PropertyFinder,
            Self::PropertyFinderAtlas => &propertyfinder_atlas::PropertyFinderAtlas,
            Self::EverReal => &everreal::EverReal,
        }
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event type a provider can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpec {
    /// The name scenarios use (`CONTACT.CREATE`).
    pub name: &'static str,
    /// What the event means, in a line.
    pub summary: &'static str,
    pub provenance: Provenance,
}

/// A value a scenario (or `--set provider.name=value`) gives the provider,
/// such as the webhook key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingSpec {
    pub name: &'static str,
    pub summary: &'static str,
    /// Used when neither the scenario nor the command line sets it.
    pub default: Option<&'static str>,
}

/// Values that change on every attempt: the wall clock and a fresh request id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptStamp {
    /// Wall-clock milliseconds since the Unix epoch when the attempt is sent.
    pub unix_ms: u64,
    /// A fresh uuid for this attempt.
    pub request_id: String,
}

/// The `Content-Type` of a JSON body, which every provider here sends.
pub const JSON_CONTENT_TYPE: (&str, &str) = ("Content-Type", "application/json");

/// One request header, with what a transcript shows in its place when the
/// value changes from run to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLine {
    pub name: &'static str,
    pub value: String,
    /// `Some("[unix-ms]")` for volatile values; `None` shows the value itself.
    pub redacted: Option<String>,
}

impl HeaderLine {
    pub fn fixed(name: &'static str, value: impl Into<String>) -> Self {
        Self {
            name,
            value: value.into(),
            redacted: None,
        }
    }

    /// One fixed line per `(name, value)`, in order: the headers a provider
    /// sends unchanged on every attempt.
    pub fn all_fixed(lines: &[(&'static str, &'static str)]) -> Vec<Self> {
        lines
            .iter()
            .map(|(name, value)| Self::fixed(name, *value))
            .collect()
    }

    pub fn volatile(
        name: &'static str,
        value: impl Into<String>,
        redacted: impl Into<String>,
    ) -> Self {
        Self {
            name,
            value: value.into(),
            redacted: Some(redacted.into()),
        }
    }

    /// What a deterministic transcript shows.
    pub fn shown(&self) -> &str {
        self.redacted.as_deref().unwrap_or(&self.value)
    }
}

/// What a fuzzer may vary in one event's payload, as dotted paths
/// (`data.listing.id`, `Payload.0.Id`), each of which the event's built
/// payload has (or has under a documented null).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuzzPaths {
    /// Documented as nullable: a fuzzer sends `null` there and nowhere else.
    pub nullable: &'static [&'static str],
    /// Free-text strings (names, messages, addresses): any text.
    pub free_text: &'static [&'static str],
    /// Numbers whose value may be anything of their type (ids): boundary values.
    pub free_numbers: &'static [&'static str],
    /// Enum attributes: new members, when the provider's enums may grow.
    pub enums: &'static [&'static str],
}

impl FuzzPaths {
    /// Nothing to vary.
    pub const NONE: Self = Self {
        nullable: &[],
        free_text: &[],
        free_numbers: &[],
        enums: &[],
    };
}

/// An integer enum: a code attribute (Flow's `PublicationChanged.Type`)
/// and the codes the provider has listed for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegerEnum {
    pub path: &'static str,
    pub known: &'static [i64],
}

/// An object's keys in order: what the profiles' tests compare with the
/// documented attribute order.
#[cfg(test)]
pub(crate) fn keys(object: &Value) -> Vec<&str> {
    object
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// A provider profile. Implementations are stateless: everything that varies
/// per delivery comes in as arguments.
pub trait Provider: Send + Sync + fmt::Debug {
    fn id(&self) -> ProviderId;

    /// The platform's name and what it is, in a line.
    fn title(&self) -> &'static str;

    /// The public page where the provider documents its webhooks: its URL,
    /// or its title where no public copy exists (Flow's).
    fn documentation(&self) -> &'static str;

    /// Every event this provider sends.
    fn events(&self) -> &'static [EventSpec];

    /// Build the payload of `event` with seeded fake data.
    fn build(&self, event: &str, rng: &mut SeededRng) -> Result<Value, SimulatorError>;

    /// How the provider writes a payload on the wire.
    fn encoding(&self) -> Encoding;

    /// The exact bytes the provider puts on the wire for `payload`.
    fn encode(&self, payload: &Value) -> Vec<u8> {
        self.encoding().encode(payload)
    }

    /// How deliveries are signed, if they are.
    fn signature(&self) -> Option<SignatureScheme>;

    /// Every request header except the signature, for one attempt.
    fn headers(&self, stamp: &AttemptStamp) -> Vec<HeaderLine>;

    /// Where each header a delivery carries comes from, the signature's
    /// included: documented (page § section) or assumed. A fact's value is
    /// the header's name.
    fn header_facts(&self) -> &'static [Fact<&'static str>];

    /// Timeouts, success rule and retry schedule.
    fn policy(&self) -> DeliveryPolicy;

    /// The settings this provider reads (`secret`, ...).
    fn settings(&self) -> &'static [SettingSpec];

    /// What a fuzzer may vary in `event`'s payload; nothing by default.
    fn fuzz_paths(&self, _event: &str) -> FuzzPaths {
        FuzzPaths::NONE
    }

    /// Integer enums in `event`'s payload: new codes, when the provider's
    /// enums may grow. Kept apart from [`FuzzPaths::enums`], whose new
    /// members are strings. None by default.
    fn fuzz_integer_enums(&self, _event: &str) -> &'static [IntegerEnum] {
        &[]
    }

    /// Attributes the provider documents as optional in `event`'s payload
    /// (dotted paths): a fuzzer may leave them out. None by default.
    fn fuzz_optional(&self, _event: &str) -> &'static [&'static str] {
        &[]
    }

    /// Where an event's identity lies: the values a receiver deduplicates
    /// or stores by. A run against a receiver that outlives it sends fresh
    /// ones there (see [`crate::identity`]), so a second run is not taken
    /// for duplicates of the first. Paths a payload lacks are passed over.
    fn identity_paths(&self) -> &'static [&'static str] {
        &[]
    }

    /// The provider documents that enums may gain members.
    fn enums_may_grow(&self) -> bool {
        false
    }

    /// The provider documents that payloads may gain attributes.
    fn attributes_may_be_added(&self) -> bool {
        false
    }

    /// What `event`'s payload may hold: the contract `hooksim providers
    /// export` publishes, written beside the builder from the same constants
    /// (`crate::contract`).
    fn payload_shape(&self, event: &str) -> Result<Shape, SimulatorError> {
        let spec = self.event(event)?;
        contract::shape(self.id(), spec.name).ok_or(SimulatorError::NoContract {
            provider: self.id(),
            event: spec.name,
        })
    }

    /// Look an event up by name.
    fn event(&self, name: &str) -> Result<&'static EventSpec, SimulatorError> {
        self.events()
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| SimulatorError::UnknownEvent {
                provider: self.id(),
                event: name.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Source;

    /// Every documented fact of `id`: its policy's, its events' and (PF
    /// Expert) its namespaces'.
    fn documented_facts(id: ProviderId) -> Vec<(String, Source)> {
        let provider = id.provider();
        let policy = provider.policy();
        let mut facts = vec![
            (
                "connect timeout".to_owned(),
                policy.connect_timeout.provenance,
            ),
            (
                "response timeout".to_owned(),
                policy.response_timeout.provenance,
            ),
            ("success".to_owned(), policy.success.provenance),
            ("schedule".to_owned(), policy.schedule.provenance),
            ("redirects".to_owned(), policy.redirects_fail.provenance),
        ];
        facts.extend(
            provider
                .events()
                .iter()
                .map(|e| (format!("event {}", e.name), e.provenance)),
        );
        facts.extend(
            provider
                .header_facts()
                .iter()
                .map(|h| (format!("header {}", h.value), h.provenance)),
        );
        if id == ProviderId::PropertyFinder {
            facts.extend(
                propertyfinder::NAMESPACES
                    .iter()
                    .map(|n| (format!("namespace {}", n.name), n.provenance)),
            );
        }
        facts
            .into_iter()
            .filter_map(|(fact, provenance)| match provenance {
                Provenance::Documented { source } => Some((fact, source)),
                Provenance::Assumed { .. } => None,
            })
            .collect()
    }

    /// A public page: a URL, or the title of Flow's page, which has no public copy.
    fn is_public_page(page: &str) -> bool {
        page.starts_with("https://") || page == flow::DOCUMENTATION
    }

    #[test]
    fn every_header_a_provider_sends_has_one_provenance_and_no_other_has_one() {
        let stamp = AttemptStamp {
            unix_ms: 1,
            request_id: "r".to_owned(),
        };
        for id in ProviderId::ALL {
            let provider = id.provider();
            let mut sent: Vec<&str> = provider.headers(&stamp).iter().map(|h| h.name).collect();
            sent.extend(provider.signature().map(|scheme| scheme.header));
            let mut marked: Vec<&str> = provider.header_facts().iter().map(|h| h.value).collect();
            sent.sort_unstable();
            marked.sort_unstable();
            assert_eq!(sent, marked, "{id}: the headers sent and those marked");
        }
        // Hemnet's page lists every header it sends; Spark's names no User-Agent.
        let marked = |id: ProviderId, header: &str| {
            id.provider()
                .header_facts()
                .iter()
                .find(|h| h.value == header)
                .map(|h| h.provenance)
        };
        for header in ["User-Agent", "X-Timestamp", "X-Request-Id", "X-Signature"] {
            assert_eq!(
                marked(ProviderId::Hemnet, header),
                Some(Provenance::Documented {
                    source: Source::new(hemnet::DOCUMENTATION, "Headers")
                }),
                "{header}"
            );
        }
        assert!(marked(ProviderId::Spark, "User-Agent").is_some_and(|p| p.is_assumed()));
    }

    #[test]
    fn every_documented_fact_cites_a_public_page_and_its_section() {
        assert!(flow::DOCUMENTATION.starts_with("Visma Real Estate Flow Core API"));
        for id in ProviderId::ALL {
            let documentation = id.provider().documentation();
            assert!(is_public_page(documentation), "{id}: {documentation}");
            let facts = documented_facts(id);
            assert!(!facts.is_empty(), "{id} documents something");
            for (fact, source) in facts {
                let shown = format!("{}", Provenance::Documented { source });
                assert!(is_public_page(source.page), "{id} {fact}: {shown}");
                assert!(!source.section.trim().is_empty(), "{id} {fact}: {shown}");
                assert!(!shown.contains("seeds/"), "{id} {fact}: {shown}");
                assert!(
                    shown.starts_with(&format!("documented: {} § ", source.page)),
                    "{id} {fact}: {shown}"
                );
            }
        }
    }
}
