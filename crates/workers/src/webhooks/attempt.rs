//! One status callback: sign it, send it, record the attempt
//! (`webhook_attempts`, read through `GET /v1/calls/{id}/webhooks`) and settle the event with
//! JetStream (acknowledged, retried later, or dropped).

use std::time::{Duration, Instant};

use async_nats::jetstream::AckKind;
use irisx_bus::Envelope;
use irisx_store::webhook_attempts::Attempt;
use rand::Rng;
use uuid::Uuid;

use super::Ctx;
use super::delivery::{self, Outcome, next_delay};

/// Delivers one event of `call_id` (or decides it needs none) and settles it with JetStream.
pub(super) async fn handle(
    ctx: &Ctx,
    call_id: Uuid,
    event: Envelope,
    msg: async_nats::jetstream::Message,
) {
    let url = event.data.get("status_callback").and_then(|u| u.as_str());
    let (Some(url), Some(tenant)) = (url, event.tenant_id) else {
        let _ = msg.ack().await;
        return;
    };
    if ctx.is_gone(call_id) {
        let _ = msg.ack().await;
        return;
    }
    let attempt = msg.info().map(|i| i.delivered.max(1) as u64).unwrap_or(1);
    let mut record = Attempt {
        tenant_id: tenant,
        call_id,
        event_id: event.id.clone(),
        event_type: event.kind.clone(),
        url: url.to_owned(),
        attempt: i32::try_from(attempt).unwrap_or(i32::MAX),
        outcome: String::new(),
        status_code: None,
        error: None,
        duration_ms: 0,
        created_at: time::OffsetDateTime::now_utc(),
    };
    if let Err(why) = crate::outbound_http::check_url(url, ctx.public_only) {
        tracing::error!(%call_id, kind = %event.kind, %why, "status callback not sent");
        record.outcome = "refused".into();
        record.error = Some(why);
        save(ctx, &record).await;
        let _ = msg.ack_with(AckKind::Term).await;
        return;
    }
    let keys = match ctx.secrets.keys(tenant).await {
        Ok(Some(keys)) => keys,
        Ok(None) => {
            tracing::error!(%call_id, %tenant, "no webhook secret for the tenant; event dropped");
            let _ = msg.ack_with(AckKind::Term).await;
            return;
        }
        Err(e) => {
            tracing::warn!(%call_id, error = %e, "webhook secret unavailable; retrying in 5 s");
            let _ = msg
                .ack_with(AckKind::Nak(Some(Duration::from_secs(5))))
                .await;
            return;
        }
    };
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = msg.payload.to_vec();
    let signature = irisx_core::webhook::signature_header(&keys, &event.id, timestamp, &body);
    let headers = delivery::headers(&event.id, timestamp, &signature);
    let started = Instant::now();
    let outcome = delivery::send(&ctx.http, url, headers, body).await;
    record.duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    match outcome {
        Outcome::Delivered(status) => {
            tracing::debug!(%call_id, kind = %event.kind, attempt, "webhook delivered");
            record.outcome = "delivered".into();
            record.status_code = Some(i32::from(status));
            save(ctx, &record).await;
            let _ = msg.ack().await;
        }
        Outcome::Gone => {
            tracing::warn!(%call_id, url, kind = %event.kind, "the receiver answered 410 Gone; no more status callbacks for this call");
            ctx.mark_gone(call_id).await;
            record.outcome = "gone".into();
            record.status_code = Some(410);
            save(ctx, &record).await;
            let _ = msg.ack().await;
        }
        Outcome::Retry {
            why,
            status,
            retry_after,
        } => {
            record.status_code = status.map(i32::from);
            let jitter = rand::thread_rng().gen_range(-1.0..=1.0);
            match next_delay(&ctx.schedule, attempt, retry_after, jitter) {
                Some(delay) => {
                    tracing::info!(%call_id, url, kind = %event.kind, attempt, %why, retry_in = ?delay, "webhook failed; will retry");
                    record.outcome = "retrying".into();
                    record.error = Some(format!("{why}; next attempt in {} s", delay.as_secs()));
                    save(ctx, &record).await;
                    let _ = msg.ack_with(AckKind::Nak(Some(delay))).await;
                }
                None => {
                    tracing::error!(%call_id, url, kind = %event.kind, attempts = attempt, %why, "webhook dropped after its last attempt");
                    record.outcome = "dropped".into();
                    record.error = Some(format!("{why}; that was the last attempt"));
                    save(ctx, &record).await;
                    let _ = msg.ack_with(AckKind::Term).await;
                }
            }
        }
    }
}

/// Keeps the record of an attempt; a database hiccup costs the record, never the delivery.
async fn save(ctx: &Ctx, record: &Attempt) {
    if let Err(e) = irisx_store::webhook_attempts::insert(&ctx.db, record).await {
        tracing::warn!(call_id = %record.call_id, error = %e, "webhook attempt not recorded");
    }
}
