//! The capture server: a receiver for one provider that keeps every request
//! it gets as a [`Capture`], whatever its method and path, and answers the
//! way the provider counts as success; or, forwarding, passes the same
//! bytes and headers on to the team's own receiver and answers with its
//! answer (a recording proxy).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use super::{Answer, Capture, CaptureError, SUFFIX, file_name};
use crate::fake::calendar::UtcDateTime;
use crate::policy::SuccessRule;
use crate::providers::ProviderId;

/// The largest body kept, and the largest answer passed back when
/// forwarding: no provider sends webhooks near this size.
pub const BODY_LIMIT: usize = 10 * 1024 * 1024;

/// Headers that belong to one connection, not to the request, and so are
/// not passed on (RFC 9110 § 7.6.1); `host` is rewritten for the receiver.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
    "trailer",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
];

/// What the server is for.
#[derive(Debug, Clone)]
pub struct CaptureSettings {
    pub provider: ProviderId,
    /// Captures go to `out/PROVIDER/NNNNNN.capture.json`.
    pub out: PathBuf,
    pub forward: Option<ForwardTarget>,
    /// Redact every capture with this seed before it is written (`--redact`).
    pub redact: Option<u64>,
}

/// The team's receiver in forwarding mode: a loopback `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardTarget {
    /// The URL as given.
    pub url: String,
    host: String,
    port: u16,
    /// The URL's path without a trailing `/`; each request's path and
    /// query are appended to it.
    base_path: String,
}

impl ForwardTarget {
    /// Check `url`: `http://` on a loopback host (`127.0.0.1`, `[::1]`,
    /// `localhost`), no query, as every hooksim target is on this machine.
    pub fn parse(url: &str) -> Result<Self, String> {
        crate::transport::check_url(url)?;
        let uri: hyper::Uri = url
            .parse()
            .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        if uri.scheme_str() != Some("http") {
            return Err(format!(
                "`{url}`: forwarding is to http:// only (a receiver on this machine)"
            ));
        }
        if uri.query().is_some() {
            return Err(format!(
                "`{url}`: a forward URL takes no query; each request's own query is appended"
            ));
        }
        let host = uri.host().unwrap_or_default();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = bare.eq_ignore_ascii_case("localhost")
            || bare
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if !loopback {
            return Err(format!(
                "`{url}`: forwarding goes to a loopback address only (127.0.0.1, [::1], localhost)"
            ));
        }
        Ok(Self {
            url: url.to_owned(),
            host: bare.to_owned(),
            port: uri.port_u16().unwrap_or(80),
            base_path: uri.path().trim_end_matches('/').to_owned(),
        })
    }

    /// The request target on the receiver: the URL's path, then the
    /// request's path and query (`/base` and `/hemnet?x=1`: `/base/hemnet?x=1`).
    pub fn join(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_path)
    }

    fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// What became of one request, told to whoever started the server.
#[derive(Debug)]
pub enum Received {
    /// Kept in `file` and answered `status`.
    Captured {
        number: u64,
        method: String,
        target: String,
        status: u16,
        file: PathBuf,
        /// Why forwarding failed, when it did (the sender was answered 502).
        forward_failed: Option<String>,
    },
    /// The body was larger than [`BODY_LIMIT`]: answered 413, nothing kept.
    TooLarge { method: String, target: String },
    /// The body could not be read (the sender went away): nothing kept.
    Unreadable {
        method: String,
        target: String,
        reason: String,
    },
    /// Answered `status`, but the capture could not be written.
    NotWritten { status: u16, error: CaptureError },
}

/// Told of every request, as it is answered.
pub type Report = Arc<dyn Fn(Received) + Send + Sync>;

struct Shared {
    settings: CaptureSettings,
    folder: PathBuf,
    next: AtomicU64,
    report: Report,
}

