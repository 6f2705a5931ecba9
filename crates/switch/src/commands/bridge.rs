//! `uuid_bridge`, `uuid_transfer` and `uuid_record`: commands that rearrange live calls.

use std::sync::Arc;

use super::split_args;
use crate::apps;
use crate::channel::handle::{AppRequest, ChannelCmd};
use crate::core::Core;

/// `uuid_bridge <uuid> <other uuid>`: joins two live channels (answering either if needed);
/// when one hangs up the other does too, unless it has `park_after_bridge=true`.
pub async fn uuid_bridge(core: &Arc<Core>, args: &str) -> String {
    let a = split_args(args, 2);
    let (Some(x), Some(y)) = (a.first(), a.get(1)) else {
        return "-USAGE: <uuid> <other_uuid>\n".into();
    };
    let (Some(a), Some(b)) = (core.channel_str(x), core.channel_str(y)) else {
        return "-ERR No such channel!\n".into();
    };
    if a.uuid == b.uuid {
        return "-ERR cannot bridge a channel to itself\n".into();
    }
    for ch in [&a, &b] {
        let _ = ch.cmd.send(ChannelCmd::FlushQueue);
        ch.break_current();
        if !ch.is_answered()
            && ch.data.read().direction == crate::channel::state::Direction::Inbound
            && let Err(e) = ch.answer().await
        {
            return format!("-ERR {e}\n");
        }
        if ch.media.lock().await.is_none() {
            return format!("-ERR {} has no media yet\n", ch.uuid);
        }
    }
    tokio::spawn(async move {
        if let Err(e) = apps::bridge::join(&a, &b).await {
            tracing::warn!(error = %e, "uuid_bridge failed");
        }
    });
    format!("+OK {y}\n")
}

/// `uuid_transfer <uuid> [-bleg|-both] <destination> [dialplan] [context]`.
pub fn uuid_transfer(core: &Core, args: &str) -> String {
    let a = split_args(args, 3);
    let (Some(uuid), Some(second)) = (a.first(), a.get(1)) else {
        return "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n".into();
    };
    let Some(ch) = core.channel_str(uuid) else {
        return "-ERR No such channel!\n".into();
    };
    let (legs, dest) = match *second {
        "-bleg" | "-both" => (
            *second,
            a.get(2)
                .and_then(|r| r.split_whitespace().next())
                .unwrap_or(""),
        ),
        _ => ("", *second),
    };
    if dest.is_empty() {
        return "-USAGE: <uuid> [-bleg|-both] <dest-exten>\n".into();
    }
    let mut targets = Vec::new();
    if legs != "-bleg" {
        targets.push(ch.clone());
    }
    if (legs == "-bleg" || legs == "-both")
        && let Some(other) = ch.data.read().bridged_to.and_then(|u| core.channel(u))
    {
        targets.push(other);
    }
    for t in targets {
        let _ = t.cmd.send(ChannelCmd::FlushQueue);
        t.break_current();
        let _ = t.cmd.send(ChannelCmd::Execute(AppRequest {
            name: "transfer".into(),
            arg: dest.to_owned(),
            event_uuid: None,
            loops: 1,
        }));
    }
    "+OK\n".into()
}

/// `uuid_record <uuid> start|stop <path|all> [limit_secs]`: records what the far end says,
/// in the background, without disturbing the running application.
pub async fn uuid_record(core: &Arc<Core>, args: &str) -> String {
    let a: Vec<&str> = args.split_whitespace().collect();
    let (Some(uuid), Some(action), Some(path)) = (a.first(), a.get(1), a.get(2)) else {
        return "-USAGE: <uuid> [start|stop] <path> [<limit>]\n".into();
    };
    let Some(ch) = core.channel_str(uuid) else {
        return "-ERR No such channel!\n".into();
    };
    match *action {
        "start" => {
            let path = apps::record::resolve_path(&ch, path);
            if let Some(dir) = path.parent()
                && let Err(e) = std::fs::create_dir_all(dir)
            {
                return format!("-ERR cannot create {}: {e}\n", dir.display());
            }
            let Some(recorder) = ch.media.lock().await.as_ref().map(|m| m.recorder()) else {
                return "-ERR the channel has no media\n".into();
            };
            let limits = apps::record::limits(&["", a.get(3).copied().unwrap_or("0")]);
            let stop = ch.hangup_token.child_token();
            ch.recordings
                .lock()
                .insert(path.display().to_string(), stop.clone());
            let file = path.display().to_string();
            let ch2 = ch.clone();
            tokio::spawn(async move {
                ch2.emit("RECORD_START", &[("Record-File-Path", file.clone())]);
                let outcome = recorder.record(path, limits, stop).await;
                ch2.recordings.lock().remove(&file);
                let (cause, ms) = match outcome {
                    Ok(o) => (
                        o.reason.as_str().to_owned(),
                        o.duration.as_millis().to_string(),
                    ),
                    Err(e) => (e, "0".into()),
                };
                ch2.emit(
                    "RECORD_STOP",
                    &[
                        ("Record-File-Path", file),
                        ("Record-Completion-Cause", cause),
                        ("Record-Milliseconds", ms),
                    ],
                );
            });
            "+OK Success\n".into()
        }
        "stop" => {
            let mut recs = ch.recordings.lock();
            let keys: Vec<String> = if *path == "all" {
                recs.keys().cloned().collect()
            } else {
                vec![apps::record::resolve_path(&ch, path).display().to_string()]
            };
            let mut stopped = 0;
            for k in keys {
                if let Some(t) = recs.remove(&k) {
                    t.cancel();
                    stopped += 1;
                }
            }
            if stopped == 0 {
                "-ERR no such recording\n".into()
            } else {
                "+OK Success\n".into()
            }
        }
        other => format!("-ERR unknown action `{other}` (start or stop)\n"),
    }
}
