//! The JSON API: the same operations as the pages, through the same view models and the
//! same access policy. Signs in with a session cookie like the pages; changes need the
//! session's CSRF token in the `X-CSRF-Token` header. Errors are RFC 9457 problems.

use crate::auth::session::{set_cookie, SESSION_COOKIE};
use crate::auth::CurrentUser;
use crate::error::{ApiError, AppError};
use crate::pages;
use crate::pages::extract::{ApiJson, ValidQuery};
use crate::pages::parse_id;
use crate::pages::signin::{code_step, password_step, ClientAddress};
use crate::pages::timetable::{dated_days, staff_timetables_named, DatedDay};
use crate::views::{self, LearnerView};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use village_access::{act, org_act, Policy};
use village_domain::{GroupId, OrgId, PersonId, RelationshipId};
use village_store::{
    AttendanceView, AuditEntry, GroupSummary, LearnerFilter, LearnerSummary, SchoolOverview,
};

fn check_header_csrf(user: &CurrentUser, headers: &HeaderMap) -> Result<(), AppError> {
    let given = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    user.check_csrf(given)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    username: String,
    password: String,
    #[serde(default)]
    code: Option<String>,
}

#[derive(Serialize)]
pub struct SessionInfo {
    person: PersonId,
    csrf_token: String,
    second_factor_needed: bool,
}

