//! The registrar: a softphone registers with digest authentication and is reachable as
//! `user/<name>`; a wrong password is refused.

mod common;

use std::time::Duration;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_user_can_be_dialled() {
    let (s, dir) = switch("registrar").await;
    let (client, _events) = esl(&s, &["CHANNEL_ANSWER"]).await;
    // Unregistered: the dial fails with the right cause.
    let r = client.api("originate user/alice &park()").await.unwrap();
    assert_eq!(r.body().map(str::trim), Some("-ERR USER_NOT_REGISTERED"));

    // The phone: a sipp UAS answering calls, registered by a second sipp as alice.
    let phone_port = free_port();
    let _phone = sipp_bg(&[
        "-sn",
        "uas",
        "-i",
        "127.0.0.1",
        "-p",
        &phone_port.to_string(),
    ]);
    let inject = dir.join("alice.csv");
    std::fs::write(&inject, format!("SEQUENTIAL\nalice-secret;{phone_port};\n")).unwrap();
    let (code, out) = sipp(
        &[
            "-sf",
            &scenario("register.xml"),
            &s.sip_addr.to_string(),
            "-i",
            "127.0.0.1",
            "-p",
            &free_port().to_string(),
            "-inf",
            &inject.display().to_string(),
            "-au",
            "alice",
            "-ap",
            "alice-secret",
            "-m",
            "1",
            "-timeout",
            "10",
            "-timeout_error",
        ],
        20,
    )
    .await;
    assert_eq!(code, 0, "registration: {out}");
    let mut registered = false;
    for _ in 0..50 {
        if s.core.registrar.lookup("alice").is_some() {
            registered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(registered, "alice registered");
    assert_eq!(
        s.core.registrar.lookup("alice").unwrap().contact,
        format!("sip:alice@127.0.0.1:{phone_port}")
    );
    let r = client
        .api("originate {call_timeout=5}user/alice &park()")
        .await
        .unwrap();
    let body = r.body().unwrap_or_default().trim().to_owned();
    let uuid = body
        .strip_prefix("+OK ")
        .unwrap_or_else(|| panic!("originate user/alice: {body}"))
        .to_owned();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = client.api(&format!("uuid_kill {uuid}")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_refused() {
    let (s, dir) = switch("registrar-bad").await;
    let inject = dir.join("mallory.csv");
    std::fs::write(&inject, "SEQUENTIAL\nnot-the-password;5999;\n").unwrap();
    let (code, out) = sipp(
        &[
            "-sf",
            &scenario("register.xml"),
            &s.sip_addr.to_string(),
            "-i",
            "127.0.0.1",
            "-p",
            &free_port().to_string(),
            "-inf",
            &inject.display().to_string(),
            "-au",
            "alice",
            "-ap",
            "not-the-password",
            "-m",
            "1",
            "-timeout",
            "10",
        ],
        20,
    )
    .await;
    assert_ne!(code, 0, "a 403 fails the scenario: {out}");
    assert!(s.core.registrar.lookup("alice").is_none());
}
