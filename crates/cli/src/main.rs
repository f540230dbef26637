//! The `hooksim` binary: parses arguments, runs a command from the library
//! crates, renders the result and maps it to a documented exit code.

#[macro_use]
mod out;

mod args;
mod commands;
mod config;
mod exit;

use clap::Parser as _;

// A burst allocates a little per delivery on every worker thread at once;
// glibc's malloc then spends its time on arena locks (seen in perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = args::Args::parse();
    exit::Exit::code(commands::dispatch(args))
}
