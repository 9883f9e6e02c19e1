//! Personal challenge teams: forming teams from ranked choices, favouring stretch.
//!
//! Each learner goes to exactly one challenge. The plan is a minimum-cost maximum flow
//! (learners → challenges → sink) in which, lexicographically:
//!
//! 1. as many learners as possible are placed (everyone, if there are enough places);
//! 2. every running challenge reaches its minimum team size (the first `min_size`
//!    places of each team carry a large bonus);
//! 3. the sum of preference costs is as small as possible: a ranked choice costs
//!    `rank_weight × rank`, an unranked challenge `unranked_penalty`, and each costs
//!    `stretch_weight × strength` in its domain, so challenges in domains a learner is
//!    not yet strong in are favoured; team sizes are balanced by a marginal cost that
//!    grows as a team fills (`balance_weight`).
//!
//! Impossible constraints are explained in plain words: if the minimum team sizes add
//! up to more than the number of learners, [`form_teams`] returns
//! [`TeamsError::Infeasible`], or (with `close_undersubscribed`) closes the challenges
//! with the least demand and says so. If there are more learners than places, as many
//! as possible are placed and the plan carries a notice.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::flow::{Network, Stop};
use crate::text::{join_and, ordinal};

/// A challenge's id in the caller's records.
pub type ChallengeId = u64;
/// A learner's id in the caller's records.
pub type LearnerId = u64;

/// One challenge on the menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub id: ChallengeId,
    pub name: String,
    /// The coach's name, as children know them.
    pub coach: String,
    /// The domain in words, e.g. "science".
    pub domain: String,
    pub min_size: u32,
    pub max_size: u32,
}

/// A learner's ranked choices and strengths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeLearner {
    pub id: LearnerId,
    /// Challenge ids, best first (at most `max_choices`, no repeats).
    pub choices: Vec<ChallengeId>,
    /// Strength per domain, 0 (new) to 4 (very strong); missing domains count as 0.
    pub strengths: Vec<(String, u8)>,
}

/// Weights and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamOptions {
    pub max_choices: usize,
    /// Strength at or above which a learner is "already strong" in a domain.
    pub strong_level: u8,
    pub rank_weight: i64,
    pub stretch_weight: i64,
    pub unranked_penalty: i64,
    pub balance_weight: i64,
    /// If the minimum sizes cannot all be met, close the least-wanted challenges
    /// instead of returning an error.
    pub close_undersubscribed: bool,
}

impl Default for TeamOptions {
    fn default() -> Self {
        Self {
            max_choices: 5,
            strong_level: 3,
            rank_weight: 10,
            stretch_weight: 6,
            unranked_penalty: 80,
            balance_weight: 1,
            close_undersubscribed: false,
        }
    }
}

/// The menu, the learners and the options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamProblem {
    pub challenges: Vec<Challenge>,
    pub learners: Vec<ChallengeLearner>,
    pub options: TeamOptions,
}

/// One team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub challenge: ChallengeId,
    pub running: bool,
    pub members: Vec<LearnerId>,
    /// Plain words about the team.
    pub note: String,
}

/// One learner's place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPlacement {
    pub learner: LearnerId,
    pub challenge: Option<ChallengeId>,
    /// Position in the learner's choices (0 = first), if it was one of them.
    pub rank: Option<usize>,
    /// The challenge is in a domain the learner is not already strong in.
    pub stretch: bool,
    /// Plain words a child can read.
    pub explanation: String,
}

/// The plan: teams (menu order), placements (learner order) and notices for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPlan {
    pub teams: Vec<Team>,
    pub placements: Vec<TeamPlacement>,
    pub notices: Vec<String>,
}

/// A constraint that cannot be met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Infeasibility {
    /// The minimum team sizes add up to more than the number of learners.
    MinimumsExceedLearners { total_min: u64, learners: u64 },
    /// There are fewer places than learners.
    NotEnoughPlaces { total_max: u64, learners: u64 },
}

impl Infeasibility {
    /// The problem in plain words.
    pub fn explain(&self) -> String {
        match self {
            Self::MinimumsExceedLearners { total_min, learners } => format!(
                "Every challenge needs a minimum number of pupils, and together that is {total_min} pupils, but only {learners} are taking part. Some challenges need to close, or their minimum sizes need to be lower."
            ),
            Self::NotEnoughPlaces { total_max, learners } => format!(
                "The challenges have {total_max} places in all, but {learners} pupils are taking part, so {} cannot be placed. More places or more challenges are needed.",
                learners.saturating_sub(*total_max)
            ),
        }
    }
}

