//! Figures for the demo secondary school's personal timetable (docs/benchmarks.md):
//! time to the first complete timetable on one and two threads, placed classes,
//! requests met, and the re-solve after one teacher is away for a day.
//!
//! `cargo run --release -p village-demo --example timetable_figures [SEED] [SECONDS] [BALANCED_WEEK] [PERTURBATION] [STAFF_BALANCED_WEEK]`
//!
//! With `FIGURES_ITERATIONS=BASE,RESOLVE` in the environment the runs are deterministic,
//! to compare settings without the noise of timing: one thread throughout, the base
//! timetable after BASE iterations, each re-solve after RESOLVE (no stall limit).

use village_demo::timetable;

use std::error::Error;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use village_timetable::cover::{arrange_cover, CoverLine};
use village_timetable::published::RESOLVE_STALL;
use village_timetable::school::{assignment_changes, carry_over, School, SchoolOutcome};
use village_timetable::solver::{time_locked_groups, Progress, SolveOptions};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let seed: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1);
    let seconds: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(60.0);
    // Optional: how much an even week weighs (the demo's own setting when left out).
    let balanced_week: Option<u32> = args.next().map(|a| a.parse()).transpose()?;
    // Optional: the re-solve's perturbation penalty (the solver's default when left out).
    let perturbation: Option<u32> = args.next().map(|a| a.parse()).transpose()?;
    // Optional: how much an even week weighs for staff (the demo's own when left out).
    let staff_balanced_week: Option<u32> = args.next().map(|a| a.parse()).transpose()?;
    let built = Instant::now();
    let sample = timetable::sample_facts(seed);
    let mut school: School = timetable::secondary_model(&sample.facts());
    if let Some(w) = balanced_week {
        school.balanced_week = w;
    }
    if let Some(w) = staff_balanced_week {
        school.staff_balanced_week = w;
    }
    let compiled = school.compile()?;
    let p = &compiled.problem;
    let requests: usize = p.students.iter().map(|s| s.requests.len()).sum();
    println!(
        "balanced_week: {}; staff_balanced_week: {}",
        school.balanced_week, school.staff_balanced_week
    );
    println!(
        "model: {} pupils, {} staff, {} rooms, {} offers, {} classes, {} requests, {} distributions; built and compiled in {:.2} s",
        school.pupils.len(),
        school.staff.len(),
        school.rooms.len(),
        school.offers.len(),
        p.classes.len(),
        requests,
        p.distributions.len(),
        built.elapsed().as_secs_f64()
    );
    // Deterministic runs: (base iterations, re-solve iterations).
    let iterations: Option<(u64, u64)> = match std::env::var("FIGURES_ITERATIONS") {
        Ok(v) => {
            let (a, b) = v
                .split_once(',')
                .ok_or("FIGURES_ITERATIONS is BASE,RESOLVE")?;
            Some((a.trim().parse()?, b.trim().parse()?))
        }
        Err(_) => None,
    };
    let thread_counts: &[usize] = if iterations.is_some() { &[1] } else { &[1, 2] };
    let mut base: Option<SchoolOutcome> = None;
    for &threads in thread_counts {
        let first_complete: Mutex<Option<f64>> = Mutex::new(None);
        let progress = |pr: &Progress| {
            if pr.best_hard == 0 {
                if let Ok(mut g) = first_complete.lock() {
                    if g.is_none() {
                        *g = Some(pr.seconds);
                    }
                }
            }
            let tick = ((pr.seconds * 4.0) as u64).is_multiple_of(20);
            if pr.thread == 0 && (tick || pr.phase == "done") {
                eprintln!(
                    "  [{threads}t] {:>6.1}s it {:>8} {:<6} cur ({}, {}) best ({}, {})",
                    pr.seconds,
                    pr.iteration,
                    pr.phase,
                    pr.hard,
                    pr.soft,
                    pr.best_hard,
                    pr.best_soft
                );
            }
        };
        let options = SolveOptions {
            time_limit: Duration::from_secs_f64(seconds),
            seed,
            threads,
            max_iterations: iterations.map(|(b, _)| b),
            ..SolveOptions::default()
        };
        let out = school.solve(&options, Some(&progress))?;
        let ev = out.evaluation();
        let (met, total) = requests_met(&out.compiled.problem, &out.result.solution);
        println!(
            "{threads} thread(s): first complete timetable at {} s; {} / {} classes placed cleanly; hard violations {}; requests met {met} / {total} ({:.1}%); stopped after {:.1} s",
            first_complete
                .lock()
                .ok()
                .and_then(|g| *g)
                .map(|s| format!("{s:.1}"))
                .unwrap_or_else(|| "never".into()),
            ev.placed_cleanly(),
            ev.total_classes,
            ev.hard.len(),
            100.0 * met as f64 / total.max(1) as f64,
            out.result.seconds
        );
        let days = out.pupil_days();
        println!(
            "  pupils' days: {} in the cycle; {} with free time between lessons ({:.1}%), {} with an hour or more ({:.1}%); {:.1} free minutes a pupil-day on average",
            days.days,
            days.with_free_time,
            100.0 * days.with_free_time as f64 / days.days.max(1) as f64,
            days.with_free_hour,
            100.0 * days.with_free_hour as f64 / days.days.max(1) as f64,
            days.free_minutes as f64 / days.days.max(1) as f64
        );
        println!(
            "  pupils' weeks: a day's lessons {:.1} min from the pupil's mean day (standard deviation, mean over pupils); heaviest day less lightest {:.1} min on average; {} of {} pupils ({:.1}%) with two hours or more between them",
            days.day_sd_minutes as f64 / days.pupils.max(1) as f64,
            days.spread_minutes as f64 / days.pupils.max(1) as f64,
            days.uneven_pupils,
            days.pupils,
            100.0 * days.uneven_pupils as f64 / days.pupils.max(1) as f64
        );
        let staff = out.staff_days();
        println!(
            "  staff weeks: a working day's teaching {:.1} min from the staff member's mean working day (standard deviation, mean over staff); {} of {} staff with two hours or more between their heaviest and lightest working day",
            staff.day_sd_minutes as f64 / staff.staff.max(1) as f64,
            staff.uneven_staff,
            staff.staff
        );
        for h in ev.hard.iter().take(5) {
            println!("  hard: {}", h.message);
        }
        base = Some(out);
    }
    let base = base.ok_or("no timetable")?;
    // Re-solve after one teacher is away for a day: ten teachers spread over the list,
    // each on another day, from the last timetable (two threads; one when deterministic).
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri"];
    let trials = 10usize;
    let mut shares = Vec::new();
    let mut floors = Vec::new();
    let mut tighter_floors = Vec::new();
    let mut times = Vec::new();
    let (mut cover_shares, mut cover_times) = (Vec::new(), Vec::new());
    let (mut covered_lessons, mut away_lessons) = (0usize, 0usize);
    let groups = time_locked_groups(&base.compiled.problem);
    for trial in 0..trials {
        let teacher = sample
            .teachers
            .get(trial * sample.teachers.len() / trials + 3)
            .ok_or("too few teachers")?
            .to_string();
        let day = days.get(trial % days.len()).copied().unwrap_or("Mon");
        let lessons_that_day = base
            .staff_timetable(&teacher)
            .iter()
            .filter(|l| l.day == day)
            .count();
        let units = moving_units(&base, &groups, &teacher, day);
        let floor = unavoidable_changes(&base, &units);
        // Timed as the platform does it (change the model, compile, carry over, solve);
        // the tighter floor, which only these figures need, after the clock stops.
        let plain = Resolve {
            school: &school,
            base: &base,
            teacher: &teacher,
            day,
            seed,
            iterations: iterations.map(|(_, r)| r),
            perturbation,
        };
        let Resolved {
            seconds,
            repaired,
            out,
            ..
        } = plain.run(false)?;
        let tighter = swap_floor(&base, &out.compiled, &groups, &units);
        let c = assignment_changes(
            &base.compiled,
            &base.result.solution,
            &out.compiled,
            &out.result.solution,
        );
        let (met, total) = requests_met(&out.compiled.problem, &out.result.solution);
        println!(
            "re-solve: teacher {teacher} away on {day} ({lessons_that_day} of their lessons fall on that day): {:.2} s (complete at {repaired:.2} s), hard violations {}, {} / {} pupil-session assignments changed ({:.2}%; {} as their lesson moved, {} by pupils changing class), {} classes moved, requests met {met} / {total}",
            seconds,
            out.evaluation().hard.len(),
            c.changed,
            c.pupil_sessions,
            100.0 * c.changed as f64 / c.pupil_sessions.max(1) as f64,
            c.lesson_moved,
            c.changed - c.lesson_moved,
            c.moved_classes
        );
        println!(
            "  unavoidable: {floor} ({:.2}%), the pupils of the lessons that must move, with the sets blocked with them",
            100.0 * floor as f64 / c.pupil_sessions.max(1) as f64
        );
        println!(
            "  and with the pupils who must change too wherever those lessons go (busy then, or in a lesson of the same staff then): {tighter} ({:.2}%)",
            100.0 * tighter as f64 / c.pupil_sessions.max(1) as f64
        );
        let days = out.pupil_days();
        println!(
            "  pupils' days after it: {:.1} free minutes a pupil-day ({:.1}% of days with an hour or more); a day {:.1} min from the pupil's mean day",
            days.free_minutes as f64 / days.days.max(1) as f64,
            100.0 * days.with_free_hour as f64 / days.days.max(1) as f64,
            days.day_sd_minutes as f64 / days.pupils.max(1) as f64
        );
        // The same absence answered first with cover by free colleagues.
        let Resolved {
            seconds: cover_seconds,
            out: cover_out,
            cover: lines,
            ..
        } = plain.run(true)?;
        let cc = assignment_changes(
            &base.compiled,
            &base.result.solution,
            &cover_out.compiled,
            &cover_out.result.solution,
        );
        let covered = lines.iter().filter(|l| l.by.is_some()).count();
        let specialists = lines.iter().filter(|l| l.specialist).count();
        println!(
            "  with cover: {covered} of {} lessons covered by a free colleague ({specialists} by a teacher of the subject); {cover_seconds:.2} s in all, hard violations {}, {} pupil-session assignments changed ({:.2}%), {} classes moved",
            lines.len(),
            cover_out.evaluation().hard.len(),
            cc.changed,
            100.0 * cc.changed as f64 / cc.pupil_sessions.max(1) as f64,
            cc.moved_classes
        );
        cover_shares.push(100.0 * cc.changed as f64 / cc.pupil_sessions.max(1) as f64);
        cover_times.push(cover_seconds);
        covered_lessons += covered;
        away_lessons += lines.len();
        shares.push(100.0 * c.changed as f64 / c.pupil_sessions.max(1) as f64);
        floors.push(100.0 * floor as f64 / c.pupil_sessions.max(1) as f64);
        tighter_floors.push(100.0 * tighter as f64 / c.pupil_sessions.max(1) as f64);
        times.push(seconds);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let max = |v: &[f64]| v.iter().copied().fold(0.0f64, f64::max);
    let under = shares.iter().filter(|s| **s < 2.0).count();
    let floor_under = floors.iter().filter(|s| **s < 2.0).count();
    let tighter_under = tighter_floors.iter().filter(|s| **s < 2.0).count();
    println!(
        "re-solves: mean {:.2} s (max {:.2} s); changed mean {:.2}% (max {:.2}%); {under} of {} under 2%; unavoidable mean {:.2}% (max {:.2}%), {floor_under} under 2%; with those who must change too: mean {:.2}% (max {:.2}%), {tighter_under} under 2%",
        mean(&times),
        max(&times),
        mean(&shares),
        max(&shares),
        shares.len(),
        mean(&floors),
        max(&floors),
        mean(&tighter_floors),
        max(&tighter_floors),
    );
    println!(
        "with cover first: {covered_lessons} of {away_lessons} lessons covered; re-solves mean {:.2} s (max {:.2} s); changed mean {:.2}% (max {:.2}%); {} of {} under 2%",
        mean(&cover_times),
        max(&cover_times),
        mean(&cover_shares),
        max(&cover_shares),
        cover_shares.iter().filter(|s| **s < 2.0).count(),
        cover_shares.len(),
    );
    Ok(())
}

