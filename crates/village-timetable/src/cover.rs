//! Cover: when a staff member is away for a day, a free colleague teaches their lessons
//! at the usual time and in the usual room, so no pupil's timetable moves.
//!
//! This is how a school first answers an absence; only the lessons nobody can cover are
//! left for a re-solve to move. A colleague may cover a lesson when they are of the kind
//! the offer needs, work then (their availability) and at the room's site, and are not
//! teaching then, nor so close before or after at another site that they could not
//! travel. Among those, a colleague who teaches the subject comes first, then one who has
//! not asked to keep that time free, then the one with the fewest lessons that day, so
//! cover is shared out; ties go by name, so the same timetable gets the same cover.
//!
//! The cover is written into the school model (`Set::cover`), so it is saved, shown on
//! the colleague's timetable, and checked again by every compile.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::Error;
use crate::model::Solution;
use crate::model::TimePattern;
use crate::school::{class_place, hhmm, works_at, Compiled, Cover, School};

/// One lesson of the staff member who is away, and who covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverLine {
    pub offer: String,
    pub set: String,
    /// The session, counted from 1 in the order of the offer's sessions.
    pub session: usize,
    pub day: String,
    pub start: String,
    pub end: String,
    pub room: Option<String>,
    /// The colleague who covers it, if anyone can.
    pub by: Option<String>,
    /// The colleague teaches the subject themselves.
    pub specialist: bool,
    /// Why nobody can, when nobody can.
    pub reason: Option<String>,
}

/// A lesson as cover needs it: who teaches it, when, in which room of the compiled
/// problem, and at which site.
#[derive(Debug, Clone)]
struct Taught {
    class: usize,
    staff: String,
    t: TimePattern,
    room: Option<usize>,
    site: Option<String>,
}

/// Give each lesson `away` teaches on `day` in the timetable `(base, base_solution)` to a
/// free colleague, recording the cover in `school`. Lessons nobody can cover are listed
/// with the reason and left as they are, for a re-solve to move. Cover already arranged
/// for other lessons counts: a colleague covers one lesson at a time.
pub fn arrange_cover(
    school: &mut School,
    base: &Compiled,
    base_solution: &Solution,
    away: &str,
    day: &str,
) -> Result<Vec<CoverLine>, Error> {
    let d = check_absence(school, away, day)?;
    let mut taught = timetable(school, base, base_solution);
    let lines = plan(school, base, &mut taught, &[away], d, day, None)?;
    for (_, line) in &lines {
        if let Some(by) = &line.by {
            record(school, &line.offer, &line.set, line.session, by, day);
        }
    }
    Ok(lines.into_iter().map(|(_, l)| l).collect())
}

/// Cover for one date, not every week: `away` is away on a date that is `day` of week
/// `week` of the cycle. The model is not changed; the lines, each with its class's number
/// in `base`, are what the platform keeps for that date. `arranged` is the cover already
/// kept for that date (class number, colleague), which counts as teaching then; a lesson
/// `away` was to cover that date is covered again. Nobody in `also_away` (others away that
/// date) is asked.
pub fn cover_on_date(
    school: &School,
    base: &Compiled,
    base_solution: &Solution,
    away: &str,
    also_away: &[&str],
    (day, week): (&str, u32),
    arranged: &[(usize, String)],
) -> Result<Vec<(usize, CoverLine)>, Error> {
    let d = check_absence(school, away, day)?;
    let mut taught = timetable(school, base, base_solution);
    for (class, by) in arranged {
        if let Some(t) = taught.iter_mut().find(|t| t.class == *class) {
            t.staff.clone_from(by);
        }
    }
    let mut everyone = vec![away];
    everyone.extend_from_slice(also_away);
    plan(school, base, &mut taught, &everyone, d, day, Some(week))
}

