//! Ladders of progress: a learner's place on each ladder with the next step and the
//! evidence behind it; recording a judgement (teacher, peer or self); a school's ladders
//! with import (Village JSON, CSV, 1EdTech CASE) and export; a group's view of one ladder.

use super::extract::ValidForm;
use super::{parse_id, render_form_page, Page};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::views;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use serde::Deserialize;
use village_access::{act, org_act, Policy};
use village_domain::ladder::{self, Ladder, Position};
use village_domain::{GroupId, OrgId, PersonId};
use village_store::{Evidence, LadderPosition, LadderRow, StoreError};

#[derive(Template)]
#[template(path = "ladders.html")]
struct LaddersPage {
    page: Page,
    learner: PersonId,
    name: String,
    is_self: bool,
    positions: Vec<LadderPosition>,
    can_judge: bool,
    judge_words: &'static str,
    evidence: Vec<Evidence>,
    today: Date,
    notice: Option<String>,
    error: Option<String>,
}

impl LaddersPage {
    fn position<'a>(&self, p: &'a LadderPosition) -> Option<Position<'a>> {
        p.current()
            .and_then(|j| p.ladder.ladder.position(&j.rung_code))
    }
    fn tagged(&self, ladder: &i64) -> Vec<&Evidence> {
        self.evidence
            .iter()
            .filter(|e| e.kept && e.ladder_id == Some(*ladder))
            .collect()
    }
    fn evidence_title(&self, id: &Option<i64>) -> Option<String> {
        id.and_then(|id| self.evidence.iter().find(|e| e.id == id))
            .map(|e| e.title.clone())
    }
}

async fn learner_page(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (g, facts) = views::grant_with_facts::<act::ViewPlan>(state, user, id).await?;
    let gp = views::grant::<act::ViewProfile>(state, user, id).await?;
    let name = state.store.learner_profile(&gp).await?.name();
    let mut positions = state.store.ladder_positions(&g).await?;
    // The ladders the learner has been placed on come first.
    positions.sort_by_key(|p| p.current().is_none());
    let judge = Policy::authorize::<act::JudgeRung>(&user.subject, &facts, user.now).ok();
    let evidence = match Policy::authorize::<act::ViewPortfolio>(&user.subject, &facts, user.now) {
        Ok(pg) => state.store.portfolio(&pg).await?,
        Err(_) => Vec::new(),
    };
    let judge_words = match judge.as_ref().map(|j| j.path()) {
        Some(village_access::Path::Itself) => "Where do you think you are?",
        Some(village_access::Path::Direct(
            village_domain::relationship::RelationshipKind::PeerTutor,
        )) => "Where do you think your partner is?",
        _ => "Record a judgement",
    };
    let has_error = error.is_some();
    render_form_page(
        &LaddersPage {
            page: Page::for_user(user, state),
            learner: id,
            name,
            is_self: user.person() == id,
            positions,
            can_judge: judge.is_some(),
            judge_words,
            evidence,
            today: views::today(user.now),
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
    learner_page(&state, &user, id, None, None).await
}

#[derive(Template)]
#[template(path = "ladders_assess.html")]
struct AssessPage {
    page: Page,
    learner: PersonId,
    name: String,
    ladders: Vec<LadderRow>,
    today: Date,
    notice: Option<String>,
    error: Option<String>,
}

/// Peer assessment: a peer tutor places their partner on a ladder. They see the ladders
/// and the form, not the partner's record or earlier judgements.
pub async fn assess(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    super::extract::ValidQuery(q): super::extract::ValidQuery<SavedQuery>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let notice = (q.saved == "1").then(|| "Thank you: your view is saved.".to_string());
    assess_page(&state, &user, id, notice, None).await
}

#[derive(Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

async fn assess_page(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let g = views::grant::<act::JudgeRung>(state, user, id).await?;
    let name = state.store.person_name(id).await?;
    let has_error = error.is_some();
    render_form_page(
        &AssessPage {
            page: Page::for_user(user, state),
            learner: id,
            name,
            ladders: state.store.ladders(g.school()).await?,
            today: views::today(user.now),
            notice,
            error,
        },
        has_error,
    )
}

/// After a judgement: back to the full ladder page, or (for a peer, who may not read the
/// partner's record) to the peer assessment page.
async fn back_to(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    peer: bool,
    error: String,
) -> Result<Response, AppError> {
    if peer {
        assess_page(state, user, id, None, Some(error)).await
    } else {
        learner_page(state, user, id, None, Some(error)).await
    }
}

#[derive(Deserialize)]
pub struct JudgementForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rung: String,
    #[serde(default)]
    judged_on: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    evidence_id: String,
}

pub async fn judge(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, ladder)): Path<(String, String)>,
    ValidForm(form): ValidForm<JudgementForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let ladder: i64 = parse_id(&ladder)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::JudgeRung>(&state, &user, id).await?;
    let peer = g.path()
        == village_access::Path::Direct(village_domain::relationship::RelationshipKind::PeerTutor);
    let Ok(on) = form.judged_on.trim().parse::<Date>() else {
        return back_to(
            &state,
            &user,
            id,
            peer,
            "Please give the date, like 2026-11-23.".into(),
        )
        .await;
    };
    if on > views::today(user.now) {
        return back_to(
            &state,
            &user,
            id,
            peer,
            "The date cannot be in the future.".into(),
        )
        .await;
    }
    let note = match village_domain::plan::text("note", &form.note, 2_000, false) {
        Ok(n) => n,
        Err(e) => return back_to(&state, &user, id, peer, e.message).await,
    };
    let evidence: Option<i64> = match form.evidence_id.trim() {
        "" => None,
        raw => Some(parse_id(raw)?),
    };
    match state
        .store
        .record_judgement(&g, ladder, form.rung.trim(), on, &note, evidence)
        .await
    {
        Ok(()) if peer => {
            Ok(Redirect::to(&format!("/learners/{id}/ladders/assess?saved=1")).into_response())
        }
        Ok(()) => {
            Ok(Redirect::to(&format!("/learners/{id}/ladders#ladder-{ladder}")).into_response())
        }
        Err(StoreError::Conflict(m)) => back_to(&state, &user, id, peer, m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "ladders_admin.html")]
