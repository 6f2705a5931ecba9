//! Calls: the rows the Calls API creates and the orchestrator moves through their statuses.
//!
//! Every status change is a compare-and-set on the status the call is allowed to come from
//! ([`CallStatus::predecessors`]), so two processes racing on one call (a hangup request and
//! an answer, a redelivered request, an orchestrator adopting another's calls) cannot move it
//! backwards or announce one change twice.

use irisx_core::CallStatus;
use irisx_core::call::CallView;
use serde_json::Value;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// A call row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Call {
    /// Identifier (also the first attempt's `origination_uuid`).
    pub id: Uuid,
    /// Owner.
    pub tenant_id: Uuid,
    /// `outbound` or `inbound`.
    pub direction: String,
    /// Current status (a [`CallStatus`] name).
    pub status: String,
    /// Called party: E.164 number or SIP URI.
    pub to_uri: String,
    /// Caller id.
    pub from_uri: String,
    /// Inline application document.
    pub application: Option<Value>,
    /// The customer's endpoint that returns the application.
    pub answer_url: Option<String>,
    /// Where status changes are posted.
    pub status_callback: Option<String>,
    /// Seconds to ring before giving up.
    pub timeout_s: i32,
    /// Longest answered duration, seconds.
    pub max_duration_s: i32,
    /// The customer's data.
    pub metadata: Value,
    /// The request's idempotency key.
    pub idempotency_key: Option<String>,
    /// SHA-256 of the creating request's body.
    pub request_hash: Option<Vec<u8>>,
    /// The orchestrator running it.
    pub orchestrator_id: Option<Uuid>,
    /// The media server's Event Socket address.
    pub media_server: Option<String>,
    /// The carrier of the current (or last) attempt.
    pub carrier_id: Option<Uuid>,
    /// The current (or last) attempt's channel uuid.
    pub leg_id: Option<Uuid>,
    /// How many attempts were dialled.
    pub attempts: i32,
    /// The next verb to run.
    pub verb_index: i32,
    /// Whether a hangup was requested through the API.
    pub hangup_requested: bool,
    /// Final hangup cause.
    pub hangup_cause: Option<String>,
    /// Final SIP status.
    pub sip_status: Option<i32>,
    /// Why it failed, in words.
    pub reason: Option<String>,
    /// Answered duration, seconds.
    pub duration_s: Option<i32>,
    /// When the API accepted it.
    pub created_at: OffsetDateTime,
    /// When dialling started.
    pub initiated_at: Option<OffsetDateTime>,
    /// When the far end started ringing.
    pub ringing_at: Option<OffsetDateTime>,
    /// When it was answered.
    pub answered_at: Option<OffsetDateTime>,
    /// When it ended.
    pub ended_at: Option<OffsetDateTime>,
    /// The hosted application its verbs came from.
    pub application_id: Option<Uuid>,
    /// Statuses posted to the status callback (`None`: all).
    pub status_callback_events: Option<Vec<String>>,
}

impl Call {
    /// The status as a type (an unknown name, impossible under the table's check, reads as failed).
    pub fn status(&self) -> CallStatus {
        self.status.parse().unwrap_or(CallStatus::Failed)
    }
}

impl From<Call> for CallView {
    fn from(c: Call) -> Self {
        CallView {
            id: c.id,
            tenant_id: c.tenant_id,
            status: c.status(),
            direction: c.direction,
            to: c.to_uri,
            from: c.from_uri,
            application: c.application,
            answer_url: c.answer_url,
            application_id: c.application_id,
            status_callback: c.status_callback,
            status_callback_events: c.status_callback_events,
            timeout: c.timeout_s,
            max_duration: c.max_duration_s,
            metadata: c.metadata,
            carrier_id: c.carrier_id,
            attempts: c.attempts,
            duration: c.duration_s,
            hangup_cause: c.hangup_cause,
            sip_status: c.sip_status,
            reason: c.reason,
            created_at: c.created_at,
            initiated_at: c.initiated_at,
            ringing_at: c.ringing_at,
            answered_at: c.answered_at,
            ended_at: c.ended_at,
        }
    }
}

const COLUMNS: &str = "id, tenant_id, direction, status, to_uri, from_uri, application, answer_url, status_callback, \
    timeout_s, max_duration_s, metadata, idempotency_key, request_hash, orchestrator_id, media_server, carrier_id, \
    leg_id, attempts, verb_index, hangup_requested, hangup_cause, sip_status, reason, duration_s, created_at, \
    initiated_at, ringing_at, answered_at, ended_at, application_id, status_callback_events";

