//! A burst worker's keep-alive connection: one connection for many
//! deliveries, a new one whenever the receiver closes it, and no delivery
//! lost to a connection the receiver closed while it sat idle.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use hooksim_simulator::providers::HeaderLine;
use hooksim_simulator::transport::TransportFailure;
use hooksim_simulator::transport::keep_alive::KeepAlive;
use hooksim_simulator::transport::tls::Tls;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::misbehaving::whole_request;

/// What the raw receiver does after each answer.
#[derive(Clone, Copy)]
enum AfterAnswer {
    /// Keep the connection for the next request.
    KeepOpen,
    /// Say `connection: close` and close.
    SayCloseAndClose,
    /// Close without saying so, as a receiver's idle timeout does.
    CloseSilently,
}

/// A receiver answering every request with 200 `ok`; the count of
/// connections it accepted, and of requests it answered.
struct Counting {
    url: String,
    connections: Arc<AtomicUsize>,
    answered: Arc<AtomicUsize>,
}

async fn counting_receiver(after: AfterAnswer) -> Counting {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hemnet", listener.local_addr().expect("addr"));
    let connections = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let (accepted, served) = (Arc::clone(&connections), Arc::clone(&answered));
    tokio::spawn(async move {
        // Bounded: a test opens a few dozen connections at most.
        for _ in 0..64 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            accepted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(stream, after, Arc::clone(&served)));
        }
    });
    Counting {
        url,
        connections,
        answered,
    }
}

async fn serve(mut stream: TcpStream, after: AfterAnswer, answered: Arc<AtomicUsize>) {
    let mut pending = Vec::new();
    let mut chunk = [0u8; 8 * 1024];
    // Bounded: at most so many requests on one connection.
    for _ in 0..1_000 {
        let request_end = loop {
            if let Some(end) = whole_request(&pending) {
                break end;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => pending.extend_from_slice(&chunk[..n]),
            }
        };
        pending.drain(..request_end);
        let close = matches!(after, AfterAnswer::SayCloseAndClose);
        let head = if close {
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
        } else {
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
        };
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        answered.fetch_add(1, Ordering::SeqCst);
        if !matches!(after, AfterAnswer::KeepOpen) {
            let _ = stream.shutdown().await;
            return;
        }
    }
}

async fn send(connection: &mut KeepAlive) -> Result<u16, TransportFailure> {
    let headers = [HeaderLine::fixed("Content-Type", "application/json")];
    let exchange = connection
        .send(
            &headers,
            Bytes::from_static(br#"{"n":1}"#),
            Duration::from_secs(5),
        )
        .await
        .expect("the exchange runs");
    exchange.result.map(|response| response.status)
}

#[tokio::test]
async fn one_connection_carries_every_delivery() {
    let receiver = counting_receiver(AfterAnswer::KeepOpen).await;
    let mut connection = KeepAlive::new(&receiver.url, Duration::from_secs(1), Tls::system());
    for _ in 0..20 {
        assert_eq!(send(&mut connection).await, Ok(200));
    }
    assert_eq!(receiver.answered.load(Ordering::SeqCst), 20);
    assert_eq!(receiver.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_receiver_that_says_close_gets_a_new_connection_each_time() {
    let receiver = counting_receiver(AfterAnswer::SayCloseAndClose).await;
    let mut connection = KeepAlive::new(&receiver.url, Duration::from_secs(1), Tls::system());
    for _ in 0..5 {
        assert_eq!(send(&mut connection).await, Ok(200));
    }
    assert_eq!(receiver.connections.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn a_connection_closed_while_idle_loses_no_delivery() {
    let receiver = counting_receiver(AfterAnswer::CloseSilently).await;
    let mut connection = KeepAlive::new(&receiver.url, Duration::from_secs(1), Tls::system());
    for _ in 0..5 {
        assert_eq!(send(&mut connection).await, Ok(200));
        // Let the receiver's close arrive before the next delivery.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(receiver.answered.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn a_hanging_receiver_times_out_and_its_connection_is_dropped() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hemnet", listener.local_addr().expect("addr"));
    let hung_up = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("one connection");
        let mut buf = vec![0u8; 64 * 1024];
        // Read and never answer, until the client hangs up (bounded).
        for _ in 0..1_000 {
            match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
                Ok(Ok(0)) => return true,
                Ok(Ok(_)) => {}
                _ => return false,
            }
        }
        false
    });
    let mut connection = KeepAlive::new(&url, Duration::from_secs(1), Tls::system());
    let exchange = connection
        .send(&[], Bytes::from_static(b"{}"), Duration::from_millis(200))
        .await
        .expect("the exchange runs");
    assert_eq!(exchange.result, Err(TransportFailure::ResponseTimeout));
    assert!(
        hung_up.await.expect("the receiver task ends"),
        "the timed-out connection must be closed, not left open"
    );
}

#[tokio::test]
async fn nothing_listening_is_a_refused_connection() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hemnet", listener.local_addr().expect("addr"));
    drop(listener);
    let mut connection = KeepAlive::new(&url, Duration::from_secs(1), Tls::system());
    assert_eq!(
        send(&mut connection).await,
        Err(TransportFailure::ConnectRefused)
    );
}

/// A receiver that answers the requests on its connections with `answers`
/// in turn, each written in small pieces (so the client reads it across
/// many reads); the count of connections it accepted.
async fn scripted_receiver(answers: Vec<Vec<u8>>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hemnet", listener.local_addr().expect("addr"));
    let connections = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::clone(&connections);
    tokio::spawn(async move {
        let answers = Arc::new(answers);
        let next = Arc::new(AtomicUsize::new(0));
        // Bounded: a test opens a few connections.
        for _ in 0..16 {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            accepted.fetch_add(1, Ordering::SeqCst);
            let (answers, next) = (Arc::clone(&answers), Arc::clone(&next));
            tokio::spawn(async move {
                let mut pending = Vec::new();
                let mut chunk = [0u8; 8 * 1024];
                while next.load(Ordering::SeqCst) < answers.len() {
                    let end = loop {
                        if let Some(end) = whole_request(&pending) {
                            break end;
                        }
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => pending.extend_from_slice(&chunk[..n]),
                        }
                    };
                    pending.drain(..end);
                    let answer = &answers[next.fetch_add(1, Ordering::SeqCst)];
                    for piece in answer.chunks(7) {
                        if stream.write_all(piece).await.is_err() {
                            return;
                        }
                        stream.flush().await.ok();
                        tokio::task::yield_now().await;
                    }
                }
            });
        }
    });
    (url, connections)
}

#[tokio::test]
async fn answers_framed_every_way_are_read_whole_over_one_connection() {
    let answers: Vec<Vec<u8>> = vec![
        // Chunked, with an extension, a trailer and the size in capitals.
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;x=y\r\nhello\r\nA\r\n, chunked!\r\n0\r\nx-trailer: 1\r\n\r\n".to_vec(),
        // An interim answer, then the final one with a length.
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 6\r\n\r\nqueued".to_vec(),
        // No body by its status.
        b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
        // A redirect's location.
        b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\ncontent-length: 0\r\n\r\n".to_vec(),
    ];
    let (url, connections) = scripted_receiver(answers).await;
    let mut connection = KeepAlive::new(&url, Duration::from_secs(1), Tls::system());
    let mut answered = Vec::new();
    for _ in 0..4 {
        let exchange = connection
            .send(&[], Bytes::from_static(b"{}"), Duration::from_secs(5))
            .await
            .expect("the exchange runs");
        let response = exchange.result.expect("an answer");
        answered.push((
            response.status,
            response.location,
            String::from_utf8(response.excerpt.body.to_vec()).expect("text"),
            response.excerpt.truncated,
        ));
    }
    assert_eq!(
        answered,
        [
            (200, None, "hello, chunked!".to_owned(), false),
            (202, None, "queued".to_owned(), false),
            (204, None, String::new(), false),
            (302, Some("/elsewhere".to_owned()), String::new(), false),
        ]
    );
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "one connection carried all four"
    );
}

