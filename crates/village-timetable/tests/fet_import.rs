//! FET import on a small hand-written file (and on FET's own examples when installed).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use village_timetable::fet::{import, FetImport};
use village_timetable::model::DistributionKind;
use village_timetable::places::Place;

use village_timetable::{solve, Problem, SolveOptions, SolveResult};

const SMALL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Institution_Name>Small</Institution_Name>
<Days_List><Number_of_Days>2</Number_of_Days><Day><Name>Mon</Name></Day><Day><Name>Tue</Name></Day></Days_List>
<Hours_List><Number_of_Hours>3</Number_of_Hours><Hour><Name>9</Name></Hour><Hour><Name>10</Name></Hour><Hour><Name>11</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject><Subject><Name>Art</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher><Teacher><Name>T2</Name></Teacher></Teachers_List>
<Students_List>
  <Year><Name>Y7</Name><Number_of_Students>20</Number_of_Students>
    <Group><Name>Y7a</Name><Number_of_Students>10</Number_of_Students></Group>
    <Group><Name>Y7b</Name><Number_of_Students>10</Number_of_Students></Group>
  </Year>
</Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
  <Activity><Teacher>T2</Teacher><Subject>Art</Subject><Students>Y7a</Students><Duration>2</Duration><Id>3</Id><Active>true</Active></Activity>
  <Activity><Teacher>T2</Teacher><Subject>Art</Subject><Students>Y7b</Students><Duration>2</Duration><Id>4</Id><Active>true</Active></Activity>
  <Activity><Teacher>T2</Teacher><Subject>Art</Subject><Students>Y7b</Students><Duration>1</Duration><Id>5</Id><Active>false</Active></Activity>
</Activities_List>
<Rooms_List><Room><Name>R1</Name><Capacity>30</Capacity></Room><Room><Name>Studio</Name><Capacity>12</Capacity></Room></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  <ConstraintTeacherNotAvailableTimes><Weight_Percentage>100</Weight_Percentage><Teacher>T2</Teacher><Number_of_Not_Available_Times>1</Number_of_Not_Available_Times><Not_Available_Time><Day>Mon</Day><Hour>9</Hour></Not_Available_Time><Active>true</Active></ConstraintTeacherNotAvailableTimes>
  <ConstraintMinDaysBetweenActivities><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>2</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><MinDays>1</MinDays><Active>true</Active></ConstraintMinDaysBetweenActivities>
  <ConstraintMinDaysBetweenActivities><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>2</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>5</Activity_Id><MinDays>1</MinDays><Active>true</Active></ConstraintMinDaysBetweenActivities>
  <ConstraintStudentsSetMaxGapsPerWeek><Weight_Percentage>100</Weight_Percentage><Students>Y7</Students><Max_Gaps>0</Max_Gaps><Active>true</Active></ConstraintStudentsSetMaxGapsPerWeek>
</Time_Constraints_List>
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
  <ConstraintSubjectPreferredRoom><Weight_Percentage>100</Weight_Percentage><Subject>Art</Subject><Room>Studio</Room><Active>true</Active></ConstraintSubjectPreferredRoom>
</Space_Constraints_List>
</fet>"#;

/// Import a file every constraint of which the importer models.
fn import_fully(file: &str) -> FetImport {
    let imp = import(file).unwrap();
    assert!(
        !imp.notes.iter().any(|n| n.contains("not modelled")),
        "{:?}",
        imp.notes
    );
    imp
}

/// Solve on one thread with `seed` until the first complete timetable (3 seconds at most)
/// and insist on a valid one.
fn solve_complete(p: &Problem, seed: u64) -> SolveResult {
    let r = solve(
        p,
        &SolveOptions {
            time_limit: Duration::from_secs(3),
            threads: 1,
            seed,
            stop_when_complete: true,
            ..SolveOptions::default()
        },
        None,
    )
    .unwrap();
    assert!(r.evaluation.is_valid(), "{:?}", r.evaluation.hard);
    r
}

/// Solve on one thread within `seconds` and insist on a valid timetable.
fn solve_valid(p: &Problem, seconds: u64) -> SolveResult {
    let r = solve(
        p,
        &SolveOptions {
            time_limit: Duration::from_secs(seconds),
            threads: 1,
            ..SolveOptions::default()
        },
        None,
    )
    .unwrap();
    assert!(r.evaluation.is_valid(), "{:?}", r.evaluation.hard);
    r
}

#[test]
fn imports_and_solves_a_small_fet_file() {
    let imp = import(SMALL).unwrap();
    let p = &imp.problem;
    assert_eq!(p.classes.len(), 4, "the inactive activity is left out");
    assert_eq!(p.nr_days, 2);
    assert_eq!(p.slots_per_day, 3);
    // T2 is away on Monday at 9: no Art activity may start then.
    assert!(p.classes[2]
        .times
        .iter()
        .all(|t| !(t.pattern.days == 1 && t.pattern.start == 0)));
    assert_eq!(p.classes[2].rooms.len(), 1, "Art only in the studio");
    // "No gaps for Y7" is modelled: no empty hour between two lessons of a subgroup.
    assert!(
        !imp.notes
            .iter()
            .any(|n| n.contains("ConstraintStudentsSetMaxGapsPerWeek")),
        "{:?}",
        imp.notes
    );
    let no_gaps = p
        .distributions
        .iter()
        .filter(|d| d.kind == DistributionKind::MaxGapsPerWeek(0))
        .count();
    assert_eq!(no_gaps, 2, "one per subgroup of Y7");
    solve_valid(p, 3);
}

#[test]
fn refuses_contradictions_and_unknown_references() {
    let bad = SMALL.replace("<Students>Y7a</Students>", "<Students>Y9</Students>");
    assert!(import(&bad)
        .unwrap_err()
        .to_string()
        .contains("unknown students set `Y9`"));
    let locked = SMALL.replace(
        "<Time_Constraints_List>",
        "<Time_Constraints_List><ConstraintActivityPreferredStartingTime><Weight_Percentage>100</Weight_Percentage><Activity_Id>3</Activity_Id><Preferred_Day>Mon</Preferred_Day><Preferred_Hour>9</Preferred_Hour><Active>true</Active></ConstraintActivityPreferredStartingTime>",
    );
    let e = import(&locked).unwrap_err().to_string();
    assert!(
        e.contains("activity 3") && e.contains("no possible start"),
        "{e}"
    );
    assert!(import("<fet version=\"6.0\"><Days_List/></fet>").is_err());
}

#[test]
fn imports_fet_examples_when_installed() {
    let dir = std::path::Path::new("/usr/share/doc/fet-data/examples/FET-6-official");
    if !dir.is_dir() {
        println!("note: FET examples not installed; skipping");
        return;
    }
    let mut n = 0;
    for entry in walk(dir).into_iter().take(20) {
        let text = std::fs::read_to_string(&entry).unwrap();
        if let Err(e) = import(&text) {
            // Only the documented limitation may refuse a file.
            assert!(
                e.to_string().contains("more than 32 days"),
                "{}: {e}",
                entry.display()
            );
        }
        n += 1;
    }
    println!("imported {n} FET examples");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                out.extend(walk(&p));
            } else if p.extension().is_some_and(|e| e == "fet") {
                out.push(p);
            }
        }
    }
    out
}

