//! The evaluator on small hand-made instances: every distribution kind, penalties as the
//! ITC 2019 specification defines them (pairs, excess, integer division by weeks at the
//! end), student conflicts with travel, and validity rules.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use village_timetable::eval::{evaluate, HardKind};
use village_timetable::itc2019::{parse_problem, parse_solution};

/// Classes (each its own course, one fixed time):
/// A: Mon 100-110 weeks 11, room r1 (time penalty 3, room penalty 2)
/// B: Mon 105-115 weeks 10, room r2
/// C: Tue 100-120 weeks 01, room r1
/// D: Mon 130-135 weeks 11, no room
/// E: Mon 110-120 weeks 11, room r3 (right after A; r1-r3 travel is 5)
fn problem(distributions: &str, students: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<problem name="hand" nrDays="5" nrWeeks="2" slotsPerDay="288">
  <optimization time="1" room="1" distribution="1" student="1"/>
  <rooms>
    <room id="r1" capacity="10"/>
    <room id="r2" capacity="10"><travel room="r1" value="5"/></room>
    <room id="r3" capacity="10"><travel room="r1" value="5"/></room>
  </rooms>
  <courses>
    <course id="A"><config id="1"><subpart id="1"><class id="A" limit="5"><room id="r1" penalty="2"/><time days="10000" start="100" length="10" weeks="11" penalty="3"/></class></subpart></config></course>
    <course id="B"><config id="2"><subpart id="2"><class id="B" limit="5"><room id="r2" penalty="0"/><time days="10000" start="105" length="10" weeks="10" penalty="0"/></class></subpart></config></course>
    <course id="C"><config id="3"><subpart id="3"><class id="C" limit="5"><room id="r1" penalty="0"/><time days="01000" start="100" length="20" weeks="01" penalty="0"/></class></subpart></config></course>
    <course id="D"><config id="4"><subpart id="4"><class id="D" limit="5" room="false"><time days="10000" start="130" length="5" weeks="11" penalty="0"/></class></subpart></config></course>
    <course id="E"><config id="5"><subpart id="5"><class id="E" limit="1"><room id="r3" penalty="0"/><time days="10000" start="110" length="10" weeks="11" penalty="0"/></class></subpart></config></course>
  </courses>
  <distributions>{distributions}</distributions>
  <students>{students}</students>
</problem>"#
    )
}

fn solution(students: &[(&str, &[&str])]) -> String {
    let of = |class: &str| {
        students
            .iter()
            .filter(|(_, cs)| cs.contains(&class))
            .map(|(s, _)| format!("<student id=\"{s}\"/>"))
            .collect::<String>()
    };
    format!(
        r#"<solution name="hand">
  <class id="A" days="10000" start="100" weeks="11" room="r1">{}</class>
  <class id="B" days="10000" start="105" weeks="10" room="r2">{}</class>
  <class id="C" days="01000" start="100" weeks="01" room="r1">{}</class>
  <class id="D" days="10000" start="130" weeks="11">{}</class>
  <class id="E" days="10000" start="110" weeks="11" room="r3">{}</class>
</solution>"#,
        of("A"),
        of("B"),
        of("C"),
        of("D"),
        of("E")
    )
}

/// Distribution penalty of one soft constraint over the given classes.
fn soft(kind: &str, penalty: u32, classes: &[&str]) -> u64 {
    let cls: String = classes
        .iter()
        .map(|c| format!("<class id=\"{c}\"/>"))
        .collect();
    let p = parse_problem(&problem(
        &format!("<distribution type=\"{kind}\" penalty=\"{penalty}\">{cls}</distribution>"),
        "",
    ))
    .unwrap();
    let s = parse_solution(&p, &solution(&[])).unwrap();
    assert!(s.issues.is_empty());
    let ev = evaluate(&p, &s.solution);
    assert!(ev.is_valid(), "{kind}: {:?}", ev.hard);
    ev.distribution_penalty
}

