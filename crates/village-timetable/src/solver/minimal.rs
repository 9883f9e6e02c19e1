//! Moves for re-solving with minimal change.
//!
//! A re-solve is judged by how many pupil-session assignments it changes, and a class
//! that moves changes one for each of its learners. Moving a time-locked group (a block of
//! sets taught at once) changes one for every pupil of the block, and where it lands it
//! usually displaces other classes, which move too. Plain iterative forward search looks
//! only one step ahead: it places the group where it displaces least, then finds out where
//! the displaced classes can go. These moves look two steps ahead instead:
//!
//! - a *chain* puts a unit (a class alone, or a whole time-locked group) at a target and
//!   every unit it displaces at its cheapest place that displaces nothing (or, a few
//!   levels deep, where it displaces fewest learners), and is judged by the resulting
//!   cost, perturbation included;
//! - the repair of a re-solve places an unplaced unit by trying chains from its most
//!   promising targets and keeping the cheapest;
//! - the *home chain* of the annealing moves a unit back to where the old timetable had it
//!   and what took its place elsewhere (often back home too: two units swap back), and
//!   keeps the result only if it is cheaper.

use std::time::Instant;

use super::search::{key_of, Cost, PatKey, State, NONE};

/// How many targets of an unplaced unit the repair tries chains from.
const CHAIN_TARGETS: usize = 40;
/// How many further steps a repair chain may take for a displaced unit with no free place.
const CHAIN_DEPTH: usize = 2;

/// Where a unit goes: a time pattern for a time-locked group (rooms chosen member by
/// member), a candidate for a class on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Pattern(PatKey),
    Cand(usize),
}

/// The classes a chain changed and where each was before, to undo it.
pub(crate) type Undo = Vec<(usize, usize)>;

impl State<'_, '_> {
    /// The classes that move with `c`: its time-locked group, or `c` alone.
    pub(crate) fn unit_of(&self, c: usize) -> Vec<usize> {
        match self.m.group(c) {
            Some(g) => g.to_vec(),
            None => vec![c],
        }
    }

    /// What moving `unit` would change for learners: the learners of each member still
    /// where the old timetable had it (a member already moved costs nothing more), plus a
    /// little per class so that moving an empty class is not free.
    pub(crate) fn move_weight(&self, unit: &[usize]) -> u64 {
        unit.iter()
            .map(|&x| {
                let home = self.m.initial_pi.get(x).copied().unwrap_or(NONE);
                let at_home = home != NONE && self.assign.get(x) == Some(&home);
                let learners = if at_home {
                    u64::from(self.m.initial_count.get(x).copied().unwrap_or(0))
                } else {
                    0
                };
                1 + learners
            })
            .sum()
    }

    /// Where the old timetable had `c`'s unit, if it can still go there.
    pub(crate) fn home_target(&self, c: usize) -> Option<Target> {
        let home = *self.m.initial_pi.get(c)?;
        if home == NONE {
            return None;
        }
        self.target_of(c, home)
    }

    /// The target of `c`'s unit that puts `c` at its candidate `pi`: the candidate's time
    /// pattern for a time-locked group, the candidate itself for a class on its own.
    pub(crate) fn target_of(&self, c: usize, pi: usize) -> Option<Target> {
        if self.m.group(c).is_some() {
            self.cand_at(c, pi).map(|x| Target::Pattern(key_of(&x.t)))
        } else {
            Some(Target::Cand(pi))
        }
    }

    /// Every target of `c`'s unit.
    fn targets(&self, c: usize) -> Vec<Target> {
        if self.m.group(c).is_some() {
            let mut keys: Vec<PatKey> = self
                .m
                .by_pattern
                .get(c)
                .map(|b| b.keys().copied().collect())
                .unwrap_or_default();
            keys.sort_unstable();
            keys.into_iter().map(Target::Pattern).collect()
        } else {
            (0..self.domain_len(c)).map(Target::Cand).collect()
        }
    }

