//! Golden tests: captures in FreeSWITCH's documented wire formats (`tests/golden/*.bin`,
//! written by `tests/golden/generate.py`) decode to the expected typed messages, and the
//! server-side encoders reproduce them byte for byte where the shape is fixed.

use esl::{EventName, Frame, Message, decode_all, reply};

fn golden(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn messages(name: &str) -> Vec<Message> {
    decode_all(&golden(name))
        .unwrap()
        .into_iter()
        .map(|f| Message::from_frame(f).unwrap())
        .collect()
}

fn wire(frames: &[Frame]) -> Vec<u8> {
    frames.iter().flat_map(|f| f.to_bytes().to_vec()).collect()
}

#[test]
fn auth_request_and_verdicts() {
    let m = messages("auth.bin");
    assert_eq!(m.len(), 3);
    assert_eq!(m[0], Message::AuthRequest);
    match (&m[1], &m[2]) {
        (Message::Reply(ok), Message::Reply(bad)) => {
            assert!(ok.is_ok());
            assert_eq!(ok.text(), "+OK accepted");
            assert!(!bad.is_ok());
            assert_eq!(bad.text(), "-ERR invalid");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        wire(&[
            reply::auth_request(),
            reply::ok("accepted"),
            reply::err("invalid")
        ]),
        golden("auth.bin")
    );
}

#[test]
fn api_status() {
    let m = messages("api_status.bin");
    let [Message::ApiResponse(body)] = &m[..] else {
        panic!("{m:?}")
    };
    let text = std::str::from_utf8(body).unwrap();
    assert!(text.starts_with("UP 0 years, 0 days, 2 hours"));
    assert!(text.ends_with("Current Stack Size/Max 240K/8192K\n"));
    assert_eq!(wire(&[reply::api_response(text)]), golden("api_status.bin"));
}

#[test]
fn bgapi_then_background_job() {
    let m = messages("bgapi.bin");
    assert_eq!(m.len(), 2);
    let Message::Reply(r) = &m[0] else {
        panic!("{m:?}")
    };
    assert!(r.is_ok());
    assert_eq!(r.job_uuid(), Some("7f4db78a-17d7-11dd-b7a0-db4edd065621"));
    let Message::Event(e) = &m[1] else {
        panic!("{m:?}")
    };
    assert_eq!(e.kind(), EventName::BackgroundJob);
    assert_eq!(e.job_uuid(), r.job_uuid());
    assert_eq!(
        e.header("Job-Command-Arg"),
        Some("sofia/default/1005 '&park'")
    );
    assert_eq!(
        e.header("Event-Date-GMT"),
        Some("Thu, 01 May 2008 23:37:03 GMT")
    );
    assert_eq!(e.body(), Some("+OK 7f4de4bc-17d7-11dd-b7a0-db4edd065621\n"));
    assert_eq!(
        reply::bgapi_accepted("7f4db78a-17d7-11dd-b7a0-db4edd065621").to_bytes(),
        decode_all(&golden("bgapi.bin")).unwrap()[0].to_bytes()
    );
}

fn check_hangup(m: &[Message]) -> esl::Event {
    let [Message::Event(e)] = m else {
        panic!("{m:?}")
    };
    assert_eq!(e.kind(), EventName::ChannelHangupComplete);
    assert_eq!(e.unique_id(), Some("a7c9f2de-5c3b-4f6e-9d8e-3b2a1c0d9e8f"));
    assert_eq!(e.hangup_cause(), Some("NORMAL_CLEARING"));
    assert_eq!(e.sequence(), Some(4242));
    assert_eq!(e.header("caller-caller-id-name"), Some("IRISX Demo, Inc."));
    assert_eq!(e.variable_as::<u64>("duration"), Some(3));
    assert_eq!(e.variable_as::<u64>("billsec"), Some(1));
    assert_eq!(e.variable_as::<u64>("start_epoch"), Some(1_795_464_700));
    assert_eq!(
        e.variable("caller_id"),
        Some("\"IRISX Demo\" <+15559990000>")
    );
    assert_eq!(
        e.variable("switch_r_sdp"),
        Some("v=0\r\no=- 1 2 IN IP4 203.0.113.10\r\nm=audio 30000 RTP/AVP 0\r\n")
    );
    assert_eq!(e.variable("percent"), Some("100%"));
    assert_eq!(e.variables().count(), 14);
    assert!(e.headers().all(|(k, _)| k != "Content-Length"));
    assert_eq!(e.body(), Some("call record follows\nline two\n"));
    (**e).clone()
}

#[test]
fn channel_hangup_complete_plain_and_json_agree() {
    let plain = check_hangup(&messages("hangup_plain.bin"));
    let json = check_hangup(&messages("hangup_json.bin"));
    assert_eq!(plain, json, "the two encodings carry the same event");
    // Our encoders write what we read.
    assert_eq!(
        wire(&[reply::event(&plain, esl::EventFormat::Plain)]),
        golden("hangup_plain.bin")
    );
    let ours = reply::event(&json, esl::EventFormat::Json);
    let Message::Event(back) = Message::from_frame(ours).unwrap() else {
        panic!()
    };
    assert_eq!(*back, json);
}

#[test]
fn disconnect_notice_and_rude_rejection() {
    let m = messages("disconnect.bin");
    assert_eq!(m.len(), 2);
    assert!(
        matches!(&m[0], Message::DisconnectNotice(f) if f.body_text().starts_with("Disconnected, goodbye."))
    );
    assert!(matches!(&m[1], Message::RudeRejection(t) if &t[..] == b"Access Denied, go away.\n"));
    assert_eq!(
        wire(&[
            reply::disconnect_notice(),
            reply::rude_rejection(reply::ACCESS_DENIED)
        ]),
        golden("disconnect.bin")
    );
}

#[test]
fn all_captures_in_one_stream_byte_by_byte() {
    let mut all = Vec::new();
    for f in [
        "auth.bin",
        "api_status.bin",
        "bgapi.bin",
        "hangup_plain.bin",
        "hangup_json.bin",
        "disconnect.bin",
    ] {
        all.extend(golden(f));
    }
    let whole = decode_all(&all).unwrap();
    assert_eq!(whole.len(), 10);
    let mut codec = esl::EslCodec::new();
    let mut buf = bytes::BytesMut::new();
    let mut got = Vec::new();
    for b in &all {
        buf.extend_from_slice(&[*b]);
        while let Some(f) = tokio_util::codec::Decoder::decode(&mut codec, &mut buf).unwrap() {
            got.push(f);
        }
    }
    assert_eq!(got, whole);
}
