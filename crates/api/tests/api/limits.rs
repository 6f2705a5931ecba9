//! Rate limits in Redis: per principal, per client address, and the failed-login backoff.

use std::time::Duration;

use irisx_api::ratelimit::Limit;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestApp;

#[tokio::test]
async fn per_key_limit_answers_429_with_headers() {
    let app = TestApp::spawn_with(|c| c.limits.per_principal = Limit::per_minute(3)).await;
    let a = app.register("Acme").await;
    let (_, key) = app.api_key(&a, "k").await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let r = app.get("/v1/auth/me", Some(&key)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.header("ratelimit-limit"), Some("3"));
        assert_eq!(r.header("ratelimit-policy"), Some("3;w=60"));
        remaining.push(
            r.header("ratelimit-remaining")
                .unwrap()
                .parse::<u32>()
                .unwrap(),
        );
    }
    assert_eq!(remaining, [2, 1, 0]);
    let r = app.get("/v1/auth/me", Some(&key)).await;
    r.problem(429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (1..=20).contains(&retry),
        "one request frees up every 20 s: {retry}"
    );
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));

    // Another principal of the same tenant has its own budget.
    let r = app.get("/v1/auth/me", Some(&a.access)).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn tenant_override_applies_to_its_keys() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    sqlx::query("UPDATE tenants SET api_rate_limit_per_min = 2")
        .execute(&app.db)
        .await
        .unwrap();
    let (_, key) = app.api_key(&a, "k").await;
    assert_eq!(
        app.get("/v1/auth/me", Some(&key))
            .await
            .header("ratelimit-limit"),
        Some("2")
    );
    app.get("/v1/auth/me", Some(&key)).await;
    app.get("/v1/auth/me", Some(&key)).await.problem(429);
}

#[tokio::test]
async fn login_register_and_forgot_are_limited_per_address() {
    let app = TestApp::spawn_with(|c| {
        c.limits.login_per_ip = Limit::per_minute(2);
        c.limits.register_per_ip = Limit::per_minute(2);
        c.limits.forgot_per_ip = Limit::per_minute(1);
    })
    .await;
    let a = app.register("One").await;
    app.register("Two").await;
    let r = app.post("/v1/auth/register", None, json!({"email": "x@example.com", "password": "long enough pw", "name": "X", "company": "Three"})).await;
    r.problem(429);
    assert!(r.header("retry-after").is_some());

    for _ in 0..2 {
        let r = app
            .post(
                "/v1/auth/login",
                None,
                json!({"email": a.email, "password": a.password}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    app.post(
        "/v1/auth/login",
        None,
        json!({"email": a.email, "password": a.password}),
    )
    .await
    .problem(429);

    assert_eq!(
        app.post("/v1/auth/password/forgot", None, json!({"email": a.email}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    app.post("/v1/auth/password/forgot", None, json!({"email": a.email}))
        .await
        .problem(429);
}

#[tokio::test]
async fn forwarded_for_is_used_only_when_trusted() {
    let app = TestApp::spawn_with(|c| {
        c.limits.login_per_ip = Limit::per_minute(1);
        c.trust_forwarded_for = true;
    })
    .await;
    let body = json!({"email": "nobody@example.com", "password": "whatever123"});
    for ip in ["203.0.113.1", "203.0.113.2"] {
        let r = app
            .http
            .post(format!("{}/v1/auth/login", app.base))
            .header("x-forwarded-for", ip)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "each address has its own budget");
    }
    let r = app
        .http
        .post(format!("{}/v1/auth/login", app.base))
        .header("x-forwarded-for", "203.0.113.1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn failed_logins_make_the_attacker_wait_not_the_server() {
    let app = TestApp::spawn_with(|c| {
        c.limits.failed_logins_free = 3;
        c.limits.login_per_ip = Limit::per_minute(1000);
    })
    .await;
    let a = app.register("Acme").await;
    let wrong = json!({"email": a.email, "password": "guess guess guess"});
    for _ in 0..3 {
        app.post("/v1/auth/login", None, wrong.clone())
            .await
            .problem(401);
    }
    // Now every attempt must wait: refused up front, even with the right password.
    let r = app.post("/v1/auth/login", None, wrong.clone()).await;
    assert!(
        r.problem(429)["detail"]
            .as_str()
            .unwrap()
            .contains("failed logins")
    );
    assert_eq!(r.header("retry-after"), Some("1"));
    let r = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": a.password}),
        )
        .await;
    r.problem(429);

    // After the wait, one more wrong guess doubles the next wait.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.post("/v1/auth/login", None, wrong.clone())
        .await
        .problem(401);
    let r = app.post("/v1/auth/login", None, wrong.clone()).await;
    r.problem(429);
    assert_eq!(r.header("retry-after"), Some("2"));

    // The right password after the wait signs in and clears the count.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let ok = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": a.password}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    app.post("/v1/auth/login", None, wrong).await.problem(401);
}

#[tokio::test]
async fn a_password_reset_lifts_the_failed_login_wait() {
    let app = TestApp::spawn_with(|c| c.limits.failed_logins_free = 2).await;
    let a = app.register("Acme").await;
    for _ in 0..2 {
        app.post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": "attacker guess"}),
        )
        .await
        .problem(401);
    }
    app.post(
        "/v1/auth/login",
        None,
        json!({"email": a.email, "password": a.password}),
    )
    .await
    .problem(429);
    let token = app.reset_token(&a.email).await;
    let r = app
        .post(
            "/v1/auth/password/reset",
            None,
            json!({"token": token, "new_password": "owner's new password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let ok = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": "owner's new password"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}
