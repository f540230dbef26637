//! `hooksim send PROVIDER EVENT --target URL`: one delivery, full policy,
//! transcript printed.

use hooksim_harness::runner::{RunOptions, run_scenario, single_delivery};
use hooksim_harness::transcript;
use hooksim_simulator::transport::Transport;

use super::fail;
use super::tls::tls_settings;
use crate::args::SendArgs;
use crate::exit::Exit;

pub async fn send(args: SendArgs) -> Exit {
    let tls = match tls_settings(&args.tls) {
        Ok(tls) => tls,
        Err(exit) => return exit,
    };
    let scenario = match single_delivery(
        &args.provider,
        &args.event,
        &args.target,
        args.secret,
        &args.overrides,
        args.seed,
    ) {
        Ok(scenario) => scenario,
        Err(e) => return fail(&e),
    };
    let run = run_scenario(&Transport::with_tls(tls), scenario, &RunOptions::default()).await;
    print!("{}", transcript::render(&run));
    if let Some(error) = &run.error {
        return fail(error);
    }
    let delivered = run.steps.iter().all(|s| match &s.record {
        hooksim_harness::runner::StepRecord::Delivery(d) => {
            d.sends.iter().all(|s| s.delivery.is_delivered())
        }
        _ => true,
    });
    if delivered { Exit::Pass } else { Exit::Failed }
}
