//! Calls the switch places (`originate`, `bridge` to a dial string): one outbound channel per
//! leg, with the INVITE carrying our SDP offer, digest authentication toward carriers
//! (`sip_auth_username` / `sip_auth_password`), a ring timeout (`call_timeout`,
//! `originate_timeout`, `leg_timeout`), and SIP failures mapped to hangup causes.

use std::sync::Arc;
use std::time::Duration;

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::sip::{Header, HostWithPort, Transport, Uri};
use rsipstack::transport::SipAddr;
use uuid::Uuid;

use super::data::{CallerProfile, ChannelData};
use super::handle::{Channel, ChannelCmd, ChannelHandle, SipLeg};
use super::state::{CallState, Direction};
use crate::causes::HangupCause;
use crate::core::Core;
use crate::sip::dialstring::{self, Leg, SipTransport, Target};

/// Default ring time when no timeout variable is set (FreeSWITCH's is 60 s).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Longest wait for the channel's task to catch up with the SIP states before the answer.
const CONFIRM_WAIT: Duration = Duration::from_millis(500);

/// How long a TCP or TLS connection to a callee may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Places one leg and waits until it is answered (returning the channel) or fails (returning
/// the cause; the failed channel still reports its CHANNEL_HANGUP_COMPLETE).
pub async fn originate(
    core: &Arc<Core>,
    leg: &Leg,
    vars: &[(String, String)],
) -> Result<ChannelHandle, HangupCause> {
    let mut all: Vec<(String, String)> = vars.to_vec();
    all.extend(leg.vars.iter().cloned());
    let get = |k: &str| {
        all.iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
    };

    let uuid = match get("origination_uuid") {
        Some(u) => u
            .parse::<Uuid>()
            .map_err(|_| HangupCause::InvalidNumberFormat)?,
        None => Uuid::new_v4(),
    };
    if core.channel(uuid).is_some() {
        return Err(HangupCause::LoseRace);
    }
    let (callee, destination, dest_user) = match resolve(core, &leg.target) {
        Ok(t) => t,
        Err(cause) => return Err(cause),
    };
    let cid_number = get("origination_caller_id_number").unwrap_or_else(|| "0000000000".into());
    let cid_name = get("origination_caller_id_name").unwrap_or_else(|| cid_number.clone());
    let timeout = ["leg_timeout", "originate_timeout", "call_timeout"]
        .iter()
        .find_map(|k| get(k).and_then(|v| v.parse::<u64>().ok()))
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT);

    let caller = CallerProfile {
        caller_id_name: cid_name.clone(),
        caller_id_number: cid_number.clone(),
        callee_id_name: "Outbound Call".into(),
        callee_id_number: dest_user.clone(),
        destination_number: dest_user.clone(),
        network_addr: destination
            .as_ref()
            .map(|d| d.addr.host.to_string())
            .unwrap_or_default(),
        username: String::new(),
    };
    let name = format!(
        "sofia/external/{}",
        callee.to_string().trim_start_matches("sip:")
    );
    let mut data = ChannelData::new(uuid, name, Direction::Outbound, caller);
    for (k, v) in &all {
        if !k.starts_with("sip_auth_password") {
            data.vars.insert(k.clone(), v.clone());
        }
    }
    data.vars
        .insert("sip_destination_url".into(), callee.to_string());
    let call_id = format!("{}@irisx", Uuid::new_v4().simple());
    data.vars.insert("sip_call_id".into(), call_id.clone());
    data.call_state = CallState::Dialing;

    let (ch, rx) = Channel::new(core.clone(), data, SipLeg::Outbound(None));
    core.add_channel(ch.clone(), &call_id);
    ch.emit("CHANNEL_CREATE", &[]);
    ch.emit("CHANNEL_OUTGOING", &[]);
    tokio::spawn(super::task::run(ch.clone(), rx));

    let mut media = match core.media.offer().await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "no media for an outbound call");
            ch.hangup(
                HangupCause::BearerCapabilityNotAvailable,
                Some("send_refuse"),
            )
            .await;
            return Err(HangupCause::BearerCapabilityNotAvailable);
        }
    };
    ch.follow_media_events(&mut media);
    ch.set_var("local_media_ip", &media.local_addr().ip().to_string());
    ch.set_var("local_media_port", &media.local_addr().port().to_string());
    let offer = media.local_sdp();
    *ch.media.lock().await = Some(media);
    if let Some(dest) = &destination
        && let Err(e) = connect_stream(core, dest, timeout).await
    {
        // rsipstack would keep retrying the connection until the INVITE times out; a peer
        // that refuses TCP or fails the TLS handshake is a failed destination now, as in
        // FreeSWITCH (and a carrier failure the orchestrator cranks back from).
        tracing::warn!(error = %e, %callee, "cannot connect to the callee");
        ch.set_var("sip_transport_error", &e);
        ch.hangup(HangupCause::DestinationOutOfOrder, Some("send_refuse"))
            .await;
        return Err(HangupCause::DestinationOutOfOrder);
    }

    let local = core.sip.local_addr;
    let caller_uri =
        Uri::try_from(format!("sip:{cid_number}@{local}").as_str()).unwrap_or_default();
    let credential = get("sip_auth_username").map(|username| Credential {
        username,
        password: get("sip_auth_password").unwrap_or_default(),
        realm: None,
        auth_username: None,
    });
    let mut headers = Vec::new();
    for (k, v) in &all {
        if let Some(h) = k.strip_prefix("sip_h_") {
            headers.push(Header::Other(h.into(), v.clone()));
        }
    }
    let option = InviteOption {
        caller_display_name: Some(cid_name),
        caller: caller_uri,
        callee: callee.clone(),
        destination,
        content_type: Some("application/sdp".into()),
        offer: Some(offer.into_bytes()),
        contact: core.sip.contact(Some(&cid_number)),
        credential,
        headers: (!headers.is_empty()).then_some(headers),
        call_id: Some(call_id),
        ..Default::default()
    };
    let (dialog, join) = match core
        .sip
        .dialogs
        .do_invite_async(option, core.sip.state_sender.clone())
    {
        Ok(x) => x,
        Err(e) => {
            tracing::warn!(error = %e, %callee, "cannot send INVITE");
            ch.hangup(HangupCause::DestinationOutOfOrder, Some("send_refuse"))
                .await;
            return Err(HangupCause::DestinationOutOfOrder);
        }
    };
    *ch.sip.lock() = SipLeg::Outbound(Some(dialog.clone()));

    let outcome = tokio::select! {
        r = join => Some(r),
        _ = tokio::time::sleep(timeout) => None,
        _ = ch.hangup_token.cancelled() => {
            // Killed while ringing (uuid_kill, hangup of the other leg).
            let _ = dialog.cancel().await;
            return Err(ch.data.read().hangup_cause.unwrap_or(HangupCause::OriginatorCancel));
        }
    };
    let result = match outcome {
        None => {
            ch.hangup(HangupCause::NoAnswer, None).await;
            return Err(HangupCause::NoAnswer);
        }
        Some(Err(_)) => Err(HangupCause::NormalTemporaryFailure),
        Some(Ok(Err(e))) => {
            tracing::debug!(error = %e, %callee, "INVITE failed");
            Err(HangupCause::DestinationOutOfOrder)
        }
        Some(Ok(Ok((_, Some(resp))))) => {
            let code = resp.status_code.code();
            ch.set_var("sip_term_status", &code.to_string());
            if (200..300).contains(&code) {
                Ok(String::from_utf8_lossy(&resp.body).into_owned())
            } else {
                Err(HangupCause::from_sip_status(code))
            }
        }
        Some(Ok(Ok((_, None)))) => Err(HangupCause::RecoveryOnTimerExpire),
    };
    match result {
        Ok(answer_sdp) => {
            // The 200 reached us before the channel's task may have reported a 180/183 that
            // came just ahead of it; the dialog's confirmation follows those through the same
            // path, so once the task has seen it, CHANNEL_PROGRESS is out and the answer can
            // follow in order.
            let _ = tokio::time::timeout(CONFIRM_WAIT, ch.sip_confirmed.notified()).await;
            if let Some(m) = ch.media.lock().await.as_mut()
                && let Err(e) = m.apply_answer(&answer_sdp)
            {
                tracing::warn!(error = %e, "unusable SDP answer");
                drop(e);
            }
            if ch.is_hungup() {
                return Err(ch
                    .data
                    .read()
                    .hangup_cause
                    .unwrap_or(HangupCause::NormalClearing));
            }
            ch.mark_answered();
            Ok(ch)
        }
        Err(cause) => {
            if !ch.is_hungup() {
                ch.hangup(cause, Some("recv_refuse")).await;
            }
            Err(cause)
        }
    }
}

