//! Tenants' webhook signing secrets (sealed; the store never sees them in clear).

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// A tenant's sealed secrets.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct SealedSecrets {
    /// The current secret.
    pub current: Option<Vec<u8>>,
    /// The secret before the last rotation.
    pub previous: Option<Vec<u8>>,
    /// When it was last rotated.
    pub rotated_at: Option<OffsetDateTime>,
}

/// A tenant's secrets; `None` when the tenant does not exist.
pub async fn get(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
) -> Result<Option<SealedSecrets>, sqlx::Error> {
    sqlx::query_as(
        "SELECT webhook_secret_enc AS current, webhook_secret_prev_enc AS previous,
                webhook_secret_rotated_at AS rotated_at
         FROM tenants WHERE id = $1",
    )
    .bind(tenant_id)
    .fetch_optional(db)
    .await
}

/// Stores `sealed` as the tenant's secret unless it has one; returns the one in force (the
/// existing one when two callers race). `None` when the tenant does not exist.
pub async fn create_if_missing(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    sealed: &[u8],
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let row: Option<(Option<Vec<u8>>,)> = sqlx::query_as(
        "UPDATE tenants SET webhook_secret_enc = coalesce(webhook_secret_enc, $2)
         WHERE id = $1 RETURNING webhook_secret_enc",
    )
    .bind(tenant_id)
    .bind(sealed)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|(s,)| s))
}

/// Makes `sealed` the current secret and the current one the previous; returns when that
/// happened, or `None` when the tenant does not exist.
pub async fn rotate(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    sealed: &[u8],
) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    let row: Option<(OffsetDateTime,)> = sqlx::query_as(
        "UPDATE tenants SET webhook_secret_prev_enc = webhook_secret_enc,
                            webhook_secret_enc = $2, webhook_secret_rotated_at = now()
         WHERE id = $1 RETURNING webhook_secret_rotated_at",
    )
    .bind(tenant_id)
    .bind(sealed)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(t,)| t))
}

/// What signs a tenant's deliveries, in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrets {
    /// The current `whsec_…` secret.
    pub current: String,
    /// The previous one while it still signs (24 hours after a rotation).
    pub previous: Option<String>,
    /// Until when the previous one signs.
    pub previous_until: Option<OffsetDateTime>,
}

/// How long a rotated-out secret keeps signing.
pub const ROTATION_OVERLAP: time::Duration = time::Duration::hours(24);

/// The tenant's secrets, creating the first one if it has none; `None` when the tenant does
/// not exist (or the stored secret cannot be opened with `key`).
pub async fn ensure(
    db: &sqlx::PgPool,
    key: &[u8; 32],
    tenant_id: Uuid,
) -> Result<Option<Secrets>, sqlx::Error> {
    use irisx_core::secrets::{open, seal};
    let Some(mut sealed) = get(db, tenant_id).await? else {
        return Ok(None);
    };
    if sealed.current.is_none() {
        let fresh = seal(key, &irisx_core::webhook::generate_secret());
        sealed.current = create_if_missing(db, tenant_id, &fresh).await?;
    }
    let Some(current) = sealed.current.as_deref().and_then(|s| open(key, s)) else {
        return Ok(None);
    };
    let previous_until = sealed.rotated_at.map(|t| t + ROTATION_OVERLAP);
    let previous = sealed
        .previous
        .as_deref()
        .filter(|_| previous_until.is_some_and(|t| t > OffsetDateTime::now_utc()))
        .and_then(|s| open(key, s));
    Ok(Some(Secrets {
        previous_until: previous.as_ref().and(previous_until),
        current,
        previous,
    }))
}
