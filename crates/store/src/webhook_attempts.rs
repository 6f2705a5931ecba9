//! The record of status-callback delivery attempts.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// One attempt, as recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attempt {
    /// The tenant.
    pub tenant_id: Uuid,
    /// The call.
    pub call_id: Uuid,
    /// The event's id (`webhook-id`).
    pub event_id: String,
    /// `call.answered`, ….
    pub event_type: String,
    /// Where it was sent.
    pub url: String,
    /// 1 for the first delivery.
    pub attempt: i32,
    /// `delivered`, `gone`, `retrying`, `dropped` or `refused`.
    pub outcome: String,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i32>,
    /// What went wrong, in words.
    pub error: Option<String>,
    /// How long the attempt took.
    pub duration_ms: i32,
    /// When it was made.
    pub created_at: OffsetDateTime,
}

/// Records an attempt (`created_at` is set by the database).
pub async fn insert(db: impl PgExecutor<'_>, a: &Attempt) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_attempts (tenant_id, call_id, event_id, event_type, url, attempt,
             outcome, status_code, error, duration_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(a.tenant_id)
    .bind(a.call_id)
    .bind(&a.event_id)
    .bind(&a.event_type)
    .bind(&a.url)
    .bind(a.attempt)
    .bind(&a.outcome)
    .bind(a.status_code)
    .bind(&a.error)
    .bind(a.duration_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// A tenant's attempts for one call, oldest first (at most 500).
pub async fn for_call(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    call_id: Uuid,
) -> Result<Vec<Attempt>, sqlx::Error> {
    sqlx::query_as(
        "SELECT tenant_id, call_id, event_id, event_type, url, attempt, outcome, status_code,
                error, duration_ms, created_at
         FROM webhook_attempts WHERE call_id = $1 AND tenant_id = $2 ORDER BY id LIMIT 500",
    )
    .bind(call_id)
    .bind(tenant_id)
    .fetch_all(db)
    .await
}

/// Deletes attempts older than `days`; how many.
pub async fn prune(db: impl PgExecutor<'_>, days: i32) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM webhook_attempts WHERE created_at < now() - make_interval(days => $1)",
    )
    .bind(days)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
