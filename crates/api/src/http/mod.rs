//! The HTTP surface: one module per resource, and the router that assembles them with the
//! cross-cutting layers (request ids, tracing, metrics, body limits, panics → 500).

pub mod api_keys;
pub mod applications;
pub mod auth;
pub mod calls;
pub mod carriers;
pub mod cdrs;
pub mod docs;
pub mod health;
pub mod tenants;
pub mod views;
pub mod webhooks;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::principal::require_auth;
use crate::error::ApiError;
use crate::state::AppState;
use crate::{metrics, request_id};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Builds the complete router.
pub fn router(state: AppState) -> Router {
    let protected = Router::new()
        .route("/v1/auth/me", get(auth::me::me))
        .route("/v1/auth/logout-all", post(auth::session::logout_all))
        .route("/v1/auth/password/change", post(auth::password::change))
        .route("/v1/api-keys", post(api_keys::create).get(api_keys::list))
        .route("/v1/api-keys/{id}", delete(api_keys::revoke))
        .route(
            "/v1/applications",
            post(applications::create).get(applications::list),
        )
        .route(
            "/v1/applications/{id}",
            get(applications::get)
                .patch(applications::update)
                .delete(applications::delete),
        )
        .route("/v1/calls", post(calls::create).get(calls::list))
        .route("/v1/calls/{id}", get(calls::get))
        .route("/v1/calls/{id}/hangup", post(calls::hangup))
        .route("/v1/calls/{id}/webhooks", get(webhooks::call_attempts))
        .route("/v1/cdrs", get(cdrs::list))
        .route("/v1/carriers", post(carriers::create).get(carriers::list))
        .route(
            "/v1/carriers/{id}",
            get(carriers::get)
                .patch(carriers::update)
                .delete(carriers::delete),
        )
        .route(
            "/v1/carriers/{id}/rates",
            put(carriers::put_rates).get(carriers::get_rates),
        )
        .route(
            "/v1/tenants/{id}/prices",
            get(tenants::get_prices).put(tenants::put_prices),
        )
        .route(
            "/v1/tenants/{id}/limits",
            get(tenants::get_limits).put(tenants::put_limits),
        )
        .route("/v1/webhooks/secret", get(webhooks::get_secret))
        .route("/v1/webhooks/secret/rotate", post(webhooks::rotate_secret))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_auth));

    let public = Router::new()
        .route("/v1/auth/register", post(auth::register::register))
        .route("/v1/auth/login", post(auth::login::login))
        .route("/v1/auth/refresh", post(auth::session::refresh))
        .route("/v1/auth/logout", post(auth::session::logout))
        .route("/v1/auth/password/forgot", post(auth::password::forgot))
        .route("/v1/auth/password/reset", post(auth::password::reset))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .route("/openapi.json", get(docs::openapi_json))
        .route("/docs", get(docs::docs_page));

    Router::new()
        .merge(public)
        .merge(protected)
        .fallback(|| async { ApiError::NoRoute(StatusCode::NOT_FOUND) })
        .method_not_allowed_fallback(|| async { ApiError::NoRoute(StatusCode::METHOD_NOT_ALLOWED) })
        .layer(middleware::from_fn(request_id::scope))
        .layer(middleware::from_fn(metrics::track))
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(CatchPanicLayer::custom(|_| panic_response()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req
                        .headers()
                        .get(&REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!("http", method = %req.method(), path = %req.uri().path(),
                        request_id = %id, tenant_id = tracing::field::Empty)
                })
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                ),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .with_state(state)
}

fn panic_response() -> Response {
    ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
}
