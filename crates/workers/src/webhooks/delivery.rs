//! One webhook delivery: the signed POST and what its answer means for retries.
//!
//! Only a 2xx answer is a success. 410 Gone means the receiver wants no more deliveries for
//! this call. Anything else — another status, a timeout, a refused connection, a redirect (not
//! followed) — is retried on the schedule, or later when the receiver asks with `Retry-After`.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER, USER_AGENT};

/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// How a delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx (the status).
    Delivered(u16),
    /// 410: stop sending this call's events.
    Gone,
    /// Try again; the receiver may have said when (`Retry-After`, seconds).
    Retry {
        /// What happened, for logs.
        why: String,
        /// The receiver's status, if it answered.
        status: Option<u16>,
        /// The receiver's `Retry-After`.
        retry_after: Option<Duration>,
    },
}

/// The headers of a delivery (Standard Webhooks).
pub fn headers(id: &str, timestamp: i64, signature: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        if let Ok(v) = value.parse() {
            h.insert(name, v);
        }
    };
    put("webhook-id", id);
    put("webhook-timestamp", &timestamp.to_string());
    put("webhook-signature", signature);
    h.insert(CONTENT_TYPE, "application/json".parse().expect("static"));
    h.insert(
        USER_AGENT,
        concat!("IRISX-Webhooks/", env!("CARGO_PKG_VERSION"))
            .parse()
            .expect("static"),
    );
    h
}

/// POSTs `body` to `url` with `headers`.
pub async fn send(http: &reqwest::Client, url: &str, headers: HeaderMap, body: Vec<u8>) -> Outcome {
    match http.post(url).headers(headers).body(body).send().await {
        Ok(r) if r.status().is_success() => Outcome::Delivered(r.status().as_u16()),
        Ok(r) if r.status() == StatusCode::GONE => Outcome::Gone,
        Ok(r) => Outcome::Retry {
            why: format!("answered {}", r.status()),
            status: Some(r.status().as_u16()),
            retry_after: r
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER)),
        },
        Err(e) => Outcome::Retry {
            why: if e.is_timeout() {
                "no answer within the timeout".to_owned()
            } else {
                format!("unreachable: {}", crate::outbound_http::describe(&e))
            },
            status: None,
            retry_after: None,
        },
    }
}

/// When to try again after failed attempt number `attempt` (1 for the first delivery), on
/// `schedule` (the delay before each attempt; the first is usually 0). `None`: give up.
/// Delays from 5 s up get ±10 % jitter, so receivers that failed together are not retried
/// together; a longer `Retry-After` wins.
pub fn next_delay(
    schedule: &[Duration],
    attempt: u64,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Option<Duration> {
    let planned = *schedule.get(usize::try_from(attempt).ok()?)?;
    let planned = if planned >= Duration::from_secs(5) {
        planned.mul_f64(1.0 + 0.1 * jitter.clamp(-1.0, 1.0))
    } else {
        planned
    };
    Some(retry_after.map_or(planned, |r| r.max(planned)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule() -> Vec<Duration> {
        [0, 5, 300, 1800]
            .into_iter()
            .map(Duration::from_secs)
            .collect()
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        let s = schedule();
        assert_eq!(next_delay(&s, 1, None, 0.0), Some(Duration::from_secs(5)));
        assert_eq!(next_delay(&s, 2, None, 0.0), Some(Duration::from_secs(300)));
        assert_eq!(
            next_delay(&s, 3, None, 0.0),
            Some(Duration::from_secs(1800))
        );
        assert_eq!(next_delay(&s, 4, None, 0.0), None, "four attempts in all");
    }

    #[test]
    fn jitter_spreads_long_delays_only() {
        let s = schedule();
        assert_eq!(next_delay(&s, 2, None, 1.0), Some(Duration::from_secs(330)));
        assert_eq!(
            next_delay(&s, 2, None, -1.0),
            Some(Duration::from_secs(270))
        );
        let short = [Duration::ZERO, Duration::from_secs(1)];
        assert_eq!(
            next_delay(&short, 1, None, 1.0),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn a_longer_retry_after_wins() {
        let s = schedule();
        let later = Some(Duration::from_secs(60));
        assert_eq!(next_delay(&s, 1, later, 0.0), later);
        assert_eq!(
            next_delay(&s, 2, later, 0.0),
            Some(Duration::from_secs(300))
        );
    }
}