#[tokio::test]
async fn a_chunked_body_past_the_excerpt_is_cut_and_its_connection_not_reused() {
    let limit = hooksim_simulator::transport::RESPONSE_EXCERPT_LIMIT;
    let mut long = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        long.extend_from_slice(format!("{:x}\r\n", limit / 2).as_bytes());
        long.extend(std::iter::repeat_n(b'x', limit / 2));
        long.extend_from_slice(b"\r\n");
    }
    long.extend_from_slice(b"0\r\n\r\n");
    let short = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".to_vec();
    let (url, connections) = scripted_receiver(vec![long, short]).await;
    let mut connection = KeepAlive::new(&url, Duration::from_secs(1), Tls::system());
    let first = connection
        .send(&[], Bytes::from_static(b"{}"), Duration::from_secs(10))
        .await
        .expect("the exchange runs")
        .result
        .expect("an answer");
    assert_eq!(first.excerpt.body.len(), limit);
    assert!(first.excerpt.truncated);
    let second = connection
        .send(&[], Bytes::from_static(b"{}"), Duration::from_secs(10))
        .await
        .expect("the exchange runs")
        .result
        .expect("an answer");
    assert_eq!(second.excerpt.body.as_ref(), b"ok");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        2,
        "the cut-off connection was not reused"
    );
}

#[tokio::test]
async fn a_broken_chunk_or_length_is_a_malformed_response() {
    for (answer, detail) in [
        (
            &b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"[..],
            "invalid chunk size line",
        ),
        (
            &b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok"[..],
            "invalid content-length parsed",
        ),
        (
            &b"HTTP/1.1 2x0 OK\r\n\r\n"[..],
            "invalid HTTP status-code parsed",
        ),
    ] {
        let (url, _) = scripted_receiver(vec![answer.to_vec()]).await;
        let mut connection = KeepAlive::new(&url, Duration::from_secs(1), Tls::system());
        let exchange = connection
            .send(&[], Bytes::from_static(b"{}"), Duration::from_secs(5))
            .await
            .expect("the exchange runs");
        assert_eq!(
            exchange.result.map(|r| r.status),
            Err(TransportFailure::MalformedResponse(detail.to_owned())),
            "{}",
            String::from_utf8_lossy(answer)
        );
    }
}
