//! What a client receives, typed by `Content-Type`: the auth request, command replies, api
//! responses, events, disconnect notices, rejections and log lines.

use bytes::Bytes;

use crate::event::{Event, EventError};
use crate::frame::Frame;

/// A `command/reply`: the answer to every command except `api`.
///
/// `Reply-Text` starts with `+OK` or `-ERR`. Other headers ride along: `Job-UUID` for
/// `bgapi`, the whole channel's data for `connect` on an outbound socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    frame: Frame,
}

impl Reply {
    /// Wraps a `command/reply` frame.
    pub fn new(frame: Frame) -> Reply {
        Reply { frame }
    }

    /// `Reply-Text`, e.g. `+OK accepted` or `-ERR invalid` (empty when absent).
    pub fn text(&self) -> &str {
        self.frame.header("Reply-Text").unwrap_or("")
    }

    /// Whether the reply is `+OK …`.
    pub fn is_ok(&self) -> bool {
        self.text().starts_with("+OK")
    }

    /// `Job-UUID`, on the reply to `bgapi` (also read from `+OK Job-UUID: …`).
    pub fn job_uuid(&self) -> Option<&str> {
        self.frame.header("Job-UUID").or_else(|| {
            self.text()
                .strip_prefix("+OK Job-UUID:")
                .map(str::trim)
                .filter(|j| !j.is_empty())
        })
    }

    /// Any header of the reply.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.frame.header(name)
    }

    /// The reply's headers as an event (percent-decoded): on an outbound socket, the answer
    /// to `connect` carries the channel's data this way.
    pub fn channel_data(&self) -> Event {
        let mut e = Event::with_capacity(self.frame.head().len(), 64);
        for (k, v) in self.frame.headers() {
            e.push(k, &crate::percent::decode(v));
        }
        e
    }

    /// The underlying frame.
    pub fn frame(&self) -> &Frame {
        &self.frame
    }
}

/// One message from the server, typed by its `Content-Type`.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// `auth/request`: the server waits for `auth <password>`.
    AuthRequest,
    /// `command/reply`.
    Reply(Reply),
    /// `api/response` with its body (which may itself say `-ERR …`).
    ApiResponse(Bytes),
    /// A `text/event-plain` or `text/event-json` event.
    Event(Box<Event>),
    /// A `text/event-xml` event, passed through raw.
    XmlEvent(Bytes),
    /// `text/disconnect-notice`: the server is closing the connection (or, in linger mode,
    /// the channel is gone). The frame keeps `Content-Disposition` and friends.
    DisconnectNotice(Frame),
    /// `text/rude-rejection`: refused before auth (ACL); the text says why.
    RudeRejection(Bytes),
    /// `log/data`: a log line (`Log-Level` header, the text as body).
    Log(Frame),
    /// Any other content type, as received.
    Other(Frame),
}

impl Message {
    /// Types a frame, parsing events (plain and JSON) into [`Event`]s.
    pub fn from_frame(frame: Frame) -> Result<Message, EventError> {
        let body = |f: &Frame| f.body().cloned().unwrap_or_default();
        Ok(match frame.content_type().unwrap_or("") {
            "auth/request" => Message::AuthRequest,
            "command/reply" => Message::Reply(Reply::new(frame)),
            "api/response" => Message::ApiResponse(body(&frame)),
            "text/event-plain" => Message::Event(Box::new(Event::parse_plain(
                frame.body().map_or(&b""[..], |b| &b[..]),
            )?)),
            "text/event-json" => Message::Event(Box::new(Event::parse_json(
                frame.body().map_or(&b"{}"[..], |b| &b[..]),
            )?)),
            "text/event-xml" => Message::XmlEvent(body(&frame)),
            "text/disconnect-notice" => Message::DisconnectNotice(frame),
            "text/rude-rejection" => Message::RudeRejection(body(&frame)),
            "log/data" => Message::Log(frame),
            _ => Message::Other(frame),
        })
    }

    /// The text of an api response, rejection or notice body (lossy UTF-8); empty otherwise.
    pub fn text(&self) -> String {
        match self {
            Message::ApiResponse(b) | Message::XmlEvent(b) | Message::RudeRejection(b) => {
                String::from_utf8_lossy(b).into_owned()
            }
            Message::DisconnectNotice(f) | Message::Log(f) | Message::Other(f) => f.body_text(),
            Message::Reply(r) => r.text().to_owned(),
            Message::AuthRequest | Message::Event(_) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_job_uuid_from_header_or_text() {
        let r = Reply::new(Frame::new(
            &[
                ("Content-Type", "command/reply"),
                ("Reply-Text", "+OK Job-UUID: j-1"),
            ],
            None,
        ));
        assert!(r.is_ok());
        assert_eq!(r.job_uuid(), Some("j-1"));
        let bad = Reply::new(Frame::new(&[("Reply-Text", "-ERR no")], None));
        assert!(!bad.is_ok());
        assert_eq!(bad.job_uuid(), None);
    }

    #[test]
    fn connect_reply_carries_channel_data() {
        let r = Reply::new(Frame::new(
            &[
                ("Content-Type", "command/reply"),
                ("Reply-Text", "+OK"),
                ("Unique-ID", "u-9"),
                ("Caller-Caller-ID-Name", "Jane%20Doe"),
                ("variable_foo", "a%2Cb"),
            ],
            None,
        ));
        let e = r.channel_data();
        assert_eq!(e.unique_id(), Some("u-9"));
        assert_eq!(e.header("Caller-Caller-ID-Name"), Some("Jane Doe"));
        assert_eq!(e.variable("foo"), Some("a,b"));
    }
}
