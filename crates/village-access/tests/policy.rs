//! The policy's tests: a persona × action table kept as a snapshot, and property tests on
//! random relationship graphs against an independent reference model.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::type_complexity
)]

use jiff::Timestamp;
use proptest::prelude::*;
use village_access::act::{ViewAttendance, ViewProfile, ViewSafeguarding, ViewSupportNotes};
use village_access::{Action, LearnerFacts, Policy, Subject, SubjectRole, Teaching, Tie};
use village_domain::person::Role;
use village_domain::relationship::RelationshipKind as K;
use village_domain::{GroupId, OrgId, Period, PersonId};

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap()
}

const NOW: i64 = 1_000_000;
const SCHOOL: OrgId = OrgId(10);
const OTHER_SCHOOL: OrgId = OrgId(11);
const TRUST: OrgId = OrgId(1);
const PUPIL: PersonId = PersonId(100);
const CLASS: GroupId = GroupId(7);

fn always() -> Period {
    Period::from(ts(0))
}

fn tie(kind: K, pr: bool, period: Period) -> Tie {
    Tie {
        learner: PUPIL,
        kind,
        parental_responsibility: pr,
        period,
    }
}

fn role(org: OrgId, role: Role) -> SubjectRole {
    SubjectRole {
        org,
        role,
        period: always(),
    }
}

fn persona(id: i64) -> Subject {
    Subject {
        person: Some(PersonId(id)),
        ..Subject::default()
    }
}

fn personas() -> Vec<(&'static str, Subject)> {
    let with_ties = |id, ties| Subject {
        ties,
        ..persona(id)
    };
    let with_roles = |id, roles| Subject {
        roles,
        ..persona(id)
    };
    vec![
        ("the pupil", persona(PUPIL.0)),
        (
            "parent with responsibility",
            with_ties(1, vec![tie(K::Guardian, true, always())]),
        ),
        (
            "parent without responsibility",
            with_ties(2, vec![tie(K::Guardian, false, always())]),
        ),
        ("tutor", with_ties(3, vec![tie(K::Tutor, false, always())])),
        (
            "former tutor (ended)",
            with_ties(
                4,
                vec![tie(K::Tutor, false, Period::between(ts(0), ts(NOW)))],
            ),
        ),
        (
            "future tutor (not started)",
            with_ties(5, vec![tie(K::Tutor, false, Period::from(ts(NOW + 1)))]),
        ),
        (
            "mentor",
            with_ties(6, vec![tie(K::Mentor, false, always())]),
        ),
        (
            "teaching assistant",
            with_ties(7, vec![tie(K::TeachingAssistant, false, always())]),
        ),
        (
            "peer tutor",
            with_ties(8, vec![tie(K::PeerTutor, false, always())]),
        ),
        (
            "key worker",
            with_ties(9, vec![tie(K::KeyWorker, false, always())]),
        ),
        (
            "community teacher",
            with_ties(12, vec![tie(K::CommunityTeacher, false, always())]),
        ),
        (
            "teacher of the pupil's class",
            Subject {
                teaching: vec![Teaching {
                    group: CLASS,
                    period: always(),
                }],
                ..persona(13)
            },
        ),
        (
            "teacher of another class",
            Subject {
                teaching: vec![Teaching {
                    group: GroupId(8),
                    period: always(),
                }],
                ..persona(14)
            },
        ),
        (
            "leader of the school",
            with_roles(15, vec![role(SCHOOL, Role::Leader)]),
        ),
        (
            "leader of another school",
            with_roles(16, vec![role(OTHER_SCHOOL, Role::Leader)]),
        ),
        (
            "safeguarding lead",
            with_roles(17, vec![role(SCHOOL, Role::Dsl)]),
        ),
        (
            "teacher role, no group",
            with_roles(18, vec![role(SCHOOL, Role::Teacher)]),
        ),
        (
            "collaborative leader",
            with_roles(19, vec![role(TRUST, Role::CollaborativeLeader)]),
        ),
        ("stranger", persona(20)),
        ("anonymous", Subject::default()),
    ]
}

