//! Village's one place for portfolio evidence files: the photos, sound recordings,
//! videos and documents that pupils, parents and teachers upload.
//!
//! [`FileStore`] takes an upload as a stream of chunks and writes it to storage in parts
//! of a few megabytes, so a 100 MB video never sits in memory. While it streams it
//! enforces the size limit for the kind of file, takes the hidden metadata (a phone's
//! GPS position among it) out of photos, computes SHA-256 of what it stores, and checks
//! the content: the type is read from the first bytes (never from the name), anything not
//! on the allow list is refused, and so is a file whose name or declared type says it is
//! a different kind of thing than it is. Refusals are [`FileError`]s whose messages can
//! be shown to a pupil or parent as they are.
//!
//! Storage is [`object_store`]: a local folder by default, memory for tests, and
//! S3-compatible object storage with the `s3` cargo feature.
//!
//! Keys are generated (see [`is_valid_key`]); names people gave their files are kept
//! only as a cleaned [`StoredFile::display_name`].

mod declared;
mod error;
mod keys;
mod kind;
mod names;
mod preview;
mod scrub;
mod sniff;

use std::fmt;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{Stream, StreamExt, TryStreamExt};
use jiff::Timestamp;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as StorePath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use error::FileError;
pub use keys::is_valid_key;
pub use kind::{Limits, MediaKind, MB};
pub use names::{content_disposition, safe_display_name, serve_inline};

use kind::Format;
use scrub::Scrub;
use sniff::{Sniff, Utf8Check, SNIFF_LEN};

/// Part size for local folders and memory: small, because nothing requires more.
const LOCAL_PART_SIZE: usize = 2 * 1024 * 1024;

/// S3 refuses multipart parts under 5 MiB (except the last).
#[cfg(feature = "s3")]
const S3_PART_SIZE: usize = 5 * 1024 * 1024;

/// An upload waits for storage when this many parts are being written. With 2, one part
/// is written while the next fills, so the sender is not stalled by each write, and an
/// upload holds at most about two parts in memory (4 MiB locally, 10 MiB on S3).
const PARTS_IN_FLIGHT: usize = 2;

/// Largest stored photo a preview is made from; it is read whole to be decoded.
const MAX_PREVIEW_SOURCE_BYTES: u64 = 100 * MB;

/// A file as stored. The caller keeps this (in its database) to find, describe and serve
/// the file later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// Where the file is in the store: `YYYY/MM/DD/` and 32 random hex digits.
    pub key: String,
    pub size: u64,
    /// SHA-256 of the content, lowercase hex: to spot duplicates and check integrity.
    pub sha256_hex: String,
    /// The detected type, to send as `Content-Type`.
    pub mime: String,
    pub kind: MediaKind,
    /// The sender's name for it, cleaned (see [`safe_display_name`]).
    pub display_name: String,
}

/// The bytes of a stored file, or of part of it.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, FileError>> + Send + 'static>>;

/// A file being read: for the web layer to stream out.
pub struct Download {
    /// The whole file's size.
    pub size: u64,
    /// Which bytes `stream` carries (all of them unless a range was asked for).
    pub range: Range<u64>,
    pub stream: ByteStream,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("size", &self.size)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

/// Part of a file, as an HTTP `Range` header asks for it (players seek in audio and
/// video this way; Safari will not play a video without it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=N-`: from byte N to the end.
    From(u64),
    /// `bytes=A-B` is `Within(A..B + 1)`: end exclusive; an end past the file is cut.
    Within(Range<u64>),
    /// `bytes=-N`: the last N bytes.
    Last(u64),
}

/// Evidence file storage. Cheap to clone; clones share the store.
#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    part_size: usize,
    clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("store", &self.store.to_string())
            .field("part_size", &self.part_size)
            .finish_non_exhaustive()
    }
}

#[expect(
    clippy::disallowed_methods,
    reason = "the store's default clock; tests set their own with `with_clock`"
)]
fn system_now() -> Timestamp {
    Timestamp::now()
}

impl FileStore {
    fn new(store: Arc<dyn ObjectStore>, part_size: usize) -> Self {
        FileStore {
            store,
            part_size,
            clock: Arc::new(system_now),
        }
    }

