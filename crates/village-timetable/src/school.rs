//! The school model: building blocks on a minute grid, early and late windows, sets
//! formed by ability across year groups, staff on shifts at several sites, SECURE
//! choices with priorities, option blocks, themed weeks and flexible Fridays, and an
//! entitlement every pupil keeps. It is compiled onto the engine's problem model and
//! solved by the same solver; results come back in school terms.
//!
//! The JSON form of [`School`] is the `village` input format of the command line.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::eval::Evaluation;
use crate::explain::{explain_unmet_request, UnmetRequest};
use crate::model::{
    days_among, gap_slots, Class, Config, Course, Distribution, DistributionKind, Placement,
    Problem, Request, Room, RoomOption, Solution, Student, Subpart, TimeOption, TimePattern,
    Weights,
};
use crate::solver::{solve as solve_problem, Progress, SolveOptions, SolveResult};

/// Who may teach: a teacher, a teaching assistant of at least some grade, or a community
/// teacher (a specialist from outside, often shared between schools).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffKind {
    Teacher,
    TeachingAssistant(u8),
    CommunityTeacher,
}

impl StaffKind {
    /// Does staff of this kind meet the requirement `need`?
    pub fn satisfies(&self, need: &StaffKind) -> bool {
        match (self, need) {
            (StaffKind::TeachingAssistant(have), StaffKind::TeachingAssistant(want)) => {
                have >= want
            }
            (a, b) => a == b,
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            StaffKind::Teacher => "a teacher".into(),
            StaffKind::TeachingAssistant(g) => format!("a teaching assistant (grade {g})"),
            StaffKind::CommunityTeacher => "a community teacher".into(),
        }
    }
}

/// A named span of the day, e.g. the early window 07:30–13:00.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub name: String,
    pub start: String,
    pub end: String,
}

/// A building block: a lesson length in minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Block {
    pub name: String,
    pub minutes: u32,
}

/// A span of time on one day (`day` is a name from `School::days`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub day: String,
    pub start: String,
    pub end: String,
    /// Weeks (1-based) it applies to; empty = every week.
    #[serde(default)]
    pub weeks: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub name: String,
    /// Minutes to travel to other sites.
    #[serde(default)]
    pub travel_minutes: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolRoom {
    pub name: String,
    pub site: String,
    pub capacity: u32,
    pub kind: String,
    #[serde(default)]
    pub features: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    pub name: String,
    pub kind: StaffKind,
    /// Sites where they work; empty = all.
    #[serde(default)]
    pub sites: Vec<String>,
    /// Shifts or part-time pattern: when they can teach; empty = whenever the school is open.
    #[serde(default)]
    pub available: Vec<Span>,
    /// Times they would rather not teach (a soft preference).
    #[serde(default)]
    pub prefers_not: Vec<Span>,
    /// Days they are away, in every week of the cycle: they teach nothing then, whatever
    /// `available` says. Kept apart from `available`, so that marking them back (see
    /// [`School::mark_back`]) gives them their usual days again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub away: Vec<String>,
}

/// One teaching group of an offer: an ability set, or a parallel group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Set {
    pub name: String,
    pub staff: String,
    pub size: u32,
    /// Window this group is taught in, if it is fixed.
    #[serde(default)]
    pub window: Option<String>,
    /// Sessions taught by a colleague in place of `staff` (see [`crate::cover`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cover: Vec<Cover>,
}

/// One session of a set taught by someone other than the set's own staff member: cover
/// for a colleague who is away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cover {
    /// The session, counted from 1 in the order of the offer's `sessions`.
    pub session: usize,
    pub staff: String,
    /// The day of the absence this covers: the cover ends when the set's own staff
    /// member is marked back on that day. Empty in models written before it was kept.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub day: String,
}

impl Set {
    /// Who teaches session `session` (counted from 1): the cover if there is one.
    pub fn staff_for(&self, session: usize) -> &str {
        self.cover
            .iter()
            .find(|c| c.session == session)
            .map_or(self.staff.as_str(), |c| c.staff.as_str())
    }
}

/// A subject taught to one or more groups, each meeting for the listed sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    pub id: String,
    pub subject: String,
    /// Building blocks of one cycle (week or fortnight), e.g. `["single", "double"]`.
    pub sessions: Vec<String>,
    /// `true`: sessions recur every week; `false`: once a fortnight each.
    #[serde(default = "yes")]
    pub weekly: bool,
    /// `true`: groups are ability sets (pupils are placed in a named set by teachers);
    /// `false`: parallel groups the engine sections pupils into.
    #[serde(default)]
    pub setted: bool,
    pub sets: Vec<Set>,
    pub staff_kind: StaffKind,
    #[serde(default)]
    pub room_kind: Option<String>,
    #[serde(default)]
    pub features: Vec<String>,
    /// Window the whole offer is taught in, if fixed.
    #[serde(default)]
    pub window: Option<String>,
    /// SECURE offers are chosen by pupils for their SECURE periods.
    #[serde(default)]
    pub secure: bool,
    /// Year groups that may choose it; empty = every year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub years: Vec<u32>,
    /// What pupils choose, in their words (e.g. "Mathematics: stretch"). Offers with the
    /// same choice are interchangeable (rounds of it at different times): a pupil who picks
    /// it is placed in one of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

/// A pupil's request: an offer (or any offer of a subject), possibly a set, alternatives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PupilRequest {
    /// An offer id, or a subject code meaning "any offer of this subject".
    pub offer: String,
    /// The ability set, for setted offers.
    #[serde(default)]
    pub set: Option<String>,
    /// Offers (or subjects) to use instead, most preferred first.
    #[serde(default)]
    pub alternatives: Vec<String>,
    /// Higher is more important.
    #[serde(default = "one")]
    pub priority: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pupil {
    pub id: String,
    pub year: u32,
    /// Preferred window (`early`/`late`), used to order alternatives.
    #[serde(default)]
    pub window: Option<String>,
    /// Core and option subjects.
    #[serde(default)]
    pub requests: Vec<PupilRequest>,
    /// SECURE choices, in priority order (at most `School::secure_periods`).
    #[serde(default)]
    pub secure: Vec<PupilRequest>,
}

/// Option block: offers taught at the same times, so a pupil takes at most one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionBlock {
    pub name: String,
    pub offers: Vec<String>,
}

/// Something every pupil (up to a year group) must still study: one of these subjects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitlementRule {
    pub name: String,
    pub any_of: Vec<String>,
    /// Applies to pupils in this year group or below (e.g. 11: to 16); none = all.
    #[serde(default)]
    pub up_to_year: Option<u32>,
}

