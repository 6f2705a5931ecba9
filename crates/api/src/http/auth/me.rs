//! `GET /v1/auth/me`: who the credential belongs to.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use irisx_store::users;

use crate::auth::{Credential, Principal};
use crate::error::ApiError;
use crate::http::views::{TenantView, UserView};
use crate::state::AppState;

/// The API key behind a request, as `me` shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeApiKey {
    /// Key identifier.
    pub id: Uuid,
    /// Key name.
    pub name: String,
    /// Key prefix.
    pub prefix: String,
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    /// `access_token` or `api_key`.
    pub auth: &'static str,
    /// The role in effect.
    pub role: String,
    /// The tenant.
    pub tenant: TenantView,
    /// The user, for access tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserView>,
    /// The key, for API keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<MeApiKey>,
}

/// Describes the caller.
#[utoipa::path(get, path = "/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = crate::error::Problem)))]
pub async fn me(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<MeResponse>, ApiError> {
    let role = principal.role.to_string();
    match &principal.credential {
        Credential::ApiKey { key } => {
            let g = &key.grant;
            Ok(Json(MeResponse {
                auth: "api_key",
                role,
                tenant: TenantView {
                    id: g.tenant_id,
                    name: g.tenant_name.clone(),
                    status: g.tenant_status.clone(),
                    created_at: g.tenant_created_at,
                },
                user: None,
                api_key: Some(MeApiKey {
                    id: g.id,
                    name: g.name.clone(),
                    prefix: g.prefix.clone(),
                }),
            }))
        }
        Credential::User { user_id } => {
            let (user, tenant) = users::find_with_tenant(&state.db, principal.tenant_id, *user_id)
                .await?
                .ok_or_else(|| ApiError::Unauthorized("the user no longer exists".into()))?;
            Ok(Json(MeResponse {
                auth: "access_token",
                role,
                tenant: tenant.into(),
                user: Some(user.into()),
                api_key: None,
            }))
        }
    }
}
