//! The streaming exchanges (SSE and WebSocket) under `run`, against tiny blocking servers on
//! 127.0.0.1:0 built from the same framing code: counts and outcomes only, never timings.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;

use super::frame;
use super::tests::{plan, run_plan};
use super::*;

/// How the test WebSocket server behaves on each connection.
#[derive(Debug, Clone, Copy)]
enum Ws {
    Echo,
    /// Echoes this many messages, then sends a close frame and closes.
    CloseAfter(usize),
    /// Changes the last byte of every echo.
    Corrupt,
}

fn serve<F: Fn(TcpStream) + Send + Sync + Copy + 'static>(handler: F) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_nodelay(true);
            thread::spawn(move || handler(stream));
        }
    });
    addr
}

/// Reads until the end of a request head; None at EOF.
fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            return Some(head);
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn ws_server(mode: Ws) -> SocketAddr {
    serve(move |mut stream| {
        let mut buf = Vec::new();
        let Some(head) = read_head(&mut stream, &mut buf) else { return };
        let key = head.lines().find_map(|l| l.strip_prefix("Sec-WebSocket-Key: ")).unwrap_or("").trim();
        let reply = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            frame::accept_key(key)
        );
        if stream.write_all(reply.as_bytes()).is_err() {
            return;
        }
        let mut echoed = 0;
        loop {
            let d = match frame::decode(&mut buf) {
                Ok(Some(d)) => d,
                Ok(None) => {
                    let mut chunk = [0u8; 4096];
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    continue;
                }
                Err(_) => return,
            };
            let mut payload = buf[d.payload.clone()].to_vec();
            buf.drain(..d.len);
            if matches!(mode, Ws::CloseAfter(n) if echoed == n) {
                let _ = stream.write_all(&[0x88, 0x02, 0x03, 0xE8]); // close, 1000
                return;
            }
            if let Ws::Corrupt = mode {
                if let Some(last) = payload.last_mut() {
                    *last ^= 1;
                }
            }
            // An unmasked server frame.
            let mut out = vec![0x80 | d.opcode];
            match payload.len() {
                n if n < 126 => out.push(n as u8),
                n => {
                    out.push(126);
                    out.extend_from_slice(&(n as u16).to_be_bytes());
                }
            }
            out.extend_from_slice(&payload);
            if stream.write_all(&out).is_err() {
                return;
            }
            echoed += 1;
        }
    })
}

/// Keep-alive SSE: every GET gets `sent` events (chunked), then the last chunk.
fn sse_server(sent: u32) -> SocketAddr {
    serve(move |mut stream| {
        let mut buf = Vec::new();
        while read_head(&mut stream, &mut buf).is_some() {
            let mut out =
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .to_vec();
            for i in 0..sent {
                let event =
                    format!(": c\r\nid: {i}\r\ndata: {{\"seq\":{i},\"ts_us\":{}}}\r\n\r\n", wall_us());
                out.extend_from_slice(format!("{:x}\r\n{event}\r\n", event.len()).as_bytes());
            }
            out.extend_from_slice(b"0\r\n\r\n");
            if stream.write_all(&out).is_err() {
                return;
            }
        }
    })
}

fn ws_plan(addr: SocketAddr) -> LoadPlan {
    let mut p = plan(addr);
    p.request.path = "/stream/ws".into();
    p.request.headers = vec![
        ("Upgrade".into(), "websocket".into()),
        ("Connection".into(), "Upgrade".into()),
        ("Sec-WebSocket-Version".into(), "13".into()),
    ];
    p.stream = Some(StreamPlan::WebSocket { message_bytes: 300 });
    p
}

fn sse_plan(addr: SocketAddr, events: u32) -> LoadPlan {
    let mut p = plan(addr);
    p.request.path = format!("/stream/sse?count={events}");
    p.stream = Some(StreamPlan::Sse { events });
    p
}

#[test]
fn websocket_messages_are_echoed_and_compared_and_connects_timed() {
    let r = run_plan(&ws_plan(ws_server(Ws::Echo)));
    assert!(r.successful_requests > 0, "{r:?}");
    assert_eq!(r.errors.total(), 0, "{:?}", r.errors);
    assert_eq!(r.stream.connect.len(), 4); // one per connection, opened during the warm-up
    assert_eq!(r.stream.dropped_connections, 0);
    assert_eq!(r.body_bytes, r.responses * 300);
}

#[test]
fn a_closed_websocket_is_a_dropped_connection_and_the_message_is_resent() {
    let r = run_plan(&ws_plan(ws_server(Ws::CloseAfter(3))));
    assert!(r.successful_requests > 0, "{r:?}");
    assert!(r.stream.dropped_connections > 0, "{r:?}");
    assert!(r.stream.connect.len() > 4, "reconnected: {}", r.stream.connect.len());
    assert_eq!(r.errors.total(), 0, "{:?}", r.errors);
}

#[test]
fn a_changed_echo_is_a_mismatch() {
    let r = run_plan(&ws_plan(ws_server(Ws::Corrupt)));
    assert_eq!(r.successful_requests, 0, "{r:?}");
    assert!(r.errors.mismatch > 0, "{:?}", r.errors);
}

#[test]
fn sse_streams_are_read_event_by_event_on_keep_alive_connections() {
    let r = run_plan(&sse_plan(sse_server(5), 5));
    assert!(r.successful_requests > 0, "{r:?}");
    assert_eq!(r.errors.total(), 0, "{:?}", r.errors);
    assert!(r.stream.streams_completed > 0);
    assert_eq!(r.stream.dropped_streams, 0);
    assert!(!r.stream.first_event.is_empty() && !r.stream.inter_event.is_empty());
    // The event awaited at the end of the window is no censored latency sample.
    assert_eq!(r.censored_in_flight, 0);
    // Events, not streams, are the requests.
    assert!(r.successful_requests >= r.stream.streams_completed * 4, "{r:?}");
}

#[test]
fn a_short_or_long_sse_stream_is_an_error_and_dropped() {
    let r = run_plan(&sse_plan(sse_server(4), 5));
    assert!(r.stream.dropped_streams > 0, "{r:?}");
    assert!(r.errors.read > 0, "{:?}", r.errors);
    assert_eq!(r.stream.streams_completed, 0);
    let r = run_plan(&sse_plan(sse_server(6), 5));
    assert!(r.errors.mismatch > 0, "{:?}", r.errors);
    assert_eq!(r.stream.streams_completed, 0);
}

#[test]
fn sse_plans_refuse_a_fixed_rate() {
    let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
    let mut p = sse_plan(addr, 3);
    p.pacing = Pacing::FixedRate { per_sec: 10.0 };
    let err = run(&p, &Arc::new(std::sync::atomic::AtomicBool::new(false)), &|_| {}).unwrap_err();
    assert!(err.to_string().contains("closed loop only"), "{err}");
}
