//! Property and example tests for mentor assignment.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::HashMap;

use proptest::prelude::*;
use village_matching::mentor::{
    self, assign, priority, AllowedPairs, Eligibility, Learner, Mentor, MentorError, MentorProblem,
    Override, Route, SchoolRules,
};

/// A tiny random instance whose choices are all eligible under its school rules.
fn instance(
    max_learners: usize,
    max_mentors: usize,
) -> impl Strategy<Value = (MentorProblem, SchoolRules)> {
    (
        1..=max_mentors,
        0..=max_learners,
        any::<u64>(),
        any::<bool>(),
        proptest::collection::vec(
            (0u64..3, 1u32..=3, proptest::bool::weighted(0.85)),
            max_mentors,
        ),
        proptest::collection::vec(
            (
                0u64..3,
                proptest::collection::vec(0usize..16, 0..=4),
                any::<bool>(),
            ),
            max_learners,
        ),
    )
        .prop_map(|(nm, nl, seed, partners, mdata, ldata)| {
            let mentors: Vec<Mentor> = mdata
                .iter()
                .take(nm)
                .enumerate()
                .map(|(i, &(school, capacity, cleared))| Mentor {
                    id: 100 + i as u64,
                    name: format!("Mentor {i}"),
                    school,
                    capacity,
                    cleared,
                })
                .collect();
            let mut rules = SchoolRules::new();
            if partners {
                rules.add_partners(0, 1);
            }
            let mut relationships = Vec::new();
            let learners: Vec<Learner> = ldata
                .iter()
                .take(nl)
                .enumerate()
                .map(|(i, (school, picks, related))| {
                    let mut l = Learner {
                        id: i as u64,
                        school: *school,
                        choices: vec![],
                    };
                    let eligible: Vec<u64> = mentors
                        .iter()
                        .filter(|m| rules.allows(&l, m))
                        .map(|m| m.id)
                        .collect();
                    for &p in picks {
                        if eligible.is_empty() || l.choices.len() == 3 {
                            break;
                        }
                        let m = eligible[p % eligible.len()];
                        if !l.choices.contains(&m) {
                            l.choices.push(m);
                        }
                    }
                    if *related {
                        if let Some(&m) = eligible.first() {
                            relationships.push((l.id, m));
                        }
                    }
                    l
                })
                .collect();
            (
                MentorProblem {
                    learners,
                    mentors,
                    relationships,
                    seed,
                },
                rules,
            )
        })
}

/// Rank of a mentor in a learner's list; unranked or none is worst.
fn rank_of(l: &Learner, m: Option<u64>) -> usize {
    m.and_then(|m| l.choices.iter().position(|&c| c == m))
        .unwrap_or(usize::MAX)
}

/// Is an assignment (learner index -> mentor id) stable on ranked preferences?
fn stable(problem: &MentorProblem, assigned: &[Option<u64>]) -> bool {
    for (li, l) in problem.learners.iter().enumerate() {
        let mine = rank_of(l, assigned[li]);
        for &c in l.choices.iter().take(mine.min(l.choices.len())) {
            let m = problem.mentors.iter().find(|m| m.id == c).unwrap();
            let holders: Vec<&Learner> = problem
                .learners
                .iter()
                .enumerate()
                .filter(|(i, _)| assigned[*i] == Some(c))
                .map(|(_, h)| h)
                .collect();
            if (holders.len() as u32) < m.capacity {
                return false;
            }
            let p = priority(problem, l, m);
            if holders.iter().any(|h| priority(problem, h, m) > p) {
                return false;
            }
        }
    }
    true
}

