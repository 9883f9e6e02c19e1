//! A solved school timetable in the shape the platform keeps and shows: one lesson per
//! class with its times of day, who is in which lesson, the figures of the run, and the
//! report of what could not be done. Built once when a run finishes, so pages read rows
//! instead of compiling the school again.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::explain::{diagnose, explain_unmet_request_named, Naming, UnmetRequest};
use crate::model::Solution;
use crate::model::TimePattern;
use crate::school::{
    assignment_changes, carry_over, Breach, Compiled, PupilDays, School, SchoolOutcome, StaffDays,
};
use crate::solver::{Progress, SolveOptions};

/// A class of the solved timetable, placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedLesson {
    /// Index of the class in the compiled problem (and the solution).
    pub class_no: usize,
    pub class_id: String,
    pub offer: String,
    pub subject: String,
    pub set: String,
    /// The staff member's name in the school model.
    pub staff: String,
    pub room: Option<String>,
    /// Bit `d`: day `d` of the school's day list. Bit `w`: week `w` of the cycle.
    pub days: u32,
    pub weeks: u64,
    /// Minutes after midnight.
    pub start_minute: u32,
    pub end_minute: u32,
}

/// The figures of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunFigures {
    /// Classes placed, of all classes.
    pub placed: usize,
    pub total: usize,
    pub hard_violations: usize,
    pub soft_cost: i64,
    pub seconds: f64,
    pub pupils: usize,
    /// Pupils' requests (subjects, options and SECURE choices), and how many are met.
    pub requests: usize,
    pub requests_met: usize,
    /// Compared with the timetable the run started from, if any: pupil-session
    /// assignments, and how many of them changed.
    pub pupil_sessions: Option<usize>,
    pub changed: Option<usize>,
    /// Free time between lessons in pupils' days (runs kept before it was measured have
    /// none).
    #[serde(default)]
    pub pupil_days: Option<PupilDays>,
    /// How evenly staff members' weeks run (none for runs kept before it was measured).
    #[serde(default)]
    pub staff_days: Option<StaffDays>,
}

impl RunFigures {
    /// Share of requests met, in percent with one decimal.
    pub fn met_percent(&self) -> f64 {
        if self.requests == 0 {
            return 100.0;
        }
        (self.requests_met as f64 * 1000.0 / self.requests as f64).round() / 10.0
    }

    /// Share of pupil-session assignments that changed, in percent with two decimals.
    pub fn changed_percent(&self) -> Option<f64> {
        let (n, c) = (self.pupil_sessions?, self.changed?);
        Some(if n == 0 {
            0.0
        } else {
            (c as f64 * 10_000.0 / n as f64).round() / 100.0
        })
    }

    /// Free minutes between lessons in a pupil's day, on average, with one decimal.
    pub fn free_minutes_per_day(&self) -> Option<f64> {
        let d = self.pupil_days?;
        Some((d.free_minutes as f64 * 10.0 / d.days.max(1) as f64).round() / 10.0)
    }

    /// Share of pupils' days with an hour or more free between lessons, in percent.
    pub fn free_hour_percent(&self) -> Option<f64> {
        let d = self.pupil_days?;
        Some((d.with_free_hour as f64 * 1000.0 / d.days.max(1) as f64).round() / 10.0)
    }

    /// How far a pupil's day typically is from their mean day, in whole minutes of
    /// lessons (none for runs stored before it was measured).
    pub fn day_spread_minutes(&self) -> Option<u64> {
        let d = self.pupil_days?;
        (d.pupils > 0).then(|| (d.day_sd_minutes as f64 / d.pupils as f64).round() as u64)
    }

    /// How far a staff member's working day typically is from their mean working day, in
    /// whole minutes of teaching (none for runs stored before it was measured).
    pub fn staff_day_spread_minutes(&self) -> Option<u64> {
        let d = self.staff_days?;
        (d.staff > 0).then(|| (d.day_sd_minutes as f64 / d.staff as f64).round() as u64)
    }

    /// Complete: every class placed and no hard rule broken.
    pub fn complete(&self) -> bool {
        self.placed == self.total && self.hard_violations == 0
    }
}

/// One request a pupil made that the timetable does not meet, with the reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmetLine {
    pub pupil: String,
    /// What was asked for, in the school's words (`Mathematics, set 3`, `SECURE: ...`).
    pub request: String,
    pub reasons: Vec<String>,
}

/// What a run could not do: unmet requests and entitlement breaches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    pub unmet: Vec<UnmetLine>,
    /// (pupil, rule, reason).
    pub breaches: Vec<(String, String, String)>,
    /// Classes left unplaced or breaking a hard rule, in words.
    pub problems: Vec<String>,
    /// When the timetable is not complete: small sets of rules that together leave some
    /// lesson no possible time (a proof that no complete timetable exists), in words.
    #[serde(default)]
    pub conflicts: Vec<String>,
}