/// A call to create (status `queued`).
#[derive(Debug, Clone)]
pub struct NewCall {
    /// Identifier.
    pub id: Uuid,
    /// Owner.
    pub tenant_id: Uuid,
    /// Called party.
    pub to_uri: String,
    /// Caller id.
    pub from_uri: String,
    /// Inline application.
    pub application: Option<Value>,
    /// Customer endpoint returning the application.
    pub answer_url: Option<String>,
    /// Status callback URL.
    pub status_callback: Option<String>,
    /// Ring timeout, seconds.
    pub timeout_s: i32,
    /// Longest duration, seconds.
    pub max_duration_s: i32,
    /// Customer data.
    pub metadata: Value,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
    /// Hash of the request body.
    pub request_hash: Option<Vec<u8>>,
    /// The hosted application its verbs (or answer URL) come from.
    pub application_id: Option<Uuid>,
    /// Statuses posted to the status callback (`None`: all).
    pub status_callback_events: Option<Vec<String>>,
}

/// Inserts an outbound call in status `queued`.
pub async fn insert(db: impl PgExecutor<'_>, c: &NewCall) -> Result<Call, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO calls (id, tenant_id, direction, status, to_uri, from_uri, application, answer_url,
             status_callback, timeout_s, max_duration_s, metadata, idempotency_key, request_hash,
             application_id, status_callback_events)
         VALUES ($1, $2, 'outbound', 'queued', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING {COLUMNS}"
    ))
    .bind(c.id)
    .bind(c.tenant_id)
    .bind(&c.to_uri)
    .bind(&c.from_uri)
    .bind(&c.application)
    .bind(&c.answer_url)
    .bind(&c.status_callback)
    .bind(c.timeout_s)
    .bind(c.max_duration_s)
    .bind(&c.metadata)
    .bind(&c.idempotency_key)
    .bind(&c.request_hash)
    .bind(c.application_id)
    .bind(&c.status_callback_events)
    .fetch_one(db)
    .await
}

/// A tenant's call.
pub async fn find(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<Call>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM calls WHERE id = $1 AND tenant_id = $2"
    ))
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(db)
    .await
}

/// Any call, by id (workers).
pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Call>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM calls WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The call a tenant created with this idempotency key.
pub async fn find_by_idempotency_key(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    key: &str,
) -> Result<Option<Call>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM calls WHERE tenant_id = $1 AND idempotency_key = $2"
    ))
    .bind(tenant_id)
    .bind(key)
    .fetch_optional(db)
    .await
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Only this status.
    pub status: Option<String>,
    /// Only this direction.
    pub direction: Option<String>,
    /// Created at or after.
    pub created_after: Option<OffsetDateTime>,
    /// Created before.
    pub created_before: Option<OffsetDateTime>,
}

/// A tenant's calls, newest first, after the cursor.
pub async fn list(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    f: &Filters,
    after: Option<(OffsetDateTime, Uuid)>,
    limit: i64,
) -> Result<Vec<Call>, sqlx::Error> {
    let (ts, id) = after.unzip();
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM calls WHERE tenant_id = $1
           AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR direction = $3)
           AND ($4::timestamptz IS NULL OR created_at >= $4) AND ($5::timestamptz IS NULL OR created_at < $5)
           AND ($6::timestamptz IS NULL OR (created_at, id) < ($6, $7))
         ORDER BY created_at DESC, id DESC LIMIT $8"
    ))
    .bind(tenant_id)
    .bind(&f.status)
    .bind(&f.direction)
    .bind(f.created_after)
    .bind(f.created_before)
    .bind(ts)
    .bind(id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// How many calls through a carrier are live.
pub async fn carrier_live(db: impl PgExecutor<'_>, carrier_id: Uuid) -> Result<i64, sqlx::Error> {
    let (live,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM calls
         WHERE carrier_id = $1 AND status IN ('initiated', 'ringing', 'answered')",
    )
    .bind(carrier_id)
    .fetch_one(db)
    .await?;
    Ok(live)
}

/// Fields written together with a status change.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// The orchestrator now running the call.
    pub orchestrator_id: Option<Uuid>,
    /// Media server.
    pub media_server: Option<String>,
    /// Carrier of this attempt.
    pub carrier_id: Option<Uuid>,
    /// Channel uuid of this attempt.
    pub leg_id: Option<Uuid>,
    /// Attempts so far.
    pub attempts: Option<i32>,
    /// Hangup cause.
    pub hangup_cause: Option<String>,
    /// SIP status.
    pub sip_status: Option<i32>,
    /// Reason in words.
    pub reason: Option<String>,
    /// Answered seconds.
    pub duration_s: Option<i32>,
}

