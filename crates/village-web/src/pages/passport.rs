//! The learning passport page: download a learner's passport, and (for a leader of the
//! learner's school) import one from another school — upload, check, preview, confirm.
//!
//! An uploaded package waits in a private temporary folder between the preview and the
//! confirmation, under a random name bound to the learner; the confirmation reads and
//! checks it again, so nothing from the first request is trusted.

use super::extract::{next_part, upload_words, ValidForm};
use super::{parse_id, render_form_page, Page};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::views;
use crate::AppState;
use askama::Template;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use rand::RngCore;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;
use village_access::{act, Policy};
use village_domain::PersonId;
use village_passport::{Package, PassportError};
use village_store::{ImportCounts, StoreError};

/// Largest passport accepted for import.
const MAX_PACKAGE_BYTES: u64 = 2_000_000_000;
/// What a person is told when the package passes `MAX_PACKAGE_BYTES` (or the route's
/// limit, the same).
const TOO_LARGE: &str = "That file is larger than a learning passport can be (2 GB).";
/// An upload not confirmed within a day is removed at the next import.
const STALE_SECS: u64 = 24 * 60 * 60;

#[derive(Template)]
#[template(path = "passport.html")]
struct PassportPage {
    page: Page,
    learner: PersonId,
    name: String,
    can_export: bool,
    can_import: bool,
    preview: Option<Preview>,
    notice: Option<String>,
    error: Option<String>,
}

struct Preview {
    token: String,
    from_school: String,
    learner_name: String,
    exported_at: String,
    counts: ImportCounts,
    credentials: usize,
    issuer: String,
}

fn imports_dir() -> PathBuf {
    std::env::temp_dir().join("village-imports")
}

fn upload_path(learner: PersonId, token: &str) -> Option<PathBuf> {
    (token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| imports_dir().join(format!("{}-{token}.zip", learner.0)))
}

