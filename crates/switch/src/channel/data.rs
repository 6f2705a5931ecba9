//! What a channel knows about itself: identity, caller profile, timestamps, variables and how
//! it ended. Events and `uuid_getvar` read it; the channel's task writes it.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use uuid::Uuid;

use super::state::{CallState, ChannelState, Direction};
use crate::causes::HangupCause;

/// Microseconds since the Unix epoch, as FreeSWITCH timestamps are.
pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// The caller profile (FreeSWITCH's `Caller-*` headers).
#[derive(Debug, Clone, Default)]
pub struct CallerProfile {
    /// `Caller-Caller-ID-Name`.
    pub caller_id_name: String,
    /// `Caller-Caller-ID-Number`.
    pub caller_id_number: String,
    /// `Caller-Callee-ID-Name`.
    pub callee_id_name: String,
    /// `Caller-Callee-ID-Number`.
    pub callee_id_number: String,
    /// `Caller-Destination-Number`.
    pub destination_number: String,
    /// `Caller-Network-Addr`.
    pub network_addr: String,
    /// `Caller-Username`.
    pub username: String,
}

/// Timestamps in microseconds since the epoch (0 = not happened).
#[derive(Debug, Clone, Copy, Default)]
pub struct Times {
    /// Channel created.
    pub created: i64,
    /// 180 seen or sent.
    pub progress: i64,
    /// 183 with media seen or sent.
    pub progress_media: i64,
    /// Answered.
    pub answered: i64,
    /// Bridged.
    pub bridged: i64,
    /// Hung up.
    pub hangup: i64,
}

/// Everything about one call leg.
#[derive(Debug, Clone)]
pub struct ChannelData {
    /// `Unique-ID`.
    pub uuid: Uuid,
    /// `Channel-Name`, e.g. `sofia/internal/1000@127.0.0.1`.
    pub name: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// State machine position.
    pub state: ChannelState,
    /// Call state.
    pub call_state: CallState,
    /// Caller profile.
    pub caller: CallerProfile,
    /// Timestamps.
    pub times: Times,
    /// Channel variables.
    pub vars: BTreeMap<String, String>,
    /// Why it ended.
    pub hangup_cause: Option<HangupCause>,
    /// The other leg while bridged.
    pub bridged_to: Option<Uuid>,
}

impl ChannelData {
    /// A new channel in `CS_NEW`.
    pub fn new(uuid: Uuid, name: String, direction: Direction, caller: CallerProfile) -> Self {
        let mut vars = BTreeMap::new();
        vars.insert("uuid".into(), uuid.to_string());
        vars.insert("direction".into(), direction.as_str().into());
        vars.insert("channel_name".into(), name.clone());
        ChannelData {
            uuid,
            name,
            direction,
            state: ChannelState::New,
            call_state: CallState::Down,
            caller,
            times: Times {
                created: now_us(),
                ..Times::default()
            },
            vars,
            hangup_cause: None,
            bridged_to: None,
        }
    }

    /// A variable's value, including the computed ones FreeSWITCH offers
    /// (`caller_id_number`, `destination_number`, `hangup_cause`, …).
    pub fn var(&self, name: &str) -> Option<String> {
        if let Some(v) = self.vars.get(name) {
            return Some(v.clone());
        }
        let c = &self.caller;
        Some(match name {
            "caller_id_name" => c.caller_id_name.clone(),
            "caller_id_number" => c.caller_id_number.clone(),
            "destination_number" => c.destination_number.clone(),
            "network_addr" => c.network_addr.clone(),
            "state" => self.state.as_str().into(),
            "channel_call_state" => self.call_state.as_str().into(),
            "answer_state" => self.call_state.answer_state().into(),
            "hangup_cause" => self.hangup_cause?.to_string(),
            "bridge_uuid" | "signal_bond" => self.bridged_to?.to_string(),
            _ => return None,
        })
    }

