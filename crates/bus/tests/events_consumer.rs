//! A new consumer of `EVENTS` starts at the time it is given, not at the stream's beginning
//! (real NATS JetStream on 127.0.0.1:4222, a namespace of its own, deleted at the end).

use std::time::Duration;

use futures::StreamExt;
use irisx_bus::{Bus, Envelope};

fn event(kind: &str, id: &str) -> Envelope {
    Envelope {
        id: format!("{kind}:{id}"),
        kind: kind.to_owned(),
        tenant_id: Some(uuid::Uuid::new_v4()),
        occurred_at: time::OffsetDateTime::now_utc(),
        data: serde_json::json!({"id": id}),
    }
}

#[tokio::test]
async fn a_new_events_consumer_skips_older_events_and_other_kinds() {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let nats = async_nats::connect(url).await.expect("NATS is running");
    let ns = format!("IRISX_T_BUS_{}", uuid::Uuid::new_v4().simple());
    let bus = Bus::new(nats.clone(), &ns);
    bus.ensure_streams().await.unwrap();

    bus.publish_event(&event("call.completed", "old"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let since = time::OffsetDateTime::now_utc() - time::Duration::milliseconds(500);
    let consumer = bus
        .events_consumer("test", "call.*", Duration::from_secs(30), since)
        .await
        .unwrap();
    bus.publish_event(&event("cdr.created", "other-kind"))
        .await
        .unwrap();
    bus.publish_event(&event("call.ringing", "new"))
        .await
        .unwrap();

    let mut messages = consumer.messages().await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), messages.next())
        .await
        .expect("an event")
        .unwrap()
        .unwrap();
    let got: Envelope = serde_json::from_slice(&first.payload).unwrap();
    assert_eq!(got.id, "call.ringing:new");
    first.ack().await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(500), messages.next())
            .await
            .is_err(),
        "nothing else"
    );

    let js = async_nats::jetstream::new(nats);
    for stream in [
        &bus.names.calls_stream,
        &bus.names.cdrs_stream,
        &bus.names.events_stream,
    ] {
        let _ = js.delete_stream(stream).await;
    }
}
