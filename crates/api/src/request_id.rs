//! The request id of the request being served, readable from anywhere in its handler.
//!
//! `tower-http` assigns every request an `x-request-id` (or keeps the client's); a middleware
//! puts it in a task-local so that errors can quote it in their problem documents.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request this task is serving, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Middleware: runs the rest of the stack with the request's id in scope.
pub async fn scope(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    REQUEST_ID.scope(id, next.run(req)).await
}
