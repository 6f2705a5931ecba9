//! Fuzzes the switch's entry points for network input: SIP messages (rsipstack's parser),
//! SDP offers and answers, RTP packets, RFC 4733 payloads, digest headers and dial strings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rsipstack::sip::SipMessage::try_from(data);
    let _ = irisx_switch::media::rtp::parse(data);
    let mut rx = irisx_switch::media::dtmf::Receiver::default();
    let _ = rx.on_packet(1, data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(remote) = irisx_switch::media::sdp::parse(text) {
            let _ = irisx_switch::media::sdp::negotiate(&remote);
        }
        let _ = irisx_switch::sip::digest::parse_authorization(text);
        let _ = irisx_switch::sip::dialstring::parse(text);
        let _ = irisx_switch::media::tone::parse(text);
        let _ = irisx_switch::apps::play_and_get_digits::matches(text, "1234#");
    }
});
