//! Cursor pagination shared by every list endpoint.
//!
//! Lists are ordered newest first by `(created_at, id)`; the cursor is that pair for the last
//! item of a page, opaque to clients (base64url). Cursors stay valid while rows are inserted.

use std::fmt::Display;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;
use crate::validate::{Checks, Validate};

/// `?limit=&cursor=` of a list request.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl Validate for PageParams {
    fn validate(&self) -> Result<(), ApiError> {
        self.validate_keyed::<Uuid>()
    }
}

impl PageParams {
    /// Validates a page of a list whose cursor key is a `K` (a uuid for most lists).
    pub fn validate_keyed<K: FromStr>(&self) -> Result<(), ApiError> {
        Checks::new()
            .check(
                "limit",
                self.limit.is_none_or(|l| (1..=100).contains(&l)),
                "must be between 1 and 100",
            )
            .check(
                "cursor",
                self.cursor
                    .as_deref()
                    .is_none_or(|c| decode::<K>(c).is_some()),
                "is not a cursor returned by this list",
            )
            .finish()
    }

    /// The page size to fetch.
    pub fn limit(&self) -> i64 {
        i64::from(self.limit.unwrap_or(20))
    }

    /// The position to continue after.
    pub fn after(&self) -> Option<(OffsetDateTime, Uuid)> {
        self.cursor.as_deref().and_then(decode)
    }

    /// The position to continue after, for lists keyed by something other than a uuid.
    pub fn after_key<K: FromStr>(&self) -> Option<(OffsetDateTime, K)> {
        self.cursor.as_deref().and_then(decode)
    }
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `rows` (fetched with `limit`), mapping each row to its view.
    pub fn from_rows<R, K: Display>(
        rows: Vec<R>,
        limit: i64,
        key: impl Fn(&R) -> (OffsetDateTime, K),
        view: impl Fn(R) -> T,
    ) -> Self {
        let next_cursor = if rows.len() as i64 == limit {
            rows.last().map(|r| encode(key(r)))
        } else {
            None
        };
        Page {
            data: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}

fn encode<K: Display>((at, id): (OffsetDateTime, K)) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", at.unix_timestamp_nanos(), id))
}

fn decode<K: FromStr>(cursor: &str) -> Option<(OffsetDateTime, K)> {
    let raw = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (nanos, id) = text.split_once(':')?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos.parse().ok()?).ok()?;
    Some((at, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_795_464_703_123_456_000).unwrap();
        let id = Uuid::now_v7();
        assert_eq!(decode(&encode((at, id))), Some((at, id)));
        assert_eq!(decode::<Uuid>("not-a-cursor"), None);
        assert_eq!(decode::<String>(""), None);
    }
}
