//! Applications, with FreeSWITCH's names and arguments, one per file. The common lifecycle
//! (CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE, loops, stopping on hangup or `uuid_break`)
//! lives in the channel task; an application only does its work and returns its
//! `Application-Response`.

pub mod answer;
pub mod bridge;
pub mod dtmf;
pub mod hangup;
pub mod park;
pub mod play_and_get_digits;
pub mod playback;
pub mod record;
pub mod send_dtmf;
pub mod set;
pub mod sleep;
pub mod speak;
pub mod transfer;

use crate::channel::handle::ChannelHandle;

/// What an application returns: its response text, or why it failed.
pub type AppResult = Result<String, String>;

/// Runs application `name` with `arg` on `ch`.
pub async fn run(ch: &ChannelHandle, name: &str, arg: &str) -> AppResult {
    match name {
        "answer" => answer::answer(ch).await,
        "pre_answer" => answer::pre_answer(ch).await,
        "ring_ready" => answer::ring_ready(ch),
        "hangup" => hangup::run(ch, arg).await,
        "sleep" => sleep::run(ch, arg).await,
        "set" => set::set(ch, arg),
        "export" => set::export(ch, arg),
        "unset" => set::unset(ch, arg),
        "multiset" => set::multiset(ch, arg),
        "park" => park::run(ch).await,
        "playback" => playback::run(ch, arg).await,
        "speak" => speak::run(ch, arg).await,
        "play_and_get_digits" => play_and_get_digits::run(ch, arg).await,
        "record" => record::run(ch, arg).await,
        "send_dtmf" => send_dtmf::run(ch, arg).await,
        "bridge" => bridge::run(ch, arg).await,
        "transfer" => transfer::run(ch, arg).await,
        "log" => {
            tracing::info!(uuid = %ch.uuid, "{arg}");
            Ok(String::new())
        }
        other => Err(format!(
            "application `{other}` is not available on this switch"
        )),
    }
}
