//! `POST /v1/auth/login`: email and password for a token pair.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;

use irisx_store::audit::AuditEntry;
use irisx_store::{tenants, users};

use super::{audit, limit_ip};
use crate::auth::login_guard;
use crate::auth::password::{self, Verdict};
use crate::auth::sessions::{self, TokenPair};
use crate::client::ClientInfo;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::validate::{Checks, Validate, normalize_email};

/// Login form.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct LoginRequest {
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
}

impl Validate for LoginRequest {
    fn validate(&self) -> Result<(), ApiError> {
        Checks::new()
            .check("email", !self.email.trim().is_empty(), "is required")
            .check("password", !self.password.is_empty(), "is required")
            .check("password", self.password.len() <= 1024, "is too long")
            .finish()
    }
}

const BAD_CREDENTIALS: &str = "the email or password is wrong";

/// Signs a user in.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = crate::error::Problem),
              (status = 429, body = crate::error::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    limit_ip(&state, "login", &client, state.config.limits.login_per_ip).await?;
    let email = normalize_email(&req.email);
    login_guard::check(&state, &email).await?;

    let Some(user) = users::find_by_email(&state.db, &email).await? else {
        password::verify_dummy(req.password).await;
        login_guard::record_failure(&state, &email).await;
        audit(
            &state,
            &client,
            AuditEntry {
                action: "login",
                success: false,
                details: serde_json::json!({ "email": email, "reason": "unknown email" }),
                ..Default::default()
            },
        )
        .await;
        return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()));
    };

    let verdict = password::verify(req.password.clone(), user.password_hash.clone()).await?;
    let failure = match verdict {
        Verdict::Mismatch => Some("wrong password"),
        _ if user.status != "active" => Some("user disabled"),
        _ => None,
    };
    if let Some(reason) = failure {
        login_guard::record_failure(&state, &email).await;
        audit(
            &state,
            &client,
            AuditEntry {
                tenant_id: Some(user.tenant_id),
                user_id: Some(user.id),
                action: "login",
                success: false,
                details: serde_json::json!({ "reason": reason }),
                ..Default::default()
            },
        )
        .await;
        return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()));
    }
    let tenant = tenants::find(&state.db, user.tenant_id).await?;
    if tenant.is_none_or(|t| t.status != "active") {
        return Err(ApiError::Forbidden(
            "this account is suspended; contact support".into(),
        ));
    }
    login_guard::clear(&state, &email).await;

    let mut tx = state.db.begin().await?;
    let user = if verdict == Verdict::MatchNeedsRehash {
        let fresh = password::hash(req.password).await?;
        users::set_password_hash(&mut *tx, user.id, &fresh, false).await?
    } else {
        user
    };
    users::touch_login(&mut *tx, user.id).await?;
    let tokens = sessions::issue(&state, &mut tx, &user, None).await?;
    tx.commit().await?;

    audit(
        &state,
        &client,
        AuditEntry {
            tenant_id: Some(user.tenant_id),
            user_id: Some(user.id),
            action: "login",
            success: true,
            details: serde_json::json!({ "rehashed": verdict == Verdict::MatchNeedsRehash }),
            ..Default::default()
        },
    )
    .await;
    Ok(Json(tokens))
}
