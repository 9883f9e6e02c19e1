//! The evaluator: checks a solution and computes its objective exactly as the ITC 2019
//! specification defines it, independently of the solver (it shares no code with it
//! beyond the model types).
//!
//! Objective = w_time·Σ time penalties + w_room·Σ room penalties
//!           + w_dist·Σ soft distribution penalties + w_student·student conflicts
//!           (+ w_request·unmet optional requests, zero for ITC 2019 instances).

use std::collections::HashSet;

use serde::Serialize;

use crate::model::{
    back_to_back, day_load_cost, days_apart, gap_slots, real_days_of, school_excess, teaching_days,
    Distribution, DistributionKind, Placement, Problem, Solution, TimePattern,
};
use crate::places::{place_excess, Lesson};

/// What kind of hard rule a violation breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum HardKind {
    Unassigned,
    TimeNotInDomain,
    RoomNotInDomain,
    RoomUnavailable,
    RoomClash,
    Distribution,
    Enrollment,
    ClassLimit,
    StudentClash,
}

/// One broken hard rule, with the classes involved and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HardViolation {
    pub kind: HardKind,
    pub classes: Vec<usize>,
    /// Index of the distribution constraint, when `kind == Distribution`.
    pub distribution: Option<usize>,
    pub message: String,
}

/// The result of checking a solution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub hard: Vec<HardViolation>,
    pub time_penalty: u64,
    pub room_penalty: u64,
    pub distribution_penalty: u64,
    pub student_conflicts: u64,
    pub request_penalty: u64,
    /// Free slots between classes in learners' days (counted only when the problem gives
    /// them a weight: schools).
    pub student_gap_slots: u64,
    /// What the load of learners' days costs, already weighted (see
    /// [`crate::model::day_load_cost`]; counted only when the problem weighs it: schools).
    pub student_day_load: u64,
    /// The weighted sum (the ITC 2019 objective for ITC 2019 instances).
    pub objective: u64,
    pub assigned_classes: usize,
    pub total_classes: usize,
}

impl Evaluation {
    pub fn is_valid(&self) -> bool {
        self.hard.is_empty()
    }

    /// Number of classes placed and not involved in any hard violation.
    pub fn placed_cleanly(&self) -> usize {
        let mut bad = std::collections::BTreeSet::new();
        for v in &self.hard {
            if matches!(
                v.kind,
                HardKind::Unassigned
                    | HardKind::TimeNotInDomain
                    | HardKind::RoomNotInDomain
                    | HardKind::RoomUnavailable
                    | HardKind::RoomClash
                    | HardKind::Distribution
            ) {
                bad.extend(v.classes.iter().copied());
            }
        }
        self.total_classes.saturating_sub(bad.len())
    }
}

#[derive(Clone, Copy)]
struct Placed {
    t: TimePattern,
    room: Option<usize>,
}

