//! The search itself: candidate placements, incremental costs, construction, min-conflicts
//! repair, simulated annealing, and student sectioning by branch and bound.
//!
//! Costs are pairs `(hard, soft)` compared lexicographically. `hard` counts broken hard
//! rules (the solver's own measure); `soft` is the weighted objective (plus the
//! perturbation penalty when re-solving). This module computes them incrementally and
//! on its own; the evaluator in `crate::eval` is the independent referee.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use super::minimal::Undo;
use super::rng::Rng;
use crate::model::{
    back_to_back, clean_prefix_len, day_load_cost, day_off_bits, day_tally, days_apart,
    each_meeting, gap_slots, is_day_counted, real_days_of, school_excess, teaching_days,
    week_excess, DayShape, DayTally, Distribution, DistributionKind, Placement, Problem, Solution,
    TimePattern,
};
use crate::places::{self, Lesson, Stay};

pub(crate) const NONE: usize = usize::MAX;
/// Internal hard cost of leaving a mandatory request unmet.
const UNMET_MANDATORY: i64 = 10;
/// Most branch-and-bound nodes when sectioning one request.
const NODE_LIMIT: usize = 4000;
/// Hard-cost equivalent of a class left unassigned (for comparing partial timetables).
const UNASSIGNED: i64 = 1;
/// Share of the annealing's moves that break a hard rule on their own which are tried
/// again as a chain (what is in the way moves to its cheapest free place). A chain costs
/// as much as hundreds of single moves; on the ITC 2019 instances this share found the
/// best objectives in equal time (see docs/benchmarks.md).
const CHAIN_MOVES: f64 = 0.03;
/// While hard violations are left, the local search takes a move that breaks `k` more
/// with probability `exp(-k / HARD_TEMP)` (one in 4,000 for one more): without it, the
/// search walks only among equally bad timetables, and on FET files with gap-free days it
/// stalled with a dozen violations left (see docs/benchmarks.md).
const HARD_TEMP: f64 = 0.12;
/// Share of moves, while hard violations are left, that start from a class in one.
const FOCUS_MOVES: f64 = 0.5;
/// Share of moves, while hard violations are left, that are swaps (`solver/swap.rs`).
const SWAP_MOVES: f64 = 0.3;
/// Share of the other moves, while hard violations are left, that move a Kempe chain
/// (`solver/swap.rs`). On the FET files with gap-free days it solved Vietnam-HungYen and
/// brought Italy-simpler, Romania-TgMures and Belize-SHC to a few violations (see
/// docs/benchmarks.md).
const KEMPE_MOVES: f64 = 0.3;
/// Iterations over which the annealing cools while hard rules are broken (when no
/// iteration limit is set): about what three minutes of a hard FET file take (4 to 10
/// million on the benchmark machine), so that the temperature falls much as it did when
/// it followed the clock over the benchmark's time limit.
const HARD_COOLING: u64 = 8_000_000;
/// How long a re-solve's repair places classes by chains that count what each move
/// changes for learners (`solver/minimal.rs`); after that, by the plain repair. A chain
/// for a block of sets weighs up to 40 places and what each displaces, up to half a
/// second; in the demo school a teacher away with eight blocked lessons set off blocks
/// displacing blocks, some forty chains and 19 seconds before every lesson had a place.
pub(crate) const MINIMAL_REPAIR_TIME: std::time::Duration = std::time::Duration::from_secs(2);
/// Iterations without fewer hard violations after which a run starts again from nothing
/// (half as long again after each restart).
pub(crate) const RESTART_AFTER: u64 = 600_000;
/// The shorter horizon of every second thread (see `solver::solve`). On Romania-TgMures
/// runs either find the last clash's way out within seconds of a start or not for
/// minutes, and restarting after 150,000 iterations solved the seeds that 600,000 did not;
/// on Indonesia-netura, whose runs need a million iterations or more, it doubled the time
/// (docs/benchmarks.md, "Restart lengths tried"). Neither suits both, so two threads run
/// one of each.
pub(crate) const RESTART_AFTER_SHORT: u64 = 150_000;
/// Iterations without fewer hard violations after which the local search, stuck with
/// violations left, hands them to repair.
const STUCK: u64 = 50_000;
/// Further iterations repair may go on without fewer hard violations before the search
/// goes back to the best timetable seen.
const REPAIR_SPELL: u64 = 60_000;

/// Repair places a class by recursive swapping (`solver/eject.rs`) before its own step
/// when at most this many classes are left out, with it, and the run's best timetable
/// is as near complete (hard violations and classes left out together): the end of a
/// hard file, where repair's step cycles among the same few timetables. Not when
/// re-solving, whose repair weighs what each move changes for learners.
const EJECT_UNPLACED: usize = 3;
/// While at most this many hard rules are broken, every `EJECT_EVERY`-th move of the
/// local search takes a class of one out and places it again by recursive swapping.
const EJECT_HARD: i64 = 2;
const EJECT_EVERY: u64 = 1024;
/// Most candidates one recursive swapping weighs, over all its levels.
const EJECT_BUDGET: usize = 4000;
/// Breakout: moves of the local search on a complete timetable that still breaks hard
/// rules, without a new low of its weighed hard cost, after which the rules broken then
/// weigh one more (`weigh_when_stuck`). 1,000 unsettled Belize-SHC (25 to 36 rules
/// broken at 30 s where 1 to 3 were before); 5,000 and 15,000 did as well as each
/// other (`docs/benchmarks.md`).
const BREAKOUT_AFTER: u64 = 5_000;

/// One candidate placement of a class.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cand {
    pub t: TimePattern,
    pub time: usize,
    pub room: Option<usize>,
    pub soft: i64,
    pub hard: i64,
}

/// Everything fixed during a run, shared by all threads.
pub(crate) struct Model<'a> {
    pub p: &'a Problem,
    pub dom: Vec<Vec<Cand>>,
    pub dists_of: Vec<Vec<usize>>,
    /// For each class: may a scan weigh each time once for all its rooms (`ScanMemo`)?
    /// It has several rooms, and its cost apart from its room's own part (the room's
    /// penalty and availability, the classes in it, a move from the published
    /// timetable) depends on its time alone: no rule of it names rooms and no two rooms
    /// are apart. (With one room, keeping the memo would only cost.)
    pub time_only: Vec<bool>,
    /// Per config: its subparts ordered parents first.
    pub sub_order: Vec<Vec<usize>>,
    pub w_dist: i64,
    pub w_student: i64,
    pub w_request: i64,
    /// Weight of a free slot between a learner's classes (0: not counted).
    pub w_gaps: i64,
    /// Weight, in thousandths, of how unevenly a learner's classes load the days (0: not
    /// counted), and the days it is weighed over.
    pub w_load: u64,
    pub teaching_days: Vec<(u32, u32)>,
    pub initial: Option<Vec<Option<Placement>>>,
    /// Each learner's classes in the timetable being re-solved (empty when none).
    pub initial_enr: Vec<Vec<usize>>,
    pub perturb: i64,
    /// Learners in each class in the timetable being re-solved.
    pub initial_count: Vec<u32>,
    /// The candidate each class had in the timetable being re-solved (`NONE`: none).
    pub initial_pi: Vec<usize>,
    /// For each class, its time-locked group (index into `groups`) or `NONE`.
    pub group_of: Vec<usize>,
    /// Classes that must take the same time pattern (option blocks, blocked sets): moved
    /// together, since moving one alone always breaks the lock.
    pub groups: Vec<Vec<usize>>,
    /// For classes in a group: candidate indices by time pattern.
    pub by_pattern: Vec<HashMap<PatKey, Vec<usize>>>,
    /// For each distribution, its place among the not-overlap ones (`NONE` for other
    /// kinds): the state keeps their placed members by day (see `State::day_members`).
    pub overlap_slot: Vec<usize>,
    /// How many not-overlap distributions there are, and the days of the week.
    pub overlap_count: usize,
    pub nr_days: usize,
    /// A bit of `State::day_masks` stands for `1 << mask_shift` slots of a day (a day is
    /// drawn on 64 bits); a shift, as the masks are made in the search's inner loops.
    pub mask_shift: u32,
    /// For each distribution, its place among the day-counted ones (`NONE` for other
    /// kinds; see `model::is_day_counted`): the state keeps their tallies by day.
    pub day_rule_slot: Vec<usize>,
    pub day_rules: usize,
    /// For each day-counted distribution and (week, day) slot, its
    /// [`model::day_off_bits`](crate::model::day_off_bits): read on every recount.
    day_off: Vec<u64>,
    pub nr_weeks: usize,
    /// Days of at most 64 slots (FET's): a day's tally can then be counted from its
    /// lessons' `DayShape`, in one pass with no copy of them (see `tally_of`).
    short_days: bool,
}

/// A class meeting on a day, from slot to slot: what a day-counted rule keeps of each
/// lesson on each day (`State::rule_lessons`).
type DayLesson = (usize, u32, u32);

/// A time pattern without its length: members of a group share it.
pub(crate) type PatKey = (u32, u32, u64);

pub(super) fn key_of(t: &TimePattern) -> PatKey {
    (t.days, t.start, t.weeks)
}

impl<'a> Model<'a> {
    pub(crate) fn new(p: &'a Problem, initial: Option<&Solution>, perturb: u32) -> Self {
        let w = p.weights;
        let mut dom = Vec::with_capacity(p.classes.len());
        for class in &p.classes {
            let mut all = Vec::new();
            for (ti, t) in class.times.iter().enumerate() {
                let tp = (w.time * u64::from(t.penalty)) as i64;
                for r in &class.rooms {
                    let ok = p.room_available(r.room, &t.pattern);
                    all.push(Cand {
                        t: t.pattern,
                        time: ti,
                        room: Some(r.room),
                        soft: tp + (w.room * u64::from(r.penalty)) as i64,
                        hard: if ok { 0 } else { 1 },
                    });
                }
                if !class.needs_room() {
                    // Each time's rooms come first, then the time without a room, so
                    // a scan meets a time's candidates together.
                    let pen = class.no_room.unwrap_or(0);
                    all.push(Cand {
                        t: t.pattern,
                        time: ti,
                        room: None,
                        soft: tp + (w.room * u64::from(pen)) as i64,
                        hard: 0,
                    });
                }
            }
            let avail: Vec<Cand> = all.iter().copied().filter(|c| c.hard == 0).collect();
            dom.push(if avail.is_empty() { all } else { avail });
        }
        let mut dists_of = vec![Vec::new(); p.classes.len()];
        for (di, d) in p.distributions.iter().enumerate() {
            for &c in &d.classes {
                if let Some(v) = dists_of.get_mut(c) {
                    v.push(di);
                }
            }
        }
        let sub_order = p
            .configs
            .iter()
            .map(|cfg| {
                let depth = |sp: usize| {
                    let mut d = 0usize;
                    let mut cur = p
                        .subparts
                        .get(sp)
                        .and_then(|s| s.classes.first())
                        .and_then(|&c| p.classes.get(c))
                        .and_then(|c| c.parent);
                    while let Some(x) = cur {
                        d += 1;
                        if d > p.classes.len() {
                            break;
                        }
                        cur = p.classes.get(x).and_then(|c| c.parent);
                    }
                    d
                };
                let mut v = cfg.subparts.clone();
                v.sort_by_key(|&sp| depth(sp));
                v
            })
            .collect();
        let (group_of, groups) = time_locked_groups(p);
        let by_pattern = (0..p.classes.len())
            .map(|c| {
                let mut m: HashMap<PatKey, Vec<usize>> = HashMap::new();
                if group_of.get(c).is_some_and(|&g| g != NONE) {
                    for (pi, cand) in dom
                        .get(c)
                        .map(Vec::as_slice)
                        .unwrap_or(&[])
                        .iter()
                        .enumerate()
                    {
                        m.entry(key_of(&cand.t)).or_default().push(pi);
                    }
                }
                m
            })
            .collect();
        let initial_pi: Vec<usize> = (0..p.classes.len())
            .map(|c| {
                initial
                    .and_then(|s| s.placements.get(c).copied().flatten())
                    .and_then(|pl| {
                        dom.get(c)?
                            .iter()
                            .position(|x| x.time == pl.time && x.room == pl.room)
                    })
                    .unwrap_or(NONE)
            })
            .collect();
        let (overlap_slot, overlap_count) =
            number_distributions(p, |k| k == DistributionKind::NotOverlap);
        let (day_rule_slot, day_rules) = number_distributions(p, is_day_counted);
        let (nr_weeks, nr_days) = (p.nr_weeks.clamp(1, 64), p.nr_days.clamp(1, 32));
        let day_off = (p.distributions.iter())
            .filter(|d| is_day_counted(d.kind))
            .flat_map(|d| {
                (0..nr_weeks)
                    .flat_map(move |w| (0..nr_days).map(move |day| day_off_bits(p, &d.off, w, day)))
            })
            .collect();
        let no_travel = p.travel.iter().all(|&t| t == 0);
        // A class in a rule over where lessons are (`DistributionKind::place`): its
        // rules' cost depends on its room too.
        let place_ruled: Vec<bool> = dists_of
            .iter()
            .map(|ds| {
                ds.iter().any(|&di| {
                    p.distributions
                        .get(di)
                        .is_some_and(|d| d.kind.place().is_some())
                })
            })
            .collect();
        let time_only = (dists_of.iter().zip(&p.classes).zip(&place_ruled))
            .map(|((ds, class), &placed)| {
                no_travel
                    && !placed
                    // More than one candidate a time: its rooms, and the time without a
                    // room when it need not have one (as the candidates are made above).
                    && class.rooms.len() + usize::from(!class.needs_room()) > 1
                    && ds.iter().all(|&di| {
                        p.distributions.get(di).is_none_or(|d| {
                            !matches!(
                                d.kind,
                                DistributionKind::SameRoom | DistributionKind::DifferentRoom
                            )
                        })
                    })
            })
            .collect();
        Model {
            p,
            dom,
            time_only,
            dists_of,
            sub_order,
            w_dist: w.distribution as i64,
            w_student: w.student as i64,
            w_request: w.request as i64,
            w_gaps: w.student_gaps as i64,
            w_load: w.student_day_load,
            teaching_days: if w.student_day_load > 0 {
                teaching_days(p)
            } else {
                Vec::new()
            },
            initial: initial.map(|s| s.placements.clone()),
            initial_enr: initial.map(|s| s.enrollments.clone()).unwrap_or_default(),
            perturb: i64::from(perturb),
            initial_count: {
                let mut n = vec![0u32; p.classes.len()];
                for &c in initial.iter().flat_map(|s| s.enrollments.iter().flatten()) {
                    if let Some(x) = n.get_mut(c) {
                        *x += 1;
                    }
                }
                n
            },
            initial_pi,
            group_of,
            groups,
            by_pattern,
            overlap_slot,
            overlap_count,
            nr_days: p.nr_days.clamp(1, 32) as usize,
            mask_shift: p
                .slots_per_day
                .div_ceil(64)
                .max(1)
                .next_power_of_two()
                .trailing_zeros(),
            day_rule_slot,
            day_rules,
            day_off,
            nr_weeks: p.nr_weeks.clamp(1, 64) as usize,
            short_days: p.slots_per_day <= 64,
        }
    }

    /// Day-counted distribution `di`'s place among them (`None` for other kinds).
    fn day_rule(&self, di: usize) -> Option<usize> {
        self.day_rule_slot.get(di).copied().filter(|&r| r != NONE)
    }

    /// The (week, day) slots of the week.
    fn week_slots(&self) -> usize {
        self.nr_weeks * self.nr_days
    }

    /// Day-counted distribution `d` (place `rule` among them)'s tally on (week, day) slot
    /// `k` with `lessons` then.
    fn tally_at(
        &self,
        (d, rule): (&Distribution, usize),
        k: usize,
        lessons: &mut [(u32, u32)],
    ) -> DayTally {
        let (w, day) = ((k / self.nr_days) as u32, (k % self.nr_days) as u32);
        let off_bits = (self.day_off)
            .get(rule * self.week_slots() + k)
            .copied()
            .unwrap_or_default();
        day_tally(self.p, d.kind, (&d.off, Some(off_bits)), w, day, lessons)
    }

    /// The shape of the lessons of `placed` but class `without`'s, and `with`.
    fn shape_of((placed, without, with): (&[DayLesson], usize, Option<(u32, u32)>)) -> DayShape {
        let mut shape = DayShape::default();
        for &(o, a, b) in placed {
            if o != without {
                shape.push(a, b);
            }
        }
        if let Some((a, b)) = with {
            shape.push(a, b);
        }
        shape
    }

    /// `tally_at` with the lessons of `placed` (class, start, end) but class `without`'s,
    /// and `with`: counted from their `shape` when it is known (days are short) and the
    /// kind allows, else from a copy of them in `buf`.
    fn tally_of(
        &self,
        (d, rule): (&Distribution, usize),
        k: usize,
        shape: Option<DayShape>,
        (placed, without, with): (&[DayLesson], usize, Option<(u32, u32)>),
        buf: &mut Vec<(u32, u32)>,
    ) -> DayTally {
        if let Some(shape) = shape {
            let off_bits = || {
                (self.day_off)
                    .get(rule * self.week_slots() + k)
                    .copied()
                    .unwrap_or_default()
            };
            if let Some(tally) = shape.tally(d.kind, (k % self.nr_days) as u32, off_bits) {
                return tally;
            }
        }
        buf.clear();
        buf.extend(
            (placed.iter())
                .filter(|&&(o, _, _)| o != without)
                .map(|&(_, a, b)| (a, b))
                .chain(with),
        );
        self.tally_at((d, rule), k, buf)
    }

    /// The (week, day) slots `t` meets on, numbered `week * nr_days + day`.
    fn slots_of(&self, t: &TimePattern, mut f: impl FnMut(usize)) {
        each_meeting(
            std::slice::from_ref(t),
            self.nr_weeks as u32,
            self.nr_days as u32,
            |k, _, _| f(k),
        );
    }

    /// Where not-overlap distribution `di`'s members meeting on `day` are kept in
    /// `State::day_members` (`None` for other kinds).
    fn day_bucket(&self, di: usize, day: u32) -> Option<usize> {
        let slot = *self.overlap_slot.get(di)?;
        (slot != NONE && (day as usize) < self.nr_days).then(|| slot * self.nr_days + day as usize)
    }

    /// Does room `r` take up any room in `taken` (`Room::taken`)?
    fn takes_any(&self, r: usize, taken: &[usize]) -> bool {
        (self.p.rooms.get(r).into_iter())
            .flat_map(|x| x.taken(r))
            .any(|x| taken.contains(&x))
    }

    /// Add the rooms room `r` takes up to `taken`.
    pub(super) fn take(&self, r: usize, taken: &mut Vec<usize>) {
        taken.extend(self.p.rooms.get(r).into_iter().flat_map(|x| x.taken(r)));
    }

    /// Where the classes in room `r` on `day` are kept in `State::room_days`. Every
    /// day a pattern can name has its list (not only the instance's `nr_days`), so no
    /// clash in a room goes unseen whatever the input.
    fn room_bucket(&self, r: usize, day: u32) -> Option<usize> {
        (day < 32).then(|| r * 32 + day as usize)
    }

    /// The bits of a day's mask that `t` covers (`State::day_masks`). Lessons whose
    /// masks share no bit cannot overlap; the converse need not hold, as a bit stands for
    /// `1 << mask_shift` slots and for every week. Slots past the day's end (a file's
    /// mistake) all fall on the last bit, so no lesson's mask is empty.
    #[inline]
    fn day_mask(&self, t: &TimePattern) -> u64 {
        let first = (t.start >> self.mask_shift).min(63);
        let last = ((t.end().max(t.start + 1) - 1) >> self.mask_shift).min(63);
        (u64::MAX >> (63 - last)) & (u64::MAX << first)
    }

    /// Cost of moving class `c` from where the re-solved timetable has it: the penalty,
    /// and the penalty again for every learner in it (a lesson that moves changes every
    /// one of their timetables, as a learner changing class changes theirs: see
    /// [`Model::joined_cost`]).
    pub(crate) fn perturb_of(&self, c: usize) -> i64 {
        let n = i64::from(self.initial_count.get(c).copied().unwrap_or(0));
        self.perturb + self.perturb * n
    }

    /// Cost of learner `s` sitting in class `x` when re-solving: a class they were not in
    /// before changes their timetable as much as a lesson of theirs that moves (0 when
    /// not re-solving, or when they were in it).
    pub(crate) fn joined_cost(&self, s: usize, x: usize) -> i64 {
        let was_in = self.initial_enr.get(s).is_some_and(|was| was.contains(&x));
        if self.initial.is_some() && !was_in {
            self.perturb
        } else {
            0
        }
    }

