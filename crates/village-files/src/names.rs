//! File names shown to people and sent in download headers.

use crate::declared::claim_for_ext;
use crate::kind::{Format, MediaKind};

/// Longest display name, in characters; also kept under 200 bytes of UTF-8 so that
/// every common file system can save it.
const MAX_CHARS: usize = 100;
const MAX_BYTES: usize = 200;

/// The last path component of a sender's file name, without anything a folder path,
/// a browser or a screen could misread.
fn last_component(declared: &str) -> &str {
    declared.rsplit(['/', '\\']).next().unwrap_or_default()
}

/// The extension a sender's name claims, if it has one.
pub(crate) fn declared_extension(declared: &str) -> Option<&str> {
    let name = last_component(declared).trim_end_matches(['.', ' ']);
    let (stem, ext) = name.rsplit_once('.')?;
    let stem_has_text = !stem.trim_start_matches('.').is_empty();
    (stem_has_text
        && !ext.is_empty()
        && ext.len() <= 10
        && ext.chars().all(|c| c.is_ascii_alphanumeric()))
    .then_some(ext)
}

/// Characters that change how text is displayed without being seen: right-to-left
/// overrides can make `gpj.exe` look like `exe.jpg`, zero-width ones hide differences.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}'
    )
}

/// Characters Windows refuses in file names, or that quote or separate paths.
fn is_reserved(c: char) -> bool {
    matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*')
}

/// A name safe to show and to offer for download: the last path component only, no
/// control or invisible formatting characters, no leading dots (hidden files), at most
/// 100 characters, and ending in the extension of the detected type (`detected_ext`,
/// e.g. "jpg"). An honest alternative extension the sender used is kept (".jpeg").
pub fn safe_display_name(declared: &str, detected_ext: &str) -> String {
    let detected_ext: String = detected_ext
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let format = Format::from_ext(&detected_ext);

    let mut cleaned = String::with_capacity(declared.len().min(4 * MAX_CHARS));
    let mut last_was_space = true;
    for c in last_component(declared).chars() {
        if c.is_control() || is_invisible_format(c) {
            continue;
        }
        let c = if is_reserved(c) { '_' } else { c };
        if c.is_whitespace() {
            if !last_was_space {
                cleaned.push(' ');
            }
            last_was_space = true;
        } else {
            cleaned.push(c);
            last_was_space = false;
        }
    }
    let name = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);

    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => {
            let honest = match format {
                Some(f) => f.names_ext(ext),
                None => ext.eq_ignore_ascii_case(&detected_ext),
            };
            if honest {
                (stem, ext.to_ascii_lowercase())
            } else if claim_for_ext(ext).is_some() {
                // A known extension of another type is replaced: "photo.exe" → "photo.jpg".
                (stem, detected_ext.clone())
            } else {
                // Anything else was part of the name: "Year 5. Trip" → "Year 5. Trip.jpg".
                (name, detected_ext.clone())
            }
        }
        _ => (name, detected_ext.clone()),
    };
    let stem = stem.trim_end_matches(['.', ' ']);
    let mut stem = if stem.is_empty() { "file" } else { stem }.to_string();
    if is_windows_device_name(&stem) {
        stem.push('_');
    }

    let ext_len = if ext.is_empty() { 0 } else { ext.len() + 1 };
    let mut kept = String::new();
    for (count, c) in stem.chars().enumerate() {
        if count + 1 + ext_len > MAX_CHARS || kept.len() + c.len_utf8() + ext_len > MAX_BYTES {
            break;
        }
        kept.push(c);
    }
    let kept = kept.trim_end_matches(['.', ' ']);
    let kept = if kept.is_empty() { "file" } else { kept };
    if ext.is_empty() {
        kept.to_string()
    } else {
        format!("{kept}.{ext}")
    }
}

/// Names Windows treats as devices whatever their extension ("CON.txt").
fn is_windows_device_name(stem: &str) -> bool {
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && upper.ends_with(|c: char| c.is_ascii_digit()))
}

