//! Which certificate authorities the switch trusts when it dials over TLS
//! (`;transport=tls`, a carrier with transport `tls`).
//!
//! rsipstack trusts nothing by default, so every TLS peer would fail verification. The switch
//! trusts the system's bundle (`SSL_CERT_FILE`, or the usual paths of Debian, Red Hat, Alpine
//! and macOS) plus, optionally, one more PEM file: the CA of a carrier's private PKI, or of a
//! test peer. A file that cannot be read or holds no certificate is a startup error, not a
//! silent failure at the first call.

use std::path::{Path, PathBuf};

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// System bundles, in the order they are looked for.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The system's CA bundle, if one exists.
pub fn system_bundle() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from)
        && p.is_file()
    {
        return Some(p);
    }
    SYSTEM_BUNDLES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// The PEM certificates to trust: the system bundle (when present) and `extra`. `None` when
/// there is nothing to trust (TLS calls then fail verification).
pub fn trusted_pem(extra: Option<&Path>) -> anyhow::Result<Option<Vec<u8>>> {
    let mut pem = Vec::new();
    if let Some(system) = system_bundle() {
        match std::fs::read(&system) {
            Ok(bytes) => pem.extend(bytes),
            Err(e) => {
                tracing::warn!(path = %system.display(), error = %e, "cannot read the system CA bundle")
            }
        }
    }
    if let Some(path) = extra {
        let bytes = std::fs::read(path).map_err(|e| {
            anyhow::anyhow!("cannot read the SIP TLS CA file {}: {e}", path.display())
        })?;
        let certs = count_certificates(&bytes);
        if certs == 0 {
            anyhow::bail!(
                "the SIP TLS CA file {} holds no PEM certificate",
                path.display()
            );
        }
        pem.push(b'\n');
        pem.extend(bytes);
    }
    Ok((count_certificates(&pem) > 0).then_some(pem))
}

/// How many well-formed PEM certificates `pem` holds.
fn count_certificates(pem: &[u8]) -> usize {
    CertificateDer::pem_slice_iter(pem)
        .filter(|c| c.is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_extra_file_without_certificates_is_refused() {
        let dir = std::env::temp_dir().join(format!("irisx-tls-trust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.pem");
        std::fs::write(&bad, "not a certificate").unwrap();
        let err = trusted_pem(Some(&bad)).unwrap_err().to_string();
        assert!(err.contains("holds no PEM certificate"), "{err}");
        let missing = dir.join("missing.pem");
        let err = trusted_pem(Some(&missing)).unwrap_err().to_string();
        assert!(err.contains("cannot read"), "{err}");
    }

    #[test]
    fn the_system_bundle_is_trusted_when_present() {
        if system_bundle().is_some() {
            let pem = trusted_pem(None).unwrap().expect("system certificates");
            assert!(count_certificates(&pem) > 10);
        }
    }
}