/// Opens (or finds) the TCP or TLS connection to `dest` before the INVITE is sent, so that a
/// refused connection or a failed handshake fails the leg at once. UDP needs nothing.
async fn connect_stream(core: &Arc<Core>, dest: &SipAddr, limit: Duration) -> Result<(), String> {
    if !matches!(dest.r#type, Some(Transport::Tcp | Transport::Tls)) {
        return Ok(());
    }
    let layer = &core.sip.endpoint.transport_layer;
    match tokio::time::timeout(limit.min(CONNECT_TIMEOUT), layer.lookup(dest, None)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "no connection to {dest} within {CONNECT_TIMEOUT:?}"
        )),
    }
}

/// Rings every leg of a group at once; the first to answer wins, the others are cancelled.
pub async fn ring_group(
    core: &Arc<Core>,
    group: &[dialstring::Leg],
    vars: &[(String, String)],
) -> Result<crate::channel::handle::ChannelHandle, crate::causes::HangupCause> {
    if group.len() == 1 {
        return originate(core, &group[0], vars).await;
    }
    let mut set = tokio::task::JoinSet::new();
    for leg in group {
        let (core, leg, mut vars) = (core.clone(), leg.clone(), vars.to_vec());
        // Each leg needs its own uuid; only a single leg may take origination_uuid.
        vars.retain(|(k, _)| k != "origination_uuid");
        set.spawn(async move { originate(&core, &leg, &vars).await });
    }
    let mut last = crate::causes::HangupCause::NoAnswer;
    while let Some(done) = set.join_next().await {
        match done {
            Ok(Ok(winner)) => {
                // Cancel the others: they hang up with LOSE_RACE when they answer or are killed.
                for other in core.channels() {
                    if other.uuid != winner.uuid
                        && !other.is_answered()
                        && other.data.read().direction == crate::channel::state::Direction::Outbound
                    {
                        let _ = other
                            .cmd
                            .send(ChannelCmd::Hangup(crate::causes::HangupCause::LoseRace));
                    }
                }
                set.detach_all();
                return Ok(winner);
            }
            Ok(Err(cause)) => last = cause,
            Err(_) => {}
        }
    }
    Err(last)
}

