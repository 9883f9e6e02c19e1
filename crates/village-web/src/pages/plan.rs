//! The personal learning plan: aspirations in the learner's words, targets with how they
//! are measured, agreement by learner, tutor and parent, comments, versions side by side,
//! and the review record.
//!
//! Every form carries the plan's revision. If someone else saved first, the page comes back
//! with a plain "someone changed this" message and the person's own words still in the
//! form, so nothing is lost.

use super::extract::{ValidForm, ValidQuery};
use super::{parse_id, render_form_page, Page};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::views;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use serde::Deserialize;
use village_access::{act, agreement_role, Policy};
use village_domain::plan::{
    compare, AgreementRole, Change, Measure, PlanContent, Target, TargetDomain, TargetDraft,
    TargetStatus,
};
use village_domain::PersonId;
use village_store::{Agreed, LadderPosition, LadderRow, PlanView, ReviewRecord, StoreError};

/// A target with what the platform knows of its progress.
pub struct TargetView {
    pub target: Target,
    pub progress: String,
    pub reached: bool,
    pub evidence: i64,
    pub note: Option<(String, String)>,
}

/// What the person typed, kept when a save fails.
#[derive(Default, Clone)]
pub struct Drafts {
    pub aspirations: Option<(String, String, String)>,
    pub target: Option<TargetForm>,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    page: Page,
    learner: PersonId,
    name: String,
    is_self: bool,
    plan: PlanView,
    targets: Vec<TargetView>,
    ladders: Vec<LadderRow>,
    reviews: Vec<ReviewRecord>,
    can_edit: bool,
    can_comment: bool,
    my_role: Option<AgreementRole>,
    already_agreed: bool,
    can_record_review: bool,
    can_book_review: bool,
    can_export: bool,
    drafts: Drafts,
    domains: Vec<TargetDomain>,
    today: Date,
    notice: Option<String>,
    error: Option<String>,
}

