//! How a provider delivers: timeouts, what counts as success, when to retry.
//! Every field says whether the provider documents it or we assumed it.

use std::fmt;
use std::time::Duration;

use crate::schedule::Schedule;

/// Where a provider documents a fact: its public page and the section the
/// fact is under, shown as `page § section`. Only the names are kept, never
/// the page's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The page's URL; for a page with no public copy (Flow's), its title.
    pub page: &'static str,
    /// The section heading on that page, in the page's own words.
    pub section: &'static str,
}

impl Source {
    pub const fn new(page: &'static str, section: &'static str) -> Self {
        Self { page, section }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} § {}", self.page, self.section)
    }
}

/// Where a policy fact comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Stated by the provider, on the page and under the section `source` names.
    Documented { source: Source },
    /// Not documented anywhere we found; `why` says what we based it on.
    Assumed { why: &'static str },
}

impl Provenance {
    pub fn is_assumed(&self) -> bool {
        matches!(self, Self::Assumed { .. })
    }

    /// `documented` or `assumed`, for one-word labels.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Documented { .. } => "documented",
            Self::Assumed { .. } => "assumed",
        }
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Documented { source } => write!(f, "documented: {source}"),
            Self::Assumed { why } => write!(f, "assumed: {why}"),
        }
    }
}

/// A value together with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact<T> {
    pub value: T,
    pub provenance: Provenance,
}

impl<T> Fact<T> {
    pub const fn documented(value: T, source: Source) -> Self {
        Self {
            value,
            provenance: Provenance::Documented { source },
        }
    }

    pub const fn assumed(value: T, why: &'static str) -> Self {
        Self {
            value,
            provenance: Provenance::Assumed { why },
        }
    }
}

/// Which responses a provider takes as "delivered".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuccessRule {
    /// Only this exact status (Hemnet: 200).
    Exactly(u16),
    /// Any status from 200 to 299.
    Any2xx,
}

impl SuccessRule {
    pub fn accepts(&self, status: u16) -> bool {
        match self {
            Self::Exactly(code) => status == *code,
            Self::Any2xx => (200..300).contains(&status),
        }
    }
}

impl fmt::Display for SuccessRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exactly(code) => write!(f, "exactly {code}"),
            Self::Any2xx => f.write_str("any 2xx"),
        }
    }
}

/// The rules one provider delivers by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Time allowed to open the TCP connection.
    pub connect_timeout: Fact<Duration>,
    /// Time allowed from sending the request to the end of the response.
    pub response_timeout: Fact<Duration>,
    pub success: Fact<SuccessRule>,
    pub schedule: Fact<Schedule>,
    /// Redirects are never followed: a 3xx is a failed attempt. This records
    /// whether the provider says so or we assumed it.
    pub redirects_fail: Fact<bool>,
}

impl DeliveryPolicy {
    /// The same rules with the real waits (connect and response timeouts)
    /// `factor` times shorter: for a receiver hooksim plays itself, whose own
    /// delays are shortened by the same factor, so every race ends the same way.
    pub fn compressed(&self, factor: u32) -> Self {
        let shorter = |fact: &Fact<Duration>| Fact {
            value: fact.value / factor.max(1),
            provenance: fact.provenance,
        };
        Self {
            connect_timeout: shorter(&self.connect_timeout),
            response_timeout: shorter(&self.response_timeout),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_fact_names_its_page_and_section() {
        let source = Source::new("https://example.com/webhooks", "Retries");
        assert_eq!(source.to_string(), "https://example.com/webhooks § Retries");
        assert_eq!(
            Fact::documented(1, source).provenance.to_string(),
            "documented: https://example.com/webhooks § Retries"
        );
    }
}