    /// The classes that move with `c` (just `c` when it is in no group).
    pub(crate) fn group(&self, c: usize) -> Option<&[usize]> {
        let g = *self.group_of.get(c)?;
        self.groups.get(g).map(Vec::as_slice)
    }

    /// Are learners' days weighed (free time between classes, load of each day)?
    pub(crate) fn weighs_days(&self) -> bool {
        self.w_gaps > 0 || self.w_load > 0
    }

    /// What one learner's days cost when `all` are their classes: free time between
    /// classes on `days` of `weeks` (`all` may hold only the classes meeting then) and,
    /// when `all` is every class of theirs (`whole`), how unevenly they load the days.
    fn days_cost(&self, all: &[TimePattern], days: u32, weeks: u64, whole: bool) -> i64 {
        let gaps = if self.w_gaps > 0 {
            self.w_gaps * gap_slots(self.p, all, days, weeks) as i64
        } else {
            0
        };
        let load = if whole {
            day_load_cost(all, &self.teaching_days, self.w_load) as i64
        } else {
            0
        };
        gaps + load
    }
}

/// Classes tied by a required SameStart, SameDays and SameWeeks over the same list, all
/// of one length: they always take one time pattern. Union-find over those lists.
pub(crate) fn time_locked_groups(p: &Problem) -> (Vec<usize>, Vec<Vec<usize>>) {
    use DistributionKind::*;
    let n = p.classes.len();
    let mut lists: HashMap<&[usize], u8> = HashMap::new();
    for d in p.distributions.iter().filter(|d| d.required) {
        let bit = match d.kind {
            SameStart => 1,
            SameDays => 2,
            SameWeeks => 4,
            _ => continue,
        };
        *lists.entry(d.classes.as_slice()).or_insert(0) |= bit;
    }
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while let Some(&px) = parent.get(x) {
            if px == x {
                break;
            }
            let gp = parent.get(px).copied().unwrap_or(px);
            if let Some(slot) = parent.get_mut(x) {
                *slot = gp;
            }
            x = px;
        }
        x
    }
    let length = |c: usize| {
        p.classes
            .get(c)
            .and_then(|cl| cl.times.first())
            .map(|t| t.pattern.length)
    };
    let mut list_keys: Vec<&[usize]> = lists
        .iter()
        .filter(|(_, &bits)| bits == 7)
        .map(|(l, _)| *l)
        .collect();
    list_keys.sort_unstable();
    for list in list_keys {
        let Some(&first) = list.first() else { continue };
        let len = length(first);
        let same_length = list.iter().all(|&c| {
            length(c) == len
                && p.classes
                    .get(c)
                    .is_some_and(|cl| cl.times.iter().all(|t| Some(t.pattern.length) == len))
        });
        if !same_length {
            continue;
        }
        for &c in list.iter().skip(1) {
            let (a, b) = (find(&mut parent, first), find(&mut parent, c));
            if a != b {
                if let Some(slot) = parent.get_mut(b) {
                    *slot = a;
                }
            }
        }
    }
    let mut root_group: HashMap<usize, usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for c in 0..n {
        let r = find(&mut parent, c);
        let g = *root_group.entry(r).or_insert_with(|| {
            members.push(Vec::new());
            members.len() - 1
        });
        if let Some(v) = members.get_mut(g) {
            v.push(c);
        }
    }
    let mut group_of = vec![NONE; n];
    let mut groups = Vec::new();
    for m in members.into_iter().filter(|m| m.len() > 1) {
        for &c in &m {
            if let Some(slot) = group_of.get_mut(c) {
                *slot = groups.len();
            }
        }
        groups.push(m);
    }
    (group_of, groups)
}

fn pair_ok(p: &Problem, kind: DistributionKind, a: &Cand, b: &Cand) -> bool {
    use DistributionKind::*;
    let (x, y) = (&a.t, &b.t);
    let meet_together = x.days & y.days != 0 && x.weeks & y.weeks != 0;
    let (xe, ye) = (x.start + x.length, y.start + y.length);
    match kind {
        SameStart => x.start == y.start,
        SameTime => (x.start <= y.start && ye <= xe) || (y.start <= x.start && xe <= ye),
        DifferentTime => xe <= y.start || ye <= x.start,
        SameDays => (x.days | y.days) == x.days || (x.days | y.days) == y.days,
        DifferentDays => x.days & y.days == 0,
        SameWeeks => (x.weeks | y.weeks) == x.weeks || (x.weeks | y.weeks) == y.weeks,
        DifferentWeeks => x.weeks & y.weeks == 0,
        Overlap => meet_together && y.start < xe && x.start < ye,
        // As `State::pair_breakers` tests it without this dispatch.
        NotOverlap => !x.overlaps(y),
        SameRoom => a.room.is_none() || b.room.is_none() || a.room == b.room,
        DifferentRoom => a.room.is_none() || b.room.is_none() || a.room != b.room,
        SameAttendees => {
            let tr = p.travel(a.room, b.room);
            !meet_together || xe + tr <= y.start || ye + tr <= x.start
        }
        Precedence => {
            let (wx, wy) = (x.first_week(), y.first_week());
            let (dx, dy) = (x.first_day(), y.first_day());
            wx < wy || (wx == wy && (dx < dy || (dx == dy && xe <= y.start)))
        }
        WorkDay(s) => !meet_together || xe.max(ye) - x.start.min(y.start) <= s,
        MinGap(g) => !meet_together || xe + g <= y.start || ye + g <= x.start,
        MinDaysApart(d) => x.weeks & y.weeks == 0 || days_apart(x.days, y.days) >= d,
        MinRealDaysApart(d) => {
            x.weeks & y.weeks == 0 || days_apart(real_days_of(x.days), real_days_of(y.days)) >= d
        }
        BeforeIfSameDay => !meet_together || xe <= y.start,
        BackToBack => back_to_back(p, x, y),
        _ => true,
    }
}

/// Excess for the global kinds and whether the soft penalty is divided by weeks: `MaxDays`
/// here, the others as the model counts them (`model::school_excess`; the ones counted
/// day by day are also kept incrementally, see `State::day_rule_excess`).
fn global_excess(p: &Problem, d: &Distribution, pats: &[TimePattern]) -> (i64, bool) {
    if let DistributionKind::MaxDays(n) = d.kind {
        let days = pats.iter().fold(0u32, |a, t| a | t.days);
        return (i64::from(days.count_ones().saturating_sub(n)), false);
    }
    match school_excess(p, d.kind, &d.off, pats) {
        Some(excess) => (i64::try_from(excess).unwrap_or(i64::MAX), true),
        None => (0, false),
    }
}

/// Global kinds that repair does not mend by displacing classes: minimum loads and early
/// starts (taking classes out does not help) and gap limits (it helps, but a day of
/// lessons is built up one by one, and every half-built day has gaps). They steer the
/// choice of candidates and are left to the local search. Some instances need gaps
/// mended the other way: with `gap_repair` they are displaced like upper limits.
fn left_to_search(kind: DistributionKind, gap_repair: bool) -> bool {
    use DistributionKind::*;
    !kind.mended_by_removal()
        || (!gap_repair
            && matches!(
                kind,
                MaxGapsPerDay(_) | MaxGapsPerWeek(_) | MaxGapsAmong(_, _) | MaxRealDayGaps(_)
            ))
}

/// Do `classes` (of one course) make up one class of every subpart of one configuration,
/// with their parents?
fn whole_configuration(p: &Problem, classes: &[usize]) -> bool {
    let Some(config) = classes
        .first()
        .and_then(|&c| p.classes.get(c))
        .map(|c| c.config)
    else {
        return false;
    };
    let subparts = p.config_subparts(config);
    classes.len() == subparts.len()
        && subparts.iter().all(|&sp| {
            classes
                .iter()
                .filter(|&&c| p.classes.get(c).is_some_and(|cl| cl.subpart == sp))
                .count()
                == 1
        })
        && classes.iter().all(|&c| {
            p.classes
                .get(c)
                .and_then(|cl| cl.parent)
                .is_none_or(|par| classes.contains(&par))
        })
}

pub(super) fn clash(p: &Problem, a: &Cand, b: &Cand) -> bool {
    if a.t.days & b.t.days == 0 || a.t.weeks & b.t.weeks == 0 {
        return false;
    }
    let tr = p.travel(a.room, b.room);
    a.t.start + a.t.length + tr > b.t.start && b.t.start + b.t.length + tr > a.t.start
}

/// Hard and soft cost.
pub(super) type Cost = (i64, i64);

/// How far a candidate's conflicts may go before a scan has no use for it: what
/// displacing them costs (repair wants the least) and how many classes they are (a
/// chain of recursive swapping takes at most two or three). A count stops at the first
/// class past either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Cap {
    pub cost: u64,
    pub classes: usize,
}

impl Cap {
    /// No limit: every class in the way is listed.
    pub(super) const NONE: Cap = Cap {
        cost: u64::MAX,
        classes: usize::MAX,
    };

    /// A limit on what displacing the classes costs alone.
    pub(super) fn cost(cost: u64) -> Cap {
        Cap { cost, ..Cap::NONE }
    }

    /// Have conflicts costing `cost`, `classes` of them, gone past it?
    fn passed(&self, cost: u64, classes: usize) -> bool {
        cost > self.cost || classes > self.classes
    }

    /// Is it as tight as `other` or tighter: does what passed `other` pass it too?
    fn within(&self, other: &Cap) -> bool {
        self.cost <= other.cost && self.classes <= other.classes
    }
}

/// What a scan over the candidates of one class has worked out for the time it is at
/// (see `State::scan_cost` and `State::conflicts_scan`). Valid while the timetable does
/// not change: a new scan starts a new one.
pub(super) struct ScanMemo {
    /// The scan weighs the candidates in order, so a time's rooms come together. A scan
    /// of a random sample seldom meets the same time twice in a row, and does without.
    in_order: bool,
    /// The time, the cap it was counted within, and the time's part of the cost
    /// (`None`: it passed that cap).
    cost: Option<(usize, i64, Option<Cost>)>,
    /// The time, the cap, and what displacing the classes in the way at that time,
    /// apart from the room's, costs (`None`: it passed that cap); the classes are in
    /// `in_the_way`.
    conflicts: Option<(usize, Cap, Option<u64>)>,
    in_the_way: Vec<usize>,
    /// The time and the hard violations repair leaves to the search there.
    unmendable: Option<(usize, i64)>,
    /// Learners' days at each time seen.
    days: Vec<(usize, i64)>,
}

impl ScanMemo {
    pub(super) fn new(in_order: bool) -> Self {
        ScanMemo {
            in_order,
            cost: None,
            conflicts: None,
            in_the_way: Vec::new(),
            unmendable: None,
            days: Vec::new(),
        }
    }

    /// May the scan of class `c` weigh a time once for all its rooms?
    fn per_time(&self, m: &Model<'_>, c: usize) -> bool {
        self.in_order && m.time_only.get(c).copied().unwrap_or(false)
    }
}

/// A candidate in an IFS step: (displaced, unary hard, soft), candidate, displaced classes.
type IfsChoice = ((u64, i64, i64), usize, Vec<usize>);

/// A chosen enrollment for one request: which alternative, and its classes.
pub(crate) type Enr = Option<(usize, Vec<usize>)>;

/// An enrollment as `enrollment_cost` takes it.
fn as_choice(e: &Enr) -> Option<(usize, &[usize])> {
    e.as_ref().map(|(k, c)| (*k, c.as_slice()))
}

/// A day tally's old value in `State::day_journal`: where in `rule_days` and what it
/// was, where in `rule_weeks` its week's sum is and what that was.
type DayEdit = (usize, DayTally, usize, DayTally);

/// How a move's day tallies are kept (see `State::undo_journaled`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tallies {
    /// Counted again, as the days' lessons change.
    Counted,
    /// Counted again, each old value kept in the journal first.
    Journaled,
    /// Not counted: the moves are being put back, and the journal has the values.
    FromJournal,
}

/// Buffers for `day_rule_excess` and `file_day_rules`: a day's lessons, the weeks'
/// tallies as recounted, and the (week, day) slots already recounted.
type RuleScratch = (Vec<(u32, u32)>, Vec<(usize, DayTally)>, Vec<usize>);

/// The mutable search state of one thread.
pub(crate) struct State<'m, 'a> {
    pub m: &'m Model<'a>,
    pub assign: Vec<usize>,
    /// For each room and day (`Model::room_bucket`): the classes placed in the room
    /// that day, with their times, and the union of their `Model::day_mask`s. A
    /// candidate is checked against its room's lessons on its own days only, and not at
    /// all where its mask shares no bit with the day's.
    room_days: Vec<Vec<(usize, TimePattern)>>,
    room_day_masks: Vec<u64>,
    /// How often each class has been displaced by a repair step: displacing a class
    /// that keeps coming back costs more, which breaks cycles (conflict statistics).
    displaced: Vec<u32>,
    pub enr: Vec<Vec<Enr>>,
    pub(super) count: Vec<u32>,
    /// The learners in each class.
    pub(super) members: Vec<Vec<usize>>,
    shared: Vec<BTreeMap<usize, u32>>,
    pub hard: i64,
    pub soft: i64,
    /// What one unit of each required distribution's breach weighs in `hard`: 1, unless a
    /// stuck local search has weighed the rules it keeps breaking more (breakout, see
    /// `weigh_broken_more`); `reweighed` says whether any weighs more than 1.
    hard_weights: Vec<i64>,
    reweighed: bool,
    /// Repair mends gap limits by displacing classes, as it does upper limits; off by
    /// default (see [`left_to_search`]), switched when the search stalls either way.
    gap_repair: bool,
    /// Sectioning looks past full classes (see `swap_into`), which are then made room in.
    pub(super) past_limits: bool,
    /// The excess of each global distribution as the classes are placed now, once
    /// computed; `set` forgets it for the distributions of the class it moves. A move's
    /// change is its cost at the new place less that at the old, so without this every
    /// move would compute each of its global distributions twice (see `global_at`).
    excess: Vec<Cell<Option<(i64, bool)>>>,
    /// Buffer for the times `global_at` hands to `global_excess`.
    times: RefCell<Vec<TimePattern>>,
    /// The same for the lessons it hands to `place_counts`, and for one day's stays
    /// (`place_excess_at`).
    lessons: RefCell<Vec<Lesson>>,
    stays: RefCell<Vec<Stay>>,
    /// For each rule over places, its changes of place as the classes are placed now,
    /// once counted (with its excess, in `excess`); `set` forgets them as it does those.
    place_changes: Vec<Cell<Option<u64>>>,
    /// The placed members of each not-overlap distribution by day, with their times
    /// (`Model::day_bucket`). In a FET file every teacher and students set is one, with
    /// dozens of lessons: a candidate is checked against that day's lessons only, not
    /// every member, placed or not (construction and repair weigh every candidate).
    day_members: Vec<Vec<(usize, TimePattern)>>,
    /// For each list of `day_members`, the union of its lessons' `Model::day_mask`: a
    /// candidate sharing no bit with it breaks nothing there, and the list is not read.
    day_masks: Vec<u64>,
    /// For each day-counted distribution (`Model::day_rule`) and (week, day) slot: its
    /// placed members meeting then, and what that day adds to it (`model::day_tally`);
    /// and for each week, the sum of its days' tallies. A move changes the days it
    /// leaves and the days it goes to, and only those are counted again (the whole
    /// distribution was, on every move weighed).
    rule_lessons: Vec<Vec<DayLesson>>,
    /// The `DayShape` of each list of `rule_lessons` (days of at most 64 slots): a move
    /// weighed takes its class out of it and puts it back in, with no pass over the day.
    rule_shapes: Vec<DayShape>,
    rule_days: Vec<DayTally>,
    rule_weeks: Vec<DayTally>,
    /// While `tallies` is `Journaled`, each day's tally and week's sum as they were
    /// before a move counted them again (see `undo_journaled`).
    day_journal: Vec<DayEdit>,
    tallies: Tallies,
    /// Buffers for `day_rule_excess` and `file_day_rules`.
    rule_scratch: RefCell<RuleScratch>,
    /// Buffers for the members of a rule and their times, in `conflicts_within`.
    prefix_buf: RefCell<(Vec<usize>, Vec<TimePattern>)>,
}

impl<'m, 'a> State<'m, 'a> {
    pub(crate) fn new(m: &'m Model<'a>) -> Self {
        let p = m.p;
        // Nothing is placed: every day is empty, which still counts for some kinds (a
        // day without lessons is short of a minimum load), the same on any day.
        let (mut rule_days, mut rule_weeks) = (Vec::new(), Vec::new());
        for d in p.distributions.iter().filter(|d| is_day_counted(d.kind)) {
            let empty = day_tally(p, d.kind, (&d.off, None), 0, 0, &mut []);
            let mut week = DayTally::default();
            for _ in 0..m.nr_days {
                week.add(&empty);
            }
            rule_days.extend(std::iter::repeat_n(empty, m.week_slots()));
            rule_weeks.extend(std::iter::repeat_n(week, m.nr_weeks));
        }
        State {
            m,
            assign: vec![NONE; p.classes.len()],
            room_days: vec![Vec::new(); p.rooms.len() * 32],
            room_day_masks: vec![0; p.rooms.len() * 32],
            displaced: vec![0; p.classes.len()],
            enr: p
                .students
                .iter()
                .map(|s| vec![None; s.requests.len()])
                .collect(),
            count: vec![0; p.classes.len()],
            members: vec![Vec::new(); p.classes.len()],
            shared: vec![BTreeMap::new(); p.classes.len()],
            hard: 0,
            soft: 0,
            hard_weights: vec![1; p.distributions.len()],
            reweighed: false,
            gap_repair: false,
            past_limits: false,
            excess: vec![Cell::new(None); p.distributions.len()],
            times: RefCell::new(Vec::new()),
            lessons: RefCell::new(Vec::new()),
            stays: RefCell::new(Vec::new()),
            place_changes: vec![Cell::new(None); p.distributions.len()],
            day_members: vec![Vec::new(); m.overlap_count * m.nr_days],
            day_masks: vec![0; m.overlap_count * m.nr_days],
            rule_lessons: vec![Vec::new(); m.day_rules * m.week_slots()],
            rule_shapes: vec![DayShape::default(); m.day_rules * m.week_slots()],
            rule_days,
            rule_weeks,
            day_journal: Vec::new(),
            tallies: Tallies::Counted,
            rule_scratch: RefCell::new((Vec::new(), Vec::new(), Vec::new())),
            prefix_buf: RefCell::new((Vec::new(), Vec::new())),
        }
    }

    /// Excess of day-counted distribution `di` (place `rule`) with class `c` at `t`
    /// (left out at `None`) and the others where they are: the days `c` leaves and goes
    /// to are counted again, the other days' tallies are read as they are.
    fn day_rule_excess(
        &self,
        d: &Distribution,
        rule: usize,
        c: usize,
        t: Option<TimePattern>,
    ) -> i64 {
        let m = self.m;
        let mut scratch = self.rule_scratch.borrow_mut();
        let (lessons, weeks, seen) = &mut *scratch;
        weeks.clear();
        seen.clear();
        let now = self.cur(c).map(|x| x.t);
        let mut recount = |k: usize| {
            let w = k / m.nr_days;
            let at = rule * m.week_slots() + k;
            let placed = self.rule_lessons.get(at).map_or(&[][..], Vec::as_slice);
            // `k` is a slot of the week, so `t` meets then when it meets on its day.
            let (w_of, d_of) = (w as u32, (k % m.nr_days) as u32);
            let here = t
                .filter(|t| t.meets_on(w_of, d_of))
                .map(|t| (t.start, t.end()));
            let lessons_then = (placed, c, here);
            let shape = m.short_days.then(|| {
                // The rule's shape of the day with `c`'s lesson taken out (when it is
                // there) and `t`'s put in, without going through the day's lessons.
                let mine = now
                    .filter(|n| n.meets_on(w_of, d_of))
                    .map(|n| (n.start, n.end()));
                let filed = self.rule_shapes.get(at).copied().unwrap_or_default();
                let shape = match mine {
                    Some((a, b)) => filed.without(a, b),
                    None => Some(filed),
                };
                match shape {
                    Some(mut shape) => {
                        if let Some((a, b)) = here {
                            shape.push(a, b);
                        }
                        debug_assert_eq!(shape, Model::shape_of(lessons_then));
                        shape
                    }
                    None => Model::shape_of(lessons_then),
                }
            });
            let new = m.tally_of((d, rule), k, shape, lessons_then, lessons);
            let old = self.rule_days.get(at).copied().unwrap_or_default();
            let i = match weeks.iter().position(|&(x, _)| x == w) {
                Some(i) => i,
                None => {
                    let sum = self
                        .rule_weeks
                        .get(rule * m.nr_weeks + w)
                        .copied()
                        .unwrap_or_default();
                    weeks.push((w, sum));
                    weeks.len() - 1
                }
            };
            if let Some((_, sum)) = weeks.get_mut(i) {
                sum.remove(&old);
                sum.add(&new);
            }
        };
        let mut once = |k: usize| {
            if !seen.contains(&k) {
                seen.push(k);
                recount(k);
            }
        };
        if let Some(now) = self.cur(c) {
            m.slots_of(&now.t, &mut once);
        }
        if let Some(t) = t {
            m.slots_of(&t, &mut once);
        }
        let mut total = 0u64;
        for w in 0..m.nr_weeks {
            let sum = match weeks.iter().find(|&&(x, _)| x == w) {
                Some((_, s)) => *s,
                None => self
                    .rule_weeks
                    .get(rule * m.nr_weeks + w)
                    .copied()
                    .unwrap_or_default(),
            };
            total += week_excess(d.kind, &sum);
        }
        i64::try_from(total).unwrap_or(i64::MAX)
    }

