//! The `text/event-json` form: one flat JSON object of header values, the body under
//! `_body`.
//!
//! FreeSWITCH writes a flat object of strings, so a dedicated scanner parses that shape
//! straight into the event's arena (one table lookup per byte, escapes decoded in place).
//! Anything it does not expect (numbers with fractions, booleans, arrays, malformed input)
//! goes to a `serde_json` based parser, which also produces the error messages.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};

use super::{Event, EventError};

/// Parses a JSON event body.
pub(super) fn parse(bytes: &[u8]) -> Result<Event, EventError> {
    if let Some(e) = Scanner::new(bytes).and_then(Scanner::event) {
        return Ok(e);
    }
    slow(bytes)
}

/// Bytes that end a run of plain string content: `"`, `\` and control characters.
static STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn new(bytes: &'a [u8]) -> Option<Scanner<'a>> {
        let text = std::str::from_utf8(bytes).ok()?;
        Some(Scanner {
            text,
            b: bytes,
            i: 0,
        })
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    /// Reads a string's content (after its opening quote) into `out`, unescaping.
    fn string_into(&mut self, out: &mut String) -> Option<()> {
        loop {
            let start = self.i;
            let run = self
                .b
                .get(start..)?
                .iter()
                .position(|&c| STOP[c as usize])?;
            // `start` and `start + run` sit next to ASCII bytes: valid char boundaries.
            out.push_str(self.text.get(start..start + run)?);
            self.i = start + run;
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                b'\\' => {
                    let esc = *self.b.get(self.i + 1)?;
                    self.i += 2;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return None,
                    }
                }
                _ => return None, // a raw control character: invalid JSON
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.i..self.i + 4)?;
        if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.i += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    fn unicode_escape(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            if self.b.get(self.i..self.i + 2)? != b"\\u" {
                return None;
            }
            self.i += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return None;
            }
            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
        } else {
            char::from_u32(hi)
        }
    }

    /// A small integer (what FreeSWITCH may write unquoted); other scalars go the slow way.
    fn integer_into(&mut self, out: &mut String) -> Option<()> {
        let start = self.i;
        self.eat(b'-');
        let digits = self.b[self.i..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let leading_zero = digits > 1 && self.b[self.i] == b'0';
        if digits == 0 || digits > 18 || leading_zero {
            return None;
        }
        self.i += digits;
        if matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let text = self.text.get(start..self.i)?;
        if text == "-0" {
            return None;
        }
        out.push_str(text);
        Some(())
    }

    fn event(mut self) -> Option<Event> {
        let mut e = Event::with_capacity(self.b.len(), 32 + self.b.len() / 32);
        self.ws();
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_none() {
            loop {
                self.eat(b'"')?;
                let start = e.arena.len();
                self.string_into(&mut e.arena)?;
                let split = e.arena.len();
                self.ws();
                self.eat(b':')?;
                self.ws();
                if self.eat(b'"').is_some() {
                    self.string_into(&mut e.arena)?;
                } else {
                    self.integer_into(&mut e.arena)?;
                }
                let name = e.arena.get(start..split)?;
                if name == "_body" {
                    e.body = Some(e.arena.get(split..)?.to_owned());
                    e.arena.truncate(start);
                } else if name.eq_ignore_ascii_case("Content-Length") {
                    e.arena.truncate(start);
                } else {
                    e.end_header((start, split));
                }
                self.ws();
                if self.eat(b',').is_some() {
                    self.ws();
                    continue;
                }
                self.eat(b'}')?;
                break;
            }
        }
        self.ws();
        (self.i == self.b.len()).then_some(e)
    }
}

/// The general parser: any JSON object; non-string values become their JSON text.
fn slow(bytes: &[u8]) -> Result<Event, EventError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let e = de
        .deserialize_map(EventVisitor {
            capacity: bytes.len(),
        })
        .map_err(|err| EventError::Json(err.to_string()))?;
    de.end().map_err(|err| EventError::Json(err.to_string()))?;
    Ok(e)
}

