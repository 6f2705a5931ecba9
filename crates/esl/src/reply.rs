//! The server side's encoders: everything an ESL server writes to a client, in the exact
//! shapes mod_event_socket uses (`auth/request`, `command/reply`, `api/response`, events in
//! plain / JSON / XML, `text/disconnect-notice`, `text/rude-rejection`, `log/data`).
//!
//! Each function returns a [`Frame`]; send it through [`crate::EslCodec`].

use bytes::Bytes;

use crate::event::{Event, EventFormat};
use crate::frame::Frame;

/// The text FreeSWITCH sends in a disconnect notice.
pub const GOODBYE: &str = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

/// The text FreeSWITCH sends when its ACL refuses a connection.
pub const ACCESS_DENIED: &str = "Access Denied, go away.\n";

/// `auth/request`: the first thing a server says on an inbound connection.
pub fn auth_request() -> Frame {
    Frame::new(&[("Content-Type", "auth/request")], None)
}

/// A `command/reply` with `Reply-Text: text` (`text` should start with `+OK` or `-ERR`).
pub fn command_reply(text: &str) -> Frame {
    Frame::new(
        &[("Content-Type", "command/reply"), ("Reply-Text", text)],
        None,
    )
}

/// `+OK <detail>` (or just `+OK` when `detail` is empty).
pub fn ok(detail: &str) -> Frame {
    if detail.is_empty() {
        command_reply("+OK")
    } else {
        command_reply(&format!("+OK {detail}"))
    }
}

/// `-ERR <detail>`.
pub fn err(detail: &str) -> Frame {
    command_reply(&format!("-ERR {detail}"))
}

/// The reply to `bgapi`: `+OK Job-UUID: <job>` and a `Job-UUID` header.
pub fn bgapi_accepted(job_uuid: &str) -> Frame {
    Frame::new(
        &[
            ("Content-Type", "command/reply"),
            ("Reply-Text", &format!("+OK Job-UUID: {job_uuid}")),
            ("Job-UUID", job_uuid),
        ],
        None,
    )
}

/// The `api/response` carrying an api command's output.
pub fn api_response(body: &str) -> Frame {
    Frame::new(&[("Content-Type", "api/response")], Some(body.as_bytes()))
}

/// An event message in `format` (`text/event-plain`, `-json` or `-xml`), with
/// `Content-Length` first as mod_event_socket writes it.
pub fn event(event: &Event, format: EventFormat) -> Frame {
    let body = event.serialise(format);
    let head = format!(
        "Content-Length: {}\nContent-Type: {}\n",
        body.len(),
        format.content_type()
    );
    let body = (!body.is_empty()).then(|| Bytes::from(body));
    Frame::from_parts(Bytes::from(head), body)
}

/// The BACKGROUND_JOB event that delivers a `bgapi` result (`+OK …` or `-ERR …`) as its body.
pub fn background_job(job_uuid: &str, command: &str, arg: &str, result: &str) -> Event {
    let mut e = Event::new("BACKGROUND_JOB").with("Job-UUID", job_uuid);
    e.push("Job-Command", command);
    if !arg.is_empty() {
        e.push("Job-Command-Arg", arg);
    }
    e.with_body(result)
}

/// `text/disconnect-notice` with FreeSWITCH's goodbye text: the server is closing.
pub fn disconnect_notice() -> Frame {
    Frame::new(
        &[("Content-Type", "text/disconnect-notice")],
        Some(GOODBYE.as_bytes()),
    )
}

/// The disconnect notice of a lingering outbound socket whose channel hung up
/// (`Content-Disposition: linger` or `disconnect`).
pub fn disconnect_notice_for(uuid: &str, channel_name: &str, linger: bool) -> Frame {
    let disposition = if linger { "linger" } else { "disconnect" };
    Frame::new(
        &[
            ("Content-Type", "text/disconnect-notice"),
            ("Controlled-Session-UUID", uuid),
            ("Content-Disposition", disposition),
            ("Channel-Name", channel_name),
        ],
        Some(GOODBYE.as_bytes()),
    )
}

/// `text/rude-rejection`: refuses a connection before auth.
pub fn rude_rejection(text: &str) -> Frame {
    Frame::new(
        &[("Content-Type", "text/rude-rejection")],
        Some(text.as_bytes()),
    )
}

/// `log/data`: a log line for a client that asked for `log <level>`.
pub fn log_data(level: u8, file: &str, line: u32, text: &str) -> Frame {
    Frame::new(
        &[
            ("Content-Type", "log/data"),
            ("Log-Level", &level.to_string()),
            ("Text-Channel", "3"),
            ("Log-File", file),
            ("Log-Func", ""),
            ("Log-Line", &line.to_string()),
        ],
        Some(text.as_bytes()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shapes() {
        assert_eq!(
            &auth_request().to_bytes()[..],
            b"Content-Type: auth/request\n\n"
        );
        assert_eq!(
            &ok("accepted").to_bytes()[..],
            b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
        );
        assert_eq!(
            &err("invalid").to_bytes()[..],
            b"Content-Type: command/reply\nReply-Text: -ERR invalid\n\n"
        );
        assert_eq!(
            &disconnect_notice().to_bytes()[..],
            &b"Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"[..]
        );
        assert_eq!(
            &api_response("+OK\n").to_bytes()[..],
            b"Content-Type: api/response\nContent-Length: 4\n\n+OK\n"
        );
        let job = background_job("j1", "status", "", "UP\n");
        assert_eq!(
            job.to_plain(),
            "Event-Name: BACKGROUND_JOB\nJob-UUID: j1\nJob-Command: status\nContent-Length: 3\n\nUP\n"
        );
    }
}
