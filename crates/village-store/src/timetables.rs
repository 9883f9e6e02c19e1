//! Personal timetables: a school's model, pupils' SECURE and window choices, solver runs
//! and their results, the published timetable, and private calendar links.
//!
//! The model is the `village` JSON of `village_timetable::school::School`, kept as text
//! and checked by the engine before it is saved. A run keeps exactly the model it solved,
//! so its solution's indices are always read against the right model. Lessons and places
//! of a finished run are written as rows, so personal timetables are plain queries.

use crate::audit::AuditEvent;
use crate::{date, secs, ts, Result, Store, StoreError};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;
use village_access::{act, org_act, Grant, OrgGrant};
use village_domain::{OrgId, PersonId};
use village_timetable::published::{PublishedLesson, RunFigures, RunReport};

#[derive(Debug, Clone, Serialize)]
pub struct TimetableSetup {
    pub model: String,
    pub week_a_monday: Date,
    pub choices_close_on: Option<Date>,
    pub revision: i64,
    pub updated_at: Timestamp,
}

/// A learner's own choices, made in Village.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TimetableChoice {
    pub window: Option<String>,
    /// SECURE offer ids, most wanted first.
    pub secure: Vec<String>,
    pub updated_at: Option<Timestamp>,
    pub updated_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub status: String,
    pub started_at: Timestamp,
    pub started_by: Option<String>,
    pub finished_at: Option<Timestamp>,
    pub based_on: Option<i64>,
    pub setup_revision: i64,
    pub figures: Option<RunFigures>,
    pub message: Option<String>,
    pub published_at: Option<Timestamp>,
}

/// A lesson of a published timetable, as a person sees it.
#[derive(Debug, Clone, Serialize)]
pub struct LessonRow {
    pub class_id: String,
    pub subject: String,
    pub set_name: String,
    pub staff_id: Option<PersonId>,
    /// The staff member's name (from the people table when the model names a person).
    pub staff: String,
    pub room: Option<String>,
    pub days: u32,
    pub weeks: u64,
    pub starts_minute: u32,
    pub ends_minute: u32,
    /// For a teacher's own timetable: the school it belongs to.
    pub school: OrgId,
}

/// A published timetable: the cycle it runs on and the lessons of one person.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedTimetable {
    pub run: i64,
    pub school: OrgId,
    pub published_at: Timestamp,
    pub day_names: Vec<String>,
    pub nr_weeks: u32,
    pub week_a_monday: Date,
    pub lessons: Vec<LessonRow>,
    /// Cover for single dates touching these lessons: the person's own lessons taught by
    /// someone else that date, and for staff the lessons they cover.
    pub cover: Vec<crate::DayCover>,
}

/// A calendar link, as its owner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarLink {
    pub id: i64,
    pub org: OrgId,
    pub owner: PersonId,
    pub learner: Option<PersonId>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

/// The part of a model the store needs to read: the cycle's shape.
#[derive(serde::Deserialize)]
struct Cycle {
    days: Vec<String>,
    #[serde(default = "one")]
    weeks: u32,
}

fn one() -> u32 {
    1
}

const RUN_COLUMNS: &str = "r.id, r.status, r.started_at, r.finished_at, r.based_on, r.setup_revision, r.summary, r.message, r.published_at,
    (SELECT p.given_name || ' ' || p.family_name FROM people p WHERE p.id = r.started_by) AS started_by_name";

fn run_from_row(r: &sqlx::any::AnyRow) -> Result<RunRow> {
    let summary: Option<String> = r.try_get("summary")?;
    Ok(RunRow {
        id: r.try_get("id")?,
        status: r.try_get("status")?,
        started_at: ts("timetable_runs.started_at", r.try_get("started_at")?)?,
        started_by: r.try_get("started_by_name")?,
        finished_at: r
            .try_get::<Option<i64>, _>("finished_at")?
            .map(|s| ts("timetable_runs.finished_at", s))
            .transpose()?,
        based_on: r.try_get("based_on")?,
        setup_revision: r.try_get("setup_revision")?,
        figures: summary
            .map(|s| {
                serde_json::from_str(&s).map_err(|_| StoreError::Corrupt {
                    column: "timetable_runs.summary",
                    value: s,
                })
            })
            .transpose()?,
        message: r.try_get("message")?,
        published_at: r
            .try_get::<Option<i64>, _>("published_at")?
            .map(|s| ts("timetable_runs.published_at", s))
            .transpose()?,
    })
}

