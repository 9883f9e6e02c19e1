//! Matching algorithms for Village: mentors, peer tutors and challenge teams.
//!
//! A pure library with plain types (u64 ids, `Vec` inputs): no HTTP, no SQL, no clock,
//! and no hidden randomness (the only draw is seeded by the caller). Every result
//! carries an explanation in plain words a child can read, and bad input is reported
//! as a typed error naming the learner, mentor, tutor or challenge at fault.
//!
//! # [`mentor`]: mentor assignment
//!
//! Learner-proposing deferred acceptance with capacities (the hospitals/residents form
//! of Gale–Shapley). Learners rank up to three mentors; the caller's [`mentor::Eligibility`]
//! (e.g. [`mentor::SchoolRules`]: cleared adults, same or partner school) is a hard rule.
//! Mentors rank learners by existing good relationship, then same school, then a seeded
//! fair draw (one number per learner).
//!
//! Guarantees: the result respects capacities and eligibility; it is *stable* (no
//! learner and mentor both prefer each other to what they have); among all stable
//! matchings it is the best for every learner at once (learner-optimal). Learners who
//! ranked nobody, or whose choices were all full, are then placed with an eligible
//! mentor who has room (most room first, ties by lowest mentor id), and an
//! augmenting-path pass that moves only such learners makes the number placed maximal
//! given everyone's chosen places; they are marked as not chosen. This second stage only
//! uses mentors with room, who never rejected anyone, so stability is kept. Leaders can
//! override afterwards; overrides are recorded with a reason and cannot break
//! eligibility. Time: O(choices · log capacity) for the first stage, plus a scan of each
//! remaining learner's candidate mentors.
//!
//! # [`peer`]: peer tutoring pairs
//!
//! Tutees are paired with tutors a rung or two ahead on the subject's ladder (or older,
//! if the rules allow), who share at least one free slot. Each tutee keeps its best
//! `max_candidates` tutors; on that graph a minimum-cost flow solves the problem exactly:
//! first the total need of matched tutees is maximised, then the penalty (gap beyond the
//! smallest allowed, few shared slots, tutors taking extra tutees) is minimised. The
//! flow is successive shortest paths with potentials (Dijkstra on reduced costs) and a
//! blocking flow on the zero-reduced-cost arcs per phase. [`peer::rematch`] handles a
//! departing tutor with minimal perturbation: nobody whose tutor stays loses one, the
//! departed tutor's pupils are re-placed where possible, as few other pairs change as
//! possible, and every change is reported.
//!
//! # [`teams`]: personal challenge teams
//!
//! A minimum-cost maximum flow places every learner when there are enough places, fills
//! every team to its minimum, and then prefers ranked choices and challenges in domains
//! the learner is not yet strong in (stretch), with team sizes balanced by a growing
//! marginal cost. Impossible constraints (minimum sizes adding up to more than the
//! number of learners, fewer places than learners) are explained in plain words.

mod flow;
pub mod mentor;
pub mod peer;
pub mod teams;
mod text;
