//! Access tokens: HS256 JSON Web Tokens that live 15 minutes.
//!
//! Only HS256 is accepted: tokens with `alg: none`, another algorithm, a bad signature or a
//! past `exp` are refused. The `ver` claim ties a token to the user's token version, which
//! logout-all and password changes bump.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use irisx_core::Role;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// The user's tenant id.
    pub tenant: Uuid,
    /// The user's role in that tenant.
    pub role: Role,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Unique token id.
    pub jti: Uuid,
    /// The user's token version when the token was issued.
    pub ver: i32,
}

/// Signs and checks access tokens with one shared secret.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl JwtKeys {
    /// Keys from `secret`; tokens live `ttl`.
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// How long issued tokens live.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Issues a token for a user.
    pub fn issue(&self, user: Uuid, tenant: Uuid, role: Role, ver: i32) -> anyhow::Result<String> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            sub: user,
            tenant,
            role,
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
            jti: Uuid::new_v4(),
            ver,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Checks a token and returns its claims, or why it is refused.
    pub fn verify(&self, token: &str) -> Result<Claims, String> {
        use jsonwebtoken::errors::ErrorKind;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                match e.kind() {
                    ErrorKind::ExpiredSignature => "the access token has expired; refresh it",
                    ErrorKind::InvalidSignature => "the access token signature is invalid",
                    ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                        "the access token must be signed with HS256"
                    }
                    _ => "the access token is malformed",
                }
                .to_owned()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys() -> JwtKeys {
        JwtKeys::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::from_secs(900),
        )
    }

    #[test]
    fn issue_then_verify() {
        let (u, t) = (Uuid::new_v4(), Uuid::new_v4());
        let token = keys().issue(u, t, Role::Admin, 3).unwrap();
        let c = keys().verify(&token).unwrap();
        assert_eq!((c.sub, c.tenant, c.role, c.ver), (u, t, Role::Admin, 3));
        assert_eq!(c.exp - c.iat, 900);
    }

    #[test]
    fn refuses_tampered_alg_none_and_foreign_keys() {
        let token = keys()
            .issue(Uuid::new_v4(), Uuid::new_v4(), Role::Member, 0)
            .unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        // Payload swapped for one claiming owner: signature no longer matches.
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        let forged = URL_SAFE_NO_PAD.encode(payload.replace("member", "owner"));
        assert!(
            keys()
                .verify(&format!("{}.{}.{}", parts[0], forged, parts[2]))
                .is_err()
        );
        // alg: none with no signature.
        let none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys().verify(&format!("{none}.{}.", parts[1])).is_err());
        // Another secret.
        let other = JwtKeys::new(
            b"another secret of thirty-two b!!",
            Duration::from_secs(900),
        );
        assert!(other.verify(&token).is_err());
    }
}
