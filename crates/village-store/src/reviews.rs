//! Review days: a school schedules a round on a date; each tutor offers 30-minute slots
//! (15 minutes with the learner, then 15 with parents); parents book one online; the tutor
//! records what the review agreed and the next review date.

use crate::audit::AuditEvent;
use crate::{date, secs, ts, Result, Store, StoreError};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;
use village_access::{act, org_act, Grant, OrgGrant};
use village_domain::{OrgId, PersonId};

/// Each slot: 15 minutes learner and tutor, then 15 with parents.
pub const SLOT_MINUTES: i64 = 30;

#[derive(Debug, Clone, Serialize)]
pub struct ReviewRound {
    pub id: i64,
    pub title: String,
    pub held_on: Date,
    pub booking_closes_on: Date,
    pub slots: i64,
    pub booked: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewSlot {
    pub id: i64,
    pub round_id: i64,
    pub held_on: Date,
    pub tutor: PersonId,
    pub tutor_name: String,
    pub starts_minute: i64,
    pub learner: Option<PersonId>,
    pub learner_name: Option<String>,
}

impl ReviewSlot {
    /// "16:30", school time.
    pub fn time(&self) -> String {
        format!(
            "{:02}:{:02}",
            self.starts_minute / 60,
            self.starts_minute % 60
        )
    }
    /// When parents join: 15 minutes in.
    pub fn parents_time(&self) -> String {
        let m = self.starts_minute + SLOT_MINUTES / 2;
        format!("{:02}:{:02}", m / 60, m % 60)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewRecord {
    pub held_on: Date,
    pub summary: String,
    pub plan_version: i64,
    pub next_review_on: Date,
    pub recorded_by: String,
    pub recorded_at: Timestamp,
}

/// What a family sees: the open rounds with their tutor's free slots, and their bookings.
#[derive(Debug, Clone, Serialize)]
pub struct BookingOptions {
    pub rounds: Vec<(ReviewRound, Vec<ReviewSlot>)>,
    pub booked: Vec<ReviewSlot>,
}

const SLOT_COLUMNS: &str =
    "s.id, s.round_id, r.held_on, s.tutor_id, tp.given_name || ' ' || tp.family_name AS tutor_name,
    s.starts_minute, s.learner_id, lp.given_name || ' ' || lp.family_name AS learner_name";
const SLOT_FROM: &str =
    "review_slots s JOIN review_rounds r ON r.id = s.round_id JOIN people tp ON tp.id = s.tutor_id
    LEFT JOIN people lp ON lp.id = s.learner_id";

fn slot_from_row(r: &sqlx::any::AnyRow) -> Result<ReviewSlot> {
    Ok(ReviewSlot {
        id: r.try_get("id")?,
        round_id: r.try_get("round_id")?,
        held_on: date("review_rounds.held_on", &r.try_get::<String, _>("held_on")?)?,
        tutor: PersonId(r.try_get("tutor_id")?),
        tutor_name: r.try_get("tutor_name")?,
        starts_minute: r.try_get("starts_minute")?,
        learner: r.try_get::<Option<i64>, _>("learner_id")?.map(PersonId),
        learner_name: r.try_get("learner_name")?,
    })
}

impl Store {
    /// Creates a round on `held_on` with slots from `from_minute` to `to_minute` for every
    /// tutor who has tutees in the school now. Returns the round's id and the slot count.
    pub async fn create_review_round(
        &self,
        grant: &OrgGrant<org_act::ManageReviews>,
        title: &str,
        held_on: Date,
        booking_closes_on: Date,
        from_minute: i64,
        to_minute: i64,
    ) -> Result<(i64, usize)> {
        if booking_closes_on > held_on {
            return Err(StoreError::Conflict(
                "Booking must close on or before the review day.".into(),
            ));
        }
        if !(0..24 * 60).contains(&from_minute)
            || to_minute > 24 * 60
            || to_minute - from_minute < SLOT_MINUTES
        {
            return Err(StoreError::Conflict(
                "The day must have room for at least one 30-minute slot.".into(),
            ));
        }
        let at = secs(grant.at());
        let tutors: Vec<i64> = sqlx::query(
            "SELECT DISTINCT r.person_id FROM relationships r JOIN learners l ON l.person_id = r.learner_id
             WHERE l.org_id = $1 AND r.kind = 'tutor' AND r.starts_at <= $2 AND (r.ends_at IS NULL OR r.ends_at > $3)
             ORDER BY r.person_id",
        )
        .bind(grant.org().0)
        .bind(at)
        .bind(at)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get("person_id"))
        .collect::<std::result::Result<_, _>>()?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO review_rounds (org_id, title, held_on, booking_closes_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(grant.org().0)
        .bind(title)
        .bind(held_on.to_string())
        .bind(booking_closes_on.to_string())
        .bind(grant.subject().0)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let mut count = 0;
        for t in &tutors {
            let mut m = from_minute;
            while m + SLOT_MINUTES <= to_minute {
                sqlx::query(
                    "INSERT INTO review_slots (org_id, round_id, tutor_id, starts_minute) VALUES ($1, $2, $3, $4)",
                )
                .bind(grant.org().0)
                .bind(id)
                .bind(*t)
                .bind(m)
                .execute(&mut *tx)
                .await?;
                m += SLOT_MINUTES;
                count += 1;
            }
        }
        tx.commit().await?;
        self.audit(AuditEvent {
            org: Some(grant.org()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: "create_review_round".into(),
            learner: None,
            allowed: true,
            rule: grant.role().as_str().into(),
            detail: format!("round {id}, {count} slots"),
        })
        .await?;
        Ok((id, count))
    }

    /// A school's rounds, newest first, with how many slots are booked.
    pub async fn review_rounds(&self, school: OrgId) -> Result<Vec<ReviewRound>> {
        sqlx::query(
            "SELECT r.id, r.title, r.held_on, r.booking_closes_on,
                    (SELECT COUNT(*) FROM review_slots s WHERE s.round_id = r.id) AS slots,
                    (SELECT COUNT(*) FROM review_slots s WHERE s.round_id = r.id AND s.learner_id IS NOT NULL) AS booked
             FROM review_rounds r WHERE r.org_id = $1 ORDER BY r.held_on DESC, r.id DESC",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ReviewRound {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                held_on: date("review_rounds.held_on", &r.try_get::<String, _>("held_on")?)?,
                booking_closes_on: date(
                    "review_rounds.booking_closes_on",
                    &r.try_get::<String, _>("booking_closes_on")?,
                )?,
                slots: r.try_get("slots")?,
                booked: r.try_get("booked")?,
            })
        })
        .collect()
    }