/// The "activities" time constraints pick their activities by teacher, students set,
/// subject, tag and duration, and the "subactivities" ones by the part of a split activity.
#[test]
fn filtered_preferred_times_apply_to_the_activities_they_name() {
    let file = SMALL
        .replace(
            "<Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>1</Id>",
            "<Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Activity_Tag>Core</Activity_Tag><Id>1</Id><Activity_Group_Id>1</Activity_Group_Id>",
        )
        .replace(
            "<Students>Y7</Students><Duration>1</Duration><Id>2</Id>",
            "<Students>Y7</Students><Duration>1</Duration><Id>2</Id><Activity_Group_Id>1</Activity_Group_Id>",
        )
        .replace(
            "</Time_Constraints_List>",
            r#"<ConstraintActivitiesPreferredTimeSlots><Weight_Percentage>100</Weight_Percentage><Teacher_Name>T2</Teacher_Name><Students_Name>Y7b</Students_Name><Subject_Name></Subject_Name><Activity_Tag_Name></Activity_Tag_Name><Duration></Duration><Number_of_Preferred_Time_Slots>2</Number_of_Preferred_Time_Slots>
  <Preferred_Time_Slot><Preferred_Day>Tue</Preferred_Day><Preferred_Hour>10</Preferred_Hour></Preferred_Time_Slot>
  <Preferred_Time_Slot><Preferred_Day>Tue</Preferred_Day><Preferred_Hour>11</Preferred_Hour></Preferred_Time_Slot><Active>true</Active></ConstraintActivitiesPreferredTimeSlots>
<ConstraintSubactivitiesPreferredStartingTimes><Weight_Percentage>100</Weight_Percentage><Component_Number>2</Component_Number><Teacher_Name></Teacher_Name><Students_Name></Students_Name><Subject_Name>Maths</Subject_Name><Activity_Tag_Name></Activity_Tag_Name><Number_of_Preferred_Starting_Times>1</Number_of_Preferred_Starting_Times>
  <Preferred_Starting_Time><Preferred_Starting_Day>Tue</Preferred_Starting_Day><Preferred_Starting_Hour>9</Preferred_Starting_Hour></Preferred_Starting_Time><Active>true</Active></ConstraintSubactivitiesPreferredStartingTimes>
<ConstraintActivitiesPreferredStartingTimes><Weight_Percentage>100</Weight_Percentage><Teacher_Name></Teacher_Name><Students_Name></Students_Name><Subject_Name></Subject_Name><Activity_Tag_Name>Core</Activity_Tag_Name><Duration></Duration><Number_of_Preferred_Starting_Times>2</Number_of_Preferred_Starting_Times>
  <Preferred_Starting_Time><Preferred_Starting_Day>Mon</Preferred_Starting_Day><Preferred_Starting_Hour>10</Preferred_Starting_Hour></Preferred_Starting_Time>
  <Preferred_Starting_Time><Preferred_Starting_Day>Mon</Preferred_Starting_Day><Preferred_Starting_Hour>11</Preferred_Starting_Hour></Preferred_Starting_Time><Active>true</Active></ConstraintActivitiesPreferredStartingTimes>
</Time_Constraints_List>"#,
        );
    let imp = import(&file).unwrap();
    let p = &imp.problem;
    for n in &imp.notes {
        assert!(
            !n.contains("PreferredTimeSlots") && !n.contains("PreferredStartingTimes"),
            "{n}"
        );
    }
    let starts = |c: usize| -> Vec<(u32, u32)> {
        p.classes[c]
            .times
            .iter()
            .map(|t| (t.pattern.days, t.pattern.start))
            .collect()
    };
    // Activity 4 (T2, Y7b, two hours) must lie wholly inside Tuesday 10–12.
    assert_eq!(starts(3), vec![(2, 1)]);
    // Activity 3 is Y7a's: untouched (but T2 is away on Monday at 9).
    assert_eq!(starts(2).len(), 3);
    // Activity 1 is tagged Core: it starts on Monday at 10 or 11.
    assert_eq!(starts(0), vec![(1, 1), (1, 2)]);
    // Activity 2 is the second part of the split maths activity: Tuesday at 9.
    assert_eq!(starts(1), vec![(2, 0)]);
}

/// The constraints on each person's week, and the pairwise ones FET files use most, become
/// the engine's kinds: none is noted as left out, and a solve keeps them.
#[test]
fn per_person_and_pairwise_constraints_are_modelled() {
    let file = SMALL
        .replace("<Number_of_Hours>3</Number_of_Hours>", "<Number_of_Hours>4</Number_of_Hours>")
        .replace(
            "<Hour><Name>11</Name></Hour></Hours_List>",
            "<Hour><Name>11</Name></Hour><Hour><Name>12</Name></Hour></Hours_List>",
        )
        .replace("<Max_Gaps>0</Max_Gaps>", "<Max_Gaps>2</Max_Gaps>")
        .replace(
            "<Students>Y7</Students><Duration>1</Duration><Id>2</Id>",
            "<Students>Y7</Students><Duration>1</Duration><Activity_Tag>Lab</Activity_Tag><Id>2</Id>",
        )
        .replace(
            "</Time_Constraints_List>",
            r#"<ConstraintBreakTimes><Weight_Percentage>100</Weight_Percentage><Number_of_Break_Times>1</Number_of_Break_Times><Break_Time><Day>Tue</Day><Hour>9</Hour></Break_Time><Active>true</Active></ConstraintBreakTimes>
<ConstraintTeacherMinHoursDaily><Weight_Percentage>100</Weight_Percentage><Teacher_Name>T2</Teacher_Name><Minimum_Hours_Daily>2</Minimum_Hours_Daily><Allow_Empty_Days>true</Allow_Empty_Days><Active>true</Active></ConstraintTeacherMinHoursDaily>
<ConstraintStudentsSetMinHoursDaily><Weight_Percentage>100</Weight_Percentage><Students>Y7</Students><Minimum_Hours_Daily>1</Minimum_Hours_Daily><Allow_Empty_Days>false</Allow_Empty_Days><Active>true</Active></ConstraintStudentsSetMinHoursDaily>
<ConstraintStudentsEarlyMaxBeginningsAtSecondHour><Weight_Percentage>100</Weight_Percentage><Max_Beginnings_At_Second_Hour>1</Max_Beginnings_At_Second_Hour><Active>true</Active></ConstraintStudentsEarlyMaxBeginningsAtSecondHour>
<ConstraintTeacherMaxHoursContinuously><Weight_Percentage>100</Weight_Percentage><Teacher_Name>T2</Teacher_Name><Maximum_Hours_Continuously>3</Maximum_Hours_Continuously><Active>true</Active></ConstraintTeacherMaxHoursContinuously>
<ConstraintTeacherActivityTagMaxHoursDaily><Weight_Percentage>100</Weight_Percentage><Teacher_Name>T1</Teacher_Name><Activity_Tag_Name>Lab</Activity_Tag_Name><Maximum_Hours_Daily>1</Maximum_Hours_Daily><Active>true</Active></ConstraintTeacherActivityTagMaxHoursDaily>
<ConstraintActivitiesSameStartingHour><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>2</Number_of_Activities><Activity_Id>3</Activity_Id><Activity_Id>4</Activity_Id><Active>true</Active></ConstraintActivitiesSameStartingHour>
<ConstraintMinGapsBetweenActivities><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>2</Number_of_Activities><Activity_Id>3</Activity_Id><Activity_Id>1</Activity_Id><MinGaps>1</MinGaps><Active>true</Active></ConstraintMinGapsBetweenActivities>
<ConstraintTwoActivitiesOrdered><Weight_Percentage>100</Weight_Percentage><First_Activity_Id>1</First_Activity_Id><Second_Activity_Id>2</Second_Activity_Id><Active>true</Active></ConstraintTwoActivitiesOrdered>
<ConstraintTeacherMinDaysPerWeek><Weight_Percentage>100</Weight_Percentage><Teacher_Name>T2</Teacher_Name><Minimum_Days_Per_Week>2</Minimum_Days_Per_Week><Active>true</Active></ConstraintTeacherMinDaysPerWeek>
</Time_Constraints_List>"#,
        )
        .replace(
            "</Space_Constraints_List>",
            r#"<ConstraintActivityTagPreferredRoom><Weight_Percentage>100</Weight_Percentage><Activity_Tag>Lab</Activity_Tag><Room>R1</Room><Active>true</Active></ConstraintActivityTagPreferredRoom>
</Space_Constraints_List>"#,
        );
    let imp = import_fully(&file);
    let p = &imp.problem;
    let kinds: Vec<DistributionKind> = p.distributions.iter().map(|d| d.kind).collect();
    for want in [
        DistributionKind::MaxGapsPerWeek(2),
        DistributionKind::MinDayLoad(2, true),
        DistributionKind::MinDayLoad(1, false),
        DistributionKind::EarlyStart(1),
        DistributionKind::MaxBlock(3, 0),
        DistributionKind::SameStart,
        DistributionKind::MinGap(1),
        DistributionKind::Precedence,
        DistributionKind::MinDays(2),
    ] {
        assert!(kinds.contains(&want), "{want:?} missing from {kinds:?}");
    }
    // The tagged daily limit covers T1's tagged activity only: one class, so nothing
    // to limit; the untagged ones are not in it.
    assert!(!kinds.contains(&DistributionKind::MaxDayLoad(1)));
    assert_eq!(p.breaks.len(), 1, "Tuesday 9 is a break");
    assert_eq!(p.classes[1].rooms.len(), 1, "the Lab activity only in R1");
    let r = solve_valid(p, 3);
    // T2 teaches on both days: their two art lessons are on different days.
    let day = |c: usize| {
        let at = r.solution.placements[c].unwrap();
        p.classes[c].times[at.time].pattern.days
    };
    assert_ne!(day(2), day(3));
}

/// MinDays above one is said exactly, not as "different days".
#[test]
fn min_days_above_one_keep_their_distance() {
    let file = SMALL.replace(
        "<Days_List><Number_of_Days>2</Number_of_Days><Day><Name>Mon</Name></Day><Day><Name>Tue</Name></Day></Days_List>",
        "<Days_List><Number_of_Days>3</Number_of_Days><Day><Name>Mon</Name></Day><Day><Name>Tue</Name></Day><Day><Name>Wed</Name></Day></Days_List>",
    )
    .replacen("<MinDays>1</MinDays>", "<MinDays>2</MinDays>", 1);
    let imp = import(&file).unwrap();
    let p = &imp.problem;
    assert!(p
        .distributions
        .iter()
        .any(|d| d.kind == DistributionKind::MinDaysApart(2) && d.required));
    let r = solve_valid(p, 2);
    let day =
        |c: usize| r.solution.placements[c].map(|pl| p.classes[c].times[pl.time].pattern.days);
    let mut days = [day(0), day(1)];
    days.sort();
    assert_eq!(
        days,
        [Some(1), Some(4)],
        "maths on Monday and Wednesday, two days apart"
    );
}