    /// Fills the variables FreeSWITCH sets when a channel ends (`duration`, `billsec`, the
    /// epochs and stamps, the hangup cause).
    pub fn finalize(&mut self, cause: HangupCause) {
        let t = self.times;
        let end = if t.hangup > 0 { t.hangup } else { now_us() };
        self.times.hangup = end;
        self.hangup_cause = Some(cause);
        let secs = |us: i64| us / 1_000_000;
        let ms = |us: i64| us / 1000;
        let answered = t.answered > 0;
        let progress = if t.progress > 0 {
            t.progress
        } else {
            t.progress_media
        };
        let mut set = |k: &str, v: String| {
            self.vars.insert(k.to_owned(), v);
        };
        set("hangup_cause", cause.to_string());
        set("hangup_cause_q850", cause.q850().to_string());
        set("start_epoch", secs(t.created).to_string());
        set("start_uepoch", t.created.to_string());
        set("start_stamp", stamp(t.created));
        set(
            "answer_epoch",
            if answered { secs(t.answered) } else { 0 }.to_string(),
        );
        set(
            "answer_uepoch",
            if answered { t.answered } else { 0 }.to_string(),
        );
        if answered {
            set("answer_stamp", stamp(t.answered));
        }
        set(
            "progress_epoch",
            if progress > 0 { secs(progress) } else { 0 }.to_string(),
        );
        set("progress_uepoch", progress.to_string());
        set("end_epoch", secs(end).to_string());
        set("end_uepoch", end.to_string());
        set("end_stamp", stamp(end));
        set("duration", (secs(end) - secs(t.created)).max(0).to_string());
        set("mduration", (ms(end) - ms(t.created)).max(0).to_string());
        let billsec = if answered {
            (secs(end) - secs(t.answered)).max(0)
        } else {
            0
        };
        set("billsec", billsec.to_string());
        set(
            "billmsec",
            if answered {
                (ms(end) - ms(t.answered)).max(0)
            } else {
                0
            }
            .to_string(),
        );
        set(
            "progresssec",
            if progress > 0 {
                (secs(progress) - secs(t.created)).max(0)
            } else {
                0
            }
            .to_string(),
        );
        set(
            "answersec",
            if answered {
                (secs(t.answered) - secs(t.created)).max(0)
            } else {
                0
            }
            .to_string(),
        );
        set(
            "waitsec",
            if answered {
                (secs(t.answered) - secs(t.created)).max(0)
            } else {
                0
            }
            .to_string(),
        );
        set(
            "flow_billsec",
            (secs(end) - secs(t.created)).max(0).to_string(),
        );
        set("caller_id_name", self.caller.caller_id_name.clone());
        set("caller_id_number", self.caller.caller_id_number.clone());
        set("destination_number", self.caller.destination_number.clone());
    }
}

/// `YYYY-MM-DD hh:mm:ss` in UTC, as FreeSWITCH's `*_stamp` variables (local time there).
pub fn stamp(us: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(us / 1_000_000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finalize_computes_duration_and_billsec() {
        let mut d = ChannelData::new(
            Uuid::new_v4(),
            "sofia/external/1@h".into(),
            Direction::Outbound,
            CallerProfile::default(),
        );
        d.times.created = 1_795_464_700_000_000;
        d.times.progress = 1_795_464_701_000_000;
        d.times.answered = 1_795_464_702_000_000;
        d.times.hangup = 1_795_464_705_500_000;
        d.finalize(HangupCause::NormalClearing);
        assert_eq!(d.vars["duration"], "5");
        assert_eq!(d.vars["billsec"], "3");
        assert_eq!(d.vars["billmsec"], "3500");
        assert_eq!(d.vars["answersec"], "2");
        assert_eq!(d.vars["hangup_cause"], "NORMAL_CLEARING");
        assert_eq!(d.vars["hangup_cause_q850"], "16");
        assert_eq!(d.vars["start_stamp"], "2026-11-23 20:11:40");
        assert_eq!(d.var("hangup_cause").unwrap(), "NORMAL_CLEARING");
    }

    #[test]
    fn unanswered_calls_bill_nothing() {
        let mut d = ChannelData::new(
            Uuid::new_v4(),
            "x".into(),
            Direction::Outbound,
            CallerProfile::default(),
        );
        d.times.created = 1_000_000_000;
        d.times.hangup = 31_000_000_000 / 10;
        d.finalize(HangupCause::NoAnswer);
        assert_eq!(d.vars["billsec"], "0");
        assert_eq!(d.vars["answer_epoch"], "0");
        assert!(!d.vars.contains_key("answer_stamp"));
    }
}
