//! The swap move: two classes of one person's week trade times.
//!
//! Where a students set's days must be without gaps and start at the first hour (many FET
//! files), every single move of one of its lessons opens a gap or a late start, so the
//! local search cannot move lessons within such a week at all. Two lessons of the set
//! trading times keep its days exactly as full as they were; only the teachers' and
//! rooms' weeks change, and the move is judged on those. Partners are drawn from the
//! required NotOverlap and SameAttendees rules a class is in: the lessons of one
//! students set, or of one teacher.
//!
//! The Kempe chain generalises it: a class moves from its time to another, what is in
//! its way there moves to its time, what is then in their way moves back, and so on
//! until nothing is in the way. Every person and room busy at only one of the two times
//! trades it for the other; one busy at both stays busy at both. When a tight room (one
//! gym for a whole school) and gap-free days leave no single move or swap that mends the
//! last clashes, a chain through several students sets and teachers often does.

use super::minimal::Undo;
use super::rng::Rng;
use super::search::{key_of, PatKey, State, NONE};

/// Most classes a Kempe chain may move. On Romania-TgMures a limit of 40 left one clash
/// in its gym after 60 s where 150 found a complete timetable (see docs/benchmarks.md).
const KEMPE_LIMIT: usize = 150;
use crate::model::DistributionKind;

impl State<'_, '_> {
    /// A class `c` could trade times with: another placed member, at another time, of a
    /// required NotOverlap or SameAttendees rule that `c` is in. Classes of time-locked
    /// groups are left out (they move as a group).
    pub(crate) fn swap_partner(&self, c: usize, rng: &mut Rng) -> Option<usize> {
        let p = self.m.p;
        let rules: Vec<usize> = self
            .m
            .dists_of
            .get(c)?
            .iter()
            .copied()
            .filter(|&di| {
                p.distributions.get(di).is_some_and(|d| {
                    d.required
                        && matches!(
                            d.kind,
                            DistributionKind::NotOverlap | DistributionKind::SameAttendees
                        )
                })
            })
            .collect();
        if rules.is_empty() || self.m.group(c).is_some() {
            return None;
        }
        let d = p.distributions.get(*rules.get(rng.below(rules.len()))?)?;
        let o = *d.classes.get(rng.below(d.classes.len()))?;
        let (mine, theirs) = (self.cur(c)?, self.cur(o)?);
        let other_time = key_of(&mine.t) != key_of(&theirs.t);
        (o != c && other_time && self.m.group(o).is_none()).then_some(o)
    }

    /// The candidate of `c` with time pattern `key`, in the first of `rooms` it can have.
    fn cand_with(&self, c: usize, key: PatKey, rooms: [Option<usize>; 2]) -> Option<usize> {
        let dom = self.m.dom.get(c)?;
        rooms.iter().find_map(|&room| {
            dom.iter()
                .position(|x| key_of(&x.t) == key && x.room == room)
        })
    }

    /// The Kempe chain of class `c` between its time and the time of its candidate `pi`:
    /// the moves, class and candidate, starting with `c` to `pi`. `None` when the chain
    /// cannot close cleanly: a class in the way at a time that only partly overlaps, one
    /// of a time-locked group, one without a candidate at the other time in its room, or
    /// a chain longer than `KEMPE_LIMIT`.
    pub(crate) fn kempe_chain(&self, c: usize, pi: usize) -> Option<Vec<(usize, usize)>> {
        let from = key_of(&self.cur(c)?.t);
        let to = key_of(&self.cand_at(c, pi)?.t);
        if from == to || self.m.group(c).is_some() {
            return None;
        }
        let mut moves = vec![(c, pi)];
        let mut i = 0;
        while let Some(&(x, xpi)) = moves.get(i) {
            i += 1;
            let target = self.cand_at(x, xpi)?.t;
            let (here, there) = if key_of(&target) == to {
                (from, to)
            } else {
                (to, from)
            };
            for y in self.conflicts_of(x, xpi) {
                if moves.iter().any(|&(z, _)| z == y) {
                    continue;
                }
                let yc = *self.cur(y)?;
                // Not in the way in time (two lessons of a subject on one day, say): the
                // cost of the whole chain judges that.
                if !yc.t.overlaps(&target) {
                    continue;
                }
                if key_of(&yc.t) != there || self.m.group(y).is_some() {
                    return None;
                }
                let ypi = self.cand_with(y, here, [yc.room, yc.room])?;
                moves.push((y, ypi));
                if moves.len() > KEMPE_LIMIT {
                    return None;
                }
            }
        }
        Some(moves)
    }