/// Check `solution` against `problem`. Assignments that could not be matched to a class's
/// options when reading a solution file are left unplaced there, so they count as hard
/// violations here (and are listed in `ParsedSolution::issues`).
pub fn evaluate(problem: &Problem, solution: &Solution) -> Evaluation {
    let mut ev = Evaluation {
        hard: Vec::new(),
        time_penalty: 0,
        room_penalty: 0,
        distribution_penalty: 0,
        student_conflicts: 0,
        request_penalty: 0,
        student_gap_slots: 0,
        student_day_load: 0,
        objective: 0,
        assigned_classes: 0,
        total_classes: problem.classes.len(),
    };
    let name = |c: usize| problem.classes.get(c).map(|c| c.id.as_str()).unwrap_or("?");
    let hard = |kind: HardKind, classes: Vec<usize>, message: String| HardViolation {
        kind,
        classes,
        distribution: None,
        message,
    };

    // Placements, time and room penalties, domains, availability.
    let mut placed: Vec<Option<Placed>> = vec![None; problem.classes.len()];
    for (ci, class) in problem.classes.iter().enumerate() {
        let pl: Option<Placement> = solution.placements.get(ci).copied().flatten();
        let Some(pl) = pl else {
            ev.hard.push(hard(
                HardKind::Unassigned,
                vec![ci],
                format!("class {} is not placed", class.id),
            ));
            continue;
        };
        let Some(t) = class.times.get(pl.time) else {
            ev.hard.push(hard(
                HardKind::TimeNotInDomain,
                vec![ci],
                format!(
                    "class {} has a time that is not one of its options",
                    class.id
                ),
            ));
            continue;
        };
        ev.assigned_classes += 1;
        ev.time_penalty += u64::from(t.penalty);
        match (class.rooms.is_empty(), pl.room) {
            (true, None) => {}
            (true, Some(r)) => ev.hard.push(hard(
                HardKind::RoomNotInDomain,
                vec![ci],
                format!(
                    "class {} needs no room but was given room {}",
                    class.id,
                    problem.rooms.get(r).map(|r| r.id.as_str()).unwrap_or("?")
                ),
            )),
            (false, None) => match class.no_room {
                Some(penalty) => ev.room_penalty += u64::from(penalty),
                None => ev.hard.push(hard(
                    HardKind::RoomNotInDomain,
                    vec![ci],
                    format!("class {} needs a room but has none", class.id),
                )),
            },
            (false, Some(r)) => match class.rooms.iter().find(|o| o.room == r) {
                None => ev.hard.push(hard(
                    HardKind::RoomNotInDomain,
                    vec![ci],
                    format!(
                        "class {} is in room {}, which is not one of its options",
                        class.id,
                        problem.rooms.get(r).map(|r| r.id.as_str()).unwrap_or("?")
                    ),
                )),
                Some(o) => {
                    ev.room_penalty += u64::from(o.penalty);
                    if let Some(room) = problem.rooms.get(r) {
                        if room.unavailable.iter().any(|u| overlap(u, &t.pattern)) {
                            ev.hard.push(hard(
                                HardKind::RoomUnavailable,
                                vec![ci],
                                format!(
                                    "class {} is in room {} while the room is unavailable",
                                    class.id, room.id
                                ),
                            ));
                        }
                    }
                }
            },
        }
        if let Some(slot) = placed.get_mut(ci) {
            *slot = Some(Placed {
                t: t.pattern,
                room: pl.room,
            });
        }
    }

    // Room clashes: a class takes up its room and, in a way of using a virtual room,
    // its real rooms (`Room::taken`). A pair is one clash however many rooms they share.
    let mut by_room: Vec<Vec<usize>> = vec![Vec::new(); problem.rooms.len()];
    for (ci, p) in placed.iter().enumerate() {
        if let Some(Placed { room: Some(r), .. }) = p {
            for taken in problem.rooms.get(*r).into_iter().flat_map(|x| x.taken(*r)) {
                if let Some(v) = by_room.get_mut(taken) {
                    v.push(ci);
                }
            }
        }
    }
    let mut clashing: HashSet<(usize, usize)> = HashSet::new();
    for (r, classes) in by_room.iter().enumerate() {
        for (i, &a) in classes.iter().enumerate() {
            for &b in classes.iter().skip(i + 1) {
                if let (Some(Some(pa)), Some(Some(pb))) = (placed.get(a), placed.get(b)) {
                    if overlap(&pa.t, &pb.t) && clashing.insert((a.min(b), a.max(b))) {
                        ev.hard.push(hard(
                            HardKind::RoomClash,
                            vec![a, b],
                            format!(
                                "classes {} and {} are both in room {} at overlapping times",
                                name(a),
                                name(b),
                                problem.rooms.get(r).map(|r| r.id.as_str()).unwrap_or("?")
                            ),
                        ));
                    }
                }
            }
        }
    }

    // Distribution constraints.
    for (di, d) in problem.distributions.iter().enumerate() {
        let members: Vec<(usize, Placed)> = d
            .classes
            .iter()
            .filter_map(|&c| placed.get(c).copied().flatten().map(|p| (c, p)))
            .collect();
        if d.kind.is_pairwise() {
            for (i, (ca, pa)) in members.iter().enumerate() {
                for (cb, pb) in members.iter().skip(i + 1) {
                    if !pair_satisfied(problem, d.kind, pa, pb) {
                        if d.required {
                            ev.hard.push(HardViolation {
                                kind: HardKind::Distribution,
                                classes: vec![*ca, *cb],
                                distribution: Some(di),
                                message: format!(
                                    "required {} between classes {} and {} is violated ({})",
                                    d.kind.itc_name(),
                                    name(*ca),
                                    name(*cb),
                                    d.origin
                                ),
                            });
                        } else {
                            ev.distribution_penalty += u64::from(d.penalty);
                        }
                    }
                }
            }
        } else {
            let (excess, scaled) = if d.kind.place().is_some() {
                // Rules over where lessons are read each lesson's room as well.
                let lessons: Vec<Lesson> = members.iter().map(|(_, p)| (p.t, p.room)).collect();
                (place_excess(problem, d.kind, &lessons).unwrap_or(0), true)
            } else {
                let pats: Vec<TimePattern> = members.iter().map(|(_, p)| p.t).collect();
                global_excess(problem, d, &pats)
            };
            if excess > 0 {
                if d.required {
                    ev.hard.push(HardViolation {
                        kind: HardKind::Distribution,
                        classes: members.iter().map(|(c, _)| *c).collect(),
                        distribution: Some(di),
                        message: format!(
                            "required {} is violated by {excess} ({})",
                            d.kind.itc_name(),
                            d.origin
                        ),
                    });
                } else {
                    ev.distribution_penalty += if scaled {
                        u64::from(d.penalty) * excess / u64::from(problem.nr_weeks.max(1))
                    } else {
                        u64::from(d.penalty) * excess
                    };
                }
            }
        }
    }

    // Students: enrollment validity, limits, conflicts, requests.
    let mut counts = vec![0u32; problem.classes.len()];
    for (si, student) in problem.students.iter().enumerate() {
        let enrolled: &[usize] = solution
            .enrollments
            .get(si)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut sorted = enrolled.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != enrolled.len() {
            ev.hard.push(hard(
                HardKind::Enrollment,
                vec![],
                format!("student {} is enrolled twice in a class", student.id),
            ));
        }
        for &c in &sorted {
            if let Some(n) = counts.get_mut(c) {
                *n += 1;
            }
        }
        // Courses the student is in.
        let mut courses: Vec<usize> = sorted
            .iter()
            .filter_map(|&c| problem.classes.get(c).map(|c| c.course))
            .collect();
        courses.sort_unstable();
        courses.dedup();
        for &course in &courses {
            let in_course: Vec<usize> = sorted
                .iter()
                .copied()
                .filter(|&c| problem.classes.get(c).is_some_and(|cl| cl.course == course))
                .collect();
            if let Some(msg) = check_course_enrollment(problem, course, &in_course) {
                ev.hard.push(hard(
                    HardKind::Enrollment,
                    in_course.clone(),
                    format!("student {}: {msg}", student.id),
                ));
            }
            if !student.requests.iter().any(|r| r.courses.contains(&course)) {
                ev.hard.push(hard(
                    HardKind::Enrollment,
                    in_course,
                    format!(
                        "student {} is in course {}, which they did not request",
                        student.id,
                        problem
                            .courses
                            .get(course)
                            .map(|c| c.id.as_str())
                            .unwrap_or("?")
                    ),
                ));
            }
        }
        for r in &student.requests {
            let met: Vec<usize> = r
                .courses
                .iter()
                .enumerate()
                .filter(|(_, c)| courses.contains(c))
                .map(|(k, _)| k)
                .collect();
            match met.as_slice() {
                [] if r.mandatory => ev.hard.push(hard(
                    HardKind::Enrollment,
                    vec![],
                    format!(
                        "student {} is not enrolled in requested course {}",
                        student.id,
                        r.courses
                            .first()
                            .and_then(|&c| problem.courses.get(c))
                            .map(|c| c.id.as_str())
                            .unwrap_or("?")
                    ),
                )),
                [] => ev.request_penalty += u64::from(r.weight),
                [k] => ev.request_penalty += *k as u64,
                _ => ev.hard.push(hard(
                    HardKind::Enrollment,
                    vec![],
                    format!(
                        "student {} is enrolled in more than one alternative of one request",
                        student.id
                    ),
                )),
            }
        }
        // Conflicts between every pair of the student's classes.
        for (i, &a) in sorted.iter().enumerate() {
            for &b in sorted.iter().skip(i + 1) {
                if let (Some(Some(pa)), Some(Some(pb))) = (placed.get(a), placed.get(b)) {
                    if student_conflict(problem, pa, pb) {
                        if problem.student_conflicts_hard {
                            ev.hard.push(hard(
                                HardKind::StudentClash,
                                vec![a, b],
                                format!(
                                    "{} has classes {} and {} at clashing times",
                                    student.id,
                                    name(a),
                                    name(b)
                                ),
                            ));
                        } else {
                            ev.student_conflicts += 1;
                        }
                    }
                }
            }
        }
    }
    for (ci, &n) in counts.iter().enumerate() {
        if let Some(class) = problem.classes.get(ci) {
            if n > class.limit {
                ev.hard.push(hard(
                    HardKind::ClassLimit,
                    vec![ci],
                    format!(
                        "class {} has {n} students but a limit of {}",
                        class.id, class.limit
                    ),
                ));
            }
        }
    }
    let w = problem.weights;
    if w.student_gaps > 0 || w.student_day_load > 0 {
        let days = teaching_days(problem);
        for classes in &solution.enrollments {
            let pats: Vec<TimePattern> = classes
                .iter()
                .filter_map(|&c| placed.get(c).copied().flatten().map(|p| p.t))
                .collect();
            if w.student_gaps > 0 {
                ev.student_gap_slots += gap_slots(problem, &pats, u32::MAX, u64::MAX);
            }
            ev.student_day_load += day_load_cost(&pats, &days, w.student_day_load);
        }
    }
    ev.objective = w.time * ev.time_penalty
        + w.room * ev.room_penalty
        + w.distribution * ev.distribution_penalty
        + w.student * ev.student_conflicts
        + w.request * ev.request_penalty
        + w.student_gaps * ev.student_gap_slots
        + ev.student_day_load;
    ev
}

