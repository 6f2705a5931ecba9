//! Which call task of this process a media-server event or a control message belongs to.
//!
//! Every orchestrator receives every channel event of every media server; it forwards those
//! of the legs its own calls are dialling and ignores the rest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use esl::Event;
use tokio::sync::mpsc;
use uuid::Uuid;

/// What a call task is told.
#[derive(Debug)]
pub enum Input {
    /// A channel event of one of its legs.
    Event(Arc<Event>),
    /// A hangup was requested through the API.
    Hangup,
}

/// The call tasks of this process, by call id and by leg uuid.
#[derive(Default)]
pub struct Registry {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    calls: HashMap<Uuid, mpsc::UnboundedSender<Input>>,
    legs: HashMap<String, Uuid>,
}

impl Registry {
    /// Registers a call task; returns false if this process already runs the call.
    pub fn add_call(&self, call: Uuid, tx: mpsc::UnboundedSender<Input>) -> bool {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if g.calls.contains_key(&call) {
            return false;
        }
        g.calls.insert(call, tx);
        true
    }

    /// Routes a leg's events to its call (before the leg is dialled, so none is missed).
    pub fn add_leg(&self, leg: Uuid, call: Uuid) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.legs.insert(leg.to_string(), call);
    }

    /// Forgets a call and its legs.
    pub fn remove_call(&self, call: Uuid) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.calls.remove(&call);
        g.legs.retain(|_, c| *c != call);
    }

    /// Whether this process runs the call.
    pub fn has_call(&self, call: Uuid) -> bool {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.calls.contains_key(&call)
    }

    /// How many calls this process runs.
    pub fn count(&self) -> usize {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.calls.len()
    }

    /// Hands an event to the call whose leg it concerns (if it is one of ours).
    pub fn dispatch(&self, event: Arc<Event>) {
        let Some(leg) = event.unique_id() else {
            return;
        };
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = g.legs.get(leg).and_then(|c| g.calls.get(c)) {
            let _ = tx.send(Input::Event(event));
        }
    }

    /// Tells a call of ours to hang up; false if it is not ours.
    pub fn hangup(&self, call: Uuid) -> bool {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.calls
            .get(&call)
            .is_some_and(|tx| tx.send(Input::Hangup).is_ok())
    }
}
