//! Re-solving with minimal change: a staff member away for a day, carrying a timetable
//! over to a new compilation, and counting what changed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use serde_json::{json, Value};
use village_timetable::school::{assignment_changes, carry_over, School};
use village_timetable::SolveOptions;

/// A fortnightly school of three days with two sites, sets, a parallel offer and SECURE.
fn school(pupils: usize, seed: u64) -> Value {
    let mut list = Vec::new();
    for i in 0..pupils {
        let set = if (i as u64 + seed).is_multiple_of(2) {
            "1"
        } else {
            "2"
        };
        list.push(
            json!({"id": format!("p{i}"), "year": 7 + (i % 3) as u32, "requests": [
            {"offer": "maths", "set": set}, {"offer": "english"}, {"offer": "science"},
            {"offer": if i % 2 == 0 { "music" } else { "art" }}],
            "secure": if i % 3 == 0 { json!([{"offer": "secure-reading"}]) } else { json!([]) }}),
        );
    }
    json!({
        "name": "Test School", "days": ["Mon", "Tue", "Wed"], "weeks": 2,
        "start_every_minutes": 60,
        "windows": [{"name": "day", "start": "09:00", "end": "15:00"}],
        "blocks": [{"name": "single", "minutes": 60}],
        "sites": [{"name": "North", "travel_minutes": {"South": 30}}, {"name": "South"}],
        "rooms": [
            {"name": "N1", "site": "North", "capacity": 30, "kind": "classroom"},
            {"name": "N2", "site": "North", "capacity": 30, "kind": "classroom"},
            {"name": "N3", "site": "North", "capacity": 30, "kind": "classroom"},
            {"name": "S1", "site": "South", "capacity": 30, "kind": "classroom"}
        ],
        "staff": [
            {"name": "Ada", "kind": "teacher"},
            {"name": "Bo", "kind": "teacher"},
            {"name": "Cy", "kind": "teacher", "available": [
                {"day": "Mon", "start": "09:00", "end": "15:00"},
                {"day": "Tue", "start": "09:00", "end": "15:00"}]},
            {"name": "Di", "kind": {"teaching_assistant": 2}},
            {"name": "Eve", "kind": "community_teacher", "sites": ["North", "South"]}
        ],
        "offers": [
            {"id": "maths", "subject": "maths", "sessions": ["single", "single"], "setted": true,
             "staff_kind": "teacher", "room_kind": "classroom",
             "sets": [{"name": "1", "staff": "Ada", "size": 20}, {"name": "2", "staff": "Bo", "size": 20}]},
            {"id": "english", "subject": "english", "sessions": ["single", "single"],
             "staff_kind": "teacher", "room_kind": "classroom",
             "sets": [{"name": "A", "staff": "Cy", "size": 20}, {"name": "B", "staff": "Bo", "size": 20}]},
            {"id": "science", "subject": "science", "sessions": ["single"], "staff_kind": "teacher",
             "room_kind": "classroom", "sets": [{"name": "A", "staff": "Ada", "size": 30}]},
            {"id": "music", "subject": "music", "sessions": ["single"], "staff_kind": "community_teacher",
             "sets": [{"name": "A", "staff": "Eve", "size": 30}]},
            {"id": "art", "subject": "art", "sessions": ["single"], "staff_kind": "teacher",
             "room_kind": "classroom", "sets": [{"name": "A", "staff": "Cy", "size": 30}]},
            {"id": "secure-reading", "subject": "reading", "sessions": ["single"], "weekly": false,
             "secure": true, "staff_kind": {"teaching_assistant": 2},
             "sets": [{"name": "A", "staff": "Di", "size": 30}]}
        ],
        "entitlement": [{"name": "maths", "any_of": ["maths"], "up_to_year": 11}],
        "secure_periods": 2,
        "pupils": list
    })
}

fn options(seed: u64) -> SolveOptions {
    SolveOptions {
        time_limit: Duration::from_secs(20),
        threads: 1,
        seed,
        max_iterations: Some(3000),
        ..SolveOptions::default()
    }
}

#[test]
fn mark_unavailable_names_unknown_staff_and_days() {
    let mut s = School::from_json(&school(6, 1).to_string()).unwrap();
    let e = s.mark_unavailable("Zed", "Mon").unwrap_err().to_string();
    assert!(e.contains("unknown staff member `Zed`"), "{e}");
    let e = s.mark_unavailable("Ada", "Sun").unwrap_err().to_string();
    assert!(
        e.contains("unknown day `Sun`") && e.contains("Mon, Tue, Wed"),
        "{e}"
    );
    // The day is kept apart: their usual availability stays as it was, and a second
    // mark changes nothing.
    let usual = s.clone();
    s.mark_unavailable("Ada", "Tue").unwrap();
    s.mark_unavailable("Ada", "Tue").unwrap();
    let ada = s.staff.iter().find(|x| x.name == "Ada").unwrap();
    assert_eq!(ada.away, ["Tue"]);
    assert_eq!(s.away(), [("Ada", "Tue")]);
    // Part-time: away on their last working day is refused, not inverted.
    s.mark_unavailable("Cy", "Mon").unwrap();
    let e = s.mark_unavailable("Cy", "Tue").unwrap_err().to_string();
    assert!(
        e.contains("Cy") && e.contains("could not teach at all"),
        "{e}"
    );
    // Back again: as before.
    assert_eq!(s.mark_back("Ada", "Tue").unwrap(), 0);
    assert_eq!(s.mark_back("Cy", "Mon").unwrap(), 0);
    assert_eq!(s, usual);
    let e = s.mark_back("Ada", "Tue").unwrap_err().to_string();
    assert!(e.contains("Ada is not marked away on Tue"), "{e}");
    let e = s.mark_back("Zed", "Tue").unwrap_err().to_string();
    assert!(e.contains("unknown staff member `Zed`"), "{e}");
}

