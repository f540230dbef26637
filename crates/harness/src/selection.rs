//! Which scenarios a run takes: `--filter` by provider, rule or name, and
//! `--partition k/n` to split a suite across CI shards.

use std::fmt;
use std::str::FromStr;

use hooksim_simulator::providers::ProviderId;

use crate::error::HarnessError;
use crate::scenario::Scenario;
use crate::suggest::did_you_mean;

/// One `--filter`: `provider:ID`, `rule:TEXT`, `name:TEXT`, `file:TEXT`,
/// or bare `TEXT` (matched against provider, rule, name and file path).
/// Text matches as a substring, ignoring case; a provider is its id in any
/// case, or the one id that contains the text (`provider:spa`). A leading
/// `!` makes it an exclusion (`!provider:flow`, `!burst`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub matcher: Matcher,
    /// `!...` or `--exclude`: a matching scenario is left out.
    pub exclude: bool,
}

/// What one filter matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    Provider(Vec<ProviderId>),
    Rule(String),
    Name(String),
    File(String),
    Any(String),
}

impl FromStr for Filter {
    type Err = HarnessError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (exclude, body) = match text.strip_prefix('!') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, text),
        };
        let matcher = parse_matcher(body)
            .map_err(|why| HarnessError::Usage(format!("--filter {text}: {why}")))?;
        Ok(Self { matcher, exclude })
    }
}

fn parse_matcher(text: &str) -> Result<Matcher, String> {
    let needs_text = |kind: &str| format!("`{kind}:` needs some text after it");
    match text.split_once(':') {
        Some(("provider", id)) => provider_matcher(id),
        Some((kind @ ("rule" | "name" | "file"), rest)) if rest.trim().is_empty() => {
            Err(needs_text(kind))
        }
        Some(("rule", rule)) => Ok(Matcher::Rule(rule.to_lowercase())),
        Some(("name", name)) => Ok(Matcher::Name(name.to_lowercase())),
        Some(("file", file)) => Ok(Matcher::File(file.replace('\\', "/").to_lowercase())),
        Some((kind, _)) if !kind.contains('/') && !kind.contains(' ') => Err(format!(
            "unknown filter kind `{kind}:`; {}",
            did_you_mean(kind, &["provider", "rule", "name", "file"], "kinds")
        )),
        _ if text.trim().is_empty() => Err("empty filter".to_owned()),
        _ => Ok(Matcher::Any(text.to_lowercase())),
    }
}

/// `provider:ID`: the id in any case, else every id containing the text.
fn provider_matcher(id: &str) -> Result<Matcher, String> {
    let wanted = id.trim().to_lowercase();
    if let Ok(exact) = ProviderId::parse(&wanted) {
        return Ok(Matcher::Provider(vec![exact]));
    }
    let containing: Vec<ProviderId> = ProviderId::ALL
        .iter()
        .copied()
        .filter(|p| !wanted.is_empty() && p.as_str().contains(&wanted))
        .collect();
    if containing.is_empty() {
        let ids: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
        return Err(format!(
            "no provider id contains `{id}`; {}",
            did_you_mean(&wanted, &ids, "known providers")
        ));
    }
    Ok(Matcher::Provider(containing))
}

impl Filter {
    /// Whether the filter's text or provider matches the scenario
    /// (whatever `exclude` says).
    pub fn matches(&self, scenario: &Scenario) -> bool {
        let contains = |haystack: &str, needle: &str| haystack.to_lowercase().contains(needle);
        let file = || scenario.path.to_string_lossy().replace('\\', "/");
        match &self.matcher {
            Matcher::Provider(ids) => ids.contains(&scenario.provider),
            Matcher::Rule(text) => contains(&scenario.rule, text),
            Matcher::Name(text) => contains(&scenario.name, text),
            Matcher::File(text) => contains(&file(), text),
            Matcher::Any(text) => {
                contains(scenario.provider.as_str(), text)
                    || contains(&scenario.rule, text)
                    || contains(&scenario.name, text)
                    || contains(&file(), text)
            }
        }
    }

