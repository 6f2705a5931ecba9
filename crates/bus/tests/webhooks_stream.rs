//! Call statuses with a status callback are stored in `WEBHOOKS` as well as `EVENTS`; other
//! events only in `EVENTS` (real NATS JetStream on 127.0.0.1:4222, a namespace of its own,
//! deleted at the end).

use std::time::Duration;

use futures::StreamExt;
use irisx_bus::{Bus, Envelope};

fn event(kind: &str, id: &str, callback: Option<&str>) -> Envelope {
    Envelope {
        id: format!("{kind}:{id}"),
        kind: kind.to_owned(),
        tenant_id: Some(uuid::Uuid::new_v4()),
        occurred_at: time::OffsetDateTime::now_utc(),
        data: serde_json::json!({"id": id, "status_callback": callback}),
    }
}

#[tokio::test]
async fn only_call_statuses_with_a_callback_reach_the_webhook_stream() {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let nats = async_nats::connect(url).await.expect("NATS is running");
    let ns = format!("IRISX_T_BUS_{}", uuid::Uuid::new_v4().simple());
    let bus = Bus::new(nats.clone(), &ns);
    bus.ensure_streams().await.unwrap();

    let hooked = event("call.ringing", "with", Some("https://hooks.example/x"));
    bus.publish_event(&event("call.ringing", "without", None))
        .await
        .unwrap();
    bus.publish_event(&event(
        "cdr.created",
        "cdr",
        Some("https://hooks.example/x"),
    ))
    .await
    .unwrap();
    bus.publish_event(&hooked).await.unwrap();
    bus.publish_event(&hooked).await.unwrap(); // a retried publish is stored once

    let js = async_nats::jetstream::new(nats);
    let mut events = js.get_stream(&bus.names.events_stream).await.unwrap();
    assert_eq!(events.info().await.unwrap().state.messages, 3);
    let consumer = bus
        .webhooks_consumer("test", Duration::from_secs(30))
        .await
        .unwrap();
    let mut messages = consumer.messages().await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), messages.next())
        .await
        .expect("a callback")
        .unwrap()
        .unwrap();
    let got: Envelope = serde_json::from_slice(&first.payload).unwrap();
    assert_eq!(got.id, "call.ringing:with");
    first.ack().await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(500), messages.next())
            .await
            .is_err(),
        "nothing else"
    );

    for stream in [
        &bus.names.calls_stream,
        &bus.names.cdrs_stream,
        &bus.names.events_stream,
        &bus.names.webhooks_stream,
    ] {
        let _ = js.delete_stream(stream).await;
    }
}
