//! HTTP digest authentication (RFC 2617 / RFC 7616, MD5 with `qop=auth`) for the server side:
//! challenging REGISTER requests and checking the answers. The client side (answering a
//! carrier's 401/407) is rsipstack's.

use md5::{Digest, Md5};
use rand::RngCore;

/// A parsed `Authorization: Digest …` header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestResponse {
    /// `username`.
    pub username: String,
    /// `realm`.
    pub realm: String,
    /// `nonce`.
    pub nonce: String,
    /// `uri`.
    pub uri: String,
    /// `response`.
    pub response: String,
    /// `qop`, if any.
    pub qop: Option<String>,
    /// `nc`, with qop.
    pub nc: Option<String>,
    /// `cnonce`, with qop.
    pub cnonce: Option<String>,
    /// `algorithm`, if given (only MD5 is supported).
    pub algorithm: Option<String>,
}

/// Parses the value of an `Authorization` / `Proxy-Authorization` header.
pub fn parse_authorization(value: &str) -> Option<DigestResponse> {
    let value = value.trim();
    let rest = value
        .get(..6)
        .filter(|s| s.eq_ignore_ascii_case("digest"))
        .map(|_| &value[6..])?;
    let mut out = DigestResponse::default();
    for part in split_params(rest) {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"').to_owned();
        match k.trim().to_ascii_lowercase().as_str() {
            "username" => out.username = v,
            "realm" => out.realm = v,
            "nonce" => out.nonce = v,
            "uri" => out.uri = v,
            "response" => out.response = v.to_ascii_lowercase(),
            "qop" => out.qop = Some(v),
            "nc" => out.nc = Some(v),
            "cnonce" => out.cnonce = Some(v),
            "algorithm" => out.algorithm = Some(v),
            _ => {}
        }
    }
    (!out.username.is_empty() && !out.nonce.is_empty() && !out.response.is_empty()).then_some(out)
}

fn split_params(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut start) = (false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[start..].trim());
    out
}

fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

/// The expected `response` for `method` and the given password.
pub fn expected_response(d: &DigestResponse, method: &str, password: &str) -> String {
    let ha1 = md5_hex(&format!("{}:{}:{}", d.username, d.realm, password));
    let ha2 = md5_hex(&format!("{method}:{}", d.uri));
    match (&d.qop, &d.nc, &d.cnonce) {
        (Some(qop), Some(nc), Some(cnonce)) if qop.eq_ignore_ascii_case("auth") => {
            md5_hex(&format!("{ha1}:{}:{nc}:{cnonce}:{qop}:{ha2}", d.nonce))
        }
        _ => md5_hex(&format!("{ha1}:{}:{ha2}", d.nonce)),
    }
}

/// Checks an answer in constant time with respect to the response value.
pub fn verify(d: &DigestResponse, method: &str, password: &str) -> bool {
    if d.algorithm
        .as_deref()
        .is_some_and(|a| !a.eq_ignore_ascii_case("md5"))
    {
        return false;
    }
    let expected = expected_response(d, method, password);
    expected.len() == d.response.len()
        && expected
            .bytes()
            .zip(d.response.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A fresh random nonce.
pub fn new_nonce() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The `WWW-Authenticate` value of a challenge.
pub fn challenge(realm: &str, nonce: &str, stale: bool) -> String {
    format!(
        "Digest realm=\"{realm}\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\"{}",
        if stale { ", stale=true" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2617_example() {
        // The worked example of RFC 2617 section 3.5 (method GET).
        let header = r#"Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        let d = parse_authorization(header).unwrap();
        assert_eq!(d.username, "Mufasa");
        assert!(verify(&d, "GET", "Circle Of Life"));
        assert!(!verify(&d, "GET", "wrong"));
        assert!(!verify(&d, "POST", "Circle Of Life"));
    }

    #[test]
    fn garbage_is_refused() {
        for h in [
            "",
            "Basic abc",
            "Digest",
            "Digest username=",
            "Digest ,,,,",
            "Digestusername=\"x\"",
        ] {
            assert!(parse_authorization(h).is_none(), "{h}");
        }
        let mut d =
            parse_authorization(r#"Digest username="a", nonce="n", response="00""#).unwrap();
        d.algorithm = Some("SHA-256".into());
        assert!(!verify(&d, "REGISTER", "x"));
    }
}