/// "Activity ends the students' day": every other activity of its subgroups ends before it
/// on a day they share.
#[test]
fn an_activity_can_end_the_students_day() {
    let file = SMALL.replace(
        "</Time_Constraints_List>",
        r#"<ConstraintActivityEndsStudentsDay><Weight_Percentage>100</Weight_Percentage><Activity_Id>1</Activity_Id><Active>true</Active></ConstraintActivityEndsStudentsDay>
</Time_Constraints_List>"#,
    );
    let imp = import(&file).unwrap();
    let p = &imp.problem;
    let pairs: Vec<&[usize]> = p
        .distributions
        .iter()
        .filter(|d| d.kind == DistributionKind::BeforeIfSameDay)
        .map(|d| d.classes.as_slice())
        .collect();
    // Activity 1 (class 0) shares a subgroup with activities 2, 3 and 4.
    assert_eq!(pairs, vec![&[1, 0][..], &[2, 0][..], &[3, 0][..]]);
    let r = solve_valid(p, 2);
    let at = |c: usize| {
        let pl = r.solution.placements[c].unwrap();
        p.classes[c].times[pl.time].pattern
    };
    let last = at(0);
    for c in 1..4 {
        let t = at(c);
        assert!(
            t.days & last.days == 0 || t.end() <= last.start,
            "class {c} at {t:?} ends after activity 1 at {last:?}"
        );
    }
}

/// FET allows a subject named with spaces; a constraint naming it applies to its activities
/// only, not (as an empty field would) to every activity.
#[test]
fn a_name_of_spaces_is_a_name() {
    let file = SMALL
        .replace(
            "<Subject><Name>Art</Name></Subject>",
            "<Subject><Name>Art</Name></Subject><Subject><Name>   </Name></Subject>",
        )
        .replace(
            "<Teacher>T2</Teacher><Subject>Art</Subject><Students>Y7b</Students><Duration>2</Duration><Id>4</Id>",
            "<Teacher>T2</Teacher><Subject>   </Subject><Students>Y7b</Students><Duration>2</Duration><Id>4</Id>",
        )
        .replace(
            "</Time_Constraints_List>",
            r#"<ConstraintActivitiesPreferredStartingTimes><Weight_Percentage>100</Weight_Percentage><Teacher_Name></Teacher_Name><Students_Name></Students_Name><Subject_Name>   </Subject_Name><Activity_Tag_Name></Activity_Tag_Name><Duration></Duration><Number_of_Preferred_Starting_Times>1</Number_of_Preferred_Starting_Times>
  <Preferred_Starting_Time><Preferred_Starting_Day>Tue</Preferred_Starting_Day><Preferred_Starting_Hour>10</Preferred_Starting_Hour></Preferred_Starting_Time><Active>true</Active></ConstraintActivitiesPreferredStartingTimes>
</Time_Constraints_List>"#,
        );
    let imp = import(&file).unwrap();
    let p = &imp.problem;
    let starts = |c: usize| p.classes[c].times.len();
    assert_eq!(
        starts(3),
        1,
        "the activity of the subject of spaces starts Tuesday at 10"
    );
    assert!(
        starts(0) > 1 && starts(2) > 1,
        "the others are not restricted"
    );
}

/// In FET's mornings-and-afternoons files each real day is two days, morning then
/// afternoon; teachers' max mornings and afternoons per week count those halves.
#[test]
fn mornings_and_afternoons_are_counted_apart() {
    let file = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Institution_Name>Halves</Institution_Name>
<Days_List><Number_of_Days>4</Number_of_Days><Day><Name>Mon_m</Name></Day><Day><Name>Mon_a</Name></Day><Day><Name>Tue_m</Name></Day><Day><Name>Tue_a</Name></Day></Days_List>
<Hours_List><Number_of_Hours>2</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher><Teacher><Name>T2</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y7</Name><Number_of_Students>20</Number_of_Students></Year><Year><Name>Y8</Name><Number_of_Students>20</Number_of_Students></Year></Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
  <Activity><Teacher>T2</Teacher><Subject>Maths</Subject><Students>Y8</Students><Duration>1</Duration><Id>3</Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List><Room><Name>R1</Name><Capacity>30</Capacity></Room><Room><Name>R2</Name><Capacity>30</Capacity></Room></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  <ConstraintTeacherMaxAfternoonsPerWeek><Weight_Percentage>100</Weight_Percentage><Teacher_Name>T1</Teacher_Name><Max_Afternoons_Per_Week>0</Max_Afternoons_Per_Week><Active>true</Active></ConstraintTeacherMaxAfternoonsPerWeek>
  <ConstraintTeachersMaxMorningsPerWeek><Weight_Percentage>100</Weight_Percentage><Max_Mornings_Per_Week>0</Max_Mornings_Per_Week><Active>false</Active></ConstraintTeachersMaxMorningsPerWeek>
  <ConstraintTeacherMaxMorningsPerWeek><Weight_Percentage>100</Weight_Percentage><Teacher_Name>T2</Teacher_Name><Max_Mornings_Per_Week>0</Max_Mornings_Per_Week><Active>true</Active></ConstraintTeacherMaxMorningsPerWeek>
</Time_Constraints_List>
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
</Space_Constraints_List>
</fet>"#;
    let imp = import_fully(file);
    let p = &imp.problem;
    let kinds: Vec<DistributionKind> = p.distributions.iter().map(|d| d.kind).collect();
    assert!(kinds.contains(&DistributionKind::MaxDaysAmong(0b1010, 0)));
    assert!(kinds.contains(&DistributionKind::MaxDaysAmong(0b0101, 0)));
    let r = solve_valid(p, 3);
    let day = |c: usize| {
        let at = r.solution.placements[c].unwrap();
        p.classes[c].times[at.time].pattern.days
    };
    assert_eq!(day(0) & 0b1010, 0, "T1 teaches mornings only");
    assert_eq!(day(1) & 0b1010, 0, "T1 teaches mornings only");
    assert_eq!(day(2) & 0b0101, 0, "T2 teaches afternoons only");
}

/// Mornings-and-afternoons files limit a teacher's hours over a real day (morning and
/// afternoon together) and may ask for afternoons without gaps; two activities may be
/// ordered only when they fall on the same day.
#[test]
fn real_days_afternoon_gaps_and_order_on_a_day_are_modelled() {
    let file = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Mode>Mornings_Afternoons</Mode>
<Institution_Name>Real days</Institution_Name>
<Days_List><Number_of_Days>4</Number_of_Days><Day><Name>Mon_m</Name></Day><Day><Name>Mon_a</Name></Day><Day><Name>Tue_m</Name></Day><Day><Name>Tue_a</Name></Day></Days_List>
<Hours_List><Number_of_Hours>3</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour><Hour><Name>3</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y7</Name><Number_of_Students>20</Number_of_Students></Year><Year><Name>Y8</Name><Number_of_Students>20</Number_of_Students></Year></Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y8</Students><Duration>1</Duration><Id>3</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y8</Students><Duration>1</Duration><Id>4</Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List><Room><Name>R1</Name><Capacity>30</Capacity></Room></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  <ConstraintTeachersMaxHoursDailyRealDays><Weight_Percentage>100</Weight_Percentage><Maximum_Hours_Daily>2</Maximum_Hours_Daily><Active>true</Active></ConstraintTeachersMaxHoursDailyRealDays>
  <ConstraintTeachersMaxZeroGapsPerAfternoon><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintTeachersMaxZeroGapsPerAfternoon>
  <ConstraintTwoActivitiesOrderedIfSameDay><Weight_Percentage>100</Weight_Percentage><First_Activity_Id>2</First_Activity_Id><Second_Activity_Id>1</Second_Activity_Id><Active>true</Active></ConstraintTwoActivitiesOrderedIfSameDay>
</Time_Constraints_List>
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
</Space_Constraints_List>
</fet>"#;
    let imp = import_fully(file);
    let p = &imp.problem;
    let has = |kind: DistributionKind, classes: &[usize]| {
        p.distributions
            .iter()
            .any(|d| d.kind == kind && d.required && d.classes == classes)
    };
    assert!(has(DistributionKind::MaxRealDayLoad(2), &[0, 1, 2, 3]));
    assert!(has(
        DistributionKind::MaxGapsAmong(0b1010, 0),
        &[0, 1, 2, 3]
    ));
    assert!(has(DistributionKind::BeforeIfSameDay, &[1, 0]));
    let r = solve_valid(p, 3);
    let at = |c: usize| {
        let pl = r.solution.placements[c].unwrap();
        p.classes[c].times[pl.time].pattern
    };
    for real_day in [0b0011, 0b1100] {
        let n = (0..4).filter(|&c| at(c).days & real_day != 0).count();
        assert!(n <= 2, "T1 teaches {n} hours on one real day");
    }
    if at(0).days == at(1).days {
        assert!(at(1).end() <= at(0).start, "activity 2 comes first");
    }
}

