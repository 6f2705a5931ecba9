//! Facts about the client of a request that auth flows record and rate-limit on: its address,
//! its user agent and the request id.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;

/// The client's address, user agent and the request id.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    /// Client IP address (from `X-Forwarded-For` only when configured to trust it).
    pub ip: String,
    /// `User-Agent` header, if sent (truncated to 300 characters).
    pub user_agent: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
}

impl<S> FromRequestParts<S> for ClientInfo
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let forwarded = state
            .config
            .trust_forwarded_for
            .then(|| parts.headers.get("x-forwarded-for"))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        let text = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
        };
        Ok(ClientInfo {
            ip: forwarded.or(peer).unwrap_or_else(|| "unknown".into()),
            user_agent: text(header::USER_AGENT).map(|s| s.chars().take(300).collect()),
            request_id: text(header::HeaderName::from_static("x-request-id")).map(str::to_owned),
        })
    }
}
