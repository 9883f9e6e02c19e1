//! Register marks (the DfE attendance codes) and what they count as.

use serde::{Deserialize, Serialize};

/// How a mark counts in attendance figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkCategory {
    /// In school, or at an approved educational activity off site.
    Present,
    AuthorisedAbsence,
    UnauthorisedAbsence,
    /// Not a possible session (e.g. planned closure): not counted either way.
    NotPossible,
}

/// One register mark: a single DfE code character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AttendanceMark(char);

impl AttendanceMark {
    pub const PRESENT_AM: AttendanceMark = AttendanceMark('/');
    pub const PRESENT_PM: AttendanceMark = AttendanceMark('\\');

    /// The codes Village accepts, with their meaning in plain words.
    pub const CODES: [(char, MarkCategory, &'static str); 25] = [
        ('/', MarkCategory::Present, "Present (morning)"),
        ('\\', MarkCategory::Present, "Present (afternoon)"),
        (
            'L',
            MarkCategory::Present,
            "Late, before the register closed",
        ),
        ('B', MarkCategory::Present, "Educated off site"),
        (
            'D',
            MarkCategory::Present,
            "Dual registered, at another school",
        ),
        (
            'K',
            MarkCategory::Present,
            "At provision arranged by the local authority",
        ),
        ('P', MarkCategory::Present, "Approved sporting activity"),
        ('V', MarkCategory::Present, "Educational visit or trip"),
        ('W', MarkCategory::Present, "Work experience"),
        (
            'C',
            MarkCategory::AuthorisedAbsence,
            "Leave for exceptional circumstances",
        ),
        (
            'E',
            MarkCategory::AuthorisedAbsence,
            "Suspended or excluded",
        ),
        ('I', MarkCategory::AuthorisedAbsence, "Illness"),
        (
            'M',
            MarkCategory::AuthorisedAbsence,
            "Medical or dental appointment",
        ),
        ('R', MarkCategory::AuthorisedAbsence, "Religious observance"),
        ('S', MarkCategory::AuthorisedAbsence, "Study leave"),
        (
            'T',
            MarkCategory::AuthorisedAbsence,
            "Mobile child, travelling",
        ),
        ('J', MarkCategory::AuthorisedAbsence, "Interview"),
        (
            'G',
            MarkCategory::UnauthorisedAbsence,
            "Holiday not agreed by the school",
        ),
        (
            'N',
            MarkCategory::UnauthorisedAbsence,
            "Reason not yet given",
        ),
        (
            'O',
            MarkCategory::UnauthorisedAbsence,
            "Absent without a reason the school accepts",
        ),
        (
            'U',
            MarkCategory::UnauthorisedAbsence,
            "Arrived after the register closed",
        ),
        (
            'X',
            MarkCategory::NotPossible,
            "Not of compulsory school age",
        ),
        (
            'Y',
            MarkCategory::NotPossible,
            "Unable to attend: exceptional circumstances",
        ),
        ('Z', MarkCategory::NotPossible, "Not yet on roll"),
        (
            '#',
            MarkCategory::NotPossible,
            "Planned whole-school closure",
        ),
    ];

    pub fn parse(s: &str) -> Option<Self> {
        let mut chars = s.chars();
        let c = chars.next()?;
        if chars.next().is_some() {
            return None;
        }
        Self::CODES
            .iter()
            .any(|(code, _, _)| *code == c)
            .then_some(AttendanceMark(c))
    }

    pub fn code(self) -> char {
        self.0
    }

    pub fn category(self) -> MarkCategory {
        Self::CODES
            .iter()
            .find(|(code, _, _)| *code == self.0)
            .map_or(MarkCategory::NotPossible, |(_, cat, _)| *cat)
    }

    pub fn meaning(self) -> &'static str {
        Self::CODES
            .iter()
            .find(|(code, _, _)| *code == self.0)
            .map_or("Unknown mark", |(_, _, m)| m)
    }
}

/// Attendance over some sessions, as schools report it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceSummary {
    pub present: u32,
    pub authorised: u32,
    pub unauthorised: u32,
}

impl AttendanceSummary {
    pub fn add(&mut self, mark: AttendanceMark) {
        match mark.category() {
            MarkCategory::Present => self.present += 1,
            MarkCategory::AuthorisedAbsence => self.authorised += 1,
            MarkCategory::UnauthorisedAbsence => self.unauthorised += 1,
            MarkCategory::NotPossible => {}
        }
    }

    pub fn possible(&self) -> u32 {
        self.present + self.authorised + self.unauthorised
    }

    /// Percentage of possible sessions attended, or `None` before any register was taken.
    pub fn rate(&self) -> Option<f64> {
        let possible = self.possible();
        (possible > 0).then(|| f64::from(self.present) * 100.0 / f64::from(possible))
    }

    /// Persistent absence in England: missing 10% or more of possible sessions.
    pub fn is_persistent_absence(&self) -> bool {
        self.rate().is_some_and(|r| r <= 90.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_by_category() {
        let mut s = AttendanceSummary::default();
        for code in ["/", "\\", "L", "I", "O", "#"] {
            s.add(AttendanceMark::parse(code).unwrap());
        }
        assert_eq!(s.present, 3);
        assert_eq!(s.authorised, 1);
        assert_eq!(s.unauthorised, 1);
        assert_eq!(s.possible(), 5);
        assert_eq!(s.rate(), Some(60.0));
        assert!(s.is_persistent_absence());
        assert_eq!(AttendanceSummary::default().rate(), None);
    }

    #[test]
    fn unknown_codes_are_refused() {
        assert!(AttendanceMark::parse("Q").is_none());
        assert!(AttendanceMark::parse("//").is_none());
        assert!(AttendanceMark::parse("").is_none());
    }
}
