//! Least-cost routing: which carriers may take a call to a number, in which order, and which
//! failures move on to the next one (crankback).
//!
//! A carrier can route a number when one of its rate-deck prefixes matches it (the longest
//! match gives the rate). Candidates are ordered: the tenant's own carriers first (bring your
//! own carrier), then by longest matching prefix, then lowest cost, then priority (lower is
//! preferred), then name.

use std::cmp::Ordering;

/// One rate-deck entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rate {
    /// Destination prefix, digits only (empty matches everything).
    pub prefix: String,
    /// Cost per minute in millionths of the currency unit.
    pub cost_micros: i64,
    /// First billing increment, seconds (60 for 60/60, 1 for 1/1).
    pub increment_first: u32,
    /// Following increments, seconds.
    pub increment_next: u32,
}

/// A carrier as routing sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<Id> {
    /// The carrier's identifier.
    pub id: Id,
    /// Its name (last tie-breaker, for stable orders).
    pub name: String,
    /// Whether the calling tenant owns it (BYOC carriers are tried first).
    pub tenant_owned: bool,
    /// Lower is preferred among equal prefix and cost.
    pub priority: i32,
    /// Disabled carriers never route.
    pub enabled: bool,
    /// Its rate deck.
    pub rates: Vec<Rate>,
}

/// A carrier chosen for a number, with the rate that applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice<Id> {
    /// The carrier.
    pub id: Id,
    /// The matching rate.
    pub rate: Rate,
    /// Whether the tenant owns the carrier.
    pub tenant_owned: bool,
}

/// The digits of an E.164 number (`+15551234567` → `15551234567`).
pub fn digits(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

/// The longest prefix of `rates` matching `number` (digits).
pub fn best_rate<'a>(rates: &'a [Rate], number: &str) -> Option<&'a Rate> {
    rates
        .iter()
        .filter(|r| number.starts_with(&r.prefix))
        .max_by_key(|r| r.prefix.len())
}

/// Orders the carriers that can route `number` (E.164 or digits).
pub fn rank<Id: Clone>(number: &str, carriers: &[Candidate<Id>]) -> Vec<Choice<Id>> {
    let n = digits(number);
    let mut options: Vec<(&Candidate<Id>, &Rate)> = carriers
        .iter()
        .filter(|c| c.enabled)
        .filter_map(|c| best_rate(&c.rates, &n).map(|r| (c, r)))
        .collect();
    options.sort_by(|(a, ra), (b, rb)| {
        b.tenant_owned
            .cmp(&a.tenant_owned)
            .then(rb.prefix.len().cmp(&ra.prefix.len()))
            .then(ra.cost_micros.cmp(&rb.cost_micros))
            .then(a.priority.cmp(&b.priority))
            .then_with(|| a.name.cmp(&b.name))
            .then(Ordering::Equal)
    });
    options
        .into_iter()
        .map(|(c, r)| Choice {
            id: c.id.clone(),
            rate: r.clone(),
            tenant_owned: c.tenant_owned,
        })
        .collect()
}

/// Whether a final SIP status from a carrier ends the attempt (the callee's answer: busy,
/// declined, no answer, not found) rather than moving to the next carrier (the carrier's
/// failure: 5xx, timeouts, 403/407 from a trunk misconfiguration).
pub fn is_final(status: u16) -> bool {
    matches!(
        status,
        200..=299 | 404 | 480 | 484 | 486 | 487 | 600 | 603 | 604 | 408
    )
}

/// The billed duration for a call of `seconds` under `rate` (e.g. 60/60 rounds up to whole
/// minutes; 1/1 bills each second; 0 s is free).
pub fn billed_seconds(seconds: u64, rate: &Rate) -> u64 {
    if seconds == 0 {
        return 0;
    }
    let first = u64::from(rate.increment_first.max(1));
    let next = u64::from(rate.increment_next.max(1));
    if seconds <= first {
        return first;
    }
    first + (seconds - first).div_ceil(next) * next
}

/// The cost of a call of `seconds` under `rate`, in millionths.
pub fn cost_micros(seconds: u64, rate: &Rate) -> i64 {
    let billed = billed_seconds(seconds, rate) as i128;
    ((billed * i128::from(rate.cost_micros)) / 60) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(prefix: &str, cost: i64) -> Rate {
        Rate {
            prefix: prefix.into(),
            cost_micros: cost,
            increment_first: 60,
            increment_next: 60,
        }
    }

    fn carrier(id: u32, owned: bool, priority: i32, rates: Vec<Rate>) -> Candidate<u32> {
        Candidate {
            id,
            name: format!("c{id}"),
            tenant_owned: owned,
            priority,
            enabled: true,
            rates,
        }
    }

    #[test]
    fn longest_prefix_then_cost_then_priority() {
        let carriers = vec![
            carrier(1, false, 10, vec![rate("1", 9_000)]),
            carrier(2, false, 10, vec![rate("1555", 12_000)]),
            carrier(3, false, 5, vec![rate("1555", 8_000)]),
            carrier(4, false, 1, vec![rate("1555", 8_000)]),
            carrier(5, false, 1, vec![rate("44", 1_000)]),
        ];
        let order: Vec<u32> = rank("+1 555 123 4567", &carriers)
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(
            order,
            [4, 3, 2, 1],
            "1555 beats 1; cheaper first; priority breaks cost ties; 44 cannot route"
        );
        assert!(rank("+33123", &carriers).is_empty());
    }

    #[test]
    fn own_carriers_first_and_disabled_never() {
        let mut carriers = vec![
            carrier(1, false, 1, vec![rate("1555", 1)]),
            carrier(2, true, 9, vec![rate("", 50_000)]),
        ];
        assert_eq!(rank("15551234567", &carriers)[0].id, 2);
        carriers[1].enabled = false;
        assert_eq!(
            rank("15551234567", &carriers)
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>(),
            [1]
        );
    }

    #[test]
    fn crankback_and_billing() {
        for s in [503, 500, 502, 403, 407] {
            assert!(!is_final(s), "{s} tries the next carrier");
        }
        for s in [486, 603, 480, 408, 404, 200] {
            assert!(is_final(s), "{s} is the callee's answer");
        }
        let r60 = rate("1", 10_000);
        assert_eq!(billed_seconds(0, &r60), 0);
        assert_eq!(billed_seconds(1, &r60), 60);
        assert_eq!(billed_seconds(61, &r60), 120);
        let r1 = Rate {
            increment_first: 1,
            increment_next: 1,
            ..rate("1", 60_000)
        };
        assert_eq!(billed_seconds(61, &r1), 61);
        assert_eq!(cost_micros(61, &r1), 61_000);
        assert_eq!(cost_micros(61, &r60), 20_000);
        let r306 = Rate {
            increment_first: 30,
            increment_next: 6,
            ..rate("1", 60_000)
        };
        assert_eq!(billed_seconds(31, &r306), 36);
    }
}