struct EventVisitor {
    capacity: usize,
}

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Event;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of event headers")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
        let mut e = Event::with_capacity(self.capacity, 64);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let value: serde_json::Value = map.next_value()?;
            let v: Cow<'_, str> = match value {
                serde_json::Value::String(s) => Cow::Owned(s),
                other => Cow::Owned(other.to_string()),
            };
            if key == "_body" {
                e.body = Some(v.into_owned());
            } else if !key.eq_ignore_ascii_case("Content-Length") {
                e.push(&key, &v);
            }
        }
        Ok(e)
    }
}

/// Appends `v` as a JSON string literal.
fn quote_into(out: &mut String, v: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let b = v.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        if !STOP[c as usize] {
            continue;
        }
        out.push_str(v.get(start..i).unwrap_or(""));
        start = i + 1;
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(c >> 4)]));
                out.push(char::from(HEX[usize::from(c & 15)]));
            }
        }
    }
    out.push_str(v.get(start..).unwrap_or(""));
    out.push('"');
}

/// Serialises an event as one JSON object.
pub(super) fn serialise(e: &Event) -> String {
    let mut s = String::with_capacity(e.arena.len() + e.spans.len() * 8 + 32);
    s.push('{');
    let pair = |s: &mut String, k: &str, v: &str| {
        if s.len() > 1 {
            s.push(',');
        }
        quote_into(s, k);
        s.push(':');
        quote_into(s, v);
    };
    for (k, v) in e.headers() {
        if !k.eq_ignore_ascii_case("Content-Length") && k != "_body" {
            pair(&mut s, k, v);
        }
    }
    if let Some(b) = &e.body {
        pair(&mut s, "Content-Length", &b.len().to_string());
        pair(&mut s, "_body", b);
    }
    s.push('}');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_variables_and_non_string_values() {
        let raw = br#"{"Event-Name":"CHANNEL_HANGUP_COMPLETE","Unique-ID":"u1","variable_billsec":"3","variable_sip_from_user":"1000","Event-Sequence":42,"_body":"hello"}"#;
        let e = parse(raw).unwrap();
        assert_eq!(e.unique_id(), Some("u1"));
        assert_eq!(e.variable("billsec"), Some("3"));
        assert_eq!(e.header("Event-Sequence"), Some("42"));
        assert_eq!(e.variables().count(), 2);
        assert_eq!(e.body(), Some("hello"));
        assert_eq!(parse(serialise(&e).as_bytes()).unwrap(), e);
        let odd = parse(br#"{"a":1.5,"b":true,"c":null,"d":["x","y"],"e":-7}"#).unwrap();
        let hs: Vec<_> = odd.headers().collect();
        assert_eq!(
            hs,
            vec![
                ("a", "1.5"),
                ("b", "true"),
                ("c", "null"),
                ("d", "[\"x\",\"y\"]"),
                ("e", "-7")
            ]
        );
    }

    #[test]
    fn escapes_match_serde_json() {
        let raw = r#" { "k\u00e9y" : "a\"b\\c\/d\n\t\u263a\ud83d\ude00" , "e" : "" } "#;
        let e = parse(raw.as_bytes()).unwrap();
        assert_eq!(e.header("kéy"), Some("a\"b\\c/d\n\t☺😀"));
        assert_eq!(e.header("e"), Some(""));
        let want: serde_json::Value = serde_json::from_str(raw).unwrap();
        let ours: serde_json::Value = serde_json::from_str(&serialise(&e)).unwrap();
        assert_eq!(ours, want);
        assert_eq!(parse(b"{}").unwrap().len(), 0);
    }

    #[test]
    fn rejects_what_json_rejects() {
        for bad in [
            &b"[1,2]"[..],
            b"{\"a\":",
            b"{\"a\":\"b\"} x",
            b"{\"a\":\"\x01\"}",
            b"{\"a\":\"\\ud800\"}",
            b"{\"a\":01}",
            b"{\"a\" \"b\"}",
            b"{\"a\":\"b\",}",
            b"\xff",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
