//! Ways to show a run: the console, JUnit XML, JSON and a self-contained HTML page.

pub mod console;
pub mod html;
pub mod json;
pub mod junit;
