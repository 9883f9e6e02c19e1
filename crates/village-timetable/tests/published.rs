//! A solved school as the platform keeps it: lessons, places, figures, and a report that
//! names what could not be done, including rules that cannot all be kept.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use serde_json::json;
use village_timetable::published::solve_school;
use village_timetable::school::School;
use village_timetable::SolveOptions;

fn school(available_until: &str) -> School {
    School::from_json(
        &json!({
            "name": "Tiny",
            "days": ["Mon", "Tue"],
            "start_every_minutes": 60,
            "windows": [{"name": "day", "start": "09:00", "end": "12:00"}],
            "blocks": [{"name": "lesson", "minutes": 60}],
            "sites": [{"name": "Main"}],
            "rooms": [
                {"name": "R1", "site": "Main", "capacity": 30, "kind": "classroom"},
                {"name": "R2", "site": "Main", "capacity": 30, "kind": "classroom"}
            ],
            "staff": [
                {"name": "7", "kind": "teacher", "available": [
                    {"day": "Mon", "start": "09:00", "end": available_until}
                ]},
                {"name": "8", "kind": "teacher"}
            ],
            "offers": [
                {"id": "maths", "subject": "Mathematics", "sessions": ["lesson"], "staff_kind": "teacher",
                 "room_kind": "classroom", "sets": [{"name": "A", "staff": "7", "size": 20}]},
                {"id": "art", "subject": "Art", "sessions": ["lesson"], "staff_kind": "teacher",
                 "room_kind": "classroom", "sets": [{"name": "A", "staff": "7", "size": 20}]},
                {"id": "music", "subject": "Music", "sessions": ["lesson"], "staff_kind": "teacher",
                 "room_kind": "classroom", "sets": [{"name": "A", "staff": "8", "size": 1}]}
            ],
            "pupils": [
                {"id": "100", "year": 7, "requests": [{"offer": "maths"}, {"offer": "art"}]},
                {"id": "101", "year": 7, "requests": [{"offer": "maths"}, {"offer": "music", "priority": 1}]},
                {"id": "102", "year": 7, "requests": [{"offer": "music", "priority": 1}]}
            ]
        })
        .to_string(),
    )
    .unwrap()
}

fn options() -> SolveOptions {
    SolveOptions {
        time_limit: Duration::from_secs(2),
        threads: 1,
        seed: 3,
        ..SolveOptions::default()
    }
}

#[test]
fn a_complete_timetable_comes_back_as_lessons_places_and_figures() {
    let solved = solve_school(&school("11:00"), None, &options(), None).unwrap();
    let f = &solved.figures;
    assert!(f.complete(), "{f:?}");
    assert_eq!((f.placed, f.total), (3, 3));
    assert_eq!(f.pupils, 3);
    assert_eq!(f.requests, 5);
    // Music holds one pupil and two asked: one request is unmet, with a reason.
    assert_eq!(f.requests_met, 4);
    assert_eq!(solved.report.unmet.len(), 1);
    assert!(
        !solved.report.unmet[0].reasons.is_empty(),
        "{:?}",
        solved.report
    );
    assert!(solved.report.conflicts.is_empty());
    // Lessons carry the subject and times of day; places name pupils by id.
    let maths = solved.lessons.iter().find(|l| l.offer == "maths").unwrap();
    assert_eq!(maths.subject, "Mathematics");
    assert_eq!(maths.end_minute - maths.start_minute, 60);
    assert!(maths.start_minute >= 9 * 60 && maths.end_minute <= 11 * 60);
    assert!(solved
        .places
        .iter()
        .any(|(p, c)| p == "100" && *c == maths.class_no));
    assert_eq!(solved.figures.changed, None);
}

#[test]
fn rules_that_cannot_all_be_kept_are_named() {
    // Teacher 7 can teach one hour only, and has two lessons.
    let solved = solve_school(&school("10:00"), None, &options(), None).unwrap();
    assert!(!solved.figures.complete(), "{:?}", solved.figures);
    assert!(!solved.report.problems.is_empty());
    assert!(
        !solved.report.conflicts.is_empty(),
        "the report names the conflicting rules: {:?}",
        solved.report
    );
}

#[test]
fn a_re_solve_from_the_same_school_changes_nothing() {
    let s = school("11:00");
    let first = solve_school(&s, None, &options(), None).unwrap();
    let again = solve_school(&s, Some((&s, &first.solution)), &options(), None).unwrap();
    assert!(again.figures.complete());
    assert_eq!(again.figures.changed, Some(0), "{:?}", again.figures);
    assert!(again.figures.pupil_sessions.unwrap_or(0) > 0);
}

/// A re-solve needs a repair, not a new timetable: from a base it stops once complete and
/// stalled, long before a generous time limit.
#[test]
fn a_re_solve_stops_once_complete_and_stalled() {
    let s = school("11:00");
    let first = solve_school(&s, None, &options(), None).unwrap();
    let patient = SolveOptions {
        time_limit: Duration::from_secs(60),
        ..options()
    };
    let started = std::time::Instant::now();
    let again = solve_school(&s, Some((&s, &first.solution)), &patient, None).unwrap();
    assert!(again.figures.complete());
    let took = started.elapsed();
    assert!(took < Duration::from_secs(20), "took {took:?}");
}
