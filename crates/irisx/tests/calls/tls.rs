//! A carrier reached over TLS: its private CA is trusted through `IRISX_SIP_TLS_CA`, and a
//! cheaper carrier whose TCP connection is refused is cranked back from at once. baresip,
//! with a certificate from a throwaway CA, is the TLS carrier.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::platform::Platform;

#[path = "../../../switch/tests/common/certs.rs"]
mod certs;

/// A port with the next seven also free for UDP and TCP (baresip listens for TLS on port + 1,
/// its RTP goes above).
fn free_port_pair() -> u16 {
    loop {
        let p = crate::platform::free_port();
        if p > 65_000 {
            continue;
        }
        let free = (p..p + 8).all(|q| {
            std::net::UdpSocket::bind(("127.0.0.1", q)).is_ok()
                && std::net::TcpListener::bind(("127.0.0.1", q)).is_ok()
        });
        if free {
            return p;
        }
    }
}

/// baresip answering automatically, with `cert` for TLS on `port + 1`; killed when dropped.
struct Baresip(Child);

/// Thirty seconds of 8 kHz 16-bit mono silence as a WAV file (baresip's audio source).
fn silence_wav(path: &Path) {
    let data_len: u32 = 8000 * 2 * 30;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend(b"RIFF");
    wav.extend((36 + data_len).to_le_bytes());
    wav.extend(b"WAVEfmt ");
    wav.extend(16u32.to_le_bytes());
    wav.extend(1u16.to_le_bytes()); // PCM
    wav.extend(1u16.to_le_bytes()); // mono
    wav.extend(8000u32.to_le_bytes());
    wav.extend(16000u32.to_le_bytes()); // bytes per second
    wav.extend(2u16.to_le_bytes()); // block align
    wav.extend(16u16.to_le_bytes()); // bits per sample
    wav.extend(b"data");
    wav.extend(data_len.to_le_bytes());
    wav.resize(44 + data_len as usize, 0);
    std::fs::write(path, wav).unwrap();
}

impl Baresip {
    fn start(dir: &Path, port: u16, cert: &Path) -> Baresip {
        silence_wav(&dir.join("source.wav"));
        std::fs::write(
            dir.join("config"),
            format!(
                "sip_listen\t127.0.0.1:{port}\nsip_certificate\t{}\nnet_interface\t127.0.0.1\n\
                 module_path\t/usr/lib/baresip/modules\nmodule\tg711.so\nmodule\taufile.so\n\
                 module_app\taccount.so\naudio_source\taufile,{}\naudio_player\taufile,{}\n\
                 rtp_ports\t{}-{}\n",
                cert.display(),
                dir.join("source.wav").display(),
                dir.join("heard.wav").display(),
                (port + 3) & !1,
                ((port + 3) & !1) + 3
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("accounts"),
            // The number as the TLS carrier is told to rewrite it (+1 444… → 00444…).
            format!(
                "<sip:004441234567@127.0.0.1:{port}>;regint=0;answermode=auto;audio_codecs=PCMU\n"
            ),
        )
        .unwrap();
        let child = Command::new("baresip")
            .arg("-f")
            .arg(dir)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("baresip.log")).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("baresip is installed (Debian package baresip-core)");
        for _ in 0..50 {
            if std::net::TcpStream::connect(("127.0.0.1", port + 1)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Baresip(child)
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_carrier_answers_after_a_refused_tcp_carrier() {
    let dir = std::env::temp_dir().join(format!("irisx-tls-carrier-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    certs::make_certificates(&dir);
    let port = free_port_pair();
    let _carrier = Baresip::start(&dir, port, &dir.join("peer.pem"));
    let ca = dir.join("ca.pem").display().to_string();
    let p = Platform::up_with("tls", &[("IRISX_SIP_TLS_CA", &ca)]).await;

    let refused = crate::platform::free_port();
    let mut ids = Vec::new();
    for (name, port, transport, cost) in [
        ("down-tcp", refused, "tcp", 0.01),
        ("secure", port + 1, "tls", 0.02),
    ] {
        let (s, c) = p
            .post(
                "/v1/carriers",
                json!({"name": name, "host": "127.0.0.1", "port": port, "transport": transport,
                       "strip_digits": 1, "prepend": "00"}),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        let id = c["id"].as_str().unwrap().to_owned();
        let (s, r) = p
            .put(
                &format!("/v1/carriers/{id}/rates"),
                json!({"rates": [{"prefix": "1444", "cost_per_min": cost, "increment": "1/1"}]}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        ids.push(id);
    }
    let id = p
        .call(json!({"to": "+14441234567", "from": "+15550001111",
                     "application": [{"verb": "pause", "length": 1}]}))
        .await;
    let c = p.wait_status(&id, &["completed", "failed"], 30).await;
    assert_eq!(
        c["status"],
        "completed",
        "{c}\n{}",
        std::fs::read_to_string(dir.join("baresip.log")).unwrap_or_default()
    );
    assert_eq!(c["attempts"], 2, "{c}");
    assert_eq!(c["carrier_id"], ids[1].as_str());
    let events = p.wait_events(&id, "cdr.created", 20).await;
    assert!(events.contains(&"call.answered".to_owned()), "{events:?}");
}
