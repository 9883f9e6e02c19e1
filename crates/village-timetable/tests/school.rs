//! The school model: building blocks, windows, sets across years, staff on shifts at two
//! sites, SECURE choices, option blocks, entitlement and explanations.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use serde_json::{json, Value};
use village_timetable::school::School;
use village_timetable::SolveOptions;

fn school() -> Value {
    json!({
        "name": "Village Primary and Secondary",
        "days": ["Mon", "Tue", "Wed"],
        "weeks": 2,
        "start_every_minutes": 30,
        "windows": [
            {"name": "early", "start": "07:30", "end": "13:00"},
            {"name": "late", "start": "13:00", "end": "19:00"}
        ],
        "blocks": [{"name": "single", "minutes": 60}, {"name": "short", "minutes": 30}],
        "closed": [{"day": "Wed", "start": "13:00", "end": "19:00"}],
        "sites": [
            {"name": "North", "travel_minutes": {"South": 30}},
            {"name": "South"}
        ],
        "rooms": [
            {"name": "N1", "site": "North", "capacity": 30, "kind": "classroom"},
            {"name": "N2", "site": "North", "capacity": 30, "kind": "classroom"},
            {"name": "Lab", "site": "North", "capacity": 24, "kind": "lab", "features": ["gas"]},
            {"name": "S1", "site": "South", "capacity": 30, "kind": "classroom"}
        ],
        "staff": [
            {"name": "Ms Ada", "kind": "teacher"},
            {"name": "Mr Bo", "kind": "teacher", "available": [
                {"day": "Mon", "start": "07:30", "end": "13:00"},
                {"day": "Tue", "start": "07:30", "end": "13:00"}
            ]},
            {"name": "Dr Cy", "kind": "community_teacher", "sites": ["North", "South"]},
            {"name": "Di", "kind": {"teaching_assistant": 3}},
            {"name": "Eve", "kind": "community_teacher", "sites": ["South"]}
        ],
        "offers": [
            {"id": "maths", "subject": "maths", "sessions": ["single", "single"], "setted": true,
             "staff_kind": "teacher", "room_kind": "classroom",
             "sets": [{"name": "1", "staff": "Ms Ada", "size": 10}, {"name": "2", "staff": "Mr Bo", "size": 10}]},
            {"id": "english", "subject": "english", "sessions": ["single", "single"],
             "staff_kind": "teacher", "room_kind": "classroom",
             "sets": [{"name": "A", "staff": "Ms Ada", "size": 12}, {"name": "B", "staff": "Mr Bo", "size": 12}]},
            {"id": "science", "subject": "science", "sessions": ["single"], "staff_kind": "teacher",
             "room_kind": "lab", "features": ["gas"], "window": "early",
             "sets": [{"name": "A", "staff": "Mr Bo", "size": 20}]},
            {"id": "music", "subject": "music", "sessions": ["single"], "staff_kind": "community_teacher",
             "sets": [{"name": "A", "staff": "Dr Cy", "size": 2}]},
            {"id": "art", "subject": "art", "sessions": ["single"], "staff_kind": "community_teacher",
             "sets": [{"name": "A", "staff": "Eve", "size": 20}]},
            {"id": "secure-reading", "subject": "reading", "sessions": ["short"], "weekly": false, "secure": true,
             "staff_kind": {"teaching_assistant": 2}, "sets": [{"name": "A", "staff": "Di", "size": 20}]},
            {"id": "secure-number", "subject": "number", "sessions": ["short"], "weekly": false, "secure": true,
             "staff_kind": {"teaching_assistant": 2}, "sets": [{"name": "A", "staff": "Di", "size": 20}]}
        ],
        "option_blocks": [{"name": "X", "offers": ["music", "art"]}],
        "entitlement": [
            {"name": "English", "any_of": ["english"], "up_to_year": 11},
            {"name": "maths", "any_of": ["maths"], "up_to_year": 11},
            {"name": "a science", "any_of": ["science"], "up_to_year": 11}
        ],
        "secure_periods": 2,
        "pupils": [
            {"id": "p1", "year": 7, "window": "early", "requests": [
                {"offer": "maths", "set": "1"}, {"offer": "english"}, {"offer": "science"}, {"offer": "music", "priority": 2}],
             "secure": [{"offer": "secure-reading"}, {"offer": "secure-number"}]},
            {"id": "p2", "year": 9, "requests": [
                {"offer": "maths", "set": "2"}, {"offer": "english"}, {"offer": "science"}, {"offer": "music", "alternatives": ["art"]}],
             "secure": [{"offer": "secure-number"}]},
            {"id": "p3", "year": 8, "requests": [
                {"offer": "maths", "set": "1"}, {"offer": "english"}, {"offer": "science"}, {"offer": "music"}]},
            {"id": "p4", "year": 12, "requests": [{"offer": "art"}]}
        ]
    })
}

