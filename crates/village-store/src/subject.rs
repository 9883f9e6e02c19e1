//! Loading what the policy needs: the subject (actor) and the facts about a learner.
//! Loaded fresh for every request, so ended relationships stop granting at once.

use crate::{period, secs, Result, Store, StoreError};
use jiff::Timestamp;
use sqlx::Row;
use village_access::{LearnerFacts, Subject, SubjectRole, Teaching, Tie};
use village_domain::person::Role;
use village_domain::relationship::RelationshipKind;
use village_domain::{GroupId, OrgId, PersonId};

impl Store {
    /// Everything about `person` the policy reads. Rows that ended before `now` are skipped
    /// (they cannot grant anything); the policy still checks each period itself.
    pub async fn load_subject(&self, person: PersonId, now: Timestamp) -> Result<Subject> {
        let now_s = secs(now);
        let role_rows = sqlx::query(
            "SELECT org_id, role, starts_at, ends_at FROM roles WHERE person_id = $1 AND (ends_at IS NULL OR ends_at > $2)",
        )
        .bind(person.0)
        .bind(now_s)
        .fetch_all(&self.pool)
        .await?;
        let mut roles = Vec::with_capacity(role_rows.len());
        for row in &role_rows {
            let raw: String = row.try_get("role")?;
            let role = Role::parse(&raw).ok_or(StoreError::Corrupt {
                column: "roles.role",
                value: raw,
            })?;
            roles.push(SubjectRole {
                org: OrgId(row.try_get("org_id")?),
                role,
                period: period("roles", row.try_get("starts_at")?, row.try_get("ends_at")?)?,
            });
        }
        let tie_rows = sqlx::query(
            "SELECT learner_id, kind, parental_responsibility, starts_at, ends_at FROM relationships
             WHERE person_id = $1 AND (ends_at IS NULL OR ends_at > $2)",
        )
        .bind(person.0)
        .bind(now_s)
        .fetch_all(&self.pool)
        .await?;
        let mut ties = Vec::with_capacity(tie_rows.len());
        for row in &tie_rows {
            let raw: String = row.try_get("kind")?;
            let kind = RelationshipKind::parse(&raw).ok_or(StoreError::Corrupt {
                column: "relationships.kind",
                value: raw,
            })?;
            ties.push(Tie {
                learner: PersonId(row.try_get("learner_id")?),
                kind,
                parental_responsibility: row.try_get::<i64, _>("parental_responsibility")? == 1,
                period: period(
                    "relationships",
                    row.try_get("starts_at")?,
                    row.try_get("ends_at")?,
                )?,
            });
        }
        let teach_rows = sqlx::query(
            "SELECT group_id, starts_at, ends_at FROM group_teachers WHERE person_id = $1 AND (ends_at IS NULL OR ends_at > $2)",
        )
        .bind(person.0)
        .bind(now_s)
        .fetch_all(&self.pool)
        .await?;
        let teaching = teach_rows
            .iter()
            .map(|row| {
                Ok(Teaching {
                    group: GroupId(row.try_get("group_id")?),
                    period: period(
                        "group_teachers",
                        row.try_get("starts_at")?,
                        row.try_get("ends_at")?,
                    )?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Subject {
            person: Some(person),
            roles,
            ties,
            teaching,
        })
    }

    /// The facts about a learner the policy reads, or `None` if there is no such learner.
    pub async fn learner_facts(
        &self,
        learner: PersonId,
        now: Timestamp,
    ) -> Result<Option<LearnerFacts>> {
        let row = sqlx::query(
            "SELECT l.org_id, o.parent_id, l.shares_with_collaborative FROM learners l JOIN orgs o ON o.id = l.org_id
             WHERE l.person_id = $1",
        )
        .bind(learner.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let members = sqlx::query(
            "SELECT group_id, starts_at, ends_at FROM group_members WHERE learner_id = $1 AND (ends_at IS NULL OR ends_at > $2)",
        )
        .bind(learner.0)
        .bind(secs(now))
        .fetch_all(&self.pool)
        .await?;
        let memberships = members
            .iter()
            .map(|m| {
                Ok((
                    GroupId(m.try_get("group_id")?),
                    period(
                        "group_members",
                        m.try_get("starts_at")?,
                        m.try_get("ends_at")?,
                    )?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(LearnerFacts {
            learner,
            school: OrgId(row.try_get("org_id")?),
            collaborative: row.try_get::<Option<i64>, _>("parent_id")?.map(OrgId),
            memberships,
            shares_with_collaborative: row.try_get::<i64, _>("shares_with_collaborative")? == 1,
        }))
    }
}
