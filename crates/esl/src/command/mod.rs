//! Commands: what a client sends (typed, with builders), their wire form, and their parse on
//! the server side (a command frame is the command line, optional header lines, a blank line,
//! and for `sendmsg` an optional body).
//!
//! Line breaks inside arguments are replaced by spaces when encoding, so a value can never
//! smuggle a second command onto the socket.

mod originate;
mod sendmsg;

use bytes::{Bytes, BytesMut};

use crate::event::EventFormat;
use crate::frame::Frame;

pub use originate::{Originate, escape};
pub use sendmsg::SendMsg;

/// One ESL command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `auth <password>`.
    Auth(String),
    /// `userauth <user>@<domain>:<password>`.
    UserAuth {
        /// `user@domain`.
        user: String,
        /// The password.
        password: String,
    },
    /// `event <format> <names…>`: names may include `ALL` and `CUSTOM sub1 sub2`.
    Event(EventFormat, Vec<String>),
    /// `nixevent <names…>`: stop receiving these.
    NixEvent(Vec<String>),
    /// `noevents`: stop receiving events.
    NoEvents,
    /// `divert_events on|off`.
    DivertEvents(bool),
    /// `filter <header> <value>`: only events matching a filter are delivered.
    Filter(String, String),
    /// `filter delete <header> [value]` (`filter delete all` removes every filter).
    FilterDelete(String, Option<String>),
    /// `api <command>`: runs and answers with an `api/response`.
    Api(String),
    /// `bgapi <command>`, optionally with a client-chosen `Job-UUID`: answers `+OK Job-UUID:`
    /// at once, then the result comes as a BACKGROUND_JOB event.
    BgApi(String, Option<String>),
    /// `sendmsg [uuid]` with its headers.
    SendMsg(SendMsg),
    /// `myevents [uuid] [format]`: every event of one channel.
    MyEvents(Option<String>, Option<EventFormat>),
    /// `getvar <name>` (outbound socket).
    GetVar(String),
    /// `linger [seconds]`: keep the outbound socket open after hangup.
    Linger(Option<u32>),
    /// `nolinger`.
    NoLinger,
    /// `log [level]`: receive log lines as `log/data`.
    Log(Option<String>),
    /// `nolog`.
    NoLog,
    /// `resume` (outbound socket: continue the dialplan when the socket closes).
    Resume,
    /// `exit`: the server answers `+OK bye` and closes.
    Exit,
    /// `connect`: first command on an outbound socket; the reply carries the channel data.
    Connect,
}

/// Why a command frame is not a command this crate knows; the server answers
/// `-ERR command not found` and keeps the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown or malformed command `{0}`")]
pub struct UnknownCommand(pub String);

fn words(v: &[String]) -> String {
    v.join(" ")
}

fn split_words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

