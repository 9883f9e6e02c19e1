//! The crate's one error type. Its messages are shown to pupils and parents as they are,
//! so they say what happened and what to do in plain words; the technical cause, where
//! there is one, is kept as the error's source for the logs.

use crate::kind::{human_size, MediaKind};

/// What the crate hands to the logs behind a plain message.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The accepted types, in words, appended to refusals so the person knows what would work.
const ACCEPTED: &str = "You can upload photos (JPEG, PNG, GIF, WebP), sound recordings \
(MP3, M4A, Ogg, WAV, WebM), videos (MP4, WebM, MOV) and documents (PDF, Word, Excel, \
PowerPoint, OpenDocument or plain text).";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    #[error("This file is empty.")]
    Empty,

    #[error(
        "This {} is larger than {}, the most Village accepts for {}.",
        .kind.noun(),
        human_size(*.limit),
        .kind.plural()
    )]
    TooLarge { kind: MediaKind, limit: u64 },

    /// `advice` is "" or a sentence ending in a space.
    #[error("This file is {what}, which Village does not accept. {advice}{ACCEPTED}")]
    NotAllowed { what: String, advice: &'static str },

    #[error(
        "This file is labelled as {declared}, but it is really {actual}. \
         Check that you chose the right file."
    )]
    Mislabelled { declared: String, actual: String },

    #[error("Village could not tell what kind of file this is. {ACCEPTED}")]
    Unrecognised,

    #[error(
        "This text file is not saved as UTF-8 text. Save it again as UTF-8 (or as a PDF) \
         and try once more."
    )]
    NotUtf8,

    #[error("The upload stopped before the whole file arrived. Please try again.")]
    Interrupted(#[source] Cause),

    #[error("This file could not be found. It may have been deleted.")]
    NotFound,

    #[error("That part of the file does not exist.")]
    BadRange,

    #[error("This photo is too large to make a preview from. Please upload a smaller photo.")]
    PhotoTooLarge,

    #[error("This photo could not be opened; the file may be damaged.")]
    PhotoUnreadable(#[source] Cause),

    #[error(
        "Files cannot be saved or opened right now because of a problem with the file \
         storage. Please try again later."
    )]
    Storage(#[source] Cause),

    #[error("The file storage setting \"{url}\" is not understood: {reason}")]
    BadStorageUrl { url: String, reason: &'static str },
}

impl FileError {
    /// True when the file itself was refused or the upload failed on the sender's side
    /// (the person can fix it), false when Village's storage is at fault.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            FileError::Empty
                | FileError::TooLarge { .. }
                | FileError::NotAllowed { .. }
                | FileError::Mislabelled { .. }
                | FileError::Unrecognised
                | FileError::NotUtf8
                | FileError::Interrupted(_)
                | FileError::PhotoTooLarge
                | FileError::PhotoUnreadable(_)
        )
    }

    pub(crate) fn storage(e: object_store::Error) -> FileError {
        match e {
            object_store::Error::NotFound { .. } => FileError::NotFound,
            other => FileError::Storage(Box::new(other)),
        }
    }
}
