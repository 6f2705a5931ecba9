//! SDP offer/answer for one audio stream (RFC 3264): PCMU, PCMA and telephone-event, with
//! the media direction used for hold (`sendonly`, `recvonly`, `inactive`, or `c=0.0.0.0`).

use std::net::{IpAddr, SocketAddr};

use super::g711::Law;

/// Media direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Both ways.
    SendRecv,
    /// The author only sends (puts the other side on hold).
    SendOnly,
    /// The author only receives.
    RecvOnly,
    /// Neither.
    Inactive,
}

impl Direction {
    fn attr(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction to answer an offer with.
    pub fn answer(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            d => d,
        }
    }
}

/// What we need from a remote session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteMedia {
    /// Where to send RTP (`None` for `c=0.0.0.0` or port 0).
    pub addr: Option<SocketAddr>,
    /// Audio payload types offered, in preference order.
    pub payload_types: Vec<u8>,
    /// G.711 laws by payload type (static or from rtpmap).
    pub laws: Vec<(u8, Law)>,
    /// telephone-event payload type, if offered.
    pub telephone_event: Option<u8>,
    /// Direction.
    pub direction: Direction,
}

/// Why an SDP body is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// No `m=audio` line.
    #[error("the SDP has no audio stream")]
    NoAudio,
    /// No connection address for the audio stream.
    #[error("the SDP has no connection address")]
    NoAddress,
    /// Neither PCMU nor PCMA offered.
    #[error("no common codec (we speak PCMU and PCMA)")]
    NoCodec,
}

/// Parses an SDP body.
pub fn parse(sdp: &str) -> Result<RemoteMedia, SdpError> {
    let mut session_ip: Option<IpAddr> = None;
    let mut media_ip: Option<IpAddr> = None;
    let mut port: Option<u16> = None;
    let mut pts: Vec<u8> = Vec::new();
    let mut rtpmap: Vec<(u8, String)> = Vec::new();
    let mut session_dir = Direction::SendRecv;
    let mut media_dir: Option<Direction> = None;
    let mut in_audio = false;
    let mut seen_audio = false;
    for line in sdp.lines() {
        let line = line.trim();
        let Some((kind, value)) = line.split_once('=') else {
            continue;
        };
        match kind {
            "m" => {
                in_audio = false;
                let mut f = value.split_whitespace();
                if f.next() == Some("audio") && !seen_audio {
                    seen_audio = true;
                    in_audio = true;
                    port = f
                        .next()
                        .and_then(|p| p.split('/').next())
                        .and_then(|p| p.parse().ok());
                    let _proto = f.next();
                    pts = f.filter_map(|p| p.parse().ok()).collect();
                }
            }
            "c" => {
                let ip = value
                    .split_whitespace()
                    .nth(2)
                    .and_then(|a| a.split('/').next())
                    .and_then(|a| a.parse().ok());
                if in_audio {
                    media_ip = ip;
                } else if !seen_audio {
                    session_ip = ip;
                }
            }
            "a" => {
                let dir = match value {
                    "sendrecv" => Some(Direction::SendRecv),
                    "sendonly" => Some(Direction::SendOnly),
                    "recvonly" => Some(Direction::RecvOnly),
                    "inactive" => Some(Direction::Inactive),
                    _ => None,
                };
                if let Some(d) = dir {
                    if in_audio {
                        media_dir = Some(d);
                    } else if !seen_audio {
                        session_dir = d;
                    }
                } else if in_audio
                    && let Some(rest) = value.strip_prefix("rtpmap:")
                    && let Some((pt, enc)) = rest.split_once(' ')
                    && let Ok(pt) = pt.parse()
                {
                    rtpmap.push((pt, enc.trim().to_ascii_lowercase()));
                }
            }
            _ => {}
        }
    }
    if !seen_audio {
        return Err(SdpError::NoAudio);
    }
    let ip = media_ip.or(session_ip).ok_or(SdpError::NoAddress)?;
    let port = port.unwrap_or(0);
    let addr = (!ip.is_unspecified() && port != 0).then(|| SocketAddr::new(ip, port));
    let name_of = |pt: u8| {
        rtpmap
            .iter()
            .find(|(p, _)| *p == pt)
            .map(|(_, n)| n.clone())
    };
    let mut laws = Vec::new();
    let mut telephone_event = None;
    for &pt in &pts {
        let name = name_of(pt);
        match (pt, name.as_deref()) {
            (_, Some(n)) if n.starts_with("pcmu/8000") => laws.push((pt, Law::Ulaw)),
            (_, Some(n)) if n.starts_with("pcma/8000") => laws.push((pt, Law::Alaw)),
            (_, Some(n)) if n.starts_with("telephone-event/8000") => {
                telephone_event = telephone_event.or(Some(pt))
            }
            (0, None) => laws.push((0, Law::Ulaw)),
            (8, None) => laws.push((8, Law::Alaw)),
            _ => {}
        }
    }
    let mut direction = media_dir.unwrap_or(session_dir);
    if media_ip.or(session_ip).is_some_and(|i| i.is_unspecified())
        && direction == Direction::SendRecv
    {
        // RFC 2543 hold: c=0.0.0.0.
        direction = Direction::SendOnly;
    }
    Ok(RemoteMedia {
        addr,
        payload_types: pts,
        laws,
        telephone_event,
        direction,
    })
}

