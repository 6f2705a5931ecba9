//! Calls placed over TLS (`;transport=tls`, what a carrier with transport `tls` dials): the
//! switch verifies the peer against the system's CAs plus `sip_tls_ca_file`, so a carrier
//! with a private CA works when its CA is configured and is refused when it is not. baresip,
//! with a certificate from a throwaway CA, answers on its TLS port.

#[path = "common/certs.rs"]
mod certs;
mod common;

use certs::make_certificates;
use common::*;
use freeswitch_esl_tokio::HeaderLookup;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_callee_signed_by_the_configured_ca_answers() {
    let certs = temp_dir("tls-certs");
    make_certificates(&certs);
    let bob = Baresip::start_with(
        "tls",
        &format!("sip_certificate\t{}\n", certs.join("peer.pem").display()),
    )
    .await;
    let tls_port = bob.sip_port + 1;

    // Trusting the CA: the call goes through and is answered.
    let ca = certs.join("ca.pem");
    let (s, _dir) = switch_with("tls-trusted", |c| c.sip_tls_ca_file = Some(ca)).await;
    let (client, mut events) = esl(&s, &["CHANNEL_ANSWER", "CHANNEL_HANGUP_COMPLETE"]).await;
    let uuid = uuid::Uuid::new_v4().to_string();
    let r = client
        .api(&format!(
            "originate {{origination_uuid={uuid},originate_timeout=10}}sofia/external/bob@127.0.0.1:{tls_port};transport=tls &park()"
        ))
        .await
        .unwrap();
    assert_eq!(
        r.body().map(str::trim),
        Some(format!("+OK {uuid}").as_str()),
        "{r:?}"
    );
    let answered = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_ANSWER")
        .await
        .expect("answered");
    assert_eq!(answered.unique_id(), Some(uuid.as_str()));
    let _ = client.api(&format!("uuid_kill {uuid}")).await.unwrap();
    let done = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_HANGUP_COMPLETE")
        .await
        .expect("hangup");
    assert_eq!(
        done.header_str("variable_sip_hangup_disposition"),
        Some("send_bye")
    );

    // Without the CA the peer's certificate is not trusted: the call fails at once.
    let (s, _dir) = switch("tls-untrusted").await;
    let (client, mut events) = esl(&s, &["CHANNEL_HANGUP_COMPLETE"]).await;
    let started = std::time::Instant::now();
    let r = client
        .api(&format!(
            "originate {{originate_timeout=10}}sofia/external/bob@127.0.0.1:{tls_port};transport=tls &park()"
        ))
        .await
        .unwrap();
    let body = r.body().unwrap_or_default().trim().to_owned();
    assert_eq!(body, "-ERR DESTINATION_OUT_OF_ORDER");
    let done = wait_for(&mut events, 5, |e| name(e) == "CHANNEL_HANGUP_COMPLETE")
        .await
        .expect("the failed leg's record");
    let why = done
        .header_str("variable_sip_transport_error")
        .unwrap_or_default();
    assert!(why.contains("UnknownIssuer"), "{why}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "refused without waiting for the timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_ca_file_stops_the_switch_from_starting() {
    let dir = temp_dir("tls-bad-ca");
    let mut c = irisx_switch::SwitchConfig::local(&dir);
    c.sip_addr = "127.0.0.1:0".parse().unwrap();
    c.esl_addr = "127.0.0.1:0".parse().unwrap();
    c.sip_tls_ca_file = Some(dir.join("missing.pem"));
    let err = match irisx_switch::Switch::start(c).await {
        Ok(_) => panic!("started with a missing CA file"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("missing.pem"), "{err}");
}
