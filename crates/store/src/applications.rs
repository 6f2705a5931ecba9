//! Hosted applications: named verbs (or an answer URL) that calls refer to by id.

use serde_json::Value;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// An application row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Application {
    /// Identifier.
    pub id: Uuid,
    /// Owner.
    pub tenant_id: Uuid,
    /// Unique within the tenant (case-insensitive).
    pub name: String,
    /// The verbs (a JSON array), or `None` when `answer_url` is set.
    pub application: Option<Value>,
    /// The customer's endpoint returning the verbs, or `None` when `application` is set.
    pub answer_url: Option<String>,
    /// Default status callback of its calls.
    pub status_callback: Option<String>,
    /// Default statuses posted to it (`None`: all).
    pub status_callback_events: Option<Vec<String>>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

const COLUMNS: &str = "id, tenant_id, name, application, answer_url, status_callback, \
    status_callback_events, created_at, updated_at";

/// Inserts `a`, or replaces the tenant's application with its id (the name, the source and
/// the callback; `updated_at` moves).
pub async fn upsert(db: impl PgExecutor<'_>, a: &Application) -> Result<Application, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO applications (id, tenant_id, name, application, answer_url, status_callback,
             status_callback_events)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET name = $3, application = $4, answer_url = $5,
             status_callback = $6, status_callback_events = $7, updated_at = now()
           WHERE applications.tenant_id = $2
         RETURNING {COLUMNS}"
    ))
    .bind(a.id)
    .bind(a.tenant_id)
    .bind(&a.name)
    .bind(&a.application)
    .bind(&a.answer_url)
    .bind(&a.status_callback)
    .bind(&a.status_callback_events)
    .fetch_one(db)
    .await
}

/// A tenant's application.
pub async fn find(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<Application>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM applications WHERE id = $1 AND tenant_id = $2"
    ))
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(db)
    .await
}

/// A page of a tenant's applications, newest first, after the cursor `after`.
pub async fn list(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    after: Option<(OffsetDateTime, Uuid)>,
    limit: i64,
) -> Result<Vec<Application>, sqlx::Error> {
    let (ts, id) = after.unzip();
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM applications WHERE tenant_id = $1
           AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
         ORDER BY created_at DESC, id DESC LIMIT $4"
    ))
    .bind(tenant_id)
    .bind(ts)
    .bind(id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Deletes a tenant's application (its past calls keep their copy of the verbs); whether it
/// existed.
pub async fn delete(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM applications WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
