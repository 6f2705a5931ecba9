//! `irisx worker cdr`: one CDR row per call leg.
//!
//! Hangups reach the worker through the JetStream stream `CDRS` (captured from every media
//! server by this worker and by the orchestrators, see [`crate::capture`]). The worker takes
//! them in batches from the durable consumer `cdr-writer`, writes each batch in one statement
//! and only then acknowledges it ([`writer`]). A worker killed between the two leaves the batch
//! unacknowledged: JetStream redelivers it and the insert skips the rows already there, so a
//! leg has exactly one CDR whatever happens. Written rows are then announced as `cdr.created`
//! on `EVENTS` ([`publisher`]), after their call's final status. Monthly partitions of `cdr`
//! are created three months ahead, checked every hour.
//!
//! Several workers can run side by side: they share the consumer and the announcements.

mod publisher;
pub mod record;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use irisx_bus::Bus;
use irisx_store::PgPool;
use tokio::sync::Notify;

use crate::MediaServer;

/// What the cdr worker needs.
#[derive(Clone)]
pub struct CdrConfig {
    /// PostgreSQL.
    pub db: PgPool,
    /// JetStream.
    pub bus: Bus,
    /// The media servers whose hangups it captures (empty: rely on the orchestrators' capture).
    pub media_servers: Vec<MediaServer>,
    /// Most hangups written in one statement.
    pub batch_size: usize,
    /// How long a taken but unacknowledged hangup waits before JetStream redelivers it.
    pub ack_wait: Duration,
    /// How long after its call's final status a CDR is announced (so `cdr.created` follows
    /// `call.completed` on `EVENTS`).
    pub publish_grace: Duration,
}

impl CdrConfig {
    /// Defaults: batches of 1,000, redelivery after 30 s, announcements 300 ms after the call.
    pub fn new(db: PgPool, bus: Bus, media_servers: Vec<MediaServer>) -> CdrConfig {
        CdrConfig {
            db,
            bus,
            media_servers,
            batch_size: 1_000,
            ack_wait: Duration::from_secs(30),
            publish_grace: Duration::from_millis(300),
        }
    }
}

/// The durable consumer the cdr workers share.
pub const CONSUMER: &str = "cdr-writer";

/// Runs the worker until `shutdown` completes.
pub async fn run(
    config: CdrConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    config.bus.ensure_streams().await?;
    let created = irisx_store::cdr::ensure_partitions(&config.db, 3).await?;
    tracing::info!(
        partitions_created = created,
        media_servers = config.media_servers.len(),
        "cdr worker starting"
    );

    let written = Arc::new(Notify::new());
    let mut tasks = tokio::task::JoinSet::new();
    for server in config.media_servers.clone() {
        tasks.spawn(capture_from(server, config.bus.clone()));
    }
    tasks.spawn(partitions(config.db.clone()));
    tasks.spawn(publisher::run(
        config.db.clone(),
        config.bus.clone(),
        config.publish_grace,
        written.clone(),
    ));
    let consumer = config
        .bus
        .durable_consumer(&config.bus.names.cdrs_stream, CONSUMER, config.ack_wait)
        .await?;
    tokio::select! {
        () = writer::run(config.db.clone(), consumer, config.batch_size, written) => {}
        () = shutdown => {}
    }
    tasks.abort_all();
    tracing::info!("cdr worker stopped");
    Ok(())
}

/// Keeps a capture of `server`'s hangups running (the client reconnects by itself once
/// connected; a client gone for good is replaced).
async fn capture_from(server: MediaServer, bus: Bus) {
    loop {
        let client = server.connect_retrying(server.client_config()).await;
        if let Err(e) = crate::capture::run(Arc::new(client), server.clone(), bus.clone()).await {
            tracing::warn!(media_server = %server.addr, error = %e, "hangup capture ended");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Creates next months' partitions every hour.
async fn partitions(db: PgPool) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match irisx_store::cdr::ensure_partitions(&db, 3).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(created = n, "cdr partitions created"),
            Err(e) => tracing::error!(error = %e, "cannot create cdr partitions"),
        }
    }
}
