//! Request extractors that fail with problem documents instead of axum's plain-text rejections.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};
use crate::validate::Validate;

/// A JSON body, parsed and then validated with [`Validate`].
///
/// Syntax errors are 400 with the line and column; type errors and missing fields are 422
/// naming the field; a body that is not `application/json` is 415.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as JSON with `Content-Type: application/json`".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            ApiError::Malformed(format!(
                "could not read the request body: {}",
                e.body_text()
            ))
        })?;
        let value = parse_json::<T>(&bytes)?;
        value.validate()?;
        Ok(ApiJson(value))
    }
}

/// Parses `bytes` as a `T` (a JSON object), with errors that say where the body went wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::Malformed(
            "the request body is empty; this endpoint takes a JSON object".into(),
        ));
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| matches!(b, b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n')) {
        return Err(ApiError::Malformed(
            "the body does not have the expected shape: this endpoint takes a JSON object".into(),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = match parsed {
        Ok(v) => v,
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            return Err(match inner.classify() {
                serde_json::error::Category::Data => data_error(&path, &inner.to_string()),
                _ => ApiError::Malformed(format!("the body is not valid JSON: {inner}")),
            });
        }
    };
    de.end()
        .map_err(|e| ApiError::Malformed(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

fn data_error(path: &str, message: &str) -> ApiError {
    // serde reports a missing field at the path of its parent object.
    let message = message.split(" at line ").next().unwrap_or(message);
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.trim_end_matches('`');
        let field = if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        return ApiError::Validation(vec![FieldError::new(field, "is required")]);
    }
    if path == "." || path.is_empty() {
        return ApiError::Malformed(format!(
            "the body does not have the expected shape: {message}"
        ));
    }
    ApiError::Validation(vec![FieldError::new(path, message)])
}

/// A query string, parsed into `T` and validated.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        let value: T = serde_path_to_error::deserialize(de).map_err(|err| {
            let path = err.path().to_string();
            let message = err.into_inner().to_string();
            match message.strip_prefix("missing field `") {
                Some(rest) => ApiError::field(rest.trim_end_matches('`'), "is required"),
                None => ApiError::field(&path, &message),
            }
        })?;
        value.validate()?;
        Ok(ApiQuery(value))
    }
}
