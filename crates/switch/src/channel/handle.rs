//! A live channel as the rest of the switch sees it: its data, its SIP leg, its media, and
//! the actions that change its state (answer, pre-answer, hang up) with the events they emit.

use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use rsipstack::dialog::dialog::DialogState;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, StatusCode};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::data::{ChannelData, now_us};
use super::state::{CallState, ChannelState};
use crate::causes::HangupCause;
use crate::core::Core;
use crate::media::engine::MediaLeg;

/// What a channel's task is asked to do.
pub enum ChannelCmd {
    /// Run an application (from `sendmsg … execute`), after those already queued.
    Execute(AppRequest),
    /// Run an application before those already queued (`uuid_broadcast`, `uuid_send_dtmf`).
    ExecuteFirst(AppRequest),
    /// Drop every queued application (`uuid_break all`).
    FlushQueue,
    /// The leg bridged to this one hung up.
    PeerHangup(HangupCause),
    /// Hang up.
    Hangup(HangupCause),
    /// Something happened on the SIP dialog.
    Sip(Box<DialogState>),
}

/// An application to run on a channel.
#[derive(Debug, Clone)]
pub struct AppRequest {
    /// Application name, e.g. `playback`.
    pub name: String,
    /// Its argument string.
    pub arg: String,
    /// `Event-UUID` to stamp on its EXECUTE events (`Application-UUID`).
    pub event_uuid: Option<String>,
    /// How many times to run it.
    pub loops: u32,
}

/// A handle to a live channel; cheap to clone.
pub type ChannelHandle = Arc<Channel>;

/// The SIP side of a channel.
pub enum SipLeg {
    /// A call that arrived: answer, reject or BYE through its server dialog.
    Inbound(InviteDialog),
    /// A call we placed: CANCEL or BYE through its client dialog (once it exists).
    Outbound(Option<InviteDialog>),
    /// No SIP (a failed originate).
    None,
}

/// One call leg.
pub struct Channel {
    /// `Unique-ID`.
    pub uuid: Uuid,
    /// The switch.
    pub core: Arc<Core>,
    /// Data read by events and `uuid_getvar`.
    pub data: RwLock<ChannelData>,
    /// Sends commands to the channel's task.
    pub cmd: mpsc::UnboundedSender<ChannelCmd>,
    /// The SIP leg.
    pub sip: Mutex<SipLeg>,
    /// The media leg, once SDP was exchanged.
    pub media: tokio::sync::Mutex<Option<MediaLeg>>,
    /// Cancelled when the channel hangs up: every application stops.
    pub hangup_token: CancellationToken,
    /// Cancelled when [`Channel::hangup`] has finished (SIP ended, media closed,
    /// CHANNEL_HANGUP out): the channel's task waits for it before writing the record, so the
    /// record carries the cause and CHANNEL_HANGUP_COMPLETE follows CHANNEL_HANGUP.
    pub hangup_done: CancellationToken,
    /// DTMF received and not yet consumed.
    pub dtmf: crate::apps::dtmf::DtmfBuffer,
    /// Background recordings (`uuid_record`) by file path.
    pub recordings: Mutex<std::collections::HashMap<String, CancellationToken>>,
    /// Whether the `bridge` application runs on this channel (it then survives the other
    /// leg's hangup and continues).
    pub bridge_app_running: std::sync::atomic::AtomicBool,
    /// Signalled when the channel's task has seen the outbound dialog confirmed: the SIP
    /// states before it (180/183) have been reported by then.
    pub sip_confirmed: tokio::sync::Notify,
    break_token: Mutex<CancellationToken>,
}

impl Channel {
    /// Creates a channel and its command receiver.
    pub fn new(
        core: Arc<Core>,
        data: ChannelData,
        sip: SipLeg,
    ) -> (ChannelHandle, mpsc::UnboundedReceiver<ChannelCmd>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let hangup_token = CancellationToken::new();
        let break_token = Mutex::new(hangup_token.child_token());
        let ch = Arc::new(Channel {
            uuid: data.uuid,
            core,
            data: RwLock::new(data),
            cmd: tx,
            sip: Mutex::new(sip),
            media: tokio::sync::Mutex::new(None),
            hangup_token,
            hangup_done: CancellationToken::new(),
            dtmf: Default::default(),
            recordings: Mutex::new(std::collections::HashMap::new()),
            bridge_app_running: Default::default(),
            sip_confirmed: tokio::sync::Notify::new(),
            break_token,
        });
        (ch, rx)
    }