    /// Add class `c` at `t` to (or take it out of) its day-counted distributions'
    /// lessons by day, and count those days again.
    fn file_day_rules(&mut self, c: usize, t: TimePattern, add: bool) {
        let m = self.m;
        let mut ks = std::mem::take(&mut self.rule_scratch.get_mut().2);
        ks.clear();
        m.slots_of(&t, |k| ks.push(k));
        for &di in m.dists_of.get(c).map(Vec::as_slice).unwrap_or(&[]) {
            let (Some(rule), Some(d)) = (m.day_rule(di), m.p.distributions.get(di)) else {
                continue;
            };
            for &k in &ks {
                let at = rule * m.week_slots() + k;
                let Some(v) = self.rule_lessons.get_mut(at) else {
                    continue;
                };
                let mut changed = None;
                if add {
                    v.push((c, t.start, t.end()));
                    changed = Some((t.start, t.end()));
                } else if let Some(i) = v.iter().position(|&(x, _, _)| x == c) {
                    let (_, a, b) = v.swap_remove(i);
                    changed = Some((a, b));
                }
                let filed = self.rule_shapes.get_mut(at);
                let shape = match (filed, m.short_days) {
                    (Some(filed), true) => {
                        // The lesson put in or taken out of the shape, when the shape can
                        // tell; else the day's lessons are gone through.
                        let quick = match changed {
                            Some((a, b)) if add => {
                                let mut shape = *filed;
                                shape.push(a, b);
                                Some(shape)
                            }
                            Some((a, b)) => filed.without(a, b),
                            None => Some(*filed),
                        };
                        let shape = quick.unwrap_or_else(|| Model::shape_of((v, NONE, None)));
                        debug_assert_eq!(shape, Model::shape_of((v, NONE, None)));
                        *filed = shape;
                        Some(shape)
                    }
                    _ => None,
                };
                if self.tallies == Tallies::FromJournal {
                    continue;
                }
                let lessons = &mut self.rule_scratch.get_mut().0;
                let new = m.tally_of((d, rule), k, shape, (v, NONE, None), lessons);
                let old = self.rule_days.get(at).copied().unwrap_or_default();
                if let Some(x) = self.rule_days.get_mut(at) {
                    *x = new;
                }
                let wk = rule * m.nr_weeks + k / m.nr_days;
                if let Some(sum) = self.rule_weeks.get_mut(wk) {
                    if self.tallies == Tallies::Journaled {
                        self.day_journal.push((at, old, wk, *sum));
                    }
                    sum.remove(&old);
                    sum.add(&new);
                }
            }
        }
        self.rule_scratch.get_mut().2 = ks;
    }

    /// `global_excess` of distribution `di` with class `c` at `at` (left out at `None`)
    /// and the others where they are; from the cache when that is how they are. Only the
    /// place kinds read the room of `at`.
    fn global_at(&self, di: usize, d: &Distribution, c: usize, at: Option<&Cand>) -> (i64, bool) {
        let t = at.map(|x| x.t);
        let place = d.kind.place();
        let here = match (self.cur(c), at) {
            (Some(x), Some(y)) => x.t == y.t && (place.is_none() || x.room == y.room),
            (x, y) => x.is_none() && y.is_none(),
        };
        let cached = if here {
            self.excess.get(di).and_then(Cell::get)
        } else {
            None
        };
        if let Some(v) = cached {
            return v;
        }
        let v = match self.m.day_rule(di) {
            Some(rule) => (self.day_rule_excess(d, rule, c, t), true),
            None if place.is_some() => (self.place_excess_at(di, d, c, at, here), true),
            None => {
                let mut times = self.times.borrow_mut();
                times.clear();
                times.extend(d.classes.iter().filter_map(|&o| {
                    if o == c {
                        t
                    } else {
                        self.cur(o).map(|x| x.t)
                    }
                }));
                global_excess(self.m.p, d, &times)
            }
        };
        if here {
            if let Some(cell) = self.excess.get(di) {
                cell.set(Some(v));
            }
        }
        v
    }

    /// The excess of rule over places `di` with class `c` at `at` (left out at `None`),
    /// as `global_at` gives it. In a one-week problem (every FET file) it is the rule's
    /// excess as placed now, kept with its changes of place (`place_now`), changed by
    /// the days `c` leaves and reaches: a FET students set's rule has all its lessons,
    /// and a year's lecture is in the rules of every one of its subgroups, dozens.
    fn place_excess_at(
        &self,
        di: usize,
        d: &Distribution,
        c: usize,
        at: Option<&Cand>,
        here: bool,
    ) -> i64 {
        let p = self.m.p;
        let (Some(place), 1) = (d.kind.place(), p.nr_weeks) else {
            return self.place_counts_at(d, c, at).0;
        };
        let (now, changes_now) = self.place_now(di, d, c);
        if here {
            return now;
        }
        let cur = self.cur(c);
        let stay = |x: Option<&Cand>, day: u32| -> Option<Stay> {
            let x = x.filter(|x| x.t.meets_on(0, day))?;
            Some((x.t.start, x.t.end(), place.of(p, x.room)?))
        };
        let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let days = cur.map_or(0, |x| x.t.days) | at.map_or(0, |x| x.t.days);
        let (mut excess, mut changes) = (now, signed(changes_now));
        let mut day = self.stays.borrow_mut();
        for wd in days_of(days) {
            day.clear();
            day.extend(
                d.classes
                    .iter()
                    .filter(|&&o| o != c)
                    .filter_map(|&o| stay(self.cur(o), wd)),
            );
            let left = stay(cur, wd);
            day.extend(left);
            let before = places::day_counts(d.kind, &mut day);
            if let Some(i) = left.and_then(|s| day.iter().position(|&x| x == s)) {
                day.swap_remove(i);
            }
            day.extend(stay(at, wd));
            let after = places::day_counts(d.kind, &mut day);
            excess += signed(places::day_excess(d.kind, after))
                - signed(places::day_excess(d.kind, before));
            changes += signed(after.0) - signed(before.0);
        }
        let week = |n: i64| signed(places::week_excess(d.kind, u64::try_from(n).unwrap_or(0)));
        let excess = excess + week(changes) - week(signed(changes_now));
        debug_assert_eq!(excess, self.place_counts_at(d, c, at).0);
        excess
    }

    /// The excess of rule over places `di` and its changes of place, as the classes are
    /// placed now; kept until a class of it moves.
    fn place_now(&self, di: usize, d: &Distribution, c: usize) -> (i64, u64) {
        let cached = self.excess.get(di).and_then(Cell::get);
        let changes = self.place_changes.get(di).and_then(Cell::get);
        if let (Some((excess, _)), Some(changes)) = (cached, changes) {
            return (excess, changes);
        }
        let (excess, changes) = self.place_counts_at(d, c, self.cur(c));
        if let Some(cell) = self.excess.get(di) {
            cell.set(Some((excess, true)));
        }
        if let Some(cell) = self.place_changes.get(di) {
            cell.set(Some(changes));
        }
        (excess, changes)
    }

    /// The excess and changes of place of rule over places `d` counted whole, with class
    /// `c` at `at` (left out at `None`) and the others where they are.
    fn place_counts_at(&self, d: &Distribution, c: usize, at: Option<&Cand>) -> (i64, u64) {
        let mut lessons = self.lessons.borrow_mut();
        self.lessons_with(d, c, at, &mut lessons);
        let (excess, changes) = places::place_counts(self.m.p, d.kind, &lessons).unwrap_or((0, 0));
        (i64::try_from(excess).unwrap_or(i64::MAX), changes)
    }

    /// The lessons of `d`'s classes, time and room, into `out`: class `c` at `at` (left
    /// out at `None`), the others where they are.
    fn lessons_with(&self, d: &Distribution, c: usize, at: Option<&Cand>, out: &mut Vec<Lesson>) {
        out.clear();
        out.extend(d.classes.iter().filter_map(|&o| {
            let x = if o == c { at } else { self.cur(o) };
            x.map(|x| (x.t, x.room))
        }));
    }

    /// Calls `found` with each member of pairwise distribution `d` that breaks it with
    /// `c` at `me`, until it returns `false`.
    fn pair_breakers(
        &self,
        di: usize,
        d: &Distribution,
        c: usize,
        me: &Cand,
        mut found: impl FnMut(usize) -> bool,
    ) {
        if d.kind == DistributionKind::NotOverlap {
            // Every students set and teacher of a FET file is one of these, so most pairs
            // weighed are: only the members placed on `me`'s days, each found once (on
            // the first day it shares with `me`).
            let mask = self.m.day_mask(&me.t);
            for day in days_of(me.t.days) {
                let Some(bucket) = self.m.day_bucket(di, day) else {
                    continue;
                };
                if self.day_masks.get(bucket).is_some_and(|&b| b & mask == 0) {
                    continue;
                }
                for &(o, ot) in self
                    .day_members
                    .get(bucket)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                {
                    if o != c
                        && (me.t.days & ot.days).trailing_zeros() == day
                        && me.t.overlaps(&ot)
                        && !found(o)
                    {
                        return;
                    }
                }
            }
            return;
        }
        // The rule reads its classes in order (precedence): those before `c`, then after.
        let mut before = true;
        for &o in &d.classes {
            if o == c {
                before = false;
                continue;
            }
            let Some(oc) = self.cur(o) else { continue };
            let ok = if before {
                pair_ok(self.m.p, d.kind, oc, me)
            } else {
                pair_ok(self.m.p, d.kind, me, oc)
            };
            if !ok && !found(o) {
                return;
            }
        }
    }

    pub(super) fn cand_at(&self, c: usize, pi: usize) -> Option<&Cand> {
        self.m.dom.get(c).and_then(|d| d.get(pi))
    }

    pub(crate) fn cur(&self, c: usize) -> Option<&Cand> {
        let pi = *self.assign.get(c)?;
        self.cand_at(c, pi)
    }

    pub(crate) fn domain_len(&self, c: usize) -> usize {
        self.m.dom.get(c).map(Vec::len).unwrap_or(0)
    }

    /// Cost of everything that involves class `c` if it were at candidate `pi`.
    pub(crate) fn class_cost(&self, c: usize, pi: usize) -> (i64, i64) {
        let (hard, soft) = self.placement_cost(c, pi);
        let days = self.cand_at(c, pi).map_or(0, |me| self.day_cost(c, me.t));
        (hard, soft + days)
    }

    /// `class_cost` without learners' days (free time and load), which are soft and costs a look at every
    /// learner of the class: enough wherever only the hard part is read.
    pub(crate) fn placement_cost(&self, c: usize, pi: usize) -> (i64, i64) {
        self.placement_cost_within(c, pi, i64::MAX)
            .unwrap_or((0, 0))
    }

    /// `placement_cost`, or `None` as soon as its hard part is known to pass `cap`: a
    /// scan for the cheapest candidate need not finish counting one that has lost.
    #[inline]
    fn placement_cost_within(&self, c: usize, pi: usize, cap: i64) -> Option<(i64, i64)> {
        let Some(me) = self.cand_at(c, pi) else {
            return Some((0, 0));
        };
        let (hard, soft) = self.room_part(c, me);
        let (t_hard, t_soft) = self.time_part_within(c, me, cap.saturating_sub(hard))?;
        Some((hard + t_hard, soft + t_soft))
    }

    /// The part of `c`'s cost at `me` that comes with the room: the candidate's own
    /// (the room's penalty and availability), a move from the published timetable, and
    /// the classes in the room then.
    #[inline]
    fn room_part(&self, c: usize, me: &Cand) -> (i64, i64) {
        let mut hard = me.hard;
        let mut soft = me.soft;
        if let Some(init) = self
            .m
            .initial
            .as_ref()
            .and_then(|v| v.get(c).copied().flatten())
        {
            if init.time != me.time || init.room != me.room {
                soft += self.m.perturb_of(c);
            }
        }
        if let Some(r) = me.room {
            self.in_room_at(r, c, &me.t, |_| hard += 1);
        }
        (hard, soft)
    }

    /// The rest of `c`'s cost at `me`: its distributions and the classes it shares
    /// learners with; `None` as soon as the hard part passes `cap`. Where
    /// `Model::time_only` holds, this depends on `me`'s time alone.
    #[inline]
    fn time_part_within(&self, c: usize, me: &Cand, cap: i64) -> Option<(i64, i64)> {
        let p = self.m.p;
        let (mut hard, mut soft) = (0i64, 0i64);
        for &di in self.m.dists_of.get(c).map(Vec::as_slice).unwrap_or(&[]) {
            if hard > cap {
                return None;
            }
            let Some(d) = p.distributions.get(di) else {
                continue;
            };
            let (req, w) = self.dist_weight(di);
            if d.kind.is_pairwise() {
                let mut violations = 0i64;
                self.pair_breakers(di, d, c, me, |_| {
                    violations += 1;
                    true
                });
                let (h, s) = self.breach_cost((req, w), d, violations, false);
                (hard, soft) = (hard + h, soft + s);
            } else {
                let (ex, scaled) = self.global_at(di, d, c, Some(me));
                let (h, s) = self.breach_cost((req, w), d, ex, scaled);
                (hard, soft) = (hard + h, soft + s);
            }
        }
        if let Some(sh) = self.shared.get(c) {
            for (&o, &n) in sh {
                if let Some(oc) = self.cur(o) {
                    if clash(p, me, oc) {
                        if p.student_conflicts_hard {
                            hard += i64::from(n);
                        } else {
                            soft += self.m.w_student * i64::from(n);
                        }
                    }
                }
            }
        }
        (hard <= cap).then_some((hard, soft))
    }

