//! Command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Play the part of a real-estate platform that sends webhooks, and prove a
/// receiver right: real payloads, signatures, timeouts and retry schedules.
#[derive(Debug, Parser)]
#[command(name = "hooksim", version, after_help = EXIT_CODES)]
pub struct Args {
    /// The configuration file [default: hooksim.toml in this folder or the nearest one above]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

pub const EXIT_CODES: &str = "Exit codes: 0 no scenario failed (warnings and skips allowed), \
1 a scenario failed (or warned, with --strict), 2 bad input, 3 runtime error, \
130 interrupted by Ctrl-C (the reports hold what finished).";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenario files (or folders of them, or the built-in suites) against a receiver.
    Run(RunArgs),
    /// Print the configuration a run would use, and where each value came from (secrets redacted).
    Config(RunArgs),
    /// Start a project: hooksim.toml, an example scenario per provider, and a CI workflow.
    Init(InitArgs),
    /// The built-in suites: export them to customise.
    Suites {
        #[command(subcommand)]
        action: SuitesCommand,
    },
    /// Send one event under the provider's full delivery policy and print the transcript.
    Send(SendArgs),
    /// List the providers, or show one's events and delivery policy.
    Providers {
        #[command(subcommand)]
        show: Option<ProvidersCommand>,
    },
    /// Review, accept or reject pending snapshots (`.snap.new`); `--check` for CI.
    Snapshots(SnapshotsArgs),
    /// Run the providers' REST APIs (registration, Flow reads) and deliver to what gets registered.
    Serve(ServeArgs),
    /// List the scenarios a run would take (after --filter and --partition).
    List(SelectArgs),
    /// Run the reference receiver on its own.
    Receiver(ReceiverArgs),
    /// Receive one provider's webhooks on a loopback address and keep every request as a
    /// capture file (docs/capture.md); with --forward, pass each on to your receiver.
    Capture(CaptureArgs),
    /// Print the JSON Schema of scenario files, for editors and validators
    /// (`hooksim schema > scenario.schema.json`).
    Schema,
}

#[derive(Debug, clap::Args)]
pub struct CaptureCheckArgs {
    /// The folder of captures (`*.capture.json`, at any depth)
    pub dir: PathBuf,
    /// The webhook key or subscription secret, to verify signatures with
    #[arg(
        long,
        value_name = "KEY",
        env = "HOOKSIM_CAPTURE_SECRET",
        hide_env_values = true
    )]
    pub secret: Option<String>,
}

/// Which scenarios to take.
#[derive(Debug, Default, clap::Args)]
pub struct SelectArgs {
    /// Scenario files or folders, or `builtin:` / `builtin:PROVIDER` for the built-in suites
    /// [default: `scenarios` in hooksim.toml, else ./scenarios, else builtin:]
    pub paths: Vec<PathBuf>,
    /// Take only matching scenarios: provider:ID, rule:TEXT, name:TEXT, file:TEXT or TEXT
    /// (any of them); `!FILTER` leaves matching ones out. Repeatable; a scenario matching
    /// any filter (and no `!` one) is taken.
    #[arg(long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Leave out matching scenarios (like `--filter '!FILTER'`). Repeatable.
    #[arg(long = "exclude", value_name = "FILTER")]
    pub excludes: Vec<String>,
    /// Take shard k of n: a stable, disjoint slice (for CI matrices).
    #[arg(long, value_name = "k/n")]
    pub partition: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// How many scenarios run at once, at least 1 [default: 4 per core]
    #[arg(long, short = 'j', value_name = "N", value_parser = at_least_one)]
    pub jobs: Option<usize>,
    /// Where deliveries go: a base URL (the scenario's `target` path is
    /// appended) or PROVIDER=URL (that provider's exact URL). Repeatable.
    /// Without a base URL, the built-in reference receiver is started.
    #[arg(long = "target", value_name = "URL|PROVIDER=URL")]
    pub targets: Vec<String>,
    /// A provider setting scenarios read, e.g. hemnet.secret=KEY. Repeatable.
    #[arg(long = "set", value_name = "PROVIDER.KEY=VALUE")]
    pub settings: Vec<String>,
    /// Seed for fake data, replacing each scenario's own.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Accept new and changed transcripts into the snapshots (never one with a failed expectation).
    #[arg(long)]
    pub update_snapshots: bool,
    /// Your own folder of `<provider>/<scenario>.snap`, compared with your receiver's transcripts
    /// [default: hooksim's runs only, with `snapshots/` beside `scenarios/`]
    #[arg(long, value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,
    /// Fail on warnings too: rules that rest on an assumption about the provider.
    #[arg(long)]
    pub strict: bool,
    /// Start no scenario after the first one fails; the running ones finish and
    /// the reports are written for what ran.
    #[arg(long)]
    pub fail_fast: bool,
    /// Stop a scenario that has run this long (real time), failing it as timed
    /// out with its transcript so far, like `30s` or `5m` [default: 10m]
    #[arg(long, value_name = "DURATION", value_parser = a_duration)]
    pub scenario_timeout: Option<std::time::Duration>,
    /// The console's shape: `plain`, or `github`, which adds workflow-command annotations at
    /// the scenario files' lines and appends a Markdown job summary to $GITHUB_STEP_SUMMARY
    /// [default: github when GITHUB_ACTIONS=true, else plain]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ConsoleFormat>,
    /// Where the provider APIs are served for a receiver started with their address
    /// (http://ADDR/<provider>), when a scenario needs them [default: 127.0.0.1:8090]
    #[arg(long, value_name = "ADDR")]
    pub api_addr: Option<SocketAddr>,
    /// Spend nominal/FACTOR of real time on retry gaps and waits [default: no real waiting]
    #[arg(long, value_name = "FACTOR")]
    pub time_scale: Option<f64>,
    /// Write a JUnit XML report (one testcase per scenario, grouped by provider).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report with everything, real latencies included (schema: docs/json-report.md).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report with a timeline of every delivery.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub tls: TlsArgs,
}

