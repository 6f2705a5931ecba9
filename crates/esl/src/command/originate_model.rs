//! A port of FreeSWITCH's `switch_separate_string` (both tokenizers and
//! `cleanup_separated_string`, from `switch_utils.c`) and of how `originate` splits its
//! argument, to check that [`super::escape`] survives the real parser.

use super::{Originate, escape};
use proptest::prelude::*;

fn unescape(e: u8) -> u8 {
    match e {
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b's' => b' ',
        other => other,
    }
}

fn cleanup(s: &[u8], delim: u8) -> Vec<u8> {
    let mut i = s.iter().take_while(|c| **c == b' ').count();
    let mut dest = Vec::new();
    let mut end = None;
    let mut inside = false;
    while i < s.len() {
        let mut esc = false;
        if s[i] == b'\\' {
            let raw = s.get(i + 1).copied().unwrap_or(0);
            if raw == b'\'' || raw == b'"' || (delim != 0 && raw == delim) || raw == b'\\' {
                i += 1;
                dest.push(raw);
                end = Some(dest.len());
                esc = true;
            } else if unescape(raw) != raw {
                i += 1;
                dest.push(unescape(raw));
                end = Some(dest.len());
                esc = true;
            }
        }
        if !esc {
            if s[i] == b'\'' && (inside || s[i + 1..].contains(&b'\'')) {
                inside = !inside;
                if inside {
                    end = Some(dest.len());
                }
            } else {
                dest.push(s[i]);
                if s[i] != b' ' || inside {
                    end = Some(dest.len());
                }
            }
        }
        i += 1;
    }
    dest.truncate(end.unwrap_or(0));
    dest
}

fn split_char(s: &[u8], delim: u8, max: usize) -> Vec<Vec<u8>> {
    let mut bounds: Vec<(usize, usize)> = Vec::new();
    let (mut i, mut inside, mut in_token) = (0, false, false);
    while i < s.len() && bounds.len() <= max {
        if !in_token {
            if bounds.len() == max {
                break;
            }
            bounds.push((i, s.len()));
            in_token = true;
            continue;
        }
        if s[i] == b'\\' {
            i += 1;
        } else if s[i] == b'\'' && (inside || s[i + 1..].contains(&b'\'')) {
            inside = !inside;
        } else if s[i] == delim && !inside && bounds.len() < max {
            if let Some(last) = bounds.last_mut() {
                last.1 = i;
            }
            in_token = false;
        }
        i += 1;
    }
    bounds
        .iter()
        .map(|&(a, b)| cleanup(&s[a..b.min(s.len())], delim))
        .collect()
}

fn split_blank(s: &[u8]) -> Vec<Vec<u8>> {
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut inside = false;
    loop {
        while i < s.len() && s[i] == b' ' {
            i += 1;
        }
        if i >= s.len() {
            break;
        }
        let start = i;
        while i < s.len() {
            if s[i] == b'\\' {
                i += 1;
            } else if s[i] == b'\'' {
                inside = !inside;
            } else if s[i] == b' ' && !inside {
                break;
            }
            i += 1;
        }
        tokens.push(cleanup(&s[start..i.min(s.len())], 0));
    }
    tokens
}

/// What FreeSWITCH's `originate` makes of `originate {vars}endpoint …`: the variables.
fn freeswitch_vars(command: &str) -> Vec<(String, String)> {
    let arg = command.strip_prefix("originate ").unwrap_or(command);
    let argv = split_blank(arg.as_bytes());
    let aleg = argv.first().cloned().unwrap_or_default();
    let Some(rest) = aleg.strip_prefix(b"{") else {
        return Vec::new();
    };
    let mut depth = 1;
    let mut end = rest.len();
    for (i, c) in rest.iter().enumerate() {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    end = i;
                    break;
                }
            }
            _ => {}
        }
    }
    split_char(&rest[..end], b',', 1024)
        .into_iter()
        .filter_map(|pair| {
            let kv = split_char(&pair, b'=', 2);
            (kv.len() == 2).then(|| {
                (
                    String::from_utf8_lossy(&kv[0]).into_owned(),
                    String::from_utf8_lossy(&kv[1]).into_owned(),
                )
            })
        })
        .collect()
}

#[test]
fn known_forms() {
    // The forms FreeSWITCH's documentation uses parse as expected in the model.
    assert_eq!(
        freeswitch_vars(r"originate {a=x\,y,b=John\sDoe}user/1 &park()"),
        vec![("a".into(), "x,y".into()), ("b".into(), "John Doe".into())]
    );
}

#[test]
fn freeswitch_ignores_empty_values() {
    let cmd = Originate::new("user/1000")
        .var("v", "")
        .var("w", "z")
        .command();
    assert_eq!(
        freeswitch_vars(&cmd),
        vec![("w".to_owned(), "z".to_owned())]
    );
}

#[test]
fn tricky_values_survive() {
    for v in [
        "a,b",
        "John Doe",
        " lead and trail ",
        "it's",
        "say \"hi\"",
        r"C:\path\s",
        "a=b=c",
        "multi\nline\ttab",
        r"\",
        "'",
        "{balanced}",
        "ümlaut, ok",
    ] {
        let cmd = Originate::new("user/1000")
            .var("v", v)
            .var("w", "z")
            .command();
        assert_eq!(
            freeswitch_vars(&cmd),
            vec![("v".to_owned(), v.to_owned()), ("w".into(), "z".into())],
            "value {v:?} escaped as {:?}",
            escape(v)
        );
    }
}

proptest! {
    #[test]
    fn any_value_survives(v in "[a-z ,'\"\\\\=\\n\\t;:|^&]{1,24}") {
        let cmd = Originate::new("sofia/gw/x@h:5060").var("v", &v).var("w", "z").command();
        prop_assert_eq!(
            freeswitch_vars(&cmd),
            vec![("v".to_owned(), v.clone()), ("w".to_owned(), "z".to_owned())]
        );
    }
}
