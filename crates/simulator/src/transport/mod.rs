//! The HTTP side of a delivery: a reqwest client per connect timeout, the
//! exact signed bytes, no redirects, no proxy, a capped response read, and
//! every failure sorted into a named class. https goes over [`tls::Tls`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use rustls::ClientConfig;

use crate::error::SimulatorError;
use crate::providers::HeaderLine;

pub mod keep_alive;
pub mod tls;

#[cfg(test)]
mod url_tests {
    use super::check_url;

    #[test]
    fn a_url_hooksim_cannot_send_to_says_why() {
        for good in [
            "http://127.0.0.1:3000/hooks",
            "https://[::1]:8443",
            "http://localhost",
        ] {
            assert_eq!(check_url(good), Ok(()), "{good}");
        }
        for (bad, says) in [
            ("http://[::1", "is not a URL"),
            ("http://", "is not a URL"),
            ("http://127.0.0.1:99999/x", "port 99999"),
            ("http://127.0.0.1:0/x", "port 0"),
            ("ftp://x", "not an http:// or https:// URL"),
            ("/hooks", "not an http:// or https:// URL"),
        ] {
            let why = check_url(bad).expect_err(bad);
            assert!(why.contains(says), "{bad}: {why}");
        }
    }
}

#[cfg(test)]
mod connect_budget_tests {
    use super::connect_budget;
    use std::time::Duration;

    #[test]
    fn connecting_ends_before_the_response_timeout_does() {
        let ms = Duration::from_millis;
        // Hemnet's 10 s and 10 s; Spark's 1 s and 5 s; a short probe's.
        assert_eq!(connect_budget(ms(10_000), ms(10_000)), ms(9_950));
        assert_eq!(connect_budget(ms(1_000), ms(5_000)), ms(1_000));
        assert_eq!(connect_budget(ms(200), ms(200)), ms(180));
        assert_eq!(connect_budget(ms(30_000), ms(10_000)), ms(9_950));
    }
}

use tls::Tls;

/// Whether `url` is one hooksim can send to: http or https, a host, a port
/// in range. Checked where a URL is given, so a mistake is bad input
/// before anything is sent, not `unreachable` on every attempt.
pub fn check_url(url: &str) -> Result<(), String> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(format!("`{url}` is not an http:// or https:// URL"));
    }
    let authority = uri
        .authority()
        .filter(|a| !a.host().is_empty())
        .ok_or_else(|| format!("`{url}` names no host"))?;
    // The parser leaves a port it cannot read as u16 out, which would send
    // to the scheme's default port: read it here.
    let port = authority
        .as_str()
        .rsplit_once(':')
        .map(|(_, port)| port)
        .filter(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    match port.map(str::parse::<u16>) {
        Some(Ok(1..)) | None => Ok(()),
        Some(_) => Err(format!(
            "`{url}`: port {} is not a port (1 to 65535)",
            port.unwrap_or_default()
        )),
    }
}

/// At most this much of a response body is kept; the rest is not read.
pub const RESPONSE_EXCERPT_LIMIT: usize = 64 * 1024;

/// How much sooner than the response timeout (which counts from sending,
/// connecting included) connecting must be done, or a tenth of a response
/// timeout under half a second: most providers give both timeouts the
/// same length, and two timers running out together would name the same
/// stalled handshake a connect timeout one time and a response timeout
/// the next.
const CONNECT_ENDS_BEFORE_RESPONSE: Duration = Duration::from_millis(50);

/// The longest connecting (TCP, and TLS for https) may take in an attempt
/// with these timeouts: a connection not open by then is a connect timeout.
pub fn connect_budget(connect_timeout: Duration, response_timeout: Duration) -> Duration {
    connect_timeout.min(latest_connect(response_timeout))
}

/// How long into an attempt with `response_timeout` connecting may last at most.
pub(crate) fn latest_connect(response_timeout: Duration) -> Duration {
    response_timeout - CONNECT_ENDS_BEFORE_RESPONSE.min(response_timeout / 10)
}

/// One HTTP request as it goes on the wire.
#[derive(Debug, Clone)]
pub struct OutgoingRequest {
    pub url: String,
    pub headers: Vec<HeaderLine>,
    pub body: Bytes,
}

/// What came back, when something did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// The `Location` header of a redirect.
    pub location: Option<String>,
    pub excerpt: ResponseExcerpt,
}

/// The first [`RESPONSE_EXCERPT_LIMIT`] bytes of a response body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseExcerpt {
    pub body: Bytes,
    /// The receiver sent more than was kept.
    pub truncated: bool,
}

