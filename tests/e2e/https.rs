//! https receivers: the reference receiver served over TLS with a
//! self-signed certificate passes `hooksim run` (deliveries and a burst)
//! and `hooksim send` with `--ca-cert`, and fails with the certificate
//! outcome named without it.

use std::path::PathBuf;

use tokio::runtime::Runtime;

use crate::tls_receiver::{Identity, serve_https};
use crate::{hooksim, stderr, stdout};

const SCENARIOS: [&str; 2] = [
    "scenarios/hemnet/signature-raw-body.yaml",
    "scenarios/hemnet/burst-under-load.yaml",
];

/// The reference receiver over https on a free loopback port, its Hemnet
/// URL, the CA file that trusts it, and what must stay alive meanwhile.
struct HttpsReceiver {
    hemnet_url: String,
    ca_cert: PathBuf,
    _dir: tempfile::TempDir,
    _runtime: Runtime,
}

fn https_reference_receiver() -> HttpsReceiver {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let identity = Identity::self_signed(&["localhost", "127.0.0.1"]);
    let router = hooksim_receiver::router(hooksim_receiver::ReceiverConfig::default());
    let addr = runtime.block_on(serve_https(router, &identity));
    let dir = tempfile::tempdir().expect("temp dir");
    HttpsReceiver {
        hemnet_url: format!("https://{addr}/hemnet"),
        ca_cert: identity.write_trust_pem(dir.path()),
        _dir: dir,
        _runtime: runtime,
    }
}

fn run_against(receiver: &HttpsReceiver, extra: &[&str]) -> std::process::Output {
    let target = format!("hemnet={}", receiver.hemnet_url);
    let mut args = vec!["run"];
    args.extend(SCENARIOS);
    args.extend(["--target", &target]);
    args.extend(extra);
    hooksim(&args)
}

#[test]
fn a_self_signed_https_receiver_passes_with_its_certificate_given() {
    let receiver = https_reference_receiver();
    let ca_cert = receiver.ca_cert.to_str().expect("utf-8 path");
    let output = run_against(&receiver, &["--ca-cert", ca_cert]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}\n{}", stderr(&output));
    assert!(out.contains("2 passed, 0 failed"), "{out}");
}

#[test]
fn without_its_certificate_the_run_fails_naming_the_certificate_outcome() {
    let receiver = https_reference_receiver();
    let output = run_against(&receiver, &[]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}\n{}", stderr(&output));
    // The burst's rule is an assumed one: it warns, and counts as passed.
    assert!(out.contains("1 passed, 1 failed"), "{out}");
    assert!(out.contains("FAIL hemnet/signature-raw-body"), "{out}");
    let last_attempt_refused = out.lines().any(|line| {
        line.trim_start().starts_with("last attempt")
            && line.contains("TLS certificate refused: unknown issuer")
    });
    assert!(last_attempt_refused, "{out}");
    // The burst's own connections refuse it too, and count it by name.
    assert!(out.contains("(1000 tls-certificate)"), "{out}");
}

#[test]
fn insecure_accepts_the_certificate_and_says_so() {
    let receiver = https_reference_receiver();
    let output = run_against(&receiver, &["--insecure"]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}\n{}", stderr(&output));
    assert!(
        stderr(&output)
            .contains("warning: --insecure: the certificates of https receivers are not checked"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn send_trusts_what_run_trusts() {
    let receiver = https_reference_receiver();
    let ca_cert = receiver.ca_cert.to_str().expect("utf-8 path");
    let send = |extra: &[&str]| {
        let mut args = vec![
            "send",
            "hemnet",
            "CONTACT.CREATE",
            "--target",
            &receiver.hemnet_url,
            "--secret",
            "hooksim-test-secret",
        ];
        args.extend(extra);
        hooksim(&args)
    };
    let trusted = send(&["--ca-cert", ca_cert]);
    assert_eq!(trusted.status.code(), Some(0), "{}", stdout(&trusted));
    assert!(
        stdout(&trusted).contains("attempt 1 at +0s: acknowledged 200"),
        "{}",
        stdout(&trusted)
    );
    let untrusted = send(&[]);
    assert_eq!(untrusted.status.code(), Some(1), "{}", stdout(&untrusted));
    assert!(
        stdout(&untrusted).contains("TLS certificate refused: unknown issuer"),
        "{}",
        stdout(&untrusted)
    );
}

#[test]
fn a_ca_file_that_cannot_be_used_is_bad_input_before_anything_is_sent() {
    // Bound and listening, but never accepting: a connection would wait in its backlog.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let target = format!(
        "hemnet=https://{}/hemnet",
        listener.local_addr().expect("addr")
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let not_pem = dir.path().join("key.txt");
    std::fs::write(&not_pem, "not a certificate").expect("write");
    let missing = dir.path().join("missing.pem");
    for (file, why) in [
        (&not_pem, "holds no PEM certificate"),
        (&missing, "missing.pem"),
    ] {
        let output = hooksim(&[
            "run",
            SCENARIOS[0],
            "--target",
            &target,
            "--ca-cert",
            file.to_str().expect("utf-8 path"),
        ]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{err}");
        assert!(
            err.contains("error: --ca-cert: CA certificate file"),
            "{err}"
        );
        assert!(err.contains(why), "{err}");
    }
    assert_eq!(
        listener.accept().map(|_| ()).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::WouldBlock),
        "nothing connected"
    );
}