    /// Every slot of a round, for the leader's overview.
    pub async fn round_slots(
        &self,
        grant: &OrgGrant<org_act::ManageReviews>,
        round: i64,
    ) -> Result<Vec<ReviewSlot>> {
        let sql = format!(
            "SELECT {SLOT_COLUMNS} FROM {SLOT_FROM} WHERE s.round_id = $1 AND r.org_id = $2 ORDER BY tp.family_name, s.tutor_id, s.starts_minute"
        );
        sqlx::query(&sql)
            .bind(round)
            .bind(grant.org().0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(slot_from_row)
            .collect()
    }

    /// Open rounds (booking not yet closed on `today`) with the free slots of the learner's
    /// tutors, and the learner's bookings.
    pub async fn booking_options(
        &self,
        grant: &Grant<act::BookReview>,
        today: Date,
    ) -> Result<BookingOptions> {
        let at = secs(grant.at());
        let sql = format!(
            "SELECT {SLOT_COLUMNS} FROM {SLOT_FROM}
             WHERE r.org_id = $1 AND r.booking_closes_on >= $2
               AND (s.learner_id = $3 OR (s.learner_id IS NULL AND s.tutor_id IN (
                   SELECT rel.person_id FROM relationships rel WHERE rel.learner_id = $4 AND rel.kind = 'tutor'
                     AND rel.starts_at <= $5 AND (rel.ends_at IS NULL OR rel.ends_at > $6))))
             ORDER BY r.held_on, s.starts_minute, s.id"
        );
        let slots = sqlx::query(&sql)
            .bind(grant.school().0)
            .bind(today.to_string())
            .bind(grant.learner().0)
            .bind(grant.learner().0)
            .bind(at)
            .bind(at)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(slot_from_row)
            .collect::<Result<Vec<_>>>()?;
        let rounds = self.review_rounds(grant.school()).await?;
        let booked: Vec<ReviewSlot> = slots
            .iter()
            .filter(|s| s.learner == Some(grant.learner()))
            .cloned()
            .collect();
        let rounds = rounds
            .into_iter()
            .filter(|r| r.booking_closes_on >= today)
            .map(|r| {
                let free = slots
                    .iter()
                    .filter(|s| s.round_id == r.id && s.learner.is_none())
                    .cloned()
                    .collect();
                (r, free)
            })
            .collect();
        self.record_access(grant, "booking options").await?;
        Ok(BookingOptions { rounds, booked })
    }

    /// Books a slot for the learner. Taking a slot is one conditional UPDATE, so if two
    /// parents press "book" together exactly one wins; the other is told plainly. A learner
    /// already booked in the round moves to the new slot.
    pub async fn book_review_slot(
        &self,
        grant: &Grant<act::BookReview>,
        slot: i64,
        today: Date,
    ) -> Result<ReviewSlot> {
        let options = self.booking_options(grant, today).await?;
        let wanted = options
            .rounds
            .iter()
            .flat_map(|(_, s)| s.iter())
            .chain(options.booked.iter())
            .find(|s| s.id == slot)
            .cloned();
        let Some(wanted) = wanted else {
            // Either taken since the page was loaded, or not one this family can book.
            let taken =
                sqlx::query("SELECT learner_id FROM review_slots WHERE id = $1 AND org_id = $2")
                    .bind(slot)
                    .bind(grant.school().0)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(|r| r.try_get::<Option<i64>, _>("learner_id"))
                    .transpose()?
                    .flatten()
                    .is_some();
            return Err(StoreError::Conflict(if taken {
                "Sorry, someone has just booked that time. Please choose another one.".into()
            } else {
                "That time is not one you can book. Please choose from the list.".into()
            }));
        };
        if wanted.learner == Some(grant.learner()) {
            return Ok(wanted);
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE review_slots SET learner_id = NULL, booked_by = NULL, booked_at = NULL WHERE round_id = $1 AND learner_id = $2",
        )
        .bind(wanted.round_id)
        .bind(grant.learner().0)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(
            "UPDATE review_slots SET learner_id = $1, booked_by = $2, booked_at = $3 WHERE id = $4 AND learner_id IS NULL",
        )
        .bind(grant.learner().0)
        .bind(grant.subject().0)
        .bind(secs(grant.at()))
        .bind(slot)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Err(StoreError::Conflict(
                "Sorry, someone has just booked that time. Please choose another one.".into(),
            ));
        }
        tx.commit().await?;
        self.record_access(grant, &format!("slot {slot}")).await?;
        Ok(ReviewSlot {
            learner: Some(grant.learner()),
            ..wanted
        })
    }

