//! One keep-alive HTTP/1.1 connection to one target, as one delivery worker
//! of a provider holds it. A burst's workers each own one: against a fast
//! receiver on loopback, the pooled client's per-request work (parsing the
//! URL, checking a connection out of the pool, converting the headers)
//! costs more than the request itself, and here it is done once.
//!
//! What goes on the wire is what [`Transport::send`](super::Transport::send)
//! sends: the same headers (plus `host` and `accept: */*`, as reqwest adds),
//! the exact body with its `content-length`, over TLS with the same
//! [`Tls`] for https; every failure is sorted into the same classes, and a
//! response body is read to at most [`RESPONSE_EXCERPT_LIMIT`] bytes.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::tls::{self, Tls};
use super::{
    Exchange, RESPONSE_EXCERPT_LIMIT, Response, ResponseExcerpt, TransportFailure,
    after_the_answer_began, before_the_answer, classify_hyper, classify_io, latest_connect,
};
use crate::error::SimulatorError;
use crate::providers::HeaderLine;

/// A connection to one target, opened on first use and reopened after a
/// failure or when the receiver closes it.
pub struct KeepAlive {
    /// Where to connect, or why nothing can be sent there.
    target: Result<Target, String>,
    connect_timeout: Duration,
    tls: Tls,
    open: Option<Open>,
}

impl std::fmt::Debug for KeepAlive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeepAlive")
            .field("target", &self.target)
            .field("connect_timeout", &self.connect_timeout)
            .field("open", &self.open.is_some())
            .finish()
    }
}

#[derive(Debug)]
struct Target {
    /// The host to connect to (an IPv6 address without its brackets).
    host: String,
    port: u16,
    /// The `host` header.
    authority: HeaderValue,
    /// The request target: path and query.
    path: Uri,
    /// For https: the name the receiver's certificate must be for.
    tls_name: Option<ServerName<'static>>,
}

impl Target {
    fn parse(url: &str) -> Result<Self, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(format!("`{url}` is not an http or https URL")),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| format!("`{url}` names no host"))?;
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let tls_name = if https {
            let name = ServerName::try_from(host.clone())
                .map_err(|e| format!("`{url}`: `{host}` cannot be named in a certificate: {e}"))?;
            Some(name)
        } else {
            None
        };
        let path = uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .parse()
            .map_err(|e| format!("`{url}`: {e}"))?;
        Ok(Self {
            host,
            port: authority.port_u16().unwrap_or(if https { 443 } else { 80 }),
            authority: HeaderValue::from_str(authority.as_str())
                .map_err(|e| format!("`{url}`: {e}"))?,
            path,
            tls_name,
        })
    }
}

impl KeepAlive {
    /// A connection to `url`, not yet opened; an https one trusts what
    /// `tls` trusts. A URL that cannot be sent to is not an error here:
    /// every send reports it as `unreachable`, as the pooled client does.
    pub fn new(url: &str, connect_timeout: Duration, tls: Tls) -> Self {
        Self {
            target: Target::parse(url),
            connect_timeout,
            tls,
            open: None,
        }
    }

    /// POST `body` with `headers` and wait at most `response_timeout` for
    /// the whole response (connecting included). Never fails on the
    /// receiver's account: every problem becomes a [`TransportFailure`].
    pub async fn send(
        &mut self,
        headers: &[HeaderLine],
        body: Bytes,
        response_timeout: Duration,
    ) -> Result<Exchange, SimulatorError> {
        let started = Instant::now();
        let request = match &self.target {
            Ok(target) => build_request(target, headers, body)?,
            Err(why) => {
                return Ok(Exchange {
                    result: Err(TransportFailure::Unreachable(why.clone())),
                    latency: started.elapsed(),
                });
            }
        };
        let now = tokio::time::Instant::now();
        let connected_by = now + latest_connect(response_timeout);
        let exchange = self.exchange(request, connected_by);
        let result = match tokio::time::timeout_at(now + response_timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(TransportFailure::ResponseTimeout),
        };
        if result.is_err() {
            // Whatever state the connection is in, the next delivery starts afresh.
            self.open = None;
        }
        Ok(Exchange {
            result,
            latency: started.elapsed(),
        })
    }

