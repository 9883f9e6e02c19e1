//! Telling what a file really is from its first bytes, never from its name.

use crate::kind::{Format, MediaKind};

/// How much of the start of an upload is read before deciding. Office files need the
/// most: their zip entries are checked a few kilobytes in.
pub(crate) const SNIFF_LEN: usize = 64 * 1024;

/// A known format Village does not accept.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// What it is, in words: "a Windows program".
    pub(crate) what: String,
    /// What to upload instead: "" or a sentence ending in a space.
    pub(crate) advice: &'static str,
    /// The kind of thing it is, when it is one (a HEIC file is a photo), so that a
    /// name saying so is not taken for a disguise.
    pub(crate) kind: Option<MediaKind>,
}

fn refuse(what: impl Into<String>, advice: &'static str, kind: Option<MediaKind>) -> Sniff {
    Sniff::Refused(Refusal {
        what: what.into(),
        advice,
        kind,
    })
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Sniff {
    Allowed(Format),
    Refused(Refusal),
    /// Looks like text, but in an old encoding or UTF-16.
    NotUtf8Text,
    Unknown,
}

/// `complete` says whether `head` is the whole file (then a character cut at the end is
/// an error, not a chunk boundary). `av_hint` is what the sender's label says, used only
/// where the content alone cannot tell sound from video.
pub(crate) fn sniff(head: &[u8], complete: bool, av_hint: Option<MediaKind>) -> Sniff {
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return refuse(OLD_OFFICE, OLD_OFFICE_ADVICE, Some(MediaKind::Document));
    }
    if let Some(found) = iso_media(head, av_hint) {
        return found;
    }
    if let Some(found) = zipped_document(head) {
        return Sniff::Allowed(found);
    }
    match infer::get(head) {
        Some(t) => match from_infer(&t, head, av_hint) {
            // Some refused formats are known by two or three letters ("MZ", "BM"), which
            // a note could start with; a real file of those formats has binary bytes
            // near its start that clean text never has. Formats that are text
            // themselves (HTML, scripts, RTF, PostScript, certificates) stay refused.
            Sniff::Refused(refusal) if !is_text_format(&t) => match sniff_text(head, complete) {
                Sniff::Allowed(Format::Text) => Sniff::Allowed(Format::Text),
                _ => Sniff::Refused(refusal),
            },
            found => found,
        },
        None => sniff_text(head, complete),
    }
}

fn is_text_format(t: &infer::Type) -> bool {
    t.matcher_type() == infer::MatcherType::Text || matches!(t.extension(), "rtf" | "ps" | "pem")
}

fn from_infer(t: &infer::Type, head: &[u8], av_hint: Option<MediaKind>) -> Sniff {
    let allowed = match t.mime_type() {
        "image/jpeg" => Some(Format::Jpeg),
        "image/png" => Some(Format::Png),
        "image/gif" => Some(Format::Gif),
        "image/webp" => Some(Format::Webp),
        "audio/mpeg" => Some(Format::Mp3),
        "audio/ogg" | "audio/opus" => Some(Format::Ogg),
        "audio/x-wav" => Some(Format::Wav),
        "video/webm" => Some(if av_hint == Some(MediaKind::Audio) {
            Format::WebmAudio
        } else {
            Format::WebmVideo
        }),
        // Old QuickTime files start with a `moov` or `mdat` box instead of `ftyp`.
        "video/quicktime" => Some(Format::QuickTime),
        "application/pdf" => Some(Format::Pdf),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            Some(Format::Docx)
        }
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Some(Format::Xlsx),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
            Some(Format::Pptx)
        }
        "application/vnd.oasis.opendocument.text" => Some(Format::Odt),
        "application/vnd.oasis.opendocument.spreadsheet" => Some(Format::Ods),
        "application/vnd.oasis.opendocument.presentation" => Some(Format::Odp),
        _ => None,
    };
    match allowed {
        Some(f) => Sniff::Allowed(f),
        None => refused(t, head),
    }
}

