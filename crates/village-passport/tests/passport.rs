//! The learning passport end to end, on a copy of the demo database (SQLite, and
//! PostgreSQL too when `VILLAGE_TEST_PG_URL` is set): export as each person allowed to,
//! refusal for others, the package's contents checked independently, a round trip into
//! another school, and packages that must be refused whole.
//!
//! Set `VILLAGE_PASSPORT_SAMPLE=target/passport-sample/sample.zip` to keep one exported
//! package for looking at (the browser tests may use it).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};
use support::{body, day, demo_store, grant, leader_of, now, person, png, school_of, subject};
use village_access::act;
use village_access::{org_act, Policy};
use village_domain::plan::{Measure, Target, TargetDomain, TargetStatus};
use village_domain::PersonId;
use village_files::{FileStore, Limits};
use village_passport::{
    batch_for_preview, export_learner, export_school, prepare_import, read_package, PassportError,
};
use village_store::testing::backends;
use village_store::{Backend, ImportCounts, NewEvidence, Store};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

struct Demo {
    store: Store,
    files: FileStore,
    pupil: PersonId,
    parent: PersonId,
    tutor: PersonId,
    leader: PersonId,
    /// The pupil's younger sibling at Brookside Primary, and that school's leader.
    sibling: PersonId,
    primary_leader: PersonId,
}

async fn demo(backend: Backend) -> Demo {
    let store = demo_store(backend).await;
    let pupil = person(&store, "pupil").await;
    let parent = person(&store, "parent").await;
    let pupil_school = school_of(&store, pupil).await;
    let mut sibling = None;
    for tie in subject(&store, parent).await.ties {
        if tie.learner != pupil && school_of(&store, tie.learner).await != pupil_school {
            sibling = Some(tie.learner);
        }
    }
    let sibling = sibling.expect("the demo parent has a child at the primary");
    let primary = school_of(&store, sibling).await;
    let primary_leader = leader_of(&store, primary, "brooksidehead").await;
    let demo = Demo {
        pupil,
        parent,
        tutor: person(&store, "tutor").await,
        leader: person(&store, "leader").await,
        sibling,
        primary_leader,
        files: FileStore::memory(),
        store,
    };
    seed_record(&demo).await;
    demo
}

