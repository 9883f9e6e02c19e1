//! Writing a learner's passport, and every learner's for a school.

use std::collections::HashSet;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

use askama::Template;
use futures_util::StreamExt;
use jiff::civil::Date;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use village_access::{act, act::Act, Grant, Policy, Subject};
use village_credentials::{Award, IssuerKey};
use village_domain::ladder::JudgementSource;
use village_domain::plan::{PlanContent, TargetStatus};
use village_domain::{OrgId, PersonId};
use village_files::FileStore;
use village_store::{
    AchievementRow, AuditEvent, Evidence, LadderPosition, LearnerFilter, LearnerProfile, PlanView,
    ReviewRecord, Store, StoreError,
};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::format::{
    AchievementEntry, AgreedVersion, EvidenceEntry, FromSchool, JudgementEntry, LadderEntry,
    LearnerEntry, Passport, PlanEntry, ReviewEntry, FORMAT, VERSION,
};
use crate::names::{credential_path, derived_uuid, evidence_path, hex, random_uuid};
use crate::PassportError;

/// What one export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub package_id: String,
    /// Entries in the zip: evidence files, credentials, passport.json and index.html.
    pub files: usize,
    /// Size of the zip.
    pub bytes: u64,
    pub credentials: usize,
}

/// What exporting a school wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BulkSummary {
    /// Passports written, one zip per learner.
    pub learners: usize,
    pub bytes: u64,
    pub seconds: f64,
    /// Learners whose passport could not be made, with the reason in words. Their zips
    /// are not left behind half-written.
    pub failed: Vec<(PersonId, String)>,
}

/// Writes `learner`'s passport as a zip to `out` (a temporary file, or a `Cursor` in
/// tests).
///
/// The policy must allow `subject` to export the passport; a refusal (or a learner who
/// does not exist) is audited and answered with [`PassportError::NotAllowed`], which
/// callers show as "not found". Every way of being allowed to export also allows seeing
/// the profile, plan and portfolio; if one of those is refused the export fails with
/// [`PassportError::Incomplete`] rather than leaving part of the record out unnoticed.
///
/// Evidence files are copied from `files` chunk by chunk, so a video is never held in
/// memory. Writes to `out` are ordinary blocking writes: give it a local file or memory.
pub async fn export_learner<W: Write + Seek>(
    store: &Store,
    files: &FileStore,
    subject: &Subject,
    learner: PersonId,
    now: Timestamp,
    out: W,
) -> Result<ExportSummary, PassportError> {
    let Some(facts) = store.learner_facts(learner, now).await? else {
        store
            .record_denial(
                subject.person,
                act::ExportPassport::ACTION.as_str(),
                None,
                None,
                now,
            )
            .await?;
        return Err(PassportError::NotAllowed);
    };
    let grant = match Policy::authorize::<act::ExportPassport>(subject, &facts, now) {
        Ok(grant) => grant,
        Err(_) => {
            store
                .record_denial(
                    subject.person,
                    act::ExportPassport::ACTION.as_str(),
                    Some(learner),
                    Some(facts.school),
                    now,
                )
                .await?;
            return Err(PassportError::NotAllowed);
        }
    };
    let profile = Policy::authorize::<act::ViewProfile>(subject, &facts, now)
        .map_err(|_| PassportError::Incomplete { what: "profile" })?;
    let plan = Policy::authorize::<act::ViewPlan>(subject, &facts, now).map_err(|_| {
        PassportError::Incomplete {
            what: "learning plan, ladders, achievements and reviews",
        }
    })?;
    let portfolio = Policy::authorize::<act::ViewPortfolio>(subject, &facts, now)
        .map_err(|_| PassportError::Incomplete { what: "portfolio" })?;

    let package_id = random_uuid();
    store
        .audit(AuditEvent {
            org: Some(grant.school()),
            at: now,
            actor: Some(grant.subject()),
            action: act::ExportPassport::ACTION.as_str().to_string(),
            learner: Some(learner),
            allowed: true,
            rule: grant.path().as_str(),
            detail: format!("package {package_id}"),
        })
        .await?;

    let record = Record::gather(store, &profile, &plan, &portfolio).await?;
    let key = school_key(store, grant.school(), now).await?;
    write_package(files, &record, &key, &package_id, now, out).await
}