/// Is `classes` (all of one course) a valid enrollment: one config, one class per subpart,
/// parents included? Returns a reason when not.
fn check_course_enrollment(problem: &Problem, course: usize, classes: &[usize]) -> Option<String> {
    let course_id = problem
        .courses
        .get(course)
        .map(|c| c.id.as_str())
        .unwrap_or("?");
    let mut configs: Vec<usize> = classes
        .iter()
        .filter_map(|&c| problem.classes.get(c).map(|c| c.config))
        .collect();
    configs.sort_unstable();
    configs.dedup();
    let [config] = configs.as_slice() else {
        return Some(format!(
            "course {course_id}: classes from more than one configuration"
        ));
    };
    for &sp in problem.config_subparts(*config) {
        let n = classes
            .iter()
            .filter(|&&c| problem.classes.get(c).is_some_and(|cl| cl.subpart == sp))
            .count();
        if n != 1 {
            return Some(format!(
                "course {course_id}: {n} classes of subpart {} (exactly one is needed)",
                problem
                    .subparts
                    .get(sp)
                    .map(|s| s.id.as_str())
                    .unwrap_or("?")
            ));
        }
    }
    for &c in classes {
        if let Some(parent) = problem.classes.get(c).and_then(|cl| cl.parent) {
            if !classes.contains(&parent) {
                return Some(format!(
                    "course {course_id}: class {} without its parent class {}",
                    problem.classes.get(c).map(|c| c.id.as_str()).unwrap_or("?"),
                    problem
                        .classes
                        .get(parent)
                        .map(|c| c.id.as_str())
                        .unwrap_or("?")
                ));
            }
        }
    }
    None
}

