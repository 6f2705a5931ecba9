//! Benchmark of the call pipeline against a running `irisx up` (see `bench/calls/run.sh`).
//!
//! 1. Dial latency: calls are placed one after another at a steady rate to a fake carrier (a
//!    UDP socket in this process that answers every INVITE `486 Busy Here`); the time from the
//!    API's 202 to the INVITE arriving at the carrier is measured per call (matched by the
//!    dialled number).
//! 2. Accept throughput: many concurrent clients POST calls for a fixed time; every 202 means
//!    the call row is committed and the request stored in JetStream. These calls go to a
//!    number no carrier routes, so the orchestrator only fails them.
//!
//! Usage: bench_calls <api base URL> <latency calls> <throughput seconds> <concurrency>

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::net::UdpSocket;
use tokio::sync::Mutex;

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// A minimal SIP UAS: records when each INVITE arrives (by Request-URI user) and answers 486.
async fn fake_carrier(sock: Arc<UdpSocket>, seen: Arc<Mutex<HashMap<String, Instant>>>) {
    let mut buf = vec![0u8; 65536];
    loop {
        let Ok((n, from)) = sock.recv_from(&mut buf).await else {
            return;
        };
        let at = Instant::now();
        let msg = String::from_utf8_lossy(&buf[..n]).to_string();
        if !msg.starts_with("INVITE ") {
            continue;
        }
        let user = msg[7..]
            .split(['@', ' '])
            .next()
            .unwrap_or("")
            .trim_start_matches("sip:")
            .to_owned();
        seen.lock().await.entry(user).or_insert(at);
        let header = |name: &str| {
            let prefix = format!("{}:", name.to_ascii_lowercase());
            msg.lines()
                .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
                .unwrap_or("")
                .to_owned()
        };
        let reply = format!(
            "SIP/2.0 486 Busy Here\r\n{}\r\n{}\r\n{};tag=bench\r\n{}\r\n{}\r\nContent-Length: 0\r\n\r\n",
            header("Via"),
            header("From"),
            header("To"),
            header("Call-ID"),
            header("CSeq")
        );
        let _ = sock.send_to(reply.as_bytes(), from).await;
    }
}

async fn setup(http: &reqwest::Client, base: &str, port: u16) -> anyhow::Result<String> {
    let email = format!("bench-{}@example.com", std::process::id());
    let reg: Value = http
        .post(format!("{base}/v1/auth/register"))
        .json(&json!({"email": email, "password": "correct horse battery staple", "name": "Bench", "company": "Bench"}))
        .send()
        .await?
        .json()
        .await?;
    let token = reg["tokens"]["access_token"]
        .as_str()
        .expect("registered")
        .to_owned();
    let key: Value = http
        .post(format!("{base}/v1/api-keys"))
        .bearer_auth(&token)
        .json(&json!({"name": "bench"}))
        .send()
        .await?
        .json()
        .await?;
    let key = key["key"].as_str().expect("api key").to_owned();
    // Carriers are managed by the tenant's owner (a user session, not a key).
    let carrier: Value = http
        .post(format!("{base}/v1/carriers"))
        .bearer_auth(&token)
        .json(&json!({"name": "fake", "host": "127.0.0.1", "port": port}))
        .send()
        .await?
        .json()
        .await?;
    let id = carrier["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("carrier not created: {carrier}"))?;
    http.put(format!("{base}/v1/carriers/{id}/rates"))
        .bearer_auth(&token)
        .json(&json!({"rates": [{"prefix": "1555", "cost_per_min": 0.01}]}))
        .send()
        .await?
        .error_for_status()?;
    Ok(key)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let latency_calls: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(200);
    let seconds: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(20);
    let concurrency: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(32);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;

    let sock = Arc::new(UdpSocket::bind("127.0.0.1:0").await?);
    let port = sock.local_addr()?.port();
    let seen = Arc::new(Mutex::new(HashMap::new()));
    tokio::spawn(fake_carrier(sock, seen.clone()));
    let key = setup(&http, &base, port).await?;

    // 1. Dial latency, 20 calls per second.
    let mut accepted_at = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    for i in 0..latency_calls {
        tick.tick().await;
        let number = format!("1555{i:07}");
        let r = http
            .post(format!("{base}/v1/calls"))
            .bearer_auth(&key)
            .json(&json!({"to": format!("+{number}"), "from": "+15550001111", "application": [{"verb": "hangup"}]}))
            .send()
            .await?;
        if r.status().as_u16() == 202 {
            accepted_at.insert(number, Instant::now());
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let arrived = seen.lock().await.clone();
    let mut lat: Vec<f64> = accepted_at
        .iter()
        .filter_map(|(n, t)| {
            arrived
                .get(n)
                .map(|s| s.saturating_duration_since(*t).as_secs_f64() * 1000.0)
        })
        .collect();
    lat.sort_by(f64::total_cmp);
    println!(
        "dial latency (202 → INVITE at the carrier): {} calls, {} reached the carrier; p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        accepted_at.len(),
        lat.len(),
        pct(&lat, 0.5),
        pct(&lat, 0.9),
        pct(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN)
    );

    // 2. Accept throughput.
    let ok = Arc::new(AtomicU64::new(0));
    let other = Arc::new(AtomicU64::new(0));
    let lats = Arc::new(Mutex::new(Vec::new()));
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (http, base, key) = (http.clone(), base.clone(), key.clone());
        let (ok, other, lats) = (ok.clone(), other.clone(), lats.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while Instant::now() < end {
                let t = Instant::now();
                let r = http
                    .post(format!("{base}/v1/calls"))
                    .bearer_auth(&key)
                    .json(&json!({"to": "+4420790000000", "from": "+15550001111", "application": [{"verb": "hangup"}]}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().as_u16() == 202 => {
                        ok.fetch_add(1, Ordering::Relaxed);
                        mine.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    _ => {
                        other.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            lats.lock().await.extend(mine);
        }));
    }
    for t in tasks {
        t.await?;
    }
    let mut l = lats.lock().await.clone();
    l.sort_by(f64::total_cmp);
    let n = ok.load(Ordering::Relaxed);
    println!(
        "accept: {n} calls accepted in {seconds} s with {concurrency} clients = {:.0} req/s; p50 {:.2} ms, p99 {:.2} ms; {} other responses",
        n as f64 / seconds as f64,
        pct(&l, 0.5),
        pct(&l, 0.99),
        other.load(Ordering::Relaxed)
    );
    Ok(())
}
