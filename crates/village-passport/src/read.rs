//! Opening a package and checking all of it before anything is imported.
//!
//! Nothing is trusted: the zip's own sizes are checked against caps before anything is
//! unpacked, every read is cut off at the size the entry declares, and the package is
//! refused whole on the first problem, with the place of the problem named.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use village_domain::plan::{Target, TargetDraft};
use zip::ZipArchive;

use crate::format::{Passport, EVIDENCE_KINDS, FORMAT, MADE_WHERE, VERSION};
use crate::names::{hex, is_plain_entry_name, is_reference, is_uuid};
use crate::{
    PassportError, MAX_CREDENTIAL_BYTES, MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_JSON_BYTES,
    MAX_TOTAL_BYTES,
};

/// The central directory lists every entry; it is read into memory whole, so it is
/// capped before the zip library reads it (about 100,000 entries' worth).
const MAX_CENTRAL_DIRECTORY_BYTES: u64 = 16_000_000;

const JSON: &str = "passport.json";

/// A package that passed every check. Reading it again (to import its files) finds the
/// same zip at `path`; [`crate::prepare_import`] checks each file's SHA-256 once more.
#[derive(Debug, Clone)]
pub struct Package {
    pub path: PathBuf,
    /// SHA-256 of the whole zip, lowercase hex.
    pub sha256: String,
    pub passport: Passport,
    /// One per achievement, in the same order.
    pub credentials: Vec<CheckedCredential>,
}

/// What a checked credential says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCredential {
    /// The achievement's `ref`.
    pub reference: String,
    pub credential_id: String,
    pub issuer_did: String,
}

fn refused(place: impl Into<String>, message: impl Into<String>) -> PassportError {
    PassportError::refused(place, message)
}

fn at(field: impl std::fmt::Display) -> String {
    format!("{JSON}, {field}")
}

/// Opens the package at `path` and checks it: a zip within the size caps with plain
/// relative names only; `passport.json` in this format and version, with valid targets
/// and ladders; every evidence file present with the stated size and SHA-256; every
/// credential signed by the school that made the package and matching its achievement.
///
/// Reading is streamed (memory does not grow with the package's size). It blocks: call it
/// from a blocking task.
pub fn read_package(path: &Path) -> Result<Package, PassportError> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    if len > MAX_TOTAL_BYTES + MAX_CENTRAL_DIRECTORY_BYTES {
        return Err(refused(
            "The package",
            "it is larger than 2 GB, the most Village imports in one passport",
        ));
    }
    let sha256 = hash_all(&mut file, len)?;
    check_central_directory(&mut file, len)?;
    file.seek(SeekFrom::Start(0))?;
    let mut archive = ZipArchive::new(BufReader::new(file)).map_err(|e| {
        refused(
            "The package",
            format!("it is not a zip file Village can read ({e})"),
        )
    })?;
    check_entries(&mut archive)?;
    let passport = read_passport_json(&mut archive)?;
    check_content(&passport)?;
    check_files(&mut archive, &passport)?;
    let credentials = check_credentials(&mut archive, &passport)?;
    Ok(Package {
        path: path.to_path_buf(),
        sha256,
        passport,
        credentials,
    })
}

fn hash_all(file: &mut File, len: u64) -> Result<String, PassportError> {
    let mut hasher = Sha256::new();
    let copied = std::io::copy(&mut file.take(len), &mut HashWriter(&mut hasher))?;
    if copied != len {
        return Err(refused("The package", "it changed while it was being read"));
    }
    Ok(hex(&hasher.finalize()))
}

struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn le_u16(bytes: &[u8], at: usize) -> Option<u64> {
    let b = bytes.get(at..at + 2)?;
    Some(u64::from(u16::from_le_bytes([*b.first()?, *b.get(1)?])))
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(u64::from(u32::from_le_bytes(b)))
}

