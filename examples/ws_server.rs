//! A WebSocket echo server for `scripts/bench-ws.sh` and tests: `GET /stream/ws` upgrades
//! (tokio-tungstenite), every text or binary message is echoed as is, a close is answered;
//! `GET /health` answers 200 so that the harness can run against it with `--url`.
//! One thread (a current-thread runtime), like `examples/h2_server.rs`.
//!
//! Usage: `ws_server [PORT]` (0 or nothing: a free port); prints `listening on ADDR`.

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!("listening on {}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            tokio::task::spawn_local(serve(stream));
        }
    })
}

/// Peeks at the request line: `/stream/ws` is upgraded, anything else gets a small 200/404.
async fn serve(mut stream: TcpStream) {
    let mut peek = [0u8; 64];
    let Ok(n) = stream.peek(&mut peek).await else { return };
    let line = String::from_utf8_lossy(&peek[..n]).into_owned();
    if line.starts_with("GET /stream/ws ") {
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else { return };
        while let Some(Ok(message)) = ws.next().await {
            match message {
                Message::Text(_) | Message::Binary(_) => {
                    let sent = ws.send(message).await;
                    if sent.is_err() {
                        return;
                    }
                }
                Message::Close(_) => {
                    let _ = ws.close(None).await;
                    return;
                }
                _ => {} // pings are answered by tungstenite
            }
        }
        return;
    }
    // Plain HTTP (health checks): read the head, answer, close.
    let mut buf = vec![0u8; 4096];
    let _ = stream.read(&mut buf).await;
    let (status, body) =
        if line.starts_with("GET /health ") { ("200 OK", "ok") } else { ("404 Not Found", "") };
    let reply =
        format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    let _ = stream.write_all(reply.as_bytes()).await;
}
