//! Mentor assignment: learner-proposing deferred acceptance with capacities.
//!
//! Learners (with their parents) rank up to [`MAX_CHOICES`] mentors; each mentor has a
//! capacity. Hard rules (cleared to mentor, same or partner school) come from the caller
//! as an [`Eligibility`]. Each mentor ranks learners by a strict priority:
//!
//! 1. learners with an existing good relationship with the mentor,
//! 2. then learners from the mentor's own school,
//! 3. then a seeded fair draw. The draw is one lottery number per learner (single tie-break),
//!    so the same seed always gives the same result.
//!
//! Deferred acceptance (Gale–Shapley, hospitals/residents form) gives the stable matching
//! that every learner likes at least as much as any other stable matching. Learners who
//! ranked nobody, or whose choices were all full, are then placed with an eligible mentor
//! who still has room, most remaining room first (ties: lowest mentor id), and an
//! augmenting-path pass moves only such placed-not-chosen learners so that as many
//! learners as possible get a mentor. These learners are marked as not chosen. Mentors
//! that rejected someone are full, so this second stage can never create a blocking pair.
//! Leaders may override afterwards ([`MentorAssignment::apply_override`]); overrides are
//! recorded with their reason and never break the eligibility rules.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::text::{mix, ordinal};

/// A learner's id in the caller's records.
pub type LearnerId = u64;
/// A mentor's id in the caller's records.
pub type MentorId = u64;
/// A school's id in the caller's records.
pub type SchoolId = u64;
/// The id of the staff member who made an override.
pub type StaffId = u64;

/// The most mentors a learner may rank.
pub const MAX_CHOICES: usize = 3;

/// An adult who may mentor learners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mentor {
    pub id: MentorId,
    /// How the mentor is named to children, e.g. "Ms Patel".
    pub name: String,
    pub school: SchoolId,
    /// How many learners the mentor can take (at least 1).
    pub capacity: u32,
    /// Whether the adult has been cleared to mentor (used by [`SchoolRules`]).
    pub cleared: bool,
}

/// A learner and their ranked choices, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learner {
    pub id: LearnerId,
    pub school: SchoolId,
    /// Mentor ids, best first; at most [`MAX_CHOICES`], no repeats. May be empty.
    pub choices: Vec<MentorId>,
}

/// Everything the assignment needs besides the eligibility rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentorProblem {
    pub learners: Vec<Learner>,
    pub mentors: Vec<Mentor>,
    /// Existing good relationships (learner, mentor): highest priority with that mentor.
    pub relationships: Vec<(LearnerId, MentorId)>,
    /// Seed of the fair draw that breaks remaining ties.
    pub seed: u64,
}

/// Which mentors could possibly be eligible for a learner: a hint that lets the
/// fallback stage avoid scanning every mentor. It must include every eligible mentor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidates {
    /// Any mentor may be eligible.
    Any,
    /// Only mentors from these schools may be eligible.
    Schools(Vec<SchoolId>),
    /// Only these mentors may be eligible.
    Mentors(Vec<MentorId>),
}

/// The hard rules: may this mentor work with this learner at all?
pub trait Eligibility {
    /// True if the pair is allowed.
    fn allows(&self, learner: &Learner, mentor: &Mentor) -> bool;
    /// A superset of the learner's eligible mentors (default: any mentor).
    fn candidates(&self, _learner: &Learner) -> Candidates {
        Candidates::Any
    }
}

impl<F> Eligibility for F
where
    F: Fn(&Learner, &Mentor) -> bool,
{
    fn allows(&self, learner: &Learner, mentor: &Mentor) -> bool {
        self(learner, mentor)
    }
}

/// The standard rule: the mentor is cleared, and is in the learner's school or in an
/// approved partner school.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolRules {
    partners: BTreeMap<SchoolId, BTreeSet<SchoolId>>,
}

impl SchoolRules {
    /// No partnerships: same school only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Approves a partnership between two schools (both ways).
    pub fn add_partners(&mut self, a: SchoolId, b: SchoolId) {
        self.partners.entry(a).or_default().insert(b);
        self.partners.entry(b).or_default().insert(a);
    }

    /// Builder form of [`SchoolRules::add_partners`].
    #[must_use]
    pub fn with_partners(mut self, a: SchoolId, b: SchoolId) -> Self {
        self.add_partners(a, b);
        self
    }

