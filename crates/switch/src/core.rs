//! The switch core: the registry of live channels, the event bus every ESL connection
//! listens to, and the glue between SIP events and channels.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use parking_lot::Mutex;
use rsipstack::dialog::dialog::DialogState;
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

use crate::channel::handle::{ChannelCmd, ChannelHandle};
use crate::config::SwitchConfig;
use crate::events::{EventSource, SwitchEvent};
use crate::media::engine::MediaEngine;
use crate::sip::registrar::Registrar;
use crate::sip::stack::{SipEvent, SipStack};

/// Shared by every part of the switch.
pub struct Core {
    /// Settings.
    pub config: SwitchConfig,
    /// The SIP endpoint.
    pub sip: Arc<SipStack>,
    /// Identity stamped on events.
    pub source: EventSource,
    /// Every event the switch emits; ESL connections subscribe.
    pub events: broadcast::Sender<Arc<SwitchEvent>>,
    /// Local SIP users.
    pub registrar: Registrar,
    /// RTP ports, codecs, audio sources.
    pub media: MediaEngine,
    channels: Mutex<HashMap<Uuid, ChannelHandle>>,
    by_call_id: Mutex<HashMap<String, Uuid>>,
    started: Instant,
    sessions_total: AtomicU64,
    sessions_peak: AtomicU64,
}

/// Counters for `status`.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// Seconds since start.
    pub uptime_secs: u64,
    /// Sessions since start.
    pub total: u64,
    /// Sessions now.
    pub active: u64,
    /// Most sessions at once.
    pub peak: u64,
}

impl Core {
    /// Builds the core around a started SIP stack.
    pub fn new(config: SwitchConfig, sip: Arc<SipStack>, media: MediaEngine) -> Arc<Core> {
        let (events, _) = broadcast::channel(65_536);
        let registrar = Registrar::new(&config.hostname, config.users.clone());
        let source = EventSource::new(&config.hostname, &config.sip_addr.ip().to_string());
        Arc::new(Core {
            config,
            sip,
            source,
            events,
            registrar,
            media,
            channels: Mutex::new(HashMap::new()),
            by_call_id: Mutex::new(HashMap::new()),
            started: Instant::now(),
            sessions_total: AtomicU64::new(0),
            sessions_peak: AtomicU64::new(0),
        })
    }

    /// Publishes an event to every subscriber.
    pub fn emit(&self, event: SwitchEvent) {
        let _ = self.events.send(Arc::new(event));
    }

    /// Registers a new channel; `call_id` routes its SIP dialog events to it.
    pub fn add_channel(&self, handle: ChannelHandle, call_id: &str) {
        let uuid = handle.uuid;
        let active = {
            let mut channels = self.channels.lock();
            channels.insert(uuid, handle);
            channels.len() as u64
        };
        self.by_call_id.lock().insert(call_id.to_owned(), uuid);
        self.sessions_total.fetch_add(1, Ordering::Relaxed);
        self.sessions_peak.fetch_max(active, Ordering::Relaxed);
    }

    /// Routes SIP dialog events of `call_id` to an existing channel.
    pub fn alias_call_id(&self, call_id: &str, uuid: Uuid) {
        self.by_call_id.lock().insert(call_id.to_owned(), uuid);
    }

    /// Forgets a channel that has ended.
    pub fn remove_channel(&self, uuid: Uuid) {
        self.channels.lock().remove(&uuid);
        self.by_call_id.lock().retain(|_, u| *u != uuid);
    }

    /// The live channel `uuid`.
    pub fn channel(&self, uuid: Uuid) -> Option<ChannelHandle> {
        self.channels.lock().get(&uuid).cloned()
    }

    /// Finds a channel by the text form of its uuid.
    pub fn channel_str(&self, uuid: &str) -> Option<ChannelHandle> {
        uuid.trim().parse().ok().and_then(|u| self.channel(u))
    }

    /// Every live channel.
    pub fn channels(&self) -> Vec<ChannelHandle> {
        let mut all: Vec<_> = self.channels.lock().values().cloned().collect();
        all.sort_by_key(|c| c.data.read().times.created);
        all
    }

    /// Counters for `status`.
    pub fn stats(&self) -> Stats {
        Stats {
            uptime_secs: self.started.elapsed().as_secs(),
            total: self.sessions_total.load(Ordering::Relaxed),
            active: self.channels.lock().len() as u64,
            peak: self.sessions_peak.load(Ordering::Relaxed),
        }
    }

    /// Takes SIP events until the stack stops.
    pub async fn run_sip(self: Arc<Self>, mut events: mpsc::Receiver<SipEvent>) {
        while let Some(event) = events.recv().await {
            match event {
                SipEvent::Invite { dialog, source } => {
                    crate::channel::inbound::start(&self, dialog, source)
                }
                SipEvent::Register(tx) => crate::sip::register::handle(&self, *tx),
                SipEvent::DialogState(state) => self.route_dialog_state(*state),
            }
        }
    }

    fn route_dialog_state(&self, state: DialogState) {
        let id = match &state {
            DialogState::Calling(id)
            | DialogState::Trying(id)
            | DialogState::Early(id, _)
            | DialogState::WaitAck(id, _)
            | DialogState::Confirmed(id, _)
            | DialogState::Updated(id, _, _)
            | DialogState::Publish(id, _, _)
            | DialogState::Notify(id, _, _)
            | DialogState::Refer(id, _, _)
            | DialogState::Message(id, _, _)
            | DialogState::Info(id, _, _)
            | DialogState::Options(id, _, _)
            | DialogState::Terminated(id, _) => id.clone(),
        };
        if let DialogState::Terminated(..) = state {
            self.sip.dialogs.remove_dialog(&id);
        }
        let target = self.by_call_id.lock().get(&id.call_id).copied();
        if let Some(handle) = target.and_then(|u| self.channel(u)) {
            let _ = handle.cmd.send(ChannelCmd::Sip(Box::new(state)));
        }
    }
}
