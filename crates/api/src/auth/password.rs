//! Password hashing: argon2id for everything new, bcrypt accepted from the original Node
//! system and upgraded on the next successful login.
//!
//! Hashing is CPU-heavy by design, so it runs on the blocking thread pool.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;

/// The result of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Wrong password (or an unreadable hash).
    Mismatch,
    /// Right password, and the hash is current.
    Match,
    /// Right password, but the hash is legacy (bcrypt) or weaker than today's parameters:
    /// store a fresh argon2id hash.
    MatchNeedsRehash,
}

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with argon2id into a PHC string.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
    })
    .await?
}

/// Checks `password` against `stored` (argon2 PHC string or bcrypt `$2a$/$2b$/$2y$`).
pub async fn verify(password: String, stored: String) -> anyhow::Result<Verdict> {
    Ok(tokio::task::spawn_blocking(move || verify_blocking(&password, &stored)).await?)
}

fn verify_blocking(password: &str, stored: &str) -> Verdict {
    if is_bcrypt(stored) {
        return match bcrypt::verify(password, stored) {
            Ok(true) => Verdict::MatchNeedsRehash,
            _ => Verdict::Mismatch,
        };
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verdict::Mismatch;
    };
    if argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verdict::Mismatch;
    }
    let current = parsed.algorithm.as_str() == "argon2id"
        && Params::try_from(&parsed).is_ok_and(|p| p.m_cost() >= 19 * 1024 && p.t_cost() >= 2);
    if current {
        Verdict::Match
    } else {
        Verdict::MatchNeedsRehash
    }
}

fn is_bcrypt(stored: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"]
        .iter()
        .any(|p| stored.starts_with(p))
}

/// Spends the same time as a real verification, for logins of unknown emails, so response
/// times do not reveal which emails are registered.
pub async fn verify_dummy(password: String) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(b"irisx-dummy-password", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone();
    let _ = verify(password, stored).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2_round_trip() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert_eq!(
            verify("correct horse battery".into(), h.clone())
                .await
                .unwrap(),
            Verdict::Match
        );
        assert_eq!(verify("wrong".into(), h).await.unwrap(), Verdict::Mismatch);
    }

    #[tokio::test]
    async fn bcrypt_is_accepted_and_flagged_for_rehash() {
        let legacy = bcrypt::hash("node-era password", 4).unwrap();
        assert_eq!(
            verify("node-era password".into(), legacy.clone())
                .await
                .unwrap(),
            Verdict::MatchNeedsRehash
        );
        assert_eq!(
            verify("nope".into(), legacy).await.unwrap(),
            Verdict::Mismatch
        );
    }

    #[tokio::test]
    async fn garbage_hash_is_a_mismatch() {
        assert_eq!(
            verify("x".into(), "not a hash".into()).await.unwrap(),
            Verdict::Mismatch
        );
    }
}
