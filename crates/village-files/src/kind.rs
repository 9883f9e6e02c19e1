//! The kinds of evidence Village keeps, the exact formats it accepts, and size limits.

use serde::{Deserialize, Serialize};

/// One megabyte as people count it on their phones (10^6 bytes), so that "25 MB" in a
/// message is exactly the limit applied.
pub const MB: u64 = 1_000_000;

/// What a piece of evidence is, as the person who made it would say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Photo,
    Audio,
    Video,
    Document,
}

impl MediaKind {
    /// A stable lowercase name, for storage and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Document => "document",
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Audio => "sound recording",
            MediaKind::Video => "video",
            MediaKind::Document => "document",
        }
    }

    pub(crate) fn plural(self) -> &'static str {
        match self {
            MediaKind::Photo => "photos",
            MediaKind::Audio => "sound recordings",
            MediaKind::Video => "videos",
            MediaKind::Document => "documents",
        }
    }

    pub(crate) fn with_article(self) -> &'static str {
        match self {
            MediaKind::Photo => "a photo",
            MediaKind::Audio => "a sound recording",
            MediaKind::Video => "a video",
            MediaKind::Document => "a document",
        }
    }
}

/// The largest file accepted for each kind, in bytes.
///
/// Defaults: photos 25 MB (a 50-megapixel phone JPEG is 10–20 MB), documents 25 MB,
/// sound recordings 100 MB (about 1¾ hours of MP3 at 128 kbit/s), videos 100 MB (one to
/// three minutes of phone video, depending on its quality).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub photo_bytes: u64,
    pub audio_bytes: u64,
    pub video_bytes: u64,
    pub document_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            photo_bytes: 25 * MB,
            audio_bytes: 100 * MB,
            video_bytes: 100 * MB,
            document_bytes: 25 * MB,
        }
    }
}

impl Limits {
    /// The same limit for every kind.
    pub fn uniform(bytes: u64) -> Self {
        Limits {
            photo_bytes: bytes,
            audio_bytes: bytes,
            video_bytes: bytes,
            document_bytes: bytes,
        }
    }

    pub fn max_bytes(&self, kind: MediaKind) -> u64 {
        match kind {
            MediaKind::Photo => self.photo_bytes,
            MediaKind::Audio => self.audio_bytes,
            MediaKind::Video => self.video_bytes,
            MediaKind::Document => self.document_bytes,
        }
    }
}

/// "25 MB", "1.5 MB", "300 KB": sizes as a parent reads them.
pub(crate) fn human_size(bytes: u64) -> String {
    if bytes >= MB {
        let tenths = (bytes + MB / 20) / (MB / 10);
        let (whole, tenth) = (tenths / 10, tenths % 10);
        if tenth == 0 || whole >= 10 {
            format!("{} MB", (bytes + MB / 2) / MB)
        } else {
            format!("{whole}.{tenth} MB")
        }
    } else if bytes >= 1_000 {
        format!("{} KB", (bytes + 500) / 1_000)
    } else if bytes == 1 {
        "1 byte".to_string()
    } else {
        format!("{bytes} bytes")
    }
}

/// Every format Village accepts. Anything else is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Jpeg,
    Png,
    Gif,
    Webp,
    Mp3,
    M4a,
    Ogg,
    Wav,
    WebmAudio,
    Mp4,
    WebmVideo,
    QuickTime,
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
    Text,
}

impl Format {
    pub(crate) const ALL: [Format; 20] = [
        Format::Jpeg,
        Format::Png,
        Format::Gif,
        Format::Webp,
        Format::Mp3,
        Format::M4a,
        Format::Ogg,
        Format::Wav,
        Format::WebmAudio,
        Format::Mp4,
        Format::WebmVideo,
        Format::QuickTime,
        Format::Pdf,
        Format::Docx,
        Format::Xlsx,
        Format::Pptx,
        Format::Odt,
        Format::Ods,
        Format::Odp,
        Format::Text,
    ];

    pub(crate) fn kind(self) -> MediaKind {
        use Format::*;
        match self {
            Jpeg | Png | Gif | Webp => MediaKind::Photo,
            Mp3 | M4a | Ogg | Wav | WebmAudio => MediaKind::Audio,
            Mp4 | WebmVideo | QuickTime => MediaKind::Video,
            Pdf | Docx | Xlsx | Pptx | Odt | Ods | Odp | Text => MediaKind::Document,
        }
    }

