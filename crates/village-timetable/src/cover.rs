//! Cover: when a staff member is away for a day, a free colleague teaches their lessons
//! at the usual time and in the usual room, so no pupil's timetable moves.
//!
//! This is how a school first answers an absence; only the lessons nobody can cover are
//! left for a re-solve to move. A colleague may cover a lesson when they are of the kind
//! the offer needs, work then (their availability) and at the room's site, and are not
//! teaching then, nor so close before or after at another site that they could not
//! travel. The day's lessons are planned together rather than one at a time, since giving
//! an early lesson to the best colleague can leave a later one with nobody: the plan
//! covers as many lessons as can be, then prefers colleagues who teach the subject, then
//! those who have not asked to keep the time free, then the fewest lessons that day, so
//! cover is shared out; ties go by name, so the same timetable gets the same cover.
//!
//! The cover is written into the school model (`Set::cover`), so it is saved, shown on
//! the colleague's timetable, and checked again by every compile.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::Serialize;

use crate::error::Error;
use crate::model::Solution;
use crate::model::TimePattern;
use crate::school::{class_place, hhmm, works_at, ClassInfo, Compiled, Cover, School};

/// One lesson of the staff member who is away, and who covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverLine {
    pub offer: String,
    pub set: String,
    /// The session, counted from 1 in the order of the offer's sessions.
    pub session: usize,
    pub day: String,
    pub start: String,
    pub end: String,
    pub room: Option<String>,
    /// The colleague who covers it, if anyone can.
    pub by: Option<String>,
    /// The colleague teaches the subject themselves.
    pub specialist: bool,
    /// Why nobody can, when nobody can.
    pub reason: Option<String>,
}

/// A lesson as cover needs it: who teaches it, when, in which room of the compiled
/// problem, and at which site.
#[derive(Debug, Clone)]
struct Taught {
    class: usize,
    staff: String,
    t: TimePattern,
    room: Option<usize>,
    site: Option<String>,
}

/// Give each lesson `away` teaches on `day` in the timetable `(base, base_solution)` to a
/// free colleague, the day planned as a whole, recording the cover in `school`. Lessons
/// nobody can cover are listed with the reason and left as they are, for a re-solve to
/// move. Cover already arranged for other lessons counts: a colleague covers one lesson at
/// a time.
pub fn arrange_cover(
    school: &mut School,
    base: &Compiled,
    base_solution: &Solution,
    away: &str,
    day: &str,
) -> Result<Vec<CoverLine>, Error> {
    let d = check_absence(school, away, day)?;
    let taught = timetable(school, base, base_solution);
    let lines = plan(school, base, &taught, &[away], d, day, None)?;
    for (_, line) in &lines {
        if let Some(by) = &line.by {
            record(school, &line.offer, &line.set, line.session, by, day);
        }
    }
    Ok(lines.into_iter().map(|(_, l)| l).collect())
}

/// Cover for one date, not every week: `away` is away on a date that is `day` of week
/// `week` of the cycle. The model is not changed; the lines, each with its class's number
/// in `base`, are what the platform keeps for that date. `arranged` is the cover already
/// kept for that date (class number, colleague), which counts as teaching then; a lesson
/// `away` was to cover that date is covered again. Nobody in `also_away` (others away that
/// date) is asked.
pub fn cover_on_date(
    school: &School,
    base: &Compiled,
    base_solution: &Solution,
    away: &str,
    also_away: &[&str],
    (day, week): (&str, u32),
    arranged: &[(usize, String)],
) -> Result<Vec<(usize, CoverLine)>, Error> {
    let d = check_absence(school, away, day)?;
    let mut taught = timetable(school, base, base_solution);
    for (class, by) in arranged {
        if let Some(t) = taught.iter_mut().find(|t| t.class == *class) {
            t.staff.clone_from(by);
        }
    }
    let mut everyone = vec![away];
    everyone.extend_from_slice(also_away);
    plan(school, base, &taught, &everyone, d, day, Some(week))
}

/// The index of `day`, once `away` and `day` are known to the school.
fn check_absence(school: &School, away: &str, day: &str) -> Result<usize, Error> {
    if !school.staff.iter().any(|s| s.name == away) {
        return Err(Error::school(
            "staff",
            format!("unknown staff member `{away}`"),
        ));
    }
    school
        .days
        .iter()
        .position(|x| x == day)
        .ok_or_else(|| Error::school("days", format!("unknown day `{day}`")))
}

/// Choose a colleague for each lesson the first of `away` teaches on day `d` (in week
/// `week` only, if given: then only that day's meeting of a lesson is covered, and only
/// that day counts as busy). The colleagues who may cover each lesson are found first,
/// against the timetable as it stands; the day's plan then chooses among them for all the
/// lessons together, so that a colleague covers one lesson at a time. Nobody in `away` is
/// asked.
fn plan(
    school: &School,
    base: &Compiled,
    taught: &[Taught],
    away: &[&str],
    d: usize,
    day: &str,
    week: Option<u32>,
) -> Result<Vec<(usize, CoverLine)>, Error> {
    let Some(&absent) = away.first() else {
        return Ok(Vec::new());
    };
    let mut kept = Vec::new();
    let mut lines = Vec::new();
    let mut needs = Vec::new();
    for lesson in lessons_of(taught, absent, d, week) {
        let Some(info) = base.classes.get(lesson.class) else {
            continue;
        };
        needs.push(options(school, base, taught, &lesson, &info.offer, away)?);
        lines.push((lesson.class, line_for(base, &lesson, info, day)));
        kept.push(lesson);
    }
    let whole_day = Day::new(base, &kept, needs);
    let chosen = whole_day.choose();
    for (i, (_, line)) in lines.iter_mut().enumerate() {
        match whole_day.colleague(&chosen, i) {
            Some(c) => {
                line.by = Some(c.name.clone());
                line.specialist = c.specialist;
            }
            None => line.reason = whole_day.needs.get(i).map(|n| n.reason.clone()),
        }
    }
    Ok(lines)
}

