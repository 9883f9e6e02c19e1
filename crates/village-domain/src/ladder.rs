//! Ladders of progress: ordered rungs with descriptors and "what the next step looks like".
//!
//! A ladder makes progression visible to the learner: where they are now, what that means,
//! and what the next step is. A *subject* ladder belongs to a subject (a ladder with no
//! subject is a template a school can use for any subject, such as GCSE grades); a
//! *capability* ladder is for a quality that crosses subjects, such as being resilient.
//! Rungs run from the first (lowest) to the last.
//!
//! Ladders come into Village from three kinds of file, and leave in two. Every import
//! checks every ladder with [`Ladder::validate`] and refuses the whole file on the first
//! problem, naming the place in the file in plain words, so a teacher can fix it and try
//! again. Text is tidied on the way in: Windows line endings become `\n`, and spaces and
//! blank lines at either end of a field are dropped.
//!
//! # Village's JSON format (`village-ladders`, version 1)
//!
//! ```json
//! {
//!   "format": "village-ladders",
//!   "version": 1,
//!   "ladders": [
//!     {
//!       "title": "Fractions",
//!       "subject": "Maths",
//!       "kind": "subject",
//!       "description": "From halves to adding any two fractions.",
//!       "rungs": [
//!         { "code": "1", "title": "Halves and quarters",
//!           "descriptor": "I can find a half and a quarter of a shape.",
//!           "next_step": "Find a third of a shape." },
//!         { "code": "2", "title": "Any unit fraction",
//!           "descriptor": "I can find a third, a fifth or a tenth of a shape.",
//!           "next_step": "" }
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! `kind` is `"subject"` or `"capability"`. `subject` may be `null` or left out (a capability
//! ladder must have none); `description` and `next_step` may be left out (empty). Any other
//! field is refused, so a misspelt name is caught rather than lost. Ladder titles are unique
//! within one file.
//!
//! # CSV
//!
//! A header row, then one row per rung, in order from the first rung:
//!
//! ```text
//! ladder,subject,kind,rung_code,rung_title,descriptor,next_step,ladder_description
//! ```
//!
//! Consecutive rows with the same `ladder` form one ladder; its `subject`, `kind` and
//! `ladder_description` come from its first row, and later rows may leave them blank or
//! repeat them. The first seven columns are required; `ladder_description` is optional
//! (export writes it so that nothing is lost). Columns may come in any order, header names
//! ignore case and treat spaces and hyphens as `_`, and columns with other names are
//! ignored. A byte-order mark, blank lines and quoted fields spanning several lines are
//! fine.
//!
//! # 1EdTech CASE 1.0
//!
//! [`parse_case`] reads a CFPackage (`CFDocument`, `CFItems`, `CFAssociations`), either as
//! the whole file or wrapped as `{"CFPackage": {…}}`. The tree is built from `isChildOf`
//! associations only (origin = child, destination = parent: the CFDocument or a CFItem).
//! Items that are children of the same parent are ordered by the association's
//! `sequenceNumber`, then `listEnumeration`, then `humanCodingScheme` (numbers inside them
//! compared as numbers), then their order in `CFItems`.
//!
//! - Each CFItem whose children are all leaves (items with no children of their own)
//!   becomes one ladder, and those children become its rungs. Items whose children have
//!   children of their own (strands, domains) only group ladders: they add no ladder.
//!   Ladders come out in the order of the tree. An item that is the child of two ladder
//!   items is a rung of both.
//! - If no CFItem is the child of another CFItem (a flat package), all the items, in
//!   order, form one ladder named after the CFDocument.
//! - A title (of a ladder or a rung) is the item's `abbreviatedStatement`, or else its
//!   `fullStatement`; only its first line is kept, and a title over 120 characters is
//!   shortened at a word with "…". A rung's descriptor is the item's `fullStatement`; a
//!   ladder's description is its item's `fullStatement` when that differs from the title
//!   (for a flat package, the CFDocument's `description`).
//! - CASE has no field for a next step, so a rung's next step is the statement of the rung
//!   above it, and the top rung has none.
//! - Rung codes are the children's `humanCodingScheme` when every child has one, each at
//!   most 12 characters and all different; else their `listEnumeration` on the same terms;
//!   else the rung's number, from "1".
//! - Every ladder is a subject ladder whose subject is the CFDocument's first `subject`
//!   (none if it names none). If two ladders would have the same title, the later one gets
//!   its `humanCodingScheme` (or a number) in brackets.
//!
//! Refused: a package with no CFDocument or no CFItems; two items with the same
//! identifier; an `isChildOf` association whose child is not a CFItem of the package or
//! whose parent is neither the CFDocument nor one of its CFItems; `isChildOf` associations
//! that go round in a circle; and any ladder that fails [`Ladder::validate`].
//!
//! Ignored: items without children that sit under the CFDocument or a grouping item, when
//! the package has ladders (they belong to no ladder); every other association type
//! (`precedes`, `isPartOf`, `exactMatchOf`, `isRelatedTo`…), even when it points outside
//! the package; `CFDefinitions`, `CFRubrics` and association groupings; and the items'
//! other fields (`CFItemType`, `notes`, `educationLevel`, `conceptKeywords`, language,
//! licence, dates and status).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// The fewest rungs a ladder may have: one rung is not a ladder.
pub const MIN_RUNGS: usize = 2;
/// The most rungs a ladder may have, so that a learner can see all of it at once.
pub const MAX_RUNGS: usize = 30;
/// Codes are shown on badges, so they stay short.
pub const MAX_CODE_CHARS: usize = 12;
/// The longest title of a ladder or a rung, or name of a subject.
pub const MAX_TITLE_CHARS: usize = 120;
/// The longest descriptor, next step or ladder description.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// The `format` value of Village's JSON ladder files.
pub const JSON_FORMAT: &str = "village-ladders";
/// The version of the JSON format this code reads and writes.
pub const JSON_VERSION: u64 = 1;

/// The CSV columns, in the order export writes them. All but the last are required.
pub const CSV_COLUMNS: [&str; 8] = [
    "ladder",
    "subject",
    "kind",
    "rung_code",
    "rung_title",
    "descriptor",
    "next_step",
    "ladder_description",
];
const CSV_REQUIRED: usize = 7;

/// Whether a ladder measures a subject or a capability that crosses subjects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LadderKind {
    Subject,
    /// Learning to learn and other qualities that are not tied to one subject.
    Capability,
}

impl LadderKind {
    pub const ALL: [LadderKind; 2] = [LadderKind::Subject, LadderKind::Capability];

    pub fn as_str(self) -> &'static str {
        match self {
            LadderKind::Subject => "subject",
            LadderKind::Capability => "capability",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        LadderKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            LadderKind::Subject => "Subject",
            LadderKind::Capability => "Capability",
        }
    }
}

/// A ladder of progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ladder {
    pub title: String,
    /// The subject, such as "Maths". `None` for a capability ladder, or for a subject
    /// ladder that is a template for any subject.
    #[serde(default)]
    pub subject: Option<String>,
    pub kind: LadderKind,
    #[serde(default)]
    pub description: String,
    /// From the first (lowest) rung to the last.
    pub rungs: Vec<Rung>,
}

/// One step on a ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rung {
    /// A short label shown on badges, such as "5", "EXS" or "Secure".
    pub code: String,
    pub title: String,
    /// What a learner on this rung can do.
    pub descriptor: String,
    /// What the next step looks like, in words a learner understands.
    #[serde(default)]
    pub next_step: String,
}

