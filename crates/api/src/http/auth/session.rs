//! Refresh-token rotation with reuse detection, and logging out.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use irisx_store::audit::AuditEntry;
use irisx_store::{refresh_tokens, users};

use super::audit;
use crate::auth::principal::publish_token_version;
use crate::auth::sessions::{self, TokenPair};
use crate::auth::{Principal, secrets};
use crate::client::ClientInfo;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::validate::{Checks, Validate};

/// A refresh token, for rotation or logout.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RefreshRequest {
    /// The refresh token of the last pair.
    pub refresh_token: String,
}

impl Validate for RefreshRequest {
    fn validate(&self) -> Result<(), ApiError> {
        Checks::new()
            .check(
                "refresh_token",
                self.refresh_token.starts_with(secrets::REFRESH_PREFIX)
                    && self.refresh_token.len() < 200,
                "is not a refresh token (they start with `irxr_`)",
            )
            .finish()
    }
}

/// Exchanges a refresh token for a new pair. Each refresh token works once: presenting a
/// spent one means it was stolen or replayed, and ends the whole session.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = crate::error::Problem)))]
pub async fn refresh(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    let hash = secrets::hash(&req.refresh_token);
    let mut tx = state.db.begin().await?;
    let token = refresh_tokens::find_for_update(&mut *tx, &hash)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the refresh token is unknown".into()))?;

    if token.used_at.is_some() || token.revoked_at.is_some() {
        let revoked =
            refresh_tokens::revoke_family(&mut *tx, token.family_id, "reuse detected").await?;
        tx.commit().await?;
        if token.used_at.is_some() {
            tracing::warn!(user = %token.user_id, family = %token.family_id, "refresh token reuse detected");
            audit(&state, &client, AuditEntry {
                tenant_id: Some(token.tenant_id),
                user_id: Some(token.user_id),
                action: "refresh_reuse_detected",
                success: false,
                details: serde_json::json!({ "family_id": token.family_id, "revoked": revoked }),
                ..Default::default()
            })
            .await;
            return Err(ApiError::Unauthorized(
                "this refresh token was already used; for safety the session has been ended, sign in again".into(),
            ));
        }
        return Err(ApiError::Unauthorized(
            "the refresh token was revoked; sign in again".into(),
        ));
    }
    if token.expires_at <= OffsetDateTime::now_utc() {
        return Err(ApiError::Unauthorized(
            "the refresh token has expired; sign in again".into(),
        ));
    }
    let user = users::find_by_id(&mut *tx, token.user_id)
        .await?
        .filter(|u| u.status == "active")
        .ok_or_else(|| ApiError::Unauthorized("the user no longer exists or is disabled".into()))?;
    refresh_tokens::mark_used(&mut *tx, token.id).await?;
    let pair = sessions::issue(&state, &mut tx, &user, Some(token.family_id)).await?;
    tx.commit().await?;
    audit(
        &state,
        &client,
        AuditEntry {
            tenant_id: Some(user.tenant_id),
            user_id: Some(user.id),
            action: "refresh",
            success: true,
            ..Default::default()
        },
    )
    .await;
    Ok(Json(pair))
}

/// Ends the session a refresh token belongs to. Succeeds even if it was already ended.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
pub async fn logout(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    let hash = secrets::hash(&req.refresh_token);
    let mut tx = state.db.begin().await?;
    if let Some(token) = refresh_tokens::find_for_update(&mut *tx, &hash).await? {
        refresh_tokens::revoke_family(&mut *tx, token.family_id, "logout").await?;
        tx.commit().await?;
        audit(
            &state,
            &client,
            AuditEntry {
                tenant_id: Some(token.tenant_id),
                user_id: Some(token.user_id),
                action: "logout",
                success: true,
                ..Default::default()
            },
        )
        .await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Ends every session of the calling user, and invalidates their access tokens at once.
#[utoipa::path(post, path = "/v1/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::Problem)))]
pub async fn logout_all(
    State(state): State<AppState>,
    principal: Principal,
    client: ClientInfo,
) -> Result<StatusCode, ApiError> {
    let user_id = principal.require_user()?;
    let mut tx = state.db.begin().await?;
    let revoked = refresh_tokens::revoke_all_for_user(&mut *tx, user_id, "logout-all").await?;
    let version = users::bump_token_version(&mut *tx, user_id).await?;
    tx.commit().await?;
    publish_token_version(&state, user_id, version).await;
    audit(
        &state,
        &client,
        AuditEntry {
            tenant_id: Some(principal.tenant_id),
            user_id: Some(user_id),
            action: "logout_all",
            success: true,
            details: serde_json::json!({ "refresh_tokens_revoked": revoked }),
            ..Default::default()
        },
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
