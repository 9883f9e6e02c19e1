//! Personal challenges: pupils rank the menu, the school forms teams that stretch each
//! pupil (`village_matching::teams`, explained), team pages with the coach's notes, and
//! completion into the record of achievement.

use super::extract::ValidForm;
use super::signin::CsrfOnly;
use super::{parse_id, render, render_form_page, Page};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::views;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use village_access::{act, org_act, Policy, TeamGrant};
use village_domain::{OrgId, PersonId};
use village_matching::teams::{self, Challenge, ChallengeLearner, TeamOptions, TeamProblem};
use village_store::{ChallengeRow, StoreError, TeamView};

#[derive(Template)]
#[template(path = "challenges.html")]
struct ChallengesPage {
    page: Page,
    learner: PersonId,
    name: String,
    is_self: bool,
    can_choose: bool,
    menu: Vec<ChallengeRow>,
    chosen: Vec<i64>,
    team: Option<(ChallengeRow, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn pupil_page(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (g, facts) = views::grant_with_facts::<act::ViewProfile>(state, user, id).await?;
    let profile = state.store.learner_profile(&g).await?;
    let can_choose =
        Policy::authorize::<act::ChooseChallenges>(&user.subject, &facts, user.now).is_ok();
    let menu = state
        .store
        .challenge_menu(facts.school, profile.year_group)
        .await?;
    let chosen = state.store.challenge_choices(id).await?;
    let team = state.store.team_of(id).await?;
    let has_error = error.is_some();
    render_form_page(
        &ChallengesPage {
            page: Page::for_user(user, state),
            learner: id,
            name: profile.name(),
            is_self: user.person() == id,
            can_choose,
            menu,
            chosen,
            team,
            notice,
            error,
        },
        has_error,
    )
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    pupil_page(&state, &user, id, None, None).await
}

#[derive(Deserialize)]
pub struct ChoiceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    c1: String,
    #[serde(default)]
    c2: String,
    #[serde(default)]
    c3: String,
    #[serde(default)]
    c4: String,
    #[serde(default)]
    c5: String,
}

pub async fn choose(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<ChoiceForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::ChooseChallenges>(&state, &user, id).await?;
    let mut choices = Vec::new();
    for raw in [&form.c1, &form.c2, &form.c3, &form.c4, &form.c5] {
        match raw.trim() {
            "" => {}
            v => match v.parse::<i64>() {
                Ok(c) => choices.push(c),
                Err(_) => {
                    return pupil_page(
                        &state,
                        &user,
                        id,
                        None,
                        Some("Please pick challenges from the lists.".into()),
                    )
                    .await
                }
            },
        }
    }
    let gp = views::grant::<act::ViewProfile>(&state, &user, id).await?;
    let year = state.store.learner_profile(&gp).await?.year_group;
    match state.store.set_challenge_choices(&g, year, &choices).await {
        Ok(()) => {
            pupil_page(
                &state,
                &user,
                id,
                Some("Your choices are saved.".into()),
                None,
            )
            .await
        }
        Err(StoreError::Conflict(m)) => pupil_page(&state, &user, id, None, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "challenges_admin.html")]
struct AdminPage {
    page: Page,
    school_id: OrgId,
    school_name: String,
    years: Vec<(u8, Vec<ChallengeRow>, usize, usize)>,
    notice: Option<String>,
    details: Vec<String>,
    error: Option<String>,
}

async fn admin_page(
    state: &AppState,
    user: &CurrentUser,
    school: OrgId,
    notice: Option<String>,
    details: Vec<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (g, org) = views::org_grant::<org_act::ManageChallenges>(state, user, school).await?;
    let mut years = Vec::new();
    for y in state.store.challenge_years(school).await? {
        let inputs = state.store.challenge_inputs(&g, y).await?;
        let chose = inputs
            .learners
            .iter()
            .filter(|(_, c)| !c.is_empty())
            .count();
        years.push((y, inputs.challenges, chose, inputs.learners.len()));
    }
    let has_error = error.is_some();
    render_form_page(
        &AdminPage {
            page: Page::for_user(user, state),
            school_id: school,
            school_name: org.name,
            years,
            notice,
            details,
            error,
        },
        has_error,
    )
}

pub async fn admin(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    admin_page(&state, &user, id, None, Vec::new(), None).await
}

/// Forms a year group's teams and records them.
pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((school, year)): Path<(String, String)>,
    ValidForm(form): ValidForm<CsrfOnly>,
) -> Result<Response, AppError> {
    let school: OrgId = parse_id(&school)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageChallenges>(&state, &user, school).await?;
    let year: u8 = parse_id(&year)?;
    let inputs = state.store.challenge_inputs(&g, year).await?;
    let problem = TeamProblem {
        challenges: inputs
            .challenges
            .iter()
            .map(|c| Challenge {
                id: c.id as u64,
                name: c.title.clone(),
                coach: c.coach_name.clone(),
                domain: c.domain.clone(),
                min_size: u32::try_from(c.min_team).unwrap_or(1),
                max_size: u32::try_from(c.max_team).unwrap_or(1),
            })
            .collect(),
        learners: inputs
            .learners
            .iter()
            .map(|(id, choices)| ChallengeLearner {
                id: id.0 as u64,
                choices: choices.iter().map(|c| *c as u64).collect(),
                strengths: inputs
                    .strengths
                    .iter()
                    .filter(|s| s.0 == *id)
                    .map(|s| (s.1.clone(), s.2))
                    .collect(),
            })
            .collect(),
        options: TeamOptions {
            close_undersubscribed: true,
            ..TeamOptions::default()
        },
    };
    let plan = match teams::form_teams(&problem) {
        Ok(p) => p,
        Err(e) => {
            return admin_page(&state, &user, school, None, Vec::new(), Some(e.to_string())).await
        }
    };
    let placements: Vec<(PersonId, i64, String)> = plan
        .placements
        .iter()
        .filter_map(|p| {
            p.challenge
                .map(|c| (PersonId(p.learner as i64), c as i64, p.explanation.clone()))
        })
        .collect();
    let placed = state.store.apply_teams(&g, year, &placements).await?;
    let stretch = plan.placements.iter().filter(|p| p.stretch).count();
    let running = plan.teams.iter().filter(|t| t.running).count();
    let notice = format!("{placed} pupils placed in {running} teams; {stretch} of them in a challenge that stretches them.");
    admin_page(&state, &user, school, Some(notice), plan.notices, None).await
}

async fn team_grant(state: &AppState, user: &CurrentUser, id: &str) -> Result<TeamGrant, AppError> {
    let id: i64 = parse_id(id)?;
    let facts = state
        .store
        .team_facts(id)
        .await?
        .ok_or(AppError::NotFound)?;
    match Policy::authorize_team(&user.subject, &facts, user.now) {
        Ok(g) => Ok(g),
        Err(_) => {
            state
                .store
                .record_denial(
                    Some(user.person()),
                    "view_team",
                    None,
                    Some(facts.school),
                    user.now,
                )
                .await?;
            Err(AppError::NotFound)
        }
    }
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    page: Page,
    view: TeamView,
    is_coach: bool,
    is_leader: bool,
}

pub async fn team(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let g = team_grant(&state, &user, &id).await?;
    let view = state.store.team(&g).await?;
    Ok(render(&TeamPage {
        page: Page::for_user(&user, &state),
        view,
        is_coach: g.is_coach(),
        is_leader: g.is_leader(),
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

pub async fn add_note(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<NoteForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let g = team_grant(&state, &user, &id).await?;
    let body = form.body.trim();
    if body.is_empty() || body.chars().count() > 2000 {
        return Err(AppError::bad_input(
            "body",
            "Please write the note (up to 2,000 characters).",
        ));
    }
    state.store.add_challenge_note(&g, body, user.now).await?;
    Ok(Redirect::to(&format!("/challenges/{}", g.challenge())).into_response())
}

pub async fn complete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<CsrfOnly>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let g = team_grant(&state, &user, &id).await?;
    state
        .store
        .complete_challenge(&g, views::today(user.now), user.now)
        .await?;
    Ok(Redirect::to(&format!("/challenges/{}", g.challenge())).into_response())
}

#[derive(Template)]
#[template(path = "showcase.html")]
struct ShowcasePage {
    page: Page,
    year: u8,
    open_day: Option<jiff::civil::Date>,
    teams: Vec<village_store::ShowcaseTeam>,
}

/// The open-day showcase: every team's challenge, members and latest news, for a screen
/// at the open day.
pub async fn showcase(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((school, year)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let school: OrgId = parse_id(&school)?;
    let (g, _) = views::org_grant::<org_act::ManageChallenges>(&state, &user, school).await?;
    let year: u8 = parse_id(&year)?;
    let teams = state.store.challenge_showcase(&g, year).await?;
    let open_day = teams.iter().find_map(|t| t.challenge.open_day);
    Ok(render(&ShowcasePage {
        page: Page::for_user(&user, &state),
        year,
        open_day,
        teams,
    })?
    .into_response())
}
