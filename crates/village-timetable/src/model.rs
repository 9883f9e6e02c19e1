//! The engine's problem model, shared by every input format.
//!
//! It follows the structure of the ITC 2019 model, which is general enough for schools:
//! time is a grid of slots (5 minutes in ITC 2019) on `nr_days` days of `nr_weeks`
//! weeks; a *course* (a subject at one level, an option, a SECURE offer) has one or more
//! *configurations*; a configuration has *subparts* (for a school: the sessions of one
//! week); each subpart has *classes* (sections), each with candidate times and rooms.
//! Learners ("students" in ITC 2019, pupils in school language) request courses and are
//! sectioned into one class of every subpart of one configuration.
//!
//! Everything is stored in vectors and referred to by index; the original identifiers
//! are kept for output and messages.

use crate::places::Place;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

/// A meeting pattern: days of the week and weeks of the term as bit sets, plus a start
/// slot and a length in slots. Bit `d` of `days` is day `d` (0 = the first character of
/// an ITC 2019 bit string, Monday); bit `w` of `weeks` is week `w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimePattern {
    pub days: u32,
    pub start: u32,
    pub length: u32,
    pub weeks: u64,
}

impl TimePattern {
    pub fn end(&self) -> u32 {
        self.start + self.length
    }

    /// Meets on day `day` of week `week` (both counted from 0).
    pub fn meets_on(&self, week: u32, day: u32) -> bool {
        self.weeks.checked_shr(week).is_some_and(|w| w & 1 == 1)
            && self.days.checked_shr(day).is_some_and(|d| d & 1 == 1)
    }

    /// Share at least one day and one week.
    pub fn shares_days_and_weeks(&self, other: &TimePattern) -> bool {
        self.days & other.days != 0 && self.weeks & other.weeks != 0
    }

    /// Overlap in time: same day in the same week, and intersecting slots.
    pub fn overlaps(&self, other: &TimePattern) -> bool {
        self.shares_days_and_weeks(other) && other.start < self.end() && self.start < other.end()
    }

    /// Index of the first day (lowest bit), or 32 for none.
    pub fn first_day(&self) -> u32 {
        self.days.trailing_zeros()
    }

    /// Index of the first week (lowest bit), or 64 for none.
    pub fn first_week(&self) -> u32 {
        self.weeks.trailing_zeros()
    }
}

/// One time a class may take, with its penalty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeOption {
    pub pattern: TimePattern,
    pub penalty: u32,
}

/// One room a class may take, with its penalty. `room` is an index into `Problem::rooms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomOption {
    pub room: usize,
    pub penalty: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: String,
    pub capacity: u32,
    /// Times the room cannot be used.
    pub unavailable: Vec<TimePattern>,
    /// The building it is in, an index into `Problem::buildings` (FET's rooms name one;
    /// the place kinds count changes between them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<usize>,
    /// One way of using a FET virtual room (a room made of sets of real rooms, one of
    /// each set taken): the virtual room, and the real rooms this way takes. A class in
    /// it takes those real rooms at its time; the virtual room itself is not taken (FET
    /// puts two lessons in one virtual room at once when their real rooms differ).
    /// `None` for an ordinary room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_use: Option<VirtualUse>,
}

/// See `Room::virtual_use`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualUse {
    pub room: usize,
    pub real_rooms: Vec<usize>,
}

impl Room {
    /// Every room a class in this one takes up: itself, and for a way of using a
    /// virtual room, its real rooms. Two rooms clash when these meet.
    pub fn taken(&self, me: usize) -> impl Iterator<Item = usize> + '_ {
        let real = self
            .virtual_use
            .iter()
            .flat_map(|v| v.real_rooms.iter().copied());
        std::iter::once(me).chain(real)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    pub id: String,
    pub configs: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub id: String,
    pub course: usize,
    pub subparts: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subpart {
    pub id: String,
    pub config: usize,
    pub classes: Vec<usize>,
}

/// A class (section, teaching group) to place in time and, usually, a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Class {
    pub id: String,
    pub subpart: usize,
    pub config: usize,
    pub course: usize,
    /// A learner in this class must also be in the parent class.
    pub parent: Option<usize>,
    /// Most learners that may be sectioned into it.
    pub limit: u32,
    /// Candidate rooms; empty when the class needs no room.
    pub rooms: Vec<RoomOption>,
    /// When set, the class may also go in no room at all, at this room penalty. A room
    /// wished for but not required is met this way in FET: a lesson whose preferred
    /// rooms are all taken is taught without a room, never in another one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_room: Option<u32>,
    /// Candidate times; never empty in a valid problem.
    pub times: Vec<TimeOption>,
}

impl Class {
    /// Must the class be given one of its rooms?
    pub fn needs_room(&self) -> bool {
        !self.rooms.is_empty() && self.no_room.is_none()
    }
}

/// The 19 distribution constraint kinds of ITC 2019, with their parameters in slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DistributionKind {
    SameStart,
    SameTime,
    DifferentTime,
    SameDays,
    DifferentDays,
    SameWeeks,
    DifferentWeeks,
    Overlap,
    NotOverlap,
    SameRoom,
    DifferentRoom,
    SameAttendees,
    Precedence,
    WorkDay(u32),
    MinGap(u32),
    MaxDays(u32),
    MaxDayLoad(u32),
    MaxBreaks(u32, u32),
    MaxBlock(u32, u32),
    // Kinds school timetables need that ITC 2019 does not have (FET's constraints).
    /// Any two classes meeting in the same week are at least this many days apart.
    MinDaysApart(u32),
    /// The same over real days, a real day being two days of the problem, morning and
    /// afternoon (FET's min days between activities in mornings-and-afternoons files:
    /// `fet-cl` refuses MinDays 1 for a morning and its afternoon).
    MinRealDaysApart(u32),
    /// Of two classes listed in this order, on a day both meet the first ends before the
    /// second starts (FET's "activity ends the students' day", one pair per other class).
    BeforeIfSameDay,
    /// Two classes meet on a day together, one right after the other: nothing but break
    /// times between them (FET's consecutive and grouped activities, where a break
    /// between two lessons does not part them).
    BackToBack,
    /// On every day with classes, at least this many slots of them; when the flag is
    /// false, every day of every week must have them (a day off is a violation too).
    MinDayLoad(u32, bool),
    /// At most this many empty slots a day between the first and the last class, break
    /// times (`Problem::breaks`) not counted.
    MaxGapsPerDay(u32),
    /// The same, added up over each week.
    MaxGapsPerWeek(u32),
    /// Days start at the first slot of the day (leading break times not counted); at most
    /// this many days a week may start one slot later, and none later than that.
    EarlyStart(u32),
    /// At most `d` days a week with a class meeting in the slots `start..end` of the day.
    MaxDaysInInterval(u32, u32, u32),
    /// Classes on at least this many days of every week (FET's teacher min days per week).
    MinDays(u32),
    /// Classes on at most `n` of the days in the bit set `mask`, in every week (FET's
    /// teachers' max mornings or afternoons per week, where days alternate morning and
    /// afternoon).
    MaxDaysAmong(u32, u32),
    /// The classes together occupy at most `n` of the slots of selection `i`
    /// (`Problem::slot_selections[i]`), in every week; a slot is occupied when a class
    /// meets in it (FET's activities occupy max time slots from selection).
    MaxSlotsAmong(u32, u32),
    /// At most `g` empty slots a day between the first and the last class on the days in
    /// the bit set `mask`, counted as `MaxGapsPerDay` does (FET's teachers' max zero gaps
    /// per afternoon, afternoons being the odd days).
    MaxGapsAmong(u32, u32),
    /// At most this many slots of classes on each real day, a real day being two days of
    /// the problem, morning and afternoon (FET's max hours daily over real days, in its
    /// mornings-and-afternoons mode).
    MaxRealDayLoad(u32),
    /// Classes on at most this many real days of every week, a real day being two days
    /// of the problem, morning and afternoon (FET's teacher max real days per week).
    MaxRealDays(u32),
    /// `MinDayLoad` over real days: on every real day with classes (every real day when the
    /// flag is false), at least this many slots of them, morning and afternoon together
    /// (FET's min hours daily in its mornings-and-afternoons mode).
    MinRealDayLoad(u32, bool),
    /// The classes meet one after another on one day, in any order, with nothing but break
    /// times between them: taken by day and start, each is `BackToBack` with the next
    /// (FET's three activities grouped). The excess is the number of such neighbours that
    /// are not.
    Grouped,
    /// The classes together occupy at least `n` of the slots of selection `i`, in every
    /// week, counted as `MaxSlotsAmong` counts them (FET's activities occupy min time
    /// slots from selection).
    MinSlotsAmong(u32, u32),
    /// In each slot of selection `i`, in every week, at most `n` of the classes meet
    /// (FET's activities max simultaneous in selected time slots).
    MaxSimultaneousAmong(u32, u32),
    /// On a real day with classes in both its morning (day 2k) and its afternoon (day
    /// 2k+1), at least this many slots between the end of the morning's last class and the
    /// start of the afternoon's first: the rest of the morning after it plus the afternoon
    /// before it (FET's min resting hours between morning and afternoon).
    MinRestBetweenHalves(u32),
    /// The classes spread evenly over the days in the bit set `mask` of every week: the
    /// excess is the sum over those days of the squared distance between the slots taught
    /// that day and the mean day, in units of `u` slots, rounded down (a staff member's
    /// balanced week, soft).
    EvenDays(u32, u32),
    /// In each term of every week, at most `n` of the classes meet: `MaxPerTerm(len, n)`,
    /// a term being `len` days in a row, the first from the week's first day (FET's
    /// activities max in a term, in its terms mode). A class meeting on several days of a
    /// term counts once.
    MaxPerTerm(u32, u32),
    /// The classes meet in at most `n` terms of every week: `MaxTerms(len, n)`, terms as
    /// in `MaxPerTerm` (FET's activities occupy max terms).
    MaxTerms(u32, u32),
    /// At most this many empty slots on each real day between the first class and the
    /// last, the afternoon's slots following the morning's as if one day, and break and
    /// away times not counted, as in `MaxGapsPerDay` (FET's max gaps per real day, whose
    /// own verdicts on two lessons either side of the midday show this reading).
    MaxRealDayGaps(u32),
    /// Classes on at most this many days in a row, in every week; each day past the limit
    /// in a row counts one (FET's max three consecutive days, in mornings-and-afternoons
    /// files, where the days are half-days: `fet-cl` refuses a teacher four half-days in a
    /// row, and accepts three).
    MaxConsecutiveDays(u32),
    /// On each day, at most `n` changes of place from one class to the next, taken by
    /// start: a class in no place is passed over, and the day's first place is not a
    /// change (FET's max building or room changes per day; see `places`).
    MaxPlaceChangesPerDay(Place, u32),
    /// The changes of `MaxPlaceChangesPerDay`, added up over each week (FET's max
    /// building or room changes per week).
    MaxPlaceChangesPerWeek(Place, u32),
    /// A change of place needs at least this many slots with no class in a place since
    /// the class left: free slots, breaks and classes in no place all count. Each change
    /// with fewer is one (FET's min gaps between building or room changes).
    MinGapsBetweenPlaceChanges(Place, u32),
}

impl DistributionKind {
    /// Kinds evaluated on pairs of classes (penalty per violating pair).
    pub fn is_pairwise(&self) -> bool {
        !matches!(
            self,
            DistributionKind::MaxDays(_)
                | DistributionKind::MaxDayLoad(_)
                | DistributionKind::MaxBreaks(_, _)
                | DistributionKind::MaxBlock(_, _)
                | DistributionKind::MinDayLoad(_, _)
                | DistributionKind::MaxGapsPerDay(_)
                | DistributionKind::MaxGapsPerWeek(_)
                | DistributionKind::EarlyStart(_)
                | DistributionKind::MaxDaysInInterval(_, _, _)
                | DistributionKind::MinDays(_)
                | DistributionKind::MaxDaysAmong(_, _)
                | DistributionKind::MaxSlotsAmong(_, _)
                | DistributionKind::EvenDays(_, _)
                | DistributionKind::MaxGapsAmong(_, _)
                | DistributionKind::MaxRealDayLoad(_)
                | DistributionKind::MaxRealDays(_)
                | DistributionKind::MinSlotsAmong(_, _)
                | DistributionKind::MaxSimultaneousAmong(_, _)
                | DistributionKind::MinRestBetweenHalves(_)
                | DistributionKind::MinRealDayLoad(_, _)
                | DistributionKind::Grouped
                | DistributionKind::MaxPerTerm(_, _)
                | DistributionKind::MaxTerms(_, _)
                | DistributionKind::MaxRealDayGaps(_)
                | DistributionKind::MaxConsecutiveDays(_)
                | DistributionKind::MaxPlaceChangesPerDay(_, _)
                | DistributionKind::MaxPlaceChangesPerWeek(_, _)
                | DistributionKind::MinGapsBetweenPlaceChanges(_, _)
        )
    }

