//! The school calendar: academic years, terms, half terms, INSET days and sessions.

use crate::ParseError;
use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

/// Part of a school day that is registered. Finer periods (lessons) belong to timetables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionPart {
    Am,
    Pm,
}

impl SessionPart {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionPart::Am => "am",
            SessionPart::Pm => "pm",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "am" => Some(SessionPart::Am),
            "pm" => Some(SessionPart::Pm),
            _ => None,
        }
    }
}

/// A named span of school days, such as "Autumn 1".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub name: String,
    pub first_day: Date,
    pub last_day: Date,
}

impl Term {
    pub fn new(name: &str, first_day: Date, last_day: Date) -> Result<Self, ParseError> {
        if last_day < first_day {
            return Err(ParseError::new(
                "term",
                format!("{name} ends before it starts: check the dates."),
            ));
        }
        Ok(Term {
            name: name.to_string(),
            first_day,
            last_day,
        })
    }

    pub fn contains(&self, d: Date) -> bool {
        self.first_day <= d && d <= self.last_day
    }
}

/// One academic year of a school: terms (each a half term or one of five terms) and INSET
/// days. Terms are stored in the finest unit the school uses; six half terms in the usual
/// English pattern, five terms where a school runs five eight-week terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcademicYear {
    /// The calendar year in which the academic year starts (2026 for 2026–27).
    pub start_year: i16,
    pub terms: Vec<Term>,
    pub inset_days: Vec<Date>,
}

impl AcademicYear {
    /// Builds a year and checks it: terms in order, not overlapping, INSET days inside terms.
    pub fn new(
        start_year: i16,
        terms: Vec<Term>,
        inset_days: Vec<Date>,
    ) -> Result<Self, ParseError> {
        if terms.is_empty() {
            return Err(ParseError::new(
                "terms",
                "An academic year needs at least one term.",
            ));
        }
        for pair in terms.windows(2) {
            if let [a, b] = pair {
                if b.first_day <= a.last_day {
                    return Err(ParseError::new(
                        "terms",
                        format!("{} starts before {} has ended.", b.name, a.name),
                    ));
                }
            }
        }
        for d in &inset_days {
            if !terms.iter().any(|t| t.contains(*d)) {
                return Err(ParseError::new(
                    "inset_days",
                    format!("The INSET day {d} is not inside any term."),
                ));
            }
        }
        Ok(AcademicYear {
            start_year,
            terms,
            inset_days,
        })
    }

    /// The usual English pattern: six half terms, five INSET days.
    pub fn english_six_half_terms(start_year: i16) -> Result<Self, ParseError> {
        let y = start_year;
        let d = |year: i16, m: i8, day: i8| {
            Date::new(year, m, day).map_err(|_| ParseError::new("terms", "invalid date"))
        };
        let terms = vec![
            Term::new(
                "Autumn 1",
                first_weekday_on_or_after(d(y, 9, 1)?),
                d(y, 10, 23)?,
            )?,
            Term::new("Autumn 2", d(y, 11, 2)?, d(y, 12, 18)?)?,
            Term::new("Spring 1", d(y + 1, 1, 5)?, d(y + 1, 2, 12)?)?,
            Term::new("Spring 2", d(y + 1, 2, 22)?, d(y + 1, 3, 26)?)?,
            Term::new("Summer 1", d(y + 1, 4, 12)?, d(y + 1, 5, 28)?)?,
            Term::new("Summer 2", d(y + 1, 6, 7)?, d(y + 1, 7, 21)?)?,
        ];
        let first = terms.first().map(|t| t.first_day).unwrap_or(d(y, 9, 1)?);
        let insets = vec![
            first,
            first_weekday_on_or_after(d(y, 11, 2)?),
            first_weekday_on_or_after(d(y + 1, 1, 5)?),
            first_weekday_on_or_after(d(y + 1, 4, 12)?),
            d(y + 1, 7, 21)?,
        ];
        AcademicYear::new(start_year, terms, insets)
    }

    /// Five eight-week terms, as some schools in the source documents run.
    pub fn five_terms(start_year: i16) -> Result<Self, ParseError> {
        // Terms run Monday to Friday, starting the first Monday of September.
        let mut start =
            Date::new(start_year, 9, 1).map_err(|_| ParseError::new("terms", "invalid date"))?;
        while start.weekday() != Weekday::Monday {
            start = start
                .tomorrow()
                .map_err(|_| ParseError::new("terms", "date out of range"))?;
        }
        let mut terms = Vec::new();
        let mut first = start;
        for n in 1..=5 {
            // Eight weeks of school, ending on a Friday, then a two-week break.
            let last = first
                .checked_add(jiff::Span::new().days(7 * 8 - 3))
                .map_err(|_| ParseError::new("terms", "date out of range"))?;
            terms.push(Term::new(&format!("Term {n}"), first, last)?);
            first = last
                .checked_add(jiff::Span::new().days(17))
                .map_err(|_| ParseError::new("terms", "date out of range"))?;
        }
        AcademicYear::new(start_year, terms, vec![start])
    }

    pub fn term_on(&self, d: Date) -> Option<&Term> {
        self.terms.iter().find(|t| t.contains(d))
    }

    /// A day on which registers are taken: a weekday in a term that is not an INSET day.
    pub fn is_school_day(&self, d: Date) -> bool {
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
            && self.term_on(d).is_some()
            && !self.inset_days.contains(&d)
    }

    /// School days from `from` to `to` inclusive.
    pub fn school_days(&self, from: Date, to: Date) -> Vec<Date> {
        let mut out = Vec::new();
        let mut d = from;
        while d <= to {
            if self.is_school_day(d) {
                out.push(d);
            }
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
        out
    }

    /// The next school day on or after `d`, if the year has one.
    pub fn next_school_day(&self, d: Date) -> Option<Date> {
        let last = self.terms.last()?.last_day;
        self.school_days(d, last).into_iter().next()
    }
}

fn first_weekday_on_or_after(d: Date) -> Date {
    let mut d = d;
    while matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
        match d.tomorrow() {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn english_year_has_about_190_school_days() {
        let y = AcademicYear::english_six_half_terms(2026).unwrap();
        let days = y.school_days(date(2026, 9, 1), date(2027, 7, 31));
        assert!((185..=195).contains(&days.len()), "{} days", days.len());
        assert!(!y.is_school_day(date(2026, 10, 28)), "half term");
        assert!(!y.is_school_day(date(2026, 9, 1)), "first day is INSET");
        assert!(y.is_school_day(date(2026, 9, 2)));
        assert!(!y.is_school_day(date(2026, 9, 5)), "Saturday");
    }

    #[test]
    fn five_term_year() {
        let y = AcademicYear::five_terms(2026).unwrap();
        assert_eq!(y.terms.len(), 5);
        let days = y.school_days(date(2026, 9, 1), date(2027, 8, 31));
        assert_eq!(days.len(), 5 * 40 - 1);
    }

    #[test]
    fn overlapping_terms_are_refused() {
        let a = Term::new("A", date(2026, 9, 1), date(2026, 10, 1)).unwrap();
        let b = Term::new("B", date(2026, 9, 20), date(2026, 11, 1)).unwrap();
        let err = AcademicYear::new(2026, vec![a, b], vec![]).unwrap_err();
        assert!(err.message.contains("B starts before A has ended"));
        assert!(Term::new("C", date(2026, 9, 2), date(2026, 9, 1)).is_err());
    }
}
