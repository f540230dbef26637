//! `hooksim send PROVIDER EVENT --target URL`: one delivery under the
//! provider's policy (or the first attempts of it), transcript printed with
//! what the receiver answered to each attempt.

use hooksim_harness::HarnessError;
use hooksim_harness::runner::{RunOptions, run_scenario};
use hooksim_harness::send::{Attempts, SendRequest, Sent, prepare_send};
use hooksim_harness::transcript::{self, Answers};
use hooksim_simulator::transport::Transport;

use super::fail;
use super::tls::tls_settings;
use crate::args::SendArgs;
use crate::exit::Exit;

pub async fn send(args: SendArgs) -> Exit {
    let attempts = match (args.once, args.max_attempts) {
        (true, _) => Attempts::AtMost(1),
        (false, Some(n)) => Attempts::AtMost(n),
        (false, None) => Attempts::Schedule,
    };
    let what = match (args.body, args.event) {
        (Some(file), _) => Sent::Body {
            file,
            exact: args.exact,
        },
        (None, Some(event)) => Sent::Event(event),
        // clap requires one of them.
        (None, None) => {
            errln!("error: `hooksim send` needs EVENT or --body FILE");
            return Exit::BadInput;
        }
    };
    let request = SendRequest {
        provider: args.provider,
        what,
        url: args.target,
        secret: args.secret,
        overrides: args.overrides,
        seed: args.seed,
        attempts,
    };
    let prepared = match prepare_send(&request) {
        Ok(prepared) => prepared,
        Err(e) => return fail(&e),
    };
    for note in &prepared.notes {
        errln!("note: {note}");
    }
    let tls = match tls_settings(&args.tls.ca_certs, args.tls.insecure) {
        Ok(tls) => tls,
        Err(exit) => return exit,
    };
    let mut options = RunOptions::default();
    if let Some(limit) = args.timeout {
        options.scenario_time_limit = limit;
    }
    let run = run_scenario(&Transport::with_tls(tls), prepared.scenario, &options).await;
    out!("{}", transcript::render_with(&run, Answers::Shown));
    match &run.error {
        // Out of time is the receiver's doing, like a failed delivery.
        Some(error @ HarnessError::TimedOut { .. }) => {
            errln!("error: {error}");
            return Exit::Failed;
        }
        Some(error) => return fail(error),
        None => {}
    }
    let delivered = run.steps.iter().all(|s| {
        s.record
            .delivery()
            .is_none_or(|d| d.sends.iter().all(|s| s.delivery.is_delivered()))
    });
    if delivered { Exit::Pass } else { Exit::Failed }
}