pub(crate) const LESSON_COLUMNS: &str = "l.class_id, l.subject, l.set_name, l.staff_id, l.room, l.days, l.weeks, l.starts_minute, l.ends_minute, r.org_id,
    COALESCE((SELECT p.given_name || ' ' || p.family_name FROM people p WHERE p.id = l.staff_id), l.staff_label) AS staff";

pub(crate) fn lesson_from_row(r: &sqlx::any::AnyRow) -> Result<LessonRow> {
    let int = |col: &'static str| -> Result<i64> { Ok(r.try_get::<i64, _>(col)?) };
    let corrupt = |column: &'static str, v: i64| StoreError::Corrupt {
        column,
        value: v.to_string(),
    };
    let days = int("days")?;
    let weeks = int("weeks")?;
    let start = int("starts_minute")?;
    let end = int("ends_minute")?;
    Ok(LessonRow {
        class_id: r.try_get("class_id")?,
        subject: r.try_get("subject")?,
        set_name: r.try_get("set_name")?,
        staff_id: r.try_get::<Option<i64>, _>("staff_id")?.map(PersonId),
        staff: r.try_get("staff")?,
        room: r.try_get("room")?,
        days: u32::try_from(days).map_err(|_| corrupt("timetable_lessons.days", days))?,
        weeks: u64::try_from(weeks).map_err(|_| corrupt("timetable_lessons.weeks", weeks))?,
        starts_minute: u32::try_from(start)
            .map_err(|_| corrupt("timetable_lessons.starts_minute", start))?,
        ends_minute: u32::try_from(end)
            .map_err(|_| corrupt("timetable_lessons.ends_minute", end))?,
        school: OrgId(r.try_get("org_id")?),
    })
}

