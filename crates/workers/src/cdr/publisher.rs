//! Announces written CDRs as `cdr.created` on `EVENTS`, once each: rows are locked, published
//! (message id `cdr.created:<leg>`, so a crash between the publish and the commit republishes
//! a duplicate that JetStream drops) and marked in one transaction.

use std::sync::Arc;
use std::time::Duration;

use irisx_bus::{Bus, Envelope};
use irisx_core::cdr::CdrView;
use irisx_store::PgPool;
use tokio::sync::Notify;

const BATCH: i64 = 500;

/// Announces due CDRs whenever rows were written, and every 500 ms for rows waiting on their
/// call's final status.
pub(super) async fn run(db: PgPool, bus: Bus, grace: Duration, written: Arc<Notify>) {
    let grace_ms = i32::try_from(grace.as_millis()).unwrap_or(i32::MAX);
    loop {
        tokio::select! {
            () = written.notified() => {}
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        loop {
            match publish_due(&db, &bus, grace_ms).await {
                Ok(n) if n == BATCH as usize => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::error!(error = %e, "cannot announce CDRs; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            }
        }
    }
}

/// One round: returns how many CDRs were announced.
async fn publish_due(db: &PgPool, bus: &Bus, grace_ms: i32) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let rows = irisx_store::cdr::lock_unpublished(&mut tx, grace_ms, BATCH).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let keys: Vec<_> = rows
        .iter()
        .map(|r| (r.record.leg_id.clone(), r.record.started_at))
        .collect();
    let envelopes: Vec<Envelope> = rows
        .into_iter()
        .map(|r| {
            let at = r.created_at;
            Envelope::cdr(&CdrView::from(r), at)
        })
        .collect();
    futures::future::try_join_all(envelopes.iter().map(|e| bus.publish_event(e))).await?;
    irisx_store::cdr::mark_published(&mut *tx, &keys).await?;
    tx.commit().await?;
    Ok(keys.len())
}
