//! The personal learning plan: the learner's aspirations in their own words and targets in
//! every domain the school watches, agreed by the learner, their tutor and a parent.
//!
//! A plan has numbered versions. The open version is edited freely; each edit moves the
//! plan's `revision` on, and an agreement is to one revision, so nobody can agree to words
//! they have not seen. When learner, tutor and a parent have agreed the same revision the
//! version is *agreed* and frozen; the next change opens a new version. Versions are kept
//! as snapshots ([`PlanContent`]) so any two can be compared.

use crate::ParseError;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The domains a target can be in: the wider measures the source documents name, not only
/// grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetDomain {
    Attainment,
    Attendance,
    Behaviour,
    Homework,
    Wellbeing,
    ExtraCurricular,
    PersonalChallenge,
    LearningToLearn,
}

impl TargetDomain {
    pub const ALL: [TargetDomain; 8] = [
        TargetDomain::Attainment,
        TargetDomain::Attendance,
        TargetDomain::Behaviour,
        TargetDomain::Homework,
        TargetDomain::Wellbeing,
        TargetDomain::ExtraCurricular,
        TargetDomain::PersonalChallenge,
        TargetDomain::LearningToLearn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetDomain::Attainment => "attainment",
            TargetDomain::Attendance => "attendance",
            TargetDomain::Behaviour => "behaviour",
            TargetDomain::Homework => "homework",
            TargetDomain::Wellbeing => "wellbeing",
            TargetDomain::ExtraCurricular => "extra_curricular",
            TargetDomain::PersonalChallenge => "personal_challenge",
            TargetDomain::LearningToLearn => "learning_to_learn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// Words a pupil reads on their plan.
    pub fn label(self) -> &'static str {
        match self {
            TargetDomain::Attainment => "Learning in a subject",
            TargetDomain::Attendance => "Coming to school",
            TargetDomain::Behaviour => "Behaviour",
            TargetDomain::Homework => "Homework",
            TargetDomain::Wellbeing => "Feeling well",
            TargetDomain::ExtraCurricular => "Clubs and activities",
            TargetDomain::PersonalChallenge => "Personal challenge",
            TargetDomain::LearningToLearn => "Learning to learn",
        }
    }
}

/// How progress towards a target is known: judged by people, or computed from data the
/// platform already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The learner, tutor or teacher says how it is going.
    Judged,
    /// From the registers: attendance this academic year, in per cent.
    Attendance,
    /// From the ladder: the latest judged rung against the goal rung.
    Ladder,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Judged => "judged",
            Measure::Attendance => "attendance",
            Measure::Ladder => "ladder",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Measure::Judged, Measure::Attendance, Measure::Ladder]
            .into_iter()
            .find(|m| m.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Measure::Judged => "People say how it is going",
            Measure::Attendance => "From the registers",
            Measure::Ladder => "From the ladder of progress",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    Active,
    Achieved,
    /// Dropped by agreement; kept so the history stays true.
    Stopped,
}

impl TargetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::Active => "active",
            TargetStatus::Achieved => "achieved",
            TargetStatus::Stopped => "stopped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            TargetStatus::Active,
            TargetStatus::Achieved,
            TargetStatus::Stopped,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TargetStatus::Active => "Working on it",
            TargetStatus::Achieved => "Achieved",
            TargetStatus::Stopped => "Stopped",
        }
    }
}

/// One target as agreed: what a version snapshot holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Stable across versions, so two versions can be lined up target by target.
    pub id: i64,
    pub domain: TargetDomain,
    pub title: String,
    pub subject: Option<String>,
    pub baseline: String,
    pub goal: String,
    pub due_on: Date,
    pub measure: Measure,
    /// For `Measure::Ladder`: the ladder and the rung code aimed for.
    pub ladder_id: Option<i64>,
    pub goal_rung: Option<String>,
    /// For `Measure::Attendance`: the percentage aimed for.
    pub goal_percent: Option<u8>,
    pub status: TargetStatus,
}

/// The words of a plan at one moment: what people agree to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanContent {
    pub who_i_want_to_be: String,
    pub what_i_enjoy: String,
    pub what_i_find_hard: String,
    pub targets: Vec<Target>,
}

/// Whose agreement makes a plan agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementRole {
    Learner,
    Tutor,
    Parent,
}

impl AgreementRole {
    pub const ALL: [AgreementRole; 3] = [
        AgreementRole::Learner,
        AgreementRole::Tutor,
        AgreementRole::Parent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgreementRole::Learner => "learner",
            AgreementRole::Tutor => "tutor",
            AgreementRole::Parent => "parent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AgreementRole::Learner => "the pupil",
            AgreementRole::Tutor => "the tutor",
            AgreementRole::Parent => "a parent or carer",
        }
    }
}