/// The index of `day`, once `away` and `day` are known to the school.
fn check_absence(school: &School, away: &str, day: &str) -> Result<usize, Error> {
    if !school.staff.iter().any(|s| s.name == away) {
        return Err(Error::school(
            "staff",
            format!("unknown staff member `{away}`"),
        ));
    }
    school
        .days
        .iter()
        .position(|x| x == day)
        .ok_or_else(|| Error::school("days", format!("unknown day `{day}`")))
}

/// Choose a colleague for each lesson the first of `away` teaches on day `d` (in week
/// `week` only, if given: then only that day's meeting of a lesson is covered, and only
/// that day counts as busy), updating `taught` as cover is given so that a colleague
/// covers one lesson at a time. Nobody in `away` is asked.
fn plan(
    school: &School,
    base: &Compiled,
    taught: &mut [Taught],
    away: &[&str],
    d: usize,
    day: &str,
    week: Option<u32>,
) -> Result<Vec<(usize, CoverLine)>, Error> {
    let Some(&absent) = away.first() else {
        return Ok(Vec::new());
    };
    // A school of more than 32 days is refused by the compile; here it only finds nothing.
    let bit = u32::try_from(d)
        .ok()
        .and_then(|d| 1u32.checked_shl(d))
        .unwrap_or(0);
    let weeks = week.map_or(u64::MAX, |w| 1u64.checked_shl(w).unwrap_or(0));
    let mps = base.minutes_per_slot;
    let mut mine: Vec<usize> = taught
        .iter()
        .enumerate()
        .filter(|(_, t)| t.staff == absent && t.t.days & bit != 0 && t.t.weeks & weeks != 0)
        .map(|(i, _)| i)
        .collect();
    mine.sort_by_key(|&i| taught.get(i).map(|t| (t.t.start, t.class)));
    let mut lines = Vec::new();
    for i in mine {
        let Some(mut lesson) = taught.get(i).cloned() else {
            continue;
        };
        if week.is_some() {
            lesson.t.days = bit;
            lesson.t.weeks &= weeks;
        }
        let Some(info) = base.classes.get(lesson.class) else {
            continue;
        };
        let mut line = CoverLine {
            offer: info.offer.clone(),
            set: info.set.clone(),
            session: info.session,
            day: day.to_string(),
            start: hhmm(lesson.t.start * mps),
            end: hhmm(lesson.t.end() * mps),
            room: lesson
                .room
                .and_then(|r| base.problem.rooms.get(r))
                .map(|r| r.id.clone()),
            by: None,
            specialist: false,
            reason: None,
        };
        match best_colleague(school, base, taught, &lesson, &info.offer, away)? {
            Ok((name, specialist)) => {
                if let Some(t) = taught.get_mut(i) {
                    t.staff = name.clone();
                }
                line.by = Some(name);
                line.specialist = specialist;
            }
            Err(reason) => line.reason = Some(reason),
        }
        lines.push((lesson.class, line));
    }
    Ok(lines)
}

/// Every placed lesson of the timetable, with its teacher as the school now has it (cover
/// arranged since counts) and its room's site.
fn timetable(school: &School, base: &Compiled, base_solution: &Solution) -> Vec<Taught> {
    let site_of: HashMap<&str, &str> = school
        .rooms
        .iter()
        .map(|r| (r.name.as_str(), r.site.as_str()))
        .collect();
    let mut out = Vec::new();
    for (c, info) in base.classes.iter().enumerate() {
        let Some((t, room_name)) = class_place(base, base_solution, c) else {
            continue;
        };
        let staff = school
            .offers
            .iter()
            .find(|o| o.id == info.offer)
            .and_then(|o| o.sets.iter().find(|s| s.name == info.set))
            .map_or(info.staff.as_str(), |s| s.staff_for(info.session));
        out.push(Taught {
            class: c,
            staff: staff.to_string(),
            t,
            room: base_solution
                .placements
                .get(c)
                .copied()
                .flatten()
                .and_then(|pl| pl.room),
            site: room_name
                .and_then(|r| site_of.get(r))
                .map(|s| (*s).to_string()),
        });
    }
    out
}

