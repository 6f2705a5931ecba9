//! Media counters shared by every session: packets, sessions, and a histogram of how late
//! each 20 ms send tick ran (the send jitter the benchmarks report).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Lateness buckets: 0.1 ms wide up to 50 ms, then one overflow bucket.
const BUCKETS: usize = 501;

/// Counters for all sessions of one engine.
#[derive(Debug)]
pub struct MediaStats {
    /// Sessions running now.
    pub sessions: AtomicU64,
    /// RTP packets sent.
    pub packets_sent: AtomicU64,
    /// RTP packets received and accepted.
    pub packets_received: AtomicU64,
    /// Datagrams that were not RTP.
    pub packets_invalid: AtomicU64,
    lateness: Vec<AtomicU64>,
}

impl Default for MediaStats {
    fn default() -> Self {
        MediaStats {
            sessions: AtomicU64::new(0),
            packets_sent: AtomicU64::new(0),
            packets_received: AtomicU64::new(0),
            packets_invalid: AtomicU64::new(0),
            lateness: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl MediaStats {
    /// Records how late a send tick ran.
    pub fn record_send_lateness(&self, late: Duration) {
        let bucket = ((late.as_micros() / 100) as usize).min(BUCKETS - 1);
        self.lateness[bucket].fetch_add(1, Ordering::Relaxed);
    }

    /// The lateness (ms) under which `q` (0..1) of all ticks ran, and the tick count.
    pub fn send_lateness_quantile(&self, q: f64) -> (f64, u64) {
        let counts: Vec<u64> = self
            .lateness
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return (0.0, 0);
        }
        let target = (total as f64 * q).ceil() as u64;
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= target {
                return ((i + 1) as f64 / 10.0, total);
            }
        }
        (BUCKETS as f64 / 10.0, total)
    }

    /// Clears the lateness histogram (between benchmark phases).
    pub fn reset_lateness(&self) {
        for c in &self.lateness {
            c.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles() {
        let s = MediaStats::default();
        for _ in 0..99 {
            s.record_send_lateness(Duration::from_micros(50));
        }
        s.record_send_lateness(Duration::from_millis(7));
        assert_eq!(s.send_lateness_quantile(0.5), (0.1, 100));
        assert_eq!(s.send_lateness_quantile(0.99), (0.1, 100));
        assert_eq!(s.send_lateness_quantile(1.0).0, 7.1);
    }
}