impl Store {
    /// The school's timetable setup, if it has one.
    pub async fn timetable_setup(&self, school: OrgId) -> Result<Option<TimetableSetup>> {
        let row = sqlx::query(
            "SELECT model, week_a_monday, choices_close_on, revision, updated_at FROM timetable_setups WHERE org_id = $1",
        )
        .bind(school.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(TimetableSetup {
                model: r.try_get("model")?,
                week_a_monday: date(
                    "timetable_setups.week_a_monday",
                    &r.try_get::<String, _>("week_a_monday")?,
                )?,
                choices_close_on: r
                    .try_get::<Option<String>, _>("choices_close_on")?
                    .map(|d| date("timetable_setups.choices_close_on", &d))
                    .transpose()?,
                revision: r.try_get("revision")?,
                updated_at: ts("timetable_setups.updated_at", r.try_get("updated_at")?)?,
            })
        })
        .transpose()
    }

    /// Saves the school's model (already checked by the engine). `expected_revision` is the
    /// revision the editor started from; if someone saved since, nothing is written.
    pub async fn save_timetable_setup(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        model: &str,
        week_a_monday: Date,
        choices_close_on: Option<Date>,
        expected_revision: Option<i64>,
        what: &str,
    ) -> Result<i64> {
        let at = secs(grant.at());
        let mut tx = self.begin_write().await?;
        let current: Option<i64> =
            sqlx::query("SELECT revision FROM timetable_setups WHERE org_id = $1")
                .bind(grant.org().0)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("revision"))
                .transpose()?;
        if let (Some(expected), Some(cur)) = (expected_revision, current) {
            if expected != cur {
                return Err(StoreError::Conflict(
                    "Someone changed the timetable setup while you were working. Nothing was saved; please look again and repeat your change.".into(),
                ));
            }
        }
        let revision = current.unwrap_or(0) + 1;
        let close = choices_close_on.map(|d| d.to_string());
        if current.is_some() {
            sqlx::query(
                "UPDATE timetable_setups SET model = $1, week_a_monday = $2, choices_close_on = $3, revision = $4, updated_at = $5, updated_by = $6 WHERE org_id = $7",
            )
            .bind(model)
            .bind(week_a_monday.to_string())
            .bind(close)
            .bind(revision)
            .bind(at)
            .bind(grant.subject().0)
            .bind(grant.org().0)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO timetable_setups (org_id, model, week_a_monday, choices_close_on, revision, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(grant.org().0)
            .bind(model)
            .bind(week_a_monday.to_string())
            .bind(close)
            .bind(revision)
            .bind(at)
            .bind(grant.subject().0)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.org_audit(
            grant,
            "save_timetable_setup",
            &format!("revision {revision}: {what}"),
        )
        .await?;
        Ok(revision)
    }

    /// A learner's own choices (empty if they have made none in Village).
    pub async fn timetable_choice(
        &self,
        grant: &Grant<act::ViewTimetable>,
    ) -> Result<TimetableChoice> {
        let row = sqlx::query(
            "SELECT c.window_name, c.secure, c.updated_at, p.given_name || ' ' || p.family_name AS who
             FROM timetable_choices c JOIN people p ON p.id = c.updated_by WHERE c.learner_id = $1",
        )
        .bind(grant.learner().0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Ok(TimetableChoice::default());
        };
        let secure: String = r.try_get("secure")?;
        Ok(TimetableChoice {
            window: r.try_get("window_name")?,
            secure: serde_json::from_str(&secure).map_err(|_| StoreError::Corrupt {
                column: "timetable_choices.secure",
                value: secure,
            })?,
            updated_at: Some(ts(
                "timetable_choices.updated_at",
                r.try_get("updated_at")?,
            )?),
            updated_by: r.try_get("who")?,
        })
    }

    /// Saves a learner's choices, if the school's choices are open on `today`. The caller
    /// has checked them against the school's model.
    pub async fn save_timetable_choice(
        &self,
        grant: &Grant<act::ChooseTimetable>,
        window: Option<&str>,
        secure: &[String],
        today: Date,
    ) -> Result<()> {
        crate::check_ranking(
            secure,
            16,
            "Please choose fewer SECURE subjects.",
            "Please choose each SECURE subject only once.",
        )?;
        let setup = self
            .timetable_setup(grant.school())
            .await?
            .ok_or(StoreError::NotFound)?;
        match setup.choices_close_on {
            Some(close) if close >= today => {}
            Some(close) => {
                return Err(StoreError::Conflict(format!(
                    "Choices closed on {}. Please talk to your tutor if you need a change.",
                    close.strftime("%A %-d %B")
                )))
            }
            None => {
                return Err(StoreError::Conflict(
                    "Choices are not open yet. Your school will say when they are.".into(),
                ))
            }
        }
        let json =
            serde_json::to_string(secure).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let at = secs(grant.at());
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM timetable_choices WHERE learner_id = $1")
            .bind(grant.learner().0)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO timetable_choices (learner_id, org_id, window_name, secure, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(grant.learner().0)
        .bind(grant.school().0)
        .bind(window)
        .bind(json)
        .bind(at)
        .bind(grant.subject().0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.record_access(
            grant,
            &format!(
                "window {}, SECURE {}",
                window.unwrap_or("none"),
                secure.join(", ")
            ),
        )
        .await
    }

    /// Every choice made in Village by the school's learners, to merge into the model.
    pub async fn school_timetable_choices(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
    ) -> Result<Vec<(PersonId, TimetableChoice)>> {
        sqlx::query(
            "SELECT learner_id, window_name, secure, updated_at FROM timetable_choices WHERE org_id = $1 ORDER BY learner_id",
        )
        .bind(grant.org().0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let secure: String = r.try_get("secure")?;
            Ok((
                PersonId(r.try_get("learner_id")?),
                TimetableChoice {
                    window: r.try_get("window_name")?,
                    secure: serde_json::from_str(&secure).map_err(|_| StoreError::Corrupt {
                        column: "timetable_choices.secure",
                        value: secure,
                    })?,
                    updated_at: Some(ts("timetable_choices.updated_at", r.try_get("updated_at")?)?),
                    updated_by: None,
                },
            ))
        })
        .collect()
    }

    /// Starts a run of `model`, unless one is running already for the school.
    pub async fn start_timetable_run(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        model: &str,
        setup_revision: i64,
        based_on: Option<i64>,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let running =
            sqlx::query("SELECT id FROM timetable_runs WHERE org_id = $1 AND status = 'running'")
                .bind(grant.org().0)
                .fetch_optional(&mut *tx)
                .await?;
        if running.is_some() {
            return Err(StoreError::Conflict(
                "A solve is already running for this school. Wait for it to finish, or stop it."
                    .into(),
            ));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO timetable_runs (org_id, status, started_at, started_by, based_on, setup_revision, model)
             VALUES ($1, 'running', $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(grant.org().0)
        .bind(secs(grant.at()))
        .bind(grant.subject().0)
        .bind(based_on)
        .bind(setup_revision)
        .bind(model)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.commit().await?;
        self.org_audit(
            grant,
            "start_timetable_run",
            &format!(
                "run {id} of setup revision {setup_revision}{}",
                based_on.map_or(String::new(), |b| format!(", from run {b}"))
            ),
        )
        .await?;
        Ok(id)
    }

    /// Records a finished run: its solution, figures, report, lessons and places. Pupils
    /// and staff are matched by the person ids the model names them with; names that are
    /// not ids of this school's people are kept on the lesson as words only.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_timetable_run(
        &self,
        school: OrgId,
        run: i64,
        solution_json: &str,
        figures: &RunFigures,
        report: &RunReport,
        lessons: &[PublishedLesson],
        places: &[(String, usize)],
        at: Timestamp,
    ) -> Result<()> {
        let people = self.person_ids(school).await?;
        let person = |label: &str| label.parse::<i64>().ok().filter(|id| people.contains(id));
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE timetable_runs SET status = 'finished', finished_at = $1, solution = $2, summary = $3, report = $4
             WHERE id = $5 AND org_id = $6 AND status = 'running'",
        )
        .bind(secs(at))
        .bind(solution_json)
        .bind(to_json(figures)?)
        .bind(to_json(report)?)
        .bind(run)
        .bind(school.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(StoreError::Conflict(
                "This run was stopped before it finished.".into(),
            ));
        }
        for chunk in lessons.chunks(200) {
            let mut sql = String::from(
                "INSERT INTO timetable_lessons (run_id, class_no, class_id, offer, subject, set_name, staff_id, staff_label, room, days, weeks, starts_minute, ends_minute) VALUES ",
            );
            let mut n = 0;
            for (i, _) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for k in 0..13 {
                    if k > 0 {
                        sql.push_str(", ");
                    }
                    n += 1;
                    sql.push_str(&format!("${n}"));
                }
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for l in chunk {
                q = q
                    .bind(run)
                    .bind(l.class_no as i64)
                    .bind(l.class_id.clone())
                    .bind(l.offer.clone())
                    .bind(l.subject.clone())
                    .bind(l.set.clone())
                    .bind(person(&l.staff))
                    .bind(l.staff.clone())
                    .bind(l.room.clone())
                    .bind(i64::from(l.days))
                    .bind(i64::try_from(l.weeks).unwrap_or(0))
                    .bind(i64::from(l.start_minute))
                    .bind(i64::from(l.end_minute));
            }
            q.execute(&mut *tx).await?;
        }
        let rows: Vec<(i64, i64)> = places
            .iter()
            .filter_map(|(pupil, c)| Some((person(pupil)?, *c as i64)))
            .collect();
        for chunk in rows.chunks(300) {
            let mut sql =
                String::from("INSERT INTO timetable_places (run_id, learner_id, class_no) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
            }
            let mut q = sqlx::query(&sql);
            for (learner, class) in chunk {
                q = q.bind(run).bind(*learner).bind(*class);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Ends a run that did not finish (`failed` or `stopped`), with the reason in words.
    pub async fn end_timetable_run(
        &self,
        school: OrgId,
        run: i64,
        status: &str,
        message: &str,
        at: Timestamp,
    ) -> Result<()> {
        if !matches!(status, "failed" | "stopped") {
            return Err(StoreError::Conflict(format!(
                "`{status}` is not how a run ends"
            )));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE timetable_runs SET status = $1, message = $2, finished_at = $3 WHERE id = $4 AND org_id = $5 AND status = 'running'",
        )
        .bind(status)
        .bind(message)
        .bind(secs(at))
        .bind(run)
        .bind(school.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Runs left `running` by a server that stopped are ended when it starts again.
    pub async fn stop_abandoned_timetable_runs(&self, at: Timestamp) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE timetable_runs SET status = 'stopped', message = 'The server restarted while this was running.', finished_at = $1 WHERE status = 'running'",
        )
        .bind(secs(at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// The school's runs, newest first.
    pub async fn timetable_runs(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        limit: i64,
    ) -> Result<Vec<RunRow>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM timetable_runs r WHERE r.org_id = $1 ORDER BY r.id DESC LIMIT $2"
        );
        sqlx::query(&sql)
            .bind(grant.org().0)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(run_from_row)
            .collect()
    }

    /// One run with its report.
    pub async fn timetable_run(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        run: i64,
    ) -> Result<(RunRow, Option<RunReport>)> {
        let sql = format!(
            "SELECT {RUN_COLUMNS}, r.report FROM timetable_runs r WHERE r.org_id = $1 AND r.id = $2"
        );
        let r = sqlx::query(&sql)
            .bind(grant.org().0)
            .bind(run)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let report: Option<String> = r.try_get("report")?;
        let report = report
            .map(|s| {
                serde_json::from_str(&s).map_err(|_| StoreError::Corrupt {
                    column: "timetable_runs.report",
                    value: s,
                })
            })
            .transpose()?;
        Ok((run_from_row(&r)?, report))
    }

    /// The model a run solved and its solution (JSON), to re-solve from it.
    pub async fn timetable_run_solution(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        run: i64,
    ) -> Result<(String, Option<String>)> {
        let r =
            sqlx::query("SELECT model, solution FROM timetable_runs WHERE org_id = $1 AND id = $2")
                .bind(grant.org().0)
                .bind(run)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        Ok((r.try_get("model")?, r.try_get("solution")?))
    }

    /// Publishes a finished, complete run: from now on it is everyone's timetable.
    pub async fn publish_timetable_run(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
        run: i64,
    ) -> Result<()> {
        let (row, _) = self.timetable_run(grant, run).await?;
        match (&row.status[..], &row.figures) {
            ("finished", Some(f)) if f.complete() => {}
            ("finished", Some(f)) => {
                return Err(StoreError::Conflict(format!(
                    "This timetable is not complete ({} of {} sessions placed without breaking a rule), so it cannot be published. Adjust and solve again.",
                    f.placed, f.total
                )))
            }
            _ => {
                return Err(StoreError::Conflict(
                    "Only a finished solve can be published.".into(),
                ))
            }
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE timetable_runs SET published_at = $1, published_by = $2 WHERE id = $3 AND org_id = $4",
        )
        .bind(secs(grant.at()))
        .bind(grant.subject().0)
        .bind(run)
        .bind(grant.org().0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.org_audit(grant, "publish_timetable", &format!("run {run}"))
            .await
    }

    /// The school's published run: (run, published at), the newest publication.
    pub async fn published_run(&self, school: OrgId) -> Result<Option<(i64, Timestamp)>> {
        sqlx::query(
            "SELECT id, published_at FROM timetable_runs WHERE org_id = $1 AND published_at IS NOT NULL ORDER BY published_at DESC, id DESC LIMIT 1",
        )
        .bind(school.0)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| Ok((r.try_get("id")?, ts("timetable_runs.published_at", r.try_get("published_at")?)?)))
        .transpose()
    }

    async fn published_frame(&self, school: OrgId) -> Result<Option<PublishedTimetable>> {
        let Some((run, published_at)) = self.published_run(school).await? else {
            return Ok(None);
        };
        let Some(setup) = self.timetable_setup(school).await? else {
            return Ok(None);
        };
        let model: String = sqlx::query("SELECT model FROM timetable_runs WHERE id = $1")
            .bind(run)
            .fetch_one(&self.pool)
            .await?
            .try_get("model")?;
        let cycle: Cycle = serde_json::from_str(&model).map_err(|_| StoreError::Corrupt {
            column: "timetable_runs.model",
            value: format!("run {run}"),
        })?;
        Ok(Some(PublishedTimetable {
            run,
            school,
            published_at,
            day_names: cycle.days,
            nr_weeks: cycle.weeks,
            week_a_monday: setup.week_a_monday,
            lessons: Vec::new(),
            cover: Vec::new(),
        }))
    }

    /// The learner's published timetable, if their school has published one.
    pub async fn learner_timetable(
        &self,
        grant: &Grant<act::ViewTimetable>,
    ) -> Result<Option<PublishedTimetable>> {
        let Some(mut frame) = self.published_frame(grant.school()).await? else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {LESSON_COLUMNS} FROM timetable_places pl
             JOIN timetable_lessons l ON l.run_id = pl.run_id AND l.class_no = pl.class_no
             JOIN timetable_runs r ON r.id = l.run_id
             WHERE pl.run_id = $1 AND pl.learner_id = $2 ORDER BY l.starts_minute, l.class_no"
        );
        frame.lessons = sqlx::query(&sql)
            .bind(frame.run)
            .bind(grant.learner().0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(lesson_from_row)
            .collect::<Result<_>>()?;
        frame.cover = self.learner_day_cover(grant, frame.run).await?;
        self.record_access(grant, &format!("run {}", frame.run))
            .await?;
        Ok(Some(frame))
    }

    /// What a staff member teaches in each school's published timetable (a teacher shared
    /// between schools has one per school), with the cover they give or are given on
    /// single dates. A colleague with no lessons of their own who covers one has a
    /// timetable of that school too.
    pub async fn staff_timetables(&self, person: PersonId) -> Result<Vec<PublishedTimetable>> {
        let schools: Vec<i64> = sqlx::query(
            "SELECT r.org_id FROM timetable_lessons l JOIN timetable_runs r ON r.id = l.run_id
             WHERE l.staff_id = $1 AND r.published_at IS NOT NULL
             UNION
             SELECT r.org_id FROM timetable_day_cover c JOIN timetable_runs r ON r.id = c.run_id
             WHERE c.cover_id = $1 AND r.published_at IS NOT NULL
             ORDER BY 1",
        )
        .bind(person.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get("org_id"))
        .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::new();
        for school in schools {
            let Some(mut frame) = self.published_frame(OrgId(school)).await? else {
                continue;
            };
            let sql = format!(
                "SELECT {LESSON_COLUMNS} FROM timetable_lessons l JOIN timetable_runs r ON r.id = l.run_id
                 WHERE l.run_id = $1 AND l.staff_id = $2 ORDER BY l.starts_minute, l.class_no"
            );
            frame.lessons = sqlx::query(&sql)
                .bind(frame.run)
                .bind(person.0)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(lesson_from_row)
                .collect::<Result<_>>()?;
            frame.cover = self.staff_day_cover(person, frame.run).await?;
            if !frame.lessons.is_empty() || !frame.cover.is_empty() {
                out.push(frame);
            }
        }
        Ok(out)
    }

    /// Makes a calendar link. `learner` is `None` for the owner's own teaching timetable.
    pub async fn create_calendar_link(
        &self,
        owner: PersonId,
        org: OrgId,
        learner: Option<&Grant<act::SubscribeTimetable>>,
        token_hash: &str,
        at: Timestamp,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO calendar_links (token_hash, org_id, owner_id, learner_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(token_hash)
        .bind(org.0)
        .bind(owner.0)
        .bind(learner.map(|g| g.learner().0))
        .bind(secs(at))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.commit().await?;
        match learner {
            Some(g) => {
                self.record_access(g, &format!("calendar link {id} made"))
                    .await?
            }
            None => {
                self.audit(AuditEvent {
                    org: Some(org),
                    at,
                    actor: Some(owner),
                    action: "create_calendar_link".into(),
                    learner: None,
                    allowed: true,
                    rule: "own_timetable".into(),
                    detail: format!("calendar link {id}"),
                })
                .await?
            }
        }
        Ok(id)
    }

    /// The links a person made, newest first.
    pub async fn calendar_links_of(&self, owner: PersonId) -> Result<Vec<CalendarLink>> {
        sqlx::query(
            "SELECT id, org_id, owner_id, learner_id, created_at, revoked_at, last_used_at FROM calendar_links WHERE owner_id = $1 ORDER BY id DESC",
        )
        .bind(owner.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(link_from_row)
        .collect()
    }

    /// Ends a link; only its owner may. Returns false if there was no such open link.
    pub async fn revoke_calendar_link(
        &self,
        owner: PersonId,
        link: i64,
        at: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE calendar_links SET revoked_at = $1 WHERE id = $2 AND owner_id = $3 AND revoked_at IS NULL",
        )
        .bind(secs(at))
        .bind(link)
        .bind(owner.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        if n > 0 {
            self.audit(AuditEvent {
                org: None,
                at,
                actor: Some(owner),
                action: "revoke_calendar_link".into(),
                learner: None,
                allowed: true,
                rule: "owner".into(),
                detail: format!("calendar link {link}"),
            })
            .await?;
        }
        Ok(n > 0)
    }

    /// The open link with this token hash, and notes that it was used.
    pub async fn use_calendar_link(
        &self,
        token_hash: &str,
        at: Timestamp,
    ) -> Result<Option<CalendarLink>> {
        let row = sqlx::query(
            "SELECT id, org_id, owner_id, learner_id, created_at, revoked_at, last_used_at FROM calendar_links WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(link) = row.as_ref().map(link_from_row).transpose()? else {
            return Ok(None);
        };
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE calendar_links SET last_used_at = $1 WHERE id = $2")
            .bind(secs(at))
            .bind(link.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(link))
    }

    /// Names of the school's people by id, for the timetabler's pages (the model names
    /// pupils and staff by id).
    pub async fn school_people_names(
        &self,
        grant: &OrgGrant<org_act::ManageTimetable>,
    ) -> Result<std::collections::HashMap<i64, String>> {
        sqlx::query(
            "SELECT id, given_name || ' ' || family_name AS name FROM people WHERE org_id = $1",
        )
        .bind(grant.org().0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
    }

    pub(crate) async fn org_audit<A: village_access::org_act::OrgAct>(
        &self,
        grant: &OrgGrant<A>,
        action: &str,
        detail: &str,
    ) -> Result<()> {
        self.audit(AuditEvent {
            org: Some(grant.org()),
            at: grant.at(),
            actor: Some(grant.subject()),
            action: action.into(),
            learner: None,
            allowed: true,
            rule: grant.role().as_str().into(),
            detail: detail.into(),
        })
        .await
    }
}

fn link_from_row(r: &sqlx::any::AnyRow) -> Result<CalendarLink> {
    let opt_ts = |col: &'static str| -> Result<Option<Timestamp>> {
        r.try_get::<Option<i64>, _>(col)?
            .map(|s| ts(col, s))
            .transpose()
    };
    Ok(CalendarLink {
        id: r.try_get("id")?,
        org: OrgId(r.try_get("org_id")?),
        owner: PersonId(r.try_get("owner_id")?),
        learner: r.try_get::<Option<i64>, _>("learner_id")?.map(PersonId),
        created_at: ts("calendar_links.created_at", r.try_get("created_at")?)?,
        revoked_at: opt_ts("revoked_at")?,
        last_used_at: opt_ts("last_used_at")?,
    })
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Conflict(e.to_string()))
}
