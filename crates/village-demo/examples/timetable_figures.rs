//! Figures for the demo secondary school's personal timetable (docs/benchmarks.md):
//! time to the first complete timetable on one and two threads, placed classes,
//! requests met, and the re-solve after one teacher is away for a day.
//!
//! `cargo run --release -p village-demo --example timetable_figures [SEED] [SECONDS] [BALANCED_WEEK] [PERTURBATION] [STAFF_BALANCED_WEEK]`

use village_demo::timetable;

use std::error::Error;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
    let mut base: Option<SchoolOutcome> = None;
    for threads in [1usize, 2] {
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
    // each on another day, from the two-thread timetable.
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri"];
    let trials = 10usize;
    let mut shares = Vec::new();
    let mut floors = Vec::new();
    let mut times = Vec::new();
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
        let floor = unavoidable_changes(&base, &groups, &teacher, day);
        let started = Instant::now();
        let mut changed = school.clone();
        changed.mark_unavailable(&teacher, day)?;
        let next = changed.compile()?;
        let initial = carry_over(&base.compiled, &base.result.solution, &next);
        let options = SolveOptions {
            time_limit: Duration::from_secs(30),
            seed,
            threads: 2,
            initial: Some(initial),
            stall_limit: Some(Duration::from_millis(500)),
            perturbation_penalty: perturbation
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
        let days = out.pupil_days();
        println!(
            "  pupils' days after it: {:.1} free minutes a pupil-day ({:.1}% of days with an hour or more); a day {:.1} min from the pupil's mean day",
            days.free_minutes as f64 / days.days.max(1) as f64,
            100.0 * days.with_free_hour as f64 / days.days.max(1) as f64,
            days.day_sd_minutes as f64 / days.pupils.max(1) as f64
        );
        shares.push(100.0 * c.changed as f64 / c.pupil_sessions.max(1) as f64);
        floors.push(100.0 * floor as f64 / c.pupil_sessions.max(1) as f64);
        times.push(seconds);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let max = |v: &[f64]| v.iter().copied().fold(0.0f64, f64::max);
    let under = shares.iter().filter(|s| **s < 2.0).count();
    let floor_under = floors.iter().filter(|s| **s < 2.0).count();
    println!(
        "re-solves: mean {:.2} s (max {:.2} s); changed mean {:.2}% (max {:.2}%); {under} of {} under 2%; unavoidable mean {:.2}% (max {:.2}%), {floor_under} under 2%",
        mean(&times),
        max(&times),
        mean(&shares),
        max(&shares),
        shares.len(),
        mean(&floors),
        max(&floors),
    );
    Ok(())
}

/// Pupil-session assignments a re-solve must change when `teacher` is away on `day`: every
/// pupil of each of their lessons that day, and of the classes time-locked with it (a
/// blocked set moves with its block).
fn unavoidable_changes(
    base: &SchoolOutcome,
    groups: &[Vec<usize>],
    teacher: &str,
    day: &str,
) -> usize {
    let compiled = &base.compiled;
    let solution = &base.result.solution;
    let Some(d) = compiled.day_names.iter().position(|n| n == day) else {
        return 0;
    };
    let on_day = |c: usize| {
        let pl = solution.placements.get(c).copied().flatten();
        pl.and_then(|pl| compiled.problem.classes.get(c)?.times.get(pl.time))
            .is_some_and(|t| t.pattern.days & (1 << d) != 0)
    };
    let mut moving = std::collections::BTreeSet::new();
    for (c, info) in compiled.classes.iter().enumerate() {
        if info.staff == teacher && on_day(c) {
            match groups.iter().find(|g| g.contains(&c)) {
                Some(g) => moving.extend(g.iter().copied()),
                None => {
                    moving.insert(c);
                }
            }
        }
    }
    solution
        .enrollments
        .iter()
        .flatten()
        .filter(|c| moving.contains(c))
        .count()
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
