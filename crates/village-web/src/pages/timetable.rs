//! Personal timetables: a learner's week and their SECURE and window choices; a staff
//! member's own teaching; private calendar links; and the timetabler's page, where the
//! school's model is kept, solved with live progress, checked and published.

use super::extract::{next_part, upload_words, ValidForm, ValidQuery};
use super::{parse_id, render, render_form_page, Page};
use crate::auth::session::token_hash;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::timetable_run::{self, Base, RunInput};
use crate::views;
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, State};
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::{Date, Weekday};
use jiff::ToSpan;
use serde::Deserialize;
use std::time::Duration;
use village_access::{act, org_act, Policy};
use village_domain::calendar::AcademicYear;
use village_domain::{OrgId, PersonId};
use village_store::{
    CalendarLink, CoverWrite, DayAbsence, DayCover, DayState, LessonRow, NewDayCover,
    PublishedTimetable, RunRow, StoreError, TimetableChoice, TimetableSetup,
};
use village_timetable::choices;
use village_timetable::cover::{arrange_cover, cover_on_date, CoverLine};
use village_timetable::ical::{self, CalendarRange, WeeklyMeeting};
use village_timetable::published::RunReport;
use village_timetable::school::{Compiled, School};

/// One lesson as a line of a day. Times are "HH:MM", local to the school.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LessonLine {
    pub starts: String,
    pub ends: String,
    pub subject: String,
    #[serde(rename = "set")]
    pub set_name: String,
    pub staff: String,
    pub room: String,
    /// A change for this date only, in words ("Cover for Ada Jones"); empty otherwise.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub change: String,
}

impl LessonLine {
    /// "09:00–10:00", as the pages show it.
    pub fn time(&self) -> String {
        format!("{}–{}", self.starts, self.ends)
    }
}

pub struct DayView {
    pub date: Date,
    pub lessons: Vec<LessonLine>,
    pub today: bool,
}

pub struct WeekView {
    /// Unique on the page: the id of its heading.
    pub id: String,
    pub heading: String,
    pub days: Vec<DayView>,
}

fn hhmm(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Week of the cycle (0 = A) that `date` falls in.
fn cycle_week(tt: &PublishedTimetable, date: Date) -> i64 {
    week_of_cycle(tt.week_a_monday, tt.nr_weeks, date)
}

/// Week of a cycle of `nr_weeks` starting on `week_a_monday` (0 = A) that `date` falls in.
fn week_of_cycle(week_a_monday: Date, nr_weeks: u32, date: Date) -> i64 {
    let days = week_a_monday
        .until(date)
        .map(|s| i64::from(s.get_days()))
        .unwrap_or(0);
    days.div_euclid(7).rem_euclid(i64::from(nr_weeks.max(1)))
}

/// A person's lessons on one date, in time order, with that date's cover: a lesson whose
/// own teacher is away shows who teaches it instead, and a staff member sees the lessons
/// they cover.
pub fn lessons_on(tt: &PublishedTimetable, date: Date) -> Vec<LessonLine> {
    let Ok(weekdays) = ical::day_weekdays(&tt.day_names) else {
        return Vec::new();
    };
    let Some(d) = weekdays.iter().position(|w| *w == date.weekday()) else {
        return Vec::new();
    };
    let week = cycle_week(tt, date);
    let cover: Vec<&DayCover> = tt.cover.iter().filter(|c| c.date == date).collect();
    let mut out: Vec<LessonLine> = tt
        .lessons
        .iter()
        .filter(|l| d < 32 && l.days >> d & 1 == 1 && l.weeks >> week & 1 == 1)
        .map(|l| {
            let line = lesson_line(l);
            match cover.iter().find(|c| c.lesson.class_id == l.class_id) {
                Some(c) => covered(line, c),
                None => line,
            }
        })
        .collect();
    // Lessons this person covers that date: not among their own.
    out.extend(
        cover
            .iter()
            .filter(|c| !tt.lessons.iter().any(|l| l.class_id == c.lesson.class_id))
            .map(|c| covered(lesson_line(&c.lesson), c)),
    );
    out.sort_by(|a, b| a.starts.cmp(&b.starts));
    out
}

fn lesson_line(l: &LessonRow) -> LessonLine {
    LessonLine {
        starts: hhmm(l.starts_minute),
        ends: hhmm(l.ends_minute),
        subject: l.subject.clone(),
        set_name: l.set_name.clone(),
        staff: l.staff.clone(),
        room: l.room.clone().unwrap_or_default(),
        change: String::new(),
    }
}

/// The line as cover changes it that date: taught by the colleague, or by nobody yet.
fn covered(mut line: LessonLine, c: &DayCover) -> LessonLine {
    let usual = std::mem::take(&mut line.staff);
    match &c.by {
        Some(by) => {
            line.staff.clone_from(by);
            line.change = format!("Cover for {usual}");
        }
        None => line.change = "Cover to be confirmed".to_string(),
    }
    line
}

/// "A" or "B" in a fortnightly timetable; nothing in a weekly one.
fn week_letter(tt: &PublishedTimetable, date: Date) -> Option<&'static str> {
    (tt.nr_weeks > 1).then(|| if cycle_week(tt, date) == 0 { "A" } else { "B" })
}

fn week_label(tt: &PublishedTimetable, date: Date) -> String {
    week_letter(tt, date)
        .map(|w| format!(" (week {w})"))
        .unwrap_or_default()
}

/// One date of a published timetable, as the JSON API gives it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DatedDay {
    pub date: Date,
    /// "A" or "B" in a fortnightly timetable.
    pub week: Option<&'static str>,
    /// False on holidays and training days: no lessons then.
    pub school_day: bool,
    pub lessons: Vec<LessonLine>,
}

/// `years`: the school's calendars that may hold `date`; with none, every day is open.
fn dated_day(tt: &PublishedTimetable, date: Date, years: &[AcademicYear]) -> DatedDay {
    let school_day = years.is_empty() || years.iter().any(|y| y.is_school_day(date));
    DatedDay {
        date,
        week: week_letter(tt, date),
        school_day,
        lessons: if school_day {
            lessons_on(tt, date)
        } else {
            Vec::new()
        },
    }
}

/// The timetable's days (the weekdays it names) from `from` to `to`, both included.
pub fn dated_days(
    tt: &PublishedTimetable,
    from: Date,
    to: Date,
    years: &[AcademicYear],
) -> Vec<DatedDay> {
    let weekdays = ical::day_weekdays(&tt.day_names).unwrap_or_default();
    let mut out = Vec::new();
    let mut date = from;
    while date <= to {
        if weekdays.contains(&date.weekday()) {
            out.push(dated_day(tt, date, years));
        }
        let Ok(next) = date.tomorrow() else { break };
        date = next;
    }
    out
}

/// The school days of the week that holds `monday`, with their lessons.
fn week_view(
    tt: &PublishedTimetable,
    monday: Date,
    heading: &str,
    today: Date,
    year: Option<&village_domain::calendar::AcademicYear>,
) -> WeekView {
    let mut days = Vec::new();
    for i in 0..7 {
        let Ok(date) = monday.checked_add(i.days()) else {
            continue;
        };
        if matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
            continue;
        }
        days.push(DayView {
            date,
            lessons: dated_day(tt, date, year.map(std::slice::from_ref).unwrap_or_default())
                .lessons,
            today: date == today,
        });
    }
    WeekView {
        id: format!("week-{}-{}", tt.school.0, monday),
        heading: format!("{heading}{}", week_label(tt, monday)),
        days,
    }
}

pub(crate) fn monday_of(d: Date) -> Date {
    let back = i64::from(d.weekday().to_monday_zero_offset());
    d.checked_sub(back.days()).unwrap_or(d)
}

fn two_weeks(
    tt: &PublishedTimetable,
    today: Date,
    year: Option<&village_domain::calendar::AcademicYear>,
) -> Vec<WeekView> {
    let monday = monday_of(today);
    let next = monday.checked_add(7.days()).unwrap_or(monday);
    vec![
        week_view(tt, monday, "This week", today, year),
        week_view(tt, next, "Next week", today, year),
    ]
}

/// Today's lessons for a home page, if a timetable is published and today is a school day.
pub async fn today_for(
    state: &AppState,
    tt: &PublishedTimetable,
    today: Date,
) -> Result<Vec<LessonLine>, AppError> {
    let year = state.store.academic_year(tt.school, today).await?;
    if year.as_ref().is_some_and(|y| !y.is_school_day(today)) {
        return Ok(Vec::new());
    }
    Ok(lessons_on(tt, today))
}

// ---------------------------------------------------------------------------------------
// A learner's timetable and choices

