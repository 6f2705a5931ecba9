//! API keys: shown once, listed without secrets, usable as Bearer, revoked everywhere at once,
//! invisible across tenants, paginated.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::TestApp;

#[tokio::test]
async fn create_use_list_and_revoke() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let r = app
        .post(
            "/v1/api-keys",
            Some(&a.access),
            json!({"name": "backend", "role": "member", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let key = r.body["key"].as_str().unwrap().to_owned();
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(key.starts_with("irx_sk_"));
    assert!(key.starts_with(r.body["prefix"].as_str().unwrap()));
    assert_eq!(r.body["role"], "member");
    assert!(r.body["expires_at"].is_string());

    // Stored hashed: the secret is nowhere in the database.
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM api_keys WHERE prefix = $1 AND key_hash <> convert_to($2, 'UTF8')",
    )
    .bind(r.body["prefix"].as_str().unwrap())
    .bind(&key)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(stored, 1);

    let me = app.get("/v1/auth/me", Some(&key)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["auth"], "api_key");
    assert_eq!(me.body["role"], "member");
    assert_eq!(me.body["tenant"]["id"], a.tenant_id.as_str());
    assert_eq!(me.body["api_key"]["id"], id.as_str());
    assert!(me.header("ratelimit-limit").is_some());

    let list = app.get("/v1/api-keys", Some(&a.access)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    assert!(
        list.body["data"][0].get("key").is_none(),
        "the secret is shown only once"
    );
    assert!(!list.text.contains(&key));

    // A member key may not manage keys.
    let r = app
        .post("/v1/api-keys", Some(&key), json!({"name": "escalate"}))
        .await;
    r.problem(403);

    let del = app
        .call(
            Method::DELETE,
            &format!("/v1/api-keys/{id}"),
            Some(&a.access),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT, "{}", del.text);
    app.get("/v1/auth/me", Some(&key)).await.problem(401);
    let del = app
        .call(
            Method::DELETE,
            &format!("/v1/api-keys/{id}"),
            Some(&a.access),
            None,
        )
        .await;
    del.problem(404);
}

#[tokio::test]
async fn keys_cannot_outrank_their_creator_and_members_cannot_create() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let r = app
        .post(
            "/v1/api-keys",
            Some(&a.access),
            json!({"name": "x", "role": "owner"}),
        )
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "role");
    // Demote the user to member: the next token says so.
    sqlx::query("UPDATE users SET role = 'member'")
        .execute(&app.db)
        .await
        .unwrap();
    let login = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": a.password}),
        )
        .await;
    let member = login.body["access_token"].as_str().unwrap();
    app.post("/v1/api-keys", Some(member), json!({"name": "x"}))
        .await
        .problem(403);
    app.get("/v1/api-keys", Some(member)).await.problem(403);
}

#[tokio::test]
async fn expired_keys_are_refused() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let (_, key) = app.api_key(&a, "short-lived").await;
    sqlx::query("UPDATE api_keys SET expires_at = now() - interval '1 second'")
        .execute(&app.db)
        .await
        .unwrap();
    let r = app.get("/v1/auth/me", Some(&key)).await;
    assert!(
        r.problem(401)["detail"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn tenants_cannot_see_or_touch_each_others_keys() {
    let app = TestApp::spawn().await;
    let a = app.register("Tenant A").await;
    let b = app.register("Tenant B").await;
    let (a_key_id, a_key) = app.api_key(&a, "a-key").await;
    let (_, b_key) = app.api_key(&b, "b-key").await;

    let list_b = app.get("/v1/api-keys", Some(&b.access)).await;
    let names: Vec<_> = list_b.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["b-key"]);

    // B, with a token or a key, gets 404 for A's key, exactly as for a key that never existed.
    for cred in [&b.access, &b_key] {
        let r = app
            .call(
                Method::DELETE,
                &format!("/v1/api-keys/{a_key_id}"),
                Some(cred),
                None,
            )
            .await;
        r.problem(404);
    }
    let never = app
        .call(
            Method::DELETE,
            "/v1/api-keys/00000000-0000-0000-0000-000000000000",
            Some(&b.access),
            None,
        )
        .await;
    never.problem(404);
    app.call(
        Method::DELETE,
        "/v1/api-keys/not-a-uuid",
        Some(&b.access),
        None,
    )
    .await
    .problem(404);

    // A's key still works and still belongs to A.
    let me = app.get("/v1/auth/me", Some(&a_key)).await;
    assert_eq!(me.body["tenant"]["id"], a.tenant_id.as_str());
    let me_b = app.get("/v1/auth/me", Some(&b_key)).await;
    assert_eq!(me_b.body["tenant"]["id"], b.tenant_id.as_str());
}

#[tokio::test]
async fn list_is_paginated_with_cursors() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    for i in 0..5 {
        app.api_key(&a, &format!("key-{i}")).await;
    }
    let mut seen = Vec::new();
    let mut path = "/v1/api-keys?limit=2".to_owned();
    loop {
        let page = app.get(&path, Some(&a.access)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let data = page.body["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        seen.extend(data.iter().map(|k| k["name"].as_str().unwrap().to_owned()));
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/api-keys?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["key-4", "key-3", "key-2", "key-1", "key-0"],
        "newest first, each once"
    );
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5);

    let r = app.get("/v1/api-keys?limit=0", Some(&a.access)).await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "limit");
    let r = app.get("/v1/api-keys?cursor=bogus", Some(&a.access)).await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "cursor");
    let r = app.get("/v1/api-keys?limit=abc", Some(&a.access)).await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "limit");
}

#[tokio::test]
async fn revocation_reaches_every_api_process() {
    let mut app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    let a = app.register("Acme").await;
    let (id, key) = app.api_key(&a, "shared").await;
    // The sibling authenticates the key once, so it sits in the sibling's cache.
    let r = app
        .call_at(&sibling, Method::GET, "/v1/auth/me", Some(&key), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let del = app
        .call(
            Method::DELETE,
            &format!("/v1/api-keys/{id}"),
            Some(&a.access),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    let mut last = StatusCode::OK;
    for _ in 0..40 {
        last = app
            .call_at(&sibling, Method::GET, "/v1/auth/me", Some(&key), None)
            .await
            .status;
        if last == StatusCode::UNAUTHORIZED {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        last,
        StatusCode::UNAUTHORIZED,
        "the sibling must forget the key well before its cache TTL"
    );
}

#[tokio::test]
async fn suspended_tenants_keys_are_refused() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let (_, key) = app.api_key(&a, "k").await;
    sqlx::query("UPDATE tenants SET status = 'suspended'")
        .execute(&app.db)
        .await
        .unwrap();
    app.get("/v1/auth/me", Some(&key)).await.problem(403);
}
