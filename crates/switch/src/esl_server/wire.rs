//! The Event Socket wire format as the server side needs it: reading commands (header lines
//! up to a blank line, plus a `Content-Length` body for `sendmsg`) and writing replies, API
//! responses and events in plain, JSON or XML form, byte-compatible with FreeSWITCH's
//! mod_event_socket.

use std::fmt::Write as _;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

use crate::events::SwitchEvent;

/// Largest command we accept (headers + body), like FreeSWITCH's limit.
pub const MAX_COMMAND: usize = 10 * 1024 * 1024;
/// Most header lines in one command.
pub const MAX_LINES: usize = 1024;

/// One command from a client: its first line and the header lines that follow (for
/// `sendmsg`), and a body if `Content-Length` announced one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    /// The first line, e.g. `api status` or `sendmsg <uuid>`.
    pub line: String,
    /// `Name: value` lines after the first.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Option<String>,
}

impl Command {
    /// A header's value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why reading a command failed; the connection is closed.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The client went away.
    #[error("connection closed")]
    Closed,
    /// Too large, too many lines, or not text.
    #[error("malformed command: {0}")]
    Malformed(&'static str),
    /// Socket error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads one command. Blank lines between commands are skipped.
pub async fn read_command<R: AsyncBufRead + Unpin>(r: &mut R) -> Result<Command, WireError> {
    let mut cmd = Command::default();
    let mut total = 0usize;
    let mut lines = 0usize;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = (&mut *r)
            .take((MAX_COMMAND - total + 1) as u64)
            .read_until(b'\n', &mut buf)
            .await?;
        if n == 0 {
            return Err(WireError::Closed);
        }
        total += n;
        lines += 1;
        if total > MAX_COMMAND {
            return Err(WireError::Malformed("command too large"));
        }
        if lines > MAX_LINES {
            return Err(WireError::Malformed("too many header lines"));
        }
        let line = std::str::from_utf8(&buf).map_err(|_| WireError::Malformed("not UTF-8"))?;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if cmd.line.is_empty() {
                continue;
            }
            break;
        }
        if cmd.line.is_empty() {
            cmd.line = line.trim().to_owned();
        } else if let Some((k, v)) = line.split_once(':') {
            cmd.headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    if let Some(len) = cmd.header("Content-Length") {
        let len: usize = len
            .parse()
            .map_err(|_| WireError::Malformed("bad Content-Length"))?;
        if len > MAX_COMMAND - total {
            return Err(WireError::Malformed("command too large"));
        }
        let mut body = vec![0u8; len];
        r.read_exact(&mut body).await?;
        cmd.body =
            Some(String::from_utf8(body).map_err(|_| WireError::Malformed("body not UTF-8"))?);
    }
    Ok(cmd)
}

/// `auth/request`, sent on connect.
pub fn auth_request() -> Vec<u8> {
    b"Content-Type: auth/request\n\n".to_vec()
}

/// A `command/reply` with `Reply-Text` and optional extra headers.
pub fn command_reply(text: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut s = String::from("Content-Type: command/reply\n");
    for (k, v) in extra {
        let _ = writeln!(s, "{k}: {v}");
    }
    let _ = write!(s, "Reply-Text: {text}\n\n");
    s.into_bytes()
}

/// An `api/response` with `body`.
pub fn api_response(body: &str) -> Vec<u8> {
    let mut s = format!(
        "Content-Type: api/response\nContent-Length: {}\n\n",
        body.len()
    );
    s.push_str(body);
    s.into_bytes()
}

/// `text/disconnect-notice`, sent before closing.
pub fn disconnect_notice(text: &str) -> Vec<u8> {
    format!(
        "Content-Type: text/disconnect-notice\nContent-Length: {}\n\n{text}",
        text.len()
    )
    .into_bytes()
}

/// `text/rude-rejection`, for clients refused before auth.
pub fn rude_rejection(text: &str) -> Vec<u8> {
    format!(
        "Content-Type: text/rude-rejection\nContent-Length: {}\n\n{text}",
        text.len()
    )
    .into_bytes()
}

/// The format a client asked events in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFormat {
    /// `text/event-plain`: percent-encoded headers.
    Plain,
    /// `text/event-json`.
    Json,
    /// `text/event-xml`.
    Xml,
}

/// Percent-encodes a header value as FreeSWITCH does (everything but unreserved characters).
pub fn url_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_'
                    | b'.'
                    | b'~'
                    | b'@'
                    | b'/'
                    | b':'
                    | b'+'
                    | b'('
                    | b')'
                    | b'$'
                    | b'!'
                    | b'*'
                    | b'\''
            )
        {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Serialises an event for a client.
pub fn event(e: &SwitchEvent, format: EventFormat) -> Vec<u8> {
    let body = match format {
        EventFormat::Plain => {
            let mut s = String::new();
            for (k, v) in &e.headers {
                let _ = writeln!(s, "{k}: {}", url_encode(v));
            }
            if let Some(sub) = &e.subclass {
                let _ = writeln!(s, "Event-Subclass: {}", url_encode(sub));
            }
            match &e.body {
                Some(b) => {
                    let _ = write!(s, "Content-Length: {}\n\n{b}", b.len());
                }
                None => s.push('\n'),
            }
            s
        }
        EventFormat::Json => {
            let mut map = serde_json::Map::new();
            for (k, v) in &e.headers {
                map.insert(k.clone(), serde_json::Value::String(v.clone()));
            }
            if let Some(sub) = &e.subclass {
                map.insert(
                    "Event-Subclass".into(),
                    serde_json::Value::String(sub.clone()),
                );
            }
            if let Some(b) = &e.body {
                map.insert(
                    "Content-Length".into(),
                    serde_json::Value::String(b.len().to_string()),
                );
                map.insert("_body".into(), serde_json::Value::String(b.clone()));
            }
            serde_json::Value::Object(map).to_string()
        }
        EventFormat::Xml => {
            let esc = |v: &str| {
                v.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
                    .replace('"', "&quot;")
            };
            let mut s = String::from("<event>\n  <headers>\n");
            for (k, v) in &e.headers {
                let _ = writeln!(s, "    <{k}>{}</{k}>", esc(&url_encode(v)));
            }
            s.push_str("  </headers>\n");
            if let Some(b) = &e.body {
                let _ = writeln!(s, "  <body>{}</body>", esc(b));
            }
            s.push_str("</event>");
            s
        }
    };
    let ct = match format {
        EventFormat::Plain => "text/event-plain",
        EventFormat::Json => "text/event-json",
        EventFormat::Xml => "text/event-xml",
    };
    let mut out = format!("Content-Length: {}\nContent-Type: {ct}\n\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    #[tokio::test]
    async fn reads_commands_with_and_without_bodies() {
        let input = b"\nauth ClueCon\n\napi status\r\n\r\nsendmsg abc\ncall-command: execute\nexecute-app-name: playback\nContent-Length: 5\n\nhello".to_vec();
        let mut r = BufReader::new(&input[..]);
        assert_eq!(read_command(&mut r).await.unwrap().line, "auth ClueCon");
        assert_eq!(read_command(&mut r).await.unwrap().line, "api status");
        let s = read_command(&mut r).await.unwrap();
        assert_eq!(s.line, "sendmsg abc");
        assert_eq!(s.header("Call-Command"), Some("execute"));
        assert_eq!(s.body.as_deref(), Some("hello"));
        assert!(matches!(read_command(&mut r).await, Err(WireError::Closed)));
    }

    #[tokio::test]
    async fn garbage_closes_only_with_an_error() {
        let lines = "x: y\n".repeat(MAX_LINES + 2);
        let input = format!("sendmsg\n{lines}\n");
        let mut r = BufReader::new(input.as_bytes());
        assert!(matches!(
            read_command(&mut r).await,
            Err(WireError::Malformed(_))
        ));
        let mut r = BufReader::new(&b"api x\nContent-Length: zz\n\n"[..]);
        assert!(matches!(
            read_command(&mut r).await,
            Err(WireError::Malformed(_))
        ));
        let mut r = BufReader::new(&b"\xff\xfe\n\n"[..]);
        assert!(matches!(
            read_command(&mut r).await,
            Err(WireError::Malformed(_))
        ));
        let mut r = BufReader::new(&b"api x\nContent-Length: 99999999999\n\n"[..]);
        assert!(matches!(
            read_command(&mut r).await,
            Err(WireError::Malformed(_))
        ));
    }

    #[test]
    fn events_serialise_like_freeswitch() {
        let e = SwitchEvent {
            name: "BACKGROUND_JOB".into(),
            subclass: None,
            headers: vec![
                ("Event-Name".into(), "BACKGROUND_JOB".into()),
                ("Job-Command".into(), "originate a b".into()),
            ],
            body: Some("+OK 123\n".into()),
        };
        let plain = String::from_utf8(event(&e, EventFormat::Plain)).unwrap();
        let (head, body) = plain.split_once("\n\n").unwrap();
        assert!(head.starts_with("Content-Length: "));
        assert!(head.ends_with("Content-Type: text/event-plain"));
        assert_eq!(
            body.len(),
            head.trim_start_matches("Content-Length: ")
                .split('\n')
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        );
        assert!(body.contains("Job-Command: originate%20a%20b\n"));
        assert!(body.ends_with("Content-Length: 8\n\n+OK 123\n"));
        let json = String::from_utf8(event(&e, EventFormat::Json)).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(json.split_once("\n\n").unwrap().1).unwrap();
        assert_eq!(v["_body"], "+OK 123\n");
        assert_eq!(v["Job-Command"], "originate a b");
    }
}
