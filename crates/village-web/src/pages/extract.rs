//! Form, query and JSON extractors whose rejections speak plainly. Axum's own rejections
//! answer in developer words; these turn them into [`AppError::BadInput`].

use crate::error::{ApiError, AppError};
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Why part of a multipart form (an upload) did not arrive, in the person's words:
/// `too_large` when the body passed the route's limit, the upload cut short otherwise.
pub fn upload_words(e: &MultipartError, too_large: &str) -> String {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        too_large.to_string()
    } else {
        "The upload did not arrive whole. Please try again.".to_string()
    }
}

/// The next part of an upload form (`None` at its end), or why it did not arrive
/// ([`upload_words`]). Every upload page reads its form part by part with this.
pub async fn next_part<'m>(
    multipart: &'m mut Multipart,
    too_large: &str,
) -> Result<Option<Field<'m>>, String> {
    multipart
        .next_field()
        .await
        .map_err(|e| upload_words(&e, too_large))
}

fn form_words(e: &FormRejection) -> AppError {
    match e {
        FormRejection::BytesRejection(_) => AppError::bad_input(
            "form",
            "That was more than we can accept in one go. Please shorten it and try again.",
        ),
        _ => AppError::bad_input(
            "form",
            "Some of the form was missing or not understood. Please go back and check it.",
        ),
    }
}

/// A form body, with plain-words errors.
pub struct ValidForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ValidForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(v)| ValidForm(v))
            .map_err(|e| form_words(&e))
    }
}

/// A query string, with plain-words errors.
pub struct ValidQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ValidQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| ValidQuery(v))
            .map_err(|e: QueryRejection| {
                AppError::bad_input(
                    "query",
                    format!(
                        "The address has a value we could not read: {}",
                        e.body_text()
                    ),
                )
            })
    }
}

/// A JSON body for the API, answered with a problem document when it is wrong.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| ApiJson(v))
            .map_err(|e: JsonRejection| {
                let msg = match &e {
                    JsonRejection::MissingJsonContentType(_) => {
                        "Send the body as JSON, with Content-Type: application/json.".to_string()
                    }
                    JsonRejection::BytesRejection(_) => {
                        "The body is larger than we accept.".to_string()
                    }
                    other => format!("The JSON body could not be read: {}", other.body_text()),
                };
                ApiError(AppError::bad_input("body", msg))
            })
    }
}
