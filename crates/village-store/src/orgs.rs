//! Organisations, groups, the calendar, and the leader's tools (relationships, accounts).

use crate::audit::AuditEvent;
use crate::{date, secs, ts, Result, Store, StoreError};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;
use village_access::act;
use village_access::org_act;
use village_access::{Grant, GroupGrant, OrgGrant};
use village_domain::calendar::{AcademicYear, Term};
use village_domain::org::{GroupKind, OrgKind, Phase};
use village_domain::{GroupId, OrgId, PersonId, RelationshipId};

#[derive(Debug, Clone, Serialize)]
pub struct OrgRow {
    pub id: OrgId,
    pub kind: OrgKind,
    pub name: String,
    pub parent: Option<OrgId>,
    pub phase: Option<Phase>,
    pub require_staff_mfa: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupSummary {
    pub id: GroupId,
    pub school: OrgId,
    pub kind: GroupKind,
    pub name: String,
    pub subject: Option<String>,
    pub members: i64,
}

/// A school at a glance: aggregates only, safe for a collaborative's leaders.
#[derive(Debug, Clone, Serialize)]
pub struct SchoolOverview {
    pub school: OrgRow,
    pub learners: i64,
    pub by_year: Vec<(u8, i64)>,
    pub sen_support: i64,
    pub ehc_plans: i64,
    pub groups: i64,
    pub staff: i64,
    /// Attendance this academic year so far, percent.
    pub attendance_rate: Option<f64>,
    /// Learners below 90% attendance (persistent absence).
    pub persistently_absent: i64,
    pub units: Vec<OrgRow>,
    /// This academic year's terms and INSET days.
    pub calendar: Option<AcademicYear>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RelationshipRow {
    pub id: RelationshipId,
    pub person: PersonId,
    pub person_name: String,
    pub kind: String,
    pub parental_responsibility: bool,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
}

fn org_from_row(r: &sqlx::any::AnyRow) -> Result<OrgRow> {
    let kind: String = r.try_get("kind")?;
    Ok(OrgRow {
        id: OrgId(r.try_get("id")?),
        kind: OrgKind::parse(&kind).ok_or(StoreError::Corrupt {
            column: "orgs.kind",
            value: kind,
        })?,
        name: r.try_get("name")?,
        parent: r.try_get::<Option<i64>, _>("parent_id")?.map(OrgId),
        phase: r
            .try_get::<Option<String>, _>("phase")?
            .as_deref()
            .and_then(Phase::parse),
        require_staff_mfa: r.try_get::<i64, _>("require_staff_mfa")? == 1,
    })
}

impl Store {
    pub async fn org(&self, id: OrgId) -> Result<Option<OrgRow>> {
        let row = sqlx::query(
            "SELECT id, kind, name, parent_id, phase, require_staff_mfa FROM orgs WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    pub async fn orgs_of_kind(&self, kind: OrgKind) -> Result<Vec<OrgRow>> {
        sqlx::query("SELECT id, kind, name, parent_id, phase, require_staff_mfa FROM orgs WHERE kind = $1 ORDER BY name")
            .bind(kind.as_str())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(org_from_row)
            .collect()
    }

    pub async fn set_require_staff_mfa(
        &self,
        grant: &OrgGrant<org_act::ManagePeople>,
        required: bool,
    ) -> Result<()> {
        sqlx::query("UPDATE orgs SET require_staff_mfa = $1 WHERE id = $2")
            .bind(i64::from(required))
            .bind(grant.org().0)
            .execute(&self.pool)
            .await?;
        self.audit(AuditEvent {
            org: Some(grant.org()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: "set_staff_two_factor".into(),
            learner: None,
            allowed: true,
            rule: grant.role().as_str().into(),
            detail: if required { "required" } else { "optional" }.into(),
        })
        .await
    }

    /// The school's academic year containing `on`, or the latest one that started before it.
    /// Calendars change a few times a year and nearly every page reads one, so answers are
    /// kept for five minutes.
    pub async fn academic_year(&self, school: OrgId, on: Date) -> Result<Option<AcademicYear>> {
        const FRESH: std::time::Duration = std::time::Duration::from_secs(300);
        if let Ok(cache) = self.calendars.lock() {
            if let Some((at, year)) = cache.get(&(school, on)) {
                if at.elapsed() < FRESH {
                    return Ok(year.clone());
                }
            }
        }
        let year = self.load_academic_year(school, on).await?;
        if let Ok(mut cache) = self.calendars.lock() {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert((school, on), (std::time::Instant::now(), year.clone()));
        }
        Ok(year)
    }

    async fn load_academic_year(&self, school: OrgId, on: Date) -> Result<Option<AcademicYear>> {
        let year_row = sqlx::query(
            "SELECT start_year FROM academic_terms WHERE org_id = $1 AND first_day <= $2 ORDER BY first_day DESC LIMIT 1",
        )
        .bind(school.0)
        .bind(on.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(year_row) = year_row else {
            return Ok(None);
        };
        let start_year: i64 = year_row.try_get("start_year")?;
        let terms = sqlx::query("SELECT name, first_day, last_day FROM academic_terms WHERE org_id = $1 AND start_year = $2 ORDER BY first_day")
            .bind(school.0)
            .bind(start_year)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Term {
                    name: r.try_get("name")?,
                    first_day: date("academic_terms.first_day", &r.try_get::<String, _>("first_day")?)?,
                    last_day: date("academic_terms.last_day", &r.try_get::<String, _>("last_day")?)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let (Some(first), Some(last)) = (terms.first(), terms.last()) else {
            return Ok(None);
        };
        let insets = sqlx::query(
            "SELECT day FROM inset_days WHERE org_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
        )
        .bind(school.0)
        .bind(first.first_day.to_string())
        .bind(last.last_day.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| date("inset_days.day", &r.try_get::<String, _>("day")?))
        .collect::<Result<Vec<_>>>()?;
        let start_year = i16::try_from(start_year).map_err(|_| StoreError::Corrupt {
            column: "academic_terms.start_year",
            value: start_year.to_string(),
        })?;
        AcademicYear::new(start_year, terms, insets)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                column: "academic_terms",
                value: e.message,
            })
    }

    pub async fn school_overview(
        &self,
        grant: &OrgGrant<org_act::ViewSchool>,
        today: Date,
    ) -> Result<SchoolOverview> {
        let school = self.org(grant.org()).await?.ok_or(StoreError::NotFound)?;
        let id = school.id.0;
        let by_year = sqlx::query("SELECT year_group, COUNT(*) AS n FROM learners WHERE org_id = $1 GROUP BY year_group ORDER BY year_group")
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((u8::try_from(r.try_get::<i64, _>("year_group")?).unwrap_or(0), r.try_get::<i64, _>("n")?)))
            .collect::<Result<Vec<_>>>()?;
        let sen = sqlx::query(
            "SELECT sen_status, COUNT(*) AS n FROM learners WHERE org_id = $1 GROUP BY sen_status",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let (mut sen_support, mut ehc_plans) = (0, 0);
        for r in &sen {
            match r.try_get::<String, _>("sen_status")?.as_str() {
                "sen_support" => sen_support = r.try_get("n")?,
                "ehc_plan" => ehc_plans = r.try_get("n")?,
                _ => {}
            }
        }
        let groups: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM learning_groups WHERE org_id = $1")
                .bind(id)
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?;
        let now = secs(grant.at());
        let staff: i64 = sqlx::query(
            "SELECT COUNT(DISTINCT person_id) AS n FROM roles WHERE org_id = $1 AND role <> 'learner'
             AND starts_at <= $2 AND (ends_at IS NULL OR ends_at > $3)",
        )
        .bind(id)
        .bind(now)
        .bind(now)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let calendar = self.academic_year(school.id, today).await?;
        let year_start = calendar
            .as_ref()
            .and_then(|y| y.terms.first().map(|t| t.first_day))
            .unwrap_or(today);
        // Present codes per the DfE categories in village_domain::attendance.
        let present = "('/', '\\', 'L', 'B', 'D', 'K', 'P', 'V', 'W')";
        let possible_excluded = "('X', 'Y', 'Z', '#')";
        let per_learner = sqlx::query(&format!(
            "SELECT learner_id,
                    CAST(SUM(CASE WHEN mark IN {present} THEN 1 ELSE 0 END) AS BIGINT) AS present,
                    CAST(SUM(CASE WHEN mark NOT IN {possible_excluded} THEN 1 ELSE 0 END) AS BIGINT) AS possible
             FROM attendance_marks WHERE org_id = $1 AND day >= $2 AND day <= $3 GROUP BY learner_id"
        ))
        .bind(id)
        .bind(year_start.to_string())
        .bind(today.to_string())
        .fetch_all(&self.pool)
        .await?;
        let (mut present_total, mut possible_total, mut persistently_absent) =
            (0_i64, 0_i64, 0_i64);
        for r in &per_learner {
            let p: i64 = r.try_get("present")?;
            let n: i64 = r.try_get("possible")?;
            present_total += p;
            possible_total += n;
            if n > 0 && (p as f64) * 100.0 / (n as f64) <= 90.0 {
                persistently_absent += 1;
            }
        }
        let units = sqlx::query("SELECT id, kind, name, parent_id, phase, require_staff_mfa FROM orgs WHERE parent_id = $1 AND kind = 'unit' ORDER BY name")
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(org_from_row)
            .collect::<Result<Vec<_>>>()?;
        let learners = by_year.iter().map(|(_, n)| n).sum();
        self.audit(AuditEvent {
            org: Some(school.id),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: "view_school".into(),
            learner: None,
            allowed: true,
            rule: grant.role().as_str().into(),
            detail: String::new(),
        })
        .await?;
        Ok(SchoolOverview {
            school,
            learners,
            by_year,
            sen_support,
            ehc_plans,
            groups,
            staff,
            attendance_rate: (possible_total > 0)
                .then(|| present_total as f64 * 100.0 / possible_total as f64),
            persistently_absent,
            units,
            calendar,
        })
    }

    /// A group's school, for the policy; `None` if there is no such group.
    pub async fn group_school(&self, group: GroupId) -> Result<Option<OrgId>> {
        Ok(
            sqlx::query("SELECT org_id FROM learning_groups WHERE id = $1")
                .bind(group.0)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get::<i64, _>("org_id"))
                .transpose()?
                .map(OrgId),
        )
    }

    async fn group_summaries(
        &self,
        where_sql: &str,
        arg: i64,
        at: i64,
    ) -> Result<Vec<GroupSummary>> {
        let sql = format!(
            "SELECT g.id, g.org_id, g.kind, g.name, g.subject,
                    (SELECT COUNT(*) FROM group_members gm WHERE gm.group_id = g.id AND gm.starts_at <= $2 AND (gm.ends_at IS NULL OR gm.ends_at > $3)) AS members
             FROM learning_groups g WHERE {where_sql} ORDER BY g.kind, g.name"
        );
        sqlx::query(&sql)
            .bind(arg)
            .bind(at)
            .bind(at)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(GroupSummary {
                    id: GroupId(r.try_get("id")?),
                    school: OrgId(r.try_get("org_id")?),
                    kind: GroupKind::parse(&kind).ok_or(StoreError::Corrupt {
                        column: "learning_groups.kind",
                        value: kind,
                    })?,
                    name: r.try_get("name")?,
                    subject: r.try_get("subject")?,
                    members: r.try_get("members")?,
                })
            })
            .collect()
    }