/// Moves a call to `to` if it is in one of `to`'s predecessors, stamping the status's time
/// column and writing `change`; the updated row, or `None` if the call was elsewhere.
pub async fn advance(
    db: impl PgExecutor<'_>,
    id: Uuid,
    to: CallStatus,
    change: &Change,
) -> Result<Option<Call>, sqlx::Error> {
    let stamp = match to {
        CallStatus::Initiated => "initiated_at = now(),",
        CallStatus::Ringing => "ringing_at = now(),",
        CallStatus::Answered => "answered_at = now(),",
        s if s.is_final() => "ended_at = now(),",
        _ => "",
    };
    let from: Vec<&str> = to.predecessors().iter().map(|s| s.as_str()).collect();
    sqlx::query_as(&format!(
        "UPDATE calls SET status = $2, {stamp}
             orchestrator_id = coalesce($4, orchestrator_id), media_server = coalesce($5, media_server),
             carrier_id = coalesce($6, carrier_id), leg_id = coalesce($7, leg_id),
             attempts = coalesce($8, attempts), hangup_cause = coalesce($9, hangup_cause),
             sip_status = coalesce($10, sip_status), reason = coalesce($11, reason),
             duration_s = coalesce($12, duration_s), updated_at = now()
         WHERE id = $1 AND status = ANY($3)
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(to.as_str())
    .bind(&from)
    .bind(change.orchestrator_id)
    .bind(&change.media_server)
    .bind(change.carrier_id)
    .bind(change.leg_id)
    .bind(change.attempts)
    .bind(&change.hangup_cause)
    .bind(change.sip_status)
    .bind(&change.reason)
    .bind(change.duration_s)
    .fetch_optional(db)
    .await
}

/// Records the attempt now being dialled (a later carrier after a crankback).
pub async fn set_attempt(
    db: impl PgExecutor<'_>,
    id: Uuid,
    leg_id: Uuid,
    carrier_id: Option<Uuid>,
    attempts: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE calls SET leg_id = $2, carrier_id = $3, attempts = $4, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(leg_id)
        .bind(carrier_id)
        .bind(attempts)
        .execute(db)
        .await?;
    Ok(())
}

/// Records that verbs before `index` have run (so an adopting orchestrator resumes there).
pub async fn set_verb_index(
    db: impl PgExecutor<'_>,
    id: Uuid,
    index: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE calls SET verb_index = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(index)
        .execute(db)
        .await?;
    Ok(())
}

/// Marks a hangup as requested; a queued call is canceled on the spot. The row after the
/// change, or `None` if the tenant has no such call.
pub async fn request_hangup(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<Call>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE calls SET hangup_requested = true,
             status = CASE WHEN status = 'queued' THEN 'canceled' ELSE status END,
             ended_at = CASE WHEN status = 'queued' THEN now() ELSE ended_at END,
             reason = CASE WHEN status = 'queued' THEN 'canceled before dialling' ELSE reason END,
             updated_at = now()
         WHERE id = $1 AND tenant_id = $2
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(db)
    .await
}

/// Live calls run by an orchestrator that has not been seen for `lease_s` seconds (or by none).
pub async fn orphaned(db: impl PgExecutor<'_>, lease_s: f64) -> Result<Vec<Call>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM calls c
         WHERE status IN ('initiated', 'ringing', 'answered')
           AND NOT EXISTS (SELECT 1 FROM orchestrators o WHERE o.id = c.orchestrator_id
                           AND o.seen_at > now() - make_interval(secs => $1))
         ORDER BY created_at LIMIT 500"
    ))
    .bind(lease_s)
    .fetch_all(db)
    .await
}

/// Takes a call over from `previous` (compare-and-set); whether this orchestrator got it.
pub async fn adopt(
    db: impl PgExecutor<'_>,
    id: Uuid,
    previous: Option<Uuid>,
    orchestrator_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE calls SET orchestrator_id = $3, updated_at = now()
         WHERE id = $1 AND orchestrator_id IS NOT DISTINCT FROM $2
           AND status IN ('initiated', 'ringing', 'answered')",
    )
    .bind(id)
    .bind(previous)
    .bind(orchestrator_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records why a call went wrong (kept if a reason is already there).
pub async fn note_reason(
    db: impl PgExecutor<'_>,
    id: Uuid,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE calls SET reason = coalesce(reason, $2), updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(reason)
        .execute(db)
        .await?;
    Ok(())
}

/// What the CDR of a leg says about its end: billed seconds, hangup cause, SIP status, and
/// whether it was answered (`None` if no CDR was written for it).
pub async fn leg_outcome(
    db: impl PgExecutor<'_>,
    leg_id: Uuid,
) -> Result<Option<(i32, String, Option<i32>, bool)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT billsec, hangup_cause, sip_status, answered_at IS NOT NULL FROM cdr WHERE leg_id = $1 LIMIT 1",
    )
    .bind(leg_id.to_string())
    .fetch_optional(db)
    .await
}
