//! Writing a timetable back into its FET file as locked activities, so that FET itself
//! can check it.
//!
//! Every activity gets a `ConstraintActivityPreferredStartingTime` at 100% with
//! `Permanently_Locked` true at the day and hour the timetable gives it, and, when the
//! timetable puts it in a room, a `ConstraintActivityPreferredRoom` locked the same way.
//! Nothing else in the file changes: the new constraints are inserted at the end of the
//! time and space constraint lists. FET run on the result has no choice left, so it
//! either places every activity at once (the timetable breaks none of FET's hard
//! constraints, including those the importer does not model) or it never finishes.
//!
//! FET treats a constraint below 100% as one it may break, but while generating it
//! rejects a placement that breaks it with that probability, so a locked timetable that
//! breaks a 95% constraint can keep FET from finishing although no hard constraint is
//! broken. [`deactivate_soft`] switches those constraints off first, for a check of the
//! hard constraints alone.

use std::fmt::Write as _;

use crate::error::Error;
use crate::fet::FetImport;
use crate::model::Solution;
use crate::xml::escape;

/// What [`lock_solution`] wrote.
#[derive(Debug, Clone)]
pub struct LockedFet {
    /// The FET file with the timetable locked in.
    pub text: String,
    /// Activities locked at a starting time (all of them).
    pub times_locked: usize,
    /// Activities also locked in a room.
    pub rooms_locked: usize,
}

/// Lock `solution` (a complete timetable of `import.problem`) into `fet_text`, the FET file
/// `import` was read from. Refuses a timetable that leaves an activity unplaced.
pub fn lock_solution(
    fet_text: &str,
    import: &FetImport,
    solution: &Solution,
) -> Result<LockedFet, Error> {
    let problem = &import.problem;
    if solution.placements.len() != problem.classes.len() {
        return Err(Error::Solution(format!(
            "the timetable has {} activities but the FET file has {}",
            solution.placements.len(),
            problem.classes.len()
        )));
    }
    let mut times = String::new();
    let mut rooms = String::new();
    let mut unplaced: Vec<&str> = Vec::new();
    let (mut times_locked, mut rooms_locked) = (0, 0);
    for (class, placement) in problem.classes.iter().zip(&solution.placements) {
        let Some(placement) = placement else {
            unplaced.push(&class.id);
            continue;
        };
        let pattern = class
            .times
            .get(placement.time)
            .map(|t| t.pattern)
            .ok_or_else(|| {
                Error::Solution(format!(
                    "activity {}: time option {} does not exist",
                    class.id, placement.time
                ))
            })?;
        let day = import
            .written_day_names
            .get(pattern.first_day() as usize)
            .ok_or_else(|| Error::Solution(format!("activity {}: no day", class.id)))?;
        let hour = import
            .written_hour_names
            .get(pattern.start as usize)
            .ok_or_else(|| {
                Error::Solution(format!(
                    "activity {}: starting hour {} is outside the day",
                    class.id, pattern.start
                ))
            })?;
        let id = escape(&class.id);
        let _ = write!(
            times,
            "<ConstraintActivityPreferredStartingTime>\n\t<Weight_Percentage>100</Weight_Percentage>\n\t<Activity_Id>{id}</Activity_Id>\n\t<Preferred_Day>{}</Preferred_Day>\n\t<Preferred_Hour>{}</Preferred_Hour>\n\t<Permanently_Locked>true</Permanently_Locked>\n\t<Active>true</Active>\n\t<Comments></Comments>\n</ConstraintActivityPreferredStartingTime>\n",
            escape(day),
            escape(hour)
        );
        times_locked += 1;
        if let Some(r) = placement.room {
            let room = problem.rooms.get(r).ok_or_else(|| {
                Error::Solution(format!("activity {}: room {r} does not exist", class.id))
            })?;
            let name = |r: usize| {
                let id = problem.rooms.get(r).map_or("", |x| x.id.as_str());
                escape(import.written_room_names.get(r).map_or(id, String::as_str))
            };
            // A way of using a virtual room is the virtual room with its real rooms.
            let (named, reals) = match &room.virtual_use {
                Some(u) => {
                    let mut reals = format!(
                        "\n\t<Number_of_Real_Rooms>{}</Number_of_Real_Rooms>",
                        u.real_rooms.len()
                    );
                    for &x in &u.real_rooms {
                        let _ = write!(reals, "\n\t<Real_Room>{}</Real_Room>", name(x));
                    }
                    (name(u.room), reals)
                }
                None => (name(r), String::new()),
            };
            let _ = write!(
                rooms,
                "<ConstraintActivityPreferredRoom>\n\t<Weight_Percentage>100</Weight_Percentage>\n\t<Activity_Id>{id}</Activity_Id>\n\t<Room>{named}</Room>{reals}\n\t<Permanently_Locked>true</Permanently_Locked>\n\t<Active>true</Active>\n\t<Comments></Comments>\n</ConstraintActivityPreferredRoom>\n",
            );
            rooms_locked += 1;
        }
    }
    if !unplaced.is_empty() {
        let shown: Vec<&str> = unplaced.iter().take(10).copied().collect();
        return Err(Error::Solution(format!(
            "{} activities are not placed (ids {}{}); only a complete timetable can be locked",
            unplaced.len(),
            shown.join(", "),
            if unplaced.len() > shown.len() {
                ", ..."
            } else {
                ""
            }
        )));
    }
    let text = insert_into_list(fet_text, "Time_Constraints_List", &times)?;
    let text = insert_into_list(&text, "Space_Constraints_List", &rooms)?;
    Ok(LockedFet {
        text,
        times_locked,
        rooms_locked,
    })
}