/// Who placed a learner on a rung. Village keeps judgements from all three side by side,
/// because a learner's own view and a classmate's are evidence too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum JudgementSource {
    #[serde(rename = "teacher")]
    Teacher,
    #[serde(rename = "peer")]
    Peer,
    #[serde(rename = "self")]
    SelfAssessment,
}

impl JudgementSource {
    pub const ALL: [JudgementSource; 3] = [
        JudgementSource::Teacher,
        JudgementSource::Peer,
        JudgementSource::SelfAssessment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JudgementSource::Teacher => "teacher",
            JudgementSource::Peer => "peer",
            JudgementSource::SelfAssessment => "self",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        JudgementSource::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The words a learner sees beside a judgement of their own rung.
    pub fn label(self) -> &'static str {
        match self {
            JudgementSource::Teacher => "My teacher",
            JudgementSource::Peer => "A classmate",
            JudgementSource::SelfAssessment => "Me",
        }
    }
}

/// Where a learner stands on a ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position<'a> {
    /// From 0 for the first rung.
    pub index: usize,
    pub rung: &'a Rung,
    /// `None` on the top rung.
    pub next: Option<&'a Rung>,
}

impl Position<'_> {
    pub fn is_top(&self) -> bool {
        self.next.is_none()
    }
}

/// A ladder, or a file of ladders, that Village cannot accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct LadderError {
    /// Where the problem is, in the words of the file's own format: `line 7, column
    /// "next_step"`, `ladders[0].rungs[3].code`, `CFItem 3f2…`.
    pub place: String,
    /// What is wrong, written for the person who made the file.
    pub message: String,
}

impl LadderError {
    pub fn new(place: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            place: place.into(),
            message: message.into(),
        }
    }
}

impl Ladder {
    /// Checks the rules every ladder in Village keeps: 2–30 rungs; codes present, unique
    /// (ignoring capitals) and at most 12 characters; titles present and at most 120
    /// characters; descriptors, next steps and the description at most 1,000; a subject,
    /// when given, not empty; no subject on a capability ladder; no control characters
    /// except line breaks in descriptors, next steps and the description; and no spaces
    /// at either end of any text (imports trim them, so they would not survive a round
    /// trip).
    pub fn validate(&self) -> Result<(), LadderError> {
        match self.first_problem() {
            None => Ok(()),
            Some(p) => Err(LadderError::new(p.spot.path(), p.message)),
        }
    }

    /// The learner's place on this ladder, if `code` is one of its rungs.
    pub fn position(&self, code: &str) -> Option<Position<'_>> {
        let index = self.rungs.iter().position(|r| r.code == code)?;
        let rung = self.rungs.get(index)?;
        Some(Position {
            index,
            rung,
            next: self.rungs.get(index + 1),
        })
    }

    fn first_problem(&self) -> Option<Problem> {
        let fail = |spot: Spot, message: String| Some(Problem { spot, message });

        if self.title.is_empty() {
            return fail(Spot::Title, "is empty; every ladder needs a title".into());
        }
        if let Err(m) = check_text(&self.title, Lines::One, MAX_TITLE_CHARS) {
            return fail(Spot::Title, m);
        }
        if let Some(subject) = &self.subject {
            if self.kind == LadderKind::Capability {
                return fail(
                    Spot::Subject,
                    format!(
                        "is \"{subject}\", but a capability ladder is for every subject, \
                         so leave the subject empty"
                    ),
                );
            }
            if subject.is_empty() {
                return fail(
                    Spot::Subject,
                    "is empty; name the subject, or give none for a ladder that fits any subject"
                        .into(),
                );
            }
            if let Err(m) = check_text(subject, Lines::One, MAX_TITLE_CHARS) {
                return fail(Spot::Subject, m);
            }
        }
        if let Err(m) = check_text(&self.description, Lines::Many, MAX_TEXT_CHARS) {
            return fail(Spot::Description, m);
        }

        let n = self.rungs.len();
        if n < MIN_RUNGS {
            let has = match n {
                0 => "this one has none".to_string(),
                1 => "this one has 1".to_string(),
                _ => format!("this one has {n}"),
            };
            return fail(
                Spot::Rungs,
                format!("a ladder needs at least {MIN_RUNGS} rungs, and {has}"),
            );
        }
        if n > MAX_RUNGS {
            return fail(
                Spot::Rungs,
                format!("a ladder can have at most {MAX_RUNGS} rungs, and this one has {n}"),
            );
        }

        let mut seen: HashMap<String, &str> = HashMap::new();
        for (i, rung) in self.rungs.iter().enumerate() {
            let at = |field| Spot::Rung(i, field);
            if rung.code.is_empty() {
                return fail(
                    at(RungField::Code),
                    "is empty; every rung needs a code".into(),
                );
            }
            if let Err(m) = check_text(&rung.code, Lines::One, MAX_CODE_CHARS) {
                return fail(at(RungField::Code), m);
            }
            if let Some(earlier) = seen.insert(rung.code.to_lowercase(), &rung.code) {
                let message = if earlier == rung.code {
                    format!("two rungs are both called \"{}\"", rung.code)
                } else {
                    format!(
                        "two rungs are called \"{earlier}\" and \"{}\"; codes must differ by \
                         more than capital letters",
                        rung.code
                    )
                };
                return fail(at(RungField::Code), message);
            }
            if rung.title.is_empty() {
                return fail(
                    at(RungField::Title),
                    "is empty; every rung needs a title".into(),
                );
            }
            if let Err(m) = check_text(&rung.title, Lines::One, MAX_TITLE_CHARS) {
                return fail(at(RungField::Title), m);
            }
            if let Err(m) = check_text(&rung.descriptor, Lines::Many, MAX_TEXT_CHARS) {
                return fail(at(RungField::Descriptor), m);
            }
            if let Err(m) = check_text(&rung.next_step, Lines::Many, MAX_TEXT_CHARS) {
                return fail(at(RungField::NextStep), m);
            }
        }
        None
    }

    /// Trims every field and turns Windows and old Mac line endings into `\n`.
    fn tidied(mut self) -> Ladder {
        self.title = tidy(&self.title);
        self.subject = self.subject.as_deref().map(tidy);
        self.description = tidy(&self.description);
        for rung in &mut self.rungs {
            rung.code = tidy(&rung.code);
            rung.title = tidy(&rung.title);
            rung.descriptor = tidy(&rung.descriptor);
            rung.next_step = tidy(&rung.next_step);
        }
        self
    }
}

/// Checks a set of ladders as one file: each ladder valid, and no two with the same
/// title (in CSV, the title is what holds a ladder's rows together). Places read
/// `ladders[2].rungs[0].code`, as in the JSON format.
pub fn validate_all(ladders: &[Ladder]) -> Result<(), LadderError> {
    for (i, ladder) in ladders.iter().enumerate() {
        if let Some(p) = ladder.first_problem() {
            return Err(LadderError::new(
                format!("ladders[{i}].{}", p.spot.path()),
                p.message,
            ));
        }
    }
    match repeated_title(ladders) {
        Some((i, message)) => Err(LadderError::new(format!("ladders[{i}].title"), message)),
        None => Ok(()),
    }
}

