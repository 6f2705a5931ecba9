//! The life of a call as the API reports it: its status, its direction, and how a media
//! server's hangup cause becomes a final status (and whether the next carrier should be tried).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a call is in its life. Statuses only move forward:
/// `queued → initiated → ringing → answered → completed`, or from any live status to one of
/// the other final ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CallStatus {
    /// Accepted and stored; waiting for an orchestrator.
    Queued,
    /// An orchestrator has asked a media server to dial.
    Initiated,
    /// The far end is ringing (180/183).
    Ringing,
    /// The far end answered; the application runs.
    Answered,
    /// Answered, then hung up.
    Completed,
    /// The callee was busy.
    Busy,
    /// Nobody answered in time.
    NoAnswer,
    /// The call could not be placed (no route, carrier failures, errors).
    Failed,
    /// Hung up through the API before it was answered.
    Canceled,
}

impl CallStatus {
    /// Every status, in life order.
    pub const ALL: [CallStatus; 9] = [
        CallStatus::Queued,
        CallStatus::Initiated,
        CallStatus::Ringing,
        CallStatus::Answered,
        CallStatus::Completed,
        CallStatus::Busy,
        CallStatus::NoAnswer,
        CallStatus::Failed,
        CallStatus::Canceled,
    ];

    /// The wire name (`no-answer`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CallStatus::Queued => "queued",
            CallStatus::Initiated => "initiated",
            CallStatus::Ringing => "ringing",
            CallStatus::Answered => "answered",
            CallStatus::Completed => "completed",
            CallStatus::Busy => "busy",
            CallStatus::NoAnswer => "no-answer",
            CallStatus::Failed => "failed",
            CallStatus::Canceled => "canceled",
        }
    }

    /// Whether the call is over.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CallStatus::Completed
                | CallStatus::Busy
                | CallStatus::NoAnswer
                | CallStatus::Failed
                | CallStatus::Canceled
        )
    }

    /// The statuses a call may be in just before moving to `self` (the compare-and-set guard
    /// of every status update).
    pub fn predecessors(self) -> &'static [CallStatus] {
        use CallStatus::*;
        match self {
            Queued => &[],
            Initiated => &[Queued],
            Ringing => &[Initiated],
            Answered => &[Initiated, Ringing],
            Completed => &[Answered],
            Busy | NoAnswer | Failed => &[Queued, Initiated, Ringing],
            Canceled => &[Queued, Initiated, Ringing],
        }
    }

    /// The status-callback event this status belongs to (`status_callback_events`):
    /// `initiated`, `ringing`, `answered`, or `completed` for every final status (as Twilio
    /// groups them); `None` for `queued`.
    pub fn callback_event(self) -> Option<&'static str> {
        match self {
            CallStatus::Queued => None,
            CallStatus::Initiated => Some("initiated"),
            CallStatus::Ringing => Some("ringing"),
            CallStatus::Answered => Some("answered"),
            _ => Some("completed"),
        }
    }

    /// The event type published when a call reaches this status (`call.no-answer`, …).
    pub fn event_type(self) -> String {
        format!("call.{}", self.as_str())
    }
}

impl fmt::Display for CallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that does not exist.
#[derive(Debug, thiserror::Error)]
#[error("unknown call status `{0}`")]
pub struct UnknownStatus(pub String);

impl FromStr for CallStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CallStatus::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// Who started the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Placed through the API.
    Outbound,
    /// Received from a carrier or a phone.
    Inbound,
}

impl Direction {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Outbound => "outbound",
            Direction::Inbound => "inbound",
        }
    }
}

