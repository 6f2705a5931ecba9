//! `status` and `version`.

use crate::core::Core;

/// FreeSWITCH-shaped `status` output.
pub fn status(core: &Core) -> String {
    let s = core.stats();
    let up = s.uptime_secs;
    let (days, hours, minutes, seconds) = (up / 86_400, (up / 3600) % 24, (up / 60) % 60, up % 60);
    format!(
        "UP 0 years, {days} days, {hours} hours, {minutes} minutes, {seconds} seconds, 0 milliseconds, 0 microseconds\n\
         FreeSWITCH (Version 1.10.12 IRISX switch {}) is ready\n\
         {} session(s) since startup\n\
         {} session(s) - peak {}, last 5min {}\n\
         0 session(s) per Sec out of max 1000, peak 0, last 5min 0\n\
         10000 session(s) max\n\
         min idle cpu 0.00/99.00\n",
        env!("CARGO_PKG_VERSION"),
        s.total,
        s.active,
        s.peak,
        s.peak
    )
}

/// `version`.
pub fn version() -> String {
    format!(
        "FreeSWITCH Version 1.10.12 (IRISX switch {})\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// `media_stats [reset]`: RTP counters and send-tick lateness (JSON), for monitoring and
/// benchmarks; `reset` clears the lateness histogram.
pub fn media_stats(core: &Core, args: &str) -> String {
    use std::sync::atomic::Ordering;
    let st = &core.media.stats;
    if args.trim() == "reset" {
        st.reset_lateness();
        return "+OK\n".into();
    }
    let (p50, ticks) = st.send_lateness_quantile(0.5);
    let (p99, _) = st.send_lateness_quantile(0.99);
    let (max, _) = st.send_lateness_quantile(1.0);
    serde_json::json!({
        "sessions": st.sessions.load(Ordering::Relaxed),
        "channels": core.channels().len(),
        "packets_sent": st.packets_sent.load(Ordering::Relaxed),
        "packets_received": st.packets_received.load(Ordering::Relaxed),
        "packets_invalid": st.packets_invalid.load(Ordering::Relaxed),
        "send_ticks": ticks,
        "send_lateness_ms": {"p50": p50, "p99": p99, "max": max},
    })
    .to_string()
}
