//! A learner's information. Every function here takes a grant or a scope from the access
//! policy and records the access in the audit log before returning anything.

use crate::audit::AuditEvent;
use crate::{date, secs, ts, Result, Store, StoreError};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;
use village_access::act::{self, Act};
use village_access::{Grant, Scope};
use village_domain::attendance::{AttendanceMark, AttendanceSummary};
use village_domain::person::{SenStatus, YearGroup};
use village_domain::relationship::{GuardianTitle, RelationshipKind};
use village_domain::{GroupId, OrgId, PersonId};

/// One line in a list of learners.
#[derive(Debug, Clone, Serialize)]
pub struct LearnerSummary {
    pub id: PersonId,
    pub given_name: String,
    pub family_name: String,
    pub year_group: u8,
    pub sen_status: SenStatus,
    pub school: OrgId,
}

impl LearnerSummary {
    pub fn name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
    pub fn year_label(&self) -> String {
        YearGroup::new(self.year_group)
            .map(|y| y.label())
            .unwrap_or_default()
    }
}

/// Someone in a learner's life, as the learner's "my people" shows them.
#[derive(Debug, Clone, Serialize)]
pub struct PersonLink {
    pub person: PersonId,
    pub name: String,
    /// The word for the relationship: "Tutor", "Parent", "Teacher (Maths set 2)"…
    pub relation: String,
    /// `guardian`, `tutor`… or `teacher` for teachers of the learner's groups.
    pub kind: String,
    pub parental_responsibility: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LearnerProfile {
    pub id: PersonId,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub year_group: u8,
    pub sen_status: SenStatus,
    pub school: OrgId,
    pub school_name: String,
    pub unit_name: Option<String>,
    pub groups: Vec<(GroupId, String, String)>,
    pub people: Vec<PersonLink>,
    pub shares_with_collaborative: bool,
}

impl LearnerProfile {
    pub fn name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
    pub fn year_label(&self) -> String {
        YearGroup::new(self.year_group)
            .map(|y| y.label())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MarkRow {
    pub day: Date,
    pub part: String,
    pub mark: char,
    pub meaning: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttendanceView {
    pub from: Date,
    pub to: Date,
    pub summary: AttendanceSummary,
    /// Attendance rate per school week (Monday's date, rate), oldest first, for the chart.
    pub weekly: Vec<(Date, f64)>,
    /// The latest marks, newest first.
    pub recent: Vec<MarkRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BehaviourRow {
    pub day: Date,
    pub kind: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssessmentRow {
    pub subject: String,
    pub day: Date,
    pub result: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProgressView {
    pub recognitions: i64,
    pub concerns: i64,
    pub recent_behaviour: Vec<BehaviourRow>,
    pub assessments: Vec<AssessmentRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SupportNote {
    pub kind: String,
    pub body: String,
    pub written_by: String,
    pub written_at: Timestamp,
}

/// Optional narrowing of a learner list. The scope always applies on top.
#[derive(Debug, Clone, Default)]
pub struct LearnerFilter {
    pub school: Option<OrgId>,
    pub group: Option<GroupId>,
    pub year_group: Option<u8>,
    /// Case-insensitive part of a name.
    pub name: Option<String>,
    /// Only these learners (e.g. "my tutor group").
    pub only: Option<Vec<PersonId>>,
    pub limit: i64,
    pub offset: i64,
}

/// A value bound to a dynamically built query.
pub(crate) enum Arg {
    I64(i64),
    Text(String),
}

/// SQL text and its arguments, built together so `$n` numbering cannot go wrong.
#[derive(Default)]
pub(crate) struct SqlBuilder {
    pub(crate) sql: String,
    pub(crate) args: Vec<Arg>,
}

impl SqlBuilder {
    pub(crate) fn push(&mut self, s: &str) -> &mut Self {
        self.sql.push_str(s);
        self
    }
    pub(crate) fn bind_i64(&mut self, v: i64) -> &mut Self {
        self.args.push(Arg::I64(v));
        self.sql.push_str(&format!("${}", self.args.len()));
        self
    }
    pub(crate) fn bind_text(&mut self, v: String) -> &mut Self {
        self.args.push(Arg::Text(v));
        self.sql.push_str(&format!("${}", self.args.len()));
        self
    }
    pub(crate) fn bind_list(&mut self, values: impl IntoIterator<Item = i64>) -> &mut Self {
        self.sql.push('(');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind_i64(v);
        }
        self.sql.push(')');
        self
    }
    pub(crate) fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query(&self.sql);
        for a in &self.args {
            q = match a {
                Arg::I64(v) => q.bind(*v),
                Arg::Text(s) => q.bind(s.as_str()),
            };
        }
        q
    }
}

/// Appends the scope as a SQL predicate on learners aliased `l`: the SQL twin of
/// [`Scope::contains`], checked against it by the contract tests.
pub(crate) fn push_scope<A: Act>(b: &mut SqlBuilder, scope: &Scope<A>) {
    let at = secs(scope.at());
    b.push("(1 = 0");
    if scope.includes_self() {
        b.push(" OR l.person_id = ").bind_i64(scope.subject().0);
    }
    if !scope.learners().is_empty() {
        b.push(" OR l.person_id IN ")
            .bind_list(scope.learners().iter().map(|p| p.0));
    }
    if !scope.groups().is_empty() {
        b.push(" OR EXISTS (SELECT 1 FROM group_members gm WHERE gm.learner_id = l.person_id AND gm.group_id IN ")
            .bind_list(scope.groups().iter().map(|g| g.0))
            .push(" AND gm.starts_at <= ")
            .bind_i64(at)
            .push(" AND (gm.ends_at IS NULL OR gm.ends_at > ")
            .bind_i64(at)
            .push("))");
    }
    if !scope.schools().is_empty() {
        b.push(" OR l.org_id IN ")
            .bind_list(scope.schools().iter().map(|o| o.0));
    }
    if !scope.collaboratives_with_consent().is_empty() {
        b.push(" OR (l.shares_with_collaborative = 1 AND l.org_id IN (SELECT o.id FROM orgs o WHERE o.parent_id IN ")
            .bind_list(scope.collaboratives_with_consent().iter().map(|o| o.0))
            .push("))");
    }
    b.push(")");
}

fn summary_from_row(row: &sqlx::any::AnyRow) -> Result<LearnerSummary> {
    let sen: String = row.try_get("sen_status")?;
    Ok(LearnerSummary {
        id: PersonId(row.try_get("person_id")?),
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        year_group: u8::try_from(row.try_get::<i64, _>("year_group")?).unwrap_or(0),
        sen_status: SenStatus::parse(&sen).ok_or(StoreError::Corrupt {
            column: "learners.sen_status",
            value: sen,
        })?,
        school: OrgId(row.try_get("org_id")?),
    })
}

fn mark_from(day: &str, part: String, mark: &str) -> Result<MarkRow> {
    let m = AttendanceMark::parse(mark).ok_or_else(|| StoreError::Corrupt {
        column: "attendance_marks.mark",
        value: mark.to_string(),
    })?;
    Ok(MarkRow {
        day: date("attendance_marks.day", day)?,
        part,
        mark: m.code(),
        meaning: m.meaning(),
    })
}

impl Store {
    /// Appends the audit entry for a use of `grant`: one place for every learner read or change.
    pub(crate) async fn record_access<A: Act>(&self, grant: &Grant<A>, detail: &str) -> Result<()> {
        self.audit(AuditEvent {
            org: Some(grant.school()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: A::ACTION.as_str().to_string(),
            learner: Some(grant.learner()),
            allowed: true,
            rule: grant.path().as_str(),
            detail: detail.to_string(),
        })
        .await
    }

    /// Learners in the scope, filtered and paged, with the total before paging.
    pub async fn list_learners<A: Act>(
        &self,
        scope: &Scope<A>,
        filter: &LearnerFilter,
    ) -> Result<(Vec<LearnerSummary>, i64)> {
        if scope.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let mut b = SqlBuilder::default();
        b.push(" FROM learners l JOIN people p ON p.id = l.person_id WHERE ");
        push_scope(&mut b, scope);
        if let Some(school) = filter.school {
            b.push(" AND l.org_id = ").bind_i64(school.0);
        }
        if let Some(y) = filter.year_group {
            b.push(" AND l.year_group = ").bind_i64(i64::from(y));
        }
        if let Some(g) = filter.group {
            b.push(" AND EXISTS (SELECT 1 FROM group_members gf WHERE gf.learner_id = l.person_id AND gf.group_id = ")
                .bind_i64(g.0)
                .push(" AND gf.starts_at <= ")
                .bind_i64(secs(scope.at()))
                .push(" AND (gf.ends_at IS NULL OR gf.ends_at > ")
                .bind_i64(secs(scope.at()))
                .push("))");
        }
        if let Some(name) = filter
            .name
            .as_ref()
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty())
        {
            let pattern = format!(
                "%{}%",
                name.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            b.push(" AND LOWER(p.given_name || ' ' || p.family_name) LIKE ")
                .bind_text(pattern)
                .push(" ESCAPE '\\'");
        }
        if let Some(only) = &filter.only {
            if only.is_empty() {
                return Ok((Vec::new(), 0));
            }
            b.push(" AND l.person_id IN ")
                .bind_list(only.iter().map(|p| p.0));
        }
        let where_part = b.sql.clone();
        let count_sql = SqlBuilder {
            sql: format!("SELECT COUNT(*) AS n{where_part}"),
            args: b
                .args
                .iter()
                .map(|a| match a {
                    Arg::I64(v) => Arg::I64(*v),
                    Arg::Text(s) => Arg::Text(s.clone()),
                })
                .collect(),
        };
        let total: i64 = count_sql
            .query()
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        b.sql = format!(
            "SELECT l.person_id, p.given_name, p.family_name, l.year_group, l.sen_status, l.org_id{where_part} \
             ORDER BY p.family_name, p.given_name, l.person_id LIMIT "
        );
        b.bind_i64(filter.limit.clamp(1, 500))
            .push(" OFFSET ")
            .bind_i64(filter.offset.max(0));
        let rows = b.query().fetch_all(&self.pool).await?;
        let list = rows
            .iter()
            .map(summary_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.audit(AuditEvent {
            org: None,
            at: scope.at(),
            actor: Some(scope.subject()),
            action: format!("list_{}", A::ACTION.as_str()),
            learner: None,
            allowed: true,
            rule: "scope".into(),
            detail: format!("{} of {} learners listed", list.len(), total),
        })
        .await?;
        Ok((list, total))
    }

    pub async fn learner_profile(&self, grant: &Grant<act::ViewProfile>) -> Result<LearnerProfile> {
        let at = secs(grant.at());
        let row = sqlx::query(
            "SELECT p.given_name, p.family_name, l.date_of_birth, l.year_group, l.sen_status, l.org_id, l.shares_with_collaborative,
                    o.name AS school_name, u.name AS unit_name
             FROM learners l JOIN people p ON p.id = l.person_id JOIN orgs o ON o.id = l.org_id
             LEFT JOIN orgs u ON u.id = l.unit_id
             WHERE l.person_id = $1",
        )
        .bind(grant.learner().0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let groups = sqlx::query(
            "SELECT g.id, g.name, g.kind FROM group_members gm JOIN learning_groups g ON g.id = gm.group_id
             WHERE gm.learner_id = $1 AND gm.starts_at <= $2 AND (gm.ends_at IS NULL OR gm.ends_at > $3)
             ORDER BY g.kind, g.name",
        )
        .bind(grant.learner().0)
        .bind(at)
        .bind(at)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((GroupId(r.try_get("id")?), r.try_get("name")?, r.try_get("kind")?)))
        .collect::<Result<Vec<(GroupId, String, String)>>>()?;
        let people = self.people_of(grant.learner(), at).await?;
        let sen: String = row.try_get("sen_status")?;
        let profile = LearnerProfile {
            id: grant.learner(),
            given_name: row.try_get("given_name")?,
            family_name: row.try_get("family_name")?,
            date_of_birth: date(
                "learners.date_of_birth",
                &row.try_get::<String, _>("date_of_birth")?,
            )?,
            year_group: u8::try_from(row.try_get::<i64, _>("year_group")?).unwrap_or(0),
            sen_status: SenStatus::parse(&sen).ok_or(StoreError::Corrupt {
                column: "learners.sen_status",
                value: sen,
            })?,
            school: OrgId(row.try_get("org_id")?),
            school_name: row.try_get("school_name")?,
            unit_name: row.try_get("unit_name")?,
            groups,
            people,
            shares_with_collaborative: row.try_get::<i64, _>("shares_with_collaborative")? == 1,
        };
        self.record_access(grant, "").await?;
        Ok(profile)
    }

    /// The people around a learner now: relationships and the teachers of their groups.
    async fn people_of(&self, learner: PersonId, at: i64) -> Result<Vec<PersonLink>> {
        let rows = sqlx::query(
            "SELECT r.person_id, p.given_name, p.family_name, r.kind, r.parental_responsibility, r.title, NULL AS group_name
             FROM relationships r JOIN people p ON p.id = r.person_id
             WHERE r.learner_id = $1 AND r.starts_at <= $2 AND (r.ends_at IS NULL OR r.ends_at > $3)
             UNION ALL
             SELECT gt.person_id, p.given_name, p.family_name, 'teacher' AS kind, 0 AS parental_responsibility, NULL AS title, g.name AS group_name
             FROM group_members gm JOIN learning_groups g ON g.id = gm.group_id
             JOIN group_teachers gt ON gt.group_id = g.id JOIN people p ON p.id = gt.person_id
             WHERE gm.learner_id = $4 AND gm.starts_at <= $5 AND (gm.ends_at IS NULL OR gm.ends_at > $6)
               AND gt.starts_at <= $7 AND (gt.ends_at IS NULL OR gt.ends_at > $8)",
        )
        .bind(learner.0)
        .bind(at)
        .bind(at)
        .bind(learner.0)
        .bind(at)
        .bind(at)
        .bind(at)
        .bind(at)
        .fetch_all(&self.pool)
        .await?;
        let mut people = Vec::with_capacity(rows.len());
        for r in &rows {
            let kind: String = r.try_get("kind")?;
            let title: Option<String> = r.try_get("title")?;
            let group: Option<String> = r.try_get("group_name")?;
            let relation = match (RelationshipKind::parse(&kind), kind.as_str()) {
                (Some(RelationshipKind::Guardian), _) => title
                    .as_deref()
                    .and_then(GuardianTitle::parse)
                    .unwrap_or(GuardianTitle::Parent)
                    .label()
                    .to_string(),
                (Some(k), _) => k.label().to_string(),
                (None, "teacher") => format!("Teacher ({})", group.unwrap_or_default()),
                (None, other) => other.to_string(),
            };
            people.push(PersonLink {
                person: PersonId(r.try_get("person_id")?),
                name: format!(
                    "{} {}",
                    r.try_get::<String, _>("given_name")?,
                    r.try_get::<String, _>("family_name")?
                ),
                relation,
                kind,
                parental_responsibility: r.try_get::<i64, _>("parental_responsibility")? == 1,
            });
        }
        // Family first, then tutor and mentor, then teachers: the order a child thinks of them.
        let rank = |k: &str| match k {
            "guardian" => 0,
            "tutor" => 1,
            "mentor" => 2,
            "key_worker" => 3,
            "teaching_assistant" => 4,
            "peer_tutor" => 5,
            "community_teacher" => 6,
            _ => 7,
        };
        people.sort_by(|a, b| {
            rank(&a.kind)
                .cmp(&rank(&b.kind))
                .then(a.relation.cmp(&b.relation))
                .then(a.name.cmp(&b.name))
        });
        Ok(people)
    }

    pub async fn attendance(
        &self,
        grant: &Grant<act::ViewAttendance>,
        from: Date,
        to: Date,
    ) -> Result<AttendanceView> {
        let rows = sqlx::query(
            "SELECT day, part, mark FROM attendance_marks WHERE learner_id = $1 AND day >= $2 AND day <= $3 ORDER BY day DESC, part DESC",
        )
        .bind(grant.learner().0)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut summary = AttendanceSummary::default();
        let mut weeks: std::collections::BTreeMap<Date, AttendanceSummary> = Default::default();
        let mut recent = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let m = mark_from(
                &r.try_get::<String, _>("day")?,
                r.try_get("part")?,
                &r.try_get::<String, _>("mark")?,
            )?;
            let mark =
                AttendanceMark::parse(&m.mark.to_string()).unwrap_or(AttendanceMark::PRESENT_AM);
            summary.add(mark);
            let monday = m
                .day
                .checked_sub(
                    jiff::Span::new().days(i64::from(m.day.weekday().to_monday_zero_offset())),
                )
                .unwrap_or(m.day);
            weeks.entry(monday).or_default().add(mark);
            if i < 20 {
                recent.push(m);
            }
        }
        let weekly = weeks
            .into_iter()
            .filter_map(|(d, s)| s.rate().map(|r| (d, r)))
            .collect();
        self.record_access(grant, "").await?;
        Ok(AttendanceView {
            from,
            to,
            summary,
            weekly,
            recent,
        })
    }

    pub async fn progress(&self, grant: &Grant<act::ViewProgress>) -> Result<ProgressView> {
        let counts = sqlx::query(
            "SELECT kind, COUNT(*) AS n FROM behaviour_events WHERE learner_id = $1 GROUP BY kind",
        )
        .bind(grant.learner().0)
        .fetch_all(&self.pool)
        .await?;
        let (mut recognitions, mut concerns) = (0, 0);
        for r in &counts {
            let n: i64 = r.try_get("n")?;
            match r.try_get::<String, _>("kind")?.as_str() {
                "recognition" => recognitions = n,
                _ => concerns = n,
            }
        }
        let recent_behaviour = sqlx::query(
            "SELECT day, kind, note FROM behaviour_events WHERE learner_id = $1 ORDER BY day DESC, id DESC LIMIT 10",
        )
        .bind(grant.learner().0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(BehaviourRow {
                day: date("behaviour_events.day", &r.try_get::<String, _>("day")?)?,
                kind: r.try_get("kind")?,
                note: r.try_get("note")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let assessments = sqlx::query(
            "SELECT subject, day, result FROM assessments WHERE learner_id = $1 ORDER BY day DESC, subject LIMIT 30",
        )
        .bind(grant.learner().0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(AssessmentRow {
                subject: r.try_get("subject")?,
                day: date("assessments.day", &r.try_get::<String, _>("day")?)?,
                result: r.try_get("result")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        self.record_access(grant, "").await?;
        Ok(ProgressView {
            recognitions,
            concerns,
            recent_behaviour,
            assessments,
        })
    }

    async fn notes(&self, learner: PersonId, kinds: &[&str]) -> Result<Vec<SupportNote>> {
        let mut b = SqlBuilder::default();
        b.push(
            "SELECT n.kind, n.body, n.written_at, p.given_name || ' ' || p.family_name AS author
             FROM support_notes n JOIN people p ON p.id = n.written_by WHERE n.learner_id = ",
        )
        .bind_i64(learner.0)
        .push(" AND n.kind IN (");
        for (i, k) in kinds.iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            b.bind_text((*k).to_string());
        }
        b.push(") ORDER BY n.written_at DESC, n.id DESC");
        b.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(SupportNote {
                    kind: r.try_get("kind")?,
                    body: r.try_get("body")?,
                    written_by: r.try_get("author")?,
                    written_at: ts("support_notes.written_at", r.try_get("written_at")?)?,
                })
            })
            .collect()
    }

    /// Well-being and support notes (not safeguarding records).
    pub async fn support_notes(
        &self,
        grant: &Grant<act::ViewSupportNotes>,
    ) -> Result<Vec<SupportNote>> {
        let notes = self
            .notes(grant.learner(), &["wellbeing", "support"])
            .await?;
        self.record_access(grant, "").await?;
        Ok(notes)
    }

    pub async fn safeguarding_notes(
        &self,
        grant: &Grant<act::ViewSafeguarding>,
    ) -> Result<Vec<SupportNote>> {
        let notes = self.notes(grant.learner(), &["safeguarding"]).await?;
        self.record_access(grant, "").await?;
        Ok(notes)
    }

    pub async fn add_support_note(
        &self,
        grant: &Grant<act::AddSupportNote>,
        kind: &str,
        body: &str,
    ) -> Result<()> {
        if !matches!(kind, "wellbeing" | "support") {
            return Err(StoreError::Conflict(
                "A note is about well-being or support.".into(),
            ));
        }
        sqlx::query(
            "INSERT INTO support_notes (org_id, learner_id, kind, body, written_by, written_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(grant.school().0)
        .bind(grant.learner().0)
        .bind(kind)
        .bind(body)
        .bind(grant.subject().0)
        .bind(secs(grant.at()))
        .execute(&self.pool)
        .await?;
        self.record_access(grant, kind).await
    }

    /// "Who looked at my record": the learner's audit trail, newest first.
    pub async fn access_log(
        &self,
        grant: &Grant<act::ViewAccessLog>,
        limit: i64,
    ) -> Result<Vec<crate::AuditEntry>> {
        let entries = self.audit_for_learner(grant.learner(), limit).await?;
        self.record_access(grant, "").await?;
        Ok(entries)
    }

    /// Records a refused attempt, so leaders see probing and the learner's log shows it.
    pub async fn record_denial(
        &self,
        actor: Option<PersonId>,
        action: &str,
        learner: Option<PersonId>,
        org: Option<OrgId>,
        at: Timestamp,
    ) -> Result<()> {
        self.audit(AuditEvent {
            org,
            at,
            actor,
            action: action.to_string(),
            learner,
            allowed: false,
            rule: "no granting relationship".into(),
            detail: String::new(),
        })
        .await
    }

    /// A person's name, for a page whose grant already names them.
    pub async fn person_name(&self, person: PersonId) -> Result<String> {
        Ok(
            sqlx::query(
                "SELECT given_name || ' ' || family_name AS name FROM people WHERE id = $1",
            )
            .bind(person.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?
            .try_get("name")?,
        )
    }
}