    /// Files in a folder on this machine, created if missing. Writes are synced to disk
    /// before an upload counts as stored; empty date folders are removed on delete.
    pub fn local(dir: impl AsRef<std::path::Path>) -> Result<FileStore, FileError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| FileError::Storage(Box::new(e)))?;
        let fs = LocalFileSystem::new_with_prefix(dir)
            .map_err(FileError::storage)?
            .with_automatic_cleanup(true)
            .with_fsync(true);
        Ok(FileStore::new(Arc::new(fs), LOCAL_PART_SIZE))
    }

    /// Files in memory, gone when the last clone is dropped: for tests and demos.
    pub fn memory() -> FileStore {
        FileStore::new(Arc::new(InMemory::new()), LOCAL_PART_SIZE)
    }

    /// A store from a setting: `file:///var/lib/village/files`, `memory:`, or (built with
    /// the `s3` feature) `s3://bucket/optional/prefix`, configured from the usual
    /// `AWS_*` environment variables (`AWS_ENDPOINT` for S3-compatible services).
    pub fn from_url(url: &str) -> Result<FileStore, FileError> {
        let bad = |reason: &'static str| FileError::BadStorageUrl {
            url: url.to_string(),
            reason,
        };
        if url == "memory:" || url == "memory://" {
            return Ok(FileStore::memory());
        }
        let parsed = url::Url::parse(url).map_err(|_| {
            bad("give a folder as file:///path/to/folder or a bucket as s3://bucket/prefix")
        })?;
        match parsed.scheme() {
            "file" => {
                let dir = parsed
                    .to_file_path()
                    .map_err(|()| bad("a file: address needs a full path, file:///path"))?;
                FileStore::local(dir)
            }
            "s3" => {
                #[cfg(feature = "s3")]
                {
                    s3_store(&parsed).map_err(bad)
                }
                #[cfg(not(feature = "s3"))]
                {
                    Err(bad(
                        "this copy of Village was built without S3 storage (the \"s3\" feature)",
                    ))
                }
            }
            _ => Err(bad("only file: and s3: addresses are supported")),
        }
    }

    /// Reads the time for new keys' date folders from `now` instead of the system clock.
    pub fn with_clock(mut self, now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(now);
        self
    }

    /// Stores an upload, streaming it in parts, and describes what was stored.
    ///
    /// `declared_name` and `declared_mime` are what the sender said (the multipart
    /// part's file name and type); they are checked against the content and otherwise
    /// only used for the display name. On any error nothing is left in the store.
    pub async fn put_stream<S, E>(
        &self,
        declared_name: &str,
        declared_mime: Option<&str>,
        body: S,
        limits: &Limits,
    ) -> Result<StoredFile, FileError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::error::Error + Send + Sync + 'static,
    {
        // The body is read both to sniff and to store; a fused stream answers "ended" again
        // instead of being polled past its end, which some streams do not allow.
        let mut body = body.fuse();
        let declared_ext = names::declared_extension(declared_name);

        // The start of the file decides what it is; the chunks are held to be written.
        let mut head: Vec<u8> = Vec::with_capacity(SNIFF_LEN);
        let mut held: Vec<Bytes> = Vec::new();
        let mut received: u64 = 0;
        let mut complete = false;
        while head.len() < SNIFF_LEN {
            match body.next().await {
                None => {
                    complete = true;
                    break;
                }
                Some(Err(e)) => return Err(FileError::Interrupted(Box::new(e))),
                Some(Ok(chunk)) => {
                    received += chunk.len() as u64;
                    let wanted = SNIFF_LEN - head.len();
                    head.extend_from_slice(chunk.get(..wanted).unwrap_or(&chunk));
                    held.push(chunk);
                }
            }
        }
        if received == 0 {
            return Err(FileError::Empty);
        }
        let hint = declared::av_hint(declared_ext, declared_mime);
        let format = match sniff::sniff(&head, complete, hint) {
            Sniff::Allowed(format) => format,
            Sniff::Refused(refusal) => {
                return Err(declared::refused_content(
                    refusal,
                    declared_ext,
                    declared_mime,
                ))
            }
            Sniff::NotUtf8Text => return Err(FileError::NotUtf8),
            Sniff::Unknown => return Err(FileError::Unrecognised),
        };
        declared::check(format, declared_ext, declared_mime)?;
        drop(head);

        let limit = limits.max_bytes(format.kind());
        if received > limit {
            return Err(FileError::TooLarge {
                kind: format.kind(),
                limit,
            });
        }

        let key = keys::new_key((self.clock)());
        let path = StorePath::from(key.as_str());
        let upload = self
            .store
            .put_multipart(&path)
            .await
            .map_err(FileError::storage)?;
        let mut sink = Sink {
            writer: WriteMultipart::new_with_chunk_size(upload, self.part_size),
            hasher: Sha256::new(),
            utf8: (format == Format::Text).then(Utf8Check::default),
            scrub: Scrub::for_format(format),
            received: 0,
            size: 0,
            limit,
            kind: format.kind(),
        };
        let pumped = sink.pump(held, &mut body).await;
        let Sink {
            writer,
            hasher,
            size,
            ..
        } = sink;
        if let Err(e) = pumped {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(%key, error = %abort, "could not remove a refused upload");
            }
            return Err(e);
        }
        // `finish` removes the parts itself when completing fails.
        writer.finish().await.map_err(FileError::storage)?;

        Ok(StoredFile {
            key,
            size,
            sha256_hex: hex(&hasher.finalize()),
            mime: format.mime().to_string(),
            kind: format.kind(),
            display_name: safe_display_name(declared_name, format.ext()),
        })
    }

    /// Opens a stored file for reading as a stream.
    pub async fn open(&self, key: &str) -> Result<Download, FileError> {
        self.get(key, None).await
    }

    /// Opens part of a stored file.
    pub async fn open_range(&self, key: &str, range: ByteRange) -> Result<Download, FileError> {
        let wanted = match &range {
            ByteRange::From(start) => GetRange::Offset(*start),
            ByteRange::Within(r) if r.start < r.end => GetRange::Bounded(r.clone()),
            ByteRange::Last(n) if *n > 0 => GetRange::Suffix(*n),
            _ => return Err(FileError::BadRange),
        };
        self.get(key, Some(wanted)).await
    }

    async fn get(&self, key: &str, range: Option<GetRange>) -> Result<Download, FileError> {
        let path = path_for(key)?;
        let asked_for_range = range.is_some();
        let options = GetOptions::default().with_range(range);
        let result = match self.store.get_opts(&path, options).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Err(FileError::NotFound),
            Err(e) if asked_for_range => {
                // Backends report a range past the end differently; if the file is
                // there, that is what went wrong.
                return match self.store.head(&path).await {
                    Ok(_) => Err(FileError::BadRange),
                    Err(_) => Err(FileError::storage(e)),
                };
            }
            Err(e) => return Err(FileError::storage(e)),
        };
        let size = result.meta.size;
        let range = result.range.clone();
        let stream = result.into_stream().map_err(FileError::storage).boxed();
        Ok(Download {
            size,
            range,
            stream,
        })
    }

    /// Removes a stored file. Removing one that is already gone is not an error, so a
    /// retried delete succeeds.
    pub async fn delete(&self, key: &str) -> Result<(), FileError> {
        let path = path_for(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(FileError::storage(e)),
        }
    }

    /// Stores a JPEG preview of a photo, at most `max_side` pixels wide and high, and
    /// describes it. The preview has no EXIF metadata (no GPS position), so it is the
    /// version to show to others. Other kinds give `Ok(None)`.
    pub async fn make_preview(
        &self,
        stored: &StoredFile,
        max_side: u32,
    ) -> Result<Option<StoredFile>, FileError> {
        if stored.kind != MediaKind::Photo {
            return Ok(None);
        }
        let path = path_for(&stored.key)?;
        let result = self.store.get(&path).await.map_err(FileError::storage)?;
        if result.meta.size > MAX_PREVIEW_SOURCE_BYTES {
            return Err(FileError::PhotoTooLarge);
        }
        // Decoders need the whole file; it is bounded by the photo limit.
        let source = result.bytes().await.map_err(FileError::storage)?;
        // A decoder that panics on a hostile file ends its blocking task, not the server;
        // the join error says the photo could not be read.
        let jpeg = tokio::task::spawn_blocking(move || preview::render(&source, max_side))
            .await
            .map_err(|e| FileError::PhotoUnreadable(Box::new(e)))??;

        let key = keys::new_key((self.clock)());
        let sha256_hex = hex(&Sha256::digest(&jpeg));
        let size = jpeg.len() as u64;
        self.store
            .put(&path_for(&key)?, PutPayload::from(jpeg))
            .await
            .map_err(FileError::storage)?;
        Ok(Some(StoredFile {
            key,
            size,
            sha256_hex,
            mime: Format::Jpeg.mime().to_string(),
            kind: MediaKind::Photo,
            display_name: safe_display_name(&stored.display_name, Format::Jpeg.ext()),
        }))
    }
}

