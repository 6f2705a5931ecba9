//! Property tests: events survive encode → decode in both formats, commands survive
//! encode → server-side parse, and any split of a byte stream yields the same frames.

use bytes::BytesMut;
use esl::{Command, EslCodec, Event, EventFormat, Frame, Message, SendMsg, decode_all, reply};
use proptest::prelude::*;
use tokio_util::codec::Decoder;

fn header_name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_-]{0,30}".prop_filter("reserved", |s| {
        !s.eq_ignore_ascii_case("content-length") && s != "_body"
    })
}

/// Any text; plain events percent-encode it, JSON escapes it.
fn header_value() -> impl Strategy<Value = String> {
    any::<String>()
}

fn event() -> impl Strategy<Value = Event> {
    (
        proptest::collection::vec((header_name(), header_value()), 0..40),
        proptest::option::of(any::<String>()),
    )
        .prop_map(|(hs, body)| {
            let mut e = Event::new("CUSTOM");
            for (k, v) in hs {
                e.push(&k, &v);
            }
            e.set_body(body);
            e
        })
}

/// Text without line breaks, as command arguments are.
fn word() -> impl Strategy<Value = String> {
    "[!-~]{1,20}"
}

fn line() -> impl Strategy<Value = String> {
    "[!-~][ -~]{0,40}".prop_map(|s| s.trim_end().to_owned())
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        line().prop_map(Command::Api),
        (line(), proptest::option::of(word())).prop_map(|(c, j)| Command::BgApi(c, j)),
        proptest::collection::vec("[A-Z_]{1,12}", 1..5)
            .prop_map(|n| Command::Event(EventFormat::Json, n)),
        (word(), line()).prop_map(|(h, v)| Command::Filter(h.replace(':', "x"), v)),
        (word(), word(), "[ -~]{0,40}")
            .prop_map(|(u, app, arg)| Command::SendMsg(SendMsg::execute(&u, &app, arg.trim()))),
        (word(), "[A-Z_]{1,20}").prop_map(|(u, c)| Command::SendMsg(SendMsg::hangup(&u, &c))),
        (word(), "(?s).{0,3000}").prop_map(|(u, arg)| Command::SendMsg(SendMsg::execute(
            &u,
            "speak",
            &format!("x\n{arg}")
        ))),
    ]
}

/// A frame of any kind a server or client writes.
fn frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        event().prop_map(|e| reply::event(&e, EventFormat::Plain)),
        event().prop_map(|e| reply::event(&e, EventFormat::Json)),
        event().prop_map(|e| reply::event(&e, EventFormat::Xml)),
        line().prop_map(|t| reply::ok(&t)),
        any::<String>().prop_map(|b| reply::api_response(&b)),
        Just(reply::auth_request()),
        Just(reply::disconnect_notice()),
        command().prop_map(|c| c.to_frame()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn events_round_trip_in_both_formats(e in event()) {
        prop_assert_eq!(Event::parse_plain(e.to_plain().as_bytes()).unwrap(), e.clone());
        prop_assert_eq!(Event::parse_json(e.to_json().as_bytes()).unwrap(), e.clone());
        for f in [EventFormat::Plain, EventFormat::Json] {
            let wire = reply::event(&e, f).to_bytes();
            let frames = decode_all(&wire).unwrap();
            prop_assert_eq!(frames.len(), 1);
            match Message::from_frame(frames[0].clone()).unwrap() {
                Message::Event(back) => prop_assert_eq!(&*back, &e),
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }

    #[test]
    fn json_events_agree_with_serde_json(e in event()) {
        let ours: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
        let obj = ours.as_object().unwrap();
        // serde_json keeps the last of duplicate keys.
        let last: std::collections::HashMap<&str, &str> = e.headers().collect();
        prop_assert_eq!(obj.len(), last.len() + usize::from(e.body().is_some()) * 2);
        for (k, v) in last {
            prop_assert_eq!(obj.get(k).and_then(|x| x.as_str()), Some(v));
        }
        prop_assert_eq!(obj.get("_body").and_then(|x| x.as_str()), e.body());
    }

    #[test]
    fn commands_round_trip(c in command()) {
        let frames = decode_all(&c.to_bytes()).unwrap();
        prop_assert_eq!(frames.len(), 1);
        prop_assert_eq!(Command::parse(&frames[0]).unwrap(), c);
    }

    #[test]
    fn any_split_yields_the_same_frames(
        frames in proptest::collection::vec(frame(), 1..8),
        cuts in proptest::collection::vec(any::<usize>(), 0..24),
    ) {
        let mut wire = BytesMut::new();
        for f in &frames {
            f.encode(&mut wire);
        }
        prop_assert_eq!(&decode_all(&wire).unwrap(), &frames);
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
        points.sort_unstable();
        let mut codec = EslCodec::new();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        let mut last = 0;
        for p in points.into_iter().chain(std::iter::once(wire.len())) {
            buf.extend_from_slice(&wire[last..p]);
            last = p;
            while let Some(f) = codec.decode(&mut buf).unwrap() {
                got.push(f);
            }
        }
        prop_assert_eq!(got, frames);
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(frames) = decode_all(&bytes) {
            for f in frames {
                let _ = Command::parse(&f);
                let _ = Message::from_frame(f);
            }
        }
        let _ = Event::parse_plain(&bytes);
        let _ = Event::parse_json(&bytes);
    }
}
