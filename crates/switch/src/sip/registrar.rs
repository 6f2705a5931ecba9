//! A registrar for local SIP users (softphones), with digest authentication, so that
//! `user/alice` can be dialled.
//!
//! Users and passwords come from the switch configuration. Bindings live in memory with
//! their expiry; nonces are remembered briefly so a replayed or invented nonce is refused.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::digest;

/// Where a registered user can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The Contact URI the user registered.
    pub contact: String,
    /// When the binding lapses.
    pub expires_at: Instant,
}

/// The outcome of a REGISTER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// Send 401 with this `WWW-Authenticate` value.
    Challenge(String),
    /// Unknown user or wrong password: 403.
    Forbidden,
    /// Registered (or refreshed, or removed with expires 0): 200 with the granted expiry.
    Ok {
        /// Seconds granted.
        expires: u32,
    },
}

/// Local users, their bindings and outstanding nonces.
pub struct Registrar {
    realm: String,
    users: HashMap<String, String>,
    bindings: Mutex<HashMap<String, Binding>>,
    nonces: Mutex<HashMap<String, Instant>>,
}

const NONCE_TTL: Duration = Duration::from_secs(300);
const MAX_EXPIRES: u32 = 3600;

impl Registrar {
    /// A registrar for `users` (name → password) in `realm`.
    pub fn new(realm: &str, users: HashMap<String, String>) -> Self {
        Registrar {
            realm: realm.to_owned(),
            users,
            bindings: Mutex::new(HashMap::new()),
            nonces: Mutex::new(HashMap::new()),
        }
    }

    /// Handles a REGISTER: `authorization` is the header value if present, `contact` the
    /// Contact URI, `expires` the requested lifetime.
    pub fn register(
        &self,
        authorization: Option<&str>,
        user: &str,
        contact: &str,
        expires: u32,
    ) -> RegisterOutcome {
        let Some(auth) = authorization.and_then(digest::parse_authorization) else {
            return RegisterOutcome::Challenge(self.challenge(false));
        };
        let now = Instant::now();
        let fresh = {
            let mut nonces = self.nonces.lock();
            nonces.retain(|_, t| now.duration_since(*t) < NONCE_TTL);
            nonces.contains_key(&auth.nonce)
        };
        if !fresh {
            return RegisterOutcome::Challenge(self.challenge(true));
        }
        let Some(password) = self.users.get(&auth.username) else {
            return RegisterOutcome::Forbidden;
        };
        if auth.username != user
            || auth.realm != self.realm
            || !digest::verify(&auth, "REGISTER", password)
        {
            return RegisterOutcome::Forbidden;
        }
        let mut bindings = self.bindings.lock();
        if expires == 0 {
            bindings.remove(user);
            return RegisterOutcome::Ok { expires: 0 };
        }
        let granted = expires.min(MAX_EXPIRES);
        bindings.insert(
            user.to_owned(),
            Binding {
                contact: contact.to_owned(),
                expires_at: now + Duration::from_secs(u64::from(granted)),
            },
        );
        RegisterOutcome::Ok { expires: granted }
    }

    fn challenge(&self, stale: bool) -> String {
        let nonce = digest::new_nonce();
        self.nonces.lock().insert(nonce.clone(), Instant::now());
        digest::challenge(&self.realm, &nonce, stale)
    }

    /// Where `user` is registered now, if anywhere.
    pub fn lookup(&self, user: &str) -> Option<Binding> {
        let now = Instant::now();
        let mut bindings = self.bindings.lock();
        match bindings.get(user) {
            Some(b) if b.expires_at > now => Some(b.clone()),
            Some(_) => {
                bindings.remove(user);
                None
            }
            None => None,
        }
    }

    /// Whether `user` is a configured local user.
    pub fn knows(&self, user: &str) -> bool {
        self.users.contains_key(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(challenge: &str, user: &str, password: &str) -> String {
        let nonce = challenge
            .split("nonce=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let d = digest::DigestResponse {
            username: user.into(),
            realm: "irisx".into(),
            nonce: nonce.into(),
            uri: "sip:127.0.0.1".into(),
            qop: Some("auth".into()),
            nc: Some("00000001".into()),
            cnonce: Some("abc".into()),
            ..Default::default()
        };
        let response = digest::expected_response(&d, "REGISTER", password);
        format!(
            r#"Digest username="{user}", realm="irisx", nonce="{nonce}", uri="sip:127.0.0.1", qop=auth, nc=00000001, cnonce="abc", response="{response}""#
        )
    }

    #[test]
    fn challenge_register_lookup_unregister() {
        let r = Registrar::new(
            "irisx",
            HashMap::from([("alice".to_owned(), "secret".to_owned())]),
        );
        let RegisterOutcome::Challenge(c) =
            r.register(None, "alice", "sip:alice@127.0.0.1:5080", 600)
        else {
            panic!("expected a challenge")
        };
        assert_eq!(
            r.register(Some(&answer(&c, "alice", "wrong")), "alice", "sip:a@x", 600),
            RegisterOutcome::Forbidden
        );
        assert_eq!(
            r.register(
                Some(&answer(&c, "alice", "secret")),
                "alice",
                "sip:alice@127.0.0.1:5080",
                7200
            ),
            RegisterOutcome::Ok { expires: 3600 }
        );
        assert_eq!(
            r.lookup("alice").unwrap().contact,
            "sip:alice@127.0.0.1:5080"
        );
        assert!(r.lookup("bob").is_none());
        assert_eq!(
            r.register(Some(&answer(&c, "alice", "secret")), "alice", "*", 0),
            RegisterOutcome::Ok { expires: 0 }
        );
        assert!(r.lookup("alice").is_none());
    }

    #[test]
    fn invented_nonces_and_strangers_are_refused() {
        let r = Registrar::new(
            "irisx",
            HashMap::from([("alice".to_owned(), "secret".to_owned())]),
        );
        let forged = answer("nonce=\"made-up\"", "alice", "secret");
        assert!(
            matches!(r.register(Some(&forged), "alice", "sip:a@x", 60), RegisterOutcome::Challenge(c) if c.contains("stale=true"))
        );
        let RegisterOutcome::Challenge(c) = r.register(None, "mallory", "sip:m@x", 60) else {
            panic!()
        };
        assert_eq!(
            r.register(Some(&answer(&c, "mallory", "x")), "mallory", "sip:m@x", 60),
            RegisterOutcome::Forbidden
        );
        // Registering someone else's name with your own credentials fails too.
        assert_eq!(
            r.register(Some(&answer(&c, "alice", "secret")), "bob", "sip:b@x", 60),
            RegisterOutcome::Forbidden
        );
    }
}
