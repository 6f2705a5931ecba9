//! `sleep <ms>`: waits, keeping the call up (media keeps flowing).

use std::time::Duration;

use super::AppResult;
use crate::channel::handle::ChannelHandle;

/// Sleeps `arg` milliseconds, or until hangup / `uuid_break`.
pub async fn run(ch: &ChannelHandle, arg: &str) -> AppResult {
    let ms: u64 = arg
        .trim()
        .parse()
        .map_err(|_| format!("sleep takes milliseconds, not `{arg}`"))?;
    let stop = ch.break_token();
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(ms)) => Ok(String::new()),
        _ = stop.cancelled() => Ok(String::new()),
    }
}