    pub async fn cancel_review_booking(
        &self,
        grant: &Grant<act::BookReview>,
        slot: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE review_slots SET learner_id = NULL, booked_by = NULL, booked_at = NULL WHERE id = $1 AND learner_id = $2",
        )
        .bind(slot)
        .bind(grant.learner().0)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        self.record_access(grant, &format!("cancelled slot {slot}"))
            .await
    }

    /// Records what a review agreed: a summary, the plan version it agreed, the next date.
    pub async fn record_review(
        &self,
        grant: &Grant<act::RecordReview>,
        held_on: Date,
        summary: &str,
        next_review_on: Date,
    ) -> Result<()> {
        if next_review_on <= held_on {
            return Err(StoreError::Conflict(
                "The next review must be after this one.".into(),
            ));
        }
        let version: i64 = sqlx::query("SELECT version FROM plans WHERE learner_id = $1")
            .bind(grant.learner().0)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("version"))
            .transpose()?
            .unwrap_or(0);
        let round: Option<i64> = sqlx::query(
            "SELECT s.round_id FROM review_slots s JOIN review_rounds r ON r.id = s.round_id WHERE s.learner_id = $1 AND r.held_on = $2",
        )
        .bind(grant.learner().0)
        .bind(held_on.to_string())
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.try_get("round_id"))
        .transpose()?;
        sqlx::query(
            "INSERT INTO review_records (org_id, learner_id, round_id, held_on, summary, plan_version, next_review_on, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(grant.school().0)
        .bind(grant.learner().0)
        .bind(round)
        .bind(held_on.to_string())
        .bind(summary)
        .bind(version)
        .bind(next_review_on.to_string())
        .bind(grant.subject().0)
        .bind(secs(grant.at()))
        .execute(&self.pool)
        .await?;
        self.record_access(grant, &format!("review on {held_on}"))
            .await
    }

    pub async fn review_records(&self, grant: &Grant<act::ViewPlan>) -> Result<Vec<ReviewRecord>> {
        let rows = self.reviews_of(grant.learner()).await?;
        self.record_access(grant, "reviews").await?;
        Ok(rows)
    }

    pub(crate) async fn reviews_of(&self, learner: PersonId) -> Result<Vec<ReviewRecord>> {
        sqlx::query(
            "SELECT v.held_on, v.summary, v.plan_version, v.next_review_on, v.recorded_at, p.given_name || ' ' || p.family_name AS who
             FROM review_records v JOIN people p ON p.id = v.recorded_by WHERE v.learner_id = $1 ORDER BY v.held_on DESC, v.id DESC",
        )
        .bind(learner.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ReviewRecord {
                held_on: date("review_records.held_on", &r.try_get::<String, _>("held_on")?)?,
                summary: r.try_get("summary")?,
                plan_version: r.try_get("plan_version")?,
                next_review_on: date("review_records.next_review_on", &r.try_get::<String, _>("next_review_on")?)?,
                recorded_by: r.try_get("who")?,
                recorded_at: ts("review_records.recorded_at", r.try_get("recorded_at")?)?,
            })
        })
        .collect()
    }

    /// Reminders for a home page: booked review slots from `today` on that involve the
    /// person as tutor, as the learner, or as a parent of the learner.
    pub async fn review_reminders(&self, person: PersonId, today: Date) -> Result<Vec<ReviewSlot>> {
        let sql = format!(
            "SELECT {SLOT_COLUMNS} FROM {SLOT_FROM}
             WHERE s.learner_id IS NOT NULL AND r.held_on >= $1
               AND (s.tutor_id = $2 OR s.learner_id = $3 OR s.learner_id IN (
                    SELECT g.learner_id FROM relationships g WHERE g.person_id = $4 AND g.kind = 'guardian' AND g.ends_at IS NULL))
             ORDER BY r.held_on, s.starts_minute LIMIT 20"
        );
        sqlx::query(&sql)
            .bind(today.to_string())
            .bind(person.0)
            .bind(person.0)
            .bind(person.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(slot_from_row)
            .collect()
    }
}
