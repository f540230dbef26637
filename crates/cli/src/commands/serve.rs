//! `hooksim serve`: the providers' REST APIs for manual or long-running use;
//! every active webhook registered through them gets a sample delivery.

use std::sync::Arc;

use hooksim_simulator::api::live::deliver_to_new_registrations;
use hooksim_simulator::api::{PROVIDERS_WITH_APIS, ProviderApis};
use hooksim_simulator::schedule::format_nominal;
use hooksim_simulator::transport::Transport;

use crate::args::ServeArgs;
use crate::exit::Exit;

pub async fn serve(args: ServeArgs) -> Exit {
    let apis = match ProviderApis::start(args.addr).await {
        Ok(apis) => apis,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.addr);
            return Exit::Runtime;
        }
    };
    let credentials = apis.state().credentials();
    println!("provider APIs listening at http://{}", apis.addr());
    for id in PROVIDERS_WITH_APIS {
        println!("  {:<22} {}", id.as_str(), apis.base_url(id));
    }
    println!(
        "credentials: token {} (read-only: {}), client id {} / secret {}",
        credentials.token,
        credentials.read_only_token,
        credentials.client_id,
        credentials.client_secret
    );
    println!("every active webhook registered here gets one sample delivery; Ctrl-C stops");
    let report = Arc::new(
        |registration: &hooksim_simulator::api::Registration, event: &str, outcome| match outcome {
            Ok(delivery) => {
                let delivery: hooksim_simulator::delivery::Delivery = delivery;
                for attempt in &delivery.attempts {
                    println!(
                        "{} {} -> {}: attempt {} at +{}: {}",
                        registration.provider,
                        event,
                        registration.url,
                        attempt.number,
                        format_nominal(attempt.nominal_at),
                        attempt.outcome
                    );
                }
            }
            Err(error) => eprintln!("{} {event}: cannot deliver: {error}", registration.provider),
        },
    );
    tokio::select! {
        () = deliver_to_new_registrations(&apis, Arc::new(Transport::new()), report) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Exit::Pass
}
