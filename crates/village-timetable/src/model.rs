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

use serde::{Deserialize, Serialize};

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
    /// Candidate times; never empty in a valid problem.
    pub times: Vec<TimeOption>,
}

impl Class {
    pub fn needs_room(&self) -> bool {
        !self.rooms.is_empty()
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
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            time: 1,
            room: 1,
            distribution: 1,
            student: 1,
            request: 0,
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
}

impl Problem {
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
    pub fn room_available(&self, room: usize, pattern: &TimePattern) -> bool {
        self.rooms
            .get(room)
            .is_some_and(|r| r.unavailable.iter().all(|u| !u.overlaps(pattern)))
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
        }
    }
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
}
