//! What the client has asked of the server (event names, filters), kept so that it can be
//! replayed on every new connection, plus the events the client itself depends on.
//!
//! FreeSWITCH delivers a BACKGROUND_JOB only to connections subscribed to it, and once a
//! connection has any filter it delivers only events matching one. So the client always
//! subscribes to BACKGROUND_JOB (and HEARTBEAT when liveness is checked), and while user
//! filters exist it adds `Event-Name` filters letting those two through.

use crate::command::Command;
use crate::event::EventFormat;

/// A change to the subscriptions, applied once the server accepted the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Change {
    Subscribe(Vec<String>),
    Unsubscribe(Vec<String>),
    Filter(String, String),
    FilterDelete(String, Option<String>),
}

/// The subscriptions and filters the user asked for.
#[derive(Debug, Default)]
pub(super) struct Subscriptions {
    names: Vec<String>,
    filters: Vec<(String, String)>,
}

impl Subscriptions {
    /// Records an accepted change.
    pub(super) fn apply(&mut self, change: &Change) {
        match change {
            Change::Subscribe(names) => {
                for n in names {
                    if !self.names.iter().any(|x| x.eq_ignore_ascii_case(n)) {
                        self.names.push(n.clone());
                    }
                }
            }
            Change::Unsubscribe(names) => self
                .names
                .retain(|x| !names.iter().any(|n| n.eq_ignore_ascii_case(x))),
            Change::Filter(h, v) => {
                if !self.filters.iter().any(|(a, b)| a == h && b == v) {
                    self.filters.push((h.clone(), v.clone()));
                }
            }
            Change::FilterDelete(h, v) => {
                if h.eq_ignore_ascii_case("all") && v.is_none() {
                    self.filters.clear();
                } else {
                    self.filters
                        .retain(|(a, b)| !(a == h && v.as_ref().is_none_or(|v| v == b)));
                }
            }
        }
    }

    /// Whether user filters are in place.
    pub(super) fn has_filters(&self) -> bool {
        !self.filters.is_empty()
    }

    /// The user's filters.
    pub(super) fn filters(&self) -> &[(String, String)] {
        &self.filters
    }

    /// The commands that bring a fresh connection to this state.
    pub(super) fn replay(&self, format: EventFormat, heartbeat: bool) -> Vec<Command> {
        let mut names = base_names(heartbeat);
        names.extend(self.names.iter().cloned());
        let mut commands = vec![Command::Event(format, names)];
        if self.has_filters() {
            commands.extend(base_filters(heartbeat));
            commands.extend(
                self.filters
                    .iter()
                    .map(|(h, v)| Command::Filter(h.clone(), v.clone())),
            );
        }
        commands
    }
}

/// The events the client itself needs.
pub(super) fn base_names(heartbeat: bool) -> Vec<String> {
    let mut v = vec!["BACKGROUND_JOB".to_owned()];
    if heartbeat {
        v.push("HEARTBEAT".to_owned());
    }
    v
}

/// The filters that keep those events flowing while user filters are in place.
pub(super) fn base_filters(heartbeat: bool) -> Vec<Command> {
    base_names(heartbeat)
        .into_iter()
        .map(|n| Command::Filter("Event-Name".into(), n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_includes_base_events_and_filters() {
        let mut s = Subscriptions::default();
        assert_eq!(
            s.replay(EventFormat::Plain, true),
            vec![Command::Event(
                EventFormat::Plain,
                vec!["BACKGROUND_JOB".into(), "HEARTBEAT".into()]
            )]
        );
        s.apply(&Change::Subscribe(vec![
            "CHANNEL_ANSWER".into(),
            "DTMF".into(),
        ]));
        s.apply(&Change::Subscribe(vec!["dtmf".into()]));
        s.apply(&Change::Unsubscribe(vec!["DTMF".into()]));
        s.apply(&Change::Filter("Unique-ID".into(), "u1".into()));
        let r = s.replay(EventFormat::Json, false);
        assert_eq!(
            r,
            vec![
                Command::Event(
                    EventFormat::Json,
                    vec!["BACKGROUND_JOB".into(), "CHANNEL_ANSWER".into()]
                ),
                Command::Filter("Event-Name".into(), "BACKGROUND_JOB".into()),
                Command::Filter("Unique-ID".into(), "u1".into()),
            ]
        );
        s.apply(&Change::FilterDelete("Unique-ID".into(), None));
        assert!(!s.has_filters());
    }
}
