//! Tenants' price lists and call limits through the API: set by the platform administrator
//! (the first account of a fresh install), read by the tenant's own administrators, invisible
//! to other tenants, validated field by field — and the price list actually prices the CDRs.

use serde_json::{Value, json};

use crate::platform::{Platform, peer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prices_and_limits_are_managed_by_the_platform_and_price_the_cdrs() {
    let p = Platform::up("prices").await;
    let tenant = p.tenant_id.clone();

    // The platform administrator sets the price list and the limits.
    let prices = json!({"prices": [
        {"prefix": "1", "price_per_min": 1.2, "increment": "1/1"},
        {"prefix": "44", "price_per_min": 0.5}
    ]});
    let (s, body) = p.put(&format!("/v1/tenants/{tenant}/prices"), prices).await;
    assert_eq!(s, 200, "{body}");
    let (s, list) = p.get(&format!("/v1/tenants/{tenant}/prices")).await;
    assert_eq!(s, 200);
    assert_eq!(
        list["prices"][0],
        json!({"prefix": "1", "price_per_min": 1.2, "increment": "1/1"}),
        "{list}"
    );
    assert_eq!(
        list["prices"][1]["increment"], "60/60",
        "default increments: {list}"
    );
    let (s, limits) = p
        .put(
            &format!("/v1/tenants/{tenant}/limits"),
            json!({"max_concurrent_calls": 7}),
        )
        .await;
    assert_eq!(s, 200, "{limits}");
    let (_, limits) = p.get(&format!("/v1/tenants/{tenant}/limits")).await;
    assert_eq!(limits["max_concurrent_calls"], 7);
    assert_eq!(limits["calls_per_second"], Value::Null);
    assert_eq!(limits["effective_max_concurrent_calls"], 7);
    assert!(
        limits["effective_calls_per_second"].as_u64().unwrap() > 0,
        "{limits}"
    );

    // Bad lists name their fields.
    let bad = json!({"prices": [
        {"prefix": "1x", "price_per_min": 1.0},
        {"prefix": "2", "price_per_min": -1.0},
        {"prefix": "3", "price_per_min": 1.0, "increment": "0/0"},
        {"prefix": "3", "price_per_min": 1.0}
    ]});
    let (s, problem) = p.put(&format!("/v1/tenants/{tenant}/prices"), bad).await;
    assert_eq!(s, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "prices[0].prefix",
            "prices[1].price_per_min",
            "prices[2].increment",
            "prices[3].prefix"
        ],
        "{problem}"
    );
    let (s, problem) = p
        .put(
            &format!("/v1/tenants/{tenant}/limits"),
            json!({"max_concurrent_calls": 0}),
        )
        .await;
    assert_eq!(s, 422, "{problem}");
    let (s, _) = p
        .put(
            "/v1/tenants/00000000-0000-4000-8000-000000000000/prices",
            json!({"prices": []}),
        )
        .await;
    assert_eq!(s, 404, "no such tenant");

    // Another tenant's owner: reads only its own, writes nothing, never sees the first.
    let (token, theirs) = p.register_other("owner2").await;
    let (token, theirs) = (token.as_str(), theirs.as_str());
    let (s, own) = p
        .send_as(
            token,
            reqwest::Method::GET,
            &format!("/v1/tenants/{theirs}/prices"),
            Value::Null,
        )
        .await;
    assert_eq!((s, own["prices"].clone()), (200, json!([])), "{own}");
    let (s, _) = p
        .send_as(
            token,
            reqwest::Method::PUT,
            &format!("/v1/tenants/{theirs}/limits"),
            json!({"max_concurrent_calls": 1000}),
        )
        .await;
    assert_eq!(s, 403, "a tenant cannot raise its own limits");
    let (s, _) = p
        .send_as(
            token,
            reqwest::Method::GET,
            &format!("/v1/tenants/{tenant}/prices"),
            Value::Null,
        )
        .await;
    assert_eq!(s, 404, "another tenant's price list does not exist for it");
    let (s, _) = p
        .send_as(
            token,
            reqwest::Method::PUT,
            &format!("/v1/tenants/{tenant}/prices"),
            json!({"prices": []}),
        )
        .await;
    assert_eq!(s, 404);

    // A call is priced from the list (1.20/min at 1/1) and costed from the carrier's deck.
    let (port, _uas) = peer("uas");
    p.carrier("sipp", port, "1", 0.6).await;
    let id = p
        .call(json!({"to": "+15551234567", "from": "+15550001111",
                     "application": [{"verb": "pause", "length": 2}, {"verb": "hangup"}]}))
        .await;
    p.wait_status(&id, &["completed"], 30).await;
    p.wait_events(&id, "cdr.created", 20).await;
    let (_, cdrs) = p.get(&format!("/v1/cdrs?call_id={id}")).await;
    let cdr = &cdrs["data"][0];
    let billsec = cdr["billsec"].as_i64().unwrap();
    assert!(billsec >= 2, "{cdr}");
    assert_eq!(cdr["price_micros"], billsec * 1_200_000 / 60, "{cdr}");
    assert_eq!(cdr["cost_micros"], billsec * 600_000 / 60, "{cdr}");
}