/// Bad input or impossible constraints.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum TeamsError {
    #[error("challenge {challenge} is listed more than once")]
    DuplicateChallenge { challenge: ChallengeId },
    #[error("learner {learner} is listed more than once")]
    DuplicateLearner { learner: LearnerId },
    #[error("challenge {challenge} has team size {min}..={max}; the maximum must be at least 1 and not below the minimum")]
    InvalidSize {
        challenge: ChallengeId,
        min: u32,
        max: u32,
    },
    #[error("learner {learner} ranked {count} challenges; at most {max} are allowed")]
    TooManyChoices {
        learner: LearnerId,
        count: usize,
        max: usize,
    },
    #[error("learner {learner} ranked challenge {challenge} more than once")]
    DuplicateChoice {
        learner: LearnerId,
        challenge: ChallengeId,
    },
    #[error("learner {learner} ranked challenge {challenge}, which is not on the menu")]
    UnknownChallenge {
        learner: LearnerId,
        challenge: ChallengeId,
    },
    #[error("{}", .0.iter().map(Infeasibility::explain).collect::<Vec<_>>().join(" "))]
    Infeasible(Vec<Infeasibility>),
}

/// Checks the input; returns every problem found (not including infeasibility).
pub fn validate(problem: &TeamProblem) -> Vec<TeamsError> {
    let mut errors = Vec::new();
    let mut ids = HashSet::new();
    for c in &problem.challenges {
        if !ids.insert(c.id) {
            errors.push(TeamsError::DuplicateChallenge { challenge: c.id });
        }
        if c.max_size == 0 || c.min_size > c.max_size {
            errors.push(TeamsError::InvalidSize {
                challenge: c.id,
                min: c.min_size,
                max: c.max_size,
            });
        }
    }
    let mut seen = HashSet::new();
    for l in &problem.learners {
        if !seen.insert(l.id) {
            errors.push(TeamsError::DuplicateLearner { learner: l.id });
        }
        if l.choices.len() > problem.options.max_choices {
            errors.push(TeamsError::TooManyChoices {
                learner: l.id,
                count: l.choices.len(),
                max: problem.options.max_choices,
            });
        }
        let mut ranked = Vec::new();
        for &c in &l.choices {
            if ranked.contains(&c) {
                errors.push(TeamsError::DuplicateChoice {
                    learner: l.id,
                    challenge: c,
                });
            } else if !ids.contains(&c) {
                errors.push(TeamsError::UnknownChallenge {
                    learner: l.id,
                    challenge: c,
                });
            }
            ranked.push(c);
        }
    }
    errors
}

fn strength(l: &ChallengeLearner, domain: &str) -> u8 {
    l.strengths
        .iter()
        .filter(|(d, _)| d == domain)
        .map(|&(_, s)| s)
        .max()
        .unwrap_or(0)
        .min(10)
}