    /// For each member of `unit`, the candidate it would take at `target` (rooms chosen
    /// one by one, free ones first); `None` when a member cannot take the target.
    fn members_at(&self, unit: &[usize], target: Target) -> Option<Vec<(usize, usize)>> {
        match target {
            Target::Cand(pi) => {
                let &c = unit.first()?;
                (pi < self.domain_len(c)).then(|| vec![(c, pi)])
            }
            Target::Pattern(key) => {
                let mut out = Vec::with_capacity(unit.len());
                let mut taken = Vec::with_capacity(unit.len());
                for &m in unit {
                    let pi = self.pick_room(m, key, &taken, unit)?;
                    if let Some(r) = self.cand_at(m, pi).and_then(|x| x.room) {
                        self.m.take(r, &mut taken);
                    }
                    out.push((m, pi));
                }
                Some(out)
            }
        }
    }

    /// The classes (whole units) that would have to leave for `c`'s unit to take
    /// `target`, and the unit's soft cost there; nothing changes. Targets are ranked by
    /// this, so it leaves out learners' days (a look at every learner of every
    /// member, for every target): the chains built from the best are judged whole.
    fn displaced_by(&self, c: usize, target: Target) -> Option<(Vec<usize>, i64)> {
        let unit = self.unit_of(c);
        let placed = self.members_at(&unit, target)?;
        let mut out: Vec<usize> = Vec::new();
        let mut soft = 0i64;
        for &(m, pi) in &placed {
            soft += self.placement_cost(m, pi).1;
            for o in self.conflicts_of(m, pi) {
                if !unit.contains(&o) && !out.contains(&o) {
                    for x in self.unit_of(o) {
                        if !out.contains(&x) {
                            out.push(x);
                        }
                    }
                }
            }
        }
        Some((out, soft))
    }

    /// The cheapest target of `c`'s unit that displaces nothing: home when it is free
    /// (going anywhere else changes the unit's learners' timetables), else the cheapest by
    /// `placement_cost`, as in [`State::displaced_by`].
    fn best_free_target(&self, c: usize) -> Option<Target> {
        let unit = self.unit_of(c);
        let home = self.home_target(c);
        let mut best: Option<(i64, Target)> = None;
        for target in home.into_iter().chain(self.targets(c)) {
            let soft = match target {
                Target::Cand(pi) => {
                    let (h, s) = self.placement_cost(c, pi);
                    if h > 0 {
                        continue;
                    }
                    s
                }
                Target::Pattern(key) => {
                    // Member by member, stopping at the first that displaces something.
                    let mut soft = 0i64;
                    let mut free = true;
                    let mut taken = Vec::with_capacity(unit.len());
                    for &m in &unit {
                        let Some(pi) = self.pick_room(m, key, &taken, &unit) else {
                            free = false;
                            break;
                        };
                        if self.conflicts_of(m, pi).iter().any(|o| !unit.contains(o)) {
                            free = false;
                            break;
                        }
                        if let Some(r) = self.cand_at(m, pi).and_then(|x| x.room) {
                            self.m.take(r, &mut taken);
                        }
                        soft += self.placement_cost(m, pi).1;
                    }
                    if !free {
                        continue;
                    }
                    soft
                }
            };
            if Some(target) == home {
                return Some(target);
            }
            if best.as_ref().is_none_or(|(b, _)| soft < *b) {
                best = Some((soft, target));
            }
        }
        best.map(|(_, t)| t)
    }

    /// Record where `x` is before a chain changes it (once per class).
    fn note(&self, undo: &mut Undo, x: usize) {
        if !undo.iter().any(|&(y, _)| y == x) {
            undo.push((x, self.assign.get(x).copied().unwrap_or(NONE)));
        }
    }