async fn passport_page(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    preview: Option<Preview>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let facts = state
        .store
        .learner_facts(id, user.now)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_export =
        Policy::authorize::<act::ExportPassport>(&user.subject, &facts, user.now).is_ok();
    let can_import =
        Policy::authorize::<act::ImportPassport>(&user.subject, &facts, user.now).is_ok();
    if !can_export && !can_import {
        // Answered and audited like every other refusal.
        views::grant::<act::ExportPassport>(state, user, id).await?;
    }
    let gp = Policy::authorize::<act::ViewProfile>(&user.subject, &facts, user.now)
        .map_err(|_| AppError::NotFound)?;
    let name = state.store.learner_profile(&gp).await?.name();
    let has_error = error.is_some();
    render_form_page(
        &PassportPage {
            page: Page::for_user(user, state),
            learner: id,
            name,
            can_export,
            can_import,
            preview,
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
    passport_page(&state, &user, id, None, None, None).await
}

/// The passport as a zip download, built in a temporary file and streamed out.
pub async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let file = tempfile::tempfile().map_err(|e| AppError::Internal(format!("temp file: {e}")))?;
    let mut writer = file
        .try_clone()
        .map_err(|e| AppError::Internal(format!("temp file: {e}")))?;
    let summary = match village_passport::export_learner(
        &state.store,
        &state.files,
        &user.subject,
        id,
        user.now,
        &mut writer,
    )
    .await
    {
        Ok(s) => s,
        Err(PassportError::NotAllowed) => return Err(AppError::NotFound),
        Err(PassportError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(AppError::Conflict(e.to_string())),
    };
    let mut file = tokio::fs::File::from_std(file);
    use tokio::io::AsyncSeekExt;
    file.rewind()
        .await
        .map_err(|e| AppError::Internal(format!("temp file: {e}")))?;
    let stream = tokio_util::io::ReaderStream::new(file);
    let name = format!("learning-passport-{}.zip", id.0);
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_LENGTH, summary.bytes.to_string()),
            (
                header::CONTENT_DISPOSITION,
                village_files::content_disposition(&name, false),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Removes uploads nobody confirmed.
async fn sweep_stale() {
    let Ok(mut dir) = tokio::fs::read_dir(imports_dir()).await else {
        return;
    };
    while let Ok(Some(entry)) = dir.next_entry().await {
        let old = entry
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > STALE_SECS);
        if old {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
    }
}

fn refusal_words(e: &PassportError) -> String {
    format!("Nothing was imported. {e}")
}

async fn check_package(path: PathBuf) -> Result<Package, PassportError> {
    tokio::task::spawn_blocking(move || village_passport::read_package(&path))
        .await
        .map_err(|e| PassportError::Io(std::io::Error::other(e.to_string())))?
}

/// Step 1: upload a package. It is checked in full and a preview shows what would be added.
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let g = views::grant::<act::ImportPassport>(&state, &user, id).await?;
    let Ok(multipart) = Multipart::from_request(request, &state).await else {
        return Err(AppError::bad_input(
            "file",
            "Please upload the passport with the form on this page.",
        ));
    };
    sweep_stale().await;
    let (path, token) = match receive(&user, id, multipart).await {
        Ok(Some(saved)) => saved,
        Ok(None) => {
            return passport_page(
                &state,
                &user,
                id,
                None,
                None,
                Some("Please choose a learning passport file (a .zip).".into()),
            )
            .await
        }
        Err(Err(e)) => return Err(e),
        Err(Ok(words)) => return passport_page(&state, &user, id, None, None, Some(words)).await,
    };
    let package = match check_package(path.clone()).await {
        Ok(p) => p,
        Err(e) => {
            remove(Some(&(path, token))).await;
            return passport_page(&state, &user, id, None, None, Some(refusal_words(&e))).await;
        }
    };
    let batch = village_passport::batch_for_preview(&package);
    let counts = state.store.preview_import(&g, &batch).await?;
    let p = &package.passport;
    let preview = Preview {
        token,
        from_school: p.from_school.name.clone(),
        learner_name: p.learner.name.clone(),
        exported_at: p.exported_at.strftime("%-d %B %Y").to_string(),
        counts,
        credentials: package.credentials.len(),
        issuer: p.from_school.did.clone(),
    };
    passport_page(&state, &user, id, Some(preview), None, None).await
}

/// A file-system failure while receiving, as a fault (not the person's doing).
fn fault(what: &'static str) -> impl Fn(std::io::Error) -> Result<String, AppError> {
    move |e| Err(AppError::Internal(format!("{what}: {e}")))
}

/// Streams the uploaded package into the imports folder under a new random name, after
/// the CSRF token (which the form sends first). On failure nothing is left behind; the
/// error is either words for the person (`Ok`) or a fault (`Err`).
async fn receive(
    user: &CurrentUser,
    id: PersonId,
    mut multipart: Multipart,
) -> Result<Option<(PathBuf, String)>, Result<String, AppError>> {
    let mut csrf = String::new();
    let mut saved: Option<(PathBuf, String)> = None;
    let result = async {
        loop {
            let Some(field) = next_part(&mut multipart, TOO_LARGE).await.map_err(Ok)? else {
                break;
            };
            match field.name().unwrap_or("") {
                "csrf" => csrf = field.text().await.unwrap_or_default(),
                "file" => {
                    user.check_csrf(&csrf).map_err(Err)?;
                    let mut token = [0u8; 16];
                    rand::thread_rng().fill_bytes(&mut token);
                    let token: String = token.iter().map(|b| format!("{b:02x}")).collect();
                    let path = upload_path(id, &token).ok_or(Err(AppError::NotFound))?;
                    tokio::fs::create_dir_all(imports_dir())
                        .await
                        .map_err(fault("imports folder"))?;
                    let mut out = tokio::fs::File::create(&path)
                        .await
                        .map_err(fault("import file"))?;
                    saved = Some((path, token));
                    let mut written: u64 = 0;
                    let mut field = field;
                    while let Some(chunk) = field.next().await {
                        let chunk = chunk.map_err(|e| Ok(upload_words(&e, TOO_LARGE)))?;
                        written += chunk.len() as u64;
                        if written > MAX_PACKAGE_BYTES {
                            return Err(Ok(TOO_LARGE.to_string()));
                        }
                        out.write_all(&chunk).await.map_err(fault("import file"))?;
                    }
                    out.flush().await.map_err(fault("import file"))?;
                }
                _ => {}
            }
        }
        user.check_csrf(&csrf).map_err(Err)?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(saved),
        Err(e) => {
            remove(saved.as_ref()).await;
            Err(e)
        }
    }
}

async fn remove(saved: Option<&(PathBuf, String)>) {
    if let Some((path, _)) = saved {
        let _ = tokio::fs::remove_file(path).await;
    }
}

#[derive(serde::Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    replace: String,
    #[serde(default)]
    cancel: String,
}

/// Step 2: the leader confirms. The package is checked again, its files stored, and the
/// record changed in one transaction; on any failure the stored files are removed.
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<ConfirmForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::ImportPassport>(&state, &user, id).await?;
    let Some(path) = upload_path(id, form.token.trim()) else {
        return passport_page(
            &state,
            &user,
            id,
            None,
            None,
            Some("Please upload the passport again.".into()),
        )
        .await;
    };
    if !form.cancel.is_empty() {
        let _ = tokio::fs::remove_file(&path).await;
        return passport_page(
            &state,
            &user,
            id,
            None,
            Some("Nothing was imported.".into()),
            None,
        )
        .await;
    }
    if tokio::fs::metadata(&path).await.is_err() {
        return passport_page(&state, &user, id, None, None, Some("That upload has gone (it was imported, cancelled, or is more than a day old). Please upload the passport again.".into())).await;
    }
    let package = match check_package(path.clone()).await {
        Ok(p) => p,
        Err(e) => {
            return passport_page(&state, &user, id, None, None, Some(refusal_words(&e))).await
        }
    };
    let replace = !form.replace.is_empty();
    // Files are stored only if the import will record new evidence; otherwise a repeated
    // import would leave copies nobody refers to.
    let preview = village_passport::batch_for_preview(&package);
    let counts = state.store.preview_import(&g, &preview).await?;
    let (batch, stored) = if counts.evidence == 0 && !replace {
        (preview, Vec::new())
    } else {
        match village_passport::prepare_import(&state.files, &package, &state.file_limits).await {
            Ok(v) => v,
            Err(e) => {
                return passport_page(&state, &user, id, None, None, Some(refusal_words(&e))).await
            }
        }
    };
    let result = state.store.import_passport(&g, &batch, replace).await;
    let counts = match result {
        Ok(c) => c,
        Err(e) => {
            for f in &stored {
                let _ = state.files.delete(&f.key).await;
            }
            return match e {
                StoreError::Conflict(m) => {
                    passport_page(&state, &user, id, None, None, Some(m)).await
                }
                e => Err(e.into()),
            };
        }
    };
    let _ = tokio::fs::remove_file(&path).await;
    passport_page(
        &state,
        &user,
        id,
        None,
        Some(format!(
            "Imported from {}: {} targets, {} pieces of evidence, {} ladder judgements, {} achievements{}.",
            package.passport.from_school.name,
            counts.targets,
            counts.evidence,
            counts.judgements,
            counts.achievements,
            if counts.ladders_added > 0 {
                format!(", and {} ladders this school did not have", counts.ladders_added)
            } else {
                String::new()
            }
        )),
        None,
    )
    .await
}