    /// What the place kinds count changes of; `None` for the kinds that read only times.
    pub fn place(&self) -> Option<Place> {
        match *self {
            DistributionKind::MaxPlaceChangesPerDay(place, _)
            | DistributionKind::MaxPlaceChangesPerWeek(place, _)
            | DistributionKind::MinGapsBetweenPlaceChanges(place, _) => Some(place),
            _ => None,
        }
    }

    /// Can a violation always be mended by taking other classes out? True for the ITC
    /// kinds (fewer classes never break a limit) and for gaps (one class has none); false
    /// for minimum loads and early starts, which one class on its own can break, so the
    /// solver must not try to mend them by displacing the rest.
    pub fn mended_by_removal(&self) -> bool {
        !matches!(
            self,
            DistributionKind::MinDayLoad(_, _)
                | DistributionKind::MinRealDayLoad(_, _)
                | DistributionKind::EarlyStart(_)
                | DistributionKind::MinDays(_)
                | DistributionKind::MinSlotsAmong(_, _)
                | DistributionKind::EvenDays(_, _)
        )
    }

    /// Can one class on its own break it? Minimums and early starts can, and so can an
    /// upper limit of none, and a limit on selected slots (one long class covers several);
    /// rules of this kind over a single class still mean something.
    pub fn breakable_by_one_class(&self) -> bool {
        !self.mended_by_removal()
            || matches!(
                self,
                DistributionKind::MaxDays(0)
                    | DistributionKind::MaxDaysInInterval(_, _, 0)
                    | DistributionKind::MaxDaysAmong(_, 0)
                    | DistributionKind::MaxRealDays(0)
                    | DistributionKind::MaxSimultaneousAmong(_, 0)
                    | DistributionKind::MaxPerTerm(_, 0)
                    | DistributionKind::MaxTerms(_, 0)
                    | DistributionKind::MaxConsecutiveDays(0)
                    | DistributionKind::MaxSlotsAmong(_, _)
            )
    }

    /// Kinds that depend only on the times (not on rooms).
    pub fn is_time_only(&self) -> bool {
        !matches!(
            self,
            DistributionKind::SameRoom
                | DistributionKind::DifferentRoom
                | DistributionKind::SameAttendees
        )
    }

    /// The name as written in ITC 2019 files, e.g. `MaxBreaks(2,6)`.
    pub fn itc_name(&self) -> String {
        use DistributionKind::*;
        match self {
            SameStart => "SameStart".into(),
            SameTime => "SameTime".into(),
            DifferentTime => "DifferentTime".into(),
            SameDays => "SameDays".into(),
            DifferentDays => "DifferentDays".into(),
            SameWeeks => "SameWeeks".into(),
            DifferentWeeks => "DifferentWeeks".into(),
            Overlap => "Overlap".into(),
            NotOverlap => "NotOverlap".into(),
            SameRoom => "SameRoom".into(),
            DifferentRoom => "DifferentRoom".into(),
            SameAttendees => "SameAttendees".into(),
            Precedence => "Precedence".into(),
            WorkDay(s) => format!("WorkDay({s})"),
            MinGap(g) => format!("MinGap({g})"),
            MaxDays(d) => format!("MaxDays({d})"),
            MaxDayLoad(s) => format!("MaxDayLoad({s})"),
            MaxBreaks(r, s) => format!("MaxBreaks({r},{s})"),
            MaxBlock(m, s) => format!("MaxBlock({m},{s})"),
            MinDaysApart(d) => format!("MinDaysApart({d})"),
            MinRealDaysApart(d) => format!("MinRealDaysApart({d})"),
            BeforeIfSameDay => "BeforeIfSameDay".into(),
            BackToBack => "BackToBack".into(),
            MinDayLoad(s, empty) => format!("MinDayLoad({s},{})", u32::from(*empty)),
            MaxGapsPerDay(g) => format!("MaxGapsPerDay({g})"),
            MaxGapsPerWeek(g) => format!("MaxGapsPerWeek({g})"),
            EarlyStart(n) => format!("EarlyStart({n})"),
            MaxDaysInInterval(a, b, d) => format!("MaxDaysInInterval({a},{b},{d})"),
            MinDays(d) => format!("MinDays({d})"),
            MaxDaysAmong(mask, n) => format!("MaxDaysAmong({mask},{n})"),
            MaxSlotsAmong(i, n) => format!("MaxSlotsAmong({i},{n})"),
            EvenDays(u, mask) => format!("EvenDays({u},{mask})"),
            MaxGapsAmong(mask, g) => format!("MaxGapsAmong({mask},{g})"),
            MaxRealDayLoad(s) => format!("MaxRealDayLoad({s})"),
            MaxRealDays(n) => format!("MaxRealDays({n})"),
            MinSlotsAmong(i, n) => format!("MinSlotsAmong({i},{n})"),
            MaxSimultaneousAmong(i, n) => format!("MaxSimultaneousAmong({i},{n})"),
            MinRestBetweenHalves(h) => format!("MinRestBetweenHalves({h})"),
            MaxPerTerm(len, n) => format!("MaxPerTerm({len},{n})"),
            MaxTerms(len, n) => format!("MaxTerms({len},{n})"),
            MaxRealDayGaps(g) => format!("MaxRealDayGaps({g})"),
            MaxConsecutiveDays(n) => format!("MaxConsecutiveDays({n})"),
            MinRealDayLoad(s, empty) => format!("MinRealDayLoad({s},{})", u32::from(*empty)),
            Grouped => "Grouped".into(),
            MaxPlaceChangesPerDay(place, n) => format!("Max{}ChangesPerDay({n})", place.name()),
            MaxPlaceChangesPerWeek(place, n) => {
                format!("Max{}ChangesPerWeek({n})", place.name())
            }
            MinGapsBetweenPlaceChanges(place, g) => {
                format!("MinGapsBetween{}Changes({g})", place.name())
            }
        }
    }

    /// Parse an ITC 2019 type name such as `SameAttendees` or `MaxBlock(24,3)`.
    pub fn parse_itc(s: &str) -> Option<Self> {
        use DistributionKind::*;
        let s = s.trim();
        let (name, args) = match s.find('(') {
            Some(i) => {
                let inner = s.get(i + 1..)?.strip_suffix(')')?;
                let args: Option<Vec<u32>> = inner
                    .split(',')
                    .map(|a| a.trim().parse::<u32>().ok())
                    .collect();
                (s.get(..i)?, args?)
            }
            None => (s, Vec::new()),
        };
        let kind = match (name, args.as_slice()) {
            ("SameStart", []) => SameStart,
            ("SameTime", []) => SameTime,
            ("DifferentTime", []) => DifferentTime,
            ("SameDays", []) => SameDays,
            ("DifferentDays", []) => DifferentDays,
            ("SameWeeks", []) => SameWeeks,
            ("DifferentWeeks", []) => DifferentWeeks,
            ("Overlap", []) => Overlap,
            ("NotOverlap", []) => NotOverlap,
            ("SameRoom", []) => SameRoom,
            ("DifferentRoom", []) => DifferentRoom,
            ("SameAttendees", []) => SameAttendees,
            ("Precedence", []) => Precedence,
            ("WorkDay", [s]) => WorkDay(*s),
            ("MinGap", [g]) => MinGap(*g),
            ("MaxDays", [d]) => MaxDays(*d),
            ("MaxDayLoad", [s]) => MaxDayLoad(*s),
            ("MaxBreaks", [r, s]) => MaxBreaks(*r, *s),
            ("MaxBlock", [m, s]) => MaxBlock(*m, *s),
            ("MinDaysApart", [d]) => MinDaysApart(*d),
            ("MinRealDaysApart", [d]) => MinRealDaysApart(*d),
            ("BeforeIfSameDay", []) => BeforeIfSameDay,
            ("BackToBack", []) => BackToBack,
            ("MinDayLoad", [s, e @ (0 | 1)]) => MinDayLoad(*s, *e == 1),
            ("MaxGapsPerDay", [g]) => MaxGapsPerDay(*g),
            ("MaxGapsPerWeek", [g]) => MaxGapsPerWeek(*g),
            ("EarlyStart", [n]) => EarlyStart(*n),
            ("MaxDaysInInterval", [a, b, d]) => MaxDaysInInterval(*a, *b, *d),
            ("MinDays", [d]) => MinDays(*d),
            ("MaxDaysAmong", [mask, n]) => MaxDaysAmong(*mask, *n),
            ("MaxSlotsAmong", [i, n]) => MaxSlotsAmong(*i, *n),
            ("EvenDays", [u, mask]) => EvenDays(*u, *mask),
            ("MaxGapsAmong", [mask, g]) => MaxGapsAmong(*mask, *g),
            ("MaxRealDayLoad", [s]) => MaxRealDayLoad(*s),
            ("MaxRealDays", [n]) => MaxRealDays(*n),
            ("MinSlotsAmong", [i, n]) => MinSlotsAmong(*i, *n),
            ("MaxSimultaneousAmong", [i, n]) => MaxSimultaneousAmong(*i, *n),
            ("MinRestBetweenHalves", [h]) => MinRestBetweenHalves(*h),
            ("MaxPerTerm", [len, n]) if *len > 0 => MaxPerTerm(*len, *n),
            ("MaxTerms", [len, n]) if *len > 0 => MaxTerms(*len, *n),
            ("MaxRealDayGaps", [g]) => MaxRealDayGaps(*g),
            ("MaxConsecutiveDays", [n]) => MaxConsecutiveDays(*n),
            ("MinRealDayLoad", [s, e @ (0 | 1)]) => MinRealDayLoad(*s, *e == 1),
            ("Grouped", []) => Grouped,
            ("MaxBuildingChangesPerDay", [n]) => MaxPlaceChangesPerDay(Place::Building, *n),
            ("MaxRoomChangesPerDay", [n]) => MaxPlaceChangesPerDay(Place::Room, *n),
            ("MaxBuildingChangesPerWeek", [n]) => MaxPlaceChangesPerWeek(Place::Building, *n),
            ("MaxRoomChangesPerWeek", [n]) => MaxPlaceChangesPerWeek(Place::Room, *n),
            ("MinGapsBetweenBuildingChanges", [g]) => {
                MinGapsBetweenPlaceChanges(Place::Building, *g)
            }
            ("MinGapsBetweenRoomChanges", [g]) => MinGapsBetweenPlaceChanges(Place::Room, *g),
            _ => return None,
        };
        Some(kind)
    }
}

/// A distribution constraint between two or more classes, hard (`required`) or soft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    pub kind: DistributionKind,
    pub required: bool,
    /// Penalty per violation when soft (ignored when required).
    pub penalty: u32,
    /// Class indices, in the order given (matters for `Precedence`).
    pub classes: Vec<usize>,
    /// Where it came from (an input line, a staff member's name...), for explanations.
    pub origin: String,
    /// Times the person this rule is about is away (FET: their not-available times):
    /// like break times, they are not gaps and a day starting after them is not late.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub off: Vec<TimePattern>,
}

/// One thing a learner asks for: a course, or the first course that can be met from a list
/// of alternatives (most preferred first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Course indices: `courses[0]` is preferred, the rest are alternatives.
    pub courses: Vec<usize>,
    /// A mandatory request must be met for the solution to be valid (ITC 2019: all are).
    pub mandatory: bool,
    /// Cost of leaving an optional request unmet (higher = higher priority); using
    /// alternative `k` costs `k`.
    pub weight: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Student {
    pub id: String,
    pub requests: Vec<Request>,
}

/// Weights of the objective's parts (ITC 2019's `<optimization>` plus the school extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    pub time: u64,
    pub room: u64,
    pub distribution: u64,
    pub student: u64,
    /// Weight of unmet optional requests and alternatives (0 for ITC 2019 instances).
    pub request: u64,
    /// Weight of each free slot between a learner's classes on a day, break times not
    /// counted (schools: pupils' days without long gaps; 0 for ITC 2019 and FET).
    #[serde(default)]
    pub student_gaps: u64,
    /// Weight, in thousandths, of how unevenly a learner's lessons load the days of the
    /// week (schools: balanced days; 0 for ITC 2019 and FET): per learner, the squared
    /// distance of each day's taught slots from their mean day, summed; see
    /// [`day_load_cost`].
    #[serde(default)]
    pub student_day_load: u64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            time: 1,
            room: 1,
            distribution: 1,
            student: 1,
            request: 0,
            student_gaps: 0,
            student_day_load: 0,
        }
    }
}

