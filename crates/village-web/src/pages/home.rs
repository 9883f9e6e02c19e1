//! Each person's home page: a section for every role they hold.

use super::{render, Page};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::views::{self, HomeView};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    home: HomeView,
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let home = views::home(&state, &user).await?;
    Ok(render(&HomePage {
        page: Page::for_user(&user, &state),
        home,
    })?
    .into_response())
}
