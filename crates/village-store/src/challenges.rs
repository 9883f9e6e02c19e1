//! Personal challenges: the menu a year group chooses from, learners' ranked choices and
//! strengths, the teams the school forms, the coach's notes, and completion, which adds
//! the challenge to each member's record of achievement.

use crate::audit::AuditEvent;
use crate::{date, secs, ts, Result, Store, StoreError};
use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use village_access::{act, org_act, Grant, OrgGrant, TeamFacts, TeamGrant};
use village_domain::{OrgId, PersonId};

#[derive(Debug, Clone, Serialize)]
pub struct ChallengeRow {
    pub id: i64,
    pub school: OrgId,
    pub year_group: u8,
    pub title: String,
    pub domain: String,
    pub description: String,
    pub coach: PersonId,
    pub coach_name: String,
    pub min_team: i64,
    pub max_team: i64,
    pub members: i64,
    pub completed_on: Option<Date>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub open_day: Option<Date>,
}

/// Inputs to forming teams for one year group.
#[derive(Debug, Clone)]
pub struct ChallengeInputs {
    pub challenges: Vec<ChallengeRow>,
    /// (learner, ranked challenge ids)
    pub learners: Vec<(PersonId, Vec<i64>)>,
    /// (learner, domain, level 0..3)
    pub strengths: Vec<(PersonId, String, u8)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamView {
    pub challenge: ChallengeRow,
    pub members: Vec<(PersonId, String, String)>,
    pub notes: Vec<(String, String, jiff::Timestamp)>,
}

const CHALLENGE_COLUMNS: &str =
    "c.id, c.org_id, c.year_group, c.title, c.domain, c.description, c.coach_id,
    p.given_name || ' ' || p.family_name AS coach_name, c.min_team, c.max_team, c.completed_on,
    c.starts_on, c.ends_on, c.open_day,
    (SELECT COUNT(*) FROM challenge_members m WHERE m.challenge_id = c.id) AS members";

fn challenge_from_row(r: &sqlx::any::AnyRow) -> Result<ChallengeRow> {
    Ok(ChallengeRow {
        id: r.try_get("id")?,
        school: OrgId(r.try_get("org_id")?),
        year_group: u8::try_from(r.try_get::<i64, _>("year_group")?).unwrap_or(0),
        title: r.try_get("title")?,
        domain: r.try_get("domain")?,
        description: r.try_get("description")?,
        coach: PersonId(r.try_get("coach_id")?),
        coach_name: r.try_get("coach_name")?,
        min_team: r.try_get("min_team")?,
        max_team: r.try_get("max_team")?,
        members: r.try_get("members")?,
        completed_on: r
            .try_get::<Option<String>, _>("completed_on")?
            .map(|d| date("challenges.completed_on", &d))
            .transpose()?,
        starts_on: r
            .try_get::<Option<String>, _>("starts_on")?
            .map(|d| date("challenges.starts_on", &d))
            .transpose()?,
        ends_on: r
            .try_get::<Option<String>, _>("ends_on")?
            .map(|d| date("challenges.ends_on", &d))
            .transpose()?,
        open_day: r
            .try_get::<Option<String>, _>("open_day")?
            .map(|d| date("challenges.open_day", &d))
            .transpose()?,
    })
}

impl Store {
    /// The menu for a school's year group.
    pub async fn challenge_menu(&self, school: OrgId, year_group: u8) -> Result<Vec<ChallengeRow>> {
        let sql = format!(
            "SELECT {CHALLENGE_COLUMNS} FROM challenges c JOIN people p ON p.id = c.coach_id
             WHERE c.org_id = $1 AND c.year_group = $2 ORDER BY c.title"
        );
        sqlx::query(&sql)
            .bind(school.0)
            .bind(i64::from(year_group))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(challenge_from_row)
            .collect()
    }

    /// The year groups of a school that have a challenge menu.
    pub async fn challenge_years(&self, school: OrgId) -> Result<Vec<u8>> {
        sqlx::query(
            "SELECT DISTINCT year_group FROM challenges WHERE org_id = $1 ORDER BY year_group",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok(u8::try_from(r.try_get::<i64, _>("year_group")?).unwrap_or(0)))
        .collect()
    }

    pub async fn challenge_choices(&self, learner: PersonId) -> Result<Vec<i64>> {
        sqlx::query(
            "SELECT challenge_id FROM challenge_choices WHERE learner_id = $1 ORDER BY choice_rank",
        )
        .bind(learner.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("challenge_id")?))
        .collect()
    }

