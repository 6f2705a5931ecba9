//! The `originate` command line with its `{var=value,…}` channel-variable block.
//!
//! FreeSWITCH splits that line three times with `switch_separate_string` — the api argument
//! on spaces, the block on `,`, each pair on `=` — and every split strips quotes and one
//! level of backslash escapes. [`escape`] writes a value so that it survives all three
//! splits unchanged; the tests check that against a port of FreeSWITCH's tokenizer.

/// An `originate` command line: `{vars}endpoint &app(arg)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Originate {
    vars: Vec<(String, String)>,
    endpoint: String,
    app: String,
    arg: String,
    timeout: Option<u32>,
}

impl Originate {
    /// Calls `endpoint` (a dial string such as `sofia/external/+15551234567@carrier`); the
    /// answered channel is parked until told otherwise.
    pub fn new(endpoint: &str) -> Originate {
        Originate {
            endpoint: endpoint.to_owned(),
            app: "park".into(),
            ..Originate::default()
        }
    }

    /// Sets a channel variable (its value is escaped, see [`escape`]). FreeSWITCH ignores
    /// variables with an empty value.
    pub fn var(mut self, name: &str, value: &str) -> Originate {
        self.vars.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets `origination_uuid`: the new channel's `Unique-ID`, chosen by the caller.
    pub fn uuid(self, uuid: &str) -> Originate {
        self.var("origination_uuid", uuid)
    }

    /// Sets the caller id shown to the called party.
    pub fn caller_id(self, name: &str, number: &str) -> Originate {
        self.var("origination_caller_id_name", name)
            .var("origination_caller_id_number", number)
    }

    /// Runs `app(arg)` when the call is answered, instead of `park`.
    pub fn app(mut self, app: &str, arg: &str) -> Originate {
        self.app = app.to_owned();
        self.arg = arg.to_owned();
        self
    }

    /// Gives up after `seconds` without answer (`originate_timeout`).
    pub fn timeout(mut self, seconds: u32) -> Originate {
        self.timeout = Some(seconds);
        self
    }

    /// The channel variables, in order.
    pub fn vars(&self) -> &[(String, String)] {
        &self.vars
    }

    /// The `api`/`bgapi` argument: `originate {…}endpoint &app(arg)`.
    pub fn command(&self) -> String {
        let mut s = String::from("originate ");
        let mut vars: Vec<(&str, &str)> = self
            .vars
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let timeout = self.timeout.map(|t| t.to_string());
        if let Some(t) = &timeout {
            vars.push(("originate_timeout", t));
        }
        if !vars.is_empty() {
            s.push('{');
            for (i, (k, v)) in vars.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push_str(k);
                s.push('=');
                s.push_str(&escape(v));
            }
            s.push('}');
        }
        s.push_str(&self.endpoint);
        s.push_str(" &");
        s.push_str(&self.app);
        s.push('(');
        s.push_str(&self.arg);
        s.push(')');
        s
    }
}

/// Whether a backslash followed by `next` is consumed as an escape by one
/// `switch_separate_string` pass splitting on `delim` (`None`: the end of the string, where a
/// lone backslash would make FreeSWITCH read past it).
fn escapes(next: Option<char>, delim: Option<char>) -> bool {
    match next {
        None => true,
        Some(c) => matches!(c, '\'' | '"' | '\\' | 'n' | 'r' | 't' | 's') || Some(c) == delim,
    }
}

/// One level of escaping, undone by one pass splitting on `delim`: quotes (and the delimiter
/// when `escape_delim`) get a backslash, `special` renders some characters as escapes, and a
/// backslash is doubled when what follows it would otherwise be read as an escape.
fn escape_pass(
    v: &str,
    delim: Option<char>,
    escape_delim: bool,
    special: impl Fn(usize, char) -> Option<&'static str>,
) -> String {
    let chars: Vec<(usize, char)> = v.char_indices().collect();
    let mut pieces: Vec<String> = Vec::with_capacity(chars.len());
    // Right to left, so the rendering of the next character is known.
    for &(i, c) in chars.iter().rev() {
        let piece = if c == '\\' {
            let next = pieces.last().and_then(|p| p.chars().next());
            if escapes(next, delim) {
                "\\\\".to_owned()
            } else {
                "\\".to_owned()
            }
        } else if let Some(s) = special(i, c) {
            s.to_owned()
        } else if c == '\'' || c == '"' || (escape_delim && Some(c) == delim) {
            format!("\\{c}")
        } else {
            c.to_string()
        };
        pieces.push(piece);
    }
    pieces.reverse();
    pieces.concat()
}

/// Escapes a channel-variable value for the `{…}` block of an `originate` sent over ESL, so
/// that FreeSWITCH's three splits (on spaces, `,` and `=`) give the value back unchanged:
/// commas become `\,`, spaces `\s`, quotes and backslashes are escaped, blanks at the edges
/// and line breaks are kept. Braces in values must be balanced.
pub fn escape(v: &str) -> String {
    let lead = v.len() - v.trim_start_matches(' ').len();
    let trail = v.trim_end_matches(' ').len().max(lead);
    // The last split (`name=value` on '=') trims blanks at the edges: protect those.
    let level3 = escape_pass(v, Some('='), false, |i, c| match c {
        ' ' if i < lead || i >= trail => Some("\\s"),
        '\n' => Some("\\n"),
        '\r' => Some("\\r"),
        '\t' => Some("\\t"),
        _ => None,
    });
    let level2 = escape_pass(&level3, Some(','), true, |_, _| None);
    // The first split is on spaces: a raw space becomes `\s`.
    escape_pass(&level2, None, false, |_, c| (c == ' ').then_some("\\s"))
}

#[cfg(test)]
#[path = "originate_model.rs"]
mod model;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line() {
        let o = Originate::new("sofia/external/+15551234567@127.0.0.1:5070")
            .uuid("abc")
            .var("sip_h_X-Note", "a,b")
            .timeout(30)
            .app("playback", "/tmp/x.wav");
        assert_eq!(
            o.command(),
            r"originate {origination_uuid=abc,sip_h_X-Note=a\,b,originate_timeout=30}sofia/external/+15551234567@127.0.0.1:5070 &playback(/tmp/x.wav)"
        );
        assert_eq!(
            Originate::new("user/1000").command(),
            "originate user/1000 &park()"
        );
        assert_eq!(escape("John Doe"), r"John\sDoe");
        assert_eq!(escape("plain-value_1.2"), "plain-value_1.2");
    }
}