/// Work allowed to the search for conflicting rules (pair checks): well under a second.
const DIAGNOSE_BUDGET: u64 = 5_000_000;

/// The unmet requests of a solved school, explained with its subjects, sets and days
/// ("Science stretch (round 3) (Wed, week A, at 13:20) clashes with ...").
fn unmet_in_school_words(school: &School, outcome: &SchoolOutcome) -> Vec<UnmetRequest> {
    let c = &outcome.compiled;
    let p = &c.problem;
    let sol = &outcome.result.solution;
    let class = |i: usize| {
        let Some(info) = c.classes.get(i) else {
            return String::new();
        };
        let subject = school
            .offers
            .iter()
            .find(|o| o.id == info.offer)
            .map_or(info.offer.as_str(), |o| o.subject.as_str());
        if info.set.to_lowercase().contains(&subject.to_lowercase()) {
            info.set.clone()
        } else {
            format!("{subject}, {}", info.set)
        }
    };
    let time = |t: &TimePattern| {
        let day = c
            .day_names
            .get(t.first_day() as usize)
            .cloned()
            .unwrap_or_else(|| format!("day {}", t.first_day() + 1));
        let week = match (p.nr_weeks, t.weeks) {
            (2, 1) => ", week A",
            (2, 2) => ", week B",
            _ => "",
        };
        let m = t.start * c.minutes_per_slot;
        format!("{day}{week}, at {:02}:{:02}", m / 60, m % 60)
    };
    let naming = Naming {
        class: &class,
        time: &time,
        learner: Some("the pupil"),
    };
    let mut out = Vec::new();
    for (si, st) in p.students.iter().enumerate() {
        for ri in 0..st.requests.len() {
            if let Some(u) = explain_unmet_request_named(p, sol, si, ri, &naming) {
                out.push(u);
            }
        }
    }
    out
}

/// A request's label (`SECURE secure-y7-maths-stretch-r2`, `maths-ks3`) in the school's
/// words (`SECURE: Mathematics: stretch`, `Mathematics`).
fn readable_request(school: &School, label: &str) -> String {
    let (secure, id) = match label.strip_prefix("SECURE ") {
        Some(rest) => (true, rest),
        None => (false, label),
    };
    match school.offers.iter().find(|o| o.id == id) {
        Some(o) if secure => format!("SECURE: {}", crate::choices::choice_of(o)),
        Some(o) => o.subject.clone(),
        None if secure => format!("SECURE: {id}"),
        None => id.to_string(),
    }
}

/// The figures and report of a solved school.
pub fn figures_and_report(school: &School, outcome: &SchoolOutcome) -> (RunFigures, RunReport) {
    let ev = outcome.evaluation();
    let unmet = unmet_in_school_words(school, outcome);
    let requests: usize = outcome
        .compiled
        .problem
        .students
        .iter()
        .map(|s| s.requests.len())
        .sum();
    let figures = RunFigures {
        placed: ev.placed_cleanly(),
        total: ev.total_classes,
        hard_violations: ev.hard.len(),
        soft_cost: i64::try_from(ev.objective).unwrap_or(i64::MAX),
        seconds: outcome.result.seconds,
        pupils: outcome.compiled.problem.students.len(),
        requests,
        requests_met: requests.saturating_sub(unmet.len()),
        pupil_sessions: None,
        changed: None,
        pupil_days: Some(outcome.pupil_days()),
        staff_days: Some(outcome.staff_days()),
    };
    let hard: Vec<String> = ev.hard.iter().map(|h| h.message.clone()).collect();
    let mut report = report(
        &outcome.compiled,
        &unmet,
        &outcome.entitlement_breaches,
        &hard,
    );
    for u in &mut report.unmet {
        u.request = readable_request(school, &u.request);
    }
    if !ev.is_valid() {
        report.conflicts = diagnose(&outcome.compiled.problem, DIAGNOSE_BUDGET)
            .into_iter()
            .map(|i| i.message)
            .collect();
    }
    (figures, report)
}

/// A solved school, ready to be kept: the timetable, its figures and report, its lessons
/// and who is in each.
#[derive(Debug, Clone)]
pub struct Solved {
    pub solution: Solution,
    pub figures: RunFigures,
    pub report: RunReport,
    pub lessons: Vec<PublishedLesson>,
    pub places: Vec<(String, usize)>,
}

/// How long a re-solve goes on once its timetable is complete and nothing better turns
/// up. A re-solve needs a repair, not a new timetable: improving further would only trade
/// pupils' lessons moving for small gains, and the timetabler is waiting.
pub const RESOLVE_STALL: Duration = Duration::from_millis(500);

