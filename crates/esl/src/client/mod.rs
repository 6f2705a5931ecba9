//! The async ESL client (inbound mode): connect and authenticate, `api`, `bgapi` resolved by
//! its BACKGROUND_JOB, events as a stream, filters, `sendmsg`.
//!
//! A supervisor task owns the socket. When the connection dies — closed, disconnect notice,
//! or silent for longer than the liveness period — it fails what was in flight with
//! [`ClientError::Disconnected`], reconnects with exponential backoff and replays the event
//! subscriptions and filters. Handles are cheap clones; the task stops when the client is
//! closed or the last handle is dropped.

mod config;
mod error;
mod job;
mod session;
mod state;
mod stream;
mod supervisor;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{broadcast, mpsc, oneshot};

pub use config::ClientConfig;
pub use error::ClientError;
pub use job::BackgroundJob;
pub use stream::EventStream;

use crate::command::{Command, Originate, SendMsg};
use crate::event::Event;
use crate::message::Message;
use state::{Change, Subscriptions};
use supervisor::{Effect, Request};

/// State shared by the handles and the supervisor.
struct Shared {
    config: ClientConfig,
    events: broadcast::Sender<Arc<Event>>,
    subs: Mutex<Subscriptions>,
    connected: AtomicBool,
    connections: AtomicU64,
}

impl Shared {
    fn subscriptions(&self) -> MutexGuard<'_, Subscriptions> {
        // A panic while holding this lock cannot leave the data half-updated (every change is
        // one Vec operation), so a poisoned lock is still usable.
        self.subs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_connected(&self, up: bool) {
        self.connected.store(up, Ordering::Relaxed);
        if up {
            self.connections.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A connected ESL client; clone it freely, every clone uses the same connection.
#[derive(Clone)]
pub struct Client {
    requests: mpsc::Sender<Request>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("addr", &self.shared.config.addr)
            .field("connected", &self.is_connected())
            .finish()
    }
}

impl Client {
    /// Connects and authenticates; the first attempt must succeed (a wrong password is
    /// [`ClientError::BadPassword`]). After that the connection is kept alive in the
    /// background. Must be called within a tokio runtime.
    pub async fn connect(config: ClientConfig) -> Result<Client, ClientError> {
        let subs = Subscriptions::default();
        let conn = session::open(&config, session::replay(&config, &subs)).await?;
        let (tx, rx) = mpsc::channel(1024);
        let shared = Arc::new(Shared {
            events: broadcast::channel(config.event_capacity.max(1)).0,
            config,
            subs: Mutex::new(subs),
            connected: AtomicBool::new(false),
            connections: AtomicU64::new(0),
        });
        shared.set_connected(true);
        tokio::spawn(supervisor::run(conn, rx, shared.clone()));
        Ok(Client {
            requests: tx,
            shared,
        })
    }

    /// Whether the connection is up right now.
    pub fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::Relaxed)
    }

    /// How many connections were established so far (1 + successful reconnects).
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// A stream of the events received from now on (subscribe with [`Client::subscribe`]).
    pub fn events(&self) -> EventStream {
        EventStream::new(self.shared.events.subscribe())
    }

    async fn request(&self, command: Command, effect: Effect) -> Result<Message, ClientError> {
        let (reply, rx) = oneshot::channel();
        self.requests
            .send(Request {
                command,
                reply,
                effect,
            })
            .await
            .map_err(|_| ClientError::Closed)?;
        let limit = self.shared.config.command_timeout;
        match tokio::time::timeout(limit, rx).await {
            Err(_) => Err(ClientError::Timeout(limit)),
            Ok(Err(_)) => Err(ClientError::Closed),
            Ok(Ok(r)) => r,
        }
    }

    async fn reply_ok(&self, command: Command, effect: Effect) -> Result<String, ClientError> {
        match self.request(command, effect).await? {
            Message::Reply(r) if r.is_ok() => Ok(r.text().to_owned()),
            Message::Reply(r) => Err(ClientError::CommandFailed(r.text().to_owned())),
            other => Err(ClientError::Protocol(format!(
                "expected command/reply, got {other:?}"
            ))),
        }
    }

    /// Sends any command and returns the server's answer (`command/reply` or
    /// `api/response`) as is. Subscriptions made this way are not replayed on reconnect.
    pub async fn command(&self, command: Command) -> Result<Message, ClientError> {
        self.request(command, Effect::None).await
    }

    /// `api <command>`: the response body. A body starting with `-ERR` is returned as
    /// [`ClientError::CommandFailed`]; use [`Client::api_raw`] to get it as text.
    pub async fn api(&self, command: &str) -> Result<String, ClientError> {
        let body = self.api_raw(command).await?;
        match body.strip_prefix("-ERR") {
            Some(reason) => Err(ClientError::CommandFailed(reason.trim().to_owned())),
            None => Ok(body),
        }
    }

    /// `api <command>`: the response body, whatever it says.
    pub async fn api_raw(&self, command: &str) -> Result<String, ClientError> {
        match self
            .request(Command::Api(command.to_owned()), Effect::None)
            .await?
        {
            Message::ApiResponse(body) => Ok(String::from_utf8_lossy(&body).into_owned()),
            Message::Reply(r) if !r.is_ok() => Err(ClientError::CommandFailed(r.text().to_owned())),
            other => Err(ClientError::Protocol(format!(
                "expected api/response, got {other:?}"
            ))),
        }
    }