/// Why no response was had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportFailure {
    ConnectRefused,
    ConnectTimeout,
    ResponseTimeout,
    Reset,
    ClosedWithoutResponse,
    MalformedResponse(String),
    /// The receiver's certificate was refused (unknown issuer, expired, name mismatch, ...).
    TlsCertificate(String),
    /// The TLS handshake failed for another reason (no TLS on the port, no common version, ...).
    TlsHandshake(String),
    Unreachable(String),
}

/// The result of one exchange and how long it took in real time.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub result: Result<Response, TransportFailure>,
    pub latency: Duration,
}

/// Sends requests. Clients are kept per connect timeout because reqwest sets
/// that timeout on the client, not on the request. (A burst sends over
/// [`keep_alive::KeepAlive`] connections instead, one per worker, with the
/// same [`Tls`].)
#[derive(Debug)]
pub struct Transport {
    tls: Tls,
    clients: Mutex<HashMap<Duration, reqwest::Client>>,
}

impl Default for Transport {
    fn default() -> Self {
        Self::with_tls(Tls::system())
    }
}

impl Transport {
    /// https receivers must present a certificate the system trusts.
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_tls(tls: Tls) -> Self {
        Self {
            tls,
            clients: Mutex::default(),
        }
    }

    /// What deliveries and calls trust, for connections made elsewhere (a burst's).
    pub fn tls(&self) -> &Tls {
        &self.tls
    }

    fn client(&self, connect_timeout: Duration) -> Result<reqwest::Client, SimulatorError> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still usable.
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = clients.get(&connect_timeout) {
            return Ok(client.clone());
        }
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .tls_backend_preconfigured(ClientConfig::clone(self.tls.client_config()))
            .build()
            .map_err(|e| SimulatorError::Client(e.to_string()))?;
        clients.insert(connect_timeout, client.clone());
        Ok(client)
    }

    /// Send `request` and wait at most `response_timeout` for the whole
    /// response. Never fails: every problem becomes a [`TransportFailure`].
    pub async fn send(
        &self,
        request: &OutgoingRequest,
        connect_timeout: Duration,
        response_timeout: Duration,
    ) -> Result<Exchange, SimulatorError> {
        let client = self.client(connect_budget(connect_timeout, response_timeout))?;
        let headers = header_map(&request.headers)?;
        let post = client
            .post(&request.url)
            .headers(headers)
            .body(request.body.clone());
        // The per-request timeout covers connect, headers and body; the
        // explicit outer timeout also bounds a body that trickles forever.
        Ok(exchange(post, response_timeout).await)
    }
}

/// A plain HTTP call (a scenario's `probe` of the receiver's own API), with
/// the same capped read and failure classes as a delivery.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub url: String,
    /// Sent as they are, after the body's `Content-Type`.
    pub headers: Vec<(String, String)>,
    pub json: Option<serde_json::Value>,
    pub timeout: Duration,
}

impl Transport {
    pub async fn call(&self, call: &Call) -> Result<Exchange, SimulatorError> {
        let client = self.client(connect_budget(call.timeout, call.timeout))?;
        let method = reqwest::Method::from_bytes(call.method.as_bytes())
            .map_err(|e| SimulatorError::Client(format!("method `{}`: {e}", call.method)))?;
        let mut request = client.request(method, &call.url);
        if let Some(json) = &call.json {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(json).unwrap_or_default());
        }
        for (name, value) in &call.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        Ok(exchange(request, call.timeout).await)
    }
}

/// Send `request` and read the answer (capped), all within `timeout`;
/// every failure becomes a [`TransportFailure`].
async fn exchange(request: reqwest::RequestBuilder, timeout: Duration) -> Exchange {
    let started = Instant::now();
    let answer = async {
        let response = request
            .send()
            .await
            .map_err(|e| before_the_answer(classify(&e)))?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let excerpt = read_capped(response).await?;
        Ok(Response {
            status,
            location,
            excerpt,
        })
    };
    let result = match tokio::time::timeout(timeout, answer).await {
        Ok(result) => result,
        Err(_) => Err(TransportFailure::ResponseTimeout),
    };
    Exchange {
        result,
        latency: started.elapsed(),
    }
}

fn header_map(lines: &[HeaderLine]) -> Result<HeaderMap, SimulatorError> {
    let mut map = HeaderMap::new();
    for line in lines {
        let name = HeaderName::from_bytes(line.name.as_bytes())
            .map_err(|e| SimulatorError::Client(format!("header name `{}`: {e}", line.name)))?;
        let value = HeaderValue::from_str(&line.value)
            .map_err(|e| SimulatorError::Client(format!("header `{}`: {e}", line.name)))?;
        map.append(name, value);
    }
    Ok(map)
}

