//! `hooksim capture` as a receiver and as a recording proxy, and what it
//! keeps sent again: `hooksim send --body` (re-signed and byte-exact) and a
//! scenario's `replay` step, against small receivers written here.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use hooksim_simulator::capture::{Capture, capture_files};
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::signing::verify_hmac_sha256_hex;
use tokio::runtime::Runtime;

use crate::receivers::{free_port, serve};
use crate::{hooksim, stderr, stdout};

/// A `hooksim capture` process on a free loopback port, stopped (Ctrl-C) when dropped.
struct Capturing {
    child: Child,
    /// `http://127.0.0.1:PORT`, as its first line says.
    url: String,
    out: tempfile::TempDir,
    lines: mpsc::Receiver<String>,
}

impl Capturing {
    fn start(provider: &str, extra: &[&str]) -> Self {
        let out = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_hooksim"))
            .args(["capture", provider, "--listen", "127.0.0.1:0", "--out"])
            .arg(out.path())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("hooksim capture starts");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines
            .recv_timeout(Duration::from_secs(20))
            .expect("hooksim capture names its address");
        let url = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first}"))
            .to_owned();
        Self {
            child,
            url,
            out,
            lines,
        }
    }

    /// Every capture of `provider` so far, in the order received.
    fn captures(&self, provider: &str) -> Vec<(PathBuf, Capture)> {
        capture_files(&self.out.path().join(provider))
            .expect("the provider's folder")
            .into_iter()
            .map(|path| {
                let capture = Capture::read(&path).expect("a capture");
                (path, capture)
            })
            .collect()
    }

    /// The lines printed since the last call (the listening lines aside).
    fn printed(&self) -> Vec<String> {
        self.lines
            .try_iter()
            .filter(|line| line.starts_with("captured "))
            .collect()
    }

    /// Ctrl-C, and the exit code.
    fn stop(mut self) -> Option<i32> {
        interrupt(&self.child);
        self.child.wait().expect("hooksim capture ends").code()
    }
}

impl Drop for Capturing {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            interrupt(&self.child);
            let _ = self.child.wait();
        }
    }
}

fn interrupt(child: &Child) {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
}

/// One request as a receiver written here saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

/// A receiver that keeps every request and answers it with what `answer` says.
struct Recording {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    _runtime: Runtime,
}

impl Recording {
    fn start(
        answer: impl Fn(&Seen) -> (StatusCode, HeaderMap, &'static str) + Clone + Send + Sync + 'static,
    ) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let keep = seen.clone();
        let router = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let request = Seen {
                    method,
                    uri,
                    headers,
                    body,
                };
                let answered = answer(&request);
                keep.lock().expect("not poisoned").push(request);
                async move { answered }
            },
        );
        let (url, runtime) = serve(router, "");
        Self {
            url,
            seen,
            _runtime: runtime,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("not poisoned").clone()
    }
}