/// The lessons `absent` teaches on day `d` (of week `week`, if given), in time order. For
/// one date, each is cut down to that day and week, so that only that date counts.
fn lessons_of(taught: &[Taught], absent: &str, d: usize, week: Option<u32>) -> Vec<Taught> {
    // A school of more than 32 days is refused by the compile; here it only finds nothing.
    let bit = u32::try_from(d)
        .ok()
        .and_then(|d| 1u32.checked_shl(d))
        .unwrap_or(0);
    let weeks = week.map_or(u64::MAX, |w| 1u64.checked_shl(w).unwrap_or(0));
    let mut mine: Vec<Taught> = taught
        .iter()
        .filter(|t| t.staff == absent && t.t.days & bit != 0 && t.t.weeks & weeks != 0)
        .cloned()
        .collect();
    mine.sort_by_key(|t| (t.t.start, t.class));
    if week.is_some() {
        for lesson in &mut mine {
            lesson.t.days = bit;
            lesson.t.weeks &= weeks;
        }
    }
    mine
}

/// The line for `lesson`, before anyone is chosen to cover it.
fn line_for(base: &Compiled, lesson: &Taught, info: &ClassInfo, day: &str) -> CoverLine {
    let mps = base.minutes_per_slot;
    CoverLine {
        offer: info.offer.clone(),
        set: info.set.clone(),
        session: info.session,
        day: day.to_string(),
        start: hhmm(lesson.t.start * mps),
        end: hhmm(lesson.t.end() * mps),
        room: lesson
            .room
            .and_then(|r| base.problem.rooms.get(r))
            .map(|r| r.id.clone()),
        by: None,
        specialist: false,
        reason: None,
    }
}

/// Every placed lesson of the timetable, with its teacher as the school now has it (cover
/// arranged since counts) and its room's site.
fn timetable(school: &School, base: &Compiled, base_solution: &Solution) -> Vec<Taught> {
    let site_of: HashMap<&str, &str> = school
        .rooms
        .iter()
        .map(|r| (r.name.as_str(), r.site.as_str()))
        .collect();
    let mut out = Vec::new();
    for (c, info) in base.classes.iter().enumerate() {
        let Some((t, room_name)) = class_place(base, base_solution, c) else {
            continue;
        };
        let staff = school
            .offers
            .iter()
            .find(|o| o.id == info.offer)
            .and_then(|o| o.sets.iter().find(|s| s.name == info.set))
            .map_or(info.staff.as_str(), |s| s.staff_for(info.session));
        out.push(Taught {
            class: c,
            staff: staff.to_string(),
            t,
            room: base_solution
                .placements
                .get(c)
                .copied()
                .flatten()
                .and_then(|pl| pl.room),
            site: room_name
                .and_then(|r| site_of.get(r))
                .map(|s| (*s).to_string()),
        });
    }
    out
}

/// The colleagues who may cover `lesson`, with what the order of preference looks at, and
/// what to say if none of them does.
fn options(
    school: &School,
    base: &Compiled,
    taught: &[Taught],
    lesson: &Taught,
    offer_id: &str,
    away: &[&str],
) -> Result<Need, Error> {
    let Some(offer) = school.offers.iter().find(|o| o.id == offer_id) else {
        return Ok(Need::new(
            Vec::new(),
            format!("the offer `{offer_id}` is no longer in the model"),
        ));
    };
    let mut kind_ok = 0usize;
    let mut candidates = Vec::new();
    for (si, s) in school.staff.iter().enumerate() {
        if away.contains(&s.name.as_str()) || !s.kind.satisfies(&offer.staff_kind) {
            continue;
        }
        kind_ok += 1;
        let at_site = lesson
            .site
            .as_ref()
            .is_none_or(|site| s.sites.is_empty() || s.sites.contains(site));
        let works = works_at(&school.availability(si)?, &lesson.t);
        if !at_site || !works || busy(base, taught, &s.name, lesson) {
            continue;
        }
        candidates.push(Candidate {
            staff: si,
            name: s.name.clone(),
            specialist: school
                .offers
                .iter()
                .filter(|o| o.subject == offer.subject)
                .flat_map(|o| o.sets.iter())
                .any(|set| set.staff == s.name),
            prefers_not: school.avoided(si)?.iter().any(|a| a.overlaps(&lesson.t)),
            that_day: taught
                .iter()
                .filter(|t| t.staff == s.name && t.t.shares_days_and_weeks(&lesson.t))
                .count(),
        });
    }
    // Said of a lesson nobody covers, whether nobody was free or those who were cover
    // other lessons of the day then.
    let reason = if kind_ok == 0 {
        format!(
            "nobody else on the staff is {}",
            offer.staff_kind.describe()
        )
    } else {
        format!(
            "each of the {kind_ok} colleagues who could teach it is teaching then, not working then, too far away to get there, or works at another site"
        )
    };
    Ok(Need::new(candidates, reason))
}

/// `name` teaches at a time that overlaps `lesson`, or too close to it to travel between
/// the two rooms.
fn busy(base: &Compiled, taught: &[Taught], name: &str, lesson: &Taught) -> bool {
    taught
        .iter()
        .any(|t| t.staff == name && too_close(base, t, lesson))
}

/// Someone teaching `first` could not also teach `then`: they overlap, or `then` starts or
/// ends too close to `first` to travel between the two rooms (the compiled problem's travel
/// times, in slots).
fn too_close(base: &Compiled, first: &Taught, then: &Taught) -> bool {
    if !first.t.shares_days_and_weeks(&then.t) {
        return false;
    }
    let gap = base.problem.travel(first.room, then.room);
    first.t.start < then.t.end() + gap && then.t.start < first.t.end() + gap
}

/// The most search nodes the day's plan explores (about half a second unoptimised for
/// sixteen lessons at once, each open to ten of forty colleagues). Its lessons are one
/// teacher's day, so the search usually ends long before this; where it does not, the
/// best plan found so far is kept, which is never worse than the one-lesson-at-a-time plan
/// it starts from.
const NODE_CAP: usize = 20_000;

/// A colleague who may cover one lesson, with what the order of preference looks at.
#[derive(Debug, Clone)]
struct Candidate {
    /// The colleague's place in `School::staff`, which tells colleagues apart.
    staff: usize,
    name: String,
    /// They teach the subject themselves.
    specialist: bool,
    /// The lesson touches a time they asked to keep free.
    prefers_not: bool,
    /// Their lessons that day before any cover in this plan.
    that_day: usize,
}

impl Candidate {
    /// Best first: a teacher of the subject, then one who has not asked to keep the time
    /// free, then the fewest lessons that day, then the name.
    fn rank(&self) -> (bool, bool, usize, &str) {
        (
            !self.specialist,
            self.prefers_not,
            self.that_day,
            &self.name,
        )
    }
}

/// One lesson to cover: the colleagues who may, best first, and why it is left if none of
/// them covers it.
#[derive(Debug, Clone)]
struct Need {
    candidates: Vec<Candidate>,
    reason: String,
}

