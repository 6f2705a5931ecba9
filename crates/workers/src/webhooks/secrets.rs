//! Tenants' signing keys for the webhook worker, read from PostgreSQL at most every
//! [`TTL`] per tenant (a rotation is picked up within that time).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use irisx_store::PgPool;
use uuid::Uuid;

/// How long a tenant's keys are reused before they are read again.
pub const TTL: Duration = Duration::from_secs(10);

/// A tenant's HMAC keys: the current secret's first, then the previous one's while it signs.
pub type Keys = Arc<Vec<Vec<u8>>>;

type Entries = HashMap<Uuid, (Instant, Keys)>;

/// The keys each tenant signs with.
pub struct SecretCache {
    db: PgPool,
    key: [u8; 32],
    entries: Mutex<Entries>,
}

impl SecretCache {
    /// A cache reading through `db`, opening secrets with `key`.
    pub fn new(db: PgPool, key: [u8; 32]) -> SecretCache {
        SecretCache {
            db,
            key,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The HMAC keys of `tenant` (its secret is created if it has none); `None` when the
    /// tenant does not exist or its secret cannot be opened.
    pub async fn keys(&self, tenant: Uuid) -> Result<Option<Keys>, sqlx::Error> {
        if let Some((at, keys)) = self.lock().get(&tenant)
            && at.elapsed() < TTL
        {
            return Ok(Some(keys.clone()));
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
        let mut entries = self.lock();
        if entries.len() > 10_000 {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
        }
        entries.insert(tenant, (Instant::now(), keys.clone()));
        Ok(Some(keys))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