    /// Put `c`'s unit at `target`, taking every class in the way (with its whole unit) out
    /// of the timetable. Returns the classes taken out, or `None` (nothing changed) when
    /// the unit cannot take the target.
    fn place_unit(&mut self, c: usize, target: Target, undo: &mut Undo) -> Option<Vec<usize>> {
        let unit = self.unit_of(c);
        let placed = self.members_at(&unit, target)?;
        let mut out: Vec<usize> = Vec::new();
        for (m, pi) in placed {
            // Rooms were chosen before anything moved; choose again now that some may be
            // taken by members already placed.
            let pi = match target {
                Target::Pattern(key) => {
                    let taken: Vec<usize> = unit
                        .iter()
                        .take_while(|&&x| x != m)
                        .filter_map(|&x| self.cur(x).and_then(|cand| cand.room))
                        .collect();
                    self.pick_room(m, key, &taken, &unit).unwrap_or(pi)
                }
                Target::Cand(_) => pi,
            };
            for o in self.conflicts_of(m, pi) {
                if unit.contains(&o) {
                    continue;
                }
                for x in self.unit_of(o) {
                    if self.assign.get(x).is_some_and(|&a| a != NONE) {
                        self.note(undo, x);
                        self.unassign(x);
                        out.push(x);
                    }
                }
            }
            if self.assign.get(m) != Some(&pi) {
                self.note(undo, m);
                let d = self.delta(m, pi);
                self.apply(m, pi, d);
            }
        }
        Some(out)
    }

    /// Put `c`'s unit at `target` and every unit it displaces at its cheapest target that
    /// displaces nothing; a displaced unit with no such target goes where it displaces
    /// least (never back onto a class this chain moved), and so on `depth` more times.
    /// Classes that still have nowhere to go are left out of the timetable and listed in
    /// `left`. Returns `false` when the unit cannot take the target at all. Either way
    /// `undo` lists what changed, for [`State::undo`].
    pub(crate) fn chain(
        &mut self,
        c: usize,
        target: Target,
        undo: &mut Undo,
        depth: usize,
        left: &mut Vec<usize>,
    ) -> bool {
        let Some(out) = self.place_unit(c, target, undo) else {
            return false;
        };
        for x in out {
            if self.assign.get(x).is_some_and(|&a| a != NONE) {
                continue; // placed with its unit
            }
            if let Some(t) = self.best_free_target(x) {
                if let Some(more) = self.place_unit(x, t, undo) {
                    // A free target displaces nothing; should it, those wait too.
                    left.extend(more);
                    continue;
                }
            }
            let placed = depth > 0
                && self
                    .least_displacing_target(x, undo)
                    .is_some_and(|t| self.chain(x, t, undo, depth - 1, left));
            if !placed {
                left.push(x);
            }
        }
        left.retain(|&x| self.assign.get(x) == Some(&NONE));
        left.sort_unstable();
        left.dedup();
        true
    }

    /// The target of `c`'s unit that displaces the fewest learners, leaving alone the
    /// classes in `undo` (already moved by this chain: moving them again could cycle).
    fn least_displacing_target(&self, c: usize, undo: &Undo) -> Option<Target> {
        let mut best: Option<((u64, i64), Target)> = None;
        for t in self.targets(c) {
            let Some((out, soft)) = self.displaced_by(c, t) else {
                continue;
            };
            if out.iter().any(|x| undo.iter().any(|&(y, _)| y == *x)) {
                continue;
            }
            let key = (self.move_weight(&out), soft);
            if best.as_ref().is_none_or(|(b, _)| key < *b) {
                best = Some((key, t));
            }
        }
        best.map(|(_, t)| t)
    }

    /// Put back everything a chain changed, and the totals to `cost`, what they were
    /// before it (see `State::restore`).
    pub(crate) fn undo(&mut self, undo: &Undo, cost: Cost) {
        for &(x, _) in undo {
            if self.assign.get(x).is_some_and(|&a| a != NONE) {
                self.set(x, NONE);
            }
        }
        for &(x, pi) in undo {
            if pi != NONE {
                self.set(x, pi);
            }
        }
        (self.hard, self.soft) = cost;
    }

