//! Adoption of calls whose orchestrator stopped (crash, kill, deploy): every few seconds,
//! live calls whose orchestrator has not heartbeated within the lease are taken over
//! (compare-and-set, so one orchestrator wins each) and then
//! - re-attached when their media server still has the channel: followed to the end, the
//!   application resumed after its last completed verb, max_duration still enforced;
//! - finished from the leg's CDR when the channel ended while nobody was watching;
//! - otherwise marked failed with a reason.

use std::sync::Arc;
use std::time::Duration;

use irisx_core::CallStatus;
use irisx_core::call::unanswered_outcome;
use irisx_store::calls::{self, Call, Change};
use tokio::sync::mpsc;

use super::Ctx;
use super::call::CallTask;

/// Scans for orphaned calls every `lease / 2` until the process stops.
pub(super) async fn run(ctx: Arc<Ctx>, lease: Duration) {
    let mut tick = tokio::time::interval(lease / 2);
    loop {
        tick.tick().await;
        let orphans = match calls::orphaned(&ctx.db, lease.as_secs_f64()).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %e, "cannot look for orphaned calls");
                continue;
            }
        };
        for call in orphans {
            if ctx.registry.has_call(call.id) {
                continue;
            }
            adopt(&ctx, call).await;
        }
    }
}

async fn adopt(ctx: &Arc<Ctx>, call: Call) {
    let (Some(server), Some(leg)) = (call.media_server.clone(), call.leg_id) else {
        return fail(
            ctx,
            &call,
            "the orchestrator stopped before the call reached a media server",
        )
        .await;
    };
    let Some(link) = ctx.pool.by_addr(&server) else {
        return fail(
            ctx,
            &call,
            &format!("media server {server} is not configured any more"),
        )
        .await;
    };
    let Some(client) = link.client().filter(|c| c.is_connected()) else {
        // Not reachable right now: try again on the next scan.
        return;
    };
    match calls::adopt(&ctx.db, call.id, call.orchestrator_id, ctx.id).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::error!(call_id = %call.id, error = %e, "adoption failed");
            return;
        }
    }
    let exists = client.api(&format!("uuid_exists {leg}")).await;
    if matches!(&exists, Ok(s) if s.trim() == "true") {
        tracing::info!(call_id = %call.id, %leg, status = %call.status, "re-attached an orphaned call");
        let (tx, rx) = mpsc::unbounded_channel();
        if !ctx.registry.add_call(call.id, tx) {
            return;
        }
        let task = CallTask {
            ctx: ctx.clone(),
            leg,
            hangup_requested: call.hangup_requested,
            call,
            _live: link.start_call(),
            client,
            rx,
        };
        tokio::spawn(task.resume());
        return;
    }
    if exists.is_err() {
        // Cannot tell; hand it back to the next scan.
        let _ = calls::adopt(&ctx.db, call.id, Some(ctx.id), uuid::Uuid::nil()).await;
        return;
    }
    // The channel is gone. Its CDR may still be on its way through CDRS: give it a moment.
    for _ in 0..10 {
        if let Ok(Some((billsec, cause, sip, answered))) = calls::leg_outcome(&ctx.db, leg).await {
            let mut change = Change {
                hangup_cause: Some(cause.clone()),
                sip_status: sip,
                ..Change::default()
            };
            let status = if answered {
                change.duration_s = Some(billsec);
                if call.status() != CallStatus::Answered {
                    ctx.advance(call.id, CallStatus::Answered, &Change::default())
                        .await;
                }
                CallStatus::Completed
            } else {
                unanswered_outcome(&cause).0
            };
            ctx.advance(call.id, status, &change).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    fail(
        ctx,
        &call,
        "the orchestrator stopped and the media server no longer has the call",
    )
    .await;
}

async fn fail(ctx: &Arc<Ctx>, call: &Call, reason: &str) {
    tracing::warn!(call_id = %call.id, reason, "orphaned call closed");
    let change = Change {
        reason: Some(reason.to_owned()),
        ..Change::default()
    };
    let to = if call.status() == CallStatus::Answered {
        CallStatus::Completed
    } else {
        CallStatus::Failed
    };
    ctx.advance(call.id, to, &change).await;
}
