//! `hooksim.toml`: what a team would otherwise repeat on every command.
//! Found in the current folder or the nearest one above (or `--config
//! FILE`); paths in it are relative to its folder; strings may use
//! `${env:NAME}` and `${env:NAME:-default}`. Command-line flags override it.
//! Every value of a run is [`Sourced`]: `hooksim config` says where each
//! came from.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use hooksim_harness::runner::{SettingOverride, Targets};
use hooksim_harness::scenario::interpolate;
use hooksim_harness::selection::Filter;
use hooksim_harness::suite::DEFAULT_API_ADDR;
use miette::{NamedSource, SourceSpan};
use serde::Deserialize;
use toml::Spanned;

use crate::args::{RunArgs, SelectArgs};

/// The file name looked for.
pub const FILE_NAME: &str = "hooksim.toml";

/// The file as written. Unknown keys are errors, with their position.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    scenarios: Option<Vec<Spanned<String>>>,
    filter: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
    target: Option<Spanned<String>>,
    strict: Option<Spanned<bool>>,
    jobs: Option<Spanned<usize>>,
    snapshot_dir: Option<Spanned<String>>,
    api_addr: Option<Spanned<String>>,
    ca_cert: Option<Vec<Spanned<String>>>,
    insecure: Option<Spanned<bool>>,
    reports: Option<RawReports>,
    /// `[providers.hemnet]`: `target` and the provider's settings.
    providers: Option<BTreeMap<Spanned<String>, ProviderTable>>,
}