/// A school's whole timetabling problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct School {
    pub name: String,
    /// Day names of one week, e.g. `["Mon", "Tue", "Wed", "Thu", "Fri"]`.
    pub days: Vec<String>,
    /// 1 for a weekly timetable, 2 for a fortnight (week A / week B).
    #[serde(default = "one")]
    pub weeks: u32,
    /// The grid: every time is a multiple of this many minutes.
    #[serde(default = "five")]
    pub minutes_per_slot: u32,
    /// Sessions may start every this many minutes.
    #[serde(default = "fifteen")]
    pub start_every_minutes: u32,
    pub windows: Vec<Window>,
    pub blocks: Vec<Block>,
    /// Times nothing is taught (flexible Friday afternoons, themed weeks).
    #[serde(default)]
    pub closed: Vec<Span>,
    pub sites: Vec<Site>,
    pub rooms: Vec<SchoolRoom>,
    pub staff: Vec<Staff>,
    pub offers: Vec<Offer>,
    #[serde(default)]
    pub option_blocks: Vec<OptionBlock>,
    pub pupils: Vec<Pupil>,
    #[serde(default)]
    pub entitlement: Vec<EntitlementRule>,
    #[serde(default = "four")]
    pub secure_periods: u32,
    /// How much an even week weighs for each pupil: what a day an hour away from the
    /// pupil's mean day costs (squared, so two hours cost four times as much). An hour
    /// of free time between lessons costs 12 and an unmet choice 200 or more; 0 turns
    /// balancing off. An even week is bought with a little more free time in the days
    /// and a re-solve that moves a little more (see docs/timetabling.md).
    #[serde(default = "two")]
    pub balanced_week: u32,
    /// How much an even week weighs for each staff member: what a working day an hour of
    /// teaching away from their mean working day costs (squared, and summed over their
    /// days; the days they do not work are left out). 0 turns it off.
    #[serde(default = "one")]
    pub staff_balanced_week: u32,
}

fn five() -> u32 {
    5
}
fn fifteen() -> u32 {
    15
}
fn four() -> u32 {
    4
}
fn two() -> u32 {
    2
}

/// What each class of the compiled problem stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassInfo {
    pub offer: String,
    pub set: String,
    pub session: usize,
    pub staff: String,
}

/// A school compiled onto the engine's model.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub problem: Problem,
    pub classes: Vec<ClassInfo>,
    /// For each student of the problem, the pupil id; for each request, what it was.
    pub request_labels: Vec<Vec<String>>,
    pub notes: Vec<String>,
    pub minutes_per_slot: u32,
    pub day_names: Vec<String>,
    /// Each staff member's name and the days they work, as a bit set over `day_names`
    /// (days with any time they are available).
    pub staff_days: Vec<(String, u32)>,
}

/// A pupil whose choices (or timetable) would break the entitlement, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breach {
    pub pupil: String,
    pub rule: String,
    pub reason: String,
}

/// One line of a personal timetable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lesson {
    pub day: String,
    pub weeks: String,
    pub start: String,
    pub end: String,
    pub offer: String,
    pub set: String,
    pub staff: String,
    pub room: Option<String>,
}

/// A solved school timetable with its explanations.
#[derive(Debug, Clone)]
pub struct SchoolOutcome {
    pub compiled: Compiled,
    pub result: SolveResult,
    pub entitlement_breaches: Vec<Breach>,
    pub unmet: Vec<UnmetRequest>,
}

/// The shape of pupils' days in a timetable: free time between lessons.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PupilDays {
    /// Days of the cycle on which a pupil has a lesson, over all pupils.
    pub days: usize,
    /// Of those, days with free time between the first and the last lesson (closed times
    /// such as lunch are not free time).
    pub with_free_time: usize,
    /// Of those, days with at least an hour of it.
    pub with_free_hour: usize,
    /// Free minutes between lessons, over all pupils and days.
    pub free_minutes: u64,
    /// Pupils with at least one lesson.
    #[serde(default)]
    pub pupils: usize,
    /// Minutes between each pupil's heaviest and lightest teaching day (a day with no
    /// lesson for them counts as empty), summed over pupils: how evenly their week runs.
    #[serde(default)]
    pub spread_minutes: u64,
    /// Pupils whose heaviest day holds two hours or more of lessons than their lightest.
    #[serde(default)]
    pub uneven_pupils: usize,
    /// The standard deviation of each pupil's minutes of lessons a teaching day, rounded
    /// to the minute, summed over pupils (divide by `pupils` for a typical pupil's).
    #[serde(default)]
    pub day_sd_minutes: u64,
}

impl SchoolOutcome {
    pub fn evaluation(&self) -> &Evaluation {
        &self.result.evaluation
    }

    /// Free time between lessons in every pupil's days.
    pub fn pupil_days(&self) -> PupilDays {
        pupil_days(
            &self.compiled.problem,
            &self.result.solution,
            self.compiled.minutes_per_slot,
        )
    }

    /// How evenly staff members' weeks run.
    pub fn staff_days(&self) -> StaffDays {
        staff_days(&self.compiled, &self.result.solution)
    }

    /// A pupil's personal timetable, in time order.
    pub fn pupil_timetable(&self, pupil: &str) -> Vec<Lesson> {
        let p = &self.compiled.problem;
        let Some(si) = p.students.iter().position(|s| s.id == pupil) else {
            return Vec::new();
        };
        let classes = self
            .result
            .solution
            .enrollments
            .get(si)
            .cloned()
            .unwrap_or_default();
        self.lessons(&classes)
    }

    /// A staff member's timetable, in time order.
    pub fn staff_timetable(&self, staff: &str) -> Vec<Lesson> {
        let classes: Vec<usize> = self
            .compiled
            .classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.staff == staff)
            .map(|(i, _)| i)
            .collect();
        self.lessons(&classes)
    }

    fn lessons(&self, classes: &[usize]) -> Vec<Lesson> {
        let p = &self.compiled.problem;
        let mps = self.compiled.minutes_per_slot;
        let mut out: Vec<(u32, u32, Lesson)> = Vec::new();
        for &c in classes {
            let (Some(class), Some(info), Some(Some(pl))) = (
                p.classes.get(c),
                self.compiled.classes.get(c),
                self.result.solution.placements.get(c),
            ) else {
                continue;
            };
            let Some(t) = class.times.get(pl.time) else {
                continue;
            };
            let day = t.pattern.first_day();
            out.push((
                day,
                t.pattern.start,
                Lesson {
                    day: self
                        .compiled
                        .day_names
                        .get(day as usize)
                        .cloned()
                        .unwrap_or_default(),
                    weeks: match (p.nr_weeks, t.pattern.weeks) {
                        (2, 1) => "A".into(),
                        (2, 2) => "B".into(),
                        _ => "every".into(),
                    },
                    start: hhmm(t.pattern.start * mps),
                    end: hhmm(t.pattern.end() * mps),
                    offer: info.offer.clone(),
                    set: info.set.clone(),
                    staff: info.staff.clone(),
                    room: pl.room.and_then(|r| p.rooms.get(r)).map(|r| r.id.clone()),
                },
            ));
        }
        out.sort_by_key(|a| (a.0, a.1));
        out.into_iter().map(|(_, _, l)| l).collect()
    }
}

/// How evenly staff members' weeks run: their minutes of teaching on each day they work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffDays {
    /// Staff members with at least one lesson.
    pub staff: usize,
    /// The standard deviation of each one's minutes of teaching a working day, rounded to
    /// the minute, summed over them (divide by `staff` for a typical staff member's).
    pub day_sd_minutes: u64,
    /// Staff members whose heaviest working day holds two hours or more of teaching than
    /// their lightest.
    pub uneven_staff: usize,
}

