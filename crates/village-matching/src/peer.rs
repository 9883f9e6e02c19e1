//! Peer tutoring: pairing tutees with tutors a rung or two ahead (or older).
//!
//! Candidate pairs must satisfy the rung rules ([`PeerRules`]) and share at least one
//! free slot. Each tutee keeps its `max_candidates` best candidate tutors (lowest
//! [`pair_penalty`]), so the graph stays small. On that graph the matching is exact: a
//! minimum-cost flow (successive shortest paths with potentials, see the crate docs)
//! that, lexicographically,
//!
//! 1. maximises the total need of matched tutees, then
//! 2. minimises the total penalty: rung gap beyond the smallest allowed gap, few shared
//!    slots, and tutors taking a second or third tutee ([`load_penalty`]).
//!
//! It is exactly optimal whenever no tutee has more eligible tutors than
//! `max_candidates` (always true on small instances).
//!
//! [`rematch`] handles a tutor leaving mid-programme with minimal perturbation.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::flow::{Network, Stop};
use crate::text::{join_and, number};

/// A pupil's id in the caller's records.
pub type PupilId = u64;

/// The most tutees one tutor may take.
pub const MAX_TUTOR_CAPACITY: u32 = 8;
/// The largest need weight.
pub const MAX_NEED: u32 = 100;
/// Penalty per rung of gap beyond the smallest allowed gap.
pub const GAP_STEP: u64 = 10;
/// Extra penalty for a pair allowed only by the older-pupil route.
pub const OLDER_ROUTE: u64 = 15;
/// Penalty per missing shared slot below three.
pub const SLOT_STEP: u64 = 8;
/// Penalty for a tutor's second tutee; the third costs twice this, and so on.
pub const LOAD_STEP: u64 = 12;

/// A pupil who tutors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tutor {
    pub id: PupilId,
    /// How the pupil is named to other children.
    pub name: String,
    /// Rung on the subject's ladder (higher is further along).
    pub rung: i32,
    /// School year.
    pub year: u8,
    /// How many tutees (usually 1 or 2; at most [`MAX_TUTOR_CAPACITY`]).
    pub capacity: u32,
    /// Free slots: bit `i` set means free in slot `i` (named by [`PeerProblem::slot_names`]).
    pub free_slots: u64,
}

/// A pupil who is tutored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tutee {
    pub id: PupilId,
    pub name: String,
    pub rung: i32,
    pub year: u8,
    /// How much this pupil needs a tutor, 1 to [`MAX_NEED`].
    pub need: u32,
    pub free_slots: u64,
}

/// The older-pupil route: a tutor at least `min_years` older may tutor even outside the
/// ladder gap, if their rung is at least `min_gap` above the tutee's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OlderRule {
    pub min_years: u8,
    pub min_gap: i32,
}

/// Which pairs are allowed, and how big the candidate graph may be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerRules {
    /// Smallest rung gap (tutor rung minus tutee rung), e.g. 1.
    pub min_gap: i32,
    /// Largest rung gap, e.g. 2.
    pub max_gap: i32,
    pub older: Option<OlderRule>,
    /// How many best candidate tutors each tutee keeps (at least 1).
    pub max_candidates: usize,
}

impl Default for PeerRules {
    fn default() -> Self {
        Self {
            min_gap: 1,
            max_gap: 2,
            older: None,
            max_candidates: 32,
        }
    }
}

/// One programme (one subject, usually one school).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerProblem {
    /// The subject in words, e.g. "reading".
    pub subject: String,
    /// Names of the slots, e.g. "Tuesday"; slot `i` is bit `i`.
    pub slot_names: Vec<String>,
    pub tutors: Vec<Tutor>,
    pub tutees: Vec<Tutee>,
    pub rules: PeerRules,
}

/// A tutee paired with a tutor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pair {
    pub tutee: PupilId,
    pub tutor: PupilId,
}

/// Quality of a matching: higher `matched_need` is better; for equal need, lower
/// `penalty` is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Score {
    pub matched: u32,
    pub matched_need: u64,
    pub penalty: u64,
}

impl Score {
    /// True if `self` is strictly better than `other`.
    pub fn better_than(&self, other: &Score) -> bool {
        (self.matched_need, std::cmp::Reverse(self.penalty))
            > (other.matched_need, std::cmp::Reverse(other.penalty))
    }
}

