//! Benchmark of the cdr worker (see `bench/cdr/run.sh`): a burst of hangups is stored in the
//! `CDRS` stream first (not timed), then a cdr worker is started and timed until every leg has
//! its row in PostgreSQL — rows written per second, end to end (JetStream pull, JSON event
//! parsing, rating, batched insert, acknowledgements).
//!
//! Usage: bench_cdr <legs> [batch size]

use std::time::{Duration, Instant};

use futures::StreamExt;
use irisx_bus::{Bus, LegRecord};

fn hangup(i: usize) -> LegRecord {
    let leg = format!("00000000-0000-4000-8000-{i:012}");
    let start = 1_795_000_000_000_000i64 + i as i64 * 1_000;
    let mut e = esl::Event::new("CHANNEL_HANGUP_COMPLETE")
        .with("Unique-ID", &leg)
        .with("Call-Direction", "outbound")
        .with("Hangup-Cause", "NORMAL_CLEARING")
        .with("Caller-Caller-ID-Number", "+15550001111")
        .with("Caller-Destination-Number", "15551234567");
    let vars = [
        ("start_uepoch", start.to_string()),
        ("answer_uepoch", (start + 2_000_000).to_string()),
        ("end_uepoch", (start + 62_000_000).to_string()),
        ("duration", "62".into()),
        ("billsec", "60".into()),
        ("sip_term_status", "200".into()),
        ("irisx_call_id", format!("11111111-0000-4000-8000-{i:012}")),
        (
            "irisx_tenant_id",
            "22222222-0000-4000-8000-000000000000".into(),
        ),
        (
            "irisx_carrier_id",
            "33333333-0000-4000-8000-000000000000".into(),
        ),
        ("irisx_direction", "outbound".into()),
        ("irisx_from", "+15550001111".into()),
        ("irisx_to", "+15551234567".into()),
        ("irisx_cost_micros", "6000".into()),
        ("irisx_cost_increments", "1/1".into()),
        ("irisx_price_micros", "12000".into()),
        ("irisx_price_increments", "60/60".into()),
        ("sip_hangup_disposition", "send_bye".into()),
        ("originate_disposition", "SUCCESS".into()),
    ];
    for (k, v) in &vars {
        e.push_variable(k, v);
    }
    LegRecord {
        leg_id: leg,
        media_server: "127.0.0.1:8021".into(),
        event: e.to_json(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let legs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let batch: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let name = format!("irisx_bench_cdr_{}", std::process::id());
    let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
    irisx_store::create_database_if_missing(&url).await?;
    let db = irisx_store::connect(&url, 8).await?;
    irisx_store::migrate(&db).await?;
    let bus = Bus::new(async_nats::connect("nats://127.0.0.1:4222").await?, &name);
    bus.ensure_streams().await?;

    let t = Instant::now();
    let sample = hangup(0).event.len();
    futures::stream::iter(0..legs)
        .map(|i| {
            let bus = bus.clone();
            async move { bus.publish_leg(&hangup(i)).await }
        })
        .buffer_unordered(512)
        .for_each(|r| async move { r.expect("stored") })
        .await;
    println!(
        "stored {legs} hangups ({sample} bytes of event JSON each) in CDRS in {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let mut config = irisx_workers::cdr::CdrConfig::new(db.clone(), bus.clone(), Vec::new());
    config.batch_size = batch;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(irisx_workers::cdr::run(config, async {
        let _ = stopped.await;
    }));
    let t = Instant::now();
    let mut first = None;
    loop {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM cdr")
            .fetch_one(&db)
            .await?;
        if n > 0 && first.is_none() {
            first = Some(t.elapsed());
        }
        if n as usize >= legs {
            break;
        }
        anyhow::ensure!(
            t.elapsed() < Duration::from_secs(600),
            "only {n} rows after 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took = t.elapsed();
    println!(
        "cdr worker: {legs} CDR rows written in {:.2} s = {:.0} rows/s (batch {batch}; first rows after {:.0} ms)",
        took.as_secs_f64(),
        legs as f64 / took.as_secs_f64(),
        first.unwrap_or_default().as_secs_f64() * 1000.0
    );
    let rated: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cdr WHERE cost_micros = 6000 AND price_micros = 12000",
    )
    .fetch_one(&db)
    .await?;
    anyhow::ensure!(
        rated as usize == legs,
        "{rated} rows rated correctly of {legs}"
    );
    let _ = stop.send(());
    let _ = worker.await;
    db.close().await;
    irisx_store::drop_database(&url).await?;
    for s in [
        &bus.names.calls_stream,
        &bus.names.cdrs_stream,
        &bus.names.events_stream,
    ] {
        let _ = bus.js.delete_stream(s).await;
    }
    Ok(())
}