/// Number of hard violations of one required constraint.
fn hard(kind: &str, classes: &[&str]) -> usize {
    let cls: String = classes
        .iter()
        .map(|c| format!("<class id=\"{c}\"/>"))
        .collect();
    let p = parse_problem(&problem(
        &format!("<distribution type=\"{kind}\" required=\"true\">{cls}</distribution>"),
        "",
    ))
    .unwrap();
    let s = parse_solution(&p, &solution(&[])).unwrap();
    let ev = evaluate(&p, &s.solution);
    assert_eq!(ev.distribution_penalty, 0);
    ev.hard
        .iter()
        .filter(|v| v.kind == HardKind::Distribution)
        .count()
}

#[test]
fn pairwise_kinds_count_violating_pairs() {
    let abc = ["A", "B", "C"];
    let cases = [
        ("SameStart", 2),
        ("SameTime", 1),
        ("DifferentTime", 3),
        ("SameDays", 2),
        ("DifferentDays", 1),
        ("SameWeeks", 1),
        ("DifferentWeeks", 2),
        ("Overlap", 2),
        ("NotOverlap", 1),
        ("SameRoom", 2),
        ("DifferentRoom", 1),
        ("SameAttendees", 1),
        ("Precedence", 1),
        ("WorkDay(12)", 1),
        ("MinGap(5)", 1),
    ];
    for (kind, pairs) in cases {
        assert_eq!(soft(kind, 7, &abc), 7 * pairs, "{kind}");
        assert_eq!(hard(kind, &abc), pairs as usize, "{kind} required");
    }
}

#[test]
fn precedence_follows_the_listed_order() {
    // C's first week is after A's: A before C holds, C before A does not.
    assert_eq!(soft("Precedence", 1, &["A", "C"]), 0);
    assert_eq!(soft("Precedence", 1, &["C", "A"]), 1);
    // Same week and day: A (ends 110) before D (starts 130) holds.
    assert_eq!(soft("Precedence", 1, &["A", "D"]), 0);
    assert_eq!(soft("Precedence", 1, &["D", "A"]), 1);
}

#[test]
fn same_attendees_needs_travel_time_between_rooms() {
    // A ends at 110 in r1, E starts at 110 in r3: 5 slots of travel are missing.
    assert_eq!(soft("SameAttendees", 4, &["A", "E"]), 4);
    // NotOverlap does not care about travel.
    assert_eq!(soft("NotOverlap", 4, &["A", "E"]), 0);
    // A class without a room needs no travel: A then D is fine.
    assert_eq!(soft("SameAttendees", 4, &["A", "D"]), 0);
}

#[test]
fn global_kinds_use_excess_and_integer_division_at_the_end() {
    // Days Mon and Tue used, one over the limit of 1.
    assert_eq!(soft("MaxDays(1)", 3, &["A", "B", "C"]), 3);
    assert_eq!(soft("MaxDays(2)", 3, &["A", "B", "C"]), 0);
    // Week 1 Mon: A+B = 20 slots (5 over 15); week 2 Mon: A = 10; week 2 Tue: C = 20 (5 over).
    // (penalty 3 × 10) / 2 weeks = 15.
    assert_eq!(soft("MaxDayLoad(15)", 3, &["A", "B", "C"]), 15);
    // A and D on Mon both weeks, 20 slots apart: 2 blocks, 1 break over R=0, each week.
    // (3 × 2) / 2 = 3.
    assert_eq!(soft("MaxBreaks(0,2)", 3, &["A", "D"]), 3);
    assert_eq!(
        soft("MaxBreaks(0,20)", 3, &["A", "D"]),
        0,
        "a gap of exactly S does not break"
    );
    assert_eq!(soft("MaxBreaks(1,2)", 3, &["A", "D"]), 0);
    // Week 1 Mon: A and B form one block 100-115 (15 > 12): 1 block over M.
    // (3 × 1) / 2 = 1 (integer division).
    assert_eq!(soft("MaxBlock(12,2)", 3, &["A", "B", "C"]), 1);
    // A single long class alone is not a block of two or more classes.
    assert_eq!(soft("MaxBlock(5,2)", 3, &["C"]), 0);
    assert_eq!(hard("MaxDays(1)", &["A", "B", "C"]), 1);
    assert_eq!(hard("MaxBlock(12,2)", &["A", "B", "C"]), 1);
}