impl Need {
    fn new(mut candidates: Vec<Candidate>, reason: String) -> Need {
        candidates.sort_by(|a, b| a.rank().cmp(&b.rank()));
        Need { candidates, reason }
    }
}

/// What a plan costs, compared field by field in this order (the derived `Ord`): lessons
/// left uncovered, covers by someone who does not teach the subject, covers at a time the
/// colleague asked to keep free, and the load: for each cover, the colleague's lessons
/// that day before it, as if their covers were given one after another (their own lessons
/// and their earlier covers in the plan). Whatever the order, that adds up the same, and
/// it spreads cover out: a colleague's second cover counts their first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Score {
    uncovered: usize,
    not_specialist: usize,
    prefers_not: usize,
    load: usize,
}

impl Score {
    const ZERO: Score = Score {
        uncovered: 0,
        not_specialist: 0,
        prefers_not: 0,
        load: 0,
    };
    const UNCOVERED: Score = Score {
        uncovered: 1,
        ..Score::ZERO
    };

    fn plus(self, o: Score) -> Score {
        Score {
            uncovered: self.uncovered + o.uncovered,
            not_specialist: self.not_specialist + o.not_specialist,
            prefers_not: self.prefers_not + o.prefers_not,
            load: self.load + o.load,
        }
    }
}

/// For each lesson, in time order, the place in its `Need::candidates` of the colleague who
/// covers it, or `None`.
type Plan = Vec<Option<usize>>;

/// The lessons of one absence on one day, in time order, and how they bear on each other:
/// all a day's plan needs, so choosing it is a pure function of this.
#[derive(Debug, Clone)]
struct Day {
    needs: Vec<Need>,
    /// `clash[i * n + j]`: one colleague cannot cover both lessons.
    clash: Vec<bool>,
    /// `shares[i * n + j]`: the lessons fall on a common day and week, so covering one
    /// counts among the colleague's lessons that day for the other.
    shares: Vec<bool>,
}

impl Day {
    fn new(base: &Compiled, lessons: &[Taught], needs: Vec<Need>) -> Day {
        let pairs = |f: &dyn Fn(&Taught, &Taught) -> bool| -> Vec<bool> {
            lessons
                .iter()
                .enumerate()
                .flat_map(|(i, a)| {
                    lessons
                        .iter()
                        .enumerate()
                        .map(move |(j, b)| i != j && f(a, b))
                })
                .collect()
        };
        Day {
            needs,
            // Travel may differ each way in a general problem; either way rules it out.
            clash: pairs(&|a, b| too_close(base, a, b) || too_close(base, b, a)),
            shares: pairs(&|a, b| a.t.shares_days_and_weeks(&b.t)),
        }
    }

    fn pair(&self, m: &[bool], i: usize, j: usize) -> bool {
        m.get(i * self.needs.len() + j).copied().unwrap_or(false)
    }

    /// Who covers lesson `i` in `plan`.
    fn colleague(&self, plan: &[Option<usize>], i: usize) -> Option<&Candidate> {
        let k = plan.get(i).copied().flatten()?;
        self.needs.get(i)?.candidates.get(k)
    }

    /// The lessons other than `i` that `c` covers in `plan`.
    fn others<'p>(
        &'p self,
        plan: &'p [Option<usize>],
        i: usize,
        c: &'p Candidate,
    ) -> impl Iterator<Item = usize> + 'p {
        (0..self.needs.len())
            .filter(move |&j| j != i && self.colleague(plan, j).is_some_and(|o| o.staff == c.staff))
    }

    /// What giving lesson `i` to `c` adds to `plan`'s score, or `None` when `c` covers a
    /// lesson in `plan` that clashes with it.
    fn cost(&self, plan: &[Option<usize>], i: usize, c: &Candidate) -> Option<Score> {
        let mut covering = 0;
        for j in self.others(plan, i, c) {
            if self.pair(&self.clash, i, j) {
                return None;
            }
            covering += usize::from(self.pair(&self.shares, i, j));
        }
        Some(Score {
            uncovered: 0,
            not_specialist: usize::from(!c.specialist),
            prefers_not: usize::from(c.prefers_not),
            load: c.that_day + covering,
        })
    }

    /// The best choice for lesson `i` alone, given `plan`: its score and the candidate (none
    /// when nobody may), ties going by name.
    fn best_for(&self, plan: &[Option<usize>], i: usize) -> (Score, Option<usize>) {
        let Some(need) = self.needs.get(i) else {
            return (Score::UNCOVERED, None);
        };
        need.candidates
            .iter()
            .enumerate()
            .filter_map(|(k, c)| Some((self.cost(plan, i, c)?, c.name.as_str(), k)))
            .min()
            .map_or((Score::UNCOVERED, None), |(score, _, k)| (score, Some(k)))
    }

    /// One lesson at a time in time order, each to the best colleague still free: how cover
    /// was chosen before the day was planned as a whole, and where the search starts.
    fn greedy(&self) -> Plan {
        let mut plan = vec![None; self.needs.len()];
        for i in 0..self.needs.len() {
            let (_, k) = self.best_for(&plan, i);
            if let Some(slot) = plan.get_mut(i) {
                *slot = k;
            }
        }
        plan
    }

    /// `plan`'s score: each cover costed against the covers of earlier lessons (a cover
    /// that clashes with one of them, which no plan made here has, counts as none).
    fn score(&self, plan: &[Option<usize>]) -> Score {
        let mut so_far = vec![None; self.needs.len()];
        let mut total = Score::ZERO;
        for i in 0..self.needs.len() {
            let cover = self
                .colleague(plan, i)
                .and_then(|c| self.cost(&so_far, i, c));
            total = total.plus(cover.unwrap_or(Score::UNCOVERED));
            if let Some(slot) = so_far.get_mut(i) {
                *slot = plan.get(i).copied().flatten();
            }
        }
        total
    }

    /// How lesson `i` compares by name in two plans: the colleague first by name comes
    /// first, and any colleague before leaving it uncovered.
    fn by_name(&self, a: &[Option<usize>], b: &[Option<usize>], i: usize) -> Ordering {
        let key = |p| {
            let c = self.colleague(p, i);
            (c.is_none(), c.map(|c| c.name.as_str()))
        };
        key(a).cmp(&key(b))
    }

    /// The day's plan: the best by `Score`, ties going to the plan whose first lesson (in
    /// time order) that differs goes to the colleague first by name.
    fn choose(&self) -> Plan {
        self.search().best
    }

    fn search(&self) -> Search<'_> {
        let n = self.needs.len();
        // Most constrained first, so that the lessons few may cover are settled early and
        // the bound bites; time order among equals keeps it deterministic.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (self.needs.get(i).map_or(0, |x| x.candidates.len()), i));
        let mut place = vec![0; n];
        for (p, &i) in order.iter().enumerate() {
            if let Some(slot) = place.get_mut(i) {
                *slot = p;
            }
        }
        let best = self.greedy();
        let mut search = Search {
            day: self,
            order,
            place,
            plan: vec![None; n],
            best_score: self.score(&best),
            best,
            nodes: 0,
        };
        search.dive(0, Score::ZERO);
        search
    }
}

