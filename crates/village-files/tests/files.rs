//! The storage interface as the web layer uses it, on the memory and local backends.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::Path;

use bytes::Bytes;
use futures_util::stream;
use image::{DynamicImage, GenericImageView, ImageFormat};
use sha2::{Digest, Sha256};
use support::*;
use village_files::{FileError, FileStore, Limits, MediaKind, StoredFile, MB};

fn at_noon() -> jiff::Timestamp {
    "2026-05-01T12:00:00Z".parse().unwrap()
}

/// Both backends, the local one in a fresh folder (returned to keep it alive).
fn backends() -> Vec<(FileStore, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let local = FileStore::local(dir.path().join("evidence")).unwrap();
    vec![
        (FileStore::memory().with_clock(at_noon), None),
        (local.with_clock(at_noon), Some(dir)),
    ]
}

/// Every file under `dir`, staging files of unfinished uploads included.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                found.push(p);
            }
        }
    }
    found
}

async fn put(
    store: &FileStore,
    name: &str,
    mime: Option<&str>,
    data: &[u8],
) -> Result<StoredFile, FileError> {
    store
        .put_stream(name, mime, body(data, 1000), &Limits::default())
        .await
}

#[tokio::test]
async fn round_trip_on_both_backends() {
    for (store, dir) in backends() {
        let photo = jpeg(64, 48);
        let stored = put(&store, "Sports day.jpeg", Some("image/jpeg"), &photo)
            .await
            .unwrap();
        assert_eq!(stored.kind, MediaKind::Photo);
        assert_eq!(stored.mime, "image/jpeg");
        assert_eq!(stored.size, photo.len() as u64);
        assert_eq!(stored.display_name, "Sports day.jpeg");
        assert_eq!(stored.sha256_hex, format!("{:x}", Sha256::digest(&photo)));
        assert!(stored.key.starts_with("2026/05/01/"), "{}", stored.key);
        assert!(!stored.key.to_lowercase().contains("sports"));

        let download = store.open(&stored.key).await.unwrap();
        assert_eq!(download.size, photo.len() as u64);
        assert_eq!(download.range, 0..photo.len() as u64);
        assert_eq!(read_all(download).await, photo);

        if let Some(dir) = &dir {
            let on_disk = dir.path().join("evidence").join(&stored.key);
            assert_eq!(std::fs::read(&on_disk).unwrap(), photo);
        }

        store.delete(&stored.key).await.unwrap();
        assert!(matches!(
            store.open(&stored.key).await,
            Err(FileError::NotFound)
        ));
        store.delete(&stored.key).await.unwrap();
        if let Some(dir) = &dir {
            assert_eq!(files_under(dir.path()), Vec::<std::path::PathBuf>::new());
        }
    }
}

