//! From a media server's `CHANNEL_HANGUP_COMPLETE` to a CDR row: times from the channel's
//! epochs, who and where from the `irisx_*` variables the orchestrator set on the leg (falling
//! back to the caller profile for legs it did not place), and the cost and price rated from
//! the rate and price the router chose, on the billed seconds.

use esl::Event;
use irisx_bus::LegRecord;
use irisx_core::lcr::{self, Rate};
use irisx_store::cdr::NewCdr;
use time::OffsetDateTime;
use uuid::Uuid;

/// Why a captured hangup cannot become a CDR.
#[derive(Debug, thiserror::Error)]
pub enum BadRecord {
    /// The message is not a `LegRecord`.
    #[error("not a leg record: {0}")]
    Envelope(String),
    /// The event does not parse.
    #[error("leg {leg}: the event does not parse: {message}")]
    Event {
        /// The leg.
        leg: String,
        /// The parser's complaint.
        message: String,
    },
    /// The channel has no usable end time.
    #[error("leg {0}: no start or end time in the hangup")]
    NoTimes(String),
}

/// Reads a message of the `CDRS` stream.
pub fn from_message(payload: &[u8]) -> Result<NewCdr, BadRecord> {
    let record: LegRecord =
        serde_json::from_slice(payload).map_err(|e| BadRecord::Envelope(e.to_string()))?;
    from_record(&record)
}

