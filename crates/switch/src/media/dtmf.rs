//! RFC 4733 telephone events: turning received event packets into one digit each, and
//! producing the packets that send a digit.

/// Event code for a digit (0-9, *, #, A-D).
pub fn event_code(digit: char) -> Option<u8> {
    Some(match digit.to_ascii_uppercase() {
        d @ '0'..='9' => d as u8 - b'0',
        '*' => 10,
        '#' => 11,
        d @ 'A'..='D' => d as u8 - b'A' + 12,
        _ => return None,
    })
}

/// The digit of an event code.
pub fn digit_of(code: u8) -> Option<char> {
    Some(match code {
        0..=9 => (b'0' + code) as char,
        10 => '*',
        11 => '#',
        12..=15 => (b'A' + code - 12) as char,
        _ => return None,
    })
}

/// A finished digit: which, and for how long (ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digit {
    /// The digit.
    pub digit: char,
    /// How long it was held, in milliseconds.
    pub duration_ms: u32,
}

/// Reports each event once, when its end packet arrives (the end packet is sent three
/// times; events are told apart by their RTP timestamp).
#[derive(Debug, Default)]
pub struct Receiver {
    last_ended: Option<u32>,
}

impl Receiver {
    /// Feeds one telephone-event payload with its RTP timestamp.
    pub fn on_packet(&mut self, timestamp: u32, payload: &[u8]) -> Option<Digit> {
        if payload.len() < 4 {
            return None;
        }
        let end = payload[1] & 0x80 != 0;
        if !end || self.last_ended == Some(timestamp) {
            return None;
        }
        self.last_ended = Some(timestamp);
        let duration = u16::from_be_bytes([payload[2], payload[3]]);
        digit_of(payload[0]).map(|digit| Digit {
            digit,
            duration_ms: u32::from(duration) / 8,
        })
    }
}

/// One telephone-event packet to send: marker bit and payload (same RTP timestamp for all
/// packets of one digit).
pub type EventPacket = (bool, [u8; 4]);

/// The packets for `digit` held `duration_ms`: one every 20 ms with the growing duration,
/// then the end packet three times.
pub fn packets(digit: char, duration_ms: u32) -> Vec<EventPacket> {
    let Some(code) = event_code(digit) else {
        return Vec::new();
    };
    let volume = 10u8;
    let total = (duration_ms.clamp(40, 5000) * 8) as u16;
    let mut out = Vec::new();
    let mut d: u16 = 160;
    while d < total {
        let [hi, lo] = d.to_be_bytes();
        out.push((out.is_empty(), [code, volume, hi, lo]));
        d += 160;
    }
    let [hi, lo] = total.to_be_bytes();
    for _ in 0..3 {
        out.push((out.is_empty(), [code, 0x80 | volume, hi, lo]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for d in "0123456789*#ABCD".chars() {
            assert_eq!(digit_of(event_code(d).unwrap()), Some(d));
        }
        assert_eq!(event_code('x'), None);
        assert_eq!(digit_of(16), None);
    }

    #[test]
    fn send_then_receive_once() {
        let pk = packets('5', 100);
        assert!(pk[0].0, "marker on the first packet");
        assert_eq!(pk.iter().filter(|(_, p)| p[1] & 0x80 != 0).count(), 3);
        let mut rx = Receiver::default();
        let got: Vec<Digit> = pk
            .iter()
            .filter_map(|(_, p)| rx.on_packet(1234, p))
            .collect();
        assert_eq!(
            got,
            vec![Digit {
                digit: '5',
                duration_ms: 100
            }]
        );
        // The next digit has another timestamp.
        let got2: Vec<Digit> = packets('#', 60)
            .iter()
            .filter_map(|(_, p)| rx.on_packet(5678, p))
            .collect();
        assert_eq!(got2.len(), 1);
        assert_eq!(got2[0].digit, '#');
        assert_eq!(rx.on_packet(1, &[1, 2]), None);
    }
}
