//! Call legs: their data, states, and the task that runs each one.

pub mod data;
pub mod handle;
pub mod inbound;
pub mod outbound;
pub mod reinvite;
pub mod state;
pub mod task;
