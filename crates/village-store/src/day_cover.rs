//! Cover for one date: a staff member away on a date, and who teaches each of their
//! lessons of the published timetable that date.
//!
//! The published timetable does not change. The cover is kept against the run it was
//! arranged on, so a lesson's class number always means the same lesson; pages read it
//! beside the weekly lessons and show it on that date only.

use crate::timetables::{lesson_from_row, LessonRow, LESSON_COLUMNS};
use crate::{date, secs, ts, Result, Store, StoreError};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;
use village_access::{act, org_act, Grant, OrgGrant};
use village_domain::PersonId;

/// A staff member away on one date.
#[derive(Debug, Clone, Serialize)]
pub struct DayAbsence {
    pub date: Date,
    /// Their name in the timetable model.
    pub staff_label: String,
    /// Their name from the people table, or the label.
    pub staff: String,
    pub run: i64,
    pub noted_at: Timestamp,
}

/// A lesson of one date taught by a colleague instead of its own teacher, or by nobody.
#[derive(Debug, Clone, Serialize)]
pub struct DayCover {
    pub date: Date,
    pub class_no: i64,
    /// The lesson as the published timetable has it, its own teacher included.
    pub lesson: LessonRow,
    /// The colleague who teaches it that date: their id when they are a person of the
    /// school, and their name (or label).
    pub by_id: Option<PersonId>,
    pub by_label: Option<String>,
    pub by: Option<String>,
    /// Why nobody can, when nobody can.
    pub reason: Option<String>,
}

/// What cover for a date is planned from: the cover already kept for the date's lessons
/// (class number and who, `None` when nobody was free) and who is away that date. A plan
/// is kept only if this is unchanged when it is written, so two plans made at the same
/// moment cannot give one colleague two lessons at once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DayState {
    pub arranged: Vec<(i64, Option<String>)>,
    pub away: Vec<String>,
}

/// Whether planned cover was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum CoverWrite {
    Kept,
    /// Someone changed the date's cover or absences since the plan read them: nothing
    /// was written; plan again from the new state.
    Changed,
}

/// Cover to keep for one lesson of the date.
#[derive(Debug, Clone)]
pub struct NewDayCover {
    pub class_no: usize,
    /// The lesson's own teacher.
    pub absent_label: String,
    pub by_label: Option<String>,
    pub reason: Option<String>,
}

const COVER_COLUMNS: &str = "c.on_date, c.class_no, c.cover_id, c.cover_label, c.reason,
    COALESCE((SELECT p.given_name || ' ' || p.family_name FROM people p WHERE p.id = c.cover_id), c.cover_label) AS cover_name";

fn cover_from_row(r: &sqlx::any::AnyRow) -> Result<DayCover> {
    let on: String = r.try_get("on_date")?;
    Ok(DayCover {
        date: date("timetable_day_cover.on_date", &on)?,
        class_no: r.try_get("class_no")?,
        lesson: lesson_from_row(r)?,
        by_id: r.try_get::<Option<i64>, _>("cover_id")?.map(PersonId),
        by_label: r.try_get("cover_label")?,
        by: r.try_get("cover_name")?,
        reason: r.try_get("reason")?,
    })
}

