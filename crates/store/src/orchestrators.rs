//! Orchestrator liveness: each orchestrator process refreshes its row every few seconds; the
//! calls of one that stopped refreshing are adopted by the others.

use sqlx::PgExecutor;
use uuid::Uuid;

/// Records that `id` is alive now.
pub async fn heartbeat(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO orchestrators (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET seen_at = now()",
    )
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes `id` (a clean stop: its calls become adoptable at once).
pub async fn remove(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM orchestrators WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets orchestrators not seen for a day.
pub async fn prune(db: impl PgExecutor<'_>) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM orchestrators WHERE seen_at < now() - interval '1 day'")
            .execute(db)
            .await?
            .rows_affected(),
    )
}
