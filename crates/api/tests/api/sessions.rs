//! Registration, login, refresh rotation with reuse detection, logout, logout-all, me.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestApp;

#[tokio::test]
async fn register_then_me_and_login() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme Voice").await;

    let me = app.get("/v1/auth/me", Some(&a.access)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["auth"], "access_token");
    assert_eq!(me.body["role"], "owner");
    assert_eq!(me.body["user"]["email"], a.email.as_str());
    assert_eq!(me.body["tenant"]["name"], "Acme Voice");
    assert_eq!(me.body["tenant"]["id"], a.tenant_id.as_str());
    assert!(me.body["user"].get("password_hash").is_none());
    // The first account of a fresh install administers the platform; later ones do not.
    assert_eq!(me.body["user"]["is_platform_admin"], true);
    let b = app.register("Second Co").await;
    let me_b = app.get("/v1/auth/me", Some(&b.access)).await;
    assert_eq!(me_b.body["user"]["is_platform_admin"], false);

    // Emails are case-insensitive logins.
    let login = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email.to_uppercase(), "password": a.password}),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(login.body["expires_in"], 900);
    assert!(
        login.body["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("irxr_")
    );
    let me2 = app
        .get(
            "/v1/auth/me",
            Some(login.body["access_token"].as_str().unwrap()),
        )
        .await;
    assert_eq!(me2.status, StatusCode::OK);
    assert!(me2.body["user"]["last_login_at"].is_string());
}

#[tokio::test]
async fn duplicate_email_is_a_conflict() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let r = app
        .post(
            "/v1/auth/register",
            None,
            json!({"email": a.email.to_uppercase(), "password": "another long password", "name": "X", "company": "Y"}),
        )
        .await;
    let p = r.problem(409);
    assert!(p["detail"].as_str().unwrap().contains("already exists"));
    // Nothing half-created: still one tenant.
    let tenants: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(tenants, 1);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let wrong = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": "wrong password!"}),
        )
        .await;
    let unknown = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": "nobody@example.com", "password": "wrong password!"}),
        )
        .await;
    assert_eq!(wrong.problem(401)["detail"], unknown.problem(401)["detail"]);
    assert!(
        wrong
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
    let actions = irisx_store::audit::actions_for_user(&app.db, a.user_id.parse().unwrap())
        .await
        .unwrap();
    assert!(
        actions.contains(&("login".into(), "failure".into())),
        "{actions:?}"
    );
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;

    let first = app
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": a.refresh}),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let r2 = first.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r2, a.refresh);
    let access2 = first.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/v1/auth/me", Some(&access2)).await.status,
        StatusCode::OK
    );

    // A second login is a separate session (family) and must survive the theft below.
    let other = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": a.password}),
        )
        .await;
    let other_refresh = other.body["refresh_token"].as_str().unwrap().to_owned();

    // Replaying the spent token: refused, and the whole family is revoked, including r2.
    let replay = app
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": a.refresh}),
        )
        .await;
    assert!(
        replay.problem(401)["detail"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    let after = app
        .post("/v1/auth/refresh", None, json!({"refresh_token": r2}))
        .await;
    after.problem(401);

    let still = app
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": other_refresh}),
        )
        .await;
    assert_eq!(still.status, StatusCode::OK, "{}", still.text);

    let actions = irisx_store::audit::actions_for_user(&app.db, a.user_id.parse().unwrap())
        .await
        .unwrap();
    assert!(
        actions.contains(&("refresh_reuse_detected".into(), "failure".into())),
        "{actions:?}"
    );
}

#[tokio::test]
async fn unknown_and_malformed_refresh_tokens() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": "irxr_doesnotexist"}),
        )
        .await;
    r.problem(401);
    let r = app
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": "eyJhbGciOi"}),
        )
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "refresh_token");
}

#[tokio::test]
async fn logout_ends_one_session() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let r = app
        .post("/v1/auth/logout", None, json!({"refresh_token": a.refresh}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    // Idempotent.
    let r = app
        .post("/v1/auth/logout", None, json!({"refresh_token": a.refresh}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": a.refresh}),
        )
        .await;
    r.problem(401);
}

#[tokio::test]
async fn logout_all_kills_access_and_refresh_tokens() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let second = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": a.password}),
        )
        .await;
    let second_refresh = second.body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/v1/auth/me", Some(&a.access)).await.status,
        StatusCode::OK
    );

    let r = app
        .post("/v1/auth/logout-all", Some(&a.access), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);

    let me = app.get("/v1/auth/me", Some(&a.access)).await;
    assert!(
        me.problem(401)["detail"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
    app.post(
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": a.refresh}),
    )
    .await
    .problem(401);
    app.post(
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": second_refresh}),
    )
    .await
    .problem(401);

    // Signing in again works and the new token is accepted.
    let again = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": a.password}),
        )
        .await;
    let me = app
        .get(
            "/v1/auth/me",
            Some(again.body["access_token"].as_str().unwrap()),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
}

#[tokio::test]
async fn suspended_tenant_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    sqlx::query("UPDATE tenants SET status = 'suspended'")
        .execute(&app.db)
        .await
        .unwrap();
    let r = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": a.password}),
        )
        .await;
    r.problem(403);
}
