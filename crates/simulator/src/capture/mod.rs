//! Captured deliveries: what a provider really sent, kept byte for byte so
//! it can be checked against hooksim's model of the provider and replayed.
//!
//! One delivery is one file, `DIR/PROVIDER/NNNNNN.capture.json`, numbered in
//! the order received. The format (`hooksim-capture/1`) is JSON:
//!
//! ```json
//! {
//!   "format": "hooksim-capture/1",
//!   "provider": "hemnet",
//!   "received_at": "2026-12-03T15:40:00.123Z",
//!   "method": "POST",
//!   "path": "/webhooks/hemnet",
//!   "query": null,
//!   "headers": [["user-agent", "Hemnet API Client"], ["content-type", "application/json"]],
//!   "body_base64": "eyJ0eXBlIjoiQ09OVEFDVCIs...",
//!   "body_text": "{\"type\":\"CONTACT\",...}",
//!   "answer": { "status": 200, "forwarded_to": null }
//! }
//! ```
//!
//! - `headers` keeps their order and repeats. Names are lowercase, as HTTP/1
//!   header names are case-insensitive and the server reads them so.
//! - `body_base64` is the exact body. `body_text` is the same bytes for a
//!   person to read, present only when they are UTF-8; `body_base64` wins.
//! - `answer` is what the sender was told: the status, and the URL the
//!   delivery was forwarded to when it was.
//! - `redacted`, only on a redacted capture, holds the seed its personal
//!   data was replaced with ([`redact`]); its signature header then says
//!   it no longer fits.

pub mod server;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::providers::ProviderId;

pub mod check;
pub mod redact;

/// The format's name and version, the first field of every capture.
pub const FORMAT: &str = "hooksim-capture/1";
/// A capture file's name ends so.
pub const SUFFIX: &str = ".capture.json";

/// One delivery as it was received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capture {
    pub format: String,
    /// The provider's id (`hemnet`), as the capture server was told.
    pub provider: String,
    /// RFC 3339, UTC, milliseconds.
    pub received_at: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// `(name, value)` in the order received; names lowercase.
    pub headers: Vec<(String, String)>,
    pub body_base64: String,
    /// The body again when it is UTF-8, for people; `body_base64` is the truth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    pub answer: Answer,
    /// Set when personal data was replaced (`hooksim capture redact`): the
    /// body was encoded again and the signature no longer fits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<Redaction>,
}

/// How a capture was redacted ([`redact`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    /// The seed the replacements were drawn with: the same seed gives the
    /// same replacement for the same value in every capture.
    pub seed: u64,
}

/// What the sender was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub status: u16,
    /// The team's receiver the delivery went on to, in forwarding mode.
    #[serde(default)]
    pub forwarded_to: Option<String>,
}

/// Why a capture could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a capture: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
}

impl Capture {
    /// A capture of one request, body kept exactly.
    pub fn new(
        provider: ProviderId,
        received_at: String,
        (method, path, query): (String, String, Option<String>),
        headers: Vec<(String, String)>,
        body: &[u8],
        answer: Answer,
    ) -> Self {
        Self {
            format: FORMAT.to_owned(),
            provider: provider.as_str().to_owned(),
            received_at,
            method,
            path,
            query,
            headers,
            body_base64: base64::engine::general_purpose::STANDARD.encode(body),
            body_text: std::str::from_utf8(body).ok().map(str::to_owned),
            answer,
            redacted: None,
        }
    }

    /// The exact body.
    pub fn body(&self) -> Result<Vec<u8>, base64::DecodeError> {
        base64::engine::general_purpose::STANDARD.decode(&self.body_base64)
    }

    /// Every value of header `name` (any case), in the order received.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The capture's provider, when it is one hooksim knows.
    pub fn provider_id(&self) -> Option<ProviderId> {
        ProviderId::parse(&self.provider).ok()
    }

    /// Read one capture file.
    pub fn read(path: &Path) -> Result<Self, CaptureError> {
        let text = std::fs::read_to_string(path).map_err(|source| CaptureError::Io {
            path: path.to_owned(),
            source,
        })?;
        let capture: Self = serde_json::from_str(&text).map_err(|e| CaptureError::Invalid {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        if capture.format != FORMAT {
            return Err(CaptureError::Invalid {
                path: path.to_owned(),
                reason: format!("format `{}`, not `{FORMAT}`", capture.format),
            });
        }
        if let Err(e) = capture.body() {
            return Err(CaptureError::Invalid {
                path: path.to_owned(),
                reason: format!("body_base64 is not base64: {e}"),
            });
        }
        Ok(capture)
    }

    /// The capture as its file holds it: pretty JSON and a final newline.
    pub fn to_file_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Every capture file under `dir` (any depth), in name order.
pub fn capture_files(dir: &Path) -> Result<Vec<PathBuf>, CaptureError> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|source| CaptureError::Io {
            path: folder.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.to_string_lossy().ends_with(SUFFIX) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The name of the `n`th capture of a provider: `000042.capture.json`.
pub fn file_name(n: u64) -> String {
    format!("{n:06}{SUFFIX}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(body: &[u8]) -> Capture {
        Capture::new(
            ProviderId::Hemnet,
            "2026-12-03T15:40:00.123Z".to_owned(),
            ("POST".to_owned(), "/hemnet".to_owned(), None),
            vec![("x-signature".to_owned(), "ab".to_owned())],
            body,
            Answer {
                status: 200,
                forwarded_to: None,
            },
        )
    }

    #[test]
    fn a_capture_keeps_the_exact_body_and_reads_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let body = b"{\"a\":\"\\u0026\"}";
        let capture = sample(body);
        let path = dir.path().join(file_name(1));
        std::fs::write(&path, capture.to_file_text()).expect("write");
        let read = Capture::read(&path).expect("reads back");
        assert_eq!(read, capture);
        assert_eq!(read.body().expect("base64"), body);
        assert_eq!(
            read.header_values("X-Signature").collect::<Vec<_>>(),
            ["ab"]
        );
        assert_eq!(capture_files(dir.path()).expect("lists"), [path]);
    }

    #[test]
    fn a_body_that_is_not_utf8_has_no_text_but_keeps_its_bytes() {
        let capture = sample(&[0xff, 0x00, b'{']);
        assert_eq!(capture.body_text, None);
        assert_eq!(capture.body().expect("base64"), [0xff, 0x00, b'{']);
    }

    #[test]
    fn another_format_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(file_name(2));
        let mut capture = sample(b"{}");
        capture.format = "other/9".to_owned();
        std::fs::write(&path, capture.to_file_text()).expect("write");
        assert!(matches!(
            Capture::read(&path),
            Err(CaptureError::Invalid { .. })
        ));
    }
}