/// See [`SchoolOutcome::staff_days`].
pub fn staff_days(compiled: &Compiled, solution: &Solution) -> StaffDays {
    let p = &compiled.problem;
    let mps = u64::from(compiled.minutes_per_slot);
    // Each staff member's placed lessons, in one pass over the classes.
    let mut taught: HashMap<&str, Vec<TimePattern>> = HashMap::new();
    for (c, info) in compiled.classes.iter().enumerate() {
        let pattern = solution
            .placements
            .get(c)
            .copied()
            .flatten()
            .and_then(|pl| p.classes.get(c)?.times.get(pl.time))
            .map(|o| o.pattern);
        if let Some(t) = pattern {
            taught.entry(info.staff.as_str()).or_default().push(t);
        }
    }
    let mut out = StaffDays::default();
    for (name, mask) in &compiled.staff_days {
        let Some(pats) = taught.get(name.as_str()) else {
            continue;
        };
        let loads: Vec<f64> = days_among(p, *mask)
            .map(|(w, d)| {
                let slots: u64 = pats
                    .iter()
                    .filter(|t| t.meets_on(w, d))
                    .map(|t| u64::from(t.length))
                    .sum();
                (slots * mps) as f64
            })
            .collect();
        out.staff += 1;
        out.day_sd_minutes += standard_deviation(&loads).round() as u64;
        let heaviest = loads.iter().copied().fold(0.0, f64::max);
        let lightest = loads.iter().copied().fold(heaviest, f64::min);
        if heaviest - lightest >= 120.0 {
            out.uneven_staff += 1;
        }
    }
    out
}

/// See [`SchoolOutcome::pupil_days`].
pub fn pupil_days(p: &Problem, solution: &Solution, minutes_per_slot: u32) -> PupilDays {
    let pattern = |c: usize| -> Option<TimePattern> {
        let t = solution.placements.get(c)?.as_ref()?.time;
        p.classes.get(c)?.times.get(t).map(|o| o.pattern)
    };
    let (weeks, days) = (p.nr_weeks.clamp(1, 64), p.nr_days.clamp(1, 32));
    // Teaching days: those on which any class meets (closed days are not a light day).
    let placed: Vec<TimePattern> = (0..p.classes.len()).filter_map(pattern).collect();
    let teaching: Vec<(u32, u32)> = (0..weeks)
        .flat_map(|w| (0..days).map(move |d| (w, d)))
        .filter(|&(w, d)| placed.iter().any(|t| t.meets_on(w, d)))
        .collect();
    let mut out = PupilDays::default();
    for classes in &solution.enrollments {
        let pats: Vec<TimePattern> = classes.iter().filter_map(|&c| pattern(c)).collect();
        if pats.is_empty() {
            continue;
        }
        out.pupils += 1;
        let (mut heaviest, mut lightest) = (0u64, u64::MAX);
        let mut loads = Vec::with_capacity(teaching.len());
        for &(w, d) in &teaching {
            let on_day: Vec<&TimePattern> = pats.iter().filter(|t| t.meets_on(w, d)).collect();
            let taught: u64 = on_day.iter().map(|t| u64::from(t.length)).sum();
            let taught = taught * u64::from(minutes_per_slot);
            heaviest = heaviest.max(taught);
            lightest = lightest.min(taught);
            loads.push(taught as f64);
            if on_day.is_empty() {
                continue;
            }
            let free = gap_slots(p, &pats, 1 << d, 1 << w) * u64::from(minutes_per_slot);
            out.days += 1;
            if free > 0 {
                out.with_free_time += 1;
            }
            if free >= 60 {
                out.with_free_hour += 1;
            }
            out.free_minutes += free;
        }
        out.day_sd_minutes += standard_deviation(&loads).round() as u64;
        let spread = heaviest.saturating_sub(lightest.min(heaviest));
        out.spread_minutes += spread;
        if spread >= 120 {
            out.uneven_pupils += 1;
        }
    }
    out
}

