//! iCalendar export: personal timetables of a solved school over a term, and calendars
//! with awkward text, checked by an independent parser (the `icalendar` Python package,
//! through `tests/ical_check.py`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use jiff::civil::{date, Date, DateTime};
use jiff::Timestamp;
use serde_json::json;
use village_timetable::ical::{events_for, write_calendar, CalendarEvent, CalendarRange, Whose};
use village_timetable::school::{School, SchoolOutcome};
use village_timetable::SolveOptions;

/// The version `tests/ical_check.py` was written against.
const ICALENDAR: &str = "icalendar==7.3.0";

fn stamp() -> Timestamp {
    "2025-08-20T12:34:56Z".parse().unwrap()
}

/// A fortnightly school, Monday to Friday.
fn school() -> School {
    let v = json!({
        "name": "Village Secondary",
        "days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
        "weeks": 2,
        "start_every_minutes": 15,
        "windows": [{"name": "day", "start": "08:45", "end": "15:30"}],
        "blocks": [{"name": "single", "minutes": 50}, {"name": "double", "minutes": 100}],
        "closed": [{"day": "Fri", "start": "13:00", "end": "15:30"}],
        "sites": [{"name": "Main"}],
        "rooms": [
            {"name": "Room 1", "site": "Main", "capacity": 30, "kind": "classroom"},
            {"name": "Room 2", "site": "Main", "capacity": 30, "kind": "classroom"},
            {"name": "Lab; upstairs, left", "site": "Main", "capacity": 24, "kind": "lab"}
        ],
        "staff": [
            {"name": "Ms Ada", "kind": "teacher"},
            {"name": "Mr Bó", "kind": "teacher"}
        ],
        "offers": [
            {"id": "maths", "subject": "maths", "sessions": ["single", "single", "double"],
             "setted": true, "staff_kind": "teacher", "room_kind": "classroom", "window": "day",
             "sets": [{"name": "1", "staff": "Ms Ada", "size": 20}, {"name": "2", "staff": "Mr Bó", "size": 20}]},
            {"id": "science", "subject": "science", "sessions": ["double"], "weekly": false,
             "staff_kind": "teacher", "room_kind": "lab", "window": "day",
             "sets": [{"name": "A", "staff": "Mr Bó", "size": 20}]}
        ],
        "pupils": [
            {"id": "p1", "year": 9, "requests": [{"offer": "maths", "set": "1"}, {"offer": "science"}]},
            {"id": "p2", "year": 9, "requests": [{"offer": "maths", "set": "2"}, {"offer": "science"}]}
        ]
    });
    School::from_json(&v.to_string()).unwrap()
}

fn solved() -> SchoolOutcome {
    let out = school()
        .solve(
            &SolveOptions {
                time_limit: Duration::from_secs(20),
                threads: 1,
                seed: 3,
                max_iterations: Some(20_000),
                ..SolveOptions::default()
            },
            None,
        )
        .unwrap();
    assert!(out.evaluation().is_valid(), "{:?}", out.evaluation().hard);
    out
}

/// From Monday 13 October to Friday 7 November 2025: British Summer Time ends on Sunday
/// 26 October, in the half-term holiday; Monday 3 November is an INSET day.
fn holidays() -> Vec<Date> {
    let mut out: Vec<Date> = (27..=31).map(|d| date(2025, 10, d)).collect();
    out.push(date(2025, 11, 3));
    out
}

fn range(skip: &[Date]) -> CalendarRange<'_> {
    CalendarRange {
        week_a_monday: date(2025, 9, 1),
        first_day: date(2025, 10, 13),
        last_day: date(2025, 11, 7),
        skip,
        uid_domain: "village-secondary.example",
    }
}