    /// Moves every class of `c`'s Kempe chain towards candidate `pi` (see the module
    /// comment). Kept when `accept` takes the change in (hard, soft), else put back.
    pub(crate) fn try_kempe(
        &mut self,
        c: usize,
        pi: usize,
        accept: &mut dyn FnMut((i64, i64)) -> bool,
    ) -> bool {
        match self.kempe_chain(c, pi) {
            Some(moves) => self.try_moves(&moves, accept),
            None => false,
        }
    }

    /// Classes `a` and `b` trade times, each keeping its room if it can there, else taking
    /// the other's. Kept when `accept` takes the change in (hard, soft), else put back.
    pub(crate) fn try_swap(
        &mut self,
        a: usize,
        b: usize,
        accept: &mut dyn FnMut((i64, i64)) -> bool,
    ) -> bool {
        let (Some(&ca), Some(&cb)) = (self.cur(a), self.cur(b)) else {
            return false;
        };
        let (Some(pa), Some(pb)) = (
            self.cand_with(a, key_of(&cb.t), [ca.room, cb.room]),
            self.cand_with(b, key_of(&ca.t), [cb.room, ca.room]),
        ) else {
            return false;
        };
        self.try_moves(&[(a, pa), (b, pb)], accept)
    }

    /// Every class of `moves` to its candidate at once (all taken out, then all put in,
    /// so that they may trade places). Kept when `accept` takes the change in (hard,
    /// soft), else put back.
    fn try_moves(
        &mut self,
        moves: &[(usize, usize)],
        accept: &mut dyn FnMut((i64, i64)) -> bool,
    ) -> bool {
        let undo: Undo = moves
            .iter()
            .map(|&(x, _)| (x, self.assign.get(x).copied().unwrap_or(NONE)))
            .collect();
        let before = (self.hard, self.soft);
        self.journal_days();
        for &(x, _) in moves {
            self.unassign(x);
        }
        for &(x, xpi) in moves {
            let d = self.delta(x, xpi);
            self.apply(x, xpi, d);
        }
        let keep = accept((self.hard - before.0, self.soft - before.1));
        self.keep_or_undo(keep, &undo, before)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Distribution, DistributionKind, Problem, RoomOption};
    use crate::solver::rng::Rng;
    use crate::solver::search::tests::{add_lone_class, add_rooms, hour, placed};
    use crate::solver::search::Model;

    /// Three one-hour lessons of one students set on one day, each in its own room, which
    /// must not overlap and leave no gap; lesson 2 costs 10 anywhere but the third hour.
    fn compact_day() -> Problem {
        let mut p = Problem::empty("t", 5, 1, 288);
        add_rooms(&mut p, 3);
        for i in 0..3usize {
            let room = vec![RoomOption {
                room: i,
                penalty: 0,
            }];
            let times = (0..3u32)
                .map(|k| hour(k, if i == 2 && k != 2 { 10 } else { 0 }))
                .collect();
            add_lone_class(&mut p, i, room, times);
        }
        for kind in [
            DistributionKind::NotOverlap,
            DistributionKind::MaxGapsPerDay(0),
        ] {
            p.distributions.push(Distribution {
                kind,
                required: true,
                penalty: 0,
                classes: vec![0, 1, 2],
                origin: "set".into(),
                off: Vec::new(),
            });
        }
        p
    }

