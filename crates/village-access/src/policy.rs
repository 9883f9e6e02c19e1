//! Decisions, list scopes and the proof-of-check types.

use crate::rules::{paths, Action, Path};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeSet;
use std::marker::PhantomData;
use village_domain::person::Role;
use village_domain::relationship::RelationshipKind;
use village_domain::{GroupId, OrgId, Period, PersonId};

/// A role the subject holds in an organisation, for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectRole {
    pub org: OrgId,
    pub role: Role,
    pub period: Period,
}

/// A relationship from the subject to one learner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tie {
    pub learner: PersonId,
    pub kind: RelationshipKind,
    /// Meaningful for guardians only.
    pub parental_responsibility: bool,
    pub period: Period,
}

/// The subject teaches this group for this period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teaching {
    pub group: GroupId,
    pub period: Period,
}

/// Who is asking: everything about the actor the policy needs, loaded fresh for each request
/// so that an ended relationship stops granting on the very next one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    pub person: Option<PersonId>,
    pub roles: Vec<SubjectRole>,
    pub ties: Vec<Tie>,
    pub teaching: Vec<Teaching>,
}

/// What the policy needs to know about the learner whose information is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnerFacts {
    pub learner: PersonId,
    pub school: OrgId,
    pub collaborative: Option<OrgId>,
    pub memberships: Vec<(GroupId, Period)>,
    /// The learner (or a parent for a young child) agreed to share their record with the
    /// collaborative's leaders.
    pub shares_with_collaborative: bool,
}

/// A decision with the rule that made it, for the audit log and the snapshot table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    pub path: Option<Path>,
}

/// A refusal. Deliberately carries nothing a caller could show: a refused learner is
/// answered exactly as a missing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied {
    pub action: Action,
}

/// Marker types for actions, so a storage function can demand a grant for one action.
pub mod act {
    use super::Action;

    mod sealed {
        pub trait Sealed {}
    }

    /// An action a [`super::Grant`] can be for.
    pub trait Act: sealed::Sealed {
        const ACTION: Action;
    }

    macro_rules! acts {
        ($($name:ident),*) => {$(
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl sealed::Sealed for $name {}
            impl Act for $name { const ACTION: Action = Action::$name; }
        )*};
    }

    acts!(
        ViewProfile,
        ViewAttendance,
        ViewProgress,
        ViewSupportNotes,
        ViewSafeguarding,
        ViewAccessLog,
        AddSupportNote,
        ManageRelationships,
        ChooseMentor,
        ViewMentoring,
        MentorSessions,
        LogHomeContact,
        LogPeerSession,
        ChooseChallenges,
        ViewPlan,
        EditPlan,
        CommentOnPlan,
        AgreePlan,
        JudgeRung,
        ViewPortfolio,
        AddEvidence,
        CuratePortfolio,
        BookReview,
        RecordReview,
        ExportPassport,
        ImportPassport,
        ViewTimetable,
        ChooseTimetable,
        SubscribeTimetable
    );
}

use act::Act;

/// Proof that the policy allowed `A` on one learner. Only [`Policy::authorize`] makes one.
#[derive(Debug, Clone)]
pub struct Grant<A: Act> {
    subject: PersonId,
    learner: PersonId,
    school: OrgId,
    path: Path,
    at: Timestamp,
    _act: PhantomData<A>,
}

impl<A: Act> Grant<A> {
    pub fn subject(&self) -> PersonId {
        self.subject
    }
    pub fn learner(&self) -> PersonId {
        self.learner
    }
    pub fn school(&self) -> OrgId {
        self.school
    }
    pub fn path(&self) -> Path {
        self.path
    }
    pub fn at(&self) -> Timestamp {
        self.at
    }
    pub fn action(&self) -> Action {
        A::ACTION
    }
}

/// Proof of a list filter for `A`: the set of learners the subject may see, described by the
/// same paths as [`Policy::authorize`]. Storage turns it into a `WHERE` clause.
#[derive(Debug, Clone)]
pub struct Scope<A: Act> {
    subject: PersonId,
    at: Timestamp,
    itself: bool,
    learners: BTreeSet<PersonId>,
    groups: BTreeSet<GroupId>,
    schools: BTreeSet<OrgId>,
    collaboratives_with_consent: BTreeSet<OrgId>,
    _act: PhantomData<A>,
}

impl<A: Act> Scope<A> {
    pub fn subject(&self) -> PersonId {
        self.subject
    }
    pub fn at(&self) -> Timestamp {
        self.at
    }
    /// The subject may see their own record.
    pub fn includes_self(&self) -> bool {
        self.itself
    }
    /// Learners reached through direct relationships.
    pub fn learners(&self) -> &BTreeSet<PersonId> {
        &self.learners
    }
    /// Groups whose current members are reached.
    pub fn groups(&self) -> &BTreeSet<GroupId> {
        &self.groups
    }
    /// Schools whose learners are all reached.
    pub fn schools(&self) -> &BTreeSet<OrgId> {
        &self.schools
    }
    /// Collaboratives whose consenting learners are reached.
    pub fn collaboratives_with_consent(&self) -> &BTreeSet<OrgId> {
        &self.collaboratives_with_consent
    }
    pub fn is_empty(&self) -> bool {
        !self.itself
            && self.learners.is_empty()
            && self.groups.is_empty()
            && self.schools.is_empty()
            && self.collaboratives_with_consent.is_empty()
    }

