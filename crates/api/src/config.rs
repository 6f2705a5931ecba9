//! Settings of the API server, filled from environment variables by the binary.

use std::time::Duration;

use crate::ratelimit::Limit;

/// Everything the API needs to know that is not a connection.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// HMAC secret for access tokens (at least 32 bytes).
    pub jwt_secret: Vec<u8>,
    /// Access token lifetime (15 minutes).
    pub access_token_ttl: Duration,
    /// Refresh token lifetime (30 days).
    pub refresh_token_ttl: Duration,
    /// Password-reset token lifetime (1 hour).
    pub reset_token_ttl: Duration,
    /// Base URL of the customer portal, used in emailed links.
    pub portal_url: String,
    /// Prefix of every Redis key this process writes (lets tests and tenants share a Redis).
    pub redis_prefix: String,
    /// NATS subject on which API processes tell each other that an API key was revoked.
    pub revocation_subject: String,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// How long an authenticated API key stays cached in process.
    pub api_key_cache_ttl: Duration,
    /// The rate limits.
    pub limits: Limits,
    /// Key for secrets stored encrypted (carrier passwords).
    pub encryption_key: [u8; 32],
    /// Namespace of the JetStream streams and subjects (empty in production; tests set one).
    pub bus_namespace: String,
    /// Call limits for tenants that have none of their own, and call defaults.
    pub calls: CallDefaults,
}

/// Platform-wide call settings.
#[derive(Debug, Clone, Copy)]
pub struct CallDefaults {
    /// Most live calls per tenant unless the tenant has its own limit (100).
    pub max_concurrent: u32,
    /// Most new calls per second per tenant unless the tenant has its own limit (10).
    pub calls_per_second: u32,
    /// Ring timeout when the request names none, seconds (60).
    pub timeout_s: u32,
    /// Longest call when the request names none, seconds (14,400: four hours, as Twilio).
    pub max_duration_s: u32,
}

impl Default for CallDefaults {
    fn default() -> Self {
        CallDefaults {
            max_concurrent: 100,
            calls_per_second: 10,
            timeout_s: 60,
            max_duration_s: 14_400,
        }
    }
}

/// Rate limits applied by the API.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Per API key or user, unless the tenant has its own figure.
    pub per_principal: Limit,
    /// Logins per client address.
    pub login_per_ip: Limit,
    /// Registrations per client address.
    pub register_per_ip: Limit,
    /// Password-reset requests per client address.
    pub forgot_per_ip: Limit,
    /// Password-reset requests per email address.
    pub forgot_per_email: Limit,
    /// Failed logins for one email before each further try must wait.
    pub failed_logins_free: u32,
    /// The longest wait imposed after failed logins.
    pub failed_login_max_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_principal: Limit::per_minute(1200),
            login_per_ip: Limit::per_minute(30),
            register_per_ip: Limit::per_hour(20),
            forgot_per_ip: Limit::per_minute(5),
            forgot_per_email: Limit::per_hour(3),
            failed_logins_free: 5,
            failed_login_max_wait: Duration::from_secs(15 * 60),
        }
    }
}

impl ApiConfig {
    /// A configuration with the documented defaults and the given secret.
    pub fn new(jwt_secret: Vec<u8>) -> Self {
        let encryption_key = crate::crypto::derive_key(&jwt_secret);
        ApiConfig {
            encryption_key,
            jwt_secret,
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            reset_token_ttl: Duration::from_secs(3600),
            portal_url: "http://127.0.0.1:3000".into(),
            redis_prefix: "irisx".into(),
            revocation_subject: "irisx.auth.api_key_revoked".into(),
            trust_forwarded_for: false,
            api_key_cache_ttl: Duration::from_secs(30),
            limits: Limits::default(),
            bus_namespace: String::new(),
            calls: CallDefaults::default(),
        }
    }
}