    /// Send `request`, over a new connection if need be, open by `connected_by`.
    async fn exchange(
        &mut self,
        mut request: Request<Full<Bytes>>,
        connected_by: tokio::time::Instant,
    ) -> Result<Response, TransportFailure> {
        // At most two tries: a reused connection the receiver had closed
        // while idle, then a new one.
        loop {
            let (mut open, fresh) = match self.open.take() {
                Some(open) => (open, false),
                None => (self.connect(connected_by).await?, true),
            };
            let Open { sender, connection } = &mut open;
            let ready = drive(connection, sender.ready()).await;
            if let Err(error) = ready {
                // A receiver that closed the connection after the last answer.
                if fresh {
                    return Err(before_the_answer(classify_hyper(&error)));
                }
                continue;
            }
            let response = match drive(connection, sender.try_send_request(request)).await {
                Ok(response) => response,
                // The request never left: send it again on a new connection.
                Err(mut failed) if !fresh && failed.message().is_some() => {
                    request = failed
                        .take_message()
                        .ok_or_else(|| before_the_answer(classify_hyper(failed.error())))?;
                    continue;
                }
                Err(failed) => return Err(before_the_answer(classify_hyper(failed.error()))),
            };
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(hyper::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let (excerpt, read_to_end) =
                drive(connection, read_capped(response.into_body())).await?;
            // A body left unread (too long) makes the connection unusable.
            if read_to_end && open.connection.is_some() {
                self.open = Some(open);
            }
            return Ok(Response {
                status,
                location,
                excerpt,
            });
        }
    }

    /// Open a connection within the connect timeout and by `connected_by`
    /// (see [`super::latest_connect`]).
    async fn connect(&self, connected_by: tokio::time::Instant) -> Result<Open, TransportFailure> {
        let target = self
            .target
            .as_ref()
            .map_err(|why| TransportFailure::Unreachable(why.clone()))?;
        // The connect timeout covers the TLS handshake too, as reqwest's does.
        let by = connected_by.min(tokio::time::Instant::now() + self.connect_timeout);
        let stream = match tokio::time::timeout_at(by, open_stream(target, &self.tls)).await {
            Ok(stream) => stream?,
            Err(_) => return Err(TransportFailure::ConnectTimeout),
        };
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| classify_hyper(&e))?;
        Ok(Open {
            sender,
            connection: Some(Box::pin(connection)),
        })
    }
}

/// The TCP connection, and TLS over it for https.
async fn open_stream(target: &Target, tls: &Tls) -> Result<Box<dyn Duplex>, TransportFailure> {
    let stream = TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::TimedOut => TransportFailure::ConnectTimeout,
            kind => classify_io(kind).unwrap_or_else(|| {
                TransportFailure::Unreachable(format!("cannot connect: {error}"))
            }),
        })?;
    // Small requests go out at once, as every HTTP client sends them.
    let _ = stream.set_nodelay(true);
    let Some(name) = &target.tls_name else {
        return Ok(Box::new(stream));
    };
    let connector = TlsConnector::from(std::sync::Arc::clone(tls.client_config()));
    match connector.connect(name.clone(), stream).await {
        Ok(stream) => Ok(Box::new(stream)),
        Err(error) => Err(match tls::find_tls_error(&error) {
            Some(tls_error) => tls::classify_tls(tls_error),
            None if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                tls::closed_during_handshake()
            }
            None => classify_io(error.kind())
                .unwrap_or_else(|| TransportFailure::TlsHandshake(error.to_string())),
        }),
    }
}