    /// Groups the person teaches now. Their own information: no grant needed.
    pub async fn groups_taught_by(
        &self,
        person: PersonId,
        now: Timestamp,
    ) -> Result<Vec<GroupSummary>> {
        let at = secs(now);
        let sql = format!(
            "g.id IN (SELECT gt.group_id FROM group_teachers gt WHERE gt.person_id = $1 AND gt.starts_at <= {at} AND (gt.ends_at IS NULL OR gt.ends_at > {at}))"
        );
        self.group_summaries(&sql, person.0, at).await
    }

    pub async fn groups_of_school(
        &self,
        grant: &OrgGrant<org_act::ViewSchool>,
    ) -> Result<Vec<GroupSummary>> {
        self.group_summaries("g.org_id = $1", grant.org().0, secs(grant.at()))
            .await
    }

    pub async fn group(&self, grant: &GroupGrant, now: Timestamp) -> Result<GroupSummary> {
        self.group_summaries("g.id = $1", grant.group().0, secs(now))
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound)
    }

    /// Every relationship to a learner, current and past, for the leader who manages them.
    pub async fn relationships_of(
        &self,
        grant: &Grant<act::ManageRelationships>,
    ) -> Result<Vec<RelationshipRow>> {
        let rows = sqlx::query(
            "SELECT r.id, r.person_id, p.given_name || ' ' || p.family_name AS name, r.kind, r.parental_responsibility, r.starts_at, r.ends_at
             FROM relationships r JOIN people p ON p.id = r.person_id WHERE r.learner_id = $1 ORDER BY r.ends_at IS NOT NULL, r.kind, r.starts_at",
        )
        .bind(grant.learner().0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(RelationshipRow {
                id: RelationshipId(r.try_get("id")?),
                person: PersonId(r.try_get("person_id")?),
                person_name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                parental_responsibility: r.try_get::<i64, _>("parental_responsibility")? == 1,
                starts_at: ts("relationships.starts_at", r.try_get("starts_at")?)?,
                ends_at: r.try_get::<Option<i64>, _>("ends_at")?.map(|e| ts("relationships.ends_at", e)).transpose()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        self.audit(AuditEvent {
            org: Some(grant.school()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: "view_relationships".into(),
            learner: Some(grant.learner()),
            allowed: true,
            rule: grant.path().as_str(),
            detail: String::new(),
        })
        .await?;
        Ok(rows)
    }

    /// Ends a relationship now. It stops granting access on the next request, because the
    /// policy reads relationships fresh every time.
    pub async fn end_relationship(
        &self,
        grant: &Grant<act::ManageRelationships>,
        id: RelationshipId,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE relationships SET ends_at = $1, ended_by = $2 WHERE id = $3 AND learner_id = $4 AND (ends_at IS NULL OR ends_at > $5)",
        )
        .bind(secs(grant.at()))
        .bind(grant.subject().0)
        .bind(id.0)
        .bind(grant.learner().0)
        .bind(secs(grant.at()))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.audit(AuditEvent {
            org: Some(grant.school()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: "end_relationship".into(),
            learner: Some(grant.learner()),
            allowed: true,
            rule: grant.path().as_str(),
            detail: format!("relationship {id}"),
        })
        .await
    }

    /// Whether a person belongs to the school: holds a role there, or is a guardian of one of
    /// its learners. Leaders manage only such people.
    pub async fn person_belongs_to(&self, person: PersonId, school: OrgId) -> Result<bool> {
        let n: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM roles WHERE person_id = $1 AND org_id = $2)
                  + (SELECT COUNT(*) FROM relationships r JOIN learners l ON l.person_id = r.learner_id WHERE r.person_id = $3 AND l.org_id = $4) AS n",
        )
        .bind(person.0)
        .bind(school.0)
        .bind(person.0)
        .bind(school.0)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(n > 0)
    }

    /// Disables (or re-enables) an account of the school's. Ends its sessions at once.
    pub async fn disable_account(
        &self,
        grant: &OrgGrant<org_act::ManagePeople>,
        person: PersonId,
        disabled: bool,
    ) -> Result<()> {
        if !self.person_belongs_to(person, grant.org()).await? {
            return Err(StoreError::NotFound);
        }
        self.set_account_disabled(person, disabled, grant.at())
            .await?;
        self.audit(AuditEvent {
            org: Some(grant.org()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: if disabled {
                "disable_account"
            } else {
                "enable_account"
            }
            .into(),
            learner: None,
            allowed: true,
            rule: grant.role().as_str().into(),
            detail: format!("person {person}"),
        })
        .await
    }

    /// Staff and families of a school, for the leader's people page.
    pub async fn people_of_school(
        &self,
        grant: &OrgGrant<org_act::ManagePeople>,
        name: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(PersonId, String, String, bool)>> {
        let pattern = format!(
            "%{}%",
            name.unwrap_or("")
                .trim()
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows = sqlx::query(
            "SELECT p.id, p.given_name || ' ' || p.family_name AS name, a.username, a.disabled_at
             FROM people p JOIN accounts a ON a.person_id = p.id
             WHERE p.id IN (SELECT person_id FROM roles WHERE org_id = $1 AND role <> 'learner')
               AND LOWER(p.given_name || ' ' || p.family_name) LIKE $2 ESCAPE '\\'
             ORDER BY p.family_name, p.given_name LIMIT $3",
        )
        .bind(grant.org().0)
        .bind(pattern)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    PersonId(r.try_get("id")?),
                    r.try_get("name")?,
                    r.try_get("username")?,
                    r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                ))
            })
            .collect()
    }

    /// The schools where a person holds a role now, for their home page.
    pub async fn roles_of(
        &self,
        person: PersonId,
        now: Timestamp,
    ) -> Result<Vec<(OrgRow, String)>> {
        let at = secs(now);
        sqlx::query(
            "SELECT o.id, o.kind, o.name, o.parent_id, o.phase, o.require_staff_mfa, r.role FROM roles r JOIN orgs o ON o.id = r.org_id
             WHERE r.person_id = $1 AND r.starts_at <= $2 AND (r.ends_at IS NULL OR r.ends_at > $3) ORDER BY o.name, r.role",
        )
        .bind(person.0)
        .bind(at)
        .bind(at)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((org_from_row(r)?, r.try_get("role")?)))
        .collect()
    }
}
