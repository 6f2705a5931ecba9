//! One ESL message as it travels on the socket: a block of header lines ended by an empty
//! line, then, when the headers announce a `Content-Length`, that many bytes of body.
//!
//! Both directions use this shape: replies and events from the server, commands (`api status`,
//! `sendmsg <uuid>` with its headers and an optional body) from the client. A [`Frame`] keeps
//! the header block and the body as `Bytes` slices of the read buffer, so framing copies
//! nothing; headers are read lazily and in any order.

use bytes::{Bytes, BytesMut};

/// One framed message: the raw header block and the optional body.
///
/// The header block is valid UTF-8 (checked by the decoder, guaranteed by the constructors).
/// For a command frame the first line is the command itself (`api status`), and the header
/// lines follow it.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    head: Bytes,
    body: Option<Bytes>,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("head", &self.head_str())
            .field("body_len", &self.body.as_ref().map(|b| b.len()))
            .finish()
    }
}

impl Frame {
    /// Builds a frame from header pairs and an optional body.
    ///
    /// A `Content-Length` header matching the body is appended; header values are written as
    /// given (line breaks in them are replaced by spaces so they cannot end the block).
    pub fn new(headers: &[(&str, &str)], body: Option<&[u8]>) -> Frame {
        let mut head = String::with_capacity(64);
        for (k, v) in headers {
            push_line(&mut head, k, v);
        }
        if let Some(b) = body {
            push_line(&mut head, "Content-Length", &b.len().to_string());
        }
        Frame {
            head: Bytes::from(head),
            body: body.filter(|b| !b.is_empty()).map(Bytes::copy_from_slice),
        }
    }

    /// A command frame: the command line (e.g. `api status`), header lines, optional body.
    ///
    /// This is the shape a client sends; [`crate::Command`] builds these for you.
    pub fn command(line: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Frame {
        let mut head = String::with_capacity(line.len() + 32);
        head.push_str(&single_line(line));
        head.push('\n');
        for (k, v) in headers {
            push_line(&mut head, k, v);
        }
        if let Some(b) = body.filter(|b| !b.is_empty()) {
            push_line(&mut head, "Content-Length", &b.len().to_string());
        }
        Frame {
            head: Bytes::from(head),
            body: body.filter(|b| !b.is_empty()).map(Bytes::copy_from_slice),
        }
    }

    /// Wraps an already split header block (ending in `\n`, without the blank line) and body.
    /// Used by the decoder, which has checked that `head` is UTF-8.
    pub(crate) fn from_parts(head: Bytes, body: Option<Bytes>) -> Frame {
        Frame { head, body }
    }

    fn head_str(&self) -> &str {
        // Checked UTF-8 when decoded or built; an empty string is a safe fallback.
        std::str::from_utf8(&self.head).unwrap_or("")
    }

    /// The raw header block (every line ends in `\n`; the blank line is not included).
    pub fn head(&self) -> &str {
        self.head_str()
    }

    /// Every `Name: value` line as `(name, value)`, trimmed; lines without `:` are skipped.
    ///
    /// On a command frame, use [`Frame::command_headers`] instead: the command line itself
    /// may contain a colon (`api originate sofia/gw/x@host:5060 …`).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        parse_lines(self.head_str())
    }

    /// The header lines of a command frame, i.e. every line after the first.
    pub fn command_headers(&self) -> impl Iterator<Item = (&str, &str)> {
        let head = self.head_str();
        let rest = head.find('\n').map_or("", |i| &head[i + 1..]);
        parse_lines(rest)
    }

    /// A header's value (name compared case-insensitively, first match).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The `Content-Type` header, which says what kind of message this is.
    pub fn content_type(&self) -> Option<&str> {
        self.header("Content-Type")
    }

    /// The first line without its line ending (for a command frame: the command).
    pub fn first_line(&self) -> &str {
        let head = self.head_str();
        let line = head.split('\n').next().unwrap_or("");
        line.strip_suffix('\r').unwrap_or(line)
    }

    /// The body, if the frame announced one.
    pub fn body(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }

    /// The body as text (lossy UTF-8), or an empty string.
    pub fn body_text(&self) -> String {
        self.body
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }

    /// Appends the wire form (header block, blank line, body) to `dst`.
    pub fn encode(&self, dst: &mut BytesMut) {
        dst.reserve(self.head.len() + 1 + self.body.as_ref().map_or(0, |b| b.len()));
        dst.extend_from_slice(&self.head);
        dst.extend_from_slice(b"\n");
        if let Some(b) = &self.body {
            dst.extend_from_slice(b);
        }
    }

    /// The wire form as one buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut b = BytesMut::new();
        self.encode(&mut b);
        b.freeze()
    }
}

fn parse_lines(head: &str) -> impl Iterator<Item = (&str, &str)> {
    head.split('\n').filter_map(|l| {
        let l = l.strip_suffix('\r').unwrap_or(l);
        l.split_once(':').map(|(k, v)| (k.trim(), v.trim()))
    })
}

/// Replaces line breaks so a value cannot end the header line (or the block) early.
fn single_line(v: &str) -> std::borrow::Cow<'_, str> {
    if v.contains(['\n', '\r']) {
        std::borrow::Cow::Owned(v.replace(['\n', '\r'], " "))
    } else {
        std::borrow::Cow::Borrowed(v)
    }
}

fn push_line(head: &mut String, name: &str, value: &str) {
    head.push_str(&single_line(name));
    head.push_str(": ");
    head.push_str(&single_line(value));
    head.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_reads_headers() {
        let f = Frame::new(
            &[("Content-Type", "api/response"), ("X", "a\nb")],
            Some(b"body"),
        );
        assert_eq!(
            f.head(),
            "Content-Type: api/response\nX: a b\nContent-Length: 4\n"
        );
        assert_eq!(f.header("content-type"), Some("api/response"));
        assert_eq!(f.header("x"), Some("a b"));
        assert_eq!(f.body().map(|b| &b[..]), Some(&b"body"[..]));
        assert_eq!(
            &f.to_bytes()[..],
            b"Content-Type: api/response\nX: a b\nContent-Length: 4\n\nbody"
        );
    }

    #[test]
    fn command_frames_keep_the_command_line_apart() {
        let f = Frame::command(
            "api originate sofia/gw/x@10.0.0.1:5060 &park()",
            &[("Job-UUID", "j1")],
            None,
        );
        assert_eq!(
            f.first_line(),
            "api originate sofia/gw/x@10.0.0.1:5060 &park()"
        );
        let hs: Vec<_> = f.command_headers().collect();
        assert_eq!(hs, vec![("Job-UUID", "j1")]);
        assert_eq!(
            f.headers().count(),
            2,
            "the command line looks like a header"
        );
    }
}
