//! `/healthz` (the process answers) and `/readyz` (its dependencies answer too).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// Liveness or readiness report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// Per dependency: `ok` or what failed (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Checks>,
}

/// The dependencies checked by `/readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Checks {
    /// PostgreSQL.
    pub postgres: String,
    /// NATS.
    pub nats: String,
    /// Redis.
    pub redis: String,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        checks: None,
    })
}

/// PostgreSQL, NATS and Redis all answer within a second.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let limit = Duration::from_secs(1);
    let pg = async {
        sqlx::query_scalar::<_, i32>("SELECT 1")
            .fetch_one(&state.db)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let nats = async { state.nats.flush().await.map_err(|e| e.to_string()) };
    let redis = async {
        let mut conn = state.redis.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let (pg, nats, redis) = tokio::join!(
        tokio::time::timeout(limit, pg),
        tokio::time::timeout(limit, nats),
        tokio::time::timeout(limit, redis)
    );
    let verdict = |r: Result<Result<(), String>, _>| match r {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(e)) => e,
        Err(_) => "timed out".to_owned(),
    };
    let checks = Checks {
        postgres: verdict(pg),
        nats: verdict(nats),
        redis: verdict(redis),
    };
    let ready = [&checks.postgres, &checks.nats, &checks.redis]
        .iter()
        .all(|c| *c == "ok");
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        Json(Health {
            status: if ready { "ok" } else { "unavailable" },
            checks: Some(checks),
        }),
    )
}