#[test]
fn student_conflicts_and_objective() {
    let students = r#"<student id="s1"><course id="A"/><course id="B"/></student>
        <student id="s2"><course id="A"/><course id="E"/></student>
        <student id="s3"><course id="C"/><course id="D"/></student>"#;
    let p = parse_problem(&problem("", students)).unwrap();
    let s = parse_solution(
        &p,
        &solution(&[
            ("s1", &["A", "B"]),
            ("s2", &["A", "E"]),
            ("s3", &["C", "D"]),
        ]),
    )
    .unwrap();
    let ev = evaluate(&p, &s.solution);
    assert!(ev.is_valid(), "{:?}", ev.hard);
    // s1: A and B overlap; s2: no time to travel from r1 to r3; s3: different days.
    assert_eq!(ev.student_conflicts, 2);
    assert_eq!(ev.time_penalty, 3);
    assert_eq!(ev.room_penalty, 2);
    assert_eq!(ev.objective, 3 + 2 + 2);
}

#[test]
fn validity_rules() {
    let students =
        r#"<student id="s1"><course id="E"/></student><student id="s2"><course id="E"/></student>"#;
    let p = parse_problem(&problem("", students)).unwrap();
    // E has a limit of 1; s2 is also put in A, which they did not request.
    let s = parse_solution(&p, &solution(&[("s1", &["E"]), ("s2", &["E", "A"])])).unwrap();
    let ev = evaluate(&p, &s.solution);
    assert!(ev.hard.iter().any(|v| v.kind == HardKind::ClassLimit));
    assert!(ev
        .hard
        .iter()
        .any(|v| v.kind == HardKind::Enrollment && v.message.contains("did not request")));
    // A student left out of a requested course.
    let s = parse_solution(&p, &solution(&[("s1", &["E"])])).unwrap();
    let ev = evaluate(&p, &s.solution);
    assert!(ev
        .hard
        .iter()
        .any(|v| v.message.contains("s2 is not enrolled")));
    // A time that is not among the class's options is reported, not silently accepted.
    let bad = solution(&[]).replace(
        r#"id="C" days="01000" start="100""#,
        r#"id="C" days="01000" start="101""#,
    );
    let s = parse_solution(&p, &bad).unwrap();
    assert_eq!(s.issues.len(), 1);
    let ev = evaluate(&p, &s.solution);
    assert!(ev.hard.iter().any(|v| v.kind == HardKind::Unassigned));
    // Two classes in one room at overlapping times.
    let clash = solution(&[]).replace(
        r#"id="B" days="10000" start="105" weeks="10" room="r2""#,
        r#"id="B" days="10000" start="105" weeks="10" room="r1""#,
    );
    let s = parse_solution(&p, &clash).unwrap();
    let ev = evaluate(&p, &s.solution);
    assert!(
        ev.hard.iter().any(|v| v.kind == HardKind::RoomNotInDomain),
        "r1 is not among B's rooms"
    );
}

#[test]
fn bad_input_is_refused_with_its_place() {
    let p = problem(
        "<distribution type=\"SameSpace\" required=\"true\"><class id=\"A\"/></distribution>",
        "",
    );
    let e = parse_problem(&p).unwrap_err().to_string();
    assert!(
        e.contains("unknown distribution type `SameSpace`") && e.contains("line 16"),
        "{e}"
    );
    let p = problem(
        "<distribution type=\"NotOverlap\"><class id=\"A\"/></distribution>",
        "",
    );
    assert!(parse_problem(&p)
        .unwrap_err()
        .to_string()
        .contains("required"));
    let p = problem(
        "",
        "<student id=\"s\"><course id=\"A\"/><course id=\"A\"/></student>",
    );
    assert!(parse_problem(&p).unwrap_err().to_string().contains("twice"));
    let e = parse_problem(
        "<problem name=\"x\" nrDays=\"5\" nrWeeks=\"1\" slotsPerDay=\"288\"><courses/></problem>",
    )
    .unwrap_err();
    assert!(e.to_string().contains("no classes"), "{e}");
    assert!(parse_problem(
        "<problem name=\"x\" nrDays=\"5\" nrWeeks=\"1\" slotsPerDay=\"288\"><courses>"
    )
    .is_err());
}
