//! Review days: leaders schedule a round; parents book a slot with their child's tutor
//! (15 minutes learner and tutor, then 15 with parents); leaders see who has booked.
//! The review's record is written on the plan page.

use super::extract::ValidForm;
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
use village_access::{act, org_act};
use village_domain::{OrgId, PersonId};
use village_store::{BookingOptions, ReviewRound, ReviewSlot, StoreError};

#[derive(Template)]
#[template(path = "reviews_admin.html")]
struct AdminPage {
    page: Page,
    school: OrgId,
    school_name: String,
    rounds: Vec<ReviewRound>,
    slots: Option<(ReviewRound, Vec<ReviewSlot>)>,
    today: Date,
    notice: Option<String>,
    error: Option<String>,
}

async fn admin_page(
    state: &AppState,
    user: &CurrentUser,
    school: OrgId,
    round: Option<i64>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (g, org) = views::org_grant::<org_act::ManageReviews>(state, user, school).await?;
    let rounds = state.store.review_rounds(school).await?;
    let slots = match round {
        Some(r) => {
            let head = rounds
                .iter()
                .find(|x| x.id == r)
                .cloned()
                .ok_or(AppError::NotFound)?;
            Some((head, state.store.round_slots(&g, r).await?))
        }
        None => None,
    };
    let has_error = error.is_some();
    render_form_page(
        &AdminPage {
            page: Page::for_user(user, state),
            school,
            school_name: org.name,
            rounds,
            slots,
            today: views::today(user.now),
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
    admin_page(&state, &user, id, None, None, None).await
}

pub async fn round(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, round)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    let round: i64 = parse_id(&round)?;
    admin_page(&state, &user, id, Some(round), None, None).await
}

#[derive(Deserialize)]
pub struct RoundForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    closes_on: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// "15:30" to minutes after midnight.
fn minutes(raw: &str) -> Option<i64> {
    let (h, m) = raw.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<RoundForm>,
) -> Result<Response, AppError> {
    let id: OrgId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let (g, _) = views::org_grant::<org_act::ManageReviews>(&state, &user, id).await?;
    let title = village_domain::plan::text("title", &form.title, 120, true);
    let held: Result<Date, _> = form.held_on.trim().parse();
    let closes: Result<Date, _> = form.closes_on.trim().parse();
    let (Ok(title), Ok(held), Ok(closes), Some(from), Some(to)) =
        (title, held, closes, minutes(&form.from), minutes(&form.to))
    else {
        return admin_page(&state, &user, id, None, None, Some("Please give a title, the day, when booking closes, and the start and end times like 15:30.".into())).await;
    };
    if held < views::today(user.now) {
        return admin_page(
            &state,
            &user,
            id,
            None,
            None,
            Some("The review day cannot be in the past.".into()),
        )
        .await;
    }
    match state
        .store
        .create_review_round(&g, &title, held, closes, from, to)
        .await
    {
        Ok((round, n)) => {
            admin_page(
                &state,
                &user,
                id,
                Some(round),
                Some(format!(
                    "Review day created with {n} slots. Families can book now."
                )),
                None,
            )
            .await
        }
        Err(StoreError::Conflict(m)) => admin_page(&state, &user, id, None, None, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct BookingPage {
    page: Page,
    learner: PersonId,
    name: String,
    options: BookingOptions,
    notice: Option<String>,
    error: Option<String>,
}

async fn booking_page(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let g = views::grant::<act::BookReview>(state, user, id).await?;
    let gp = views::grant::<act::ViewProfile>(state, user, id).await?;
    let name = state.store.learner_profile(&gp).await?.name();
    let options = state
        .store
        .booking_options(&g, views::today(user.now))
        .await?;
    let has_error = error.is_some();
    render_form_page(
        &BookingPage {
            page: Page::for_user(user, state),
            learner: id,
            name,
            options,
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
    booking_page(&state, &user, id, None, None).await
}

#[derive(Deserialize)]
pub struct SlotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    slot: String,
}

pub async fn book(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<SlotForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::BookReview>(&state, &user, id).await?;
    let Ok(slot) = form.slot.trim().parse::<i64>() else {
        return booking_page(
            &state,
            &user,
            id,
            None,
            Some("Please choose a time.".into()),
        )
        .await;
    };
    match state
        .store
        .book_review_slot(&g, slot, views::today(user.now))
        .await
    {
        Ok(s) => {
            booking_page(
                &state,
                &user,
                id,
                Some(format!(
                    "Booked: {} at {} with {} (parents join at {}).",
                    s.held_on.strftime("%A %-d %B"),
                    s.time(),
                    s.tutor_name,
                    s.parents_time()
                )),
                None,
            )
            .await
        }
        Err(StoreError::Conflict(m)) => booking_page(&state, &user, id, None, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<SlotForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::BookReview>(&state, &user, id).await?;
    let slot: i64 = parse_id(form.slot.trim())?;
    state.store.cancel_review_booking(&g, slot).await?;
    Ok(Redirect::to(&format!("/learners/{id}/reviews")).into_response())
}
