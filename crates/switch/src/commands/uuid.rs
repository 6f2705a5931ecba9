//! The `uuid_*` family: act on one live channel by its uuid.

use std::sync::Arc;

use super::split_args;
use crate::causes::HangupCause;
use crate::channel::handle::{AppRequest, ChannelCmd, ChannelHandle};
use crate::core::Core;

fn find(core: &Core, uuid: &str) -> Result<ChannelHandle, String> {
    core.channel_str(uuid)
        .ok_or_else(|| "-ERR No such channel!\n".to_owned())
}

macro_rules! try_ch {
    ($core:expr, $uuid:expr) => {
        match find($core, $uuid) {
            Ok(c) => c,
            Err(e) => return e,
        }
    };
}

/// `uuid_kill <uuid> [cause]`.
pub async fn kill(core: &Arc<Core>, args: &str) -> String {
    let a = split_args(args, 2);
    let Some(uuid) = a.first() else {
        return "-USAGE: <uuid> [cause]\n".into();
    };
    let ch = try_ch!(core, uuid);
    let cause = match a.get(1) {
        Some(c) => match c.parse::<HangupCause>() {
            Ok(c) => c,
            Err(e) => return format!("-ERR {e}\n"),
        },
        None => HangupCause::NormalClearing,
    };
    let _ = ch.cmd.send(ChannelCmd::Hangup(cause));
    "+OK\n".into()
}

/// `uuid_exists <uuid>`: `true` or `false`.
pub fn exists(core: &Core, args: &str) -> String {
    core.channel_str(args).is_some().to_string()
}

/// `uuid_getvar <uuid> <name>`: the value, or `_undef_`.
pub fn getvar(core: &Core, args: &str) -> String {
    let a = split_args(args, 2);
    let (Some(uuid), Some(name)) = (a.first(), a.get(1)) else {
        return "-USAGE: <uuid> <var>\n".into();
    };
    let ch = try_ch!(core, uuid);
    ch.var(name).unwrap_or_else(|| "_undef_".into())
}

/// `uuid_setvar <uuid> <name> [value]` (no value unsets).
pub fn setvar(core: &Core, args: &str) -> String {
    let a = split_args(args, 3);
    let (Some(uuid), Some(name)) = (a.first(), a.get(1)) else {
        return "-USAGE: <uuid> <var> [value]\n".into();
    };
    let ch = try_ch!(core, uuid);
    ch.set_var(name, a.get(2).copied().unwrap_or(""));
    "+OK\n".into()
}

/// `uuid_setvar_multi <uuid> a=1;b=2`.
pub fn setvar_multi(core: &Core, args: &str) -> String {
    let a = split_args(args, 2);
    let (Some(uuid), Some(list)) = (a.first(), a.get(1)) else {
        return "-USAGE: <uuid> <var>=<value>;…\n".into();
    };
    let ch = try_ch!(core, uuid);
    for item in list.split(';') {
        if let Some((k, v)) = item.split_once('=') {
            ch.set_var(k.trim(), v);
        }
    }
    "+OK\n".into()
}

/// `uuid_answer <uuid>`.
pub async fn answer(core: &Core, args: &str) -> String {
    let ch = try_ch!(core, args);
    match ch.answer().await {
        Ok(()) => "+OK\n".into(),
        Err(e) => format!("-ERR {e}\n"),
    }
}

/// `uuid_pre_answer <uuid>`.
pub async fn pre_answer(core: &Core, args: &str) -> String {
    let ch = try_ch!(core, args);
    match ch.pre_answer().await {
        Ok(()) => "+OK\n".into(),
        Err(e) => format!("-ERR {e}\n"),
    }
}

/// `uuid_break <uuid> [all]`: stops the running application (with `all`, also the queued).
pub fn break_(core: &Core, args: &str) -> String {
    let a = split_args(args, 2);
    let Some(uuid) = a.first() else {
        return "-USAGE: <uuid> [all]\n".into();
    };
    let ch = try_ch!(core, uuid);
    if a.get(1) == Some(&"all") {
        let _ = ch.cmd.send(ChannelCmd::FlushQueue);
    }
    ch.break_current();
    "+OK\n".into()
}

/// `uuid_park <uuid>`.
pub fn park(core: &Core, args: &str) -> String {
    let ch = try_ch!(core, args);
    let _ = ch.cmd.send(ChannelCmd::FlushQueue);
    ch.break_current();
    let _ = ch.cmd.send(ChannelCmd::Execute(AppRequest {
        name: "park".into(),
        arg: String::new(),
        event_uuid: None,
        loops: 1,
    }));
    "+OK\n".into()
}

/// `uuid_broadcast <uuid> <path> [aleg|bleg|both]`: plays `path` (or runs `app::args`).
pub fn broadcast(core: &Core, args: &str) -> String {
    let a = split_args(args, 3);
    let (Some(uuid), Some(what)) = (a.first(), a.get(1)) else {
        return "-USAGE: <uuid> <path> [aleg|bleg|both]\n".into();
    };
    let ch = try_ch!(core, uuid);
    let (name, arg) = match what.split_once("::") {
        Some((app, arg)) => (app.to_owned(), arg.to_owned()),
        None => ("playback".to_owned(), (*what).to_owned()),
    };
    let legs = a.get(2).copied().unwrap_or("aleg");
    let mut targets = Vec::new();
    if legs == "aleg" || legs == "both" {
        targets.push(ch.clone());
    }
    if (legs == "bleg" || legs == "both")
        && let Some(other) = ch.data.read().bridged_to.and_then(|u| core.channel(u))
    {
        targets.push(other);
    }
    for t in targets {
        t.break_current();
        let _ = t.cmd.send(ChannelCmd::ExecuteFirst(AppRequest {
            name: name.clone(),
            arg: arg.clone(),
            event_uuid: None,
            loops: 1,
        }));
    }
    "+OK Message sent\n".into()
}

/// `uuid_send_dtmf <uuid> <digits>`.
pub fn send_dtmf(core: &Core, args: &str) -> String {
    let a = split_args(args, 2);
    let (Some(uuid), Some(digits)) = (a.first(), a.get(1)) else {
        return "-USAGE: <uuid> <digits>\n".into();
    };
    let ch = try_ch!(core, uuid);
    let _ = ch.cmd.send(ChannelCmd::ExecuteFirst(AppRequest {
        name: "send_dtmf".into(),
        arg: (*digits).to_owned(),
        event_uuid: None,
        loops: 1,
    }));
    "+OK\n".into()
}

/// `uuid_dump <uuid>`: every header of the channel, `Name: value` per line.
pub fn dump(core: &Core, args: &str) -> String {
    let ch = try_ch!(core, args.split_whitespace().next().unwrap_or(""));
    let e = core
        .source
        .channel_event("CHANNEL_DATA", &ch.data.read(), &[]);
    e.headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect()
}

/// `hupall [cause]`: hangs up every channel.
pub async fn hupall(core: &Arc<Core>, args: &str) -> String {
    let cause = args
        .split_whitespace()
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or(HangupCause::ManagerRequest);
    for ch in core.channels() {
        let _ = ch.cmd.send(ChannelCmd::Hangup(cause));
    }
    "+OK\n".into()
}
