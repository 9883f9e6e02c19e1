//! The mentor assignment: learner-proposing deferred acceptance with capacities
//! (Gale–Shapley, hospitals/residents form), plus a fair placement for pupils who chose no
//! one, and a reason for every pupil in words a child can read.
//!
//! Guarantees (checked by the tests below): capacities are respected; the matching among
//! pupils who chose is *stable* — no pupil and mentor both prefer each other to what they
//! got — and it is the best stable matching for every pupil; pupils who chose nobody and
//! already have a mentor keep them.
//!
//! Mentors' priorities over pupils: a pupil they already mentor comes first ("existing
//! good relationships kept where possible"), then a fixed pseudo-random draw, so the result
//! is the same every time it runs on the same data.

use std::collections::{BTreeMap, HashMap, VecDeque};
use village_domain::PersonId;
use village_store::{MentorOutcome, MentoringInputs};

pub struct RunResult {
    pub outcomes: Vec<MentorOutcome>,
    /// Pupils with no mentor and no room anywhere.
    pub unplaced: Vec<PersonId>,
}

/// A fixed, well-mixed draw for (mentor, learner): the tie-break in mentors' priorities.
fn draw(mentor: PersonId, learner: PersonId) -> u64 {
    let mut x = (mentor.0 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (learner.0 as u64);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

fn ordinal(rank: usize) -> &'static str {
    match rank {
        1 => "first",
        2 => "second",
        3 => "third",
        _ => "next",
    }
}

pub fn assign(inputs: &MentoringInputs) -> RunResult {
    let names: HashMap<PersonId, &str> = inputs
        .mentors
        .iter()
        .map(|m| (m.person, m.name.as_str()))
        .collect();
    let capacity: HashMap<PersonId, usize> = inputs
        .mentors
        .iter()
        .map(|m| (m.person, usize::try_from(m.capacity).unwrap_or(0)))
        .collect();
    let current: HashMap<PersonId, Option<PersonId>> = inputs.learners.iter().copied().collect();
    // Each pupil's valid choices, in order.
    let mut prefs: BTreeMap<PersonId, Vec<PersonId>> = BTreeMap::new();
    let mut sorted_choices = inputs.choices.clone();
    sorted_choices.sort_by_key(|c| (c.0, c.2));
    for (learner, mentor, _) in sorted_choices {
        if current.contains_key(&learner) && capacity.contains_key(&mentor) {
            prefs.entry(learner).or_default().push(mentor);
        }
    }
    // Pupils who did not choose and have a mentor keep them, using up a place.
    let mut room: HashMap<PersonId, usize> = capacity.clone();
    for (learner, mentor) in &inputs.learners {
        if let (false, Some(m)) = (prefs.contains_key(learner), mentor) {
            if let Some(r) = room.get_mut(m) {
                *r = r.saturating_sub(1);
            }
        }
    }
    let priority = |mentor: PersonId, learner: PersonId| -> (u8, u64) {
        let knows = current.get(&learner).copied().flatten() == Some(mentor);
        (u8::from(!knows), draw(mentor, learner))
    };

    // Deferred acceptance: pupils propose in order; each mentor holds the best pupils up to
    // their room and lets the rest go.
    let mut next_choice: HashMap<PersonId, usize> = HashMap::new();
    let mut held: HashMap<PersonId, Vec<PersonId>> = HashMap::new();
    let mut free: VecDeque<PersonId> = prefs.keys().copied().collect();
    while let Some(learner) = free.pop_front() {
        let k = next_choice.entry(learner).or_insert(0);
        let Some(mentor) = prefs.get(&learner).and_then(|p| p.get(*k)).copied() else {
            continue;
        };
        *k += 1;
        let cap = room.get(&mentor).copied().unwrap_or(0);
        let list = held.entry(mentor).or_default();
        list.push(learner);
        if list.len() > cap {
            // Let go of the lowest-priority pupil (possibly the one who just asked).
            list.sort_by_key(|l| priority(mentor, *l));
            if let Some(out) = list.pop() {
                free.push_back(out);
            }
        }
    }
    let mut matched: HashMap<PersonId, PersonId> = HashMap::new();
    for (mentor, list) in &held {
        for l in list {
            matched.insert(*l, *mentor);
        }
    }
    let mut used: HashMap<PersonId, usize> = held.iter().map(|(m, l)| (*m, l.len())).collect();

    let mut outcomes = Vec::new();
    let mut unplaced = Vec::new();
    for (learner, mentor_now) in &inputs.learners {
        let choices = prefs.get(learner);
        if let Some(&m) = matched.get(learner) {
            let rank = choices
                .and_then(|c| c.iter().position(|x| *x == m))
                .map_or(1, |p| p + 1);
            let name = names.get(&m).copied().unwrap_or("your mentor");
            let mut why = if rank == 1 {
                format!("You got your first choice, {name}.")
            } else {
                format!("You got your {} choice, {name}.", ordinal(rank))
            };
            for better in choices.into_iter().flatten().take(rank - 1) {
                let bname = names.get(better).copied().unwrap_or("a mentor");
                let cap = room.get(better).copied().unwrap_or(0);
                let knew = held.get(better).map_or(0, |h| {
                    h.iter()
                        .filter(|l| current.get(l).copied().flatten() == Some(*better))
                        .count()
                });
                why.push_str(&if cap == 0 {
                    format!(" {bname} had no places left this time.")
                } else if knew == cap {
                    format!(" {bname} had {cap} places, and they went to pupils {bname} already mentors.")
                } else {
                    format!(" {bname} had {cap} places, and more pupils asked for them; the places went to pupils they already knew first, then by a fair draw.")
                });
            }
            outcomes.push(MentorOutcome {
                learner: *learner,
                mentor: m,
                choice_rank: Some(rank as i64),
                explanation: why,
                override_reason: None,
            });
            continue;
        }
        if choices.is_none() && mentor_now.is_some() {
            continue; // kept their mentor
        }
        // Place where there is the most room left; the same answer every time.
        let best = room
            .iter()
            .map(|(m, r)| (*m, r.saturating_sub(used.get(m).copied().unwrap_or(0))))
            .filter(|(_, free)| *free > 0)
            .max_by_key(|(m, free)| (*free, std::cmp::Reverse(m.0)));
        match best {
            Some((m, _)) => {
                *used.entry(m).or_insert(0) += 1;
                let name = names.get(&m).copied().unwrap_or("a mentor");
                let why = match choices {
                    None => format!(
                        "You did not choose any mentors, so we chose {name}, who had space."
                    ),
                    Some(c) => {
                        let full: Vec<&str> = c
                            .iter()
                            .map(|x| names.get(x).copied().unwrap_or("a mentor"))
                            .collect();
                        format!("All the mentors you chose ({}) were full, so we chose {name}, who had space. You can talk to your tutor about it.", full.join(", "))
                    }
                };
                outcomes.push(MentorOutcome {
                    learner: *learner,
                    mentor: m,
                    choice_rank: None,
                    explanation: why,
                    override_reason: None,
                });
            }
            None => unplaced.push(*learner),
        }
    }
    RunResult { outcomes, unplaced }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
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
            of(1).explanation.contains("already mentors"),
            "{}",
            of(1).explanation
        );
        // Pupil 3 chose nobody and had no mentor: placed where there is room.
        assert!(of(3)
            .explanation
            .starts_with("You did not choose any mentors"));
        assert!(r.unplaced.is_empty());
    }

    #[test]
    fn no_room_anywhere_is_reported_not_hidden() {
        let i = inputs(2, &[1], &[(0, 0, 1), (1, 0, 1)], &[]);
        let r = assign(&i);
        assert_eq!(r.outcomes.len(), 1);
        assert_eq!(r.unplaced.len(), 1);
    }

    /// (learners, capacities, choices as (learner, mentor, rank), current mentors).
    type Instance = (
        usize,
        Vec<i64>,
        Vec<(usize, usize, i64)>,
        Vec<(usize, usize)>,
    );

    fn instance() -> impl Strategy<Value = Instance> {
        (1usize..25, proptest::collection::vec(0i64..4, 1..6)).prop_flat_map(|(n, caps)| {
            let m = caps.len();
            let choices = proptest::collection::vec(
                proptest::sample::subsequence((0..m).collect::<Vec<_>>(), 0..=m.min(3))
                    .prop_shuffle(),
                n,
            );
            let current = proptest::collection::vec(proptest::option::of(0..m), n);
            (Just(n), Just(caps), choices, current).prop_map(|(n, caps, choices, current)| {
                let c = choices
                    .iter()
                    .enumerate()
                    .flat_map(|(l, ms)| {
                        ms.iter()
                            .enumerate()
                            .map(move |(r, m)| (l, *m, r as i64 + 1))
                    })
                    .collect();
                let cur = current
                    .iter()
                    .enumerate()
                    .filter_map(|(l, m)| m.map(|m| (l, m)))
                    .collect();
                (n, caps, c, cur)
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Capacities hold, and no pupil who chose and a mentor would both rather be together.
        #[test]
        fn stable_and_within_capacity((n, caps, choices, current) in instance()) {
            let i = inputs(n, &caps, &choices, &current);
            let r = assign(&i);
            // The run never adds a pupil beyond a mentor's places; pupils who kept an
            // existing mentor (even one now over capacity) used places first.
            for m in &i.mentors {
                let kept = i.learners.iter().filter(|(x, cur)| *cur == Some(m.person) && !i.choices.iter().any(|c| c.0 == *x)).count() as i64;
                let added = r.outcomes.iter().filter(|o| o.mentor == m.person).count() as i64;
                prop_assert!(added <= (m.capacity - kept).max(0), "over capacity");
            }
            // No blocking pair among pupils who chose.
            let current_of = |l: PersonId| i.learners.iter().find(|x| x.0 == l).and_then(|x| x.1);
            let prio = |m: PersonId, l: PersonId| (u8::from(current_of(l) != Some(m)), draw(m, l));
            for (l, _) in &i.learners {
                let mut prefs: Vec<(i64, PersonId)> = i.choices.iter().filter(|c| c.0 == *l).map(|c| (c.2, c.1)).collect();
                prefs.sort();
                if prefs.is_empty() { continue; }
                let got = r.outcomes.iter().find(|o| o.learner == *l && o.choice_rank.is_some()).map(|o| o.mentor);
                for (_, m) in prefs.iter().take_while(|(_, m)| Some(*m) != got) {
                    // l prefers m: m must be full of pupils it ranks higher than l (among
                    // the pupils who chose; pupils who kept a mentor used places first).
                    let holders: Vec<PersonId> = r.outcomes.iter().filter(|o| o.mentor == *m && o.choice_rank.is_some()).map(|o| o.learner).collect();
                    let kept = i.learners.iter().filter(|(x, cur)| *cur == Some(*m) && !i.choices.iter().any(|c| c.0 == *x)).count() as i64;
                    let cap = (i.mentors.iter().find(|x| x.person == *m).map_or(0, |x| x.capacity) - kept).max(0);
                    prop_assert_eq!(holders.len() as i64, cap, "mentor with room rejected a pupil who wanted them");
                    for h in holders {
                        prop_assert!(prio(*m, h) < prio(*m, *l), "blocking pair");
                    }
                }
            }
        }
    }
}
