//! The operations behind pages and API alike: each loads what a person may see, through the
//! access policy, into a view model. Pages render these as HTML, the API as JSON, so the two
//! can never disagree about who sees what.

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use village_access::act::{self, Act};
use village_access::org_act::OrgAct;
use village_access::{Grant, GroupGrant, OrgGrant, Policy};
use village_domain::person::Role;
use village_domain::relationship::RelationshipKind;
use village_domain::{GroupId, OrgId, PersonId};
use village_store::{
    AttendanceView, GroupSummary, LearnerFilter, LearnerProfile, LearnerSummary, OrgRow,
    ProgressView, SchoolOverview, SupportNote,
};

/// Today's date where the schools are.
pub fn today(now: Timestamp) -> Date {
    let tz = jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC);
    now.to_zoned(tz).date()
}

/// Checks `A` on a learner. Missing and refused answer the same; a refusal is audited.
pub async fn grant<A: Act>(
    state: &AppState,
    user: &CurrentUser,
    learner: PersonId,
) -> Result<Grant<A>, AppError> {
    Ok(grant_with_facts::<A>(state, user, learner).await?.0)
}

/// [`grant`], also handing back the facts it read, for further checks on the same page.
pub async fn grant_with_facts<A: Act>(
    state: &AppState,
    user: &CurrentUser,
    learner: PersonId,
) -> Result<(Grant<A>, village_access::LearnerFacts), AppError> {
    let facts = state.store.learner_facts(learner, user.now).await?;
    let Some(facts) = facts else {
        state
            .store
            .record_denial(
                Some(user.person()),
                A::ACTION.as_str(),
                None,
                None,
                user.now,
            )
            .await?;
        return Err(AppError::NotFound);
    };
    match Policy::authorize::<A>(&user.subject, &facts, user.now) {
        Ok(g) => Ok((g, facts)),
        Err(_) => {
            state
                .store
                .record_denial(
                    Some(user.person()),
                    A::ACTION.as_str(),
                    Some(learner),
                    Some(facts.school),
                    user.now,
                )
                .await?;
            Err(AppError::NotFound)
        }
    }
}

/// The same check when the answer only decides whether to show a part of a page: a refusal
/// here is expected, not an attempt, so it is not logged as a denial.
async fn optional_grant<A: Act>(
    state: &AppState,
    user: &CurrentUser,
    facts: &village_access::LearnerFacts,
) -> Option<Grant<A>> {
    let _ = state;
    Policy::authorize::<A>(&user.subject, facts, user.now).ok()
}

/// Checks an organisation-level action on a school. Missing and refused answer the same.
pub async fn org_grant<A: OrgAct>(
    state: &AppState,
    user: &CurrentUser,
    school: OrgId,
) -> Result<(OrgGrant<A>, OrgRow), AppError> {
    let org = state.store.org(school).await?;
    let Some(org) = org.filter(|o| o.kind == village_domain::org::OrgKind::School) else {
        return Err(AppError::NotFound);
    };
    match Policy::authorize_org::<A>(&user.subject, org.id, org.parent, user.now) {
        Ok(g) => Ok((g, org)),
        Err(_) => {
            state
                .store
                .record_denial(
                    Some(user.person()),
                    A::ACTION.as_str(),
                    None,
                    Some(org.id),
                    user.now,
                )
                .await?;
            Err(AppError::NotFound)
        }
    }
}