    fn partnered(&self, a: SchoolId, b: SchoolId) -> bool {
        a == b || self.partners.get(&a).is_some_and(|s| s.contains(&b))
    }
}

impl Eligibility for SchoolRules {
    fn allows(&self, learner: &Learner, mentor: &Mentor) -> bool {
        mentor.cleared && self.partnered(learner.school, mentor.school)
    }

    fn candidates(&self, learner: &Learner) -> Candidates {
        let mut schools = vec![learner.school];
        if let Some(p) = self.partners.get(&learner.school) {
            schools.extend(p.iter().copied());
        }
        Candidates::Schools(schools)
    }
}

/// An explicit list of allowed (learner, mentor) pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedPairs {
    pairs: HashSet<(LearnerId, MentorId)>,
    by_learner: HashMap<LearnerId, Vec<MentorId>>,
}

impl AllowedPairs {
    /// Allows one pair.
    pub fn allow(&mut self, learner: LearnerId, mentor: MentorId) {
        if self.pairs.insert((learner, mentor)) {
            self.by_learner.entry(learner).or_default().push(mentor);
        }
    }
}

impl FromIterator<(LearnerId, MentorId)> for AllowedPairs {
    fn from_iter<I: IntoIterator<Item = (LearnerId, MentorId)>>(iter: I) -> Self {
        let mut out = Self::default();
        for (l, m) in iter {
            out.allow(l, m);
        }
        out
    }
}

impl Eligibility for AllowedPairs {
    fn allows(&self, learner: &Learner, mentor: &Mentor) -> bool {
        self.pairs.contains(&(learner.id, mentor.id))
    }

    fn candidates(&self, learner: &Learner) -> Candidates {
        Candidates::Mentors(
            self.by_learner
                .get(&learner.id)
                .cloned()
                .unwrap_or_default(),
        )
    }
}

/// Bad input, naming the learner or mentor at fault.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum MentorError {
    #[error("mentor {mentor} is listed more than once")]
    DuplicateMentor { mentor: MentorId },
    #[error(
        "mentor {mentor} has room for 0 learners; give them at least one place or leave them out"
    )]
    ZeroCapacity { mentor: MentorId },
    #[error("learner {learner} is listed more than once")]
    DuplicateLearner { learner: LearnerId },
    #[error("learner {learner} ranked {count} mentors; at most 3 are allowed")]
    TooManyChoices { learner: LearnerId, count: usize },
    #[error("learner {learner} ranked mentor {mentor} more than once")]
    DuplicateChoice {
        learner: LearnerId,
        mentor: MentorId,
    },
    #[error("learner {learner} ranked mentor {mentor}, who is not on the list of mentors")]
    UnknownMentor {
        learner: LearnerId,
        mentor: MentorId,
    },
    #[error("learner {learner} ranked mentor {mentor}, who is not allowed to mentor them")]
    IneligibleChoice {
        learner: LearnerId,
        mentor: MentorId,
    },
    #[error("learner {learner} is not in this assignment")]
    UnknownLearner { learner: LearnerId },
    #[error("an override for learner {learner} needs a reason")]
    EmptyReason { learner: LearnerId },
    #[error(
        "mentor {mentor} is not allowed to mentor learner {learner}, so the override was refused"
    )]
    IneligibleOverride {
        learner: LearnerId,
        mentor: MentorId,
    },
}

/// How a learner came to have (or not have) their mentor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Route {
    /// One of the learner's own choices; `rank` 0 is the first choice.
    Choice { rank: usize },
    /// The learner ranked nobody; we chose a mentor with room. Not chosen by the learner.
    NoChoices,
    /// All the learner's choices were full; we chose a mentor with room. Not chosen.
    ChoicesFull,
    /// No eligible mentor had room. `ranked`: the learner had ranked someone;
    /// `any_eligible`: some mentor may work with them at all.
    Unplaced { ranked: bool, any_eligible: bool },
    /// A leader overrode the result; `from` is the mentor before the override.
    Overridden { from: Option<MentorId> },
}

/// One learner's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerOutcome {
    pub learner: LearnerId,
    pub mentor: Option<MentorId>,
    pub route: Route,
    /// Plain words a child can read.
    pub explanation: String,
}

