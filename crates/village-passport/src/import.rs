//! Turning a checked package into what the store imports.

use std::fs::File;
use std::io::{BufReader, Read, Seek};

use bytes::Bytes;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use village_files::{FileStore, Limits, MediaKind, StoredFile};
use village_store::{ImportBatch, ImportedAchievement, ImportedJudgement, NewEvidence};
use zip::ZipArchive;

use crate::export::source_words;
use crate::format::{JudgementEntry, Passport};
use crate::{Package, PassportError, PREVIEW_SIDE};

/// Chunks handed from the zip to the file store: small, and only a few in flight, so
/// memory stays flat whatever the size of the file.
const CHUNK: usize = 64 * 1024;
const CHUNKS_IN_FLIGHT: usize = 4;

/// What importing `package` would add, for the preview page: the same batch as
/// [`prepare_import`] builds, with no files stored (file and preview keys are `None`).
/// Give it to `Store::preview_import` to count what is new and what is already there.
pub fn batch_for_preview(package: &Package) -> ImportBatch {
    let p = &package.passport;
    let origin =
        |kind: &str, reference: &str| format!("passport:{}:{kind}:{reference}", p.package_id);
    let targets: Vec<_> = p
        .plan
        .content
        .targets
        .iter()
        .map(|t| (origin("target", &t.id.to_string()), t.clone()))
        .collect();
    let index_of = |id: i64| {
        p.plan
            .content
            .targets
            .iter()
            .position(|t| t.id == id)
            .and_then(|i| i64::try_from(i).ok())
    };
    let evidence = p
        .evidence
        .iter()
        .map(|e| NewEvidence {
            title: e.title.clone(),
            kind: e.kind.clone(),
            body: e.body.clone(),
            url: e.url.clone(),
            file_key: None,
            preview_key: None,
            mime: e.mime.clone(),
            size_bytes: e.size.and_then(|s| i64::try_from(s).ok()),
            sha256: e.sha256.clone(),
            file_name: e.file.as_deref().map(|f| file_name(f, &e.reference)),
            subject: e.subject.clone(),
            ladder_id: None,
            reflection: e.reflection.clone(),
            learned_how: e.learned_how.clone(),
            made_where: e.made_where.clone(),
            occurred_on: Some(e.occurred_on),
            targets: e.targets.iter().filter_map(|t| index_of(*t)).collect(),
            origin: Some(origin("evidence", &e.reference)),
        })
        .collect();
    let ladders = p
        .ladders
        .iter()
        .map(|l| {
            let judgements = l
                .judgements
                .iter()
                .map(|j| ImportedJudgement {
                    origin: origin("judgement", &j.reference),
                    rung_code: j.rung_code.clone(),
                    source: j.source,
                    judged_on: j.judged_on,
                    note: judgement_note(j, &p.from_school.name),
                })
                .collect();
            (l.ladder.clone(), judgements)
        })
        .collect();
    let achievements = p
        .achievements
        .iter()
        .map(|a| ImportedAchievement {
            origin: origin("achievement", &a.reference),
            kind: a.kind.clone(),
            title: a.title.clone(),
            description: a.description.clone(),
            awarded_on: a.awarded_on,
        })
        .collect();
    ImportBatch {
        package_id: p.package_id.clone(),
        package_sha256: package.sha256.clone(),
        from_school: p.from_school.name.clone(),
        aspirations: aspirations(p),
        targets,
        evidence,
        ladders,
        achievements,
    }
}

fn aspirations(p: &Passport) -> Option<(String, String, String)> {
    let c = &p.plan.content;
    if c.who_i_want_to_be.is_empty() && c.what_i_enjoy.is_empty() && c.what_i_find_hard.is_empty() {
        return None;
    }
    Some((
        c.who_i_want_to_be.clone(),
        c.what_i_enjoy.clone(),
        c.what_i_find_hard.clone(),
    ))
}

/// The person who judged is not in the importing school, so the note says who they were.
fn judgement_note(j: &JudgementEntry, school: &str) -> String {
    let who = format!("Judged by {} ({})", j.judged_by, source_words(j.source));
    if j.note.trim().is_empty() {
        format!("{who} at {school}")
    } else {
        format!("{who} at {school}. {}", j.note)
    }
}

/// `evidence/3-photo.jpg` → `photo.jpg`: the name the file had, as the uploader's name
/// for it.
fn file_name(path: &str, reference: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_prefix(&format!("{reference}-"))
        .unwrap_or(name)
        .to_string()
}

fn kind_word(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Photo => "photo",
        MediaKind::Audio => "audio",
        MediaKind::Video => "video",
        MediaKind::Document => "document",
    }
}

/// Stores the package's evidence files in `files` (with previews of photos) and returns
/// the batch for `Store::import_passport` with their keys filled in, and every file
/// stored (originals and previews) so the caller can delete them if the import is then
/// refused or not confirmed.
///
/// Each file goes through the same checks as an upload (`limits`, type from content) and
/// its SHA-256 is checked again against passport.json. If anything fails, the files
/// already stored are deleted and the error names the evidence item.
pub async fn prepare_import(
    files: &FileStore,
    package: &Package,
    limits: &Limits,
) -> Result<(ImportBatch, Vec<StoredFile>), PassportError> {
    let mut batch = batch_for_preview(package);
    let mut stored = Vec::new();
    match store_files(files, package, limits, &mut batch, &mut stored).await {
        Ok(()) => Ok((batch, stored)),
        Err(e) => {
            for f in &stored {
                if let Err(d) = files.delete(&f.key).await {
                    tracing::warn!(key = %f.key, error = %d, "could not remove a file from a refused passport");
                }
            }
            Err(e)
        }
    }
}