fn refused(t: &infer::Type, head: &[u8]) -> Sniff {
    use infer::MatcherType as M;
    let ext = t.extension();
    let upper = ext.to_ascii_uppercase();
    let plain = |what: &str| refuse(what, "", None);
    match t.matcher_type() {
        M::App => match ext {
            "exe" | "dll" => plain("a Windows program"),
            "elf" | "obj" => plain("a Linux program"),
            "mach" => plain("a Mac program"),
            "der" | "pem" => plain("a security certificate"),
            "qcow2" => plain("a disk image"),
            _ => plain("a program"),
        },
        M::Image => match ext {
            "heif" => refuse(HEIC, HEIC_ADVICE, Some(MediaKind::Photo)),
            "avif" => refuse(AVIF, JPEG_ADVICE, Some(MediaKind::Photo)),
            _ => refuse(
                format!("a {upper} picture"),
                JPEG_ADVICE,
                Some(MediaKind::Photo),
            ),
        },
        M::Video => refuse(format!("a {upper} video"), "", Some(MediaKind::Video)),
        M::Audio => refuse(
            format!("a {upper} sound recording"),
            "",
            Some(MediaKind::Audio),
        ),
        M::Font => plain("a font"),
        M::Book => plain("an e-book"),
        M::Doc => refuse(OLD_OFFICE, OLD_OFFICE_ADVICE, Some(MediaKind::Document)),
        M::Text => match ext {
            "html" => plain("a web page (HTML)"),
            "xml" if contains_ignore_case(head, b"<svg") => plain("an SVG drawing"),
            "xml" => plain("an XML file"),
            _ => plain("a script"),
        },
        M::Archive => match ext {
            "rtf" => refuse(
                "a Rich Text document",
                PDF_ADVICE,
                Some(MediaKind::Document),
            ),
            "ps" => refuse("a PostScript file", PDF_ADVICE, Some(MediaKind::Document)),
            "swf" => plain("a Flash file"),
            "sqlite" => plain("a database file"),
            "crx" => plain("a browser extension"),
            "deb" | "rpm" => plain("a software package"),
            "msi" => plain("an installer or older Microsoft Office file"),
            "eot" => plain("a font"),
            "nes" => plain("a game file"),
            "dcm" => plain("a medical scan image"),
            _ => refuse(format!("a compressed archive (.{ext})"), "", None),
        },
        M::Custom => plain("a file of a kind Village does not know"),
    }
}

const OLD_OFFICE: &str = "an older Microsoft Office file (.doc, .xls or .ppt)";
const OLD_OFFICE_ADVICE: &str =
    "Save it in the newer format (.docx, .xlsx or .pptx) or as a PDF, then upload that. ";
const HEIC: &str = "a HEIC photo, the iPhone's own format";
const HEIC_ADVICE: &str = "Share it as a JPEG instead (on the iPhone: Settings › Camera › \
                           Formats › Most Compatible). ";
const AVIF: &str = "an AVIF picture";
const JPEG_ADVICE: &str = "Save it as a JPEG or PNG, then upload that. ";
const PDF_ADVICE: &str = "Save it as a PDF, then upload that. ";