/// `POST /api/v1/session`: sign in. With `code` the second step is done in the same call.
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    let done = password_step(&state, &body.username, &body.password, &address).await?;
    let mut second_factor_needed = done.second_factor_needed;
    if second_factor_needed {
        if let Some(code) = &body.code {
            let account = state
                .store
                .account(done.person)
                .await?
                .ok_or(AppError::SignInNeeded)?;
            code_step(&state, &account, code, &address).await?;
            state
                .store
                .complete_second_factor(&crate::auth::session::token_hash(&done.token))
                .await?;
            second_factor_needed = false;
        }
    }
    let mut resp = (
        StatusCode::CREATED,
        Json(SessionInfo {
            person: done.person,
            csrf_token: done.csrf,
            second_factor_needed,
        }),
    )
        .into_response();
    if let Ok(v) = set_cookie(
        &state,
        SESSION_COOKIE,
        &done.token,
        state.config.absolute_lifetime_secs,
    )
    .parse()
    {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// `DELETE /api/v1/session`: sign out.
pub async fn sign_out(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_header_csrf(&user, &headers)?;
    state.store.delete_session(&user.session_hash).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = set_cookie(&state, SESSION_COOKIE, "", 0).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

#[derive(Serialize)]
pub struct Me {
    person: PersonId,
    given_name: String,
    family_name: String,
    username: String,
    csrf_token: String,
    home: views::HomeView,
}

/// `GET /api/v1/me`: who I am, and what my home page shows.
pub async fn me(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Me>, ApiError> {
    let home = views::home(&state, &user).await?;
    Ok(Json(Me {
        person: user.person(),
        given_name: user.account.given_name.clone(),
        family_name: user.account.family_name.clone(),
        username: user.account.username.clone(),
        csrf_token: user.csrf.clone(),
        home,
    }))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LearnerQuery {
    school: Option<i64>,
    group: Option<i64>,
    year: Option<u8>,
    name: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize)]
pub struct LearnerPage {
    total: i64,
    learners: Vec<LearnerSummary>,
}

/// `GET /api/v1/learners`: the learners I may see, filtered and paged.
pub async fn learners(
    State(state): State<AppState>,
    user: CurrentUser,
    ValidQuery(q): ValidQuery<LearnerQuery>,
) -> Result<Json<LearnerPage>, ApiError> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(AppError::bad_input("limit", "limit must be between 1 and 500").into());
    }
    let Some(scope) = Policy::scope::<act::ViewProfile>(&user.subject, user.now) else {
        return Err(AppError::SignInNeeded.into());
    };
    let filter = LearnerFilter {
        school: q.school.map(OrgId),
        group: q.group.map(GroupId),
        year_group: q.year,
        name: q.name,
        only: None,
        limit,
        offset: q.offset.unwrap_or(0).max(0),
    };
    let (learners, total) = state.store.list_learners(&scope, &filter).await?;
    Ok(Json(LearnerPage { total, learners }))
}

/// `GET /api/v1/learners/{id}`: a learner's record, with the parts I may see.
pub async fn learner(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<LearnerView>, ApiError> {
    let id: PersonId = parse_id(&id)?;
    Ok(Json(views::learner(&state, &user, id).await?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DateRange {
    from: Option<String>,
    to: Option<String>,
}

fn parse_date(field: &'static str, raw: &str) -> Result<jiff::civil::Date, AppError> {
    raw.parse().map_err(|_| {
        AppError::bad_input(
            field,
            format!("{field} must be a date written YYYY-MM-DD, such as 2026-09-01"),
        )
    })
}

/// `GET /api/v1/learners/{id}/attendance?from=&to=`.
pub async fn attendance(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidQuery(q): ValidQuery<DateRange>,
) -> Result<Json<AttendanceView>, ApiError> {
    let id: PersonId = parse_id(&id)?;
    let today = views::today(user.now);
    let to =
        q.to.as_deref()
            .map(|d| parse_date("to", d))
            .transpose()?
            .unwrap_or(today);
    let from = match q.from.as_deref() {
        Some(d) => parse_date("from", d)?,
        None => to.checked_sub(jiff::Span::new().days(120)).unwrap_or(to),
    };
    if from > to {
        return Err(AppError::bad_input("from", "from must not be after to").into());
    }
    let g = views::grant::<act::ViewAttendance>(&state, &user, id).await?;
    Ok(Json(state.store.attendance(&g, from, to).await?))
}

/// `GET /api/v1/learners/{id}/access-log`: who looked at this record.
pub async fn access_log(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let id: PersonId = parse_id(&id)?;
    let g = views::grant::<act::ViewAccessLog>(&state, &user, id).await?;
    Ok(Json(state.store.access_log(&g, 200).await?))
}

/// `GET /api/v1/learners/{id}/plan`: the learning plan with agreements and versions.
pub async fn plan(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<village_store::PlanView>, ApiError> {
    let id: PersonId = parse_id(&id)?;
    let g = views::grant::<act::ViewPlan>(&state, &user, id).await?;
    Ok(Json(state.store.plan(&g).await?))
}

/// `GET /api/v1/learners/{id}/portfolio`: the items the caller may see.
pub async fn portfolio(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<village_store::Evidence>>, ApiError> {
    let id: PersonId = parse_id(&id)?;
    let g = views::grant::<act::ViewPortfolio>(&state, &user, id).await?;
    Ok(Json(state.store.portfolio(&g).await?))
}

/// The longest span one timetable request may cover, in days.
const TIMETABLE_MAX_DAYS: i64 = 92;

/// `from` and `to` of a timetable request: by default this week and next.
fn timetable_range(
    user: &CurrentUser,
    q: &DateRange,
) -> Result<(jiff::civil::Date, jiff::civil::Date), AppError> {
    use jiff::ToSpan;
    let from = match q.from.as_deref() {
        Some(d) => parse_date("from", d)?,
        None => pages::timetable::monday_of(views::today(user.now)),
    };
    let to = match q.to.as_deref() {
        Some(d) => parse_date("to", d)?,
        None => from.checked_add(13.days()).unwrap_or(from),
    };
    if from > to {
        return Err(AppError::bad_input("from", "from must not be after to"));
    }
    let span = from.until(to).map(|s| i64::from(s.get_days())).unwrap_or(0);
    if span >= TIMETABLE_MAX_DAYS {
        return Err(AppError::bad_input(
            "to",
            format!("ask for at most {TIMETABLE_MAX_DAYS} days at a time"),
        ));
    }
    Ok((from, to))
}

/// The school's calendars for the years that `from` and `to` fall in (a range may cross
/// the summer).
async fn calendars(
    state: &AppState,
    school: OrgId,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> Result<Vec<village_domain::calendar::AcademicYear>, AppError> {
    let mut years = Vec::new();
    for on in [from, to] {
        if let Some(y) = state.store.academic_year(school, on).await? {
            if !years.contains(&y) {
                years.push(y);
            }
        }
    }
    Ok(years)
}

#[derive(Serialize)]
pub struct LearnerTimetable {
    /// False until the learner's school publishes a timetable; `days` is then empty.
    published: bool,
    school: OrgId,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    days: Vec<DatedDay>,
}

/// `GET /api/v1/learners/{id}/timetable?from=&to=`: the learner's lessons, day by day.
pub async fn learner_timetable(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidQuery(q): ValidQuery<DateRange>,
) -> Result<Json<LearnerTimetable>, ApiError> {
    let id: PersonId = parse_id(&id)?;
    let (from, to) = timetable_range(&user, &q)?;
    let g = views::grant::<act::ViewTimetable>(&state, &user, id).await?;
    let tt = state.store.learner_timetable(&g).await?;
    let days = match &tt {
        Some(tt) => {
            let years = calendars(&state, tt.school, from, to).await?;
            dated_days(tt, from, to, &years)
        }
        None => Vec::new(),
    };
    Ok(Json(LearnerTimetable {
        published: tt.is_some(),
        school: g.school(),
        from,
        to,
        days,
    }))
}

#[derive(Serialize)]
pub struct SchoolTeaching {
    school: OrgId,
    name: String,
    days: Vec<DatedDay>,
}

#[derive(Serialize)]
pub struct StaffTimetable {
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    /// One entry per school with a published timetable in which the caller teaches.
    schools: Vec<SchoolTeaching>,
}

/// `GET /api/v1/me/timetable?from=&to=`: the caller's own teaching, school by school.
pub async fn my_timetable(
    State(state): State<AppState>,
    user: CurrentUser,
    ValidQuery(q): ValidQuery<DateRange>,
) -> Result<Json<StaffTimetable>, ApiError> {
    let (from, to) = timetable_range(&user, &q)?;
    let mut schools = Vec::new();
    for (tt, name) in staff_timetables_named(&state, user.person()).await? {
        let years = calendars(&state, tt.school, from, to).await?;
        schools.push(SchoolTeaching {
            school: tt.school,
            name,
            days: dated_days(&tt, from, to, &years),
        });
    }
    Ok(Json(StaffTimetable { from, to, schools }))
}

/// `POST /api/v1/learners/{id}/relationships/{rel}/end`.
pub async fn end_relationship(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path((id, rel)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id: PersonId = parse_id(&id)?;
    let rel: RelationshipId = parse_id(&rel)?;
    check_header_csrf(&user, &headers)?;
    let g = views::grant::<act::ManageRelationships>(&state, &user, id).await?;
    state.store.end_relationship(&g, rel).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/schools/{id}`: a school's overview (aggregates).
pub async fn school(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<SchoolOverview>, ApiError> {
    let id: OrgId = parse_id(&id)?;
    let (g, _) = views::org_grant::<org_act::ViewSchool>(&state, &user, id).await?;
    Ok(Json(
        state
            .store
            .school_overview(&g, views::today(user.now))
            .await?,
    ))
}

#[derive(Serialize)]
pub struct GroupView {
    group: GroupSummary,
    learners: Vec<LearnerSummary>,
}

/// `GET /api/v1/groups/{id}`: a group and its pupils.
pub async fn group(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<GroupView>, ApiError> {
    let id: GroupId = parse_id(&id)?;
    let (group, learners) = views::group_roster(&state, &user, id).await?;
    Ok(Json(GroupView { group, learners }))
}

/// `POST /api/v1/schools/{id}/people/{person}/disable` (and `/enable`).
pub async fn disable_person(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path((school, person)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    check_header_csrf(&user, &headers)?;
    crate::pages::schools::set_disabled(&state, &user, &school, &person, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn enable_person(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path((school, person)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    check_header_csrf(&user, &headers)?;
    crate::pages::schools::set_disabled(&state, &user, &school, &person, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Routes the API does not know answer with a problem document, not an HTML page.
pub async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
}