/// Which of the three agreements are still missing for the current revision. Empty means
/// the plan is agreed.
pub fn missing_agreements(agreed: &[AgreementRole]) -> Vec<AgreementRole> {
    AgreementRole::ALL
        .into_iter()
        .filter(|r| !agreed.contains(r))
        .collect()
}

/// A target as typed into the form, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct TargetDraft<'a> {
    pub domain: &'a str,
    pub title: &'a str,
    pub subject: &'a str,
    pub baseline: &'a str,
    pub goal: &'a str,
    pub due_on: &'a str,
    pub measure: &'a str,
    pub ladder_id: &'a str,
    pub goal_rung: &'a str,
    pub goal_percent: &'a str,
    pub status: &'a str,
}

pub const MAX_TEXT: usize = 2_000;
pub const MAX_TITLE: usize = 200;

/// Trims and checks one free-text field.
pub fn text(
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<String, ParseError> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(ParseError::new(
            field,
            format!("Please fill in {}.", field.replace('_', " ")),
        ));
    }
    if v.chars().count() > max {
        return Err(ParseError::new(
            field,
            format!(
                "{} is too long: please keep it under {max} characters.",
                capitalise(&field.replace('_', " "))
            ),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ParseError::new(
            field,
            "Please remove the unusual characters.",
        ));
    }
    Ok(v.replace("\r\n", "\n"))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl TargetDraft<'_> {
    /// Checks the draft; `id` is the target's stable id (0 for a new one, set by the store).
    pub fn parse(&self, id: i64) -> Result<Target, ParseError> {
        let domain = TargetDomain::parse(self.domain.trim())
            .ok_or_else(|| ParseError::new("domain", "Please choose what the target is about."))?;
        let title = text("title", self.title, MAX_TITLE, true)?;
        let subject = Some(text("subject", self.subject, 80, false)?).filter(|s| !s.is_empty());
        if domain == TargetDomain::Attainment && subject.is_none() {
            return Err(ParseError::new(
                "subject",
                "A target for learning in a subject needs the subject.",
            ));
        }
        let baseline = text("baseline", self.baseline, MAX_TEXT, false)?;
        let goal = text("goal", self.goal, MAX_TEXT, true)?;
        let due_on: Date = self.due_on.trim().parse().map_err(|_| {
            ParseError::new(
                "due_on",
                "Please give the date the target is due, like 2027-03-31.",
            )
        })?;
        let measure = match self.measure.trim() {
            "" => Measure::Judged,
            m => Measure::parse(m).ok_or_else(|| {
                ParseError::new("measure", "Please choose how progress is measured.")
            })?,
        };
        let status = match self.status.trim() {
            "" => TargetStatus::Active,
            s => TargetStatus::parse(s).ok_or_else(|| {
                ParseError::new("status", "Please choose a status from the list.")
            })?,
        };
        let (mut ladder_id, mut goal_rung, mut goal_percent) = (None, None, None);
        match measure {
            Measure::Judged => {}
            Measure::Attendance => {
                let p: u8 = self
                    .goal_percent
                    .trim()
                    .parse()
                    .ok()
                    .filter(|p| *p <= 100)
                    .ok_or_else(|| {
                        ParseError::new(
                            "goal_percent",
                            "An attendance target needs a percentage from 0 to 100.",
                        )
                    })?;
                goal_percent = Some(p);
            }
            Measure::Ladder => {
                let l: i64 = self.ladder_id.trim().parse().map_err(|_| {
                    ParseError::new(
                        "ladder_id",
                        "A target measured on a ladder needs the ladder.",
                    )
                })?;
                let rung = text("goal_rung", self.goal_rung, 12, true)?;
                ladder_id = Some(l);
                goal_rung = Some(rung);
            }
        }
        Ok(Target {
            id,
            domain,
            title,
            subject,
            baseline,
            goal,
            due_on,
            measure,
            ladder_id,
            goal_rung,
            goal_percent,
            status,
        })
    }
}

/// One line of a comparison between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What changed, in words: "What I enjoy", "Target: Read every night".
    pub what: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Target {
    /// The target as one line of text, for comparisons and the passport summary.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{}: {}. Goal: {}",
            self.domain.label(),
            self.title,
            self.goal
        );
        if let Some(subject) = &self.subject {
            s.push_str(&format!(" ({subject})"));
        }
        if !self.baseline.is_empty() {
            s.push_str(&format!(". Starting from: {}", self.baseline));
        }
        s.push_str(&format!(". Due {}. {}", self.due_on, self.status.label()));
        s
    }
}