/// A teacher's real days (a morning and its afternoon) are limited, and a selection of
/// slots must hold at least so many of some activities' hours.
#[test]
fn real_days_per_week_and_a_minimum_of_selected_slots_are_modelled() {
    let file = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Mode>Mornings_Afternoons</Mode>
<Institution_Name>Real days per week</Institution_Name>
<Days_List><Number_of_Days>6</Number_of_Days><Day><Name>Mon_m</Name></Day><Day><Name>Mon_a</Name></Day><Day><Name>Tue_m</Name></Day><Day><Name>Tue_a</Name></Day><Day><Name>Wed_m</Name></Day><Day><Name>Wed_a</Name></Day></Days_List>
<Hours_List><Number_of_Hours>2</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher><Teacher><Name>T2</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y7</Name><Number_of_Students>20</Number_of_Students></Year><Year><Name>Y8</Name><Number_of_Students>20</Number_of_Students></Year></Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y8</Students><Duration>1</Duration><Id>3</Id><Active>true</Active></Activity>
  <Activity><Teacher>T2</Teacher><Subject>Maths</Subject><Students>Y8</Students><Duration>1</Duration><Id>4</Id><Active>true</Active></Activity>
  <Activity><Teacher>T2</Teacher><Subject>Maths</Subject><Students>Y8</Students><Duration>1</Duration><Id>5</Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List><Room><Name>R1</Name><Capacity>30</Capacity></Room><Room><Name>R2</Name><Capacity>30</Capacity></Room></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  <ConstraintTeacherMaxRealDaysPerWeek><Weight_Percentage>100</Weight_Percentage><Teacher_Name>T1</Teacher_Name><Max_Days_Per_Week>1</Max_Days_Per_Week><Active>true</Active></ConstraintTeacherMaxRealDaysPerWeek>
  <ConstraintActivitiesOccupyMinTimeSlotsFromSelection><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>2</Number_of_Activities><Activity_Id>4</Activity_Id><Activity_Id>5</Activity_Id><Number_of_Selected_Time_Slots>2</Number_of_Selected_Time_Slots><Selected_Time_Slot><Selected_Day>Wed_a</Selected_Day><Selected_Hour>1</Selected_Hour></Selected_Time_Slot><Selected_Time_Slot><Selected_Day>Wed_a</Selected_Day><Selected_Hour>2</Selected_Hour></Selected_Time_Slot><Min_Number_of_Occupied_Time_Slots>2</Min_Number_of_Occupied_Time_Slots><Active>true</Active></ConstraintActivitiesOccupyMinTimeSlotsFromSelection>
</Time_Constraints_List>
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
</Space_Constraints_List>
</fet>"#;
    let imp = import_fully(file);
    let p = &imp.problem;
    let has = |kind: DistributionKind, classes: &[usize]| {
        p.distributions
            .iter()
            .any(|d| d.kind == kind && d.required && d.classes == classes)
    };
    assert!(has(DistributionKind::MaxRealDays(1), &[0, 1, 2]));
    assert!(has(DistributionKind::MinSlotsAmong(0, 2), &[3, 4]));
    assert_eq!(p.slot_selections[0].len(), 2);
    for seed in 1..=3 {
        let r = solve_complete(p, seed);
        let at = |c: usize| {
            let pl = r.solution.placements[c].unwrap();
            p.classes[c].times[pl.time].pattern
        };
        // T1's three lessons fall on one real day: days 2k and 2k+1.
        let real_days: std::collections::BTreeSet<u32> =
            (0..3).map(|c| at(c).first_day() / 2).collect();
        assert_eq!(real_days.len(), 1, "T1 teaches on {real_days:?}");
        // T2's two lessons fill Wednesday afternoon.
        let mut wed_pm: Vec<u32> = (3..5)
            .filter(|&c| at(c).days == 1 << 5)
            .map(|c| at(c).start)
            .collect();
        wed_pm.sort_unstable();
        assert_eq!(wed_pm, [0, 1], "seed {seed}");
    }
}

/// At most so many of some activities at once in each selected slot: three lessons of
/// different classes and teachers, and only one of them in the first hour.
#[test]
fn activities_at_once_in_selected_slots_are_limited() {
    let file = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Institution_Name>At once</Institution_Name>
<Days_List><Number_of_Days>1</Number_of_Days><Day><Name>Mon</Name></Day></Days_List>
<Hours_List><Number_of_Hours>2</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher><Teacher><Name>T2</Name></Teacher><Teacher><Name>T3</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y7</Name><Number_of_Students>20</Number_of_Students></Year><Year><Name>Y8</Name><Number_of_Students>20</Number_of_Students></Year><Year><Name>Y9</Name><Number_of_Students>20</Number_of_Students></Year></Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T2</Teacher><Subject>Maths</Subject><Students>Y8</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
  <Activity><Teacher>T3</Teacher><Subject>Maths</Subject><Students>Y9</Students><Duration>1</Duration><Id>3</Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List><Room><Name>R1</Name><Capacity>30</Capacity></Room><Room><Name>R2</Name><Capacity>30</Capacity></Room><Room><Name>R3</Name><Capacity>30</Capacity></Room></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  <ConstraintActivitiesMaxSimultaneousInSelectedTimeSlots><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>3</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><Activity_Id>3</Activity_Id><Number_of_Selected_Time_Slots>1</Number_of_Selected_Time_Slots><Selected_Time_Slot><Selected_Day>Mon</Selected_Day><Selected_Hour>1</Selected_Hour></Selected_Time_Slot><Max_Number_of_Simultaneous_Activities>1</Max_Number_of_Simultaneous_Activities><Active>true</Active></ConstraintActivitiesMaxSimultaneousInSelectedTimeSlots>
</Time_Constraints_List>
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
</Space_Constraints_List>
</fet>"#;
    let imp = import_fully(file);
    let p = &imp.problem;
    assert!(p.distributions.iter().any(|d| d.required
        && d.kind == DistributionKind::MaxSimultaneousAmong(0, 1)
        && d.classes == [0, 1, 2]));
    for seed in 1..=3 {
        let r = solve_complete(p, seed);
        let first_hour = (0..3)
            .filter(|&c| {
                let pl = r.solution.placements[c].unwrap();
                p.classes[c].times[pl.time].pattern.start == 0
            })
            .count();
        assert!(
            first_hour <= 1,
            "seed {seed}: {first_hour} in the first hour"
        );
    }
}

/// In mornings-and-afternoons files a "day" of min hours daily is a real day, and in the
/// mode's FET 5 builds so is a day of a teacher's max days per week; elsewhere a day is a
/// day.
#[test]
fn mornings_and_afternoons_files_count_some_rules_over_real_days() {
    let rules = r#"<ConstraintStudentsMinHoursDaily><Weight_Percentage>100</Weight_Percentage><Minimum_Hours_Daily>2</Minimum_Hours_Daily><Allow_Empty_Days>false</Allow_Empty_Days><Active>true</Active></ConstraintStudentsMinHoursDaily>
  <ConstraintTeacherMaxDaysPerWeek><Weight_Percentage>100</Weight_Percentage><Teacher_Name>T1</Teacher_Name><Max_Days_Per_Week>1</Max_Days_Per_Week><Active>true</Active></ConstraintTeacherMaxDaysPerWeek>
</Time_Constraints_List>"#;
    let file = |version: &str, mode: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="{version}">{mode}
<Institution_Name>Real days</Institution_Name>
<Days_List><Number_of_Days>4</Number_of_Days><Day><Name>Mon_m</Name></Day><Day><Name>Mon_a</Name></Day><Day><Name>Tue_m</Name></Day><Day><Name>Tue_a</Name></Day></Days_List>
<Hours_List><Number_of_Hours>2</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y7</Name><Number_of_Students>20</Number_of_Students></Year></Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List><Room><Name>R1</Name><Capacity>30</Capacity></Room></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  {rules}
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
</Space_Constraints_List>
</fet>"#
        )
    };
    let kinds = |version: &str, mode: &str| -> Vec<DistributionKind> {
        let imp = import_fully(&file(version, mode));
        let mut k: Vec<DistributionKind> = imp
            .problem
            .distributions
            .iter()
            .filter(|d| d.required && d.classes == [0, 1])
            .map(|d| d.kind)
            .filter(|k| !matches!(k, DistributionKind::NotOverlap))
            .collect();
        k.sort_by_key(|k| k.itc_name());
        k
    };
    use DistributionKind::*;
    let mode = "<Mode>Mornings_Afternoons</Mode>";
    assert_eq!(
        kinds("6.8.5", mode),
        [MaxDays(1), MinRealDayLoad(2, false)],
        "FET 6: max days per week counts half-days; its own rule counts real days"
    );
    assert_eq!(
        kinds("5.27.3-algeria17", ""),
        [MaxRealDays(1), MinRealDayLoad(2, false)]
    );
    assert_eq!(kinds("6.8.5", ""), [MaxDays(1), MinDayLoad(2, false)]);
}

