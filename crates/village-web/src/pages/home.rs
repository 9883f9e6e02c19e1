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
    notice: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    super::extract::ValidQuery(q): super::extract::ValidQuery<Done>,
) -> Result<Response, AppError> {
    let notice = match q.done.as_str() {
        "peer-session" => Some("Session logged. Thank you!".to_string()),
        "achievement" => Some("Session logged, and you finished the programme: it is now in your record of achievement.".to_string()),
        _ => None,
    };
    let home = views::home(&state, &user).await?;
    Ok(render(&HomePage {
        page: Page::for_user(&user, &state),
        home,
        notice,
    })?
    .into_response())
}
