//! The crate's one error type. Messages are read by school leaders, pupils and parents, so
//! they say in plain words what is wrong and, for a package, where in it.

use village_files::FileError;
use village_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PassportError {
    /// The policy refused, or there is no such learner. Callers answer it exactly as "not
    /// found", so nobody learns whether a learner they may not see exists.
    #[error("There is no such learner.")]
    NotAllowed,

    /// The person may export the passport but not read all of what goes in it. Exporting
    /// less without saying so would hand over a passport that looks complete and is not.
    #[error(
        "The passport was not made: this account may export it, but may not see the \
         learner's {what}, so the passport would be incomplete."
    )]
    Incomplete { what: &'static str },

    /// Something in a package is wrong. `place` names the file and, for passport.json,
    /// the field: `passport.json, evidence[3].file`.
    #[error("{place}: {message}")]
    Refused { place: String, message: String },

    #[error("The package file could not be read or written: {0}")]
    Io(#[from] std::io::Error),

    #[error("Village could not read or save the learner's record. Please try again later.")]
    Store(#[from] StoreError),

    /// A file could not be stored or read; `place` says which. File store messages are
    /// already written for the people who see them.
    #[error("{place}: {source}")]
    File {
        place: String,
        #[source]
        source: FileError,
    },

    #[error("The credential for the achievement \"{title}\" could not be signed: {source}")]
    Signing {
        title: String,
        #[source]
        source: village_credentials::Error,
    },
}

impl PassportError {
    pub(crate) fn refused(place: impl Into<String>, message: impl Into<String>) -> Self {
        PassportError::Refused {
            place: place.into(),
            message: message.into(),
        }
    }

    /// True when the package (or the person's request) is at fault and the message says
    /// what to fix; false when Village's own storage failed.
    pub fn is_refusal(&self) -> bool {
        match self {
            PassportError::NotAllowed
            | PassportError::Incomplete { .. }
            | PassportError::Refused { .. } => true,
            PassportError::File { source, .. } => source.is_refusal(),
            PassportError::Io(_) | PassportError::Store(_) | PassportError::Signing { .. } => false,
        }
    }
}
