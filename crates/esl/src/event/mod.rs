//! Typed events: what a `text/event-plain` or `text/event-json` message carries, with its
//! headers decoded, its channel variables (`variable_*`) reachable without the prefix, and
//! its body (a BACKGROUND_JOB result, a DETECTED_SPEECH result, …).
//!
//! All header names and decoded values live in one string arena with offsets, so parsing a
//! channel event with a few hundred headers costs a couple of allocations. The same type is
//! used to build events on the server side and serialise them (plain, JSON, XML).

mod json;
mod name;
mod plain;
mod xml;

use std::fmt;
use std::str::FromStr;

pub use name::EventName;

/// Why an event body could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The body is not UTF-8 text.
    #[error("event is not UTF-8")]
    NotText,
    /// The body is not a JSON object of header values.
    #[error("bad JSON event: {0}")]
    Json(String),
}

/// How events are serialised on a connection (`event plain|json|xml …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventFormat {
    /// `text/event-plain`: percent-encoded `Name: value` lines.
    Plain,
    /// `text/event-json`: one JSON object, the body under `_body`.
    Json,
    /// `text/event-xml`: passed through raw by the client.
    Xml,
}

impl EventFormat {
    /// The word used in commands (`event json …`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventFormat::Plain => "plain",
            EventFormat::Json => "json",
            EventFormat::Xml => "xml",
        }
    }

    /// The `Content-Type` of events in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            EventFormat::Plain => "text/event-plain",
            EventFormat::Json => "text/event-json",
            EventFormat::Xml => "text/event-xml",
        }
    }

    /// Parses the command word (case-insensitive).
    pub fn parse(word: &str) -> Option<EventFormat> {
        [EventFormat::Plain, EventFormat::Json, EventFormat::Xml]
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(word))
    }
}

/// One header: the name is `arena[start..split]`, the value `arena[split..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    split: usize,
    end: usize,
}

/// One event: ordered headers (decoded), and an optional body.
///
/// Header names compare case-insensitively, as in FreeSWITCH. Build one with
/// [`Event::new`] and [`Event::push`]; parse one with [`Event::parse_plain`] or
/// [`Event::parse_json`] (or get it from [`crate::Message::from_frame`]).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Event {
    arena: String,
    spans: Vec<Span>,
    body: Option<String>,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("name", &self.name())
            .field("unique_id", &self.unique_id())
            .field("headers", &self.spans.len())
            .field("body_len", &self.body.as_ref().map(String::len))
            .finish()
    }
}

impl Event {
    /// A new event named `name` (its first header is `Event-Name`).
    pub fn new(name: &str) -> Event {
        let mut e = Event::with_capacity(256, 16);
        e.push("Event-Name", name);
        e
    }

    /// An empty event with room for `bytes` of names and values and `headers` headers.
    pub fn with_capacity(bytes: usize, headers: usize) -> Event {
        Event {
            arena: String::with_capacity(bytes),
            spans: Vec::with_capacity(headers),
            body: None,
        }
    }

    /// Appends a header (the value as it should read once decoded).
    pub fn push(&mut self, name: &str, value: &str) {
        let start = self.arena.len();
        self.arena.push_str(name);
        let split = self.arena.len();
        self.arena.push_str(value);
        self.spans.push(Span {
            start,
            split,
            end: self.arena.len(),
        });
    }

    /// Appends a channel variable (a `variable_<name>` header).
    pub fn push_variable(&mut self, name: &str, value: &str) {
        let start = self.arena.len();
        self.arena.push_str("variable_");
        self.arena.push_str(name);
        let split = self.arena.len();
        self.arena.push_str(value);
        self.spans.push(Span {
            start,
            split,
            end: self.arena.len(),
        });
    }

    /// Builder form of [`Event::push`].
    pub fn with(mut self, name: &str, value: &str) -> Event {
        self.push(name, value);
        self
    }

    /// Sets (or clears) the body.
    pub fn set_body(&mut self, body: Option<String>) {
        self.body = body;
    }

    /// Builder form of [`Event::set_body`].
    pub fn with_body(mut self, body: impl Into<String>) -> Event {
        self.body = Some(body.into());
        self
    }

    /// Every header in order, as `(name, decoded value)`.
    pub fn headers(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.spans.iter().map(|s| {
            (
                self.arena.get(s.start..s.split).unwrap_or(""),
                self.arena.get(s.split..s.end).unwrap_or(""),
            )
        })
    }

    /// How many headers the event has.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the event has no headers.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// A header's value (name compared case-insensitively, first match).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// A header parsed as a number (or anything else `FromStr`); `None` if absent or bad.
    pub fn header_as<T: FromStr>(&self, name: &str) -> Option<T> {
        self.header(name).and_then(|v| v.trim().parse().ok())
    }

    /// `Event-Name`, e.g. `CHANNEL_ANSWER`.
    pub fn name(&self) -> Option<&str> {
        self.header("Event-Name")
    }

    /// The event's name as an [`EventName`] ([`EventName::Other`] when unknown or absent).
    pub fn kind(&self) -> EventName {
        self.name()
            .map(EventName::parse)
            .unwrap_or(EventName::Other)
    }

    /// `Event-Subclass`, for `CUSTOM` events (e.g. `sofia::register`).
    pub fn subclass(&self) -> Option<&str> {
        self.header("Event-Subclass")
    }

    /// `Unique-ID`: the channel the event is about.
    pub fn unique_id(&self) -> Option<&str> {
        self.header("Unique-ID")
    }

    /// `Event-Sequence`: FreeSWITCH's per-process event counter.
    pub fn sequence(&self) -> Option<u64> {
        self.header_as("Event-Sequence")
    }

