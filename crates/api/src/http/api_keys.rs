//! `/v1/api-keys`: keys for server-to-server use. The secret is returned once, at creation,
//! and stored only as a hash. Keys of another tenant are invisible (404).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use irisx_core::Role;
use irisx_store::api_keys::{self, NewApiKey};
use irisx_store::audit::AuditEntry;

use crate::auth::{Principal, secrets};
use crate::client::ClientInfo;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::http::auth::audit;
use crate::http::views::ApiKeyView;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use crate::validate::{Checks, Validate};

/// New-key form.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CreateApiKeyRequest {
    /// A name to recognise the key by, e.g. "production backend".
    pub name: String,
    /// `admin` (default) or `member`; never more than the creator's own role.
    pub role: Option<Role>,
    /// Days until the key expires; omit for a key that does not expire.
    pub expires_in_days: Option<u32>,
}

impl Validate for CreateApiKeyRequest {
    fn validate(&self) -> Result<(), ApiError> {
        Checks::new()
            .text("name", &self.name, 100)
            .check(
                "role",
                self.role != Some(Role::Owner),
                "must be admin or member",
            )
            .check(
                "expires_in_days",
                self.expires_in_days.is_none_or(|d| (1..=3650).contains(&d)),
                "must be between 1 and 3650",
            )
            .finish()
    }
}

/// A created key, with its secret (shown this once).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    /// The key as it will be listed.
    #[serde(flatten)]
    pub api_key: ApiKeyView,
    /// The secret: send it as `Authorization: Bearer <key>`. It cannot be shown again.
    pub key: String,
}

/// Creates an API key.
#[utoipa::path(post, path = "/v1/api-keys", tag = "api-keys", security(("bearer" = [])),
    request_body = CreateApiKeyRequest,
    responses((status = 201, body = CreatedApiKey), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    client: ClientInfo,
    ApiJson(req): ApiJson<CreateApiKeyRequest>,
) -> Result<(StatusCode, Json<CreatedApiKey>), ApiError> {
    principal.require(Role::Admin)?;
    let role = req.role.unwrap_or(Role::Admin);
    if !principal.role.at_least(role) {
        return Err(ApiError::field("role", "cannot exceed your own role"));
    }
    let key = secrets::generate(secrets::API_KEY_PREFIX);
    let prefix: String = key
        .chars()
        .take(secrets::API_KEY_PREFIX.len() + 6)
        .collect();
    let row = api_keys::insert(
        &state.db,
        &NewApiKey {
            id: Uuid::now_v7(),
            tenant_id: principal.tenant_id,
            created_by: principal.user_id(),
            name: req.name.trim(),
            prefix: &prefix,
            key_hash: &secrets::hash(&key),
            role: role.as_str(),
            expires_at: req
                .expires_in_days
                .map(|d| OffsetDateTime::now_utc() + Duration::days(i64::from(d))),
        },
    )
    .await?;
    audit(
        &state,
        &client,
        AuditEntry {
            tenant_id: Some(principal.tenant_id),
            user_id: principal.user_id(),
            api_key_id: Some(row.id),
            action: "api_key_created",
            success: true,
            ..Default::default()
        },
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiKey {
            api_key: row.into(),
            key,
        }),
    ))
}

/// Lists the tenant's live keys, newest first.
#[utoipa::path(get, path = "/v1/api-keys", tag = "api-keys", security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = Page<ApiKeyView>), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Page<ApiKeyView>>, ApiError> {
    principal.require(Role::Admin)?;
    let rows = api_keys::list(&state.db, principal.tenant_id, page.after(), page.limit()).await?;
    Ok(Json(Page::from_rows(
        rows,
        page.limit(),
        |k| (k.created_at, k.id),
        ApiKeyView::from,
    )))
}

/// Revokes a key. It stops working at once on every API process.
#[utoipa::path(delete, path = "/v1/api-keys/{id}", tag = "api-keys", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Key id")),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    client: ClientInfo,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    principal.require(Role::Admin)?;
    let not_found = || ApiError::NotFound(format!("no API key {id}"));
    let uuid: Uuid = id.parse().map_err(|_| not_found())?;
    let hash = api_keys::revoke(&state.db, principal.tenant_id, uuid)
        .await?
        .ok_or_else(not_found)?;
    state.api_keys.remove(&hash).await;
    if let Err(e) = state
        .nats
        .publish(
            state.config.revocation_subject.clone(),
            hex::encode(&hash).into(),
        )
        .await
    {
        tracing::warn!(error = %e, "could not announce API key revocation; other processes forget it within the cache TTL");
    }
    audit(
        &state,
        &client,
        AuditEntry {
            tenant_id: Some(principal.tenant_id),
            user_id: principal.user_id(),
            api_key_id: Some(uuid),
            action: "api_key_revoked",
            success: true,
            ..Default::default()
        },
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