/// `[providers.ID]`: key to value, each with its place.
type ProviderTable = BTreeMap<Spanned<String>, Spanned<String>>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReports {
    junit: Option<Spanned<String>>,
    json: Option<Spanned<String>>,
    html: Option<Spanned<String>>,
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag.
    Flag(&'static str),
    /// The config file, at 1-based line and column.
    File {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    /// Nobody set it.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(flag) => write!(f, "{flag}"),
            Self::File { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Self::Default => write!(f, "default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Sourced<T> {
    fn flag(value: T, flag: &'static str) -> Self {
        Self {
            value,
            origin: Origin::Flag(flag),
        }
    }

    fn default(value: T) -> Self {
        Self {
            value,
            origin: Origin::Default,
        }
    }
}

/// The configuration of a run: the file's values, then the flags'.
#[derive(Debug)]
pub struct Resolved {
    /// The file read, if any.
    pub file: Option<PathBuf>,
    /// Scenario paths; empty when neither the flags nor the file name any.
    pub paths: Vec<Sourced<PathBuf>>,
    /// Filters as `--filter` reads them (`!` for exclusions).
    pub filters: Vec<Sourced<String>>,
    /// Targets as `--target` reads them.
    pub targets: Vec<Sourced<String>>,
    /// Settings as `--set` reads them (`provider.key=value`).
    pub settings: Vec<Sourced<String>>,
    pub strict: Sourced<bool>,
    pub jobs: Option<Sourced<usize>>,
    pub snapshot_dir: Option<Sourced<PathBuf>>,
    pub api_addr: Sourced<SocketAddr>,
    /// PEM files of certificate authorities trusted besides the system's.
    pub ca_certs: Vec<Sourced<PathBuf>>,
    /// https receivers' certificates are not checked.
    pub insecure: Sourced<bool>,
    pub junit: Option<Sourced<PathBuf>>,
    pub json: Option<Sourced<PathBuf>>,
    pub html: Option<Sourced<PathBuf>>,
    /// `[providers.ID]` values whose `${env:NAME}` is unset, by the
    /// `--set`/`--target` name a flag could give them under (`hemnet.secret`,
    /// `hemnet=`): an error unless a flag does.
    unset: Vec<(String, ConfigError)>,
}

/// A mistake in the config file, pointing at its place.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{location}: {message}")]
#[diagnostic(forward(annotation))]
pub struct ConfigError {
    location: String,
    message: String,
    /// Boxed so results that carry the error stay small.
    annotation: Box<Annotation>,
}

/// What miette draws under the message.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{label}")]
struct Annotation {
    #[source_code]
    source_code: Option<NamedSource<String>>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    #[help]
    help: Option<String>,
}

impl ConfigError {
    fn unreadable(path: &Path, error: &std::io::Error) -> Self {
        Self {
            location: path.display().to_string(),
            message: format!("cannot read the config file: {error}"),
            annotation: Box::new(Annotation {
                source_code: None,
                span: None,
                label: String::new(),
                help: None,
            }),
        }
    }
}

/// The file being read, for errors and origins.
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    fn origin(&self, span: &Range<usize>) -> Origin {
        let (line, column) = line_and_column(self.text, span.start);
        Origin::File {
            path: self.path.to_owned(),
            line,
            column,
        }
    }

    fn sourced<T>(&self, value: T, span: &Range<usize>) -> Sourced<T> {
        Sourced {
            value,
            origin: self.origin(span),
        }
    }

    fn error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        label: &str,
        help: Option<String>,
    ) -> ConfigError {
        let start = span.start.min(self.text.len());
        let (line, column) = line_and_column(self.text, start);
        ConfigError {
            location: format!("{}:{line}:{column}", self.path.display()),
            message: message.into(),
            annotation: Box::new(Annotation {
                source_code: Some(
                    NamedSource::new(self.path.display().to_string(), self.text.to_owned())
                        .with_language("toml"),
                ),
                span: Some((start..span.end.clamp(start, self.text.len())).into()),
                label: label.to_owned(),
                help,
            }),
        }
    }

    /// A string with `${env:...}` resolved, or an error at its place.
    fn interpolated(&self, value: &Spanned<String>) -> Result<String, ConfigError> {
        interpolate(value.get_ref(), &|name| std::env::var(name).ok()).map_err(|error| {
            self.error(
                value.span(),
                error.to_string(),
                "here",
                Some(
                    "set the variable, give a default (`${env:NAME:-default}`), or give the value with a flag"
                        .to_owned(),
                ),
            )
        })
    }
}

/// 1-based line and character column of a byte offset.
fn line_and_column(text: &str, byte: usize) -> (usize, usize) {
    let byte = byte.min(text.len());
    let before = text.get(..byte).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The config file a command reads: `--config FILE`, else `hooksim.toml`
/// here or in the nearest folder above.
pub fn locate(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_owned());
    }
    let here = std::env::current_dir().ok()?;
    here.ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
        .map(|found| {
            // Shown relative when it is the current folder's own.
            if found.parent() == Some(here.as_path()) {
                PathBuf::from(FILE_NAME)
            } else {
                found
            }
        })
}

/// Read the config file (if any) and lay the flags over it: the selection
/// flags, and a run's others when the command has them.
pub fn resolve(
    explicit: Option<&Path>,
    select: &SelectArgs,
    run: Option<&RunArgs>,
) -> Result<Resolved, ConfigError> {
    let (file, text) = match locate(explicit) {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|error| ConfigError::unreadable(&path, &error))?;
            (Some(path), text)
        }
        None => (None, String::new()),
    };
    let mut resolved = match &file {
        Some(path) => from_file(path, &text)?,
        None => Resolved::defaults(None),
    };
    resolved.apply_selection(select);
    match run {
        Some(run) => resolved.apply_run(run),
        // Listing and checking snapshots need no provider values.
        None => resolved.unset.clear(),
    }
    if resolved.unset.is_empty() {
        Ok(resolved)
    } else {
        Err(resolved.unset.remove(0).1)
    }
}

impl Resolved {
    fn defaults(file: Option<PathBuf>) -> Self {
        Self {
            file,
            paths: Vec::new(),
            filters: Vec::new(),
            targets: Vec::new(),
            settings: Vec::new(),
            strict: Sourced::default(false),
            jobs: None,
            snapshot_dir: None,
            api_addr: Sourced::default(DEFAULT_API_ADDR),
            ca_certs: Vec::new(),
            insecure: Sourced::default(false),
            junit: None,
            json: None,
            html: None,
            unset: Vec::new(),
        }
    }

