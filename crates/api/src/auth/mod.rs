//! Authentication: passwords, access tokens (JWT), refresh tokens, API keys, and the
//! middleware that turns a `Bearer` credential into a [`Principal`].

pub mod api_key_cache;
pub mod jwt;
pub mod login_guard;
pub mod password;
pub mod principal;
pub mod secrets;
pub mod sessions;

pub use principal::{Credential, Principal};
