//! `replay`: send a captured delivery (a `hooksim capture` file) or a
//! hand-written JSON payload under the provider's full policy. Re-signed
//! (the default), the payload is re-encoded the provider's way and signed
//! with the scenario's key, and `set` may change it; byte-exact
//! (`resign: false`), the capture's own bytes go with its own signature.
//! The file is read with the scenario, so a missing one is a mistake at
//! its line like any other.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use hooksim_simulator::capture::{self, Capture};
use hooksim_simulator::payload::set_path;
use hooksim_simulator::providers::ProviderId;
use serde_json::Value;

use super::deliver::{
    Exact, Sending, cut_schedule, max_attempts_key, read_max_attempts, send,
};
use super::{Ran, ReadContext, StepCx, StepKind, check_overrides};
use crate::error::HarnessError;
use crate::read::shape::{Key, Shape, names};
use crate::read::{Kind, Node, Override, Problem, Reader, optional};

#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// The file as the scenario names it.
    pub file: PathBuf,
    pub body: Replayed,
    /// Payload overrides by dotted path (re-signed replays only).
    pub set: Vec<Override>,
    /// Cut the provider's retry schedule after this many attempts.
    pub max_attempts: Option<u32>,
}

/// What a replay sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Replayed {
    /// A payload to encode the provider's way and sign with the scenario's key.
    Resigned(Value),
    /// A capture's exact bytes and its original signature.
    Exact(Exact),
}

fn keys() -> Vec<Key> {
    vec![
        Key::required(
            "file",
            "A capture file (`hooksim capture` writes them: `captures/hemnet/000001.capture.json`) or a JSON payload file, relative to the scenario file.",
            Shape::Text,
        ),
        Key::optional(
            "resign",
            "`true` (the default): re-encode the payload the provider's way and sign it with the scenario's key. `false`: the capture's exact bytes with its original signature.",
            Shape::Boolean,
        ),
        Key::optional(
            "set",
            "Payload overrides by dotted path, like `{ data.message: hi }` (with `resign: true` only: a byte-exact body cannot change).",
            Shape::dictionary(None, Shape::Any),
        ),
        max_attempts_key(),
    ]
}

impl StepKind for Replay {
    const KEYWORD: &'static str = "replay";
    const SUMMARY: &'static str = "Send a captured delivery or a JSON payload file under the provider's full policy: re-encoded and signed with the scenario's key, or byte-exact with its original signature (`resign: false`).";

    fn shape(_: Option<ProviderId>) -> Option<Shape> {
        Some(Shape::Mapping(keys()))
    }

    fn read(r: &mut Reader<'_>, key: &Node, value: &Node, cx: &mut ReadContext) -> Option<Self> {
        let entries = r.entries(value, key, "`replay`", &names(&keys()))?;
        let file = r.required(
            &entries,
            "file",
            "name the file to send, like `file: captures/hemnet/000001.capture.json`",
        );
        let resign = entries
            .get("resign")
            .map(|node| r.boolean(node, "resign"));
        let resign = optional(resign)?.unwrap_or(true);
        let set = entries.get("set").map(|node| r.overrides(node));
        let set = optional(set)?.unwrap_or_default();
        let max_attempts = optional(read_max_attempts(r, &entries))?;
        if let (false, Some(node)) = (resign, entries.key("set")) {
            r.report(
                node,
                Problem::new(
                    Kind::InvalidValue,
                    "a byte-exact replay cannot change its body",
                    "not with `resign: false`",
                )
                .with_help("leave `set` out, or re-sign the payload with `resign: true`"),
            );
            return None;
        }
        let file_node = file?;
        let file = PathBuf::from(r.string(file_node, "file")?);
        let path = match &cx.folder {
            Some(folder) => folder.join(&file),
            None => file.clone(),
        };
        let body = match load(&path, cx.provider, resign) {
            Ok(body) => body,
            Err(why) => {
                r.report(
                    file_node,
                    Problem::new(Kind::InvalidValue, why, "cannot be replayed").with_help(
                        "the path is relative to the scenario file; `hooksim capture` writes captures",
                    ),
                );
                return None;
            }
        };
        if let (Replayed::Resigned(payload), Some(node)) = (&body, entries.get("set"))
            && !check_overrides(r, node, &set, payload.clone())
        {
            return None;
        }
        Some(Replay {
            file,
            body,
            set,
            max_attempts,
        })
    }

