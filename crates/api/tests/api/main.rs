//! End-to-end tests of the REST API against real PostgreSQL, Redis and NATS.

mod api_keys;
mod bodies;
mod carriers;
mod common;
mod limits;
mod passwords;
mod platform;
mod sessions;
mod tokens;
