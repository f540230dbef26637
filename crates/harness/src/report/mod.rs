//! Ways to show a run: the console now; JUnit, JSON and HTML beside it.

pub mod console;