    /// The same filter as an exclusion (`--exclude TEXT`).
    pub fn excluding(mut self) -> Self {
        self.exclude = true;
        self
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
        crate::hash::fnv1a(key.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// The scenarios that match any including filter (all when there is
/// none), match no excluding one, and fall in the partition, in their
/// original order.
pub fn select(
    scenarios: Vec<Scenario>,
    filters: &[Filter],
    partition: Option<Partition>,
) -> Vec<Scenario> {
    scenarios
        .into_iter()
        .filter(|s| taken(s, filters))
        .filter(|s| partition.is_none_or(|p| p.contains(&s.path)))
        .collect()
}

fn taken(scenario: &Scenario, filters: &[Filter]) -> bool {
    let (excluding, including): (Vec<&Filter>, Vec<&Filter>) =
        filters.iter().partition(|f| f.exclude);
    (including.is_empty() || including.iter().any(|f| f.matches(scenario)))
        && !excluding.iter().any(|f| f.matches(scenario))
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
            unset_settings: Vec::new(),
        }
    }

    #[test]
    fn reads_filters_and_partitions() {
        let including = |matcher| Filter {
            matcher,
            exclude: false,
        };
        assert_eq!(
            "provider:hemnet".parse::<Filter>().ok(),
            Some(including(Matcher::Provider(vec![ProviderId::Hemnet])))
        );
        assert!(
            "provider:hemet"
                .parse::<Filter>()
                .is_err_and(|e| e.to_string().contains("did you mean `hemnet`"))
        );
        assert_eq!(
            "Signature".parse::<Filter>().ok(),
            Some(including(Matcher::Any("signature".into())))
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

    #[test]
    fn provider_filters_take_any_case_and_a_unique_part() {
        let spark = |text: &str| text.parse::<Filter>().map(|f| f.matcher).ok();
        let only_spark = Some(Matcher::Provider(vec![ProviderId::Spark]));
        assert_eq!(spark("provider:Spark"), only_spark);
        assert_eq!(spark("provider:spa"), only_spark);
        assert_eq!(
            spark("provider:propertyfinder"),
            Some(Matcher::Provider(vec![ProviderId::PropertyFinder]))
        );
        assert_eq!(
            spark("provider:ATLAS"),
            Some(Matcher::Provider(vec![ProviderId::PropertyFinderAtlas]))
        );
        assert!(
            "provider:zillow"
                .parse::<Filter>()
                .is_err_and(|e| e.to_string().contains("no provider id contains `zillow`"))
        );
    }

    #[test]
    fn bare_text_matches_file_names_and_bang_excludes() {
        let all = vec![
            scenario(
                "scenarios/hemnet/burst.yaml",
                "hemnet/acknowledge-under-load",
            ),
            scenario("scenarios/hemnet/api-rate-limit.yaml", "hemnet/api-backoff"),
            scenario(
                "scenarios/hemnet/signature.yaml",
                "hemnet/signature-raw-body",
            ),
        ];
        let paths = |filters: &[&str]| -> Vec<String> {
            let filters: Vec<Filter> = filters.iter().map(|f| f.parse().expect("filter")).collect();
            select(all.clone(), &filters, None)
                .into_iter()
                .map(|s| s.path.display().to_string())
                .collect()
        };
        assert_eq!(paths(&["burst"]), ["scenarios/hemnet/burst.yaml"]);
        assert_eq!(paths(&["file:BURST.yaml"]), ["scenarios/hemnet/burst.yaml"]);
        assert_eq!(
            paths(&["!api"]),
            [
                "scenarios/hemnet/burst.yaml",
                "scenarios/hemnet/signature.yaml"
            ]
        );
        assert_eq!(
            paths(&["provider:hemnet", "!burst", "!file:api"]),
            ["scenarios/hemnet/signature.yaml"]
        );
        let excluded = "signature".parse::<Filter>().expect("filter").excluding();
        assert_eq!(select(all.clone(), &[excluded], None).len(), 2);
        assert!("!".parse::<Filter>().is_err());
        assert!("file:".parse::<Filter>().is_err());
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