impl LearnerOutcome {
    /// True if the learner got one of their own choices.
    pub fn chosen(&self) -> bool {
        matches!(self.route, Route::Choice { .. })
    }
}

/// How full a mentor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentorLoad {
    pub mentor: MentorId,
    pub capacity: u32,
    pub assigned: u32,
}

/// A leader's decision to change one learner's mentor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub learner: LearnerId,
    /// The new mentor, or `None` to take the learner off the list.
    pub mentor: Option<MentorId>,
    /// Why (kept for staff; not shown to the child).
    pub reason: String,
    pub by: StaffId,
}

/// An applied override, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideRecord {
    pub learner: LearnerId,
    pub from: Option<MentorId>,
    pub to: Option<MentorId>,
    pub reason: String,
    pub by: StaffId,
    /// The new mentor now has more learners than their capacity.
    pub over_capacity: bool,
}

/// The result of [`assign`]: one outcome per learner (input order), mentor loads
/// (input order) and any overrides applied since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentorAssignment {
    pub outcomes: Vec<LearnerOutcome>,
    pub loads: Vec<MentorLoad>,
    pub overrides: Vec<OverrideRecord>,
}

impl MentorAssignment {
    /// The outcome for one learner.
    pub fn outcome(&self, learner: LearnerId) -> Option<&LearnerOutcome> {
        self.outcomes.iter().find(|o| o.learner == learner)
    }

    /// The mentor of one learner, if any.
    pub fn mentor_of(&self, learner: LearnerId) -> Option<MentorId> {
        self.outcome(learner).and_then(|o| o.mentor)
    }

    /// Applies a leader's override and records it. The eligibility rules still hold:
    /// an override to an ineligible mentor is refused. Going over capacity is allowed
    /// but flagged in the record.
    pub fn apply_override<E: Eligibility + ?Sized>(
        &mut self,
        problem: &MentorProblem,
        eligibility: &E,
        change: Override,
    ) -> Result<&OverrideRecord, MentorError> {
        let learner_id = change.learner;
        if change.reason.trim().is_empty() {
            return Err(MentorError::EmptyReason {
                learner: learner_id,
            });
        }
        let learner = problem.learners.iter().find(|l| l.id == learner_id).ok_or(
            MentorError::UnknownLearner {
                learner: learner_id,
            },
        )?;
        let to_mentor = match change.mentor {
            None => None,
            Some(id) => {
                let m = problem.mentors.iter().find(|m| m.id == id).ok_or(
                    MentorError::UnknownMentor {
                        learner: learner_id,
                        mentor: id,
                    },
                )?;
                if !eligibility.allows(learner, m) {
                    return Err(MentorError::IneligibleOverride {
                        learner: learner_id,
                        mentor: id,
                    });
                }
                Some(m)
            }
        };
        let outcome = self
            .outcomes
            .iter_mut()
            .find(|o| o.learner == learner_id)
            .ok_or(MentorError::UnknownLearner {
                learner: learner_id,
            })?;
        let from = outcome.mentor;
        outcome.mentor = to_mentor.map(|m| m.id);
        outcome.route = Route::Overridden { from };
        outcome.explanation = match to_mentor {
            Some(m) => format!("Your teacher chose {} as your mentor.", m.name),
            None => "Your teacher has taken you off the mentor list for now. They will talk to you about it.".to_string(),
        };
        if let Some(f) = from {
            if let Some(load) = self.loads.iter_mut().find(|l| l.mentor == f) {
                load.assigned = load.assigned.saturating_sub(1);
            }
        }
        let mut over_capacity = false;
        if let Some(m) = to_mentor {
            if let Some(load) = self.loads.iter_mut().find(|l| l.mentor == m.id) {
                load.assigned += 1;
                over_capacity = load.assigned > load.capacity;
            }
        }
        self.overrides.push(OverrideRecord {
            learner: learner_id,
            from,
            to: to_mentor.map(|m| m.id),
            reason: change.reason,
            by: change.by,
            over_capacity,
        });
        self.overrides.last().ok_or(MentorError::UnknownLearner {
            learner: learner_id,
        })
    }
}

