//! Ladders of progress (a school's, ordered rungs) and judgements of where a learner stands
//! on them: by a teacher, a peer or the learner themself, each with its evidence.

use crate::audit::AuditEvent;
use crate::{date, secs, ts, Result, Store, StoreError};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;
use village_access::{act, org_act, Grant, GroupGrant, OrgGrant};
use village_domain::ladder::{JudgementSource, Ladder, LadderKind, Rung};
use village_domain::{OrgId, PersonId};

#[derive(Debug, Clone, Serialize)]
pub struct LadderRow {
    pub id: i64,
    pub school: OrgId,
    pub ladder: Ladder,
}

#[derive(Debug, Clone, Serialize)]
pub struct Judgement {
    pub ladder_id: i64,
    pub rung_code: String,
    pub rung_position: i64,
    pub source: JudgementSource,
    pub judged_by: String,
    pub judged_on: Date,
    pub evidence_note: String,
    pub evidence_id: Option<i64>,
    pub recorded_at: Timestamp,
}

/// One member of a group on one ladder: their latest step, if anyone has placed them.
#[derive(Debug, Clone, Serialize)]
pub struct GroupLadderRow {
    pub learner: PersonId,
    pub name: String,
    /// (rung code, rung position, judged on)
    pub step: Option<(String, i64, Date)>,
}

/// Where a learner stands on one ladder.
#[derive(Debug, Clone, Serialize)]
pub struct LadderPosition {
    pub ladder: LadderRow,
    /// Newest first.
    pub judgements: Vec<Judgement>,
}

impl LadderPosition {
    /// The latest judgement decides the rung shown; earlier ones are the history.
    pub fn current(&self) -> Option<&Judgement> {
        self.judgements.first()
    }
}

impl Store {
    /// A school's ladders with their rungs, in two queries.
    pub async fn ladders(&self, school: OrgId) -> Result<Vec<LadderRow>> {
        self.ladders_where("l.org_id = $1", school.0).await
    }

    pub async fn ladder(&self, school: OrgId, id: i64) -> Result<Option<LadderRow>> {
        Ok(self.ladders(school).await?.into_iter().find(|l| l.id == id))
    }

    async fn ladders_where(&self, predicate: &str, value: i64) -> Result<Vec<LadderRow>> {
        let sql = format!(
            "SELECT l.id, l.org_id, l.title, l.subject, l.kind, l.description FROM ladders l WHERE {predicate} ORDER BY l.kind DESC, l.title, l.id"
        );
        let heads = sqlx::query(&sql).bind(value).fetch_all(&self.pool).await?;
        let sql = format!(
            "SELECT r.ladder_id, r.code, r.title, r.descriptor, r.next_step FROM ladder_rungs r JOIN ladders l ON l.id = r.ladder_id
             WHERE {predicate} ORDER BY r.ladder_id, r.position"
        );
        let rungs = sqlx::query(&sql).bind(value).fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(heads.len());
        for h in &heads {
            let id: i64 = h.try_get("id")?;
            let kind: String = h.try_get("kind")?;
            let mut ladder = Ladder {
                title: h.try_get("title")?,
                subject: h.try_get("subject")?,
                kind: if kind == "capability" {
                    LadderKind::Capability
                } else {
                    LadderKind::Subject
                },
                description: h.try_get("description")?,
                rungs: Vec::new(),
            };
            for r in rungs
                .iter()
                .filter(|r| r.try_get::<i64, _>("ladder_id").ok() == Some(id))
            {
                ladder.rungs.push(Rung {
                    code: r.try_get("code")?,
                    title: r.try_get("title")?,
                    descriptor: r.try_get("descriptor")?,
                    next_step: r.try_get("next_step")?,
                });
            }
            out.push(LadderRow {
                id,
                school: OrgId(h.try_get("org_id")?),
                ladder,
            });
        }
        Ok(out)
    }

