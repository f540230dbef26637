//! Receivers written in a test, each getting one rule wrong as a customer
//! might, and the `hooksim run` that must catch them: serve the receiver,
//! run a suite at it, read back which rules failed.

use std::collections::BTreeSet;

use axum::Router;
use axum::http::HeaderMap;
use serde_json::Value;
use tokio::runtime::Runtime;

use crate::{hooksim, snapshot_copy, stdout};

/// Serves `router` on a free loopback port from a runtime of its own (the
/// tests themselves are synchronous: they run the binary and wait). Returns
/// the port's base URL joined with `route`, and the runtime, which must be
/// kept alive for as long as the receiver has to answer.
pub fn serve(router: Router, route: &str) -> (String, Runtime) {
    // Two workers, so a receiver that is slow on purpose never holds up
    // the next request.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}{route}", listener.local_addr().expect("addr"));
    runtime.spawn(async move { axum::serve(listener, router).await });
    (url, runtime)
}

/// A loopback port nothing listens on right now (for `--api-addr`, whose
/// address a receiver must know before hooksim starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// `hooksim run SCENARIOS... --target TARGET EXTRA...` against a copy of the
/// accepted snapshots: the exit code and the console output. `target` is
/// `provider=URL` or a base URL, as a customer would pass it.
pub fn run_suite_against(
    scenarios: &[&str],
    target: &str,
    extra: &[&str],
) -> (Option<i32>, String) {
    let snapshots = snapshot_copy();
    let dir = snapshots.path().to_str().expect("utf-8 path");
    let mut args = vec!["run"];
    args.extend(scenarios);
    args.extend(["--target", target]);
    args.extend(extra);
    args.extend(["--snapshot-dir", dir]);
    let output = hooksim(&args);
    (output.status.code(), stdout(&output))
}

/// The rules of the `FAIL rule: name` lines in the console summary.
pub fn failed_rules(out: &str) -> BTreeSet<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix("FAIL "))
        .filter_map(|l| l.split_whitespace().next())
        .map(|rule| rule.trim_end_matches(':').to_owned())
        .collect()
}

/// `names` as a set, to compare with [`failed_rules`].
pub fn rules(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// The `X-Signature` header (Hemnet, Property Finder Atlas), if present and text.
pub fn signature(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-signature").and_then(|v| v.to_str().ok())
}

/// A delivery body as JSON; `null` when it is not JSON, which a sloppy
/// receiver then trips over as it would in production.
pub fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_default()
}

/// The `N passed, N failed, N skipped` line's numbers.
pub fn summary(out: &str) -> (usize, usize, usize) {
    let line = out
        .lines()
        .rev()
        .find(|l| l.ends_with(" skipped") && l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary line:\n{out}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    (numbers[0], numbers[1], numbers[2])
}