fn pupil_facts(consent: bool) -> LearnerFacts {
    LearnerFacts {
        learner: PUPIL,
        school: SCHOOL,
        collaborative: Some(TRUST),
        memberships: vec![(CLASS, always())],
        shares_with_collaborative: consent,
    }
}

/// The whole policy as a readable table. Any change to who may see what shows up as a diff.
#[test]
fn persona_action_table() {
    let mut out = String::new();
    for consent in [false, true] {
        out.push_str(&format!(
            "## pupil shares with the collaborative: {consent}\n"
        ));
        for (name, subject) in personas() {
            let cells: Vec<String> = Action::ALL
                .iter()
                .map(|a| {
                    let d = Policy::decide(&subject, *a, &pupil_facts(consent), ts(NOW));
                    match d.path {
                        Some(p) => format!("{}=yes({})", a.as_str(), p.as_str()),
                        None => format!("{}=no", a.as_str()),
                    }
                })
                .collect();
            out.push_str(&format!("{name}:\n  {}\n", cells.join("\n  ")));
        }
    }
    insta::assert_snapshot!(out);
}

#[test]
fn anonymous_never_gets_a_grant_or_scope() {
    let anon = Subject::default();
    assert!(Policy::authorize::<ViewProfile>(&anon, &pupil_facts(true), ts(NOW)).is_err());
    assert!(Policy::scope::<ViewProfile>(&anon, ts(NOW)).is_none());
}

#[test]
fn safeguarding_is_for_the_dsl_only() {
    for (name, subject) in personas() {
        let ok =
            Policy::authorize::<ViewSafeguarding>(&subject, &pupil_facts(true), ts(NOW)).is_ok();
        assert_eq!(ok, name == "safeguarding lead", "{name}");
    }
}

// ---- Property tests against an independent reference model ----------------------------

/// A random world: a few learners in two schools of one collaborative, groups, and edges.
#[derive(Debug, Clone)]
struct World {
    learners: Vec<(PersonId, OrgId, bool)>,
    memberships: Vec<(PersonId, GroupId, (i64, Option<i64>))>,
    ties: Vec<(PersonId, PersonId, K, bool, (i64, Option<i64>))>,
    teaching: Vec<(PersonId, GroupId, (i64, Option<i64>))>,
    roles: Vec<(PersonId, OrgId, Role, (i64, Option<i64>))>,
}

const KINDS: [K; 7] = K::ALL;
const SUBJECTS: i64 = 6;
const LEARNERS: i64 = 5;

fn period_strategy() -> impl Strategy<Value = (i64, Option<i64>)> {
    (0i64..20, proptest::option::of(0i64..20)).prop_map(|(s, e)| (s, e.map(|e| s + e)))
}

fn world_strategy() -> impl Strategy<Value = World> {
    let learners = proptest::collection::vec(
        (prop_oneof![Just(SCHOOL), Just(OTHER_SCHOOL)], any::<bool>()),
        LEARNERS as usize,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (s, c))| (PersonId(100 + i as i64), s, c))
            .collect::<Vec<_>>()
    });
    let person = 1i64..=SUBJECTS;
    let learner = 100i64..100 + LEARNERS;
    let group = 1i64..4;
    let memberships =
        proptest::collection::vec((learner.clone(), group.clone(), period_strategy()), 0..8)
            .prop_map(|v| {
                v.into_iter()
                    .map(|(l, g, p)| (PersonId(l), GroupId(g), p))
                    .collect()
            });
    let ties = proptest::collection::vec(
        (
            person.clone(),
            learner,
            0usize..KINDS.len(),
            any::<bool>(),
            period_strategy(),
        ),
        0..10,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(s, l, k, pr, p)| (PersonId(s), PersonId(l), KINDS[k], pr, p))
            .collect()
    });
    let teaching = proptest::collection::vec((person.clone(), group, period_strategy()), 0..5)
        .prop_map(|v| {
            v.into_iter()
                .map(|(s, g, p)| (PersonId(s), GroupId(g), p))
                .collect()
        });
    let roles = proptest::collection::vec(
        (
            person,
            prop_oneof![Just(SCHOOL), Just(OTHER_SCHOOL), Just(TRUST)],
            prop_oneof![
                Just(Role::Leader),
                Just(Role::Dsl),
                Just(Role::Teacher),
                Just(Role::CollaborativeLeader)
            ],
            period_strategy(),
        ),
        0..5,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(s, o, r, p)| (PersonId(s), o, r, p))
            .collect()
    });
    (learners, memberships, ties, teaching, roles).prop_map(
        |(learners, memberships, ties, teaching, roles)| World {
            learners,
            memberships,
            ties,
            teaching,
            roles,
        },
    )
}