fn options() -> SolveOptions {
    SolveOptions {
        time_limit: Duration::from_secs(5),
        threads: 1,
        seed: 7,
        ..SolveOptions::default()
    }
}

#[test]
fn solves_a_school_and_explains_what_it_cannot_do() {
    let s: School = School::from_json(&school().to_string()).unwrap();
    let out = s.solve(&options(), None).unwrap();
    let ev = out.evaluation();
    assert!(ev.is_valid(), "{:?}", ev.hard);
    assert!(out.entitlement_breaches.is_empty());
    // Music holds 2 pupils and 3 want it: one goes unmet (or p2 takes art instead).
    let p1 = out.pupil_timetable("p1");
    assert!(p1.iter().any(|l| l.offer == "maths" && l.set == "1"));
    assert!(p1.iter().any(|l| l.offer == "secure-reading"));
    // Science is in the early window.
    for l in out
        .pupil_timetable("p3")
        .iter()
        .filter(|l| l.offer == "science")
    {
        assert!(
            l.start.as_str() >= "07:30" && l.end.as_str() <= "13:00",
            "{l:?}"
        );
    }
    // Mr Bo works mornings on Monday and Tuesday only; nothing on Wednesday afternoon.
    for l in out.staff_timetable("Mr Bo") {
        assert!(l.day != "Wed" && l.end.as_str() <= "13:00", "{l:?}");
    }
    for pupil in ["p1", "p2", "p3"] {
        for l in out.pupil_timetable(pupil) {
            // Closed 13:00–19:00; offers without a window may still meet in the evening.
            assert!(
                !(l.day == "Wed" && l.start.as_str() < "19:00" && l.end.as_str() > "13:00"),
                "flexible Wednesday afternoon: {l:?}"
            );
        }
    }
    let music: Vec<_> = out
        .unmet
        .iter()
        .filter(|u| u.courses.iter().any(|c| c == "music"))
        .collect();
    assert!(!music.is_empty() || out.pupil_timetable("p2").iter().any(|l| l.offer == "art"));
    for u in &out.unmet {
        assert!(!u.reasons.is_empty(), "{u:?}");
    }
}

#[test]
fn entitlement_refuses_choices_with_the_reason() {
    let mut v = school();
    v["pupils"][1]["requests"] =
        json!([{"offer": "maths", "set": "2"}, {"offer": "english"}, {"offer": "music"}]);
    let s = School::from_json(&v.to_string()).unwrap();
    let breaches = s.check_entitlement();
    assert_eq!(breaches.len(), 1);
    assert!(
        breaches[0].reason.contains("p2") && breaches[0].reason.contains("a science"),
        "{breaches:?}"
    );
    let e = s.compile().unwrap_err().to_string();
    assert!(e.contains("a science"), "{e}");
    // Year 12 is past the entitlement age: p4 may drop maths.
    assert!(breaches.iter().all(|b| b.pupil != "p4"));
}