/// What one re-solve gave.
struct Resolved {
    /// Seconds in all, and to the first complete timetable.
    seconds: f64,
    repaired: f64,
    out: SchoolOutcome,
    /// The cover arranged (none without cover).
    cover: Vec<CoverLine>,
}

/// One re-solve after `teacher` is away on `day`, timed as the platform runs it: change
/// the model (and, with cover, give the lessons to free colleagues), compile, carry the
/// old timetable over, solve.
struct Resolve<'a> {
    school: &'a School,
    base: &'a SchoolOutcome,
    teacher: &'a str,
    day: &'a str,
    seed: u64,
    /// Deterministic runs: the re-solve's iterations.
    iterations: Option<u64>,
    perturbation: Option<u32>,
}

impl Resolve<'_> {
    fn run(&self, cover: bool) -> Result<Resolved, Box<dyn Error>> {
        let started = Instant::now();
        let mut changed = self.school.clone();
        changed.mark_unavailable(self.teacher, self.day)?;
        let lines = if cover {
            arrange_cover(
                &mut changed,
                &self.base.compiled,
                &self.base.result.solution,
                self.teacher,
                self.day,
            )?
        } else {
            Vec::new()
        };
        let next = changed.compile()?;
        let initial = carry_over(&self.base.compiled, &self.base.result.solution, &next);
        let options = SolveOptions {
            time_limit: Duration::from_secs(30),
            seed: self.seed,
            threads: if self.iterations.is_some() { 1 } else { 2 },
            initial: Some(initial),
            max_iterations: self.iterations,
            stall_limit: if self.iterations.is_some() {
                None
            } else {
                Some(RESOLVE_STALL)
            },
            perturbation_penalty: self
                .perturbation
                .unwrap_or(SolveOptions::default().perturbation_penalty),
            ..SolveOptions::default()
        };
        // When the re-solve first had every lesson placed with no rule broken; after
        // that it only improves (until nothing better turns up for the stall limit).
        let repaired: Mutex<Option<f64>> = Mutex::new(None);
        let progress = |pr: &Progress| {
            if pr.best_hard == 0 {
                if let Ok(mut g) = repaired.lock() {
                    g.get_or_insert(pr.seconds);
                }
            }
        };
        let out = changed.solve(&options, Some(&progress))?;
        let seconds = started.elapsed().as_secs_f64();
        let repaired = repaired.lock().ok().and_then(|g| *g).unwrap_or(f64::NAN);
        Ok(Resolved {
            seconds,
            repaired,
            out,
            cover: lines,
        })
    }
}