/// Read at most [`RESPONSE_EXCERPT_LIMIT`] bytes, then stop reading: a
/// receiver answering 1 GB costs us 64 KiB.
async fn read_capped(mut response: reqwest::Response) -> Result<ResponseExcerpt, TransportFailure> {
    let mut body = Vec::new();
    let mut truncated = false;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| after_the_answer_began(classify(&e)))?
    {
        let room = RESPONSE_EXCERPT_LIMIT - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(ResponseExcerpt {
        body: Bytes::from(body),
        truncated,
    })
}

/// Sort a reqwest error into the class a provider would log.
fn classify(error: &reqwest::Error) -> TransportFailure {
    if let Some(tls) = tls::find_tls_error(error) {
        return tls::classify_tls(tls);
    }
    let io_kind = innermost_io_kind(error);
    if error.is_connect() {
        if error.is_timeout() || io_kind == Some(std::io::ErrorKind::TimedOut) {
            return TransportFailure::ConnectTimeout;
        }
        // Connecting reads only in a TLS handshake (there is no proxy).
        if io_kind == Some(std::io::ErrorKind::UnexpectedEof) {
            return tls::closed_during_handshake();
        }
        return match io_kind.and_then(classify_io) {
            Some(class @ (TransportFailure::ConnectRefused | TransportFailure::Reset)) => class,
            _ => TransportFailure::Unreachable(root_cause(error)),
        };
    }
    if error.is_timeout() {
        return TransportFailure::ResponseTimeout;
    }
    if let Some(class) = io_kind.and_then(classify_io) {
        return class;
    }
    // hyper wraps its errors (a request `Canceled` because the connection
    // closed before the message completed): every one in the chain counts.
    if let Some(class) = causes(error)
        .filter_map(|cause| cause.downcast_ref::<hyper::Error>())
        .find_map(|hyper_error| classify_hyper_kind(hyper_error, error))
    {
        return class;
    }
    if error.is_decode() || error.is_body() {
        return TransportFailure::MalformedResponse(root_cause(error));
    }
    TransportFailure::Unreachable(root_cause(error))
}

/// A failure before any of the answer arrived. Whether a receiver that
/// ends the connection unanswered is seen to close it or to reset it
/// depends on timing (the kernel resets a socket closed with unread
/// data), so both are `ClosedWithoutResponse`: the same receiver gets the
/// same outcome every time. `Reset` stays for an answer cut off.
pub(crate) fn before_the_answer(failure: TransportFailure) -> TransportFailure {
    match failure {
        TransportFailure::Reset => TransportFailure::ClosedWithoutResponse,
        other => other,
    }
}

/// A failure after the answer began (its status came): the connection
/// ending, closed or reset, cut the answer off, so both are `Reset`.
pub(crate) fn after_the_answer_began(failure: TransportFailure) -> TransportFailure {
    match failure {
        TransportFailure::ClosedWithoutResponse => TransportFailure::Reset,
        other => other,
    }
}

/// The class an I/O error kind names, if it names one. A timed-out I/O
/// error is not one of them: whether it is a connect or a response timeout
/// depends on where it happened, which the caller knows.
fn classify_io(kind: std::io::ErrorKind) -> Option<TransportFailure> {
    use std::io::ErrorKind;
    match kind {
        ErrorKind::ConnectionRefused => Some(TransportFailure::ConnectRefused),
        ErrorKind::ConnectionReset | ErrorKind::BrokenPipe => Some(TransportFailure::Reset),
        ErrorKind::UnexpectedEof | ErrorKind::ConnectionAborted => {
            Some(TransportFailure::ClosedWithoutResponse)
        }
        _ => None,
    }
}

/// The classes hyper's own error kinds name; `outer` is the error to quote.
fn classify_hyper_kind(
    error: &hyper::Error,
    outer: &(dyn std::error::Error + 'static),
) -> Option<TransportFailure> {
    if error.is_incomplete_message() {
        return Some(TransportFailure::ClosedWithoutResponse);
    }
    if error.is_parse() || error.is_parse_status() || error.is_parse_too_large() {
        return Some(TransportFailure::MalformedResponse(root_cause(outer)));
    }
    None
}

/// The kind of the innermost I/O error behind `error`: reqwest wraps a TLS
/// connection's I/O error in one of its own.
fn innermost_io_kind(error: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    causes(error)
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .last()
        .map(std::io::Error::kind)
}

/// `error` and everything behind it, stepping into the error an I/O error
/// wraps (its `source` skips that one).
fn causes<'e>(
    error: &'e (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'e (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |current| {
        match current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(wrapped) => Some(wrapped as &(dyn std::error::Error + 'static)),
            None => current.source(),
        }
    })
}

/// The innermost message, which names the actual problem.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(current) = source {
        message = current.to_string();
        source = current.source();
    }
    message
}
