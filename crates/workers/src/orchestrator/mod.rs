//! `irisx worker orchestrator`: turns call requests into phone calls.
//!
//! - Takes requests from the durable JetStream consumer `orchestrator` on `CALLS` (run
//!   several processes to scale out: they share the consumer). A request is acknowledged once
//!   the call is claimed in PostgreSQL (`queued → initiated`), so a redelivered request never
//!   dials twice; a request whose call is no longer queued (canceled, already claimed) is
//!   simply acknowledged.
//! - Routes the call ([`router`]), dials it through the least busy media server with
//!   `origination_uuid` = the call id, and follows it ([`call`]) and its application ([`app`]).
//! - Listens for hangup requests from the API (core NATS).
//! - Heartbeats in PostgreSQL; calls of an orchestrator that stopped heartbeating are adopted:
//!   re-attached if the media server still has the channel, finished from the leg's CDR if it
//!   ended meanwhile, or marked failed with a reason — never left "in progress".
//! - Captures every hangup into `CDRS` ([`crate::capture`]).

mod app;
mod call;
mod pacing;
mod pool;
mod recovery;
mod registry;
pub mod router;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::AckKind;
use futures::StreamExt;
use irisx_bus::{Bus, CallControl, CallRequest, Envelope};
use irisx_core::CallStatus;
use irisx_core::call::CallView;
use irisx_store::PgPool;
use irisx_store::calls::{self, Call, Change};
use tokio::sync::{Semaphore, mpsc};
use uuid::Uuid;

use crate::media::MediaServer;
use call::CallTask;
use pool::MediaPool;
use registry::Registry;

/// Settings of an orchestrator process.
#[derive(Clone)]
pub struct OrchestratorConfig {
    /// PostgreSQL.
    pub db: PgPool,
    /// JetStream.
    pub bus: Bus,
    /// Media servers to dial through.
    pub media_servers: Vec<MediaServer>,
    /// Key of stored carrier passwords.
    pub encryption_key: [u8; 32],
    /// Time without a heartbeat after which another orchestrator adopts this one's calls (15 s).
    pub lease: Duration,
    /// Most call requests being started at once (calls in progress are not limited).
    pub max_starting: usize,
    /// Refuse answer URLs at non-public addresses (see [`crate::outbound_http`]).
    pub public_only: bool,
}

impl OrchestratorConfig {
    /// Defaults: 15 s lease, 64 requests starting at once, answer URLs at any address.
    pub fn new(
        db: PgPool,
        bus: Bus,
        media_servers: Vec<MediaServer>,
        encryption_key: [u8; 32],
    ) -> Self {
        OrchestratorConfig {
            db,
            bus,
            media_servers,
            encryption_key,
            lease: Duration::from_secs(15),
            max_starting: 64,
            public_only: false,
        }
    }
}

/// What every call task shares.
pub(crate) struct Ctx {
    id: Uuid,
    db: PgPool,
    bus: Bus,
    pool: MediaPool,
    registry: Registry,
    key: [u8; 32],
    http: reqwest::Client,
    public_only: bool,
}

