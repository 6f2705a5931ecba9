//! The cdr worker under fire: a burst of hangups (some repeated), the worker killed with
//! SIGKILL between writing a batch and acknowledging it, a second worker finishing the job —
//! and still exactly one CDR and one `cdr.created` per leg. Then `GET /v1/cdrs` over the
//! result: pages, filters, CSV, validation and tenant isolation.

use std::process::Command;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};

use crate::platform::Platform;

const LEGS: usize = 20_000;
const REPEATED: usize = 500;
const LEGS_PER_CALL: usize = 20;
const CARRIER: &str = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

fn leg_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

fn call_id(i: usize) -> String {
    format!("11111111-0000-4000-8000-{:012}", i / LEGS_PER_CALL)
}

/// A `CHANNEL_HANGUP_COMPLETE` as the switch reports it, for leg `i` started `i` ms after
/// `base_us`: answered 10 s at 0.60/min 60/60, every tenth one busy.
fn hangup(i: usize, tenant: &str, base_us: i64) -> irisx_bus::LegRecord {
    let start = base_us + i as i64 * 1_000;
    let busy = i.is_multiple_of(10);
    let mut e = esl::Event::new("CHANNEL_HANGUP_COMPLETE")
        .with("Unique-ID", &leg_id(i))
        .with("Call-Direction", "outbound")
        .with(
            "Hangup-Cause",
            if busy { "USER_BUSY" } else { "NORMAL_CLEARING" },
        );
    let vars = [
        ("start_uepoch", start.to_string()),
        (
            "answer_uepoch",
            if busy {
                "0".into()
            } else {
                (start + 2_000_000).to_string()
            },
        ),
        ("end_uepoch", (start + 12_000_000).to_string()),
        ("duration", "12".into()),
        ("billsec", if busy { "0".into() } else { "10".into() }),
        (
            "sip_term_status",
            if busy { "486".into() } else { "200".into() },
        ),
        ("irisx_call_id", call_id(i)),
        ("irisx_tenant_id", tenant.to_owned()),
        ("irisx_carrier_id", CARRIER.into()),
        ("irisx_direction", "outbound".into()),
        ("irisx_from", "+15550001111".into()),
        ("irisx_to", format!("+1555{i:07}")),
        ("irisx_cost_micros", "600000".into()),
        ("irisx_cost_increments", "60/60".into()),
    ];
    for (k, v) in &vars {
        e.push_variable(k, v);
    }
    irisx_bus::LegRecord {
        leg_id: leg_id(i),
        media_server: "127.0.0.1:8021".into(),
        event: e.to_json(),
    }
}

