//! `/v1/carriers`: SIP trunks. Platform carriers (`scope: platform`) are managed by platform
//! administrators and serve every tenant; a tenant's own carriers (`scope: tenant`, bring your
//! own carrier) are managed by the tenant's owner and tried first by least-cost routing. The
//! digest password is stored encrypted and never returned. Rate decks are replaced whole.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use irisx_core::Role;
use irisx_store::carriers::{self, Carrier, RateRow};

use crate::auth::Principal;
use crate::crypto;
use crate::error::{ApiError, FieldError, ResultExt};
use crate::extract::{ApiJson, ApiQuery};
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use crate::validate::{Checks, Validate};

/// Who manages a carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The calling tenant's own carrier (default).
    #[default]
    Tenant,
    /// A platform carrier, for every tenant (platform administrators only).
    Platform,
}

/// SIP transport toward a carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// UDP (default).
    #[default]
    Udp,
    /// TCP.
    Tcp,
    /// TLS.
    Tls,
}

impl Transport {
    fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        }
    }
}

/// A carrier to create (or the fields to change, for PATCH).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CarrierInput {
    /// Unique name among the owner's carriers.
    pub name: Option<String>,
    /// SIP host name or address.
    pub host: Option<String>,
    /// SIP port (5060).
    pub port: Option<u16>,
    /// `udp` (default), `tcp` or `tls`.
    pub transport: Option<Transport>,
    /// Digest username (empty removes it).
    pub username: Option<String>,
    /// Digest password (empty removes it); stored encrypted, never returned.
    pub password: Option<String>,
    /// Leading digits to remove from the dialled number.
    pub strip_digits: Option<u8>,
    /// Digits to put in front after stripping (e.g. a tech prefix).
    pub prepend: Option<String>,
    /// Most concurrent calls (none = unlimited).
    pub max_concurrent: Option<u32>,
    /// Most new calls per second (none = unlimited).
    pub cps_limit: Option<u32>,
    /// Lower is preferred among equal routes (100).
    pub priority: Option<i32>,
    /// Whether routing may use it (true).
    pub enabled: Option<bool>,
    /// `tenant` (default) or `platform` (create only).
    pub scope: Option<Scope>,
}

impl Validate for CarrierInput {
    fn validate(&self) -> Result<(), ApiError> {
        let mut c = Checks::new();
        if let Some(n) = &self.name {
            c.text("name", n, 100);
        }
        if let Some(h) = &self.host {
            c.text("host", h, 253);
            c.check(
                "host",
                !h.contains(|ch: char| ch.is_whitespace() || ch == '/' || ch == '@'),
                "must be a host name or address",
            );
        }
        c.check("port", self.port != Some(0), "must be between 1 and 65535");
        c.check(
            "strip_digits",
            self.strip_digits.is_none_or(|d| d <= 15),
            "must be at most 15",
        );
        c.check(
            "prepend",
            self.prepend.as_deref().is_none_or(|p| {
                p.len() <= 15
                    && p.chars()
                        .all(|ch| ch.is_ascii_digit() || "+*#".contains(ch))
            }),
            "may hold only digits, +, * and # (at most 15)",
        );
        c.check(
            "max_concurrent",
            self.max_concurrent != Some(0),
            "must be at least 1 (omit for unlimited)",
        );
        c.check(
            "cps_limit",
            self.cps_limit != Some(0),
            "must be at least 1 (omit for unlimited)",
        );
        c.check(
            "password",
            self.password.as_deref().is_none_or(|p| p.len() <= 256),
            "must be at most 256 characters",
        );
        c.finish()
    }
}