/// The writing half of an upload: size limit, hidden photo metadata taken out, hash and
/// UTF-8 check as bytes pass.
struct Sink {
    writer: WriteMultipart,
    hasher: Sha256,
    utf8: Option<Utf8Check>,
    /// Photos lose their location and other hidden metadata before they are stored.
    scrub: Option<Scrub>,
    /// Bytes sent, which the limit is on, and bytes stored.
    received: u64,
    size: u64,
    limit: u64,
    kind: MediaKind,
}

impl Sink {
    async fn pump<S, E>(&mut self, held: Vec<Bytes>, body: &mut S) -> Result<(), FileError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::error::Error + Send + Sync + 'static,
    {
        let mut held = held.into_iter();
        loop {
            let chunk = match held.next() {
                Some(chunk) => chunk,
                None => match body.next().await {
                    None => break,
                    Some(Err(e)) => return Err(FileError::Interrupted(Box::new(e))),
                    Some(Ok(chunk)) => chunk,
                },
            };
            self.received += chunk.len() as u64;
            if self.received > self.limit {
                return Err(FileError::TooLarge {
                    kind: self.kind,
                    limit: self.limit,
                });
            }
            let chunk = match &mut self.scrub {
                Some(scrub) => {
                    let mut kept = Vec::with_capacity(chunk.len());
                    scrub.feed(&chunk, &mut kept);
                    Bytes::from(kept)
                }
                None => chunk,
            };
            self.write(chunk).await?;
        }
        if let Some(scrub) = self.scrub.take() {
            let mut last = Vec::new();
            scrub.finish(&mut last);
            self.write(Bytes::from(last)).await?;
        }
        if let Some(check) = &self.utf8 {
            check.finish().map_err(|()| FileError::NotUtf8)?;
        }
        Ok(())
    }