/// Writes a passport for every learner of `school` whom `subject` may export (all of
/// them, for the school's leader) into `out_dir`, one zip per learner named
/// `<learner id>-passport.zip`. A learner whose passport fails is reported in
/// [`BulkSummary::failed`] and the others go on; a failure of the database or the disk
/// stops the run.
pub async fn export_school(
    store: &Store,
    files: &FileStore,
    subject: &Subject,
    school: OrgId,
    now: Timestamp,
    out_dir: &Path,
) -> Result<BulkSummary, PassportError> {
    let started = std::time::Instant::now();
    let scope =
        Policy::scope::<act::ExportPassport>(subject, now).ok_or(PassportError::NotAllowed)?;
    std::fs::create_dir_all(out_dir)?;
    let mut learners = Vec::new();
    let mut offset = 0;
    loop {
        let (page, total) = store
            .list_learners(
                &scope,
                &LearnerFilter {
                    school: Some(school),
                    limit: 500,
                    offset,
                    ..LearnerFilter::default()
                },
            )
            .await?;
        let got = page.len();
        learners.extend(page.into_iter().map(|l| l.id));
        offset += 500;
        if got == 0 || offset >= total {
            break;
        }
    }
    let mut summary = BulkSummary::default();
    for learner in learners {
        let path = out_dir.join(format!("{}-passport.zip", learner.0));
        match export_to_file(store, files, subject, learner, now, &path).await {
            Ok(done) => {
                summary.learners += 1;
                summary.bytes += done.bytes;
            }
            // Storage and disk failures would fail every learner the same way.
            Err(e @ (PassportError::Store(_) | PassportError::Io(_))) => return Err(e),
            Err(e) => summary.failed.push((learner, e.to_string())),
        }
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Exports into a temporary file beside `path` and renames it into place, so a failed
/// export leaves nothing that looks like a passport.
async fn export_to_file(
    store: &Store,
    files: &FileStore,
    subject: &Subject,
    learner: PersonId,
    now: Timestamp,
    path: &Path,
) -> Result<ExportSummary, PassportError> {
    let partial = PathBuf::from(format!("{}.partial", path.display()));
    let file = std::fs::File::create(&partial)?;
    let mut out = std::io::BufWriter::new(file);
    let result = export_learner(store, files, subject, learner, now, &mut out).await;
    let result = result.and_then(|summary| {
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&partial, path)?;
        Ok(summary)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Everything read for one passport, through the grants.
struct Record {
    profile: LearnerProfile,
    plan: PlanView,
    agreed: Vec<AgreedVersion>,
    ladders: Vec<LadderPosition>,
    evidence: Vec<Evidence>,
    achievements: Vec<AchievementRow>,
    reviews: Vec<ReviewRecord>,
}

impl Record {
    async fn gather(
        store: &Store,
        profile: &Grant<act::ViewProfile>,
        plan: &Grant<act::ViewPlan>,
        portfolio: &Grant<act::ViewPortfolio>,
    ) -> Result<Record, PassportError> {
        let learner_profile = store.learner_profile(profile).await?;
        let plan_view = store.plan(plan).await?;
        let mut agreed = Vec::with_capacity(plan_view.versions.len());
        // Newest first in the view; the passport lists them in the order they happened.
        for (version, agreed_at) in plan_view.versions.iter().rev() {
            if let Some(content) = store.plan_version(plan, *version).await? {
                agreed.push(AgreedVersion {
                    version: *version,
                    agreed_at: *agreed_at,
                    content,
                });
            }
        }
        let ladders = store
            .ladder_positions(plan)
            .await?
            .into_iter()
            .filter(|p| !p.judgements.is_empty())
            .collect();
        // Items waiting for the learner to keep them are not the learner's yet.
        let evidence = store
            .portfolio(portfolio)
            .await?
            .into_iter()
            .filter(|e| e.kept)
            .collect();
        let achievements = store.achievement_record(plan).await?;
        let reviews = store.review_records(plan).await?;
        Ok(Record {
            profile: learner_profile,
            plan: plan_view,
            agreed,
            ladders,
            evidence,
            achievements,
            reviews,
        })
    }

    fn learner_name(&self) -> String {
        format!("{} {}", self.profile.given_name, self.profile.family_name)
    }
}

/// The school's signing key, made and saved the first time the school needs one.
async fn school_key(
    store: &Store,
    school: OrgId,
    now: Timestamp,
) -> Result<IssuerKey, PassportError> {
    let (did, secret) = match store.credential_key(school).await? {
        Some(saved) => saved,
        None => {
            let key = IssuerKey::generate(&mut rand::rngs::OsRng);
            // Two exports at once may both make a key; the store keeps the first.
            store
                .save_credential_key(school, &key.did(), &hex(&key.secret_bytes()), now)
                .await?
        }
    };
    let corrupt = || {
        PassportError::Store(StoreError::Corrupt {
            column: "credential_keys.secret_hex",
            value: format!("the key of {did}"),
        })
    };
    let mut secret_bytes = [0u8; 32];
    if secret.len() != 64 {
        return Err(corrupt());
    }
    for (i, b) in secret_bytes.iter_mut().enumerate() {
        let pair = secret.get(i * 2..i * 2 + 2).ok_or_else(corrupt)?;
        *b = u8::from_str_radix(pair, 16).map_err(|_| corrupt())?;
    }
    let key = IssuerKey::from_secret(&secret_bytes);
    secret_bytes.fill(0);
    if key.did() != did {
        return Err(corrupt());
    }
    Ok(key)
}

fn zip_error(e: zip::result::ZipError) -> PassportError {
    match e {
        zip::result::ZipError::Io(io) => PassportError::Io(io),
        other => PassportError::Io(std::io::Error::other(other)),
    }
}

/// The zip format's timestamp (local time without a zone; UTC is written).
fn zip_time(now: Timestamp) -> zip::DateTime {
    let t = now.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    let (Ok(year), Ok(month), Ok(day), Ok(hour), Ok(minute), Ok(second)) = (
        u16::try_from(t.year()),
        u8::try_from(t.month()),
        u8::try_from(t.day()),
        u8::try_from(t.hour()),
        u8::try_from(t.minute()),
        u8::try_from(t.second()),
    ) else {
        return zip::DateTime::default();
    };
    zip::DateTime::from_date_and_time(year, month, day, hour, minute, second).unwrap_or_default()
}

async fn write_package<W: Write + Seek>(
    files: &FileStore,
    record: &Record,
    key: &IssuerKey,
    package_id: &str,
    now: Timestamp,
    out: W,
) -> Result<ExportSummary, PassportError> {
    let modified = zip_time(now);
    // Media is already compressed; deflating it again costs time and saves nothing.
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(modified)
        .unix_permissions(0o644);
    let deflated = stored.compression_method(CompressionMethod::Deflated);
    let mut zip = ZipWriter::new(out);
    let mut entries = 0usize;

    let content = &record.plan.content;
    let target_ids: HashSet<i64> = content.targets.iter().map(|t| t.id).collect();
    let mut evidence = Vec::with_capacity(record.evidence.len());
    for (i, item) in record.evidence.iter().enumerate() {
        let reference = (i + 1).to_string();
        let mut entry = EvidenceEntry {
            reference: reference.clone(),
            title: item.title.clone(),
            kind: item.kind.clone(),
            body: item.body.clone(),
            url: item.url.clone(),
            reflection: item.reflection.clone(),
            learned_how: item.learned_how.clone(),
            made_where: item.made_where.clone(),
            occurred_on: item.occurred_on,
            subject: item.subject.clone(),
            file: None,
            mime: None,
            size: None,
            sha256: None,
            // Links to targets no longer in the plan would point at nothing.
            targets: item
                .targets
                .iter()
                .copied()
                .filter(|t| target_ids.contains(t))
                .collect(),
        };
        if let Some(file_key) = &item.file_key {
            let name = item.file_name.as_deref().unwrap_or(&item.title);
            let path = evidence_path(&reference, name);
            zip.start_file(path.as_str(), stored).map_err(zip_error)?;
            let (size, sha256) = copy_file(files, file_key, &item.title, &mut zip).await?;
            if item.sha256.as_deref().is_some_and(|s| s != sha256) {
                tracing::warn!(
                    evidence = item.id,
                    "the stored file's checksum differs from the one recorded when it was uploaded"
                );
            }
            entries += 1;
            entry.file = Some(path);
            entry.mime = item.mime.clone();
            entry.size = Some(size);
            entry.sha256 = Some(sha256);
        }
        evidence.push((item.id, entry));
    }

    let school = &record.profile.school_name;
    let learner_name = record.learner_name();
    let did = key.did();
    // The credential names the learner by a urn:uuid that stays the same across exports
    // from this school, without giving away Village's internal id: SHA-256 of the school's
    // did and the learner's id, shaped as a version 4 UUID.
    let learner_urn = format!(
        "urn:uuid:{}",
        derived_uuid(&[
            "village-passport learner",
            &did,
            &record.profile.id.0.to_string()
        ])
    );
    let mut achievements = Vec::with_capacity(record.achievements.len());
    for (i, a) in record.achievements.iter().enumerate() {
        let reference = (i + 1).to_string();
        let linked = a
            .evidence_id
            .and_then(|id| evidence.iter().find(|(e, _)| *e == id))
            .map(|(_, entry)| entry);
        let award = Award {
            id: format!(
                "urn:uuid:{}",
                derived_uuid(&["village-passport credential", package_id, &reference])
            ),
            issuer_name: school.clone(),
            issuer_url: None,
            learner_id: learner_urn.clone(),
            learner_name: learner_name.clone(),
            achievement_id: format!(
                "urn:uuid:{}",
                derived_uuid(&["village-passport achievement", package_id, &reference])
            ),
            achievement_type: achievement_type(&a.kind).to_string(),
            achievement_name: a.title.clone(),
            achievement_description: if a.description.trim().is_empty() {
                a.title.clone()
            } else {
                a.description.clone()
            },
            criteria_narrative: criteria(a, school),
            awarded_at: format!("{}T00:00:00Z", a.awarded_on),
            evidence: linked
                .map(|e| village_credentials::Evidence {
                    id: None,
                    name: e.file.clone().unwrap_or_else(|| e.title.clone()),
                    narrative: if e.reflection.is_empty() {
                        e.title.clone()
                    } else {
                        format!("{}: {}", e.title, e.reflection)
                    },
                })
                .into_iter()
                .collect(),
        };
        let credential =
            village_credentials::issue(key, &award).map_err(|source| PassportError::Signing {
                title: a.title.clone(),
                source,
            })?;
        let path = credential_path(&reference);
        zip.start_file(path.as_str(), deflated).map_err(zip_error)?;
        let text = serde_json::to_vec_pretty(&credential).map_err(std::io::Error::other)?;
        zip.write_all(&text)?;
        entries += 1;
        achievements.push(AchievementEntry {
            reference,
            kind: a.kind.clone(),
            title: a.title.clone(),
            description: a.description.clone(),
            awarded_on: a.awarded_on,
            credential: path,
            evidence: linked.map(|e| e.reference.clone()),
        });
    }

    let mut judgement_count = 0usize;
    let ladders = record
        .ladders
        .iter()
        .map(|p| LadderEntry {
            ladder: p.ladder.ladder.clone(),
            judgements: p
                .judgements
                .iter()
                .map(|j| {
                    judgement_count += 1;
                    JudgementEntry {
                        reference: judgement_count.to_string(),
                        rung_code: j.rung_code.clone(),
                        source: j.source,
                        judged_on: j.judged_on,
                        judged_by: j.judged_by.clone(),
                        note: own_words(&j.evidence_note).to_string(),
                    }
                })
                .collect(),
        })
        .collect();

    let passport = Passport {
        format: FORMAT.to_string(),
        version: VERSION,
        package_id: package_id.to_string(),
        exported_at: now,
        from_school: FromSchool {
            name: school.clone(),
            did: did.clone(),
        },
        learner: LearnerEntry {
            name: learner_name,
            date_of_birth: record.profile.date_of_birth,
            year_group: record.profile.year_group,
        },
        plan: PlanEntry {
            content: content.clone(),
            version: record.plan.version,
            agreed_versions: record.agreed.clone(),
        },
        ladders,
        evidence: evidence.into_iter().map(|(_, e)| e).collect(),
        achievements,
        reviews: record
            .reviews
            .iter()
            .map(|r| ReviewEntry {
                held_on: r.held_on,
                summary: r.summary.clone(),
                plan_version: r.plan_version,
                next_review_on: r.next_review_on,
                recorded_by: r.recorded_by.clone(),
            })
            .collect(),
    };
    zip.start_file("passport.json", deflated)
        .map_err(zip_error)?;
    let json = serde_json::to_vec_pretty(&passport).map_err(std::io::Error::other)?;
    zip.write_all(&json)?;
    zip.write_all(b"\n")?;
    entries += 1;

    let page = summary_page(&passport, record);
    let html = page.render().map_err(std::io::Error::other)?;
    zip.start_file("index.html", deflated).map_err(zip_error)?;
    zip.write_all(html.as_bytes())?;
    entries += 1;

    let mut out = zip.finish().map_err(zip_error)?;
    let bytes = out.stream_position()?;
    Ok(ExportSummary {
        package_id: package_id.to_string(),
        files: entries,
        bytes,
        credentials: passport.achievements.len(),
    })
}

/// Streams a stored file into the open zip entry, hashing it on the way, so the sizes and
/// checksums in passport.json are those of the bytes actually written.
async fn copy_file<W: Write + Seek>(
    files: &FileStore,
    file_key: &str,
    title: &str,
    zip: &mut ZipWriter<W>,
) -> Result<(u64, String), PassportError> {
    let place = || format!("The file of the evidence \"{title}\"");
    let download = files
        .open(file_key)
        .await
        .map_err(|source| PassportError::File {
            place: place(),
            source,
        })?;
    let mut stream = download.stream;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|source| PassportError::File {
            place: place(),
            source,
        })?;
        hasher.update(&chunk);
        size += chunk.len() as u64;
        zip.write_all(&chunk)?;
    }
    Ok((size, hex(&hasher.finalize())))
}

/// Open Badges names for the kinds of achievement Village records.
fn achievement_type(kind: &str) -> &'static str {
    match kind {
        "award" => "Award",
        "community" => "CommunityService",
        "grade" => "Certificate",
        "peer_tutoring" => "ext:PeerTutoring",
        _ => "Achievement",
    }
}

/// What the school vouches for. For achievements the learner added from outside school
/// the school signs that they are in its record, not that it checked them.
fn criteria(a: &AchievementRow, school: &str) -> String {
    if a.source.starts_with("own:") {
        format!(
            "Added by the learner to their record of achievement at {school}, as an achievement from outside school."
        )
    } else if a.source.starts_with("passport:") {
        format!("Brought to {school} in a learning passport from an earlier school.")
    } else {
        format!("Recorded by {school} in the learner's record of achievement.")
    }
}

/// A judgement note without the origin an earlier import put in front of it.
fn own_words(note: &str) -> &str {
    if note.starts_with("passport:") {
        note.split_once(' ').map_or("", |(_, rest)| rest)
    } else {
        note
    }
}

/// The words for who made a judgement, as a reader of the passport needs them.
pub(crate) fn source_words(source: JudgementSource) -> &'static str {
    match source {
        JudgementSource::Teacher => "teacher",
        JudgementSource::Peer => "peer",
        JudgementSource::SelfAssessment => "self-assessment",
    }
}

