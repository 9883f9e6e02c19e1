//! The one test fixture: a copy of a generated demo database, on either engine. The demo is
//! generated once per test binary, engine and settings, kept as a template, and copied for
//! each test, so tests never see each other's changes. Compiled only with the `testing`
//! feature, which only dev-dependencies turn on.

use crate::{generate, DemoOptions};
use jiff::Timestamp;
use std::collections::HashMap;
use tokio::sync::Mutex;
use village_store::testing::{copy_of, scratch_url};
use village_store::{Backend, Store, StoreError};

/// What the fixture is generated with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fixture {
    pub seed: u64,
    /// One term of attendance, behaviour, assessments, plans and portfolios.
    pub history: bool,
    /// Every demo account's password hash (tests that sign in need a real one).
    pub password_hash: String,
}

/// The day the fixture is generated on, and the time tests run at.
pub fn fixture_now() -> Timestamp {
    Timestamp::from_second(1_795_428_000).unwrap_or(Timestamp::UNIX_EPOCH)
}

type Key = (&'static str, Fixture);
static TEMPLATES: Mutex<Option<HashMap<Key, String>>> = Mutex::const_new(None);

fn engine(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// A fresh copy of the demo, generated with `fixture` on `backend`.
pub async fn demo_store(backend: Backend, fixture: &Fixture) -> Result<Store, StoreError> {
    let mut guard = TEMPLATES.lock().await;
    let map = guard.get_or_insert_with(HashMap::new);
    let key = (engine(backend), fixture.clone());
    let template = match map.get(&key) {
        Some(url) => url.clone(),
        None => {
            let url = scratch_url(backend).await?;
            let store = Store::open(&url).await?;
            let now = fixture_now();
            generate(
                &store,
                DemoOptions {
                    seed: fixture.seed,
                    schools: None,
                    history: fixture.history,
                    today: now.to_zoned(jiff::tz::TimeZone::UTC).date(),
                    now,
                    password_hash: fixture.password_hash.clone(),
                },
            )
            .await
            .map_err(|e| match e {
                crate::DemoError::Store(s) => s,
                other => StoreError::Conflict(other.to_string()),
            })?;
            store.close_for_template().await?;
            map.insert(key, url.clone());
            url
        }
    };
    let url = copy_of(&template).await?;
    drop(guard);
    Store::open(&url).await
}