    async fn run(&self, cx: &mut StepCx<'_>) -> Result<Ran, HarnessError> {
        let file = self.file.display();
        let (mut title, payload, exact) = match &self.body {
            Replayed::Resigned(payload) => {
                let mut payload = payload.clone();
                for o in &self.set {
                    set_path(&mut payload, &o.path, o.value.clone())
                        .map_err(|e| cx.step_error(e))?;
                }
                (format!("replay {file} (re-signed)"), payload, None)
            }
            Replayed::Exact(exact) => {
                // What the scenario keeps of it (the API's records, the
                // deliveries so far) is the body as JSON, when it is JSON.
                let payload = serde_json::from_slice(&exact.body).unwrap_or_else(|_| {
                    Value::String(String::from_utf8_lossy(&exact.body).into_owned())
                });
                (
                    format!("replay {file} (byte-exact, original signature)"),
                    payload,
                    Some(exact.clone()),
                )
            }
        };
        let schedule = cut_schedule(cx, &mut title, self.max_attempts);
        send(
            cx,
            Sending {
                title,
                payload,
                overrides: self.set.clone(),
                forgery: None,
                schedule,
                to_registered: None,
                exact,
            },
        )
        .await
    }
}

/// What replaying `path` in a scenario of `provider` sends: a capture's
/// body (as a payload, or exactly with its signature when not `resign`),
/// or a JSON file's payload. Every reason it cannot is a sentence.
pub fn load(path: &Path, provider: Option<ProviderId>, resign: bool) -> Result<Replayed, String> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let is_capture = path.to_string_lossy().ends_with(capture::SUFFIX)
        || serde_json::from_slice::<Value>(&bytes).is_ok_and(|json| {
            json.get("format")
                .and_then(Value::as_str)
                .is_some_and(|format| format.starts_with("hooksim-capture/"))
        });
    if !is_capture {
        if !resign {
            return Err(format!(
                "`{shown}` is a plain payload, not a capture: only a capture (`.capture.json`) \
                 keeps the original bytes and signature a byte-exact replay sends"
            ));
        }
        return serde_json::from_slice(&bytes)
            .map(Replayed::Resigned)
            .map_err(|e| format!("`{shown}` is not JSON: {e}"));
    }
    let capture = Capture::read(path).map_err(|e| e.to_string())?;
    if let Some(provider) = provider
        && capture.provider != provider.as_str()
    {
        return Err(format!(
            "`{shown}` is a capture of `{}`, not of `{provider}`",
            capture.provider
        ));
    }
    // `Capture::read` checked the base64.
    let body = capture.body().map_err(|e| format!("`{shown}`: {e}"))?;
    if resign {
        return serde_json::from_slice(&body).map(Replayed::Resigned).map_err(|e| {
            format!(
                "the body captured in `{shown}` is not JSON ({e}), so it cannot be re-encoded: \
                 replay it byte-exact with `resign: false`"
            )
        });
    }
    let scheme = provider.and_then(|p| p.provider().signature());
    // Several lines of one header mean what one line of the values joined by commas does.
    let signature = scheme.and_then(|scheme| {
        let values: Vec<&str> = capture.header_values(scheme.header).collect();
        (!values.is_empty()).then(|| values.join(", "))
    });
    Ok(Replayed::Exact(Exact {
        body: Bytes::from(body),
        signature,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooksim_simulator::capture::Answer;

    fn write_capture(dir: &Path, n: u64, provider: ProviderId, body: &[u8]) -> PathBuf {
        let capture = Capture::new(
            provider,
            "2026-12-03T15:40:00.123Z".to_owned(),
            ("POST".to_owned(), "/hemnet".to_owned(), None),
            vec![("x-signature".to_owned(), "abc".to_owned())],
            body,
            Answer {
                status: 200,
                forwarded_to: None,
            },
        );
        let path = dir.join(capture::file_name(n));
        std::fs::write(&path, capture.to_file_text()).expect("write");
        path
    }

    #[test]
    fn a_capture_replays_as_its_payload_or_its_exact_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let body = br#"{"a": "\u0026"}"#;
        let path = write_capture(dir.path(), 1, ProviderId::Hemnet, body);
        assert_eq!(
            load(&path, Some(ProviderId::Hemnet), true),
            Ok(Replayed::Resigned(serde_json::json!({"a": "&"})))
        );
        assert_eq!(
            load(&path, Some(ProviderId::Hemnet), false),
            Ok(Replayed::Exact(Exact {
                body: Bytes::from_static(body),
                signature: Some("abc".to_owned()),
            }))
        );
    }

    #[test]
    fn what_cannot_be_replayed_says_why() {
        let dir = tempfile::tempdir().expect("temp dir");
        let capture = write_capture(dir.path(), 1, ProviderId::Spark, b"{}");
        let plain = dir.path().join("payload.json");
        std::fs::write(&plain, "{\"type\":\"CONTACT\"}").expect("write");
        let binary = write_capture(dir.path(), 2, ProviderId::Hemnet, &[0xff]);
        for (path, resign, says) in [
            (dir.path().join("missing.json"), true, "cannot read"),
            (capture, true, "a capture of `spark`, not of `hemnet`"),
            (plain.clone(), false, "is a plain payload, not a capture"),
            (binary, true, "is not JSON"),
        ] {
            let why = load(&path, Some(ProviderId::Hemnet), resign).expect_err(says);
            assert!(why.contains(says), "{why}");
        }
        assert!(load(&plain, Some(ProviderId::Hemnet), true).is_ok());
    }
}