impl Store {
    /// The school's staff away from `from` to `to` (both included), by date and name.
    pub async fn day_absences(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        from: Date,
        to: Date,
    ) -> Result<Vec<DayAbsence>> {
        sqlx::query(
            "SELECT a.on_date, a.staff_label, a.run_id, a.noted_at,
                COALESCE((SELECT p.given_name || ' ' || p.family_name FROM people p
                          WHERE p.org_id = a.org_id AND CAST(p.id AS TEXT) = a.staff_label), a.staff_label) AS staff
             FROM timetable_absences a WHERE a.org_id = $1 AND a.on_date >= $2 AND a.on_date <= $3
             ORDER BY a.on_date, staff, a.staff_label",
        )
        .bind(grant.org().0)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let on: String = r.try_get("on_date")?;
            Ok(DayAbsence {
                date: date("timetable_absences.on_date", &on)?,
                staff_label: r.try_get("staff_label")?,
                staff: r.try_get("staff")?,
                run: r.try_get("run_id")?,
                noted_at: ts("timetable_absences.noted_at", r.try_get("noted_at")?)?,
            })
        })
        .collect()
    }

    /// What cover on `on` in run `run` is planned from; see [`DayState`].
    pub async fn day_state(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        run: i64,
        on: Date,
    ) -> Result<DayState> {
        let mut conn = self.pool.acquire().await?;
        read_day_state(&mut conn, grant.org().0, run, on).await
    }

    /// The cover of the published run `run` on `on`, in time order, for the cover sheet.
    pub async fn day_cover(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        run: i64,
        on: Date,
    ) -> Result<Vec<DayCover>> {
        let sql = format!(
            "SELECT {COVER_COLUMNS}, {LESSON_COLUMNS} FROM timetable_day_cover c
             JOIN timetable_lessons l ON l.run_id = c.run_id AND l.class_no = c.class_no
             JOIN timetable_runs r ON r.id = l.run_id
             WHERE c.run_id = $1 AND r.org_id = $2 AND c.on_date = $3
             ORDER BY l.starts_minute, l.class_no"
        );
        sqlx::query(&sql)
            .bind(run)
            .bind(grant.org().0)
            .bind(on.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(cover_from_row)
            .collect()
    }

    /// Notes `staff_label` away on `on` and keeps the cover chosen for their lessons that
    /// date (replacing earlier cover of the same lessons: a colleague who was to cover and
    /// is now away themselves), if the date is still as `seen` when the plan was made.
    /// Refused when they are already noted away that date.
    pub async fn record_day_absence(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        run: i64,
        on: Date,
        staff_label: &str,
        (lines, seen): (&[NewDayCover], &DayState),
    ) -> Result<CoverWrite> {
        let person = self.person_ids(grant.org()).await?;
        let mut tx = self.begin_write().await?;
        if !unchanged(&mut tx, grant.org().0, run, on, seen).await? {
            return Ok(CoverWrite::Changed);
        }
        let inserted = sqlx::query(
            "INSERT INTO timetable_absences (org_id, on_date, staff_label, run_id, noted_at, noted_by)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(grant.org().0)
        .bind(on.to_string())
        .bind(staff_label)
        .bind(run)
        .bind(secs(grant.at()))
        .bind(grant.subject().0)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::Conflict(format!(
                    "They are already marked away on {on}; the cover for that date is below."
                )))
            }
            Err(e) => return Err(e.into()),
        }
        write_cover(&mut tx, &person, run, on, lines).await?;
        tx.commit().await?;
        let covered = lines.iter().filter(|l| l.by_label.is_some()).count();
        self.org_audit(
            grant,
            "day_absence",
            &format!(
                "{staff_label} away on {on}, {covered} of {} lessons covered (run {run})",
                lines.len()
            ),
        )
        .await?;
        Ok(CoverWrite::Kept)
    }

    /// The ids of a school's people: a timetable model names staff and pupils by these
    /// when they are people of the school.
    pub(crate) async fn person_ids(
        &self,
        school: village_domain::OrgId,
    ) -> Result<std::collections::HashSet<i64>> {
        sqlx::query("SELECT id FROM people WHERE org_id = $1")
            .bind(school.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(r.try_get("id")?))
            .collect()
    }

    /// Moves `staff_label`'s absence on `on` to the newly published run `run`, with the
    /// cover arranged on it, in one transaction: the cover of their lessons on the old
    /// run goes, and nothing is lost if any step fails. Kept only if the date on `run` is
    /// still as `seen` when the plan was made.
    pub async fn move_day_absence(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        run: i64,
        on: Date,
        staff_label: &str,
        (lines, seen): (&[NewDayCover], &DayState),
    ) -> Result<CoverWrite> {
        let person = self.person_ids(grant.org()).await?;
        let mut tx = self.begin_write().await?;
        if !unchanged(&mut tx, grant.org().0, run, on, seen).await? {
            return Ok(CoverWrite::Changed);
        }
        let moved = sqlx::query(
            "UPDATE timetable_absences SET run_id = $1 WHERE org_id = $2 AND on_date = $3 AND staff_label = $4",
        )
        .bind(run)
        .bind(grant.org().0)
        .bind(on.to_string())
        .bind(staff_label)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "DELETE FROM timetable_day_cover WHERE on_date = $1 AND absent_label = $2 AND run_id <> $3
             AND run_id IN (SELECT id FROM timetable_runs WHERE org_id = $4)",
        )
        .bind(on.to_string())
        .bind(staff_label)
        .bind(run)
        .bind(grant.org().0)
        .execute(&mut *tx)
        .await?;
        write_cover(&mut tx, &person, run, on, lines).await?;
        tx.commit().await?;
        let covered = lines.iter().filter(|l| l.by_label.is_some()).count();
        self.org_audit(
            grant,
            "day_absence_moved",
            &format!(
                "{staff_label} away on {on}: cover arranged again on run {run}, {covered} of {} lessons covered",
                lines.len()
            ),
        )
        .await?;
        Ok(CoverWrite::Kept)
    }

    /// Cover found later for lessons of run `run` on `on` that nobody was free for (a
    /// colleague who was away is not after all), replacing their "nobody free" lines, if
    /// the date is still as `seen` when the plan was made.
    pub async fn fill_day_cover(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        run: i64,
        on: Date,
        (lines, seen): (&[NewDayCover], &DayState),
    ) -> Result<CoverWrite> {
        if lines.is_empty() {
            return Ok(CoverWrite::Kept);
        }
        let person = self.person_ids(grant.org()).await?;
        let mut tx = self.begin_write().await?;
        if !unchanged(&mut tx, grant.org().0, run, on, seen).await? {
            return Ok(CoverWrite::Changed);
        }
        write_cover(&mut tx, &person, run, on, lines).await?;
        tx.commit().await?;
        self.org_audit(
            grant,
            "day_cover_filled",
            &format!("{} lessons on {on} covered (run {run})", lines.len()),
        )
        .await?;
        Ok(CoverWrite::Kept)
    }

    /// `staff_label` is not away on `on` after all: the absence and the cover of their own
    /// lessons that date end. Returns how many lessons' cover ended; refused when they
    /// were not noted away that date.
    pub async fn end_day_absence(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        on: Date,
        staff_label: &str,
    ) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let gone = sqlx::query(
            "DELETE FROM timetable_absences WHERE org_id = $1 AND on_date = $2 AND staff_label = $3",
        )
        .bind(grant.org().0)
        .bind(on.to_string())
        .bind(staff_label)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if gone == 0 {
            return Err(StoreError::Conflict(format!(
                "They were not marked away on {on}, so there was nothing to change."
            )));
        }
        let ended = sqlx::query(
            "DELETE FROM timetable_day_cover WHERE on_date = $1 AND absent_label = $2
             AND run_id IN (SELECT id FROM timetable_runs WHERE org_id = $3)",
        )
        .bind(on.to_string())
        .bind(staff_label)
        .bind(grant.org().0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        self.org_audit(
            grant,
            "day_absence_ended",
            &format!("{staff_label} not away on {on} after all, cover of {ended} lessons ended"),
        )
        .await?;
        Ok(ended)
    }

    /// The cover of the published run `run` touching one learner's lessons.
    pub(crate) async fn learner_day_cover(
        &self,
        grant: &Grant<act::ViewTimetable>,
        run: i64,
    ) -> Result<Vec<DayCover>> {
        let sql = format!(
            "SELECT {COVER_COLUMNS}, {LESSON_COLUMNS} FROM timetable_day_cover c
             JOIN timetable_places pl ON pl.run_id = c.run_id AND pl.class_no = c.class_no
             JOIN timetable_lessons l ON l.run_id = c.run_id AND l.class_no = c.class_no
             JOIN timetable_runs r ON r.id = l.run_id
             WHERE c.run_id = $1 AND pl.learner_id = $2 ORDER BY c.on_date, l.starts_minute"
        );
        sqlx::query(&sql)
            .bind(run)
            .bind(grant.learner().0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(cover_from_row)
            .collect()
    }

    /// The cover of the published run `run` that a staff member gives or whose lessons it
    /// takes.
    pub(crate) async fn staff_day_cover(
        &self,
        person: PersonId,
        run: i64,
    ) -> Result<Vec<DayCover>> {
        let sql = format!(
            "SELECT {COVER_COLUMNS}, {LESSON_COLUMNS} FROM timetable_day_cover c
             JOIN timetable_lessons l ON l.run_id = c.run_id AND l.class_no = c.class_no
             JOIN timetable_runs r ON r.id = l.run_id
             WHERE c.run_id = $1 AND (c.cover_id = $2 OR l.staff_id = $2)
             ORDER BY c.on_date, l.starts_minute"
        );
        sqlx::query(&sql)
            .bind(run)
            .bind(person.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(cover_from_row)
            .collect()
    }
}

/// The cover kept on `on` in run `run` and who is away that date, as a plan reads them.
async fn read_day_state(
    conn: &mut sqlx::AnyConnection,
    org: i64,
    run: i64,
    on: Date,
) -> Result<DayState> {
    let arranged = sqlx::query(
        "SELECT c.class_no, c.cover_label FROM timetable_day_cover c
         JOIN timetable_runs r ON r.id = c.run_id
         WHERE c.run_id = $1 AND r.org_id = $2 AND c.on_date = $3 ORDER BY c.class_no",
    )
    .bind(run)
    .bind(org)
    .bind(on.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("class_no")?, r.try_get("cover_label")?)))
    .collect::<Result<_>>()?;
    let away = sqlx::query(
        "SELECT staff_label FROM timetable_absences WHERE org_id = $1 AND on_date = $2
         ORDER BY staff_label",
    )
    .bind(org)
    .bind(on.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok(r.try_get("staff_label")?))
    .collect::<Result<_>>()?;
    Ok(DayState { arranged, away })
}

