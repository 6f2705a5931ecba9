//! HTTP clients for customers' endpoints (answer URLs, status callbacks).
//!
//! Tenants choose these URLs, so on a platform whose tenants are not trusted a URL could point
//! the workers at the operator's own network (`http://169.254.169.254/…`, `http://127.0.0.1:…`).
//! With `public_only` set (`IRISX_OUTBOUND_HTTP_PUBLIC_ONLY`), a client refuses every address
//! that is not public: names are resolved by a resolver that drops loopback, private,
//! link-local, shared, multicast and unspecified addresses (so a name cannot be re-pointed
//! between a check and the connection), literal addresses are checked before the request, and
//! redirects are not followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether `ip` is a public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier-grade NAT)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
}

/// Resolves names to their public addresses only.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = all.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address; refused").into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// A client for customers' endpoints: `timeout` per request; redirects followed (up to 10)
/// only when `follow_redirects` and not `public_only`; with `public_only`, non-public
/// addresses refused (see the module documentation).
pub fn client(
    timeout: Duration,
    public_only: bool,
    follow_redirects: bool,
) -> reqwest::Result<reqwest::Client> {
    let redirects = if follow_redirects && !public_only {
        reqwest::redirect::Policy::limited(10)
    } else {
        reqwest::redirect::Policy::none()
    };
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(redirects);
    if public_only {
        builder.dns_resolver(Arc::new(PublicOnly)).build()
    } else {
        builder.build()
    }
}

/// Refuses a URL whose host is a literal non-public address when `public_only` (names are
/// checked when they are resolved).
pub fn check_url(url: &str, public_only: bool) -> Result<(), String> {
    if !public_only {
        return Ok(());
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url} is not a URL: {e}"))?;
    let ip = match parsed.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        _ => return Ok(()),
    };
    if is_public(ip) {
        Ok(())
    } else {
        Err(format!("{url} points at a non-public address; refused"))
    }
}

/// An error with its causes, for logs and reasons (reqwest's own text leaves them out).
pub fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn literal_addresses_are_checked_names_are_left_to_the_resolver() {
        assert!(check_url("http://127.0.0.1:8080/hook", true).is_err());
        assert!(check_url("http://[::1]/hook", true).is_err());
        assert!(check_url("http://169.254.169.254/latest/meta-data", true).is_err());
        assert!(check_url("https://8.8.8.8/hook", true).is_ok());
        assert!(check_url("https://hooks.example.com/x", true).is_ok());
        assert!(check_url("http://127.0.0.1:8080/hook", false).is_ok());
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_of_private_addresses() {
        let client = client(Duration::from_secs(2), true, false).unwrap();
        let err = client
            .get("http://localhost:9/")
            .send()
            .await
            .expect_err("localhost is refused");
        assert!(
            describe(&err).contains("no public address"),
            "{}",
            describe(&err)
        );
    }
}
