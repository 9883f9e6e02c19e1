//! The portfolio: evidence uploads (streamed into the file store, checked by content),
//! reflections, links to targets, the learner's choice of who sees each item, serving
//! files safely, showcases with a full-screen presentation, and the record of achievement.

use super::extract::{next_part, upload_words, ValidForm};
use super::{parse_id, render, render_form_page, Page};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::views;
use crate::AppState;
use askama::Template;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use village_access::{act, Policy};
use village_domain::plan::{text, Target};
use village_domain::PersonId;
use village_files::{ByteRange, FileError, MediaKind};
use village_store::{
    AchievementRow, Evidence, NewEvidence, Sharing, Showcase, StoreError, LEARNED_HOW,
};

/// Long side of the downscaled copy of a photo shown on pages.
const PREVIEW_SIDE: u32 = 1280;

#[derive(Template)]
#[template(path = "portfolio.html")]
struct PortfolioPage {
    page: Page,
    learner: PersonId,
    name: String,
    is_self: bool,
    items: Vec<Evidence>,
    targets: Vec<Target>,
    ladders: Vec<village_store::LadderRow>,
    filter_target: Option<i64>,
    can_add: bool,
    can_curate: bool,
    learned_how: Vec<(&'static str, &'static str)>,
    today: Date,
    /// What the person typed, kept when an upload is refused.
    draft: UploadFields,
    notice: Option<String>,
    error: Option<String>,
}

impl PortfolioPage {
    fn draft_has_target(&self, id: &i64) -> bool {
        self.draft
            .targets
            .iter()
            .any(|t| t.trim() == id.to_string())
    }

    fn size(&self, bytes: &Option<i64>) -> String {
        size_words(*bytes)
    }
    fn target_title(&self, id: &i64) -> String {
        self.targets
            .iter()
            .find(|t| t.id == *id)
            .map(|t| t.title.clone())
            .unwrap_or_default()
    }
}

fn size_words(bytes: Option<i64>) -> String {
    match bytes {
        Some(b) if b >= 1_048_576 => format!("{:.1} MB", b as f64 / 1_048_576.0),
        Some(b) => format!("{} KB", (b + 1023) / 1024),
        None => String::new(),
    }
}

async fn portfolio_page(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    filter_target: Option<i64>,
    notice: Option<String>,
    error: Option<String>,
    draft: UploadFields,
) -> Result<Response, AppError> {
    let (g, facts) = views::grant_with_facts::<act::ViewPortfolio>(state, user, id).await?;
    let gp = Policy::authorize::<act::ViewProfile>(&user.subject, &facts, user.now)
        .map_err(|_| AppError::NotFound)?;
    let plan_grant = Policy::authorize::<act::ViewPlan>(&user.subject, &facts, user.now).ok();
    let (profile, mut items, targets) = tokio::try_join!(
        state.store.learner_profile(&gp),
        state.store.portfolio(&g),
        async {
            match &plan_grant {
                Some(pg) => state.store.plan(pg).await.map(|p| p.content.targets),
                None => Ok(Vec::new()),
            }
        }
    )?;
    let name = profile.name();
    let ladders = state.store.ladders(facts.school).await?;
    if let Some(t) = filter_target {
        items.retain(|e| e.targets.contains(&t));
    }
    let has_error = error.is_some();
    render_form_page(
        &PortfolioPage {
            page: Page::for_user(user, state),
            learner: id,
            name,
            is_self: user.person() == id,
            items,
            targets,
            ladders,
            filter_target,
            can_add: Policy::authorize::<act::AddEvidence>(&user.subject, &facts, user.now).is_ok(),
            can_curate: Policy::authorize::<act::CuratePortfolio>(&user.subject, &facts, user.now)
                .is_ok(),
            learned_how: LEARNED_HOW.to_vec(),
            today: views::today(user.now),
            draft,
            notice,
            error,
        },
        has_error,
    )
}