    /// The times, as placed now, of learner `s`'s placed classes.
    fn student_times(&self, s: usize) -> impl Iterator<Item = (usize, TimePattern)> + '_ {
        self.enr
            .get(s)
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(|(_, cls)| cls.iter())
            .filter_map(|&x| self.cur(x).map(|c| (x, c.t)))
    }

    /// `class_cost` for a scan over many candidates of `c`, which come time by time with
    /// each time's rooms together: what depends on the time alone (learners' days, and
    /// where `Model::time_only` holds the rules and shared learners) is worked out once
    /// per time in `memo`. `None` when the hard part passes `cap`; the scan's `cap` may
    /// only fall from one call to the next, as it does when it is the best so far.
    fn scan_cost(&self, c: usize, pi: usize, cap: i64, memo: &mut ScanMemo) -> Option<(i64, i64)> {
        let Some(me) = self.cand_at(c, pi) else {
            return Some((0, 0));
        };
        let (r_hard, r_soft) = self.room_part(c, me);
        let within = cap.saturating_sub(r_hard);
        let time_part = if memo.per_time(self.m, c) {
            match memo.cost {
                // A part that passed a cap as low as this one passes it again.
                Some((t, counted_within, part))
                    if t == me.time && (part.is_some() || within <= counted_within) =>
                {
                    part
                }
                _ => {
                    let part = self.time_part_within(c, me, within);
                    memo.cost = Some((me.time, within, part));
                    part
                }
            }
        } else {
            self.time_part_within(c, me, within)
        };
        let (t_hard, t_soft) = time_part.filter(|&(h, _)| h <= within)?;
        let (hard, soft) = (r_hard + t_hard, r_soft + t_soft);
        if !self.m.weighs_days() {
            return Some((hard, soft));
        }
        let days = match memo.days.iter().find(|(t, _)| *t == me.time) {
            Some(&(_, g)) => g,
            None => {
                let g = self.day_cost(c, me.t);
                memo.days.push((me.time, g));
                g
            }
        };
        Some((hard, soft + days))
    }

    /// What class `c` at time `t` adds to the cost of its learners' days (free time
    /// between classes on the days it meets, and the load of the week's days). `class_cost` counts it as `c`'s own share, like a pairwise
    /// cost: a move's change is the new share less the old one (the other days are not
    /// touched), and taking `c` out removes its share, so `global_without` has none.
    fn day_cost(&self, c: usize, t: TimePattern) -> i64 {
        if !self.m.weighs_days() {
            return 0;
        }
        // The load of the days is a property of the whole week, free time of a day.
        let whole = self.m.w_load > 0;
        let mut added = 0i64;
        for &s in self.members.get(c).map(Vec::as_slice).unwrap_or(&[]) {
            let mut pats: Vec<TimePattern> = self
                .student_times(s)
                .filter(|(x, o)| *x != c && (whole || o.shares_days_and_weeks(&t)))
                .map(|(_, o)| o)
                .collect();
            let without = self.m.days_cost(&pats, t.days, t.weeks, whole);
            pats.push(t);
            added += self.m.days_cost(&pats, t.days, t.weeks, whole) - without;
        }
        added
    }

    /// The hard part of `class_cost(c, pi)` that comes from the kinds repair leaves to
    /// the search (see [`left_to_search`]).
    pub(crate) fn unmendable_hard(&self, c: usize, pi: usize) -> i64 {
        let p = self.m.p;
        let Some(me) = self.cand_at(c, pi) else {
            return 0;
        };
        let mut hard = 0;
        for &di in self.m.dists_of.get(c).map(Vec::as_slice).unwrap_or(&[]) {
            let Some(d) = p.distributions.get(di) else {
                continue;
            };
            if !d.required || !left_to_search(d.kind, self.gap_repair) {
                continue;
            }
            hard += self.dist_weight(di).1 * self.global_at(di, d, c, Some(me)).0;
        }
        hard
    }

    /// `unmendable_hard` for a scan over the candidates of `c`: it depends on the time
    /// alone (the rules repair leaves to the search name no rooms; repair mends the rules
    /// over places), so it is counted once for all the rooms of a time.
    fn unmendable_scan(&self, c: usize, pi: usize, memo: &mut ScanMemo) -> i64 {
        let Some(time) = self.cand_at(c, pi).map(|x| x.time) else {
            return 0;
        };
        match memo.unmendable {
            Some((t, hard)) if t == time => hard,
            _ => {
                let hard = self.unmendable_hard(c, pi);
                memo.unmendable = Some((time, hard));
                hard
            }
        }
    }

    /// What `c`'s global distributions (day loads, breaks, blocks, days) cost without `c`.
    /// `class_cost` counts each of them whole, with `c` in it, which is right for moving
    /// `c` (the rest cancels out) but not for taking it out or putting it in: there the
    /// change is the whole cost with `c` less this.
    fn global_without(&self, c: usize) -> (i64, i64) {
        let p = self.m.p;
        let (mut hard, mut soft) = (0i64, 0i64);
        for &di in self.m.dists_of.get(c).map(Vec::as_slice).unwrap_or(&[]) {
            let Some(d) = p.distributions.get(di) else {
                continue;
            };
            if d.kind.is_pairwise() {
                continue;
            }
            let (req, w) = self.dist_weight(di);
            let (ex, scaled) = self.global_at(di, d, c, None);
            let (h, s) = self.breach_cost((req, w), d, ex, scaled);
            (hard, soft) = (hard + h, soft + s);
        }
        (hard, soft)
    }

    /// Change in (hard, soft) if class `c` moved to candidate `pi`.
    pub(crate) fn delta(&self, c: usize, pi: usize) -> (i64, i64) {
        let (nh, ns) = self.class_cost(c, pi);
        match self.assign.get(c) {
            Some(&cur) if cur != NONE => {
                let (oh, os) = self.class_cost(c, cur);
                (nh - oh, ns - os)
            }
            _ => {
                let (gh, gs) = self.global_without(c);
                (nh - gh, ns - gs)
            }
        }
    }

    pub(super) fn set(&mut self, c: usize, pi: usize) {
        if let Some(old) = self.cur(c).copied() {
            self.file_in_room(c, &old, false);
            self.file_by_day(c, old.t, false);
            self.file_day_rules(c, old.t, false);
        }
        if let Some(a) = self.assign.get_mut(c) {
            *a = pi;
        }
        for &di in self.m.dists_of.get(c).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(cell) = self.excess.get(di) {
                cell.set(None);
            }
            if let Some(cell) = self.place_changes.get(di) {
                cell.set(None);
            }
        }
        if let Some(new) = self.cur(c).copied() {
            self.file_in_room(c, &new, true);
            self.file_by_day(c, new.t, true);
            self.file_day_rules(c, new.t, true);
        }
    }

    /// Add class `c` at `at` to (or take it out of) its room's lists by day.
    /// In a way of using a virtual room, the class is filed in every room it takes up.
    fn file_in_room(&mut self, c: usize, at: &Cand, add: bool) {
        let m = self.m;
        let Some(r) = at.room else {
            return;
        };
        for r in m.p.rooms.get(r).into_iter().flat_map(|x| x.taken(r)) {
            for day in days_of(at.t.days) {
                let Some(b) = m.room_bucket(r, day) else {
                    continue;
                };
                if let (Some(v), Some(mask)) =
                    (self.room_days.get_mut(b), self.room_day_masks.get_mut(b))
                {
                    file_lesson(m, v, mask, c, at.t, add);
                }
            }
        }
    }

    /// Calls `found` with each class other than `c` placed in room `r` at a time that
    /// overlaps `t`, each once (on the first day it shares with `t`).
    /// In a way of using a virtual room: the classes in any room it takes up, each once.
    fn in_room_at(&self, r: usize, c: usize, t: &TimePattern, found: impl FnMut(usize)) {
        let Some(room) = self.m.p.rooms.get(r) else {
            return;
        };
        if room.virtual_use.is_none() {
            return self.in_one_room_at(r, c, t, found);
        }
        let mut seen: Vec<usize> = Vec::new();
        for x in room.taken(r) {
            self.in_one_room_at(x, c, t, |o| {
                if !seen.contains(&o) {
                    seen.push(o);
                }
            });
        }
        seen.into_iter().for_each(found);
    }

    /// `in_room_at` for the classes filed in room `r` itself.
    fn in_one_room_at(&self, r: usize, c: usize, t: &TimePattern, mut found: impl FnMut(usize)) {
        let mut mask = None;
        for day in days_of(t.days) {
            let Some(b) = self.m.room_bucket(r, day) else {
                continue;
            };
            let list = self.room_days.get(b).map(Vec::as_slice).unwrap_or(&[]);
            // A short list is read faster than the masks are compared.
            if list.len() > 4 {
                let mask = *mask.get_or_insert_with(|| self.m.day_mask(t));
                if self.room_day_masks.get(b).is_some_and(|&x| x & mask == 0) {
                    continue;
                }
            }
            for &(o, ot) in list {
                if o != c && (t.days & ot.days).trailing_zeros() == day && t.overlaps(&ot) {
                    found(o);
                }
            }
        }
    }

    /// Add class `c` at `t` to (or take it out of) its not-overlap distributions' lists
    /// of members by day.
    fn file_by_day(&mut self, c: usize, t: TimePattern, add: bool) {
        let m = self.m;
        for &di in m.dists_of.get(c).map(Vec::as_slice).unwrap_or(&[]) {
            for day in days_of(t.days) {
                let Some(b) = m.day_bucket(di, day) else {
                    continue;
                };
                if let (Some(v), Some(mask)) =
                    (self.day_members.get_mut(b), self.day_masks.get_mut(b))
                {
                    file_lesson(m, v, mask, c, t, add);
                }
            }
        }
    }

    pub(crate) fn apply(&mut self, c: usize, pi: usize, d: (i64, i64)) {
        self.set(c, pi);
        self.hard += d.0;
        self.soft += d.1;
    }

    /// How far distribution `d` is broken as the classes are placed now, counted from
    /// scratch: its pairs that break it, or its excess (and whether that is scaled by the
    /// weeks, as `global_excess` says).
    fn broken_by(&self, d: &Distribution) -> (i64, bool) {
        let p = self.m.p;
        if d.kind.is_pairwise() {
            let mut v = 0;
            for (i, &a) in d.classes.iter().enumerate() {
                for &b in d.classes.iter().skip(i + 1) {
                    if let (Some(x), Some(y)) = (self.cur(a), self.cur(b)) {
                        if !pair_ok(p, d.kind, x, y) {
                            v += 1;
                        }
                    }
                }
            }
            (v, false)
        } else if d.kind.place().is_some() {
            (self.place_counts_at(d, NONE, None).0, true)
        } else {
            let pats: Vec<TimePattern> = d
                .classes
                .iter()
                .filter_map(|&o| self.cur(o).map(|x| x.t))
                .collect();
            global_excess(p, d, &pats)
        }
    }

    /// Whether a distribution is required, and what one unit of its breach costs: a
    /// required one's weight in the hard cost (`hard_weights`), a wished-for one's penalty.
    fn dist_weight(&self, di: usize) -> (bool, i64) {
        match self.m.p.distributions.get(di) {
            Some(d) if d.required => (true, self.hard_weights.get(di).copied().unwrap_or(1)),
            Some(d) => (false, self.m.w_dist * i64::from(d.penalty)),
            None => (false, 0),
        }
    }

    /// What distribution `d`, broken by `ex` (scaled by the weeks or not, as
    /// `global_excess` says), costs as (hard, soft), given its `dist_weight`.
    fn breach_cost(&self, (req, w): (bool, i64), d: &Distribution, ex: i64, scaled: bool) -> Cost {
        if req {
            (w * ex, 0)
        } else if scaled {
            let weeks = i64::from(self.m.p.nr_weeks.max(1));
            (0, self.m.w_dist * (i64::from(d.penalty) * ex / weeks))
        } else {
            (0, w * ex)
        }
    }

    /// Does any required distribution weigh more than 1 in the hard cost?
    pub(super) fn reweighed(&self) -> bool {
        self.reweighed
    }

    /// Breakout: each required distribution broken now weighs one more in the hard cost,
    /// so a local search stuck among timetables that break the same rules is pushed to
    /// mend them, even by breaking others for a while. The totals are counted again.
    pub(super) fn weigh_broken_more(&mut self) {
        let p = self.m.p;
        for (di, d) in p.distributions.iter().enumerate() {
            if d.required && self.broken_by(d).0 > 0 {
                if let Some(w) = self.hard_weights.get_mut(di) {
                    *w += 1;
                    self.reweighed = true;
                }
            }
        }
        (self.hard, self.soft) = self.full_cost();
    }

    /// Every required distribution weighs 1 again, and the totals are counted again.
    pub(super) fn weigh_evenly(&mut self) {
        if self.reweighed {
            self.hard_weights.iter_mut().for_each(|w| *w = 1);
            self.reweighed = false;
            (self.hard, self.soft) = self.full_cost();
        }
    }

    /// The hard rules broken, each weighing 1, whatever the weights are now.
    pub(super) fn hard_unweighed(&self) -> i64 {
        if !self.reweighed {
            return self.hard;
        }
        let p = self.m.p;
        let (mut all, mut weighed) = (self.hard, 0i64);
        for (di, d) in p.distributions.iter().enumerate() {
            let w = self.hard_weights.get(di).copied().unwrap_or(1);
            if d.required && w > 1 {
                let ex = self.broken_by(d).0;
                all -= w * ex;
                weighed += ex;
            }
        }
        all + weighed
    }

    /// Recompute both totals from scratch (used to start and to guard against drift).
    pub(crate) fn full_cost(&self) -> (i64, i64) {
        let p = self.m.p;
        let (mut hard, mut soft) = (0i64, 0i64);
        for c in 0..p.classes.len() {
            let Some(me) = self.cur(c) else { continue };
            hard += me.hard;
            soft += me.soft;
            if let Some(init) = self
                .m
                .initial
                .as_ref()
                .and_then(|v| v.get(c).copied().flatten())
            {
                if init.time != me.time || init.room != me.room {
                    soft += self.m.perturb_of(c);
                }
            }
        }
        // Counted from the assignment, not from the rooms' lists kept by day: each pair
        // once however many rooms they share (`Room::taken`).
        let mut in_room = vec![Vec::new(); p.rooms.len()];
        for c in 0..p.classes.len() {
            if let Some(r) = self.cur(c).and_then(|x| x.room) {
                for r in p.rooms.get(r).into_iter().flat_map(|x| x.taken(r)) {
                    if let Some(v) = in_room.get_mut(r) {
                        v.push(c);
                    }
                }
            }
        }
        let mut clashing = HashSet::new();
        for occ in &in_room {
            for (i, &a) in occ.iter().enumerate() {
                for &b in occ.iter().skip(i + 1) {
                    if let (Some(x), Some(y)) = (self.cur(a), self.cur(b)) {
                        if x.t.overlaps(&y.t) && clashing.insert((a.min(b), a.max(b))) {
                            hard += 1;
                        }
                    }
                }
            }
        }
        for (di, d) in p.distributions.iter().enumerate() {
            let (req, w) = self.dist_weight(di);
            let (ex, scaled) = self.broken_by(d);
            let (h, s) = self.breach_cost((req, w), d, ex, scaled);
            (hard, soft) = (hard + h, soft + s);
        }
        for (c, sh) in self.shared.iter().enumerate() {
            for (&o, &n) in sh {
                if o > c {
                    if let (Some(x), Some(y)) = (self.cur(c), self.cur(o)) {
                        if clash(p, x, y) {
                            if p.student_conflicts_hard {
                                hard += i64::from(n);
                            } else {
                                soft += self.m.w_student * i64::from(n);
                            }
                        }
                    }
                }
            }
        }
        for (c, &n) in self.count.iter().enumerate() {
            let limit = p.classes.get(c).map(|c| c.limit).unwrap_or(0);
            hard += i64::from(n.saturating_sub(limit));
        }
        if self.m.weighs_days() {
            for s in 0..p.students.len() {
                let pats: Vec<TimePattern> = self.student_times(s).map(|(_, t)| t).collect();
                soft += self.m.days_cost(&pats, u32::MAX, u64::MAX, true);
            }
        }
        for (s, student) in p.students.iter().enumerate() {
            for (r, req) in student.requests.iter().enumerate() {
                match self.enr.get(s).and_then(|v| v.get(r)) {
                    Some(Some((k, cls))) => {
                        soft += self.m.w_request * (*k as i64);
                        soft += cls.iter().map(|&x| self.m.joined_cost(s, x)).sum::<i64>();
                    }
                    _ if req.mandatory => hard += UNMET_MANDATORY,
                    _ => soft += self.m.w_request * i64::from(req.weight),
                }
            }
        }
        (hard, soft)
    }

    /// Classes currently involved in a hard violation.
    pub(crate) fn conflicted(&self) -> Vec<usize> {
        (0..self.assign.len())
            .filter(|&c| match self.assign.get(c) {
                Some(&pi) if pi != NONE => self.placement_cost(c, pi).0 > 0,
                _ => true,
            })
            .collect()
    }

    /// Assigned classes that would have to be unassigned for `c` to take candidate `pi`
    /// without breaking a hard rule (room clashes, required distributions, hard clashes).
    pub(crate) fn conflicts_of(&self, c: usize, pi: usize) -> Vec<usize> {
        let mut out = Vec::new();
        self.conflicts_within(c, pi, Cap::NONE, &mut out);
        out
    }

    /// `conflicts_of` into `out` (sorted, each class once), with what displacing them
    /// costs (`displacement_cost`); `None`, with `out` left part-filled, as soon as they
    /// pass `cap`: a scan for the least disruptive candidate need not finish listing
    /// one that has lost.
    #[inline]
    pub(super) fn conflicts_within(
        &self,
        c: usize,
        pi: usize,
        cap: Cap,
        out: &mut Vec<usize>,
    ) -> Option<u64> {
        out.clear();
        let Some(me) = self.cand_at(c, pi) else {
            return Some(0);
        };
        // The room first: a candidate whose room is taken often loses before its rules
        // are read.
        let mut cost = 0;
        self.add_room_conflicts(c, me, out, &mut cost);
        if cap.passed(cost, out.len()) {
            return None;
        }
        let cost = self.time_conflicts_within(c, me, cap, out, cost)?;
        out.sort_unstable();
        Some(cost)
    }

    /// `conflicts_within` for a scan over the candidates of `c`, which come time by time
    /// with each time's rooms together: where `Model::time_only` holds, the classes in
    /// the way at a time, apart from the room's, are listed once for all its rooms in
    /// `memo`. The scan's `cap` may only fall from one call to the next.
    pub(super) fn conflicts_scan(
        &self,
        c: usize,
        pi: usize,
        cap: Cap,
        out: &mut Vec<usize>,
        memo: &mut ScanMemo,
    ) -> Option<u64> {
        if !memo.per_time(self.m, c) {
            return self.conflicts_within(c, pi, cap, out);
        }
        out.clear();
        let Some(me) = self.cand_at(c, pi) else {
            return Some(0);
        };
        let fresh = !matches!(&memo.conflicts,
            Some((t, counted_within, part)) if *t == me.time && (part.is_some() || cap.within(counted_within)));
        if fresh {
            memo.in_the_way.clear();
            let part = self.time_conflicts_within(c, me, cap, &mut memo.in_the_way, 0);
            memo.conflicts = Some((me.time, cap, part));
        }
        let Some((_, _, Some(mut cost))) = memo.conflicts else {
            return None;
        };
        out.extend_from_slice(&memo.in_the_way);
        self.add_room_conflicts(c, me, out, &mut cost);
        if cap.passed(cost, out.len()) {
            return None;
        }
        out.sort_unstable();
        Some(cost)
    }

    /// The classes in the room of `me` at its time, added to `out` as `add_conflict` does.
    #[inline]
    fn add_room_conflicts(&self, c: usize, me: &Cand, out: &mut Vec<usize>, cost: &mut u64) {
        if let Some(r) = me.room {
            self.in_room_at(r, c, &me.t, |o| self.add_conflict(o, out, cost));
        }
    }

    /// The classes in the way of `c` at `me` by its required rules and shared learners
    /// (not its room), added to `out` unsorted (but for those in it already), with what
    /// displacing them costs added to `cost`; `None` as soon as that passes `cap`.
    #[inline]
    fn time_conflicts_within(
        &self,
        c: usize,
        me: &Cand,
        cap: Cap,
        out: &mut Vec<usize>,
        mut cost: u64,
    ) -> Option<u64> {
        let p = self.m.p;
        for &di in self.m.dists_of.get(c).map(Vec::as_slice).unwrap_or(&[]) {
            let Some(d) = p.distributions.get(di) else {
                continue;
            };
            if !d.required {
                continue;
            }
            if d.kind.is_pairwise() {
                // The number of classes is checked after the rule: a rule seldom
                // finds more than one, and this loop is repair's innermost.
                self.pair_breakers(di, d, c, me, |o| {
                    self.add_conflict(o, out, &mut cost);
                    cost <= cap.cost
                });
            } else if let Some(place) = d
                .kind
                .place()
                .filter(|_| self.global_at(di, d, c, Some(me)).0 > 0)
            {
                // Members on `c`'s days in another place, latest first, until the rule
                // holds with `c` at `me` (taking lessons out never breaks it more; a
                // change on another day of a weekly limit may still break it).
                let mine = place.of(p, me.room);
                let mut lessons = Vec::new();
                self.lessons_with(d, c, Some(me), &mut lessons);
                let mut others: Vec<(u32, usize)> = d
                    .classes
                    .iter()
                    .filter(|&&o| o != c)
                    .filter_map(|&o| {
                        let x = self.cur(o)?;
                        let theirs = place.of(p, x.room);
                        let apart = theirs.is_some() && theirs != mine;
                        (x.t.days & me.t.days != 0 && apart).then_some((x.t.start, o))
                    })
                    .collect();
                others.sort_unstable();
                while let Some((_, o)) = others.pop() {
                    self.add_conflict(o, out, &mut cost);
                    if let Some(x) = self.cur(o) {
                        if let Some(i) = lessons.iter().position(|l| *l == (x.t, x.room)) {
                            lessons.swap_remove(i);
                        }
                    }
                    if places::place_excess(p, d.kind, &lessons) == Some(0) {
                        break;
                    }
                }
            } else if !left_to_search(d.kind, self.gap_repair)
                && self.global_at(di, d, c, Some(me)).0 > 0
            {
                // Drop other members (last in the rule first) until the constraint holds:
                // `c`'s time, then the members', and a shorter prefix each time.
                // Buffers kept between calls (repair weighs many candidates), taken out
                // of their cell while in use.
                let (mut members, mut pats) = self.prefix_buf.take();
                members.clear();
                pats.clear();
                pats.push(me.t);
                for &o in d.classes.iter().filter(|&&o| o != c) {
                    if let Some(x) = self.cur(o) {
                        members.push(o);
                        pats.push(x.t);
                    }
                }
                let ws = self.m.week_slots();
                let off_bits = (self.m.day_rule(di))
                    .and_then(|rule| self.m.day_off.get(rule * ws..(rule + 1) * ws));
                match clean_prefix_len(p, d.kind, (&d.off, off_bits), &pats) {
                    // The members past the longest clean prefix (`c` is its first).
                    Some(len) => {
                        for &o in members.iter().skip(len.saturating_sub(1)) {
                            self.add_conflict(o, out, &mut cost);
                        }
                    }
                    None => {
                        for (k, &o) in members.iter().enumerate().rev() {
                            self.add_conflict(o, out, &mut cost);
                            if pats
                                .get(..=k)
                                .is_some_and(|pre| global_excess(p, d, pre).0 == 0)
                            {
                                break;
                            }
                        }
                    }
                }
                self.prefix_buf.replace((members, pats));
            }
            if cap.passed(cost, out.len()) {
                return None;
            }
        }
        if p.student_conflicts_hard {
            if let Some(sh) = self.shared.get(c) {
                for &o in sh.keys() {
                    if self.cur(o).is_some_and(|oc| clash(p, me, oc)) {
                        self.add_conflict(o, out, &mut cost);
                    }
                }
            }
        }
        (!cap.passed(cost, out.len())).then_some(cost)
    }

    /// Adds `o` to the conflicts in `out` and its displacing to `cost`, unless it is
    /// there already (found by its room and by its teacher, say): it is displaced once.
    fn add_conflict(&self, o: usize, out: &mut Vec<usize>, cost: &mut u64) {
        if !out.contains(&o) {
            out.push(o);
            *cost = cost.saturating_add(self.displace_cost(o));
        }
    }

    /// Cost of displacing `conf`: one per class plus how often it was displaced before.
    /// When re-solving, displacing a class also costs what moving it (and the classes
    /// locked to it) would change for its learners, so repairs stay small.
    fn displacement_cost(&self, conf: &[usize]) -> u64 {
        conf.iter().map(|&o| self.displace_cost(o)).sum()
    }

    /// `displacement_cost` of the one class `o`.
    fn displace_cost(&self, o: usize) -> u64 {
        let again = 1 + u64::from(self.displaced.get(o).copied().unwrap_or(0));
        if self.m.initial.is_none() {
            return again;
        }
        let learners: u64 = match self.m.group(o) {
            Some(g) => g
                .iter()
                .map(|&x| u64::from(self.m.initial_count.get(x).copied().unwrap_or(0)))
                .sum(),
            None => u64::from(self.m.initial_count.get(o).copied().unwrap_or(0)),
        };
        again * (4 + learners)
    }

    /// Take class `c` out of the timetable.
    pub(crate) fn unassign(&mut self, c: usize) {
        let Some(&cur) = self.assign.get(c) else {
            return;
        };
        if cur == NONE {
            return;
        }
        let (h, s) = self.class_cost(c, cur);
        // Out first: then the cost without `c` is the cost as things are, which is kept
        // for the next move's `delta` to read.
        self.set(c, NONE);
        let (gh, gs) = self.global_without(c);
        self.hard -= h - gh;
        self.soft -= s - gs;
    }

    /// One step of iterative forward search: place an unassigned class at the candidate
    /// that displaces the fewest others, and unassign those.
    pub(crate) fn ifs_step(&mut self, c: usize, rng: &mut Rng, tabu: &[usize]) -> Vec<usize> {
        let len = self.domain_len(c);
        if len == 0 {
            return Vec::new();
        }
        let mut best: Option<IfsChoice> = None;
        let mut ties = 0usize;
        let sample = 300;
        let mut memo = ScanMemo::new(len <= sample);
        let mut conf = Vec::new();
        let picks: Vec<usize> = if len <= sample {
            (0..len).collect()
        } else {
            (0..sample).map(|_| rng.below(len)).collect()
        };
        for pi in picks {
            if tabu.contains(&pi) && len > tabu.len() {
                continue;
            }
            let cap = best
                .as_ref()
                .map_or(Cap::NONE, |(bk, _, _)| Cap::cost(bk.0));
            let Some(displaced) = self.conflicts_scan(c, pi, cap, &mut conf, &mut memo) else {
                continue;
            };
            let unary = self.cand_at(c, pi).map(|x| x.hard).unwrap_or(0)
                + self.unmendable_scan(c, pi, &mut memo);
            // Soft cost only matters among equally disruptive candidates.
            let key_head = (displaced, unary);
            if let Some((bk, _, _)) = &best {
                if key_head > (bk.0, bk.1) {
                    continue;
                }
            }
            let soft = self
                .scan_cost(c, pi, i64::MAX, &mut memo)
                .map_or(0, |(_, soft)| soft);
            let key = (key_head.0, unary, soft);
            match &best {
                Some((bk, _, _)) if key > *bk => {}
                Some((bk, _, _)) if key == *bk => {
                    ties += 1;
                    if rng.below(ties + 1) == 0 {
                        best = Some((key, pi, conf.clone()));
                    }
                }
                _ => {
                    ties = 0;
                    best = Some((key, pi, conf.clone()));
                }
            }
        }
        let Some((_, pi, conf)) = best else {
            return Vec::new();
        };
        for &o in &conf {
            self.unassign(o);
            if let Some(n) = self.displaced.get_mut(o) {
                *n += 1;
            }
        }
        let d = self.delta(c, pi);
        self.apply(c, pi, d);
        conf
    }

    // ----- time-locked groups -----

    /// A candidate of member `m` with pattern `key` whose room is free then (rooms in
    /// `taken` excluded, classes in `ignore` not counted), its current room first, then
    /// the cheapest.
    pub(super) fn pick_room(
        &self,
        m: usize,
        key: PatKey,
        taken: &[usize],
        ignore: &[usize],
    ) -> Option<usize> {
        let list = self.m.by_pattern.get(m)?.get(&key)?;
        // Re-solving: the room the class had before; otherwise the room it has now.
        let cur_room = match self.m.initial_pi.get(m) {
            Some(&pi) if pi != NONE => self.cand_at(m, pi).and_then(|x| x.room),
            _ => self.cur(m).and_then(|x| x.room),
        };
        // Classes in the candidate's room at its time, counted up to `limit`.
        let busy_in = |cand: &Cand, limit: usize| match cand.room {
            Some(r) => {
                let mut n = 0;
                self.in_room_at(r, m, &cand.t, |o| {
                    if !ignore.contains(&o) {
                        n += 1;
                    }
                });
                n.min(limit)
            }
            None => 0,
        };
        // The usual answer, found without counting every room's classes: the class's own
        // room, free (nothing else can beat it; the cheapest if it is listed twice).
        let own_free = list
            .iter()
            .copied()
            .filter_map(|pi| self.cand_at(m, pi).map(|cand| (pi, cand)))
            .filter(|(_, cand)| {
                cand.room == cur_room
                    && cand.room.is_none_or(|r| !self.m.takes_any(r, taken))
                    && busy_in(cand, 1) == 0
            })
            .min_by_key(|(_, cand)| cand.soft);
        if let Some((pi, _)) = own_free {
            return Some(pi);
        }
        let mut best: Option<((usize, bool, i64), usize)> = None;
        for &pi in list {
            let Some(cand) = self.cand_at(m, pi) else {
                continue;
            };
            if cand.room.is_some_and(|r| self.m.takes_any(r, taken)) {
                continue;
            }
            let limit = best
                .as_ref()
                .map_or(usize::MAX, |((b, _, _), _)| b.saturating_add(1));
            let busy = busy_in(cand, limit);
            let k = (busy, cand.room != cur_room, cand.soft);
            if best.as_ref().is_none_or(|(bk, _)| k < *bk) {
                best = Some((k, pi));
            }
        }
        best.map(|(_, pi)| pi)
    }

    /// Put the classes `old` lists back where they were (`NONE`: unassigned), last
    /// first, and the totals back to `cost`, what they were then. Weighing each move back
    /// would only count again what is known: undoing is a good part of the search's
    /// work, since most moves tried are refused.
    pub(super) fn restore(&mut self, old: &[(usize, usize)], cost: Cost) {
        for &(m, pi) in old.iter().rev() {
            if self.assign.get(m) != Some(&pi) {
                self.set(m, pi);
            }
        }
        (self.hard, self.soft) = cost;
    }

    /// Keep the old value of every day tally the moves from now on count again, until
    /// `keep_or_undo`.
    pub(super) fn journal_days(&mut self) {
        // One journal at a time: a move journaled inside another would clear its entries.
        debug_assert!(
            self.tallies == Tallies::Counted,
            "a day journal is already being kept"
        );
        self.day_journal.clear();
        self.tallies = Tallies::Journaled;
    }

    /// End the moves made since `journal_days`: kept when `keep` (their old tallies are
    /// then not needed), else undone (`undo_journaled`). Returns `keep`.
    pub(super) fn keep_or_undo(&mut self, keep: bool, undo: &Undo, cost: Cost) -> bool {
        if keep {
            self.day_journal.clear();
            self.tallies = Tallies::Counted;
        } else {
            self.undo_journaled(undo, cost);
        }
        keep
    }

    /// `undo` of moves made since `journal_days`: each class goes back, and each day
    /// tally they changed is set back to its value from the journal, not counted again
    /// (a tally depends only on the day's lessons, which are then as they were).
    fn undo_journaled(&mut self, undo: &Undo, cost: Cost) {
        self.tallies = Tallies::FromJournal;
        self.undo(undo, cost);
        self.tallies = Tallies::Counted;
        for &(at, day, wk, week) in self.day_journal.iter().rev() {
            if let Some(x) = self.rule_days.get_mut(at) {
                *x = day;
            }
            if let Some(x) = self.rule_weeks.get_mut(wk) {
                *x = week;
            }
        }
        self.day_journal.clear();
    }

    /// Move every member to pattern `key`, choosing rooms one by one. Returns the total
    /// change, or `None` (nothing moved) when a member cannot take that pattern.
    fn place_group(&mut self, members: &[usize], key: PatKey) -> Option<(i64, i64)> {
        let all_can = members.iter().all(|&m| {
            self.m
                .by_pattern
                .get(m)
                .is_some_and(|b| b.contains_key(&key))
        });
        if !all_can {
            return None;
        }
        let mut total = (0i64, 0i64);
        let mut taken = Vec::with_capacity(members.len());
        for &m in members {
            let Some(pi) = self
                .pick_room(m, key, &taken, members)
                .or_else(|| self.pick_room(m, key, &[], members))
            else {
                continue;
            };
            if let Some(r) = self.cand_at(m, pi).and_then(|c| c.room) {
                self.m.take(r, &mut taken);
            }
            let d = self.delta(m, pi);
            self.apply(m, pi, d);
            total.0 += d.0;
            total.1 += d.1;
        }
        Some(total)
    }

    /// Move the group of `c` to the pattern of its candidate `pi`; keep the move when
    /// `accept` says so, otherwise undo it. Returns whether it was kept.
    pub(crate) fn try_group_move(
        &mut self,
        c: usize,
        pi: usize,
        accept: &mut dyn FnMut((i64, i64)) -> bool,
    ) -> bool {
        let Some(members) = self.m.group(c) else {
            return false;
        };
        let Some(key) = self.cand_at(c, pi).map(|x| key_of(&x.t)) else {
            return false;
        };
        if self.cur(c).is_some_and(|x| key_of(&x.t) == key) {
            return false;
        }
        let old: Vec<(usize, usize)> = members
            .iter()
            .map(|&m| (m, self.assign.get(m).copied().unwrap_or(NONE)))
            .collect();
        let before = (self.hard, self.soft);
        let Some(d) = self.place_group(members, key) else {
            return false;
        };
        if accept(d) {
            true
        } else {
            self.restore(&old, before);
            false
        }
    }

    /// Iterative forward search for a time-locked group: place all of `c`'s group at the
    /// pattern that displaces the fewest other classes, and unassign those.
    pub(crate) fn ifs_group_step(&mut self, c: usize, rng: &mut Rng) -> Vec<usize> {
        let Some(members) = self.m.group(c) else {
            return Vec::new();
        };
        let Some(by) = self.m.by_pattern.get(c) else {
            return Vec::new();
        };
        let mut keys: Vec<PatKey> = by.keys().copied().collect();
        keys.sort_unstable();
        rng.shuffle(&mut keys);
        let mut best: Option<((u64, i64), PatKey, Vec<usize>)> = None;
        let mut feasible: Vec<(PatKey, Vec<usize>)> = Vec::new();
        let mut ties = 0usize;
        for key in keys.into_iter().take(48) {
            let mut conf: Vec<usize> = Vec::new();
            let mut soft = 0i64;
            let mut taken = Vec::with_capacity(members.len());
            let mut ok = true;
            for &m in members {
                let Some(pi) = self.pick_room(m, key, &taken, members) else {
                    ok = false;
                    break;
                };
                if let Some(cand) = self.cand_at(m, pi) {
                    soft += cand.soft;
                    if let Some(r) = cand.room {
                        self.m.take(r, &mut taken);
                    }
                }
                conf.extend(
                    self.conflicts_of(m, pi)
                        .into_iter()
                        .filter(|o| !members.contains(o)),
                );
            }
            if !ok {
                continue;
            }
            conf.sort_unstable();
            conf.dedup();
            let k = (self.displacement_cost(&conf), soft);
            feasible.push((key, conf.clone()));
            match &best {
                Some((bk, _, _)) if k > *bk => {}
                Some((bk, _, _)) if k == *bk => {
                    ties += 1;
                    if rng.below(ties + 1) == 0 {
                        best = Some((k, key, conf));
                    }
                }
                _ => {
                    ties = 0;
                    best = Some((k, key, conf));
                }
            }
        }
        let Some((_, mut key, mut conf)) = best else {
            return Vec::new();
        };
        // Now and then a random pattern instead of the best, to leave a cycle.
        if rng.below(10) == 0 {
            if let Some((k, c)) = feasible.get(rng.below(feasible.len())).cloned() {
                key = k;
                conf = c;
            }
        }
        for &o in &conf {
            self.unassign(o);
            if let Some(n) = self.displaced.get_mut(o) {
                *n += 1;
            }
        }
        for &m in members {
            self.unassign(m);
        }
        self.place_group(members, key);
        conf
    }

    /// Start from the timetable being re-solved: its placements, and each learner's
    /// classes where they still make up a whole configuration of a requested course.
    pub(crate) fn load_initial(&mut self) {
        let m = self.m;
        if let Some(init) = m.initial.as_ref() {
            for (c, pl) in init.iter().enumerate() {
                let Some(pl) = pl else { continue };
                let Some(pi) = m.dom.get(c).and_then(|d| {
                    d.iter()
                        .position(|x| x.time == pl.time && x.room == pl.room)
                }) else {
                    continue;
                };
                let d = self.delta(c, pi);
                self.apply(c, pi, d);
            }
        }
        let p = m.p;
        for (s, classes) in m.initial_enr.iter().enumerate() {
            let Some(student) = p.students.get(s) else {
                continue;
            };
            for (r, req) in student.requests.iter().enumerate() {
                for (k, &course) in req.courses.iter().enumerate() {
                    let mine: Vec<usize> = classes
                        .iter()
                        .copied()
                        .filter(|&x| p.classes.get(x).is_some_and(|cl| cl.course == course))
                        .collect();
                    if mine.is_empty() {
                        continue;
                    }
                    if whole_configuration(p, &mine) {
                        self.set_enrollment(s, r, Some((k, mine)));
                    }
                    break;
                }
            }
        }
    }

    // ----- construction -----

    /// The classes not in the timetable.
    fn unassigned(&self) -> Vec<usize> {
        (0..self.assign.len())
            .filter(|&c| self.assign.get(c) == Some(&NONE))
            .collect()
    }

    /// The cost a run compares timetables by, with `unassigned` classes left out: each
    /// hard rule broken weighs 1 in it, whatever breakout weighs it (`hard_unweighed`).
    fn key(&self, unassigned: usize) -> (i64, i64) {
        let out = i64::try_from(unassigned).unwrap_or(i64::MAX);
        (self.hard_unweighed() + out * UNASSIGNED, self.soft)
    }

    /// This timetable as a run's best, at cost `key`.
    fn snapshot(&self, key: (i64, i64)) -> Best {
        (key, self.assign.clone(), self.enrollments())
    }

    /// A first timetable from nothing: sectioning, construction, sectioning again.
    fn start_afresh(&mut self, rng: &mut Rng, stop: &dyn Fn() -> bool) {
        let students = !self.m.p.students.is_empty();
        // Sectioning first puts learners with a fixed group in it, so that construction
        // already sees which classes share learners.
        if students {
            self.section_all(rng, stop);
        }
        self.construct(rng, stop);
        let (h, s) = self.full_cost();
        self.hard = h;
        self.soft = s;
        if students {
            self.section_all(rng, stop);
        }
    }

    /// Greedy construction: hardest classes first, each to its cheapest candidate.
    pub(crate) fn construct(&mut self, rng: &mut Rng, stop: &dyn Fn() -> bool) {
        let n = self.assign.len();
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        let hard_degree = |c: usize| {
            self.m
                .dists_of
                .get(c)
                .map(|v| {
                    v.iter()
                        .filter(|&&d| self.m.p.distributions.get(d).is_some_and(|d| d.required))
                        .count()
                })
                .unwrap_or(0)
        };
        let keys: Vec<(usize, usize)> = (0..n)
            .map(|c| (self.domain_len(c), usize::MAX - hard_degree(c)))
            .collect();
        order.sort_by_key(|&c| keys.get(c).copied().unwrap_or((0, 0)));
        for c in order {
            if stop() {
                return;
            }
            if self.m.group(c).is_some() {
                if self.assign.get(c) == Some(&NONE) {
                    self.ifs_group_step(c, rng);
                }
                continue;
            }
            if let Some(best) = self.best_candidate(c, rng, 600, None) {
                let d = self.delta(c, best);
                self.apply(c, best, d);
            }
        }
    }

    /// The cheapest candidate of `c` among at most `sample` (all if fewer), skipping `tabu`.
    pub(crate) fn best_candidate(
        &self,
        c: usize,
        rng: &mut Rng,
        sample: usize,
        tabu: Option<&[usize]>,
    ) -> Option<usize> {
        let len = self.domain_len(c);
        if len == 0 {
            return None;
        }
        let cur = self.assign.get(c).copied().unwrap_or(NONE);
        let mut best: Option<((i64, i64), usize)> = None;
        let mut ties = 0usize;
        let mut memo = ScanMemo::new(len <= sample);
        let mut consider = |pi: usize, rng: &mut Rng| {
            if pi == cur || tabu.is_some_and(|t| t.contains(&pi)) {
                return;
            }
            // A candidate with more hard violations than the best so far has lost.
            let cap = best.map_or(i64::MAX, |((hard, _), _)| hard);
            let Some(cost) = self.scan_cost(c, pi, cap, &mut memo) else {
                return;
            };
            match best {
                Some((b, _)) if cost > b => {}
                Some((b, _)) if cost == b => {
                    ties += 1;
                    if rng.below(ties + 1) == 0 {
                        best = Some((cost, pi));
                    }
                }
                _ => {
                    ties = 0;
                    best = Some((cost, pi));
                }
            }
        };
        if len <= sample {
            for pi in 0..len {
                consider(pi, rng);
            }
        } else {
            for _ in 0..sample {
                let pi = rng.below(len);
                consider(pi, rng);
            }
        }
        best.map(|(_, pi)| pi)
    }

    // ----- student sectioning -----

    pub(super) fn student_classes_except(&self, s: usize, r: usize) -> Vec<usize> {
        let mut v = Vec::new();
        if let Some(reqs) = self.enr.get(s) {
            for (i, e) in reqs.iter().enumerate() {
                if i != r {
                    if let Some((_, cls)) = e {
                        v.extend(cls.iter().copied());
                    }
                }
            }
        }
        v
    }

    fn bump_shared(&mut self, a: usize, b: usize, up: bool) {
        for (x, y) in [(a, b), (b, a)] {
            if let Some(m) = self.shared.get_mut(x) {
                let e = m.entry(y).or_insert(0);
                if up {
                    *e += 1;
                } else {
                    *e = e.saturating_sub(1);
                    if *e == 0 {
                        m.remove(&y);
                    }
                }
            }
        }
    }

    /// Cost of request `r` of student `s` being met by `classes` (alternative `k`), given
    /// the student's other classes `others`; `None` = unmet. Counts are as if the
    /// student were not yet in these classes.
    pub(super) fn enrollment_cost(
        &self,
        s: usize,
        r: usize,
        choice: Option<(usize, &[usize])>,
        others: &[usize],
    ) -> (i64, i64) {
        let p = self.m.p;
        let req = p.students.get(s).and_then(|st| st.requests.get(r));
        let Some((k, classes)) = choice else {
            return match req {
                Some(q) if q.mandatory => (UNMET_MANDATORY, 0),
                Some(q) => (0, self.m.w_request * i64::from(q.weight)),
                None => (0, 0),
            };
        };
        let (mut hard, mut soft) = (0i64, self.m.w_request * k as i64);
        for (i, &x) in classes.iter().enumerate() {
            let limit = p.classes.get(x).map(|c| c.limit).unwrap_or(0);
            if self.count.get(x).copied().unwrap_or(0) >= limit {
                hard += 1;
            }
            soft += self.m.joined_cost(s, x);
            let Some(cx) = self.cur(x) else { continue };
            for &y in others.iter().chain(classes.iter().skip(i + 1)) {
                if let Some(cy) = self.cur(y) {
                    if clash(p, cx, cy) {
                        if p.student_conflicts_hard {
                            hard += 1;
                        } else {
                            soft += self.m.w_student;
                        }
                    }
                }
            }
        }
        soft += self.enrollment_days(&self.times_of(others), classes);
        (hard, soft)
    }

    /// The times of the placed ones of `classes`.
    fn times_of(&self, classes: &[usize]) -> Vec<TimePattern> {
        classes
            .iter()
            .filter_map(|&x| self.cur(x).map(|c| c.t))
            .collect()
    }

    /// What joining `classes` adds to the cost of a learner's days (free time between
    /// classes, load of each day), when their other classes meet at `other_times`.
    fn enrollment_days(&self, other_times: &[TimePattern], classes: &[usize]) -> i64 {
        if !self.m.weighs_days() {
            return 0;
        }
        let new = self.times_of(classes);
        let days = new.iter().fold(0u32, |a, t| a | t.days);
        let weeks = new.iter().fold(0u64, |a, t| a | t.weeks);
        let whole = self.m.w_load > 0;
        let mut pats: Vec<TimePattern> = other_times
            .iter()
            .filter(|o| whole || (o.days & days != 0 && o.weeks & weeks != 0))
            .copied()
            .collect();
        let without = self.m.days_cost(&pats, days, weeks, whole);
        pats.extend(new);
        self.m.days_cost(&pats, days, weeks, whole) - without
    }

    pub(super) fn set_enrollment(&mut self, s: usize, r: usize, new: Enr) {
        let others = self.student_classes_except(s, r);
        let old = self
            .enr
            .get_mut(s)
            .and_then(|v| v.get_mut(r))
            .and_then(|e| e.take());
        if let Some((_, cls)) = old {
            for (i, &x) in cls.iter().enumerate() {
                if let Some(n) = self.count.get_mut(x) {
                    *n = n.saturating_sub(1);
                }
                if let Some(v) = self.members.get_mut(x) {
                    if let Some(at) = v.iter().position(|&t| t == s) {
                        v.swap_remove(at);
                    }
                }
                for &y in others.iter().chain(cls.iter().skip(i + 1)) {
                    self.bump_shared(x, y, false);
                }
            }
        }
        if let Some((_, cls)) = &new {
            for (i, &x) in cls.iter().enumerate() {
                if let Some(n) = self.count.get_mut(x) {
                    *n += 1;
                }
                if let Some(v) = self.members.get_mut(x) {
                    v.push(s);
                }
                for &y in others.iter().chain(cls.iter().skip(i + 1)) {
                    self.bump_shared(x, y, true);
                }
            }
        }
        if let Some(e) = self.enr.get_mut(s).and_then(|v| v.get_mut(r)) {
            *e = new;
        }
    }

    /// Re-section request `r` of student `s` optimally given everything else (within the
    /// node limit). Never makes things worse.
    pub(crate) fn resection(&mut self, s: usize, r: usize, rng: &mut Rng) {
        let current: Enr = self.enr.get(s).and_then(|v| v.get(r)).cloned().flatten();
        let choice = self.best_section(s, r, rng);
        if choice != current {
            self.put_enrollment(s, r, choice);
        }
    }

    /// Put `new` as student `s`'s choice for request `r`, keeping the totals exact.
    pub(super) fn put_enrollment(&mut self, s: usize, r: usize, new: Enr) {
        let others = self.student_classes_except(s, r);
        let old: Enr = self.enr.get(s).and_then(|v| v.get(r)).cloned().flatten();
        self.set_enrollment(s, r, None);
        let old_cost = self.enrollment_cost(s, r, as_choice(&old), &others);
        let new_cost = self.enrollment_cost(s, r, as_choice(&new), &others);
        self.hard += new_cost.0 - old_cost.0;
        self.soft += new_cost.1 - old_cost.1;
        self.set_enrollment(s, r, new);
    }

    /// The best choice for request `r` of student `s` given everything else (within the
    /// node limit), the current one unless another is cheaper; nothing changes.
    pub(super) fn best_section(&mut self, s: usize, r: usize, rng: &mut Rng) -> Enr {
        let others = self.student_classes_except(s, r);
        let other_times = self.times_of(&others);
        let current: Enr = self.enr.get(s).and_then(|v| v.get(r)).cloned().flatten();
        // Cost of the current choice, computed as if not enrolled.
        self.set_enrollment(s, r, None);
        let cur_cost = self.enrollment_cost(
            s,
            r,
            current.as_ref().map(|(k, c)| (*k, c.as_slice())),
            &others,
        );
        let mut best: ((i64, i64), Enr) = (cur_cost, current.clone());
        let unmet = self.enrollment_cost(s, r, None, &others);
        if unmet < best.0 {
            best = (unmet, None);
        }
        let courses: Vec<usize> = self
            .m
            .p
            .students
            .get(s)
            .and_then(|st| st.requests.get(r))
            .map(|q| q.courses.clone())
            .unwrap_or_default();
        for (k, &course) in courses.iter().enumerate() {
            let configs = self
                .m
                .p
                .courses
                .get(course)
                .map(|c| c.configs.clone())
                .unwrap_or_default();
            for cfg in configs {
                let order = self.m.sub_order.get(cfg).cloned().unwrap_or_default();
                let mut chosen = Vec::with_capacity(order.len());
                let mut nodes = 0usize;
                let base = (0i64, self.m.w_request * k as i64);
                self.dfs(
                    s,
                    &order,
                    0,
                    &mut chosen,
                    base,
                    &others,
                    &other_times,
                    &mut best,
                    k,
                    &mut nodes,
                    rng,
                );
            }
        }
        self.set_enrollment(s, r, current);
        best.1
    }

    #[allow(clippy::too_many_arguments)]
    fn dfs(
        &self,
        s: usize,
        order: &[usize],
        depth: usize,
        chosen: &mut Vec<usize>,
        cost: (i64, i64),
        others: &[usize],
        other_times: &[TimePattern],
        best: &mut ((i64, i64), Enr),
        k: usize,
        nodes: &mut usize,
        rng: &mut Rng,
    ) {
        if cost >= best.0 || *nodes > NODE_LIMIT {
            return;
        }
        let Some(&sp) = order.get(depth) else {
            // Learners' days are weighed on the whole choice: a class can close a gap
            // another opens, so they are not added class by class (and pruning above
            // ignores them).
            let days = self.enrollment_days(other_times, chosen);
            let cost = (cost.0, cost.1 + days);
            if cost < best.0 {
                *best = (cost, Some((k, chosen.clone())));
            }
            return;
        };
        let p = self.m.p;
        let classes: &[usize] = p
            .subparts
            .get(sp)
            .map(|s| s.classes.as_slice())
            .unwrap_or(&[]);
        if classes.is_empty() {
            return;
        }
        // Cost of each admissible class, cheapest first.
        let mut opts: Vec<((i64, i64), usize)> = Vec::with_capacity(classes.len());
        let offset = rng.below(classes.len());
        for i in 0..classes.len() {
            let Some(&x) = classes.get((i + offset) % classes.len()) else {
                continue;
            };
            let parent_ok = match p.classes.get(x).and_then(|c| c.parent) {
                Some(par) => chosen.contains(&par),
                None => true,
            };
            if !parent_ok {
                continue;
            }
            *nodes += 1;
            let (mut h, mut so) = (0i64, self.m.joined_cost(s, x));
            let limit = p.classes.get(x).map(|c| c.limit).unwrap_or(0);
            if !self.past_limits && self.count.get(x).copied().unwrap_or(0) >= limit {
                h += 1;
            }
            if let Some(cx) = self.cur(x) {
                for &y in others.iter().chain(chosen.iter()) {
                    if let Some(cy) = self.cur(y) {
                        if clash(p, cx, cy) {
                            if p.student_conflicts_hard {
                                h += 1;
                            } else {
                                so += self.m.w_student;
                            }
                        }
                    }
                }
            }
            opts.push(((h, so), x));
        }
        opts.sort_by_key(|(c, _)| *c);
        for ((h, so), x) in opts {
            let next = (cost.0 + h, cost.1 + so);
            if next >= best.0 {
                break;
            }
            chosen.push(x);
            self.dfs(
                s,
                order,
                depth + 1,
                chosen,
                next,
                others,
                other_times,
                best,
                k,
                nodes,
                rng,
            );
            chosen.pop();
        }
    }

    /// Re-section the requests that put learners into `classes`: where two of a learner's
    /// classes clash (a hard violation in a school), moving classes cannot always mend
    /// it, but another section, or leaving an optional request unmet, can.
    pub(crate) fn resection_learners_of(&mut self, classes: &[usize], rng: &mut Rng) {
        for &c in classes {
            let learners = self.members.get(c).cloned().unwrap_or_default();
            for s in learners {
                let requests: Vec<usize> = self
                    .enr
                    .get(s)
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .filter(|(_, e)| e.as_ref().is_some_and(|(_, cls)| cls.contains(&c)))
                    .map(|(r, _)| r)
                    .collect();
                for r in requests {
                    self.resection(s, r, rng);
                }
            }
        }
    }

    /// Section every request of every student, in random order.
    pub(crate) fn section_all(&mut self, rng: &mut Rng, stop: &dyn Fn() -> bool) {
        let mut order: Vec<(usize, usize)> = self
            .m
            .p
            .students
            .iter()
            .enumerate()
            .flat_map(|(s, st)| (0..st.requests.len()).map(move |r| (s, r)))
            .collect();
        rng.shuffle(&mut order);
        for (i, (s, r)) in order.into_iter().enumerate() {
            if i % 64 == 0 && stop() {
                return;
            }
            self.resection(s, r, rng);
        }
    }

    /// The classes each student attends.
    /// A state with every class of `assign` placed (`NONE`: left out) and no learner
    /// sectioned, its totals counted from scratch.
    pub(crate) fn with_assignment(m: &'m Model<'a>, assign: &[usize]) -> Self {
        let mut st = State::new(m);
        for (c, &pi) in assign.iter().enumerate() {
            if pi != NONE {
                let d = st.delta(c, pi);
                st.apply(c, pi, d);
            }
        }
        (st.hard, st.soft) = st.full_cost();
        st
    }

    /// [`State::with_assignment`] with every class `assign` leaves out put at its
    /// cheapest candidate, whatever it breaks, and every learner sectioned.
    pub(crate) fn completed(m: &'m Model<'a>, assign: &[usize], rng: &mut Rng) -> Self {
        let mut st = State::with_assignment(m, assign);
        for c in 0..assign.len() {
            if st.assign.get(c) == Some(&NONE) {
                if let Some(pi) = st.best_candidate(c, rng, 600, None) {
                    let d = st.delta(c, pi);
                    st.apply(c, pi, d);
                }
            }
        }
        (st.hard, st.soft) = st.full_cost();
        if !m.p.students.is_empty() {
            st.section_all(rng, &|| false);
        }
        st
    }

    pub(crate) fn enrollments(&self) -> Vec<Vec<usize>> {
        self.enr
            .iter()
            .map(|reqs| {
                let mut v: Vec<usize> = reqs
                    .iter()
                    .flatten()
                    .flat_map(|(_, c)| c.iter().copied())
                    .collect();
                v.sort_unstable();
                v
            })
            .collect()
    }
}