#[tokio::test]
async fn each_accepted_type_gets_its_kind_and_name() {
    let store = FileStore::memory();
    let png = encode(&gradient(8, 8), ImageFormat::Png);
    let gif = encode(&gradient(8, 8), ImageFormat::Gif);
    let webp = encode(&gradient(8, 8), ImageFormat::WebP);
    let film = iso_media(b"isom", &[b"isom", b"iso2", b"avc1", b"mp41"], 5000);
    let memo = iso_media(b"M4A ", &[b"M4A ", b"isom", b"mp42"], 5000);
    let mov = iso_media(b"qt  ", &[b"qt  "], 5000);
    let mut wav = b"RIFF\x24\x08\0\0WAVEfmt \x10\0\0\0".to_vec();
    wav.resize(2048, 0);
    let mut ogg = b"OggS\0\x02\0\0\0\0\0\0\0\0".to_vec();
    ogg.resize(2048, 1);
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        Vec<u8>,
        MediaKind,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        ("a.png", None, png, MediaKind::Photo, "image/png", "a.png"),
        (
            "b.gif",
            Some("image/gif"),
            gif,
            MediaKind::Photo,
            "image/gif",
            "b.gif",
        ),
        ("c", None, webp, MediaKind::Photo, "image/webp", "c.webp"),
        (
            "song.mp3",
            Some("audio/mpeg"),
            mp3(),
            MediaKind::Audio,
            "audio/mpeg",
            "song.mp3",
        ),
        (
            "memo.m4a",
            None,
            memo,
            MediaKind::Audio,
            "audio/mp4",
            "memo.m4a",
        ),
        (
            "rec.wav",
            Some("audio/wav"),
            wav,
            MediaKind::Audio,
            "audio/wav",
            "rec.wav",
        ),
        (
            "rec.ogg",
            None,
            ogg,
            MediaKind::Audio,
            "audio/ogg",
            "rec.ogg",
        ),
        (
            "rec.webm",
            Some("audio/webm;codecs=opus"),
            webm(),
            MediaKind::Audio,
            "audio/webm",
            "rec.webm",
        ),
        (
            "clip.webm",
            Some("video/webm"),
            webm(),
            MediaKind::Video,
            "video/webm",
            "clip.webm",
        ),
        (
            "clip.mp4",
            Some("video/mp4"),
            film.clone(),
            MediaKind::Video,
            "video/mp4",
            "clip.mp4",
        ),
        // The same container called audio is a sound recording (an Android voice note).
        (
            "voice.m4a",
            Some("audio/mp4"),
            film,
            MediaKind::Audio,
            "audio/mp4",
            "voice.m4a",
        ),
        (
            "dance.MOV",
            Some("video/quicktime"),
            mov,
            MediaKind::Video,
            "video/quicktime",
            "dance.mov",
        ),
        (
            "essay.pdf",
            Some("application/pdf"),
            pdf(),
            MediaKind::Document,
            "application/pdf",
            "essay.pdf",
        ),
        (
            "story.docx",
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            docx(),
            MediaKind::Document,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "story.docx",
        ),
        (
            "story2.docx",
            Some("application/zip"),
            docx(),
            MediaKind::Document,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "story2.docx",
        ),
        (
            "poem.odt",
            None,
            odt(),
            MediaKind::Document,
            "application/vnd.oasis.opendocument.text",
            "poem.odt",
        ),
        (
            "notes.txt",
            Some("text/plain"),
            "Ünïcödé notes ✓".as_bytes().to_vec(),
            MediaKind::Document,
            "text/plain; charset=utf-8",
            "notes.txt",
        ),
    ];
    for (name, mime, data, kind, want_mime, display) in cases {
        let stored = put(&store, name, mime, &data)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (stored.kind, stored.mime.as_str()),
            (kind, want_mime),
            "{name}"
        );
        assert_eq!(stored.display_name, display, "{name}");
    }
}

#[tokio::test]
async fn empty_files_are_refused() {
    let store = FileStore::memory();
    let err = put(&store, "x.jpg", None, b"").await.unwrap_err();
    assert!(matches!(err, FileError::Empty));
    assert_eq!(err.to_string(), "This file is empty.");
}

#[tokio::test]
async fn over_limit_upload_is_refused_and_nothing_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::local(dir.path()).unwrap();
    let limits = Limits {
        photo_bytes: 3 * MB,
        ..Limits::default()
    };
    // A real JPEG start, then far more data than the limit: parts are written before
    // the limit is reached, and must all be removed. Its end marker is taken off, so the
    // filler reads as image data, which is stored as it came (anything after the end of
    // a photo is not).
    let mut big = jpeg(32, 32);
    big.truncate(big.len() - 2);
    big.resize(7 * MB as usize, 0x42);
    let err = store
        .put_stream(
            "big.jpg",
            Some("image/jpeg"),
            body(&big, 64 * 1024),
            &limits,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, FileError::TooLarge { kind: MediaKind::Photo, limit } if limit == 3 * MB)
    );
    assert_eq!(
        err.to_string(),
        "This photo is larger than 3 MB, the most Village accepts for photos."
    );
    assert!(err.is_refusal());
    assert_eq!(files_under(dir.path()), Vec::<std::path::PathBuf>::new());

    // Just at the limit is fine.
    big.truncate(3 * MB as usize);
    let stored = store
        .put_stream("big.jpg", None, body(&big, 64 * 1024), &limits)
        .await
        .unwrap();
    assert_eq!(stored.size, 3 * MB);
}

#[tokio::test]
async fn interrupted_upload_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::local(dir.path()).unwrap();
    let mut start = jpeg(32, 32);
    start.resize(3 * 1024 * 1024, 7);
    let broken = stream::iter(vec![
        Ok(Bytes::from(start)),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset",
        )),
    ]);
    let err = store
        .put_stream("x.jpg", None, broken, &Limits::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FileError::Interrupted(_)));
    assert_eq!(
        err.to_string(),
        "The upload stopped before the whole file arrived. Please try again."
    );
    assert_eq!(files_under(dir.path()), Vec::<std::path::PathBuf>::new());
}

