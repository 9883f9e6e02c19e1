//! The rule table: which relationship paths grant which action.
//!
//! Reading this file should be enough to answer "who can see what" for any learner. The
//! design note `docs/design/access-control.md` explains the choices.

use serde::Serialize;
use village_domain::relationship::RelationshipKind;

/// Something a person may want to do with a learner's information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Name, year group, groups, needs status, and the learner's people.
    ViewProfile,
    /// Register marks and attendance figures.
    ViewAttendance,
    /// Behaviour and recognition events, and assessments.
    ViewProgress,
    /// Well-being and support notes: narrower than the profile.
    ViewSupportNotes,
    /// Safeguarding records: the designated safeguarding lead only.
    ViewSafeguarding,
    /// "Who looked at my record": the learner's own access log.
    ViewAccessLog,
    /// Add a support note to the learner's record.
    AddSupportNote,
    /// Start or end relationships to this learner (a leader's job).
    ManageRelationships,
    /// Rank mentors on the learner's behalf: the learner, or a parent.
    ChooseMentor,
    /// The learner's mentor, why they were assigned, and the shared part of sessions.
    ViewMentoring,
    /// Record a mentoring session, and read the private part of sessions: the mentor only.
    MentorSessions,
    /// Record contact with home (a call, a message, a meeting).
    LogHomeContact,
    /// Log a peer tutoring session with this learner as the tutee: the tutee themself, or
    /// their peer tutor. The only thing a peer tutor may do with another child's record.
    LogPeerSession,
    /// Rank personal challenges: the learner, or a parent.
    ChooseChallenges,
    /// The learning plan, ladder positions, reviews and the record of achievement.
    ViewPlan,
    /// Write the plan's aspirations and targets: the learner, helped by their tutor.
    EditPlan,
    /// Comment on the plan while it is being agreed.
    CommentOnPlan,
    /// Agree the plan: the learner, their tutor, a parent with responsibility.
    AgreePlan,
    /// Record where the learner is on a ladder: a teacher, a peer tutor, or the learner (self-assessment).
    JudgeRung,
    /// The portfolio; each item is further limited by who the learner shares it with.
    ViewPortfolio,
    /// Add evidence to the portfolio. Items others add wait for the learner to keep them.
    AddEvidence,
    /// Keep or remove items, choose who sees each, build showcases: the learner's own choices.
    CuratePortfolio,
    /// Book a review-day slot: a parent, or a leader on the family's behalf.
    BookReview,
    /// Record what a review agreed: the tutor or a leader.
    RecordReview,
    /// Download the learning passport.
    ExportPassport,
    /// Import a learning passport into this learner's record: a leader of the learner's school.
    ImportPassport,
    /// The learner's personal timetable (the published one) and their choices.
    ViewTimetable,
    /// Make SECURE and window choices before the deadline: the learner, or a parent.
    ChooseTimetable,
    /// Create a private calendar link to the learner's timetable: the learner, or a parent.
    SubscribeTimetable,
}

