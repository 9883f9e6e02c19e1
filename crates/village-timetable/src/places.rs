//! Rules over where a person's lessons are: how often they change building (or room) in
//! a day or a week, and how long they have to get from one to the next.
//!
//! FET counts these over each person's day taken slot by slot: a lesson in no room, or in
//! a room of no building, is passed over (it neither ends nor starts a stay somewhere);
//! the day's first place is not a change; a change is a lesson in another place than
//! the last lesson that had one. The slots between two such lessons with no place in
//! them (free, a break, a lesson in no place) are the gaps that a change needs. Days are
//! counted apart: the last place of one day and the first of the next are not a change.
//!
//! Unlike the other school kinds these depend on each class's room as well as its time,
//! so the solver cannot weigh them once per time for all of a class's rooms
//! (`solver::search::Model::time_only`).

use serde::{Deserialize, Serialize};

use crate::model::{DistributionKind, Problem, TimePattern};

/// What a change of place is a change of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Place {
    /// The building of the room (`Room::building`).
    Building,
    /// The room itself.
    Room,
}

impl Place {
    /// The word in the kinds' names: `MaxBuildingChangesPerDay`, `MaxRoomChangesPerDay`.
    pub fn name(self) -> &'static str {
        match self {
            Place::Building => "Building",
            Place::Room => "Room",
        }
    }

    /// Where a lesson in `room` is; `None` when it has no room, or `self` is a building
    /// and its room is in none.
    pub fn of(self, p: &Problem, room: Option<usize>) -> Option<usize> {
        let r = room?;
        match self {
            // A way of using a virtual room is in that room, as FET counts it.
            Place::Room => Some((p.rooms.get(r)?.virtual_use.as_ref()).map_or(r, |v| v.room)),
            Place::Building => p.rooms.get(r)?.building,
        }
    }
}

/// A lesson as these rules see it: its time and its room.
pub type Lesson = (TimePattern, Option<usize>);

/// Excess of the place kinds (`MaxPlaceChangesPerDay`, `MaxPlaceChangesPerWeek`,
/// `MinGapsBetweenPlaceChanges`) over their limit, given the lessons of their classes;
/// `None` for every other kind. Shared by the evaluator and the solver, as
/// `model::school_excess` is.
pub fn place_excess(p: &Problem, kind: DistributionKind, lessons: &[Lesson]) -> Option<u64> {
    place_counts(p, kind, lessons).map(|(excess, _)| excess)
}

/// `place_excess`, and the changes of place counted over all the weeks (which the
/// solver keeps, to weigh a move by the days it touches alone).
pub fn place_counts(p: &Problem, kind: DistributionKind, lessons: &[Lesson]) -> Option<(u64, u64)> {
    let place = kind.place()?;
    let mut all_changes = 0u64;
    let mut day: Vec<Stay> = Vec::with_capacity(lessons.len());
    let mut total = 0u64;
    for w in 0..p.nr_weeks.clamp(1, 64) {
        let mut week_changes = 0u64;
        for d in 0..p.nr_days.min(32) {
            day.clear();
            day.extend(lessons.iter().filter_map(|(t, room)| {
                let at = place.of(p, *room)?;
                t.meets_on(w, d).then_some((t.start, t.end(), at))
            }));
            let counts = day_counts(kind, &mut day);
            total += day_excess(kind, counts);
            week_changes += counts.0;
        }
        total += week_excess(kind, week_changes);
        all_changes += week_changes;
    }
    Some((total, all_changes))
}

/// A lesson's stay in a place on one day: start, end and place.
pub type Stay = (u32, u32, usize);

