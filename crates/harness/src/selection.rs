//! Which scenarios a run takes: `--filter` by provider, rule or name, and
//! `--partition k/n` to split a suite across CI shards.

use std::fmt;
use std::str::FromStr;

use hooksim_simulator::providers::ProviderId;

use crate::error::HarnessError;
use crate::scenario::Scenario;
use crate::suggest::did_you_mean;

/// One `--filter`: `provider:ID`, `rule:TEXT`, `name:TEXT`, or bare `TEXT`
/// (matched against provider, rule and name). Text matches as a substring,
/// ignoring case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Provider(ProviderId),
    Rule(String),
    Name(String),
    Any(String),
}

impl FromStr for Filter {
    type Err = HarnessError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = |why: String| HarnessError::Usage(format!("--filter {text}: {why}"));
        match text.split_once(':') {
            Some(("provider", id)) => ProviderId::parse(id).map(Filter::Provider).map_err(|e| {
                let ids: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
                usage(format!(
                    "{e}; {}",
                    did_you_mean(id, &ids, "known providers")
                ))
            }),
            Some(("rule", rule)) if !rule.is_empty() => Ok(Filter::Rule(rule.to_lowercase())),
            Some(("name", name)) if !name.is_empty() => Ok(Filter::Name(name.to_lowercase())),
            Some((kind @ ("rule" | "name"), _)) => {
                Err(usage(format!("`{kind}:` needs some text after it")))
            }
            Some((kind, _)) if !kind.contains('/') && !kind.contains(' ') => Err(usage(format!(
                "unknown filter kind `{kind}:`; {}",
                did_you_mean(kind, &["provider", "rule", "name"], "kinds")
            ))),
            _ if text.is_empty() => Err(usage("empty filter".to_owned())),
            _ => Ok(Filter::Any(text.to_lowercase())),
        }
    }
}

impl Filter {
    pub fn matches(&self, scenario: &Scenario) -> bool {
        let contains = |haystack: &str, needle: &str| haystack.to_lowercase().contains(needle);
        match self {
            Self::Provider(id) => scenario.provider == *id,
            Self::Rule(text) => contains(&scenario.rule, text),
            Self::Name(text) => contains(&scenario.name, text),
            Self::Any(text) => {
                contains(scenario.provider.as_str(), text)
                    || contains(&scenario.rule, text)
                    || contains(&scenario.name, text)
            }
        }
    }
}

/// Shard `index` of `count` (`--partition 2/3`): a stable, disjoint slice;
/// the shards together hold every scenario exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl FromStr for Partition {
    type Err = HarnessError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = |why: &str| HarnessError::Usage(format!("--partition {text}: {why}"));
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| usage("expected k/n, like 2/3"))?;
        let index: u32 = k
            .trim()
            .parse()
            .map_err(|_| usage("k is not a whole number"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| usage("n is not a whole number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(usage("need 1 <= k <= n"));
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Partition {
    /// Whether the scenario at `path` belongs to this shard. The shard is a
    /// hash of the path, so adding or removing a file moves no other file.
    pub fn contains(&self, path: &std::path::Path) -> bool {
        let key = path.to_string_lossy().replace('\\', "/");
        fnv1a(key.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// FNV-1a: stable across platforms and Rust versions, unlike std's hasher.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The scenarios that match any filter (all when there are none) and fall
/// in the partition, in their original order.
pub fn select(
    scenarios: Vec<Scenario>,
    filters: &[Filter],
    partition: Option<Partition>,
) -> Vec<Scenario> {
    scenarios
        .into_iter()
        .filter(|s| filters.is_empty() || filters.iter().any(|f| f.matches(s)))
        .filter(|s| partition.is_none_or(|p| p.contains(&s.path)))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use proptest::prelude::*;

    use super::*;

    fn scenario(path: &str, rule: &str) -> Scenario {
        Scenario {
            path: PathBuf::from(path),
            name: format!("name of {rule}"),
            provider: ProviderId::Hemnet,
            rule: rule.to_owned(),
            source: String::new(),
            target: None,
            settings: Default::default(),
            seed: None,
            subscriptions: Vec::new(),
            steps: Vec::new(),
            basis: crate::scenario::Basis::Documented,
            requires: Vec::new(),
            reference_only: false,
        }
    }

    #[test]
    fn reads_filters_and_partitions() {
        assert_eq!(
            "provider:hemnet".parse::<Filter>().ok(),
            Some(Filter::Provider(ProviderId::Hemnet))
        );
        assert!(
            "provider:hemet"
                .parse::<Filter>()
                .is_err_and(|e| e.to_string().contains("did you mean `hemnet`"))
        );
        assert_eq!(
            "Signature".parse::<Filter>().ok(),
            Some(Filter::Any("signature".into()))
        );
        assert!("rul:x".parse::<Filter>().is_err());
        assert_eq!(
            "2/3".parse::<Partition>().ok(),
            Some(Partition { index: 2, count: 3 })
        );
        for bad in ["0/3", "4/3", "1/0", "a/b", "3"] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_by_rule_name_and_provider() {
        let all = vec![
            scenario("a.yaml", "hemnet/signature-raw-body"),
            scenario("b.yaml", "hemnet/duplicate"),
        ];
        let picked = select(
            all.clone(),
            &["rule:signature".parse().expect("filter")],
            None,
        );
        assert_eq!(picked.len(), 1);
        assert_eq!(
            select(
                all.clone(),
                &["provider:hemnet".parse().expect("filter")],
                None
            )
            .len(),
            2
        );
        assert_eq!(
            select(all, &["provider:spark".parse().expect("filter")], None).len(),
            0
        );
    }

    proptest! {
        #[test]
        fn partitions_are_disjoint_and_cover_everything(
            names in proptest::collection::btree_set("[a-z]{1,12}", 0..60),
            count in 1u32..8,
        ) {
            let all: Vec<Scenario> = names.iter().map(|n| scenario(&format!("scenarios/x/{n}.yaml"), n)).collect();
            let mut seen: Vec<PathBuf> = Vec::new();
            for index in 1..=count {
                let shard = select(all.clone(), &[], Some(Partition { index, count }));
                seen.extend(shard.into_iter().map(|s| s.path));
            }
            seen.sort();
            let mut expected: Vec<PathBuf> = all.into_iter().map(|s| s.path).collect();
            expected.sort();
            prop_assert_eq!(seen, expected);
        }
    }
}