/// Forms the teams (see the module docs).
pub fn form_teams(problem: &TeamProblem) -> Result<TeamPlan, TeamsError> {
    if let Some(e) = validate(problem).into_iter().next() {
        return Err(e);
    }
    let opts = &problem.options;
    let challenges = &problem.challenges;
    let learners = &problem.learners;
    let n = learners.len() as u64;
    let mut open = vec![true; challenges.len()];
    let mut notices = Vec::new();
    let total_min = |open: &[bool]| -> u64 {
        challenges
            .iter()
            .zip(open)
            .filter(|(_, &o)| o)
            .map(|(c, _)| u64::from(c.min_size))
            .sum()
    };
    let tm = total_min(&open);
    if tm > n {
        let problem_found = Infeasibility::MinimumsExceedLearners {
            total_min: tm,
            learners: n,
        };
        if !opts.close_undersubscribed {
            return Err(TeamsError::Infeasible(vec![problem_found]));
        }
        notices.push(problem_found.explain());
        // Demand: a first choice counts max_choices, a last choice 1.
        let mut demand = vec![0u64; challenges.len()];
        let pos: HashMap<ChallengeId, usize> = challenges
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        for l in learners {
            for (r, c) in l.choices.iter().enumerate() {
                if let Some(d) = pos.get(c).and_then(|&i| demand.get_mut(i)) {
                    *d += (opts.max_choices.saturating_sub(r)) as u64;
                }
            }
        }
        while total_min(&open) > n {
            let pick = challenges
                .iter()
                .enumerate()
                .filter(|(i, c)| open.get(*i).copied().unwrap_or(false) && c.min_size > 0)
                .min_by_key(|(i, c)| {
                    (
                        demand.get(*i).copied().unwrap_or(0),
                        std::cmp::Reverse(c.min_size),
                        c.id,
                    )
                });
            let Some((i, c)) = pick else { break };
            if let Some(o) = open.get_mut(i) {
                *o = false;
            }
            notices.push(format!(
                "{} is not running this time, because it had the fewest pupils asking for it.",
                c.name
            ));
        }
    }
    let total_max: u64 = challenges
        .iter()
        .zip(&open)
        .filter(|(_, &o)| o)
        .map(|(c, _)| u64::from(c.max_size))
        .sum();
    if total_max < n {
        notices.push(
            Infeasibility::NotEnoughPlaces {
                total_max,
                learners: n,
            }
            .explain(),
        );
    }

    // Network: source, learners, challenges, sink.
    let nl = learners.len();
    let nc = challenges.len();
    let source = 0;
    let sink = nl + nc + 1;
    let mut g = Network::new(nl + nc + 2);
    let unit_max = opts
        .unranked_penalty
        .max(opts.rank_weight.saturating_mul(opts.max_choices as i64))
        .saturating_add(opts.stretch_weight.saturating_mul(10))
        .saturating_add(opts.balance_weight.saturating_mul(10))
        .max(1);
    let big = unit_max.saturating_mul(n as i64 + 1).saturating_add(1);
    let mut arcs: Vec<Vec<(usize, usize)>> = Vec::with_capacity(nl);
    for (li, l) in learners.iter().enumerate() {
        g.add_arc(source, 1 + li, 1, 0);
        let mut mine = Vec::with_capacity(nc);
        for (ci, c) in challenges.iter().enumerate() {
            if !open.get(ci).copied().unwrap_or(false) {
                continue;
            }
            let base = match l.choices.iter().position(|&x| x == c.id) {
                Some(r) => opts.rank_weight.saturating_mul(r as i64),
                None => opts.unranked_penalty,
            };
            let cost = base.saturating_add(
                opts.stretch_weight
                    .saturating_mul(i64::from(strength(l, &c.domain))),
            );
            if let Some(id) = g.add_arc(1 + li, 1 + nl + ci, 1, cost) {
                mine.push((id, ci));
            }
        }
        arcs.push(mine);
    }
    for (ci, c) in challenges.iter().enumerate() {
        if !open.get(ci).copied().unwrap_or(false) {
            continue;
        }
        for k in 1..=c.max_size {
            let cost = if k <= c.min_size {
                -big
            } else {
                opts.balance_weight
                    .saturating_mul(i64::from(k) * 10 / i64::from(c.max_size))
            };
            g.add_arc(1 + nl + ci, sink, 1, cost);
        }
    }
    g.run(source, sink, i64::MAX, Stop::MaxFlow);
    let placed: Vec<Option<usize>> = arcs
        .iter()
        .map(|list| {
            list.iter()
                .find(|&&(id, _)| g.flow_on(id) > 0)
                .map(|&(_, ci)| ci)
        })
        .collect();
    let mut members: Vec<Vec<LearnerId>> = vec![Vec::new(); nc];
    for (l, p) in learners.iter().zip(&placed) {
        if let Some(list) = p.and_then(|ci| members.get_mut(ci)) {
            list.push(l.id);
        }
    }

    let by_id: HashMap<ChallengeId, usize> = challenges
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let strong = opts.strong_level;
    let mut placements = Vec::with_capacity(nl);
    for (l, p) in learners.iter().zip(&placed) {
        let Some((ci, c)) = p.and_then(|ci| challenges.get(ci).map(|c| (ci, c))) else {
            placements.push(TeamPlacement {
                learner: l.id,
                challenge: None,
                rank: None,
                stretch: false,
                explanation: "There were not enough places in the challenges for everyone, so you do not have a team yet. A teacher will talk to you about it.".to_string(),
            });
            continue;
        };
        let rank = l.choices.iter().position(|&x| x == c.id);
        let level = strength(l, &c.domain);
        let stretch = level < strong;
        let mut text = match rank {
            Some(r) => format!(
                "You are in {}, your {} choice, coached by {}.",
                c.name,
                ordinal(r),
                c.coach
            ),
            None if l.choices.is_empty() => format!(
                "You did not choose any challenges, so we placed you in {}, coached by {}.",
                c.name, c.coach
            ),
            None => format!(
                "You are in {}, coached by {}. It was not one of your choices.",
                c.name, c.coach
            ),
        };
        text.push(' ');
        text.push_str(&if level >= strong {
            format!(
                "You are already strong in {}, so you can help your team.",
                c.domain
            )
        } else if level == 0 {
            format!(
                "It is in {}, which is new for you, so it will stretch you.",
                c.domain
            )
        } else {
            format!(
                "It is in {}, which you are still growing in, so it will stretch you.",
                c.domain
            )
        });
        let earlier = &l
            .choices
            .get(..rank.unwrap_or(l.choices.len()))
            .unwrap_or_default();
        let mut full = Vec::new();
        let mut closed = Vec::new();
        let mut strong_in = Vec::new();
        let mut balance = false;
        for id in earlier.iter() {
            let Some(&hi) = by_id.get(id) else { continue };
            let Some(h) = challenges.get(hi) else {
                continue;
            };
            let size = members.get(hi).map_or(0, Vec::len);
            if !open.get(hi).copied().unwrap_or(false) {
                closed.push(h.name.clone());
            } else if size >= h.max_size as usize {
                full.push(h.name.clone());
            } else if stretch && strength(l, &h.domain) >= strong {
                strong_in.push(format!("{} ({})", h.name, h.domain));
            } else {
                balance = true;
            }
        }
        if !closed.is_empty() {
            let verb = if closed.len() == 1 { "is" } else { "are" };
            text.push_str(&format!(
                " {} {verb} not running this time.",
                join_and(&closed)
            ));
        }
        if !full.is_empty() {
            let verb = if full.len() == 1 { "was" } else { "were" };
            text.push_str(&format!(" {} {verb} full.", join_and(&full)));
        }
        if !strong_in.is_empty() {
            text.push_str(&format!(
                " You are already strong in the area of {}, so we picked a challenge that stretches you more.",
                join_and(&strong_in)
            ));
        }
        if balance {
            text.push_str(&format!(
                " We needed you in {} so that every team has enough pupils and the teams are a fair size.",
                c.name
            ));
        }
        let _ = ci;
        placements.push(TeamPlacement {
            learner: l.id,
            challenge: Some(c.id),
            rank,
            stretch,
            explanation: text,
        });
    }
    let teams = challenges
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let running = open.get(ci).copied().unwrap_or(false);
            let list = members.get(ci).cloned().unwrap_or_default();
            let note = if running {
                format!(
                    "{} pupils (between {} and {}), coached by {}.",
                    list.len(),
                    c.min_size,
                    c.max_size,
                    c.coach
                )
            } else {
                "Not running this time: there were not enough pupils to fill every team's minimum, and this challenge had the fewest pupils asking for it.".to_string()
            };
            Team {
                challenge: c.id,
                running,
                members: list,
                note,
            }
        })
        .collect();
    Ok(TeamPlan {
        teams,
        placements,
        notices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(id: u64, name: &str, domain: &str, min: u32, max: u32) -> Challenge {
        Challenge {
            id,
            name: name.into(),
            coach: "Mr Obi".into(),
            domain: domain.into(),
            min_size: min,
            max_size: max,
        }
    }

    #[test]
    fn stretch_beats_strength() {
        let problem = TeamProblem {
            challenges: vec![
                ch(1, "Rocket Lab", "science", 0, 4),
                ch(2, "Mural", "art", 0, 4),
            ],
            learners: vec![ChallengeLearner {
                id: 7,
                choices: vec![1, 2],
                strengths: vec![("science".into(), 4)],
            }],
            options: TeamOptions::default(),
        };
        let plan = form_teams(&problem).unwrap();
        let p = &plan.placements[0];
        assert_eq!(p.challenge, Some(2));
        assert!(p.stretch);
        assert_eq!(p.explanation, "You are in Mural, your second choice, coached by Mr Obi. It is in art, which is new for you, so it will stretch you. You are already strong in the area of Rocket Lab (science), so we picked a challenge that stretches you more.");
    }

    #[test]
    fn impossible_minimums_are_explained() {
        let problem = TeamProblem {
            challenges: vec![
                ch(1, "Rocket Lab", "science", 3, 4),
                ch(2, "Mural", "art", 3, 4),
            ],
            learners: (0..4)
                .map(|i| ChallengeLearner {
                    id: i,
                    choices: vec![2],
                    strengths: vec![],
                })
                .collect(),
            options: TeamOptions::default(),
        };
        let err = form_teams(&problem).unwrap_err();
        assert_eq!(err.to_string(), "Every challenge needs a minimum number of pupils, and together that is 6 pupils, but only 4 are taking part. Some challenges need to close, or their minimum sizes need to be lower.");
        let mut closing = problem.clone();
        closing.options.close_undersubscribed = true;
        let plan = form_teams(&closing).unwrap();
        assert!(!plan.teams[0].running);
        assert_eq!(plan.teams[1].members.len(), 4);
        assert!(plan.notices[1].starts_with("Rocket Lab is not running"));
    }
}
