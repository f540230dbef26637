//! The `hooksim` binary: parses arguments, runs a command from the library
//! crates, renders the result and maps it to a documented exit code.

mod args;
mod commands;
mod exit;

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    let args = args::Args::parse();
    exit::Exit::code(commands::dispatch(args))
}