impl Ctx {
    /// Moves a call to `to` (compare-and-set) and, if it moved, publishes `call.<status>`.
    /// Database errors are retried; the updated call is returned when it moved.
    async fn advance(&self, id: Uuid, to: CallStatus, change: &Change) -> Option<Call> {
        let mut delay = Duration::from_millis(100);
        let moved = loop {
            match calls::advance(&self.db, id, to, change).await {
                Ok(moved) => break moved,
                Err(e) => {
                    tracing::error!(call_id = %id, error = %e, status = %to, "status update failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }?;
        tracing::info!(call_id = %id, status = %to, "call status");
        self.publish(&moved).await;
        Some(moved)
    }

    async fn publish(&self, call: &Call) {
        let event = Envelope::call(&CallView::from(call.clone()));
        for attempt in 0..5u32 {
            match self.bus.publish_event(&event).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(call_id = %call.id, error = %e, "event not published yet");
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                }
            }
        }
        tracing::error!(call_id = %call.id, kind = %event.kind, "event dropped after retries");
    }

    async fn note_reason(&self, id: Uuid, reason: &str) {
        let _ = calls::note_reason(&self.db, id, reason).await;
    }
}

/// Runs an orchestrator until `shutdown` completes. Calls in progress at shutdown are left
/// to the media server and adopted by another orchestrator (or this one, restarted).
pub async fn run(
    config: OrchestratorConfig,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    config.bus.ensure_streams().await?;
    let ctx = Arc::new(Ctx {
        id: Uuid::new_v4(),
        db: config.db.clone(),
        bus: config.bus.clone(),
        pool: MediaPool::new(&config.media_servers),
        registry: Registry::default(),
        key: config.encryption_key,
        http: crate::outbound_http::client(Duration::from_secs(10), config.public_only, true)?,
        public_only: config.public_only,
    });
    irisx_store::orchestrators::heartbeat(&ctx.db, ctx.id).await?;
    let _ = irisx_store::orchestrators::prune(&ctx.db).await;
    tracing::info!(orchestrator_id = %ctx.id, media_servers = config.media_servers.len(), "orchestrator starting");

    let mut tasks = tokio::task::JoinSet::new();
    for link in ctx.pool.links() {
        let (ctx2, link2) = (ctx.clone(), link.clone());
        tasks.spawn(async move {
            let server = link2.server.clone();
            MediaPool::connect(link2, async |client| {
                let mut events = client.events();
                let subscribed = client
                    .subscribe(&["CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_ANSWER", "CHANNEL_EXECUTE_COMPLETE"])
                    .await;
                if let Err(e) = subscribed {
                    tracing::error!(media_server = %server.addr, error = %e, "cannot subscribe to channel events");
                }
                let capture = tokio::spawn(crate::capture::run(client.clone(), server.clone(), ctx2.bus.clone()));
                while let Some(item) = events.recv().await {
                    match item {
                        Ok(e) => ctx2.registry.dispatch(e),
                        Err(e) => tracing::warn!(media_server = %server.addr, error = %e, "event stream"),
                    }
                }
                capture.abort();
            })
            .await;
        });
    }
    tasks.spawn(heartbeat(ctx.clone(), config.lease));
    tasks.spawn(recovery::run(ctx.clone(), config.lease));
    tasks.spawn(control(ctx.clone()));
    let consumer = config
        .bus
        .durable_consumer(
            &config.bus.names.calls_stream,
            "orchestrator",
            Duration::from_secs(30),
        )
        .await?;
    let starting = Arc::new(Semaphore::new(config.max_starting));
    let mut messages = crate::consume::Messages::new(consumer, "call requests");
    let consume = async {
        loop {
            let msg = messages.next().await;
            let Ok(permit) = starting.clone().acquire_owned().await else {
                return;
            };
            let ctx = ctx.clone();
            tokio::spawn(async move {
                start(ctx, msg).await;
                drop(permit);
            });
        }
    };
    tokio::select! {
        _ = consume => {}
        _ = shutdown => {}
    }
    tasks.abort_all();
    let _ = irisx_store::orchestrators::remove(&ctx.db, ctx.id).await;
    tracing::info!(orchestrator_id = %ctx.id, calls_left = ctx.registry.count(), "orchestrator stopped");
    Ok(())
}

async fn heartbeat(ctx: Arc<Ctx>, lease: Duration) {
    let mut tick = tokio::time::interval(lease / 3);
    loop {
        tick.tick().await;
        if let Err(e) = irisx_store::orchestrators::heartbeat(&ctx.db, ctx.id).await {
            tracing::error!(error = %e, "heartbeat failed");
        }
    }
}

/// Hangup requests from the API: every orchestrator hears them; the one running the call acts.
/// (A call no orchestrator runs is adopted within the lease, and its adopter sees the request
/// flag on the row.)
async fn control(ctx: Arc<Ctx>) {
    let mut sub = match ctx
        .bus
        .nats
        .subscribe(ctx.bus.names.call_control.clone())
        .await
    {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot listen for hangup requests");
            return;
        }
    };
    while let Some(msg) = sub.next().await {
        match serde_json::from_slice::<CallControl>(&msg.payload) {
            Ok(c) => {
                ctx.registry.hangup(c.call_id);
            }
            Err(e) => tracing::warn!(error = %e, "unreadable control message"),
        }
    }
}

/// Handles one call request: claim, route, dial.
async fn start(ctx: Arc<Ctx>, msg: async_nats::jetstream::Message) {
    let request: CallRequest = match serde_json::from_slice(&msg.payload) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "unreadable call request dropped");
            let _ = msg.ack_with(AckKind::Term).await;
            return;
        }
    };
    let id = request.call_id;
    let call = match calls::get(&ctx.db, id).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            tracing::error!(call_id = %id, "call request without a call row dropped");
            let _ = msg.ack_with(AckKind::Term).await;
            return;
        }
        Err(e) => {
            tracing::error!(call_id = %id, error = %e, "cannot read the call; will retry");
            let _ = msg
                .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                .await;
            return;
        }
    };
    if call.status() != CallStatus::Queued {
        let _ = msg.ack().await;
        return;
    }
    let Some(link) = ctx.pool.choose() else {
        tracing::warn!(call_id = %id, "no media server connected; retrying in 1 s");
        let _ = msg
            .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
            .await;
        return;
    };
    let attempts = match router::plan(&ctx.db, &ctx.key, &call).await {
        Ok(Ok(a)) => a,
        Ok(Err(no_route)) => {
            let change = Change {
                reason: Some(no_route.to_string()),
                hangup_cause: Some("NO_ROUTE_DESTINATION".into()),
                ..Change::default()
            };
            ctx.advance(id, CallStatus::Failed, &change).await;
            let _ = msg.ack().await;
            return;
        }
        Err(e) => {
            tracing::error!(call_id = %id, error = %e, "routing failed; will retry");
            let _ = msg
                .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                .await;
            return;
        }
    };
    let (tx, rx) = mpsc::unbounded_channel();
    if !ctx.registry.add_call(id, tx) {
        let _ = msg.ack().await;
        return;
    }
    let claim = Change {
        orchestrator_id: Some(ctx.id),
        media_server: Some(link.server.addr.clone()),
        leg_id: Some(id),
        carrier_id: attempts[0].carrier_id,
        attempts: Some(1),
        ..Change::default()
    };
    let Some(call) = ctx.advance(id, CallStatus::Initiated, &claim).await else {
        ctx.registry.remove_call(id);
        let _ = msg.ack().await;
        return;
    };
    let _ = msg.ack().await;
    let Some(client) = link.client() else {
        ctx.advance(
            id,
            CallStatus::Failed,
            &Change {
                reason: Some("media server connection lost".into()),
                ..Change::default()
            },
        )
        .await;
        ctx.registry.remove_call(id);
        return;
    };
    let task = CallTask {
        ctx: ctx.clone(),
        call,
        _live: link.start_call(),
        client,
        rx,
        leg: id,
        hangup_requested: false,
    };
    tokio::spawn(task.dial(attempts));
}
