//! A minimal call controller for benchmarks: answers every parked inbound call on the switch
//! and plays a file to it, over the Event Socket (as the orchestrator would).
//! Usage: bench_controller <esl port> <file to play>

use freeswitch_esl_tokio::{EslClient, EventFormat, HeaderLookup};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .ok_or("usage: bench_controller <esl port> <file>")?
        .parse()?;
    let file = args
        .next()
        .ok_or("usage: bench_controller <esl port> <file>")?;
    let (client, mut events) = EslClient::connect("127.0.0.1", port, "ClueCon").await?;
    client
        .subscribe_events_raw(EventFormat::Plain, "CHANNEL_PARK")
        .await?;
    let client = std::sync::Arc::new(client);
    while let Some(Ok(event)) = events.recv().await {
        let Some(uuid) = event.unique_id().map(str::to_owned) else {
            continue;
        };
        let (c, f) = (client.clone(), file.clone());
        tokio::spawn(async move {
            let _ = c.execute("answer", None, Some(&uuid)).await;
            let _ = c.execute("playback", Some(&f), Some(&uuid)).await;
        });
    }
    Ok(())
}