/// Every capacity-respecting stable matching of ranked pairs, by brute force.
fn stable_matchings(problem: &MentorProblem) -> Vec<Vec<Option<u64>>> {
    let mut out = Vec::new();
    let mut current = vec![None; problem.learners.len()];
    fn go(
        problem: &MentorProblem,
        i: usize,
        current: &mut Vec<Option<u64>>,
        out: &mut Vec<Vec<Option<u64>>>,
    ) {
        if i == problem.learners.len() {
            let fits = problem
                .mentors
                .iter()
                .all(|m| current.iter().filter(|&&a| a == Some(m.id)).count() as u32 <= m.capacity);
            if fits && stable(problem, current) {
                out.push(current.clone());
            }
            return;
        }
        current[i] = None;
        go(problem, i + 1, current, out);
        for &c in &problem.learners[i].choices {
            current[i] = Some(c);
            go(problem, i + 1, current, out);
        }
        current[i] = None;
    }
    go(problem, 0, &mut current, &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn stable_within_capacity_and_maximal((problem, rules) in instance(12, 6)) {
        let a = assign(&problem, &rules).unwrap();
        let assigned: Vec<Option<u64>> = a.outcomes.iter().map(|o| o.mentor).collect();
        prop_assert!(stable(&problem, &assigned), "blocking pair in {:?}", assigned);
        for (m, load) in problem.mentors.iter().zip(&a.loads) {
            let n = assigned.iter().filter(|&&x| x == Some(m.id)).count() as u32;
            prop_assert_eq!(n, load.assigned);
            prop_assert!(n <= m.capacity);
        }
        for (l, o) in problem.learners.iter().zip(&a.outcomes) {
            prop_assert!(!o.explanation.is_empty());
            if let Some(m) = o.mentor {
                let mentor = problem.mentors.iter().find(|x| x.id == m).unwrap();
                prop_assert!(rules.allows(l, mentor));
            } else {
                // Nobody is left out while an eligible mentor has room.
                for (m, load) in problem.mentors.iter().zip(&a.loads) {
                    prop_assert!(!(rules.allows(l, m) && load.assigned < m.capacity));
                }
            }
        }
    }

    #[test]
    fn everyone_placed_when_capacity_allows((problem, _) in instance(12, 6)) {
        let open = |_: &Learner, _: &Mentor| true;
        let a = assign(&problem, &open).unwrap();
        let capacity: u32 = problem.mentors.iter().map(|m| m.capacity).sum();
        if problem.learners.len() as u32 <= capacity {
            prop_assert!(a.outcomes.iter().all(|o| o.mentor.is_some()));
        }
    }

    #[test]
    fn learner_optimal_against_brute_force((problem, rules) in instance(5, 3)) {
        let a = assign(&problem, &rules).unwrap();
        let chosen: Vec<Option<u64>> = a
            .outcomes
            .iter()
            .map(|o| if o.chosen() { o.mentor } else { None })
            .collect();
        let all = stable_matchings(&problem);
        prop_assert!(all.contains(&chosen), "the result is not among the stable matchings");
        for s in &all {
            for (i, l) in problem.learners.iter().enumerate() {
                prop_assert!(rank_of(l, chosen[i]) <= rank_of(l, s[i]));
            }
        }
    }

    #[test]
    fn same_seed_same_result((problem, rules) in instance(12, 6)) {
        prop_assert_eq!(assign(&problem, &rules).unwrap(), assign(&problem, &rules).unwrap());
    }
}

fn mentor(id: u64, name: &str, school: u64, capacity: u32) -> Mentor {
    Mentor {
        id,
        name: name.into(),
        school,
        capacity,
        cleared: true,
    }
}

#[test]
fn bad_input_is_named() {
    let rules = SchoolRules::new();
    let base = MentorProblem {
        learners: vec![Learner {
            id: 1,
            school: 1,
            choices: vec![10],
        }],
        mentors: vec![mentor(10, "Ms Patel", 1, 2), mentor(11, "Mr Khan", 2, 1)],
        relationships: vec![],
        seed: 1,
    };
    let with = |choices: Vec<u64>| {
        let mut p = base.clone();
        p.learners[0].choices = choices;
        p
    };
    assert_eq!(
        assign(&with(vec![10, 10]), &rules).unwrap_err(),
        MentorError::DuplicateChoice {
            learner: 1,
            mentor: 10
        }
    );
    assert_eq!(
        assign(&with(vec![99]), &rules).unwrap_err(),
        MentorError::UnknownMentor {
            learner: 1,
            mentor: 99
        }
    );
    assert_eq!(
        assign(&with(vec![11]), &rules).unwrap_err(),
        MentorError::IneligibleChoice {
            learner: 1,
            mentor: 11
        }
    );
    assert_eq!(
        assign(&with(vec![10, 11, 12, 13]), &rules).unwrap_err(),
        MentorError::TooManyChoices {
            learner: 1,
            count: 4
        }
    );
    let mut zero = base.clone();
    zero.mentors[0].capacity = 0;
    assert_eq!(
        assign(&zero, &rules).unwrap_err(),
        MentorError::ZeroCapacity { mentor: 10 }
    );
    assert_eq!(
        assign(&with(vec![11]), &rules).unwrap_err().to_string(),
        "learner 1 ranked mentor 11, who is not allowed to mentor them"
    );
    assert_eq!(
        mentor::validate(&with(vec![11, 11, 99, 10]), &rules).len(),
        4
    );
}

#[test]
fn full_first_choice_is_explained_and_fallback_is_marked() {
    // Mr Khan has room for 2; both go to pupils who knew him; a third loses the draw.
    let mentors = vec![mentor(1, "Mr Khan", 1, 2), mentor(2, "Ms Patel", 1, 3)];
    let learners = vec![
        Learner {
            id: 10,
            school: 1,
            choices: vec![1, 2],
        },
        Learner {
            id: 11,
            school: 1,
            choices: vec![1],
        },
        Learner {
            id: 12,
            school: 1,
            choices: vec![1],
        },
        Learner {
            id: 13,
            school: 1,
            choices: vec![],
        },
    ];
    let problem = MentorProblem {
        learners,
        mentors,
        relationships: vec![(11, 1), (12, 1)],
        seed: 3,
    };
    let a = assign(&problem, &SchoolRules::new()).unwrap();
    let o = a.outcome(10).unwrap();
    assert_eq!(o.route, Route::Choice { rank: 1 });
    assert_eq!(
        o.explanation,
        "You got your second choice, Ms Patel. Your first choice, Mr Khan, had room for 2, and all 2 places went to pupils who already knew Mr Khan."
    );
    let o = a.outcome(13).unwrap();
    assert_eq!(o.route, Route::NoChoices);
    assert_eq!(
        o.explanation,
        "You did not rank any mentors, so we chose Ms Patel, who had space."
    );
}

#[test]
fn fair_draw_and_choices_full_are_explained() {
    let mentors = vec![mentor(1, "Mr Khan", 1, 1), mentor(2, "Ms Patel", 1, 1)];
    let learners = vec![
        Learner {
            id: 10,
            school: 1,
            choices: vec![1],
        },
        Learner {
            id: 11,
            school: 1,
            choices: vec![1],
        },
    ];
    let problem = MentorProblem {
        learners,
        mentors,
        relationships: vec![],
        seed: 9,
    };
    let a = assign(&problem, &SchoolRules::new()).unwrap();
    let loser = a.outcomes.iter().find(|o| !o.chosen()).unwrap();
    assert_eq!(loser.route, Route::ChoicesFull);
    assert_eq!(
        loser.explanation,
        "The mentors you ranked were all full, so we chose Ms Patel, who had space. Your first choice, Mr Khan, had room for 1, but more pupils asked than that, so the places were shared out by a fair draw, like picking names from a hat."
    );
}

#[test]
fn unplaced_learner_is_told_why() {
    let problem = MentorProblem {
        learners: vec![Learner {
            id: 1,
            school: 5,
            choices: vec![],
        }],
        mentors: vec![mentor(10, "Ms Patel", 1, 2)],
        relationships: vec![],
        seed: 0,
    };
    let a = assign(&problem, &SchoolRules::new()).unwrap();
    assert_eq!(
        a.outcomes[0].route,
        Route::Unplaced {
            ranked: false,
            any_eligible: false
        }
    );
    assert_eq!(
        a.outcomes[0].explanation,
        "You did not rank any mentors, and there is no mentor who can work with you yet. A teacher will help you find one."
    );
}

#[test]
fn overrides_are_recorded_and_respect_eligibility() {
    let mut cleared_elsewhere = mentor(12, "Dr Ode", 9, 1);
    cleared_elsewhere.cleared = true;
    let mut not_cleared = mentor(13, "Mr Lee", 1, 1);
    not_cleared.cleared = false;
    let problem = MentorProblem {
        learners: vec![Learner {
            id: 1,
            school: 1,
            choices: vec![10],
        }],
        mentors: vec![
            mentor(10, "Ms Patel", 1, 1),
            mentor(11, "Mr Khan", 1, 1),
            cleared_elsewhere,
            not_cleared,
        ],
        relationships: vec![],
        seed: 0,
    };
    let rules = SchoolRules::new();
    let mut a = assign(&problem, &rules).unwrap();
    let change = |mentor: Option<u64>, reason: &str| Override {
        learner: 1,
        mentor,
        reason: reason.into(),
        by: 77,
    };
    assert_eq!(
        a.apply_override(&problem, &rules, change(Some(13), "asked"))
            .unwrap_err(),
        MentorError::IneligibleOverride {
            learner: 1,
            mentor: 13
        }
    );
    assert_eq!(
        a.apply_override(&problem, &rules, change(Some(11), "  "))
            .unwrap_err(),
        MentorError::EmptyReason { learner: 1 }
    );
    let record = a
        .apply_override(
            &problem,
            &rules,
            change(Some(11), "sibling already with Ms Patel"),
        )
        .unwrap()
        .clone();
    assert_eq!(record.from, Some(10));
    assert_eq!(record.to, Some(11));
    assert!(!record.over_capacity);
    assert_eq!(a.mentor_of(1), Some(11));
    assert_eq!(
        a.outcome(1).unwrap().route,
        Route::Overridden { from: Some(10) }
    );
    assert_eq!(
        a.outcome(1).unwrap().explanation,
        "Your teacher chose Mr Khan as your mentor."
    );
    let loads: HashMap<u64, u32> = a.loads.iter().map(|l| (l.mentor, l.assigned)).collect();
    assert_eq!(loads[&10], 0);
    assert_eq!(loads[&11], 1);
    assert_eq!(a.overrides.len(), 1);
}

#[test]
fn allowed_pairs_eligibility() {
    let allowed: AllowedPairs = [(1, 11)].into_iter().collect();
    let problem = MentorProblem {
        learners: vec![Learner {
            id: 1,
            school: 1,
            choices: vec![],
        }],
        mentors: vec![mentor(10, "Ms Patel", 1, 5), mentor(11, "Mr Khan", 2, 1)],
        relationships: vec![],
        seed: 0,
    };
    let a = assign(&problem, &allowed).unwrap();
    assert_eq!(a.mentor_of(1), Some(11));
}