/// Where to send the INVITE: the request URI, the next hop, and the dialled user.
fn resolve(core: &Core, target: &Target) -> Result<(Uri, Option<SipAddr>, String), HangupCause> {
    match target {
        Target::Error(cause) => Err(*cause),
        Target::User { name } => {
            let binding = core
                .registrar
                .lookup(name)
                .ok_or(HangupCause::UserNotRegistered)?;
            let uri = Uri::try_from(binding.contact.as_str())
                .map_err(|_| HangupCause::InvalidNumberFormat)?;
            let dest = SipAddr::try_from(&uri).ok();
            Ok((uri, dest, name.clone()))
        }
        Target::Sip {
            user,
            host,
            port,
            transport,
        } => {
            let text = target.to_string();
            let uri = Uri::try_from(text.as_str()).map_err(|_| HangupCause::InvalidNumberFormat)?;
            let t = match transport {
                SipTransport::Udp => Transport::Udp,
                SipTransport::Tcp => Transport::Tcp,
                SipTransport::Tls => Transport::Tls,
            };
            let hp = match port {
                Some(p) => format!("{host}:{p}"),
                None => host.clone(),
            };
            let dest = HostWithPort::try_from(hp.as_str())
                .ok()
                .map(|h| SipAddr::new(t, h));
            Ok((uri, dest, user.clone()))
        }
    }
}