    /// Replaces a learner's ranked choices: up to five, no repeats, from their menu.
    pub async fn set_challenge_choices(
        &self,
        grant: &Grant<act::ChooseChallenges>,
        year_group: u8,
        choices: &[i64],
    ) -> Result<()> {
        crate::check_ranking(
            choices,
            5,
            "You can choose up to five challenges.",
            "You chose the same challenge twice. Please choose different ones.",
        )?;
        let menu = self.challenge_menu(grant.school(), year_group).await?;
        if choices.iter().any(|c| !menu.iter().any(|m| m.id == *c)) {
            return Err(StoreError::Conflict(
                "One of those challenges is not on your year's menu.".into(),
            ));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM challenge_choices WHERE learner_id = $1")
            .bind(grant.learner().0)
            .execute(&mut *tx)
            .await?;
        for (i, c) in choices.iter().enumerate() {
            sqlx::query("INSERT INTO challenge_choices (org_id, learner_id, challenge_id, choice_rank) VALUES ($1, $2, $3, $4)")
                .bind(grant.school().0)
                .bind(grant.learner().0)
                .bind(*c)
                .bind(i as i64 + 1)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.record_access(grant, &format!("{} choices", choices.len()))
            .await
    }

    /// The learner's team, with the reason they were placed in it.
    pub async fn team_of(&self, learner: PersonId) -> Result<Option<(ChallengeRow, String)>> {
        let sql = format!(
            "SELECT {CHALLENGE_COLUMNS}, cm.explanation FROM challenge_members cm JOIN challenges c ON c.id = cm.challenge_id
             JOIN people p ON p.id = c.coach_id WHERE cm.learner_id = $1 ORDER BY cm.joined_at DESC LIMIT 1"
        );
        sqlx::query(&sql)
            .bind(learner.0)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Ok((challenge_from_row(&r)?, r.try_get("explanation")?)))
            .transpose()
    }

    pub async fn challenge_inputs(
        &self,
        grant: &OrgGrant<org_act::ManageChallenges>,
        year_group: u8,
    ) -> Result<ChallengeInputs> {
        let challenges = self.challenge_menu(grant.org(), year_group).await?;
        let rows = sqlx::query(
            "SELECT l.person_id, c.challenge_id FROM learners l LEFT JOIN challenge_choices c ON c.learner_id = l.person_id
             WHERE l.org_id = $1 AND l.year_group = $2 ORDER BY l.person_id, c.choice_rank",
        )
        .bind(grant.org().0)
        .bind(i64::from(year_group))
        .fetch_all(&self.pool)
        .await?;
        let mut learners: Vec<(PersonId, Vec<i64>)> = Vec::new();
        for r in &rows {
            let id = PersonId(r.try_get("person_id")?);
            let choice: Option<i64> = r.try_get("challenge_id")?;
            match learners.last_mut() {
                Some((last, list)) if *last == id => list.extend(choice),
                _ => learners.push((id, choice.into_iter().collect())),
            }
        }
        let strengths = sqlx::query(
            "SELECT s.learner_id, s.domain, s.level FROM learner_strengths s JOIN learners l ON l.person_id = s.learner_id
             WHERE l.org_id = $1 AND l.year_group = $2",
        )
        .bind(grant.org().0)
        .bind(i64::from(year_group))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((PersonId(r.try_get("learner_id")?), r.try_get("domain")?, u8::try_from(r.try_get::<i64, _>("level")?).unwrap_or(0))))
        .collect::<Result<Vec<_>>>()?;
        Ok(ChallengeInputs {
            challenges,
            learners,
            strengths,
        })
    }