fn le_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// Reads the entry count and central directory size from the end of the zip (the end of
/// central directory record, or its ZIP64 form) and refuses a zip that would need too
/// much memory to list, before the zip library lists it.
fn check_central_directory(file: &mut File, len: u64) -> Result<(), PassportError> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const LOCATOR: [u8; 4] = [0x50, 0x4b, 0x06, 0x07];
    const EOCD64: [u8; 4] = [0x50, 0x4b, 0x06, 0x06];
    let not_zip = || refused("The package", "it is not a zip file");
    // The record is 22 bytes plus a comment of up to 65,535.
    let tail_len = len.min(22 + 65_535);
    file.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = Vec::new();
    file.take(tail_len).read_to_end(&mut tail)?;
    let pos = tail
        .windows(4)
        .rposition(|w| w == EOCD)
        .ok_or_else(not_zip)?;
    let eocd = tail.get(pos..).ok_or_else(not_zip)?;
    let mut entries = le_u16(eocd, 10).ok_or_else(not_zip)?;
    let mut directory = le_u32(eocd, 12).ok_or_else(not_zip)?;
    if entries == 0xffff || directory == 0xffff_ffff {
        let locator = pos
            .checked_sub(20)
            .and_then(|start| tail.get(start..pos))
            .filter(|l| l.get(..4) == Some(&LOCATOR[..]))
            .ok_or_else(not_zip)?;
        let offset = le_u64(locator, 8).ok_or_else(not_zip)?;
        if offset > len {
            return Err(not_zip());
        }
        file.seek(SeekFrom::Start(offset))?;
        let mut record = Vec::new();
        file.take(56).read_to_end(&mut record)?;
        if record.get(..4) != Some(&EOCD64[..]) {
            return Err(not_zip());
        }
        entries = le_u64(&record, 32).ok_or_else(not_zip)?;
        directory = le_u64(&record, 40).ok_or_else(not_zip)?;
    }
    if entries > MAX_ENTRIES as u64 || directory > MAX_CENTRAL_DIRECTORY_BYTES {
        return Err(refused(
            "The package",
            format!("it lists {entries} files; Village imports passports of at most {MAX_ENTRIES}"),
        ));
    }
    Ok(())
}

/// Every entry: a plain relative name, not encrypted, not a link, within the size caps;
/// and no two entries sharing compressed data (a way to make small zips unpack huge).
fn check_entries<R: Read + Seek>(archive: &mut ZipArchive<R>) -> Result<(), PassportError> {
    if archive.len() > MAX_ENTRIES {
        return Err(refused(
            "The package",
            format!("it has more than {MAX_ENTRIES} files"),
        ));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| {
            refused(
                "The package",
                format!("file number {} in it cannot be read ({e})", i + 1),
            )
        })?;
        let name = entry.name().to_string();
        if !is_plain_entry_name(&name) || entry.enclosed_name().is_none() {
            return Err(refused(
                format!("The package, {name:?}"),
                "this name points outside the package or is not a plain file name, so the \
                 package is refused",
            ));
        }
        if entry.encrypted() {
            return Err(refused(
                format!("The package, {name}"),
                "this file is protected with a password; a passport has none",
            ));
        }
        if entry.is_symlink() {
            return Err(refused(
                format!("The package, {name}"),
                "this is a link to another file; a passport holds only files",
            ));
        }
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(refused(
                format!("The package, {name}"),
                "this file is larger than 500 MB, the most Village imports in one file",
            ));
        }
        total = total.saturating_add(entry.size());
        if total > MAX_TOTAL_BYTES {
            return Err(refused(
                "The package",
                "its files come to more than 2 GB when unpacked, the most Village imports",
            ));
        }
    }
    if archive.has_overlapping_files().map_err(|e| {
        refused(
            "The package",
            format!("it is not a zip file Village can read ({e})"),
        )
    })? {
        return Err(refused(
            "The package",
            "some of its files share the same packed data, which passports never do",
        ));
    }
    Ok(())
}

/// Why an entry could not be opened, in words.
fn unreadable(place: &str, name: &str, e: zip::result::ZipError) -> PassportError {
    match e {
        zip::result::ZipError::FileNotFound => refused(
            place.to_string(),
            format!("the file {name} is missing from the package"),
        ),
        other => refused(
            place.to_string(),
            format!("the file {name} is damaged and cannot be read ({other})"),
        ),
    }
}

