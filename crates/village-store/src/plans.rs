//! The personal learning plan: aspirations and targets, versions, agreements, comments,
//! and progress notes on targets.
//!
//! Concurrency: every change names the revision it was made from. The `UPDATE … WHERE
//! revision = $expected` either moves the plan on by one or touches nothing, in which case
//! the caller is told someone else changed the plan first and keeps what they typed. An
//! agreement names a revision too, so nobody agrees to words they have not read.

use crate::{date, secs, ts, Result, Store, StoreError};
use jiff::Timestamp;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use village_access::act::{self, Act};
use village_access::Grant;
use village_domain::plan::{
    missing_agreements, AgreementRole, Measure, PlanContent, Target, TargetDomain, TargetStatus,
};
use village_domain::PersonId;

/// What the plan page shows.
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    pub content: PlanContent,
    /// The open (or last agreed) version's number; 0 before anything was written.
    pub version: i64,
    pub revision: i64,
    pub agreed: bool,
    /// Agreements to the current revision: (role, name, when).
    pub agreements: Vec<(AgreementRole, String, Timestamp)>,
    pub missing: Vec<AgreementRole>,
    pub comments: Vec<PlanComment>,
    /// Agreed versions, newest first: (number, agreed at).
    pub versions: Vec<(i64, Timestamp)>,
    pub updated: Option<(String, Timestamp)>,
    /// Latest progress note per target: (target id, note, author, when).
    pub notes: Vec<(i64, String, String, Timestamp)>,
    /// Number of evidence items linked to each target.
    pub evidence_counts: Vec<(i64, i64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanComment {
    pub version: i64,
    pub author: String,
    pub role: String,
    pub body: String,
    pub written_at: Timestamp,
}

/// The result of an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreed {
    /// Recorded; others still need to agree.
    Recorded,
    /// That was the last agreement: the version is now agreed.
    PlanAgreed,
    /// This person had already agreed this revision.
    AlreadyAgreed,
}

pub const CHANGED_MESSAGE: &str = "Someone changed this plan while you were working on it. \
Your words are kept below: read the plan as it is now, then save again.";

const TARGET_COLUMNS: &str = "id, domain, title, subject, baseline, goal, due_on, measure, ladder_id, goal_rung, goal_percent, status";

fn corrupt(column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        column,
        value: value.to_string(),
    }
}

pub(crate) fn target_from_row(r: &AnyRow) -> Result<Target> {
    let domain: String = r.try_get("domain")?;
    let measure: String = r.try_get("measure")?;
    let status: String = r.try_get("status")?;
    Ok(Target {
        id: r.try_get("id")?,
        domain: TargetDomain::parse(&domain)
            .ok_or_else(|| corrupt("plan_targets.domain", &domain))?,
        title: r.try_get("title")?,
        subject: r.try_get("subject")?,
        baseline: r.try_get("baseline")?,
        goal: r.try_get("goal")?,
        due_on: date("plan_targets.due_on", &r.try_get::<String, _>("due_on")?)?,
        measure: Measure::parse(&measure)
            .ok_or_else(|| corrupt("plan_targets.measure", &measure))?,
        ladder_id: r.try_get("ladder_id")?,
        goal_rung: r.try_get("goal_rung")?,
        goal_percent: r
            .try_get::<Option<i64>, _>("goal_percent")?
            .and_then(|p| u8::try_from(p).ok()),
        status: TargetStatus::parse(&status)
            .ok_or_else(|| corrupt("plan_targets.status", &status))?,
    })
}