    /// Lesson 2 at slot 0 and lesson 0 at slot 2: every single move of either opens a gap
    /// or a clash, but the two trading times is the better timetable, and a refused trade
    /// leaves everything as it was.
    #[test]
    fn two_lessons_of_a_compact_day_trade_times() {
        let p = compact_day();
        let m = Model::new(&p, None, 0);
        // Each class has one room, so its candidate index is its slot.
        let mut st = placed(&m, &[(0, 2), (1, 1), (2, 0)]);
        assert_eq!(st.hard, 0);
        assert_eq!(st.soft, 10);

        assert!(!st.try_swap(0, 2, &mut |_| false));
        assert_eq!((st.hard, st.soft), (0, 10));
        assert_eq!(st.assign, vec![2, 1, 0]);

        let mut seen = None;
        assert!(st.try_swap(0, 2, &mut |d| {
            seen = Some(d);
            true
        }));
        assert_eq!(seen, Some((0, -10)));
        assert_eq!(st.assign, vec![0, 1, 2]);
        assert_eq!((st.hard, st.soft), st.full_cost());
    }

    /// Two students sets, A (classes 0 and 1) and B (2 and 3), and a teacher of classes 0
    /// and 2, at two times; class 0 costs 10 at the first. Class 0 at the second time is in
    /// the way of class 1 (its set) and class 2 (its teacher); class 2 at the first is in
    /// the way of class 3. Only all four moving mends it.
    fn two_sets_and_a_teacher() -> Problem {
        let mut p = Problem::empty("t", 5, 1, 288);
        add_rooms(&mut p, 4);
        for i in 0..4usize {
            let room = vec![RoomOption {
                room: i,
                penalty: 0,
            }];
            let times = (0..2u32)
                .map(|k| hour(k, if i == 0 && k == 0 { 10 } else { 0 }))
                .collect();
            add_lone_class(&mut p, i, room, times);
        }
        for (origin, classes) in [("A", vec![0, 1]), ("B", vec![2, 3]), ("T", vec![0, 2])] {
            p.distributions.push(Distribution {
                kind: DistributionKind::NotOverlap,
                required: true,
                penalty: 0,
                classes,
                origin: origin.into(),
                off: Vec::new(),
            });
        }
        p
    }

    #[test]
    fn a_kempe_chain_moves_everything_in_the_way_and_only_that() {
        let p = two_sets_and_a_teacher();
        let m = Model::new(&p, None, 0);
        // One room each, so a candidate index is a time.
        let mut st = placed(&m, &[(0, 0), (1, 1), (2, 1), (3, 0)]);
        assert_eq!((st.hard, st.soft), (0, 10));

        let mut chain = st.kempe_chain(0, 1).expect("a chain closes");
        chain.sort_unstable();
        assert_eq!(chain, vec![(0, 1), (1, 0), (2, 0), (3, 1)]);
        // A single move of class 0 breaks two rules; the swap with its set's other
        // lesson still clashes with the teacher's.
        assert_eq!(st.delta(0, 1).0, 2);

        assert!(!st.try_kempe(0, 1, &mut |_| false));
        assert_eq!(st.assign, vec![0, 1, 1, 0]);
        assert!(st.try_kempe(0, 1, &mut |d| d == (0, -10)));
        assert_eq!(st.assign, vec![1, 0, 0, 1]);
        assert_eq!((st.hard, st.soft), (0, 0));
        assert_eq!((st.hard, st.soft), st.full_cost());
    }

    #[test]
    fn partners_share_a_required_rule_and_another_time() {
        let p = compact_day();
        let m = Model::new(&p, None, 0);
        let st = placed(&m, &[(0, 2), (1, 1), (2, 0)]);
        let mut rng = Rng::new(7);
        for _ in 0..50 {
            if let Some(o) = st.swap_partner(0, &mut rng) {
                assert!(o == 1 || o == 2);
            }
        }
    }
}