    /// `Job-UUID`, on BACKGROUND_JOB events (and on the events of a `sendmsg` that set
    /// `Event-UUID`, as `Application-UUID`).
    pub fn job_uuid(&self) -> Option<&str> {
        self.header("Job-UUID")
    }

    /// `Application` on CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE.
    pub fn application(&self) -> Option<&str> {
        self.header("Application")
    }

    /// `Application-Data`: the argument the application ran with.
    pub fn application_data(&self) -> Option<&str> {
        self.header("Application-Data")
    }

    /// `Application-Response` on CHANNEL_EXECUTE_COMPLETE (e.g. `FILE PLAYED`).
    pub fn application_response(&self) -> Option<&str> {
        self.header("Application-Response")
    }

    /// `Application-UUID`: the `Event-UUID` the `sendmsg` was sent with.
    pub fn application_uuid(&self) -> Option<&str> {
        self.header("Application-UUID")
    }

    /// `Hangup-Cause` on CHANNEL_HANGUP / CHANNEL_HANGUP_COMPLETE (e.g. `NORMAL_CLEARING`).
    pub fn hangup_cause(&self) -> Option<&str> {
        self.header("Hangup-Cause")
    }

    /// `DTMF-Digit` on DTMF events.
    pub fn dtmf_digit(&self) -> Option<&str> {
        self.header("DTMF-Digit")
    }

    /// `DTMF-Duration` on DTMF events, in samples (8 kHz: 2000 = 250 ms).
    pub fn dtmf_duration(&self) -> Option<u32> {
        self.header_as("DTMF-Duration")
    }

    /// A channel variable (the `variable_<name>` header).
    pub fn variable(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(k, _)| k.strip_prefix("variable_") == Some(name))
            .map(|(_, v)| v)
    }

    /// A channel variable parsed as a number (e.g. `billsec`, `start_epoch`).
    pub fn variable_as<T: FromStr>(&self, name: &str) -> Option<T> {
        self.variable(name).and_then(|v| v.trim().parse().ok())
    }

    /// Every channel variable, without the `variable_` prefix, in order.
    pub fn variables(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers()
            .filter_map(|(k, v)| k.strip_prefix("variable_").map(|n| (n, v)))
    }

    /// The body (a BACKGROUND_JOB result, …), if any.
    pub fn body(&self) -> Option<&str> {
        self.body.as_deref()
    }

    /// Parses the body of a `text/event-plain` message.
    pub fn parse_plain(bytes: &[u8]) -> Result<Event, EventError> {
        plain::parse(bytes)
    }

    /// Parses the body of a `text/event-json` message.
    pub fn parse_json(bytes: &[u8]) -> Result<Event, EventError> {
        json::parse(bytes)
    }

    /// Serialises as the body of a `text/event-plain` message (percent-encoded values; the
    /// inner body after its own `Content-Length`).
    pub fn to_plain(&self) -> String {
        plain::serialise(self)
    }

    /// Serialises as the body of a `text/event-json` message (headers in order, then
    /// `Content-Length` and `_body` when there is a body).
    pub fn to_json(&self) -> String {
        json::serialise(self)
    }

    /// Serialises as the body of a `text/event-xml` message.
    pub fn to_xml(&self) -> String {
        xml::serialise(self)
    }

    /// Serialises in `format`.
    pub fn serialise(&self, format: EventFormat) -> String {
        match format {
            EventFormat::Plain => self.to_plain(),
            EventFormat::Json => self.to_json(),
            EventFormat::Xml => self.to_xml(),
        }
    }

    /// Starts a header whose name is pushed now and whose value the caller appends to the
    /// arena; finished by [`Event::end_header`]. Used by the parsers to decode in place.
    fn begin_header(&mut self, name: &str) -> (usize, usize) {
        let start = self.arena.len();
        self.arena.push_str(name);
        (start, self.arena.len())
    }

    fn end_header(&mut self, (start, split): (usize, usize)) {
        self.spans.push(Span {
            start,
            split,
            end: self.arena.len(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_accessors() {
        let mut e = Event::new("CHANNEL_EXECUTE_COMPLETE")
            .with("Unique-ID", "u1")
            .with("Event-Sequence", "42")
            .with("Application", "playback")
            .with("Application-Data", "/tmp/a.wav")
            .with("Application-Response", "FILE PLAYED")
            .with("Application-UUID", "app-1");
        e.push_variable("billsec", "17");
        assert_eq!(e.kind(), EventName::ChannelExecuteComplete);
        assert_eq!(e.unique_id(), Some("u1"));
        assert_eq!(e.sequence(), Some(42));
        assert_eq!(e.application(), Some("playback"));
        assert_eq!(e.application_data(), Some("/tmp/a.wav"));
        assert_eq!(e.application_response(), Some("FILE PLAYED"));
        assert_eq!(e.application_uuid(), Some("app-1"));
        assert_eq!(e.variable_as::<u32>("billsec"), Some(17));
        assert_eq!(e.header("variable_billsec"), Some("17"));
        assert_eq!(e.len(), 8);
        let d = Event::new("DTMF")
            .with("DTMF-Digit", "#")
            .with("DTMF-Duration", "2000");
        assert_eq!((d.dtmf_digit(), d.dtmf_duration()), (Some("#"), Some(2000)));
        assert_eq!(Event::default().kind(), EventName::Other);
    }

    #[test]
    fn formats() {
        for f in [EventFormat::Plain, EventFormat::Json, EventFormat::Xml] {
            assert_eq!(EventFormat::parse(&f.as_str().to_uppercase()), Some(f));
        }
        assert_eq!(EventFormat::parse("yaml"), None);
    }
}
