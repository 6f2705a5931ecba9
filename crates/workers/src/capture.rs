//! Hangup capture: every `CHANNEL_HANGUP_COMPLETE` a media server emits is stored in the
//! JetStream stream `CDRS` (message id = the leg's uuid), from where the cdr worker writes it.
//!
//! Media servers do not keep events for a client that is away, so both the orchestrator and
//! the cdr worker run a capture per media server: while either runs, no hangup is lost, and
//! JetStream stores each leg once however many processes saw it.

use std::sync::Arc;

use esl::{Client, EventName};
use irisx_bus::{Bus, LegRecord};

use crate::media::MediaServer;

/// Subscribes `client` to hangups and stores each in `CDRS` until the client is gone.
///
/// A publish that fails (NATS away) is retried with a growing delay; events arriving
/// meanwhile wait in the client's buffer.
pub async fn run(client: Arc<Client>, server: MediaServer, bus: Bus) -> anyhow::Result<()> {
    let mut events = client.events();
    client.subscribe(&["CHANNEL_HANGUP_COMPLETE"]).await?;
    while let Some(item) = events.recv().await {
        let event = match item {
            Ok(e) => e,
            Err(esl::ClientError::Lagged(n)) => {
                tracing::error!(media_server = %server.addr, lost = n, "hangup capture fell behind; other captures may have these legs");
                continue;
            }
            Err(e) => {
                tracing::warn!(media_server = %server.addr, error = %e, "event stream error");
                continue;
            }
        };
        if event.kind() != EventName::ChannelHangupComplete {
            continue;
        }
        let Some(leg_id) = event.unique_id() else {
            continue;
        };
        let record = LegRecord {
            leg_id: leg_id.to_owned(),
            media_server: server.addr.clone(),
            event: event.to_json(),
        };
        let mut delay = std::time::Duration::from_millis(100);
        while let Err(e) = bus.publish_leg(&record).await {
            tracing::warn!(leg_id, error = %e, "cannot store a hangup yet; retrying");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(std::time::Duration::from_secs(5));
        }
    }
    Ok(())
}