#[tokio::test]
async fn mislabelled_files_are_refused_naming_what_they_are() {
    let store = FileStore::memory();
    let err = put(&store, "photo.jpg", Some("image/jpeg"), &pdf())
        .await
        .unwrap_err();
    assert!(matches!(err, FileError::Mislabelled { .. }));
    assert_eq!(
        err.to_string(),
        "This file is labelled as a photo (.jpg), but it is really a PDF document. \
         Check that you chose the right file."
    );
    // The type alone can mislabel too.
    let err = put(&store, "scan", Some("image/png"), &pdf())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("a photo (image/png)"), "{err}");
    let err = put(&store, "homework.pdf", None, &jpeg(8, 8))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("really a JPEG photo"), "{err}");
    let err = put(&store, "clip.mp4", None, &mp3()).await.unwrap_err();
    assert!(
        err.to_string().contains("really an MP3 sound recording"),
        "{err}"
    );
    let err = put(&store, "holiday.jpg", Some("image/jpeg"), &docx())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("really a Word document"), "{err}");
    // A photo of the same kind in another format is only renamed.
    let stored = put(&store, "photo.png", Some("image/png"), &jpeg(8, 8))
        .await
        .unwrap();
    assert_eq!(stored.display_name, "photo.jpg");
}

#[tokio::test]
async fn executables_are_refused_whatever_their_name() {
    let store = FileStore::memory();
    for (name, mime) in [
        ("song.mp3", Some("audio/mpeg")),
        ("holiday.jpg", None),
        ("homework.pdf", Some("application/pdf")),
        ("notes.txt", Some("text/plain")),
        ("tool", None),
        ("tool.exe", Some("application/x-msdownload")),
    ] {
        for (program, what) in [(elf(), "a Linux program"), (exe(), "a Windows program")] {
            let err = put(&store, name, mime, &program).await.unwrap_err();
            assert!(
                matches!(
                    err,
                    FileError::Mislabelled { .. } | FileError::NotAllowed { .. }
                ),
                "{name}: {err:?}"
            );
            assert!(err.to_string().contains(what), "{name}: {err}");
        }
    }
    let err = put(&store, "song.mp3", None, &elf()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "This file is labelled as a sound recording (.mp3), but it is really a Linux program. \
         Check that you chose the right file."
    );
    let err = put(&store, "tool", None, &exe()).await.unwrap_err();
    assert!(matches!(err, FileError::NotAllowed { .. }));
    assert!(err.to_string().starts_with(
        "This file is a Windows program, which Village does not accept. You can upload photos"
    ));
    // Named as one, a photo is still refused: the name says it is a program.
    let err = put(&store, "setup.exe", None, &jpeg(8, 8))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("a program (.exe)"), "{err}");
}

#[tokio::test]
async fn html_svg_scripts_and_archives_are_refused() {
    let store = FileStore::memory();
    let page = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>";
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let xml_svg = b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    for (name, mime, data, what) in [
        ("page.html", Some("text/html"), &page[..], "web page"),
        ("notes.txt", Some("text/plain"), &page[..], "web page"),
        ("drawing.svg", Some("image/svg+xml"), &svg[..], "SVG"),
        ("drawing.png", Some("image/png"), &svg[..], "SVG"),
        ("drawing", None, &xml_svg[..], "SVG"),
        ("run.sh", None, b"#!/bin/sh\necho hi\n", "script"),
        (
            "files.zip",
            None,
            &zip(&[("a.txt", b"hello")])[..],
            "compressed archive",
        ),
        (
            "photos.jpg",
            None,
            &zip(&[("a.txt", b"hello")])[..],
            "compressed archive",
        ),
    ] {
        let err = put(&store, name, mime, data).await.unwrap_err();
        assert!(
            matches!(
                err,
                FileError::NotAllowed { .. } | FileError::Mislabelled { .. }
            ),
            "{name}: {err:?}"
        );
        assert!(err.to_string().contains(what), "{name}: {err}");
    }
    // Plain text named as a web page is refused by its name.
    let err = put(&store, "page.html", None, b"just words")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("a web page (.html)"), "{err}");
}

