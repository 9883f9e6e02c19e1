//! Mentoring pages: choosing mentors, the mentor and the reason, sessions (shared and
//! private parts), contact with home, the relationship map and the gaps report.

use super::extract::{ValidForm, ValidQuery};
use super::{parse_id, render, Page};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::views;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use village_access::{act, org_act, Policy};
use village_domain::{GroupId, OrgId, PersonId};
use village_store::{
    GapFilter, GapRow, GapRules, GroupSummary, MentorProfile, MentorSession, MentoringView,
    StoreError,
};

#[derive(Template)]
#[template(path = "mentoring.html")]
struct MentoringPage {
    page: Page,
    learner: PersonId,
    name: String,
    is_self: bool,
    view: MentoringView,
    can_choose: bool,
    can_override: bool,
    is_mentor: bool,
    next_meeting: Option<village_store::MentorMeeting>,
    profiles: Vec<MentorProfile>,
    sessions: Vec<MentorSession>,
    today: String,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

async fn mentoring_page(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let g = views::grant::<act::ViewMentoring>(state, user, id).await?;
    let facts = state
        .store
        .learner_facts(id, user.now)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = state.store.mentoring(&g).await?;
    let next_meeting = state
        .store
        .next_mentor_meeting(id, views::today(user.now))
        .await?;
    let can_choose =
        Policy::authorize::<act::ChooseMentor>(&user.subject, &facts, user.now).is_ok();
    let mentor_grant =
        Policy::authorize::<act::MentorSessions>(&user.subject, &facts, user.now).ok();
    let sessions = match &mentor_grant {
        Some(mg) => state.store.mentor_sessions_private(mg).await?,
        None => view.sessions.clone(),
    };
    let school = state
        .store
        .org(facts.school)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_override = Policy::authorize_org::<org_act::ManageMentoring>(
        &user.subject,
        facts.school,
        school.parent,
        user.now,
    )
    .is_ok();
    let profiles = if can_choose || can_override {
        state.store.mentor_profiles(facts.school, user.now).await?
    } else {
        Vec::new()
    };
    let gp = views::grant::<act::ViewProfile>(state, user, id).await?;
    let profile = state.store.learner_profile(&gp).await?;
    let mut resp = render(&MentoringPage {
        page: Page::for_user(user, state),
        learner: id,
        name: profile.name(),
        is_self: user.person() == id,
        view,
        can_choose,
        can_override,
        is_mentor: mentor_grant.is_some(),
        next_meeting,
        profiles,
        sessions,
        today: views::today(user.now).to_string(),
        notice,
        error: error.clone(),
    })?
    .into_response();
    if error.is_some() {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidQuery(q): ValidQuery<Done>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let notice = match q.done.as_str() {
        "choices" => Some(
            "Your choices are saved. You can change them until the school makes the match."
                .to_string(),
        ),
        "session" => Some("Session saved.".to_string()),
        "meeting" => Some(
            "Meeting booked. It shows as a reminder on your home page and your mentee's."
                .to_string(),
        ),
        _ => None,
    };
    mentoring_page(&state, &user, id, notice, None).await
}

#[derive(Deserialize)]
pub struct ChoicesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    choice1: String,
    #[serde(default)]
    choice2: String,
    #[serde(default)]
    choice3: String,
}

pub async fn save_choices(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<ChoicesForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::ChooseMentor>(&state, &user, id).await?;
    let mut choices = Vec::new();
    for raw in [&form.choice1, &form.choice2, &form.choice3] {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        match raw.parse::<PersonId>() {
            Ok(p) => choices.push(p),
            Err(_) => {
                return mentoring_page(
                    &state,
                    &user,
                    id,
                    None,
                    Some("Please pick mentors from the lists.".into()),
                )
                .await
            }
        }
    }
    match state.store.set_mentor_choices(&g, &choices).await {
        Ok(()) => Ok(Redirect::to(&format!("/learners/{id}/mentor?done=choices")).into_response()),
        Err(StoreError::Conflict(msg)) => mentoring_page(&state, &user, id, None, Some(msg)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct SessionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    shared: String,
    #[serde(default)]
    private: String,
    #[serde(default)]
    parent_present: String,
}

pub async fn log_session(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<SessionForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::MentorSessions>(&state, &user, id).await?;
    let today = views::today(user.now);
    let problem = match (
        form.held_on.trim().parse::<jiff::civil::Date>(),
        form.minutes.trim().parse::<i64>(),
    ) {
        (Err(_), _) => Some("Please write the date as YYYY-MM-DD, for example 2026-11-23."),
        (Ok(d), _) if d > today => {
            Some("The session date is in the future. Record sessions after they happen.")
        }
        (_, Err(_)) => Some("Please give the length of the session in minutes."),
        (_, Ok(m)) if !(1..=240).contains(&m) => Some("A session lasts between 1 and 240 minutes."),
        _ if form.shared.trim().is_empty() => {
            Some("Please write what you agreed, so the pupil can see it.")
        }
        _ if form.shared.chars().count() > 4000 || form.private.chars().count() > 4000 => {
            Some("Notes can be at most 4,000 characters.")
        }
        _ => None,
    };
    if let Some(p) = problem {
        return mentoring_page(&state, &user, id, None, Some(p.into())).await;
    }
    let (Ok(held_on), Ok(minutes)) = (form.held_on.trim().parse(), form.minutes.trim().parse())
    else {
        return Err(AppError::bad_input(
            "held_on",
            "Please check the date and minutes.",
        ));
    };
    state
        .store
        .log_mentor_session(
            &g,
            held_on,
            minutes,
            form.shared.trim(),
            form.private.trim(),
            form.parent_present == "1",
        )
        .await?;
    Ok(Redirect::to(&format!("/learners/{id}/mentor?done=session")).into_response())
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    note: String,
}

pub async fn log_home_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<ContactForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::LogHomeContact>(&state, &user, id).await?;
    if !matches!(
        form.channel.as_str(),
        "phone" | "message" | "meeting" | "email"
    ) {
        return Err(AppError::bad_input(
            "channel",
            "Please choose how you were in touch: phone, message, email or meeting.",
        ));
    }
    if form.note.chars().count() > 2000 {
        return Err(AppError::bad_input(
            "note",
            "A note can be at most 2,000 characters.",
        ));
    }
    state
        .store
        .log_home_contact(&g, views::today(user.now), &form.channel, form.note.trim())
        .await?;
    Ok(Redirect::to(&format!("/learners/{id}/map")).into_response())
}

type Circle = (&'static str, Vec<(String, String, String)>);

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    page: Page,
    learner: PersonId,
    name: String,
    given: String,
    is_self: bool,
    circles: Vec<Circle>,
}

pub async fn map(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let gp = views::grant::<act::ViewProfile>(&state, &user, id).await?;
    let facts = state
        .store
        .learner_facts(id, user.now)
        .await?
        .ok_or(AppError::NotFound)?;
    let profile = state.store.learner_profile(&gp).await?;
    let mentoring = match Policy::authorize::<act::ViewMentoring>(&user.subject, &facts, user.now) {
        Ok(g) => Some(state.store.mentoring(&g).await?),
        Err(_) => None,
    };
    let fmt = |d: Option<jiff::civil::Date>, what: &str| match d {
        Some(d) => format!("{what}: {}", d.strftime("%-d %B")),
        None if mentoring.is_some() => format!("{what}: not recorded yet"),
        None => String::new(),
    };
    let home = mentoring.as_ref().and_then(|m| m.last_home_contact);
    let mentor_last = mentoring
        .as_ref()
        .and_then(|m| m.sessions.first().map(|s| s.held_on));
    let last_peer = state.store.last_peer_session(id).await?;
    let fmt_peer = last_peer.map_or_else(String::new, |d| {
        format!("Last peer session: {}", d.strftime("%-d %B"))
    });
    let mut circles: Vec<Circle> = vec![
        ("Family", vec![]),
        ("Tutor and mentor", vec![]),
        ("Teachers", vec![]),
        ("Peers", vec![]),
        ("Support and community", vec![]),
    ];
    for p in &profile.people {
        let (idx, last) = match p.kind.as_str() {
            "guardian" => (0, fmt(home, "Last contact with school")),
            "tutor" => (1, fmt(home, "Last contact with home")),
            "mentor" => (1, fmt(mentor_last, "Last session")),
            "teacher" => (2, String::new()),
            "peer_tutor" => (3, fmt_peer.clone()),
            _ => (4, String::new()),
        };
        if let Some((_, list)) = circles.get_mut(idx) {
            list.push((p.name.clone(), p.relation.clone(), last));
        }
    }
    let groups: Vec<(String, String, String)> = profile
        .groups
        .iter()
        .filter(|(_, _, kind)| kind == "tutor_group" || kind == "community")
        .map(|(_, name, kind)| {
            let what = village_domain::org::GroupKind::parse(kind).map_or("Group", |k| k.label());
            (name.clone(), what.to_string(), String::new())
        })
        .collect();
    circles.push(("Tutor group and communities", groups));
    // Pupils this pupil tutors, and their personal-challenge team.
    let (tutoring, _) = state.store.peer_pairs_of(id, user.now).await?;
    if let Some((_, peers)) = circles.get_mut(3) {
        for p in tutoring {
            // Another child's name is shown only to the tutor themself.
            let who = if user.person() == id {
                p.tutee_name
            } else {
                "A younger pupil".to_string()
            };
            peers.push((
                who,
                format!("Tutee ({})", p.programme_name),
                fmt_peer.clone(),
            ));
        }
    }
    let team = state
        .store
        .team_of(id)
        .await?
        .map(|(c, _)| vec![(c.title, format!("Coach: {}", c.coach_name), String::new())])
        .unwrap_or_default();
    circles.push(("Personal challenge team", team));
    Ok(render(&MapPage {
        page: Page::for_user(&user, &state),
        learner: id,
        name: profile.name(),
        given: profile.given_name.clone(),
        is_self: user.person() == id,
        circles,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct GapQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    need: String,
    #[serde(default)]
    group: String,
}

#[derive(Template)]
#[template(path = "gaps.html")]
struct GapsPage {
    page: Page,
    school_id: OrgId,
    school_name: String,
    rows: Vec<GapRow>,
    years: Vec<u8>,
    groups: Vec<GroupSummary>,
    year: String,
    need: String,
    group: String,
}

/// The dates the gaps report measures against, from the school's calendar.
pub async fn gap_rules(
    state: &AppState,
    school: OrgId,
    now: jiff::Timestamp,
) -> Result<GapRules, AppError> {
    let today = views::today(now);
    let year = state.store.academic_year(school, today).await?;
    let year_start = year
        .as_ref()
        .and_then(|y| y.terms.first().map(|t| t.first_day))
        .unwrap_or(today);
    let home_since = year
        .as_ref()
        .and_then(|y| {
            y.term_on(today)
                .or_else(|| y.terms.iter().rev().find(|t| t.first_day <= today))
                .map(|t| t.first_day)
        })
        .unwrap_or(today);
    Ok(GapRules {
        today,
        mentor_since: today
            .checked_sub(jiff::Span::new().days(42))
            .unwrap_or(today),
        home_since,
        year_start,
    })
}

pub async fn gaps(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidQuery(q): ValidQuery<GapQuery>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    // The grant is the check that this person may see the whole school's report; the rows
    // themselves are still limited to the learners the policy lets them see.
    let (_grant, org) = views::org_grant::<org_act::ViewGapsReport>(&state, &user, id).await?;
    let year = match q.year.trim() {
        "" => None,
        y => Some(y.parse::<u8>().map_err(|_| {
            AppError::bad_input("year", "Please choose a year group from the list.")
        })?),
    };
    let group =
        match q.group.trim() {
            "" => None,
            g => Some(g.parse::<GroupId>().map_err(|_| {
                AppError::bad_input("group", "Please choose a group from the list.")
            })?),
        };
    let need = match q.need.as_str() {
        "" => None,
        n @ ("any" | "sen_support" | "ehc_plan") => Some(n.to_string()),
        _ => return Err(AppError::bad_input("need", "Please choose from the list.")),
    };
    let scope = Policy::scope::<act::ViewMentoring>(&user.subject, user.now)
        .ok_or(AppError::SignInNeeded)?;
    let rules = gap_rules(&state, id, user.now).await?;
    let filter = GapFilter {
        school: Some(id),
        group,
        year_group: year,
        need: need.clone(),
        only: None,
        gaps_only: true,
    };
    let rows = state
        .store
        .relationship_gaps(&scope, rules, &filter)
        .await?;
    let school_view =
        Policy::authorize_org::<org_act::ViewSchool>(&user.subject, id, org.parent, user.now)
            .map_err(|_| AppError::NotFound)?;
    let groups = state.store.groups_of_school(&school_view).await?;
    Ok(render(&GapsPage {
        page: Page::for_user(&user, &state),
        school_id: id,
        school_name: org.name,
        rows,
        years: (0..=13).collect(),
        groups,
        year: year.map(|y| y.to_string()).unwrap_or_default(),
        need: need.unwrap_or_default(),
        group: group.map(|g| g.to_string()).unwrap_or_default(),
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "mentoring_admin.html")]
struct MentoringAdminPage {
    page: Page,
    school_id: OrgId,
    school_name: String,
    learners: usize,
    ranked: usize,
    mentors: usize,
    capacity: i64,
    without: usize,
    profiles: Vec<MentorProfile>,
    cadence: village_store::Cadence,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct RunDone {
    #[serde(default)]
    first: Option<usize>,
    #[serde(default)]
    second: Option<usize>,
    #[serde(default)]
    third: Option<usize>,
    #[serde(default)]
    placed: Option<usize>,
    #[serde(default)]
    unplaced: Option<usize>,
}

pub async fn admin(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidQuery(q): ValidQuery<RunDone>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    let (g, org) = views::org_grant::<org_act::ManageMentoring>(&state, &user, id).await?;
    let inputs = state.store.mentoring_inputs(&g).await?;
    let mut ranked: Vec<PersonId> = inputs.choices.iter().map(|c| c.0).collect();
    ranked.sort();
    ranked.dedup();
    let notice = q.first.map(|first| {
        format!(
            "Done. {first} pupils got their first choice, {} their second, {} their third; {} were placed where there was room{}.",
            q.second.unwrap_or(0),
            q.third.unwrap_or(0),
            q.placed.unwrap_or(0),
            match q.unplaced.unwrap_or(0) {
                0 => String::new(),
                n => format!(", and {n} could not be placed because every mentor is full: add mentors or places"),
            }
        )
    });
    Ok(render(&MentoringAdminPage {
        page: Page::for_user(&user, &state),
        school_id: id,
        school_name: org.name,
        learners: inputs.learners.len(),
        ranked: ranked.len(),
        mentors: inputs.mentors.len(),
        capacity: inputs.mentors.iter().map(|m| m.capacity).sum(),
        without: inputs.learners.iter().filter(|(_, m)| m.is_none()).count(),
        profiles: inputs.mentors,
        cadence: state.store.mentor_cadence(id).await?,
        notice,
    })?
    .into_response())
}

pub async fn run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<super::signin::CsrfOnly>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageMentoring>(&state, &user, id).await?;
    let inputs = state.store.mentoring_inputs(&g).await?;
    let result = crate::mentor_run::assign(&inputs);
    state
        .store
        .apply_mentor_assignment(&g, &result.outcomes)
        .await?;
    let count = |rank: i64| {
        result
            .outcomes
            .iter()
            .filter(|o| o.choice_rank == Some(rank))
            .count()
    };
    let placed = result
        .outcomes
        .iter()
        .filter(|o| o.choice_rank.is_none())
        .count();
    Ok(Redirect::to(&format!(
        "/schools/{id}/mentoring?first={}&second={}&third={}&placed={placed}&unplaced={}",
        count(1),
        count(2),
        count(3),
        result.unplaced.len()
    ))
    .into_response())
}

#[derive(Deserialize)]
pub struct OverrideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mentor: String,
    #[serde(default)]
    reason: String,
}

/// A leader sets a pupil's mentor by hand, with a reason the pupil and family see.
pub async fn override_mentor(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<OverrideForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let facts = state
        .store
        .learner_facts(id, user.now)
        .await?
        .ok_or(AppError::NotFound)?;
    // Both checks: the pupil (relationships) and the school (mentoring).
    let _pupil = views::grant::<act::ManageRelationships>(&state, &user, id).await?;
    let (g, _) = views::org_grant::<org_act::ManageMentoring>(&state, &user, facts.school).await?;
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return mentoring_page(&state, &user, id, None, Some("Please give a short reason (up to 500 characters). The pupil and their family will see it.".into())).await;
    }
    let Ok(mentor) = form.mentor.trim().parse::<PersonId>() else {
        return mentoring_page(
            &state,
            &user,
            id,
            None,
            Some("Please choose a mentor from the list.".into()),
        )
        .await;
    };
    let profiles = state.store.mentor_profiles(facts.school, user.now).await?;
    let Some(chosen) = profiles.iter().find(|p| p.person == mentor) else {
        return mentoring_page(
            &state,
            &user,
            id,
            None,
            Some("That mentor is not available at this school.".into()),
        )
        .await;
    };
    let outcome = village_store::MentorOutcome {
        learner: id,
        mentor,
        choice_rank: None,
        explanation: format!("The school chose {} as your mentor.", chosen.name),
        override_reason: Some(reason.to_string()),
    };
    state.store.apply_mentor_assignment(&g, &[outcome]).await?;
    Ok(Redirect::to(&format!("/learners/{id}/mentor")).into_response())
}

#[derive(Deserialize)]
pub struct MeetingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    meets_on: String,
    #[serde(default)]
    place: String,
}

/// The mentor books the next meeting; it shows as a reminder on the pupil's and the
/// mentor's home pages.
pub async fn book_meeting(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<MeetingForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::MentorSessions>(&state, &user, id).await?;
    let today = views::today(user.now);
    let place = form.place.trim();
    let problem = match form.meets_on.trim().parse::<jiff::civil::Date>() {
        Err(_) => Some("Please write the date as YYYY-MM-DD, for example 2026-12-01."),
        Ok(d) if d < today => Some("That date has passed. Please choose a date from today on."),
        Ok(_) if place.is_empty() || place.chars().count() > 100 => {
            Some("Please say where you will meet (up to 100 characters).")
        }
        Ok(_) => None,
    };
    if let Some(p) = problem {
        return mentoring_page(&state, &user, id, None, Some(p.into())).await;
    }
    let Ok(on) = form.meets_on.trim().parse() else {
        return Err(AppError::bad_input("meets_on", "Please check the date."));
    };
    state.store.schedule_mentor_meeting(&g, on, place).await?;
    Ok(Redirect::to(&format!("/learners/{id}/mentor?done=meeting")).into_response())
}

#[derive(Deserialize)]
pub struct CadenceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sessions: String,
    #[serde(default)]
    minutes: String,
}

/// A leader sets how often mentors meet their mentees.
pub async fn set_cadence(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<CadenceForm>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageMentoring>(&state, &user, id).await?;
    let sessions = form
        .sessions
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=6).contains(n));
    let minutes = form
        .minutes
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (5..=60).contains(m));
    let (Some(sessions), Some(minutes)) = (sessions, minutes) else {
        return Err(AppError::bad_input(
            "sessions",
            "Meetings each half term are 1 to 6, and minutes 5 to 60.",
        ));
    };
    state
        .store
        .set_mentor_cadence(&g, village_store::Cadence { sessions, minutes })
        .await?;
    Ok(Redirect::to(&format!("/schools/{id}/mentoring")).into_response())
}
