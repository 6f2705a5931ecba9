//! Calls into the switch from sipp, controlled over ESL like FreeSWITCH.

mod common;

use std::collections::HashSet;

use common::*;
use freeswitch_esl_tokio::HeaderLookup;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_calls_are_answered_with_playback_and_hung_up() {
    let (s, _dir) = switch("inbound50").await;
    let (client, mut events) = esl(
        &s,
        &[
            "CHANNEL_PARK",
            "CHANNEL_HANGUP_COMPLETE",
            "CHANNEL_ANSWER",
            "PLAYBACK_STOP",
        ],
    )
    .await;
    let sip = s.sip_addr.to_string();
    let port = free_port().to_string();
    let sipp = tokio::spawn(async move {
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
                "50",
                "-r",
                "25",
                "-l",
                "50",
                "-d",
                "1500",
                "-timeout",
                "40",
                "-timeout_error",
            ],
            60,
        )
        .await
    });
    let mut completed = HashSet::new();
    let mut answered = 0;
    let mut played = 0;
    while completed.len() < 50 {
        let Some(e) = wait_for(&mut events, 30, |_| true).await else {
            break;
        };
        let uuid = e.unique_id().unwrap_or_default().to_owned();
        match name(&e).as_str() {
            "CHANNEL_PARK" => {
                let _ = client.execute("answer", None, Some(&uuid)).await.unwrap();
                let _ = client
                    .execute("playback", Some("tone_stream://%(400,0,800)"), Some(&uuid))
                    .await
                    .unwrap();
            }
            "CHANNEL_ANSWER" => answered += 1,
            "PLAYBACK_STOP" => played += 1,
            "CHANNEL_HANGUP_COMPLETE" => {
                assert_eq!(e.header_str("Hangup-Cause"), Some("NORMAL_CLEARING"));
                assert_eq!(
                    e.header_str("variable_sip_hangup_disposition"),
                    Some("recv_bye")
                );
                let billsec: i64 = e.header_str("variable_billsec").unwrap().parse().unwrap();
                assert!((1..=2).contains(&billsec), "billsec {billsec}");
                completed.insert(uuid);
            }
            _ => {}
        }
    }
    let (code, out) = sipp.await.unwrap();
    assert_eq!(code, 0, "sipp reported failed calls:\n{out}");
    assert_eq!(completed.len(), 50);
    assert_eq!(answered, 50);
    assert_eq!(played, 50);
    assert!(s.core.channels().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_before_answer_gets_487() {
    let (s, _dir) = switch("cancel").await;
    let (_client, mut events) = esl(&s, &["CHANNEL_CREATE", "CHANNEL_HANGUP_COMPLETE"]).await;
    let sip = s.sip_addr.to_string();
    let port = free_port().to_string();
    let scenario = scenario("uac_cancel.xml");
    let (code, out) = sipp(
        &[
            "-sf",
            &scenario,
            &sip,
            "-i",
            "127.0.0.1",
            "-p",
            &port,
            "-m",
            "3",
            "-r",
            "5",
            "-timeout",
            "20",
            "-timeout_error",
        ],
        30,
    )
    .await;
    assert_eq!(code, 0, "{out}");
    let mut causes = Vec::new();
    while causes.len() < 3 {
        let Some(e) = wait_for(&mut events, 10, |e| name(e) == "CHANNEL_HANGUP_COMPLETE").await
        else {
            break;
        };
        causes.push((
            e.header_str("Hangup-Cause").unwrap_or_default().to_owned(),
            e.header_str("variable_sip_hangup_disposition")
                .unwrap_or_default()
                .to_owned(),
        ));
    }
    assert_eq!(
        causes,
        vec![("ORIGINATOR_CANCEL".to_owned(), "recv_cancel".to_owned()); 3]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_call_rejected_by_the_controller_gets_the_mapped_status() {
    let (s, _dir) = switch("reject").await;
    let (client, mut events) = esl(&s, &["CHANNEL_PARK", "CHANNEL_HANGUP_COMPLETE"]).await;
    let sip = s.sip_addr.to_string();
    let port = free_port().to_string();
    // sipp's built-in uac expects a 200: a 486 makes the call fail, which is what we check.
    let run = tokio::spawn(async move {
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
                "-timeout",
                "10",
            ],
            20,
        )
        .await
    });
    let park = wait_for(&mut events, 10, |e| name(e) == "CHANNEL_PARK")
        .await
        .expect("parked");
    let uuid = park.unique_id().unwrap().to_owned();
    let r = client
        .api(&format!("uuid_kill {uuid} USER_BUSY"))
        .await
        .unwrap();
    assert_eq!(r.body().map(str::trim), Some("+OK"));
    let done = wait_for(&mut events, 10, |e| name(e) == "CHANNEL_HANGUP_COMPLETE")
        .await
        .expect("hangup");
    assert_eq!(done.header_str("Hangup-Cause"), Some("USER_BUSY"));
    assert_eq!(done.header_str("variable_sip_term_status"), Some("486"));
    assert_eq!(done.header_str("variable_billsec"), Some("0"));
    let (code, out) = run.await.unwrap();
    assert_ne!(code, 0, "the call must fail on the caller's side: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc4733_digits_from_sipp_become_dtmf_events_and_feed_play_and_get_digits() {
    let (s, _dir) = switch("dtmf").await;
    let (client, mut events) = esl(
        &s,
        &[
            "CHANNEL_PARK",
            "DTMF",
            "CHANNEL_EXECUTE_COMPLETE",
            "CHANNEL_HANGUP_COMPLETE",
        ],
    )
    .await;
    let run = run_uac(&s, "uac_dtmf.xml", &[]).await;
    let park = wait_for(&mut events, 10, |e| name(e) == "CHANNEL_PARK")
        .await
        .expect("parked");
    let uuid = park.unique_id().unwrap().to_owned();
    let _ = client.execute("answer", None, Some(&uuid)).await.unwrap();
    let _ = client
        .execute(
            "play_and_get_digits",
            Some("2 5 1 4000 # silence_stream://100 silence_stream://100 my_digits \\d+ 2000"),
            Some(&uuid),
        )
        .await
        .unwrap();
    let mut digits = Vec::new();
    let mut collected = None;
    while collected.is_none() {
        let Some(e) = wait_for(&mut events, 10, |_| true).await else {
            break;
        };
        match name(&e).as_str() {
            "DTMF" => digits.push(e.header_str("DTMF-Digit").unwrap_or_default().to_owned()),
            "CHANNEL_EXECUTE_COMPLETE"
                if e.header_str("Application") == Some("play_and_get_digits") =>
            {
                collected = Some(
                    e.header_str("variable_my_digits")
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
            _ => {}
        }
    }
    assert_eq!(digits, ["1", "5", "#"]);
    assert_eq!(
        collected.as_deref(),
        Some("15"),
        "# ends input and is not part of it"
    );
    let (code, out) = run.await.unwrap();
    assert_eq!(code, 0, "{out}");
}
