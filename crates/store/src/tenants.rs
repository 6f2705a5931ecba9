//! Tenants: the customer accounts that own every other resource.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// A customer account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Tenant {
    /// Stable identifier.
    pub id: Uuid,
    /// The company name given at registration.
    pub name: String,
    /// `active` or `suspended`.
    pub status: String,
    /// Per-principal API rate limit override (requests per minute); `None` uses the default.
    pub api_rate_limit_per_min: Option<i32>,
    /// When the tenant registered.
    pub created_at: OffsetDateTime,
}

/// Inserts a new tenant.
pub async fn insert(db: impl PgExecutor<'_>, id: Uuid, name: &str) -> Result<Tenant, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO tenants (id, name) VALUES ($1, $2)
         RETURNING id, name, status, api_rate_limit_per_min, created_at",
    )
    .bind(id)
    .bind(name)
    .fetch_one(db)
    .await
}

/// Finds a tenant by id.
pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Tenant>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, status, api_rate_limit_per_min, created_at FROM tenants WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}