    /// Flags win: a list given on the command line replaces the file's.
    fn apply_selection(&mut self, select: &SelectArgs) {
        if !select.paths.is_empty() {
            self.paths = select
                .paths
                .iter()
                .map(|p| Sourced::flag(p.clone(), "command line"))
                .collect();
        }
        let flag_filters: Vec<Sourced<String>> = select
            .filters
            .iter()
            .map(|f| Sourced::flag(f.clone(), "--filter"))
            .chain(
                select
                    .excludes
                    .iter()
                    .map(|f| Sourced::flag(format!("!{f}"), "--exclude")),
            )
            .collect();
        if !flag_filters.is_empty() {
            self.filters = flag_filters;
        }
    }

    /// Targets and settings add to the file's (a later one wins for its
    /// provider and key); the rest replace it.
    fn apply_run(&mut self, args: &RunArgs) {
        // A value the flags give needs no variable from the file.
        self.unset.retain(|(name, _)| {
            !args.settings.iter().any(|s| s.starts_with(name.as_str()))
                && !args.targets.iter().any(|t| t.starts_with(name.as_str()))
        });
        self.targets.extend(
            args.targets
                .iter()
                .map(|t| Sourced::flag(t.clone(), "--target")),
        );
        self.settings.extend(
            args.settings
                .iter()
                .map(|s| Sourced::flag(s.clone(), "--set")),
        );
        if args.strict {
            self.strict = Sourced::flag(true, "--strict");
        }
        if let Some(jobs) = args.jobs {
            self.jobs = Some(Sourced::flag(jobs, "--jobs"));
        }
        if let Some(dir) = &args.snapshot_dir {
            self.snapshot_dir = Some(Sourced::flag(dir.clone(), "--snapshot-dir"));
        }
        if let Some(addr) = args.api_addr {
            self.api_addr = Sourced::flag(addr, "--api-addr");
        }
        if !args.tls.ca_certs.is_empty() {
            self.ca_certs = args
                .tls
                .ca_certs
                .iter()
                .map(|p| Sourced::flag(p.clone(), "--ca-cert"))
                .collect();
        }
        if args.tls.insecure {
            self.insecure = Sourced::flag(true, "--insecure");
        }
        for (slot, given, flag) in [
            (&mut self.junit, &args.junit, "--junit"),
            (&mut self.json, &args.json, "--json"),
            (&mut self.html, &args.html, "--html"),
        ] {
            if let Some(path) = given {
                *slot = Some(Sourced::flag(path.clone(), flag));
            }
        }
    }
}

