//! Decode throughput on one core over a file of ESL traffic (from
//! `shared/bench/esl_events_gen.py`), side by side with the crates.io `freeswitch-esl-tokio`
//! client fed the same bytes over a loopback socket.
//!
//! What is measured, per decoder:
//! - `irisx esl (in memory)`: the file fed in 16 KB chunks through [`esl::EslCodec`], each
//!   frame typed with [`esl::Message::from_frame`], i.e. every event parsed into an
//!   [`esl::Event`] with its headers percent-decoded (plain) or JSON-parsed (json) and its
//!   body extracted. Best of `repeat` runs.
//! - `irisx esl client (loopback)` and `freeswitch-esl-tokio (loopback)`: a local server
//!   authenticates the client, then writes the file to the socket; the time runs from the
//!   first event the client hands out to the last one (connection set-up excluded).
//!
//! Usage: `decode_bench <file> [repeat]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use esl::{EslCodec, Message};
use futures::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio_util::codec::{Decoder, Framed};

/// Decodes the whole file; returns (events, headers seen, frames).
fn decode_in_memory(data: &[u8]) -> (usize, usize, usize) {
    let mut codec = EslCodec::new();
    let (mut events, mut headers, mut frames) = (0, 0, 0);
    let mut buf = BytesMut::with_capacity(64 * 1024);
    for chunk in data.chunks(16 * 1024) {
        buf.extend_from_slice(chunk);
        while let Ok(Some(frame)) = codec.decode(&mut buf) {
            frames += 1;
            if let Ok(Message::Event(e)) = Message::from_frame(frame) {
                events += 1;
                headers += e.len();
            }
        }
    }
    (events, headers, frames)
}

/// Frames only (no typing), to show what the parse costs on top.
fn frame_in_memory(data: &[u8]) -> usize {
    let mut codec = EslCodec::new();
    let mut frames = 0;
    let mut buf = BytesMut::with_capacity(64 * 1024);
    for chunk in data.chunks(16 * 1024) {
        buf.extend_from_slice(chunk);
        while let Ok(Some(_)) = codec.decode(&mut buf) {
            frames += 1;
        }
    }
    frames
}

/// A server that accepts `auth`, answers `+OK` to a command sent right after it (our client
/// subscribes), then writes `data`.
async fn feeder(data: Arc<Vec<u8>>) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let data = data.clone();
            tokio::spawn(async move {
                let mut io = Framed::new(s, EslCodec::new());
                let _ = io.send(esl::reply::auth_request()).await;
                let _ = io.next().await; // auth
                let _ = io.send(esl::reply::ok("accepted")).await;
                if let Ok(Some(Ok(_))) =
                    tokio::time::timeout(Duration::from_millis(300), io.next()).await
                {
                    let _ = io
                        .send(esl::reply::ok("event listener enabled plain"))
                        .await;
                }
                let mut s = io.into_inner();
                let _ = s.write_all(&data).await;
                tokio::time::sleep(Duration::from_secs(3600)).await;
            });
        }
    });
    port
}

/// Returns (events, seconds from the first to the last).
async fn ours_over_socket(port: u16, expected: usize) -> (usize, f64) {
    let mut cfg = esl::ClientConfig::new(&format!("127.0.0.1:{port}"), "ClueCon");
    cfg.liveness = None;
    cfg.event_capacity = expected + 16;
    let client = esl::Client::connect(cfg).await.expect("connect");
    let mut rx = client.events();
    let (mut n, mut first) = (0, None);
    while n < expected {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(Ok(_))) => n += 1,
            Ok(Some(Err(esl::ClientError::Lagged(k)))) => n += k as usize,
            _ => break,
        }
        first.get_or_insert_with(Instant::now);
    }
    (n, first.map_or(0.0, |t| t.elapsed().as_secs_f64()))
}

/// Returns (events, seconds from the first to the last, queue-full notices).
async fn theirs_over_socket(port: u16, expected: usize) -> (usize, f64, usize) {
    let options = freeswitch_esl_tokio::EslConnectOptions::new()
        .with_event_queue_size(expected + 16)
        .with_event_overflow(freeswitch_esl_tokio::EventOverflow::BlockFor(
            Duration::from_secs(60),
        ));
    let (_client, mut events) = freeswitch_esl_tokio::EslClient::connect_with_options(
        "127.0.0.1",
        port,
        "ClueCon",
        options,
    )
    .await
    .expect("connect");
    let (mut n, mut overflows, mut first) = (0, 0, None);
    while n < expected {
        match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
            Ok(Some(Ok(_))) => n += 1,
            Ok(Some(Err(e))) if e.is_recoverable() => overflows += 1,
            _ => break,
        }
        first.get_or_insert_with(Instant::now);
    }
    (
        n,
        first.map_or(0.0, |t| t.elapsed().as_secs_f64()),
        overflows,
    )
}

fn line(what: &str, path: &str, n: usize, secs: f64, bytes: usize) {
    println!(
        "{what} {path}: {n} events in {secs:.3} s = {:.0} events/s, {:.1} MB/s",
        n as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: decode_bench <file> [repeat]");
        std::process::exit(2);
    };
    let repeat: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let data = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let (events, headers, frames) = decode_in_memory(&data);
    let (mut best, mut best_frames) = (f64::MAX, f64::MAX);
    for _ in 0..repeat {
        let t = Instant::now();
        assert_eq!(decode_in_memory(&data).0, events);
        best = best.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        assert_eq!(frame_in_memory(&data), frames);
        best_frames = best_frames.min(t.elapsed().as_secs_f64());
    }
    println!(
        "irisx esl (in memory) {path}: {events} events, {headers} headers decoded, in {best:.3} s = {:.0} events/s, {:.1} MB/s (framing alone: {:.0} frames/s, {:.1} MB/s)",
        events as f64 / best,
        data.len() as f64 / 1e6 / best,
        frames as f64 / best_frames,
        data.len() as f64 / 1e6 / best_frames,
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let data = Arc::new(data);
        let port = feeder(data.clone()).await;
        let (n, s) = ours_over_socket(port, events).await;
        line("irisx esl client (loopback)", &path, n, s, data.len());
        let (n, s, overflows) = theirs_over_socket(port, events).await;
        let note = if overflows > 0 {
            format!(" ({overflows} queue-full notices)")
        } else {
            String::new()
        };
        line(
            &format!("freeswitch-esl-tokio 2.8.0 (loopback){note}"),
            &path,
            n,
            s,
            data.len(),
        );
    });
}