/// A complete timetabling and sectioning problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub name: String,
    pub nr_days: u32,
    pub nr_weeks: u32,
    pub slots_per_day: u32,
    pub weights: Weights,
    pub rooms: Vec<Room>,
    /// Travel time in slots between rooms, `rooms.len()²` entries, symmetric.
    pub travel: Vec<u32>,
    pub courses: Vec<Course>,
    pub configs: Vec<Config>,
    pub subparts: Vec<Subpart>,
    pub classes: Vec<Class>,
    pub distributions: Vec<Distribution>,
    pub students: Vec<Student>,
    /// When true (schools), a learner's clash is a hard violation, not a soft conflict.
    pub student_conflicts_hard: bool,
    /// Break times for everyone (FET's "break times"): no class meets in them, and the gap
    /// and early-start kinds do not count them as empty time.
    #[serde(default)]
    pub breaks: Vec<TimePattern>,
    /// Selections of slots, each a list of one-slot patterns, that `MaxSlotsAmong`
    /// limits refer to by index.
    #[serde(default)]
    pub slot_selections: Vec<Vec<TimePattern>>,
    /// Names of the buildings rooms are in (`Room::building`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buildings: Vec<String>,
}

impl Problem {
    /// Each class's index by its id, to match classes across two compilations of one
    /// school (ids survive recompiling; indices need not).
    pub fn class_indices(&self) -> std::collections::HashMap<&str, usize> {
        self.classes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect()
    }

    /// Travel time in slots between two rooms (0 when either is absent).
    pub fn travel(&self, a: Option<usize>, b: Option<usize>) -> u32 {
        match (a, b) {
            (Some(a), Some(b)) => self
                .travel
                .get(a * self.rooms.len() + b)
                .copied()
                .unwrap_or(0),
            _ => 0,
        }
    }

    /// Set a symmetric travel time.
    pub fn set_travel(&mut self, a: usize, b: usize, slots: u32) {
        let n = self.rooms.len();
        if self.travel.len() != n * n {
            self.travel = vec![0; n * n];
        }
        for idx in [a * n + b, b * n + a] {
            if let Some(t) = self.travel.get_mut(idx) {
                *t = (*t).max(slots);
            }
        }
    }

    /// Is the room free of unavailability during this time?
    /// Is `room` free at `pattern`: it, and every room it takes up (`Room::taken`), and
    /// for a way of using a virtual room, the virtual room (FET's not-available times
    /// of a virtual room bind every lesson in it)?
    pub fn room_available(&self, room: usize, pattern: &TimePattern) -> bool {
        let free = |r: usize| {
            self.rooms
                .get(r)
                .is_some_and(|r| r.unavailable.iter().all(|u| !u.overlaps(pattern)))
        };
        self.rooms.get(room).is_some_and(|r| {
            r.taken(room).all(free) && r.virtual_use.as_ref().is_none_or(|v| free(v.room))
        })
    }

    /// Classes of a course configuration, subpart by subpart.
    pub fn config_subparts(&self, config: usize) -> &[usize] {
        self.configs
            .get(config)
            .map(|c| c.subparts.as_slice())
            .unwrap_or(&[])
    }

    /// Find a class index by its identifier.
    pub fn class_index(&self, id: &str) -> Option<usize> {
        self.classes.iter().position(|c| c.id == id)
    }

    /// An empty problem with the given grid, to be filled by a builder.
    pub fn empty(name: impl Into<String>, nr_days: u32, nr_weeks: u32, slots_per_day: u32) -> Self {
        Problem {
            name: name.into(),
            nr_days,
            nr_weeks,
            slots_per_day,
            weights: Weights::default(),
            rooms: Vec::new(),
            travel: Vec::new(),
            courses: Vec::new(),
            configs: Vec::new(),
            subparts: Vec::new(),
            classes: Vec::new(),
            distributions: Vec::new(),
            students: Vec::new(),
            student_conflicts_hard: false,
            breaks: Vec::new(),
            slot_selections: Vec::new(),
            buildings: Vec::new(),
        }
    }
}

/// The real days of a set of days (bit `k` for days `2k` and `2k+1`).
pub fn real_days_of(days: u32) -> u32 {
    (0..16).fold(0, |acc, k| {
        if days >> (2 * k) & 0b11 != 0 {
            acc | 1 << k
        } else {
            acc
        }
    })
}

/// The fewest days between a day of `a` and a day of `b` (bit sets of days); 0 when they
/// share one, 32 when either is empty.
pub fn days_apart(a: u32, b: u32) -> u32 {
    let mut best = 32;
    let mut rest = a;
    while rest != 0 {
        let d = rest.trailing_zeros();
        rest &= rest - 1;
        let mut other = b;
        while other != 0 {
            let e = other.trailing_zeros();
            other &= other - 1;
            best = best.min(d.abs_diff(e));
        }
    }
    best
}

/// Excess over the limit of the school kinds that are not pairwise (`MinDayLoad`, the gap
/// limits, `EarlyStart`, `MaxDaysInInterval`, `MinDays`, `MaxDaysAmong`,
/// `MaxSlotsAmong`), given the times of their classes; `None` for every other kind.
/// The evaluator and the solver share it: these are not ITC 2019 kinds, so there is no
/// competition rule for two separate implementations to be checked against. `off` are the
/// distribution's own away times (`Distribution::off`), counted as break times are.
pub fn school_excess(
    p: &Problem,
    kind: DistributionKind,
    off: &[TimePattern],
    pats: &[TimePattern],
) -> Option<u64> {
    use DistributionKind::*;
    match kind {
        MaxSlotsAmong(i, n) => {
            return Some(per_week(p, |w| {
                occupied_slots(p, i, w, pats).saturating_sub(u64::from(n))
            }))
        }
        MinSlotsAmong(i, n) => {
            return Some(per_week(p, |w| {
                u64::from(n).saturating_sub(occupied_slots(p, i, w, pats))
            }))
        }
        MaxSimultaneousAmong(i, n) => {
            return Some(per_week(p, |w| {
                let week = 1u64.checked_shl(w).unwrap_or(0);
                selection(p, i)
                    .iter()
                    .filter(|s| s.weeks & week != 0)
                    .map(|s| {
                        let at_once = pats
                            .iter()
                            .filter(|t| t.weeks & week != 0 && t.overlaps(s))
                            .count();
                        (at_once as u64).saturating_sub(u64::from(n))
                    })
                    .sum()
            }))
        }
        Grouped => {
            let mut order: Vec<&TimePattern> = pats.iter().collect();
            order.sort_by_key(|t| (t.first_week(), t.first_day(), t.start));
            return Some(
                order
                    .windows(2)
                    .filter(|pair| match pair {
                        [x, y] => !back_to_back(p, x, y),
                        _ => false,
                    })
                    .count() as u64,
            );
        }
        MaxRealDayLoad(s) => {
            return Some(per_week(p, |w| {
                real_days(p)
                    .map(|days| real_day_load(w, days, pats).saturating_sub(u64::from(s)))
                    .sum()
            }))
        }
        MinRealDayLoad(s, empty_ok) => {
            return Some(per_week(p, |w| {
                real_days(p)
                    .map(|days| match real_day_load(w, days, pats) {
                        0 if empty_ok => 0,
                        load => u64::from(s).saturating_sub(load),
                    })
                    .sum()
            }))
        }
        MinRestBetweenHalves(h) => {
            return Some(per_week(p, |w| {
                real_days(p)
                    .filter(|days| days.len() == 2)
                    .map(|days| {
                        let morning_end = pats
                            .iter()
                            .filter(|t| t.meets_on(w, days.start))
                            .map(TimePattern::end)
                            .max();
                        let afternoon_start = pats
                            .iter()
                            .filter(|t| t.meets_on(w, days.start + 1))
                            .map(|t| t.start)
                            .min();
                        match (morning_end, afternoon_start) {
                            (Some(end), Some(start)) => {
                                let rest = p.slots_per_day.saturating_sub(end) + start;
                                u64::from(h.saturating_sub(rest))
                            }
                            _ => 0,
                        }
                    })
                    .sum()
            }))
        }
        MaxPerTerm(len, n) => {
            return Some(per_week(p, |w| {
                terms(p, len)
                    .map(|days| {
                        let meeting = pats
                            .iter()
                            .filter(|t| days.clone().any(|d| t.meets_on(w, d)))
                            .count();
                        (meeting as u64).saturating_sub(u64::from(n))
                    })
                    .sum()
            }))
        }
        MaxTerms(len, n) => {
            return Some(per_week(p, |w| {
                busy_terms(p, len, w, pats).saturating_sub(u64::from(n))
            }))
        }
        MaxRealDayGaps(g) => {
            let (mut lessons, mut breaks, mut clipped) = (Vec::new(), Vec::new(), Vec::new());
            return Some(per_week(p, |w| {
                real_days(p)
                    .map(|days| {
                        lessons.clear();
                        breaks.clear();
                        for (half, d) in days.enumerate() {
                            // The afternoon's slots come after the morning's.
                            let shift = p.slots_per_day * half as u32;
                            let on_day = |t: &&TimePattern| t.meets_on(w, d);
                            let shifted = |t: &TimePattern| (t.start + shift, t.end() + shift);
                            lessons.extend(pats.iter().filter(on_day).map(shifted));
                            breaks.extend(p.breaks.iter().chain(off).filter(on_day).map(shifted));
                        }
                        let first = lessons.iter().map(|l| l.0).min();
                        let last = lessons.iter().map(|l| l.1).max();
                        match (first, last) {
                            (Some(first), Some(last)) if lessons.len() > 1 => {
                                let gaps = day_gaps(&lessons, &breaks, first, last, &mut clipped);
                                u64::from(gaps.saturating_sub(g))
                            }
                            _ => 0,
                        }
                    })
                    .sum()
            }));
        }
        MaxConsecutiveDays(n) => {
            return Some(per_week(p, |w| {
                let (mut run, mut excess) = (0u32, 0u64);
                for d in 0..p.nr_days.clamp(1, 32) {
                    if pats.iter().any(|t| t.meets_on(w, d)) {
                        run += 1;
                        if run > n {
                            excess += 1;
                        }
                    } else {
                        run = 0;
                    }
                }
                excess
            }));
        }
        MaxRealDays(n) => {
            return Some(per_week(p, |w| {
                busy_terms(p, 2, w, pats).saturating_sub(u64::from(n))
            }))
        }
        _ => {}
    }
    if let EvenDays(unit, mask) = kind {
        let (spread, n) = load_spread(pats, days_among(p, mask));
        let unit = u128::from(unit.max(1));
        return Some(u64::try_from(spread / (n.max(1) * unit * unit)).unwrap_or(u64::MAX));
    }
    if !is_day_counted(kind) {
        return None;
    }
    DAY_SCRATCH.with_borrow_mut(|scratch| day_excess(p, kind, off, pats, scratch))
}

/// Buffers for `day_excess`, kept between calls: the solver calls it for every move it
/// weighs, and allocating them each time cost more than the counting.
#[derive(Default)]
struct DayScratch {
    /// The (start, end) of every meeting of a lesson, grouped by (week, day).
    meets: Vec<(u32, u32)>,
    /// Where the group of each (week, day) starts in `meets`, and one past the last.
    first: Vec<usize>,
    fill: Vec<usize>,
    lessons: Vec<(u32, u32)>,
    breaks: Vec<(u32, u32)>,
    /// For `covered`.
    clipped: Vec<(u32, u32)>,
    /// The tallies of each (week, day) and each week, for `clean_prefix_len`.
    days: Vec<DayTally>,
    weeks: Vec<DayTally>,
}

thread_local! {
    static DAY_SCRATCH: RefCell<DayScratch> = RefCell::new(DayScratch::default());
}

/// Calls `f(slot, start, end)` for every (week, day) each of `pats` meets on, the slot
/// numbered `week * nr_days + day`.
pub(crate) fn each_meeting(
    pats: &[TimePattern],
    nr_weeks: u32,
    nr_days: u32,
    mut f: impl FnMut(usize, u32, u32),
) {
    for t in pats {
        let mut weeks = t.weeks & (u64::MAX >> (64 - nr_weeks));
        while weeks != 0 {
            let w = weeks.trailing_zeros();
            weeks &= weeks - 1;
            let mut days = t.days & (u32::MAX >> (32 - nr_days));
            while days != 0 {
                let d = days.trailing_zeros();
                days &= days - 1;
                f((w * nr_days + d) as usize, t.start, t.end());
            }
        }
    }
}

/// Is `kind` counted day by day: a sum over the days of what each adds on its own
/// ([`DayTally::total`]), and limits on what each week's days add up to? Those are the
/// kinds [`day_tally`] and [`week_excess`] take, which let the solver recount only the
/// days a move touches.
pub fn is_day_counted(kind: DistributionKind) -> bool {
    use DistributionKind::*;
    matches!(
        kind,
        MaxDayLoad(_)
            | MaxBreaks(_, _)
            | MaxBlock(_, _)
            | MinDayLoad(_, _)
            | MaxGapsPerDay(_)
            | MaxGapsPerWeek(_)
            | MaxGapsAmong(_, _)
            | EarlyStart(_)
            | MaxDaysInInterval(_, _, _)
            | MinDays(_)
            | MaxDaysAmong(_, _)
    )
}

