//! Mentoring: profiles learners choose from, their ranked choices, the assignment's
//! outcome with its reason, sessions with a shared and a private part, contact with home,
//! and the relationship-gaps report.

use crate::audit::AuditEvent;
use crate::learners::{push_scope, SqlBuilder};
use crate::{date, secs, Result, Store, StoreError};
use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use village_access::act;
use village_access::org_act;
use village_access::{Grant, OrgGrant, Scope};
use village_domain::{OrgId, PersonId};

#[derive(Debug, Clone, Serialize)]
pub struct MentorProfile {
    pub person: PersonId,
    pub name: String,
    pub about: String,
    pub interests: String,
    pub capacity: i64,
    /// Learners they mentor now.
    pub mentees: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MentorAssignment {
    pub mentor: PersonId,
    pub mentor_name: String,
    pub choice_rank: Option<i64>,
    pub explanation: String,
    pub override_reason: Option<String>,
    pub decided_at: jiff::Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct MentorSession {
    pub id: i64,
    pub held_on: Date,
    pub minutes: i64,
    pub mentor_name: String,
    pub shared_note: String,
    /// Present only for the mentor.
    pub private_note: Option<String>,
    pub parent_present: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MentoringView {
    pub mentor: Option<(PersonId, String)>,
    pub assignment: Option<MentorAssignment>,
    pub sessions: Vec<MentorSession>,
    pub choices: Vec<(i64, PersonId, String)>,
    pub last_home_contact: Option<Date>,
}

/// One learner in the relationship-gaps report.
#[derive(Debug, Clone, Serialize)]
pub struct GapRow {
    pub learner: PersonId,
    pub name: String,
    pub year_group: u8,
    pub sen_status: String,
    pub mentor: Option<String>,
    pub last_mentor_session: Option<Date>,
    pub last_home_contact: Option<Date>,
    pub peer_links: i64,
    pub tutor_changes_this_year: i64,
    /// The gaps, in plain words; empty when the learner is well connected.
    pub gaps: Vec<&'static str>,
}

/// What the gaps report measures against.
#[derive(Debug, Clone, Copy)]
pub struct GapRules {
    pub today: Date,
    /// Mentor contact older than this (six weeks by default) is a gap.
    pub mentor_since: Date,
    /// No contact with home since this date (the half term's start) is a gap.
    pub home_since: Date,
    /// Tutor changes are counted from this date (the academic year's start).
    pub year_start: Date,
}

#[derive(Debug, Clone, Default)]
pub struct GapFilter {
    pub school: Option<OrgId>,
    pub group: Option<village_domain::GroupId>,
    pub year_group: Option<u8>,
    /// `sen_support` or `ehc_plan`, or `any` for either.
    pub need: Option<String>,
    pub only: Option<Vec<PersonId>>,
    /// Only learners with at least one gap.
    pub gaps_only: bool,
}

fn opt_date(column: &'static str, v: Option<String>) -> Result<Option<Date>> {
    v.map(|s| date(column, &s)).transpose()
}

impl Store {
    /// The mentors learners of a school can choose from, with how full they are.
    pub async fn mentor_profiles(
        &self,
        school: OrgId,
        now: jiff::Timestamp,
    ) -> Result<Vec<MentorProfile>> {
        let at = secs(now);
        sqlx::query(
            "SELECT m.person_id, p.given_name || ' ' || p.family_name AS name, m.about, m.interests, m.capacity,
                    (SELECT COUNT(*) FROM relationships r WHERE r.person_id = m.person_id AND r.kind = 'mentor'
                      AND r.starts_at <= $2 AND (r.ends_at IS NULL OR r.ends_at > $3)) AS mentees
             FROM mentor_profiles m JOIN people p ON p.id = m.person_id
             WHERE m.org_id = $1 ORDER BY p.family_name, p.given_name",
        )
        .bind(school.0)
        .bind(at)
        .bind(at)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(MentorProfile {
                person: PersonId(r.try_get("person_id")?),
                name: r.try_get("name")?,
                about: r.try_get("about")?,
                interests: r.try_get("interests")?,
                capacity: r.try_get("capacity")?,
                mentees: r.try_get("mentees")?,
            })
        })
        .collect()
    }

    async fn choices_of(&self, learner: PersonId) -> Result<Vec<(i64, PersonId, String)>> {
        sqlx::query(
            "SELECT c.choice_rank, c.mentor_id, p.given_name || ' ' || p.family_name AS name
             FROM mentor_choices c JOIN people p ON p.id = c.mentor_id WHERE c.learner_id = $1 ORDER BY c.choice_rank",
        )
        .bind(learner.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("choice_rank")?, PersonId(r.try_get("mentor_id")?), r.try_get("name")?)))
        .collect()
    }

    pub async fn mentor_choices(
        &self,
        grant: &Grant<act::ChooseMentor>,
    ) -> Result<Vec<(i64, PersonId, String)>> {
        self.choices_of(grant.learner()).await
    }

    /// Replaces a learner's ranked choices. `choices` is in order of preference, at most
    /// three, no repeats, each a mentor of the learner's school. Errors are in plain words.
    pub async fn set_mentor_choices(
        &self,
        grant: &Grant<act::ChooseMentor>,
        choices: &[PersonId],
    ) -> Result<()> {
        crate::check_ranking(
            choices,
            3,
            "You can choose up to three mentors.",
            "You chose the same mentor twice. Please choose different people.",
        )?;
        let profiles = self.mentor_profiles(grant.school(), grant.at()).await?;
        for c in choices {
            if !profiles.iter().any(|p| p.person == *c) {
                return Err(StoreError::Conflict(
                    "One of the mentors you chose is not available at your school.".into(),
                ));
            }
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM mentor_choices WHERE learner_id = $1")
            .bind(grant.learner().0)
            .execute(&mut *tx)
            .await?;
        for (i, c) in choices.iter().enumerate() {
            sqlx::query(
                "INSERT INTO mentor_choices (org_id, learner_id, mentor_id, choice_rank, chosen_by, chosen_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(grant.school().0)
            .bind(grant.learner().0)
            .bind(c.0)
            .bind(i as i64 + 1)
            .bind(grant.subject().0)
            .bind(secs(grant.at()))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.record_access(grant, &format!("{} choices", choices.len()))
            .await
    }

    async fn current_mentor(
        &self,
        learner: PersonId,
        at: i64,
    ) -> Result<Option<(PersonId, String)>> {
        sqlx::query(
            "SELECT r.person_id, p.given_name || ' ' || p.family_name AS name FROM relationships r JOIN people p ON p.id = r.person_id
             WHERE r.learner_id = $1 AND r.kind = 'mentor' AND r.starts_at <= $2 AND (r.ends_at IS NULL OR r.ends_at > $3)
             ORDER BY r.starts_at DESC LIMIT 1",
        )
        .bind(learner.0)
        .bind(at)
        .bind(at)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| Ok::<_, StoreError>((PersonId(r.try_get("person_id")?), r.try_get("name")?)))
        .transpose()
    }

    async fn sessions_of(
        &self,
        learner: PersonId,
        with_private: bool,
    ) -> Result<Vec<MentorSession>> {
        sqlx::query(
            "SELECT s.id, s.held_on, s.minutes, s.shared_note, s.private_note, s.parent_present,
                    p.given_name || ' ' || p.family_name AS mentor_name
             FROM mentor_sessions s JOIN people p ON p.id = s.mentor_id
             WHERE s.learner_id = $1 ORDER BY s.held_on DESC, s.id DESC LIMIT 30",
        )
        .bind(learner.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(MentorSession {
                id: r.try_get("id")?,
                held_on: date(
                    "mentor_sessions.held_on",
                    &r.try_get::<String, _>("held_on")?,
                )?,
                minutes: r.try_get("minutes")?,
                mentor_name: r.try_get("mentor_name")?,
                shared_note: r.try_get("shared_note")?,
                private_note: if with_private {
                    Some(r.try_get("private_note")?)
                } else {
                    None
                },
                parent_present: r.try_get::<i64, _>("parent_present")? == 1,
            })
        })
        .collect()
    }

    /// The learner's mentor, the reason, and the shared part of their sessions.
    pub async fn mentoring(&self, grant: &Grant<act::ViewMentoring>) -> Result<MentoringView> {
        let at = secs(grant.at());
        let mentor = self.current_mentor(grant.learner(), at).await?;
        let assignment = sqlx::query(
            "SELECT a.mentor_id, p.given_name || ' ' || p.family_name AS name, a.choice_rank, a.explanation, a.override_reason, a.decided_at
             FROM mentor_assignments a JOIN people p ON p.id = a.mentor_id WHERE a.learner_id = $1 ORDER BY a.decided_at DESC, a.id DESC LIMIT 1",
        )
        .bind(grant.learner().0)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| {
            Ok::<_, StoreError>(MentorAssignment {
                mentor: PersonId(r.try_get("mentor_id")?),
                mentor_name: r.try_get("name")?,
                choice_rank: r.try_get("choice_rank")?,
                explanation: r.try_get("explanation")?,
                override_reason: r.try_get("override_reason")?,
                decided_at: crate::ts("mentor_assignments.decided_at", r.try_get("decided_at")?)?,
            })
        })
        .transpose()?;
        let sessions = self.sessions_of(grant.learner(), false).await?;
        let choices = self.choices_of(grant.learner()).await?;
        let last_home: Option<String> =
            sqlx::query("SELECT MAX(contacted_on) AS d FROM home_contacts WHERE learner_id = $1")
                .bind(grant.learner().0)
                .fetch_one(&self.pool)
                .await?
                .try_get("d")?;
        let last_home_contact = opt_date("home_contacts.contacted_on", last_home)?;
        self.record_access(grant, "").await?;
        Ok(MentoringView {
            mentor,
            assignment,
            sessions,
            choices,
            last_home_contact,
        })
    }

    /// Sessions with their private part: for the learner's mentor only.
    pub async fn mentor_sessions_private(
        &self,
        grant: &Grant<act::MentorSessions>,
    ) -> Result<Vec<MentorSession>> {
        let s = self.sessions_of(grant.learner(), true).await?;
        self.record_access(grant, "read").await?;
        Ok(s)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn log_mentor_session(
        &self,
        grant: &Grant<act::MentorSessions>,
        held_on: Date,
        minutes: i64,
        shared_note: &str,
        private_note: &str,
        parent_present: bool,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO mentor_sessions (org_id, learner_id, mentor_id, held_on, minutes, shared_note, private_note, parent_present, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(grant.school().0)
        .bind(grant.learner().0)
        .bind(grant.subject().0)
        .bind(held_on.to_string())
        .bind(minutes)
        .bind(shared_note)
        .bind(private_note)
        .bind(i64::from(parent_present))
        .bind(secs(grant.at()))
        .execute(&self.pool)
        .await?;
        self.record_access(grant, "recorded").await
    }

    pub async fn log_home_contact(
        &self,
        grant: &Grant<act::LogHomeContact>,
        on: Date,
        channel: &str,
        note: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO home_contacts (org_id, learner_id, staff_id, contacted_on, channel, note) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(grant.school().0)
        .bind(grant.learner().0)
        .bind(grant.subject().0)
        .bind(on.to_string())
        .bind(channel)
        .bind(note)
        .execute(&self.pool)
        .await?;
        self.record_access(grant, channel).await
    }

    /// The relationship-gaps report over the learners in `scope`: who has had no mentor
    /// contact for six weeks, no contact with home this half term, no peer connection, or
    /// more than one change of tutor this year. Gaps first, most gaps first.
    pub async fn relationship_gaps(
        &self,
        scope: &Scope<act::ViewMentoring>,
        rules: GapRules,
        filter: &GapFilter,
    ) -> Result<Vec<GapRow>> {
        if scope.is_empty() {
            return Ok(Vec::new());
        }
        let at = secs(scope.at());
        let mut b = SqlBuilder::default();
        b.push(
            "SELECT l.person_id, p.given_name || ' ' || p.family_name AS name, l.year_group, l.sen_status,
               (SELECT MAX(ms.held_on) FROM mentor_sessions ms WHERE ms.learner_id = l.person_id) AS last_mentor,
               (SELECT MAX(hc.contacted_on) FROM home_contacts hc WHERE hc.learner_id = l.person_id) AS last_home,
               (SELECT COUNT(*) FROM relationships r WHERE (r.learner_id = l.person_id OR r.person_id = l.person_id)
                  AND r.kind = 'peer_tutor' AND r.starts_at <= ",
        )
        .bind_i64(at)
        .push(" AND (r.ends_at IS NULL OR r.ends_at > ")
        .bind_i64(at)
        .push(")) AS peer_links,
               (SELECT COUNT(*) FROM challenge_members cm JOIN challenges ch ON ch.id = cm.challenge_id
                  WHERE cm.learner_id = l.person_id AND ch.completed_on IS NULL) AS team_links,
               (SELECT COUNT(*) FROM relationships r WHERE r.learner_id = l.person_id AND r.kind = 'tutor' AND r.starts_at >= ")
        .bind_i64(
            rules
                .year_start
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp().as_second())
                .unwrap_or(0),
        )
        .push(") AS tutor_starts,
               (SELECT mp.given_name || ' ' || mp.family_name FROM relationships r JOIN people mp ON mp.id = r.person_id
                  WHERE r.learner_id = l.person_id AND r.kind = 'mentor' AND r.starts_at <= ")
        .bind_i64(at)
        .push(" AND (r.ends_at IS NULL OR r.ends_at > ")
        .bind_i64(at)
        .push(") ORDER BY r.starts_at DESC LIMIT 1) AS mentor_name
             FROM learners l JOIN people p ON p.id = l.person_id WHERE ");
        push_scope(&mut b, scope);
        if let Some(s) = filter.school {
            b.push(" AND l.org_id = ").bind_i64(s.0);
        }
        if let Some(y) = filter.year_group {
            b.push(" AND l.year_group = ").bind_i64(i64::from(y));
        }
        match filter.need.as_deref() {
            Some("any") => {
                b.push(" AND l.sen_status <> 'none'");
            }
            Some(n @ ("sen_support" | "ehc_plan")) => {
                b.push(" AND l.sen_status = ").bind_text(n.to_string());
            }
            _ => {}
        }
        if let Some(g) = filter.group {
            b.push(" AND EXISTS (SELECT 1 FROM group_members gf WHERE gf.learner_id = l.person_id AND gf.group_id = ")
                .bind_i64(g.0)
                .push(" AND (gf.ends_at IS NULL OR gf.ends_at > ")
                .bind_i64(at)
                .push("))");
        }
        if let Some(only) = &filter.only {
            if only.is_empty() {
                return Ok(Vec::new());
            }
            b.push(" AND l.person_id IN ")
                .bind_list(only.iter().map(|p| p.0));
        }
        b.push(" ORDER BY p.family_name, p.given_name");
        let rows = b.query().fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let last_mentor = opt_date("mentor_sessions.held_on", r.try_get("last_mentor")?)?;
            let last_home = opt_date("home_contacts.contacted_on", r.try_get("last_home")?)?;
            let peer_links: i64 = r.try_get("peer_links")?;
            let tutor_starts: i64 = r.try_get("tutor_starts")?;
            let mentor: Option<String> = r.try_get("mentor_name")?;
            let mut gaps = Vec::new();
            if mentor.is_none() {
                gaps.push("No mentor");
            } else if last_mentor.is_none_or(|d| d < rules.mentor_since) {
                gaps.push("No mentor session for six weeks");
            }
            if last_home.is_none_or(|d| d < rules.home_since) {
                gaps.push("No contact with home this half term");
            }
            let team_links: i64 = r.try_get("team_links")?;
            if peer_links == 0 && team_links == 0 {
                gaps.push("No peer or team connection");
            }
            // The first tutor relationship of the year is not a change.
            let changes = (tutor_starts - 1).max(0);
            if changes > 1 {
                gaps.push("Tutor changed more than once this year");
            }
            if filter.gaps_only && gaps.is_empty() {
                continue;
            }
            out.push(GapRow {
                learner: PersonId(r.try_get("person_id")?),
                name: r.try_get("name")?,
                year_group: u8::try_from(r.try_get::<i64, _>("year_group")?).unwrap_or(0),
                sen_status: r.try_get("sen_status")?,
                mentor,
                last_mentor_session: last_mentor,
                last_home_contact: last_home,
                peer_links,
                tutor_changes_this_year: changes,
                gaps,
            });
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.gaps.len()));
        self.audit(AuditEvent {
            org: filter.school,
            at: scope.at(),
            actor: Some(scope.subject()),
            action: "list_relationship_gaps".into(),
            learner: None,
            allowed: true,
            rule: "scope".into(),
            detail: format!("{} learners", out.len()),
        })
        .await?;
        Ok(out)
    }

    /// Everyone a leader's mentor assignment works with: learners of the school, their
    /// ranked choices and current mentor, and the mentors with their capacity.
    pub async fn mentoring_inputs(
        &self,
        grant: &OrgGrant<org_act::ManageMentoring>,
    ) -> Result<MentoringInputs> {
        let at = secs(grant.at());
        let learners = sqlx::query(
            "SELECT l.person_id,
               (SELECT r.person_id FROM relationships r WHERE r.learner_id = l.person_id AND r.kind = 'mentor'
                  AND r.starts_at <= $2 AND (r.ends_at IS NULL OR r.ends_at > $3) ORDER BY r.starts_at DESC LIMIT 1) AS mentor
             FROM learners l WHERE l.org_id = $1 ORDER BY l.person_id",
        )
        .bind(grant.org().0)
        .bind(at)
        .bind(at)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((PersonId(r.try_get("person_id")?), r.try_get::<Option<i64>, _>("mentor")?.map(PersonId))))
        .collect::<Result<Vec<_>>>()?;
        let choices = sqlx::query(
            "SELECT c.learner_id, c.mentor_id, c.choice_rank FROM mentor_choices c JOIN learners l ON l.person_id = c.learner_id
             WHERE l.org_id = $1 ORDER BY c.learner_id, c.choice_rank",
        )
        .bind(grant.org().0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((PersonId(r.try_get("learner_id")?), PersonId(r.try_get("mentor_id")?), r.try_get::<i64, _>("choice_rank")?)))
        .collect::<Result<Vec<_>>>()?;
        let mentors = self.mentor_profiles(grant.org(), grant.at()).await?;
        Ok(MentoringInputs {
            learners,
            choices,
            mentors,
        })
    }

    /// Records an assignment run: for each learner whose mentor changes, ends the old
    /// mentor relationship and starts the new one; writes each learner's reason. One
    /// transaction, so a run is applied whole or not at all.
    pub async fn apply_mentor_assignment(
        &self,
        grant: &OrgGrant<org_act::ManageMentoring>,
        outcomes: &[MentorOutcome],
    ) -> Result<usize> {
        let at = secs(grant.at());
        let mut changed = 0;
        let mut tx = self.begin_write().await?;
        for o in outcomes {
            let current: Option<i64> = sqlx::query(
                "SELECT person_id FROM relationships WHERE learner_id = $1 AND kind = 'mentor' AND starts_at <= $2 AND (ends_at IS NULL OR ends_at > $3)",
            )
            .bind(o.learner.0)
            .bind(at)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("person_id"))
            .transpose()?;
            if current != Some(o.mentor.0) {
                sqlx::query(
                    "UPDATE relationships SET ends_at = $1, ended_by = $2 WHERE learner_id = $3 AND kind = 'mentor' AND (ends_at IS NULL OR ends_at > $4)",
                )
                .bind(at)
                .bind(grant.subject().0)
                .bind(o.learner.0)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO relationships (org_id, person_id, learner_id, kind, parental_responsibility, starts_at, created_by, created_at)
                     VALUES ($1, $2, $3, 'mentor', 0, $4, $5, $6)",
                )
                .bind(grant.org().0)
                .bind(o.mentor.0)
                .bind(o.learner.0)
                .bind(at)
                .bind(grant.subject().0)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                changed += 1;
            }
            sqlx::query(
                "INSERT INTO mentor_assignments (org_id, learner_id, mentor_id, choice_rank, explanation, decided_by, decided_at, override_reason)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(grant.org().0)
            .bind(o.learner.0)
            .bind(o.mentor.0)
            .bind(o.choice_rank)
            .bind(&o.explanation)
            .bind(grant.subject().0)
            .bind(at)
            .bind(o.override_reason.as_deref())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.audit(AuditEvent {
            org: Some(grant.org()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: if outcomes.iter().any(|o| o.override_reason.is_some()) {
                "override_mentor"
            } else {
                "run_mentor_assignment"
            }
            .into(),
            learner: if outcomes.len() == 1 {
                outcomes.first().map(|o| o.learner)
            } else {
                None
            },
            allowed: true,
            rule: grant.role().as_str().into(),
            detail: format!("{} learners, {changed} changed", outcomes.len()),
        })
        .await?;
        Ok(changed)
    }
}

/// Inputs to a mentor assignment run.
#[derive(Debug, Clone)]
pub struct MentoringInputs {
    /// Every learner of the school and their current mentor.
    pub learners: Vec<(PersonId, Option<PersonId>)>,
    /// (learner, mentor, rank) for every ranked choice.
    pub choices: Vec<(PersonId, PersonId, i64)>,
    pub mentors: Vec<MentorProfile>,
}

/// One learner's result of a run (or an override).
#[derive(Debug, Clone)]
pub struct MentorOutcome {
    pub learner: PersonId,
    pub mentor: PersonId,
    pub choice_rank: Option<i64>,
    pub explanation: String,
    pub override_reason: Option<String>,
}

/// A scheduled mentor meeting.
#[derive(Debug, Clone, Serialize)]
pub struct MentorMeeting {
    pub learner: PersonId,
    pub learner_name: String,
    pub mentor_name: String,
    pub meets_on: Date,
    pub place: String,
}

fn meeting_from_row(r: &sqlx::any::AnyRow) -> Result<MentorMeeting> {
    Ok(MentorMeeting {
        learner: PersonId(r.try_get("learner_id")?),
        learner_name: r.try_get("learner_name")?,
        mentor_name: r.try_get("mentor_name")?,
        meets_on: date(
            "mentor_meetings.meets_on",
            &r.try_get::<String, _>("meets_on")?,
        )?,
        place: r.try_get("place")?,
    })
}

const MEETING_SQL: &str = "SELECT m.learner_id, lp.given_name || ' ' || lp.family_name AS learner_name,
    mp.given_name || ' ' || mp.family_name AS mentor_name, m.meets_on, m.place
    FROM mentor_meetings m JOIN people lp ON lp.id = m.learner_id JOIN people mp ON mp.id = m.mentor_id";

impl Store {
    /// The mentor books the next meeting with a mentee.
    pub async fn schedule_mentor_meeting(
        &self,
        grant: &Grant<act::MentorSessions>,
        on: Date,
        place: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO mentor_meetings (org_id, learner_id, mentor_id, meets_on, place, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(grant.school().0)
        .bind(grant.learner().0)
        .bind(grant.subject().0)
        .bind(on.to_string())
        .bind(place)
        .bind(secs(grant.at()))
        .execute(&self.pool)
        .await?;
        self.record_access(grant, "scheduled").await
    }

    /// The learner's next meeting from `today`, with their current mentor. The learner's
    /// own reminder: no grant beyond being the learner, which the caller checks.
    pub async fn next_mentor_meeting(
        &self,
        learner: PersonId,
        today: Date,
    ) -> Result<Option<MentorMeeting>> {
        let sql = format!("{MEETING_SQL} WHERE m.learner_id = $1 AND m.meets_on >= $2 ORDER BY m.meets_on LIMIT 1");
        sqlx::query(&sql)
            .bind(learner.0)
            .bind(today.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(meeting_from_row)
            .transpose()
    }

    /// A mentor's own meetings in the coming days: their reminders.
    pub async fn mentor_meetings_for(
        &self,
        mentor: PersonId,
        from: Date,
        to: Date,
    ) -> Result<Vec<MentorMeeting>> {
        let sql = format!("{MEETING_SQL} WHERE m.mentor_id = $1 AND m.meets_on >= $2 AND m.meets_on <= $3 ORDER BY m.meets_on, learner_name");
        sqlx::query(&sql)
            .bind(mentor.0)
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(meeting_from_row)
            .collect()
    }
}

impl Store {
    /// A mentor's own profile, if they have one.
    pub async fn own_mentor_profile(
        &self,
        person: PersonId,
    ) -> Result<Option<(String, String, i64)>> {
        sqlx::query("SELECT about, interests, capacity FROM mentor_profiles WHERE person_id = $1")
            .bind(person.0)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| {
                Ok((
                    r.try_get("about")?,
                    r.try_get("interests")?,
                    r.try_get("capacity")?,
                ))
            })
            .transpose()
    }

    /// A mentor updates what learners read about them and how many they can take.
    pub async fn update_own_mentor_profile(
        &self,
        person: PersonId,
        about: &str,
        interests: &str,
        capacity: i64,
    ) -> Result<()> {
        let done = sqlx::query("UPDATE mentor_profiles SET about = $1, interests = $2, capacity = $3 WHERE person_id = $4")
            .bind(about)
            .bind(interests)
            .bind(capacity)
            .bind(person.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

/// A school's mentoring cadence: at least `sessions` meetings of `minutes` each half term.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Cadence {
    pub sessions: i64,
    pub minutes: i64,
}

impl Store {
    pub async fn mentor_cadence(&self, school: OrgId) -> Result<Cadence> {
        let r = sqlx::query("SELECT mentor_sessions_per_half_term AS n, mentor_session_minutes AS m FROM orgs WHERE id = $1")
            .bind(school.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(Cadence {
            sessions: r.try_get("n")?,
            minutes: r.try_get("m")?,
        })
    }

    pub async fn set_mentor_cadence(
        &self,
        grant: &OrgGrant<org_act::ManageMentoring>,
        cadence: Cadence,
    ) -> Result<()> {
        sqlx::query("UPDATE orgs SET mentor_sessions_per_half_term = $1, mentor_session_minutes = $2 WHERE id = $3")
            .bind(cadence.sessions)
            .bind(cadence.minutes)
            .bind(grant.org().0)
            .execute(&self.pool)
            .await?;
        self.audit(AuditEvent {
            org: Some(grant.org()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: "set_mentor_cadence".into(),
            learner: None,
            allowed: true,
            rule: grant.role().as_str().into(),
            detail: format!(
                "{} sessions of {} minutes",
                cadence.sessions, cadence.minutes
            ),
        })
        .await
    }

    /// How many sessions of at least `minutes` each learner has had since `since`.
    pub async fn sessions_since(
        &self,
        grant_scope: &Scope<act::ViewMentoring>,
        learners: &[PersonId],
        since: Date,
        minutes: i64,
    ) -> Result<Vec<(PersonId, i64)>> {
        if learners.is_empty() || grant_scope.is_empty() {
            return Ok(Vec::new());
        }
        let mut b = SqlBuilder::default();
        b.push("SELECT l.person_id, (SELECT COUNT(*) FROM mentor_sessions s WHERE s.learner_id = l.person_id AND s.held_on >= ")
            .bind_text(since.to_string())
            .push(" AND s.minutes >= ")
            .bind_i64(minutes)
            .push(") AS n FROM learners l WHERE ");
        push_scope(&mut b, grant_scope);
        b.push(" AND l.person_id IN ")
            .bind_list(learners.iter().map(|p| p.0));
        b.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((PersonId(r.try_get("person_id")?), r.try_get("n")?)))
            .collect()
    }
}
