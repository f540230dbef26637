//! `--ca-cert` and `--insecure`, read before anything is sent.

use hooksim_simulator::transport::tls::{Tls, TlsOptions};

use std::path::PathBuf;

use crate::exit::Exit;

/// What https receivers are trusted with (`--ca-cert`, `--insecure`, or
/// hooksim.toml's `ca_cert`, `insecure`); a CA file that cannot be used is
/// bad input.
pub fn tls_settings(ca_certs: &[PathBuf], insecure: bool) -> Result<Tls, Exit> {
    let options = TlsOptions {
        ca_certs: ca_certs.to_vec(),
        insecure,
    };
    let tls = Tls::load(&options).map_err(|e| {
        errln!("error: --ca-cert: {e}");
        Exit::BadInput
    })?;
    if insecure {
        errln!("warning: --insecure: the certificates of https receivers are not checked");
    }
    Ok(tls)
}