/// A Hemnet receiver that trusts `keys`: 200 for a body signed with one of
/// them (X-Signature, HMAC-SHA256 hex of the raw body), else 401.
fn hemnet_receiver(keys: &'static [&'static str]) -> Recording {
    Recording::start(move |seen| {
        let signature = seen
            .headers
            .get("x-signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let valid = keys
            .iter()
            .any(|key| verify_hmac_sha256_hex(key.as_bytes(), &seen.body, signature));
        let status = if valid {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        (status, HeaderMap::new(), "")
    })
}

/// `hooksim send hemnet CONTACT.CREATE --target TARGET --once EXTRA...`
fn send_contact_once(target: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "send",
        "hemnet",
        "CONTACT.CREATE",
        "--target",
        target,
        "--once",
    ];
    args.extend(extra);
    hooksim(&args)
}

/// The `body (N bytes): TEXT` and header lines of a send's transcript.
fn sent(transcript: &str) -> (Vec<(String, String)>, String) {
    let mut headers = Vec::new();
    let mut lines = transcript
        .lines()
        .skip_while(|l| !l.trim().starts_with("POST "));
    lines.next();
    for line in lines {
        let line = line.trim_start();
        if let Some(rest) = line.strip_prefix("body (") {
            let body = rest.split_once("): ").map(|(_, b)| b).unwrap_or_default();
            return (headers, body.to_owned());
        }
        if let Some((name, value)) = line.split_once(": ") {
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    panic!("no body in\n{transcript}");
}

#[test]
fn every_event_of_every_provider_is_captured_byte_for_byte_and_answered_as_success() {
    for id in ProviderId::ALL {
        let provider = id.as_str();
        let capturing = Capturing::start(provider, &[]);
        let target = format!("{}/{provider}", capturing.url);
        let events = id.provider().events();
        for (n, event) in events.iter().enumerate() {
            let output = hooksim(&["send", provider, event.name, "--target", &target, "--once"]);
            let transcript = stdout(&output);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{provider} {}: capture answers the provider's success\n{transcript}{}",
                event.name,
                stderr(&output)
            );
            let captures = capturing.captures(provider);
            assert_eq!(captures.len(), n + 1, "{provider} {}", event.name);
            let (_, capture) = &captures[n];
            let (headers, body) = sent(&transcript);
            assert_eq!(capture.body_text.as_deref(), Some(body.as_str()));
            assert_eq!(capture.method, "POST");
            assert_eq!(capture.path, format!("/{provider}"));
            for (name, value) in headers {
                let values: Vec<&str> = capture.header_values(&name).collect();
                assert_eq!(values.len(), 1, "{provider} {name}: {values:?}");
                // A redacted header (a signature, a stamp) shows what it is, not its value.
                if !value.starts_with('[') {
                    assert_eq!(values[0], value, "{provider} {name}");
                }
            }
            assert!(
                id.provider()
                    .policy()
                    .success
                    .value
                    .accepts(capture.answer.status)
            );
            assert_eq!(capture.answer.forwarded_to, None);
        }
        // hooksim's own deliveries, captured, match hooksim's model: no drift.
        let out = capturing
            .out
            .path()
            .to_str()
            .expect("a UTF-8 path")
            .to_owned();
        let mut check = vec!["capture", "check", out.as_str()];
        if id == ProviderId::Hemnet {
            check.extend([
                "--secret",
                hooksim_simulator::providers::hemnet::DEFAULT_SECRET,
            ]);
        }
        let checked = hooksim(&check);
        let report = stdout(&checked);
        assert_eq!(
            checked.status.code(),
            Some(0),
            "{provider}: drift\n{report}"
        );
        let total = format!("{n} captures: {n} match, 0 drift", n = events.len());
        let total = total.replace("1 captures", "1 capture");
        assert!(report.contains(&total), "{provider}: {report}");
        let printed = capturing.printed();
        assert_eq!(printed.len(), events.len(), "{printed:?}");
        assert!(
            printed[0].starts_with(&format!("captured 000001 POST /{provider} -> 2")),
            "{printed:?}"
        );
        assert_eq!(capturing.stop(), Some(0), "Ctrl-C stops it cleanly");
    }
}

#[test]
fn forwarding_passes_the_same_bytes_and_headers_and_returns_the_receivers_answer() {
    let receiver = Recording::start(|_| {
        let mut headers = HeaderMap::new();
        headers.insert("x-receiver", "queued".parse().expect("a header value"));
        (StatusCode::ACCEPTED, headers, r#"{"queued":true}"#)
    });
    let forward = format!("{}/base/", receiver.url);
    let capturing = Capturing::start("hemnet", &["--forward", &forward]);
    let target = format!("{}/hemnet?shard=2", capturing.url);
    let output = send_contact_once(&target, &[]);
    let transcript = stdout(&output);
    assert!(
        transcript.contains(r#"answered 202, body (15 bytes): {"queued":true}"#),
        "{transcript}"
    );
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    let [(_, capture)] = &capturing.captures("hemnet")[..] else {
        panic!("one capture");
    };
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].uri.to_string(), "/base/hemnet?shard=2");
    assert_eq!(seen[0].body.to_vec(), capture.body().expect("base64"));
    for (name, value) in &capture.headers {
        if name == "host" {
            continue;
        }
        let values: Vec<&str> = seen[0]
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| v.to_str().expect("text"))
            .collect();
        assert_eq!(values, [value.as_str()], "{name}");
    }
    assert_eq!(seen[0].headers.len(), capture.headers.len());
    assert_eq!(capture.answer.status, 202);
    assert_eq!(
        capture.answer.forwarded_to.as_deref(),
        Some(forward.as_str())
    );
    drop(capturing);

    let nobody = format!("http://127.0.0.1:{}/", free_port());
    let capturing = Capturing::start("spark", &["--forward", &nobody]);
    let target = format!("{}/spark", capturing.url);
    let output = hooksim(&["send", "spark", "New", "--target", &target, "--once"]);
    assert!(
        stdout(&output).contains("answered 502"),
        "{}",
        stdout(&output)
    );
    let captures = capturing.captures("spark");
    assert_eq!(captures[0].1.answer.status, 502);
}

/// A Hemnet delivery signed with `key`, as `hooksim capture` kept it.
fn captured_hemnet(key: &str) -> (tempfile::TempDir, PathBuf, Capture) {
    let capturing = Capturing::start("hemnet", &[]);
    let target = format!("{}/hemnet", capturing.url);
    let output = send_contact_once(&target, &["--secret", key]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let (path, capture) = capturing.captures("hemnet").remove(0);
    let kept = tempfile::tempdir().expect("temp dir");
    let copy = kept.path().join("000001.capture.json");
    std::fs::copy(&path, &copy).expect("copy");
    (kept, copy, capture)
}

#[test]
fn a_capture_sent_again_is_byte_exact_with_its_signature_or_re_signed_with_the_send_key() {
    let (_kept, file, capture) = captured_hemnet("first-key");
    let receiver = hemnet_receiver(&["second-key"]);
    let file = file.to_str().expect("a UTF-8 path");
    let exact = hooksim(&[
        "send",
        "hemnet",
        "--body",
        file,
        "--exact",
        "--target",
        &receiver.url,
        "--once",
    ]);
    assert_eq!(
        exact.status.code(),
        Some(1),
        "the original key is not trusted"
    );
    let resigned = hooksim(&[
        "send",
        "hemnet",
        "--body",
        file,
        "--secret",
        "second-key",
        "--target",
        &receiver.url,
        "--once",
    ]);
    assert_eq!(
        resigned.status.code(),
        Some(0),
        "re-signed with the send's key\n{}{}",
        stdout(&resigned),
        stderr(&resigned)
    );
    let seen = receiver.seen();
    let original: Vec<&str> = capture.header_values("x-signature").collect();
    assert_eq!(seen[0].body.to_vec(), capture.body().expect("base64"));
    assert_eq!(
        seen[0]
            .headers
            .get("x-signature")
            .map(|v| v.to_str().expect("text")),
        original.first().copied()
    );
    assert!(verify_hmac_sha256_hex(
        b"second-key",
        &seen[1].body,
        seen[1].headers["x-signature"].to_str().expect("text")
    ));

    let plain = _kept.path().join("payload.json");
    std::fs::write(&plain, capture.body_text.as_deref().expect("text")).expect("write");
    let plain = plain.to_str().expect("a UTF-8 path");
    let refused = hooksim(&[
        "send",
        "hemnet",
        "--body",
        plain,
        "--exact",
        "--target",
        &receiver.url,
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("is a plain payload, not a capture"),
        "{}",
        stderr(&refused)
    );
    let set = hooksim(&[
        "send",
        "hemnet",
        "--body",
        plain,
        "--set",
        "data.message=hi",
        "--secret",
        "second-key",
        "--target",
        &receiver.url,
        "--once",
    ]);
    assert_eq!(set.status.code(), Some(0), "{}", stderr(&set));
    let last = receiver.seen().pop().expect("a third delivery");
    let payload: serde_json::Value = serde_json::from_slice(&last.body).expect("JSON");
    assert_eq!(payload["data"]["message"], "hi");
    let wrong = hooksim(&["send", "spark", "--body", file, "--target", &receiver.url]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("a capture of `hemnet`, not of `spark`"),
        "{}",
        stderr(&wrong)
    );
}

fn scenario(dir: &Path, steps: &str) -> PathBuf {
    let path = dir.join("replay.yaml");
    let text = format!(
        "name: A captured delivery replayed\n\
         provider: hemnet\n\
         rule: hemnet/replay\n\
         source: https://integration.testhemnet.se/webhook/documentation § Signature\n\
         target: /hemnet\n\
         settings: {{ secret: scenario-key }}\n\
         steps:\n{steps}"
    );
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn a_scenario_replays_a_capture_re_signed_and_byte_exact() {
    let (kept, _file, capture) = captured_hemnet("first-key");
    std::fs::create_dir_all(kept.path().join("captures")).expect("folder");
    std::fs::rename(
        kept.path().join("000001.capture.json"),
        kept.path().join("captures/000001.capture.json"),
    )
    .expect("move");
    let receiver = hemnet_receiver(&["scenario-key", "first-key"]);
    let path = scenario(
        kept.path(),
        "  - replay: { file: captures/000001.capture.json, set: { data.message: again } }\n    expect: { acknowledged: true }\n\
         \x20 - replay: { file: captures/000001.capture.json, resign: false }\n    expect: { acknowledged: true }\n",
    );
    let base = receiver.url.clone();
    let output = hooksim(&["run", path.to_str().expect("UTF-8"), "--target", &base]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let seen = receiver.seen();
    assert_eq!(seen.len(), 2);
    assert!(verify_hmac_sha256_hex(
        b"scenario-key",
        &seen[0].body,
        seen[0].headers["x-signature"].to_str().expect("text")
    ));
    assert_eq!(seen[1].body.to_vec(), capture.body().expect("base64"));

    let missing = scenario(
        kept.path(),
        "  - replay: { file: captures/999999.capture.json }\n",
    );
    let output = hooksim(&["run", missing.to_str().expect("UTF-8"), "--target", &base]);
    assert_eq!(output.status.code(), Some(2));
    let shown = stderr(&output) + &stdout(&output);
    assert!(shown.contains("cannot read"), "{shown}");
    assert!(shown.contains("replay.yaml:8:"), "{shown}");

    let exact_set = scenario(
        kept.path(),
        "  - replay: { file: captures/000001.capture.json, resign: false, set: { a: 1 } }\n",
    );
    let output = hooksim(&["run", exact_set.to_str().expect("UTF-8"), "--target", &base]);
    assert_eq!(output.status.code(), Some(2));
    let shown = stderr(&output) + &stdout(&output);
    assert!(
        shown.contains("a byte-exact replay cannot change its body"),
        "{shown}"
    );
}

#[test]
fn capture_refuses_an_address_other_than_loopback_and_an_unknown_provider() {
    let output = hooksim(&["capture", "hemnet", "--listen", "0.0.0.0:0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("loopback address only"),
        "{}",
        stderr(&output)
    );
    let output = hooksim(&["capture", "hemnett", "--listen", "127.0.0.1:0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("did you mean `hemnet`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn capture_with_redact_writes_only_redacted_captures() {
    let capturing = Capturing::start("hemnet", &["--redact", "7"]);
    let target = format!("{}/hemnet", capturing.url);
    let sent = send_contact_once(&target, &["--set", "data.firstName=Gunnel"]);
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    let captures = capturing.captures("hemnet");
    assert_eq!(captures.len(), 1);
    let (path, capture) = &captures[0];
    let text = std::fs::read_to_string(path).expect("the capture");
    assert!(!text.contains("Gunnel"), "{text}");
    assert_eq!(capture.redacted.map(|r| r.seed), Some(7));
    assert_eq!(capturing.stop(), Some(0));
}
