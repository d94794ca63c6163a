//! A tiny, fast hello-world HTTP/1.1 server (tokio + httparse, no hyper) for
//! benchmarking the load generator: every request gets
//! `200 OK` with the body `Hello, World!`.
//!
//! Usage: `hello_server [PORT]` (default 8080; 0 picks a free port). Prints
//! `listening on ADDR` once ready.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!";

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .map_or(Ok(8080), |p| p.parse())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("invalid port: {e}")))?;
    // One worker: a current-thread runtime is the single-worker runtime
    // (the crate's tokio has no `rt-multi-thread` feature).
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!("listening on {}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(serve(stream));
        }
    })
}

/// Answers every complete request head in the buffer (pipelining works too).
async fn serve(mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; 16 * 1024];
    let mut out = Vec::with_capacity(RESPONSE.len() * 16);
    let mut end = 0;
    loop {
        let n = match stream.read(&mut buf[end..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        end += n;
        let mut start = 0;
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(&buf[start..end]) {
                Ok(httparse::Status::Complete(len)) => {
                    let body: usize = req
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                        .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
                        .unwrap_or(0);
                    if start + len + body > end {
                        break; // body not here yet
                    }
                    start += len + body;
                    out.extend_from_slice(RESPONSE);
                }
                Ok(httparse::Status::Partial) => break,
                Err(_) => return,
            }
        }
        buf.copy_within(start..end, 0);
        end -= start;
        if end == buf.len() {
            return; // request larger than the buffer
        }
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
    }
}
