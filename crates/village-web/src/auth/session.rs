//! Sessions: a random 256-bit token in an HTTP-only cookie, stored server-side only as its
//! hash, with an idle timeout and an absolute lifetime. Every request re-reads the account
//! and the person's relationships, so disabling an account or ending a relationship takes
//! effect on the very next request.

use crate::error::AppError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use village_access::Subject;
use village_store::AccountRow;

pub const SESSION_COOKIE: &str = "village_session";
pub const PRE_SESSION_COOKIE: &str = "village_signin";

/// A request's cookie by name.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `Set-Cookie` value for a cookie; `max_age: 0` clears it.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// A signed-in person who has finished signing in.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub account: AccountRow,
    pub subject: Subject,
    pub csrf: String,
    pub session_hash: String,
    pub now: Timestamp,
}

impl CurrentUser {
    pub fn person(&self) -> village_domain::PersonId {
        self.account.person
    }
    pub fn first_name(&self) -> &str {
        &self.account.given_name
    }
    pub fn check_csrf(&self, given: &str) -> Result<(), AppError> {
        super::csrf::check(&self.csrf, given)
    }
}

/// Someone who gave the right password but still owes the second step (or must enrol).
#[derive(Debug, Clone)]
pub struct PendingUser {
    pub account: AccountRow,
    pub csrf: String,
    pub session_hash: String,
    pub now: Timestamp,
    pub second_factor_done: bool,
}

/// Reads and checks the session; ends it if it timed out or the account was disabled.
async fn load(parts: &Parts, state: &AppState) -> Result<PendingUser, AppError> {
    let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::SignInNeeded)?;
    let hash = token_hash(token);
    let session = state
        .store
        .session(&hash)
        .await?
        .ok_or(AppError::SignInNeeded)?;
    let now = state.clock.now();
    let now_s = now.as_second();
    let idle = now_s - session.last_seen_at >= state.config.idle_timeout_secs;
    if idle || now_s >= session.expires_at {
        state.store.delete_session(&hash).await?;
        return Err(AppError::SignInNeeded);
    }
    let account = state
        .store
        .account(session.person)
        .await?
        .ok_or(AppError::SignInNeeded)?;
    if account.disabled {
        state.store.delete_sessions_of(account.person).await?;
        return Err(AppError::SignInNeeded);
    }
    // Writing on every request would make every page a write; a minute's precision is
    // plenty for an idle timeout measured in tens of minutes.
    if now_s - session.last_seen_at >= 60 {
        state.store.touch_session(&hash, now).await?;
    }
    Ok(PendingUser {
        account,
        csrf: session.csrf_token,
        session_hash: hash,
        now,
        second_factor_done: session.second_factor_done,
    })
}

impl FromRequestParts<AppState> for PendingUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        load(parts, state).await
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let pending = load(parts, state).await?;
        if !pending.second_factor_done {
            let needs = pending.account.totp_enabled
                || state
                    .store
                    .requires_second_factor(pending.account.person, pending.now)
                    .await?;
            if needs {
                return Err(AppError::SecondFactorNeeded);
            }
        }
        let subject = state
            .store
            .load_subject(pending.account.person, pending.now)
            .await?;
        Ok(CurrentUser {
            account: pending.account,
            subject,
            csrf: pending.csrf,
            session_hash: pending.session_hash,
            now: pending.now,
        })
    }
}
