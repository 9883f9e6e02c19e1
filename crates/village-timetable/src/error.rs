//! Errors: every one names the place in the input that caused it.

use std::fmt;

/// A place in an XML or JSON input: line and column (1-based) and the element there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    pub element: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}, <{}>",
            self.line, self.column, self.element
        )
    }
}

/// Everything that can go wrong reading, checking or solving a timetabling instance.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The text is not well-formed XML.
    #[error("XML error at line {line}, column {column}: {message}")]
    Xml {
        line: usize,
        column: usize,
        message: String,
    },
    /// Well-formed XML, but not what the format expects at that place.
    #[error("{at}: {message}")]
    Format { at: Location, message: String },
    /// The root element or version is not one this crate reads.
    #[error("unsupported input: {0}")]
    Unsupported(String),
    /// The instance has nothing to timetable.
    #[error("empty instance: {0}")]
    Empty(String),
    /// The instance contradicts itself (detected before solving).
    #[error("contradictory input: {0}")]
    Contradiction(String),
    /// A Village (JSON) school description is invalid; `path` names the field.
    #[error("{path}: {message}")]
    School { path: String, message: String },
    /// A solution refers to things the problem does not have.
    #[error("solution does not match the problem: {0}")]
    Solution(String),
    /// Reading or writing a file failed.
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

impl Error {
    pub(crate) fn school(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::School {
            path: path.into(),
            message: message.into(),
        }
    }
}
