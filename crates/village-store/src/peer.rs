//! The Peer Learner Programme: programmes, the pupils who can take part with their rungs
//! and free times, pairs (each also a `peer_tutor` relationship, so the policy and the
//! relationship map see it), training, sessions logged by both sides, and the record of
//! achievement that completed tutoring adds to.

use crate::audit::AuditEvent;
use crate::{date, secs, Result, Store, StoreError};
use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use village_access::act;
use village_access::org_act;
use village_access::{Grant, OrgGrant};
use village_domain::{OrgId, PersonId};

#[derive(Debug, Clone, Serialize)]
pub struct PeerProgramme {
    pub id: i64,
    pub school: OrgId,
    pub name: String,
    pub subject: String,
    pub tutor_year: u8,
    pub tutee_year: u8,
    pub sessions_to_complete: i64,
    pub pairs: i64,
}

/// A pupil who could take part, as the matching sees them.
#[derive(Debug, Clone, Serialize)]
pub struct PeerCandidate {
    pub id: PersonId,
    pub name: String,
    pub year: u8,
    /// Latest assessment result in the subject, as a step on its scale (0 if none).
    pub rung: i32,
    /// Free weekly slots, bit i = slot i.
    pub slots: u64,
    /// Tutors only: training completed for this programme.
    pub trained: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeerPair {
    pub id: i64,
    pub programme: i64,
    pub programme_name: String,
    pub subject: String,
    pub tutor: PersonId,
    pub tutor_name: String,
    pub tutee: PersonId,
    pub tutee_name: String,
    pub explanation: String,
    pub tutor_sessions: i64,
    pub sessions_to_complete: i64,
    pub trained: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Achievement {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub awarded_on: Date,
}

/// The weekly slots peer sessions can use.
pub const PEER_SLOTS: [&str; 5] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];
const ALL_SLOTS: i64 = 0b11111;

const PAIR_COLUMNS: &str = "pp.id, pp.programme_id, pg.name AS programme_name, pg.subject, pg.sessions_to_complete,
    pp.tutor_id, tp.given_name || ' ' || tp.family_name AS tutor_name,
    pp.tutee_id, ep.given_name || ' ' || ep.family_name AS tutee_name, pp.explanation,
    (SELECT COUNT(*) FROM peer_sessions s WHERE s.pair_id = pp.id AND s.side = 'tutor') AS tutor_sessions,
    (SELECT COUNT(*) FROM peer_training t WHERE t.programme_id = pp.programme_id AND t.tutor_id = pp.tutor_id) AS trained";

fn pair_from_row(r: &sqlx::any::AnyRow) -> Result<PeerPair> {
    Ok(PeerPair {
        id: r.try_get("id")?,
        programme: r.try_get("programme_id")?,
        programme_name: r.try_get("programme_name")?,
        subject: r.try_get("subject")?,
        tutor: PersonId(r.try_get("tutor_id")?),
        tutor_name: r.try_get("tutor_name")?,
        tutee: PersonId(r.try_get("tutee_id")?),
        tutee_name: r.try_get("tutee_name")?,
        explanation: r.try_get("explanation")?,
        tutor_sessions: r.try_get("tutor_sessions")?,
        sessions_to_complete: r.try_get("sessions_to_complete")?,
        trained: r.try_get::<i64, _>("trained")? > 0,
    })
}

fn programme_from_row(r: &sqlx::any::AnyRow) -> Result<PeerProgramme> {
    Ok(PeerProgramme {
        id: r.try_get("id")?,
        school: OrgId(r.try_get("org_id")?),
        name: r.try_get("name")?,
        subject: r.try_get("subject")?,
        tutor_year: u8::try_from(r.try_get::<i64, _>("tutor_year")?).unwrap_or(0),
        tutee_year: u8::try_from(r.try_get::<i64, _>("tutee_year")?).unwrap_or(0),
        sessions_to_complete: r.try_get("sessions_to_complete")?,
        pairs: r.try_get("pairs")?,
    })
}

impl Store {
    async fn audit_org(
        &self,
        grant: &OrgGrant<org_act::ManagePeerLearning>,
        action: &str,
        detail: String,
    ) -> Result<()> {
        self.audit(AuditEvent {
            org: Some(grant.org()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: action.into(),
            learner: None,
            allowed: true,
            rule: grant.role().as_str().into(),
            detail,
        })
        .await
    }

    pub async fn peer_programmes(
        &self,
        grant: &OrgGrant<org_act::ManagePeerLearning>,
    ) -> Result<Vec<PeerProgramme>> {
        let at = secs(grant.at());
        sqlx::query(
            "SELECT pg.id, pg.org_id, pg.name, pg.subject, pg.tutor_year, pg.tutee_year, pg.sessions_to_complete,
                    (SELECT COUNT(*) FROM peer_pairs pp WHERE pp.programme_id = pg.id AND (pp.ends_at IS NULL OR pp.ends_at > $2)) AS pairs
             FROM peer_programmes pg WHERE pg.org_id = $1 ORDER BY pg.name",
        )
        .bind(grant.org().0)
        .bind(at)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(programme_from_row)
        .collect()
    }

    pub async fn peer_programme(
        &self,
        grant: &OrgGrant<org_act::ManagePeerLearning>,
        id: i64,
    ) -> Result<PeerProgramme> {
        self.peer_programmes(grant)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(StoreError::NotFound)
    }

    pub async fn create_peer_programme(
        &self,
        grant: &OrgGrant<org_act::ManagePeerLearning>,
        name: &str,
        subject: &str,
        tutor_year: u8,
        tutee_year: u8,
    ) -> Result<i64> {
        let id: i64 = sqlx::query(
            "INSERT INTO peer_programmes (org_id, name, subject, tutor_year, tutee_year, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(grant.org().0)
        .bind(name)
        .bind(subject)
        .bind(i64::from(tutor_year))
        .bind(i64::from(tutee_year))
        .bind(grant.subject().0)
        .bind(secs(grant.at()))
        .fetch_one(&self.pool)
        .await?
        .try_get("id")?;
        self.audit_org(grant, "create_peer_programme", format!("programme {id}"))
            .await?;
        Ok(id)
    }

    /// The subjects the school has assessments in, for the programme form.
    pub async fn assessed_subjects(&self, school: OrgId) -> Result<Vec<String>> {
        sqlx::query("SELECT DISTINCT subject FROM assessments WHERE org_id = $1 ORDER BY subject")
            .bind(school.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(r.try_get("subject")?))
            .collect()
    }

    async fn candidates_in_year(
        &self,
        programme: &PeerProgramme,
        year: u8,
        with_training: bool,
    ) -> Result<Vec<PeerCandidate>> {
        sqlx::query(
            "SELECT l.person_id, p.given_name || ' ' || p.family_name AS name, l.year_group,
                (SELECT a.score FROM assessments a WHERE a.learner_id = l.person_id AND a.subject = $1 ORDER BY a.day DESC, a.id DESC LIMIT 1) AS rung,
                (SELECT v.slots FROM peer_availability v WHERE v.learner_id = l.person_id) AS slots,
                (SELECT COUNT(*) FROM peer_training t WHERE t.programme_id = $2 AND t.tutor_id = l.person_id) AS trained
             FROM learners l JOIN people p ON p.id = l.person_id
             WHERE l.org_id = $3 AND l.year_group = $4 ORDER BY p.family_name, p.given_name",
        )
        .bind(&programme.subject)
        .bind(programme.id)
        .bind(programme.school.0)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PeerCandidate {
                id: PersonId(r.try_get("person_id")?),
                name: r.try_get("name")?,
                year: u8::try_from(r.try_get::<i64, _>("year_group")?).unwrap_or(0),
                rung: i32::try_from(r.try_get::<Option<i64>, _>("rung")?.unwrap_or(0)).unwrap_or(0),
                slots: u64::try_from(r.try_get::<Option<i64>, _>("slots")?.unwrap_or(ALL_SLOTS)).unwrap_or(0),
                trained: with_training && r.try_get::<i64, _>("trained")? > 0,
            })
        })
        .collect()
    }