fn overlap(a: &TimePattern, b: &TimePattern) -> bool {
    (a.days & b.days) != 0
        && (a.weeks & b.weeks) != 0
        && b.start < a.start + a.length
        && a.start < b.start + b.length
}

fn student_conflict(problem: &Problem, a: &Placed, b: &Placed) -> bool {
    if (a.t.days & b.t.days) == 0 || (a.t.weeks & b.t.weeks) == 0 {
        return false;
    }
    let travel = problem.travel(a.room, b.room);
    a.t.end() + travel > b.t.start && b.t.end() + travel > a.t.start
}

/// The specification's pair rule for each pairwise kind.
fn pair_satisfied(problem: &Problem, kind: DistributionKind, a: &Placed, b: &Placed) -> bool {
    use DistributionKind::*;
    let (i, j) = (&a.t, &b.t);
    let same_days_weeks = (i.days & j.days) != 0 && (i.weeks & j.weeks) != 0;
    match kind {
        SameStart => i.start == j.start,
        SameTime => {
            (i.start <= j.start && j.end() <= i.end()) || (j.start <= i.start && i.end() <= j.end())
        }
        DifferentTime => i.end() <= j.start || j.end() <= i.start,
        SameDays => (i.days | j.days) == i.days || (i.days | j.days) == j.days,
        DifferentDays => (i.days & j.days) == 0,
        SameWeeks => (i.weeks | j.weeks) == i.weeks || (i.weeks | j.weeks) == j.weeks,
        DifferentWeeks => (i.weeks & j.weeks) == 0,
        Overlap => j.start < i.end() && i.start < j.end() && same_days_weeks,
        NotOverlap => i.end() <= j.start || j.end() <= i.start || !same_days_weeks,
        SameRoom => match (a.room, b.room) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        },
        DifferentRoom => match (a.room, b.room) {
            (Some(x), Some(y)) => x != y,
            _ => true,
        },
        SameAttendees => {
            let travel = problem.travel(a.room, b.room);
            i.end() + travel <= j.start || j.end() + travel <= i.start || !same_days_weeks
        }
        Precedence => {
            let (wi, wj) = (i.weeks.trailing_zeros(), j.weeks.trailing_zeros());
            let (di, dj) = (i.days.trailing_zeros(), j.days.trailing_zeros());
            wi < wj || (wi == wj && (di < dj || (di == dj && i.end() <= j.start)))
        }
        WorkDay(s) => !same_days_weeks || i.end().max(j.end()) - i.start.min(j.start) <= s,
        MinGap(g) => !same_days_weeks || i.end() + g <= j.start || j.end() + g <= i.start,
        MinDaysApart(d) => (i.weeks & j.weeks) == 0 || days_apart(i.days, j.days) >= d,
        MinRealDaysApart(d) => {
            (i.weeks & j.weeks) == 0 || days_apart(real_days_of(i.days), real_days_of(j.days)) >= d
        }
        BeforeIfSameDay => !same_days_weeks || i.end() <= j.start,
        BackToBack => back_to_back(problem, i, j),
        MaxDays(_)
        | MaxDayLoad(_)
        | MaxBreaks(_, _)
        | MaxBlock(_, _)
        | MinDayLoad(_, _)
        | MaxGapsPerDay(_)
        | MaxGapsPerWeek(_)
        | EarlyStart(_)
        | MaxDaysInInterval(_, _, _)
        | MinDays(_)
        | MaxDaysAmong(_, _)
        | MaxSlotsAmong(_, _)
        | EvenDays(_, _)
        | MaxGapsAmong(_, _)
        | MaxRealDayLoad(_)
        | MaxRealDays(_)
        | MinSlotsAmong(_, _)
        | MaxSimultaneousAmong(_, _)
        | MinRestBetweenHalves(_)
        | MinRealDayLoad(_, _)
        | MaxPerTerm(_, _)
        | MaxTerms(_, _)
        | MaxRealDayGaps(_)
        | MaxConsecutiveDays(_)
        | MaxPlaceChangesPerDay(_, _)
        | MaxPlaceChangesPerWeek(_, _)
        | MinGapsBetweenPlaceChanges(_, _)
        | Grouped => true,
    }
}

