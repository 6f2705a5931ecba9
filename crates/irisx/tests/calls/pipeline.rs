//! The path of the acceptance test, and hangups through the API.

use serde_json::json;

use crate::platform::{Platform, peer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_through_a_carrier_completes_with_its_cdr_and_events_in_order() {
    let p = Platform::up("e2e").await;
    let (port, _uas) = peer("uas");
    let carrier = p.carrier("sipp", port, "1", 0.6).await;
    let id = p
        .call(json!({"to": "+15551234567", "from": "+15550001111",
                     "application": [{"verb": "pause", "length": 2}, {"verb": "hangup"}]}))
        .await;
    let call = p
        .wait_status(&id, &["completed", "failed", "busy", "no-answer"], 30)
        .await;
    assert_eq!(call["status"], "completed", "{call}");
    let duration = call["duration"].as_i64().unwrap();
    assert!((2..=3).contains(&duration), "{call}");
    assert_eq!(call["carrier_id"], carrier.as_str());
    assert_eq!(call["hangup_cause"], "NORMAL_CLEARING");
    assert!(call["answered_at"].is_string() && call["ended_at"].is_string());

    let events = p.wait_events(&id, "cdr.created", 20).await;
    assert_eq!(
        events,
        [
            "call.initiated",
            "call.ringing",
            "call.answered",
            "call.completed",
            "cdr.created"
        ],
        "events in order"
    );
    let db = p.db().await;
    type CdrRow = (String, i32, Option<i64>, String, Option<String>);
    let rows: Vec<CdrRow> = sqlx::query_as(
        "SELECT leg_id, billsec, cost_micros, direction, carrier_id::text FROM cdr WHERE call_id = $1::uuid",
    )
    .bind(&id)
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "one CDR for the one leg: {rows:?}");
    let (leg, billsec, cost, direction, cdr_carrier) = &rows[0];
    assert_eq!(leg, &id, "the first leg is the call id");
    assert_eq!(i64::from(*billsec), duration);
    assert_eq!(
        *cost,
        Some(i64::from(*billsec) * 600_000 / 60),
        "0.60/min at 1/1"
    );
    assert_eq!(direction, "outbound");
    assert_eq!(cdr_carrier.as_deref(), Some(carrier.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hangup_through_the_api_cancels_a_ringing_call_and_ends_an_answered_one() {
    let p = Platform::up("hangup").await;
    let (ring_port, _ring) = peer("uas_ring_forever.xml");
    p.carrier("ringer", ring_port, "44", 0.1).await;
    let ringing = p
        .call(
            json!({"to": "+447700900123", "from": "+15550001111", "timeout": 30,
                     "application": [{"verb": "hangup"}]}),
        )
        .await;
    p.wait_status(&ringing, &["ringing"], 15).await;
    let (s, _) = p
        .post(&format!("/v1/calls/{ringing}/hangup"), json!({}))
        .await;
    assert_eq!(s, 202);
    let c = p
        .wait_status(&ringing, &["canceled", "failed", "no-answer"], 15)
        .await;
    assert_eq!(c["status"], "canceled", "{c}");

    let (port, _uas) = peer("uas");
    p.carrier("answerer", port, "1", 0.1).await;
    let long = p
        .call(json!({"to": "+15551230000", "from": "+15550001111",
                     "application": [{"verb": "pause", "length": 60}]}))
        .await;
    p.wait_status(&long, &["answered"], 15).await;
    let (s, _) = p.post(&format!("/v1/calls/{long}/hangup"), json!({})).await;
    assert_eq!(s, 202);
    let c = p.wait_status(&long, &["completed"], 15).await;
    assert!(c["duration"].as_i64().unwrap() < 10, "{c}");
    let (s, body) = p.post(&format!("/v1/calls/{long}/hangup"), json!({})).await;
    assert_eq!(s, 409, "already over: {body}");

    // A queued call canceled before any orchestrator dialled it never rings.
    let (s, body) = p.post("/v1/calls/not-a-call/hangup", json!({})).await;
    assert_eq!(s, 404, "{body}");
}
