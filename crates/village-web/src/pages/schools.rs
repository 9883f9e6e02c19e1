//! A school's overview, its groups, audit log, and its leader's people tools.

use super::extract::{ValidForm, ValidQuery};
use super::signin::CsrfOnly;
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
    AuditEntry, ChainReport, GroupSummary, LearnerFilter, LearnerSummary, SchoolOverview,
};

pub const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct SchoolQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    offset: Option<i64>,
}

#[derive(Template)]
#[template(path = "school.html")]
struct SchoolPage {
    page: Page,
    o: SchoolOverview,
    aggregates_only: bool,
    can_audit: bool,
    can_manage: bool,
    groups: Vec<GroupSummary>,
    learners: Vec<LearnerSummary>,
    total: i64,
    q: String,
    year: String,
    offset: i64,
    prev_offset: i64,
    next_offset: i64,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidQuery(query): ValidQuery<SchoolQuery>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    let (g, org) = views::org_grant::<org_act::ViewSchool>(&state, &user, id).await?;
    let o = state
        .store
        .school_overview(&g, views::today(user.now))
        .await?;
    let aggregates_only = g.aggregates_only();
    let year: Option<u8> = if query.year.trim().is_empty() {
        None
    } else {
        Some(query.year.trim().parse().map_err(|_| {
            AppError::bad_input("year", "Please choose a year group from the list.")
        })?)
    };
    let offset = query.offset.unwrap_or(0).max(0);
    let (mut learners, mut total, mut groups) = (Vec::new(), 0, Vec::new());
    if !aggregates_only {
        if let Some(scope) = Policy::scope::<act::ViewProfile>(&user.subject, user.now) {
            let filter = LearnerFilter {
                school: Some(id),
                year_group: year,
                name: Some(query.q.clone()),
                limit: PAGE_SIZE,
                offset,
                ..LearnerFilter::default()
            };
            (learners, total) = state.store.list_learners(&scope, &filter).await?;
        }
        groups = state.store.groups_of_school(&g).await?;
    }
    let can_audit =
        Policy::authorize_org::<org_act::ViewAuditLog>(&user.subject, id, org.parent, user.now)
            .is_ok();
    let can_manage =
        Policy::authorize_org::<org_act::ManagePeople>(&user.subject, id, org.parent, user.now)
            .is_ok();
    Ok(render(&SchoolPage {
        page: Page::for_user(&user, &state),
        o,
        aggregates_only,
        can_audit,
        can_manage,
        groups,
        learners,
        total,
        q: query.q,
        year: year.map(|y| y.to_string()).unwrap_or_default(),
        offset,
        prev_offset: (offset - PAGE_SIZE).max(0),
        next_offset: offset + PAGE_SIZE,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage {
    page: Page,
    group: GroupSummary,
    list: Vec<LearnerSummary>,
    ladders: Vec<village_store::LadderRow>,
}

pub async fn group(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: GroupId = parse_id(&id)?;
    let (group, list) = views::group_roster(&state, &user, id).await?;
    let ladders = state.store.ladders(group.school).await?;
    Ok(render(&GroupPage {
        page: Page::for_user(&user, &state),
        group,
        list,
        ladders,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    before: Option<i64>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Page,
    school_id: OrgId,
    school_name: String,
    chain: ChainReport,
    entries: Vec<AuditEntry>,
    older: Option<i64>,
}

pub async fn audit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidQuery(query): ValidQuery<AuditQuery>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    let (g, org) = views::org_grant::<org_act::ViewAuditLog>(&state, &user, id).await?;
    let entries = state.store.audit_for_org(&g, id, query.before, 100).await?;
    let chain = state.store.verify_audit_chain().await?;
    let older = (entries.len() == 100)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    Ok(render(&AuditPage {
        page: Page::for_user(&user, &state),
        school_id: id,
        school_name: org.name,
        chain,
        entries,
        older,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    done: String,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    page: Page,
    school_id: OrgId,
    school_name: String,
    require_mfa: bool,
    people: Vec<(PersonId, String, String, bool)>,
    q: String,
    notice: Option<String>,
}

pub async fn people(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidQuery(query): ValidQuery<PeopleQuery>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    let (g, org) = views::org_grant::<org_act::ManagePeople>(&state, &user, id).await?;
    let people = state
        .store
        .people_of_school(&g, Some(&query.q), 200)
        .await?;
    let notice = match query.done.as_str() {
        "disabled" => Some("The account was disabled and signed out everywhere.".to_string()),
        "enabled" => Some("The account was enabled again.".to_string()),
        "settings" => Some("Settings saved.".to_string()),
        _ => None,
    };
    Ok(render(&PeoplePage {
        page: Page::for_user(&user, &state),
        school_id: id,
        school_name: org.name,
        require_mfa: org.require_staff_mfa,
        people,
        q: query.q,
        notice,
    })?
    .into_response())
}

pub async fn set_disabled(
    state: &AppState,
    user: &CurrentUser,
    school: &str,
    person: &str,
    disabled: bool,
) -> Result<OrgId, AppError> {
    let id: OrgId = parse_id(school)?;
    let person: PersonId = parse_id(person)?;
    let (g, _) = views::org_grant::<org_act::ManagePeople>(state, user, id).await?;
    if person == user.person() && disabled {
        return Err(AppError::Conflict(
            "You cannot disable your own account.".into(),
        ));
    }
    state.store.disable_account(&g, person, disabled).await?;
    Ok(id)
}

pub async fn disable(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((school, person)): Path<(String, String)>,
    ValidForm(form): ValidForm<CsrfOnly>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let id = set_disabled(&state, &user, &school, &person, true).await?;
    Ok(Redirect::to(&format!("/schools/{id}/people?done=disabled")).into_response())
}

pub async fn enable(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((school, person)): Path<(String, String)>,
    ValidForm(form): ValidForm<CsrfOnly>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let id = set_disabled(&state, &user, &school, &person, false).await?;
    Ok(Redirect::to(&format!("/schools/{id}/people?done=enabled")).into_response())
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    require_staff_mfa: String,
}

pub async fn settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<SettingsForm>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManagePeople>(&state, &user, id).await?;
    let required = match form.require_staff_mfa.as_str() {
        "1" => true,
        "0" => false,
        _ => {
            return Err(AppError::bad_input(
                "require_staff_mfa",
                "Please use the button on the settings page.",
            ))
        }
    };
    state.store.set_require_staff_mfa(&g, required).await?;
    Ok(Redirect::to(&format!("/schools/{id}/people?done=settings")).into_response())
}