impl Store {
    /// The live words of a learner's plan (the open version).
    pub(crate) async fn plan_content(&self, learner: PersonId) -> Result<PlanContent> {
        let head = sqlx::query(
            "SELECT who_i_want_to_be, what_i_enjoy, what_i_find_hard FROM plans WHERE learner_id = $1",
        )
        .bind(learner.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(head) = head else {
            return Ok(PlanContent::default());
        };
        let sql = format!(
            "SELECT {TARGET_COLUMNS} FROM plan_targets WHERE learner_id = $1 AND removed = 0 ORDER BY due_on, id"
        );
        let targets = sqlx::query(&sql)
            .bind(learner.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(target_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(PlanContent {
            who_i_want_to_be: head.try_get("who_i_want_to_be")?,
            what_i_enjoy: head.try_get("what_i_enjoy")?,
            what_i_find_hard: head.try_get("what_i_find_hard")?,
            targets,
        })
    }

    /// The learner's plan, with agreements, comments and versions.
    pub async fn plan(&self, grant: &Grant<act::ViewPlan>) -> Result<PlanView> {
        let learner = grant.learner();
        let content = self.plan_content(learner).await?;
        let head = sqlx::query(
            "SELECT pl.version, pl.revision, pl.agreed, pl.updated_at, p.given_name || ' ' || p.family_name AS who
             FROM plans pl JOIN people p ON p.id = pl.updated_by WHERE pl.learner_id = $1",
        )
        .bind(learner.0)
        .fetch_optional(&self.pool)
        .await?;
        let (version, revision, agreed, updated) = match &head {
            Some(h) => (
                h.try_get::<i64, _>("version")?,
                h.try_get::<i64, _>("revision")?,
                h.try_get::<i64, _>("agreed")? != 0,
                Some((
                    h.try_get("who")?,
                    ts("plans.updated_at", h.try_get("updated_at")?)?,
                )),
            ),
            None => (0, 0, false, None),
        };
        let agreements = sqlx::query(
            "SELECT a.agreement_role, a.agreed_at, p.given_name || ' ' || p.family_name AS who
             FROM plan_agreements a JOIN people p ON p.id = a.person_id
             WHERE a.learner_id = $1 AND a.revision = $2 ORDER BY a.agreed_at, a.id",
        )
        .bind(learner.0)
        .bind(revision)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let role: String = r.try_get("agreement_role")?;
            Ok((
                AgreementRole::parse(&role)
                    .ok_or_else(|| corrupt("plan_agreements.agreement_role", &role))?,
                r.try_get("who")?,
                ts("plan_agreements.agreed_at", r.try_get("agreed_at")?)?,
            ))
        })
        .collect::<Result<Vec<(AgreementRole, String, Timestamp)>>>()?;
        let roles: Vec<AgreementRole> = agreements.iter().map(|a| a.0).collect();
        let comments = sqlx::query(
            "SELECT c.version, c.author_role, c.body, c.written_at, p.given_name || ' ' || p.family_name AS who
             FROM plan_comments c JOIN people p ON p.id = c.author_id
             WHERE c.learner_id = $1 ORDER BY c.written_at DESC, c.id DESC LIMIT 50",
        )
        .bind(learner.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PlanComment {
                version: r.try_get("version")?,
                author: r.try_get("who")?,
                role: r.try_get("author_role")?,
                body: r.try_get("body")?,
                written_at: ts("plan_comments.written_at", r.try_get("written_at")?)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let versions = sqlx::query(
            "SELECT version, agreed_at FROM plan_versions WHERE learner_id = $1 ORDER BY version DESC",
        )
        .bind(learner.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("version")?, ts("plan_versions.agreed_at", r.try_get("agreed_at")?)?)))
        .collect::<Result<Vec<_>>>()?;
        // The latest note per target: one query, the newest row per target wins.
        let notes = sqlx::query(
            "SELECT u.target_id, u.note, u.written_at, p.given_name || ' ' || p.family_name AS who
             FROM target_updates u JOIN plan_targets t ON t.id = u.target_id JOIN people p ON p.id = u.author_id
             WHERE t.learner_id = $1 AND u.id = (SELECT MAX(u2.id) FROM target_updates u2 WHERE u2.target_id = u.target_id)",
        )
        .bind(learner.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("target_id")?,
                r.try_get("note")?,
                r.try_get("who")?,
                ts("target_updates.written_at", r.try_get("written_at")?)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
        let evidence_counts = sqlx::query(
            "SELECT et.target_id, COUNT(*) AS n FROM evidence_targets et JOIN evidence e ON e.id = et.evidence_id
             WHERE e.learner_id = $1 AND e.kept = 1 GROUP BY et.target_id",
        )
        .bind(learner.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("target_id")?, r.try_get("n")?)))
        .collect::<Result<Vec<_>>>()?;
        self.record_access(grant, "").await?;
        Ok(PlanView {
            content,
            version,
            revision,
            agreed,
            missing: missing_agreements(&roles),
            agreements,
            comments,
            versions,
            updated,
            notes,
            evidence_counts,
        })
    }

