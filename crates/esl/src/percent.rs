//! Percent-encoding of plain event header values, as FreeSWITCH writes them
//! (`switch_url_encode`) and reads them (`switch_url_decode`: `%XX` only, `+` stays `+`).

use std::borrow::Cow;

/// Decodes `%XX` escapes; anything else (including invalid escapes) is kept as it is.
///
/// Decoded bytes that are not UTF-8 are replaced with U+FFFD.
pub fn decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    decode_into(&mut out, s);
    Cow::Owned(out)
}

/// Appends the decoded form of `s` to `out` (see [`decode`]); this avoids an allocation per
/// value when many values are decoded into one buffer.
pub fn decode_into(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let Some(first) = memchr::memchr(b'%', b) else {
        out.push_str(s);
        return;
    };
    out.push_str(&s[..first]);
    let mut bytes = Vec::with_capacity(b.len() - first);
    let mut i = first;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            bytes.push(h << 4 | l);
            i += 3;
            continue;
        }
        bytes.push(b[i]);
        i += 1;
    }
    match String::from_utf8(bytes) {
        Ok(text) => out.push_str(&text),
        Err(e) => out.push_str(&String::from_utf8_lossy(e.as_bytes())),
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Whether a byte is written as is by [`encode`]: printable ASCII except FreeSWITCH's
/// `urlunsafe` set (`switch_url_encode` in `switch_utils.c`).
fn is_safe(b: u8) -> bool {
    (b' '..=b'~').contains(&b) && !b"\r\n \"#%&+:;<=>?@[\\]^`{|}".contains(&b)
}

/// Encodes a value for a plain event header exactly as FreeSWITCH does: control bytes,
/// non-ASCII and ``\r\n "#%&+:;<=>?@[\]^`{|}`` become `%XX`; everything else (letters,
/// digits, `,` `/` `(` `)` `!` `$` `'` `*` `-` `.` `_` `~`) is kept.
pub fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    encode_into(&mut out, v);
    out
}

/// Appends the encoded form of `v` to `out` (see [`encode`]).
pub fn encode_into(out: &mut String, v: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in v.bytes() {
        if is_safe(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_escapes() {
        for s in [
            "plain",
            "a b,c=d&e",
            "Mon, 23 Nov 2026 20:11:43 GMT",
            "ümlaut %",
            "100%",
            "%zz",
            "%4",
            "line\nbreak\r\n",
        ] {
            assert_eq!(decode(&encode(s)), s);
            assert!(!encode(s).contains(['\n', '\r', ' ', ':']));
        }
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("50%"), "50%");
        assert_eq!(decode("50%4"), "50%4");
        assert_eq!(decode("a%20b"), "a b");
        assert_eq!(decode("a+b"), "a+b");
        assert_eq!(decode("%C3%BC%41"), "üA");
        assert_eq!(decode("%ff"), "\u{fffd}");
        assert!(matches!(decode("no escapes"), Cow::Borrowed(_)));
        // As FreeSWITCH's documentation shows it.
        assert_eq!(
            encode("Thu, 01 May 2008 23:37:03 GMT"),
            "Thu,%2001%20May%202008%2023%3A37%3A03%20GMT"
        );
        assert_eq!(
            encode("sofia/default/1005 '&park'"),
            "sofia/default/1005%20'%26park'"
        );
    }
}