    /// Adds ladders to a school (each must already be validated). Returns their ids.
    pub async fn add_ladders(
        &self,
        grant: &OrgGrant<org_act::ManageLadders>,
        ladders: &[Ladder],
    ) -> Result<Vec<i64>> {
        let ids = self
            .insert_ladders(grant.org(), grant.at(), ladders)
            .await?;
        self.audit(AuditEvent {
            org: Some(grant.org()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: "import_ladders".into(),
            learner: None,
            allowed: true,
            rule: grant.role().as_str().into(),
            detail: format!("{} ladders", ids.len()),
        })
        .await?;
        Ok(ids)
    }

    pub(crate) async fn insert_ladders(
        &self,
        school: OrgId,
        at: Timestamp,
        ladders: &[Ladder],
    ) -> Result<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(ladders.len());
        for l in ladders {
            ids.push(insert_ladder(&mut tx, school, secs(at), l).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Records where a learner stands on a ladder. The source (teacher, peer, self) comes
    /// from the relationship that granted the action, never from the form.
    pub async fn record_judgement(
        &self,
        grant: &Grant<act::JudgeRung>,
        ladder_id: i64,
        rung_code: &str,
        judged_on: Date,
        evidence_note: &str,
        evidence_id: Option<i64>,
    ) -> Result<()> {
        let source = match grant.path() {
            village_access::Path::Itself => JudgementSource::SelfAssessment,
            village_access::Path::Direct(
                village_domain::relationship::RelationshipKind::PeerTutor,
            ) => JudgementSource::Peer,
            _ => JudgementSource::Teacher,
        };
        let rung: Option<i64> = sqlx::query(
            "SELECT r.id FROM ladder_rungs r JOIN ladders l ON l.id = r.ladder_id
             WHERE r.ladder_id = $1 AND r.code = $2 AND l.org_id = $3",
        )
        .bind(ladder_id)
        .bind(rung_code)
        .bind(grant.school().0)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.try_get("id"))
        .transpose()?;
        let Some(rung) = rung else {
            return Err(StoreError::Conflict(
                "Please choose a step from this ladder.".into(),
            ));
        };
        if let Some(e) = evidence_id {
            let ok = sqlx::query("SELECT id FROM evidence WHERE id = $1 AND learner_id = $2")
                .bind(e)
                .bind(grant.learner().0)
                .fetch_optional(&self.pool)
                .await?;
            if ok.is_none() {
                return Err(StoreError::Conflict(
                    "That evidence is not in this pupil's portfolio.".into(),
                ));
            }
        }
        sqlx::query(
            "INSERT INTO rung_judgements (org_id, learner_id, ladder_id, rung_id, source, judged_by, judged_on, evidence_note, evidence_id, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(grant.school().0)
        .bind(grant.learner().0)
        .bind(ladder_id)
        .bind(rung)
        .bind(source.as_str())
        .bind(grant.subject().0)
        .bind(judged_on.to_string())
        .bind(evidence_note)
        .bind(evidence_id)
        .bind(secs(grant.at()))
        .execute(&self.pool)
        .await?;
        self.record_access(grant, &format!("ladder {ladder_id} step {rung_code}"))
            .await
    }

    /// Every ladder of the learner's school with the learner's judgements on it.
    pub async fn ladder_positions(
        &self,
        grant: &Grant<act::ViewPlan>,
    ) -> Result<Vec<LadderPosition>> {
        let ladders = self.ladders(grant.school()).await?;
        let judgements = self.judgements_of(grant.learner()).await?;
        self.record_access(grant, "ladders").await?;
        Ok(ladders
            .into_iter()
            .map(|ladder| LadderPosition {
                judgements: judgements
                    .iter()
                    .filter(|j| j.ladder_id == ladder.id)
                    .cloned()
                    .collect(),
                ladder,
            })
            .collect())
    }

    pub(crate) async fn judgements_of(&self, learner: PersonId) -> Result<Vec<Judgement>> {
        sqlx::query(
            "SELECT j.ladder_id, r.code, r.position, j.source, j.judged_on, j.evidence_note, j.evidence_id, j.recorded_at,
                    p.given_name || ' ' || p.family_name AS who
             FROM rung_judgements j JOIN ladder_rungs r ON r.id = j.rung_id JOIN people p ON p.id = j.judged_by
             WHERE j.learner_id = $1 ORDER BY j.judged_on DESC, j.id DESC",
        )
        .bind(learner.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let source: String = r.try_get("source")?;
            Ok(Judgement {
                ladder_id: r.try_get("ladder_id")?,
                rung_code: r.try_get("code")?,
                rung_position: r.try_get("position")?,
                source: JudgementSource::parse(&source).ok_or_else(|| StoreError::Corrupt {
                    column: "rung_judgements.source",
                    value: source.clone(),
                })?,
                judged_by: r.try_get("who")?,
                judged_on: date("rung_judgements.judged_on", &r.try_get::<String, _>("judged_on")?)?,
                evidence_note: r.try_get("evidence_note")?,
                evidence_id: r.try_get("evidence_id")?,
                recorded_at: ts("rung_judgements.recorded_at", r.try_get("recorded_at")?)?,
            })
        })
        .collect()
    }

    /// Where each member of a group stands on one ladder (latest judgement), for teachers
    /// forming sets and peer pairs.
    pub async fn group_ladder(
        &self,
        grant: &GroupGrant,
        ladder_id: i64,
    ) -> Result<Vec<GroupLadderRow>> {
        let rows = sqlx::query(
            "SELECT p.id, p.given_name || ' ' || p.family_name AS name,
                    (SELECT r.code FROM rung_judgements j JOIN ladder_rungs r ON r.id = j.rung_id
                      WHERE j.learner_id = p.id AND j.ladder_id = $1 ORDER BY j.judged_on DESC, j.id DESC LIMIT 1) AS code,
                    (SELECT r.position FROM rung_judgements j JOIN ladder_rungs r ON r.id = j.rung_id
                      WHERE j.learner_id = p.id AND j.ladder_id = $2 ORDER BY j.judged_on DESC, j.id DESC LIMIT 1) AS position,
                    (SELECT j.judged_on FROM rung_judgements j
                      WHERE j.learner_id = p.id AND j.ladder_id = $3 ORDER BY j.judged_on DESC, j.id DESC LIMIT 1) AS judged_on
             FROM group_members m JOIN people p ON p.id = m.learner_id
             WHERE m.group_id = $4 AND m.starts_at <= $5 AND (m.ends_at IS NULL OR m.ends_at > $6)
             ORDER BY p.family_name, p.given_name",
        )
        .bind(ladder_id)
        .bind(ladder_id)
        .bind(ladder_id)
        .bind(grant.group().0)
        .bind(secs(grant.at()))
        .bind(secs(grant.at()))
        .fetch_all(&self.pool)
        .await?;
        let out = rows
            .iter()
            .map(|r| {
                let code: Option<String> = r.try_get("code")?;
                let position: Option<i64> = r.try_get("position")?;
                let on: Option<String> = r.try_get("judged_on")?;
                let at = match (code, position, on) {
                    (Some(c), Some(p), Some(d)) => {
                        Some((c, p, date("rung_judgements.judged_on", &d)?))
                    }
                    _ => None,
                };
                Ok(GroupLadderRow {
                    learner: PersonId(r.try_get("id")?),
                    name: r.try_get("name")?,
                    step: at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.audit(AuditEvent {
            org: Some(grant.school()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: "view_group_ladder".into(),
            learner: None,
            allowed: true,
            rule: "teaches_group".into(),
            detail: format!("group {} ladder {ladder_id}", grant.group().0),
        })
        .await?;
        Ok(out)
    }
}

/// Adds one ladder with its rungs inside a transaction.
pub(crate) async fn insert_ladder(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    school: OrgId,
    at: i64,
    l: &Ladder,
) -> Result<i64> {
    let id: i64 = sqlx::query(
        "INSERT INTO ladders (org_id, title, subject, kind, description, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(school.0)
    .bind(&l.title)
    .bind(l.subject.as_deref())
    .bind(l.kind.as_str())
    .bind(&l.description)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    for (i, r) in l.rungs.iter().enumerate() {
        sqlx::query(
            "INSERT INTO ladder_rungs (org_id, ladder_id, position, code, title, descriptor, next_step) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(school.0)
        .bind(id)
        .bind(i as i64)
        .bind(&r.code)
        .bind(&r.title)
        .bind(&r.descriptor)
        .bind(&r.next_step)
        .execute(&mut **tx)
        .await?;
    }
    Ok(id)
}