/// Whether the date is still as a plan saw it, read inside the writing transaction after
/// taking the run's row lock. The lock is what makes the check hold on PostgreSQL: a
/// second writer of cover on the same run waits here until the first commits, then reads
/// what it wrote (each statement sees the latest commits under READ COMMITTED). SQLite's
/// `BEGIN IMMEDIATE` already lets one writer in at a time.
async fn unchanged(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    org: i64,
    run: i64,
    on: Date,
    seen: &DayState,
) -> Result<bool> {
    sqlx::query("UPDATE timetable_runs SET org_id = org_id WHERE id = $1 AND org_id = $2")
        .bind(run)
        .bind(org)
        .execute(&mut **tx)
        .await?;
    Ok(read_day_state(tx, org, run, on).await? == *seen)
}

/// Keep `lines` as the cover of their lessons on `on` in run `run`, replacing earlier cover
/// of the same lessons. `people`: the school's person ids, so a colleague who is a person
/// is kept by id too.
async fn write_cover(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    people: &std::collections::HashSet<i64>,
    run: i64,
    on: Date,
    lines: &[NewDayCover],
) -> Result<()> {
    for l in lines {
        let class_no = i64::try_from(l.class_no).map_err(|_| StoreError::Corrupt {
            column: "timetable_day_cover.class_no",
            value: l.class_no.to_string(),
        })?;
        let by_id = l
            .by_label
            .as_deref()
            .and_then(|b| b.parse::<i64>().ok())
            .filter(|id| people.contains(id));
        sqlx::query(
            "INSERT INTO timetable_day_cover (run_id, on_date, class_no, absent_label, cover_id, cover_label, reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (run_id, on_date, class_no) DO UPDATE SET absent_label = excluded.absent_label,
                cover_id = excluded.cover_id, cover_label = excluded.cover_label, reason = excluded.reason",
        )
        .bind(run)
        .bind(on.to_string())
        .bind(class_no)
        .bind(&l.absent_label)
        .bind(by_id)
        .bind(l.by_label.as_deref())
        .bind(l.reason.as_deref())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
