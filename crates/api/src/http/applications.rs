//! `/v1/applications`: hosted applications. An application is either verbs kept here
//! (`application`, the same JSON array a call accepts inline) or the customer's endpoint that
//! returns them (`answer_url`), plus a default `status_callback`; a call names it with
//! `application_id`. The call takes a copy when it is accepted, so editing or deleting an
//! application never changes a call already placed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use irisx_core::{Role, verbs};
use irisx_store::applications::{self, Application};

use crate::auth::Principal;
use crate::error::{ApiError, FieldError, ResultExt};
use crate::extract::{ApiJson, ApiQuery};
use crate::http::calls::{check_callback_events, is_http_url};
use crate::pagination::{Page, PageParams};
use crate::state::AppState;
use crate::validate::{Checks, Validate};

/// What a client sends to create an application (all fields) or change one (any of them).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    /// A name unique in the account (1–100 characters, case-insensitive).
    pub name: Option<String>,
    /// The verbs, e.g. `[{"verb":"pause","length":2},{"verb":"hangup"}]`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub application: Option<Value>,
    /// Or the endpoint returning the verbs when a call is answered.
    pub answer_url: Option<String>,
    /// Where its calls' status changes are posted unless a call names its own (`""` clears).
    pub status_callback: Option<String>,
    /// Which of them by default: some of `initiated`, `ringing`, `answered`, `completed`
    /// (`[]`: all).
    pub status_callback_events: Option<Vec<String>>,
}

impl Validate for ApplicationInput {
    fn validate(&self) -> Result<(), ApiError> {
        let mut c = Checks::new();
        if let Some(name) = &self.name {
            let n = name.trim().chars().count();
            c.check(
                "name",
                (1..=100).contains(&n),
                "must be 1 to 100 characters",
            );
        }
        c.check(
            "application",
            !(self.application.is_some() && self.answer_url.is_some()),
            "give either `application` or `answer_url`, not both",
        );
        if let Some(url) = &self.answer_url {
            c.check(
                "answer_url",
                is_http_url(url),
                "must be an http(s) URL of at most 2,048 characters",
            );
        }
        check_callback_events(&mut c, self.status_callback_events.as_deref(), true);
        if let Some(url) = self.status_callback.as_deref().filter(|u| !u.is_empty()) {
            c.check(
                "status_callback",
                is_http_url(url),
                "must be an http(s) URL",
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

/// An application as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    /// Identifier (what `POST /v1/calls` takes as `application_id`).
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// The verbs, when they are kept here.
    #[schema(value_type = Option<Vec<Object>>)]
    pub application: Option<Value>,
    /// The endpoint returning the verbs, otherwise.
    pub answer_url: Option<String>,
    /// Default status callback of its calls.
    pub status_callback: Option<String>,
    /// Which statuses it gets by default (`null`: all).
    pub status_callback_events: Option<Vec<String>>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<Application> for ApplicationView {
    fn from(a: Application) -> Self {
        ApplicationView {
            id: a.id,
            name: a.name,
            application: a.application,
            answer_url: a.answer_url,
            status_callback: a.status_callback,
            status_callback_events: a.status_callback_events,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

fn duplicate() -> ApiError {
    ApiError::Conflict("an application with this name already exists".into())
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no application {id}"))
}

/// Applies the fields given to `a` (a new source replaces the other one).
fn apply(a: &mut Application, input: ApplicationInput) {
    if let Some(name) = input.name {
        a.name = name.trim().to_owned();
    }
    if let Some(verbs) = input.application {
        a.application = Some(verbs);
        a.answer_url = None;
    }
    if let Some(url) = input.answer_url {
        a.answer_url = Some(url);
        a.application = None;
    }
    if let Some(cb) = input.status_callback {
        a.status_callback = (!cb.is_empty()).then_some(cb);
    }
    if let Some(events) = input.status_callback_events {
        a.status_callback_events = (!events.is_empty()).then_some(events);
    }
}

async fn owned(state: &AppState, p: &Principal, id: &str) -> Result<Application, ApiError> {
    let uuid: Uuid = id.parse().map_err(|_| not_found(id))?;
    applications::find(&state.db, p.tenant_id, uuid)
        .await?
        .ok_or_else(|| not_found(id))
}

/// Creates an application.
#[utoipa::path(post, path = "/v1/applications", tag = "applications", security(("bearer" = [])),
    request_body = ApplicationInput,
    responses((status = 201, body = ApplicationView), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    principal.require(Role::Admin)?;
    let mut missing = Vec::new();
    if input.name.is_none() {
        missing.push(FieldError::new("name", "is required"));
    }
    if input.application.is_none() && input.answer_url.is_none() {
        missing.push(FieldError::new(
            "application",
            "give either `application` (verbs) or `answer_url`",
        ));
    }
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing));
    }
    let now = OffsetDateTime::now_utc();
    let mut a = Application {
        id: Uuid::now_v7(),
        tenant_id: principal.tenant_id,
        name: String::new(),
        application: None,
        answer_url: None,
        status_callback: None,
        status_callback_events: None,
        created_at: now,
        updated_at: now,
    };
    apply(&mut a, input);
    let row = applications::upsert(&state.db, &a)
        .await
        .on_constraint("applications_name_key", duplicate)?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Lists the account's applications, newest first.
#[utoipa::path(get, path = "/v1/applications", tag = "applications", security(("bearer" = [])),
    params(PageParams), responses((status = 200, body = Page<ApplicationView>)))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Page<ApplicationView>>, ApiError> {
    let rows =
        applications::list(&state.db, principal.tenant_id, page.after(), page.limit()).await?;
    Ok(Json(Page::from_rows(
        rows,
        page.limit(),
        |a| (a.created_at, a.id),
        ApplicationView::from,
    )))
}

/// One application.
#[utoipa::path(get, path = "/v1/applications/{id}", tag = "applications", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Application id")),
    responses((status = 200, body = ApplicationView), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(owned(&state, &principal, &id).await?.into()))
}

/// Changes some fields of an application (calls already placed keep their copy).
#[utoipa::path(patch, path = "/v1/applications/{id}", tag = "applications", security(("bearer" = [])),
    request_body = ApplicationInput, params(("id" = Uuid, Path, description = "Application id")),
    responses((status = 200, body = ApplicationView), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> Result<Json<ApplicationView>, ApiError> {
    principal.require(Role::Admin)?;
    let mut a = owned(&state, &principal, &id).await?;
    apply(&mut a, input);
    let row = applications::upsert(&state.db, &a)
        .await
        .on_constraint("applications_name_key", duplicate)?;
    Ok(Json(row.into()))
}

/// Deletes an application (calls already placed keep their copy of its verbs).
#[utoipa::path(delete, path = "/v1/applications/{id}", tag = "applications", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Application id")),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    principal.require(Role::Admin)?;
    let a = owned(&state, &principal, &id).await?;
    applications::delete(&state.db, principal.tenant_id, a.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
