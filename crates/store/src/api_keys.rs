//! API keys: long-lived secrets for server-to-server use, stored as SHA-256 hashes.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// An API key as listed to its tenant (never with its secret).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKey {
    /// Identifier.
    pub id: Uuid,
    /// Owning tenant.
    pub tenant_id: Uuid,
    /// The user who created it, if still present.
    pub created_by: Option<Uuid>,
    /// A name chosen by its creator.
    pub name: String,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    /// `admin` or `member`.
    pub role: String,
    /// After this instant the key is refused.
    pub expires_at: Option<OffsetDateTime>,
    /// Last time the key authenticated a request (updated at most once a minute).
    pub last_used_at: Option<OffsetDateTime>,
    /// Creation instant.
    pub created_at: OffsetDateTime,
}

const COLUMNS: &str =
    "id, tenant_id, created_by, name, prefix, role, expires_at, last_used_at, created_at";

/// An API key to store.
#[derive(Debug)]
pub struct NewApiKey<'a> {
    /// Identifier.
    pub id: Uuid,
    /// Owning tenant.
    pub tenant_id: Uuid,
    /// Creator.
    pub created_by: Option<Uuid>,
    /// Name.
    pub name: &'a str,
    /// Display prefix.
    pub prefix: &'a str,
    /// SHA-256 of the full key.
    pub key_hash: &'a [u8],
    /// Role name.
    pub role: &'a str,
    /// Optional expiry.
    pub expires_at: Option<OffsetDateTime>,
}

/// Stores a new key.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewApiKey<'_>) -> Result<ApiKey, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO api_keys (id, tenant_id, created_by, name, prefix, key_hash, role, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    ))
    .bind(new.id)
    .bind(new.tenant_id)
    .bind(new.created_by)
    .bind(new.name)
    .bind(new.prefix)
    .bind(new.key_hash)
    .bind(new.role)
    .bind(new.expires_at)
    .fetch_one(db)
    .await
}

/// What authenticating with a key yields: the key and the state of its tenant.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyGrant {
    /// Key identifier.
    pub id: Uuid,
    /// Tenant identifier.
    pub tenant_id: Uuid,
    /// Key name.
    pub name: String,
    /// Key display prefix.
    pub prefix: String,
    /// Key role.
    pub role: String,
    /// Key expiry.
    pub expires_at: Option<OffsetDateTime>,
    /// Tenant name.
    pub tenant_name: String,
    /// Tenant status (`active` or `suspended`).
    pub tenant_status: String,
    /// Tenant creation time.
    pub tenant_created_at: OffsetDateTime,
    /// Tenant rate-limit override.
    pub api_rate_limit_per_min: Option<i32>,
}

/// Looks up a live (unrevoked) key by the hash of its secret.
pub async fn find_live_by_hash(
    db: impl PgExecutor<'_>,
    hash: &[u8],
) -> Result<Option<KeyGrant>, sqlx::Error> {
    sqlx::query_as(
        "SELECT k.id, k.tenant_id, k.name, k.prefix, k.role, k.expires_at, t.name AS tenant_name,
                t.status AS tenant_status, t.created_at AS tenant_created_at, t.api_rate_limit_per_min
         FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
         WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
    )
    .bind(hash)
    .fetch_optional(db)
    .await
}

/// Lists a tenant's live keys, newest first, after the cursor `(created_at, id)` if given.
pub async fn list(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    after: Option<(OffsetDateTime, Uuid)>,
    limit: i64,
) -> Result<Vec<ApiKey>, sqlx::Error> {
    let (ts, id) = after.unzip();
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys
         WHERE tenant_id = $1 AND revoked_at IS NULL
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

/// Revokes a key of a tenant. Returns the hash of the revoked key, or `None` when the tenant
/// has no such live key.
pub async fn revoke(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE api_keys SET revoked_at = now()
         WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING key_hash",
    )
    .bind(tenant_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Records that a key was used just now.
pub async fn touch(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE api_keys SET last_used_at = now() WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
