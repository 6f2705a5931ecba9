//! The `irisx` binary as an operator runs it: configuration errors, `migrate`, and `up`
//! (database creation, the stored JWT secret, serving, graceful stop on SIGTERM).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn pg() -> String {
    std::env::var("IRISX_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn irisx() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_irisx"));
    c.env_remove("IRISX_JWT_SECRET").env("RUST_LOG", "warn");
    c
}

fn fresh_db() -> (String, String) {
    let name = format!(
        "irisx_t_cli_{}",
        std::process::id() as u64 * 1000 + rand_suffix()
    );
    (format!("{}/{name}", pg()), name)
}

fn rand_suffix() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    RandomState::new().build_hasher().finish() % 1000
}

fn drop_db(url: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _ = rt.block_on(irisx_store::drop_database(url));
}

fn migrations_applied(url: &str) -> i64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pool = irisx_store::connect(url, 1).await.unwrap();
        let n = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    })
}

#[test]
fn api_refuses_to_start_without_a_jwt_secret() {
    let out = irisx().arg("api").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("IRISX_JWT_SECRET is not set"), "{err}");

    let out = irisx()
        .arg("api")
        .env("IRISX_JWT_SECRET", "too-short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 32 characters"));
}

#[test]
fn bad_settings_are_named() {
    let out = irisx()
        .arg("migrate")
        .env("IRISX_DB_POOL_SIZE", "many")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("IRISX_DB_POOL_SIZE"));
    let out = irisx()
        .arg("migrate")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach PostgreSQL"));
    let out = irisx()
        .arg("api")
        .env("IRISX_JWT_SECRET", "x".repeat(40))
        .env("IRISX_ENCRYPTION_KEY", "not-hex")
        .env("DATABASE_URL", format!("{}/postgres", pg()))
        .env("IRISX_HTTP_ADDR", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("IRISX_ENCRYPTION_KEY must be 64 hex"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn migrate_creates_the_database_and_is_repeatable() {
    let (url, _) = fresh_db();
    for _ in 0..2 {
        let out = irisx()
            .arg("migrate")
            .env("DATABASE_URL", &url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        migrations_applied(&url),
        irisx_store::MIGRATOR.iter().count() as i64
    );
    drop_db(&url);
}

fn http_get(addr: &str, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn up_creates_everything_serves_and_stops_cleanly() {
    let (url, _) = fresh_db();
    let dir = std::env::temp_dir().join(format!(
        "irisx-up-{}",
        rand_suffix() + std::process::id() as u64 * 1000
    ));
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let addr = format!("127.0.0.1:{port}");
    let mut child = irisx()
        .arg("up")
        .env("DATABASE_URL", &url)
        .env("IRISX_DATA_DIR", &dir)
        .env("IRISX_HTTP_ADDR", &addr)
        .env("IRISX_REDIS_PREFIX", format!("irisx-test-cli-{port}"))
        .env("IRISX_SIP_ADDR", "127.0.0.1:0")
        .env("IRISX_ESL_ADDR", "127.0.0.1:0")
        .env("IRISX_RTP_PORTS", "39000-39100")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut ready = None;
    while started.elapsed() < Duration::from_secs(30) {
        if let Some(r) = http_get(&addr, "/readyz").filter(|r| r.starts_with("HTTP/1.0 200")) {
            ready = Some(r);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let ready = ready.expect("irisx up never became ready");
    assert!(ready.contains(r#""postgres":"ok""#), "{ready}");

    let secret = dir.join("jwt_secret");
    let content = std::fs::read_to_string(&secret).unwrap();
    assert!(content.len() >= 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "irisx up should exit 0 on SIGTERM, got {status}"
    );
    assert_eq!(
        migrations_applied(&url),
        irisx_store::MIGRATOR.iter().count() as i64
    );

    let _ = std::fs::remove_dir_all(&dir);
    drop_db(&url);
}

#[test]
fn switch_serves_the_event_socket() {
    let dir = std::env::temp_dir().join(format!(
        "irisx-switch-cli-{}",
        rand_suffix() + std::process::id() as u64 * 1000
    ));
    let esl_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = irisx()
        .arg("switch")
        .env("IRISX_DATA_DIR", &dir)
        .env("IRISX_SIP_ADDR", "127.0.0.1:0")
        .env("IRISX_ESL_ADDR", format!("127.0.0.1:{esl_port}"))
        .env("IRISX_ESL_PASSWORD", "s3cret")
        .env("IRISX_RTP_PORTS", "39200-39300")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut conn = loop {
        if let Ok(c) = TcpStream::connect(("127.0.0.1", esl_port)) {
            break c;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the switch never listened"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(conn, "auth s3cret\n\napi status\n\nexit\n\n").unwrap();
    let mut out = String::new();
    let _ = conn.read_to_string(&mut out);
    assert!(out.starts_with("Content-Type: auth/request"), "{out}");
    assert!(out.contains("Reply-Text: +OK accepted"), "{out}");
    assert!(
        out.contains("Content-Type: api/response") && out.contains("UP 0 years"),
        "{out}"
    );
    assert!(out.contains("text/disconnect-notice"), "{out}");
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);

    let out = irisx()
        .arg("switch")
        .env("IRISX_RTP_PORTS", "nonsense")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("IRISX_RTP_PORTS"));
}
