//! The exit codes, as the README documents them.

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every scenario passed (or the command did what was asked).
    Pass = 0,
    /// A scenario failed: an expectation did not hold or a snapshot differs.
    Failed = 1,
    /// Bad input: a scenario file, an argument, an unknown provider or event.
    BadInput = 2,
    /// Something broke while running: a port could not be bound, a file not written.
    Runtime = 3,
    /// Ctrl-C stopped the run; the reports hold what finished (128 + SIGINT, as shells report it).
    Interrupted = 130,
}

impl Exit {
    pub fn code(self) -> ExitCode {
        ExitCode::from(self as u8)
    }
}
