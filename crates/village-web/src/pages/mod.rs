//! Server-rendered pages. Each handler gets a view model from [`crate::views`] and renders an
//! askama template; forms post back and redirect (post/redirect/get), re-rendering with the
//! user's input kept when something needs fixing.

pub mod account;
pub mod challenges;
pub mod extract;
pub mod home;
pub mod ladders;
pub mod learners;
pub mod mentoring;
pub mod passport;
pub mod peer;
pub mod plan;
pub mod portfolio;
pub mod reviews;
pub mod schools;
pub mod signin;
pub mod system;
pub mod timetable;

use crate::error::AppError;
use askama::Template;
use axum::response::Html;

/// What every page's layout needs.
pub struct Page {
    pub signed_in: bool,
    pub csrf: String,
    pub demo: bool,
}

impl Page {
    pub fn for_user(user: &crate::auth::CurrentUser, state: &crate::AppState) -> Self {
        Page {
            signed_in: true,
            csrf: user.csrf.clone(),
            demo: state.config.demo,
        }
    }
}

pub fn render<T: Template>(t: &T) -> Result<Html<String>, AppError> {
    t.render()
        .map(Html)
        .map_err(|e| AppError::Internal(format!("template: {e}")))
}

/// Renders a page that may be showing a problem with what the user sent: 422 if so, so
/// scripts and browsers can tell, with the user's input kept on the page.
pub fn render_form_page<T: Template>(
    t: &T,
    has_error: bool,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let mut resp = render(t)?.into_response();
    if has_error {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// Parses an id from a path segment; anything that is not an id is simply not found.
pub fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}