/// The standard deviation of a person's minutes a day (0 for no days).
fn standard_deviation(loads: &[f64]) -> f64 {
    let n = loads.len().max(1) as f64;
    let mean = loads.iter().sum::<f64>() / n;
    (loads.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt()
}

pub(crate) fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

pub(crate) fn parse_hhmm(s: &str, path: &str) -> Result<u32, Error> {
    let bad = || Error::school(path, format!("`{s}` is not a time of day (HH:MM)"));
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if h > 24 || m > 59 || h * 60 + m > 1440 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// Does a staff member with these available spans (none: whenever the school is open)
/// work at the whole of `pat`?
pub(crate) fn works_at(available: &[TimePattern], pat: &TimePattern) -> bool {
    available.is_empty()
        || available.iter().any(|a| {
            a.days & pat.days != 0
                && a.weeks & pat.weeks == pat.weeks
                && a.start <= pat.start
                && pat.end() <= a.end()
        })
}

impl School {
    /// When staff member `si` can teach, on the grid: their `available` spans (none:
    /// whenever the school is open) less the days they are `away`. Away on every day they
    /// work is an error: no spans would read as "always".
    pub(crate) fn availability(&self, si: usize) -> Result<Vec<TimePattern>, Error> {
        let Some(s) = self.staff.get(si) else {
            return Ok(Vec::new());
        };
        for (k, day) in s.away.iter().enumerate() {
            if !self.days.contains(day) {
                return Err(Error::school(
                    format!("staff[{si}].away[{k}]"),
                    format!("unknown day `{day}`"),
                ));
            }
        }
        let mut spans: Vec<TimePattern> = s
            .available
            .iter()
            .enumerate()
            .filter(|(_, sp)| !s.away.contains(&sp.day))
            .map(|(k, sp)| self.span_pattern(sp, &format!("staff[{si}].available[{k}]")))
            .collect::<Result<_, _>>()?;
        if s.away.is_empty() {
            return Ok(spans);
        }
        if s.available.is_empty() {
            for day in self.days.iter().filter(|d| !s.away.contains(d)) {
                let all_day = Span {
                    day: day.clone(),
                    start: "00:00".into(),
                    end: "24:00".into(),
                    weeks: Vec::new(),
                };
                spans.push(self.span_pattern(&all_day, &format!("staff[{si}].away"))?);
            }
        }
        if spans.is_empty() {
            return Err(Error::school(
                format!("staff[{si}].away"),
                format!(
                    "{} is away on every day they work, so they could not teach at all; give their sets to other staff instead",
                    s.name
                ),
            ));
        }
        Ok(spans)
    }

    /// The times staff member `si` would rather not teach (`prefers_not`), on the grid.
    pub(crate) fn avoided(&self, si: usize) -> Result<Vec<TimePattern>, Error> {
        let Some(s) = self.staff.get(si) else {
            return Ok(Vec::new());
        };
        s.prefers_not
            .iter()
            .enumerate()
            .map(|(k, sp)| self.span_pattern(sp, &format!("staff[{si}].prefers_not[{k}]")))
            .collect()
    }

    /// A span of the model on the school's grid; errors name `path`.
    pub(crate) fn span_pattern(&self, s: &Span, path: &str) -> Result<TimePattern, Error> {
        let mps = self.minutes_per_slot;
        if mps == 0 {
            return Err(Error::school("minutes_per_slot", "must not be 0"));
        }
        let d = self
            .days
            .iter()
            .position(|x| *x == s.day)
            .and_then(|d| u32::try_from(d).ok())
            .and_then(|d| 1u32.checked_shl(d))
            .ok_or_else(|| Error::school(path, format!("unknown day `{}`", s.day)))?;
        let a = parse_hhmm(&s.start, path)?;
        let b = parse_hhmm(&s.end, path)?;
        if b <= a {
            return Err(Error::school(
                path,
                format!("ends ({}) before it starts ({})", s.end, s.start),
            ));
        }
        let mut weeks = 0u64;
        for &w in &s.weeks {
            if w == 0 || w > self.weeks || w > 64 {
                return Err(Error::school(path, format!("week {w} does not exist")));
            }
            weeks |= 1 << (w - 1);
        }
        if weeks == 0 {
            weeks = 1u64.checked_shl(self.weeks).map_or(u64::MAX, |x| x - 1);
        }
        Ok(TimePattern {
            days: d,
            start: a / mps,
            length: b / mps - a / mps,
            weeks,
        })
    }

    /// Read the Village JSON form; errors name the line and column.
    pub fn from_json(text: &str) -> Result<School, Error> {
        if text.trim().is_empty() {
            return Err(Error::Empty("the school file is empty".into()));
        }
        serde_json::from_str(text).map_err(|e| {
            Error::school(
                format!("line {}, column {}", e.line(), e.column()),
                e.to_string(),
            )
        })
    }

    /// Pupils whose choices would break the entitlement, with the reason.
    pub fn check_entitlement(&self) -> Vec<Breach> {
        let subject_of: HashMap<&str, &str> = self
            .offers
            .iter()
            .map(|o| (o.id.as_str(), o.subject.as_str()))
            .collect();
        let mut out = Vec::new();
        for pupil in &self.pupils {
            let chosen: BTreeSet<&str> = pupil
                .requests
                .iter()
                .flat_map(|r| std::iter::once(&r.offer).chain(r.alternatives.iter()))
                .map(|o| subject_of.get(o.as_str()).copied().unwrap_or(o.as_str()))
                .collect();
            for rule in &self.entitlement {
                if rule.up_to_year.is_some_and(|y| pupil.year > y) {
                    continue;
                }
                if !rule.any_of.iter().any(|s| chosen.contains(s.as_str())) {
                    out.push(Breach {
                        pupil: pupil.id.clone(),
                        rule: rule.name.clone(),
                        reason: format!(
                            "pupil {} (year {}) must still study {} ({}), but none of these is among their choices",
                            pupil.id,
                            pupil.year,
                            rule.name,
                            rule.any_of.join(" or ")
                        ),
                    });
                }
            }
        }
        out
    }

    /// Pupils whose timetable in `solution` breaks the entitlement, with the reason.
    pub fn check_solution_entitlement(
        &self,
        compiled: &Compiled,
        solution: &Solution,
    ) -> Vec<Breach> {
        let subject_of: HashMap<&str, &str> = self
            .offers
            .iter()
            .map(|o| (o.id.as_str(), o.subject.as_str()))
            .collect();
        let mut out = Vec::new();
        for (si, pupil) in self.pupils.iter().enumerate() {
            let studied: BTreeSet<&str> = solution
                .enrollments
                .get(si)
                .map(|v| v.as_slice())
                .unwrap_or(&[])
                .iter()
                .filter_map(|&c| compiled.classes.get(c))
                .filter_map(|info| subject_of.get(info.offer.as_str()).copied())
                .collect();
            for rule in &self.entitlement {
                if rule.up_to_year.is_some_and(|y| pupil.year > y) {
                    continue;
                }
                if !rule.any_of.iter().any(|s| studied.contains(s.as_str())) {
                    out.push(Breach {
                        pupil: pupil.id.clone(),
                        rule: rule.name.clone(),
                        reason: format!(
                            "the timetable gives pupil {} no {} ({})",
                            pupil.id,
                            rule.name,
                            rule.any_of.join(" or ")
                        ),
                    });
                }
            }
        }
        out
    }

    /// Check the description and compile it onto the engine's model. Refuses choices that
    /// break the entitlement, contradictory or unknown references, and pupils choosing two
    /// things taught at once.
    pub fn compile(&self) -> Result<Compiled, Error> {
        let mps = self.minutes_per_slot;
        if mps == 0 || 1440 % mps != 0 {
            return Err(Error::school(
                "minutes_per_slot",
                "must divide a day (1440 minutes) exactly",
            ));
        }
        if self.days.is_empty() || self.days.len() > 32 {
            return Err(Error::school("days", "between 1 and 32 days are needed"));
        }
        if !(1..=2).contains(&self.weeks) {
            return Err(Error::school(
                "weeks",
                "1 (weekly) or 2 (fortnightly) are supported",
            ));
        }
        if self.offers.is_empty() {
            return Err(Error::Empty("the school has no offers to timetable".into()));
        }
        let breaches = self.check_entitlement();
        if let Some(b) = breaches.first() {
            return Err(Error::Contradiction(format!(
                "{} (and {} more entitlement breaches)",
                b.reason,
                breaches.len() - 1
            )));
        }
        let slot = |m: u32| m / mps;
        let windows: HashMap<&str, (u32, u32)> = self
            .windows
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let path = format!("windows[{i}]");
                Ok((
                    w.name.as_str(),
                    (parse_hhmm(&w.start, &path)?, parse_hhmm(&w.end, &path)?),
                ))
            })
            .collect::<Result<_, Error>>()?;
        let blocks: HashMap<&str, u32> = self
            .blocks
            .iter()
            .map(|b| (b.name.as_str(), b.minutes))
            .collect();
        let closed: Vec<TimePattern> = self
            .closed
            .iter()
            .enumerate()
            .map(|(i, s)| self.span_pattern(s, &format!("closed[{i}]")))
            .collect::<Result<_, _>>()?;

        let mut p = Problem::empty(
            self.name.clone(),
            self.days.len() as u32,
            self.weeks,
            1440 / mps,
        );
        p.student_conflicts_hard = true;
        // Closed times (lunch) are not free time in a pupil's day.
        p.breaks = closed.clone();
        p.weights = Weights {
            time: 1,
            room: 1,
            distribution: 1,
            student: 1,
            request: 10,
            // A free 5-minute slot in a pupil's day costs 1: an hour free for one pupil
            // (12) weighs far less than an unmet choice (200 and up), and a lesson moved
            // in a re-solve (from 10 for each pupil in it) more than its gain for a pupil.
            student_gaps: 1,
            // The engine weighs squared slots in thousandths; the school, squared hours.
            student_day_load: u64::from(self.balanced_week) * u64::from(mps).pow(2) * 1000 / 3600,
        };

        // Sites and rooms.
        let site_index: HashMap<&str, usize> = self
            .sites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect();
        let mut room_site = Vec::new();
        for (i, r) in self.rooms.iter().enumerate() {
            let site = *site_index.get(r.site.as_str()).ok_or_else(|| {
                Error::school(
                    format!("rooms[{i}].site"),
                    format!("unknown site `{}`", r.site),
                )
            })?;
            room_site.push(site);
            p.rooms.push(Room {
                id: r.name.clone(),
                capacity: r.capacity,
                unavailable: closed.clone(),
                building: None,
                virtual_use: None,
            });
        }
        p.travel = vec![0; p.rooms.len() * p.rooms.len()];
        for (a, sa) in room_site.iter().enumerate() {
            for (b, sb) in room_site.iter().enumerate() {
                if sa == sb {
                    continue;
                }
                let minutes = [(sa, sb), (sb, sa)]
                    .iter()
                    .filter_map(|(x, y)| {
                        let from = self.sites.get(**x)?;
                        let to = self.sites.get(**y)?;
                        from.travel_minutes.get(&to.name).copied()
                    })
                    .max()
                    .unwrap_or(0);
                p.set_travel(a, b, minutes.div_ceil(mps));
            }
        }

        let staff_index: HashMap<&str, usize> = self
            .staff
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect();
        let mut staff_avail: Vec<Vec<TimePattern>> = Vec::new();
        let mut staff_avoid: Vec<Vec<TimePattern>> = Vec::new();
        for (i, s) in self.staff.iter().enumerate() {
            staff_avail.push(self.availability(i)?);
            staff_avoid.push(self.avoided(i)?);
            for site in &s.sites {
                if !site_index.contains_key(site.as_str()) {
                    return Err(Error::school(
                        format!("staff[{i}].sites"),
                        format!("unknown site `{site}`"),
                    ));
                }
            }
        }

        // The days each staff member works: an even week is weighed over those alone.
        let all_days = (1u32 << self.days.len().min(31)) - 1;
        let staff_work_days: Vec<u32> = staff_avail
            .iter()
            .map(|av| match av.iter().fold(0, |m, t| m | t.days) {
                0 => all_days,
                m => m & all_days,
            })
            .collect();

        let mut classes_info = Vec::new();
        let mut staff_classes: Vec<Vec<usize>> = vec![Vec::new(); self.staff.len()];
        let mut offer_courses: HashMap<&str, Vec<(String, usize)>> = HashMap::new();
        let mut offer_session_classes: HashMap<&str, Vec<Vec<usize>>> = HashMap::new();
        let mut seen_offers = BTreeSet::new();
        let mut notes = Vec::new();
        let all_weeks = (1u64 << self.weeks) - 1;
        for (oi, offer) in self.offers.iter().enumerate() {
            let path = format!("offers[{oi}]");
            if !seen_offers.insert(offer.id.as_str()) {
                return Err(Error::school(
                    &path,
                    format!("offer id `{}` is used twice", offer.id),
                ));
            }
            if offer.sets.is_empty() {
                return Err(Error::school(
                    &path,
                    format!("offer `{}` has no sets", offer.id),
                ));
            }
            if offer.sessions.is_empty() {
                return Err(Error::school(
                    &path,
                    format!("offer `{}` has no sessions", offer.id),
                ));
            }
            for (g, set) in offer.sets.iter().enumerate() {
                let mut seen = BTreeSet::new();
                for (i, c) in set.cover.iter().enumerate() {
                    let cpath = format!("{path}.sets[{g}].cover[{i}]");
                    if c.session == 0 || c.session > offer.sessions.len() {
                        return Err(Error::school(
                            cpath,
                            format!(
                                "session {} does not exist: `{}` has sessions 1 to {}",
                                c.session,
                                offer.id,
                                offer.sessions.len()
                            ),
                        ));
                    }
                    if !seen.insert(c.session) {
                        return Err(Error::school(
                            cpath,
                            format!("session {} is covered twice", c.session),
                        ));
                    }
                }
            }
            let week_options: Vec<u64> = if offer.weekly || self.weeks == 1 {
                vec![all_weeks]
            } else {
                (0..self.weeks).map(|w| 1u64 << w).collect()
            };
            // Courses: one per set when setted, otherwise one with a section per group.
            let groups: Vec<Vec<usize>> = if offer.setted {
                (0..offer.sets.len()).map(|i| vec![i]).collect()
            } else {
                vec![(0..offer.sets.len()).collect()]
            };
            let mut session_classes: Vec<Vec<usize>> = vec![Vec::new(); offer.sessions.len()];
            for group in groups {
                let course = p.courses.len();
                let config = p.configs.len();
                let label = if offer.setted {
                    group
                        .first()
                        .and_then(|&g| offer.sets.get(g))
                        .map(|s| s.name.clone())
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                p.courses.push(Course {
                    id: if label.is_empty() {
                        offer.id.clone()
                    } else {
                        format!("{}/{}", offer.id, label)
                    },
                    configs: vec![config],
                });
                offer_courses
                    .entry(offer.id.as_str())
                    .or_default()
                    .push((label, course));
                p.configs.push(Config {
                    id: format!("{}", config),
                    course,
                    subparts: Vec::new(),
                });
                let mut prev: HashMap<usize, usize> = HashMap::new();
                for (k, block) in offer.sessions.iter().enumerate() {
                    let minutes = *blocks.get(block.as_str()).ok_or_else(|| {
                        Error::school(
                            format!("{path}.sessions[{k}]"),
                            format!("unknown building block `{block}`"),
                        )
                    })?;
                    if minutes == 0 || minutes % mps != 0 {
                        return Err(Error::school(
                            format!("{path}.sessions[{k}]"),
                            format!("block `{block}` of {minutes} minutes is not on the {mps}-minute grid"),
                        ));
                    }
                    let subpart = p.subparts.len();
                    p.subparts.push(Subpart {
                        id: format!("{}#{}", offer.id, k + 1),
                        config,
                        classes: Vec::new(),
                    });
                    if let Some(c) = p.configs.get_mut(config) {
                        c.subparts.push(subpart);
                    }
                    for &g in &group {
                        let Some(set) = offer.sets.get(g) else {
                            continue;
                        };
                        // Who teaches this session: its cover if it has one, and errors name
                        // the cover's place then.
                        let (teacher, spath) = match set
                            .cover
                            .iter()
                            .enumerate()
                            .find(|(_, c)| c.session == k + 1)
                        {
                            Some((i, c)) => {
                                (c.staff.as_str(), format!("{path}.sets[{g}].cover[{i}]"))
                            }
                            None => (set.staff.as_str(), format!("{path}.sets[{g}]")),
                        };
                        let si = *staff_index.get(teacher).ok_or_else(|| {
                            Error::school(&spath, format!("unknown staff `{teacher}`"))
                        })?;
                        let staff = self
                            .staff
                            .get(si)
                            .ok_or_else(|| Error::school(&spath, "unknown staff"))?;
                        if !staff.kind.satisfies(&offer.staff_kind) {
                            return Err(Error::school(
                                &spath,
                                format!(
                                    "{} is {}, but offer `{}` needs {}",
                                    staff.name,
                                    staff.kind.describe(),
                                    offer.id,
                                    offer.staff_kind.describe()
                                ),
                            ));
                        }
                        // Rooms.
                        let rooms: Vec<RoomOption> = self
                            .rooms
                            .iter()
                            .enumerate()
                            .filter(|(ri, r)| {
                                offer.room_kind.as_ref().is_none_or(|k| &r.kind == k)
                                    && r.capacity >= set.size
                                    && offer.features.iter().all(|f| r.features.contains(f))
                                    && (staff.sites.is_empty()
                                        || room_site
                                            .get(*ri)
                                            .and_then(|&s| self.sites.get(s))
                                            .is_some_and(|s| staff.sites.contains(&s.name)))
                            })
                            .map(|(ri, _)| RoomOption {
                                room: ri,
                                penalty: 0,
                            })
                            .collect();
                        if rooms.is_empty() {
                            return Err(Error::school(
                                &spath,
                                format!(
                                    "no room fits set {} of `{}`: kind {}, capacity {} or more, features [{}], at {}'s sites",
                                    set.name,
                                    offer.id,
                                    offer.room_kind.as_deref().unwrap_or("any"),
                                    set.size,
                                    offer.features.join(", "),
                                    staff.name
                                ),
                            ));
                        }
                        // Times: on the grid, in the window, when the staff member works.
                        let window = match set.window.as_ref().or(offer.window.as_ref()) {
                            Some(w) => Some(*windows.get(w.as_str()).ok_or_else(|| {
                                Error::school(&spath, format!("unknown window `{w}`"))
                            })?),
                            None => None,
                        };
                        let (lo, hi) = window.unwrap_or((0, 1440));
                        let step = self.start_every_minutes.max(mps);
                        let mut times = Vec::new();
                        for d in 0..self.days.len() as u32 {
                            for &weeks in &week_options {
                                let mut m = lo.div_ceil(step) * step;
                                while m + minutes <= hi {
                                    let pat = TimePattern {
                                        days: 1 << d,
                                        start: slot(m),
                                        length: slot(minutes),
                                        weeks,
                                    };
                                    let avail =
                                        staff_avail.get(si).is_none_or(|av| works_at(av, &pat));
                                    let open = closed.iter().all(|c| !c.overlaps(&pat));
                                    if avail && open {
                                        let avoid = staff_avoid
                                            .get(si)
                                            .is_some_and(|v| v.iter().any(|a| a.overlaps(&pat)));
                                        times.push(TimeOption {
                                            pattern: pat,
                                            penalty: if avoid { 5 } else { 0 },
                                        });
                                    }
                                    m += step;
                                }
                            }
                        }
                        if times.is_empty() {
                            return Err(Error::school(
                                &spath,
                                format!(
                                    "set {} of `{}` has no possible time: {} is never free for a {}-minute {} within the window",
                                    set.name, offer.id, staff.name, minutes, block
                                ),
                            ));
                        }
                        let ci = p.classes.len();
                        p.classes.push(Class {
                            id: format!("{}/{}/{}", offer.id, set.name, k + 1),
                            subpart,
                            config,
                            course,
                            parent: prev.get(&g).copied(),
                            limit: set.size,
                            rooms,
                            no_room: None,
                            times,
                        });
                        prev.insert(g, ci);
                        if let Some(s) = p.subparts.get_mut(subpart) {
                            s.classes.push(ci);
                        }
                        if let Some(v) = staff_classes.get_mut(si) {
                            v.push(ci);
                        }
                        if let Some(v) = session_classes.get_mut(k) {
                            v.push(ci);
                        }
                        classes_info.push(ClassInfo {
                            offer: offer.id.clone(),
                            set: set.name.clone(),
                            session: k + 1,
                            staff: staff.name.clone(),
                        });
                    }
                }
                // Balanced days: a group's sessions on different days where possible.
                for &g in &group {
                    let mine: Vec<usize> = (0..p.classes.len())
                        .filter(|&c| {
                            p.classes.get(c).is_some_and(|cl| cl.course == course)
                                && classes_info.get(c).is_some_and(|i| {
                                    offer.sets.get(g).is_some_and(|s| s.name == i.set)
                                })
                        })
                        .collect();
                    if mine.len() > 1 {
                        p.distributions.push(Distribution {
                            kind: DistributionKind::DifferentDays,
                            required: false,
                            penalty: 2,
                            classes: mine,
                            origin: format!("balanced days for {}", offer.id),
                            off: Vec::new(),
                        });
                    }
                }
            }
            offer_session_classes.insert(offer.id.as_str(), session_classes);
        }

        // Staff: never two places at once (with travel between sites), few long gaps.
        for (si, classes) in staff_classes.iter().enumerate() {
            let name = self
                .staff
                .get(si)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            if classes.len() > 1 {
                p.distributions.push(Distribution {
                    kind: DistributionKind::SameAttendees,
                    required: true,
                    penalty: 0,
                    classes: classes.clone(),
                    origin: format!("staff member {name}"),
                    off: Vec::new(),
                });
                p.distributions.push(Distribution {
                    kind: DistributionKind::MaxBreaks(1, 60 / mps),
                    required: false,
                    penalty: 1,
                    classes: classes.clone(),
                    origin: format!("few long gaps for {name}"),
                    off: Vec::new(),
                });
                if self.staff_balanced_week > 0 {
                    p.distributions.push(Distribution {
                        kind: DistributionKind::EvenDays(
                            60 / mps,
                            staff_work_days.get(si).copied().unwrap_or(all_days),
                        ),
                        required: false,
                        penalty: self.staff_balanced_week,
                        classes: classes.clone(),
                        origin: format!("an even week for {name}"),
                        off: Vec::new(),
                    });
                }
            }
        }

        // Option blocks: offers of a block run at the same times.
        let mut block_of: HashMap<&str, &str> = HashMap::new();
        for (bi, ob) in self.option_blocks.iter().enumerate() {
            let path = format!("option_blocks[{bi}]");
            let mut per_session: Vec<Vec<usize>> = Vec::new();
            for o in &ob.offers {
                if let Some(prev) = block_of.insert(o.as_str(), ob.name.as_str()) {
                    return Err(Error::school(
                        &path,
                        format!("offer `{o}` is in option blocks {prev} and {}", ob.name),
                    ));
                }
                let sc = offer_session_classes
                    .get(o.as_str())
                    .ok_or_else(|| Error::school(&path, format!("unknown offer `{o}`")))?;
                if !per_session.is_empty() && per_session.len() != sc.len() {
                    return Err(Error::Contradiction(format!(
                        "option block {}: offers have different numbers of sessions, so they cannot run at the same times",
                        ob.name
                    )));
                }
                per_session.resize(sc.len(), Vec::new());
                for (k, v) in sc.iter().enumerate() {
                    if let Some(ps) = per_session.get_mut(k) {
                        ps.extend(v.iter().copied());
                    }
                }
            }
            for classes in per_session {
                for kind in [
                    DistributionKind::SameStart,
                    DistributionKind::SameDays,
                    DistributionKind::SameWeeks,
                ] {
                    p.distributions.push(Distribution {
                        kind,
                        required: true,
                        penalty: 0,
                        classes: classes.clone(),
                        origin: format!("option block {}", ob.name),
                        off: Vec::new(),
                    });
                }
            }
        }

        // Pupils.
        let offers_by_subject: HashMap<&str, Vec<&Offer>> =
            self.offers.iter().fold(HashMap::new(), |mut m, o| {
                m.entry(o.subject.as_str()).or_insert_with(Vec::new).push(o);
                m
            });
        let entitled: BTreeSet<&str> = self
            .entitlement
            .iter()
            .flat_map(|r| r.any_of.iter().map(String::as_str))
            .collect();
        let mut request_labels = Vec::new();
        let mut seen_pupils = BTreeSet::new();
        for (pi, pupil) in self.pupils.iter().enumerate() {
            let path = format!("pupils[{pi}]");
            if !seen_pupils.insert(pupil.id.as_str()) {
                return Err(Error::school(
                    &path,
                    format!("pupil id `{}` is used twice", pupil.id),
                ));
            }
            if pupil.secure.len() as u32 > self.secure_periods {
                return Err(Error::school(
                    format!("{path}.secure"),
                    format!(
                        "pupil {} chose {} SECURE subjects but has {} SECURE periods",
                        pupil.id,
                        pupil.secure.len(),
                        self.secure_periods
                    ),
                ));
            }
            let mut requests = Vec::new();
            let mut labels = Vec::new();
            let mut used_courses = BTreeSet::new();
            let mut used_blocks: HashMap<&str, &str> = HashMap::new();
            let n_secure = pupil.secure.len() as u32;
            for (ri, (req, is_secure)) in pupil
                .requests
                .iter()
                .map(|r| (r, false))
                .chain(pupil.secure.iter().map(|r| (r, true)))
                .enumerate()
            {
                let rpath = format!("{path}.requests[{ri}]");
                let mut courses = Vec::new();
                let mut subjects = BTreeSet::new();
                for name in std::iter::once(&req.offer).chain(req.alternatives.iter()) {
                    // An offer id, or every offer of a subject (preferred window first).
                    let mut candidates: Vec<&Offer> =
                        match self.offers.iter().find(|o| &o.id == name) {
                            Some(o) => vec![o],
                            None => offers_by_subject
                                .get(name.as_str())
                                .cloned()
                                .unwrap_or_default(),
                        };
                    if candidates.is_empty() {
                        return Err(Error::school(
                            &rpath,
                            format!(
                                "pupil {} asks for unknown offer or subject `{name}`",
                                pupil.id
                            ),
                        ));
                    }
                    candidates.sort_by_key(|o| match (&pupil.window, &o.window) {
                        (Some(a), Some(b)) if a == b => 0,
                        (_, None) => 1,
                        _ => 2,
                    });
                    for o in candidates {
                        if is_secure && !o.secure {
                            return Err(Error::school(
                                &rpath,
                                format!("`{}` is not a SECURE offer", o.id),
                            ));
                        }
                        subjects.insert(o.subject.as_str());
                        if let Some(block) = block_of.get(o.id.as_str()) {
                            if let Some(other) = used_blocks.get(block) {
                                if *other != o.id.as_str() && name == &req.offer {
                                    return Err(Error::school(
                                        &rpath,
                                        format!(
                                            "pupil {} chose `{}` and `{}`, which are both in option block {} and so taught at the same time",
                                            pupil.id, other, o.id, block
                                        ),
                                    ));
                                }
                            } else if name == &req.offer {
                                used_blocks.insert(block, o.id.as_str());
                            }
                        }
                        let list = offer_courses
                            .get(o.id.as_str())
                            .cloned()
                            .unwrap_or_default();
                        if o.setted {
                            let Some(set) = &req.set else {
                                return Err(Error::school(
                                    &rpath,
                                    format!("`{}` is taught in ability sets: say which set pupil {} is in", o.id, pupil.id),
                                ));
                            };
                            let course = list
                                .iter()
                                .find(|(l, _)| l == set)
                                .map(|(_, c)| *c)
                                .ok_or_else(|| {
                                    Error::school(&rpath, format!("`{}` has no set `{set}`", o.id))
                                })?;
                            courses.push(course);
                        } else {
                            courses.extend(list.iter().map(|(_, c)| *c));
                        }
                    }
                }
                for &c in &courses {
                    if !used_courses.insert(c) {
                        return Err(Error::school(
                            &rpath,
                            format!(
                                "pupil {} asks for `{}` twice",
                                pupil.id,
                                p.courses.get(c).map(|c| c.id.as_str()).unwrap_or("?")
                            ),
                        ));
                    }
                }
                let mandatory = !is_secure && subjects.iter().any(|s| entitled.contains(s));
                let weight = if is_secure {
                    // Earlier SECURE choices matter more.
                    10 * (n_secure - (ri - pupil.requests.len()) as u32).max(1)
                        * req.priority.max(1)
                } else {
                    20 * req.priority.max(1)
                };
                labels.push(format!(
                    "{}{}",
                    if is_secure { "SECURE " } else { "" },
                    req.offer
                ));
                requests.push(Request {
                    courses,
                    mandatory,
                    weight,
                });
            }
            p.students.push(Student {
                id: pupil.id.clone(),
                requests,
            });
            request_labels.push(labels);
        }
        if p.classes.is_empty() {
            return Err(Error::Empty("nothing to timetable".into()));
        }
        if self.pupils.is_empty() {
            notes.push("no pupils: only the staff and room timetable is built".into());
        }
        Ok(Compiled {
            problem: p,
            classes: classes_info,
            request_labels,
            notes,
            minutes_per_slot: mps,
            day_names: self.days.clone(),
            staff_days: self
                .staff
                .iter()
                .map(|s| s.name.clone())
                .zip(staff_work_days)
                .collect(),
        })
    }

    /// Compile, solve, and explain: entitlement breaches of the result and every unmet request.
    pub fn solve(
        &self,
        options: &SolveOptions,
        progress: Option<&(dyn Fn(&Progress) + Sync)>,
    ) -> Result<SchoolOutcome, Error> {
        let compiled = self.compile()?;
        let result = solve_problem(&compiled.problem, options, progress)?;
        let entitlement_breaches = self.check_solution_entitlement(&compiled, &result.solution);
        let mut unmet = Vec::new();
        for (si, st) in compiled.problem.students.iter().enumerate() {
            for ri in 0..st.requests.len() {
                if let Some(u) = explain_unmet_request(&compiled.problem, &result.solution, si, ri)
                {
                    unmet.push(u);
                }
            }
        }
        Ok(SchoolOutcome {
            compiled,
            result,
            entitlement_breaches,
            unmet,
        })
    }
}

impl School {
    /// The staff member `staff` is away on `day` (in every week of the cycle): they teach
    /// nothing then, until [`School::mark_back`]. Compile and re-solve (with
    /// [`carry_over`]) to move their lessons, or arrange cover first
    /// ([`crate::cover::arrange_cover`]). Marking a day twice changes nothing.
    pub fn mark_unavailable(&mut self, staff: &str, day: &str) -> Result<(), Error> {
        self.known_day(day)?;
        let days = self.days.clone();
        let member = self.staff_named(staff)?;
        if member.away.iter().any(|d| d == day) {
            return Ok(());
        }
        let works_another_day = days.iter().any(|d| {
            d != day
                && !member.away.contains(d)
                && (member.available.is_empty() || member.available.iter().any(|s| &s.day == d))
        });
        if !works_another_day {
            return Err(Error::school(
                "staff",
                format!(
                    "{staff} works only on {day}: with {day} away they could not teach at all; give their sets to other staff instead"
                ),
            ));
        }
        member.away.push(day.to_string());
        Ok(())
    }

    /// The staff member `staff` is back on `day`, after [`School::mark_unavailable`]:
    /// their usual availability that day holds again, and the cover arranged for their
    /// sets that day ends. Returns how many lessons' cover ended. Re-solve from the
    /// published timetable to give the lessons back to them.
    pub fn mark_back(&mut self, staff: &str, day: &str) -> Result<usize, Error> {
        self.known_day(day)?;
        let member = self.staff_named(staff)?;
        let Some(i) = member.away.iter().position(|d| d == day) else {
            return Err(Error::school(
                "staff",
                format!("{staff} is not marked away on {day}"),
            ));
        };
        member.away.remove(i);
        let mut ended = 0;
        for set in self
            .offers
            .iter_mut()
            .flat_map(|o| o.sets.iter_mut())
            .filter(|set| set.staff == staff)
        {
            let before = set.cover.len();
            set.cover.retain(|c| c.day != day);
            ended += before - set.cover.len();
        }
        Ok(ended)
    }

    /// Everyone marked away, and on which days, in the order of the model's staff.
    pub fn away(&self) -> Vec<(&str, &str)> {
        self.staff
            .iter()
            .flat_map(|s| s.away.iter().map(move |d| (s.name.as_str(), d.as_str())))
            .collect()
    }

    fn known_day(&self, day: &str) -> Result<(), Error> {
        if self.days.iter().any(|d| d == day) {
            return Ok(());
        }
        Err(Error::school(
            "days",
            format!(
                "unknown day `{day}`: the school's days are {}",
                self.days.join(", ")
            ),
        ))
    }

    fn staff_named(&mut self, staff: &str) -> Result<&mut Staff, Error> {
        self.staff
            .iter_mut()
            .find(|s| s.name == staff)
            .ok_or_else(|| Error::school("staff", format!("unknown staff member `{staff}`")))
    }
}

/// How much two timetables of (versions of) a school differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Changes {
    /// Pupil-session assignments of the previous timetable: a pupil in a class at a time
    /// (day, weeks, start, length) in a room.
    pub pupil_sessions: usize,
    /// Assignments of the previous timetable that no longer hold (the lesson moved, or the
    /// pupil left it), plus pupils newly put in a class they were not in before.
    pub changed: usize,
    /// Of `changed`: assignments whose lesson moved (another time or room) while the pupil
    /// stayed in the class. The rest are pupils who left a class or joined one.
    pub lesson_moved: usize,
    /// Classes (matched by id) now at another time or in another room, or no longer
    /// placed, or no longer there.
    pub moved_classes: usize,
}

