//! The IRISX REST API: axum routes (one module per resource under [`http`]), authentication,
//! Redis rate limits, RFC 9457 errors and the generated OpenAPI document.
//!
//! [`serve`] runs the API on a listener until the shutdown future completes.

pub mod auth;
pub mod client;
pub mod config;
pub use irisx_core::secrets as crypto;
pub mod error;
pub mod extract;
pub mod http;
pub mod live_calls;
pub mod metrics;
pub mod openapi;
pub mod pagination;
pub mod ratelimit;
pub mod request_id;
pub mod state;
pub mod validate;

use std::future::Future;
use std::net::SocketAddr;

pub use config::{ApiConfig, CallDefaults, Limits};
pub use state::AppState;

/// Serves the API on `listener` until `shutdown` completes, then finishes in-flight requests.
///
/// Also starts the task that forgets API keys revoked by other processes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics::install();
    state
        .bus
        .ensure_streams()
        .await
        .map_err(std::io::Error::other)?;
    let follower = tokio::spawn(
        state
            .api_keys
            .clone()
            .follow_revocations(state.nats.clone(), state.config.revocation_subject.clone()),
    );
    let app = http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    follower.abort();
    result
}