/// Solves `school`. With a `base` (an earlier version of the school and its timetable),
/// starts from that timetable carried over, stops once complete and stalled for
/// [`RESOLVE_STALL`] (unless `options` says otherwise), and counts how many pupils'
/// lessons changed. `options.initial` is set here from the base; the rest of `options` is
/// used as given.
pub fn solve_school(
    school: &School,
    base: Option<(&School, &Solution)>,
    options: &SolveOptions,
    progress: Option<&(dyn Fn(&Progress) + Sync)>,
) -> Result<Solved, Error> {
    let mut options = options.clone();
    let prev = match base {
        Some((prev_school, prev_solution)) => {
            let prev = prev_school.compile()?;
            let next = school.compile()?;
            options.initial = Some(carry_over(&prev, prev_solution, &next));
            options.stall_limit.get_or_insert(RESOLVE_STALL);
            Some((prev, prev_solution))
        }
        None => None,
    };
    let outcome = school.solve(&options, progress)?;
    let (mut figures, report) = figures_and_report(school, &outcome);
    if let Some((prev, prev_solution)) = prev {
        let changes = assignment_changes(
            &prev,
            prev_solution,
            &outcome.compiled,
            &outcome.result.solution,
        );
        figures.pupil_sessions = Some(changes.pupil_sessions);
        figures.changed = Some(changes.changed);
    }
    let solution = outcome.result.solution;
    Ok(Solved {
        lessons: lessons(school, &outcome.compiled, &solution),
        places: places(&outcome.compiled, &solution),
        solution,
        figures,
        report,
    })
}

/// Every placed class of `solution` as a lesson, in class order.
pub fn lessons(school: &School, compiled: &Compiled, solution: &Solution) -> Vec<PublishedLesson> {
    let p = &compiled.problem;
    let mps = compiled.minutes_per_slot;
    let mut out = Vec::new();
    for (c, class) in p.classes.iter().enumerate() {
        let (Some(info), Some(Some(pl))) = (compiled.classes.get(c), solution.placements.get(c))
        else {
            continue;
        };
        let Some(t) = class.times.get(pl.time) else {
            continue;
        };
        let subject = school
            .offers
            .iter()
            .find(|o| o.id == info.offer)
            .map_or_else(|| info.offer.clone(), |o| o.subject.clone());
        out.push(PublishedLesson {
            class_no: c,
            class_id: class.id.clone(),
            offer: info.offer.clone(),
            subject,
            set: info.set.clone(),
            staff: info.staff.clone(),
            room: pl.room.and_then(|r| p.rooms.get(r)).map(|r| r.id.clone()),
            days: t.pattern.days,
            weeks: t.pattern.weeks,
            start_minute: t.pattern.start * mps,
            end_minute: t.pattern.end() * mps,
        });
    }
    out
}

/// (pupil id, class number) for every pupil's place in a placed class.
pub fn places(compiled: &Compiled, solution: &Solution) -> Vec<(String, usize)> {
    let p = &compiled.problem;
    let mut out = Vec::new();
    for (si, st) in p.students.iter().enumerate() {
        for &c in solution
            .enrollments
            .get(si)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if solution.placements.get(c).is_some_and(Option::is_some) {
                out.push((st.id.clone(), c));
            }
        }
    }
    out
}

/// The report of a run: each unmet request labelled in the school's words.
pub fn report(
    compiled: &Compiled,
    unmet: &[UnmetRequest],
    breaches: &[Breach],
    hard: &[String],
) -> RunReport {
    let p = &compiled.problem;
    RunReport {
        unmet: unmet
            .iter()
            .map(|u| {
                let si = p.students.iter().position(|s| s.id == u.student);
                let label = si
                    .and_then(|si| compiled.request_labels.get(si))
                    .and_then(|l| l.get(u.request))
                    .cloned()
                    .unwrap_or_else(|| u.courses.join(" or "));
                UnmetLine {
                    pupil: u.student.clone(),
                    request: label,
                    reasons: u.reasons.clone(),
                }
            })
            .collect(),
        breaches: breaches
            .iter()
            .map(|b| (b.pupil.clone(), b.rule.clone(), b.reason.clone()))
            .collect(),
        problems: hard.to_vec(),
        conflicts: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn percentages_round_and_cope_with_nothing() {
        let mut f = RunFigures {
            requests: 3,
            requests_met: 2,
            ..RunFigures::default()
        };
        assert_eq!(f.met_percent(), 66.7);
        assert_eq!(f.changed_percent(), None);
        f.pupil_sessions = Some(0);
        f.changed = Some(0);
        assert_eq!(f.changed_percent(), Some(0.0));
        f.pupil_sessions = Some(30_000);
        f.changed = Some(123);
        assert_eq!(f.changed_percent(), Some(0.41));
        f.requests = 0;
        assert_eq!(f.met_percent(), 100.0);
    }
}
