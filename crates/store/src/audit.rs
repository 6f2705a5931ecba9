//! The audit log of authentication events (logins, token rotation, key changes, resets).

use sqlx::PgExecutor;
use uuid::Uuid;

/// One auth event to record.
#[derive(Debug, Default)]
pub struct AuditEntry<'a> {
    /// Tenant concerned, when known.
    pub tenant_id: Option<Uuid>,
    /// User concerned, when known.
    pub user_id: Option<Uuid>,
    /// API key concerned, when any.
    pub api_key_id: Option<Uuid>,
    /// What happened, e.g. `login`, `refresh_reuse_detected`.
    pub action: &'a str,
    /// Whether it succeeded.
    pub success: bool,
    /// Client address.
    pub ip: Option<&'a str>,
    /// Client user agent.
    pub user_agent: Option<&'a str>,
    /// Request id, to find the matching log lines.
    pub request_id: Option<&'a str>,
    /// Anything else worth keeping.
    pub details: serde_json::Value,
}

/// Appends an entry to the audit log.
pub async fn record(db: impl PgExecutor<'_>, e: &AuditEntry<'_>) -> Result<(), sqlx::Error> {
    let details = if e.details.is_null() {
        serde_json::json!({})
    } else {
        e.details.clone()
    };
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, user_id, api_key_id, action, outcome, ip, user_agent, request_id, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.tenant_id)
    .bind(e.user_id)
    .bind(e.api_key_id)
    .bind(e.action)
    .bind(if e.success { "success" } else { "failure" })
    .bind(e.ip)
    .bind(e.user_agent)
    .bind(e.request_id)
    .bind(details)
    .execute(db)
    .await?;
    Ok(())
}

/// Lists the actions recorded for a user, oldest first (`(action, outcome)` pairs).
pub async fn actions_for_user(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT action, outcome FROM audit_log WHERE user_id = $1 ORDER BY id")
        .bind(user_id)
        .fetch_all(db)
        .await
}
