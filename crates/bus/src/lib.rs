//! The durable hand-offs of the call pipeline, on NATS JetStream: stream and subject names,
//! the typed messages, and publishing that waits for JetStream's acknowledgement.
//!
//! Four streams (names carry an optional namespace so that tests and several deployments can
//! share one NATS):
//!
//! | stream | subjects | what | retention |
//! |---|---|---|---|
//! | `CALLS` | `calls.requests` | call requests, one per `POST /v1/calls` (message id = call id) | work queue |
//! | `CDRS` | `cdrs.legs` | every `CHANNEL_HANGUP_COMPLETE` seen (message id = leg uuid) | work queue |
//! | `EVENTS` | `events.<tenant>.<type>` | `call.*` and `cdr.created`, for consumers | 7 days |
//! | `WEBHOOKS` | `webhooks.<tenant>.<type>` | the `call.*` events of calls with a status callback, for the webhook worker | 3 days |
//!
//! Every publish carries a `Nats-Msg-Id`, so a retried publish (or two processes capturing
//! the same hangup) is stored once within the stream's duplicate window.

mod messages;
mod names;

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;

pub use messages::{CallControl, CallRequest, ControlAction, Envelope, LegRecord};
pub use names::Names;

/// What can go wrong talking to JetStream.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The stream could not be created or read.
    #[error("JetStream stream {stream}: {message}")]
    Stream {
        /// Which stream.
        stream: String,
        /// What failed.
        message: String,
    },
    /// A publish was not acknowledged.
    #[error("JetStream did not store the message on {subject}: {message}")]
    Publish {
        /// Where it went.
        subject: String,
        /// What failed.
        message: String,
    },
    /// A consumer could not be created.
    #[error("JetStream consumer {name}: {message}")]
    Consumer {
        /// Which consumer.
        name: String,
        /// What failed.
        message: String,
    },
}

/// A handle on the streams; cheap to clone.
#[derive(Clone)]
pub struct Bus {
    /// The NATS connection (core subjects such as call control).
    pub nats: async_nats::Client,
    /// JetStream on it.
    pub js: jetstream::Context,
    /// Stream and subject names.
    pub names: Names,
}

impl Bus {
    /// Wraps a NATS connection; call [`Bus::ensure_streams`] once before use.
    pub fn new(nats: async_nats::Client, namespace: &str) -> Bus {
        let js = jetstream::new(nats.clone());
        Bus {
            nats,
            js,
            names: Names::new(namespace),
        }
    }

    /// Creates the streams if they do not exist (idempotent; safe from many processes).
    pub async fn ensure_streams(&self) -> Result<(), BusError> {
        let n = &self.names;
        let configs = [
            stream::Config {
                name: n.calls_stream.clone(),
                subjects: vec![n.call_requests.clone()],
                retention: stream::RetentionPolicy::WorkQueue,
                duplicate_window: Duration::from_secs(600),
                max_age: Duration::from_secs(7 * 86_400),
                ..Default::default()
            },
            stream::Config {
                name: n.cdrs_stream.clone(),
                subjects: vec![n.cdr_legs.clone()],
                retention: stream::RetentionPolicy::WorkQueue,
                duplicate_window: Duration::from_secs(600),
                max_age: Duration::from_secs(30 * 86_400),
                ..Default::default()
            },
            stream::Config {
                name: n.events_stream.clone(),
                subjects: vec![format!("{}.>", n.events_prefix)],
                retention: stream::RetentionPolicy::Limits,
                duplicate_window: Duration::from_secs(600),
                max_age: Duration::from_secs(7 * 86_400),
                ..Default::default()
            },
            // Retries of a callback span about 28 hours.
            stream::Config {
                name: n.webhooks_stream.clone(),
                subjects: vec![format!("{}.>", n.webhooks_prefix)],
                retention: stream::RetentionPolicy::WorkQueue,
                duplicate_window: Duration::from_secs(600),
                max_age: Duration::from_secs(3 * 86_400),
                ..Default::default()
            },
        ];
        for config in configs {
            let name = config.name.clone();
            self.js
                .get_or_create_stream(config)
                .await
                .map_err(|e| BusError::Stream {
                    stream: name,
                    message: e.to_string(),
                })?;
        }
        Ok(())
    }

