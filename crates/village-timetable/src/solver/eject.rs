//! Recursive swapping, FET's method for the last unplaced activities (an ejection chain).
//!
//! To place a class, its candidates are taken in order of fewest classes in the way
//! (random among ties); the class goes to the first, what is in its way is taken out,
//! and each of those is placed again the same way, never back where it was and never
//! displacing a class already moved in this chain. A branch that cannot be completed
//! within the depth and the chain's budget is undone and the next candidate tried. A
//! chain is kept only when every class it displaced is placed again and the timetable
//! breaks no more hard rules than before: one class more placed, nothing else worse.
//!
//! Repair's own step (`State::ifs_step`) places a class and leaves what it displaced
//! unplaced, to be placed in later steps; with one or two classes left, on a school's
//! tight weeks, that often cycles among the same few timetables. A chain looks a few
//! moves ahead instead, at a bounded cost.

use super::minimal::Undo;
use super::rng::Rng;
use super::search::{Cap, ScanMemo, State, NONE};

/// Deepest level of a chain (FET's limit).
pub(crate) const EJECT_DEPTH: usize = 14;
/// Most classes one placement may displace at the top of a chain, and below it.
const EJECT_TOP_WIDTH: usize = 3;
const EJECT_WIDTH: usize = 2;

/// A chain being built: the moves made (class, candidate before), the classes moved or
/// taken out so far (which it may not displace), and the candidates it may still weigh.
struct Chain {
    undo: Undo,
    moved: Vec<usize>,
    budget: usize,
}

/// A candidate of a chain's class: classes in its way and what displacing them costs,
/// a random tie-break, the candidate and the classes in its way.
type Choice = (usize, u64, u64, usize, Vec<usize>);

impl State<'_, '_> {
    /// Place the unplaced class `c` by recursive swapping, weighing at most `budget`
    /// candidates in all. Returns whether it was placed; then every class the chain
    /// displaced is placed again and no more hard rules are broken than before, nor more
    /// than `hard_limit`.
    /// Otherwise the timetable is exactly as it was. Classes of time-locked groups are
    /// left to the group moves: `c` may not be one, and none is displaced.
    pub(crate) fn eject_place(
        &mut self,
        c: usize,
        rng: &mut Rng,
        budget: usize,
        hard_limit: i64,
    ) -> bool {
        if self.m.group(c).is_some() || self.assign.get(c) != Some(&NONE) {
            return false;
        }
        let mut chain = Chain {
            undo: Vec::new(),
            moved: vec![c],
            budget,
        };
        let before = (self.hard, self.soft);
        let placed = self.eject_node(c, NONE, 0, hard_limit, rng, &mut chain);
        if !placed {
            // Each level undoes its own failed tries; this is only a safeguard.
            self.restore(&chain.undo, before);
        }
        placed
    }

    /// Place the unplaced class `c`, which has just left candidate `left` (`NONE`: it was
    /// not placed), at level `depth` of `chain`, breaking no more hard rules than now
    /// nor more than `hard_limit`. On failure everything this call moved is
    /// back where it was.
    fn eject_node(
        &mut self,
        c: usize,
        left: usize,
        depth: usize,
        hard_limit: i64,
        rng: &mut Rng,
        chain: &mut Chain,
    ) -> bool {
        let hard_before = self.hard.min(hard_limit);
        let width = if depth == 0 {
            EJECT_TOP_WIDTH
        } else {
            EJECT_WIDTH
        };
        // Below the last level only a place without anything in the way will do.
        let width = if depth + 1 >= EJECT_DEPTH { 0 } else { width };
        let mut options: Vec<Choice> = Vec::new();
        let mut conf = Vec::new();
        let mut memo = ScanMemo::new(true);
        let cap = Cap {
            classes: width,
            ..Cap::NONE
        };
        for pi in 0..self.domain_len(c) {
            if chain.budget == 0 {
                break;
            }
            chain.budget -= 1;
            if pi == left {
                continue;
            }
            // More than `width` classes in the way: not a candidate, however it goes on.
            let Some(cost) = self.conflicts_scan(c, pi, cap, &mut conf, &mut memo) else {
                continue;
            };
            if conf
                .iter()
                .any(|&o| chain.moved.contains(&o) || self.m.group(o).is_some())
            {
                continue;
            }
            options.push((conf.len(), cost, rng.next_u64(), pi, conf.clone()));
        }
        options.sort_unstable();
        for (_, _, _, pi, out) in options {
            if chain.budget == 0 {
                break;
            }
            let mark = chain.undo.len();
            let moved_mark = chain.moved.len();
            let before = (self.hard, self.soft);
            let mut old = Vec::with_capacity(out.len());
            for &o in &out {
                let was = self.assign.get(o).copied().unwrap_or(NONE);
                chain.undo.push((o, was));
                chain.moved.push(o);
                old.push(was);
                self.unassign(o);
            }
            let d = self.delta(c, pi);
            // The class itself must not break a rule there (a gap, a late start, ...).
            let mut placed = d.0 <= 0;
            if placed {
                chain.undo.push((c, NONE));
                self.apply(c, pi, d);
                for (&o, &was) in out.iter().zip(&old) {
                    if !self.eject_node(o, was, depth + 1, i64::MAX, rng, chain) {
                        placed = false;
                        break;
                    }
                }
            }
            if placed && self.hard <= hard_before {
                return true;
            }
            if let Some(tail) = chain.undo.get(mark..) {
                let tail = tail.to_vec();
                self.restore(&tail, before);
            }
            chain.undo.truncate(mark);
            chain.moved.truncate(moved_mark);
        }
        false
    }
}