/// Gives the demo pupil a record with something of everything a passport holds.
async fn seed_record(d: &Demo) {
    let (store, pupil) = (&d.store, d.pupil);
    let edit = grant::<act::EditPlan>(store, pupil, pupil).await;
    let mut revision = store
        .save_aspirations(
            &edit,
            0,
            "A marine biologist <who> dives & counts fish.",
            "Swimming, and rock pools.",
            "Long essays.",
        )
        .await
        .unwrap();
    let mut targets = Vec::new();
    for (title, domain, measure, percent) in [
        (
            "Read every night",
            TargetDomain::Homework,
            Measure::Judged,
            None,
        ),
        (
            "Be in school every day",
            TargetDomain::Attendance,
            Measure::Attendance,
            Some(96),
        ),
    ] {
        let (rev, id) = store
            .save_target(
                &edit,
                revision,
                &Target {
                    id: 0,
                    domain,
                    title: title.into(),
                    subject: None,
                    baseline: "Some nights".into(),
                    goal: "Twenty minutes a night".into(),
                    due_on: day("2027-03-31"),
                    measure,
                    ladder_id: None,
                    goal_rung: None,
                    goal_percent: percent,
                    status: TargetStatus::Active,
                },
            )
            .await
            .unwrap();
        revision = rev;
        targets.push(id);
    }
    // Learner, tutor and parent agree: version 1 is agreed and kept.
    for who in [pupil, d.tutor, d.parent] {
        let g = grant::<act::AgreePlan>(store, who, pupil).await;
        store.agree_plan(&g, revision).await.unwrap();
    }

    let add = grant::<act::AddEvidence>(store, pupil, pupil).await;
    let photo = d
        .files
        .put_stream(
            "rock pool.png",
            Some("image/png"),
            body(png()),
            &Limits::default(),
        )
        .await
        .unwrap();
    let photo_id = store
        .add_evidence(
            &add,
            &NewEvidence {
                title: "Crabs in the rock pool".into(),
                kind: "photo".into(),
                file_key: Some(photo.key.clone()),
                mime: Some(photo.mime.clone()),
                size_bytes: Some(photo.size as i64),
                sha256: Some(photo.sha256_hex.clone()),
                file_name: Some(photo.display_name.clone()),
                reflection: "I counted 7 crabs & 2 <small> ones.".into(),
                learned_how: "practice".into(),
                made_where: "outside".into(),
                occurred_on: Some(day("2026-10-02")),
                targets: vec![targets[0]],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let notes = d
        .files
        .put_stream(
            "notes.txt",
            Some("text/plain"),
            body(
                "Fish I saw: wrasse, blenny, goby.\n"
                    .repeat(50)
                    .into_bytes(),
            ),
            &Limits::default(),
        )
        .await
        .unwrap();
    store
        .add_evidence(
            &add,
            &NewEvidence {
                title: "Fish notes".into(),
                kind: "document".into(),
                file_key: Some(notes.key.clone()),
                mime: Some(notes.mime.clone()),
                size_bytes: Some(notes.size as i64),
                sha256: Some(notes.sha256_hex.clone()),
                file_name: Some(notes.display_name.clone()),
                occurred_on: Some(day("2026-10-03")),
                made_where: "school".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .add_evidence(
            &add,
            &NewEvidence {
                title: "Marine Conservation Society".into(),
                kind: "link".into(),
                url: Some("https://www.mcsuk.org/".into()),
                reflection: "Where I read about seagrass.".into(),
                made_where: "outside".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Added by the tutor and not yet kept by the pupil: not part of the passport.
    let by_tutor = grant::<act::AddEvidence>(store, d.tutor, pupil).await;
    store
        .add_evidence(
            &by_tutor,
            &NewEvidence {
                title: "Waiting for the pupil".into(),
                kind: "text".into(),
                body: "Not kept yet.".into(),
                made_where: "school".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let curate = grant::<act::CuratePortfolio>(store, pupil, pupil).await;
    store
        .add_outside_achievement(
            &curate,
            "award",
            "Swimming: 50 metres",
            "Swam 50 metres without stopping.",
            day("2026-10-10"),
            Some(photo_id),
        )
        .await
        .unwrap();
    store
        .add_outside_achievement(
            &curate,
            "grade",
            "Grade 1 piano",
            "",
            day("2026-07-01"),
            None,
        )
        .await
        .unwrap();

    // A ladder for the school, with a teacher's and the pupil's own judgement.
    let leader_subject = subject(store, d.leader).await;
    let school = school_of(store, pupil).await;
    let manage =
        Policy::authorize_org::<org_act::ManageLadders>(&leader_subject, school, None, now())
            .unwrap();
    let ladder = village_domain::ladder::builtin()
        .into_iter()
        .find(|l| l.kind == village_domain::ladder::LadderKind::Capability)
        .unwrap();
    let ids = store
        .add_ladders(&manage, std::slice::from_ref(&ladder))
        .await
        .unwrap();
    let judge = grant::<act::JudgeRung>(store, d.leader, pupil).await;
    store
        .record_judgement(
            &judge,
            ids[0],
            &ladder.rungs[1].code,
            day("2026-11-01"),
            "Kept going with a hard problem.",
            None,
        )
        .await
        .unwrap();
    let me = grant::<act::JudgeRung>(store, pupil, pupil).await;
    store
        .record_judgement(
            &me,
            ids[0],
            &ladder.rungs[0].code,
            day("2026-10-01"),
            "",
            None,
        )
        .await
        .unwrap();

    let review = grant::<act::RecordReview>(store, d.tutor, pupil).await;
    store
        .record_review(
            &review,
            day("2026-11-20"),
            "Reading is going well; keep the swimming up.",
            day("2027-03-20"),
        )
        .await
        .unwrap();
}

async fn export_bytes(
    d: &Demo,
    who: PersonId,
    learner: PersonId,
) -> Result<Vec<u8>, PassportError> {
    let mut out = Cursor::new(Vec::new());
    export_learner(
        &d.store,
        &d.files,
        &subject(&d.store, who).await,
        learner,
        now(),
        &mut out,
    )
    .await?;
    Ok(out.into_inner())
}

fn entry(zip: &[u8], name: &str) -> Vec<u8> {
    let mut archive = ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    bytes
}

fn passport_json(zip: &[u8]) -> Value {
    serde_json::from_slice(&entry(zip, "passport.json")).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks a package with nothing but the zip and JSON libraries and the credential
/// verifier, as another school's software would.
fn check_independently(zip: &[u8]) -> Value {
    let p = passport_json(zip);
    assert_eq!(p["format"], "village-passport");
    assert_eq!(p["version"], 1);
    assert_eq!(p["learner"]["year_group"], 8);
    assert_eq!(p["plan"]["content"]["targets"].as_array().unwrap().len(), 2);
    assert_eq!(p["plan"]["agreed_versions"].as_array().unwrap().len(), 1);
    assert_eq!(p["plan"]["agreed_versions"][0]["version"], 1);
    // Three kept items; the one waiting for the pupil is not there.
    let evidence = p["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 3, "{evidence:#?}");
    assert!(evidence
        .iter()
        .all(|e| e["title"] != "Waiting for the pupil"));
    let mut archive = ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut files = 0;
    for e in evidence {
        let Some(path) = e["file"].as_str() else {
            assert_eq!(e["kind"], "link");
            continue;
        };
        files += 1;
        assert!(path.starts_with(&format!("evidence/{}-", e["ref"].as_str().unwrap())));
        let bytes = entry(zip, path);
        assert_eq!(e["size"], bytes.len() as u64);
        assert_eq!(e["sha256"], sha256(&bytes));
        // Media is stored as it is.
        assert_eq!(
            archive.by_name(path).unwrap().compression(),
            CompressionMethod::Stored
        );
    }
    assert_eq!(files, 2);
    assert_eq!(
        archive.by_name("passport.json").unwrap().compression(),
        CompressionMethod::Deflated
    );
    let photo = evidence.iter().find(|e| e["kind"] == "photo").unwrap();
    assert_eq!(
        photo["targets"],
        serde_json::json!([p["plan"]["content"]["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["title"] == "Read every night")
            .unwrap()["id"]])
    );

    let achievements = p["achievements"].as_array().unwrap();
    assert_eq!(achievements.len(), 2);
    for a in achievements {
        let credential: Value =
            serde_json::from_slice(&entry(zip, a["credential"].as_str().unwrap())).unwrap();
        let verified = village_credentials::verify(&credential).unwrap();
        assert_eq!(
            verified.issuer_did,
            p["from_school"]["did"].as_str().unwrap()
        );
        assert_eq!(verified.achievement_name, a["title"].as_str().unwrap());
        assert_eq!(
            verified.learner_name,
            p["learner"]["name"].as_str().unwrap()
        );
    }
    let swim = achievements
        .iter()
        .find(|a| a["title"] == "Swimming: 50 metres")
        .unwrap();
    assert_eq!(swim["evidence"], photo["ref"]);

    let ladders = p["ladders"].as_array().unwrap();
    assert_eq!(ladders.len(), 1);
    let judgements = ladders[0]["judgements"].as_array().unwrap();
    assert_eq!(judgements.len(), 2);
    assert_eq!(judgements[0]["source"], "teacher");
    assert_eq!(judgements[1]["source"], "self");
    assert_eq!(p["reviews"].as_array().unwrap().len(), 1);

    let html = String::from_utf8(entry(zip, "index.html")).unwrap();
    assert!(html.contains("<html lang=\"en-GB\">"));
    assert!(html.contains(p["learner"]["name"].as_str().unwrap()));
    assert!(
        html.contains("A marine biologist &#60;who&#62; dives &#38; counts fish."),
        "text is escaped"
    );
    assert!(!html.contains("<who>"));
    assert!(!html.to_lowercase().contains("<script"));
    assert!(!html.contains("href=\"http"), "no links out of the package");
    assert!(!html.contains("src=\"http"));
    assert!(html.contains("alt=\"Crabs in the rock pool\""));
    assert!(html.contains(&format!("href=\"{}\"", photo["file"].as_str().unwrap())));
    assert!(html.contains("My next step:"));
    p
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test]
async fn the_pupil_a_parent_and_a_leader_can_export_and_nobody_else() {
    for b in backends() {
        let d = demo(b).await;
        let mut dids = Vec::new();
        for who in [d.pupil, d.parent, d.leader] {
            let zip = export_bytes(&d, who, d.pupil).await.unwrap();
            let p = check_independently(&zip);
            dids.push(p["from_school"]["did"].as_str().unwrap().to_string());
            let dir = tempfile::tempdir().unwrap();
            let package = read_package(&write_temp(dir.path(), "p.zip", &zip)).unwrap();
            assert_eq!(package.credentials.len(), 2);
            assert_eq!(package.sha256, sha256(&zip));
        }
        // The school's key was made once and is used for every export.
        assert!(dids.windows(2).all(|w| w[0] == w[1]), "{dids:?}");

        let parent2 = person(&d.store, "parent2").await;
        for who in [d.tutor, parent2, d.primary_leader] {
            assert!(matches!(
                export_bytes(&d, who, d.pupil).await,
                Err(PassportError::NotAllowed)
            ));
        }
        assert!(matches!(
            export_bytes(&d, d.pupil, PersonId(999_999_999)).await,
            Err(PassportError::NotAllowed)
        ));
    }
}

#[tokio::test]
async fn the_futures_can_be_sent_between_threads() {
    fn is_send<T: Send>(_: &T) {}
    let d = demo(Backend::Sqlite).await;
    let s = subject(&d.store, d.pupil).await;
    let mut out = Cursor::new(Vec::new());
    is_send(&export_learner(
        &d.store,
        &d.files,
        &s,
        d.pupil,
        now(),
        &mut out,
    ));
    let zip = export_bytes(&d, d.pupil, d.pupil).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let package = read_package(&write_temp(dir.path(), "p.zip", &zip)).unwrap();
    is_send(&prepare_import(&d.files, &package, &Limits::default()));
}

/// What the importing school holds about a learner, to compare before and after.
async fn record_counts(d: &Demo, learner: PersonId) -> (usize, usize, usize, usize) {
    let plan = grant::<act::ViewPlan>(&d.store, d.primary_leader, learner).await;
    let portfolio = grant::<act::ViewPortfolio>(&d.store, d.primary_leader, learner).await;
    (
        d.store.plan(&plan).await.unwrap().content.targets.len(),
        d.store.portfolio(&portfolio).await.unwrap().len(),
        d.store.achievement_record(&plan).await.unwrap().len(),
        d.store
            .ladder_positions(&plan)
            .await
            .unwrap()
            .iter()
            .map(|p| p.judgements.len())
            .sum(),
    )
}

/// Reads, stores and imports a package as the primary's leader, as the import page will.
/// The whole of a stored file.
async fn stored_bytes(d: &Demo, key: &str) -> Vec<u8> {
    let mut stream = d.files.open(key).await.unwrap().stream;
    let mut bytes = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
        bytes.extend_from_slice(&chunk.unwrap());
    }
    bytes
}

async fn import(d: &Demo, path: &Path) -> Result<ImportCounts, PassportError> {
    let package = read_package(path)?;
    let g = grant::<act::ImportPassport>(&d.store, d.primary_leader, d.sibling).await;
    let (batch, stored) = prepare_import(&d.files, &package, &Limits::default()).await?;
    match d.store.import_passport(&g, &batch, false).await {
        Ok(counts) => Ok(counts),
        Err(e) => {
            for f in stored {
                d.files.delete(&f.key).await.unwrap();
            }
            Err(e.into())
        }
    }
}

#[tokio::test]
async fn a_passport_moves_to_another_school_once() {
    for b in backends() {
        let d = demo(b).await;
        let zip = export_bytes(&d, d.parent, d.pupil).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = write_temp(dir.path(), "passport.zip", &zip);
        let before = record_counts(&d, d.sibling).await;

        let package = read_package(&path).unwrap();
        let preview_batch = batch_for_preview(&package);
        assert!(preview_batch.evidence.iter().all(|e| e.file_key.is_none()));
        let g = grant::<act::ImportPassport>(&d.store, d.primary_leader, d.sibling).await;
        let preview = d.store.preview_import(&g, &preview_batch).await.unwrap();
        let expected = ImportCounts {
            targets: 2,
            evidence: 3,
            judgements: 2,
            achievements: 2,
            ladders_added: 1,
            already_here: 0,
            would_replace_words: false,
        };
        assert_eq!(preview, expected);
        // The preview wrote nothing.
        assert_eq!(record_counts(&d, d.sibling).await, before);

        let done = import(&d, &path).await.unwrap();
        assert_eq!(done, expected);
        let after = record_counts(&d, d.sibling).await;
        assert_eq!(
            after,
            (before.0 + 2, before.1 + 3, before.2 + 2, before.3 + 2)
        );

        // The photo came across whole, with a preview, linked to its target.
        let portfolio = grant::<act::ViewPortfolio>(&d.store, d.primary_leader, d.sibling).await;
        let items = d.store.portfolio(&portfolio).await.unwrap();
        let photo = items.iter().find(|e| e.kind == "photo").unwrap();
        assert_eq!(photo.title, "Crabs in the rock pool");
        assert_eq!(photo.targets.len(), 1);
        assert!(photo.preview_key.is_some());
        let bytes = stored_bytes(&d, photo.file_key.as_deref().unwrap()).await;
        assert_eq!(bytes, png());
        let plan = grant::<act::ViewPlan>(&d.store, d.primary_leader, d.sibling).await;
        let positions = d.store.ladder_positions(&plan).await.unwrap();
        let judged = positions
            .iter()
            .flat_map(|p| &p.judgements)
            .find(|j| j.source == village_domain::ladder::JudgementSource::Teacher)
            .unwrap();
        assert!(
            judged
                .evidence_note
                .contains("(teacher) at Riverside Academy. Kept going"),
            "{}",
            judged.evidence_note
        );

        // Importing the same package again adds nothing: the preview says it is all here.
        let preview = d.store.preview_import(&g, &preview_batch).await.unwrap();
        assert_eq!(
            preview,
            ImportCounts {
                already_here: 9,
                ..ImportCounts::default()
            }
        );
        let again = import(&d, &path).await.unwrap();
        assert_eq!(
            (
                again.targets,
                again.evidence,
                again.judgements,
                again.achievements,
                again.ladders_added
            ),
            (0, 0, 0, 0, 0)
        );
        assert_eq!(record_counts(&d, d.sibling).await, after);
    }
}

/// Copies a zip, changing entries on the way: `change` returns the new name and bytes,
/// or `None` to leave the entry out; `extra` entries are added at the end.
fn rewrite(
    zip: &[u8],
    change: impl Fn(&str, Vec<u8>) -> Option<(String, Vec<u8>)>,
    extra: &[(&str, &[u8])],
) -> Vec<u8> {
    let mut archive = ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if let Some((name, bytes)) = change(&name, bytes) {
            out.start_file(name, options).unwrap();
            out.write_all(&bytes).unwrap();
        }
    }
    for (name, bytes) in extra {
        out.start_file(*name, options).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The package with the file of its first piece of evidence of `kind` replaced by
/// `bytes`, and passport.json's size and SHA-256 for it updated to match, so that only
/// the importer's checks of the file itself can tell.
fn with_evidence_file(zip: &[u8], kind: &str, bytes: &[u8]) -> Vec<u8> {
    let p = passport_json(zip);
    let evidence = p["evidence"].as_array().unwrap();
    let item = evidence.iter().find(|e| e["kind"] == kind).unwrap();
    let path = item["file"].as_str().unwrap().to_string();
    let (size, sum) = (bytes.len(), sha256(bytes));
    rewrite(
        zip,
        |name, old| {
            if name == path {
                Some((name.into(), bytes.to_vec()))
            } else if name == "passport.json" {
                let mut p: Value = serde_json::from_slice(&old).unwrap();
                for e in p["evidence"].as_array_mut().unwrap() {
                    if e["file"] == path.as_str() {
                        e["size"] = size.into();
                        e["sha256"] = sum.clone().into();
                    }
                }
                Some((name.into(), serde_json::to_vec(&p).unwrap()))
            } else {
                Some((name.into(), old))
            }
        },
        &[],
    )
}

fn edit_json(zip: &[u8], edit: impl Fn(&mut Value)) -> Vec<u8> {
    rewrite(
        zip,
        |name, bytes| {
            if name == "passport.json" {
                let mut p: Value = serde_json::from_slice(&bytes).unwrap();
                edit(&mut p);
                Some((name.into(), serde_json::to_vec(&p).unwrap()))
            } else {
                Some((name.into(), bytes))
            }
        },
        &[],
    )
}

#[tokio::test]
async fn a_damaged_or_tampered_package_is_refused_whole() {
    for b in backends() {
        let d = demo(b).await;
        let zip = export_bytes(&d, d.pupil, d.pupil).await.unwrap();
        let p = passport_json(&zip);
        let photo_path = p["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "photo")
            .unwrap()["file"]
            .as_str()
            .unwrap()
            .to_string();
        let photo_index = p["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .position(|e| e["kind"] == "photo")
            .unwrap();
        let photo_place = format!("passport.json, evidence[{photo_index}].file");
        let cases: Vec<(&str, Vec<u8>, String)> = vec![
            (
                "tampered credential",
                rewrite(
                    &zip,
                    |name, bytes| {
                        let text = String::from_utf8_lossy(&bytes).into_owned();
                        Some((
                            name.into(),
                            if name == "credentials/1.json" {
                                text.replace("Grade 1 piano", "Grade 8 piano")
                                    .replace("Swimming: 50 metres", "Swimming: 5 kilometres")
                                    .into_bytes()
                            } else {
                                bytes
                            },
                        ))
                    },
                    &[],
                ),
                "passport.json, achievements[0].credential: the credential for".into(),
            ),
            (
                "missing file",
                rewrite(
                    &zip,
                    |name, bytes| (name != photo_path).then(|| (name.to_string(), bytes)),
                    &[],
                ),
                format!("{photo_place}: the file {photo_path} is missing from the package"),
            ),
            (
                "wrong checksum",
                rewrite(
                    &zip,
                    |name, mut bytes| {
                        if name == photo_path {
                            let last = bytes.len() - 1;
                            bytes[last] ^= 0xff;
                        }
                        Some((name.into(), bytes))
                    },
                    &[],
                ),
                format!("{photo_place}: the file {photo_path} does not match its SHA-256 checksum"),
            ),
            (
                "path out of the package",
                rewrite(
                    &zip,
                    |n, b| Some((n.into(), b)),
                    &[("../escape.txt", b"hello")],
                ),
                "\"../escape.txt\": this name points outside the package".into(),
            ),
            (
                "absolute path",
                rewrite(
                    &zip,
                    |n, b| Some((n.into(), b)),
                    &[("/etc/cron.d/x", b"hello")],
                ),
                "points outside the package".into(),
            ),
            (
                "newer version",
                edit_json(&zip, |p| p["version"] = 2.into()),
                "passport.json, version: this passport is in version 2 of the format".into(),
            ),
            (
                "another format",
                edit_json(&zip, |p| p["format"] = "something-else".into()),
                "passport.json, format: this is not a Village learning passport".into(),
            ),
            (
                "broken JSON",
                rewrite(
                    &zip,
                    |name, bytes| {
                        Some((
                            name.into(),
                            if name == "passport.json" {
                                b"{\"format\": \"village-passport\", \"version\": 1,".to_vec()
                            } else {
                                bytes
                            },
                        ))
                    },
                    &[],
                ),
                "passport.json: this file is not valid JSON".into(),
            ),
            (
                "misspelt field",
                edit_json(&zip, |p| {
                    let e = p["evidence"][1].as_object_mut().unwrap();
                    let title = e.remove("title").unwrap();
                    e.insert("titel".into(), title);
                }),
                "passport.json, evidence[1]".into(),
            ),
            (
                "a judgement on a step the ladder lacks",
                edit_json(&zip, |p| {
                    p["ladders"][0]["judgements"][0]["rung_code"] = "99".into()
                }),
                "passport.json, ladders[0].judgements[0].rung_code: the ladder".into(),
            ),
            (
                "a target the plan page would refuse",
                edit_json(&zip, |p| {
                    p["plan"]["content"]["targets"][0]["goal"] = "".into()
                }),
                "passport.json, plan.content.targets[0].goal: Please fill in goal.".into(),
            ),
            (
                "a link that runs code",
                edit_json(&zip, |p| {
                    for e in p["evidence"].as_array_mut().unwrap() {
                        if e["kind"] == "link" {
                            e["url"] = "javascript:alert(1)".into();
                        }
                    }
                }),
                "url: this is not a web address".into(),
            ),
            (
                "not a zip",
                b"PK\x03\x04 this is not really a zip".to_vec(),
                "The package: it is not a zip file".into(),
            ),
        ];
        let before = record_counts(&d, d.sibling).await;
        let dir = tempfile::tempdir().unwrap();
        for (what, bytes, expected) in cases {
            let path = write_temp(dir.path(), "bad.zip", &bytes);
            let err = import(&d, &path).await.expect_err(what);
            assert!(
                err.to_string().contains(&expected),
                "{what}: {err}\nexpected: {expected}"
            );
            assert!(err.is_refusal(), "{what}: {err}");
            assert_eq!(record_counts(&d, d.sibling).await, before, "{what}");
        }
        // The untouched package still goes in, so the cases above failed for their reason.
        let path = write_temp(dir.path(), "good.zip", &zip);
        assert_eq!(import(&d, &path).await.unwrap().evidence, 3);
    }
}

#[tokio::test]
async fn a_file_that_is_not_what_it_claims_stops_the_import_and_is_not_kept() {
    let d = demo(Backend::Sqlite).await;
    let zip = export_bytes(&d, d.pupil, d.pupil).await.unwrap();
    // An HTML page in place of the notes, with passport.json updated to match, so only
    // the file store's own checks can catch it.
    let html = b"<!doctype html><html><script>alert(1)</script></html>";
    let swapped = with_evidence_file(&zip, "document", html);
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(dir.path(), "swapped.zip", &swapped);
    let before = record_counts(&d, d.sibling).await;
    let err = import(&d, &path).await.unwrap_err();
    assert!(matches!(err, PassportError::File { .. }), "{err}");
    assert!(err.to_string().contains("evidence["), "{err}");
    assert_eq!(record_counts(&d, d.sibling).await, before);
}

/// A PNG chunk of `kind` holding `data`, with its CRC.
fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    c.extend_from_slice(&crc.sum().to_be_bytes());
    c
}

#[tokio::test]
async fn a_photo_from_elsewhere_arrives_without_its_hidden_location() {
    let d = demo(Backend::Sqlite).await;
    let zip = export_bytes(&d, d.pupil, d.pupil).await.unwrap();
    // As another system might send it: the photo with a text chunk giving where it was
    // taken, and passport.json matching those bytes.
    let plain = png();
    let mut tagged = plain[..33].to_vec();
    tagged.extend(png_chunk(b"tEXt", b"Location\x0051.5072 N, 0.1276 W"));
    tagged.extend_from_slice(&plain[33..]);
    let sent = with_evidence_file(&zip, "photo", &tagged);
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(dir.path(), "tagged.zip", &sent);
    let done = import(&d, &path).await.unwrap();
    assert_eq!(done.evidence, 3);

    let portfolio = grant::<act::ViewPortfolio>(&d.store, d.primary_leader, d.sibling).await;
    let items = d.store.portfolio(&portfolio).await.unwrap();
    let photo = items.iter().find(|e| e.kind == "photo").unwrap();
    let bytes = stored_bytes(&d, photo.file_key.as_deref().unwrap()).await;
    // The same picture, byte for byte, without the chunk.
    assert_eq!(bytes, plain);
}

#[tokio::test]
async fn a_leader_exports_every_learner_of_their_school() {
    let d = demo(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    // The pupil's school is large; the primary's leader exports theirs.
    let school = school_of(&d.store, d.sibling).await;
    let summary = export_school(
        &d.store,
        &d.files,
        &subject(&d.store, d.primary_leader).await,
        school,
        now(),
        dir.path(),
    )
    .await
    .unwrap();
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert!(summary.learners > 50, "{summary:?}");
    let zips: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(zips.len(), summary.learners);
    let total: u64 = zips
        .iter()
        .map(|z| std::fs::metadata(z).unwrap().len())
        .sum();
    assert_eq!(total, summary.bytes);
    let sibling = dir.path().join(format!("{}-passport.zip", d.sibling.0));
    read_package(&sibling).unwrap();

    // Another school's leader reaches none of them.
    let other = tempfile::tempdir().unwrap();
    let none = export_school(
        &d.store,
        &d.files,
        &subject(&d.store, d.leader).await,
        school,
        now(),
        other.path(),
    )
    .await
    .unwrap();
    assert_eq!((none.learners, none.failed.len()), (0, 0));
}

/// Keeps one package when `VILLAGE_PASSPORT_SAMPLE` names where.
#[tokio::test]
async fn sample_package_for_looking_at() {
    let Some(path) = std::env::var_os("VILLAGE_PASSPORT_SAMPLE").filter(|p| !p.is_empty()) else {
        return;
    };
    let d = demo(Backend::Sqlite).await;
    let zip = export_bytes(&d, d.pupil, d.pupil).await.unwrap();
    // A relative path is taken from the workspace's root, where `target/` is.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(&path, zip).unwrap();
}

/// Sets the unpacked size the central directory states for `name`, as a zip bomb or a
/// damaged zip would.
fn claim_size(zip: &mut [u8], name: &str, size: u32) {
    let mut at = 0;
    let mut found = false;
    while let Some(pos) = zip[at..].windows(4).position(|w| w == b"PK\x01\x02") {
        let header = at + pos;
        let name_len = u16::from_le_bytes([zip[header + 28], zip[header + 29]]) as usize;
        if &zip[header + 46..header + 46 + name_len] == name.as_bytes() {
            zip[header + 24..header + 28].copy_from_slice(&size.to_le_bytes());
            found = true;
        }
        at = header + 4;
    }
    assert!(found, "{name} is in the zip");
}

#[tokio::test]
async fn zip_bombs_are_refused_before_anything_is_unpacked() {
    let d = demo(Backend::Sqlite).await;
    let zip = export_bytes(&d, d.pupil, d.pupil).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let refusal = |bytes: &[u8]| {
        let path = write_temp(dir.path(), "bomb.zip", bytes);
        read_package(&path).unwrap_err().to_string()
    };

    let mut huge_entry = zip.clone();
    claim_size(&mut huge_entry, "index.html", 3_000_000_000);
    let err = refusal(&huge_entry);
    assert!(
        err.contains("The package, index.html: this file is larger than 500 MB"),
        "{err}"
    );

    let names: Vec<String> = (0..5).map(|i| format!("extra/{i}.bin")).collect();
    let extra: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let mut huge_total = rewrite(&zip, |n, b| Some((n.into(), b)), &extra);
    for name in &names {
        claim_size(&mut huge_total, name, 450_000_000);
    }
    let err = refusal(&huge_total);
    assert!(err.contains("more than 2 GB when unpacked"), "{err}");

    // Saying less than it holds: reading stops one byte past the stated size.
    let mut lying = zip.clone();
    claim_size(&mut lying, "passport.json", 100);
    let err = refusal(&lying);
    assert!(err.contains("passport.json is damaged"), "{err}");

    let mut many = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..=village_passport::MAX_ENTRIES {
        many.start_file(format!("f{i}"), SimpleFileOptions::default())
            .unwrap();
    }
    let many = many.finish().unwrap().into_inner();
    let err = refusal(&many);
    assert!(
        err.contains("Village imports passports of at most 20000"),
        "{err}"
    );
}
