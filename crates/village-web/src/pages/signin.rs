//! Signing in and out, and the second step (authenticator code, or enrolment when the school
//! requires it and the person has not set it up yet).

use super::extract::ValidForm;
use super::{render, Page};
use crate::auth::session::{cookie, set_cookie, token_hash, PRE_SESSION_COOKIE, SESSION_COOKIE};
use crate::auth::{csrf, password, totp, PendingUser};
use crate::error::AppError;
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use serde::Deserialize;
use std::net::SocketAddr;
use village_domain::person::Username;
use village_domain::PersonId;
use village_store::{AccountRow, AuditEvent};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    page: Page,
    error: Option<String>,
    username: String,
    demo_accounts: &'a [(String, String)],
}

#[derive(Template)]
#[template(path = "two_factor.html")]
pub(crate) struct TwoFactorPage {
    pub page: Page,
    pub enrolling: bool,
    pub qr_svg: String,
    pub secret: String,
    pub error: Option<String>,
    pub action: &'static str,
}

fn signin_page(
    state: &AppState,
    token: &str,
    error: Option<String>,
    username: String,
) -> Result<Response, AppError> {
    let html = render(&SignInPage {
        page: Page {
            signed_in: false,
            csrf: token.to_string(),
            demo: state.config.demo,
        },
        error,
        username,
        demo_accounts: &state.config.demo_accounts,
    })?;
    let mut resp = html.into_response();
    if let Ok(v) = set_cookie(state, PRE_SESSION_COOKIE, token, 3600).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if state.store.session(&token_hash(token)).await?.is_some() {
            return Ok(Redirect::to("/").into_response());
        }
    }
    signin_page(&state, &csrf::new_token(), None, String::new())
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// The client's address, for rate limiting; "unknown" when the server was not told it
/// (in-process tests).
pub struct ClientAddress(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string()),
        ))
    }
}

/// What a successful password check leads to.
pub struct SignedIn {
    pub token: String,
    pub csrf: String,
    pub second_factor_needed: bool,
    pub person: PersonId,
}