/// Why a tutee has no tutor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unmatched {
    /// No tutor is at an allowed rung gap (or old enough).
    NoTutorAtRightLevel,
    /// Tutors at the right level exist, but none shares a free slot.
    NoSharedTime,
    /// Suitable tutors exist, but they are all full.
    TutorsFull,
}

/// One tutee's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TuteeOutcome {
    pub tutee: PupilId,
    pub tutor: Option<PupilId>,
    /// Slots both are free (0 if unmatched).
    pub shared_slots: u64,
    pub unmatched: Option<Unmatched>,
    /// Plain words a child can read.
    pub explanation: String,
}

/// One tutor's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TutorOutcome {
    pub tutor: PupilId,
    pub tutees: Vec<PupilId>,
    pub explanation: String,
}

/// A matching with explanations (tutees and tutors in input order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerMatching {
    pub pairs: Vec<Pair>,
    pub tutees: Vec<TuteeOutcome>,
    pub tutors: Vec<TutorOutcome>,
    pub score: Score,
}

impl PeerMatching {
    /// The tutor of a tutee, if any.
    pub fn tutor_of(&self, tutee: PupilId) -> Option<PupilId> {
        self.pairs
            .iter()
            .find(|p| p.tutee == tutee)
            .map(|p| p.tutor)
    }
}

/// Options for [`rematch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RematchOptions {
    /// May other pupils change tutor so that the departed tutor's pupils can be placed?
    /// If false, every other pair is frozen and only spare places are used.
    pub allow_moves: bool,
}

impl Default for RematchOptions {
    fn default() -> Self {
        Self { allow_moves: true }
    }
}

/// What happened to one tutee in a rematch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeKind {
    /// Their tutor left and they have a new one.
    Rematched,
    /// Their tutor left and no tutor could be found.
    Waiting,
    /// They changed tutor so that someone else could be placed.
    Moved,
    /// They had no tutor before and now have one.
    NewlyMatched,
    /// They had a tutor (who stayed) and now have none. Only if the pair is no longer allowed.
    Unmatched,
}

/// A change made by [`rematch`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub tutee: PupilId,
    pub before: Option<PupilId>,
    pub after: Option<PupilId>,
    pub kind: ChangeKind,
    /// Plain words for staff and families.
    pub description: String,
}

/// The result of [`rematch`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rematch {
    /// The new matching (without the departed tutor).
    pub matching: PeerMatching,
    /// Every tutee whose tutor changed, in input order.
    pub changes: Vec<Change>,
    /// Previous pairs kept unchanged.
    pub kept: u32,
}

/// Bad input, naming the pupil at fault.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum PeerError {
    #[error("tutor {tutor} is listed more than once")]
    DuplicateTutor { tutor: PupilId },
    #[error("tutee {tutee} is listed more than once")]
    DuplicateTutee { tutee: PupilId },
    #[error("tutor {tutor} has room for 0 tutees; leave them out instead")]
    ZeroCapacity { tutor: PupilId },
    #[error("tutor {tutor} has capacity {capacity}; at most 8 is allowed")]
    CapacityTooLarge { tutor: PupilId, capacity: u32 },
    #[error("tutee {tutee} has need {need}; it must be between 1 and 100")]
    InvalidNeed { tutee: PupilId, need: u32 },
    #[error("the rung gap {min}..={max} is empty or negative")]
    InvalidGapRange { min: i32, max: i32 },
    #[error("max_candidates must be at least 1")]
    NoCandidatesAllowed,
    #[error("tutor {tutor} is not in this programme")]
    UnknownTutor { tutor: PupilId },
    #[error("tutee {tutee} is not in this programme")]
    UnknownTutee { tutee: PupilId },
    #[error("tutee {tutee} appears in more than one pair")]
    TuteePairedTwice { tutee: PupilId },
    #[error("tutor {tutor} may not tutor tutee {tutee} under the rules")]
    IneligiblePair { tutee: PupilId, tutor: PupilId },
    #[error("tutor {tutor} has more tutees than their capacity")]
    OverCapacity { tutor: PupilId },
    #[error("the programme is too large for exact weights")]
    TooLarge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Ladder,
    Older,
}

