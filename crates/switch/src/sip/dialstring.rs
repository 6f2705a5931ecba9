//! FreeSWITCH dial strings, as `originate` and `bridge` take them.
//!
//! `{a=1,b=2}[c=3]sofia/external/+15551234567@127.0.0.1:5070,user/alice|sofia/gw/x@host`:
//! `{…}` sets variables on every leg, `[…]` on one leg; `,` rings legs at once, `|` tries the
//! next group when the previous one failed. Values may contain commas when escaped (`\,`) or
//! single-quoted (`'a,b'`).

use std::fmt;

use crate::causes::HangupCause;

/// A parsed dial string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialString {
    /// Variables for every leg (`{…}`).
    pub vars: Vec<(String, String)>,
    /// Groups tried in order; the legs of a group ring simultaneously.
    pub groups: Vec<Vec<Leg>>,
}

/// One destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leg {
    /// Variables of this leg only (`[…]`), applied after the global ones.
    pub vars: Vec<(String, String)>,
    /// Where to call.
    pub target: Target,
}

/// SIP transport to reach a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SipTransport {
    /// UDP (the default).
    #[default]
    Udp,
    /// TCP.
    Tcp,
    /// TLS.
    Tls,
}

/// The kind of destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A SIP URI (from `sofia/<profile>/…` or a bare `sip:` URI).
    Sip {
        /// The user part (dialled number), possibly empty.
        user: String,
        /// Host name or address.
        host: String,
        /// Port, when given.
        port: Option<u16>,
        /// Transport.
        transport: SipTransport,
    },
    /// A user registered with the switch's registrar (`user/alice`).
    User {
        /// The user name.
        name: String,
    },
    /// A leg that fails at once with a cause (`error/user_busy`).
    Error(HangupCause),
}

/// Why a dial string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialStringError {
    /// Nothing to dial.
    #[error("the dial string is empty")]
    Empty,
    /// A `{` or `[` without its closing bracket.
    #[error("unclosed `{0}` in the dial string")]
    Unclosed(char),
    /// A variable without `=`.
    #[error("variable `{0}` has no `=`")]
    BadVariable(String),
    /// An endpoint we do not know how to reach.
    #[error(
        "unsupported endpoint `{0}` (use sofia/<profile>/<user>@<host>, sip:…, user/<name> or error/<cause>)"
    )]
    Unsupported(String),
    /// A SIP target without a host.
    #[error("`{0}` has no host")]
    NoHost(String),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Sip {
                user,
                host,
                port,
                transport,
            } => {
                write!(f, "sip:")?;
                if !user.is_empty() {
                    write!(f, "{user}@")?;
                }
                write!(f, "{host}")?;
                if let Some(p) = port {
                    write!(f, ":{p}")?;
                }
                match transport {
                    SipTransport::Udp => Ok(()),
                    SipTransport::Tcp => write!(f, ";transport=tcp"),
                    SipTransport::Tls => write!(f, ";transport=tls"),
                }
            }
            Target::User { name } => write!(f, "user/{name}"),
            Target::Error(c) => write!(f, "error/{c}"),
        }
    }
}

/// Parses a dial string.
pub fn parse(input: &str) -> Result<DialString, DialStringError> {
    let mut rest = input.trim();
    let mut vars = Vec::new();
    if rest.starts_with('{') {
        let (inner, after) = bracketed(rest, '{', '}')?;
        vars = parse_vars(inner)?;
        rest = after.trim_start();
    }
    let mut groups = Vec::new();
    for group in split_top(rest, '|') {
        let mut legs = Vec::new();
        for leg in split_top(group, ',') {
            let leg = leg.trim();
            if leg.is_empty() {
                continue;
            }
            legs.push(parse_leg(leg)?);
        }
        if !legs.is_empty() {
            groups.push(legs);
        }
    }
    if groups.is_empty() {
        return Err(DialStringError::Empty);
    }
    Ok(DialString { vars, groups })
}

fn parse_leg(leg: &str) -> Result<Leg, DialStringError> {
    let mut rest = leg;
    let mut vars = Vec::new();
    if rest.starts_with('[') {
        let (inner, after) = bracketed(rest, '[', ']')?;
        vars = parse_vars(inner)?;
        rest = after.trim_start();
    }
    Ok(Leg {
        vars,
        target: parse_target(rest)?,
    })
}

