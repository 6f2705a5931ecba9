//! `park`: the channel waits for a controller, emitting CHANNEL_PARK.

use super::AppResult;
use crate::channel::handle::ChannelHandle;
use crate::channel::state::ChannelState;

/// Parks until hangup or `uuid_break` / a new application.
pub async fn run(ch: &ChannelHandle) -> AppResult {
    ch.set_state(ChannelState::Park);
    ch.emit("CHANNEL_PARK", &[]);
    ch.break_token().cancelled().await;
    Ok(String::new())
}
