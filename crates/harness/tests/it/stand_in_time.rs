//! Stand-ins run in compressed real time: their delays and the provider's
//! timeouts toward them shrink by the same factor, so a race between an
//! answer and a timeout ends as it would at full length, only sooner.

use std::path::Path;
use std::time::{Duration, Instant};

use hooksim_harness::runner::{RunOptions, run_scenario};
use hooksim_harness::scenario::parse_scenario;
use hooksim_simulator::transport::Transport;

/// Deliver one Spark `New` event (5 s timeout) to `stand-in:slow/DELAY`
/// and expect `acknowledged`; return whether the expectations held and
/// the real time the scenario took.
async fn spark_against_slow_stand_in(delay: &str, acknowledged: bool) -> (bool, Duration) {
    let text = format!(
        "name: Spark against a stand-in answering after {delay}
provider: spark
rule: spark/stand-in-time
source: test
target: stand-in:slow/{delay}
steps:
  - deliver: {{ event: New, max_attempts: 1 }}
    expect: {{ acknowledged: {acknowledged}, attempts: 1 }}
"
    );
    let scenario = parse_scenario(Path::new("scenarios/spark/stand-in-time.yaml"), &text)
        .expect("the scenario parses");
    let started = Instant::now();
    let run = run_scenario(&Transport::new(), scenario, &RunOptions::default()).await;
    let held = run.expectations_hold();
    assert!(run.error.is_none(), "{:?}", run.error);
    (held, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_after_the_timeout_still_times_out() {
    let (held, took) = spark_against_slow_stand_in("6s", false).await;
    assert!(held, "a 6 s answer must miss Spark's 5 s timeout");
    // The timeout fired at 5 s / 4, not at 5 s.
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_before_the_timeout_still_counts() {
    let (held, _) = spark_against_slow_stand_in("3s", true).await;
    assert!(held, "a 3 s answer is within Spark's 5 s timeout");
}
