//! Events as FreeSWITCH emits them: the event envelope (`Event-Name`, `Core-UUID`, dates,
//! sequence) and, for channel events, the channel's headers and every variable as
//! `variable_<name>`. The ESL server serialises these to plain, JSON or XML.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::channel::data::{ChannelData, now_us};

/// One event, with its headers in emission order and an optional body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchEvent {
    /// `Event-Name`, e.g. `CHANNEL_ANSWER`.
    pub name: String,
    /// `Event-Subclass` for `CUSTOM` events.
    pub subclass: Option<String>,
    /// Header name/value pairs (values not yet encoded).
    pub headers: Vec<(String, String)>,
    /// Body, for events that carry one (`BACKGROUND_JOB`).
    pub body: Option<String>,
}

impl SwitchEvent {
    /// The value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The channel this event is about, if any.
    pub fn unique_id(&self) -> Option<&str> {
        self.header("Unique-ID")
    }
}

/// Identity of this switch, stamped on every event.
#[derive(Debug)]
pub struct EventSource {
    /// `Core-UUID`: changes on every start.
    pub core_uuid: String,
    /// `FreeSWITCH-Hostname` / `FreeSWITCH-Switchname`.
    pub hostname: String,
    /// `FreeSWITCH-IPv4`.
    pub ipv4: String,
    sequence: AtomicU64,
}

impl EventSource {
    /// A source for a switch called `hostname` at `ipv4`.
    pub fn new(hostname: &str, ipv4: &str) -> Self {
        EventSource {
            core_uuid: uuid::Uuid::new_v4().to_string(),
            hostname: hostname.to_owned(),
            ipv4: ipv4.to_owned(),
            sequence: AtomicU64::new(1),
        }
    }

