//! `set`, `export`, `unset`, `multiset`: channel variables.

use super::AppResult;
use crate::channel::handle::ChannelHandle;

fn split(arg: &str) -> Result<(&str, &str), String> {
    let (k, v) = arg
        .split_once('=')
        .ok_or_else(|| format!("expected name=value, got `{arg}`"))?;
    let k = k.trim();
    if k.is_empty() {
        return Err("the variable name is empty".into());
    }
    Ok((k, v))
}

/// `set name=value` (an empty value unsets).
pub fn set(ch: &ChannelHandle, arg: &str) -> AppResult {
    let (k, v) = split(arg)?;
    ch.set_var(k, v);
    Ok(String::new())
}

/// `export name=value`: set here and on every leg this channel bridges to later;
/// `export nolocal:name=value` sets it only on those legs.
pub fn export(ch: &ChannelHandle, arg: &str) -> AppResult {
    let (k, v) = split(arg)?;
    let name = k.strip_prefix("nolocal:").unwrap_or(k);
    // A `nolocal:` value is kept under its prefixed name, which bridging reads.
    ch.set_var(k, v);
    let mut exports: Vec<String> = ch
        .var("export_vars")
        .map(|e| e.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    if !exports.iter().any(|e| e == name) {
        exports.push(name.to_owned());
    }
    ch.set_var("export_vars", &exports.join(","));
    Ok(String::new())
}

/// The variables `ch` hands to a leg it bridges to (from `export`).
pub fn exported(ch: &ChannelHandle) -> Vec<(String, String)> {
    let Some(list) = ch.var("export_vars") else {
        return Vec::new();
    };
    list.split(',')
        .filter(|n| !n.is_empty())
        .filter_map(|n| {
            ch.var(n)
                .or_else(|| ch.var(&format!("nolocal:{n}")))
                .map(|v| (n.to_owned(), v))
        })
        .collect()
}

/// `unset name`.
pub fn unset(ch: &ChannelHandle, arg: &str) -> AppResult {
    ch.set_var(arg.trim(), "");
    Ok(String::new())
}

/// `multiset a=1 b=2` (or `^^|a=1|b=2`).
pub fn multiset(ch: &ChannelHandle, arg: &str) -> AppResult {
    let (sep, rest) = match arg.strip_prefix("^^") {
        Some(r) if !r.is_empty() => (r.chars().next().unwrap_or(' '), &r[1..]),
        _ => (' ', arg),
    };
    for item in rest.split(sep).filter(|s| !s.trim().is_empty()) {
        set(ch, item)?;
    }
    Ok(String::new())
}