fn parse_target(s: &str) -> Result<Target, DialStringError> {
    let lower = s.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("error/") {
        let cause = rest
            .parse()
            .map_err(|_| DialStringError::Unsupported(s.to_owned()))?;
        return Ok(Target::Error(cause));
    }
    if lower.starts_with("user/") {
        let name = s[5..].split('@').next().unwrap_or_default().to_owned();
        if name.is_empty() {
            return Err(DialStringError::Unsupported(s.to_owned()));
        }
        return Ok(Target::User { name });
    }
    if lower.starts_with("sip:") || lower.starts_with("sips:") {
        return parse_sip(s, s);
    }
    if lower.starts_with("sofia/") {
        // sofia/<profile>/<rest>; the profile chooses nothing here: one stack serves all.
        let mut parts = s.splitn(3, '/');
        let (_, _profile, rest) = (parts.next(), parts.next(), parts.next());
        let rest = rest
            .filter(|r| !r.is_empty())
            .ok_or_else(|| DialStringError::Unsupported(s.to_owned()))?;
        return parse_sip(rest, s);
    }
    Err(DialStringError::Unsupported(s.to_owned()))
}

fn parse_sip(uri: &str, original: &str) -> Result<Target, DialStringError> {
    let (secure, body) = if let Some(b) = strip_prefix_ci(uri, "sips:") {
        (true, b)
    } else {
        (false, strip_prefix_ci(uri, "sip:").unwrap_or(uri))
    };
    let mut params = body.split(';');
    let addr = params.next().unwrap_or_default();
    let mut transport = if secure {
        SipTransport::Tls
    } else {
        SipTransport::Udp
    };
    for p in params {
        if let Some(t) = strip_prefix_ci(p, "transport=") {
            transport = match t.to_ascii_lowercase().as_str() {
                "tcp" => SipTransport::Tcp,
                "tls" => SipTransport::Tls,
                _ => SipTransport::Udp,
            };
        }
    }
    let (user, hostport) = match addr.rsplit_once('@') {
        Some((u, h)) => (u.to_owned(), h),
        None => (String::new(), addr),
    };
    let (host, port) = split_host_port(hostport);
    if host.is_empty() {
        return Err(DialStringError::NoHost(original.to_owned()));
    }
    Ok(Target::Sip {
        user,
        host,
        port,
        transport,
    })
}

fn split_host_port(s: &str) -> (String, Option<u16>) {
    if let Some(rest) = s.strip_prefix('[') {
        // [v6]:port
        if let Some((h, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (h.to_owned(), port);
        }
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => match p.parse() {
            Ok(port) => (h.to_owned(), Some(port)),
            Err(_) => (s.to_owned(), None),
        },
        _ => (s.to_owned(), None),
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    // `get` refuses to cut inside a multi-byte character.
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Splits `{…}` off the front of `s`, honouring quotes and escapes inside.
fn bracketed(s: &str, open: char, close: char) -> Result<(&str, &str), DialStringError> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '\'' => quoted = !quoted,
            c if c == close && !quoted => return Ok((&s[1..i], &s[i + 1..])),
            _ => {}
        }
    }
    Err(DialStringError::Unclosed(open))
}

/// Splits on `sep` outside brackets and quotes, and not escaped.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut escaped, mut start) = (0i32, false, false, 0);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '\'' => quoted = !quoted,
            '[' | '{' | '<' if !quoted => depth += 1,
            ']' | '}' | '>' if !quoted => depth -= 1,
            c if c == sep && depth <= 0 && !quoted => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_vars(inner: &str) -> Result<Vec<(String, String)>, DialStringError> {
    let mut vars = Vec::new();
    for item in split_top(inner, ',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| DialStringError::BadVariable(item.to_owned()))?;
        vars.push((k.trim().to_owned(), unescape(v.trim())));
    }
    Ok(vars)
}

