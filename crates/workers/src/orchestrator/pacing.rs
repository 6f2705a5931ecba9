//! Calls-per-second limits of carriers, applied when an attempt is about to be dialled.
//!
//! A carrier with a `cps_limit` gives out slots through the shared pacer in PostgreSQL
//! ([`irisx_store::carriers::take_cps_slot`]), so every orchestrator together keeps to the
//! limit. An attempt whose carrier has no free slot is passed over when another carrier comes
//! after it, as least-cost routing passes over a carrier at its concurrent-call limit; the
//! last carrier is waited for instead (the call stays `initiated`), up to the call's
//! `timeout`, so a burst of calls is spread out rather than refused.

use std::time::Duration;

use tokio::time::Instant;
use uuid::Uuid;

use super::call::CallTask;
use super::registry::Input;

/// What to do with an attempt through a paced carrier.
pub(super) enum Pace {
    /// A slot was taken: dial now.
    Go,
    /// No slot now, and another carrier comes after this one.
    Skip,
    /// No slot came free within the call's timeout.
    GiveUp,
    /// The call was hung up through the API while waiting.
    Canceled,
}

impl CallTask {
    /// Takes a slot of `carrier` (limited to `cps` calls per second), waiting for one unless
    /// `may_skip`.
    pub(super) async fn pace(&mut self, carrier: Uuid, cps: i32, may_skip: bool) -> Pace {
        let deadline = Instant::now()
            + Duration::from_secs(u64::try_from(self.call.timeout_s.max(1)).unwrap_or(60));
        loop {
            let wait = match irisx_store::carriers::take_cps_slot(&self.ctx.db, carrier, cps).await
            {
                Ok(None) => return Pace::Go,
                Ok(Some(wait)) => wait,
                Err(e) => {
                    // The pacer is unreachable: the database is too, so the call's own status
                    // updates will retry; dial rather than hold the call.
                    tracing::warn!(call_id = %self.call.id, error = %e, "carrier pacing unavailable; dialling");
                    return Pace::Go;
                }
            };
            if may_skip {
                return Pace::Skip;
            }
            if Instant::now() + wait > deadline {
                return Pace::GiveUp;
            }
            let until = Instant::now() + wait;
            loop {
                tokio::select! {
                    () = tokio::time::sleep_until(until) => break,
                    input = self.rx.recv() => match input {
                        Some(Input::Hangup) | None => return Pace::Canceled,
                        Some(Input::Event(_)) => {}
                    },
                }
            }
        }
    }
}