#[derive(Template)]
#[template(path = "timetable.html")]
struct LearnerPage {
    page: Page,
    learner: PersonId,
    name: String,
    weeks: Vec<WeekView>,
    published: bool,
    choice: TimetableChoice,
    choice_words: Vec<String>,
    choices_open_until: Option<Date>,
    may_choose: bool,
    may_subscribe: bool,
    links: Vec<CalendarLink>,
    new_link: Option<String>,
    notice: Option<String>,
}

fn window_label(w: &str) -> String {
    match w {
        "early" => "Early window (07:30 to 13:00)".into(),
        "late" => "Late window (13:00 to 19:00)".into(),
        "day" => "The usual school day".into(),
        other => other.to_string(),
    }
}

#[derive(Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    done: String,
    /// After publishing: absences on coming dates whose cover was arranged again on the
    /// new timetable, and those whose cover could not be.
    #[serde(default)]
    moved: usize,
    #[serde(default)]
    left: usize,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidQuery(q): ValidQuery<Notice>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let notice = match q.done.as_str() {
        "choices" => {
            Some("Your choices are saved. They count at the next timetable solve.".to_string())
        }
        "revoked" => Some("That calendar link no longer works.".to_string()),
        _ => None,
    };
    learner_page(&state, &user, id, notice, None).await
}

