//! The policy for organisation-level information: a school's overview, its audit log, the
//! people it manages, and its groups. Learners' own information is in `policy.rs`; nothing
//! here reveals a learner's record, only aggregates, rosters the subject teaches, or the
//! audit trail a leader is accountable for.

use crate::policy::Subject;
use jiff::Timestamp;
use serde::Serialize;
use std::marker::PhantomData;
use village_domain::person::Role;
use village_domain::{GroupId, OrgId, PersonId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgAction {
    /// The school's overview: counts and rates, no individual records.
    ViewSchool,
    /// The school's audit log.
    ViewAuditLog,
    /// Disable accounts, end relationships, change settings.
    ManagePeople,
    /// Mentor profiles, running the mentor assignment, overriding it.
    ManageMentoring,
    /// The relationship-gaps report for the whole school.
    ViewGapsReport,
    /// Peer Learner Programmes: create, match, record training.
    ManagePeerLearning,
    /// Personal challenges: form teams, mark them complete.
    ManageChallenges,
    /// Ladders of progress: define, import and export them. Teachers write them too.
    ManageLadders,
    /// Review days: schedule rounds and see who has booked.
    ManageReviews,
    /// The school's timetable: its model, the choices deadline, solving, publishing.
    ManageTimetable,
}

impl OrgAction {
    pub const ALL: [OrgAction; 10] = [
        OrgAction::ViewSchool,
        OrgAction::ViewAuditLog,
        OrgAction::ManagePeople,
        OrgAction::ManageMentoring,
        OrgAction::ViewGapsReport,
        OrgAction::ManagePeerLearning,
        OrgAction::ManageChallenges,
        OrgAction::ManageLadders,
        OrgAction::ManageReviews,
        OrgAction::ManageTimetable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgAction::ViewSchool => "view_school",
            OrgAction::ViewAuditLog => "view_audit_log",
            OrgAction::ManagePeople => "manage_people",
            OrgAction::ManageMentoring => "manage_mentoring",
            OrgAction::ViewGapsReport => "view_gaps_report",
            OrgAction::ManagePeerLearning => "manage_peer_learning",
            OrgAction::ManageChallenges => "manage_challenges",
            OrgAction::ManageLadders => "manage_ladders",
            OrgAction::ManageReviews => "manage_reviews",
            OrgAction::ManageTimetable => "manage_timetable",
        }
    }
}

/// The roles that grant an organisation-level action: `(role, held in the school itself?)`.
/// `false` means held in the school's collaborative.
pub fn org_paths(action: OrgAction) -> &'static [(Role, bool)] {
    match action {
        OrgAction::ViewSchool => &[
            (Role::Leader, true),
            (Role::Dsl, true),
            (Role::CollaborativeLeader, false),
        ],
        OrgAction::ViewAuditLog => &[(Role::Leader, true), (Role::Dsl, true)],
        OrgAction::ManagePeople
        | OrgAction::ManageMentoring
        | OrgAction::ManagePeerLearning
        | OrgAction::ManageChallenges
        | OrgAction::ManageReviews
        | OrgAction::ManageTimetable => &[(Role::Leader, true)],
        OrgAction::ManageLadders => &[(Role::Leader, true), (Role::Teacher, true)],
        OrgAction::ViewGapsReport => &[(Role::Leader, true), (Role::Dsl, true)],
    }
}

/// Marker types for organisation-level actions.
pub mod org_act {
    use super::OrgAction;

    mod sealed {
        pub trait Sealed {}
    }

    pub trait OrgAct: sealed::Sealed {
        const ACTION: OrgAction;
    }

    macro_rules! acts {
        ($($name:ident),*) => {$(
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl sealed::Sealed for $name {}
            impl OrgAct for $name { const ACTION: OrgAction = OrgAction::$name; }
        )*};
    }

    acts!(
        ViewSchool,
        ViewAuditLog,
        ManagePeople,
        ManageMentoring,
        ViewGapsReport,
        ManagePeerLearning,
        ManageChallenges,
        ManageLadders,
        ManageReviews,
        ManageTimetable
    );
}

use org_act::OrgAct;

/// Proof that the policy allowed `A` on one school.
#[derive(Debug, Clone)]
pub struct OrgGrant<A: OrgAct> {
    subject: PersonId,
    org: OrgId,
    role: Role,
    at: Timestamp,
    _act: PhantomData<A>,
}