#[tokio::test]
async fn text_must_be_utf8_all_through() {
    let store = FileStore::memory();
    let stored = put(&store, "poem.txt", None, "Ça va? Très bien 👍\n".as_bytes())
        .await
        .unwrap();
    assert_eq!(stored.kind, MediaKind::Document);

    let err = put(&store, "poem.txt", None, b"Ca va? Tr\xE8s bien\n")
        .await
        .unwrap_err();
    assert!(matches!(err, FileError::NotUtf8), "{err:?}");
    assert!(err.to_string().contains("UTF-8"));

    // Invalid bytes far beyond the part read to decide the type are still caught, and
    // the upload is removed.
    let dir = tempfile::tempdir().unwrap();
    let local = FileStore::local(dir.path()).unwrap();
    let mut long = "All work and no play. ".repeat(200_000).into_bytes();
    long.extend_from_slice(b"\xFF\xFE broken");
    let err = put(&local, "long.txt", None, &long).await.unwrap_err();
    assert!(matches!(err, FileError::NotUtf8), "{err:?}");
    assert_eq!(files_under(dir.path()), Vec::<std::path::PathBuf>::new());

    // A multi-byte character cut by the very end is not UTF-8 either.
    let err = put(&store, "cut.txt", None, &"héllo é".as_bytes()[..8])
        .await
        .unwrap_err();
    assert!(matches!(err, FileError::NotUtf8), "{err:?}");

    let err = put(&store, "data", None, &[0u8, 1, 2, 3, 200, 100, 0, 0, 9])
        .await
        .unwrap_err();
    assert!(matches!(err, FileError::Unrecognised), "{err:?}");
}

#[tokio::test]
async fn declared_names_are_made_safe() {
    let store = FileStore::memory();
    for (declared, want) in [
        ("../../etc/passwd", "passwd.txt"),
        ("C:\\evil\\x.exe.txt", "x.exe.txt"),
        ("line\r\nbreak\u{7}.txt", "linebreak.txt"),
        ("invoice\u{202E}fdp.txt", "invoicefdp.txt"),
        ("", "file.txt"),
        (".profile", "profile.txt"),
    ] {
        let stored = put(&store, declared, None, b"hello").await.unwrap();
        assert_eq!(stored.display_name, want, "{declared:?}");
    }
    let long = "お話".repeat(200) + ".txt";
    let stored = put(&store, &long, None, b"hello").await.unwrap();
    assert!(stored.display_name.chars().count() <= 100);
    assert!(stored.display_name.starts_with("お話お話"));
    assert!(stored.display_name.ends_with(".txt"));
    assert!(stored.display_name.len() <= 200);
}

#[tokio::test]
async fn preview_of_a_large_png_has_the_asked_long_side() {
    for (store, _dir) in backends() {
        let png = encode(&gradient(4000, 3000), ImageFormat::Png);
        let stored = put(&store, "class photo.png", Some("image/png"), &png)
            .await
            .unwrap();
        let preview = store.make_preview(&stored, 800).await.unwrap().unwrap();
        assert_ne!(preview.key, stored.key);
        assert!(village_files::is_valid_key(&preview.key));
        assert_eq!(preview.kind, MediaKind::Photo);
        assert_eq!(preview.mime, "image/jpeg");
        assert_eq!(preview.display_name, "class photo.jpg");
        let bytes = read_all(store.open(&preview.key).await.unwrap()).await;
        assert_eq!(bytes.len() as u64, preview.size);
        assert_eq!(preview.sha256_hex, format!("{:x}", Sha256::digest(&bytes)));
        let small = image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg).unwrap();
        assert_eq!(small.dimensions(), (800, 600));
    }
}

/// A JPEG with an EXIF block: orientation "rotate 90° clockwise" and a GPS position.
fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let plain = jpeg(width, height);
    // TIFF, big-endian: IFD0 with Orientation = 6 and a pointer to a GPS IFD holding
    // GPSLatitudeRef = "N".
    let mut tiff = b"MM\0\x2A\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

#[tokio::test]
async fn preview_is_upright_and_has_no_exif() {
    let store = FileStore::memory();
    let original = jpeg_with_exif(400, 200);
    let stored = put(&store, "trip.jpg", None, &original).await.unwrap();
    let preview = store.make_preview(&stored, 100).await.unwrap().unwrap();
    let bytes = read_all(store.open(&preview.key).await.unwrap()).await;
    assert!(!bytes.windows(4).any(|w| w == b"Exif"), "EXIF survived");
    let small = image::load_from_memory(&bytes).unwrap();
    // Turned upright as the camera said: 400 × 200 on its side is 200 × 400.
    assert_eq!(small.dimensions(), (50, 100));
}