impl PlanPage {
    fn agreed_names(&self) -> String {
        self.plan
            .agreements
            .iter()
            .map(|(role, name, _)| format!("{name} ({})", role_word(*role)))
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn missing_words(&self) -> String {
        self.plan
            .missing
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn draft_text(&self, which: usize) -> String {
        match &self.drafts.aspirations {
            Some((a, b, c)) => [a, b, c]
                .get(which)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            None => match which {
                0 => self.plan.content.who_i_want_to_be.clone(),
                1 => self.plan.content.what_i_enjoy.clone(),
                _ => self.plan.content.what_i_find_hard.clone(),
            },
        }
    }
    fn target_draft(&self) -> TargetForm {
        self.drafts.target.clone().unwrap_or_default()
    }
}

fn role_word(role: AgreementRole) -> &'static str {
    match role {
        AgreementRole::Learner => "pupil",
        AgreementRole::Tutor => "tutor",
        AgreementRole::Parent => "parent",
    }
}

/// The start of the academic year `today` falls in (1 September), for attendance targets.
fn year_start(today: Date) -> Date {
    let year = if today.month() >= 9 {
        today.year()
    } else {
        today.year() - 1
    };
    Date::new(year, 9, 1).unwrap_or(today)
}

fn progress_of(
    t: &Target,
    attendance: Option<f64>,
    positions: &[LadderPosition],
    notes: &[(i64, String, String, jiff::Timestamp)],
) -> (String, bool) {
    match t.measure {
        Measure::Attendance => match (attendance, t.goal_percent) {
            (Some(rate), Some(goal)) => (
                format!("{rate:.1}% this year, aiming for {goal}%"),
                rate >= f64::from(goal),
            ),
            _ => ("No registers yet this year".into(), false),
        },
        Measure::Ladder => {
            let pos = positions.iter().find(|p| Some(p.ladder.id) == t.ladder_id);
            let goal = t.goal_rung.as_deref().unwrap_or("");
            match pos {
                Some(p) => {
                    let goal_index = p.ladder.ladder.rungs.iter().position(|r| r.code == goal);
                    match p.current() {
                        Some(j) => (
                            format!(
                                "On step {} of {}, aiming for {goal}",
                                j.rung_code, p.ladder.ladder.title
                            ),
                            goal_index.is_some_and(|g| j.rung_position >= g as i64),
                        ),
                        None => (
                            format!("Not on {} yet, aiming for {goal}", p.ladder.ladder.title),
                            false,
                        ),
                    }
                }
                None => ("The ladder is no longer there".into(), false),
            }
        }
        Measure::Judged => match notes.iter().find(|n| n.0 == t.id) {
            Some((_, note, who, _)) => {
                (format!("{who}: {note}"), t.status == TargetStatus::Achieved)
            }
            None => ("No notes yet".into(), t.status == TargetStatus::Achieved),
        },
    }
}

async fn plan_page(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    drafts: Drafts,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (g, facts) = views::grant_with_facts::<act::ViewPlan>(state, user, id).await?;
    // Every path to the plan also reaches the profile; the same facts decide both.
    let gp = Policy::authorize::<act::ViewProfile>(&user.subject, &facts, user.now)
        .map_err(|_| AppError::NotFound)?;
    let today = views::today(user.now);
    // The reads run together, so their audit entries share one commit.
    let (profile, plan, positions, reviews, attendance) = tokio::try_join!(
        state.store.learner_profile(&gp),
        state.store.plan(&g),
        state.store.ladder_positions(&g),
        state.store.review_records(&g),
        state.store.attendance_rate_since(&g, year_start(today)),
    )?;
    let targets = plan
        .content
        .targets
        .iter()
        .map(|t| {
            let (progress, reached) = progress_of(t, attendance, &positions, &plan.notes);
            TargetView {
                evidence: plan
                    .evidence_counts
                    .iter()
                    .find(|(tid, _)| *tid == t.id)
                    .map_or(0, |(_, n)| *n),
                note: plan
                    .notes
                    .iter()
                    .find(|n| n.0 == t.id)
                    .map(|(_, note, who, _)| (who.clone(), note.clone())),
                target: t.clone(),
                progress,
                reached,
            }
        })
        .collect();
    let can_edit = Policy::authorize::<act::EditPlan>(&user.subject, &facts, user.now).is_ok();
    let can_comment =
        Policy::authorize::<act::CommentOnPlan>(&user.subject, &facts, user.now).is_ok();
    let my_role = Policy::authorize::<act::AgreePlan>(&user.subject, &facts, user.now)
        .ok()
        .and_then(|a| agreement_role(a.path()));
    let already_agreed = my_role.is_some_and(|r| !plan.missing.contains(&r));
    let has_error = error.is_some();
    render_form_page(
        &PlanPage {
            page: Page::for_user(user, state),
            learner: id,
            name: profile.name(),
            is_self: user.person() == id,
            ladders: positions.into_iter().map(|p| p.ladder).collect(),
            plan,
            targets,
            reviews,
            can_edit,
            can_comment,
            my_role,
            already_agreed,
            can_record_review: Policy::authorize::<act::RecordReview>(
                &user.subject,
                &facts,
                user.now,
            )
            .is_ok(),
            can_book_review: Policy::authorize::<act::BookReview>(&user.subject, &facts, user.now)
                .is_ok(),
            can_export: Policy::authorize::<act::ExportPassport>(&user.subject, &facts, user.now)
                .is_ok(),
            drafts,
            domains: TargetDomain::ALL.to_vec(),
            today,
            notice,
            error,
        },
        has_error,
    )
}

/// Notices after a save, by code: the address never carries words to show.
const NOTICES: [(&str, &str); 9] = [
    (
        "aspirations",
        "Saved. Your tutor and parents can see it now.",
    ),
    ("target", "The target is saved."),
    (
        "removed",
        "The target was taken out of the plan. Earlier versions still show it.",
    ),
    (
        "agreed",
        "Thank you. Everyone has agreed: the plan is agreed.",
    ),
    ("recorded", "Thank you: your agreement is recorded."),
    ("already", "You had already agreed this version."),
    ("comment", "Your comment is added."),
    ("note", "Your note is added to the target."),
    ("review", "The review is recorded."),
];

#[derive(Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidQuery(q): ValidQuery<SavedQuery>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let notice = NOTICES
        .iter()
        .find(|(code, _)| *code == q.saved)
        .map(|(_, words)| (*words).to_string());
    plan_page(&state, &user, id, Drafts::default(), notice, None).await
}