/// For the non-pairwise kinds: the excess over the limit, and whether the soft penalty
/// is divided by the number of weeks (all but `MaxDays`).
fn global_excess(problem: &Problem, d: &Distribution, pats: &[TimePattern]) -> (u64, bool) {
    use DistributionKind::*;
    let kind = d.kind;
    match kind {
        MaxDays(d) => {
            let days = pats.iter().fold(0u32, |acc, p| acc | p.days);
            (u64::from(days.count_ones().saturating_sub(d)), false)
        }
        MaxDayLoad(s) => {
            let mut total = 0u64;
            for_each_day(problem, pats, |on_day| {
                let load: u32 = on_day.iter().map(|p| p.length).sum();
                total += u64::from(load.saturating_sub(s));
            });
            (total, true)
        }
        MaxBreaks(r, s) => {
            let mut total = 0u64;
            for_each_day(problem, pats, |on_day| {
                let blocks = merge_blocks(on_day, s);
                total += (blocks.len() as u64).saturating_sub(u64::from(r) + 1);
            });
            (total, true)
        }
        MaxBlock(m, s) => {
            let mut total = 0u64;
            for_each_day(problem, pats, |on_day| {
                total += merge_blocks(on_day, s)
                    .iter()
                    .filter(|(start, end, count)| *count >= 2 && end - start > m)
                    .count() as u64;
            });
            (total, true)
        }
        _ => (
            school_excess(problem, kind, &d.off, pats).unwrap_or(0),
            true,
        ),
    }
}