/// How an https receiver's certificate is checked (deliveries and probes alike).
#[derive(Debug, clap::Args)]
pub struct TlsArgs {
    /// Trust the certificate authority in this PEM file too, besides the system's
    /// (a self-signed receiver's own certificate will do). Repeatable.
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certs: Vec<PathBuf>,
    /// Accept any certificate from an https receiver: encrypted, but not authenticated.
    #[arg(long)]
    pub insecure: bool,
}

#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// Provider id, e.g. hemnet.
    pub provider: String,
    /// Event name, e.g. CONTACT.CREATE (not with --body).
    #[arg(required_unless_present = "body", conflicts_with = "body")]
    pub event: Option<String>,
    /// Send this file's payload instead of a built event: a capture (`.capture.json`,
    /// from `hooksim capture`) or a JSON payload, re-encoded the provider's way and signed
    /// with --secret.
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// With --body CAPTURE: send the capture's exact bytes and its original signature.
    #[arg(long, requires = "body")]
    pub exact: bool,
    /// The exact URL to deliver to.
    #[arg(long)]
    pub target: String,
    /// The webhook key deliveries are signed with (providers that sign only:
    /// hemnet, propertyfinder-atlas) [default: the provider's test key, if any]
    #[arg(long, value_name = "KEY")]
    pub secret: Option<String>,
    /// Payload override by dotted path, e.g. data.message="Tom & Jerry". JSON values are read as JSON.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<String>,
    /// Seed for fake data.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// One attempt only: no retries, whatever the receiver answers.
    #[arg(long, conflicts_with = "max_attempts")]
    pub once: bool,
    /// At most N attempts of the provider's retry schedule (1 to the schedule's length)
    /// [default: the whole schedule]
    #[arg(long, value_name = "N")]
    pub max_attempts: Option<u32>,
    /// Stop the send after this long (real time), failing it as timed out with the
    /// attempts so far, like `30s` or `2m` [default: 10m]
    #[arg(long, value_name = "DURATION", value_parser = a_duration)]
    pub timeout: Option<std::time::Duration>,
    #[command(flatten)]
    pub tls: TlsArgs,
}