fn route(rules: &PeerRules, tutor: &Tutor, tutee: &Tutee) -> Option<Route> {
    if tutor.id == tutee.id {
        return None;
    }
    let gap = tutor.rung - tutee.rung;
    if gap >= rules.min_gap && gap <= rules.max_gap {
        return Some(Route::Ladder);
    }
    match rules.older {
        Some(o) if tutor.year >= tutee.year.saturating_add(o.min_years) && gap >= o.min_gap => {
            Some(Route::Older)
        }
        _ => None,
    }
}

/// True if the pair is allowed: rung rules and at least one shared free slot.
pub fn eligible(rules: &PeerRules, tutor: &Tutor, tutee: &Tutee) -> bool {
    tutor.free_slots & tutee.free_slots != 0 && route(rules, tutor, tutee).is_some()
}

/// The penalty of a pair (lower is better), or `None` if the pair is not allowed.
pub fn pair_penalty(rules: &PeerRules, tutor: &Tutor, tutee: &Tutee) -> Option<u64> {
    let shared = (tutor.free_slots & tutee.free_slots).count_ones();
    if shared == 0 {
        return None;
    }
    let gap = i64::from(tutor.rung) - i64::from(tutee.rung);
    let gap_pen = match route(rules, tutor, tutee)? {
        Route::Ladder => GAP_STEP * (gap - i64::from(rules.min_gap)).unsigned_abs(),
        Route::Older => {
            let base = i64::from(rules.older.map_or(0, |o| o.min_gap));
            OLDER_ROUTE + GAP_STEP * (gap - base).unsigned_abs()
        }
    };
    Some(gap_pen + SLOT_STEP * u64::from(3 - shared.min(3)))
}

/// Total load penalty of a tutor with `tutees` tutees.
pub fn load_penalty(tutees: u32) -> u64 {
    let k = u64::from(tutees);
    if k < 2 {
        0
    } else {
        LOAD_STEP * (k - 1) * k / 2
    }
}

/// Checks the problem; returns every problem found.
pub fn validate(problem: &PeerProblem) -> Vec<PeerError> {
    let mut errors = Vec::new();
    let r = &problem.rules;
    if r.min_gap > r.max_gap {
        errors.push(PeerError::InvalidGapRange {
            min: r.min_gap,
            max: r.max_gap,
        });
    }
    if r.max_candidates == 0 {
        errors.push(PeerError::NoCandidatesAllowed);
    }
    let mut seen = HashSet::new();
    for t in &problem.tutors {
        if !seen.insert(t.id) {
            errors.push(PeerError::DuplicateTutor { tutor: t.id });
        }
        if t.capacity == 0 {
            errors.push(PeerError::ZeroCapacity { tutor: t.id });
        } else if t.capacity > MAX_TUTOR_CAPACITY {
            errors.push(PeerError::CapacityTooLarge {
                tutor: t.id,
                capacity: t.capacity,
            });
        }
    }
    let mut seen = HashSet::new();
    for t in &problem.tutees {
        if !seen.insert(t.id) {
            errors.push(PeerError::DuplicateTutee { tutee: t.id });
        }
        if t.need == 0 || t.need > MAX_NEED {
            errors.push(PeerError::InvalidNeed {
                tutee: t.id,
                need: t.need,
            });
        }
    }
    errors
}

/// Scores a set of pairs, checking that they are allowed and within capacity.
pub fn score(problem: &PeerProblem, pairs: &[Pair]) -> Result<Score, PeerError> {
    let tutors: HashMap<PupilId, &Tutor> = problem.tutors.iter().map(|t| (t.id, t)).collect();
    let tutees: HashMap<PupilId, &Tutee> = problem.tutees.iter().map(|t| (t.id, t)).collect();
    let mut load: HashMap<PupilId, u32> = HashMap::new();
    let mut seen = HashSet::new();
    let mut s = Score::default();
    for p in pairs {
        let tutor = tutors
            .get(&p.tutor)
            .ok_or(PeerError::UnknownTutor { tutor: p.tutor })?;
        let tutee = tutees
            .get(&p.tutee)
            .ok_or(PeerError::UnknownTutee { tutee: p.tutee })?;
        if !seen.insert(p.tutee) {
            return Err(PeerError::TuteePairedTwice { tutee: p.tutee });
        }
        let pen = pair_penalty(&problem.rules, tutor, tutee).ok_or(PeerError::IneligiblePair {
            tutee: p.tutee,
            tutor: p.tutor,
        })?;
        let l = load.entry(p.tutor).or_insert(0);
        *l += 1;
        if *l > tutor.capacity {
            return Err(PeerError::OverCapacity { tutor: p.tutor });
        }
        s.matched += 1;
        s.matched_need += u64::from(tutee.need);
        s.penalty += pen;
    }
    s.penalty += load.values().map(|&k| load_penalty(k)).sum::<u64>();
    Ok(s)
}