fn unescape(v: &str) -> String {
    let v = v
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .unwrap_or(v);
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes a value for use inside `{…}` or `[…]`.
pub fn escape_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if matches!(c, ',' | '\\' | '\'' | '}' | ']' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sip(user: &str, host: &str, port: Option<u16>, transport: SipTransport) -> Target {
        Target::Sip {
            user: user.into(),
            host: host.into(),
            port,
            transport,
        }
    }

    #[test]
    fn sofia_with_variables() {
        let d = parse("{origination_uuid=abc,origination_caller_id_number=+15550001111,call_timeout=30}sofia/external/+15551234567@127.0.0.1:5070").unwrap();
        assert_eq!(d.vars[0], ("origination_uuid".into(), "abc".into()));
        assert_eq!(d.vars.len(), 3);
        assert_eq!(
            d.groups,
            vec![vec![Leg {
                vars: vec![],
                target: sip("+15551234567", "127.0.0.1", Some(5070), SipTransport::Udp)
            }]]
        );
    }

    #[test]
    fn escaped_and_quoted_values() {
        let d = parse(r"{a=x\,y,b='p,q',sip_auth_password=p\}w}sip:bob@example.com;transport=tcp")
            .unwrap();
        assert_eq!(
            d.vars,
            vec![
                ("a".into(), "x,y".into()),
                ("b".into(), "p,q".into()),
                ("sip_auth_password".into(), "p}w".into())
            ]
        );
        assert_eq!(
            d.groups[0][0].target,
            sip("bob", "example.com", None, SipTransport::Tcp)
        );
        let v = "we,ird}|pa\\ss";
        let d = parse(&format!("{{x={}}}user/alice", escape_value(v))).unwrap();
        assert_eq!(d.vars[0].1, v);
    }

    #[test]
    fn groups_and_per_leg_vars() {
        let d =
            parse("[leg_timeout=5]user/alice,sofia/internal/bob@10.0.0.2|error/user_busy").unwrap();
        assert_eq!(d.groups.len(), 2);
        assert_eq!(d.groups[0].len(), 2);
        assert_eq!(
            d.groups[0][0].vars,
            vec![("leg_timeout".into(), "5".into())]
        );
        assert_eq!(
            d.groups[0][0].target,
            Target::User {
                name: "alice".into()
            }
        );
        assert_eq!(d.groups[1][0].target, Target::Error(HangupCause::UserBusy));
        assert_eq!(
            parse("sips:x@[::1]:5061").unwrap().groups[0][0].target,
            sip("x", "::1", Some(5061), SipTransport::Tls)
        );
        assert_eq!(
            parse("sofia/gw/carrier.example.com").unwrap().groups[0][0]
                .target
                .to_string(),
            "sip:carrier.example.com"
        );
    }

    #[test]
    fn errors_are_clear() {
        assert_eq!(parse("  "), Err(DialStringError::Empty));
        assert_eq!(parse("{a=1"), Err(DialStringError::Unclosed('{')));
        assert_eq!(
            parse("{novalue}user/x"),
            Err(DialStringError::BadVariable("novalue".into()))
        );
        assert!(matches!(
            parse("loopback/1000"),
            Err(DialStringError::Unsupported(_))
        ));
        assert!(matches!(
            parse("sofia/external/"),
            Err(DialStringError::Unsupported(_))
        ));
        assert!(matches!(parse("sip:@"), Err(DialStringError::NoHost(_))));
        // Garbage never panics.
        for s in [
            "{",
            "[",
            "}{",
            "sofia",
            "user/",
            "error/zzz",
            "{a=\\",
            "'",
            "[a=1]",
            ",,,|||",
        ] {
            let _ = parse(s);
        }
    }

    #[test]
    fn multibyte_characters_where_prefixes_are_checked() {
        // Found by the fuzzer (sip_sdp): cutting "sΎЛ…" at byte 4 to compare it with "sip:"
        // panicked inside a two-byte character.
        assert!(matches!(
            parse("{a=1}sofia/e\u{0}3\u{0}54/sΎЛ[/hi55512"),
            Err(DialStringError::NoHost(_)) | Ok(_)
        ));
        assert!(parse("sofia/x/1@h;trΎЛ").is_ok());
        assert!(matches!(
            parse("sΎЛ:x"),
            Err(DialStringError::Unsupported(_))
        ));
    }
}
