//! The JSON shapes of tenants, users and API keys as the API shows them.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use irisx_store::api_keys::ApiKey;
use irisx_store::tenants::Tenant;
use irisx_store::users::User;

/// A tenant (customer account).
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantView {
    /// Identifier.
    pub id: Uuid,
    /// Company name.
    pub name: String,
    /// `active` or `suspended`.
    pub status: String,
    /// Creation time (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<Tenant> for TenantView {
    fn from(t: Tenant) -> Self {
        TenantView {
            id: t.id,
            name: t.name,
            status: t.status,
            created_at: t.created_at,
        }
    }
}

/// A user (never with the password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Identifier.
    pub id: Uuid,
    /// Tenant identifier.
    pub tenant_id: Uuid,
    /// Email address (the login name).
    pub email: String,
    /// Display name.
    pub name: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
    /// Whether the user administers the whole platform.
    pub is_platform_admin: bool,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last successful login.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            id: u.id,
            tenant_id: u.tenant_id,
            email: u.email,
            name: u.name,
            role: u.role,
            is_platform_admin: u.is_platform_admin,
            created_at: u.created_at,
            last_login_at: u.last_login_at,
        }
    }
}

/// An API key as listed (the secret is shown only once, at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    /// Identifier.
    pub id: Uuid,
    /// Name given at creation.
    pub name: String,
    /// The first characters of the key.
    pub prefix: String,
    /// `admin` or `member`.
    pub role: String,
    /// The user who created it, when it was a user.
    pub created_by: Option<Uuid>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Expiry, if any.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Last use (to within a minute).
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

impl From<ApiKey> for ApiKeyView {
    fn from(k: ApiKey) -> Self {
        ApiKeyView {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            role: k.role,
            created_by: k.created_by,
            created_at: k.created_at,
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
        }
    }
}