/// A branch and bound over the day's lessons, each given in turn to each colleague who may
/// still take it or left uncovered.
struct Search<'a> {
    day: &'a Day,
    /// The lessons in the order they are decided.
    order: Vec<usize>,
    /// Each lesson's place in `order`: the first `depth` of it are decided.
    place: Vec<usize>,
    plan: Plan,
    best: Plan,
    best_score: Score,
    nodes: usize,
}

impl Search<'_> {
    fn dive(&mut self, depth: usize, so_far: Score) {
        if self.nodes >= NODE_CAP || self.cannot_win(depth, so_far) {
            return;
        }
        self.nodes += 1;
        let day = self.day;
        let Some(&i) = self.order.get(depth) else {
            // Every lesson decided, and not beaten: the best plan yet.
            self.best.clone_from(&self.plan);
            self.best_score = so_far;
            return;
        };
        let Some(need) = day.needs.get(i) else {
            return;
        };
        for (k, c) in need.candidates.iter().enumerate() {
            if let Some(cost) = day.cost(&self.plan, i, c) {
                self.set(i, Some(k));
                self.dive(depth + 1, so_far.plus(cost));
                self.set(i, None);
            }
        }
        self.dive(depth + 1, so_far.plus(Score::UNCOVERED));
    }

    fn set(&mut self, i: usize, k: Option<usize>) {
        if let Some(slot) = self.plan.get_mut(i) {
            *slot = k;
        }
    }

    /// No plan that decides the rest can beat the best so far. The bound gives each
    /// lesson left its best choice alone: sums of scores keep their order, and what the
    /// other lessons left add later only costs more.
    fn cannot_win(&self, depth: usize, so_far: Score) -> bool {
        let left = self.order.get(depth..).unwrap_or(&[]);
        let bound = left.iter().fold(so_far, |acc, &i| {
            acc.plus(self.day.best_for(&self.plan, i).0)
        });
        match bound.cmp(&self.best_score) {
            Ordering::Less => false,
            Ordering::Greater => true,
            // At best a tie, which goes by name, lesson by lesson in time order: lost only
            // once a decided lesson says so (or, every lesson decided, this is the best).
            Ordering::Equal => matches!(
                self.by_name(depth),
                Some(Ordering::Greater | Ordering::Equal)
            ),
        }
    }

    /// How the decided lessons compare by name with the best plan, in time order, as far as
    /// they tell: `None` when a lesson still to decide comes first.
    fn by_name(&self, depth: usize) -> Option<Ordering> {
        for i in 0..self.day.needs.len() {
            if self.place.get(i).is_none_or(|&p| p >= depth) {
                return None;
            }
            let o = self.day.by_name(&self.plan, &self.best, i);
            if o != Ordering::Equal {
                return Some(o);
            }
        }
        Some(Ordering::Equal)
    }
}