#[test]
fn bad_school_input_names_the_place() {
    // Two things at once: both options of one block.
    let mut v = school();
    v["pupils"][2]["requests"][3] = json!({"offer": "art"});
    v["pupils"][2]["requests"]
        .as_array_mut()
        .unwrap()
        .push(json!({"offer": "music"}));
    let e = School::from_json(&v.to_string())
        .unwrap()
        .compile()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("pupils[2]") && e.contains("option block X"),
        "{e}"
    );

    // Required staff kind.
    let mut v = school();
    v["offers"][3]["sets"][0]["staff"] = json!("Di");
    let e = School::from_json(&v.to_string())
        .unwrap()
        .compile()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("offers[3].sets[0]") && e.contains("needs a community teacher"),
        "{e}"
    );

    // Set missing for a setted offer.
    let mut v = school();
    v["pupils"][0]["requests"][0] = json!({"offer": "maths"});
    let e = School::from_json(&v.to_string())
        .unwrap()
        .compile()
        .unwrap_err()
        .to_string();
    assert!(e.contains("ability sets"), "{e}");

    // Too many SECURE choices.
    let mut v = school();
    v["secure_periods"] = json!(1);
    let e = School::from_json(&v.to_string())
        .unwrap()
        .compile()
        .unwrap_err()
        .to_string();
    assert!(e.contains("SECURE"), "{e}");

    // Malformed JSON and unknown fields.
    let e = School::from_json("{\"name\": 3").unwrap_err().to_string();
    assert!(e.contains("line 1"), "{e}");
    let mut v = school();
    v["colour"] = json!("blue");
    assert!(School::from_json(&v.to_string())
        .unwrap_err()
        .to_string()
        .contains("colour"));
    assert!(School::from_json("").is_err());

    // A staff member who is never free for the block.
    let mut v = school();
    v["staff"][1]["available"] = json!([{"day": "Mon", "start": "07:30", "end": "08:00"}]);
    let e = School::from_json(&v.to_string())
        .unwrap()
        .compile()
        .unwrap_err()
        .to_string();
    assert!(e.contains("no possible time") && e.contains("Mr Bo"), "{e}");
}

#[test]
fn infeasible_school_is_explained() {
    // Mr Bo has one free hour but two sessions of maths set 2 and one of english B.
    let mut v = school();
    v["staff"][1]["available"] = json!([{"day": "Mon", "start": "09:00", "end": "10:00"}]);
    v["weeks"] = json!(1);
    let s = School::from_json(&v.to_string()).unwrap();
    let compiled = s.compile().unwrap();
    let found = village_timetable::explain::diagnose(&compiled.problem, 5_000_000);
    assert!(!found.is_empty());
    assert!(
        found[0].constraints.iter().any(|c| c.contains("Mr Bo")),
        "{found:?}"
    );
}

/// Six one-hour lessons for one pupil over three days: with an even week weighed, the
/// solved week has two lessons a day.
#[test]
fn a_pupils_week_is_balanced_when_the_school_asks() {
    let offers: Vec<Value> = (1..=6)
        .map(|i| {
            json!({"id": format!("o{i}"), "subject": format!("s{i}"), "sessions": ["single"],
                   "staff_kind": "teacher", "room_kind": "classroom",
                   "sets": [{"name": "A", "staff": format!("T{i}"), "size": 5}]})
        })
        .collect();
    let model = |balanced_week: u32| {
        json!({
            "name": "Even Week School",
            "days": ["Mon", "Tue", "Wed"],
            "start_every_minutes": 60,
            "windows": [{"name": "day", "start": "09:00", "end": "15:00"}],
            "blocks": [{"name": "single", "minutes": 60}],
            "sites": [{"name": "Main"}],
            "rooms": (1..=6).map(|i| json!({"name": format!("R{i}"), "site": "Main",
                "capacity": 30, "kind": "classroom"})).collect::<Vec<_>>(),
            "staff": (1..=6).map(|i| json!({"name": format!("T{i}"), "kind": "teacher"}))
                .collect::<Vec<_>>(),
            "offers": offers,
            "pupils": [{"id": "p1", "year": 8, "requests":
                (1..=6).map(|i| json!({"offer": format!("o{i}")})).collect::<Vec<_>>()}],
            "balanced_week": balanced_week
        })
    };
    let s = School::from_json(&model(8).to_string()).unwrap();
    assert_eq!(s.balanced_week, 8);
    let out = s.solve(&options(), None).unwrap();
    assert!(out.evaluation().is_valid(), "{:?}", out.evaluation().hard);
    let days = out.pupil_days();
    assert_eq!(days.pupils, 1);
    assert_eq!(out.pupil_timetable("p1").len(), 6);
    for day in ["Mon", "Tue", "Wed"] {
        let n = out
            .pupil_timetable("p1")
            .iter()
            .filter(|l| l.day == day)
            .count();
        assert_eq!(n, 2, "{day}: {:?}", out.pupil_timetable("p1"));
    }
    assert_eq!((days.spread_minutes, days.day_sd_minutes), (0, 0));
    assert_eq!(out.evaluation().student_day_load, 0);
    // Unweighed, the evaluator does not count it; the school's default weighs it.
    let off = School::from_json(&model(0).to_string()).unwrap();
    let out = off.solve(&options(), None).unwrap();
    assert_eq!(out.evaluation().student_day_load, 0);
    let mut default = model(0);
    default.as_object_mut().unwrap().remove("balanced_week");
    assert_eq!(
        School::from_json(&default.to_string())
            .unwrap()
            .balanced_week,
        2
    );
}