/// MP4, M4A, QuickTime and HEIC all start with an ISO `ftyp` box; its brands say which.
fn iso_media(head: &[u8], av_hint: Option<MediaKind>) -> Option<Sniff> {
    if head.get(4..8) != Some(b"ftyp".as_slice()) {
        return None;
    }
    let size = head
        .get(0..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .and_then(|s| usize::try_from(s).ok())
        .unwrap_or(0);
    let major: [u8; 4] = head.get(8..12).and_then(|b| b.try_into().ok())?;
    let compatible: Vec<[u8; 4]> = head
        .get(16..size.min(head.len()))
        .unwrap_or_default()
        .chunks_exact(4)
        .filter_map(|c| c.try_into().ok())
        .collect();
    let has = |brand: &[u8; 4]| major == *brand || compatible.contains(brand);

    let heif = [
        *b"heic", *b"heix", *b"hevc", *b"hevx", *b"heim", *b"heis", *b"mif1", *b"msf1",
    ];
    if major == *b"avif" || major == *b"avis" || (heif.contains(&major) && has(b"avif")) {
        return Some(refuse(AVIF, JPEG_ADVICE, Some(MediaKind::Photo)));
    }
    if heif.contains(&major) {
        return Some(refuse(HEIC, HEIC_ADVICE, Some(MediaKind::Photo)));
    }
    if major.starts_with(b"3g") {
        return Some(refuse(
            "a 3GP video or recording",
            "",
            Some(MediaKind::Video),
        ));
    }
    if major == *b"qt  " {
        return Some(Sniff::Allowed(Format::QuickTime));
    }
    if [*b"M4A ", *b"M4B ", *b"M4P "].contains(&major) {
        return Some(Sniff::Allowed(Format::M4a));
    }
    let mp4_brands = [
        *b"isom", *b"iso2", *b"iso3", *b"iso4", *b"iso5", *b"iso6", *b"iso8", *b"iso9", *b"mp41",
        *b"mp42", *b"avc1", *b"dash", *b"M4V ", *b"M4VH", *b"M4VP", *b"mmp4", *b"MSNV", *b"f4v ",
        *b"M4A ",
    ];
    if mp4_brands.iter().any(has) {
        // The same container holds a voice memo or a film; only an audio label or an
        // audio brand without a video label makes it sound.
        let audio = av_hint == Some(MediaKind::Audio)
            || (has(b"M4A ") && av_hint != Some(MediaKind::Video));
        return Some(Sniff::Allowed(if audio {
            Format::M4a
        } else {
            Format::Mp4
        }));
    }
    Some(Sniff::Unknown)
}

/// Office files are zips; which kind is told by the names of the entries inside. The
/// names are found by their local headers' signature rather than by walking sizes,
/// because zips written as a stream leave the sizes out of those headers.
fn zipped_document(head: &[u8]) -> Option<Format> {
    const LOCAL_HEADER: &[u8] = b"PK\x03\x04";
    if !head.starts_with(LOCAL_HEADER) {
        return None;
    }
    let entry_at = |at: usize| -> Option<(&[u8], &[u8])> {
        let len = |o: usize| {
            head.get(at + o..at + o + 2)
                .and_then(|b| <[u8; 2]>::try_from(b).ok())
                .map(|b| usize::from(u16::from_le_bytes(b)))
        };
        let name_len = len(26)?;
        let extra_len = len(28)?;
        let name = head.get(at + 30..at + 30 + name_len)?;
        let data = head
            .get(at + 30 + name_len + extra_len..)
            .unwrap_or_default();
        Some((name, data))
    };

    // OpenDocument: a first entry "mimetype" holding the type, uncompressed.
    if let Some((b"mimetype", data)) = entry_at(0) {
        let odf = [
            (
                b"application/vnd.oasis.opendocument.text".as_slice(),
                Format::Odt,
            ),
            (
                b"application/vnd.oasis.opendocument.spreadsheet".as_slice(),
                Format::Ods,
            ),
            (
                b"application/vnd.oasis.opendocument.presentation".as_slice(),
                Format::Odp,
            ),
        ];
        // "...text" must not match "...text-template" or "...text-master".
        return odf.into_iter().find_map(|(mime, format)| {
            let rest = data.strip_prefix(mime)?;
            rest.first().is_none_or(|&b| b != b'-').then_some(format)
        });
    }

    // Office Open XML: a "[Content_Types].xml" entry and a part folder named by the app.
    let names: Vec<&[u8]> = head
        .windows(LOCAL_HEADER.len())
        .enumerate()
        .filter(|(_, w)| *w == LOCAL_HEADER)
        .filter_map(|(at, _)| entry_at(at).map(|(name, _)| name))
        .collect();
    if !names.contains(&b"[Content_Types].xml".as_slice()) {
        return None;
    }
    let has_folder = |folder: &[u8]| names.iter().any(|n| n.starts_with(folder));
    if has_folder(b"word/") {
        Some(Format::Docx)
    } else if has_folder(b"xl/") {
        Some(Format::Xlsx)
    } else if has_folder(b"ppt/") {
        Some(Format::Pptx)
    } else {
        None
    }
}

fn sniff_text(head: &[u8], complete: bool) -> Sniff {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Sniff::NotUtf8Text;
    }
    let body = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        // A multi-byte character cut by the end of the sniffed part is not an error.
        Err(e) if !complete && e.error_len().is_none() => body
            .get(..e.valid_up_to())
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or_default(),
        Err(_) if looks_like_legacy_text(body) => return Sniff::NotUtf8Text,
        Err(_) => return Sniff::Unknown,
    };
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{0C}'))
    {
        return Sniff::Unknown;
    }
    // Browsers decide a page is HTML from how it starts, so the start is what matters;
    // markup quoted later in pupils' notes (a computing lesson) is still plain text.
    let start = text.trim_start();
    let mut chars = start.chars();
    if chars.next() == Some('<')
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '!' | '?' | '/'))
    {
        let what = if contains_ignore_case(start.as_bytes(), b"<svg") {
            "an SVG drawing"
        } else {
            "a web page or other markup (HTML or XML)"
        };
        return refuse(what, "", None);
    }
    if start.starts_with("#!") {
        return refuse("a script", "", None);
    }
    Sniff::Allowed(Format::Text)
}

