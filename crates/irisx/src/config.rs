//! Configuration from environment variables, with the documented defaults, and logging setup.
//!
//! | variable | default |
//! |---|---|
//! | `DATABASE_URL` | `postgres://postgres@127.0.0.1:5432/irisx` |
//! | `NATS_URL` | `nats://127.0.0.1:4222` |
//! | `REDIS_URL` | `redis://127.0.0.1:6379` |
//! | `IRISX_HTTP_ADDR` | `127.0.0.1:3000` |
//! | `IRISX_JWT_SECRET` | required, except for `irisx up` (which keeps one in the data dir) |
//! | `IRISX_DATA_DIR` | `./data` |
//! | `IRISX_ENCRYPTION_KEY` | derived from the JWT secret (64 hex characters: the key for stored carrier passwords) |
//! | `IRISX_PORTAL_URL` | `http://<IRISX_HTTP_ADDR>` |
//! | `IRISX_REDIS_PREFIX` | `irisx` |
//! | `IRISX_DB_POOL_SIZE` | `32` |
//! | `IRISX_RATE_LIMIT_PER_MIN` | `1200` (per API key or user) |
//! | `IRISX_LOGIN_LIMIT_PER_MIN` | `30` (logins per client address) |
//! | `IRISX_TRUST_FORWARDED_FOR` | `false` |
//! | `IRISX_SIP_ADDR` | `127.0.0.1:5060` (embedded switch, UDP and TCP) |
//! | `IRISX_ESL_ADDR` | `127.0.0.1:8021` (embedded switch Event Socket) |
//! | `IRISX_ESL_PASSWORD` | `ClueCon` |
//! | `IRISX_RTP_PORTS` | `16384-32768` |
//! | `IRISX_RTP_IP` | the IP of `IRISX_SIP_ADDR` |
//! | `IRISX_SIP_USERS` | none (`alice:secret,bob:secret` for the registrar) |
//! | `IRISX_SIP_TLS_CA` | none (a PEM file of CAs trusted for TLS carriers, besides the system's bundle) |
//! | `IRISX_MEDIA_SERVERS` | the embedded switch: `<IRISX_ESL_ADDR>:<IRISX_ESL_PASSWORD>` (a list of `host:port:password`, comma-separated) |
//! | `IRISX_BUS_NAMESPACE` | none (prefix of the JetStream streams and subjects, to share a NATS) |
//! | `IRISX_TENANT_MAX_CALLS` | `100` (live calls per tenant, unless the tenant has its own limit) |
//! | `IRISX_TENANT_CPS` | `10` (new calls per second per tenant, unless the tenant has its own limit) |
//! | `IRISX_ORCHESTRATOR_LEASE_SECS` | `15` (silence after which another orchestrator adopts a stopped one's calls) |
//! | `IRISX_CDR_ACK_WAIT_SECS` | `30` (a hangup taken by a cdr worker that died is handed to another after this) |
//! | `IRISX_OUTBOUND_HTTP_PUBLIC_ONLY` | `false` (refuse answer URLs and status callbacks at loopback, private and other non-public addresses: set it when tenants are not trusted) |
//! | `IRISX_WEBHOOK_RETRY_SCHEDULE` | `0,5,300,1800,7200,18000,36000,36000` (seconds before each delivery attempt of a status callback) |
//! | `IRISX_LOG_FORMAT` | `text` (or `json`) |
//! | `RUST_LOG` | `info` |

use std::path::PathBuf;

use anyhow::{Context, bail};
use irisx_api::ratelimit::Limit;

/// Settings common to every subcommand.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub nats_url: String,
    pub redis_url: String,
    pub http_addr: String,
    pub data_dir: PathBuf,
    pub jwt_secret: Option<String>,
    pub portal_url: Option<String>,
    pub redis_prefix: String,
    pub db_pool_size: u32,
    pub rate_limit_per_min: u32,
    pub login_limit_per_min: u32,
    pub trust_forwarded_for: bool,
    pub sip_addr: String,
    pub esl_addr: String,
    pub esl_password: String,
    pub rtp_ports: String,
    pub rtp_ip: Option<String>,
    pub sip_users: String,
    pub sip_tls_ca: Option<PathBuf>,
    pub encryption_key: Option<String>,
    pub media_servers: Option<String>,
    pub bus_namespace: String,
    pub tenant_max_calls: u32,
    pub tenant_cps: u32,
    pub orchestrator_lease_secs: u64,
    /// Seconds before an unacknowledged hangup is redelivered to a cdr worker.
    pub cdr_ack_wait_secs: u64,
    pub webhook_retry_schedule: Option<String>,
    pub outbound_http_public_only: bool,
}

fn var(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn parsed<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name).ok().filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={v:?} is invalid: {e}")),
    }
}