/// A `Content-Disposition` header value (RFC 6266): `inline` or `attachment`, a plain
/// ASCII `filename` for old clients and the exact name as UTF-8 in `filename*`
/// (RFC 8187).
pub fn content_disposition(display_name: &str, inline: bool) -> String {
    // Cleaned again: a name from elsewhere must not be able to break the header (CR/LF).
    let name: String = display_name
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .collect();
    let fallback: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' && c != '%' => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let disposition = if inline { "inline" } else { "attachment" };
    format!("{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// Whether a kind may be shown in the browser rather than downloaded. Photos (as their
/// previews), sound and video play in the page; documents are always downloaded, so an
/// office file or PDF never runs inside Village's own web address.
pub fn serve_inline(kind: MediaKind) -> bool {
    match kind {
        MediaKind::Photo | MediaKind::Audio | MediaKind::Video => true,
        MediaKind::Document => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parts_are_dropped() {
        assert_eq!(safe_display_name("../../etc/passwd", "txt"), "passwd.txt");
        assert_eq!(safe_display_name("C:\\evil\\x.exe", "jpg"), "x.jpg");
        assert_eq!(safe_display_name("/var/www/", "pdf"), "file.pdf");
        assert_eq!(safe_display_name("..", "pdf"), "file.pdf");
        assert_eq!(safe_display_name("C:x.pdf", "pdf"), "C_x.pdf");
    }

    #[test]
    fn hidden_and_empty_names_get_a_plain_one() {
        assert_eq!(safe_display_name("", "jpg"), "file.jpg");
        assert_eq!(safe_display_name("   ", "jpg"), "file.jpg");
        assert_eq!(safe_display_name(".htaccess", "txt"), "htaccess.txt");
        assert_eq!(safe_display_name("...hidden.png", "png"), "hidden.png");
        assert_eq!(safe_display_name(".jpg", "jpg"), "jpg.jpg");
        assert_eq!(safe_display_name("\u{202E}\u{200B}", "jpg"), "file.jpg");
    }

    #[test]
    fn control_and_invisible_characters_are_removed() {
        assert_eq!(
            safe_display_name("my\nphoto\r\t\0.jpg", "jpg"),
            "myphoto.jpg"
        );
        assert_eq!(
            safe_display_name("a\u{7}b\u{1b}[31m.pdf", "pdf"),
            "ab[31m.pdf"
        );
        // "photo\u{202E}gpj.exe" shows as "photoexe.jpg" in a right-to-left aware view.
        assert_eq!(
            safe_display_name("photo\u{202E}gpj.exe", "jpg"),
            "photogpj.jpg"
        );
        assert_eq!(
            safe_display_name("a\u{2066}b\u{2069}\u{200F}c.txt", "txt"),
            "abc.txt"
        );
        assert_eq!(safe_display_name("tab\u{85}next.txt", "txt"), "tabnext.txt");
    }

    #[test]
    fn extension_follows_the_content() {
        assert_eq!(safe_display_name("holiday.JPEG", "jpg"), "holiday.jpeg");
        assert_eq!(safe_display_name("holiday.png", "jpg"), "holiday.jpg");
        assert_eq!(safe_display_name("report", "pdf"), "report.pdf");
        assert_eq!(safe_display_name("Year 5. Trip", "jpg"), "Year 5. Trip.jpg");
        assert_eq!(safe_display_name("notes.md", "txt"), "notes.md");
        assert_eq!(safe_display_name("song.mp3.exe", "mp3"), "song.mp3.mp3");
        assert_eq!(
            safe_display_name("a  lot   of spaces .pdf", "pdf"),
            "a lot of spaces.pdf"
        );
        assert_eq!(safe_display_name("CON.txt", "txt"), "CON_.txt");
        assert_eq!(safe_display_name("what?*.pdf", "pdf"), "what__.pdf");
    }

    #[test]
    fn long_unicode_names_are_cut_on_character_boundaries() {
        let long = "子供たちの作品".repeat(40) + ".pdf";
        let safe = safe_display_name(&long, "pdf");
        assert!(safe.ends_with(".pdf"));
        assert!(safe.chars().count() <= MAX_CHARS);
        assert!(safe.len() <= MAX_BYTES);
        assert!(safe.starts_with("子供たちの作品"));
        let emoji = "🦒".repeat(300);
        let safe = safe_display_name(&emoji, "jpg");
        assert!(
            safe.len() <= MAX_BYTES && safe.ends_with("🦒.jpg"),
            "{safe}"
        );
        let latin = "a".repeat(1000) + ".docx";
        assert_eq!(safe_display_name(&latin, "docx").chars().count(), MAX_CHARS);
    }

    #[test]
    fn declared_extension_ignores_what_is_not_one() {
        assert_eq!(declared_extension("photo.JPG"), Some("JPG"));
        assert_eq!(declared_extension("a/b.c/photo"), None);
        assert_eq!(declared_extension(".bashrc"), None);
        assert_eq!(declared_extension("Mr. Smith's notes"), None);
        assert_eq!(declared_extension("evil.exe."), Some("exe"));
        assert_eq!(declared_extension("C:\\evil\\x.exe"), Some("exe"));
    }

    #[test]
    fn content_disposition_carries_utf8_and_an_ascii_fallback() {
        assert_eq!(
            content_disposition("Zoë's trip.jpg", true),
            "inline; filename=\"Zo_'s trip.jpg\"; filename*=UTF-8''Zo%C3%AB%27s%20trip.jpg"
        );
        assert_eq!(
            content_disposition("report \"final\".pdf", false),
            "attachment; filename=\"report _final_.pdf\"; \
             filename*=UTF-8''report%20%22final%22.pdf"
        );
        let injected = content_disposition("a\r\nSet-Cookie: x=1.txt", false);
        assert!(!injected.contains('\r') && !injected.contains('\n'));
        assert!(content_disposition("100%.txt", false).contains("filename=\"100_.txt\""));
    }

    #[test]
    fn documents_are_never_inline() {
        assert!(serve_inline(MediaKind::Photo));
        assert!(serve_inline(MediaKind::Audio));
        assert!(serve_inline(MediaKind::Video));
        assert!(!serve_inline(MediaKind::Document));
    }
}
