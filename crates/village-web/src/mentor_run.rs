//! The mentor assignment for one school, on `village_matching::mentor` (learner-proposing
//! deferred acceptance with capacities; stable, learner-optimal, explained).
//!
//! What this adapter adds is the school's situation: pupils who chose no one and already
//! have a mentor keep them. Their places are held by stand-ins who have the mentor's
//! highest priority (an existing relationship) and choose only that mentor, so a pupil
//! turned away from a full mentor is told, truthfully, that the places went to pupils the
//! mentor already knows. Stand-ins are dropped from the result.

use std::collections::HashMap;
use village_domain::PersonId;
use village_matching::mentor::{self, Learner, Mentor, MentorProblem, Route};
use village_store::{MentorOutcome, MentoringInputs};

pub struct RunResult {
    pub outcomes: Vec<MentorOutcome>,
    /// Pupils with no mentor and no room anywhere.
    pub unplaced: Vec<PersonId>,
}

/// Stand-in ids sit far above any real person id.
const STAND_IN_BASE: u64 = 1 << 62;

/// Runs the assignment. All mentors belong to the learners' school, so every mentor with
/// a profile is eligible for every learner here.
pub fn assign(inputs: &MentoringInputs) -> RunResult {
    const SCHOOL: u64 = 1;
    let mut by_learner: HashMap<PersonId, Vec<(i64, PersonId)>> = HashMap::new();
    for (learner, mentor, rank) in &inputs.choices {
        if inputs.mentors.iter().any(|m| m.person == *mentor) {
            by_learner
                .entry(*learner)
                .or_default()
                .push((*rank, *mentor));
        }
    }
    let mut learners = Vec::new();
    let mut relationships = Vec::new();
    let mut stand_ins = 0u64;
    for (learner, current) in &inputs.learners {
        match (by_learner.get_mut(learner), current) {
            (Some(choices), _) => {
                choices.sort();
                learners.push(Learner {
                    id: learner.0 as u64,
                    school: SCHOOL,
                    choices: choices
                        .iter()
                        .take(mentor::MAX_CHOICES)
                        .map(|(_, m)| m.0 as u64)
                        .collect(),
                });
                if let Some(m) = current {
                    relationships.push((learner.0 as u64, m.0 as u64));
                }
            }
            (None, Some(m)) if inputs.mentors.iter().any(|x| x.person == *m) => {
                stand_ins += 1;
                let id = STAND_IN_BASE + stand_ins;
                learners.push(Learner {
                    id,
                    school: SCHOOL,
                    choices: vec![m.0 as u64],
                });
                relationships.push((id, m.0 as u64));
            }
            (None, Some(_)) => {} // keeps a mentor from outside this list
            (None, None) => learners.push(Learner {
                id: learner.0 as u64,
                school: SCHOOL,
                choices: Vec::new(),
            }),
        }
    }
    let problem = MentorProblem {
        learners,
        mentors: inputs
            .mentors
            .iter()
            .map(|m| Mentor {
                id: m.person.0 as u64,
                name: m.name.clone(),
                school: SCHOOL,
                capacity: u32::try_from(m.capacity.max(1)).unwrap_or(1),
                cleared: true,
            })
            .collect(),
        relationships,
        seed: 2026,
    };
    let assignment = match mentor::assign(&problem, &mentor::SchoolRules::new()) {
        Ok(a) => a,
        Err(e) => {
            // Inputs come from our own tables, so this means a bug: nobody is moved.
            tracing::error!(error = %e, "mentor assignment refused its inputs");
            return RunResult {
                outcomes: Vec::new(),
                unplaced: Vec::new(),
            };
        }
    };
    let mut outcomes = Vec::new();
    let mut unplaced = Vec::new();
    for o in assignment
        .outcomes
        .iter()
        .filter(|o| o.learner < STAND_IN_BASE)
    {
        let learner = PersonId(o.learner as i64);
        match o.mentor {
            Some(m) => outcomes.push(MentorOutcome {
                learner,
                mentor: PersonId(m as i64),
                choice_rank: match o.route {
                    Route::Choice { rank } => Some(rank as i64 + 1),
                    _ => None,
                },
                explanation: o.explanation.clone(),
                override_reason: None,
            }),
            None => unplaced.push(learner),
        }
    }
    RunResult { outcomes, unplaced }
}

#[cfg(test)]
mod tests {
    use super::*;
    use village_store::MentorProfile;

    fn inputs(
        learners: usize,
        caps: &[i64],
        choices: &[(usize, usize, i64)],
        current: &[(usize, usize)],
    ) -> MentoringInputs {
        MentoringInputs {
            learners: (0..learners)
                .map(|l| {
                    let cur = current
                        .iter()
                        .find(|c| c.0 == l)
                        .map(|c| PersonId(1000 + c.1 as i64));
                    (PersonId(l as i64 + 1), cur)
                })
                .collect(),
            choices: choices
                .iter()
                .map(|(l, m, r)| (PersonId(*l as i64 + 1), PersonId(1000 + *m as i64), *r))
                .collect(),
            mentors: caps
                .iter()
                .enumerate()
                .map(|(i, c)| MentorProfile {
                    person: PersonId(1000 + i as i64),
                    name: format!("Mentor {i}"),
                    about: String::new(),
                    interests: String::new(),
                    capacity: *c,
                    mentees: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn first_choices_when_there_is_room_and_reasons_when_not() {
        // Two pupils want mentor 0, who has one place; pupil 1 already knows them.
        let i = inputs(
            3,
            &[1, 2],
            &[(0, 0, 1), (0, 1, 2), (1, 0, 1), (1, 1, 2)],
            &[(1, 0)],
        );
        let r = assign(&i);
        let of = |l: i64| {
            r.outcomes
                .iter()
                .find(|o| o.learner == PersonId(l))
                .unwrap()
        };
        assert_eq!(of(2).mentor, PersonId(1000));
        assert_eq!(of(2).choice_rank, Some(1));
        assert_eq!(of(1).mentor, PersonId(1001));
        assert!(
            of(1)
                .explanation
                .starts_with("You got your second choice, Mentor 1."),
            "{}",
            of(1).explanation
        );
        assert!(
            of(1).explanation.contains("already knew Mentor 0"),
            "{}",
            of(1).explanation
        );
        // Pupil 3 chose nobody and had no mentor: placed where there is room.
        assert_eq!(of(3).choice_rank, None);
        assert!(r.unplaced.is_empty());
    }

    #[test]
    fn no_room_anywhere_is_reported_not_hidden() {
        let i = inputs(2, &[1], &[(0, 0, 1), (1, 0, 1)], &[]);
        let r = assign(&i);
        assert_eq!(r.outcomes.len(), 1);
        assert_eq!(r.unplaced.len(), 1);
    }
}