/// A running capture server; dropped or [`shutdown`](Self::shutdown), it stops.
#[derive(Debug)]
pub struct CaptureServer {
    addr: SocketAddr,
    folder: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Folder(#[from] CaptureError),
}

impl CaptureServer {
    /// Create the provider's folder and listen on `addr`; numbering goes on
    /// after the captures already there.
    pub async fn start(
        addr: SocketAddr,
        settings: CaptureSettings,
        report: Report,
    ) -> Result<Self, StartError> {
        let folder = settings.out.join(settings.provider.as_str());
        std::fs::create_dir_all(&folder).map_err(|source| CaptureError::Io {
            path: folder.clone(),
            source,
        })?;
        let next = last_number(&folder)? + 1;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let shared = Arc::new(Shared {
            settings,
            folder: folder.clone(),
            next: AtomicU64::new(next),
            report,
        });
        let app = axum::Router::new().fallback(receive).with_state(shared);
        let (stop, server) = crate::api::serve_until_stopped(listener, app);
        Ok(Self {
            addr,
            folder,
            stop: Some(stop),
            server,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where this provider's captures are written.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Stop taking requests and wait for those in flight.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.server).await;
    }
}

impl Drop for CaptureServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The highest `NNNNNN` of the capture files in `folder`, 0 when none.
fn last_number(folder: &Path) -> Result<u64, CaptureError> {
    let entries = std::fs::read_dir(folder).map_err(|source| CaptureError::Io {
        path: folder.to_owned(),
        source,
    })?;
    Ok(entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.strip_suffix(SUFFIX)?.parse::<u64>().ok()
        })
        .max()
        .unwrap_or(0))
}

/// Any method, any path: keep it, answer it.
async fn receive(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.to_string();
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let body = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<LengthLimitError>() => {
            (shared.report)(Received::TooLarge { method, target });
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        }
        Err(error) => {
            (shared.report)(Received::Unreadable {
                method,
                target,
                reason: error.to_string(),
            });
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let number = shared.next.fetch_add(1, Ordering::SeqCst);
    let received_at = now_rfc3339();
    let provider = shared.settings.provider;
    let (response, status, forward_failed) = match &shared.settings.forward {
        None => {
            let status = success_status(provider.provider().policy().success.value);
            (plain(status), status, None)
        }
        Some(to) => {
            let timeout = provider.provider().policy().response_timeout.value;
            match forward(
                to,
                &parts.method,
                &target,
                &parts.headers,
                body.clone(),
                timeout,
            )
            .await
            {
                Ok(answer) => {
                    let status = answer.status;
                    (answer.into_response(), status, None)
                }
                Err(why) => (plain(502), 502, Some(why)),
            }
        }
    };
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    let capture = Capture::new(
        provider,
        received_at,
        (
            method.clone(),
            parts.uri.path().to_owned(),
            parts.uri.query().map(str::to_owned),
        ),
        headers,
        &body,
        Answer {
            status,
            forwarded_to: shared.settings.forward.as_ref().map(|to| to.url.clone()),
        },
    );
    let file = shared.folder.join(file_name(number));
    // Redacted before anything reaches the disk; a body that cannot be
    // redacted (not JSON) is not written at all.
    let capture = match shared.settings.redact {
        None => Ok(capture),
        Some(seed) => super::redact::redact(&capture, seed).map_err(|e| CaptureError::Invalid {
            path: file.clone(),
            reason: format!("not written, as it cannot be redacted: {e}"),
        }),
    };
    // Written before the sender hears the answer: a sender that was answered
    // finds its capture on disk.
    match capture.and_then(|capture| write_whole(&file, &capture.to_file_text())) {
        Ok(()) => (shared.report)(Received::Captured {
            number,
            method,
            target,
            status,
            file,
            forward_failed,
        }),
        Err(error) => (shared.report)(Received::NotWritten { status, error }),
    }
    response
}

/// The status the provider's success rule accepts (200 for any 2xx).
pub fn success_status(rule: SuccessRule) -> u16 {
    match rule {
        SuccessRule::Exactly(status) => status,
        SuccessRule::Any2xx => 200,
    }
}

fn plain(status: u16) -> Response {
    StatusCode::from_u16(status)
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        .into_response()
}

/// The receiver's answer, passed back to the sender.
struct Forwarded {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl IntoResponse for Forwarded {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        for (name, value) in &self.headers {
            // The length is the body's, set again by the server.
            if !is_hop_by_hop(name) && name != header::CONTENT_LENGTH {
                response.headers_mut().append(name.clone(), value.clone());
            }
        }
        response
    }
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    HOP_BY_HOP.contains(&name.as_str())
}

/// Send the request on to `to` over a connection of its own, with the same
/// method, headers (hop-by-hop ones left out, `host` rewritten) and exact
/// body, within the provider's response timeout.
async fn forward(
    to: &ForwardTarget,
    method: &Method,
    target: &str,
    headers: &HeaderMap,
    body: Bytes,
    timeout: Duration,
) -> Result<Forwarded, String> {
    let exchange = async {
        let stream = TcpStream::connect((to.host.as_str(), to.port))
            .await
            .map_err(|e| format!("cannot connect to {}: {e}", to.url))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("{}: {e}", to.url))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let mut request = hyper::Request::builder()
            .method(method.clone())
            .uri(to.join(target));
        for (name, value) in headers {
            if !is_hop_by_hop(name) && name != header::HOST {
                request = request.header(name, value);
            }
        }
        let host = HeaderValue::from_str(&to.authority()).map_err(|e| e.to_string())?;
        let request = request
            .header(header::HOST, host)
            .body(Full::new(body))
            .map_err(|e| format!("cannot forward {method} {target}: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("{} gave no answer: {e}", to.url))?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, BODY_LIMIT)
            .collect()
            .await
            .map_err(|e| format!("{}'s answer could not be read whole: {e}", to.url))?
            .to_bytes();
        Ok(Forwarded {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "{} did not answer within {} ms (the provider's response timeout)",
                to.url,
                timeout.as_millis()
            ))
        })
}

/// Write `text` to a temporary file beside `path` and rename it into place,
/// so a reader never sees half a capture.
fn write_whole(path: &Path, text: &str) -> Result<(), CaptureError> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.partial"));
    let io = |source| CaptureError::Io {
        path: path.to_owned(),
        source,
    };
    std::fs::write(&temporary, text).map_err(io)?;
    std::fs::rename(&temporary, path).map_err(io)
}

fn now_rfc3339() -> String {
    // A clock before 1970 is a broken machine; the capture still says when, wrongly.
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    UtcDateTime::from_unix_ms(ms).iso8601_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forward_url_is_loopback_http_and_joins_the_request_path() {
        let to = ForwardTarget::parse("http://127.0.0.1:3000/base/").expect("loopback");
        assert_eq!(to.join("/hemnet?x=1"), "/base/hemnet?x=1");
        let root = ForwardTarget::parse("http://[::1]:3000").expect("loopback");
        assert_eq!(root.join("/hemnet"), "/hemnet");
        assert_eq!(root.authority(), "[::1]:3000");
        for (bad, says) in [
            ("http://example.com/x", "loopback address only"),
            ("https://127.0.0.1:3000", "http:// only"),
            ("http://127.0.0.1:3000/x?a=1", "takes no query"),
            ("/x", "not an http://"),
        ] {
            let why = ForwardTarget::parse(bad).expect_err(bad);
            assert!(why.contains(says), "{bad}: {why}");
        }
    }

    #[test]
    fn the_success_answer_is_the_status_the_rule_accepts() {
        assert_eq!(success_status(SuccessRule::Exactly(204)), 204);
        assert_eq!(success_status(SuccessRule::Any2xx), 200);
    }

    #[test]
    fn numbering_goes_on_after_the_files_there() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(last_number(dir.path()).expect("reads"), 0);
        for name in [file_name(3), file_name(12), "notes.txt".to_owned()] {
            std::fs::write(dir.path().join(name), "{}").expect("write");
        }
        assert_eq!(last_number(dir.path()).expect("reads"), 12);
    }