#[derive(serde::Deserialize)]
pub struct PortfolioQuery {
    #[serde(default)]
    target: String,
    #[serde(default)]
    added: String,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    super::extract::ValidQuery(q): super::extract::ValidQuery<PortfolioQuery>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let target = q.target.trim().parse().ok();
    let notice = match q.added.as_str() {
        "kept" => Some("Added to the portfolio.".to_string()),
        "waiting" => {
            Some("Added. It will show in the portfolio once the pupil keeps it.".to_string())
        }
        _ => None,
    };
    portfolio_page(
        &state,
        &user,
        id,
        target,
        notice,
        None,
        UploadFields::default(),
    )
    .await
}

/// The text parts of the upload form, read before the file.
#[derive(Default, Clone)]
struct UploadFields {
    csrf: String,
    title: String,
    kind: String,
    body: String,
    url: String,
    subject: String,
    reflection: String,
    learned_how: String,
    made_where: String,
    occurred_on: String,
    ladder_id: String,
    targets: Vec<String>,
}

impl UploadFields {
    fn set(&mut self, name: &str, value: String) {
        match name {
            "csrf" => self.csrf = value,
            "title" => self.title = value,
            "kind" => self.kind = value,
            "body" => self.body = value,
            "url" => self.url = value,
            "subject" => self.subject = value,
            "reflection" => self.reflection = value,
            "learned_how" => self.learned_how = value,
            "made_where" => self.made_where = value,
            "occurred_on" => self.occurred_on = value,
            "ladder_id" => self.ladder_id = value,
            "target" => self.targets.push(value),
            _ => {}
        }
    }

    /// Checks everything but the file. The kind of a file item is decided by its content.
    fn check(&self, today: Date) -> Result<NewEvidence, String> {
        let t = |f: &'static str, v: &str, max: usize, req: bool| {
            text(f, v, max, req).map_err(|e| e.message)
        };
        let title = t("title", &self.title, 200, true)?;
        let reflection = t("reflection", &self.reflection, 2_000, false)?;
        let body = t("body", &self.body, 10_000, false)?;
        let subject = Some(t("subject", &self.subject, 80, false)?).filter(|s| !s.is_empty());
        let learned_how = match self.learned_how.trim() {
            "" => "other".to_string(),
            k if LEARNED_HOW.iter().any(|(key, _)| *key == k) => k.to_string(),
            _ => return Err("Please choose how you learned it from the list.".into()),
        };
        let made_where = match self.made_where.trim() {
            "" | "school" => "school",
            "outside" => "outside",
            _ => return Err("Please say whether this was made in or out of school.".into()),
        };
        let occurred_on = match self.occurred_on.trim() {
            "" => None,
            d => {
                let d: Date = d
                    .parse()
                    .map_err(|_| "Please give the date like 2026-11-23.".to_string())?;
                if d > today {
                    return Err("The date cannot be in the future.".into());
                }
                Some(d)
            }
        };
        let url = match self.url.trim() {
            "" => None,
            u if (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() <= 2_000
                && !u.chars().any(char::is_whitespace) =>
            {
                Some(u.to_string())
            }
            _ => return Err("A link must be a web address starting with https://".into()),
        };
        let ladder_id = match self.ladder_id.trim() {
            "" => None,
            l => Some(
                l.parse::<i64>()
                    .map_err(|_| "Please choose a ladder from the list.".to_string())?,
            ),
        };
        let targets = self
            .targets
            .iter()
            .filter(|t| !t.trim().is_empty())
            .map(|t| {
                t.trim()
                    .parse::<i64>()
                    .map_err(|_| "Please choose targets from the list.".to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NewEvidence {
            title,
            kind: String::new(),
            body,
            url,
            subject,
            reflection,
            learned_how,
            made_where: made_where.into(),
            occurred_on,
            ladder_id,
            targets,
            ..Default::default()
        })
    }
}

fn kind_word(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Photo => "photo",
        MediaKind::Audio => "audio",
        MediaKind::Video => "video",
        MediaKind::Document => "document",
    }
}

/// The form passed the route's limit (`UPLOAD_LIMIT`, a little over the largest file).
const TOO_LARGE: &str = "That file is larger than we can accept. Videos and recordings can be up to 100 MB, photos and documents up to 25 MB.";

/// Why an upload was not added: words for the person (whose fields are kept on the page),
/// or a fault of Village's.
enum Refused {
    Words(String),
    Fault(AppError),
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::Fault(e)
    }
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => Refused::Words(m),
            e => Refused::Fault(e.into()),
        }
    }
}

