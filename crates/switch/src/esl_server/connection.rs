//! One inbound Event Socket connection: authentication, subscriptions and filters, `api`,
//! `bgapi` (answered by a BACKGROUND_JOB event), `sendmsg`, `myevents`, `linger`, `exit`.
//! A reader task parses commands; the main loop interleaves replies and events in order.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

use super::subscription::Subscription;
use super::wire::{self, Command, EventFormat, WireError};
use crate::channel::handle::{AppRequest, ChannelCmd};
use crate::commands;
use crate::core::Core;
use crate::events::SwitchEvent;

/// Serves one client until it leaves or misbehaves.
pub async fn serve(core: Arc<Core>, stream: TcpStream) {
    let peer = stream.peer_addr().ok();
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let (cmd_tx, mut cmd_rx) = mpsc::channel::<Result<Command, WireError>>(64);
    let reader = tokio::spawn(async move {
        let mut r = BufReader::new(read);
        loop {
            let c = wire::read_command(&mut r).await;
            let stop = c.is_err();
            if cmd_tx.send(c).await.is_err() || stop {
                break;
            }
        }
    });
    let mut events = core.events.subscribe();
    let mut sub = Subscription::default();
    let mut authed = false;
    let mut linger: Option<Duration> = None;
    if write.write_all(&wire::auth_request()).await.is_err() {
        reader.abort();
        return;
    }
    loop {
        tokio::select! {
            c = cmd_rx.recv() => {
                let cmd = match c {
                    Some(Ok(cmd)) => cmd,
                    Some(Err(WireError::Malformed(why))) => {
                        tracing::debug!(?peer, why, "ESL client sent garbage; closing");
                        let _ = write.write_all(&wire::disconnect_notice(&format!("Disconnected, {why}.\n"))).await;
                        break;
                    }
                    _ => break,
                };
                if !authed {
                    match cmd.line.strip_prefix("auth ") {
                        Some(pw) if pw.trim() == core.config.esl_password => {
                            authed = true;
                            if write.write_all(&wire::command_reply("+OK accepted", &[])).await.is_err() { break; }
                        }
                        Some(_) => {
                            let _ = write.write_all(&wire::command_reply("-ERR invalid", &[])).await;
                            let _ = write.write_all(&wire::disconnect_notice("Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n")).await;
                            break;
                        }
                        None => {
                            if write.write_all(&wire::command_reply("-ERR command not found", &[])).await.is_err() { break; }
                        }
                    }
                    continue;
                }
                match handle(&core, &cmd, &mut sub, &mut linger).await {
                    Reply::Bytes(b) => if write.write_all(&b).await.is_err() { break; },
                    Reply::Exit => {
                        let _ = write.write_all(&wire::command_reply("+OK bye", &[])).await;
                        if let Some(l) = linger {
                            drain_for(&mut events, &sub, &mut write, l).await;
                        }
                        let _ = write.write_all(&wire::disconnect_notice("Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n")).await;
                        break;
                    }
                }
            }
            e = events.recv(), if authed => match e {
                Ok(event) => {
                    if sub.wants(&event) {
                        let format = sub.format.unwrap_or(EventFormat::Plain);
                        if write.write_all(&wire::event(&event, format)).await.is_err() { break; }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(?peer, missed = n, "ESL client too slow; events dropped");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    }
    reader.abort();
    let _ = write.shutdown().await;
}

async fn drain_for(
    events: &mut broadcast::Receiver<Arc<SwitchEvent>>,
    sub: &Subscription,
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    d: Duration,
) {
    let deadline = tokio::time::Instant::now() + d;
    while let Ok(Ok(e)) = tokio::time::timeout_at(deadline, events.recv()).await {
        if sub.wants(&e)
            && write
                .write_all(&wire::event(&e, sub.format.unwrap_or(EventFormat::Plain)))
                .await
                .is_err()
        {
            return;
        }
    }
}

enum Reply {
    Bytes(Vec<u8>),
    Exit,
}

fn ok(text: &str) -> Reply {
    Reply::Bytes(wire::command_reply(text, &[]))
}

fn format_of(word: &str) -> Option<EventFormat> {
    match word.to_ascii_lowercase().as_str() {
        "plain" => Some(EventFormat::Plain),
        "json" => Some(EventFormat::Json),
        "xml" => Some(EventFormat::Xml),
        _ => None,
    }
}

async fn handle(
    core: &Arc<Core>,
    cmd: &Command,
    sub: &mut Subscription,
    linger: &mut Option<Duration>,
) -> Reply {
    let line = cmd.line.as_str();
    let (verb, rest) = line
        .split_once(' ')
        .map(|(v, r)| (v, r.trim()))
        .unwrap_or((line, ""));
    // FreeSWITCH matches command names case-insensitively, and `events` as `event`.
    let verb = verb.to_ascii_lowercase();
    let verb = if verb == "events" {
        "event".to_owned()
    } else {
        verb
    };
    match verb.as_str() {
        "api" => Reply::Bytes(wire::api_response(&commands::api(core, rest).await)),
        "bgapi" => {
            let job = cmd
                .header("Job-UUID")
                .map(str::to_owned)
                .unwrap_or_else(|| Uuid::new_v4().to_string());
            let (core2, rest2, job2) = (core.clone(), rest.to_owned(), job.clone());
            tokio::spawn(async move {
                let result = commands::api(&core2, &rest2).await;
                let (name, arg) = rest2.split_once(' ').unwrap_or((rest2.as_str(), ""));
                let mut e = core2.source.event("BACKGROUND_JOB");
                e.headers.push(("Job-UUID".into(), job2));
                e.headers.push(("Job-Command".into(), name.to_owned()));
                e.headers.push(("Job-Command-Arg".into(), arg.to_owned()));
                e.body = Some(result);
                core2.emit(e);
            });
            Reply::Bytes(wire::command_reply(
                &format!("+OK Job-UUID: {job}"),
                &[("Job-UUID", &job)],
            ))
        }
        "event" => {
            let (fmt, names) = rest.split_once(' ').unwrap_or((rest, ""));
            match format_of(fmt) {
                Some(f) => {
                    sub.add(f, names);
                    ok(&format!(
                        "+OK event listener enabled {}",
                        fmt.to_ascii_lowercase()
                    ))
                }
                None => {
                    // `event CHANNEL_ANSWER` without a format means plain.
                    sub.add(EventFormat::Plain, rest);
                    ok("+OK event listener enabled plain")
                }
            }
        }
        "nixevent" => {
            sub.remove(rest);
            ok("+OK events nixed")
        }
        "noevents" => {
            sub.clear();
            ok("+OK no longer listening for events")
        }
        "filter" => {
            let mut parts = rest.splitn(3, ' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("delete"), Some(h), v) => {
                    sub.delete_filter(h, v);
                    ok(&format!("+OK filter deleted. [{h}]=[{}]", v.unwrap_or("")))
                }
                (Some(h), Some(v), extra) => {
                    let value = match extra {
                        Some(x) => format!("{v} {x}"),
                        None => v.to_owned(),
                    };
                    sub.add_filter(h, &value);
                    ok(&format!("+OK filter added. [{h}]=[{value}]"))
                }
                _ => ok(
                    "-ERR invalid filter, use filter <header> <value> or filter delete <header> [<value>]",
                ),
            }
        }
        "myevents" => {
            let mut parts = rest.split_whitespace();
            let Some(uuid) = parts.next() else {
                return ok("-ERR usage: myevents <uuid> [plain|json|xml]");
            };
            let f = parts
                .next()
                .and_then(format_of)
                .unwrap_or(EventFormat::Plain);
            sub.add(f, "ALL");
            sub.only_uuid = Some(uuid.to_owned());
            ok("+OK Events Enabled")
        }
        "sendmsg" => sendmsg(core, cmd, rest),
        "linger" => {
            *linger = Some(Duration::from_secs(rest.parse().unwrap_or(600)));
            ok("+OK will linger")
        }
        "nolinger" => {
            *linger = None;
            ok("+OK will not linger")
        }
        "log" => ok(&format!("+OK log level {} [{}]", rest, 7)),
        "nolog" => ok("+OK no longer logging"),
        "divert_events" => ok(&format!("+OK events diverted {rest}")),
        "exit" => Reply::Exit,
        _ => ok("-ERR command not found"),
    }
}

fn sendmsg(core: &Arc<Core>, cmd: &Command, rest: &str) -> Reply {
    let uuid = if rest.is_empty() {
        cmd.header("Unique-ID").unwrap_or("")
    } else {
        rest
    };
    let Some(ch) = core.channel_str(uuid) else {
        return ok("-ERR invalid session id");
    };
    let command = cmd
        .header("call-command")
        .unwrap_or("")
        .to_ascii_lowercase();
    match command.as_str() {
        "execute" => {
            let Some(app) = cmd.header("execute-app-name") else {
                return ok("-ERR missing execute-app-name");
            };
            let arg = cmd
                .header("execute-app-arg")
                .map(str::to_owned)
                .or_else(|| cmd.body.clone())
                .unwrap_or_default();
            let loops = cmd
                .header("loops")
                .and_then(|l| l.parse().ok())
                .unwrap_or(1);
            let event_uuid = cmd.header("Event-UUID").map(str::to_owned);
            let _ = ch.cmd.send(ChannelCmd::Execute(AppRequest {
                name: app.to_owned(),
                arg,
                event_uuid,
                loops,
            }));
            ok("+OK")
        }
        "hangup" => {
            let cause = cmd
                .header("hangup-cause")
                .and_then(|c| c.parse().ok())
                .unwrap_or(crate::causes::HangupCause::NormalClearing);
            let _ = ch.cmd.send(ChannelCmd::Hangup(cause));
            ok("+OK")
        }
        "unicast" | "nomedia" | "xferext" => {
            ok(&format!("-ERR {command} is not supported by this switch"))
        }
        _ => ok("-ERR invalid command"),
    }
}
