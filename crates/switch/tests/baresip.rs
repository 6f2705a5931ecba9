//! baresip as a real softphone: it answers a call the switch places, hears `speak` audio, and
//! sends RFC 4733 digits that reach `play_and_get_digits`.

mod common;

use std::time::Duration;

use common::*;
use freeswitch_esl_tokio::HeaderLookup;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baresip_hears_speech_and_sends_digits() {
    let (s, dir) = switch("baresip").await;
    let bob = Baresip::start("speak").await;
    let (client, mut events) = esl(
        &s,
        &[
            "CHANNEL_ANSWER",
            "CHANNEL_EXECUTE_COMPLETE",
            "DTMF",
            "CHANNEL_HANGUP_COMPLETE",
        ],
    )
    .await;
    let uuid = uuid::Uuid::new_v4().to_string();
    let r = client
        .api(&format!(
            "originate {{origination_uuid={uuid}}}sofia/external/bob@127.0.0.1:{} &park()",
            bob.sip_port
        ))
        .await
        .unwrap();
    assert_eq!(
        r.body().map(str::trim),
        Some(format!("+OK {uuid}").as_str()),
        "{r:?}"
    );
    let text = "Hello from IRISX. This is the embedded switch speaking to a real softphone.";
    let _ = client
        .execute(
            "speak",
            Some(&format!("espeak|default|{text}")),
            Some(&uuid),
        )
        .await
        .unwrap();
    let spoken = wait_for(&mut events, 20, |e| {
        name(e) == "CHANNEL_EXECUTE_COMPLETE" && e.header_str("Application") == Some("speak")
    })
    .await;
    assert!(spoken.is_some(), "speak finished");
    let _ = client
        .execute(
            "play_and_get_digits",
            Some("1 1 1 5000 # silence_stream://200 silence_stream://100 bob_digit \\d 1000"),
            Some(&uuid),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    bob.command("sndcode", "7").await;
    let got = wait_for(&mut events, 10, |e| {
        name(e) == "CHANNEL_EXECUTE_COMPLETE"
            && e.header_str("Application") == Some("play_and_get_digits")
    })
    .await
    .expect("digits collected");
    assert_eq!(got.header_str("variable_bob_digit"), Some("7"));
    let _ = client.api(&format!("uuid_kill {uuid}")).await.unwrap();
    wait_for(&mut events, 10, |e| name(e) == "CHANNEL_HANGUP_COMPLETE")
        .await
        .expect("hangup");
    tokio::time::sleep(Duration::from_millis(500)).await;

    // What bob heard: non-silent, and at least as long as the speech itself.
    let speech = irisx_switch::media::audio::load_wav(
        &irisx_switch::apps::speak::render(&dir.join("cache"), "espeak", "default", text)
            .await
            .unwrap(),
    )
    .unwrap();
    let heard_path = bob.received().expect("baresip dumped the decoded audio");
    let heard: Vec<i16> = hound::WavReader::open(&heard_path)
        .unwrap()
        .into_samples::<i16>()
        .map(|s| s.unwrap())
        .collect();
    let rate = hound::WavReader::open(&heard_path)
        .unwrap()
        .spec()
        .sample_rate as f64;
    let heard_secs = heard.len() as f64 / rate;
    let speech_secs = speech.len() as f64 / 8000.0;
    assert!(
        heard_secs >= speech_secs,
        "heard {heard_secs:.2}s of a {speech_secs:.2}s speech"
    );
    let loud = heard
        .chunks(160)
        .filter(|c| irisx_switch::media::audio::rms(c) > 500.0)
        .count() as f64
        * 160.0
        / rate;
    assert!(
        loud > speech_secs * 0.5,
        "{loud:.2}s of the {speech_secs:.2}s speech was audible"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridged_legs_carry_audio_from_sipp_to_baresip() {
    let (s, _dir) = switch("bridge").await;
    let bob = Baresip::start("bridge").await;
    let (client, mut events) = esl(
        &s,
        &[
            "CHANNEL_PARK",
            "CHANNEL_BRIDGE",
            "CHANNEL_UNBRIDGE",
            "CHANNEL_HANGUP_COMPLETE",
        ],
    )
    .await;
    let run = run_uac(&s, "uac_pcap.xml", &[]).await;
    let park = wait_for(&mut events, 10, |e| name(e) == "CHANNEL_PARK")
        .await
        .expect("parked");
    let a = park.unique_id().unwrap().to_owned();
    let _ = client
        .execute(
            "bridge",
            Some(&format!("sofia/external/bob@127.0.0.1:{}", bob.sip_port)),
            Some(&a),
        )
        .await
        .unwrap();
    let bridge = wait_for(&mut events, 10, |e| name(e) == "CHANNEL_BRIDGE")
        .await
        .expect("bridged");
    assert_eq!(bridge.header_str("Bridge-A-Unique-ID"), Some(a.as_str()));
    let (code, out) = run.await.unwrap();
    assert_eq!(code, 0, "{out}");
    let mut ended = 0;
    while ended < 2 {
        if wait_for(&mut events, 10, |e| name(e) == "CHANNEL_HANGUP_COMPLETE")
            .await
            .is_none()
        {
            break;
        }
        ended += 1;
    }
    assert_eq!(ended, 2, "the caller's hangup ends the bridged leg too");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let heard_path = bob.received().expect("baresip dumped the decoded audio");
    let heard: Vec<i16> = hound::WavReader::open(&heard_path)
        .unwrap()
        .into_samples::<i16>()
        .map(|s| s.unwrap())
        .collect();
    let loud = heard
        .chunks(160)
        .filter(|c| irisx_switch::media::audio::rms(c) > 300.0)
        .count();
    assert!(
        loud >= 50,
        "at least a second of the caller's speech reached the other leg ({loud} loud frames)"
    );
}
