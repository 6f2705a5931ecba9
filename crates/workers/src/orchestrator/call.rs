//! One call, from dialling to its final status: the attempts in routing order (crankback to
//! the next carrier on a carrier failure, never on the callee's busy, decline or no-answer),
//! ringing, answer, the application, the max-duration limit and the hangup.
//!
//! The task owns the call in this process; every status change goes through
//! [`Ctx::advance`], which writes PostgreSQL (compare-and-set) and then publishes the event.

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use esl::{Client, ClientError, Event, EventName, Originate, SendMsg};
use irisx_core::CallStatus;
use irisx_core::call::unanswered_outcome;
use irisx_store::calls::{self, Call, Change};
use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedReceiver;
use uuid::Uuid;

use super::Ctx;
use super::app;
use super::pacing::Pace;
use super::pool::LiveGuard;
use super::registry::Input;
use super::router::Attempt;

/// How an attempt's ringing ended.
enum Ring {
    Answered,
    Ended { cause: String, sip: Option<i32> },
}

/// How the answered part ended.
pub(super) enum Ended {
    /// The channel is gone; its hangup event (if it came).
    Hangup(Option<Arc<Event>>),
}

/// A call this process runs.
pub(super) struct CallTask {
    pub ctx: Arc<Ctx>,
    pub call: Call,
    pub client: Arc<Client>,
    pub rx: UnboundedReceiver<Input>,
    pub leg: Uuid,
    pub hangup_requested: bool,
    pub _live: LiveGuard,
}

/// A leg's id for attempt `n` (the first is the call's id: a redelivered request that
/// reaches a media server again finds the channel already there).
pub fn leg_id(call: Uuid, n: usize) -> Uuid {
    if n == 0 {
        call
    } else {
        Uuid::new_v5(&call, format!("attempt-{n}").as_bytes())
    }
}

impl CallTask {
    /// Dials the attempts in order until one is answered or the outcome is final.
    pub async fn dial(mut self, attempts: Vec<Attempt>) {
        let total = attempts.len();
        let mut last_reason = String::new();
        let mut dialled = 0usize;
        for (n, attempt) in attempts.into_iter().enumerate() {
            if let (Some(carrier), Some(cps)) = (attempt.carrier_id, attempt.cps_limit) {
                match self.pace(carrier, cps, n + 1 < total).await {
                    Pace::Go => {}
                    Pace::Skip => {
                        last_reason =
                            format!("{} is at its calls-per-second limit", attempt.carrier_name);
                        tracing::info!(call_id = %self.call.id, carrier = %attempt.carrier_name, "carrier at its calls-per-second limit; trying the next one");
                        continue;
                    }
                    Pace::GiveUp => {
                        let reason = format!(
                            "{} stayed at its calls-per-second limit for the call's timeout ({} s)",
                            attempt.carrier_name, self.call.timeout_s
                        );
                        return self
                            .finish_unanswered(
                                CallStatus::Failed,
                                "NORMAL_TEMPORARY_FAILURE".into(),
                                None,
                                Some(reason),
                            )
                            .await;
                    }
                    Pace::Canceled => {
                        return self
                            .finish_unanswered(
                                CallStatus::Canceled,
                                "ORIGINATOR_CANCEL".into(),
                                None,
                                None,
                            )
                            .await;
                    }
                }
            }
            self.leg = leg_id(self.call.id, dialled);
            self.ctx.registry.add_leg(self.leg, self.call.id);
            if n > 0 {
                let _ = calls::set_attempt(
                    &self.ctx.db,
                    self.call.id,
                    self.leg,
                    attempt.carrier_id,
                    dialled as i32 + 1,
                )
                .await;
            }
            dialled += 1;
            let mut originate = Originate::new(&attempt.endpoint).uuid(&self.leg.to_string());
            for (k, v) in &attempt.vars {
                originate = originate.var(k, v);
            }
            let job = match self.client.originate(&originate).await {
                Ok(job) => job,
                Err(e) => {
                    last_reason = format!(
                        "media server refused the call via {}: {e}",
                        attempt.carrier_name
                    );
                    tracing::warn!(call_id = %self.call.id, reason = %last_reason, "attempt failed");
                    continue;
                }
            };
            match self.ring(Some(job)).await {
                Ring::Answered => return self.answered().await,
                Ring::Ended { cause, sip } => {
                    let (mut status, mut is_final) = unanswered_outcome(&cause);
                    if self.hangup_requested {
                        (status, is_final) = (CallStatus::Canceled, true);
                    }
                    last_reason = format!("{} via {}", cause, attempt.carrier_name);
                    if is_final || n + 1 == total {
                        let reason = (status == CallStatus::Failed).then(|| {
                            if total > 1 {
                                format!("all {total} routes failed; last: {last_reason}")
                            } else {
                                last_reason.clone()
                            }
                        });
                        return self.finish_unanswered(status, cause, sip, reason).await;
                    }
                    tracing::info!(call_id = %self.call.id, %cause, carrier = %attempt.carrier_name, "carrier failed; trying the next one");
                }
            }
        }
        self.finish_unanswered(
            CallStatus::Failed,
            "DESTINATION_OUT_OF_ORDER".into(),
            None,
            Some(last_reason),
        )
        .await;
    }