/// Switch off (`<Active>false</Active>`) every constraint weighted below 100%, leaving
/// the hard ones. Returns the new text and how many constraints were switched off.
pub fn deactivate_soft(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len() + 4096);
    let mut switched = 0;
    let mut rest = text;
    while let Some(at) = rest.find("<Constraint") {
        let (head, tail) = rest.split_at(at);
        out.push_str(head);
        // The element's name: `<ConstraintName>` (FET writes no attributes).
        let name_len = tail
            .get(1..)
            .unwrap_or("")
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(0);
        let name = tail.get(1..1 + name_len).unwrap_or("");
        let close = format!("</{name}>");
        let body_end = match (
            tail.get(1 + name_len..).map(|t| t.starts_with('>')),
            tail.find(&close),
        ) {
            (Some(true), Some(end)) => end,
            _ => {
                // Not an element we can edit: copy `<` and go on.
                out.push('<');
                rest = tail.get(1..).unwrap_or("");
                continue;
            }
        };
        let body = tail.get(..body_end).unwrap_or("");
        let weight = body
            .split_once("<Weight_Percentage>")
            .and_then(|(_, w)| w.split_once("</Weight_Percentage>"))
            .and_then(|(w, _)| w.trim().parse::<f64>().ok())
            .unwrap_or(100.0);
        if weight < 100.0 && !body.contains("<Active>false</Active>") {
            switched += 1;
            if body.contains("<Active>true</Active>") {
                out.push_str(&body.replacen("<Active>true</Active>", "<Active>false</Active>", 1));
            } else {
                out.push_str(body);
                out.push_str("<Active>false</Active>\n");
            }
        } else {
            out.push_str(body);
        }
        rest = tail.get(body_end..).unwrap_or("");
    }
    out.push_str(rest);
    (out, switched)
}

