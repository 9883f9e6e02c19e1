//! Personal timetables for Village: a timetabling and pupil-sectioning engine.
//!
//! Two levels are solved together: classes (sessions) are placed in time and rooms, and
//! each learner is sectioned into classes so that their requests are met. The crate is
//! pure library code: no HTTP, no SQL, no clock other than the solver's time limit.
//!
//! - [`model`]: the shared problem model (ITC 2019 shaped, with school extensions).
//! - [`itc2019`]: ITC 2019 problem and solution XML.
//! - [`places`]: rules over where a person's lessons are (building and room changes).
//! - [`eval`]: the independent evaluator (validity and the exact ITC 2019 objective).
//! - [`solver`]: construction, local search, student sectioning; seeded, cancellable,
//!   time-limited, with progress reports, on one or more threads.
//! - [`explain`]: why an instance is infeasible, why a request is unmet.
//! - [`school`]: the school model (building blocks, windows, SECURE, entitlement).
//! - [`cover`]: a free colleague teaches the lessons of someone away for a day.
//! - [`fet`]: import of FET `.fet` files.
//! - [`cli`]: entry points for `village timetable solve|check`.

pub mod choices;
pub mod cli;
pub mod cover;
pub mod error;
pub mod eval;
pub mod explain;
pub mod fet;
pub mod fet_export;
pub mod ical;
pub mod itc2019;
pub mod model;
pub mod places;
pub mod published;
pub mod school;
pub mod solver;
pub mod xml;

pub use error::Error;
pub use eval::{evaluate, Evaluation};
pub use model::{Placement, Problem, Solution};

pub use solver::{solve, Progress, SolveOptions, SolveResult};
