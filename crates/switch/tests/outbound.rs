//! Calls the switch places (`originate` over ESL) toward sipp acting as the callee.

mod common;

use std::time::{Duration, Instant};

use common::*;
use freeswitch_esl_tokio::HeaderLookup;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn originate_answered_then_killed_reports_billsec() {
    let (s, _dir) = switch("orig-ok").await;
    let (client, mut events) = esl(
        &s,
        &[
            "CHANNEL_ANSWER",
            "CHANNEL_HANGUP_COMPLETE",
            "CHANNEL_CREATE",
        ],
    )
    .await;
    let uas_port = free_port();
    let _uas = sipp_bg(&["-sn", "uas", "-i", "127.0.0.1", "-p", &uas_port.to_string()]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let uuid = uuid::Uuid::new_v4().to_string();
    let r = client
        .api(&format!(
            "originate {{origination_uuid={uuid},origination_caller_id_number=+15550001111,call_timeout=10}}sofia/external/+15551234567@127.0.0.1:{uas_port} &park()"
        ))
        .await
        .unwrap();
    assert_eq!(
        r.body().map(str::trim),
        Some(format!("+OK {uuid}").as_str()),
        "{r:?}"
    );
    let answer = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_ANSWER")
        .await
        .expect("answer event");
    assert_eq!(answer.unique_id(), Some(uuid.as_str()));
    assert_eq!(answer.header_str("Call-Direction"), Some("outbound"));
    let answered_at = Instant::now();
    // While the call is up, a second originate with its uuid is refused: a redelivered
    // request never dials twice.
    let again = client
        .api(&format!(
            "originate {{origination_uuid={uuid}}}sofia/external/1@127.0.0.1:{uas_port} &park()"
        ))
        .await
        .unwrap();
    assert!(again.body().unwrap().starts_with("-ERR"), "{again:?}");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = client.api(&format!("uuid_kill {uuid}")).await.unwrap();
    assert_eq!(r.body().map(str::trim), Some("+OK"));
    let done = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_HANGUP_COMPLETE")
        .await
        .expect("hangup complete");
    let held = answered_at.elapsed().as_secs() as i64;
    assert_eq!(done.header_str("Hangup-Cause"), Some("NORMAL_CLEARING"));
    assert_eq!(
        done.header_str("variable_sip_hangup_disposition"),
        Some("send_bye")
    );
    let billsec: i64 = done
        .header_str("variable_billsec")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (held - 1..=held + 1).contains(&billsec) && billsec >= 1,
        "billsec {billsec}, held {held}"
    );
    assert_eq!(
        done.header_str("variable_origination_caller_id_number"),
        Some("+15550001111")
    );
    assert_eq!(
        done.header_str("Caller-Destination-Number"),
        Some("+15551234567")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_and_no_answer_map_to_their_causes() {
    let (s, _dir) = switch("orig-fail").await;
    let (client, mut events) = esl(&s, &["CHANNEL_HANGUP_COMPLETE", "CHANNEL_PROGRESS"]).await;
    let busy_port = free_port();
    let _busy = sipp_bg(&[
        "-sf",
        &scenario("uas_busy.xml"),
        "-i",
        "127.0.0.1",
        "-p",
        &busy_port.to_string(),
    ]);
    let ring_port = free_port();
    let _ring = sipp_bg(&[
        "-sf",
        &scenario("uas_ring_forever.xml"),
        "-i",
        "127.0.0.1",
        "-p",
        &ring_port.to_string(),
    ]);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let r = client
        .api(&format!(
            "originate sofia/external/200@127.0.0.1:{busy_port} &park()"
        ))
        .await
        .unwrap();
    assert_eq!(r.body().map(str::trim), Some("-ERR USER_BUSY"));
    let e = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_HANGUP_COMPLETE")
        .await
        .unwrap();
    assert_eq!(e.header_str("Hangup-Cause"), Some("USER_BUSY"));
    assert_eq!(e.header_str("variable_sip_term_status"), Some("486"));

    let started = Instant::now();
    let r = client
        .api(&format!(
            "originate {{originate_timeout=2}}sofia/external/300@127.0.0.1:{ring_port} &park()"
        ))
        .await
        .unwrap();
    assert_eq!(r.body().map(str::trim), Some("-ERR NO_ANSWER"));
    assert!(started.elapsed() >= Duration::from_secs(2));
    let progress = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_PROGRESS").await;
    assert!(
        progress.is_some(),
        "180 Ringing is reported as CHANNEL_PROGRESS"
    );
    let e = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_HANGUP_COMPLETE")
        .await
        .unwrap();
    assert_eq!(e.header_str("Hangup-Cause"), Some("NO_ANSWER"));
    assert_eq!(
        e.header_str("variable_sip_hangup_disposition"),
        Some("send_cancel")
    );

    let r = client
        .api("originate error/user_busy &park()")
        .await
        .unwrap();
    assert_eq!(r.body().map(str::trim), Some("-ERR USER_BUSY"));
    let r = client.api("originate {broken sofia/x").await.unwrap();
    assert!(r.body().unwrap().starts_with("-ERR"), "{r:?}");
    assert!(s.core.channels().is_empty());
}

/// A callee that sends 180 and 200 back to back: CHANNEL_PROGRESS must still come before
/// CHANNEL_ANSWER (the provisional and the final response travel different paths inside the
/// switch; a controller following the events would otherwise miss the ringing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ringing_is_reported_before_the_answer_even_when_they_arrive_together() {
    let (s, _dir) = switch("orig-order").await;
    let (client, mut events) = esl(&s, &["CHANNEL_PROGRESS", "CHANNEL_ANSWER"]).await;
    let uas_port = free_port();
    let _uas = sipp_bg(&["-sn", "uas", "-i", "127.0.0.1", "-p", &uas_port.to_string()]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..20 {
        let uuid = uuid::Uuid::new_v4().to_string();
        let r = client
            .api(&format!(
                "originate {{origination_uuid={uuid},call_timeout=10}}sofia/external/1000@127.0.0.1:{uas_port} &park()"
            ))
            .await
            .unwrap();
        assert!(r.body().unwrap().starts_with("+OK"), "{r:?}");
        let first = wait_for(&mut events, 5, |e| e.unique_id() == Some(uuid.as_str()))
            .await
            .expect("an event of the call");
        assert_eq!(name(&first), "CHANNEL_PROGRESS", "the 180 first");
        let next = wait_for(&mut events, 5, |e| e.unique_id() == Some(uuid.as_str()))
            .await
            .expect("the answer");
        assert_eq!(name(&next), "CHANNEL_ANSWER");
        let killed = client.api(&format!("uuid_kill {uuid}")).await.unwrap();
        assert_eq!(killed.body().map(str::trim), Some("+OK"));
    }
}

/// A callee whose dialog ends (487) while the switch still waits for the answer to its
/// CANCEL: the channel's record must wait for the hangup to finish, so it carries the hangup's
/// cause (NO_ANSWER, not a default NORMAL_CLEARING) and CHANNEL_HANGUP comes before
/// CHANNEL_HANGUP_COMPLETE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hangup_record_waits_for_a_slowly_answered_cancel() {
    let (s, _dir) = switch("orig-slow-cancel").await;
    let (client, mut events) = esl(&s, &["CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE"]).await;
    let uas_port = free_port();
    let _uas = sipp_bg(&[
        "-sf",
        &scenario("uas_slow_cancel.xml"),
        "-i",
        "127.0.0.1",
        "-p",
        &uas_port.to_string(),
    ]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = client
        .api(&format!(
            "originate {{originate_timeout=1}}sofia/external/300@127.0.0.1:{uas_port} &park()"
        ))
        .await
        .unwrap();
    assert_eq!(r.body().map(str::trim), Some("-ERR NO_ANSWER"));
    let first = wait_for(&mut events, 5, |_| true).await.expect("an event");
    assert_eq!(name(&first), "CHANNEL_HANGUP");
    let done = wait_for(&mut events, 5, |_| true)
        .await
        .expect("the record");
    assert_eq!(name(&done), "CHANNEL_HANGUP_COMPLETE");
    assert_eq!(done.header_str("Hangup-Cause"), Some("NO_ANSWER"));
    assert_eq!(
        done.header_str("variable_sip_hangup_disposition"),
        Some("send_cancel")
    );
}