impl Action {
    pub const ALL: [Action; 29] = [
        Action::ViewProfile,
        Action::ViewAttendance,
        Action::ViewProgress,
        Action::ViewSupportNotes,
        Action::ViewSafeguarding,
        Action::ViewAccessLog,
        Action::AddSupportNote,
        Action::ManageRelationships,
        Action::ChooseMentor,
        Action::ViewMentoring,
        Action::MentorSessions,
        Action::LogHomeContact,
        Action::LogPeerSession,
        Action::ChooseChallenges,
        Action::ViewPlan,
        Action::EditPlan,
        Action::CommentOnPlan,
        Action::AgreePlan,
        Action::JudgeRung,
        Action::ViewPortfolio,
        Action::AddEvidence,
        Action::CuratePortfolio,
        Action::BookReview,
        Action::RecordReview,
        Action::ExportPassport,
        Action::ImportPassport,
        Action::ViewTimetable,
        Action::ChooseTimetable,
        Action::SubscribeTimetable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::ViewProfile => "view_profile",
            Action::ViewAttendance => "view_attendance",
            Action::ViewProgress => "view_progress",
            Action::ViewSupportNotes => "view_support_notes",
            Action::ViewSafeguarding => "view_safeguarding",
            Action::ViewAccessLog => "view_access_log",
            Action::AddSupportNote => "add_support_note",
            Action::ManageRelationships => "manage_relationships",
            Action::ChooseMentor => "choose_mentor",
            Action::ViewMentoring => "view_mentoring",
            Action::MentorSessions => "mentor_sessions",
            Action::LogHomeContact => "log_home_contact",
            Action::LogPeerSession => "log_peer_session",
            Action::ChooseChallenges => "choose_challenges",
            Action::ViewPlan => "view_plan",
            Action::EditPlan => "edit_plan",
            Action::CommentOnPlan => "comment_on_plan",
            Action::AgreePlan => "agree_plan",
            Action::JudgeRung => "judge_rung",
            Action::ViewPortfolio => "view_portfolio",
            Action::AddEvidence => "add_evidence",
            Action::CuratePortfolio => "curate_portfolio",
            Action::BookReview => "book_review",
            Action::RecordReview => "record_review",
            Action::ExportPassport => "export_passport",
            Action::ImportPassport => "import_passport",
            Action::ViewTimetable => "view_timetable",
            Action::ChooseTimetable => "choose_timetable",
            Action::SubscribeTimetable => "subscribe_timetable",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Words for the audit log that a parent can read.
    pub fn describe(self) -> &'static str {
        match self {
            Action::ViewProfile => "looked at the record",
            Action::ViewAttendance => "looked at attendance",
            Action::ViewProgress => "looked at behaviour and progress",
            Action::ViewSupportNotes => "read support notes",
            Action::ViewSafeguarding => "read safeguarding records",
            Action::ViewAccessLog => "looked at who has seen the record",
            Action::AddSupportNote => "added a support note",
            Action::ManageRelationships => "changed who supports this pupil",
            Action::ChooseMentor => "chose mentors",
            Action::ViewMentoring => "looked at mentoring",
            Action::MentorSessions => "recorded or read a mentoring session",
            Action::LogHomeContact => "recorded contact with home",
            Action::LogPeerSession => "logged a peer tutoring session",
            Action::ChooseChallenges => "chose personal challenges",
            Action::ViewPlan => "looked at the learning plan",
            Action::EditPlan => "changed the learning plan",
            Action::CommentOnPlan => "commented on the learning plan",
            Action::AgreePlan => "agreed the learning plan",
            Action::JudgeRung => "recorded a step on a ladder of progress",
            Action::ViewPortfolio => "looked at the portfolio",
            Action::AddEvidence => "added to the portfolio",
            Action::CuratePortfolio => "organised the portfolio",
            Action::BookReview => "booked a review",
            Action::RecordReview => "recorded a review",
            Action::ExportPassport => "downloaded the learning passport",
            Action::ImportPassport => "imported a learning passport",
            Action::ViewTimetable => "looked at the timetable",
            Action::ChooseTimetable => "made timetable choices",
            Action::SubscribeTimetable => "made or ended a calendar link",
        }
    }

    /// Reads of learner information are what the "who looked at my record" page shows.
    pub fn is_read(self) -> bool {
        !matches!(
            self,
            Action::AddSupportNote
                | Action::ManageRelationships
                | Action::ChooseMentor
                | Action::LogHomeContact
                | Action::EditPlan
                | Action::CommentOnPlan
                | Action::AgreePlan
                | Action::JudgeRung
                | Action::AddEvidence
                | Action::CuratePortfolio
                | Action::BookReview
                | Action::RecordReview
                | Action::ImportPassport
                | Action::ChooseTimetable
                | Action::SubscribeTimetable
        )
    }
}