/// Adds evidence. The form's text fields come first; the file (if any) is streamed
/// straight into the file store after the session's CSRF token is checked. The policy
/// answers before the body is read, so a refused upload is never stored and is answered
/// exactly like a missing pupil. Whatever goes wrong after a file is stored removes it.
pub async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let g = views::grant::<act::AddEvidence>(&state, &user, id).await?;
    let Ok(multipart) = Multipart::from_request(request, &state).await else {
        return Err(AppError::bad_input(
            "file",
            "The form was not sent as an upload. Please use the form on the portfolio page.",
        ));
    };
    let mut fields = UploadFields::default();
    let mut stored = Vec::new();
    match receive(&state, &user, &g, multipart, &mut fields, &mut stored).await {
        Ok(kept) => Ok(Redirect::to(&format!(
            "/learners/{id}/portfolio?added={}",
            if kept { "kept" } else { "waiting" }
        ))
        .into_response()),
        Err(refused) => {
            for f in &stored {
                cleanup(&state, Some(f)).await;
            }
            match refused {
                Refused::Words(m) => {
                    portfolio_page(&state, &user, id, None, None, Some(m), fields).await
                }
                Refused::Fault(e) => Err(e),
            }
        }
    }
}

/// Reads the form, stores the file and its preview (listed in `stored` until the item is
/// recorded), and records the item. Returns whether it was kept at once.
async fn receive(
    state: &AppState,
    user: &CurrentUser,
    g: &village_access::Grant<act::AddEvidence>,
    mut multipart: Multipart,
    fields: &mut UploadFields,
    stored: &mut Vec<village_files::StoredFile>,
) -> Result<bool, Refused> {
    let mut file = None;
    loop {
        let Some(field) = next_part(&mut multipart, TOO_LARGE)
            .await
            .map_err(Refused::Words)?
        else {
            break;
        };
        let name = field.name().unwrap_or("").to_string();
        if name != "file" {
            match field.text().await {
                Ok(v) if v.len() <= 20_000 => fields.set(&name, v),
                Ok(_) => {
                    return Err(Refused::Words(
                        "One of the boxes has too much text in it.".into(),
                    ))
                }
                Err(e) => return Err(Refused::Words(upload_words(&e, TOO_LARGE))),
            }
            continue;
        }
        let declared = field.file_name().unwrap_or("").to_string();
        let declared_mime = field.content_type().map(str::to_string);
        if declared.is_empty() {
            // An empty file input still sends a part.
            continue;
        }
        user.check_csrf(&fields.csrf)?;
        match state
            .files
            .put_stream(
                &declared,
                declared_mime.as_deref(),
                Box::pin(field),
                &state.file_limits,
            )
            .await
        {
            Ok(f) => {
                stored.push(f.clone());
                file = Some(f);
            }
            Err(e) if e.is_refusal() => return Err(Refused::Words(e.to_string())),
            Err(e) => return Err(AppError::Internal(format!("file store: {e}")).into()),
        }
    }
    user.check_csrf(&fields.csrf)?;
    let mut item = fields
        .check(views::today(user.now))
        .map_err(Refused::Words)?;
    match &file {
        Some(f) => {
            item.kind = kind_word(f.kind).into();
            item.file_key = Some(f.key.clone());
            item.mime = Some(f.mime.clone());
            item.size_bytes = i64::try_from(f.size).ok();
            item.sha256 = Some(f.sha256_hex.clone());
            item.file_name = Some(f.display_name.clone());
            match state.files.make_preview(f, PREVIEW_SIDE).await {
                Ok(Some(p)) => {
                    item.preview_key = Some(p.key.clone());
                    stored.push(p);
                }
                Ok(None) => {}
                Err(e) if e.is_refusal() => return Err(Refused::Words(e.to_string())),
                Err(e) => tracing::warn!("no preview for {}: {e}", f.key),
            }
        }
        None if item.url.is_some() => item.kind = "link".into(),
        None if !item.body.is_empty() => item.kind = "text".into(),
        None => {
            return Err(Refused::Words(
                "Please choose a file, give a link, or write something.".into(),
            ))
        }
    }
    state.store.add_evidence(g, &item).await?;
    // Recorded: the files now belong to the item.
    stored.clear();
    Ok(g.path() == village_access::Path::Itself)
}

