//! Village's storage: one SQL source for SQLite and PostgreSQL.
//!
//! Queries are written once in the SQL both engines speak (`$1` parameters, `RETURNING`,
//! `ON CONFLICT`), and run through sqlx's `Any` driver, so each query has one text. Where
//! the engines truly differ (triggers, pragmas) the difference sits in one greppable place:
//! [`Backend`] matches in `db.rs` and the `*.sqlite.sql` / `*.postgres.sql` migration parts.
//!
//! Architecture invariants:
//! * Functions that read or change a learner's information take a [`village_access::Grant`]
//!   (one learner) or a [`village_access::Scope`] (lists). There is no other way in.
//! * Every such access appends to the hash-chained audit log before data is returned.
//! * Domain types in, domain types out: callers never see a connection or a row.

mod accounts;
pub mod audit;
mod bulk;
mod challenges;
mod day_cover;
mod db;
mod ladders;
mod learners;
mod mentoring;
mod migrate;
mod orgs;
mod passport;
mod peer;
mod plans;
mod portfolio;
mod reviews;
mod subject;
mod timetables;

pub use accounts::{AccountRow, NewSession, SessionRow};
pub use audit::{AuditEntry, AuditEvent, ChainReport};
pub use bulk::{BulkValue, BulkWriter};
pub use challenges::{ChallengeInputs, ChallengeRow, ShowcaseTeam, TeamView};
pub use day_cover::{CoverWrite, DayAbsence, DayCover, DayState, NewDayCover};
pub use db::{Backend, Store};
pub use ladders::{GroupLadderRow, Judgement, LadderPosition, LadderRow};
pub use learners::{
    AttendanceView, LearnerFilter, LearnerProfile, LearnerSummary, MarkRow, PersonLink,
    ProgressView, SupportNote,
};
pub use mentoring::{
    Cadence, GapFilter, GapRow, GapRules, MentorAssignment, MentorMeeting, MentorOutcome,
    MentorProfile, MentorSession, MentoringInputs, MentoringView,
};
pub use orgs::{GroupSummary, OrgRow, RelationshipRow, SchoolOverview};
pub use passport::{ImportBatch, ImportCounts, ImportedAchievement, ImportedJudgement};
pub use peer::{Achievement, PeerCandidate, PeerPair, PeerProgramme, PEER_SLOTS};
pub use plans::{Agreed, PlanComment, PlanView, CHANGED_MESSAGE};
pub use portfolio::{
    learned_how_label, AchievementRow, Evidence, NewEvidence, Sharing, Showcase, LEARNED_HOW,
};
pub use reviews::{BookingOptions, ReviewRecord, ReviewRound, ReviewSlot, SLOT_MINUTES};
pub use timetables::{
    CalendarLink, LessonRow, PublishedTimetable, RunRow, TimetableChoice, TimetableSetup,
};

/// What can go wrong in storage. Callers see a storage failure as "try again later"; the
/// detail goes to the log, never to the page.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration {version} ({name}) has changed since it was applied; migrations must never be edited")]
    MigrationChanged { version: i64, name: String },
    #[error("the database was written by a newer version of Village (schema {found}, this build knows {known})")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("the stored value {value:?} in {column} is not valid")]
    Corrupt { column: &'static str, value: String },
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("the audit log writer has stopped")]
    AuditUnavailable,
    #[error("could not prepare the data folder: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// UTC seconds, the form times take in the database.
pub(crate) fn secs(t: jiff::Timestamp) -> i64 {
    t.as_second()
}

pub(crate) fn ts(column: &'static str, s: i64) -> Result<jiff::Timestamp> {
    jiff::Timestamp::from_second(s).map_err(|_| StoreError::Corrupt {
        column,
        value: s.to_string(),
    })
}

pub(crate) fn date(column: &'static str, s: &str) -> Result<jiff::civil::Date> {
    s.parse().map_err(|_| StoreError::Corrupt {
        column,
        value: s.to_string(),
    })
}

/// Checks a ranked list of choices: at most `max`, none repeated. The messages are the
/// learner's words for each problem.
pub(crate) fn check_ranking<T: PartialEq>(
    choices: &[T],
    max: usize,
    too_many: &str,
    repeated: &str,
) -> Result<()> {
    if choices.len() > max {
        return Err(StoreError::Conflict(too_many.into()));
    }
    if choices
        .iter()
        .enumerate()
        .any(|(i, c)| choices.iter().skip(i + 1).any(|d| d == c))
    {
        return Err(StoreError::Conflict(repeated.into()));
    }
    Ok(())
}

pub(crate) fn period(
    column: &'static str,
    start: i64,
    end: Option<i64>,
) -> Result<village_domain::Period> {
    Ok(village_domain::Period {
        start: ts(column, start)?,
        end: end.map(|e| ts(column, e)).transpose()?,
    })
}

#[cfg(feature = "testing")]
pub mod testing;
