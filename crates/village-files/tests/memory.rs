//! Memory use measured, not assumed: this test binary counts every allocation (its own
//! global allocator), so it holds only tests that measure, run one at a time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Mutex;

use bytes::Bytes;
use futures_util::stream;
use peak_alloc::PeakAlloc;
use sha2::{Digest, Sha256};
use support::png_claiming;
use village_files::{FileError, FileStore, Limits, MediaKind, MB};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// Tests in one binary run on parallel threads; measurements must not overlap.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const MIB: usize = 1024 * 1024;

/// Runs `work` and returns the highest number of live heap bytes above what was live
/// before it started.
fn peak_during<T>(work: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let out = work();
    (out, ALLOCATOR.peak_usage().saturating_sub(before))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_20_mb_upload_is_stored_with_bounded_memory() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    const SIZE: usize = 20 * MB as usize;
    const CHUNK: usize = 64 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::local(dir.path()).unwrap();
    let rt = runtime();

    // An MP4 video made up as it is sent, 64 KiB at a time, like a browser upload.
    let header = support::iso_media(b"isom", &[b"isom", b"avc1"], 0);
    let chunk = move |i: usize| -> Vec<u8> {
        let mut chunk: Vec<u8> = (0..CHUNK.min(SIZE - i * CHUNK))
            .map(|j| ((i * 31 + j * 7) % 251) as u8)
            .collect();
        if i == 0 {
            chunk[..header.len()].copy_from_slice(&header);
        }
        chunk
    };
    let chunks = SIZE.div_ceil(CHUNK);
    let body = stream::iter((0..chunks).map(|i| Ok::<_, std::io::Error>(Bytes::from(chunk(i)))));

    let (stored, peak) = peak_during(|| {
        rt.block_on(store.put_stream("match.mp4", Some("video/mp4"), body, &Limits::default()))
    });
    let stored = stored.unwrap();

    println!(
        "storing a {} MB upload: peak heap above baseline {:.2} MiB ({} bytes)",
        SIZE / MB as usize,
        peak as f64 / MIB as f64,
        peak
    );
    assert_eq!(stored.size, SIZE as u64);
    assert_eq!(stored.kind, MediaKind::Video);
    let mut sent = Sha256::new();
    for i in 0..chunks {
        sent.update(chunk(i));
    }
    assert_eq!(stored.sha256_hex, format!("{:x}", sent.finalize()));
    let on_disk = std::fs::metadata(dir.path().join(&stored.key)).unwrap();
    assert_eq!(on_disk.len(), SIZE as u64);
    // Two 2 MiB parts (one filling, one being written), the 64 KiB sniffing buffer and
    // a chunk or two in flight; the file is 20 MB.
    assert!(peak < 6 * MIB, "peak {peak} bytes for a {SIZE}-byte file");
}

#[test]
fn a_tiny_file_claiming_huge_dimensions_is_refused_without_allocating() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let store = FileStore::memory();
    let rt = runtime();
    for (w, h) in [(100_000, 100_000), (11_000, 11_000)] {
        let bomb = png_claiming(w, h);
        let stored = rt
            .block_on(store.put_stream(
                "bomb.png",
                None,
                stream::iter(vec![Ok::<_, std::io::Error>(Bytes::from(bomb))]),
                &Limits::default(),
            ))
            .unwrap();
        let (result, peak) = peak_during(|| rt.block_on(store.make_preview(&stored, 800)));
        println!("refusing a PNG claiming {w}×{h}: peak heap above baseline {peak} bytes");
        assert!(
            matches!(result, Err(FileError::PhotoTooLarge)),
            "{result:?}"
        );
        // Decoding would need 4 bytes a pixel (40 GB, then 484 MB).
        assert!(peak < MIB, "{peak} bytes");
    }
}