/// Every value the file gives, checked where it stands.
fn from_file(path: &Path, text: &str) -> Result<Resolved, ConfigError> {
    let source = Source { path, text };
    let raw: RawConfig = toml::from_str(text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        source.error(
            span,
            error.message().to_owned(),
            "here",
            Some(
                "keys: scenarios, filter, exclude, target, strict, jobs, snapshot_dir, api_addr, ca_cert, insecure, [reports] junit/json/html, [providers.ID] target and settings (docs/config.md)"
                    .to_owned(),
            ),
        )
    })?;
    // Paths in the file are relative to its folder.
    let base = path.parent().unwrap_or(Path::new(""));
    let relative = |value: &str| -> PathBuf {
        if value.starts_with(hooksim_harness::builtin::PREFIX) || Path::new(value).is_absolute() {
            PathBuf::from(value)
        } else {
            base.join(value)
        }
    };
    let mut resolved = Resolved::defaults(Some(path.to_owned()));
    for item in raw.scenarios.iter().flatten() {
        let value = source.interpolated(item)?;
        resolved
            .paths
            .push(source.sourced(relative(&value), &item.span()));
    }
    let filters = raw.filter.iter().flatten().map(|f| (f, ""));
    let excludes = raw.exclude.iter().flatten().map(|f| (f, "!"));
    for (item, prefix) in filters.chain(excludes) {
        let text = format!("{prefix}{}", source.interpolated(item)?);
        text.parse::<Filter>().map_err(|e| {
            source.error(
                item.span(),
                without_flag(&e.to_string()),
                "this filter",
                None,
            )
        })?;
        resolved.filters.push(source.sourced(text, &item.span()));
    }
    if let Some(target) = &raw.target {
        let url = source.interpolated(target)?;
        Targets::default().add_arg(&url).map_err(|e| {
            source.error(
                target.span(),
                without_flag(&e.to_string()),
                "not a base URL",
                None,
            )
        })?;
        resolved.targets.push(source.sourced(url, &target.span()));
    }
    for (provider, entries) in raw.providers.iter().flatten() {
        let id =
            hooksim_simulator::providers::ProviderId::parse(provider.get_ref()).map_err(|e| {
                let ids: Vec<&str> = hooksim_simulator::providers::ProviderId::ALL
                    .iter()
                    .map(|p| p.as_str())
                    .collect();
                source.error(
                    provider.span(),
                    e.to_string(),
                    "not a provider",
                    Some(hooksim_harness::suggest::did_you_mean(
                        provider.get_ref(),
                        &ids,
                        "known providers",
                    )),
                )
            })?;
        for (key, value) in entries {
            let text = match source.interpolated(value) {
                Ok(text) => text,
                Err(error) => {
                    let name = if key.get_ref() == "target" {
                        format!("{}=", id.as_str())
                    } else {
                        format!("{}.{}=", id.as_str(), key.get_ref())
                    };
                    resolved.unset.push((name, error));
                    continue;
                }
            };
            if key.get_ref() == "target" {
                let arg = format!("{}={text}", id.as_str());
                Targets::default().add_arg(&arg).map_err(|e| {
                    source.error(
                        value.span(),
                        without_flag(&e.to_string()),
                        "not a URL",
                        None,
                    )
                })?;
                resolved.targets.push(source.sourced(arg, &value.span()));
                continue;
            }
            let arg = format!("{}.{}={text}", id.as_str(), key.get_ref());
            if let Err(e) = SettingOverride::parse(&arg) {
                let names = hooksim_harness::settings::setting_names(id);
                let known = names.contains(&key.get_ref().as_str());
                let (span, label) = if known {
                    (value.span(), "this value")
                } else {
                    (key.span(), "not a setting of this provider")
                };
                return Err(source.error(
                    span,
                    without_flag(&e.to_string()),
                    label,
                    Some(format!(
                        "`target`, or one of the settings: {}",
                        names.join(", ")
                    )),
                ));
            }
            resolved.settings.push(source.sourced(arg, &value.span()));
        }
    }
    if let Some(strict) = &raw.strict {
        resolved.strict = source.sourced(*strict.get_ref(), &strict.span());
    }
    if let Some(jobs) = &raw.jobs {
        if *jobs.get_ref() == 0 {
            return Err(source.error(jobs.span(), "`jobs` must be at least 1", "zero", None));
        }
        resolved.jobs = Some(source.sourced(*jobs.get_ref(), &jobs.span()));
    }
    if let Some(dir) = &raw.snapshot_dir {
        let value = source.interpolated(dir)?;
        resolved.snapshot_dir = Some(source.sourced(relative(&value), &dir.span()));
    }
    if let Some(addr) = &raw.api_addr {
        let value = source.interpolated(addr)?;
        let parsed: SocketAddr = value.parse().map_err(|_| {
            source.error(
                addr.span(),
                format!("`{value}` is not an address like 127.0.0.1:8090"),
                "not IP:port",
                None,
            )
        })?;
        resolved.api_addr = source.sourced(parsed, &addr.span());
    }
    for file in raw.ca_cert.iter().flatten() {
        let value = source.interpolated(file)?;
        resolved
            .ca_certs
            .push(source.sourced(relative(&value), &file.span()));
    }
    if let Some(insecure) = &raw.insecure {
        resolved.insecure = source.sourced(*insecure.get_ref(), &insecure.span());
    }
    if let Some(reports) = &raw.reports {
        for (slot, given) in [
            (&mut resolved.junit, &reports.junit),
            (&mut resolved.json, &reports.json),
            (&mut resolved.html, &reports.html),
        ] {
            if let Some(path) = given {
                let value = source.interpolated(path)?;
                *slot = Some(Sourced {
                    value: relative(&value),
                    origin: source.origin(&path.span()),
                });
            }
        }
    }
    Ok(resolved)
}