/// Stop conditions and reporting shared by a run.
pub(crate) struct Control<'c> {
    pub start: Instant,
    pub deadline: Instant,
    pub max_iterations: Option<u64>,
    /// Stop once the best timetable is complete and hard-feasible and has not improved
    /// for this long.
    pub stall: Option<std::time::Duration>,
    pub stop: &'c dyn Fn() -> bool,
    pub report: &'c dyn Fn(u64, (i64, i64), (i64, i64), &'static str),
    /// Iterations without fewer hard violations before the first restart
    /// (`RESTART_AFTER` or `RESTART_AFTER_SHORT`).
    pub restart_after: u64,
}

/// Each distribution's place among those whose kind `pick` takes (`NONE` for the
/// others), and how many it takes.
fn number_distributions(
    p: &Problem,
    pick: impl Fn(DistributionKind) -> bool,
) -> (Vec<usize>, usize) {
    let mut n = 0;
    let places = p
        .distributions
        .iter()
        .map(|d| {
            if pick(d.kind) {
                n += 1;
                n - 1
            } else {
                NONE
            }
        })
        .collect();
    (places, n)
}

/// Add lesson `c` at `t` to one day's list (or take it out) and keep the list's mask the
/// union of its lessons' `Model::day_mask`s: the not-overlap rules' lists and the rooms'.
fn file_lesson(
    m: &Model<'_>,
    v: &mut Vec<(usize, TimePattern)>,
    mask: &mut u64,
    c: usize,
    t: TimePattern,
    add: bool,
) {
    if add {
        v.push((c, t));
        *mask |= m.day_mask(&t);
    } else if let Some(i) = v.iter().position(|&(x, _)| x == c) {
        v.swap_remove(i);
        *mask = v.iter().fold(0, |acc, (_, ot)| acc | m.day_mask(ot));
    }
}

