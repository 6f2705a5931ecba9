//! A whole IRISX platform for one test, run from the real binary: `irisx up` (or its parts as
//! separate processes, so that one can be killed), on a fresh database, its own JetStream
//! namespace and Redis prefix, and free ports; plus the real peers (sipp) and a client for
//! the API and the event stream.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};

pub const SECRET: &str = "e2e-secret-e2e-secret-e2e-secret-e2e!";

pub fn pg() -> String {
    std::env::var("IRISX_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn free_udp_port() -> u16 {
    loop {
        let p = free_port();
        if std::net::UdpSocket::bind(("127.0.0.1", p)).is_ok() {
            return p;
        }
    }
}

/// One running platform.
pub struct Platform {
    pub name: String,
    pub db_url: String,
    pub http: String,
    pub esl_port: u16,
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
    pub children: Vec<(String, Child)>,
    pub client: reqwest::Client,
    pub token: String,
    pub tenant_id: String,
}

impl Platform {
    fn new(tag: &str) -> Platform {
        let name = format!("irisx_t_{tag}_{}", uuid::Uuid::new_v4().simple());
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).unwrap();
        let db_url = format!("{}/{name}", pg());
        let http_port = free_port();
        let sip_port = free_udp_port();
        let esl_port = free_port();
        let rtp = 20_000 + (rand_u16() % 400) * 100;
        let env = vec![
            ("DATABASE_URL".into(), db_url.clone()),
            ("IRISX_HTTP_ADDR".into(), format!("127.0.0.1:{http_port}")),
            ("IRISX_SIP_ADDR".into(), format!("127.0.0.1:{sip_port}")),
            ("IRISX_ESL_ADDR".into(), format!("127.0.0.1:{esl_port}")),
            ("IRISX_RTP_PORTS".into(), format!("{rtp}-{}", rtp + 99)),
            (
                "IRISX_DATA_DIR".into(),
                dir.join("data").display().to_string(),
            ),
            ("IRISX_BUS_NAMESPACE".into(), name.clone()),
            ("IRISX_REDIS_PREFIX".into(), name.clone()),
            ("IRISX_JWT_SECRET".into(), SECRET.into()),
            ("IRISX_ORCHESTRATOR_LEASE_SECS".into(), "2".into()),
            ("RUST_LOG".into(), "info,rsipstack=warn,sqlx=warn".into()),
        ];
        Platform {
            name,
            db_url,
            http: format!("http://127.0.0.1:{http_port}"),
            esl_port,
            dir,
            env,
            children: Vec::new(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            token: String::new(),
            tenant_id: String::new(),
        }
    }

    /// Runs `irisx <args>` with this platform's environment, logging to `<dir>/<label>.log`.
    pub fn spawn(&mut self, label: &str, args: &[&str]) {
        let log = std::fs::File::create(self.dir.join(format!("{label}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_irisx"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.children.push((label.to_owned(), child));
    }

    /// Runs `irisx <args>` to completion.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_irisx"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .unwrap()
    }

    /// Kills (SIGKILL) the child with this label.
    pub fn kill(&mut self, label: &str) {
        if let Some(pos) = self.children.iter().position(|(l, _)| l == label) {
            let (_, mut child) = self.children.remove(pos);
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `irisx up`, with a registered owner.
    pub async fn up(tag: &str) -> Platform {
        Self::up_with(tag, &[]).await
    }

    /// `irisx up` with more environment variables, with a registered owner.
    pub async fn up_with(tag: &str, env: &[(&str, &str)]) -> Platform {
        let mut p = Platform::new(tag);
        p.env
            .extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        p.spawn("up", &["up"]);
        p.ready().await;
        p.register().await;
        p
    }

    /// The platform as separate processes: switch, api, orchestrator and cdr worker.
    pub async fn split(tag: &str) -> Platform {
        let mut p = Platform::new(tag);
        let out = p.run(&["migrate"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        p.spawn("switch", &["switch"]);
        p.spawn("api", &["api"]);
        p.spawn("orchestrator", &["worker", "orchestrator"]);
        p.spawn("cdr", &["worker", "cdr"]);
        p.ready().await;
        p.register().await;
        p
    }

    /// The API and a cdr worker only: no media server runs, hangups are fed to `CDRS` by the
    /// test. Extra environment applies to every process.
    pub async fn cdr_only(tag: &str, env: &[(&str, &str)]) -> Platform {
        let mut p = Platform::new(tag);
        p.env
            .extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let out = p.run(&["migrate"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        p.spawn("api", &["api"]);
        p.spawn("cdr", &["worker", "cdr"]);
        p.ready().await;
        p.register().await;
        p
    }

    /// The process id of the child with this label.
    pub fn pid(&self, label: &str) -> u32 {
        self.children
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, c)| c.id())
            .unwrap()
    }

    async fn ready(&self) {
        let start = Instant::now();
        loop {
            if let Ok(r) = self
                .client
                .get(format!("{}/readyz", self.http))
                .send()
                .await
                && r.status().is_success()
            {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the platform did not become ready; logs in {}",
                self.dir.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn register(&mut self) {
        let r: Value = self
            .post(
                "/v1/auth/register",
                json!({"email": format!("{}@example.com", self.name), "password": "correct horse battery staple",
                       "name": "Ada", "company": "Calls Inc"}),
            )
            .await
            .1;
        self.token = r["tokens"]["access_token"].as_str().unwrap().to_owned();
        self.tenant_id = r["tenant"]["id"].as_str().unwrap().to_owned();
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.post_with(path, body, &[]).await
    }

    pub async fn post_with(
        &self,
        path: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut req = self.client.post(format!("{}{path}", self.http)).json(&body);
        if !self.token.is_empty() {
            req = req.bearer_auth(&self.token);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Sends a request with `token` (a JSON body when `body` is not null).
    pub async fn send_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.http))
            .bearer_auth(token);
        if !body.is_null() {
            req = req.json(&body);
        }
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send_as(&self.token, reqwest::Method::PUT, path, body)
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.send_as(&self.token, reqwest::Method::PATCH, path, body)
            .await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send_as(&self.token, reqwest::Method::GET, path, Value::Null)
            .await
    }

    /// Registers another account (its own tenant); returns its access token and tenant id.
    pub async fn register_other(&self, tag: &str) -> (String, String) {
        let (s, r) = self
            .send_as(
                "",
                reqwest::Method::POST,
                "/v1/auth/register",
                json!({"email": format!("{tag}-{}@example.com", self.name), "password": "correct horse battery staple",
                       "name": "Bo", "company": "Other Inc"}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        (
            r["tokens"]["access_token"].as_str().unwrap().to_owned(),
            r["tenant"]["id"].as_str().unwrap().to_owned(),
        )
    }

    /// A carrier toward a local SIP peer with a rate deck (`prefix`, cost per minute, 1/1
    /// billing); returns its id.
    pub async fn carrier(&self, name: &str, port: u16, prefix: &str, cost_per_min: f64) -> String {
        let (s, c) = self
            .post(
                "/v1/carriers",
                json!({"name": name, "host": "127.0.0.1", "port": port}),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        let id = c["id"].as_str().unwrap().to_owned();
        let (s, r) = self
            .put(
                &format!("/v1/carriers/{id}/rates"),
                json!({"rates": [{"prefix": prefix, "cost_per_min": cost_per_min, "increment": "1/1"}]}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
        id
    }

    /// Places a call; returns its id.
    pub async fn call(&self, body: Value) -> String {
        let (s, c) = self.post("/v1/calls", body).await;
        assert_eq!(s, 202, "{c}");
        assert_eq!(c["status"], "queued");
        c["id"].as_str().unwrap().to_owned()
    }

    /// Waits until the call reaches one of `statuses`; returns it.
    pub async fn wait_status(&self, id: &str, statuses: &[&str], secs: u64) -> Value {
        let start = Instant::now();
        loop {
            let (_, c) = self.get(&format!("/v1/calls/{id}")).await;
            if statuses.iter().any(|s| c["status"] == *s) {
                return c;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "call {id} stuck at {c}; logs in {}",
                self.dir.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The event types published for this tenant so far, in stream order.
    pub async fn events(&self, call_id: &str) -> Vec<String> {
        let nats = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
        let js = async_nats::jetstream::new(nats);
        let names = irisx_bus::Names::new(&self.name);
        let stream = js.get_stream(&names.events_stream).await.unwrap();
        let consumer = stream
            .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig {
                filter_subject: format!("{}.{}.>", names.events_prefix, self.tenant_id),
                ..Default::default()
            })
            .await
            .unwrap();
        let pending = consumer.cached_info().num_pending as usize;
        let mut out = Vec::new();
        if pending == 0 {
            return out;
        }
        let mut messages = consumer.messages().await.unwrap().take(pending);
        while let Some(Ok(m)) = messages.next().await {
            let v: Value = serde_json::from_slice(&m.payload).unwrap();
            let matches = v["data"]["id"] == call_id || v["data"]["call_id"] == call_id;
            if matches {
                out.push(v["type"].as_str().unwrap_or_default().to_owned());
            }
        }
        out
    }

    /// Waits until the events of a call include `last`.
    pub async fn wait_events(&self, call_id: &str, last: &str, secs: u64) -> Vec<String> {
        let start = Instant::now();
        loop {
            let e = self.events(call_id).await;
            if e.iter().any(|t| t == last) {
                return e;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "no {last} for {call_id}: {e:?}; logs in {}",
                self.dir.display()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A query on the platform's database.
    pub async fn db(&self) -> sqlx::PgPool {
        irisx_store::connect(&self.db_url, 2).await.unwrap()
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        for (_, c) in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn rand_u16() -> u16 {
    uuid::Uuid::new_v4().as_bytes()[0] as u16 * 256 + uuid::Uuid::new_v4().as_bytes()[1] as u16
}

/// A sipp UAS on a free port with a scenario (`uas` = sipp's built-in answering one).
pub fn sipp_uas(scenario: &str) -> (u16, Child) {
    let port = free_udp_port();
    let mut cmd = Command::new("sipp");
    if scenario == "uas" {
        cmd.args(["-sn", "uas"]);
    } else {
        cmd.args([
            "-sf",
            &format!("{}/tests/scenarios/{scenario}", env!("CARGO_MANIFEST_DIR")),
        ]);
    }
    let child = cmd
        .args(["-i", "127.0.0.1", "-p", &port.to_string(), "-nostdin"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp is installed (Debian package sip-tester)");
    std::thread::sleep(Duration::from_millis(300));
    (port, child)
}

/// Kills a sipp when dropped.
pub struct Peer(pub Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A started sipp UAS and its port.
pub fn peer(scenario: &str) -> (u16, Peer) {
    let (port, child) = sipp_uas(scenario);
    (port, Peer(child))
}