impl Settings {
    /// Reads the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Settings {
            database_url: var("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/irisx"),
            nats_url: var("NATS_URL", "nats://127.0.0.1:4222"),
            redis_url: var("REDIS_URL", "redis://127.0.0.1:6379"),
            http_addr: var("IRISX_HTTP_ADDR", "127.0.0.1:3000"),
            data_dir: PathBuf::from(var("IRISX_DATA_DIR", "./data")),
            jwt_secret: std::env::var("IRISX_JWT_SECRET")
                .ok()
                .filter(|v| !v.is_empty()),
            portal_url: std::env::var("IRISX_PORTAL_URL")
                .ok()
                .filter(|v| !v.is_empty()),
            redis_prefix: var("IRISX_REDIS_PREFIX", "irisx"),
            db_pool_size: parsed("IRISX_DB_POOL_SIZE", 32)?,
            rate_limit_per_min: parsed("IRISX_RATE_LIMIT_PER_MIN", 1200)?,
            login_limit_per_min: parsed("IRISX_LOGIN_LIMIT_PER_MIN", 30)?,
            trust_forwarded_for: parsed("IRISX_TRUST_FORWARDED_FOR", false)?,
            sip_addr: var("IRISX_SIP_ADDR", "127.0.0.1:5060"),
            esl_addr: var("IRISX_ESL_ADDR", "127.0.0.1:8021"),
            esl_password: var("IRISX_ESL_PASSWORD", "ClueCon"),
            rtp_ports: var("IRISX_RTP_PORTS", "16384-32768"),
            rtp_ip: std::env::var("IRISX_RTP_IP").ok().filter(|v| !v.is_empty()),
            sip_users: var("IRISX_SIP_USERS", ""),
            sip_tls_ca: std::env::var("IRISX_SIP_TLS_CA")
                .ok()
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            encryption_key: std::env::var("IRISX_ENCRYPTION_KEY")
                .ok()
                .filter(|v| !v.is_empty()),
            media_servers: std::env::var("IRISX_MEDIA_SERVERS")
                .ok()
                .filter(|v| !v.is_empty()),
            bus_namespace: var("IRISX_BUS_NAMESPACE", ""),
            tenant_max_calls: parsed("IRISX_TENANT_MAX_CALLS", 100)?,
            tenant_cps: parsed("IRISX_TENANT_CPS", 10)?,
            orchestrator_lease_secs: parsed("IRISX_ORCHESTRATOR_LEASE_SECS", 15)?,
            cdr_ack_wait_secs: parsed("IRISX_CDR_ACK_WAIT_SECS", 30)?,
            outbound_http_public_only: parsed("IRISX_OUTBOUND_HTTP_PUBLIC_ONLY", false)?,
            webhook_retry_schedule: std::env::var("IRISX_WEBHOOK_RETRY_SCHEDULE")
                .ok()
                .filter(|v| !v.trim().is_empty()),
        })
    }

    /// The JWT secret from the environment, which `irisx api` requires.
    pub fn required_jwt_secret(&self) -> anyhow::Result<Vec<u8>> {
        match &self.jwt_secret {
            Some(s) => check_secret(s.as_bytes().to_vec()),
            None => bail!(
                "IRISX_JWT_SECRET is not set: give every API process the same random secret of at least \
                 32 characters (for example `openssl rand -hex 32`), or use `irisx up`, which keeps one in \
                 IRISX_DATA_DIR"
            ),
        }
    }

    /// The JWT secret from the environment, or else the one kept in the data dir (created with
    /// owner-only permissions on first start).
    pub fn jwt_secret_or_stored(&self) -> anyhow::Result<Vec<u8>> {
        if self.jwt_secret.is_some() {
            return self.required_jwt_secret();
        }
        let path = self.data_dir.join("jwt_secret");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            return check_secret(existing.trim().as_bytes().to_vec())
                .with_context(|| format!("the secret stored in {} is unusable", path.display()));
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create the data dir {}", self.data_dir.display()))?;
        let secret = hex::encode(rand::random::<[u8; 32]>());
        write_private(&path, &secret)
            .with_context(|| format!("cannot write {}", path.display()))?;
        tracing::info!(path = %path.display(), "generated a JWT secret");
        Ok(secret.into_bytes())
    }

    /// The API configuration these settings describe.
    pub fn api_config(&self, jwt_secret: Vec<u8>) -> anyhow::Result<irisx_api::ApiConfig> {
        let mut config = irisx_api::ApiConfig::new(jwt_secret.clone());
        config.encryption_key = self.encryption_key(&jwt_secret)?;
        config.bus_namespace = self.bus_namespace.clone();
        config.calls.max_concurrent = self.tenant_max_calls.max(1);
        config.calls.calls_per_second = self.tenant_cps.max(1);
        config.portal_url = self
            .portal_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.http_addr));
        config.redis_prefix = self.redis_prefix.clone();
        config.trust_forwarded_for = self.trust_forwarded_for;
        config.limits.per_principal = Limit::per_minute(self.rate_limit_per_min.max(1));
        config.limits.login_per_ip = Limit::per_minute(self.login_limit_per_min.max(1));
        Ok(config)
    }
}