impl<A: OrgAct> OrgGrant<A> {
    pub fn subject(&self) -> PersonId {
        self.subject
    }
    pub fn org(&self) -> OrgId {
        self.org
    }
    /// The role that granted it.
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn at(&self) -> Timestamp {
        self.at
    }
    /// Whether the grant reaches individual names (a school's own leaders) or only
    /// aggregates (a collaborative's leaders).
    pub fn aggregates_only(&self) -> bool {
        self.role == Role::CollaborativeLeader
    }
}

/// Proof that the subject may see a group's roster: they teach it now, or lead its school.
#[derive(Debug, Clone)]
pub struct GroupGrant {
    subject: PersonId,
    group: GroupId,
    school: OrgId,
    at: Timestamp,
}

impl GroupGrant {
    pub fn subject(&self) -> PersonId {
        self.subject
    }
    pub fn group(&self) -> GroupId {
        self.group
    }
    pub fn school(&self) -> OrgId {
        self.school
    }
    pub fn at(&self) -> Timestamp {
        self.at
    }
}

fn holds_role(subject: &Subject, role: Role, org: OrgId, at: Timestamp) -> bool {
    subject
        .roles
        .iter()
        .any(|r| r.role == role && r.org == org && r.period.holds_at(at))
}

impl crate::Policy {
    /// Checks an organisation-level action on `school` (whose collaborative is `collaborative`).
    pub fn authorize_org<A: OrgAct>(
        subject: &Subject,
        school: OrgId,
        collaborative: Option<OrgId>,
        at: Timestamp,
    ) -> Result<OrgGrant<A>, crate::OrgDenied> {
        let person = subject.person.ok_or(crate::OrgDenied)?;
        org_paths(A::ACTION)
            .iter()
            .find(|(role, own)| {
                let org = if *own { Some(school) } else { collaborative };
                org.is_some_and(|o| holds_role(subject, *role, o, at))
            })
            .map(|(role, _)| OrgGrant {
                subject: person,
                org: school,
                role: *role,
                at,
                _act: PhantomData,
            })
            .ok_or(crate::OrgDenied)
    }

    /// Checks that the subject may see a group's roster.
    pub fn authorize_group(
        subject: &Subject,
        group: GroupId,
        school: OrgId,
        at: Timestamp,
    ) -> Result<GroupGrant, crate::OrgDenied> {
        let person = subject.person.ok_or(crate::OrgDenied)?;
        let teaches = subject
            .teaching
            .iter()
            .any(|t| t.group == group && t.period.holds_at(at));
        if teaches
            || holds_role(subject, Role::Leader, school, at)
            || holds_role(subject, Role::Dsl, school, at)
        {
            Ok(GroupGrant {
                subject: person,
                group,
                school,
                at,
            })
        } else {
            Err(crate::OrgDenied)
        }
    }
}

/// What the policy needs to know about a personal-challenge team.
#[derive(Debug, Clone)]
pub struct TeamFacts {
    pub challenge: i64,
    pub school: OrgId,
    pub coach: PersonId,
    pub members: Vec<PersonId>,
}

/// Proof that the subject may see a team's page: a member, the coach, or a leader or
/// safeguarding lead of the school.
#[derive(Debug, Clone)]
pub struct TeamGrant {
    subject: PersonId,
    challenge: i64,
    school: OrgId,
    is_coach: bool,
    is_leader: bool,
}

impl TeamGrant {
    pub fn subject(&self) -> PersonId {
        self.subject
    }
    pub fn challenge(&self) -> i64 {
        self.challenge
    }
    pub fn school(&self) -> OrgId {
        self.school
    }
    /// The coach writes notes and milestones.
    pub fn is_coach(&self) -> bool {
        self.is_coach
    }
    /// A leader marks the challenge complete.
    pub fn is_leader(&self) -> bool {
        self.is_leader
    }
}

impl crate::Policy {
    pub fn authorize_team(
        subject: &Subject,
        team: &TeamFacts,
        at: Timestamp,
    ) -> Result<TeamGrant, crate::OrgDenied> {
        let person = subject.person.ok_or(crate::OrgDenied)?;
        let is_coach = team.coach == person;
        let is_leader = holds_role(subject, Role::Leader, team.school, at);
        let allowed = is_coach
            || is_leader
            || team.members.contains(&person)
            || holds_role(subject, Role::Dsl, team.school, at);
        if !allowed {
            return Err(crate::OrgDenied);
        }
        Ok(TeamGrant {
            subject: person,
            challenge: team.challenge,
            school: team.school,
            is_coach,
            is_leader,
        })
    }
}
