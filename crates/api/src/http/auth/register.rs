//! `POST /v1/auth/register`: a new tenant with its owner, signed in.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use irisx_store::audit::AuditEntry;
use irisx_store::users::NewUser;
use irisx_store::{tenants, users};

use super::{audit, limit_ip};
use crate::auth::password;
use crate::auth::sessions::{self, TokenPair};
use crate::client::ClientInfo;
use crate::error::{ApiError, ResultExt};
use crate::extract::ApiJson;
use crate::http::views::{TenantView, UserView};
use crate::state::AppState;
use crate::validate::{Checks, Validate, normalize_email};

/// Registration form.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RegisterRequest {
    /// Login email of the owner.
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    /// The owner's name.
    pub name: String,
    /// The company, which becomes the tenant's name.
    pub company: String,
}

impl Validate for RegisterRequest {
    fn validate(&self) -> Result<(), ApiError> {
        Checks::new()
            .email("email", &self.email)
            .password("password", &self.password)
            .text("name", &self.name, 200)
            .text("company", &self.company, 200)
            .finish()
    }
}

/// The new tenant, its owner, and a token pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterResponse {
    /// The tenant created.
    pub tenant: TenantView,
    /// Its owner.
    pub user: UserView,
    /// Tokens for the owner.
    pub tokens: TokenPair,
}

/// Creates a tenant and its owner.
#[utoipa::path(post, path = "/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = RegisterResponse), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn register(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<RegisterResponse>), ApiError> {
    limit_ip(
        &state,
        "register",
        &client,
        state.config.limits.register_per_ip,
    )
    .await?;
    let email = normalize_email(&req.email);
    let hash = password::hash(req.password).await?;

    let mut tx = state.db.begin().await?;
    // Serialise registrations just long enough to crown the very first user platform admin.
    sqlx::query("SELECT pg_advisory_xact_lock(7423190001)")
        .execute(&mut *tx)
        .await?;
    let first = !users::any_exists(&mut *tx).await?;
    let tenant = tenants::insert(&mut *tx, Uuid::now_v7(), req.company.trim()).await?;
    let user = users::insert(
        &mut *tx,
        &NewUser {
            id: Uuid::now_v7(),
            tenant_id: tenant.id,
            email: &email,
            name: req.name.trim(),
            password_hash: &hash,
            role: "owner",
            is_platform_admin: first,
        },
    )
    .await
    .on_constraint("users_email_key", || {
        ApiError::Conflict(
            "an account with this email already exists; sign in or reset the password".into(),
        )
    })?;
    let tokens = sessions::issue(&state, &mut tx, &user, None).await?;
    tx.commit().await?;

    audit(
        &state,
        &client,
        AuditEntry {
            tenant_id: Some(tenant.id),
            user_id: Some(user.id),
            action: "register",
            success: true,
            ..Default::default()
        },
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(RegisterResponse {
            tenant: tenant.into(),
            user: user.into(),
            tokens,
        }),
    ))
}
