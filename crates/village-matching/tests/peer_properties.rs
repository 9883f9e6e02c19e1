//! Property tests for peer tutoring: validity and optimality against brute force.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use village_matching::peer::{
    self, eligible, match_peers, rematch, score, ChangeKind, OlderRule, Pair, PeerError,
    PeerProblem, PeerRules, RematchOptions, Score, Tutee, Tutor,
};

fn instance(max_tutors: usize, max_tutees: usize) -> impl Strategy<Value = PeerProblem> {
    (
        proptest::collection::vec((2i32..6, 4u8..7, 1u32..=2, 1u64..16), 1..=max_tutors),
        proptest::collection::vec((0i32..4, 2u8..5, 1u32..=4, 1u64..16), 1..=max_tutees),
        any::<bool>(),
        0i32..2,
    )
        .prop_map(|(tutors, tutees, older, min_gap)| PeerProblem {
            subject: "reading".into(),
            slot_names: vec![
                "Monday".into(),
                "Tuesday".into(),
                "Wednesday".into(),
                "Thursday".into(),
            ],
            tutors: tutors
                .into_iter()
                .enumerate()
                .map(|(i, (rung, year, capacity, free_slots))| Tutor {
                    id: 100 + i as u64,
                    name: format!("Tutor {i}"),
                    rung,
                    year,
                    capacity,
                    free_slots,
                })
                .collect(),
            tutees: tutees
                .into_iter()
                .enumerate()
                .map(|(i, (rung, year, need, free_slots))| Tutee {
                    id: i as u64,
                    name: format!("Tutee {i}"),
                    rung,
                    year,
                    need,
                    free_slots,
                })
                .collect(),
            rules: PeerRules {
                min_gap,
                max_gap: 2,
                older: older.then_some(OlderRule {
                    min_years: 2,
                    min_gap: 0,
                }),
                max_candidates: 32,
            },
        })
}

/// Every valid set of pairs, by brute force.
fn all_matchings(problem: &PeerProblem) -> Vec<Vec<Pair>> {
    fn go(problem: &PeerProblem, i: usize, current: &mut Vec<Pair>, out: &mut Vec<Vec<Pair>>) {
        if i == problem.tutees.len() {
            out.push(current.clone());
            return;
        }
        go(problem, i + 1, current, out);
        let te = &problem.tutees[i];
        for tr in &problem.tutors {
            let load = current.iter().filter(|p| p.tutor == tr.id).count() as u32;
            if load < tr.capacity && eligible(&problem.rules, tr, te) {
                current.push(Pair {
                    tutee: te.id,
                    tutor: tr.id,
                });
                go(problem, i + 1, current, out);
                current.pop();
            }
        }
    }
    let mut out = Vec::new();
    go(problem, 0, &mut Vec::new(), &mut out);
    out
}