#[test]
fn a_day_away_in_the_model_is_a_known_day() {
    let mut s = School::from_json(&school(6, 1).to_string()).unwrap();
    s.staff[0].away = vec!["Sun".into()];
    let e = s.compile().unwrap_err().to_string();
    assert!(
        e.contains("staff[0].away[0]") && e.contains("unknown day `Sun`"),
        "{e}"
    );
    // Away on every day they work, written into the model by hand: refused with the
    // place, not read as "always available".
    let cy = s.staff.iter().position(|x| x.name == "Cy").unwrap();
    s.staff[0].away.clear();
    s.staff[cy].away = s.staff[cy]
        .available
        .iter()
        .map(|a| a.day.clone())
        .collect();
    let e = s.compile().unwrap_err().to_string();
    assert!(
        e.contains(&format!("staff[{cy}].away")) && e.contains("Cy is away on every day they work"),
        "{e}"
    );
}

#[test]
fn carry_over_of_an_unchanged_school_is_the_identity() {
    // Property-style: schools of several sizes and seeds.
    for seed in 1..=6u64 {
        let s = School::from_json(&school(4 + 3 * seed as usize, seed).to_string()).unwrap();
        let out = s.solve(&options(seed), None).unwrap();
        let again = s.compile().unwrap();
        let carried = carry_over(&out.compiled, &out.result.solution, &again);
        assert_eq!(carried, out.result.solution, "seed {seed}");
        let c = assignment_changes(&out.compiled, &out.result.solution, &again, &carried);
        assert_eq!((c.changed, c.moved_classes), (0, 0), "seed {seed}");
        assert!(c.pupil_sessions > 0);
    }
}

#[test]
fn carry_over_drops_what_no_longer_fits_and_the_re_solve_repairs_it() {
    let s = School::from_json(&school(12, 3).to_string()).unwrap();
    let out = s.solve(&options(3), None).unwrap();
    assert!(out.evaluation().is_valid(), "{:?}", out.evaluation().hard);
    let day = out
        .staff_timetable("Ada")
        .first()
        .map(|l| l.day.clone())
        .unwrap();
    let mut changed = s.clone();
    changed.mark_unavailable("Ada", &day).unwrap();
    let next = changed.compile().unwrap();
    let carried = carry_over(&out.compiled, &out.result.solution, &next);
    // Ada's lessons on that day are no longer possible there: left unplaced.
    for (c, info) in next.classes.iter().enumerate() {
        let was = out.compiled.problem.classes[c].times
            [out.result.solution.placements[c].unwrap().time]
            .pattern;
        let on_day = out.compiled.day_names[was.first_day() as usize] == day;
        if info.staff == "Ada" && on_day {
            assert!(carried.placements[c].is_none(), "{}", info.offer);
        } else {
            assert!(carried.placements[c].is_some(), "{}", info.offer);
        }
    }
    let resolved = changed
        .solve(
            &SolveOptions {
                initial: Some(carried),
                stall_limit: Some(Duration::from_millis(200)),
                max_iterations: None,
                ..options(3)
            },
            None,
        )
        .unwrap();
    assert!(
        resolved.evaluation().is_valid(),
        "{:?}",
        resolved.evaluation().hard
    );
    assert!(resolved.staff_timetable("Ada").iter().all(|l| l.day != day));
    let c = assignment_changes(
        &out.compiled,
        &out.result.solution,
        &resolved.compiled,
        &resolved.result.solution,
    );
    assert!(c.moved_classes >= 1 && c.changed >= 1, "{c:?}");
    assert!(c.changed < c.pupil_sessions, "{c:?}");
    // A pupil taken out of a class counts, and so does one put in a new one.
    let mut moved = resolved.result.solution.clone();
    let pupil = moved
        .enrollments
        .iter()
        .position(|e| !e.is_empty())
        .unwrap();
    moved.enrollments[pupil].pop();
    let d = assignment_changes(
        &resolved.compiled,
        &resolved.result.solution,
        &resolved.compiled,
        &moved,
    );
    assert_eq!((d.changed, d.moved_classes), (1, 0));
}
