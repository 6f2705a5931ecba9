//! ESL `api` / `bgapi` commands, with FreeSWITCH's names, arguments and reply texts, so the
//! same controller code drives FreeSWITCH and this switch. Each command returns the body of
//! its `api/response` (`+OK …`, `-ERR …` or data).

pub mod bridge;
pub mod originate;
pub mod show;
pub mod status;
pub mod uuid;

use std::sync::Arc;

use crate::core::Core;

/// Runs one API command line, e.g. `uuid_kill 1234 USER_BUSY`.
pub async fn api(core: &Arc<Core>, line: &str) -> String {
    let line = line.trim();
    let (cmd, args) = match line.split_once(char::is_whitespace) {
        Some((c, a)) => (c, a.trim()),
        None => (line, ""),
    };
    match cmd {
        "status" => status::status(core),
        "version" => status::version(),
        "hostname" => core.config.hostname.to_string(),
        "uptime" => core.stats().uptime_secs.to_string(),
        "media_stats" => status::media_stats(core, args),
        "show" => show::show(core, args),
        "originate" => originate::originate(core, args).await,
        "uuid_kill" => uuid::kill(core, args).await,
        "uuid_exists" => uuid::exists(core, args),
        "uuid_getvar" => uuid::getvar(core, args),
        "uuid_setvar" => uuid::setvar(core, args),
        "uuid_setvar_multi" => uuid::setvar_multi(core, args),
        "uuid_answer" => uuid::answer(core, args).await,
        "uuid_pre_answer" => uuid::pre_answer(core, args).await,
        "uuid_break" => uuid::break_(core, args),
        "uuid_park" => uuid::park(core, args),
        "uuid_broadcast" => uuid::broadcast(core, args),
        "uuid_send_dtmf" => uuid::send_dtmf(core, args),
        "uuid_dump" => uuid::dump(core, args),
        "uuid_bridge" => bridge::uuid_bridge(core, args).await,
        "uuid_transfer" => bridge::uuid_transfer(core, args),
        "uuid_record" => bridge::uuid_record(core, args).await,
        "hupall" => uuid::hupall(core, args).await,
        "eval" => args.to_owned(),
        "reloadxml" => "+OK [Success]\n".into(),
        "global_getvar" => String::new(),
        "" => "-ERR no command given\n".into(),
        other => format!("-ERR {other} Command not found!\n"),
    }
}

/// Splits `args` on whitespace into at most `n` parts (the last keeps the rest).
pub(crate) fn split_args(args: &str, n: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = args.trim();
    while !rest.is_empty() && out.len() + 1 < n {
        match rest.split_once(char::is_whitespace) {
            Some((a, b)) => {
                out.push(a);
                rest = b.trim_start();
            }
            None => {
                out.push(rest);
                rest = "";
            }
        }
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::split_args;

    #[test]
    fn args_split_keeps_the_rest() {
        assert_eq!(split_args("a b  c d", 3), ["a", "b", "c d"]);
        assert_eq!(split_args("  a ", 3), ["a"]);
        assert!(split_args("", 2).is_empty());
    }
}