/// Where a class of a compiled school is, in terms that survive recompiling: its time
/// pattern and the room's name.
pub(crate) fn class_place<'a>(
    c: &'a Compiled,
    s: &Solution,
    class: usize,
) -> Option<(TimePattern, Option<&'a str>)> {
    let pl = s.placements.get(class).copied().flatten()?;
    let t = c.problem.classes.get(class)?.times.get(pl.time)?.pattern;
    let room = pl
        .room
        .and_then(|r| c.problem.rooms.get(r))
        .map(|r| r.id.as_str());
    Some((t, room))
}

/// Map a timetable of a previous version of a school onto a new compilation of it:
/// classes by id, times by their pattern (not their index), rooms by name, and each
/// pupil's classes by pupil id and class id. Whatever no longer fits (a time the class
/// may no longer take, a room it may no longer use, a class or pupil that is gone) is
/// left unplaced or unenrolled, for the solver to repair. Pass the result as
/// `SolveOptions::initial` to re-solve with few changes.
pub fn carry_over(prev: &Compiled, prev_solution: &Solution, next: &Compiled) -> Solution {
    let prev_class = prev.problem.class_indices();
    let next_room: HashMap<&str, usize> = next
        .problem
        .rooms
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let placements = next
        .problem
        .classes
        .iter()
        .map(|class| {
            let &pc = prev_class.get(class.id.as_str())?;
            let (pattern, room) = class_place(prev, prev_solution, pc)?;
            let time = class.times.iter().position(|t| t.pattern == pattern)?;
            let room = match room {
                Some(name) => {
                    let r = *next_room.get(name)?;
                    // Only a room the class may still use.
                    class.rooms.iter().find(|o| o.room == r)?;
                    Some(r)
                }
                None if class.needs_room() => return None,
                None => None,
            };
            Some(Placement { time, room })
        })
        .collect();
    let next_class = next.problem.class_indices();
    let prev_student: HashMap<&str, usize> = prev
        .problem
        .students
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let enrollments = next
        .problem
        .students
        .iter()
        .map(|st| {
            let Some(&ps) = prev_student.get(st.id.as_str()) else {
                return Vec::new();
            };
            let mut v: Vec<usize> = prev_solution
                .enrollments
                .get(ps)
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .filter_map(|&c| prev.problem.classes.get(c))
                .filter_map(|c| next_class.get(c.id.as_str()).copied())
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    Solution {
        placements,
        enrollments,
    }
}

/// Count what differs between a timetable of a previous version of a school and one of
/// the new version (see [`Changes`]).
pub fn assignment_changes(
    prev: &Compiled,
    prev_solution: &Solution,
    next: &Compiled,
    next_solution: &Solution,
) -> Changes {
    type Assignment<'a> = (&'a str, &'a str, TimePattern, Option<&'a str>);
    fn collect<'a>(c: &'a Compiled, s: &Solution) -> HashSet<Assignment<'a>> {
        let mut out = HashSet::new();
        for (si, st) in c.problem.students.iter().enumerate() {
            for &class in s.enrollments.get(si).map(Vec::as_slice).unwrap_or(&[]) {
                let (Some(cl), Some((t, room))) =
                    (c.problem.classes.get(class), class_place(c, s, class))
                else {
                    continue;
                };
                out.insert((st.id.as_str(), cl.id.as_str(), t, room));
            }
        }
        out
    }
    let before = collect(prev, prev_solution);
    let after = collect(next, next_solution);
    let pairs_before: HashSet<(&str, &str)> = before.iter().map(|a| (a.0, a.1)).collect();
    let pairs_after: HashSet<(&str, &str)> = after.iter().map(|a| (a.0, a.1)).collect();
    let lost: Vec<&Assignment> = before.difference(&after).collect();
    let lesson_moved = lost
        .iter()
        .filter(|a| pairs_after.contains(&(a.0, a.1)))
        .count();
    let lost = lost.len();
    let joined = after
        .iter()
        .filter(|a| !pairs_before.contains(&(a.0, a.1)))
        .count();
    let next_class = next.problem.class_indices();
    let moved_classes = prev
        .problem
        .classes
        .iter()
        .enumerate()
        .filter(|(pc, class)| {
            let was = class_place(prev, prev_solution, *pc);
            let now = next_class
                .get(class.id.as_str())
                .and_then(|&nc| class_place(next, next_solution, nc));
            was.is_some() && was != now
        })
        .count();
    Changes {
        pupil_sessions: before.len(),
        changed: lost + joined,
        lesson_moved,
        moved_classes,
    }
}
