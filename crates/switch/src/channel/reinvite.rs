//! Mid-call SIP requests: re-INVITE / UPDATE (hold, unhold, a new media address) answered from
//! the channel's media leg, and DTMF sent as SIP INFO.

use rsipstack::sip::Request;

use super::handle::ChannelHandle;
use super::state::CallState;

/// Answers a re-INVITE's offer, updating the media leg (hold when the offer says
/// `sendonly`/`inactive`, resume on `sendrecv`). A re-INVITE without SDP gets our current SDP.
pub async fn answer(ch: &ChannelHandle, request: &Request) -> Result<String, String> {
    let offer = String::from_utf8_lossy(&request.body).into_owned();
    let mut media = ch.media.lock().await;
    let Some(leg) = media.as_mut() else {
        return Err("no media on this channel".into());
    };
    if offer.trim().is_empty() {
        return Ok(leg.local_sdp());
    }
    let (sdp, held) = leg.reoffer(&offer).map_err(|e| e.to_string())?;
    drop(media);
    let was_held = ch.data.read().call_state == CallState::Held;
    if held != was_held {
        ch.data.write().call_state = if held {
            CallState::Held
        } else {
            CallState::Active
        };
        ch.emit(
            if held {
                "CHANNEL_HOLD"
            } else {
                "CHANNEL_UNHOLD"
            },
            &[],
        );
    }
    Ok(sdp)
}

/// DTMF carried in SIP INFO (`application/dtmf-relay`: `Signal=5`, `Duration=160`).
pub fn on_info(ch: &ChannelHandle, request: &Request) {
    let body = String::from_utf8_lossy(&request.body);
    let mut digit = None;
    let mut duration = 100u32;
    for line in body.lines() {
        if let Some((k, v)) = line.split_once('=') {
            match k.trim().to_ascii_lowercase().as_str() {
                "signal" => digit = v.trim().chars().next(),
                "duration" => duration = v.trim().parse().unwrap_or(100),
                _ => {}
            }
        }
    }
    if let Some(d) = digit.filter(|d| d.is_ascii_digit() || matches!(d, '*' | '#' | 'A'..='D')) {
        crate::apps::dtmf::deliver(ch, d, duration);
    }
}