async fn learner_page(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    notice: Option<String>,
    new_link: Option<String>,
) -> Result<Response, AppError> {
    let (g, facts) = views::grant_with_facts::<act::ViewTimetable>(state, user, id).await?;
    let may_choose =
        Policy::authorize::<act::ChooseTimetable>(&user.subject, &facts, user.now).is_ok();
    let may_subscribe =
        Policy::authorize::<act::SubscribeTimetable>(&user.subject, &facts, user.now).is_ok();
    let name = state.store.person_name(id).await?;
    let today = views::today(user.now);
    let tt = state.store.learner_timetable(&g).await?;
    let year = state.store.academic_year(g.school(), today).await?;
    let weeks = tt
        .as_ref()
        .map(|t| two_weeks(t, today, year.as_ref()))
        .unwrap_or_default();
    let mut choice = state.store.timetable_choice(&g).await?;
    let setup = state.store.timetable_setup(g.school()).await?;
    // Until a choice is made in Village, the model's own choices for the pupil stand.
    if choice.updated_at.is_none() {
        if let Some(school) = setup
            .as_ref()
            .and_then(|s| School::from_json(&s.model).ok())
        {
            let (window, secure) = choices::current(&school, &id.0.to_string());
            choice.window = window;
            choice.secure = secure;
        }
    }
    let choice_words = choice.secure.clone();
    let links = if may_subscribe {
        state
            .store
            .calendar_links_of(user.person())
            .await?
            .into_iter()
            .filter(|l| l.learner == Some(id) && l.revoked_at.is_none())
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(&LearnerPage {
        page: Page::for_user(user, state),
        learner: id,
        name,
        published: tt.is_some(),
        weeks,
        choice,
        choice_words,
        choices_open_until: setup
            .and_then(|s| s.choices_close_on)
            .filter(|d| *d >= today),
        may_choose,
        may_subscribe,
        links,
        new_link,
        notice,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "timetable_choices.html")]
struct ChoicesPage {
    page: Page,
    learner: PersonId,
    name: String,
    secure: Vec<String>,
    windows: Vec<(String, String)>,
    /// The form's values: the window and one entry per SECURE period.
    window: String,
    picks: Vec<String>,
    closes_on: Option<Date>,
    open: bool,
    error: Option<String>,
}

async fn choices_page(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    form: Option<(String, Vec<String>)>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let g = views::grant::<act::ChooseTimetable>(state, user, id).await?;
    let gv = views::grant::<act::ViewTimetable>(state, user, id).await?;
    let name = state.store.person_name(id).await?;
    let setup = state
        .store
        .timetable_setup(g.school())
        .await?
        .ok_or(AppError::NotFound)?;
    let school = School::from_json(&setup.model)
        .map_err(|e| AppError::Internal(format!("stored timetable model: {e}")))?;
    let pupil = id.0.to_string();
    let Some(menu) = choices::menu(&school, &pupil) else {
        return Err(AppError::Conflict(
            "You are not in this school's timetable yet. Please ask your tutor.".into(),
        ));
    };
    let (window, mut picks) = match form {
        Some(f) => f,
        None => {
            let c = state.store.timetable_choice(&gv).await?;
            if c.updated_at.is_some() {
                (c.window.unwrap_or_default(), c.secure)
            } else {
                let (w, s) = choices::current(&school, &pupil);
                (w.unwrap_or_default(), s)
            }
        }
    };
    picks.resize(menu.periods.max(picks.len()), String::new());
    let today = views::today(user.now);
    let has_error = error.is_some();
    render_form_page(
        &ChoicesPage {
            page: Page::for_user(user, state),
            learner: id,
            name,
            secure: menu.secure,
            windows: menu
                .windows
                .iter()
                .map(|w| (w.clone(), window_label(w)))
                .collect(),
            window,
            picks,
            closes_on: setup.choices_close_on,
            open: setup.choices_close_on.is_some_and(|d| d >= today),
            error,
        },
        has_error,
    )
}

pub async fn choices(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    choices_page(&state, &user, id, None, None).await
}

#[derive(Deserialize)]
pub struct ChoicesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    window: String,
    #[serde(default)]
    secure: Vec<String>,
}

pub async fn save_choices(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::extract::RawForm(raw): axum::extract::RawForm,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    // Repeated `secure` fields keep their order: parse by hand, not into a map.
    let mut form = ChoicesForm {
        csrf: String::new(),
        window: String::new(),
        secure: Vec::new(),
    };
    for (k, v) in form_urlencoded_pairs(&raw) {
        match k.as_str() {
            "csrf" => form.csrf = v,
            "window" => form.window = v,
            "secure" => form.secure.push(v),
            _ => {}
        }
    }
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::ChooseTimetable>(&state, &user, id).await?;
    let window = form.window.trim().to_string();
    let picks: Vec<String> = form.secure.iter().map(|s| s.trim().to_string()).collect();
    let secure: Vec<String> = picks.iter().filter(|s| !s.is_empty()).cloned().collect();
    let setup = state
        .store
        .timetable_setup(g.school())
        .await?
        .ok_or(AppError::NotFound)?;
    let school = School::from_json(&setup.model)
        .map_err(|e| AppError::Internal(format!("stored timetable model: {e}")))?;
    let window_opt = (!window.is_empty()).then_some(window.as_str());
    if let Err(message) = choices::check(&school, &id.0.to_string(), window_opt, &secure) {
        return choices_page(&state, &user, id, Some((window, picks)), Some(message)).await;
    }
    match state
        .store
        .save_timetable_choice(&g, window_opt, &secure, views::today(user.now))
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/learners/{id}/timetable?done=choices")).into_response())
        }
        Err(StoreError::Conflict(m)) => {
            choices_page(&state, &user, id, Some((window, picks)), Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `a=1&b=2` into pairs, in order, with `+` and percent escapes decoded.
fn form_urlencoded_pairs(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw).into_owned().collect()
}

// ---------------------------------------------------------------------------------------
// A staff member's own timetable

#[derive(Template)]
#[template(path = "timetable_staff.html")]
struct StaffPage {
    page: Page,
    schools: Vec<(String, Vec<WeekView>)>,
    links: Vec<CalendarLink>,
    new_link: Option<String>,
    notice: Option<String>,
}

pub async fn mine(
    State(state): State<AppState>,
    user: CurrentUser,
    ValidQuery(q): ValidQuery<Notice>,
) -> Result<Response, AppError> {
    let notice = (q.done == "revoked").then(|| "That calendar link no longer works.".to_string());
    staff_page(&state, &user, notice, None).await
}

/// The published timetables a member of staff teaches in, each with its school's name.
pub async fn staff_timetables_named(
    state: &AppState,
    person: PersonId,
) -> Result<Vec<(PublishedTimetable, String)>, AppError> {
    let mut out = Vec::new();
    for tt in state.store.staff_timetables(person).await? {
        let name = state
            .store
            .org(tt.school)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        out.push((tt, name));
    }
    Ok(out)
}

async fn staff_page(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<String>,
    new_link: Option<String>,
) -> Result<Response, AppError> {
    let today = views::today(user.now);
    let mut schools = Vec::new();
    for (tt, name) in staff_timetables_named(state, user.person()).await? {
        let year = state.store.academic_year(tt.school, today).await?;
        schools.push((name, two_weeks(&tt, today, year.as_ref())));
    }
    let links = state
        .store
        .calendar_links_of(user.person())
        .await?
        .into_iter()
        .filter(|l| l.learner.is_none() && l.revoked_at.is_none())
        .collect();
    Ok(render(&StaffPage {
        page: Page::for_user(user, state),
        schools,
        links,
        new_link,
        notice,
    })?
    .into_response())
}

// ---------------------------------------------------------------------------------------
// Calendar links

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// The link to give a calendar app: absolute, on the address the person is using.
fn calendar_url(state: &AppState, headers: &axum::http::HeaderMap, token: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/calendar/{token}.ics")
}

/// Makes a link; its address is shown once, on the page it was made from.
async fn make_link(
    state: &AppState,
    user: &CurrentUser,
    headers: &axum::http::HeaderMap,
    school: OrgId,
    learner: Option<&village_access::Grant<act::SubscribeTimetable>>,
) -> Result<String, AppError> {
    let token = crate::auth::csrf::new_token();
    state
        .store
        .create_calendar_link(
            user.person(),
            school,
            learner,
            &token_hash(&token),
            user.now,
        )
        .await?;
    Ok(calendar_url(state, headers, &token))
}

pub async fn create_learner_link(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    ValidForm(form): ValidForm<CsrfOnly>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::SubscribeTimetable>(&state, &user, id).await?;
    let url = make_link(&state, &user, &headers, g.school(), Some(&g)).await?;
    learner_page(&state, &user, id, None, Some(url)).await
}

pub async fn create_own_link(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: axum::http::HeaderMap,
    ValidForm(form): ValidForm<CsrfOnly>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let tts = state.store.staff_timetables(user.person()).await?;
    let Some(first) = tts.first() else {
        return Err(AppError::Conflict(
            "You have no published teaching timetable to subscribe to yet.".into(),
        ));
    };
    let url = make_link(&state, &user, &headers, first.school, None).await?;
    staff_page(&state, &user, None, Some(url)).await
}

pub async fn revoke_link(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(link): Path<String>,
    ValidForm(form): ValidForm<CsrfOnly>,
) -> Result<Response, AppError> {
    let link: i64 = parse_id(&link)?;
    user.check_csrf(&form.csrf)?;
    let mine = state
        .store
        .calendar_links_of(user.person())
        .await?
        .into_iter()
        .find(|l| l.id == link)
        .ok_or(AppError::NotFound)?;
    state
        .store
        .revoke_calendar_link(user.person(), link, user.now)
        .await?;
    let to = match mine.learner {
        Some(l) => format!("/learners/{l}/timetable?done=revoked"),
        None => "/timetable?done=revoked".into(),
    };
    Ok(Redirect::to(&to).into_response())
}

/// The calendar behind a link. The link is the key, so the access it was made with is
/// checked again at every use: a parent who loses parental responsibility, or a pupil who
/// leaves, makes the link stop working. Unknown, revoked and refused look the same.
pub async fn calendar(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    if token.len() < 20 || token.len() > 100 {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    let link = state
        .store
        .use_calendar_link(&token_hash(token), now)
        .await?
        .ok_or(AppError::NotFound)?;
    let (name, timetables) = match link.learner {
        Some(learner) => {
            let subject = state.store.load_subject(link.owner, now).await?;
            let facts = state
                .store
                .learner_facts(learner, now)
                .await?
                .ok_or(AppError::NotFound)?;
            if Policy::authorize::<act::SubscribeTimetable>(&subject, &facts, now).is_err() {
                state
                    .store
                    .record_denial(
                        Some(link.owner),
                        "subscribe_timetable",
                        Some(learner),
                        Some(facts.school),
                        now,
                    )
                    .await?;
                return Err(AppError::NotFound);
            }
            let g = Policy::authorize::<act::ViewTimetable>(&subject, &facts, now)
                .map_err(|_| AppError::NotFound)?;
            let name = state.store.person_name(learner).await?;
            let tt = state.store.learner_timetable(&g).await?;
            (
                format!("{name}'s timetable"),
                tt.into_iter().collect::<Vec<_>>(),
            )
        }
        None => {
            let name = state.store.person_name(link.owner).await?;
            (
                format!("{name}'s teaching"),
                state.store.staff_timetables(link.owner).await?,
            )
        }
    };
    let today = views::today(now);
    let mut events = Vec::new();
    for tt in &timetables {
        events.extend(calendar_events(&state, tt, today).await?);
    }
    events.sort_by(|a, b| (a.start, &a.uid).cmp(&(b.start, &b.uid)));
    let text = ical::write_calendar(&name, "Europe/London", &events, now)
        .map_err(|e| AppError::Internal(format!("calendar: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        text,
    )
        .into_response())
}

/// A published timetable's lessons from a week ago to the end of the school year (or
/// twelve weeks, if the school has no calendar), holidays and INSET days left out.
async fn calendar_events(
    state: &AppState,
    tt: &PublishedTimetable,
    today: Date,
) -> Result<Vec<ical::CalendarEvent>, AppError> {
    let year = state.store.academic_year(tt.school, today).await?;
    let first_day = today.checked_sub(7.days()).unwrap_or(today);
    let last_day = year
        .as_ref()
        .and_then(|y| y.terms.last().map(|t| t.last_day))
        .filter(|d| *d > today)
        .unwrap_or_else(|| today.checked_add(84.days()).unwrap_or(today));
    let mut skip = Vec::new();
    if let Some(y) = &year {
        let mut d = first_day;
        while d <= last_day {
            if !y.is_school_day(d) {
                skip.push(d);
            }
            let Ok(next) = d.tomorrow() else { break };
            d = next;
        }
    }
    let meetings: Vec<WeeklyMeeting> = tt
        .lessons
        .iter()
        .map(|l| WeeklyMeeting {
            class_id: format!("{}-{}", tt.school.0, l.class_id),
            days: l.days,
            weeks: l.weeks,
            start_minute: l.starts_minute,
            end_minute: l.ends_minute,
            summary: format!("{} ({})", l.subject, l.set_name),
            location: l.room.clone(),
            staff: l.staff.clone(),
        })
        .collect();
    let range = CalendarRange {
        week_a_monday: tt.week_a_monday,
        first_day,
        last_day,
        skip: &skip,
        uid_domain: "village.invalid",
    };
    let mut events = ical::expand(&meetings, &tt.day_names, tt.nr_weeks, &range)
        .map_err(|e| AppError::Internal(format!("calendar: {e}")))?;
    with_cover(&mut events, tt, first_day, last_day);
    Ok(events)
}

/// The calendar with each date's cover: a lesson whose teacher is away says who teaches
/// it instead, and a lesson this person covers is added as an event of its own.
fn with_cover(
    events: &mut Vec<ical::CalendarEvent>,
    tt: &PublishedTimetable,
    first: Date,
    last: Date,
) {
    let at = |d: Date, minute: u32| {
        d.to_datetime(jiff::civil::Time::midnight())
            .checked_add(i64::from(minute).minutes())
            .ok()
    };
    for c in tt
        .cover
        .iter()
        .filter(|c| first <= c.date && c.date <= last)
    {
        let l = &c.lesson;
        let line = covered(lesson_line(l), c);
        let description = if line.staff.is_empty() {
            line.change.clone()
        } else {
            format!("Staff: {}\n{}", line.staff, line.change)
        };
        let summary = format!("{} ({})", l.subject, l.set_name);
        let (Some(start), Some(end)) = (at(c.date, l.starts_minute), at(c.date, l.ends_minute))
        else {
            continue;
        };
        let own = tt.lessons.iter().any(|x| x.class_id == l.class_id);
        match events
            .iter_mut()
            .find(|e| own && e.start == start && e.summary == summary)
        {
            Some(e) => e.description = Some(description),
            None if !own => events.push(ical::CalendarEvent {
                uid: format!(
                    "{}.cover.{}@village.invalid",
                    ical::uid_part(&format!("{}-{}", tt.school.0, l.class_id)),
                    c.date.strftime("%Y%m%d")
                ),
                summary,
                location: l.room.clone(),
                description: Some(description),
                start,
                end,
            }),
            None => {}
        }
    }
    events.sort_by(|a, b| (a.start, &a.uid).cmp(&(b.start, &b.uid)));
}

// ---------------------------------------------------------------------------------------
// The timetabler's pages

/// Figures of the model, for the overview.
pub struct ModelSummary {
    pub pupils: usize,
    pub staff: usize,
    pub offers: usize,
    pub secure_offers: usize,
    pub rooms: usize,
    pub sites: usize,
    pub days: String,
    pub weeks: u32,
}

#[derive(Template)]
#[template(path = "timetable_admin.html")]
struct AdminPage {
    page: Page,
    school: OrgId,
    school_name: String,
    summary: Option<ModelSummary>,
    revision: i64,
    week_a_monday: String,
    closes_on: String,
    choices_made: usize,
    staff: Vec<(String, String)>,
    days: Vec<String>,
    runs: Vec<RunRow>,
    published: Option<i64>,
    notice: Option<String>,
    error: Option<String>,
    cover: Vec<CoverView>,
    /// Who is marked away, and when: (staff label, their name, day).
    away: Vec<(String, String, String)>,
    /// Staff away on a single date, from today on.
    absences: Vec<DayAbsence>,
    today: String,
}

/// A lesson of someone away, and who covers it, as the timetabler's page shows it.
pub struct CoverView {
    pub when: String,
    pub lesson: String,
    pub room: String,
    /// The colleague's name, or none when nobody can.
    pub by: Option<String>,
    /// "teaches the subject", or why nobody can.
    pub note: String,
}

async fn admin_page(
    state: &AppState,
    user: &CurrentUser,
    school: OrgId,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    admin_page_with_cover(state, user, school, notice, error, Vec::new()).await
}

async fn admin_page_with_cover(
    state: &AppState,
    user: &CurrentUser,
    school: OrgId,
    notice: Option<String>,
    error: Option<String>,
    cover: Vec<CoverLine>,
) -> Result<Response, AppError> {
    let (g, org) = views::org_grant::<org_act::ManageTimetable>(state, user, school).await?;
    let setup = state.store.timetable_setup(school).await?;
    let model = setup
        .as_ref()
        .and_then(|s| School::from_json(&s.model).ok());
    let names = state.store.school_people_names(&g).await?;
    let name_of = |label: &str| person_name(&names, label);
    let mut staff: Vec<(String, String)> = model
        .as_ref()
        .map(|m| {
            m.staff
                .iter()
                .map(|s| (s.name.clone(), name_of(&s.name)))
                .collect()
        })
        .unwrap_or_default();
    staff.sort_by(|a, b| a.1.cmp(&b.1));
    let summary = model.as_ref().map(|m| ModelSummary {
        pupils: m.pupils.len(),
        staff: m.staff.len(),
        offers: m.offers.len(),
        secure_offers: m.offers.iter().filter(|o| o.secure).count(),
        rooms: m.rooms.len(),
        sites: m.sites.len(),
        days: m.days.join(", "),
        weeks: m.weeks,
    });
    let choices_made = state.store.school_timetable_choices(&g).await?.len();
    let runs = state.store.timetable_runs(&g, 20).await?;
    let published = state.store.published_run(school).await?.map(|(r, _)| r);
    let today = views::today(state.clock.now());
    let absences = state.store.day_absences(&g, today, Date::MAX).await?;
    let has_error = error.is_some();
    render_form_page(
        &AdminPage {
            absences,
            today: today.to_string(),
            page: Page::for_user(user, state),
            school,
            school_name: org.name,
            revision: setup.as_ref().map_or(0, |s| s.revision),
            week_a_monday: setup
                .as_ref()
                .map(|s| s.week_a_monday.to_string())
                .unwrap_or_default(),
            closes_on: setup
                .as_ref()
                .and_then(|s| s.choices_close_on)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            days: model.as_ref().map(|m| m.days.clone()).unwrap_or_default(),
            summary,
            choices_made,
            staff,
            runs,
            published,
            notice,
            error,
            cover: cover
                .into_iter()
                .map(|l| cover_view(model.as_ref(), l, &name_of))
                .collect(),
            away: model
                .as_ref()
                .map(|m| {
                    m.away()
                        .into_iter()
                        .map(|(who, day)| (who.to_string(), name_of(who), day.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
        },
        has_error,
    )
}

pub async fn admin(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidQuery(q): ValidQuery<Notice>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    let notice = match q.done.as_str() {
        "published" => Some(published_notice(q.moved, q.left)),
        "model" => Some("The timetable model is saved.".to_string()),
        _ => None,
    };
    admin_page(&state, &user, id, notice, None).await
}

/// What the timetabler is told after publishing, with what became of cover on coming
/// dates.
fn published_notice(moved: usize, left: usize) -> String {
    let mut words = "Published. Pupils and staff see this timetable now.".to_string();
    if moved > 0 {
        words.push_str(&format!(
            " The cover for {moved} absence{} on coming dates was arranged again on it.",
            if moved == 1 { "" } else { "s" }
        ));
    }
    if left > 0 {
        words.push_str(&format!(" The cover for {left} could not be: open the dates below to see which, and arrange it again."));
    }
    words
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    revision: String,
    #[serde(default)]
    week_a_monday: String,
    #[serde(default)]
    closes_on: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<SettingsForm>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageTimetable>(&state, &user, id).await?;
    let Some(setup) = state.store.timetable_setup(id).await? else {
        return admin_page(
            &state,
            &user,
            id,
            None,
            Some("Upload the school's timetable model first.".into()),
        )
        .await;
    };
    let monday: Result<Date, _> = form.week_a_monday.trim().parse();
    let Ok(monday) = monday.map_err(|_| ()).and_then(|d: Date| {
        if d.weekday() == Weekday::Monday {
            Ok(d)
        } else {
            Err(())
        }
    }) else {
        return admin_page(
            &state,
            &user,
            id,
            None,
            Some("Week A must start on a Monday: give its date, like 2026-09-07.".into()),
        )
        .await;
    };
    let closes = form.closes_on.trim();
    let closes: Option<Date> = if closes.is_empty() {
        None
    } else {
        match closes.parse() {
            Ok(d) => Some(d),
            Err(_) => {
                return admin_page(&state, &user, id, None, Some("Give the last day for choices as a date, like 2026-12-04, or leave it empty to close choices.".into())).await
            }
        }
    };
    let expected = form.revision.trim().parse::<i64>().ok();
    match state
        .store
        .save_timetable_setup(&g, &setup.model, monday, closes, expected, "settings")
        .await
    {
        Ok(_) => admin_page(&state, &user, id, Some("Saved.".into()), None).await,
        Err(StoreError::Conflict(m)) => admin_page(&state, &user, id, None, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

/// A staff member and a day: marked away ("Someone cannot teach on a day") or back again.
#[derive(Deserialize)]
pub struct StaffDayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    revision: String,
    #[serde(default)]
    staff: String,
    #[serde(default)]
    day: String,
    /// Away only: "on" gives their lessons that day to free colleagues first.
    #[serde(default)]
    cover: String,
}

/// A staff member cannot teach on a day (illness, a course, a visit to another school):
/// the model is changed and, when asked, free colleagues cover their lessons of the
/// published timetable that day; a re-solve with minimal change then moves only what
/// nobody could cover.
pub async fn staff_away(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<StaffDayForm>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageTimetable>(&state, &user, id).await?;
    let (setup, mut school) = stored_model(&state, id).await?;
    let (staff, day) = (form.staff.trim(), form.day.trim());
    if let Err(e) = school.mark_unavailable(staff, day) {
        return admin_page(&state, &user, id, None, Some(e.to_string())).await;
    }
    let mut lines = Vec::new();
    let mut no_timetable = false;
    if form.cover == "on" {
        match published_base(&state, &g, id).await? {
            Some(base) => {
                let compiled = compile_published(&base)?;
                lines = match arrange_cover(&mut school, &compiled, &base.solution, staff, day) {
                    Ok(l) => l,
                    Err(e) => {
                        return admin_page(&state, &user, id, None, Some(e.to_string())).await
                    }
                };
            }
            None => no_timetable = true,
        }
    }
    let covered = lines.iter().filter(|l| l.by.is_some()).count();
    let what = format!("{staff} away on {day}, {covered} lessons covered");
    if let Err(conflict) = save_model(&state, &g, &setup, &school, &form.revision, &what).await? {
        return admin_page(&state, &user, id, None, Some(conflict)).await;
    }
    let notice = away_notice(lines.len(), covered, no_timetable);
    admin_page_with_cover(&state, &user, id, Some(notice), None, lines).await
}

/// A staff member marked away on a day is back: their usual availability holds again and
/// the cover arranged for that day ends. The published timetable is not changed; the
/// next re-solve from it gives their lessons back to them.
pub async fn staff_back(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<StaffDayForm>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageTimetable>(&state, &user, id).await?;
    let (setup, mut school) = stored_model(&state, id).await?;
    let (staff, day) = (form.staff.trim(), form.day.trim());
    if !school.away().contains(&(staff, day)) {
        // Sent twice, or from a page older than the model: say so by name.
        let names = state.store.school_people_names(&g).await?;
        let error = format!(
            "{} is not marked away on {day}, so there was nothing to change.",
            person_name(&names, staff)
        );
        return admin_page(&state, &user, id, None, Some(error)).await;
    }
    let ended = match school.mark_back(staff, day) {
        Ok(n) => n,
        Err(e) => return admin_page(&state, &user, id, None, Some(e.to_string())).await,
    };
    let what = format!("{staff} back on {day}, cover of {ended} lessons ended");
    if let Err(conflict) = save_model(&state, &g, &setup, &school, &form.revision, &what).await? {
        return admin_page(&state, &user, id, None, Some(conflict)).await;
    }
    let notice = if ended == 0 {
        format!("Saved. They can teach on {day} again. Solve again from the published timetable to use that.")
    } else {
        format!("Saved. They can teach on {day} again, and the cover of their {ended} lessons that day has ended. Solve again from the published timetable and publish it, so that they teach those lessons again.")
    };
    admin_page(&state, &user, id, Some(notice), None).await
}

// ---------------------------------------------------------------------------------------
// Cover for one date

/// A staff member away on one date, or not after all.
#[derive(Deserialize)]
pub struct DayAwayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    staff: String,
    #[serde(default)]
    date: String,
}

#[derive(Template)]
#[template(path = "timetable_cover.html")]
struct CoverSheetPage {
    page: Page,
    school: OrgId,
    school_name: String,
    date: Date,
    absences: Vec<DayAbsence>,
    lines: Vec<CoverSheetLine>,
    /// Some absences were arranged on a timetable since replaced: their cover is not shown.
    stale: bool,
    notice: Option<String>,
    error: Option<String>,
}

/// A line of the cover sheet.
pub struct CoverSheetLine {
    pub when: String,
    pub lesson: String,
    pub room: String,
    /// The lesson's own teacher.
    pub usual: String,
    pub by: Option<String>,
    pub reason: String,
}

/// The cover sheet of one date: who is away, and who teaches each of their lessons.
pub async fn cover_sheet(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, date)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    let Ok(date) = date.parse::<Date>() else {
        // Not a date: refused like any other page of the school's timetabler, so a
        // stranger's request is audited and learns nothing.
        views::org_grant::<org_act::ManageTimetable>(&state, &user, id).await?;
        return Err(AppError::NotFound);
    };
    cover_sheet_page(&state, &user, id, date, None, None).await
}

async fn cover_sheet_page(
    state: &AppState,
    user: &CurrentUser,
    school: OrgId,
    date: Date,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (g, org) = views::org_grant::<org_act::ManageTimetable>(state, user, school).await?;
    let absences = state.store.day_absences(&g, date, date).await?;
    let published = state.store.published_run(school).await?.map(|(r, _)| r);
    let lines = match published {
        Some(run) => state.store.day_cover(&g, run, date).await?,
        None => Vec::new(),
    };
    let has_error = error.is_some();
    render_form_page(
        &CoverSheetPage {
            page: Page::for_user(user, state),
            school,
            school_name: org.name,
            date,
            stale: absences.iter().any(|a| Some(a.run) != published),
            absences,
            lines: lines.into_iter().map(cover_sheet_line).collect(),
            notice,
            error,
        },
        has_error,
    )
}

fn cover_sheet_line(c: DayCover) -> CoverSheetLine {
    let l = &c.lesson;
    CoverSheetLine {
        when: format!("{}–{}", hhmm(l.starts_minute), hhmm(l.ends_minute)),
        lesson: format!("{}, {}", l.subject, l.set_name),
        room: l.room.clone().unwrap_or_default(),
        usual: l.staff.clone(),
        by: c.by,
        reason: c.reason.unwrap_or_default(),
    }
}

/// A staff member is away on one date (ill, on a course, visiting another school): free
/// colleagues cover their lessons of the published timetable that date. Nothing else
/// changes; pupils and staff see the cover on that date only.
pub async fn day_away(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<DayAwayForm>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageTimetable>(&state, &user, id).await?;
    let staff = form.staff.trim();
    let refuse = |e: String| admin_page(&state, &user, id, None, Some(e));
    let Ok(date) = form.date.trim().parse::<Date>() else {
        return refuse("Choose the date they are away, for example 2026-12-08.".into()).await;
    };
    if date < views::today(state.clock.now()) {
        return refuse(format!(
            "{date} has passed. Cover can be arranged for today or a later date."
        ))
        .await;
    }
    let Some(cb) = cover_base(&state, &g).await? else {
        return refuse(
            "There is no published timetable yet, so there are no lessons to cover.".into(),
        )
        .await;
    };
    if !cb.base.school.staff.iter().any(|s| s.name == staff) {
        let names = state.store.school_people_names(&g).await?;
        return refuse(format!(
            "{} is not in the published timetable, so they have no lessons in it to cover.",
            person_name(&names, staff)
        ))
        .await;
    }
    let mut kept = None;
    for _ in 0..COVER_ATTEMPTS {
        let plan = match plan_day_cover(&state, &g, &cb, staff, date).await? {
            Ok(plan) => plan,
            Err(e) => return refuse(e).await,
        };
        let write = (&plan.keep[..], &plan.seen);
        match state
            .store
            .record_day_absence(&g, cb.base.run, date, staff, write)
            .await
        {
            Ok(CoverWrite::Kept) => {
                kept = Some(plan);
                break;
            }
            Ok(CoverWrite::Changed) => {}
            Err(StoreError::Conflict(m)) => {
                return cover_sheet_page(&state, &user, id, date, None, Some(m)).await
            }
            Err(e) => return Err(e.into()),
        }
    }
    let Some(DayPlan { keep, covered, .. }) = kept else {
        return refuse(format!(
            "Cover for {date} was being changed by someone else at the same moment, so nothing was saved. Please try again."
        ))
        .await;
    };
    let notice = match (keep.len(), keep.len() - covered) {
        (0, _) => "Saved. They have no lessons that day, so there is nothing to cover.".to_string(),
        (n, 0) => format!("Saved. Colleagues cover all {n} lessons they were to teach that day, at the usual times and in the usual rooms."),
        (n, left) => format!("Saved. Colleagues cover {covered} of the {n} lessons they were to teach that day. Nobody is free for {left}: the reason is beside each."),
    };
    cover_sheet_page(&state, &user, id, date, Some(notice), None).await
}

/// The published timetable as cover for a date needs it, loaded once for a request: the
/// run, its model compiled, and the Monday that starts week A.
struct CoverBase {
    base: Base,
    compiled: Compiled,
    week_a_monday: Date,
}

async fn cover_base(
    state: &AppState,
    g: &village_access::OrgGrant<org_act::ManageTimetable>,
) -> Result<Option<CoverBase>, AppError> {
    let Some(base) = published_base(state, g, g.org()).await? else {
        return Ok(None);
    };
    let setup = state
        .store
        .timetable_setup(g.org())
        .await?
        .ok_or(AppError::NotFound)?;
    let compiled = compile_published(&base)?;
    Ok(Some(CoverBase {
        base,
        compiled,
        week_a_monday: setup.week_a_monday,
    }))
}

/// How many times cover for a date is planned before giving up, when each time someone
/// else changed the date's cover between the plan and its write.
const COVER_ATTEMPTS: usize = 3;

/// Cover planned for one person's lessons on a date.
struct DayPlan {
    keep: Vec<NewDayCover>,
    /// How many of `keep` found a colleague.
    covered: usize,
    /// The date as the plan read it: the plan is written only if it is still so.
    seen: DayState,
}

/// The cover of `staff`'s lessons on `date` in the published timetable; or why there
/// can be none (not a day of the timetable, not a school day, someone the model does not
/// know), in the timetabler's words. Cover already kept for the date, and everyone else
/// away then, count.
async fn plan_day_cover(
    state: &AppState,
    g: &village_access::OrgGrant<org_act::ManageTimetable>,
    cb: &CoverBase,
    staff: &str,
    date: Date,
) -> Result<Result<DayPlan, String>, AppError> {
    let (id, base, compiled) = (g.org(), &cb.base, &cb.compiled);
    let Some(day) = timetable_day(&base.school.days, date) else {
        return Ok(Err(format!(
            "{date} is a {}: the timetable has no lessons that day.",
            date.strftime("%A")
        )));
    };
    if let Some(year) = state.store.academic_year(id, date).await? {
        if !year.is_school_day(date) {
            return Ok(Err(format!(
                "{date} is not a school day in the school's calendar."
            )));
        }
    }
    let week = week_of_cycle(cb.week_a_monday, base.school.weeks, date);
    let week = u32::try_from(week).unwrap_or(0);
    let seen = state.store.day_state(g, base.run, date).await?;
    let arranged: Vec<(usize, String)> = seen
        .arranged
        .iter()
        .filter_map(|(class, by)| Some((usize::try_from(*class).ok()?, by.clone()?)))
        .collect();
    let also: Vec<&str> = seen
        .away
        .iter()
        .map(String::as_str)
        .filter(|a| *a != staff)
        .collect();
    let lines = match cover_on_date(
        &base.school,
        compiled,
        &base.solution,
        staff,
        &also,
        (&day, week),
        &arranged,
    ) {
        Ok(lines) => lines,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let covered = lines.iter().filter(|(_, l)| l.by.is_some()).count();
    let keep = lines
        .into_iter()
        .map(|(class, l)| NewDayCover {
            class_no: class,
            absent_label: compiled
                .classes
                .get(class)
                .map_or(staff, |c| c.staff.as_str())
                .to_string(),
            by_label: l.by,
            reason: l.reason,
        })
        .collect();
    Ok(Ok(DayPlan {
        keep,
        covered,
        seen,
    }))
}

/// The published run's model compiled, to read its solution's class numbers against.
fn compile_published(base: &Base) -> Result<Compiled, AppError> {
    base.school
        .compile()
        .map_err(|e| AppError::Internal(format!("published run model: {e}")))
}

/// After a new timetable is published, the cover of everyone away from today on is
/// arranged again on it (the old cover named lessons of the old timetable), each absence
/// moved in one transaction. An absence whose cover cannot be arranged on the new
/// timetable (the person or the day is gone from it), or whose move fails, is left as it
/// was, and its cover sheet says so. Returns how many were moved and how many were left.
async fn rearrange_day_cover(
    state: &AppState,
    g: &village_access::OrgGrant<org_act::ManageTimetable>,
) -> Result<(usize, usize), AppError> {
    let Some((run, _)) = state.store.published_run(g.org()).await? else {
        return Ok((0, 0));
    };
    let today = views::today(state.clock.now());
    let stale: Vec<DayAbsence> = state
        .store
        .day_absences(g, today, Date::MAX)
        .await?
        .into_iter()
        .filter(|a| a.run != run)
        .collect();
    let Some(cb) = (if stale.is_empty() {
        None
    } else {
        cover_base(state, g).await?
    }) else {
        return Ok((0, 0));
    };
    let (mut moved, mut left) = (0, 0);
    for a in stale {
        match move_one_absence(state, g, &cb, &a).await {
            Ok(()) => moved += 1,
            Err(why) => {
                tracing::warn!(
                    "cover of {} on {} not arranged again on run {}: {why}",
                    a.staff_label,
                    a.date,
                    run
                );
                left += 1;
            }
        }
    }
    Ok((moved, left))
}

/// Moves one absence to the published run `cb`, with its cover planned again; or why it
/// could not be.
async fn move_one_absence(
    state: &AppState,
    g: &village_access::OrgGrant<org_act::ManageTimetable>,
    cb: &CoverBase,
    a: &DayAbsence,
) -> Result<(), String> {
    for _ in 0..COVER_ATTEMPTS {
        let plan = plan_day_cover(state, g, cb, &a.staff_label, a.date)
            .await
            .map_err(|e| e.to_string())??;
        let write = (&plan.keep[..], &plan.seen);
        match state
            .store
            .move_day_absence(g, cb.base.run, a.date, &a.staff_label, write)
            .await
        {
            Ok(CoverWrite::Kept) => return Ok(()),
            Ok(CoverWrite::Changed) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Err("the date's cover kept changing while it was planned".into())
}

/// The label of the timetable's day that `date` falls on, if the timetable has one.
fn timetable_day(days: &[String], date: Date) -> Option<String> {
    let weekdays = ical::day_weekdays(days).ok()?;
    let d = weekdays.iter().position(|w| *w == date.weekday())?;
    days.get(d).cloned()
}

/// A staff member noted away on a date is not away after all: the cover of their lessons
/// that date ends, and they teach them as usual.
pub async fn day_back(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<DayAwayForm>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageTimetable>(&state, &user, id).await?;
    let staff = form.staff.trim();
    let Ok(date) = form.date.trim().parse::<Date>() else {
        return admin_page(
            &state,
            &user,
            id,
            None,
            Some("That date is not one Village understands.".into()),
        )
        .await;
    };
    let names = state.store.school_people_names(&g).await?;
    let name = person_name(&names, staff);
    let (notice, error) = match state.store.end_day_absence(&g, date, staff).await {
        Ok(n) => {
            let mut words = format!(
                "Saved. {name} is not away on {date} after all, and the cover of their {n} lessons that day has ended."
            );
            let filled = fill_open_cover(&state, &g, date).await?;
            if filled > 0 {
                words.push_str(&format!(
                    " {filled} other lesson{} nobody was free for now {} cover.",
                    if filled == 1 { "" } else { "s" },
                    if filled == 1 { "has" } else { "have" }
                ));
            }
            (Some(words), None)
        }
        Err(StoreError::Conflict(_)) => (
            None,
            Some(format!(
                "{name} is not marked away on {date}, so there was nothing to change."
            )),
        ),
        Err(e) => return Err(e.into()),
    };
    cover_sheet_page(&state, &user, id, date, notice, error).await
}

/// Lessons on `date` that nobody was free to cover get another try (someone away that
/// date is not after all): each absence with such lessons is planned again with the cover
/// already kept, and what now finds a colleague is kept. Returns how many did.
async fn fill_open_cover(
    state: &AppState,
    g: &village_access::OrgGrant<org_act::ManageTimetable>,
    date: Date,
) -> Result<usize, AppError> {
    let Some((run, _)) = state.store.published_run(g.org()).await? else {
        return Ok(0);
    };
    let all_covered =
        (state.store.day_state(g, run, date).await?.arranged.iter()).all(|(_, by)| by.is_some());
    let Some(cb) = (if all_covered {
        None
    } else {
        cover_base(state, g).await?
    }) else {
        return Ok(0);
    };
    let mut filled = 0;
    for a in state.store.day_absences(g, date, date).await? {
        if a.run != run {
            continue;
        }
        for _ in 0..COVER_ATTEMPTS {
            let Ok(plan) = plan_day_cover(state, g, &cb, &a.staff_label, date).await? else {
                break;
            };
            // Lessons nobody was free for, as this plan saw the date.
            let open: Vec<i64> = (plan.seen.arranged.iter())
                .filter(|(_, by)| by.is_none())
                .map(|(class, _)| *class)
                .collect();
            let found: Vec<NewDayCover> = (plan.keep.into_iter())
                .filter(|l| l.by_label.is_some())
                .filter(|l| i64::try_from(l.class_no).is_ok_and(|c| open.contains(&c)))
                .collect();
            let write = (&found[..], &plan.seen);
            if state.store.fill_day_cover(g, run, date, write).await? == CoverWrite::Kept {
                filled += found.len();
                break;
            }
        }
    }
    Ok(filled)
}

/// The school's timetable setup and its model, as stored.
async fn stored_model(state: &AppState, id: OrgId) -> Result<(TimetableSetup, School), AppError> {
    let setup = state
        .store
        .timetable_setup(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let school = School::from_json(&setup.model)
        .map_err(|e| AppError::Internal(format!("stored timetable model: {e}")))?;
    Ok((setup, school))
}

/// Save a changed model under the revision the timetabler's page was read at, audited as
/// `what`. `Ok(Err(message))` when someone saved in between: the page says so and
/// nothing is saved.
async fn save_model(
    state: &AppState,
    g: &village_access::OrgGrant<org_act::ManageTimetable>,
    setup: &TimetableSetup,
    school: &School,
    revision: &str,
    what: &str,
) -> Result<Result<(), String>, AppError> {
    let model = serde_json::to_string(school)
        .map_err(|e| AppError::Internal(format!("timetable model: {e}")))?;
    let expected = revision.trim().parse::<i64>().ok();
    match state
        .store
        .save_timetable_setup(
            g,
            &model,
            setup.week_a_monday,
            setup.choices_close_on,
            expected,
            what,
        )
        .await
    {
        Ok(_) => Ok(Ok(())),
        Err(StoreError::Conflict(m)) => Ok(Err(m)),
        Err(e) => Err(e.into()),
    }
}

/// A cover line in the page's words: the subject's name, the colleague's name.
fn cover_view(model: Option<&School>, l: CoverLine, name_of: &dyn Fn(&str) -> String) -> CoverView {
    let subject = model
        .and_then(|m| m.offers.iter().find(|o| o.id == l.offer))
        .map_or_else(|| l.offer.clone(), |o| o.subject.clone());
    CoverView {
        when: format!("{} {}–{}", l.day, l.start, l.end),
        lesson: format!("{subject}, {} (lesson {})", l.set, l.session),
        room: l.room.unwrap_or_default(),
        by: l.by.as_deref().map(name_of),
        note: match (l.specialist, l.reason) {
            (_, Some(why)) => why,
            (true, None) => "teaches the subject".into(),
            (false, None) => String::new(),
        },
    }
}

/// A person's name for a label of the timetable model (staff and pupils are named there
/// by their person ids); the label itself when it is not one of the school's people.
fn person_name(names: &std::collections::HashMap<i64, String>, label: &str) -> String {
    label
        .parse::<i64>()
        .ok()
        .and_then(|id| names.get(&id).cloned())
        .unwrap_or_else(|| label.to_string())
}

/// What the timetabler is told after marking someone away.
fn away_notice(lessons: usize, covered: usize, no_timetable: bool) -> String {
    let left = lessons - covered.min(lessons);
    if no_timetable {
        "Saved. There is no published timetable yet, so there was nothing to cover.".into()
    } else if lessons == 0 {
        "Saved. Solve again, starting from the published timetable, to move only the lessons this affects.".into()
    } else if left == 0 {
        format!("Saved. Colleagues cover all {lessons} lessons, at the same times and in the same rooms. Solve again from the published timetable and publish it: no pupil's lesson needs to move.")
    } else {
        format!("Saved. Colleagues cover {covered} of {lessons} lessons. Solve again from the published timetable to move the {left} nobody can cover; the covered ones stay where they are.")
    }
}

/// The published run's model and timetable, to start a re-solve or arrange cover from.
async fn published_base(
    state: &AppState,
    g: &village_access::OrgGrant<org_act::ManageTimetable>,
    id: OrgId,
) -> Result<Option<Base>, AppError> {
    let Some((run, _)) = state.store.published_run(id).await? else {
        return Ok(None);
    };
    let (model, solution) = state.store.timetable_run_solution(g, run).await?;
    let school = School::from_json(&model)
        .map_err(|e| AppError::Internal(format!("stored run model: {e}")))?;
    let solution = solution
        .and_then(|s| serde_json::from_str(&s).ok())
        .ok_or_else(|| AppError::Internal("published run without a timetable".into()))?;
    Ok(Some(Base {
        run,
        school,
        solution,
    }))
}

/// The school's model as a `village` JSON file, to edit elsewhere and upload again.
pub async fn download_model(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    let (_g, _) = views::org_grant::<org_act::ManageTimetable>(&state, &user, id).await?;
    let setup = state
        .store
        .timetable_setup(id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"timetable-model.json\"",
            ),
        ],
        setup.model,
    )
        .into_response())
}

/// What the timetabler is told when a model file passes the route's limit (16 MiB).
const MODEL_TOO_LARGE: &str = "That model file is larger than we can accept (16 MB).";

/// Replaces the model with an uploaded `village` JSON file, after the engine has read and
/// compiled it: every problem is named with its place in the file, and nothing is saved.
pub async fn upload_model(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    // The policy first: a refused upload is never read.
    let (g, _) = views::org_grant::<org_act::ManageTimetable>(&state, &user, id).await?;
    let Ok(mut multipart) = Multipart::from_request(request, &state).await else {
        return Err(AppError::bad_input(
            "model",
            "Please upload the model with the form on this page.",
        ));
    };
    let mut csrf = String::new();
    let mut text = String::new();
    let mut monday = String::new();
    loop {
        let Some(field) = next_part(&mut multipart, MODEL_TOO_LARGE)
            .await
            .map_err(|words| AppError::bad_input("model", words))?
        else {
            break;
        };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| AppError::bad_input("model", upload_words(&e, MODEL_TOO_LARGE)))?;
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "week_a_monday" => monday = String::from_utf8_lossy(&bytes).trim().to_string(),
            "model" => match String::from_utf8(bytes.to_vec()) {
                Ok(t) => text = t,
                Err(_) => {
                    user.check_csrf(&csrf)?;
                    return admin_page(&state, &user, id, None, Some("That file is not text (UTF-8 JSON). Please upload the timetable model as a .json file.".into())).await;
                }
            },
            _ => {}
        }
    }
    user.check_csrf(&csrf)?;
    let school = match School::from_json(&text) {
        Ok(s) => s,
        Err(e) => {
            return admin_page(
                &state,
                &user,
                id,
                None,
                Some(format!("The model was not saved: {e}")),
            )
            .await
        }
    };
    if let Err(e) = school.compile() {
        return admin_page(
            &state,
            &user,
            id,
            None,
            Some(format!("The model was not saved: {e}")),
        )
        .await;
    }
    let setup = state.store.timetable_setup(id).await?;
    let monday: Option<Date> = monday
        .parse()
        .ok()
        .filter(|d: &Date| d.weekday() == Weekday::Monday);
    let Some(monday) = monday.or(setup.as_ref().map(|s| s.week_a_monday)) else {
        return admin_page(
            &state,
            &user,
            id,
            None,
            Some("Give the Monday that starts week A, like 2026-09-07.".into()),
        )
        .await;
    };
    match state
        .store
        .save_timetable_setup(
            &g,
            &text,
            monday,
            setup.and_then(|s| s.choices_close_on),
            None,
            "model uploaded",
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/schools/{id}/timetable?done=model")).into_response()),
        Err(StoreError::Conflict(m)) => admin_page(&state, &user, id, None, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct SolveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    seconds: String,
    /// "on": start from the published timetable and change as little as possible.
    #[serde(default)]
    keep: String,
}

pub async fn solve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<SolveForm>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageTimetable>(&state, &user, id).await?;
    let Ok(seconds) = form.seconds.trim().parse::<u64>() else {
        return admin_page(
            &state,
            &user,
            id,
            None,
            Some("Give the time limit in whole seconds, from 5 to 600.".into()),
        )
        .await;
    };
    if !(5..=600).contains(&seconds) {
        return admin_page(
            &state,
            &user,
            id,
            None,
            Some("Give the time limit in whole seconds, from 5 to 600.".into()),
        )
        .await;
    }
    let Some(setup) = state.store.timetable_setup(id).await? else {
        return admin_page(
            &state,
            &user,
            id,
            None,
            Some("Upload the school's timetable model first.".into()),
        )
        .await;
    };
    let choices = state.store.school_timetable_choices(&g).await?;
    let school = match timetable_run::merged_model(&setup.model, &choices) {
        Ok(s) => s,
        Err(e) => {
            return admin_page(
                &state,
                &user,
                id,
                None,
                Some(format!("The model cannot be solved: {e}")),
            )
            .await
        }
    };
    let base = if form.keep == "on" {
        published_base(&state, &g, id).await?
    } else {
        None
    };
    let model = serde_json::to_string(&school)
        .map_err(|e| AppError::Internal(format!("timetable model: {e}")))?;
    let run = match state
        .store
        .start_timetable_run(&g, &model, setup.revision, base.as_ref().map(|b| b.run))
        .await
    {
        Ok(r) => r,
        Err(StoreError::Conflict(m)) => return admin_page(&state, &user, id, None, Some(m)).await,
        Err(e) => return Err(e.into()),
    };
    timetable_run::spawn(
        state.clone(),
        RunInput {
            school_id: id,
            run,
            school,
            base,
            time_limit: Duration::from_secs(seconds),
            seed: run.unsigned_abs(),
        },
    );
    Ok(Redirect::to(&format!("/schools/{id}/timetable/runs/{run}")).into_response())
}

/// An unmet request, with the pupil's name.
pub struct UnmetView {
    pub pupil: String,
    pub request: String,
    pub reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "timetable_run.html")]
struct RunPage {
    page: Page,
    school: OrgId,
    run: RunRow,
    running: bool,
    limit: f64,
    unmet: Vec<UnmetView>,
    unmet_total: usize,
    breaches: Vec<(String, String, String)>,
    problems: Vec<String>,
    conflicts: Vec<String>,
    published_now: Option<i64>,
    error: Option<String>,
}

/// Most unmet requests shown on the page; the count says how many there are.
const UNMET_SHOWN: usize = 300;

async fn run_page(
    state: &AppState,
    user: &CurrentUser,
    school: OrgId,
    run: i64,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (g, _) = views::org_grant::<org_act::ManageTimetable>(state, user, school).await?;
    // The job's progress first: a run marks itself finished only after its result is in
    // the store, so a finished job read here means the row read next is final. Read the
    // other way round, a run ending in between looked lost ("not running any more").
    let progress = state.timetable_jobs.progress(run);
    let (row, report) = state
        .store
        .timetable_run(&g, run)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound,
            other => other.into(),
        })?;
    let names = state.store.school_people_names(&g).await?;
    let name_of = |label: &str| person_name(&names, label);
    let report = report.unwrap_or_else(RunReport::default);
    let has_error = error.is_some();
    render_form_page(
        &RunPage {
            page: Page::for_user(user, state),
            school,
            running: row.status == "running" && progress.as_ref().is_some_and(|p| !p.finished),
            limit: progress.map_or(0.0, |p| p.limit),
            unmet_total: report.unmet.len(),
            unmet: report
                .unmet
                .iter()
                .take(UNMET_SHOWN)
                .map(|u| UnmetView {
                    pupil: name_of(&u.pupil),
                    request: u.request.clone(),
                    reasons: u.reasons.clone(),
                })
                .collect(),
            breaches: report
                .breaches
                .iter()
                .map(|(p, r, why)| (name_of(p), r.clone(), why.clone()))
                .collect(),
            problems: report.problems.iter().take(UNMET_SHOWN).cloned().collect(),
            conflicts: report.conflicts.clone(),
            published_now: state.store.published_run(school).await?.map(|(r, _)| r),
            run: row,
            error,
        },
        has_error,
    )
}

pub async fn show_run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, run)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    let run: i64 = parse_id(&run)?;
    run_page(&state, &user, id, run, None).await
}

/// Progress of a run as server-sent events: `progress` about twice a second, then `done`.
pub async fn run_events(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, run)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    let run: i64 = parse_id(&run)?;
    let (g, _) = views::org_grant::<org_act::ManageTimetable>(&state, &user, id).await?;
    // Refuse a run of another school before streaming anything.
    state
        .store
        .timetable_run(&g, run)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound,
            other => other.into(),
        })?;
    let jobs = state.timetable_jobs.clone();
    let stream = futures_util::stream::unfold(false, move |ended| {
        let jobs = jobs.clone();
        async move {
            if ended {
                return None;
            }
            match jobs.progress(run) {
                Some(p) if !p.finished => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    let data = serde_json::to_string(&p).unwrap_or_default();
                    Some((
                        Ok::<_, std::convert::Infallible>(
                            Event::default().event("progress").data(data),
                        ),
                        false,
                    ))
                }
                _ => Some((Ok(Event::default().event("done").data("done")), true)),
            }
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

pub async fn stop_run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, run)): Path<(String, String)>,
    ValidForm(form): ValidForm<CsrfOnly>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    let run: i64 = parse_id(&run)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageTimetable>(&state, &user, id).await?;
    let (row, _) = state
        .store
        .timetable_run(&g, run)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound,
            other => other.into(),
        })?;
    if row.status == "running" && !state.timetable_jobs.stop(run) {
        // Not running in this process: left behind, so end it here.
        state
            .store
            .end_timetable_run(id, run, "stopped", "Stopped by the timetabler.", user.now)
            .await?;
    }
    Ok(Redirect::to(&format!("/schools/{id}/timetable/runs/{run}")).into_response())
}

