//! Malformed and invalid request bodies: each gets a problem document that says what is wrong.

use serde_json::json;

use crate::common::TestApp;

#[tokio::test]
async fn invalid_json_is_400_with_position() {
    let app = TestApp::spawn().await;
    let r = app
        .raw(
            "/v1/auth/login",
            Some("application/json"),
            r#"{"email": "a@b.co", "password": }"#,
        )
        .await;
    let detail = r.problem(400)["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("not valid JSON") && detail.contains("line 1 column"),
        "{detail}"
    );
    let r = app
        .raw(
            "/v1/auth/login",
            Some("application/json"),
            r#"{"email": "a@b.co"} trailing"#,
        )
        .await;
    r.problem(400);
    let r = app
        .raw("/v1/auth/login", Some("application/json"), "")
        .await;
    assert!(r.problem(400)["detail"].as_str().unwrap().contains("empty"));
    let r = app
        .raw("/v1/auth/login", Some("application/json"), "[1, 2]")
        .await;
    assert!(
        r.problem(400)["detail"]
            .as_str()
            .unwrap()
            .contains("expected shape")
    );
    let r = app
        .raw(
            "/v1/auth/login",
            Some("application/json"),
            "\u{0}\u{1}binary",
        )
        .await;
    r.problem(400);
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = TestApp::spawn().await;
    let r = app
        .raw(
            "/v1/auth/login",
            Some("text/plain"),
            r#"{"email":"a@b.co","password":"x"}"#,
        )
        .await;
    assert!(
        r.problem(415)["detail"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );
    app.raw(
        "/v1/auth/login",
        None,
        r#"{"email":"a@b.co","password":"x"}"#,
    )
    .await
    .problem(415);
    let ok = app
        .raw(
            "/v1/auth/login",
            Some("application/json; charset=utf-8"),
            r#"{"email":"a@b.co","password":"x"}"#,
        )
        .await;
    ok.problem(401);
}

#[tokio::test]
async fn every_invalid_field_is_named() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/v1/auth/register",
            None,
            json!({"email": "not-an-email", "password": "short", "name": "  "}),
        )
        .await;
    r.problem(422);
    assert_eq!(r.fields(), ["email", "password", "name", "company"]);
    let messages: Vec<_> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect();
    assert!(messages[0].contains("email address"), "{messages:?}");
    assert!(messages[1].contains("at least 10"), "{messages:?}");
    assert_eq!(messages[3], "is required");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("company: is required")
    );
}

#[tokio::test]
async fn wrong_types_name_the_field() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/v1/auth/login",
            None,
            json!({"email": 42, "password": "x"}),
        )
        .await;
    r.problem(422);
    assert_eq!(r.fields(), ["email"]);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("invalid type")
    );
    let a = app.register("Acme").await;
    let r = app
        .post(
            "/v1/api-keys",
            Some(&a.access),
            json!({"name": "k", "role": "superuser"}),
        )
        .await;
    r.problem(422);
    assert_eq!(r.fields(), ["role"]);
    let r = app
        .post(
            "/v1/api-keys",
            Some(&a.access),
            json!({"name": "k", "expires_in_days": -1}),
        )
        .await;
    assert_eq!(r.fields(), ["expires_in_days"]);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let big = "x".repeat(2 * 1024 * 1024);
    let r = app
        .http
        .post(format!("{}/v1/auth/login", app.base))
        .header("content-type", "application/json")
        .body(format!(r#"{{"email":"{big}","password":"x"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(text.contains("could not read the request body"), "{text}");
}
