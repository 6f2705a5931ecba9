//! `originate <dial string> <&app(args) | extension> [dialplan] [context] [cid name] [cid num]
//! [timeout]`: places a call and, once answered, runs the application on it. Replies
//! `+OK <uuid>` after the answer, or `-ERR <CAUSE>`.

use std::sync::Arc;

use super::split_args;
use crate::channel::handle::{AppRequest, ChannelCmd};
use crate::channel::outbound;
use crate::core::Core;
use crate::sip::dialstring;

/// `originate …`.
pub async fn originate(core: &Arc<Core>, args: &str) -> String {
    let (dial, rest) = split_dial(args);
    if dial.is_empty() {
        return "-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n".into();
    }
    let parsed = match dialstring::parse(dial) {
        Ok(p) => p,
        Err(e) => return format!("-ERR {e}\n"),
    };
    let extra = split_args(rest, 7);
    let app = extra.first().copied().unwrap_or("&park()");
    let (app_name, app_arg) = match parse_app(app) {
        Some(x) => x,
        None => ("transfer".to_owned(), app.to_owned()),
    };
    let mut vars = parsed.vars.clone();
    if let Some(name) = extra.get(3) {
        vars.push(("origination_caller_id_name".into(), (*name).to_owned()));
    }
    if let Some(num) = extra.get(4) {
        vars.push(("origination_caller_id_number".into(), (*num).to_owned()));
    }
    if let Some(t) = extra.get(5) {
        vars.push(("originate_timeout".into(), (*t).to_owned()));
    }
    let mut last_cause = None;
    for group in &parsed.groups {
        match outbound::ring_group(core, group, &vars).await {
            Ok(ch) => {
                let _ = ch.cmd.send(ChannelCmd::Execute(AppRequest {
                    name: app_name,
                    arg: app_arg,
                    event_uuid: None,
                    loops: 1,
                }));
                return format!("+OK {}\n", ch.uuid);
            }
            Err(cause) => last_cause = Some(cause),
        }
    }
    format!(
        "-ERR {}\n",
        last_cause
            .map(|c| c.to_string())
            .unwrap_or_else(|| "DESTINATION_OUT_OF_ORDER".into())
    )
}

/// Splits the dial string (which may contain spaces inside `{…}` / `[…]`) from the rest.
fn split_dial(args: &str) -> (&str, &str) {
    let mut depth = 0i32;
    for (i, c) in args.char_indices() {
        match c {
            '{' | '[' | '<' => depth += 1,
            '}' | ']' | '>' => depth -= 1,
            c if c.is_whitespace() && depth <= 0 => return (&args[..i], args[i..].trim_start()),
            _ => {}
        }
    }
    (args.trim(), "")
}

/// `&app(args)` or `&app args` → (app, args).
pub fn parse_app(s: &str) -> Option<(String, String)> {
    let s = s.strip_prefix('&')?;
    match s.split_once('(') {
        Some((name, rest)) => Some((
            name.trim().to_owned(),
            rest.strip_suffix(')').unwrap_or(rest).to_owned(),
        )),
        None => match s.split_once(' ') {
            Some((name, arg)) => Some((name.to_owned(), arg.to_owned())),
            None => Some((s.to_owned(), String::new())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dial_and_app_are_split() {
        let (d, rest) = split_dial("{a=1, b=2}sofia/external/1@h &playback(/tmp/x.wav)");
        assert_eq!(d, "{a=1, b=2}sofia/external/1@h");
        assert_eq!(rest, "&playback(/tmp/x.wav)");
        assert_eq!(parse_app("&park()"), Some(("park".into(), String::new())));
        assert_eq!(
            parse_app("&playback(/a b.wav)"),
            Some(("playback".into(), "/a b.wav".into()))
        );
        assert_eq!(parse_app("&echo"), Some(("echo".into(), String::new())));
        assert_eq!(parse_app("1000"), None);
    }
}