/// Checks the input and returns every problem found (empty if the input is good).
pub fn validate<E: Eligibility + ?Sized>(
    problem: &MentorProblem,
    eligibility: &E,
) -> Vec<MentorError> {
    let mut errors = Vec::new();
    let mut mentors: HashMap<MentorId, &Mentor> = HashMap::with_capacity(problem.mentors.len());
    for m in &problem.mentors {
        if mentors.insert(m.id, m).is_some() {
            errors.push(MentorError::DuplicateMentor { mentor: m.id });
        }
        if m.capacity == 0 {
            errors.push(MentorError::ZeroCapacity { mentor: m.id });
        }
    }
    let mut seen: HashSet<LearnerId> = HashSet::with_capacity(problem.learners.len());
    for l in &problem.learners {
        if !seen.insert(l.id) {
            errors.push(MentorError::DuplicateLearner { learner: l.id });
        }
        if l.choices.len() > MAX_CHOICES {
            errors.push(MentorError::TooManyChoices {
                learner: l.id,
                count: l.choices.len(),
            });
        }
        let mut ranked: Vec<MentorId> = Vec::with_capacity(l.choices.len());
        for &c in &l.choices {
            if ranked.contains(&c) {
                errors.push(MentorError::DuplicateChoice {
                    learner: l.id,
                    mentor: c,
                });
                continue;
            }
            ranked.push(c);
            match mentors.get(&c) {
                None => errors.push(MentorError::UnknownMentor {
                    learner: l.id,
                    mentor: c,
                }),
                Some(m) if !eligibility.allows(l, m) => {
                    errors.push(MentorError::IneligibleChoice {
                        learner: l.id,
                        mentor: c,
                    });
                }
                Some(_) => {}
            }
        }
    }
    errors
}

/// A mentor's priority for a learner; smaller is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Priority {
    /// 0: existing good relationship; 1: same school; 2: other.
    pub category: u8,
    /// The learner's number in the seeded fair draw (the same at every mentor).
    pub draw: u64,
    /// Final tie-break (draw numbers almost never collide).
    pub learner: LearnerId,
}

/// The priority `mentor` gives `learner` in `problem` (for audits and tests).
pub fn priority(problem: &MentorProblem, learner: &Learner, mentor: &Mentor) -> Priority {
    let related = problem
        .relationships
        .iter()
        .any(|&(l, m)| l == learner.id && m == mentor.id);
    Priority {
        category: category(related, learner, mentor),
        draw: mix(problem.seed, learner.id),
        learner: learner.id,
    }
}

fn category(related: bool, learner: &Learner, mentor: &Mentor) -> u8 {
    if related {
        0
    } else if learner.school == mentor.school {
        1
    } else {
        2
    }
}

/// Internal heap entry: priority and learner index.
type Key = (Priority, usize);

struct Index<'a> {
    problem: &'a MentorProblem,
    by_id: HashMap<MentorId, usize>,
    by_school: HashMap<SchoolId, Vec<usize>>,
}

impl Index<'_> {
    fn mentor(&self, m: usize) -> Option<&Mentor> {
        self.problem.mentors.get(m)
    }

    fn candidate_list<E: Eligibility + ?Sized>(
        &self,
        eligibility: &E,
        learner: &Learner,
    ) -> Vec<usize> {
        match eligibility.candidates(learner) {
            Candidates::Any => (0..self.problem.mentors.len()).collect(),
            Candidates::Schools(schools) => {
                let mut out: Vec<usize> = schools
                    .iter()
                    .filter_map(|s| self.by_school.get(s))
                    .flatten()
                    .copied()
                    .collect();
                out.sort_unstable();
                out.dedup();
                out
            }
            Candidates::Mentors(ids) => {
                let mut out: Vec<usize> = ids
                    .iter()
                    .filter_map(|id| self.by_id.get(id))
                    .copied()
                    .collect();
                out.sort_unstable();
                out.dedup();
                out
            }
        }
    }
}

