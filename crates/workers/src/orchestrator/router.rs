//! Where a call is sent: a SIP URI goes straight to that URI; a phone number goes through the
//! carriers least-cost routing ranks for it (the tenant's own first, then longest prefix,
//! cost, priority), skipping carriers at their concurrent-call limit. Calls-per-second limits
//! are applied when each attempt is dialled (see `call.rs`), since only the first attempt is
//! dialled now.
//! Each attempt is an endpoint in FreeSWITCH's dial-string syntax plus the channel variables
//! that carry credentials, caller id, timeouts and what the CDR needs to rate the leg.

use irisx_core::lcr::{self, Candidate, Rate};
use irisx_store::calls::Call;
use irisx_store::carriers::{self, Carrier};
use irisx_store::prices;
use sqlx::PgPool;
use uuid::Uuid;

/// One way to reach the callee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The carrier (`None` for a direct SIP URI).
    pub carrier_id: Option<Uuid>,
    /// The carrier's name, for logs and reasons.
    pub carrier_name: String,
    /// Dial-string endpoint, e.g. `sofia/external/15551234567@carrier.example:5060`.
    pub endpoint: String,
    /// Channel variables for this attempt.
    pub vars: Vec<(String, String)>,
    /// The carrier's calls-per-second limit, if it has one.
    pub cps_limit: Option<i32>,
}

/// Why there is nowhere to send a call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoRoute {
    /// No enabled carrier has a rate for the number.
    #[error("no carrier routes {0}")]
    NoCarrier(String),
    /// Carriers exist, but every one is at its limit.
    #[error("every carrier that routes {0} is at its call limit")]
    AllBusy(String),
}

/// The attempts for `call`, in order.
pub async fn plan(
    db: &PgPool,
    key: &[u8; 32],
    call: &Call,
) -> anyhow::Result<Result<Vec<Attempt>, NoRoute>> {
    let base = base_vars(call);
    if call.to_uri.to_ascii_lowercase().starts_with("sip") {
        return Ok(Ok(vec![Attempt {
            carrier_id: None,
            carrier_name: "direct".into(),
            endpoint: sip_endpoint(&call.to_uri),
            vars: base,
            cps_limit: None,
        }]));
    }
    let digits = lcr::digits(&call.to_uri);
    let routes = carriers::routes(db, call.tenant_id, &digits).await?;
    if routes.is_empty() {
        return Ok(Err(NoRoute::NoCarrier(call.to_uri.clone())));
    }
    let candidates: Vec<Candidate<Uuid>> = routes
        .iter()
        .map(|r| Candidate {
            id: r.carrier.id,
            name: r.carrier.name.clone(),
            tenant_owned: r.carrier.tenant_id.is_some(),
            priority: r.carrier.priority,
            enabled: r.carrier.enabled,
            rates: vec![rate_of(&r.rate)],
        })
        .collect();
    let price = prices::best(db, call.tenant_id, &digits).await?;
    let mut attempts = Vec::new();
    for choice in lcr::rank(&digits, &candidates) {
        let Some(route) = routes.iter().find(|r| r.carrier.id == choice.id) else {
            continue;
        };
        let c = &route.carrier;
        if at_limit(db, c).await? {
            tracing::info!(carrier = %c.name, "carrier at its limit; skipped");
            continue;
        }
        let mut vars = base.clone();
        vars.push(("irisx_carrier_id".into(), c.id.to_string()));
        vars.push((
            "irisx_cost_micros".into(),
            choice.rate.cost_micros.to_string(),
        ));
        vars.push((
            "irisx_cost_increments".into(),
            format!(
                "{}/{}",
                choice.rate.increment_first, choice.rate.increment_next
            ),
        ));
        if let Some(p) = &price {
            vars.push(("irisx_price_micros".into(), p.price_micros.to_string()));
            vars.push((
                "irisx_price_increments".into(),
                format!("{}/{}", p.increment_first, p.increment_next),
            ));
        }
        if let Some(user) = &c.username {
            vars.push(("sip_auth_username".into(), user.clone()));
            if let Some(pw) = c
                .password_enc
                .as_deref()
                .and_then(|enc| irisx_core::secrets::open(key, enc))
            {
                vars.push(("sip_auth_password".into(), pw));
            }
        }
        attempts.push(Attempt {
            carrier_id: Some(c.id),
            carrier_name: c.name.clone(),
            endpoint: carrier_endpoint(c, &digits),
            vars,
            cps_limit: c.cps_limit,
        });
    }
    if attempts.is_empty() {
        return Ok(Err(NoRoute::AllBusy(call.to_uri.clone())));
    }
    Ok(Ok(attempts))
}

