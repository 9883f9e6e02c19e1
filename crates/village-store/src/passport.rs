//! What the learning passport needs from storage: the school's credential key, and one
//! transaction that adds an imported passport to a learner's record. Building and reading
//! the package itself is `village-passport`'s job.
//!
//! Imported rows carry an `origin` (`passport:<package id>:<kind>:<ref>`), so importing the
//! same package twice is recognised: such rows are skipped, or replaced when the person
//! importing has confirmed it.

use crate::audit::AuditEvent;
use crate::ladders::insert_ladder;
use crate::portfolio::NewEvidence;
use crate::{secs, Result, Store, StoreError};
use jiff::civil::Date;
use sqlx::Row;
use village_access::act;
use village_access::Grant;
use village_domain::ladder::{JudgementSource, Ladder};
use village_domain::plan::Target;
use village_domain::OrgId;

/// One imported judgement of where the learner stood on a ladder.
#[derive(Debug, Clone)]
pub struct ImportedJudgement {
    pub origin: String,
    pub rung_code: String,
    pub source: JudgementSource,
    pub judged_on: Date,
    /// Who judged it and where, in words ("Ms Patel at Oakfield"), since that person is
    /// not in this school.
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct ImportedAchievement {
    pub origin: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub awarded_on: Date,
}

/// Everything a passport adds, already checked and with its files already stored.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    pub package_id: String,
    pub package_sha256: String,
    pub from_school: String,
    /// The learner's words, if the package has them. Replaces the current words only
    /// when `replace` is set.
    pub aspirations: Option<(String, String, String)>,
    /// (origin, target); the target's id is ignored.
    pub targets: Vec<(String, Target)>,
    /// Evidence with `origin` set. `targets` hold indexes into `self.targets`.
    pub evidence: Vec<NewEvidence>,
    /// Ladders (matched to this school's by title and rung codes, or added) with the
    /// learner's judgements on them.
    pub ladders: Vec<(Ladder, Vec<ImportedJudgement>)>,
    pub achievements: Vec<ImportedAchievement>,
}

/// What an import would do, or did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportCounts {
    pub targets: usize,
    pub evidence: usize,
    pub judgements: usize,
    pub achievements: usize,
    pub ladders_added: usize,
    /// Rows already here from an earlier import of the same package.
    pub already_here: usize,
    /// The learner already has words of their own that the package's would replace.
    pub would_replace_words: bool,
}