/// Runs the assignment. Returns the first input problem found, if any (see [`validate`]).
pub fn assign<E: Eligibility + ?Sized>(
    problem: &MentorProblem,
    eligibility: &E,
) -> Result<MentorAssignment, MentorError> {
    if let Some(first) = validate(problem, eligibility).into_iter().next() {
        return Err(first);
    }
    let learners = &problem.learners;
    let mentors = &problem.mentors;
    let mut by_id = HashMap::with_capacity(mentors.len());
    let mut by_school: HashMap<SchoolId, Vec<usize>> = HashMap::new();
    for (i, m) in mentors.iter().enumerate() {
        by_id.insert(m.id, i);
        by_school.entry(m.school).or_default().push(i);
    }
    let index = Index {
        problem,
        by_id,
        by_school,
    };
    let relationships: HashSet<(LearnerId, MentorId)> =
        problem.relationships.iter().copied().collect();
    let lottery: Vec<u64> = learners.iter().map(|l| mix(problem.seed, l.id)).collect();
    let key = |li: usize, l: &Learner, m: &Mentor| -> Key {
        let p = Priority {
            category: category(relationships.contains(&(l.id, m.id)), l, m),
            draw: lottery.get(li).copied().unwrap_or(0),
            learner: l.id,
        };
        (p, li)
    };
    // Choices as mentor indices (validated: all known).
    let choices: Vec<Vec<usize>> = learners
        .iter()
        .map(|l| {
            l.choices
                .iter()
                .filter_map(|c| index.by_id.get(c).copied())
                .collect()
        })
        .collect();

    // Stage 1: learner-proposing deferred acceptance.
    let mut next = vec![0usize; learners.len()];
    let mut held: Vec<BinaryHeap<Key>> = vec![BinaryHeap::new(); mentors.len()];
    let mut free: Vec<usize> = (0..learners.len()).rev().collect();
    while let Some(li) = free.pop() {
        let (Some(l), Some(ch), Some(n)) = (learners.get(li), choices.get(li), next.get_mut(li))
        else {
            continue;
        };
        let Some(&mi) = ch.get(*n) else { continue };
        *n += 1;
        let (Some(m), Some(heap)) = (mentors.get(mi), held.get_mut(mi)) else {
            continue;
        };
        heap.push(key(li, l, m));
        if heap.len() > m.capacity as usize {
            if let Some(worst) = heap.pop() {
                free.push(worst.1);
            }
        }
    }
    let mut assigned: Vec<Option<usize>> = vec![None; learners.len()];
    let mut remaining: Vec<u32> = Vec::with_capacity(mentors.len());
    for (mi, (heap, m)) in held.iter().zip(mentors).enumerate() {
        for k in heap.iter() {
            if let Some(a) = assigned.get_mut(k.1) {
                *a = Some(mi);
            }
        }
        remaining.push(
            m.capacity
                .saturating_sub(u32::try_from(heap.len()).unwrap_or(u32::MAX)),
        );
    }

    // Stage 2: place the rest with a mentor who has room, most room first.
    let mut placed_at: Vec<Option<usize>> = vec![None; learners.len()];
    let mut fallback_at: Vec<Vec<usize>> = vec![Vec::new(); mentors.len()];
    let mut unplaced: Vec<usize> = Vec::new();
    for (li, l) in learners.iter().enumerate() {
        if assigned.get(li).copied().flatten().is_some() {
            continue;
        }
        let mut best: Option<(u32, MentorId, usize)> = None;
        for mi in index.candidate_list(eligibility, l) {
            let room = remaining.get(mi).copied().unwrap_or(0);
            if room == 0 {
                continue;
            }
            let Some(m) = index.mentor(mi) else { continue };
            let better = match best {
                None => true,
                Some((r, id, _)) => room > r || (room == r && m.id < id),
            };
            if better && eligibility.allows(l, m) {
                best = Some((room, m.id, mi));
            }
        }
        match best {
            Some((_, _, mi)) => {
                if let Some(r) = remaining.get_mut(mi) {
                    *r -= 1;
                }
                if let Some(p) = placed_at.get_mut(li) {
                    *p = Some(mi);
                }
                if let Some(list) = fallback_at.get_mut(mi) {
                    list.push(li);
                }
            }
            None => unplaced.push(li),
        }
    }
    augment(
        &index,
        eligibility,
        &unplaced,
        &mut remaining,
        &mut placed_at,
        &mut fallback_at,
    );

    // Explanations.
    let mut outcomes = Vec::with_capacity(learners.len());
    for (li, l) in learners.iter().enumerate() {
        let ch = choices.get(li).map(Vec::as_slice).unwrap_or_default();
        let chosen = assigned.get(li).copied().flatten();
        let rank = chosen.and_then(|mi| ch.iter().position(|&c| c == mi));
        let rejected = ch.get(..rank.unwrap_or(ch.len())).unwrap_or_default();
        let mut reasons = Vec::new();
        for (r, &mi) in rejected.iter().enumerate() {
            let (Some(m), Some(heap)) = (mentors.get(mi), held.get(mi)) else {
                continue;
            };
            let mine = key(li, l, m).0.category;
            let (mut rel, mut school, mut draw) = (0u32, 0u32, 0u32);
            for k in heap.iter() {
                match k.0.category {
                    c if c < mine && c == 0 => rel += 1,
                    c if c < mine => school += 1,
                    _ => draw += 1,
                }
            }
            reasons.push(why_full(r, m, rel, school, draw));
        }
        let name_of = |mi: usize| mentors.get(mi).map(|m| m.name.clone()).unwrap_or_default();
        let (mentor, route, mut text) = if let (Some(mi), Some(r)) = (chosen, rank) {
            (
                Some(mi),
                Route::Choice { rank: r },
                format!("You got your {} choice, {}.", ordinal(r), name_of(mi)),
            )
        } else if let Some(mi) = placed_at.get(li).copied().flatten() {
            if ch.is_empty() {
                (
                    Some(mi),
                    Route::NoChoices,
                    format!(
                        "You did not rank any mentors, so we chose {}, who had space.",
                        name_of(mi)
                    ),
                )
            } else {
                (
                    Some(mi),
                    Route::ChoicesFull,
                    format!(
                        "The mentors you ranked were all full, so we chose {}, who had space.",
                        name_of(mi)
                    ),
                )
            }
        } else {
            let any_eligible = index
                .candidate_list(eligibility, l)
                .into_iter()
                .filter_map(|mi| index.mentor(mi))
                .any(|m| eligibility.allows(l, m));
            let start = if ch.is_empty() {
                "You did not rank any mentors"
            } else {
                "The mentors you ranked were all full"
            };
            let rest = if any_eligible {
                "and every other mentor who can work with you is full too, so you do not have a mentor yet. A teacher will help you find one."
            } else {
                "and there is no mentor who can work with you yet. A teacher will help you find one."
            };
            (
                None,
                Route::Unplaced {
                    ranked: !ch.is_empty(),
                    any_eligible,
                },
                format!("{start}, {rest}"),
            )
        };
        for reason in reasons {
            text.push(' ');
            text.push_str(&reason);
        }
        outcomes.push(LearnerOutcome {
            learner: l.id,
            mentor: mentor.and_then(|mi| mentors.get(mi)).map(|m| m.id),
            route,
            explanation: text,
        });
    }
    let loads = mentors
        .iter()
        .zip(&remaining)
        .map(|(m, r)| MentorLoad {
            mentor: m.id,
            capacity: m.capacity,
            assigned: m.capacity - r,
        })
        .collect();
    Ok(MentorAssignment {
        outcomes,
        loads,
        overrides: Vec::new(),
    })
}