/// Three activities grouped: one after another on one day, in any order, a break
/// between two of them allowed.
#[test]
fn three_activities_grouped_are_modelled() {
    let file = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Institution_Name>Grouped</Institution_Name>
<Days_List><Number_of_Days>2</Number_of_Days><Day><Name>Mon</Name></Day><Day><Name>Tue</Name></Day></Days_List>
<Hours_List><Number_of_Hours>6</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour><Hour><Name>3</Name></Hour><Hour><Name>4</Name></Hour><Hour><Name>5</Name></Hour><Hour><Name>6</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher><Teacher><Name>T2</Name></Teacher><Teacher><Name>T3</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y7</Name><Number_of_Students>20</Number_of_Students></Year></Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T2</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
  <Activity><Teacher>T3</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>2</Duration><Id>3</Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List><Room><Name>R1</Name><Capacity>30</Capacity></Room></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  <ConstraintBreakTimes><Weight_Percentage>100</Weight_Percentage><Number_of_Break_Times>2</Number_of_Break_Times><Break_Time><Day>Mon</Day><Hour>4</Hour></Break_Time><Break_Time><Day>Tue</Day><Hour>4</Hour></Break_Time><Active>true</Active></ConstraintBreakTimes>
  <ConstraintThreeActivitiesGrouped><Weight_Percentage>100</Weight_Percentage><First_Activity_Id>1</First_Activity_Id><Second_Activity_Id>2</Second_Activity_Id><Third_Activity_Id>3</Third_Activity_Id><Active>true</Active></ConstraintThreeActivitiesGrouped>
</Time_Constraints_List>
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
</Space_Constraints_List>
</fet>"#;
    let imp = import_fully(file);
    let p = &imp.problem;
    assert!(p
        .distributions
        .iter()
        .any(|d| d.required && d.kind == DistributionKind::Grouped && d.classes == [0, 1, 2]));
    for seed in 1..=3 {
        let r = solve_complete(p, seed);
        let mut at: Vec<(u32, u32, u32)> = (0..3)
            .map(|c| {
                let t = p.classes[c].times[r.solution.placements[c].unwrap().time].pattern;
                (t.first_day(), t.start, t.end())
            })
            .collect();
        at.sort_unstable();
        for pair in at.windows(2) {
            let ((d0, _, end), (d1, start, _)) = (pair[0], pair[1]);
            assert_eq!(d0, d1, "seed {seed}: {at:?}");
            // Back to back, or only the break (the fourth hour) between.
            assert!(
                end == start || (end == 3 && start == 4),
                "seed {seed}: {at:?}"
            );
        }
    }
}

/// A teacher who rests at least an hour between a morning and its afternoon: with four
/// lessons in two half-days of two hours, the morning's last hour and the afternoon's
/// first are never both taught.
#[test]
fn resting_hours_between_morning_and_afternoon_are_modelled() {
    let file = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Mode>Mornings_Afternoons</Mode>
<Institution_Name>Resting hours</Institution_Name>
<Days_List><Number_of_Days>2</Number_of_Days><Day><Name>Mon_m</Name></Day><Day><Name>Mon_a</Name></Day></Days_List>
<Hours_List><Number_of_Hours>3</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour><Hour><Name>3</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y7</Name><Number_of_Students>20</Number_of_Students></Year></Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>3</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>4</Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List><Room><Name>R1</Name><Capacity>30</Capacity></Room></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  <ConstraintTeachersMinRestingHoursBetweenMorningAndAfternoon><Weight_Percentage>100</Weight_Percentage><Minimum_Resting_Hours>1</Minimum_Resting_Hours><Active>true</Active></ConstraintTeachersMinRestingHoursBetweenMorningAndAfternoon>
</Time_Constraints_List>
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
</Space_Constraints_List>
</fet>"#;
    let imp = import_fully(file);
    let p = &imp.problem;
    assert!(p.distributions.iter().any(|d| d.required
        && d.kind == DistributionKind::MinRestBetweenHalves(1)
        && d.classes == [0, 1, 2, 3]));
    for seed in 1..=3 {
        let r = solve_complete(p, seed);
        let taught = |day: u32, hour: u32| {
            (0..4).any(|c| {
                let pl = r.solution.placements[c].unwrap();
                let t = p.classes[c].times[pl.time].pattern;
                t.days == 1 << day && t.start == hour
            })
        };
        assert!(
            !(taught(0, 2) && taught(1, 0)),
            "seed {seed}: the morning's last hour and the afternoon's first"
        );
    }
}

/// Activities that may occupy only some of a selection of slots: here the two art
/// lessons may not meet on Tuesday at 11 at all.
#[test]
fn activities_occupy_at_most_so_many_selected_slots() {
    let rule = |day: &str| {
        format!(
            r#"<ConstraintActivitiesOccupyMaxTimeSlotsFromSelection><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>2</Number_of_Activities><Activity_Id>3</Activity_Id><Activity_Id>4</Activity_Id><Number_of_Selected_Time_Slots>1</Number_of_Selected_Time_Slots><Selected_Time_Slot><Selected_Day>{day}</Selected_Day><Selected_Hour>11</Selected_Hour></Selected_Time_Slot><Max_Number_of_Occupied_Time_Slots>0</Max_Number_of_Occupied_Time_Slots><Active>true</Active></ConstraintActivitiesOccupyMaxTimeSlotsFromSelection>
</Time_Constraints_List>"#
        )
    };
    let file = SMALL.replace("</Time_Constraints_List>", &rule("Tue"));
    let imp = import_fully(&file);
    let p = &imp.problem;
    assert_eq!(p.slot_selections.len(), 1);
    assert_eq!(
        (p.slot_selections[0][0].days, p.slot_selections[0][0].start),
        (0b10, 2),
        "Tuesday, the third hour"
    );
    let rule_dist = p
        .distributions
        .iter()
        .find(|d| d.kind == DistributionKind::MaxSlotsAmong(0, 0))
        .expect("imported");
    assert!(rule_dist.required);
    assert_eq!(rule_dist.classes.len(), 2);
    for seed in 1..=3 {
        let r = solve(
            p,
            &SolveOptions {
                time_limit: Duration::from_secs(3),
                threads: 1,
                seed,
                ..SolveOptions::default()
            },
            None,
        )
        .unwrap();
        assert!(r.evaluation.is_valid(), "{:?}", r.evaluation.hard);
        for &c in &rule_dist.classes {
            let t = p.classes[c].times[r.solution.placements[c].unwrap().time].pattern;
            assert!(
                !(t.days & 0b10 != 0 && t.start <= 2 && 2 < t.end()),
                "art meets on Tuesday at 11: {t:?}"
            );
        }
    }
    // A day the file does not have is named.
    let err = import(&SMALL.replace("</Time_Constraints_List>", &rule("Sun")))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown day `Sun`"), "{err}");
    assert!(err.contains("line"), "{err}");
}

/// FET's consecutive (and grouped) activities may have a break between them: two lessons
/// either side of a morning break are still back to back.
#[test]
fn a_break_does_not_part_consecutive_activities() {
    let file = |with_break: bool| {
        let breaks = if with_break {
            r#"<ConstraintBreakTimes><Weight_Percentage>100</Weight_Percentage><Number_of_Break_Times>1</Number_of_Break_Times><Break_Time><Day>Mon</Day><Hour>B</Hour></Break_Time><Active>true</Active></ConstraintBreakTimes>"#
        } else {
            ""
        };
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Institution_Name>Break</Institution_Name>
<Days_List><Number_of_Days>1</Number_of_Days><Day><Name>Mon</Name></Day></Days_List>
<Hours_List><Number_of_Hours>4</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour><Hour><Name>B</Name></Hour><Hour><Name>3</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y7</Name><Number_of_Students>20</Number_of_Students></Year></Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List><Room><Name>R1</Name><Capacity>30</Capacity></Room></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  {breaks}
  <ConstraintActivityPreferredStartingTime><Weight_Percentage>100</Weight_Percentage><Activity_Id>1</Activity_Id><Preferred_Day>Mon</Preferred_Day><Preferred_Hour>2</Preferred_Hour><Permanently_Locked>true</Permanently_Locked><Active>true</Active></ConstraintActivityPreferredStartingTime>
  <ConstraintActivityPreferredStartingTime><Weight_Percentage>100</Weight_Percentage><Activity_Id>2</Activity_Id><Preferred_Day>Mon</Preferred_Day><Preferred_Hour>3</Preferred_Hour><Permanently_Locked>true</Permanently_Locked><Active>true</Active></ConstraintActivityPreferredStartingTime>
  <ConstraintTwoActivitiesConsecutive><Weight_Percentage>100</Weight_Percentage><First_Activity_Id>1</First_Activity_Id><Second_Activity_Id>2</Second_Activity_Id><Active>true</Active></ConstraintTwoActivitiesConsecutive>
  <ConstraintTwoActivitiesGrouped><Weight_Percentage>100</Weight_Percentage><First_Activity_Id>2</First_Activity_Id><Second_Activity_Id>1</Second_Activity_Id><Active>true</Active></ConstraintTwoActivitiesGrouped>
</Time_Constraints_List>
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
</Space_Constraints_List>
</fet>"#
        )
    };
    let imp = import(&file(true)).unwrap();
    let kinds: Vec<DistributionKind> = imp.problem.distributions.iter().map(|d| d.kind).collect();
    assert!(kinds.contains(&DistributionKind::BackToBack));
    let r = solve_valid(&imp.problem, 2);
    assert_eq!(r.evaluation.hard.len(), 0);
    // Without the break, an hour lies between the two locked lessons.
    let imp = import(&file(false)).unwrap();
    let r = solve(
        &imp.problem,
        &SolveOptions {
            time_limit: Duration::from_secs(1),
            threads: 1,
            ..SolveOptions::default()
        },
        None,
    )
    .unwrap();
    assert!(
        r.evaluation
            .hard
            .iter()
            .any(|h| h.message.contains("BackToBack")),
        "{:?}",
        r.evaluation.hard
    );
}

