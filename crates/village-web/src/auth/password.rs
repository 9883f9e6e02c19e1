//! Passwords, hashed with Argon2id. Hashing is slow on purpose, so it runs off the async
//! threads.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// Hashes a password with Argon2id and a random salt (PHC string format).
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a stored hash. A malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of nothing in particular, verified against when a username does not exist, so the
/// answer takes as long as for a real account and does not reveal which usernames exist.
pub const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0E7xFkNr0P4ebuxwKp7bFc1m6hIAKpvUQzxlPcvQ0jI";

pub async fn verify_async(password: String, stored: Option<String>) -> bool {
    let stored = stored.unwrap_or_else(|| DECOY_HASH.to_string());
    tokio::task::spawn_blocking(move || verify(&password, &stored))
        .await
        .unwrap_or(false)
}

/// Rules for a new password, in words a person understands.
pub fn check_new(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < 10 {
        return Err(
            "Please use at least 10 characters. A few words together are easy to remember.",
        );
    }
    if password.len() > 1024 {
        return Err("That password is too long.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong", &h));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn decoy_is_a_valid_hash_that_matches_nothing_typed() {
        assert!(PasswordHash::new(DECOY_HASH).is_ok());
        assert!(!verify("", DECOY_HASH));
        assert!(!verify("village-demo", DECOY_HASH));
    }
}
