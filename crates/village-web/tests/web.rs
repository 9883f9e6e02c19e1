//! HTTP tests of the whole application, in one test binary: each test gets its own copy of
//! the demo database on SQLite and, when `VILLAGE_TEST_PG_URL` is set, on PostgreSQL, and
//! drives the real router in-process.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use jiff::Timestamp;
use std::sync::Arc;
use tower::ServiceExt;
use village_store::testing::backends;
use village_store::{Backend, Store};
use village_web::routes::{inventory, Access};
use village_web::{AppState, FixedClock, WebConfig};

fn start() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

struct TestApp {
    router: Router,
    store: Store,
    clock: FixedClock,
    backend: Backend,
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Resp {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    fn h2s(&self) -> Vec<String> {
        self.body
            .split("<h2")
            .skip(1)
            .filter_map(|s| {
                s.split_once('>')
                    .and_then(|(_, rest)| rest.split_once("</h2>"))
                    .map(|(t, _)| t.to_string())
            })
            .collect()
    }
    /// The text after the first `marker`, up to the next double quote.
    fn after(&self, marker: &str) -> String {
        self.body
            .split(marker)
            .nth(1)
            .unwrap_or_else(|| panic!("`{marker}` not on the page"))
            .split('"')
            .next()
            .unwrap()
            .to_string()
    }
    fn csrf(&self) -> String {
        let (_, rest) = self
            .body
            .split_once("name=\"csrf\" value=\"")
            .expect("a form with a csrf token");
        rest.split('"').next().unwrap().to_string()
    }
}

#[derive(Clone)]
struct Session {
    cookie: String,
    csrf: String,
}

impl TestApp {
    async fn new(backend: Backend) -> TestApp {
        // One real hash for every demo account, made once so every test shares the fixture.
        static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let fixture = village_demo::testing::Fixture {
            seed: 2026,
            history: true,
            password_hash: HASH
                .get_or_init(|| village_web::auth::password::hash("village-demo").unwrap())
                .clone(),
        };
        let store = village_demo::testing::demo_store(backend, &fixture)
            .await
            .unwrap();
        let clock = FixedClock::at(start());
        let state = AppState::new(
            store.clone(),
            WebConfig {
                secure_cookies: false,
                ..WebConfig::default()
            },
            Arc::new(clock.clone()),
        );
        TestApp {
            router: village_web::app(state),
            store,
            clock,
            backend,
        }
    }

    async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), 10_000_000)
            .await
            .unwrap();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).to_string(),
        }
    }

    async fn get(&self, path: &str, s: Option<&Session>) -> Resp {
        let mut b = Request::get(path);
        if let Some(s) = s {
            b = b.header(header::COOKIE, &s.cookie);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    async fn post_form(&self, path: &str, s: Option<&Session>, fields: &[(&str, &str)]) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut b =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(s) = s {
            b = b.header(header::COOKIE, &s.cookie);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    async fn try_sign_in(&self, username: &str, password: &str) -> (Resp, Option<String>) {
        let page = self.get("/signin", None).await;
        let pre = cookie_value(&page, "village_signin").unwrap();
        let token = page.csrf();
        let req = Request::post("/signin")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("village_signin={pre}"))
            .body(Body::from(format!(
                "username={username}&password={}&csrf={token}",
                urlencode(password)
            )))
            .unwrap();
        let resp = self.send(req).await;
        let cookie = cookie_value(&resp, "village_session")
            .filter(|v| !v.is_empty())
            .map(|v| format!("village_session={v}"));
        (resp, cookie)
    }

    async fn sign_in(&self, username: &str) -> Session {
        let (resp, cookie) = self.try_sign_in(username, "village-demo").await;
        assert_eq!(
            resp.status,
            StatusCode::SEE_OTHER,
            "{username}: {}",
            resp.body
        );
        let cookie = cookie.unwrap();
        let home = self
            .get(
                "/account",
                Some(&Session {
                    cookie: cookie.clone(),
                    csrf: String::new(),
                }),
            )
            .await;
        assert_eq!(home.status, StatusCode::OK, "{username}");
        Session {
            cookie,
            csrf: home.csrf(),
        }
    }

    async fn learner_link(&self, s: &Session) -> String {
        let home = self.get("/", Some(s)).await;
        let (_, rest) = home.body.split_once("href=\"/learners/").unwrap();
        let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
        format!("/learners/{id}")
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn cookie_value(resp: &Resp, name: &str) -> Option<String> {
    resp.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))
                .map(|rest| rest.split(';').next().unwrap_or("").to_string())
        })
}

#[tokio::test]
async fn each_role_signs_in_and_sees_a_home_made_for_them() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let mut table = String::new();
        for user in [
            "pupil",
            "parent",
            "parent2",
            "tutor",
            "mentor",
            "teacher",
            "assistant",
            "volunteer",
            "leader",
            "dsl",
            "keyworker",
            "trust",
        ] {
            let s = app.sign_in(user).await;
            let home = app.get("/", Some(&s)).await;
            assert_eq!(home.status, StatusCode::OK);
            assert!(home.body.contains("<h1>Hello, "), "{user}");
            table.push_str(&format!("{user}: {}\n", home.h2s().join(" | ")));
        }
        insta::assert_snapshot!("home_sections", table);
    }
}

#[tokio::test]
async fn pupil_sees_my_people() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let s = app.sign_in("pupil").await;
        let home = app.get("/", Some(&s)).await;
        let people = home
            .body
            .split("My people")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap();
        for word in ["Parent", "Tutor", "Mentor", "Teacher (", "Peer tutor"] {
            assert!(
                people.contains(&format!("<span class=\"rel\">{word}")),
                "{word} missing: {people}"
            );
        }
    }
}

#[tokio::test]
async fn another_familys_child_answers_exactly_like_a_missing_one() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let other = app.sign_in("parent2").await;
        let link = app.learner_link(&other).await;
        assert_eq!(app.get(&link, Some(&other)).await.status, StatusCode::OK);
        let parent = app.sign_in("parent").await;
        let refused = app.get(&link, Some(&parent)).await;
        let missing = app.get("/learners/999999999", Some(&parent)).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert_eq!(refused.status, missing.status);
        assert_eq!(refused.body, missing.body);
        assert!(refused.body.contains("<h1>Page not found</h1>"));
        // The API answers the same way, as a problem document.
        let api = app.get(&format!("/api/v1{link}"), Some(&parent)).await;
        let api_missing = app.get("/api/v1/learners/999999999", Some(&parent)).await;
        assert_eq!(api.status, StatusCode::NOT_FOUND);
        assert_eq!(api.body, api_missing.body);
        assert_eq!(
            api.headers[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}

fn fill(path: &str, id: &str) -> String {
    path.replace("{id}", id)
        .replace("{rel}", "1")
        .replace("{person}", "1")
        .replace("{target}", "1")
        .replace("{ladder}", "1")
        .replace("{item}", "1")
        .replace("{which}", "file")
        .replace("{showcase}", "1")
        .replace("{round}", "1")
        .replace("{file}", "ladders.json")
        .replace("{run}", "1")
        .replace("{link}", "1")
        .replace("{date}", "2026-11-24")
        .replace("{token}", "not-a-calendar-link-at-all.ics")
}

/// Walks every route in the inventory and shows that each is protected as declared: signed
/// out, it asks to sign in; signed in without a relationship, learner, school and group
/// routes answer 404 and the refusal is audited.
#[tokio::test]
async fn every_route_goes_through_the_policy() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pupil = app.sign_in("pupil").await;
        let pupil_id = app
            .learner_link(&pupil)
            .await
            .trim_start_matches("/learners/")
            .to_string();
        let school = app.sign_in("leader").await;
        let school_id = app.school_of(&school).await;
        let group_id = app
            .get(&format!("/schools/{school_id}"), Some(&school))
            .await
            .body
            .split("href=\"/groups/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let team_id = app
            .get(&format!("/schools/{school_id}/challenges"), Some(&school))
            .await
            .body
            .split("href=\"/challenges/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let stranger = app.sign_in("parent2").await;
        let mut checked = 0;
        for (spec, _) in inventory() {
            let id = match spec.access {
                Access::School(_) => school_id.clone(),
                Access::Group => group_id.clone(),
                Access::Team => team_id.clone(),
                _ => pupil_id.clone(),
            };
            let path = fill(spec.path, &id);
            let send = |s: Option<Session>| {
                let path = path.clone();
                let app = &app;
                async move {
                    let mut req = Request::builder().method(spec.method).uri(&path);
                    if let Some(s) = &s {
                        req = req
                            .header(header::COOKIE, &s.cookie)
                            .header("x-csrf-token", &s.csrf);
                    }
                    let body = match &s {
                        Some(s) if spec.method == "POST" && !path.starts_with("/api/") => {
                            req = req
                                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                            Body::from(format!(
                                "csrf={}&body=x&kind=support&require_staff_mfa=1",
                                s.csrf
                            ))
                        }
                        _ => Body::empty(),
                    };
                    app.send(req.body(body).unwrap()).await
                }
            };
            match spec.access {
                Access::Public => {
                    let r = send(None).await;
                    assert!(
                        !r.status.is_server_error(),
                        "{} {}: {}",
                        spec.method,
                        spec.path,
                        r.status
                    );
                }
                Access::Pending | Access::SignedIn => {
                    let r = send(None).await;
                    assert!(
                        r.status == StatusCode::SEE_OTHER && r.location() == "/signin"
                            || r.status == StatusCode::UNAUTHORIZED,
                        "{} {} answered {} to a signed-out request",
                        spec.method,
                        spec.path,
                        r.status
                    );
                }
                Access::Learner(_) | Access::School(_) | Access::Group | Access::Team => {
                    let r = send(None).await;
                    assert!(
                        r.status == StatusCode::SEE_OTHER || r.status == StatusCode::UNAUTHORIZED,
                        "{} {} signed out: {}",
                        spec.method,
                        spec.path,
                        r.status
                    );
                    let before = app.store.verify_audit_chain().await.unwrap().entries;
                    let r = send(Some(stranger.clone())).await;
                    assert_eq!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{} {} as a stranger: {}",
                        spec.method,
                        spec.path,
                        r.body
                    );
                    let after = app.store.verify_audit_chain().await.unwrap().entries;
                    assert!(
                        after > before,
                        "{} {}: the refusal was not audited",
                        spec.method,
                        spec.path
                    );
                }
            }
            checked += 1;
        }
        assert_eq!(checked, inventory().len());
        assert!(checked >= 35, "{checked}");
        let _ = app.backend;
    }
}

