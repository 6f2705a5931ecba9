//! Per-tenant call limits and live-call counts for `POST /v1/calls`, without a database round
//! trip on every request.
//!
//! Counting a tenant's live calls costs more the more calls it has in progress, and reading
//! its limits is one more statement per call. Both are read together at most every
//! [`REFRESH`] per tenant; in between, the calls this process accepts are added to the count
//! it read. A call that ends is seen at the next refresh (a refusal may come up to 100 ms
//! early); calls accepted by other API processes are seen at the next refresh too (a tenant
//! may overshoot its limit by what the other processes accept in 100 ms). Changed limits apply
//! within 100 ms. One request per tenant refreshes at a time; the others use the estimate
//! being replaced rather than all counting at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use irisx_store::PgPool;
use irisx_store::prices::{self, CallLimits};
use uuid::Uuid;

/// How long a count read from PostgreSQL is trusted.
pub const REFRESH: Duration = Duration::from_millis(100);

/// Entries kept before stale ones are pruned.
const PRUNE_AT: usize = 10_000;

struct Entry {
    limits: CallLimits,
    counted: i64,
    accepted_since: i64,
    read_at: Instant,
    /// A request is reading a fresh count; the others go on with this one meanwhile.
    refreshing: bool,
}

/// The outcome of [`LiveCalls::reserve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// There is room; the call is counted (call [`LiveCalls::release`] if it is not placed).
    Granted(CallLimits),
    /// The tenant has `live` calls in progress, its limit is `max`.
    Full {
        /// Calls in progress.
        live: i64,
        /// The limit that applies.
        max: u32,
    },
}

/// The estimates of one API process.
#[derive(Default)]
pub struct LiveCalls {
    entries: Mutex<HashMap<Uuid, Entry>>,
}

impl LiveCalls {
    /// Counts one more call for `tenant_id` if it is under its limit (its own, or
    /// `default_max`), refreshing the estimate from PostgreSQL when it is older than [`REFRESH`].
    pub async fn reserve(
        &self,
        db: &PgPool,
        tenant_id: Uuid,
        default_max: u32,
    ) -> Result<Reservation, sqlx::Error> {
        if let Some(r) = self.try_reserve(tenant_id, default_max, None) {
            return Ok(r);
        }
        let read = prices::limits_and_live(db, tenant_id).await;
        let (limits, live) = match read {
            Ok(r) => r,
            Err(e) => {
                let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(entry) = entries.get_mut(&tenant_id) {
                    entry.refreshing = false;
                }
                return Err(e);
            }
        };
        Ok(self
            .try_reserve(tenant_id, default_max, Some((limits, live)))
            .unwrap_or(Reservation::Full {
                live,
                max: default_max,
            }))
    }

    /// Uncounts a call reserved but not placed.
    pub fn release(&self, tenant_id: Uuid) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = entries.get_mut(&tenant_id) {
            e.accepted_since = (e.accepted_since - 1).max(0);
        }
    }

    /// Drops what is known of `tenant_id` (its limits changed): the next call reads afresh.
    pub fn forget(&self, tenant_id: Uuid) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(&tenant_id);
    }

    /// Reserves against a fresh entry (or the one just read); `None` when a read is needed.
    fn try_reserve(
        &self,
        tenant_id: Uuid,
        default_max: u32,
        read: Option<(CallLimits, i64)>,
    ) -> Option<Reservation> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((limits, counted)) = read {
            if entries.len() >= PRUNE_AT {
                entries.retain(|_, e| e.read_at.elapsed() < REFRESH);
            }
            entries.insert(
                tenant_id,
                Entry {
                    limits,
                    counted,
                    accepted_since: 0,
                    read_at: Instant::now(),
                    refreshing: false,
                },
            );
        }
        let e = entries.get_mut(&tenant_id)?;
        if read.is_none() && e.read_at.elapsed() >= REFRESH && !e.refreshing {
            e.refreshing = true;
            return None;
        }
        let max = e
            .limits
            .max_concurrent_calls
            .map_or(default_max, |v| v.max(0) as u32);
        let live = e.counted + e.accepted_since;
        if live >= i64::from(max) {
            return Some(Reservation::Full { live, max });
        }
        e.accepted_since += 1;
        Some(Reservation::Granted(e.limits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max: Option<i32>) -> CallLimits {
        CallLimits {
            max_concurrent_calls: max,
            calls_per_second: None,
        }
    }

    #[test]
    fn counts_accepted_calls_on_top_of_the_read_until_the_limit() {
        let l = LiveCalls::default();
        let t = Uuid::now_v7();
        assert_eq!(l.try_reserve(t, 3, None), None, "nothing read yet");
        assert!(matches!(
            l.try_reserve(t, 3, Some((limits(None), 1))),
            Some(Reservation::Granted(_))
        ));
        assert!(matches!(
            l.try_reserve(t, 3, None),
            Some(Reservation::Granted(_))
        ));
        assert_eq!(
            l.try_reserve(t, 3, None),
            Some(Reservation::Full { live: 3, max: 3 })
        );
        l.release(t);
        assert!(matches!(
            l.try_reserve(t, 3, None),
            Some(Reservation::Granted(_))
        ));
    }

    #[test]
    fn the_tenant_limit_wins_and_a_stale_read_is_refreshed() {
        let l = LiveCalls::default();
        let t = Uuid::now_v7();
        assert_eq!(
            l.try_reserve(t, 100, Some((limits(Some(2)), 2))),
            Some(Reservation::Full { live: 2, max: 2 })
        );
        l.entries.lock().unwrap().get_mut(&t).unwrap().read_at -= REFRESH;
        assert_eq!(l.try_reserve(t, 100, None), None, "stale: read again");
        assert_eq!(
            l.try_reserve(t, 100, None),
            Some(Reservation::Full { live: 2, max: 2 }),
            "meanwhile the others go on with the old estimate"
        );
    }
}