/// The colleague who should cover `lesson`, and whether they teach its subject; or why
/// nobody can.
fn best_colleague(
    school: &School,
    base: &Compiled,
    taught: &[Taught],
    lesson: &Taught,
    offer_id: &str,
    away: &[&str],
) -> Result<Result<(String, bool), String>, Error> {
    let Some(offer) = school.offers.iter().find(|o| o.id == offer_id) else {
        return Ok(Err(format!(
            "the offer `{offer_id}` is no longer in the model"
        )));
    };
    let mut kind_ok = 0usize;
    let mut best: Option<((bool, bool, usize), String, bool)> = None;
    for (si, s) in school.staff.iter().enumerate() {
        if away.contains(&s.name.as_str()) || !s.kind.satisfies(&offer.staff_kind) {
            continue;
        }
        kind_ok += 1;
        let at_site = lesson
            .site
            .as_ref()
            .is_none_or(|site| s.sites.is_empty() || s.sites.contains(site));
        let works = works_at(&school.availability(si)?, &lesson.t);
        if !at_site || !works || busy(base, taught, &s.name, lesson) {
            continue;
        }
        let specialist = school
            .offers
            .iter()
            .filter(|o| o.subject == offer.subject)
            .flat_map(|o| o.sets.iter())
            .any(|set| set.staff == s.name);
        let prefers_not = school.avoided(si)?.iter().any(|a| a.overlaps(&lesson.t));
        let that_day = taught
            .iter()
            .filter(|t| t.staff == s.name && t.t.shares_days_and_weeks(&lesson.t))
            .count();
        let key = (!specialist, prefers_not, that_day);
        if best
            .as_ref()
            .is_none_or(|(k, n, _)| (key, &s.name) < (*k, n))
        {
            best = Some((key, s.name.clone(), specialist));
        }
    }
    Ok(match best {
        Some((_, name, specialist)) => Ok((name, specialist)),
        None if kind_ok == 0 => Err(format!(
            "nobody else on the staff is {}",
            offer.staff_kind.describe()
        )),
        None => Err(format!(
            "each of the {kind_ok} colleagues who could teach it is teaching then, not working then, too far away to get there, or works at another site"
        )),
    })
}

/// `name` teaches at a time that overlaps `lesson`, or too close to it to travel between
/// the two rooms (the compiled problem's travel times, in slots).
fn busy(base: &Compiled, taught: &[Taught], name: &str, lesson: &Taught) -> bool {
    taught.iter().any(|t| {
        if t.staff != name || !t.t.shares_days_and_weeks(&lesson.t) {
            return false;
        }
        let gap = base.problem.travel(t.room, lesson.room);
        t.t.start < lesson.t.end() + gap && lesson.t.start < t.t.end() + gap
    })
}

