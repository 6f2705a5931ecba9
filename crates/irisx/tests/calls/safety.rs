//! What keeps calls safe: validation, idempotency keys, tenant limits and isolation, and a
//! worker killed in the middle of a call.

use std::time::Duration;

use serde_json::{Value, json};

use crate::platform::{Platform, peer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors() {
    let p = Platform::up("valid").await;
    for (body, field) in [
        (
            json!({"from": "+15550001111", "application": [{"verb": "hangup"}]}),
            "to",
        ),
        (
            json!({"to": "5551234", "from": "+15550001111", "application": [{"verb": "hangup"}]}),
            "to",
        ),
        (
            json!({"to": "+15551234567", "from": "+15550001111"}),
            "application",
        ),
        (
            json!({"to": "+15551234567", "from": "+15550001111", "application": [{"verb": "dance"}]}),
            "application[0].verb",
        ),
        (
            json!({"to": "+15551234567", "from": "+15550001111", "application": [{"verb": "pause", "length": 0}]}),
            "application[0].length",
        ),
        (
            json!({"to": "+15551234567", "from": "+15550001111", "answer_url": "ftp://x"}),
            "answer_url",
        ),
        (
            json!({"to": "+15551234567", "from": "+15550001111", "application": [{"verb": "hangup"}], "timeout": 0}),
            "timeout",
        ),
        (
            json!({"to": "+15551234567", "from": "+15550001111", "application": [{"verb": "hangup"}],
                   "status_callback": format!("https://hooks.example/{}", "x".repeat(2100))}),
            "status_callback",
        ),
    ] {
        let (s, problem) = p.post("/v1/calls", body.clone()).await;
        assert_eq!(s, 422, "{body} → {problem}");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(fields.contains(&field), "{body} → {problem}");
    }
    let (s, problem) = p.post("/v1/calls", json!({"to": 1})).await;
    assert_eq!(s, 422, "{problem}");
    let (s, page) = p.get("/v1/calls?status=bogus").await;
    assert_eq!(s, 422, "{page}");
    let (s, _) = p
        .get("/v1/calls/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_limits_and_isolation() {
    let p = Platform::up("idem").await;
    let (port, _uas) = peer("uas");
    p.carrier("sipp", port, "1", 0.1).await;
    let body =
        json!({"to": "+15551234567", "from": "+15550001111", "application": [{"verb": "hangup"}]});
    let (s1, first) = p
        .post_with(
            "/v1/calls",
            body.clone(),
            &[("Idempotency-Key", "order-42")],
        )
        .await;
    let (s2, again) = p
        .post_with(
            "/v1/calls",
            body.clone(),
            &[("Idempotency-Key", "order-42")],
        )
        .await;
    assert_eq!((s1, s2), (202, 202));
    assert_eq!(first["id"], again["id"], "a retry returns the same call");
    let other =
        json!({"to": "+15559999999", "from": "+15550001111", "application": [{"verb": "hangup"}]});
    let (s, problem) = p
        .post_with("/v1/calls", other, &[("Idempotency-Key", "order-42")])
        .await;
    assert_eq!(s, 409, "{problem}");
    let id = first["id"].as_str().unwrap();
    p.wait_status(id, &["completed"], 30).await;
    let db = p.db().await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM calls")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(n, 1, "one call placed for two requests");
    let cdrs: i64 = wait_count(&db, "SELECT count(*) FROM cdr").await;
    assert_eq!(cdrs, 1, "dialled once");

    // Limits: one live call at most, then one per second.
    let out = p.run(&[
        "admin",
        "limits",
        &p.tenant_id,
        "--max-calls",
        "1",
        "--cps",
        "100",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let long = json!({"to": "+15551234567", "from": "+15550001111", "application": [{"verb": "pause", "length": 30}]});
    let live = p.call(long.clone()).await;
    let (s, problem) = p.post("/v1/calls", long.clone()).await;
    assert_eq!(s, 429, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("limit is 1"),
        "{problem}"
    );
    p.post(&format!("/v1/calls/{live}/hangup"), json!({})).await;
    p.wait_status(&live, &["completed", "canceled"], 20).await;
    let out = p.run(&[
        "admin",
        "limits",
        &p.tenant_id,
        "--max-calls",
        "100",
        "--cps",
        "1",
    ]);
    assert!(out.status.success());
    let quick = json!({"to": "sip:nobody@127.0.0.1:9", "from": "+15550001111", "timeout": 1, "application": [{"verb": "hangup"}]});
    let mut codes = Vec::new();
    // Limits changed outside the API process reach it within 100 ms.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut details = Vec::new();
    for _ in 0..3 {
        let (code, body) = p.post("/v1/calls", quick.clone()).await;
        codes.push(code);
        details.push(body);
    }
    assert_eq!(
        codes.iter().filter(|c| **c == 202).count(),
        1,
        "{codes:?} {details:?}"
    );
    assert!(codes.contains(&429), "{codes:?}");

    // Another tenant sees none of it.
    let (token, _) = p.register_other("other").await;
    let (s, _) = p
        .send_as(
            &token,
            reqwest::Method::GET,
            &format!("/v1/calls/{id}"),
            Value::Null,
        )
        .await;
    assert_eq!(s, 404);
    let (_, r) = p
        .send_as(&token, reqwest::Method::GET, "/v1/calls", Value::Null)
        .await;
    assert_eq!(r["data"].as_array().unwrap().len(), 0);
    let (s, _) = p
        .send_as(
            &token,
            reqwest::Method::POST,
            &format!("/v1/calls/{id}/hangup"),
            Value::Null,
        )
        .await;
    assert_eq!(s, 404);
}

async fn wait_count(db: &sqlx::PgPool, sql: &str) -> i64 {
    for _ in 0..100 {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(db).await.unwrap();
        if n > 0 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            return sqlx::query_scalar(sql).fetch_one(db).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_survives_its_orchestrator_being_killed() {
    let mut p = Platform::split("kill").await;
    let (port, _uas) = peer("uas");
    p.carrier("sipp", port, "1", 0.1).await;
    let id = p
        .call(json!({"to": "+15551234567", "from": "+15550001111",
                     "application": [{"verb": "pause", "length": 4}, {"verb": "pause", "length": 1}]}))
        .await;
    p.wait_status(&id, &["answered"], 20).await;
    p.kill("orchestrator");
    tokio::time::sleep(Duration::from_millis(500)).await;
    p.spawn("orchestrator-2", &["worker", "orchestrator"]);
    let c = p.wait_status(&id, &["completed", "failed"], 40).await;
    assert_eq!(c["status"], "completed", "{c}");
    let d = c["duration"].as_i64().unwrap();
    assert!(
        (5..=14).contains(&d),
        "the application went on to its end: {c}"
    );
    let events = p.wait_events(&id, "cdr.created", 20).await;
    assert_eq!(
        events.iter().filter(|e| *e == "call.answered").count(),
        1,
        "{events:?}"
    );
    assert_eq!(
        events.iter().filter(|e| *e == "call.completed").count(),
        1,
        "{events:?}"
    );

    // A call whose orchestrator died and whose channel is gone is closed, not left live.
    let id = p
        .call(json!({"to": "+15551234567", "from": "+15550001111",
                     "application": [{"verb": "pause", "length": 2}]}))
        .await;
    p.wait_status(&id, &["answered"], 20).await;
    p.kill("orchestrator-2");
    // The call ends while no orchestrator follows it (the media server is told directly).
    let esl = esl::Client::connect(esl::ClientConfig::new(
        &format!("127.0.0.1:{}", p.esl_port),
        "ClueCon",
    ))
    .await
    .unwrap();
    let killed = esl.api(&format!("uuid_kill {id}")).await.unwrap();
    assert!(killed.starts_with("+OK"), "{killed}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, c) = p.get(&format!("/v1/calls/{id}")).await;
    assert_eq!(
        c["status"], "answered",
        "nobody has recorded the end yet: {c}"
    );
    p.spawn("orchestrator-3", &["worker", "orchestrator"]);
    let c = p.wait_status(&id, &["completed", "failed"], 30).await;
    assert_eq!(c["status"], "completed", "finished from its CDR: {c}");
    assert!(c["duration"].as_i64().is_some(), "{c}");
}
