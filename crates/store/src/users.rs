//! Users: people who sign in to a tenant with an email and a password.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// A person in a tenant.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    /// Stable identifier.
    pub id: Uuid,
    /// The tenant the user belongs to.
    pub tenant_id: Uuid,
    /// Lower-cased email address, unique across the platform (it is the login name).
    pub email: String,
    /// Display name.
    pub name: String,
    /// argon2id PHC string (or a legacy bcrypt hash until the next successful login).
    pub password_hash: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
    /// `active` or `disabled`.
    pub status: String,
    /// Platform administrators manage platform-wide resources (carriers, tenants).
    pub is_platform_admin: bool,
    /// Access tokens carry this number; bumping it invalidates all of them.
    pub token_version: i32,
    /// Last successful login.
    pub last_login_at: Option<OffsetDateTime>,
    /// When the user was created.
    pub created_at: OffsetDateTime,
}

const COLUMNS: &str = "id, tenant_id, email, name, password_hash, role, status, \
                       is_platform_admin, token_version, last_login_at, created_at";

/// The fields of a user to create.
#[derive(Debug)]
pub struct NewUser<'a> {
    /// Identifier to give the user.
    pub id: Uuid,
    /// Owning tenant.
    pub tenant_id: Uuid,
    /// Email, already lower-cased.
    pub email: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Password hash (PHC string).
    pub password_hash: &'a str,
    /// Role name.
    pub role: &'a str,
    /// Whether the user is a platform administrator.
    pub is_platform_admin: bool,
}

/// Inserts a user. Fails with the `users_email_key` constraint when the email is taken.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewUser<'_>) -> Result<User, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO users (id, tenant_id, email, name, password_hash, role, is_platform_admin)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(new.id)
    .bind(new.tenant_id)
    .bind(new.email)
    .bind(new.name)
    .bind(new.password_hash)
    .bind(new.role)
    .bind(new.is_platform_admin)
    .fetch_one(db)
    .await
}

/// Whether any user exists at all (the first one to register becomes platform admin).
pub async fn any_exists(db: impl PgExecutor<'_>) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
        .fetch_one(db)
        .await
}

/// Finds a user by (lower-cased) email.
pub async fn find_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
        .bind(email)
        .fetch_optional(db)
        .await
}

/// Finds a user by id within a tenant.
pub async fn find(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Finds a user by id alone (for flows that start from a token, not a tenant).
pub async fn find_by_id(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Stores a new password hash, and optionally bumps the token version (ending all sessions).
pub async fn set_password_hash(
    db: impl PgExecutor<'_>,
    id: Uuid,
    hash: &str,
    end_sessions: bool,
) -> Result<User, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE users SET password_hash = $2, updated_at = now(),
             token_version = token_version + CASE WHEN $3 THEN 1 ELSE 0 END
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(hash)
    .bind(end_sessions)
    .fetch_one(db)
    .await
}

/// Bumps the token version, so every access token issued before now is rejected.
pub async fn bump_token_version(db: impl PgExecutor<'_>, id: Uuid) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE users SET token_version = token_version + 1, updated_at = now()
         WHERE id = $1 RETURNING token_version",
    )
    .bind(id)
    .fetch_one(db)
    .await
}

/// Reads the current token version of a user (`None` when the user is gone or disabled).
pub async fn active_token_version(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar("SELECT token_version FROM users WHERE id = $1 AND status = 'active'")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Records a successful login.
pub async fn touch_login(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_login_at = now() WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Finds a user of a tenant together with the tenant, in one round trip.
pub async fn find_with_tenant(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<(User, crate::tenants::Tenant)>, sqlx::Error> {
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT u.id, u.tenant_id, u.email, u.name, u.password_hash, u.role, u.status,
                u.is_platform_admin, u.token_version, u.last_login_at, u.created_at,
                t.name AS t_name, t.status AS t_status, t.api_rate_limit_per_min AS t_limit,
                t.created_at AS t_created_at
         FROM users u JOIN tenants t ON t.id = u.tenant_id
         WHERE u.tenant_id = $1 AND u.id = $2",
    )
    .bind(tenant_id)
    .bind(id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let user = <User as sqlx::FromRow<_>>::from_row(&row)?;
    let tenant = crate::tenants::Tenant {
        id: user.tenant_id,
        name: row.try_get("t_name")?,
        status: row.try_get("t_status")?,
        api_rate_limit_per_min: row.try_get("t_limit")?,
        created_at: row.try_get("t_created_at")?,
    };
    Ok(Some((user, tenant)))
}

/// Makes the user with this (lower-case) email a platform administrator or not; whether such
/// a user exists.
pub async fn set_platform_admin(
    db: impl PgExecutor<'_>,
    email: &str,
    on: bool,
) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE users SET is_platform_admin = $2, updated_at = now() WHERE email = $1")
            .bind(email)
            .bind(on)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}
