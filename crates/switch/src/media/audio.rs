//! Audio files into 8 kHz mono frames: WAV of any common rate, channel count and sample
//! format (hound), mixed down and resampled with a windowed-sinc low-pass filter.

use std::path::Path;

/// Samples per 20 ms frame at 8 kHz.
pub const FRAME: usize = 160;

/// Reads a WAV file into 8 kHz mono samples.
pub fn load_wav(path: &Path) -> Result<Vec<i16>, String> {
    let reader = hound::WavReader::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1i64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
        }
        hound::SampleFormat::Float => reader.into_samples::<f32>().collect::<Result<_, _>>(),
    }
    .map_err(|e| format!("{}: {e}", path.display()))?;
    let mono: Vec<f32> = samples
        .chunks(channels)
        .map(|c| c.iter().sum::<f32>() / channels as f32)
        .collect();
    let resampled = resample(&mono, spec.sample_rate, 8000);
    Ok(resampled
        .into_iter()
        .map(|v| (v * 32767.0).clamp(-32768.0, 32767.0) as i16)
        .collect())
}

/// Resamples `input` from `from` Hz to `to` Hz (band-limited interpolation with a
/// Blackman-windowed sinc; the cut-off follows the lower of the two rates).
pub fn resample(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || input.is_empty() || from == 0 || to == 0 {
        return input.to_vec();
    }
    let ratio = f64::from(to) / f64::from(from);
    let cutoff = ratio.min(1.0) * 0.95;
    let half_width = 16.0 / cutoff.min(1.0);
    let out_len = ((input.len() as f64) * ratio).floor() as usize;
    let mut out = Vec::with_capacity(out_len);
    for n in 0..out_len {
        let t = n as f64 / ratio;
        let lo = (t - half_width).ceil().max(0.0) as usize;
        let hi = ((t + half_width).floor() as usize).min(input.len() - 1);
        let mut acc = 0.0f64;
        let mut norm = 0.0f64;
        for (k, sample) in input.iter().enumerate().take(hi + 1).skip(lo) {
            let x = k as f64 - t;
            let sinc = if x.abs() < 1e-9 {
                1.0
            } else {
                (std::f64::consts::PI * x * cutoff).sin() / (std::f64::consts::PI * x * cutoff)
            };
            let w = x / half_width;
            let window = if w.abs() >= 1.0 {
                0.0
            } else {
                let a = std::f64::consts::PI * (w + 1.0);
                0.42 - 0.5 * a.cos() + 0.08 * (2.0 * a).cos()
            };
            let coeff = sinc * window;
            acc += f64::from(*sample) * coeff;
            norm += coeff;
        }
        out.push(if norm.abs() > 1e-9 {
            (acc / norm) as f32
        } else {
            0.0
        });
    }
    out
}

/// Root-mean-square level of a frame.
pub fn rms(frame: &[i16]) -> f64 {
    if frame.is_empty() {
        return 0.0;
    }
    (frame
        .iter()
        .map(|s| f64::from(*s) * f64::from(*s))
        .sum::<f64>()
        / frame.len() as f64)
        .sqrt()
}

/// Energy of `freq` in `samples` at 8 kHz (Goertzel), normalised per sample.
pub fn goertzel(samples: &[i16], freq: f64) -> f64 {
    let k = 2.0 * (2.0 * std::f64::consts::PI * freq / 8000.0).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for x in samples {
        let s0 = f64::from(*x) + k * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.len().max(1) as f64).powi(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f64, secs: f64) -> Vec<f32> {
        (0..(f64::from(rate) * secs) as usize)
            .map(|n| {
                (2.0 * std::f64::consts::PI * freq * n as f64 / f64::from(rate)).sin() as f32 * 0.5
            })
            .collect()
    }

    #[test]
    fn downsampling_keeps_speech_band_and_removes_aliases() {
        let tone: Vec<i16> = resample(&sine(22050, 1000.0, 0.5), 22050, 8000)
            .iter()
            .map(|v| (v * 32767.0) as i16)
            .collect();
        assert!((tone.len() as i64 - 4000).abs() <= 1);
        assert!(goertzel(&tone, 1000.0) > 100.0 * goertzel(&tone, 2000.0));
        // 6 kHz cannot exist at 8 kHz: it must be filtered, not folded to 2 kHz.
        let alias: Vec<i16> = resample(&sine(22050, 6000.0, 0.5), 22050, 8000)
            .iter()
            .map(|v| (v * 32767.0) as i16)
            .collect();
        assert!(
            rms(&alias[200..3800]) < 0.05 * rms(&tone[200..3800]),
            "{} vs {}",
            rms(&alias),
            rms(&tone)
        );
    }

    #[test]
    fn wav_files_of_any_format_load() {
        let dir = std::env::temp_dir().join(format!("irisx-wav-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("stereo16k.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 16000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for v in sine(16000, 440.0, 1.0) {
            let s = (v * 32767.0) as i16;
            w.write_sample(s).unwrap();
            w.write_sample(s).unwrap();
        }
        w.finalize().unwrap();
        let pcm = load_wav(&path).unwrap();
        assert!((pcm.len() as i64 - 8000).abs() <= 1);
        assert!(goertzel(&pcm, 440.0) > 50.0 * goertzel(&pcm, 1000.0));
        assert!(load_wav(&dir.join("missing.wav")).is_err());
        std::fs::write(dir.join("junk.wav"), b"RIFFjunk").unwrap();
        assert!(load_wav(&dir.join("junk.wav")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
