//! Time-based one-time passwords (RFC 6238, HMAC-SHA1, 6 digits, 30-second steps), the codes
//! authenticator apps show.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECS: i64 = 30;
const DIGITS: u32 = 6;

/// A new random secret, base32-encoded as authenticator apps expect.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    data_encoding::BASE32_NOPAD.encode(&bytes)
}

/// The HOTP value (RFC 4226) for a counter.
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return u32::MAX;
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.get(19).copied().unwrap_or(0) & 0x0f);
    let word = digest
        .get(offset..offset + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, |[a, b, c, d]| u32::from_be_bytes([a & 0x7f, b, c, d]));
    word % 10u32.pow(DIGITS)
}

/// Checks a typed code against the secret at unix time `now`, allowing one step of clock
/// drift either way. Returns the matching step, which the caller stores to refuse replays.
pub fn check(secret_b32: &str, code: &str, now: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let want: u32 = code.parse().ok()?;
    let secret = data_encoding::BASE32_NOPAD
        .decode(secret_b32.as_bytes())
        .ok()?;
    let step = now.div_euclid(STEP_SECS);
    [step - 1, step, step + 1]
        .into_iter()
        .filter(|s| *s >= 0)
        .find(|s| hotp(&secret, *s as u64) == want)
}

/// The code for a time, for tests and for the demo's helper text.
pub fn code_at(secret_b32: &str, now: i64) -> Option<String> {
    let secret = data_encoding::BASE32_NOPAD
        .decode(secret_b32.as_bytes())
        .ok()?;
    Some(format!(
        "{:06}",
        hotp(&secret, now.div_euclid(STEP_SECS) as u64)
    ))
}

/// The `otpauth://` link an authenticator app reads from the QR code.
pub fn provisioning_uri(secret_b32: &str, username: &str) -> String {
    format!("otpauth://totp/Village:{username}?secret={secret_b32}&issuer=Village&algorithm=SHA1&digits=6&period=30")
}

/// The QR code for the link, as inline SVG.
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (8-digit values; we compare their last 6 digits).
    #[test]
    fn rfc6238_vectors() {
        let secret = b"12345678901234567890";
        for (t, expected8) in [
            (59u64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(hotp(secret, t / 30), expected8 % 1_000_000, "t={t}");
        }
    }

    #[test]
    fn check_allows_one_step_of_drift_only() {
        let secret = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        let now = 1_111_111_111;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(check(&secret, &code, now), Some(now / 30));
        assert!(check(&secret, &code, now + 30).is_some());
        assert!(check(&secret, &code, now + 90).is_none());
        assert!(check(&secret, "12345", now).is_none());
        assert!(check(&secret, "abcdef", now).is_none());
        assert!(check("not base32!", "123456", now).is_none());
    }
}
