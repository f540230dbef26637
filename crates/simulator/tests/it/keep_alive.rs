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