    pub(crate) fn mime(self) -> &'static str {
        use Format::*;
        match self {
            Jpeg => "image/jpeg",
            Png => "image/png",
            Gif => "image/gif",
            Webp => "image/webp",
            Mp3 => "audio/mpeg",
            M4a => "audio/mp4",
            Ogg => "audio/ogg",
            Wav => "audio/wav",
            WebmAudio => "audio/webm",
            Mp4 => "video/mp4",
            WebmVideo => "video/webm",
            QuickTime => "video/quicktime",
            Pdf => "application/pdf",
            Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            Odt => "application/vnd.oasis.opendocument.text",
            Ods => "application/vnd.oasis.opendocument.spreadsheet",
            Odp => "application/vnd.oasis.opendocument.presentation",
            // The charset is part of the type so a browser never guesses another one.
            Text => "text/plain; charset=utf-8",
        }
    }

    /// The extension given to the stored file's display name.
    pub(crate) fn ext(self) -> &'static str {
        use Format::*;
        match self {
            Jpeg => "jpg",
            Png => "png",
            Gif => "gif",
            Webp => "webp",
            Mp3 => "mp3",
            M4a => "m4a",
            Ogg => "ogg",
            Wav => "wav",
            WebmAudio | WebmVideo => "webm",
            Mp4 => "mp4",
            QuickTime => "mov",
            Pdf => "pdf",
            Docx => "docx",
            Xlsx => "xlsx",
            Pptx => "pptx",
            Odt => "odt",
            Ods => "ods",
            Odp => "odp",
            Text => "txt",
        }
    }

    /// Other extensions that honestly name the same format, kept in display names.
    pub(crate) fn other_exts(self) -> &'static [&'static str] {
        use Format::*;
        match self {
            Jpeg => &["jpeg", "jpe", "jfif"],
            M4a => &["mp4"],
            Ogg => &["opus", "oga"],
            WebmAudio => &["weba"],
            Mp4 => &["m4v"],
            QuickTime => &["qt"],
            Text => &["text", "md", "csv"],
            _ => &[],
        }
    }

    /// What it is, in words, for messages: "a PDF document".
    pub(crate) fn label(self) -> &'static str {
        use Format::*;
        match self {
            Jpeg => "a JPEG photo",
            Png => "a PNG picture",
            Gif => "a GIF picture",
            Webp => "a WebP picture",
            Mp3 => "an MP3 sound recording",
            M4a => "an M4A sound recording",
            Ogg => "an Ogg sound recording",
            Wav => "a WAV sound recording",
            WebmAudio => "a WebM sound recording",
            Mp4 => "an MP4 video",
            WebmVideo => "a WebM video",
            QuickTime => "a QuickTime (MOV) video",
            Pdf => "a PDF document",
            Docx => "a Word document",
            Xlsx => "an Excel spreadsheet",
            Pptx => "a PowerPoint presentation",
            Odt => "an OpenDocument text",
            Ods => "an OpenDocument spreadsheet",
            Odp => "an OpenDocument presentation",
            Text => "a plain text file",
        }
    }

    /// Containers that carry sound alone or sound with pictures: a label saying audio
    /// or video is honest either way, so it picks the kind rather than refusing.
    pub(crate) fn is_av_container(self) -> bool {
        use Format::*;
        matches!(self, M4a | Mp4 | QuickTime | WebmAudio | WebmVideo | Ogg)
    }

    /// Zip-based office formats: a browser may honestly call them "application/zip".
    pub(crate) fn is_zip_based(self) -> bool {
        use Format::*;
        matches!(self, Docx | Xlsx | Pptx | Odt | Ods | Odp)
    }

    pub(crate) fn from_ext(ext: &str) -> Option<Format> {
        let ext = ext.to_ascii_lowercase();
        Format::ALL.into_iter().find(|f| f.ext() == ext)
    }

    pub(crate) fn names_ext(self, ext: &str) -> bool {
        let ext = ext.to_ascii_lowercase();
        self.ext() == ext || self.other_exts().contains(&ext.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_limits_are_documented_ones() {
        let l = Limits::default();
        assert_eq!(l.max_bytes(MediaKind::Photo), 25 * MB);
        assert_eq!(l.max_bytes(MediaKind::Document), 25 * MB);
        assert_eq!(l.max_bytes(MediaKind::Audio), 100 * MB);
        assert_eq!(l.max_bytes(MediaKind::Video), 100 * MB);
    }

    #[test]
    fn sizes_read_like_a_phone_shows_them() {
        assert_eq!(human_size(25 * MB), "25 MB");
        assert_eq!(human_size(1_500_000), "1.5 MB");
        assert_eq!(human_size(31_400_000), "31 MB");
        assert_eq!(human_size(300_000), "300 KB");
        assert_eq!(human_size(12), "12 bytes");
        assert_eq!(human_size(1), "1 byte");
    }

    #[test]
    fn every_format_has_a_consistent_kind_and_type() {
        for f in Format::ALL {
            let top = f.mime().split('/').next().unwrap_or_default();
            match f.kind() {
                MediaKind::Photo => assert_eq!(top, "image", "{f:?}"),
                MediaKind::Audio => assert_eq!(top, "audio", "{f:?}"),
                MediaKind::Video => assert_eq!(top, "video", "{f:?}"),
                MediaKind::Document => assert!(top == "application" || top == "text"),
            }
            assert!(f.names_ext(f.ext()));
            assert!(f.names_ext(&f.ext().to_uppercase()));
        }
        assert_eq!(Format::from_ext("JPG"), Some(Format::Jpeg));
        assert_eq!(Format::from_ext("exe"), None);
    }
}