impl State<'_, '_> {
    /// A class in a hard violation is taken out and placed again by recursive swapping
    /// (`eject_place`), kept only if the timetable then breaks fewer hard rules; a local
    /// search stuck on its last violations finds few such ways by single moves.
    /// Returns whether it was kept.
    pub(crate) fn eject_conflicted(&mut self, c: usize, rng: &mut Rng, budget: usize) -> bool {
        let Some(&pi) = self.assign.get(c) else {
            return false;
        };
        if pi == NONE
            || self.m.group(c).is_some()
            || self.placement_cost(c, pi).0 <= self.unmendable_hard(c, pi)
        {
            return false;
        }
        let before = (self.hard, self.soft);
        self.unassign(c);
        if self.eject_place(c, rng, budget, before.0 - 1) {
            return true;
        }
        self.restore(&[(c, pi)], before);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::super::rng::Rng;
    use super::super::search::tests::{add_lone_class, hour, placed};
    use super::super::search::{Model, State, NONE};
    use crate::model::{Distribution, DistributionKind, Problem};

    /// Three classes of one teacher (a not-overlap rule) and hours 0 to 2: class 0 can
    /// only be at hour 0, class 1 at hours 0 or 1, class 2 at hours 1 or 2. With class 1
    /// at 0 and class 2 at 1, placing class 0 takes class 1 out, whose only other hour
    /// takes class 2 out, which must go to hour 2: two levels of swapping.
    fn three_in_a_row() -> Problem {
        let mut p = Problem::empty("chain", 1, 1, 288);
        add_lone_class(&mut p, 0, vec![], vec![hour(0, 0)]);
        add_lone_class(&mut p, 1, vec![], vec![hour(0, 0), hour(1, 0)]);
        add_lone_class(&mut p, 2, vec![], vec![hour(1, 0), hour(2, 0)]);
        p.distributions.push(Distribution {
            kind: DistributionKind::NotOverlap,
            required: true,
            penalty: 0,
            classes: vec![0, 1, 2],
            origin: "test".into(),
            off: Vec::new(),
        });
        p
    }

    /// The hour (see [`hour`]) each class is at, `None` for a class not placed.
    fn hours(st: &State<'_, '_>) -> Vec<Option<u32>> {
        (0..st.assign.len())
            .map(|c| st.cur(c).map(|x| (x.t.start - 100) / 12))
            .collect()
    }

    #[test]
    fn a_chain_two_levels_deep_places_the_class() {
        let p = three_in_a_row();
        let m = Model::new(&p, None, 0);
        let mut st = placed(&m, &[(1, 0), (2, 0)]);
        assert_eq!(hours(&st), vec![None, Some(0), Some(1)]);
        assert_eq!(st.hard, 0);
        let mut rng = Rng::new(7);
        assert!(st.eject_place(0, &mut rng, 1000, i64::MAX));
        assert_eq!(hours(&st), vec![Some(0), Some(1), Some(2)]);
        assert_eq!((st.hard, st.soft), st.full_cost());
        assert_eq!(st.hard, 0);
    }

    #[test]
    fn a_failed_chain_leaves_the_timetable_exactly_as_it_was() {
        let mut p = three_in_a_row();
        // Class 2 may now only be at hour 1: no chain places class 0.
        if let Some(cl) = p.classes.get_mut(2) {
            cl.times.truncate(1);
        }
        let m = Model::new(&p, None, 0);
        let mut st = placed(&m, &[(1, 0), (2, 0)]);
        let before = (st.assign.clone(), st.hard, st.soft);
        let mut rng = Rng::new(7);
        assert!(!st.eject_place(0, &mut rng, 1000, i64::MAX));
        assert_eq!((st.assign.clone(), st.hard, st.soft), before);
        assert_eq!((st.hard, st.soft), st.full_cost());
        assert_eq!(st.assign.first(), Some(&NONE));
    }

    #[test]
    fn a_chain_stops_within_its_budget() {
        let p = three_in_a_row();
        let m = Model::new(&p, None, 0);
        let mut st = placed(&m, &[(1, 0), (2, 0)]);
        let before = (st.assign.clone(), st.hard, st.soft);
        let mut rng = Rng::new(7);
        // Two candidates weighed are not enough to see the chain's end.
        assert!(!st.eject_place(0, &mut rng, 2, i64::MAX));
        assert_eq!((st.assign.clone(), st.hard, st.soft), before);
        assert_eq!((st.hard, st.soft), st.full_cost());
    }
}