#[tokio::test]
async fn a_stored_photo_keeps_its_orientation_but_not_its_position() {
    use image::ImageDecoder;
    for (store, dir) in backends() {
        let original = jpeg_with_exif(400, 200);
        // The GPS block's latitude reference, "N", in its directory entry.
        let gps = [0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0];
        assert!(original.windows(gps.len()).any(|w| w == gps));
        // Sent in small parts: the metadata is cut across several.
        let stored = store
            .put_stream("trip.jpg", None, body(&original, 7), &Limits::default())
            .await
            .unwrap();
        let kept = read_all(store.open(&stored.key).await.unwrap()).await;
        assert!(
            !kept.windows(gps.len()).any(|w| w == gps),
            "the GPS block survived"
        );
        assert!(
            !kept.windows(2).any(|w| w == [0x88, 0x25]),
            "a GPS pointer survived"
        );
        assert_eq!(
            (stored.size, stored.sha256_hex.clone()),
            (kept.len() as u64, format!("{:x}", Sha256::digest(&kept)))
        );
        if let Some(dir) = &dir {
            let on_disk = dir.path().join("evidence").join(&stored.key);
            assert_eq!(std::fs::read(&on_disk).unwrap(), kept);
        }
        // Still upright when shown, and the same picture.
        let mut decoder =
            image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(&kept)).unwrap();
        assert_eq!(
            decoder.orientation().unwrap(),
            image::metadata::Orientation::Rotate90
        );
        let same = |b: &[u8]| image::load_from_memory(b).unwrap().to_rgb8().into_raw();
        assert_eq!(same(&kept), same(&original));
    }
}

#[tokio::test]
async fn only_photos_get_previews() {
    let store = FileStore::memory();
    let stored = put(&store, "essay.pdf", None, &pdf()).await.unwrap();
    assert_eq!(store.make_preview(&stored, 200).await.unwrap(), None);
}

#[tokio::test]
async fn decompression_bombs_are_refused() {
    let store = FileStore::memory();
    for (w, h) in [(100_000, 100_000), (11_000, 11_000), (1, 4_000_000_000)] {
        let bomb = png_claiming(w, h);
        assert!(bomb.len() < 100);
        let stored = put(&store, "bomb.png", None, &bomb).await.unwrap();
        let err = store.make_preview(&stored, 800).await.unwrap_err();
        assert!(matches!(err, FileError::PhotoTooLarge), "{w}×{h}: {err:?}");
    }
    // A small PNG that is honest about its size but broken inside is reported as damaged.
    let stored = put(&store, "broken.png", None, &png_claiming(10, 10))
        .await
        .unwrap();
    let err = store.make_preview(&stored, 800).await.unwrap_err();
    assert!(matches!(err, FileError::PhotoUnreadable(_)), "{err:?}");
}

#[tokio::test]
async fn a_transparent_png_preview_is_a_jpeg() {
    let store = FileStore::memory();
    let rgba = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
        300,
        100,
        image::Rgba([255, 0, 0, 128]),
    ));
    let stored = put(
        &store,
        "sticker.png",
        None,
        &encode(&rgba, ImageFormat::Png),
    )
    .await
    .unwrap();
    let preview = store.make_preview(&stored, 150).await.unwrap().unwrap();
    let bytes = read_all(store.open(&preview.key).await.unwrap()).await;
    assert_eq!(image::guess_format(&bytes).unwrap(), ImageFormat::Jpeg);
    assert_eq!(
        image::load_from_memory(&bytes).unwrap().dimensions(),
        (150, 50)
    );
}

#[tokio::test]
async fn refused_formats_with_honest_names_get_advice() {
    let store = FileStore::memory();
    let heic = iso_media(b"heic", &[b"mif1", b"heic"], 2000);
    let err = put(&store, "IMG_0001.HEIC", Some("image/heic"), &heic)
        .await
        .unwrap_err();
    assert!(matches!(err, FileError::NotAllowed { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(
            "This file is a HEIC photo, the iPhone's own format, which Village does not \
             accept. Share it as a JPEG instead"
        ),
        "{err}"
    );
    let mut doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    doc.resize(4096, 0);
    let err = put(&store, "essay.doc", Some("application/msword"), &doc)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("Save it in the newer format"),
        "{err}"
    );
    // The same old document called a photo is a mislabel.
    let err = put(&store, "essay.jpg", None, &doc).await.unwrap_err();
    assert!(matches!(err, FileError::Mislabelled { .. }), "{err:?}");
}