/// A byte stream hyper can drive: plain TCP, or TLS over it.
trait Duplex: AsyncRead + AsyncWrite + Unpin + Send + Sync {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync> Duplex for T {}

/// An open connection: the handle requests go through, and the connection
/// itself, which this worker drives (no task of its own, so no wake-up
/// crosses threads between the two, and dropping it closes the socket).
struct Open {
    sender: SendRequest<Full<Bytes>>,
    /// None once the connection ended (the receiver closed it, or it failed).
    connection: Option<Pin<Box<Connection>>>,
}

type Connection = http1::Connection<TokioIo<Box<dyn Duplex>>, Full<Bytes>>;

/// Wait for `work` while driving `connection`, whose reads and writes are
/// what `work` waits on. A connection that ends is dropped at once: hyper
/// then fails whatever `work` still waits for (handing back a request that
/// never left), so `work` always ends and alone gives the result.
async fn drive<F: Future>(connection: &mut Option<Pin<Box<Connection>>>, work: F) -> F::Output {
    let mut work = std::pin::pin!(work);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = work.as_mut().poll(cx) {
            return Poll::Ready(output);
        }
        if let Some(open) = connection
            && open.as_mut().poll(cx).is_ready()
        {
            *connection = None;
            return work.as_mut().poll(cx);
        }
        Poll::Pending
    })
    .await
}

fn build_request(
    target: &Target,
    headers: &[HeaderLine],
    body: Bytes,
) -> Result<Request<Full<Bytes>>, SimulatorError> {
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = Method::POST;
    *request.uri_mut() = target.path.clone();
    let map = request.headers_mut();
    map.insert(hyper::header::HOST, target.authority.clone());
    for line in headers {
        let name = HeaderName::from_bytes(line.name.as_bytes())
            .map_err(|e| SimulatorError::Client(format!("header name `{}`: {e}", line.name)))?;
        let value = HeaderValue::from_str(&line.value)
            .map_err(|e| SimulatorError::Client(format!("header `{}`: {e}", line.name)))?;
        map.append(name, value);
    }
    map.entry(hyper::header::ACCEPT)
        .or_insert(HeaderValue::from_static("*/*"));
    Ok(request)
}

/// Read at most [`RESPONSE_EXCERPT_LIMIT`] bytes; true when the body ended
/// within the limit (so the connection can carry the next request).
async fn read_capped(
    mut body: hyper::body::Incoming,
) -> Result<(ResponseExcerpt, bool), TransportFailure> {
    let mut kept = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| after_the_answer_began(classify_hyper(&e)))?;
        let Ok(chunk) = frame.into_data() else {
            continue;
        };
        let room = RESPONSE_EXCERPT_LIMIT - kept.len();
        if chunk.len() > room {
            kept.extend_from_slice(&chunk[..room]);
            let excerpt = ResponseExcerpt {
                body: Bytes::from(kept),
                truncated: true,
            };
            return Ok((excerpt, false));
        }
        kept.extend_from_slice(&chunk);
    }
    let excerpt = ResponseExcerpt {
        body: Bytes::from(kept),
        truncated: false,
    };
    Ok((excerpt, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_once() {
        let target = Target::parse("http://127.0.0.1:8080/hemnet?x=1").expect("an http URL");
        assert_eq!(target.host, "127.0.0.1");
        assert_eq!(target.port, 8080);
        assert_eq!(target.authority, "127.0.0.1:8080");
        assert_eq!(target.path, "/hemnet?x=1");
        let v6 = Target::parse("http://[::1]:9/").expect("an IPv6 URL");
        assert_eq!(v6.host, "::1");
        assert_eq!(Target::parse("http://localhost").expect("no port").port, 80);
        let https = Target::parse("https://127.0.0.1/").expect("an https URL");
        assert_eq!(https.port, 443);
        assert!(https.tls_name.is_some());
        assert!(
            Target::parse("http://127.0.0.1/")
                .expect("http")
                .tls_name
                .is_none()
        );
        assert!(Target::parse("ftp://x/").is_err());
    }

    #[tokio::test]
    async fn an_https_host_no_certificate_can_name_is_unreachable_not_an_error() {
        let mut connection = KeepAlive::new("https://a..b/", Duration::from_secs(1), Tls::system());
        let exchange = connection
            .send(&[], Bytes::from_static(b"{}"), Duration::from_secs(1))
            .await
            .expect("an outcome");
        assert!(matches!(
            exchange.result,
            Err(TransportFailure::Unreachable(ref why)) if why.contains("cannot be named")
        ));
    }
}
