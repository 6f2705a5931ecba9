//! End-to-end tests of the call pipeline with the real binary, PostgreSQL, NATS JetStream,
//! Redis, the embedded switch and sipp as the carrier: Calls API → JetStream → orchestrator →
//! media server → status and events; CDRs; routing, crankback, limits, idempotency, recovery.

mod applications;
mod cdrs;
mod pipeline;
mod platform;
mod routing;
mod safety;
mod tenants;
mod tls;
mod webhooks;
