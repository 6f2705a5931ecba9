//! `bridge <dial string>`: places the other leg(s) (`,` rings at once, `|` fails over), and
//! once one answers relays media between the two legs until either hangs up. If the other
//! leg hangs up first this channel continues with its next application; if this channel
//! hangs up, the other leg is hung up. On failure the cause is the application response and
//! `originate_disposition` / `bridge_hangup_cause`.

use std::sync::atomic::Ordering;

use super::AppResult;
use crate::channel::data::now_us;
use crate::channel::handle::ChannelHandle;
use crate::channel::outbound;
use crate::channel::state::ChannelState;
use crate::sip::dialstring;

/// Bridges to `arg`.
pub async fn run(ch: &ChannelHandle, arg: &str) -> AppResult {
    let parsed = dialstring::parse(arg).map_err(|e| e.to_string())?;
    let mut vars = super::set::exported(ch);
    {
        let d = ch.data.read();
        let number = d
            .vars
            .get("effective_caller_id_number")
            .cloned()
            .unwrap_or_else(|| d.caller.caller_id_number.clone());
        let name = d
            .vars
            .get("effective_caller_id_name")
            .cloned()
            .unwrap_or_else(|| d.caller.caller_id_name.clone());
        vars.push(("origination_caller_id_number".into(), number));
        vars.push(("origination_caller_id_name".into(), name));
        if let Some(t) = d.vars.get("call_timeout") {
            vars.push(("call_timeout".into(), t.clone()));
        }
    }
    vars.extend(parsed.vars.iter().cloned());
    let mut last = None;
    let mut other = None;
    for group in &parsed.groups {
        if ch.is_hungup() {
            return Ok("ORIGINATOR_CANCEL".into());
        }
        let attempt = tokio::select! {
            r = outbound::ring_group(&ch.core, group, &vars) => r,
            _ = ch.hangup_token.cancelled() => return Ok("ORIGINATOR_CANCEL".into()),
        };
        match attempt {
            Ok(b) => {
                other = Some(b);
                break;
            }
            Err(cause) => last = Some(cause),
        }
    }
    let Some(b) = other else {
        let cause = last
            .map(|c| c.to_string())
            .unwrap_or_else(|| "DESTINATION_OUT_OF_ORDER".into());
        ch.set_var("originate_disposition", &cause);
        ch.set_var("bridge_hangup_cause", &cause);
        ch.set_var("DIALSTATUS", &cause);
        return Ok(cause);
    };
    if ch.is_hungup() {
        let _ = b.cmd.send(crate::channel::handle::ChannelCmd::Hangup(
            crate::causes::HangupCause::OriginatorCancel,
        ));
        return Ok("ORIGINATOR_CANCEL".into());
    }
    if !ch.is_answered() {
        ch.answer().await?;
    }
    ch.set_var("originate_disposition", "SUCCESS");
    ch.set_var("DIALSTATUS", "SUCCESS");
    ch.set_var("last_bridge_to", &b.uuid.to_string());
    ch.bridge_app_running.store(true, Ordering::SeqCst);
    let result = join(ch, &b).await;
    ch.bridge_app_running.store(false, Ordering::SeqCst);
    if let Some(cause) = b.data.read().hangup_cause {
        ch.set_var("bridge_hangup_cause", &cause.to_string());
        ch.set_var("last_bridge_hangup_cause", &cause.to_string());
    }
    result
}

/// Relays media between `a` and `b` and waits until the bridge ends (either leg hangs up, or
/// `uuid_break` on `a`). Emits CHANNEL_BRIDGE / CHANNEL_UNBRIDGE.
pub async fn join(a: &ChannelHandle, b: &ChannelHandle) -> AppResult {
    let guard = {
        let ma = a.media.lock().await;
        let mb = b.media.lock().await;
        match (ma.as_ref(), mb.as_ref()) {
            (Some(x), Some(y)) => x.bridge(y),
            _ => return Err("both legs need media to be bridged".into()),
        }
    };
    let now = now_us();
    for (x, y) in [(a, b), (b, a)] {
        let mut d = x.data.write();
        d.bridged_to = Some(y.uuid);
        d.times.bridged = now;
        d.state = ChannelState::ExchangeMedia;
        d.vars.insert("bridge_uuid".into(), y.uuid.to_string());
    }
    a.emit(
        "CHANNEL_BRIDGE",
        &[
            ("Bridge-A-Unique-ID", a.uuid.to_string()),
            ("Bridge-B-Unique-ID", b.uuid.to_string()),
        ],
    );
    let stop = a.break_token();
    tokio::select! {
        _ = stop.cancelled() => {}
        _ = b.hangup_token.cancelled() => {}
    }
    drop(guard);
    for x in [a, b] {
        let mut d = x.data.write();
        d.bridged_to = None;
        if d.state == ChannelState::ExchangeMedia {
            d.state = ChannelState::Execute;
        }
    }
    a.emit(
        "CHANNEL_UNBRIDGE",
        &[
            ("Bridge-A-Unique-ID", a.uuid.to_string()),
            ("Bridge-B-Unique-ID", b.uuid.to_string()),
        ],
    );
    Ok(String::new())
}
