//! The Event Socket server: FreeSWITCH's mod_event_socket inbound mode, so that the
//! orchestrator, the cdr worker, and third-party clients (modesl, greenswitch,
//! freeswitch-esl-tokio) drive this switch exactly like FreeSWITCH.

pub mod connection;
pub mod subscription;
pub mod wire;

use std::sync::Arc;

use tokio::net::TcpListener;

use crate::core::Core;

/// Accepts ESL clients on `listener` forever.
pub async fn run(core: Arc<Core>, listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(connection::serve(core.clone(), stream));
            }
            Err(e) => {
                tracing::warn!(error = %e, "ESL accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}