fn best(problem: &PeerProblem) -> Score {
    all_matchings(problem)
        .iter()
        .map(|m| score(problem, m).unwrap())
        .fold(
            Score::default(),
            |a, b| if b.better_than(&a) { b } else { a },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn valid_and_optimal(problem in instance(4, 6)) {
        let m = match_peers(&problem).unwrap();
        // Capacities, rung rules and a shared slot: `score` checks them all.
        let s = score(&problem, &m.pairs).unwrap();
        prop_assert_eq!(s, m.score);
        for p in &m.pairs {
            let tr = problem.tutors.iter().find(|t| t.id == p.tutor).unwrap();
            let te = problem.tutees.iter().find(|t| t.id == p.tutee).unwrap();
            prop_assert!(tr.free_slots & te.free_slots != 0);
            let gap = tr.rung - te.rung;
            let ladder = gap >= problem.rules.min_gap && gap <= problem.rules.max_gap;
            let older = problem.rules.older.is_some_and(|o| tr.year >= te.year + o.min_years && gap >= o.min_gap);
            prop_assert!(ladder || older);
        }
        let b = best(&problem);
        eprintln!("CASE tutors={} tutees={} matched={}", problem.tutors.len(), problem.tutees.len(), m.score.matched);
        prop_assert_eq!(m.score, b);
        for o in &m.tutees {
            prop_assert_eq!(o.tutor.is_none(), o.unmatched.is_some());
            prop_assert!(!o.explanation.is_empty());
        }
    }

    #[test]
    fn rematch_is_minimal(problem in instance(4, 6), pick in 0usize..4, allow_moves in any::<bool>()) {
        prop_assume!(!problem.tutors.is_empty());
        let departed = problem.tutors[pick % problem.tutors.len()].id;
        let before = match_peers(&problem).unwrap();
        let r = rematch(&problem, &before.pairs, departed, RematchOptions { allow_moves }).unwrap();
        let mut reduced = problem.clone();
        reduced.tutors.retain(|t| t.id != departed);
        prop_assert_eq!(score(&reduced, &r.matching.pairs).unwrap(), r.matching.score);
        let was = |tutee: u64| before.tutor_of(tutee);
        // Nobody whose tutor stays loses their tutor.
        for te in &problem.tutees {
            if let Some(t) = was(te.id) {
                if t != departed {
                    prop_assert!(r.matching.tutor_of(te.id).is_some());
                    if !allow_moves {
                        prop_assert_eq!(r.matching.tutor_of(te.id), Some(t));
                    }
                }
            }
        }
        // No move without someone gaining a tutor.
        let gained = r.changes.iter().any(|c| matches!(c.kind, ChangeKind::Rematched | ChangeKind::NewlyMatched));
        if !gained {
            prop_assert!(r.changes.iter().all(|c| c.kind != ChangeKind::Moved));
        }
        // Brute force: lexicographic (stayers matched, need, kept pairs, -penalty).
        let key = |pairs: &[Pair]| {
            let s = score(&reduced, pairs).unwrap();
            let stay = pairs.iter().filter(|p| was(p.tutee).is_some_and(|t| t != departed)).count();
            let kept = pairs.iter().filter(|p| was(p.tutee) == Some(p.tutor)).count();
            (stay, s.matched_need, kept, std::cmp::Reverse(s.penalty))
        };
        let frozen_ok = |pairs: &[Pair]| {
            allow_moves
                || reduced.tutees.iter().all(|te| match was(te.id) {
                    Some(t) if t != departed => pairs.iter().any(|p| p.tutee == te.id && p.tutor == t),
                    _ => true,
                })
        };
        let best = all_matchings(&reduced).into_iter().filter(|m| frozen_ok(m)).map(|m| key(&m)).max().unwrap();
        prop_assert_eq!(key(&r.matching.pairs), best);
        prop_assert_eq!(r.kept as usize, key(&r.matching.pairs).2);
    }
}

#[test]
fn bad_input_is_named() {
    let mut p = PeerProblem {
        subject: "maths".into(),
        slot_names: vec![],
        tutors: vec![Tutor {
            id: 1,
            name: "A".into(),
            rung: 3,
            year: 6,
            capacity: 0,
            free_slots: 1,
        }],
        tutees: vec![Tutee {
            id: 2,
            name: "B".into(),
            rung: 1,
            year: 4,
            need: 1,
            free_slots: 1,
        }],
        rules: PeerRules::default(),
    };
    assert_eq!(
        match_peers(&p).unwrap_err(),
        PeerError::ZeroCapacity { tutor: 1 }
    );
    p.tutors[0].capacity = 1;
    p.tutees[0].need = 0;
    assert_eq!(
        match_peers(&p).unwrap_err(),
        PeerError::InvalidNeed { tutee: 2, need: 0 }
    );
    p.tutees[0].need = 1;
    p.rules.min_gap = 3;
    p.rules.max_gap = 1;
    assert_eq!(
        match_peers(&p).unwrap_err(),
        PeerError::InvalidGapRange { min: 3, max: 1 }
    );
    p.rules = PeerRules::default();
    assert_eq!(
        rematch(&p, &[], 9, RematchOptions::default()).unwrap_err(),
        PeerError::UnknownTutor { tutor: 9 }
    );
    assert!(peer::validate(&p).is_empty());
}

#[test]
fn older_route_and_no_slot_are_explained() {
    let p = PeerProblem {
        subject: "maths".into(),
        slot_names: vec!["Monday".into(), "Tuesday".into()],
        tutors: vec![Tutor {
            id: 1,
            name: "Priya".into(),
            rung: 4,
            year: 6,
            capacity: 1,
            free_slots: 0b01,
        }],
        tutees: vec![
            Tutee {
                id: 2,
                name: "Jo".into(),
                rung: 4,
                year: 3,
                need: 2,
                free_slots: 0b01,
            },
            Tutee {
                id: 3,
                name: "Kit".into(),
                rung: 3,
                year: 3,
                need: 1,
                free_slots: 0b10,
            },
        ],
        rules: PeerRules {
            older: Some(OlderRule {
                min_years: 2,
                min_gap: 0,
            }),
            ..PeerRules::default()
        },
    };
    let m = match_peers(&p).unwrap();
    assert_eq!(
        m.tutees[0].explanation,
        "You are matched with Priya, who is three years older and on the same step as you in maths, free together on Monday."
    );
    assert_eq!(
        m.tutees[1].explanation,
        "No tutor is free when you are, so you do not have a tutor yet. A teacher may be able to find a time."
    );
}
