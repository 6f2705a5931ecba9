//! The one error type of the API and its RFC 9457 `application/problem+json` rendering.
//!
//! Handlers return `Result<_, ApiError>`. Internal failures are logged with the request id and
//! answered with a generic 500; nothing internal is ever sent to the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::ratelimit::Decision;
use crate::request_id;

/// Media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request body or query string.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `email` or `items[2].name`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A field error for `field` saying `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document, as sent to clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, human-readable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request id (also in the `x-request-id` header), for support and log search.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Invalid fields, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON, or not the JSON this endpoint takes (400).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The body was understood but some fields are invalid (422).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// The body is not `application/json` (415).
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// No valid credentials (401).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Credentials are valid but not enough for this (403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No such resource for this tenant (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// No such route or method (404/405).
    #[error("no route")]
    NoRoute(StatusCode),
    /// The request conflicts with existing state, e.g. an email already registered (409).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Too many requests (429), with the limiter's decision for the headers.
    #[error("rate limited")]
    RateLimited(Decision, String),
    /// A dependency is down (503).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything else (500). The cause is logged, not returned.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::Internal(e.into())
    }
}

impl From<redis::RedisError> for ApiError {
    fn from(e: redis::RedisError) -> Self {
        ApiError::Internal(e.into())
    }
}

impl ApiError {
    /// A validation error on a single field.
    pub fn field(field: &str, message: &str) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::NoRoute(s) => *s,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::RateLimited(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::Malformed(_) => ("malformed-request", "Malformed request"),
            ApiError::Validation(_) => ("validation-error", "Your request has invalid fields"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::Unauthorized(_) => ("unauthorized", "Authentication required"),
            ApiError::Forbidden(_) => ("forbidden", "Not allowed"),
            ApiError::NotFound(_) => ("not-found", "Resource not found"),
            ApiError::NoRoute(s) if *s == StatusCode::METHOD_NOT_ALLOWED => {
                ("method-not-allowed", "Method not allowed")
            }
            ApiError::NoRoute(_) => ("not-found", "Resource not found"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::RateLimited(..) => ("rate-limited", "Too many requests"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal-error", "Internal server error"),
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            ApiError::Malformed(d)
            | ApiError::UnsupportedMediaType(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::Conflict(d)
            | ApiError::Unavailable(d)
            | ApiError::RateLimited(_, d) => Some(d.clone()),
            ApiError::Validation(errors) => Some(
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ApiError::NoRoute(_) => Some("no such endpoint; see /docs".into()),
            ApiError::Internal(_) => {
                Some("something went wrong on our side; quote the request id to support".into())
            }
        }
    }

    /// Builds the problem document for this error.
    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        Problem {
            kind: format!("https://docs.irisx.dev/problems/{slug}"),
            title: title.into(),
            status: self.status().as_u16(),
            detail: self.detail(),
            request_id: request_id::current(),
            errors: match self {
                ApiError::Validation(e) => e.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            ApiError::Unavailable(d) => tracing::warn!(detail = %d, "dependency unavailable"),
            _ => tracing::debug!(error = %self, "request failed"),
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        match &self {
            ApiError::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"irisx\""),
                );
            }
            ApiError::RateLimited(decision, _) => decision.write_headers(headers),
            _ => {}
        }
        response
    }
}

/// Turns database constraint violations into client errors, the rest into 500s.
pub trait ResultExt<T> {
    /// Maps a violation of the named unique or check constraint to the error `f` builds.
    fn on_constraint(self, name: &str, f: impl FnOnce() -> ApiError) -> Result<T, ApiError>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_constraint(self, name: &str, f: impl FnOnce() -> ApiError) -> Result<T, ApiError> {
        self.map_err(|e| match &e {
            sqlx::Error::Database(db) if db.constraint() == Some(name) => f(),
            _ => ApiError::from(e),
        })
    }
}
