//! Throwaway certificates for TLS tests, made with the `openssl` command (shared with the
//! platform's tests, which include this file by path).

use std::path::Path;
use std::process::Command;

/// Makes a CA (`ca.pem`) and, signed by it, a certificate for 127.0.0.1 with its key in one
/// file (`peer.pem`, what baresip's `sip_certificate` reads).
pub fn make_certificates(dir: &Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl is installed");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=IRISX test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "peer.key",
        "-out",
        "peer.csr",
    ]);
    std::fs::write(
        dir.join("ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "peer.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext",
        "-out",
        "peer.crt",
    ]);
    let mut pem = std::fs::read(dir.join("peer.crt")).unwrap();
    pem.extend(std::fs::read(dir.join("peer.key")).unwrap());
    std::fs::write(dir.join("peer.pem"), pem).unwrap();
}