/// The changes of place in one day's stays, and those of them with fewer slots between
/// than `kind` needs (none unless it is `MinGapsBetweenPlaceChanges`). Sorts `day`.
pub fn day_counts(kind: DistributionKind, day: &mut [Stay]) -> (u64, u64) {
    if day.len() < 2 {
        return (0, 0);
    }
    day.sort_unstable();
    let g = match kind {
        DistributionKind::MinGapsBetweenPlaceChanges(_, g) => g,
        _ => 0,
    };
    day.windows(2)
        .fold((0, 0), |(changes, short), pair| match pair {
            [a, b] if a.2 != b.2 => (changes + 1, short + u64::from(b.0.saturating_sub(a.1) < g)),
            _ => (changes, short),
        })
}

/// What one day's counts (`day_counts`) add to the excess of `kind`: the changes past
/// the limit of `MaxPlaceChangesPerDay`, or the changes short of gaps.
pub fn day_excess(kind: DistributionKind, (changes, short): (u64, u64)) -> u64 {
    match kind {
        DistributionKind::MaxPlaceChangesPerDay(_, n) => changes.saturating_sub(u64::from(n)),
        DistributionKind::MinGapsBetweenPlaceChanges(_, _) => short,
        _ => 0,
    }
}

/// What a week's changes add to the excess of `kind`: the changes past the limit of
/// `MaxPlaceChangesPerWeek`.
pub fn week_excess(kind: DistributionKind, changes: u64) -> u64 {
    match kind {
        DistributionKind::MaxPlaceChangesPerWeek(_, n) => changes.saturating_sub(u64::from(n)),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Room;
    use proptest::prelude::*;

    /// One week of two days, eight slots a day; rooms 0 and 1 in building 0, room 2 in
    /// building 1, room 3 in none.
    fn campus() -> Problem {
        let mut p = Problem::empty("campus", 2, 1, 8);
        for (i, b) in [Some(0), Some(0), Some(1), None].into_iter().enumerate() {
            p.rooms.push(Room {
                id: format!("r{i}"),
                capacity: 30,
                unavailable: Vec::new(),
                building: b,
                virtual_use: None,
            });
        }
        p
    }

    fn at(day: u32, start: u32, length: u32, room: Option<usize>) -> Lesson {
        let t = TimePattern {
            days: 1 << day,
            start,
            length,
            weeks: 1,
        };
        (t, room)
    }

    fn excess(kind: DistributionKind, lessons: &[Lesson]) -> u64 {
        place_excess(&campus(), kind, lessons).unwrap_or(u64::MAX)
    }

    #[test]
    fn a_day_counts_each_move_to_another_building_once() {
        use DistributionKind::*;
        // Building 0, 0, 1, 0 on day 0: two changes (the second room of building 0 is
        // no change of building, but is one of room).
        let day = [
            at(0, 0, 1, Some(0)),
            at(0, 1, 2, Some(1)),
            at(0, 3, 1, Some(2)),
            at(0, 6, 1, Some(0)),
        ];
        assert_eq!(excess(MaxPlaceChangesPerDay(Place::Building, 1), &day), 1);
        assert_eq!(excess(MaxPlaceChangesPerDay(Place::Building, 2), &day), 0);
        assert_eq!(excess(MaxPlaceChangesPerDay(Place::Room, 0), &day), 3);
        // The order they are listed in does not matter: the day is taken by start.
        let mut shuffled = day;
        shuffled.reverse();
        assert_eq!(
            excess(MaxPlaceChangesPerDay(Place::Building, 0), &shuffled),
            2
        );
    }

    #[test]
    fn lessons_in_no_place_are_passed_over_and_days_are_apart() {
        use DistributionKind::*;
        // Building 0, no building, building 0: no change. Building 1 on the next day: no
        // change either, as each day starts afresh.
        let lessons = [
            at(0, 0, 1, Some(0)),
            at(0, 1, 1, Some(3)),
            at(0, 2, 1, None),
            at(0, 3, 1, Some(1)),
            at(1, 0, 1, Some(2)),
        ];
        assert_eq!(
            excess(MaxPlaceChangesPerDay(Place::Building, 0), &lessons),
            0
        );
        assert_eq!(
            excess(MaxPlaceChangesPerWeek(Place::Building, 0), &lessons),
            0
        );
        // By room, rooms 0, 3 and 1 are three places (the lesson in no room is passed
        // over): two changes.
        assert_eq!(excess(MaxPlaceChangesPerDay(Place::Room, 0), &lessons), 2);
    }

    #[test]
    fn a_week_adds_up_its_days_changes() {
        use DistributionKind::*;
        let lessons = [
            at(0, 0, 1, Some(0)),
            at(0, 1, 1, Some(2)),
            at(1, 0, 1, Some(2)),
            at(1, 4, 1, Some(0)),
            at(1, 5, 1, Some(2)),
        ];
        assert_eq!(
            excess(MaxPlaceChangesPerWeek(Place::Building, 3), &lessons),
            0
        );
        assert_eq!(
            excess(MaxPlaceChangesPerWeek(Place::Building, 1), &lessons),
            2
        );
        // Per day: one on day 0, two on day 1.
        assert_eq!(
            excess(MaxPlaceChangesPerDay(Place::Building, 1), &lessons),
            1
        );
    }

    #[test]
    fn a_change_needs_its_gaps_and_a_lesson_in_no_place_is_one() {
        use DistributionKind::*;
        // Building 0 until slot 2, building 1 from slot 2 (no gap), building 0 from slot
        // 5 after a lesson in no room at slot 3 and a free slot at 4: two gaps.
        let day = [
            at(0, 0, 2, Some(0)),
            at(0, 2, 1, Some(2)),
            at(0, 3, 1, None),
            at(0, 5, 1, Some(1)),
        ];
        assert_eq!(
            excess(MinGapsBetweenPlaceChanges(Place::Building, 1), &day),
            1
        );
        assert_eq!(
            excess(MinGapsBetweenPlaceChanges(Place::Building, 2), &day),
            1
        );
        assert_eq!(
            excess(MinGapsBetweenPlaceChanges(Place::Building, 3), &day),
            2
        );
        assert_eq!(
            excess(MinGapsBetweenPlaceChanges(Place::Building, 0), &day),
            0
        );
    }

    #[test]
    fn other_kinds_are_not_place_kinds() {
        assert_eq!(
            place_excess(&campus(), DistributionKind::MaxDayLoad(3), &[]),
            None
        );
    }

    fn lessons() -> impl Strategy<Value = Vec<Lesson>> {
        proptest::collection::vec(
            (0u32..2, 0u32..7, 1u32..3, proptest::option::of(0usize..4))
                .prop_map(|(d, s, l, r)| at(d, s, l.min(8 - s), r)),
            0..10,
        )
    }

    proptest! {
        /// Taking a lesson out never adds a change, nor a change short of gaps: the
        /// solver's repair may mend these rules by moving lessons away.
        #[test]
        fn taking_a_lesson_out_never_breaks_a_place_rule_more(
            lessons in lessons(),
            k in 0usize..10,
            limit in 0u32..3,
        ) {
            use DistributionKind::*;
            prop_assume!(!lessons.is_empty());
            let mut fewer = lessons.clone();
            fewer.remove(k % lessons.len());
            // Lessons of one person do not overlap in a timetable that keeps its other rules.
            let apart = |ls: &[Lesson]| ls.iter().enumerate().all(|(i, a)| {
                ls.iter().skip(i + 1).all(|b| !a.0.overlaps(&b.0))
            });
            prop_assume!(apart(&lessons));
            for place in [Place::Building, Place::Room] {
                for kind in [
                    MaxPlaceChangesPerDay(place, limit),
                    MaxPlaceChangesPerWeek(place, limit),
                    MinGapsBetweenPlaceChanges(place, limit),
                ] {
                    prop_assert!(excess(kind, &fewer) <= excess(kind, &lessons), "{kind:?}");
                }
            }
        }
    }
}