/// The days of a bit set of days, lowest first.
fn days_of(mut days: u32) -> impl Iterator<Item = u32> {
    std::iter::from_fn(move || {
        (days != 0).then(|| {
            let day = days.trailing_zeros();
            days &= days - 1;
            day
        })
    })
}

/// Iterations without fewer hard violations after which a run that has restarted
/// `restarts` times starts again: `first`, half as long again each time.
fn restart_after(first: u64, restarts: u64) -> u64 {
    (0..restarts).fold(first, |after, _| after.saturating_add(after / 2))
}

/// A run's best timetable: its cost, its classes' candidates and its enrollments.
type Best = ((i64, i64), Vec<usize>, Vec<Vec<usize>>);

/// The cost of the best timetable of all a run's starts: `kept` is the best before its
/// last restart, `best` the best since.
fn best_of_all(kept: &Option<Best>, best: &Best) -> (i64, i64) {
    kept.as_ref().map_or(best.0, |k| k.0.min(best.0))
}

/// What one run returns.
pub(crate) struct Outcome {
    pub assign: Vec<usize>,
    pub enrollments: Vec<Vec<usize>>,
    pub cost: (i64, i64),
    pub iterations: u64,
    /// How often the run started again from nothing.
    pub restarts: u64,
    /// It stopped because its complete timetable had not improved for `Control::stall`.
    pub stalled: bool,
}

/// One complete run: construction, sectioning, then repair and annealing until stopped.
pub(crate) fn run(m: &Model<'_>, seed: u64, ctl: &Control<'_>) -> Outcome {
    let mut rng = Rng::new(seed);
    let mut st = State::new(m);
    let out_of_time = || (ctl.stop)() || Instant::now() >= ctl.deadline;
    let students = !m.p.students.is_empty();
    if m.initial.is_some() {
        // Re-solving: keep what still fits, then section only the requests left unmet.
        st.load_initial();
        let (h, s) = st.full_cost();
        st.hard = h;
        st.soft = s;
        for (s, student) in m.p.students.iter().enumerate() {
            for r in 0..student.requests.len() {
                if st
                    .enr
                    .get(s)
                    .and_then(|v| v.get(r))
                    .is_some_and(|e| e.is_none())
                {
                    st.resection(s, r, &mut rng);
                }
            }
        }
    } else {
        st.start_afresh(&mut rng, &out_of_time);
    }
    let n = st.assign.len();
    let mut unassigned = st.unassigned();
    let mut best = st.snapshot(st.key(unassigned.len()));
    let mut best_iter = 0u64;
    let mut last_improvement = Instant::now();
    let mut stall_mark = best.0;
    let resolving = m.initial.is_some();
    let minimal_until = ctl.start + MINIMAL_REPAIR_TIME;
    let mut minimal_tries: Vec<u8> = vec![0; n];
    let mut moved: Vec<usize> = Vec::new();
    let mut it: u64 = 0;
    let mut only_unary = false;
    // Classes in a hard violation, which half of the moves start from while any is left.
    let mut focus: Vec<usize> = Vec::new();
    let mut tabu: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut last_report = Instant::now();
    let total = ctl
        .deadline
        .saturating_duration_since(ctl.start)
        .as_secs_f64()
        .max(1e-3);
    // Initial temperature from the size of typical soft changes.
    let mut t0 = 0.0f64;
    {
        let mut sum = 0i64;
        let mut cnt = 0i64;
        for _ in 0..200 {
            let c = rng.below(n);
            let len = st.domain_len(c);
            if len < 2 {
                continue;
            }
            let d = st.delta(c, rng.below(len));
            if d.1 > 0 {
                sum += d.1;
                cnt += 1;
            }
        }
        if cnt > 0 {
            t0 = sum as f64 / cnt as f64;
        }
    }
    // A re-solve repairs and polishes near the old timetable: start cold, so that the
    // annealing does not wander away from it.
    let t0 = if m.initial.is_some() {
        t0.max(1.0) * 0.01
    } else {
        t0.max(1.0)
    };
    let mut stagnant = 0u64;
    let mut told_complete = best.0 .0 == 0;
    let mut last_hard_gain = 0u64;
    // Restarts: the best of the runs before the last restart, the iteration of this run's
    // last fewer hard violations, and how often it has started again.
    let mut kept: Option<Best> = None;
    let mut last_fewer = 0u64;
    let mut restarts = 0u64;
    let mut stalled = false;
    // Breakout: the local search's lowest weighed hard cost since it began or the
    // weights last changed, and the iterations since it was last lowered.
    let mut weighed_low = i64::MAX;
    let mut since_low = 0u64;
    if told_complete {
        (ctl.report)(0, best.0, best.0, "complete");
    }
    loop {
        if it.is_multiple_of(64) {
            if out_of_time() || ctl.max_iterations.is_some_and(|mx| it >= mx) {
                break;
            }
            if ctl
                .stall
                .is_some_and(|d| best.0 .0 == 0 && last_improvement.elapsed() >= d)
            {
                stalled = true;
                break;
            }
            if last_report.elapsed().as_millis() >= 250 {
                last_report = Instant::now();
                (ctl.report)(
                    it,
                    st.key(unassigned.len()),
                    best_of_all(&kept, &best),
                    if unassigned.is_empty() {
                        "anneal"
                    } else {
                        "repair"
                    },
                );
            }
        }
        it += 1;
        if n == 0 {
            break;
        }
        // A run that has found no timetable with fewer hard violations for long starts
        // again from nothing, keeping its best: on the FET files with gap-free days the
        // time to a complete timetable is heavy-tailed (a few seconds in some runs, not
        // in three minutes in others), which restarts cut short.
        if !resolving
            && best.0 .0 > 0
            && it.is_multiple_of(1024)
            && it - last_fewer > restart_after(ctl.restart_after, restarts)
        {
            if kept.as_ref().is_none_or(|k| best.0 < k.0) {
                kept = Some(best.clone());
            }
            st = State::new(m);
            st.start_afresh(&mut rng, &out_of_time);
            unassigned = st.unassigned();
            best = st.snapshot(st.key(unassigned.len()));
            only_unary = false;
            focus.clear();
            tabu.iter_mut().for_each(Vec::clear);
            (last_fewer, last_hard_gain, best_iter, stagnant) = (it, it, it, 0);
            restarts += 1;
            // Said in the progress, as where a run stands on a hard file depends on it.
            (ctl.report)(
                it,
                st.key(unassigned.len()),
                best_of_all(&kept, &best),
                "restart",
            );
        }
        // The local search may trade a violation repair leaves to it (a gap, a short day)
        // for one repair can mend (a clash): when the count of hard violations stays put,
        // repair looks again, and after longer the gap limits change hands between the two.
        if only_unary && st.hard > 0 && it.is_multiple_of(4096) {
            let stuck = it - last_hard_gain;
            if stuck > STUCK {
                only_unary = false;
            }
            if stuck > 150_000 {
                st.gap_repair = !st.gap_repair;
                last_hard_gain = it;
            }
        }
        // Repair that finds nothing better in a while (from the start, or called in by a
        // stuck local search) can cycle among equally bad timetables for the rest of the
        // run: go back to the best timetable seen, every class placed, and let the local
        // search go on from there, with the gap limits in the other hands.
        if !only_unary
            && it.is_multiple_of(1024)
            && it - last_hard_gain > STUCK + REPAIR_SPELL
            && (st.hard > 0 || !unassigned.is_empty())
        {
            st = State::completed(m, &best.1, &mut rng);
            unassigned.clear();
            st.gap_repair = !st.gap_repair;
            only_unary = true;
            last_hard_gain = it;
        }
        if !unassigned.is_empty() || (st.hard > 0 && !only_unary) {
            if unassigned.is_empty() {
                // Turn hard violations into unassigned classes, after giving the learners
                // of those classes a chance to change sections.
                if m.p.student_conflicts_hard {
                    let conflicted = st.conflicted();
                    st.resection_learners_of(&conflicted, &mut rng);
                }
                let mut conflicted = st.conflicted();
                rng.shuffle(&mut conflicted);
                for c in conflicted {
                    if st.assign.get(c).is_some_and(|&a| {
                        a != NONE && st.placement_cost(c, a).0 > st.unmendable_hard(c, a)
                    }) {
                        st.unassign(c);
                        unassigned.push(c);
                    }
                }
                if unassigned.is_empty() {
                    // Only unfixable (unary) violations are left: optimise the rest.
                    only_unary = true;
                }
            }
            if !unassigned.is_empty() {
                let k = rng.below(unassigned.len());
                let c = unassigned.swap_remove(k);
                // Re-solving: first try to place the class with what it displaces, counting
                // what that changes; a few tries per class, since a failed try costs time,
                // and only for the first `MINIMAL_REPAIR_TIME` (see there).
                let tries = minimal_tries.get_mut(c);
                let try_minimal = resolving
                    && tries.as_ref().is_some_and(|t| **t < 2)
                    && Instant::now() < minimal_until;
                if let Some(t) = tries {
                    // A class may come back here thousands of times in a hard instance.
                    *t = t.saturating_add(1);
                }
                let repaired = if try_minimal {
                    st.minimal_repair(c, minimal_until)
                } else {
                    None
                };
                if let Some(left) = repaired {
                    unassigned.retain(|&x| st.assign.get(x) == Some(&NONE));
                    for x in left {
                        if !unassigned.contains(&x) {
                            unassigned.push(x);
                        }
                    }
                } else if let Some(members) = m.group(c) {
                    let bumped = st.ifs_group_step(c, &mut rng);
                    unassigned.retain(|x| !members.contains(x));
                    unassigned.extend(bumped);
                    unassigned.extend(
                        members
                            .iter()
                            .copied()
                            .filter(|&x| st.assign.get(x) == Some(&NONE)),
                    );
                } else if !resolving
                    && unassigned.len() < EJECT_UNPLACED
                    && best.0 .0 <= EJECT_UNPLACED as i64
                    && st.eject_place(c, &mut rng, EJECT_BUDGET, i64::MAX)
                {
                    // Placed by a chain, with everything it displaced placed again.
                } else {
                    let empty: Vec<usize> = Vec::new();
                    let t = tabu.get(c).unwrap_or(&empty).clone();
                    let bumped = st.ifs_step(c, &mut rng, &t);
                    if let Some(&pi) = st.assign.get(c) {
                        if let Some(tb) = tabu.get_mut(c) {
                            tb.push(pi);
                            if tb.len() > 3 {
                                tb.remove(0);
                            }
                        }
                    }
                    unassigned.extend(bumped);
                }
            }
        }
        if unassigned.is_empty() && (st.hard == 0 || only_unary) {
            if resolving && it.is_multiple_of(256) {
                moved = (0..n)
                    .filter(|&c| {
                        let home = m.initial_pi.get(c).copied().unwrap_or(NONE);
                        home != NONE && st.assign.get(c) != Some(&home)
                    })
                    .collect();
            }
            // Re-solving: half of the moves try to put a moved class back.
            let home_move = resolving && !moved.is_empty() && rng.unit() < 0.5;
            if st.hard > 0 && it.is_multiple_of(2048) {
                focus = st.conflicted();
            }
            let c = if home_move {
                moved.get(rng.below(moved.len())).copied().unwrap_or(0)
            } else if st.hard > 0 && !focus.is_empty() && rng.unit() < FOCUS_MOVES {
                focus.get(rng.below(focus.len())).copied().unwrap_or(0)
            } else {
                rng.below(n)
            };
            let hard_temp = if st.hard > 0 { HARD_TEMP } else { 0.0 };
            let len = st.domain_len(c);
            let eject = !resolving
                && st.hard > 0
                && it.is_multiple_of(EJECT_EVERY)
                && st.hard_unweighed() <= EJECT_HARD;
            if eject {
                // A class of a violation, placed again by recursive swapping.
                let x = focus.get(rng.below(focus.len())).copied().unwrap_or(c);
                st.eject_conflicted(x, &mut rng, EJECT_BUDGET);
            } else if home_move {
                // Back home, with whatever took its place moved out of the way.
                st.try_home_chain(c);
            } else if len >= 2 {
                // Half of the moves keep the room or the time, which keeps most hard
                // rules (same room, same attendees) intact.
                let mut pi = rng.below(len);
                if home_move {
                    pi = m.initial_pi.get(c).copied().unwrap_or(pi);
                } else if rng.unit() < 0.5 {
                    if let Some(cur) = st.cur(c).copied() {
                        let keep_room = rng.unit() < 0.5;
                        for _ in 0..8 {
                            let cand = rng.below(len);
                            if let Some(x) = st.m.dom.get(c).and_then(|d| d.get(cand)) {
                                if (keep_room && x.room == cur.room)
                                    || (!keep_room && x.time == cur.time)
                                {
                                    pi = cand;
                                    break;
                                }
                            }
                        }
                    }
                }
                let frac = cooled(st.hard > 0 && !resolving, it, ctl.max_iterations, || {
                    ctl.start.elapsed().as_secs_f64() / total
                });
                // Reheat after long stagnation.
                let temp = t0 * (0.001f64).powf(frac) * if stagnant > 200_000 { 5.0 } else { 1.0 };
                if stagnant > 200_000 {
                    stagnant = 0;
                }
                let partner = if st.hard > 0 && rng.unit() < SWAP_MOVES {
                    st.swap_partner(c, &mut rng)
                } else {
                    None
                };
                let kempe = partner.is_none()
                    && st.hard > 0
                    && m.group(c).is_none()
                    && rng.unit() < KEMPE_MOVES;
                if let Some(o) = partner {
                    st.try_swap(c, o, &mut |d| accepts(d, temp, hard_temp, &mut rng));
                } else if kempe {
                    st.try_kempe(c, pi, &mut |d| accepts(d, temp, hard_temp, &mut rng));
                } else if m.group(c).is_some() && (home_move || rng.unit() < 0.5) {
                    // A time-locked group moves as one.
                    st.try_group_move(c, pi, &mut |d| accepts(d, temp, hard_temp, &mut rng));
                } else if st.assign.get(c) != Some(&pi) {
                    let d = st.delta(c, pi);
                    if accepts(d, temp, hard_temp, &mut rng) {
                        st.apply(c, pi, d);
                    } else if d.0 > 0 && rng.unit() < CHAIN_MOVES {
                        if let Some(target) = st.target_of(c, pi) {
                            st.try_chain_move(c, target, &mut |d| accepts(d, temp, 0.0, &mut rng));
                        }
                    }
                }
            }
            if students && it.is_multiple_of(50) {
                let s = rng.below(m.p.students.len());
                let nr = m.p.students.get(s).map(|x| x.requests.len()).unwrap_or(0);
                for r in 0..nr {
                    st.resection(s, r, &mut rng);
                    // Still a clash or unmet: often only full sections would do.
                    if st.badly_sectioned(s, r) {
                        st.swap_into(s, r, &mut rng);
                    }
                }
            }
        }
        stagnant += 1;
        let key = if resolving {
            Some(st.key(unassigned.len()))
        } else {
            weigh_when_stuck(
                &mut st,
                unassigned.len(),
                only_unary,
                &mut weighed_low,
                &mut since_low,
            )
        };
        let Some(key) = key else { continue };
        if key < best.0 {
            stagnant = 0;
            // The stall clock restarts on real progress only: fewer hard violations, or
            // the objective down by a thousandth since the clock last restarted. Small
            // steady gains (a learner's day a few minutes shorter) would otherwise keep a
            // run with a stall limit going to its time limit.
            if key.0 < stall_mark.0 || (stall_mark.1 - key.1) * 1000 >= stall_mark.1.abs() {
                last_improvement = Instant::now();
                stall_mark = key;
            }
            // Snapshot, but not on every tiny improvement.
            if key.0 < best.0 .0 {
                last_hard_gain = it;
                last_fewer = it;
            }
            if key.0 < best.0 .0 || it - best_iter > 500 {
                best = st.snapshot(key);
                best_iter = it;
            }
            // Say at once when the first complete timetable is found: on a small instance
            // that is long before the next regular report.
            if key.0 == 0 && !told_complete {
                told_complete = true;
                (ctl.report)(it, key, best.0, "complete");
            }
        }
    }
    let key = st.key(unassigned.len());
    if key < best.0 {
        best = st.snapshot(key);
    }
    if let Some(k) = kept.filter(|k| k.0 < best.0) {
        best = k;
    }
    // Complete the best timetable: classes still unassigned go to their cheapest place.
    if best.1.contains(&NONE) {
        let fin = State::completed(m, &best.1, &mut rng);
        best = fin.snapshot((fin.hard, fin.soft));
    }
    Outcome {
        assign: best.1,
        enrollments: best.2,
        cost: best.0,
        iterations: it,
        restarts,
        stalled,
    }
}

