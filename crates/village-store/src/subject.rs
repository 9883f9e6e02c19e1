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
        // One round trip: roles, relationships and teaching assignments that have not ended.
        let rows = sqlx::query(
            "SELECT 'role' AS src, org_id AS a, role AS k, 0 AS pr, starts_at, ends_at FROM roles
               WHERE person_id = $1 AND (ends_at IS NULL OR ends_at > $2)
             UNION ALL
             SELECT 'tie', learner_id, kind, parental_responsibility, starts_at, ends_at FROM relationships
               WHERE person_id = $3 AND (ends_at IS NULL OR ends_at > $4)
             UNION ALL
             SELECT 'teach', group_id, '', 0, starts_at, ends_at FROM group_teachers
               WHERE person_id = $5 AND (ends_at IS NULL OR ends_at > $6)",
        )
        .bind(person.0)
        .bind(now_s)
        .bind(person.0)
        .bind(now_s)
        .bind(person.0)
        .bind(now_s)
        .fetch_all(&self.pool)
        .await?;
        let mut subject = Subject {
            person: Some(person),
            ..Subject::default()
        };
        for row in &rows {
            let src: String = row.try_get("src")?;
            let a: i64 = row.try_get("a")?;
            let k: String = row.try_get("k")?;
            let p = period(
                "subject",
                row.try_get("starts_at")?,
                row.try_get("ends_at")?,
            )?;
            match src.as_str() {
                "role" => subject.roles.push(SubjectRole {
                    org: OrgId(a),
                    role: Role::parse(&k).ok_or(StoreError::Corrupt {
                        column: "roles.role",
                        value: k.clone(),
                    })?,
                    period: p,
                }),
                "tie" => subject.ties.push(Tie {
                    learner: PersonId(a),
                    kind: RelationshipKind::parse(&k).ok_or(StoreError::Corrupt {
                        column: "relationships.kind",
                        value: k.clone(),
                    })?,
                    parental_responsibility: row.try_get::<i64, _>("pr")? == 1,
                    period: p,
                }),
                _ => subject.teaching.push(Teaching {
                    group: GroupId(a),
                    period: p,
                }),
            }
        }
        Ok(subject)
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
