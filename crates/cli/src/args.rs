//! Command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Play the part of a real-estate platform that sends webhooks, and prove a
/// receiver right: real payloads, signatures, timeouts and retry schedules.
#[derive(Debug, Parser)]
#[command(name = "hooksim", version, after_help = EXIT_CODES)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

pub const EXIT_CODES: &str = "Exit codes: 0 no scenario failed (warnings and skips allowed), \
1 a scenario failed (or warned, with --strict), 2 bad input, 3 runtime error.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenario files (or folders of them) against a receiver.
    Run(RunArgs),
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
}

/// Which scenarios to take.
#[derive(Debug, clap::Args)]
pub struct SelectArgs {
    /// Scenario files or folders [default: scenarios]
    pub paths: Vec<PathBuf>,
    /// Take only matching scenarios: provider:ID, rule:TEXT, name:TEXT or TEXT
    /// (any of them). Repeatable; a scenario matching any filter is taken.
    #[arg(long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Take shard k of n: a stable, disjoint slice (for CI matrices).
    #[arg(long, value_name = "k/n")]
    pub partition: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// How many scenarios run at once [default: 4 per core]
    #[arg(long, short = 'j', value_name = "N")]
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
    /// Where the provider APIs are served for a receiver started with their address
    /// (http://ADDR/<provider>), when a scenario needs them.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8090")]
    pub api_addr: SocketAddr,
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
    /// Event name, e.g. CONTACT.CREATE.
    pub event: String,
    /// The exact URL to deliver to.
    #[arg(long)]
    pub target: String,
    /// The webhook key deliveries are signed with.
    #[arg(long)]
    pub secret: Option<String>,
    /// Payload override by dotted path, e.g. data.message="Tom & Jerry". JSON values are read as JSON.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<String>,
    /// Seed for fake data.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub tls: TlsArgs,
}

#[derive(Debug, Subcommand)]
pub enum ProvidersCommand {
    /// Events, headers, signature and delivery policy of one provider.
    Show { id: String },
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SnapshotsArgs {
    #[command(subcommand)]
    pub action: Option<SnapshotsCommand>,
    /// Fail (exit 1) if any snapshot is pending, or any accepted one has no scenario left.
    #[arg(long)]
    pub check: bool,
    /// The snapshots folder.
    #[arg(long, default_value = "snapshots", global = true)]
    pub dir: PathBuf,
    /// The scenarios folder, for --check.
    #[arg(long, default_value = "scenarios")]
    pub scenarios: PathBuf,
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
