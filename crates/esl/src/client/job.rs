//! A `bgapi` job in flight: a future resolved by the BACKGROUND_JOB event that carries its
//! result.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use super::ClientError;
use crate::event::Event;

/// A background job accepted by the server (`+OK Job-UUID: …`), waiting for its result.
///
/// `.await` it for the result text (an `-ERR …` result is a [`ClientError::CommandFailed`]),
/// or call [`BackgroundJob::event`] for the whole BACKGROUND_JOB event. If the connection
/// drops first, it fails with [`ClientError::Disconnected`]: the result went to a socket that
/// no longer exists.
#[derive(Debug)]
pub struct BackgroundJob {
    job_uuid: String,
    rx: oneshot::Receiver<Arc<Event>>,
    timeout: Duration,
}

impl BackgroundJob {
    pub(super) fn new(
        job_uuid: String,
        rx: oneshot::Receiver<Arc<Event>>,
        timeout: Duration,
    ) -> BackgroundJob {
        BackgroundJob {
            job_uuid,
            rx,
            timeout,
        }
    }

    /// The job's `Job-UUID`.
    pub fn job_uuid(&self) -> &str {
        &self.job_uuid
    }

    /// Waits for the BACKGROUND_JOB event (within the configured job timeout).
    pub async fn event(self) -> Result<Arc<Event>, ClientError> {
        match tokio::time::timeout(self.timeout, self.rx).await {
            Err(_) => Err(ClientError::Timeout(self.timeout)),
            Ok(Err(_)) => Err(ClientError::Disconnected),
            Ok(Ok(e)) => Ok(e),
        }
    }

    /// Waits for the result text (the event's body); `-ERR …` becomes an error.
    pub async fn result(self) -> Result<String, ClientError> {
        let event = self.event().await?;
        let body = event.body().unwrap_or("");
        if let Some(reason) = body.strip_prefix("-ERR") {
            return Err(ClientError::CommandFailed(reason.trim().to_owned()));
        }
        Ok(body.to_owned())
    }
}

impl IntoFuture for BackgroundJob {
    type Output = Result<String, ClientError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.result())
    }
}
