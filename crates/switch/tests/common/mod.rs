//! A real switch per test on loopback (random SIP and ESL ports, its own RTP range and
//! directories), a FreeSWITCH ESL client (the crates.io `freeswitch-esl-tokio`) to control
//! it, and real SIP peers (sipp).

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use freeswitch_esl_tokio::{EslClient, EslEvent, EslEventStream, EventFormat};
use irisx_switch::{Switch, SwitchConfig};

static NEXT_RANGE: AtomicU16 = AtomicU16::new(0);

/// A directory for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "irisx-switch-{tag}-{}-{}",
        std::process::id(),
        rand_u32()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish() as u32
}

/// Starts a switch with free ports.
pub async fn switch(tag: &str) -> (Switch, PathBuf) {
    switch_with(tag, |_| {}).await
}

/// Starts a switch with free ports and the settings `adjust` makes.
pub async fn switch_with(tag: &str, adjust: impl FnOnce(&mut SwitchConfig)) -> (Switch, PathBuf) {
    let dir = temp_dir(tag);
    let mut c = SwitchConfig::local(&dir);
    c.sip_addr = "127.0.0.1:0".parse().unwrap();
    c.esl_addr = "127.0.0.1:0".parse().unwrap();
    // Separate RTP ranges per test in this process, and per process.
    let slot = NEXT_RANGE.fetch_add(1, Ordering::Relaxed) + (std::process::id() % 8) as u16 * 16;
    c.rtp_port_min = 20000 + (slot % 128) * 300;
    c.rtp_port_max = c.rtp_port_min + 298;
    c.users.insert("alice".into(), "alice-secret".into());
    adjust(&mut c);
    let s = Switch::start(c).await.expect("switch starts");
    (s, dir)
}

/// An authenticated ESL client subscribed to `events` (plain).
pub async fn esl(s: &Switch, events: &[&str]) -> (EslClient, EslEventStream) {
    let (client, stream) = EslClient::connect("127.0.0.1", s.esl_addr.port(), "ClueCon")
        .await
        .expect("esl connect");
    client
        .subscribe_events_raw(EventFormat::Plain, &events.join(" "))
        .await
        .expect("subscribe");
    (client, stream)
}

/// The name of an event.
pub fn name(e: &EslEvent) -> String {
    e.header_str("Event-Name").unwrap_or_default().to_owned()
}

/// Reads events until `pred` matches one, or `secs` pass.
pub async fn wait_for(
    stream: &mut EslEventStream,
    secs: u64,
    pred: impl Fn(&EslEvent) -> bool,
) -> Option<EslEvent> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, stream.recv()).await {
            Ok(Some(Ok(e))) if pred(&e) => return Some(e),
            Ok(Some(Ok(_))) => {}
            _ => return None,
        }
    }
}

static NEXT_PEER_BLOCK: AtomicU16 = AtomicU16::new(0);

/// A loopback port for a SIP peer, with the seven ports above it also free for UDP and TCP
/// (sipp binds both with `-t t1`; baresip takes the next port for TLS and its RTP goes in
/// `port + 4 ..= port + 7`).
///
/// Ports come from 10000–19999 in blocks of eight: below the kernel's ephemeral range (32768+),
/// where outgoing connections (ESL clients, databases) take their local ports and could grab the
/// port between this check and the peer's bind, and below the RTP ranges the switches in these
/// tests use.
pub fn free_port() -> u16 {
    let base = (std::process::id() % 50) as u16 * 25;
    loop {
        let block = (base + NEXT_PEER_BLOCK.fetch_add(1, Ordering::Relaxed)) % 1250;
        let p = 10000 + block * 8;
        let free = (p..p + 8).all(|q| {
            std::net::UdpSocket::bind(("127.0.0.1", q)).is_ok()
                && std::net::TcpListener::bind(("127.0.0.1", q)).is_ok()
        });
        if free {
            return p;
        }
    }
}