/// A students set in a filter matches every activity sharing students with it (a
/// constraint on the year applies to its groups' activities), as FET matches them.
#[test]
fn a_filter_on_a_year_applies_to_its_groups() {
    let file = SMALL.replace(
        "</Time_Constraints_List>",
        r#"<ConstraintActivitiesPreferredStartingTimes><Weight_Percentage>100</Weight_Percentage><Teacher_Name>T2</Teacher_Name><Students_Name>Y7</Students_Name><Subject_Name></Subject_Name><Activity_Tag_Name></Activity_Tag_Name><Duration></Duration><Number_of_Preferred_Starting_Times>1</Number_of_Preferred_Starting_Times>
  <Preferred_Starting_Time><Preferred_Starting_Day>Tue</Preferred_Starting_Day><Preferred_Starting_Hour>9</Preferred_Starting_Hour></Preferred_Starting_Time><Active>true</Active></ConstraintActivitiesPreferredStartingTimes>
</Time_Constraints_List>"#,
    );
    let imp = import(&file).unwrap();
    let starts = |c: usize| -> Vec<(u32, u32)> {
        imp.problem.classes[c]
            .times
            .iter()
            .map(|t| (t.pattern.days, t.pattern.start))
            .collect()
    };
    // Activities 3 (Y7a) and 4 (Y7b) are T2's with groups of Y7: Tuesday at 9 only.
    assert_eq!(starts(2), vec![(2, 0)]);
    assert_eq!(starts(3), vec![(2, 0)]);
    // Activity 1 is T1's: untouched.
    assert_eq!(starts(0).len(), 6);
}

/// FET counts no gap over a teacher's not-available hour, and no late start over a
/// students set's, as over break times: two lessons either side of the teacher's hour
/// away keep "no gaps", and a class that is away at the first hour still starts early.
#[test]
fn away_times_are_neither_gaps_nor_late_starts() {
    let file = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Institution_Name>Away</Institution_Name>
<Days_List><Number_of_Days>1</Number_of_Days><Day><Name>Mon</Name></Day></Days_List>
<Hours_List><Number_of_Hours>4</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour><Hour><Name>3</Name></Hour><Hour><Name>4</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y7</Name><Number_of_Students>20</Number_of_Students></Year></Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List><Room><Name>R1</Name><Capacity>30</Capacity></Room></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  <ConstraintTeacherNotAvailableTimes><Weight_Percentage>100</Weight_Percentage><Teacher>T1</Teacher><Number_of_Not_Available_Times>1</Number_of_Not_Available_Times><Not_Available_Time><Day>Mon</Day><Hour>3</Hour></Not_Available_Time><Active>true</Active></ConstraintTeacherNotAvailableTimes>
  <ConstraintStudentsSetNotAvailableTimes><Weight_Percentage>100</Weight_Percentage><Students>Y7</Students><Number_of_Not_Available_Times>1</Number_of_Not_Available_Times><Not_Available_Time><Day>Mon</Day><Hour>1</Hour></Not_Available_Time><Active>true</Active></ConstraintStudentsSetNotAvailableTimes>
  <ConstraintActivityPreferredStartingTime><Weight_Percentage>100</Weight_Percentage><Activity_Id>1</Activity_Id><Preferred_Day>Mon</Preferred_Day><Preferred_Hour>2</Preferred_Hour><Permanently_Locked>true</Permanently_Locked><Active>true</Active></ConstraintActivityPreferredStartingTime>
  <ConstraintActivityPreferredStartingTime><Weight_Percentage>100</Weight_Percentage><Activity_Id>2</Activity_Id><Preferred_Day>Mon</Preferred_Day><Preferred_Hour>4</Preferred_Hour><Permanently_Locked>true</Permanently_Locked><Active>true</Active></ConstraintActivityPreferredStartingTime>
  <ConstraintTeachersMaxGapsPerDay><Weight_Percentage>100</Weight_Percentage><Max_Gaps>0</Max_Gaps><Active>true</Active></ConstraintTeachersMaxGapsPerDay>
  <ConstraintStudentsEarlyMaxBeginningsAtSecondHour><Weight_Percentage>100</Weight_Percentage><Max_Beginnings_At_Second_Hour>0</Max_Beginnings_At_Second_Hour><Active>true</Active></ConstraintStudentsEarlyMaxBeginningsAtSecondHour>
</Time_Constraints_List>
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
</Space_Constraints_List>
</fet>"#;
    let imp = import(file).unwrap();
    let kinds: Vec<DistributionKind> = imp.problem.distributions.iter().map(|d| d.kind).collect();
    assert!(kinds.contains(&DistributionKind::MaxGapsPerDay(0)));
    assert!(kinds.contains(&DistributionKind::EarlyStart(0)));
    let r = solve_valid(&imp.problem, 2);
    assert_eq!(r.evaluation.hard.len(), 0);
}

/// A file of FET 5's terms build (`-mathmake`, terms of five days): at most two of three
/// lessons in a term, four others all in one term, a students set's day no longer than
/// two hours from first to last lesson, and its min hours daily read day by day (the
/// build's name starts like the mornings-and-afternoons `-ma`, and is not that mode).
#[test]
fn terms_and_a_days_span_are_modelled_in_a_terms_file() {
    let days: String = (1..=2)
        .flat_map(|t| {
            ["Mo", "Tu", "We", "Th", "Fr"].map(|d| format!("<Day><Name>T{t} {d}</Name></Day>"))
        })
        .collect();
    let act = |id: u32, set: &str| {
        format!("<Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>{set}</Students><Duration>1</Duration><Id>{id}</Id><Active>true</Active></Activity>")
    };
    let acts: String = (1..=3)
        .map(|i| act(i, "Y7"))
        .chain((4..=7).map(|i| act(i, "Y8")))
        .collect();
    let file = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="5.42.2-mathmake">
<Institution_Name>Terms</Institution_Name>
<Days_List><Number_of_Days>10</Number_of_Days>{days}</Days_List>
<Hours_List><Number_of_Hours>4</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour><Hour><Name>3</Name></Hour><Hour><Name>4</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y7</Name><Number_of_Students>20</Number_of_Students></Year><Year><Name>Y8</Name><Number_of_Students>20</Number_of_Students></Year></Students_List>
<Activities_List>{acts}</Activities_List>
<Rooms_List></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  <ConstraintActivitiesMaxInATerm><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>3</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><Activity_Id>3</Activity_Id><Max_Number_of_Activities_in_A_Term>2</Max_Number_of_Activities_in_A_Term><Active>true</Active></ConstraintActivitiesMaxInATerm>
  <ConstraintActivitiesOccupyMaxTerms><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>4</Number_of_Activities><Activity_Id>4</Activity_Id><Activity_Id>5</Activity_Id><Activity_Id>6</Activity_Id><Activity_Id>7</Activity_Id><Max_Number_of_Occupied_Terms>1</Max_Number_of_Occupied_Terms><Active>true</Active></ConstraintActivitiesOccupyMaxTerms>
  <ConstraintStudentsSetMaxSpanPerDay><Weight_Percentage>100</Weight_Percentage><Students>Y8</Students><Max_Span>2</Max_Span><Active>true</Active></ConstraintStudentsSetMaxSpanPerDay>
  <ConstraintStudentsSetMinHoursDaily><Weight_Percentage>100</Weight_Percentage><Minimum_Hours_Daily>2</Minimum_Hours_Daily><Students>Y8</Students><Allow_Empty_Days>true</Allow_Empty_Days><Active>true</Active></ConstraintStudentsSetMinHoursDaily>
</Time_Constraints_List>
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
</Space_Constraints_List>
</fet>"#
    );
    let imp = import_fully(&file);
    let p = &imp.problem;
    let has = |kind: DistributionKind, classes: &[usize]| {
        p.distributions
            .iter()
            .any(|d| d.kind == kind && d.required && d.classes == classes)
    };
    assert!(has(DistributionKind::MaxPerTerm(5, 2), &[0, 1, 2]));
    assert!(has(DistributionKind::MaxTerms(5, 1), &[3, 4, 5, 6]));
    assert!(has(DistributionKind::WorkDay(2), &[3, 4, 5, 6]));
    assert!(has(DistributionKind::MinDayLoad(2, true), &[3, 4, 5, 6]));
    // Outside the terms mode, the term rules have no terms to count, and say so.
    let plain = import(&file.replace("5.42.2-mathmake", "6.8.5")).unwrap();
    for name in ["ActivitiesMaxInATerm", "ActivitiesOccupyMaxTerms"] {
        let note = format!("Constraint{name}: not modelled");
        assert!(plain.notes.iter().any(|n| n.starts_with(&note)), "{name}");
    }
    for seed in 1..=3 {
        let r = solve_complete(p, seed);
        let at = |c: usize| {
            let pl = r.solution.placements[c].unwrap();
            p.classes[c].times[pl.time].pattern
        };
        let term = |c: usize| at(c).first_day() / 5;
        let first_term = (0..3).filter(|&c| term(c) == 0).count();
        assert!(
            (1..=2).contains(&first_term),
            "seed {seed}: {first_term} in term 1"
        );
        assert!(
            (3..7).all(|c| term(c) == term(3)),
            "seed {seed}: Y8 in two terms"
        );
        // Y8's days: at least two lessons each, within two hours from first to last.
        for c in 3..7 {
            let same_day: Vec<usize> = (3..7).filter(|&o| at(o).days == at(c).days).collect();
            assert!(same_day.len() >= 2, "seed {seed}: a day with one Y8 lesson");
            let start = same_day.iter().map(|&o| at(o).start).min().unwrap_or(0);
            let end = same_day.iter().map(|&o| at(o).end()).max().unwrap_or(0);
            assert!(
                end - start <= 2,
                "seed {seed}: Y8's day spans {}",
                end - start
            );
        }
    }
}

