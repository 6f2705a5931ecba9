//! `/v1/auth/*`: registration, login, token rotation, logout, `me`, and passwords.

pub mod login;
pub mod me;
pub mod password;
pub mod register;
pub mod session;

use irisx_store::audit::{self, AuditEntry};

use crate::client::ClientInfo;
use crate::error::ApiError;
use crate::ratelimit::Limit;
use crate::state::AppState;

/// Records an auth event, stamped with the client's address, user agent and request id.
pub(crate) async fn audit(state: &AppState, client: &ClientInfo, mut entry: AuditEntry<'_>) {
    entry.ip = Some(&client.ip);
    entry.user_agent = client.user_agent.as_deref();
    entry.request_id = client.request_id.as_deref();
    if let Err(e) = audit::record(&state.db, &entry).await {
        tracing::error!(error = %e, action = entry.action, "could not write the audit log");
    }
}

/// Applies a per-client-address limit to an unauthenticated endpoint.
pub(crate) async fn limit_ip(
    state: &AppState,
    what: &str,
    client: &ClientInfo,
    limit: Limit,
) -> Result<(), ApiError> {
    let decision = state
        .limiter
        .hit(&format!("{what}:ip:{}", client.ip), limit)
        .await;
    if decision.allowed {
        Ok(())
    } else {
        Err(ApiError::RateLimited(
            decision,
            format!(
                "too many {what} requests from your address; try again in {} s",
                decision.retry_after_secs
            ),
        ))
    }
}