    /// Publishes `payload` on `subject` with message id `id` and waits until JetStream has
    /// stored it (or recognised it as a duplicate).
    pub async fn publish(&self, subject: String, id: &str, payload: Bytes) -> Result<(), BusError> {
        let fail = |subject: &str, e: &dyn std::fmt::Display| BusError::Publish {
            subject: subject.to_owned(),
            message: e.to_string(),
        };
        let ack = self
            .js
            .send_publish(
                subject.clone(),
                jetstream::context::Publish::build()
                    .message_id(id)
                    .payload(payload),
            )
            .await
            .map_err(|e| fail(&subject, &e))?;
        ack.await.map_err(|e| fail(&subject, &e))?;
        Ok(())
    }

    /// Stores a call request in `CALLS`.
    pub async fn publish_call_request(&self, req: &CallRequest) -> Result<(), BusError> {
        self.publish(
            self.names.call_requests.clone(),
            &req.call_id.to_string(),
            json(req),
        )
        .await
    }

    /// Stores a leg's hangup record in `CDRS`.
    pub async fn publish_leg(&self, leg: &LegRecord) -> Result<(), BusError> {
        self.publish(self.names.cdr_legs.clone(), &leg.leg_id, json(leg))
            .await
    }

    /// Stores an event in `EVENTS` under its tenant (message id = the event's id), and, when
    /// it is a call's status and the call has a status callback, in `WEBHOOKS` too (so the
    /// webhook worker reads only what it must deliver). Publishing again is harmless: both
    /// streams drop the duplicate.
    pub async fn publish_event(&self, event: &Envelope) -> Result<(), BusError> {
        let tenant = event
            .tenant_id
            .map_or_else(|| "platform".to_owned(), |t| t.to_string());
        let payload = json(event);
        self.publish(
            self.names.event_subject(&tenant, &event.kind),
            &event.id,
            payload.clone(),
        )
        .await?;
        if event.wants_callback() {
            self.publish(
                self.names.webhook_subject(&tenant, &event.kind),
                &event.id,
                payload,
            )
            .await?;
        }
        Ok(())
    }

    /// Sends a control message (hangup) to whichever orchestrator takes it (core NATS, queue
    /// group: exactly one orchestrator acts on it). Returns once NATS has it.
    pub async fn send_control(&self, msg: &CallControl) -> Result<(), BusError> {
        let subject = self.names.call_control.clone();
        self.nats
            .publish(subject.clone(), json(msg))
            .await
            .map_err(|e| BusError::Publish {
                subject: subject.clone(),
                message: e.to_string(),
            })?;
        self.nats.flush().await.map_err(|e| BusError::Publish {
            subject,
            message: e.to_string(),
        })
    }

    /// A durable pull consumer (queue semantics: every process using the same `name` shares
    /// the work) on `stream`, redelivering after `ack_wait` what was not acknowledged.
    pub async fn durable_consumer(
        &self,
        stream: &str,
        name: &str,
        ack_wait: Duration,
    ) -> Result<consumer::PullConsumer, BusError> {
        let fail = |e: &dyn std::fmt::Display| BusError::Consumer {
            name: name.to_owned(),
            message: e.to_string(),
        };
        let s = self.js.get_stream(stream).await.map_err(|e| fail(&e))?;
        s.get_or_create_consumer(
            name,
            consumer::pull::Config {
                durable_name: Some(name.to_owned()),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait,
                max_ack_pending: 10_000,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| fail(&e))
    }

    /// The durable pull consumer `name` of `WEBHOOKS` (the webhook workers share it).
    pub async fn webhooks_consumer(
        &self,
        name: &str,
        ack_wait: Duration,
    ) -> Result<consumer::PullConsumer, BusError> {
        self.durable_consumer(&self.names.webhooks_stream, name, ack_wait)
            .await
    }
}

fn json<T: serde::Serialize>(value: &T) -> Bytes {
    // Our message types always serialise (plain structs of strings, numbers and JSON values).
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}
