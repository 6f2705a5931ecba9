//! The incremental frame decoder and the encoders, as a `tokio_util` codec usable on both sides
//! of the socket (a client reading replies and events, a server reading commands).
//!
//! The decoder feeds on whatever bytes arrived, remembers how far it searched, and yields a
//! [`Frame`] only when the header block and the announced body are complete. It never panics
//! on input, bounds the message size (10 MB, as FreeSWITCH does) and the number of header
//! lines, and splits frames out of the read buffer without copying.

use bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::command::Command;
use crate::frame::Frame;

/// The largest message accepted (header block or body): FreeSWITCH refuses more than 10 MB.
pub const MAX_MESSAGE: usize = 10 * 1024 * 1024;

/// The most header lines accepted in one frame (a channel event carries a few hundred).
pub const MAX_HEADERS: usize = 4096;

/// Why the byte stream cannot be framed. The connection it came from should be closed; no
/// other connection is affected.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The header block or the announced body is over [`MAX_MESSAGE`].
    #[error("message larger than {MAX_MESSAGE} bytes")]
    TooLarge,
    /// More than [`MAX_HEADERS`] header lines.
    #[error("more than {MAX_HEADERS} header lines")]
    TooManyHeaders,
    /// The header block is not UTF-8 text.
    #[error("header block is not UTF-8")]
    NotText,
    /// `Content-Length` is not a decimal number.
    #[error("bad Content-Length `{0}`")]
    BadLength(String),
    /// The socket failed (or closed in the middle of a message).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A header block found in the buffer whose body has not fully arrived yet.
#[derive(Debug, Clone, Copy)]
struct Pending {
    head_end: usize,
    body_start: usize,
    length: usize,
}

/// The ESL codec: decodes [`Frame`]s, encodes frames, commands and raw bytes.
///
/// Keep one per connection: it remembers how far it has searched the read buffer, so a large
/// message arriving in many small reads is scanned once.
#[derive(Debug, Default)]
pub struct EslCodec {
    scanned: usize,
    pending: Option<Pending>,
}

impl EslCodec {
    /// A fresh codec for a new connection.
    pub fn new() -> EslCodec {
        EslCodec::default()
    }
}

/// Finds the end of the header block from `from`: returns (end of the last header line,
/// start of the body). The block ends at `\n\n` or `\n\r\n`.
fn find_head_end(buf: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from.min(buf.len());
    while let Some(off) = memchr::memchr(b'\n', &buf[i..]) {
        let nl = i + off;
        match buf.get(nl + 1) {
            Some(b'\n') => return Some((nl + 1, nl + 2)),
            Some(b'\r') => match buf.get(nl + 2) {
                Some(b'\n') => return Some((nl + 1, nl + 3)),
                Some(_) => i = nl + 1,
                None => return None,
            },
            Some(_) => i = nl + 1,
            None => return None,
        }
    }
    None
}

/// Reads `Content-Length` from a header block (first occurrence, name case-insensitive).
fn content_length(head: &[u8]) -> Result<Option<usize>, FrameError> {
    const NAME: &[u8] = b"content-length:";
    for line in head.split(|&b| b == b'\n') {
        if line.len() >= NAME.len() && line[..NAME.len()].eq_ignore_ascii_case(NAME) {
            let raw = &line[NAME.len()..];
            let v = std::str::from_utf8(raw)
                .map_err(|_| FrameError::NotText)?
                .trim();
            return match v.parse::<u64>() {
                Ok(n) if n > MAX_MESSAGE as u64 => Err(FrameError::TooLarge),
                Ok(n) => Ok(Some(n as usize)),
                Err(_) => Err(FrameError::BadLength(v.chars().take(20).collect())),
            };
        }
    }
    Ok(None)
}

impl EslCodec {
    fn reset(&mut self) {
        self.scanned = 0;
        self.pending = None;
    }

    /// Locates the next header block and its body length, or says more bytes are needed.
    fn locate(&mut self, src: &BytesMut) -> Result<Option<Pending>, FrameError> {
        if let Some(p) = self.pending {
            // Only trust the remembered position if the buffer still agrees with it.
            if p.body_start <= src.len()
                && find_head_end(&src[..p.body_start], 0) == Some((p.head_end, p.body_start))
            {
                return Ok(Some(p));
            }
            self.reset();
        }
        let from = self.scanned.saturating_sub(2);
        let Some((head_end, body_start)) = find_head_end(src, from) else {
            if src.len() > MAX_MESSAGE {
                return Err(FrameError::TooLarge);
            }
            self.scanned = src.len();
            return Ok(None);
        };
        if head_end > MAX_MESSAGE {
            return Err(FrameError::TooLarge);
        }
        let head = &src[..head_end];
        if memchr::memchr_iter(b'\n', head).count() > MAX_HEADERS {
            return Err(FrameError::TooManyHeaders);
        }
        if std::str::from_utf8(head).is_err() {
            return Err(FrameError::NotText);
        }
        let length = content_length(head)?.unwrap_or(0);
        let p = Pending {
            head_end,
            body_start,
            length,
        };
        self.pending = Some(p);
        Ok(Some(p))
    }
}