/// What one day of one week adds to a day-counted kind (see [`is_day_counted`]). Every
/// field adds up over days, so a week's tally is the sum of its days'.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayTally {
    /// Excess counted on the day itself (a short day, a day with too many gaps).
    pub total: u64,
    /// Free slots between lessons.
    gaps: u64,
    /// A day starting one slot late.
    one_late: u64,
    /// A day with a lesson in the interval of `MaxDaysInInterval`.
    in_interval: u64,
    /// A day with lessons.
    busy: u64,
    /// A day with lessons among the days of `MaxDaysAmong`.
    among: u64,
}

impl DayTally {
    pub fn add(&mut self, o: &DayTally) {
        self.total += o.total;
        self.gaps += o.gaps;
        self.one_late += o.one_late;
        self.in_interval += o.in_interval;
        self.busy += o.busy;
        self.among += o.among;
    }

    /// Take out `o`, which this sum holds.
    pub fn remove(&mut self, o: &DayTally) {
        self.total = self.total.saturating_sub(o.total);
        self.gaps = self.gaps.saturating_sub(o.gaps);
        self.one_late = self.one_late.saturating_sub(o.one_late);
        self.in_interval = self.in_interval.saturating_sub(o.in_interval);
        self.busy = self.busy.saturating_sub(o.busy);
        self.among = self.among.saturating_sub(o.among);
    }
}

/// The excess of a day-counted kind in a week whose days add up to `week`.
pub fn week_excess(kind: DistributionKind, week: &DayTally) -> u64 {
    use DistributionKind::*;
    week.total
        + match kind {
            MaxGapsPerWeek(g) => week.gaps.saturating_sub(u64::from(g)),
            EarlyStart(n) => week.one_late.saturating_sub(u64::from(n)),
            MaxDaysInInterval(_, _, d) => week.in_interval.saturating_sub(u64::from(d)),
            MinDays(d) => u64::from(d).saturating_sub(week.busy),
            MaxDaysAmong(_, n) => week.among.saturating_sub(u64::from(n)),
            _ => 0,
        }
}

/// For a day-counted kind (see [`is_day_counted`]): the length of the longest prefix of
/// `pats`, shorter than all of them, within the limit (excess 0), or 0 when no prefix of
/// one or more is. `None` for other kinds. `off_bits`, when known, are the
/// [`day_off_bits`] of each (week, day) slot, numbered `week * nr_days + day`.
///
/// The solver's repair asks this to know which lessons of a gap or load limit to take
/// out (the last first) for a class to fit. Counting each prefix afresh recounts every
/// day once per lesson; here the lessons are taken off one at a time and only the days
/// each meets are counted again, with the same result.
pub fn clean_prefix_len(
    p: &Problem,
    kind: DistributionKind,
    (off, off_bits): (&[TimePattern], Option<&[u64]>),
    pats: &[TimePattern],
) -> Option<usize> {
    if !is_day_counted(kind) {
        return None;
    }
    let (nr_weeks, nr_days) = (p.nr_weeks.clamp(1, 64), p.nr_days.clamp(1, 32));
    let per_week = nr_days as usize;
    DAY_SCRATCH.with_borrow_mut(|scratch| {
        let DayScratch {
            meets,
            first,
            fill,
            lessons,
            breaks,
            clipped,
            days,
            weeks,
        } = scratch;
        group_by_day(pats, nr_weeks, nr_days, meets, first, fill);
        // `fill[k]` is now where day `k`'s group ends. The lessons went in in order, so
        // the last of a day's group is its lesson with the highest index: taking the
        // lessons off from the last, each leaves the end of the groups it is in.
        let mut tally = |k: usize, end: usize| {
            lessons.clear();
            let from = first.get(k).copied().unwrap_or(0);
            lessons.extend_from_slice(meets.get(from..end).unwrap_or(&[]));
            let (w, d) = ((k / per_week) as u32, (k % per_week) as u32);
            let bits = off_bits.and_then(|b| b.get(k).copied());
            tally_with(p, kind, (off, bits), w, d, lessons, breaks, clipped)
        };
        days.clear();
        days.extend(fill.iter().enumerate().map(|(k, &end)| tally(k, end)));
        weeks.clear();
        weeks.resize(nr_weeks as usize, DayTally::default());
        for (k, t) in days.iter().enumerate() {
            if let Some(w) = weeks.get_mut(k / per_week) {
                w.add(t);
            }
        }
        for len in (1..pats.len()).rev() {
            // Take lesson `len` out: the prefix is now `pats[..len]`. A lesson meets a
            // (week, day) at most once.
            each_meeting(
                pats.get(len..=len).unwrap_or(&[]),
                nr_weeks,
                nr_days,
                |k, _, _| {
                    let Some(end) = fill.get_mut(k) else {
                        return;
                    };
                    *end = end.saturating_sub(1);
                    let new = tally(k, *end);
                    if let (Some(old), Some(w)) = (days.get_mut(k), weeks.get_mut(k / per_week)) {
                        w.remove(old);
                        w.add(&new);
                        *old = new;
                    }
                },
            );
            if weeks.iter().all(|w| week_excess(kind, w) == 0) {
                return Some(len);
            }
        }
        Some(0)
    })
}

/// Groups the meetings of `pats` by (week, day) slot with a counting sort, one pass over
/// them where filtering them for each day would take one pass per day: day `k`'s
/// meetings, in the order of `pats`, are `meets[first[k]..first[k + 1]]`, and `fill[k]`
/// ends up equal to `first[k + 1]`.
fn group_by_day(
    pats: &[TimePattern],
    nr_weeks: u32,
    nr_days: u32,
    meets: &mut Vec<(u32, u32)>,
    first: &mut Vec<usize>,
    fill: &mut Vec<usize>,
) {
    let slots = (nr_weeks * nr_days) as usize;
    first.clear();
    first.resize(slots + 1, 0);
    each_meeting(pats, nr_weeks, nr_days, |k, _, _| {
        if let Some(n) = first.get_mut(k + 1) {
            *n += 1;
        }
    });
    for k in 0..slots {
        let before = first.get(k).copied().unwrap_or(0);
        if let Some(n) = first.get_mut(k + 1) {
            *n += before;
        }
    }
    fill.clear();
    fill.extend_from_slice(first.get(..slots).unwrap_or(&[]));
    meets.clear();
    meets.resize(first.get(slots).copied().unwrap_or(0), (0, 0));
    each_meeting(pats, nr_weeks, nr_days, |k, a, b| {
        if let Some(at) = fill.get_mut(k) {
            if let Some(m) = meets.get_mut(*at) {
                *m = (a, b);
            }
            *at += 1;
        }
    });
}

/// The tally of day `d` of week `w` for a day-counted kind, with `lessons` the (start,
/// end) of the lessons then, in any order (kinds that need them sorted sort them).
/// `off_bits`, when known, are the day's [`day_off_bits`]: the solver keeps them for each
/// rule and day, since they never change.
pub fn day_tally(
    p: &Problem,
    kind: DistributionKind,
    off: (&[TimePattern], Option<u64>),
    w: u32,
    d: u32,
    lessons: &mut [(u32, u32)],
) -> DayTally {
    DAY_SCRATCH.with_borrow_mut(|scratch| {
        let DayScratch {
            breaks, clipped, ..
        } = scratch;
        tally_with(p, kind, off, w, d, lessons, breaks, clipped)
    })
}

/// The slots of day `d` of week `w` below 64 that are break times or in `off`, as bits
/// (slot `i` is bit `i`): what a day of lessons ending by slot 64 is counted against.
pub fn day_off_bits(p: &Problem, off: &[TimePattern], w: u32, d: u32) -> u64 {
    let (week, day) = (
        1u64.checked_shl(w).unwrap_or(0),
        1u32.checked_shl(d).unwrap_or(0),
    );
    p.breaks
        .iter()
        .chain(off)
        .filter(|t| t.weeks & week != 0 && t.days & day != 0)
        .fold(0u64, |m, t| m | slot_bits(t.start.min(64), t.end().min(64)))
}

/// A day's lessons as every day-counted kind but the block kinds sees them, when they all
/// end by slot 64: where the first starts and the last ends, the slots they cover as
/// bits, and their summed length. It is built in one pass over the lessons, with no copy
/// of them and no sorting: most days the solver counts are counted from it (the gap,
/// load and early-start limits of a FET file's students and teachers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayShape {
    first: u32,
    last: u32,
    taught: u64,
    load: u32,
    /// Every lesson so far lasts a slot or more and ends by slot 64.
    fits: bool,
    /// Two lessons share a slot: one cannot be taken out of `taught` (see `without`).
    overlap: bool,
}

impl Default for DayShape {
    fn default() -> Self {
        DayShape {
            first: u32::MAX,
            last: 0,
            taught: 0,
            load: 0,
            fits: true,
            overlap: false,
        }
    }
}

impl DayShape {
    /// The shape of `lessons`, (start, end) each.
    pub fn of(lessons: impl IntoIterator<Item = (u32, u32)>) -> Self {
        let mut shape = DayShape::default();
        for (a, b) in lessons {
            shape.push(a, b);
        }
        shape
    }

    /// Add a lesson from slot `a` to slot `b`. Branch-free, as the solver adds a few
    /// million a second.
    pub fn push(&mut self, a: u32, b: u32) {
        self.first = self.first.min(a);
        self.last = self.last.max(b);
        // Slots [a, b) as bits; right for a shape that fits (a < b <= 64), which is the
        // only kind of shape they are read from.
        let (a64, b64) = (a.min(64), b.min(64));
        let bits = ((1u128 << b64) - (1u128 << a64.min(b64))) as u64;
        self.overlap |= self.taught & bits != 0;
        self.taught |= bits;
        self.load = self.load.wrapping_add(b.wrapping_sub(a));
        self.fits &= a < b && b <= 64;
    }

    /// The shape with its lesson from slot `a` to `b` taken out, read off the shape
    /// itself: `None` when it cannot be (its lessons overlap or do not fit) and the
    /// lessons left must be counted again.
    pub fn without(&self, a: u32, b: u32) -> Option<DayShape> {
        if !self.fits || self.overlap {
            return None;
        }
        let taught = self.taught & !slot_bits(a, b);
        if taught == 0 {
            return Some(DayShape::default());
        }
        // Lessons that fit last a slot or more, so the first and last taught slots are
        // where the first lesson starts and the last ends.
        Some(DayShape {
            first: taught.trailing_zeros(),
            last: 64 - taught.leading_zeros(),
            taught,
            load: self.load.wrapping_sub(b.wrapping_sub(a)),
            fits: true,
            overlap: false,
        })
    }

    /// [`day_tally`] of day `d` with these lessons, for a shape that fits and a kind
    /// counted on shapes (`None` otherwise, for the lessons themselves to be counted).
    /// `off_bits` gives the day's [`day_off_bits`], asked only when needed.
    pub fn tally(
        &self,
        kind: DistributionKind,
        d: u32,
        off_bits: impl FnOnce() -> u64,
    ) -> Option<DayTally> {
        use DistributionKind::*;
        let on_shape = match kind {
            MaxBreaks(..) | MaxBlock(..) => false,
            // An interval given backwards is met as the lessons' list says
            // (`a < to && from < b`), which is no set of slots.
            MaxDaysInInterval(from, to, _) => from < to,
            _ => true,
        };
        if !self.fits || !on_shape {
            return None;
        }
        let mut tally = DayTally::default();
        if self.first > self.last {
            if let MinDayLoad(s, false) = kind {
                tally.total += u64::from(s);
            }
            return Some(tally);
        }
        tally.busy = 1;
        let day = 1u32.checked_shl(d).unwrap_or(0);
        let (first, last) = (self.first, self.last);
        let gaps =
            |off: u64| u64::from((slot_bits(first, last) & !(self.taught | off)).count_ones());
        match kind {
            MaxDayLoad(s) => tally.total += u64::from(self.load.saturating_sub(s)),
            MinDays(_) => {}
            MaxDaysAmong(mask, _) => {
                if mask & day != 0 {
                    tally.among = 1;
                }
            }
            MinDayLoad(s, _) => tally.total += u64::from(s.saturating_sub(self.load)),
            MaxGapsPerDay(g) => tally.total += gaps(off_bits()).saturating_sub(u64::from(g)),
            MaxGapsPerWeek(_) => tally.gaps = gaps(off_bits()),
            MaxGapsAmong(mask, g) => {
                if mask & day != 0 {
                    tally.total += gaps(off_bits()).saturating_sub(u64::from(g));
                }
            }
            MaxDaysInInterval(from, to, _) => {
                if self.taught & slot_bits(from.min(64), to.min(64)) != 0 {
                    tally.in_interval = 1;
                }
            }
            _ => {
                let free_before = (off_bits() & slot_bits(0, first)).count_ones();
                match first.saturating_sub(free_before) {
                    0 => {}
                    1 => tally.one_late = 1,
                    _ => tally.total += 1,
                }
            }
        }
        Some(tally)
    }
}