/// A harness message without the flag it quotes (`--set x=y: ...`), since
/// the config file's position says where the value is.
fn without_flag(message: &str) -> String {
    match message.split_once(": ") {
        Some((flag, rest)) if flag.starts_with("--") => rest.to_owned(),
        _ => message.to_owned(),
    }
}

/// A value fit to print: secrets and tokens are not.
pub fn shown_setting(setting: &str) -> String {
    let Some((name, value)) = setting.split_once('=') else {
        return setting.to_owned();
    };
    let key = name.rsplit('.').next().unwrap_or(name).to_lowercase();
    let secret = ["secret", "token", "password", "key", "admin_header"]
        .iter()
        .any(|word| key.contains(word));
    if secret && !value.is_empty() {
        format!("{name}=<redacted, {} characters>", value.chars().count())
    } else {
        setting.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Resolved, ConfigError> {
        from_file(Path::new("hooksim.toml"), text)
    }

    #[test]
    fn reads_every_key_with_its_place() {
        let text = r#"scenarios = ["builtin:hemnet", "scenarios"]
filter = ["provider:hemnet"]
exclude = ["burst"]
target = "http://127.0.0.1:3000"
strict = true
jobs = 3
snapshot_dir = "snaps"
api_addr = "127.0.0.1:9090"
ca_cert = ["certs/ca.pem"]
insecure = true

[reports]
junit = "out/junit.xml"

[providers.hemnet]
target = "http://127.0.0.1:3000/webhooks/hemnet"
secret = "k"
"#;
        let resolved = read(text).expect("a valid file");
        let paths: Vec<_> = resolved.paths.iter().map(|p| p.value.clone()).collect();
        assert_eq!(
            paths,
            [PathBuf::from("builtin:hemnet"), PathBuf::from("scenarios")]
        );
        assert_eq!(
            resolved.paths[1].origin,
            Origin::File {
                path: PathBuf::from("hooksim.toml"),
                line: 1,
                column: 32
            }
        );
        let filters: Vec<_> = resolved.filters.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(filters, ["provider:hemnet", "!burst"]);
        let targets: Vec<_> = resolved.targets.iter().map(|t| t.value.as_str()).collect();
        assert_eq!(
            targets,
            [
                "http://127.0.0.1:3000",
                "hemnet=http://127.0.0.1:3000/webhooks/hemnet"
            ]
        );
        assert_eq!(resolved.settings[0].value, "hemnet.secret=k");
        assert!(resolved.strict.value);
        assert_eq!(resolved.jobs.as_ref().map(|j| j.value), Some(3));
        assert_eq!(resolved.api_addr.value.port(), 9090);
        assert_eq!(resolved.ca_certs[0].value, PathBuf::from("certs/ca.pem"));
        assert!(resolved.insecure.value);
        assert_eq!(
            resolved.junit.as_ref().map(|j| j.value.clone()),
            Some(PathBuf::from("out/junit.xml"))
        );
    }

    #[test]
    fn mistakes_point_at_line_and_column() {
        let cases = [
            (
                "jobs = 2\njunit = \"x\"\n",
                "hooksim.toml:2:1",
                "unknown field `junit`",
            ),
            (
                "[providers.hemet]\nsecret = \"k\"\n",
                "hooksim.toml:1:12",
                "did you mean `hemnet`",
            ),
            (
                "[providers.hemnet]\nsecrt = \"k\"\n",
                "hooksim.toml:2:1",
                "no setting `secrt`",
            ),
            (
                "target = \"localhost:3000\"\n",
                "hooksim.toml:1:10",
                "not an http:// or https:// URL",
            ),
            (
                "filter = [\"kind:x\"]\n",
                "hooksim.toml:1:11",
                "unknown filter kind",
            ),
            (
                "api_addr = \"nowhere\"\n",
                "hooksim.toml:1:12",
                "not an address",
            ),
            ("jobs = \"many\"\n", "hooksim.toml:1:8", "invalid type"),
            (
                "target = \"${env:HOOKSIM_SURELY_UNSET_VARIABLE}\"\n",
                "hooksim.toml:1:10",
                "not set",
            ),
            ("strict = tru\n", "hooksim.toml:1:10", ""),
        ];
        for (text, at, says) in cases {
            let error = read(text).expect_err(text);
            let shown = format!(
                "{error} {}",
                error.annotation.help.clone().unwrap_or_default()
            );
            assert!(shown.starts_with(at), "{text}: {shown}");
            assert!(shown.contains(says), "{text}: {shown}");
        }
    }

    #[test]
    fn flags_override_the_file() {
        let mut resolved = read("jobs = 3\nfilter = [\"burst\"]\nstrict = false\n").expect("valid");
        let args = <crate::args::Args as clap::Parser>::parse_from([
            "hooksim",
            "run",
            "--jobs",
            "5",
            "--filter",
            "rule:x",
            "--strict",
            "builtin:spark",
        ]);
        let crate::args::Command::Run(run) = args.command else {
            panic!("a run");
        };
        resolved.apply_selection(&run.select);
        resolved.apply_run(&run);
        assert_eq!(
            resolved.jobs.map(|j| (j.value, j.origin)),
            Some((5, Origin::Flag("--jobs")))
        );
        let filters: Vec<_> = resolved.filters.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(filters, ["rule:x"]);
        assert_eq!(resolved.strict.origin, Origin::Flag("--strict"));
        assert_eq!(resolved.paths[0].value, PathBuf::from("builtin:spark"));
    }

    #[test]
    fn an_unset_variable_a_flag_gives_the_value_of_is_no_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("hooksim.toml");
        std::fs::write(
            &file,
            "[providers.hemnet]\nsecret = \"${env:HOOKSIM_SURELY_UNSET_VARIABLE}\"\n",
        )
        .expect("write");
        let run = |flags: &[&str]| {
            let mut all = vec!["hooksim", "run"];
            all.extend(flags);
            let args = <crate::args::Args as clap::Parser>::parse_from(all);
            let crate::args::Command::Run(run) = args.command else {
                panic!("a run");
            };
            resolve(Some(&file), &run.select, Some(&run))
        };
        let error = run(&[]).expect_err("nothing gives the value");
        assert!(error.to_string().contains("hooksim.toml:2:10"), "{error}");
        let resolved = run(&["--set", "hemnet.secret=k"]).expect("the flag gives it");
        let none = crate::args::SelectArgs::default();
        resolve(Some(&file), &none, None).expect("a listing needs no value");
        let settings: Vec<_> = resolved.settings.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(settings, ["hemnet.secret=k"]);
    }

    proptest::proptest! {
        /// Whatever the file holds, reading it gives values or an error
        /// with a place, never a panic.
        #[test]
        fn any_text_reads_or_errs_without_panicking(
            text in r#"(\[providers\.[a-z]{0,8}\]\n|[a-z_]{1,12} = ("[^"\n]{0,20}"|[0-9]{1,4}|true|\[\])\n|[^\n]{0,12}\n){0,6}"#,
        ) {
            if let Err(error) = read(&text) {
                proptest::prop_assert!(error.to_string().starts_with("hooksim.toml:"));
            }
        }
    }

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(
            shown_setting("hemnet.secret=abcd"),
            "hemnet.secret=<redacted, 4 characters>"
        );
        assert_eq!(
            shown_setting("hemnet.admin_header=Authorization: Bearer x"),
            "hemnet.admin_header=<redacted, 23 characters>"
        );
        assert_eq!(
            shown_setting("hemnet.contact_lookup=/api/leads"),
            "hemnet.contact_lookup=/api/leads"
        );
    }
}