    /// Emits a channel event with the channel's current data.
    pub fn emit(&self, name: &str, extra: &[(&str, String)]) {
        let event = self
            .core
            .source
            .channel_event(name, &self.data.read(), extra);
        self.core.emit(event);
    }

    /// Sets a channel variable.
    pub fn set_var(&self, name: &str, value: &str) {
        let mut d = self.data.write();
        if value.is_empty() || value == "_undef_" {
            d.vars.remove(name);
        } else {
            d.vars.insert(name.to_owned(), value.to_owned());
        }
    }

    /// A channel variable.
    pub fn var(&self, name: &str) -> Option<String> {
        self.data.read().var(name)
    }

    /// Moves to `state` (no event; callers emit what FreeSWITCH emits).
    pub fn set_state(&self, state: ChannelState) {
        self.data.write().state = state;
    }

    /// Whether the channel is hanging up or gone.
    pub fn is_hungup(&self) -> bool {
        self.hangup_token.is_cancelled()
    }

    /// Whether the call was answered.
    pub fn is_answered(&self) -> bool {
        self.data.read().times.answered > 0
    }

    /// A token cancelled by `uuid_break` or hangup, for the application running now.
    pub fn break_token(&self) -> CancellationToken {
        self.break_token.lock().child_token()
    }

    /// Interrupts the application running now (`uuid_break`); the channel lives on.
    pub fn break_current(&self) {
        let mut t = self.break_token.lock();
        t.cancel();
        *t = self.hangup_token.child_token();
    }

    /// Sends 180 Ringing (inbound, before answer).
    pub fn ring_ready(&self) -> Result<(), String> {
        if self.is_answered() || self.is_hungup() {
            return Ok(());
        }
        if let SipLeg::Inbound(d) = &*self.sip.lock() {
            d.ringing(None, None).map_err(|e| e.to_string())?;
        }
        let first = {
            let mut data = self.data.write();
            let first = data.times.progress == 0;
            if first {
                data.times.progress = now_us();
            }
            data.call_state = CallState::Ringing;
            first
        };
        if first {
            self.emit("CHANNEL_PROGRESS", &[]);
        }
        Ok(())
    }

    /// Sends 183 with SDP (early media), setting up media first.
    pub async fn pre_answer(&self) -> Result<(), String> {
        if self.is_answered() || self.data.read().times.progress_media > 0 {
            return Ok(());
        }
        let sdp = self.local_answer_sdp().await?;
        if let SipLeg::Inbound(d) = &*self.sip.lock() {
            d.ringing(
                Some(vec![Header::ContentType("application/sdp".into())]),
                Some(sdp.into_bytes()),
            )
            .map_err(|e| e.to_string())?;
        }
        {
            let mut data = self.data.write();
            data.times.progress_media = now_us();
            data.call_state = CallState::Early;
        }
        self.emit("CHANNEL_PROGRESS_MEDIA", &[]);
        Ok(())
    }

    /// Answers an inbound call (200 OK with SDP), setting up media first.
    pub async fn answer(&self) -> Result<(), String> {
        if self.is_answered() {
            return Ok(());
        }
        if self.is_hungup() {
            return Err("the channel is hanging up".into());
        }
        let sdp = self.local_answer_sdp().await?;
        if let SipLeg::Inbound(d) = &*self.sip.lock() {
            d.accept(
                Some(vec![Header::ContentType("application/sdp".into())]),
                Some(sdp.into_bytes()),
            )
            .map_err(|e| e.to_string())?;
        }
        self.mark_answered();
        Ok(())
    }

    /// Records the answer and emits CHANNEL_ANSWER.
    pub fn mark_answered(&self) {
        {
            let mut data = self.data.write();
            if data.times.answered > 0 {
                return;
            }
            data.times.answered = now_us();
            data.call_state = CallState::Active;
        }
        self.emit("CHANNEL_ANSWER", &[]);
    }

