use std::path::PathBuf;

use hooksim_simulator::SimulatorError;

/// Everything the harness can fail at, with the scenario and step it was in.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A scenario asked for something its provider cannot do (bad input).
    #[error("{path}, {}: {source}", crate::steps::step_heading(*.step, *.line))]
    Step {
        path: PathBuf,
        step: usize,
        line: usize,
        #[source]
        source: SimulatorError,
    },
    /// No usable URL for a scenario's deliveries (bad input).
    #[error("{path}: {message}")]
    Target { path: PathBuf, message: String },
    /// A command-line value could not be read (bad input).
    #[error("{0}")]
    Usage(String),
    /// Reading or writing a snapshot failed (runtime).
    #[error("snapshot {path}: {source}")]
    Snapshot {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Finding scenario files failed (runtime, or bad input for a missing path).
    #[error("{}", discover_message(path, source))]
    Discover {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The run was interrupted (Ctrl-C) while this scenario ran: the steps
    /// before `step` finished.
    #[error("{path}: interrupted (Ctrl-C) at {}; the steps before it finished", crate::steps::step_heading(*.step, *.line))]
    Interrupted {
        path: PathBuf,
        step: usize,
        line: usize,
    },
    /// The scenario ran past its wall-time limit (a receiver that hangs):
    /// the steps before `step` finished.
    #[error("{path}: timed out at {}: the scenario ran for its limit of {} (real time: `run --scenario-timeout`, `send --timeout`); the steps before it finished", crate::steps::step_heading(*.step, *.line), hooksim_simulator::schedule::format_nominal(*.limit))]
    TimedOut {
        path: PathBuf,
        step: usize,
        line: usize,
        limit: std::time::Duration,
    },
    /// Writing a file the user asked for failed (runtime).
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The provider APIs for the run could not listen (runtime).
    #[error(
        "cannot serve the provider APIs on {addr}: {source} (pass --api-addr for another address)"
    )]
    ApiServer {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// A report could not be produced (runtime).
    #[error("report: {0}")]
    Report(String),
    /// Sending failed below the HTTP level in a way no outcome describes (runtime).
    #[error("{path}, step {step}: {source}")]
    Engine {
        path: PathBuf,
        step: usize,
        #[source]
        source: SimulatorError,
    },
}

impl HarnessError {
    /// True when the user's input is at fault (exit code 2), false for a
    /// runtime failure (exit code 3).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Step { .. } | Self::Target { .. } | Self::Usage(_) => true,
            Self::Discover { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
            Self::Snapshot { .. }
            | Self::Engine { .. }
            | Self::Report(_)
            | Self::Write { .. }
            | Self::Interrupted { .. }
            | Self::TimedOut { .. }
            | Self::ApiServer { .. } => false,
        }
    }
}

/// A path that is not there says so, with the way to the built-in suites.
fn discover_message(path: &std::path::Path, source: &std::io::Error) -> String {
    if source.kind() == std::io::ErrorKind::NotFound {
        format!(
            "{}: no such file or folder (the built-in suites are `builtin:` or `builtin:PROVIDER`; `hooksim list builtin:` shows them)",
            path.display()
        )
    } else {
        format!("{}: {source}", path.display())
    }
}
