//! The IRISX background workers.
//!
//! - [`orchestrator`]: takes call requests from JetStream, routes them (least-cost routing
//!   over carriers), dials through a media server over ESL, follows the call and runs its
//!   application, and keeps the call's status in PostgreSQL and on `EVENTS`.
//! - [`cdr`]: writes one CDR per call leg from the hangups captured in `CDRS`.
//! - [`webhooks`]: POSTs calls' status changes to their `status_callback`, signed, with retries.
//! - [`capture`]: the hangup capture both of them run against every media server.
//! - [`media`]: the media server list.
//! - [`outbound_http`]: clients for customers' endpoints, optionally refusing private addresses.

pub mod capture;
pub mod cdr;
pub mod consume;
pub mod media;
pub mod orchestrator;
pub mod outbound_http;
pub mod webhooks;

pub use media::MediaServer;