impl Command {
    /// The command's frame (command line, headers, body).
    pub fn to_frame(&self) -> Frame {
        let line = |s: String| Frame::command(&s, &[], None);
        match self {
            Command::Auth(p) => line(format!("auth {p}")),
            Command::UserAuth { user, password } => line(format!("userauth {user}:{password}")),
            Command::Event(f, names) => line(format!("event {} {}", f.as_str(), words(names))),
            Command::NixEvent(names) => line(format!("nixevent {}", words(names))),
            Command::NoEvents => line("noevents".into()),
            Command::DivertEvents(on) => {
                line(format!("divert_events {}", if *on { "on" } else { "off" }))
            }
            Command::Filter(h, v) => line(format!("filter {h} {v}")),
            Command::FilterDelete(h, None) => line(format!("filter delete {h}")),
            Command::FilterDelete(h, Some(v)) => line(format!("filter delete {h} {v}")),
            Command::Api(c) => line(format!("api {c}")),
            Command::BgApi(c, None) => line(format!("bgapi {c}")),
            Command::BgApi(c, Some(job)) => {
                Frame::command(&format!("bgapi {c}"), &[("Job-UUID", job)], None)
            }
            Command::SendMsg(m) => {
                let first = match &m.uuid {
                    Some(u) => format!("sendmsg {u}"),
                    None => "sendmsg".to_owned(),
                };
                let mut headers: Vec<(&str, &str)> = Vec::with_capacity(m.headers.len() + 1);
                headers.push(("call-command", &m.call_command));
                headers.extend(m.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                Frame::command(&first, &headers, m.body.as_deref().map(str::as_bytes))
            }
            Command::MyEvents(uuid, format) => {
                let mut s = String::from("myevents");
                if let Some(u) = uuid {
                    s.push(' ');
                    s.push_str(u);
                }
                if let Some(f) = format {
                    s.push(' ');
                    s.push_str(f.as_str());
                }
                line(s)
            }
            Command::GetVar(name) => line(format!("getvar {name}")),
            Command::Linger(Some(t)) => line(format!("linger {t}")),
            Command::Linger(None) => line("linger".into()),
            Command::NoLinger => line("nolinger".into()),
            Command::Log(Some(level)) => line(format!("log {level}")),
            Command::Log(None) => line("log".into()),
            Command::NoLog => line("nolog".into()),
            Command::Resume => line("resume".into()),
            Command::Exit => line("exit".into()),
            Command::Connect => line("connect".into()),
        }
    }

    /// Appends the wire form to `dst`.
    pub fn encode(&self, dst: &mut BytesMut) {
        self.to_frame().encode(dst);
    }

    /// The wire form.
    pub fn to_bytes(&self) -> Bytes {
        self.to_frame().to_bytes()
    }

    /// Parses a command frame (server side). Verbs are case-insensitive.
    pub fn parse(frame: &Frame) -> Result<Command, UnknownCommand> {
        let line = frame.first_line().trim();
        let (verb, rest) = line
            .split_once(' ')
            .map_or((line, ""), |(v, r)| (v, r.trim()));
        let unknown = || UnknownCommand(line.chars().take(100).collect());
        Ok(match verb.to_ascii_lowercase().as_str() {
            "auth" => Command::Auth(rest.to_owned()),
            "userauth" => {
                let (user, password) = rest.rsplit_once(':').ok_or_else(unknown)?;
                Command::UserAuth {
                    user: user.to_owned(),
                    password: password.to_owned(),
                }
            }
            "event" | "events" => {
                let (first, others) = rest.split_once(' ').unwrap_or((rest, ""));
                match EventFormat::parse(first) {
                    Some(f) => Command::Event(f, split_words(others)),
                    None => Command::Event(EventFormat::Plain, split_words(rest)),
                }
            }
            "nixevent" => Command::NixEvent(split_words(rest)),
            "noevents" => Command::NoEvents,
            "divert_events" => Command::DivertEvents(rest.eq_ignore_ascii_case("on")),
            "filter" => {
                let (first, more) = rest.split_once(' ').ok_or_else(unknown)?;
                let more = more.trim();
                if first.eq_ignore_ascii_case("delete") {
                    match more.split_once(' ') {
                        Some((h, v)) => Command::FilterDelete(h.to_owned(), Some(v.to_owned())),
                        None if !more.is_empty() => Command::FilterDelete(more.to_owned(), None),
                        None => return Err(unknown()),
                    }
                } else {
                    Command::Filter(first.to_owned(), more.to_owned())
                }
            }
            "api" if !rest.is_empty() => Command::Api(rest.to_owned()),
            "bgapi" if !rest.is_empty() => Command::BgApi(
                rest.to_owned(),
                frame
                    .command_headers()
                    .find(|(k, _)| k.eq_ignore_ascii_case("Job-UUID"))
                    .map(|(_, v)| v.to_owned()),
            ),
            "sendmsg" => Command::SendMsg(parse_sendmsg(frame, rest)),
            "myevents" => {
                let mut p = rest.split_whitespace();
                match (p.next(), p.next()) {
                    (None, _) => Command::MyEvents(None, None),
                    (Some(w), None) if EventFormat::parse(w).is_some() => {
                        Command::MyEvents(None, EventFormat::parse(w))
                    }
                    (Some(u), f) => {
                        Command::MyEvents(Some(u.to_owned()), f.and_then(EventFormat::parse))
                    }
                }
            }
            "getvar" if !rest.is_empty() => Command::GetVar(rest.to_owned()),
            "linger" => Command::Linger(rest.parse().ok()),
            "nolinger" => Command::NoLinger,
            "log" => Command::Log((!rest.is_empty()).then(|| rest.to_owned())),
            "nolog" => Command::NoLog,
            "resume" => Command::Resume,
            "exit" => Command::Exit,
            "connect" => Command::Connect,
            _ => return Err(unknown()),
        })
    }
}

fn parse_sendmsg(frame: &Frame, uuid: &str) -> SendMsg {
    let mut call_command = String::new();
    let mut headers = Vec::new();
    for (k, v) in frame.command_headers() {
        if k.eq_ignore_ascii_case("call-command") {
            call_command = v.to_ascii_lowercase();
        } else if !k.eq_ignore_ascii_case("content-length") {
            headers.push((k.to_owned(), v.to_owned()));
        }
    }
    SendMsg {
        uuid: (!uuid.is_empty()).then(|| uuid.to_owned()),
        call_command,
        headers,
        body: frame
            .body()
            .map(|b| String::from_utf8_lossy(b).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_all;

    fn all_commands() -> Vec<Command> {
        vec![
            Command::Auth("ClueCon".into()),
            Command::UserAuth {
                user: "1000@default".into(),
                password: "pw".into(),
            },
            Command::Event(
                EventFormat::Json,
                vec![
                    "CHANNEL_ANSWER".into(),
                    "CUSTOM".into(),
                    "sofia::register".into(),
                ],
            ),
            Command::Event(EventFormat::Plain, vec!["ALL".into()]),
            Command::NixEvent(vec!["DTMF".into()]),
            Command::NoEvents,
            Command::DivertEvents(true),
            Command::Filter("Unique-ID".into(), "abc".into()),
            Command::Filter("Caller-Caller-ID-Name".into(), "John Doe".into()),
            Command::FilterDelete("Unique-ID".into(), None),
            Command::FilterDelete("Unique-ID".into(), Some("abc".into())),
            Command::Api("status".into()),
            Command::Api("originate {a=b}sofia/gw/x@10.0.0.1:5060 &park()".into()),
            Command::BgApi("originate user/1000 &park()".into(), Some("job-1".into())),
            Command::BgApi("status".into(), None),
            Command::SendMsg(
                SendMsg::execute("u1", "playback", "/tmp/a.wav")
                    .event_lock()
                    .loops(2),
            ),
            Command::SendMsg(SendMsg::execute("u1", "speak", "espeak|default|one\ntwo")),
            Command::SendMsg(SendMsg::hangup("u1", "USER_BUSY")),
            Command::SendMsg(SendMsg::hangup("u1", "NORMAL_CLEARING").on_this_channel()),
            Command::MyEvents(Some("u1".into()), Some(EventFormat::Json)),
            Command::MyEvents(None, None),
            Command::GetVar("caller_id_name".into()),
            Command::Linger(Some(10)),
            Command::Linger(None),
            Command::NoLinger,
            Command::Log(Some("debug".into())),
            Command::NoLog,
            Command::Resume,
            Command::Exit,
            Command::Connect,
        ]
    }

    #[test]
    fn commands_round_trip_through_the_server_parser() {
        let cmds = all_commands();
        let mut wire = Vec::new();
        for c in &cmds {
            wire.extend_from_slice(&c.to_bytes());
        }
        let parsed: Vec<Command> = decode_all(&wire)
            .unwrap()
            .iter()
            .map(|f| Command::parse(f).unwrap())
            .collect();
        assert_eq!(parsed, cmds);
    }

    #[test]
    fn wire_forms() {
        assert_eq!(
            &Command::Api("status".into()).to_bytes()[..],
            b"api status\n\n"
        );
        assert_eq!(
            &Command::BgApi("status".into(), Some("j".into())).to_bytes()[..],
            b"bgapi status\nJob-UUID: j\n\n"
        );
        assert_eq!(
            &Command::SendMsg(SendMsg::hangup("u1", "USER_BUSY")).to_bytes()[..],
            b"sendmsg u1\ncall-command: hangup\nhangup-cause: USER_BUSY\n\n"
        );
        assert_eq!(
            &Command::SendMsg(SendMsg::execute("u", "speak", "a\nb")).to_bytes()[..],
            b"sendmsg u\ncall-command: execute\nexecute-app-name: speak\ncontent-type: text/plain\nContent-Length: 3\n\na\nb"
        );
        // A line break in an argument cannot start a second command.
        assert_eq!(
            &Command::Api("status\n\nexit".into()).to_bytes()[..],
            b"api status  exit\n\n"
        );
    }

    #[test]
    fn lenient_and_bad_forms() {
        let parse = |s: &str| Command::parse(&Frame::command(s, &[], None));
        assert_eq!(
            parse("EVENTS CHANNEL_ANSWER"),
            Ok(Command::Event(
                EventFormat::Plain,
                vec!["CHANNEL_ANSWER".into()]
            ))
        );
        assert_eq!(
            parse("myevents json"),
            Ok(Command::MyEvents(None, Some(EventFormat::Json)))
        );
        for bad in [
            "frobnicate",
            "api",
            "filter",
            "filter delete",
            "userauth nobody",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
