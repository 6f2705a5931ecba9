//! `/v1/webhooks/secret`: the secret that signs the account's webhooks (status callbacks), as
//! the Standard Webhooks specification defines it. Administrators of the account read it
//! (it is made on first use) and rotate it; after a rotation the old secret keeps signing for
//! 24 hours beside the new one, so receivers can switch over without rejecting a delivery.
//! `/v1/calls/{id}/webhooks` shows how each status callback of a call went.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use irisx_core::Role;
use irisx_store::webhook_attempts;
use irisx_store::webhook_secrets::{self, Secrets};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// The signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookSecret {
    /// `whsec_…`: verify `webhook-signature` with it (any Standard Webhooks library does).
    pub secret: String,
    /// After a rotation: until when deliveries also carry a signature by the previous secret.
    #[serde(with = "time::serde::rfc3339::option")]
    pub previous_valid_until: Option<OffsetDateTime>,
}

impl From<Secrets> for WebhookSecret {
    fn from(s: Secrets) -> Self {
        WebhookSecret {
            secret: s.current,
            previous_valid_until: s.previous_until,
        }
    }
}

async fn current(state: &AppState, principal: &Principal) -> Result<WebhookSecret, ApiError> {
    webhook_secrets::ensure(&state.db, &state.config.encryption_key, principal.tenant_id)
        .await?
        .map(WebhookSecret::from)
        .ok_or_else(|| ApiError::NotFound("the account has no readable webhook secret".into()))
}

/// Reads the account's webhook signing secret (creating it on first use).
#[utoipa::path(get, path = "/v1/webhooks/secret", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = WebhookSecret), (status = 403, body = crate::error::Problem)))]
pub async fn get_secret(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<WebhookSecret>, ApiError> {
    principal.require(Role::Admin)?;
    Ok(Json(current(&state, &principal).await?))
}

/// Replaces the account's webhook signing secret; the previous one keeps signing for 24 hours.
#[utoipa::path(post, path = "/v1/webhooks/secret/rotate", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = WebhookSecret), (status = 403, body = crate::error::Problem)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<WebhookSecret>, ApiError> {
    principal.require(Role::Admin)?;
    // Make sure there is a current secret to keep as the previous one.
    current(&state, &principal).await?;
    let fresh = crate::crypto::seal(
        &state.config.encryption_key,
        &irisx_core::webhook::generate_secret(),
    );
    webhook_secrets::rotate(&state.db, principal.tenant_id, &fresh)
        .await?
        .ok_or_else(|| ApiError::NotFound("account not found".into()))?;
    Ok(Json(current(&state, &principal).await?))
}

/// One delivery attempt of a status callback.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAttemptView {
    /// The event (`webhook-id`).
    pub event_id: String,
    /// `call.answered`, ….
    #[serde(rename = "type")]
    pub event_type: String,
    /// Where it was sent.
    pub url: String,
    /// 1 for the first delivery.
    pub attempt: i32,
    /// `delivered`, `gone` (410), `retrying`, `dropped` (the last attempt failed) or `refused`
    /// (the URL is not allowed on this platform).
    pub outcome: String,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i32>,
    /// What went wrong.
    pub error: Option<String>,
    /// How long the attempt took.
    pub duration_ms: i32,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The attempts of a call, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAttempts {
    /// At most 500.
    pub data: Vec<WebhookAttemptView>,
}

/// Lists the status-callback deliveries of a call and how each went (kept 30 days).
#[utoipa::path(get, path = "/v1/calls/{id}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    responses((status = 200, body = WebhookAttempts), (status = 404, body = crate::error::Problem)))]
pub async fn call_attempts(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<WebhookAttempts>, ApiError> {
    let not_found = || ApiError::NotFound(format!("no call {id}"));
    let call_id: Uuid = id.parse().map_err(|_| not_found())?;
    irisx_store::calls::find(&state.db, principal.tenant_id, call_id)
        .await?
        .ok_or_else(not_found)?;
    let rows = webhook_attempts::for_call(&state.db, principal.tenant_id, call_id).await?;
    Ok(Json(WebhookAttempts {
        data: rows
            .into_iter()
            .map(|a| WebhookAttemptView {
                event_id: a.event_id,
                event_type: a.event_type,
                url: a.url,
                attempt: a.attempt,
                outcome: a.outcome,
                status_code: a.status_code,
                error: a.error,
                duration_ms: a.duration_ms,
                created_at: a.created_at,
            })
            .collect(),
    }))
}