    /// Repair of a re-solve: place the unplaced `c` (with its unit) by the cheapest chain
    /// from its most promising targets, judged by the whole cost (the perturbation counts
    /// what every moved class changes for its learners; a class left out counts as a hard
    /// violation and as moved). Returns the classes left out of the timetable, or `None`,
    /// with nothing changed, when the unit has no target at all. Past `until` it takes the
    /// best chain tried so far.
    pub(crate) fn minimal_repair(&mut self, c: usize, until: Instant) -> Option<Vec<usize>> {
        let mut scored: Vec<((u64, i64), Target)> = self
            .targets(c)
            .into_iter()
            .filter_map(|t| {
                let (out, soft) = self.displaced_by(c, t)?;
                Some(((self.move_weight(&out), soft), t))
            })
            .collect();
        scored.sort_by_key(|(k, _)| *k);
        let mut best: Option<((i64, i64), Target)> = None;
        let before = (self.hard, self.soft);
        for &(_, t) in scored.iter().take(CHAIN_TARGETS) {
            if best.is_some() && Instant::now() >= until {
                break;
            }
            let mut undo = Undo::new();
            let mut left = Vec::new();
            if self.chain(c, t, &mut undo, CHAIN_DEPTH, &mut left) {
                let waiting: i64 = left.iter().map(|&x| self.m.perturb_of(x)).sum();
                let cost = (self.hard + left.len() as i64, self.soft + waiting);
                if best.as_ref().is_none_or(|(b, _)| cost < *b) {
                    best = Some((cost, t));
                }
            }
            self.undo(&undo, before);
        }
        let (_, t) = best?;
        let mut undo = Undo::new();
        let mut left = Vec::new();
        if self.chain(c, t, &mut undo, CHAIN_DEPTH, &mut left) {
            Some(left)
        } else {
            self.undo(&undo, before);
            None
        }
    }

    /// Annealing move: put `c`'s unit at `target` and every unit in its way at that
    /// unit's cheapest free place. A single move that breaks a hard rule is never taken,
    /// so without this a class whose better time is held by another cannot get there.
    /// Kept when nothing is left out, no hard rule breaks and `accept` takes the change.
    pub(crate) fn try_chain_move(
        &mut self,
        c: usize,
        target: Target,
        accept: &mut dyn FnMut((i64, i64)) -> bool,
    ) -> bool {
        let before = (self.hard, self.soft);
        let mut undo = Undo::new();
        let mut left = Vec::new();
        self.journal_days();
        let ok = self.chain(c, target, &mut undo, 0, &mut left) && left.is_empty();
        let keep =
            ok && self.hard <= before.0 && accept((self.hard - before.0, self.soft - before.1));
        self.keep_or_undo(keep, &undo, before)
    }