    /// A bare event with the envelope headers.
    pub fn event(&self, name: &str) -> SwitchEvent {
        let now = now_us();
        let gmt = time::OffsetDateTime::from_unix_timestamp(now / 1_000_000)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc2822)
                    .ok()
            })
            .unwrap_or_default()
            .replace("+0000", "GMT");
        let headers = vec![
            ("Event-Name".to_owned(), name.to_owned()),
            ("Core-UUID".to_owned(), self.core_uuid.clone()),
            ("FreeSWITCH-Hostname".to_owned(), self.hostname.clone()),
            ("FreeSWITCH-Switchname".to_owned(), self.hostname.clone()),
            ("FreeSWITCH-IPv4".to_owned(), self.ipv4.clone()),
            ("FreeSWITCH-IPv6".to_owned(), "::1".to_owned()),
            (
                "Event-Date-Local".to_owned(),
                crate::channel::data::stamp(now),
            ),
            ("Event-Date-GMT".to_owned(), gmt),
            ("Event-Date-Timestamp".to_owned(), now.to_string()),
            (
                "Event-Calling-File".to_owned(),
                "irisx_switch.rs".to_owned(),
            ),
            (
                "Event-Calling-Function".to_owned(),
                "irisx_switch".to_owned(),
            ),
            ("Event-Calling-Line-Number".to_owned(), "0".to_owned()),
            (
                "Event-Sequence".to_owned(),
                self.sequence.fetch_add(1, Ordering::Relaxed).to_string(),
            ),
        ];
        SwitchEvent {
            name: name.to_owned(),
            subclass: None,
            headers,
            body: None,
        }
    }

    /// A channel event: envelope, channel headers, caller profile and variables.
    pub fn channel_event(
        &self,
        name: &str,
        ch: &ChannelData,
        extra: &[(&str, String)],
    ) -> SwitchEvent {
        let mut e = self.event(name);
        let h = &mut e.headers;
        let mut push = |k: &str, v: String| h.push((k.to_owned(), v));
        let uuid = ch.uuid.to_string();
        push("Channel-State", ch.state.as_str().into());
        push("Channel-Call-State", ch.call_state.as_str().into());
        push("Channel-State-Number", ch.state.number().to_string());
        push("Channel-Name", ch.name.clone());
        push("Unique-ID", uuid.clone());
        push("Call-Direction", ch.direction.as_str().into());
        push("Presence-Call-Direction", ch.direction.as_str().into());
        push("Channel-HIT-Dialplan", "false".into());
        push("Channel-Call-UUID", uuid.clone());
        push("Answer-State", ch.call_state.answer_state().into());
        if let Some(cause) = ch.hangup_cause {
            push("Hangup-Cause", cause.to_string());
        }
        for (k, v) in extra {
            push(k, v.clone());
        }
        let c = &ch.caller;
        let t = &ch.times;
        push("Caller-Direction", ch.direction.as_str().into());
        push("Caller-Logical-Direction", ch.direction.as_str().into());
        push("Caller-Username", c.username.clone());
        push("Caller-Dialplan", "XML".into());
        push("Caller-Caller-ID-Name", c.caller_id_name.clone());
        push("Caller-Caller-ID-Number", c.caller_id_number.clone());
        push("Caller-Orig-Caller-ID-Name", c.caller_id_name.clone());
        push("Caller-Orig-Caller-ID-Number", c.caller_id_number.clone());
        push("Caller-Callee-ID-Name", c.callee_id_name.clone());
        push("Caller-Callee-ID-Number", c.callee_id_number.clone());
        push("Caller-Network-Addr", c.network_addr.clone());
        push("Caller-ANI", c.caller_id_number.clone());
        push("Caller-Destination-Number", c.destination_number.clone());
        push("Caller-Unique-ID", uuid);
        push("Caller-Source", "mod_sofia".into());
        push("Caller-Context", "default".into());
        push("Caller-Channel-Name", ch.name.clone());
        push("Caller-Profile-Index", "1".into());
        push("Caller-Profile-Created-Time", t.created.to_string());
        push("Caller-Channel-Created-Time", t.created.to_string());
        push("Caller-Channel-Answered-Time", t.answered.to_string());
        push("Caller-Channel-Progress-Time", t.progress.to_string());
        push(
            "Caller-Channel-Progress-Media-Time",
            t.progress_media.to_string(),
        );
        push("Caller-Channel-Hangup-Time", t.hangup.to_string());
        push("Caller-Channel-Transfer-Time", "0".into());
        push("Caller-Channel-Bridged-Time", t.bridged.to_string());
        if let Some(other) = ch.bridged_to {
            push("Other-Leg-Unique-ID", other.to_string());
        }
        for (k, v) in &ch.vars {
            h.push((format!("variable_{k}"), v.clone()));
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::data::CallerProfile;
    use crate::channel::state::Direction;

    #[test]
    fn channel_events_carry_headers_and_variables() {
        let src = EventSource::new("media-1", "127.0.0.1");
        let caller = CallerProfile {
            caller_id_number: "+15550001111".into(),
            destination_number: "1000".into(),
            ..Default::default()
        };
        let mut ch = ChannelData::new(
            uuid::Uuid::new_v4(),
            "sofia/internal/1000@127.0.0.1".into(),
            Direction::Inbound,
            caller,
        );
        ch.vars.insert("irisx_call_id".into(), "abc".into());
        let e = src.channel_event("CHANNEL_CREATE", &ch, &[]);
        assert_eq!(e.header("Event-Name"), Some("CHANNEL_CREATE"));
        assert_eq!(e.unique_id(), Some(ch.uuid.to_string().as_str()));
        assert_eq!(e.header("Caller-Destination-Number"), Some("1000"));
        assert_eq!(e.header("variable_irisx_call_id"), Some("abc"));
        assert_eq!(e.header("Channel-State"), Some("CS_NEW"));
        let e2 = src.event("HEARTBEAT");
        let seq = |e: &SwitchEvent| e.header("Event-Sequence").unwrap().parse::<u64>().unwrap();
        assert!(seq(&e2) > seq(&e));
        assert!(e2.header("Event-Date-GMT").unwrap().ends_with("GMT"));
    }
}
