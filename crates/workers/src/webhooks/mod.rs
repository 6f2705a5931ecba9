//! `irisx worker webhooks`: status callbacks.
//!
//! Every `call.*` event whose call has a `status_callback` (the bus stores those in `WEBHOOKS`
//! besides `EVENTS`, so this worker reads nothing else) is POSTed there as JSON
//! (the event as stored: `id`, `type`, `tenant_id`, `occurred_at`, `data` = the call), signed
//! as the Standard Webhooks specification says with the tenant's secret
//! (`GET /v1/webhooks/secret`). `webhook-id` is the event's id, the same on every retry, so a
//! receiver can drop duplicates.
//!
//! The durable consumer `webhooks` of `WEBHOOKS` is the retry queue: a failed delivery is handed back to
//! JetStream with the delay before the next attempt (by default immediately, 5 s, 5 min,
//! 30 min, 2 h, 5 h, 10 h, 10 h — eight attempts over about a day), and JetStream's delivery
//! count says which attempt it is. A worker killed mid-delivery leaves the event unacknowledged
//! and it is delivered again. After the last attempt the event is dropped with an error log
//! naming the call. A call's events are delivered one at a time, in order ([`lanes`]).
//! Several workers share the consumer.

mod attempt;
mod delivery;
mod lanes;
mod secrets;

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::AckKind;
use irisx_bus::{Bus, Envelope};
use irisx_store::PgPool;
use uuid::Uuid;

pub use delivery::{Outcome, next_delay};

/// The durable consumer the webhook workers share.
pub const CONSUMER: &str = "webhooks";

/// Days the record of delivery attempts is kept.
const ATTEMPTS_KEPT_DAYS: i32 = 30;

/// How long a call whose receiver answered 410 is remembered (its later events are skipped).
const GONE_MEMORY: Duration = Duration::from_secs(3600);

/// What the webhook worker needs.
#[derive(Clone)]
pub struct WebhookConfig {
    /// PostgreSQL (tenants' secrets).
    pub db: PgPool,
    /// JetStream.
    pub bus: Bus,
    /// The key that opens stored secrets.
    pub encryption_key: [u8; 32],
    /// The delay before each attempt (the first usually 0); its length is the number of
    /// attempts.
    pub schedule: Vec<Duration>,
    /// How long a receiver has to answer.
    pub timeout: Duration,
    /// Most deliveries in flight at once.
    pub max_in_flight: usize,
    /// Refuse receivers at non-public addresses (see [`crate::outbound_http`]).
    pub public_only: bool,
}

impl WebhookConfig {
    /// Defaults: the Standard Webhooks schedule, a 15 s timeout, 64 deliveries at once, any
    /// address.
    pub fn new(db: PgPool, bus: Bus, encryption_key: [u8; 32]) -> WebhookConfig {
        WebhookConfig {
            db,
            bus,
            encryption_key,
            schedule: default_schedule(),
            timeout: Duration::from_secs(15),
            max_in_flight: 64,
            public_only: false,
        }
    }
}

/// Immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
pub fn default_schedule() -> Vec<Duration> {
    [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
        .into_iter()
        .map(Duration::from_secs)
        .collect()
}

struct Ctx {
    db: PgPool,
    http: reqwest::Client,
    public_only: bool,
    secrets: secrets::SecretCache,
    schedule: Vec<Duration>,
    /// Calls whose receiver answered 410 (their later statuses are not sent).
    gone: moka::future::Cache<Uuid, ()>,
}

/// Runs the worker until `shutdown` completes.
pub async fn run(
    config: WebhookConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        !config.schedule.is_empty(),
        "the webhook retry schedule needs at least one attempt"
    );
    config.bus.ensure_streams().await?;
    let ctx = Arc::new(Ctx {
        http: crate::outbound_http::client(config.timeout, config.public_only, false)?,
        public_only: config.public_only,
        secrets: secrets::SecretCache::new(config.db.clone(), config.encryption_key),
        db: config.db.clone(),
        schedule: config.schedule.clone(),
        gone: moka::future::Cache::builder()
            .max_capacity(100_000)
            .time_to_live(GONE_MEMORY)
            .build(),
    });
    // JetStream must not redeliver an event while it waits in its call's lane or for an answer:
    // a call has at most a handful of statuses, each waiting at most `timeout`.
    let ack_wait = config.timeout * 8;
    let consumer = config.bus.webhooks_consumer(CONSUMER, ack_wait).await?;
    tracing::info!(attempts = config.schedule.len(), "webhook worker starting");
    let mut lanes = lanes::Lanes::new(config.max_in_flight);
    let mut messages = crate::consume::Messages::new(consumer, "status callbacks");
    let consume = async {
        loop {
            let msg = messages.next().await;
            let event: Envelope = match serde_json::from_slice(&msg.payload) {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(error = %e, "unreadable event dropped");
                    let _ = msg.ack_with(AckKind::Term).await;
                    continue;
                }
            };
            let call_id = event
                .data
                .get("id")
                .and_then(|i| i.as_str())
                .and_then(|i| i.parse::<Uuid>().ok());
            let Some(call_id) = call_id else {
                let _ = msg.ack().await;
                continue;
            };
            let ctx = ctx.clone();
            lanes.dispatch(
                call_id,
                (call_id, event, msg),
                move |(call_id, event, msg)| {
                    let ctx = ctx.clone();
                    async move { attempt::handle(&ctx, call_id, event, msg).await }
                },
            );
        }
    };
    let prune = async {
        let mut hourly = tokio::time::interval(Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            match irisx_store::webhook_attempts::prune(&config.db, ATTEMPTS_KEPT_DAYS).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "old webhook attempts pruned"),
                Err(e) => tracing::warn!(error = %e, "cannot prune webhook attempts"),
            }
        }
    };
    tokio::select! {
        _ = consume => {}
        _ = prune => {}
        _ = shutdown => {}
    }
    tracing::info!("webhook worker stopped");
    Ok(())
}

impl Ctx {
    fn is_gone(&self, call_id: Uuid) -> bool {
        self.gone.contains_key(&call_id)
    }

    async fn mark_gone(&self, call_id: Uuid) {
        self.gone.insert(call_id, ()).await;
    }
}
