//! Status callbacks: every status of a call with a `status_callback` is POSTed there, signed
//! with the tenant's Standard Webhooks secret; a failed delivery is retried with the same
//! `webhook-id`; 410 stops the call's callbacks; a rotated secret signs beside the new one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::platform::{Platform, peer};

/// One delivery as the receiver saw it.
#[derive(Debug, Clone)]
struct Delivery {
    path: String,
    id: String,
    timestamp: i64,
    signature: String,
    body: Vec<u8>,
}

impl Delivery {
    fn kind(&self) -> String {
        let v: Value = serde_json::from_slice(&self.body).unwrap();
        v["type"].as_str().unwrap().to_owned()
    }
}

type Seen = Arc<Mutex<Vec<Delivery>>>;

/// `/flaky/…` fails the first delivery of `call.answered` (503), `/gone/…` answers 410,
/// `/broken/…` always 500, anything else 204.
async fn receive(
    State(seen): State<Seen>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let d = Delivery {
        path: path.clone(),
        id: h("webhook-id"),
        timestamp: h("webhook-timestamp").parse().unwrap_or(0),
        signature: h("webhook-signature"),
        body: body.to_vec(),
    };
    let mut seen = seen.lock().unwrap();
    let first_of_its_id = !seen.iter().any(|s| s.id == d.id);
    let answer = if path.starts_with("gone") {
        StatusCode::GONE
    } else if path.starts_with("broken") {
        StatusCode::INTERNAL_SERVER_ERROR
    } else if path.starts_with("flaky") && d.kind() == "call.answered" && first_of_its_id {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::NO_CONTENT
    };
    seen.push(d);
    answer
}

async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route("/{*path}", axum::routing::post(receive))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

fn deliveries(seen: &Seen, prefix: &str) -> Vec<Delivery> {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|d| d.path.starts_with(prefix))
        .cloned()
        .collect()
}

/// Waits until `done` holds for the deliveries to `prefix`.
async fn wait_deliveries(
    seen: &Seen,
    prefix: &str,
    done: impl Fn(&[Delivery]) -> bool,
) -> Vec<Delivery> {
    for _ in 0..100 {
        let got = deliveries(seen, prefix);
        if done(&got) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "deliveries to {prefix} never completed: {:#?}",
        deliveries(seen, prefix)
    );
}

