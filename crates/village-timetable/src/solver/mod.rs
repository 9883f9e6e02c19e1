//! The solver: places classes in time and rooms and sections students, together.
//!
//! Each run builds a timetable greedily (classes with the fewest candidates first), sections
//! every student by branch and bound, then alternates two phases until stopped: while hard
//! rules are broken, a min-conflicts repair with a short tabu list moves classes that are
//! in conflict to their cheapest candidate; once the timetable is hard-feasible, or only
//! violations repair cannot mend are left, simulated annealing on the weighted objective
//! moves classes (a move blocked by another class is sometimes tried as a chain that moves
//! that class too) and re-sections students (making room in a full section by moving
//! another student out). While violations are left, the annealing also swaps two lessons
//! of one person's week, starts half its moves from a class in a violation, and now and
//! then takes a move that breaks one more rule; repair that finds nothing better goes back
//! to the best timetable seen. Several runs with different seeds go on in parallel
//! threads; the best result wins.
//!
//! A run is deterministic for a given seed, thread count and `max_iterations` when no time
//! limit interrupts it; until its first complete timetable, each thread's way is the same
//! for its seed with any time limit (the annealing cools by iterations while hard rules
//! are broken). Runs stop at the time limit, at `max_iterations`, or when the
//! cancel flag is set, and always return the best solution seen.

mod eject;
mod minimal;
mod rng;
mod search;
mod sections;
mod swap;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::Error;
use crate::eval::{evaluate, Evaluation};
use crate::model::{Placement, Problem, Solution};

/// How to run the solver.
#[derive(Debug, Clone)]
pub struct SolveOptions {
    pub time_limit: Duration,
    pub seed: u64,
    /// Parallel runs (each on its own thread). 0 means one per available core.
    pub threads: usize,
    /// Stop after this many iterations per run (makes runs reproducible).
    pub max_iterations: Option<u64>,
    /// Set to `true` from another thread to stop early; the best solution so far is returned.
    pub cancel: Option<Arc<AtomicBool>>,
    /// An existing timetable to stay close to when re-solving mid-year.
    pub initial: Option<Solution>,
    /// Soft cost, when re-solving from `initial`, of each change to a learner's timetable
    /// (one of their lessons moving, or them joining a class they were not in), and of
    /// each class that moves. The default, 30, weighs a change like two and a half hours
    /// of a pupil's free time between lessons: on the demo school it changed about a
    /// quarter fewer lessons than 10 did, with as many requests met (docs/benchmarks.md).
    pub perturbation_penalty: u32,
    /// Stop early once the best timetable is complete with no hard violation and has not
    /// improved for this long (a re-solve from `initial` needs only a repair).
    pub stall_limit: Option<Duration>,
    /// Stop every run as soon as any has a complete timetable (every class placed, no hard
    /// violation), instead of improving it until the time limit: for scripts that ask only
    /// how long a complete timetable takes.
    pub stop_when_complete: bool,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            time_limit: Duration::from_secs(60),
            seed: 1,
            threads: 0,
            max_iterations: None,
            cancel: None,
            initial: None,
            perturbation_penalty: 30,
            stall_limit: None,
            stop_when_complete: false,
        }
    }
}

/// A progress report, sent while the solver runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Progress {
    pub thread: usize,
    pub iteration: u64,
    pub seconds: f64,
    /// `repair` (classes left out), `anneal`, `complete` (the first complete timetable,
    /// said at once), `restart` (the run starts again from nothing, keeping its best) or
    /// `done`.
    pub phase: &'static str,
    /// Current (hard, soft) of this run.
    pub hard: i64,
    pub soft: i64,
    /// Best (hard, soft) over all runs so far.
    pub best_hard: i64,
    pub best_soft: i64,
}

/// Why the solver stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StopReason {
    TimeLimit,
    Iterations,
    Cancelled,
    /// A complete timetable was found and `stop_when_complete` was set.
    Complete,
    /// The complete timetable had not improved for `stall_limit`, in every thread.
    Stalled,
}

/// What the solver found, checked by the independent evaluator.
#[derive(Debug, Clone)]
pub struct SolveResult {
    pub solution: Solution,
    pub evaluation: Evaluation,
    pub seconds: f64,
    pub iterations: u64,
    /// How often a run started again from nothing, over all threads.
    pub restarts: u64,
    pub threads: usize,
    pub stop: StopReason,
}

