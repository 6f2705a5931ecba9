//! Domain types shared by every IRISX crate.
//!
//! This crate has no I/O: it names the things the platform is about (tenants, users, roles,
//! calls and their statuses, application verbs, routing and rating rules, stored secrets) so
//! that the store, the API and the workers agree on them without depending on each other.

pub mod call;
pub mod cdr;
pub mod lcr;
mod role;
pub mod secrets;
pub mod verbs;
pub mod webhook;

pub use call::{CallStatus, Direction};
pub use role::{Role, UnknownRole};
