//! Receivers hooksim plays itself. A scenario that documents the provider's
//! own behaviour (its schedule, its timeout, its redirect rule) needs a
//! receiver that behaves one exact way, not the receiver under test.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// What a stand-in does with every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Nothing listens: every connection is refused.
    RefuseConnections,
    /// Read the request, wait `after`, answer `status` with an empty body.
    Answer { status: u16, after: Duration },
}

/// A running stand-in; it stops when dropped.
#[derive(Debug)]
pub struct StandIn {
    url: String,
    /// Keeps a refusing port bound (but not listening) so nobody else takes it.
    _reservation: Option<TcpSocket>,
    server: Option<JoinHandle<()>>,
}

impl StandIn {
    /// Start a stand-in on a free loopback port.
    pub async fn start(behaviour: Behaviour) -> std::io::Result<Self> {
        match behaviour {
            Behaviour::RefuseConnections => {
                let socket = TcpSocket::new_v4()?;
                socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
                let url = format!("http://{}/", socket.local_addr()?);
                Ok(Self {
                    url,
                    _reservation: Some(socket),
                    server: None,
                })
            }
            Behaviour::Answer { status, after } => {
                let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
                let url = format!("http://{}/", listener.local_addr()?);
                let server = tokio::spawn(serve(listener, status, after));
                Ok(Self {
                    url,
                    _reservation: None,
                    server: Some(server),
                })
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

/// Serve until dropped; each connection gets one answer and is closed.
async fn serve(listener: TcpListener, status: u16, after: Duration) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(answer(stream, status, after));
    }
}

/// The request is read in full first, so the wait is a slow answer and not a
/// slow read; a client that hangs up meanwhile just ends the task.
async fn answer(mut stream: TcpStream, status: u16, after: Duration) {
    if read_request(&mut stream).await.is_err() {
        return;
    }
    tokio::time::sleep(after).await;
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Stand-In");
    let location = if (300..400).contains(&status) {
        "location: /moved-elsewhere\r\n"
    } else {
        ""
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-length: 0\r\nconnection: close\r\n{location}\r\n"
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Largest request head or body a stand-in reads; deliveries are far smaller.
const REQUEST_LIMIT: usize = 4 * 1024 * 1024;

async fn read_request(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(8 * 1024);
    let mut chunk = [0u8; 8 * 1024];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if buf.len() > REQUEST_LIMIT {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    };
    let length = content_length(&buf[..head_end]).min(REQUEST_LIMIT);
    while buf.len() - head_end < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(())
}

fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_the_status_it_was_given() {
        let stand_in = StandIn::start(Behaviour::Answer {
            status: 301,
            after: Duration::ZERO,
        })
        .await
        .expect("starts");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let response = client
            .post(stand_in.url())
            .body("{}")
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status().as_u16(), 301);
        assert_eq!(response.headers()["location"], "/moved-elsewhere");
    }

    #[tokio::test]
    async fn refuses_connections() {
        let stand_in = StandIn::start(Behaviour::RefuseConnections)
            .await
            .expect("starts");
        let error = reqwest::Client::new()
            .post(stand_in.url())
            .send()
            .await
            .expect_err("refused");
        assert!(error.is_connect(), "{error}");
    }
}