async fn count(db: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success(), "kill {sig} {pid}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_cdr_per_leg_through_repeats_and_a_kill_mid_batch_then_the_cdr_api() {
    let mut p = Platform::cdr_only("cdrs", &[("IRISX_CDR_ACK_WAIT_SECS", "2")]).await;
    let db = p.db().await;
    let nats = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
    let bus = irisx_bus::Bus::new(nats, &p.name);
    bus.ensure_streams().await.unwrap();

    // The burst, then the same hangups again under other message ids (JetStream cannot drop
    // them as duplicates: a second capture after the duplicate window, a replayed stream),
    // and some garbage. The legs started an hour ago, so they land in this month's partition.
    let tenant = p.tenant_id.clone();
    let base_us = (time::OffsetDateTime::now_utc().unix_timestamp() - 3600) * 1_000_000;
    let feed = {
        let bus = bus.clone();
        tokio::spawn(async move {
            futures::stream::iter(0..LEGS)
                .map(|i| {
                    let (bus, rec) = (bus.clone(), hangup(i, &tenant, base_us));
                    async move { bus.publish_leg(&rec).await }
                })
                .buffer_unordered(256)
                .for_each(|r| async move { r.unwrap() })
                .await;
            for (n, junk) in [
                &b"not json"[..],
                br#"{"leg_id":"x","media_server":"m","event":"{]"}"#,
                b"{}",
            ]
            .into_iter()
            .enumerate()
            {
                let body = bytes::Bytes::from_static(junk);
                bus.publish(bus.names.cdr_legs.clone(), &format!("junk-{n}"), body)
                    .await
                    .unwrap();
            }
            for i in 0..REPEATED {
                let rec = hangup(i * 7, &tenant, base_us);
                let body = bytes::Bytes::from(serde_json::to_vec(&rec).unwrap());
                bus.publish(
                    bus.names.cdr_legs.clone(),
                    &format!("{}-again", rec.leg_id),
                    body,
                )
                .await
                .unwrap();
            }
        })
    };

    // Freeze the worker until it is caught with written but unacknowledged rows, then kill it.
    let pid = p.pid("cdr");
    let stream = bus.js.get_stream(&bus.names.cdrs_stream).await.unwrap();
    let start = Instant::now();
    let mut killed_with = None;
    while killed_with.is_none() && start.elapsed() < Duration::from_secs(60) {
        let rows = count(&db, "SELECT count(*) FROM cdr").await;
        if rows == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        assert!(
            rows < LEGS as i64,
            "the worker finished before it could be killed"
        );
        signal(pid, "-STOP");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let rows = count(&db, "SELECT count(*) FROM cdr").await as u64;
        let mut consumer = stream
            .get_consumer::<async_nats::jetstream::consumer::pull::Config>(
                irisx_workers::cdr::CONSUMER,
            )
            .await
            .unwrap();
        let acked = consumer.info().await.unwrap().ack_floor.stream_sequence;
        if rows > acked {
            signal(pid, "-KILL");
            killed_with = Some((rows, acked));
        } else {
            signal(pid, "-CONT");
            tokio::time::sleep(Duration::from_millis(
                3 + start.elapsed().as_millis() as u64 % 17,
            ))
            .await;
        }
    }
    let (rows_at_kill, acked_at_kill) =
        killed_with.expect("caught the worker between a write and its acknowledgement");
    assert!(rows_at_kill < LEGS as u64);
    eprintln!(
        "cdr worker killed with {rows_at_kill} rows written, {acked_at_kill} hangups acknowledged"
    );
    p.kill("cdr");
    feed.await.unwrap();

    p.spawn("cdr-2", &["worker", "cdr"]);
    let start = Instant::now();
    loop {
        let left = stream.clone().info().await.unwrap().state.messages;
        let rows = count(&db, "SELECT count(*) FROM cdr").await;
        if left == 0 && rows >= LEGS as i64 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{rows} CDRs, {left} hangups left; logs in {}",
            p.dir.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        count(&db, "SELECT count(*) FROM cdr").await,
        LEGS as i64,
        "killed at {rows_at_kill} rows / {acked_at_kill} acked"
    );
    assert_eq!(
        count(&db, "SELECT count(DISTINCT leg_id) FROM cdr").await,
        LEGS as i64
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM cdr WHERE cost_micros = CASE WHEN billsec = 0 THEN 0 ELSE 600000 END").await,
        LEGS as i64,
        "rated: 10 s at 0.60/min 60/60 bills one minute"
    );

    // One announcement per leg.
    let events = bus.js.get_stream(&bus.names.events_stream).await.unwrap();
    let start = Instant::now();
    loop {
        let published = count(&db, "SELECT count(*) FROM cdr WHERE published").await;
        if published == LEGS as i64 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{published} announced"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let announced = events.clone().info().await.unwrap().state.messages;
    assert_eq!(announced, LEGS as u64, "one cdr.created per leg");

    // Garbage was set aside (the stream drained above), and every row sits in a monthly
    // partition, none in the default one.
    assert_eq!(count(&db, "SELECT count(*) FROM cdr_default").await, 0);
    let parts: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT tableoid::regclass::text FROM cdr")
            .fetch_all(&db)
            .await
            .unwrap();
    assert!(
        !parts.is_empty()
            && parts
                .iter()
                .all(|t| t.starts_with("cdr_2") && t.len() == "cdr_2026_11".len()),
        "{parts:?}"
    );

    cdr_api(&p, base_us).await;
}

/// `GET /v1/cdrs` over the legs written above.
async fn cdr_api(p: &Platform, base_us: i64) {
    let (s, page) = p.get("/v1/cdrs?limit=100").await;
    assert_eq!(s, 200, "{page}");
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 100);
    assert_eq!(data[0]["leg_id"], leg_id(LEGS - 1), "newest first");
    let first = &data[0];
    assert_eq!(first["call_id"], call_id(LEGS - 1));
    assert_eq!(first["carrier_id"], CARRIER);
    assert_eq!(first["billsec"], 10);
    assert_eq!(first["cost_micros"], 600_000);
    assert_eq!(first["hangup_cause"], "NORMAL_CLEARING");
    assert_eq!(first["media_server"], "127.0.0.1:8021");
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, next) = p.get(&format!("/v1/cdrs?limit=100&cursor={cursor}")).await;
    assert_eq!(
        next["data"][0]["leg_id"],
        leg_id(LEGS - 101),
        "the next page follows on"
    );

    let call = call_id(40);
    let (_, one_call) = p.get(&format!("/v1/cdrs?call_id={call}")).await;
    assert_eq!(
        one_call["data"].as_array().unwrap().len(),
        LEGS_PER_CALL,
        "{one_call}"
    );
    let (_, busy) = p.get("/v1/cdrs?hangup_cause=USER_BUSY&limit=100").await;
    let busy = busy["data"].as_array().unwrap();
    assert_eq!(busy.len(), 100);
    assert!(
        busy.iter()
            .all(|c| c["sip_status"] == 486 && c["answered_at"].is_null())
    );
    let rfc3339 = |us: i64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let (_, window) = p
        .get(&format!(
            "/v1/cdrs?from={}&to={}&limit=100",
            rfc3339(base_us),
            rfc3339(base_us + 10_000)
        ))
        .await;
    assert_eq!(
        window["data"].as_array().unwrap().len(),
        10,
        "10 ms of starts, one per ms: {window}"
    );

    // CSV: every matching row, header first.
    let csv = p
        .client
        .get(format!("{}/v1/cdrs?format=csv", p.http))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), LEGS + 1);
    assert!(
        lines[0].starts_with("leg_id,call_id,tenant_id,direction,from,to,carrier_id,started_at")
    );
    let by_accept = p
        .client
        .get(format!("{}/v1/cdrs?call_id={call}", p.http))
        .bearer_auth(&p.token)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(by_accept.lines().count(), LEGS_PER_CALL + 1, "{by_accept}");

    // Bad filters name their field.
    let (s, problem) = p
        .get("/v1/cdrs?call_id=nope&format=xml&from=yesterday&direction=up")
        .await;
    assert_eq!(s, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["call_id", "format", "from", "direction"] {
        assert!(fields.contains(&f), "{f} in {problem}");
    }

    // Another tenant sees none of them.
    let (token, _) = p.register_other("other").await;
    let (_, theirs) = p
        .send_as(&token, reqwest::Method::GET, "/v1/cdrs", Value::Null)
        .await;
    assert_eq!(theirs["data"], json!([]), "{theirs}");
}
