//! The IRISX embedded switch: a pure-Rust SIP/RTP media server that is controlled exactly
//! like FreeSWITCH, through the Event Socket.
//!
//! Data flows one way: SIP/RTP in → channel state → events out to ESL subscribers; commands
//! in from ESL → channel → SIP/RTP out.

pub mod apps;
pub mod causes;
pub mod channel;
pub mod commands;
pub mod config;
pub mod core;
pub mod esl_server;
pub mod events;
pub mod media;
pub mod sip;
mod switch;

pub use config::SwitchConfig;
pub use switch::Switch;