/// Tutor indices sorted by rung, for range queries.
struct RungIndex {
    order: Vec<usize>,
    rungs: Vec<i32>,
}

impl RungIndex {
    fn new(tutors: &[Tutor]) -> Self {
        let mut order: Vec<usize> = (0..tutors.len()).collect();
        order.sort_by_key(|&i| tutors.get(i).map_or(0, |t| t.rung));
        let rungs = order
            .iter()
            .map(|&i| tutors.get(i).map_or(0, |t| t.rung))
            .collect();
        Self { order, rungs }
    }

    /// Tutors with rung in `lo..=hi`.
    fn range(&self, lo: i64, hi: i64) -> &[usize] {
        let a = self.rungs.partition_point(|&r| i64::from(r) < lo);
        let b = self.rungs.partition_point(|&r| i64::from(r) <= hi);
        self.order.get(a..b.max(a)).unwrap_or_default()
    }
}

/// Each tutee's best candidate tutors: (tutor index, penalty), best first.
fn candidates(problem: &PeerProblem, index: &RungIndex) -> Vec<Vec<(usize, u64)>> {
    let rules = &problem.rules;
    problem
        .tutees
        .iter()
        .map(|te| {
            let rung = i64::from(te.rung);
            let mut out: Vec<(usize, u64)> = Vec::new();
            let mut consider = |ti: usize| {
                if let Some(pen) = problem
                    .tutors
                    .get(ti)
                    .and_then(|tr| pair_penalty(rules, tr, te))
                {
                    out.push((ti, pen));
                }
            };
            let ladder = (
                rung + i64::from(rules.min_gap),
                rung + i64::from(rules.max_gap),
            );
            for &ti in index.range(ladder.0, ladder.1) {
                consider(ti);
            }
            if let Some(o) = rules.older {
                let lo = rung + i64::from(o.min_gap);
                for &ti in index.range(lo, i64::MAX) {
                    // Skip those already taken by the ladder range.
                    let r = problem.tutors.get(ti).map_or(0, |t| i64::from(t.rung));
                    if r < ladder.0 || r > ladder.1 {
                        consider(ti);
                    }
                }
            }
            out.sort_unstable();
            out.sort_by_key(|&(ti, pen)| (pen, ti));
            out.truncate(rules.max_candidates);
            out
        })
        .collect()
}

/// Weights for one solve. Edge cost = penalty - need*need_w - stay_w (if staying) - keep_w (if kept).
struct Weights<'a> {
    stay: &'a [bool],
    keep: &'a HashSet<(usize, usize)>,
    need_w: i64,
    stay_w: i64,
    keep_w: i64,
}

