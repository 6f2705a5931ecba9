//! Malformed SIP, RTP and ESL input: the offending message or connection is dropped, the
//! switch keeps serving everyone else.

mod common;

use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x & 0xFF) as u8
        })
        .collect()
}

const SIP_GARBAGE: &[&str] = &[
    "INVITE sip:x SIP/2.0\r\n\r\n",
    "INVITE sip:1000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bK1\r\nContent-Length: 99999\r\n\r\nv=0",
    "SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n",
    "OPTIONS sip:a@b SIP/2.0\r\nCSeq: x OPTIONS\r\n\r\n",
    "BYE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: nope\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n",
    "\r\n\r\n\r\n",
    "INVITE sip:1@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKbad\r\nFrom: <sip:a@127.0.0.1>;tag=a\r\nTo: <sip:1@127.0.0.1>\r\nCall-ID: bad-sdp\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.1:5999>\r\nContent-Type: application/sdp\r\nContent-Length: 10\r\n\r\nm=nonsense",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_never_takes_the_switch_down() {
    let (s, _dir) = switch("garbage").await;
    let (client, mut events) = esl(&s, &["CHANNEL_PARK", "CHANNEL_HANGUP_COMPLETE"]).await;

    // SIP over UDP: malformed messages and random bytes.
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for g in SIP_GARBAGE {
        udp.send_to(g.as_bytes(), s.sip_addr).await.unwrap();
    }
    for i in 0..300 {
        udp.send_to(&noise(i, (i as usize * 7) % 1400 + 1), s.sip_addr)
            .await
            .unwrap();
    }
    // SIP over TCP: garbage, then a half message and a hang-up.
    for g in SIP_GARBAGE.iter().take(3) {
        if let Ok(mut t) = tokio::net::TcpStream::connect(s.sip_addr).await {
            let _ = t.write_all(g.as_bytes()).await;
            let _ = t.write_all(&noise(7, 3000)).await;
        }
    }
    // An INVITE whose SDP we cannot use parks a channel; answering it fails cleanly.
    let dest = |e: &freeswitch_esl_tokio::EslEvent| {
        freeswitch_esl_tokio::HeaderLookup::header_str(e, "Caller-Destination-Number")
            .map(str::to_owned)
    };
    if let Some(park) = wait_for(&mut events, 3, |e| {
        name(e) == "CHANNEL_PARK" && dest(e).as_deref() == Some("1")
    })
    .await
    {
        let uuid = freeswitch_esl_tokio::HeaderLookup::unique_id(&park)
            .unwrap()
            .to_owned();
        let _ = client.execute("answer", None, Some(&uuid)).await.unwrap();
        let _ = client.api(&format!("uuid_kill {uuid}")).await.unwrap();
    }

    // ESL: garbage before auth, oversized commands, binary.
    for payload in [
        noise(1, 5000),
        b"api status\n\n".to_vec(),
        vec![0xFF; 100],
        b"auth wrong\n\n".to_vec(),
    ] {
        let mut t = tokio::net::TcpStream::connect(s.esl_addr).await.unwrap();
        let _ = t.write_all(&payload).await;
        let mut buf = vec![0u8; 4096];
        let _ = tokio::time::timeout(Duration::from_millis(300), t.read(&mut buf)).await;
    }
    let mut t = tokio::net::TcpStream::connect(s.esl_addr).await.unwrap();
    let _ = t.write_all(b"auth ClueCon\n\n").await;
    let huge = format!("sendmsg x\nContent-Length: {}\n\n", 50 * 1024 * 1024);
    let _ = t.write_all(huge.as_bytes()).await;
    let mut buf = vec![0u8; 8192];
    let mut seen = String::new();
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(500), t.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(
        seen.contains("disconnect-notice"),
        "an oversized command closes that connection: {seen}"
    );

    // RTP: garbage to a live media port.
    let uas_port = free_port();
    let _uas = sipp_bg(&["-sn", "uas", "-i", "127.0.0.1", "-p", &uas_port.to_string()]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = client
        .api(&format!(
            "originate sofia/external/1@127.0.0.1:{uas_port} &park()"
        ))
        .await
        .unwrap();
    let body = r.body().unwrap_or_default().trim().to_owned();
    let uuid = body
        .strip_prefix("+OK ")
        .expect("originate answered")
        .to_owned();
    let rtp_port = client
        .api(&format!("uuid_getvar {uuid} local_media_port"))
        .await
        .unwrap();
    if let Ok(port) = rtp_port.body().unwrap_or_default().trim().parse::<u16>() {
        for i in 0..500 {
            udp.send_to(&noise(i + 99, (i as usize % 200) + 1), ("127.0.0.1", port))
                .await
                .unwrap();
        }
    }
    let _ = client.api(&format!("uuid_kill {uuid}")).await.unwrap();

    // Still serving.
    let status = client.api("status").await.unwrap();
    assert!(status.body().unwrap_or_default().contains("is ready"));
    let port = free_port().to_string();
    let sip = s.sip_addr.to_string();
    let call = tokio::spawn(async move {
        sipp(
            &[
                "-sn",
                "uac",
                &sip,
                "-i",
                "127.0.0.1",
                "-p",
                &port,
                "-m",
                "1",
                "-d",
                "200",
                "-timeout",
                "10",
                "-timeout_error",
            ],
            20,
        )
        .await
    });
    let park = wait_for(&mut events, 10, |e| {
        name(e) == "CHANNEL_PARK" && dest(e).as_deref() == Some("service")
    })
    .await
    .expect("a normal call still arrives");
    let uuid = freeswitch_esl_tokio::HeaderLookup::unique_id(&park)
        .unwrap()
        .to_owned();
    let _ = client.execute("answer", None, Some(&uuid)).await.unwrap();
    let (code, out) = call.await.unwrap();
    assert_eq!(code, 0, "{out}");
}
