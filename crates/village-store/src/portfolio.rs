//! The portfolio: evidence in many media with the learner's reflection, linked to targets,
//! shared as the learner chooses; showcases the learner curates; and achievements from
//! outside school in the record of achievement.
//!
//! Who sees an item: the people who must (learner, parents with responsibility, tutor,
//! leaders — `Audience::Always`) see every kept item; teachers, the mentor and community
//! teachers see it only if the learner shares it with them; whoever added an item sees it.
//! An item added by someone else waits (`kept = 0`) until the learner keeps it.

use crate::{date, secs, ts, Result, Store, StoreError};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use village_access::act::{self, Act};
use village_access::{audience, Audience, Grant};
use village_domain::PersonId;

/// How a learner learned something: the reflection prompts of the source documents.
pub const LEARNED_HOW: [(&str, &str); 6] = [
    ("practice", "By practising"),
    ("peer", "From a classmate"),
    ("computer", "On the computer"),
    ("drawing_writing", "By drawing or writing"),
    ("listening", "Listening to the teacher"),
    ("other", "Another way"),
];

pub fn learned_how_label(key: &str) -> &'static str {
    LEARNED_HOW
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("Another way", |(_, l)| *l)
}

#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub id: i64,
    pub learner: PersonId,
    pub added_by: PersonId,
    pub added_by_name: String,
    pub title: String,
    /// photo, audio, video, document, link or text.
    pub kind: String,
    pub body: String,
    pub url: Option<String>,
    pub file_key: Option<String>,
    pub preview_key: Option<String>,
    pub mime: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub file_name: Option<String>,
    pub subject: Option<String>,
    pub ladder_id: Option<i64>,
    pub reflection: String,
    pub learned_how: String,
    pub made_where: String,
    pub occurred_on: Date,
    pub kept: bool,
    pub share_teachers: bool,
    pub share_mentor: bool,
    pub share_community: bool,
    pub origin: Option<String>,
    pub created_at: Timestamp,
    pub targets: Vec<i64>,
}

impl Evidence {
    pub fn learned_how_label(&self) -> &'static str {
        learned_how_label(&self.learned_how)
    }
}