fn revision(raw: &str) -> Result<i64, AppError> {
    raw.trim().parse().map_err(|_| {
        AppError::bad_input(
            "revision",
            "The form was missing a part. Please reload the page and try again.",
        )
    })
}

/// Turns a save's failure into the page again, with the person's words kept.
async fn after_save(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    result: Result<&'static str, StoreError>,
    drafts: Drafts,
) -> Result<Response, AppError> {
    match result {
        Ok(code) => Ok(Redirect::to(&format!("/learners/{id}/plan?saved={code}")).into_response()),
        Err(StoreError::Conflict(m)) => plan_page(state, user, id, drafts, None, Some(m)).await,
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct AspirationsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    revision: String,
    #[serde(default)]
    who_i_want_to_be: String,
    #[serde(default)]
    what_i_enjoy: String,
    #[serde(default)]
    what_i_find_hard: String,
}

pub async fn save_aspirations(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<AspirationsForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::EditPlan>(&state, &user, id).await?;
    let drafts = Drafts {
        aspirations: Some((
            form.who_i_want_to_be.clone(),
            form.what_i_enjoy.clone(),
            form.what_i_find_hard.clone(),
        )),
        target: None,
    };
    let checked = (|| {
        Ok::<_, village_domain::ParseError>((
            village_domain::plan::text("who_i_want_to_be", &form.who_i_want_to_be, 2_000, false)?,
            village_domain::plan::text("what_i_enjoy", &form.what_i_enjoy, 2_000, false)?,
            village_domain::plan::text("what_i_find_hard", &form.what_i_find_hard, 2_000, false)?,
        ))
    })();
    let (a, b, c) = match checked {
        Ok(v) => v,
        Err(e) => return plan_page(&state, &user, id, drafts, None, Some(e.message)).await,
    };
    let rev = revision(&form.revision)?;
    let result = state
        .store
        .save_aspirations(&g, rev, &a, &b, &c)
        .await
        .map(|_| "aspirations");
    after_save(&state, &user, id, result, drafts).await
}

#[derive(Deserialize, Default, Clone)]
pub struct TargetForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub revision: String,
    #[serde(default)]
    pub target_id: String,
    #[serde(default)]
    pub domain: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub baseline: String,
    #[serde(default)]
    pub goal: String,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub measure: String,
    #[serde(default)]
    pub ladder_id: String,
    #[serde(default)]
    pub goal_rung: String,
    #[serde(default)]
    pub goal_percent: String,
    #[serde(default)]
    pub status: String,
}

impl TargetForm {
    fn draft(&self) -> TargetDraft<'_> {
        TargetDraft {
            domain: &self.domain,
            title: &self.title,
            subject: &self.subject,
            baseline: &self.baseline,
            goal: &self.goal,
            due_on: &self.due_on,
            measure: &self.measure,
            ladder_id: &self.ladder_id,
            goal_rung: &self.goal_rung,
            goal_percent: &self.goal_percent,
            status: &self.status,
        }
    }
}

