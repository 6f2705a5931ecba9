//! `/v1/cdrs`: the tenant's call detail records, one per call leg, newest first; filtered by
//! call, direction, carrier, hangup cause and start time; as JSON pages or as a CSV export of
//! every matching row (`?format=csv` or `Accept: text/csv`), streamed in chunks.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures::stream;
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::IntoParams;
use uuid::Uuid;

use irisx_core::cdr::CdrView;
use irisx_store::cdr::{self, Cdr, Filters};

use crate::auth::Principal;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiQuery;
use crate::http::calls::parse_time;
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use crate::validate::Validate;

/// Rows fetched per round of a CSV export.
const EXPORT_CHUNK: i64 = 1_000;

/// `GET /v1/cdrs` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CdrFilters {
    /// Only this call's legs.
    pub call_id: Option<String>,
    /// `outbound` or `inbound`.
    pub direction: Option<String>,
    /// Only legs through this carrier.
    pub carrier_id: Option<String>,
    /// Only legs that ended with this hangup cause (e.g. `USER_BUSY`).
    pub hangup_cause: Option<String>,
    /// Started at or after (RFC 3339).
    pub from: Option<String>,
    /// Started before (RFC 3339).
    pub to: Option<String>,
    /// Items per page, 1 to 100 (default 20); ignored by the CSV export, which returns every row.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

impl CdrFilters {
    fn filters(&self) -> Result<Filters, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut uuid = |field: &str, v: &Option<String>| {
            v.as_deref().and_then(|s| match s.parse::<Uuid>() {
                Ok(u) => Some(u),
                Err(_) => {
                    errors.push(FieldError::new(field, "must be a uuid"));
                    None
                }
            })
        };
        let call_id = uuid("call_id", &self.call_id);
        let carrier_id = uuid("carrier_id", &self.carrier_id);
        if let Some(d) = &self.direction
            && d != "outbound"
            && d != "inbound"
        {
            errors.push(FieldError::new("direction", "must be outbound or inbound"));
        }
        if let Some(c) = &self.hangup_cause
            && (c.is_empty()
                || c.len() > 64
                || !c.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        {
            errors.push(FieldError::new(
                "hangup_cause",
                "must be a FreeSWITCH hangup cause such as NORMAL_CLEARING or USER_BUSY",
            ));
        }
        let mut time = |field: &str, v: &Option<String>| match parse_time(field, v) {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let started_after = time("from", &self.from);
        let started_before = time("to", &self.to);
        if let Some(f) = &self.format
            && f != "json"
            && f != "csv"
        {
            errors.push(FieldError::new("format", "must be json or csv"));
        }
        if let Err(ApiError::Validation(e)) = self.page().validate_keyed::<String>() {
            errors.extend(e);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Filters {
            call_id,
            direction: self.direction.clone(),
            carrier_id,
            hangup_cause: self.hangup_cause.clone(),
            started_after,
            started_before,
        })
    }

    fn page(&self) -> PageParams {
        PageParams {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

impl Validate for CdrFilters {
    fn validate(&self) -> Result<(), ApiError> {
        self.filters().map(|_| ()).map_err(ApiError::Validation)
    }
}

/// Lists the tenant's CDRs, newest first, as JSON pages or as one CSV document.
#[utoipa::path(get, path = "/v1/cdrs", tag = "cdrs", security(("bearer" = [])), params(CdrFilters),
    responses((status = 200, body = Page<CdrView>, description = "A page of CDRs; with `format=csv`, `text/csv` of every matching CDR"),
              (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<CdrFilters>,
) -> Result<Response, ApiError> {
    let filters = q.filters().map_err(ApiError::Validation)?;
    let page = q.page();
    let wants_csv = q.format.as_deref() == Some("csv")
        || (q.format.is_none()
            && headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|a| a.contains("text/csv")));
    if wants_csv {
        return Ok(export(
            state,
            principal.tenant_id,
            filters,
            page.after_key(),
        ));
    }
    let limit = page.limit();
    let rows = cdr::list(
        &state.db,
        principal.tenant_id,
        &filters,
        page.after_key(),
        limit,
    )
    .await?;
    Ok(Json(Page::from_rows(
        rows,
        limit,
        |c| (c.record.started_at, c.record.leg_id.clone()),
        CdrView::from,
    ))
    .into_response())
}

/// The CSV columns, in order.
const CSV_HEADER: [&str; 17] = [
    "leg_id",
    "call_id",
    "tenant_id",
    "direction",
    "from",
    "to",
    "carrier_id",
    "started_at",
    "answered_at",
    "ended_at",
    "duration",
    "billsec",
    "hangup_cause",
    "sip_status",
    "cost_micros",
    "price_micros",
    "media_server",
];

/// Streams every matching CDR as CSV, fetching [`EXPORT_CHUNK`] rows at a time.
fn export(
    state: AppState,
    tenant_id: Uuid,
    filters: Filters,
    after: Option<(OffsetDateTime, String)>,
) -> Response {
    struct Cursor {
        after: Option<(OffsetDateTime, String)>,
        first: bool,
        done: bool,
    }
    let start = Cursor {
        after,
        first: true,
        done: false,
    };
    let body = stream::unfold(start, move |mut cur| {
        let (db, filters) = (state.db.clone(), filters.clone());
        async move {
            if cur.done {
                return None;
            }
            let rows =
                match cdr::list(&db, tenant_id, &filters, cur.after.clone(), EXPORT_CHUNK).await {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::error!(error = %e, "CDR export interrupted");
                        return Some((Err(std::io::Error::other(e)), Cursor { done: true, ..cur }));
                    }
                };
            cur.done = (rows.len() as i64) < EXPORT_CHUNK;
            cur.after = rows
                .last()
                .map(|r| (r.record.started_at, r.record.leg_id.clone()));
            let chunk = csv_chunk(&rows, cur.first);
            cur.first = false;
            Some((Ok::<_, std::io::Error>(chunk), cur))
        }
    });
    let mut response = Body::from_stream(body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"cdrs.csv\""),
    );
    response
}

/// Renders rows (with the header line first if `header`).
fn csv_chunk(rows: &[Cdr], with_header: bool) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 256 + 256));
    let time = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let opt = |v: Option<String>| v.unwrap_or_default();
    if with_header {
        let _ = w.write_record(CSV_HEADER);
    }
    for r in rows.iter().map(|c| &c.record) {
        let _ = w.write_record([
            r.leg_id.clone(),
            opt(r.call_id.map(|u| u.to_string())),
            opt(r.tenant_id.map(|u| u.to_string())),
            r.direction.clone(),
            r.from_uri.clone(),
            r.to_uri.clone(),
            opt(r.carrier_id.map(|u| u.to_string())),
            time(r.started_at),
            opt(r.answered_at.map(time)),
            time(r.ended_at),
            r.duration_s.to_string(),
            r.billsec.to_string(),
            r.hangup_cause.clone(),
            opt(r.sip_status.map(|s| s.to_string())),
            opt(r.cost_micros.map(|s| s.to_string())),
            opt(r.price_micros.map(|s| s.to_string())),
            r.media_server.clone(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}
