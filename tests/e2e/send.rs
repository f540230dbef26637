//! `hooksim send` against a small receiver written here: what it prints of
//! each answer, how many attempts it makes, and what it says about keys.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use tokio::runtime::Runtime;

use crate::receivers::serve;
use crate::{hooksim, stderr, stdout};

/// A receiver that answers every delivery with `status` and `body`, and
/// counts them.
struct Answering {
    url: String,
    received: Arc<AtomicUsize>,
    _runtime: Runtime,
}

impl Answering {
    fn start(status: StatusCode, body: &'static str) -> Self {
        let received = Arc::new(AtomicUsize::new(0));
        let counter = received.clone();
        let router = Router::new().route(
            "/hooks",
            post(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async move { (status, body) }
            }),
        );
        let (url, runtime) = serve(router, "/hooks");
        Self {
            url,
            received,
            _runtime: runtime,
        }
    }

    fn received(&self) -> usize {
        self.received.load(Ordering::SeqCst)
    }

    /// `hooksim send PROVIDER EVENT --target <this receiver> EXTRA...`
    fn send(&self, provider: &str, event: &str, extra: &[&str]) -> std::process::Output {
        let mut args = vec!["send", provider, event, "--target", &self.url];
        args.extend(extra);
        hooksim(&args)
    }
}

const DOWN: &str = r#"{"error":"database is down"}"#;

#[test]
fn each_attempt_shows_the_status_and_body_the_receiver_answered() {
    let receiver = Answering::start(StatusCode::SERVICE_UNAVAILABLE, DOWN);
    let output = receiver.send(
        "hemnet",
        "CONTACT.CREATE",
        &["--secret", "k", "--max-attempts", "2"],
    );
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}{}", stderr(&output));
    let answer = format!("answered 503, body ({} bytes): {DOWN}", DOWN.len());
    assert_eq!(out.matches(&answer).count(), 2, "{out}");
    assert!(out.contains("attempt 1 at +0s: rejected 503"), "{out}");
    assert!(out.contains("attempt 2 at +1m: rejected 503"), "{out}");
    assert!(out.contains("gave up after 2 attempts"), "{out}");
    assert_eq!(receiver.received(), 2);
}

#[test]
fn an_empty_answer_says_so() {
    let receiver = Answering::start(StatusCode::NO_CONTENT, "");
    let output = receiver.send("spark", "New", &[]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    assert!(out.contains("attempt 1 at +0s: acknowledged 204"), "{out}");
    assert!(out.contains("answered 204 with an empty body"), "{out}");
}

#[test]
fn once_makes_one_attempt_whatever_the_answer() {
    let receiver = Answering::start(StatusCode::INTERNAL_SERVER_ERROR, "oops");
    let output = receiver.send("hemnet", "CONTACT.CREATE", &["--secret", "k", "--once"]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}{}", stderr(&output));
    assert!(out.contains("(schedule cut at 1 attempt)"), "{out}");
    assert!(out.contains("gave up after 1 attempt\n"), "{out}");
    assert_eq!(receiver.received(), 1);
}

#[test]
fn without_once_the_whole_schedule_is_tried() {
    let receiver = Answering::start(StatusCode::INTERNAL_SERVER_ERROR, "oops");
    let output = receiver.send("spark", "New", &[]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}{}", stderr(&output));
    // Spark's assumed schedule: the first attempt and seven retries.
    assert!(out.contains("gave up after 8 attempts"), "{out}");
    assert_eq!(receiver.received(), 8);
}

#[test]
fn attempts_beyond_the_schedule_or_none_at_all_are_bad_input() {
    let receiver = Answering::start(StatusCode::OK, "");
    for n in ["0", "18"] {
        let output = receiver.send(
            "hemnet",
            "CONTACT.CREATE",
            &["--secret", "k", "--max-attempts", n],
        );
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!(
                "--max-attempts {n}: hemnet's retry schedule has 17 attempts; give 1 to 17"
            )),
            "{err}"
        );
    }
    let both = receiver.send(
        "hemnet",
        "CONTACT.CREATE",
        &["--once", "--max-attempts", "2"],
    );
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    assert!(
        stderr(&both).contains("cannot be used with"),
        "{}",
        stderr(&both)
    );
    assert_eq!(receiver.received(), 0);
}

#[test]
fn a_signing_provider_without_secret_names_the_key_it_signs_with() {
    let receiver = Answering::start(StatusCode::OK, "");
    let output = receiver.send("hemnet", "CONTACT.CREATE", &["--once"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "note: no --secret given; signing with the default test key `hooksim-test-secret`"
        ),
        "{err}"
    );
    let atlas = receiver.send("propertyfinder-atlas", "lead.created", &["--once"]);
    assert!(
        stderr(&atlas).contains("note: no --secret given; sending without X-Signature"),
        "{}",
        stderr(&atlas)
    );
    let given = receiver.send("hemnet", "CONTACT.CREATE", &["--once", "--secret", "k"]);
    assert_eq!(given.status.code(), Some(0), "{}", stderr(&given));
    assert!(!stderr(&given).contains("note:"), "{}", stderr(&given));
}

#[test]
fn a_secret_for_a_provider_that_signs_nothing_is_bad_input() {
    let receiver = Answering::start(StatusCode::OK, "");
    for (provider, event) in [
        ("spark", "New"),
        ("flow", "OppdragCreated"),
        ("propertyfinder", "lead.new"),
        ("everreal", "LISTING_CANDIDATE_APPLIED"),
    ] {
        let output = receiver.send(provider, event, &["--secret", "k"]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{provider}: {err}");
        assert!(
            err.contains(&format!("--secret: {provider} deliveries are not signed")),
            "{err}"
        );
    }
    assert_eq!(receiver.received(), 0);
}

#[test]
fn a_send_has_no_scenario_line_to_show() {
    let receiver = Answering::start(StatusCode::OK, "");
    let output = receiver.send("hemnet", "CONTACT.CREATE", &["--once", "--secret", "k"]);
    let out = stdout(&output);
    assert!(
        out.contains("\nstep 1: deliver CONTACT.CREATE (schedule cut at 1 attempt)\n"),
        "{out}"
    );
    assert!(!out.contains("(line 0)"), "{out}");
}

#[test]
fn a_send_to_a_receiver_that_never_answers_stops_at_its_timeout_with_exit_1() {
    // Accepts and never answers: each of Spark's attempts would wait 5 s.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}/spark", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(4).flatten() {
            held.push(stream);
        }
    });
    let started = std::time::Instant::now();
    let output = hooksim(&["send", "spark", "New", "--target", &url, "--timeout", "2s"]);
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("timed out"), "{}", stderr(&output));
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    // The transcript so far is printed: the policy it ran under.
    assert!(
        stdout(&output).contains("response timeout: 5s"),
        "{}",
        stdout(&output)
    );
}