    /// Whether the scope reaches this learner. Storage's SQL must agree with this; the
    /// contract tests check that it does.
    pub fn contains(&self, facts: &LearnerFacts) -> bool {
        (self.itself && facts.learner == self.subject)
            || self.learners.contains(&facts.learner)
            || facts
                .memberships
                .iter()
                .any(|(g, p)| self.groups.contains(g) && p.holds_at(self.at))
            || self.schools.contains(&facts.school)
            || (facts.shares_with_collaborative
                && facts
                    .collaborative
                    .is_some_and(|c| self.collaboratives_with_consent.contains(&c)))
    }
}

/// The policy. Stateless: it reads the rule table in [`crate::rules`].
pub struct Policy;

impl Policy {
    /// The decision for one action on one learner at time `at`.
    pub fn decide(
        subject: &Subject,
        action: Action,
        facts: &LearnerFacts,
        at: Timestamp,
    ) -> Decision {
        let path = paths(action)
            .iter()
            .copied()
            .find(|p| path_holds(*p, subject, facts, at));
        Decision {
            allowed: path.is_some(),
            path,
        }
    }

    /// Checks `A` on one learner and, if allowed, returns the proof storage needs.
    pub fn authorize<A: Act>(
        subject: &Subject,
        facts: &LearnerFacts,
        at: Timestamp,
    ) -> Result<Grant<A>, Denied> {
        let denied = Denied { action: A::ACTION };
        let person = subject.person.ok_or(denied)?;
        let decision = Self::decide(subject, A::ACTION, facts, at);
        match decision.path {
            Some(path) => Ok(Grant {
                subject: person,
                learner: facts.learner,
                school: facts.school,
                path,
                at,
                _act: PhantomData,
            }),
            None => Err(denied),
        }
    }

    /// The list filter for `A`: exactly the learners [`Policy::authorize`] would allow.
    pub fn scope<A: Act>(subject: &Subject, at: Timestamp) -> Option<Scope<A>> {
        let person = subject.person?;
        let mut scope = Scope {
            subject: person,
            at,
            itself: false,
            learners: BTreeSet::new(),
            groups: BTreeSet::new(),
            schools: BTreeSet::new(),
            collaboratives_with_consent: BTreeSet::new(),
            _act: PhantomData,
        };
        for path in paths(A::ACTION) {
            match path {
                Path::Itself => scope.itself = true,
                Path::GuardianWithResponsibility => scope.learners.extend(
                    subject
                        .ties
                        .iter()
                        .filter(|t| {
                            t.kind == RelationshipKind::Guardian
                                && t.parental_responsibility
                                && t.period.holds_at(at)
                        })
                        .map(|t| t.learner),
                ),
                Path::Direct(kind) => scope.learners.extend(
                    subject
                        .ties
                        .iter()
                        .filter(|t| t.kind == *kind && t.period.holds_at(at))
                        .map(|t| t.learner),
                ),
                Path::TeachesGroup => scope.groups.extend(
                    subject
                        .teaching
                        .iter()
                        .filter(|t| t.period.holds_at(at))
                        .map(|t| t.group),
                ),
                Path::SchoolLeader => {
                    scope
                        .schools
                        .extend(orgs_with_role(subject, Role::Leader, at))
                }
                Path::SchoolDsl => scope.schools.extend(orgs_with_role(subject, Role::Dsl, at)),
                Path::CollaborativeWithConsent => scope
                    .collaboratives_with_consent
                    .extend(orgs_with_role(subject, Role::CollaborativeLeader, at)),
            }
        }
        Some(scope)
    }
}

fn orgs_with_role(
    subject: &Subject,
    role: Role,
    at: Timestamp,
) -> impl Iterator<Item = OrgId> + '_ {
    subject
        .roles
        .iter()
        .filter(move |r| r.role == role && r.period.holds_at(at))
        .map(|r| r.org)
}

fn has_role_in(subject: &Subject, role: Role, org: OrgId, at: Timestamp) -> bool {
    orgs_with_role(subject, role, at).any(|o| o == org)
}

fn path_holds(path: Path, subject: &Subject, facts: &LearnerFacts, at: Timestamp) -> bool {
    match path {
        Path::Itself => subject.person == Some(facts.learner),
        Path::GuardianWithResponsibility => subject.ties.iter().any(|t| {
            t.learner == facts.learner
                && t.kind == RelationshipKind::Guardian
                && t.parental_responsibility
                && t.period.holds_at(at)
        }),
        Path::Direct(kind) => subject
            .ties
            .iter()
            .any(|t| t.learner == facts.learner && t.kind == kind && t.period.holds_at(at)),
        Path::TeachesGroup => subject.teaching.iter().any(|t| {
            t.period.holds_at(at)
                && facts
                    .memberships
                    .iter()
                    .any(|(g, p)| *g == t.group && p.holds_at(at))
        }),
        Path::SchoolLeader => has_role_in(subject, Role::Leader, facts.school, at),
        Path::SchoolDsl => has_role_in(subject, Role::Dsl, facts.school, at),
        Path::CollaborativeWithConsent => {
            facts.shares_with_collaborative
                && facts
                    .collaborative
                    .is_some_and(|c| has_role_in(subject, Role::CollaborativeLeader, c, at))
        }
    }
}
