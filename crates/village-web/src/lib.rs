//! Village's HTTP edge: server-rendered pages, the JSON API, sign-in and sessions.
//!
//! Architecture invariants:
//! * Only this crate knows HTTP, HTML and JSON. It turns requests into calls on the store
//!   with grants from `village-access`, and results into pages or JSON.
//! * Every route is declared once in [`routes::inventory`] with the access it needs; the
//!   router is built from that list, and a test walks it.
//! * A refused or missing learner, school or group answers 404, the same page either way.
//! * No `unwrap` on anything a request carries; errors become [`error::AppError`], which
//!   renders a page in plain words or an RFC 9457 problem for the API.

pub mod api;
pub mod auth;
pub mod clock;
pub mod error;
pub mod mentor_run;
pub mod metrics;
pub mod pages;
pub mod routes;
mod state;
pub mod timetable_run;
pub mod views;

pub use clock::{Clock, FixedClock, SystemClock};
pub use state::{AppState, WebConfig};

use axum::Router;

/// The whole application: every route, with the middleware around it.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// Serves the application until Ctrl-C (or SIGTERM).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    // A solve cannot outlive the process that ran it.
    match state
        .store
        .stop_abandoned_timetable_runs(state.clock.now())
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::warn!(runs = n, "ended timetable runs left by a restart"),
        Err(e) => tracing::error!(error = %e, "could not end abandoned timetable runs"),
    }
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
