//! `playback <file>`: plays a WAV file (any common rate; resampled), an http(s) URL (fetched
//! and cached), `silence_stream://<ms>` or `tone_stream://…`. Several files can be joined
//! with `!` after a `file_string://` prefix. Digits listed in `playback_terminators` stop it.

use super::AppResult;
use crate::channel::handle::ChannelHandle;
use crate::media::engine::PlayEnd;

/// Plays `arg`; answers with early media first if the call is not answered yet.
pub async fn run(ch: &ChannelHandle, arg: &str) -> AppResult {
    let files: Vec<&str> = match arg.trim().strip_prefix("file_string://") {
        Some(list) => list.split('!').collect(),
        None => vec![arg.trim()],
    };
    if !ch.is_answered() {
        ch.pre_answer().await?;
    }
    let terminators = ch.var("playback_terminators").unwrap_or_default();
    for file in files {
        match play_one(ch, file, &terminators, ch.break_token()).await? {
            PlayEnd::Finished => {}
            PlayEnd::Stopped => return Ok("FILE PLAYED".into()),
        }
    }
    Ok("FILE PLAYED".into())
}

/// Plays one file with PLAYBACK_START / PLAYBACK_STOP around it; stops on a terminator digit
/// or when `stop` is cancelled (pass `ch.break_token()` to stop on `uuid_break` and hangup).
pub async fn play_one(
    ch: &ChannelHandle,
    file: &str,
    terminators: &str,
    stop: tokio_util::sync::CancellationToken,
) -> Result<PlayEnd, String> {
    let source = ch
        .core
        .media
        .source(file)
        .await
        .map_err(|e| format!("cannot play {file}: {e}"))?;
    ch.emit("PLAYBACK_START", &[("Playback-File-Path", file.to_owned())]);
    let media = ch.media.lock().await.as_ref().map(|m| m.player());
    let Some(player) = media else {
        return Err("the channel has no media".into());
    };
    let play = player.play(source, stop.clone());
    tokio::pin!(play);
    let end = loop {
        tokio::select! {
            end = &mut play => break end.map_err(|e| e.to_string())?,
            d = ch.dtmf.take_matching(|d| terminators == "any" || terminators.contains(d)), if !terminators.is_empty() => {
                ch.set_var("playback_terminator_used", &d.to_string());
                stop.cancel();
            }
        }
    };
    let status = if end == PlayEnd::Finished {
        "done"
    } else {
        "break"
    };
    ch.emit(
        "PLAYBACK_STOP",
        &[
            ("Playback-File-Path", file.to_owned()),
            ("Playback-Status", status.into()),
        ],
    );
    Ok(end)
}
