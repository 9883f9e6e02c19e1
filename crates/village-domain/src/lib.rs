//! Village's domain: the words of the glossary as types, and the rules that need no I/O.
//!
//! Architecture invariant: this crate knows nothing of HTTP, SQL or the clock. Time is
//! always a parameter (`now: Timestamp`), so every rule here can be tested with any date.

pub mod attendance;
pub mod calendar;
pub mod ids;
pub mod ladder;
pub mod org;
pub mod period;
pub mod person;
pub mod plan;
pub mod relationship;

pub use ids::{GroupId, OrgId, PersonId, RelationshipId};
pub use period::Period;

/// A value from outside (a form, a file, an API call) that could not be understood.
/// The message is written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub field: &'static str,
    pub message: String,
}

impl ParseError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}
