//! `play_and_get_digits <min> <max> <tries> <timeout_ms> <terminators> <file> <invalid_file>
//! <var_name> <regexp> [digit_timeout_ms] [failure_ext]`: plays a prompt, collects digits
//! (typing during the prompt stops it), checks them, and retries with the invalid prompt.
//! The digits land in `<var_name>` (empty on failure).

use std::time::Duration;

use super::AppResult;
use crate::channel::handle::ChannelHandle;

/// The parsed arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// Fewest digits accepted.
    pub min: usize,
    /// Most digits collected.
    pub max: usize,
    /// Attempts.
    pub tries: u32,
    /// Wait for the first digit after the prompt.
    pub timeout: Duration,
    /// Digits that end input early (not part of the result).
    pub terminators: String,
    /// The prompt.
    pub file: String,
    /// Played after invalid input.
    pub invalid_file: Option<String>,
    /// Where to store the digits.
    pub var: String,
    /// Pattern the digits must match (a small subset of regular expressions).
    pub pattern: Option<String>,
    /// Wait between digits.
    pub digit_timeout: Duration,
}

/// Parses the argument string.
pub fn parse(arg: &str) -> Result<Args, String> {
    let a: Vec<&str> = arg.split_whitespace().collect();
    if a.len() < 6 {
        return Err("usage: <min> <max> <tries> <timeout_ms> <terminators> <file> [invalid_file] [var] [regexp] [digit_timeout_ms]".into());
    }
    let num = |i: usize, what: &str| {
        a[i].parse::<u64>()
            .map_err(|_| format!("{what} must be a number, got `{}`", a[i]))
    };
    let timeout = Duration::from_millis(num(3, "timeout")?);
    let opt = |i: usize| {
        a.get(i)
            .filter(|s| !s.is_empty() && **s != "''" && **s != "silence_stream://250")
            .map(|s| s.to_string())
    };
    Ok(Args {
        min: num(0, "min")? as usize,
        max: num(1, "max")?.max(1) as usize,
        tries: num(2, "tries")?.max(1) as u32,
        timeout,
        terminators: if a[4] == "none" {
            String::new()
        } else {
            a[4].to_owned()
        },
        file: a[5].to_owned(),
        invalid_file: a.get(6).filter(|s| !s.is_empty()).map(|s| s.to_string()),
        var: a
            .get(7)
            .map(|s| s.to_string())
            .unwrap_or_else(|| "pagd_input".into()),
        pattern: opt(8),
        digit_timeout: a
            .get(9)
            .and_then(|s| s.parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(timeout),
    })
}

/// Runs the prompt-and-collect loop.
pub async fn run(ch: &ChannelHandle, arg: &str) -> AppResult {
    let args = parse(arg)?;
    if !ch.is_answered() {
        ch.pre_answer().await?;
    }
    ch.dtmf.clear();
    for attempt in 0..args.tries {
        if ch.is_hungup() {
            break;
        }
        let digits = collect(ch, &args).await?;
        let ok =
            digits.len() >= args.min && args.pattern.as_deref().is_none_or(|p| matches(p, &digits));
        if ok {
            ch.set_var(&args.var, &digits);
            return Ok(digits);
        }
        if attempt + 1 < args.tries
            && let Some(invalid) = &args.invalid_file
        {
            let _ = super::playback::play_one(ch, invalid, "", ch.break_token()).await;
        }
    }
    ch.set_var(&args.var, "");
    Ok(String::new())
}

async fn collect(ch: &ChannelHandle, args: &Args) -> Result<String, String> {
    // The prompt plays until it ends or the caller starts typing (barge-in).
    let stop = ch.break_token();
    let barge_in = async {
        wait_first_digit(ch).await;
        stop.cancel();
        std::future::pending::<()>().await
    };
    tokio::select! {
        r = super::playback::play_one(ch, &args.file, "", stop.clone()) => { r?; }
        _ = barge_in => {}
    }
    let mut digits = String::new();
    let mut wait = args.timeout;
    while digits.len() < args.max {
        let Some(d) = ch.dtmf.next(wait).await else {
            break;
        };
        if args.terminators.contains(d) {
            break;
        }
        digits.push(d);
        wait = args.digit_timeout;
    }
    Ok(digits)
}

async fn wait_first_digit(ch: &ChannelHandle) {
    loop {
        if !ch.dtmf.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Matches `digits` against the patterns IVRs use: literal digits, `\d`, `[…]` classes,
/// `.`, `+`, `*`, `?`, `{n}` / `{n,m}`, alternation with `|`, and `^…$` anchors (always
/// anchored, as FreeSWITCH's regex checks the whole input in practice).
pub fn matches(pattern: &str, digits: &str) -> bool {
    let p = pattern.trim().trim_start_matches('^').trim_end_matches('$');
    p.split('|')
        .any(|alt| match_here(&tokens(alt), digits.as_bytes()))
}

#[derive(Debug, Clone)]
struct Tok {
    class: Vec<u8>,
    any: bool,
    min: usize,
    max: usize,
}

fn tokens(p: &str) -> Vec<Tok> {
    let b = p.as_bytes();
    let mut out: Vec<Tok> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let (class, any, next) = match b[i] {
            b'\\' if b.get(i + 1) == Some(&b'd') => ((b'0'..=b'9').collect(), false, i + 2),
            b'\\' => (
                b.get(i + 1).map(|c| vec![*c]).unwrap_or_default(),
                false,
                i + 2,
            ),
            b'.' => (Vec::new(), true, i + 1),
            b'[' => {
                let end = b[i..]
                    .iter()
                    .position(|c| *c == b']')
                    .map(|e| i + e)
                    .unwrap_or(b.len());
                let inner = &b[i + 1..end.min(b.len())];
                let mut set = Vec::new();
                let mut j = 0;
                while j < inner.len() {
                    if j + 2 < inner.len() && inner[j + 1] == b'-' {
                        set.extend(inner[j]..=inner[j + 2]);
                        j += 3;
                    } else if inner[j] == b'\\' && inner.get(j + 1) == Some(&b'd') {
                        set.extend(b'0'..=b'9');
                        j += 2;
                    } else {
                        set.push(inner[j]);
                        j += 1;
                    }
                }
                (set, false, end + 1)
            }
            c => (vec![c], false, i + 1),
        };
        i = next;
        let (mut min, mut max) = (1, 1);
        match b.get(i) {
            Some(b'+') => {
                max = usize::MAX;
                i += 1;
            }
            Some(b'*') => {
                min = 0;
                max = usize::MAX;
                i += 1;
            }
            Some(b'?') => {
                min = 0;
                i += 1;
            }
            Some(b'{') => {
                if let Some(e) = b[i..].iter().position(|c| *c == b'}') {
                    let inner = std::str::from_utf8(&b[i + 1..i + e]).unwrap_or("");
                    let mut parts = inner.split(',');
                    min = parts
                        .next()
                        .and_then(|x| x.trim().parse().ok())
                        .unwrap_or(1);
                    max = match parts.next() {
                        Some(m) if m.trim().is_empty() => usize::MAX,
                        Some(m) => m.trim().parse().unwrap_or(min),
                        None => min,
                    };
                    i += e + 1;
                }
            }
            _ => {}
        }
        out.push(Tok {
            class,
            any,
            min,
            max,
        });
    }
    out
}

fn match_here(toks: &[Tok], s: &[u8]) -> bool {
    let Some((t, rest)) = toks.split_first() else {
        return s.is_empty();
    };
    let fits = |c: u8| t.any || t.class.contains(&c);
    let mut n = 0;
    while n < t.max && n < s.len() && fits(s[n]) {
        n += 1;
    }
    if n < t.min {
        return false;
    }
    (t.min..=n).rev().any(|k| match_here(rest, &s[k..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_freeswitch_arguments() {
        let a = parse("1 4 3 5000 # /tmp/prompt.wav /tmp/invalid.wav my_digits \\d+ 3000").unwrap();
        assert_eq!((a.min, a.max, a.tries), (1, 4, 3));
        assert_eq!(a.timeout, Duration::from_secs(5));
        assert_eq!(a.digit_timeout, Duration::from_secs(3));
        assert_eq!(a.var, "my_digits");
        assert_eq!(a.pattern.as_deref(), Some("\\d+"));
        assert!(parse("1 2 3").is_err());
        assert!(parse("x 2 3 4 # f").is_err());
    }

    #[test]
    fn patterns() {
        assert!(matches("\\d+", "123"));
        assert!(!matches("\\d+", ""));
        assert!(matches("^[1-3]$", "2"));
        assert!(!matches("^[1-3]$", "4"));
        assert!(matches("1|2|9", "9"));
        assert!(matches("\\d{4}", "1234"));
        assert!(!matches("\\d{4}", "123"));
        assert!(matches("5\\d{2,3}", "5123"));
        assert!(matches("[*#0-9]+", "*12#"));
        assert!(matches(".*", ""));
    }
}