/// Maps one leg's hangup to its CDR.
pub fn from_record(record: &LegRecord) -> Result<NewCdr, BadRecord> {
    let event = Event::parse_json(record.event.as_bytes()).map_err(|e| BadRecord::Event {
        leg: record.leg_id.clone(),
        message: e.to_string(),
    })?;
    let var = |name: &str| event.variable(name).filter(|v| !v.is_empty());
    let uuid_var = |name: &str| var(name).and_then(|v| v.parse::<Uuid>().ok());
    let int_var = |name: &str| var(name).and_then(|v| v.trim().parse::<i64>().ok());

    let micros = |u: &str, s: &str| -> Option<OffsetDateTime> {
        let us = int_var(u)
            .filter(|v| *v > 0)
            .or_else(|| int_var(s).filter(|v| *v > 0).map(|v| v * 1_000_000))?;
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000).ok()
    };
    let event_time = event
        .header_as::<i64>("Event-Date-Timestamp")
        .and_then(|us| OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000).ok());
    let ended_at = micros("end_uepoch", "end_epoch")
        .or(event_time)
        .ok_or_else(|| BadRecord::NoTimes(record.leg_id.clone()))?;
    let started_at = micros("start_uepoch", "start_epoch")
        .ok_or_else(|| BadRecord::NoTimes(record.leg_id.clone()))?;
    let answered_at = micros("answer_uepoch", "answer_epoch");

    let duration_s = int_var("duration")
        .unwrap_or_else(|| (ended_at - started_at).whole_seconds())
        .clamp(0, i64::from(i32::MAX)) as i32;
    let billsec = int_var("billsec")
        .unwrap_or_else(|| answered_at.map_or(0, |a| (ended_at - a).whole_seconds()))
        .clamp(0, i64::from(i32::MAX)) as i32;

    let carrier_id = uuid_var("irisx_carrier_id");
    let rated = |price: &str, increments: &str| -> Option<i64> {
        let per_minute = int_var(price)?;
        let (first, next) = var(increments)
            .and_then(|s| s.split_once('/'))
            .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
            .unwrap_or((60, 60));
        let rate = Rate {
            prefix: String::new(),
            cost_micros: per_minute,
            increment_first: first,
            increment_next: next,
        };
        Some(lcr::cost_micros(billsec as u64, &rate))
    };

    let direction = var("irisx_direction")
        .or_else(|| event.header("Call-Direction"))
        .map(|d| {
            if d == "inbound" {
                "inbound"
            } else {
                "outbound"
            }
        })
        .unwrap_or("outbound")
        .to_owned();
    let from_uri = var("irisx_from")
        .or_else(|| event.header("Caller-Caller-ID-Number"))
        .unwrap_or_default()
        .to_owned();
    let to_uri = var("irisx_to")
        .or_else(|| event.header("Caller-Destination-Number"))
        .unwrap_or_default()
        .to_owned();
    let hangup_cause = event
        .hangup_cause()
        .or_else(|| var("hangup_cause"))
        .unwrap_or("NORMAL_CLEARING")
        .to_owned();

    Ok(NewCdr {
        leg_id: record.leg_id.clone(),
        started_at,
        tenant_id: uuid_var("irisx_tenant_id"),
        call_id: uuid_var("irisx_call_id"),
        direction,
        from_uri,
        to_uri,
        carrier_id,
        answered_at,
        ended_at,
        duration_s,
        billsec,
        hangup_cause,
        sip_status: int_var("sip_term_status").and_then(|s| i32::try_from(s).ok()),
        cost_micros: carrier_id.and_then(|_| rated("irisx_cost_micros", "irisx_cost_increments")),
        price_micros: rated("irisx_price_micros", "irisx_price_increments"),
        media_server: record.media_server.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hangup(vars: &[(&str, &str)]) -> LegRecord {
        let mut e = Event::new("CHANNEL_HANGUP_COMPLETE")
            .with("Unique-ID", "0b6e1f5c-3f0e-4b8e-9a55-0d7a4f6f2f10")
            .with("Call-Direction", "outbound")
            .with("Hangup-Cause", "NORMAL_CLEARING")
            .with("Caller-Caller-ID-Number", "+15550001111")
            .with("Caller-Destination-Number", "15551234567")
            .with("Event-Date-Timestamp", "1795464730000000");
        for (k, v) in vars {
            e.push_variable(k, v);
        }
        LegRecord {
            leg_id: "0b6e1f5c-3f0e-4b8e-9a55-0d7a4f6f2f10".into(),
            media_server: "127.0.0.1:8021".into(),
            event: e.to_json(),
        }
    }

    const CALL: &str = "3d9a4c8e-8a55-4a43-9b0e-7f2f7f6f0a11";
    const TENANT: &str = "5e0a8b1c-2b4d-4e8f-8a9b-1c2d3e4f5a6b";
    const CARRIER: &str = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

    #[test]
    fn answered_leg_is_rated_by_carrier_deck_and_tenant_price() {
        let r = hangup(&[
            ("start_uepoch", "1795464700000000"),
            ("answer_uepoch", "1795464705000000"),
            ("end_uepoch", "1795464730000000"),
            ("duration", "30"),
            ("billsec", "25"),
            ("sip_term_status", "200"),
            ("irisx_call_id", CALL),
            ("irisx_tenant_id", TENANT),
            ("irisx_carrier_id", CARRIER),
            ("irisx_direction", "outbound"),
            ("irisx_from", "+15550001111"),
            ("irisx_to", "+15551234567"),
            ("irisx_cost_micros", "6000"),
            ("irisx_cost_increments", "60/60"),
            ("irisx_price_micros", "12000"),
            ("irisx_price_increments", "1/1"),
        ]);
        let c = from_record(&r).unwrap();
        assert_eq!(c.call_id.unwrap().to_string(), CALL);
        assert_eq!(c.tenant_id.unwrap().to_string(), TENANT);
        assert_eq!(c.carrier_id.unwrap().to_string(), CARRIER);
        assert_eq!(c.to_uri, "+15551234567");
        assert_eq!(c.started_at.unix_timestamp(), 1_795_464_700);
        assert_eq!(c.answered_at.unwrap().unix_timestamp(), 1_795_464_705);
        assert_eq!((c.duration_s, c.billsec), (30, 25));
        assert_eq!(c.sip_status, Some(200));
        // 25 s at 60/60 bills one minute; at 1/1 it bills 25 s.
        assert_eq!(c.cost_micros, Some(6000));
        assert_eq!(c.price_micros, Some(12000 * 25 / 60));
        assert_eq!(c.media_server, "127.0.0.1:8021");
    }

    #[test]
    fn unanswered_leg_costs_nothing_and_keeps_its_cause() {
        let r = hangup(&[
            ("start_epoch", "1795464700"),
            ("answer_epoch", "0"),
            ("end_epoch", "1795464703"),
            ("hangup_cause", "USER_BUSY"),
            ("sip_term_status", "486"),
            ("irisx_carrier_id", CARRIER),
            ("irisx_cost_micros", "6000"),
        ]);
        let mut r2 = r.clone();
        r2.event = r.event.replace("NORMAL_CLEARING", "USER_BUSY");
        let c = from_record(&r2).unwrap();
        assert_eq!(c.answered_at, None);
        assert_eq!((c.duration_s, c.billsec), (3, 0));
        assert_eq!(c.hangup_cause, "USER_BUSY");
        assert_eq!(c.sip_status, Some(486));
        assert_eq!(c.cost_micros, Some(0));
        assert_eq!(c.price_micros, None);
    }

    #[test]
    fn foreign_leg_falls_back_to_the_caller_profile() {
        let r = hangup(&[("start_epoch", "1795464700"), ("end_epoch", "1795464701")]);
        let c = from_record(&r).unwrap();
        assert_eq!((c.tenant_id, c.call_id, c.carrier_id), (None, None, None));
        assert_eq!(c.from_uri, "+15550001111");
        assert_eq!(c.to_uri, "15551234567");
        assert_eq!(c.direction, "outbound");
        assert_eq!(c.cost_micros, None);
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        assert!(matches!(
            from_message(b"{not json"),
            Err(BadRecord::Envelope(_))
        ));
        let bad = LegRecord {
            leg_id: "x".into(),
            media_server: "m".into(),
            event: "[1,2".into(),
        };
        assert!(matches!(from_record(&bad), Err(BadRecord::Event { .. })));
        let no_times = hangup(&[]);
        assert!(matches!(from_record(&no_times), Err(BadRecord::NoTimes(_))));
    }
}
