//! Every route, declared once with the access it needs. The router is built from this list
//! and the route-walking test reads the same list, so a route cannot be added without saying
//! how it is protected.

use crate::{api, metrics, pages, AppState};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use std::collections::BTreeMap;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use village_access::{Action, OrgAction};

/// What a route needs before it does anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: sign-in, health, metrics, the stylesheet, the API description.
    Public,
    /// Password given, second step may still be owed (the second-step pages, sign-out).
    Pending,
    /// Signed in; reads or changes only the person's own account and home.
    SignedIn,
    /// Signed in, and the policy allows this action on the learner in the path (`{id}`).
    Learner(Action),
    /// Signed in, and the policy allows this action on the school in the path (`{id}`).
    School(OrgAction),
    /// Signed in, and the person teaches the group in the path, or leads its school.
    Group,
    /// Signed in, and the person is on the challenge team in the path, coaches it, or leads
    /// its school.
    Team,
}

pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

const fn spec(method: &'static str, path: &'static str, access: Access) -> RouteSpec {
    RouteSpec {
        method,
        path,
        access,
    }
}

/// The route inventory, with handlers.
pub fn inventory() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use pages::*;
    use Access::*;
    vec![
        (spec("GET", "/healthz", Public), get(system::healthz)),
        (spec("GET", "/metrics", Public), get(system::metrics)),
        (spec("GET", "/static/style.css", Public), get(system::style)),
        (spec("GET", "/openapi.json", Public), get(system::openapi)),
        (
            spec("GET", "/static/timetable.js", Public),
            get(system::timetable_js),
        ),
        // The token in the path is the key; the handler checks the link maker's access
        // again at every use.
        (
            spec("GET", "/calendar/{token}", Public),
            get(timetable::calendar),
        ),
        (spec("GET", "/timetable", SignedIn), get(timetable::mine)),
        (
            spec("POST", "/timetable/calendar", SignedIn),
            post(timetable::create_own_link),
        ),
        (
            spec("POST", "/timetable/calendar/{link}/revoke", SignedIn),
            post(timetable::revoke_link),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/timetable",
                Learner(Action::ViewTimetable),
            ),
            get(timetable::show),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/timetable/choices",
                Learner(Action::ChooseTimetable),
            ),
            get(timetable::choices),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/timetable/choices",
                Learner(Action::ChooseTimetable),
            ),
            post(timetable::save_choices),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/timetable/calendar",
                Learner(Action::SubscribeTimetable),
            ),
            post(timetable::create_learner_link),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/timetable",
                School(OrgAction::ManageTimetable),
            ),
            get(timetable::admin),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/timetable/settings",
                School(OrgAction::ManageTimetable),
            ),
            post(timetable::save_settings),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/timetable/away",
                School(OrgAction::ManageTimetable),
            ),
            post(timetable::staff_away),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/timetable/back",
                School(OrgAction::ManageTimetable),
            ),
            post(timetable::staff_back),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/timetable/absences",
                School(OrgAction::ManageTimetable),
            ),
            post(timetable::day_away),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/timetable/absences/end",
                School(OrgAction::ManageTimetable),
            ),
            post(timetable::day_back),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/timetable/cover/{date}",
                School(OrgAction::ManageTimetable),
            ),
            get(timetable::cover_sheet),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/timetable/model",
                School(OrgAction::ManageTimetable),
            ),
            get(timetable::download_model),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/timetable/model",
                School(OrgAction::ManageTimetable),
            ),
            post(timetable::upload_model).layer(DefaultBodyLimit::max(MODEL_LIMIT)),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/timetable/solve",
                School(OrgAction::ManageTimetable),
            ),
            post(timetable::solve),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/timetable/runs/{run}",
                School(OrgAction::ManageTimetable),
            ),
            get(timetable::show_run),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/timetable/runs/{run}/events",
                School(OrgAction::ManageTimetable),
            ),
            get(timetable::run_events),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/timetable/runs/{run}/stop",
                School(OrgAction::ManageTimetable),
            ),
            post(timetable::stop_run),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/timetable/runs/{run}/publish",
                School(OrgAction::ManageTimetable),
            ),
            post(timetable::publish_run),
        ),
        (spec("GET", "/signin", Public), get(signin::show)),
        (spec("POST", "/signin", Public), post(signin::submit)),
        (
            spec("GET", "/signin/two-factor", Pending),
            get(signin::second_step_show),
        ),
        (
            spec("POST", "/signin/two-factor", Pending),
            post(signin::second_step_submit),
        ),
        (spec("POST", "/signout", Pending), post(signin::sign_out)),
        (spec("GET", "/", SignedIn), get(home::show)),
        (spec("GET", "/account", SignedIn), get(account::show)),
        (
            spec("POST", "/account/two-factor", SignedIn),
            post(account::start_two_factor),
        ),
        (
            spec("POST", "/account/two-factor/confirm", SignedIn),
            post(account::confirm_two_factor),
        ),
        (
            spec("POST", "/account/password", SignedIn),
            post(account::change_password),
        ),
        (
            spec("GET", "/learners/{id}", Learner(Action::ViewProfile)),
            get(learners::show),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/who-looked",
                Learner(Action::ViewAccessLog),
            ),
            get(learners::who_looked),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/notes",
                Learner(Action::AddSupportNote),
            ),
            post(learners::add_note),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/relationships",
                Learner(Action::ManageRelationships),
            ),
            get(learners::relationships),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/relationships/{rel}/end",
                Learner(Action::ManageRelationships),
            ),
            post(learners::end_relationship),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/mentor",
                Learner(Action::ViewMentoring),
            ),
            get(mentoring::show),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/mentor/choices",
                Learner(Action::ChooseMentor),
            ),
            post(mentoring::save_choices),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/mentor/sessions",
                Learner(Action::MentorSessions),
            ),
            post(mentoring::log_session),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/home-contacts",
                Learner(Action::LogHomeContact),
            ),
            post(mentoring::log_home_contact),
        ),
        (
            spec("GET", "/learners/{id}/map", Learner(Action::ViewProfile)),
            get(mentoring::map),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/gaps",
                School(OrgAction::ViewGapsReport),
            ),
            get(mentoring::gaps),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/challenges/{year}/showcase",
                School(OrgAction::ManageChallenges),
            ),
            get(challenges::showcase),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/mentoring/cadence",
                School(OrgAction::ManageMentoring),
            ),
            post(mentoring::set_cadence),
        ),
        (
            spec("GET", "/account/mentor-profile", SignedIn),
            get(account::mentor_profile),
        ),
        (
            spec("POST", "/account/mentor-profile", SignedIn),
            post(account::save_mentor_profile),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/mentor/meetings",
                Learner(Action::MentorSessions),
            ),
            post(mentoring::book_meeting),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/challenges",
                Learner(Action::ViewProfile),
            ),
            get(challenges::show),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/challenges",
                Learner(Action::ChooseChallenges),
            ),
            post(challenges::choose),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/challenges",
                School(OrgAction::ManageChallenges),
            ),
            get(challenges::admin),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/challenges/{year}/teams",
                School(OrgAction::ManageChallenges),
            ),
            post(challenges::form),
        ),
        (spec("GET", "/challenges/{id}", Team), get(challenges::team)),
        (
            spec("POST", "/challenges/{id}/notes", Team),
            post(challenges::add_note),
        ),
        (
            spec("POST", "/challenges/{id}/complete", Team),
            post(challenges::complete),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/peer",
                School(OrgAction::ManagePeerLearning),
            ),
            get(peer::admin),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/peer",
                School(OrgAction::ManagePeerLearning),
            ),
            post(peer::create),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/peer/{programme}/run",
                School(OrgAction::ManagePeerLearning),
            ),
            post(peer::run),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/peer/{programme}/training",
                School(OrgAction::ManagePeerLearning),
            ),
            post(peer::training),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/peer/{programme}/leave",
                School(OrgAction::ManagePeerLearning),
            ),
            post(peer::tutor_leaves),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/peer-sessions",
                Learner(Action::LogPeerSession),
            ),
            post(peer::log_session),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/mentoring",
                School(OrgAction::ManageMentoring),
            ),
            get(mentoring::admin),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/mentoring/run",
                School(OrgAction::ManageMentoring),
            ),
            post(mentoring::run),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/mentor/override",
                Learner(Action::ManageRelationships),
            ),
            post(mentoring::override_mentor),
        ),
        (
            spec("GET", "/schools/{id}", School(OrgAction::ViewSchool)),
            get(schools::show),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/audit",
                School(OrgAction::ViewAuditLog),
            ),
            get(schools::audit),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/people",
                School(OrgAction::ManagePeople),
            ),
            get(schools::people),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/settings",
                School(OrgAction::ManagePeople),
            ),
            post(schools::settings),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/people/{person}/disable",
                School(OrgAction::ManagePeople),
            ),
            post(schools::disable),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/people/{person}/enable",
                School(OrgAction::ManagePeople),
            ),
            post(schools::enable),
        ),
        (spec("GET", "/groups/{id}", Group), get(schools::group)),
        (spec("POST", "/api/v1/session", Public), post(api::sign_in)),
        (
            spec("DELETE", "/api/v1/session", SignedIn),
            axum::routing::delete(api::sign_out),
        ),
        (spec("GET", "/api/v1/me", SignedIn), get(api::me)),
        (
            spec("GET", "/api/v1/learners", SignedIn),
            get(api::learners),
        ),
        (
            spec("GET", "/api/v1/learners/{id}", Learner(Action::ViewProfile)),
            get(api::learner),
        ),
        (
            spec(
                "GET",
                "/api/v1/learners/{id}/attendance",
                Learner(Action::ViewAttendance),
            ),
            get(api::attendance),
        ),
        (
            spec(
                "GET",
                "/api/v1/learners/{id}/access-log",
                Learner(Action::ViewAccessLog),
            ),
            get(api::access_log),
        ),
        (
            spec(
                "GET",
                "/api/v1/learners/{id}/plan",
                Learner(Action::ViewPlan),
            ),
            get(api::plan),
        ),
        (
            spec("GET", "/api/v1/me/timetable", SignedIn),
            get(api::my_timetable),
        ),
        (
            spec(
                "GET",
                "/api/v1/learners/{id}/timetable",
                Learner(Action::ViewTimetable),
            ),
            get(api::learner_timetable),
        ),
        (
            spec(
                "GET",
                "/api/v1/learners/{id}/portfolio",
                Learner(Action::ViewPortfolio),
            ),
            get(api::portfolio),
        ),
        (
            spec(
                "POST",
                "/api/v1/learners/{id}/relationships/{rel}/end",
                Learner(Action::ManageRelationships),
            ),
            post(api::end_relationship),
        ),
        (
            spec("GET", "/api/v1/schools/{id}", School(OrgAction::ViewSchool)),
            get(api::school),
        ),
        (spec("GET", "/api/v1/groups/{id}", Group), get(api::group)),
        (
            spec(
                "POST",
                "/api/v1/schools/{id}/people/{person}/disable",
                School(OrgAction::ManagePeople),
            ),
            post(api::disable_person),
        ),
        (
            spec(
                "POST",
                "/api/v1/schools/{id}/people/{person}/enable",
                School(OrgAction::ManagePeople),
            ),
            post(api::enable_person),
        ),
        // The learning plan and portfolio.
        (
            spec("GET", "/learners/{id}/plan", Learner(Action::ViewPlan)),
            get(plan::show),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/plan/aspirations",
                Learner(Action::EditPlan),
            ),
            post(plan::save_aspirations),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/plan/targets",
                Learner(Action::EditPlan),
            ),
            post(plan::save_target),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/plan/targets/{target}",
                Learner(Action::EditPlan),
            ),
            get(plan::edit_target),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/plan/targets/{target}/remove",
                Learner(Action::EditPlan),
            ),
            post(plan::remove_target),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/plan/agree",
                Learner(Action::AgreePlan),
            ),
            post(plan::agree),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/plan/comments",
                Learner(Action::CommentOnPlan),
            ),
            post(plan::comment),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/plan/versions",
                Learner(Action::ViewPlan),
            ),
            get(plan::versions),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/plan/reviews",
                Learner(Action::RecordReview),
            ),
            post(plan::record_review),
        ),
        (
            spec("GET", "/learners/{id}/ladders", Learner(Action::ViewPlan)),
            get(ladders::show),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/ladders/assess",
                Learner(Action::JudgeRung),
            ),
            get(ladders::assess),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/ladders/{ladder}/judgements",
                Learner(Action::JudgeRung),
            ),
            post(ladders::judge),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/ladders",
                School(OrgAction::ManageLadders),
            ),
            get(ladders::admin),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/ladders/import",
                School(OrgAction::ManageLadders),
            ),
            post(ladders::import).layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/ladders/builtin",
                School(OrgAction::ManageLadders),
            ),
            post(ladders::add_builtin),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/ladders/export/{file}",
                School(OrgAction::ManageLadders),
            ),
            get(ladders::export),
        ),
        (
            spec("GET", "/groups/{id}/ladders/{ladder}", Group),
            get(ladders::group),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/portfolio",
                Learner(Action::ViewPortfolio),
            ),
            get(portfolio::show),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/portfolio",
                Learner(Action::AddEvidence),
            ),
            post(portfolio::add).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/portfolio/{item}",
                Learner(Action::ViewPortfolio),
            ),
            get(portfolio::item),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/portfolio/{item}/{which}",
                Learner(Action::ViewPortfolio),
            ),
            get(portfolio::file),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/portfolio/{item}/curate",
                Learner(Action::CuratePortfolio),
            ),
            post(portfolio::curate),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/portfolio/{item}/remove",
                Learner(Action::CuratePortfolio),
            ),
            post(portfolio::remove),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/showcases",
                Learner(Action::ViewPortfolio),
            ),
            get(portfolio::showcases),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/showcases",
                Learner(Action::CuratePortfolio),
            ),
            post(portfolio::save_showcase),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/showcases/{showcase}",
                Learner(Action::CuratePortfolio),
            ),
            get(portfolio::edit_showcase),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/showcases/{showcase}/present",
                Learner(Action::ViewPortfolio),
            ),
            get(portfolio::present),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/achievements",
                Learner(Action::ViewPlan),
            ),
            get(portfolio::achievements),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/achievements",
                Learner(Action::CuratePortfolio),
            ),
            post(portfolio::add_achievement),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/passport",
                Learner(Action::ViewProfile),
            ),
            get(passport::show),
        ),
        (
            spec(
                "GET",
                "/learners/{id}/passport/download",
                Learner(Action::ExportPassport),
            ),
            get(passport::download),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/passport/import",
                Learner(Action::ImportPassport),
            ),
            post(passport::upload).layer(DefaultBodyLimit::max(PASSPORT_LIMIT)),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/passport/confirm",
                Learner(Action::ImportPassport),
            ),
            post(passport::confirm),
        ),
        (
            spec("GET", "/learners/{id}/reviews", Learner(Action::BookReview)),
            get(reviews::show),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/reviews/book",
                Learner(Action::BookReview),
            ),
            post(reviews::book),
        ),
        (
            spec(
                "POST",
                "/learners/{id}/reviews/cancel",
                Learner(Action::BookReview),
            ),
            post(reviews::cancel),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/reviews",
                School(OrgAction::ManageReviews),
            ),
            get(reviews::admin),
        ),
        (
            spec(
                "POST",
                "/schools/{id}/reviews",
                School(OrgAction::ManageReviews),
            ),
            post(reviews::create),
        ),
        (
            spec(
                "GET",
                "/schools/{id}/reviews/{round}",
                School(OrgAction::ManageReviews),
            ),
            get(reviews::round),
        ),
    ]
}