/// The classes that must move when `teacher` is away on `day`, unit by unit: each of
/// their lessons that day with the classes time-locked with it (a blocked set moves with
/// its block).
fn moving_units(
    base: &SchoolOutcome,
    groups: &[Vec<usize>],
    teacher: &str,
    day: &str,
) -> Vec<Vec<usize>> {
    let compiled = &base.compiled;
    let solution = &base.result.solution;
    let Some(d) = compiled.day_names.iter().position(|n| n == day) else {
        return Vec::new();
    };
    let on_day = |c: usize| {
        let pl = solution.placements.get(c).copied().flatten();
        pl.and_then(|pl| compiled.problem.classes.get(c)?.times.get(pl.time))
            .is_some_and(|t| t.pattern.days & (1 << d) != 0)
    };
    let mut units: Vec<Vec<usize>> = Vec::new();
    for (c, info) in compiled.classes.iter().enumerate() {
        if info.staff == teacher && on_day(c) && !units.iter().any(|u| u.contains(&c)) {
            units.push(match groups.iter().find(|g| g.contains(&c)) {
                Some(g) => g.clone(),
                None => vec![c],
            });
        }
    }
    units
}

/// Pupil-session assignments a re-solve must change: every pupil of every moving class.
fn unavoidable_changes(base: &SchoolOutcome, units: &[Vec<usize>]) -> usize {
    base.result
        .solution
        .enrollments
        .iter()
        .flatten()
        .filter(|c| units.iter().any(|u| u.contains(c)))
        .count()
}

