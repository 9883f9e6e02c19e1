//! The one access policy for children's information.
//!
//! Every read or change of a learner's information is decided here, from the relationships
//! that hold at the moment of the request. The policy is a table ([`rules::paths`]) of the
//! relationship paths that grant each [`Action`]; the same table yields
//!
//! * the yes/no decision for one learner ([`Policy::authorize`]), and
//! * the filter for list pages ([`Policy::scope`]),
//!
//! so a list can never show what a direct link would refuse. Organisation-level actions
//! (a school's overview, its audit log, managing people, group rosters) are in [`org`].
//!
//! Architecture invariants:
//! * Default deny: an action with no matching path is refused.
//! * A [`Grant`], [`Scope`], [`OrgGrant`] or [`GroupGrant`] can only be constructed by this
//!   crate, and storage functions that touch a learner's information take one as an
//!   argument. Forgetting the check is a compile error, not a review comment.
//! * No I/O here. The caller loads the [`Subject`] (the actor's roles and relationships) and
//!   the [`LearnerFacts`]; time is an argument.

pub mod org;
mod policy;
mod rules;

pub use org::{org_act, org_paths, GroupGrant, OrgAction, OrgGrant, TeamFacts, TeamGrant};
pub use policy::{
    act, Decision, Denied, Grant, LearnerFacts, Policy, Scope, Subject, SubjectRole, Teaching, Tie,
};
pub use rules::{agreement_role, audience, paths, Action, Audience, Path};

/// A refused organisation-level action. Answered as "not found", like a refused learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgDenied;