/// Breakout in the local search that works on a complete timetable still breaking hard
/// rules (no class `unassigned`, `only_unary`): after `BREAKOUT_AFTER` moves without a
/// new low of the weighed hard cost, the rules broken then weigh more
/// (`State::weigh_broken_more`). Anywhere else every rule weighs 1. The cost the run
/// compares timetables by counts each broken rule once, whatever its weight; while the
/// weights differ it is counted (from scratch) at each new low of the weighed cost only,
/// and `None` is returned in between, so a run's best is not looked for there.
fn weigh_when_stuck(
    st: &mut State<'_, '_>,
    unassigned: usize,
    only_unary: bool,
    weighed_low: &mut i64,
    since_low: &mut u64,
) -> Option<(i64, i64)> {
    if !(unassigned == 0 && only_unary && st.hard > 0) {
        st.weigh_evenly();
        (*weighed_low, *since_low) = (i64::MAX, 0);
        return Some(st.key(unassigned));
    }
    if st.hard < *weighed_low {
        (*weighed_low, *since_low) = (st.hard, 0);
        return Some(st.key(0));
    }
    *since_low += 1;
    if *since_low > BREAKOUT_AFTER {
        st.weigh_broken_more();
        (*weighed_low, *since_low) = (st.hard, 0);
    }
    (!st.reweighed()).then(|| st.key(0))
}

/// How far the annealing has cooled, from 0 (its first temperature) to 1 (its last), at
/// iteration `it`. While hard rules are broken (`hard_broken`) it follows the iterations,
/// not the clock: a run's way to its first complete timetable is then the same for its
/// seed on any machine, at any load and with any time limit. After that it follows the
/// share of the time limit gone (`time_gone`), or of `max_iterations` if that is further.
fn cooled(
    hard_broken: bool,
    it: u64,
    max_iterations: Option<u64>,
    time_gone: impl FnOnce() -> f64,
) -> f64 {
    let by_iterations = |limit: u64| it as f64 / limit.max(1) as f64;
    let frac = if hard_broken {
        by_iterations(max_iterations.unwrap_or(HARD_COOLING))
    } else {
        let gone = time_gone();
        max_iterations.map_or(gone, |mx| gone.max(by_iterations(mx)))
    };
    frac.min(1.0)
}