impl Settings {
    /// The key of stored secrets: `IRISX_ENCRYPTION_KEY`, or else derived from the JWT secret.
    pub fn encryption_key(&self, jwt_secret: &[u8]) -> anyhow::Result<[u8; 32]> {
        match &self.encryption_key {
            Some(hex_key) => {
                let bytes = hex::decode(hex_key.trim()).ok().filter(|b| b.len() == 32).with_context(|| {
                    "IRISX_ENCRYPTION_KEY must be 64 hex characters (32 bytes), e.g. from `openssl rand -hex 32`"
                })?;
                let mut key = [0u8; 32];
                key.copy_from_slice(&bytes);
                Ok(key)
            }
            None => Ok(irisx_core::secrets::derive_key(jwt_secret)),
        }
    }

    /// The media servers workers talk to (the embedded switch unless `IRISX_MEDIA_SERVERS`).
    pub fn media_servers(&self) -> anyhow::Result<Vec<irisx_workers::MediaServer>> {
        let list = self
            .media_servers
            .clone()
            .unwrap_or_else(|| format!("{}:{}", self.esl_addr, self.esl_password));
        let servers = irisx_workers::MediaServer::parse_list(&list)
            .with_context(|| "IRISX_MEDIA_SERVERS must be a list of host:port:password")?;
        if servers.is_empty() {
            bail!("IRISX_MEDIA_SERVERS names no media server");
        }
        Ok(servers)
    }

    /// The delays before each status-callback attempt, when `IRISX_WEBHOOK_RETRY_SCHEDULE`
    /// sets them.
    pub fn webhook_schedule(&self) -> anyhow::Result<Option<Vec<std::time::Duration>>> {
        let Some(text) = &self.webhook_retry_schedule else {
            return Ok(None);
        };
        let schedule = text
            .split(',')
            .map(|s| s.trim().parse::<u64>().map(std::time::Duration::from_secs))
            .collect::<Result<Vec<_>, _>>()
            .ok()
            .filter(|s| !s.is_empty() && s.len() <= 50)
            .with_context(|| {
                format!(
                    "IRISX_WEBHOOK_RETRY_SCHEDULE={text} is not a list of seconds such as 0,5,300"
                )
            })?;
        Ok(Some(schedule))
    }

    /// The embedded switch's configuration.
    pub fn switch_config(&self) -> anyhow::Result<irisx_switch::SwitchConfig> {
        let mut c = irisx_switch::SwitchConfig::local(&self.data_dir);
        c.sip_addr = self
            .sip_addr
            .parse()
            .with_context(|| format!("IRISX_SIP_ADDR={} is not ip:port", self.sip_addr))?;
        c.esl_addr = self
            .esl_addr
            .parse()
            .with_context(|| format!("IRISX_ESL_ADDR={} is not ip:port", self.esl_addr))?;
        c.esl_password = self.esl_password.clone();
        let (min, max) = self
            .rtp_ports
            .split_once('-')
            .and_then(|(a, b)| Some((a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?)))
            .filter(|(a, b)| a < b)
            .with_context(|| {
                format!(
                    "IRISX_RTP_PORTS={} is not a range like 16384-32768",
                    self.rtp_ports
                )
            })?;
        c.rtp_port_min = min;
        c.rtp_port_max = max;
        c.rtp_ip = match &self.rtp_ip {
            Some(ip) => ip
                .parse()
                .with_context(|| format!("IRISX_RTP_IP={ip} is not an IP address"))?,
            None => c.sip_addr.ip(),
        };
        for entry in self
            .sip_users
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (user, password) = entry
                .split_once(':')
                .with_context(|| format!("IRISX_SIP_USERS entry `{entry}` is not user:password"))?;
            c.users.insert(user.to_owned(), password.to_owned());
        }
        c.sip_tls_ca_file = self.sip_tls_ca.clone();
        Ok(c)
    }
}

fn check_secret(secret: Vec<u8>) -> anyhow::Result<Vec<u8>> {
    if secret.len() < 32 {
        bail!("the JWT secret must be at least 32 characters long");
    }
    Ok(secret)
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

/// Sets up `tracing` logs: text by default, JSON with `IRISX_LOG_FORMAT=json`.
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,rsipstack=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if std::env::var("IRISX_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &std::path::Path, secret: Option<&str>) -> Settings {
        let mut s = Settings::from_env().unwrap();
        s.data_dir = dir.to_path_buf();
        s.jwt_secret = secret.map(str::to_owned);
        s
    }

    #[test]
    fn the_stored_secret_is_created_once_then_reused() {
        let dir = std::env::temp_dir().join(format!("irisx-secret-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = settings(&dir, None).jwt_secret_or_stored().unwrap();
        let second = settings(&dir, None).jwt_secret_or_stored().unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), 64);
        // The environment wins over the stored secret.
        let env = "x".repeat(40);
        assert_eq!(
            settings(&dir, Some(&env)).jwt_secret_or_stored().unwrap(),
            env.as_bytes()
        );
        std::fs::write(dir.join("jwt_secret"), "short").unwrap();
        assert!(settings(&dir, None).jwt_secret_or_stored().is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