    #[tokio::test]
    async fn a_request_is_kept_byte_for_byte_and_answered_as_the_provider_counts_success() {
        let dir = tempfile::tempdir().expect("temp dir");
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let told = seen.clone();
        let report: Report = Arc::new(move |received| {
            if let Received::Captured { number, status, .. } = received {
                told.lock().expect("not poisoned").push((number, status));
            }
        });
        let settings = CaptureSettings {
            provider: ProviderId::Hemnet,
            out: dir.path().to_owned(),
            forward: None,
            redact: None,
        };
        let server =
            CaptureServer::start("127.0.0.1:0".parse().expect("an address"), settings, report)
                .await
                .expect("starts");
        let body = b"{\"a\":\"\\u0026\"}".to_vec();
        let answer = reqwest::Client::new()
            .put(format!("http://{}/any/path?q=1", server.addr()))
            .header("X-Signature", "ab")
            .body(body.clone())
            .send()
            .await
            .expect("answered");
        assert_eq!(answer.status(), 200);
        assert_eq!(*seen.lock().expect("not poisoned"), [(1, 200)]);
        let capture = Capture::read(&server.folder().join(file_name(1))).expect("a capture");
        assert_eq!(capture.body().expect("base64"), body);
        assert_eq!(
            (capture.method.as_str(), capture.path.as_str()),
            ("PUT", "/any/path")
        );
        assert_eq!(capture.query.as_deref(), Some("q=1"));
        assert_eq!(
            capture.header_values("x-signature").collect::<Vec<_>>(),
            ["ab"]
        );
        let too_large = reqwest::Client::new()
            .post(format!("http://{}/hemnet", server.addr()))
            .body(vec![b'x'; BODY_LIMIT + 1])
            .send()
            .await
            .expect("answered");
        assert_eq!(too_large.status(), 413);
        assert_eq!(
            super::super::capture_files(dir.path())
                .expect("lists")
                .len(),
            1
        );
        server.shutdown().await;
    }
}