/// The ladders that come with Village: GCSE grades 1–9; working towards, expected standard
/// and greater depth; and the four learning-to-learn qualities (resilient, resourceful,
/// reflective, responsible), each its own ladder so that a child reads about one thing at
/// a time and can be further on with one than another.
pub fn builtin() -> Vec<Ladder> {
    const FILES: [&str; 3] = [
        include_str!("../ladders/gcse-grades.json"),
        include_str!("../ladders/primary-standards.json"),
        include_str!("../ladders/learning-to-learn.json"),
    ];
    // The files are part of the source and a test parses each of them, so a failure
    // here cannot reach a release.
    FILES
        .iter()
        .flat_map(|text| parse_json(text).unwrap_or_default())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Checking text

/// Which part of a ladder a problem is in; each format turns it into its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spot {
    Title,
    Subject,
    Description,
    Rungs,
    Rung(usize, RungField),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RungField {
    Code,
    Title,
    Descriptor,
    NextStep,
}

impl RungField {
    fn json_name(self) -> &'static str {
        match self {
            RungField::Code => "code",
            RungField::Title => "title",
            RungField::Descriptor => "descriptor",
            RungField::NextStep => "next_step",
        }
    }

    fn csv_column(self) -> &'static str {
        match self {
            RungField::Code => "rung_code",
            RungField::Title => "rung_title",
            RungField::Descriptor => "descriptor",
            RungField::NextStep => "next_step",
        }
    }
}

impl Spot {
    fn path(self) -> String {
        match self {
            Spot::Title => "title".into(),
            Spot::Subject => "subject".into(),
            Spot::Description => "description".into(),
            Spot::Rungs => "rungs".into(),
            Spot::Rung(i, field) => format!("rungs[{i}].{}", field.json_name()),
        }
    }
}

