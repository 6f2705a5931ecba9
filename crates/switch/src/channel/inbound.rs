//! Calls that arrive: an INVITE becomes a channel that is parked (CHANNEL_CREATE, then
//! CHANNEL_PARK) until a controller tells it what to do over the Event Socket.

use std::net::SocketAddr;
use std::sync::Arc;

use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::HeadersExt;
use uuid::Uuid;

use super::data::{CallerProfile, ChannelData};
use super::handle::{Channel, SipLeg};
use super::state::{ChannelState, Direction};
use crate::core::Core;

/// Creates the channel for a new inbound call and starts its task.
pub fn start(core: &Arc<Core>, dialog: InviteDialog, source: Option<SocketAddr>) {
    let request = dialog.initial_request();
    let from = request.from_header().ok();
    let from_uri = from.and_then(|f| f.uri().ok());
    let caller_number = from_uri
        .as_ref()
        .and_then(|u| u.auth.as_ref().map(|a| a.user.clone()))
        .unwrap_or_default();
    let caller_name = from
        .and_then(|f| rsipstack::sip::ToTypedHeader::typed(f).ok())
        .and_then(|f| f.display_name)
        .map(|n| n.trim_matches('"').to_owned())
        .unwrap_or_else(|| caller_number.clone());
    let destination = request
        .uri
        .auth
        .as_ref()
        .map(|a| a.user.clone())
        .unwrap_or_default();
    let source_text = source.map(|s| s.ip().to_string()).unwrap_or_default();
    let host = request.uri.host_with_port.to_string();
    let caller = CallerProfile {
        caller_id_name: caller_name,
        caller_id_number: caller_number.clone(),
        callee_id_name: String::new(),
        callee_id_number: destination.clone(),
        destination_number: destination.clone(),
        network_addr: source_text.clone(),
        username: caller_number.clone(),
    };
    let uuid = Uuid::new_v4();
    let name = format!("sofia/internal/{caller_number}@{host}");
    let mut data = ChannelData::new(uuid, name, Direction::Inbound, caller);
    let call_id = request
        .call_id_header()
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    for (k, v) in [
        ("sip_call_id", call_id.clone()),
        ("sip_from_user", data.caller.caller_id_number.clone()),
        ("sip_to_user", destination.clone()),
        ("sip_req_user", destination),
        ("sip_network_ip", source_text),
        (
            "sip_network_port",
            source.map(|s| s.port().to_string()).unwrap_or_default(),
        ),
        (
            "sip_user_agent",
            request
                .user_agent_header()
                .map(|u| u.value().to_owned())
                .unwrap_or_default(),
        ),
        (
            "switch_r_sdp",
            String::from_utf8_lossy(&request.body).into_owned(),
        ),
    ] {
        if !v.is_empty() {
            data.vars.insert(k.to_owned(), v);
        }
    }
    let (ch, rx) = Channel::new(core.clone(), data, SipLeg::Inbound(dialog));
    core.add_channel(ch.clone(), &call_id);
    ch.emit("CHANNEL_CREATE", &[]);
    ch.set_state(ChannelState::Park);
    ch.emit("CHANNEL_PARK", &[]);
    tokio::spawn(super::task::run(ch, rx));
}