/// The annealing's rule for a move that changes the cost by `d`: a move that breaks more
/// hard rules is taken with probability `exp(-Δhard / hard_temp)` (never at 0), one that
/// breaks fewer always, and otherwise by the soft change at temperature `temp`.
fn accepts(d: (i64, i64), temp: f64, hard_temp: f64, rng: &mut Rng) -> bool {
    if d.0 > 0 {
        return hard_temp > 0.0 && rng.unit() < (-(d.0 as f64) / hard_temp).exp();
    }
    d.0 < 0 || d.1 <= 0 || rng.unit() < (-(d.1 as f64) / temp).exp()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{
        Class, Config, Course, Distribution, Placement, Request, Room, RoomOption, Solution,
        Student, Subpart, TimeOption, VirtualUse,
    };
    use crate::places::Place;

    /// Course `i` with one configuration and one subpart holding `classes`.
    /// A state with each `(class, candidate)` of `at` placed, and its totals (requests
    /// not yet met included) counted from scratch.
    pub(crate) fn placed<'m, 'a>(m: &'m Model<'a>, at: &[(usize, usize)]) -> State<'m, 'a> {
        let mut st = State::new(m);
        for &(c, pi) in at {
            let d = st.delta(c, pi);
            st.apply(c, pi, d);
        }
        (st.hard, st.soft) = st.full_cost();
        st
    }

    /// Build a timetable greedily, count its totals, and section every learner.
    fn construct_and_section(st: &mut State<'_, '_>, rng: &mut Rng) {
        st.construct(rng, &|| false);
        (st.hard, st.soft) = st.full_cost();
        st.section_all(rng, &|| false);
    }

    /// Class `i`, the only class of course `i` (see [`add_course`]).
    pub(crate) fn add_lone_class(
        p: &mut Problem,
        i: usize,
        rooms: Vec<RoomOption>,
        times: Vec<TimeOption>,
    ) {
        add_course(p, i, vec![i]);
        p.classes.push(Class {
            id: format!("{i}"),
            subpart: i,
            config: i,
            course: i,
            parent: None,
            limit: 5,
            rooms,
            no_room: None,
            times,
        });
    }

    /// The `k`-th hour (12 slots from slot 100) of the first day and week, at `penalty`.
    pub(crate) fn hour(k: u32, penalty: u32) -> TimeOption {
        TimeOption {
            pattern: TimePattern {
                days: 1,
                start: 100 + 12 * k,
                length: 12,
                weeks: 1,
            },
            penalty,
        }
    }

    /// `n` rooms of 30 places, `r0` to `r{n-1}`, no travel between them, in a problem
    /// with no rooms yet.
    pub(crate) fn add_rooms(p: &mut Problem, n: usize) {
        for r in 0..n {
            p.rooms.push(Room {
                id: format!("r{r}"),
                capacity: 30,
                unavailable: vec![],
                building: None,
                virtual_use: None,
            });
        }
        p.travel = vec![0; n * n];
    }

    pub(crate) fn add_course(p: &mut Problem, i: usize, classes: Vec<usize>) {
        p.courses.push(Course {
            id: format!("c{i}"),
            configs: vec![i],
        });
        p.configs.push(Config {
            id: format!("{i}"),
            course: i,
            subparts: vec![i],
        });
        p.subparts.push(Subpart {
            id: format!("{i}"),
            config: i,
            classes,
        });
    }

    fn tiny() -> Problem {
        let mut p = Problem::empty("t", 5, 1, 288);
        p.rooms.push(Room {
            id: "r".into(),
            capacity: 30,
            unavailable: vec![],
            building: None,
            virtual_use: None,
        });
        p.travel = vec![0];
        for i in 0..3 {
            let rooms = vec![RoomOption {
                room: 0,
                penalty: 0,
            }];
            add_lone_class(&mut p, i, rooms, (0..3).map(|k| hour(k, k)).collect());
        }
        p.distributions.push(Distribution {
            kind: DistributionKind::Precedence,
            required: false,
            penalty: 3,
            classes: vec![2, 1, 0],
            origin: "test".into(),
            off: Vec::new(),
        });
        p.students.push(Student {
            id: "s".into(),
            requests: (0..3)
                .map(|c| Request {
                    courses: vec![c],
                    mandatory: true,
                    weight: 1,
                })
                .collect(),
        });
        p
    }

    #[test]
    fn taking_classes_out_and_back_keeps_global_costs_exact() {
        // A global distribution (breaks) is counted whole by each member's cost: taking a
        // class out must subtract only its share, or the running totals drift.
        let mut p = tiny();
        p.distributions.push(Distribution {
            kind: DistributionKind::MaxBreaks(0, 0),
            required: false,
            penalty: 4,
            classes: vec![0, 1, 2],
            origin: "test".into(),
            off: Vec::new(),
        });
        p.distributions.push(Distribution {
            kind: DistributionKind::MaxDayLoad(12),
            required: true,
            penalty: 0,
            classes: vec![0, 1, 2],
            origin: "test".into(),
            off: Vec::new(),
        });
        let m = Model::new(&p, None, 0);
        let mut st = State::new(&m);
        let mut rng = Rng::new(3);
        st.construct(&mut rng, &|| false);
        let (h, s) = st.full_cost();
        st.hard = h;
        st.soft = s;
        for _ in 0..500 {
            random_step_checked(&mut st, &mut rng, 2);
        }
    }

    /// Going back to a timetable with classes left out places every class, sections the
    /// learner, and keeps exact totals.
    #[test]
    fn a_completed_timetable_places_every_class_with_exact_totals() {
        let p = tiny();
        let m = Model::new(&p, None, 0);
        let mut rng = Rng::new(5);
        let st = State::completed(&m, &[2, NONE, NONE], &mut rng);
        assert!(st.assign.iter().all(|&a| a != NONE));
        assert_eq!(st.assign.first(), Some(&2));
        assert_eq!((st.hard, st.soft), st.full_cost());
        assert_eq!(st.enrollments().first().map(Vec::len), Some(3));
    }

    /// Three classes, one room, two times: one clash is always left, so the run restarts
    /// (after `RESTART_AFTER` or `RESTART_AFTER_SHORT` iterations without fewer, then half
    /// as long again) and must
    /// still return its best timetable, every class placed, with its cost exact.
    #[test]
    fn a_stuck_run_restarts_and_keeps_its_best() {
        let mut p = tiny();
        for class in &mut p.classes {
            class.times.truncate(2);
        }
        // Without its learner, whose unmet requests would count as hard too.
        p.students.clear();
        let m = Model::new(&p, None, 0);
        let never = || false;
        let told = std::cell::Cell::new(0u64);
        let count_restarts = |_: u64, _: (i64, i64), _: (i64, i64), phase: &'static str| {
            if phase == "restart" {
                told.set(told.get() + 1);
            }
        };
        // Either horizon: after it without fewer, then half as long again, so one or two
        // restarts in three times the first.
        for first in [RESTART_AFTER, RESTART_AFTER_SHORT] {
            told.set(0);
            let now = Instant::now();
            let ctl = Control {
                start: now,
                deadline: now + std::time::Duration::from_secs(3600),
                max_iterations: Some(first * 3),
                stall: None,
                stop: &never,
                report: &count_restarts,
                restart_after: first,
            };
            let out = run(&m, 5, &ctl);
            assert!((1..=2).contains(&out.restarts), "{} restarts", out.restarts);
            assert_eq!(told.get(), out.restarts, "each restart is reported");
            assert!(out.assign.iter().all(|&pi| pi != NONE));
            assert_eq!(out.cost.0, 1, "one clash is the least possible");
            let st = State::with_assignment(&m, &out.assign);
            assert_eq!(out.cost, st.full_cost());
        }
    }

    #[test]
    fn only_a_hard_temperature_lets_a_move_break_more_hard_rules() {
        let mut rng = Rng::new(11);
        let taken = |hard_temp: f64, d: (i64, i64), rng: &mut Rng| {
            (0..100_000)
                .filter(|_| accepts(d, 1.0, hard_temp, rng))
                .count()
        };
        assert_eq!(taken(0.0, (1, -1_000), &mut rng), 0);
        assert_eq!(taken(0.12, (-1, 1_000), &mut rng), 100_000);
        // exp(-1 / 0.12) is about one in 4,000; exp(-2 / 0.12) one in 17 million.
        let once = taken(0.12, (1, 0), &mut rng);
        assert!((8..=50).contains(&once), "{once}");
        assert_eq!(taken(0.12, (2, 0), &mut rng), 0);
    }

    #[test]
    fn while_hard_rules_are_broken_the_cooling_does_not_read_the_clock() {
        let clock = || panic!("the clock was read");
        assert_eq!(cooled(true, 0, None, clock), 0.0);
        assert_eq!(cooled(true, HARD_COOLING / 4, None, clock), 0.25);
        assert_eq!(cooled(true, 3 * HARD_COOLING, None, clock), 1.0);
        // An iteration limit is the horizon, as it is after the first complete timetable.
        assert_eq!(cooled(true, 500, Some(1_000), clock), 0.5);
        // Then it follows the clock, or the iteration limit where that is further on.
        assert_eq!(cooled(false, 10, None, || 0.3), 0.3);
        assert_eq!(cooled(false, 800, Some(1_000), || 0.3), 0.8);
        assert_eq!(cooled(false, 100, Some(1_000), || 0.3), 0.3);
        assert_eq!(cooled(false, 100, None, || 7.0), 1.0);
    }

    /// Four courses of two sections each, on two days with a break, and three learners
    /// with optional requests: learners' free time changes with every move and sectioning.
    fn with_gaps() -> Problem {
        let mut p = Problem::empty("g", 2, 1, 288);
        p.weights.student_gaps = 1;
        p.weights.request = 10;
        p.breaks.push(TimePattern {
            days: 0b11,
            start: 124,
            length: 6,
            weeks: 1,
        });
        p.rooms.push(Room {
            id: "r".into(),
            capacity: 30,
            unavailable: vec![],
            building: None,
            virtual_use: None,
        });
        p.travel = vec![0];
        for i in 0..4 {
            add_course(&mut p, i, vec![2 * i, 2 * i + 1]);
            for j in 0..2 {
                p.classes.push(Class {
                    id: format!("{i}.{j}"),
                    subpart: i,
                    config: i,
                    course: i,
                    parent: None,
                    limit: 3,
                    rooms: vec![],
                    no_room: None,
                    times: (0..8)
                        .map(|k| TimeOption {
                            pattern: TimePattern {
                                days: if k % 3 == 2 { 0b11 } else { 1 << (k % 2) },
                                start: 100 + 12 * (k / 2),
                                length: 12,
                                weeks: 1,
                            },
                            penalty: 0,
                        })
                        .collect(),
                });
            }
        }
        for s in 0..3 {
            p.students.push(Student {
                id: format!("s{s}"),
                requests: (0..4)
                    .filter(|c| (c + s) % 4 != 3)
                    .map(|c| Request {
                        courses: vec![c],
                        mandatory: false,
                        weight: 50,
                    })
                    .collect(),
            });
        }
        p
    }

    #[test]
    fn learners_free_time_is_counted_incrementally() {
        let ev = walk_checking_totals(&with_gaps());
        assert!(
            ev.student_gap_slots > 0,
            "the walk never left a learner a free slot"
        );
        assert_eq!(ev.student_day_load, 0, "day load not weighed");
    }

    #[test]
    fn learners_day_load_is_counted_incrementally() {
        let mut p = with_gaps();
        p.weights.student_day_load = 25;
        let ev = walk_checking_totals(&p);
        assert!(ev.student_gap_slots > 0);
        assert!(ev.student_day_load > 0);
        p.weights.student_gaps = 0;
        let ev = walk_checking_totals(&p);
        assert_eq!(ev.student_gap_slots, 0, "free time not weighed");
        assert!(ev.student_day_load > 0);
    }

    /// A random walk of moves, removals and re-sectionings over `p`, checking the running
    /// totals against a full recomputation after each step; returns the largest of each
    /// evaluated part of learners' days seen, so a test can tell they were exercised.
    fn walk_checking_totals(p: &Problem) -> crate::eval::Evaluation {
        let m = Model::new(p, None, 0);
        let mut st = State::new(&m);
        let mut rng = Rng::new(7);
        st.section_all(&mut rng, &|| false);
        construct_and_section(&mut st, &mut rng);
        assert_eq!((st.hard, st.soft), st.full_cost());
        let mut seen = crate::eval::evaluate(p, &Solution::empty_for(p));
        for _ in 0..1000 {
            let c = rng.below(8);
            match rng.below(4) {
                0 => st.unassign(c),
                1 => {
                    let s = rng.below(3);
                    let nr = p.students.get(s).map_or(1, |x| x.requests.len());
                    st.resection(s, rng.below(nr), &mut rng);
                }
                _ => {
                    let pi = rng.below(st.domain_len(c));
                    let d = st.delta(c, pi);
                    st.apply(c, pi, d);
                }
            }
            assert_eq!((st.hard, st.soft), st.full_cost());
            let mut sol = Solution::empty_for(p);
            for (x, slot) in sol.placements.iter_mut().enumerate() {
                *slot = st.cur(x).map(|cand| Placement {
                    time: cand.time,
                    room: cand.room,
                });
            }
            sol.enrollments = st.enrollments();
            let ev = crate::eval::evaluate(p, &sol);
            seen.student_gap_slots = seen.student_gap_slots.max(ev.student_gap_slots);
            seen.student_day_load = seen.student_day_load.max(ev.student_day_load);
        }
        seen
    }

    /// Six classes without rooms, on one or two days of three, under one required and
    /// one preferred not-overlap rule.
    fn not_overlapping_over_days() -> Problem {
        let mut p = Problem::empty("t", 3, 1, 288);
        for i in 0..6 {
            let times = [0b011, 0b110, 0b101, 0b001, 0b100]
                .iter()
                .flat_map(|&days| {
                    (0..2).map(move |k| TimeOption {
                        pattern: TimePattern {
                            days,
                            start: 100 + 6 * k,
                            length: 12,
                            weeks: 1,
                        },
                        penalty: 0,
                    })
                })
                .collect();
            add_lone_class(&mut p, i, vec![], times);
        }
        for (required, classes) in [(true, vec![0, 1, 2, 3]), (false, vec![2, 3, 4, 5])] {
            p.distributions.push(Distribution {
                kind: DistributionKind::NotOverlap,
                required,
                penalty: 2,
                classes,
                origin: "test".into(),
                off: Vec::new(),
            });
        }
        p
    }

    /// Move a random class to a random candidate, or one time in `out_one_in` take it
    /// out, and check the running totals against counting from scratch.
    fn random_step_checked(st: &mut State<'_, '_>, rng: &mut Rng, out_one_in: usize) {
        let c = rng.below(st.assign.len());
        if rng.below(out_one_in) == 0 {
            st.unassign(c);
        } else {
            let pi = rng.below(st.domain_len(c));
            // A capped count stops only when the hard part passes the cap.
            let full = st.placement_cost(c, pi);
            for cap in [0, 1, full.0 - 1, full.0, i64::MAX] {
                let within = st.placement_cost_within(c, pi, cap);
                assert_eq!(within, (full.0 <= cap).then_some(full), "cap {cap}");
            }
            // So does a capped list of conflicts, when what displacing them costs, or
            // how many they are, does.
            let conf = st.conflicts_of(c, pi);
            let cost = st.displacement_cost(&conf);
            let mut out = Vec::new();
            let n = conf.len();
            let caps = [0, cost.saturating_sub(1), cost, u64::MAX]
                .map(Cap::cost)
                .into_iter()
                .chain([0, n.saturating_sub(1), n, usize::MAX].map(|classes| Cap {
                    cost: u64::MAX,
                    classes,
                }));
            for cap in caps {
                let within = st.conflicts_within(c, pi, cap, &mut out);
                let fits = cost <= cap.cost && n <= cap.classes;
                assert_eq!(within, fits.then_some(cost), "{cap:?}");
                if within.is_some() {
                    assert_eq!(out, conf);
                }
            }
            let d = st.delta(c, pi);
            st.apply(c, pi, d);
        }
        assert_eq!((st.hard, st.soft), st.full_cost());
        // Each day's mask is the union of its lessons'.
        for (members, &mask) in st.day_members.iter().zip(&st.day_masks) {
            let union = members.iter().fold(0, |acc, (_, t)| acc | st.m.day_mask(t));
            assert_eq!(mask, union);
        }
    }

    /// `not_overlapping_over_days` with three rooms open to every class, two classes
    /// on different days and two in the same room: a time has several rooms, and the
    /// rooms matter to the last two classes' rules.
    fn three_rooms_over_days() -> Problem {
        let mut p = not_overlapping_over_days();
        add_rooms(&mut p, 3);
        for class in &mut p.classes {
            class.rooms = (0..3)
                .map(|room| RoomOption {
                    room,
                    penalty: room as u32,
                })
                .collect();
        }
        for (kind, classes) in [
            (DistributionKind::DifferentDays, vec![4, 5]),
            (DistributionKind::SameRoom, vec![1, 5]),
        ] {
            p.distributions.push(Distribution {
                kind,
                required: true,
                penalty: 0,
                classes,
                origin: "test".into(),
                off: Vec::new(),
            });
        }
        p
    }

    /// Random steps over `p`, each followed by a scan checked against weighing each
    /// candidate alone, once the classes weighed once a time are `time_only`.
    fn scans_checked_on(p: &Problem, time_only: &[bool], seed: u64) {
        let m = Model::new(p, None, 0);
        assert_eq!(m.time_only, time_only);
        let mut st = State::new(&m);
        let mut rng = Rng::new(seed);
        for _ in 0..300 {
            random_step_checked(&mut st, &mut rng, 8);
            scan_checked(&st, &mut rng);
        }
    }

    #[test]
    fn a_scan_weighing_each_time_once_finds_what_weighing_each_candidate_finds() {
        let p = three_rooms_over_days();
        scans_checked_on(&p, &[true, false, true, true, true, false], 11);
    }

    /// `three_rooms_over_days` where some classes may also go in no room: a time's
    /// candidates are its rooms and then the time without one, and a class with one
    /// wished-for room has two candidates a time, as a class with two rooms has.
    #[test]
    fn a_scan_weighs_a_time_once_when_a_class_may_go_in_no_room() {
        let mut p = three_rooms_over_days();
        let one_room = |room| vec![RoomOption { room, penalty: 0 }];
        // One wished-for room or none; one required room (one candidate a time); all
        // three rooms or none.
        p.classes[0].rooms = one_room(1);
        p.classes[0].no_room = Some(2);
        p.classes[2].rooms = one_room(0);
        p.classes[3].no_room = Some(1);
        scans_checked_on(&p, &[true, false, false, true, true, false], 12);
    }

    /// `three_rooms_over_days` with a virtual room (3) used in three ways (4 to 6), each
    /// taking two of the real rooms: clashes through a shared real room or the virtual
    /// room are counted the same by every move, scan and full count.
    #[test]
    fn ways_of_using_a_virtual_room_clash_through_every_room_they_take() {
        let mut p = three_rooms_over_days();
        add_rooms(&mut p, 1);
        for real_rooms in [vec![0, 1], vec![1, 2], vec![0, 2]] {
            p.rooms.push(Room {
                id: format!("v {real_rooms:?}"),
                capacity: 30,
                unavailable: vec![],
                building: None,
                virtual_use: Some(VirtualUse {
                    room: 3,
                    real_rooms,
                }),
            });
        }
        let n = p.rooms.len();
        p.travel = vec![0; n * n];
        for (i, class) in p.classes.iter_mut().enumerate() {
            // Some classes may use only the ways, some only the real rooms, some both.
            let rooms: Vec<usize> = match i % 3 {
                0 => vec![4, 5, 6],
                1 => vec![0, 1, 2],
                _ => vec![0, 4, 5],
            };
            class.rooms = (rooms.into_iter())
                .map(|room| RoomOption { room, penalty: 0 })
                .collect();
        }
        let m = Model::new(&p, None, 0);
        let mut st = State::new(&m);
        let mut rng = Rng::new(7);
        let mut clashed = false;
        for _ in 0..400 {
            random_step_checked(&mut st, &mut rng, 8);
            scan_checked(&st, &mut rng);
            let placements = (0..p.classes.len())
                .map(|c| {
                    st.cur(c).map(|x| Placement {
                        time: x.time,
                        room: x.room,
                    })
                })
                .collect();
            let sol = Solution {
                placements,
                enrollments: Vec::new(),
            };
            let ev = crate::eval::evaluate(&p, &sol);
            let clashes = (ev.hard.iter())
                .filter(|h| h.kind == crate::eval::HardKind::RoomClash)
                .count();
            clashed |= clashes > 0;
        }
        assert!(clashed, "the rooms were never shared: the test saw nothing");
    }

    /// `three_rooms_over_days` with rooms 0 and 1 in one building and room 2 in another,
    /// and rules over where classes 0 to 3 are: a class's cost there depends on its room.
    /// (Not solvable: four classes that may not overlap have three days. The FET import
    /// tests solve with these rules.)
    fn three_rooms_in_two_buildings() -> Problem {
        let mut p = three_rooms_over_days();
        p.buildings = vec!["a".into(), "b".into()];
        for (room, building) in p.rooms.iter_mut().zip([0, 0, 1]) {
            room.building = Some(building);
        }
        for (kind, required) in [
            (
                DistributionKind::MaxPlaceChangesPerDay(Place::Building, 0),
                true,
            ),
            (
                DistributionKind::MinGapsBetweenPlaceChanges(Place::Room, 2),
                false,
            ),
            (
                DistributionKind::MaxPlaceChangesPerWeek(Place::Room, 1),
                true,
            ),
        ] {
            p.distributions.push(Distribution {
                kind,
                required,
                penalty: 3,
                classes: vec![0, 1, 2, 3],
                origin: "test".into(),
                off: Vec::new(),
            });
        }
        p
    }

    #[test]
    fn rules_over_places_are_weighed_by_room_and_kept_exact() {
        let p = three_rooms_in_two_buildings();
        let m = Model::new(&p, None, 0);
        assert_eq!(m.time_only, vec![false, false, false, false, true, false]);
        let mut st = State::new(&m);
        let mut rng = Rng::new(5);
        for _ in 0..300 {
            random_step_checked(&mut st, &mut rng, 8);
            scan_checked(&st, &mut rng);
        }
    }

    /// A scan over the candidates of a random class, as construction and repair make
    /// it, finds the same costs and classes in the way as weighing each candidate alone.
    fn scan_checked(st: &State<'_, '_>, rng: &mut Rng) {
        {
            {
                // A scan as construction and repair make it: every candidate in order, the
                // cap falling to the best found so far.
                let c = rng.below(st.assign.len());
                let (mut cost_memo, mut conf_memo) = (ScanMemo::new(true), ScanMemo::new(true));
                let mut one_memo = ScanMemo::new(true);
                let mut unmendable_memo = ScanMemo::new(true);
                let (mut cap, mut conf_cap) = (i64::MAX, Cap::NONE);
                let (mut out, mut plain_out) = (Vec::new(), Vec::new());
                for pi in 0..st.domain_len(c) {
                    let plain = st.placement_cost_within(c, pi, cap);
                    assert_eq!(
                        st.scan_cost(c, pi, cap, &mut cost_memo),
                        plain,
                        "class {c} at {pi}"
                    );
                    if let Some((hard, _)) = plain {
                        cap = cap.min(hard);
                    }
                    let plain = st.conflicts_within(c, pi, conf_cap, &mut plain_out);
                    let memo = st.conflicts_scan(c, pi, conf_cap, &mut out, &mut conf_memo);
                    assert_eq!(memo, plain, "class {c} at {pi}");
                    if let Some(cost) = plain {
                        assert_eq!(out, plain_out);
                        conf_cap.cost = conf_cap.cost.min(cost);
                    }
                    // A scan that takes at most one class in the way, as recursive swapping
                    // does, finds the same.
                    let one = Cap {
                        classes: 1,
                        ..Cap::NONE
                    };
                    let plain = st.conflicts_within(c, pi, one, &mut plain_out);
                    let memo = st.conflicts_scan(c, pi, one, &mut out, &mut one_memo);
                    assert_eq!(memo, plain, "class {c} at {pi}, one class");
                    if plain.is_some() {
                        assert_eq!(out, plain_out);
                    }
                    // What repair leaves to the search, counted once a time where it can be.
                    assert_eq!(
                        st.unmendable_scan(c, pi, &mut unmendable_memo),
                        st.unmendable_hard(c, pi),
                        "class {c} at {pi}, unmendable"
                    );
                }
            }
        }
    }

    #[test]
    fn lessons_that_overlap_share_a_bit_of_their_day_masks() {
        // A bit stands for several slots when a day has more than 64: two lessons that
        // overlap must still share one, or a clash would go unseen.
        for slots_per_day in [10, 64, 65, 288, 1440] {
            let p = Problem::empty("t", 1, 1, slots_per_day);
            let m = Model::new(&p, None, 0);
            let at = |start, length| TimePattern {
                days: 1,
                start,
                length,
                weeks: 1,
            };
            for a in 0..slots_per_day {
                for len_a in [1, 2, 7, 60] {
                    let x = at(a, len_a);
                    assert_ne!(m.day_mask(&x), 0);
                    for b in a.saturating_sub(60)..(a + 61).min(slots_per_day) {
                        for len_b in [1, 3, 12] {
                            let y = at(b, len_b);
                            if x.overlaps(&y) {
                                assert_ne!(m.day_mask(&x) & m.day_mask(&y), 0, "{x:?} {y:?}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn not_overlap_rules_read_by_day_count_each_clash_once() {
        // Members sharing two days with a class are kept under both days: a clash must
        // still be counted, and displaced, once.
        let p = not_overlapping_over_days();
        let m = Model::new(&p, None, 0);
        let mut st = State::new(&m);
        let mut rng = Rng::new(3);
        for _ in 0..2000 {
            random_step_checked(&mut st, &mut rng, 5);
            let c = rng.below(6);
            let pi = rng.below(st.domain_len(c));
            let me = st.cand_at(c, pi).copied();
            let mut expected: Vec<usize> = p.distributions[0]
                .classes
                .iter()
                .copied()
                .filter(|&o| o != c && p.distributions[0].classes.contains(&c))
                .filter(|&o| {
                    st.cur(o)
                        .zip(me)
                        .is_some_and(|(oc, me)| oc.t.overlaps(&me.t))
                })
                .collect();
            expected.sort_unstable();
            assert_eq!(st.conflicts_of(c, pi), expected);
        }
    }

    /// `not_overlapping_over_days` over two weeks, lessons on one or two days and in one
    /// or both weeks, a break and a rule's own off times, with every day-counted kind,
    /// required and not, in place of the not-overlap rules.
    fn every_day_counted_kind() -> Problem {
        use DistributionKind::*;
        let mut p = not_overlapping_over_days();
        p.nr_weeks = 2;
        p.distributions.clear();
        for class in &mut p.classes {
            for (i, t) in class.times.iter_mut().enumerate() {
                t.pattern.weeks = [0b01, 0b10, 0b11][i % 3];
                t.pattern.start = 100 + 18 * (i as u32 % 4);
            }
        }
        p.breaks.push(TimePattern {
            days: 0b010,
            start: 130,
            length: 6,
            weeks: 0b11,
        });
        let kinds = [
            MaxDayLoad(20),
            MaxBreaks(0, 4),
            MaxBlock(20, 6),
            MinDayLoad(30, false),
            MinDayLoad(20, true),
            MaxGapsPerDay(0),
            MaxGapsPerWeek(10),
            MaxGapsAmong(0b101, 0),
            EarlyStart(1),
            MaxDaysInInterval(110, 140, 1),
            MinDays(3),
            MaxDaysAmong(0b011, 1),
        ];
        for (i, kind) in kinds.into_iter().enumerate() {
            p.distributions.push(Distribution {
                kind,
                required: i % 2 == 0,
                penalty: 3,
                classes: (0..6).filter(|c| (c + i) % 3 != 0).collect(),
                origin: "test".into(),
                off: vec![TimePattern {
                    days: 0b100,
                    start: 100,
                    length: 10,
                    weeks: 0b01,
                }],
            });
        }
        p
    }

    /// Breakout's weights: with the rules broken weighing more, every move's change
    /// (single moves, swaps, Kempe chains) keeps the totals exact, and counting each
    /// broken rule once gives what even weights give.
    #[test]
    fn weighing_broken_rules_more_keeps_the_totals_exact() {
        for (seed, p) in [
            three_rooms_over_days(),
            three_rooms_in_two_buildings(),
            every_day_counted_kind(),
        ]
        .into_iter()
        .enumerate()
        {
            let m = Model::new(&p, None, 0);
            let mut st = State::new(&m);
            (st.hard, st.soft) = st.full_cost();
            let mut rng = Rng::new(seed as u64);
            let mut raised = 0;
            for step in 0..600 {
                random_step_checked(&mut st, &mut rng, 8);
                // A swap or a Kempe chain, kept or refused, weighed the same way.
                let keep = rng.below(2) == 0;
                let (a, b) = (rng.below(p.classes.len()), rng.below(p.classes.len()));
                if a != b {
                    st.try_swap(a, b, &mut |_| keep);
                }
                st.try_kempe(a, rng.below(st.domain_len(a)), &mut |_| keep);
                assert_eq!((st.hard, st.soft), st.full_cost());
                if step % 40 == 39 {
                    let even = st.hard_unweighed();
                    st.weigh_broken_more();
                    assert_eq!(st.hard_unweighed(), even, "step {step}");
                    assert!(st.hard >= even);
                    raised += usize::from(st.hard > even);
                    if step % 200 == 199 {
                        st.weigh_evenly();
                        assert!(!st.reweighed());
                        assert_eq!(st.hard, even, "step {step}");
                    }
                }
            }
            assert!(
                raised > 0,
                "problem {seed}: no rule was broken when weighed"
            );
        }
    }

    #[test]
    fn day_counted_rules_recount_only_the_days_a_move_touches_and_stay_exact() {
        // Every day-counted kind must read the same through the state's day tallies as
        // counted from scratch.
        let p = every_day_counted_kind();
        let m = Model::new(&p, None, 0);
        let mut st = State::new(&m);
        // Empty days already fall short of the minimum loads and days.
        (st.hard, st.soft) = st.full_cost();
        assert!(st.hard > 0);
        let mut rng = Rng::new(5);
        for _ in 0..3000 {
            // Gap limits displace like upper limits every other step (see `left_to_search`).
            st.gap_repair = !st.gap_repair;
            random_step_checked(&mut st, &mut rng, 6);
            // A swap or a Kempe chain, kept or refused: a refused one puts its days'
            // tallies back from the journal.
            let keep = rng.below(2) == 0;
            let (a, b) = (rng.below(6), rng.below(6));
            if a != b {
                st.try_swap(a, b, &mut |_| keep);
            }
            st.try_kempe(a, rng.below(st.domain_len(a)), &mut |_| keep);
            assert_eq!((st.hard, st.soft), st.full_cost());
            // Any class at any time (or out), read through the tallies and from scratch.
            let c = rng.below(6);
            let mine = &m.dists_of[c];
            let di = mine[rng.below(mine.len())];
            let d = &p.distributions[di];
            let at = st.cand_at(c, rng.below(st.domain_len(c))).copied();
            let at = if rng.below(4) == 0 { None } else { at };
            let times: Vec<TimePattern> = d
                .classes
                .iter()
                .filter_map(|&o| if o == c { at } else { st.cur(o).copied() })
                .map(|x| x.t)
                .collect();
            assert_eq!(
                st.global_at(di, d, c, at.as_ref()),
                global_excess(&p, d, &times)
            );
        }
    }

    #[test]
    fn incremental_costs_match_full_recomputation() {
        let p = tiny();
        let m = Model::new(&p, None, 0);
        let mut st = State::new(&m);
        let mut rng = Rng::new(1);
        construct_and_section(&mut st, &mut rng);
        assert_eq!((st.hard, st.soft), st.full_cost());
        for _ in 0..500 {
            let c = rng.below(3);
            let pi = rng.below(st.domain_len(c));
            let d = st.delta(c, pi);
            st.apply(c, pi, d);
            assert_eq!((st.hard, st.soft), st.full_cost());
            st.resection(0, rng.below(3), &mut rng);
            assert_eq!((st.hard, st.soft), st.full_cost());
        }
    }
}