    /// Hashes, checks and stores the next bytes to keep.
    async fn write(&mut self, chunk: Bytes) -> Result<(), FileError> {
        if chunk.is_empty() {
            return Ok(());
        }
        self.size += chunk.len() as u64;
        self.hasher.update(&chunk);
        if let Some(check) = &mut self.utf8 {
            check.feed(&chunk).map_err(|()| FileError::NotUtf8)?;
        }
        self.writer.put(chunk);
        // Waiting here is what bounds memory: a fast sender cannot run ahead of storage.
        self.writer
            .wait_for_capacity(PARTS_IN_FLIGHT)
            .await
            .map_err(FileError::storage)
    }
}

fn path_for(key: &str) -> Result<StorePath, FileError> {
    if is_valid_key(key) {
        Ok(StorePath::from(key))
    } else {
        Err(FileError::NotFound)
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(feature = "s3")]
fn s3_store(url: &url::Url) -> Result<FileStore, &'static str> {
    use object_store::aws::AmazonS3Builder;
    use object_store::prefix::PrefixStore;

    let bucket = url
        .host_str()
        .filter(|b| !b.is_empty())
        .ok_or("an s3: address needs a bucket name, s3://bucket/prefix")?;
    let s3 = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .map_err(|_| "the S3 settings (AWS_* environment variables) are incomplete or wrong")?;
    let prefix = url.path().trim_matches('/');
    let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(s3)
    } else {
        Arc::new(PrefixStore::new(s3, prefix))
    };
    Ok(FileStore::new(store, S3_PART_SIZE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;
    use std::convert::Infallible;

    fn body(parts: &[&[u8]]) -> impl Stream<Item = Result<Bytes, Infallible>> + Unpin {
        stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::copy_from_slice(p)))
                .collect::<Vec<_>>(),
        )
    }

    async fn read_all(d: Download) -> Vec<u8> {
        d.stream
            .try_fold(Vec::new(), |mut v, b| async move {
                v.extend_from_slice(&b);
                Ok(v)
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn text_split_anywhere_is_stored_whole() {
        let store = FileStore::memory().with_clock(|| "2026-05-01T10:00:00Z".parse().unwrap());
        let text = "Dear diary, today we planted 🌻 sunflowers.\n".as_bytes();
        let stored = store
            .put_stream(
                "diary",
                Some("text/plain"),
                body(&[&text[..31], &text[31..]]),
                &Limits::default(),
            )
            .await
            .unwrap();
        assert!(stored.key.starts_with("2026/05/01/"));
        assert_eq!(stored.display_name, "diary.txt");
        assert_eq!(stored.mime, "text/plain; charset=utf-8");
        assert_eq!(stored.size, text.len() as u64);
        assert_eq!(stored.sha256_hex, hex(&Sha256::digest(text)));
        let d = store.open(&stored.key).await.unwrap();
        assert_eq!(d.size, text.len() as u64);
        assert_eq!(read_all(d).await, text);
    }

    #[tokio::test]
    async fn ranges_are_served_and_checked() {
        let store = FileStore::memory();
        let text = b"0123456789abcdefghij";
        let stored = store
            .put_stream("n.txt", None, body(&[text]), &Limits::default())
            .await
            .unwrap();
        let part = store
            .open_range(&stored.key, ByteRange::Within(2..5))
            .await
            .unwrap();
        assert_eq!((part.size, part.range.clone()), (20, 2..5));
        assert_eq!(read_all(part).await, b"234");
        let tail = store
            .open_range(&stored.key, ByteRange::Last(3))
            .await
            .unwrap();
        assert_eq!(read_all(tail).await, b"hij");
        let from = store
            .open_range(&stored.key, ByteRange::From(18))
            .await
            .unwrap();
        assert_eq!(read_all(from).await, b"ij");
        assert!(matches!(
            store.open_range(&stored.key, ByteRange::From(25)).await,
            Err(FileError::BadRange)
        ));
        assert!(matches!(
            store.open_range(&stored.key, ByteRange::Within(5..5)).await,
            Err(FileError::BadRange)
        ));
    }

    #[tokio::test]
    async fn keys_that_are_not_ours_are_missing() {
        let store = FileStore::memory();
        assert!(matches!(
            store.open("../../etc/passwd").await,
            Err(FileError::NotFound)
        ));
        assert!(matches!(store.delete("x").await, Err(FileError::NotFound)));
        let unknown = "2026/01/01/0123456789abcdef0123456789abcdef";
        assert!(matches!(
            store.open(unknown).await,
            Err(FileError::NotFound)
        ));
        assert!(store.delete(unknown).await.is_ok());
    }

    #[test]
    fn urls_are_checked() {
        assert!(FileStore::from_url("memory:").is_ok());
        let e = FileStore::from_url("ftp://example.org/x").unwrap_err();
        assert!(e.to_string().contains("only file: and s3:"), "{e}");
        let e = FileStore::from_url("/var/lib/village").unwrap_err();
        assert!(e.to_string().contains("file:///path/to/folder"), "{e}");
        #[cfg(not(feature = "s3"))]
        {
            let e = FileStore::from_url("s3://bucket/prefix").unwrap_err();
            assert!(e.to_string().contains("without S3 storage"), "{e}");
        }
        #[cfg(feature = "s3")]
        {
            // Connecting is lazy: this checks the address and settings only.
            assert!(FileStore::from_url("s3://village-evidence/school-1").is_ok());
            let e = FileStore::from_url("s3:///prefix").unwrap_err();
            assert!(e.to_string().contains("needs a bucket name"), "{e}");
        }
        let dir = tempfile::tempdir().unwrap();
        let url = url::Url::from_directory_path(dir.path().join("files")).unwrap();
        assert!(FileStore::from_url(url.as_str()).is_ok());
        assert!(dir.path().join("files").is_dir());
    }
}
