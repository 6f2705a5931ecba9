//! An in-process cache of authenticated API keys, so that a busy key costs no database
//! round trip per request.
//!
//! Entries live a short time (30 s by default). Revocation removes the entry at once in the
//! process that revoked it, and every other API process hears of it on NATS.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use moka::future::Cache;
use time::OffsetDateTime;

use irisx_store::api_keys::KeyGrant;

/// A cached key: what the database said, and when we last wrote `last_used_at`.
#[derive(Debug)]
pub struct CachedKey {
    /// The key and its tenant.
    pub grant: KeyGrant,
    last_touched: AtomicI64,
}

impl CachedKey {
    /// Whether `last_used_at` is due for an update (at most once a minute), claiming it if so.
    pub fn claim_touch(&self) -> bool {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let last = self.last_touched.load(Ordering::Relaxed);
        now - last >= 60
            && self
                .last_touched
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

/// Keys by the SHA-256 of their secret.
#[derive(Clone)]
pub struct ApiKeyCache {
    inner: Cache<[u8; 32], Arc<CachedKey>>,
}

impl ApiKeyCache {
    /// A cache whose entries live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        ApiKeyCache {
            inner: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ttl)
                .build(),
        }
    }

    /// The cached key for `hash`, if any.
    pub async fn get(&self, hash: &[u8; 32]) -> Option<Arc<CachedKey>> {
        self.inner.get(hash).await
    }

    /// Caches a key that just authenticated.
    pub async fn insert(&self, hash: [u8; 32], grant: KeyGrant) -> Arc<CachedKey> {
        let entry = Arc::new(CachedKey {
            grant,
            last_touched: AtomicI64::new(0),
        });
        self.inner.insert(hash, entry.clone()).await;
        entry
    }

    /// Forgets a key (it was revoked).
    pub async fn remove(&self, hash: &[u8]) {
        if let Ok(h) = <[u8; 32]>::try_from(hash) {
            self.inner.invalidate(&h).await;
        }
    }

    /// Listens for revocations announced on `subject` and forgets those keys, until the
    /// subscription ends.
    pub async fn follow_revocations(self, nats: async_nats::Client, subject: String) {
        let mut sub = match nats.subscribe(subject).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot subscribe to API key revocations");
                return;
            }
        };
        while let Some(msg) = sub.next().await {
            if let Ok(hash) = hex::decode(&msg.payload) {
                self.remove(&hash).await;
            }
        }
    }
}
