//! People and the roles they hold.

use crate::ParseError;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A role a person holds in an organisation for a period. One person may hold several at
/// once (a parent who is also a teaching assistant; a pupil who is also a peer tutor).
///
/// Relationships to a particular learner (guardian of, tutor of…) are not roles: they are
/// [`crate::relationship::RelationshipKind`] records, because access follows them one child
/// at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Learner,
    Teacher,
    TeachingAssistant,
    CommunityTeacher,
    KeyWorker,
    /// An adult cleared to mentor.
    Mentor,
    /// Head, deputy or director of learning: sees and steers a whole school.
    Leader,
    /// Designated safeguarding lead: the only role that sees safeguarding records.
    Dsl,
    /// Leads a collaborative: sees aggregates across its schools.
    CollaborativeLeader,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Learner,
        Role::Teacher,
        Role::TeachingAssistant,
        Role::CommunityTeacher,
        Role::KeyWorker,
        Role::Mentor,
        Role::Leader,
        Role::Dsl,
        Role::CollaborativeLeader,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Teacher => "teacher",
            Role::TeachingAssistant => "teaching_assistant",
            Role::CommunityTeacher => "community_teacher",
            Role::KeyWorker => "key_worker",
            Role::Mentor => "mentor",
            Role::Leader => "leader",
            Role::Dsl => "dsl",
            Role::CollaborativeLeader => "collaborative_leader",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Staff roles can be required to use two-factor authentication.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Learner)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Learner => "Pupil",
            Role::Teacher => "Teacher",
            Role::TeachingAssistant => "Teaching assistant",
            Role::CommunityTeacher => "Community teacher",
            Role::KeyWorker => "Key worker",
            Role::Mentor => "Mentor",
            Role::Leader => "School leader",
            Role::Dsl => "Designated safeguarding lead",
            Role::CollaborativeLeader => "Collaborative leader",
        }
    }
}

/// Year group: Reception is 0, then Year 1 to Year 13.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct YearGroup(u8);

impl YearGroup {
    pub const RECEPTION: YearGroup = YearGroup(0);

    pub fn new(n: u8) -> Result<Self, ParseError> {
        if n <= 13 {
            Ok(YearGroup(n))
        } else {
            Err(ParseError::new(
                "year_group",
                "Year group must be Reception (0) or Year 1 to Year 13.",
            ))
        }
    }

    pub fn number(self) -> u8 {
        self.0
    }

    /// The year group of a child born on `dob` in the academic year starting in September of
    /// `academic_year_start`. In England a child's cohort is set by their age on 31 August.
    pub fn for_birth_date(dob: Date, academic_year_start: i16) -> Option<YearGroup> {
        // Age on 31 August at the start of the year; Reception children are 4 then.
        let cutoff = Date::new(academic_year_start, 8, 31).ok()?;
        let mut age = cutoff.year() - dob.year();
        if (dob.month(), dob.day()) > (cutoff.month(), cutoff.day()) {
            age -= 1;
        }
        let year = age - 4;
        u8::try_from(year).ok().and_then(|y| YearGroup::new(y).ok())
    }

    pub fn label(self) -> String {
        match self.0 {
            0 => "Reception".to_string(),
            n => format!("Year {n}"),
        }
    }

    pub fn key_stage(self) -> &'static str {
        match self.0 {
            0 => "EYFS",
            1..=2 => "KS1",
            3..=6 => "KS2",
            7..=9 => "KS3",
            10..=11 => "KS4",
            _ => "KS5",
        }
    }
}

/// Special educational needs status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenStatus {
    None,
    SenSupport,
    EhcPlan,
}

impl SenStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SenStatus::None => "none",
            SenStatus::SenSupport => "sen_support",
            SenStatus::EhcPlan => "ehc_plan",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "none" => SenStatus::None,
            "sen_support" => SenStatus::SenSupport,
            "ehc_plan" => SenStatus::EhcPlan,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            SenStatus::None => "No special educational needs recorded",
            SenStatus::SenSupport => "SEN support",
            SenStatus::EhcPlan => "EHC plan",
        }
    }
}

/// A sign-in name: what a person types, so it is checked kindly and kept simple.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(ParseError::new("username", "Please enter your username."));
        }
        if s.chars().count() > 64 {
            return Err(ParseError::new(
                "username",
                "That username is too long: it has at most 64 characters.",
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
        {
            return Err(ParseError::new(
                "username",
                "A username has only letters, numbers, dots, dashes and underscores.",
            ));
        }
        Ok(Username(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn cohort_by_age_on_31_august() {
        // Born 1 Sept 2014: youngest is born 31 Aug; 1 Sept 2014 is the oldest of Year 7 in 2026.
        assert_eq!(
            YearGroup::for_birth_date(date(2014, 9, 1), 2026),
            Some(YearGroup(7))
        );
        assert_eq!(
            YearGroup::for_birth_date(date(2015, 8, 31), 2026),
            Some(YearGroup(7))
        );
        assert_eq!(
            YearGroup::for_birth_date(date(2015, 9, 1), 2026),
            Some(YearGroup(6))
        );
        assert_eq!(
            YearGroup::for_birth_date(date(2021, 9, 1), 2026),
            Some(YearGroup::RECEPTION)
        );
        assert_eq!(YearGroup::for_birth_date(date(2023, 1, 1), 2026), None);
    }

    #[test]
    fn usernames() {
        assert_eq!(
            Username::parse("  Amelia.Hughes ").unwrap().as_str(),
            "amelia.hughes"
        );
        assert!(Username::parse("").is_err());
        assert!(Username::parse("a b").is_err());
        assert!(Username::parse("<script>").is_err());
        assert!(Username::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