/// Removes a stored file that will not be recorded (the form failed after the upload).
async fn cleanup(state: &AppState, file: Option<&village_files::StoredFile>) {
    if let Some(f) = file {
        if let Err(e) = state.files.delete(&f.key).await {
            tracing::warn!("could not remove unused upload {}: {e}", f.key);
        }
    }
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct ItemPage {
    page: Page,
    learner: PersonId,
    item: Evidence,
    targets: Vec<Target>,
    can_curate: bool,
}

impl ItemPage {
    fn linked(&self, id: &i64) -> bool {
        self.item.targets.contains(id)
    }
}

pub async fn item(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, eid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let eid: i64 = parse_id(&eid)?;
    let (g, facts) = views::grant_with_facts::<act::ViewPortfolio>(&state, &user, id).await?;
    let item = state
        .store
        .evidence_item(&g, eid)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_curate =
        Policy::authorize::<act::CuratePortfolio>(&user.subject, &facts, user.now).is_ok();
    let targets = match Policy::authorize::<act::ViewPlan>(&user.subject, &facts, user.now) {
        Ok(pg) => state.store.plan(&pg).await?.content.targets,
        Err(_) => Vec::new(),
    };
    render_form_page(
        &ItemPage {
            page: Page::for_user(&user, &state),
            learner: id,
            item,
            targets,
            can_curate,
        },
        false,
    )
}

/// Keeps an item and sets who sees it and which targets it is evidence for. The form is
/// read as pairs because target checkboxes repeat the same name.
pub async fn curate(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, eid)): Path<(String, String)>,
    ValidForm(pairs): ValidForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let eid: i64 = parse_id(&eid)?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    user.check_csrf(get("csrf").unwrap_or(""))?;
    let g = views::grant::<act::CuratePortfolio>(&state, &user, id).await?;
    let sharing = Sharing {
        teachers: get("share_teachers").is_some(),
        mentor: get("share_mentor").is_some(),
        community: get("share_community").is_some(),
    };
    let targets = pairs
        .iter()
        .filter(|(n, _)| n == "target")
        .map(|(_, v)| v.trim().parse::<i64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| AppError::bad_input("target", "Please choose targets from the list."))?;
    let with_targets = get("targets_shown").is_some();
    state
        .store
        .curate_evidence(&g, eid, sharing, with_targets.then_some(targets.as_slice()))
        .await?;
    Ok(Redirect::to(&format!("/learners/{id}/portfolio/{eid}")).into_response())
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, eid)): Path<(String, String)>,
    ValidForm(form): ValidForm<CsrfForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let eid: i64 = parse_id(&eid)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::CuratePortfolio>(&state, &user, id).await?;
    for key in state.store.remove_evidence(&g, eid).await? {
        if let Err(e) = state.files.delete(&key).await {
            tracing::warn!("could not delete file {key}: {e}");
        }
    }
    Ok(Redirect::to(&format!("/learners/{id}/portfolio")).into_response())
}

