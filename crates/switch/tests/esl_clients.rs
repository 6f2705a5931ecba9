//! Event Socket clients written elsewhere drive the switch unchanged: npm `modesl`, PyPI
//! `greenswitch` and crates.io `freeswitch-esl-tokio`. The scripts' packages are installed
//! by `scripts/test.sh` into `IRISX_ESL_CLIENTS_DIR` (default `/var/tmp/irisx-esl-clients`).

mod common;

use std::time::Duration;

use common::*;

fn clients_dir() -> String {
    std::env::var("IRISX_ESL_CLIENTS_DIR").unwrap_or_else(|_| "/var/tmp/irisx-esl-clients".into())
}

fn script(name: &str) -> String {
    format!("{}/tests/clients/{name}", env!("CARGO_MANIFEST_DIR"))
}

async fn run(program: &str, args: &[String], env: (&str, String)) -> (bool, String) {
    let out = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new(program)
            .args(args)
            .env(env.0, env.1)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("client finished in time")
    .expect("client ran");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modesl_connects_originates_and_follows_events() {
    let (s, _dir) = switch("modesl").await;
    let uas = free_port();
    let _uas = sipp_bg(&["-sn", "uas", "-i", "127.0.0.1", "-p", &uas.to_string()]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (ok, out) = run(
        "node",
        &[
            script("modesl_check.js"),
            s.esl_addr.port().to_string(),
            uas.to_string(),
        ],
        ("NODE_PATH", format!("{}/node_modules", clients_dir())),
    )
    .await;
    // billsec is a difference of epoch seconds, as in FreeSWITCH: a 1.1 s call spans one or
    // two second boundaries.
    assert!(
        ok && (out.contains("OK modesl billsec=1") || out.contains("OK modesl billsec=2")),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greenswitch_connects_originates_and_follows_events() {
    let (s, _dir) = switch("greenswitch").await;
    let uas = free_port();
    let _uas = sipp_bg(&["-sn", "uas", "-i", "127.0.0.1", "-p", &uas.to_string()]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (ok, out) = run(
        "python3",
        &[
            script("greenswitch_check.py"),
            s.esl_addr.port().to_string(),
            uas.to_string(),
        ],
        ("PYTHONPATH", format!("{}/py", clients_dir())),
    )
    .await;
    assert!(ok && out.contains("OK greenswitch"), "{out}");
}