/// Adds a target, or changes one when `target_id` is set.
pub async fn save_target(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<TargetForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::EditPlan>(&state, &user, id).await?;
    let target_id: i64 = match form.target_id.trim() {
        "" => 0,
        raw => parse_id(raw)?,
    };
    let drafts = Drafts {
        aspirations: None,
        target: Some(form.clone()),
    };
    let mut target = match form.draft().parse(target_id) {
        Ok(t) => t,
        Err(e) => return plan_page(&state, &user, id, drafts, None, Some(e.message)).await,
    };
    if let (Some(ladder), Some(goal)) = (target.ladder_id, target.goal_rung.clone()) {
        let known = state.store.ladder(g.school(), ladder).await?;
        match known {
            Some(l) if l.ladder.rungs.iter().any(|r| r.code == goal) => {}
            Some(_) => {
                return plan_page(
                    &state,
                    &user,
                    id,
                    drafts,
                    None,
                    Some(format!("\"{goal}\" is not a step on that ladder.")),
                )
                .await
            }
            None => {
                return plan_page(
                    &state,
                    &user,
                    id,
                    drafts,
                    None,
                    Some("Please choose a ladder from the list.".into()),
                )
                .await
            }
        }
    }
    if target.id == 0 {
        target.status = TargetStatus::Active;
        if target.due_on < views::today(user.now) {
            return plan_page(
                &state,
                &user,
                id,
                drafts,
                None,
                Some("A new target needs a date from today on.".into()),
            )
            .await;
        }
    }
    let rev = revision(&form.revision)?;
    let result = state
        .store
        .save_target(&g, rev, &target)
        .await
        .map(|_| "target");
    after_save(&state, &user, id, result, drafts).await
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    revision: String,
}

pub async fn remove_target(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, target)): Path<(String, String)>,
    ValidForm(form): ValidForm<RemoveForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let target: i64 = parse_id(&target)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::EditPlan>(&state, &user, id).await?;
    let rev = revision(&form.revision)?;
    let result = state
        .store
        .remove_target(&g, rev, target)
        .await
        .map(|_| "removed");
    after_save(&state, &user, id, result, Drafts::default()).await
}

#[derive(Template)]
#[template(path = "plan_target.html")]
struct TargetPage {
    page: Page,
    learner: PersonId,
    revision: i64,
    form: TargetForm,
    ladders: Vec<LadderRow>,
    domains: Vec<TargetDomain>,
}

/// The form to change one target.
pub async fn edit_target(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, target)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let target: i64 = parse_id(&target)?;
    let g = views::grant::<act::EditPlan>(&state, &user, id).await?;
    let gv = views::grant::<act::ViewPlan>(&state, &user, id).await?;
    let plan = state.store.plan(&gv).await?;
    let t = plan
        .content
        .targets
        .iter()
        .find(|t| t.id == target)
        .ok_or(AppError::NotFound)?;
    let form = TargetForm {
        target_id: t.id.to_string(),
        domain: t.domain.as_str().into(),
        title: t.title.clone(),
        subject: t.subject.clone().unwrap_or_default(),
        baseline: t.baseline.clone(),
        goal: t.goal.clone(),
        due_on: t.due_on.to_string(),
        measure: t.measure.as_str().into(),
        ladder_id: t.ladder_id.map(|l| l.to_string()).unwrap_or_default(),
        goal_rung: t.goal_rung.clone().unwrap_or_default(),
        goal_percent: t.goal_percent.map(|p| p.to_string()).unwrap_or_default(),
        status: t.status.as_str().into(),
        ..Default::default()
    };
    render_form_page(
        &TargetPage {
            page: Page::for_user(&user, &state),
            learner: id,
            revision: plan.revision,
            form,
            ladders: state.store.ladders(g.school()).await?,
            domains: TargetDomain::ALL.to_vec(),
        },
        false,
    )
}

#[derive(Deserialize)]
pub struct AgreeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    revision: String,
}

pub async fn agree(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<AgreeForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::AgreePlan>(&state, &user, id).await?;
    let rev = revision(&form.revision)?;
    let result = state.store.agree_plan(&g, rev).await.map(|a| match a {
        Agreed::PlanAgreed => "agreed",
        Agreed::Recorded => "recorded",
        Agreed::AlreadyAgreed => "already",
    });
    after_save(&state, &user, id, result, Drafts::default()).await
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    target_id: String,
}

