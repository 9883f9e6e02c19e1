//! What the sender's file name and type claim, checked against what the content is.
//!
//! A claim of the same kind is fine even when the exact format differs (a JPEG named
//! `.png` is still a photo, and is renamed); a claim of a different kind is refused,
//! because a file that pretends to be something else is either a mistake worth telling
//! the person about or an attempt to smuggle something past a reader.

use crate::error::FileError;
use crate::kind::{Format, MediaKind};
use crate::sniff::Refusal;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Claim {
    Kind(MediaKind),
    /// A zip archive: honest for office files, which are zips inside.
    Archive,
    Refused(&'static str),
}

const PROGRAM: &str = "a program";
const SCRIPT: &str = "a script";
const WEB_PAGE: &str = "a web page";
const SVG: &str = "an SVG drawing";
const XML: &str = "an XML file";
const SHORTCUT: &str = "a shortcut";

pub(crate) fn claim_for_ext(ext: &str) -> Option<Claim> {
    let ext = ext.to_ascii_lowercase();
    let claim = match ext.as_str() {
        "jpg" | "jpeg" | "jpe" | "jfif" | "png" | "gif" | "webp" | "heic" | "heif" | "avif"
        | "bmp" | "tif" | "tiff" => Claim::Kind(MediaKind::Photo),
        "mp3" | "m4a" | "aac" | "ogg" | "oga" | "opus" | "wav" | "weba" | "flac" | "amr"
        | "3ga" | "wma" | "aif" | "aiff" | "mid" | "midi" => Claim::Kind(MediaKind::Audio),
        "mp4" | "m4v" | "mov" | "qt" | "webm" | "mkv" | "avi" | "3gp" | "3g2" | "wmv" | "mpg"
        | "mpeg" | "flv" => Claim::Kind(MediaKind::Video),
        "pdf" | "doc" | "docx" | "xls" | "xlsx" | "ppt" | "pptx" | "odt" | "ods" | "odp"
        | "txt" | "text" | "md" | "csv" | "rtf" | "pages" | "key" | "numbers" => {
            Claim::Kind(MediaKind::Document)
        }
        "exe" | "dll" | "com" | "scr" | "msi" | "jar" | "apk" | "app" | "elf" | "so" | "dylib"
        | "run" | "pif" | "cpl" | "sys" | "deb" | "rpm" | "dmg" => Claim::Refused(PROGRAM),
        "js" | "mjs" | "cjs" | "vbs" | "vbe" | "wsf" | "ps1" | "bat" | "cmd" | "sh" | "bash"
        | "zsh" | "py" | "pl" | "rb" | "php" | "lua" => Claim::Refused(SCRIPT),
        "html" | "htm" | "xhtml" | "shtml" | "mht" | "mhtml" | "hta" => Claim::Refused(WEB_PAGE),
        "svg" | "svgz" => Claim::Refused(SVG),
        "xml" | "xsl" => Claim::Refused(XML),
        "lnk" | "url" | "desktop" => Claim::Refused(SHORTCUT),
        "zip" | "rar" | "7z" | "tar" | "gz" | "tgz" | "bz2" | "xz" | "zst" | "iso" => {
            Claim::Archive
        }
        _ => return None,
    };
    Some(claim)
}

/// `None` for missing or uninformative types ("application/octet-stream" is what
/// browsers send when they do not know).
pub(crate) fn claim_for_mime(mime: &str) -> Option<Claim> {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let (top, sub) = essence.split_once('/')?;
    let claim = match (top, sub) {
        ("image", "svg+xml") => Claim::Refused(SVG),
        ("image", _) => Claim::Kind(MediaKind::Photo),
        ("audio", _) => Claim::Kind(MediaKind::Audio),
        ("video", _) => Claim::Kind(MediaKind::Video),
        ("text", "plain" | "csv" | "markdown" | "rtf") => Claim::Kind(MediaKind::Document),
        ("text", "html") | ("application", "xhtml+xml") => Claim::Refused(WEB_PAGE),
        ("text", "xml") | ("application", "xml") => Claim::Refused(XML),
        ("text", "javascript" | "ecmascript" | "x-python" | "x-shellscript" | "x-sh")
        | (
            "application",
            "javascript" | "x-javascript" | "ecmascript" | "x-sh" | "x-shellscript" | "x-php"
            | "x-perl" | "x-python" | "x-python-code",
        ) => Claim::Refused(SCRIPT),
        (
            "application",
            "x-msdownload"
            | "x-msdos-program"
            | "vnd.microsoft.portable-executable"
            | "x-executable"
            | "x-elf"
            | "x-mach-binary"
            | "x-sharedlib"
            | "java-archive"
            | "vnd.android.package-archive"
            | "x-msi"
            | "x-ms-installer"
            | "x-apple-diskimage",
        ) => Claim::Refused(PROGRAM),
        (
            "application",
            "zip" | "x-zip-compressed" | "x-zip" | "vnd.rar" | "x-rar-compressed"
            | "x-7z-compressed" | "gzip" | "x-gzip" | "x-tar" | "x-bzip2" | "x-xz",
        ) => Claim::Archive,
        ("application", sub)
            if sub == "pdf"
                || sub == "msword"
                || sub == "rtf"
                || sub == "vnd.ms-excel"
                || sub == "vnd.ms-powerpoint"
                || sub.starts_with("vnd.openxmlformats-officedocument.")
                || sub.starts_with("vnd.oasis.opendocument.") =>
        {
            Claim::Kind(MediaKind::Document)
        }
        _ => return None,
    };
    Some(claim)
}

/// Sound or video, as the sender labelled it: the type first (a browser's
/// MediaRecorder says "audio/webm"), then the extension.
pub(crate) fn av_hint(ext: Option<&str>, mime: Option<&str>) -> Option<MediaKind> {
    let av = |c: Option<Claim>| match c {
        Some(Claim::Kind(k @ (MediaKind::Audio | MediaKind::Video))) => Some(k),
        _ => None,
    };
    av(mime.and_then(claim_for_mime)).or_else(|| av(ext.and_then(claim_for_ext)))
}

fn claims<'a>(ext: Option<&'a str>, mime: Option<&'a str>) -> Vec<(Claim, String)> {
    let mut found = Vec::new();
    if let Some(ext) = ext {
        if let Some(c) = claim_for_ext(ext) {
            found.push((c, format!(".{}", ext.to_ascii_lowercase())));
        }
    }
    if let Some(mime) = mime {
        if let Some(c) = claim_for_mime(mime) {
            found.push((c, mime.trim().to_string()));
        }
    }
    found
}

