//! Tenants' signing keys for the webhook worker, read from PostgreSQL at most every
//! [`TTL`] per tenant (a rotation is picked up within that time).

use std::sync::Arc;
use std::time::Duration;

use irisx_store::PgPool;
use moka::future::Cache;
use uuid::Uuid;

/// How long a tenant's keys are reused before they are read again.
pub const TTL: Duration = Duration::from_secs(10);

/// A tenant's HMAC keys: the current secret's first, then the previous one's while it signs.
pub type Keys = Arc<Vec<Vec<u8>>>;

/// The keys each tenant signs with.
pub struct SecretCache {
    db: PgPool,
    key: [u8; 32],
    entries: Cache<Uuid, Keys>,
}

impl SecretCache {
    /// A cache reading through `db`, opening secrets with `key`.
    pub fn new(db: PgPool, key: [u8; 32]) -> SecretCache {
        SecretCache {
            db,
            key,
            entries: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(TTL)
                .build(),
        }
    }

    /// The HMAC keys of `tenant` (its secret is created if it has none); `None` when the
    /// tenant does not exist or its secret cannot be opened.
    pub async fn keys(&self, tenant: Uuid) -> Result<Option<Keys>, sqlx::Error> {
        if let Some(keys) = self.entries.get(&tenant).await {
            return Ok(Some(keys));
        }
        let Some(secrets) =
            irisx_store::webhook_secrets::ensure(&self.db, &self.key, tenant).await?
        else {
            return Ok(None);
        };
        let keys: Vec<Vec<u8>> = std::iter::once(secrets.current)
            .chain(secrets.previous)
            .filter_map(|s| irisx_core::webhook::secret_key(&s))
            .collect();
        if keys.is_empty() {
            return Ok(None);
        }
        let keys = Arc::new(keys);
        self.entries.insert(tenant, keys.clone()).await;
        Ok(Some(keys))
    }
}
