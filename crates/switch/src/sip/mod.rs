//! The SIP side of the switch: the transport/transaction/dialog stack (rsipstack), dial
//! strings, digest authentication and the registrar.

pub mod dialstring;
pub mod digest;
pub mod register;
pub mod registrar;
pub mod stack;
pub mod tls_trust;
