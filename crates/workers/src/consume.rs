//! Reading a durable JetStream consumer one message at a time, for as long as the worker
//! runs: the message stream is reopened when it cannot be had (NATS restarting), and a
//! message that arrives broken is logged and skipped (JetStream redelivers it).

use std::time::Duration;

use async_nats::jetstream::Message;
use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::consumer::pull::Stream;
use futures::StreamExt;

/// The messages of one consumer.
pub struct Messages {
    consumer: PullConsumer,
    what: &'static str,
    stream: Option<Stream>,
}

impl Messages {
    /// Messages of `consumer`; `what` names them in logs ("call requests").
    pub fn new(consumer: PullConsumer, what: &'static str) -> Messages {
        Messages {
            consumer,
            what,
            stream: None,
        }
    }

    /// The next message, waiting as long as it takes.
    pub async fn next(&mut self) -> Message {
        loop {
            let stream = match &mut self.stream {
                Some(s) => s,
                None => match self.consumer.messages().await {
                    Ok(s) => self.stream.insert(s),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read {}; retrying", self.what);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                },
            };
            match stream.next().await {
                Some(Ok(msg)) => return msg,
                Some(Err(e)) => tracing::warn!(error = %e, "stream of {}", self.what),
                None => self.stream = None,
            }
        }
    }
}