/// A way a subject can be connected to a learner. Each path is one line of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Path {
    /// The learner themself.
    Itself,
    /// A guardian who holds parental responsibility.
    GuardianWithResponsibility,
    /// A direct relationship of this kind to the learner, holding now.
    Direct(RelationshipKind),
    /// Teaches a group the learner belongs to, both holding now.
    TeachesGroup,
    /// Leader of the learner's school.
    SchoolLeader,
    /// Designated safeguarding lead of the learner's school.
    SchoolDsl,
    /// Leader of the learner's collaborative, and the learner (or their parent) has agreed
    /// to share their record across the collaborative.
    CollaborativeWithConsent,
}

impl Path {
    pub fn as_str(self) -> String {
        match self {
            Path::Itself => "self".into(),
            Path::GuardianWithResponsibility => "guardian_with_parental_responsibility".into(),
            Path::Direct(k) => format!("{}_of", k.as_str()),
            Path::TeachesGroup => "teaches_group_of".into(),
            Path::SchoolLeader => "leader_of_school".into(),
            Path::SchoolDsl => "dsl_of_school".into(),
            Path::CollaborativeWithConsent => "collaborative_leader_with_consent".into(),
        }
    }
}

use Path::*;
use RelationshipKind as K;

/// The policy: the paths that grant each action. Anything not listed is refused.
pub fn paths(action: Action) -> &'static [Path] {
    match action {
        Action::ViewProfile => &[
            Itself,
            GuardianWithResponsibility,
            Direct(K::Tutor),
            Direct(K::Mentor),
            Direct(K::TeachingAssistant),
            Direct(K::KeyWorker),
            Direct(K::CommunityTeacher),
            TeachesGroup,
            SchoolLeader,
            SchoolDsl,
            CollaborativeWithConsent,
        ],
        Action::ViewAttendance | Action::ViewProgress => &[
            Itself,
            GuardianWithResponsibility,
            Direct(K::Tutor),
            Direct(K::Mentor),
            Direct(K::TeachingAssistant),
            Direct(K::KeyWorker),
            TeachesGroup,
            SchoolLeader,
            SchoolDsl,
            CollaborativeWithConsent,
        ],
        // Support notes are written about a child by the adults closest to their care; the
        // people who teach them a subject, volunteers and peers do not read them.
        Action::ViewSupportNotes | Action::AddSupportNote => &[
            Direct(K::Tutor),
            Direct(K::KeyWorker),
            SchoolLeader,
            SchoolDsl,
        ],
        Action::ViewSafeguarding => &[SchoolDsl],
        Action::ViewAccessLog => &[Itself, GuardianWithResponsibility, SchoolLeader, SchoolDsl],
        Action::ManageRelationships => &[SchoolLeader],
        // The child helps choose their mentor; a parent may do it with or for them.
        Action::ChooseMentor => &[Itself, GuardianWithResponsibility],
        Action::ViewMentoring => &[
            Itself,
            GuardianWithResponsibility,
            Direct(K::Tutor),
            Direct(K::Mentor),
            SchoolLeader,
            SchoolDsl,
        ],
        // The private part of a session is the mentor's own notes.
        Action::MentorSessions => &[Direct(K::Mentor)],
        Action::LogHomeContact => &[Direct(K::Tutor), Direct(K::KeyWorker), SchoolLeader],
        Action::LogPeerSession => &[Itself, Direct(K::PeerTutor)],
        Action::ChooseChallenges => &[Itself, GuardianWithResponsibility],
        // The plan is read by everyone who works with the learner on their learning; support
        // notes and safeguarding stay out of it.
        Action::ViewPlan => &[
            Itself,
            GuardianWithResponsibility,
            Direct(K::Tutor),
            Direct(K::Mentor),
            Direct(K::TeachingAssistant),
            Direct(K::KeyWorker),
            TeachesGroup,
            SchoolLeader,
            SchoolDsl,
            CollaborativeWithConsent,
        ],
        // Learning is done with the child, not to them: the learner writes their plan; the
        // tutor may hold the pen for a young child. Parents comment and agree.
        Action::EditPlan => &[Itself, Direct(K::Tutor)],
        Action::CommentOnPlan => &[
            Itself,
            GuardianWithResponsibility,
            Direct(K::Tutor),
            Direct(K::Mentor),
            SchoolLeader,
        ],
        // Which of the three agreements a grant gives is read from its path (`agreement_role`).
        Action::AgreePlan => &[Itself, GuardianWithResponsibility, Direct(K::Tutor)],
        // Self, peer and teacher assessment; the source is read from the path.
        Action::JudgeRung => &[
            Itself,
            Direct(K::PeerTutor),
            Direct(K::Tutor),
            TeachesGroup,
            SchoolLeader,
        ],
        Action::ViewPortfolio => &[
            Itself,
            GuardianWithResponsibility,
            Direct(K::Tutor),
            Direct(K::Mentor),
            Direct(K::TeachingAssistant),
            Direct(K::KeyWorker),
            Direct(K::CommunityTeacher),
            TeachesGroup,
            SchoolLeader,
            SchoolDsl,
        ],
        Action::AddEvidence => &[
            Itself,
            GuardianWithResponsibility,
            Direct(K::Tutor),
            Direct(K::Mentor),
            Direct(K::TeachingAssistant),
            Direct(K::CommunityTeacher),
            TeachesGroup,
        ],
        Action::CuratePortfolio => &[Itself],
        Action::BookReview => &[GuardianWithResponsibility, SchoolLeader],
        Action::RecordReview => &[Direct(K::Tutor), SchoolLeader],
        Action::ExportPassport => &[Itself, GuardianWithResponsibility, SchoolLeader],
        Action::ImportPassport => &[SchoolLeader],
        // Where a child is during the day is for the people who look after them there
        // and at home; community teachers see only the sessions they teach themselves.
        Action::ViewTimetable => &[
            Itself,
            GuardianWithResponsibility,
            Direct(K::Tutor),
            Direct(K::Mentor),
            Direct(K::TeachingAssistant),
            Direct(K::KeyWorker),
            TeachesGroup,
            SchoolLeader,
            SchoolDsl,
        ],
        // The child chooses how to use their SECURE periods; a parent may do it with them.
        Action::ChooseTimetable => &[Itself, GuardianWithResponsibility],
        // A calendar link works without signing in, so only the family may make one.
        Action::SubscribeTimetable => &[Itself, GuardianWithResponsibility],
    }
}