/// Exact min-cost flow over the candidate graph. Returns tutee index -> tutor index.
fn solve(
    problem: &PeerProblem,
    cands: &[Vec<(usize, u64)>],
    w: &Weights<'_>,
) -> Result<Vec<Option<usize>>, PeerError> {
    let nt = problem.tutees.len();
    let nr = problem.tutors.len();
    let source = 0;
    let sink = nt + nr + 1;
    let mut g = Network::new(nt + nr + 2);
    let mut arcs: Vec<Vec<(usize, usize)>> = Vec::with_capacity(nt);
    for (i, (te, list)) in problem.tutees.iter().zip(cands).enumerate() {
        g.add_arc(source, 1 + i, 1, 0);
        let stays = w.stay.get(i).copied().unwrap_or(false);
        let mut mine = Vec::with_capacity(list.len());
        for &(ti, pen) in list {
            let mut cost = i64::try_from(pen).map_err(|_| PeerError::TooLarge)?;
            cost = cost
                .checked_sub(
                    i64::from(te.need)
                        .checked_mul(w.need_w)
                        .ok_or(PeerError::TooLarge)?,
                )
                .ok_or(PeerError::TooLarge)?;
            if stays {
                cost = cost.checked_sub(w.stay_w).ok_or(PeerError::TooLarge)?;
            }
            if w.keep.contains(&(i, ti)) {
                cost = cost.checked_sub(w.keep_w).ok_or(PeerError::TooLarge)?;
            }
            if let Some(id) = g.add_arc(1 + i, 1 + nt + ti, 1, cost) {
                mine.push((id, ti));
            }
        }
        arcs.push(mine);
    }
    for (ti, tr) in problem.tutors.iter().enumerate() {
        for k in 0..tr.capacity {
            let marginal =
                i64::try_from(LOAD_STEP * u64::from(k)).map_err(|_| PeerError::TooLarge)?;
            g.add_arc(1 + nt + ti, sink, 1, marginal);
        }
    }
    g.run(source, sink, i64::MAX, Stop::NoGain);
    Ok(arcs
        .iter()
        .map(|list| {
            list.iter()
                .find(|&&(id, _)| g.flow_on(id) > 0)
                .map(|&(_, ti)| ti)
        })
        .collect())
}

/// Largest per-tutee penalty (pair penalty plus marginal load penalty) in the graph.
fn max_unit_penalty(problem: &PeerProblem, cands: &[Vec<(usize, u64)>]) -> u64 {
    let pair = cands.iter().flatten().map(|&(_, p)| p).max().unwrap_or(0);
    let cap = problem.tutors.iter().map(|t| t.capacity).max().unwrap_or(1);
    pair + LOAD_STEP * u64::from(cap.saturating_sub(1))
}

fn checked(a: u64) -> Result<i64, PeerError> {
    i64::try_from(a).map_err(|_| PeerError::TooLarge)
}

/// Finds the best matching (see the module docs).
pub fn match_peers(problem: &PeerProblem) -> Result<PeerMatching, PeerError> {
    if let Some(e) = validate(problem).into_iter().next() {
        return Err(e);
    }
    let index = RungIndex::new(&problem.tutors);
    let cands = candidates(problem, &index);
    let n = problem.tutees.len() as u64;
    let q = max_unit_penalty(problem, &cands);
    let need_w = checked(
        n.checked_mul(q)
            .and_then(|x| x.checked_add(1))
            .ok_or(PeerError::TooLarge)?,
    )?;
    let stay = vec![false; problem.tutees.len()];
    let keep = HashSet::new();
    let assignment = solve(
        problem,
        &cands,
        &Weights {
            stay: &stay,
            keep: &keep,
            need_w,
            stay_w: 0,
            keep_w: 0,
        },
    )?;
    build(problem, &index, &assignment)
}