fn describe(claim: Claim) -> &'static str {
    match claim {
        Claim::Kind(k) => k.with_article(),
        Claim::Archive => "a compressed archive",
        Claim::Refused(what) => what,
    }
}

/// Refuses content whose name or type claims a different kind.
pub(crate) fn check(
    format: Format,
    ext: Option<&str>,
    mime: Option<&str>,
) -> Result<(), FileError> {
    for (claim, shown) in claims(ext, mime) {
        let honest = match claim {
            Claim::Kind(k) if k == format.kind() => true,
            Claim::Kind(MediaKind::Audio | MediaKind::Video) => format.is_av_container(),
            Claim::Archive => format.is_zip_based(),
            _ => false,
        };
        if !honest {
            return Err(FileError::Mislabelled {
                declared: format!("{} ({shown})", describe(claim)),
                actual: format.label().to_string(),
            });
        }
    }
    Ok(())
}

/// The error for content Village refuses. When the name or type dressed it up as a
/// different kind of thing, say so: that is worth knowing (a program called `song.mp3`).
pub(crate) fn refused_content(
    refusal: Refusal,
    ext: Option<&str>,
    mime: Option<&str>,
) -> FileError {
    let disguise = claims(ext, mime)
        .into_iter()
        .find(|(claim, _)| match claim {
            Claim::Kind(k) => Some(*k) != refusal.kind,
            _ => false,
        });
    match disguise {
        Some((claim, shown)) => FileError::Mislabelled {
            declared: format!("{} ({shown})", describe(claim)),
            actual: refusal.what,
        },
        None => FileError::NotAllowed {
            what: refusal.what,
            advice: refusal.advice,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_kind_is_honest_even_in_another_format() {
        assert!(check(Format::Jpeg, Some("png"), Some("image/png")).is_ok());
        assert!(check(Format::Pdf, Some("docx"), None).is_ok());
        assert!(check(Format::Text, None, Some("text/plain; charset=windows-1252")).is_ok());
        assert!(check(
            Format::Jpeg,
            Some("weird"),
            Some("application/octet-stream")
        )
        .is_ok());
        assert!(check(Format::Jpeg, None, None).is_ok());
    }

    #[test]
    fn av_containers_accept_either_label() {
        assert!(check(
            Format::WebmAudio,
            Some("webm"),
            Some("audio/webm;codecs=opus")
        )
        .is_ok());
        assert!(check(Format::M4a, Some("mp4"), None).is_ok());
        assert!(check(Format::Mp4, Some("m4a"), None).is_ok());
        assert!(
            check(Format::Mp3, Some("mp4"), None).is_err(),
            "MP3 is no container"
        );
        assert!(check(Format::Mp4, Some("jpg"), None).is_err());
    }

    #[test]
    fn office_files_may_be_called_zip() {
        assert!(check(Format::Docx, Some("docx"), Some("application/zip")).is_ok());
        assert!(check(Format::Pdf, None, Some("application/zip")).is_err());
    }

    #[test]
    fn other_kinds_are_mislabelled_with_both_named() {
        let e = check(Format::Pdf, Some("JPG"), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "This file is labelled as a photo (.jpg), but it is really a PDF document. \
             Check that you chose the right file."
        );
        let e = check(Format::Jpeg, Some("exe"), None).unwrap_err();
        assert!(e.to_string().contains("a program (.exe)"), "{e}");
        let e = check(Format::Text, Some("html"), None).unwrap_err();
        assert!(e.to_string().contains("a web page (.html)"), "{e}");
        let e = check(Format::Jpeg, None, Some("video/mp4")).unwrap_err();
        assert!(e.to_string().contains("a video (video/mp4)"), "{e}");
    }

    fn program() -> Refusal {
        Refusal {
            what: "a Windows program".into(),
            advice: "",
            kind: None,
        }
    }

    #[test]
    fn refused_content_names_the_disguise() {
        let e = refused_content(program(), Some("mp3"), None);
        assert_eq!(
            e.to_string(),
            "This file is labelled as a sound recording (.mp3), but it is really a Windows \
             program. Check that you chose the right file."
        );
        let e = refused_content(program(), Some("exe"), None);
        assert!(matches!(e, FileError::NotAllowed { .. }));
        assert!(e
            .to_string()
            .starts_with("This file is a Windows program, which Village"));
    }

    #[test]
    fn an_honest_name_for_a_refused_format_gets_advice() {
        let heic = Refusal {
            what: "a HEIC photo".into(),
            advice: "Share it as a JPEG. ",
            kind: Some(MediaKind::Photo),
        };
        let e = refused_content(heic, Some("HEIC"), Some("image/heic"));
        assert!(
            e.to_string()
                .starts_with("This file is a HEIC photo, which Village does not accept. Share it as a JPEG. You can upload"),
            "{e}"
        );
    }

    #[test]
    fn hints_prefer_the_type() {
        assert_eq!(
            av_hint(Some("webm"), Some("audio/webm")),
            Some(MediaKind::Audio)
        );
        assert_eq!(av_hint(Some("m4a"), None), Some(MediaKind::Audio));
        assert_eq!(
            av_hint(Some("mov"), Some("application/octet-stream")),
            Some(MediaKind::Video)
        );
        assert_eq!(av_hint(Some("jpg"), None), None);
    }
}
