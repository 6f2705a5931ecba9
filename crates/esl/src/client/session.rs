//! Opening one authenticated connection: TCP connect, wait for `auth/request`, send the
//! password, read the verdict, then replay the subscriptions.

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use super::ClientConfig;
use super::ClientError;
use super::state::Subscriptions;
use crate::codec::EslCodec;
use crate::command::Command;
use crate::message::Message;

/// A framed ESL connection.
pub(super) type Conn = Framed<TcpStream, EslCodec>;

/// Reads the next message; events are skipped when `skip_events` (they can arrive between a
/// subscription command and its reply only once a subscription exists).
async fn next_message(conn: &mut Conn, skip_events: bool) -> Result<Message, ClientError> {
    loop {
        let frame = match conn.next().await {
            None => return Err(ClientError::Disconnected),
            Some(Err(e)) => return Err(ClientError::Protocol(e.to_string())),
            Some(Ok(f)) => f,
        };
        let msg = Message::from_frame(frame).map_err(|e| ClientError::Protocol(e.to_string()))?;
        match msg {
            Message::Event(_) | Message::XmlEvent(_) | Message::Log(_) if skip_events => {}
            Message::RudeRejection(text) => {
                return Err(ClientError::Rejected(
                    String::from_utf8_lossy(&text).trim().to_owned(),
                ));
            }
            other => return Ok(other),
        }
    }
}

async fn send(conn: &mut Conn, command: &Command) -> Result<(), ClientError> {
    conn.send(command)
        .await
        .map_err(|_| ClientError::Disconnected)
}

async fn connect_and_auth(config: &ClientConfig) -> Result<Conn, ClientError> {
    let stream = TcpStream::connect(&config.addr)
        .await
        .map_err(|e| ClientError::Connect {
            addr: config.addr.clone(),
            reason: e.to_string(),
        })?;
    let _ = stream.set_nodelay(true);
    let mut conn = Framed::new(stream, EslCodec::new());
    match next_message(&mut conn, true).await? {
        Message::AuthRequest => {}
        other => {
            return Err(ClientError::Protocol(format!(
                "expected auth/request, got {other:?}"
            )));
        }
    }
    send(&mut conn, &Command::Auth(config.password.clone())).await?;
    match next_message(&mut conn, true).await? {
        Message::Reply(r) if r.is_ok() => Ok(conn),
        Message::Reply(_) => Err(ClientError::BadPassword),
        other => Err(ClientError::Protocol(format!(
            "unexpected answer to auth: {other:?}"
        ))),
    }
}

/// Connects, authenticates and replays `subs`, all within the connect timeout.
pub(super) async fn open(config: &ClientConfig, subs: Vec<Command>) -> Result<Conn, ClientError> {
    let work = async {
        let mut conn = connect_and_auth(config).await?;
        for command in subs {
            send(&mut conn, &command).await?;
            match next_message(&mut conn, true).await? {
                Message::Reply(r) if r.is_ok() => {}
                Message::Reply(r) => {
                    return Err(ClientError::CommandFailed(format!(
                        "{}: {}",
                        command.to_frame().first_line(),
                        r.text()
                    )));
                }
                other => {
                    return Err(ClientError::Protocol(format!(
                        "unexpected answer to a subscription: {other:?}"
                    )));
                }
            }
        }
        Ok(conn)
    };
    tokio::time::timeout(config.connect_timeout, work)
        .await
        .map_err(|_| ClientError::Timeout(config.connect_timeout))?
}

/// The commands replaying `subs` for this configuration.
pub(super) fn replay(config: &ClientConfig, subs: &Subscriptions) -> Vec<Command> {
    subs.replay(config.event_format, config.liveness.is_some())
}
