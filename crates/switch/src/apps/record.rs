//! `record <path> [time_limit_secs] [silence_threshold] [silence_secs]`: records the caller
//! to a WAV file until the time limit, silence, a terminator digit (`playback_terminators`),
//! `uuid_break` or hangup. Sets `record_seconds` / `record_ms` and emits RECORD_START /
//! RECORD_STOP.

use std::path::PathBuf;
use std::time::Duration;

use super::AppResult;
use crate::channel::handle::ChannelHandle;
use crate::media::engine::RecordLimits;

/// Where a `record` path lands: absolute as given, relative under the recordings dir.
pub fn resolve_path(ch: &ChannelHandle, path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() {
        p
    } else {
        ch.core.config.recordings_dir.join(p)
    }
}

/// Parses the limits from the argument string.
pub fn limits(args: &[&str]) -> RecordLimits {
    let num = |i: usize| args.get(i).and_then(|s| s.parse::<u64>().ok());
    RecordLimits {
        max: num(1)
            .filter(|s| *s > 0)
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(3600)),
        silence_threshold: num(2).map(|t| t as u32).unwrap_or(0),
        silence: num(3).filter(|s| *s > 0).map(Duration::from_secs),
    }
}

/// Records.
pub async fn run(ch: &ChannelHandle, arg: &str) -> AppResult {
    let args: Vec<&str> = arg.split_whitespace().collect();
    let Some(path) = args.first() else {
        return Err(
            "usage: record <path> [time_limit_secs] [silence_thresh] [silence_secs]".into(),
        );
    };
    let path = resolve_path(ch, path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    if !ch.is_answered() {
        ch.answer().await?;
    }
    let limits = limits(&args);
    let terminators = ch.var("playback_terminators").unwrap_or_default();
    let Some(recorder) = ch.media.lock().await.as_ref().map(|m| m.recorder()) else {
        return Err("the channel has no media".into());
    };
    let file = path.display().to_string();
    ch.emit("RECORD_START", &[("Record-File-Path", file.clone())]);
    let stop = ch.break_token();
    let rec = recorder.record(path.clone(), limits, stop.clone());
    tokio::pin!(rec);
    let outcome = loop {
        tokio::select! {
            r = &mut rec => break r.map_err(|e| e.to_string())?,
            d = ch.dtmf.take_matching(|d| terminators == "any" || terminators.contains(d)), if !terminators.is_empty() => {
                ch.set_var("playback_terminator_used", &d.to_string());
                ch.set_var("record_terminator_used", &d.to_string());
                stop.cancel();
            }
        }
    };
    let ms = outcome.duration.as_millis() as u64;
    ch.set_var("record_ms", &ms.to_string());
    ch.set_var("record_seconds", &(ms / 1000).to_string());
    ch.set_var("record_samples", &(ms * 8).to_string());
    ch.set_var("record_completion_cause", outcome.reason.as_str());
    ch.emit(
        "RECORD_STOP",
        &[
            ("Record-File-Path", file),
            (
                "Record-Completion-Cause",
                outcome.reason.as_str().to_owned(),
            ),
            ("Record-Milliseconds", ms.to_string()),
        ],
    );
    Ok(outcome.reason.as_str().to_owned())
}
