//! The one access policy for children's information.
//!
//! Every read or change of a learner's information is decided here, from the relationships
//! that hold at the moment of the request. The policy is a table ([`rules::paths`]) of the
//! relationship paths that grant each [`Action`]; the same table yields
//!
//! * the yes/no decision for one learner ([`Policy::authorize`]), and
//! * the filter for list pages ([`Policy::scope`]),
//!
//! so a list can never show what a direct link would refuse.
//!
//! Architecture invariants:
//! * Default deny: an action with no matching path is refused.
//! * A [`Grant`] or [`Scope`] can only be constructed by this crate, and storage functions
//!   that read or change a learner's information take one as an argument. Forgetting the
//!   check is a compile error, not a review comment.
//! * No I/O here. The caller loads the [`Subject`] (the actor's roles and relationships) and
//!   the [`LearnerFacts`]; time is an argument.

mod policy;
mod rules;

pub use policy::{act, Decision, Denied, Grant, LearnerFacts, Policy, Scope, Subject, SubjectRole, Teaching, Tie};
pub use rules::{paths, Action, Path};
