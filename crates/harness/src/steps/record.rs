//! What a step did ([`Record`]), written the step's own way in the
//! transcript, the console and the JSON report.

use std::fmt::Debug;
use std::sync::Arc;

use hooksim_simulator::policy::DeliveryPolicy;
use hooksim_simulator::providers::ProviderId;
use serde_json::Value;

use super::deliver::DeliveryRecord;

/// What one step did, as the transcript and the reports show it.
pub type StepRecord = Arc<dyn Record>;

/// What a step did, written the step's own way in each output.
pub trait Record: Debug + Send + Sync {
    /// The transcript's line for the step, after `heading: `, and any lines under it.
    fn transcript(&self, out: &mut String, heading: &str, answers: Answers);

    /// How the console names a step whose checks failed (empty: nothing more to say).
    fn title(&self) -> String {
        String::new()
    }

    /// The console's lines under a failed step's checks.
    fn failure_details(&self, _out: &mut String, _provider: ProviderId, _policy: &DeliveryPolicy) {}

    /// The step's `kind` in the JSON report.
    fn json_kind(&self) -> &'static str;

    /// The step's `title` in the JSON report.
    fn json_title(&self) -> String;

    /// A section of the step's own in the JSON report: `("burst", {...})`.
    fn json_section(&self) -> Option<(&'static str, Value)> {
        None
    }

    /// The deliveries the step made, for the reports that draw them.
    fn delivery(&self) -> Option<&DeliveryRecord> {
        None
    }

    /// How many attempts the step sent to the receiver.
    fn attempts(&self) -> usize {
        0
    }
}

/// Whether a transcript shows what the receiver answered to each attempt.
/// Snapshots leave the answers out: a receiver's body may change from run
/// to run (a timestamp, a request id) without anything having changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    LeftOut,
    /// A line under each attempt with the status and the start of the body.
    Shown,
}

/// The characters of a body shown in a line of output.
const EXCERPT_CHARS: usize = 200;

/// The start of a body on one line: line breaks and other control
/// characters as spaces, cut at [`EXCERPT_CHARS`] with a `…`.
pub(crate) fn body_excerpt(body: &str) -> String {
    let body = body.trim();
    let mut excerpt: String = body
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.chars().nth(EXCERPT_CHARS).is_some() {
        excerpt.push('…');
    }
    excerpt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_excerpt_is_one_line_and_says_where_it_was_cut() {
        assert_eq!(
            body_excerpt("  <h1>Bad\r\nGateway</h1>\n"),
            "<h1>Bad  Gateway</h1>"
        );
        let long = "é".repeat(EXCERPT_CHARS + 1);
        let excerpt = body_excerpt(&long);
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
        assert!(excerpt.ends_with("é…"), "{excerpt}");
        assert_eq!(
            body_excerpt(&long[..EXCERPT_CHARS * 2]),
            "é".repeat(EXCERPT_CHARS)
        );
    }
}
