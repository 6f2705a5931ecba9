//! `sendmsg`: how a client drives a channel (`call-command: execute` an application,
//! `hangup` with a cause), with the headers mod_event_socket understands.

/// A `sendmsg [uuid]` command: its `call-command` and further headers, optionally a body.
///
/// Long or multi-line application arguments travel as a `text/plain` body instead of an
/// `execute-app-arg` header; [`SendMsg::execute`] chooses for you.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendMsg {
    /// The channel; `None` on an outbound socket (the channel is the socket's).
    pub uuid: Option<String>,
    /// `execute`, `hangup`, `unicast`, `nomedia`, …
    pub call_command: String,
    /// Further headers in order (`execute-app-name`, `execute-app-arg`, `loops`,
    /// `event-lock`, `async`, `hangup-cause`, `Event-UUID`, …).
    pub headers: Vec<(String, String)>,
    /// A body, sent with `content-length` (and `content-type: text/plain` for app args).
    pub body: Option<String>,
}

/// Arguments longer than this go in the body rather than a header.
const MAX_ARG_HEADER: usize = 2048;

impl SendMsg {
    /// `execute` application `app` with `arg` on channel `uuid`.
    pub fn execute(uuid: &str, app: &str, arg: &str) -> SendMsg {
        let mut m = SendMsg {
            uuid: Some(uuid.to_owned()),
            call_command: "execute".into(),
            ..SendMsg::default()
        };
        m.headers.push(("execute-app-name".into(), app.to_owned()));
        if arg.contains(['\n', '\r']) || arg.len() > MAX_ARG_HEADER {
            m.headers.push(("content-type".into(), "text/plain".into()));
            m.body = Some(arg.to_owned());
        } else if !arg.is_empty() {
            m.headers.push(("execute-app-arg".into(), arg.to_owned()));
        }
        m
    }

    /// `hangup` channel `uuid` with `cause` (e.g. `NORMAL_CLEARING`, `USER_BUSY`).
    pub fn hangup(uuid: &str, cause: &str) -> SendMsg {
        SendMsg {
            uuid: Some(uuid.to_owned()),
            call_command: "hangup".into(),
            headers: vec![("hangup-cause".into(), cause.to_owned())],
            body: None,
        }
    }

    /// For an outbound socket: the same message without a channel uuid.
    pub fn on_this_channel(mut self) -> SendMsg {
        self.uuid = None;
        self
    }

    /// Adds a header.
    pub fn with(mut self, name: &str, value: &str) -> SendMsg {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `loops: n`: run the application `n` times.
    pub fn loops(self, n: u32) -> SendMsg {
        self.with("loops", &n.to_string())
    }

    /// `event-lock: true`: the channel runs this before anything queued after it.
    pub fn event_lock(self) -> SendMsg {
        self.with("event-lock", "true")
    }

    /// `async: true`: do not wait for the application queue.
    pub fn asynchronous(self) -> SendMsg {
        self.with("async", "true")
    }

    /// `Event-UUID: id`: echoed as `Application-UUID` on CHANNEL_EXECUTE(_COMPLETE), so the
    /// completion of exactly this command can be recognised.
    pub fn event_uuid(self, id: &str) -> SendMsg {
        self.with("Event-UUID", id)
    }

    /// A header's value (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The application to execute (`execute-app-name`).
    pub fn app_name(&self) -> Option<&str> {
        self.header("execute-app-name")
    }

    /// The application's argument: `execute-app-arg`, or the body when it carries it.
    pub fn app_arg(&self) -> Option<&str> {
        self.header("execute-app-arg").or(self.body.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders() {
        let m = SendMsg::execute("u1", "playback", "/tmp/a.wav")
            .loops(2)
            .event_lock()
            .event_uuid("e1");
        assert_eq!(m.app_name(), Some("playback"));
        assert_eq!(m.app_arg(), Some("/tmp/a.wav"));
        assert_eq!(m.header("LOOPS"), Some("2"));
        assert_eq!(m.header("event-lock"), Some("true"));
        let long = SendMsg::execute("u1", "speak", "a\nb");
        assert_eq!(long.header("execute-app-arg"), None);
        assert_eq!(long.app_arg(), Some("a\nb"));
        let h = SendMsg::hangup("u1", "USER_BUSY").on_this_channel();
        assert_eq!((h.uuid, h.call_command.as_str()), (None, "hangup"));
    }
}