/// What we chose for the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// Payload type of the audio codec.
    pub payload_type: u8,
    /// The law.
    pub law: Law,
    /// telephone-event payload type, when both support it.
    pub telephone_event: Option<u8>,
}

/// Picks the first G.711 law the offerer listed.
pub fn negotiate(remote: &RemoteMedia) -> Result<Negotiated, SdpError> {
    let (payload_type, law) = *remote.laws.first().ok_or(SdpError::NoCodec)?;
    Ok(Negotiated {
        payload_type,
        law,
        telephone_event: remote.telephone_event,
    })
}

/// Writes our description: an answer (one codec) or an offer (PCMU, PCMA, telephone-event).
pub fn write(
    ip: IpAddr,
    port: u16,
    session_id: u64,
    version: u64,
    codecs: &[(u8, Law)],
    telephone_event: Option<u8>,
    direction: Direction,
) -> String {
    let family = if ip.is_ipv6() { "IP6" } else { "IP4" };
    let mut pts: Vec<String> = codecs.iter().map(|(pt, _)| pt.to_string()).collect();
    if let Some(te) = telephone_event {
        pts.push(te.to_string());
    }
    let mut s = format!(
        "v=0\r\no=IRISX {session_id} {version} IN {family} {ip}\r\ns=IRISX\r\nc=IN {family} {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP {}\r\n",
        pts.join(" ")
    );
    for (pt, law) in codecs {
        s.push_str(&format!("a=rtpmap:{pt} {}/8000\r\n", law.name()));
    }
    if let Some(te) = telephone_event {
        s.push_str(&format!(
            "a=rtpmap:{te} telephone-event/8000\r\na=fmtp:{te} 0-16\r\n"
        ));
    }
    s.push_str(&format!("a=ptime:20\r\na={}\r\n", direction.attr()));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIPP: &str = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    const BARESIP: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 10000 RTP/AVP 8 0 101\r\nb=AS:64\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n";

    #[test]
    fn sipp_offer() {
        let r = parse(SIPP).unwrap();
        assert_eq!(r.addr, Some("127.0.0.1:6000".parse().unwrap()));
        let n = negotiate(&r).unwrap();
        assert_eq!(
            (n.payload_type, n.law, n.telephone_event),
            (0, Law::Ulaw, None)
        );
    }

    #[test]
    fn baresip_offer_prefers_pcma_and_dtmf() {
        let r = parse(BARESIP).unwrap();
        let n = negotiate(&r).unwrap();
        assert_eq!(
            (n.payload_type, n.law, n.telephone_event),
            (8, Law::Alaw, Some(101))
        );
        let answer = write(
            "127.0.0.1".parse().unwrap(),
            20000,
            1,
            1,
            &[(8, Law::Alaw)],
            Some(101),
            r.direction.answer(),
        );
        let back = parse(&answer).unwrap();
        assert_eq!(back.addr, Some("127.0.0.1:20000".parse().unwrap()));
        assert_eq!(back.laws, vec![(8, Law::Alaw)]);
        assert_eq!(back.telephone_event, Some(101));
        assert_eq!(back.direction, Direction::SendRecv);
    }

    #[test]
    fn hold_offers() {
        let held = BARESIP.replace("a=sendrecv", "a=sendonly");
        assert_eq!(
            parse(&held).unwrap().direction.answer(),
            Direction::RecvOnly
        );
        let old = SIPP.replace("c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0");
        let r = parse(&old).unwrap();
        assert_eq!(r.addr, None);
        assert_eq!(r.direction, Direction::SendOnly);
        let inactive = BARESIP.replace("a=sendrecv", "a=inactive");
        assert_eq!(
            parse(&inactive).unwrap().direction.answer(),
            Direction::Inactive
        );
    }

    #[test]
    fn unusable_offers() {
        assert_eq!(parse("v=0\r\n"), Err(SdpError::NoAudio));
        assert_eq!(
            parse("v=0\r\nm=audio 1 RTP/AVP 0\r\n"),
            Err(SdpError::NoAddress)
        );
        let g729 = "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n";
        assert_eq!(negotiate(&parse(g729).unwrap()), Err(SdpError::NoCodec));
        for junk in [
            "",
            "=",
            "m=",
            "m=audio",
            "c=IN",
            "a=rtpmap:x",
            "m=audio x RTP/AVP y\r\nc=IN IP4 z",
        ] {
            let _ = parse(junk);
        }
    }
}