    /// One version's words: an agreed snapshot, or the open version's live words.
    pub async fn plan_version(
        &self,
        grant: &Grant<act::ViewPlan>,
        version: i64,
    ) -> Result<Option<PlanContent>> {
        let stored: Option<String> =
            sqlx::query("SELECT content FROM plan_versions WHERE learner_id = $1 AND version = $2")
                .bind(grant.learner().0)
                .bind(version)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get("content"))
                .transpose()?;
        let content = match stored {
            Some(json) => Some(
                serde_json::from_str(&json)
                    .map_err(|_| corrupt("plan_versions.content", "unreadable snapshot"))?,
            ),
            None => {
                let open: Option<i64> =
                    sqlx::query("SELECT version FROM plans WHERE learner_id = $1")
                        .bind(grant.learner().0)
                        .fetch_optional(&self.pool)
                        .await?
                        .map(|r| r.try_get("version"))
                        .transpose()?;
                if open == Some(version) {
                    Some(self.plan_content(grant.learner()).await?)
                } else {
                    None
                }
            }
        };
        self.record_access(grant, &format!("version {version}"))
            .await?;
        Ok(content)
    }

    /// Moves the plan on from `expected` to the next revision, creating the plan on first
    /// write and opening a new version if the current one was agreed. Fails with
    /// [`CHANGED_MESSAGE`] if someone else moved it first.
    async fn bump<A: Act>(
        tx: &mut Transaction<'_, Any>,
        grant: &Grant<A>,
        expected: i64,
    ) -> Result<i64> {
        let at = secs(grant.at());
        let learner = grant.learner().0;
        let head = sqlx::query("SELECT revision FROM plans WHERE learner_id = $1")
            .bind(learner)
            .fetch_optional(&mut **tx)
            .await?;
        if head.is_none() {
            if expected != 0 {
                return Err(StoreError::Conflict(CHANGED_MESSAGE.into()));
            }
            sqlx::query(
                "INSERT INTO plans (org_id, learner_id, who_i_want_to_be, what_i_enjoy, what_i_find_hard, version, revision, agreed, updated_at, updated_by)
                 VALUES ($1, $2, '', '', '', 1, 1, 0, $3, $4) ON CONFLICT (learner_id) DO NOTHING",
            )
            .bind(grant.school().0)
            .bind(learner)
            .bind(at)
            .bind(grant.subject().0)
            .execute(&mut **tx)
            .await?;
            return Ok(1);
        }
        let done = sqlx::query(
            "UPDATE plans SET revision = revision + 1,
                version = CASE WHEN agreed = 1 THEN version + 1 ELSE version END,
                agreed = 0, updated_at = $1, updated_by = $2
             WHERE learner_id = $3 AND revision = $4",
        )
        .bind(at)
        .bind(grant.subject().0)
        .bind(learner)
        .bind(expected)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(CHANGED_MESSAGE.into()));
        }
        Ok(expected + 1)
    }

    /// Saves the learner's aspirations, in their own words.
    pub async fn save_aspirations(
        &self,
        grant: &Grant<act::EditPlan>,
        expected_revision: i64,
        who_i_want_to_be: &str,
        what_i_enjoy: &str,
        what_i_find_hard: &str,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let revision = Self::bump(&mut tx, grant, expected_revision).await?;
        sqlx::query(
            "UPDATE plans SET who_i_want_to_be = $1, what_i_enjoy = $2, what_i_find_hard = $3 WHERE learner_id = $4",
        )
        .bind(who_i_want_to_be)
        .bind(what_i_enjoy)
        .bind(what_i_find_hard)
        .bind(grant.learner().0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.record_access(grant, "aspirations").await?;
        Ok(revision)
    }

    /// Adds a target (`target.id == 0`) or changes one. Returns the new revision and the
    /// target's id.
    pub async fn save_target(
        &self,
        grant: &Grant<act::EditPlan>,
        expected_revision: i64,
        target: &Target,
    ) -> Result<(i64, i64)> {
        let mut tx = self.begin_write().await?;
        let revision = Self::bump(&mut tx, grant, expected_revision).await?;
        let id = if target.id == 0 {
            sqlx::query(
                "INSERT INTO plan_targets (org_id, learner_id, domain, title, subject, baseline, goal, due_on, measure, ladder_id, goal_rung, goal_percent, status, removed, origin, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, NULL, $14) RETURNING id",
            )
            .bind(grant.school().0)
            .bind(grant.learner().0)
            .bind(target.domain.as_str())
            .bind(&target.title)
            .bind(target.subject.as_deref())
            .bind(&target.baseline)
            .bind(&target.goal)
            .bind(target.due_on.to_string())
            .bind(target.measure.as_str())
            .bind(target.ladder_id)
            .bind(target.goal_rung.as_deref())
            .bind(target.goal_percent.map(i64::from))
            .bind(target.status.as_str())
            .bind(secs(grant.at()))
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?
        } else {
            let done = sqlx::query(
                "UPDATE plan_targets SET domain = $1, title = $2, subject = $3, baseline = $4, goal = $5, due_on = $6, measure = $7,
                    ladder_id = $8, goal_rung = $9, goal_percent = $10, status = $11
                 WHERE id = $12 AND learner_id = $13 AND removed = 0",
            )
            .bind(target.domain.as_str())
            .bind(&target.title)
            .bind(target.subject.as_deref())
            .bind(&target.baseline)
            .bind(&target.goal)
            .bind(target.due_on.to_string())
            .bind(target.measure.as_str())
            .bind(target.ladder_id)
            .bind(target.goal_rung.as_deref())
            .bind(target.goal_percent.map(i64::from))
            .bind(target.status.as_str())
            .bind(target.id)
            .bind(grant.learner().0)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
            target.id
        };
        tx.commit().await?;
        self.record_access(grant, &format!("target {id}")).await?;
        Ok((revision, id))
    }

    /// Takes a target out of the open version (earlier versions keep it).
    pub async fn remove_target(
        &self,
        grant: &Grant<act::EditPlan>,
        expected_revision: i64,
        target: i64,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let revision = Self::bump(&mut tx, grant, expected_revision).await?;
        let done = sqlx::query(
            "UPDATE plan_targets SET removed = 1 WHERE id = $1 AND learner_id = $2 AND removed = 0",
        )
        .bind(target)
        .bind(grant.learner().0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        self.record_access(grant, &format!("removed target {target}"))
            .await?;
        Ok(revision)
    }

    /// Records one person's agreement to `revision`. When learner, tutor and a parent have
    /// all agreed it, the version is agreed and its words are kept as a snapshot.
    pub async fn agree_plan(&self, grant: &Grant<act::AgreePlan>, revision: i64) -> Result<Agreed> {
        let role = village_access::agreement_role(grant.path()).ok_or(StoreError::NotFound)?;
        let learner = grant.learner().0;
        let mut tx = self.begin_write().await?;
        let head = sqlx::query("SELECT version, revision, agreed FROM plans WHERE learner_id = $1")
            .bind(learner)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::Conflict("There is no plan to agree yet.".into()))?;
        let current: i64 = head.try_get("revision")?;
        let version: i64 = head.try_get("version")?;
        if current != revision {
            return Err(StoreError::Conflict(
                "The plan changed after you opened it, so your agreement was not recorded. \
                 Please read the plan as it is now and agree again if you are happy with it."
                    .into(),
            ));
        }
        if head.try_get::<i64, _>("agreed")? != 0 {
            return Ok(Agreed::AlreadyAgreed);
        }
        let existing: Vec<String> = sqlx::query(
            "SELECT agreement_role FROM plan_agreements WHERE learner_id = $1 AND revision = $2",
        )
        .bind(learner)
        .bind(revision)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("agreement_role"))
        .collect::<std::result::Result<_, _>>()?;
        if existing.iter().any(|r| r == role.as_str()) {
            return Ok(Agreed::AlreadyAgreed);
        }
        let at = secs(grant.at());
        sqlx::query(
            "INSERT INTO plan_agreements (org_id, learner_id, version, revision, agreement_role, person_id, agreed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(grant.school().0)
        .bind(learner)
        .bind(version)
        .bind(revision)
        .bind(role.as_str())
        .bind(grant.subject().0)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let mut roles: Vec<AgreementRole> = existing
            .iter()
            .filter_map(|r| AgreementRole::parse(r))
            .collect();
        roles.push(role);
        let outcome = if missing_agreements(&roles).is_empty() {
            tx.commit().await?;
            // The snapshot is written after the agreement commits; `plans.agreed` is set in
            // the same transaction as the snapshot so the two cannot disagree.
            let content = self.plan_content(grant.learner()).await?;
            let json = serde_json::to_string(&content)
                .map_err(|_| corrupt("plan_versions.content", "unserialisable plan"))?;
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "UPDATE plans SET agreed = 1 WHERE learner_id = $1 AND revision = $2 AND agreed = 0",
            )
            .bind(learner)
            .bind(revision)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                sqlx::query(
                    "INSERT INTO plan_versions (org_id, learner_id, version, revision, content, agreed_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(grant.school().0)
                .bind(learner)
                .bind(version)
                .bind(revision)
                .bind(json)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Agreed::PlanAgreed
        } else {
            tx.commit().await?;
            Agreed::Recorded
        };
        self.record_access(grant, &format!("revision {revision} as {}", role.as_str()))
            .await?;
        Ok(outcome)
    }

    pub async fn comment_on_plan(
        &self,
        grant: &Grant<act::CommentOnPlan>,
        role_label: &str,
        body: &str,
    ) -> Result<()> {
        let version: i64 = sqlx::query("SELECT version FROM plans WHERE learner_id = $1")
            .bind(grant.learner().0)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("version"))
            .transpose()?
            .unwrap_or(1);
        sqlx::query(
            "INSERT INTO plan_comments (org_id, learner_id, version, author_id, author_role, body, written_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(grant.school().0)
        .bind(grant.learner().0)
        .bind(version)
        .bind(grant.subject().0)
        .bind(role_label)
        .bind(body)
        .bind(secs(grant.at()))
        .execute(&self.pool)
        .await?;
        self.record_access(grant, "").await
    }

    /// A note on how a target is going (for targets people judge).
    pub async fn add_target_note(
        &self,
        grant: &Grant<act::CommentOnPlan>,
        target: i64,
        note: &str,
    ) -> Result<()> {
        let owned = sqlx::query("SELECT id FROM plan_targets WHERE id = $1 AND learner_id = $2")
            .bind(target)
            .bind(grant.learner().0)
            .fetch_optional(&self.pool)
            .await?;
        if owned.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO target_updates (org_id, target_id, author_id, note, written_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(grant.school().0)
        .bind(target)
        .bind(grant.subject().0)
        .bind(note)
        .bind(secs(grant.at()))
        .execute(&self.pool)
        .await?;
        self.record_access(grant, &format!("note on target {target}"))
            .await
    }

    /// Attendance this academic year from `from`, in per cent, for attendance targets.
    /// Counted the same way as the attendance page: possible sessions exclude those not
    /// required (holidays, closures).
    pub async fn attendance_rate_since(
        &self,
        grant: &Grant<act::ViewPlan>,
        from: jiff::civil::Date,
    ) -> Result<Option<f64>> {
        let rows = sqlx::query(
            "SELECT mark, COUNT(*) AS n FROM attendance_marks WHERE learner_id = $1 AND day >= $2 GROUP BY mark",
        )
        .bind(grant.learner().0)
        .bind(from.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut summary = village_domain::attendance::AttendanceSummary::default();
        for r in &rows {
            let mark: String = r.try_get("mark")?;
            let n: i64 = r.try_get("n")?;
            if let Some(m) = village_domain::attendance::AttendanceMark::parse(&mark) {
                for _ in 0..n {
                    summary.add(m);
                }
            }
        }
        Ok(summary.rate())
    }

    /// The plan's current revision (0 before it exists), for tests that race edits.
    #[cfg(feature = "testing")]
    pub async fn plan_revision_for_tests(&self, learner: PersonId) -> i64 {
        sqlx::query("SELECT revision FROM plans WHERE learner_id = $1")
            .bind(learner.0)
            .fetch_optional(&self.pool)
            .await
            .ok()
            .flatten()
            .and_then(|r| r.try_get("revision").ok())
            .unwrap_or(0)
    }

    /// Plans the pupil has proposed (agreed) that wait for this person's agreement, as
    /// their tutor or as a parent with responsibility, holding at `at`: (learner, name).
    pub async fn plans_awaiting(
        &self,
        person: PersonId,
        at: Timestamp,
    ) -> Result<Vec<(PersonId, String)>> {
        let at = secs(at);
        sqlx::query(
            "SELECT pl.learner_id, lp.given_name || ' ' || lp.family_name AS name
             FROM plans pl
             JOIN relationships r ON r.learner_id = pl.learner_id AND r.person_id = $1
                  AND (r.kind = 'tutor' OR (r.kind = 'guardian' AND r.parental_responsibility = 1))
                  AND r.starts_at <= $2 AND (r.ends_at IS NULL OR r.ends_at > $3)
             JOIN people lp ON lp.id = pl.learner_id
             WHERE pl.agreed = 0
               AND EXISTS (SELECT 1 FROM plan_agreements a WHERE a.learner_id = pl.learner_id
                           AND a.revision = pl.revision AND a.agreement_role = 'learner')
               AND NOT EXISTS (SELECT 1 FROM plan_agreements a WHERE a.learner_id = pl.learner_id
                           AND a.revision = pl.revision AND a.person_id = $4)
             ORDER BY lp.family_name, lp.given_name",
        )
        .bind(person.0)
        .bind(at)
        .bind(at)
        .bind(person.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((PersonId(r.try_get("learner_id")?), r.try_get("name")?)))
        .collect()
    }
}
