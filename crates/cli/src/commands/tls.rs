//! `--ca-cert` and `--insecure`, read before anything is sent.

use hooksim_simulator::transport::tls::{Tls, TlsOptions};

use crate::args::TlsArgs;
use crate::exit::Exit;

/// What https receivers are trusted with; a CA file that cannot be used is bad input.
pub fn tls_settings(args: &TlsArgs) -> Result<Tls, Exit> {
    let options = TlsOptions {
        ca_certs: args.ca_certs.clone(),
        insecure: args.insecure,
    };
    let tls = Tls::load(&options).map_err(|e| {
        eprintln!("error: --ca-cert: {e}");
        Exit::BadInput
    })?;
    if args.insecure {
        eprintln!("warning: --insecure: the certificates of https receivers are not checked");
    }
    Ok(tls)
}
