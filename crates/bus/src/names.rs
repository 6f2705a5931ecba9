//! Stream and subject names, derived from a namespace so that tests (and deployments sharing
//! a NATS server) do not see each other's messages.

/// All names the pipeline uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// Stream of call requests.
    pub calls_stream: String,
    /// Subject of call requests.
    pub call_requests: String,
    /// Core-NATS subject of call control messages (hangup).
    pub call_control: String,
    /// Stream of leg records.
    pub cdrs_stream: String,
    /// Subject of leg records.
    pub cdr_legs: String,
    /// Stream of events.
    pub events_stream: String,
    /// Subject prefix of events (`events`): `events.<tenant>.<type>`.
    pub events_prefix: String,
    /// Stream of status callbacks to deliver.
    pub webhooks_stream: String,
    /// Subject prefix of status callbacks (`webhooks`): `webhooks.<tenant>.<type>`.
    pub webhooks_prefix: String,
}

impl Names {
    /// Names for `namespace` (empty: the plain names `CALLS`, `calls.requests`, …).
    pub fn new(namespace: &str) -> Names {
        let ns: String = namespace
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let stream = |s: &str| {
            if ns.is_empty() {
                s.to_owned()
            } else {
                format!("{}_{s}", ns.to_ascii_uppercase())
            }
        };
        let subject = |s: &str| {
            if ns.is_empty() {
                s.to_owned()
            } else {
                format!("{ns}.{s}")
            }
        };
        Names {
            calls_stream: stream("CALLS"),
            call_requests: subject("calls.requests"),
            call_control: subject("calls.control"),
            cdrs_stream: stream("CDRS"),
            cdr_legs: subject("cdrs.legs"),
            events_stream: stream("EVENTS"),
            events_prefix: subject("events"),
            webhooks_stream: stream("WEBHOOKS"),
            webhooks_prefix: subject("webhooks"),
        }
    }

    /// `events.<tenant>.<type>`.
    pub fn event_subject(&self, tenant: &str, kind: &str) -> String {
        format!("{}.{tenant}.{kind}", self.events_prefix)
    }

    /// `webhooks.<tenant>.<type>`.
    pub fn webhook_subject(&self, tenant: &str, kind: &str) -> String {
        format!("{}.{tenant}.{kind}", self.webhooks_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_namespaced() {
        let n = Names::new("");
        assert_eq!(n.calls_stream, "CALLS");
        assert_eq!(
            n.event_subject("t", "call.answered"),
            "events.t.call.answered"
        );
        let n = Names::new("t1.x y");
        assert_eq!(n.calls_stream, "T1XY_CALLS");
        assert_eq!(n.cdr_legs, "t1xy.cdrs.legs");
    }
}
