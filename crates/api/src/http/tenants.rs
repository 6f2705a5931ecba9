//! `/v1/tenants/{id}/prices` and `/v1/tenants/{id}/limits`: what a tenant pays per destination
//! (its price list, used to price its CDRs) and how many calls it may run. Platform
//! administrators set them; a tenant's administrators read their own.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use irisx_core::Role;
use irisx_store::prices::{self, CallLimits, PriceRow};

use crate::auth::Principal;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiJson;
use crate::http::carriers::{is_platform_admin, parse_increment};
use crate::state::AppState;
use crate::validate::Validate;

/// One price-list entry.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceInput {
    /// Destination prefix, digits only (empty = everything).
    pub prefix: String,
    /// Price per minute charged to the tenant (up to 6 decimals).
    pub price_per_min: f64,
    /// Billing increments `first/next` in seconds (`60/60` by default).
    #[serde(default)]
    pub increment: Option<String>,
}

/// A whole price list.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceList {
    /// The entries (at most 100,000; prefixes unique).
    pub prices: Vec<PriceInput>,
}

impl Validate for PriceList {
    fn validate(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        if self.prices.len() > 100_000 {
            errors.push(FieldError::new(
                "prices",
                "must hold at most 100,000 entries",
            ));
        }
        for (i, p) in self.prices.iter().enumerate() {
            if p.prefix.len() > 15 || !p.prefix.chars().all(|c| c.is_ascii_digit()) {
                errors.push(FieldError::new(
                    format!("prices[{i}].prefix"),
                    "must be at most 15 digits",
                ));
            } else if !seen.insert(p.prefix.as_str()) {
                errors.push(FieldError::new(
                    format!("prices[{i}].prefix"),
                    "appears twice",
                ));
            }
            if !(p.price_per_min.is_finite() && (0.0..=1_000_000.0).contains(&p.price_per_min)) {
                errors.push(FieldError::new(
                    format!("prices[{i}].price_per_min"),
                    "must be between 0 and 1,000,000",
                ));
            }
            if p.increment
                .as_deref()
                .is_some_and(|inc| parse_increment(inc).is_none())
            {
                errors.push(FieldError::new(
                    format!("prices[{i}].increment"),
                    "must look like 60/60, 1/1 or 30/6 (seconds, 1 to 3600)",
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// A tenant's call limits (`null`: the platform default).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsInput {
    /// Most live calls at once.
    pub max_concurrent_calls: Option<u32>,
    /// Most new calls per second.
    pub calls_per_second: Option<u32>,
}

impl Validate for LimitsInput {
    fn validate(&self) -> Result<(), ApiError> {
        let mut c = crate::validate::Checks::new();
        c.check(
            "max_concurrent_calls",
            self.max_concurrent_calls
                .is_none_or(|v| (1..=1_000_000).contains(&v)),
            "must be between 1 and 1,000,000 (null for the platform default)",
        );
        c.check(
            "calls_per_second",
            self.calls_per_second
                .is_none_or(|v| (1..=100_000).contains(&v)),
            "must be between 1 and 100,000 (null for the platform default)",
        );
        c.finish()
    }
}

/// The limits that apply, with the platform defaults filled in.
#[derive(Debug, Serialize, ToSchema)]
pub struct LimitsView {
    /// The tenant's own limit, if any.
    pub max_concurrent_calls: Option<u32>,
    /// The tenant's own limit, if any.
    pub calls_per_second: Option<u32>,
    /// What applies now.
    pub effective_max_concurrent_calls: u32,
    /// What applies now.
    pub effective_calls_per_second: u32,
}

fn parse_tenant(id: &str) -> Result<Uuid, ApiError> {
    id.parse()
        .map_err(|_| ApiError::NotFound(format!("no tenant {id}")))
}

/// Reading: the tenant's own administrators, or a platform administrator.
async fn may_read(state: &AppState, p: &Principal, tenant: Uuid) -> Result<(), ApiError> {
    if tenant == p.tenant_id {
        return p.require(Role::Admin);
    }
    if is_platform_admin(state, p).await? {
        return Ok(());
    }
    Err(ApiError::NotFound(format!("no tenant {tenant}")))
}

/// Writing: platform administrators only.
async fn may_write(state: &AppState, p: &Principal, tenant: Uuid) -> Result<(), ApiError> {
    if is_platform_admin(state, p).await? {
        return Ok(());
    }
    if tenant == p.tenant_id {
        return Err(ApiError::Forbidden(
            "prices and limits are set by platform administrators".into(),
        ));
    }
    Err(ApiError::NotFound(format!("no tenant {tenant}")))
}

fn list_view(rows: Vec<PriceRow>) -> PriceList {
    PriceList {
        prices: rows
            .into_iter()
            .map(|r| PriceInput {
                prefix: r.prefix,
                price_per_min: r.price_micros as f64 / 1_000_000.0,
                increment: Some(format!("{}/{}", r.increment_first, r.increment_next)),
            })
            .collect(),
    }
}

/// A tenant's price list.
#[utoipa::path(get, path = "/v1/tenants/{id}/prices", tag = "tenants", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Tenant id")),
    responses((status = 200, body = PriceList), (status = 404, body = crate::error::Problem)))]
pub async fn get_prices(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<PriceList>, ApiError> {
    let tenant = parse_tenant(&id)?;
    may_read(&state, &principal, tenant).await?;
    Ok(Json(list_view(prices::list(&state.db, tenant).await?)))
}

/// Replaces a tenant's price list (platform administrators).
#[utoipa::path(put, path = "/v1/tenants/{id}/prices", tag = "tenants", security(("bearer" = [])), request_body = PriceList,
    params(("id" = Uuid, Path, description = "Tenant id")),
    responses((status = 200, body = PriceList), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn put_prices(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PriceList>,
) -> Result<Json<PriceList>, ApiError> {
    let tenant = parse_tenant(&id)?;
    may_write(&state, &principal, tenant).await?;
    if irisx_store::tenants::find(&state.db, tenant)
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound(format!("no tenant {tenant}")));
    }
    let rows: Vec<PriceRow> = input
        .prices
        .iter()
        .map(|p| {
            let (first, next) = p
                .increment
                .as_deref()
                .and_then(parse_increment)
                .unwrap_or((60, 60));
            PriceRow {
                prefix: p.prefix.clone(),
                price_micros: (p.price_per_min * 1_000_000.0).round() as i64,
                increment_first: first,
                increment_next: next,
            }
        })
        .collect();
    let mut tx = state.db.begin().await?;
    prices::replace(&mut tx, tenant, &rows).await?;
    tx.commit().await?;
    Ok(Json(list_view(prices::list(&state.db, tenant).await?)))
}

fn limits_view(state: &AppState, l: CallLimits) -> LimitsView {
    let own_max = l.max_concurrent_calls.map(|v| v as u32);
    let own_cps = l.calls_per_second.map(|v| v as u32);
    LimitsView {
        max_concurrent_calls: own_max,
        calls_per_second: own_cps,
        effective_max_concurrent_calls: own_max.unwrap_or(state.config.calls.max_concurrent),
        effective_calls_per_second: own_cps.unwrap_or(state.config.calls.calls_per_second),
    }
}

/// A tenant's call limits.
#[utoipa::path(get, path = "/v1/tenants/{id}/limits", tag = "tenants", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Tenant id")),
    responses((status = 200, body = LimitsView), (status = 404, body = crate::error::Problem)))]
pub async fn get_limits(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<LimitsView>, ApiError> {
    let tenant = parse_tenant(&id)?;
    may_read(&state, &principal, tenant).await?;
    Ok(Json(limits_view(
        &state,
        prices::limits(&state.db, tenant).await?,
    )))
}

/// Sets a tenant's call limits (platform administrators).
#[utoipa::path(put, path = "/v1/tenants/{id}/limits", tag = "tenants", security(("bearer" = [])), request_body = LimitsInput,
    params(("id" = Uuid, Path, description = "Tenant id")),
    responses((status = 200, body = LimitsView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn put_limits(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<LimitsInput>,
) -> Result<Json<LimitsView>, ApiError> {
    let tenant = parse_tenant(&id)?;
    may_write(&state, &principal, tenant).await?;
    let limits = CallLimits {
        max_concurrent_calls: input.max_concurrent_calls.map(|v| v as i32),
        calls_per_second: input.calls_per_second.map(|v| v as i32),
    };
    if !prices::set_limits(&state.db, tenant, limits).await? {
        return Err(ApiError::NotFound(format!("no tenant {tenant}")));
    }
    // This process applies them at once; other API processes within 100 ms.
    state.live_calls.forget(tenant);
    Ok(Json(limits_view(&state, limits)))
}