/// Augmenting paths that move only placed-not-chosen learners, so that as many
/// learners as possible get a mentor. Mentors found to lead nowhere are marked dead
/// and never searched again (they stay dead: no later path passes through them).
fn augment<E: Eligibility + ?Sized>(
    index: &Index<'_>,
    eligibility: &E,
    unplaced: &[usize],
    remaining: &mut [u32],
    placed_at: &mut [Option<usize>],
    fallback_at: &mut [Vec<usize>],
) {
    let learners = &index.problem.learners;
    let mentor_count = index.problem.mentors.len();
    let mut dead = vec![false; mentor_count];
    let mut seen_mentor = vec![false; mentor_count];
    let mut came_from: Vec<usize> = vec![0; mentor_count];
    let mut seen_learner: HashSet<usize> = HashSet::new();
    for &start in unplaced {
        let mut touched: Vec<usize> = Vec::new();
        seen_learner.clear();
        seen_learner.insert(start);
        let mut queue = std::collections::VecDeque::from([start]);
        let mut found = None;
        'search: while let Some(u) = queue.pop_front() {
            let Some(lu) = learners.get(u) else { continue };
            for mi in index.candidate_list(eligibility, lu) {
                if dead.get(mi).copied().unwrap_or(true)
                    || seen_mentor.get(mi).copied().unwrap_or(true)
                {
                    continue;
                }
                let Some(m) = index.mentor(mi) else { continue };
                if !eligibility.allows(lu, m) {
                    continue;
                }
                if let Some(s) = seen_mentor.get_mut(mi) {
                    *s = true;
                }
                touched.push(mi);
                if let Some(c) = came_from.get_mut(mi) {
                    *c = u;
                }
                if remaining.get(mi).copied().unwrap_or(0) > 0 {
                    found = Some(mi);
                    break 'search;
                }
                for &w in fallback_at.get(mi).map(Vec::as_slice).unwrap_or_default() {
                    if seen_learner.insert(w) {
                        queue.push_back(w);
                    }
                }
            }
        }
        match found {
            Some(end) => {
                if let Some(r) = remaining.get_mut(end) {
                    *r -= 1;
                }
                let mut mi = end;
                loop {
                    let u = came_from.get(mi).copied().unwrap_or(start);
                    let old = placed_at.get(u).copied().flatten();
                    if let Some(list) = fallback_at.get_mut(mi) {
                        list.push(u);
                    }
                    if let Some(p) = placed_at.get_mut(u) {
                        *p = Some(mi);
                    }
                    match old {
                        Some(pm) if u != start => {
                            if let Some(list) = fallback_at.get_mut(pm) {
                                list.retain(|&x| x != u);
                            }
                            mi = pm;
                        }
                        _ => break,
                    }
                }
                for mi in touched {
                    if let Some(s) = seen_mentor.get_mut(mi) {
                        *s = false;
                    }
                }
            }
            None => {
                for mi in touched {
                    if let Some(d) = dead.get_mut(mi) {
                        *d = true;
                    }
                }
            }
        }
    }
}

