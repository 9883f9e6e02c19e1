//! `passport.json`: Village's passport format, version 1. The same types are written on
//! export and read on import, so the two cannot drift apart; `docs/passport-format.md`
//! describes them for other software.
//!
//! Unknown fields are refused on reading: a misspelt field would otherwise be lost
//! without a word, and a later format that adds fields says so with a new version.

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use village_domain::ladder::{JudgementSource, Ladder};
use village_domain::plan::PlanContent;

/// The `format` value of a passport.
pub const FORMAT: &str = "village-passport";
/// The version of the format this code writes and reads.
pub const VERSION: u64 = 1;

/// The whole of `passport.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Passport {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for what this code writes.
    pub version: u64,
    /// A random UUID (version 4) naming this package. Imports remember it, so importing
    /// the same package twice adds nothing the second time.
    pub package_id: String,
    pub exported_at: Timestamp,
    pub from_school: FromSchool,
    pub learner: LearnerEntry,
    pub plan: PlanEntry,
    pub ladders: Vec<LadderEntry>,
    pub evidence: Vec<EvidenceEntry>,
    pub achievements: Vec<AchievementEntry>,
    pub reviews: Vec<ReviewEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FromSchool {
    pub name: String,
    /// The school's `did:key`: the key that signed the credentials.
    pub did: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearnerEntry {
    pub name: String,
    pub date_of_birth: Date,
    pub year_group: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanEntry {
    /// The plan as it is now (the open version).
    pub content: PlanContent,
    /// The open version's number; 0 when no plan was written.
    pub version: i64,
    /// Every version the learner, tutor and a parent agreed, oldest first.
    pub agreed_versions: Vec<AgreedVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreedVersion {
    pub version: i64,
    pub agreed_at: Timestamp,
    pub content: PlanContent,
}

/// A ladder of progress the learner was placed on, with every judgement of where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LadderEntry {
    pub ladder: Ladder,
    /// Newest first.
    pub judgements: Vec<JudgementEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgementEntry {
    /// Unique among the package's judgements.
    #[serde(rename = "ref")]
    pub reference: String,
    pub rung_code: String,
    pub source: JudgementSource,
    pub judged_on: Date,
    /// The name of the person who judged.
    pub judged_by: String,
    pub note: String,
}

/// One kept portfolio item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceEntry {
    /// Unique among the package's evidence.
    #[serde(rename = "ref")]
    pub reference: String,
    pub title: String,
    /// `photo`, `audio`, `video`, `document`, `link` or `text`.
    pub kind: String,
    pub body: String,
    pub url: Option<String>,
    pub reflection: String,
    /// One of the reflection prompts: `practice`, `peer`, `computer`, `drawing_writing`,
    /// `listening`, `other` (or empty).
    pub learned_how: String,
    /// `school` or `outside`.
    pub made_where: String,
    pub occurred_on: Date,
    pub subject: Option<String>,
    /// `evidence/<ref>-<name>` inside the package, or `null` for links and text.
    pub file: Option<String>,
    pub mime: Option<String>,
    pub size: Option<u64>,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: Option<String>,
    /// Ids of targets in `plan.content.targets` this item is evidence for.
    pub targets: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AchievementEntry {
    /// Unique among the package's achievements.
    #[serde(rename = "ref")]
    pub reference: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub awarded_on: Date,
    /// `credentials/<ref>.json` inside the package.
    pub credential: String,
    /// The `ref` of the evidence item the achievement links to, if any.
    #[serde(default)]
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewEntry {
    pub held_on: Date,
    pub summary: String,
    /// The plan version the review looked at.
    pub plan_version: i64,
    pub next_review_on: Date,
    pub recorded_by: String,
}

/// The kinds an evidence item can be.
pub(crate) const EVIDENCE_KINDS: [&str; 6] =
    ["photo", "audio", "video", "document", "link", "text"];

/// Where an evidence item was made.
pub(crate) const MADE_WHERE: [&str; 2] = ["school", "outside"];