pub async fn group_grant(
    state: &AppState,
    user: &CurrentUser,
    group: GroupId,
) -> Result<GroupGrant, AppError> {
    let school = state
        .store
        .group_school(group)
        .await?
        .ok_or(AppError::NotFound)?;
    match Policy::authorize_group(&user.subject, group, school, user.now) {
        Ok(g) => Ok(g),
        Err(_) => {
            state
                .store
                .record_denial(
                    Some(user.person()),
                    "view_group",
                    None,
                    Some(school),
                    user.now,
                )
                .await?;
            Err(AppError::NotFound)
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct WhatsNext {
    pub today: Date,
    pub next_school_day: Option<Date>,
    pub term: Option<String>,
    pub term_ends: Option<Date>,
    pub school_days_left_in_term: usize,
    pub attendance_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PupilHome {
    pub profile: LearnerProfile,
    pub next: WhatsNext,
    /// Pairs in which the pupil tutors someone.
    pub tutoring: Vec<village_store::PeerPair>,
    /// Pairs in which the pupil is tutored.
    pub tutored: Vec<village_store::PeerPair>,
    /// A reminder of the next mentor meeting.
    pub next_meeting: Option<village_store::MentorMeeting>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct HomeView {
    pub first_name: String,
    pub roles: Vec<String>,
    pub pupil: Option<PupilHome>,
    pub children: Option<Vec<LearnerSummary>>,
    /// Children linked to a guardian who has no parental responsibility: not shown.
    pub children_without_access: usize,
    pub tutor_group: Option<Vec<LearnerSummary>>,
    pub mentees: Option<Vec<LearnerSummary>>,
    /// Mentees with no session for six weeks, for the mentor: (learner, name, last session).
    pub mentees_due: Vec<(PersonId, String, Option<Date>)>,
    /// The mentor's meetings in the coming week: their reminders.
    pub meetings_soon: Vec<village_store::MentorMeeting>,
    /// (mentees who have had this half term's sessions, mentees, the school's cadence).
    pub cadence: Option<(usize, usize, village_store::Cadence)>,
    pub supported: Option<Vec<LearnerSummary>>,
    pub volunteer_learners: Option<Vec<LearnerSummary>>,
    pub key_work: Option<Vec<LearnerSummary>>,
    pub groups: Option<Vec<GroupSummary>>,
    pub schools: Vec<SchoolOverview>,
    pub collaboratives: Vec<(OrgRow, Vec<OrgRow>)>,
    /// Booked review-day slots from today on, as learner, parent or tutor.
    pub reviews_soon: Vec<village_store::ReviewSlot>,
    /// Plans a pupil has proposed that wait for this person's agreement.
    pub plans_to_agree: Vec<(PersonId, String)>,
    /// The pupil's lessons today, when their school has published a timetable.
    pub lessons_today: Option<Vec<crate::pages::timetable::LessonLine>>,
    /// What a member of staff teaches today, in every school that published a timetable.
    pub teaching_today: Option<Vec<crate::pages::timetable::LessonLine>>,
}

fn tie_learners(user: &CurrentUser, kind: RelationshipKind, need_pr: bool) -> Vec<PersonId> {
    user.subject
        .ties
        .iter()
        .filter(|t| {
            t.kind == kind && (!need_pr || t.parental_responsibility) && t.period.holds_at(user.now)
        })
        .map(|t| t.learner)
        .collect()
}

async fn list_of(
    state: &AppState,
    user: &CurrentUser,
    only: Vec<PersonId>,
) -> Result<Option<Vec<LearnerSummary>>, AppError> {
    if only.is_empty() {
        return Ok(None);
    }
    let Some(scope) = Policy::scope::<act::ViewProfile>(&user.subject, user.now) else {
        return Ok(None);
    };
    let filter = LearnerFilter {
        only: Some(only),
        limit: 500,
        ..LearnerFilter::default()
    };
    let (list, _) = state.store.list_learners(&scope, &filter).await?;
    Ok(Some(list))
}

/// What comes next in the school year, for a pupil's home page.
pub fn whats_next_in(
    year: Option<&village_domain::calendar::AcademicYear>,
    today: Date,
    attendance_rate: Option<f64>,
) -> WhatsNext {
    let (mut next_day, mut term, mut term_ends, mut left) = (None, None, None, 0);
    if let Some(year) = year {
        let tomorrow = today.tomorrow().unwrap_or(today);
        next_day = year.next_school_day(tomorrow);
        if let Some(t) = year
            .term_on(today)
            .or_else(|| next_day.and_then(|d| year.term_on(d)))
        {
            term = Some(t.name.clone());
            term_ends = Some(t.last_day);
            left = year.school_days(today, t.last_day).len();
        }
    }
    WhatsNext {
        today,
        next_school_day: next_day,
        term,
        term_ends,
        school_days_left_in_term: left,
        attendance_rate,
    }
}

pub async fn home(state: &AppState, user: &CurrentUser) -> Result<HomeView, AppError> {
    let mut view = HomeView {
        first_name: user.first_name().to_string(),
        ..HomeView::default()
    };
    let roles: Vec<Role> = user
        .subject
        .roles
        .iter()
        .filter(|r| r.period.holds_at(user.now))
        .map(|r| r.role)
        .collect();
    let mut labels: Vec<String> = roles.iter().map(|r| r.label().to_string()).collect();
    labels.sort();
    labels.dedup();
    view.roles = labels;

    if roles.contains(&Role::Learner) {
        // One look-up of the facts serves both checks, and the two reads run together so
        // their audit entries share one commit.
        let facts = state
            .store
            .learner_facts(user.person(), user.now)
            .await?
            .ok_or(AppError::NotFound)?;
        let g = Policy::authorize::<act::ViewProfile>(&user.subject, &facts, user.now)
            .map_err(|_| AppError::NotFound)?;
        let ga = Policy::authorize::<act::ViewAttendance>(&user.subject, &facts, user.now)
            .map_err(|_| AppError::NotFound)?;
        let today = today(user.now);
        let year = state.store.academic_year(facts.school, today).await?;
        let from = year
            .as_ref()
            .and_then(|y| y.terms.first().map(|t| t.first_day))
            .unwrap_or(today);
        let (profile, attendance) = tokio::try_join!(
            state.store.learner_profile(&g),
            state.store.attendance(&ga, from, today)
        )?;
        let next = whats_next_in(year.as_ref(), today, attendance.summary.rate());
        let (tutoring, tutored) = state.store.peer_pairs_of(user.person(), user.now).await?;
        let next_meeting = state
            .store
            .next_mentor_meeting(user.person(), today)
            .await?;
        if let Ok(gt) = Policy::authorize::<act::ViewTimetable>(&user.subject, &facts, user.now) {
            if let Some(tt) = state.store.learner_timetable(&gt).await? {
                view.lessons_today =
                    Some(crate::pages::timetable::today_for(state, &tt, today).await?);
            }
        }
        view.pupil = Some(PupilHome {
            profile,
            next,
            tutoring,
            tutored,
            next_meeting,
        });
    }
    let guardian_all = tie_learners(user, RelationshipKind::Guardian, false);
    let guardian_pr = tie_learners(user, RelationshipKind::Guardian, true);
    view.children_without_access = guardian_all.len().saturating_sub(guardian_pr.len());
    if !guardian_all.is_empty() {
        view.children = Some(list_of(state, user, guardian_pr).await?.unwrap_or_default());
    }
    view.tutor_group = list_of(
        state,
        user,
        tie_learners(user, RelationshipKind::Tutor, false),
    )
    .await?;
    let mentees = tie_learners(user, RelationshipKind::Mentor, false);
    view.mentees = list_of(state, user, mentees.clone()).await?;
    if !mentees.is_empty() {
        let today = today(user.now);
        let week = today
            .checked_add(jiff::Span::new().days(7))
            .unwrap_or(today);
        view.meetings_soon = state
            .store
            .mentor_meetings_for(user.person(), today, week)
            .await?;
        view.cadence = cadence_met(state, user, &mentees, today).await?;
    }
    view.mentees_due = mentees_due(state, user, mentees).await?;
    view.supported = list_of(
        state,
        user,
        tie_learners(user, RelationshipKind::TeachingAssistant, false),
    )
    .await?;
    view.volunteer_learners = list_of(
        state,
        user,
        tie_learners(user, RelationshipKind::CommunityTeacher, false),
    )
    .await?;
    view.key_work = list_of(
        state,
        user,
        tie_learners(user, RelationshipKind::KeyWorker, false),
    )
    .await?;
    if roles.contains(&Role::Teacher) || !user.subject.teaching.is_empty() {
        view.groups = Some(
            state
                .store
                .groups_taught_by(user.person(), user.now)
                .await?,
        );
    }
    let mut school_ids: Vec<OrgId> = user
        .subject
        .roles
        .iter()
        .filter(|r| matches!(r.role, Role::Leader | Role::Dsl) && r.period.holds_at(user.now))
        .map(|r| r.org)
        .collect();
    school_ids.sort();
    school_ids.dedup();
    for id in school_ids {
        let (g, _) = org_grant::<village_access::org_act::ViewSchool>(state, user, id).await?;
        view.schools
            .push(state.store.school_overview(&g, today(user.now)).await?);
    }
    for r in user
        .subject
        .roles
        .iter()
        .filter(|r| r.role == Role::CollaborativeLeader && r.period.holds_at(user.now))
    {
        if let Some(c) = state.store.org(r.org).await? {
            let schools = state
                .store
                .orgs_of_kind(village_domain::org::OrgKind::School)
                .await?
                .into_iter()
                .filter(|s| s.parent == Some(c.id))
                .collect();
            view.collaboratives.push((c, schools));
        }
    }
    view.reviews_soon = state
        .store
        .review_reminders(user.person(), today(user.now))
        .await?;
    view.plans_to_agree = state.store.plans_awaiting(user.person(), user.now).await?;
    if !roles.contains(&Role::Learner) {
        let mut teaching = Vec::new();
        let mut any = false;
        for tt in state.store.staff_timetables(user.person()).await? {
            any = true;
            teaching.extend(crate::pages::timetable::today_for(state, &tt, today(user.now)).await?);
        }
        if any {
            teaching.sort_by(|a, b| a.starts.cmp(&b.starts));
            view.teaching_today = Some(teaching);
        }
    }
    Ok(view)
}

#[derive(Debug, Clone, Serialize)]
pub struct LearnerView {
    pub profile: LearnerProfile,
    pub attendance: Option<AttendanceView>,
    pub progress: Option<ProgressView>,
    pub support_notes: Option<Vec<SupportNote>>,
    pub safeguarding: Option<Vec<SupportNote>>,
    pub achievements: Option<Vec<village_store::Achievement>>,
    pub can_add_note: bool,
    pub can_see_access_log: bool,
    pub can_manage_relationships: bool,
    pub can_view_mentoring: bool,
    pub can_view_plan: bool,
    pub can_view_portfolio: bool,
    pub can_log_home_contact: bool,
    pub is_self: bool,
}

pub async fn learner(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
) -> Result<LearnerView, AppError> {
    let (g, facts) = grant_with_facts::<act::ViewProfile>(state, user, id).await?;
    let profile = state.store.learner_profile(&g).await?;
    let today = today(user.now);
    let year_start = state
        .store
        .academic_year(profile.school, today)
        .await?
        .and_then(|y| y.terms.first().map(|t| t.first_day))
        .unwrap_or(today);
    let g_att = optional_grant::<act::ViewAttendance>(state, user, &facts).await;
    let g_prog = optional_grant::<act::ViewProgress>(state, user, &facts).await;
    let g_notes = optional_grant::<act::ViewSupportNotes>(state, user, &facts).await;
    let g_safe = optional_grant::<act::ViewSafeguarding>(state, user, &facts).await;
    // The reads run together, so their audit entries share one commit.
    let (attendance, progress, support_notes, safeguarding) = tokio::try_join!(
        async {
            match &g_att {
                Some(g) => state.store.attendance(g, year_start, today).await.map(Some),
                None => Ok(None),
            }
        },
        async {
            match &g_prog {
                Some(g) => state.store.progress(g).await.map(Some),
                None => Ok(None),
            }
        },
        async {
            match &g_notes {
                Some(g) => state.store.support_notes(g).await.map(Some),
                None => Ok(None),
            }
        },
        async {
            match &g_safe {
                Some(g) => state.store.safeguarding_notes(g).await.map(Some),
                None => Ok(None),
            }
        },
    )?;
    let achievements = match &g_prog {
        Some(g) => Some(state.store.achievements(g).await?),
        None => None,
    };
    Ok(LearnerView {
        profile,
        achievements,
        attendance,
        progress,
        support_notes,
        safeguarding,
        can_add_note: optional_grant::<act::AddSupportNote>(state, user, &facts)
            .await
            .is_some(),
        can_see_access_log: optional_grant::<act::ViewAccessLog>(state, user, &facts)
            .await
            .is_some(),
        can_manage_relationships: optional_grant::<act::ManageRelationships>(state, user, &facts)
            .await
            .is_some(),
        can_view_mentoring: optional_grant::<act::ViewMentoring>(state, user, &facts)
            .await
            .is_some(),
        can_view_plan: optional_grant::<act::ViewPlan>(state, user, &facts)
            .await
            .is_some(),
        can_view_portfolio: optional_grant::<act::ViewPortfolio>(state, user, &facts)
            .await
            .is_some(),
        can_log_home_contact: optional_grant::<act::LogHomeContact>(state, user, &facts)
            .await
            .is_some(),
        is_self: user.person() == id,
    })
}

/// A weekly attendance bar chart as inline SVG, with a title for screen readers. Built from
/// numbers only, so it is safe to insert unescaped.
pub fn attendance_chart(weekly: &[(Date, f64)]) -> String {
    if weekly.is_empty() {
        return String::new();
    }
    let bar_w = 22;
    let gap = 6;
    let h = 120.0;
    let width = weekly.len() * (bar_w + gap) + gap;
    let mut svg = format!(
        "<svg role=\"img\" aria-labelledby=\"att-chart-title\" viewBox=\"0 0 {width} 150\" width=\"{width}\" height=\"150\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"att-chart-title\">Attendance each week, from {} to {}: lowest {:.0}%, highest {:.0}%</title>",
        weekly.first().map(|w| w.0).unwrap_or_default(),
        weekly.last().map(|w| w.0).unwrap_or_default(),
        weekly.iter().map(|w| w.1).fold(f64::MAX, f64::min),
        weekly.iter().map(|w| w.1).fold(0.0, f64::max),
    );
    // The 90% line: below it is persistent absence.
    let y90 = 10.0 + h * 0.1;
    svg.push_str(&format!(
        "<line x1=\"0\" x2=\"{width}\" y1=\"{y90}\" y2=\"{y90}\" stroke=\"#8a1c1c\" stroke-dasharray=\"4 3\"/>"
    ));
    for (i, (_, rate)) in weekly.iter().enumerate() {
        let bh = h * rate / 100.0;
        let x = gap + i * (bar_w + gap);
        let y = 10.0 + h - bh;
        let fill = if *rate < 90.0 { "#8a1c1c" } else { "#1d5e3a" };
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{y:.1}\" width=\"{bar_w}\" height=\"{bh:.1}\" fill=\"{fill}\"/>"
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A group and the pupils in it the person may see.
pub async fn group_roster(
    state: &AppState,
    user: &CurrentUser,
    id: GroupId,
) -> Result<(GroupSummary, Vec<LearnerSummary>), AppError> {
    let g = group_grant(state, user, id).await?;
    let group = state.store.group(&g, user.now).await?;
    let Some(scope) = Policy::scope::<act::ViewProfile>(&user.subject, user.now) else {
        return Ok((group, Vec::new()));
    };
    let filter = LearnerFilter {
        group: Some(id),
        limit: 500,
        ..LearnerFilter::default()
    };
    let (list, _) = state.store.list_learners(&scope, &filter).await?;
    Ok((group, list))
}

/// A mentor's mentees whose last session was more than six weeks ago (or never): the
/// cadence is at least two sessions each half term.
async fn mentees_due(
    state: &AppState,
    user: &CurrentUser,
    mentees: Vec<PersonId>,
) -> Result<Vec<(PersonId, String, Option<Date>)>, AppError> {
    if mentees.is_empty() {
        return Ok(Vec::new());
    }
    let Some(scope) = Policy::scope::<act::ViewMentoring>(&user.subject, user.now) else {
        return Ok(Vec::new());
    };
    let today = today(user.now);
    let rules = village_store::GapRules {
        today,
        mentor_since: today
            .checked_sub(jiff::Span::new().days(42))
            .unwrap_or(today),
        home_since: today,
        year_start: today,
    };
    let filter = village_store::GapFilter {
        only: Some(mentees),
        ..village_store::GapFilter::default()
    };
    let rows = state
        .store
        .relationship_gaps(&scope, rules, &filter)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.gaps.contains(&"No mentor session for six weeks"))
        .map(|r| (r.learner, r.name, r.last_mentor_session))
        .collect())
}

/// How many of a mentor's mentees have had this half term's sessions, by the school's
/// cadence (at least two of 15 minutes unless the school changed it).
async fn cadence_met(
    state: &AppState,
    user: &CurrentUser,
    mentees: &[PersonId],
    today: Date,
) -> Result<Option<(usize, usize, village_store::Cadence)>, AppError> {
    let school = user.account.org;
    let Some(scope) = Policy::scope::<act::ViewMentoring>(&user.subject, user.now) else {
        return Ok(None);
    };
    let cadence = state.store.mentor_cadence(school).await?;
    let Some(since) = state
        .store
        .academic_year(school, today)
        .await?
        .and_then(|y| y.term_on(today).map(|t| t.first_day))
    else {
        return Ok(None);
    };
    let counts = state
        .store
        .sessions_since(&scope, mentees, since, cadence.minutes)
        .await?;
    let met = counts
        .iter()
        .filter(|(_, n)| *n >= cadence.sessions)
        .count();
    Ok(Some((met, counts.len(), cadence)))
}
