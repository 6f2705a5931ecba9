//! Writes the hangups of `CDRS` as CDR rows: a batch of whatever the consumer has ready (up
//! to the batch size), one `INSERT … ON CONFLICT DO NOTHING`, then the acknowledgements. A
//! failed insert (PostgreSQL away) is retried with the batch still unacknowledged; a message
//! that can never become a CDR is logged whole and terminated, so it neither blocks the
//! stream nor vanishes silently.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::PullConsumer;
use futures::StreamExt;
use irisx_store::PgPool;
use tokio::sync::{Notify, Semaphore};

use super::record;

/// Batches written at the same time (each is a separate statement; order does not matter).
const IN_FLIGHT: usize = 3;

/// Consumes forever (returns only if the consumer cannot be read at all for good).
pub(super) async fn run(db: PgPool, consumer: PullConsumer, batch: usize, written: Arc<Notify>) {
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    loop {
        let messages = match consumer
            .stream()
            .max_messages_per_batch(batch)
            .messages()
            .await
        {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(error = %e, "cannot read hangups; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut chunks = messages.ready_chunks(batch);
        while let Some(chunk) = chunks.next().await {
            let msgs: Vec<_> = chunk
                .into_iter()
                .filter_map(|m| {
                    m.map_err(|e| tracing::warn!(error = %e, "hangup stream"))
                        .ok()
                })
                .collect();
            if msgs.is_empty() {
                continue;
            }
            // Several batches in flight: parsing the next one overlaps with writing this one.
            let Ok(permit) = in_flight.clone().acquire_owned().await else {
                return;
            };
            let (db, written) = (db.clone(), written.clone());
            tokio::spawn(async move {
                write_batch(&db, msgs).await;
                written.notify_one();
                drop(permit);
            });
        }
        tracing::warn!("hangup stream ended; reopening");
    }
}

/// Writes one batch and acknowledges its messages once the rows are committed.
async fn write_batch(db: &PgPool, msgs: Vec<async_nats::jetstream::Message>) {
    let mut rows = Vec::with_capacity(msgs.len());
    let mut seen = HashSet::with_capacity(msgs.len());
    let mut bad = HashSet::new();
    for (i, m) in msgs.iter().enumerate() {
        match record::from_message(&m.payload) {
            Ok(row) => {
                if seen.insert((row.leg_id.clone(), row.started_at)) {
                    rows.push(row);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, payload = %String::from_utf8_lossy(&m.payload), "hangup that cannot become a CDR dropped");
                bad.insert(i);
            }
        }
    }
    // One order for every batch, so concurrent inserts of a repeated leg wait on each other
    // instead of deadlocking.
    rows.sort_unstable_by(|a, b| (&a.leg_id, a.started_at).cmp(&(&b.leg_id, b.started_at)));
    let mut delay = Duration::from_millis(100);
    loop {
        match irisx_store::cdr::insert_batch(db, &rows).await {
            Ok(new) => {
                tracing::debug!(taken = msgs.len(), new, "cdr batch written");
                break;
            }
            Err(e) => {
                tracing::error!(error = %e, rows = rows.len(), "cannot write CDRs; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
    for (i, m) in msgs.iter().enumerate() {
        let kind = if bad.contains(&i) {
            AckKind::Term
        } else {
            AckKind::Ack
        };
        if let Err(e) = m.ack_with(kind).await {
            // Redelivered later and skipped by the insert: harmless.
            tracing::warn!(error = %e, "hangup acknowledgement failed");
        }
    }
}
