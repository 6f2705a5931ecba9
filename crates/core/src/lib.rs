//! Domain types shared by every IRISX crate.
//!
//! This crate has no I/O: it names the things the platform is about (tenants, users, roles)
//! so that the store, the API and the workers agree on them without depending on each other.

pub mod lcr;
mod role;

pub use role::{Role, UnknownRole};
