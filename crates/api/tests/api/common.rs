//! A real API server per test: its own PostgreSQL database, its own Redis key prefix and NATS
//! subject, on a random loopback port, driven over HTTP with reqwest.

use std::time::Duration;

use irisx_api::{ApiConfig, AppState};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::oneshot;
use uuid::Uuid;

/// PostgreSQL server for tests (without a database name).
pub fn pg_server() -> String {
    std::env::var("IRISX_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A running API server and what a test needs to poke at it.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub db: PgPool,
    pub state: AppState,
    db_url: String,
    stops: Vec<oneshot::Sender<()>>,
}

/// A tenant registered by a test.
#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub password: String,
    pub tenant_id: String,
    pub user_id: String,
    pub access: String,
    pub refresh: String,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the reply is a problem document with `status`, returning it.
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        assert_eq!(self.body["status"], status);
        assert!(
            self.body["type"].as_str().unwrap().starts_with("https://"),
            "{}",
            self.text
        );
        assert!(self.body["title"].is_string());
        &self.body
    }

    /// The names of the invalid fields of a validation problem.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut ApiConfig)) -> TestApp {
        let name = format!("irisx_t_{}", Uuid::new_v4().simple());
        let db_url = format!("{}/{name}", pg_server());
        irisx_store::create_database_if_missing(&db_url)
            .await
            .expect("create test database");
        let db = irisx_store::connect(&db_url, 8)
            .await
            .expect("connect test database");
        irisx_store::migrate(&db)
            .await
            .expect("migrate test database");
        let mut config = ApiConfig::new(b"test-secret-test-secret-test-secret!".to_vec());
        config.redis_prefix = format!("irisx-test:{name}");
        config.revocation_subject = format!("irisx.test.{name}.api_key_revoked");
        config.bus_namespace = name.clone();
        tweak(&mut config);
        let mut app = TestApp {
            base: String::new(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            state: build_state(config, db.clone()).await,
            db,
            db_url,
            stops: Vec::new(),
        };
        app.base = app.start(app.state.clone()).await;
        app
    }

    /// Starts another API process on the same database and configuration (its own caches),
    /// returning its base URL.
    pub async fn spawn_sibling(&mut self) -> String {
        let state = build_state(self.state.config.clone(), self.db.clone()).await;
        self.start(state).await
    }

    async fn start(&mut self, state: AppState) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel();
        tokio::spawn(irisx_api::serve(listener, state, async {
            let _ = rx.await;
        }));
        self.stops.push(tx);
        // Give the revocation subscriber a moment to subscribe.
        tokio::time::sleep(Duration::from_millis(50)).await;
        format!("http://{addr}")
    }

    /// Sends a request; `token` goes in `Authorization: Bearer`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.call_at(&self.base, method, path, token, body).await
    }

    pub async fn call_at(
        &self,
        base: &str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.http.request(method, format!("{base}{path}"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        read(req.send().await.expect("request")).await
    }

    /// Sends raw bytes with the given content type.
    pub async fn raw(&self, path: &str, content_type: Option<&str>, body: &'static str) -> Reply {
        let mut req = self.http.post(format!("{}{path}", self.base)).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        read(req.send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    /// Registers a new tenant with a unique email.
    pub async fn register(&self, company: &str) -> Account {
        let email = format!(
            "{}@{}.example.com",
            Uuid::new_v4().simple(),
            company.to_lowercase().replace(' ', "-")
        );
        let password = "correct horse battery staple".to_owned();
        let r = self
            .post("/v1/auth/register", None, json!({"email": email, "password": password, "name": "Test User", "company": company}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        Account {
            email,
            password,
            tenant_id: r.body["tenant"]["id"].as_str().unwrap().to_owned(),
            user_id: r.body["user"]["id"].as_str().unwrap().to_owned(),
            access: r.body["tokens"]["access_token"]
                .as_str()
                .unwrap()
                .to_owned(),
            refresh: r.body["tokens"]["refresh_token"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    }

    /// Asks for a password reset for `email` and returns the token from the queued mail.
    pub async fn reset_token(&self, email: &str) -> String {
        let r = self
            .post("/v1/auth/password/forgot", None, json!({"email": email}))
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        let mails = irisx_store::outbox::for_recipient(&self.db, email)
            .await
            .unwrap();
        let body = &mails.last().expect("a reset mail was queued").body_text;
        body.split("token=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("a link with the token")
            .to_owned()
    }

    /// Creates an API key for `account`, returning `(id, secret)`.
    pub async fn api_key(&self, account: &Account, name: &str) -> (String, String) {
        let r = self
            .post("/v1/api-keys", Some(&account.access), json!({"name": name}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        (
            r.body["id"].as_str().unwrap().to_owned(),
            r.body["key"].as_str().unwrap().to_owned(),
        )
    }
}

async fn build_state(config: ApiConfig, db: PgPool) -> AppState {
    let redis_url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let redis = redis::aio::ConnectionManager::new(redis::Client::open(redis_url).unwrap())
        .await
        .expect("redis");
    let nats_url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let nats = async_nats::connect(nats_url).await.expect("nats");
    AppState::new(config, db, redis, nats)
}

async fn read(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for stop in self.stops.drain(..) {
            let _ = stop.send(());
        }
        let url = self.db_url.clone();
        // Drop the database from a thread of its own: Drop cannot await.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let _ = rt.block_on(irisx_store::drop_database(&url));
        })
        .join();
    }
}
