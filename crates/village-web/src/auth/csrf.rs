//! CSRF protection: every form carries the session's token (synchronizer token pattern);
//! the sign-in form, which has no session yet, carries a token matched to a cookie.

use crate::error::AppError;

/// A fresh random token, 256 bits, URL-safe.
pub fn new_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares in constant time, so the comparison leaks nothing about the token.
pub fn tokens_match(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn check(expected: &str, given: &str) -> Result<(), AppError> {
    if tokens_match(expected, given) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching() {
        let t = new_token();
        assert!(tokens_match(&t, &t));
        assert!(!tokens_match(&t, "x"));
        assert!(!tokens_match("", ""));
        assert_ne!(new_token(), new_token());
    }
}