    /// Continues a call adopted from an orchestrator that stopped.
    pub async fn resume(mut self) {
        self.ctx.registry.add_leg(self.leg, self.call.id);
        if self.call.hangup_requested {
            self.kill("ORIGINATOR_CANCEL").await;
        }
        if self.call.status() == CallStatus::Answered {
            return self.answered().await;
        }
        match self.ring(None).await {
            Ring::Answered => self.answered().await,
            Ring::Ended { cause, sip } => {
                let (status, _) = unanswered_outcome(&cause);
                let status = if self.hangup_requested {
                    CallStatus::Canceled
                } else {
                    status
                };
                self.finish_unanswered(status, cause, sip, None).await
            }
        }
    }

    /// Waits for the current leg to be answered or to end.
    async fn ring(&mut self, job: Option<esl::BackgroundJob>) -> Ring {
        let mut job_done = job.is_none();
        let mut job = pin!(async move {
            match job {
                Some(j) => j.result().await,
                None => std::future::pending().await,
            }
        });
        let guard = tokio::time::sleep(Duration::from_secs(self.call.timeout_s.max(1) as u64 + 30));
        let mut guard = pin!(guard);
        let mut watchdog = tokio::time::interval(Duration::from_secs(10));
        watchdog.tick().await;
        // The job's result and the channel's events travel separately: when the job says
        // "answered", the CHANNEL_PROGRESS / CHANNEL_ANSWER events may still be on their way.
        // The answer is taken from the events (so `ringing` is never skipped), or from the job
        // if the events do not follow within a moment.
        let answer_grace = tokio::time::sleep(Duration::from_secs(3600));
        let mut answer_grace = pin!(answer_grace);
        let mut answered_by_job = false;
        // The job's failure (`-ERR USER_BUSY`) usually comes before the leg's
        // CHANNEL_HANGUP_COMPLETE, which carries the SIP status; wait a moment for it.
        let mut failed_by_job: Option<String> = None;
        loop {
            tokio::select! {
                biased;
                () = &mut answer_grace, if answered_by_job || failed_by_job.is_some() => {
                    if let Some(cause) = failed_by_job.take() {
                        return Ring::Ended { cause, sip: None };
                    }
                    self.mark_answered().await;
                    return Ring::Answered;
                }
                r = &mut job, if !job_done => {
                    job_done = true;
                    match r {
                        Ok(_) => {
                            answered_by_job = true;
                            answer_grace
                                .as_mut()
                                .reset(tokio::time::Instant::now() + Duration::from_secs(2));
                        }
                        Err(ClientError::CommandFailed(cause)) => {
                            let cause = cause.split_whitespace().next().unwrap_or("NORMAL_TEMPORARY_FAILURE").to_owned();
                            failed_by_job = Some(cause);
                            answer_grace
                                .as_mut()
                                .reset(tokio::time::Instant::now() + Duration::from_secs(1));
                        }
                        Err(e) => tracing::warn!(call_id = %self.call.id, error = %e, "originate result lost; following events"),
                    }
                }
                input = self.rx.recv() => match input {
                    None => return Ring::Ended { cause: "NORMAL_TEMPORARY_FAILURE".into(), sip: None },
                    Some(Input::Hangup) => {
                        self.hangup_requested = true;
                        self.kill("ORIGINATOR_CANCEL").await;
                    }
                    Some(Input::Event(e)) if self.is_ours(&e) => match e.kind() {
                        EventName::ChannelProgress | EventName::ChannelProgressMedia => {
                            self.ctx.advance(self.call.id, CallStatus::Ringing, &Change::default()).await;
                        }
                        EventName::ChannelAnswer => {
                            self.mark_answered().await;
                            return Ring::Answered;
                        }
                        EventName::ChannelHangupComplete => {
                            let cause = match failed_by_job.take() {
                                Some(cause) => cause,
                                None => e.hangup_cause().unwrap_or("NORMAL_CLEARING").to_owned(),
                            };
                            return Ring::Ended { cause, sip: e.variable_as("sip_term_status") };
                        }
                        _ => {}
                    },
                    Some(Input::Event(_)) => {}
                },
                _ = watchdog.tick(), if job_done => {
                    if self.leg_gone().await {
                        let cause = failed_by_job.take().unwrap_or_else(|| "NORMAL_TEMPORARY_FAILURE".into());
                        return Ring::Ended { cause, sip: None };
                    }
                }
                _ = &mut guard => {
                    self.kill("NO_ANSWER").await;
                    return Ring::Ended { cause: "NO_ANSWER".into(), sip: None };
                }
            }
        }
    }