type Archive = ZipArchive<BufReader<File>>;

fn join_error(e: tokio::task::JoinError) -> PassportError {
    PassportError::Io(std::io::Error::other(e))
}

async fn store_files(
    files: &FileStore,
    package: &Package,
    limits: &Limits,
    batch: &mut ImportBatch,
    stored: &mut Vec<StoredFile>,
) -> Result<(), PassportError> {
    let evidence = &package.passport.evidence;
    if evidence.iter().all(|e| e.file.is_none()) {
        return Ok(());
    }
    let path = package.path.clone();
    // The zip is read on a blocking thread, one file at a time; the archive (its list of
    // entries) moves there and back so it is read from disk once.
    let mut archive: Archive = tokio::task::spawn_blocking(move || {
        let file = File::open(path)?;
        ZipArchive::new(BufReader::new(file)).map_err(|e| {
            PassportError::refused(
                "The package",
                format!("it is not a zip file Village can read ({e})"),
            )
        })
    })
    .await
    .map_err(join_error)??;

    for (i, e) in evidence.iter().enumerate() {
        let (Some(entry_name), Some(size), Some(sha256)) = (&e.file, e.size, &e.sha256) else {
            continue;
        };
        let place = format!("passport.json, evidence[{i}].file");
        let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS_IN_FLIGHT);
        let name = entry_name.clone();
        let checked = sha256.clone();
        let reader = tokio::task::spawn_blocking(move || {
            let sent = send_entry(&mut archive, &name, (size, &checked), &tx);
            (archive, sent)
        });
        // Fused: the file store may ask for more after the end.
        let body = Box::pin(
            futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|item| (item, rx))
            })
            .fuse(),
        );
        let put = files
            .put_stream(
                &file_name(entry_name, &e.reference),
                e.mime.as_deref(),
                body,
                limits,
            )
            .await;
        let (back, sent) = reader.await.map_err(join_error)?;
        archive = back;
        let file = match (put, sent) {
            (Ok(file), Ok(())) => file,
            (put, Err(Sending::Damaged(why))) => {
                if let Ok(file) = put {
                    stored.push(file);
                }
                return Err(PassportError::refused(place, why));
            }
            (Err(source), _) => return Err(PassportError::File { place, source }),
            (Ok(file), Err(Sending::Closed)) => file,
        };
        // What was sent was checked against the package as it went (`send_entry`); what
        // is stored may be smaller, as photos lose their hidden metadata on the way in.
        stored.push(file.clone());
        let preview = match files.make_preview(&file, PREVIEW_SIDE).await {
            Ok(Some(preview)) => {
                stored.push(preview.clone());
                Some(preview.key)
            }
            Ok(None) => None,
            Err(source) if source.is_refusal() => {
                return Err(PassportError::File { place, source })
            }
            Err(error) => {
                tracing::warn!(key = %file.key, %error, "no preview for an imported photo");
                None
            }
        };
        if let Some(item) = batch.evidence.get_mut(i) {
            item.kind = kind_word(file.kind).to_string();
            item.file_key = Some(file.key.clone());
            item.preview_key = preview;
            item.mime = Some(file.mime.clone());
            item.size_bytes = i64::try_from(file.size).ok();
            item.sha256 = Some(file.sha256_hex.clone());
            item.file_name = Some(file.display_name.clone());
        }
    }
    Ok(())
}

enum Sending {
    /// The entry could not be read as stated; the words say why.
    Damaged(String),
    /// The file store stopped taking chunks (it refused the file); its error says why.
    Closed,
}

/// Reads one entry and hands it on in chunks, checking that it is still the `(size,
/// SHA-256)` the package was checked with. On any problem an error goes down the
/// channel before it closes, so the file store never takes a cut-short file for a whole
/// one.
fn send_entry<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    name: &str,
    (expected, checked_sha256): (u64, &str),
    tx: &mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), Sending> {
    let fail = |why: String| {
        let _ = tx.blocking_send(Err(std::io::Error::other(why.clone())));
        Err(Sending::Damaged(why))
    };
    let mut entry = match archive.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => {
            return fail(format!("the file {name} is missing from the package"))
        }
        Err(e) => {
            return fail(format!(
                "the file {name} is damaged and cannot be read ({e})"
            ))
        }
    };
    if entry.size() != expected {
        return fail(format!(
            "the file {name} holds {} bytes, but passport.json says {expected}",
            entry.size()
        ));
    }
    let mut reader = (&mut entry).take(expected.saturating_add(1));
    let mut total: u64 = 0;
    let mut hasher = Sha256::new();
    loop {
        let mut buf = vec![0u8; CHUNK];
        let n = match reader.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return fail(format!(
                    "the file {name} is damaged and cannot be read ({e})"
                ))
            }
        };
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > expected {
            return fail(format!(
                "the file {name} is damaged: it unpacks to more than the zip states"
            ));
        }
        buf.truncate(n);
        hasher.update(&buf);
        if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
            return Err(Sending::Closed);
        }
    }
    if total != expected {
        return fail(format!(
            "the file {name} is damaged: it unpacks to less than the zip states"
        ));
    }
    if crate::names::hex(&hasher.finalize()) != checked_sha256 {
        return fail(format!(
            "the file {name} changed after the package was checked; please upload the \
             passport again"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_reference() {
        assert_eq!(file_name("evidence/3-photo.jpg", "3"), "photo.jpg");
        assert_eq!(file_name("evidence/other.jpg", "3"), "other.jpg");
    }
}
