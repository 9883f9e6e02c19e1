//! The learning passport: everything a learner has built up in Village, in one zip they
//! can keep, show, or take to their next school.
//!
//! A package holds a summary to read in any browser (`index.html`), the record in
//! Village's documented format (`passport.json`, see `docs/passport-format.md`), the
//! evidence files exactly as they were uploaded (`evidence/`), and one Open Badges 3.0
//! credential per achievement, signed with the school's key (`credentials/`).
//!
//! - [`export_learner`] writes one learner's package, after the access policy allows
//!   the person asking to export it; [`export_school`] writes one per learner.
//! - [`read_package`] opens a package from disk and checks all of it: its shape, every
//!   file's size and SHA-256, every credential's signature. A package that fails any check
//!   is refused whole, with the place of the problem named.
//! - [`batch_for_preview`] says what an import would add without storing anything;
//!   [`prepare_import`] stores the evidence files and builds the batch that
//!   `Store::import_passport` records in one transaction.
//!
//! Memory stays bounded whatever the package holds: files are copied in chunks, and
//! reading refuses packages whose entries, sizes or central directory exceed the caps
//! below (zip bombs included).

mod error;
mod export;
mod format;
mod import;
mod names;
mod read;

pub use error::PassportError;
pub use export::{export_learner, export_school, BulkSummary, ExportSummary};
pub use format::{
    AchievementEntry, AgreedVersion, EvidenceEntry, FromSchool, JudgementEntry, LadderEntry,
    LearnerEntry, Passport, PlanEntry, ReviewEntry, FORMAT, VERSION,
};
pub use import::{batch_for_preview, prepare_import};
pub use read::{read_package, CheckedCredential, Package};

/// The most a package may hold once unpacked, all entries together (2 GB).
pub const MAX_TOTAL_BYTES: u64 = 2_000_000_000;
/// The most one entry may hold once unpacked (500 MB): well above the largest video
/// Village accepts.
pub const MAX_ENTRY_BYTES: u64 = 500_000_000;
/// The most entries a package may have.
pub const MAX_ENTRIES: usize = 20_000;
/// The largest `passport.json` read (it is parsed in memory).
pub const MAX_JSON_BYTES: u64 = 64_000_000;
/// The largest credential file read.
pub const MAX_CREDENTIAL_BYTES: u64 = 1_000_000;
/// Photos imported from a package get a preview this many pixels on the longer side, as
/// uploads do.
pub const PREVIEW_SIDE: u32 = 1280;
