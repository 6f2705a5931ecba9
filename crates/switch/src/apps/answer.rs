//! `answer`, `pre_answer` and `ring_ready`.

use super::AppResult;
use crate::channel::handle::ChannelHandle;

/// Answers the call (200 OK with SDP).
pub async fn answer(ch: &ChannelHandle) -> AppResult {
    ch.answer().await.map(|_| String::new())
}

/// Early media (183 with SDP).
pub async fn pre_answer(ch: &ChannelHandle) -> AppResult {
    ch.pre_answer().await.map(|_| String::new())
}

/// Ringing (180).
pub fn ring_ready(ch: &ChannelHandle) -> AppResult {
    ch.ring_ready().map(|_| String::new())
}
