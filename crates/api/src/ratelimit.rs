//! Rate limiting in Redis with the generic cell rate algorithm (GCRA).
//!
//! One key per bucket holds the "theoretical arrival time"; a Lua script updates it atomically
//! on the Redis clock, so every API process shares the same limits. When Redis is unreachable
//! the limiter lets requests through and logs it: limits protect the service, they must not
//! take it down.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use redis::Script;
use redis::aio::ConnectionManager;

/// A limit: `count` requests per `period`, with bursts up to `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed per period.
    pub count: u32,
    /// The period.
    pub period: Duration,
}

impl Limit {
    /// `count` requests per minute.
    pub const fn per_minute(count: u32) -> Self {
        Limit {
            count,
            period: Duration::from_secs(60),
        }
    }

    /// `count` requests per hour.
    pub const fn per_hour(count: u32) -> Self {
        Limit {
            count,
            period: Duration::from_secs(3600),
        }
    }
}

/// The outcome of one check, with what the `RateLimit-*` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The limit applied.
    pub limit: Limit,
    /// Requests left in the current window.
    pub remaining: u64,
    /// Seconds until the bucket is full again.
    pub reset_secs: u64,
    /// Seconds to wait before retrying (0 when allowed).
    pub retry_after_secs: u64,
}

impl Decision {
    /// A decision that allows the request without having asked Redis.
    pub fn unchecked(limit: Limit) -> Self {
        Decision {
            allowed: true,
            limit,
            remaining: u64::from(limit.count),
            reset_secs: 0,
            retry_after_secs: 0,
        }
    }

    /// A refusal asking the client to wait `secs` seconds.
    pub fn refuse_for(limit: Limit, secs: u64) -> Self {
        Decision {
            allowed: false,
            limit,
            remaining: 0,
            reset_secs: secs,
            retry_after_secs: secs.max(1),
        }
    }

    /// Writes `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`, `RateLimit-Policy`
    /// and, when refused, `Retry-After`.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let num = |n: u64| HeaderValue::from(n);
        headers.insert("ratelimit-limit", num(u64::from(self.limit.count)));
        headers.insert("ratelimit-remaining", num(self.remaining));
        headers.insert("ratelimit-reset", num(self.reset_secs));
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{};w={}",
            self.limit.count,
            self.limit.period.as_secs()
        )) {
            headers.insert("ratelimit-policy", v);
        }
        if !self.allowed {
            headers.insert("retry-after", num(self.retry_after_secs.max(1)));
        }
    }
}

const GCRA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local count = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local interval = period / count
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if allow_at > now then
  return {0, 0, math.ceil(tat - now), math.ceil(allow_at - now)}
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now) + 1)
local remaining = math.floor((period - (new_tat - now)) / interval)
return {1, remaining, math.ceil(new_tat - now), 0}
"#;

/// Checks and counts requests against limits kept in Redis.
#[derive(Clone)]
pub struct RateLimiter {
    redis: ConnectionManager,
    prefix: String,
    script: Script,
}

impl RateLimiter {
    /// A limiter whose keys start with `prefix`.
    pub fn new(redis: ConnectionManager, prefix: &str) -> Self {
        RateLimiter {
            redis,
            prefix: prefix.to_owned(),
            script: Script::new(GCRA),
        }
    }

    /// Counts one request against `bucket` under `limit`.
    pub async fn hit(&self, bucket: &str, limit: Limit) -> Decision {
        let key = format!("{}:rl:{}", self.prefix, bucket);
        let period_ms = limit.period.as_millis() as u64;
        let mut conn = self.redis.clone();
        let result: Result<(i64, i64, i64, i64), _> = self
            .script
            .key(&key)
            .arg(limit.count)
            .arg(period_ms)
            .invoke_async(&mut conn)
            .await;
        match result {
            Ok((allowed, remaining, reset_ms, retry_ms)) => Decision {
                allowed: allowed == 1,
                limit,
                remaining: remaining.max(0) as u64,
                reset_secs: ms_to_secs(reset_ms),
                retry_after_secs: ms_to_secs(retry_ms),
            },
            Err(e) => {
                tracing::warn!(error = %e, bucket, "rate limiter unavailable; allowing request");
                Decision::unchecked(limit)
            }
        }
    }
}

fn ms_to_secs(ms: i64) -> u64 {
    (ms.max(0) as u64).div_ceil(1000)
}
