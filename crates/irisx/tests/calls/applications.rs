//! Hosted applications: managed through `/v1/applications`, named by calls with
//! `application_id` (the call takes a copy of the verbs and the default status callback).

use reqwest::Method;
use serde_json::{Value, json};

use crate::platform::{Platform, peer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_are_managed_and_calls_run_them_by_id() {
    let p = Platform::up("apps").await;
    let verbs = json!([{"verb": "pause", "length": 1}, {"verb": "hangup"}]);

    // Validation: one source, valid verbs, a name.
    for (body, field) in [
        (json!({"name": "x"}), "application"),
        (json!({"application": verbs}), "name"),
        (
            json!({"name": "x", "application": verbs, "answer_url": "https://a.example/x"}),
            "application",
        ),
        (
            json!({"name": "x", "application": [{"verb": "dance"}]}),
            "application[0].verb",
        ),
        (
            json!({"name": "x", "answer_url": "ftp://nope"}),
            "answer_url",
        ),
        (json!({"name": "", "application": verbs}), "name"),
    ] {
        let (s, r) = p.post("/v1/applications", body.clone()).await;
        assert_eq!(s, 422, "{body} → {r}");
        let fields: Vec<&str> = r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(fields.iter().any(|f| f.starts_with(field)), "{body} → {r}");
    }

    let (s, app) = p
        .post(
            "/v1/applications",
            json!({"name": "IVR", "application": verbs, "status_callback": "https://hooks.example/ivr"}),
        )
        .await;
    assert_eq!(s, 201, "{app}");
    let id = app["id"].as_str().unwrap().to_owned();
    let (s, r) = p
        .post(
            "/v1/applications",
            json!({"name": "ivr", "answer_url": "https://a.example/x"}),
        )
        .await;
    assert_eq!(s, 409, "names are unique, whatever the case: {r}");
    let (s, list) = p.get("/v1/applications").await;
    assert_eq!(s, 200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");

    // Members may read applications (and place calls with them) but not change them.
    let (s, key) = p
        .post("/v1/api-keys", json!({"name": "member", "role": "member"}))
        .await;
    assert_eq!(s, 201, "{key}");
    let member = key["key"].as_str().unwrap().to_owned();
    let (s, _) = p
        .send_as(
            &member,
            Method::GET,
            &format!("/v1/applications/{id}"),
            Value::Null,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = p
        .send_as(
            &member,
            Method::PATCH,
            &format!("/v1/applications/{id}"),
            json!({"name": "mine"}),
        )
        .await;
    assert_eq!(s, 403);

    // Another account sees nothing of it, and cannot use it.
    let (other, _) = p.register_other("apps").await;
    let (s, _) = p
        .send_as(
            &other,
            Method::GET,
            &format!("/v1/applications/{id}"),
            Value::Null,
        )
        .await;
    assert_eq!(s, 404);
    let (s, r) = p
        .send_as(
            &other,
            Method::POST,
            "/v1/calls",
            json!({"to": "+15551234567", "from": "+15550001111", "application_id": id}),
        )
        .await;
    assert_eq!(s, 422, "{r}");

    // A call by application id runs its verbs and takes its status callback.
    let (port, _uas) = peer("uas");
    p.carrier("apps-trunk", port, "1555", 0.01).await;
    let (s, call) = p
        .post(
            "/v1/calls",
            json!({"to": "+15551234567", "from": "+15550001111", "application_id": id}),
        )
        .await;
    assert_eq!(s, 202, "{call}");
    assert_eq!(call["application_id"], id.as_str());
    assert_eq!(call["application"], verbs);
    assert_eq!(call["status_callback"], "https://hooks.example/ivr");
    let call_id = call["id"].as_str().unwrap().to_owned();

    // Changing the application does not change the call already placed.
    let (s, changed) = p
        .patch(
            &format!("/v1/applications/{id}"),
            json!({"answer_url": "https://a.example/next", "status_callback": ""}),
        )
        .await;
    assert_eq!(s, 200, "{changed}");
    assert!(changed["application"].is_null());
    assert!(changed["status_callback"].is_null());
    let c = p.wait_status(&call_id, &["completed", "failed"], 30).await;
    assert_eq!(c["status"], "completed", "{c}");
    assert_eq!(c["application"], verbs);

    // Giving both a hosted application and inline verbs is refused.
    let (s, r) = p
        .post(
            "/v1/calls",
            json!({"to": "+15551234567", "from": "+15550001111", "application_id": id, "application": verbs}),
        )
        .await;
    assert_eq!(s, 422, "{r}");

    // Deleted: gone for new calls, the old call keeps its copy and loses the link.
    let (s, _) = p
        .send_as(
            &p.token,
            Method::DELETE,
            &format!("/v1/applications/{id}"),
            Value::Null,
        )
        .await;
    assert_eq!(s, 204);
    let (s, r) = p
        .post(
            "/v1/calls",
            json!({"to": "+15551234567", "from": "+15550001111", "application_id": id}),
        )
        .await;
    assert_eq!(s, 422, "{r}");
    let (_, c) = p.get(&format!("/v1/calls/{call_id}")).await;
    assert!(c["application_id"].is_null(), "{c}");
    assert_eq!(c["application"], verbs);
}
