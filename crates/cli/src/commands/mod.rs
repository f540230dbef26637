//! One module per command; each returns the exit code it earned.

mod capture;
mod config;
mod contract;
mod init;
mod list;
mod providers;
mod receiver;
mod run;
mod schema;
mod select;
mod send;
mod serve;
mod snapshots;
mod stored_captures;
mod suites;
mod tls;

use crate::args::{Args, CaptureCommand, Command};
use crate::exit::Exit;

pub fn dispatch(args: Args) -> Exit {
    // The in-process reference receiver logs every forgery it refuses; during
    // a run that is expected and only noise, so it speaks only of errors.
    let quiet_receiver = matches!(args.command, Command::Run(_));
    let config = args.config.as_deref();
    init_logging(if quiet_receiver {
        "warn,hooksim_receiver=error"
    } else {
        "info"
    });
    match args.command {
        Command::Run(run) => with_runtime(run::run(config, run)),
        Command::Config(run) => config::config(config, &run),
        Command::Init(init) => init::init(&init),
        Command::Suites { action } => suites::suites(action),
        Command::Send(send) => with_runtime(send::send(send)),
        Command::Providers { show } => providers::providers(show),
        Command::Snapshots(snapshots) => snapshots::snapshots(config, snapshots),
        Command::List(select) => list::list(config, &select),
        Command::Serve(serve) => with_runtime(serve::serve(serve)),
        Command::Receiver(receiver) => with_runtime(receiver::receiver(receiver)),
        Command::Schema => schema::schema(),
        Command::Capture(args) => match &args.action {
            Some(CaptureCommand::Check(check)) => {
                stored_captures::check(&check.dir, check.secret.clone())
            }
            Some(CaptureCommand::Redact { dir, seed }) => stored_captures::redact_all(dir, *seed),
            None => with_runtime(capture::capture(args)),
        },
    }
}

fn with_runtime(command: impl std::future::Future<Output = Exit>) -> Exit {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(command),
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            Exit::Runtime
        }
    }
}

/// Logs go to stderr; `RUST_LOG` replaces the default filter.
fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Print a library error and pick its exit code.
fn fail(error: &hooksim_harness::HarnessError) -> Exit {
    errln!("error: {error}");
    if error.is_bad_input() {
        Exit::BadInput
    } else {
        Exit::Runtime
    }
}