    /// Tutors and tutees who can take part in a programme.
    pub async fn peer_candidates(
        &self,
        grant: &OrgGrant<org_act::ManagePeerLearning>,
        programme: &PeerProgramme,
    ) -> Result<(Vec<PeerCandidate>, Vec<PeerCandidate>)> {
        if programme.school != grant.org() {
            return Err(StoreError::NotFound);
        }
        let tutors = self
            .candidates_in_year(programme, programme.tutor_year, true)
            .await?;
        let tutees = self
            .candidates_in_year(programme, programme.tutee_year, false)
            .await?;
        Ok((tutors, tutees))
    }

    /// The programme's current pairs.
    pub async fn peer_pairs(
        &self,
        grant: &OrgGrant<org_act::ManagePeerLearning>,
        programme: i64,
    ) -> Result<Vec<PeerPair>> {
        let at = secs(grant.at());
        let sql = format!(
            "SELECT {PAIR_COLUMNS} FROM peer_pairs pp JOIN peer_programmes pg ON pg.id = pp.programme_id
             JOIN people tp ON tp.id = pp.tutor_id JOIN people ep ON ep.id = pp.tutee_id
             WHERE pp.programme_id = $1 AND pg.org_id = $2 AND (pp.ends_at IS NULL OR pp.ends_at > $3) ORDER BY tutee_name"
        );
        sqlx::query(&sql)
            .bind(programme)
            .bind(grant.org().0)
            .bind(at)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(pair_from_row)
            .collect()
    }

