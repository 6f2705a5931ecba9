//! Events as a `futures::Stream`, one per subscriber, fed by the client's broadcast channel.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;
use futures::stream::BoxStream;
use tokio::sync::broadcast;

use super::ClientError;
use crate::event::Event;

/// The events received by a [`crate::Client`] from the moment the stream was created, across
/// reconnects. A subscriber that falls more than `event_capacity` events behind gets one
/// [`ClientError::Lagged`] item saying how many it lost, then continues with newer events.
pub struct EventStream {
    inner: BoxStream<'static, Result<Arc<Event>, ClientError>>,
}

impl EventStream {
    pub(super) fn new(rx: broadcast::Receiver<Arc<Event>>) -> EventStream {
        let inner = futures::stream::unfold(rx, |mut rx| async move {
            match rx.recv().await {
                Ok(e) => Some((Ok(e), rx)),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    Some((Err(ClientError::Lagged(n)), rx))
                }
                Err(broadcast::error::RecvError::Closed) => None,
            }
        });
        EventStream {
            inner: Box::pin(inner),
        }
    }

    /// The next event (`None` once the client is gone).
    pub async fn recv(&mut self) -> Option<Result<Arc<Event>, ClientError>> {
        futures::StreamExt::next(self).await
    }
}

impl Stream for EventStream {
    type Item = Result<Arc<Event>, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventStream")
    }
}