/// Insert `items` at the end of the list element `list` (a child of `<fet>`), creating the
/// list before `</fet>` when the file has none.
fn insert_into_list(text: &str, list: &str, items: &str) -> Result<String, Error> {
    if items.is_empty() {
        return Ok(text.to_string());
    }
    let close = format!("</{list}>");
    let empty = format!("<{list}/>");
    let mut out = String::with_capacity(text.len() + items.len() + 64);
    if let Some(at) = text.rfind(&close) {
        let (head, tail) = text.split_at(at);
        out.push_str(head);
        if !head.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(items);
        out.push_str(tail);
    } else if let Some(at) = text.rfind(&empty) {
        let (head, tail) = text.split_at(at);
        out.push_str(head);
        let _ = write!(out, "<{list}>\n{items}</{list}>");
        out.push_str(tail.get(empty.len()..).unwrap_or(""));
    } else if let Some(at) = text.rfind("</fet>") {
        let (head, tail) = text.split_at(at);
        out.push_str(head);
        let _ = write!(out, "<{list}>\n{items}</{list}>\n");
        out.push_str(tail);
    } else {
        return Err(Error::Unsupported(
            "the FET file has no closing </fet>".to_string(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fet::import;
    use crate::model::Placement;
    use crate::solver::{solve, SolveOptions, SolveResult};

    /// Two days of three hours, one year of two groups, two teachers, two rooms.
    const SMALL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Institution_Name>Small &amp; Co</Institution_Name>
<Days_List><Number_of_Days>2</Number_of_Days>
<Day><Name>Mon</Name></Day><Day><Name>Tue</Name></Day></Days_List>
<Hours_List><Number_of_Hours>3</Number_of_Hours>
<Hour><Name>8 &amp; 9</Name></Hour><Hour><Name>9-10</Name></Hour><Hour><Name>10-11</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Maths</Name></Subject><Subject><Name>Art</Name></Subject></Subjects_List>
<Teachers_List><Teacher><Name>Ann</Name></Teacher><Teacher><Name>Bo</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y1</Name><Number_of_Students>20</Number_of_Students>
<Group><Name>Y1a</Name><Number_of_Students>10</Number_of_Students></Group>
<Group><Name>Y1b</Name><Number_of_Students>10</Number_of_Students></Group></Year></Students_List>
<Activities_List>
<Activity><Teacher>Ann</Teacher><Subject>Maths</Subject><Students>Y1a</Students><Duration>1</Duration><Total_Duration>1</Total_Duration><Id>1</Id><Activity_Group_Id>0</Activity_Group_Id><Active>true</Active></Activity>
<Activity><Teacher>Ann</Teacher><Subject>Maths</Subject><Students>Y1b</Students><Duration>1</Duration><Total_Duration>1</Total_Duration><Id>2</Id><Activity_Group_Id>0</Activity_Group_Id><Active>true</Active></Activity>
<Activity><Teacher>Bo</Teacher><Subject>Art</Subject><Students>Y1</Students><Duration>2</Duration><Total_Duration>2</Total_Duration><Id>3</Id><Activity_Group_Id>0</Activity_Group_Id><Active>true</Active></Activity>
<Activity><Teacher>Bo</Teacher><Subject>Art</Subject><Students>Y1a</Students><Duration>1</Duration><Total_Duration>1</Total_Duration><Id>4</Id><Activity_Group_Id>0</Activity_Group_Id><Active>true</Active></Activity>
</Activities_List>
<Rooms_List>
<Room><Name>R&lt;1&gt;</Name><Capacity>30</Capacity></Room>
<Room><Name>Studio</Name><Capacity>30</Capacity></Room>
</Rooms_List>
<Time_Constraints_List>
<ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
<ConstraintTeacherNotAvailableTimes><Weight_Percentage>100</Weight_Percentage><Teacher>Bo</Teacher><Number_of_Not_Available_Times>1</Number_of_Not_Available_Times><Not_Available_Time><Day>Mon</Day><Hour>8 &amp; 9</Hour></Not_Available_Time><Active>true</Active></ConstraintTeacherNotAvailableTimes>
</Time_Constraints_List>
<Space_Constraints_List>
<ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
<ConstraintSubjectPreferredRoom><Weight_Percentage>100</Weight_Percentage><Subject>Art</Subject><Room>Studio</Room><Active>true</Active></ConstraintSubjectPreferredRoom>
</Space_Constraints_List>
</fet>
"#;

    /// A valid timetable of an imported file (one thread, a fixed number of iterations).
    fn solved(imported: &FetImport) -> SolveResult {
        let options = SolveOptions {
            threads: 1,
            max_iterations: Some(2_000),
            ..SolveOptions::default()
        };
        let result = solve(&imported.problem, &options, None).unwrap();
        assert!(result.evaluation.is_valid(), "{:?}", result.evaluation.hard);
        result
    }

    #[test]
    fn locked_file_reimports_with_one_placement_per_activity() {
        let imported = import(SMALL).unwrap();
        let result = solved(&imported);

        let locked = lock_solution(SMALL, &imported, &result.solution).unwrap();
        assert_eq!(locked.times_locked, 4);
        // Art (activities 3 and 4) needs the studio; the maths lessons use no room.
        assert_eq!(locked.rooms_locked, 2);
        assert!(locked
            .text
            .contains("<Permanently_Locked>true</Permanently_Locked>"));
        assert_eq!(
            locked
                .text
                .matches("<ConstraintActivityPreferredStartingTime>")
                .count(),
            4
        );
        // Names are escaped as they were in the input.
        assert!(!locked.text.contains("8 & 9") && !locked.text.contains("R<1>"));

        // Read back: each activity has exactly the time and room of the timetable.
        let again = import(&locked.text).unwrap();
        assert_eq!(again.problem.classes.len(), imported.problem.classes.len());
        for (ci, class) in again.problem.classes.iter().enumerate() {
            let placed = result.solution.placements[ci].unwrap();
            let original = &imported.problem.classes[ci];
            assert_eq!(class.times.len(), 1, "activity {}", class.id);
            assert_eq!(
                class.times[0].pattern, original.times[placed.time].pattern,
                "activity {}",
                class.id
            );
            match placed.room {
                Some(r) => {
                    assert_eq!(class.rooms.len(), 1);
                    assert_eq!(
                        again.problem.rooms[class.rooms[0].room].id,
                        imported.problem.rooms[r].id
                    );
                }
                None => assert!(!class.needs_room()),
            }
        }
        // Everything before the inserted constraints is unchanged.
        let head = SMALL.split("</Time_Constraints_List>").next().unwrap();
        assert!(locked.text.starts_with(head));
    }

    #[test]
    fn names_are_written_as_the_file_has_them() {
        // FET keeps the spaces around a name: " Studio" is not "Studio" to it.
        let spaced = SMALL
            .replace("<Name>Studio</Name>", "<Name> Studio</Name>")
            .replace("<Room>Studio</Room>", "<Room> Studio</Room>")
            .replace("<Name>Mon</Name>", "<Name>Mon </Name>")
            .replace("<Day>Mon</Day>", "<Day>Mon </Day>");
        let imported = import(&spaced).unwrap();
        assert_eq!(imported.written_room_names[1], " Studio");
        assert_eq!(imported.written_day_names[0], "Mon ");
        assert_eq!(imported.day_names[0], "Mon");
        let result = solved(&imported);
        let locked = lock_solution(&spaced, &imported, &result.solution).unwrap();
        assert_eq!(locked.rooms_locked, 2);
        assert!(locked.text.contains("<Room> Studio</Room>"));
        assert!(!locked.text.contains("<Room>Studio</Room>"));
        // Every activity is locked to "Mon " or "Tue", none to "Mon".
        assert!(!locked.text.contains("<Preferred_Day>Mon</Preferred_Day>"));
        assert_eq!(
            locked
                .text
                .matches("<Preferred_Day>Mon </Preferred_Day>")
                .count()
                + locked
                    .text
                    .matches("<Preferred_Day>Tue</Preferred_Day>")
                    .count(),
            4
        );
    }

    #[test]
    fn refuses_an_incomplete_timetable() {
        let imported = import(SMALL).unwrap();
        let mut solution = Solution::empty_for(&imported.problem);
        solution.placements[0] = Some(Placement {
            time: 0,
            room: None,
        });
        let err = lock_solution(SMALL, &imported, &solution)
            .unwrap_err()
            .to_string();
        assert!(err.contains("3 activities are not placed"), "{err}");
        assert!(err.contains("ids 2, 3, 4"), "{err}");
    }

    #[test]
    fn switches_off_soft_constraints_only() {
        let text = SMALL.replace(
            "</Time_Constraints_List>",
            "<ConstraintMinDaysBetweenActivities>\n\t<Weight_Percentage>95</Weight_Percentage>\n\t<Number_of_Activities>2</Number_of_Activities>\n\t<Activity_Id>1</Activity_Id>\n\t<Activity_Id>2</Activity_Id>\n\t<MinDays>1</MinDays>\n\t<Active>true</Active>\n</ConstraintMinDaysBetweenActivities>\n<ConstraintActivitiesNotOverlapping><Weight_Percentage>50.5</Weight_Percentage><Number_of_Activities>2</Number_of_Activities><Activity_Id>3</Activity_Id><Activity_Id>4</Activity_Id></ConstraintActivitiesNotOverlapping>\n</Time_Constraints_List>",
        );
        let base = import(SMALL).unwrap().problem.distributions.len();
        assert_eq!(import(&text).unwrap().problem.distributions.len(), base + 2);
        let (hard, n) = deactivate_soft(&text);
        assert_eq!(n, 2);
        assert!(hard.contains("<MinDays>1</MinDays>\n\t<Active>false</Active>"));
        assert!(hard.contains("<Activity_Id>4</Activity_Id><Active>false</Active>\n</ConstraintActivitiesNotOverlapping>"));
        // The hard constraints are untouched and the soft ones are gone on import.
        assert_eq!(
            hard.matches("<Active>true</Active>").count(),
            text.matches("<Active>true</Active>").count() - 1
        );
        let imported = import(&hard).unwrap();
        assert_eq!(imported.problem.distributions.len(), base);
        assert_eq!(deactivate_soft(SMALL), (SMALL.to_string(), 0));
    }

    #[test]
    fn creates_missing_lists() {
        let text = "<fet version=\"6.0.0\">\n<Time_Constraints_List/>\n</fet>\n";
        let out = insert_into_list(text, "Time_Constraints_List", "<A/>\n").unwrap();
        assert_eq!(
            out,
            "<fet version=\"6.0.0\">\n<Time_Constraints_List>\n<A/>\n</Time_Constraints_List>\n</fet>\n"
        );
        let out = insert_into_list(&out, "Space_Constraints_List", "<B/>\n").unwrap();
        assert!(
            out.ends_with("<Space_Constraints_List>\n<B/>\n</Space_Constraints_List>\n</fet>\n")
        );
        assert!(insert_into_list("<x/>", "Space_Constraints_List", "<B/>").is_err());
    }
}