    fn is_ours(&self, e: &Event) -> bool {
        e.unique_id().is_some_and(|u| u == self.leg.to_string())
    }

    async fn mark_answered(&mut self) {
        if let Some(c) = self
            .ctx
            .advance(self.call.id, CallStatus::Answered, &Change::default())
            .await
        {
            self.call = c;
        } else if let Ok(Some(c)) = calls::get(&self.ctx.db, self.call.id).await {
            self.call = c;
        }
    }

    /// Runs the application, enforces max_duration, and records the end.
    async fn answered(mut self) {
        let started = self
            .call
            .answered_at
            .unwrap_or_else(OffsetDateTime::now_utc);
        let limit = Duration::from_secs(self.call.max_duration_s.max(1) as u64);
        let elapsed = (OffsetDateTime::now_utc() - started).unsigned_abs();
        let deadline = tokio::time::Instant::now() + limit.saturating_sub(elapsed);
        let ended = app::run(&mut self, deadline).await;
        let ended = match ended {
            Some(e) => e,
            None => self.wait_hangup(deadline).await,
        };
        let Ended::Hangup(event) = ended;
        let mut change = Change::default();
        match &event {
            Some(e) => {
                change.hangup_cause = e.hangup_cause().map(str::to_owned);
                change.sip_status = e.variable_as("sip_term_status");
                change.duration_s = e.variable_as("billsec");
            }
            None => {
                change.duration_s =
                    Some((OffsetDateTime::now_utc() - started).whole_seconds() as i32);
                change.reason = Some(
                    "the media server lost the call; duration measured by the orchestrator".into(),
                );
            }
        }
        self.ctx
            .advance(self.call.id, CallStatus::Completed, &change)
            .await;
        self.ctx.registry.remove_call(self.call.id);
    }

    /// Waits for the hangup of an answered call whose application is over.
    pub(super) async fn wait_hangup(&mut self, deadline: tokio::time::Instant) -> Ended {
        let mut watchdog = tokio::time::interval(Duration::from_secs(10));
        watchdog.tick().await;
        let mut killed = false;
        loop {
            tokio::select! {
                input = self.rx.recv() => match input {
                    None => return Ended::Hangup(None),
                    Some(Input::Hangup) => self.kill("NORMAL_CLEARING").await,
                    Some(Input::Event(e)) if self.is_ours(&e) && e.kind() == EventName::ChannelHangupComplete => {
                        return Ended::Hangup(Some(e));
                    }
                    Some(Input::Event(_)) => {}
                },
                _ = tokio::time::sleep_until(deadline), if !killed => {
                    killed = true;
                    self.kill("ALLOTTED_TIMEOUT").await;
                }
                _ = watchdog.tick() => {
                    if self.leg_gone().await {
                        return Ended::Hangup(None);
                    }
                }
            }
        }
    }

    /// Hangs the leg up on the media server.
    pub(super) async fn kill(&self, cause: &str) {
        if let Err(e) = self
            .client
            .sendmsg(SendMsg::hangup(&self.leg.to_string(), cause))
            .await
        {
            tracing::debug!(call_id = %self.call.id, error = %e, "hangup of a leg that may be gone");
        }
    }

    /// Whether the media server no longer has the leg (asked when events may have been lost).
    async fn leg_gone(&self) -> bool {
        matches!(self.client.api(&format!("uuid_exists {}", self.leg)).await, Ok(s) if s.trim() == "false")
    }

    pub(super) async fn finish_unanswered(
        self,
        status: CallStatus,
        cause: String,
        sip: Option<i32>,
        reason: Option<String>,
    ) {
        let change = Change {
            hangup_cause: Some(cause),
            sip_status: sip,
            reason,
            ..Change::default()
        };
        self.ctx.advance(self.call.id, status, &change).await;
        self.ctx.registry.remove_call(self.call.id);
    }
}