/// Largest evidence upload: the video and recording limit, plus room for the form.
const UPLOAD_LIMIT: usize = 101 * 1024 * 1024;
/// Largest learning passport uploaded for import.
const PASSPORT_LIMIT: usize = 2_000_000_000;
/// Largest timetable model uploaded (a school of a few thousand pupils).
const MODEL_LIMIT: usize = 16 * 1024 * 1024;
/// Largest ladder file pasted for import.
const IMPORT_LIMIT: usize = 2 * 1024 * 1024;

/// How long a request may take before it is answered "try again later".
const TIMEOUT: Duration = Duration::from_secs(30);
/// Uploads and passports move large files, perhaps over a slow connection: they read the
/// whole body (or build a whole zip) before answering, so they get longer.
const SLOW_TIMEOUT: Duration = Duration::from_secs(15 * 60);
const SLOW: &[(&str, &str)] = &[
    ("POST", "/learners/{id}/portfolio"),
    ("POST", "/learners/{id}/passport/import"),
    ("POST", "/learners/{id}/passport/confirm"),
    ("GET", "/learners/{id}/passport/download"),
    ("POST", "/schools/{id}/timetable/model"),
    // Progress of a solve streams for as long as the solve runs (at most ten minutes).
    ("GET", "/schools/{id}/timetable/runs/{run}/events"),
];

const CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn router(state: AppState) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    for (spec, handler) in inventory() {
        let limit = if SLOW.contains(&(spec.method, spec.path)) {
            SLOW_TIMEOUT
        } else {
            TIMEOUT
        };
        let handler = handler.layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            limit,
        ));
        let merged = match by_path.remove(spec.path) {
            Some(existing) => existing.merge(handler),
            None => handler,
        };
        by_path.insert(spec.path, merged);
    }
    let mut router = Router::new();
    for (path, handler) in by_path {
        router = router.route(path, handler);
    }
    let max_body = state.config.max_body_bytes;
    router
        .route("/api/{*rest}", axum::routing::any(api::not_found))
        .fallback(|| async { crate::error::AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A route given a long timeout must exist, or a renamed route would silently fall
    /// back to the short one.
    #[test]
    fn every_slow_route_is_in_the_inventory() {
        let routes: Vec<(&str, &str)> = inventory()
            .iter()
            .map(|(s, _)| (s.method, s.path))
            .collect();
        for slow in SLOW {
            assert!(routes.contains(slow), "{slow:?}");
        }
    }
}