/// Reads one entry whole, refusing it if it is (or unpacks to) more than `max` bytes.
fn read_small<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    name: &str,
    max: u64,
    place: &str,
) -> Result<Vec<u8>, PassportError> {
    let mut entry = archive
        .by_name(name)
        .map_err(|e| unreadable(place, name, e))?;
    if entry.size() > max {
        return Err(refused(
            place.to_string(),
            format!("the file {name} is too large to be part of a passport"),
        ));
    }
    let declared = entry.size();
    let mut bytes = Vec::new();
    (&mut entry)
        .take(declared + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            refused(
                place.to_string(),
                format!("the file {name} is damaged and cannot be read ({e})"),
            )
        })?;
    if bytes.len() as u64 != declared {
        return Err(refused(
            place.to_string(),
            format!("the file {name} is damaged: it does not unpack to the size the zip states"),
        ));
    }
    Ok(bytes)
}

fn read_passport_json<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
) -> Result<Passport, PassportError> {
    let bytes = read_small(archive, JSON, MAX_JSON_BYTES, "The package")?;

    // The format and version are checked first, on their own, so that a passport from a
    // newer Village is refused for what it is, not for fields this code does not know.
    #[derive(Deserialize)]
    struct Head {
        format: Option<Value>,
        version: Option<Value>,
    }
    let head: Head = serde_json::from_slice(&bytes)
        .map_err(|e| refused(JSON, format!("this file is not valid JSON ({e})")))?;
    match head.format.as_ref().and_then(Value::as_str) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(refused(
                at("format"),
                format!(
                    "this is not a Village learning passport: its format is \"{other}\", \
                     not \"{FORMAT}\""
                ),
            ))
        }
        None => {
            return Err(refused(
                at("format"),
                format!(
                    "this is not a Village learning passport: it does not say \
                     \"format\": \"{FORMAT}\""
                ),
            ))
        }
    }
    match head.version.as_ref().and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(other) => {
            return Err(refused(
                at("version"),
                format!(
                    "this passport is in version {other} of the format, and this copy of \
                     Village reads version {VERSION}. Update Village, or ask the school that \
                     made it for a version {VERSION} passport."
                ),
            ))
        }
        None => {
            return Err(refused(
                at("version"),
                format!(
                    "the format version is missing or not a whole number (it should be {VERSION})"
                ),
            ))
        }
    }

    let mut reader = serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = e.path().to_string();
        let place = if path == "." {
            JSON.to_string()
        } else {
            at(path)
        };
        refused(
            place,
            format!(
                "this is not in Village's passport format ({})",
                e.into_inner()
            ),
        )
    })
}

