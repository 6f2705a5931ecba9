//! Tenants' price lists (what a tenant pays per destination prefix) and call limits.

use sqlx::PgExecutor;
use uuid::Uuid;

/// One price-list entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PriceRow {
    /// Destination prefix (digits; empty matches everything).
    pub prefix: String,
    /// Price per minute in millionths.
    pub price_micros: i64,
    /// First billing increment, seconds.
    pub increment_first: i32,
    /// Following increments, seconds.
    pub increment_next: i32,
}

/// Replaces a tenant's price list.
pub async fn replace(
    tx: &mut sqlx::PgConnection,
    tenant_id: Uuid,
    rows: &[PriceRow],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM tenant_prices WHERE tenant_id = $1")
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?;
    let prefixes: Vec<&str> = rows.iter().map(|r| r.prefix.as_str()).collect();
    let prices: Vec<i64> = rows.iter().map(|r| r.price_micros).collect();
    let firsts: Vec<i32> = rows.iter().map(|r| r.increment_first).collect();
    let nexts: Vec<i32> = rows.iter().map(|r| r.increment_next).collect();
    sqlx::query(
        "INSERT INTO tenant_prices (tenant_id, prefix, price_micros, increment_first, increment_next)
         SELECT $1, * FROM UNNEST($2::text[], $3::bigint[], $4::int[], $5::int[])",
    )
    .bind(tenant_id)
    .bind(&prefixes)
    .bind(&prices)
    .bind(&firsts)
    .bind(&nexts)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A tenant's price list, by prefix.
pub async fn list(db: impl PgExecutor<'_>, tenant_id: Uuid) -> Result<Vec<PriceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT prefix, price_micros, increment_first, increment_next FROM tenant_prices
         WHERE tenant_id = $1 ORDER BY prefix",
    )
    .bind(tenant_id)
    .fetch_all(db)
    .await
}

/// The longest-prefix price for `digits`.
pub async fn best(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    digits: &str,
) -> Result<Option<PriceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT prefix, price_micros, increment_first, increment_next FROM tenant_prices
         WHERE tenant_id = $1 AND starts_with($2, prefix)
         ORDER BY length(prefix) DESC LIMIT 1",
    )
    .bind(tenant_id)
    .bind(digits)
    .fetch_optional(db)
    .await
}

/// A tenant's own call limits (`None`: the platform default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct CallLimits {
    /// Most calls at once.
    pub max_concurrent_calls: Option<i32>,
    /// Most new calls per second.
    pub calls_per_second: Option<i32>,
}

/// Reads a tenant's call limits.
pub async fn limits(db: impl PgExecutor<'_>, tenant_id: Uuid) -> Result<CallLimits, sqlx::Error> {
    Ok(
        sqlx::query_as("SELECT max_concurrent_calls, calls_per_second FROM tenants WHERE id = $1")
            .bind(tenant_id)
            .fetch_optional(db)
            .await?
            .unwrap_or_default(),
    )
}

/// A tenant's own call limits and how many of its calls are live now, in one round trip (the
/// check `POST /v1/calls` makes before accepting a call).
pub async fn limits_and_live(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
) -> Result<(CallLimits, i64), sqlx::Error> {
    let row: Option<(Option<i32>, Option<i32>, i64)> = sqlx::query_as(
        "SELECT t.max_concurrent_calls, t.calls_per_second,
                (SELECT count(*) FROM calls c WHERE c.tenant_id = t.id
                   AND c.status IN ('queued', 'initiated', 'ringing', 'answered'))
         FROM tenants t WHERE t.id = $1",
    )
    .bind(tenant_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map_or((CallLimits::default(), 0), |(m, c, live)| {
        (
            CallLimits {
                max_concurrent_calls: m,
                calls_per_second: c,
            },
            live,
        )
    }))
}

/// Sets a tenant's call limits; whether the tenant exists.
pub async fn set_limits(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    limits: CallLimits,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE tenants SET max_concurrent_calls = $2, calls_per_second = $3, updated_at = now() WHERE id = $1",
    )
    .bind(tenant_id)
    .bind(limits.max_concurrent_calls)
    .bind(limits.calls_per_second)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}
