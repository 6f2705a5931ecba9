//! Field validation for request bodies: a small trait and a collector of field errors.

use crate::error::{ApiError, FieldError};

/// A request type that can check its own fields after parsing.
pub trait Validate {
    /// Returns every invalid field at once, as a 422.
    fn validate(&self) -> Result<(), ApiError> {
        Ok(())
    }
}

/// Collects field errors, then turns them into one validation error.
#[derive(Debug, Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    /// Starts an empty collection.
    pub fn new() -> Self {
        Checks::default()
    }

    /// Records `message` against `field` unless `ok`.
    pub fn check(&mut self, field: &str, ok: bool, message: &str) -> &mut Self {
        if !ok {
            self.0.push(FieldError::new(field, message));
        }
        self
    }

    /// Checks a required, trimmed, bounded text field.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> &mut Self {
        let len = value.trim().chars().count();
        if len == 0 {
            return self.check(field, false, "is required");
        }
        self.check(
            field,
            len <= max,
            &format!("must be at most {max} characters"),
        )
    }

    /// Checks an email address (shape only; delivery proves the rest).
    pub fn email(&mut self, field: &str, value: &str) -> &mut Self {
        if value.trim().is_empty() {
            return self.check(field, false, "is required");
        }
        self.check(
            field,
            is_email(value),
            "must be an email address such as ada@example.com",
        )
    }

    /// Checks a new password against the password policy.
    pub fn password(&mut self, field: &str, value: &str) -> &mut Self {
        let len = value.chars().count();
        if len == 0 {
            return self.check(field, false, "is required");
        }
        self.check(field, len >= 10, "must be at least 10 characters");
        self.check(field, len <= 256, "must be at most 256 characters");
        self.check(field, !value.trim().is_empty(), "must not be only spaces")
    }

    /// Finishes: `Ok` when nothing was recorded.
    pub fn finish(&mut self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(std::mem::take(&mut self.0)))
        }
    }
}

/// Whether `s` looks like a deliverable email address.
pub fn is_email(s: &str) -> bool {
    let s = s.trim();
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

/// Normalises an email for storage and lookup.
pub fn normalize_email(s: &str) -> String {
    s.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("ada@example.com"));
        assert!(is_email(" Ada.L+x@sub.example.co.uk "));
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.com",
            "ada@x",
            "a b@x.com",
            "ada@x..com",
            "ada@.x.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn checks_collect_every_field() {
        let err = Checks::new()
            .text("name", " ", 10)
            .email("email", "nope")
            .password("password", "short")
            .finish();
        match err {
            Err(ApiError::Validation(f)) => {
                let names: Vec<_> = f.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(names, ["name", "email", "password"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