#[test]
fn a_pupils_calendar_has_each_lesson_of_their_timetable_on_every_school_day() {
    let out = solved();
    let skip = holidays();
    let events = events_for(
        &out.compiled,
        &out.result.solution,
        Whose::Pupil("p1"),
        &range(&skip),
    )
    .unwrap();

    // The same, derived from the school's own timetable view.
    let lessons = out.pupil_timetable("p1");
    assert!(lessons.iter().any(|l| l.offer == "maths"));
    assert!(lessons
        .iter()
        .any(|l| l.offer == "science" && l.weeks != "every"));
    let mut want = BTreeSet::new();
    let mut d = date(2025, 10, 13);
    while d <= date(2025, 11, 7) {
        let week = if (date(2025, 9, 1).until(d).unwrap().get_days() / 7) % 2 == 0 {
            "A"
        } else {
            "B"
        };
        let day = format!("{:?}", d.weekday());
        for l in &lessons {
            if !skip.contains(&d)
                && day.starts_with(&l.day)
                && (l.weeks == "every" || l.weeks == week)
            {
                want.insert((
                    format!("{d}T{}:00", l.start),
                    format!("{d}T{}:00", l.end),
                    format!("{} ({})", l.offer, l.set),
                    l.room.clone(),
                    format!("Staff: {}\nWeek {week}", l.staff),
                ));
            }
        }
        d = d.tomorrow().unwrap();
    }
    let got: BTreeSet<_> = events
        .iter()
        .map(|e| {
            (
                e.start.to_string(),
                e.end.to_string(),
                e.summary.clone(),
                e.location.clone(),
                e.description.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(got.len(), events.len(), "one event per lesson");
    assert_eq!(got, want);
    // Nothing in the half term or on the INSET day, and lessons either side of it.
    assert!(events.iter().all(|e| !skip.contains(&e.start.date())));
    assert!(events.iter().any(|e| e.start.date() < date(2025, 10, 26)));
    assert!(events.iter().any(|e| e.start.date() > date(2025, 10, 26)));
    // Written again (another day), the calendar has the same UIDs.
    let again = events_for(
        &out.compiled,
        &out.result.solution,
        Whose::Pupil("p1"),
        &range(&skip),
    )
    .unwrap();
    assert_eq!(again, events);
}

fn awkward_events() -> Vec<CalendarEvent> {
    let at = |d: Date, h: i8, m: i8| -> DateTime { d.at(h, m, 0, 0) };
    let long: String = "Read chapter 3, answer questions 1–5; bring a calculator \\ ruler. ✏️📐 "
        .repeat(8)
        + "Ünïcödé at the end 😀";
    vec![
        CalendarEvent {
            uid: "awkward-1@village.example".into(),
            summary: "Maths, set 1; double".into(),
            location: Some("Lab; upstairs, left".into()),
            description: Some(long.clone()),
            // Friday before the clock change (British Summer Time).
            start: at(date(2025, 10, 24), 9, 0),
            end: at(date(2025, 10, 24), 10, 40),
        },
        CalendarEvent {
            uid: "awkward-2@village.example".into(),
            summary: "Art 🎨 with Mr Bó".into(),
            location: None,
            description: Some(
                "Line one\nLine two, with a comma\n\nafter a blank line; end\\".into(),
            ),
            // Monday after it (Greenwich Mean Time).
            start: at(date(2025, 10, 27), 9, 0),
            end: at(date(2025, 10, 27), 9, 50),
        },
        CalendarEvent {
            uid: "awkward-3@village.example".into(),
            summary: "ক্লাব: বাংলা, গণিত; 数学".into(),
            location: Some("Room \"B\": 2".into()),
            description: None,
            // Either side of the spring change.
            start: at(date(2026, 3, 27), 15, 30),
            end: at(date(2026, 3, 27), 16, 0),
        },
        CalendarEvent {
            uid: "awkward-4@village.example".into(),
            summary: "x".repeat(200),
            location: Some("é".repeat(100)),
            description: Some("😀".repeat(60)),
            start: at(date(2026, 3, 30), 8, 45),
            end: at(date(2026, 3, 30), 15, 30),
        },
    ]
}

fn expectation(name: &str, tz: &str, events: &[CalendarEvent]) -> serde_json::Value {
    json!({
        "name": name,
        "tz": tz,
        "stamp": stamp().to_string(),
        "events": events.iter().map(|e| json!({
            "uid": e.uid,
            "summary": e.summary,
            "location": e.location,
            "description": e.description,
            "start": e.start.to_string(),
            "end": e.end.to_string(),
        })).collect::<Vec<_>>(),
    })
}

fn write_pair(dir: &Path, file: &str, name: &str, tz: &str, events: &[CalendarEvent]) {
    let ics = write_calendar(name, tz, events, stamp()).unwrap();
    std::fs::write(dir.join(format!("{file}.ics")), ics).unwrap();
    std::fs::write(
        dir.join(format!("{file}.json")),
        serde_json::to_string_pretty(&expectation(name, tz, events)).unwrap(),
    )
    .unwrap();
}

/// Run `tests/ical_check.py` on the calendars in `dir`. The `icalendar` Python package is
/// required: a missing one fails the test rather than skipping it.
fn check_with_icalendar(dir: &Path) {
    let has_icalendar = Command::new("python3")
        .args(["-c", "import icalendar"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_icalendar,
        "the calendars are checked with the icalendar Python package, which is missing: \
         pip install {ICALENDAR} (python3 must be on the PATH)"
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ical_check.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(dir)
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "ical_check.py found problems (files kept in {}):\n{report}",
        dir.display()
    );
    println!("{report}");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("village-ical-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn calendars_are_valid_under_an_independent_parser() {
    let dir = temp_dir("check");
    let awkward = awkward_events();
    write_pair(
        &dir,
        "awkward-london",
        "Ada's timetable, 2025–26; week A\\B 😀",
        "Europe/London",
        &awkward,
    );
    write_pair(
        &dir,
        "awkward-dublin",
        "Amserlen, Dulyn",
        "Europe/Dublin",
        &awkward,
    );
    write_pair(&dir, "empty", "Nothing yet", "Europe/London", &[]);

    // Personal timetables of a solved school: both pupils, both staff, every room.
    let out = solved();
    let skip = holidays();
    let mut whose = vec![
        ("pupil-p1", Whose::Pupil("p1")),
        ("pupil-p2", Whose::Pupil("p2")),
        ("staff-ada", Whose::Staff("Ms Ada")),
        ("staff-bo", Whose::Staff("Mr Bó")),
    ];
    let rooms: Vec<String> = out
        .compiled
        .problem
        .rooms
        .iter()
        .map(|r| r.id.clone())
        .collect();
    for (i, r) in rooms.iter().enumerate() {
        whose.push((["room-1", "room-2", "room-3"][i], Whose::Room(r)));
    }
    let mut total = 0;
    for (file, who) in whose {
        let events = events_for(&out.compiled, &out.result.solution, who, &range(&skip)).unwrap();
        assert!(!events.is_empty() || file.starts_with("room"), "{file}");
        total += events.len();
        write_pair(
            &dir,
            file,
            &format!("Timetable: {file}"),
            "Europe/London",
            &events,
        );
    }
    assert!(total > 20);

    check_with_icalendar(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn times_are_wall_clock_times_across_the_clock_change() {
    // A lesson at 09:00 is at 09:00 both sides of the change; only its UTC time moves.
    let events = awkward_events();
    let ics = write_calendar("T", "Europe/London", &events, stamp()).unwrap();
    assert!(ics.contains("DTSTART;TZID=Europe/London:20251024T090000\r\n"));
    assert!(ics.contains("DTSTART;TZID=Europe/London:20251027T090000\r\n"));
    // The checker compares the offsets with the time zone database: 08:00 UTC on the
    // Friday, 09:00 UTC on the Monday.
    assert!(ics.contains("TZOFFSETTO:+0100\r\n") && ics.contains("TZOFFSETTO:+0000\r\n"));
}
