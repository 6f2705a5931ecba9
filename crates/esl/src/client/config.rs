//! Client settings, with defaults that suit a FreeSWITCH farm (heartbeat every 20 s).

use std::time::Duration;

use crate::event::EventFormat;

/// How to reach and supervise one ESL server.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `host:port` of the server (FreeSWITCH listens on 8021).
    pub addr: String,
    /// The ESL password (FreeSWITCH's default is `ClueCon`).
    pub password: String,
    /// Limit for the TCP connect plus the auth exchange.
    pub connect_timeout: Duration,
    /// Limit for one command's reply.
    pub command_timeout: Duration,
    /// Limit for a background job's BACKGROUND_JOB event.
    pub job_timeout: Duration,
    /// Silence after which the connection is declared dead and replaced (`None`: never).
    /// The client subscribes to HEARTBEAT so an idle but healthy server keeps talking.
    pub liveness: Option<Duration>,
    /// How long the oldest command may wait for its reply before the connection is
    /// declared stuck and replaced (`None`: wait forever). Replies come strictly in order,
    /// so one that never comes would hold up every later command.
    pub stall_timeout: Option<Duration>,
    /// First reconnect delay; doubles after each failed attempt.
    pub min_backoff: Duration,
    /// Longest reconnect delay.
    pub max_backoff: Duration,
    /// The event format asked of the server.
    pub event_format: EventFormat,
    /// Events buffered per subscriber before a slow one starts losing them.
    pub event_capacity: usize,
}

impl ClientConfig {
    /// Defaults: 5 s connect, 10 s commands, 120 s jobs, 60 s liveness (three missed
    /// heartbeats), 120 s stall limit, reconnect backoff 100 ms doubling to 10 s, plain events, 16,384 buffered.
    pub fn new(addr: &str, password: &str) -> ClientConfig {
        ClientConfig {
            addr: addr.to_owned(),
            password: password.to_owned(),
            connect_timeout: Duration::from_secs(5),
            command_timeout: Duration::from_secs(10),
            job_timeout: Duration::from_secs(120),
            liveness: Some(Duration::from_secs(60)),
            stall_timeout: Some(Duration::from_secs(120)),
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
            event_format: EventFormat::Plain,
            event_capacity: 16_384,
        }
    }
}