/// A teacher's max gaps per real day (mornings-and-afternoons files), the afternoon read
/// after the morning as one day; the rule with its "one day may have one gap more"
/// exception is not modelled, and says so. Min days between activities count real days.
#[test]
fn gaps_per_real_day_are_modelled_without_the_exception() {
    let file = |exception: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Mode>Mornings_Afternoons</Mode>
<Institution_Name>Real-day gaps</Institution_Name>
<Days_List><Number_of_Days>2</Number_of_Days><Day><Name>Mon_m</Name></Day><Day><Name>Mon_a</Name></Day></Days_List>
<Hours_List><Number_of_Hours>2</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y7</Name><Number_of_Students>20</Number_of_Students></Year><Year><Name>Y8</Name><Number_of_Students>20</Number_of_Students></Year></Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y7</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Maths</Subject><Students>Y8</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  <ConstraintTeacherMaxGapsPerRealDay><Weight_Percentage>100</Weight_Percentage><Teacher_Name>T1</Teacher_Name><Max_Gaps>0</Max_Gaps>{exception}<Active>true</Active></ConstraintTeacherMaxGapsPerRealDay>
  <ConstraintMinDaysBetweenActivities><Weight_Percentage>95</Weight_Percentage><Consecutive_If_Same_Day>true</Consecutive_If_Same_Day><Number_of_Activities>2</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><MinDays>1</MinDays><Active>true</Active></ConstraintMinDaysBetweenActivities>
</Time_Constraints_List>
<Space_Constraints_List></Space_Constraints_List>
</fet>"#
        )
    };
    let imp = import_fully(&file(
        "<Allow_One_Day_Exception_of_Plus_One>false</Allow_One_Day_Exception_of_Plus_One>",
    ));
    let p = &imp.problem;
    assert!(p
        .distributions
        .iter()
        .any(|d| d.kind == DistributionKind::MaxRealDayGaps(0) && d.classes == [0, 1]));
    // Min days between activities count real days there (soft here, so that the two
    // may still share the real day the gap rule asks of them).
    assert!(p
        .distributions
        .iter()
        .any(|d| d.kind == DistributionKind::MinRealDaysApart(1) && !d.required));
    for seed in 1..=3 {
        let r = solve_complete(p, seed);
        // Four slots in a row (morning 1, 2, afternoon 1, 2): no gap between the two.
        let slot = |c: usize| {
            let pl = r.solution.placements[c].unwrap();
            let t = p.classes[c].times[pl.time].pattern;
            t.first_day() * 2 + t.start
        };
        assert_eq!(slot(0).abs_diff(slot(1)), 1, "seed {seed}");
    }
    let with_exception = import(&file(
        "<Allow_One_Day_Exception_of_Plus_One>true</Allow_One_Day_Exception_of_Plus_One>",
    ))
    .unwrap();
    assert!(with_exception
        .notes
        .iter()
        .any(|n| n.starts_with("ConstraintTeacherMaxGapsPerRealDay: not modelled")));
}

/// Building and room changes: rooms name their buildings, the rules become place kinds
/// for each subgroup and teacher, and the solver keeps a subgroup's week in one building:
/// Maths, which only wishes for a room in the main building, goes in no room.
#[test]
fn building_changes_are_modelled_and_kept() {
    let file = SMALL
        .replace(
            "<Rooms_List><Room><Name>R1</Name><Capacity>30</Capacity></Room><Room><Name>Studio</Name><Capacity>12</Capacity></Room></Rooms_List>",
            "<Buildings_List><Building><Name>Main</Name></Building><Building><Name>Annex</Name></Building></Buildings_List>
<Rooms_List><Room><Name>R1</Name><Building>Main</Building><Capacity>30</Capacity></Room><Room><Name>Studio</Name><Building>Annex</Building><Capacity>12</Capacity></Room><Room><Name>R2</Name><Building>Annex</Building><Capacity>30</Capacity></Room><Room><Name>Hall</Name><Building></Building><Capacity>99</Capacity></Room></Rooms_List>",
        )
        .replace(
            "</Space_Constraints_List>",
            r#"<ConstraintSubjectPreferredRoom><Weight_Percentage>50</Weight_Percentage><Subject>Maths</Subject><Room>R1</Room><Active>true</Active></ConstraintSubjectPreferredRoom>
<ConstraintStudentsMaxBuildingChangesPerDay><Weight_Percentage>100</Weight_Percentage><Max_Building_Changes_Per_Day>0</Max_Building_Changes_Per_Day><Active>true</Active></ConstraintStudentsMaxBuildingChangesPerDay>
<ConstraintStudentsSetMaxBuildingChangesPerWeek><Weight_Percentage>100</Weight_Percentage><Students>Y7</Students><Max_Building_Changes_Per_Week>0</Max_Building_Changes_Per_Week><Active>true</Active></ConstraintStudentsSetMaxBuildingChangesPerWeek>
<ConstraintTeacherMinGapsBetweenBuildingChanges><Weight_Percentage>100</Weight_Percentage><Teacher>T2</Teacher><Min_Gaps_Between_Building_Changes>1</Min_Gaps_Between_Building_Changes><Active>true</Active></ConstraintTeacherMinGapsBetweenBuildingChanges>
<ConstraintTeachersMaxRoomChangesPerWeek><Weight_Percentage>100</Weight_Percentage><Max_Room_Changes_Per_Week>4</Max_Room_Changes_Per_Week><Active>true</Active></ConstraintTeachersMaxRoomChangesPerWeek>
</Space_Constraints_List>"#,
        );
    let imp = import_fully(&file);
    let p = &imp.problem;
    assert_eq!(p.buildings, ["Main", "Annex"]);
    let building: Vec<Option<&str>> = p
        .rooms
        .iter()
        .map(|r| r.building.map(|b| p.buildings[b].as_str()))
        .collect();
    assert_eq!(building, [Some("Main"), Some("Annex"), Some("Annex"), None]);
    let count = |kind: DistributionKind| p.distributions.iter().filter(|d| d.kind == kind).count();
    assert_eq!(
        count(DistributionKind::MaxPlaceChangesPerDay(Place::Building, 0)),
        2,
        "each subgroup"
    );
    assert_eq!(
        count(DistributionKind::MaxPlaceChangesPerWeek(Place::Building, 0)),
        2
    );
    assert_eq!(
        count(DistributionKind::MinGapsBetweenPlaceChanges(
            Place::Building,
            1
        )),
        1
    );
    // One per teacher with two activities or more (both teachers).
    assert_eq!(
        count(DistributionKind::MaxPlaceChangesPerWeek(Place::Room, 4)),
        2
    );
    let r = solve_valid(p, 3);
    // Checked here from the timetable, not only by the evaluator: each subgroup's week
    // is in one building, the annex of its Art, so Maths (for the whole year, wishing
    // for R1 in the main building and for no other room) is taught in no room.
    let at = |c: usize| r.solution.placements[c].unwrap();
    for maths in [0, 1] {
        assert_eq!(p.classes[maths].rooms.len(), 1, "R1 or no room");
        assert_eq!(at(maths).room, None, "Maths in {:?}", at(maths).room);
    }
}

