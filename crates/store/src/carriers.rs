//! Carriers (SIP trunks): platform carriers (no tenant) and tenants' own, with rate decks.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// A carrier row (the encrypted password stays inside the store and the router).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Carrier {
    /// Identifier.
    pub id: Uuid,
    /// Owner tenant; `None` for a platform carrier.
    pub tenant_id: Option<Uuid>,
    /// Name, unique per owner.
    pub name: String,
    /// SIP host.
    pub host: String,
    /// SIP port.
    pub port: i32,
    /// `udp`, `tcp` or `tls`.
    pub transport: String,
    /// Digest username.
    pub username: Option<String>,
    /// Encrypted digest password (nonce ‖ ciphertext).
    pub password_enc: Option<Vec<u8>>,
    /// Leading digits removed from the dialled number.
    pub strip_digits: i32,
    /// Digits put in front after stripping.
    pub prepend: String,
    /// Most calls at once through this carrier.
    pub max_concurrent: Option<i32>,
    /// Most new calls per second.
    pub cps_limit: Option<i32>,
    /// Lower is preferred among equal routes.
    pub priority: i32,
    /// Whether routing may use it.
    pub enabled: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

const COLUMNS: &str = "id, tenant_id, name, host, port, transport, username, password_enc, strip_digits, prepend, \
                       max_concurrent, cps_limit, priority, enabled, created_at";

/// Inserts or replaces a carrier (all fields).
pub async fn upsert(db: impl PgExecutor<'_>, c: &Carrier) -> Result<Carrier, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO carriers ({COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14, now())
         ON CONFLICT (id) DO UPDATE SET name = $3, host = $4, port = $5, transport = $6, username = $7,
             password_enc = $8, strip_digits = $9, prepend = $10, max_concurrent = $11, cps_limit = $12,
             priority = $13, enabled = $14, updated_at = now()
         RETURNING {COLUMNS}"
    ))
    .bind(c.id)
    .bind(c.tenant_id)
    .bind(&c.name)
    .bind(&c.host)
    .bind(c.port)
    .bind(&c.transport)
    .bind(&c.username)
    .bind(&c.password_enc)
    .bind(c.strip_digits)
    .bind(&c.prepend)
    .bind(c.max_concurrent)
    .bind(c.cps_limit)
    .bind(c.priority)
    .bind(c.enabled)
    .fetch_one(db)
    .await
}

/// A carrier visible to a caller: the tenant's own, or (for platform admins) a platform one.
pub async fn find_visible(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    platform: bool,
    id: Uuid,
) -> Result<Option<Carrier>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM carriers WHERE id = $1 AND (tenant_id = $2 OR ($3 AND tenant_id IS NULL))"
    ))
    .bind(id)
    .bind(tenant_id)
    .bind(platform)
    .fetch_optional(db)
    .await
}

