//! Password change, forgot/reset through the email outbox, and bcrypt → argon2id migration.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestApp;

#[tokio::test]
async fn change_password_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;

    let wrong = app
        .post(
            "/v1/auth/password/change",
            Some(&a.access),
            json!({"current_password": "nope nope nope", "new_password": "a brand new password"}),
        )
        .await;
    assert_eq!(wrong.problem(422)["errors"][0]["field"], "current_password");

    let weak = app
        .post(
            "/v1/auth/password/change",
            Some(&a.access),
            json!({"current_password": a.password, "new_password": "short"}),
        )
        .await;
    assert_eq!(weak.fields(), ["new_password"]);

    let ok = app
        .post(
            "/v1/auth/password/change",
            Some(&a.access),
            json!({"current_password": a.password, "new_password": "a brand new password"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let fresh = ok.body["access_token"].as_str().unwrap();

    app.get("/v1/auth/me", Some(&a.access)).await.problem(401);
    app.post(
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": a.refresh}),
    )
    .await
    .problem(401);
    assert_eq!(
        app.get("/v1/auth/me", Some(fresh)).await.status,
        StatusCode::OK
    );

    app.post(
        "/v1/auth/login",
        None,
        json!({"email": a.email, "password": a.password}),
    )
    .await
    .problem(401);
    let login = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": "a brand new password"}),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);
}

#[tokio::test]
async fn forgot_and_reset_through_the_outbox() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;

    // Unknown addresses get the same answer and no mail.
    let r = app
        .post(
            "/v1/auth/password/forgot",
            None,
            json!({"email": "ghost@example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert!(
        irisx_store::outbox::for_recipient(&app.db, "ghost@example.com")
            .await
            .unwrap()
            .is_empty()
    );

    let r = app
        .post("/v1/auth/password/forgot", None, json!({"email": a.email}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let mails = irisx_store::outbox::for_recipient(&app.db, &a.email)
        .await
        .unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].template, "password_reset");
    assert_eq!(mails[0].status, "pending");
    let token = mails[0]
        .body_text
        .split("token=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a link with the token")
        .to_owned();
    assert!(token.starts_with("irxp_"));

    let bad = app
        .post(
            "/v1/auth/password/reset",
            None,
            json!({"token": "irxp_bogus", "new_password": "reset password 123"}),
        )
        .await;
    assert_eq!(bad.problem(422)["errors"][0]["field"], "token");

    let ok = app
        .post(
            "/v1/auth/password/reset",
            None,
            json!({"token": token, "new_password": "reset password 123"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text);
    // Single use.
    let again = app
        .post(
            "/v1/auth/password/reset",
            None,
            json!({"token": token, "new_password": "another reset 456"}),
        )
        .await;
    again.problem(422);
    // Old sessions are gone; the new password works.
    app.get("/v1/auth/me", Some(&a.access)).await.problem(401);
    app.post(
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": a.refresh}),
    )
    .await
    .problem(401);
    let login = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": "reset password 123"}),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
}

#[tokio::test]
async fn expired_reset_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let token = app.reset_token(&a.email).await;
    sqlx::query("UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'")
        .execute(&app.db)
        .await
        .unwrap();
    let r = app
        .post(
            "/v1/auth/password/reset",
            None,
            json!({"token": token, "new_password": "reset password 123"}),
        )
        .await;
    r.problem(422);
}

#[tokio::test]
async fn bcrypt_hashes_from_the_node_system_are_migrated() {
    let app = TestApp::spawn().await;
    let a = app.register("Legacy").await;
    let legacy = bcrypt::hash("node era password", 10).unwrap();
    sqlx::query("UPDATE users SET password_hash = $1 WHERE email = $2")
        .bind(&legacy)
        .bind(&a.email)
        .execute(&app.db)
        .await
        .unwrap();

    app.post(
        "/v1/auth/login",
        None,
        json!({"email": a.email, "password": "wrong password!!"}),
    )
    .await
    .problem(401);
    let still: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE email = $1")
        .bind(&a.email)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(still, legacy, "a failed login must not touch the hash");

    let ok = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": "node era password"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let now: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE email = $1")
        .bind(&a.email)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(now.starts_with("$argon2id$"), "{now}");

    let again = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": a.email, "password": "node era password"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
}