    async fn local_answer_sdp(&self) -> Result<String, String> {
        let offer = match &*self.sip.lock() {
            SipLeg::Inbound(d) => String::from_utf8_lossy(&d.initial_request().body).into_owned(),
            _ => return Err("only inbound calls are answered with an SDP answer".into()),
        };
        let mut media = self.media.lock().await;
        if let Some(m) = media.as_ref() {
            return Ok(m.local_sdp());
        }
        let mut leg = self
            .core
            .media
            .answer(&offer)
            .await
            .map_err(|e| e.to_string())?;
        self.follow_media_events(&mut leg);
        if let Some(codec) = leg.codec() {
            self.set_var("read_codec", codec);
            self.set_var("write_codec", codec);
        }
        self.set_var("local_media_ip", &leg.local_addr().ip().to_string());
        self.set_var("local_media_port", &leg.local_addr().port().to_string());
        let sdp = leg.local_sdp();
        *media = Some(leg);
        Ok(sdp)
    }

    /// Forwards what the media leg hears (DTMF) to this channel's events and digit buffer.
    pub fn follow_media_events(&self, leg: &mut MediaLeg) {
        let Some(mut events) = leg.take_events() else {
            return;
        };
        let (core, uuid) = (self.core.clone(), self.uuid);
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                let Some(ch) = core.channel(uuid) else { break };
                match event {
                    crate::media::session::MediaEvent::Dtmf(d) => {
                        crate::apps::dtmf::deliver(&ch, d.digit, d.duration_ms)
                    }
                }
            }
        });
    }

    /// Hangs up with `cause`: ends the SIP side (reject, CANCEL or BYE), stops media, emits
    /// CHANNEL_HANGUP. Idempotent; the channel's task then finishes the record.
    pub async fn hangup(&self, cause: HangupCause, disposition: Option<&str>) {
        if self.hangup_token.is_cancelled() {
            return;
        }
        // Fires `hangup_done` however this ends, even if the caller's future is dropped.
        let _done = self.hangup_done.clone().drop_guard();
        // Read the bridge before cancelling: the bridge unwinds as soon as the token fires.
        let bridged_to = {
            let mut d = self.data.write();
            d.hangup_cause = Some(cause);
            d.bridged_to
        };
        self.hangup_token.cancel();
        let answered = self.is_answered();
        let leg = std::mem::replace(&mut *self.sip.lock(), SipLeg::None);
        let disposition = match disposition {
            Some(d) => d.to_owned(),
            None => {
                let status = cause.to_sip_status();
                match (&leg, answered) {
                    (SipLeg::Inbound(d), false) => {
                        let code = StatusCode::from(status);
                        let _ = d.reject(
                            Some(code),
                            Some(format!("Q.850;cause={};text=\"{cause}\"", cause.q850())),
                        );
                        self.set_var("sip_term_status", &status.to_string());
                        "send_refuse".to_owned()
                    }
                    (SipLeg::Inbound(d), true) | (SipLeg::Outbound(Some(d)), true) => {
                        let _ = d.bye().await;
                        "send_bye".to_owned()
                    }
                    (SipLeg::Outbound(Some(d)), false) => {
                        let _ = d.cancel().await;
                        "send_cancel".to_owned()
                    }
                    _ => "send_refuse".to_owned(),
                }
            }
        };
        self.set_var("sip_hangup_disposition", &disposition);
        {
            let mut d = self.data.write();
            d.times.hangup = now_us();
            d.state = ChannelState::Hangup;
            d.call_state = CallState::Hangup;
            d.hangup_cause = Some(cause);
            d.vars.insert("hangup_cause".into(), cause.to_string());
        }
        if let Some(m) = self.media.lock().await.take() {
            m.close().await;
        }
        self.emit("CHANNEL_HANGUP", &[]);
        if let Some(other) = bridged_to.and_then(|u| self.core.channel(u)) {
            let _ = other.cmd.send(ChannelCmd::PeerHangup(cause));
        }
    }
}