    /// Replaces the teams of a year group's challenges with `placements`
    /// (learner, challenge, reason), in one transaction.
    pub async fn apply_teams(
        &self,
        grant: &OrgGrant<org_act::ManageChallenges>,
        year_group: u8,
        placements: &[(PersonId, i64, String)],
    ) -> Result<usize> {
        let menu = self.challenge_menu(grant.org(), year_group).await?;
        let at = secs(grant.at());
        let mut tx = self.begin_write().await?;
        for c in &menu {
            sqlx::query("DELETE FROM challenge_members WHERE challenge_id = $1")
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
        }
        for (learner, challenge, why) in placements {
            if !menu.iter().any(|m| m.id == *challenge) {
                continue;
            }
            sqlx::query("INSERT INTO challenge_members (org_id, challenge_id, learner_id, explanation, joined_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(grant.org().0)
                .bind(*challenge)
                .bind(learner.0)
                .bind(why)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.audit(AuditEvent {
            org: Some(grant.org()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: "form_challenge_teams".into(),
            learner: None,
            allowed: true,
            rule: grant.role().as_str().into(),
            detail: format!("year {year_group}: {} placed", placements.len()),
        })
        .await?;
        Ok(placements.len())
    }

    /// What the policy needs to decide who may see a team.
    pub async fn team_facts(&self, challenge: i64) -> Result<Option<TeamFacts>> {
        let Some(row) = sqlx::query("SELECT org_id, coach_id FROM challenges WHERE id = $1")
            .bind(challenge)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let members =
            sqlx::query("SELECT learner_id FROM challenge_members WHERE challenge_id = $1")
                .bind(challenge)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok(PersonId(r.try_get("learner_id")?)))
                .collect::<Result<Vec<_>>>()?;
        Ok(Some(TeamFacts {
            challenge,
            school: OrgId(row.try_get("org_id")?),
            coach: PersonId(row.try_get("coach_id")?),
            members,
        }))
    }

    pub async fn team(&self, grant: &TeamGrant) -> Result<TeamView> {
        let sql = format!("SELECT {CHALLENGE_COLUMNS} FROM challenges c JOIN people p ON p.id = c.coach_id WHERE c.id = $1");
        let challenge = sqlx::query(&sql)
            .bind(grant.challenge())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(challenge_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        let members = sqlx::query(
            "SELECT m.learner_id, p.given_name || ' ' || p.family_name AS name, m.explanation FROM challenge_members m
             JOIN people p ON p.id = m.learner_id WHERE m.challenge_id = $1 ORDER BY p.family_name, p.given_name",
        )
        .bind(grant.challenge())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((PersonId(r.try_get("learner_id")?), r.try_get("name")?, r.try_get("explanation")?)))
        .collect::<Result<Vec<_>>>()?;
        let notes = sqlx::query(
            "SELECT n.body, p.given_name || ' ' || p.family_name AS author, n.written_at FROM challenge_notes n
             JOIN people p ON p.id = n.author_id WHERE n.challenge_id = $1 ORDER BY n.written_at DESC, n.id DESC",
        )
        .bind(grant.challenge())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("body")?, r.try_get("author")?, ts("challenge_notes.written_at", r.try_get("written_at")?)?)))
        .collect::<Result<Vec<_>>>()?;
        Ok(TeamView {
            challenge,
            members,
            notes,
        })
    }

    /// A coach's note or milestone on the team page.
    pub async fn add_challenge_note(
        &self,
        grant: &TeamGrant,
        body: &str,
        now: jiff::Timestamp,
    ) -> Result<()> {
        if !grant.is_coach() {
            return Err(StoreError::NotFound);
        }
        sqlx::query("INSERT INTO challenge_notes (org_id, challenge_id, author_id, body, written_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(grant.school().0)
            .bind(grant.challenge())
            .bind(grant.subject().0)
            .bind(body)
            .bind(secs(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A leader marks the challenge done: each member gets it in their record of
    /// achievement (once, however often this is pressed).
    pub async fn complete_challenge(
        &self,
        grant: &TeamGrant,
        on: Date,
        now: jiff::Timestamp,
    ) -> Result<usize> {
        if !grant.is_leader() {
            return Err(StoreError::NotFound);
        }
        let view = self.team(grant).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE challenges SET completed_on = $1 WHERE id = $2")
            .bind(on.to_string())
            .bind(grant.challenge())
            .execute(&mut *tx)
            .await?;
        let mut awarded = 0;
        for (learner, _, _) in &view.members {
            let done = sqlx::query(
                "INSERT INTO achievements (org_id, learner_id, kind, title, description, awarded_on, source)
                 VALUES ($1, $2, 'challenge', $3, $4, $5, $6) ON CONFLICT (learner_id, source) DO NOTHING",
            )
            .bind(grant.school().0)
            .bind(learner.0)
            .bind(format!("Personal challenge: {}", view.challenge.title))
            .bind(format!("Took on “{}” with a team of {}, coached by {}.", view.challenge.title, view.members.len(), view.challenge.coach_name))
            .bind(on.to_string())
            .bind(format!("challenge:{}", grant.challenge()))
            .execute(&mut *tx)
            .await?;
            awarded += usize::try_from(done.rows_affected()).unwrap_or(0);
        }
        tx.commit().await?;
        self.audit(AuditEvent {
            org: Some(grant.school()),
            at: now,
            actor: Some(grant.subject()),
            action: "complete_challenge".into(),
            learner: None,
            allowed: true,
            rule: "leader_of_school".into(),
            detail: format!("challenge {}: {awarded} achievements", grant.challenge()),
        })
        .await?;
        Ok(awarded)
    }
}

/// One team on the open-day showcase.
#[derive(Debug, Clone, Serialize)]
pub struct ShowcaseTeam {
    pub challenge: ChallengeRow,
    pub members: Vec<String>,
    pub latest_note: Option<String>,
}

impl Store {
    /// Every running team of a year group, for the open day.
    pub async fn challenge_showcase(
        &self,
        grant: &OrgGrant<org_act::ManageChallenges>,
        year_group: u8,
    ) -> Result<Vec<ShowcaseTeam>> {
        let mut out = Vec::new();
        for c in self
            .challenge_menu(grant.org(), year_group)
            .await?
            .into_iter()
            .filter(|c| c.members > 0)
        {
            let members = sqlx::query(
                "SELECT p.given_name || ' ' || p.family_name AS name FROM challenge_members m JOIN people p ON p.id = m.learner_id
                 WHERE m.challenge_id = $1 ORDER BY p.family_name, p.given_name",
            )
            .bind(c.id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(r.try_get("name")?))
            .collect::<Result<Vec<String>>>()?;
            let latest_note: Option<String> = sqlx::query("SELECT body FROM challenge_notes WHERE challenge_id = $1 ORDER BY written_at DESC, id DESC LIMIT 1")
                .bind(c.id)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get("body"))
                .transpose()?;
            out.push(ShowcaseTeam {
                challenge: c,
                members,
                latest_note,
            });
        }
        Ok(out)
    }
}
