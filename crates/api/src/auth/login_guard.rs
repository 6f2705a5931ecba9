//! Slows down password guessing against one account without costing the service anything.
//!
//! After a few failed logins for an email, each further attempt must wait twice as long as the
//! previous one (up to a ceiling). Attempts that come too early are refused with 429 and
//! `Retry-After` *before* any password hashing, so an attacker gets slower while the server
//! does less work, not more.

use redis::AsyncCommands;
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::ratelimit::{Decision, Limit};
use crate::state::AppState;

fn key(state: &AppState, email: &str) -> String {
    state.redis_key(&format!("lf:{email}"))
}

/// Refuses the attempt if the email is in a waiting period after failed logins.
pub async fn check(state: &AppState, email: &str) -> Result<(), ApiError> {
    let mut redis = state.redis.clone();
    let (failures, last_ms): (Option<u32>, Option<i64>) =
        match redis.hget(key(state, email), &["n", "last"]).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "login throttle unavailable");
                return Ok(());
            }
        };
    let (Some(failures), Some(last_ms)) = (failures, last_ms) else {
        return Ok(());
    };
    let wait_ms = wait_after(state, failures).as_millis() as i64;
    let now_ms = (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let remaining_ms = last_ms + wait_ms - now_ms;
    if remaining_ms > 0 {
        let secs = (remaining_ms as u64).div_ceil(1000);
        let limit = Limit {
            count: state.config.limits.failed_logins_free,
            period: wait_after(state, failures),
        };
        return Err(ApiError::RateLimited(
            Decision::refuse_for(limit, secs),
            format!("too many failed logins for this account; try again in {secs} s"),
        ));
    }
    Ok(())
}

/// How long the next attempt must wait after `failures` failed logins.
fn wait_after(state: &AppState, failures: u32) -> std::time::Duration {
    let free = state.config.limits.failed_logins_free;
    if failures < free {
        return std::time::Duration::ZERO;
    }
    let doublings = (failures - free).min(20);
    std::time::Duration::from_secs(1u64 << doublings).min(state.config.limits.failed_login_max_wait)
}

/// Counts a failed login.
pub async fn record_failure(state: &AppState, email: &str) {
    let now_ms = (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let k = key(state, email);
    let ttl = state.config.limits.failed_login_max_wait.as_secs().max(60) as i64 * 2;
    let mut redis = state.redis.clone();
    let result: Result<(), _> = redis::pipe()
        .atomic()
        .hincr(&k, "n", 1)
        .ignore()
        .hset(&k, "last", now_ms)
        .ignore()
        .expire(&k, ttl)
        .ignore()
        .query_async(&mut redis)
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not count a failed login");
    }
}

/// Forgets failures after a successful login.
pub async fn clear(state: &AppState, email: &str) {
    let mut redis = state.redis.clone();
    let _: Result<(), _> = redis.del(key(state, email)).await;
}
