//! `send_dtmf <digits>[@<duration_ms>]`: sends RFC 4733 telephone events to the peer.

use super::AppResult;
use crate::channel::handle::ChannelHandle;

/// Sends the digits (`w` waits 500 ms, `W` one second, as in FreeSWITCH).
pub async fn run(ch: &ChannelHandle, arg: &str) -> AppResult {
    let (digits, duration) = match arg.trim().split_once('@') {
        Some((d, ms)) => (
            d,
            ms.parse::<u32>()
                .map_err(|_| format!("bad duration `{ms}`"))?,
        ),
        None => (arg.trim(), 100),
    };
    let Some(sender) = ch.media.lock().await.as_ref().map(|m| m.dtmf_sender()) else {
        return Err("the channel has no media".into());
    };
    for d in digits.chars() {
        match d {
            'w' => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
            'W' => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
            d if d.is_ascii_digit() || matches!(d.to_ascii_uppercase(), '*' | '#' | 'A'..='D') => {
                sender
                    .send(d.to_ascii_uppercase(), duration)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            other => return Err(format!("`{other}` is not a DTMF digit")),
        }
    }
    Ok(String::new())
}
