//! The task that runs one channel: it queues and runs applications one at a time (as
//! FreeSWITCH's session thread does), reacts to SIP dialog changes and hangup requests, and
//! writes the final record (CHANNEL_HANGUP_COMPLETE, CHANNEL_DESTROY) when the call ends.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;

use rsipstack::dialog::dialog::{DialogState, TerminatedReason};
use tokio::sync::mpsc;

use super::handle::{AppRequest, ChannelCmd, ChannelHandle};
use super::state::ChannelState;
use crate::apps;
use crate::causes::HangupCause;

type Running = Pin<Box<dyn Future<Output = (AppRequest, Result<String, String>)> + Send>>;

/// Runs `ch` until it has hung up and every application has stopped.
pub async fn run(ch: ChannelHandle, mut rx: mpsc::UnboundedReceiver<ChannelCmd>) {
    let mut queue: VecDeque<AppRequest> = VecDeque::new();
    let mut running: Option<Running> = None;
    // Which application runs now: a parked channel (the `park` app) takes new work at once,
    // as FreeSWITCH's park loop does.
    let mut running_name = String::new();
    loop {
        if running.is_none()
            && !ch.is_hungup()
            && let Some(req) = queue.pop_front()
        {
            running_name = req.name.clone();
            running = Some(start_app(ch.clone(), req));
        }
        if ch.hangup_done.is_cancelled() && running.is_none() {
            break;
        }
        tokio::select! {
            _ = ch.hangup_done.cancelled(), if running.is_none() => {}
            cmd = rx.recv() => match cmd {
                Some(ChannelCmd::Execute(req)) => {
                    queue.push_back(req);
                    if running.is_some() && running_name == "park" {
                        ch.break_current();
                    }
                }
                Some(ChannelCmd::ExecuteFirst(req)) => {
                    queue.push_front(req);
                    if running.is_some() && running_name == "park" {
                        ch.break_current();
                    }
                }
                Some(ChannelCmd::FlushQueue) => queue.clear(),
                Some(ChannelCmd::PeerHangup(cause)) => on_peer_hangup(&ch, cause).await,
                Some(ChannelCmd::Hangup(cause)) => ch.hangup(cause, None).await,
                Some(ChannelCmd::Sip(state)) => on_sip(&ch, *state).await,
                None => ch.hangup(HangupCause::Crash, None).await,
            },
            (req, result) = async { running.as_mut().expect("guarded").await }, if running.is_some() => {
                running = None;
                finish_app(&ch, &req, result);
            }
        }
    }
    finish(&ch).await;
}

fn start_app(ch: ChannelHandle, req: AppRequest) -> Running {
    {
        let mut d = ch.data.write();
        if d.state != ChannelState::ExchangeMedia {
            d.state = ChannelState::Execute;
        }
        d.vars
            .insert("current_application".into(), req.name.clone());
        d.vars
            .insert("current_application_data".into(), req.arg.clone());
    }
    ch.emit("CHANNEL_EXECUTE", &app_headers(&req, None));
    Box::pin(async move {
        let mut result = Ok(String::new());
        for _ in 0..req.loops.max(1) {
            result = apps::run(&ch, &req.name, &req.arg).await;
            if result.is_err() || ch.is_hungup() {
                break;
            }
        }
        (req, result)
    })
}

fn finish_app(ch: &ChannelHandle, req: &AppRequest, result: Result<String, String>) {
    let response = match &result {
        Ok(r) if r.is_empty() => "_none_".to_owned(),
        Ok(r) => r.clone(),
        Err(e) => {
            tracing::debug!(uuid = %ch.uuid, app = %req.name, error = %e, "application failed");
            format!("-ERR {e}")
        }
    };
    ch.set_var("last_app", &req.name);
    ch.set_var("last_arg", &req.arg);
    ch.emit(
        "CHANNEL_EXECUTE_COMPLETE",
        &app_headers(req, Some(response)),
    );
}

fn app_headers(req: &AppRequest, response: Option<String>) -> Vec<(&'static str, String)> {
    let mut h = vec![
        ("Application", req.name.clone()),
        ("Application-Data", req.arg.clone()),
    ];
    if let Some(r) = response {
        h.push(("Application-Response", r));
    }
    h.push((
        "Application-UUID",
        req.event_uuid.clone().unwrap_or_default(),
    ));
    h
}

