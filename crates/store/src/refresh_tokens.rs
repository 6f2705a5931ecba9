//! Refresh tokens: single-use, rotated, grouped in families for reuse detection.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored refresh token (the secret itself is never stored, only its hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefreshToken {
    /// Row identifier.
    pub id: Uuid,
    /// The login session this token belongs to.
    pub family_id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Owner's tenant.
    pub tenant_id: Uuid,
    /// After this instant the token is refused.
    pub expires_at: OffsetDateTime,
    /// Set when the token was exchanged for a new pair.
    pub used_at: Option<OffsetDateTime>,
    /// Set when the token (or its family) was revoked.
    pub revoked_at: Option<OffsetDateTime>,
}

/// A refresh token to store.
#[derive(Debug)]
pub struct NewRefreshToken<'a> {
    /// Row identifier.
    pub id: Uuid,
    /// Family (session) identifier.
    pub family_id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Owner's tenant.
    pub tenant_id: Uuid,
    /// SHA-256 of the secret.
    pub token_hash: &'a [u8],
    /// Expiry instant.
    pub expires_at: OffsetDateTime,
}

/// Stores a new refresh token.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewRefreshToken<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO refresh_tokens (id, family_id, user_id, tenant_id, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new.id)
    .bind(new.family_id)
    .bind(new.user_id)
    .bind(new.tenant_id)
    .bind(new.token_hash)
    .bind(new.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Finds a token by the hash of its secret and locks its row until the transaction ends.
pub async fn find_for_update(
    db: impl PgExecutor<'_>,
    hash: &[u8],
) -> Result<Option<RefreshToken>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, family_id, user_id, tenant_id, expires_at, used_at, revoked_at
         FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(hash)
    .fetch_optional(db)
    .await
}

/// Marks a token as spent.
pub async fn mark_used(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE refresh_tokens SET used_at = now() WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Revokes every live token of a family. Returns how many were revoked.
pub async fn revoke_family(
    db: impl PgExecutor<'_>,
    family_id: Uuid,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = $2
         WHERE family_id = $1 AND revoked_at IS NULL",
    )
    .bind(family_id)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Revokes every live token of a user. Returns how many were revoked.
pub async fn revoke_all_for_user(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = $2
         WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