fn holds((start, end): (i64, Option<i64>), t: i64) -> bool {
    start <= t && end.is_none_or(|e| t < e)
}

fn to_period((start, end): (i64, Option<i64>)) -> Period {
    Period {
        start: ts(start),
        end: end.map(ts),
    }
}

/// The reference model: the policy restated as a plain walk over the world's edges. It is
/// written independently of `village_access` so the two can disagree.
fn reference_allows(
    w: &World,
    action: Action,
    subject: PersonId,
    learner: PersonId,
    t: i64,
) -> bool {
    let Some(&(_, school, consent)) = w.learners.iter().find(|(l, _, _)| *l == learner) else {
        return false;
    };
    let has_tie = |kind: K, need_pr: bool| {
        w.ties.iter().any(|(s, l, k, pr, p)| {
            *s == subject && *l == learner && *k == kind && (!need_pr || *pr) && holds(*p, t)
        })
    };
    let has_role = |role: Role, org: OrgId| {
        w.roles
            .iter()
            .any(|(s, o, r, p)| *s == subject && *o == org && *r == role && holds(*p, t))
    };
    let teaches = w.teaching.iter().any(|(s, g, p)| {
        *s == subject
            && holds(*p, t)
            && w.memberships
                .iter()
                .any(|(l, mg, mp)| *l == learner && mg == g && holds(*mp, t))
    });
    let is_self = subject == learner;
    let leader = has_role(Role::Leader, school);
    let dsl = has_role(Role::Dsl, school);
    let collab = consent && has_role(Role::CollaborativeLeader, TRUST);
    let parent = has_tie(K::Guardian, true);
    match action {
        Action::ViewProfile => {
            is_self
                || parent
                || [
                    K::Tutor,
                    K::Mentor,
                    K::TeachingAssistant,
                    K::KeyWorker,
                    K::CommunityTeacher,
                ]
                .into_iter()
                .any(|k| has_tie(k, false))
                || teaches
                || leader
                || dsl
                || collab
        }
        Action::ViewAttendance | Action::ViewProgress => {
            is_self
                || parent
                || [K::Tutor, K::Mentor, K::TeachingAssistant, K::KeyWorker]
                    .into_iter()
                    .any(|k| has_tie(k, false))
                || teaches
                || leader
                || dsl
                || collab
        }
        Action::ViewSupportNotes | Action::AddSupportNote => {
            has_tie(K::Tutor, false) || has_tie(K::KeyWorker, false) || leader || dsl
        }
        Action::ViewSafeguarding => dsl,
        Action::ViewAccessLog => is_self || parent || leader || dsl,
        Action::ManageRelationships => leader,
        Action::ChooseMentor => is_self || parent,
        Action::ViewMentoring => {
            is_self
                || parent
                || has_tie(K::Tutor, false)
                || has_tie(K::Mentor, false)
                || leader
                || dsl
        }
        Action::MentorSessions => has_tie(K::Mentor, false),
        Action::LogHomeContact => {
            has_tie(K::Tutor, false) || has_tie(K::KeyWorker, false) || leader
        }
        Action::LogPeerSession => is_self || has_tie(K::PeerTutor, false),
        Action::ChooseChallenges => is_self || parent,
        Action::ViewPlan => {
            is_self
                || parent
                || [K::Tutor, K::Mentor, K::TeachingAssistant, K::KeyWorker]
                    .into_iter()
                    .any(|k| has_tie(k, false))
                || teaches
                || leader
                || dsl
                || collab
        }
        Action::EditPlan => is_self || has_tie(K::Tutor, false),
        Action::CommentOnPlan => {
            is_self || parent || has_tie(K::Tutor, false) || has_tie(K::Mentor, false) || leader
        }
        Action::AgreePlan => is_self || parent || has_tie(K::Tutor, false),
        Action::JudgeRung => {
            is_self || has_tie(K::PeerTutor, false) || has_tie(K::Tutor, false) || teaches || leader
        }
        Action::ViewPortfolio => {
            is_self
                || parent
                || [
                    K::Tutor,
                    K::Mentor,
                    K::TeachingAssistant,
                    K::KeyWorker,
                    K::CommunityTeacher,
                ]
                .into_iter()
                .any(|k| has_tie(k, false))
                || teaches
                || leader
                || dsl
        }
        Action::AddEvidence => {
            is_self
                || parent
                || [
                    K::Tutor,
                    K::Mentor,
                    K::TeachingAssistant,
                    K::CommunityTeacher,
                ]
                .into_iter()
                .any(|k| has_tie(k, false))
                || teaches
        }
        Action::CuratePortfolio => is_self,
        Action::BookReview => parent || leader,
        Action::RecordReview => has_tie(K::Tutor, false) || leader,
        Action::ExportPassport => is_self || parent || leader,
        Action::ImportPassport => leader,
        Action::ViewTimetable => {
            is_self
                || parent
                || [K::Tutor, K::Mentor, K::TeachingAssistant, K::KeyWorker]
                    .into_iter()
                    .any(|k| has_tie(k, false))
                || teaches
                || leader
                || dsl
        }
        Action::ChooseTimetable | Action::SubscribeTimetable => is_self || parent,
    }
}