#[test]
fn a_staff_members_week_is_balanced_over_the_days_they_work() {
    // One teacher takes all six lessons; they work Monday to Wednesday of four days.
    let offers: Vec<Value> = (1..=6)
        .map(|i| {
            json!({"id": format!("o{i}"), "subject": format!("s{i}"), "sessions": ["single"],
                   "staff_kind": "teacher", "room_kind": "classroom",
                   "sets": [{"name": "A", "staff": "T1", "size": 5}]})
        })
        .collect();
    let model = |staff_balanced_week: u32| {
        json!({
            "name": "Even Staff Week School",
            "days": ["Mon", "Tue", "Wed", "Thu"],
            "start_every_minutes": 60,
            "windows": [{"name": "day", "start": "09:00", "end": "15:00"}],
            "blocks": [{"name": "single", "minutes": 60}],
            "sites": [{"name": "Main"}],
            "rooms": [{"name": "R1", "site": "Main", "capacity": 30, "kind": "classroom"}],
            "staff": [{"name": "T1", "kind": "teacher", "available": [
                {"day": "Mon", "start": "09:00", "end": "15:00"},
                {"day": "Tue", "start": "09:00", "end": "15:00"},
                {"day": "Wed", "start": "09:00", "end": "15:00"}]}],
            "offers": offers,
            "pupils": [{"id": "p1", "year": 8, "requests":
                (1..=6).map(|i| json!({"offer": format!("o{i}")})).collect::<Vec<_>>()}],
            "balanced_week": 0,
            "staff_balanced_week": staff_balanced_week
        })
    };
    let s = School::from_json(&model(8).to_string()).unwrap();
    let out = s.solve(&options(), None).unwrap();
    assert!(out.evaluation().is_valid(), "{:?}", out.evaluation().hard);
    let lessons = out.staff_timetable("T1");
    assert_eq!(lessons.len(), 6);
    for day in ["Mon", "Tue", "Wed"] {
        let n = lessons.iter().filter(|l| l.day == day).count();
        assert_eq!(n, 2, "{day}: {lessons:?}");
    }
    let days = out.staff_days();
    assert_eq!(
        (days.staff, days.day_sd_minutes, days.uneven_staff),
        (1, 0, 0)
    );

    // All six on Monday: 360, 0 and 0 minutes over three working days.
    let mut solution = out.result.solution.clone();
    let monday: Vec<usize> = (0..6)
        .map(|k| {
            let times = &out.compiled.problem.classes[k].times;
            times
                .iter()
                .position(|t| t.pattern.days == 1 && t.pattern.start == (9 + k as u32) * 12)
                .unwrap()
        })
        .collect();
    for (k, time) in monday.into_iter().enumerate() {
        solution.placements[k].as_mut().unwrap().time = time;
    }
    let days = village_timetable::school::staff_days(&out.compiled, &solution);
    assert_eq!((days.day_sd_minutes, days.uneven_staff), (170, 1));

    // Turned off, the rule is not in the problem; left out, it weighs 1.
    let off = School::from_json(&model(0).to_string()).unwrap();
    let kinds = |s: &School| {
        s.compile()
            .unwrap()
            .problem
            .distributions
            .iter()
            .filter(|d| d.origin == "an even week for T1")
            .count()
    };
    assert_eq!(kinds(&off), 0);
    assert_eq!(kinds(&s), 1);
    let mut default = model(0);
    default
        .as_object_mut()
        .unwrap()
        .remove("staff_balanced_week");
    assert_eq!(
        School::from_json(&default.to_string())
            .unwrap()
            .staff_balanced_week,
        1
    );
}
