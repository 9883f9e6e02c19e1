//! Memory use measured, not assumed: this test binary counts every allocation (its own
//! global allocator), so it holds only this one test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use bytes::Bytes;
use peak_alloc::PeakAlloc;
use support::{demo_store, grant, now, person, subject};
use village_access::act;
use village_files::{FileStore, Limits, MB};
use village_passport::{export_learner, prepare_import, read_package};
use village_store::{Backend, NewEvidence};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

const MIB: usize = 1024 * 1024;

/// Runs `work` and returns the highest number of live heap bytes above what was live
/// before it started.
fn peak_during<T>(work: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let out = work();
    (out, ALLOCATOR.peak_usage().saturating_sub(before))
}

/// The start of an MP4 video, then made-up data: a file the file store takes as a video.
fn video_chunk(i: usize, chunk: usize, size: usize) -> Vec<u8> {
    let mut v: Vec<u8> = (0..chunk.min(size - i * chunk))
        .map(|j| ((i * 31 + j * 7) % 251) as u8)
        .collect();
    if i == 0 {
        let mut header = 20u32.to_be_bytes().to_vec();
        header.extend_from_slice(b"ftypisom\0\0\x02\0isom");
        header.extend_from_slice(&((size - 20) as u32).to_be_bytes());
        header.extend_from_slice(b"mdat");
        v[..header.len()].copy_from_slice(&header);
    }
    v
}

#[test]
fn a_30_mb_video_goes_out_and_back_in_with_bounded_memory() {
    const SIZE: usize = 30 * MB as usize;
    const CHUNK: usize = 64 * 1024;
    const BOUND: usize = 8 * MIB;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = FileStore::local(dir.path().join("files")).unwrap();
    let store = rt.block_on(demo_store(Backend::Sqlite));
    let pupil = rt.block_on(person(&store, "pupil"));

    let body = futures_util::stream::iter(
        (0..SIZE.div_ceil(CHUNK))
            .map(|i| Ok::<_, std::io::Error>(Bytes::from(video_chunk(i, CHUNK, SIZE)))),
    );
    let video = rt
        .block_on(files.put_stream("match.mp4", Some("video/mp4"), body, &Limits::default()))
        .unwrap();
    assert_eq!(video.size, SIZE as u64);
    rt.block_on(async {
        let add = grant::<act::AddEvidence>(&store, pupil, pupil).await;
        store
            .add_evidence(
                &add,
                &NewEvidence {
                    title: "The match".into(),
                    kind: "video".into(),
                    file_key: Some(video.key.clone()),
                    mime: Some(video.mime.clone()),
                    size_bytes: Some(video.size as i64),
                    sha256: Some(video.sha256_hex.clone()),
                    file_name: Some(video.display_name.clone()),
                    made_where: "school".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    });
    let who = rt.block_on(subject(&store, pupil));
    let path = dir.path().join("passport.zip");

    let (exported, export_peak) = peak_during(|| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let summary = rt
            .block_on(export_learner(&store, &files, &who, pupil, now(), &mut out))
            .unwrap();
        drop(out);
        summary
    });
    assert!(exported.bytes > SIZE as u64);

    let (package, read_peak) = peak_during(|| read_package(&path).unwrap());
    assert_eq!(package.passport.evidence[0].size, Some(SIZE as u64));

    let (prepared, import_peak) =
        peak_during(|| rt.block_on(prepare_import(&files, &package, &Limits::default())));
    let (batch, stored) = prepared.unwrap();
    assert_eq!(stored[0].size, SIZE as u64);
    assert_eq!(stored[0].sha256_hex, video.sha256_hex);
    assert_eq!(
        batch.evidence[0].file_key.as_deref(),
        Some(stored[0].key.as_str())
    );

    for (what, peak) in [
        ("export", export_peak),
        ("read and check", read_peak),
        ("store for import", import_peak),
    ] {
        println!(
            "{what} with a {} MB video: peak heap above baseline {:.2} MiB",
            SIZE / MB as usize,
            peak as f64 / MIB as f64
        );
        assert!(peak < BOUND, "{what} held {peak} bytes at once");
    }
}
