//! Identifiers and file names inside a package.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A random version 4 UUID, lowercase.
pub(crate) fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    uuid_text(bytes)
}

/// A UUID made from SHA-256 of `parts`, joined with newlines (callers pass dids, ids and
/// checked refs, which never contain one). It is shaped as version 4 (random) rather than version 5
/// (SHA-1 name-based) because SHA-1 is not used here; the version bits say only that the
/// value carries no meaning a reader could decode, which holds for a hash too.
pub(crate) fn derived_uuid(parts: &[&str]) -> String {
    let digest = Sha256::digest(parts.join("\n").as_bytes());
    let mut bytes = [0u8; 16];
    for (b, d) in bytes.iter_mut().zip(digest.iter()) {
        *b = *d;
    }
    uuid_text(bytes)
}

fn uuid_text(mut bytes: [u8; 16]) -> String {
    if let Some(b) = bytes.get_mut(6) {
        *b = (*b & 0x0f) | 0x40;
    }
    if let Some(b) = bytes.get_mut(8) {
        *b = (*b & 0x3f) | 0x80;
    }
    let hex = hex(&bytes);
    let part = |r: std::ops::Range<usize>| hex.get(r).unwrap_or_default();
    format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}

/// Whether `s` is a UUID written as Village writes them: lowercase hex, 8-4-4-4-12.
/// Package ids go into stored origins and `LIKE` patterns, so nothing else is accepted.
pub(crate) fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

/// Whether `s` can be a `ref`: it becomes part of a stored origin and of file names.
pub(crate) fn is_reference(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A file name that every unzip tool and file system takes as it is: ASCII letters,
/// digits, `.`, `-` and `_`, at most 60 characters, extension kept.
pub(crate) fn safe_file_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            c
        } else {
            '-'
        };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    let out = out
        .replace("-.", ".")
        .trim_matches(|c| c == '-' || c == '.')
        .to_string();
    let out = if out.chars().count() > 60 {
        match out.rsplit_once('.') {
            Some((stem, ext)) if !ext.is_empty() && ext.len() <= 10 => {
                let keep = 59usize.saturating_sub(ext.len());
                format!("{}.{ext}", stem.chars().take(keep).collect::<String>())
            }
            _ => out.chars().take(60).collect(),
        }
    } else {
        out
    };
    if out.is_empty() || out.starts_with('.') {
        format!("file{out}")
    } else {
        out
    }
}

/// `evidence/<ref>-<name>`: where an evidence file sits in the package.
pub(crate) fn evidence_path(reference: &str, file_name: &str) -> String {
    format!("evidence/{reference}-{}", safe_file_name(file_name))
}

/// `credentials/<ref>.json`.
pub(crate) fn credential_path(reference: &str) -> String {
    format!("credentials/{reference}.json")
}

/// Whether an entry name is a plain relative path inside the package: no leading `/`,
/// no drive letter, no backslash, no empty, `.` or `..` component, no control
/// characters. Unzip tools differ in how they treat anything else, so it is refused.
pub(crate) fn is_plain_entry_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && !name.contains(':')
        && !name.chars().any(char::is_control)
        && name
            .trim_end_matches('/')
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_shaped_as_version_4() {
        let a = random_uuid();
        assert!(is_uuid(&a), "{a}");
        assert_eq!(a.chars().nth(14), Some('4'));
        let d = derived_uuid(&["did:key:z6Mk", "42"]);
        assert!(is_uuid(&d), "{d}");
        assert_eq!(d, derived_uuid(&["did:key:z6Mk", "42"]));
        assert_ne!(d, derived_uuid(&["did:key:z6Mk", "43"]));
        assert!(matches!(d.chars().nth(19), Some('8' | '9' | 'a' | 'b')));
        assert!(!is_uuid("6D3F0E0A-2F5B-4A8E-9A55-0A1B2C3D4E5F"));
        assert!(!is_uuid("x%"));
    }

    #[test]
    fn file_names_are_plain_ascii() {
        assert_eq!(safe_file_name("my volcano (1).jpg"), "my-volcano-1.jpg");
        assert_eq!(safe_file_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_file_name("Zoë’s song.m4a"), "Zo-s-song.m4a");
        assert_eq!(safe_file_name(".hidden"), "hidden");
        assert_eq!(safe_file_name("€€€"), "file");
        let long = format!("{}.pdf", "a".repeat(100));
        let short = safe_file_name(&long);
        assert_eq!(short.len(), 60);
        assert!(short.ends_with(".pdf"));
        assert_eq!(evidence_path("3", "photo.jpg"), "evidence/3-photo.jpg");
    }

    #[test]
    fn entry_names_must_stay_inside_the_package() {
        assert!(is_plain_entry_name("evidence/3-photo.jpg"));
        assert!(is_plain_entry_name("evidence/"));
        for bad in [
            "../x",
            "evidence/../../x",
            "/etc/passwd",
            "C:/x",
            "a\\b",
            "a//b",
            "./a",
            "",
            "a\u{0}b",
        ] {
            assert!(!is_plain_entry_name(bad), "{bad:?}");
        }
    }
}