#[tokio::test]
async fn disabling_an_account_or_ending_a_relationship_takes_effect_on_the_next_request() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let leader = app.sign_in("leader").await;
        let tutor = app.sign_in("tutor").await;
        let teacher = app.sign_in("teacher").await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        assert!(app
            .get(&link, Some(&tutor))
            .await
            .body
            .contains("Well-being and support notes"));

        // The leader ends the tutor relationship: the tutor loses the tutor-only parts now.
        let rels = app
            .get(&format!("{link}/relationships"), Some(&leader))
            .await;
        assert_eq!(rels.status, StatusCode::OK);
        let tutor_row = rels
            .body
            .split("<tr>")
            .find(|row| row.contains(">Tutor<"))
            .unwrap();
        let action = tutor_row
            .split("action=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let ended = app
            .post_form(action, Some(&leader), &[("csrf", &leader.csrf)])
            .await;
        assert_eq!(ended.status, StatusCode::SEE_OTHER);
        let after = app.get(&link, Some(&tutor)).await;
        assert!(
            !after.body.contains("Well-being and support notes"),
            "{}",
            after.status
        );

        // The leader disables the teacher: their open session is refused at once.
        let school = app.school_of(&leader).await;
        let people = app
            .get(&format!("/schools/{school}/people?q="), Some(&leader))
            .await;
        assert_eq!(people.status, StatusCode::OK);
        let teacher_id = app
            .store
            .account_by_username(&village_domain::person::Username::parse("teacher").unwrap())
            .await
            .unwrap()
            .unwrap()
            .person;
        let r = app
            .post_form(
                &format!("/schools/{school}/people/{teacher_id}/disable"),
                Some(&leader),
                &[("csrf", &leader.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = app.get("/", Some(&teacher)).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/signin"));
        let (r, _) = app.try_sign_in("teacher", "village-demo").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("or password didn"), "{}", r.body);
    }
}

#[tokio::test]
async fn sessions_time_out_when_idle_and_after_their_lifetime() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let s = app.sign_in("pupil").await;
        app.clock.advance(29 * 60);
        assert_eq!(app.get("/", Some(&s)).await.status, StatusCode::OK);
        app.clock.advance(31 * 60);
        assert_eq!(
            app.get("/", Some(&s)).await.location(),
            "/signin",
            "idle for 31 minutes"
        );

        let s = app.sign_in("pupil").await;
        for _ in 0..25 {
            app.clock.advance(29 * 60);
            if app.get("/", Some(&s)).await.status != StatusCode::OK {
                break;
            }
        }
        // 25 × 29 minutes is past the 12-hour lifetime, however active the session was.
        assert_eq!(app.get("/", Some(&s)).await.location(), "/signin");
    }
}

#[tokio::test]
async fn every_form_needs_its_csrf_token() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let leader = app.sign_in("leader").await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        for path in [
            format!("{link}/notes"),
            "/signout".to_string(),
            "/account/password".to_string(),
            "/account/two-factor".to_string(),
        ] {
            let r = app
                .post_form(
                    &path,
                    Some(&leader),
                    &[("csrf", "forged"), ("body", "x"), ("kind", "support")],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
            assert!(r.body.contains("This form has expired"), "{path}");
        }
        // The API wants the token in a header.
        let r = app
            .send(
                Request::delete("/api/v1/session")
                    .header(header::COOKIE, &leader.cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    }
}

#[tokio::test]
async fn sign_in_is_rate_limited_and_speaks_plainly() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let (r, cookie) = app.try_sign_in("pupil", "wrong-password").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(cookie.is_none());
        assert!(
            r.body.contains("value=\"pupil\""),
            "the username typed is kept"
        );
        let (r, _) = app.try_sign_in("nobody-at-all", "wrong-password").await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown usernames look the same"
        );
        let (r, _) = app.try_sign_in("bad name!", "x").await;
        assert!(r.body.contains("only letters, numbers"));
        for _ in 0..4 {
            app.try_sign_in("pupil", "wrong-password").await;
        }
        let (r, cookie) = app.try_sign_in("pupil", "village-demo").await;
        assert_eq!(
            r.status,
            StatusCode::TOO_MANY_REQUESTS,
            "right password, but too many tries"
        );
        assert!(cookie.is_none());
        app.clock.advance(16 * 60);
        let (r, cookie) = app.try_sign_in("pupil", "village-demo").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(cookie.is_some());
    }
}

