//! Call detail records: one row per call leg, in the month-partitioned table `cdr`.
//!
//! A leg is identified by its channel uuid and start time (the partition key), so writing the
//! same hangup twice — a redelivered message, a worker killed between the insert and the
//! acknowledgement, two media-server captures — stores it once (`ON CONFLICT DO NOTHING`).
//! A row is announced as `cdr.created` once (`published`), after its call's final status.

use sqlx::{PgExecutor, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

/// A CDR to write, as the cdr worker reads it from a hangup.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NewCdr {
    /// The channel uuid.
    pub leg_id: String,
    /// When the channel was created.
    pub started_at: OffsetDateTime,
    /// The tenant (`None` for a leg IRISX did not place or route).
    pub tenant_id: Option<Uuid>,
    /// The call it belongs to.
    pub call_id: Option<Uuid>,
    /// `outbound` or `inbound`.
    pub direction: String,
    /// Caller.
    pub from_uri: String,
    /// Called party.
    pub to_uri: String,
    /// The carrier that carried it.
    pub carrier_id: Option<Uuid>,
    /// When it was answered.
    pub answered_at: Option<OffsetDateTime>,
    /// When it ended.
    pub ended_at: OffsetDateTime,
    /// Seconds from creation to end.
    pub duration_s: i32,
    /// Seconds from answer to end.
    pub billsec: i32,
    /// FreeSWITCH hangup cause (`NORMAL_CLEARING`, `USER_BUSY`, …).
    pub hangup_cause: String,
    /// Final SIP status of the leg, when known.
    pub sip_status: Option<i32>,
    /// What the carrier charges for it (millionths), rated from its rate deck.
    pub cost_micros: Option<i64>,
    /// What the tenant is charged (millionths), rated from the tenant's price list.
    pub price_micros: Option<i64>,
    /// The media server's Event Socket address.
    pub media_server: String,
}

/// A stored CDR: the record as written, and when it was written.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Cdr {
    /// The record.
    #[sqlx(flatten)]
    pub record: NewCdr,
    /// When the row was written.
    pub created_at: OffsetDateTime,
}

const COLUMNS: &str = "leg_id, started_at, tenant_id, call_id, direction, from_uri, to_uri, carrier_id, \
    answered_at, ended_at, duration_s, billsec, hangup_cause, sip_status, cost_micros, price_micros, \
    media_server, created_at";

/// Writes `rows` in one statement; rows already stored (same leg and start) are skipped.
/// Returns how many were new.
pub async fn insert_batch(db: impl PgExecutor<'_>, rows: &[NewCdr]) -> Result<u64, sqlx::Error> {
    if rows.is_empty() {
        return Ok(0);
    }
    macro_rules! col {
        ($f:ident) => {
            rows.iter().map(|r| r.$f.clone()).collect::<Vec<_>>()
        };
    }
    let done = sqlx::query(
        "INSERT INTO cdr (leg_id, started_at, tenant_id, call_id, direction, from_uri, to_uri, carrier_id,
                          answered_at, ended_at, duration_s, billsec, hangup_cause, sip_status,
                          cost_micros, price_micros, media_server)
         SELECT * FROM UNNEST($1::text[], $2::timestamptz[], $3::uuid[], $4::uuid[], $5::text[], $6::text[],
                              $7::text[], $8::uuid[], $9::timestamptz[], $10::timestamptz[], $11::int[],
                              $12::int[], $13::text[], $14::int[], $15::bigint[], $16::bigint[], $17::text[])
         ON CONFLICT (leg_id, started_at) DO NOTHING",
    )
    .bind(col!(leg_id))
    .bind(col!(started_at))
    .bind(col!(tenant_id))
    .bind(col!(call_id))
    .bind(col!(direction))
    .bind(col!(from_uri))
    .bind(col!(to_uri))
    .bind(col!(carrier_id))
    .bind(col!(answered_at))
    .bind(col!(ended_at))
    .bind(col!(duration_s))
    .bind(col!(billsec))
    .bind(col!(hangup_cause))
    .bind(col!(sip_status))
    .bind(col!(cost_micros))
    .bind(col!(price_micros))
    .bind(col!(media_server))
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Creates the monthly partitions from last month to `months_ahead` months ahead that do not
/// exist yet; returns how many were created.
pub async fn ensure_partitions(
    db: impl PgExecutor<'_>,
    months_ahead: i32,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT irisx_ensure_cdr_partitions($1)")
        .bind(months_ahead)
        .fetch_one(db)
        .await
}

