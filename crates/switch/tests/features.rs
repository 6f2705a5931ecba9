//! SIP behaviours a carrier or phone relies on (re-INVITE hold, 200 retransmission until ACK,
//! TCP, digest authentication toward a carrier) and the media commands (record,
//! uuid_record, uuid_bridge).

mod common;

use std::time::Duration;

use common::*;
use freeswitch_esl_tokio::HeaderLookup;

/// Answers the first parked call and returns its uuid.
async fn answer_first(
    client: &freeswitch_esl_tokio::EslClient,
    events: &mut freeswitch_esl_tokio::EslEventStream,
) -> String {
    let park = wait_for(events, 10, |e| name(e) == "CHANNEL_PARK")
        .await
        .expect("parked");
    let uuid = park.unique_id().unwrap().to_owned();
    let _ = client.execute("answer", None, Some(&uuid)).await.unwrap();
    uuid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reinvite_hold_and_unhold_are_answered_with_the_right_direction() {
    let (s, _dir) = switch("hold").await;
    let (client, mut events) = esl(&s, &["CHANNEL_PARK", "CHANNEL_HOLD", "CHANNEL_UNHOLD"]).await;
    let call = run_uac(&s, "uac_hold.xml", &[]).await;
    let uuid = answer_first(&client, &mut events).await;
    let hold = wait_for(&mut events, 10, |e| name(e) == "CHANNEL_HOLD")
        .await
        .expect("hold event");
    assert_eq!(hold.unique_id(), Some(uuid.as_str()));
    assert!(
        wait_for(&mut events, 10, |e| name(e) == "CHANNEL_UNHOLD")
            .await
            .is_some()
    );
    let (code, out) = call.await.unwrap();
    assert_eq!(
        code, 0,
        "sipp checks a=recvonly then a=sendrecv in our answers: {out}"
    );
}

/// A hand-driven UDP caller: sends an INVITE, then does not ACK the 200. RFC 3261 13.3.1.4:
/// the UAS retransmits the 2xx (T1 = 500 ms, doubling) until the ACK arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_200_is_retransmitted_until_the_ack() {
    let (s, _dir) = switch("late-ack").await;
    let (client, mut events) = esl(&s, &["CHANNEL_PARK", "CHANNEL_HANGUP_COMPLETE"]).await;
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let me = sock.local_addr().unwrap();
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    let head = |method: &str, cseq: u32, to_tag: &str, branch: &str| {
        format!(
            "{method} sip:1000@{sip} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK{branch}\r\nFrom: <sip:caller@{me}>;tag=abc\r\n\
             To: <sip:1000@{sip}>{to_tag}\r\nCall-ID: late-ack-1@test\r\nCSeq: {cseq} {method}\r\nContact: <sip:caller@{me}>\r\nMax-Forwards: 70\r\n",
            sip = s.sip_addr
        )
    };
    let invite = format!(
        "{}Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        head("INVITE", 1, "", "inv1"),
        sdp.len()
    );
    sock.send_to(invite.as_bytes(), s.sip_addr).await.unwrap();
    answer_first(&client, &mut events).await;
    let mut buf = vec![0u8; 4096];
    let mut oks = Vec::new();
    let started = tokio::time::Instant::now();
    while oks.len() < 3 && started.elapsed() < Duration::from_secs(5) {
        if let Ok(Ok((n, _))) =
            tokio::time::timeout(Duration::from_secs(5), sock.recv_from(&mut buf)).await
        {
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            if msg.starts_with("SIP/2.0 200") {
                oks.push((started.elapsed(), msg));
            }
        }
    }
    assert!(
        oks.len() >= 3,
        "the 200 OK came {} times without an ACK",
        oks.len()
    );
    let gap = oks[1].0 - oks[0].0;
    assert!(
        gap >= Duration::from_millis(400),
        "retransmitted after {gap:?} (T1 is 500 ms)"
    );
    let to_tag = oks[0]
        .1
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("to:"))
        .and_then(|l| l.split(";tag=").nth(1))
        .unwrap()
        .trim()
        .to_owned();
    let ack = format!(
        "{}Content-Length: 0\r\n\r\n",
        head("ACK", 1, &format!(";tag={to_tag}"), "ack1")
    );
    sock.send_to(ack.as_bytes(), s.sip_addr).await.unwrap();
    let bye = format!(
        "{}Content-Length: 0\r\n\r\n",
        head("BYE", 2, &format!(";tag={to_tag}"), "bye1")
    );
    sock.send_to(bye.as_bytes(), s.sip_addr).await.unwrap();
    let done = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_HANGUP_COMPLETE")
        .await
        .expect("the call ends after ACK and BYE");
    assert_eq!(
        done.header_str("variable_sip_hangup_disposition"),
        Some("recv_bye")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_over_tcp() {
    let (s, _dir) = switch("tcp").await;
    let (client, mut events) = esl(&s, &["CHANNEL_PARK", "CHANNEL_HANGUP_COMPLETE"]).await;
    let sip = s.sip_addr.to_string();
    let port = free_port().to_string();
    let call = tokio::spawn(async move {
        sipp(
            &[
                "-sn",
                "uac",
                "-t",
                "t1",
                &sip,
                "-i",
                "127.0.0.1",
                "-p",
                &port,
                "-m",
                "1",
                "-d",
                "500",
                "-timeout",
                "15",
                "-timeout_error",
            ],
            25,
        )
        .await
    });
    let mut call = call;
    tokio::select! {
        _ = answer_first(&client, &mut events) => {}
        ended = &mut call => panic!("sipp ended before the call was parked: {:?}", ended.unwrap()),
    }
    let (code, out) = call.await.unwrap();
    assert_eq!(code, 0, "{out}");
    let done = wait_for(&mut events, 10, |e| name(e) == "CHANNEL_HANGUP_COMPLETE")
        .await
        .expect("hangup");
    assert_eq!(done.header_str("Hangup-Cause"), Some("NORMAL_CLEARING"));
}

/// A callee that refuses the TCP connection fails the leg at once (a carrier failure), rather
/// than after the INVITE's timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_tcp_connection_fails_the_leg_at_once() {
    let (s, _dir) = switch("tcp-refused").await;
    let (client, mut events) = esl(&s, &["CHANNEL_HANGUP_COMPLETE"]).await;
    let closed = free_port();
    let started = std::time::Instant::now();
    let r = client
        .api(&format!(
            "originate {{originate_timeout=20}}sofia/external/1000@127.0.0.1:{closed};transport=tcp &park()"
        ))
        .await
        .unwrap();
    assert_eq!(
        r.body().map(str::trim),
        Some("-ERR DESTINATION_OUT_OF_ORDER")
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    let done = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_HANGUP_COMPLETE")
        .await
        .expect("the failed leg's record");
    assert!(
        done.header_str("variable_sip_transport_error")
            .is_some_and(|e| !e.is_empty())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_authentication_toward_a_carrier() {
    let (s, _dir) = switch("digest").await;
    let (client, _events) = esl(&s, &["CHANNEL_ANSWER"]).await;
    let carrier = free_port();
    let _uas = sipp_bg(&[
        "-sf",
        &scenario("uas_digest.xml"),
        "-i",
        "127.0.0.1",
        "-p",
        &carrier.to_string(),
    ]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let wrong = client
        .api(&format!("originate {{sip_auth_username=trunkuser,sip_auth_password=nope}}sofia/external/+15551234567@127.0.0.1:{carrier} &park()"))
        .await
        .unwrap();
    assert!(
        wrong
            .body()
            .unwrap_or_default()
            .starts_with("-ERR CALL_REJECTED"),
        "{wrong:?}"
    );
    let r = client
        .api(&format!("originate {{sip_auth_username=trunkuser,sip_auth_password=s3cret}}sofia/external/+15551234567@127.0.0.1:{carrier} &park()"))
        .await
        .unwrap();
    let body = r.body().unwrap_or_default().trim().to_owned();
    let uuid = body
        .strip_prefix("+OK ")
        .unwrap_or_else(|| panic!("originate with credentials: {body}"))
        .to_owned();
    // The password never shows in the channel's variables.
    let vars = client.api(&format!("uuid_dump {uuid}")).await.unwrap();
    assert!(!vars.body().unwrap_or_default().contains("s3cret"));
    let _ = client.api(&format!("uuid_kill {uuid}")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_and_uuid_record_capture_the_caller() {
    let (s, dir) = switch("record").await;
    let (client, mut events) = esl(
        &s,
        &[
            "CHANNEL_PARK",
            "CHANNEL_ANSWER",
            "RECORD_STOP",
            "CHANNEL_EXECUTE_COMPLETE",
        ],
    )
    .await;
    let call = run_uac(&s, "uac_pcap.xml", &[]).await;
    let uuid = answer_first(&client, &mut events).await;
    wait_for(&mut events, 5, |e| name(e) == "CHANNEL_ANSWER")
        .await
        .expect("answered");
    let side = dir.join("side.wav");
    let r = client
        .api(&format!("uuid_record {uuid} start {}", side.display()))
        .await
        .unwrap();
    assert_eq!(r.body().map(str::trim), Some("+OK Success"));
    let _ = client
        .execute("record", Some("message.wav 3"), Some(&uuid))
        .await
        .unwrap();
    let done = wait_for(&mut events, 10, |e| {
        name(e) == "CHANNEL_EXECUTE_COMPLETE" && e.header_str("Application") == Some("record")
    })
    .await
    .expect("record done");
    assert_eq!(done.header_str("Application-Response"), Some("max-length"));
    assert_eq!(done.header_str("variable_record_seconds"), Some("3"));
    let r = client
        .api(&format!("uuid_record {uuid} stop all"))
        .await
        .unwrap();
    assert_eq!(r.body().map(str::trim), Some("+OK Success"));
    let (code, out) = call.await.unwrap();
    assert_eq!(code, 0, "{out}");
    for path in [dir.join("recordings/message.wav"), side] {
        let reader =
            hound::WavReader::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(reader.spec().sample_rate, 8000);
        let samples: Vec<i16> = reader.into_samples::<i16>().map(|x| x.unwrap()).collect();
        let loud = samples
            .chunks(160)
            .filter(|c| irisx_switch::media::audio::rms(c) > 300.0)
            .count();
        assert!(
            loud >= 25,
            "{} holds the caller's speech ({loud} loud frames)",
            path.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uuid_bridge_joins_two_calls_and_one_hangup_ends_both() {
    let (s, _dir) = switch("uuid-bridge").await;
    let (client, mut events) = esl(&s, &["CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE"]).await;
    let p1 = free_port();
    let p2 = free_port();
    let _u1 = sipp_bg(&["-sn", "uas", "-i", "127.0.0.1", "-p", &p1.to_string()]);
    let _u2 = sipp_bg(&["-sn", "uas", "-i", "127.0.0.1", "-p", &p2.to_string()]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let a = client
        .api(&format!(
            "originate sofia/external/1@127.0.0.1:{p1} &park()"
        ))
        .await
        .unwrap()
        .body()
        .unwrap_or_default()
        .trim()
        .trim_start_matches("+OK ")
        .to_owned();
    let b = client
        .api(&format!(
            "originate sofia/external/2@127.0.0.1:{p2} &park()"
        ))
        .await
        .unwrap()
        .body()
        .unwrap_or_default()
        .trim()
        .trim_start_matches("+OK ")
        .to_owned();
    let r = client.api(&format!("uuid_bridge {a} {b}")).await.unwrap();
    assert_eq!(r.body().map(str::trim), Some(format!("+OK {b}").as_str()));
    let bridge = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_BRIDGE")
        .await
        .expect("bridged");
    assert_eq!(bridge.header_str("Bridge-B-Unique-ID"), Some(b.as_str()));
    assert_eq!(
        client
            .api(&format!("uuid_getvar {a} bridge_uuid"))
            .await
            .unwrap()
            .body(),
        Some(b.as_str())
    );
    let _ = client.api(&format!("uuid_kill {a}")).await.unwrap();
    let mut ended = Vec::new();
    while ended.len() < 2 {
        let Some(e) = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_HANGUP_COMPLETE").await
        else {
            break;
        };
        ended.push(e.unique_id().unwrap_or_default().to_owned());
    }
    ended.sort();
    let mut both = vec![a, b];
    both.sort();
    assert_eq!(ended, both);
}