/// A comment on the plan, or (with `target_id`) a note on how a target is going.
pub async fn comment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<CommentForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::CommentOnPlan>(&state, &user, id).await?;
    let body = match village_domain::plan::text("comment", &form.body, 2_000, true) {
        Ok(b) => b,
        Err(e) => {
            return plan_page(&state, &user, id, Drafts::default(), None, Some(e.message)).await
        }
    };
    let result = match form.target_id.trim() {
        "" => {
            let role = match g.path() {
                village_access::Path::Itself => "pupil",
                village_access::Path::GuardianWithResponsibility => "parent",
                village_access::Path::Direct(k) => k.as_str(),
                village_access::Path::SchoolLeader => "leader",
                _ => "staff",
            };
            state
                .store
                .comment_on_plan(&g, role, &body)
                .await
                .map(|()| "comment")
        }
        raw => {
            let target: i64 = parse_id(raw)?;
            state
                .store
                .add_target_note(&g, target, &body)
                .await
                .map(|()| "note")
        }
    };
    after_save(&state, &user, id, result, Drafts::default()).await
}

#[derive(Template)]
#[template(path = "plan_compare.html")]
struct ComparePage {
    page: Page,
    learner: PersonId,
    name: String,
    versions: Vec<i64>,
    a: i64,
    b: i64,
    left: PlanContent,
    right: PlanContent,
    changes: Vec<Change>,
}

impl ComparePage {
    fn sides(&self) -> [(i64, &PlanContent); 2] {
        [(self.a, &self.left), (self.b, &self.right)]
    }
}

#[derive(Deserialize)]
pub struct CompareQuery {
    #[serde(default)]
    a: String,
    #[serde(default)]
    b: String,
}

/// Two versions side by side, with what changed between them.
pub async fn versions(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidQuery(q): ValidQuery<CompareQuery>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let g = views::grant::<act::ViewPlan>(&state, &user, id).await?;
    let gp = views::grant::<act::ViewProfile>(&state, &user, id).await?;
    let name = state.store.learner_profile(&gp).await?.name();
    let plan = state.store.plan(&g).await?;
    let mut versions: Vec<i64> = plan.versions.iter().map(|(v, _)| *v).collect();
    if !plan.agreed && plan.version > 0 {
        versions.insert(0, plan.version);
    }
    if versions.len() < 2 {
        return Err(AppError::Conflict(
            "There is only one version of this plan so far, so there is nothing to compare yet."
                .into(),
        ));
    }
    let newest = versions.first().copied().unwrap_or(0);
    let pick = |raw: &str, default: i64| raw.trim().parse::<i64>().unwrap_or(default);
    let b = pick(&q.b, newest);
    let a = pick(&q.a, versions.get(1).copied().unwrap_or(newest));
    let left = state.store.plan_version(&g, a).await?;
    let right = state.store.plan_version(&g, b).await?;
    let (Some(left), Some(right)) = (left, right) else {
        return Err(AppError::bad_input(
            "version",
            "There is no version with that number. Please choose from the list.",
        ));
    };
    let changes = compare(&left, &right);
    render_form_page(
        &ComparePage {
            page: Page::for_user(&user, &state),
            learner: id,
            name,
            versions,
            a,
            b,
            left,
            right,
            changes,
        },
        false,
    )
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    next_review_on: String,
}

/// The tutor records what a review agreed.
pub async fn record_review(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<ReviewForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::RecordReview>(&state, &user, id).await?;
    let held: Result<Date, _> = form.held_on.trim().parse();
    let next: Result<Date, _> = form.next_review_on.trim().parse();
    let summary = village_domain::plan::text("summary", &form.summary, 4_000, true);
    let (Ok(held), Ok(next), Ok(summary)) = (held, next, summary) else {
        return plan_page(
            &state,
            &user,
            id,
            Drafts::default(),
            None,
            Some(
                "Please give the review's date, what was agreed, and the next review date.".into(),
            ),
        )
        .await;
    };
    let result = state
        .store
        .record_review(&g, held, &summary, next)
        .await
        .map(|()| "review");
    after_save(&state, &user, id, result, Drafts::default()).await
}
