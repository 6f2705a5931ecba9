//! `speak <engine>|<voice>|<text>`: renders the text with a local TTS engine (espeak-ng, or
//! flite) into the cache and plays it. The rendering is cached by (engine, voice, text).

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::AppResult;
use crate::channel::handle::ChannelHandle;

/// Renders `text` with `engine` / `voice`, returning the cached WAV path.
pub async fn render(
    cache_dir: &std::path::Path,
    engine: &str,
    voice: &str,
    text: &str,
) -> Result<PathBuf, String> {
    let key = hex::encode(Sha256::digest(
        format!("{engine}\u{0}{voice}\u{0}{text}").as_bytes(),
    ));
    let dir = cache_dir.join("tts");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("{key}.wav"));
    if path.exists() {
        return Ok(path);
    }
    let tmp = dir.join(format!("{key}.{}.tmp.wav", std::process::id()));
    let mut cmd = match engine {
        "flite" => {
            let mut c = tokio::process::Command::new("flite");
            c.arg("-t").arg(text).arg("-o").arg(&tmp);
            if !voice.is_empty() && voice != "default" {
                c.arg("-voice").arg(voice);
            }
            c
        }
        _ => {
            let mut c = tokio::process::Command::new("espeak-ng");
            if !voice.is_empty() && voice != "default" {
                c.arg("-v").arg(voice);
            }
            c.arg("-w").arg(&tmp).arg("--").arg(text);
            c
        }
    };
    let out = cmd
        .output()
        .await
        .map_err(|e| format!("cannot run the {engine} TTS engine: {e}"))?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "TTS failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    std::fs::rename(&tmp, &path).map_err(|e| e.to_string())?;
    Ok(path)
}

/// Speaks.
pub async fn run(ch: &ChannelHandle, arg: &str) -> AppResult {
    let mut parts = arg.splitn(3, '|');
    let (engine, voice, text) = match (parts.next(), parts.next(), parts.next()) {
        (Some(e), Some(v), Some(t)) => (e.trim(), v.trim(), t),
        (Some(t), None, None) => {
            let engine = ch.var("tts_engine").unwrap_or_else(|| "espeak".into());
            let voice = ch.var("tts_voice").unwrap_or_default();
            return speak(ch, &engine, &voice, t).await;
        }
        _ => return Err("usage: speak <engine>|<voice>|<text>".into()),
    };
    speak(ch, engine, voice, text).await
}

async fn speak(ch: &ChannelHandle, engine: &str, voice: &str, text: &str) -> AppResult {
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    let path = render(&ch.core.config.cache_dir, engine, voice, text).await?;
    if !ch.is_answered() {
        ch.pre_answer().await?;
    }
    let terminators = ch.var("playback_terminators").unwrap_or_default();
    super::playback::play_one(
        ch,
        &path.display().to_string(),
        &terminators,
        ch.break_token(),
    )
    .await?;
    Ok(String::new())
}
