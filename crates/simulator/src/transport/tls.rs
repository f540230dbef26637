//! TLS for https receivers: one rustls client configuration, shared by the
//! pooled client and a burst's keep-alive connections, so both trust the
//! same certificates and name the same failures.
//!
//! The roots are the operating system's store (on Debian /etc/ssl/certs;
//! `SSL_CERT_FILE` and `SSL_CERT_DIR` point elsewhere) plus the CA files
//! given; rustls's own verifier checks them on every platform, so a
//! certificate failure reads the same everywhere. The crypto is aws-lc-rs,
//! the provider reqwest's `rustls` feature brings, so only one is built.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore};

use super::TransportFailure;
use crate::error::SimulatorError;

/// Which certificates an https receiver may present, as the user gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM files of certificate authorities trusted besides the system's.
    pub ca_certs: Vec<PathBuf>,
    /// Accept any certificate: still encrypted, but the receiver is not
    /// authenticated.
    pub insecure: bool,
}

/// A TLS client configuration, ready to connect with.
#[derive(Clone)]
pub struct Tls {
    config: Arc<ClientConfig>,
}

impl std::fmt::Debug for Tls {
    // The configuration's own rendering lists every root certificate.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

impl Tls {
    /// Trust the system's roots only.
    pub fn system() -> Self {
        static SYSTEM: OnceLock<Tls> = OnceLock::new();
        SYSTEM
            .get_or_init(|| Self::verifying(Arc::clone(system_roots())))
            .clone()
    }

    /// Read the CA files of `options`; a file that cannot be read or holds
    /// no usable certificate is an error, even with `insecure`.
    pub fn load(options: &TlsOptions) -> Result<Self, SimulatorError> {
        let mut roots = RootCertStore::clone(system_roots());
        for path in &options.ca_certs {
            for certificate in ca_certificates(path)? {
                roots
                    .add(certificate)
                    .map_err(|e| SimulatorError::CaCertificate {
                        path: path.clone(),
                        reason: format!("not a usable CA certificate: {e}"),
                    })?;
            }
        }
        if options.insecure {
            let verifier = AnyCertificate(provider().signature_verification_algorithms);
            let config = builder()
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            return Ok(Self::from_config(config));
        }
        Ok(Self::verifying(Arc::new(roots)))
    }

    fn verifying(roots: Arc<RootCertStore>) -> Self {
        Self::from_config(
            builder()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    }

    fn from_config(mut config: ClientConfig) -> Self {
        // HTTP/1.1, as over plain http: a burst's connections speak nothing
        // else, and a delivery should not change protocol with the scheme.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Self {
            config: Arc::new(config),
        }
    }

    pub(crate) fn client_config(&self) -> &Arc<ClientConfig> {
        &self.config
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn builder() -> rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier> {
    ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs's default provider has cipher suites for TLS 1.2 and 1.3")
}

/// The operating system's roots, read once. A store that cannot be read
/// leaves fewer roots: the receivers that need them fail with an unknown
/// issuer, which names the problem.
fn system_roots() -> &'static Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        Arc::new(roots)
    })
}

fn ca_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, SimulatorError> {
    let problem = |reason: String| SimulatorError::CaCertificate {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| problem(e.to_string()))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| problem(format!("not PEM: {e}")))?;
    if certificates.is_empty() {
        return Err(problem(
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned(),
        ));
    }
    Ok(certificates)
}

/// `--insecure`: any certificate is accepted, but the handshake's
/// signatures are still checked, so the connection is what TLS promises
/// bar the receiver's identity.
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// The rustls error behind `error`, wherever it is in the chain.
pub(super) fn find_tls_error<'e>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e rustls::Error> {
    super::causes(error).find_map(|cause| cause.downcast_ref::<rustls::Error>())
}

/// A failed handshake: the certificate, or anything else.
pub(super) fn classify_tls(error: &rustls::Error) -> TransportFailure {
    match error {
        rustls::Error::InvalidCertificate(reason) => {
            TransportFailure::TlsCertificate(certificate_problem(reason))
        }
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            TransportFailure::TlsHandshake(format!(
                "the answer is not TLS (plain http on this port?): {error}"
            ))
        }
        rustls::Error::AlertReceived(alert) => TransportFailure::TlsHandshake(format!(
            "the receiver refused the handshake (alert {alert:?})"
        )),
        rustls::Error::PeerIncompatible(why) => TransportFailure::TlsHandshake(format!(
            "no TLS version or cipher suite in common ({why:?})"
        )),
        other => TransportFailure::TlsHandshake(other.to_string()),
    }
}

/// The receiver hung up before the handshake finished.
pub(super) fn closed_during_handshake() -> TransportFailure {
    TransportFailure::TlsHandshake(
        "the receiver closed the connection during the handshake".to_owned(),
    )
}

/// Why a certificate was refused, in words that stay the same from run to
/// run (no verification times).
fn certificate_problem(reason: &CertificateError) -> String {
    use CertificateError as E;
    match reason {
        E::UnknownIssuer => "unknown issuer: not signed by a trusted certificate authority \
                             (self-signed, or its CA is not among the trusted roots)"
            .to_owned(),
        E::Expired | E::ExpiredContext { .. } => "expired".to_owned(),
        E::NotValidYet | E::NotValidYetContext { .. } => "not valid yet".to_owned(),
        E::NotValidForName => "name mismatch: not issued for this host".to_owned(),
        E::NotValidForNameContext {
            expected,
            presented,
        } => {
            let names: Vec<&str> = presented.iter().map(|n| plain_name(n)).collect();
            format!(
                "name mismatch: issued for {}, not {}",
                names.join(", "),
                expected.to_str()
            )
        }
        E::Revoked => "revoked".to_owned(),
        E::BadSignature => "bad signature".to_owned(),
        E::InvalidPurpose | E::InvalidPurposeContext { .. } => {
            "not issued for server authentication".to_owned()
        }
        other => other.to_string(),
    }
}

/// `DnsName("a.example")` and `IpAddress(127.0.0.1)` as `a.example` and
/// `127.0.0.1`.
fn plain_name(presented: &str) -> &str {
    presented
        .strip_prefix("DnsName(\"")
        .and_then(|rest| rest.strip_suffix("\")"))
        .or_else(|| {
            presented
                .strip_prefix("IpAddress(")
                .and_then(|rest| rest.strip_suffix(')'))
        })
        .unwrap_or(presented)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presented_names_read_plainly() {
        assert_eq!(
            plain_name("DnsName(\"receiver.example\")"),
            "receiver.example"
        );
        assert_eq!(plain_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(plain_name("DirectoryName"), "DirectoryName");
    }

    #[test]
    fn a_ca_file_must_hold_a_pem_certificate() {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path();
        let not_pem = dir.join("not-pem.txt");
        std::fs::write(&not_pem, "just text").expect("write");
        let load = |path: &Path| {
            Tls::load(&TlsOptions {
                ca_certs: vec![path.to_owned()],
                insecure: true,
            })
        };
        let error = load(&not_pem).expect_err("no certificate in it");
        assert!(
            error.to_string().contains("holds no PEM certificate"),
            "{error}"
        );
        let broken = dir.join("broken.pem");
        std::fs::write(
            &broken,
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
        )
        .expect("write");
        let error = load(&broken).expect_err("not DER inside");
        assert!(
            error.to_string().contains("not a usable CA certificate"),
            "{error}"
        );
        let error = load(&dir.join("missing.pem")).expect_err("no such file");
        assert!(error.to_string().contains("missing.pem"), "{error}");
    }
}