/// Write the cover for the absence on `day` into the set (replacing any earlier cover of
/// the session; none when the set's own staff member takes it back).
fn record(school: &mut School, offer: &str, set: &str, session: usize, staff: &str, day: &str) {
    let Some(set) = school
        .offers
        .iter_mut()
        .find(|o| o.id == offer)
        .and_then(|o| o.sets.iter_mut().find(|s| s.name == set))
    else {
        return;
    };
    set.cover.retain(|c| c.session != session);
    if set.staff != staff {
        set.cover.push(Cover {
            session,
            staff: staff.to_string(),
            day: day.to_string(),
        });
        set.cover.sort_by_key(|c| c.session);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::Placement;

    /// Two days of one-hour lessons at two sites, 30 minutes apart. Cy does not work before
    /// ten on Mondays, Di is an assistant, Eve works only at the South site; Gus and Hal
    /// teach nothing.
    fn school() -> School {
        let offer = |id: &str, subject: &str, set: &str, staff: &str| {
            json!({"id": id, "subject": subject, "sessions": ["single"], "staff_kind": "teacher",
                   "sets": [{"name": set, "staff": staff, "size": 20}]})
        };
        School::from_json(
            &json!({
                "name": "Cover School", "days": ["Mon", "Tue"], "start_every_minutes": 60,
                "windows": [{"name": "day", "start": "09:00", "end": "12:00"}],
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
                        {"day": "Mon", "start": "10:00", "end": "15:00"},
                        {"day": "Tue", "start": "09:00", "end": "15:00"}]},
                    {"name": "Di", "kind": {"teaching_assistant": 2}},
                    {"name": "Eve", "kind": "teacher", "sites": ["South"]},
                    {"name": "Fay", "kind": "teacher"},
                    {"name": "Gus", "kind": "teacher"},
                    {"name": "Hal", "kind": "teacher"}
                ],
                "offers": [
                    offer("maths-1", "maths", "1", "Ada"),
                    offer("maths-2", "maths", "2", "Bo"),
                    offer("english", "english", "A", "Fay"),
                    offer("history", "history", "A", "Gus"),
                    offer("geography", "geography", "A", "Gus")
                ],
                "pupils": []
            })
            .to_string(),
        )
        .unwrap()
    }

    /// The school's timetable with each class (by id) on Monday at the given hour and room.
    fn timetable_of(s: &School, at: &[(&str, u32, &str)]) -> (Compiled, Solution) {
        let c = s.compile().unwrap();
        let mut sol = Solution::empty_for(&c.problem);
        for &(id, hour, room) in at {
            let ci = c.problem.classes.iter().position(|x| x.id == id).unwrap();
            let class = &c.problem.classes[ci];
            let start = hour * 60 / c.minutes_per_slot;
            let time = class
                .times
                .iter()
                .position(|t| t.pattern.days == 1 && t.pattern.start == start)
                .unwrap();
            let room = c.problem.rooms.iter().position(|r| r.id == room).unwrap();
            sol.placements[ci] = Some(Placement {
                time,
                room: Some(room),
            });
        }
        (c, sol)
    }

    fn cover_ada(s: &mut School, c: &Compiled, sol: &Solution) -> Vec<CoverLine> {
        s.mark_unavailable("Ada", "Mon").unwrap();
        arrange_cover(s, c, sol, "Ada", "Mon").unwrap()
    }

    #[test]
    fn a_free_colleague_who_teaches_the_subject_covers_first() {
        let mut s = school();
        let (c, sol) = timetable_of(
            &s,
            &[
                ("maths-1/1/1", 9, "N1"),
                ("maths-2/2/1", 10, "N2"),
                ("english/A/1", 10, "N3"),
            ],
        );
        let lines = cover_ada(&mut s, &c, &sol);
        assert_eq!(lines.len(), 1, "{lines:?}");
        // Bo teaches maths (at ten) and is free at nine. Gus and Hal are free too, with
        // fewer lessons that day, but Bo teaches the subject.
        assert_eq!(lines[0].by.as_deref(), Some("Bo"), "{lines:?}");
        assert!(lines[0].specialist);
        assert_eq!(
            (lines[0].start.as_str(), lines[0].end.as_str()),
            ("09:00", "10:00")
        );
        assert_eq!(lines[0].room.as_deref(), Some("N1"));
        let set = &s.offers[0].sets[0];
        assert_eq!(
            set.cover,
            vec![Cover {
                session: 1,
                staff: "Bo".into(),
                day: "Mon".into(),
            }]
        );
        assert_eq!(set.staff_for(1), "Bo");
        // The model with the cover compiles, and the old timetable fits it unchanged.
        let next = s.compile().unwrap();
        let carried = crate::school::carry_over(&c, &sol, &next);
        assert_eq!(carried.placements, sol.placements);
        assert_eq!(next.classes[0].staff, "Bo");
        // Ada back on Monday: the cover ends with the absence, and she teaches it again.
        // Cover for another absence (Tuesday's) stays.
        s.offers[0].sets[0].cover.push(Cover {
            session: 2,
            staff: "Gus".into(),
            day: "Tue".into(),
        });
        assert_eq!(s.mark_back("Ada", "Mon").unwrap(), 1);
        assert_eq!(s.offers[0].sets[0].cover.len(), 1);
        assert_eq!(s.offers[0].sets[0].staff_for(1), "Ada");
        assert!(s.away().is_empty());
    }

    #[test]
    fn busy_away_too_far_or_of_another_kind_are_passed_over() {
        // Bo teaches at nine too; Cy does not work before ten on Mondays; Di is an
        // assistant; Eve works only at the South site; Fay teaches at ten at the South
        // site, too far to travel in time; Gus teaches at eleven, Hal teaches nothing.
        let mut s = school();
        let at = [
            ("maths-1/1/1", 9, "N1"),
            ("maths-2/2/1", 9, "N2"),
            ("english/A/1", 10, "S1"),
            ("history/A/1", 11, "N1"),
        ];
        let (c, sol) = timetable_of(&s, &at);
        let lines = cover_ada(&mut s, &c, &sol);
        // Hal has no lessons that day, Gus one: the cover goes to Hal.
        assert_eq!(lines[0].by.as_deref(), Some("Hal"), "{lines:?}");
        assert!(!lines[0].specialist);
        // With Hal away too: Fay and Gus have one lesson each and Fay comes first by name,
        // but Fay's is at ten at the South site, too far to get there in time. Gus.
        let mut s = school();
        s.mark_unavailable("Hal", "Mon").unwrap();
        let lines = cover_ada(&mut s, &c, &sol);
        assert_eq!(lines[0].by.as_deref(), Some("Gus"), "{lines:?}");
        // Fay at ten on the same site and Gus at the South site: Fay.
        let mut s = school();
        s.mark_unavailable("Hal", "Mon").unwrap();
        let swapped = [
            at[0],
            at[1],
            ("english/A/1", 10, "N3"),
            ("history/A/1", 10, "S1"),
        ];
        let (c2, sol2) = timetable_of(&s, &swapped);
        let lines = cover_ada(&mut s, &c2, &sol2);
        assert_eq!(lines[0].by.as_deref(), Some("Fay"), "{lines:?}");
    }

    #[test]
    fn with_nobody_free_the_lesson_is_left_with_the_reason() {
        let mut s = school();
        let (c, sol) = timetable_of(
            &s,
            &[
                ("maths-1/1/1", 9, "N1"),
                ("maths-2/2/1", 9, "N2"),
                ("english/A/1", 9, "N3"),
                ("history/A/1", 9, "S1"),
            ],
        );
        s.mark_unavailable("Hal", "Mon").unwrap();
        let lines = cover_ada(&mut s, &c, &sol);
        assert_eq!(lines[0].by, None, "{lines:?}");
        let why = lines[0].reason.as_deref().unwrap();
        assert!(why.contains("colleagues who could teach it"), "{why}");
        assert!(s.offers[0].sets[0].cover.is_empty());
    }

    #[test]
    fn a_colleague_covers_one_lesson_at_a_time() {
        // Ada and Bo both away on Monday, both teaching at nine: Hal covers one, and the
        // other goes to someone else.
        let mut s = school();
        let (c, sol) = timetable_of(&s, &[("maths-1/1/1", 9, "N1"), ("maths-2/2/1", 9, "N2")]);
        s.mark_unavailable("Bo", "Mon").unwrap();
        let a = cover_ada(&mut s, &c, &sol);
        let b = arrange_cover(&mut s, &c, &sol, "Bo", "Mon").unwrap();
        assert!(a[0].by.is_some() && b[0].by.is_some(), "{a:?} {b:?}");
        assert_ne!(a[0].by, b[0].by, "{a:?} {b:?}");
        assert_ne!(b[0].by.as_deref(), Some("Ada"), "Ada is away");
    }

    #[test]
    fn cover_for_a_date_leaves_the_model_alone_and_counts_what_that_date_has() {
        let s = school();
        let (c, sol) = timetable_of(&s, &[("maths-1/1/1", 9, "N1"), ("maths-2/2/1", 9, "N2")]);
        let class_of = |id: &str| c.problem.classes.iter().position(|x| x.id == id).unwrap();
        let (ada, bo) = (class_of("maths-1/1/1"), class_of("maths-2/2/1"));
        // Ada away on a Monday: the model is untouched, the line names her class.
        let a = cover_on_date(&s, &c, &sol, "Ada", &[], ("Mon", 0), &[]).unwrap();
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].0, ada);
        let first = a[0].1.by.clone().unwrap();
        assert!(s
            .offers
            .iter()
            .all(|o| o.sets.iter().all(|x| x.cover.is_empty())));
        // Bo away the same date: whoever covers Ada at nine is teaching then, and Ada is
        // away too.
        let arranged = vec![(ada, first.clone())];
        let b = cover_on_date(&s, &c, &sol, "Bo", &["Ada"], ("Mon", 0), &arranged).unwrap();
        assert_eq!(b[0].0, bo);
        let second = b[0].1.by.clone().unwrap();
        assert_ne!(second, first);
        assert_ne!(second, "Ada");
        // The colleague covering Ada is then away too: Ada's lesson is covered again, by
        // someone else again.
        let arranged = vec![(ada, first.clone()), (bo, second.clone())];
        let again =
            cover_on_date(&s, &c, &sol, &first, &["Ada", "Bo"], ("Mon", 0), &arranged).unwrap();
        assert_eq!(again.len(), 1, "{again:?}");
        assert_eq!(again[0].0, ada);
        let third = again[0].1.by.clone().unwrap();
        assert!(![first.as_str(), second.as_str(), "Ada", "Bo"].contains(&third.as_str()));
        // Nothing on Tuesday; an unknown day or person is named.
        assert!(cover_on_date(&s, &c, &sol, "Ada", &[], ("Tue", 0), &[])
            .unwrap()
            .is_empty());
        let e = cover_on_date(&s, &c, &sol, "Zed", &[], ("Mon", 0), &[]).unwrap_err();
        assert!(e.to_string().contains("`Zed`"), "{e}");
    }

    #[test]
    fn covering_a_lesson_does_not_make_a_teacher_of_its_subject() {
        // Bo is away on Mondays and Gus covers his maths at ten. Ada is away too: Gus is
        // not a maths teacher for that (he was chosen first while covering counted), so
        // the first by name of those with no lessons that day covers: Fay.
        let mut s = school();
        let (c, sol) = timetable_of(&s, &[("maths-1/1/1", 9, "N1"), ("maths-2/2/1", 10, "N2")]);
        s.mark_unavailable("Bo", "Mon").unwrap();
        s.offers[1].sets[0].cover.push(Cover {
            session: 1,
            staff: "Gus".into(),
            day: "Mon".into(),
        });
        let lines = cover_ada(&mut s, &c, &sol);
        assert_eq!(lines[0].by.as_deref(), Some("Fay"), "{lines:?}");
        assert!(!lines[0].specialist);
    }

    /// A fortnight: Ada's maths meets on Tuesdays at nine in both weeks, Fay's English on
    /// Tuesday of week B only, also at nine.
    #[test]
    fn cover_for_a_date_counts_that_date_alone() {
        let mut s = school();
        s.weeks = 2;
        s.offers[2].weekly = false;
        let c = s.compile().unwrap();
        let mut sol = Solution::empty_for(&c.problem);
        let place = |sol: &mut Solution, id: &str, days: u32, weeks: u64, room: &str| {
            let ci = c.problem.classes.iter().position(|x| x.id == id).unwrap();
            let time = c.problem.classes[ci]
                .times
                .iter()
                .position(|t| {
                    t.pattern.days == days
                        && t.pattern.weeks == weeks
                        && t.pattern.start == 9 * 60 / c.minutes_per_slot
                })
                .unwrap_or_else(|| panic!("{id}: no time on days {days:b}, weeks {weeks:b}"));
            let room = c.problem.rooms.iter().position(|r| r.id == room).unwrap();
            sol.placements[ci] = Some(Placement {
                time,
                room: Some(room),
            });
        };
        place(&mut sol, "maths-1/1/1", 0b10, 0b11, "N1");
        place(&mut sol, "english/A/1", 0b10, 0b10, "N2");
        let class_of = |id: &str| c.problem.classes.iter().position(|x| x.id == id).unwrap();
        // Ada away on Tuesday of week A: Fay teaches only in week B then, so she is free
        // and, with Gus and Hal, has no lessons that date; first by name among those.
        let a = cover_on_date(&s, &c, &sol, "Ada", &[], ("Tue", 0), &[]).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].0, class_of("maths-1/1/1"));
        assert_eq!(
            a[0].1.by.as_deref(),
            Some("Bo"),
            "the other maths teacher: {a:?}"
        );
        // Bo away too, Tuesday of week B: Fay teaches English then, so she is busy.
        let b = cover_on_date(&s, &c, &sol, "Ada", &["Bo"], ("Tue", 1), &[]).unwrap();
        assert_ne!(b[0].1.by.as_deref(), Some("Fay"), "{b:?}");
        // Week A: Fay is free at nine and comes first by name (Cy does not work before ten
        // on Mondays but does on Tuesdays; Cy comes first by name).
        let a2 = cover_on_date(&s, &c, &sol, "Ada", &["Bo"], ("Tue", 0), &[]).unwrap();
        assert_eq!(a2[0].1.by.as_deref(), Some("Cy"), "{a2:?}");
        let a3 = cover_on_date(&s, &c, &sol, "Ada", &["Bo", "Cy"], ("Tue", 0), &[]).unwrap();
        assert_eq!(a3[0].1.by.as_deref(), Some("Fay"), "free in week A: {a3:?}");
        let b3 = cover_on_date(&s, &c, &sol, "Ada", &["Bo", "Cy"], ("Tue", 1), &[]).unwrap();
        assert_eq!(
            b3[0].1.by.as_deref(),
            Some("Gus"),
            "Fay teaches in week B: {b3:?}"
        );
    }

    #[test]
    fn unknown_staff_and_days_are_named() {
        let mut s = school();
        let (c, sol) = timetable_of(&s, &[("maths-1/1/1", 9, "N1")]);
        let e = arrange_cover(&mut s, &c, &sol, "Zed", "Mon").unwrap_err();
        assert!(e.to_string().contains("unknown staff member `Zed`"), "{e}");
        let e = arrange_cover(&mut s, &c, &sol, "Ada", "Sun").unwrap_err();
        assert!(e.to_string().contains("unknown day `Sun`"), "{e}");
    }

    #[test]
    fn cover_in_the_model_is_checked_by_the_compile() {
        let s = school();
        let mut bad = s.clone();
        bad.offers[0].sets[0].cover = vec![Cover {
            session: 2,
            staff: "Bo".into(),
            day: "Mon".into(),
        }];
        let e = bad.compile().unwrap_err().to_string();
        assert!(
            e.contains("offers[0].sets[0].cover[0]") && e.contains("session 2 does not exist"),
            "{e}"
        );
        bad.offers[0].sets[0].cover = vec![
            Cover {
                session: 1,
                staff: "Bo".into(),
                day: "Mon".into(),
            },
            Cover {
                session: 1,
                staff: "Gus".into(),
                day: "Mon".into(),
            },
        ];
        let e = bad.compile().unwrap_err().to_string();
        assert!(e.contains("cover[1]") && e.contains("covered twice"), "{e}");
        bad.offers[0].sets[0].cover = vec![Cover {
            session: 1,
            staff: "Zed".into(),
            day: "Mon".into(),
        }];
        let e = bad.compile().unwrap_err().to_string();
        assert!(
            e.contains("cover[0]") && e.contains("unknown staff `Zed`"),
            "{e}"
        );
        bad.offers[0].sets[0].cover = vec![Cover {
            session: 1,
            staff: "Di".into(),
            day: "Mon".into(),
        }];
        let e = bad.compile().unwrap_err().to_string();
        assert!(
            e.contains("cover[0]") && e.contains("needs a teacher"),
            "{e}"
        );
    }
}
