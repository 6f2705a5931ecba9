//! A small ESL server for the client tests, built on this crate's server side (codec,
//! command parse, reply encoders). It honours subscriptions and filters the way
//! mod_event_socket does, records every command it receives, and can misbehave on cue.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use esl::{Command, EslCodec, Event, EventFormat, Frame, reply};
use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

/// How the server behaves.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Behaviour {
    /// Close the first connection right after its first user `filter` command.
    pub drop_first_after_filter: bool,
    /// Go silent after auth (no replies, no heartbeats).
    pub silent: bool,
    /// Send HEARTBEAT events at this interval (to subscribed connections).
    pub heartbeat: Option<Duration>,
    /// Answer bgapi with a Job-UUID of its own instead of the client's.
    pub own_job_uuid: bool,
    /// Refuse every connection with a rude rejection.
    pub reject: bool,
}

/// A running fake server.
pub struct Server {
    pub addr: String,
    /// Every command received, with the index of the connection it came on.
    pub log: Arc<Mutex<Vec<(usize, Command)>>>,
    pub connections: Arc<AtomicUsize>,
}

impl Server {
    pub fn commands(&self) -> Vec<(usize, Command)> {
        self.log.lock().unwrap().clone()
    }
}

pub async fn start(behaviour: Behaviour) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let log = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let server = Server {
        addr,
        log: log.clone(),
        connections: connections.clone(),
    };
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let n = connections.fetch_add(1, Ordering::SeqCst);
            let conn = Conn {
                n,
                behaviour,
                log: log.clone(),
                subscribed: Vec::new(),
                filters: Vec::new(),
                format: EventFormat::Plain,
                authed: false,
            };
            tokio::spawn(conn.run(stream));
        }
    });
    server
}

struct Conn {
    n: usize,
    behaviour: Behaviour,
    log: Arc<Mutex<Vec<(usize, Command)>>>,
    subscribed: Vec<String>,
    filters: Vec<(String, String)>,
    format: EventFormat,
    authed: bool,
}

impl Conn {
    /// What mod_event_socket would deliver: subscribed (or ALL), and matching a filter if any.
    fn wants(&self, e: &Event) -> bool {
        let name = e.name().unwrap_or("");
        let subscribed = self
            .subscribed
            .iter()
            .any(|s| s.eq_ignore_ascii_case(name) || s.eq_ignore_ascii_case("ALL"));
        let filtered = self.filters.is_empty()
            || self
                .filters
                .iter()
                .any(|(h, v)| e.header(h).is_some_and(|x| x == v));
        self.authed && subscribed && filtered
    }

    async fn run(mut self, stream: TcpStream) {
        let mut io = Framed::new(stream, EslCodec::new());
        if self.behaviour.reject {
            let _ = io.send(reply::rude_rejection(reply::ACCESS_DENIED)).await;
            return;
        }
        let _ = io.send(reply::auth_request()).await;
        let mut beat = tokio::time::interval(
            self.behaviour
                .heartbeat
                .unwrap_or(Duration::from_secs(3600)),
        );
        loop {
            tokio::select! {
                frame = io.next() => {
                    let Some(Ok(frame)) = frame else { return };
                    let out = self.handle(&frame);
                    for f in out.frames {
                        if io.send(f).await.is_err() {
                            return;
                        }
                    }
                    if out.close {
                        return;
                    }
                    if out.silent {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                }
                _ = beat.tick(), if self.behaviour.heartbeat.is_some() => {
                    let e = Event::new("HEARTBEAT").with("Event-Info", "System Ready");
                    if self.wants(&e) {
                        let _ = io.send(reply::event(&e, self.format)).await;
                    }
                }
            }
        }
    }

    fn handle(&mut self, frame: &Frame) -> Out {
        let mut out = Out::default();
        let Ok(cmd) = Command::parse(frame) else {
            out.frames.push(reply::err("command not found"));
            return out;
        };
        self.log.lock().unwrap().push((self.n, cmd.clone()));
        if !self.authed && !matches!(cmd, Command::Auth(_)) {
            out.frames.push(reply::err("invalid"));
            return out;
        }
        match cmd {
            Command::Auth(p) if p == "ClueCon" => {
                self.authed = true;
                out.frames.push(reply::ok("accepted"));
                out.silent = self.behaviour.silent;
            }
            Command::Auth(_) => {
                out.frames.push(reply::err("invalid"));
                out.frames.push(reply::disconnect_notice());
                out.close = true;
            }
            Command::Event(f, names) => {
                if names.iter().any(|n| n == "NO_SUCH_EVENT") {
                    out.frames.push(reply::err("no keywords supplied"));
                    return out;
                }
                self.format = f;
                self.subscribed.extend(names);
                out.frames
                    .push(reply::ok(&format!("event listener enabled {}", f.as_str())));
            }
            Command::NixEvent(names) => {
                self.subscribed.retain(|s| !names.contains(s));
                out.frames.push(reply::ok("events disabled"));
            }
            Command::Filter(h, v) => {
                let user = h != "Event-Name";
                self.filters.push((h.clone(), v.clone()));
                out.frames
                    .push(reply::ok(&format!("filter added. [{h}]=[{v}]")));
                if user && self.behaviour.drop_first_after_filter && self.n == 0 {
                    out.close = true;
                }
            }
            Command::FilterDelete(h, v) => {
                self.filters
                    .retain(|(a, b)| !(a == &h && v.as_ref().is_none_or(|v| v == b)));
                out.frames
                    .push(reply::ok(&format!("filter deleted. [{h}]")));
            }
            Command::Api(c) => {
                let body = match c.as_str() {
                    "status" => "UP 0 years, 0 days\n".to_owned(),
                    "slow" => {
                        // Never answers; the client times out.
                        return out;
                    }
                    c if c.starts_with("fire ") => {
                        // Fire an event to every connection (this one included).
                        out.fire = true;
                        "+OK\n".to_owned()
                    }
                    _ => "-ERR bogus Command not found!\n".to_owned(),
                };
                out.frames.push(reply::api_response(&body));
                if out.fire
                    && let Some(name) = c.strip_prefix("fire ")
                {
                    let e = Event::new(name)
                        .with("Unique-ID", "u-1")
                        .with("Caller-Caller-ID-Name", "Jane Doe, Jr.")
                        .with("variable_irisx_call_id", "c-1");
                    if self.wants(&e) {
                        out.frames.push(reply::event(&e, self.format));
                    }
                }
            }
            Command::BgApi(c, job) => {
                let job = match (self.behaviour.own_job_uuid, job) {
                    (false, Some(j)) => j,
                    _ => "server-chosen-job".to_owned(),
                };
                out.frames.push(reply::bgapi_accepted(&job));
                let result = if c.starts_with("originate") {
                    "-ERR NO_ANSWER\n"
                } else {
                    "+OK done\n"
                };
                let e = reply::background_job(&job, &c, "", result);
                if self.wants(&e) {
                    out.frames.push(reply::event(&e, self.format));
                }
            }
            Command::SendMsg(m) if m.uuid.as_deref() == Some("missing") => {
                out.frames.push(reply::err("invalid session id [missing]"));
            }
            Command::Exit => {
                out.frames.push(reply::ok("bye"));
                out.frames.push(reply::disconnect_notice());
                out.close = true;
            }
            _ => out.frames.push(reply::ok("")),
        }
        out
    }
}

#[derive(Default)]
struct Out {
    frames: Vec<Frame>,
    close: bool,
    silent: bool,
    fire: bool,
}
