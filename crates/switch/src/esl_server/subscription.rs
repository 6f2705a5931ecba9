//! What one ESL connection wants to hear: event names (or `ALL`), CUSTOM subclasses, filters
//! and `myevents`, with FreeSWITCH's matching rules.

use std::collections::HashSet;

use super::wire::EventFormat;
use crate::events::SwitchEvent;

/// The subscription state of one connection.
#[derive(Debug, Default)]
pub struct Subscription {
    /// Format to send events in (`None`: not listening).
    pub format: Option<EventFormat>,
    all: bool,
    names: HashSet<String>,
    subclasses: HashSet<String>,
    all_custom: bool,
    filters: Vec<(String, String)>,
    /// Only events of this channel (`myevents`).
    pub only_uuid: Option<String>,
}

impl Subscription {
    /// `event <format> <names…>`.
    pub fn add(&mut self, format: EventFormat, names: &str) {
        self.format = Some(format);
        let mut custom = false;
        for n in names.split_whitespace() {
            if custom {
                self.subclasses.insert(n.to_owned());
                continue;
            }
            match n {
                "ALL" | "all" => self.all = true,
                "CUSTOM" | "custom" => {
                    custom = true;
                    self.all_custom = names.split_whitespace().count() == 1;
                }
                other => {
                    self.names.insert(other.to_ascii_uppercase());
                }
            }
        }
        // The one event a client always gets once it listens at all.
        self.names.insert("BACKGROUND_JOB".into());
    }

    /// `nixevent <names…>`.
    pub fn remove(&mut self, names: &str) {
        for n in names.split_whitespace() {
            match n {
                "ALL" | "all" => {
                    self.all = false;
                    self.names.clear();
                }
                other => {
                    self.names.remove(&other.to_ascii_uppercase());
                    self.subclasses.remove(other);
                }
            }
        }
    }

    /// `noevents`.
    pub fn clear(&mut self) {
        *self = Subscription {
            filters: std::mem::take(&mut self.filters),
            ..Subscription::default()
        };
    }

    /// `filter <header> <value>`.
    pub fn add_filter(&mut self, header: &str, value: &str) {
        self.filters.push((header.to_owned(), value.to_owned()));
    }

    /// `filter delete <header> [value]` (`all` removes every filter).
    pub fn delete_filter(&mut self, header: &str, value: Option<&str>) {
        if header.eq_ignore_ascii_case("all") {
            self.filters.clear();
        } else {
            self.filters
                .retain(|(h, v)| !(h.eq_ignore_ascii_case(header) && value.is_none_or(|x| x == v)));
        }
    }

    /// Whether `e` goes to this connection.
    pub fn wants(&self, e: &SwitchEvent) -> bool {
        if self.format.is_none() {
            return false;
        }
        let named = self.all
            || self.names.contains(&e.name)
            || (e.name == "CUSTOM"
                && (self.all_custom
                    || e.subclass
                        .as_ref()
                        .is_some_and(|s| self.subclasses.contains(s))));
        if !named {
            return false;
        }
        if let Some(uuid) = &self.only_uuid {
            let mine = e.unique_id() == Some(uuid.as_str())
                || e.header("Other-Leg-Unique-ID") == Some(uuid.as_str())
                || e.name == "BACKGROUND_JOB";
            if !mine {
                return false;
            }
        }
        if self.filters.is_empty() {
            return true;
        }
        self.filters
            .iter()
            .any(|(h, v)| e.header(h) == Some(v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(name: &str, uuid: &str) -> SwitchEvent {
        SwitchEvent {
            name: name.into(),
            subclass: None,
            headers: vec![
                ("Event-Name".into(), name.into()),
                ("Unique-ID".into(), uuid.into()),
            ],
            body: None,
        }
    }

    #[test]
    fn names_all_filters_and_myevents() {
        let mut s = Subscription::default();
        assert!(!s.wants(&ev("CHANNEL_ANSWER", "a")));
        s.add(EventFormat::Plain, "CHANNEL_ANSWER DTMF");
        assert!(s.wants(&ev("CHANNEL_ANSWER", "a")));
        assert!(!s.wants(&ev("CHANNEL_CREATE", "a")));
        assert!(s.wants(&ev("BACKGROUND_JOB", "")));
        s.add_filter("Unique-ID", "b");
        assert!(!s.wants(&ev("CHANNEL_ANSWER", "a")));
        assert!(s.wants(&ev("CHANNEL_ANSWER", "b")));
        s.delete_filter("Unique-ID", None);
        s.remove("DTMF");
        assert!(!s.wants(&ev("DTMF", "a")));
        s.add(EventFormat::Json, "ALL");
        assert!(s.wants(&ev("HEARTBEAT", "")));
        s.only_uuid = Some("z".into());
        assert!(!s.wants(&ev("CHANNEL_ANSWER", "a")));
        assert!(s.wants(&ev("CHANNEL_ANSWER", "z")));
        s.clear();
        assert!(!s.wants(&ev("CHANNEL_ANSWER", "z")));
        let mut c = Subscription::default();
        c.add(EventFormat::Plain, "CUSTOM sofia::register");
        let mut custom = ev("CUSTOM", "");
        custom.subclass = Some("sofia::register".into());
        assert!(c.wants(&custom));
        custom.subclass = Some("other".into());
        assert!(!c.wants(&custom));
    }
}