/// Proposes a new matching after tutor `departed` leaves, changing as little as possible.
///
/// Lexicographic priorities: (1) nobody whose tutor stays loses their tutor; (2) the
/// total need of matched tutees is as high as possible, so the departed tutor's pupils
/// are placed again whenever possible; (3) as many previous pairs as possible are kept;
/// (4) the usual penalty. With `allow_moves: false`, every other pair is frozen and only
/// spare places are used.
pub fn rematch(
    problem: &PeerProblem,
    previous: &[Pair],
    departed: PupilId,
    options: RematchOptions,
) -> Result<Rematch, PeerError> {
    if let Some(e) = validate(problem).into_iter().next() {
        return Err(e);
    }
    if !problem.tutors.iter().any(|t| t.id == departed) {
        return Err(PeerError::UnknownTutor { tutor: departed });
    }
    let mut seen = HashSet::new();
    for p in previous {
        if !problem.tutors.iter().any(|t| t.id == p.tutor) {
            return Err(PeerError::UnknownTutor { tutor: p.tutor });
        }
        if !problem.tutees.iter().any(|t| t.id == p.tutee) {
            return Err(PeerError::UnknownTutee { tutee: p.tutee });
        }
        if !seen.insert(p.tutee) {
            return Err(PeerError::TuteePairedTwice { tutee: p.tutee });
        }
    }
    let mut reduced = problem.clone();
    reduced.tutors.retain(|t| t.id != departed);
    let tutor_pos: HashMap<PupilId, usize> = reduced
        .tutors
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id, i))
        .collect();
    let before: HashMap<PupilId, PupilId> = previous.iter().map(|p| (p.tutee, p.tutor)).collect();
    let index = RungIndex::new(&reduced.tutors);
    let mut cands = candidates(&reduced, &index);
    let mut stay = vec![false; reduced.tutees.len()];
    let mut keep = HashSet::new();
    for (i, te) in reduced.tutees.iter().enumerate() {
        let Some(&tid) = before.get(&te.id) else {
            continue;
        };
        let Some(&ti) = tutor_pos.get(&tid) else {
            continue;
        };
        let Some(list) = cands.get_mut(i) else {
            continue;
        };
        let Some(pen) = reduced
            .tutors
            .get(ti)
            .and_then(|tr| pair_penalty(&reduced.rules, tr, te))
        else {
            continue;
        };
        if let Some(s) = stay.get_mut(i) {
            *s = true;
        }
        keep.insert((i, ti));
        if options.allow_moves {
            if !list.iter().any(|&(t, _)| t == ti) {
                list.push((ti, pen));
            }
        } else {
            *list = vec![(ti, pen)];
        }
    }
    let n = reduced.tutees.len() as u64;
    let q = max_unit_penalty(&reduced, &cands);
    let total_need: u64 = reduced.tutees.iter().map(|t| u64::from(t.need)).sum();
    let weights = (|| {
        let keep_w = n.checked_mul(q)?.checked_add(1)?;
        let need_w = n.checked_mul(keep_w.checked_add(q)?)?.checked_add(1)?;
        let stay_w = total_need
            .checked_mul(need_w)?
            .checked_add(n.checked_mul(keep_w.checked_add(q)?)?)?
            .checked_add(1)?;
        Some((keep_w, need_w, stay_w))
    })()
    .ok_or(PeerError::TooLarge)?;
    let assignment = solve(
        &reduced,
        &cands,
        &Weights {
            stay: &stay,
            keep: &keep,
            need_w: checked(weights.1)?,
            stay_w: checked(weights.2)?,
            keep_w: checked(weights.0)?,
        },
    )?;
    let matching = build(&reduced, &index, &assignment)?;
    let name_of = |id: PupilId| {
        problem
            .tutors
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| id.to_string(), |t| t.name.clone())
    };
    let mut changes = Vec::new();
    let mut kept = 0;
    for te in &reduced.tutees {
        let was = before.get(&te.id).copied();
        let now = matching.tutor_of(te.id);
        if was == now {
            if was.is_some() {
                kept += 1;
            }
            continue;
        }
        let (kind, description) = match (was, now) {
            (Some(w), Some(n)) if w == departed => (
                ChangeKind::Rematched,
                format!(
                    "{}'s tutor {} has left, so {} is now tutored by {}.",
                    te.name,
                    name_of(w),
                    te.name,
                    name_of(n)
                ),
            ),
            (Some(w), None) if w == departed => (
                ChangeKind::Waiting,
                format!(
                    "{}'s tutor {} has left, and no other tutor can take {} yet.",
                    te.name,
                    name_of(w),
                    te.name
                ),
            ),
            (Some(w), Some(n)) => (
                ChangeKind::Moved,
                format!(
                    "{} moves from {} to {}, so that a pupil whose tutor left can be placed.",
                    te.name,
                    name_of(w),
                    name_of(n)
                ),
            ),
            (None, Some(n)) => (
                ChangeKind::NewlyMatched,
                format!("{} now has a tutor, {}.", te.name, name_of(n)),
            ),
            (Some(w), None) => (
                ChangeKind::Unmatched,
                format!(
                    "{} can no longer be tutored by {} under the rules.",
                    te.name,
                    name_of(w)
                ),
            ),
            (None, None) => continue,
        };
        changes.push(Change {
            tutee: te.id,
            before: was,
            after: now,
            kind,
            description,
        });
    }
    Ok(Rematch {
        matching,
        changes,
        kept,
    })
}