/// A tighter floor. Each moving unit must take a time it may have in the new problem
/// (where the absent teacher's classes have none on that day), and no two units at once
/// (each holds a lesson of the absent teacher). At a time `t`, these pupils have at least
/// one change more than the floor counts, each their own:
/// - a pupil of the unit who must keep it (a mandatory request: a pupil free to drop
///   it changes no more than the floor counts) and is already busy at `t` with a lesson
///   that is not moving: that lesson moves, or the pupil leaves it or moves to another
///   group;
/// - every learner of a lesson that is not moving, overlaps `t` and is taught by one of
///   the unit's staff, and of the lessons time-locked with it: they must all move.
///
/// Rooms, travel and where the displaced lessons go are left out, which can only lower
/// the floor. The fewest such pupils over every choice of times (a branch and bound over
/// the units that have no time free of them) is added to the floor.
fn swap_floor(
    base: &SchoolOutcome,
    next: &village_timetable::school::Compiled,
    groups: &[Vec<usize>],
    units: &[Vec<usize>],
) -> usize {
    use std::collections::HashSet;
    use village_timetable::model::TimePattern;
    let old = &base.compiled.problem;
    let sol = &base.result.solution;
    let moving: HashSet<usize> = units.iter().flatten().copied().collect();
    let next_index = next.problem.class_indices();
    let at: Vec<Option<TimePattern>> = (0..old.classes.len())
        .map(|c| {
            let pl = sol.placements.get(c).copied().flatten()?;
            old.classes.get(c)?.times.get(pl.time).map(|t| t.pattern)
        })
        .collect();
    let mut learners: Vec<Vec<usize>> = vec![Vec::new(); old.classes.len()];
    for (s, e) in sol.enrollments.iter().enumerate() {
        for &c in e {
            if let Some(l) = learners.get_mut(c) {
                l.push(s);
            }
        }
    }
    let locked_with = |c: usize| -> Vec<usize> {
        groups
            .iter()
            .find(|g| g.contains(&c))
            .cloned()
            .unwrap_or_else(|| vec![c])
    };
    let overlaps =
        |c: usize, t: &TimePattern| at.get(c).copied().flatten().is_some_and(|p| p.overlaps(t));
    let learners_of = |c: usize| learners.get(c).map(Vec::as_slice).unwrap_or(&[]);
    // Is learner `s` bound to stay in class `c`'s course (or an alternative to it)?
    let must_keep = |s: usize, c: usize| {
        let (Some(st), Some(cl)) = (old.students.get(s), old.classes.get(c)) else {
            return false;
        };
        let mut asking = st
            .requests
            .iter()
            .filter(|r| r.courses.contains(&cl.course))
            .peekable();
        asking.peek().is_some() && asking.all(|r| r.mandatory)
    };
    // For each unit, each time it may take and the pupils it would cost there.
    let mut options: Vec<Vec<(TimePattern, Vec<usize>)>> = Vec::new();
    for unit in units {
        let staff: HashSet<&str> = unit
            .iter()
            .filter_map(|&c| base.compiled.classes.get(c))
            .map(|i| i.staff.as_str())
            .collect();
        let pupils: HashSet<usize> = unit
            .iter()
            .flat_map(|&c| learners_of(c).iter().map(move |&s| (s, c)))
            .filter(|&(s, c)| must_keep(s, c))
            .map(|(s, _)| s)
            .collect();
        let mut times: Option<HashSet<TimePattern>> = None;
        for &c in unit {
            let Some(nc) = old
                .classes
                .get(c)
                .and_then(|cl| next_index.get(cl.id.as_str()))
                .and_then(|&i| next.problem.classes.get(i))
            else {
                continue;
            };
            let here: HashSet<TimePattern> = nc.times.iter().map(|t| t.pattern).collect();
            times = Some(match times {
                None => here,
                Some(t) => t.intersection(&here).copied().collect(),
            });
        }
        let mut opts: Vec<(TimePattern, Vec<usize>)> = times
            .unwrap_or_default()
            .into_iter()
            .map(|t| {
                let mut cost: HashSet<usize> = pupils
                    .iter()
                    .copied()
                    .filter(|&s| {
                        sol.enrollments.get(s).is_some_and(|e| {
                            e.iter().any(|&c| !moving.contains(&c) && overlaps(c, &t))
                        })
                    })
                    .collect();
                for (c, info) in base.compiled.classes.iter().enumerate() {
                    if !moving.contains(&c)
                        && staff.contains(info.staff.as_str())
                        && overlaps(c, &t)
                    {
                        for d in locked_with(c) {
                            cost.extend(learners_of(d).iter().copied());
                        }
                    }
                }
                let mut cost: Vec<usize> = cost.into_iter().collect();
                cost.sort_unstable();
                (t, cost)
            })
            .collect();
        opts.sort_by_key(|(_, cost)| cost.len());
        options.push(opts);
    }
    // Units with a time that costs nothing take it (dropping the rule that units do not
    // overlap for them only lowers the floor); the others are chosen together.
    let hard: Vec<&Vec<(TimePattern, Vec<usize>)>> = options
        .iter()
        .filter(|o| o.first().is_some_and(|(_, c)| !c.is_empty()))
        .collect();
    let mut best = usize::MAX;
    let mut chosen: Vec<TimePattern> = Vec::new();
    let mut union: HashSet<usize> = HashSet::new();
    fn search(
        hard: &[&Vec<(TimePattern, Vec<usize>)>],
        chosen: &mut Vec<TimePattern>,
        union: &mut HashSet<usize>,
        best: &mut usize,
    ) {
        if union.len() >= *best {
            return;
        }
        let Some((first, rest)) = hard.split_first() else {
            *best = union.len();
            return;
        };
        for (t, cost) in first.iter() {
            if chosen.iter().any(|c| c.overlaps(t)) {
                continue;
            }
            let added: Vec<usize> = cost.iter().copied().filter(|s| union.insert(*s)).collect();
            chosen.push(*t);
            search(rest, chosen, union, best);
            chosen.pop();
            for s in added {
                union.remove(&s);
            }
        }
    }
    search(&hard, &mut chosen, &mut union, &mut best);
    let extra = if best == usize::MAX { 0 } else { best };
    unavoidable_changes(base, units) + extra
}

/// Requests met (any alternative) and all requests.
fn requests_met(p: &village_timetable::Problem, s: &village_timetable::Solution) -> (usize, usize) {
    let mut met = 0;
    let mut total = 0;
    for (si, st) in p.students.iter().enumerate() {
        let courses: std::collections::BTreeSet<usize> = s
            .enrollments
            .get(si)
            .map(|v| {
                v.iter()
                    .filter_map(|&c| p.classes.get(c))
                    .map(|c| c.course)
                    .collect()
            })
            .unwrap_or_default();
        for r in &st.requests {
            total += 1;
            if r.courses.iter().any(|c| courses.contains(c)) {
                met += 1;
            }
        }
    }
    (met, total)
}
