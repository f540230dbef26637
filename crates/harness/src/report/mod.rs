//! Ways to show a run: the console, GitHub Actions annotations and job
//! summary, JUnit XML, JSON and a self-contained HTML page.

pub mod console;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