fn steps(gap: i32) -> String {
    match gap {
        0 => "on the same step as you".to_string(),
        1 => "one step ahead".to_string(),
        g if g > 0 => format!("{} steps ahead", number(u64::from(g.unsigned_abs()))),
        -1 => "one step behind".to_string(),
        g => format!("{} steps behind", number(u64::from(g.unsigned_abs()))),
    }
}

fn steps_behind(gap: i32) -> String {
    match gap {
        0 => "on the same step as you".to_string(),
        1 => "one step behind you".to_string(),
        g if g > 0 => format!("{} steps behind you", number(u64::from(g.unsigned_abs()))),
        g => format!("{} steps ahead of you", number(u64::from(g.unsigned_abs()))),
    }
}

fn slot_list(problem: &PeerProblem, mask: u64) -> String {
    let names: Vec<String> = (0..64u32)
        .filter(|b| mask & (1u64 << b) != 0)
        .map(|b| {
            usize::try_from(b)
                .ok()
                .and_then(|i| problem.slot_names.get(i))
                .cloned()
                .unwrap_or_else(|| format!("slot {}", b + 1))
        })
        .collect();
    join_and(&names)
}

fn build(
    problem: &PeerProblem,
    index: &RungIndex,
    assignment: &[Option<usize>],
) -> Result<PeerMatching, PeerError> {
    let rules = &problem.rules;
    let subject = &problem.subject;
    let mut pairs = Vec::new();
    let mut tutees = Vec::with_capacity(problem.tutees.len());
    let mut per_tutor: Vec<Vec<usize>> = vec![Vec::new(); problem.tutors.len()];
    let mut load = vec![0u32; problem.tutors.len()];
    for (i, te) in problem.tutees.iter().enumerate() {
        let tutor = assignment
            .get(i)
            .copied()
            .flatten()
            .and_then(|ti| problem.tutors.get(ti).map(|t| (ti, t)));
        match tutor {
            Some((ti, tr)) => {
                pairs.push(Pair {
                    tutee: te.id,
                    tutor: tr.id,
                });
                if let Some(list) = per_tutor.get_mut(ti) {
                    list.push(i);
                }
                if let Some(l) = load.get_mut(ti) {
                    *l += 1;
                }
                let shared = tr.free_slots & te.free_slots;
                let gap = tr.rung - te.rung;
                let who = match route(rules, tr, te) {
                    Some(Route::Older) => {
                        let years = u64::from(tr.year.saturating_sub(te.year));
                        let y = if years == 1 { "year" } else { "years" };
                        format!(
                            "{}, who is {} {y} older and {} in {subject}",
                            tr.name,
                            number(years),
                            steps(gap)
                        )
                    }
                    _ => format!("{}, {} in {subject}", tr.name, steps(gap)),
                };
                tutees.push(TuteeOutcome {
                    tutee: te.id,
                    tutor: Some(tr.id),
                    shared_slots: shared,
                    unmatched: None,
                    explanation: format!(
                        "You are matched with {who}, free together on {}.",
                        slot_list(problem, shared)
                    ),
                });
            }
            None => {
                let reason = why_unmatched(problem, index, te);
                let explanation = match reason {
                    Unmatched::NoTutorAtRightLevel => format!(
                        "There is no tutor the right number of steps ahead of you in {subject} yet, so you do not have a tutor this time."
                    ),
                    Unmatched::NoSharedTime => "No tutor is free when you are, so you do not have a tutor yet. A teacher may be able to find a time.".to_string(),
                    Unmatched::TutorsFull => "The tutors who are free when you are already have as many pupils as they can take, so you do not have a tutor yet.".to_string(),
                };
                tutees.push(TuteeOutcome {
                    tutee: te.id,
                    tutor: None,
                    shared_slots: 0,
                    unmatched: Some(reason),
                    explanation,
                });
            }
        }
    }
    let tutors = problem
        .tutors
        .iter()
        .zip(&per_tutor)
        .map(|(tr, list)| {
            let parts: Vec<String> = list
                .iter()
                .filter_map(|&i| problem.tutees.get(i))
                .map(|te| {
                    format!(
                        "{} ({} in {subject}, free together on {})",
                        te.name,
                        steps_behind(tr.rung - te.rung),
                        slot_list(problem, tr.free_slots & te.free_slots)
                    )
                })
                .collect();
            TutorOutcome {
                tutor: tr.id,
                tutees: list
                    .iter()
                    .filter_map(|&i| problem.tutees.get(i))
                    .map(|t| t.id)
                    .collect(),
                explanation: if parts.is_empty() {
                    "You do not have anyone to tutor this time; you are on the reserve list."
                        .to_string()
                } else {
                    format!("You are tutoring {}.", join_and(&parts))
                },
            }
        })
        .collect();
    let score = score(problem, &pairs)?;
    Ok(PeerMatching {
        pairs,
        tutees,
        tutors,
        score,
    })
}