#[derive(Debug, Subcommand)]
pub enum ProvidersCommand {
    /// Events, headers, signature and delivery policy of one provider.
    Show { id: String },
    /// Publish providers' contracts: an AsyncAPI 3.0 document per provider, or a JSON
    /// Schema per event, generated from the catalogue hooksim sends from.
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The providers to export [default: every provider]
    pub ids: Vec<String>,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write the documents into DIR: PROVIDER.asyncapi.json, or PROVIDER/EVENT.schema.json
    /// [default: print the document, when there is one: the AsyncAPI of one provider]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Exactly what hooksim sends when it does not fuzz (every enum closed, no attribute
    /// beyond the listed ones), for drift checks; the default is what a receiver must accept.
    #[arg(long)]
    pub closed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConsoleFormat {
    /// The lines and failure details, as on a terminal.
    Plain,
    /// Plain, plus GitHub Actions annotations and a job summary.
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One AsyncAPI 3.0 document per provider (channels, operations, messages, headers).
    Asyncapi,
    /// One JSON Schema (2020-12) per event payload.
    JsonSchema,
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SnapshotsArgs {
    #[command(subcommand)]
    pub action: Option<SnapshotsCommand>,
    /// Fail (exit 1) if any snapshot is pending, or any accepted one has no scenario left.
    #[arg(long)]
    pub check: bool,
    /// The snapshots folder [default: `snapshot_dir` in hooksim.toml, else snapshots]
    #[arg(long, global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The scenario files or folders whose snapshots --check expects. Repeatable [default: scenarios]
    #[arg(long, value_name = "PATH")]
    pub scenarios: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotsCommand {
    /// Show each pending change as a diff and ask: accept, reject or skip.
    Review,
    /// Promote every pending `.snap.new` to `.snap`.
    Accept,
    /// Delete every pending `.snap.new`.
    Reject,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback only is sensible: there is no TLS).
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub addr: SocketAddr,
}

#[derive(Debug, clap::Args)]
pub struct ReceiverArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// A Hemnet webhook key to trust. Repeatable.
    #[arg(long = "hemnet-key", default_value = "hooksim-test-secret")]
    pub hemnet_keys: Vec<String>,
    /// A Property Finder Atlas subscription secret to trust on /propertyfinder-atlas/signed. Repeatable.
    #[arg(long = "atlas-secret", default_value = "hooksim-test-secret")]
    pub atlas_secrets: Vec<String>,
}

/// `hooksim capture PROVIDER --listen ADDR`, or one of [`CaptureCommand`]
/// on the captures (whose arguments are then the subcommand's own).
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct CaptureArgs {
    #[command(subcommand)]
    pub action: Option<CaptureCommand>,
    /// The provider whose webhooks are received, e.g. hemnet.
    #[arg(required = true)]
    pub provider: Option<String>,
    /// Where to listen: a loopback address, like 127.0.0.1:9000 (port 0: a free one;
    /// the first line printed names it).
    #[arg(long, value_name = "ADDR", required = true)]
    pub listen: Option<SocketAddr>,
    /// The folder captures go to, as DIR/PROVIDER/NNNNNN.capture.json.
    #[arg(long, value_name = "DIR", default_value = "captures")]
    pub out: PathBuf,
    /// Pass every request on to your receiver at this loopback http:// URL (the request's
    /// path and query are appended to its path) and answer with its answer.
    #[arg(long, value_name = "URL")]
    pub forward: Option<String>,
    /// Replace names, emails, phones, addresses and free text in every capture before it is
    /// written (the seed's replacements: the same value, the same replacement)
    #[arg(long, value_name = "SEED", num_args = 0..=1, default_missing_value = "0")]
    pub redact: Option<u64>,
}

/// What `hooksim capture` does with captures already made. A new one is a
/// variant here and its arm in `commands::dispatch`.
#[derive(Debug, Subcommand)]
pub enum CaptureCommand {
    /// Check stored captures against hooksim's model of their provider: exit 0 when every
    /// one matches, 1 when any drifts, 2 for a folder or file that is not captures.
    Check(CaptureCheckArgs),
    /// Replace the personal data of every capture in DIR, in place (docs/capture.md):
    /// the captures can then be committed as fixtures.
    Redact {
        /// The folder of captures (`*.capture.json`, at any depth)
        dir: PathBuf,
        /// Replacements are drawn with this seed: the same value gets the same one everywhere
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The providers your receiver takes webhooks from. Repeatable [default: every provider]
    #[arg(long = "provider", value_name = "ID")]
    pub providers: Vec<String>,
    /// Your receiver's base URL; given, hooksim.toml sends there (else the lines are commented out
    /// and runs use the built-in reference receiver).
    #[arg(long, value_name = "URL")]
    pub receiver_url: Option<String>,
    /// How CI starts your receiver, for the workflow [default: a placeholder to edit]
    #[arg(long, value_name = "COMMAND")]
    pub receiver_command: Option<String>,
    /// The folder to write into [default: this folder]
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite files that exist.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum SuitesCommand {
    /// Write the built-in scenarios to DIR/scenarios and their snapshots to DIR/snapshots.
    Export {
        dir: PathBuf,
        /// Only this provider's suite.
        #[arg(long, value_name = "ID")]
        provider: Option<String>,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
    },
}

/// `--jobs`: a whole number of at least 1 (0 would run nothing).
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// `--scenario-timeout`: a nominal duration, more than zero.
fn a_duration(text: &str) -> Result<std::time::Duration, String> {
    match hooksim_harness::duration::parse_nominal_duration(text) {
        Ok(d) if d.is_zero() => Err("must be more than zero".to_owned()),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{e}; {}", hooksim_harness::duration::DURATION_HELP)),
    }
}
