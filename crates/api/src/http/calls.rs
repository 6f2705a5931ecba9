//! `/v1/calls`: place a call, read it, list them, hang it up.
//!
//! `POST /v1/calls` answers 202 only once the call row is committed in PostgreSQL and the
//! request is stored in the JetStream stream `CALLS`; an orchestrator takes it from there. An
//! `Idempotency-Key` header makes retries safe: the same key with the same body returns the
//! call created the first time (`Idempotent-Replayed: true`), with another body it is refused.
//! Each tenant has a concurrent-call and a calls-per-second limit (429 with `Retry-After`).

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use irisx_bus::{CallControl, CallRequest, ControlAction};
use irisx_core::call::CallView;
use irisx_core::{CallStatus, Role, verbs};
use irisx_store::applications;
use irisx_store::calls::{self, Call, Filters, NewCall};

use crate::auth::Principal;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery};
use crate::live_calls::Reservation;
use crate::pagination::{Page, PageParams};
use crate::ratelimit::{Decision, Limit};
use crate::state::AppState;
use crate::validate::{Checks, Validate};

/// A call to place.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CallInput {
    /// Who to call: an E.164 number (`+15551234567`) or a SIP URI (`sip:alice@example.com`).
    pub to: Option<String>,
    /// Caller id: an E.164 number, a SIP user name, or a SIP URI.
    pub from: Option<String>,
    /// Inline application: verbs run once answered, e.g. `[{"verb":"pause","length":2},{"verb":"hangup"}]`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub application: Option<Value>,
    /// A hosted application's id.
    pub application_id: Option<Uuid>,
    /// The customer's endpoint returning the application (JSON verbs) when the call is answered.
    pub answer_url: Option<String>,
    /// Where call status changes are posted.
    pub status_callback: Option<String>,
    /// Which of them: any of `initiated`, `ringing`, `answered`, `completed` (every final
    /// status); all when omitted.
    pub status_callback_events: Option<Vec<String>>,
    /// Seconds to ring before giving up (1–600, default 60).
    pub timeout: Option<u32>,
    /// Longest call once answered, seconds (1–86,400, default 14,400).
    pub max_duration: Option<u32>,
    /// Your data, returned with the call and its events (a JSON object up to 16 KB).
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// Whether `s` is an E.164 number.
pub fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// Whether `s` is a usable SIP URI (`sip:` or `sips:`, a host, no spaces or control characters).
pub fn is_sip_uri(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("sip:")
        .or_else(|| lower.strip_prefix("sips:"));
    rest.is_some_and(|r| {
        let host = r.rsplit('@').next().unwrap_or("");
        !host.is_empty()
            && r.len() <= 256
            && !r
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>\"{}|".contains(c))
    })
}

/// The events `status_callback_events` may name.
pub(crate) const CALLBACK_EVENTS: [&str; 4] = ["initiated", "ringing", "answered", "completed"];

/// Checks a `status_callback_events` list: known names; empty only if `empty_ok`.
pub(crate) fn check_callback_events(c: &mut Checks, events: Option<&[String]>, empty_ok: bool) {
    let Some(events) = events else { return };
    c.check(
        "status_callback_events",
        (empty_ok || !events.is_empty())
            && events.iter().all(|e| CALLBACK_EVENTS.contains(&e.as_str())),
        "must list some of initiated, ringing, answered, completed",
    );
}