    /// `bgapi <command>` with a fresh Job-UUID: resolves once the server accepted the job;
    /// `.await` the returned [`BackgroundJob`] for its result.
    pub async fn bgapi(&self, command: &str) -> Result<BackgroundJob, ClientError> {
        self.bgapi_with_job(command, &uuid::Uuid::new_v4().to_string())
            .await
    }

    /// `bgapi <command>` with the caller's Job-UUID (e.g. derived from an idempotency key).
    pub async fn bgapi_with_job(
        &self,
        command: &str,
        job_uuid: &str,
    ) -> Result<BackgroundJob, ClientError> {
        let (tx, rx) = oneshot::channel();
        let effect = Effect::Job(job_uuid.to_owned(), tx);
        let command = Command::BgApi(command.to_owned(), Some(job_uuid.to_owned()));
        let reply = match self.request(command, effect).await? {
            Message::Reply(r) if r.is_ok() => r,
            Message::Reply(r) => return Err(ClientError::CommandFailed(r.text().to_owned())),
            other => {
                return Err(ClientError::Protocol(format!(
                    "expected command/reply, got {other:?}"
                )));
            }
        };
        let job = reply.job_uuid().unwrap_or(job_uuid).to_owned();
        Ok(BackgroundJob::new(job, rx, self.shared.config.job_timeout))
    }

    /// Starts an `originate` as a background job (its result is `+OK <uuid>` or an error
    /// such as `-ERR NO_ANSWER`).
    pub async fn originate(&self, originate: &Originate) -> Result<BackgroundJob, ClientError> {
        let command = originate.command();
        self.bgapi(&command).await
    }

    /// Subscribes to events (names, `ALL`, or `CUSTOM` followed by subclasses) in the
    /// configured format; kept across reconnects.
    pub async fn subscribe(&self, names: &[&str]) -> Result<(), ClientError> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let command = Command::Event(self.shared.config.event_format, names.clone());
        self.reply_ok(command, Effect::Change(Change::Subscribe(names)))
            .await
            .map(|_| ())
    }

    /// Stops receiving these events (`nixevent`).
    pub async fn unsubscribe(&self, names: &[&str]) -> Result<(), ClientError> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let command = Command::NixEvent(names.clone());
        self.reply_ok(command, Effect::Change(Change::Unsubscribe(names)))
            .await
            .map(|_| ())
    }

    /// Adds a filter: from now on only events whose `header` equals `value` (for any filter)
    /// are delivered — plus BACKGROUND_JOB and HEARTBEAT, which the client needs. Kept
    /// across reconnects.
    pub async fn filter(&self, header: &str, value: &str) -> Result<(), ClientError> {
        if !self.shared.subscriptions().has_filters() {
            for c in state::base_filters(self.shared.config.liveness.is_some()) {
                self.reply_ok(c, Effect::None).await?;
            }
        }
        let change = Change::Filter(header.to_owned(), value.to_owned());
        self.reply_ok(
            Command::Filter(header.to_owned(), value.to_owned()),
            Effect::Change(change),
        )
        .await
        .map(|_| ())
    }

    /// Removes a filter (every filter on `header` when `value` is `None`). When no user
    /// filter remains, the client's own filters go too, so all subscribed events flow again.
    pub async fn filter_delete(
        &self,
        header: &str,
        value: Option<&str>,
    ) -> Result<(), ClientError> {
        let change = Change::FilterDelete(header.to_owned(), value.map(str::to_owned));
        let command = Command::FilterDelete(header.to_owned(), value.map(str::to_owned));
        self.reply_ok(command, Effect::Change(change)).await?;
        let none_left = !self.shared.subscriptions().has_filters();
        if none_left {
            for c in state::base_filters(self.shared.config.liveness.is_some()) {
                if let Command::Filter(h, v) = c {
                    self.reply_ok(Command::FilterDelete(h, Some(v)), Effect::None)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// The user filters currently in force (replayed after a reconnect).
    pub fn filters(&self) -> Vec<(String, String)> {
        self.shared.subscriptions().filters().to_vec()
    }

    /// `sendmsg`: drives a channel. `-ERR` (e.g. no such channel) is an error.
    pub async fn sendmsg(&self, msg: SendMsg) -> Result<(), ClientError> {
        self.reply_ok(Command::SendMsg(msg), Effect::None)
            .await
            .map(|_| ())
    }

    /// Runs application `app` with `arg` on channel `uuid` (`sendmsg` execute).
    pub async fn execute(&self, uuid: &str, app: &str, arg: &str) -> Result<(), ClientError> {
        self.sendmsg(SendMsg::execute(uuid, app, arg)).await
    }

    /// Hangs channel `uuid` up with `cause` (`sendmsg` hangup).
    pub async fn hangup(&self, uuid: &str, cause: &str) -> Result<(), ClientError> {
        self.sendmsg(SendMsg::hangup(uuid, cause)).await
    }

    /// Sends `exit` and stops the client for good (every handle); no reconnect follows.
    pub async fn close(&self) -> Result<(), ClientError> {
        match self.request(Command::Exit, Effect::Close).await {
            Err(ClientError::Closed) | Ok(_) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
