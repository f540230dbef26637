//! `hooksim serve`: the providers' REST APIs for manual or long-running use;
//! every active webhook registered through them gets a sample delivery.

use std::sync::Arc;

use hooksim_simulator::api::live::deliver_to_new_registrations;
use hooksim_simulator::api::{ClientAuth, PROVIDERS_WITH_APIS, ProviderApis, Token, client_auth};
use hooksim_simulator::providers::ProviderId;
use hooksim_simulator::schedule::format_nominal;
use hooksim_simulator::transport::Transport;

use crate::args::ServeArgs;
use crate::exit::Exit;

pub async fn serve(args: ServeArgs) -> Exit {
    let apis = match ProviderApis::start(args.addr).await {
        Ok(apis) => apis,
        Err(e) => {
            errln!("error: cannot listen on {}: {e}", args.addr);
            return Exit::Runtime;
        }
    };
    let credentials = apis.state().credentials();
    outln!("provider APIs listening at http://{}", apis.addr());
    for id in PROVIDERS_WITH_APIS {
        if let Some(auth) = client_auth(id, &credentials) {
            out!("\n{}", how_to_call(id, &apis.base_url(id), &auth));
        }
    }
    outln!("\nevery active webhook registered here gets one sample delivery; Ctrl-C stops");
    let report = Arc::new(
        |registration: &hooksim_simulator::api::Registration, event: &str, outcome| match outcome {
            Ok(delivery) => {
                let delivery: hooksim_simulator::delivery::Delivery = delivery;
                for attempt in &delivery.attempts {
                    outln!(
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
            Err(error) => errln!("{} {event}: cannot deliver: {error}", registration.provider),
        },
    );
    tokio::select! {
        () = deliver_to_new_registrations(&apis, Arc::new(Transport::new()), report) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Exit::Pass
}

/// What a client of `provider`'s API at `base` sends, header lines exactly
/// as they go on the wire, so they can be copied into a client.
fn how_to_call(provider: ProviderId, base: &str, auth: &ClientAuth) -> String {
    let mut out = format!("{provider}: {base}\n");
    let mut push = |line: String| {
        out.push_str(&line);
        out.push('\n');
    };
    if let (Some(request), Token::Issued { field }) = (&auth.token_request, &auth.token) {
        push("  first get a token:".to_owned());
        push(format!("    POST {base}{}", request.path));
        if let Some(authorization) = &request.authorization {
            push(format!("    Authorization: {authorization}"));
        }
        push(format!("    Content-Type: {}", request.content_type));
        push(format!("    {}", request.body));
        push(format!(
            "  then, with the {field} of its answer, send on every call:"
        ));
    } else {
        push("  send on every call:".to_owned());
    }
    push(format!("    Authorization: {}", auth.authorization()));
    for (name, value) in auth.required_headers {
        push(format!("    {name}: {value}"));
    }
    let mut also: Vec<String> = Vec::new();
    if let Token::Fixed(token) = &auth.token {
        also.extend(
            auth.schemes
                .iter()
                .skip(1)
                .map(|scheme| format!("Authorization: {scheme} {token}")),
        );
    }
    also.extend(
        auth.required_headers
            .iter()
            .map(|(name, _)| format!("{name}: any non-empty value")),
    );
    if !also.is_empty() {
        push(format!("  also accepted: {}", also.join("; ")));
    }
    for (credential, stands_for) in &auth.others {
        push(format!("  {credential}: {stands_for}"));
    }
    out
}