fn for_each_day(problem: &Problem, pats: &[TimePattern], mut f: impl FnMut(&[TimePattern])) {
    for w in 0..problem.nr_weeks.min(64) {
        for d in 0..problem.nr_days.min(32) {
            let on_day: Vec<TimePattern> = pats
                .iter()
                .filter(|p| (p.days >> d) & 1 == 1 && (p.weeks >> w) & 1 == 1)
                .copied()
                .collect();
            if !on_day.is_empty() {
                f(&on_day);
            }
        }
    }
}

/// MergeBlocks of the specification: blocks `(start, end, number of classes)` formed by
/// joining intervals that overlap or are at most `s` slots apart.
fn merge_blocks(pats: &[TimePattern], s: u32) -> Vec<(u32, u32, usize)> {
    let mut iv: Vec<(u32, u32)> = pats.iter().map(|p| (p.start, p.end())).collect();
    iv.sort_unstable();
    let mut blocks: Vec<(u32, u32, usize)> = Vec::new();
    for (start, end) in iv {
        match blocks.last_mut() {
            Some(b) if b.1 + s >= start => {
                b.1 = b.1.max(end);
                b.2 += 1;
            }
            _ => blocks.push((start, end, 1)),
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(days: u32, start: u32, length: u32, weeks: u64) -> TimePattern {
        TimePattern {
            days,
            start,
            length,
            weeks,
        }
    }

    #[test]
    fn merge_blocks_follows_the_spec() {
        let pats = [tp(1, 10, 5, 1), tp(1, 17, 5, 1), tp(1, 40, 5, 1)];
        assert_eq!(merge_blocks(&pats, 2), vec![(10, 22, 2), (40, 45, 1)]);
        assert_eq!(
            merge_blocks(&pats, 1),
            vec![(10, 15, 1), (17, 22, 1), (40, 45, 1)]
        );
        assert_eq!(merge_blocks(&pats, 18).len(), 1);
    }
}