/// Parses a single `bytes=` range; anything else is served whole.
fn byte_range(headers: &HeaderMap) -> Option<ByteRange> {
    let raw = headers.get(header::RANGE)?.to_str().ok()?;
    let spec = raw.strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    match (a.trim(), b.trim()) {
        ("", n) => n.parse().ok().map(ByteRange::Last),
        (a, "") => a.parse().ok().map(ByteRange::From),
        (a, b) => {
            let (a, b): (u64, u64) = (a.parse().ok()?, b.parse().ok()?);
            (b >= a).then(|| ByteRange::Within(a..b.saturating_add(1)))
        }
    }
}

/// Serves an item's file. Photos are shown through their downscaled copy (no location
/// data); the original goes out as a download. Audio and video play inline; documents are
/// always downloads. Nothing is ever served as HTML.
pub async fn file(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, eid, which)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let eid: i64 = parse_id(&eid)?;
    let g = views::grant::<act::ViewPortfolio>(&state, &user, id).await?;
    let item = state
        .store
        .evidence_item(&g, eid)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = item.file_name.clone().unwrap_or_else(|| "evidence".into());
    let (key, mime, inline) = match which.as_str() {
        "preview" => (
            item.preview_key.clone(),
            Some("image/jpeg".to_string()),
            true,
        ),
        "file" => (
            item.file_key.clone(),
            item.mime.clone(),
            matches!(item.kind.as_str(), "audio" | "video"),
        ),
        _ => return Err(AppError::NotFound),
    };
    let key = key.ok_or(AppError::NotFound)?;
    let mime = mime.unwrap_or_else(|| "application/octet-stream".into());
    let range = if inline { byte_range(&headers) } else { None };
    let download = match range {
        Some(r) => state.files.open_range(&key, r).await,
        None => state.files.open(&key).await,
    };
    let download = match download {
        Ok(d) => d,
        Err(FileError::NotFound) => return Err(AppError::NotFound),
        Err(FileError::BadRange) => {
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                "That part of the file does not exist.",
            )
                .into_response())
        }
        Err(e) => return Err(AppError::Internal(format!("file store: {e}"))),
    };
    let partial = download.range.start != 0 || download.range.end != download.size;
    let mut resp = Response::new(Body::from_stream(download.stream));
    *resp.status_mut() = if partial {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: String| {
        if let Ok(v) = header::HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    set(h, header::CONTENT_TYPE, mime);
    set(
        h,
        header::CONTENT_LENGTH,
        (download.range.end - download.range.start).to_string(),
    );
    set(
        h,
        header::CONTENT_DISPOSITION,
        village_files::content_disposition(&name, inline),
    );
    set(h, header::ACCEPT_RANGES, "bytes".into());
    set(h, header::CACHE_CONTROL, "private, no-store".into());
    if partial {
        set(
            h,
            header::CONTENT_RANGE,
            format!(
                "bytes {}-{}/{}",
                download.range.start,
                download.range.end.saturating_sub(1),
                download.size
            ),
        );
    }
    Ok(resp)
}

#[derive(Template)]
#[template(path = "showcases.html")]
struct ShowcasesPage {
    page: Page,
    learner: PersonId,
    name: String,
    is_self: bool,
    showcases: Vec<Showcase>,
    items: Vec<Evidence>,
    editing: Option<Showcase>,
    can_curate: bool,
    error: Option<String>,
}

impl ShowcasesPage {
    fn chosen(&self, e: &i64) -> Option<(usize, String)> {
        self.editing.as_ref().and_then(|s| {
            s.items
                .iter()
                .position(|(i, _)| i.id == *e)
                .and_then(|p| s.items.get(p).map(|(_, c)| (p + 1, c.clone())))
        })
    }
}

async fn showcases_page(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    editing: Option<i64>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (g, facts) = views::grant_with_facts::<act::ViewPortfolio>(state, user, id).await?;
    let gp = views::grant::<act::ViewProfile>(state, user, id).await?;
    let name = state.store.learner_profile(&gp).await?.name();
    let showcases = state.store.showcases(&g).await?;
    let can_curate =
        Policy::authorize::<act::CuratePortfolio>(&user.subject, &facts, user.now).is_ok();
    let items = if can_curate {
        state
            .store
            .portfolio(&g)
            .await?
            .into_iter()
            .filter(|e| e.kept)
            .collect()
    } else {
        Vec::new()
    };
    let editing = match editing {
        Some(sid) => Some(
            showcases
                .iter()
                .find(|s| s.id == sid)
                .cloned()
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let has_error = error.is_some();
    render_form_page(
        &ShowcasesPage {
            page: Page::for_user(user, state),
            learner: id,
            name,
            is_self: user.person() == id,
            showcases,
            items,
            editing,
            can_curate,
            error,
        },
        has_error,
    )
}

pub async fn showcases(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    showcases_page(&state, &user, id, None, None).await
}

pub async fn edit_showcase(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let sid: i64 = parse_id(&sid)?;
    views::grant::<act::CuratePortfolio>(&state, &user, id).await?;
    showcases_page(&state, &user, id, Some(sid), None).await
}

/// Saves a showcase: checked items, in the order the learner numbered them, with captions.
pub async fn save_showcase(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(pairs): ValidForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    user.check_csrf(get("csrf"))?;
    let g = views::grant::<act::CuratePortfolio>(&state, &user, id).await?;
    let showcase: Option<i64> = match get("showcase_id").trim() {
        "" => None,
        raw => Some(parse_id(raw)?),
    };
    let title = match text("title", get("title"), 120, true) {
        Ok(t) => t,
        Err(e) => return showcases_page(&state, &user, id, showcase, Some(e.message)).await,
    };
    let intro = match text("introduction", get("introduction"), 2_000, false) {
        Ok(t) => t,
        Err(e) => return showcases_page(&state, &user, id, showcase, Some(e.message)).await,
    };
    let mut chosen: Vec<(i64, i64, String)> = Vec::new();
    for (n, v) in &pairs {
        if n != "item" {
            continue;
        }
        let Ok(e) = v.trim().parse::<i64>() else {
            return showcases_page(
                &state,
                &user,
                id,
                showcase,
                Some("Please choose items from the list.".into()),
            )
            .await;
        };
        let order = get(&format!("order_{e}"))
            .trim()
            .parse::<i64>()
            .unwrap_or(i64::MAX);
        let caption = match text("caption", get(&format!("caption_{e}")), 300, false) {
            Ok(c) => c,
            Err(err) => {
                return showcases_page(&state, &user, id, showcase, Some(err.message)).await
            }
        };
        chosen.push((order, e, caption));
    }
    if chosen.is_empty() {
        return showcases_page(
            &state,
            &user,
            id,
            showcase,
            Some("Choose at least one piece of work for the showcase.".into()),
        )
        .await;
    }
    chosen.sort_by_key(|(o, e, _)| (*o, *e));
    let items: Vec<(i64, String)> = chosen.into_iter().map(|(_, e, c)| (e, c)).collect();
    match state
        .store
        .save_showcase(&g, showcase, &title, &intro, &items)
        .await
    {
        Ok(sid) => {
            Ok(Redirect::to(&format!("/learners/{id}/showcases/{sid}/present")).into_response())
        }
        Err(StoreError::Conflict(m)) => showcases_page(&state, &user, id, showcase, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "present.html")]
struct PresentPage {
    learner: PersonId,
    name: String,
    showcase: Showcase,
}

/// The showcase as a clean full-screen presentation: one item per screen, moved through
/// with links (or the keyboard's Tab and Enter), no script needed.
pub async fn present(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    let sid: i64 = parse_id(&sid)?;
    let g = views::grant::<act::ViewPortfolio>(&state, &user, id).await?;
    let gp = views::grant::<act::ViewProfile>(&state, &user, id).await?;
    let name = state.store.learner_profile(&gp).await?.name();
    let showcase = state
        .store
        .showcases(&g)
        .await?
        .into_iter()
        .find(|s| s.id == sid)
        .ok_or(AppError::NotFound)?;
    Ok(render(&PresentPage {
        learner: id,
        name,
        showcase,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "achievements.html")]
struct AchievementsPage {
    page: Page,
    learner: PersonId,
    name: String,
    is_self: bool,
    achievements: Vec<AchievementRow>,
    items: Vec<Evidence>,
    can_add: bool,
    today: Date,
    error: Option<String>,
}

async fn achievements_page(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (g, facts) = views::grant_with_facts::<act::ViewPlan>(state, user, id).await?;
    let gp = views::grant::<act::ViewProfile>(state, user, id).await?;
    let name = state.store.learner_profile(&gp).await?.name();
    let achievements = state.store.achievement_record(&g).await?;
    let can_add =
        Policy::authorize::<act::CuratePortfolio>(&user.subject, &facts, user.now).is_ok();
    let items = match Policy::authorize::<act::ViewPortfolio>(&user.subject, &facts, user.now) {
        Ok(pg) => state.store.portfolio(&pg).await?,
        Err(_) => Vec::new(),
    };
    let has_error = error.is_some();
    render_form_page(
        &AchievementsPage {
            page: Page::for_user(user, state),
            learner: id,
            name,
            is_self: user.person() == id,
            achievements,
            items,
            can_add,
            today: views::today(user.now),
            error,
        },
        has_error,
    )
}

pub async fn achievements(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    achievements_page(&state, &user, id, None).await
}

#[derive(serde::Deserialize)]
pub struct AchievementForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    awarded_on: String,
    #[serde(default)]
    evidence_id: String,
}

/// Kinds of achievement a learner adds from outside school.
pub const OUTSIDE_KINDS: [(&str, &str); 4] = [
    ("award", "An award or prize"),
    ("community", "Community learning or volunteering"),
    ("grade", "A music, sport or language grade"),
    ("other", "Something else I am proud of"),
];

pub async fn add_achievement(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ValidForm(form): ValidForm<AchievementForm>,
) -> Result<Response, AppError> {
    let id: PersonId = parse_id(&id)?;
    user.check_csrf(&form.csrf)?;
    let g = views::grant::<act::CuratePortfolio>(&state, &user, id).await?;
    let kind = match OUTSIDE_KINDS.iter().find(|(k, _)| *k == form.kind.trim()) {
        Some((k, _)) => *k,
        None => {
            return achievements_page(
                &state,
                &user,
                id,
                Some("Please choose what kind of achievement it is.".into()),
            )
            .await
        }
    };
    let title = text("title", &form.title, 200, true);
    let description = text("description", &form.description, 2_000, false);
    let (title, description) = match (title, description) {
        (Ok(t), Ok(d)) => (t, d),
        (Err(e), _) | (_, Err(e)) => {
            return achievements_page(&state, &user, id, Some(e.message)).await
        }
    };
    let on = match form.awarded_on.trim().parse::<Date>() {
        Ok(d) if d <= views::today(user.now) => d,
        _ => {
            return achievements_page(
                &state,
                &user,
                id,
                Some("Please give the date, not in the future, like 2026-06-30.".into()),
            )
            .await
        }
    };
    let evidence: Option<i64> = match form.evidence_id.trim() {
        "" => None,
        raw => Some(parse_id(raw)?),
    };
    match state
        .store
        .add_outside_achievement(&g, kind, &title, &description, on, evidence)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/learners/{id}/achievements")).into_response()),
        Err(StoreError::Conflict(m)) => achievements_page(&state, &user, id, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}
