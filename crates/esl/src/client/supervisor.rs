//! The task that owns the socket. It writes commands in order and matches replies to them
//! first-in first-out (the server answers strictly in order), routes events to subscribers
//! and BACKGROUND_JOB results to their jobs, watches liveness, and when the connection dies
//! fails what was in flight, reconnects with backoff and replays the subscriptions.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::session::{self, Conn};
use super::state::Change;
use super::{ClientError, Shared};
use crate::command::Command;
use crate::event::{Event, EventName};
use crate::message::Message;

/// What to do besides sending the command.
#[derive(Debug)]
pub(super) enum Effect {
    None,
    /// Record this change to the subscriptions once the server accepts it.
    Change(Change),
    /// A bgapi: route the BACKGROUND_JOB with this Job-UUID to the sender.
    Job(String, oneshot::Sender<Arc<Event>>),
    /// Send `exit` and stop for good.
    Close,
}

/// One command from a [`super::Client`] handle.
pub(super) struct Request {
    pub command: Command,
    pub reply: oneshot::Sender<Result<Message, ClientError>>,
    pub effect: Effect,
}

/// A command written to the socket, waiting for its reply.
struct Pending {
    sent: Instant,
    reply: oneshot::Sender<Result<Message, ClientError>>,
    change: Option<Change>,
    job: Option<String>,
}

enum End {
    /// The client is closed or every handle is gone.
    Stop,
    /// The connection died; reconnect.
    Lost(String),
}

type Jobs = HashMap<String, oneshot::Sender<Arc<Event>>>;

/// Runs until the client is closed or dropped.
pub(super) async fn run(first: Conn, mut requests: mpsc::Receiver<Request>, shared: Arc<Shared>) {
    let mut conn = first;
    loop {
        let mut jobs = Jobs::new();
        let end = serve(&mut conn, &mut requests, &shared, &mut jobs).await;
        shared.set_connected(false);
        // Results of jobs in flight were meant for the dead socket: their futures fail.
        drop(jobs);
        match end {
            End::Stop => return,
            End::Lost(why) => {
                tracing::warn!(addr = %shared.config.addr, reason = %why, "ESL connection lost; reconnecting");
            }
        }
        match reconnect(&mut requests, &shared).await {
            Some(c) => conn = c,
            None => return,
        }
    }
}

/// Tries to connect again with exponential backoff; meanwhile new commands fail at once.
async fn reconnect(requests: &mut mpsc::Receiver<Request>, shared: &Shared) -> Option<Conn> {
    let config = &shared.config;
    let mut backoff = config.min_backoff;
    loop {
        let sleep = tokio::time::sleep(backoff);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => break,
                req = requests.recv() => match req {
                    None => return None,
                    Some(r) => {
                        let closing = matches!(r.effect, Effect::Close);
                        let _ = r.reply.send(Err(if closing { ClientError::Closed } else { ClientError::Disconnected }));
                        if closing {
                            return None;
                        }
                    }
                },
            }
        }
        backoff = (backoff * 2).min(config.max_backoff);
        let replay = {
            let subs = shared.subscriptions();
            session::replay(config, &subs)
        };
        match session::open(config, replay).await {
            Ok(conn) => {
                shared.set_connected(true);
                tracing::info!(addr = %config.addr, "ESL connection re-established");
                return Some(conn);
            }
            Err(e) => tracing::warn!(addr = %config.addr, error = %e, "ESL reconnect failed"),
        }
    }
}

async fn serve(
    conn: &mut Conn,
    requests: &mut mpsc::Receiver<Request>,
    shared: &Shared,
    jobs: &mut Jobs,
) -> End {
    let mut pending: VecDeque<Pending> = VecDeque::new();
    let liveness = shared.config.liveness;
    let stall = shared.config.stall_timeout;
    let mut last_rx = Instant::now();
    // One cheap periodic check covers both limits.
    let shortest = [liveness, stall].into_iter().flatten().min();
    let every = shortest.map_or(Duration::from_secs(3600), |d| {
        (d / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
    });
    let mut check = tokio::time::interval_at(Instant::now() + every, every);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let end = loop {
        tokio::select! {
            req = requests.recv() => {
                let Some(req) = req else { break End::Stop };
                if req.reply.is_closed() {
                    continue; // the caller gave up (timeout) before it was sent
                }
                let (change, job, close) = match req.effect {
                    Effect::None => (None, None, false),
                    Effect::Change(c) => (Some(c), None, false),
                    Effect::Job(id, tx) => {
                        jobs.retain(|_, tx| !tx.is_closed());
                        jobs.insert(id.clone(), tx);
                        (None, Some(id), false)
                    }
                    Effect::Close => (None, None, true),
                };
                if conn.send(&req.command).await.is_err() {
                    let _ = req.reply.send(Err(ClientError::Disconnected));
                    break End::Lost("write failed".into());
                }
                if close {
                    let _ = req.reply.send(Err(ClientError::Closed));
                    break End::Stop;
                }
                pending.push_back(Pending { sent: Instant::now(), reply: req.reply, change, job });
            }
            frame = conn.next() => {
                last_rx = Instant::now();
                let frame = match frame {
                    None => break End::Lost("closed by the server".into()),
                    Some(Err(e)) => break End::Lost(e.to_string()),
                    Some(Ok(f)) => f,
                };
                match Message::from_frame(frame) {
                    Ok(Message::Event(e)) => {
                        let e: Arc<Event> = Arc::from(e);
                        if e.kind() == EventName::BackgroundJob
                            && let Some(tx) = e.job_uuid().and_then(|j| jobs.remove(j))
                        {
                            let _ = tx.send(e.clone());
                        }
                        let _ = shared.events.send(e);
                    }
                    Ok(m @ (Message::Reply(_) | Message::ApiResponse(_))) => {
                        let Some(p) = pending.pop_front() else {
                            tracing::warn!("ESL reply with no command waiting for it: {m:?}");
                            continue;
                        };
                        if let Message::Reply(r) = &m {
                            if r.is_ok() {
                                if let Some(c) = &p.change {
                                    shared.subscriptions().apply(c);
                                }
                                // The server may have chosen its own Job-UUID.
                                if let (Some(ours), Some(theirs)) = (&p.job, r.job_uuid())
                                    && ours != theirs
                                    && let Some(tx) = jobs.remove(ours)
                                {
                                    jobs.insert(theirs.to_owned(), tx);
                                }
                            } else if let Some(ours) = &p.job {
                                jobs.remove(ours);
                            }
                        }
                        let _ = p.reply.send(Ok(m));
                    }
                    Ok(Message::DisconnectNotice(_)) => break End::Lost("disconnect notice".into()),
                    Ok(Message::RudeRejection(t)) => break End::Lost(format!("rejected: {}", String::from_utf8_lossy(&t).trim())),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "unparseable ESL event dropped"),
                }
            }
            _ = check.tick(), if shortest.is_some() => {
                if let Some(limit) = liveness && last_rx.elapsed() >= limit {
                    break End::Lost(format!("no data for {limit:?}"));
                }
                if let (Some(limit), Some(p)) = (stall, pending.front()) && p.sent.elapsed() >= limit {
                    break End::Lost(format!("no reply for {limit:?}"));
                }
            }
        }
    };
    for p in pending {
        let _ = p.reply.send(Err(ClientError::Disconnected));
    }
    end
}