/// The password step, shared by the page and the API. Errors are in the user's words and
/// never say whether the username exists.
pub async fn password_step(
    state: &AppState,
    raw_username: &str,
    pass: &str,
    address: &str,
) -> Result<SignedIn, AppError> {
    let now = state.clock.now();
    let mismatch = || {
        AppError::bad_input(
            "password",
            "Your username or password didn't match. Please try again.",
        )
    };
    let username =
        Username::parse(raw_username).map_err(|e| AppError::bad_input("username", e.message))?;
    if pass.is_empty() {
        return Err(AppError::bad_input(
            "password",
            "Please enter your password.",
        ));
    }
    if let Some(wait) = state
        .limiter
        .blocked_for(username.as_str(), address, now.as_second())
    {
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    let account = state.store.account_by_username(&username).await?;
    let ok = password::verify_async(
        pass.to_string(),
        account.as_ref().and_then(|a| a.password_hash.clone()),
    )
    .await;
    let account = match account {
        Some(a) if ok && !a.disabled => a,
        other => {
            state
                .limiter
                .record_failure(username.as_str(), address, now.as_second());
            audit_sign_in(
                state,
                other.as_ref().map(|a| a.person),
                false,
                now,
                "wrong password or disabled",
            )
            .await?;
            return Err(mismatch());
        }
    };
    state.limiter.record_success(username.as_str());
    let second_factor_needed = account.totp_enabled
        || state
            .store
            .requires_second_factor(account.person, now)
            .await?;
    let token = csrf::new_token();
    let csrf_token = csrf::new_token();
    let expires = now
        .checked_add(jiff::SignedDuration::from_secs(
            state.config.absolute_lifetime_secs,
        ))
        .unwrap_or(now);
    state
        .store
        .create_session(&village_store::NewSession {
            token_hash: &token_hash(&token),
            person: account.person,
            org: account.org,
            csrf: &csrf_token,
            second_factor_done: !second_factor_needed,
            now,
            expires,
        })
        .await?;
    audit_sign_in(
        state,
        Some(account.person),
        true,
        now,
        if second_factor_needed {
            "password; code next"
        } else {
            "password"
        },
    )
    .await?;
    Ok(SignedIn {
        token,
        csrf: csrf_token,
        second_factor_needed,
        person: account.person,
    })
}

async fn audit_sign_in(
    state: &AppState,
    person: Option<PersonId>,
    allowed: bool,
    now: Timestamp,
    detail: &str,
) -> Result<(), AppError> {
    state
        .store
        .audit(AuditEvent {
            org: None,
            at: now,
            actor: person,
            action: "sign_in".into(),
            learner: None,
            allowed,
            rule: "password".into(),
            detail: detail.into(),
        })
        .await?;
    Ok(())
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    ValidForm(form): ValidForm<SignInForm>,
) -> Result<Response, AppError> {
    let expected = cookie(&headers, PRE_SESSION_COOKIE).unwrap_or("");
    if !csrf::tokens_match(expected, &form.csrf) {
        // The sign-in form expired (or came from elsewhere): show it again, fresh.
        return signin_page(
            &state,
            &csrf::new_token(),
            Some("The sign-in form had expired. Please try again.".into()),
            form.username,
        );
    }
    match password_step(&state, &form.username, &form.password, &address).await {
        Ok(done) => {
            // A new token at every sign-in; the old session, if any, ends.
            if let Some(old) = cookie(&headers, SESSION_COOKIE) {
                state.store.delete_session(&token_hash(old)).await?;
            }
            let to = if done.second_factor_needed {
                "/signin/two-factor"
            } else {
                "/"
            };
            let mut resp = Redirect::to(to).into_response();
            let lifetime = state.config.absolute_lifetime_secs;
            for c in [
                set_cookie(&state, SESSION_COOKIE, &done.token, lifetime),
                set_cookie(&state, PRE_SESSION_COOKIE, "", 0),
            ] {
                if let Ok(v) = c.parse() {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            Ok(resp)
        }
        Err(e @ AppError::TooManyRequests { .. }) => {
            let (_, words) = e.words();
            let mut resp = signin_page(&state, &form.csrf, Some(words), form.username)?;
            *resp.status_mut() = e.status();
            Ok(resp)
        }
        Err(AppError::BadInput { message, .. }) => {
            let mut resp = signin_page(&state, &form.csrf, Some(message), form.username)?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    user: PendingUser,
    ValidForm(form): ValidForm<CsrfOnly>,
) -> Result<Response, AppError> {
    csrf::check(&user.csrf, &form.csrf)?;
    state.store.delete_session(&user.session_hash).await?;
    let mut resp = Redirect::to("/signin").into_response();
    if let Ok(v) = set_cookie(&state, SESSION_COOKIE, "", 0).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// The enrolment screen for an account with an unconfirmed secret (making one if needed).
pub(crate) async fn enrol_page(
    state: &AppState,
    account: &AccountRow,
    csrf_token: &str,
    error: Option<String>,
    action: &'static str,
) -> Result<TwoFactorPage, AppError> {
    let secret = match &account.totp_secret {
        Some(s) => s.clone(),
        None => {
            let s = totp::new_secret();
            state
                .store
                .set_totp_secret(account.person, Some(&s))
                .await?;
            s
        }
    };
    let uri = totp::provisioning_uri(&secret, &account.username);
    Ok(TwoFactorPage {
        page: Page {
            signed_in: true,
            csrf: csrf_token.to_string(),
            demo: state.config.demo,
        },
        enrolling: true,
        qr_svg: totp::qr_svg(&uri).unwrap_or_default(),
        secret,
        error,
        action,
    })
}

pub async fn second_step_show(
    State(state): State<AppState>,
    user: PendingUser,
) -> Result<Response, AppError> {
    if user.second_factor_done {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(render(&second_step_page(&state, &user, None).await?)?.into_response())
}

/// The second-step page: the code form, or enrolment if the person has no app set up yet.
async fn second_step_page(
    state: &AppState,
    user: &PendingUser,
    error: Option<String>,
) -> Result<TwoFactorPage, AppError> {
    if user.account.totp_enabled {
        return Ok(TwoFactorPage {
            page: Page {
                signed_in: true,
                csrf: user.csrf.clone(),
                demo: state.config.demo,
            },
            enrolling: false,
            qr_svg: String::new(),
            secret: String::new(),
            error,
            action: "/signin/two-factor",
        });
    }
    enrol_page(
        state,
        &user.account,
        &user.csrf,
        error,
        "/signin/two-factor",
    )
    .await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

/// Checks a code for an account, refusing replays; confirms enrolment if it was pending.
pub async fn code_step(
    state: &AppState,
    account: &AccountRow,
    code: &str,
    address: &str,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let key = format!("code:{}", account.username);
    if let Some(wait) = state.limiter.blocked_for(&key, address, now.as_second()) {
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    let wrong = || {
        AppError::bad_input(
            "code",
            "That code didn't match. Check the app and type the newest 6-digit code.",
        )
    };
    let Some(secret) = &account.totp_secret else {
        return Err(wrong());
    };
    let Some(step) = totp::check(secret, code, now.as_second()) else {
        state.limiter.record_failure(&key, address, now.as_second());
        return Err(wrong());
    };
    if account.totp_enabled {
        if !state.store.use_totp_step(account.person, step).await? {
            return Err(AppError::bad_input(
                "code",
                "That code was already used. Wait for the next one and type it.",
            ));
        }
    } else {
        state.store.confirm_totp(account.person, step, now).await?;
    }
    state.limiter.record_success(&key);
    Ok(())
}

pub async fn second_step_submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    user: PendingUser,
    ValidForm(form): ValidForm<CodeForm>,
) -> Result<Response, AppError> {
    csrf::check(&user.csrf, &form.csrf)?;
    if user.second_factor_done {
        return Ok(Redirect::to("/").into_response());
    }
    match code_step(&state, &user.account, &form.code, &address).await {
        Ok(()) => {
            state
                .store
                .complete_second_factor(&user.session_hash)
                .await?;
            audit_sign_in(
                &state,
                Some(user.account.person),
                true,
                user.now,
                "authenticator code",
            )
            .await?;
            Ok(Redirect::to("/").into_response())
        }
        Err(AppError::BadInput { message, .. }) => {
            let page = second_step_page(&state, &user, Some(message)).await?;
            let mut resp = render(&page)?.into_response();
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}