/// What changed from `before` to `after`, aspirations first, then targets by id.
pub fn compare(before: &PlanContent, after: &PlanContent) -> Vec<Change> {
    let mut changes = Vec::new();
    for (what, a, b) in [
        (
            "Who I want to be",
            &before.who_i_want_to_be,
            &after.who_i_want_to_be,
        ),
        ("What I enjoy", &before.what_i_enjoy, &after.what_i_enjoy),
        (
            "What I find hard",
            &before.what_i_find_hard,
            &after.what_i_find_hard,
        ),
    ] {
        if a != b {
            changes.push(Change {
                what: what.into(),
                before: Some(a.clone()).filter(|s| !s.is_empty()),
                after: Some(b.clone()).filter(|s| !s.is_empty()),
            });
        }
    }
    for t in &before.targets {
        match after.targets.iter().find(|u| u.id == t.id) {
            Some(u) if u == t => {}
            Some(u) => changes.push(Change {
                what: format!("Target: {}", u.title),
                before: Some(t.summary()),
                after: Some(u.summary()),
            }),
            None => changes.push(Change {
                what: format!("Target: {}", t.title),
                before: Some(t.summary()),
                after: None,
            }),
        }
    }
    for u in &after.targets {
        if !before.targets.iter().any(|t| t.id == u.id) {
            changes.push(Change {
                what: format!("Target: {}", u.title),
                before: None,
                after: Some(u.summary()),
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft<'a>() -> TargetDraft<'a> {
        TargetDraft {
            domain: "attainment",
            title: "Read every night",
            subject: "English",
            baseline: "Twice a week",
            goal: "Five nights a week",
            due_on: "2027-03-31",
            ..Default::default()
        }
    }

    #[test]
    fn a_good_draft_parses() {
        let t = draft().parse(3).unwrap();
        assert_eq!(t.id, 3);
        assert_eq!(t.measure, Measure::Judged);
        assert_eq!(t.status, TargetStatus::Active);
        assert_eq!(t.subject.as_deref(), Some("English"));
    }

    #[test]
    fn bad_drafts_name_the_field() {
        let mut d = draft();
        d.due_on = "next week";
        assert_eq!(d.parse(0).unwrap_err().field, "due_on");
        let mut d = draft();
        d.subject = " ";
        assert_eq!(d.parse(0).unwrap_err().field, "subject");
        let mut d = draft();
        d.measure = "attendance";
        d.goal_percent = "120";
        assert_eq!(d.parse(0).unwrap_err().field, "goal_percent");
        let mut d = draft();
        d.measure = "ladder";
        assert_eq!(d.parse(0).unwrap_err().field, "ladder_id");
        let mut d = draft();
        d.goal = "";
        assert_eq!(d.parse(0).unwrap_err().field, "goal");
        let long = "x".repeat(MAX_TITLE + 1);
        let mut d = draft();
        d.title = &long;
        assert_eq!(d.parse(0).unwrap_err().field, "title");
    }

    #[test]
    fn comparing_lists_each_change_once() {
        let a = PlanContent {
            who_i_want_to_be: "A vet".into(),
            targets: vec![draft().parse(1).unwrap(), draft().parse(2).unwrap()],
            ..Default::default()
        };
        let mut b = a.clone();
        b.who_i_want_to_be = "A vet or a nurse".into();
        b.targets.remove(0);
        b.targets[0].goal = "Every night".into();
        let mut t = draft().parse(9).unwrap();
        t.title = "Join a club".into();
        b.targets.push(t);
        let changes = compare(&a, &b);
        assert_eq!(changes.len(), 4);
        assert_eq!(changes[0].what, "Who I want to be");
        assert!(changes[1].after.is_none(), "target 1 removed");
        assert!(changes[2].after.as_deref().unwrap().contains("Every night"));
        assert!(changes[3].before.is_none(), "target 9 added");
        assert!(compare(&a, &a).is_empty());
    }

    #[test]
    fn agreement_needs_all_three() {
        assert_eq!(missing_agreements(&[]).len(), 3);
        assert_eq!(
            missing_agreements(&[AgreementRole::Parent, AgreementRole::Learner]),
            vec![AgreementRole::Tutor]
        );
        assert!(missing_agreements(&AgreementRole::ALL).is_empty());
    }
}
