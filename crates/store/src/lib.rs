//! PostgreSQL access for IRISX: the embedded migrations and one module per table family.
//!
//! Functions take any `PgExecutor`, so callers can run them on the pool or compose several in
//! one transaction. Every query on tenant-owned rows is scoped by `tenant_id`. Errors are plain
//! `sqlx::Error`s; the API maps constraint violations to 409/422 responses.

pub mod api_keys;
pub mod applications;
pub mod audit;
pub mod calls;
pub mod carriers;
pub mod cdr;
mod database;
pub mod orchestrators;
pub mod outbox;
pub mod password_resets;
pub mod prices;
pub mod refresh_tokens;
pub mod tenants;
pub mod users;
pub mod webhook_attempts;
pub mod webhook_secrets;

pub use database::{MIGRATOR, connect, create_database_if_missing, drop_database, migrate};
pub use sqlx::PgPool;
