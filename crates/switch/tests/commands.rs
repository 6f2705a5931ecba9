//! API commands and applications on live calls: variables, `show channels`, `uuid_broadcast`,
//! `uuid_break`, `uuid_transfer`, `send_dtmf` (RFC 4733 out, heard by a second leg on the same
//! switch), playback of an http(s) URL through the cache.

mod common;

use std::time::Duration;

use common::*;
use freeswitch_esl_tokio::HeaderLookup;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn uas_call(client: &freeswitch_esl_tokio::EslClient, port: u16) -> String {
    let r = client
        .api(&format!(
            "originate sofia/external/1@127.0.0.1:{port} &park()"
        ))
        .await
        .unwrap();
    let body = r.body().unwrap_or_default().trim().to_owned();
    body.strip_prefix("+OK ")
        .unwrap_or_else(|| panic!("originate: {body}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variables_listing_broadcast_break_and_transfer() {
    let (s, _dir) = switch("commands").await;
    let (client, mut events) = esl(
        &s,
        &[
            "PLAYBACK_START",
            "PLAYBACK_STOP",
            "CHANNEL_TRANSFER",
            "CHANNEL_PARK",
        ],
    )
    .await;
    let port = free_port();
    let _uas = sipp_bg(&["-sn", "uas", "-i", "127.0.0.1", "-p", &port.to_string()]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let uuid = uas_call(&client, port).await;

    assert_eq!(
        client
            .api(&format!("uuid_setvar {uuid} irisx_call_id call-42"))
            .await
            .unwrap()
            .body()
            .map(str::trim),
        Some("+OK")
    );
    assert_eq!(
        client
            .api(&format!("uuid_getvar {uuid} irisx_call_id"))
            .await
            .unwrap()
            .body(),
        Some("call-42")
    );
    assert_eq!(
        client
            .api(&format!("uuid_getvar {uuid} nothing_here"))
            .await
            .unwrap()
            .body(),
        Some("_undef_")
    );
    assert_eq!(
        client
            .api(&format!("uuid_exists {uuid}"))
            .await
            .unwrap()
            .body(),
        Some("true")
    );
    assert_eq!(
        client
            .api("uuid_getvar 00000000-0000-0000-0000-000000000000 x")
            .await
            .unwrap()
            .body()
            .map(str::trim),
        Some("-ERR No such channel!")
    );

    let csv = client
        .api("show channels")
        .await
        .unwrap()
        .body()
        .unwrap_or_default()
        .to_owned();
    assert!(
        csv.starts_with("uuid,direction,") && csv.contains(&uuid) && csv.contains("1 total."),
        "{csv}"
    );
    let json: serde_json::Value = serde_json::from_str(
        client
            .api("show channels as json")
            .await
            .unwrap()
            .body()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(json["row_count"], 1);
    assert_eq!(json["rows"][0]["uuid"], uuid.as_str());
    assert_eq!(json["rows"][0]["callstate"], "ACTIVE");

    // A long tone, interrupted by uuid_break.
    let r = client
        .api(&format!(
            "uuid_broadcast {uuid} tone_stream://%(10000,0,440) aleg"
        ))
        .await
        .unwrap();
    assert_eq!(r.body().map(str::trim), Some("+OK Message sent"));
    wait_for(&mut events, 5, |e| name(e) == "PLAYBACK_START")
        .await
        .expect("broadcast plays");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = client.api(&format!("uuid_break {uuid}")).await.unwrap();
    let stop = wait_for(&mut events, 5, |e| name(e) == "PLAYBACK_STOP")
        .await
        .expect("stopped");
    assert_eq!(stop.header_str("Playback-Status"), Some("break"));

    let r = client
        .api(&format!("uuid_transfer {uuid} 5000"))
        .await
        .unwrap();
    assert_eq!(r.body().map(str::trim), Some("+OK"));
    let t = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_TRANSFER")
        .await
        .expect("transfer event");
    assert_eq!(t.header_str("Transfer-Destination"), Some("5000"));
    let park = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_PARK")
        .await
        .expect("parked again");
    assert_eq!(park.header_str("Caller-Destination-Number"), Some("5000"));
    let _ = client.api(&format!("uuid_kill {uuid}")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_dtmf_reaches_the_other_end_as_rfc4733() {
    // Two switches: A calls B; A's leg sends digits, B's leg hears them.
    let (a, _dir_a) = switch("send-dtmf-a").await;
    let (b, _dir_b) = switch("send-dtmf-b").await;
    let (client_a, _events_a) = esl(&a, &["CHANNEL_ANSWER"]).await;
    let (client_b, mut events_b) = esl(&b, &["CHANNEL_PARK", "DTMF"]).await;
    let target = b.sip_addr;
    let dial = tokio::spawn(async move {
        let r = client_a
            .api(&format!("originate sofia/external/7000@{target} &park()"))
            .await
            .unwrap();
        (client_a, r)
    });
    let park = wait_for(&mut events_b, 5, |e| name(e) == "CHANNEL_PARK")
        .await
        .expect("B gets the call");
    let inbound = park.unique_id().unwrap().to_owned();
    let _ = client_b
        .execute("answer", None, Some(&inbound))
        .await
        .unwrap();
    let (client_a, r) = dial.await.unwrap();
    let outbound = r
        .body()
        .unwrap_or_default()
        .trim()
        .trim_start_matches("+OK ")
        .to_owned();
    assert_eq!(outbound.len(), 36, "{r:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = client_a
        .execute("send_dtmf", Some("42#@120"), Some(&outbound))
        .await
        .unwrap();
    let mut heard = String::new();
    while heard.len() < 3 {
        let Some(e) = wait_for(&mut events_b, 5, |e| name(e) == "DTMF").await else {
            break;
        };
        assert_eq!(e.unique_id(), Some(inbound.as_str()));
        heard.push_str(e.header_str("DTMF-Digit").unwrap_or_default());
    }
    assert_eq!(heard, "42#");
    let _ = client_a
        .api(&format!("uuid_kill {outbound}"))
        .await
        .unwrap();
}

/// Serves one WAV at /prompt.wav and counts requests.
async fn wav_server(wav: Vec<u8>) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            h.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let wav = wav.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: audio/wav\r\ncache-control: max-age=600\r\ncontent-length: {}\r\n\r\n",
                    wav.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&wav).await;
            });
        }
    });
    (format!("http://{addr}/prompt.wav"), hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playback_of_an_http_url_is_fetched_once_and_cached() {
    let (s, dir) = switch("http-play").await;
    let wav_path = dir.join("src.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&wav_path, spec).unwrap();
    for n in 0..16000 / 2 {
        w.write_sample(((n as f32 * 0.2).sin() * 8000.0) as i16)
            .unwrap();
    }
    w.finalize().unwrap();
    let (url, hits) = wav_server(std::fs::read(&wav_path).unwrap()).await;
    let (client, mut events) = esl(&s, &["PLAYBACK_STOP", "CHANNEL_EXECUTE_COMPLETE"]).await;
    let port = free_port();
    let _uas = sipp_bg(&["-sn", "uas", "-i", "127.0.0.1", "-p", &port.to_string()]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let uuid = uas_call(&client, port).await;
    for _ in 0..2 {
        let _ = client
            .execute("playback", Some(&url), Some(&uuid))
            .await
            .unwrap();
        let stop = wait_for(&mut events, 5, |e| name(e) == "PLAYBACK_STOP")
            .await
            .expect("played");
        assert_eq!(stop.header_str("Playback-Status"), Some("done"));
        let done = wait_for(&mut events, 5, |e| {
            name(e) == "CHANNEL_EXECUTE_COMPLETE" && e.header_str("Application") == Some("playback")
        })
        .await
        .unwrap();
        assert_eq!(done.header_str("Application-Response"), Some("FILE PLAYED"));
    }
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the second playback came from the cache"
    );
    let _ = client
        .execute("playback", Some("/no/such/file.wav"), Some(&uuid))
        .await
        .unwrap();
    let failed = wait_for(&mut events, 5, |e| {
        name(e) == "CHANNEL_EXECUTE_COMPLETE" && e.header_str("Application") == Some("playback")
    })
    .await
    .unwrap();
    assert!(
        failed
            .header_str("Application-Response")
            .unwrap_or_default()
            .starts_with("-ERR cannot play"),
        "{:?}",
        failed.header_str("Application-Response")
    );
    let _ = client.api(&format!("uuid_kill {uuid}")).await.unwrap();
}
