//! Password-reset tokens: single use, short-lived, stored as SHA-256 hashes.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// Stores a reset token for a user.
pub async fn insert(
    db: impl PgExecutor<'_>,
    id: Uuid,
    user_id: Uuid,
    hash: &[u8],
    expires_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO password_reset_tokens (id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(user_id)
    .bind(hash)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Spends a token: marks it used if it is unused and unexpired, returning its user.
///
/// Also spends every other outstanding reset token of that user, so an older email cannot be
/// used after a newer one.
pub async fn consume(db: impl PgExecutor<'_>, hash: &[u8]) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "WITH spent AS (
             UPDATE password_reset_tokens SET used_at = now()
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
             RETURNING user_id),
         others AS (
             UPDATE password_reset_tokens p SET used_at = now()
             FROM spent WHERE p.user_id = spent.user_id AND p.used_at IS NULL AND p.token_hash <> $1)
         SELECT user_id FROM spent",
    )
    .bind(hash)
    .fetch_optional(db)
    .await
}
