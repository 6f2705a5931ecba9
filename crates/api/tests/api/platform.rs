//! Health, readiness, metrics, OpenAPI, docs, request ids, unknown routes.

use reqwest::{Method, StatusCode};

use crate::common::TestApp;

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ok");
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["checks"]["postgres"], "ok");
    assert_eq!(r.body["checks"]["nats"], "ok");
    assert_eq!(r.body["checks"]["redis"], "ok");
}

#[tokio::test]
async fn readiness_fails_when_postgres_is_gone() {
    let app = TestApp::spawn().await;
    app.db.close().await;
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_ne!(r.body["checks"]["postgres"], "ok");
    assert_eq!(r.body["checks"]["redis"], "ok");
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let app = TestApp::spawn().await;
    app.get("/healthz", None).await;
    let r = app.get("/metrics", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("http_requests_total"), "{}", r.text);
    assert!(r.text.contains(r#"route="/healthz""#), "{}", r.text);
    assert!(r.text.contains("http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn openapi_describes_every_endpoint() {
    let app = TestApp::spawn().await;
    let r = app.get("/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/v1/auth/register",
        "/v1/auth/login",
        "/v1/auth/refresh",
        "/v1/auth/logout",
        "/v1/auth/logout-all",
        "/v1/auth/me",
        "/v1/auth/password/change",
        "/v1/auth/password/forgot",
        "/v1/auth/password/reset",
        "/v1/api-keys",
        "/v1/api-keys/{id}",
        "/v1/applications",
        "/v1/applications/{id}",
        "/v1/calls",
        "/v1/calls/{id}",
        "/v1/calls/{id}/hangup",
        "/v1/calls/{id}/webhooks",
        "/v1/cdrs",
        "/v1/carriers",
        "/v1/carriers/{id}",
        "/v1/carriers/{id}/rates",
        "/v1/tenants/{id}/prices",
        "/v1/tenants/{id}/limits",
        "/v1/webhooks/secret",
        "/v1/webhooks/secret/rotate",
        "/healthz",
        "/readyz",
    ] {
        assert!(
            r.body["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(r.body["components"]["securitySchemes"]["bearer"].is_object());
    assert!(r.body["components"]["schemas"]["Problem"].is_object());
    let docs = app
        .http
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("/openapi.json"));
}

#[tokio::test]
async fn request_ids_are_returned_and_quoted_in_problems() {
    let app = TestApp::spawn().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.header("x-request-id").map(str::len), Some(36));
    let resp = app
        .http
        .get(format!("{}/v1/auth/me", app.base))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "trace-me-123");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["request_id"], "trace-me-123");
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = TestApp::spawn().await;
    app.get("/v1/nope", None).await.problem(404);
    app.call(Method::GET, "/v1/auth/login", None, None)
        .await
        .problem(405);
    app.call(Method::PUT, "/v1/api-keys", None, None)
        .await
        .problem(405);
}
