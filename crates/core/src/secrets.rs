//! Encryption of secrets the platform must use but never show (carrier digest passwords):
//! AES-256-GCM with a random 96-bit nonce stored in front of the ciphertext.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;

/// Derives the 32-byte secrets key from another secret (HKDF-SHA256 with a fixed label), for
/// deployments that do not set `IRISX_ENCRYPTION_KEY`.
pub fn derive_key(secret: &[u8]) -> [u8; 32] {
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"irisx"), secret);
    let mut key = [0u8; 32];
    // 32 bytes is always a valid HKDF-SHA256 output length.
    let _ = hk.expand(b"irisx carrier credentials v1", &mut key);
    key
}

/// Encrypts `plaintext` with `key`.
pub fn seal(key: &[u8; 32], plaintext: &str) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.into());
    let mut nonce = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let mut out = nonce.to_vec();
    // Encryption with a valid key and nonce cannot fail for in-memory buffers.
    out.extend(
        cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .unwrap_or_default(),
    );
    out
}

/// Decrypts what [`seal`] produced; `None` if the key is wrong or the data was altered.
pub fn open(key: &[u8; 32], sealed: &[u8]) -> Option<String> {
    if sealed.len() < 12 + 16 {
        return None;
    }
    let cipher = Aes256Gcm::new(key.into());
    let plain = cipher
        .decrypt(Nonce::from_slice(&sealed[..12]), &sealed[12..])
        .ok()?;
    String::from_utf8(plain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_tamper() {
        let key = derive_key(b"some jwt secret of sufficient length!!");
        let sealed = seal(&key, "trunk password");
        assert_eq!(open(&key, &sealed).as_deref(), Some("trunk password"));
        assert_ne!(
            seal(&key, "trunk password"),
            sealed,
            "fresh nonce each time"
        );
        let mut bad = sealed.clone();
        bad[20] ^= 1;
        assert_eq!(open(&key, &bad), None);
        assert_eq!(open(&derive_key(b"another secret"), &sealed), None);
        assert_eq!(open(&key, b"short"), None);
    }
}
