//! RTP packets (RFC 3550): parsing without copying the payload, and writing headers.

/// A parsed RTP packet borrowing its payload from the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// Marker bit.
    pub marker: bool,
    /// Payload type.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// Timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// The payload (padding removed).
    pub payload: &'a [u8],
}

/// Why a datagram is not an RTP packet we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    /// Shorter than its headers say.
    #[error("truncated RTP packet")]
    Truncated,
    /// Not version 2.
    #[error("not RTP version 2")]
    Version,
    /// Padding longer than the payload.
    #[error("bad RTP padding")]
    Padding,
}

/// Parses a datagram.
pub fn parse(buf: &[u8]) -> Result<RtpPacket<'_>, RtpError> {
    if buf.len() < 12 {
        return Err(RtpError::Truncated);
    }
    if buf[0] >> 6 != 2 {
        return Err(RtpError::Version);
    }
    let padding = buf[0] & 0x20 != 0;
    let extension = buf[0] & 0x10 != 0;
    let csrc = usize::from(buf[0] & 0x0F);
    let mut offset = 12 + 4 * csrc;
    if buf.len() < offset {
        return Err(RtpError::Truncated);
    }
    if extension {
        if buf.len() < offset + 4 {
            return Err(RtpError::Truncated);
        }
        let words = usize::from(u16::from_be_bytes([buf[offset + 2], buf[offset + 3]]));
        offset += 4 + 4 * words;
        if buf.len() < offset {
            return Err(RtpError::Truncated);
        }
    }
    let mut end = buf.len();
    if padding {
        let pad = usize::from(buf[end - 1]);
        if pad == 0 || pad > end - offset {
            return Err(RtpError::Padding);
        }
        end -= pad;
    }
    Ok(RtpPacket {
        marker: buf[1] & 0x80 != 0,
        payload_type: buf[1] & 0x7F,
        sequence: u16::from_be_bytes([buf[2], buf[3]]),
        timestamp: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
        ssrc: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
        payload: &buf[offset..end],
    })
}

/// Writes a 12-byte header (no CSRC, no extension) followed by `payload` into `out`.
pub fn write(
    out: &mut Vec<u8>,
    marker: bool,
    payload_type: u8,
    sequence: u16,
    timestamp: u32,
    ssrc: u32,
    payload: &[u8],
) {
    out.clear();
    out.push(0x80);
    out.push((u8::from(marker) << 7) | (payload_type & 0x7F));
    out.extend_from_slice(&sequence.to_be_bytes());
    out.extend_from_slice(&timestamp.to_be_bytes());
    out.extend_from_slice(&ssrc.to_be_bytes());
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut buf = Vec::new();
        write(&mut buf, true, 0, 65535, 0xDEADBEEF, 42, &[1, 2, 3]);
        let p = parse(&buf).unwrap();
        assert_eq!(
            (p.marker, p.payload_type, p.sequence, p.timestamp, p.ssrc),
            (true, 0, 65535, 0xDEADBEEF, 42)
        );
        assert_eq!(p.payload, &[1, 2, 3]);
    }

    #[test]
    fn csrc_extension_and_padding() {
        let mut buf = vec![0x80 | 0x20 | 0x10 | 1, 8, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
        buf.extend_from_slice(&[9, 9, 9, 9]); // one CSRC
        buf.extend_from_slice(&[0xBE, 0xDE, 0, 1, 7, 7, 7, 7]); // extension of one word
        buf.extend_from_slice(&[5, 6, 0, 2]); // payload 5 6 + 2 bytes padding
        let p = parse(&buf).unwrap();
        assert_eq!(p.payload, &[5, 6]);
        assert_eq!(p.payload_type, 8);
    }

    #[test]
    fn garbage_is_refused_never_panics() {
        assert_eq!(parse(&[0x80; 5]), Err(RtpError::Truncated));
        assert_eq!(parse(&[0x40; 12]), Err(RtpError::Version));
        assert_eq!(parse(&[0x8F; 20]), Err(RtpError::Truncated));
        let mut x: u64 = 0x9E3779B97F4A7C15;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len % 64)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x & 0xFF) as u8 | if len % 3 == 0 { 0x80 } else { 0 }
                })
                .collect();
            let _ = parse(&bytes);
        }
    }
}