/// Whether one of the signatures in `header` is the delivery's under `secret`.
fn signed_by(d: &Delivery, secret: &str) -> bool {
    let key = irisx_core::webhook::secret_key(secret).expect("a whsec_ secret");
    let expected = irisx_core::webhook::sign(&key, &d.id, d.timestamp, &d.body);
    d.signature.split(' ').any(|s| s == expected)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_callbacks_are_signed_retried_and_stopped_by_410() {
    let (base, seen) = receiver().await;
    let p = Platform::up_with("hooks", &[("IRISX_WEBHOOK_RETRY_SCHEDULE", "0,1,1")]).await;
    let (port, _uas) = peer("uas");
    p.carrier("hooked", port, "1555", 0.01).await;
    let (s, secret) = p.get("/v1/webhooks/secret").await;
    assert_eq!(s, 200, "{secret}");
    let secret = secret["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));

    let call = |path: &str| {
        json!({"to": "+15551234567", "from": "+15550001111",
               "status_callback": format!("{base}/{path}"),
               "application": [{"verb": "pause", "length": 1}]})
    };
    let id = p.call(call("flaky/1")).await;
    p.wait_status(&id, &["completed"], 30).await;
    let got = wait_deliveries(&seen, "flaky", |d| {
        d.iter().filter(|d| d.kind() == "call.answered").count() == 2
            && d.iter().any(|d| d.kind() == "call.completed")
    })
    .await;
    let mut kinds: Vec<String> = got.iter().map(Delivery::kind).collect();
    kinds.dedup();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "call.answered",
            "call.completed",
            "call.initiated",
            "call.ringing"
        ],
        "{got:#?}"
    );
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for d in &got {
        assert!(signed_by(d, &secret), "bad signature on {d:?}");
        assert!((now - d.timestamp).abs() < 60);
        let v: Value = serde_json::from_slice(&d.body).unwrap();
        assert_eq!(v["id"], d.id.as_str(), "webhook-id is the event's id");
        assert_eq!(v["data"]["id"], id.as_str());
    }
    let answered: Vec<&Delivery> = got.iter().filter(|d| d.kind() == "call.answered").collect();
    assert_eq!(
        answered[0].id, answered[1].id,
        "a retry keeps its webhook-id"
    );
    assert!(answered[1].timestamp >= answered[0].timestamp);
    // The customer can see how each delivery went.
    let (s, attempts) = p.get(&format!("/v1/calls/{id}/webhooks")).await;
    assert_eq!(s, 200, "{attempts}");
    let rows = attempts["data"].as_array().unwrap();
    let of = |kind: &str| -> Vec<(String, Value)> {
        rows.iter()
            .filter(|a| a["type"] == kind)
            .map(|a| {
                (
                    a["outcome"].as_str().unwrap().to_owned(),
                    a["status_code"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        of("call.answered"),
        [
            ("retrying".to_owned(), json!(503)),
            ("delivered".to_owned(), json!(204))
        ],
        "{attempts}"
    );
    assert_eq!(of("call.completed"), [("delivered".to_owned(), json!(204))]);
    assert_eq!(rows.len(), 5, "{attempts}");

    // 410 Gone: the call's later statuses are not sent, and nothing is retried.
    let id = p.call(call("gone/2")).await;
    p.wait_status(&id, &["completed"], 30).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let gone = deliveries(&seen, "gone");
    assert_eq!(gone.len(), 1, "{gone:#?}");
    assert_eq!(gone[0].kind(), "call.initiated");

    // A receiver that always fails gets each status three times (the schedule's length), then
    // the worker gives up.
    let id = p.call(call("broken/4")).await;
    p.wait_status(&id, &["completed"], 30).await;
    let per_kind = |d: &[Delivery], k: &str| d.iter().filter(|d| d.kind() == k).count();
    wait_deliveries(&seen, "broken", |d| {
        [
            "call.initiated",
            "call.ringing",
            "call.answered",
            "call.completed",
        ]
        .iter()
        .all(|k| per_kind(d, k) == 3)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(deliveries(&seen, "broken").len(), 12, "no fourth attempt");
    let (_, attempts) = p.get(&format!("/v1/calls/{id}/webhooks")).await;
    let dropped: Vec<&Value> = attempts["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["outcome"] == "dropped")
        .collect();
    assert_eq!(
        dropped.len(),
        4,
        "the third attempt of each status: {attempts}"
    );
    assert!(
        dropped
            .iter()
            .all(|a| a["attempt"] == 3 && a["status_code"] == 500)
    );

    // A call without a status_callback sends nothing; after a rotation both secrets sign.
    let before = seen.lock().unwrap().len();
    let quiet = p
        .call(json!({"to": "+15551234567", "from": "+15550001111", "application": [{"verb": "hangup"}]}))
        .await;
    p.wait_status(&quiet, &["completed"], 30).await;
    let (s, rotated) = p.post("/v1/webhooks/secret/rotate", json!({})).await;
    assert_eq!(s, 200, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(rotated["previous_valid_until"].is_string());
    // The worker reads secrets again within 10 s.
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert_eq!(seen.lock().unwrap().len(), before);
    let id = p.call(call("after-rotation/3")).await;
    p.wait_status(&id, &["completed"], 30).await;
    let got = wait_deliveries(&seen, "after-rotation", |d| {
        d.iter().any(|d| d.kind() == "call.completed")
    })
    .await;
    for d in &got {
        assert!(signed_by(d, &new_secret) && signed_by(d, &secret), "{d:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_administrators_read_the_webhook_secret() {
    let p = Platform::up("hooksecret").await;
    let (s, first) = p.get("/v1/webhooks/secret").await;
    assert_eq!(s, 200, "{first}");
    let (s, again) = p.get("/v1/webhooks/secret").await;
    assert_eq!(s, 200);
    assert_eq!(first["secret"], again["secret"], "made once, then kept");
    assert!(first["previous_valid_until"].is_null());
    // An API key with the member role may place calls but not read the secret.
    let (s, key) = p
        .post("/v1/api-keys", json!({"name": "member", "role": "member"}))
        .await;
    assert_eq!(s, 201, "{key}");
    let member = key["key"].as_str().unwrap();
    let r = p
        .client
        .get(format!("{}/v1/webhooks/secret", p.http))
        .bearer_auth(member)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

/// With `IRISX_OUTBOUND_HTTP_PUBLIC_ONLY`, a status callback or answer URL on a loopback or
/// private address is refused: nothing reaches the receiver, and the call says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_endpoints_are_refused_when_only_public_ones_are_allowed() {
    let (base, seen) = receiver().await;
    let p = Platform::up_with(
        "hookpub",
        &[
            ("IRISX_OUTBOUND_HTTP_PUBLIC_ONLY", "true"),
            ("IRISX_WEBHOOK_RETRY_SCHEDULE", "0,1"),
        ],
    )
    .await;
    let (port, _uas) = peer("uas");
    p.carrier("pub-only", port, "1555", 0.01).await;
    let id = p
        .call(json!({"to": "+15551234567", "from": "+15550001111",
                     "status_callback": format!("{base}/private/1"),
                     "application": [{"verb": "hangup"}]}))
        .await;
    p.wait_status(&id, &["completed"], 30).await;
    // The answer URL: by name (localhost) and by address.
    let host = base.replace("127.0.0.1", "localhost");
    for url in [format!("{host}/app"), format!("{base}/app")] {
        let id = p
            .call(json!({"to": "+15551234567", "from": "+15550001111", "answer_url": url}))
            .await;
        let c = p.wait_status(&id, &["completed", "failed"], 30).await;
        let reason = c["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("non-public") || reason.contains("no public address"),
            "{c}"
        );
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
    let (_, attempts) = p.get(&format!("/v1/calls/{id}/webhooks")).await;
    let rows = attempts["data"].as_array().unwrap();
    assert!(!rows.is_empty(), "{attempts}");
    assert!(rows.iter().all(|a| a["outcome"] == "refused"), "{attempts}");
}

/// `status_callback_events` picks statuses (`completed` covers every final one); an
/// application's list is the default of its calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_statuses_asked_for_are_posted() {
    let (base, seen) = receiver().await;
    let p = Platform::up("hookpick").await;
    let (port, _uas) = peer("uas");
    p.carrier("pick", port, "1555", 0.01).await;
    let (s, r) = p
        .post(
            "/v1/calls",
            json!({"to": "+15551234567", "from": "+15550001111", "application": [{"verb": "hangup"}],
                   "status_callback": format!("{base}/x"), "status_callback_events": ["finished"]}),
        )
        .await;
    assert_eq!(s, 422, "{r}");

    let id = p
        .call(json!({"to": "+15551234567", "from": "+15550001111", "application": [{"verb": "hangup"}],
                     "status_callback": format!("{base}/final-only/1"),
                     "status_callback_events": ["completed"]}))
        .await;
    p.wait_status(&id, &["completed"], 30).await;

    let (s, app) = p
        .post(
            "/v1/applications",
            json!({"name": "picky", "application": [{"verb": "pause", "length": 1}],
                   "status_callback": format!("{base}/app-default/2"),
                   "status_callback_events": ["answered", "completed"]}),
        )
        .await;
    assert_eq!(s, 201, "{app}");
    let (s, call) = p
        .post(
            "/v1/calls",
            json!({"to": "+15551234567", "from": "+15550001111", "application_id": app["id"]}),
        )
        .await;
    assert_eq!(s, 202, "{call}");
    assert_eq!(
        call["status_callback_events"],
        json!(["answered", "completed"])
    );
    p.wait_status(call["id"].as_str().unwrap(), &["completed"], 30)
        .await;

    let final_only = wait_deliveries(&seen, "final-only", |d| !d.is_empty()).await;
    let by_app = wait_deliveries(&seen, "app-default", |d| d.len() >= 2).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let kinds = |prefix: &str| -> Vec<String> {
        deliveries(&seen, prefix)
            .iter()
            .map(Delivery::kind)
            .collect()
    };
    assert_eq!(kinds("final-only"), ["call.completed"], "{final_only:#?}");
    assert_eq!(
        kinds("app-default"),
        ["call.answered", "call.completed"],
        "{by_app:#?}"
    );
}