/// A carrier as shown (never with its password).
#[derive(Debug, Serialize, ToSchema)]
pub struct CarrierView {
    /// Identifier.
    pub id: Uuid,
    /// `tenant` or `platform`.
    pub scope: Scope,
    /// Name.
    pub name: String,
    /// SIP host.
    pub host: String,
    /// SIP port.
    pub port: i32,
    /// Transport.
    pub transport: String,
    /// Digest username.
    pub username: Option<String>,
    /// Whether a digest password is stored.
    pub has_password: bool,
    /// Leading digits removed.
    pub strip_digits: i32,
    /// Digits prepended.
    pub prepend: String,
    /// Concurrent-call limit.
    pub max_concurrent: Option<i32>,
    /// Calls-per-second limit.
    pub cps_limit: Option<i32>,
    /// Priority.
    pub priority: i32,
    /// Enabled.
    pub enabled: bool,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<Carrier> for CarrierView {
    fn from(c: Carrier) -> Self {
        CarrierView {
            id: c.id,
            scope: if c.tenant_id.is_some() {
                Scope::Tenant
            } else {
                Scope::Platform
            },
            name: c.name,
            host: c.host,
            port: c.port,
            transport: c.transport,
            username: c.username,
            has_password: c.password_enc.is_some(),
            strip_digits: c.strip_digits,
            prepend: c.prepend,
            max_concurrent: c.max_concurrent,
            cps_limit: c.cps_limit,
            priority: c.priority,
            enabled: c.enabled,
            created_at: c.created_at,
        }
    }
}

pub(crate) async fn is_platform_admin(state: &AppState, p: &Principal) -> Result<bool, ApiError> {
    let Some(user) = p.user_id() else {
        return Ok(false);
    };
    Ok(irisx_store::users::find(&state.db, p.tenant_id, user)
        .await?
        .is_some_and(|u| u.is_platform_admin))
}

/// Refuses unless the caller may change `tenant_id`'s carriers (`None` = platform).
async fn may_manage(
    state: &AppState,
    p: &Principal,
    tenant_id: Option<Uuid>,
) -> Result<(), ApiError> {
    match tenant_id {
        None if is_platform_admin(state, p).await? => Ok(()),
        None => Err(ApiError::Forbidden(
            "platform carriers are managed by platform administrators".into(),
        )),
        Some(_) => p.require(Role::Owner),
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no carrier {id}"))
}

fn apply(state: &AppState, c: &mut Carrier, input: CarrierInput) {
    if let Some(v) = input.name {
        c.name = v.trim().to_owned();
    }
    if let Some(v) = input.host {
        c.host = v.trim().to_owned();
    }
    if let Some(v) = input.port {
        c.port = i32::from(v);
    }
    if let Some(v) = input.transport {
        c.transport = v.as_str().to_owned();
    }
    if let Some(v) = input.username {
        c.username = (!v.is_empty()).then_some(v);
    }
    if let Some(v) = input.password {
        c.password_enc = (!v.is_empty()).then(|| crypto::seal(&state.config.encryption_key, &v));
    }
    if let Some(v) = input.strip_digits {
        c.strip_digits = i32::from(v);
    }
    if let Some(v) = input.prepend {
        c.prepend = v;
    }
    if let Some(v) = input.max_concurrent {
        c.max_concurrent = i32::try_from(v).ok();
    }
    if let Some(v) = input.cps_limit {
        c.cps_limit = i32::try_from(v).ok();
    }
    if let Some(v) = input.priority {
        c.priority = v;
    }
    if let Some(v) = input.enabled {
        c.enabled = v;
    }
}

fn duplicate() -> ApiError {
    ApiError::Conflict("a carrier with this name already exists".into())
}

/// Creates a carrier.
#[utoipa::path(post, path = "/v1/carriers", tag = "carriers", security(("bearer" = [])), request_body = CarrierInput,
    responses((status = 201, body = CarrierView), (status = 403, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<CarrierInput>,
) -> Result<(StatusCode, Json<CarrierView>), ApiError> {
    let mut missing = Vec::new();
    if input.name.is_none() {
        missing.push(FieldError::new("name", "is required"));
    }
    if input.host.is_none() {
        missing.push(FieldError::new("host", "is required"));
    }
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing));
    }
    let tenant_id = match input.scope.unwrap_or_default() {
        Scope::Tenant => Some(principal.tenant_id),
        Scope::Platform => None,
    };
    may_manage(&state, &principal, tenant_id).await?;
    let mut c = Carrier {
        id: Uuid::now_v7(),
        tenant_id,
        name: String::new(),
        host: String::new(),
        port: 5060,
        transport: "udp".into(),
        username: None,
        password_enc: None,
        strip_digits: 0,
        prepend: String::new(),
        max_concurrent: None,
        cps_limit: None,
        priority: 100,
        enabled: true,
        created_at: OffsetDateTime::now_utc(),
    };
    apply(&state, &mut c, input);
    let row = carriers::upsert(&state.db, &c)
        .await
        .on_constraint("carriers_name_key", duplicate)?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Lists the carriers the caller may see (its own; platform administrators also see platform
/// carriers).
#[utoipa::path(get, path = "/v1/carriers", tag = "carriers", security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = Page<CarrierView>)))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Page<CarrierView>>, ApiError> {
    principal.require(Role::Admin)?;
    let platform = is_platform_admin(&state, &principal).await?;
    let rows = carriers::list_visible(
        &state.db,
        principal.tenant_id,
        platform,
        page.after(),
        page.limit(),
    )
    .await?;
    Ok(Json(Page::from_rows(
        rows,
        page.limit(),
        |c| (c.created_at, c.id),
        CarrierView::from,
    )))
}

async fn visible(state: &AppState, p: &Principal, id: &str) -> Result<Carrier, ApiError> {
    let uuid: Uuid = id.parse().map_err(|_| not_found(id))?;
    let platform = is_platform_admin(state, p).await?;
    carriers::find_visible(&state.db, p.tenant_id, platform, uuid)
        .await?
        .ok_or_else(|| not_found(id))
}

/// One carrier.
#[utoipa::path(get, path = "/v1/carriers/{id}", tag = "carriers", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Carrier id")),
    responses((status = 200, body = CarrierView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<CarrierView>, ApiError> {
    principal.require(Role::Admin)?;
    Ok(Json(visible(&state, &principal, &id).await?.into()))
}

/// Changes some fields of a carrier.
#[utoipa::path(patch, path = "/v1/carriers/{id}", tag = "carriers", security(("bearer" = [])), request_body = CarrierInput,
    params(("id" = Uuid, Path, description = "Carrier id")),
    responses((status = 200, body = CarrierView), (status = 404, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CarrierInput>,
) -> Result<Json<CarrierView>, ApiError> {
    let mut c = visible(&state, &principal, &id).await?;
    may_manage(&state, &principal, c.tenant_id).await?;
    if input.scope.is_some() {
        return Err(ApiError::field(
            "scope",
            "cannot be changed; create a new carrier",
        ));
    }
    apply(&state, &mut c, input);
    let row = carriers::upsert(&state.db, &c)
        .await
        .on_constraint("carriers_name_key", duplicate)?;
    Ok(Json(row.into()))
}

/// Deletes a carrier (and its rate deck).
#[utoipa::path(delete, path = "/v1/carriers/{id}", tag = "carriers", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Carrier id")),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let c = visible(&state, &principal, &id).await?;
    may_manage(&state, &principal, c.tenant_id).await?;
    let platform = c.tenant_id.is_none();
    carriers::delete_visible(&state.db, principal.tenant_id, platform, c.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One rate-deck entry.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateInput {
    /// Destination prefix, digits only (`1`, `1555`, `44`; empty = everything).
    pub prefix: String,
    /// Cost per minute, in the platform currency (up to 6 decimals).
    pub cost_per_min: f64,
    /// Billing increments `first/next` in seconds: `60/60` (default), `1/1`, `30/6`.
    #[serde(default)]
    pub increment: Option<String>,
}

/// A whole rate deck.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateDeck {
    /// The entries (at most 100,000; prefixes unique).
    pub rates: Vec<RateInput>,
}

impl Validate for RateDeck {
    fn validate(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        if self.rates.len() > 100_000 {
            errors.push(FieldError::new(
                "rates",
                "must hold at most 100,000 entries",
            ));
        }
        for (i, r) in self.rates.iter().enumerate() {
            if r.prefix.len() > 15 || !r.prefix.chars().all(|c| c.is_ascii_digit()) {
                errors.push(FieldError::new(
                    format!("rates[{i}].prefix"),
                    "must be at most 15 digits",
                ));
            } else if !seen.insert(r.prefix.as_str()) {
                errors.push(FieldError::new(
                    format!("rates[{i}].prefix"),
                    "appears twice",
                ));
            }
            if !(r.cost_per_min.is_finite() && (0.0..=1_000_000.0).contains(&r.cost_per_min)) {
                errors.push(FieldError::new(
                    format!("rates[{i}].cost_per_min"),
                    "must be between 0 and 1,000,000",
                ));
            }
            if r.increment
                .as_deref()
                .is_some_and(|inc| parse_increment(inc).is_none())
            {
                errors.push(FieldError::new(
                    format!("rates[{i}].increment"),
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

pub(crate) fn parse_increment(s: &str) -> Option<(i32, i32)> {
    let (a, b) = s.split_once('/')?;
    let (a, b): (i32, i32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    ((1..=3600).contains(&a) && (1..=3600).contains(&b)).then_some((a, b))
}

fn deck(rows: Vec<RateRow>) -> RateDeck {
    RateDeck {
        rates: rows
            .into_iter()
            .map(|r| RateInput {
                prefix: r.prefix,
                cost_per_min: r.cost_micros as f64 / 1_000_000.0,
                increment: Some(format!("{}/{}", r.increment_first, r.increment_next)),
            })
            .collect(),
    }
}

/// Replaces a carrier's rate deck.
#[utoipa::path(put, path = "/v1/carriers/{id}/rates", tag = "carriers", security(("bearer" = [])), request_body = RateDeck,
    params(("id" = Uuid, Path, description = "Carrier id")),
    responses((status = 200, body = RateDeck), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_rates(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RateDeck>,
) -> Result<Json<RateDeck>, ApiError> {
    let c = visible(&state, &principal, &id).await?;
    may_manage(&state, &principal, c.tenant_id).await?;
    let rows: Vec<RateRow> = input
        .rates
        .iter()
        .map(|r| {
            let (first, next) = r
                .increment
                .as_deref()
                .and_then(parse_increment)
                .unwrap_or((60, 60));
            RateRow {
                prefix: r.prefix.clone(),
                cost_micros: (r.cost_per_min * 1_000_000.0).round() as i64,
                increment_first: first,
                increment_next: next,
            }
        })
        .collect();
    let mut tx = state.db.begin().await?;
    carriers::replace_rates(&mut tx, c.id, &rows).await?;
    tx.commit().await?;
    Ok(Json(deck(carriers::rates(&state.db, c.id).await?)))
}

/// A carrier's rate deck.
#[utoipa::path(get, path = "/v1/carriers/{id}/rates", tag = "carriers", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Carrier id")),
    responses((status = 200, body = RateDeck), (status = 404, body = crate::error::Problem)))]
pub async fn get_rates(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<RateDeck>, ApiError> {
    principal.require(Role::Admin)?;
    let c = visible(&state, &principal, &id).await?;
    Ok(Json(deck(carriers::rates(&state.db, c.id).await?)))
}
