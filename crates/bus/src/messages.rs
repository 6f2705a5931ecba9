//! The messages carried by the streams, as JSON.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// A request to place a call, stored in `CALLS` once its row is committed. The row in
/// PostgreSQL stays the source of truth (an orchestrator re-reads it, so a call canceled while
/// queued is never dialled); the message is the durable trigger and a record of what was asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRequest {
    /// The call's id; also the media server's `origination_uuid` of its first attempt.
    pub call_id: Uuid,
    /// The tenant placing it.
    pub tenant_id: Uuid,
    /// E.164 number or SIP URI.
    pub to: String,
    /// Caller id.
    pub from: String,
    /// When the API accepted it.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
}

/// A leg's hangup record as a media server reported it (`CHANNEL_HANGUP_COMPLETE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegRecord {
    /// The channel's `Unique-ID`.
    pub leg_id: String,
    /// Which media server (`host:port` of its Event Socket).
    pub media_server: String,
    /// The whole event in FreeSWITCH's JSON form (`text/event-json`).
    pub event: String,
}

/// Something that happened, for webhooks and other consumers of `EVENTS`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Unique and stable: a republished event keeps its id (the JetStream message id).
    pub id: String,
    /// `call.initiated`, `call.ringing`, `call.answered`, `call.completed`, `cdr.created`, ….
    #[serde(rename = "type")]
    pub kind: String,
    /// The tenant it belongs to (`None`: not attributed to a tenant, e.g. an unknown inbound leg).
    pub tenant_id: Option<Uuid>,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The resource as it is now (the call, the CDR).
    pub data: Value,
}

/// An instruction for the orchestrator that runs a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallControl {
    /// The call.
    pub call_id: Uuid,
    /// Its tenant.
    pub tenant_id: Uuid,
    /// What to do.
    pub action: ControlAction,
}

/// What a [`CallControl`] asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ControlAction {
    /// Hang the call up (cancel it if not answered yet).
    Hangup,
}

impl Envelope {
    /// The `call.<status>` event for a call as it is now. Its id, `call.<status>:<call id>`,
    /// is the same whoever publishes it, so a status is announced once.
    pub fn call(call: &irisx_core::call::CallView) -> Envelope {
        let kind = call.status.event_type();
        Envelope {
            id: format!("{kind}:{}", call.id),
            kind,
            tenant_id: Some(call.tenant_id),
            occurred_at: OffsetDateTime::now_utc(),
            data: serde_json::to_value(call).unwrap_or(Value::Null),
        }
    }
}

impl Envelope {
    /// Whether this is a call's status to post to its status callback: the call has one, and
    /// asked for this status (`status_callback_events`; all of them when it did not say).
    pub fn wants_callback(&self) -> bool {
        if !self.kind.starts_with("call.")
            || !self
                .data
                .get("status_callback")
                .is_some_and(|u| u.is_string())
        {
            return false;
        }
        let Some(events) = self
            .data
            .get("status_callback_events")
            .and_then(|v| v.as_array())
        else {
            return true;
        };
        let group = self
            .data
            .get("status")
            .and_then(|s| s.as_str())
            .and_then(|s| s.parse::<irisx_core::CallStatus>().ok())
            .and_then(irisx_core::CallStatus::callback_event);
        group.is_some_and(|g| events.iter().any(|e| e.as_str() == Some(g)))
    }

    /// The `cdr.created` event of a CDR written at `written_at`; its id, `cdr.created:<leg>`,
    /// makes a re-announcement a duplicate JetStream drops.
    pub fn cdr(cdr: &irisx_core::cdr::CdrView, written_at: OffsetDateTime) -> Envelope {
        Envelope {
            id: format!("cdr.created:{}", cdr.leg_id),
            kind: "cdr.created".into(),
            tenant_id: cdr.tenant_id,
            occurred_at: written_at,
            data: serde_json::to_value(cdr).unwrap_or(Value::Null),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(status: &str, events: serde_json::Value) -> Envelope {
        Envelope {
            id: format!("call.{status}:x"),
            kind: format!("call.{status}"),
            tenant_id: None,
            occurred_at: OffsetDateTime::now_utc(),
            data: serde_json::json!({"status": status, "status_callback": "https://h.example/x",
                                     "status_callback_events": events}),
        }
    }

    #[test]
    fn only_the_statuses_asked_for_are_sent() {
        let all = serde_json::Value::Null;
        let done = serde_json::json!(["completed"]);
        assert!(event("ringing", all).wants_callback());
        assert!(!event("ringing", done.clone()).wants_callback());
        for final_status in ["completed", "busy", "no-answer", "failed", "canceled"] {
            assert!(
                event(final_status, done.clone()).wants_callback(),
                "{final_status}"
            );
        }
        let early = serde_json::json!(["initiated", "answered"]);
        assert!(event("initiated", early.clone()).wants_callback());
        assert!(event("answered", early.clone()).wants_callback());
        assert!(!event("completed", early).wants_callback());
    }
}
