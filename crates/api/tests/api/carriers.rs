//! Carriers: platform and tenant scopes, who may manage them, encrypted passwords, tenant
//! isolation, validation, rate decks.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::TestApp;

#[tokio::test]
async fn owners_manage_their_own_carriers_with_encrypted_passwords() {
    let app = TestApp::spawn().await;
    let _admin = app.register("Platform Op").await;
    let a = app.register("Acme").await;
    let r = app
        .post(
            "/v1/carriers",
            Some(&a.access),
            json!({"name": "my trunk", "host": "sip.carrier.example", "port": 5080, "transport": "tcp",
                   "username": "acme", "password": "s3cret-trunk", "prepend": "99", "strip_digits": 1, "priority": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["scope"], "tenant");
    assert_eq!(r.body["has_password"], true);
    assert_eq!(r.body["transport"], "tcp");
    assert!(
        !r.text.contains("s3cret-trunk"),
        "the password is never returned"
    );
    let id = r.body["id"].as_str().unwrap().to_owned();

    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT password_enc FROM carriers WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(
        !stored.windows(12).any(|w| w == b"s3cret-trunk"),
        "stored encrypted"
    );
    assert_eq!(
        irisx_api::crypto::open(&app.state.config.encryption_key, &stored).as_deref(),
        Some("s3cret-trunk")
    );

    let r = app
        .call(
            Method::PATCH,
            &format!("/v1/carriers/{id}"),
            Some(&a.access),
            Some(json!({"enabled": false, "password": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["enabled"], false);
    assert_eq!(r.body["has_password"], false);
    assert_eq!(r.body["priority"], 5, "untouched fields stay");

    let list = app.get("/v1/carriers", Some(&a.access)).await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    let dup = app
        .post(
            "/v1/carriers",
            Some(&a.access),
            json!({"name": "MY TRUNK", "host": "x.example"}),
        )
        .await;
    dup.problem(409);
    let del = app
        .call(
            Method::DELETE,
            &format!("/v1/carriers/{id}"),
            Some(&a.access),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    app.get(&format!("/v1/carriers/{id}"), Some(&a.access))
        .await
        .problem(404);
}

#[tokio::test]
async fn platform_carriers_are_for_platform_admins_only() {
    let app = TestApp::spawn().await;
    let op = app.register("Platform Op").await; // first account: platform admin
    let t = app.register("Tenant").await;
    let r = app
        .post(
            "/v1/carriers",
            Some(&op.access),
            json!({"name": "wholesale", "host": "198.51.100.7", "scope": "platform"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["scope"], "platform");
    let platform_id = r.body["id"].as_str().unwrap().to_owned();

    let r = app
        .post(
            "/v1/carriers",
            Some(&t.access),
            json!({"name": "mine", "host": "198.51.100.8", "scope": "platform"}),
        )
        .await;
    r.problem(403);
    // A tenant neither sees nor touches platform carriers.
    let list = app.get("/v1/carriers", Some(&t.access)).await;
    assert!(list.body["data"].as_array().unwrap().is_empty());
    app.get(&format!("/v1/carriers/{platform_id}"), Some(&t.access))
        .await
        .problem(404);
    app.call(
        Method::DELETE,
        &format!("/v1/carriers/{platform_id}"),
        Some(&t.access),
        None,
    )
    .await
    .problem(404);
    // API keys never act as platform admins.
    let (_, key) = app.api_key(&op, "ops").await;
    app.post(
        "/v1/carriers",
        Some(&key),
        json!({"name": "k", "host": "h.example", "scope": "platform"}),
    )
    .await
    .problem(403);
}

#[tokio::test]
async fn tenants_are_isolated_and_only_owners_write() {
    let app = TestApp::spawn().await;
    let _op = app.register("Platform Op").await;
    let a = app.register("A").await;
    let b = app.register("B").await;
    let r = app
        .post(
            "/v1/carriers",
            Some(&a.access),
            json!({"name": "a-trunk", "host": "a.example"}),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    app.get(&format!("/v1/carriers/{id}"), Some(&b.access))
        .await
        .problem(404);
    app.call(
        Method::PATCH,
        &format!("/v1/carriers/{id}"),
        Some(&b.access),
        Some(json!({"priority": 1})),
    )
    .await
    .problem(404);
    app.call(
        Method::PUT,
        &format!("/v1/carriers/{id}/rates"),
        Some(&b.access),
        Some(json!({"rates": []})),
    )
    .await
    .problem(404);
    // An admin API key of the owning tenant may read but not write (owners manage carriers).
    let (_, key) = app.api_key(&a, "reader").await;
    assert_eq!(
        app.get(&format!("/v1/carriers/{id}"), Some(&key))
            .await
            .status,
        StatusCode::OK
    );
    app.call(
        Method::PATCH,
        &format!("/v1/carriers/{id}"),
        Some(&key),
        Some(json!({"priority": 1})),
    )
    .await
    .problem(403);
}

#[tokio::test]
async fn invalid_carriers_name_their_fields() {
    let app = TestApp::spawn().await;
    let a = app.register("A").await;
    let r = app
        .post(
            "/v1/carriers",
            Some(&a.access),
            json!({"port": 0, "prepend": "9x", "max_concurrent": 0}),
        )
        .await;
    r.problem(422);
    let fields = r.fields();
    for f in ["port", "prepend", "max_concurrent"] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    let r = app
        .post(
            "/v1/carriers",
            Some(&a.access),
            json!({"host": "x.example"}),
        )
        .await;
    assert_eq!(r.fields(), ["name"]);
    let r = app
        .post(
            "/v1/carriers",
            Some(&a.access),
            json!({"name": "n", "host": "x.example", "transport": "sctp"}),
        )
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "transport");
    let r = app
        .post(
            "/v1/carriers",
            Some(&a.access),
            json!({"name": "n", "host": "x.example", "colour": "red"}),
        )
        .await;
    assert!(
        r.problem(422)["detail"]
            .as_str()
            .unwrap()
            .contains("colour")
    );
}

#[tokio::test]
async fn rate_decks_are_replaced_whole_and_checked() {
    let app = TestApp::spawn().await;
    let a = app.register("A").await;
    let id = app
        .post(
            "/v1/carriers",
            Some(&a.access),
            json!({"name": "t", "host": "t.example"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/carriers/{id}/rates");
    let r = app
        .call(
            Method::PUT,
            &path,
            Some(&a.access),
            Some(json!({"rates": [
                {"prefix": "1", "cost_per_min": 0.009},
                {"prefix": "1555", "cost_per_min": 0.0125, "increment": "1/1"},
                {"prefix": "", "cost_per_min": 0.2, "increment": "30/6"}
            ]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rates = r.body["rates"].as_array().unwrap();
    assert_eq!(rates.len(), 3);
    assert_eq!(rates[1]["prefix"], "1");
    assert_eq!(rates[1]["increment"], "60/60");
    assert_eq!(rates[2]["cost_per_min"], 0.0125);
    assert_eq!(rates[0]["increment"], "30/6");

    let r = app
        .call(
            Method::PUT,
            &path,
            Some(&a.access),
            Some(json!({"rates": [{"prefix": "44", "cost_per_min": 0.01}]})),
        )
        .await;
    assert_eq!(
        r.body["rates"].as_array().unwrap().len(),
        1,
        "replaced, not merged"
    );

    let bad = app
        .call(
            Method::PUT,
            &path,
            Some(&a.access),
            Some(json!({"rates": [
                {"prefix": "1", "cost_per_min": 0.01},
                {"prefix": "1-800", "cost_per_min": 0.01},
                {"prefix": "1", "cost_per_min": -1, "increment": "0/60"}
            ]})),
        )
        .await;
    bad.problem(422);
    assert_eq!(
        bad.fields(),
        [
            "rates[1].prefix",
            "rates[2].prefix",
            "rates[2].cost_per_min",
            "rates[2].increment"
        ]
    );
    let still = app.get(&path, Some(&a.access)).await;
    assert_eq!(
        still.body["rates"][0]["prefix"], "44",
        "a rejected deck changes nothing"
    );
}