/// Locks up to `limit` CDRs not announced yet whose announcement is due: the call they belong
/// to has reached its final status (so `cdr.created` follows the call's last event) at least
/// `grace_ms` ago, or the leg has no call, or the row has waited 10 seconds. Rows locked by
/// another publisher are skipped. Commit `tx` after [`mark_published`].
pub async fn lock_unpublished(
    tx: &mut Transaction<'_, Postgres>,
    grace_ms: i32,
    limit: i64,
) -> Result<Vec<Cdr>, sqlx::Error> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let cols = COLUMNS
            .split(", ")
            .map(|c| format!("d.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "SELECT {cols} FROM cdr d LEFT JOIN calls c ON c.id = d.call_id
         WHERE NOT d.published
           AND (c.id IS NULL
                OR d.created_at < now() - interval '10 seconds'
                OR (c.status IN ('completed', 'busy', 'no-answer', 'failed', 'canceled')
                    AND c.updated_at < now() - make_interval(secs => $1::double precision / 1000)))
         ORDER BY d.created_at LIMIT $2
         FOR UPDATE OF d SKIP LOCKED"
        )
    });
    sqlx::query_as(&SQL)
        .bind(grace_ms)
        .bind(limit)
        .fetch_all(&mut **tx)
        .await
}

/// Marks these CDRs as announced.
pub async fn mark_published(
    db: impl PgExecutor<'_>,
    keys: &[(String, OffsetDateTime)],
) -> Result<u64, sqlx::Error> {
    let (legs, starts): (Vec<String>, Vec<OffsetDateTime>) = keys.iter().cloned().unzip();
    let done = sqlx::query(
        "UPDATE cdr SET published = true
         FROM UNNEST($1::text[], $2::timestamptz[]) AS k(leg_id, started_at)
         WHERE cdr.leg_id = k.leg_id AND cdr.started_at = k.started_at",
    )
    .bind(legs)
    .bind(starts)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Filters of [`list`].
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Only this call's legs.
    pub call_id: Option<Uuid>,
    /// Only this direction.
    pub direction: Option<String>,
    /// Only legs through this carrier.
    pub carrier_id: Option<Uuid>,
    /// Only legs ended with this hangup cause.
    pub hangup_cause: Option<String>,
    /// Started at or after.
    pub started_after: Option<OffsetDateTime>,
    /// Started before.
    pub started_before: Option<OffsetDateTime>,
}

/// A tenant's CDRs, newest first, after the cursor `(started_at, leg_id)`.
pub async fn list(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    f: &Filters,
    after: Option<(OffsetDateTime, String)>,
    limit: i64,
) -> Result<Vec<Cdr>, sqlx::Error> {
    let (ts, leg) = after.unzip();
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM cdr WHERE tenant_id = $1
           AND ($2::uuid IS NULL OR call_id = $2) AND ($3::text IS NULL OR direction = $3)
           AND ($4::uuid IS NULL OR carrier_id = $4) AND ($5::text IS NULL OR hangup_cause = $5)
           AND ($6::timestamptz IS NULL OR started_at >= $6) AND ($7::timestamptz IS NULL OR started_at < $7)
           AND ($8::timestamptz IS NULL OR (started_at, leg_id) < ($8, $9))
         ORDER BY started_at DESC, leg_id DESC LIMIT $10"
    ))
    .bind(tenant_id)
    .bind(f.call_id)
    .bind(&f.direction)
    .bind(f.carrier_id)
    .bind(&f.hangup_cause)
    .bind(f.started_after)
    .bind(f.started_before)
    .bind(ts)
    .bind(leg)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The CDRs of one call (every attempt's leg), oldest first.
pub async fn for_call(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    call_id: Uuid,
) -> Result<Vec<Cdr>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM cdr WHERE tenant_id = $1 AND call_id = $2 ORDER BY started_at, leg_id"
    ))
    .bind(tenant_id)
    .bind(call_id)
    .fetch_all(db)
    .await
}

impl From<Cdr> for irisx_core::cdr::CdrView {
    fn from(Cdr { record: c, .. }: Cdr) -> Self {
        irisx_core::cdr::CdrView {
            leg_id: c.leg_id,
            call_id: c.call_id,
            tenant_id: c.tenant_id,
            direction: c.direction,
            from: c.from_uri,
            to: c.to_uri,
            carrier_id: c.carrier_id,
            started_at: c.started_at,
            answered_at: c.answered_at,
            ended_at: c.ended_at,
            duration: c.duration_s,
            billsec: c.billsec,
            hangup_cause: c.hangup_cause,
            sip_status: c.sip_status,
            cost_micros: c.cost_micros,
            price_micros: c.price_micros,
            media_server: c.media_server,
        }
    }
}