    /// Annealing move of a re-solve: bring `c`'s unit back to where the old timetable had
    /// it, and what is in the way to its cheapest free place (a swap when that is where
    /// `c` is now). Kept only when no hard rule breaks and the cost falls.
    pub(crate) fn try_home_chain(&mut self, c: usize) -> bool {
        let Some(home) = self.home_target(c) else {
            return false;
        };
        let unit = self.unit_of(c);
        let all_home = unit.iter().all(|&x| {
            let h = self.m.initial_pi.get(x).copied().unwrap_or(NONE);
            h != NONE && self.assign.get(x) == Some(&h)
        });
        if all_home {
            return false;
        }
        let before = (self.hard, self.soft);
        let mut undo = Undo::new();
        let mut left = Vec::new();
        self.journal_days();
        let ok = self.chain(c, home, &mut undo, 0, &mut left) && left.is_empty();
        let keep = ok && self.hard <= before.0 && (self.hard, self.soft) < before;
        self.keep_or_undo(keep, &undo, before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Distribution, DistributionKind, Placement, Problem, Request, RoomOption, Solution, Student,
    };
    use crate::solver::rng::Rng;
    use crate::solver::search::tests::{add_lone_class, add_rooms, hour, placed};
    use crate::solver::search::Model;

    /// `n` one-class courses in `rooms` rooms at `times` consecutive hours of one day; the
    /// classes in `locked` are a time-locked group; each student takes the courses listed.
    fn problem(
        n: usize,
        rooms: usize,
        times: u32,
        locked: &[usize],
        students: &[&[usize]],
    ) -> Problem {
        let mut p = Problem::empty("t", 5, 1, 288);
        add_rooms(&mut p, rooms);
        for i in 0..n {
            let options = (0..rooms)
                .map(|room| RoomOption { room, penalty: 0 })
                .collect();
            add_lone_class(&mut p, i, options, (0..times).map(|k| hour(k, 0)).collect());
        }
        if !locked.is_empty() {
            for kind in [
                DistributionKind::SameStart,
                DistributionKind::SameDays,
                DistributionKind::SameWeeks,
            ] {
                p.distributions.push(Distribution {
                    kind,
                    required: true,
                    penalty: 0,
                    classes: locked.to_vec(),
                    origin: "block".into(),
                    off: Vec::new(),
                });
            }
        }
        p.distributions.push(Distribution {
            kind: DistributionKind::MaxBreaks(0, 0),
            required: false,
            penalty: 3,
            classes: (0..n).collect(),
            origin: "breaks".into(),
            off: Vec::new(),
        });
        for (i, courses) in students.iter().enumerate() {
            p.students.push(Student {
                id: format!("s{i}"),
                requests: courses
                    .iter()
                    .map(|&c| Request {
                        courses: vec![c],
                        mandatory: true,
                        weight: 1,
                    })
                    .collect(),
            });
        }
        p.student_conflicts_hard = true;
        p
    }

    fn start<'m, 'a>(m: &'m Model<'a>) -> State<'m, 'a> {
        let mut st = State::new(m);
        st.load_initial();
        let (h, s) = st.full_cost();
        st.hard = h;
        st.soft = s;
        st
    }

    fn cand(m: &Model<'_>, c: usize, time: usize, room: usize) -> usize {
        m.dom[c]
            .iter()
            .position(|x| x.time == time && x.room == Some(room))
            .unwrap()
    }

    #[test]
    fn home_chain_swaps_two_classes_back() {
        let p = problem(2, 1, 2, &[], &[&[0, 1]]);
        let old = Solution {
            placements: vec![
                Some(Placement {
                    time: 0,
                    room: Some(0),
                }),
                Some(Placement {
                    time: 1,
                    room: Some(0),
                }),
            ],
            enrollments: vec![vec![0, 1]],
        };
        let m = Model::new(&p, Some(&old), 10);
        let mut st = start(&m);
        assert_eq!((st.hard, st.soft), (0, 0));
        // Swapped: each class sits in the other's place.
        for c in [0, 1] {
            st.unassign(c);
        }
        for (c, time) in [(0, 1), (1, 0)] {
            let pi = cand(&m, c, time, 0);
            let d = st.delta(c, pi);
            st.apply(c, pi, d);
        }
        assert_eq!(st.hard, 0);
        assert!(st.soft > 0, "moved classes cost their perturbation");
        // Moving one alone clashes with the other (room and student).
        assert!(st.delta(0, m.initial_pi[0]).0 > 0);
        assert!(st.try_home_chain(0));
        assert_eq!(st.assign, m.initial_pi);
        assert_eq!((st.hard, st.soft), st.full_cost());
        assert_eq!((st.hard, st.soft), (0, 0));
        // Already home: nothing to do.
        assert!(!st.try_home_chain(0));
    }

    #[test]
    fn a_chain_move_takes_a_better_time_from_the_class_holding_it() {
        let mut p = problem(2, 1, 2, &[], &[]);
        // Class 0 would rather be in the second hour, where class 1 is.
        p.classes[0].times[0].penalty = 5;
        let m = Model::new(&p, None, 0);
        let mut st = placed(&m, &[(0, cand(&m, 0, 0, 0)), (1, cand(&m, 1, 1, 0))]);
        let before = st.soft;
        let better = cand(&m, 0, 1, 0);
        assert!(
            st.delta(0, better).0 > 0,
            "alone, the move clashes in the room"
        );

        // A chain that is not accepted changes nothing.
        assert!(!st.try_chain_move(0, Target::Cand(better), &mut |_| false));
        assert_eq!(
            (st.assign[0], st.assign[1]),
            (cand(&m, 0, 0, 0), cand(&m, 1, 1, 0))
        );
        assert_eq!((st.hard, st.soft), (0, before));

        let mut seen = None;
        assert!(st.try_chain_move(0, Target::Cand(better), &mut |d| {
            seen = Some(d);
            d.1 < 0
        }));
        assert_eq!(seen, Some((0, -5)));
        assert_eq!((st.assign[0], st.assign[1]), (better, cand(&m, 1, 0, 0)));
        assert_eq!((st.hard, st.soft), (0, before - 5));
        assert_eq!((st.hard, st.soft), st.full_cost());
    }

    #[test]
    fn repair_places_a_block_with_what_it_displaces_and_undo_restores() {
        // Classes 0 and 1 are a block (two sets, one student each); 2, 3 and 4 are taken
        // by both students. Two rooms, four hours.
        let mut p = problem(5, 2, 4, &[0, 1], &[&[0, 2, 3, 4], &[1, 2, 3, 4]]);
        // The block's own hour (0) is no longer possible for it.
        for c in [0, 1] {
            p.classes[c].times.remove(0);
        }
        let at = |time, room| {
            Some(Placement {
                time,
                room: Some(room),
            })
        };
        let old = Solution {
            // Not placed: its hour is gone.
            placements: vec![None, None, at(1, 0), at(2, 0), at(3, 0)],
            enrollments: vec![vec![0, 2, 3, 4], vec![1, 2, 3, 4]],
        };
        let m = Model::new(&p, Some(&old), 10);
        let mut st = start(&m);
        // Every hour left is taken by the students' other classes: the block has to
        // displace one, which then goes to the free hour 0.
        // Out of time, the repair takes the first chain it tries: the block is placed.
        let mut hurried = start(&m);
        assert!(hurried.minimal_repair(0, Instant::now()).is_some());
        assert!(hurried.assign[0] != NONE && hurried.assign[1] != NONE);
        assert_eq!((hurried.hard, hurried.soft), hurried.full_cost());
        let in_time = Instant::now() + std::time::Duration::from_secs(60);
        let left = st.minimal_repair(0, in_time).unwrap();
        assert!(left.is_empty(), "{left:?}");
        assert!(st.assign.iter().all(|&a| a != NONE));
        assert_eq!((st.hard, st.soft), st.full_cost());
        assert_eq!(st.hard, 0);
        let t = |c: usize| st.cur(c).unwrap().t.start;
        assert_eq!(t(0), t(1), "the block stays together");
        let moved = (2..5).filter(|&c| st.assign[c] != m.initial_pi[c]).count();
        assert_eq!(moved, 1, "one class makes way, the others stay");
        // A chain and its undo leave the timetable and its costs as they were.
        let mut rng = Rng::new(7);
        for _ in 0..200 {
            let before = (st.assign.clone(), st.hard, st.soft);
            let c = rng.below(5);
            let targets = st.targets(c);
            let target = targets[rng.below(targets.len())];
            let mut undo = Undo::new();
            let mut left = Vec::new();
            st.chain(c, target, &mut undo, 1, &mut left);
            let placed: Vec<usize> = (0..5).filter(|&x| st.assign[x] != NONE).collect();
            assert_eq!(placed.len() + left.len(), 5, "{left:?}");
            let (h, s) = st.full_cost();
            assert_eq!(st.soft, s);
            assert_eq!(st.hard, h);
            st.undo(&undo, (before.1, before.2));
            assert_eq!((st.assign.clone(), st.hard, st.soft), before);
            // The totals put back are the timetable's own.
            assert_eq!((st.hard, st.soft), st.full_cost());
        }
    }
}