fn long_date(d: Date) -> String {
    d.strftime("%-d %B %Y").to_string()
}

fn human_size(bytes: u64) -> String {
    const KB: f64 = 1_000.0;
    let b = bytes as f64;
    if b >= KB * KB {
        format!("{:.1} MB", b / (KB * KB))
    } else if b >= KB {
        format!("{:.0} kB", b / KB)
    } else {
        format!("{bytes} bytes")
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "photo" => "Photo",
        "audio" => "Sound recording",
        "video" => "Video",
        "document" => "Document",
        "link" => "Link",
        "text" => "Writing",
        _ => "Evidence",
    }
}

fn achievement_label(kind: &str) -> &'static str {
    match kind {
        "award" => "Award or prize",
        "community" => "Community learning or volunteering",
        "grade" => "Music, sport or language grade",
        "peer_tutoring" => "Peer tutoring",
        _ => "Achievement",
    }
}

#[derive(Template)]
#[template(path = "passport.html")]
struct SummaryPage {
    learner_name: String,
    year_group: u8,
    school: String,
    exported_on: String,
    package_id: String,
    did: String,
    who_i_want_to_be: String,
    what_i_enjoy: String,
    what_i_find_hard: String,
    plan_version: i64,
    agreed_versions: usize,
    targets: Vec<TargetView>,
    ladders: Vec<LadderView>,
    achievements: Vec<AchievementView>,
    evidence: Vec<EvidenceView>,
    reviews: Vec<ReviewView>,
}