fn subject_of(w: &World, id: PersonId) -> Subject {
    Subject {
        person: Some(id),
        roles: w
            .roles
            .iter()
            .filter(|r| r.0 == id)
            .map(|(_, org, role, p)| SubjectRole {
                org: *org,
                role: *role,
                period: to_period(*p),
            })
            .collect(),
        ties: w
            .ties
            .iter()
            .filter(|r| r.0 == id)
            .map(|(_, l, k, pr, p)| Tie {
                learner: *l,
                kind: *k,
                parental_responsibility: *pr,
                period: to_period(*p),
            })
            .collect(),
        teaching: w
            .teaching
            .iter()
            .filter(|r| r.0 == id)
            .map(|(_, g, p)| Teaching {
                group: *g,
                period: to_period(*p),
            })
            .collect(),
    }
}

fn facts_of(w: &World, learner: PersonId, school: OrgId, consent: bool) -> LearnerFacts {
    LearnerFacts {
        learner,
        school,
        collaborative: Some(TRUST),
        memberships: w
            .memberships
            .iter()
            .filter(|m| m.0 == learner)
            .map(|(_, g, p)| (*g, to_period(*p)))
            .collect(),
        shares_with_collaborative: consent,
    }
}

fn scope_contains(action: Action, subject: &Subject, facts: &LearnerFacts, at: Timestamp) -> bool {
    use village_access::act::*;
    macro_rules! check {
        ($t:ty) => {
            Policy::scope::<$t>(subject, at).is_some_and(|s| s.contains(facts))
        };
    }
    match action {
        Action::ViewProfile => check!(ViewProfile),
        Action::ViewAttendance => check!(ViewAttendance),
        Action::ViewProgress => check!(ViewProgress),
        Action::ViewSupportNotes => check!(ViewSupportNotes),
        Action::ViewSafeguarding => check!(ViewSafeguarding),
        Action::ViewAccessLog => check!(ViewAccessLog),
        Action::AddSupportNote => check!(AddSupportNote),
        Action::ManageRelationships => check!(ManageRelationships),
        Action::ChooseMentor => check!(ChooseMentor),
        Action::ViewMentoring => check!(ViewMentoring),
        Action::MentorSessions => check!(MentorSessions),
        Action::LogHomeContact => check!(LogHomeContact),
        Action::LogPeerSession => check!(LogPeerSession),
        Action::ChooseChallenges => check!(ChooseChallenges),
        Action::ViewPlan => check!(ViewPlan),
        Action::EditPlan => check!(EditPlan),
        Action::CommentOnPlan => check!(CommentOnPlan),
        Action::AgreePlan => check!(AgreePlan),
        Action::JudgeRung => check!(JudgeRung),
        Action::ViewPortfolio => check!(ViewPortfolio),
        Action::AddEvidence => check!(AddEvidence),
        Action::CuratePortfolio => check!(CuratePortfolio),
        Action::BookReview => check!(BookReview),
        Action::RecordReview => check!(RecordReview),
        Action::ExportPassport => check!(ExportPassport),
        Action::ImportPassport => check!(ImportPassport),
        Action::ViewTimetable => check!(ViewTimetable),
        Action::ChooseTimetable => check!(ChooseTimetable),
        Action::SubscribeTimetable => check!(SubscribeTimetable),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// Access is granted if and only if a granting relationship exists at that time, and the
    /// list scope agrees with the one-learner decision.
    #[test]
    fn policy_matches_reference_model(w in world_strategy(), t in 0i64..45) {
        for s in 1..=SUBJECTS {
            let subject = subject_of(&w, PersonId(s));
            for &(learner, school, consent) in &w.learners {
                let facts = facts_of(&w, learner, school, consent);
                for action in Action::ALL {
                    let expected = reference_allows(&w, action, PersonId(s), learner, t);
                    let decided = Policy::decide(&subject, action, &facts, ts(t)).allowed;
                    prop_assert_eq!(decided, expected, "decide: subject {} learner {} {:?} at {}", s, learner, action, t);
                    let listed = scope_contains(action, &subject, &facts, ts(t));
                    prop_assert_eq!(listed, expected, "scope: subject {} learner {} {:?} at {}", s, learner, action, t);
                }
            }
        }
    }

    /// Learners can see themselves; nothing else comes for free.
    #[test]
    fn empty_subject_sees_only_itself(id in 100i64..105, t in 0i64..45, consent in any::<bool>()) {
        let subject = persona(id);
        let facts = LearnerFacts { learner: PUPIL, school: SCHOOL, collaborative: Some(TRUST), memberships: vec![], shares_with_collaborative: consent };
        let got = Policy::authorize::<ViewAttendance>(&subject, &facts, ts(t)).is_ok();
        prop_assert_eq!(got, id == PUPIL.0);
        prop_assert!(Policy::authorize::<ViewSupportNotes>(&subject, &facts, ts(t)).is_err());
    }
}

/// The people who must see a portfolio always do; everyone else sees what the learner
/// shares with their kind; paths that do not read portfolios see nothing.
#[test]
fn portfolio_audiences_and_agreement_roles_follow_the_path() {
    use village_access::{agreement_role, audience, paths, Audience, Path as P};
    use village_domain::plan::AgreementRole;
    for p in paths(Action::ViewPortfolio) {
        assert_ne!(audience(*p), Audience::Nobody, "{p:?} reads portfolios");
    }
    assert_eq!(audience(P::Itself), Audience::Always);
    assert_eq!(audience(P::GuardianWithResponsibility), Audience::Always);
    assert_eq!(audience(P::Direct(K::Tutor)), Audience::Always);
    assert_eq!(audience(P::TeachesGroup), Audience::Teachers);
    assert_eq!(audience(P::Direct(K::Mentor)), Audience::Mentor);
    assert_eq!(
        audience(P::Direct(K::CommunityTeacher)),
        Audience::Community
    );
    assert_eq!(audience(P::Direct(K::PeerTutor)), Audience::Nobody);
    assert_eq!(audience(P::CollaborativeWithConsent), Audience::Nobody);
    // Every path that may agree a plan gives exactly one of the three agreements.
    let roles: Vec<AgreementRole> = paths(Action::AgreePlan)
        .iter()
        .map(|p| agreement_role(*p).unwrap())
        .collect();
    assert_eq!(roles.len(), 3);
    for r in AgreementRole::ALL {
        assert!(roles.contains(&r), "{r:?}");
    }
}
