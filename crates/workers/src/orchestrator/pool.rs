//! The media servers an orchestrator dials through: one ESL client each (reconnecting by
//! itself), the number of calls this process runs on each, and the choice of the least busy
//! connected one for a new call.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use esl::{Client, ClientConfig};
use tokio::sync::OnceCell;

use crate::media::MediaServer;

/// One media server and its client (set once the first connection succeeded).
pub struct MediaLink {
    /// Which server.
    pub server: MediaServer,
    client: OnceCell<Arc<Client>>,
    live: AtomicUsize,
}

impl MediaLink {
    /// The client, if a connection was ever made (it reconnects by itself afterwards).
    pub fn client(&self) -> Option<Arc<Client>> {
        self.client.get().cloned()
    }

    /// Counts a call started here; the guard uncounts it.
    pub fn start_call(self: &Arc<Self>) -> LiveGuard {
        self.live.fetch_add(1, Ordering::Relaxed);
        LiveGuard(self.clone())
    }
}

/// Uncounts a call when dropped.
pub struct LiveGuard(Arc<MediaLink>);

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::Relaxed);
    }
}

/// All media servers.
pub struct MediaPool {
    links: Vec<Arc<MediaLink>>,
}

/// Client settings for call control: jobs (an originate lasts as long as the ringing) get
/// the longest ring timeout plus a margin.
pub fn client_config(server: &MediaServer) -> ClientConfig {
    let mut c = server.client_config();
    c.job_timeout = Duration::from_secs(660);
    c
}

impl MediaPool {
    /// A pool whose links are not connected yet.
    pub fn new(servers: &[MediaServer]) -> MediaPool {
        MediaPool {
            links: servers
                .iter()
                .map(|s| {
                    Arc::new(MediaLink {
                        server: s.clone(),
                        client: OnceCell::new(),
                        live: AtomicUsize::new(0),
                    })
                })
                .collect(),
        }
    }

    /// Every link.
    pub fn links(&self) -> &[Arc<MediaLink>] {
        &self.links
    }

    /// Connects `link`, retrying with backoff until it succeeds; then calls `on_connect`.
    pub async fn connect(link: Arc<MediaLink>, on_connect: impl AsyncFnOnce(Arc<Client>)) {
        let client = Arc::new(
            link.server
                .connect_retrying(client_config(&link.server))
                .await,
        );
        let _ = link.client.set(client.clone());
        on_connect(client).await;
    }

    /// The connected link running the fewest of this process's calls.
    pub fn choose(&self) -> Option<Arc<MediaLink>> {
        self.links
            .iter()
            .filter(|l| l.client().is_some_and(|c| c.is_connected()))
            .min_by_key(|l| l.live.load(Ordering::Relaxed))
            .cloned()
    }

    /// The link to the server with this address.
    pub fn by_addr(&self, addr: &str) -> Option<Arc<MediaLink>> {
        self.links.iter().find(|l| l.server.addr == addr).cloned()
    }
}
