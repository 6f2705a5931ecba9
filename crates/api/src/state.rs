//! The shared state of the API: configuration, connections and in-process caches.

use std::sync::Arc;

use redis::aio::ConnectionManager;
use sqlx::PgPool;

use crate::auth::api_key_cache::ApiKeyCache;
use crate::auth::jwt::JwtKeys;
use crate::config::ApiConfig;
use crate::ratelimit::RateLimiter;

/// Cheap to clone; every handler gets one.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What [`AppState`] holds.
pub struct Inner {
    /// Settings.
    pub config: ApiConfig,
    /// PostgreSQL pool.
    pub db: PgPool,
    /// Redis (rate limits, token versions, login throttling).
    pub redis: ConnectionManager,
    /// NATS (revocation fan-out and the call pipeline).
    pub nats: async_nats::Client,
    /// Access-token keys.
    pub jwt: JwtKeys,
    /// The Redis-backed rate limiter.
    pub limiter: RateLimiter,
    /// Recently authenticated API keys.
    pub api_keys: ApiKeyCache,
    /// The JetStream streams of the call pipeline.
    pub bus: irisx_bus::Bus,
    /// Tenants' call limits and live-call estimates.
    pub live_calls: crate::live_calls::LiveCalls,
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the state from its parts.
    pub fn new(
        config: ApiConfig,
        db: PgPool,
        redis: ConnectionManager,
        nats: async_nats::Client,
    ) -> Self {
        let jwt = JwtKeys::new(&config.jwt_secret, config.access_token_ttl);
        let limiter = RateLimiter::new(redis.clone(), &config.redis_prefix);
        let api_keys = ApiKeyCache::new(config.api_key_cache_ttl);
        let bus = irisx_bus::Bus::new(nats.clone(), &config.bus_namespace);
        AppState(Arc::new(Inner {
            config,
            db,
            redis,
            nats,
            jwt,
            limiter,
            api_keys,
            bus,
            live_calls: Default::default(),
        }))
    }

    /// A Redis key under this deployment's prefix.
    pub fn redis_key(&self, rest: &str) -> String {
        format!("{}:{}", self.config.redis_prefix, rest)
    }
}
