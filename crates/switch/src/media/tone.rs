//! FreeSWITCH `tone_stream://` sources: `%(on_ms,off_ms,freq[,freq…])` segments separated by
//! `;`, an optional `L=<loops>;` prefix or `;loops=<n>` suffix (-1 = forever), and
//! `v=<dB>;` volume. Examples: US ringback `%(2000,4000,440,480);loops=-1`, a beep
//! `%(500,0,1000)`.

/// One on/off segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Tone duration in ms.
    pub on_ms: u32,
    /// Silence after it in ms.
    pub off_ms: u32,
    /// Frequencies mixed together.
    pub freqs: Vec<f32>,
}

/// A parsed tone description.
#[derive(Debug, Clone, PartialEq)]
pub struct ToneSpec {
    /// The segments, played in order.
    pub segments: Vec<Segment>,
    /// How many times to play them (`None` = forever).
    pub loops: Option<u32>,
    /// Amplitude (0..1) of each frequency.
    pub amplitude: f32,
}

/// Parses the part after `tone_stream://`.
pub fn parse(spec: &str) -> Result<ToneSpec, String> {
    let mut segments = Vec::new();
    let mut loops = Some(1);
    let mut db = -10.0f32;
    for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(n) = part
            .strip_prefix("L=")
            .or_else(|| part.strip_prefix("loops="))
        {
            let n: i64 = n.parse().map_err(|_| format!("bad loop count `{n}`"))?;
            loops = if n < 0 { None } else { Some(n.max(1) as u32) };
        } else if let Some(v) = part.strip_prefix("v=") {
            db = v.parse().map_err(|_| format!("bad volume `{v}`"))?;
        } else if let Some(inner) = part.strip_prefix("%(").and_then(|p| p.strip_suffix(')')) {
            let nums: Vec<f32> = inner
                .split(',')
                .map(|n| n.trim().parse::<f32>())
                .collect::<Result<_, _>>()
                .map_err(|_| format!("bad tone segment `{part}`"))?;
            if nums.len() < 3 {
                return Err(format!("a tone segment needs on,off,frequency: `{part}`"));
            }
            segments.push(Segment {
                on_ms: nums[0].max(0.0) as u32,
                off_ms: nums[1].max(0.0) as u32,
                freqs: nums[2..].to_vec(),
            });
        } else {
            return Err(format!("unsupported tone element `{part}`"));
        }
    }
    if segments.is_empty() {
        return Err("the tone has no segment".into());
    }
    let per_freq = 10f32.powf(db.min(0.0) / 20.0);
    Ok(ToneSpec {
        segments,
        loops,
        amplitude: per_freq,
    })
}

/// Generates 8 kHz samples of a tone, frame by frame.
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    spec: ToneSpec,
    loops_left: Option<u32>,
    segment: usize,
    pos: u32,
}

impl ToneGenerator {
    /// A generator at the start of `spec`.
    pub fn new(spec: ToneSpec) -> Self {
        let loops_left = spec.loops;
        ToneGenerator {
            spec,
            loops_left,
            segment: 0,
            pos: 0,
        }
    }

    /// Fills `frame`; returns false once the tone has ended.
    pub fn fill(&mut self, frame: &mut [i16]) -> bool {
        for sample in frame.iter_mut() {
            if self.loops_left == Some(0) {
                *sample = 0;
                continue;
            }
            let seg = &self.spec.segments[self.segment];
            let on = seg.on_ms * 8;
            let len = on + seg.off_ms * 8;
            *sample = if self.pos < on {
                let t = self.pos as f32 / 8000.0;
                let v: f32 = seg
                    .freqs
                    .iter()
                    .map(|f| (2.0 * std::f32::consts::PI * f * t).sin())
                    .sum::<f32>();
                (v * self.spec.amplitude * 32767.0 / seg.freqs.len().max(1) as f32)
                    .clamp(-32767.0, 32767.0) as i16
            } else {
                0
            };
            self.pos += 1;
            if self.pos >= len.max(1) {
                self.pos = 0;
                self.segment += 1;
                if self.segment == self.spec.segments.len() {
                    self.segment = 0;
                    if let Some(l) = self.loops_left.as_mut() {
                        *l -= 1;
                    }
                }
            }
        }
        self.loops_left != Some(0)
    }

    /// Whether the tone has ended.
    pub fn finished(&self) -> bool {
        self.loops_left == Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ringback_and_beep() {
        let r = parse("%(2000,4000,440,480);loops=-1").unwrap();
        assert_eq!(r.loops, None);
        assert_eq!(r.segments[0].freqs, vec![440.0, 480.0]);
        let b = parse("L=2;%(500,0,1000)").unwrap();
        assert_eq!(b.loops, Some(2));
        assert!(parse("").is_err());
        assert!(parse("%(1,2)").is_err());
        assert!(parse("nonsense").is_err());
    }

    #[test]
    fn a_beep_lasts_its_length() {
        let mut g = ToneGenerator::new(parse("%(100,0,1000)").unwrap());
        let mut frames = 0;
        let mut frame = [0i16; 160];
        let mut energy = 0i64;
        while !g.finished() {
            g.fill(&mut frame);
            frames += 1;
            energy += frame.iter().map(|s| i64::from(*s).abs()).sum::<i64>();
            assert!(frames < 100);
        }
        assert_eq!(frames, 5, "100 ms is 5 frames of 20 ms");
        assert!(energy > 0);
    }
}