struct Problem {
    spot: Spot,
    message: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lines {
    One,
    Many,
}

fn check_text(text: &str, lines: Lines, max: usize) -> Result<(), String> {
    let n = text.chars().count();
    if n > max {
        return Err(format!(
            "is {} characters long; the most is {}",
            thousands(n),
            thousands(max)
        ));
    }
    if text.trim() != text {
        return Err(match lines {
            Lines::One => "starts or ends with a space".into(),
            Lines::Many => "starts or ends with spaces or blank lines".into(),
        });
    }
    for c in text.chars() {
        match c {
            '\n' if lines == Lines::Many => {}
            '\n' | '\r' if lines == Lines::One => return Err("must be on one line".into()),
            '\t' => return Err("contains a tab; use spaces instead".into()),
            c if c.is_control() => {
                return Err(format!(
                    "contains an invisible control character (U+{:04X}); remove it",
                    u32::from(c)
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

fn tidy(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_string()
}

fn thousands(n: usize) -> String {
    let digits: Vec<char> = n.to_string().chars().collect();
    let groups: Vec<String> = digits
        .rchunks(3)
        .rev()
        .map(|group| group.iter().collect())
        .collect();
    groups.join(",")
}

/// The index of the first ladder whose title an earlier one already has.
fn repeated_title(ladders: &[Ladder]) -> Option<(usize, String)> {
    let mut seen = HashSet::new();
    ladders.iter().enumerate().find_map(|(i, l)| {
        (!seen.insert(l.title.as_str())).then(|| {
            (
                i,
                format!(
                    "two ladders are both called \"{}\"; give them different titles, \
                     for example by adding the subject",
                    l.title
                ),
            )
        })
    })
}

// ---------------------------------------------------------------------------------------
// Village JSON

#[derive(Serialize)]
struct JsonFileOut<'a> {
    format: &'a str,
    version: u64,
    ladders: &'a [Ladder],
}

/// Writes ladders in Village's JSON format, pretty-printed, ending with a newline.
pub fn to_json(ladders: &[Ladder]) -> String {
    let file = JsonFileOut {
        format: JSON_FORMAT,
        version: JSON_VERSION,
        ladders,
    };
    // Strings, enums and vectors always serialise, so the fallback is never taken.
    let mut out = serde_json::to_string_pretty(&file).unwrap_or_default();
    out.push('\n');
    out
}

/// Reads Village's JSON format. Places read `ladders[0].rungs[3].code`; a file that is
/// not JSON at all gets `line 4, column 12`.
pub fn parse_json(input: &str) -> Result<Vec<Ladder>, LadderError> {
    let value = read_json_value(input)?;
    let Some(top) = value.as_object() else {
        return Err(LadderError::new(
            "the file",
            "is not a Village ladders file: it should be a JSON object, starting with {",
        ));
    };
    if top.contains_key("CFDocument") || top.contains_key("CFPackage") {
        return Err(LadderError::new(
            "the file",
            "looks like a CASE package, not a Village ladders file; import it as CASE",
        ));
    }
    match top.get("format") {
        None => {
            return Err(LadderError::new(
                "format",
                format!("is missing; a Village ladders file has \"format\": \"{JSON_FORMAT}\""),
            ))
        }
        Some(Value::String(f)) if f == JSON_FORMAT => {}
        Some(other) => {
            return Err(LadderError::new(
                "format",
                format!("is {other}, but Village reads only \"{JSON_FORMAT}\" files"),
            ))
        }
    }
    match top.get("version") {
        None => {
            return Err(LadderError::new(
                "version",
                format!("is missing; this version of Village reads version {JSON_VERSION}"),
            ))
        }
        Some(v) if v.as_u64() == Some(JSON_VERSION) => {}
        Some(v) => {
            let message = match v.as_u64() {
                Some(n) if n > JSON_VERSION => format!(
                    "is {n}, which is newer than this version of Village understands; \
                     it reads version {JSON_VERSION}"
                ),
                _ => format!(
                    "is {v}, which is not a version Village knows; \
                     it reads version {JSON_VERSION}"
                ),
            };
            return Err(LadderError::new("version", message));
        }
    }
    if let Some(key) = top
        .keys()
        .find(|k| !matches!(k.as_str(), "format" | "version" | "ladders"))
    {
        return Err(LadderError::new(
            key.clone(),
            format!("is not part of the {JSON_FORMAT} format"),
        ));
    }
    let Some(list) = top.get("ladders") else {
        return Err(LadderError::new(
            "ladders",
            "is missing; it should be a list of ladders",
        ));
    };
    let Some(list) = list.as_array() else {
        return Err(LadderError::new(
            "ladders",
            "should be a list of ladders, in [ ]",
        ));
    };

    let mut ladders = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let here = format!("ladders[{i}]");
        if !item.is_object() {
            return Err(LadderError::new(
                here,
                "should be a ladder, written as { … }",
            ));
        }
        // Rungs first, one at a time, so that a mistake in one names its place.
        if let Some(Value::Array(rungs)) = item.get("rungs") {
            for (j, rung) in rungs.iter().enumerate() {
                Rung::deserialize(rung)
                    .map_err(|e| LadderError::new(format!("{here}.rungs[{j}]"), serde_words(&e)))?;
            }
        }
        let ladder = Ladder::deserialize(item)
            .map_err(|e| LadderError::new(here.clone(), serde_words(&e)))?
            .tidied();
        if let Some(p) = ladder.first_problem() {
            return Err(LadderError::new(
                format!("{here}.{}", p.spot.path()),
                p.message,
            ));
        }
        ladders.push(ladder);
    }
    if let Some((i, message)) = repeated_title(&ladders) {
        return Err(LadderError::new(format!("ladders[{i}].title"), message));
    }
    Ok(ladders)
}

fn read_json_value(input: &str) -> Result<Value, LadderError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    if input.trim().is_empty() {
        return Err(LadderError::new("the file", "is empty"));
    }
    serde_json::from_str(input).map_err(|e| {
        let place = format!("line {}, column {}", e.line(), e.column());
        let message = if e.is_eof() {
            "the file ends too soon; is a closing } or ] missing?".to_string()
        } else {
            format!("is not valid JSON: {}", serde_words(&e))
        };
        LadderError::new(place, message)
    })
}

/// serde's message without its position (the place says where) and with plain quotes.
fn serde_words(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(at) if e.line() > 0 => text.get(..at).unwrap_or(&text).to_string(),
        _ => text,
    };
    text.replace('`', "\"")
}

// ---------------------------------------------------------------------------------------
// CSV

/// Writes ladders as CSV with the columns of [`CSV_COLUMNS`], one row per rung.
pub fn to_csv(ladders: &[Ladder]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    for ladder in ladders {
        for rung in &ladder.rungs {
            let cells = [
                ladder.title.as_str(),
                ladder.subject.as_deref().unwrap_or(""),
                ladder.kind.as_str(),
                rung.code.as_str(),
                rung.title.as_str(),
                rung.descriptor.as_str(),
                rung.next_step.as_str(),
                ladder.description.as_str(),
            ];
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_csv_cell(&mut out, cell);
            }
            out.push('\n');
        }
    }
    out
}

fn push_csv_cell(out: &mut String, cell: &str) {
    let needs_quotes = cell.contains([',', '"', '\n', '\r']) || cell.trim() != cell;
    if needs_quotes {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

/// A ladder being gathered from consecutive CSV rows.
struct CsvLadder {
    ladder: Ladder,
    /// The line each rung's row starts on.
    lines: Vec<u64>,
}

impl CsvLadder {
    fn first_line(&self) -> u64 {
        self.lines.first().copied().unwrap_or(0)
    }

    fn check(&self) -> Result<(), LadderError> {
        let Some(p) = self.ladder.first_problem() else {
            return Ok(());
        };
        let first = self.first_line();
        let place = match p.spot {
            Spot::Title => format!("line {first}, column \"ladder\""),
            Spot::Subject => format!("line {first}, column \"subject\""),
            Spot::Description => format!("line {first}, column \"ladder_description\""),
            Spot::Rungs => format!("line {first}, ladder \"{}\"", self.ladder.title),
            Spot::Rung(i, field) => format!(
                "line {}, column \"{}\"",
                self.lines.get(i).copied().unwrap_or(first),
                field.csv_column()
            ),
        };
        Err(LadderError::new(place, p.message))
    }
}

/// Reads ladders from CSV. Places read `line 7, column "next_step"`, counting lines as a
/// text editor does (a quoted field over several lines counts them all).
pub fn parse_csv(input: &str) -> Result<Vec<Ladder>, LadderError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    if input.trim().is_empty() {
        return Err(LadderError::new(
            "the file",
            format!(
                "is empty; the first line should be the header: {}",
                CSV_COLUMNS.join(",")
            ),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input.as_bytes());
    let mut records = reader.records();

    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(csv_error(&e)),
        None => return Err(LadderError::new("line 1", "the header is missing")),
    };
    let header_line = header.position().map_or(1, |p| p.line());
    let columns = csv_columns(&header, header_line)?;
    let width = header.len();

    let mut done: Vec<CsvLadder> = Vec::new();
    let mut current: Option<CsvLadder> = None;
    for record in records {
        let record = record.map_err(|e| csv_error(&e))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if record.len() != width {
            let mut message = format!(
                "this row has {} values, but the header has {width}",
                record.len()
            );
            if record.len() < width {
                let missing: Vec<String> = header
                    .iter()
                    .skip(record.len())
                    .map(|name| format!("\"{name}\""))
                    .collect();
                message.push_str(&format!("; missing: {}", missing.join(", ")));
            } else {
                message.push_str("; is there a comma that should be inside quotes?");
            }
            return Err(LadderError::new(format!("line {line}"), message));
        }
        let cell = |column: usize| -> String {
            columns
                .get(column)
                .copied()
                .flatten()
                .and_then(|at| record.get(at))
                .map(tidy)
                .unwrap_or_default()
        };
        let (title, subject, kind, description) = (cell(0), cell(1), cell(2), cell(7));
        let at = |column: &str| format!("line {line}, column \"{column}\"");
        if title.is_empty() {
            return Err(LadderError::new(
                at("ladder"),
                "is empty; every row needs the title of its ladder",
            ));
        }

        let continues = current.as_ref().is_some_and(|c| c.ladder.title == title);
        if continues {
            if let Some(c) = current.as_ref() {
                let first = c.first_line();
                let same = |column: &str, here: &str, there: &str| {
                    if here.is_empty() || here == there {
                        return Ok(());
                    }
                    let there = if there.is_empty() {
                        format!("no {}", column.replace('_', " "))
                    } else {
                        format!("\"{there}\"")
                    };
                    Err(LadderError::new(
                        at(column),
                        format!(
                            "says \"{here}\", but this ladder started on line {first} with \
                             {there}; leave it blank or make them match"
                        ),
                    ))
                };
                same(
                    "subject",
                    &subject,
                    c.ladder.subject.as_deref().unwrap_or(""),
                )?;
                same("kind", &kind.to_lowercase(), c.ladder.kind.as_str())?;
                same("ladder_description", &description, &c.ladder.description)?;
            }
        } else {
            if let Some(finished) = current.take() {
                finished.check()?;
                done.push(finished);
            }
            if let Some(earlier) = done.iter().find(|d| d.ladder.title == title) {
                return Err(LadderError::new(
                    at("ladder"),
                    format!(
                        "the ladder \"{title}\" already ended on line {}; keep all the rows \
                         of a ladder together",
                        earlier.lines.last().copied().unwrap_or(0)
                    ),
                ));
            }
            let kind = match LadderKind::parse(&kind.to_lowercase()) {
                Some(k) => k,
                None if kind.is_empty() => {
                    return Err(LadderError::new(
                        at("kind"),
                        "is empty; write \"subject\" or \"capability\"",
                    ))
                }
                None => {
                    return Err(LadderError::new(
                        at("kind"),
                        format!("is \"{kind}\"; write \"subject\" or \"capability\""),
                    ))
                }
            };
            current = Some(CsvLadder {
                ladder: Ladder {
                    title,
                    subject: (!subject.is_empty()).then_some(subject),
                    kind,
                    description,
                    rungs: Vec::new(),
                },
                lines: Vec::new(),
            });
        }
        if let Some(c) = current.as_mut() {
            if c.ladder.rungs.len() >= MAX_RUNGS {
                return Err(LadderError::new(
                    format!("line {line}"),
                    format!(
                        "this would be rung {} of the ladder \"{}\"; a ladder can have at \
                         most {MAX_RUNGS} rungs",
                        MAX_RUNGS + 1,
                        c.ladder.title
                    ),
                ));
            }
            c.ladder.rungs.push(Rung {
                code: cell(3),
                title: cell(4),
                descriptor: cell(5),
                next_step: cell(6),
            });
            c.lines.push(line);
        }
    }
    if let Some(finished) = current.take() {
        finished.check()?;
        done.push(finished);
    }
    Ok(done.into_iter().map(|c| c.ladder).collect())
}

/// Where each of [`CSV_COLUMNS`] is in the file, by header name.
fn csv_columns(header: &csv::StringRecord, line: u64) -> Result<Vec<Option<usize>>, LadderError> {
    let mut found: Vec<Option<usize>> = vec![None; CSV_COLUMNS.len()];
    for (at, name) in header.iter().enumerate() {
        let name = name.trim().to_lowercase().replace([' ', '-'], "_");
        if let Some(which) = CSV_COLUMNS.iter().position(|c| *c == name) {
            match found.get_mut(which) {
                Some(Some(_)) => {
                    return Err(LadderError::new(
                        format!("line {line}, column \"{name}\""),
                        "appears twice in the header",
                    ))
                }
                Some(slot) => *slot = Some(at),
                None => {}
            }
        }
    }
    let missing: Vec<String> = CSV_COLUMNS
        .iter()
        .zip(&found)
        .take(CSV_REQUIRED)
        .filter(|(_, at)| at.is_none())
        .map(|(name, _)| format!("\"{name}\""))
        .collect();
    if !missing.is_empty() {
        let (noun, list) = if missing.len() == 1 {
            ("column", missing.join(""))
        } else {
            ("columns", missing.join(", "))
        };
        return Err(LadderError::new(
            format!("line {line}"),
            format!(
                "the header has no {list} {noun}; it should be: {}",
                CSV_COLUMNS
                    .get(..CSV_REQUIRED)
                    .unwrap_or(&CSV_COLUMNS)
                    .join(",")
            ),
        ));
    }
    Ok(found)
}

fn csv_error(e: &csv::Error) -> LadderError {
    let place = match e.position() {
        Some(p) => format!("line {}", p.line()),
        None => "the file".to_string(),
    };
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not plain text (UTF-8)".to_string(),
        _ => format!("could not be read as CSV: {e}"),
    };
    LadderError::new(place, message)
}

// ---------------------------------------------------------------------------------------
// 1EdTech CASE 1.0

#[derive(Deserialize)]
struct CaseDocument {
    identifier: String,
    #[serde(default)]
    uri: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    subject: Option<OneOrMany>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TextOrNumber {
    Text(String),
    Number(serde_json::Number),
}

impl TextOrNumber {
    fn text(&self) -> String {
        match self {
            TextOrNumber::Text(t) => tidy(t),
            TextOrNumber::Number(n) => n.to_string(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CaseItem {
    identifier: String,
    #[serde(default)]
    uri: Option<String>,
    full_statement: String,
    #[serde(default)]
    abbreviated_statement: Option<String>,
    #[serde(default)]
    human_coding_scheme: Option<TextOrNumber>,
    #[serde(default)]
    list_enumeration: Option<TextOrNumber>,
}

#[derive(Deserialize)]
struct CaseAssociation {
    #[serde(rename = "originNodeURI")]
    origin: CaseNode,
    #[serde(rename = "destinationNodeURI")]
    destination: CaseNode,
    #[serde(rename = "sequenceNumber", default)]
    sequence: Option<Value>,
}

#[derive(Deserialize)]
struct CaseNode {
    #[serde(default)]
    identifier: Option<String>,
    #[serde(default)]
    uri: Option<String>,
}

impl CaseNode {
    fn name(&self) -> &str {
        self.identifier
            .as_deref()
            .or(self.uri.as_deref())
            .unwrap_or("(no identifier)")
    }
}

/// The parent end of an `isChildOf` association.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Parent {
    Document,
    Item(usize),
}

/// One child under one parent, with what orders it among its siblings.
#[derive(Debug, Clone, Copy)]
struct Child {
    item: usize,
    sequence: Option<i64>,
}

struct CasePackage {
    document: CaseDocument,
    items: Vec<CaseItem>,
    children: HashMap<Parent, Vec<Child>>,
    /// For each item, the items it is a child of.
    parents: Vec<Vec<usize>>,
}

/// Reads a 1EdTech CASE 1.0 package; see the module documentation for how it maps onto
/// ladders. Places read `CFItem <identifier>`, `CFAssociation <identifier>` or
/// `CFDocument <identifier>`.
pub fn parse_case(input: &str) -> Result<Vec<Ladder>, LadderError> {
    let value = read_json_value(input)?;
    let package = read_case(&value)?;
    package.check_no_circles()?;
    package.ladders()
}

fn read_case(value: &Value) -> Result<CasePackage, LadderError> {
    let top = value.get("CFPackage").unwrap_or(value);
    let Some(top) = top.as_object() else {
        return Err(LadderError::new(
            "the file",
            "is not a CASE package: it should be a JSON object, starting with {",
        ));
    };
    if top.get("format").and_then(Value::as_str) == Some(JSON_FORMAT) {
        return Err(LadderError::new(
            "the file",
            "is a Village ladders file, not a CASE package; import it as Village JSON",
        ));
    }
    let Some(document) = top.get("CFDocument") else {
        return Err(LadderError::new(
            "the file",
            "is not a CASE package: it has no \"CFDocument\"",
        ));
    };
    let document = CaseDocument::deserialize(document)
        .map_err(|e| LadderError::new("CFDocument", serde_words(&e)))?;

    let raw_items = list_of(top, "CFItems")?;
    if raw_items.is_empty() {
        return Err(LadderError::new(
            "CFItems",
            "the package has no items, so there are no rungs to make a ladder from",
        ));
    }
    let mut items = Vec::with_capacity(raw_items.len());
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut by_uri: HashMap<String, usize> = HashMap::new();
    for (i, raw) in raw_items.iter().enumerate() {
        let place = match raw.get("identifier").and_then(Value::as_str) {
            Some(id) => format!("CFItem {id}"),
            None => format!("CFItems[{i}]"),
        };
        let item = CaseItem::deserialize(raw)
            .map_err(|e| LadderError::new(place.clone(), serde_words(&e)))?;
        if by_id.insert(item.identifier.clone(), i).is_some() {
            return Err(LadderError::new(
                place,
                "appears twice in CFItems; each item needs its own identifier",
            ));
        }
        if let Some(uri) = item.uri.as_ref().filter(|u| !u.is_empty()) {
            by_uri.entry(uri.clone()).or_insert(i);
        }
        items.push(item);
    }

    let find_item = |node: &CaseNode| -> Option<usize> {
        node.identifier
            .as_ref()
            .and_then(|id| by_id.get(id))
            .or_else(|| node.uri.as_ref().and_then(|uri| by_uri.get(uri)))
            .copied()
    };
    let is_document = |node: &CaseNode| {
        node.identifier.as_deref() == Some(document.identifier.as_str())
            || node
                .uri
                .as_ref()
                .is_some_and(|u| !u.is_empty() && Some(u) == document.uri.as_ref())
    };

    let mut children: HashMap<Parent, Vec<Child>> = HashMap::new();
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    let mut has_parent = vec![false; items.len()];
    let mut linked: HashSet<(Parent, usize)> = HashSet::new();
    for (i, raw) in list_of(top, "CFAssociations")?.iter().enumerate() {
        if raw.get("associationType").and_then(Value::as_str) != Some("isChildOf") {
            continue;
        }
        let place = match raw.get("identifier").and_then(Value::as_str) {
            Some(id) => format!("CFAssociation {id}"),
            None => format!("CFAssociations[{i}]"),
        };
        let association = CaseAssociation::deserialize(raw)
            .map_err(|e| LadderError::new(place.clone(), serde_words(&e)))?;
        let Some(child) = find_item(&association.origin) else {
            return Err(LadderError::new(
                place,
                format!(
                    "its child (originNodeURI) is \"{}\", which is not a CFItem in this package",
                    association.origin.name()
                ),
            ));
        };
        let parent = if let Some(p) = find_item(&association.destination) {
            Parent::Item(p)
        } else if is_document(&association.destination) {
            Parent::Document
        } else {
            return Err(LadderError::new(
                place,
                format!(
                    "its parent (destinationNodeURI) is \"{}\", which is neither the \
                     CFDocument nor a CFItem in this package",
                    association.destination.name()
                ),
            ));
        };
        let sequence = match &association.sequence {
            None | Some(Value::Null) => None,
            Some(v) => Some(whole_number(v).ok_or_else(|| {
                LadderError::new(
                    place.clone(),
                    format!("its sequenceNumber is {v}; it should be a whole number"),
                )
            })?),
        };
        if !linked.insert((parent, child)) {
            continue;
        }
        if let Parent::Item(p) = parent {
            if let Some(list) = parents.get_mut(child) {
                list.push(p);
            }
        }
        if let Some(flag) = has_parent.get_mut(child) {
            *flag = true;
        }
        children.entry(parent).or_default().push(Child {
            item: child,
            sequence,
        });
    }
    // An item with no isChildOf at all sits directly under the document.
    for (item, flag) in has_parent.iter().enumerate() {
        if !flag {
            children.entry(Parent::Document).or_default().push(Child {
                item,
                sequence: None,
            });
        }
    }
    let mut package = CasePackage {
        document,
        items,
        children,
        parents,
    };
    package.sort_siblings();
    Ok(package)
}

fn list_of<'a>(
    top: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<&'a [Value], LadderError> {
    match top.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(list)) => Ok(list),
        Some(_) => Err(LadderError::new(key, "should be a list, in [ ]")),
    }
}

fn whole_number(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            // Whole and well inside i64's range, so the cast is exact.
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl CasePackage {
    fn item(&self, i: usize) -> Option<&CaseItem> {
        self.items.get(i)
    }

    fn item_place(&self, i: usize) -> String {
        match self.item(i) {
            Some(item) => format!("CFItem {}", item.identifier),
            None => "CFItems".to_string(),
        }
    }

    fn sort_siblings(&mut self) {
        let items = &self.items;
        for list in self.children.values_mut() {
            list.sort_by(|a, b| {
                let (x, y) = (items.get(a.item), items.get(b.item));
                some_first(a.sequence, b.sequence, |p, q| p.cmp(&q))
                    .then_with(|| {
                        some_first(
                            x.and_then(|i| i.list_enumeration.as_ref())
                                .map(TextOrNumber::text),
                            y.and_then(|i| i.list_enumeration.as_ref())
                                .map(TextOrNumber::text),
                            |p, q| natural_cmp(&p, &q),
                        )
                    })
                    .then_with(|| {
                        some_first(
                            x.and_then(|i| i.human_coding_scheme.as_ref())
                                .map(TextOrNumber::text),
                            y.and_then(|i| i.human_coding_scheme.as_ref())
                                .map(TextOrNumber::text),
                            |p, q| natural_cmp(&p, &q),
                        )
                    })
                    .then(a.item.cmp(&b.item))
            });
        }
    }

    fn children_of(&self, parent: Parent) -> &[Child] {
        self.children.get(&parent).map_or(&[], Vec::as_slice)
    }

    fn is_leaf(&self, item: usize) -> bool {
        self.children_of(Parent::Item(item)).is_empty()
    }

    /// Follows child-to-parent links from every item, without recursion so that a deep
    /// or hostile package cannot exhaust the stack.
    fn check_no_circles(&self) -> Result<(), LadderError> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnPath,
            Done,
        }
        let mut mark = vec![Mark::New; self.items.len()];
        for start in 0..self.items.len() {
            if mark.get(start) != Some(&Mark::New) {
                continue;
            }
            // Each entry: an item, and how many of its parents have been followed.
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            if let Some(m) = mark.get_mut(start) {
                *m = Mark::OnPath;
            }
            while let Some(top) = path.last_mut() {
                let (item, next) = *top;
                let parent = self.parents.get(item).and_then(|p| p.get(next)).copied();
                let Some(parent) = parent else {
                    if let Some(m) = mark.get_mut(item) {
                        *m = Mark::Done;
                    }
                    path.pop();
                    continue;
                };
                top.1 += 1;
                match mark.get(parent) {
                    Some(Mark::New) => {
                        if let Some(m) = mark.get_mut(parent) {
                            *m = Mark::OnPath;
                        }
                        path.push((parent, 0));
                    }
                    Some(Mark::OnPath) => return Err(self.circle_error(&path, parent)),
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn circle_error(&self, path: &[(usize, usize)], back_to: usize) -> LadderError {
        let id = |i: usize| self.item(i).map_or("?", |item| item.identifier.as_str());
        let from = path.iter().position(|(i, _)| *i == back_to).unwrap_or(0);
        let circle: Vec<usize> = path.iter().skip(from).map(|(i, _)| *i).collect();
        let message = if circle.len() <= 1 {
            "it is a child of itself (isChildOf); a tree of items cannot go round in a circle"
                .to_string()
        } else {
            let chain: Vec<String> = circle
                .iter()
                .skip(1)
                .map(|i| format!("a child of {}", id(*i)))
                .collect();
            format!(
                "its isChildOf associations go round in a circle: it is {}, which is a child \
                 of {} again; a tree of items cannot go round in a circle",
                chain.join(", which is "),
                id(back_to)
            )
        };
        LadderError::new(self.item_place(back_to), message)
    }

    fn subject(&self) -> Option<String> {
        let names: Vec<&String> = match &self.document.subject {
            None => Vec::new(),
            Some(OneOrMany::One(s)) => vec![s],
            Some(OneOrMany::Many(list)) => list.iter().collect(),
        };
        names
            .into_iter()
            .map(|s| tidy(s))
            .find(|s| !s.is_empty())
            .map(|s| shorten(&s, MAX_TITLE_CHARS))
    }

    fn ladders(&self) -> Result<Vec<Ladder>, LadderError> {
        let flat = self.children.keys().all(|p| *p == Parent::Document);
        let subject = self.subject();
        if flat {
            let place = format!("CFDocument {}", self.document.identifier);
            let title = self
                .document
                .title
                .as_deref()
                .map(|t| shorten(&tidy(t), MAX_TITLE_CHARS))
                .unwrap_or_default();
            let description = self
                .document
                .description
                .as_deref()
                .map(tidy)
                .unwrap_or_default();
            let ladder = self.ladder(title, description, subject, Parent::Document);
            self.check(&ladder, &place, Parent::Document)?;
            return Ok(vec![ladder]);
        }

        let mut ladders: Vec<Ladder> = Vec::new();
        let mut titles: HashSet<String> = HashSet::new();
        let mut seen = vec![false; self.items.len()];
        // Depth first from the document, in sibling order, so ladders follow the framework.
        let mut stack: Vec<usize> = self
            .children_of(Parent::Document)
            .iter()
            .rev()
            .map(|c| c.item)
            .collect();
        while let Some(i) = stack.pop() {
            match seen.get_mut(i) {
                Some(s) if !*s => *s = true,
                _ => continue,
            }
            let kids = self.children_of(Parent::Item(i));
            if kids.is_empty() {
                continue;
            }
            if !kids.iter().all(|c| self.is_leaf(c.item)) {
                stack.extend(kids.iter().rev().map(|c| c.item));
                continue;
            }
            let Some(item) = self.item(i) else { continue };
            let title = self.unique_title(item, &titles);
            let full = tidy(&item.full_statement);
            let description = if full == title { String::new() } else { full };
            let ladder = self.ladder(title, description, subject.clone(), Parent::Item(i));
            self.check(&ladder, &self.item_place(i), Parent::Item(i))?;
            titles.insert(ladder.title.clone());
            ladders.push(ladder);
        }
        Ok(ladders)
    }

    fn ladder(
        &self,
        title: String,
        description: String,
        subject: Option<String>,
        parent: Parent,
    ) -> Ladder {
        let kids: Vec<&CaseItem> = self
            .children_of(parent)
            .iter()
            .filter_map(|c| self.item(c.item))
            .collect();
        let codes = rung_codes(&kids);
        let statements: Vec<String> = kids.iter().map(|k| tidy(&k.full_statement)).collect();
        let rungs = kids
            .iter()
            .zip(codes)
            .enumerate()
            .map(|(k, (item, code))| Rung {
                code,
                title: item_title(item),
                descriptor: statements.get(k).cloned().unwrap_or_default(),
                next_step: statements.get(k + 1).cloned().unwrap_or_default(),
            })
            .collect();
        Ladder {
            title,
            subject,
            kind: LadderKind::Subject,
            description,
            rungs,
        }
    }

    fn unique_title(&self, item: &CaseItem, taken: &HashSet<String>) -> String {
        let title = item_title(item);
        if !taken.contains(&title) {
            return title;
        }
        let mut tags: Vec<String> = item
            .human_coding_scheme
            .iter()
            .map(TextOrNumber::text)
            .filter(|t| !t.is_empty())
            .collect();
        tags.extend((2..).take(taken.len() + 1).map(|n| n.to_string()));
        tags.into_iter()
            .map(|tag| {
                let room = MAX_TITLE_CHARS.saturating_sub(tag.chars().count() + 3);
                format!("{} ({tag})", shorten(&title, room))
            })
            .find(|t| !taken.contains(t))
            .unwrap_or(title)
    }

    fn check(&self, ladder: &Ladder, place: &str, parent: Parent) -> Result<(), LadderError> {
        let Some(p) = ladder.first_problem() else {
            return Ok(());
        };
        let (place, words) = match p.spot {
            Spot::Title => (place.to_string(), "its title"),
            Spot::Subject => (
                format!("CFDocument {}", self.document.identifier),
                "its subject",
            ),
            Spot::Description => (place.to_string(), "its description"),
            Spot::Rungs => return Err(LadderError::new(place, p.message)),
            Spot::Rung(k, field) => {
                // A next step is the following item's statement, so blame that item.
                let (k, words) = match field {
                    RungField::Code => (k, "its code"),
                    RungField::Title => (k, "its title"),
                    RungField::Descriptor => (k, "its fullStatement"),
                    RungField::NextStep => (k + 1, "its fullStatement"),
                };
                let child = self
                    .children_of(parent)
                    .get(k)
                    .map_or_else(|| place.to_string(), |c| self.item_place(c.item));
                (child, words)
            }
        };
        Err(LadderError::new(place, format!("{words} {}", p.message)))
    }
}

/// Orders `Some` before `None`, so that items with an explicit order come first.
fn some_first<T>(a: Option<T>, b: Option<T>, cmp: impl Fn(T, T) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => cmp(a, b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Compares "2.10" after "2.9", as a person would, by taking runs of digits as numbers.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, run)) if *d == digit => run.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    }
    let (x, y) = (chunks(a), chunks(b));
    for ((dx, px), (dy, py)) in x.iter().zip(&y) {
        let order = if *dx && *dy {
            let (px, py) = (px.trim_start_matches('0'), py.trim_start_matches('0'));
            px.len().cmp(&py.len()).then_with(|| px.cmp(py))
        } else {
            px.to_lowercase().cmp(&py.to_lowercase())
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    x.len().cmp(&y.len()).then_with(|| a.cmp(b))
}

fn item_title(item: &CaseItem) -> String {
    let short = item
        .abbreviated_statement
        .as_deref()
        .map(tidy)
        .filter(|s| !s.is_empty());
    let text = short.unwrap_or_else(|| tidy(&item.full_statement));
    shorten(&text, MAX_TITLE_CHARS)
}

/// The first line of `text`, cut at a word to fit in `max` characters with "…".
fn shorten(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() <= max {
        return line.to_string();
    }
    let cut: String = line.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > 0 => cut.get(..space).unwrap_or(&cut),
        _ => cut.as_str(),
    };
    let cut = cut.trim_end_matches(|c: char| c.is_whitespace() || ",;:.-–".contains(c));
    format!("{cut}…")
}

/// Codes for the rungs made from `kids`: their coding scheme, their list enumeration or
/// their number, whichever is the first to give every rung a short, distinct code.
fn rung_codes(kids: &[&CaseItem]) -> Vec<String> {
    let usable = |codes: Vec<Option<String>>| -> Option<Vec<String>> {
        let codes: Vec<String> = codes.into_iter().collect::<Option<_>>()?;
        let mut seen = HashSet::new();
        let ok = codes.iter().all(|c| {
            !c.is_empty()
                && check_text(c, Lines::One, MAX_CODE_CHARS).is_ok()
                && seen.insert(c.to_lowercase())
        });
        ok.then_some(codes)
    };
    let from = |field: fn(&CaseItem) -> Option<&TextOrNumber>| {
        kids.iter()
            .map(|k| field(k).map(TextOrNumber::text))
            .collect::<Vec<_>>()
    };
    usable(from(|k| k.human_coding_scheme.as_ref()))
        .or_else(|| usable(from(|k| k.list_enumeration.as_ref())))
        .unwrap_or_else(|| (1..=kids.len()).map(|n| n.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rung(code: &str) -> Rung {
        Rung {
            code: code.into(),
            title: format!("Rung {code}"),
            descriptor: format!("I can do {code}."),
            next_step: String::new(),
        }
    }

    fn ladder(codes: &[&str]) -> Ladder {
        Ladder {
            title: "Fractions".into(),
            subject: Some("Maths".into()),
            kind: LadderKind::Subject,
            description: String::new(),
            rungs: codes.iter().map(|c| rung(c)).collect(),
        }
    }

    fn problem(l: &Ladder) -> String {
        l.validate().unwrap_err().to_string()
    }

    #[test]
    fn a_plain_ladder_is_valid() {
        assert_eq!(ladder(&["1", "2", "3"]).validate(), Ok(()));
    }

    #[test]
    fn rung_counts_are_bounded() {
        assert_eq!(
            problem(&ladder(&["1"])),
            "rungs: a ladder needs at least 2 rungs, and this one has 1"
        );
        assert_eq!(
            problem(&ladder(&[])),
            "rungs: a ladder needs at least 2 rungs, and this one has none"
        );
        let many: Vec<String> = (1..=31).map(|n| n.to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            problem(&ladder(&many)),
            "rungs: a ladder can have at most 30 rungs, and this one has 31"
        );
        assert_eq!(ladder(&many[..30]).validate(), Ok(()));
    }

    #[test]
    fn codes_are_present_short_and_distinct() {
        assert_eq!(
            problem(&ladder(&["5", "6", "5"])),
            "rungs[2].code: two rungs are both called \"5\""
        );
        assert_eq!(
            problem(&ladder(&["wts", "WTS"])),
            "rungs[1].code: two rungs are called \"wts\" and \"WTS\"; codes must differ by \
             more than capital letters"
        );
        assert_eq!(
            problem(&ladder(&["1", ""])),
            "rungs[1].code: is empty; every rung needs a code"
        );
        assert_eq!(
            problem(&ladder(&["1", "thirteen char"])),
            "rungs[1].code: is 13 characters long; the most is 12"
        );
        assert_eq!(ladder(&["1", "twelve chars"]).validate(), Ok(()));
    }

    #[test]
    fn text_limits_and_characters() {
        let mut l = ladder(&["1", "2"]);
        l.rungs[0].descriptor = "x".repeat(1_001);
        assert_eq!(
            problem(&l),
            "rungs[0].descriptor: is 1,001 characters long; the most is 1,000"
        );
        l.rungs[0].descriptor = "é".repeat(1_000);
        assert_eq!(l.validate(), Ok(()), "limits count characters, not bytes");

        l.rungs[0].descriptor = "First line\nsecond line".into();
        l.rungs[0].next_step = "Try this\nthen that".into();
        assert_eq!(l.validate(), Ok(()));

        l.rungs[1].title = "Two\nlines".into();
        assert_eq!(problem(&l), "rungs[1].title: must be on one line");
        l.rungs[1].title = "Tab\there".into();
        assert_eq!(
            problem(&l),
            "rungs[1].title: contains a tab; use spaces instead"
        );
        l.rungs[1].title = "Bell\u{7}".into();
        assert_eq!(
            problem(&l),
            "rungs[1].title: contains an invisible control character (U+0007); remove it"
        );
        l.rungs[1].title = " Padded".into();
        assert_eq!(problem(&l), "rungs[1].title: starts or ends with a space");
        l.rungs[1].title = String::new();
        assert_eq!(
            problem(&l),
            "rungs[1].title: is empty; every rung needs a title"
        );
        l.rungs[1].title = "Fine".into();
        l.rungs[1].descriptor = "A\r\nB".into();
        assert_eq!(
            problem(&l),
            "rungs[1].descriptor: contains an invisible control character (U+000D); remove it"
        );
        l.rungs[1].descriptor = "Ends with a blank line\n".into();
        assert_eq!(
            problem(&l),
            "rungs[1].descriptor: starts or ends with spaces or blank lines"
        );
    }

    #[test]
    fn ladder_level_rules() {
        let mut l = ladder(&["1", "2"]);
        l.title = "t".repeat(121);
        assert_eq!(
            problem(&l),
            "title: is 121 characters long; the most is 120"
        );
        l.title = String::new();
        assert_eq!(problem(&l), "title: is empty; every ladder needs a title");
        l.title = "Resilience".into();
        l.kind = LadderKind::Capability;
        assert!(problem(&l).starts_with("subject: is \"Maths\", but a capability ladder"));
        l.subject = None;
        assert_eq!(l.validate(), Ok(()));
        l.kind = LadderKind::Subject;
        l.subject = Some(String::new());
        assert!(problem(&l).starts_with("subject: is empty"));
    }

    #[test]
    fn position_finds_the_rung_and_the_next() {
        let l = ladder(&["WTS", "EXS", "GDS"]);
        let p = l.position("EXS").unwrap();
        assert_eq!(p.index, 1);
        assert_eq!(p.rung.code, "EXS");
        assert_eq!(p.next.map(|r| r.code.as_str()), Some("GDS"));
        assert!(!p.is_top());
        let top = l.position("GDS").unwrap();
        assert_eq!(top.next, None);
        assert!(top.is_top());
        assert_eq!(l.position("exs"), None, "codes match exactly");
        assert_eq!(l.position("X"), None);
    }

    #[test]
    fn judgement_sources_round_trip() {
        for s in JudgementSource::ALL {
            assert_eq!(JudgementSource::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(JudgementSource::Teacher.label(), "My teacher");
        assert_eq!(JudgementSource::Peer.label(), "A classmate");
        assert_eq!(JudgementSource::SelfAssessment.label(), "Me");
        assert_eq!(JudgementSource::parse("parent"), None);
        for k in LadderKind::ALL {
            assert_eq!(LadderKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn json_round_trip_and_tidying() {
        let l = ladder(&["1", "2"]);
        let text = to_json(std::slice::from_ref(&l));
        assert!(text.starts_with("{\n  \"format\": \"village-ladders\",\n  \"version\": 1,"));
        assert_eq!(parse_json(&text).unwrap(), vec![l.clone()]);

        let messy = text.replace("\"Rung 1\"", "\"  Rung 1 \\r\\n\"");
        assert_eq!(parse_json(&messy).unwrap(), vec![l]);
    }

    #[test]
    fn json_syntax_errors_give_line_and_column() {
        let e =
            parse_json("{\n  \"format\": \"village-ladders\",\n  \"version\" 1\n}").unwrap_err();
        assert_eq!(e.place, "line 3, column 13");
        assert!(
            e.message.starts_with("is not valid JSON: expected \":\""),
            "{e}"
        );
        let e = parse_json("{\"format\": ").unwrap_err();
        assert_eq!(
            e.message,
            "the file ends too soon; is a closing } or ] missing?"
        );
        assert_eq!(
            parse_json("  ").unwrap_err().to_string(),
            "the file: is empty"
        );
    }

    #[test]
    fn json_refuses_unknown_fields_by_name() {
        let text = to_json(&[ladder(&["1", "2"])]).replace("\"next_step\"", "\"nextStep\"");
        let e = parse_json(&text).unwrap_err();
        assert_eq!(e.place, "ladders[0].rungs[0]");
        assert!(e.message.starts_with("unknown field \"nextStep\""), "{e}");
    }

    #[test]
    fn csv_cells_are_quoted_only_when_needed() {
        let mut out = String::new();
        for cell in ["plain", "a,b", "say \"hi\"", "two\nlines", ""] {
            push_csv_cell(&mut out, cell);
            out.push('|');
        }
        assert_eq!(out, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"||");
    }

    #[test]
    fn natural_order_reads_numbers_as_numbers() {
        let mut v = vec!["L10", "L2", "L1", "l3", "A"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["A", "L1", "L2", "l3", "L10"]);
        assert_eq!(natural_cmp("2.9", "2.10"), Ordering::Less);
        assert_eq!(natural_cmp("02", "2"), natural_cmp("02", "2"));
    }

    #[test]
    fn shortening_cuts_at_a_word() {
        assert_eq!(shorten("Short", 120), "Short");
        assert_eq!(shorten("First line\nsecond", 120), "First line");
        assert_eq!(shorten("one two three four", 12), "one two…");
        let long = "word ".repeat(40);
        let s = shorten(long.trim(), MAX_TITLE_CHARS);
        assert!(s.chars().count() <= MAX_TITLE_CHARS && s.ends_with("word…"));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn builtin_files_parse() {
        for (name, text) in [
            ("gcse", include_str!("../ladders/gcse-grades.json")),
            ("primary", include_str!("../ladders/primary-standards.json")),
            (
                "learning",
                include_str!("../ladders/learning-to-learn.json"),
            ),
        ] {
            assert!(parse_json(text).is_ok(), "{name}: {:?}", parse_json(text));
        }
    }
}
