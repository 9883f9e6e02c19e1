//! Property tests for challenge teams.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use village_matching::teams::{
    form_teams, Challenge, ChallengeLearner, Infeasibility, TeamOptions, TeamProblem, TeamsError,
};

const DOMAINS: [&str; 3] = ["science", "art", "sport"];

fn instance() -> impl Strategy<Value = TeamProblem> {
    (
        proptest::collection::vec((0u32..4, 0u32..5, 0usize..3), 1..=6),
        proptest::collection::vec(
            (
                proptest::collection::vec(0u64..6, 0..=5),
                proptest::collection::vec(0u8..5, 3),
            ),
            0..=16,
        ),
        any::<bool>(),
    )
        .prop_map(|(cs, ls, close)| {
            let challenges: Vec<Challenge> = cs
                .iter()
                .enumerate()
                .map(|(i, &(min, extra, d))| Challenge {
                    id: i as u64,
                    name: format!("Challenge {i}"),
                    coach: format!("Coach {i}"),
                    domain: DOMAINS[d].into(),
                    min_size: min,
                    max_size: (min + extra).max(1),
                })
                .collect();
            let n = challenges.len() as u64;
            let learners = ls
                .into_iter()
                .enumerate()
                .map(|(i, (picks, strengths))| {
                    let mut choices = Vec::new();
                    for p in picks {
                        if !choices.contains(&(p % n)) {
                            choices.push(p % n);
                        }
                    }
                    ChallengeLearner {
                        id: i as u64,
                        choices,
                        strengths: DOMAINS
                            .iter()
                            .zip(strengths)
                            .map(|(d, s)| (d.to_string(), s))
                            .collect(),
                    }
                })
                .collect();
            TeamProblem {
                challenges,
                learners,
                options: TeamOptions {
                    close_undersubscribed: close,
                    ..TeamOptions::default()
                },
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn capacities_respected_and_everyone_placed_when_feasible(problem in instance()) {
        let n = problem.learners.len() as u64;
        let total_min: u64 = problem.challenges.iter().map(|c| u64::from(c.min_size)).sum();
        let total_max: u64 = problem.challenges.iter().map(|c| u64::from(c.max_size)).sum();
        match form_teams(&problem) {
            Err(TeamsError::Infeasible(reasons)) => {
                prop_assert!(!problem.options.close_undersubscribed);
                prop_assert!(total_min > n);
                let first_is_minimums = matches!(reasons[0], Infeasibility::MinimumsExceedLearners { .. });
                prop_assert!(first_is_minimums);
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
            Ok(plan) => {
                prop_assert!(total_min <= n || problem.options.close_undersubscribed);
                let mut placed = 0u64;
                for (t, c) in plan.teams.iter().zip(&problem.challenges) {
                    let size = t.members.len() as u32;
                    if t.running {
                        prop_assert!(size >= c.min_size && size <= c.max_size, "team {} has {size}", c.id);
                    } else {
                        prop_assert_eq!(size, 0);
                    }
                    placed += u64::from(size);
                }
                let open_max: u64 = plan
                    .teams
                    .iter()
                    .zip(&problem.challenges)
                    .filter(|(t, _)| t.running)
                    .map(|(_, c)| u64::from(c.max_size))
                    .sum();
                prop_assert_eq!(placed, n.min(open_max));
                if total_min <= n && n <= total_max {
                    prop_assert!(plan.placements.iter().all(|p| p.challenge.is_some()));
                }
                for p in &plan.placements {
                    prop_assert!(!p.explanation.is_empty());
                    if let Some(c) = p.challenge {
                        let team = plan.teams.iter().find(|t| t.challenge == c).unwrap();
                        prop_assert!(team.members.contains(&p.learner));
                    }
                }
            }
        }
    }
}

#[test]
fn full_first_choice_is_explained() {
    let ch = |id: u64, name: &str, domain: &str, max: u32| Challenge {
        id,
        name: name.into(),
        coach: "Ms Ade".into(),
        domain: domain.into(),
        min_size: 0,
        max_size: max,
    };
    let problem = TeamProblem {
        challenges: vec![ch(1, "Rocket Lab", "science", 1), ch(2, "Mural", "art", 3)],
        learners: vec![
            ChallengeLearner {
                id: 1,
                choices: vec![1],
                strengths: vec![],
            },
            ChallengeLearner {
                id: 2,
                choices: vec![1, 2],
                strengths: vec![("art".into(), 1)],
            },
        ],
        options: TeamOptions::default(),
    };
    let plan = form_teams(&problem).unwrap();
    assert_eq!(plan.placements[0].challenge, Some(1));
    assert_eq!(
        plan.placements[1].explanation,
        "You are in Mural, your second choice, coached by Ms Ade. It is in art, which you are still growing in, so it will stretch you. Rocket Lab was full."
    );
}

#[test]
fn bad_sizes_and_too_few_places_are_reported() {
    let mut problem = TeamProblem {
        challenges: vec![Challenge {
            id: 1,
            name: "Choir".into(),
            coach: "Mr Bo".into(),
            domain: "music".into(),
            min_size: 3,
            max_size: 2,
        }],
        learners: vec![],
        options: TeamOptions::default(),
    };
    assert_eq!(
        form_teams(&problem).unwrap_err(),
        TeamsError::InvalidSize {
            challenge: 1,
            min: 3,
            max: 2
        }
    );
    problem.challenges[0].min_size = 0;
    problem.learners = (0..3)
        .map(|i| ChallengeLearner {
            id: i,
            choices: vec![1],
            strengths: vec![],
        })
        .collect();
    let plan = form_teams(&problem).unwrap();
    assert_eq!(
        plan.notices,
        vec!["The challenges have 2 places in all, but 3 pupils are taking part, so 1 cannot be placed. More places or more challenges are needed.".to_string()]
    );
    assert_eq!(
        plan.placements
            .iter()
            .filter(|p| p.challenge.is_none())
            .count(),
        1
    );
}