impl Decoder for EslCodec {
    type Item = Frame;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        if self.pending.is_none() {
            // Blank lines between messages are noise.
            let skip = src
                .iter()
                .take_while(|b| **b == b'\n' || **b == b'\r')
                .count();
            if skip > 0 {
                src.advance(skip);
                self.scanned = 0;
            }
        }
        if src.is_empty() {
            return Ok(None);
        }
        let Some(p) = self.locate(src)? else {
            return Ok(None);
        };
        let total = p.body_start + p.length;
        if src.len() < total {
            src.reserve(total - src.len());
            return Ok(None);
        }
        self.reset();
        let mut msg = src.split_to(total).freeze();
        let body = (p.length > 0).then(|| msg.split_off(p.body_start));
        msg.truncate(p.head_end);
        Ok(Some(Frame::from_parts(msg, body)))
    }
}

impl Encoder<Frame> for EslCodec {
    type Error = FrameError;

    fn encode(&mut self, item: Frame, dst: &mut BytesMut) -> Result<(), FrameError> {
        item.encode(dst);
        Ok(())
    }
}

impl Encoder<&Frame> for EslCodec {
    type Error = FrameError;

    fn encode(&mut self, item: &Frame, dst: &mut BytesMut) -> Result<(), FrameError> {
        item.encode(dst);
        Ok(())
    }
}

impl Encoder<&Command> for EslCodec {
    type Error = FrameError;

    fn encode(&mut self, item: &Command, dst: &mut BytesMut) -> Result<(), FrameError> {
        item.encode(dst);
        Ok(())
    }
}

impl Encoder<Bytes> for EslCodec {
    type Error = FrameError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), FrameError> {
        dst.extend_from_slice(&item);
        Ok(())
    }
}

/// Decodes every complete frame in `bytes` in one go (for tests, tools and benchmarks);
/// an incomplete trailing frame is ignored.
pub fn decode_all(bytes: &[u8]) -> Result<Vec<Frame>, FrameError> {
    let mut codec = EslCodec::default();
    let mut buf = BytesMut::from(bytes);
    let mut out = Vec::new();
    while let Some(f) = codec.decode(&mut buf)? {
        out.push(f);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_with_and_without_bodies_and_crlf() {
        let input = b"Content-Type: auth/request\n\nContent-Type: api/response\nContent-Length: 3\n\n+OK\r\nContent-Type: command/reply\r\nReply-Text: +OK accepted\r\n\r\n";
        let frames = decode_all(input).unwrap();
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[0].content_type(), Some("auth/request"));
        assert_eq!(frames[1].body().map(|b| &b[..]), Some(&b"+OK"[..]));
        assert_eq!(frames[2].header("reply-text"), Some("+OK accepted"));
    }

    #[test]
    fn waits_for_the_whole_body_then_resumes() {
        let mut codec = EslCodec::new();
        let mut buf = BytesMut::from(&b"Content-Length: 5\nContent-Type: api/response\n\nab"[..]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        buf.extend_from_slice(b"cde");
        let f = codec.decode(&mut buf).unwrap().unwrap();
        assert_eq!(f.body().map(|b| &b[..]), Some(&b"abcde"[..]));
        assert!(buf.is_empty());
        assert!(codec.decode(&mut buf).unwrap().is_none());
    }

    #[test]
    fn limits_and_garbage() {
        assert!(matches!(
            decode_all(b"Content-Length: 99999999999\n\n"),
            Err(FrameError::TooLarge)
        ));
        assert!(matches!(
            decode_all(b"Content-Length: x\n\n"),
            Err(FrameError::BadLength(_))
        ));
        assert!(matches!(
            decode_all(b"Content-Length: -1\n\n"),
            Err(FrameError::BadLength(_))
        ));
        assert!(matches!(
            decode_all(b"\xff\xfe: x\n\n"),
            Err(FrameError::NotText)
        ));
        let many = "a: b\n".repeat(MAX_HEADERS + 1) + "\n";
        assert!(matches!(
            decode_all(many.as_bytes()),
            Err(FrameError::TooManyHeaders)
        ));
        let mut codec = EslCodec::new();
        let mut endless = BytesMut::from(&vec![b'x'; MAX_MESSAGE + 1][..]);
        assert!(matches!(
            codec.decode(&mut endless),
            Err(FrameError::TooLarge)
        ));
    }

    #[test]
    fn encode_decode() {
        let f = Frame::new(&[("Content-Type", "api/response")], Some(b"hello\n\nworld"));
        let mut buf = BytesMut::new();
        f.encode(&mut buf);
        assert_eq!(decode_all(&buf).unwrap(), vec![f]);
    }
}