/// Who, beyond the people who must see it, a portfolio item is shared with. The learner
/// sets this per item; a grant's path says which audience its holder belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The learner, parents with responsibility, the tutor who agrees the plan, and the
    /// school's leaders and safeguarding lead: they always see every kept item.
    Always,
    /// Teachers of the learner's groups, teaching assistants and key workers.
    Teachers,
    Mentor,
    /// Community teachers (vetted volunteers).
    Community,
    /// Nobody else: paths that do not read portfolios.
    Nobody,
}

/// The audience a path belongs to, for portfolio items.
pub fn audience(path: Path) -> Audience {
    match path {
        Itself | GuardianWithResponsibility | SchoolLeader | SchoolDsl | Direct(K::Tutor) => {
            Audience::Always
        }
        TeachesGroup | Direct(K::TeachingAssistant) | Direct(K::KeyWorker) => Audience::Teachers,
        Direct(K::Mentor) => Audience::Mentor,
        Direct(K::CommunityTeacher) => Audience::Community,
        Direct(K::Guardian) | Direct(K::PeerTutor) | CollaborativeWithConsent => Audience::Nobody,
    }
}

/// Which of the three agreements a plan needs an `AgreePlan` grant's path gives.
pub fn agreement_role(path: Path) -> Option<village_domain::plan::AgreementRole> {
    use village_domain::plan::AgreementRole;
    match path {
        Itself => Some(AgreementRole::Learner),
        GuardianWithResponsibility => Some(AgreementRole::Parent),
        Direct(K::Tutor) => Some(AgreementRole::Tutor),
        _ => None,
    }
}