/// The final status of an unanswered attempt that ended with `cause` (a FreeSWITCH hangup
/// cause name), and whether that answer is the callee's (final) rather than the carrier's
/// failure (try the next carrier: crankback).
pub fn unanswered_outcome(cause: &str) -> (CallStatus, bool) {
    match cause {
        "USER_BUSY" => (CallStatus::Busy, true),
        "NO_ANSWER" | "NO_USER_RESPONSE" | "ALLOTTED_TIMEOUT" | "SUBSCRIBER_ABSENT" => {
            (CallStatus::NoAnswer, true)
        }
        "ORIGINATOR_CANCEL" | "MANAGER_REQUEST" => (CallStatus::Canceled, true),
        // Declined, unknown or wrong numbers: the callee's network answered; another carrier
        // would say the same.
        "CALL_REJECTED"
        | "UNALLOCATED_NUMBER"
        | "NUMBER_CHANGED"
        | "INVALID_NUMBER_FORMAT"
        | "NORMAL_CLEARING" => (CallStatus::Failed, true),
        // 5xx, timeouts, congestion, unreachable gateways: the carrier failed.
        _ => (CallStatus::Failed, false),
    }
}

/// A call as the API shows it and as `call.*` events carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CallView {
    /// Identifier.
    pub id: Uuid,
    /// The tenant (account) it belongs to.
    pub tenant_id: Uuid,
    /// Status.
    pub status: CallStatus,
    /// `outbound` or `inbound`.
    pub direction: String,
    /// Called party.
    pub to: String,
    /// Caller id.
    pub from: String,
    /// Inline application.
    #[schema(value_type = Option<Vec<Object>>)]
    pub application: Option<Value>,
    /// Application endpoint.
    pub answer_url: Option<String>,
    /// The hosted application the verbs (or the endpoint) came from.
    pub application_id: Option<Uuid>,
    /// Status callback.
    pub status_callback: Option<String>,
    /// Which statuses are posted to it (`initiated`, `ringing`, `answered`, `completed`);
    /// `None`: all of them.
    pub status_callback_events: Option<Vec<String>>,
    /// Ring timeout, seconds.
    pub timeout: i32,
    /// Longest duration, seconds.
    pub max_duration: i32,
    /// Your data.
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// Carrier of the last attempt.
    pub carrier_id: Option<Uuid>,
    /// Carriers tried.
    pub attempts: i32,
    /// Answered duration, seconds (once completed).
    pub duration: Option<i32>,
    /// Hangup cause (FreeSWITCH name).
    pub hangup_cause: Option<String>,
    /// Final SIP status.
    pub sip_status: Option<i32>,
    /// Why it failed or was canceled, in words.
    pub reason: Option<String>,
    /// Accepted.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Dialling started.
    #[serde(with = "time::serde::rfc3339::option")]
    pub initiated_at: Option<OffsetDateTime>,
    /// Ringing.
    #[serde(with = "time::serde::rfc3339::option")]
    pub ringing_at: Option<OffsetDateTime>,
    /// Answered.
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    /// Ended.
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_moves_are_forward_only() {
        for s in CallStatus::ALL {
            assert_eq!(s.as_str().parse::<CallStatus>().unwrap(), s);
            assert!(!s.predecessors().contains(&s), "{s} cannot follow itself");
            for p in s.predecessors() {
                assert!(!p.is_final(), "{s} cannot follow the final {p}");
            }
        }
        assert_eq!(CallStatus::NoAnswer.event_type(), "call.no-answer");
        assert!("done".parse::<CallStatus>().is_err());
    }

    #[test]
    fn busy_and_no_answer_are_final_carrier_failures_are_not() {
        assert_eq!(unanswered_outcome("USER_BUSY"), (CallStatus::Busy, true));
        assert_eq!(
            unanswered_outcome("NO_ANSWER"),
            (CallStatus::NoAnswer, true)
        );
        assert_eq!(
            unanswered_outcome("CALL_REJECTED"),
            (CallStatus::Failed, true)
        );
        for carrier_failure in [
            "NORMAL_TEMPORARY_FAILURE",
            "SERVICE_UNAVAILABLE",
            "RECOVERY_ON_TIMER_EXPIRE",
            "NETWORK_OUT_OF_ORDER",
            "DESTINATION_OUT_OF_ORDER",
        ] {
            assert_eq!(
                unanswered_outcome(carrier_failure),
                (CallStatus::Failed, false)
            );
        }
    }
}
