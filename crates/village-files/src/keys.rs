//! Storage keys: where a file lives in the store.
//!
//! A key is `YYYY/MM/DD/` (the day it was stored, UTC) and 128 random bits in hex. It
//! never contains anything from the sender's file name, so a name cannot steer where a
//! file goes, collide with another pupil's file or leak into logs and URLs; the date
//! spreads files over folders and makes age-based housekeeping a prefix listing.

use jiff::Timestamp;

pub(crate) fn new_key(now: Timestamp) -> String {
    format!(
        "{}/{:032x}",
        now.strftime("%Y/%m/%d"),
        rand::random::<u128>()
    )
}

/// Whether `key` has the shape of a key this crate made. Anything else is treated as
/// missing, so a key from a URL can never name some other object or path.
pub fn is_valid_key(key: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let mut parts = key.split('/');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some(y), Some(m), Some(d), Some(id), None) => {
            digits(y, 4)
                && digits(m, 2)
                && digits(d, 2)
                && id.len() == 32
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_dated_random_and_valid() {
        let t: Timestamp = "2026-03-09T23:59:59Z".parse().unwrap();
        let a = new_key(t);
        let b = new_key(t);
        assert!(a.starts_with("2026/03/09/"), "{a}");
        assert_eq!(a.len(), "2026/03/09/".len() + 32);
        assert_ne!(a, b);
        assert!(is_valid_key(&a));
    }

    #[test]
    fn anything_else_is_not_a_key() {
        for bad in [
            "",
            "../../etc/passwd",
            "2026/03/09/../../secret",
            "2026/03/09/0123456789abcdef0123456789ABCDEF",
            "2026/03/09/0123456789abcdef0123456789abcdef/x",
            "2026/3/09/0123456789abcdef0123456789abcdef",
            "/2026/03/09/0123456789abcdef0123456789abcdef",
            "2026/03/09/0123456789abcdef0123456789abcde",
        ] {
            assert!(!is_valid_key(bad), "{bad}");
        }
        assert!(is_valid_key("2026/03/09/0123456789abcdef0123456789abcdef"));
    }
}