/// Lists the carriers a caller may see, newest first, after the cursor.
pub async fn list_visible(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    platform: bool,
    after: Option<(OffsetDateTime, Uuid)>,
    limit: i64,
) -> Result<Vec<Carrier>, sqlx::Error> {
    let (ts, id) = after.unzip();
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM carriers WHERE (tenant_id = $1 OR ($2 AND tenant_id IS NULL))
           AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
         ORDER BY created_at DESC, id DESC LIMIT $5"
    ))
    .bind(tenant_id)
    .bind(platform)
    .bind(ts)
    .bind(id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Deletes a visible carrier; whether it existed.
pub async fn delete_visible(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    platform: bool,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM carriers WHERE id = $1 AND (tenant_id = $2 OR ($3 AND tenant_id IS NULL))",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(platform)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A rate-deck row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RateRow {
    /// Destination prefix (digits).
    pub prefix: String,
    /// Cost per minute in millionths.
    pub cost_micros: i64,
    /// First increment, seconds.
    pub increment_first: i32,
    /// Next increments, seconds.
    pub increment_next: i32,
}

/// Replaces a carrier's rate deck.
pub async fn replace_rates(
    tx: &mut sqlx::PgConnection,
    carrier_id: Uuid,
    rates: &[RateRow],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM carrier_rates WHERE carrier_id = $1")
        .bind(carrier_id)
        .execute(&mut *tx)
        .await?;
    let prefixes: Vec<&str> = rates.iter().map(|r| r.prefix.as_str()).collect();
    let costs: Vec<i64> = rates.iter().map(|r| r.cost_micros).collect();
    let firsts: Vec<i32> = rates.iter().map(|r| r.increment_first).collect();
    let nexts: Vec<i32> = rates.iter().map(|r| r.increment_next).collect();
    sqlx::query(
        "INSERT INTO carrier_rates (carrier_id, prefix, cost_micros, increment_first, increment_next)
         SELECT $1, * FROM UNNEST($2::text[], $3::bigint[], $4::int[], $5::int[])",
    )
    .bind(carrier_id)
    .bind(&prefixes)
    .bind(&costs)
    .bind(&firsts)
    .bind(&nexts)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A carrier's rate deck, by prefix.
pub async fn rates(db: impl PgExecutor<'_>, carrier_id: Uuid) -> Result<Vec<RateRow>, sqlx::Error> {
    sqlx::query_as("SELECT prefix, cost_micros, increment_first, increment_next FROM carrier_rates WHERE carrier_id = $1 ORDER BY prefix")
        .bind(carrier_id)
        .fetch_all(db)
        .await
}

/// A carrier that can route a number, with the longest rate-deck entry matching it.
#[derive(Debug, Clone)]
pub struct Route {
    /// The carrier.
    pub carrier: Carrier,
    /// Its matching rate.
    pub rate: RateRow,
}

/// The enabled carriers a tenant may use (its own and the platform's) that have a rate for
/// `digits`, each with its longest matching prefix (ordering is left to least-cost routing).
pub async fn routes(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    digits: &str,
) -> Result<Vec<Route>, sqlx::Error> {
    let cols = COLUMNS
        .split(',')
        .map(|c| format!("c.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<RouteRow> = sqlx::query_as(&format!(
        "SELECT DISTINCT ON (c.id) {cols}, r.prefix, r.cost_micros, r.increment_first, r.increment_next
         FROM carriers c JOIN carrier_rates r ON r.carrier_id = c.id
         WHERE c.enabled AND (c.tenant_id = $1 OR c.tenant_id IS NULL) AND starts_with($2, r.prefix)
         ORDER BY c.id, length(r.prefix) DESC"
    ))
    .bind(tenant_id)
    .bind(digits)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Route {
            rate: RateRow {
                prefix: r.prefix.clone(),
                cost_micros: r.cost_micros,
                increment_first: r.increment_first,
                increment_next: r.increment_next,
            },
            carrier: r.carrier,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct RouteRow {
    #[sqlx(flatten)]
    carrier: Carrier,
    prefix: String,
    cost_micros: i64,
    increment_first: i32,
    increment_next: i32,
}

/// A carrier by id, whoever owns it (workers).
pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Carrier>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM carriers WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Takes one calls-per-second slot of a carrier limited to `cps_limit` calls per second
/// (see the `carrier_pacing` migration). `None` when the slot is taken and the call may be
/// dialled now; otherwise how long until the next slot frees up.
pub async fn take_cps_slot(
    db: &sqlx::PgPool,
    carrier_id: Uuid,
    cps_limit: i32,
) -> Result<Option<std::time::Duration>, sqlx::Error> {
    let cps = f64::from(cps_limit.max(1));
    let taken: Option<(bool,)> = sqlx::query_as(
        "INSERT INTO carrier_pacing AS p (carrier_id, tat)
         VALUES ($1, now() + interval '1 second' / $2)
         ON CONFLICT (carrier_id) DO UPDATE
            SET tat = greatest(p.tat, now()) + interval '1 second' / $2
          WHERE greatest(p.tat, now()) + interval '1 second' / $2 <= now() + interval '1 second'
         RETURNING true",
    )
    .bind(carrier_id)
    .bind(cps)
    .fetch_optional(db)
    .await?;
    if taken.is_some() {
        return Ok(None);
    }
    let (wait_s,): (f64,) = sqlx::query_as(
        "SELECT coalesce(greatest(extract(epoch FROM tat - now())::float8 - (1 - 1 / $2), 0), 0)
         FROM carrier_pacing WHERE carrier_id = $1",
    )
    .bind(carrier_id)
    .bind(cps)
    .fetch_optional(db)
    .await?
    .unwrap_or((0.0,));
    Ok(Some(std::time::Duration::from_secs_f64(
        wait_s.clamp(0.001, 1.0),
    )))
}
