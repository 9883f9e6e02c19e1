//! Solving a school's timetable from the web: the school's model with pupils' own choices
//! merged in, solved on a blocking thread while its progress is kept here for the
//! progress page (server-sent events), then written back as a finished run.
//!
//! One run at a time per school (the store refuses a second). A run can be stopped; the
//! best timetable found so far is kept. A run left behind by a restart is ended when the
//! server starts.

use crate::AppState;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use village_domain::{OrgId, PersonId};
use village_store::TimetableChoice;
use village_timetable::model::Solution;
use village_timetable::published;
use village_timetable::school::School;
use village_timetable::SolveOptions;

/// What the progress page shows while a run goes on.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct JobProgress {
    pub seconds: f64,
    pub limit: f64,
    pub best_hard: i64,
    pub best_soft: i64,
    pub phase: String,
    pub finished: bool,
}

struct Job {
    progress: JobProgress,
    cancel: Arc<AtomicBool>,
}

/// Runs going on in this process.
#[derive(Default)]
pub struct TimetableJobs {
    jobs: Mutex<HashMap<i64, Job>>,
}

impl TimetableJobs {
    pub fn progress(&self, run: i64) -> Option<JobProgress> {
        self.jobs
            .lock()
            .ok()
            .and_then(|j| j.get(&run).map(|j| j.progress.clone()))
    }

    /// Asks a run to stop; it keeps the best timetable so far. False if it is not running here.
    pub fn stop(&self, run: i64) -> bool {
        match self
            .jobs
            .lock()
            .ok()
            .and_then(|j| j.get(&run).map(|j| j.cancel.clone()))
        {
            Some(c) => {
                c.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    fn update(&self, run: i64, f: impl FnOnce(&mut JobProgress)) {
        if let Ok(mut jobs) = self.jobs.lock() {
            if let Some(j) = jobs.get_mut(&run) {
                f(&mut j.progress);
            }
        }
    }

    fn remove(&self, run: i64) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.remove(&run);
        }
    }
}

/// The school's model with the choices pupils and parents made in Village: a pupil's
/// choices replace what the model says about their window and SECURE periods.
pub fn merged_model(
    model: &str,
    choices: &[(PersonId, TimetableChoice)],
) -> Result<School, village_timetable::Error> {
    let mut school = School::from_json(model)?;
    for (pupil, c) in choices {
        village_timetable::choices::apply(
            &mut school,
            &pupil.0.to_string(),
            c.window.as_deref(),
            &c.secure,
        );
    }
    Ok(school)
}

/// Where a re-solve starts from: the published run's model and timetable.
pub struct Base {
    pub run: i64,
    pub school: School,
    pub solution: Solution,
}

/// What one run needs.
pub struct RunInput {
    pub school_id: OrgId,
    pub run: i64,
    pub school: School,
    pub base: Option<Base>,
    pub time_limit: Duration,
    pub seed: u64,
}

/// Solves and records the result. Runs on a blocking thread; the progress is kept in
/// `state.timetable_jobs` until the result is written.
pub fn spawn(state: AppState, input: RunInput) {
    let cancel = Arc::new(AtomicBool::new(false));
    if let Ok(mut jobs) = state.timetable_jobs.jobs.lock() {
        jobs.insert(
            input.run,
            Job {
                progress: JobProgress {
                    limit: input.time_limit.as_secs_f64(),
                    phase: "starting".into(),
                    best_hard: -1,
                    best_soft: -1,
                    ..JobProgress::default()
                },
                cancel: cancel.clone(),
            },
        );
    }
    tokio::spawn(async move {
        let run = input.run;
        let school_id = input.school_id;
        let jobs = state.timetable_jobs.clone();
        let solved = tokio::task::spawn_blocking(move || solve(&jobs, input, cancel)).await;
        let now = state.clock.now();
        let written = match solved {
            Ok(Ok(done)) => {
                let solution = serde_json::to_string(&done.solution).unwrap_or_default();
                state
                    .store
                    .finish_timetable_run(
                        school_id,
                        run,
                        &solution,
                        &done.figures,
                        &done.report,
                        &done.lessons,
                        &done.places,
                        now,
                    )
                    .await
            }
            Ok(Err(message)) => {
                state
                    .store
                    .end_timetable_run(school_id, run, "failed", &message, now)
                    .await
            }
            Err(e) => {
                tracing::error!(error = %e, run, "timetable solve panicked");
                state
                    .store
                    .end_timetable_run(
                        school_id,
                        run,
                        "failed",
                        "The solver stopped unexpectedly. The problem has been logged.",
                        now,
                    )
                    .await
            }
        };
        if let Err(e) = written {
            tracing::error!(error = %e, run, "could not record a timetable run");
        }
        state.timetable_jobs.update(run, |p| p.finished = true);
        // The page polls for a moment after "finished"; then the run is read from the store.
        tokio::time::sleep(Duration::from_secs(30)).await;
        state.timetable_jobs.remove(run);
    });
}

/// Solves, starting from the base timetable if there is one. Errors are words for the
/// timetabler.
fn solve(
    jobs: &TimetableJobs,
    input: RunInput,
    cancel: Arc<AtomicBool>,
) -> Result<published::Solved, String> {
    let options = SolveOptions {
        time_limit: input.time_limit,
        seed: input.seed,
        threads: 0,
        cancel: Some(cancel),
        ..SolveOptions::default()
    };
    let run = input.run;
    let progress = |p: &village_timetable::Progress| {
        jobs.update(run, |j| {
            j.seconds = p.seconds;
            j.best_hard = p.best_hard;
            j.best_soft = p.best_soft;
            j.phase = p.phase.to_string();
        });
    };
    published::solve_school(
        &input.school,
        input.base.as_ref().map(|b| (&b.school, &b.solution)),
        &options,
        Some(&progress),
    )
    .map_err(|e| e.to_string())
}