#[tokio::test]
async fn a_school_can_require_two_step_sign_in_for_staff() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let r = app
            .post_form(
                &format!("/schools/{school}/settings"),
                Some(&leader),
                &[("csrf", &leader.csrf), ("require_staff_mfa", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);

        // A teacher with only a password cannot reach any record: first they must enrol.
        let (r, cookie) = app.try_sign_in("teacher", "village-demo").await;
        assert_eq!(r.location(), "/signin/two-factor");
        let s = Session {
            cookie: cookie.unwrap(),
            csrf: String::new(),
        };
        assert_eq!(
            app.get("/", Some(&s)).await.location(),
            "/signin/two-factor"
        );
        let enrol = app.get("/signin/two-factor", Some(&s)).await;
        assert!(enrol.body.contains("Set up your sign-in code"));
        let secret = enrol
            .body
            .split("Key: <code>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        let s = Session {
            csrf: enrol.csrf(),
            ..s
        };
        let wrong = app
            .post_form(
                "/signin/two-factor",
                Some(&s),
                &[("csrf", &s.csrf), ("code", "000000")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let now = app.clock_now();
        let code = village_web::auth::totp::code_at(&secret, now).unwrap();
        let ok = app
            .post_form(
                "/signin/two-factor",
                Some(&s),
                &[("csrf", &s.csrf), ("code", &code)],
            )
            .await;
        assert_eq!(ok.location(), "/");
        assert_eq!(app.get("/", Some(&s)).await.status, StatusCode::OK);

        // Next time the code is asked for, and the same code cannot be used twice.
        app.clock.advance(5);
        let (r, cookie) = app.try_sign_in("teacher", "village-demo").await;
        assert_eq!(r.location(), "/signin/two-factor");
        let s2 = Session {
            cookie: cookie.unwrap(),
            csrf: String::new(),
        };
        let page = app.get("/signin/two-factor", Some(&s2)).await;
        assert!(page.body.contains("Enter your sign-in code"));
        let s2 = Session {
            csrf: page.csrf(),
            ..s2
        };
        let replay = app
            .post_form(
                "/signin/two-factor",
                Some(&s2),
                &[("csrf", &s2.csrf), ("code", &code)],
            )
            .await;
        assert_eq!(replay.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(replay.body.contains("already used"));
        app.clock.advance(30);
        let fresh = village_web::auth::totp::code_at(&secret, app.clock_now()).unwrap();
        let ok = app
            .post_form(
                "/signin/two-factor",
                Some(&s2),
                &[("csrf", &s2.csrf), ("code", &fresh)],
            )
            .await;
        assert_eq!(ok.location(), "/");

        // Pupils are not staff: a password is enough for them.
        let (r, _) = app.try_sign_in("pupil", "village-demo").await;
        assert_eq!(r.location(), "/");
    }
}

impl TestApp {
    /// The id of the first school linked from this person's home page.
    async fn school_of(&self, s: &Session) -> String {
        let home = self.get("/", Some(s)).await;
        home.body
            .split("href=\"/schools/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string()
    }

    /// The mentor ids offered in the first choice list of a mentoring page.
    fn mentor_options(page: &Resp) -> Vec<String> {
        page.body
            .split("id=\"choice1\"")
            .nth(1)
            .unwrap()
            .split("</select>")
            .next()
            .unwrap()
            .split("<option value=\"")
            .skip(2)
            .map(|o| o.split('"').next().unwrap().to_string())
            .collect()
    }

    fn clock_now(&self) -> i64 {
        use village_web::Clock;
        self.clock.now().as_second()
    }
}

#[tokio::test]
async fn bad_input_gets_plain_words_and_never_a_server_error() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let tutor = app.sign_in("tutor").await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        // An empty note keeps nothing and says what to do.
        let r = app
            .post_form(
                &format!("{link}/notes"),
                Some(&tutor),
                &[("csrf", &tutor.csrf), ("kind", "support"), ("body", "   ")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Please write the note"));
        // Script in a note is stored as text and shown escaped.
        let r = app
            .post_form(
                &format!("{link}/notes"),
                Some(&tutor),
                &[
                    ("csrf", &tutor.csrf),
                    ("kind", "support"),
                    ("body", "<script>alert(1)</script>"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = app.get(&link, Some(&tutor)).await;
        assert!(!page.body.contains("<script>alert(1)</script>"));
        assert!(
            page.body.contains("&#60;script&#62;alert(1)"),
            "shown as text"
        );
        // A body over the limit.
        let big = "x".repeat(100_000);
        let r = app
            .post_form(
                &format!("{link}/notes"),
                Some(&tutor),
                &[("csrf", &tutor.csrf), ("kind", "support"), ("body", &big)],
            )
            .await;
        assert!(r.status.is_client_error(), "{}", r.status);
        assert!(r.body.contains("more than we can accept"));
        // Broken form encoding, odd ids, odd queries.
        let req = Request::post(format!("{link}/notes"))
            .header(header::COOKIE, &tutor.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("csrf=%ZZ&&=="))
            .unwrap();
        assert!(app.send(req).await.status.is_client_error());
        for path in [
            "/learners/-1",
            "/learners/0",
            "/learners/1e9",
            "/learners/99999999999999999999",
            "/groups/x",
            "/schools/%00",
        ] {
            assert_eq!(
                app.get(path, Some(&tutor)).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let r = app
            .get(
                &format!("/api/v1{link}/attendance?from=yesterday"),
                Some(&pupil),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("YYYY-MM-DD"));
        let r = app.get("/api/v1/learners?limit=100000", Some(&tutor)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .send(
                Request::post("/api/v1/session")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{not json"))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST.max(r.status));
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(
            app.get("/api/v1/nothing-here", Some(&tutor)).await.headers[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}

#[tokio::test]
async fn the_api_signs_in_and_lists_only_what_the_policy_allows() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let r = app
            .send(
                Request::post("/api/v1/session")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(
                        r#"{"username":"tutor","password":"village-demo"}"#,
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let cookie = format!(
            "village_session={}",
            cookie_value(&r, "village_session").unwrap()
        );
        let s = Session {
            cookie,
            csrf: String::new(),
        };
        let me: serde_json::Value =
            serde_json::from_str(&app.get("/api/v1/me", Some(&s)).await.body).unwrap();
        let tutees = me["home"]["tutor_group"].as_array().unwrap().len();
        assert!(tutees > 5);
        let list: serde_json::Value =
            serde_json::from_str(&app.get("/api/v1/learners?limit=500", Some(&s)).await.body)
                .unwrap();
        let total = list["total"].as_i64().unwrap();
        assert!(
            total as usize >= tutees,
            "the tutor sees at least their tutor group"
        );
        for l in list["learners"].as_array().unwrap().iter().take(20) {
            let id = l["id"].as_i64().unwrap();
            assert_eq!(
                app.get(&format!("/api/v1/learners/{id}"), Some(&s))
                    .await
                    .status,
                StatusCode::OK
            );
        }
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let doc: serde_json::Value = serde_json::from_str(village_web::pages::system::OPENAPI).unwrap();
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    for (spec, _) in inventory() {
        if !spec.path.starts_with("/api/") {
            continue;
        }
        let op = &doc["paths"][spec.path][spec.method.to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} is not in openapi.json",
            spec.method,
            spec.path
        );
    }
}

#[tokio::test]
async fn pages_carry_security_headers_and_pupils_see_who_looked() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let parent = app.sign_in("parent").await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        let r = app.get(&link, Some(&parent)).await;
        assert_eq!(r.status, StatusCode::OK);
        for h in [
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
        ] {
            assert!(r.headers.contains_key(h), "{h}");
        }
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
        let log = app.get(&format!("{link}/who-looked"), Some(&pupil)).await;
        assert_eq!(log.status, StatusCode::OK);
        assert!(
            log.body
                .contains("Parent or carer with parental responsibility"),
            "{}",
            log.body
        );
        assert!(app
            .get("/metrics", None)
            .await
            .body
            .contains("village_http_requests_total"));
        assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
        assert_eq!(
            app.store.verify_audit_chain().await.unwrap().broken_at,
            None
        );
    }
}

/// Security goal 4: no data crosses between schools. Canary strings are planted in one
/// school's records; staff and families of another school crawl every page and API list
/// they can reach, and no canary may appear.
#[tokio::test]
async fn no_school_sees_another_schools_canaries() {
    for b in backends() {
        let app = TestApp::new(b).await;
        // Brookside Primary is the demo's first school. Mark its pupils' names and notes.
        let primary = app
            .store
            .orgs_of_kind(village_domain::org::OrgKind::School)
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.name.starts_with("Brookside"))
            .unwrap();
        app.store
            .raw_execute(&format!("UPDATE people SET family_name = 'Canaryprimary' WHERE id IN (SELECT person_id FROM learners WHERE org_id = {})", primary.id))
            .await
            .unwrap();
        app.store
            .raw_execute(&format!(
                "INSERT INTO support_notes (org_id, learner_id, kind, body, written_by, written_at)
                 SELECT {0}, person_id, 'support', 'CANARY-NOTE-PRIMARY', person_id, 0 FROM learners WHERE org_id = {0}",
                primary.id
            ))
            .await
            .unwrap();
        // People of the secondary only (the "parent" persona has a child at the primary, so
        // is left out on purpose; "assistant" too).
        for user in [
            "parent2",
            "pupil",
            "tutor",
            "mentor",
            "teacher",
            "volunteer",
            "leader",
            "dsl",
            "keyworker",
        ] {
            let s = app.sign_in(user).await;
            let mut queue = vec![
                "/".to_string(),
                "/api/v1/me".to_string(),
                "/api/v1/learners?limit=500".to_string(),
            ];
            let mut seen = std::collections::HashSet::new();
            while let Some(path) = queue.pop() {
                if !seen.insert(path.clone()) || seen.len() > 150 {
                    continue;
                }
                let r = app.get(&path, Some(&s)).await;
                assert!(!r.status.is_server_error(), "{user} {path}");
                assert!(
                    !r.body.contains("Canaryprimary") && !r.body.contains("CANARY-NOTE"),
                    "{user} saw another school's data at {path}"
                );
                for piece in r.body.split("href=\"").skip(1) {
                    let link = piece.split('"').next().unwrap_or("").replace("&amp;", "&");
                    if link.starts_with('/')
                        && !link.starts_with("/static")
                        && !seen.contains(&link)
                    {
                        queue.push(link);
                    }
                }
            }
            assert!(seen.len() > 3, "{user} crawled only {} pages", seen.len());
        }
        // And the parent with a child at the primary does see that child's name.
        let parent = app.sign_in("parent").await;
        assert!(app
            .get("/", Some(&parent))
            .await
            .body
            .contains("Canaryprimary"));
    }
}

#[tokio::test]
async fn a_pupil_ranks_mentors_and_a_mentor_logs_a_session_with_a_private_part() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        let page = app.get(&format!("{link}/mentor"), Some(&pupil)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Choose your mentor"));
        let options = TestApp::mentor_options(&page);
        assert!(options.len() >= 3, "{options:?}");
        // The same mentor twice is refused in plain words, and nothing is saved.
        let r = app
            .post_form(
                &format!("{link}/mentor/choices"),
                Some(&pupil),
                &[
                    ("csrf", &pupil.csrf),
                    ("choice1", &options[0]),
                    ("choice2", &options[0]),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("same mentor twice"));
        let r = app
            .post_form(
                &format!("{link}/mentor/choices"),
                Some(&pupil),
                &[
                    ("csrf", &pupil.csrf),
                    ("choice1", &options[2]),
                    ("choice2", &options[0]),
                    ("choice3", &options[1]),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = app
            .get(&format!("{link}/mentor?done=choices"), Some(&pupil))
            .await;
        assert!(page.body.contains("Your choices are saved"));
        assert!(page
            .body
            .contains(&format!("<option value=\"{}\" selected>", options[2])));
        // A parent may choose too; a teacher may not.
        let teacher = app.sign_in("teacher").await;
        let r = app
            .post_form(
                &format!("{link}/mentor/choices"),
                Some(&teacher),
                &[("csrf", &teacher.csrf), ("choice1", &options[0])],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // The mentor records a session with a shared and a private part.
        let mentor = app.sign_in("mentor").await;
        let form = app.get(&format!("{link}/mentor"), Some(&mentor)).await;
        assert!(form.body.contains("Record a session"));
        let bad = app
            .post_form(
                &format!("{link}/mentor/sessions"),
                Some(&mentor),
                &[
                    ("csrf", &mentor.csrf),
                    ("held_on", "2099-01-01"),
                    ("minutes", "15"),
                    ("shared", "x"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("in the future"));
        let r = app
            .post_form(
                &format!("{link}/mentor/sessions"),
                Some(&mentor),
                &[
                    ("csrf", &mentor.csrf),
                    ("held_on", "2026-11-23"),
                    ("minutes", "20"),
                    ("shared", "AGREED-READ-EACH-NIGHT"),
                    ("private", "PRIVATE-WORRIED-ABOUT-SLEEP"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mine = app.get(&format!("{link}/mentor"), Some(&mentor)).await;
        assert!(
            mine.body.contains("AGREED-READ-EACH-NIGHT")
                && mine.body.contains("PRIVATE-WORRIED-ABOUT-SLEEP")
        );
        for who in [
            &pupil,
            &app.sign_in("parent").await,
            &app.sign_in("leader").await,
        ] {
            let seen = app.get(&format!("{link}/mentor"), Some(who)).await;
            assert!(seen.body.contains("AGREED-READ-EACH-NIGHT"));
            assert!(
                !seen.body.contains("PRIVATE-WORRIED-ABOUT-SLEEP"),
                "the private part is the mentor's own"
            );
        }
        let api = app.get(&format!("/api/v1{link}"), Some(&pupil)).await;
        assert!(!api.body.contains("PRIVATE-WORRIED"));
    }
}

#[tokio::test]
async fn a_leader_finds_a_learner_with_an_overdue_mentor_session_in_the_gaps_report() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let report = app
            .get(&format!("/schools/{school}/gaps"), Some(&leader))
            .await;
        assert_eq!(report.status, StatusCode::OK);
        assert!(report.body.contains("No mentor session for six weeks"));
        let row = report
            .body
            .split("<tr>")
            .find(|r| r.contains("No mentor session for six weeks"))
            .unwrap();
        let learner = row
            .split("href=\"/learners/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string();
        // Their mentoring page confirms it: the last session is more than six weeks old.
        let page = app
            .get(&format!("/learners/{learner}/mentor"), Some(&leader))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        // Filters work and bad filters are explained.
        let sen = app
            .get(
                &format!("/schools/{school}/gaps?need=ehc_plan&year=8"),
                Some(&leader),
            )
            .await;
        assert_eq!(sen.status, StatusCode::OK);
        let bad = app
            .get(
                &format!("/schools/{school}/gaps?year=banana"),
                Some(&leader),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Teachers do not get the whole school's report.
        let teacher = app.sign_in("teacher").await;
        assert_eq!(
            app.get(&format!("/schools/{school}/gaps"), Some(&teacher))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn after_the_assignment_the_pupil_sees_their_mentor_and_the_reason() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        let page = app.get(&format!("{link}/mentor"), Some(&pupil)).await;
        let options = TestApp::mentor_options(&page);
        let r = app
            .post_form(
                &format!("{link}/mentor/choices"),
                Some(&pupil),
                &[
                    ("csrf", &pupil.csrf),
                    ("choice1", &options[3]),
                    ("choice2", &options[1]),
                    ("choice3", &options[2]),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let admin = app
            .get(&format!("/schools/{school}/mentoring"), Some(&leader))
            .await;
        assert_eq!(admin.status, StatusCode::OK);
        assert!(admin.body.contains("have chosen mentors"));
        let run = app
            .post_form(
                &format!("/schools/{school}/mentoring/run"),
                Some(&leader),
                &[("csrf", &leader.csrf)],
            )
            .await;
        assert_eq!(run.status, StatusCode::SEE_OTHER, "{}", run.body);
        let done = app.get(run.location(), Some(&leader)).await;
        assert!(
            done.body.contains("pupils got their first choice"),
            "{}",
            done.body
        );
        let mine = app.get(&format!("{link}/mentor"), Some(&pupil)).await;
        assert!(
            mine.body.contains("You got your first choice"),
            "{}",
            mine.body
        );
        // The pupil's home shows the new mentor among their people.
        let chosen_name = mine
            .body
            .split("<option value=\"")
            .find(|o| o.starts_with(&options[3]))
            .unwrap()
            .split('>')
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        let home = app.get("/", Some(&pupil)).await;
        assert!(home.body.contains(&chosen_name), "{chosen_name}");
        // A leader overrides with a reason the family sees; a blank reason is refused.
        let bad = app
            .post_form(
                &format!("{link}/mentor/override"),
                Some(&leader),
                &[
                    ("csrf", &leader.csrf),
                    ("mentor", &options[1]),
                    ("reason", " "),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ok = app
            .post_form(
                &format!("{link}/mentor/override"),
                Some(&leader),
                &[
                    ("csrf", &leader.csrf),
                    ("mentor", &options[1]),
                    ("reason", "Same club on Thursdays"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let after = app.get(&format!("{link}/mentor"), Some(&pupil)).await;
        assert!(after.body.contains("Same club on Thursdays"));
        // Only leaders may run or override.
        let tutor = app.sign_in("tutor").await;
        let r = app
            .post_form(
                &format!("/schools/{school}/mentoring/run"),
                Some(&tutor),
                &[("csrf", &tutor.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_peer_tutor_logs_sessions_and_it_becomes_an_achievement() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let tutor = app.sign_in("peertutor").await;
        let home = app.get("/", Some(&tutor)).await;
        assert!(
            home.body.contains("Peer tutoring"),
            "{}",
            home.h2s().join("|")
        );
        let section = home.body.split("Peer tutoring").nth(1).unwrap();
        let action = section
            .split("action=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let pair = section
            .split("name=\"pair\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        // Empty feedback is refused in plain words.
        let r = app
            .post_form(
                &action,
                Some(&tutor),
                &[("csrf", &tutor.csrf), ("pair", &pair), ("feedback", " ")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .post_form(
                &action,
                Some(&tutor),
                &[
                    ("csrf", &tutor.csrf),
                    ("pair", &pair),
                    ("feedback", "We read two chapters"),
                ],
            )
            .await;
        assert_eq!(r.location(), "/?done=achievement", "{}", r.body);
        let me = app.learner_link(&tutor).await;
        let record = app.get(&me, Some(&tutor)).await;
        assert!(record.body.contains("Record of achievement"));
        assert!(
            record.body.contains("Peer tutor: Reading partners"),
            "{}",
            record.body
        );
        // The tutee logs their side; nobody else can log for the pair.
        let tutee = app.sign_in("tutee").await;
        let r = app
            .post_form(
                &action,
                Some(&tutee),
                &[
                    ("csrf", &tutee.csrf),
                    ("pair", &pair),
                    ("feedback", "It helped"),
                ],
            )
            .await;
        assert_eq!(r.location(), "/?done=peer-session");
        let stranger = app.sign_in("pupil").await;
        let r = app
            .post_form(
                &action,
                Some(&stranger),
                &[("csrf", &stranger.csrf), ("pair", &pair), ("feedback", "x")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // The peer tutor can log sessions but still cannot read the tutee's record.
        let tutee_record = action.trim_end_matches("/peer-sessions").to_string();
        assert_eq!(
            app.get(&tutee_record, Some(&tutor)).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_leader_matches_a_programme_and_rematches_when_a_tutor_leaves() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let page = app
            .get(&format!("/schools/{school}/peer"), Some(&leader))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let run = page
            .body
            .split("action=\"")
            .find(|a| a.contains("/run\""))
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = app
            .post_form(&run, Some(&leader), &[("csrf", &leader.csrf)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("tutees matched"), "{}", r.body);
        // Every pair row explains itself.
        assert!(
            r.body.contains("steps ahead")
                || r.body.contains("step ahead")
                || r.body.contains("older"),
            "{}",
            r.body
        );
        let leave = r
            .body
            .split("action=\"")
            .find(|a| a.contains("/leave\""))
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let tutor = r
            .body
            .split(&format!("action=\"{leave}\""))
            .nth(1)
            .unwrap()
            .split("name=\"tutor\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = app
            .post_form(
                &leave,
                Some(&leader),
                &[("csrf", &leader.csrf), ("tutor", &tutor)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Rematched"), "{}", r.body);
        // A new programme with bad input is refused and nothing is created.
        let r = app
            .post_form(
                &format!("/schools/{school}/peer"),
                Some(&leader),
                &[
                    ("csrf", &leader.csrf),
                    ("name", "Maths pairs"),
                    ("subject", "Mathematics"),
                    ("tutor_year", "15"),
                    ("tutee_year", "7"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!r.body.contains(">Maths pairs<"));
        let r = app
            .post_form(
                &format!("/schools/{school}/peer"),
                Some(&leader),
                &[
                    ("csrf", &leader.csrf),
                    ("name", "Maths pairs"),
                    ("subject", "Mathematics"),
                    ("tutor_year", "9"),
                    ("tutee_year", "7"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(app
            .get(&format!("/schools/{school}/peer"), Some(&leader))
            .await
            .body
            .contains(">Maths pairs<"));
    }
}

#[tokio::test]
async fn mentors_see_which_mentees_are_due_a_session() {
    for b in backends() {
        let app = TestApp::new(b).await;
        // Seven weeks on, with no new sessions, every mentee is due.
        app.clock.advance(49 * 24 * 3600);
        let mentor = app.sign_in("mentor").await;
        let home = app.get("/", Some(&mentor)).await;
        let section = home
            .body
            .split("My mentees")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap();
        assert!(section.contains("Due a session"), "{section}");
        let due = section
            .split("Due a session")
            .nth(1)
            .unwrap()
            .split("</div>")
            .next()
            .unwrap();
        let first = due
            .split("href=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        // Logging a session takes that mentee off the list.
        let page = app.get(&first, Some(&mentor)).await;
        assert!(page.body.contains("Record a session"));
        let today = page
            .body
            .split("name=\"held_on\"")
            .nth(1)
            .unwrap()
            .split("value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let action = first.replace("/mentor", "/mentor/sessions");
        let r = app
            .post_form(
                &action,
                Some(&mentor),
                &[
                    ("csrf", &mentor.csrf),
                    ("held_on", &today),
                    ("minutes", "15"),
                    ("shared", "Caught up on the half term"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let home = app.get("/", Some(&mentor)).await;
        let due_now = home
            .body
            .split("My mentees")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap();
        assert!(
            !due_now.contains(&format!("href=\"{first}\"")),
            "the mentee just seen is no longer due"
        );
    }
}

#[tokio::test]
async fn a_pupil_ranks_challenges_and_sees_their_team() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        let page = app.get(&format!("{link}/challenges"), Some(&pupil)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Choose your challenges"));
        let options: Vec<String> = page
            .body
            .split("id=\"c1\"")
            .nth(1)
            .unwrap()
            .split("</select>")
            .next()
            .unwrap()
            .split("<option value=\"")
            .skip(2)
            .map(|o| o.split('"').next().unwrap().to_string())
            .collect();
        assert_eq!(options.len(), 40, "the demo menu has forty challenges");
        let dup = app
            .post_form(
                &format!("{link}/challenges"),
                Some(&pupil),
                &[
                    ("csrf", &pupil.csrf),
                    ("c1", &options[0]),
                    ("c2", &options[0]),
                ],
            )
            .await;
        assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(dup.body.contains("same challenge twice"));
        let ok = app
            .post_form(
                &format!("{link}/challenges"),
                Some(&pupil),
                &[
                    ("csrf", &pupil.csrf),
                    ("c1", &options[5]),
                    ("c2", &options[6]),
                    ("c3", &options[7]),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK);
        assert!(ok.body.contains("Your choices are saved"));

        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let admin = app
            .get(&format!("/schools/{school}/challenges"), Some(&leader))
            .await;
        assert_eq!(admin.status, StatusCode::OK);
        let formed = app
            .post_form(
                &format!("/schools/{school}/challenges/8/teams"),
                Some(&leader),
                &[("csrf", &leader.csrf)],
            )
            .await;
        assert_eq!(formed.status, StatusCode::OK, "{}", formed.body);
        assert!(formed.body.contains("pupils placed in"), "{}", formed.body);

        let mine = app.get(&format!("{link}/challenges"), Some(&pupil)).await;
        assert!(mine.body.contains("Your team"), "{}", mine.body);
        let team = mine
            .body
            .split("href=\"/challenges/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let team_page = app.get(&format!("/challenges/{team}"), Some(&pupil)).await;
        assert_eq!(team_page.status, StatusCode::OK);
        assert!(team_page.body.contains("Open day: "), "{}", team_page.body);
        let show = app
            .get(
                &format!("/schools/{school}/challenges/8/showcase"),
                Some(&leader),
            )
            .await;
        assert_eq!(show.status, StatusCode::OK);
        assert!(
            show.body.contains("open day") && show.body.contains("Team:"),
            "{}",
            show.body
        );
        // Another family's parent cannot open the team page; the leader marks it complete
        // and every member gets it in their record of achievement.
        let other = app.sign_in("parent2").await;
        assert_eq!(
            app.get(&format!("/challenges/{team}"), Some(&other))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = app
            .post_form(
                &format!("/challenges/{team}/complete"),
                Some(&leader),
                &[("csrf", &leader.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let record = app.get(&link, Some(&pupil)).await;
        assert!(
            record.body.contains("Personal challenge: "),
            "{}",
            record.body
        );
    }
}

#[tokio::test]
async fn a_booked_mentor_meeting_reminds_the_pupil_and_the_mentor() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        let mentor = app.sign_in("mentor").await;
        let bad = app
            .post_form(
                &format!("{link}/mentor/meetings"),
                Some(&mentor),
                &[
                    ("csrf", &mentor.csrf),
                    ("meets_on", "2020-01-01"),
                    ("place", "Library"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("That date has passed"));
        let r = app
            .post_form(
                &format!("{link}/mentor/meetings"),
                Some(&mentor),
                &[
                    ("csrf", &mentor.csrf),
                    ("meets_on", "2026-11-24"),
                    ("place", "Room 12"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let home = app.get("/", Some(&pupil)).await;
        assert!(
            home.body.contains("Next meeting with your mentor"),
            "{}",
            home.body
        );
        assert!(home.body.contains("Room 12"));
        let mhome = app.get("/", Some(&mentor)).await;
        assert!(mhome.body.contains("Meetings this week") && mhome.body.contains("Room 12"));
        // Only the pupil's mentor books meetings.
        let tutor = app.sign_in("tutor").await;
        let r = app
            .post_form(
                &format!("{link}/mentor/meetings"),
                Some(&tutor),
                &[
                    ("csrf", &tutor.csrf),
                    ("meets_on", "2026-11-24"),
                    ("place", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn mentors_state_their_capacity() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let mentor = app.sign_in("mentor").await;
        let page = app.get("/account/mentor-profile", Some(&mentor)).await;
        assert_eq!(page.status, StatusCode::OK);
        let bad = app
            .post_form(
                "/account/mentor-profile",
                Some(&mentor),
                &[
                    ("csrf", &mentor.csrf),
                    ("about", "Hi"),
                    ("interests", "Chess"),
                    ("capacity", "0"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("from 1 to 40"));
        let ok = app
            .post_form(
                "/account/mentor-profile",
                Some(&mentor),
                &[
                    ("csrf", &mentor.csrf),
                    ("about", "I coach chess."),
                    ("interests", "Chess"),
                    ("capacity", "12"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        // Pupils see the new words when they choose.
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        assert!(app
            .get(&format!("{link}/mentor"), Some(&pupil))
            .await
            .body
            .contains("I coach chess."));
        // Someone who is not a mentor has no profile to edit.
        let parent = app.sign_in("parent").await;
        assert_eq!(
            app.get("/account/mentor-profile", Some(&parent))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_leader_sets_how_often_mentors_meet() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let page = app
            .get(&format!("/schools/{school}/mentoring"), Some(&leader))
            .await;
        assert!(page
            .body
            .contains("at least 2 times each half term, for 15 minutes"));
        let bad = app
            .post_form(
                &format!("/schools/{school}/mentoring/cadence"),
                Some(&leader),
                &[("csrf", &leader.csrf), ("sessions", "9"), ("minutes", "15")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ok = app
            .post_form(
                &format!("/schools/{school}/mentoring/cadence"),
                Some(&leader),
                &[("csrf", &leader.csrf), ("sessions", "3"), ("minutes", "20")],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let mentor = app.sign_in("mentor").await;
        let home = app.get("/", Some(&mentor)).await;
        assert!(
            home.body
                .contains("have had 3 sessions of 20 minutes or more this half term"),
            "{}",
            home.body
        );
    }
}

/// The revision a plan page's forms carry.
fn revision_of(page: &Resp) -> String {
    let (_, rest) = page
        .body
        .split_once("name=\"revision\" value=\"")
        .expect("a plan form");
    rest.split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn a_plan_is_agreed_by_pupil_tutor_and_parent_and_changes_open_a_new_version() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        let plan = format!("{link}/plan");
        let page = app.get(&plan, Some(&pupil)).await;
        assert_eq!(page.status, StatusCode::OK);
        // The demo pupil's first version was agreed in the autumn.
        assert!(
            page.body.contains("Version 1 is agreed by"),
            "{}",
            page.body
        );
        let rev = revision_of(&page);
        let r = app
            .post_form(
                &format!("{plan}/aspirations"),
                Some(&pupil),
                &[
                    ("csrf", &pupil.csrf),
                    ("revision", &rev),
                    (
                        "who_i_want_to_be",
                        "A marine biologist <script>alert(1)</script>",
                    ),
                    ("what_i_enjoy", "Rock pools"),
                    ("what_i_find_hard", "Essays"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = app.get(&plan, Some(&pupil)).await;
        assert!(page.body.contains("Version 2 is being written"));
        assert!(page.body.contains("&#60;script&#62;"), "text is escaped");
        assert!(!page.body.contains("<script>alert"));
        // Someone saving from the old revision is told plainly and keeps their words.
        let tutor = app.sign_in("tutor").await;
        let r = app
            .post_form(
                &format!("{plan}/aspirations"),
                Some(&tutor),
                &[
                    ("csrf", &tutor.csrf),
                    ("revision", &rev),
                    ("who_i_want_to_be", "Words typed on an old page"),
                    ("what_i_enjoy", ""),
                    ("what_i_find_hard", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Someone changed this plan"), "{}", r.body);
        assert!(r.body.contains("Words typed on an old page"));
        // Two targets, one with a bad date first.
        let page = app.get(&plan, Some(&pupil)).await;
        let rev = revision_of(&page);
        let target = |title: &'static str, due: &'static str| {
            vec![
                ("domain", "homework"),
                ("title", title),
                ("goal", "Every week"),
                ("due_on", due),
                ("measure", "judged"),
            ]
        };
        let mut fields = vec![("csrf", pupil.csrf.as_str()), ("revision", rev.as_str())];
        fields.extend(target("Hand in science homework", "next spring"));
        let r = app
            .post_form(&format!("{plan}/targets"), Some(&pupil), &fields)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("date the target is due"));
        assert!(
            r.body.contains("Hand in science homework"),
            "the draft is kept"
        );
        for title in ["Hand in science homework", "Read for 20 minutes a day"] {
            let rev = revision_of(&app.get(&plan, Some(&pupil)).await);
            let mut fields = vec![("csrf", pupil.csrf.as_str()), ("revision", rev.as_str())];
            fields.extend(target(title, "2027-03-31"));
            let r = app
                .post_form(&format!("{plan}/targets"), Some(&pupil), &fields)
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        // The tutor comments; then parent, tutor and pupil agree the same revision.
        let r = app
            .post_form(
                &format!("{plan}/comments"),
                Some(&tutor),
                &[
                    ("csrf", &tutor.csrf),
                    ("body", "Great targets: let's check in at half term."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let rev = revision_of(&app.get(&plan, Some(&pupil)).await);
        let parent = app.sign_in("parent").await;
        // An agreement to an out-of-date revision is refused.
        let r = app
            .post_form(
                &format!("{plan}/agree"),
                Some(&parent),
                &[("csrf", &parent.csrf), ("revision", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("changed after you opened it"));
        for s in [&pupil, &parent] {
            let r = app
                .post_form(
                    &format!("{plan}/agree"),
                    Some(s),
                    &[("csrf", &s.csrf), ("revision", &rev)],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        // The tutor's home page says the plan waits for them.
        let home = app.get("/", Some(&tutor)).await;
        assert!(home.body.contains("Learning plans waiting for you"));
        assert!(home.body.contains(&format!("href=\"{plan}\"")));
        let r = app
            .post_form(
                &format!("{plan}/agree"),
                Some(&tutor),
                &[("csrf", &tutor.csrf), ("revision", &rev)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let home = app.get("/", Some(&tutor)).await;
        assert!(!home.body.contains(&format!("href=\"{plan}\"")));
        let page = app.get(&plan, Some(&parent)).await;
        assert!(
            page.body.contains("Version 2 is agreed by"),
            "{}",
            page.body
        );
        for who in ["(parent)", "(tutor)", "(pupil)"] {
            assert!(page.body.contains(who), "{who}");
        }
        assert!(page.body.contains("let&#39;s check in") || page.body.contains("let's check in"));
        // The two versions side by side.
        let cmp = app
            .get(&format!("{plan}/versions?a=1&b=2"), Some(&parent))
            .await;
        assert_eq!(cmp.status, StatusCode::OK);
        assert!(cmp.body.contains("Read for 20 minutes a day"));
        assert!(cmp.body.contains("(not there)"));
        // Another family's parent cannot see or agree to it.
        let stranger = app.sign_in("parent2").await;
        assert_eq!(
            app.get(&plan, Some(&stranger)).await.status,
            StatusCode::NOT_FOUND
        );
        let r = app
            .post_form(
                &format!("{plan}/agree"),
                Some(&stranger),
                &[("csrf", &stranger.csrf), ("revision", &rev)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

/// A multipart body with text fields first and one file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "village-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, mime, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A small real PNG, made with an independent encoder.
fn tiny_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 120]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

impl TestApp {
    async fn upload(
        &self,
        path: &str,
        s: &Session,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> Resp {
        let (ct, body) = multipart(fields, file);
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, ct)
            .header(header::COOKIE, &s.cookie)
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }
}

#[tokio::test]
async fn evidence_is_checked_by_content_and_shared_as_the_pupil_chooses() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        let portfolio = format!("{link}/portfolio");
        // A PDF named as a photo is refused, in words, and nothing is added.
        let before = app
            .get(&portfolio, Some(&pupil))
            .await
            .body
            .matches("class=\"card evidence\"")
            .count();
        let r = app
            .upload(
                &portfolio,
                &pupil,
                &[("csrf", &pupil.csrf), ("title", "Holiday photo")],
                Some((
                    "beach.jpg",
                    "image/jpeg",
                    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
                )),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("labelled as"), "{}", r.body);
        assert!(
            r.body.contains("value=\"Holiday photo\""),
            "the pupil's words are kept"
        );
        let after = app
            .get(&portfolio, Some(&pupil))
            .await
            .body
            .matches("class=\"card evidence\"")
            .count();
        assert_eq!(before, after);
        // A real photo with a reflection is kept and shown through its preview.
        let png = tiny_png();
        let r = app
            .upload(
                &portfolio,
                &pupil,
                &[
                    ("csrf", &pupil.csrf),
                    ("title", "My bridge model"),
                    ("reflection", "Triangles make it strong"),
                    ("learned_how", "practice"),
                    ("made_where", "school"),
                ],
                Some(("bridge.png", "image/png", &png)),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = app.get(&portfolio, Some(&pupil)).await;
        assert!(page.body.contains("My bridge model"));
        assert!(page.body.contains("Triangles make it strong"));
        let (_, rest) = page.body.split_once(&format!("{portfolio}/")).unwrap();
        let item: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let preview = app
            .get(&format!("{portfolio}/{item}/preview"), Some(&pupil))
            .await;
        assert_eq!(preview.status, StatusCode::OK);
        assert_eq!(preview.headers[header::CONTENT_TYPE], "image/jpeg");
        assert_eq!(preview.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        // The maths teacher sees it while it is shared with teachers, and not after.
        let teacher = app.sign_in("teacher").await;
        assert_eq!(
            app.get(&format!("{portfolio}/{item}"), Some(&teacher))
                .await
                .status,
            StatusCode::OK
        );
        let r = app
            .post_form(
                &format!("{portfolio}/{item}/curate"),
                Some(&pupil),
                &[("csrf", &pupil.csrf), ("share_mentor", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get(&format!("{portfolio}/{item}"), Some(&teacher))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("{portfolio}/{item}/file"), Some(&teacher))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let parent = app.sign_in("parent").await;
        assert_eq!(
            app.get(&format!("{portfolio}/{item}"), Some(&parent))
                .await
                .status,
            StatusCode::OK,
            "parents always see kept items"
        );
        // The original is a download, never shown inline.
        let original = app
            .get(&format!("{portfolio}/{item}/file"), Some(&parent))
            .await;
        assert!(original.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        // What a teacher adds waits for the pupil.
        let r = app
            .upload(
                &portfolio,
                &teacher,
                &[
                    ("csrf", &teacher.csrf),
                    ("title", "Test paper"),
                    ("body", "18 out of 20"),
                ],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = app.get(&portfolio, Some(&pupil)).await;
        assert!(page.body.contains("Waiting for you to keep it"));
        // Another family sees none of it.
        let stranger = app.sign_in("parent2").await;
        assert_eq!(
            app.get(&portfolio, Some(&stranger)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("{portfolio}/{item}/preview"), Some(&stranger))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_teacher_places_a_pupil_on_a_ladder_and_the_pupil_sees_the_next_step() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        let teacher = app.sign_in("teacher").await;
        let page = app.get(&format!("{link}/ladders"), Some(&teacher)).await;
        assert_eq!(page.status, StatusCode::OK);
        let (_, rest) = page.body.split_once(&format!("{link}/ladders/")).unwrap();
        let ladder: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let r = app
            .post_form(
                &format!("{link}/ladders/{ladder}/judgements"),
                Some(&teacher),
                &[
                    ("csrf", &teacher.csrf),
                    ("rung", "11"),
                    ("judged_on", "2026-11-20"),
                    ("note", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("choose a step from this ladder"));
        let r = app
            .post_form(
                &format!("{link}/ladders/{ladder}/judgements"),
                Some(&teacher),
                &[
                    ("csrf", &teacher.csrf),
                    ("rung", "7"),
                    ("judged_on", "2026-11-20"),
                    ("note", "Solved the unseen problem"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mine = app.get(&format!("{link}/ladders"), Some(&pupil)).await;
        assert!(mine.body.contains("You are on step 7"), "{}", mine.body);
        assert!(mine.body.contains("Next step: 8"));
        assert!(mine.body.contains("My teacher"));
        assert!(mine.body.contains("Solved the unseen problem"));
        // The teacher's group view counts the pupil on step 7.
        let home = app.get("/", Some(&teacher)).await;
        let pupil_row = format!("{link}/ladders\">");
        let mut found = false;
        for group in home
            .body
            .split("href=\"/groups/")
            .skip(1)
            .map(|g| g.split('"').next().unwrap().to_string())
        {
            let view = app
                .get(&format!("/groups/{group}/ladders/{ladder}"), Some(&teacher))
                .await;
            assert_eq!(view.status, StatusCode::OK);
            if view.body.contains(&pupil_row) {
                let row = view
                    .body
                    .split(&pupil_row)
                    .nth(1)
                    .unwrap()
                    .split("</tr>")
                    .next()
                    .unwrap();
                assert!(row.contains("<td>7</td>"), "{row}");
                assert!(
                    !view.body.contains("<strong>7</strong>: 0"),
                    "step 7 counts the pupil"
                );
                found = true;
            }
        }
        assert!(found, "one of the teacher's groups lists the pupil");
    }
}

#[tokio::test]
async fn ladder_imports_are_all_or_nothing_and_name_the_problem() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let admin = format!("/schools/{school}/ladders");
        let before = app
            .get(&admin, Some(&leader))
            .await
            .body
            .matches("<details>")
            .count();
        let bad = "ladder,subject,kind,rung_code,rung_title,descriptor,next_step\nFrench,French,subject,A1,Beginner,I can say hello,\nFrench,French,subject,A1,Again,Duplicate,\n";
        let r = app
            .post_form(
                &format!("{admin}/import"),
                Some(&leader),
                &[("csrf", &leader.csrf), ("format", "csv"), ("text", bad)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Nothing was imported"), "{}", r.body);
        assert!(r.body.contains("line 3"), "{}", r.body);
        assert_eq!(
            app.get(&admin, Some(&leader))
                .await
                .body
                .matches("<details>")
                .count(),
            before
        );
        let good = "ladder,subject,kind,rung_code,rung_title,descriptor,next_step\nFrench,French,subject,A1,Beginner,I can say hello,Learn numbers\nFrench,French,subject,A2,Elementary,I can order food,\n";
        let r = app
            .post_form(
                &format!("{admin}/import"),
                Some(&leader),
                &[("csrf", &leader.csrf), ("format", "csv"), ("text", good)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("1 ladders imported"));
        let csv = app
            .get(&format!("{admin}/export/ladders.csv"), Some(&leader))
            .await;
        assert!(csv.body.contains("I can order food"));
    }
}

#[tokio::test]
async fn a_parent_books_a_review_slot_and_a_taken_slot_is_refused_plainly() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        let parent = app.sign_in("parent").await;
        let page = app.get(&format!("{link}/reviews"), Some(&parent)).await;
        assert_eq!(page.status, StatusCode::OK);
        let slots: Vec<String> = page
            .body
            .split("name=\"slot\" value=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_string())
            .collect();
        assert!(slots.len() >= 2, "{}", page.body);
        let r = app
            .post_form(
                &format!("{link}/reviews/book"),
                Some(&parent),
                &[("csrf", &parent.csrf), ("slot", &slots[0])],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Booked:"), "{}", r.body);
        // A slot that is not this family's to book is refused in words.
        let r = app
            .post_form(
                &format!("{link}/reviews/book"),
                Some(&parent),
                &[("csrf", &parent.csrf), ("slot", "999999")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("not one you can book"));
        // The leader sees the booking; the tutor is reminded on their home page.
        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let rounds = app
            .get(&format!("/schools/{school}/reviews"), Some(&leader))
            .await;
        assert!(rounds.body.contains("1 of"), "{}", rounds.body);
    }
}

#[tokio::test]
async fn a_passport_goes_from_one_school_to_another_with_a_preview_and_nothing_half_done() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        // The pupil downloads their own passport.
        let zip = app
            .get(&format!("{link}/passport/download"), Some(&pupil))
            .await;
        assert_eq!(zip.status, StatusCode::OK);
        assert_eq!(zip.headers[header::CONTENT_TYPE], "application/zip");
        let req = Request::get(format!("{link}/passport/download"))
            .header(header::COOKIE, &pupil.cookie)
            .body(Body::empty())
            .unwrap();
        let resp = app.router.clone().oneshot(req).await.unwrap();
        let bytes = axum::body::to_bytes(resp.into_body(), 50_000_000)
            .await
            .unwrap()
            .to_vec();
        assert_eq!(&bytes[..2], b"PK");
        // Another family cannot.
        let stranger = app.sign_in("parent2").await;
        assert_eq!(
            app.get(&format!("{link}/passport/download"), Some(&stranger))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // The head of the primary imports it into one of their pupils.
        let head = app.sign_in("leader2").await;
        let school = app.school_of(&head).await;
        let page = app.get(&format!("/schools/{school}"), Some(&head)).await;
        let (_, rest) = page.body.split_once("href=\"/learners/").unwrap();
        let target: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let passport = format!("/learners/{target}/passport");
        // A broken package is refused in words, and nothing changes.
        let plan_before = app
            .get(&format!("/learners/{target}/plan"), Some(&head))
            .await
            .body;
        let mut broken = bytes.clone();
        let n = broken.len();
        broken.truncate(n - 40);
        let r = app
            .upload(
                &format!("{passport}/import"),
                &head,
                &[("csrf", &head.csrf)],
                Some(("passport.zip", "application/zip", &broken)),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("Nothing was imported"), "{}", r.body);
        // A good one shows a preview first and changes nothing until confirmed.
        let r = app
            .upload(
                &format!("{passport}/import"),
                &head,
                &[("csrf", &head.csrf)],
                Some(("passport.zip", "application/zip", &bytes)),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Check before importing"), "{}", r.body);
        assert!(r.body.contains("Riverside Academy"));
        let plan_now = app
            .get(&format!("/learners/{target}/plan"), Some(&head))
            .await
            .body;
        assert_eq!(
            plan_before.matches("id=\"target-").count(),
            plan_now.matches("id=\"target-").count()
        );
        let token = r
            .body
            .split_once("name=\"token\" value=\"")
            .unwrap()
            .1
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = app
            .post_form(
                &format!("{passport}/confirm"),
                Some(&head),
                &[("csrf", &head.csrf), ("token", &token), ("replace", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("Imported from Riverside Academy"),
            "{}",
            r.body
        );
        let plan_after = app
            .get(&format!("/learners/{target}/plan"), Some(&head))
            .await
            .body;
        assert!(
            plan_after.matches("id=\"target-").count()
                > plan_before.matches("id=\"target-").count()
        );
        // The same upload cannot be confirmed twice.
        let r = app
            .post_form(
                &format!("{passport}/confirm"),
                Some(&head),
                &[("csrf", &head.csrf), ("token", &token)],
            )
            .await;
        assert!(r.body.contains("upload the passport again"), "{}", r.body);
        // A leader of another school cannot import into this pupil.
        let other = app.sign_in("leader").await;
        let r = app
            .upload(
                &format!("{passport}/import"),
                &other,
                &[("csrf", &other.csrf)],
                Some(("passport.zip", "application/zip", &bytes)),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_peer_tutor_says_where_their_partner_is_without_reading_their_record() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let tutor = app.sign_in("peertutor").await;
        let home = app.get("/", Some(&tutor)).await;
        let tutee_link = home
            .body
            .split("/ladders/assess")
            .next()
            .unwrap()
            .rsplit("href=\"")
            .next()
            .unwrap()
            .to_string();
        assert!(tutee_link.starts_with("/learners/"), "{tutee_link}");
        let page = app
            .get(&format!("{tutee_link}/ladders/assess"), Some(&tutor))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        // Not the plan, the portfolio or the full ladder page.
        for part in ["plan", "portfolio", "ladders"] {
            assert_eq!(
                app.get(&format!("{tutee_link}/{part}"), Some(&tutor))
                    .await
                    .status,
                StatusCode::NOT_FOUND,
                "{part}"
            );
        }
        let (_, rest) = page
            .body
            .split_once(&format!("{tutee_link}/ladders/"))
            .unwrap();
        let ladder: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let first_rung = page
            .body
            .split("name=\"rung\"><option value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = app
            .post_form(
                &format!("{tutee_link}/ladders/{ladder}/judgements"),
                Some(&tutor),
                &[
                    ("csrf", &tutor.csrf),
                    ("rung", &first_rung),
                    ("judged_on", "2026-11-20"),
                    ("note", "Read a whole page aloud"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location().ends_with("/ladders/assess?saved=1"));
        let tutee = app.sign_in("tutee").await;
        let mine = app
            .get(&format!("{tutee_link}/ladders"), Some(&tutee))
            .await;
        assert!(mine.body.contains("A classmate"), "{}", mine.body);
        assert!(mine.body.contains("Read a whole page aloud"));
    }
}

/// Options of the `<select>` named `name` on a page, without the empty one.
fn select_options(page: &str, id: &str) -> Vec<String> {
    let (_, rest) = page
        .split_once(&format!("<select id=\"{id}\""))
        .unwrap_or_else(|| panic!("no select {id}"));
    let (select, _) = rest.split_once("</select>").unwrap();
    select
        .split("<option value=\"")
        .skip(1)
        .map(|o| o.split('"').next().unwrap().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

/// Waits for a timetable run to end, reading its page as the leader.
/// Starts an 8-second re-solve from the published timetable as the timetabler; returns
/// the run's page.
async fn start_resolve(app: &TestApp, leader: &Session, admin_path: &str) -> String {
    let r = app
        .post_form(
            &format!("{admin_path}/solve"),
            Some(leader),
            &[("csrf", &leader.csrf), ("seconds", "8"), ("keep", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().to_string()
}

async fn wait_for_run(app: &TestApp, leader: &Session, run_path: &str) -> Resp {
    for _ in 0..600 {
        let page = app.get(run_path, Some(leader)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        if !page.body.contains("id=\"run-progress\"") {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the solve did not finish");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pupil_changes_a_secure_choice_and_sees_it_after_the_next_solve() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        // The demo's timetable is published: today's lessons are on the home page.
        let home = app.get("/", Some(&pupil)).await;
        assert!(home.h2s().contains(&"Today".to_string()), "{}", home.body);
        let week = app.get(&format!("{link}/timetable"), Some(&pupil)).await;
        assert_eq!(week.status, StatusCode::OK);
        assert!(week.body.contains("This week"), "{}", week.body);
        assert!(
            week.body.contains("class=\"time\""),
            "no lessons: {}",
            week.body
        );

        // Choices: the same subject twice is refused in words, and nothing is saved.
        let form = app
            .get(&format!("{link}/timetable/choices"), Some(&pupil))
            .await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let offers = select_options(&form.body, "secure-1");
        assert!(offers.len() >= 2, "{offers:?}");
        let r = app
            .post_form(
                &format!("{link}/timetable/choices"),
                Some(&pupil),
                &[
                    ("csrf", &pupil.csrf),
                    ("secure", &offers[0]),
                    ("secure", &offers[0]),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("twice"), "{}", r.body);
        let r = app
            .post_form(
                &format!("{link}/timetable/choices"),
                Some(&pupil),
                &[("csrf", &pupil.csrf), ("secure", "no-such-offer")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // A good choice: the last offer of the list, first.
        let chosen = offers.last().unwrap().clone();
        let r = app
            .post_form(
                &format!("{link}/timetable/choices"),
                Some(&pupil),
                &[("csrf", &pupil.csrf), ("secure", &chosen), ("window", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = app.get(r.location(), Some(&pupil)).await;
        assert!(
            page.body.contains("Your choices are saved"),
            "{}",
            page.body
        );

        // The timetabler solves again from the published timetable and publishes.
        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let admin = app
            .get(&format!("/schools/{school}/timetable"), Some(&leader))
            .await;
        assert_eq!(admin.status, StatusCode::OK);
        assert!(admin.body.contains("pupils made choices in Village"));
        let run_path = start_resolve(&app, &leader, &format!("/schools/{school}/timetable")).await;
        // A second solve while one runs is refused in words.
        let again = app
            .post_form(
                &format!("/schools/{school}/timetable/solve"),
                Some(&leader),
                &[("csrf", &leader.csrf), ("seconds", "8")],
            )
            .await;
        assert!(
            again.status == StatusCode::UNPROCESSABLE_ENTITY
                || again.status == StatusCode::SEE_OTHER,
            "{}",
            again.status
        );
        if again.status == StatusCode::UNPROCESSABLE_ENTITY {
            assert!(again.body.contains("already running"), "{}", again.body);
        }
        let done = wait_for_run(&app, &leader, &run_path).await;
        assert!(done.body.contains("Requests not met"), "{}", done.body);
        assert!(
            done.body.contains("(lower is a more even week)"),
            "{}",
            done.body
        );
        assert!(
            done.body.contains("of pupils&#x27; lessons changed")
                || done.body.contains("of pupils' lessons changed"),
            "{}",
            done.body
        );
        let publish = app
            .post_form(
                &format!("{run_path}/publish"),
                Some(&leader),
                &[("csrf", &leader.csrf)],
            )
            .await;
        assert_eq!(publish.status, StatusCode::SEE_OTHER, "{}", publish.body);
        // The pupil's new choice is in their timetable, or the report says why it is not.
        let label = {
            let (_, rest) = form
                .body
                .split_once(&format!("<option value=\"{chosen}\">"))
                .unwrap();
            rest.split(':')
                .next()
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_string()
        };
        let week = app.get(&format!("{link}/timetable"), Some(&pupil)).await;
        let pupil_name = week
            .body
            .split("<h1>Timetable: ")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        assert!(
            week.body.contains(&label) || done.body.contains(&pupil_name),
            "{label} is neither in the timetable nor explained"
        );

        // A private calendar link, valid under the policy, and revoked.
        let made = app
            .post_form(
                &format!("{link}/timetable/calendar"),
                Some(&pupil),
                &[("csrf", &pupil.csrf)],
            )
            .await;
        assert_eq!(made.status, StatusCode::OK);
        let url = made.after("/calendar/");
        let ics = app.get(&format!("/calendar/{url}"), None).await;
        assert_eq!(ics.status, StatusCode::OK);
        assert!(ics.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/calendar"));
        assert!(ics.body.contains("BEGIN:VEVENT"), "{}", ics.body);
        let page = app.get(&format!("{link}/timetable"), Some(&pupil)).await;
        let link_id = page
            .body
            .split("action=\"/timetable/calendar/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let r = app
            .post_form(
                &format!("/timetable/calendar/{link_id}/revoke"),
                Some(&pupil),
                &[("csrf", &pupil.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get(&format!("/calendar/{url}"), None).await.status,
            StatusCode::NOT_FOUND
        );

        // Choices close on the day the school says.
        let admin = app
            .get(&format!("/schools/{school}/timetable"), Some(&leader))
            .await;
        let revision = admin.after("name=\"revision\" value=\"");
        let monday = admin.after("name=\"week_a_monday\" type=\"date\" required value=\"");
        let r = app
            .post_form(
                &format!("/schools/{school}/timetable/settings"),
                Some(&leader),
                &[
                    ("csrf", &leader.csrf),
                    ("revision", &revision),
                    ("week_a_monday", &monday),
                    ("closes_on", "2026-11-20"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = app
            .post_form(
                &format!("{link}/timetable/choices"),
                Some(&pupil),
                &[("csrf", &pupil.csrf), ("secure", &chosen)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("closed"), "{}", r.body);
        // A stale revision saves nothing.
        let r = app
            .post_form(
                &format!("/schools/{school}/timetable/settings"),
                Some(&leader),
                &[
                    ("csrf", &leader.csrf),
                    ("revision", &revision),
                    ("week_a_monday", &monday),
                    ("closes_on", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Someone changed"), "{}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_their_teaching_and_strangers_see_no_timetable() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let teacher = app.sign_in("teacher").await;
        let mine = app.get("/timetable", Some(&teacher)).await;
        assert_eq!(mine.status, StatusCode::OK);
        assert!(mine.body.contains("class=\"time\""), "{}", mine.body);
        let home = app.get("/", Some(&teacher)).await;
        assert!(
            home.h2s().contains(&"Teaching today".to_string()),
            "{:?}",
            home.h2s()
        );
        // A parent of another family: the pupil's timetable is not found.
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        let stranger = app.sign_in("parent2").await;
        assert_eq!(
            app.get(&format!("{link}/timetable"), Some(&stranger))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // The parent sees it and may choose with their child.
        let parent = app.sign_in("parent").await;
        let page = app.get(&format!("{link}/timetable"), Some(&parent)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Change choices"));
        // Bad uploads of the model are refused with the place of the problem; nothing saved.
        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let before = app
            .get(&format!("/schools/{school}/timetable/model"), Some(&leader))
            .await
            .body;
        // So are an upload cut off on the way and one past the route's limit, each in
        // its own words.
        let boundary = "village-test-boundary";
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"model\"; filename=\"model.json\"\r\nContent-Type: application/json\r\n\r\n{{\"name\": ",
            leader.csrf
        );
        let end = format!("\r\n--{boundary}--\r\n");
        let ct = format!("multipart/form-data; boundary={boundary}");
        for (body, words) in [
            (
                format!("{head}\"x\", \"days\": [1]}}{end}"),
                "line 1, column",
            ),
            (head.clone(), "did not arrive whole"),
            (
                format!("{head}\"{}\"}}{end}", "x".repeat(17 << 20)),
                "larger than we can accept (16 MB)",
            ),
        ] {
            let r = app
                .send(
                    Request::post(format!("/schools/{school}/timetable/model"))
                        .header(header::CONTENT_TYPE, &ct)
                        .header(header::COOKIE, &leader.cookie)
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(r.body.contains(words), "{}", r.body);
        }
        let after = app
            .get(&format!("/schools/{school}/timetable/model"), Some(&leader))
            .await
            .body;
        assert_eq!(before, after);
    }
}

#[tokio::test]
async fn the_timetable_api_gives_lessons_by_day_to_those_the_policy_allows() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pupil = app.sign_in("pupil").await;
        let link = app.learner_link(&pupil).await;
        let path = format!("/api/v1{link}/timetable");
        let r = app.get(&path, Some(&pupil)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let mine: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(mine["published"], true);
        // By default this week and next, Monday 23 November to Sunday 6 December.
        assert_eq!(mine["from"], "2026-11-23");
        assert_eq!(mine["to"], "2026-12-06");
        let days = mine["days"].as_array().unwrap();
        assert_eq!(days.len(), 10, "the demo school meets Monday to Friday");
        let mut lessons = 0;
        for d in days {
            for l in d["lessons"].as_array().unwrap() {
                let (s, e) = (l["starts"].as_str().unwrap(), l["ends"].as_str().unwrap());
                assert!(s < e, "{l}");
                assert!(!l["subject"].as_str().unwrap().is_empty(), "{l}");
                lessons += 1;
            }
        }
        assert!(lessons >= 20, "a fortnight of lessons, found {lessons}");
        // Today's lessons are the ones the home page lists.
        let home = app.get("/", Some(&pupil)).await;
        for l in days[0]["lessons"].as_array().unwrap() {
            let time = format!(
                "{}–{}",
                l["starts"].as_str().unwrap(),
                l["ends"].as_str().unwrap()
            );
            assert!(home.body.contains(&time), "{time} is not on the home page");
        }

        // The parent sees the same days; another family's parent gets "not found".
        let parent = app.sign_in("parent").await;
        let theirs: serde_json::Value =
            serde_json::from_str(&app.get(&path, Some(&parent)).await.body).unwrap();
        assert_eq!(theirs["days"], mine["days"]);
        let stranger = app.sign_in("parent2").await;
        assert_eq!(
            app.get(&path, Some(&stranger)).await.status,
            StatusCode::NOT_FOUND
        );

        // Bad ranges are refused in plain words.
        for (query, words) in [
            ("?from=23/11/2026", "YYYY-MM-DD"),
            ("?from=2026-12-01&to=2026-11-30", "not be after"),
            ("?from=2026-09-01&to=2027-07-20", "at most 92 days"),
        ] {
            let r = app.get(&format!("{path}{query}"), Some(&pupil)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            assert!(r.body.contains(words), "{query}: {}", r.body);
        }
        // A range over the Christmas holiday: those days are not school days.
        let r = app
            .get(
                &format!("{path}?from=2026-12-21&to=2027-01-01"),
                Some(&pupil),
            )
            .await;
        let holiday: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        for d in holiday["days"].as_array().unwrap() {
            assert_eq!(d["school_day"], false, "{d}");
            assert_eq!(d["lessons"].as_array().unwrap().len(), 0, "{d}");
        }

        // Staff get their own teaching; a pupil teaches nothing.
        let teacher = app.sign_in("teacher").await;
        let own: serde_json::Value =
            serde_json::from_str(&app.get("/api/v1/me/timetable", Some(&teacher)).await.body)
                .unwrap();
        let taught: usize = own["schools"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["days"].as_array().unwrap())
            .map(|d| d["lessons"].as_array().unwrap().len())
            .sum();
        assert!(taught > 0, "{own}");
        let none: serde_json::Value =
            serde_json::from_str(&app.get("/api/v1/me/timetable", Some(&pupil)).await.body)
                .unwrap();
        assert_eq!(none["schools"].as_array().unwrap().len(), 0, "{none}");
    }
}

/// Every cover entry of a timetable model (JSON), set by set.
fn covers_in(model: &serde_json::Value) -> Vec<&serde_json::Value> {
    model["offers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["sets"].as_array().unwrap())
        .filter_map(|s| s.get("cover"))
        .flat_map(|c| c.as_array().unwrap())
        .collect()
}

/// Post "back again" for `staff` on `day` as `user`.
async fn mark_back(
    app: &TestApp,
    path: &str,
    user: &Session,
    staff: &str,
    day: &str,
    revision: &str,
) -> Resp {
    app.post_form(
        path,
        Some(user),
        &[
            ("csrf", &user.csrf),
            ("revision", revision),
            ("staff", staff),
            ("day", day),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_away_for_a_day_is_covered_and_no_pupil_lesson_moves() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let admin_path = format!("/schools/{school}/timetable");
        // The teacher with the most sets: they teach on most days.
        let model: serde_json::Value = serde_json::from_str(
            &app.get(&format!("{admin_path}/model"), Some(&leader))
                .await
                .body,
        )
        .unwrap();
        let mut sets: std::collections::BTreeMap<String, usize> = Default::default();
        for offer in model["offers"].as_array().unwrap() {
            for set in offer["sets"].as_array().unwrap() {
                *sets
                    .entry(set["staff"].as_str().unwrap().to_string())
                    .or_default() += 1;
            }
        }
        let (teacher, _) = sets.iter().max_by_key(|(_, n)| **n).unwrap();
        let days: Vec<String> = model["days"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap().to_string())
            .collect();
        // Away on the first day they teach: the page lists each lesson and who covers it.
        let mut covered_day = None;
        for day in &days {
            let admin = app.get(&admin_path, Some(&leader)).await;
            assert!(admin.body.contains("id=\"a-cover\""), "{}", admin.body);
            let revision = admin.after("name=\"revision\" value=\"");
            let r = app
                .post_form(
                    &format!("{admin_path}/away"),
                    Some(&leader),
                    &[
                        ("csrf", &leader.csrf),
                        ("revision", &revision),
                        ("staff", teacher),
                        ("day", day),
                        ("cover", "on"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            if r.body.contains("id=\"cover-h\"") {
                assert!(r.body.contains("Colleagues cover"), "{}", r.body);
                covered_day = Some(day.clone());
                break;
            }
            assert!(r.body.contains("Saved."), "{}", r.body);
        }
        let day = covered_day.expect("the teacher teaches on some day");
        // The cover is in the model, session by session.
        let model: serde_json::Value = serde_json::from_str(
            &app.get(&format!("{admin_path}/model"), Some(&leader))
                .await
                .body,
        )
        .unwrap();
        let covers = covers_in(&model);
        assert!(!covers.is_empty(), "no cover saved for {day}");
        assert!(covers.iter().all(|c| c["staff"].as_str() != Some(teacher)));
        // The re-solve from the published timetable moves (almost) no pupil's lesson.
        let run_path = start_resolve(&app, &leader, &admin_path).await;
        let done = wait_for_run(&app, &leader, &run_path).await;
        let changed: f64 = done
            .body
            .split("%</strong> of pupils' lessons changed")
            .next()
            .and_then(|s| s.rsplit("<strong>").next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(changed < 2.0, "{changed}% changed: {}", done.body);
        // Nobody else may arrange cover: a teacher is refused.
        let other = app.sign_in("teacher").await;
        let r = app
            .post_form(
                &format!("{admin_path}/away"),
                Some(&other),
                &[
                    ("csrf", &other.csrf),
                    ("revision", "1"),
                    ("staff", teacher),
                    ("day", &day),
                    ("cover", "on"),
                ],
            )
            .await;
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
            "{}",
            r.status
        );
        // Back again: the page lists the absence; marking them back ends that day's
        // cover. A teacher may not; a day they are not away is refused with the reason.
        let back_path = format!("{admin_path}/back");
        let r = mark_back(&app, &back_path, &other, teacher, &day, "1").await;
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
            "{}",
            r.status
        );
        let admin = app.get(&admin_path, Some(&leader)).await;
        assert!(admin.body.contains("id=\"back-h\""), "{}", admin.body);
        assert!(
            admin.body.contains(&format!("value=\"{day}\"")),
            "{}",
            admin.body
        );
        let revision = admin.after("name=\"revision\" value=\"");
        let r = mark_back(&app, &back_path, &leader, teacher, &day, &revision).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("has ended"), "{}", r.body);
        let model: serde_json::Value = serde_json::from_str(
            &app.get(&format!("{admin_path}/model"), Some(&leader))
                .await
                .body,
        )
        .unwrap();
        let left = covers_in(&model)
            .iter()
            .filter(|c| c["day"].as_str() == Some(&day))
            .count();
        assert_eq!(left, 0, "cover for {day} left after back again");
        let away_days: Vec<&str> = model["staff"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["name"].as_str() == Some(teacher))
            .filter_map(|s| s.get("away"))
            .flat_map(|a| a.as_array().unwrap())
            .filter_map(|d| d.as_str())
            .collect();
        assert!(!away_days.contains(&day.as_str()), "{away_days:?}");
        let admin = app.get(&admin_path, Some(&leader)).await;
        let revision = admin.after("name=\"revision\" value=\"");
        let r = mark_back(&app, &back_path, &leader, teacher, &day, &revision).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains(&format!(
                "is not marked away on {day}, so there was nothing to change"
            )),
            "{}",
            r.body
        );
        assert!(
            !r.body.contains(&format!("{teacher} is not")),
            "a name, not a label"
        );
    }
}

#[tokio::test]
async fn a_colleague_not_away_after_all_covers_what_nobody_could() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let admin_path = format!("/schools/{school}/timetable");
        let admin = app.get(&admin_path, Some(&leader)).await;
        let list = admin
            .body
            .split_once("<select id=\"d-staff\" name=\"staff\" required>")
            .unwrap()
            .1
            .split_once("</select>")
            .unwrap()
            .0;
        let staff: Vec<String> = list
            .split("<option value=\"")
            .skip(1)
            .map(|o| o.split('"').next().unwrap().to_string())
            .collect();
        assert!(staff.len() > 10, "{list}");
        let (path, date) = (format!("{admin_path}/absences"), "2026-11-25");
        // Everyone but one teacher is away: the last to go has nobody left to cover.
        for who in &staff[1..] {
            let r = staff_date(&app, &path, &leader, who, date).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        let r = staff_date(&app, &path, &leader, &staff[0], date).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let sheet = app
            .get(&format!("{admin_path}/cover/{date}"), Some(&leader))
            .await;
        assert!(sheet.body.contains("Nobody free"), "{}", sheet.body);
        // One of them is not away after all: lessons nobody could take now have cover.
        let mut filled = false;
        for who in &staff[1..] {
            let r = staff_date(&app, &format!("{path}/end"), &leader, who, date).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            if r.body.contains("nobody was free for now") {
                filled = true;
                break;
            }
        }
        assert!(filled, "someone back covers a lesson left open");
    }
}

/// The staff label of `name` in the timetabler's staff list.
fn staff_label(admin: &str, name: &str) -> String {
    let end = format!("\">{name}</option>");
    let (before, _) = admin
        .split_once(&end)
        .unwrap_or_else(|| panic!("{name} not listed"));
    before.rsplit("value=\"").next().unwrap().to_string()
}

/// Post a staff member and a date (away on a date, or not after all) as `who`.
async fn staff_date(app: &TestApp, path: &str, who: &Session, staff: &str, on: &str) -> Resp {
    app.post_form(
        path,
        Some(who),
        &[("csrf", &who.csrf), ("staff", staff), ("date", on)],
    )
    .await
}

/// One lesson of a day of the timetable API, as (start, staff, change).
fn day_lessons(api: &serde_json::Value, date: &str) -> Vec<(String, String, String)> {
    let day = api["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == date)
        .unwrap_or_else(|| panic!("{date} missing"));
    day["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap_or_default().to_string();
            (s("starts"), s("staff"), s("change"))
        })
        .collect()
}

#[tokio::test]
async fn a_teacher_away_on_a_date_is_covered_that_date_only() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let leader = app.sign_in("leader").await;
        let school = app.school_of(&leader).await;
        let admin_path = format!("/schools/{school}/timetable");
        let pupil = app.sign_in("pupil").await;
        let api = format!("/api/v1{}/timetable", app.learner_link(&pupil).await);
        let read = |path: String| {
            let app = &app;
            let pupil = &pupil;
            async move {
                serde_json::from_str::<serde_json::Value>(&app.get(&path, Some(pupil)).await.body)
                    .unwrap()
            }
        };
        // The pupil's first lesson on Tuesday 24 November (today is Monday the 23rd).
        let (date, next_week) = ("2026-11-24", "2026-12-01");
        let before = read(api.clone()).await;
        let (start, usual, _) = day_lessons(&before, date).into_iter().next().unwrap();
        let admin = app.get(&admin_path, Some(&leader)).await;
        assert!(admin.body.contains("id=\"day-away-h\""), "{}", admin.body);
        let teacher = staff_label(&admin.body, &usual);
        let away_path = format!("{admin_path}/absences");
        let away = |who, staff: String, on| {
            let (app, path) = (&app, &away_path);
            async move { staff_date(app, path, who, &staff, on).await }
        };
        let r = away(&leader, teacher.clone(), date).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("Cover for Tuesday 24 November 2026"),
            "{}",
            r.body
        );
        assert!(r.body.contains("Saved. Colleagues cover"), "{}", r.body);
        // The pupil sees who teaches that lesson that date, and the usual teacher a week on.
        let after = read(api.clone()).await;
        let lesson = day_lessons(&after, date)
            .into_iter()
            .find(|l| l.0 == start)
            .unwrap();
        // The demo's staffing leaves a free colleague for every lesson.
        assert!(!lesson.1.is_empty() && lesson.1 != usual, "{lesson:?}");
        assert_eq!(lesson.2, format!("Cover for {usual}"));
        assert_eq!(
            day_lessons(&after, next_week),
            day_lessons(&before, next_week)
        );
        assert!(day_lessons(&after, next_week)
            .iter()
            .all(|l| l.2.is_empty()));
        // The cover sheet lists it; the admin page links the date.
        let sheet_path = format!("{admin_path}/cover/{date}");
        let sheet = app.get(&sheet_path, Some(&leader)).await;
        assert_eq!(sheet.status, StatusCode::OK);
        assert!(
            sheet.body.contains(&format!("<td>{usual}</td>")),
            "{}",
            sheet.body
        );
        let admin = app.get(&admin_path, Some(&leader)).await;
        assert!(
            admin.body.contains(&format!("href=\"{sheet_path}\"")),
            "{}",
            admin.body
        );
        // Both teachers see it in their timetables: the colleague has the lesson that date.
        let absent_id = village_domain::PersonId(teacher.parse().unwrap());
        let theirs = app.store.staff_timetables(absent_id).await.unwrap();
        assert!(theirs
            .iter()
            .any(|t| t.cover.iter().any(|c| c.date.to_string() == date)));
        {
            let by = staff_label(&admin.body, &lesson.1);
            let by_id = village_domain::PersonId(by.parse().unwrap());
            let cover = app.store.staff_timetables(by_id).await.unwrap();
            let c = cover
                .iter()
                .flat_map(|t| &t.cover)
                .find(|c| c.date.to_string() == date && c.by_id == Some(by_id))
                .expect("the colleague's timetable has the lesson");
            assert_eq!(c.lesson.staff, usual);
        }
        // Twice is refused; so are a date gone by, a Saturday, nonsense and strangers.
        let again = away(&leader, teacher.clone(), date).await;
        assert!(again.body.contains("already marked away"), "{}", again.body);
        let cases = [
            ("2026-11-20", "has passed"),
            ("2026-11-28", "is a Saturday"),
            ("soon", "Choose the date"),
        ];
        for (on, says) in cases {
            let r = away(&leader, teacher.clone(), on).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{on}");
            assert!(r.body.contains(says), "{on}: {}", r.body);
        }
        let r = away(&leader, "nobody".into(), "2026-11-25").await;
        assert!(
            r.body.contains("nobody is not in the published timetable"),
            "{}",
            r.body
        );
        let other = app.sign_in("teacher").await;
        let r = away(&other, teacher.clone(), "2026-11-25").await;
        assert!(
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{}",
            r.status
        );
        let r = app.get(&sheet_path, Some(&other)).await;
        assert!(
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{}",
            r.status
        );
        // A new timetable is published: the cover is arranged again on it.
        let run_path = start_resolve(&app, &leader, &admin_path).await;
        wait_for_run(&app, &leader, &run_path).await;
        let publish = app
            .post_form(
                &format!("{run_path}/publish"),
                Some(&leader),
                &[("csrf", &leader.csrf)],
            )
            .await;
        assert_eq!(publish.status, StatusCode::SEE_OTHER, "{}", publish.body);
        assert!(
            publish
                .location()
                .ends_with("done=published&moved=1&left=0"),
            "{}",
            publish.location()
        );
        let admin = app.get(publish.location(), Some(&leader)).await;
        assert!(
            admin
                .body
                .contains("The cover for 1 absence on coming dates was arranged again"),
            "{}",
            admin.body
        );
        let sheet = app.get(&sheet_path, Some(&leader)).await;
        assert!(
            sheet.body.contains(&format!("<td>{usual}</td>")),
            "{}",
            sheet.body
        );
        assert!(!sheet.body.contains("class=\"bad\""), "{}", sheet.body);
        assert!(!sheet.body.contains("Nobody free"), "{}", sheet.body);
        // The pupil still sees the cover that date, now on the new timetable.
        assert!(day_lessons(&read(api.clone()).await, date)
            .iter()
            .any(|l| l.2 == format!("Cover for {usual}")));
        // Not away after all: no lesson that date shows cover; a second time says why not.
        let end_path = format!("{admin_path}/absences/end");
        let r = staff_date(&app, &end_path, &leader, &teacher, date).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("not away on 2026-11-24 after all"),
            "{}",
            r.body
        );
        assert!(day_lessons(&read(api.clone()).await, date)
            .iter()
            .all(|l| l.2.is_empty()));
        let r = staff_date(&app, &end_path, &leader, &teacher, date).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("is not marked away on 2026-11-24"),
            "{}",
            r.body
        );
    }
}
