//! Random secrets (refresh tokens, reset tokens, API keys) and their stored hashes.
//!
//! Secrets carry 256 bits of randomness, so a fast SHA-256 is the right stored form: slow
//! password hashes exist for low-entropy human passwords, not for these.

use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// Prefix of refresh tokens.
pub const REFRESH_PREFIX: &str = "irxr_";
/// Prefix of password-reset tokens.
pub const RESET_PREFIX: &str = "irxp_";
/// Prefix of API keys: recognisable in logs and by secret scanners.
pub const API_KEY_PREFIX: &str = "irx_sk_";

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new secret: `prefix` followed by 43 base62 characters (≈ 256 bits).
pub fn generate(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 43);
    out.push_str(prefix);
    let mut buf = [0u8; 64];
    let mut produced = 0;
    while produced < 43 {
        OsRng.fill_bytes(&mut buf);
        for b in buf {
            // Rejection sampling keeps the alphabet uniform.
            if b < 248 && produced < 43 {
                out.push(ALPHABET[usize::from(b % 62)] as char);
                produced += 1;
            }
        }
    }
    out
}

/// SHA-256 of a secret, as stored.
pub fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_unique_and_base62() {
        let a = generate(API_KEY_PREFIX);
        let b = generate(API_KEY_PREFIX);
        assert_ne!(a, b);
        assert_eq!(a.len(), API_KEY_PREFIX.len() + 43);
        assert!(
            a[API_KEY_PREFIX.len()..]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric())
        );
        assert_ne!(hash(&a), hash(&b));
    }
}