fn why_unmatched(problem: &PeerProblem, index: &RungIndex, te: &Tutee) -> Unmatched {
    let rules = &problem.rules;
    let rung = i64::from(te.rung);
    let lo = rung
        + i64::from(
            rules
                .min_gap
                .min(rules.older.map_or(i32::MAX, |o| o.min_gap)),
        );
    let mut any_level = false;
    for &ti in index.range(lo, i64::MAX) {
        let Some(tr) = problem.tutors.get(ti) else {
            continue;
        };
        if route(rules, tr, te).is_some() {
            any_level = true;
            if tr.free_slots & te.free_slots != 0 {
                return Unmatched::TutorsFull;
            }
        }
    }
    if any_level {
        Unmatched::NoSharedTime
    } else {
        Unmatched::NoTutorAtRightLevel
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tutor(id: u64, name: &str, rung: i32, cap: u32, slots: u64) -> Tutor {
        Tutor {
            id,
            name: name.into(),
            rung,
            year: 5,
            capacity: cap,
            free_slots: slots,
        }
    }
    fn tutee(id: u64, name: &str, rung: i32, slots: u64) -> Tutee {
        Tutee {
            id,
            name: name.into(),
            rung,
            year: 3,
            need: 1,
            free_slots: slots,
        }
    }

    fn problem() -> PeerProblem {
        PeerProblem {
            subject: "reading".into(),
            slot_names: vec![
                "Monday".into(),
                "Tuesday".into(),
                "Wednesday".into(),
                "Thursday".into(),
                "Friday".into(),
            ],
            tutors: vec![
                tutor(1, "Sam", 5, 1, 0b01010),
                tutor(2, "Ali", 4, 1, 0b00001),
            ],
            tutees: vec![
                tutee(10, "Amy", 3, 0b01010),
                tutee(11, "Ben", 3, 0b10000),
                tutee(12, "Cal", 0, 0b11111),
            ],
            rules: PeerRules::default(),
        }
    }

    #[test]
    fn explanations() {
        let m = match_peers(&problem()).unwrap();
        assert_eq!(m.tutor_of(10), Some(1));
        let amy = &m.tutees[0];
        assert_eq!(amy.explanation, "You are matched with Sam, two steps ahead in reading, free together on Tuesday and Thursday.");
        assert_eq!(m.tutees[1].unmatched, Some(Unmatched::NoSharedTime));
        assert_eq!(m.tutees[1].explanation, "No tutor is free when you are, so you do not have a tutor yet. A teacher may be able to find a time.");
        assert_eq!(m.tutees[2].unmatched, Some(Unmatched::NoTutorAtRightLevel));
        assert_eq!(m.tutors[0].explanation, "You are tutoring Amy (two steps behind you in reading, free together on Tuesday and Thursday).");
    }

    #[test]
    fn rematch_moves_only_when_needed() {
        let mut p = problem();
        p.tutors.push(tutor(3, "Dee", 4, 1, 0b01010));
        let m = match_peers(&p).unwrap();
        assert_eq!(m.tutor_of(10), Some(3), "a smaller gap is preferred");
        let r = rematch(&p, &m.pairs, 3, RematchOptions::default()).unwrap();
        assert_eq!(r.matching.tutor_of(10), Some(1));
        assert_eq!(r.changes.len(), 1);
        assert_eq!(r.changes[0].kind, ChangeKind::Rematched);
        assert_eq!(
            r.changes[0].description,
            "Amy's tutor Dee has left, so Amy is now tutored by Sam."
        );
    }
}