/// [`day_tally`] with its buffers.
#[allow(clippy::too_many_arguments)]
fn tally_with(
    p: &Problem,
    kind: DistributionKind,
    (off, off_bits): (&[TimePattern], Option<u64>),
    w: u32,
    d: u32,
    lessons: &mut [(u32, u32)],
    breaks: &mut Vec<(u32, u32)>,
    clipped: &mut Vec<(u32, u32)>,
) -> DayTally {
    let shape = DayShape::of(lessons.iter().copied());
    let bits = || off_bits.unwrap_or_else(|| day_off_bits(p, off, w, d));
    match shape.tally(kind, d, bits) {
        Some(tally) => tally,
        None => tally_listed(p, kind, off, (w, d), lessons, breaks, clipped),
    }
}

/// [`day_tally`] on the lessons themselves, with the breaks as intervals: for the block
/// kinds, and days with lessons past slot 64 (ITC 2019's days of 288) or of no length.
fn tally_listed(
    p: &Problem,
    kind: DistributionKind,
    off: &[TimePattern],
    (w, d): (u32, u32),
    lessons: &mut [(u32, u32)],
    breaks: &mut Vec<(u32, u32)>,
    clipped: &mut Vec<(u32, u32)>,
) -> DayTally {
    use DistributionKind::*;
    let mut tally = DayTally::default();
    let (Some(first), Some(last)) = (
        lessons.iter().map(|l| l.0).min(),
        lessons.iter().map(|l| l.1).max(),
    ) else {
        if let MinDayLoad(s, false) = kind {
            tally.total += u64::from(s);
        }
        return tally;
    };
    tally.busy = 1;
    match kind {
        MaxDayLoad(s) => {
            let load: u32 = lessons.iter().map(|(a, b)| b - a).sum();
            tally.total += u64::from(load.saturating_sub(s));
            return tally;
        }
        MaxBreaks(r, s) => {
            let mut n = 0u64;
            day_blocks(lessons, s, |_, _, _| n += 1);
            tally.total += n.saturating_sub(u64::from(r) + 1);
            return tally;
        }
        MaxBlock(m, s) => {
            let mut n = 0u64;
            day_blocks(lessons, s, |a, b, k| {
                if k >= 2 && b - a > m {
                    n += 1;
                }
            });
            tally.total += n;
            return tally;
        }
        _ => {}
    }
    let (week, day) = (
        1u64.checked_shl(w).unwrap_or(0),
        1u32.checked_shl(d).unwrap_or(0),
    );
    let day_breaks = || {
        p.breaks
            .iter()
            .chain(off)
            .filter(move |t| t.weeks & week != 0 && t.days & day != 0)
    };
    let gaps = |breaks: &mut Vec<(u32, u32)>, clipped: &mut Vec<(u32, u32)>| {
        breaks.clear();
        breaks.extend(day_breaks().map(|t| (t.start, t.end())));
        day_gaps(lessons, breaks, first, last, clipped)
    };
    match kind {
        MinDays(_) => {}
        MaxDaysAmong(mask, _) => {
            if mask & day != 0 {
                tally.among = 1;
            }
        }
        MinDayLoad(s, _) => {
            let load: u32 = lessons.iter().map(|(a, b)| b - a).sum();
            tally.total += u64::from(s.saturating_sub(load));
        }
        MaxGapsPerDay(_) | MaxGapsPerWeek(_) => {
            let gaps = u64::from(gaps(breaks, clipped));
            match kind {
                MaxGapsPerDay(g) => tally.total += gaps.saturating_sub(u64::from(g)),
                _ => tally.gaps = gaps,
            }
        }
        MaxGapsAmong(mask, g) => {
            if mask & day != 0 {
                let gaps = u64::from(gaps(breaks, clipped));
                tally.total += gaps.saturating_sub(u64::from(g));
            }
        }
        MaxDaysInInterval(from, to, _) => {
            if lessons.iter().any(|&(a, b)| a < to && from < b) {
                tally.in_interval = 1;
            }
        }
        _ => {
            breaks.clear();
            breaks.extend(day_breaks().map(|t| (t.start, t.end())));
            let free_before = covered(breaks.iter(), 0, first, clipped);
            match first.saturating_sub(free_before) {
                0 => {}
                1 => tally.one_late = 1,
                _ => tally.total += 1,
            }
        }
    }
    tally
}

/// The slots `[a, b)` of a day as bits (slot `i` is bit `i`), for `b` at most 64; empty
/// when `a >= b`.
fn slot_bits(a: u32, b: u32) -> u64 {
    if a >= b || b > 64 {
        return 0;
    }
    let below_b = if b == 64 { u64::MAX } else { (1u64 << b) - 1 };
    below_b & !((1u64 << a) - 1)
}

/// The ITC 2019 kinds' blocks of a day: its lessons merged when less than `s` slots
/// apart; `on_block` gets each block's start, end and number of lessons.
fn day_blocks(lessons: &mut [(u32, u32)], s: u32, mut on_block: impl FnMut(u32, u32, usize)) {
    lessons.sort_unstable();
    let mut cur: Option<(u32, u32, usize)> = None;
    for &(a, b) in lessons.iter() {
        cur = match cur {
            Some((cs, ce, n)) if ce + s >= a => Some((cs, ce.max(b), n + 1)),
            Some((cs, ce, n)) => {
                on_block(cs, ce, n);
                Some((a, b, 1))
            }
            None => Some((a, b, 1)),
        };
    }
    if let Some((cs, ce, n)) = cur {
        on_block(cs, ce, n);
    }
}

/// The excess of the kinds counted day by day (gaps, loads, early starts, days used).
fn day_excess(
    p: &Problem,
    kind: DistributionKind,
    off: &[TimePattern],
    pats: &[TimePattern],
    scratch: &mut DayScratch,
) -> Option<u64> {
    let (nr_weeks, nr_days) = (p.nr_weeks.clamp(1, 64), p.nr_days.clamp(1, 32));
    // The lessons grouped by day with a counting sort: one pass over them, where
    // filtering them for each day would take one pass per day.
    let DayScratch {
        meets,
        first,
        fill,
        lessons,
        breaks,
        clipped,
        ..
    } = scratch;
    group_by_day(pats, nr_weeks, nr_days, meets, first, fill);
    let mut total = 0u64;
    for w in 0..nr_weeks {
        let mut week = DayTally::default();
        for d in 0..nr_days {
            let k = (w * nr_days + d) as usize;
            let (from, to) = (
                first.get(k).copied().unwrap_or(0),
                first.get(k + 1).copied().unwrap_or(0),
            );
            lessons.clear();
            lessons.extend_from_slice(meets.get(from..to).unwrap_or(&[]));
            week.add(&tally_with(
                p,
                kind,
                (off, None),
                w,
                d,
                lessons,
                breaks,
                clipped,
            ));
        }
        total += week_excess(kind, &week);
    }
    Some(total)
}

/// A week-by-week excess, summed over the weeks.
fn per_week(p: &Problem, excess: impl FnMut(u32) -> u64) -> u64 {
    (0..p.nr_weeks.clamp(1, 64)).map(excess).sum()
}

/// The real days of a week, each as its days: (0, 1), (2, 3), ...; an odd last day is a
/// real day of its own.
fn real_days(p: &Problem) -> impl Iterator<Item = std::ops::Range<u32>> {
    terms(p, 2)
}

/// How many of the terms of `len` days (see [`terms`]) have a class in week `w`.
fn busy_terms(p: &Problem, len: u32, w: u32, pats: &[TimePattern]) -> u64 {
    terms(p, len)
        .filter(|days| days.clone().any(|d| pats.iter().any(|t| t.meets_on(w, d))))
        .count() as u64
}

/// The terms of a week, each as its days, `len` days in a row from the first; a shorter
/// last term holds the days left.
fn terms(p: &Problem, len: u32) -> impl Iterator<Item = std::ops::Range<u32>> {
    let days = p.nr_days.clamp(1, 32);
    let len = len.max(1);
    (0..days)
        .step_by(len as usize)
        .map(move |first| first..first.saturating_add(len).min(days))
}

/// The slots of classes on a real day (`days`) of week `w`.
fn real_day_load(w: u32, days: std::ops::Range<u32>, pats: &[TimePattern]) -> u64 {
    days.flat_map(|d| pats.iter().filter(move |t| t.meets_on(w, d)))
        .map(|t| u64::from(t.length))
        .sum()
}

/// The slots of selection `i`; an unknown selection has none.
fn selection(p: &Problem, i: u32) -> &[TimePattern] {
    p.slot_selections
        .get(i as usize)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The slots of selection `i` that a class meets in, in week `w`.
fn occupied_slots(p: &Problem, i: u32, w: u32, pats: &[TimePattern]) -> u64 {
    let week = 1u64.checked_shl(w).unwrap_or(0);
    selection(p, i)
        .iter()
        .filter(|s| s.weeks & week != 0)
        .filter(|s| pats.iter().any(|t| t.weeks & week != 0 && t.overlaps(s)))
        .count() as u64
}

/// `BackToBack` for two times: they share a day and a week, do not overlap, and every slot
/// between the end of the earlier and the start of the later is a break time on the days
/// and weeks they share.
pub fn back_to_back(p: &Problem, x: &TimePattern, y: &TimePattern) -> bool {
    let (days, weeks) = (x.days & y.days, x.weeks & y.weeks);
    if days == 0 || weeks == 0 {
        return false;
    }
    let (first, second) = if x.start <= y.start { (x, y) } else { (y, x) };
    if first.end() > second.start {
        return false;
    }
    (first.end()..second.start).all(|slot| {
        p.breaks.iter().any(|b| {
            b.days & days == days && b.weeks & weeks == weeks && b.start <= slot && slot < b.end()
        })
    })
}

/// Free slots between classes on the days of `days` in the weeks of `weeks`, break times
/// not counted: one learner's (or teacher's) gaps when `pats` are their classes. Patterns
/// are narrowed to those days, so the count is the same as over the whole cycle when the
/// masks cover every day a class meets.
pub fn gap_slots(p: &Problem, pats: &[TimePattern], days: u32, weeks: u64) -> u64 {
    // The solver asks this for every learner of a class it weighs: no allocation per day.
    let mut total = 0u64;
    let mut lessons: Vec<(u32, u32)> = Vec::new();
    let mut breaks: Vec<(u32, u32)> = Vec::new();
    let mut clipped: Vec<(u32, u32)> = Vec::new();
    for w in (0..p.nr_weeks.clamp(1, 64)).filter(|w| weeks >> w & 1 == 1) {
        let week = 1u64 << w;
        for d in (0..p.nr_days.clamp(1, 32)).filter(|d| days >> d & 1 == 1) {
            let on_day = |t: &&TimePattern| t.weeks & week != 0 && t.days >> d & 1 == 1;
            lessons.clear();
            lessons.extend(pats.iter().filter(on_day).map(|t| (t.start, t.end())));
            // One class on a day leaves no gap.
            if lessons.len() < 2 {
                continue;
            }
            let first = lessons.iter().map(|l| l.0).min().unwrap_or(0);
            let last = lessons.iter().map(|l| l.1).max().unwrap_or(0);
            breaks.clear();
            breaks.extend(p.breaks.iter().filter(on_day).map(|t| (t.start, t.end())));
            total += u64::from(day_gaps(&lessons, &breaks, first, last, &mut clipped));
        }
    }
    total
}

/// The days in the bit set `mask` of every week of `p`, as `(week, day)` counted from 0.
pub fn days_among(p: &Problem, mask: u32) -> impl Iterator<Item = (u32, u32)> {
    let days = p.nr_days.clamp(1, 32);
    (0..p.nr_weeks.clamp(1, 64)).flat_map(move |w| {
        (0..days)
            .filter(move |d| mask & (1 << d) != 0)
            .map(move |d| (w, d))
    })
}

/// The days (as `(week, day)`, counted from 0) on which some class may meet: the days a
/// learner's week is spread over when their days' load is weighed.
pub fn teaching_days(p: &Problem) -> Vec<(u32, u32)> {
    let (weeks, days) = (p.nr_weeks.clamp(1, 64), p.nr_days.clamp(1, 32));
    let options: Vec<&TimePattern> = p
        .classes
        .iter()
        .flat_map(|c| c.times.iter().map(|o| &o.pattern))
        .collect();
    (0..weeks)
        .flat_map(|w| (0..days).map(move |d| (w, d)))
        .filter(|&(w, d)| options.iter().any(|t| t.meets_on(w, d)))
        .collect()
}

/// How unevenly one learner's classes `pats` load the teaching `days` (from
/// [`teaching_days`]): the sum over those days of the square of the distance between the
/// day's taught slots and the learner's mean day, times `weight` / 1000, rounded down
/// once. An even week costs 0; a lesson added to an even week costs almost nothing, so
/// weighing balance never argues against a pupil's choice.
pub fn day_load_cost(pats: &[TimePattern], days: &[(u32, u32)], weight: u64) -> u64 {
    if weight == 0 || days.is_empty() {
        return 0;
    }
    let (spread, n) = load_spread(pats, days.iter().copied());
    u64::try_from(u128::from(weight) * spread / (1000 * n.max(1))).unwrap_or(u64::MAX)
}

/// For the slots taught on each of `days` (as `(week, day)`): n·Σx² − (Σx)², which is n²
/// times the variance (never negative, and exact in integers), and n.
fn load_spread(pats: &[TimePattern], days: impl Iterator<Item = (u32, u32)>) -> (u128, u128) {
    let (mut sum, mut squares, mut n) = (0u128, 0u128, 0u128);
    for (w, d) in days {
        let taught: u128 = pats
            .iter()
            .filter(|t| t.meets_on(w, d))
            .map(|t| u128::from(t.length))
            .sum();
        sum += taught;
        squares += taught * taught;
        n += 1;
    }
    ((n * squares).saturating_sub(sum * sum), n)
}

/// Empty slots between `first` and `last` that neither a lesson nor a break covers.
fn day_gaps(
    lessons: &[(u32, u32)],
    breaks: &[(u32, u32)],
    first: u32,
    last: u32,
    clipped: &mut Vec<(u32, u32)>,
) -> u32 {
    (last - first).saturating_sub(covered(lessons.iter().chain(breaks), first, last, clipped))
}

/// How many slots of `[lo, hi)` the intervals cover (overlaps counted once); `clipped` is
/// a buffer, reused by callers that ask often.
fn covered<'i>(
    intervals: impl Iterator<Item = &'i (u32, u32)>,
    lo: u32,
    hi: u32,
    clipped: &mut Vec<(u32, u32)>,
) -> u32 {
    clipped.clear();
    clipped.extend(
        intervals
            .map(|&(a, b)| (a.max(lo), b.min(hi)))
            .filter(|(a, b)| a < b),
    );
    // The sweep needs the intervals by start only.
    if !clipped.is_sorted_by_key(|x| x.0) {
        clipped.sort_unstable();
    }
    let (mut total, mut reach) = (0, lo);
    for &(a, b) in clipped.iter() {
        let a = a.max(reach);
        if b > a {
            total += b - a;
            reach = b;
        }
    }
    total
}