fn rate_of(r: &carriers::RateRow) -> Rate {
    Rate {
        prefix: r.prefix.clone(),
        cost_micros: r.cost_micros,
        increment_first: r.increment_first.max(1) as u32,
        increment_next: r.increment_next.max(1) as u32,
    }
}

async fn at_limit(db: &PgPool, c: &Carrier) -> anyhow::Result<bool> {
    let Some(max) = c.max_concurrent else {
        return Ok(false);
    };
    let live = irisx_store::calls::carrier_live(db, c.id).await?;
    Ok(live >= i64::from(max))
}

/// Variables every attempt carries.
fn base_vars(call: &Call) -> Vec<(String, String)> {
    let caller = call
        .from_uri
        .strip_prefix("sip:")
        .or_else(|| call.from_uri.strip_prefix("sips:"))
        .map(|u| u.split('@').next().unwrap_or(u).to_owned())
        .unwrap_or_else(|| call.from_uri.clone());
    vec![
        ("irisx_call_id".into(), call.id.to_string()),
        ("irisx_tenant_id".into(), call.tenant_id.to_string()),
        ("irisx_direction".into(), "outbound".into()),
        ("irisx_to".into(), call.to_uri.clone()),
        ("irisx_from".into(), call.from_uri.clone()),
        ("origination_caller_id_number".into(), caller.clone()),
        ("origination_caller_id_name".into(), caller),
        ("call_timeout".into(), call.timeout_s.to_string()),
    ]
}

/// `sip:alice@host:5070;transport=tcp` → `sofia/external/alice@host:5070;transport=tcp`
/// (`sips:` asks for TLS).
pub fn sip_endpoint(uri: &str) -> String {
    let lower = uri.to_ascii_lowercase();
    if lower.starts_with("sips:") {
        let rest = &uri[5..];
        if lower.contains("transport=") {
            format!("sofia/external/{rest}")
        } else {
            format!("sofia/external/{rest};transport=tls")
        }
    } else {
        format!("sofia/external/{}", uri.get(4..).unwrap_or_default())
    }
}

/// The number as the carrier wants it (leading digits stripped, prefix prepended) at the
/// carrier's host, port and transport.
pub fn carrier_endpoint(c: &Carrier, digits: &str) -> String {
    let strip = (c.strip_digits.max(0) as usize).min(digits.len());
    let number = format!("{}{}", c.prepend, &digits[strip..]);
    let transport = match c.transport.as_str() {
        "tcp" => ";transport=tcp",
        "tls" => ";transport=tls",
        _ => "",
    };
    format!("sofia/external/{number}@{}:{}{transport}", c.host, c.port)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carrier() -> Carrier {
        Carrier {
            id: Uuid::nil(),
            tenant_id: None,
            name: "c".into(),
            host: "10.0.0.1".into(),
            port: 5070,
            transport: "tcp".into(),
            username: None,
            password_enc: None,
            strip_digits: 1,
            prepend: "99#".into(),
            max_concurrent: None,
            cps_limit: None,
            priority: 1,
            enabled: true,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            carrier_endpoint(&carrier(), "15551234567"),
            "sofia/external/99#5551234567@10.0.0.1:5070;transport=tcp"
        );
        assert_eq!(
            sip_endpoint("sip:alice@127.0.0.1:5080"),
            "sofia/external/alice@127.0.0.1:5080"
        );
        assert_eq!(
            sip_endpoint("sips:bob@example.com"),
            "sofia/external/bob@example.com;transport=tls"
        );
    }
}