impl Store {
    /// The school's key for signing credentials, as (did, secret hex), if it has one.
    pub async fn credential_key(&self, school: OrgId) -> Result<Option<(String, String)>> {
        sqlx::query("SELECT did, secret_hex FROM credential_keys WHERE org_id = $1")
            .bind(school.0)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Ok((r.try_get("did")?, r.try_get("secret_hex")?)))
            .transpose()
    }

    /// Saves a newly made key unless the school got one meanwhile; returns the one kept.
    pub async fn save_credential_key(
        &self,
        school: OrgId,
        did: &str,
        secret_hex: &str,
        at: jiff::Timestamp,
    ) -> Result<(String, String)> {
        sqlx::query(
            "INSERT INTO credential_keys (org_id, did, secret_hex, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id) DO NOTHING",
        )
        .bind(school.0)
        .bind(did)
        .bind(secret_hex)
        .bind(secs(at))
        .execute(&self.pool)
        .await?;
        self.credential_key(school)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn existing_origins(&self, learner: i64, package_id: &str) -> Result<Vec<String>> {
        let like = format!("passport:{package_id}:%");
        let mut out = Vec::new();
        for sql in [
            "SELECT origin FROM plan_targets WHERE learner_id = $1 AND origin LIKE $2",
            "SELECT origin FROM evidence WHERE learner_id = $1 AND origin LIKE $2",
            "SELECT origin FROM achievements WHERE learner_id = $1 AND origin LIKE $2",
            "SELECT evidence_note AS origin FROM rung_judgements WHERE learner_id = $1 AND evidence_note LIKE $2",
        ] {
            for r in sqlx::query(sql)
                .bind(learner)
                .bind(&like)
                .fetch_all(&self.pool)
                .await?
            {
                if let Some(o) = r.try_get::<Option<String>, _>("origin")? {
                    out.push(o);
                }
            }
        }
        Ok(out)
    }

    /// What importing `batch` would add, without changing anything.
    pub async fn preview_import(
        &self,
        grant: &Grant<act::ImportPassport>,
        batch: &ImportBatch,
    ) -> Result<ImportCounts> {
        let learner = grant.learner().0;
        let existing = self.existing_origins(learner, &batch.package_id).await?;
        let seen = |o: &str| {
            existing
                .iter()
                .any(|e| e == o || e.starts_with(&format!("{o} ")))
        };
        let ladders = self.ladders(grant.school()).await?;
        let mut counts = ImportCounts::default();
        for (o, _) in &batch.targets {
            if seen(o) {
                counts.already_here += 1
            } else {
                counts.targets += 1
            }
        }
        for e in &batch.evidence {
            if e.origin.as_deref().is_some_and(seen) {
                counts.already_here += 1
            } else {
                counts.evidence += 1
            }
        }
        for a in &batch.achievements {
            if seen(&a.origin) {
                counts.already_here += 1
            } else {
                counts.achievements += 1
            }
        }
        for (ladder, judgements) in &batch.ladders {
            if !ladders.iter().any(|l| same_ladder(&l.ladder, ladder)) {
                counts.ladders_added += 1;
            }
            for j in judgements {
                if seen(&j.origin) {
                    counts.already_here += 1
                } else {
                    counts.judgements += 1
                }
            }
        }
        if let Some(words) = &batch.aspirations {
            let current = self.plan_content(grant.learner()).await?;
            let now = (
                current.who_i_want_to_be,
                current.what_i_enjoy,
                current.what_i_find_hard,
            );
            counts.would_replace_words =
                (!now.0.is_empty() || !now.1.is_empty() || !now.2.is_empty()) && &now != words;
        }
        Ok(counts)
    }

    /// Adds an imported passport in one transaction: either all of it is recorded or none
    /// of it. Rows from an earlier import of the same package are skipped, or replaced
    /// when `replace` is set; the learner's current words are replaced only when `replace`
    /// is set.
    pub async fn import_passport(
        &self,
        grant: &Grant<act::ImportPassport>,
        batch: &ImportBatch,
        replace: bool,
    ) -> Result<ImportCounts> {
        let counts = self.preview_import(grant, batch).await?;
        if counts.would_replace_words && !replace {
            return Err(StoreError::Conflict(
                "The passport would replace the pupil's own words in their plan. Tick \"replace\" to confirm, or leave it and the words stay as they are."
                    .into(),
            ));
        }
        let learner = grant.learner().0;
        let school = grant.school().0;
        let at = secs(grant.at());
        let existing = self.existing_origins(learner, &batch.package_id).await?;
        let seen = |o: &str| {
            existing
                .iter()
                .any(|e| e == o || e.starts_with(&format!("{o} ")))
        };
        let school_ladders = self.ladders(grant.school()).await?;
        let mut tx = self.begin_write().await?;
        if replace {
            let like = format!("passport:{}:%", batch.package_id);
            for sql in [
                "DELETE FROM evidence_targets WHERE evidence_id IN (SELECT id FROM evidence WHERE learner_id = $1 AND origin LIKE $2)",
                "DELETE FROM showcase_items WHERE evidence_id IN (SELECT id FROM evidence WHERE learner_id = $1 AND origin LIKE $2)",
                "DELETE FROM evidence WHERE learner_id = $1 AND origin LIKE $2",
                "DELETE FROM achievements WHERE learner_id = $1 AND origin LIKE $2",
                "DELETE FROM rung_judgements WHERE learner_id = $1 AND evidence_note LIKE $2",
                "UPDATE plan_targets SET removed = 1 WHERE learner_id = $1 AND origin LIKE $2",
            ] {
                sqlx::query(sql).bind(learner).bind(&like).execute(&mut *tx).await?;
            }
        }
        let fresh = |o: &str| replace || !seen(o);
        // The plan row must exist before targets hang off it.
        let has_plan = sqlx::query("SELECT id FROM plans WHERE learner_id = $1")
            .bind(learner)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !has_plan {
            let (a, b, c) = batch.aspirations.clone().unwrap_or_default();
            sqlx::query(
                "INSERT INTO plans (org_id, learner_id, who_i_want_to_be, what_i_enjoy, what_i_find_hard, version, revision, agreed, updated_at, updated_by)
                 VALUES ($1, $2, $3, $4, $5, 1, 1, 0, $6, $7)",
            )
            .bind(school)
            .bind(learner)
            .bind(a)
            .bind(b)
            .bind(c)
            .bind(at)
            .bind(grant.subject().0)
            .execute(&mut *tx)
            .await?;
        } else {
            // Any import changes the plan, so it opens a new revision for agreement.
            let words = if replace || !counts.would_replace_words {
                batch.aspirations.clone()
            } else {
                None
            };
            sqlx::query(
                "UPDATE plans SET revision = revision + 1, version = CASE WHEN agreed = 1 THEN version + 1 ELSE version END, agreed = 0,
                    updated_at = $1, updated_by = $2 WHERE learner_id = $3",
            )
            .bind(at)
            .bind(grant.subject().0)
            .bind(learner)
            .execute(&mut *tx)
            .await?;
            if let Some((a, b, c)) = words {
                sqlx::query("UPDATE plans SET who_i_want_to_be = $1, what_i_enjoy = $2, what_i_find_hard = $3 WHERE learner_id = $4")
                    .bind(a)
                    .bind(b)
                    .bind(c)
                    .bind(learner)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let mut done = ImportCounts {
            would_replace_words: counts.would_replace_words,
            ..Default::default()
        };
        let mut target_ids: Vec<Option<i64>> = Vec::with_capacity(batch.targets.len());
        for (origin, t) in &batch.targets {
            if !fresh(origin) {
                target_ids.push(None);
                continue;
            }
            let id: i64 = sqlx::query(
                "INSERT INTO plan_targets (org_id, learner_id, domain, title, subject, baseline, goal, due_on, measure, ladder_id, goal_rung, goal_percent, status, removed, origin, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11, $12, 0, $13, $14) RETURNING id",
            )
            .bind(school)
            .bind(learner)
            .bind(t.domain.as_str())
            .bind(&t.title)
            .bind(t.subject.as_deref())
            .bind(&t.baseline)
            .bind(&t.goal)
            .bind(t.due_on.to_string())
            // Ladders are this school's own; a ladder target from elsewhere is judged here.
            .bind(if t.measure == village_domain::plan::Measure::Ladder { "judged" } else { t.measure.as_str() })
            .bind(t.goal_rung.as_deref())
            .bind(t.goal_percent.map(i64::from))
            .bind(t.status.as_str())
            .bind(origin)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            target_ids.push(Some(id));
            done.targets += 1;
        }
        for e in &batch.evidence {
            let origin = e.origin.clone().unwrap_or_default();
            if !fresh(&origin) {
                continue;
            }
            let id: i64 = sqlx::query(
                "INSERT INTO evidence (org_id, learner_id, added_by, title, kind, body, url, file_key, preview_key, mime, size_bytes, sha256, file_name,
                    subject, ladder_id, reflection, learned_how, made_where, occurred_on, kept, share_teachers, share_mentor, share_community, origin, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15, $16, $17, $18, 1, 1, 1, 0, $19, $20) RETURNING id",
            )
            .bind(school)
            .bind(learner)
            .bind(grant.subject().0)
            .bind(&e.title)
            .bind(&e.kind)
            .bind(&e.body)
            .bind(e.url.as_deref())
            .bind(e.file_key.as_deref())
            .bind(e.preview_key.as_deref())
            .bind(e.mime.as_deref())
            .bind(e.size_bytes)
            .bind(e.sha256.as_deref())
            .bind(e.file_name.as_deref())
            .bind(e.subject.as_deref())
            .bind(&e.reflection)
            .bind(&e.learned_how)
            .bind(&e.made_where)
            .bind(e.occurred_on.unwrap_or_else(|| grant.at().to_zoned(jiff::tz::TimeZone::UTC).date()).to_string())
            .bind(&origin)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            for index in &e.targets {
                let Some(Some(t)) = usize::try_from(*index).ok().and_then(|i| target_ids.get(i))
                else {
                    continue;
                };
                sqlx::query("INSERT INTO evidence_targets (org_id, evidence_id, target_id) VALUES ($1, $2, $3)")
                    .bind(school)
                    .bind(id)
                    .bind(*t)
                    .execute(&mut *tx)
                    .await?;
            }
            done.evidence += 1;
        }
        for a in &batch.achievements {
            if !fresh(&a.origin) {
                continue;
            }
            sqlx::query(
                "INSERT INTO achievements (org_id, learner_id, kind, title, description, awarded_on, source, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(school)
            .bind(learner)
            .bind(&a.kind)
            .bind(&a.title)
            .bind(&a.description)
            .bind(a.awarded_on.to_string())
            .bind(&a.origin)
            .bind(&a.origin)
            .execute(&mut *tx)
            .await?;
            done.achievements += 1;
        }
        for (ladder, judgements) in &batch.ladders {
            let ladder_id = match school_ladders
                .iter()
                .find(|l| same_ladder(&l.ladder, ladder))
            {
                Some(l) => l.id,
                None => {
                    let id = insert_ladder(&mut tx, grant.school(), at, ladder).await?;
                    done.ladders_added += 1;
                    id
                }
            };
            for j in judgements {
                if !fresh(&j.origin) {
                    continue;
                }
                let rung: i64 = sqlx::query("SELECT id FROM ladder_rungs WHERE ladder_id = $1 AND code = $2")
                    .bind(ladder_id)
                    .bind(&j.rung_code)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::Conflict(format!("The passport places the pupil on step \"{}\", which the ladder \"{}\" does not have.", j.rung_code, ladder.title)))?
                    .try_get("id")?;
                // The origin leads the note so a second import can recognise the row.
                sqlx::query(
                    "INSERT INTO rung_judgements (org_id, learner_id, ladder_id, rung_id, source, judged_by, judged_on, evidence_note, evidence_id, recorded_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9)",
                )
                .bind(school)
                .bind(learner)
                .bind(ladder_id)
                .bind(rung)
                .bind(j.source.as_str())
                .bind(grant.subject().0)
                .bind(j.judged_on.to_string())
                .bind(format!("{} {}", j.origin, j.note))
                .bind(at)
                .execute(&mut *tx)
                .await?;
                done.judgements += 1;
            }
        }
        sqlx::query(
            "INSERT INTO passport_imports (org_id, learner_id, package_id, package_sha256, from_school, summary, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(school)
        .bind(learner)
        .bind(&batch.package_id)
        .bind(&batch.package_sha256)
        .bind(&batch.from_school)
        .bind(format!(
            "{} targets, {} evidence, {} judgements, {} achievements",
            done.targets, done.evidence, done.judgements, done.achievements
        ))
        .bind(grant.subject().0)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.record_access(grant, &format!("package {}", batch.package_id))
            .await?;
        self.audit(AuditEvent {
            org: Some(grant.school()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: "passport_imported".into(),
            learner: Some(grant.learner()),
            allowed: true,
            rule: grant.path().as_str(),
            detail: format!("from {}", batch.from_school),
        })
        .await?;
        Ok(done)
    }
}

/// Two ladders are the same if their titles and rung codes match.
fn same_ladder(a: &Ladder, b: &Ladder) -> bool {
    a.title == b.title
        && a.rungs.len() == b.rungs.len()
        && a.rungs.iter().zip(&b.rungs).all(|(x, y)| x.code == y.code)
}