/// Where one class was placed: an index into its `times` and, if it needs one, a room
/// index into `Problem::rooms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Placement {
    pub time: usize,
    pub room: Option<usize>,
}

/// A (possibly partial) solution: a placement per class and the classes of each student.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Solution {
    pub placements: Vec<Option<Placement>>,
    /// For each student (same order as `Problem::students`), the classes they attend.
    pub enrollments: Vec<Vec<usize>>,
}

impl Solution {
    pub fn empty_for(problem: &Problem) -> Self {
        Solution {
            placements: vec![None; problem.classes.len()],
            enrollments: vec![Vec::new(); problem.students.len()],
        }
    }
}

/// Parse an ITC-style bit string (`"1010100"`) of at most `max` characters.
pub fn parse_bits(s: &str, max: u32) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() || s.len() > max as usize || s.len() > 64 {
        return None;
    }
    let mut v = 0u64;
    for (i, ch) in s.chars().enumerate() {
        match ch {
            '1' => v |= 1u64 << i,
            '0' => {}
            _ => return None,
        }
    }
    Some(v)
}

/// Format a bit set as an ITC-style bit string of `len` characters.
pub fn format_bits(v: u64, len: u32) -> String {
    (0..len.min(64))
        .map(|i| if v >> i & 1 == 1 { '1' } else { '0' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip() {
        let v = parse_bits("1010100", 7).unwrap();
        assert_eq!(v, 0b0010101);
        assert_eq!(format_bits(v, 7), "1010100");
        assert!(parse_bits("10a", 7).is_none());
        assert!(parse_bits("11111111", 7).is_none());
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(
            DistributionKind::parse_itc("MaxBlock(24,3)"),
            Some(DistributionKind::MaxBlock(24, 3))
        );
        assert_eq!(
            DistributionKind::parse_itc("SameRoom"),
            Some(DistributionKind::SameRoom)
        );
        assert_eq!(DistributionKind::parse_itc("MaxDays"), None);
        assert_eq!(DistributionKind::parse_itc("Foo"), None);
        for k in [
            "WorkDay(6)",
            "MinGap(2)",
            "MaxDayLoad(100)",
            "MaxBreaks(1,6)",
            "MinDaysApart(2)",
            "BeforeIfSameDay",
            "MinDayLoad(4,0)",
            "MinDayLoad(2,1)",
            "MaxGapsPerDay(1)",
            "MaxGapsPerWeek(3)",
            "EarlyStart(2)",
            "MaxDaysInInterval(5,8,2)",
            "MinDays(3)",
            "MaxDaysAmong(682,3)",
            "MaxRealDays(4)",
            "MinSlotsAmong(0,2)",
            "MaxSimultaneousAmong(1,3)",
            "MinRestBetweenHalves(2)",
            "MinRealDayLoad(2,0)",
            "Grouped",
        ] {
            assert_eq!(DistributionKind::parse_itc(k).unwrap().itc_name(), k);
        }
    }

    #[test]
    fn overlap_rules() {
        let a = TimePattern {
            days: 0b1,
            start: 10,
            length: 10,
            weeks: 0b11,
        };
        let b = TimePattern {
            days: 0b1,
            start: 20,
            length: 5,
            weeks: 0b01,
        };
        assert!(!a.overlaps(&b), "touching is not overlapping");
        let c = TimePattern { start: 19, ..b };
        assert!(a.overlaps(&c));
        let d = TimePattern { weeks: 0b100, ..c };
        assert!(!a.overlaps(&d));
    }

    fn hour(day: u32, start: u32, length: u32) -> TimePattern {
        TimePattern {
            days: 1 << day,
            start,
            length,
            weeks: 1,
        }
    }

    fn week_of(days: u32, hours: u32) -> Problem {
        Problem::empty("t", days, 1, hours)
    }

    /// Every day-counted kind (`is_day_counted`) with limits around `limit`, a short day
    /// allowed and not, and an interval given each way round: thirteen in all.
    fn day_counted_kinds(limit: u32) -> [DistributionKind; 13] {
        use DistributionKind::*;
        [
            MaxGapsPerWeek(limit),
            MaxGapsPerDay(limit),
            MaxDayLoad(2 + limit),
            MinDayLoad(1 + limit, true),
            MinDayLoad(1 + limit, false),
            EarlyStart(limit),
            MaxBreaks(limit, 0),
            MaxBlock(1 + limit, 0),
            MinDays(limit),
            MaxDaysInInterval(2, 5, limit),
            MaxDaysInInterval(5, 2, limit),
            MaxGapsAmong(0b101, limit),
            MaxDaysAmong(0b011, limit),
        ]
    }

    /// The prefix search the solver's repair asks for, done the slow way: each prefix
    /// counted afresh, the longest first.
    fn clean_prefix_by_recount(p: &Problem, kind: DistributionKind, pats: &[TimePattern]) -> usize {
        (1..pats.len())
            .rev()
            .find(|&len| school_excess(p, kind, &[], pats.get(..len).unwrap_or(&[])) == Some(0))
            .unwrap_or(0)
    }

    proptest::proptest! {
        /// Taking lessons off one at a time and recounting only their days finds the same
        /// prefix as counting every prefix afresh, for every day-counted kind.
        #[test]
        fn clean_prefix_matches_counting_each_prefix_afresh(
            lessons in proptest::collection::vec((0u32..3, 0u32..7, 1u32..3), 0..12),
            kind_at in 0usize..13,
            limit in 0u32..3,
        ) {
            let kind = day_counted_kinds(limit)[kind_at];
            let p = week_of(3, 8);
            let pats: Vec<TimePattern> =
                lessons.iter().map(|&(d, s, l)| hour(d, s, l)).collect();
            proptest::prop_assert_eq!(
                clean_prefix_len(&p, kind, (&[], None), &pats),
                Some(clean_prefix_by_recount(&p, kind, &pats))
            );
        }
    }

    /// A day's free slots and late start counted slot by slot: what `day_tally` counts
    /// on bits (days within 64 slots) or on intervals (longer days).
    fn gaps_and_lateness_by_slot(lessons: &[(u32, u32)], off: &[(u32, u32)]) -> (u64, u64) {
        let first = lessons.iter().map(|l| l.0).min().unwrap_or(0);
        let last = lessons.iter().map(|l| l.1).max().unwrap_or(0);
        let within = |s: u32, v: &[(u32, u32)]| v.iter().any(|&(a, b)| a <= s && s < b);
        let gaps = (first..last)
            .filter(|&s| !within(s, lessons) && !within(s, off))
            .count();
        let late = (0..first).filter(|&s| !within(s, off)).count();
        (gaps as u64, late as u64)
    }

    proptest::proptest! {
        /// Free slots and late starts are the same counted on bits, on intervals, or slot by
        /// slot, with breaks and unavailable times in and beyond the day.
        #[test]
        fn a_days_gaps_and_late_start_are_counted_exactly(
            lessons in proptest::collection::vec((0u32..16, 1u32..4), 1..8),
            breaks in proptest::collection::vec((0u32..20, 1u32..4), 0..4),
            off in proptest::collection::vec((0u32..20, 1u32..6), 0..4),
            long_day in proptest::bool::ANY,
        ) {
            // Moved past slot 64, the day is counted on intervals rather than bits.
            let shift = if long_day { 70 } else { 0 };
            let mut p = week_of(1, 100);
            let pattern = |&(start, length): &(u32, u32)| hour(0, start + shift, length);
            p.breaks = breaks.iter().map(pattern).collect();
            let off: Vec<TimePattern> = off.iter().map(pattern).collect();
            let day: Vec<(u32, u32)> =
                lessons.iter().map(|&(a, l)| (a + shift, a + shift + l)).collect();
            let unavailable: Vec<(u32, u32)> =
                p.breaks.iter().chain(&off).map(|t| (t.start, t.end())).collect();
            let (gaps, late) = gaps_and_lateness_by_slot(&day, &unavailable);
            let week = day_tally(&p, DistributionKind::MaxGapsPerWeek(0), (&off, None), 0, 0, &mut day.clone());
            proptest::prop_assert_eq!(week.gaps, gaps);
            let daily = day_tally(&p, DistributionKind::MaxGapsPerDay(1), (&off, None), 0, 0, &mut day.clone());
            proptest::prop_assert_eq!(daily.total, gaps.saturating_sub(1));
            let early = day_tally(&p, DistributionKind::EarlyStart(0), (&off, None), 0, 0, &mut day.clone());
            proptest::prop_assert_eq!((early.one_late, early.total), match late {
                0 => (0, 0),
                1 => (1, 0),
                _ => (0, 1),
            });
        }
    }

    proptest::proptest! {
        /// A day counted from its lessons' shape has the same tally as counted on the
        /// lessons themselves, for every kind the shape serves; the others are left to
        /// the lessons.
        #[test]
        fn a_days_shape_counts_as_its_lessons_do(
            lessons in proptest::collection::vec((0u32..14, 0u32..4), 0..8),
            off in proptest::collection::vec((0u32..16, 1u32..4), 0..3),
            kind_at in 0usize..13,
            limit in 0u32..3,
            d in 0u32..3,
        ) {
            use DistributionKind::*;
            let kind = day_counted_kinds(limit)[kind_at];
            let every_day = |start, length| TimePattern { days: 0b111, start, length, weeks: 1 };
            let mut p = week_of(3, 16);
            p.breaks = vec![every_day(3, 1)];
            let off: Vec<TimePattern> = off.iter().map(|&(s, l)| every_day(s, l)).collect();
            let mut day: Vec<(u32, u32)> = lessons.iter().map(|&(a, l)| (a, a + l)).collect();
            let shape = DayShape::of(day.iter().copied());
            let off_bits = day_off_bits(&p, &off, 0, d);
            let (mut breaks, mut clipped) = (Vec::new(), Vec::new());
            let listed = tally_listed(&p, kind, &off, (0, d), &mut day, &mut breaks, &mut clipped);
            let served = !matches!(kind, MaxBreaks(..) | MaxBlock(..) | MaxDaysInInterval(5, 2, _))
                && lessons.iter().all(|&(_, l)| l > 0);
            match shape.tally(kind, d, || off_bits) {
                Some(tally) => {
                    proptest::prop_assert!(served);
                    proptest::prop_assert_eq!(tally, listed);
                }
                None => proptest::prop_assert!(!served),
            }
        }
    }

    proptest::proptest! {
        /// Taking a lesson out of a day's shape gives the shape of the other lessons,
        /// whenever the shape can tell (its lessons fit and none overlap).
        #[test]
        fn a_lesson_taken_out_of_a_shape_leaves_the_others_shape(
            lessons in proptest::collection::vec((0u32..70, 0u32..4), 1..8),
            at in 0usize..8,
        ) {
            let day: Vec<(u32, u32)> = lessons.iter().map(|&(a, l)| (a, a + l)).collect();
            let at = at % day.len();
            let (a, b) = day[at];
            let all = DayShape::of(day.iter().copied());
            let others = DayShape::of(
                day.iter().enumerate().filter(|&(i, _)| i != at).map(|(_, &l)| l),
            );
            let apart = day.iter().enumerate().all(|(i, &(x, y))| {
                day.iter().skip(i + 1).all(|&(u, v)| y <= u || v <= x)
            });
            let fits = day.iter().all(|&(x, y)| x < y && y <= 64);
            match all.without(a, b) {
                Some(shape) => {
                    proptest::prop_assert!(fits && apart);
                    proptest::prop_assert_eq!(shape, others);
                }
                None => proptest::prop_assert!(!(fits && apart)),
            }
        }
    }

    #[test]
    fn clean_prefix_is_only_for_day_counted_kinds() {
        let p = week_of(3, 8);
        let pats = [hour(0, 0, 1), hour(1, 0, 1)];
        assert_eq!(
            clean_prefix_len(&p, DistributionKind::MaxDays(1), (&[], None), &pats),
            None
        );
    }

    /// `fet-cl` refuses min days 1 for a morning and its afternoon, and min days 2 for
    /// two mornings or two afternoons a real day apart; it accepts an afternoon and the
    /// next morning at 1.
    #[test]
    fn real_days_pair_the_days_of_a_morning_and_its_afternoon() {
        assert_eq!(real_days_of(0b0011), 0b01);
        assert_eq!(real_days_of(0b0110), 0b11);
        assert_eq!(real_days_of(1 << 31), 1 << 15);
        let apart = |a: u32, b: u32| days_apart(real_days_of(1 << a), real_days_of(1 << b));
        assert_eq!(apart(0, 1), 0);
        assert_eq!(apart(1, 2), 1);
        assert_eq!(apart(0, 2), 1);
        assert_eq!(apart(1, 3), 1);
        assert_eq!(apart(0, 4), 2);
    }

    #[test]
    fn days_apart_is_the_closest_pair() {
        assert_eq!(days_apart(0b00001, 0b10000), 4);
        assert_eq!(days_apart(0b00101, 0b01000), 1);
        assert_eq!(days_apart(0b00100, 0b00100), 0);
        assert_eq!(days_apart(0, 0b1), 32);
    }

    #[test]
    fn min_day_load_counts_short_days_and_days_off() {
        let p = week_of(3, 8);
        let pats = [hour(0, 0, 2), hour(0, 3, 1), hour(1, 0, 1)];
        // Monday 3 of 4, Tuesday 1 of 4, Wednesday empty.
        let k = DistributionKind::MinDayLoad(4, true);
        assert_eq!(school_excess(&p, k, &[], &pats), Some(1 + 3));
        let k = DistributionKind::MinDayLoad(4, false);
        assert_eq!(school_excess(&p, k, &[], &pats), Some(1 + 3 + 4));
    }

    #[test]
    fn gaps_leave_out_break_times() {
        let mut p = week_of(2, 8);
        // Monday 0-1 and 4-5: three empty slots between, one of them a break.
        let pats = [hour(0, 0, 1), hour(0, 4, 1), hour(1, 1, 1), hour(1, 3, 1)];
        p.breaks.push(hour(0, 2, 1));
        assert_eq!(
            school_excess(&p, DistributionKind::MaxGapsPerDay(0), &[], &pats),
            Some(2 + 1)
        );
        assert_eq!(
            school_excess(&p, DistributionKind::MaxGapsPerDay(1), &[], &pats),
            Some(1)
        );
        assert_eq!(
            school_excess(&p, DistributionKind::MaxGapsPerWeek(2), &[], &pats),
            Some(1)
        );
        assert_eq!(
            school_excess(&p, DistributionKind::MaxGapsPerWeek(3), &[], &pats),
            Some(0)
        );
    }

    #[test]
    fn an_even_week_costs_nothing_and_an_uneven_one_its_squared_spread() {
        let mut p = week_of(3, 8);
        let class = |p: &mut Problem, days: u32| {
            p.classes.push(Class {
                id: format!("{}", p.classes.len()),
                subpart: 0,
                config: 0,
                course: 0,
                parent: None,
                limit: 1,
                rooms: vec![],
                no_room: None,
                times: vec![TimeOption {
                    pattern: TimePattern {
                        days,
                        ..hour(0, 0, 1)
                    },
                    penalty: 0,
                }],
            });
        };
        class(&mut p, 0b011);
        let days = teaching_days(&p);
        assert_eq!(days, [(0, 0), (0, 1)], "no class may meet on day 2");
        class(&mut p, 0b100);
        let days = teaching_days(&p);
        assert_eq!(days.len(), 3);
        // Six slots over three days: 4 + 2 + 0 is 2, 0 and 2 from the mean of 2.
        let heavy = [hour(0, 0, 4), hour(1, 0, 2)];
        let even = [hour(0, 0, 2), hour(1, 0, 2), hour(2, 0, 2)];
        assert_eq!(day_load_cost(&heavy, &days, 1000), 4 + 4);
        assert_eq!(day_load_cost(&even, &days, 1000), 0);
        assert_eq!(day_load_cost(&heavy, &days, 250), 2);
        assert_eq!(day_load_cost(&heavy, &days, 0), 0, "not weighed");
        // Rounded down once: 3 + 1 + 1 over the mean 5/3 is 8/3 (times 1000/1000).
        let uneven = [hour(0, 0, 3), hour(1, 0, 1), hour(2, 0, 1)];
        assert_eq!(day_load_cost(&uneven, &days, 1000), 2);
        // A class meeting on two days loads both.
        let both = TimePattern {
            days: 0b11,
            ..hour(0, 5, 3)
        };
        assert_eq!(day_load_cost(&[both], &days, 1000), 6);
    }

    /// The gaps FET itself allows on a real day of two halves of four hours (found with
    /// `fet-cl` on two lessons of one teacher locked in place, raising the limit until it
    /// placed them): its afternoon follows its morning as if one day.
    #[test]
    fn real_day_gaps_read_the_afternoon_after_the_morning() {
        let p = week_of(4, 4);
        let gaps = |pats: &[TimePattern]| {
            (0..8).find(|&g| {
                school_excess(&p, DistributionKind::MaxRealDayGaps(g), &[], pats) == Some(0)
            })
        };
        // Morning hour 1 and afternoon hour 4; morning 4 and afternoon 1; both hour 1.
        assert_eq!(gaps(&[hour(0, 0, 1), hour(1, 3, 1)]), Some(6));
        assert_eq!(gaps(&[hour(0, 3, 1), hour(1, 0, 1)]), Some(0));
        assert_eq!(gaps(&[hour(0, 0, 1), hour(1, 0, 1)]), Some(3));
        assert_eq!(gaps(&[hour(0, 1, 1), hour(1, 1, 1)]), Some(3));
        // Within a morning as within a day; on two real days, no gap between them.
        assert_eq!(gaps(&[hour(0, 0, 1), hour(0, 3, 1)]), Some(2));
        assert_eq!(gaps(&[hour(0, 0, 1), hour(2, 3, 1)]), Some(0));
        // Over the limit by the excess, each real day on its own.
        let two_days = [hour(0, 0, 1), hour(1, 3, 1), hour(2, 0, 1), hour(3, 0, 1)];
        assert_eq!(
            school_excess(&p, DistributionKind::MaxRealDayGaps(2), &[], &two_days),
            Some(4 + 1)
        );
    }

    /// `fet-cl`'s verdicts on a teacher's half-days under max three consecutive days.
    #[test]
    fn consecutive_days_count_each_day_past_the_limit() {
        let p = week_of(10, 2);
        let excess = |days: &[u32]| {
            let pats: Vec<TimePattern> = days.iter().map(|&d| hour(d, 0, 1)).collect();
            school_excess(&p, DistributionKind::MaxConsecutiveDays(3), &[], &pats)
        };
        // Four mornings (days 0, 2, 4, 6) are not in a row; three half-days in a row are.
        assert_eq!(excess(&[0, 2, 4, 6]), Some(0));
        assert_eq!(excess(&[1, 2, 3]), Some(0));
        assert_eq!(excess(&[0, 1, 3, 4]), Some(0));
        // Four in a row (FET refuses both), and six: three past the limit.
        assert_eq!(excess(&[0, 1, 2, 3]), Some(1));
        assert_eq!(excess(&[1, 2, 3, 4]), Some(1));
        assert_eq!(excess(&[2, 3, 4, 5, 6, 7]), Some(3));
    }

    #[test]
    fn terms_count_classes_and_the_terms_they_meet_in() {
        // Seven days in terms of three: days 0-2, 3-5, and a short last term, day 6.
        let p = week_of(7, 4);
        let excess = |kind, pats: &[TimePattern]| school_excess(&p, kind, &[], pats);
        let pats = [
            hour(0, 0, 1),
            hour(2, 1, 1),
            hour(2, 2, 1),
            hour(4, 0, 1),
            hour(6, 0, 1),
        ];
        // Three classes in the first term, one in each of the others.
        assert_eq!(excess(DistributionKind::MaxPerTerm(3, 3), &pats), Some(0));
        assert_eq!(excess(DistributionKind::MaxPerTerm(3, 2), &pats), Some(1));
        assert_eq!(excess(DistributionKind::MaxPerTerm(3, 0), &pats), Some(5));
        assert_eq!(excess(DistributionKind::MaxTerms(3, 3), &pats), Some(0));
        assert_eq!(excess(DistributionKind::MaxTerms(3, 1), &pats), Some(2));
        // A class meeting on two days of one term counts once there.
        let two_days = TimePattern {
            days: 0b11,
            ..hour(0, 0, 1)
        };
        assert_eq!(
            excess(DistributionKind::MaxPerTerm(3, 0), &[two_days]),
            Some(1)
        );
        assert_eq!(
            excess(DistributionKind::MaxTerms(1, 1), &[two_days]),
            Some(1)
        );
        for kind in ["MaxPerTerm(3,2)", "MaxTerms(5,1)"] {
            let parsed = DistributionKind::parse_itc(kind);
            assert_eq!(parsed.map(|k| k.itc_name()), Some(kind.to_string()));
        }
        assert_eq!(DistributionKind::parse_itc("MaxTerms(0,1)"), None);
    }

    #[test]
    fn real_days_pair_a_morning_with_its_afternoon() {
        // Five days: two real days and a lone morning.
        let p = week_of(5, 8);
        let excess = |s, pats: &[TimePattern]| {
            school_excess(&p, DistributionKind::MaxRealDayLoad(s), &[], pats)
        };
        let pats = [hour(0, 0, 2), hour(1, 0, 2), hour(2, 0, 1), hour(4, 0, 3)];
        // Real days hold 4, 1 and 3 slots.
        assert_eq!(excess(4, &pats), Some(0));
        assert_eq!(excess(3, &pats), Some(1));
        assert_eq!(excess(2, &pats), Some(2 + 1));
    }

    #[test]
    fn a_minimum_over_real_days_counts_a_morning_with_its_afternoon() {
        // Four days: two real days.
        let p = week_of(4, 8);
        let excess = |empty_ok, pats: &[TimePattern]| {
            school_excess(&p, DistributionKind::MinRealDayLoad(3, empty_ok), &[], pats)
        };
        // Two slots in the morning and one in the afternoon make three; the empty second
        // real day counts only when empty days are not allowed.
        let first = [hour(0, 0, 2), hour(1, 0, 1)];
        assert_eq!(excess(true, &first), Some(0));
        assert_eq!(excess(false, &first), Some(3));
        // An empty afternoon is no shortfall when the morning holds the minimum.
        assert_eq!(excess(false, &[hour(0, 0, 3), hour(2, 0, 3)]), Some(0));
        assert_eq!(excess(true, &[hour(1, 0, 1)]), Some(2));
        assert!(!DistributionKind::MinRealDayLoad(3, true).mended_by_removal());
    }

    #[test]
    fn grouped_classes_follow_one_another_on_one_day() {
        let mut p = week_of(2, 8);
        // A break in the fourth slot of every day.
        p.breaks.push(TimePattern {
            days: 0b11,
            start: 3,
            length: 1,
            weeks: 1,
        });
        let excess = |pats: &[TimePattern]| school_excess(&p, DistributionKind::Grouped, &[], pats);
        // In any order, and across the break.
        assert_eq!(
            excess(&[hour(0, 2, 1), hour(0, 0, 2), hour(0, 4, 1)]),
            Some(0)
        );
        // A free slot between the second and the third.
        assert_eq!(
            excess(&[hour(0, 0, 1), hour(0, 1, 1), hour(0, 5, 1)]),
            Some(1)
        );
        // One on another day: the first two are still back to back, the third is not.
        assert_eq!(
            excess(&[hour(0, 0, 1), hour(0, 1, 1), hour(1, 2, 1)]),
            Some(1)
        );
        // Two at once.
        assert_eq!(
            excess(&[hour(0, 0, 1), hour(0, 0, 1), hour(0, 1, 1)]),
            Some(1)
        );
        assert!(DistributionKind::Grouped.mended_by_removal());
        assert!(!DistributionKind::Grouped.breakable_by_one_class());
    }

    #[test]
    fn real_days_with_classes_are_counted_whole() {
        // Five days: two real days and a lone morning.
        let p = week_of(5, 8);
        let excess = |n, pats: &[TimePattern]| {
            school_excess(&p, DistributionKind::MaxRealDays(n), &[], pats)
        };
        // A morning and its afternoon are one real day.
        assert_eq!(excess(1, &[hour(0, 0, 1), hour(1, 0, 1)]), Some(0));
        // Monday afternoon, Tuesday morning and the lone morning: three real days.
        let spread = [hour(1, 0, 1), hour(2, 0, 1), hour(4, 0, 1)];
        assert_eq!(excess(3, &spread), Some(0));
        assert_eq!(excess(1, &spread), Some(2));
        assert!(DistributionKind::MaxRealDays(1).mended_by_removal());
        assert!(DistributionKind::MaxRealDays(0).breakable_by_one_class());
        assert!(!DistributionKind::MaxRealDays(1).breakable_by_one_class());
    }

    #[test]
    fn a_minimum_of_selected_slots_counts_each_slot_once() {
        let mut p = week_of(2, 4);
        // Monday 1 and 2, Tuesday 1: at least two of them.
        p.slot_selections
            .push(vec![hour(0, 1, 1), hour(0, 2, 1), hour(1, 1, 1)]);
        let least = DistributionKind::MinSlotsAmong(0, 2);
        let excess = |pats: &[TimePattern]| school_excess(&p, least, &[], pats);
        assert_eq!(excess(&[]), Some(2));
        assert_eq!(excess(&[hour(0, 1, 2)]), Some(0), "one class on two slots");
        assert_eq!(
            excess(&[hour(1, 1, 1), hour(1, 1, 1)]),
            Some(1),
            "a slot two classes share counts once"
        );
        // A minimum is not mended by taking classes out.
        assert!(!least.mended_by_removal());
        assert!(least.breakable_by_one_class());
    }

    #[test]
    fn classes_at_once_in_a_selected_slot_are_limited() {
        let mut p = week_of(2, 4);
        // Monday 1 and Tuesday 1: at most one class at a time in each.
        p.slot_selections.push(vec![hour(0, 1, 1), hour(1, 1, 1)]);
        let one = DistributionKind::MaxSimultaneousAmong(0, 1);
        let excess = |pats: &[TimePattern]| school_excess(&p, one, &[], pats);
        assert_eq!(
            excess(&[hour(0, 1, 1), hour(1, 1, 1)]),
            Some(0),
            "one in each"
        );
        assert_eq!(
            excess(&[hour(0, 0, 2), hour(0, 1, 1)]),
            Some(1),
            "two on Monday 1"
        );
        assert_eq!(
            excess(&[hour(0, 1, 1), hour(0, 1, 1), hour(0, 1, 1), hour(0, 2, 1)]),
            Some(2),
            "three at once, and one outside the selection"
        );
        assert!(one.mended_by_removal());
        assert!(!one.breakable_by_one_class());
        assert!(DistributionKind::MaxSimultaneousAmong(0, 0).breakable_by_one_class());
    }

    #[test]
    fn rest_between_a_morning_and_its_afternoon() {
        // Two real days of 4-slot halves, and a lone morning.
        let p = week_of(5, 4);
        let excess = |h, pats: &[TimePattern]| {
            school_excess(&p, DistributionKind::MinRestBetweenHalves(h), &[], pats)
        };
        // Morning until its third slot, afternoon from its second: 1 + 1 slots of rest.
        let day = [hour(0, 1, 2), hour(1, 1, 2)];
        assert_eq!(excess(2, &day), Some(0));
        assert_eq!(excess(3, &day), Some(1));
        // The last slot of a morning and the first of its afternoon: no rest at all.
        assert_eq!(excess(1, &[hour(2, 3, 1), hour(3, 0, 1)]), Some(1));
        // A half-day alone, or an afternoon and the next morning, ask for nothing.
        assert_eq!(
            excess(4, &[hour(1, 0, 1), hour(2, 3, 1), hour(4, 3, 1)]),
            Some(0)
        );
        assert!(DistributionKind::MinRestBetweenHalves(1).mended_by_removal());
        assert!(!DistributionKind::MinRestBetweenHalves(1).breakable_by_one_class());
    }

    #[test]
    fn gaps_are_limited_on_the_chosen_days_only() {
        let p = week_of(2, 8);
        let afternoons = DistributionKind::MaxGapsAmong(0b10, 0);
        let gappy = |d| [hour(d, 0, 1), hour(d, 3, 1)];
        assert_eq!(school_excess(&p, afternoons, &[], &gappy(0)), Some(0));
        assert_eq!(school_excess(&p, afternoons, &[], &gappy(1)), Some(2));
        let one_allowed = DistributionKind::MaxGapsAmong(0b10, 1);
        assert_eq!(school_excess(&p, one_allowed, &[], &gappy(1)), Some(1));
        assert!(afternoons.mended_by_removal());
    }

    #[test]
    fn an_even_week_is_weighed_over_the_working_days_alone() {
        let p = week_of(5, 24);
        // Units of 2 slots; Monday to Thursday worked (Friday is not).
        let even = DistributionKind::EvenDays(2, 0b01111);
        let excess = |pats: &[TimePattern]| school_excess(&p, even, &[], pats);
        // 2 units on each of four days, and a class on Friday that does not count.
        let flat = [hour(0, 0, 4), hour(1, 0, 4), hour(2, 0, 4), hour(3, 0, 4)];
        assert_eq!(excess(&flat), Some(0));
        let with_friday = [flat.as_slice(), &[hour(4, 0, 6)]].concat();
        assert_eq!(excess(&with_friday), Some(0));
        // 4, 4, 0, 0 units: each day 2 from the mean of 2.
        let heavy = [hour(0, 0, 8), hour(1, 0, 8)];
        assert_eq!(excess(&heavy), Some(16));
        // Rounded down once: 3, 0, 0, 0 units lie 2.25, 0.75, 0.75, 0.75 from the mean.
        assert_eq!(excess(&[hour(0, 0, 6)]), Some(6));
        assert!(!even.is_pairwise());
        assert!(
            !even.mended_by_removal(),
            "taking a class out can unbalance a week"
        );
        assert_eq!(
            DistributionKind::parse_itc(&even.itc_name()),
            Some(even),
            "{}",
            even.itc_name()
        );
    }

    #[test]
    fn occupied_slots_of_a_selection_are_counted_once() {
        let mut p = week_of(2, 4);
        // Monday 1 and 2, Tuesday 1: at most one of them.
        p.slot_selections
            .push(vec![hour(0, 1, 1), hour(0, 2, 1), hour(1, 1, 1)]);
        let limit = DistributionKind::MaxSlotsAmong(0, 1);
        let excess = |pats: &[TimePattern]| school_excess(&p, limit, &[], pats);
        assert_eq!(
            excess(&[hour(0, 0, 1), hour(1, 2, 2)]),
            Some(0),
            "none selected"
        );
        assert_eq!(
            excess(&[hour(0, 1, 2)]),
            Some(1),
            "one class on two selected slots"
        );
        assert_eq!(
            excess(&[hour(0, 1, 1), hour(0, 1, 1), hour(1, 1, 1)]),
            Some(1),
            "a slot two classes share counts once"
        );
        assert_eq!(
            school_excess(
                &p,
                DistributionKind::MaxSlotsAmong(7, 0),
                &[],
                &[hour(0, 1, 1)]
            ),
            Some(0),
            "an unknown selection has no slots"
        );
        assert!(DistributionKind::MaxSlotsAmong(0, 1).breakable_by_one_class());
        assert_eq!(
            DistributionKind::parse_itc("MaxSlotsAmong(3,2)"),
            Some(DistributionKind::MaxSlotsAmong(3, 2))
        );
    }

    #[test]
    fn back_to_back_allows_only_break_times_between() {
        let mut p = week_of(2, 6);
        let (a, b) = (hour(0, 1, 1), hour(0, 3, 1));
        assert!(!back_to_back(&p, &a, &b), "slot 2 is free");
        p.breaks.push(hour(0, 2, 1));
        assert!(
            back_to_back(&p, &a, &b) && back_to_back(&p, &b, &a),
            "either order"
        );
        assert!(back_to_back(&p, &a, &hour(0, 2, 1)), "adjacent");
        assert!(!back_to_back(&p, &a, &hour(1, 3, 1)), "another day");
        assert!(
            !back_to_back(&p, &hour(0, 1, 2), &hour(0, 2, 1)),
            "overlapping"
        );
        assert!(
            !back_to_back(&p, &a, &hour(0, 4, 1)),
            "slot 3 is not a break"
        );
    }

    #[test]
    fn gap_slots_count_only_the_days_asked_for() {
        let mut p = week_of(2, 8);
        p.breaks.push(hour(0, 2, 1));
        // A class on Monday and Tuesday at 4, others at 0 on each day.
        let both = TimePattern {
            days: 0b11,
            ..hour(0, 4, 1)
        };
        let pats = [hour(0, 0, 1), hour(1, 0, 1), both];
        // Monday: 1 and 3 free (2 is a break); Tuesday: 1, 2 and 3 free.
        assert_eq!(gap_slots(&p, &pats, 0b01, 1), 2);
        assert_eq!(gap_slots(&p, &pats, 0b10, 1), 3);
        assert_eq!(gap_slots(&p, &pats, u32::MAX, u64::MAX), 5);
        assert_eq!(gap_slots(&p, &pats, 0b11, 0b10), 0, "nothing in week 2");
    }

    #[test]
    fn early_start_allows_some_second_hour_starts() {
        let mut p = week_of(3, 8);
        let pats = [hour(0, 1, 2), hour(1, 1, 1), hour(2, 2, 1)];
        // Two days start an hour late, one two hours late.
        assert_eq!(
            school_excess(&p, DistributionKind::EarlyStart(2), &[], &pats),
            Some(1)
        );
        assert_eq!(
            school_excess(&p, DistributionKind::EarlyStart(0), &[], &pats),
            Some(3)
        );
        // A break in the first hour of Wednesday is not a late start.
        p.breaks.push(hour(2, 0, 1));
        assert_eq!(
            school_excess(&p, DistributionKind::EarlyStart(2), &[], &pats),
            Some(1)
        );
        assert_eq!(
            school_excess(&p, DistributionKind::EarlyStart(3), &[], &pats),
            Some(0)
        );
        assert_eq!(
            school_excess(&p, DistributionKind::MaxDays(1), &[], &pats),
            None
        );
    }

    #[test]
    fn days_in_an_interval_count_any_overlap() {
        let p = week_of(3, 8);
        // Afternoons are slots 4..8: Monday ends in it, Tuesday is in it, Wednesday not.
        let pats = [hour(0, 2, 3), hour(1, 6, 1), hour(2, 0, 4)];
        let k = |d| DistributionKind::MaxDaysInInterval(4, 8, d);
        assert_eq!(school_excess(&p, k(1), &[], &pats), Some(1));
        assert_eq!(school_excess(&p, k(2), &[], &pats), Some(0));
    }

    #[test]
    fn min_days_count_the_days_short_of_the_minimum() {
        let p = week_of(5, 8);
        // Three lessons on two days (two on Monday).
        let pats = [hour(0, 0, 1), hour(0, 3, 1), hour(2, 1, 2)];
        let k = DistributionKind::MinDays;
        assert_eq!(school_excess(&p, k(2), &[], &pats), Some(0));
        assert_eq!(school_excess(&p, k(3), &[], &pats), Some(1));
        assert_eq!(
            school_excess(&p, k(4), &[], &[]),
            Some(4),
            "no lessons at all"
        );
        assert!(!k(3).mended_by_removal(), "taking lessons out never helps");
    }

    #[test]
    fn days_among_count_only_the_days_in_the_set() {
        // Six half-days: mornings are days 0, 2, 4 and afternoons 1, 3, 5.
        let p = week_of(6, 4);
        let pats = [hour(0, 0, 1), hour(1, 0, 1), hour(3, 2, 1), hour(5, 0, 1)];
        let afternoons = DistributionKind::MaxDaysAmong(0b101010, 2);
        let mornings = DistributionKind::MaxDaysAmong(0b010101, 1);
        assert_eq!(school_excess(&p, afternoons, &[], &pats), Some(1));
        assert_eq!(school_excess(&p, mornings, &[], &pats), Some(0));
        assert!(afternoons.mended_by_removal());
    }
}