async fn on_sip(ch: &ChannelHandle, state: DialogState) {
    match state {
        DialogState::Terminated(_, reason) => {
            let status = match &reason {
                TerminatedReason::UacBusy | TerminatedReason::UasBusy => Some(486),
                TerminatedReason::UasDecline => Some(603),
                TerminatedReason::ProxyAuthRequired => Some(407),
                TerminatedReason::ProxyError(c)
                | TerminatedReason::UacOther(c)
                | TerminatedReason::UasOther(c) => Some(c.code()),
                _ => None,
            };
            if let Some(code) = status
                && ch.var("sip_term_status").is_none()
            {
                ch.set_var("sip_term_status", &code.to_string());
            }
            let (cause, disposition) = match reason {
                TerminatedReason::UacBye | TerminatedReason::UasBye => {
                    (HangupCause::NormalClearing, "recv_bye")
                }
                TerminatedReason::UacCancel => (HangupCause::OriginatorCancel, "recv_cancel"),
                TerminatedReason::Timeout => (HangupCause::RecoveryOnTimerExpire, "recv_timeout"),
                TerminatedReason::UacBusy | TerminatedReason::UasBusy => {
                    (HangupCause::UserBusy, "recv_refuse")
                }
                TerminatedReason::UasDecline => (HangupCause::CallRejected, "send_refuse"),
                TerminatedReason::ProxyAuthRequired => (HangupCause::CallRejected, "recv_refuse"),
                TerminatedReason::ProxyError(code)
                | TerminatedReason::UacOther(code)
                | TerminatedReason::UasOther(code) => {
                    (HangupCause::from_sip_status(code.code()), "recv_refuse")
                }
            };
            if !ch.is_hungup() {
                ch.hangup(cause, Some(disposition)).await;
            }
        }
        DialogState::Updated(_, request, handle) => {
            // A re-INVITE (hold / unhold / new media address) or UPDATE.
            let answer = crate::channel::reinvite::answer(ch, &request).await;
            match answer {
                Ok(sdp) => {
                    let headers = vec![rsipstack::sip::Header::ContentType(
                        "application/sdp".into(),
                    )];
                    let _ = handle
                        .respond(
                            rsipstack::sip::StatusCode::OK,
                            Some(headers),
                            Some(sdp.into_bytes()),
                        )
                        .await;
                }
                Err(_) => {
                    let _ = handle
                        .reply(rsipstack::sip::StatusCode::NotAcceptableHere)
                        .await;
                }
            }
        }
        DialogState::Early(_, response)
            if ch.data.read().direction == super::state::Direction::Outbound =>
        {
            on_early(ch, &response).await;
        }
        DialogState::Confirmed(..)
            if ch.data.read().direction == super::state::Direction::Outbound =>
        {
            ch.sip_confirmed.notify_one();
        }
        DialogState::Info(_, request, handle) => {
            crate::channel::reinvite::on_info(ch, &request);
            let _ = handle.reply(rsipstack::sip::StatusCode::OK).await;
        }
        DialogState::Options(_, _, handle) => {
            let _ = handle.reply(rsipstack::sip::StatusCode::OK).await;
        }
        DialogState::Notify(_, _, handle)
        | DialogState::Message(_, _, handle)
        | DialogState::Refer(_, _, handle) => {
            let _ = handle
                .reply(rsipstack::sip::StatusCode::NotImplemented)
                .await;
        }
        DialogState::Publish(_, _, handle) => {
            let _ = handle
                .reply(rsipstack::sip::StatusCode::NotImplemented)
                .await;
        }
        _ => {}
    }
}

/// The bridged leg hung up: a channel running `bridge` goes on with its next application
/// (the bridge app sees the hangup itself); any other leg hangs up too, unless
/// `park_after_bridge` is set.
async fn on_peer_hangup(ch: &ChannelHandle, cause: HangupCause) {
    if ch
        .bridge_app_running
        .load(std::sync::atomic::Ordering::SeqCst)
        || ch.is_hungup()
    {
        return;
    }
    if ch.var("park_after_bridge").as_deref() == Some("true") {
        ch.break_current();
        let _ = ch.cmd.send(ChannelCmd::Execute(AppRequest {
            name: "park".into(),
            arg: String::new(),
            event_uuid: None,
            loops: 1,
        }));
        return;
    }
    ch.hangup(cause, None).await;
}

/// 180 / 183 on a call we placed: CHANNEL_PROGRESS, or CHANNEL_PROGRESS_MEDIA with the
/// early-media SDP applied.
async fn on_early(ch: &ChannelHandle, response: &rsipstack::sip::Response) {
    use super::data::now_us;
    use super::state::CallState;
    if ch.data.read().times.answered > 0 {
        // A provisional response handled after the answer says nothing new.
        return;
    }
    let with_media = !response.body.is_empty();
    if with_media {
        if ch.data.read().times.progress_media > 0 {
            return;
        }
        let sdp = String::from_utf8_lossy(&response.body).into_owned();
        if let Some(m) = ch.media.lock().await.as_mut()
            && let Err(e) = m.apply_answer(&sdp)
        {
            tracing::debug!(error = %e, "unusable early-media SDP");
        }
        {
            let mut d = ch.data.write();
            d.times.progress_media = now_us();
            d.call_state = CallState::Early;
        }
        ch.emit("CHANNEL_PROGRESS_MEDIA", &[]);
    } else {
        {
            let mut d = ch.data.write();
            if d.times.progress > 0 {
                return;
            }
            d.times.progress = now_us();
            d.call_state = CallState::Ringing;
        }
        ch.emit("CHANNEL_PROGRESS", &[]);
    }
}

async fn finish(ch: &ChannelHandle) {
    let cause = ch
        .data
        .read()
        .hangup_cause
        .unwrap_or(HangupCause::NormalClearing);
    {
        let mut d = ch.data.write();
        d.finalize(cause);
        d.state = ChannelState::Reporting;
    }
    ch.emit("CHANNEL_HANGUP_COMPLETE", &[]);
    ch.set_state(ChannelState::Destroy);
    ch.emit("CHANNEL_DESTROY", &[]);
    ch.core.remove_channel(ch.uuid);
}