/// Write the cover for the absence on `day` into the set (replacing any earlier cover of
/// the session; none when the set's own staff member takes it back).
fn record(school: &mut School, offer: &str, set: &str, session: usize, staff: &str, day: &str) {
    let Some(set) = school
        .offers
        .iter_mut()
        .find(|o| o.id == offer)
        .and_then(|o| o.sets.iter_mut().find(|s| s.name == set))
    else {
        return;
    };
    set.cover.retain(|c| c.session != session);
    if set.staff != staff {
        set.cover.push(Cover {
            session,
            staff: staff.to_string(),
            day: day.to_string(),
        });
        set.cover.sort_by_key(|c| c.session);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::Placement;

    /// Two days of one-hour lessons at two sites, 30 minutes apart. Cy does not work before
    /// ten on Mondays, Di is an assistant, Eve works only at the South site; Gus and Hal
    /// teach nothing.
    fn school() -> School {
        let offer = |id: &str, subject: &str, set: &str, staff: &str| {
            json!({"id": id, "subject": subject, "sessions": ["single"], "staff_kind": "teacher",
                   "sets": [{"name": set, "staff": staff, "size": 20}]})
        };
        School::from_json(
            &json!({
                "name": "Cover School", "days": ["Mon", "Tue"], "start_every_minutes": 60,
                "windows": [{"name": "day", "start": "09:00", "end": "12:00"}],
                "blocks": [{"name": "single", "minutes": 60}],
                "sites": [{"name": "North", "travel_minutes": {"South": 30}}, {"name": "South"}],
                "rooms": [
                    {"name": "N1", "site": "North", "capacity": 30, "kind": "classroom"},
                    {"name": "N2", "site": "North", "capacity": 30, "kind": "classroom"},
                    {"name": "N3", "site": "North", "capacity": 30, "kind": "classroom"},
                    {"name": "S1", "site": "South", "capacity": 30, "kind": "classroom"}
                ],
                "staff": [
                    {"name": "Ada", "kind": "teacher"},
                    {"name": "Bo", "kind": "teacher"},
                    {"name": "Cy", "kind": "teacher", "available": [
                        {"day": "Mon", "start": "10:00", "end": "15:00"},
                        {"day": "Tue", "start": "09:00", "end": "15:00"}]},
                    {"name": "Di", "kind": {"teaching_assistant": 2}},
                    {"name": "Eve", "kind": "teacher", "sites": ["South"]},
                    {"name": "Fay", "kind": "teacher"},
                    {"name": "Gus", "kind": "teacher"},
                    {"name": "Hal", "kind": "teacher"}
                ],
                "offers": [
                    offer("maths-1", "maths", "1", "Ada"),
                    offer("maths-2", "maths", "2", "Bo"),
                    offer("english", "english", "A", "Fay"),
                    offer("history", "history", "A", "Gus"),
                    offer("geography", "geography", "A", "Gus")
                ],
                "pupils": []
            })
            .to_string(),
        )
        .unwrap()
    }

    /// The school's timetable with each class (by id) on Monday at the given hour and room.
    fn timetable_of(s: &School, at: &[(&str, u32, &str)]) -> (Compiled, Solution) {
        let c = s.compile().unwrap();
        let mut sol = Solution::empty_for(&c.problem);
        for &(id, hour, room) in at {
            let ci = c.problem.classes.iter().position(|x| x.id == id).unwrap();
            let class = &c.problem.classes[ci];
            let start = hour * 60 / c.minutes_per_slot;
            let time = class
                .times
                .iter()
                .position(|t| t.pattern.days == 1 && t.pattern.start == start)
                .unwrap();
            let room = c.problem.rooms.iter().position(|r| r.id == room).unwrap();
            sol.placements[ci] = Some(Placement {
                time,
                room: Some(room),
            });
        }
        (c, sol)
    }

    fn cover_ada(s: &mut School, c: &Compiled, sol: &Solution) -> Vec<CoverLine> {
        s.mark_unavailable("Ada", "Mon").unwrap();
        arrange_cover(s, c, sol, "Ada", "Mon").unwrap()
    }

    #[test]
    fn a_free_colleague_who_teaches_the_subject_covers_first() {
        let mut s = school();
        let (c, sol) = timetable_of(
            &s,
            &[
                ("maths-1/1/1", 9, "N1"),
                ("maths-2/2/1", 10, "N2"),
                ("english/A/1", 10, "N3"),
            ],
        );
        let lines = cover_ada(&mut s, &c, &sol);
        assert_eq!(lines.len(), 1, "{lines:?}");
        // Bo teaches maths (at ten) and is free at nine. Gus and Hal are free too, with
        // fewer lessons that day, but Bo teaches the subject.
        assert_eq!(lines[0].by.as_deref(), Some("Bo"), "{lines:?}");
        assert!(lines[0].specialist);
        assert_eq!(
            (lines[0].start.as_str(), lines[0].end.as_str()),
            ("09:00", "10:00")
        );
        assert_eq!(lines[0].room.as_deref(), Some("N1"));
        let set = &s.offers[0].sets[0];
        assert_eq!(
            set.cover,
            vec![Cover {
                session: 1,
                staff: "Bo".into(),
                day: "Mon".into(),
            }]
        );
        assert_eq!(set.staff_for(1), "Bo");
        // The model with the cover compiles, and the old timetable fits it unchanged.
        let next = s.compile().unwrap();
        let carried = crate::school::carry_over(&c, &sol, &next);
        assert_eq!(carried.placements, sol.placements);
        assert_eq!(next.classes[0].staff, "Bo");
        // Ada back on Monday: the cover ends with the absence, and she teaches it again.
        // Cover for another absence (Tuesday's) stays.
        s.offers[0].sets[0].cover.push(Cover {
            session: 2,
            staff: "Gus".into(),
            day: "Tue".into(),
        });
        assert_eq!(s.mark_back("Ada", "Mon").unwrap(), 1);
        assert_eq!(s.offers[0].sets[0].cover.len(), 1);
        assert_eq!(s.offers[0].sets[0].staff_for(1), "Ada");
        assert!(s.away().is_empty());
    }

    #[test]
    fn the_day_is_planned_as_a_whole() {
        // Ada teaches maths at nine in the North and at ten in the South. Bo teaches maths
        // and is free all day; Gus teaches history at ten in the North, so he is free only
        // at nine; Cy, Eve, Fay and Hal are away and Di is an assistant. One lesson at a
        // time, Bo (a maths teacher) would take nine o'clock, could not then get to the
        // South by ten, and nobody else could cover ten. Planned over the day, Gus takes
        // nine and Bo ten.
        let mut s = with_a_second_set_of_adas(school());
        for name in ["Cy", "Eve", "Fay", "Hal"] {
            s.mark_unavailable(name, "Mon").unwrap();
        }
        let (c, sol) = timetable_of(
            &s,
            &[
                ("maths-1/1/1", 9, "N1"),
                ("maths-3/3/1", 10, "S1"),
                ("history/A/1", 10, "N2"),
            ],
        );
        let lines = cover_ada(&mut s, &c, &sol);
        let by: Vec<_> = lines.iter().map(|l| l.by.as_deref()).collect();
        assert_eq!(by, [Some("Gus"), Some("Bo")], "{lines:?}");
        assert!(!lines[0].specialist && lines[1].specialist, "{lines:?}");
        assert!(lines.iter().all(|l| l.reason.is_none()), "{lines:?}");
        // The cover is written into the model for both sets, and it compiles.
        assert_eq!(s.offers[0].sets[0].staff_for(1), "Gus");
        assert_eq!(s.offers[5].sets[0].staff_for(1), "Bo");
        s.compile().unwrap();
        // With Gus away too, only Bo is left for either: he takes nine, and ten is left
        // with the same reason as when nobody is free (the six teachers not on the away
        // list are counted; away that day means not working then).
        let mut s = with_a_second_set_of_adas(school());
        for name in ["Cy", "Eve", "Fay", "Gus", "Hal"] {
            s.mark_unavailable(name, "Mon").unwrap();
        }
        let lines = cover_ada(&mut s, &c, &sol);
        assert_eq!(lines[0].by.as_deref(), Some("Bo"), "{lines:?}");
        assert_eq!(lines[1].by, None, "{lines:?}");
        let why = lines[1].reason.as_deref().unwrap();
        assert!(
            why.starts_with("each of the 6 colleagues who could teach it"),
            "{why}"
        );
    }

    /// The school with a second maths set of Ada's (`maths-3/3/1`), placed like the rest.
    fn with_a_second_set_of_adas(mut s: School) -> School {
        let mut second = s.offers[0].clone();
        second.id = "maths-3".into();
        second.sets[0].name = "3".into();
        s.offers.push(second);
        s
    }

    #[test]
    fn the_subject_teacher_still_comes_first_when_every_lesson_can_be_covered() {
        // Ada teaches maths at nine and eleven in the North; Bo (maths) is free all day and
        // takes both, although others have fewer lessons by then.
        let mut s = with_a_second_set_of_adas(school());
        let at = [("maths-1/1/1", 9, "N1"), ("maths-3/3/1", 11, "N3")];
        let (c, sol) = timetable_of(&s, &at);
        let lines = cover_ada(&mut s, &c, &sol);
        let by: Vec<_> = lines.iter().map(|l| l.by.as_deref()).collect();
        assert_eq!(by, [Some("Bo"), Some("Bo")], "{lines:?}");
        assert!(lines.iter().all(|l| l.specialist));
        // Ada's second lesson at ten in the South: Bo cannot travel between the two, so he
        // takes one. Either way one cover is by someone who does not teach maths, so it
        // goes as it did one lesson at a time: Bo at nine, and at ten Cy, first by name
        // of those with no lessons that day (Cy works from ten on Mondays).
        let mut s = with_a_second_set_of_adas(school());
        let at = [("maths-1/1/1", 9, "N1"), ("maths-3/3/1", 10, "S1")];
        let (c, sol) = timetable_of(&s, &at);
        let lines = cover_ada(&mut s, &c, &sol);
        let by: Vec<_> = lines.iter().map(|l| l.by.as_deref()).collect();
        assert_eq!(by, [Some("Bo"), Some("Cy")], "{lines:?}");
    }

    #[test]
    fn cover_is_shared_out_over_the_day() {
        // Ada teaches at nine and eleven; with Bo away, nobody free teaches maths. Gus and
        // Hal have no lessons: one covers each, not both by Gus (first by name).
        let mut s = with_a_second_set_of_adas(school());
        for name in ["Bo", "Cy", "Eve", "Fay"] {
            s.mark_unavailable(name, "Mon").unwrap();
        }
        let at = [("maths-1/1/1", 9, "N1"), ("maths-3/3/1", 11, "N3")];
        let (c, sol) = timetable_of(&s, &at);
        let lines = cover_ada(&mut s, &c, &sol);
        let by: Vec<_> = lines.iter().map(|l| l.by.as_deref()).collect();
        assert_eq!(by, [Some("Gus"), Some("Hal")], "{lines:?}");
    }

    #[test]
    fn busy_away_too_far_or_of_another_kind_are_passed_over() {
        // Bo teaches at nine too; Cy does not work before ten on Mondays; Di is an
        // assistant; Eve works only at the South site; Fay teaches at ten at the South
        // site, too far to travel in time; Gus teaches at eleven, Hal teaches nothing.
        let mut s = school();
        let at = [
            ("maths-1/1/1", 9, "N1"),
            ("maths-2/2/1", 9, "N2"),
            ("english/A/1", 10, "S1"),
            ("history/A/1", 11, "N1"),
        ];
        let (c, sol) = timetable_of(&s, &at);
        let lines = cover_ada(&mut s, &c, &sol);
        // Hal has no lessons that day, Gus one: the cover goes to Hal.
        assert_eq!(lines[0].by.as_deref(), Some("Hal"), "{lines:?}");
        assert!(!lines[0].specialist);
        // With Hal away too: Fay and Gus have one lesson each and Fay comes first by name,
        // but Fay's is at ten at the South site, too far to get there in time. Gus.
        let mut s = school();
        s.mark_unavailable("Hal", "Mon").unwrap();
        let lines = cover_ada(&mut s, &c, &sol);
        assert_eq!(lines[0].by.as_deref(), Some("Gus"), "{lines:?}");
        // Fay at ten on the same site and Gus at the South site: Fay.
        let mut s = school();
        s.mark_unavailable("Hal", "Mon").unwrap();
        let swapped = [
            at[0],
            at[1],
            ("english/A/1", 10, "N3"),
            ("history/A/1", 10, "S1"),
        ];
        let (c2, sol2) = timetable_of(&s, &swapped);
        let lines = cover_ada(&mut s, &c2, &sol2);
        assert_eq!(lines[0].by.as_deref(), Some("Fay"), "{lines:?}");
    }

    #[test]
    fn with_nobody_free_the_lesson_is_left_with_the_reason() {
        let mut s = school();
        let (c, sol) = timetable_of(
            &s,
            &[
                ("maths-1/1/1", 9, "N1"),
                ("maths-2/2/1", 9, "N2"),
                ("english/A/1", 9, "N3"),
                ("history/A/1", 9, "S1"),
            ],
        );
        s.mark_unavailable("Hal", "Mon").unwrap();
        let lines = cover_ada(&mut s, &c, &sol);
        assert_eq!(lines[0].by, None, "{lines:?}");
        let why = lines[0].reason.as_deref().unwrap();
        assert!(why.contains("colleagues who could teach it"), "{why}");
        assert!(s.offers[0].sets[0].cover.is_empty());
    }

    #[test]
    fn a_colleague_covers_one_lesson_at_a_time() {
        // Ada and Bo both away on Monday, both teaching at nine: Hal covers one, and the
        // other goes to someone else.
        let mut s = school();
        let (c, sol) = timetable_of(&s, &[("maths-1/1/1", 9, "N1"), ("maths-2/2/1", 9, "N2")]);
        s.mark_unavailable("Bo", "Mon").unwrap();
        let a = cover_ada(&mut s, &c, &sol);
        let b = arrange_cover(&mut s, &c, &sol, "Bo", "Mon").unwrap();
        assert!(a[0].by.is_some() && b[0].by.is_some(), "{a:?} {b:?}");
        assert_ne!(a[0].by, b[0].by, "{a:?} {b:?}");
        assert_ne!(b[0].by.as_deref(), Some("Ada"), "Ada is away");
    }

    #[test]
    fn cover_for_a_date_leaves_the_model_alone_and_counts_what_that_date_has() {
        let s = school();
        let (c, sol) = timetable_of(&s, &[("maths-1/1/1", 9, "N1"), ("maths-2/2/1", 9, "N2")]);
        let class_of = |id: &str| c.problem.classes.iter().position(|x| x.id == id).unwrap();
        let (ada, bo) = (class_of("maths-1/1/1"), class_of("maths-2/2/1"));
        // Ada away on a Monday: the model is untouched, the line names her class.
        let a = cover_on_date(&s, &c, &sol, "Ada", &[], ("Mon", 0), &[]).unwrap();
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].0, ada);
        let first = a[0].1.by.clone().unwrap();
        assert!(s
            .offers
            .iter()
            .all(|o| o.sets.iter().all(|x| x.cover.is_empty())));
        // Bo away the same date: whoever covers Ada at nine is teaching then, and Ada is
        // away too.
        let arranged = vec![(ada, first.clone())];
        let b = cover_on_date(&s, &c, &sol, "Bo", &["Ada"], ("Mon", 0), &arranged).unwrap();
        assert_eq!(b[0].0, bo);
        let second = b[0].1.by.clone().unwrap();
        assert_ne!(second, first);
        assert_ne!(second, "Ada");
        // The colleague covering Ada is then away too: Ada's lesson is covered again, by
        // someone else again.
        let arranged = vec![(ada, first.clone()), (bo, second.clone())];
        let again =
            cover_on_date(&s, &c, &sol, &first, &["Ada", "Bo"], ("Mon", 0), &arranged).unwrap();
        assert_eq!(again.len(), 1, "{again:?}");
        assert_eq!(again[0].0, ada);
        let third = again[0].1.by.clone().unwrap();
        assert!(![first.as_str(), second.as_str(), "Ada", "Bo"].contains(&third.as_str()));
        // Nothing on Tuesday; an unknown day or person is named.
        assert!(cover_on_date(&s, &c, &sol, "Ada", &[], ("Tue", 0), &[])
            .unwrap()
            .is_empty());
        let e = cover_on_date(&s, &c, &sol, "Zed", &[], ("Mon", 0), &[]).unwrap_err();
        assert!(e.to_string().contains("`Zed`"), "{e}");
    }

    #[test]
    fn covering_a_lesson_does_not_make_a_teacher_of_its_subject() {
        // Bo is away on Mondays and Gus covers his maths at ten. Ada is away too: Gus is
        // not a maths teacher for that (he was chosen first while covering counted), so
        // the first by name of those with no lessons that day covers: Fay.
        let mut s = school();
        let (c, sol) = timetable_of(&s, &[("maths-1/1/1", 9, "N1"), ("maths-2/2/1", 10, "N2")]);
        s.mark_unavailable("Bo", "Mon").unwrap();
        s.offers[1].sets[0].cover.push(Cover {
            session: 1,
            staff: "Gus".into(),
            day: "Mon".into(),
        });
        let lines = cover_ada(&mut s, &c, &sol);
        assert_eq!(lines[0].by.as_deref(), Some("Fay"), "{lines:?}");
        assert!(!lines[0].specialist);
    }

    /// A fortnight: Ada's maths meets on Tuesdays at nine in both weeks, Fay's English on
    /// Tuesday of week B only, also at nine.
    #[test]
    fn cover_for_a_date_counts_that_date_alone() {
        let mut s = school();
        s.weeks = 2;
        s.offers[2].weekly = false;
        let c = s.compile().unwrap();
        let mut sol = Solution::empty_for(&c.problem);
        let place = |sol: &mut Solution, id: &str, days: u32, weeks: u64, room: &str| {
            let ci = c.problem.classes.iter().position(|x| x.id == id).unwrap();
            let time = c.problem.classes[ci]
                .times
                .iter()
                .position(|t| {
                    t.pattern.days == days
                        && t.pattern.weeks == weeks
                        && t.pattern.start == 9 * 60 / c.minutes_per_slot
                })
                .unwrap_or_else(|| panic!("{id}: no time on days {days:b}, weeks {weeks:b}"));
            let room = c.problem.rooms.iter().position(|r| r.id == room).unwrap();
            sol.placements[ci] = Some(Placement {
                time,
                room: Some(room),
            });
        };
        place(&mut sol, "maths-1/1/1", 0b10, 0b11, "N1");
        place(&mut sol, "english/A/1", 0b10, 0b10, "N2");
        let class_of = |id: &str| c.problem.classes.iter().position(|x| x.id == id).unwrap();
        // Ada away on Tuesday of week A: Fay teaches only in week B then, so she is free
        // and, with Gus and Hal, has no lessons that date; first by name among those.
        let a = cover_on_date(&s, &c, &sol, "Ada", &[], ("Tue", 0), &[]).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].0, class_of("maths-1/1/1"));
        assert_eq!(
            a[0].1.by.as_deref(),
            Some("Bo"),
            "the other maths teacher: {a:?}"
        );
        // Bo away too, Tuesday of week B: Fay teaches English then, so she is busy.
        let b = cover_on_date(&s, &c, &sol, "Ada", &["Bo"], ("Tue", 1), &[]).unwrap();
        assert_ne!(b[0].1.by.as_deref(), Some("Fay"), "{b:?}");
        // Week A: Fay is free at nine and comes first by name (Cy does not work before ten
        // on Mondays but does on Tuesdays; Cy comes first by name).
        let a2 = cover_on_date(&s, &c, &sol, "Ada", &["Bo"], ("Tue", 0), &[]).unwrap();
        assert_eq!(a2[0].1.by.as_deref(), Some("Cy"), "{a2:?}");
        let a3 = cover_on_date(&s, &c, &sol, "Ada", &["Bo", "Cy"], ("Tue", 0), &[]).unwrap();
        assert_eq!(a3[0].1.by.as_deref(), Some("Fay"), "free in week A: {a3:?}");
        let b3 = cover_on_date(&s, &c, &sol, "Ada", &["Bo", "Cy"], ("Tue", 1), &[]).unwrap();
        assert_eq!(
            b3[0].1.by.as_deref(),
            Some("Gus"),
            "Fay teaches in week B: {b3:?}"
        );
    }

    #[test]
    fn unknown_staff_and_days_are_named() {
        let mut s = school();
        let (c, sol) = timetable_of(&s, &[("maths-1/1/1", 9, "N1")]);
        let e = arrange_cover(&mut s, &c, &sol, "Zed", "Mon").unwrap_err();
        assert!(e.to_string().contains("unknown staff member `Zed`"), "{e}");
        let e = arrange_cover(&mut s, &c, &sol, "Ada", "Sun").unwrap_err();
        assert!(e.to_string().contains("unknown day `Sun`"), "{e}");
    }

    #[test]
    fn cover_in_the_model_is_checked_by_the_compile() {
        let s = school();
        let mut bad = s.clone();
        bad.offers[0].sets[0].cover = vec![Cover {
            session: 2,
            staff: "Bo".into(),
            day: "Mon".into(),
        }];
        let e = bad.compile().unwrap_err().to_string();
        assert!(
            e.contains("offers[0].sets[0].cover[0]") && e.contains("session 2 does not exist"),
            "{e}"
        );
        bad.offers[0].sets[0].cover = vec![
            Cover {
                session: 1,
                staff: "Bo".into(),
                day: "Mon".into(),
            },
            Cover {
                session: 1,
                staff: "Gus".into(),
                day: "Mon".into(),
            },
        ];
        let e = bad.compile().unwrap_err().to_string();
        assert!(e.contains("cover[1]") && e.contains("covered twice"), "{e}");
        bad.offers[0].sets[0].cover = vec![Cover {
            session: 1,
            staff: "Zed".into(),
            day: "Mon".into(),
        }];
        let e = bad.compile().unwrap_err().to_string();
        assert!(
            e.contains("cover[0]") && e.contains("unknown staff `Zed`"),
            "{e}"
        );
        bad.offers[0].sets[0].cover = vec![Cover {
            session: 1,
            staff: "Di".into(),
            day: "Mon".into(),
        }];
        let e = bad.compile().unwrap_err().to_string();
        assert!(
            e.contains("cover[0]") && e.contains("needs a teacher"),
            "{e}"
        );
    }

    /// A made-up day for the plan alone: lessons as (start, length) in slots, all on one
    /// day; `gap` slots needed between two lessons one colleague covers; for each lesson
    /// and colleague, `None` when they may not cover it, else whether they teach the
    /// subject and whether they asked to keep the time free; each colleague's lessons that
    /// day.
    fn made_up_day(
        lessons: &[(u32, u32)],
        gap: u32,
        may: &[Vec<Option<(bool, bool)>>],
        that_day: &[usize],
    ) -> Day {
        let needs = may
            .iter()
            .map(|row| {
                let candidates = row
                    .iter()
                    .enumerate()
                    .filter_map(|(k, m)| {
                        m.map(|(specialist, prefers_not)| Candidate {
                            staff: k,
                            name: format!("c{k:02}"),
                            specialist,
                            prefers_not,
                            that_day: that_day[k],
                        })
                    })
                    .collect();
                Need::new(candidates, "nobody".into())
            })
            .collect();
        let mut clash = Vec::new();
        let mut shares = Vec::new();
        for (i, &(a, la)) in lessons.iter().enumerate() {
            for (j, &(b, lb)) in lessons.iter().enumerate() {
                clash.push(i != j && a < b + lb + gap && b < a + la + gap);
                shares.push(i != j);
            }
        }
        Day {
            needs,
            clash,
            shares,
        }
    }

    /// Every plan that gives no colleague two lessons that clash.
    fn every_plan(day: &Day) -> Vec<Plan> {
        let mut plans: Vec<Plan> = vec![vec![]];
        for need in &day.needs {
            let choices: Vec<Option<usize>> = std::iter::once(None)
                .chain((0..need.candidates.len()).map(Some))
                .collect();
            plans = plans
                .into_iter()
                .flat_map(|p| {
                    choices.iter().map(move |&c| {
                        let mut p = p.clone();
                        p.push(c);
                        p
                    })
                })
                .collect();
        }
        plans.retain(|p| no_clash(day, p));
        plans
    }

    fn no_clash(day: &Day, plan: &[Option<usize>]) -> bool {
        let n = day.needs.len();
        (0..n).all(|i| {
            (0..n).all(|j| {
                let (a, b) = (day.colleague(plan, i), day.colleague(plan, j));
                i == j || !day.clash[i * n + j] || a.zip(b).is_none_or(|(a, b)| a.staff != b.staff)
            })
        })
    }

    fn covered(day: &Day, plan: &[Option<usize>]) -> usize {
        (0..day.needs.len())
            .filter(|&i| day.colleague(plan, i).is_some())
            .count()
    }

    proptest::proptest! {
        /// On small made-up days the plan gives no colleague two lessons that clash, only
        /// colleagues who may cover, at least as many covers as one lesson at a time, and
        /// is the best of all plans (by score, then by name), found by trying them all.
        #[test]
        fn the_day_plan_is_sound_and_the_best(
            lessons in proptest::collection::vec((0u32..6, 1u32..3), 1..=5),
            gap in 0u32..2,
            may in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::option::of((proptest::bool::ANY, proptest::bool::ANY)),
                    4,
                ),
                5,
            ),
            colleagues in 1usize..=4,
            that_day in proptest::collection::vec(0usize..3, 4),
        ) {
            let may: Vec<Vec<_>> = may
                .iter()
                .take(lessons.len())
                .map(|row| row.iter().take(colleagues).copied().collect())
                .collect();
            let day = made_up_day(&lessons, gap, &may, &that_day);
            let plan = day.choose();
            proptest::prop_assert_eq!(plan.len(), lessons.len());
            proptest::prop_assert!(no_clash(&day, &plan), "{:?}", plan);
            for (i, row) in may.iter().enumerate() {
                if let Some(c) = day.colleague(&plan, i) {
                    proptest::prop_assert!(row[c.staff].is_some(), "lesson {} to {}", i, c.name);
                }
            }
            let greedy = day.greedy();
            proptest::prop_assert!(no_clash(&day, &greedy));
            proptest::prop_assert!(covered(&day, &plan) >= covered(&day, &greedy));
            proptest::prop_assert!(day.score(&plan) <= day.score(&greedy));
            let names = |p: &Plan| -> Vec<(bool, Option<String>)> {
                (0..lessons.len())
                    .map(|i| {
                        let c = day.colleague(p, i);
                        (c.is_none(), c.map(|c| c.name.clone()))
                    })
                    .collect()
            };
            let best = every_plan(&day)
                .into_iter()
                .min_by_key(|p| (day.score(p), names(p)))
                .unwrap();
            proptest::prop_assert_eq!(day.score(&plan), day.score(&best));
            proptest::prop_assert_eq!(plan, best);
        }
    }

    #[test]
    fn a_day_too_big_to_search_ends_at_the_node_cap_with_at_least_greedy_cover() {
        // Sixteen lessons that all overlap and forty colleagues, each of whom may cover a
        // quarter of them: far more plans than the cap lets the search look at.
        let lessons: Vec<(u32, u32)> = (0..16).map(|i| (i % 3, 2)).collect();
        let may: Vec<Vec<Option<(bool, bool)>>> = (0..16usize)
            .map(|i| {
                (0..40usize)
                    .map(|k| {
                        ((i * 7 + k * 13) % 4 == 0).then_some(((i + k) % 4 == 0, (i * k) % 5 == 1))
                    })
                    .collect()
            })
            .collect();
        let that_day: Vec<usize> = (0..40).map(|k| k % 3).collect();
        let day = made_up_day(&lessons, 1, &may, &that_day);
        let started = std::time::Instant::now();
        let search = day.search();
        // About half a second unoptimised; the limit leaves room for a busy machine.
        let took = started.elapsed();
        assert_eq!(search.nodes, NODE_CAP, "the cap is what ended it");
        assert!(took < std::time::Duration::from_secs(5), "{took:?}");
        let greedy = day.greedy();
        assert!(no_clash(&day, &search.best));
        assert!(covered(&day, &search.best) >= covered(&day, &greedy));
        assert!(day.score(&search.best) <= day.score(&greedy));
    }
}
