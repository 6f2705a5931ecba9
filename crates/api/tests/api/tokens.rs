//! Access tokens: expired, tampered, `alg: none`, other algorithms, other secrets, garbage.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::common::{Account, TestApp};

const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

fn claims_of(a: &Account) -> Value {
    let payload = a.access.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign(alg: Algorithm, secret: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

async fn refused(app: &TestApp, token: &str) -> String {
    let r = app.get("/v1/auth/me", Some(token)).await;
    r.problem(401)["detail"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_token_signed_by_us_works_as_a_control() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let token = sign(Algorithm::HS256, SECRET, &claims_of(&a));
    assert_eq!(app.get("/v1/auth/me", Some(&token)).await.status, 200);
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let mut c = claims_of(&a);
    let now = c["iat"].as_i64().unwrap();
    c["iat"] = json!(now - 3600);
    c["exp"] = json!(now - 60);
    let detail = refused(&app, &sign(Algorithm::HS256, SECRET, &c)).await;
    assert!(detail.contains("expired"), "{detail}");
}

#[tokio::test]
async fn tampered_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let b = app.register("Other").await;
    // Claim tenant B while keeping A's signature.
    let mut c = claims_of(&a);
    c["tenant"] = json!(b.tenant_id);
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
    let parts: Vec<&str> = a.access.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    let detail = refused(&app, &forged).await;
    assert!(detail.contains("signature"), "{detail}");
}

#[tokio::test]
async fn alg_none_is_refused() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = a.access.split('.').nth(1).unwrap();
    refused(&app, &format!("{header}.{payload}.")).await;
    refused(&app, &format!("{header}.{payload}")).await;
}

#[tokio::test]
async fn other_algorithms_and_secrets_are_refused() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    let c = claims_of(&a);
    let detail = refused(&app, &sign(Algorithm::HS512, SECRET, &c)).await;
    assert!(detail.contains("HS256"), "{detail}");
    refused(&app, &sign(Algorithm::HS384, SECRET, &c)).await;
    refused(
        &app,
        &sign(
            Algorithm::HS256,
            b"some-other-secret-of-enough-length!!",
            &c,
        ),
    )
    .await;
}

#[tokio::test]
async fn missing_and_garbage_credentials_are_refused() {
    let app = TestApp::spawn().await;
    let r = app.get("/v1/auth/me", None).await;
    r.problem(401);
    assert!(r.header("www-authenticate").is_some());
    refused(&app, "garbage").await;
    refused(&app, "a.b.c").await;
    refused(&app, "irx_sk_notarealkey").await;
    let r = app
        .http
        .get(format!("{}/v1/auth/me", app.base))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn tokens_of_deleted_users_are_refused() {
    let app = TestApp::spawn().await;
    let a = app.register("Acme").await;
    sqlx::query("UPDATE users SET status = 'disabled'")
        .execute(&app.db)
        .await
        .unwrap();
    // The token version is cached in Redis: disabling must still take effect once it expires
    // from there; drop the cache entry to see PostgreSQL's answer now.
    let key = app.state.redis_key(&format!("tv:{}", a.user_id));
    let mut redis = app.state.redis.clone();
    let _: () = redis::AsyncCommands::del(&mut redis, key).await.unwrap();
    refused(&app, &a.access).await;
}
