//! `hangup [cause]`.

use super::AppResult;
use crate::causes::HangupCause;
use crate::channel::handle::ChannelHandle;

/// Hangs up with the given cause (default `NORMAL_CLEARING`).
pub async fn run(ch: &ChannelHandle, arg: &str) -> AppResult {
    let cause = if arg.trim().is_empty() {
        HangupCause::NormalClearing
    } else {
        arg.parse()
            .map_err(|e: crate::causes::UnknownCause| e.to_string())?
    };
    ch.hangup(cause, None).await;
    Ok(String::new())
}
