//! One error type for the web edge, rendered as a page in plain words or, on the API, as an
//! RFC 9457 problem document. Internal details go to the log, never to the response.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use village_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Missing, or refused by the access policy: the two look exactly the same.
    #[error("not found")]
    NotFound,
    #[error("sign-in needed")]
    SignInNeeded,
    #[error("second step of sign-in needed")]
    SecondFactorNeeded,
    #[error("the form had expired")]
    Csrf,
    #[error("{message}")]
    BadInput {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        AppError::BadInput {
            field,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::SignInNeeded | AppError::SecondFactorNeeded => StatusCode::UNAUTHORIZED,
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadInput { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The title and explanation a person reads.
    pub fn words(&self) -> (&'static str, String) {
        match self {
            AppError::NotFound => (
                "Page not found",
                "We couldn't find that page. It may have moved, or you may not have access to it. Check the address, or go back to your home page.".into(),
            ),
            AppError::SignInNeeded => ("Please sign in", "You need to sign in to see this page.".into()),
            AppError::SecondFactorNeeded => ("One more step", "Please enter the code from your authenticator app.".into()),
            AppError::Csrf => (
                "This form has expired",
                "For your safety, forms expire. Go back, reload the page and try again. Nothing was changed.".into(),
            ),
            AppError::BadInput { message, .. } => ("Please check what you entered", message.clone()),
            AppError::Conflict(m) => ("That couldn't be done", m.clone()),
            AppError::TooManyRequests { retry_after_secs } => (
                "Too many attempts",
                format!("Please wait {} minutes and try again.", retry_after_secs.div_ceil(60).max(1)),
            ),
            AppError::Internal(_) => (
                "Something went wrong",
                "Something went wrong on our side. Nothing you typed was lost on this page; please try again in a minute.".into(),
            ),
        }
    }

    fn log(&self) {
        if let AppError::Internal(detail) = self {
            tracing::error!(%detail, "request failed");
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        match &self {
            AppError::SignInNeeded => return Redirect::to("/signin").into_response(),
            AppError::SecondFactorNeeded => {
                return Redirect::to("/signin/two-factor").into_response()
            }
            _ => {}
        }
        let (title, message) = self.words();
        let body = ErrorPage {
            title,
            message: &message,
        }
        .render()
        .unwrap_or_else(|_| format!("<!doctype html><title>{title}</title><h1>{title}</h1>"));
        let mut resp = (self.status(), axum::response::Html(body)).into_response();
        if let AppError::TooManyRequests { retry_after_secs } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

/// The same errors, answered as `application/problem+json` (RFC 9457) for the API.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        let (title, detail) = self.0.words();
        let kind = match &self.0 {
            AppError::NotFound => "not-found",
            AppError::SignInNeeded => "sign-in-needed",
            AppError::SecondFactorNeeded => "second-factor-needed",
            AppError::Csrf => "csrf",
            AppError::BadInput { .. } => "bad-input",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests { .. } => "too-many-requests",
            AppError::Internal(_) => "internal",
        };
        let mut body = serde_json::json!({
            "type": format!("/problems/{kind}"),
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
        });
        if let AppError::BadInput { field, .. } = &self.0 {
            if let Some(map) = body.as_object_mut() {
                map.insert(
                    "field".into(),
                    serde_json::Value::String((*field).to_string()),
                );
            }
        }
        let mut resp = (status, body.to_string()).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let AppError::TooManyRequests { retry_after_secs } = self.0 {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}
