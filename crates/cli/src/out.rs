//! Printing that survives a closed pipe. `hooksim list | head -1` closes
//! stdout after one line; `println!` would panic there (exit 101). These
//! write what they can and drop the rest, so a command finishes its work
//! (a run still writes its reports) and exits with the code it earned.

use std::io::Write as _;

/// `println!` to stdout, quiet when stdout is closed.
macro_rules! outln {
    () => {
        $crate::out::stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::out::stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` to stdout (flushed, for prompts), quiet when stdout is closed.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::out::stdout_flushed(format_args!($($arg)*))
    };
}

/// `eprintln!`, quiet when stderr is closed.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::out::stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub fn stdout(text: std::fmt::Arguments<'_>) {
    let _ = std::io::stdout().lock().write_fmt(text);
}

pub fn stdout_flushed(text: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_fmt(text);
    let _ = out.flush();
}

pub fn stderr(text: std::fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(text);
}
