//! An https receiver for the tests: certificates made on the spot (rcgen)
//! and any axum router served over TLS with them. The simulator's own
//! tests include this file too (`#[path]`), so each uses only part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// A server certificate with its key, and the PEM a client trusts it by.
pub struct Identity {
    /// The CA's certificate, or the certificate itself when self-signed.
    pub trust_pem: String,
    certificate: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl Identity {
    /// A self-signed certificate for `names`: its own PEM is what to trust.
    pub fn self_signed(names: &[&str]) -> Self {
        let key = KeyPair::generate().expect("a key");
        let certificate = params(names).self_signed(&key).expect("self-signed");
        Self {
            trust_pem: certificate.pem(),
            certificate: certificate.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }

    /// A certificate for `names` issued by a CA made for it.
    pub fn issued(names: &[&str]) -> Self {
        Self::issued_with(params(names))
    }

    /// Like [`Identity::issued`], but its validity ended in 2000.
    pub fn expired(names: &[&str]) -> Self {
        let mut params = params(names);
        params.not_before = rcgen::date_time_ymd(1999, 1, 1);
        params.not_after = rcgen::date_time_ymd(2000, 1, 1);
        Self::issued_with(params)
    }

    fn issued_with(server: CertificateParams) -> Self {
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca = params(&[]);
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_certificate = ca.self_signed(&ca_key).expect("the CA signs itself");
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().expect("a key");
        let certificate = server.signed_by(&key, &issuer).expect("the CA signs");
        Self {
            trust_pem: ca_certificate.pem(),
            certificate: certificate.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }

    /// Write [`Identity::trust_pem`] into `dir`, for `--ca-cert`.
    pub fn write_trust_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join("receiver-ca.pem");
        std::fs::write(&path, &self.trust_pem).expect("write the CA file");
        path
    }

    fn server_config(&self) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS 1.2 and 1.3")
            .with_no_client_auth()
            .with_single_cert(
                vec![self.certificate.clone()],
                PrivateKeyDer::Pkcs8(self.key.clone_key()),
            )
            .expect("the key fits the certificate");
        Arc::new(config)
    }
}

fn params(names: &[&str]) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    CertificateParams::new(names).expect("valid names")
}

/// Serve `router` over TLS as `identity` on a free loopback port, on the
/// current runtime.
pub async fn serve_https(router: Router, identity: &Identity) -> SocketAddr {
    let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = tcp.local_addr().expect("addr");
    let listener = TlsListener {
        tcp,
        acceptor: TlsAcceptor::from(identity.server_config()),
    };
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// Accepts TCP connections and completes their handshakes, one at a time.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            // A client that refuses the certificate ends here; take the next.
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
