//! One keep-alive HTTP/1.1 connection to one target, as one delivery worker
//! of a provider holds it. A burst's workers each own one: against a fast
//! receiver on loopback, a general client's per-request work (parsing the
//! URL, checking a connection out of a pool, building header maps, passing
//! the request to a connection task) costs more than the request itself.
//! Here the request is bytes written once ([`KeepAlive::head`], or a
//! [`crate::template::HeadTemplate`] rendered per request) and sent in one
//! write, and the answer is read into a buffer the connection keeps.
//!
//! What goes on the wire is what [`Transport::send`](super::Transport::send)
//! sends: the same headers (plus `host` and `accept: */*`, as reqwest adds),
//! the exact body with its `content-length`, over TLS with the same
//! [`Tls`] for https. Answers are read as RFC 9112 frames them (a length,
//! chunks, or the close; `1xx` answers passed over), every failure is
//! sorted into the same classes and named as hyper names it, and a
//! response body is read to at most [`RESPONSE_EXCERPT_LIMIT`] bytes. The
//! hostile-receiver matrix holds this client and the pooled one to the same
//! outcomes.

use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::{Buf as _, Bytes, BytesMut};
use hyper::Uri;
use hyper::header::{HeaderName, HeaderValue};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::tls::{self, Tls};
use super::{
    Exchange, RESPONSE_EXCERPT_LIMIT, Response, ResponseExcerpt, TransportFailure,
    after_the_answer_began, before_the_answer, classify_io, latest_connect,
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
    /// The response deadline, one timer moved per request rather than a new
    /// one registered each time.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
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
    authority: String,
    /// The request target: path and query.
    path: String,
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
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        // A parsed URI holds only characters a request line and `host` may.
        HeaderValue::from_str(authority.as_str()).map_err(|e| format!("`{url}`: {e}"))?;
        Ok(Self {
            host,
            port: authority.port_u16().unwrap_or(if https { 443 } else { 80 }),
            authority: authority.as_str().to_owned(),
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
            timer: None,
        }
    }

    /// The request head for `headers`, up to its `content-length` (which
    /// [`finish_head`] writes, since it depends on the body): the request
    /// line, `host`, then `headers` in order with their names in lower
    /// case, then `accept: */*` unless they set it, as hyper writes what
    /// reqwest sends. A head may be built once and rendered for many
    /// requests ([`crate::template::HeadTemplate`]).
    pub fn head(&self, headers: &[HeaderLine]) -> Result<Vec<u8>, SimulatorError> {
        let mut head = Vec::with_capacity(256);
        let (path, authority) = match &self.target {
            Ok(target) => (target.path.as_str(), Some(target.authority.as_str())),
            Err(_) => ("/", None),
        };
        head.extend_from_slice(b"POST ");
        head.extend_from_slice(path.as_bytes());
        head.extend_from_slice(b" HTTP/1.1\r\n");
        if let Some(authority) = authority {
            write_header(&mut head, "host", authority.as_bytes());
        }
        let mut accept = false;
        for line in headers {
            let name = HeaderName::from_bytes(line.name.as_bytes())
                .map_err(|e| SimulatorError::Client(format!("header name `{}`: {e}", line.name)))?;
            HeaderValue::from_str(&line.value)
                .map_err(|e| SimulatorError::Client(format!("header `{}`: {e}", line.name)))?;
            accept |= name == hyper::header::ACCEPT;
            write_header(&mut head, name.as_str(), line.value.as_bytes());
        }
        if !accept {
            write_header(&mut head, "accept", b"*/*");
        }
        Ok(head)
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
        let mut request = self.head(headers)?;
        finish_head(&mut request, body.len());
        request.extend_from_slice(&body);
        Ok(self.send_request(&request, response_timeout).await)
    }

    /// Send `request`, a whole HTTP/1.1 request (a [`KeepAlive::head`] with
    /// its [`finish_head`] and body), as [`KeepAlive::send`] sends one.
    pub async fn send_request(&mut self, request: &[u8], response_timeout: Duration) -> Exchange {
        let started = Instant::now();
        if let Err(why) = &self.target {
            return Exchange {
                result: Err(TransportFailure::Unreachable(why.clone())),
                latency: started.elapsed(),
            };
        }
        let now = tokio::time::Instant::now();
        let connected_by = now + latest_connect(response_timeout);
        let deadline = now + response_timeout;
        let mut timer = match self.timer.take() {
            Some(mut timer) => {
                timer.as_mut().reset(deadline);
                timer
            }
            None => Box::pin(tokio::time::sleep_until(deadline)),
        };
        let result = {
            let mut exchange = std::pin::pin!(self.exchange(request, connected_by));
            // The exchange first, as `tokio::time::timeout` polls it: an
            // answer that is ready when the deadline strikes still counts.
            std::future::poll_fn(|cx| {
                if let Poll::Ready(result) = exchange.as_mut().poll(cx) {
                    return Poll::Ready(result);
                }
                timer
                    .as_mut()
                    .poll(cx)
                    .map(|()| Err(TransportFailure::ResponseTimeout))
            })
            .await
        };
        self.timer = Some(timer);
        if result.is_err() {
            // Whatever state the connection is in, the next delivery starts afresh.
            self.open = None;
        }
        Exchange {
            result,
            latency: started.elapsed(),
        }
    }

    /// Send `request`, over a new connection if need be, open by `connected_by`.
    async fn exchange(
        &mut self,
        request: &[u8],
        connected_by: tokio::time::Instant,
    ) -> Result<Response, TransportFailure> {
        // At most two tries: a reused connection the receiver had closed
        // while idle (found so before writing, or by the write failing),
        // then a new one.
        loop {
            let reused = self
                .open
                .take()
                .and_then(|mut open| open.still_open().then_some(open));
            let (mut open, fresh) = match reused {
                Some(open) => (open, false),
                None => (self.connect(connected_by).await?, true),
            };
            let written = async {
                open.stream.write_all(request).await?;
                open.stream.flush().await
            };
            if let Err(error) = written.await {
                if fresh {
                    return Err(before_the_answer(classify_read(&error)));
                }
                continue;
            }
            let (response, reusable) = open.read_response().await?;
            if reusable {
                self.open = Some(open);
            }
            return Ok(response);
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
        Ok(Open {
            stream,
            read: BytesMut::new(),
        })
    }
}

/// Append one header line.
fn write_header(head: &mut Vec<u8>, name: &str, value: &[u8]) {
    head.extend_from_slice(name.as_bytes());
    head.extend_from_slice(b": ");
    head.extend_from_slice(value);
    head.extend_from_slice(b"\r\n");
}

/// End a [`KeepAlive::head`]: the body's `content-length` and the blank line.
pub fn finish_head(head: &mut Vec<u8>, body_len: usize) {
    use std::io::Write as _;
    let _ = write!(head, "content-length: {body_len}\r\n\r\n");
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

/// A byte stream: plain TCP, or TLS over it.
trait Duplex: AsyncRead + AsyncWrite + Unpin + Send + Sync {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync> Duplex for T {}

/// The class of a failed read or write on an open connection.
fn classify_read(error: &std::io::Error) -> TransportFailure {
    if let Some(tls_error) = tls::find_tls_error(error) {
        return tls::classify_tls(tls_error);
    }
    match error.kind() {
        std::io::ErrorKind::TimedOut => TransportFailure::ResponseTimeout,
        kind => {
            classify_io(kind).unwrap_or_else(|| TransportFailure::Unreachable(error.to_string()))
        }
    }
}

/// The most a response head may take (hyper's default read buffer limit).
const MAX_HEAD: usize = 400 * 1024;
/// The most headers a response head may have (hyper's default).
const MAX_HEADERS: usize = 100;
/// How much room a read asks for.
const READ_ROOM: usize = 8 * 1024;
/// The longest chunk-size or trailer line accepted.
const MAX_LINE: usize = 4 * 1024;

/// An open connection and what has been read from it but not used.
struct Open {
    stream: Box<dyn Duplex>,
    read: BytesMut,
}

/// How a response's body is framed (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    /// Until the receiver closes the connection.
    ToClose,
}

/// What a response head says.
struct Head {
    status: u16,
    location: Option<String>,
    framing: Framing,
    /// The connection may carry the next request afterwards.
    keep_alive: bool,
}

impl Open {
    /// Whether a connection that sat idle can carry a request: the receiver
    /// has not closed it (or sent something unasked).
    fn still_open(&mut self) -> bool {
        if !self.read.is_empty() {
            return false;
        }
        let mut probe = [0u8; 1];
        let mut probe = ReadBuf::new(&mut probe);
        let mut cx = Context::from_waker(Waker::noop());
        // Pending: nothing to read, so the connection stands.
        Pin::new(&mut *self.stream)
            .poll_read(&mut cx, &mut probe)
            .is_pending()
    }

    /// Read more into the buffer; the bytes read (0 at the end of the stream).
    async fn fill(&mut self) -> std::io::Result<usize> {
        if self.read.capacity() - self.read.len() < READ_ROOM / 2 {
            self.read.reserve(READ_ROOM);
        }
        self.stream.read_buf(&mut self.read).await
    }

    /// Read the answer: its head (passing over `1xx` answers), then its
    /// body to at most [`RESPONSE_EXCERPT_LIMIT`] bytes. True with it when
    /// the connection can carry the next request.
    async fn read_response(&mut self) -> Result<(Response, bool), TransportFailure> {
        let head = loop {
            match parse_head(&self.read)? {
                Some((length, head)) => {
                    self.read.advance(length);
                    // `101` would switch protocols, which a POST never asks for.
                    if (100..200).contains(&head.status) && head.status != 101 {
                        continue;
                    }
                    break head;
                }
                None if self.read.len() > MAX_HEAD => {
                    return Err(TransportFailure::MalformedResponse(
                        "message head is too large".to_owned(),
                    ));
                }
                None => match self.fill().await {
                    // Closed before a whole head: hyper's incomplete message.
                    Ok(0) => return Err(TransportFailure::ClosedWithoutResponse),
                    Ok(_) => {}
                    Err(error) => return Err(before_the_answer(classify_read(&error))),
                },
            }
        };
        let mut kept = Kept::default();
        let ended = match head.framing {
            Framing::Empty => true,
            Framing::Length(length) => self.read_length(length, &mut kept).await?,
            Framing::Chunked => self.read_chunked(&mut kept).await?,
            Framing::ToClose => {
                self.read_to_close(&mut kept).await?;
                false
            }
        };
        let (excerpt, whole) = kept.finish();
        let reusable = ended && whole && head.keep_alive && self.read.is_empty();
        let response = Response {
            status: head.status,
            location: head.location,
            excerpt,
        };
        Ok((response, reusable))
    }

    /// The next buffered bytes, reading when none are; the end of the
    /// stream here cuts the answer off.
    async fn more(&mut self) -> Result<(), TransportFailure> {
        if !self.read.is_empty() {
            return Ok(());
        }
        match self.fill().await {
            Ok(0) => Err(TransportFailure::Reset),
            Ok(_) => Ok(()),
            Err(error) => Err(after_the_answer_began(classify_read(&error))),
        }
    }

    /// A body of `length` bytes; true when all of it was read (false when
    /// the excerpt filled first and the rest was left).
    async fn read_length(
        &mut self,
        length: u64,
        kept: &mut Kept,
    ) -> Result<bool, TransportFailure> {
        let mut left = length;
        while left > 0 {
            self.more().await?;
            let take = usize::try_from(left)
                .unwrap_or(usize::MAX)
                .min(self.read.len());
            left -= take as u64;
            if !kept.keep(self.read.split_to(take).freeze()) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A body that runs until the receiver closes the connection.
    async fn read_to_close(&mut self, kept: &mut Kept) -> Result<(), TransportFailure> {
        loop {
            if !self.read.is_empty() {
                let all = self.read.split().freeze();
                if !kept.keep(all) {
                    return Ok(());
                }
            }
            match self.fill().await {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(error) => return Err(after_the_answer_began(classify_read(&error))),
            }
        }
    }

    /// A chunked body, its trailers passed over; true when it was read to
    /// its last chunk.
    async fn read_chunked(&mut self, kept: &mut Kept) -> Result<bool, TransportFailure> {
        loop {
            let line = self.line().await?;
            let size = chunk_size(&line).ok_or_else(|| {
                TransportFailure::MalformedResponse("invalid chunk size line".to_owned())
            })?;
            if size == 0 {
                // Trailers, to the blank line.
                while !self.line().await?.is_empty() {}
                return Ok(true);
            }
            if !self.read_length(size, kept).await? {
                return Ok(false);
            }
            if !self.line().await?.is_empty() {
                return Err(TransportFailure::MalformedResponse(
                    "invalid chunk body".to_owned(),
                ));
            }
        }
    }

    /// The next line of a chunked body, without its CRLF.
    async fn line(&mut self) -> Result<Bytes, TransportFailure> {
        loop {
            if let Some(end) = self.read.windows(2).position(|w| w == b"\r\n") {
                let line = self.read.split_to(end).freeze();
                self.read.advance(2);
                return Ok(line);
            }
            if self.read.len() > MAX_LINE {
                return Err(TransportFailure::MalformedResponse(
                    "invalid chunk size line".to_owned(),
                ));
            }
            match self.fill().await {
                Ok(0) => return Err(TransportFailure::Reset),
                Ok(_) => {}
                Err(error) => return Err(after_the_answer_began(classify_read(&error))),
            }
        }
    }
}

/// A chunk-size line's size: hex digits, then any extensions after `;`.
fn chunk_size(line: &[u8]) -> Option<u64> {
    let digits = line.split(|b| *b == b';').next()?;
    let digits = std::str::from_utf8(digits).ok()?.trim_matches([' ', '\t']);
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// A whole response head at the start of `bytes` and its length, or `None`
/// while more is to come; a head that is not HTTP is named as hyper names it.
fn parse_head(bytes: &[u8]) -> Result<Option<(usize, Head)>, TransportFailure> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let length = match response.parse(bytes) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(error) => {
            return Err(TransportFailure::MalformedResponse(
                parse_error(error).to_owned(),
            ));
        }
    };
    // hyper takes 100 to 999 only, as `http::StatusCode` does.
    let status = response.code.filter(|code| *code >= 100).ok_or_else(|| {
        TransportFailure::MalformedResponse(parse_error(httparse::Error::Status).to_owned())
    })?;
    let http11 = response.version == Some(1);
    let mut location = None;
    let mut content_length: Option<u64> = None;
    let mut chunked = false;
    let mut transfer_encoded = false;
    let mut close = !http11;
    for header in response.headers.iter() {
        let name = header.name;
        if name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|v| content_length.is_none_or(|seen| seen == *v));
            let Some(value) = value else {
                return Err(TransportFailure::MalformedResponse(
                    "invalid content-length parsed".to_owned(),
                ));
            };
            content_length = Some(value);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            transfer_encoded = true;
            // Chunked only when it is the last coding.
            chunked = header
                .value
                .rsplit(|b| *b == b',')
                .next()
                .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case("connection") {
            for option in header.value.split(|b| *b == b',') {
                let option = option.trim_ascii();
                if option.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if option.eq_ignore_ascii_case(b"keep-alive") && !http11 {
                    close = false;
                }
            }
        } else if name.eq_ignore_ascii_case("location") {
            // Visible ASCII only, as the pooled client reads a header as text.
            location = header
                .value
                .iter()
                .all(|b| (b' '..=b'~').contains(b) || *b == b'\t')
                .then(|| String::from_utf8_lossy(header.value).into_owned());
        }
    }
    let framing = if (100..200).contains(&status) || status == 204 || status == 304 {
        Framing::Empty
    } else if transfer_encoded {
        if chunked {
            Framing::Chunked
        } else {
            Framing::ToClose
        }
    } else {
        match content_length {
            Some(0) => Framing::Empty,
            Some(length) => Framing::Length(length),
            None => Framing::ToClose,
        }
    };
    let head = Head {
        status,
        location,
        framing,
        keep_alive: !close && framing != Framing::ToClose,
    };
    Ok(Some((length, head)))
}

/// How hyper names a head that does not parse, so that both clients name
/// a garbled answer the same way.
fn parse_error(error: httparse::Error) -> &'static str {
    match error {
        httparse::Error::Version => "invalid HTTP version parsed",
        httparse::Error::Status => "invalid HTTP status-code parsed",
        httparse::Error::TooManyHeaders => "message head is too large",
        _ => "invalid HTTP header parsed",
    }
}

/// The part of a body kept: the first piece as it was read (no copy), the
/// rest joined to it, never more than [`RESPONSE_EXCERPT_LIMIT`] bytes.
#[derive(Default)]
struct Kept {
    first: Bytes,
    joined: Option<Vec<u8>>,
    truncated: bool,
}

impl Kept {
    fn len(&self) -> usize {
        self.joined.as_ref().map_or(self.first.len(), Vec::len)
    }

    /// Keep `piece`, up to the limit; false when the limit was reached (the
    /// rest of the body is then not read).
    fn keep(&mut self, piece: Bytes) -> bool {
        let room = RESPONSE_EXCERPT_LIMIT - self.len();
        let fits = piece.len() <= room;
        let piece = if fits { piece } else { piece.slice(..room) };
        if self.first.is_empty() && self.joined.is_none() {
            self.first = piece;
        } else if !piece.is_empty() {
            self.joined
                .get_or_insert_with(|| self.first.to_vec())
                .extend_from_slice(&piece);
        }
        self.truncated |= !fits;
        fits
    }

    /// The excerpt, and whether it is the whole body.
    fn finish(self) -> (ResponseExcerpt, bool) {
        let body = self.joined.map_or(self.first, Bytes::from);
        let whole = !self.truncated;
        let excerpt = ResponseExcerpt {
            body,
            truncated: self.truncated,
        };
        (excerpt, whole)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// What reading `answer` gives, sent whole and then closed, over an
    /// in-memory connection.
    fn read_answer(answer: &[u8]) -> Result<(Response, bool), TransportFailure> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let (ours, mut theirs) = tokio::io::duplex(256 * 1024);
            let mut open = Open {
                stream: Box::new(ours),
                read: BytesMut::new(),
            };
            let answer = answer.to_vec();
            let writer = tokio::spawn(async move {
                let _ = theirs.write_all(&answer).await;
                // Dropped: the connection ends.
            });
            let read = open.read_response().await;
            writer.await.expect("the writer ends");
            read
        })
    }

    #[test]
    fn a_whole_answer_is_read_and_a_short_one_is_named() {
        let (response, reusable) =
            read_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").expect("an answer");
        assert_eq!(
            (response.status, response.excerpt.body.as_ref(), reusable),
            (200, &b"ok"[..], true)
        );
        let (closing, reusable) =
            read_answer(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
                .expect("an answer");
        assert_eq!((closing.status, reusable), (200, false));
        assert_eq!(
            read_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nok").map(|r| r.0.status),
            Err(TransportFailure::Reset)
        );
        assert_eq!(
            read_answer(b"HTTP/1.1 200 OK\r\ncontent-").map(|r| r.0.status),
            Err(TransportFailure::ClosedWithoutResponse)
        );
        assert_eq!(
            read_answer(b"").map(|r| r.0.status),
            Err(TransportFailure::ClosedWithoutResponse)
        );
        assert_eq!(
            read_answer(b"HTTP/1.1 099 Low\r\n\r\n").map(|r| r.0.status),
            Err(TransportFailure::MalformedResponse(
                "invalid HTTP status-code parsed".to_owned()
            ))
        );
    }

    proptest! {
        /// Whatever a receiver sends before it closes, reading it ends in
        /// an answer or a named failure: never a panic, never a wait.
        #[test]
        fn any_bytes_end_in_an_answer_or_a_named_failure(
            head in prop_oneof![
                Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
                Just(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec()),
                Just(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 404 Nope\r\n".to_vec()),
                Just(Vec::new()),
            ],
            rest in prop::collection::vec(
                prop_oneof![
                    any::<u8>(),
                    prop::sample::select(b"\r\n:0123456789abcdef; ".to_vec()),
                ],
                0..600,
            ),
        ) {
            let mut answer = head;
            answer.extend(rest);
            if let Ok((response, _)) = read_answer(&answer) {
                prop_assert!(response.excerpt.body.len() <= RESPONSE_EXCERPT_LIMIT);
                prop_assert!((100..1000).contains(&response.status));
            }
        }
    }

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
