//! Issuing token pairs: a short-lived access token and a single-use refresh token that
//! belongs to a family (one per login), so that reuse of a spent token can end the session.

use serde::Serialize;
use sqlx::PgConnection;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use irisx_core::Role;
use irisx_store::refresh_tokens::{self, NewRefreshToken};
use irisx_store::users::User;

use super::secrets;
use crate::error::ApiError;
use crate::state::AppState;

/// What a successful login, registration or refresh returns.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque, single-use token for `POST /v1/auth/refresh`.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: u64,
}

/// Issues a new pair for `user`, in `family` (continuing a session) or a new family.
pub async fn issue(
    state: &AppState,
    conn: &mut PgConnection,
    user: &User,
    family: Option<Uuid>,
) -> Result<TokenPair, ApiError> {
    let role: Role = user
        .role
        .parse()
        .map_err(|e: irisx_core::UnknownRole| ApiError::Internal(e.into()))?;
    let access_token = state
        .jwt
        .issue(user.id, user.tenant_id, role, user.token_version)?;
    let refresh_token = secrets::generate(secrets::REFRESH_PREFIX);
    let ttl = state.config.refresh_token_ttl;
    refresh_tokens::insert(
        conn,
        &NewRefreshToken {
            id: Uuid::now_v7(),
            family_id: family.unwrap_or_else(Uuid::now_v7),
            user_id: user.id,
            tenant_id: user.tenant_id,
            token_hash: &secrets::hash(&refresh_token),
            expires_at: OffsetDateTime::now_utc() + ttl,
        },
    )
    .await?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer",
        expires_in: state.jwt.ttl().as_secs(),
        refresh_token,
        refresh_expires_in: ttl.as_secs(),
    })
}
