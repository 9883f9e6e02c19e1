//! The Peer Learner Programme: a leader's page to start programmes, match tutors and
//! tutees (min-cost flow, explained), record training, and rematch when a tutor leaves;
//! and pupils logging their sessions.

use super::extract::ValidForm;
use super::{parse_id, render_form_page, Page};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::views;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use village_access::{act, org_act, OrgGrant};
use village_domain::{OrgId, PersonId};
use village_matching::peer::{
    self, OlderRule, PeerProblem, PeerRules, RematchOptions, Tutee, Tutor,
};
use village_store::{PeerCandidate, PeerPair, PeerProgramme, StoreError, PEER_SLOTS};

#[derive(Template)]
#[template(path = "peer_admin.html")]
struct PeerAdminPage {
    page: Page,
    school_id: OrgId,
    school_name: String,
    programmes: Vec<(PeerProgramme, Vec<PeerPair>)>,
    subjects: Vec<String>,
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
    let (g, org) = views::org_grant::<org_act::ManagePeerLearning>(state, user, school).await?;
    let mut programmes = Vec::new();
    for p in state.store.peer_programmes(&g).await? {
        let pairs = state.store.peer_pairs(&g, p.id).await?;
        programmes.push((p, pairs));
    }
    let subjects = state.store.assessed_subjects(school).await?;
    let has_error = error.is_some();
    render_form_page(
        &PeerAdminPage {
            page: Page::for_user(user, state),
            school_id: school,
            school_name: org.name,
            programmes,
            subjects,
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

#[derive(Deserialize)]
pub struct NewProgramme {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    tutor_year: String,
    #[serde(default)]
    tutee_year: String,
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<NewProgramme>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManagePeerLearning>(&state, &user, id).await?;
    let years = (
        form.tutor_year.trim().parse::<u8>(),
        form.tutee_year.trim().parse::<u8>(),
    );
    let subjects = state.store.assessed_subjects(id).await?;
    let problem = match years {
        _ if form.name.trim().is_empty() || form.name.chars().count() > 100 => {
            Some("Please give the programme a name (up to 100 characters).")
        }
        _ if !subjects.contains(&form.subject) => Some("Please choose a subject from the list."),
        (Ok(t), Ok(e)) if t <= 13 && e <= 13 => None,
        _ => Some("Year groups are numbers from 0 (Reception) to 13."),
    };
    if let Some(p) = problem {
        return admin_page(&state, &user, id, None, Vec::new(), Some(p.into())).await;
    }
    let (Ok(tutor_year), Ok(tutee_year)) = years else {
        return Err(AppError::bad_input(
            "tutor_year",
            "Year groups are numbers from 0 to 13.",
        ));
    };
    state
        .store
        .create_peer_programme(&g, form.name.trim(), &form.subject, tutor_year, tutee_year)
        .await?;
    Ok(Redirect::to(&format!("/schools/{id}/peer")).into_response())
}

/// The matched tutees as (tutor, tutee, reason), for storage.
fn pairs_of(tutees: &[peer::TuteeOutcome]) -> Vec<(PersonId, PersonId, String)> {
    tutees
        .iter()
        .filter_map(|o| {
            o.tutor.map(|t| {
                (
                    PersonId(t as i64),
                    PersonId(o.tutee as i64),
                    o.explanation.clone(),
                )
            })
        })
        .collect()
}

/// The matching problem for a programme. Need is higher the lower a tutee's step; tutors
/// take up to two tutees; a tutor two or more years older may tutor at any step above.
fn problem_for(
    programme: &PeerProgramme,
    tutors: &[PeerCandidate],
    tutees: &[PeerCandidate],
) -> PeerProblem {
    let top = tutees.iter().map(|t| t.rung).max().unwrap_or(0);
    PeerProblem {
        subject: programme.subject.to_lowercase(),
        slot_names: PEER_SLOTS.iter().map(|s| (*s).to_string()).collect(),
        tutors: tutors
            .iter()
            .filter(|t| t.slots != 0)
            .map(|t| Tutor {
                id: t.id.0 as u64,
                name: t.name.clone(),
                rung: t.rung,
                year: t.year,
                capacity: 2,
                free_slots: t.slots,
            })
            .collect(),
        tutees: tutees
            .iter()
            .map(|t| Tutee {
                id: t.id.0 as u64,
                name: t.name.clone(),
                rung: t.rung,
                year: t.year,
                need: u32::try_from((top - t.rung).clamp(0, 9) + 1).unwrap_or(1),
                free_slots: t.slots,
            })
            .collect(),
        rules: PeerRules {
            min_gap: 1,
            max_gap: 2,
            older: Some(OlderRule {
                min_years: 2,
                min_gap: 0,
            }),
            ..PeerRules::default()
        },
    }
}

async fn programme_and_grant(
    state: &AppState,
    user: &CurrentUser,
    school: &str,
    programme: &str,
) -> Result<(OrgGrant<org_act::ManagePeerLearning>, PeerProgramme), AppError> {
    let school: OrgId = parse_id(school)?;
    // The policy first, so a refusal is audited whatever else is wrong with the request.
    let (g, _) = views::org_grant::<org_act::ManagePeerLearning>(state, user, school).await?;
    let programme: i64 = parse_id(programme)?;
    let p = state.store.peer_programme(&g, programme).await?;
    Ok((g, p))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((school, programme)): Path<(String, String)>,
    ValidForm(form): ValidForm<CsrfForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let (g, p) = programme_and_grant(&state, &user, &school, &programme).await?;
    let (tutors, tutees) = state.store.peer_candidates(&g, &p).await?;
    let problem = problem_for(&p, &tutors, &tutees);
    let matching = match peer::match_peers(&problem) {
        Ok(m) => m,
        Err(e) => {
            return admin_page(
                &state,
                &user,
                g.org(),
                None,
                Vec::new(),
                Some(format!("The matching could not run: {e}")),
            )
            .await
        }
    };
    let pairs = pairs_of(&matching.tutees);
    let (kept, started, ended) = state.store.apply_peer_matching(&g, &p, &pairs).await?;
    let unmatched: Vec<String> = matching
        .tutees
        .iter()
        .filter(|o| o.tutor.is_none())
        .map(|o| {
            let name = tutees
                .iter()
                .find(|t| t.id.0 as u64 == o.tutee)
                .map_or("A pupil", |t| t.name.as_str());
            format!("{name}: {}", o.explanation)
        })
        .collect();
    let notice = format!(
        "{} tutees matched ({kept} pairs kept, {started} new, {ended} ended); {} without a tutor.",
        pairs.len(),
        unmatched.len()
    );
    admin_page(&state, &user, g.org(), Some(notice), unmatched, None).await
}

#[derive(Deserialize)]
pub struct TutorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    tutor: String,
}

pub async fn training(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((school, programme)): Path<(String, String)>,
    ValidForm(form): ValidForm<TutorForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let (g, p) = programme_and_grant(&state, &user, &school, &programme).await?;
    let tutor: PersonId = parse_id(&form.tutor)?;
    state
        .store
        .record_peer_training(&g, &p, tutor, views::today(user.now))
        .await?;
    Ok(Redirect::to(&format!("/schools/{}/peer", g.org())).into_response())
}

/// A tutor leaves mid-programme: propose new tutors for their tutees, changing as little
/// as possible for everyone else, and apply it. Nothing recorded is lost: the old pairs
/// end, their sessions stay.
pub async fn tutor_leaves(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((school, programme)): Path<(String, String)>,
    ValidForm(form): ValidForm<TutorForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let (g, p) = programme_and_grant(&state, &user, &school, &programme).await?;
    let departed: PersonId = parse_id(&form.tutor)?;
    let (tutors, tutees) = state.store.peer_candidates(&g, &p).await?;
    let problem = problem_for(&p, &tutors, &tutees);
    let current = state.store.peer_pairs(&g, p.id).await?;
    let previous: Vec<peer::Pair> = current
        .iter()
        .map(|c| peer::Pair {
            tutee: c.tutee.0 as u64,
            tutor: c.tutor.0 as u64,
        })
        .collect();
    let result = match peer::rematch(
        &problem,
        &previous,
        departed.0 as u64,
        RematchOptions::default(),
    ) {
        Ok(r) => r,
        Err(e) => {
            return admin_page(
                &state,
                &user,
                g.org(),
                None,
                Vec::new(),
                Some(format!("No rematch was made: {e}")),
            )
            .await
        }
    };
    let pairs = pairs_of(&result.matching.tutees);
    let (kept, started, ended) = state.store.apply_peer_matching(&g, &p, &pairs).await?;
    let details = result
        .changes
        .iter()
        .map(|c| c.description.clone())
        .collect();
    let notice = format!("Rematched: {kept} pairs kept, {started} new, {ended} ended.");
    admin_page(&state, &user, g.org(), Some(notice), details, None).await
}

#[derive(Deserialize)]
pub struct SessionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pair: String,
    #[serde(default)]
    feedback: String,
}

/// A pupil logs a peer session, as tutor or tutee. `{id}` is the tutee.
pub async fn log_session(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<SessionForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::LogPeerSession>(&state, &user, id).await?;
    let pair: i64 = parse_id(&form.pair)?;
    let feedback = form.feedback.trim();
    if feedback.is_empty() || feedback.chars().count() > 1000 {
        return Err(AppError::bad_input(
            "feedback",
            "Please write a few words about how the session went (up to 1,000 characters).",
        ));
    }
    match state
        .store
        .log_peer_session(&g, pair, views::today(user.now), feedback)
        .await
    {
        Ok(true) => Ok(Redirect::to("/?done=achievement").into_response()),
        Ok(false) => Ok(Redirect::to("/?done=peer-session").into_response()),
        Err(StoreError::Conflict(m)) => Err(AppError::Conflict(m)),
        Err(e) => Err(e.into()),
    }
}