fn text_problem(value: &str, max: usize, required: bool) -> Option<String> {
    if required && value.trim().is_empty() {
        return Some("is empty".into());
    }
    if value.chars().count() > max {
        return Some(format!("is longer than {max} characters"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Some("contains control characters".into());
    }
    None
}

fn check_text(place: String, value: &str, max: usize, required: bool) -> Result<(), PassportError> {
    match text_problem(value, max, required) {
        Some(problem) => Err(refused(place, format!("this text {problem}"))),
        None => Ok(()),
    }
}

/// Checks a target with the same rules as the plan page's form.
fn check_target(i: usize, t: &Target) -> Result<Target, PassportError> {
    let due_on = t.due_on.to_string();
    let ladder_id = t.ladder_id.map(|l| l.to_string()).unwrap_or_default();
    let goal_percent = t.goal_percent.map(|p| p.to_string()).unwrap_or_default();
    let draft = TargetDraft {
        domain: t.domain.as_str(),
        title: &t.title,
        subject: t.subject.as_deref().unwrap_or(""),
        baseline: &t.baseline,
        goal: &t.goal,
        due_on: &due_on,
        measure: t.measure.as_str(),
        ladder_id: &ladder_id,
        goal_rung: t.goal_rung.as_deref().unwrap_or(""),
        goal_percent: &goal_percent,
        status: t.status.as_str(),
    };
    draft.parse(t.id).map_err(|e| {
        refused(
            at(format!("plan.content.targets[{i}].{}", e.field)),
            e.message,
        )
    })
}

/// Whether a web address is one Village shows as a link: http or https, nothing that a
/// browser would run.
fn is_web_address(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() <= 2_000
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn check_reference(
    place: String,
    reference: &str,
    seen: &mut HashSet<String>,
) -> Result<(), PassportError> {
    if !is_reference(reference) {
        return Err(refused(
            place,
            format!(
                "\"{reference}\" is not a reference Village accepts (letters, digits, - and _, \
                 at most 40)"
            ),
        ));
    }
    if !seen.insert(reference.to_string()) {
        return Err(refused(
            place,
            format!("\"{reference}\" is used twice; each must be different"),
        ));
    }
    Ok(())
}

/// The checks that need only passport.json.
fn check_content(p: &Passport) -> Result<(), PassportError> {
    if !is_uuid(&p.package_id) {
        return Err(refused(
            at("package_id"),
            format!(
                "\"{}\" is not a package id (a lowercase UUID)",
                p.package_id
            ),
        ));
    }
    check_text(at("from_school.name"), &p.from_school.name, 200, true)?;
    if !p.from_school.did.starts_with("did:key:z") {
        return Err(refused(
            at("from_school.did"),
            "the school's key is not a did:key, so its credentials cannot be checked",
        ));
    }
    check_text(at("learner.name"), &p.learner.name, 200, true)?;

    let content = &p.plan.content;
    check_text(
        at("plan.content.who_i_want_to_be"),
        &content.who_i_want_to_be,
        20_000,
        false,
    )?;
    check_text(
        at("plan.content.what_i_enjoy"),
        &content.what_i_enjoy,
        20_000,
        false,
    )?;
    check_text(
        at("plan.content.what_i_find_hard"),
        &content.what_i_find_hard,
        20_000,
        false,
    )?;
    let mut target_ids = HashSet::new();
    for (i, t) in content.targets.iter().enumerate() {
        if !target_ids.insert(t.id) {
            return Err(refused(
                at(format!("plan.content.targets[{i}].id")),
                format!("the id {} is used by two targets", t.id),
            ));
        }
        check_target(i, t)?;
    }

    let mut judgement_refs = HashSet::new();
    for (i, entry) in p.ladders.iter().enumerate() {
        entry
            .ladder
            .validate()
            .map_err(|e| refused(at(format!("ladders[{i}].ladder.{}", e.place)), e.message))?;
        for (j, judgement) in entry.judgements.iter().enumerate() {
            let place = |field: &str| at(format!("ladders[{i}].judgements[{j}].{field}"));
            check_reference(place("ref"), &judgement.reference, &mut judgement_refs)?;
            if entry.ladder.position(&judgement.rung_code).is_none() {
                return Err(refused(
                    place("rung_code"),
                    format!(
                        "the ladder \"{}\" has no step \"{}\"",
                        entry.ladder.title, judgement.rung_code
                    ),
                ));
            }
            check_text(place("judged_by"), &judgement.judged_by, 200, true)?;
            check_text(place("note"), &judgement.note, 20_000, false)?;
        }
    }

    let mut evidence_refs = HashSet::new();
    let mut paths = HashSet::new();
    for (i, e) in p.evidence.iter().enumerate() {
        let place = |field: &str| at(format!("evidence[{i}].{field}"));
        check_reference(place("ref"), &e.reference, &mut evidence_refs)?;
        check_text(place("title"), &e.title, 200, true)?;
        for (field, value) in [("body", &e.body), ("reflection", &e.reflection)] {
            check_text(place(field), value, 20_000, false)?;
        }
        if !e.learned_how.is_empty()
            && !village_store::LEARNED_HOW
                .iter()
                .any(|(key, _)| *key == e.learned_how)
        {
            return Err(refused(
                place("learned_how"),
                format!(
                    "\"{}\" is not one of the ways of learning Village asks about",
                    e.learned_how
                ),
            ));
        }
        if !MADE_WHERE.contains(&e.made_where.as_str()) {
            return Err(refused(
                place("made_where"),
                format!("\"{}\" should be \"school\" or \"outside\"", e.made_where),
            ));
        }
        if let Some(subject) = &e.subject {
            check_text(place("subject"), subject, 200, false)?;
        }
        if !EVIDENCE_KINDS.contains(&e.kind.as_str()) {
            return Err(refused(
                place("kind"),
                format!(
                    "\"{}\" is not a kind of evidence Village knows (photo, audio, video, \
                     document, link or text)",
                    e.kind
                ),
            ));
        }
        match &e.url {
            Some(url) if !is_web_address(url) => {
                return Err(refused(
                    place("url"),
                    "this is not a web address starting with https:// or http://",
                ))
            }
            None if e.kind == "link" => {
                return Err(refused(place("url"), "a link needs its web address"))
            }
            _ => {}
        }
        let needs_file = matches!(e.kind.as_str(), "photo" | "audio" | "video" | "document");
        match &e.file {
            None if needs_file => {
                return Err(refused(
                    place("file"),
                    format!("a {} needs its file", e.kind),
                ))
            }
            None => {}
            Some(path) => {
                if !path.starts_with("evidence/") || !is_plain_entry_name(path) {
                    return Err(refused(
                        place("file"),
                        format!("\"{path}\" is not a file in the package's evidence folder"),
                    ));
                }
                if !paths.insert(path.clone()) {
                    return Err(refused(
                        place("file"),
                        format!("the file {path} belongs to two items"),
                    ));
                }
                match (&e.mime, e.size, &e.sha256) {
                    (Some(mime), Some(_), Some(sha)) => {
                        check_text(place("mime"), mime, 200, true)?;
                        if sha.len() != 64
                            || !sha
                                .bytes()
                                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                        {
                            return Err(refused(
                                place("sha256"),
                                "this is not a SHA-256 checksum in lowercase hex",
                            ));
                        }
                    }
                    (None, _, _) => {
                        return Err(refused(place("mime"), "the file's type is missing"))
                    }
                    (_, None, _) => {
                        return Err(refused(place("size"), "the file's size is missing"))
                    }
                    (_, _, None) => {
                        return Err(refused(place("sha256"), "the file's checksum is missing"))
                    }
                }
            }
        }
        for t in &e.targets {
            if !target_ids.contains(t) {
                return Err(refused(
                    place("targets"),
                    format!("there is no target with the id {t} in plan.content.targets"),
                ));
            }
        }
    }

    let mut achievement_refs = HashSet::new();
    for (i, a) in p.achievements.iter().enumerate() {
        let place = |field: &str| at(format!("achievements[{i}].{field}"));
        check_reference(place("ref"), &a.reference, &mut achievement_refs)?;
        check_text(place("kind"), &a.kind, 40, true)?;
        check_text(place("title"), &a.title, 200, true)?;
        check_text(place("description"), &a.description, 20_000, false)?;
        if !a.credential.starts_with("credentials/") || !is_plain_entry_name(&a.credential) {
            return Err(refused(
                place("credential"),
                format!(
                    "\"{}\" is not a file in the package's credentials folder",
                    a.credential
                ),
            ));
        }
        if let Some(e) = &a.evidence {
            if !evidence_refs.contains(e) {
                return Err(refused(
                    place("evidence"),
                    format!("there is no evidence with the ref \"{e}\""),
                ));
            }
        }
    }

    for (i, r) in p.reviews.iter().enumerate() {
        check_text(
            at(format!("reviews[{i}].summary")),
            &r.summary,
            20_000,
            false,
        )?;
        check_text(
            at(format!("reviews[{i}].recorded_by")),
            &r.recorded_by,
            200,
            false,
        )?;
    }
    Ok(())
}

/// Every evidence file: present, with the stated size and SHA-256.
fn check_files<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    p: &Passport,
) -> Result<(), PassportError> {
    for (i, e) in p.evidence.iter().enumerate() {
        let (Some(path), Some(size), Some(sha256)) = (&e.file, e.size, &e.sha256) else {
            continue;
        };
        let place = at(format!("evidence[{i}].file"));
        let actual_sha = hash_entry(archive, path, size, &place)?;
        if &actual_sha != sha256 {
            return Err(refused(
                place,
                format!(
                    "the file {path} does not match its SHA-256 checksum in passport.json: it \
                     was changed or damaged after the passport was made"
                ),
            ));
        }
    }
    Ok(())
}

/// Streams one entry of `expected` bytes through SHA-256. Reading stops one byte past
/// `expected`, so an entry that unpacks to more than it declares cannot make the check
/// read without end.
fn hash_entry<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    path: &str,
    expected: u64,
    place: &str,
) -> Result<String, PassportError> {
    let mut entry = archive
        .by_name(path)
        .map_err(|e| unreadable(place, path, e))?;
    if entry.size() != expected {
        return Err(refused(
            place.to_string(),
            format!(
                "the file {path} holds {} bytes, but passport.json says {expected}",
                entry.size()
            ),
        ));
    }
    let mut hasher = Sha256::new();
    let copied = std::io::copy(
        &mut (&mut entry).take(expected.saturating_add(1)),
        &mut HashWriter(&mut hasher),
    )
    .map_err(|e| {
        refused(
            place.to_string(),
            format!("the file {path} is damaged and cannot be read ({e})"),
        )
    })?;
    if copied != expected {
        return Err(refused(
            place.to_string(),
            format!("the file {path} is damaged: it does not unpack to the size the zip states"),
        ));
    }
    Ok(hex(&hasher.finalize()))
}

/// Every credential: signed by the school that made the package, and saying what the
/// achievement says about whom.
fn check_credentials<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    p: &Passport,
) -> Result<Vec<CheckedCredential>, PassportError> {
    let mut checked = Vec::with_capacity(p.achievements.len());
    for (i, a) in p.achievements.iter().enumerate() {
        let place = at(format!("achievements[{i}].credential"));
        let bytes = read_small(archive, &a.credential, MAX_CREDENTIAL_BYTES, &place)?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            refused(
                place.clone(),
                format!(
                    "the credential for \"{}\" ({}) is not valid JSON ({e})",
                    a.title, a.credential
                ),
            )
        })?;
        let verified = village_credentials::verify(&value).map_err(|e| {
            refused(
                place.clone(),
                format!(
                    "the credential for \"{}\" ({}) does not check out: {e}",
                    a.title, a.credential
                ),
            )
        })?;
        let mismatch = if verified.issuer_did != p.from_school.did {
            Some(format!(
                "it was signed by {}, not by the key of {} that made this passport",
                verified.issuer_did, p.from_school.name
            ))
        } else if verified.achievement_name != a.title {
            Some(format!(
                "it is for \"{}\", not \"{}\"",
                verified.achievement_name, a.title
            ))
        } else if verified.learner_name != p.learner.name {
            Some(format!(
                "it was awarded to {}, not to {}",
                verified.learner_name, p.learner.name
            ))
        } else {
            None
        };
        if let Some(why) = mismatch {
            return Err(refused(
                place,
                format!(
                    "the credential for \"{}\" ({}) does not belong here: {why}",
                    a.title, a.credential
                ),
            ));
        }
        checked.push(CheckedCredential {
            reference: a.reference.clone(),
            credential_id: verified.credential_id,
            issuer_did: verified.issuer_did,
        });
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_addresses_are_http_only() {
        assert!(is_web_address("https://example.org/a?b=c"));
        assert!(is_web_address("HTTP://example.org"));
        assert!(!is_web_address("javascript:alert(1)"));
        assert!(!is_web_address("https://exa mple.org"));
        assert!(!is_web_address("data:text/html,hi"));
    }

    #[test]
    fn texts_are_checked() {
        assert_eq!(text_problem("", 10, true).as_deref(), Some("is empty"));
        assert_eq!(text_problem("", 10, false), None);
        assert!(text_problem("a\u{7}b", 10, false).is_some());
        assert_eq!(text_problem("line\nline", 10, true), None);
        assert!(text_problem("elevenchars", 10, true).is_some());
    }
}