pub async fn publish_run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, run)): Path<(String, String)>,
    ValidForm(form): ValidForm<CsrfOnly>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    let run: i64 = parse_id(&run)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageTimetable>(&state, &user, id).await?;
    match state.store.publish_timetable_run(&g, run).await {
        Ok(()) => {
            // The timetable is published whatever happens to the cover: a failure here is
            // logged and shows on the cover sheets, not as an error for the publish.
            let (moved, left) = match rearrange_day_cover(&state, &g).await {
                Ok(counts) => counts,
                Err(e) => {
                    tracing::warn!("cover not arranged again after publishing run {run}: {e:?}");
                    (0, 1)
                }
            };
            let to = if moved + left == 0 {
                format!("/schools/{id}/timetable?done=published")
            } else {
                format!("/schools/{id}/timetable?done=published&moved={moved}&left={left}")
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(StoreError::Conflict(m)) => run_page(&state, &user, id, run, Some(m)).await,
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn repeated_fields_keep_their_order_and_escapes_decode() {
        let pairs =
            form_urlencoded_pairs(b"csrf=a%2Bb&secure=maths-stretch&secure=&secure=eng+lish&x");
        assert_eq!(pairs[0], ("csrf".into(), "a+b".into()));
        assert_eq!(pairs[1].1, "maths-stretch");
        assert_eq!(pairs[2].1, "");
        assert_eq!(pairs[3].1, "eng lish");
        assert_eq!(pairs[4], ("x".into(), String::new()));
        // A broken escape is kept as it is, never a panic.
        assert_eq!(form_urlencoded_pairs(b"a=%zz%")[0].1, "%zz%");
    }

    fn lesson(class_id: &str, staff: &str, starts: u32) -> LessonRow {
        LessonRow {
            class_id: class_id.into(),
            subject: "Maths".into(),
            set_name: "7X".into(),
            staff_id: None,
            staff: staff.into(),
            room: Some("N1".into()),
            days: 0b11111,
            weeks: 1,
            starts_minute: starts,
            ends_minute: starts + 60,
            school: OrgId(1),
        }
    }

    fn cover(date: &str, l: LessonRow, by: Option<&str>) -> DayCover {
        DayCover {
            date: date.parse().unwrap(),
            class_no: 0,
            lesson: l,
            by_id: None,
            by_label: by.map(Into::into),
            by: by.map(Into::into),
            reason: None,
        }
    }

    /// Ada's Tuesday: her 9:00 lesson is covered by Bo on 24 November only; Bo's Tuesday
    /// gains that lesson; Cy's 10:00 lesson has nobody.
    #[test]
    fn a_dates_cover_changes_that_date_only() {
        let tt = |lessons: Vec<LessonRow>, cover: Vec<DayCover>| PublishedTimetable {
            run: 1,
            school: OrgId(1),
            published_at: jiff::Timestamp::UNIX_EPOCH,
            day_names: ["Mon", "Tue", "Wed", "Thu", "Fri"]
                .map(String::from)
                .to_vec(),
            nr_weeks: 1,
            week_a_monday: "2026-11-02".parse().unwrap(),
            lessons,
            cover,
        };
        let (ada, cy) = (lesson("m1", "Ada", 540), lesson("m2", "Cy", 600));
        let covers = vec![
            cover("2026-11-24", ada.clone(), Some("Bo")),
            cover("2026-11-24", cy.clone(), None),
        ];
        let hers = tt(vec![ada.clone(), cy.clone()], covers.clone());
        let day: Date = "2026-11-24".parse().unwrap();
        let lines = lessons_on(&hers, day);
        assert_eq!(lines.len(), 2);
        assert_eq!(
            (lines[0].staff.as_str(), lines[0].change.as_str()),
            ("Bo", "Cover for Ada")
        );
        assert_eq!(lines[1].staff, "");
        assert_eq!(lines[1].change, "Cover to be confirmed");
        // A week later: as usual.
        let later = lessons_on(&hers, "2026-12-01".parse().unwrap());
        assert_eq!(later[0].staff, "Ada");
        assert!(later.iter().all(|l| l.change.is_empty()));
        // Bo's own 11:00 lesson, and the lesson he covers at 9:00, in time order.
        let bos = tt(vec![lesson("e1", "Bo", 660)], covers[..1].to_vec());
        let lines = lessons_on(&bos, day);
        let got: Vec<_> = lines
            .iter()
            .map(|l| (l.starts.as_str(), l.change.as_str()))
            .collect();
        assert_eq!(got, [("09:00", "Cover for Ada"), ("11:00", "")]);
        // The calendar says the same: the changed event, and Bo's added one.
        let mut events = Vec::new();
        with_cover(&mut events, &bos, day, day);
        assert_eq!(events.len(), 1);
        assert!(
            events[0].uid.contains("cover.20261124"),
            "{}",
            events[0].uid
        );
        assert_eq!(
            events[0].description.as_deref(),
            Some("Staff: Bo\nCover for Ada")
        );
        // Ada's own calendar: her events that date say who teaches instead; the week
        // after is as usual.
        let week_after: Date = "2026-12-01".parse().unwrap();
        let event = |d: Date, l: &LessonRow| ical::CalendarEvent {
            uid: format!("{}-{d}", l.class_id),
            summary: format!("{} ({})", l.subject, l.set_name),
            location: l.room.clone(),
            description: Some(format!("Staff: {}", l.staff)),
            start: d
                .to_datetime(jiff::civil::Time::midnight())
                .checked_add(i64::from(l.starts_minute).minutes())
                .unwrap(),
            end: d
                .to_datetime(jiff::civil::Time::midnight())
                .checked_add(i64::from(l.ends_minute).minutes())
                .unwrap(),
        };
        let mut events = vec![event(day, &ada), event(day, &cy), event(week_after, &ada)];
        with_cover(&mut events, &hers, day, week_after);
        let said: Vec<_> = events
            .iter()
            .map(|e| e.description.clone().unwrap())
            .collect();
        assert_eq!(
            said,
            [
                "Staff: Bo\nCover for Ada",
                "Cover to be confirmed",
                "Staff: Ada"
            ]
        );
        // Outside the calendar's range, nothing is added.
        let mut events = Vec::new();
        with_cover(
            &mut events,
            &bos,
            "2026-12-01".parse().unwrap(),
            "2026-12-31".parse().unwrap(),
        );
        assert!(events.is_empty());
    }

    #[test]
    fn mondays_are_found_from_any_day() {
        let d: Date = "2026-11-26".parse().unwrap(); // a Thursday
        assert_eq!(monday_of(d).to_string(), "2026-11-23");
        assert_eq!(monday_of(monday_of(d)), monday_of(d));
    }
}
