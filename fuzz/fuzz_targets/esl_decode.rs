//! Fuzzes everything that reads untrusted ESL bytes: the incremental frame decoder (fed in
//! pieces at data-dependent points), the typed messages and event parsers, and the
//! server-side command parse. Beyond "never panics" it checks that feeding in pieces yields
//! the same frames as feeding at once, that every frame re-encodes to itself, that events
//! survive a plain / JSON round trip, and that a parsed command re-encodes to itself.
#![no_main]

use bytes::BytesMut;
use esl::{Command, EslCodec, Event, Message, decode_all};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    // Pieces: the first byte chooses the piece length.
    let step = 1 + data.first().map_or(0, |b| *b as usize);
    let mut codec = EslCodec::new();
    let mut buf = BytesMut::new();
    let mut pieces = Vec::new();
    let mut failed = false;
    'feed: for chunk in data.chunks(step) {
        buf.extend_from_slice(chunk);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(f)) => pieces.push(f),
                Ok(None) => break,
                Err(_) => {
                    failed = true;
                    break 'feed;
                }
            }
        }
    }
    match decode_all(data) {
        Ok(whole) => {
            assert!(!failed, "pieces failed where the whole input decodes");
            assert_eq!(pieces, whole);
        }
        Err(_) => assert!(failed, "the whole input fails, so must the pieces"),
    }
    for f in pieces {
        assert_eq!(decode_all(&f.to_bytes()).ok(), Some(vec![f.clone()]));
        if let Ok(c) = Command::parse(&f)
            && !f.head().contains('\r')
        {
            let again = decode_all(&c.to_bytes()).expect("a command re-encodes");
            assert_eq!(again.len(), 1);
            assert_eq!(Command::parse(&again[0]).as_ref(), Ok(&c));
        }
        if let Ok(Message::Event(e)) = Message::from_frame(f) {
            if e.headers().all(|(k, _)| !k.contains([':', '\n', '\r'])) {
                let back = Event::parse_plain(e.to_plain().as_bytes()).expect("plain re-parses");
                assert_eq!(back, *e);
            }
            if e.header("_body").is_none() {
                let back = Event::parse_json(e.to_json().as_bytes()).expect("json re-parses");
                assert_eq!(back, *e);
            }
        }
    }
    let _ = Event::parse_plain(data);
    let _ = Event::parse_json(data);
});