/// Classes that always take one time pattern together (a year's blocked sets, an option
/// block), as the solver finds them: moving one moves them all. Classes in no such group
/// are left out.
pub fn time_locked_groups(problem: &Problem) -> Vec<Vec<usize>> {
    search::time_locked_groups(problem).1
}

/// Solve `problem`. `progress` is called from the solver threads every quarter second or so.
pub fn solve(
    problem: &Problem,
    options: &SolveOptions,
    progress: Option<&(dyn Fn(&Progress) + Sync)>,
) -> Result<SolveResult, Error> {
    if problem.classes.is_empty() {
        return Err(Error::Empty(format!(
            "problem `{}` has no classes to place",
            problem.name
        )));
    }
    if let Some(init) = &options.initial {
        if init.placements.len() != problem.classes.len() {
            return Err(Error::Solution(format!(
                "the initial timetable has {} classes but the problem has {}",
                init.placements.len(),
                problem.classes.len()
            )));
        }
    }
    let start = Instant::now();
    let deadline = start + options.time_limit;
    let threads = match options.threads {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4),
        n => n.min(64),
    };
    let model = search::Model::new(
        problem,
        options.initial.as_ref(),
        options.perturbation_penalty,
    );
    let user_cancel = options.cancel.clone();
    let complete = AtomicBool::new(false);
    let cancelled = || {
        user_cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
            || complete.load(Ordering::Relaxed)
    };
    let global_best: Mutex<(i64, i64)> = Mutex::new((i64::MAX, i64::MAX));

    let run_one = |thread: usize| {
        let report = |it: u64, cur: (i64, i64), best: (i64, i64), phase: &'static str| {
            let overall = match global_best.lock() {
                Ok(mut g) => {
                    if best < *g {
                        *g = best;
                    }
                    *g
                }
                Err(_) => best,
            };
            // The reported cost counts unplaced classes as hard: 0 is complete.
            if options.stop_when_complete && overall.0 == 0 {
                complete.store(true, Ordering::Relaxed);
            }
            if let Some(cb) = progress {
                cb(&Progress {
                    thread,
                    iteration: it,
                    seconds: start.elapsed().as_secs_f64(),
                    phase,
                    hard: cur.0,
                    soft: cur.1,
                    best_hard: overall.0,
                    best_soft: overall.1,
                });
            }
        };
        let ctl = search::Control {
            start,
            deadline,
            max_iterations: options.max_iterations,
            stall: options.stall_limit,
            stop: &cancelled,
            report: &report,
            // A portfolio: every second thread restarts sooner when stuck with hard
            // violations (see `search::RESTART_AFTER_SHORT`).
            restart_after: if thread % 2 == 1 {
                search::RESTART_AFTER_SHORT
            } else {
                search::RESTART_AFTER
            },
        };
        let seed = options
            .seed
            .wrapping_add((thread as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let out = search::run(&model, seed, &ctl);
        report(out.iterations, out.cost, out.cost, "done");
        out
    };

    let mut outcomes = Vec::with_capacity(threads);
    if threads == 1 {
        outcomes.push(run_one(0));
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (1..threads)
                .map(|t| scope.spawn(move || run_one(t)))
                .collect();
            outcomes.push(run_one(0));
            for h in handles {
                if let Ok(o) = h.join() {
                    outcomes.push(o);
                }
            }
        });
    }
    let stalled = outcomes.iter().all(|o| o.stalled);
    let iterations = outcomes.iter().map(|o| o.iterations).sum();
    let restarts = outcomes.iter().map(|o| o.restarts).sum();
    let best = outcomes
        .into_iter()
        .min_by_key(|o| o.cost)
        .ok_or_else(|| Error::Contradiction("no solver run finished".into()))?;
    let placements = best
        .assign
        .iter()
        .enumerate()
        .map(|(c, &pi)| {
            model
                .dom
                .get(c)
                .and_then(|d| d.get(pi))
                .map(|cand| Placement {
                    time: cand.time,
                    room: cand.room,
                })
        })
        .collect();
    let solution = Solution {
        placements,
        enrollments: best.enrollments,
    };
    let evaluation = evaluate(problem, &solution);
    let stop = if complete.load(Ordering::Relaxed) {
        StopReason::Complete
    } else if cancelled() {
        StopReason::Cancelled
    } else if Instant::now() >= deadline {
        StopReason::TimeLimit
    } else if stalled {
        StopReason::Stalled
    } else {
        StopReason::Iterations
    };
    Ok(SolveResult {
        solution,
        evaluation,
        seconds: start.elapsed().as_secs_f64(),
        iterations,
        restarts,
        threads,
        stop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::itc2019::parse_problem;

    const SMALL: &str = r#"<problem name="small" nrDays="5" nrWeeks="1" slotsPerDay="288">
  <optimization time="1" room="1" distribution="1" student="1"/>
  <rooms><room id="1" capacity="30"/><room id="2" capacity="30"/></rooms>
  <courses>
    <course id="1"><config id="1">
      <subpart id="1"><class id="1" limit="20"><room id="1" penalty="0"/><room id="2" penalty="2"/>
        <time days="10000" start="100" length="12" weeks="1" penalty="0"/>
        <time days="01000" start="100" length="12" weeks="1" penalty="1"/></class></subpart>
      <subpart id="2">
        <class id="2" parent="1" limit="10"><room id="1" penalty="0"/>
          <time days="10000" start="100" length="12" weeks="1" penalty="0"/>
          <time days="10000" start="112" length="12" weeks="1" penalty="0"/></class>
        <class id="3" parent="1" limit="10"><room id="2" penalty="0"/>
          <time days="10000" start="100" length="12" weeks="1" penalty="0"/>
          <time days="00100" start="100" length="12" weeks="1" penalty="0"/></class>
      </subpart>
    </config></course>
  </courses>
  <distributions>
    <distribution type="NotOverlap" required="true"><class id="2"/><class id="3"/></distribution>
  </distributions>
  <students>
    <student id="a"><course id="1"/></student><student id="b"><course id="1"/></student>
  </students>
</problem>"#;

    #[test]
    fn solves_small_instance_and_agrees_with_the_evaluator() {
        let p = parse_problem(SMALL).unwrap();
        let opts = SolveOptions {
            time_limit: Duration::from_secs(5),
            threads: 1,
            max_iterations: Some(2000),
            ..SolveOptions::default()
        };
        let r = solve(&p, &opts, None).unwrap();
        assert!(r.evaluation.is_valid(), "{:?}", r.evaluation.hard);
        assert_eq!(r.evaluation.student_conflicts, 0);
        // Deterministic for a seed.
        let r2 = solve(&p, &opts, None).unwrap();
        assert_eq!(r.solution, r2.solution);
    }

    #[test]
    fn stops_at_the_first_complete_timetable_when_asked() {
        let p = parse_problem(SMALL).unwrap();
        let opts = SolveOptions {
            time_limit: Duration::from_secs(30),
            threads: 2,
            stop_when_complete: true,
            ..SolveOptions::default()
        };
        let r = solve(&p, &opts, None).unwrap();
        assert_eq!(r.stop, StopReason::Complete);
        assert!(r.evaluation.is_valid(), "{:?}", r.evaluation.hard);
        assert!(r.seconds < 10.0, "{}", r.seconds);
    }

    #[test]
    fn a_re_solve_that_brings_nothing_better_stops_on_its_stall_limit() {
        let p = parse_problem(SMALL).unwrap();
        let first = solve(
            &p,
            &SolveOptions {
                threads: 1,
                max_iterations: Some(2000),
                ..SolveOptions::default()
            },
            None,
        )
        .unwrap();
        let opts = SolveOptions {
            time_limit: Duration::from_secs(30),
            threads: 2,
            initial: Some(first.solution),
            stall_limit: Some(Duration::from_millis(20)),
            ..SolveOptions::default()
        };
        let again = solve(&p, &opts, None).unwrap();
        assert_eq!(again.stop, StopReason::Stalled);
        assert!(again.seconds < 5.0, "{} s", again.seconds);
        assert!(again.evaluation.is_valid(), "{:?}", again.evaluation.hard);
    }

    #[test]
    fn cancel_stops_at_once() {
        let p = parse_problem(SMALL).unwrap();
        let flag = Arc::new(AtomicBool::new(true));
        let opts = SolveOptions {
            time_limit: Duration::from_secs(30),
            threads: 2,
            cancel: Some(flag),
            ..SolveOptions::default()
        };
        let r = solve(&p, &opts, None).unwrap();
        assert_eq!(r.stop, StopReason::Cancelled);
        assert!(r.seconds < 5.0);
    }
}
