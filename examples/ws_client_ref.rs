//! The reference WebSocket client of `scripts/bench-ws.sh` (tokio-tungstenite): N connections,
//! each with one outstanding text message of M bytes (its sequence number in it) echoed back
//! and compared, for S seconds; prints `messages N errors E msgs_per_sec R`.
//!
//! Usage: `ws_client_ref URL CONNECTIONS BYTES SECONDS [THREADS]` (threads: default half of the
//! CPUs, at least 1, as the harness's generator), e.g. `ws://127.0.0.1:9000/stream/ws 50 128 5`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: ws_client_ref URL CONNECTIONS BYTES SECONDS [THREADS]";
    let (Some(url), Some(conns), Some(bytes), Some(secs)) = (
        args.get(1).cloned(),
        args.get(2).and_then(|v| v.parse::<usize>().ok()),
        args.get(3).and_then(|v| v.parse::<usize>().ok()),
        args.get(4).and_then(|v| v.parse::<f64>().ok()),
    ) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = args.get(5).and_then(|v| v.parse().ok()).unwrap_or((cpus / 2).max(1)).clamp(1, conns);
    let (messages, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (url, messages, errors) = (url.clone(), messages.clone(), errors.clone());
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                let local = tokio::task::LocalSet::new();
                local.block_on(&runtime, async move {
                    let tasks: Vec<_> = (t..conns)
                        .step_by(threads)
                        .map(|_| tokio::task::spawn_local(connection(url.clone(), bytes, deadline)))
                        .collect();
                    for task in tasks {
                        let (ok, bad) = task.await.unwrap_or((0, 1));
                        messages.fetch_add(ok, Ordering::Relaxed);
                        errors.fetch_add(bad, Ordering::Relaxed);
                    }
                });
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    let elapsed = start.elapsed().as_secs_f64().min(secs).max(f64::EPSILON);
    let n = messages.load(Ordering::Relaxed);
    println!("messages {n} errors {} msgs_per_sec {:.1}", errors.load(Ordering::Relaxed), n as f64 / elapsed);
}

/// One connection until `deadline`: (messages echoed correctly, errors).
async fn connection(url: String, bytes: usize, deadline: Instant) -> (u64, u64) {
    // ws://HOST:PORT/path: TCP with TCP_NODELAY (as the harness), then the upgrade.
    let authority = url.trim_start_matches("ws://").split('/').next().unwrap_or("").to_string();
    let Ok(tcp) = tokio::net::TcpStream::connect(&authority).await else { return (0, 1) };
    let _ = tcp.set_nodelay(true);
    let Ok((mut ws, _)) = tokio_tungstenite::client_async(url.as_str(), tcp).await else { return (0, 1) };
    let (mut ok, mut bad) = (0u64, 0u64);
    let mut seq = 0u64;
    while Instant::now() < deadline {
        let mut text = format!("{seq:020} ");
        while text.len() < bytes {
            text.push((b'a' + ((seq + text.len() as u64) % 26) as u8) as char);
        }
        text.truncate(bytes);
        seq += 1;
        let remaining = deadline.saturating_duration_since(Instant::now());
        let sent = text.clone();
        let round = async {
            ws.send(Message::text(text)).await.ok()?;
            loop {
                match ws.next().await? {
                    Ok(Message::Text(t)) => return Some(t.as_str() == sent),
                    Ok(Message::Binary(_)) => return Some(false),
                    Ok(_) => continue,
                    Err(_) => return None,
                }
            }
        };
        match tokio::time::timeout(remaining, round).await {
            Ok(Some(true)) => ok += 1,
            Ok(Some(false)) => bad += 1,
            Ok(None) => return (ok, bad + 1),
            Err(_) => break, // the window ended with this message in flight: not counted
        }
    }
    let _ = ws.close(None).await;
    (ok, bad)
}