    /// Replaces a programme's pairs with `pairs` (tutor, tutee, explanation): pairs that
    /// stay are untouched, pairs that go are ended with their `peer_tutor` relationship,
    /// new pairs start with one. Returns (kept, started, ended).
    pub async fn apply_peer_matching(
        &self,
        grant: &OrgGrant<org_act::ManagePeerLearning>,
        programme: &PeerProgramme,
        pairs: &[(PersonId, PersonId, String)],
    ) -> Result<(usize, usize, usize)> {
        let current = self.peer_pairs(grant, programme.id).await?;
        let at = secs(grant.at());
        let (mut kept, mut started, mut ended) = (0, 0, 0);
        let mut tx = self.begin_write().await?;
        for c in &current {
            if pairs.iter().any(|(t, e, _)| *t == c.tutor && *e == c.tutee) {
                kept += 1;
                continue;
            }
            sqlx::query("UPDATE peer_pairs SET ends_at = $1 WHERE id = $2")
                .bind(at)
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE relationships SET ends_at = $1, ended_by = $2 WHERE person_id = $3 AND learner_id = $4 AND kind = 'peer_tutor' AND (ends_at IS NULL OR ends_at > $5)",
            )
            .bind(at)
            .bind(grant.subject().0)
            .bind(c.tutor.0)
            .bind(c.tutee.0)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            ended += 1;
        }
        for (tutor, tutee, why) in pairs {
            if current
                .iter()
                .any(|c| c.tutor == *tutor && c.tutee == *tutee)
            {
                continue;
            }
            sqlx::query(
                "INSERT INTO peer_pairs (org_id, programme_id, tutor_id, tutee_id, explanation, starts_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(grant.org().0)
            .bind(programme.id)
            .bind(tutor.0)
            .bind(tutee.0)
            .bind(why)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO relationships (org_id, person_id, learner_id, kind, parental_responsibility, starts_at, created_by, created_at)
                 VALUES ($1, $2, $3, 'peer_tutor', 0, $4, $5, $6)",
            )
            .bind(grant.org().0)
            .bind(tutor.0)
            .bind(tutee.0)
            .bind(at)
            .bind(grant.subject().0)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            started += 1;
        }
        tx.commit().await?;
        self.audit_org(
            grant,
            "peer_matching",
            format!(
                "programme {}: {kept} kept, {started} started, {ended} ended",
                programme.id
            ),
        )
        .await?;
        Ok((kept, started, ended))
    }

    pub async fn record_peer_training(
        &self,
        grant: &OrgGrant<org_act::ManagePeerLearning>,
        programme: &PeerProgramme,
        tutor: PersonId,
        on: Date,
    ) -> Result<()> {
        if programme.school != grant.org() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO peer_training (org_id, programme_id, tutor_id, completed_on, recorded_by) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (programme_id, tutor_id) DO NOTHING",
        )
        .bind(grant.org().0)
        .bind(programme.id)
        .bind(tutor.0)
        .bind(on.to_string())
        .bind(grant.subject().0)
        .execute(&self.pool)
        .await?;
        self.audit_org(grant, "peer_training", format!("tutor {tutor}"))
            .await
    }

    /// A pupil's own pairs: those they tutor and those they are tutored in.
    pub async fn peer_pairs_of(
        &self,
        pupil: PersonId,
        now: jiff::Timestamp,
    ) -> Result<(Vec<PeerPair>, Vec<PeerPair>)> {
        let at = secs(now);
        let sql = format!(
            "SELECT {PAIR_COLUMNS} FROM peer_pairs pp JOIN peer_programmes pg ON pg.id = pp.programme_id
             JOIN people tp ON tp.id = pp.tutor_id JOIN people ep ON ep.id = pp.tutee_id
             WHERE (pp.tutor_id = $1 OR pp.tutee_id = $2) AND (pp.ends_at IS NULL OR pp.ends_at > $3) ORDER BY pp.id"
        );
        let pairs = sqlx::query(&sql)
            .bind(pupil.0)
            .bind(pupil.0)
            .bind(at)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(pair_from_row)
            .collect::<Result<Vec<_>>>()?;
        let (tutoring, tutored) = pairs.into_iter().partition(|p| p.tutor == pupil);
        Ok((tutoring, tutored))
    }

    /// Logs a session of a pair, from the tutor's or the tutee's side. When the tutor has
    /// logged the programme's number of sessions, the tutoring becomes an achievement in the
    /// tutor's record of achievement. Returns whether an achievement was awarded now.
    pub async fn log_peer_session(
        &self,
        grant: &Grant<act::LogPeerSession>,
        pair_id: i64,
        held_on: Date,
        feedback: &str,
    ) -> Result<bool> {
        let at = secs(grant.at());
        let sql = format!(
            "SELECT {PAIR_COLUMNS} FROM peer_pairs pp JOIN peer_programmes pg ON pg.id = pp.programme_id
             JOIN people tp ON tp.id = pp.tutor_id JOIN people ep ON ep.id = pp.tutee_id
             WHERE pp.id = $1 AND (pp.ends_at IS NULL OR pp.ends_at > $2)"
        );
        let pair = sqlx::query(&sql)
            .bind(pair_id)
            .bind(at)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(pair_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        // The grant is for the tutee's record; the logger must be one side of this pair.
        if pair.tutee != grant.learner() {
            return Err(StoreError::NotFound);
        }
        let side = if grant.subject() == pair.tutor {
            if !pair.trained {
                return Err(StoreError::Conflict("Please finish your peer tutor training before logging sessions. Ask the teacher who runs the programme.".into()));
            }
            "tutor"
        } else if grant.subject() == pair.tutee {
            "tutee"
        } else {
            return Err(StoreError::NotFound);
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO peer_sessions (org_id, pair_id, held_on, logged_by, side, feedback, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(grant.school().0)
        .bind(pair.id)
        .bind(held_on.to_string())
        .bind(grant.subject().0)
        .bind(side)
        .bind(feedback)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let mut awarded = false;
        if side == "tutor" && pair.tutor_sessions + 1 >= pair.sessions_to_complete {
            let done = sqlx::query(
                "INSERT INTO achievements (org_id, learner_id, kind, title, description, awarded_on, source)
                 VALUES ($1, $2, 'peer_tutoring', $3, $4, $5, $6) ON CONFLICT (learner_id, source) DO NOTHING",
            )
            .bind(grant.school().0)
            .bind(pair.tutor.0)
            .bind(format!("Peer tutor: {}", pair.programme_name))
            .bind(format!("Tutored a younger pupil in {} for {} sessions.", pair.subject.to_lowercase(), pair.sessions_to_complete))
            .bind(held_on.to_string())
            .bind(format!("peer_pair:{}", pair.id))
            .execute(&mut *tx)
            .await?;
            awarded = done.rows_affected() == 1;
        }
        tx.commit().await?;
        self.audit(AuditEvent {
            org: Some(grant.school()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: "log_peer_session".into(),
            learner: Some(grant.learner()),
            allowed: true,
            rule: grant.path().as_str(),
            detail: side.into(),
        })
        .await?;
        Ok(awarded)
    }

    /// The record of achievement.
    pub async fn achievements(&self, grant: &Grant<act::ViewProgress>) -> Result<Vec<Achievement>> {
        sqlx::query("SELECT kind, title, description, awarded_on FROM achievements WHERE learner_id = $1 ORDER BY awarded_on DESC, id DESC")
            .bind(grant.learner().0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Achievement {
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    description: r.try_get("description")?,
                    awarded_on: date("achievements.awarded_on", &r.try_get::<String, _>("awarded_on")?)?,
                })
            })
            .collect()
    }
}

impl Store {
    /// The latest peer session a pupil took part in, as tutor or tutee.
    pub async fn last_peer_session(&self, pupil: PersonId) -> Result<Option<Date>> {
        let d: Option<String> = sqlx::query(
            "SELECT MAX(s.held_on) AS d FROM peer_sessions s JOIN peer_pairs p ON p.id = s.pair_id
             WHERE p.tutor_id = $1 OR p.tutee_id = $2",
        )
        .bind(pupil.0)
        .bind(pupil.0)
        .fetch_one(&self.pool)
        .await?
        .try_get("d")?;
        d.map(|d| date("peer_sessions.held_on", &d)).transpose()
    }
}