/// Why a mentor the learner ranked (0-based `rank`) was full, in plain words.
fn why_full(rank: usize, m: &Mentor, rel: u32, school: u32, draw: u32) -> String {
    let name = &m.name;
    let cap = m.capacity;
    let start = format!("Your {} choice, {name}, had room for {cap}", ordinal(rank));
    let before = rel + school;
    let who = |one: bool| match (rel > 0, school > 0, one) {
        (true, true, _) => format!("pupils who already knew {name} or were in {name}'s school"),
        (true, false, true) => format!("a pupil who already knew {name}"),
        (true, false, false) => format!("pupils who already knew {name}"),
        (false, _, true) => format!("a pupil from {name}'s school"),
        (false, _, false) => format!("pupils from {name}'s school"),
    };
    if draw == 0 {
        if cap == 1 {
            format!("{start}, and that place went to {}.", who(true))
        } else {
            format!("{start}, and all {cap} places went to {}.", who(false))
        }
    } else if before == 0 {
        format!(
            "{start}, but more pupils asked than that, so the places were shared out by a fair draw, like picking names from a hat."
        )
    } else {
        let first = if before == 1 {
            format!("1 place went to {}", who(true))
        } else {
            format!("{before} places went to {}", who(false))
        };
        let rest = if draw == 1 {
            "the last place was given out by a fair draw, like picking names from a hat".to_string()
        } else {
            format!(
                "the other {draw} were shared out by a fair draw, like picking names from a hat"
            )
        };
        format!("{start}. {first}, and {rest}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn example_explanations() {
        // Mr Khan (school 2) has room for 2; both places go to pupils from his school.
        let mentors = vec![mentor(1, "Mr Khan", 2, 2), mentor(2, "Ms Patel", 1, 3)];
        let learners = vec![
            Learner {
                id: 10,
                school: 1,
                choices: vec![1, 2],
            },
            Learner {
                id: 11,
                school: 2,
                choices: vec![1],
            },
            Learner {
                id: 12,
                school: 2,
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
            relationships: vec![(11, 1)],
            seed: 7,
        };
        let rules = SchoolRules::new().with_partners(1, 2);
        let a = assign(&problem, &rules).unwrap();
        let o = a.outcome(10).unwrap();
        assert_eq!(o.mentor, Some(2));
        assert_eq!(
            o.explanation,
            "You got your second choice, Ms Patel. Your first choice, Mr Khan, had room for 2, and all 2 places went to pupils who already knew Mr Khan or were in Mr Khan's school."
        );
        let o = a.outcome(13).unwrap();
        assert_eq!(o.route, Route::NoChoices);
        assert!(!o.chosen());
        assert_eq!(
            o.explanation,
            "You did not rank any mentors, so we chose Ms Patel, who had space."
        );
    }
}
