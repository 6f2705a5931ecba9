//! The call detail record as the API shows it and as `cdr.created` events carry it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// One call leg's record: who, when, how long, how it ended, what it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CdrView {
    /// The leg's channel uuid on its media server.
    pub leg_id: String,
    /// The call it belongs to (`null` for a leg IRISX did not place).
    pub call_id: Option<Uuid>,
    /// The tenant.
    pub tenant_id: Option<Uuid>,
    /// `outbound` or `inbound`.
    pub direction: String,
    /// Caller.
    pub from: String,
    /// Called party.
    pub to: String,
    /// The carrier that carried it (`null`: a direct SIP call).
    pub carrier_id: Option<Uuid>,
    /// When the leg was created.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When it was answered.
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    /// When it ended.
    #[serde(with = "time::serde::rfc3339")]
    pub ended_at: OffsetDateTime,
    /// Seconds from creation to end.
    pub duration: i32,
    /// Seconds from answer to end (what is billed).
    pub billsec: i32,
    /// FreeSWITCH hangup cause (`NORMAL_CLEARING`, `USER_BUSY`, `NO_ANSWER`, …).
    pub hangup_cause: String,
    /// Final SIP status.
    pub sip_status: Option<i32>,
    /// The carrier's cost in millionths of the currency unit, rated from its rate deck.
    pub cost_micros: Option<i64>,
    /// The tenant's price in millionths, rated from the tenant's price list.
    pub price_micros: Option<i64>,
    /// The media server's Event Socket address.
    pub media_server: String,
}