/// A new item, already checked by the caller (file stored, text trimmed).
#[derive(Debug, Clone, Default)]
pub struct NewEvidence {
    pub title: String,
    pub kind: String,
    pub body: String,
    pub url: Option<String>,
    pub file_key: Option<String>,
    pub preview_key: Option<String>,
    pub mime: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub file_name: Option<String>,
    pub subject: Option<String>,
    pub ladder_id: Option<i64>,
    pub reflection: String,
    pub learned_how: String,
    pub made_where: String,
    pub occurred_on: Option<Date>,
    pub targets: Vec<i64>,
    pub origin: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sharing {
    pub teachers: bool,
    pub mentor: bool,
    pub community: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Showcase {
    pub id: i64,
    pub title: String,
    pub introduction: String,
    pub updated_at: Timestamp,
    /// (evidence, caption), in the learner's order; only items the reader may see.
    pub items: Vec<(Evidence, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AchievementRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub awarded_on: Date,
    pub source: String,
    pub evidence_id: Option<i64>,
}

const EVIDENCE_COLUMNS: &str = "e.id, e.learner_id, e.added_by, p.given_name || ' ' || p.family_name AS added_by_name, e.title, e.kind, e.body, e.url,
    e.file_key, e.preview_key, e.mime, e.size_bytes, e.sha256, e.file_name, e.subject, e.ladder_id, e.reflection, e.learned_how,
    e.made_where, e.occurred_on, e.kept, e.share_teachers, e.share_mentor, e.share_community, e.origin, e.created_at";

fn evidence_from_row(r: &AnyRow) -> Result<Evidence> {
    Ok(Evidence {
        id: r.try_get("id")?,
        learner: PersonId(r.try_get("learner_id")?),
        added_by: PersonId(r.try_get("added_by")?),
        added_by_name: r.try_get("added_by_name")?,
        title: r.try_get("title")?,
        kind: r.try_get("kind")?,
        body: r.try_get("body")?,
        url: r.try_get("url")?,
        file_key: r.try_get("file_key")?,
        preview_key: r.try_get("preview_key")?,
        mime: r.try_get("mime")?,
        size_bytes: r.try_get("size_bytes")?,
        sha256: r.try_get("sha256")?,
        file_name: r.try_get("file_name")?,
        subject: r.try_get("subject")?,
        ladder_id: r.try_get("ladder_id")?,
        reflection: r.try_get("reflection")?,
        learned_how: r.try_get("learned_how")?,
        made_where: r.try_get("made_where")?,
        occurred_on: date(
            "evidence.occurred_on",
            &r.try_get::<String, _>("occurred_on")?,
        )?,
        kept: r.try_get::<i64, _>("kept")? != 0,
        share_teachers: r.try_get::<i64, _>("share_teachers")? != 0,
        share_mentor: r.try_get::<i64, _>("share_mentor")? != 0,
        share_community: r.try_get::<i64, _>("share_community")? != 0,
        origin: r.try_get("origin")?,
        created_at: ts("evidence.created_at", r.try_get("created_at")?)?,
        targets: Vec::new(),
    })
}

/// The SQL condition for the items a grant's holder may see (`e` is the evidence table),
/// with the subject's id bound as `$2`.
fn visible_sql(audience: Audience) -> &'static str {
    match audience {
        Audience::Always => "(e.kept = 1 OR e.added_by = $2 OR e.learner_id = $2)",
        Audience::Teachers => "((e.kept = 1 AND e.share_teachers = 1) OR e.added_by = $2)",
        Audience::Mentor => "((e.kept = 1 AND e.share_mentor = 1) OR e.added_by = $2)",
        Audience::Community => "((e.kept = 1 AND e.share_community = 1) OR e.added_by = $2)",
        Audience::Nobody => "(e.added_by = $2)",
    }
}

impl Store {
    async fn attach_targets(&self, items: &mut [Evidence]) -> Result<()> {
        let Some(learner) = items.first().map(|e| e.learner) else {
            return Ok(());
        };
        let links = sqlx::query(
            "SELECT et.evidence_id, et.target_id FROM evidence_targets et JOIN evidence e ON e.id = et.evidence_id WHERE e.learner_id = $1",
        )
        .bind(learner.0)
        .fetch_all(&self.pool)
        .await?;
        for r in &links {
            let e: i64 = r.try_get("evidence_id")?;
            let t: i64 = r.try_get("target_id")?;
            if let Some(item) = items.iter_mut().find(|i| i.id == e) {
                item.targets.push(t);
            }
        }
        Ok(())
    }

    async fn evidence_query<A: Act>(
        &self,
        grant: &Grant<A>,
        extra: &str,
        id: Option<i64>,
    ) -> Result<Vec<Evidence>> {
        let visible = visible_sql(audience(grant.path()));
        let sql = format!(
            "SELECT {EVIDENCE_COLUMNS} FROM evidence e JOIN people p ON p.id = e.added_by
             WHERE e.learner_id = $1 AND {visible} {extra} ORDER BY e.occurred_on DESC, e.id DESC"
        );
        let mut q = sqlx::query(&sql)
            .bind(grant.learner().0)
            .bind(grant.subject().0);
        if let Some(id) = id {
            q = q.bind(id);
        }
        let mut items = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(evidence_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.attach_targets(&mut items).await?;
        Ok(items)
    }

    /// The items the reader may see, newest first.
    pub async fn portfolio(&self, grant: &Grant<act::ViewPortfolio>) -> Result<Vec<Evidence>> {
        let items = self.evidence_query(grant, "", None).await?;
        self.record_access(grant, "").await?;
        Ok(items)
    }

    /// One item, if the reader may see it.
    pub async fn evidence_item(
        &self,
        grant: &Grant<act::ViewPortfolio>,
        id: i64,
    ) -> Result<Option<Evidence>> {
        let item = self
            .evidence_query(grant, "AND e.id = $3", Some(id))
            .await?
            .into_iter()
            .next();
        if item.is_some() {
            self.record_access(grant, &format!("item {id}")).await?;
        }
        Ok(item)
    }

    /// Adds an item. The learner's own items are kept at once; others wait for the
    /// learner. New items are shared with teachers and the mentor, not community teachers,
    /// until the learner says otherwise.
    pub async fn add_evidence(
        &self,
        grant: &Grant<act::AddEvidence>,
        item: &NewEvidence,
    ) -> Result<i64> {
        let learner = grant.learner().0;
        if !item.targets.is_empty() {
            let owned =
                sqlx::query("SELECT id FROM plan_targets WHERE learner_id = $1 AND removed = 0")
                    .bind(learner)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<i64, _>("id"))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
            if item.targets.iter().any(|t| !owned.contains(t)) {
                return Err(StoreError::Conflict(
                    "One of those targets is not in this pupil's plan.".into(),
                ));
            }
        }
        if let Some(ladder) = item.ladder_id {
            let known = sqlx::query("SELECT id FROM ladders WHERE id = $1 AND org_id = $2")
                .bind(ladder)
                .bind(grant.school().0)
                .fetch_optional(&self.pool)
                .await?;
            if known.is_none() {
                return Err(StoreError::Conflict(
                    "Please choose a ladder from the list.".into(),
                ));
            }
        }
        let kept = grant.path() == village_access::Path::Itself;
        let occurred = item
            .occurred_on
            .unwrap_or_else(|| grant.at().to_zoned(jiff::tz::TimeZone::UTC).date());
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO evidence (org_id, learner_id, added_by, title, kind, body, url, file_key, preview_key, mime, size_bytes, sha256, file_name,
                subject, ladder_id, reflection, learned_how, made_where, occurred_on, kept, share_teachers, share_mentor, share_community, origin, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 1, 1, 0, $21, $22) RETURNING id",
        )
        .bind(grant.school().0)
        .bind(learner)
        .bind(grant.subject().0)
        .bind(&item.title)
        .bind(&item.kind)
        .bind(&item.body)
        .bind(item.url.as_deref())
        .bind(item.file_key.as_deref())
        .bind(item.preview_key.as_deref())
        .bind(item.mime.as_deref())
        .bind(item.size_bytes)
        .bind(item.sha256.as_deref())
        .bind(item.file_name.as_deref())
        .bind(item.subject.as_deref())
        .bind(item.ladder_id)
        .bind(&item.reflection)
        .bind(&item.learned_how)
        .bind(&item.made_where)
        .bind(occurred.to_string())
        .bind(i64::from(kept))
        .bind(item.origin.as_deref())
        .bind(secs(grant.at()))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        for t in &item.targets {
            sqlx::query(
                "INSERT INTO evidence_targets (org_id, evidence_id, target_id) VALUES ($1, $2, $3)",
            )
            .bind(grant.school().0)
            .bind(id)
            .bind(*t)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.record_access(grant, &format!("{} item {id}", item.kind))
            .await?;
        Ok(id)
    }

    /// The learner keeps an item someone else added, and says who may see it.
    pub async fn curate_evidence(
        &self,
        grant: &Grant<act::CuratePortfolio>,
        id: i64,
        sharing: Sharing,
        targets: Option<&[i64]>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE evidence SET kept = 1, share_teachers = $1, share_mentor = $2, share_community = $3 WHERE id = $4 AND learner_id = $5",
        )
        .bind(i64::from(sharing.teachers))
        .bind(i64::from(sharing.mentor))
        .bind(i64::from(sharing.community))
        .bind(id)
        .bind(grant.learner().0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        if let Some(targets) = targets {
            let owned = sqlx::query("SELECT id FROM plan_targets WHERE learner_id = $1")
                .bind(grant.learner().0)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>("id"))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            sqlx::query("DELETE FROM evidence_targets WHERE evidence_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for t in targets.iter().filter(|t| owned.contains(t)) {
                sqlx::query("INSERT INTO evidence_targets (org_id, evidence_id, target_id) VALUES ($1, $2, $3)")
                    .bind(grant.school().0)
                    .bind(id)
                    .bind(*t)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        self.record_access(grant, &format!("item {id}")).await
    }

    /// Removes an item from the portfolio. Returns its file keys so the caller can delete
    /// the files after the rows are gone.
    pub async fn remove_evidence(
        &self,
        grant: &Grant<act::CuratePortfolio>,
        id: i64,
    ) -> Result<Vec<String>> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT file_key, preview_key FROM evidence WHERE id = $1 AND learner_id = $2",
        )
        .bind(id)
        .bind(grant.learner().0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let keys: Vec<String> = [
            row.try_get::<Option<String>, _>("file_key")?,
            row.try_get::<Option<String>, _>("preview_key")?,
        ]
        .into_iter()
        .flatten()
        .collect();
        for sql in [
            "DELETE FROM evidence_targets WHERE evidence_id = $1",
            "DELETE FROM showcase_items WHERE evidence_id = $1",
            "UPDATE rung_judgements SET evidence_id = NULL WHERE evidence_id = $1",
            "UPDATE achievements SET evidence_id = NULL WHERE evidence_id = $1",
            "DELETE FROM evidence WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        self.record_access(grant, &format!("removed item {id}"))
            .await?;
        Ok(keys)
    }

    /// The learner's showcases with the items the reader may see.
    pub async fn showcases(&self, grant: &Grant<act::ViewPortfolio>) -> Result<Vec<Showcase>> {
        let items = self.evidence_query(grant, "", None).await?;
        let heads = sqlx::query(
            "SELECT id, title, introduction, updated_at FROM showcases WHERE learner_id = $1 ORDER BY updated_at DESC, id DESC",
        )
        .bind(grant.learner().0)
        .fetch_all(&self.pool)
        .await?;
        let links = sqlx::query(
            "SELECT si.showcase_id, si.evidence_id, si.caption FROM showcase_items si JOIN showcases s ON s.id = si.showcase_id
             WHERE s.learner_id = $1 ORDER BY si.showcase_id, si.position",
        )
        .bind(grant.learner().0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(heads.len());
        for h in &heads {
            let id: i64 = h.try_get("id")?;
            let mut shown = Vec::new();
            for l in &links {
                if l.try_get::<i64, _>("showcase_id")? != id {
                    continue;
                }
                let e: i64 = l.try_get("evidence_id")?;
                if let Some(item) = items.iter().find(|i| i.id == e && i.kept) {
                    shown.push((item.clone(), l.try_get("caption")?));
                }
            }
            out.push(Showcase {
                id,
                title: h.try_get("title")?,
                introduction: h.try_get("introduction")?,
                updated_at: ts("showcases.updated_at", h.try_get("updated_at")?)?,
                items: shown,
            });
        }
        self.record_access(grant, "showcases").await?;
        Ok(out)
    }

    /// Creates (`id == None`) or replaces a showcase: its title, introduction and the
    /// items in order with their captions. Returns its id.
    pub async fn save_showcase(
        &self,
        grant: &Grant<act::CuratePortfolio>,
        id: Option<i64>,
        title: &str,
        introduction: &str,
        items: &[(i64, String)],
    ) -> Result<i64> {
        let learner = grant.learner().0;
        let kept = sqlx::query("SELECT id FROM evidence WHERE learner_id = $1 AND kept = 1")
            .bind(learner)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>("id"))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        if items.iter().any(|(e, _)| !kept.contains(e)) {
            return Err(StoreError::Conflict(
                "A showcase can only hold items from your portfolio.".into(),
            ));
        }
        crate::check_ranking(
            &items.iter().map(|(e, _)| *e).collect::<Vec<_>>(),
            40,
            "A showcase can hold up to 40 items.",
            "The same item is in the showcase twice.",
        )?;
        let at = secs(grant.at());
        let mut tx = self.begin_write().await?;
        let id = match id {
            None => sqlx::query(
                "INSERT INTO showcases (org_id, learner_id, title, introduction, updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(grant.school().0)
            .bind(learner)
            .bind(title)
            .bind(introduction)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?,
            Some(id) => {
                let done = sqlx::query(
                    "UPDATE showcases SET title = $1, introduction = $2, updated_at = $3 WHERE id = $4 AND learner_id = $5",
                )
                .bind(title)
                .bind(introduction)
                .bind(at)
                .bind(id)
                .bind(learner)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("DELETE FROM showcase_items WHERE showcase_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                id
            }
        };
        for (i, (e, caption)) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO showcase_items (org_id, showcase_id, evidence_id, position, caption) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(grant.school().0)
            .bind(id)
            .bind(*e)
            .bind(i as i64)
            .bind(caption)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.record_access(grant, &format!("showcase {id}")).await?;
        Ok(id)
    }

    /// The record of achievement, with evidence links.
    pub async fn achievement_record(
        &self,
        grant: &Grant<act::ViewPlan>,
    ) -> Result<Vec<AchievementRow>> {
        let rows = self.achievements_of(grant.learner()).await?;
        self.record_access(grant, "achievements").await?;
        Ok(rows)
    }

    pub(crate) async fn achievements_of(&self, learner: PersonId) -> Result<Vec<AchievementRow>> {
        sqlx::query(
            "SELECT id, kind, title, description, awarded_on, source, evidence_id FROM achievements WHERE learner_id = $1 ORDER BY awarded_on DESC, id DESC",
        )
        .bind(learner.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(AchievementRow {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                title: r.try_get("title")?,
                description: r.try_get("description")?,
                awarded_on: date("achievements.awarded_on", &r.try_get::<String, _>("awarded_on")?)?,
                source: r.try_get("source")?,
                evidence_id: r.try_get("evidence_id")?,
            })
        })
        .collect()
    }

    /// An achievement from outside school (an award, a grade in music, community
    /// learning), added by the learner with optional evidence.
    pub async fn add_outside_achievement(
        &self,
        grant: &Grant<act::CuratePortfolio>,
        kind: &str,
        title: &str,
        description: &str,
        awarded_on: Date,
        evidence_id: Option<i64>,
    ) -> Result<i64> {
        if let Some(e) = evidence_id {
            let ok = sqlx::query("SELECT id FROM evidence WHERE id = $1 AND learner_id = $2")
                .bind(e)
                .bind(grant.learner().0)
                .fetch_optional(&self.pool)
                .await?;
            if ok.is_none() {
                return Err(StoreError::Conflict(
                    "That evidence is not in your portfolio.".into(),
                ));
            }
        }
        let source = format!("own:{}:{}", grant.at().as_millisecond(), title.len());
        let id: i64 = sqlx::query(
            "INSERT INTO achievements (org_id, learner_id, kind, title, description, awarded_on, source, evidence_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(grant.school().0)
        .bind(grant.learner().0)
        .bind(kind)
        .bind(title)
        .bind(description)
        .bind(awarded_on.to_string())
        .bind(source)
        .bind(evidence_id)
        .fetch_one(&self.pool)
        .await?
        .try_get("id")?;
        self.record_access(grant, &format!("achievement {id}"))
            .await?;
        Ok(id)
    }
}