/// Path of a scenario shipped with the tests.
pub fn scenario(name: &str) -> String {
    format!("{}/tests/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs sipp to completion (bounded by `secs`), returning its exit code and output.
pub async fn sipp(args: &[&str], secs: u64) -> (i32, String) {
    let mut cmd = tokio::process::Command::new("sipp");
    cmd.args(args)
        .arg("-nostdin")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd
        .spawn()
        .expect("sipp is installed (Debian package sip-tester)");
    match tokio::time::timeout(Duration::from_secs(secs), child.wait_with_output()).await {
        Ok(Ok(out)) => (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ),
        _ => (-1, "sipp timed out".into()),
    }
}

/// Starts sipp in the background (a UAS), killed when the guard drops.
pub fn sipp_bg(args: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new("sipp")
        .args(args)
        .arg("-nostdin")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("sipp is installed (Debian package sip-tester)")
}

/// A headless baresip that auto-answers as `bob`, with a ctrl_tcp port, dumping what it
/// hears into `dir` (sndfile module: `dump-*-dec.wav`).
pub struct Baresip {
    pub child: tokio::process::Child,
    pub sip_port: u16,
    pub ctrl_port: u16,
    pub dir: PathBuf,
}

impl Baresip {
    /// Starts baresip; it sends thirty seconds of quiet noise (padded long, since baresip
    /// hangs up when its source ends).
    pub async fn start(tag: &str) -> Baresip {
        Self::start_with(tag, "").await
    }

    /// Starts baresip with extra lines in its config (e.g. `sip_certificate`, which makes it
    /// accept TLS on `sip_port + 1`).
    pub async fn start_with(tag: &str, extra_config: &str) -> Baresip {
        let dir = temp_dir(&format!("baresip-{tag}"));
        let sip_port = free_port();
        let ctrl_port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        // Thirty seconds of quiet noise to send.
        let source = dir.join("source.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&source, spec).unwrap();
        for n in 0..8000 * 30 {
            w.write_sample(((n * 7919) % 61) as i16 - 30).unwrap();
        }
        w.finalize().unwrap();
        std::fs::write(
            dir.join("config"),
            format!(
                "sip_listen\t127.0.0.1:{sip_port}\nnet_interface\t127.0.0.1\naudio_source\taufile,{}\naudio_player\taufile,{}\n\
                 audio_alert\taufile,{}\nmodule_path\t/usr/lib/baresip/modules\nmodule\tg711.so\nmodule\taufile.so\nmodule\tsndfile.so\n\
                 module_app\taccount.so\nmodule_app\tmenu.so\nmodule_app\tctrl_tcp.so\nctrl_tcp_listen\t127.0.0.1:{ctrl_port}\n\
                 snd_path\t{}\nrtp_ports\t{}-{}\n{extra_config}",
                source.display(),
                dir.join("played.wav").display(),
                dir.join("alert.wav").display(),
                dir.display(),
                sip_port + 4,
                sip_port + 7
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("accounts"),
            format!(
                "<sip:bob@127.0.0.1:{sip_port}>;regint=0;answermode=auto;audio_codecs=PCMU,PCMA\n"
            ),
        )
        .unwrap();
        let child = tokio::process::Command::new("baresip")
            .arg("-f")
            .arg(&dir)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("baresip is installed (Debian package baresip-core)");
        // Wait for ctrl_tcp.
        for _ in 0..50 {
            if tokio::net::TcpStream::connect(("127.0.0.1", ctrl_port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Baresip {
            child,
            sip_port,
            ctrl_port,
            dir,
        }
    }

    /// Sends a ctrl_tcp command (netstring-framed JSON).
    pub async fn command(&self, command: &str, params: &str) {
        use tokio::io::AsyncWriteExt;
        let body =
            serde_json::json!({"command": command, "params": params, "token": "t"}).to_string();
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", self.ctrl_port))
            .await
            .unwrap();
        s.write_all(format!("{}:{},", body.len(), body).as_bytes())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    /// The decoded audio baresip received, if it dumped any.
    pub fn received(&self) -> Option<PathBuf> {
        std::fs::read_dir(&self.dir)
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                n.starts_with("dump") && n.ends_with("-dec.wav")
            })
    }
}

/// Runs one call from a sipp UAC scenario (with its own media port) against the switch in
/// the background; the handle yields sipp's exit code and output.
pub async fn run_uac(
    s: &Switch,
    scenario_file: &str,
    extra: &[&str],
) -> tokio::task::JoinHandle<(i32, String)> {
    let sip = s.sip_addr.to_string();
    let port = free_port().to_string();
    let media = free_port().to_string();
    let scenario = scenario(scenario_file);
    let extra: Vec<String> = extra.iter().map(|x| x.to_string()).collect();
    tokio::spawn(async move {
        let mut args = vec![
            "-sf",
            &scenario,
            &sip,
            "-i",
            "127.0.0.1",
            "-p",
            &port,
            "-mp",
            &media,
            "-m",
            "1",
            "-timeout",
            "25",
            "-timeout_error",
        ];
        args.extend(extra.iter().map(String::as_str));
        sipp(&args, 35).await
    })
}
