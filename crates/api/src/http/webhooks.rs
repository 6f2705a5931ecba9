//! `/v1/webhooks/secret`: the secret that signs the account's webhooks (status callbacks), as
//! the Standard Webhooks specification defines it. Administrators of the account read it
//! (it is made on first use) and rotate it; after a rotation the old secret keeps signing for
//! 24 hours beside the new one, so receivers can switch over without rejecting a delivery.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use irisx_core::Role;
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