/// Whether `s` is an absolute http(s) URL with a host, at most 2,048 characters.
pub(crate) fn is_http_url(s: &str) -> bool {
    s.len() <= 2048
        && url::Url::parse(s)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

impl Validate for CallInput {
    fn validate(&self) -> Result<(), ApiError> {
        let mut c = Checks::new();
        match &self.to {
            None => {
                c.check("to", false, "is required");
            }
            Some(to) => {
                c.check(
                    "to",
                    is_e164(to) || is_sip_uri(to),
                    "must be an E.164 number such as +15551234567 or a SIP URI such as sip:alice@example.com",
                );
            }
        }
        match &self.from {
            None => {
                c.check("from", false, "is required");
            }
            Some(from) => {
                c.check(
                    "from",
                    is_sip_uri(from)
                        || (!from.is_empty()
                            && from.len() <= 64
                            && from
                                .chars()
                                .all(|ch| ch.is_ascii_alphanumeric() || "+._-".contains(ch))),
                    "must be an E.164 number, a SIP user name (letters, digits, + . _ -) or a SIP URI",
                );
            }
        }
        let given = [
            self.application.is_some(),
            self.application_id.is_some(),
            self.answer_url.is_some(),
        ]
        .iter()
        .filter(|g| **g)
        .count();
        c.check(
            "application",
            given == 1,
            "give exactly one of `application`, `application_id` or `answer_url`",
        );
        if let Some(url) = &self.answer_url {
            c.check(
                "answer_url",
                is_http_url(url),
                "must be an http(s) URL of at most 2,048 characters",
            );
        }
        if let Some(url) = &self.status_callback {
            c.check(
                "status_callback",
                is_http_url(url),
                "must be an http(s) URL of at most 2,048 characters",
            );
        }
        check_callback_events(&mut c, self.status_callback_events.as_deref(), false);
        c.check(
            "timeout",
            self.timeout.is_none_or(|t| (1..=600).contains(&t)),
            "must be between 1 and 600 seconds",
        );
        c.check(
            "max_duration",
            self.max_duration.is_none_or(|t| (1..=86_400).contains(&t)),
            "must be between 1 and 86400 seconds",
        );
        if let Some(m) = &self.metadata {
            c.check("metadata", m.is_object(), "must be a JSON object");
            c.check(
                "metadata",
                m.to_string().len() <= 16 * 1024,
                "must be at most 16 KB",
            );
        }
        c.finish()?;
        if let Some(app) = &self.application {
            verbs::parse("application", app)
                .map_err(|e| ApiError::Validation(vec![FieldError::new(e.path, e.message)]))?;
        }
        Ok(())
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| {
            ApiError::field(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )
        })?;
    Ok(Some(key.to_owned()))
}

fn accepted(call: Call, replayed: bool) -> Response {
    let mut resp = (StatusCode::ACCEPTED, Json(CallView::from(call))).into_response();
    if replayed {
        resp.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    resp
}

/// The call an earlier request with this key created, if the bodies match.
fn replay(existing: Call, hash: &[u8]) -> Result<Response, ApiError> {
    if existing.request_hash.as_deref() == Some(hash) {
        Ok(accepted(existing, true))
    } else {
        Err(ApiError::Conflict(
            "this Idempotency-Key was already used with a different request body".into(),
        ))
    }
}

/// Refuses when the tenant is at its concurrent-call or calls-per-second limit; otherwise
/// counts the call as live (released with [`crate::live_calls::LiveCalls::release`] if it is
/// not placed).
async fn check_limits(state: &AppState, tenant_id: Uuid) -> Result<(), ApiError> {
    let defaults = state.config.calls;
    let own = match state
        .live_calls
        .reserve(&state.db, tenant_id, defaults.max_concurrent)
        .await?
    {
        Reservation::Granted(own) => own,
        Reservation::Full { live, max } => {
            let limit = Limit {
                count: max,
                period: Duration::from_secs(1),
            };
            return Err(ApiError::RateLimited(
                Decision::refuse_for(limit, 1),
                format!(
                    "your account has {live} calls in progress, its limit is {max}; retry when one ends"
                ),
            ));
        }
    };
    let cps = own
        .calls_per_second
        .map_or(defaults.calls_per_second, |v| v as u32);
    let decision = state
        .limiter
        .hit(
            &format!("calls:{tenant_id}"),
            Limit {
                count: cps,
                period: Duration::from_secs(1),
            },
        )
        .await;
    if !decision.allowed {
        state.live_calls.release(tenant_id);
        return Err(ApiError::RateLimited(
            decision,
            format!("your account may start {cps} calls per second"),
        ));
    }
    Ok(())
}

/// Places a call.
#[utoipa::path(post, path = "/v1/calls", tag = "calls", security(("bearer" = [])), request_body = CallInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries of this request safe")),
    responses((status = 202, body = CallView), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem),
              (status = 503, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    ApiJson(input): ApiJson<CallInput>,
) -> Result<Response, ApiError> {
    principal.require(Role::Member)?;
    let tenant_id = principal.tenant_id;
    let key = idempotency_key(&headers)?;
    let hash = Sha256::digest(serde_json::to_vec(&input).unwrap_or_default()).to_vec();
    if let Some(k) = &key
        && let Some(existing) = calls::find_by_idempotency_key(&state.db, tenant_id, k).await?
    {
        return replay(existing, &hash);
    }
    let hosted = match input.application_id {
        Some(id) => Some(
            applications::find(&state.db, tenant_id, id)
                .await?
                .ok_or_else(|| {
                    ApiError::field(
                        "application_id",
                        "no application with this id in your account",
                    )
                })?,
        ),
        None => None,
    };
    check_limits(&state, tenant_id).await?;
    let defaults = state.config.calls;
    let new = NewCall {
        id: Uuid::now_v7(),
        tenant_id,
        to_uri: input.to.clone().unwrap_or_default(),
        from_uri: input.from.clone().unwrap_or_default(),
        application: hosted
            .as_ref()
            .map_or_else(|| input.application.clone(), |a| a.application.clone()),
        answer_url: hosted
            .as_ref()
            .map_or_else(|| input.answer_url.clone(), |a| a.answer_url.clone()),
        status_callback: input
            .status_callback
            .clone()
            .or_else(|| hosted.as_ref().and_then(|a| a.status_callback.clone())),
        status_callback_events: match &input.status_callback_events {
            Some(events) => Some(events.clone()),
            None if input.status_callback.is_none() => hosted
                .as_ref()
                .and_then(|a| a.status_callback_events.clone()),
            None => None,
        },
        application_id: hosted.as_ref().map(|a| a.id),
        timeout_s: input.timeout.unwrap_or(defaults.timeout_s) as i32,
        max_duration_s: input.max_duration.unwrap_or(defaults.max_duration_s) as i32,
        metadata: input
            .metadata
            .clone()
            .unwrap_or_else(|| Value::Object(Default::default())),
        idempotency_key: key.clone(),
        request_hash: Some(hash.clone()),
    };
    let call = match calls::insert(&state.db, &new).await {
        Ok(c) => c,
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("calls_idempotency_key") => {
            // A concurrent request with the same key won the race.
            let k = key.as_deref().unwrap_or_default();
            state.live_calls.release(tenant_id);
            let existing = calls::find_by_idempotency_key(&state.db, tenant_id, k)
                .await?
                .ok_or_else(|| {
                    ApiError::Conflict("a request with this Idempotency-Key is in progress".into())
                })?;
            return replay(existing, &hash);
        }
        Err(e) => {
            state.live_calls.release(tenant_id);
            return Err(e.into());
        }
    };
    let request = CallRequest {
        call_id: call.id,
        tenant_id,
        to: call.to_uri.clone(),
        from: call.from_uri.clone(),
        requested_at: call.created_at,
    };
    if let Err(e) = state.bus.publish_call_request(&request).await {
        tracing::error!(call_id = %call.id, error = %e, "call request not stored in JetStream");
        let change = calls::Change {
            reason: Some("the call could not be queued (message bus unavailable)".into()),
            ..Default::default()
        };
        let _ = calls::advance(&state.db, call.id, CallStatus::Failed, &change).await;
        state.live_calls.release(tenant_id);
        return Err(ApiError::Unavailable(
            "the call could not be queued; it was not placed, retry later".into(),
        ));
    }
    metrics::counter!("irisx_calls_accepted_total").increment(1);
    Ok(accepted(call, false))
}

/// Reads a call.
#[utoipa::path(get, path = "/v1/calls/{id}", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    responses((status = 200, body = CallView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<CallView>, ApiError> {
    let id = parse_id(&id)?;
    let call = calls::find(&state.db, principal.tenant_id, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(Json(call.into()))
}

/// `?status=&direction=&from=&to=` of the call list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallFilters {
    /// Only calls in this status.
    pub status: Option<String>,
    /// `outbound` or `inbound`.
    pub direction: Option<String>,
    /// Created at or after (RFC 3339).
    pub from: Option<String>,
    /// Created before (RFC 3339).
    pub to: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

pub(crate) fn parse_time(
    field: &str,
    v: &Option<String>,
) -> Result<Option<OffsetDateTime>, FieldError> {
    v.as_deref()
        .map(|s| {
            OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map_err(|_| {
                FieldError::new(
                    field,
                    "must be an RFC 3339 time such as 2026-11-24T10:00:00Z",
                )
            })
        })
        .transpose()
}

impl Validate for CallFilters {
    fn validate(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        if let Some(s) = &self.status
            && s.parse::<CallStatus>().is_err()
        {
            errors.push(FieldError::new(
                "status",
                "must be one of queued, initiated, ringing, answered, completed, busy, no-answer, failed, canceled",
            ));
        }
        if let Some(d) = &self.direction
            && d != "outbound"
            && d != "inbound"
        {
            errors.push(FieldError::new("direction", "must be outbound or inbound"));
        }
        for (field, v) in [("from", &self.from), ("to", &self.to)] {
            if let Err(e) = parse_time(field, v) {
                errors.push(e);
            }
        }
        let page = PageParams {
            limit: self.limit,
            cursor: self.cursor.clone(),
        };
        if let Err(ApiError::Validation(e)) = page.validate() {
            errors.extend(e);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// Lists the tenant's calls, newest first.
#[utoipa::path(get, path = "/v1/calls", tag = "calls", security(("bearer" = [])), params(CallFilters),
    responses((status = 200, body = Page<CallView>), (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<CallFilters>,
) -> Result<Json<Page<CallView>>, ApiError> {
    let filters = Filters {
        status: q.status.clone(),
        direction: q.direction.clone(),
        created_after: parse_time("from", &q.from).ok().flatten(),
        created_before: parse_time("to", &q.to).ok().flatten(),
    };
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    };
    let limit = page.limit();
    let rows = calls::list(
        &state.db,
        principal.tenant_id,
        &filters,
        page.after(),
        limit,
    )
    .await?;
    Ok(Json(Page::from_rows(
        rows,
        limit,
        |c| (c.created_at, c.id),
        CallView::from,
    )))
}

/// Hangs a call up: a queued call is canceled at once; a ringing one is canceled; an answered
/// one is hung up. Answers 202 with the call as it is now (its final status follows).
#[utoipa::path(post, path = "/v1/calls/{id}/hangup", tag = "calls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    responses((status = 202, body = CallView), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
pub async fn hangup(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<CallView>), ApiError> {
    principal.require(Role::Member)?;
    let id = parse_id(&id)?;
    let before = calls::find(&state.db, principal.tenant_id, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    if before.status().is_final() {
        return Err(ApiError::Conflict(format!(
            "the call is already over ({})",
            before.status
        )));
    }
    let call = calls::request_hangup(&state.db, principal.tenant_id, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    if call.status() == CallStatus::Canceled && before.status() == CallStatus::Queued {
        let event = irisx_bus::Envelope::call(&CallView::from(call.clone()));
        if let Err(e) = state.bus.publish_event(&event).await {
            tracing::warn!(call_id = %id, error = %e, "call.canceled not published");
        }
    } else {
        let msg = CallControl {
            call_id: id,
            tenant_id: principal.tenant_id,
            action: ControlAction::Hangup,
        };
        state
            .bus
            .send_control(&msg)
            .await
            .map_err(|e| ApiError::Unavailable(format!("the hangup could not be sent: {e}")))?;
    }
    Ok((StatusCode::ACCEPTED, Json(call.into())))
}

fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    id.parse()
        .map_err(|_| ApiError::NotFound(format!("no call {id}")))
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound(format!("no call {id}"))
}
