//! `hooksim capture PROVIDER --listen ADDR`: a receiver for one provider
//! that keeps every request as a capture file (docs/capture.md), until
//! Ctrl-C; with `--forward`, a recording proxy in front of your receiver.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use hooksim_harness::suggest::did_you_mean;
use hooksim_simulator::capture::server::{
    CaptureServer, CaptureSettings, ForwardTarget, Received, Report,
};
use hooksim_simulator::providers::ProviderId;

use crate::args::CaptureArgs;
use crate::exit::Exit;

pub async fn capture(args: CaptureArgs) -> Exit {
    // clap requires both unless a subcommand is given, and then this is not called.
    let (Some(provider), Some(listen)) = (args.provider, args.listen) else {
        errln!("error: `hooksim capture` needs PROVIDER and --listen ADDR");
        return Exit::BadInput;
    };
    let settings = match settings(&provider, listen, args.out, args.forward.as_deref()) {
        Ok(settings) => CaptureSettings {
            redact: args.redact,
            ..settings
        },
        Err(message) => {
            errln!("error: {message}");
            return Exit::BadInput;
        }
    };
    let provider = settings.provider;
    let forward = settings.forward.as_ref().map(|to| to.url.clone());
    let server = match CaptureServer::start(listen, settings, Arc::new(print) as Report).await {
        Ok(server) => server,
        Err(e) => {
            errln!("error: {e}");
            return Exit::Runtime;
        }
    };
    // The first line names the address, so a script given port 0 can read it.
    outln!("listening on http://{}", server.addr());
    let answer = match &forward {
        Some(url) => format!("forwarding to {url} and answering with its answer"),
        None => format!(
            "answering {}",
            hooksim_simulator::capture::server::success_status(
                provider.provider().policy().success.value
            )
        ),
    };
    outln!(
        "capturing {provider} deliveries into {}, {answer}; Ctrl-C stops",
        server.folder().display()
    );
    if let Err(e) = tokio::signal::ctrl_c().await {
        errln!("error: cannot wait for Ctrl-C: {e}");
    }
    server.shutdown().await;
    Exit::Pass
}

/// Check the arguments: a known provider, a loopback address to listen on,
/// a loopback receiver to forward to.
fn settings(
    provider: &str,
    listen: SocketAddr,
    out: PathBuf,
    forward: Option<&str>,
) -> Result<CaptureSettings, String> {
    let provider = ProviderId::parse(provider).map_err(|e| {
        let ids: Vec<&str> = ProviderId::ALL.iter().map(ProviderId::as_str).collect();
        format!("{e}; {}", did_you_mean(provider, &ids, "known providers"))
    })?;
    if !listen.ip().is_loopback() {
        return Err(format!(
            "--listen {listen}: capture listens on a loopback address only (like 127.0.0.1:9000): \
             it keeps whatever it is sent, and has no TLS"
        ));
    }
    let forward = forward
        .map(|url| ForwardTarget::parse(url).map_err(|why| format!("--forward {why}")))
        .transpose()?;
    Ok(CaptureSettings {
        provider,
        out,
        forward,
        redact: None,
    })
}

/// One line per request: `captured 000001 POST /hemnet -> 200`.
fn print(received: Received) {
    match received {
        Received::Captured {
            number,
            method,
            target,
            status,
            file: _,
            forward_failed,
        } => {
            outln!("captured {number:06} {method} {target} -> {status}");
            if let Some(why) = forward_failed {
                errln!("  forwarding failed, answered 502: {why}");
            }
        }
        Received::TooLarge { method, target } => errln!(
            "refused {method} {target}: the body is larger than {} MiB; answered 413, nothing kept",
            hooksim_simulator::capture::server::BODY_LIMIT / (1024 * 1024)
        ),
        Received::Unreadable {
            method,
            target,
            reason,
        } => errln!("{method} {target}: the body could not be read ({reason}); nothing kept"),
        Received::NotWritten { status, error } => {
            errln!("error: answered {status}, but the capture was not written: {error}");
        }
    }
}