/// A room wished for but not required: FET teaches the lesson in one of the wished-for
/// rooms or in no room at all, never in another one. Three PE lessons at the same hour
/// wish for the one gym: one gets it, two go without a room, and nothing is broken.
#[test]
fn a_room_wished_for_is_that_room_or_none() {
    let file = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Days_List><Number_of_Days>1</Number_of_Days><Day><Name>Mon</Name></Day></Days_List>
<Hours_List><Number_of_Hours>2</Number_of_Hours><Hour><Name>9</Name></Hour><Hour><Name>10</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>PE</Name></Subject><Subject><Name>Art</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher><Teacher><Name>T2</Name></Teacher><Teacher><Name>T3</Name></Teacher></Teachers_List>
<Students_List>
  <Year><Name>A</Name><Number_of_Students>10</Number_of_Students></Year>
  <Year><Name>B</Name><Number_of_Students>10</Number_of_Students></Year>
  <Year><Name>C</Name><Number_of_Students>10</Number_of_Students></Year>
</Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>PE</Subject><Students>A</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T2</Teacher><Subject>PE</Subject><Students>B</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
  <Activity><Teacher>T3</Teacher><Subject>PE</Subject><Students>C</Students><Duration>1</Duration><Id>3</Id><Active>true</Active></Activity>
  <Activity><Teacher>T1</Teacher><Subject>Art</Subject><Students>A</Students><Duration>1</Duration><Id>4</Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List><Room><Name>Gym</Name><Capacity>30</Capacity></Room><Room><Name>R1</Name><Capacity>30</Capacity></Room></Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
  <ConstraintActivitiesSameStartingTime><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>3</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><Activity_Id>3</Activity_Id><Active>true</Active></ConstraintActivitiesSameStartingTime>
</Time_Constraints_List>
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
  <ConstraintSubjectPreferredRoom><Weight_Percentage>80</Weight_Percentage><Subject>PE</Subject><Room>Gym</Room><Active>true</Active></ConstraintSubjectPreferredRoom>
  <ConstraintSubjectPreferredRoom><Weight_Percentage>100</Weight_Percentage><Subject>Art</Subject><Room>R1</Room><Active>true</Active></ConstraintSubjectPreferredRoom>
</Space_Constraints_List>
</fet>"#;
    let imp = import_fully(file);
    let p = &imp.problem;
    let gym = p.rooms.iter().position(|r| r.id == "Gym").unwrap();
    for c in &p.classes[..3] {
        assert_eq!(c.rooms.len(), 1, "PE only in the gym, or in no room");
        assert_eq!(c.rooms[0].room, gym);
        assert_eq!(c.rooms[0].penalty, 0);
        assert_eq!(c.no_room, Some(80), "no room misses the 80% wish");
        assert!(!c.needs_room());
    }
    assert_eq!(p.classes[3].no_room, None, "Art must be in R1");
    assert!(p.classes[3].needs_room());

    let r = solve_complete(p, 1);
    let placed: Vec<_> = (0..3)
        .map(|c| r.solution.placements[c].unwrap().room)
        .collect();
    assert_eq!(placed.iter().filter(|&&x| x == Some(gym)).count(), 1);
    assert_eq!(placed.iter().filter(|x| x.is_none()).count(), 2);
    assert_eq!(r.evaluation.room_penalty, 160, "two wishes missed");
    assert!(r.solution.placements[3].unwrap().room.is_some());

    // Another room is not one of a PE lesson's options.
    let mut elsewhere = r.solution.clone();
    let roomless = (0..3).find(|&c| placed[c].is_none()).unwrap();
    if let Some(pl) = elsewhere.placements[roomless].as_mut() {
        pl.room = p.rooms.iter().position(|r| r.id == "R1");
    }
    let ev = village_timetable::evaluate(p, &elsewhere);
    assert!(!ev.is_valid());
}

/// FET's virtual rooms: a lesson in one takes a real room from each of its sets, all
/// different (two lessons may share the virtual room when their real rooms differ, as
/// FET's own timetables do). Each such way is a room of the model that
/// takes up the others, so a clash in any of them is seen, counted once, and a locked
/// timetable names its real rooms in either order.
#[test]
fn a_virtual_room_takes_one_real_room_of_each_set() {
    let file = |extra: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Days_List><Number_of_Days>1</Number_of_Days><Day><Name>Mon</Name></Day></Days_List>
<Hours_List><Number_of_Hours>1</Number_of_Hours><Hour><Name>9</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Lab</Name></Subject><Subject><Name>Maths</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>T1</Name></Teacher><Teacher><Name>T2</Name></Teacher></Teachers_List>
<Students_List>
  <Year><Name>A</Name><Number_of_Students>10</Number_of_Students></Year>
  <Year><Name>B</Name><Number_of_Students>10</Number_of_Students></Year>
</Students_List>
<Activities_List>
  <Activity><Teacher>T1</Teacher><Subject>Lab</Subject><Students>A</Students><Duration>1</Duration><Id>1</Id><Active>true</Active></Activity>
  <Activity><Teacher>T2</Teacher><Subject>Maths</Subject><Students>B</Students><Duration>1</Duration><Id>2</Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List>
  <Room><Name>V</Name><Capacity>30000</Capacity><Virtual>true</Virtual><Number_of_Sets_of_Real_Rooms>2</Number_of_Sets_of_Real_Rooms>
    <Set_of_Real_Rooms><Number_of_Real_Rooms>2</Number_of_Real_Rooms><Real_Room>R1</Real_Room><Real_Room>R2</Real_Room></Set_of_Real_Rooms>
    <Set_of_Real_Rooms><Number_of_Real_Rooms>2</Number_of_Real_Rooms><Real_Room>R2</Real_Room><Real_Room>R3</Real_Room></Set_of_Real_Rooms>
  </Room>
  <Room><Name>R1</Name><Capacity>30</Capacity><Virtual>false</Virtual></Room>
  <Room><Name>R2</Name><Capacity>30</Capacity><Virtual>false</Virtual></Room>
  <Room><Name>R3</Name><Capacity>30</Capacity><Virtual>false</Virtual></Room>
</Rooms_List>
<Time_Constraints_List>
  <ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
</Time_Constraints_List>
<Space_Constraints_List>
  <ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
  <ConstraintSubjectPreferredRoom><Weight_Percentage>100</Weight_Percentage><Subject>Lab</Subject><Room>V</Room><Active>true</Active></ConstraintSubjectPreferredRoom>
  <ConstraintSubjectPreferredRoom><Weight_Percentage>100</Weight_Percentage><Subject>Maths</Subject><Room>R1</Room><Active>true</Active></ConstraintSubjectPreferredRoom>
  {extra}
</Space_Constraints_List>
</fet>"#
        )
    };
    let text = file("");
    let imp = import_fully(&text);
    let p = &imp.problem;
    let id = |r: usize| p.rooms[r].id.as_str();
    let lab: Vec<&str> = p.classes[0].rooms.iter().map(|o| id(o.room)).collect();
    // Never R2 twice.
    assert_eq!(lab, ["V (R1, R2)", "V (R1, R3)", "V (R2, R3)"]);
    let room = |name: &str| p.rooms.iter().position(|r| r.id == name).unwrap();

    // Maths holds R1 at the only hour, so the lab takes R2 and R3.
    let r = solve_complete(p, 1);
    let at = |c: usize| r.solution.placements[c].unwrap().room.unwrap();
    assert_eq!(id(at(0)), "V (R2, R3)");
    assert_eq!(id(at(1)), "R1");

    // The lab in R1 and R2 beside Maths in R1 is one clash, found by the evaluator.
    let mut clash = r.solution.clone();
    clash.placements[0].as_mut().unwrap().room = Some(room("V (R1, R2)"));
    let ev = village_timetable::evaluate(p, &clash);
    let clashes: Vec<_> = ev
        .hard
        .iter()
        .filter(|h| h.kind == village_timetable::eval::HardKind::RoomClash)
        .collect();
    assert_eq!(clashes.len(), 1, "{:?}", ev.hard);

    // Locked back into FET, the lab names the virtual room and its two real rooms.
    let locked = village_timetable::fet_export::lock_solution(&text, &imp, &r.solution).unwrap();
    assert!(
        locked.text.contains(
            "<Activity_Id>1</Activity_Id>\n\t<Room>V</Room>\n\t<Number_of_Real_Rooms>2</Number_of_Real_Rooms>\n\t<Real_Room>R2</Real_Room>\n\t<Real_Room>R3</Real_Room>"
        ),
        "{}",
        locked.text
    );
    // And read again, in whatever order the real rooms come, that way alone.
    let lock = r#"<ConstraintActivityPreferredRoom><Weight_Percentage>100</Weight_Percentage><Activity_Id>1</Activity_Id><Room>V</Room><Number_of_Real_Rooms>2</Number_of_Real_Rooms><Real_Room>R3</Real_Room><Real_Room>R1</Real_Room><Active>true</Active></ConstraintActivityPreferredRoom>"#;
    let again = import_fully(&file(lock));
    let only: Vec<&str> = again.problem.classes[0]
        .rooms
        .iter()
        .map(|o| again.problem.rooms[o.room].id.as_str())
        .collect();
    assert_eq!(only, ["V (R1, R3)"]);
    let wrong = lock.replace("<Real_Room>R1</Real_Room>", "<Real_Room>R3</Real_Room>");
    let err = import(&file(&wrong)).unwrap_err().to_string();
    assert!(err.contains("not a way of using the virtual room"), "{err}");
}
