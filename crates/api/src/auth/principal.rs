//! Who is calling: the middleware that authenticates a `Bearer` credential (access token or
//! API key), applies the per-principal rate limit, and hands handlers a [`Principal`].

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use redis::AsyncCommands;
use uuid::Uuid;

use irisx_core::Role;

use super::api_key_cache::CachedKey;
use super::secrets;
use crate::error::ApiError;
use crate::ratelimit::Limit;
use crate::state::AppState;

/// How the caller proved who it is.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A user's access token.
    User {
        /// The user.
        user_id: Uuid,
    },
    /// An API key.
    ApiKey {
        /// The key, as cached (carries its name, tenant, role).
        key: Arc<CachedKey>,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The tenant every query of this request is scoped to.
    pub tenant_id: Uuid,
    /// What the caller may do.
    pub role: Role,
    /// How it authenticated.
    pub credential: Credential,
}

impl Principal {
    /// The user behind the request, when it authenticated with an access token.
    pub fn user_id(&self) -> Option<Uuid> {
        match &self.credential {
            Credential::User { user_id } => Some(*user_id),
            Credential::ApiKey { .. } => None,
        }
    }

    /// The API key behind the request, when it used one.
    pub fn api_key_id(&self) -> Option<Uuid> {
        match &self.credential {
            Credential::ApiKey { key } => Some(key.grant.id),
            Credential::User { .. } => None,
        }
    }

    /// Refuses unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role.at_least(role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the {role} role; you are {}",
                self.role
            )))
        }
    }

    /// Refuses unless the caller is a user (some actions make no sense for an API key).
    pub fn require_user(&self) -> Result<Uuid, ApiError> {
        self.user_id().ok_or_else(|| {
            ApiError::Forbidden("this needs a user's access token, not an API key".into())
        })
    }

    fn bucket(&self) -> String {
        match &self.credential {
            Credential::User { user_id } => format!("user:{user_id}"),
            Credential::ApiKey { key } => format!("key:{}", key.grant.id),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Principal>().cloned().ok_or_else(|| {
            ApiError::Unauthorized("send `Authorization: Bearer <access token or API key>`".into())
        })
    }
}

/// Middleware for every protected route: authenticate, rate-limit, then run the handler and
/// add the `RateLimit-*` headers to its response.
pub async fn require_auth(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let principal = authenticate(&state, req.headers()).await?;
    let limit = match &principal.credential {
        Credential::ApiKey { key } => key.grant.api_rate_limit_per_min,
        Credential::User { .. } => None,
    }
    .map(|n| Limit::per_minute(n.max(1) as u32))
    .unwrap_or(state.config.limits.per_principal);
    let decision = state.limiter.hit(&principal.bucket(), limit).await;
    if !decision.allowed {
        return Err(ApiError::RateLimited(
            decision,
            format!(
                "rate limit of {} requests per {} s exceeded",
                limit.count,
                limit.period.as_secs()
            ),
        ));
    }
    tracing::Span::current().record("tenant_id", tracing::field::display(principal.tenant_id));
    req.extensions_mut().insert(principal);
    let mut response = next.run(req).await;
    decision.write_headers(response.headers_mut());
    Ok(response)
}

async fn authenticate(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Principal, ApiError> {
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("send `Authorization: Bearer <access token or API key>`".into())
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not text".into()))?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized(
            "use `Authorization: Bearer <access token or API key>`".into(),
        ));
    }
    let token = token.trim();
    if token.starts_with(secrets::API_KEY_PREFIX) {
        api_key_principal(state, token).await
    } else {
        access_token_principal(state, token).await
    }
}

async fn api_key_principal(state: &AppState, key: &str) -> Result<Principal, ApiError> {
    let hash = secrets::hash(key);
    let cached = match state.api_keys.get(&hash).await {
        Some(c) => c,
        None => {
            let grant = irisx_store::api_keys::find_live_by_hash(&state.db, &hash)
                .await?
                .ok_or_else(|| {
                    ApiError::Unauthorized("the API key is unknown or revoked".into())
                })?;
            state.api_keys.insert(hash, grant).await
        }
    };
    let grant = &cached.grant;
    if grant
        .expires_at
        .is_some_and(|at| at <= time::OffsetDateTime::now_utc())
    {
        return Err(ApiError::Unauthorized("the API key has expired".into()));
    }
    if grant.tenant_status != "active" {
        return Err(ApiError::Forbidden("this account is suspended".into()));
    }
    if cached.claim_touch() {
        let (db, id) = (state.db.clone(), grant.id);
        tokio::spawn(async move {
            if let Err(e) = irisx_store::api_keys::touch(&db, id).await {
                tracing::warn!(error = %e, "could not record API key use");
            }
        });
    }
    let role = grant
        .role
        .parse()
        .map_err(|e: irisx_core::UnknownRole| ApiError::Internal(e.into()))?;
    Ok(Principal {
        tenant_id: grant.tenant_id,
        role,
        credential: Credential::ApiKey {
            key: cached.clone(),
        },
    })
}

async fn access_token_principal(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let claims = state.jwt.verify(token).map_err(ApiError::Unauthorized)?;
    let current = current_token_version(state, claims.sub).await?;
    match current {
        Some(v) if v == claims.ver => {}
        Some(_) => {
            return Err(ApiError::Unauthorized(
                "the access token was revoked; sign in again".into(),
            ));
        }
        None => {
            return Err(ApiError::Unauthorized(
                "the user no longer exists or is disabled".into(),
            ));
        }
    }
    Ok(Principal {
        tenant_id: claims.tenant,
        role: claims.role,
        credential: Credential::User {
            user_id: claims.sub,
        },
    })
}

/// The user's token version, from Redis when cached there, else from PostgreSQL.
async fn current_token_version(state: &AppState, user: Uuid) -> Result<Option<i32>, ApiError> {
    let key = state.redis_key(&format!("tv:{user}"));
    let mut redis = state.redis.clone();
    match redis.get::<_, Option<i32>>(&key).await {
        Ok(Some(v)) => return Ok(Some(v)),
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error = %e, "redis unavailable for token versions; asking PostgreSQL")
        }
    }
    let version = irisx_store::users::active_token_version(&state.db, user).await?;
    if let Some(v) = version {
        let _: Result<(), _> = redis
            .set_ex(&key, v, state.config.access_token_ttl.as_secs() + 60)
            .await;
    }
    Ok(version)
}

/// Publishes a user's new token version so every process refuses older tokens at once.
pub async fn publish_token_version(state: &AppState, user: Uuid, version: i32) {
    let key = state.redis_key(&format!("tv:{user}"));
    let mut redis = state.redis.clone();
    let result: Result<(), _> = redis
        .set_ex(&key, version, state.config.access_token_ttl.as_secs() + 60)
        .await;
    if let Err(e) = result {
        // Without Redis, a stale cached version could survive: drop it instead.
        tracing::warn!(error = %e, "could not publish token version");
        let _: Result<(), _> = redis.del(&key).await;
    }
}
