//! Sectioning that makes room in a full class.
//!
//! Re-sectioning one request of one learner (`State::resection`) picks the learner's best
//! classes among those with places left. Often the only choice without a clash is a full
//! class, while a learner already in it would do as well in another section: one learner
//! at a time, neither move is taken. [`State::swap_into`] takes both: it puts the learner
//! in the full class anyway, then re-sections the class's other learners one at a time
//! until one leaves, and keeps the whole only if the cost falls.

use super::rng::Rng;
use super::search::{clash, Enr, State};

/// How many other learners of a full class are tried to make room.
const MAKE_ROOM_TRIES: usize = 8;

impl State<'_, '_> {
    /// Is request `r` of learner `s` unmet, or met by classes that clash with each other
    /// or with the learner's other classes?
    pub(crate) fn badly_sectioned(&self, s: usize, r: usize) -> bool {
        let Some(e) = self.enr.get(s).and_then(|v| v.get(r)) else {
            return false;
        };
        let Some((_, classes)) = e else {
            return true;
        };
        let others = self.student_classes_except(s, r);
        classes.iter().enumerate().any(|(i, &x)| {
            let Some(cx) = self.cur(x) else { return false };
            others
                .iter()
                .chain(classes.iter().skip(i + 1))
                .filter_map(|&y| self.cur(y))
                .any(|cy| clash(self.m.p, cx, cy))
        })
    }

    /// The request of learner `s` that puts them in class `x`.
    fn request_with(&self, s: usize, x: usize) -> Option<usize> {
        self.enr
            .get(s)?
            .iter()
            .position(|e| e.as_ref().is_some_and(|(_, cls)| cls.contains(&x)))
    }

