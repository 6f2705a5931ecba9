//! Every way a client call can fail, as one error type the orchestrator can match on.

use std::time::Duration;

/// Why a client call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The server refused the password (`-ERR invalid` to `auth`).
    #[error("authentication failed: wrong ESL password")]
    BadPassword,
    /// The server refused the connection before auth (`text/rude-rejection`, e.g. its ACL).
    #[error("connection rejected by the server: {0}")]
    Rejected(String),
    /// The TCP connection could not be made.
    #[error("cannot connect to {addr}: {reason}")]
    Connect {
        /// The address tried.
        addr: String,
        /// What went wrong.
        reason: String,
    },
    /// The connection closed (or was declared dead) before the answer came; the client is
    /// reconnecting in the background.
    #[error("the ESL connection is down")]
    Disconnected,
    /// The client was closed with [`crate::Client::close`].
    #[error("the ESL client is closed")]
    Closed,
    /// The server answered `-ERR …` (command reply, api response or background job result).
    #[error("command failed: {0}")]
    CommandFailed(String),
    /// No answer within the configured time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The server sent something that does not fit the protocol.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// An event stream fell behind and this many events were dropped for it.
    #[error("event stream lagged: {0} events dropped")]
    Lagged(u64),
}
