//! Audio sources the session plays, frame by frame: decoded files, tones, silence.

use std::sync::Arc;

use super::audio::FRAME;
use super::tone::ToneGenerator;

/// Something that yields 20 ms frames at 8 kHz.
#[derive(Debug, Clone)]
pub enum Source {
    /// Decoded audio (shared, so cached files are decoded once).
    Pcm {
        /// The samples.
        samples: Arc<Vec<i16>>,
        /// Next sample to play.
        pos: usize,
    },
    /// A generated tone.
    Tone(ToneGenerator),
    /// Silence for a number of frames (`None` = until stopped).
    Silence(Option<usize>),
}

impl Source {
    /// Decoded samples.
    pub fn pcm(samples: Arc<Vec<i16>>) -> Self {
        Source::Pcm { samples, pos: 0 }
    }

    /// `silence_stream://<ms>` (negative = forever).
    pub fn silence_ms(ms: i64) -> Self {
        Source::Silence((ms >= 0).then(|| (ms as usize).div_ceil(20)))
    }

    /// Fills `frame` with the next 20 ms; `false` when the source has ended (the frame is then
    /// untouched).
    pub fn next_frame(&mut self, frame: &mut [i16; FRAME]) -> bool {
        match self {
            Source::Pcm { samples, pos } => {
                if *pos >= samples.len() {
                    return false;
                }
                let end = (*pos + FRAME).min(samples.len());
                let n = end - *pos;
                frame[..n].copy_from_slice(&samples[*pos..end]);
                frame[n..].fill(0);
                *pos = end;
                true
            }
            Source::Tone(g) => {
                if g.finished() {
                    return false;
                }
                g.fill(frame);
                true
            }
            Source::Silence(left) => match left {
                Some(0) => false,
                Some(n) => {
                    *n -= 1;
                    frame.fill(0);
                    true
                }
                None => {
                    frame.fill(0);
                    true
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcm_pads_the_last_frame_and_silence_counts() {
        let mut s = Source::pcm(Arc::new(vec![7; 200]));
        let mut f = [1i16; FRAME];
        assert!(s.next_frame(&mut f));
        assert!(s.next_frame(&mut f));
        assert_eq!(f[39], 7);
        assert_eq!(f[40], 0);
        assert!(!s.next_frame(&mut f));
        let mut sil = Source::silence_ms(50);
        let mut n = 0;
        while sil.next_frame(&mut f) {
            n += 1;
        }
        assert_eq!(n, 3);
    }
}
