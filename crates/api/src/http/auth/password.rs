//! Passwords: change (signed in), forgot (emails a single-use link), reset (with that link).
//!
//! Changing or resetting a password ends every other session of the user: all refresh tokens
//! are revoked and the token version is bumped, so old access tokens stop working at once.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use irisx_store::audit::AuditEntry;
use irisx_store::outbox::{self, NewEmail};
use irisx_store::{password_resets, refresh_tokens, users};

use super::{audit, limit_ip};
use crate::auth::password::{self, Verdict};
use crate::auth::principal::publish_token_version;
use crate::auth::sessions::{self, TokenPair};
use crate::auth::{Principal, login_guard, secrets};
use crate::client::ClientInfo;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::validate::{Checks, Validate, normalize_email};

/// Change-password form.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: String,
    /// The new password (at least 10 characters).
    pub new_password: String,
}

impl Validate for ChangePasswordRequest {
    fn validate(&self) -> Result<(), ApiError> {
        Checks::new()
            .check(
                "current_password",
                !self.current_password.is_empty(),
                "is required",
            )
            .password("new_password", &self.new_password)
            .check(
                "new_password",
                self.new_password != self.current_password,
                "must differ from the current password",
            )
            .finish()
    }
}

/// Changes the caller's password; returns a fresh pair, since every other session ends.
#[utoipa::path(post, path = "/v1/auth/password/change", tag = "auth", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn change(
    State(state): State<AppState>,
    principal: Principal,
    client: ClientInfo,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    let user_id = principal.require_user()?;
    let user = users::find(&state.db, principal.tenant_id, user_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the user no longer exists".into()))?;
    if password::verify(req.current_password, user.password_hash.clone()).await?
        == Verdict::Mismatch
    {
        audit(
            &state,
            &client,
            AuditEntry {
                tenant_id: Some(user.tenant_id),
                user_id: Some(user.id),
                action: "password_change",
                success: false,
                ..Default::default()
            },
        )
        .await;
        return Err(ApiError::field(
            "current_password",
            "is not your current password",
        ));
    }
    let hash = password::hash(req.new_password).await?;
    let mut tx = state.db.begin().await?;
    let user = users::set_password_hash(&mut *tx, user.id, &hash, true).await?;
    refresh_tokens::revoke_all_for_user(&mut *tx, user.id, "password changed").await?;
    let pair = sessions::issue(&state, &mut tx, &user, None).await?;
    tx.commit().await?;
    publish_token_version(&state, user.id, user.token_version).await;
    audit(
        &state,
        &client,
        AuditEntry {
            tenant_id: Some(user.tenant_id),
            user_id: Some(user.id),
            action: "password_change",
            success: true,
            ..Default::default()
        },
    )
    .await;
    Ok(Json(pair))
}

/// Forgot-password form.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ForgotPasswordRequest {
    /// The account's email.
    pub email: String,
}

impl Validate for ForgotPasswordRequest {
    fn validate(&self) -> Result<(), ApiError> {
        Checks::new().email("email", &self.email).finish()
    }
}

/// Emails a single-use reset link if the email has an account. Always answers 202, so the
/// answer does not reveal which emails are registered.
#[utoipa::path(post, path = "/v1/auth/password/forgot", tag = "auth", request_body = ForgotPasswordRequest,
    responses((status = 202), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn forgot(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<ForgotPasswordRequest>,
) -> Result<StatusCode, ApiError> {
    limit_ip(&state, "forgot", &client, state.config.limits.forgot_per_ip).await?;
    let email = normalize_email(&req.email);
    let per_email = state
        .limiter
        .hit(
            &format!("forgot:email:{email}"),
            state.config.limits.forgot_per_email,
        )
        .await;
    if !per_email.allowed {
        // Quietly drop: telling the client would confirm the address is being targeted.
        return Ok(StatusCode::ACCEPTED);
    }
    let Some(user) = users::find_by_email(&state.db, &email)
        .await?
        .filter(|u| u.status == "active")
    else {
        return Ok(StatusCode::ACCEPTED);
    };
    let token = secrets::generate(secrets::RESET_PREFIX);
    let ttl = state.config.reset_token_ttl;
    let link = format!(
        "{}/reset-password?token={token}",
        state.config.portal_url.trim_end_matches('/')
    );
    let body = format!(
        "Hello {},\n\nSomeone (hopefully you) asked to reset the password of your IRISX account.\n\
         Open this link within {} minutes to choose a new one:\n\n{link}\n\n\
         If you did not ask for this, ignore this email: your password stays as it is.\n",
        user.name,
        ttl.as_secs() / 60
    );
    let mut tx = state.db.begin().await?;
    password_resets::insert(
        &mut *tx,
        Uuid::now_v7(),
        user.id,
        &secrets::hash(&token),
        OffsetDateTime::now_utc() + ttl,
    )
    .await?;
    outbox::enqueue(
        &mut *tx,
        &NewEmail {
            tenant_id: Some(user.tenant_id),
            to: &user.email,
            subject: "Reset your IRISX password",
            body_text: &body,
            template: "password_reset",
        },
    )
    .await?;
    tx.commit().await?;
    audit(
        &state,
        &client,
        AuditEntry {
            tenant_id: Some(user.tenant_id),
            user_id: Some(user.id),
            action: "password_forgot",
            success: true,
            ..Default::default()
        },
    )
    .await;
    Ok(StatusCode::ACCEPTED)
}

/// Reset form.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ResetPasswordRequest {
    /// The token from the emailed link.
    pub token: String,
    /// The new password (at least 10 characters).
    pub new_password: String,
}

impl Validate for ResetPasswordRequest {
    fn validate(&self) -> Result<(), ApiError> {
        Checks::new()
            .check(
                "token",
                self.token.starts_with(secrets::RESET_PREFIX) && self.token.len() < 200,
                "is not a password-reset token",
            )
            .password("new_password", &self.new_password)
            .finish()
    }
}

/// Sets a new password with a reset token; the token then stops working, and so does every
/// session of the user.
#[utoipa::path(post, path = "/v1/auth/password/reset", tag = "auth", request_body = ResetPasswordRequest,
    responses((status = 204), (status = 400, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn reset(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<ResetPasswordRequest>,
) -> Result<StatusCode, ApiError> {
    let hash = password::hash(req.new_password).await?;
    let mut tx = state.db.begin().await?;
    let Some(user_id) = password_resets::consume(&mut *tx, &secrets::hash(&req.token)).await?
    else {
        return Err(ApiError::field(
            "token",
            "is invalid, expired or already used; ask for a new link",
        ));
    };
    let user = users::set_password_hash(&mut *tx, user_id, &hash, true).await?;
    refresh_tokens::revoke_all_for_user(&mut *tx, user.id, "password reset").await?;
    tx.commit().await?;
    publish_token_version(&state, user.id, user.token_version).await;
    // Whoever proved control of the mailbox should not be locked out by an attacker's guesses.
    login_guard::clear(&state, &user.email).await;
    audit(
        &state,
        &client,
        AuditEntry {
            tenant_id: Some(user.tenant_id),
            user_id: Some(user.id),
            action: "password_reset",
            success: true,
            ..Default::default()
        },
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
