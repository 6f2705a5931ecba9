//! Routing: crankback on a carrier failure, never on the callee's busy or no-answer; direct
//! SIP URIs; no route; max_duration.

use serde_json::json;

use crate::platform::{Platform, peer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_carrier_hands_over_to_the_next_but_busy_is_final() {
    let p = Platform::up("route").await;
    let (bad, _bad) = peer("uas_503.xml");
    let (good, _good) = peer("uas");
    // The failing carrier is cheaper, so it is tried first.
    let cheap = p.carrier("cheap-but-down", bad, "1555", 0.01).await;
    let solid = p.carrier("solid", good, "1555", 0.02).await;
    let id = p
        .call(json!({"to": "+15551234567", "from": "+15550001111",
                     "application": [{"verb": "pause", "length": 1}]}))
        .await;
    let c = p.wait_status(&id, &["completed", "failed"], 30).await;
    assert_eq!(c["status"], "completed", "{c}");
    assert_eq!(c["attempts"], 2);
    assert_eq!(c["carrier_id"], solid.as_str());
    assert_ne!(cheap, solid);
    // Both legs are recorded: the failed attempt and the answered one.
    let db = p.db().await;
    p.wait_events(&id, "cdr.created", 20).await;
    let causes: Vec<(String,)> =
        sqlx::query_as("SELECT hangup_cause FROM cdr WHERE call_id = $1::uuid ORDER BY started_at")
            .bind(&id)
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(causes.len(), 2, "{causes:?}");

    // Busy at the first carrier ends the call: the callee said no.
    let (busy, _busy) = peer("uas_busy.xml");
    p.carrier("busy-route", busy, "1666", 0.01).await;
    p.carrier("spare-route", good, "1666", 0.02).await;
    let id = p
        .call(json!({"to": "+16661234567", "from": "+15550001111", "application": [{"verb": "hangup"}]}))
        .await;
    let c = p
        .wait_status(&id, &["completed", "failed", "busy"], 30)
        .await;
    assert_eq!(c["status"], "busy", "{c}");
    assert_eq!(c["attempts"], 1, "no crankback after busy");
    assert_eq!(c["hangup_cause"], "USER_BUSY");
    assert_eq!(c["sip_status"], 486, "the callee's answer is kept: {c}");
    let events = p.wait_events(&id, "call.busy", 10).await;
    assert_eq!(events[0], "call.initiated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_no_route_direct_sip_and_max_duration() {
    let p = Platform::up("noans").await;
    let (ring, _ring) = peer("uas_ring_forever.xml");
    p.carrier("ringer", ring, "1777", 0.01).await;
    let id = p
        .call(
            json!({"to": "+17771234567", "from": "+15550001111", "timeout": 2,
                     "application": [{"verb": "hangup"}]}),
        )
        .await;
    let c = p
        .wait_status(&id, &["no-answer", "failed", "completed"], 30)
        .await;
    assert_eq!(c["status"], "no-answer", "{c}");

    let id = p
        .call(json!({"to": "+33123456789", "from": "+15550001111", "application": [{"verb": "hangup"}]}))
        .await;
    let c = p.wait_status(&id, &["failed"], 15).await;
    assert!(
        c["reason"].as_str().unwrap().contains("no carrier routes"),
        "{c}"
    );

    // A SIP URI is dialled directly, and max_duration cuts a long application short.
    let (port, _uas) = peer("uas");
    let id = p
        .call(
            json!({"to": format!("sip:bob@127.0.0.1:{port}"), "from": "alice", "max_duration": 2,
                     "application": [{"verb": "pause", "length": 30}]}),
        )
        .await;
    let c = p.wait_status(&id, &["completed", "failed"], 30).await;
    assert_eq!(c["status"], "completed", "{c}");
    assert!(c["duration"].as_i64().unwrap() <= 3, "{c}");
    assert_eq!(c["hangup_cause"], "ALLOTTED_TIMEOUT");
    assert!(c["carrier_id"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_at_its_concurrency_limit_or_disabled_is_passed_over() {
    let p = Platform::up("climit").await;
    let (port, _uas) = peer("uas");
    let small = p.carrier("small", port, "1888", 0.001).await;
    let big = p.carrier("big", port, "1888", 0.002).await;
    let (s, c) = p
        .patch(
            &format!("/v1/carriers/{small}"),
            json!({"max_concurrent": 1}),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    let long = json!({"to": "+18881234567", "from": "+15550001111",
                      "application": [{"verb": "pause", "length": 20}]});
    let first = p.call(long.clone()).await;
    let c = p.wait_status(&first, &["answered"], 20).await;
    assert_eq!(c["carrier_id"], small.as_str(), "the cheapest first: {c}");
    let second = p.call(long).await;
    let c = p.wait_status(&second, &["answered"], 20).await;
    assert_eq!(
        c["carrier_id"],
        big.as_str(),
        "the small carrier is full: {c}"
    );
    for id in [&first, &second] {
        let (s, _) = p.post(&format!("/v1/calls/{id}/hangup"), json!({})).await;
        assert_eq!(s, 202);
        p.wait_status(id, &["completed"], 15).await;
    }

    // Disabled, it routes nothing even when free.
    let (s, c) = p
        .patch(&format!("/v1/carriers/{small}"), json!({"enabled": false}))
        .await;
    assert_eq!(s, 200, "{c}");
    let id = p
        .call(json!({"to": "+18881230000", "from": "+15550001111", "application": [{"verb": "hangup"}]}))
        .await;
    let c = p.wait_status(&id, &["completed", "failed"], 20).await;
    assert_eq!(c["carrier_id"], big.as_str(), "{c}");
}

/// A carrier limited to 2 calls per second takes a burst of six calls: two at once, then one
/// every half second; none is refused, and a second carrier with room takes calls the first
/// cannot take now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_calls_per_second_limit_spreads_a_burst() {
    let p = Platform::up("cps").await;
    let (port, _uas) = peer("uas");
    let paced = p.carrier("paced", port, "1999", 0.001).await;
    let (s, c) = p
        .patch(&format!("/v1/carriers/{paced}"), json!({"cps_limit": 2}))
        .await;
    assert_eq!(s, 200, "{c}");
    let body = json!({"to": "+19991234567", "from": "+15550001111",
                      "application": [{"verb": "pause", "length": 1}]});
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(p.call(body.clone()).await);
    }
    let mut answered = Vec::new();
    for id in &ids {
        let c = p.wait_status(id, &["completed", "failed"], 30).await;
        assert_eq!(c["status"], "completed", "{c}");
        let at = time::OffsetDateTime::parse(
            c["answered_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        answered.push(at);
    }
    answered.sort();
    let spread = (answered[5] - answered[0]).as_seconds_f64();
    assert!(
        (1.5..6.0).contains(&spread),
        "six calls at 2 per second span about 2 s, not {spread} s"
    );
    // The burst of two, then one every half second: any five span at least 1.5 s (1 s here,
    // leaving room for answer-time jitter; unpaced, all six start within a few ms).
    for w in answered.windows(5) {
        assert!(
            (w[4] - w[0]).as_seconds_f64() > 1.0,
            "five calls within a second: {answered:?}"
        );
    }

    // With a cheaper-first paced carrier and a spare one, the burst overflows to the spare.
    let spare = p.carrier("spare", port, "1999", 0.002).await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(p.call(body.clone()).await);
    }
    let mut by_carrier = std::collections::HashMap::<String, usize>::new();
    for id in &ids {
        let c = p.wait_status(id, &["completed", "failed"], 30).await;
        assert_eq!(c["status"], "completed", "{c}");
        *by_carrier
            .entry(c["carrier_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert!(
        by_carrier.get(&spare).copied().unwrap_or(0) >= 1,
        "{by_carrier:?}"
    );
    assert!(
        by_carrier.get(&paced).copied().unwrap_or(0) >= 1,
        "{by_carrier:?}"
    );
}
