//! Shared state and configuration.

use crate::auth::rate_limit::RateLimiter;
use crate::clock::Clock;
use crate::metrics::Metrics;
use std::sync::Arc;
use village_files::{FileStore, Limits};
use village_store::Store;

/// How the web edge behaves. One typed struct, passed explicitly.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// A session ends after this long without a request.
    pub idle_timeout_secs: i64,
    /// A session ends this long after sign-in, however active.
    pub absolute_lifetime_secs: i64,
    /// Mark cookies `Secure`. On for anything but plain-HTTP loopback.
    pub secure_cookies: bool,
    /// Show the demo banner and sign-in hints.
    pub demo: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Demo sign-ins shown on the sign-in page (username, who) when `demo` is on.
    pub demo_accounts: Vec<(String, String)>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            idle_timeout_secs: 30 * 60,
            absolute_lifetime_secs: 12 * 60 * 60,
            secure_cookies: true,
            demo: false,
            max_body_bytes: 64 * 1024,
            demo_accounts: Vec::new(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub clock: Arc<dyn Clock>,
    pub limiter: Arc<RateLimiter>,
    pub metrics: Arc<Metrics>,
    /// Portfolio evidence files. In memory unless [`AppState::with_files`] says otherwise.
    pub files: FileStore,
    pub file_limits: Arc<Limits>,
    /// Timetable solves running in this process, with their progress.
    pub timetable_jobs: Arc<crate::timetable_run::TimetableJobs>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig, clock: Arc<dyn Clock>) -> Self {
        AppState {
            store,
            config: Arc::new(config),
            clock,
            limiter: Arc::new(RateLimiter::default()),
            metrics: Arc::new(Metrics::default()),
            files: FileStore::memory(),
            file_limits: Arc::new(Limits::default()),
            timetable_jobs: Arc::default(),
        }
    }

    /// Where evidence files are kept (a local folder, or object storage).
    pub fn with_files(mut self, files: FileStore) -> Self {
        self.files = files;
        self
    }
}