/// Text saved in an old 8-bit encoding (Windows-1252, Latin-1): no control bytes.
fn looks_like_legacy_text(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| (b >= 0x20 && b != 0x7F) || matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Checks that a file is UTF-8 all through, a chunk at a time, carrying a character
/// that a chunk boundary cuts in two.
#[derive(Debug, Default)]
pub(crate) struct Utf8Check {
    carry: Vec<u8>,
}

impl Utf8Check {
    pub(crate) fn feed(&mut self, mut chunk: &[u8]) -> Result<(), ()> {
        while !self.carry.is_empty() {
            let Some((&first, rest)) = chunk.split_first() else {
                return Ok(());
            };
            self.carry.push(first);
            chunk = rest;
            match std::str::from_utf8(&self.carry) {
                Ok(_) => self.carry.clear(),
                Err(e) if e.error_len().is_some() || self.carry.len() >= 4 => return Err(()),
                Err(_) => {}
            }
        }
        match std::str::from_utf8(chunk) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_some() => Err(()),
            Err(e) => {
                self.carry
                    .extend_from_slice(chunk.get(e.valid_up_to()..).unwrap_or_default());
                Ok(())
            }
        }
    }

    pub(crate) fn finish(&self) -> Result<(), ()> {
        if self.carry.is_empty() {
            Ok(())
        } else {
            Err(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut v = (size as u32).to_be_bytes().to_vec();
        v.extend_from_slice(b"ftyp");
        v.extend_from_slice(major);
        v.extend_from_slice(&[0, 0, 2, 0]);
        for c in compatible {
            v.extend_from_slice(*c);
        }
        v.extend_from_slice(&[0, 0, 0, 8, b'f', b'r', b'e', b'e']);
        v
    }

    #[test]
    fn mp4_family_is_split_by_brand_and_label() {
        let voice_memo = ftyp(b"M4A ", &[b"M4A ", b"isom", b"mp42"]);
        assert_eq!(sniff(&voice_memo, true, None), Sniff::Allowed(Format::M4a));
        let film = ftyp(b"isom", &[b"isom", b"iso2", b"avc1", b"mp41"]);
        assert_eq!(sniff(&film, true, None), Sniff::Allowed(Format::Mp4));
        assert_eq!(
            sniff(&film, true, Some(MediaKind::Audio)),
            Sniff::Allowed(Format::M4a)
        );
        let android_voice = ftyp(b"mp42", &[b"isom", b"M4A "]);
        assert_eq!(
            sniff(&android_voice, true, None),
            Sniff::Allowed(Format::M4a)
        );
        assert_eq!(
            sniff(&android_voice, true, Some(MediaKind::Video)),
            Sniff::Allowed(Format::Mp4)
        );
        let mov = ftyp(b"qt  ", &[b"qt  "]);
        assert_eq!(sniff(&mov, true, None), Sniff::Allowed(Format::QuickTime));
        let heic = ftyp(b"heic", &[b"mif1", b"heic"]);
        assert!(matches!(sniff(&heic, true, None), Sniff::Refused(r) if r.what.contains("HEIC")));
        let avif = ftyp(b"avif", &[b"mif1", b"avif"]);
        assert!(matches!(sniff(&avif, true, None), Sniff::Refused(r) if r.what.contains("AVIF")));
        assert_eq!(sniff(&ftyp(b"zzzz", &[]), true, None), Sniff::Unknown);
    }

    fn zip_entry(name: &str, data: &[u8], sizes_known: bool) -> Vec<u8> {
        let mut v = b"PK\x03\x04\x14\0".to_vec();
        v.extend_from_slice(if sizes_known { &[0, 0] } else { &[8, 0] });
        // Method, time, date, CRC-32.
        v.extend_from_slice(&[0; 10]);
        let size = if sizes_known { data.len() as u32 } else { 0 };
        v.extend_from_slice(&size.to_le_bytes());
        v.extend_from_slice(&size.to_le_bytes());
        v.extend_from_slice(&(name.len() as u16).to_le_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(name.as_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn office_files_are_told_apart_by_their_entries() {
        for sizes_known in [true, false] {
            for (folder, want) in [
                ("word/document.xml", Format::Docx),
                ("xl/workbook.xml", Format::Xlsx),
                ("ppt/presentation.xml", Format::Pptx),
            ] {
                let mut zip = zip_entry("[Content_Types].xml", b"<Types/>", sizes_known);
                zip.extend(zip_entry(folder, b"<x/>", sizes_known));
                assert_eq!(sniff(&zip, true, None), Sniff::Allowed(want), "{folder}");
            }
        }
        for (mime, want) in [
            ("application/vnd.oasis.opendocument.text", Some(Format::Odt)),
            (
                "application/vnd.oasis.opendocument.spreadsheet",
                Some(Format::Ods),
            ),
            (
                "application/vnd.oasis.opendocument.presentation",
                Some(Format::Odp),
            ),
            ("application/vnd.oasis.opendocument.text-template", None),
        ] {
            let zip = zip_entry("mimetype", mime.as_bytes(), true);
            assert_eq!(zipped_document(&zip), want, "{mime}");
        }
        let plain = zip_entry("holiday/photo1.jpg", b"...", true);
        assert!(
            matches!(sniff(&plain, true, None), Sniff::Refused(r) if r.what.contains("archive"))
        );
        let epub = zip_entry("mimetype", b"application/epub+zip", true);
        assert!(matches!(sniff(&epub, true, None), Sniff::Refused(r) if r.what.contains("e-book")));
    }

    #[test]
    fn text_is_utf8_without_markup() {
        assert_eq!(
            sniff("My trip to the zoo 🦒\n".as_bytes(), true, None),
            Sniff::Allowed(Format::Text)
        );
        assert_eq!(
            sniff(b"\xEF\xBB\xBFwith a byte order mark", true, None),
            Sniff::Allowed(Format::Text)
        );
        assert_eq!(
            sniff(b"Notes: we wrote <html> on the board", true, None),
            Sniff::Allowed(Format::Text)
        );
        assert_eq!(
            sniff(b"Caf\xE9 au lait", true, None),
            Sniff::NotUtf8Text,
            "Latin-1"
        );
        assert_eq!(sniff(b"\xFF\xFEh\0i\0", true, None), Sniff::NotUtf8Text);
        assert_eq!(sniff(b"abc\0\x01\x02def", true, None), Sniff::Unknown);
        // A character cut by the end of the sniffed part is fine only mid-stream.
        let cut = &"héllo é".as_bytes()[..8];
        assert_eq!(sniff(cut, false, None), Sniff::Allowed(Format::Text));
        assert_eq!(sniff(cut, true, None), Sniff::NotUtf8Text);
        for markup in [
            "<!DOCTYPE html><p>hi",
            "  <html><script>alert(1)</script>",
            "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "<?xml version='1.0'?><svg/>",
            "<script>alert(1)</script>",
            "<a href=x>",
        ] {
            assert!(
                matches!(sniff(markup.as_bytes(), true, None), Sniff::Refused(..)),
                "{markup}"
            );
        }
        assert!(matches!(
            sniff(b"#!/bin/sh\nrm -rf /", true, None),
            Sniff::Refused(r) if r.what == "a script"
        ));
    }

    #[test]
    fn programs_are_named() {
        let mut elf = b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3E\0".to_vec();
        elf.resize(64, 0);
        assert!(matches!(sniff(&elf, true, None), Sniff::Refused(r) if r.what.contains("program")));
        let mut pe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0".to_vec();
        pe.resize(512, 0);
        assert!(
            matches!(sniff(&pe, true, None), Sniff::Refused(r) if r.what.contains("Windows program"))
        );
        let zip = b"PK\x03\x04\x14\0\0\0\x08\0";
        assert!(matches!(sniff(zip, true, None), Sniff::Refused(r) if r.what.contains("archive")));
        for note in [
            &b"MZ and friends went to the park"[..],
            b"BMX club: we rode the big ramp",
            b"PK: a note from my teacher",
        ] {
            assert_eq!(sniff(note, true, None), Sniff::Allowed(Format::Text));
        }
        assert!(matches!(
            sniff(b"{\\rtf1\\ansi Hello}", true, None),
            Sniff::Refused(r) if r.what.contains("Rich Text")
        ));
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
        assert!(
            matches!(sniff(&ole, true, None), Sniff::Refused(r) if r.what.contains("older Microsoft Office"))
        );
    }

    #[test]
    fn utf8_check_handles_characters_split_across_chunks() {
        let text = "Grüße, 子供たち 👋 done".as_bytes();
        for split in 0..text.len() {
            for split2 in split..text.len() {
                let mut c = Utf8Check::default();
                assert_eq!(c.feed(&text[..split]), Ok(()));
                assert_eq!(c.feed(&text[split..split2]), Ok(()));
                assert_eq!(c.feed(&text[split2..]), Ok(()));
                assert_eq!(c.finish(), Ok(()), "{split} {split2}");
            }
        }
        let mut c = Utf8Check::default();
        assert_eq!(c.feed(b"ok \xF0\x9F"), Ok(()));
        assert_eq!(c.finish(), Err(()), "cut at the end");
        let mut c = Utf8Check::default();
        assert_eq!(c.feed(b"ok \xF0\x9F"), Ok(()));
        assert_eq!(c.feed(b"A"), Err(()), "broken sequence across chunks");
        let mut c = Utf8Check::default();
        assert_eq!(c.feed(b"\xC0\xAF"), Err(()), "overlong");
    }
}
