//! The person's own account: two-step sign-in and password.

use super::extract::{ValidForm, ValidQuery};
use super::signin::{enrol_page, ClientAddress, CsrfOnly};
use super::{render, Page};
use crate::auth::{password, CurrentUser};
use crate::error::AppError;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    name: String,
    username: String,
    is_staff: bool,
    totp_enabled: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct AccountQuery {
    #[serde(default)]
    done: String,
}

fn account_page(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let is_staff = user
        .subject
        .roles
        .iter()
        .any(|r| r.role.is_staff() && r.period.holds_at(user.now));
    Ok(render(&AccountPage {
        page: Page::for_user(user, state),
        name: format!("{} {}", user.account.given_name, user.account.family_name),
        username: user.account.username.clone(),
        is_staff,
        totp_enabled: user.account.totp_enabled,
        notice,
        error,
    })?
    .into_response())
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    ValidQuery(q): ValidQuery<AccountQuery>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_str() {
        "password" => Some(
            "Your password was changed. Other browsers signed in as you were signed out."
                .to_string(),
        ),
        "two-factor" => Some("Two-step sign-in is on.".to_string()),
        _ => None,
    };
    account_page(&state, &user, notice, None)
}

/// Starts enrolment: a fresh secret and the QR code to scan.
pub async fn start_two_factor(
    State(state): State<AppState>,
    user: CurrentUser,
    ValidForm(form): ValidForm<CsrfOnly>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    if user.account.totp_enabled {
        return Ok(Redirect::to("/account").into_response());
    }
    state.store.set_totp_secret(user.person(), None).await?;
    let account = state
        .store
        .account(user.person())
        .await?
        .ok_or(AppError::SignInNeeded)?;
    let page = enrol_page(
        &state,
        &account,
        &user.csrf,
        None,
        "/account/two-factor/confirm",
    )
    .await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

pub async fn confirm_two_factor(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    user: CurrentUser,
    ValidForm(form): ValidForm<CodeForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    match super::signin::code_step(&state, &user.account, &form.code, &address).await {
        Ok(()) => {
            state
                .store
                .complete_second_factor(&user.session_hash)
                .await?;
            Ok(Redirect::to("/account?done=two-factor").into_response())
        }
        Err(AppError::BadInput { message, .. }) => {
            let page = enrol_page(
                &state,
                &user.account,
                &user.csrf,
                Some(message),
                "/account/two-factor/confirm",
            )
            .await?;
            let mut resp = render(&page)?.into_response();
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    csrf: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    ValidForm(form): ValidForm<PasswordForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    if !password::verify_async(form.current.clone(), user.account.password_hash.clone()).await {
        return account_page(
            &state,
            &user,
            None,
            Some("Your current password didn't match.".into()),
        );
    }
    if let Err(why) = password::check_new(&form.new) {
        return account_page(&state, &user, None, Some(why.into()));
    }
    let new = form.new.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Internal)?;
    state.store.set_password_hash(user.person(), &hash).await?;
    state
        .store
        .delete_other_sessions(user.person(), &user.session_hash)
        .await?;
    Ok(Redirect::to("/account?done=password").into_response())
}

#[derive(Template)]
#[template(path = "mentor_profile.html")]
struct MentorProfilePage {
    page: Page,
    about: String,
    interests: String,
    capacity: String,
    notice: Option<String>,
    error: Option<String>,
}

/// A mentor's own profile: what pupils read when choosing, and their capacity.
pub async fn mentor_profile(
    State(state): State<AppState>,
    user: CurrentUser,
    ValidQuery(q): ValidQuery<AccountQuery>,
) -> Result<Response, AppError> {
    let (about, interests, capacity) = state
        .store
        .own_mentor_profile(user.person())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render(&MentorProfilePage {
        page: Page::for_user(&user, &state),
        about,
        interests,
        capacity: capacity.to_string(),
        notice: (q.done == "profile").then(|| "Profile saved.".to_string()),
        error: None,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct MentorProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    about: String,
    #[serde(default)]
    interests: String,
    #[serde(default)]
    capacity: String,
}

pub async fn save_mentor_profile(
    State(state): State<AppState>,
    user: CurrentUser,
    ValidForm(form): ValidForm<MentorProfileForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    state
        .store
        .own_mentor_profile(user.person())
        .await?
        .ok_or(AppError::NotFound)?;
    let capacity = form
        .capacity
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|c| (1..=40).contains(c));
    let problem = if form.about.trim().is_empty() || form.about.chars().count() > 500 {
        Some("Please write a few words about yourself (up to 500 characters).")
    } else if form.interests.trim().is_empty() || form.interests.chars().count() > 200 {
        Some("Please say what you like (up to 200 characters).")
    } else if capacity.is_none() {
        Some("Please give the number of mentees you can take, from 1 to 40.")
    } else {
        None
    };
    if let (None, Some(c)) = (problem, capacity) {
        state
            .store
            .update_own_mentor_profile(user.person(), form.about.trim(), form.interests.trim(), c)
            .await?;
        return Ok(Redirect::to("/account/mentor-profile?done=profile").into_response());
    }
    let mut resp = render(&MentorProfilePage {
        page: Page::for_user(&user, &state),
        about: form.about,
        interests: form.interests,
        capacity: form.capacity,
        notice: None,
        error: problem.map(str::to_string),
    })?
    .into_response();
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}
