//! The `text/event-plain` form: one `Name: percent-encoded value` line per header, an empty
//! line, and, when the event has a body, an inner `Content-Length` header announcing it.

use super::{Event, EventError};
use crate::percent;

/// Parses a plain event body, percent-decoding values straight into the event's arena.
pub(super) fn parse(bytes: &[u8]) -> Result<Event, EventError> {
    let text = std::str::from_utf8(bytes).map_err(|_| EventError::NotText)?;
    let mut e = Event::with_capacity(text.len(), 32 + text.len() / 28);
    let mut pos = 0;
    let mut length = None;
    while pos < text.len() {
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(text.len(), |i| pos + i);
        let line = &text[pos..end];
        pos = (end + 1).min(text.len());
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let Some(colon) = memchr::memchr(b':', line.as_bytes()) else {
            continue;
        };
        let name = &line[..colon];
        let raw = line[colon + 1..]
            .strip_prefix(' ')
            .unwrap_or(&line[colon + 1..]);
        if name.eq_ignore_ascii_case("Content-Length") {
            // Framing of the inner body, not an event header.
            length = raw.trim().parse::<usize>().ok();
            continue;
        }
        let h = e.begin_header(name);
        percent::decode_into(&mut e.arena, raw);
        e.end_header(h);
    }
    if let Some(n) = length {
        let rest = &text[pos..];
        let body = rest.get(..n.min(rest.len())).unwrap_or(rest);
        e.body = Some(body.to_owned());
    }
    Ok(e)
}

/// Serialises an event in the plain form.
pub(super) fn serialise(e: &Event) -> String {
    let mut s = String::with_capacity(e.arena.len() + e.spans.len() * 8 + 32);
    for (k, v) in e.headers() {
        if k.eq_ignore_ascii_case("Content-Length") {
            continue;
        }
        s.push_str(k);
        s.push_str(": ");
        percent::encode_into(&mut s, v);
        s.push('\n');
    }
    match &e.body {
        Some(b) => {
            s.push_str("Content-Length: ");
            s.push_str(&b.len().to_string());
            s.push_str("\n\n");
            s.push_str(b);
        }
        None => s.push('\n'),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_body_and_decoding() {
        let raw = b"Event-Name: BACKGROUND_JOB\nJob-UUID: 7f4db78a-17d7-11dd-b7a0-db4edd065621\nJob-Command: originate\nJob-Command-Arg: sofia/default/1005%20'%26park'\nContent-Length: 41\n\n+OK 7f4de4bc-17d7-11dd-b7a0-db4edd065621\n";
        let e = parse(raw).unwrap();
        assert_eq!(e.name(), Some("BACKGROUND_JOB"));
        assert_eq!(
            e.header("job-command-arg"),
            Some("sofia/default/1005 '&park'")
        );
        assert_eq!(e.body(), Some("+OK 7f4de4bc-17d7-11dd-b7a0-db4edd065621\n"));
        assert_eq!(parse(serialise(&e).as_bytes()).unwrap(), e);
    }

    #[test]
    fn crlf_values_with_colons_and_junk_lines() {
        let e = parse(b"Event-Name: X\r\nCaller-ANI:+1555\r\njunk\r\nK: a: b\r\n\r\n").unwrap();
        assert_eq!(e.header("Caller-ANI"), Some("+1555"));
        assert_eq!(e.header("K"), Some("a: b"));
        assert_eq!(e.len(), 3);
        assert_eq!(e.body(), None);
        assert_eq!(parse(b"\xff: x\n\n"), Err(EventError::NotText));
    }
}