    /// Re-section request `r` of learner `s` as if full classes had room, then make room
    /// in them by moving other learners to other sections. Kept, and `true`, only when
    /// the cost falls; otherwise everything is put back.
    pub(crate) fn swap_into(&mut self, s: usize, r: usize, rng: &mut Rng) -> bool {
        let before = (self.hard, self.soft);
        let old: Enr = self.enr.get(s).and_then(|v| v.get(r)).cloned().flatten();
        self.past_limits = true;
        let choice = self.best_section(s, r, rng);
        self.past_limits = false;
        if choice == old {
            return false;
        }
        let mut undo: Vec<(usize, usize, Enr)> = vec![(s, r, old)];
        self.put_enrollment(s, r, choice.clone());
        let p = self.m.p;
        for &x in choice.iter().flat_map(|(_, cls)| cls.iter()) {
            let limit = p.classes.get(x).map_or(0, |c| c.limit);
            let mut others: Vec<usize> = self
                .members
                .get(x)
                .map(|v| v.iter().copied().filter(|&t| t != s).collect())
                .unwrap_or_default();
            rng.shuffle(&mut others);
            for t in others.into_iter().take(MAKE_ROOM_TRIES) {
                if self.count.get(x).copied().unwrap_or(0) <= limit {
                    break;
                }
                let Some(rt) = self.request_with(t, x) else {
                    continue;
                };
                let prev: Enr = self.enr.get(t).and_then(|v| v.get(rt)).cloned().flatten();
                let soft_before = self.soft;
                // `t` counts the class as full: leaving it mends a broken limit.
                let next = self.best_section(t, rt, rng);
                if next == prev {
                    continue;
                }
                self.put_enrollment(t, rt, next);
                if self.soft > soft_before {
                    // `t` would only trade places for a clash or a worse choice.
                    self.put_enrollment(t, rt, prev);
                } else {
                    undo.push((t, rt, prev));
                }
            }
        }
        if (self.hard, self.soft) < before {
            return true;
        }
        for (t, rt, prev) in undo.into_iter().rev() {
            self.put_enrollment(t, rt, prev);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{
        Class, Placement, Problem, Request, RoomOption, Solution, Student, Subpart, TimeOption,
        TimePattern,
    };
    use crate::solver::rng::Rng;
    use crate::solver::search::tests::{add_course, add_rooms, placed};
    use crate::solver::search::Model;

    fn hour(k: u32) -> TimePattern {
        TimePattern {
            days: 1,
            start: 100 + 12 * k,
            length: 12,
            weeks: 1,
        }
    }

    fn class(id: usize, course: usize, time: u32, limit: u32) -> Class {
        Class {
            id: format!("{id}"),
            subpart: course,
            config: course,
            course,
            parent: None,
            limit,
            rooms: vec![RoomOption {
                room: id,
                penalty: 0,
            }],
            no_room: None,
            times: vec![TimeOption {
                pattern: hour(time),
                penalty: 0,
            }],
        }
    }

    /// Course 0 has two sections of one place each, at 9 and 10; course 1 meets at 10.
    /// Ann takes course 0 only; Ben takes both, so only the 9 o'clock section suits him.
    fn two_sections() -> Problem {
        let mut p = Problem::empty("swap", 5, 1, 288);
        add_rooms(&mut p, 3);
        add_course(&mut p, 0, vec![0, 1]);
        add_course(&mut p, 1, vec![2]);
        p.classes = vec![class(0, 0, 0, 1), class(1, 0, 1, 1), class(2, 1, 1, 5)];
        p.subparts = vec![
            Subpart {
                id: "0".into(),
                config: 0,
                classes: vec![0, 1],
            },
            Subpart {
                id: "1".into(),
                config: 1,
                classes: vec![2],
            },
        ];
        p.weights.student = 10;
        let request = |c| Request {
            courses: vec![c],
            mandatory: true,
            weight: 1,
        };
        p.students = vec![
            Student {
                id: "ann".into(),
                requests: vec![request(0)],
            },
            Student {
                id: "ben".into(),
                requests: vec![request(0), request(1)],
            },
        ];
        p
    }

    #[test]
    fn a_learner_in_a_full_section_makes_room_for_one_who_needs_it() {
        let p = two_sections();
        let m = Model::new(&p, None, 0);
        let mut st = placed(&m, &[(0, 0), (1, 0), (2, 0)]);
        // Ann sits in the 9 o'clock section; Ben has the 10 o'clock one, which clashes.
        st.put_enrollment(0, 0, Some((0, vec![0])));
        st.put_enrollment(1, 1, Some((0, vec![2])));
        st.put_enrollment(1, 0, Some((0, vec![1])));
        assert_eq!((st.hard, st.soft), st.full_cost());
        assert_eq!(st.soft, 10, "Ben's clash");
        assert!(st.badly_sectioned(1, 0));

        // One learner at a time, nothing changes: the section Ben needs is full.
        let mut rng = Rng::new(1);
        st.resection(1, 0, &mut rng);
        assert_eq!(st.enr[1][0], Some((0, vec![1])));

        assert!(st.swap_into(1, 0, &mut rng));
        assert_eq!(st.enr[1][0], Some((0, vec![0])));
        assert_eq!(st.enr[0][0], Some((0, vec![1])), "Ann moved to 10 o'clock");
        assert_eq!((st.hard, st.soft), (0, 0));
        assert_eq!((st.hard, st.soft), st.full_cost());
        assert!(!st.badly_sectioned(1, 0));
    }

    #[test]
    fn a_swap_that_does_not_help_is_put_back() {
        let mut p = two_sections();
        // Ann now takes course 1 too: both of them need the 9 o'clock section.
        let course_1 = p.students[1].requests[1].clone();
        p.students[0].requests.push(course_1);
        let m = Model::new(&p, None, 0);
        let mut st = placed(&m, &[(0, 0), (1, 0), (2, 0)]);
        st.put_enrollment(0, 1, Some((0, vec![2])));
        st.put_enrollment(0, 0, Some((0, vec![0])));
        st.put_enrollment(1, 1, Some((0, vec![2])));
        st.put_enrollment(1, 0, Some((0, vec![1])));
        let before = (st.hard, st.soft);
        assert_eq!(before, st.full_cost());
        let mut rng = Rng::new(1);
        assert!(!st.swap_into(1, 0, &mut rng));
        assert_eq!(st.enr[0][0], Some((0, vec![0])));
        assert_eq!(st.enr[1][0], Some((0, vec![1])));
        assert_eq!((st.hard, st.soft), before);
        assert_eq!((st.hard, st.soft), st.full_cost());
    }

    #[test]
    fn a_re_solve_weighs_a_learner_changing_class_against_what_it_mends() {
        let mut p = two_sections();
        for c in &mut p.classes {
            c.limit = 2;
        }
        // The old timetable: Ben in the 10 o'clock section, which clashes (cost 10).
        let old = Solution {
            placements: (0..3)
                .map(|c| {
                    Some(Placement {
                        time: 0,
                        room: Some(c),
                    })
                })
                .collect(),
            enrollments: vec![vec![0], vec![1, 2]],
        };
        for (perturb, stays) in [(100, true), (4, false)] {
            let m = Model::new(&p, Some(&old), perturb);
            let mut st = crate::solver::search::State::new(&m);
            st.load_initial();
            (st.hard, st.soft) = st.full_cost();
            assert_eq!((st.hard, st.soft), (0, 10));
            st.resection(1, 0, &mut Rng::new(1));
            let ben = st.enr[1][0].clone();
            if stays {
                assert_eq!(ben, Some((0, vec![1])), "a change dearer than the clash");
                assert_eq!(st.soft, 10);
            } else {
                assert_eq!(
                    ben,
                    Some((0, vec![0])),
                    "the clash costs more than a change"
                );
                assert_eq!(st.soft, 4, "Ben's new class costs the change");
            }
            assert_eq!((st.hard, st.soft), st.full_cost());
        }
    }
}
