//! The learner's record, "who looked at my record", support notes and relationships.

use super::extract::ValidForm;
use super::signin::CsrfOnly;
use super::{parse_id, render, Page};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::views::{self, LearnerView};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use village_access::{act, Action, Path as PolicyPath};
use village_domain::{PersonId, RelationshipId};

#[derive(Template)]
#[template(path = "learner.html")]
struct LearnerPage {
    page: Page,
    v: LearnerView,
    chart_svg: String,
    note_error: Option<String>,
    note_body: String,
}

fn learner_page(
    state: &AppState,
    user: &CurrentUser,
    v: LearnerView,
    note_error: Option<String>,
    note_body: String,
) -> Result<Response, AppError> {
    let chart_svg = v
        .attendance
        .as_ref()
        .map(|a| views::attendance_chart(&a.weekly))
        .unwrap_or_default();
    Ok(render(&LearnerPage {
        page: Page::for_user(user, state),
        v,
        chart_svg,
        note_error,
        note_body,
    })?
    .into_response())
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let v = views::learner(&state, &user, id).await?;
    learner_page(&state, &user, v, None, String::new())
}

pub struct LogRow {
    pub when: String,
    pub who: String,
    pub what: String,
    pub why: String,
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    page: Page,
    learner: PersonId,
    name: String,
    is_self: bool,
    entries: Vec<LogRow>,
}

/// Plain words for the rule behind an entry.
pub fn why_words(rule: &str, allowed: bool) -> String {
    if !allowed {
        return "Refused: no relationship gave access".into();
    }
    let p = [
        PolicyPath::Itself,
        PolicyPath::GuardianWithResponsibility,
        PolicyPath::TeachesGroup,
        PolicyPath::SchoolLeader,
        PolicyPath::SchoolDsl,
        PolicyPath::CollaborativeWithConsent,
    ]
    .into_iter()
    .chain(
        village_domain::relationship::RelationshipKind::ALL
            .into_iter()
            .map(PolicyPath::Direct),
    )
    .find(|p| p.as_str() == rule);
    match p {
        Some(PolicyPath::Itself) => "It is their own record".into(),
        Some(PolicyPath::GuardianWithResponsibility) => {
            "Parent or carer with parental responsibility".into()
        }
        Some(PolicyPath::TeachesGroup) => "Teaches one of their groups".into(),
        Some(PolicyPath::SchoolLeader) => "School leader".into(),
        Some(PolicyPath::SchoolDsl) => "Safeguarding lead".into(),
        Some(PolicyPath::CollaborativeWithConsent) => {
            "Trust leader, with the family's agreement".into()
        }
        Some(PolicyPath::Direct(k)) => k.label().to_string(),
        None => rule.to_string(),
    }
}

pub async fn who_looked(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let g = views::grant::<act::ViewAccessLog>(&state, &user, id).await?;
    let gp = views::grant::<act::ViewProfile>(&state, &user, id).await?;
    let profile = state.store.learner_profile(&gp).await?;
    let entries = state.store.access_log(&g, 200).await?;
    let tz = jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC);
    let rows = entries
        .into_iter()
        .map(|e| LogRow {
            when: e
                .at
                .to_zoned(tz.clone())
                .strftime("%-d %b %Y, %H:%M")
                .to_string(),
            who: e
                .actor_name
                .unwrap_or_else(|| "Someone not signed in".into()),
            what: Action::parse(e.action.trim_start_matches("list_"))
                .map_or_else(|| e.action.replace('_', " "), |a| a.describe().to_string()),
            why: why_words(&e.rule, e.allowed),
        })
        .collect();
    Ok(render(&AccessLogPage {
        page: Page::for_user(&user, &state),
        learner: id,
        name: profile.given_name.clone(),
        is_self: user.person() == id,
        entries: rows,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    csrf: String,
}

pub async fn add_note(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<NoteForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::AddSupportNote>(&state, &user, id).await?;
    let body = form.body.trim();
    let problem = if body.is_empty() {
        Some("Please write the note before adding it.")
    } else if body.chars().count() > 4000 {
        Some("A note can be at most 4,000 characters. Please shorten it.")
    } else if !matches!(form.kind.as_str(), "wellbeing" | "support") {
        Some("Please choose whether the note is about well-being or support.")
    } else {
        None
    };
    if let Some(problem) = problem {
        let v = views::learner(&state, &user, id).await?;
        let mut resp = learner_page(&state, &user, v, Some(problem.into()), form.body)?;
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    state.store.add_support_note(&g, &form.kind, body).await?;
    Ok(Redirect::to(&format!("/learners/{id}#notes-h")).into_response())
}

pub struct RelRow {
    pub id: RelationshipId,
    pub person_name: String,
    pub kind: String,
    pub parental_responsibility: bool,
    pub starts: String,
    pub ends: Option<String>,
}

#[derive(Template)]
#[template(path = "relationships.html")]
struct RelationshipsPage {
    page: Page,
    learner: PersonId,
    name: String,
    rows: Vec<RelRow>,
}

pub async fn relationships(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let g = views::grant::<act::ManageRelationships>(&state, &user, id).await?;
    let gp = views::grant::<act::ViewProfile>(&state, &user, id).await?;
    let profile = state.store.learner_profile(&gp).await?;
    let fmt = |t: jiff::Timestamp| t.strftime("%-d %b %Y").to_string();
    let rows = state
        .store
        .relationships_of(&g)
        .await?
        .into_iter()
        .map(|r| RelRow {
            id: r.id,
            person_name: r.person_name,
            kind: village_domain::relationship::RelationshipKind::parse(&r.kind)
                .map_or(r.kind.clone(), |k| k.label().to_string()),
            parental_responsibility: r.parental_responsibility,
            starts: fmt(r.starts_at),
            ends: r.ends_at.map(fmt),
        })
        .collect();
    Ok(render(&RelationshipsPage {
        page: Page::for_user(&user, &state),
        learner: id,
        name: profile.name(),
        rows,
    })?
    .into_response())
}

pub async fn end_relationship(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, rel)): Path<(String, String)>,
    ValidForm(form): ValidForm<CsrfOnly>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let rel: RelationshipId = parse_id(&rel)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::ManageRelationships>(&state, &user, id).await?;
    state.store.end_relationship(&g, rel).await?;
    Ok(Redirect::to(&format!("/learners/{id}/relationships")).into_response())
}