struct TargetView {
    title: String,
    area: &'static str,
    subject: Option<String>,
    goal: String,
    baseline: String,
    due: String,
    status: &'static str,
    achieved: bool,
}

struct LadderView {
    title: String,
    subject: Option<String>,
    /// The current rung's title, with its code when that differs.
    now: Option<String>,
    step_number: usize,
    steps: usize,
    descriptor: String,
    next_step: Option<String>,
    judged: String,
}

struct AchievementView {
    title: String,
    kind: &'static str,
    awarded_on: String,
    description: String,
    credential: String,
}

struct EvidenceView {
    title: String,
    kind: &'static str,
    occurred_on: String,
    subject: Option<String>,
    file: Option<String>,
    is_photo: bool,
    size: String,
    body: String,
    url: Option<String>,
    reflection: String,
    learned_how: &'static str,
    made_where: &'static str,
    targets: String,
}

struct ReviewView {
    held_on: String,
    summary: String,
    recorded_by: String,
    next_review_on: String,
}

fn summary_page(passport: &Passport, record: &Record) -> SummaryPage {
    let content: &PlanContent = &passport.plan.content;
    let target_title = |id: i64| {
        content
            .targets
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.title.clone())
    };
    SummaryPage {
        learner_name: passport.learner.name.clone(),
        year_group: passport.learner.year_group,
        school: passport.from_school.name.clone(),
        exported_on: long_date(
            passport
                .exported_at
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date(),
        ),
        package_id: passport.package_id.clone(),
        did: passport.from_school.did.clone(),
        who_i_want_to_be: content.who_i_want_to_be.clone(),
        what_i_enjoy: content.what_i_enjoy.clone(),
        what_i_find_hard: content.what_i_find_hard.clone(),
        plan_version: passport.plan.version,
        agreed_versions: passport.plan.agreed_versions.len(),
        targets: content
            .targets
            .iter()
            .map(|t| TargetView {
                title: t.title.clone(),
                area: t.domain.label(),
                subject: t.subject.clone(),
                goal: t.goal.clone(),
                baseline: t.baseline.clone(),
                due: long_date(t.due_on),
                status: t.status.label(),
                achieved: t.status == TargetStatus::Achieved,
            })
            .collect(),
        ladders: record
            .ladders
            .iter()
            .map(|p| {
                let ladder = &p.ladder.ladder;
                let current = p.current();
                let position = current.and_then(|j| ladder.position(&j.rung_code));
                LadderView {
                    title: ladder.title.clone(),
                    subject: ladder.subject.clone(),
                    now: position.map(|at| {
                        if at.rung.code == at.rung.title {
                            at.rung.title.clone()
                        } else {
                            format!("{} ({})", at.rung.title, at.rung.code)
                        }
                    }),
                    step_number: position.map_or(0, |at| at.index + 1),
                    steps: ladder.rungs.len(),
                    descriptor: position
                        .map(|at| at.rung.descriptor.clone())
                        .unwrap_or_default(),
                    next_step: position.and_then(|at| {
                        at.next.map(|next| {
                            if at.rung.next_step.is_empty() {
                                format!("{}: {}", next.code, next.title)
                            } else {
                                at.rung.next_step.clone()
                            }
                        })
                    }),
                    judged: current.map_or_else(String::new, |j| {
                        format!(
                            "Judged by {} ({}) on {}.",
                            j.judged_by,
                            source_words(j.source),
                            long_date(j.judged_on)
                        )
                    }),
                }
            })
            .collect(),
        achievements: passport
            .achievements
            .iter()
            .map(|a| AchievementView {
                title: a.title.clone(),
                kind: achievement_label(&a.kind),
                awarded_on: long_date(a.awarded_on),
                description: a.description.clone(),
                credential: a.credential.clone(),
            })
            .collect(),
        evidence: passport
            .evidence
            .iter()
            .map(|e| EvidenceView {
                title: e.title.clone(),
                kind: kind_label(&e.kind),
                occurred_on: long_date(e.occurred_on),
                subject: e.subject.clone(),
                file: e.file.clone(),
                is_photo: e.kind == "photo",
                size: e.size.map(human_size).unwrap_or_default(),
                body: e.body.clone(),
                url: e.url.clone(),
                reflection: e.reflection.clone(),
                learned_how: if e.learned_how.is_empty() {
                    ""
                } else {
                    village_store::learned_how_label(&e.learned_how)
                },
                made_where: match e.made_where.as_str() {
                    "school" => "At school",
                    "outside" => "Outside school",
                    _ => "",
                },
                targets: e
                    .targets
                    .iter()
                    .filter_map(|t| target_title(*t))
                    .collect::<Vec<_>>()
                    .join("; "),
            })
            .collect(),
        reviews: passport
            .reviews
            .iter()
            .map(|r| ReviewView {
                held_on: long_date(r.held_on),
                summary: r.summary.clone(),
                recorded_by: r.recorded_by.clone(),
                next_review_on: long_date(r.next_review_on),
            })
            .collect(),
    }
}
