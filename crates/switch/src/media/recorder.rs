//! Recording what the far end says into an 8 kHz mono 16-bit WAV file, with a time limit and
//! silence detection.

use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::audio::{FRAME, rms};

/// When a recording stops by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordLimits {
    /// Longest recording.
    pub max: Duration,
    /// RMS level under which a frame counts as silent (0 = no silence detection).
    pub silence_threshold: u32,
    /// How much continuous silence ends the recording (`None` = never).
    pub silence: Option<Duration>,
}

/// Why a recording ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The time limit.
    MaxLength,
    /// Continuous silence.
    Silence,
    /// Stopped by a digit, `uuid_break` or the application.
    Break,
    /// The call ended.
    Hangup,
}

impl StopReason {
    /// A name for variables and events.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::MaxLength => "max-length",
            StopReason::Silence => "silence",
            StopReason::Break => "break",
            StopReason::Hangup => "hangup",
        }
    }
}

/// The result of a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOutcome {
    /// Why it stopped.
    pub reason: StopReason,
    /// How much audio was written.
    pub duration: Duration,
    /// The file.
    pub path: PathBuf,
}

/// An open recording.
pub struct Recorder {
    writer: hound::WavWriter<BufWriter<std::fs::File>>,
    limits: RecordLimits,
    path: PathBuf,
    frames: u64,
    silent_frames: u64,
}

impl Recorder {
    /// Creates the file.
    pub fn create(path: &Path, limits: RecordLimits) -> Result<Self, String> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let writer = hound::WavWriter::create(path, spec)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Recorder {
            writer,
            limits,
            path: path.to_owned(),
            frames: 0,
            silent_frames: 0,
        })
    }

    /// Writes one frame; returns why the recording must stop, if it must.
    pub fn push(&mut self, frame: &[i16; FRAME]) -> Option<StopReason> {
        for s in frame {
            if self.writer.write_sample(*s).is_err() {
                return Some(StopReason::Break);
            }
        }
        self.frames += 1;
        if self.limits.silence_threshold > 0
            && rms(frame) < f64::from(self.limits.silence_threshold)
        {
            self.silent_frames += 1;
        } else {
            self.silent_frames = 0;
        }
        if let Some(silence) = self.limits.silence
            && self.limits.silence_threshold > 0
            && self.silent_frames * 20 >= silence.as_millis() as u64
        {
            return Some(StopReason::Silence);
        }
        (self.frames * 20 >= self.limits.max.as_millis() as u64).then_some(StopReason::MaxLength)
    }

    /// Closes the file.
    pub fn finish(self, reason: StopReason) -> RecordOutcome {
        let duration = Duration::from_millis(self.frames * 20);
        let path = self.path.clone();
        if let Err(e) = self.writer.finalize() {
            tracing::warn!(error = %e, path = %path.display(), "could not finish a recording");
        }
        RecordOutcome {
            reason,
            duration,
            path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_and_max_length() {
        let dir = std::env::temp_dir().join(format!("irisx-rec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let loud = [8000i16; FRAME];
        let quiet = [3i16; FRAME];
        let mut r = Recorder::create(
            &dir.join("a.wav"),
            RecordLimits {
                max: Duration::from_secs(10),
                silence_threshold: 200,
                silence: Some(Duration::from_millis(100)),
            },
        )
        .unwrap();
        for _ in 0..10 {
            assert_eq!(r.push(&loud), None);
        }
        let mut stopped = None;
        for _ in 0..10 {
            stopped = r.push(&quiet);
            if stopped.is_some() {
                break;
            }
        }
        assert_eq!(stopped, Some(StopReason::Silence));
        let out = r.finish(StopReason::Silence);
        assert_eq!(out.duration, Duration::from_millis(300));
        let reader = hound::WavReader::open(&out.path).unwrap();
        assert_eq!(reader.spec().sample_rate, 8000);
        assert_eq!(reader.len(), 300 * 8);

        let mut r = Recorder::create(
            &dir.join("b.wav"),
            RecordLimits {
                max: Duration::from_millis(60),
                silence_threshold: 0,
                silence: None,
            },
        )
        .unwrap();
        assert_eq!(r.push(&quiet), None);
        assert_eq!(r.push(&quiet), None);
        assert_eq!(r.push(&quiet), Some(StopReason::MaxLength));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