struct AdminPage {
    page: Page,
    school: OrgId,
    school_name: String,
    ladders: Vec<LadderRow>,
    text: String,
    format: String,
    notice: Option<String>,
    error: Option<String>,
}

async fn admin_page(
    state: &AppState,
    user: &CurrentUser,
    school: OrgId,
    text: String,
    format: String,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (_, org) = views::org_grant::<org_act::ManageLadders>(state, user, school).await?;
    let has_error = error.is_some();
    render_form_page(
        &AdminPage {
            page: Page::for_user(user, state),
            school,
            school_name: org.name,
            ladders: state.store.ladders(school).await?,
            text,
            format,
            notice,
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
    admin_page(&state, &user, id, String::new(), "json".into(), None, None).await
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    text: String,
}

/// Parses ladders in a school's chosen format. Nothing is added unless every ladder in the
/// file is good.
pub fn parse_ladders(format: &str, text: &str) -> Result<Vec<Ladder>, String> {
    let parsed = match format {
        "json" => ladder::parse_json(text),
        "csv" => ladder::parse_csv(text),
        "case" => ladder::parse_case(text),
        _ => return Err("Please choose the file's format.".into()),
    };
    match parsed {
        Ok(l) if l.is_empty() => Err("The file has no ladders in it.".into()),
        Ok(l) => Ok(l),
        Err(e) => Err(format!("Nothing was imported. {e}")),
    }
}

pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<ImportForm>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageLadders>(&state, &user, id).await?;
    let ladders = match parse_ladders(&form.format, &form.text) {
        Ok(l) => l,
        Err(m) => {
            return admin_page(&state, &user, id, form.text, form.format, None, Some(m)).await
        }
    };
    let ids = state.store.add_ladders(&g, &ladders).await?;
    admin_page(
        &state,
        &user,
        id,
        String::new(),
        "json".into(),
        Some(format!("{} ladders imported.", ids.len())),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Adds Village's ready-made ladders (GCSE 1–9, primary, learning to learn).
pub async fn add_builtin(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<CsrfForm>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageLadders>(&state, &user, id).await?;
    let ids = state.store.add_ladders(&g, &ladder::builtin()).await?;
    admin_page(
        &state,
        &user,
        id,
        String::new(),
        "json".into(),
        Some(format!("{} ready-made ladders added.", ids.len())),
        None,
    )
    .await
}

/// The school's ladders as a file: Village JSON, or CSV with `?format=csv`.
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    views::org_grant::<org_act::ManageLadders>(&state, &user, id).await?;
    let ladders: Vec<Ladder> = state
        .store
        .ladders(id)
        .await?
        .into_iter()
        .map(|l| l.ladder)
        .collect();
    let (body, mime) = match file.as_str() {
        "ladders.json" => (ladder::to_json(&ladders), "application/json"),
        "ladders.csv" => (ladder::to_csv(&ladders), "text/csv; charset=utf-8"),
        _ => return Err(AppError::NotFound),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "group_ladder.html")]
struct GroupLadderPage {
    page: Page,
    group: GroupId,
    ladder: LadderRow,
    ladders: Vec<LadderRow>,
    rows: Vec<village_store::GroupLadderRow>,
    counts: Vec<(String, usize)>,
}

/// Where each member of a group stands on one ladder, with how many are on each rung.
pub async fn group(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, ladder)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id: GroupId = parse_id(&id)?;
    let ladder_id: i64 = parse_id(&ladder)?;
    let g = views::group_grant(&state, &user, id).await?;
    let ladders = state.store.ladders(g.school()).await?;
    let ladder = ladders
        .iter()
        .find(|l| l.id == ladder_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let rows = state.store.group_ladder(&g, ladder_id).await?;
    let counts = ladder
        .ladder
        .rungs
        .iter()
        .map(|r| {
            (
                r.code.clone(),
                rows.iter()
                    .filter(|row| row.step.as_ref().is_some_and(|(c, _, _)| *c == r.code))
                    .count(),
            )
        })
        .collect();
    render_form_page(
        &GroupLadderPage {
            page: Page::for_user(&user, &state),
            group: id,
            ladder,
            ladders,
            rows,
            counts,
        },
        false,
    )
}
